/**
 * A body over the limit gets its 413, every time, however slowly it arrives: the server reads
 * the rest of the body and throws it away before answering, so it never closes a socket that
 * still has unread data (which makes the kernel send a reset, and the client loses the answer).
 * Checked with a raw socket that uploads 2 MiB in paced chunks, as a busy machine would, several
 * times in a row, against @hono/node-server in process and against the local server as a process.
 */
import { connect } from 'node:net';
import { serve } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../functions/src/api/app.ts';
import { deployRoutes } from '../../functions/src/api/routes/deploy.ts';
import { silentLogger } from '../../functions/src/lib/logger.ts';
import { useLocalServer } from '../support/local-server.ts';

const BODY_BYTES = 2 * 1024 * 1024;
const CHUNK_BYTES = 64 * 1024;

interface Outcome {
  /** The raw answer (status line, headers, body), as far as it arrived. */
  answer: string;
  /** A socket error (ECONNRESET, EPIPE), if one came. */
  error?: string;
  /** Bytes of the body the client could send before the answer was complete or the socket failed. */
  sent: number;
}

/**
 * POSTs a 2 MiB JSON body in chunks `pauseMs` apart on a keep-alive connection, as fetch and
 * curl do, and reads the answer; done once the whole body is sent and the whole answer read
 * (then the client closes), or when the socket fails or closes.
 */
function upload(port: number, pauseMs: number): Promise<Outcome> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    let error: string | undefined;
    let sent = 0;
    let open = true;
    const finish = () => {
      if (!open) return;
      open = false;
      socket.destroy();
      resolve({ answer, sent, ...(error ? { error } : {}) });
    };
    const answered = () => {
      const head = answer.indexOf('\r\n\r\n');
      const length = /\r\ncontent-length: *(\d+)/i.exec(answer.slice(0, head));
      return head !== -1 && length !== null && answer.length >= head + 4 + Number(length[1]);
    };
    socket.on('data', (chunk) => {
      answer += chunk.toString('latin1');
      if (answered() && sent === BODY_BYTES) finish();
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      error ??= err.code ?? err.message;
      finish();
    });
    socket.on('close', finish);
    socket.on('connect', async () => {
      socket.write(
        `POST /deploy HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nContent-Length: ${BODY_BYTES}\r\n\r\n`,
      );
      const prefix = Buffer.from('{"name":"big","instruction":"');
      const suffix = Buffer.from('"}');
      const body = Buffer.concat([
        prefix,
        Buffer.alloc(BODY_BYTES - prefix.length - suffix.length, 'x'),
        suffix,
      ]);
      for (let offset = 0; offset < body.length && open; offset += CHUNK_BYTES) {
        const chunk = body.subarray(offset, offset + CHUNK_BYTES);
        if (!socket.write(chunk)) await new Promise((next) => socket.once('drain', next));
        sent += chunk.length;
        await new Promise((next) => setTimeout(next, pauseMs));
      }
      if (answered()) finish();
    });
  });
}

function expect413(outcomes: Outcome[]) {
  const summary = outcomes.map(({ answer, error, sent }) => ({
    status: answer.slice(0, 12),
    problem: /"title":"Request body too large"/.test(answer),
    error,
    sent,
  }));
  expect(summary).toEqual(
    outcomes.map(() => ({ status: 'HTTP/1.1 413', problem: true, error: undefined, sent: BODY_BYTES })),
  );
}

describe('a 2 MiB body to POST /deploy', () => {
  describe('on @hono/node-server, in process', () => {
    let port = 0;
    let close: () => void = () => {};
    beforeAll(async () => {
      const app = createApp({
        auth: { tokens: [], openWhenUnconfigured: true },
        log: silentLogger,
        routes: [
          deployRoutes(
            async () => {
              throw new Error('an oversized body must never reach the control plane');
            },
            () => ({ localAgents: true }),
          ),
        ],
      });
      await new Promise<void>((resolve) => {
        const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => {
          port = info.port;
          resolve();
        });
        close = () => server.close();
      });
    });
    afterAll(() => close());

    it('gets its 413 five times in a row, sent at once or in chunks 40 ms apart (a busy machine)', async () => {
      const outcomes: Outcome[] = [];
      for (const pauseMs of [0, 40, 40, 0, 40]) outcomes.push(await upload(port, pauseMs));
      expect413(outcomes);
    });
  });

  describe('on the local server, as a process', () => {
    const server = useLocalServer();

    it('gets its 413 five times in a row, sent at once or in chunks 40 ms apart', async () => {
      const outcomes: Outcome[] = [];
      for (const pauseMs of [0, 40, 40, 0, 40]) outcomes.push(await upload(server().port, pauseMs));
      expect413(outcomes);
    });
  });
});
