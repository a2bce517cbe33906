/**
 * An HTTP server on 127.0.0.1 that records every request (method, URL as sent, headers, body)
 * and answers with what the test's handler says: what a tool's API is to an agent under test.
 * `hang` keeps a request open until the client gives up or the server closes.
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface CapturedRequest {
  method: string;
  /** Path and query exactly as they arrived (still URL-encoded). */
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

export type CaptureReply =
  | { status?: number; headers?: Record<string, string>; body?: string | Uint8Array }
  | { hang: true };

export interface CaptureServer {
  /** http://127.0.0.1:<port> */
  origin: string;
  requests: CapturedRequest[];
  close(): Promise<void>;
}

export async function startCaptureServer(
  reply: (request: CapturedRequest) => CaptureReply | Promise<CaptureReply> = () => ({ body: 'ok' }),
): Promise<CaptureServer> {
  const requests: CapturedRequest[] = [];
  const server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (part: Buffer) => parts.push(part));
    req.on('end', async () => {
      const request: CapturedRequest = {
        method: req.method ?? 'GET',
        url: req.url ?? '/',
        headers: req.headers,
        body: Buffer.concat(parts).toString('utf8'),
      };
      requests.push(request);
      const answer = await reply(request);
      if ('hang' in answer) return;
      res.writeHead(answer.status ?? 200, { 'content-type': 'text/plain; charset=utf-8', ...answer.headers });
      res.end(answer.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
