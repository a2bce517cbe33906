/**
 * Fault injection and fixtures for integration tests, usable from a vitest worker: stop and
 * restart one service of the running environment (same ports, same data) and push a small image
 * to the registry, standing in for a finished build.
 * Works from the state file alone. Must never be used on external infrastructure: it throws.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { create as createTar } from 'tar';
import { loadCredentials } from './environment.ts';
import { spawnService, stopGroup, waitHealthy } from './processes.ts';
import { dockerConfigJson } from './registry-auth.ts';
import { readState, stateFilePath, writeState } from './state.ts';
import type { EnvState, RegistryAuth, ServiceName, ServiceRecord } from './types.ts';
import { artefacts } from './versions.ts';

const run = promisify(execFile);

async function recordOf(
  name: ServiceName,
  stateFile: string,
): Promise<{ state: EnvState; record: ServiceRecord }> {
  const state = await readState(stateFile);
  const record = state?.services[name];
  if (!state || !record) {
    throw new Error(
      `${name} is not part of a local test environment (state file ${stateFile}); external infra cannot be stopped`,
    );
  }
  return { state, record };
}

export interface StopOptions {
  /**
   * 'graceful' (default): SIGTERM, SIGKILL after `graceMs`. 'crash': SIGKILL at once, as a machine
   * or process failure would. WARNING: kube-apiserver with clients attached does not always exit on
   * SIGTERM within seconds; the default grace keeps such a stop to about 5 s.
   */
  mode?: 'graceful' | 'crash';
  graceMs?: number;
}

/** Stops the service (its whole process group) and waits until no process of it is left. */
export async function stopService(
  name: ServiceName,
  options: StopOptions = {},
  stateFile = stateFilePath(),
): Promise<void> {
  const { state, record } = await recordOf(name, stateFile);
  if (record.pid !== null)
    await stopGroup(record.pid, options.mode === 'crash' ? 0 : (options.graceMs ?? 5000));
  record.pid = null;
  await writeState(state, stateFile);
}

/** Starts the service again on the same port and data directory; resolves once it is healthy. */
export async function startService(
  name: ServiceName,
  stateFile = stateFilePath(),
  timeoutMs = 120_000,
): Promise<void> {
  const { state, record } = await recordOf(name, stateFile);
  if (record.pid !== null) throw new Error(`${name} is already running (pid ${record.pid})`);
  record.pid = spawnService(record, join(state.stateDir, 'home'));
  await writeState(state, stateFile);
  await waitHealthy(record, await loadCredentials(state), timeoutMs);
}

export interface PushedImage {
  /** repository:tag as pushed, e.g. 127.0.0.1:5000/agents/echo:abc123 */
  reference: string;
  /** sha256:... of the manifest */
  digest: string;
}

/** The credentials of the local environment's registry when `registry` is it, else null. */
async function localRegistryAuth(registry: string): Promise<RegistryAuth | null> {
  const testEnv = (await readState(stateFilePath()))?.testEnv;
  return testEnv?.registry === registry ? testEnv.registryAuth : null;
}

/**
 * Pushes a one-layer image (a single text file, no base) with crane, as a finished Kaniko build
 * would. `registry` is host:port of a plain-HTTP registry; `auth` its credentials (crane follows
 * basic auth and the token flow alike), null for an open registry. Left out, the local
 * environment's registry credentials are used when `registry` is that registry.
 */
export async function pushTestImage(
  registry: string,
  repository: string,
  tag: string,
  auth?: RegistryAuth | null,
  /** Makes the image differ from any other push of the same reference (another digest). */
  variant?: string,
): Promise<PushedImage> {
  const credentials = auth === undefined ? await localRegistryAuth(registry) : auth;
  const work = await mkdtemp(join(tmpdir(), 'fleetplane-image-'));
  try {
    await writeFile(
      join(work, 'image.txt'),
      `fleetplane test image ${repository}:${tag}\n${variant ? `${variant}\n` : ''}`,
    );
    const layer = join(work, 'layer.tar');
    await createTar({ file: layer, cwd: work, portable: true, mtime: new Date(0) }, ['image.txt']);
    const reference = `${registry}/${repository}:${tag}`;
    // A DOCKER_CONFIG of our own keeps the user's registry credentials out of it.
    if (credentials) await writeFile(join(work, 'config.json'), dockerConfigJson(registry, credentials));
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: work, DOCKER_CONFIG: work };
    const { stdout } = await run(artefacts().crane, ['append', '--insecure', '-f', layer, '-t', reference], {
      env,
    });
    const digest = stdout.trim().split('@')[1];
    if (!digest?.startsWith('sha256:')) throw new Error(`unexpected crane output: ${stdout}`);
    return { reference, digest };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/**
 * Gives an image in the registry a second tag (crane tag): the same manifest, so the same
 * digest, under another name, as a person tagging a release `stable` would.
 */
export async function tagTestImage(
  registry: string,
  repository: string,
  from: string,
  to: string,
  auth?: RegistryAuth | null,
): Promise<void> {
  const credentials = auth === undefined ? await localRegistryAuth(registry) : auth;
  const work = await mkdtemp(join(tmpdir(), 'fleetplane-image-'));
  try {
    if (credentials) await writeFile(join(work, 'config.json'), dockerConfigJson(registry, credentials));
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: work, DOCKER_CONFIG: work };
    await run(artefacts().crane, ['tag', '--insecure', `${registry}/${repository}:${from}`, to], { env });
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
