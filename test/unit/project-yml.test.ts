/**
 * project.yml gives each DigitalOcean Function exactly the variables functions/src/wiring/
 * function-env.ts lists for it (the list `fleetplane doctor` checks and `npm run build` writes
 * from): the public `health` and `templates` get no more than they need, and every function that
 * renders agents gets every platform setting the code reads (recorded by reading them through a
 * proxy). Its triggers have the shape DigitalOcean's deployer documents today (`type: SCHEDULED`,
 * `enabled`, `scheduledDetails: {cron, body}`), not the legacy one it converts and will drop.
 * The project `npm run build` writes from it leaves out what is unset, and the trigger on request.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { z } from 'zod';
import { deployableProject, templatingProblem } from '../../functions/src/wiring/do-project.ts';
import {
  CLUSTER_ENV,
  FUNCTION_ENV,
  FUNCTIONS,
  type FunctionName,
  PLATFORM_ENV,
  REQUIRED_ENV,
  SECRET_ENV,
  SETTINGS_READ,
  STORE_ENV,
  sourceOf,
} from '../../functions/src/wiring/function-env.ts';
import { platformSettingsFromEnv } from '../../functions/src/wiring/settings.ts';

interface Project {
  environment?: unknown;
  packages: {
    name: string;
    environment?: unknown;
    functions: { name: string; web?: unknown; environment?: Record<string, string>; triggers?: unknown }[];
  }[];
}

/** A five-field crontab line (minute hour day-of-month month day-of-week), no aliases or seconds. */
const CRON_FIELD = /^(\*|\d+(-\d+)?)(\/\d+)?(,(\*|\d+(-\d+)?)(\/\d+)?)*$/;

/**
 * A trigger as DigitalOcean's functions deployer validates it (the keys name, enabled, type,
 * scheduledDetails; type SCHEDULED; scheduledDetails holding cron and an optional body object),
 * and as the API's create-trigger call takes it. `sourceType`/`sourceDetails` are the legacy
 * shape the deployer only converts, marked for removal: refused here.
 */
const triggerShape = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]*$/),
  enabled: z.boolean().optional(),
  type: z.literal('SCHEDULED'),
  scheduledDetails: z.strictObject({
    cron: z.string().refine((cron) => {
      const fields = cron.trim().split(/\s+/);
      return fields.length === 5 && fields.every((field) => CRON_FIELD.test(field));
    }, 'must be a five-field crontab expression'),
    body: z.record(z.string(), z.unknown()).optional(),
  }),
});
const lintTriggers = (triggers: unknown) => z.array(triggerShape).safeParse(triggers);

const root = new URL('../../', import.meta.url);
const project = parse(readFileSync(new URL('project.yml', root), 'utf8')) as Project;
const functions = Object.fromEntries(
  (project.packages[0]?.functions ?? []).map((fn) => [fn.name, Object.keys(fn.environment ?? {}).sort()]),
);
/** The .env variable each function's variable is templated from (`"${NAME}"`). */
const templates = Object.fromEntries(
  (project.packages[0]?.functions ?? []).map((fn) => [
    fn.name,
    Object.fromEntries(
      Object.entries(fn.environment ?? {}).map(([name, value]) => [name, /^\$\{(\w+)\}$/.exec(value)?.[1]]),
    ),
  ]),
);

const STORE = [...STORE_ENV];
const CLUSTER = [...CLUSTER_ENV];
const CREDENTIALS = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'FLEETPLANE_KUBECONFIG_DATA'];

/** Every variable platformSettingsFromEnv reads. */
function platformSettingNames(): string[] {
  const read = new Set<string>();
  platformSettingsFromEnv(
    new Proxy({} as Record<string, string | undefined>, {
      get: (_, name) => {
        read.add(String(name));
        return undefined;
      },
    }),
  );
  return [...read];
}

describe('project.yml', () => {
  it('sets no environment for the whole project or package: each function lists its own', () => {
    expect(project.environment).toBeUndefined();
    expect(project.packages.map((pkg) => pkg.environment)).toEqual([undefined]);
    expect(Object.keys(functions).sort()).toEqual([...FUNCTIONS].sort());
    // gc reads and deletes what deploy builds: it has what deploy has.
    expect(functions.gc).toEqual(functions.deploy);
  });

  it('lists for each function exactly the variables function-env.ts names, each templated from its .env source', () => {
    for (const name of FUNCTIONS)
      expect({ name, variables: functions[name] }).toEqual({
        name,
        variables: [...FUNCTION_ENV[name]].sort(),
      });
    for (const fn of project.packages[0]?.functions ?? [])
      for (const [name, value] of Object.entries(fn.environment ?? {}))
        expect(value).toBe(`\${${sourceOf(fn.name as FunctionName, name)}}`);
    const listed = new Set(SETTINGS_READ);
    for (const name of [...REQUIRED_ENV, ...SECRET_ENV]) expect(listed).toContain(name);
  });

  it('gives templates and whoami the token hashes alone, the console its origin and the public address of agents alone, and health the store and the cluster without the token hashes', () => {
    expect(functions.templates).toEqual(['FLEETPLANE_API_TOKEN_HASHES', 'FLEETPLANE_LOG_LEVEL']);
    expect(functions.whoami).toEqual(functions.templates);
    expect(functions.console).toEqual([
      'FLEETPLANE_CONSOLE_ORIGIN',
      'FLEETPLANE_DOMAIN',
      'FLEETPLANE_LOG_LEVEL',
      'FLEETPLANE_PUBLIC_URL',
    ]);
    expect(functions.health).toEqual([...STORE, ...CLUSTER, 'FLEETPLANE_LOG_LEVEL'].sort());
  });

  it("gives health the kubeconfig of its own identity, never the control plane's, and every other variable its own name", () => {
    expect(templates.health?.FLEETPLANE_KUBECONFIG_DATA).toBe('FLEETPLANE_HEALTH_KUBECONFIG_DATA');
    for (const [fn, variables] of Object.entries(templates))
      for (const [name, template] of Object.entries(variables))
        if (!(fn === 'health' && name === 'FLEETPLANE_KUBECONFIG_DATA'))
          expect({ fn, name, template }).toEqual({ fn, name, template: name });
  });

  it('gives credentials only to the functions that reach the store and the cluster', () => {
    for (const [name, variables] of Object.entries(functions))
      expect({ name, credentials: variables?.filter((v) => CREDENTIALS.includes(v)) }).toEqual({
        name,
        credentials: ['templates', 'whoami', 'console'].includes(name) ? [] : [...CREDENTIALS].sort(),
      });
  });

  it('gives deploy, deployments and sweep every platform setting the code reads', () => {
    const settings = platformSettingNames();
    expect(settings).toContain('FLEETPLANE_MAX_CPU_REQUEST');
    expect(settings.filter((name) => !(PLATFORM_ENV as readonly string[]).includes(name))).toEqual([]);
    for (const name of ['deploy', 'deployments', 'sweep'])
      expect({ name, missing: settings.filter((v) => !functions[name]?.includes(v)) }).toEqual({
        name,
        missing: [],
      });
  });

  it('templates only variables that .env.example documents', () => {
    const documented = readFileSync(new URL('.env.example', root), 'utf8');
    const used = new Set(Object.values(templates).flatMap((variables) => Object.values(variables)));
    expect(used.has(undefined)).toBe(false);
    expect([...used].filter((name) => !new RegExp(`^#?\\s*${name}=`, 'm').test(documented))).toEqual([]);
  });

  it('gives the sweep a trigger in the current shape, every minute, enabled, and no other function one', () => {
    const fns = project.packages[0]?.functions ?? [];
    const sweep = fns.find((fn) => fn.name === 'sweep');
    expect(sweep?.web).toBe(false);
    const lint = lintTriggers(sweep?.triggers);
    expect(lint.error?.issues ?? []).toEqual([]);
    expect(lint.data).toEqual([
      {
        name: 'sweep-every-minute',
        type: 'SCHEDULED',
        enabled: true,
        scheduledDetails: { cron: '* * * * *', body: {} },
      },
    ]);
    expect(fns.filter((fn) => fn.triggers !== undefined).map((fn) => fn.name)).toEqual(['sweep']);
  });

  it('the trigger lint refuses the legacy shape and malformed ones', () => {
    const legacy = [{ name: 'sweep', sourceType: 'scheduler', sourceDetails: { cron: '* * * * *' } }];
    expect(lintTriggers(legacy).success).toBe(false);
    const bad = (patch: object) => [
      { name: 'sweep', type: 'SCHEDULED', scheduledDetails: { cron: '* * * * *' }, ...patch },
    ];
    expect(lintTriggers(bad({})).success).toBe(true);
    expect(lintTriggers(bad({ type: 'scheduler' })).success).toBe(false);
    expect(lintTriggers(bad({ scheduledDetails: { cron: '* * * *' } })).success).toBe(false);
    expect(lintTriggers(bad({ scheduledDetails: { cron: '@hourly' } })).success).toBe(false);
    expect(lintTriggers(bad({ scheduledDetails: { cron: '*/5 * * * 1-5', body: 'x' } })).success).toBe(false);
    expect(lintTriggers(bad({ enabled: 'yes' })).success).toBe(false);
  });

  it('.env.example names the runtime image only as `fleetplane image-context` makes it', () => {
    const example = readFileSync(new URL('.env.example', root), 'utf8');
    // image-context tags the image with the first 12 hex digits of the build context's hash.
    const imageContext = /\/agent-runtime:[0-9a-f]{12}$/;
    const values = [...example.matchAll(/^#?\s*FLEETPLANE_RUNTIME_IMAGE=(.*)$/gm)].map((match) =>
      match[1]?.trim(),
    );
    expect(values.length).toBeGreaterThan(0);
    for (const value of values) if (value) expect(value).toMatch(imageContext);
    expect(example).toMatch(/fleetplane image-context/);
  });
});

describe('the project `npm run build` writes (dist/digitalocean/project.yml)', () => {
  const template = readFileSync(new URL('project.yml', root), 'utf8');
  const required = Object.fromEntries(REQUIRED_ENV.map((name) => [name, `value-of-${name}`]));
  const built = (env: Record<string, string | undefined>) =>
    parse(deployableProject(template, env).text) as Project;
  const envOf = (written: Project, fn: string) =>
    written.packages[0]?.functions.find((f) => f.name === fn)?.environment ?? {};

  it('keeps every set variable as its template and leaves out the unset and the empty ones', () => {
    const env = { ...required, FLEETPLANE_DOMAIN: 'agents.example.com', FLEETPLANE_INGRESS_CLASS: '' };
    const result = deployableProject(template, env);
    const written = parse(result.text) as Project;
    expect(envOf(written, 'console')).toEqual({ FLEETPLANE_DOMAIN: `\${FLEETPLANE_DOMAIN}` });
    expect(Object.keys(envOf(written, 'health')).sort()).toEqual(
      ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'FLEETPLANE_KUBECONFIG_DATA', 'FLEETPLANE_STORE'].sort(),
    );
    expect(result.leftOut).toContain('FLEETPLANE_INGRESS_CLASS');
    expect(result.leftOut).not.toContain('FLEETPLANE_DOMAIN');
    // Nothing but templates: the deployer fills the values in, no secret lands in the file.
    expect(result.text).not.toContain('value-of-');
    // What remains is what DigitalOcean's deployer can resolve: every ${VAR} is set.
    for (const variable of result.text.matchAll(/\$\{([A-Z0-9_]+)\}/g))
      expect({ variable: variable[1], set: Boolean(env[variable[1] as keyof typeof env]) }).toEqual({
        variable: variable[1],
        set: true,
      });
  });

  it('keeps the sweep trigger unless FLEETPLANE_SWEEP_TRIGGER=off, and refuses another value', () => {
    const sweep = (written: Project) => written.packages[0]?.functions.find((f) => f.name === 'sweep');
    expect(lintTriggers(sweep(built(required))?.triggers).success).toBe(true);
    expect(sweep(built({ ...required, FLEETPLANE_SWEEP_TRIGGER: 'on' }))?.triggers).toHaveLength(1);
    const off = deployableProject(template, { ...required, FLEETPLANE_SWEEP_TRIGGER: 'off' });
    expect(off.trigger).toBe(false);
    expect((parse(off.text) as Project).packages[0]?.functions.every((f) => f.triggers === undefined)).toBe(
      true,
    );
    expect(() => deployableProject(template, { ...required, FLEETPLANE_SWEEP_TRIGGER: 'no' })).toThrow(
      'FLEETPLANE_SWEEP_TRIGGER must be "on" or "off" (got "no")',
    );
  });

  it('refuses a value the deployer would paste into a quoted string and break', () => {
    expect(templatingProblem('{"auths":{}}')).toMatch(/double quote/);
    expect(templatingProblem('a\\b')).toMatch(/backslash/);
    expect(templatingProblem('eyJhdXRocyI6e319')).toBeUndefined();
    expect(() =>
      deployableProject(template, { ...required, FLEETPLANE_REGISTRY_DOCKER_CONFIG: '{"auths":{}}' }),
    ).toThrow('FLEETPLANE_REGISTRY_DOCKER_CONFIG holds a double quote (give JSON as base64)');
  });

  it('says how to deploy it, and keeps the runtime, web and limits of each function', () => {
    const written = built(required);
    expect(written.packages[0]?.functions.map((f) => f.name)).toEqual(
      project.packages[0]?.functions.map((f) => f.name),
    );
    for (const fn of written.packages[0]?.functions ?? []) {
      const source = project.packages[0]?.functions.find((f) => f.name === fn.name) as Record<
        string,
        unknown
      >;
      const { environment: _a, triggers: _b, ...rest } = fn as unknown as Record<string, unknown>;
      const { environment: _c, triggers: _d, ...expected } = source;
      expect(rest).toEqual(expected);
    }
    expect(deployableProject(template, required).text).toMatch(
      /doctl serverless deploy dist\/digitalocean --env \.env/,
    );
  });
});
