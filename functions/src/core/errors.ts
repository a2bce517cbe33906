/**
 * The control plane's error vocabulary: what went wrong, in domain terms. The control plane,
 * the store and the cluster adapters throw these; `api/responses.ts` alone maps them to
 * statuses and RFC 9457 problems. Nothing here knows about HTTP.
 *
 * WARNING: `instanceof` needs one copy of this module per process. The function bundles load
 * it from one shared chunk (functions/build.ts), so a lazily loaded adapter throws the very
 * classes the app catches.
 */
import type { FieldError } from './field-errors.ts';

export abstract class FleetplaneError extends Error {}

/** The request breaks the config's rules (`malformed: false`) or is not even well formed. */
export class ValidationError extends FleetplaneError {
  override name = 'ValidationError';
  readonly errors: FieldError[];
  /** Malformed: not JSON, a bad path or query parameter; otherwise a config that breaks a rule. */
  readonly malformed: boolean;
  constructor(errors: FieldError[], options: { malformed?: boolean } = {}) {
    super(errors.map((error) => `${error.path}: ${error.message}`).join('; '));
    this.errors = errors;
    this.malformed = options.malformed ?? false;
  }
}

export class NotFoundError extends FleetplaneError {
  override name = 'NotFoundError';
}

/** Someone else changed the same agent first (conditional write lost). Retry after re-reading. */
export class ConflictError extends FleetplaneError {
  override name = 'ConflictError';
}

/** The path exists, the method does not; `allow` lists the methods it answers (the Allow header). */
export class MethodNotAllowedError extends FleetplaneError {
  override name = 'MethodNotAllowedError';
  readonly allow: string[];
  constructor(method: string, path: string, allow: string[]) {
    super(`${path} does not answer ${method}; it answers ${allow.join(', ')}`);
    this.allow = allow;
  }
}

export class PayloadTooLargeError extends FleetplaneError {
  override name = 'PayloadTooLargeError';
}

export class UnauthorizedError extends FleetplaneError {
  override name = 'UnauthorizedError';
}

/**
 * The caller is known but its token's scope does not allow this (a role or a name outside it,
 * or a change of where an agent's Secrets go that only its creator or an admin may make).
 * Nothing was changed; the message names the scope and the rule.
 */
export class ForbiddenError extends FleetplaneError {
  override name = 'ForbiddenError';
}

export type Dependency = 'store' | 'cluster' | 'registry';

/** A dependency could not be reached; nothing was half-applied and a retry is safe. */
export class UnavailableError extends FleetplaneError {
  override name = 'UnavailableError';
  readonly dependency: Dependency;
  /** How long a caller should wait before retrying, as the failing dependency suggests. */
  readonly retryAfterSeconds: number;
  constructor(dependency: Dependency, message: string, retryAfterSeconds = 5, options?: { cause?: unknown }) {
    super(message, options);
    this.dependency = dependency;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** The cluster refused what we sent (admission, RBAC, invalid object): not retriable as is. */
export class ClusterRejectedError extends FleetplaneError {
  override name = 'ClusterRejectedError';
}

/**
 * The control plane's own configuration cannot work (a missing or malformed setting, a store
 * that does not enforce conditional writes). The message names the setting and the fix; it is
 * shown to authenticated callers and logged, never put on a public page.
 */
export class SettingsError extends FleetplaneError {
  override name = 'SettingsError';
}
