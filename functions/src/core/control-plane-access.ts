/**
 * What the control plane's ServiceAccount must be allowed to do, and nothing more: one table,
 * derived from the kinds it renders. manifests/10-control-plane-rbac.yaml and 15-builds.yaml
 * grant exactly this (a unit test compares them), and `fleetplane doctor` asks the API server
 * about every row as that ServiceAccount (SelfSubjectAccessReview).
 *
 * Pure data.
 */
import { AGENT_KINDS } from './agent-objects/types.ts';

/** Where a rule applies: the agents' namespace or the builds' (FLEETPLANE_NAMESPACE, FLEETPLANE_BUILD_NAMESPACE). */
export type AccessScope = 'agents' | 'builds';

export interface AccessNeed {
  scope: AccessScope;
  /** API group: "" for the core group. */
  group: string;
  resource: string;
  subresource?: string;
  verb: string;
  /** What the control plane does with it, for a failing check. */
  why: string;
}

const groupOf = (apiVersion: string) =>
  apiVersion.includes('/') ? (apiVersion.split('/')[0] as string) : '';

/** Server-side apply is a PATCH, which creates the object when it is missing: create and patch both. */
const OBJECT_VERBS: { verb: string; why: string }[] = [
  { verb: 'get', why: 'read one object' },
  { verb: 'list', why: 'read the status of every agent (one list per kind)' },
  { verb: 'create', why: 'server-side apply of a new object' },
  { verb: 'patch', why: 'server-side apply' },
  { verb: 'delete', why: 'delete an agent, and what its config no longer asks for' },
];

export const CONTROL_PLANE_ACCESS: readonly AccessNeed[] = [
  ...AGENT_KINDS.flatMap(({ apiVersion, plural }) =>
    OBJECT_VERBS.map(({ verb, why }) => ({
      scope: 'agents' as const,
      group: groupOf(apiVersion),
      resource: plural,
      verb,
      why,
    })),
  ),
  { scope: 'agents', group: '', resource: 'pods', verb: 'get', why: "read an agent's pods" },
  { scope: 'agents', group: '', resource: 'pods', verb: 'list', why: "read agents' pods and their reasons" },
  {
    scope: 'agents',
    group: '',
    resource: 'pods',
    subresource: 'log',
    verb: 'get',
    why: "tail an agent's logs",
  },
  {
    scope: 'agents',
    group: 'coordination.k8s.io',
    resource: 'leases',
    verb: 'list',
    why: "read what the pool's pods serve (their report Leases), for pooled agents' status",
  },
  { scope: 'builds', group: 'batch', resource: 'jobs', verb: 'create', why: 'start a Kaniko build' },
  {
    scope: 'builds',
    group: 'batch',
    resource: 'jobs',
    verb: 'get',
    why: 'read a build another request started',
  },
  { scope: 'builds', group: 'batch', resource: 'jobs', verb: 'list', why: 'find a build by its tag' },
  { scope: 'builds', group: 'batch', resource: 'jobs', verb: 'delete', why: 'retry a failed build' },
  { scope: 'builds', group: '', resource: 'pods', verb: 'list', why: "read why a build's pod fails" },
  {
    scope: 'builds',
    group: '',
    resource: 'pods',
    subresource: 'log',
    verb: 'get',
    why: "tail a build's log",
  },
];

/** `deployments.apps`, `pods/log`: a row as kubectl names it. */
export function accessName(need: Pick<AccessNeed, 'group' | 'resource' | 'subresource'>): string {
  const resource = need.subresource ? `${need.resource}/${need.subresource}` : need.resource;
  return need.group ? `${resource}.${need.group}` : resource;
}

/**
 * The ValidatingAdmissionPolicy that fences the control plane's ServiceAccount to the shapes it
 * renders (and its binding, by the same name), once manifests/ holds it: doctor looks for it.
 */
export const CONTROL_PLANE_ADMISSION_POLICY = 'fleetplane-control-plane';

/**
 * The label of the namespaces the control plane writes in (agents, builds): the policy's binding
 * applies in them alone. Never on fleetplane-system, which holds the policy's params: were those
 * deleted, the binding would refuse every write it applies to (anyone's, since the API server
 * looks for params before it asks who writes), and they could not be put back.
 */
export const FENCED_NAMESPACE_LABEL = { key: 'fleetplane.io/fenced', value: 'true' } as const;

/**
 * The Pod Security level each namespace enforces (manifests/00-namespaces.yaml): agents run
 * `restricted`; Kaniko unpacks images as root in its own container, which `baseline` allows.
 */
export const POD_SECURITY: Readonly<Record<AccessScope, 'restricted' | 'baseline'>> = {
  agents: 'restricted',
  builds: 'baseline',
};
