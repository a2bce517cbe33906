/**
 * One table of what the control plane's ServiceAccount needs (core/control-plane-access.ts):
 * the Roles in manifests/ grant exactly it, no more and no less, so `fleetplane doctor`'s
 * access reviews and the manifests cannot drift apart.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { AGENT_KINDS } from '../../functions/src/core/agent-objects/types.ts';
import {
  accessName,
  CONTROL_PLANE_ACCESS,
  POD_SECURITY,
} from '../../functions/src/core/control-plane-access.ts';

interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}
interface ManifestObject {
  kind: string;
  metadata: { name: string; namespace?: string };
  rules?: Rule[];
  roleRef?: { name: string };
  subjects?: { kind: string; name: string; namespace: string }[];
}

const objects = ['10-control-plane-rbac.yaml', '15-builds.yaml'].flatMap((file) =>
  parseAllDocuments(readFileSync(new URL(`../../manifests/${file}`, import.meta.url), 'utf8')).map(
    (document) => document.toJS() as ManifestObject,
  ),
);

/** Every (namespace, resource, verb) the control plane's ServiceAccount is granted through a RoleBinding. */
function granted(): string[] {
  const bound = objects.filter(
    (o) =>
      o.kind === 'RoleBinding' &&
      o.subjects?.some((s) => s.kind === 'ServiceAccount' && s.name === 'fleetplane-control-plane'),
  );
  return bound.flatMap((binding) => {
    const role = objects.find(
      (o) =>
        o.kind === 'Role' &&
        o.metadata.name === binding.roleRef?.name &&
        o.metadata.namespace === binding.metadata.namespace,
    );
    return (role?.rules ?? []).flatMap((rule) =>
      rule.apiGroups.flatMap((group) =>
        rule.resources.flatMap((resource) =>
          rule.verbs.map((verb) => {
            const [name, subresource] = resource.split('/');
            return `${binding.metadata.namespace} ${accessName({ group, resource: name as string, ...(subresource ? { subresource } : {}) })} ${verb}`;
          }),
        ),
      ),
    );
  });
}

describe("the control plane's access", () => {
  it('is what the Roles in manifests/ grant, exactly', () => {
    const namespaces = { agents: 'agents', builds: 'fleetplane-builds' };
    const needed = CONTROL_PLANE_ACCESS.map(
      (need) => `${namespaces[need.scope]} ${accessName(need)} ${need.verb}`,
    );
    expect(new Set(needed).size).toBe(needed.length);
    expect([...new Set(granted())].sort()).toEqual([...needed].sort());
  });

  it('covers every kind an agent owns, with server-side apply (create and patch)', () => {
    for (const { plural } of AGENT_KINDS)
      for (const verb of ['create', 'patch', 'list', 'delete'])
        expect(CONTROL_PLANE_ACCESS.some((need) => need.resource === plural && need.verb === verb)).toBe(
          true,
        );
    expect(accessName({ group: 'apps', resource: 'deployments' })).toBe('deployments.apps');
    expect(accessName({ group: '', resource: 'pods', subresource: 'log' })).toBe('pods/log');
  });

  it('names the Pod Security levels manifests/00-namespaces.yaml enforces', () => {
    const namespaces = parseAllDocuments(
      readFileSync(new URL('../../manifests/00-namespaces.yaml', import.meta.url), 'utf8'),
    ).map((document) => document.toJS() as { metadata: { name: string; labels: Record<string, string> } });
    const enforced = (name: string) =>
      namespaces.find((n) => n.metadata.name === name)?.metadata.labels['pod-security.kubernetes.io/enforce'];
    expect({ agents: enforced('agents'), builds: enforced('fleetplane-builds') }).toEqual(POD_SECURITY);
  });
});
