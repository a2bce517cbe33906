/**
 * The build context of the image every agent runs (build-jobs/Dockerfile and the bundled agent
 * runtime) and its content address, the tag. A function has both packed in by `npm run build`
 * (the tag at hand, the bytes in a lazy chunk); a source checkout (the local server, tests)
 * builds them on first use, once per process.
 *
 * Must never bundle at run time inside a function: there is no esbuild there.
 */
import { PREBUILT_CONTEXT_TAG } from './prebuilt-context.ts';

export interface RuntimeContext {
  /** sha256 of the context's inputs (64 hex); images are tagged with its first 12. */
  tag: string;
  /** The context as Kaniko reads it (gzipped tar), loaded only when a build is due. */
  tarGz(): Promise<Uint8Array>;
}

export type RuntimeContextSource = () => Promise<RuntimeContext>;

async function load(): Promise<RuntimeContext> {
  if (PREBUILT_CONTEXT_TAG)
    return {
      tag: PREBUILT_CONTEXT_TAG,
      tarGz: async () => {
        const { PREBUILT_CONTEXT_BASE64 } = await import('./prebuilt-context-data.ts');
        if (!PREBUILT_CONTEXT_BASE64) throw new Error('the function was built without its build context');
        return new Uint8Array(Buffer.from(PREBUILT_CONTEXT_BASE64, 'base64'));
      },
    };
  const { buildContext } = await import('../../../build-jobs/build-context.ts');
  const built = await buildContext();
  return { tag: built.tag, tarGz: async () => built.tarGz };
}

let pending: Promise<RuntimeContext> | undefined;

/** The context this control plane builds its agents' image from. */
export const runtimeContext: RuntimeContextSource = () => {
  pending ??= load();
  pending.catch(() => {
    pending = undefined;
  });
  return pending;
};
