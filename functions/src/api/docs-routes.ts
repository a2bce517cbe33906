/**
 * GET /openapi.json and GET /docs, public (app.ts). The document is generated from the zod
 * schemas on first request (the generator, the page's renderer and zod load lazily, keeping
 * function cold starts small) and cached, one per platform it describes (its request limits
 * differ). The page runs no script (DOCS_CSP).
 */
import { Hono } from 'hono';
import { LOCAL_LIMITS, type RequestLimits } from '../core/request-limits.ts';
import type { OpenApiDocument } from './docs-page.ts';

const cached = new Map<string, Promise<{ document: unknown; page: string }>>();

function docs(version: string, limits: RequestLimits) {
  const key = `${version} ${limits.where}`;
  let entry = cached.get(key);
  if (!entry) {
    entry = import('./openapi.ts').then(({ openApiDocument, docsPage }) => {
      const document = openApiDocument(version, limits);
      return { document, page: docsPage(document as unknown as OpenApiDocument) };
    });
    cached.set(key, entry);
  }
  return entry;
}

/** The docs page runs no script: styles only its own, nothing framed or submitted. */
export const DOCS_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

export const DOCS_PATHS = ['/openapi.json', '/docs'];

/** The document describes the API where it runs (`limits`: its body and page limits). */
export function docsRoutes(version: string, limits: RequestLimits = LOCAL_LIMITS) {
  return new Hono()
    .get('/openapi.json', async (c) => c.json((await docs(version, limits)).document as object))
    .get('/docs', async (c) => {
      c.header('content-security-policy', DOCS_CSP);
      return c.html((await docs(version, limits)).page);
    });
}
