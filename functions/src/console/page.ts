/**
 * The console's one HTML document: a shell that loads the script and style by relative URL
 * (so it works under /console/ locally and under …/fleetplane/console/ on DigitalOcean).
 * Every page is drawn by the script; without JavaScript the page says what to use instead.
 *
 * Pure. No inline script or style: the Content-Security-Policy forbids both. The page names the
 * origin it was served for, and the script runs only there (a copy of the page on any other
 * origin asks for no token).
 */
import type { ConsoleAssets } from './assets.ts';

const escapeAttribute = (text: string) =>
  text.replace(/[&<>"]/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[ch] as string);

export function consolePage(assets: ConsoleAssets, origin: string): string {
  const v = (name: keyof ConsoleAssets) => `${name}?v=${assets[name].hash}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta name="fleetplane-validator" content="${v('validator.js')}">
<meta name="fleetplane-origin" content="${escapeAttribute(origin)}">
<title>fleetplane console</title>
<link rel="icon" href="${v('icon.svg')}" type="image/svg+xml">
<link rel="stylesheet" href="${v('app.css')}">
<script type="module" src="${v('app.js')}"></script>
</head>
<body>
<button type="button" class="skip" id="skip">Skip to content</button>
<header class="top">
  <a class="brand" href="#/"><img src="${v('icon.svg')}" alt="" width="24" height="24"> fleetplane</a>
  <nav aria-label="Console">
    <a href="#/" data-nav="fleet">Fleet</a>
    <a href="#/deploy" data-nav="deploy">Deploy</a>
    <a href="#/playground" data-nav="playground">Playground</a>
  </nav>
  <div class="top-side">
    <span id="scope" class="scope" role="status" hidden></span>
    <span id="health" class="health" role="status"></span>
    <button type="button" id="forget-token" class="link" hidden>Forget token</button>
  </div>
</header>
<main id="main" tabindex="-1">
<noscript><p class="notice">The console needs JavaScript. Without it, use the API
(<code>curl …/deployments</code>) or <code>npm run client -- status</code>.</p></noscript>
</main>
</body>
</html>
`;
}
