/**
 * `npm run testenv -- <command>`: the test environment by hand.
 *   up      build what is missing, start everything detached, print `export` lines when ready
 *   down    stop every process and delete the data (logs stay in .cache/testenv/logs)
 *   status  each service: pid, running, healthy, log file
 *   env     print the `export` lines of the running environment
 *   build   build the binaries only (all parts, or the ones named)
 * Progress goes to stderr, so `eval "$(npm run -s testenv -- up)"` works.
 * Must never print anything but shell on stdout for `up` and `env`.
 */
import { dirname, join } from 'node:path';
import { ALL_PARTS, buildAll } from './build.ts';
import { down, status, up } from './environment.ts';
import type { TestEnv } from './types.ts';
import type { PartName } from './versions.ts';

function quote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

function exportLines(env: TestEnv): string {
  const vars: [string, string][] = [
    ['KUBECONFIG', env.kubeconfigPath],
    ['FLEETPLANE_NAMESPACE', env.namespace],
    ['FLEETPLANE_BUILD_NAMESPACE', env.buildNamespace],
    ['FLEETPLANE_S3_ENDPOINT', env.s3.endpoint],
    ['FLEETPLANE_S3_REGION', env.s3.region],
    ['FLEETPLANE_S3_BUCKET', env.s3.bucket],
    ['FLEETPLANE_STORE', `s3://${env.s3.bucket}`],
    ['AWS_ACCESS_KEY_ID', env.s3.accessKeyId],
    ['AWS_SECRET_ACCESS_KEY', env.s3.secretAccessKey],
    ['FLEETPLANE_REGISTRY', env.registry],
    ['FLEETPLANE_TEST_KUBECTL', env.kubectl],
    // The control plane's own kubeconfig (its ServiceAccount, under the admission policy).
    ['FLEETPLANE_TEST_CONTROL_PLANE_KUBECONFIG', env.controlPlaneKubeconfigPath],
  ];
  if (env.registryAuth) {
    vars.push(
      ['FLEETPLANE_TEST_REGISTRY_USERNAME', env.registryAuth.username],
      ['FLEETPLANE_TEST_REGISTRY_PASSWORD', env.registryAuth.password],
    );
  }
  // A directory to point DOCKER_CONFIG at (crane, docker) for the registry's credentials.
  if (env.registryDockerConfig && env.stateFile)
    vars.push(['FLEETPLANE_TEST_DOCKER_CONFIG', join(dirname(env.stateFile), 'docker-config')]);
  return `${vars.map(([k, v]) => `export ${k}=${quote(v)}`).join('\n')}\n`;
}

async function main(command: string | undefined, args: string[]): Promise<number> {
  switch (command) {
    case 'up': {
      const result = await up();
      process.stdout.write(exportLines(result.testEnv));
      process.stderr.write(
        result.reused
          ? '[testenv] already running; stop it with: npm run testenv -- down\n'
          : `[testenv] up (build ${result.seconds.build.toFixed(1)}s, start ${result.seconds.start.toFixed(1)}s); stop it with: npm run testenv -- down\n`,
      );
      return 0;
    }
    case 'down': {
      const { stopped } = await down();
      process.stderr.write(
        stopped.length ? `[testenv] stopped ${stopped.join(', ')}\n` : '[testenv] nothing was running\n',
      );
      return 0;
    }
    case 'status': {
      const { state, services } = await status();
      if (!state) {
        console.log('not running');
        return 1;
      }
      const mib = (bytes: number) => `${Math.round(bytes / 2 ** 20)} MiB`;
      for (const s of services) {
        const health = s.healthy ? 'healthy' : s.running ? 'UNHEALTHY' : 'STOPPED';
        console.log(
          `${s.name.padEnd(24)} pid ${String(s.pid ?? '-').padEnd(8)} ${health.padEnd(9)} ${mib(s.rssBytes).padStart(8)}  ${s.log}`,
        );
      }
      console.log(
        `${'total RSS'.padEnd(43)} ${mib(services.reduce((sum, s) => sum + s.rssBytes, 0)).padStart(8)}`,
      );
      return services.every((s) => s.healthy) && state.testEnv ? 0 : 1;
    }
    case 'env': {
      const { state } = await status();
      if (!state?.testEnv) {
        process.stderr.write('[testenv] not running: npm run testenv -- up\n');
        return 1;
      }
      process.stdout.write(exportLines(state.testEnv));
      return 0;
    }
    case 'build': {
      const unknown = args.filter((a) => !(ALL_PARTS as string[]).includes(a));
      if (unknown.length)
        throw new Error(`unknown parts ${unknown.join(', ')}; known: ${ALL_PARTS.join(', ')}`);
      const results = await buildAll(args.length ? (args as PartName[]) : ALL_PARTS);
      for (const r of results)
        console.error(
          `${r.part.padEnd(12)} ${r.version.padEnd(36)} ${r.cached ? 'cached' : `${r.seconds}s`}`,
        );
      return 0;
    }
    default:
      console.error('usage: npm run testenv -- <up|down|status|env|build [part...]>');
      return 2;
  }
}

main(process.argv[2], process.argv.slice(3)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exit(1);
  },
);
