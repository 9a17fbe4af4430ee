// The installable app (issue 18), in Chromium: the manifest declares the .hprof file handler,
// the service worker caches exactly the app's own files (never a dump the user opens), and a
// copy visited once keeps working with the network gone: reload, open a dump, read the suspect.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DIST, openApp } from './harness.mjs';
import { assertNoErrors, fixture, openDump, waitSuspects } from './dumps.mjs';

const READY = '.engine-status[data-state="ready"][data-ping="ok"]';
// What the hosted page never loads (scripts/sw-assets.py): not cached. The sample dump is
// cached when first used, not at install.
const NOT_CACHED = new Set(['sw.js', 'heaplens-offline.html', 'SHA256SUMS']);
const SAMPLE = 'queue_backlog.hprof.gz';

/** The paths (relative to the app) the service worker's cache holds, sorted. */
async function cachedPaths(page) {
  return page.evaluate(async () => {
    const out = [];
    for (const name of await caches.keys()) {
      const cache = await caches.open(name);
      for (const req of await cache.keys()) out.push(new URL(req.url).pathname.replace(/^\//, ''));
    }
    return out.sort();
  });
}

test('installable app: manifest, service worker cache, works offline after one visit', async (t) => {
  const app = await openApp({ serviceWorkers: 'allow' });
  t.after(() => app.close());
  const { page } = app;
  await page.locator(READY).waitFor({ timeout: 30_000 });

  await t.test('the manifest declares the app and its .hprof file handler', async () => {
    const manifest = JSON.parse(await readFile(join(DIST, 'manifest.webmanifest'), 'utf8'));
    assert.equal(manifest.start_url, './');
    assert.equal(manifest.display, 'standalone');
    const accepts = manifest.file_handlers.flatMap((h) => Object.values(h.accept).flat());
    assert.ok(accepts.includes('.hprof') && accepts.includes('.gz'), JSON.stringify(accepts));
    const files = new Set(await readdir(DIST));
    for (const icon of manifest.icons) assert.ok(files.has(icon.src), `icon ${icon.src} not in dist/`);
    // The page links it (and the browser fetched it from us).
    assert.equal(await page.locator('link[rel="manifest"]').getAttribute('href'), 'manifest.webmanifest');
  });

  await t.test('the service worker caches exactly the app files of this build', async () => {
    const scope = await page.evaluate(async () => {
      const reg = await navigator.serviceWorker.ready;
      return reg.scope;
    });
    assert.equal(scope, app.origin + '/');
    // Installed means the whole list is in the cache (addAll is all or nothing).
    const expected = ['', ...(await readdir(DIST)).filter((f) => !NOT_CACHED.has(f) && f !== SAMPLE)].sort();
    assert.deepEqual(await cachedPaths(page), expected);
    assert.ok(!app.served.includes(`/${SAMPLE}`), 'the sample was downloaded without being asked for');
    // The page is controlled after a reload (the first visit installs; clients.claim takes it).
    await page.reload();
    await page.locator(READY).waitFor({ timeout: 30_000 });
    assert.ok(await page.evaluate(() => navigator.serviceWorker.controller !== null));
    // Another page of the origin is not answered with the app (only the start page is).
    const other = await page.evaluate(async () => (await fetch('./no-such-page.html')).status);
    assert.equal(other, 404);
    // (Chromium logs that 404 as a console error: ours, expected.)
    app.consoleErrors = app.consoleErrors.filter((e) => !e.includes('/no-such-page.html'));
  });

  await t.test('offline: the app reloads, analyzes a dump, and the dump is not cached', async () => {
    const before = await cachedPaths(page);
    const served = app.served.length;
    await app.context.setOffline(true);
    await page.reload();
    await page.locator(READY).waitFor({ timeout: 30_000 });
    await openDump(app, fixture('retry_buffer'));
    await waitSuspects(page);
    const pattern = await page.locator('.suspect').first().getAttribute('data-pattern');
    assert.ok(pattern, 'a suspect is shown');
    assert.equal(app.served.length, served, `served while offline: ${app.served.slice(served)}`);
    assert.deepEqual(await cachedPaths(page), before);
    assert.ok(!before.some((p) => p.includes('retry_buffer')));
    await app.context.setOffline(false);
  });

  await t.test('the sample dump is cached once used, then opens offline', async () => {
    await page.reload(); // the landing page again (an analysis does not survive a reload)
    await page.locator(READY).waitFor({ timeout: 30_000 });
    await page.getByRole('button', { name: 'Try a sample dump' }).click();
    await page.locator('.dumpbar').waitFor({ timeout: 60_000 });
    assert.ok(app.served.includes(`/${SAMPLE}`));
    // The copy is put in the cache after the response is handed to the page: wait for it.
    await page.waitForFunction(async (name) => (await caches.match(name)) !== undefined, SAMPLE);
    await app.context.setOffline(true);
    await page.reload();
    await page.locator(READY).waitFor({ timeout: 30_000 });
    await page.getByRole('button', { name: 'Try a sample dump' }).click();
    await page.locator('.dumpbar').waitFor({ timeout: 60_000 });
    await waitSuspects(page);
    assert.equal(await page.locator('.suspect').first().getAttribute('data-pattern'), 'queue backlog');
    await app.context.setOffline(false);
  });

  assertNoErrors(app);
});
