/**
 * Environment names a config may not set: those the platform sets itself, and those that
 * change how the agent's runtime (Node.js, libuv, the dynamic linker and libc, OpenSSL, the
 * `openai` SDK) or the network path behaves. One explicit table, each rule with its reason,
 * so a refusal names the rule and the README can list it verbatim.
 *
 * Pure. WARNING: the test is case-insensitive on purpose: several libraries read lower-case
 * variants (`https_proxy`, `npm_config_*`), and refusing `node_options` costs nobody anything.
 */
import { caseless } from './caseless-pattern.ts';

export interface ReservedEnvRule {
  /** How the rule reads in a message and in the README: "PORT", "NODE_*", "*_PROXY". */
  pattern: string;
  why: string;
}

interface Rule extends ReservedEnvRule {
  matches: (upper: string) => boolean;
}

const exact = (names: string[], why: string): Rule[] =>
  names.map((name) => ({ pattern: name, why, matches: (upper) => upper === name }));
const prefix = (start: string, why: string): Rule => ({
  pattern: `${start}*`,
  why,
  matches: (upper) => upper.startsWith(start),
});
const suffix = (end: string, why: string): Rule => ({
  pattern: `*${end}`,
  why,
  matches: (upper) => upper.endsWith(end),
});

const RULES: Rule[] = [
  ...exact(['PORT', 'HOST'], 'the platform sets where the runtime listens'),
  ...exact(['PATH', 'HOME', 'HOSTNAME', 'PWD', 'SHELL', 'USER', 'TMPDIR'], 'the container itself sets it'),
  prefix('FLEETPLANE_', "the platform's own settings"),
  prefix('KUBERNETES_', 'Kubernetes sets these'),
  prefix('OPENAI_', 'the model provider is chosen with "provider", never through env'),
  prefix(
    'NODE_',
    'changes how Node.js runs (NODE_OPTIONS, NODE_EXTRA_CA_CERTS, NODE_TLS_REJECT_UNAUTHORIZED, ...)',
  ),
  prefix('NPM_', 'changes how npm and Node.js tooling behave'),
  prefix('UV_', "changes Node.js's event loop (libuv)"),
  prefix('LD_', 'changes how the dynamic linker loads code (LD_PRELOAD, LD_LIBRARY_PATH, ...)'),
  prefix('DYLD_', "changes how the dynamic linker loads code (macOS's LD_*)"),
  prefix('MALLOC_', "changes libc's allocator (MALLOC_TRACE writes its trace to a file)"),
  ...exact(['GLIBC_TUNABLES'], "changes libc's behaviour"),
  // glibc's "unsecure envvars" (sysdeps/generic/unsecvars.h), which it strips for setuid
  // programs; LD_*, MALLOC_TRACE, GLIBC_TUNABLES and TMPDIR are refused above.
  ...exact(
    ['LOCALDOMAIN', 'RES_OPTIONS', 'HOSTALIASES', 'RESOLV_HOST_CONF'],
    'changes how host names resolve (search domains, resolver options, aliases): with LOCALDOMAIN every lookup goes to a domain of its choosing',
  ),
  ...exact(
    ['GCONV_PATH', 'GETCONF_DIR', 'LOCPATH', 'NLSPATH', 'NIS_PATH', 'TZDIR'],
    'makes libc load code or data (charset converters, locales, messages, time zones) from a path of its choosing',
  ),
  prefix('SSL_', 'changes which certificates TLS trusts (SSL_CERT_FILE, SSL_CERT_DIR)'),
  prefix('OPENSSL_', 'changes how OpenSSL is configured (OPENSSL_CONF, ...)'),
  ...exact(['SSLKEYLOGFILE'], 'writes TLS session keys to a file'),
  suffix('_PROXY', 'routes outgoing traffic, the model call included, through another host'),
];

/** The rule a name breaks, or undefined when a config may set it. */
export function reservedEnvRule(name: string): ReservedEnvRule | undefined {
  const upper = name.toUpperCase();
  const rule = RULES.find((candidate) => candidate.matches(upper));
  return rule && { pattern: rule.pattern, why: rule.why };
}

/** Every rule, for documentation and for test generators. */
export const RESERVED_ENV_RULES: readonly ReservedEnvRule[] = RULES.map(({ pattern, why }) => ({
  pattern,
  why,
}));

/**
 * Every rule as one JSON Schema `pattern` (for `not`), in any case: `^(PORT|HOST|...)$`,
 * `^(FLEETPLANE_|...)`, `(_PROXY)$`, each letter spelt `[Pp]`.
 */
export function reservedEnvPattern(): string {
  const exacts = RULES.filter((rule) => !rule.pattern.includes('*')).map((rule) => caseless(rule.pattern));
  const prefixes = RULES.filter((rule) => rule.pattern.endsWith('*')).map((rule) =>
    caseless(rule.pattern.slice(0, -1)),
  );
  const suffixes = RULES.filter((rule) => rule.pattern.startsWith('*')).map((rule) =>
    caseless(rule.pattern.slice(1)),
  );
  return `^(${exacts.join('|')})$|^(${prefixes.join('|')})|(${suffixes.join('|')})$`;
}
