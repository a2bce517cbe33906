/**
 * Vitest global setup of the integration project: starts the environment once per run (building
 * binaries on a fresh machine), provides it to tests as `testenv`, and stops it afterwards.
 * Parts named by FLEETPLANE_TEST_* variables are used as they are instead of being started.
 * An environment already started with `npm run testenv -- up` is reused and left running.
 * Must never stop an environment it did not start.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { bootstrapNamespaces, ensureBucket } from './bootstrap.ts';
import { buildAll, TOOL_PARTS } from './build.ts';
import { installControlPlaneIdentity } from './control-plane-identity.ts';
import { down, up } from './environment.ts';
import { readExternalInfra } from './external.ts';
import { dockerConfigJson } from './registry-auth.ts';
import { stateDir } from './state.ts';
import type { TestEnv } from './types.ts';
import { artefacts } from './versions.ts';
import './inject.ts';

function startReaper(): ChildProcess {
  const script = fileURLToPath(new URL('./reaper.ts', import.meta.url));
  const child = spawn(process.execPath, [script, String(process.pid), stateDir()], {
    detached: true,
    stdio: 'ignore',
  });
  child.unref();
  return child;
}

const log = (message: string) => process.stderr.write(`[testenv] ${message}\n`);

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const external = readExternalInfra();
  const wanted = { kubernetes: !external.kubeconfigPath, s3: !external.s3, registry: !external.registry };
  const startsSomething = wanted.kubernetes || wanted.s3 || wanted.registry;
  const started = startsSomething ? await up(wanted) : null;
  if (!startsSomething) await buildAll(TOOL_PARTS); // crane, kubectl, the token registry's binary
  if (started && !started.reused) {
    log(
      `environment up: build ${started.seconds.build.toFixed(1)}s, start ${started.seconds.start.toFixed(1)}s`,
    );
  }
  // Vitest exits on Ctrl-C without running teardowns; the reaper stops the environment then.
  const reaper = started && !started.reused ? startReaper() : null;
  try {
    const local = started?.testEnv;
    if (external.kubeconfigPath) {
      await bootstrapNamespaces(external.kubeconfigPath, {
        agents: external.namespace,
        builds: external.buildNamespace,
      });
    }
    if (external.s3) await ensureBucket(external.s3);
    const registry = external.registry ?? (local?.registry as string);
    const s3 = external.s3 ?? (local?.s3 as TestEnv['s3']);
    // An external cluster gets the control plane's identity and policy here; a local one got them at `up`.
    const identities = external.kubeconfigPath
      ? await mkdir(stateDir(), { recursive: true }).then(() =>
          installControlPlaneIdentity(
            external.kubeconfigPath as string,
            { namespace: external.namespace, buildNamespace: external.buildNamespace, registry, s3 },
            stateDir(),
          ),
        )
      : {
          controlPlaneKubeconfigPath: local?.controlPlaneKubeconfigPath as string,
          healthKubeconfigPath: local?.healthKubeconfigPath as string,
        };
    const testEnv: TestEnv = {
      kubeconfigPath: external.kubeconfigPath ?? (local?.kubeconfigPath as string),
      ...identities,
      namespace: external.kubeconfigPath ? external.namespace : (local?.namespace as string),
      buildNamespace: external.kubeconfigPath ? external.buildNamespace : (local?.buildNamespace as string),
      s3,
      registry,
      registryAuth: external.registry ? external.registryAuth : (local?.registryAuth ?? null),
      registryDockerConfig: external.registry
        ? external.registryAuth && dockerConfigJson(external.registry, external.registryAuth)
        : (local?.registryDockerConfig ?? null),
      kubectl: artefacts().kubectl,
      external: !wanted.kubernetes || !wanted.s3 || !wanted.registry,
      local: wanted,
      stateFile: local?.stateFile ?? null,
      kubernetesVersion: external.kubeconfigPath ? null : (local?.kubernetesVersion ?? null),
    };
    project.provide('testenv', testEnv);
  } catch (error) {
    if (started && !started.reused) await down();
    reaper?.kill();
    throw error;
  }
  return async () => {
    reaper?.kill();
    if (started && !started.reused) {
      const t0 = Date.now();
      await down();
      log(`environment down in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
    }
  };
}
