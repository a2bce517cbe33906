/**
 * Deploy fan-out: 100 new agents through POST /deploy (two batches of 50, sent together, as two
 * function invocations would run them), timed until both calls answer, which is after every
 * object is applied; against `kubectl apply --server-side` of the same rendered manifests (one
 * multi-document file, same namespace). The same 100 agents as pooled agents (one ConfigMap each,
 * the pool already in place) are measured in the same rounds against the same kubectl. Runs
 * rotate which goes first; the namespace is emptied (objects and pods) between runs, and each
 * fleetplane run gets a fresh store prefix.
 * Must never leave an object or a store prefix behind (nor the pool it made).
 */
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { renderAgent } from '../../../functions/src/core/agent-objects/render.ts';
import { agentPolicyOf } from '../../../functions/src/core/agent-policy.ts';
import { checkDeployBody } from '../../../functions/src/core/deploy-request.ts';
import { hashOf } from '../../../functions/src/core/hash.ts';
import { runtimeImage } from '../../../functions/src/wiring/providers.ts';
import { platformSettingsFromEnv } from '../../../functions/src/wiring/settings.ts';
import { REPO_ROOT } from '../../env/state.ts';
import { applyManifestFile } from '../../support/apply-manifests.ts';
import { countRequests, total } from '../../support/control-plane-requests.ts';
import { inProcessPlane, planeEnv, removeStore } from '../../support/fleet-plane.ts';
import { removeFleetObjects, removePoolObjects } from '../lib/cluster-cleanup.ts';
import { agentName, deployInBatches, POOLED_AGENT, SMALL_AGENT } from '../lib/large-fleet.ts';
import type { BenchContext, Section } from '../lib/section.ts';
import { median, timed } from '../lib/stats.ts';

const AGENTS = 100;
const FIELD_MANAGER = 'fleetplane-bench-kubectl';

/** Server-side applies among the counted writes (the deployment controller's UPDATEs are not ours). */
const applies = (writes: Record<string, number>) =>
  Object.entries(writes).reduce((sum, [key, n]) => sum + (key.startsWith('APPLY ') ? n : 0), 0);

/** The manifests the control plane would apply for `names`, as one multi-document YAML file. */
async function renderedManifests(ctx: BenchContext, names: string[], fleet: string) {
  const env = planeEnv(ctx.env);
  const platform = platformSettingsFromEnv(env);
  // Checked one by one as the deploy route checks each agent of a batch (a batch holds at most 50).
  const objects = names.flatMap((name) => {
    const checked = checkDeployBody(
      { name, ...SMALL_AGENT },
      { localAgents: false, policy: agentPolicyOf(platform) },
    );
    const agent = checked.ok ? checked.agents[0] : undefined;
    if (!agent?.ok) throw new Error(`bench config of ${name} is invalid: ${JSON.stringify(checked)}`);
    return renderAgent({
      spec: agent.spec,
      image: runtimeImage(env, platform),
      platform,
      generation: 1,
      specHash: hashOf(agent.spec),
      fleet,
      incarnation: randomBytes(6).toString('hex'),
    });
  });
  const dir = join(REPO_ROOT, '.cache', 'bench');
  await mkdir(dir, { recursive: true });
  const file = join(dir, 'fan-out-manifests.yaml');
  await writeFile(file, objects.map((object) => `---\n${stringify(object, { lineWidth: 0 })}`).join(''));
  return { file, objects: objects.length };
}

export const deployFanOut: Section = {
  id: 'fan-out',
  title: 'Deploy fan-out',
  needsEnvironment: true,
  async run(ctx) {
    const names = Array.from({ length: AGENTS }, (_, i) => agentName('fan-out', i));
    const kubectlFleet = randomBytes(8).toString('hex');
    const manifests = await renderedManifests(ctx, names, kubectlFleet);
    const ours: number[] = [];
    const pooled: number[] = [];
    const theirs: number[] = [];
    const requests = {
      ours: { applies: [] as number[], reads: [] as number[] },
      pooled: { applies: [] as number[], reads: [] as number[] },
      theirs: { applies: [] as number[], reads: [] as number[] },
      ourStore: [] as number[],
    };
    let detail = { ours: {}, pooled: {}, theirs: {} };

    const runPlane = (tier: 'ours' | 'pooled') => async (counted: boolean) => {
      const plane = inProcessPlane(planeEnv(ctx.env));
      await plane.providers.controlPlane(); // clients made: a warm function, as after any earlier call
      const agent = tier === 'pooled' ? POOLED_AGENT : SMALL_AGENT;
      try {
        const run = await countRequests(ctx.env, () => timed(() => deployInBatches(plane, names, agent)));
        const { ms } = run.result;
        ctx.log(
          `fan-out: fleetplane ${tier === 'pooled' ? 'pooled' : 'dedicated'} ${(ms / 1000).toFixed(2)} s${counted ? '' : ' (warm-up, not counted)'} ${JSON.stringify({ ...run.reads, ...run.writes })}`,
        );
        if (!counted) return;
        (tier === 'pooled' ? pooled : ours).push(ms);
        requests[tier].applies.push(applies(run.writes));
        requests[tier].reads.push(total(run.reads));
        if (tier === 'ours') requests.ourStore.push(total(run.store));
        detail = { ...detail, [tier]: { ...run.reads, ...run.writes } };
      } finally {
        const fleet = await (await plane.providers.store()).fleet();
        if (fleet) await removeFleetObjects(ctx, fleet);
        await removeStore(ctx.env, plane.env);
      }
    };
    const runOurs = runPlane('ours');
    const runPooled = runPlane('pooled');
    const runKubectl = async (counted: boolean) => {
      try {
        const run = await countRequests(ctx.env, () =>
          timed(() =>
            ctx.kubectl(['apply', '--server-side', `--field-manager=${FIELD_MANAGER}`, '-f', manifests.file]),
          ),
        );
        const { ms } = run.result;
        ctx.log(
          `fan-out: kubectl ${(ms / 1000).toFixed(2)} s${counted ? '' : ' (warm-up, not counted)'} ${JSON.stringify({ ...run.reads, ...run.writes })}`,
        );
        if (!counted) return;
        theirs.push(ms);
        requests.theirs.applies.push(applies(run.writes));
        requests.theirs.reads.push(total(run.reads));
        detail = { ...detail, theirs: { ...run.reads, ...run.writes } };
      } finally {
        await removeFleetObjects(ctx, kubectlFleet);
      }
    };

    // kubectl's discovery cache is filled before the first timed run, as for any user of it.
    await ctx.kubectl(['api-resources', '-o', 'name']);
    // The pool's identity, so that the pool the first pooled run makes can start its pods.
    await applyManifestFile(ctx.env.kubeconfigPath, join(REPO_ROOT, 'manifests', '13-pool-rbac.yaml'));
    // Round 0 warms all three (code paths, the API server's caches; the pool is made then) and is not counted.
    const steps = [runOurs, runPooled, runKubectl];
    try {
      for (let round = 0; round <= ctx.runs; round++) {
        const order = steps.map((_, i) => steps[(i + round) % steps.length] as (typeof steps)[number]);
        for (const step of order) await step(round > 0);
      }
    } finally {
      await removePoolObjects(ctx);
    }
    const ratio = median(ours) / median(theirs);
    const pooledRatio = median(pooled) / median(theirs);
    return {
      figures: [
        {
          name: `${AGENTS} agents (${manifests.objects} objects) applied`,
          unit: 'ms',
          samples: ours,
          peer: { name: 'kubectl apply --server-side', samples: theirs },
          goal: { text: 'at most 0.5x kubectl', met: ratio <= 0.5 },
        },
        {
          name: `${AGENTS} pooled agents (${AGENTS} objects) applied`,
          unit: 'ms',
          samples: pooled,
          peer: { name: 'kubectl apply --server-side (the dedicated objects)', samples: theirs },
          goal: { text: 'at most 0.25x kubectl', met: pooledRatio <= 0.25 },
        },
        {
          name: 'API server: APPLY requests, pooled',
          unit: 'requests',
          samples: requests.pooled.applies,
          peer: { name: 'kubectl', samples: requests.theirs.applies },
        },
        {
          name: 'API server: APPLY requests',
          unit: 'requests',
          samples: requests.ours.applies,
          peer: { name: 'kubectl', samples: requests.theirs.applies },
        },
        {
          name: 'API server: LISTs of agent kinds and pods',
          unit: 'requests',
          samples: requests.ours.reads,
          peer: { name: 'kubectl', samples: requests.theirs.reads },
        },
        { name: 'store requests', unit: 'requests', samples: requests.ourStore },
      ],
      notes: [
        `fleetplane: two POST /deploy of 50 agents sent together to one control plane in process (store on MinIO, apply to the API server), timed until both answer (each agent is written to the store, then its objects are applied, before its call answers). kubectl: \`kubectl apply --server-side --field-manager=${FIELD_MANAGER} -f\` of the same ${manifests.objects} rendered objects in one file, discovery cache warm. A first round of both is not counted (it warms this process and the API server); then runs alternate which goes first, and the namespace is emptied (objects and pods) between runs.`,
        `Pooled: the same 100 agents with "tier": "pooled", one ConfigMap each; the pool (made by the uncounted first round) is in place, so each deploy only reads it. Ratio of medians: dedicated ${ratio.toFixed(2)}x kubectl, pooled ${pooledRatio.toFixed(2)}x kubectl (${(median(pooled) / median(ours)).toFixed(2)}x dedicated). Requests at the API server in the last run (LISTs of the agents' kinds and pods, writes to those kinds): fleetplane dedicated ${JSON.stringify(detail.ours)}; pooled ${JSON.stringify(detail.pooled)}; kubectl ${JSON.stringify(detail.theirs)}.`,
      ],
    };
  },
};
