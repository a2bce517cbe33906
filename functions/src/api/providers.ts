/**
 * How routes reach their dependencies: lazily, through providers, so a function loads the
 * S3 and Kubernetes clients only on the first request that needs them.
 */
import type { ControlPlane } from '../control-plane.ts';

export type ControlPlaneProvider = () => Promise<ControlPlane>;

export interface HealthProbes {
  store: { target: string; ping: () => Promise<void> };
  cluster: { target: string; ping: () => Promise<void> };
}

export type HealthProbesProvider = () => Promise<HealthProbes>;
