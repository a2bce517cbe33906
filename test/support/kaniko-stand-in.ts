/**
 * What a finished Kaniko build leaves behind, for a test environment where Kaniko cannot run:
 * kwok completes a build Job's pod (test/env/kwok-stages.yaml), and this stand-in then pushes a
 * small image (crane, test/env/control.ts) under the Job's `--destination` to the real registry.
 * A MOCK of Kaniko's push only; the Job, its pod, the registry and the image are real.
 *
 *   const kaniko = startKanikoStandIn({ destinationPrefix: `${testEnv().registry}/b-${run}/` });
 *   ... deploy: the control plane creates the Job; once it is Complete, the image appears ...
 *   await kaniko.pushed(tag)   // resolves with the pushed image once it is there
 *   kaniko.stop();
 *
 * It only pushes for Jobs whose destination starts with `destinationPrefix`, so concurrent tests
 * never push each other's images. Must never push for a Job that did not complete.
 */
import { readFileSync } from 'node:fs';
import { BatchV1Api, KubeConfig, type V1Job } from '@kubernetes/client-node';
import { BUILD_LABEL } from '../../functions/src/core/agent-objects/build-job.ts';
import { parseImage, shortTag } from '../../functions/src/core/image-ref.ts';
import { type PushedImage, pushTestImage } from '../env/control.ts';
import { testEnv } from '../env/inject.ts';
import { waitFor } from './wait.ts';

export interface KanikoStandIn {
  /** The image pushed for a build context tag, once its Job completed and the push is done. */
  pushed(tag: string, timeoutMs?: number): Promise<PushedImage>;
  /** Every push so far, by short tag. */
  readonly pushes: Map<string, PushedImage>;
  /** Pauses pushing and listing (a test that counts requests) once the round under way is done, or resumes. */
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
      const complete = job.status?.conditions?.some((c) => c.type === 'Complete' && c.status === 'True');
      const destination = destinationOf(job);
      if (!complete || done.has(uid) || !destination?.startsWith(options.destinationPrefix)) continue;
      const { host, repository, tag } = parseImage(destination);
      pushes.set(tag ?? '', await pushTestImage(host, repository, tag ?? ''));
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
