/**
 * Doctor's runner, settings and functions sections, and its DNS/TLS section against a real TLS
 * server on loopback (a certificate from a CA of the test's own, standing in for a public one).
 * The scheduled triggers come from a stand-in for `doctl serverless triggers list`, since the
 * DigitalOcean API cannot run here.
 */
import { describe, expect, it } from 'vitest';
import { startTlsSite } from '../../../test/support/tls-site.ts';
import type { CheckResult } from './check.ts';
import { dnsChecks } from './dns-checks.ts';
import { runDoctor, scrub } from './doctor.ts';
import { secretsOf } from './from-env.ts';
import { functionsChecks } from './functions-checks.ts';
import { netProbes } from './net-probes.ts';
import { registryChecks } from './registry-checks.ts';
import { type DoctorSettings, settingsChecks } from './settings-checks.ts';

const verdicts = (results: CheckResult[]) => results.map((r) => `${r.id} ${r.status}`);

const SETTINGS = {
  FLEETPLANE_STORE: 's3://fleetplane-store/prod',
  FLEETPLANE_S3_ENDPOINT: 'https://nyc3.digitaloceanspaces.com',
  FLEETPLANE_S3_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'DO00EXAMPLEKEYID',
  AWS_SECRET_ACCESS_KEY: 'a-very-secret-spaces-key-value',
  FLEETPLANE_KUBECONFIG_DATA: Buffer.from('users:\n- user:\n    token: sa-token-abcdef123456\n').toString(
    'base64',
  ),
  FLEETPLANE_HEALTH_KUBECONFIG_DATA: Buffer.from(
    'users:\n- user:\n    token: health-token-123456\n',
  ).toString('base64'),
  FLEETPLANE_API_TOKEN_HASHES: 'ab'.repeat(32),
  FLEETPLANE_REGISTRY: 'registry.digitalocean.com/my-registry',
  FLEETPLANE_REGISTRY_DOCKER_CONFIG: Buffer.from(
    JSON.stringify({
      auths: {
        'registry.digitalocean.com': { auth: Buffer.from('me:registry-password-77').toString('base64') },
      },
    }),
  ).toString('base64'),
  FLEETPLANE_DOMAIN: 'agents.example.net',
};

describe('the runner', () => {
  it('runs the sections asked for, in order; a section that throws is one failure; exit ok only without failures', async () => {
    const order: string[] = [];
    const report = await runDoctor({
      sections: {
        functions: async () => {
          order.push('functions');
          return [{ section: 'functions', id: 'functions.x', status: 'warn', summary: 'w' }];
        },
        store: async () => {
          order.push('store');
          throw new Error('boom\nstack line');
        },
        settings: async () => {
          order.push('settings');
          return [{ section: 'settings', id: 'settings.x', status: 'ok', summary: 'fine' }];
        },
      },
    });
    expect(order).toEqual(['settings', 'store', 'functions']);
    expect(report.counts).toEqual({ ok: 1, warn: 1, fail: 1 });
    expect(report.ok).toBe(false);
    expect(report.checks[1]).toMatchObject({
      id: 'store.run',
      status: 'fail',
      summary: 'the store checks could not finish: boom',
    });
    const only = await runDoctor({
      sections: {
        settings: async () => [],
        store: async () => [{ section: 'store', id: 's', status: 'ok', summary: '' }],
      },
      only: ['store'],
    });
    expect(only).toMatchObject({ ok: true, counts: { ok: 1, warn: 0, fail: 0 } });
  });

  it('ends a section that hangs, as a failure', async () => {
    const report = await runDoctor({ sections: { dns: () => new Promise(() => {}) }, timeoutMs: 50 });
    expect(report.checks).toEqual([
      expect.objectContaining({
        id: 'dns.run',
        status: 'fail',
        summary: 'the dns checks could not finish: no answer within 50 ms',
      }),
    ]);
  });

  it('never shows a secret of the settings, decoded or not', async () => {
    const secrets = secretsOf(SETTINGS);
    for (const value of [
      'a-very-secret-spaces-key-value',
      'sa-token-abcdef123456',
      'registry-password-77',
      'DO00EXAMPLEKEYID',
    ])
      expect(secrets).toContain(value);
    const report = await runDoctor({
      secrets,
      sections: {
        store: async () => [
          {
            section: 'store',
            id: 'store.leak',
            status: 'fail',
            summary: `refused key DO00EXAMPLEKEYID with a-very-secret-spaces-key-value`,
            fix: 'token sa-token-abcdef123456 and me:registry-password-77',
          },
        ],
      },
    });
    const printed = JSON.stringify(report);
    for (const value of secrets) expect(printed).not.toContain(value);
    expect(report.checks[0]?.summary).toBe('refused key [redacted] with [redacted]');
    expect(scrub('abc', ['abc'])).toBe('abc');
  });
});

describe('the settings section', () => {
  it('is ok for complete settings, and hands the parsed settings on', () => {
    const { settings, results } = settingsChecks(SETTINGS, '/repo/.env');
    expect(verdicts(results)).toEqual([
      'settings.file ok',
      'settings.valid ok',
      'settings.domain ok',
      'settings.registry ok',
    ]);
    expect(settings).toMatchObject({
      store: { bucket: 'fleetplane-store', prefix: 'prod', endpoint: 'https://nyc3.digitaloceanspaces.com' },
      builds: true,
      registryHost: 'registry.digitalocean.com',
      repository: 'my-registry/agent-runtime',
      sweepTrigger: true,
    });
  });

  it("warns about the examples' placeholders and fails what the functions would refuse", () => {
    const placeholders = settingsChecks(
      { ...SETTINGS, FLEETPLANE_DOMAIN: '', FLEETPLANE_REGISTRY: '' },
      undefined,
    );
    expect(verdicts(placeholders.results)).toEqual([
      'settings.file warn',
      'settings.valid ok',
      'settings.domain warn',
      'settings.registry warn',
    ]);
    const noCredentials = settingsChecks({ ...SETTINGS, FLEETPLANE_REGISTRY_DOCKER_CONFIG: '' }, '.env');
    expect(noCredentials.results.at(-1)).toMatchObject({
      id: 'settings.registry',
      status: 'fail',
      summary:
        'FLEETPLANE_REGISTRY_DOCKER_CONFIG has no credentials for registry.digitalocean.com: the control plane cannot see which images exist, so every deploy would build again',
    });
    expect(
      settingsChecks({ ...SETTINGS, FLEETPLANE_STORE: 'file://.fleetplane' }, '.env').results.at(-1),
    ).toMatchObject({
      id: 'settings.store',
      status: 'fail',
    });
    const bad = settingsChecks({ ...SETTINGS, FLEETPLANE_ROUTING: 'traefik' }, '.env');
    expect(bad.settings).toBeUndefined();
    expect(bad.results.at(-1)?.summary).toBe(
      'the settings do not parse: FLEETPLANE_ROUTING must be one of ingress, gateway, none (got "traefik")',
    );
  });
});

describe('the functions section', () => {
  const sweep = {
    name: 'sweep-every-minute',
    function: 'fleetplane/sweep',
    enabled: true,
    cron: '* * * * *',
  };
  const run = (env: Record<string, string>, triggers: () => Promise<(typeof sweep)[]>) =>
    functionsChecks({
      env,
      triggers,
      health: async () => ({ status: 200, body: { checks: { store: { ok: true } } } }),
    });

  it('is ok with every required variable set and the trigger deployed (a stand-in for doctl)', async () => {
    const results = await run(
      { ...SETTINGS, FLEETPLANE_URL: 'https://faas.example/fleetplane' },
      async () => [sweep],
    );
    expect(verdicts(results)).toEqual(['functions.env ok', 'functions.trigger ok', 'functions.health ok']);
    expect(results[1]?.summary).toBe('the trigger sweep-every-minute runs fleetplane/sweep (* * * * *)');
  });

  it('names each missing variable with the functions that need it, and a value project.yml cannot carry', async () => {
    const { FLEETPLANE_API_TOKEN_HASHES: _, ...rest } = SETTINGS;
    const [env] = await run({ ...rest, FLEETPLANE_REGISTRY_DOCKER_CONFIG: '{"auths":{}}' }, async () => [
      sweep,
    ]);
    expect(env).toMatchObject({ status: 'fail' });
    expect(env?.summary).toBe(
      'FLEETPLANE_API_TOKEN_HASHES is unset (deploy, deployments, templates, gc, whoami need it); FLEETPLANE_REGISTRY_DOCKER_CONFIG holds a double quote (give JSON as base64)',
    );
  });

  it('says how to sweep without the trigger: switched off, missing, disabled, or not listable', async () => {
    const off = await run({ ...SETTINGS, FLEETPLANE_SWEEP_TRIGGER: 'off' }, async () => []);
    expect(off[1]).toMatchObject({
      status: 'warn',
      summary: 'FLEETPLANE_SWEEP_TRIGGER=off: nothing runs the sweep on a schedule',
    });
    expect(off[1]?.fix).toMatch(/doctl serverless functions invoke fleetplane\/sweep/);
    expect((await run(SETTINGS, async () => []))[1]).toMatchObject({ status: 'fail' });
    expect((await run(SETTINGS, async () => [{ ...sweep, enabled: false }]))[1]?.fix).toBe(
      'doctl serverless triggers enable sweep-every-minute',
    );
    const unlisted = await run(SETTINGS, async () => {
      throw new Error('doctl is not installed here');
    });
    expect(unlisted[1]).toMatchObject({
      status: 'warn',
      summary: 'the deployed triggers could not be listed (doctl is not installed here)',
    });
  });
});

describe('the DNS and TLS section (a real TLS server on loopback)', () => {
  const settingsFor = (publicUrl: string) =>
    settingsChecks({ ...SETTINGS, FLEETPLANE_ROUTING: 'gateway', FLEETPLANE_PUBLIC_URL: publicUrl }, '.env')
      .settings as DoctorSettings;

  it('is ok when the host resolves to the load balancer and its certificate is valid for it', async () => {
    const site = await startTlsSite({ names: ['localhost'], days: 60 });
    try {
      const results = await dnsChecks({
        settings: settingsFor(`https://localhost:${site.port}`),
        net: netProbes({ ca: site.caPem }),
        entryAddresses: async () => ['127.0.0.1'],
      });
      expect(verdicts(results)).toEqual(['dns.resolves ok', 'dns.tls ok']);
      expect(results[1]?.summary).toMatch(
        new RegExp(
          `^the certificate at localhost:${site.port} is valid for localhost until \\d{4}-\\d\\d-\\d\\d \\(fleetplane test CA\\)$`,
        ),
      );
    } finally {
      await site.stop();
    }
  });

  it('fails a host that resolves elsewhere, and a certificate for another name or about to expire', async () => {
    const other = await startTlsSite({ names: ['agents.elsewhere.test'], days: 60 });
    const soon = await startTlsSite({ names: ['localhost'], days: 3 });
    try {
      const elsewhere = await dnsChecks({
        settings: settingsFor(`https://localhost:${other.port}`),
        net: netProbes({ ca: other.caPem }),
        entryAddresses: async () => ['203.0.113.7'],
      });
      expect(elsewhere).toEqual([
        expect.objectContaining({
          id: 'dns.resolves',
          status: 'fail',
          summary: expect.stringMatching(
            /^localhost resolves to .*127\.0\.0\.1.*, but the load balancer is at 203\.0\.113\.7$/,
          ),
        }),
      ]);
      const wrongName = await dnsChecks({
        settings: settingsFor(`https://localhost:${other.port}`),
        net: netProbes({ ca: other.caPem }),
        entryAddresses: async () => ['127.0.0.1'],
      });
      expect(wrongName[1]).toMatchObject({ id: 'dns.tls', status: 'fail' });
      expect(wrongName[1]?.summary).toMatch(/is not valid for localhost: ERR_TLS_CERT_ALTNAME_INVALID/);
      const expiring = await dnsChecks({
        settings: settingsFor(`https://localhost:${soon.port}`),
        net: netProbes({ ca: soon.caPem }),
        entryAddresses: async () => ['127.0.0.1'],
      });
      expect(expiring[1]).toMatchObject({ id: 'dns.tls', status: 'warn' });
      expect(expiring[1]?.summary).toMatch(/^the certificate for localhost expires in [23] day\(s\)/);
      const untrusted = await dnsChecks({
        settings: settingsFor(`https://localhost:${soon.port}`),
        net: netProbes(),
        entryAddresses: async () => ['127.0.0.1'],
      });
      expect(untrusted[1]?.summary).toMatch(
        /\(from fleetplane test CA\) is not valid for localhost: UNABLE_TO_VERIFY_LEAF_SIGNATURE$/,
      );
    } finally {
      await other.stop();
      await soon.stop();
    }
  });
});

describe('the registry section, where the integration test cannot go', () => {
  // A stand-in for a registry that holds nothing (the real ones are in test/integration/doctor.test.ts).
  const empty = {
    tags: async () => [],
    manifestDigest: async () => undefined,
    probePush: async () => ({ cancelled: true }),
  };

  it("does not stop when this release's tag cannot be computed (the packed command has no runtime source)", async () => {
    const results = await registryChecks({
      registry: empty,
      host: 'registry.digitalocean.com',
      repository: 'my-registry/agent-runtime',
      buildTag: async () => {
        throw new Error('image-context bundles the agent runtime from source');
      },
    });
    expect(verdicts(results)).toEqual(['registry.auth ok', 'registry.push ok', 'registry.image warn']);
    expect(results[2]?.summary).toBe(
      'registry.digitalocean.com/my-registry/agent-runtime holds no image yet',
    );
  });

  it('fails a pinned image that is not there, and does not probe push for it', async () => {
    let pushed = false;
    const results = await registryChecks({
      registry: {
        ...empty,
        probePush: async () => {
          pushed = true;
          return { cancelled: true };
        },
      },
      host: 'registry.example',
      repository: 'team/agent-runtime',
      pinnedReference: 'v1',
    });
    expect(pushed).toBe(false);
    expect(verdicts(results)).toEqual(['registry.auth ok', 'registry.image fail']);
  });
});
