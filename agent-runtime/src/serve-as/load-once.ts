/**
 * A value built on first use and shared afterwards (a protocol server whose SDK is imported
 * lazily). A failed build is not kept: the next use tries again.
 */
export function loadOnce<T>(build: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () => {
    pending ??= build().catch((error: unknown) => {
      pending = undefined;
      throw error;
    });
    return pending;
  };
}
