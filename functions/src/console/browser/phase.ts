/**
 * How a phase looks (a badge: colour plus the word, never colour alone) and which condition
 * explains a problem, so the fleet table can say `ImagePullBackOff: ...` in one line.
 */
import { h } from './dom.ts';
import type { AgentStatus, Condition } from './types.ts';

export { PHASES } from '../../core/status.ts';

const TONE: Record<string, string> = {
  Running: 'ok',
  Pending: 'neutral',
  Building: 'progress',
  Deploying: 'progress',
  Degraded: 'warn',
  BuildFailed: 'bad',
  Failed: 'bad',
  Deleting: 'neutral',
};

export const isSettled = (phase: string) => ['Running', 'Degraded', 'Failed', 'BuildFailed'].includes(phase);

export function phaseBadge(phase: string): HTMLElement {
  return h('span', { class: `badge tone-${TONE[phase] ?? 'neutral'}`, 'data-phase': phase }, phase);
}

/** The condition that explains why the agent is not simply Running, if any. */
export function problemCondition(status: AgentStatus): Condition | undefined {
  if (status.phase === 'Running') return undefined;
  const find = (type: Condition['type'], state: Condition['status']) =>
    status.conditions.find((c) => c.type === type && c.status === state);
  return (
    find('Degraded', 'True') ??
    find('Built', 'False') ??
    status.conditions.find((c) => c.type === 'Progressing' && c.reason === 'ProgressDeadlineExceeded') ??
    find('Routed', 'False') ??
    find('Available', 'False') ??
    find('Built', 'Unknown') ??
    find('Applied', 'False') ??
    find('Stored', 'False')
  );
}

export const conditionText = (c: Condition) => (c.message ? `${c.reason}: ${c.message}` : c.reason);

/**
 * The build as one line. The console is served by the control plane it talks to, so the build
 * has the shape of this version's API (no older shape to allow for, unlike the CLI's client).
 */
export function buildText(build: AgentStatus['build']): string | undefined {
  if (!build) return undefined;
  return `build ${build.phase} ${build.tag} (job ${build.job})${build.reason ? `: ${build.reason}` : ''}`;
}

/** The image without its registry path: `agent-runtime:0.1.0@sha…` reads better in a table. */
export function shortImage(image: string | undefined): string {
  if (!image) return '—';
  const last = image.split('/').at(-1) ?? image;
  return last.length > 48 ? `${last.slice(0, 45)}…` : last;
}
