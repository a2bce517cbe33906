/**
 * The control plane's error vocabulary. Routes and adapters throw these; one `onError`
 * maps them to RFC 9457 problem+json. Nothing here knows about HTTP frameworks.
 */
import type { FieldError } from './field-errors.ts';

/**
 * WARNING: each bundled function loads some modules from separate chunk files, so one error
 * class can exist twice in a process. `instanceof` therefore checks a brand in the global
 * symbol registry (the error's slug), not the class identity.
 */
const BRAND = Symbol.for('fleetplane.error');

export abstract class FleetplaneError extends Error {
  abstract readonly status: number;
  abstract readonly slug: string;
  abstract readonly title: string;
  /** The slug this class's instances carry; undefined on the abstract base. */
  static readonly brand: string | undefined = undefined;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    (this as unknown as Record<symbol, string | undefined>)[BRAND] = (
      new.target as typeof FleetplaneError
    ).brand;
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    if (typeof value !== 'object' || value === null || !(BRAND in value)) return false;
    // biome-ignore lint/complexity/noThisInStatic: `this` is the subclass `instanceof` asks about
    return this.brand === undefined || (value as Record<symbol, unknown>)[BRAND] === this.brand;
  }
}

/** The request is malformed (400) or well-formed but breaks the config's rules (422). */
export class ValidationError extends FleetplaneError {
  static override readonly brand = 'validation';
  override name = 'ValidationError';
  readonly slug = 'validation';
  readonly title = 'The request is not valid';
  readonly errors: FieldError[];
  readonly status: 400 | 422;
  constructor(errors: FieldError[], status: 400 | 422 = 422) {
    super(errors.map((error) => `${error.path}: ${error.message}`).join('; '));
    this.errors = errors;
    this.status = status;
  }
}

export class NotFoundError extends FleetplaneError {
  static override readonly brand = 'not-found';
  override name = 'NotFoundError';
  readonly status = 404;
  readonly slug = 'not-found';
  readonly title = 'Not found';
}

/** Someone else changed the same agent first (conditional write lost). Retry after re-reading. */
export class ConflictError extends FleetplaneError {
  static override readonly brand = 'conflict';
  override name = 'ConflictError';
  readonly status = 409;
  readonly slug = 'conflict';
  readonly title = 'Concurrent modification';
}

export class PayloadTooLargeError extends FleetplaneError {
  static override readonly brand = 'payload-too-large';
  override name = 'PayloadTooLargeError';
  readonly status = 413;
  readonly slug = 'payload-too-large';
  readonly title = 'Request body too large';
}

export class UnauthorizedError extends FleetplaneError {
  static override readonly brand = 'unauthorized';
  override name = 'UnauthorizedError';
  readonly status = 401;
  readonly slug = 'unauthorized';
  readonly title = 'Authentication required';
}

export type Dependency = 'store' | 'cluster';

/** A dependency could not be reached; nothing was half-applied and a retry is safe. */
export class UnavailableError extends FleetplaneError {
  static override readonly brand = 'unavailable';
  override name = 'UnavailableError';
  readonly status = 503;
  readonly slug = 'unavailable';
  readonly title = 'A dependency is unavailable';
  readonly dependency: Dependency;
  readonly retryAfterSeconds: number;
  constructor(dependency: Dependency, message: string, retryAfterSeconds = 5, options?: { cause?: unknown }) {
    super(message, options);
    this.dependency = dependency;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** The cluster refused what we sent (admission, RBAC, invalid object): not retriable as is. */
export class ClusterRejectedError extends FleetplaneError {
  static override readonly brand = 'cluster-rejected';
  override name = 'ClusterRejectedError';
  readonly status = 502;
  readonly slug = 'cluster-rejected';
  readonly title = 'The cluster rejected the request';
}
