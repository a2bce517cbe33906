/**
 * `fleetplane admission-params`: the params ConfigMap of the control plane's admission policy
 * (manifests/12-control-plane-admission.yaml), made from the same settings the functions use
 * (.env or the environment), as YAML for `kubectl apply -f -` (-o json prints JSON).
 */
import type { VerbContext } from '../context.ts';
import { EXIT } from '../exit-codes.ts';

export async function run(context: VerbContext): Promise<number> {
  const [{ admissionInstallationFromEnv }, { admissionParams }] = await Promise.all([
    import('../../wiring/admission-from-env.ts'),
    import('../../core/admission-params.ts'),
  ]);
  const configMap = admissionParams(admissionInstallationFromEnv(context.io.env));
  if (context.output === 'json') context.io.out(`${JSON.stringify(configMap, null, 2)}\n`);
  else {
    const { stringify } = await import('yaml');
    context.io.out(stringify(configMap, { lineWidth: 0 }));
  }
  return EXIT.ok;
}
