/**
 * What one part of `npm run bench` is: a module exporting a `Section` whose `run` measures and
 * answers figures. bench.ts runs the sections in order and prints and writes what they answer;
 * a new benchmark (in-cluster builds, say) is one more module in its list.
 * A figure carries every sample it was computed from, never a value typed in.
 */
import type { TestEnv } from '../../env/types.ts';
import type { LargeFleet } from './large-fleet.ts';

export type Unit = 'ms' | 'bytes' | 'requests' | 'writes' | 'objects';

export interface Figure {
  name: string;
  unit: Unit;
  /** One value per run; the figure is their median. */
  samples: number[];
  /** The same work done by the peer the issue names, in the same run. */
  peer?: { name: string; samples: number[] };
  /** What the figure should be, and whether this run met it. */
  goal?: { text: string; met: boolean };
}

export interface SectionResult {
  figures: Figure[];
  /** Sentences for RESULTS.md: how it was measured, and what a missed goal comes from. */
  notes: string[];
  /** Output to include verbatim (child benchmarks). */
  output?: string;
}

export interface BenchContext {
  /** The running test environment; undefined for sections that need none. */
  env: TestEnv;
  /** Runs per figure. */
  runs: number;
  quick: boolean;
  /** Progress, to stderr. */
  log(message: string): void;
  /** The environment's kubectl with a discovery cache kept for the whole run. */
  kubectl(args: string[], input?: string): Promise<string>;
  /** One fleet grown on demand and shared by the sections that measure at scale. */
  fleet: LargeFleet;
}

export interface Section {
  id: string;
  title: string;
  /** False for sections that run before the test environment is up (they use none). */
  needsEnvironment: boolean;
  run(ctx: BenchContext): Promise<SectionResult>;
}
