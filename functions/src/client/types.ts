/**
 * The API's shapes as the client sees them. Every type comes from the control plane's own zod
 * schemas (`api/schemas.ts`) through type-only imports, so client and server cannot drift and
 * nothing of zod or the server is loaded at run time (this folder must stay browser-safe).
 */
import type { z } from 'zod';
import type { FieldError } from '#agent-runtime/contract';
import type {
  agentStatusSchema,
  configResponse,
  deleteResponse,
  deployBatchResponse,
  deployResultSchema,
  gcResponse,
  healthResponse,
  logsResponse,
  problemSchema,
  revisionsResponse,
  templatesResponse,
  whoamiResponse,
} from '../api/schemas.ts';
import type { agentConfigSchema } from '../core/agent-config.ts';

/** An agent config as a user writes it (the seed's agent.config.json). */
export type AgentConfig = z.input<typeof agentConfigSchema>;
export interface DeployBatch {
  agents: AgentConfig[];
}

/** An agent as the cluster runs it: phase, replicas, conditions, pods, build. */
export type Deployment = z.infer<typeof agentStatusSchema>;
export type Phase = Deployment['phase'];
export type Condition = Deployment['conditions'][number];
export type PodStatus = NonNullable<Deployment['pods']>[number];

/**
 * The build of an agent's image, in either shape a server may answer with: with in-cluster
 * builds `{tag, job, phase, startedAt, finishedAt, digest, reason}`; from servers that predate
 * them, `{job, state, message}`. The client reads both, so it works against an older server.
 */
export interface BuildInfo {
  job?: string;
  tag?: string;
  state?: string;
  phase?: string;
  startedAt?: string;
  finishedAt?: string;
  digest?: string;
  reason?: string;
  message?: string;
}

/** One page of `GET /deployments`; `continue` is present when more pages follow. */
export type DeploymentPage = { deployments: Deployment[]; continue?: string };

export type DeployResult = z.infer<typeof deployResultSchema>;
export type DeployBatchResponse = z.infer<typeof deployBatchResponse>;
export type DeleteResult = z.infer<typeof deleteResponse>;
export type Revisions = z.infer<typeof revisionsResponse>;
export type Logs = z.infer<typeof logsResponse>;
/** An agent's stored config as the platform resolved it (every default filled in). */
export type AgentConfigView = z.infer<typeof configResponse>;
export type Template = z.infer<typeof templatesResponse>['templates'][number];
export type Health = z.infer<typeof healthResponse>;
export type GcReport = z.infer<typeof gcResponse>;
/** The scope of the token a client holds (GET /whoami). */
export type Whoami = z.infer<typeof whoamiResponse>;

/** A field error of a rejected config: `path: message`, and the rule when the server names it. */
export type { FieldError } from '#agent-runtime/contract';

/** RFC 9457 problem details, as every error response of the API carries them. */
export type Problem = Omit<z.infer<typeof problemSchema>, 'errors'> & { errors?: FieldError[] };
