/**
 * GET /openapi.json and GET /docs, public (app.ts). The document is generated from the zod
 * schemas on first request (the generator, the page's renderer and zod load lazily, keeping
 * function cold starts small) and cached. The page runs no script (DOCS_CSP).
 */
import { Hono } from 'hono';
import type { OpenApiDocument } from './docs-page.ts';

let cached: Promise<{ document: unknown; page: string }> | undefined;

function docs(version: string) {
  cached ??= import('./openapi.ts').then(({ openApiDocument, docsPage }) => {
    const document = openApiDocument(version);
    return { document, page: docsPage(document as unknown as OpenApiDocument) };
  });
  return cached;
}

/** The docs page runs no script: styles only its own, nothing framed or submitted. */
export const DOCS_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

export const DOCS_PATHS = ['/openapi.json', '/docs'];

export function docsRoutes(version: string) {
  return new Hono()
    .get('/openapi.json', async (c) => c.json((await docs(version)).document as object))
    .get('/docs', async (c) => {
      c.header('content-security-policy', DOCS_CSP);
      return c.html((await docs(version)).page);
    });
}
