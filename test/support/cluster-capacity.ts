/**
 * Room in the test environment's cluster for a fleet larger than it is sized for, made and taken
 * back by the caller (the benchmarks): more kwok nodes (each holds 110 pods, as the stage file
 * makes every kwok node), and a second Service CIDR, because the API server's own range
 * (--service-cluster-ip-range, a /24) has about 250 addresses and every agent has a ClusterIP
 * Service. A ServiceCIDR object (networking.k8s.io/v1) adds addresses at run time without
 * restarting anything.
 * Must never remove a node or ServiceCIDR it was not asked to, and never touch the environment's own.
 */
import { ApiException, CoreV1Api, KubeConfig, NetworkingV1Api } from '@kubernetes/client-node';

const KWOK_ANNOTATION = { 'kwok.x-k8s.io/node': 'fake', 'node.alpha.kubernetes.io/ttl': '0' };
export const PODS_PER_KWOK_NODE = 110;

function clients(kubeconfigPath: string) {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfigPath);
  return { core: kc.makeApiClient(CoreV1Api), networking: kc.makeApiClient(NetworkingV1Api) };
}

const ignore = (code: number) => (error: unknown) => {
  if (!(error instanceof ApiException && error.code === code)) throw error;
};

/** Pods the Ready kwok nodes can still take, from their allocatable pods and the pods on them. */
export async function freePodSlots(kubeconfigPath: string): Promise<{ nodes: number; free: number }> {
  const { core } = clients(kubeconfigPath);
  const nodes = (await core.listNode({ labelSelector: 'type=kwok' })).items.filter((node) =>
    node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
  );
  const pods = await core.listPodForAllNamespaces({
    fieldSelector: 'status.phase!=Succeeded,status.phase!=Failed',
  });
  const used = new Map<string, number>();
  for (const pod of pods.items) {
    const node = pod.spec?.nodeName;
    if (node) used.set(node, (used.get(node) ?? 0) + 1);
  }
  const free = nodes.reduce(
    (sum, node) =>
      sum + Number(node.status?.allocatable?.pods ?? 0) - (used.get(node.metadata?.name ?? '') ?? 0),
    0,
  );
  return { nodes: nodes.length, free };
}

/** Adds kwok nodes `<prefix>-0..count-1` and waits until kwok reports them Ready. */
export async function addKwokNodes(kubeconfigPath: string, prefix: string, count: number): Promise<string[]> {
  const { core } = clients(kubeconfigPath);
  const names = Array.from({ length: count }, (_, i) => `${prefix}-${i}`);
  await Promise.all(
    names.map((name) =>
      core
        .createNode({
          body: {
            apiVersion: 'v1',
            kind: 'Node',
            metadata: {
              name,
              annotations: KWOK_ANNOTATION,
              labels: {
                'kubernetes.io/hostname': name,
                'kubernetes.io/os': 'linux',
                'kubernetes.io/arch': 'amd64',
                'node.kubernetes.io/instance-type': 'kwok',
                type: 'kwok',
              },
            },
            spec: {},
          },
        })
        .catch(ignore(409)),
    ),
  );
  const deadline = Date.now() + 60_000;
  for (;;) {
    const ready = (await core.listNode({ labelSelector: 'type=kwok' })).items.filter(
      (node) =>
        names.includes(node.metadata?.name ?? '') &&
        node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
    );
    if (ready.length === names.length) return names;
    if (Date.now() > deadline) throw new Error(`kwok nodes ${prefix}-* not Ready after 60 s`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

export async function removeNodes(kubeconfigPath: string, names: string[]): Promise<void> {
  const { core } = clients(kubeconfigPath);
  await Promise.all(names.map((name) => core.deleteNode({ name }).catch(ignore(404))));
}

/** Adds a ServiceCIDR (e.g. "10.1.0.0/20", 4,096 addresses) the API server allocates ClusterIPs from. */
export async function addServiceCidr(kubeconfigPath: string, name: string, cidr: string): Promise<void> {
  const { networking } = clients(kubeconfigPath);
  await networking
    .createServiceCIDR({
      body: {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'ServiceCIDR',
        metadata: { name },
        spec: { cidrs: [cidr] },
      },
    })
    .catch(ignore(409));
}

/** Removes a ServiceCIDR (the API server keeps it while Services still hold its addresses). */
export async function removeServiceCidr(kubeconfigPath: string, name: string): Promise<void> {
  const { networking } = clients(kubeconfigPath);
  await networking.deleteServiceCIDR({ name }).catch(ignore(404));
}
