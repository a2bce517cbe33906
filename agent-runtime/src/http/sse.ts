/**
 * A Server-Sent Events body: frames written as they come, a keep-alive comment while the
 * model is quiet, and a clean close.
 *
 * `link` is the model call's signal: it is aborted when the client goes away (the body is
 * cancelled) so the upstream request ends too, and unlinked when the stream is over. Frames
 * are preformatted SSE text; writing after the client left is a harmless no-op.
 */
import type { Linked } from '../abort.ts';
import type { AgentMetrics } from '../observability/metrics.ts';

export interface SseOptions {
  keepAliveMs: number;
  metrics: AgentMetrics;
  link: Linked;
}

export type Produce = (send: (frame: string) => void) => Promise<void>;

export const SSE_HEADERS = {
  'Content-Type': 'text/event-stream; charset=utf-8',
  'Cache-Control': 'no-cache, no-transform',
  // Tells nginx-style proxies not to buffer the stream.
  'X-Accel-Buffering': 'no',
};

export function sseStream(produce: Produce, opts: SseOptions): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let open = true;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      const send = (frame: string) => {
        if (!open) return;
        try {
          controller.enqueue(encoder.encode(frame));
        } catch {
          open = false;
        }
      };
      const keepAlive = setInterval(() => send(': keep-alive\n\n'), opts.keepAliveMs);
      opts.metrics.inFlight++;
      produce(send)
        .catch(() => {
          // Producers report their own errors as frames; what is left is a gone client.
        })
        .finally(() => {
          clearInterval(keepAlive);
          opts.link.unlink();
          opts.metrics.inFlight--;
          if (!open) return;
          open = false;
          try {
            controller.close();
          } catch {
            // Already cancelled by the consumer.
          }
        });
    },
    cancel(reason) {
      open = false;
      opts.link.abort(reason ?? new Error('client closed the stream'));
    },
  });
}

export const sseEvent = (event: string, data: unknown) =>
  `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
export const sseData = (data: unknown) =>
  `data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`;
