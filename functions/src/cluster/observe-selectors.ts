/**
 * The label selectors an observation lists with: every object fleetplane manages, narrowed to one
 * agent, to a set of agents (a page of the list, a batch deploy) and to a fleet. A large set is
 * split over several selectors so that no list call's request line outgrows what proxies in front
 * of an API server commonly accept (8 KB); each selector is one list call per kind.
 *
 * Pure.
 */
import { AGENT_LABEL, agentSelector, FLEET_LABEL, MANAGED_SELECTOR } from '../core/agent-objects/labels.ts';
import type { ObserveScope } from './cluster.ts';

/**
 * The longest `labelSelector=` query one list call carries, URL-encoded: with the path, under 8 KB.
 * A page of 100 names of the longest kind (40 characters) takes about 4.5 KB, so one selector.
 */
export const MAX_SELECTOR_QUERY = 6000;

const COMMA = '%2C'.length;
const queryLength = (selector: string) => new URLSearchParams({ labelSelector: selector }).toString().length;

/** The selectors that together select `scope`; none when it names an empty set of agents. */
export function observeSelectors(scope: ObserveScope, maxQuery = MAX_SELECTOR_QUERY): string[] {
  const base = scope.agent ? agentSelector(scope.agent) : MANAGED_SELECTOR;
  const fleet = scope.fleet ? `,${FLEET_LABEL}=${scope.fleet}` : '';
  if (scope.agents === undefined) return [`${base}${fleet}`];
  const selectorOf = (names: readonly string[]) => `${base},${AGENT_LABEL} in (${names.join(',')})${fleet}`;
  const fixed = queryLength(selectorOf([]));
  const selectors: string[] = [];
  let chunk: string[] = [];
  let length = fixed;
  for (const name of new Set(scope.agents)) {
    // The comma before a name encodes as %2C; a name (a DNS label) encodes as itself.
    const size = encodeURIComponent(name).length;
    if (chunk.length && length + COMMA + size > maxQuery) {
      selectors.push(selectorOf(chunk));
      chunk = [];
    }
    length = chunk.length ? length + COMMA + size : fixed + size;
    chunk.push(name);
  }
  if (chunk.length) selectors.push(selectorOf(chunk));
  return selectors;
}
