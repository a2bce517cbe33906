import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { LogLevel } from '../../lib/logger.ts';
import { providersFromEnv } from '../../wiring/providers.ts';
import { createApp } from '../app.ts';
import { causeOf, healthRoutes } from './health.ts';

const TOKEN = 'eyJhbGciOiJSUzI1NiIsImtpZCI6InNlY3JldC10b2tlbi1vZi10aGUtc2VydmljZS1hY2NvdW50In0';
/** A kubeconfig with a token, broken just below it: js-yaml's message quotes the lines around the fault. */
const BROKEN_KUBECONFIG = `apiVersion: v1
clusters:
- cluster: {server: https://10.0.0.1:6443}
  name: c
users:
- name: u
  user:
    token: "${TOKEN}
contexts: [{name: x, context: {cluster: c, user: u}}]
current-context: x
`;

const dirs: string[] = [];
afterAll(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

async function healthOf(env: Record<string, string>) {
  const dir = await mkdtemp(join(tmpdir(), 'fp-health-'));
  dirs.push(dir);
  const lines: { level: LogLevel; message: string; fields?: Record<string, unknown> }[] = [];
  const log = (level: LogLevel, message: string, fields?: Record<string, unknown>) =>
    lines.push({ level, message, ...(fields ? { fields } : {}) });
  // A directory store, as the local server has (the functions refuse one).
  const providers = providersFromEnv({ FLEETPLANE_STORE: `file://${dir}`, ...env }, { localStore: true });
  const app = createApp({
    auth: { tokens: [], openWhenUnconfigured: false },
    log,
    routes: [healthRoutes(providers.health, 'test', log)],
  });
  const response = await app.request('/health');
  return { status: response.status, text: await response.text(), lines };
}

describe('GET /health is public and leaks nothing', () => {
  it('answers a malformed kubeconfig with "misconfigured" for the cluster alone; the cause goes to the logs, without the token', async () => {
    const { status, text, lines } = await healthOf({
      FLEETPLANE_KUBECONFIG_DATA: Buffer.from(BROKEN_KUBECONFIG).toString('base64'),
    });
    expect(status).toBe(503);
    const body = JSON.parse(text);
    expect(body.checks.store).toMatchObject({ ok: true, target: 'local directory' });
    expect(body.checks.cluster).toMatchObject({ ok: false, target: 'configuration', error: 'misconfigured' });
    expect(text).not.toContain(TOKEN.slice(0, 12));
    expect(text).not.toMatch(/token|indentation|10\.0\.0\.1/);
    const logged = lines.find((line) => line.message === 'health: the settings cannot build this dependency');
    expect(logged?.fields).toMatchObject({
      dependency: 'cluster',
      cause: expect.stringMatching(/^YAMLException: .*indentation/),
    });
    expect(JSON.stringify(lines)).not.toContain(TOKEN.slice(0, 12));
  });

  it('answers an unreachable cluster with "unreachable", and logs why', async () => {
    const closed = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address() as { port: number };
        server.close(() => resolve(port));
      });
    });
    const kubeconfig = BROKEN_KUBECONFIG.replace(`"${TOKEN}`, `"${TOKEN}"`).replace(
      'https://10.0.0.1:6443',
      `https://127.0.0.1:${closed}`,
    );
    const { status, text, lines } = await healthOf({
      FLEETPLANE_KUBECONFIG_DATA: Buffer.from(kubeconfig).toString('base64'),
    });
    expect(status).toBe(503);
    const body = JSON.parse(text);
    expect(body.checks.store).toMatchObject({ ok: true, target: 'local directory' });
    expect(body.checks.cluster).toMatchObject({ ok: false, target: 'kubernetes', error: 'unreachable' });
    expect(text).not.toContain(String(closed));
    expect(lines.find((line) => line.message === 'health: dependency unreachable')?.fields).toMatchObject({
      dependency: 'cluster',
    });
  });

  it('logs of an error only its kind and first line, without URLs or long tokens', () => {
    const error = new Error(
      `cannot reach https://api.example.com:6443/x with ${TOKEN}\n  8 | token: "${TOKEN}"`,
    );
    expect(causeOf(error)).toBe('Error: cannot reach <url> with <redacted>');
  });
});
