/**
 * How routes reach their dependencies: lazily, through providers, so a function loads the
 * S3 and Kubernetes clients only on the first request that needs them.
 */
import type { ControlPlane } from '../control-plane/control-plane.ts';
import type { HealthProbes } from '../control-plane/health-probes.ts';

export type ControlPlaneProvider = () => Promise<ControlPlane>;

export type HealthProbesProvider = () => Promise<HealthProbes>;
