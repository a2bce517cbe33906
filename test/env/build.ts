/**
 * Builds the test environment's servers from the Go module proxy into the cache directory, once.
 * Each part gets a generated wrapper module (written into the cache, never the repo) because
 * etcd and Kubernetes carry replace directives that `go install` refuses. Progress goes to stderr
 * so stdout stays clean for `eval "$(npm run -s testenv -- up)"`.
 * Must never write outside the cache directory, and never reuse a part whose build did not finish.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { withFileLock } from './lock.ts';
import {
  CRANE_VERSION,
  cacheRoot,
  DISTRIBUTION_VERSION,
  ETCD_VERSION,
  GATEWAY_API_VERSION,
  KUBERNETES_VERSION,
  KWOK_VERSION,
  MINIO_VERSION,
  PART_VERSIONS,
  type PartName,
  partDir,
} from './versions.ts';

const log = (message: string) => process.stderr.write(`[testenv build] ${message}\n`);

interface GoBuild {
  module: string;
  version: string;
  packages: string[];
  /** Output file name when building one package; several packages land in bin/ under their own names. */
  binary?: string;
  ldflags?: string;
  /** Extra go.mod content (replace directives, godebug) computed from the dependency itself. */
  extraGoMod?: (root: string) => Promise<string>;
}

const K8S_VERSION_PKGS = ['k8s.io/component-base/version', 'k8s.io/client-go/pkg/version'];

function kubeVersionLdflags(): string {
  const [major, minor] = KUBERNETES_VERSION.slice(1).split('.');
  // Without these the binaries call themselves v0.0.0-master, which breaks version-gated logic.
  return K8S_VERSION_PKGS.flatMap((pkg) => [
    `-X ${pkg}.gitVersion=${KUBERNETES_VERSION}`,
    `-X ${pkg}.gitMajor=${major}`,
    `-X ${pkg}.gitMinor=${minor}`,
    `-X ${pkg}.gitTreeState=clean`,
    `-X ${pkg}.buildDate=1970-01-01T00:00:00Z`,
  ]).join(' ');
}

/**
 * k8s.io/kubernetes requires its ~30 staging modules at v0.0.0 and points them at ./staging,
 * which the module zip does not contain. Replace each with its published v0.<minor>.<patch>,
 * taking the list from that version's own go.mod rather than a hand-kept copy.
 */
async function kubernetesReplaces(root: string): Promise<string> {
  const info = JSON.parse(
    await runGo(['mod', 'download', '-json', `k8s.io/kubernetes@${KUBERNETES_VERSION}`], root, 'kube-mod'),
  ) as { GoMod: string };
  const upstream = await readFile(info.GoMod, 'utf8');
  const stagingVersion = `v0${KUBERNETES_VERSION.slice(2)}`;
  const staged = [...upstream.matchAll(/^\s*(k8s\.io\/[\w.-]+)\s+=>\s+\.\/staging\//gm)].map((m) => m[1]);
  if (staged.length < 20)
    throw new Error(`expected the staging replaces in ${info.GoMod}, found ${staged.length}`);
  // Only the main module's godebug line counts; copy it so runtime defaults match upstream builds.
  const godebug = upstream.match(/^godebug .*$/m)?.[0] ?? '';
  return `${godebug}\n\nreplace (\n${staged.map((m) => `\t${m} => ${m} ${stagingVersion}`).join('\n')}\n)\n`;
}

const GO_BUILDS: Partial<Record<PartName, GoBuild>> = {
  etcd: {
    module: 'go.etcd.io/etcd/server/v3',
    version: ETCD_VERSION,
    packages: ['go.etcd.io/etcd/server/v3'],
    binary: 'etcd',
  },
  kube: {
    module: 'k8s.io/kubernetes',
    version: KUBERNETES_VERSION,
    // One invocation so the three share every compiled package.
    packages: ['cmd/kube-apiserver', 'cmd/kube-controller-manager', 'cmd/kube-scheduler'].map(
      (cmd) => `k8s.io/kubernetes/${cmd}`,
    ),
    ldflags: kubeVersionLdflags(),
    extraGoMod: kubernetesReplaces,
  },
  // A part of its own rather than a fourth package in the kube build, so adding it did not
  // invalidate the kube binaries already built. Same module, replaces and ldflags, and the same
  // GOCACHE, so every package the kube build compiled is reused: only kubectl's own packages
  // (k8s.io/kubectl, cli-runtime, kustomize) compile, then one link.
  kubectl: {
    module: 'k8s.io/kubernetes',
    version: KUBERNETES_VERSION,
    packages: ['k8s.io/kubernetes/cmd/kubectl'],
    binary: 'kubectl',
    ldflags: kubeVersionLdflags(),
    extraGoMod: kubernetesReplaces,
  },
  kwok: {
    module: 'sigs.k8s.io/kwok',
    version: KWOK_VERSION,
    packages: ['sigs.k8s.io/kwok/cmd/kwok'],
    binary: 'kwok',
  },
  minio: {
    module: 'github.com/minio/minio',
    version: MINIO_VERSION,
    packages: ['github.com/minio/minio'],
    binary: 'minio',
  },
  registry: {
    module: 'github.com/distribution/distribution/v3',
    version: DISTRIBUTION_VERSION,
    packages: ['github.com/distribution/distribution/v3/cmd/registry'],
    binary: 'registry',
  },
  crane: {
    module: 'github.com/google/go-containerregistry',
    version: CRANE_VERSION,
    packages: ['github.com/google/go-containerregistry/cmd/crane'],
    binary: 'crane',
  },
};

/** Order: small parts first so a broken proxy shows up in seconds, not after the kube build. */
export const ALL_PARTS: PartName[] = [
  'gateway-api',
  'etcd',
  'kwok',
  'registry',
  'crane',
  'minio',
  'kube',
  'kubectl',
];

/**
 * Tools the tests use whichever parts are external: crane pushes images, kubectl is the baseline
 * of the deploy benchmark, and the registry binary also serves the token-auth registry that
 * test/support/token-registry.ts starts on demand.
 */
export const TOOL_PARTS: PartName[] = ['registry', 'crane', 'kubectl'];

function goEnv(root: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    GOMODCACHE: join(root, 'go', 'mod'),
    GOCACHE: join(root, 'go', 'build'),
    // Some dependencies name a newer toolchain; never download one, build with the installed Go.
    GOTOOLCHAIN: 'local',
    GOWORK: 'off',
    CGO_ENABLED: '0',
    GOFLAGS: '-mod=mod -modcacherw -buildvcs=false',
  };
}

function goBinary(): string {
  if (process.env.GO) return process.env.GO;
  for (const dir of (process.env.PATH ?? '').split(':'))
    if (dir && existsSync(join(dir, 'go'))) return join(dir, 'go');
  if (existsSync('/usr/local/go/bin/go')) return '/usr/local/go/bin/go';
  throw new Error('Go is required to build the test environment (set GO or put go on PATH)');
}

/** Runs go, returns stdout; on failure throws with the tail of its output. */
function runGo(args: string[], cwd: string, label: string, root = cacheRoot()): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(goBinary(), args, { cwd, env: goEnv(root), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(stdout);
      else
        reject(
          new Error(`${label}: go ${args.join(' ')} (in ${cwd}) exited ${code}\n${stderr.slice(-4000)}`),
        );
    });
  });
}

async function buildGoPart(part: PartName, spec: GoBuild, dir: string, root: string): Promise<void> {
  const src = join(dir, 'src');
  const binTmp = join(dir, 'bin.partial');
  await rm(binTmp, { recursive: true, force: true });
  await mkdir(src, { recursive: true });
  await mkdir(binTmp, { recursive: true });
  const extra = spec.extraGoMod ? await spec.extraGoMod(src) : '';
  await writeFile(
    join(src, 'go.mod'),
    `// Generated by fleetplane test/env/build.ts: a wrapper so replace directives of ${spec.module} do not block the build.\n` +
      `module fleetplane.local/testenv/${part}\n\ngo 1.26\n\nrequire ${spec.module} ${spec.version}\n${extra}`,
  );
  await rm(join(src, 'go.sum'), { force: true });
  await runGo(['mod', 'download', spec.module], src, part, root);
  const ldflags = ['-s', '-w', spec.ldflags ?? ''].join(' ').trim();
  // `go build -o dir` would name go.etcd.io/etcd/server/v3 "server": name single binaries explicitly.
  const output = spec.binary ? join(binTmp, spec.binary) : `${binTmp}/`;
  await runGo(
    [
      'build',
      '-trimpath',
      '-p',
      String(availableParallelism()),
      '-ldflags',
      ldflags,
      '-o',
      output,
      ...spec.packages,
    ],
    src,
    part,
    root,
  );
  await rm(join(dir, 'bin'), { recursive: true, force: true });
  await rename(binTmp, join(dir, 'bin'));
}

async function fetchGatewayApiCrds(dir: string, root: string): Promise<void> {
  const scratch = join(dir, 'src');
  await mkdir(scratch, { recursive: true });
  const info = JSON.parse(
    await runGo(
      ['mod', 'download', '-json', `sigs.k8s.io/gateway-api@${GATEWAY_API_VERSION}`],
      scratch,
      'gateway-api',
      root,
    ),
  ) as { Dir: string };
  const from = join(info.Dir, 'config', 'crd', 'standard');
  const files = (await readdir(from)).filter((f) => f.endsWith('.yaml'));
  if (files.length === 0) throw new Error(`no CRD files under ${from}`);
  const crds = join(dir, 'crds');
  await rm(crds, { recursive: true, force: true });
  await mkdir(crds, { recursive: true });
  for (const file of files) await cp(join(from, file), join(crds, file));
}

const STAMP = '.built.json';

/** Measured on the 2-core reference machine, for the progress message only. */
const COLD_MINUTES: Record<PartName, string> = {
  'gateway-api': 'a few seconds',
  etcd: '1 minute',
  kwok: '1 minute',
  registry: '1 minute',
  crane: 'a few seconds after registry',
  minio: '2 minutes',
  kube: '4 minutes (three binaries in one go build)',
  kubectl: '1 minute after kube (it reuses the packages kube compiled)',
};

export function isBuilt(part: PartName, root = cacheRoot()): boolean {
  return existsSync(join(partDir(part, root), STAMP));
}

export interface BuildResult {
  part: PartName;
  version: string;
  seconds: number;
  cached: boolean;
}

async function buildPart(part: PartName, root: string): Promise<BuildResult> {
  const version = PART_VERSIONS[part];
  const dir = partDir(part, root);
  if (isBuilt(part, root)) return { part, version, seconds: 0, cached: true };
  await mkdir(dir, { recursive: true });
  const what = part === 'gateway-api' ? 'fetching CRDs' : 'building';
  log(`${part} ${version}: ${what} (a cold build took about ${COLD_MINUTES[part]} on 2 cores)`);
  const started = Date.now();
  const heartbeat = setInterval(
    () => log(`${part}: still ${what} (${Math.round((Date.now() - started) / 1000)}s)`),
    60_000,
  );
  try {
    if (part === 'gateway-api') await fetchGatewayApiCrds(dir, root);
    else {
      const spec = GO_BUILDS[part];
      if (!spec) throw new Error(`no recipe for ${part}`);
      await buildGoPart(part, spec, dir, root);
    }
  } finally {
    clearInterval(heartbeat);
  }
  const seconds = Math.round((Date.now() - started) / 100) / 10;
  await writeFile(
    join(dir, STAMP),
    JSON.stringify({ part, version, seconds, builtAt: new Date().toISOString() }),
  );
  log(`${part} ${version}: done in ${seconds}s`);
  return { part, version, seconds, cached: false };
}

/** Builds every missing part (or the named ones). Concurrent callers wait on one lock. */
export async function buildAll(parts: PartName[] = ALL_PARTS, root = cacheRoot()): Promise<BuildResult[]> {
  if (parts.every((p) => isBuilt(p, root)))
    return parts.map((part) => ({ part, version: PART_VERSIONS[part], seconds: 0, cached: true }));
  await mkdir(root, { recursive: true });
  return withFileLock(join(root, '.build.lock'), log, async () => {
    const results: BuildResult[] = [];
    for (const part of parts) results.push(await buildPart(part, root));
    const built = results.filter((r) => !r.cached);
    if (built.length > 0) log(`built ${built.map((r) => `${r.part} ${r.seconds}s`).join(', ')} into ${root}`);
    return results;
  });
}
