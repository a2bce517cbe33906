/**
 * A loopback port that was free a moment ago, for test servers that must be told their port
 * up front (the local server, an agent bundle). Racy by nature: prefer listening on port 0
 * and reading the port back wherever the process under test allows it.
 */
import { createServer } from 'node:net';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}
