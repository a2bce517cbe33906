/**
 * Kubernetes expands `$(NAME)` in a container's `env[].value`, `command` and `args` to the
 * value of a variable defined before it (`$(OPENAI_API_KEY)` included), and reads `$$` as one
 * `$`. Every string we render into those fields is made literal here, so a config can never
 * refer to a variable it was not given; the kubelet's expansion then hands the process the
 * text as written. `unescapeKubernetes` is that expansion, for the local target, which runs
 * rendered Deployments as processes and must give them the same text a pod would see.
 *
 * Pure. WARNING: escape once, at the very end of rendering, and only these fields: ConfigMap
 * data, labels and probes are never expanded, and a doubled `$$` there would be a changed value.
 */
import type { V1Container } from '@kubernetes/client-node';

/** `$` as `$$`: the text Kubernetes expands back to `text` itself. */
export const escapeKubernetes = (text: string): string => text.replaceAll('$', () => '$$');

/**
 * What the kubelet makes of a string that refers to no variable: `$$` becomes `$`, anything
 * else (an unresolved `$(NAME)` too) stays as it is. The exact inverse of escapeKubernetes.
 */
export function unescapeKubernetes(text: string): string {
  let out = '';
  for (let index = 0; index < text.length; index++) {
    const char = text[index] as string;
    out += char;
    if (char === '$' && text[index + 1] === '$') index++;
  }
  return out;
}

/** The container with every expandable string (env values, command, args) made literal. */
export function literalContainer(container: V1Container): V1Container {
  return {
    ...container,
    ...(container.command ? { command: container.command.map(escapeKubernetes) } : {}),
    ...(container.args ? { args: container.args.map(escapeKubernetes) } : {}),
    ...(container.env
      ? {
          env: container.env.map((item) =>
            item.value === undefined ? item : { ...item, value: escapeKubernetes(item.value) },
          ),
        }
      : {}),
  };
}
