/**
 * A Server-Sent Events response: frames written as they come, a keep-alive comment while
 * the model is quiet, and a clean close.
 *
 * The caller owns the AbortSignal of the model call; `onCancel` fires when the client goes
 * away (the body is cancelled) so the caller can abort the upstream request. Frames are
 * preformatted SSE text; writing after the client left is a harmless no-op.
 */
import type { AgentMetrics } from '../observability/metrics.ts';

export interface SseOptions {
  keepAliveMs: number;
  metrics: AgentMetrics;
  onCancel: (reason: unknown) => void;
}

export type Produce = (send: (frame: string) => void) => Promise<void>;

export const SSE_HEADERS = {
  'Content-Type': 'text/event-stream; charset=utf-8',
  'Cache-Control': 'no-cache, no-transform',
  // Tells nginx-style proxies not to buffer the stream.
  'X-Accel-Buffering': 'no',
};

export function sseResponse(produce: Produce, opts: SseOptions): Response {
  const encoder = new TextEncoder();
  let open = true;
  const body = new ReadableStream<Uint8Array>({
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
      opts.onCancel(reason ?? new Error('client closed the stream'));
    },
  });
  return new Response(body, { status: 200, headers: SSE_HEADERS });
}

export const sseEvent = (event: string, data: unknown) =>
  `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
export const sseData = (data: unknown) =>
  `data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`;
