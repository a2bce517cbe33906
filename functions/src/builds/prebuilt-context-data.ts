/**
 * The agent image's build context (the tar.gz, base64) as `npm run build` packed it into the
 * function: a chunk of its own, loaded only when a build is dispatched, so cold starts do not
 * pay for it. Empty in the source; filled by build-plugin.ts.
 */
export const PREBUILT_CONTEXT_BASE64: string | undefined = undefined;
