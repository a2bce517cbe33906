/**
 * The README's "Deploying to DigitalOcean" runs as written: every doctl, helm and kubectl
 * command it uses exists with the flags it passes (checked against the tools' sources, listed
 * below with the commit they were read at), every `npx fleetplane` verb and flag and every
 * `npm run` script is the repository's own, every file it names exists, every variable is one
 * the functions read and .env.example documents, every chart is pinned to the version
 * manifests/README.md lists, one region throughout, nothing that only works on Linux, and
 * `fleetplane doctor` after each stage, ending with an agent answering over HTTPS.
 */
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GLOBAL_OPTIONS, VERBS } from '../../functions/src/cli/verbs.ts';
import { SETTINGS_READ } from '../../functions/src/wiring/function-env.ts';
import { GATEWAY_API_VERSION } from '../env/versions.ts';

const root = new URL('../../', import.meta.url);
const read = (file: string) => readFileSync(new URL(file, root), 'utf8');
const readme = read('README.md');
const runbook = readme.slice(
  readme.indexOf('## Deploying to DigitalOcean'),
  readme.indexOf('\n## ', readme.indexOf('## Deploying to DigitalOcean') + 5),
);
const envExample = read('.env.example');
const manifestsReadme = read('manifests/README.md');

/** The flags that describe a DNS record, taken by `records create` and `records update` alike. */
const DOMAIN_RECORD_FLAGS = [
  'record-type',
  'record-name',
  'record-data',
  'record-priority',
  'record-port',
  'record-ttl',
  'record-weight',
  'record-flags',
  'record-tag',
];
/**
 * doctl's commands as its source defines them (github.com/digitalocean/doctl at 168188d3e0,
 * commands/*.go, flag names from args.go), with the flags each takes; global flags below.
 */
const DOCTL: Record<string, string[]> = {
  'auth init': ['context'],
  'kubernetes cluster create': [
    'region',
    'node-pool',
    'version',
    'size',
    'count',
    'tag',
    'vpc-uuid',
    'wait',
    'update-kubeconfig',
    'set-current-context',
    'auto-upgrade',
    'ha',
  ],
  'kubernetes cluster registry add': [],
  'registry create': ['region', 'subscription-tier'],
  'registry docker-config': ['read-write', 'expiry-seconds'],
  'registry garbage-collection start': ['include-untagged-manifests', 'exclude-unreferenced-blobs', 'force'],
  'spaces keys create': ['grants'],
  'compute domain create': ['ip-address'],
  'compute domain records create': DOMAIN_RECORD_FLAGS,
  'compute domain records list': [],
  'compute domain records update': ['record-id', ...DOMAIN_RECORD_FLAGS],
  'serverless install': [],
  'serverless namespaces create': ['label', 'region', 'no-connect'],
  'serverless deploy': [
    'env',
    'build-env',
    'apihost',
    'auth',
    'insecure',
    'verbose-build',
    'verbose-zip',
    'yarn',
    'include',
    'exclude',
    'remote-build',
    'incremental',
  ],
  'serverless functions get': ['url', 'code', 'save-env', 'save-env-json', 'save', 'save-as'],
  'serverless functions invoke': ['web', 'param', 'param-file', 'full', 'no-wait'],
  'serverless triggers list': ['function'],
  'serverless triggers enable': [],
  'serverless undeploy': ['packages', 'triggers', 'all', 'force'],
};
const DOCTL_GLOBAL = ['output', 'format', 'context', 'access-token', 'api-url', 'config', 'trace', 'verbose'];

/** helm (github.com/helm/helm at e9b85e4, pkg/cmd/install.go, upgrade.go, flags.go; -n from pkg/cli). */
const HELM: Record<string, string[]> = {
  install: ['namespace', 'n', 'create-namespace', 'version', 'set', 'values', 'f', 'wait', 'timeout'],
  upgrade: ['namespace', 'n', 'version', 'set', 'values', 'f', 'wait', 'timeout', 'reuse-values', 'install'],
};

/** kubectl v1.35.4 (the test environment's, `kubectl <command> --help`). */
const KUBECTL: Record<string, string[]> = {
  apply: ['f', 'filename', 'server-side'],
  'create secret generic': ['type', 'from-literal', 'from-file'],
  get: ['o', 'output'],
  wait: ['for', 'timeout'],
  'rollout restart': [],
  describe: [],
  logs: [],
};
const KUBECTL_GLOBAL = ['n', 'namespace', 'context', 'kubeconfig'];

/** Shell-like words of a command line: quotes kept together (and removed), `#` comments dropped. */
function words(text: string): string[] {
  const found: string[] = [];
  for (const match of text.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)) {
    if (match[3]?.startsWith('#')) break;
    found.push(match[1] ?? match[2] ?? match[3] ?? '');
  }
  return found;
}

/** The shell lines of the runbook's sh blocks, continuations joined. */
const shellLines = [...runbook.matchAll(/```sh\n([\s\S]*?)```/g)].flatMap((block) =>
  (block[1] as string).replace(/\\\n\s*/g, ' ').split('\n'),
);

/** Every invocation of `tool`: the words after it up to the end of its command (`|`, `)`, `;`, `&&`). */
function invocations(tool: string): string[][] {
  const pattern = new RegExp(`(?:^|[\\s($;|])${tool.replace(' ', '\\s+')}\\s+([^|;)&]*)`, 'g');
  return shellLines.flatMap((line) => [...line.matchAll(pattern)].map((match) => words(match[1] as string)));
}

/** Flags of these tools that take no value (the others take the next word, unless written --flag=value). */
const SWITCHES = new Set([
  'url',
  'read-write',
  'wait',
  'create-namespace',
  'reuse-values',
  'install',
  'full',
  'no-wait',
  'web',
  'code',
  'save',
  'server-side',
  'include-untagged-manifests',
  'exclude-unreferenced-blobs',
  'no-connect',
  'triggers',
  'packages',
  'all',
  'force',
  'incremental',
  'remote-build',
  'insecure',
  'yarn',
  'verbose-build',
  'verbose-zip',
  'update-kubeconfig',
  'set-current-context',
  'auto-upgrade',
  'ha',
  'trace',
  'verbose',
]);

/** The longest known command its words begin with, the flags it was given, and its other words. */
function command(parts: string[], known: Record<string, string[]>) {
  const flags: string[] = [];
  const positional: string[] = [];
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] as string;
    // A lone \`-\` (stdin: \`kubectl apply -f -\`) is an argument, not a flag.
    if (!part.startsWith('-') || part === '-') {
      positional.push(part);
      continue;
    }
    const flag = part.replace(/^-+/, '').split('=')[0] as string;
    flags.push(flag);
    if (!part.includes('=') && !SWITCHES.has(flag)) i++;
  }
  const name = Object.keys(known)
    .filter((candidate) => candidate.split(' ').every((word, i) => positional[i] === word))
    .sort((a, b) => b.length - a.length)[0];
  return { name, flags, positional };
}

/** `parts` is a command of `known`, with only its own flags and the tool's global ones. */
function expectKnown(parts: string[], known: Record<string, string[]>, global: string[]) {
  const { name, flags } = command(parts, known);
  expect({ command: parts.join(' '), known: Boolean(name) }).toEqual({
    command: parts.join(' '),
    known: true,
  });
  const allowed = [...(known[name as string] ?? []), ...global];
  expect({ command: parts.join(' '), unknown: flags.filter((flag) => !allowed.includes(flag)) }).toEqual({
    command: parts.join(' '),
    unknown: [],
  });
}

describe("the README's DigitalOcean runbook", () => {
  it('uses only doctl commands and flags that exist', () => {
    const used = invocations('doctl');
    expect(used.length).toBeGreaterThan(10);
    for (const parts of used) {
      expectKnown(parts, DOCTL, DOCTL_GLOBAL);
    }
  });

  it('uses only helm and kubectl commands and flags that exist, and pins every chart to the version manifests/README.md lists', () => {
    const charts = [...manifestsReadme.matchAll(/\| [^|]*`(oci:\/\/[^`]+)` \| (v[\d.]+) \|/g)].map((m) => ({
      chart: m[1] as string,
      version: m[2] as string,
    }));
    expect(charts.map((c) => c.chart)).toEqual([
      'oci://docker.io/envoyproxy/gateway-helm',
      'oci://quay.io/jetstack/charts/cert-manager',
    ]);
    const installs = invocations('helm');
    expect(installs.length).toBe(2);
    for (const parts of installs) {
      const { name, flags, positional } = command(parts, HELM);
      expect(name).toBe('install');
      expect(flags.filter((flag) => !(HELM.install as string[]).includes(flag))).toEqual([]);
      const chart = positional.find((word) => word.startsWith('oci://'));
      const version = parts[parts.indexOf('--version') + 1];
      expect({ chart, version }).toEqual(charts.find((c) => c.chart === chart));
    }
    // Envoy Gateway's chart brings the Gateway API the test environment runs.
    expect(manifestsReadme).toContain(
      `installs the Gateway API CRDs ${GATEWAY_API_VERSION} (standard channel)`,
    );
    expect(runbook).toContain(`the Gateway API CRDs, ${GATEWAY_API_VERSION}`);
    for (const parts of invocations('kubectl')) {
      expectKnown(parts, KUBECTL, KUBECTL_GLOBAL);
    }
  });

  it("installs the Gateway API (Envoy Gateway) before cert-manager, with cert-manager's Gateway API support on", () => {
    const eg = runbook.indexOf('helm install eg');
    const certManager = runbook.indexOf('helm install cert-manager');
    expect(eg).toBeGreaterThan(0);
    expect(certManager).toBeGreaterThan(eg);
    expect(runbook).toContain('--set config.enableGatewayAPI=true');
    expect(runbook).toContain('kubectl -n cert-manager\nrollout restart deployment cert-manager');
  });

  it("uses the repository's own fleetplane verbs, flags and npm scripts", () => {
    const scripts = Object.keys(
      (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts,
    );
    for (const parts of invocations('npm run')) expect(scripts).toContain(parts[0]);
    const used = invocations('npx fleetplane');
    expect(used.map((parts) => parts[0])).toEqual([
      'doctor',
      'kubeconfig',
      'kubeconfig',
      'admission-params',
      'doctor',
      'doctor',
      'doctor',
      'deploy',
    ]);
    for (const parts of used) {
      const verb = VERBS[parts[0] as string];
      expect({ verb: parts[0], exists: Boolean(verb) }).toEqual({ verb: parts[0], exists: true });
      const allowed = [...Object.keys(verb?.options ?? {}), ...Object.keys(GLOBAL_OPTIONS), 'o'];
      const flags = parts.filter((part) => part.startsWith('-')).map((flag) => flag.replace(/^-+/, ''));
      expect({ verb: parts[0], unknown: flags.filter((flag) => !allowed.includes(flag)) }).toEqual({
        verb: parts[0],
        unknown: [],
      });
      const only = parts[parts.indexOf('--only') + 1];
      if (parts.includes('--only'))
        for (const section of (only as string).split(','))
          expect(['settings', 'store', 'registry', 'cluster', 'dns', 'functions']).toContain(section);
    }
  });

  it('names only files that exist, and deploys the project npm run build writes', () => {
    const files = [
      ...runbook.matchAll(
        /\b((?:manifests|examples)\/[\w.-]+\.(?:ya?ml|json)|\.env\.example|project\.yml)\b/g,
      ),
    ].map((m) => m[1] as string);
    expect(files).toContain('manifests/30-tls-and-gateway.yaml');
    for (const file of new Set(files))
      expect({ file, exists: existsSync(new URL(file, root)) }).toEqual({ file, exists: true });
    expect(runbook).toContain('npm run build');
    expect(runbook).toContain('doctl serverless deploy dist/digitalocean --env .env');
    expect(read('functions/build.ts')).toContain("join(root, 'dist', 'digitalocean')");
  });

  it('names only variables the functions read (or the command and the build), each documented in .env.example', () => {
    const functionsRead = new Set(SETTINGS_READ);
    const others = ['FLEETPLANE_URL', 'FLEETPLANE_TOKEN', 'FLEETPLANE_SWEEP_TRIGGER'];
    for (const name of new Set(
      [...runbook.matchAll(/\b(FLEETPLANE_[A-Z0-9_]+|AWS_[A-Z_]+)\b/g)].map((m) => m[1] as string),
    )) {
      expect({ name, known: functionsRead.has(name) || others.includes(name) }).toEqual({
        name,
        known: true,
      });
      if (name !== 'FLEETPLANE_URL' && name !== 'FLEETPLANE_TOKEN')
        expect({ name, documented: new RegExp(`^#?\\s*${name}=`, 'm').test(envExample) }).toEqual({
          name,
          documented: true,
        });
    }
  });

  it('keeps to one region, in the README and .env.example alike', () => {
    const regions = new Set([
      ...[...runbook.matchAll(/--region (\w+)/g)].map((m) => m[1]),
      ...[...`${runbook}${envExample}`.matchAll(/https:\/\/(\w+)\.digitaloceanspaces\.com/g)].map(
        (m) => m[1],
      ),
      ...[...`${runbook}${envExample}`.matchAll(/FLEETPLANE_S3_REGION=(\w+)/g)].map((m) => m[1]),
      ...[...`${runbook}${envExample}`.matchAll(/faas-(\w+)-/g)].map((m) => m[1]),
    ]);
    expect([...regions]).toEqual(['fra1']);
  });

  it('uses nothing that works on Linux only (base64 -w0, sha256sum)', () => {
    for (const [name, text] of [
      ['README.md', readme],
      ['.env.example', envExample],
      ['manifests/README.md', manifestsReadme],
      ['manifests/20-agent-secrets.yaml', read('manifests/20-agent-secrets.yaml')],
    ] as const)
      expect({ name, linuxOnly: text.match(/base64 -w ?0|sha256sum/g) ?? [] }).toEqual({
        name,
        linuxOnly: [],
      });
    expect(runbook).toContain("base64 < docker-config.json | tr -d '\\n'");
  });

  it('runs doctor after each stage, and ends with the first agent answering over HTTPS', () => {
    const stages = runbook.split(/\n\*\*\d\. /).slice(1);
    expect(stages.length).toBe(5);
    for (const stage of stages.slice(0, 4)) expect(stage).toMatch(/```sh\n(?:.*\n)*npx fleetplane doctor/);
    expect(stages[4]).toMatch(/curl -X POST https:\/\/agents\.example\.com\/my-assistant\/generate/);
    expect(runbook).toContain('doctl compute domain create example.com');
    expect(runbook).toContain('--for=condition=Programmed');
    expect(runbook.indexOf('--for=condition=Programmed')).toBeLessThan(
      runbook.indexOf('doctl compute domain records create'),
    );
    expect(runbook).toContain('FLEETPLANE_SWEEP_TRIGGER=off');
    expect(runbook).toContain('doctl serverless functions invoke fleetplane/sweep');
  });
});
