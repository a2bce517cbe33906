/**
 * How much one request and one answer of the API may hold, by where it runs. Pure data.
 *
 * DigitalOcean Functions pass a web request to the function inside an invocation of at most
 * 1 MB, and the body arrives there base64-encoded (4 bytes for every 3) beside the headers: so
 * about 750 KB of JSON fits, not 1 MiB. Answers are capped at 1 MB too, and travel as a JSON
 * string inside the invocation's result (every `"` and `\` escaped). Locally (`npm start`, the
 * tests) nothing in between caps a body, and the documented 1 MiB applies.
 */

/** The most agents one POST /deploy may carry, wherever the API runs. */
export const MAX_AGENTS_PER_REQUEST = 50;

export interface RequestLimits {
  where: 'local' | 'digitalocean';
  /** The largest POST /deploy body, in bytes; more is a 413. */
  maxDeployBodyBytes: number;
  /** The largest `limit` of GET /deployments, and its default. */
  maxPageSize: number;
  defaultPageSize: number;
  /**
   * The most bytes a page of GET /deployments may take as the platform carries it (JSON,
   * escaped again inside the result); a page that would be larger ends early, with `continue`.
   */
  maxPageBytes?: number;
}

const KiB = 1024;

export const LOCAL_LIMITS: RequestLimits = {
  where: 'local',
  maxDeployBodyBytes: 1024 * KiB,
  maxPageSize: 500,
  defaultPageSize: 100,
};

/**
 * 720 KiB of JSON is 960 KiB as base64, leaving 64 KiB of the 1 MiB invocation for headers and
 * the platform's envelope. 200 agents a page is about 260 KB as the bench measures them (1.2 KB
 * an agent); maxPageBytes ends a page early whatever its agents weigh.
 */
export const DIGITALOCEAN_LIMITS: RequestLimits = {
  where: 'digitalocean',
  maxDeployBodyBytes: 720 * KiB,
  maxPageSize: 200,
  defaultPageSize: 100,
  maxPageBytes: 900_000,
};

/** "720 KiB", "1 MiB": a size as the docs and errors say it. */
export function sizeText(bytes: number): string {
  if (bytes % (1024 * KiB) === 0) return `${bytes / (1024 * KiB)} MiB`;
  if (bytes % KiB === 0) return `${bytes / KiB} KiB`;
  return `${bytes} bytes`;
}
