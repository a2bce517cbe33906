/**
 * The API's shapes as the console reads them: the client library's (functions/src/client/
 * types.ts), which take them from the API's own zod schemas as types only, so nothing of zod
 * reaches the page's script and a schema change the console does not follow is a compile
 * error here, not a blank page. The console's own names are aliases of the client's.
 */
import type {
  Problem as ApiProblem,
  DeleteResult,
  DeployBatchResponse,
  Deployment,
  DeploymentPage,
  DeployResult,
  PodStatus,
} from '../../client/types.ts';

export type {
  Condition,
  DeployResult,
  FieldError,
  Health,
  Logs,
  Revisions,
  Template,
  Whoami,
} from '../../client/types.ts';

export type AgentStatus = Deployment;
export type Pod = PodStatus;
export type Deleted = DeleteResult;
/** A list page of /deployments; `continue` is set while more pages follow. */
export type DeploymentsPage = DeploymentPage;
export type DeployAnswer = DeployResult | DeployBatchResponse;

/** A problem as an answer may carry it: any field may be missing from what a proxy or agent sent. */
export type Problem = Partial<ApiProblem>;
