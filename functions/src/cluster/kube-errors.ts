/**
 * Turns @kubernetes/client-node failures into our error vocabulary: transport failures and
 * 5xx become UnavailableError('cluster'); refusals (RBAC, admission, validation) become
 * ClusterRejectedError with the API server's own message. Never forwards raw headers.
 */
import { ClusterRejectedError, FleetplaneError, UnavailableError } from '../core/errors.ts';

interface ApiFailure {
  code?: number;
  body?: unknown;
}

function statusMessage(body: unknown): string | undefined {
  if (typeof body === 'string') {
    try {
      return statusMessage(JSON.parse(body));
    } catch {
      return body.slice(0, 500);
    }
  }
  if (body && typeof body === 'object' && 'message' in body)
    return String((body as { message: unknown }).message);
  return undefined;
}

export function httpStatusOf(error: unknown): number | undefined {
  const code = (error as ApiFailure).code;
  return typeof code === 'number' ? code : undefined;
}

export function toClusterError(error: unknown, what: string): FleetplaneError {
  if (error instanceof FleetplaneError) return error;
  const status = httpStatusOf(error);
  if (status === undefined || status >= 500 || status === 429) {
    const cause =
      (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message?.split('\n')[0];
    return new UnavailableError(
      'cluster',
      `the cluster is unreachable while trying to ${what} (${cause ?? status})`,
      5,
      {
        cause: error,
      },
    );
  }
  const message = statusMessage((error as ApiFailure).body) ?? `HTTP ${status}`;
  return new ClusterRejectedError(`the cluster refused to ${what} (HTTP ${status}): ${message}`, {
    cause: error,
  });
}
