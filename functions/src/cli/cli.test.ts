import { execFile } from 'node:child_process';
import { access, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { scratchDir } from '../../../test/support/scratch.ts';

const run = promisify(execFile);
const bin = new URL('../../bin/fleetplane.ts', import.meta.url).pathname;
const examples = new URL('../../../examples/', import.meta.url).pathname;

/** Runs the real command with this Node (24), as `npx fleetplane` does. */
async function fleetplane(...args: string[]) {
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, ...args]);
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('fleetplane offline verbs: render, validate, schema, image-context', () => {
  it('prints one set of objects per agent of a batch, as multi-document YAML', async () => {
    const { code, stdout } = await fleetplane('render', join(examples, 'deploy_multiple_agents.json'));
    expect(code).toBe(0);
    const objects = parseAllDocuments(stdout).map((document) => document.toJS());
    const deployments = objects
      .filter((object) => object.kind === 'Deployment')
      .map((object) => object.metadata.name);
    expect(deployments).toEqual(['code-reviewer', 'support-bot', 'blog-writer', 'research-helper']);
    expect(
      objects.filter((object) => object.kind === 'HorizontalPodAutoscaler').map((o) => o.metadata.name),
    ).toEqual(['support-bot']);
    for (const object of objects) expect(object.metadata.labels['fleetplane.io/agent']).toBeTruthy();
  });

  it('prints JSON with --format json and honours --image and --routing', async () => {
    const { code, stdout } = await fleetplane(
      'render',
      join(examples, 'single_agent.json'),
      '--format',
      'json',
      '--image',
      'example.com/agent:abc',
      '--routing',
      'gateway',
    );
    expect(code).toBe(0);
    const list = JSON.parse(stdout);
    expect(list.kind).toBe('List');
    expect(list.items.map((item: { kind: string }) => item.kind)).toContain('HTTPRoute');
    expect(
      list.items.find((item: { kind: string }) => item.kind === 'Deployment').spec.template.spec.containers[0]
        .image,
    ).toBe('example.com/agent:abc');
  });

  it('exits non-zero naming scaling.replicas when replicas is -1', async () => {
    const dir = await scratchDir('fleetplane-cli-');
    const config = JSON.parse(await readFile(join(examples, 'single_agent.json'), 'utf8'));
    config.scaling.replicas = -1;
    await writeFile(join(dir, 'bad.json'), JSON.stringify(config));
    const { code, stdout, stderr } = await fleetplane('render', join(dir, 'bad.json'));
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toContain('scaling.replicas: must be at least 1 (got -1)');
  });

  it('reports a file that is not JSON', async () => {
    const dir = await scratchDir('fleetplane-cli-');
    await writeFile(join(dir, 'broken.json'), '{"name": ');
    const { code, stderr } = await fleetplane('validate', join(dir, 'broken.json'));
    expect(code).toBe(1);
    expect(stderr).toMatch(/is not valid JSON/);
  });

  it('prints the JSON Schema of the config', async () => {
    const { code, stdout } = await fleetplane('schema');
    expect(code).toBe(0);
    expect(JSON.parse(stdout).properties.scaling.properties.replicas).toMatchObject({
      type: 'integer',
      minimum: 1,
    });
  });

  it('writes the agent image build context and prints its content-addressed tag', async () => {
    const dir = await scratchDir('fleetplane-cli-');
    const out = join(dir, 'context.tar.gz');
    const { code, stdout } = await fleetplane('image-context', '--out', out);
    expect(code).toBe(0);
    const tag = /tag ([0-9a-f]{64})/.exec(stdout)?.[1];
    expect(tag).toBeDefined();
    expect(stdout).toContain(`agent-runtime:${tag?.slice(0, 12)}`);
    const listing = await run('tar', ['tzf', out]);
    expect(listing.stdout.split('\n').filter(Boolean).sort()).toEqual([
      'Dockerfile',
      'agent-pool.mjs',
      'agent-runtime.mjs',
    ]);
  });

  it('writes the build context into a new temporary directory when --out is not given, never the working tree', async () => {
    const { code, stdout } = await fleetplane('image-context', '-o', 'json');
    expect(code).toBe(0);
    const { file, tag } = JSON.parse(stdout);
    try {
      expect(file.startsWith(join(tmpdir(), 'fleetplane-image-'))).toBe(true);
      expect(tag).toMatch(/^[0-9a-f]{64}$/);
      await access(file);
      await expect(
        access(new URL('../../../agent-runtime-context.tar.gz', import.meta.url)),
      ).rejects.toThrow();
    } finally {
      await rm(dirname(file), { recursive: true, force: true });
    }
  });
});
