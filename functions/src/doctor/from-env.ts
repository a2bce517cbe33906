/**
 * Doctor's edge: the real clients for every section, made from the settings the functions are
 * deployed with, and the secret values no result may show. The SDKs load lazily, section by
 * section; anything may be replaced (`overrides`) by a test or by a caller that has its own.
 */
import { readFile } from 'node:fs/promises';
import { credentialsFor } from '../builds/docker-config.ts';
import { RegistryClient } from '../builds/registry.ts';
import { parseImage } from '../core/image-ref.ts';
import { DOCKER_CONFIG_SETTING } from '../wiring/builds-from-env.ts';
import { type Env, envValue } from '../wiring/env.ts';
import { SECRET_ENV } from '../wiring/function-env.ts';
import type { CheckResult } from './check.ts';
import {
  type AdminClusterView,
  clusterChecks,
  entryAddresses,
  type FunctionsClusterView,
} from './cluster-checks.ts';
import { dnsChecks, type NetProbes } from './dns-checks.ts';
import type { SectionRun } from './doctor.ts';
import { type DeployedTrigger, functionsChecks } from './functions-checks.ts';
import { type RegistryProbeTarget, registryChecks } from './registry-checks.ts';
import { type DoctorSettings, settingsChecks } from './settings-checks.ts';
import { type StoreProbeTarget, storeChecks } from './store-checks.ts';

export interface DoctorWiring {
  /** The merged settings (.env under the environment), and the file read, if any. */
  env: Env;
  envFile: string | undefined;
  /** An admin kubeconfig's path (--kubeconfig, else KUBECONFIG, else ~/.kube/config). */
  adminKubeconfig?: string;
  /** Whether the user named it (then a file that cannot be read is an error, not a skipped check). */
  adminKubeconfigNamed?: boolean;
  overrides?: {
    store?: StoreProbeTarget;
    registry?: RegistryProbeTarget;
    functionsCluster?: FunctionsClusterView;
    admin?: AdminClusterView | null;
    net?: NetProbes;
    triggers?: () => Promise<DeployedTrigger[]>;
    buildTag?: () => Promise<string>;
  };
}

/** Every secret value the settings hold, decoded forms too, for the runner to scrub. */
export function secretsOf(env: Env): string[] {
  const values = [...SECRET_ENV, 'AWS_ACCESS_KEY_ID', 'FLEETPLANE_TOKEN'].flatMap(
    (name) => envValue(env, name) ?? [],
  );
  const kubeconfig = envValue(env, 'FLEETPLANE_KUBECONFIG_DATA');
  if (kubeconfig) {
    const text = Buffer.from(kubeconfig, 'base64').toString('utf8');
    values.push(
      ...[...text.matchAll(/(?:token|client-key-data|password):\s*"?([^\s"]+)/g)].map((m) => m[1] as string),
    );
  }
  const docker = envValue(env, DOCKER_CONFIG_SETTING);
  if (docker) {
    const json = docker.trim().startsWith('{') ? docker : Buffer.from(docker, 'base64').toString('utf8');
    values.push(
      json,
      ...[...json.matchAll(/"(?:auth|password|identitytoken)"\s*:\s*"([^"]+)"/g)].map((m) => m[1] as string),
    );
    for (const match of json.matchAll(/"auth"\s*:\s*"([^"]+)"/g))
      values.push(
        Buffer.from(match[1] as string, 'base64')
          .toString('utf8')
          .split(':')
          .slice(1)
          .join(':'),
      );
  }
  return values.filter((value) => value.length >= 4);
}

/** The admin kubeconfig's text, or undefined when the default one is not there. */
async function adminKubeconfigText(path: string | undefined, named: boolean): Promise<string | undefined> {
  if (!path) return undefined;
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if (named) throw new Error(`cannot read the kubeconfig ${path}: ${(error as Error).message}`);
    return undefined;
  }
}

export interface WiredDoctor {
  sections: Record<string, SectionRun>;
  secrets: string[];
}

export function wireDoctor(wiring: DoctorWiring): WiredDoctor {
  const { env, overrides = {} } = wiring;
  let parsed: { settings?: DoctorSettings; results: CheckResult[] } | undefined;
  const settingsOf = () => {
    parsed ??= settingsChecks(env, wiring.envFile);
    return parsed;
  };
  /** A section that needs valid settings says so, in one line, when they are not. */
  const needing =
    (section: string, run: (settings: DoctorSettings) => Promise<CheckResult[]>): SectionRun =>
    async () => {
      const { settings } = settingsOf();
      if (settings) return run(settings);
      return [
        {
          section: section as CheckResult['section'],
          id: `${section}.settings`,
          status: 'fail',
          summary: `not checked: the settings do not parse (see settings above)`,
          fix: 'correct the settings first',
        },
      ];
    };

  let admin: Promise<AdminClusterView | undefined> | undefined;
  const adminView = () => {
    admin ??= (async () => {
      if (overrides.admin !== undefined) return overrides.admin ?? undefined;
      const text = await adminKubeconfigText(wiring.adminKubeconfig, wiring.adminKubeconfigNamed ?? true);
      if (!text) return undefined;
      const { KubeViews } = await import('./kube-views.ts');
      return new KubeViews(text);
    })();
    return admin;
  };

  const sections: Record<string, SectionRun> = {
    settings: async () => settingsOf().results,
    store: needing('store', async (settings) => {
      if (overrides.store) return storeChecks(overrides.store);
      const { S3Blobs } = await import('../store/s3-blobs.ts');
      const accessKeyId = envValue(env, 'AWS_ACCESS_KEY_ID');
      const secretAccessKey = envValue(env, 'AWS_SECRET_ACCESS_KEY');
      return storeChecks(
        new S3Blobs({
          bucket: settings.store.bucket,
          prefix: settings.store.prefix,
          ...(settings.store.endpoint ? { endpoint: settings.store.endpoint } : {}),
          region: settings.store.region,
          ...(accessKeyId && secretAccessKey ? { credentials: { accessKeyId, secretAccessKey } } : {}),
        }),
      );
    }),
    registry: needing('registry', async (settings) => {
      const registry =
        overrides.registry ??
        new RegistryClient({
          credentials: (host) => credentialsFor(settings.dockerConfig, host),
          credentialSource: DOCKER_CONFIG_SETTING,
        });
      const pinned = settings.pinnedImage ? parseImage(settings.pinnedImage) : undefined;
      const buildTag =
        overrides.buildTag ??
        (async () => (await (await import('../builds/runtime-context.ts')).runtimeContext()).tag);
      return registryChecks({
        registry,
        host: settings.registryHost,
        repository: settings.repository,
        ...(pinned ? { pinnedReference: pinned.digest ?? pinned.tag ?? 'latest' } : { buildTag }),
      });
    }),
    cluster: needing('cluster', async (settings) => {
      const data = envValue(env, 'FLEETPLANE_KUBECONFIG_DATA');
      let functions = overrides.functionsCluster;
      if (!functions && data) {
        const { KubeViews } = await import('./kube-views.ts');
        functions = new KubeViews(Buffer.from(data, 'base64').toString('utf8'));
      }
      if (!functions)
        return [
          {
            section: 'cluster',
            id: 'cluster.reachable',
            status: 'fail',
            summary: 'FLEETPLANE_KUBECONFIG_DATA is unset: the functions have no cluster',
            fix: 'echo "FLEETPLANE_KUBECONFIG_DATA=$(npx fleetplane kubeconfig --base64)" >> .env (with your admin KUBECONFIG)',
          },
        ];
      const view = await adminView();
      return clusterChecks({ settings, functions, ...(view ? { admin: view } : {}) });
    }),
    dns: needing('dns', async (settings) => {
      const net = overrides.net ?? (await import('./net-probes.ts')).netProbes();
      const view = await adminView().catch(() => undefined);
      return dnsChecks({
        settings,
        net,
        ...(view ? { entryAddresses: () => entryAddresses(settings, view) } : {}),
      });
    }),
    functions: async () =>
      functionsChecks({
        env,
        triggers: overrides.triggers ?? (await import('./doctl-triggers.ts')).doctlTriggers(),
        health: async (url) => {
          const response = await fetch(`${url.replace(/\/+$/, '')}/health`, {
            signal: AbortSignal.timeout(15_000),
          });
          const text = await response.text();
          let body: unknown;
          try {
            body = JSON.parse(text);
          } catch {
            body = undefined;
          }
          return { status: response.status, body };
        },
      }),
  };
  return { sections, secrets: secretsOf(env) };
}
