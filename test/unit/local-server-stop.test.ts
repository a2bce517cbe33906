/**
 * However the local server stops, no process of ours is left: not the server, not npm's
 * shell, not esbuild's service, not an agent. Each way is tried for real on `npm start` with
 * an agent of two replicas running, and counted from /proc: every process ever seen under
 * npm must be gone. SIGKILL of the server is the case the agents must handle themselves (their
 * IPC channel closes); killing npm, the case the server must notice (its parent changes).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeLlm, startFakeLlm } from '../support/fake-llm.ts';
import { commandOf, type LocalServer, running, startLocalServer } from '../support/local-server.ts';
import { waitFor } from '../support/wait.ts';

let llm: FakeLlm;
beforeAll(async () => {
  llm = await startFakeLlm();
});
afterAll(async () => {
  await llm.close();
});

const kindOf = (command: string) => {
  if (command.startsWith('sh -c npm start')) return 'launcher';
  if (command.includes('agent-runtime.mjs')) return 'agent';
  if (command.includes('esbuild')) return 'esbuild';
  if (command.includes('functions/src/local/main.ts')) return command.startsWith('sh') ? 'sh' : 'server';
  if (command.includes('npm')) return 'npm';
  return command;
};

interface Way {
  way: string;
  ownGroup?: boolean;
  stop: (server: LocalServer) => void;
}

const npmPid = (server: LocalServer) => {
  server.tree();
  const pid = server.everSeen().find((p) => running(p) && kindOf(commandOf(p)) === 'npm');
  if (!pid) throw new Error('npm is not running');
  return pid;
};

const ways: Way[] = [
  { way: 'SIGINT to the server', stop: (s) => process.kill(s.serverPid(), 'SIGINT') },
  { way: 'SIGTERM to the server', stop: (s) => process.kill(s.serverPid(), 'SIGTERM') },
  { way: 'SIGKILL of the server', stop: (s) => process.kill(s.serverPid(), 'SIGKILL') },
  { way: "SIGTERM to npm's pid (npm start & kill $!)", stop: (s) => s.root.kill('SIGTERM') },
  { way: "SIGKILL of npm's pid", stop: (s) => s.root.kill('SIGKILL') },

  {
    way: 'Ctrl-C (SIGINT to the whole process group)',
    ownGroup: true,
    stop: (s) => process.kill(-(s.root.pid as number), 'SIGINT'),
  },
];

describe('stopping npm start leaves no process of ours', () => {
  it.each(ways)(
    '$way',
    async ({ way, ownGroup, stop }) => {
      const server = await startLocalServer({
        viaNpm: true,
        ...(ownGroup ? { ownGroup } : {}),
        env: { OPENAI_BASE_URL: llm.baseURL, OPENAI_API_KEY: 'local-key' },
      });
      try {
        const deployed = await fetch(`${server.base}/deploy`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ name: 'stop-test', scaling: { replicas: 2 } }),
        });
        expect(deployed.status).toBe(201);
        await waitFor('Running', async () => {
          const status = await (await fetch(`${server.base}/deployments/stop-test`)).json();
          return status.phase === 'Running';
        });
        const before = server.tree();
        const kinds = before.map((pid) => kindOf(commandOf(pid)));
        expect([...kinds].sort()).toEqual(['agent', 'agent', 'esbuild', 'npm', 'server', 'sh']);
        expect(npmPid(server)).toBeGreaterThan(0);

        const started = performance.now();
        stop(server);
        const left = () => server.everSeen().filter(running);
        await waitFor('every process to exit', async () => left().length === 0, 20_000, 50).catch(
          (error: Error) => {
            throw new Error(`${error.message}; left: ${left().map((pid) => `${pid} ${commandOf(pid)}`)}`);
          },
        );
        const ms = Math.round(performance.now() - started);
        console.log(`${way}: ${before.length} processes (${kinds.join(', ')}) before, 0 after ${ms} ms`);
        expect(left()).toEqual([]);
      } finally {
        await server.kill();
      }
    },
    60_000,
  );

  it("keeps serving when only npm's parent ends (`npm start &` in a script that finishes)", async () => {
    const server = await startLocalServer({ viaNpm: true, launcher: true });
    try {
      const launcher = server.root.pid as number;
      expect(kindOf(commandOf(launcher))).toBe('launcher');
      server.root.kill('SIGKILL');
      // Four polls of the server's watch later, npm, its shell and the server still run.
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      expect((await fetch(`${server.base}/health`)).status).toBe(200);
      expect(running(npmPid(server))).toBe(true);
      expect(running(server.serverPid())).toBe(true);
    } finally {
      await server.kill();
    }
    expect(server.everSeen().filter(running)).toEqual([]);
  }, 60_000);
});
