/**
 * The one line `npm start` prints when it cannot have its port, instead of Node's stack:
 * what happened, and the two settings that move the server and point the CLI at it.
 */

/** The next port to suggest: one above, or 8080 past the top of the range. */
const nextPort = (port: number) => (port > 0 && port < 65_535 ? port + 1 : 8080);

export function listenFailure(code: 'EADDRINUSE' | 'EACCES', host: string, port: number): string {
  const other = nextPort(port);
  const what =
    code === 'EADDRINUSE'
      ? `port ${port} on ${host} is already in use (another npm start, or another program)`
      : `port ${port} on ${host} needs privileges this user does not have`;
  return `fleetplane: ${what}; start on another port with PORT=${other} npm start, and point the CLI at it with FLEETPLANE_URL=http://${host.includes(':') ? `[${host}]` : host}:${other}`;
}
