/**
 * A container's env as the kubelet hands it to the process: `$(NAME)` in a value expands to
 * the value of a variable defined before it (unresolved references stay as written), `$$` is
 * one `$`. A port of Kubernetes' third_party/forked/golang/expansion (Expand, with
 * MappingFuncFor over the earlier variables), for tests: kwok runs no container, so the one
 * step between the Deployment the API server stores and the process's environment is done here.
 */
const OPERATOR = '$';

function readReference(input: string): { text: string; isVariable: boolean; advance: number } {
  if (input[0] === OPERATOR) return { text: OPERATOR, isVariable: false, advance: 1 };
  if (input[0] === '(') {
    const close = input.indexOf(')', 1);
    if (close > 0) return { text: input.slice(1, close), isVariable: true, advance: close + 1 };
    return { text: '$(', isVariable: false, advance: 1 };
  }
  return { text: `${OPERATOR}${input[0]}`, isVariable: false, advance: 1 };
}

/** Kubernetes' Expand: `mapping` gives a variable's value, or undefined when it has none. */
export function kubeletExpand(input: string, mapping: (name: string) => string | undefined): string {
  let out = '';
  let checkpoint = 0;
  for (let cursor = 0; cursor < input.length; cursor++) {
    if (input[cursor] !== OPERATOR || cursor + 1 >= input.length) continue;
    out += input.slice(checkpoint, cursor);
    const { text, isVariable, advance } = readReference(input.slice(cursor + 1));
    out += isVariable ? (mapping(text) ?? `$(${text})`) : text;
    cursor += advance;
    checkpoint = cursor + 1;
  }
  return out + input.slice(checkpoint);
}

/**
 * The env in order, as the kubelet builds it: each `value` expanded against the variables
 * before it; a `fromSource` value (a Secret's key) as it is, never expanded.
 */
export function kubeletEnv(
  items: ({ name: string; value: string } | { name: string; fromSource: string })[],
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const item of items)
    env[item.name] = 'value' in item ? kubeletExpand(item.value, (ref) => env[ref]) : item.fromSource;
  return env;
}
