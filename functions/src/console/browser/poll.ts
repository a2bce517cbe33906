/**
 * Polling, politely: one call at a time (the next starts `intervalMs` after the last one
 * ended), paused while the tab is hidden, slower after failures, stopped on dispose.
 */
export interface Poller {
  /** Runs now (e.g. after an action) instead of waiting for the next tick. */
  now(): void;
  stop(): void;
}

export function poll(run: (signal: AbortSignal) => Promise<void>, intervalMs: number): Poller {
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let running = false;
  let again = false;
  let failures = 0;
  const schedule = () => {
    clearTimeout(timer);
    if (controller.signal.aborted || document.hidden) return;
    timer = setTimeout(tick, intervalMs * Math.min(2 ** failures, 6));
  };
  const tick = async () => {
    if (controller.signal.aborted) return;
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      await run(controller.signal);
      failures = 0;
    } catch {
      failures++;
    } finally {
      running = false;
      if (again) {
        again = false;
        void tick();
      } else schedule();
    }
  };
  const onVisibility = () => {
    if (!document.hidden) void tick();
  };
  document.addEventListener('visibilitychange', onVisibility);
  void tick();
  return {
    now: () => void tick(),
    stop() {
      controller.abort();
      clearTimeout(timer);
      document.removeEventListener('visibilitychange', onVisibility);
    },
  };
}
