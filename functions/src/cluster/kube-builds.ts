/**
 * Kaniko build Jobs in the builds namespace, through the Kubernetes cluster's own clients:
 * list a build's Job and pods by its tag label, create a Job (a name that exists is success:
 * the build is already dispatched), delete a failed one to retry it, tail its pod's log.
 *
 * What the control plane's Role in the builds namespace grants is exactly this: jobs
 * create/get/list/delete, pods list, pods/log get (manifests/15-builds.yaml).
 */
import type { CoreV1Api, KubernetesObject, KubernetesObjectApi, V1Job, V1Pod } from '@kubernetes/client-node';
import { buildSelector, KANIKO_CONTAINER } from '../core/agent-objects/build-job.ts';
import type { BuildsObserved } from '../core/build-status.ts';
import type { BuildCluster, PodLog } from './cluster.ts';
import { httpStatusOf, toClusterError } from './kube-errors.ts';
import { readPodLogs } from './pod-logs.ts';

export interface KubeBuildsOptions {
  objects: KubernetesObjectApi;
  core: CoreV1Api;
  namespace: string;
  /** The cluster's list call (one per kind, errors translated). */
  list: (apiVersion: string, kind: string, selector: string) => Promise<KubernetesObject[]>;
}

const jobRef = (name: string, namespace: string) => ({
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: { name, namespace },
});

const created = (pod: V1Pod) => {
  const at = pod.metadata?.creationTimestamp;
  return at instanceof Date ? at.getTime() : Date.parse(String(at ?? '')) || 0;
};

export class KubeBuilds implements BuildCluster {
  readonly namespace: string;
  private readonly options: KubeBuildsOptions;

  constructor(options: KubeBuildsOptions) {
    this.options = options;
    this.namespace = options.namespace;
  }

  async observe(tag: string): Promise<BuildsObserved> {
    const selector = buildSelector(tag);
    const [jobs, pods] = await Promise.all([
      this.options.list('batch/v1', 'Job', selector),
      this.options.list('v1', 'Pod', selector),
    ]);
    return { jobs: jobs as V1Job[], pods: pods as V1Pod[] };
  }

  async create(job: V1Job): Promise<{ job: V1Job; created: boolean }> {
    const name = job.metadata?.name ?? '';
    try {
      const answer = await this.options.objects.create(job as KubernetesObject);
      return { job: { ...answer, apiVersion: 'batch/v1', kind: 'Job' } as V1Job, created: true };
    } catch (error) {
      if (httpStatusOf(error) !== 409) throw toClusterError(error, `create the build Job ${name}`);
    }
    // AlreadyExists: another request dispatched the same build first. Its Job is ours too.
    try {
      const existing = await this.options.objects.read(jobRef(name, this.namespace));
      return { job: { ...existing, apiVersion: 'batch/v1', kind: 'Job' } as V1Job, created: false };
    } catch (error) {
      throw toClusterError(error, `read the build Job ${name}`);
    }
  }

  async remove(name: string, uid: string): Promise<void> {
    try {
      await this.options.objects.delete(
        jobRef(name, this.namespace),
        undefined,
        undefined,
        undefined,
        undefined,
        'Background',
        { preconditions: { uid }, propagationPolicy: 'Background' },
      );
    } catch (error) {
      const status = httpStatusOf(error);
      // Gone already, or replaced by another request (the uid differs): either way not ours to delete.
      if (status === 404 || status === 409) return;
      throw toClusterError(error, `delete the build Job ${name}`);
    }
  }

  async logs(tag: string, options: { tailLines: number }): Promise<PodLog[]> {
    const pods = (await this.options.list('v1', 'Pod', buildSelector(tag))) as V1Pod[];
    // The newest pod is the current build; a replaced Job's pod may still be terminating.
    const newest = pods.sort((a, b) => created(a) - created(b)).slice(-1);
    return readPodLogs(this.options.core, this.namespace, newest, {
      ...options,
      container: KANIKO_CONTAINER,
    });
  }
}
