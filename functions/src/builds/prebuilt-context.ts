/**
 * The tag of the agent image's build context as `npm run build` packed it into the function.
 * In the source this module holds nothing; the build's esbuild plugin (build-plugin.ts) fills
 * it, so a function knows the image its agents run without bundling anything at run time.
 */
export const PREBUILT_CONTEXT_TAG: string | undefined = undefined;
