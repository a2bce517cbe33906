/**
 * KubeCluster.podLogs against an in-process fake API server that answers with the bytes the real
 * kube-apiserver (v1.35) sends: a container that has not started yet has an empty log, a pod
 * deleted since the list is left out, and every other refusal is reported, not hidden.
 * The refusal texts are the kubelet's (pkg/kubelet/kubelet_pods.go validateContainerLogStatus),
 * which the API server relays as a BadRequest Status.
 *
 * WHY a fake: the test environment's nodes are kwok, which serves a log for every container
 * whatever its state, so the real API server cannot be made to send these answers here. The
 * real path (lines through the real API server, as the ServiceAccount) is covered by
 * test/integration/testenv.test.ts and test/integration/rbac.test.ts.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClusterRejectedError } from '../core/errors.ts';
import { KubeCluster } from './kube-cluster.ts';

type Answer = { code: number; body: string; type?: string };

function status(code: number, reason: string, message: string, details?: object): Answer {
  return {
    code,
    body: JSON.stringify({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message,
      reason,
      ...(details ? { details } : {}),
      code,
    }),
  };
}

const waiting = (pod: string, why: string) =>
  status(400, 'BadRequest', `container "agent" in pod "${pod}" is waiting to start: ${why}`);

/** Log answers by pod name; the pod list is every name in it. */
let logAnswers: Record<string, Answer> = {};
let server: Server;
let kubeconfig = '';

beforeAll(async () => {
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const logPath = url.pathname.match(/^\/api\/v1\/namespaces\/agents\/pods\/([^/]+)\/log$/);
    const items = Object.keys(logAnswers).map((name) => ({
      metadata: { name, namespace: 'agents' },
      spec: { containers: [{ name: 'agent', image: 'agent:1' }] },
    }));
    const answer: Answer =
      url.pathname === '/api/v1/namespaces/agents/pods'
        ? { code: 200, body: JSON.stringify({ apiVersion: 'v1', kind: 'PodList', items }) }
        : ((logPath?.[1] ? logAnswers[logPath[1]] : undefined) ??
          status(404, 'NotFound', 'the server could not find the requested resource'));
    res.writeHead(answer.code, { 'content-type': answer.type ?? 'application/json' });
    res.end(answer.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  // client-node refuses plain http unless TLS verification is off.
  kubeconfig = `apiVersion: v1
kind: Config
clusters: [{name: fake, cluster: {server: "http://127.0.0.1:${port}", insecure-skip-tls-verify: true}}]
users: [{name: fake, user: {}}]
contexts: [{name: fake, context: {cluster: fake, user: fake}}]
current-context: fake
`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

function cluster() {
  return new KubeCluster({ namespace: 'agents', kubeconfig });
}

describe('KubeCluster.podLogs', () => {
  it('gives a container waiting to start an empty log and leaves out a pod deleted since the list', async () => {
    logAnswers = {
      'a-running': { code: 200, body: '{"msg":"listening"}\n{"msg":"request"}\n', type: 'text/plain' },
      'a-creating': waiting('a-creating', 'ContainerCreating'),
      'a-pulling': status(
        400,
        'BadRequest',
        `container "agent" in pod "a-pulling" is waiting to start: trying and failing to pull image`,
      ),
      'a-gone': status(404, 'NotFound', 'pods "a-gone" not found', { name: 'a-gone', kind: 'pods' }),
    };
    const logs = await cluster().podLogs('a', { tailLines: 10 });
    expect(logs.sort((x, y) => x.pod.localeCompare(y.pod))).toEqual([
      { pod: 'a-creating', container: 'agent', lines: [] },
      { pod: 'a-pulling', container: 'agent', lines: [] },
      { pod: 'a-running', container: 'agent', lines: ['{"msg":"listening"}', '{"msg":"request"}'] },
    ]);
  });

  it.each([
    [
      'a kubelet refusing for another reason',
      status(400, 'BadRequest', 'no logs found for container "agent" in pod "agents/b-0"'),
    ],
    [
      'a terminated container without logs',
      status(400, 'BadRequest', 'container "agent" in pod "b-0" is terminated'),
    ],
    [
      'a 404 that is not the pod',
      status(404, 'NotFound', 'the server could not find the requested resource'),
    ],
  ])('reports %s instead of an empty log', async (_what, answer) => {
    logAnswers = { 'b-0': answer };
    const error = await cluster()
      .podLogs('b', { tailLines: 10 })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(error).toBeInstanceOf(ClusterRejectedError);
    expect((error as Error).message).toContain('read the log of pod b-0');
  });
});
