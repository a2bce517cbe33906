/**
 * The API's shapes as the console reads them, taken from the API's own zod schemas (types
 * only: nothing of zod reaches the page's script). A schema change the console does not
 * follow is a compile error here, not a blank page.
 */
import type { z } from 'zod';
import type {
  agentStatusSchema,
  deleteResponse,
  deployResultSchema,
  healthResponse,
  logsResponse,
  revisionsResponse,
  templatesResponse,
} from '../../api/schemas.ts';
import type { Problem as ApiProblem } from '../../client/types.ts';

export type AgentStatus = z.infer<typeof agentStatusSchema>;
export type Condition = AgentStatus['conditions'][number];
export type Pod = NonNullable<AgentStatus['pods']>[number];
export type DeployResult = z.infer<typeof deployResultSchema>;
export type Revisions = z.infer<typeof revisionsResponse>;
export type Logs = z.infer<typeof logsResponse>;
export type Template = z.infer<typeof templatesResponse>['templates'][number];
export type Health = z.infer<typeof healthResponse>;
export type Deleted = z.infer<typeof deleteResponse>;

export type { FieldError } from '../../client/types.ts';

/** A problem as an answer may carry it: any field may be missing from what a proxy or agent sent. */
export type Problem = Partial<ApiProblem>;

/** A list page of /deployments; `continue` is set while more pages follow. */
export interface DeploymentsPage {
  deployments: AgentStatus[];
  continue?: string;
}

export type DeployAnswer = DeployResult | { results: DeployResult[]; failed: string[] };
