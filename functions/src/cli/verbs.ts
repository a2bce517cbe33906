/**
 * Every verb of `fleetplane`: its one-line summary, its help, its flags, and a loader for its
 * code. Only this file and main.ts load at start-up: each verb's code (and ky, zod, yaml with
 * it) is imported when that verb runs, so `fleetplane --help` stays quick.
 */
import type { ParseArgsOptionsConfig } from 'node:util';
import type { VerbContext } from './context.ts';
import { EXIT_CODES_HELP } from './exit-codes.ts';

export interface VerbModule {
  run(context: VerbContext): Promise<number>;
}

export interface Verb {
  summary: string;
  /** Shown by `fleetplane <verb> --help`, after the usage line. */
  help: string;
  usage: string;
  options: ParseArgsOptionsConfig;
  /** Positional arguments: exactly these names, in order. */
  args: string[];
  /** Talks to the control plane (shown in its own group of the help). */
  remote: boolean;
  load: () => Promise<VerbModule>;
}

const wait = {
  wait: { type: 'boolean' },
  timeout: { type: 'string' },
} as const satisfies ParseArgsOptionsConfig;

export const VERBS: Record<string, Verb> = {
  deploy: {
    summary: 'deploy one agent or a batch ({"agents": [...]}); --wait to watch them come up',
    usage: 'fleetplane deploy <file.json> [--wait] [--timeout 5m] [-o json|yaml]',
    args: ['file.json'],
    remote: true,
    options: wait,
    help: `Sends the config (one agent, or {"agents": [...]}) to POST /deploy and prints each
agent's outcome (created, updated, unchanged). The control plane validates every config
first: an invalid one stores nothing, and its field errors are printed one per line.

  --wait            wait until every agent is Running, then print its URL; exit 1 when one
                    fails (BuildFailed, Failed, or Degraded for 15 s: ImagePullBackOff,
                    CrashLoopBackOff) or the timeout passes, saying what each was doing
  --timeout DUR     how long --wait waits: 90s, 5m, 1h30m (default 5m)

While waiting, one line per agent is redrawn in place on a terminal, or printed when it
changes otherwise (CI logs); all progress goes to stderr. The API is polled with one list
request per interval (1 s, backing off to 5 s), however many agents there are.

Examples:
  fleetplane deploy examples/single_agent.json --wait
  fleetplane deploy examples/deploy_multiple_agents.json --wait --timeout 10m -o json`,
    load: () => import('./verbs/deploy.ts'),
  },
  list: {
    summary: 'every agent: phase, ready replicas, generation, URL, and the reason of trouble',
    usage: 'fleetplane list [-o json|yaml]',
    args: [],
    remote: true,
    options: {},
    help: `Lists every agent (following the API's pages). -o json prints {"deployments": [...]}.`,
    load: () => import('./verbs/list.ts'),
  },
  status: {
    summary: 'one agent in detail: conditions, pods and their reasons, build',
    usage: 'fleetplane status <name> [-o json|yaml]',
    args: ['name'],
    remote: true,
    options: {},
    help: `Shows one agent as the cluster runs it. Exits 1 when the agent is failing
(BuildFailed, Degraded, Failed), so scripts can check it.`,
    load: () => import('./verbs/status.ts'),
  },
  delete: {
    summary: 'remove an agent: its objects in the cluster, its config and revisions',
    usage: 'fleetplane delete <name> [--wait] [--timeout 5m] [-o json|yaml]',
    args: ['name'],
    remote: true,
    options: wait,
    help: `Deletes the agent and says what went: its objects on a cluster, its processes on the
local server. When the cluster side is still going (HTTP 202), says so; --wait waits until the
agent no longer appears in the list.`,
    load: () => import('./verbs/delete.ts'),
  },
  logs: {
    summary: "the tail of an agent's logs, or of its image build (--build)",
    usage: 'fleetplane logs <name> [--tail N] [--build] [-f|--follow] [-o json|yaml]',
    args: ['name'],
    remote: true,
    options: {
      tail: { type: 'string' },
      build: { type: 'boolean' },
      follow: { type: 'boolean', short: 'f' },
    },
    help: `  --tail N       lines per pod (default 100, at most 5000)
  --build        the image build's log instead of the agent's pods
  -f, --follow   keep printing new lines (polls every 2 s) until Ctrl-C

Lines of several pods are prefixed with [pod/container]. With -o json, --follow prints one
JSON object per line: {"pod", "container", "line"}. When there is no line to print, stderr says
why: nothing of the agent runs yet, or its "logging" level hides its requests.`,
    load: () => import('./verbs/logs.ts'),
  },
  revisions: {
    summary: 'the stored generations of an agent',
    usage: 'fleetplane revisions <name> [-o json|yaml]',
    args: ['name'],
    remote: true,
    options: {},
    help: `Lists the generations the store keeps, newest last; 'fleetplane rollback' runs one again.`,
    load: () => import('./verbs/revisions.ts'),
  },
  rollback: {
    summary: "run an earlier generation's config again (as a new generation)",
    usage: 'fleetplane rollback <name> [--to N] [--wait] [--timeout 5m] [-o json|yaml]',
    args: ['name'],
    remote: true,
    options: { to: { type: 'string' }, ...wait },
    help: `  --to N         the generation to return to (default: the previous one)
  --wait         wait until the agent runs it, as 'deploy --wait' does`,
    load: () => import('./verbs/rollback.ts'),
  },
  gc: {
    summary: "build contexts, agent images and deleted agents' Secrets nothing uses; --yes deletes them",
    usage: 'fleetplane gc [--yes [--delete-secrets]] [-o json|yaml]',
    args: [],
    remote: true,
    options: { yes: { type: 'boolean' }, 'delete-secrets': { type: 'boolean' } },
    help: `Lists the build contexts (in the store's bucket) and the agent image tags (in the registry)
that no agent uses any more: a dry run, which deletes nothing. Only tags this store recorded
building are candidates, once older than FLEETPLANE_GC_MIN_AGE_SECONDS (a day), and never one
whose image another tag also names; the image agents run now is always kept. Needs an admin
token (it acts on what the whole fleet shares).
With KUBECONFIG set (an admin's: the control plane may not read Secrets), it also lists the
Secrets named <agent>.* of agents this store deleted, created before the deletion.
  --yes              delete the builds
  --delete-secrets   with --yes, delete those Secrets too

After deleting images, a registry frees their space only when it collects garbage; on
DigitalOcean: doctl registry garbage-collection start --include-untagged-manifests`,
    load: () => import('./verbs/gc.ts'),
  },
  templates: {
    summary: 'the six templates and their defaults',
    usage: 'fleetplane templates [-o json|yaml]',
    args: [],
    remote: true,
    options: {},
    help: `Lists the templates a config can name in "template", with their model and resources.`,
    load: () => import('./verbs/templates.ts'),
  },
  whoami: {
    summary: 'the scope of your token: its role and the agent names it reaches',
    usage: 'fleetplane whoami [-o json|yaml]',
    args: [],
    remote: true,
    options: {},
    help: `Prints the scope of the token in use, as the control plane reads it: admin (every
agent, and gc), deployer:GLOB (deploy, delete, roll back and read the agents the glob matches)
or viewer:GLOB (read them only). A request outside it is refused with a 403 naming the scope.`,
    load: () => import('./verbs/whoami.ts'),
  },
  health: {
    summary: 'whether the control plane, its store and its cluster answer',
    usage: 'fleetplane health [-o json|yaml]',
    args: [],
    remote: true,
    options: {},
    help: `Prints the control plane's version and each dependency's reachability and latency.
Exits 1 when the control plane answers but a dependency is down (HTTP 503).`,
    load: () => import('./verbs/health.ts'),
  },
  doctor: {
    summary: 'check an installation end to end: store, registry, cluster, DNS and TLS, functions',
    usage: 'fleetplane doctor [--only SECTIONS] [--env-file FILE] [--kubeconfig FILE] [-o json|yaml]',
    args: [],
    remote: false,
    options: {
      only: { type: 'string' },
      'env-file': { type: 'string' },
      kubeconfig: { type: 'string' },
    },
    help: `Checks what the functions need, with the settings they are deployed with (.env under
the environment, as doctl serverless deploy templates project.yml), and prints a line per
check: ok, warn or fail, what was checked, and for a failure what to change.

  settings   the settings parse as the functions parse them, and are not the examples'
  store      the bucket answers and exists, refuses conditional writes it must refuse
             (If-None-Match, If-Match), serves part and range reads as Kaniko needs
  registry   the docker config's credentials authenticate and may push; the image is there
  cluster    as the functions' ServiceAccount: reachable, allowed every verb the control plane
             uses; with an admin's kubeconfig: the admission policy, namespaces and their Pod
             Security, Secrets, the IngressClass or Gateway and its address, cert-manager and
             its issuer, and cert-manager started after the Gateway API CRDs
  dns        the agents' host resolves to the load balancer; its certificate is valid for it
  functions  every variable each function needs is set; the sweep's trigger exists; with
             FLEETPLANE_URL, the deployed control plane answers /health

Safe against production: it writes only scratch keys under probes/ in the bucket (removed
again), starts a registry upload and cancels it, and only reads the cluster.

  --only SECTIONS    some sections, comma separated (e.g. store,registry)
  --env-file FILE    the settings file (default .env)
  --kubeconfig FILE  an admin's kubeconfig for the cluster checks the functions' ServiceAccount
                     may not read (default KUBECONFIG, then ~/.kube/config)

Exits 0 when nothing failed (warnings allowed), 1 when a check failed.`,
    load: () => import('./verbs/doctor.ts'),
  },
  render: {
    summary: 'the Kubernetes objects of a config, with no server (like helm template)',
    usage:
      'fleetplane render <file.json> [-o yaml|json] [--image REF] [--namespace NS] [--domain HOST] [--routing ingress|gateway|none]',
    args: ['file.json'],
    remote: false,
    options: {
      format: { type: 'string' },
      image: { type: 'string' },
      namespace: { type: 'string' },
      domain: { type: 'string' },
      routing: { type: 'string' },
    },
    help: `Prints every object the control plane would apply for the config (one agent or a
batch): multi-document YAML by default, a JSON List with -o json (--format is the same).`,
    load: () => import('./verbs/render.ts'),
  },
  validate: {
    summary: 'check a config with no server; field errors one per line',
    usage: 'fleetplane validate <file.json> [-o json|yaml]',
    args: ['file.json'],
    remote: false,
    options: {},
    help: `Checks the config with the same rules as the API. Exit 1 with "path: message" lines
on stderr when it is invalid.`,
    load: () => import('./verbs/validate.ts'),
  },
  schema: {
    summary: "the config's JSON Schema, for editors",
    usage: 'fleetplane schema',
    args: [],
    remote: false,
    options: {},
    help: 'Prints the JSON Schema of agent.config.json (examples/agent.config.schema.json is a copy).',
    load: () => import('./verbs/schema.ts'),
  },
  kubeconfig: {
    summary: 'the kubeconfig the functions use, made with an admin KUBECONFIG',
    usage: 'fleetplane kubeconfig [--for control-plane|health] [--base64]',
    args: [],
    remote: false,
    options: { base64: { type: 'boolean' }, for: { type: 'string' } },
    help: `Reads a ServiceAccount's token with the admin access of KUBECONFIG (or ~/.kube/config;
manifests/10-control-plane-rbac.yaml must be applied) and prints a kubeconfig that holds that
token only: the control plane's (default), or with --for health the health function's, which
may read nothing of the fleet. --base64 prints it ready for FLEETPLANE_KUBECONFIG_DATA (or
FLEETPLANE_HEALTH_KUBECONFIG_DATA).`,
    load: () => import('./verbs/kubeconfig.ts'),
  },
  'admission-params': {
    summary: "the admission policy's per-installation values, from the functions' settings",
    usage: 'fleetplane admission-params [-o yaml|json]',
    args: [],
    remote: false,
    options: {},
    help: `Prints the ConfigMap fleetplane-admission (namespace fleetplane-system) that the control
plane's admission policy (manifests/12-control-plane-admission.yaml) reads: the namespaces,
the provider Secret, the runtime repository or pinned image, the builder, the bucket, the
agents' host and Gateway, all from the same variables the functions use. Apply it with
  set -a; . ./.env; set +a; npx fleetplane admission-params | kubectl apply -f -`,
    load: () => import('./verbs/admission-params.ts'),
  },
  'image-context': {
    summary: "the agent image's build context and its content-addressed tag",
    usage: 'fleetplane image-context [--out FILE]',
    args: [],
    remote: false,
    options: { out: { type: 'string' } },
    help: `Writes the build context of the agent runtime image (Dockerfile and the bundled
runtime) as a tar.gz, and prints its tag and the docker build/push line. The control plane
builds this image in the cluster by itself; this is for clusters that cannot build (set
FLEETPLANE_RUNTIME_IMAGE to the image you push, which turns building off).
  --out FILE     where to write it (default: a new temporary directory)`,
    load: () => import('./verbs/image-context.ts'),
  },
};

export const GLOBAL_OPTIONS = {
  url: { type: 'string' },
  token: { type: 'string' },
  output: { type: 'string', short: 'o' },
  debug: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
} as const satisfies ParseArgsOptionsConfig;

const GLOBAL_HELP = `Flags for every command:
  --url URL            the control plane (env FLEETPLANE_URL; default http://127.0.0.1:8080)
  --token TOKEN        its bearer token (env FLEETPLANE_TOKEN, which ps cannot show)
  -o, --output FORMAT  json or yaml instead of text, wherever data is printed
  --debug              stack traces and the failing request on errors
  -h, --help           this help, or a command's`;

function group(remote: boolean): string {
  return Object.entries(VERBS)
    .filter(([, verb]) => verb.remote === remote)
    .map(
      ([name, verb]) =>
        `  ${`${name} ${verb.args.map((a) => `<${a}>`).join(' ')}`.padEnd(22)} ${verb.summary}`,
    )
    .join('\n');
}

export function commandHelp(): string {
  return `fleetplane: deploy GenAI agents to Kubernetes from one JSON file, and watch them come up.

Usage: fleetplane <command> [arguments] [flags]

Commands that talk to the control plane:
${group(true)}

Commands that need no server:
${group(false)}

${GLOBAL_HELP}

Progress and errors go to stderr, data to stdout.

${EXIT_CODES_HELP}

Run 'fleetplane <command> --help' for a command's flags.
`;
}

export function verbHelp(verb: Verb): string {
  return `Usage: ${verb.usage}

${verb.summary[0]?.toUpperCase()}${verb.summary.slice(1)}.

${verb.help}

${GLOBAL_HELP}

${EXIT_CODES_HELP}
`;
}
