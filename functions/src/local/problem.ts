/**
 * The local server's own refusals as RFC 9457 problem details (`application/problem+json`),
 * typed `https://fleetplane.io/problems/<slug>` like the API's.
 */
export function problem(
  status: number,
  slug: string,
  title: string,
  detail: string,
  headers: Record<string, string> = {},
): Response {
  return Response.json(
    { type: `https://fleetplane.io/problems/${slug}`, title, status, detail },
    { status, headers: { 'content-type': 'application/problem+json', ...headers } },
  );
}
