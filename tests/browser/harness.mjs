// Browser test harness: serves the Trunk build (dist/) on 127.0.0.1 with the page's
// Content-Security-Policy header, drives Debian's Chromium through playwright-core, and records
// what a privacy review needs: every request the page and its workers make, console errors,
// uncaught page errors. Screenshots go to target/screenshots/.
//
//   const app = await openApp();       // server + browser + page at the app's URL
//   ...                                 // app.page is a Playwright Page
//   await app.screenshot('name');
//   await app.close();
//
// Needs `trunk build` first (scripts/test.sh does it). Nothing here touches the network:
// Chromium's resolver maps every host but 127.0.0.1 to "not found".

import { createServer } from 'node:http';
import { mkdtemp, mkdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const ROOT = resolve(fileURLToPath(import.meta.url), '../../..');
// HEAPLENS_DIST: test another build directory (default: the Trunk output, dist/).
export const DIST = process.env.HEAPLENS_DIST ?? join(ROOT, 'dist');
export const SCREENSHOTS = join(ROOT, 'target', 'screenshots');
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.wasm': 'application/wasm',
  '.css': 'text/css',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

/** The CSP of dist/index.html's <meta>, as scripts/serve.py sends it (plus frame-ancestors). */
export async function distPolicy(dist = DIST) {
  const html = await readFile(join(dist, 'index.html'), 'utf8');
  const m = html.match(/<meta\s+http-equiv="Content-Security-Policy"\s+content="([^"]*)"/i);
  if (!m) throw new Error(`no Content-Security-Policy <meta> in ${dist}/index.html: run trunk build`);
  return `${m[1]}; frame-ancestors 'none'`;
}

/**
 * Static server for `dist` on 127.0.0.1, random free port. `served` lists every request path;
 * paths matching a regex in `notFound` get a 404 (to test failure handling). `cspHeader: false`
 * sends no Content-Security-Policy header, as a plain static host (GitHub Pages) does: then only
 * the page's <meta> policy applies.
 */
export async function serveDist(dist = DIST, { notFound = [], cspHeader = true } = {}) {
  const policy = await distPolicy(dist);
  const served = [];
  const server = createServer(async (req, res) => {
    served.push(req.url);
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    let file = normalize(join(dist, path.endsWith('/') ? `${path}index.html` : path));
    const headers = {
      ...(cspHeader ? { 'Content-Security-Policy': policy } : {}),
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      'Cache-Control': 'no-cache',
    };
    try {
      if (!file.startsWith(dist + sep) || notFound.some((re) => re.test(path))) throw new Error('404');
      if ((await stat(file)).isDirectory()) file = join(file, 'index.html');
      const body = await readFile(file);
      res.writeHead(200, { ...headers, 'Content-Type': MIME[extname(file)] ?? 'application/octet-stream' });
      res.end(body);
    } catch {
      res.writeHead(404, { ...headers, 'Content-Type': 'text/plain' });
      res.end('not found');
    }
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  const origin = `http://127.0.0.1:${server.address().port}`;
  return { origin, policy, served, close: () => new Promise((ok) => server.close(ok)) };
}

/** Serve dist/, launch headless Chromium, open the app. See the file comment. */
export async function openApp({ path = '/', notFound = [], cspHeader = true, serviceWorkers = 'block' } = {}) {
  const server = await serveDist(DIST, { notFound, cspHeader });
  return openUrl(server.origin + path, server, { serviceWorkers });
}

/**
 * Launch headless Chromium and open `url` (any scheme, e.g. a `file:` URL), with the same
 * recording as `openApp`. `server`: what `serveDist` returned, closed with the app.
 * `serviceWorkers`: 'block' (default) keeps the app's service worker out, so that what a test
 * routes or counts is what the page itself asks for (Playwright cannot route requests a service
 * worker answers); tests/browser/pwa.test.mjs passes 'allow'.
 */
export async function openUrl(url, server = null, { serviceWorkers = 'block' } = {}) {
  const profile = await mkdtemp(join(tmpdir(), 'heaplens-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1100, height: 700 },
    serviceWorkers,
    args: [
      '--no-sandbox', // we run as root in CI
      '--disable-gpu',
      '--disable-dev-shm-usage',
      // No traffic of Chromium's own (updates, safe browsing, ...), and no host but ours.
      '--disable-background-networking',
      '--disable-component-update',
      '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
      // Benches only (bench/profile.mjs: V8's perf map for `perf`), space-separated.
      ...(process.env.HEAPLENS_CHROMIUM_ARGS?.split(' ').filter(Boolean) ?? []),
    ],
  });

  const app = {
    origin: server?.origin ?? null,
    url,
    policy: server?.policy ?? null,
    /** Paths the test server was asked for (the server's view). */
    served: server?.served ?? [],
    /** URLs the browser requested, from the page and its workers (the browser's view). */
    requests: [],
    /** Requests that failed in the browser: "<url> <reason>". */
    failedRequests: [],
    /** Console messages of type error, "text (url:line)". */
    consoleErrors: [],
    /** All console messages, "type: text". */
    console: [],
    /** Uncaught exceptions in the page. */
    pageErrors: [],
    context,
    page: null,
    async screenshot(name) {
      await mkdir(SCREENSHOTS, { recursive: true });
      const file = join(SCREENSHOTS, `${name}.png`);
      await app.page.screenshot({ path: file, fullPage: true });
      return file;
    },
    async close() {
      await context.close().catch(() => {});
      await server?.close();
      await rm(profile, { recursive: true, force: true });
    },
  };

  // Context-level events also cover requests made by dedicated workers.
  context.on('request', (req) => app.requests.push(req.url()));
  context.on('requestfailed', (req) => app.failedRequests.push(`${req.url()} ${req.failure()?.errorText}`));
  const watch = (page) => {
    // Page-level console events include those of the page's dedicated workers.
    page.on('console', (msg) => {
      app.console.push(`${msg.type()}: ${msg.text()}`);
      if (msg.type() === 'error') {
        const loc = msg.location();
        app.consoleErrors.push(`${msg.text()} (${loc.url}:${loc.lineNumber})`);
      }
    });
    page.on('pageerror', (err) => app.pageErrors.push(String(err.stack ?? err)));
  };
  context.pages().forEach(watch);
  context.on('page', watch);

  app.page = context.pages()[0] ?? (await context.newPage());
  try {
    await app.page.goto(app.url);
  } catch (e) {
    await app.close();
    throw e;
  }
  return app;
}
