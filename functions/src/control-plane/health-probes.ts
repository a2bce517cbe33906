/**
 * How the control plane's dependencies are probed for /health: the kind of each (never a
 * bucket name or URL: /health is public) and a round trip that throws when it is down.
 */
export interface DependencyProbe {
  target: string;
  ping: () => Promise<void>;
}

export interface HealthProbes {
  store: DependencyProbe;
  cluster: DependencyProbe;
}
