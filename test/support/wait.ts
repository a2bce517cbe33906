/**
 * Polling until a condition holds, the one helper every test uses: `probe` returns a value
 * when done (anything but undefined/false), throws or returns nothing to keep waiting. On
 * timeout the error names what was awaited and the probe's last failure.
 */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | false>,
  timeoutMs = 90_000,
  intervalMs = 250,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline)
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ''}`,
        { cause: last },
      );
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
