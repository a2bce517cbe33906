/**
 * Puts the started servers into the state the tests assume: namespaces (agents restricted by Pod
 * Security), Gateway API CRDs, kwok nodes Ready, service accounts present, the MinIO bucket.
 * Idempotent, so it also prepares an external cluster or S3 the user points the suite at.
 * Must never delete anything: on external infrastructure it only creates what is missing.
 */

import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CreateBucketCommand, HeadBucketCommand, S3Client } from '@aws-sdk/client-s3';
import {
  ApiException,
  ApiextensionsV1Api,
  CoreV1Api,
  KubeConfig,
  type V1CustomResourceDefinition,
  type V1Namespace,
} from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { KubeHttp } from '../../functions/src/cluster/kube-http.ts';
import { FENCED_NAMESPACE_LABEL } from '../../functions/src/core/control-plane-access.ts';
import { waitFor } from '../support/wait.ts';
import type { S3Endpoint } from './types.ts';

export const AGENTS_NAMESPACE = 'agents';
export const BUILD_NAMESPACE = 'fleetplane-builds';
export const KWOK_NODE_NAMES = ['kwok-node-0', 'kwok-node-1'];

async function createIfMissing(create: () => Promise<unknown>): Promise<void> {
  try {
    await create();
  } catch (error) {
    const code = error instanceof ApiException ? error.code : (error as { code?: unknown }).code;
    if (code !== 409) throw error;
  }
}

function namespace(name: string, labels: Record<string, string>): V1Namespace {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } };
}

export async function bootstrapNamespaces(
  kubeconfigPath: string,
  namespaces: { agents: string; builds: string },
) {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfigPath);
  const core = kc.makeApiClient(CoreV1Api);
  // Both are written by the control plane, so both are fenced by its admission policy.
  const fenced = { [FENCED_NAMESPACE_LABEL.key]: FENCED_NAMESPACE_LABEL.value };
  const restricted = {
    ...fenced,
    'pod-security.kubernetes.io/enforce': 'restricted',
    'pod-security.kubernetes.io/enforce-version': 'latest',
    'pod-security.kubernetes.io/warn': 'restricted',
  };
  await createIfMissing(() => core.createNamespace({ body: namespace(namespaces.agents, restricted) }));
  await createIfMissing(() => core.createNamespace({ body: namespace(namespaces.builds, fenced) }));
  // Pod creation fails until the serviceaccount controller has made `default` in the namespace.
  for (const ns of [namespaces.agents, namespaces.builds]) {
    await waitFor(`the default ServiceAccount in ${ns}`, async () =>
      core.readNamespacedServiceAccount({ name: 'default', namespace: ns }),
    );
  }
}

export async function installGatewayApiCrds(kubeconfigPath: string, crdDir: string): Promise<void> {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfigPath);
  const ext = kc.makeApiClient(ApiextensionsV1Api);
  // WARNING: plain JSON, not client-node's typed create: its models know no
  // `x-kubernetes-validations` under that name and drop every CEL rule of the CRDs.
  const http = new KubeHttp(kc);
  const names: string[] = [];
  for (const file of (await readdir(crdDir)).filter((f) => f.endsWith('.yaml')).sort()) {
    for (const doc of parseAllDocuments(await readFile(join(crdDir, file), 'utf8'))) {
      const crd = doc.toJS() as V1CustomResourceDefinition | null;
      if (crd?.kind !== 'CustomResourceDefinition') continue;
      await createIfMissing(() =>
        http.json('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', { body: crd }),
      );
      names.push(crd.metadata?.name ?? '');
    }
  }
  for (const name of names) {
    await waitFor(`CRD ${name} Established`, async () => {
      const crd = await ext.readCustomResourceDefinition({ name });
      return crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')
        ? true
        : undefined;
    });
  }
}

/** Node objects kwok takes over (by annotation); its stage file makes them Ready. */
export async function createKwokNodes(kubeconfigPath: string): Promise<void> {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfigPath);
  const core = kc.makeApiClient(CoreV1Api);
  await Promise.all(
    KWOK_NODE_NAMES.map((name, i) =>
      createIfMissing(() =>
        core.createNode({
          body: {
            apiVersion: 'v1',
            kind: 'Node',
            metadata: {
              name,
              annotations: { 'kwok.x-k8s.io/node': 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
              labels: {
                'kubernetes.io/hostname': name,
                'kubernetes.io/os': 'linux',
                'kubernetes.io/arch': 'amd64',
                'node.kubernetes.io/instance-type': 'kwok',
                'topology.kubernetes.io/zone': `zone-${i}`,
                type: 'kwok',
              },
            },
            spec: {},
          },
        }),
      ),
    ),
  );
  await waitFor('kwok nodes Ready', async () => {
    const nodes = await core.listNode({ labelSelector: 'type=kwok' });
    const ready = nodes.items.filter((n) =>
      n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
    );
    return ready.length >= KWOK_NODE_NAMES.length ? true : undefined;
  });
}

export function s3Client(s3: S3Endpoint): S3Client {
  return new S3Client({
    endpoint: s3.endpoint,
    region: s3.region,
    forcePathStyle: true,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
    // The SDK's default CRC checksums trip some S3-compatible servers; only send them when required.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

export async function ensureBucket(s3: S3Endpoint): Promise<void> {
  const client = s3Client(s3);
  try {
    await waitFor(`bucket ${s3.bucket}`, async () => {
      try {
        await client.send(new HeadBucketCommand({ Bucket: s3.bucket }));
        return true;
      } catch (error) {
        if ((error as { name?: string }).name !== 'NotFound') throw error;
      }
      await client.send(new CreateBucketCommand({ Bucket: s3.bucket }));
      return true;
    });
  } finally {
    client.destroy();
  }
}
