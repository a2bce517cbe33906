/**
 * Where a pool pod says what it serves: Leases (coordination.k8s.io/v1) named
 * `<pod>.report-NN`, one per shard of agent names, whose annotations map each agent to the
 * generation and ConfigMap version it serves, or failed to load and why (contract.ts). The
 * control plane lists them by label and derives each pooled agent's status from them.
 *
 * - Written by server-side apply, only the shards whose content changed, at most once per
 *   `delayMs` (a burst of 300 configs is a handful of writes, not 300).
 * - Every shard is written once at start, empty ones too: a shard that exists says "this pod has
 *   reported"; until then the control plane counts the pod as not serving anything yet.
 * - Owned by the pod (ownerReferences), so the garbage collector removes them with it.
 * - A failed write is retried with back-off; the report is level-triggered (always the whole
 *   current content of a shard), so a lost write costs nothing but time.
 */
import { type KubeConfig, KubernetesObjectApi, PatchStrategy } from '@kubernetes/client-node';
import type { Logger } from '../../observability/logger.ts';
import {
  POOL_NAME,
  type PoolReport,
  REPORT_LABEL,
  REPORT_POD_LABEL,
  reportAnnotations,
  reportLeaseName,
  splitReport,
} from '../contract.ts';

export interface LeaseReportOptions {
  kubeConfig: KubeConfig;
  namespace: string;
  pod: string;
  podUid: string | undefined;
  shards: number;
  report: () => PoolReport;
  log: Logger;
  delayMs?: number;
}

const FIELD_MANAGER = 'fleetplane-pool';
const MAX_BACKOFF_MS = 30_000;

/** Kubernetes' MicroTime: RFC 3339 with microseconds. */
const microTime = (date: Date) => date.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');

export class LeaseReporter {
  private readonly options: LeaseReportOptions;
  private readonly objects: KubernetesObjectApi;
  /** The annotations last written per shard (JSON), so unchanged shards are not written again. */
  private readonly written = new Map<number, string>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private backoff = 1_000;
  private stopped = false;
  /** Writes made, for tests and logs. */
  writes = 0;

  constructor(options: LeaseReportOptions) {
    this.options = options;
    this.objects = KubernetesObjectApi.makeApiClient(options.kubeConfig);
  }

  /** Asks for a report soon (coalesced with others within the delay). */
  schedule(delayMs = this.options.delayMs ?? 250): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      this.running = this.flush().finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.schedule();
        }
      });
    }, delayMs);
  }

  private lease(shard: number, annotations: Record<string, string>) {
    const { namespace, pod, podUid } = this.options;
    return {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: {
        name: reportLeaseName(pod, shard),
        namespace,
        labels: {
          'app.kubernetes.io/managed-by': 'fleetplane',
          'app.kubernetes.io/component': 'pool-report',
          [REPORT_LABEL]: POOL_NAME,
          [REPORT_POD_LABEL]: pod,
        },
        annotations,
        ...(podUid ? { ownerReferences: [{ apiVersion: 'v1', kind: 'Pod', name: pod, uid: podUid }] } : {}),
      },
      spec: { holderIdentity: pod, renewTime: microTime(new Date()) },
    };
  }

  private async flush(): Promise<void> {
    const parts = splitReport(this.options.report(), this.options.shards);
    const due = parts
      .map((part, shard) => ({ shard, annotations: reportAnnotations(part) }))
      .filter(({ shard, annotations }) => this.written.get(shard) !== JSON.stringify(annotations));
    try {
      await Promise.all(
        due.map(async ({ shard, annotations }) => {
          await this.objects.patch(
            this.lease(shard, annotations),
            undefined,
            undefined,
            FIELD_MANAGER,
            true,
            PatchStrategy.ServerSideApply,
          );
          this.writes++;
          this.written.set(shard, JSON.stringify(annotations));
        }),
      );
      this.backoff = 1_000;
    } catch (error) {
      this.options.log.warn('writing the pool report failed; trying again', {
        detail: (error as Error).message,
        retryInMs: this.backoff,
      });
      const wait = this.backoff;
      this.backoff = Math.min(this.backoff * 2, MAX_BACKOFF_MS);
      this.running = undefined;
      this.schedule(wait);
    }
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }
}
