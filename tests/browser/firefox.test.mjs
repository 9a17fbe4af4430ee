// The main flow in Firefox (Debian's firefox-esr, headless, driven by puppeteer-core over
// WebDriver BiDi): privacy-minded users run it, and it differs from Chromium where we depend on
// the platform (module workers, blob: workers, DecompressionStream, the file input).
//   1. the hosted app (dist/ over http): open a dump with the file input, read its leak suspect;
//   2. the one-file app (heaplens-offline.html) opened from disk: the same;
//   3. an analysis kept on this computer (the Origin Private File System) reopens from disk.
// Privacy: Firefox's own traffic is off (puppeteer's profile prefs) and every proxy points at a
// closed local port, so nothing can leave the machine; the server must have served only files
// of dist/ (the dump is never among them), and the page must have made no other request.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import puppeteer from 'puppeteer-core';
import { DIST, SCREENSHOTS, serveDist } from './harness.mjs';
import { facts, fixture, fmt } from './dumps.mjs';

const FIREFOX = process.env.FIREFOX ?? '/usr/bin/firefox-esr';
const READY = '.engine-status[data-state="ready"][data-ping="ok"]';

/** Headless Firefox that can reach 127.0.0.1 only. */
async function launch() {
  return puppeteer.launch({
    browser: 'firefox',
    executablePath: FIREFOX,
    headless: true,
    protocol: 'webDriverBiDi',
    extraPrefsFirefox: {
      // Every http/https/socks connection goes to a closed port, but 127.0.0.1 (our server).
      'network.proxy.type': 1,
      'network.proxy.http': '127.0.0.1',
      'network.proxy.http_port': 9,
      'network.proxy.ssl': '127.0.0.1',
      'network.proxy.ssl_port': 9,
      'network.proxy.socks': '127.0.0.1',
      'network.proxy.socks_port': 9,
      'network.proxy.socks_remote_dns': true,
      'network.proxy.no_proxies_on': '127.0.0.1',
      'network.proxy.allow_hijacking_localhost': false,
      'network.captive-portal-service.enabled': false,
      'network.connectivity-service.enabled': false,
    },
  });
}

/** dist/ served over http and a Firefox for it, both closed when test `t` ends. */
async function servedFirefox(t) {
  const server = await serveDist(DIST);
  const browser = await launch();
  t.after(async () => {
    await browser.close();
    await server.close();
  });
  return { server, browser };
}

/** A new tab of `browser` at `url` once its engine is ready; page errors go to `errors`, the
 * URLs it requests to `requests` when given. */
async function readyPage(browser, url, errors, requests = null) {
  const page = await browser.newPage();
  if (requests) page.on('request', (r) => requests.push(r.url()));
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.setViewport({ width: 1100, height: 700 });
  await page.goto(url);
  await page.waitForSelector(READY, { timeout: 60_000 });
  return page;
}

/** Open the app at `url`, give it the queue_backlog fixture, return its first suspect. */
async function mainFlow(browser, url, shotName) {
  const requests = [];
  const errors = [];
  const page = await readyPage(browser, url, errors, requests);
  const input = await page.$('#file-input');
  await input.uploadFile(fixture('queue_backlog'));
  await page.waitForSelector('.dumpbar', { timeout: 90_000 });
  await page.evaluate(() => {
    location.hash = '#/suspects';
  });
  await page.waitForSelector('.suspects-view .suspect', { timeout: 90_000 });
  const suspect = await page.$eval('.suspect', (card) => ({
    pattern: card.getAttribute('data-pattern'),
    title: card.querySelector('h3').innerText,
    explanation: card.querySelector('.explanation').innerText,
  }));
  const file = await page.$eval('.dumpbar .file-name', (e) => e.innerText);
  await mkdir(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${shotName}.png`) });
  await page.close();
  return { suspect, file, requests, errors };
}

async function assertQueueBacklog({ suspect, file, errors }) {
  const f = await facts('queue_backlog');
  assert.deepEqual(errors, []);
  assert.match(file, /queue_backlog\.hprof\.gz/);
  assert.equal(suspect.pattern, 'queue backlog');
  assert.match(suspect.title, /com\.example\.monitor\.TcpSocketSender/);
  assert.ok(
    suspect.explanation.includes(`holds ${fmt(f.queue_messages)} elements`),
    suspect.explanation,
  );
}

test('Firefox: the hosted app analyzes a dump, only its own files are requested', async (t) => {
  const { server, browser } = await servedFirefox(t);
  const result = await mainFlow(browser, server.origin + '/', 'firefox-suspects');
  await assertQueueBacklog(result);
  const files = new Set(await readdir(DIST));
  for (const p of server.served) {
    const path = decodeURIComponent(new URL(p, 'http://x').pathname).replace(/^\//, '');
    assert.ok(path === '' || files.has(path), `not a static asset of dist/: ${p}`);
    assert.ok(!p.includes('queue_backlog'), `the dump went out: ${p}`);
  }
  const foreign = result.requests.filter((u) => !u.startsWith(server.origin) && !/^(data|blob):/.test(u));
  assert.deepEqual(foreign, [], 'requests to other origins');
});

test('Firefox: heaplens-offline.html works from file://', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'heaplens-ff-offline-'));
  const file = join(dir, 'heaplens-offline.html');
  await copyFile(join(DIST, 'heaplens-offline.html'), file);
  const browser = await launch();
  t.after(async () => {
    await browser.close();
    await rm(dir, { recursive: true, force: true });
  });
  const url = pathToFileURL(file).href;
  const result = await mainFlow(browser, url, 'firefox-offline-suspects');
  await assertQueueBacklog(result);
  const other = result.requests.filter((u) => u !== url && !/^(data|blob):/.test(u));
  assert.deepEqual(other, [], 'requests but the page itself');
});

test('Firefox: an analysis kept on request reopens from disk, and Delete all empties it', async (t) => {
  const { server, browser } = await servedFirefox(t);
  const errors = [];
  const open = async () => {
    const page = await readyPage(browser, server.origin + '/', errors);
    await page.waitForSelector('.kept-panel .keep-pref[data-available="true"]', { timeout: 10_000 });
    await (await page.$('#file-input')).uploadFile(fixture('queue_backlog'));
    await page.waitForSelector('.dumpbar', { timeout: 90_000 });
    return page;
  };
  const metrics = (page) => page.evaluate(() => ({ ...window.__heaplensMetrics }));
  let page = await open();
  assert.equal((await metrics(page)).fromKept, false);
  await page.waitForSelector('.keep-this', { timeout: 30_000 });
  await page.click('.keep-this');
  await page.waitForSelector('.keep-status[data-state="kept"]', { timeout: 60_000 });
  await page.close({ runBeforeUnload: false });

  page = await open();
  await page.waitForSelector('.kept-from', { timeout: 30_000 });
  const m = await metrics(page);
  assert.equal(m.fromKept, true);
  assert.equal(m.firstResultsMs, null, 'no first pass');
  await page.evaluate(() => {
    location.hash = '#/suspects';
  });
  await page.waitForSelector('.suspects-view .suspect', { timeout: 30_000 });
  assert.equal(await page.$eval('.suspect', (c) => c.getAttribute('data-pattern')), 'queue backlog');
  await page.click('.kept-details summary');
  await page.click('.kept-details .kept-delete-all');
  await page.waitForSelector('.kept-details .kept-empty', { timeout: 10_000 });
  const left = await page.evaluate(async () => {
    const names = [];
    for await (const [name] of (await navigator.storage.getDirectory()).entries()) names.push(name);
    return names;
  });
  assert.deepEqual(left, []);
  assert.deepEqual(errors, []);
  await page.close({ runBeforeUnload: false });
});

test('Firefox: dump after dump in one tab, each read by its own file reader', async (t) => {
  // The page starts a file reader worker beside the analysis worker for each dump and stops it
  // once the dump is read (web/src/reader_worker.rs). Started inside the analysis worker
  // instead, Firefox hung at a later open 1 time in 12: five opens in a row here.
  const { server, browser } = await servedFirefox(t);
  const errors = [];
  const page = await readyPage(browser, server.origin + '/', errors);
  const dumps = ['queue_backlog', 'retry_buffer', 'queue_backlog', 'retry_buffer', 'queue_backlog'];
  for (const [i, name] of dumps.entries()) {
    await (await page.$('#file-input')).uploadFile(fixture(name));
    // This dump's name in the bar and its first suspect's pattern (the summary says "Looking
    // for leak suspects…" until they are found).
    const pattern = name === 'queue_backlog' ? 'queue backlog' : 'collection accumulation';
    const shown = await page
      .waitForFunction(
        (name, pattern) =>
          document.querySelector('.dumpbar .file-name')?.innerText.includes(name) &&
          [...document.querySelectorAll('.suspects-summary, .suspects-view .suspect')].some((e) =>
            e.innerText.includes(pattern),
          ),
        { timeout: 60_000 },
        name,
        pattern,
      )
      .then(
        () => true,
        () => false,
      );
    const text = await page.evaluate(() => document.querySelector('main, body')?.innerText.slice(0, 300));
    assert.ok(shown, `open ${i + 1} (${name}): ${text}`);
  }
  assert.deepEqual(errors, []);
  await page.close({ runBeforeUnload: false });
});
