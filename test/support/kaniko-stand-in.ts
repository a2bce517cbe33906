/**
 * What Kaniko does in a build Job, for a test environment where Kaniko cannot run: push the
 * image, then report its digest. A build Job runs the stand-in builder image
 * (STAND_IN_KANIKO_IMAGE, tagged `:push`); kwok keeps its pod Running as a build in progress
 * (test/env/kwok-stages.yaml) until this stand-in has pushed a small image under the Job's
 * `--destination` to the real registry (crane, test/env/control.ts) and written the pushed digest
 * on the pod (annotation fleetplane.test/pushed-digest); kwok then completes the pod with that
 * digest as its termination message, as Kaniko's `--digest-file=/dev/termination-log` leaves it.
 * A MOCK of Kaniko's build and push only; the Job, its pod, the registry and the image are real.
 *
 *   const kaniko = startKanikoStandIn({ destinationPrefix: `${testEnv().registry}/b-${run}/` });
 *   ... deploy with FLEETPLANE_KANIKO_IMAGE=STAND_IN_KANIKO_IMAGE: the control plane creates the Job ...
 *   await kaniko.pushed(tag)   // resolves with the pushed image once it is there
 *   kaniko.stop();
 *
 * It only pushes for Jobs whose destination starts with `destinationPrefix`, so concurrent tests
 * never push each other's images. While paused, builds stay in progress.
 */
import { readFileSync } from 'node:fs';
import { BatchV1Api, CoreV1Api, KubeConfig, type V1Job } from '@kubernetes/client-node';
import { KubeHttp } from '../../functions/src/cluster/kube-http.ts';
import { BUILD_LABEL } from '../../functions/src/core/agent-objects/build-job.ts';
import { parseImage, shortTag } from '../../functions/src/core/image-ref.ts';
import { type PushedImage, pushTestImage } from '../env/control.ts';
import { TEST_BUILDERS } from '../env/control-plane-identity.ts';
import { testEnv } from '../env/inject.ts';
import { waitFor } from './wait.ts';

/** The builder whose pods wait for this stand-in to push (kwok: tag `:push`). */
export const STAND_IN_KANIKO_IMAGE = TEST_BUILDERS.push;
/** A builder that fails as Kaniko does (kwok: tag `:fail`, Kaniko's error line as the message). */
export const FAILING_KANIKO_IMAGE = TEST_BUILDERS.fail;
/** A builder that completes without reporting the digest it pushed (kwok: tag `:no-digest`). */
export const SILENT_KANIKO_IMAGE = TEST_BUILDERS.noDigest;
/** Where the stand-in writes the digest it pushed; kwok makes it the termination message. */
export const PUSHED_DIGEST_ANNOTATION = 'fleetplane.test/pushed-digest';

export interface KanikoStandIn {
  /** The image pushed for a build context tag, once its Job's pod reported it. */
  pushed(tag: string, timeoutMs?: number): Promise<PushedImage>;
  /** Every push so far, by short tag. */
  readonly pushes: Map<string, PushedImage>;
  /** Pauses pushing (builds stay in progress) once the round under way is done, or resumes. */
  pause(paused: boolean): Promise<void>;
  stop(): void;
}

const destinationOf = (job: V1Job) =>
  job.spec?.template.spec?.containers[0]?.args
    ?.find((arg) => arg.startsWith('--destination='))
    ?.slice('--destination='.length);

export function startKanikoStandIn(options: {
  destinationPrefix: string;
  intervalMs?: number;
}): KanikoStandIn {
  const t = testEnv();
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromString(readFileSync(t.kubeconfigPath, 'utf8'));
  const batch = kubeConfig.makeApiClient(BatchV1Api);
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const http = new KubeHttp(kubeConfig);
  const pushes = new Map<string, PushedImage>();
  const done = new Set<string>();
  let stopped = false;
  let paused = false;
  let current: Promise<void> = Promise.resolve();

  const round = async () => {
    const { items } = await batch.listNamespacedJob({
      namespace: t.buildNamespace,
      labelSelector: BUILD_LABEL,
    });
    for (const job of items) {
      const uid = job.metadata?.uid ?? '';
      const destination = destinationOf(job);
      if (done.has(uid) || job.metadata?.deletionTimestamp) continue;
      if (!destination?.startsWith(options.destinationPrefix)) continue;
      const { items: pods } = await core.listNamespacedPod({
        namespace: t.buildNamespace,
        labelSelector: `batch.kubernetes.io/controller-uid=${uid}`,
      });
      const pod = pods.find((p) => p.status?.phase === 'Running' && !p.metadata?.deletionTimestamp);
      if (!pod?.metadata?.name) continue;
      const { host, repository, tag } = parseImage(destination);
      const pushed = await pushTestImage(host, repository, tag ?? '');
      await http.json(
        'PATCH',
        `/api/v1/namespaces/${t.buildNamespace}/pods/${encodeURIComponent(pod.metadata.name)}`,
        {
          body: { metadata: { annotations: { [PUSHED_DIGEST_ANNOTATION]: pushed.digest } } },
          contentType: 'application/merge-patch+json',
        },
      );
      pushes.set(tag ?? '', pushed);
      done.add(uid);
    }
  };
  const loop = async () => {
    while (!stopped) {
      if (!paused) {
        current = round().catch(() => undefined);
        await current;
      }
      await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 300));
    }
  };
  void loop();
  return {
    pushes,
    pushed: (tag, timeoutMs = 60_000) =>
      waitFor(
        `the stand-in to push the image of ${shortTag(tag)}`,
        async () => pushes.get(shortTag(tag)),
        timeoutMs,
      ),
    pause: async (value) => {
      paused = value;
      await current;
    },
    stop: () => {
      stopped = true;
    },
  };
}
