/**
 * `fleetplane` as a process against `npm start` as a process (local target, agents as child
 * processes, the model an OpenAI-compatible test server): the quick start with the command,
 * output formats for scripts, and the documented exit codes and messages when the token is
 * wrong, the config is invalid, or nothing answers.
 */
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { type CliRun, fleetplane, type ServerProcess, startServer } from '../support/cli-process.ts';
import { type FakeLlm, startFakeLlm } from '../support/fake-llm.ts';
import { freePort } from '../support/free-port.ts';
import { scratchDir } from '../support/scratch.ts';

const TOKEN = 'cli-test-token-5f1e';
const VIEWER = 'cli-viewer-token-9a2c';
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const root = new URL('../../', import.meta.url).pathname;
let llm: FakeLlm;
let server: ServerProcess;
let dir: string;

const as = (token: string | undefined) => ({ FLEETPLANE_URL: server.url, FLEETPLANE_TOKEN: token });
const cli = (...args: string[]) => fleetplane(args, as(TOKEN));
const explain = (run: CliRun) => `exit ${run.code}\nstdout:\n${run.stdout}\nstderr:\n${run.stderr}`;

beforeAll(async () => {
  llm = await startFakeLlm();
  dir = await scratchDir('fleetplane-cli-local-');
  server = await startServer({
    FLEETPLANE_STORE: `file://${join(dir, 'store')}`,
    FLEETPLANE_API_TOKEN_HASHES: `${sha256(TOKEN)},${sha256(VIEWER)}@viewer:my-*`,
    OPENAI_BASE_URL: llm.baseURL,
    OPENAI_API_KEY: 'local-key',
  });
}, 60_000);

afterAll(async () => {
  await server?.stop();
  await llm?.close();
});

describe('fleetplane against the local server', () => {
  it('deploy examples/single_agent.json --wait ends Running and prints its URL', async () => {
    const run = await cli('deploy', 'examples/single_agent.json', '--wait');
    expect(run.code, explain(run)).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`^my-assistant\\s+Running\\s+${server.url}/my-assistant/$`, 'm'));
    // Progress on stderr, as plain lines (not a terminal): the outcome, then phases as they change.
    expect(run.stderr).toMatch(/^my-assistant: created \(generation 1\)$/m);
    expect(run.stderr).toMatch(/^\[\s*\d+:\d\d\] my-assistant: Running 1\/1 ready$/m);
    expect(run.stderr).not.toContain('\u001b[');
    // The agent it reported really answers (through the server, which wants its token there too).
    const answer = await fetch(`${server.url}/my-assistant/generate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({ prompt: 'hello from the cli test' }),
    });
    expect((await answer.json()).text).toContain('hello from the cli test');
  });

  it('prints data that parses with -o json and -o yaml', async () => {
    const list = await cli('list', '-o', 'json');
    expect(list.code, explain(list)).toBe(0);
    expect(
      JSON.parse(list.stdout).deployments.map((d: { name: string; phase: string }) => [d.name, d.phase]),
    ).toEqual([['my-assistant', 'Running']]);
    const status = await cli('status', 'my-assistant', '-o', 'yaml');
    expect(status.code, explain(status)).toBe(0);
    expect(parseYaml(status.stdout)).toMatchObject({
      name: 'my-assistant',
      phase: 'Running',
      url: `${server.url}/my-assistant/`,
      replicas: { desired: 1, ready: 1 },
    });
    const deploy = await cli('deploy', 'examples/single_agent.json', '--wait', '-o', 'json');
    expect(deploy.code, explain(deploy)).toBe(0);
    const data = JSON.parse(deploy.stdout);
    expect(data.results).toMatchObject([{ name: 'my-assistant', outcome: 'unchanged', generation: 1 }]);
    expect(data.deployments[0]).toMatchObject({ name: 'my-assistant', phase: 'Running' });
    expect(data.wait).toMatchObject({ ok: true, timedOut: false });
    const templates = JSON.parse((await cli('templates', '-o', 'json')).stdout).templates;
    expect(templates.map((t: { slug: string }) => t.slug)).toContain('general-assistant');
    const health = JSON.parse((await cli('health', '-o', 'json')).stdout);
    expect(health).toMatchObject({ status: 'ok', checks: { store: { ok: true }, cluster: { ok: true } } });
  });

  it('shows text for people: list, status, logs, templates, health', async () => {
    const list = await cli('list');
    expect(list.stdout).toMatch(/^NAME\s+PHASE\s+TIER\s+READY\s+GEN\s+URL/m);
    expect(list.stdout).toMatch(/^my-assistant\s+Running\s+dedicated\s+1\/1\s+1\s+http/m);
    const status = await cli('status', 'my-assistant');
    expect(status.stdout).toMatch(/^phase:\s+Running$/m);
    expect(status.stdout).toMatch(/^tier:\s+dedicated$/m);
    expect(status.stdout).toMatch(/^ {2}Applied\s+True\s+UpToDate/m);
    const logs = await cli('logs', 'my-assistant', '--tail', '50');
    expect(logs.code, explain(logs)).toBe(0);
    // The generate call of the first test, as the agent logged it.
    expect(logs.stdout).toMatch(/"method":"POST","path":"\/my-assistant\/generate","status":200/);
    expect((await cli('health')).stdout).toMatch(/^ok \(fleetplane \S+ at http/);
  });

  it('plain deploy prints its outcome once; status speaks of local processes, not pods', async () => {
    const run = await cli('deploy', 'examples/single_agent.json');
    expect(run.code, explain(run)).toBe(0);
    // The table on stdout is the outcome; stderr does not repeat it.
    expect(run.stdout).toMatch(/^NAME\s+OUTCOME\s+GENERATION\s+PHASE\s+URL$/m);
    expect(run.stdout).toMatch(/^my-assistant\s+unchanged\s+1\s+Running\s+http/m);
    expect(run.stderr).toBe('');
    const status = await cli('status', 'my-assistant');
    expect(status.stdout).toMatch(/^ {2}Applied\s+True\s+UpToDate\s+the local processes run generation 1$/m);
    expect(status.stdout).toMatch(/^ {2}Degraded\s+False\s+PodsHealthy\s+no process reports a failure$/m);
    expect(status.stdout).toMatch(/^processes:$/m);
    expect(status.stdout).not.toMatch(/cluster|^pods:/m);
    expect(JSON.parse((await cli('status', 'my-assistant', '-o', 'json')).stdout).target).toBe('local');
  });

  it('logs of an agent whose level hides everything says so on stderr', async () => {
    const config = JSON.parse(await readFile(join(root, 'examples/single_agent.json'), 'utf8'));
    config.name = 'quiet-bot';
    config.logging = 'warn';
    const file = join(dir, 'quiet.json');
    await writeFile(file, JSON.stringify(config));
    expect((await cli('deploy', file, '--wait')).code).toBe(0);
    const answer = await fetch(`${server.url}/quiet-bot/generate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({ prompt: 'a request it does not log' }),
    });
    expect(answer.status).toBe(200);
    const logs = await cli('logs', 'quiet-bot');
    expect(logs.code, explain(logs)).toBe(0);
    expect(logs.stdout).toBe('');
    expect(logs.stderr).toBe(
      'fleetplane: no log lines from quiet-bot: it logs at "warn", which hides its requests; set "logging": "info" in its config and deploy it again to see each request\n',
    );
    expect((await cli('delete', 'quiet-bot')).code).toBe(0);
  });

  it('a wrong token exits 3 saying the token was refused; no token says one is wanted', async () => {
    const wrong = await fleetplane(['deploy', 'examples/single_agent.json', '--wait'], as('not-the-token'));
    expect(wrong.code).toBe(3);
    expect(wrong.stdout).toBe('');
    expect(wrong.stderr).toBe(
      `fleetplane: the control plane at ${server.url} refused the token (401): the bearer token is not valid; check --token or FLEETPLANE_TOKEN\n`,
    );
    const none = await fleetplane(['list'], as(undefined));
    expect(none.code).toBe(3);
    expect(none.stderr).toMatch(/wants a token \(401\).*set FLEETPLANE_TOKEN \(or --token\)\n$/);
    // The token never shows in what the command prints.
    expect(wrong.stderr + none.stderr).not.toContain('not-the-token');
  });

  it('whoami prints the scope of the token; a write outside it exits 3 with the 403, naming the scope', async () => {
    const admin = await cli('whoami');
    expect(admin.code, explain(admin)).toBe(0);
    expect(admin.stdout).toBe(
      `admin:* at ${server.url}, with the token of --token or FLEETPLANE_TOKEN\nadmin:* (every verb on every agent)\n`,
    );
    const viewer = await fleetplane(['whoami', '-o', 'json'], as(VIEWER));
    expect(JSON.parse(viewer.stdout)).toMatchObject({
      scope: 'viewer:my-*',
      role: 'viewer',
      names: 'my-*',
      via: 'token',
    });
    const refused = await fleetplane(['delete', 'my-assistant'], as(VIEWER));
    expect(refused.code).toBe(3);
    expect(refused.stderr).toBe(
      `fleetplane: the control plane at ${server.url} does not allow this token to do that (403): this token's scope is viewer:my-* (read-only: list, status, config, revisions and logs of agents named my-*), so it may not delete: that needs a deployer token whose glob matches the name, or an admin token; 'fleetplane whoami' shows the token's scope\n`,
    );
    expect((await cli('status', 'my-assistant')).code).toBe(0);
  });

  it('an invalid config prints its field errors one per line, exits 1 and stores nothing', async () => {
    const config = JSON.parse(await readFile(join(root, 'examples/single_agent.json'), 'utf8'));
    config.name = 'broken-agent';
    config.scaling.replicas = -1;
    config.resources.cpu = 'lots';
    const file = join(dir, 'broken.json');
    await writeFile(file, JSON.stringify(config));
    const run = await cli('deploy', file, '--wait');
    expect(run.code).toBe(1);
    expect(run.stderr.split('\n')).toEqual([
      `fleetplane: ${file} is not a valid agent config (422):`,
      'resources.cpu: must be a positive Kubernetes quantity such as "500m" or "1" (got "lots")',
      'scaling.replicas: must be at least 1 (got -1)',
      '',
    ]);
    const names = JSON.parse((await cli('list', '-o', 'json')).stdout).deployments.map(
      (d: { name: string }) => d.name,
    );
    expect(names).toEqual(['my-assistant']);
  });

  it('revisions and rollback --to N --wait: a new generation running the old spec', async () => {
    const config = JSON.parse(await readFile(join(root, 'examples/single_agent.json'), 'utf8'));
    config.instruction = 'You answer in one word.';
    const file = join(dir, 'changed.json');
    await writeFile(file, JSON.stringify(config));
    const changed = await cli('deploy', file, '--wait');
    expect(changed.code, explain(changed)).toBe(0);
    expect(changed.stderr).toMatch(/^my-assistant: updated \(generation 2\)$/m);
    const rollback = await cli('rollback', 'my-assistant', '--to', '1', '--wait', '-o', 'json');
    expect(rollback.code, explain(rollback)).toBe(0);
    expect(JSON.parse(rollback.stdout)).toMatchObject({ generation: 3, deployment: { phase: 'Running' } });
    const revisions = JSON.parse((await cli('revisions', 'my-assistant', '-o', 'json')).stdout);
    expect(revisions.current).toBe(3);
    expect(revisions.revisions.at(-1)).toMatchObject({
      generation: 3,
      current: true,
      cause: { kind: 'rollback', toGeneration: 1 },
    });
    // As people read it: the same table deploy --wait ends with.
    const text = await cli('rollback', 'my-assistant', '--wait');
    expect(text.code, explain(text)).toBe(0);
    expect(text.stdout).toBe(
      `NAME          PHASE    URL\nmy-assistant  Running  ${server.url}/my-assistant/\n`,
    );
  });

  it('logs --follow prints new lines as the agent logs them, and Ctrl-C ends it with exit 0', async () => {
    let asked = false;
    let stopped = false;
    const generate = () =>
      fetch(`${server.url}/my-assistant/generate`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
        body: JSON.stringify({ prompt: 'while following' }),
      });
    const run = await fleetplane(
      ['logs', 'my-assistant', '--follow', '--tail', '1'],
      as(TOKEN),
      ({ stdout }, child) => {
        const lines = stdout.split('\n').filter(Boolean);
        // The tail arrived: make the agent log a request, then stop once that line is printed.
        if (!asked && lines.length >= 1) {
          asked = true;
          void generate();
        }
        if (!stopped && lines.length > 1 && lines.at(-1)?.includes('"path":"/my-assistant/generate"')) {
          stopped = true;
          child.kill('SIGINT');
        }
      },
    );
    expect(run.code, explain(run)).toBe(0);
    const lines = run.stdout.split('\n').filter(Boolean);
    expect(lines.length).toBeGreaterThanOrEqual(2);
    // Each line printed once: following never repeats what it has shown.
    expect(new Set(lines).size, run.stdout).toBe(lines.length);
  });

  it('delete --wait returns once the agent is gone; an unknown agent exits 1 with the API detail', async () => {
    const run = await cli('delete', 'my-assistant', '--wait');
    expect(run.code, explain(run)).toBe(0);
    // In the local target's terms: its processes, not Kubernetes objects.
    expect(run.stderr).toMatch(/^my-assistant: stopped 1 process$/m);
    expect(run.stdout).toMatch(/^process my-assistant-local-\d+$/m);
    expect(run.stdout + run.stderr).not.toMatch(/ConfigMap|Ingress|objects/);
    expect(run.stderr).toMatch(/my-assistant: deleted$/m);
    expect(JSON.parse((await cli('list', '-o', 'json')).stdout).deployments).toEqual([]);
    const missing = await cli('status', 'my-assistant');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe('fleetplane: no agent named "my-assistant" (404 Not found)\n');
  });

  it('exits 3 with one line naming the URL when nothing answers there', async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    const run = await fleetplane(['list'], { FLEETPLANE_URL: closed });
    expect(run.code).toBe(3);
    expect(run.stderr).toBe(
      `fleetplane: cannot reach the control plane at ${closed}: ECONNREFUSED (connect ECONNREFUSED ${closed.slice(7)}); is it running? Set --url or FLEETPLANE_URL to where it answers\n`,
    );
  });
});
