/**
 * GET /openapi.json and GET /docs, public (app.ts). The document is generated from the zod
 * schemas on first request (the generator and zod load lazily, keeping function cold starts
 * small) and cached.
 */
import { Hono } from 'hono';

let cached: Promise<{ document: unknown; page: string }> | undefined;

function docs(version: string) {
  cached ??= import('./openapi.ts').then(({ openApiDocument, docsPage }) => {
    const document = openApiDocument(version);
    return { document, page: docsPage(document) };
  });
  return cached;
}

export const DOCS_PATHS = ['/openapi.json', '/docs'];

export function docsRoutes(version: string) {
  return new Hono()
    .get('/openapi.json', async (c) => c.json((await docs(version)).document as object))
    .get('/docs', async (c) => c.html((await docs(version)).page));
}
