/**
 * Brings the whole local environment up (building what is missing) and down again.
 * Processes run detached with their state in the state file, so `up` returns once everything is
 * ready and a later `down` — from another process — stops them. A stale state from a crashed run
 * is cleaned by the next `up`.
 * Must never leave a process behind on `down` or on a failed `up`, and never touch processes it
 * did not start.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../support/free-port.ts';
import {
  AGENTS_NAMESPACE,
  BUILD_NAMESPACE,
  bootstrapNamespaces,
  createKwokNodes,
  ensureBucket,
  installGatewayApiCrds,
} from './bootstrap.ts';
import { ALL_PARTS, buildAll, TOOL_PARTS } from './build.ts';
import { type InstalledIdentities, installControlPlaneIdentity } from './control-plane-identity.ts';
import { withFileLock } from './lock.ts';
import { generatePki, writeKubeconfig } from './pki.ts';
import {
  type Credentials,
  groupMembers,
  groupRssBytes,
  isHealthyStatus,
  isOurProcess,
  probe,
  spawnService,
  stopGroup,
  waitHealthy,
} from './processes.ts';
import { dockerConfigJson, htpasswdLine, newRegistryAuth } from './registry-auth.ts';
import {
  agentLogFile,
  buildLogFile,
  kwokLogsConfigYaml,
  type Layout,
  type Ports,
  registryConfigYaml,
  SERVICE_ORDER,
  serviceRecords,
} from './services.ts';
import { stateDir as defaultStateDir, readState, stateFilePath, writeState } from './state.ts';
import type { EnvState, ProcessRecord, ServiceName, TestEnv } from './types.ts';
import { artefacts, KUBERNETES_VERSION, type PartName } from './versions.ts';

export const BUCKET = 'fleetplane-test';
export const S3_REGION = 'us-east-1';
const STAGES_FILE = fileURLToPath(new URL('./kwok-stages.yaml', import.meta.url));

export interface Wanted {
  kubernetes: boolean;
  s3: boolean;
  registry: boolean;
}

const ALL: Wanted = { kubernetes: true, s3: true, registry: true };

const log = (message: string) => process.stderr.write(`[testenv] ${message}\n`);

function servicesFor(wanted: Wanted): ServiceName[] {
  return SERVICE_ORDER.filter((name) =>
    name === 'minio' ? wanted.s3 : name === 'registry' ? wanted.registry : wanted.kubernetes,
  );
}

function partsFor(wanted: Wanted): PartName[] {
  return ALL_PARTS.filter((part) => {
    if (TOOL_PARTS.includes(part)) return true; // the tests use them whichever parts are external
    if (part === 'minio') return wanted.s3;
    return wanted.kubernetes;
  });
}

/** A port free on 127.0.0.1 right now (the kernel picks it; a race with other binders is possible but rare). */

async function allocatePorts(): Promise<Ports> {
  const keys: (keyof Ports)[] = [
    'etcdClient',
    'etcdPeer',
    'apiserver',
    'controllerManager',
    'scheduler',
    'kwok',
    'minio',
    'minioConsole',
    'registry',
  ];
  const ports: Partial<Ports> = {};
  const taken = new Set<number>();
  for (const key of keys) {
    let port = await freePort();
    while (taken.has(port)) port = await freePort();
    taken.add(port);
    ports[key] = port;
  }
  return ports as Ports;
}

export async function loadCredentials(state: EnvState): Promise<Credentials | null> {
  if (!state.pki) return null;
  const [ca, cert, key] = await Promise.all([
    readFile(state.pki.caCert),
    readFile(state.pki.adminCert),
    readFile(state.pki.adminKey),
  ]);
  return { ca, cert, key };
}

/** Every recorded service alive, ours, and answering its health check. */
export async function isHealthy(state: EnvState): Promise<boolean> {
  const credentials = await loadCredentials(state).catch(() => null);
  for (const record of Object.values(state.services)) {
    if (!record?.pid || !isOurProcess(record.pid, record.argv[0] ?? '')) return false;
    if (!isHealthyStatus(record.health, await probe(record.health, credentials))) return false;
  }
  return state.testEnv !== null;
}

async function stopRecorded(state: EnvState): Promise<void> {
  // In waves, clients before the servers they talk to: an API server whose etcd is gone, or a
  // controller whose API server is gone, retries instead of exiting and only dies by SIGKILL.
  // Processes tests started on demand (extras) go in the first wave.
  const waves: ProcessRecord[][] = [
    [
      ...(['kwok', 'kube-scheduler', 'kube-controller-manager', 'minio', 'registry'] as const).map(
        (name) => state.services[name],
      ),
      ...Object.values(state.extras ?? {}),
    ].filter((record) => record !== undefined),
    [state.services['kube-apiserver']].filter((record) => record !== undefined),
    [state.services.etcd].filter((record) => record !== undefined),
  ];
  const stopped: number[] = [];
  for (const wave of waves) {
    await Promise.all(
      wave.map(async (record) => {
        if (!record.pid) return;
        const pid = record.pid;
        // A group id is only reused once the group is empty, so a non-empty group is still ours even
        // if its leader already exited; a live leader that is not our binary is a reused pid: leave it.
        const leaderAlive = groupMembers(pid).includes(pid);
        if (leaderAlive && !isOurProcess(pid, record.argv[0] ?? '')) return;
        stopped.push(pid);
        const t0 = Date.now();
        await stopGroup(pid);
        if (Date.now() - t0 > 3000)
          log(`${record.name} took ${((Date.now() - t0) / 1000).toFixed(1)}s to stop`);
      }),
    );
  }
  const left = stopped.flatMap((pid) => groupMembers(pid));
  if (left.length > 0) throw new Error(`processes still running after stop: ${left.join(', ')}`);
}

async function wipeKeepingLogs(dir: string): Promise<void> {
  if (!existsSync(dir)) return;
  for (const entry of await readdir(dir)) {
    if (entry !== 'logs') await rm(join(dir, entry), { recursive: true, force: true });
  }
}

export interface UpResult {
  testEnv: TestEnv;
  reused: boolean;
  seconds: { build: number; start: number };
}

/** The lock `up`, `down` and test/env/extras.ts hold while they change the environment in `dir`. */
export function lockPath(dir: string): string {
  return `${dir}.lock`;
}

/** Starts what `wanted` asks for, or reuses a healthy environment already running in `dir`. */
export async function up(wanted: Wanted = ALL, dir = defaultStateDir()): Promise<UpResult> {
  await mkdir(dirname(dir), { recursive: true });
  return withFileLock(lockPath(dir), log, async () => {
    const existing = await readState(stateFilePath(dir));
    // An environment from before the control plane's identity existed is stale, however healthy.
    const current =
      !wanted.kubernetes || existsSync(existing?.testEnv?.controlPlaneKubeconfigPath || '/nonexistent');
    if (existing?.testEnv && current && covers(existing.testEnv, wanted) && (await isHealthy(existing))) {
      log(`reusing the environment already running (state ${stateFilePath(dir)})`);
      return { testEnv: existing.testEnv, reused: true, seconds: { build: 0, start: 0 } };
    }
    if (existing) {
      log('cleaning up a stale environment from an earlier run');
      await stopRecorded(existing);
    }
    await rm(dir, { recursive: true, force: true });

    const buildStarted = Date.now();
    await buildAll(partsFor(wanted));
    const build = (Date.now() - buildStarted) / 1000;

    const started = Date.now();
    try {
      const testEnv = await start(wanted, dir);
      const start_ = (Date.now() - started) / 1000;
      log(`ready in ${start_.toFixed(1)}s`);
      return { testEnv, reused: false, seconds: { build, start: start_ } };
    } catch (error) {
      const state = await readState(stateFilePath(dir));
      if (state) await stopRecorded(state).catch((e) => log(`cleanup after failed start: ${e}`));
      log(`start failed; logs kept in ${join(dir, 'logs')}`);
      throw error;
    }
  });
}

function covers(env: TestEnv, wanted: Wanted): boolean {
  return (
    (!wanted.kubernetes || env.local.kubernetes) &&
    (!wanted.s3 || env.local.s3) &&
    (!wanted.registry || env.local.registry)
  );
}

async function start(wanted: Wanted, dir: string): Promise<TestEnv> {
  const logs = join(dir, 'logs');
  const home = join(dir, 'home');
  await mkdir(logs, { recursive: true });
  await mkdir(home, { recursive: true });
  const t0 = Date.now();
  const elapsed = () => `${((Date.now() - t0) / 1000).toFixed(1)}s`;

  const pki = wanted.kubernetes ? await generatePki(join(dir, 'pki')) : null;
  const ports = await allocatePorts();
  const kubeconfigs = {
    admin: join(dir, 'admin.kubeconfig'),
    controllerManager: join(dir, 'controller-manager.kubeconfig'),
    scheduler: join(dir, 'scheduler.kubeconfig'),
  };
  const server = `https://127.0.0.1:${ports.apiserver}`;
  if (pki) {
    const caPem = await readFile(pki.caCert, 'utf8');
    const client = async (c: { cert: string; key: string }) => ({
      certPem: await readFile(c.cert, 'utf8'),
      keyPem: await readFile(c.key, 'utf8'),
    });
    await writeKubeconfig(kubeconfigs.admin, server, caPem, await client(pki.admin), 'admin');
    await writeKubeconfig(
      kubeconfigs.controllerManager,
      server,
      caPem,
      await client(pki.controllerManager),
      'kube-controller-manager',
    );
    await writeKubeconfig(
      kubeconfigs.scheduler,
      server,
      caPem,
      await client(pki.scheduler),
      'kube-scheduler',
    );
  }
  const registryAuth = newRegistryAuth();
  const registryHost = `127.0.0.1:${ports.registry}`;
  const htpasswd = join(dir, 'registry.htpasswd');
  await writeFile(htpasswd, htpasswdLine(registryAuth), { mode: 0o600 });
  const registryConfig = join(dir, 'registry.yaml');
  await writeFile(
    registryConfig,
    registryConfigYaml(join(dir, 'registry-data'), ports.registry, { htpasswd }),
  );
  // For use by hand: DOCKER_CONFIG=<this dir> crane ls <registry>/<repo> (printed by `env`).
  const registryDockerConfig = dockerConfigJson(registryHost, registryAuth);
  await mkdir(join(dir, 'docker-config'), { recursive: true });
  await writeFile(join(dir, 'docker-config', 'config.json'), registryDockerConfig, { mode: 0o600 });
  const kwokLogsConfig = join(dir, 'kwok-logs.yaml');
  const agentLog = join(dir, 'agent-container.log');
  const buildLog = join(dir, 'build-container.log');
  await writeFile(agentLog, agentLogFile(new Date()));
  await writeFile(buildLog, buildLogFile(new Date()));
  await writeFile(
    kwokLogsConfig,
    kwokLogsConfigYaml([
      { namespace: AGENTS_NAMESPACE, file: agentLog },
      { namespace: BUILD_NAMESPACE, file: buildLog },
    ]),
  );
  const minioCredentials = { user: 'fleetplane-test', password: randomBytes(18).toString('base64url') };

  const layout: Layout = {
    dir,
    logs,
    ports,
    bin: artefacts(),
    stagesFile: STAGES_FILE,
    kwokLogsConfig,
    registryConfig,
    pki: {
      caCert: pki?.caCert ?? '',
      servingCert: pki?.serving.cert ?? '',
      servingKey: pki?.serving.key ?? '',
      kwokCert: pki?.kwokServing.cert ?? '',
      kwokKey: pki?.kwokServing.key ?? '',
      saKey: pki?.serviceAccountKey ?? '',
      saPub: pki?.serviceAccountPub ?? '',
    },
    kubeconfigs,
    minioCredentials,
    registryAuth,
  };
  const all = serviceRecords(layout);
  const state: EnvState = {
    version: 1,
    stateDir: dir,
    startedAt: new Date().toISOString(),
    pki: pki ? { caCert: pki.caCert, adminCert: pki.admin.cert, adminKey: pki.admin.key } : null,
    services: {},
    testEnv: null,
  };
  for (const name of servicesFor(wanted)) state.services[name] = all[name];
  await writeState(state);
  const credentials = await loadCredentials(state);

  // Serialised through one promise so concurrent launches never lose each other's pid in the file.
  let saving = Promise.resolve();
  const launch = async (name: ServiceName) => {
    const record = state.services[name];
    if (!record) return;
    record.pid = spawnService(record, home);
    saving = saving.then(() => writeState(state));
    await saving;
    await waitHealthy(record, credentials, name === 'kube-apiserver' ? 180_000 : 120_000);
    log(`${name} healthy (${elapsed()})`);
  };

  const s3 = {
    endpoint: `http://127.0.0.1:${ports.minio}`,
    region: S3_REGION,
    bucket: BUCKET,
    accessKeyId: minioCredentials.user,
    secretAccessKey: minioCredentials.password,
  };
  let identities: InstalledIdentities | undefined;
  const kubernetes = async () => {
    if (!wanted.kubernetes) return;
    await launch('etcd');
    await launch('kube-apiserver');
    await Promise.all([launch('kube-controller-manager'), launch('kube-scheduler'), launch('kwok')]);
    await Promise.all([
      installGatewayApiCrds(kubeconfigs.admin, layout.bin.gatewayApiCrdDir),
      createKwokNodes(kubeconfigs.admin),
      bootstrapNamespaces(kubeconfigs.admin, { agents: AGENTS_NAMESPACE, builds: BUILD_NAMESPACE }),
    ]);
    identities = await installControlPlaneIdentity(
      kubeconfigs.admin,
      { namespace: AGENTS_NAMESPACE, buildNamespace: BUILD_NAMESPACE, registry: registryHost, s3 },
      dir,
    );
    log(
      `kubernetes bootstrapped: nodes Ready, namespaces, Gateway API CRDs, the control plane's identity and admission policy (${elapsed()})`,
    );
  };
  const storage = async () => {
    if (!wanted.s3) return;
    await launch('minio');
    await ensureBucket(s3);
  };
  const registry = async () => {
    if (wanted.registry) await launch('registry');
  };
  await Promise.all([kubernetes(), storage(), registry()]);

  state.testEnv = {
    kubeconfigPath: kubeconfigs.admin,
    controlPlaneKubeconfigPath: identities?.controlPlaneKubeconfigPath ?? '',
    healthKubeconfigPath: identities?.healthKubeconfigPath ?? '',
    namespace: AGENTS_NAMESPACE,
    buildNamespace: BUILD_NAMESPACE,
    s3,
    registry: registryHost,
    registryAuth: wanted.registry ? registryAuth : null,
    registryDockerConfig: wanted.registry ? registryDockerConfig : null,
    kubectl: layout.bin.kubectl,
    external: false,
    local: { ...wanted },
    stateFile: stateFilePath(dir),
    kubernetesVersion: wanted.kubernetes ? KUBERNETES_VERSION : null,
  };
  await writeState(state);
  return state.testEnv;
}

/** Stops every process of the environment in `dir` and deletes its data (logs stay for post-mortems). */
export async function down(dir = defaultStateDir()): Promise<{ stopped: string[] }> {
  return withFileLock(lockPath(dir), log, async () => {
    const state = await readState(stateFilePath(dir));
    const stopped = state ? [...Object.keys(state.services), ...Object.keys(state.extras ?? {})] : [];
    if (state) await stopRecorded(state);
    await wipeKeepingLogs(dir);
    return { stopped };
  });
}

export interface ServiceStatus {
  /** A service name, or the name of a process a test started on demand (extras). */
  name: string;
  pid: number | null;
  running: boolean;
  healthy: boolean;
  url: string;
  log: string;
  rssBytes: number;
}

export async function status(
  dir = defaultStateDir(),
): Promise<{ state: EnvState | null; services: ServiceStatus[] }> {
  const state = await readState(stateFilePath(dir));
  if (!state) return { state: null, services: [] };
  const credentials = await loadCredentials(state).catch(() => null);
  const records = [
    ...SERVICE_ORDER.map((name) => state.services[name]),
    ...Object.values(state.extras ?? {}),
  ].filter((record) => record !== undefined);
  const services: ServiceStatus[] = [];
  for (const record of records) {
    const running = record.pid !== null && isOurProcess(record.pid, record.argv[0] ?? '');
    const healthy = running && isHealthyStatus(record.health, await probe(record.health, credentials));
    const rssBytes = record.pid !== null ? groupRssBytes(record.pid) : 0;
    services.push({
      name: record.name,
      pid: record.pid,
      running,
      healthy,
      url: record.health.url,
      log: record.log,
      rssBytes,
    });
  }
  return { state, services };
}
