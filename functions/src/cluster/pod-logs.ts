/**
 * Log tails of listed pods through the API server (which relays them from each node's
 * kubelet), tolerating what is normal in a live cluster: a container that has not started has
 * no log yet, a pod deleted since the list has none to show. Anything else is reported.
 */
import type { CoreV1Api, V1Pod } from '@kubernetes/client-node';
import type { PodLog } from './cluster.ts';
import { httpStatusOf, toClusterError } from './kube-errors.ts';

export async function readPodLogs(
  core: CoreV1Api,
  namespace: string,
  pods: V1Pod[],
  options: { tailLines: number; container?: string },
): Promise<PodLog[]> {
  const logs = await Promise.all(
    pods.map(async (pod): Promise<PodLog | null> => {
      const name = pod.metadata?.name ?? '';
      const container = options.container ?? pod.spec?.containers[0]?.name ?? 'agent';
      try {
        const text = await core.readNamespacedPodLog({
          name,
          namespace,
          container,
          tailLines: options.tailLines,
        });
        return {
          pod: name,
          container,
          lines: String(text)
            .split('\n')
            .filter((line) => line !== ''),
        };
      } catch (error) {
        // The API server relays the kubelet's refusal as a BadRequest Status whose message is the
        // kubelet's text: `container "agent" in pod "x" is waiting to start: ContainerCreating`
        // (or `: image can't be pulled`, `... - no logs yet`). Such a container has no log yet.
        const status = httpStatusOf(error);
        const body = (error as { body?: unknown }).body;
        let message = '';
        try {
          const parsed: unknown = typeof body === 'string' ? JSON.parse(body) : body;
          message = String((parsed as { message?: unknown } | null)?.message ?? '');
        } catch {
          message = String(body);
        }
        if (status === 400 && message.includes(' is waiting to start'))
          return { pod: name, container, lines: [] };
        // The pod itself was deleted since the list (a rollout): `pods "x" not found`. No log to show.
        if (status === 404 && message === `pods "${name}" not found`) return null;
        // Anything else (no kubelet, the kubelet failing, RBAC, a container gone) is reported.
        throw toClusterError(error, `read the log of pod ${name}`);
      }
    }),
  );
  return logs.filter((log): log is PodLog => log !== null);
}
