/**
 * The image's build context, checked without Docker: unpack the exact tar.gz Kaniko would
 * get, replay the Dockerfile's steps on a scratch root (ENV, WORKDIR, COPY, USER,
 * ENTRYPOINT with this Node standing in for the base image's), start it, hit /health; then
 * start the pool's entry from the same root, as the pool Deployment's command does.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { x as extract, list } from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentConfig } from '../agent-runtime/test/helpers.ts';
import { scratchDir } from '../test/support/scratch.ts';
import { type BuildContext, buildContext, contextFrom, imageTag } from './build-context.ts';
import { baseImage, envOf, execForm, parseDockerfile } from './dockerfile.ts';

describe('agent image build context', () => {
  let ctx: BuildContext;
  let child: ChildProcess | undefined;
  let pool: ChildProcess | undefined;
  /** The scratch root the image's steps were replayed on, and the environment they set. */
  let image: { root: string; cwd: string; env: Record<string, string> } | undefined;
  beforeAll(async () => {
    ctx = await buildContext();
  }, 120_000);
  afterAll(() => {
    child?.kill('SIGKILL');
    pool?.kill('SIGKILL');
  });

  it('holds exactly the Dockerfile and the bundles, owned by root with fixed times', async () => {
    const dir = await scratchDir('fp-ctx-');
    await writeFile(join(dir, 'context.tar.gz'), ctx.tarGz);
    const entries: { path: string; mode: number; uid: number; gid: number; mtime: string }[] = [];
    await list({
      file: join(dir, 'context.tar.gz'),
      onReadEntry: (e) => {
        entries.push({
          path: e.path,
          mode: e.mode ?? 0,
          uid: e.uid ?? -1,
          gid: e.gid ?? -1,
          mtime: e.mtime?.toISOString() ?? '',
        });
      },
    });
    expect(ctx.files).toEqual(['Dockerfile', 'agent-runtime.mjs', 'agent-pool.mjs']);
    expect(entries).toEqual(
      ctx.files.map((path) => ({ path, mode: 0o644, uid: 0, gid: 0, mtime: '2000-01-01T00:00:00.000Z' })),
    );
  });

  it('is deterministic and content-addressed', { timeout: 120_000 }, async () => {
    const again = await buildContext();
    expect(Buffer.from(again.tarGz).equals(Buffer.from(ctx.tarGz))).toBe(true);
    expect(again.tag).toBe(ctx.tag);
    expect(ctx.tag).toMatch(/^[0-9a-f]{64}$/);
    const dockerfile = await readFile(new URL('./Dockerfile', import.meta.url), 'utf8');
    const read = (file: string) =>
      readFile(new URL(`../agent-runtime/dist/${file}`, import.meta.url), 'utf8');
    const bundles = { runtime: await read('agent-runtime.mjs'), pool: await read('agent-pool.mjs') };
    expect(imageTag(bundles, dockerfile, baseImage(parseDockerfile(dockerfile)))).toBe(ctx.tag);
    expect(contextFrom({ ...bundles, runtime: `${bundles.runtime}\n` }, dockerfile).tag).not.toBe(ctx.tag);
    expect(contextFrom({ ...bundles, pool: `${bundles.pool}\n` }, dockerfile).tag).not.toBe(ctx.tag);
    expect(contextFrom(bundles, dockerfile.replace('24.21.0', '24.21.1')).tag).not.toBe(ctx.tag);
  });

  it('pins a Node 24 base by digest, runs as non-root on 8080 with an exec-form entrypoint', async () => {
    const steps = parseDockerfile(await readFile(new URL('./Dockerfile', import.meta.url), 'utf8'));
    expect(baseImage(steps)).toMatch(/^node:24\.\d+\.\d+-bookworm-slim@sha256:[0-9a-f]{64}$/);
    expect(steps.find((s) => s.op === 'USER')?.args).toBe('1000:1000');
    expect(steps.find((s) => s.op === 'EXPOSE')?.args).toBe('8080');
    expect(envOf(steps)).toMatchObject({
      PORT: '8080',
      FLEETPLANE_AGENT_CONFIG: '/etc/fleetplane/agent.json',
    });
    expect(execForm(steps, 'ENTRYPOINT')).toEqual(['node', '/app/agent-runtime.mjs']);
  });

  it('starts from the unpacked context as the image would and answers /health', async () => {
    const work = await scratchDir('fp-image-');
    const contextDir = join(work, 'context');
    const root = join(work, 'rootfs');
    await mkdir(contextDir);
    await mkdir(root);
    await writeFile(join(work, 'context.tar.gz'), ctx.tarGz);
    await extract({ file: join(work, 'context.tar.gz'), cwd: contextDir });

    const steps = parseDockerfile(await readFile(join(contextDir, 'Dockerfile'), 'utf8'));
    // The base image's Node is the one these tests run on; the tag says which.
    expect(`v${baseImage(steps).split(':')[1]?.split('-')[0]}`).toBe(process.version);
    const inRoot = (p: string) => (p.startsWith('/') ? join(root, p) : p);
    const env: Record<string, string> = {};
    let cwd = root;
    let entrypoint: string[] = [];
    for (const { op, args } of steps) {
      if (op === 'ENV') Object.assign(env, envOf([{ op, args }]));
      else if (op === 'WORKDIR') {
        cwd = inRoot(args);
        await mkdir(cwd, { recursive: true });
      } else if (op === 'COPY') {
        const [src, dest] = args.split(/\s+/) as [string, string];
        await mkdir(join(inRoot(dest), '..'), { recursive: true });
        await copyFile(join(contextDir, src), inRoot(dest));
      } else if (op === 'USER') expect(Number(args.split(':')[0])).toBeGreaterThan(0);
      else if (op === 'ENTRYPOINT') entrypoint = execForm([{ op, args }], 'ENTRYPOINT') ?? [];
      else expect(['FROM', 'EXPOSE', 'STOPSIGNAL']).toContain(op);
    }
    // What Kubernetes adds at run time: the ConfigMap mount and a port of our choosing.
    await mkdir(inRoot('/etc/fleetplane'), { recursive: true });
    await writeFile(inRoot(env.FLEETPLANE_AGENT_CONFIG!), JSON.stringify(agentConfig()));
    const runEnv = {
      ...env,
      FLEETPLANE_AGENT_CONFIG: inRoot(env.FLEETPLANE_AGENT_CONFIG!),
      PORT: '0',
      HOST: '127.0.0.1',
    };
    image = { root, cwd, env: runEnv };
    const [command, ...args] = entrypoint;
    expect(command).toBe('node');
    child = spawn(process.execPath, args.map(inRoot), {
      cwd,
      env: runEnv,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const port = await new Promise<number>((resolve, reject) => {
      let buffer = '';
      child!.stdout!.on('data', (d: Buffer) => {
        buffer += d.toString();
        for (const line of buffer.split('\n')) {
          if (line.includes('"msg":"listening"')) resolve(JSON.parse(line).port);
        }
      });
      child!.once('exit', (code) => reject(new Error(`exited ${code}`)));
    });
    const res = await fetch(`http://127.0.0.1:${port}/my-assistant/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('starts the pool from the same image, which serves a pooled agent it is sent', async () => {
    if (!image) throw new Error('the image steps did not run');
    const { root, cwd, env } = image;
    pool = spawn(process.execPath, [join(root, 'app', 'agent-pool.mjs')], {
      cwd,
      env: { ...env, FLEETPLANE_POOL_SOURCE: 'ipc' },
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    const port = await new Promise<number>((resolve, reject) => {
      pool!.on('message', (message: { type?: string; port?: number }) => {
        if (message.type === 'listening') resolve(message.port as number);
      });
      pool!.once('exit', (code) => reject(new Error(`exited ${code}`)));
    });
    const config = agentConfig();
    pool.send({
      type: 'pool-configs',
      reset: true,
      upsert: [{ name: config.name, generation: 1, version: '1', configJson: JSON.stringify(config) }],
      remove: [],
    });
    const report = await new Promise<{ serving: Record<string, unknown> }>((resolve) => {
      pool!.on('message', (message: { type?: string; report?: { serving: Record<string, unknown> } }) => {
        if (message.type === 'pool-report' && message.report) resolve(message.report);
      });
    });
    expect(report.serving).toEqual({ 'my-assistant': { generation: 1, version: '1' } });
    expect((await fetch(`http://127.0.0.1:${port}/_pool/ready`)).status).toBe(200);
    const res = await fetch(`http://127.0.0.1:${port}/my-assistant/health`);
    expect(await res.json()).toEqual({ status: 'ok' });
  });
});
