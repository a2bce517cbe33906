/**
 * The fleet the at-scale sections share: one store prefix, grown on demand (100 agents, then
 * 1,000) through POST /deploy in batches of 50, two requests at a time, each agent asking for
 * little (cpu 10m, memory 16Mi) so that kwok nodes hold them all. The environment is sized for
 * about 220 pods and 250 Services, so it first makes room (more kwok nodes, a second Service
 * CIDR) and takes it back in `remove`.
 * Must never delete anything but its own store prefix, its own fleet's objects and the nodes and
 * ServiceCIDR it added.
 */
import { FLEET_LABEL } from '../../../functions/src/core/agent-objects/labels.ts';
import {
  addKwokNodes,
  addServiceCidr,
  freePodSlots,
  PODS_PER_KWOK_NODE,
  removeNodes,
  removeServiceCidr,
} from '../../support/cluster-capacity.ts';
import { type InProcessPlane, inProcessPlane, planeEnv, removeStore } from '../../support/fleet-plane.ts';
import { removeFleetObjects } from './cluster-cleanup.ts';
import type { BenchContext } from './section.ts';
import { timed } from './stats.ts';

export const SMALL_AGENT = { resources: { cpu: '10m', memory: '16Mi' } };
/** A pooled agent: its one object is its ConfigMap (a pooled config may not set resources). */
export const POOLED_AGENT = { tier: 'pooled' };
const BATCH = 50;
const PARALLEL_REQUESTS = 2;
const SERVICE_CIDR = { name: 'fleetplane-bench', cidr: '10.1.0.0/20' };

export const agentName = (prefix: string, i: number) => `${prefix}-${String(i).padStart(4, '0')}`;

/** Deploys `names` (each config `{name, ...agent}`) through `plane` in batches of 50, `parallel` requests at a time. */
export async function deployInBatches(
  plane: InProcessPlane,
  names: string[],
  agent: Record<string, unknown> = SMALL_AGENT,
  parallel = PARALLEL_REQUESTS,
): Promise<void> {
  const batches: string[][] = [];
  for (let i = 0; i < names.length; i += BATCH) batches.push(names.slice(i, i + BATCH));
  let next = 0;
  const worker = async () => {
    while (next < batches.length) {
      const batch = batches[next++] as string[];
      const answer = await plane.call('POST', '/deploy', {
        agents: batch.map((name) => ({ name, ...agent })),
      });
      if (answer.status !== 201 || answer.json.failed?.length)
        throw new Error(`POST /deploy answered ${answer.status}: ${answer.text.slice(0, 500)}`);
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
}

export class LargeFleet {
  readonly names: string[] = [];
  /** How long each growth took, deploy calls and until every pod ran. */
  readonly growth: { to: number; deployMs: number; runningMs: number }[] = [];
  private ctx: BenchContext | undefined;
  private warm: InProcessPlane | undefined;
  private addedNodes: string[] = [];
  private addedCidr = false;
  private fleetId: string | undefined;
  private room: { nodes: number; free: number } | undefined;

  /** Called once the environment is up. */
  attach(ctx: BenchContext): void {
    this.ctx = ctx;
  }

  private context(): BenchContext {
    if (!this.ctx) throw new Error('the large fleet needs the test environment');
    return this.ctx;
  }

  /** The plane that deployed the fleet and has listed it before: a warm function. */
  async warmPlane(): Promise<InProcessPlane> {
    this.warm ??= inProcessPlane(planeEnv(this.context().env));
    return this.warm;
  }

  /** A fresh plane on the fleet's store: a cold function (new clients, nothing cached). */
  async coldPlane(): Promise<InProcessPlane> {
    return inProcessPlane((await this.warmPlane()).env);
  }

  async fleet(): Promise<string> {
    const store = await (await this.warmPlane()).providers.store();
    this.fleetId ??= await store.fleet();
    if (!this.fleetId) throw new Error('the fleet has no id yet (nothing deployed)');
    return this.fleetId;
  }

  /** Grows the fleet to `n` agents and waits until every one of their pods is Running. */
  async growTo(n: number): Promise<void> {
    if (this.names.length >= n) return;
    const ctx = this.context();
    await this.makeRoom(n);
    const plane = await this.warmPlane();
    const added = Array.from({ length: n - this.names.length }, (_, i) =>
      agentName('fleet', this.names.length + i),
    );
    ctx.log(`fleet: deploying ${added.length} agents (now ${this.names.length})`);
    const deployed = await timed(() => deployInBatches(plane, added));
    this.names.push(...added);
    const fleet = await this.fleet();
    const running = await timed(async () => {
      const deadline = Date.now() + 600_000;
      for (;;) {
        const pods = await ctx.kubectl([
          'get',
          'pods',
          '-n',
          ctx.env.namespace,
          '-l',
          `${FLEET_LABEL}=${fleet}`,
          '--field-selector=status.phase=Running',
          '-o',
          'name',
        ]);
        const count = pods.split('\n').filter(Boolean).length;
        if (count >= n) return;
        if (Date.now() > deadline) throw new Error(`only ${count} of ${n} pods Running after 10 minutes`);
        await new Promise((resolve) => setTimeout(resolve, 2000));
      }
    });
    this.growth.push({ to: n, deployMs: deployed.ms, runningMs: deployed.ms + running.ms });
    ctx.log(
      `fleet: ${n} agents deployed in ${(deployed.ms / 1000).toFixed(1)} s, all pods Running after ${((deployed.ms + running.ms) / 1000).toFixed(1)} s`,
    );
  }

  /** Adds kwok nodes and Service addresses when the environment cannot hold `n` more agents. */
  private async makeRoom(n: number): Promise<void> {
    const ctx = this.context();
    const wanted = n - this.names.length + 20; // + the other sections' few agents
    const { nodes, free } = await freePodSlots(ctx.env.kubeconfigPath);
    this.room ??= { nodes, free: free + this.names.length };
    if (free < wanted) {
      const more = Math.ceil((wanted - free) / PODS_PER_KWOK_NODE);
      ctx.log(`fleet: ${nodes} kwok nodes have room for ${free} pods; adding ${more} nodes`);
      const first = this.addedNodes.length;
      const names = await addKwokNodes(ctx.env.kubeconfigPath, 'kwok-bench-node', first + more);
      this.addedNodes = names;
    }
    if (!this.addedCidr && n > 200) {
      await addServiceCidr(ctx.env.kubeconfigPath, SERVICE_CIDR.name, SERVICE_CIDR.cidr);
      this.addedCidr = true;
    }
  }

  /** What `makeRoom` found and did, for the notes. */
  describeRoom(): string {
    const added = [
      ...(this.addedNodes.length ? [`${this.addedNodes.length} kwok nodes`] : []),
      ...(this.addedCidr ? [`ServiceCIDR ${SERVICE_CIDR.cidr}`] : []),
    ];
    const found = this.room
      ? `The environment's ${this.room.nodes} kwok nodes had room for ${this.room.free} pods (${PODS_PER_KWOK_NODE} each) and its Service range (a /24) for about 250 ClusterIPs`
      : 'The environment was not inspected';
    return added.length
      ? `${found}, so ${this.names.length} agents did not fit: added ${added.join(' and ')}, removed at the end`
      : `${found}: enough for ${this.names.length} agents`;
  }

  /** Deletes the fleet's objects and store, then the nodes and ServiceCIDR it added. */
  async remove(): Promise<void> {
    if (!this.ctx) return;
    const ctx = this.ctx;
    if (this.warm) {
      const fleet = await (await this.warm.providers.store()).fleet();
      if (fleet) await removeFleetObjects(ctx, fleet);
      await removeStore(ctx.env, this.warm.env);
    }
    if (this.addedCidr) await removeServiceCidr(ctx.env.kubeconfigPath, SERVICE_CIDR.name);
    await removeNodes(ctx.env.kubeconfigPath, this.addedNodes);
  }
}
