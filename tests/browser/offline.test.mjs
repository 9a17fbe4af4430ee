// The one-file app (issue 18): dist/heaplens-offline.html, copied alone into an empty directory
// and opened from disk (`file:`), runs every part of the app (UI, analysis worker, hand-over to
// a fresh worker, sample dump, exports) with no request but its own file, `data:` and `blob:`:
// no network, and no other file read. It shows its version and the SHA-256 of the wasm it runs,
// which equal the build's (dist/SHA256SUMS) and the files the hosted copy serves. It embeds
// the memory64 engine too: the second test makes the page pick it (`?engine=memory64`, as
// memory64.test.mjs does on the served page: a dump that needs it cannot be a fixture) and run
// a whole analysis in it, still from the one file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DIST, openUrl } from './harness.mjs';
import {
  assertMemory64Overview,
  assertNoErrors,
  facts,
  fixture,
  fmt,
  go,
  openDump,
  removeTempFiles,
  shot,
  tempFile,
  waitSuspects,
} from './dumps.mjs';

const READY = '.engine-status[data-state="ready"][data-ping="ok"]';
const OFFLINE = 'heaplens-offline.html';

/** dist/SHA256SUMS as { file: sha256 }. */
async function sums() {
  const text = await readFile(join(DIST, 'SHA256SUMS'), 'utf8');
  return Object.fromEntries(text.trim().split('\n').map((l) => l.split(/\s+/).reverse()));
}

/** Copies the offline file alone into an empty directory: its file: URL and the directory. */
async function lonelyCopy() {
  const dir = await mkdtemp(join(tmpdir(), 'heaplens-offline-'));
  const file = join(dir, OFFLINE);
  await copyFile(join(DIST, OFFLINE), file);
  return { dir, file, url: pathToFileURL(file).href };
}

/** The first suspect card's pattern, title and explanation. */
async function firstSuspect(page) {
  const card = page.locator('.suspect').first();
  return {
    pattern: await card.getAttribute('data-pattern'),
    title: await card.locator('h3').innerText(),
    explanation: await card.locator('.explanation').innerText(),
  };
}

test('heaplens-offline.html works from file:// with no request but its own file', async (t) => {
  const { dir, file, url } = await lonelyCopy();
  const size = (await stat(file)).size;
  t.diagnostic(`${OFFLINE}: ${fmt(size)} bytes`);
  const app = await openUrl(url);
  t.after(async () => {
    await app.close();
    await removeTempFiles();
    await rm(dir, { recursive: true, force: true });
  });
  const { page } = app;

  await page.locator(READY).waitFor({ timeout: 60_000 });
  await shot(page, 'offline-landing');

  // "Keep analyses on this computer": a file:// page gets no Origin Private File System in
  // Chromium, so the option is shown disabled, with the reason.
  await page.locator('.kept-panel .keep-pref[data-available="false"]').waitFor({ timeout: 10_000 });
  assert.ok(await page.locator('.kept-panel .keep-pref input').isDisabled());
  assert.match(await page.locator('.keep-unavailable').innerText(), /opened from a file \(file:\/\/\)/);

  // Version and hashes, computed in the page from the bytes it runs: the build's.
  const footer = page.locator('footer.offline-build');
  await footer.waitFor({ state: 'attached' });
  const version = (await readFile(new URL('../../web/Cargo.toml', import.meta.url), 'utf8')).match(/^version = "(.+)"/m)[1];
  assert.equal(await footer.locator('summary').innerText(), `heaplens ${version} · offline file`);
  const expected = await sums();
  const appWasm = Object.keys(expected).find((f) => /^app-[0-9a-f]+_bg\.wasm$/.test(f));
  assert.ok(appWasm, `no app wasm in SHA256SUMS: ${Object.keys(expected)}`);
  assert.equal(await footer.locator('dd[data-role="app"] code').textContent(), expected[appWasm]);
  assert.equal(await footer.locator('dd[data-role="engine"] code').textContent(), expected['worker_bg.wasm']);
  assert.equal(await footer.locator('dd[data-role="engine64"] code').textContent(), expected['worker64_bg.wasm']);
  assert.equal(await footer.locator('.mismatch').count(), 0);

  // A real dump, end to end: the suspects, the dominator tree, the inspector (a field read
  // again from the file), the hand-over to a fresh worker.
  const f = await facts('queue_backlog');
  await openDump(app, fixture('queue_backlog'));
  assert.match(await page.locator('.dumpbar .file-name').innerText(), /queue_backlog\.hprof\.gz/);
  await waitSuspects(page);
  const s = await firstSuspect(page);
  assert.equal(s.pattern, 'queue backlog');
  assert.match(s.title, /com\.example\.monitor\.TcpSocketSender/);
  assert.ok(
    s.explanation.startsWith(`queue backlog: ${f.queue_class} held by ${f.sender_class}.${f.queue_field} holds ${fmt(f.queue_messages)} elements`),
    s.explanation,
  );
  await shot(page, 'offline-suspects');
  await page.waitForFunction(() => window.__heaplensMetrics?.handedOver === true, null, { timeout: 30_000 });
  assert.equal(await page.evaluate(() => window.__heaplensMetrics.freshWorker), true, 'handed over to a fresh worker');

  await go(page, '#/dominators');
  const top = page.locator('.trow[data-depth="0"]:not(.pending)').first();
  await top.waitFor();
  assert.match(await top.innerText(), /TcpSocketSender/);
  await top.locator('.twisty').click();
  const queue = page.locator('.trow[data-depth="1"]:not(.pending)').first();
  await queue.waitFor();
  assert.match(await queue.innerText(), /ArrayBlockingQueue/);
  await queue.locator('a.roots').click();
  await page.locator('.obj-head').waitFor();
  await page.locator('figure.path').first().waitFor({ timeout: 30_000 });
  assert.match(await page.locator('details.fields').innerText(), new RegExp(`count\\s+int\\s+${f.queue_messages}`));

  // An export: a blob: download.
  await go(page, '#/suspects');
  await page.locator('.export-menu summary').click();
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.locator('.export-menu .menu button', { hasText: 'JSON' }).click(),
  ]);
  assert.ok(download.url().startsWith('blob:'), download.url());
  const report = JSON.parse(await readFile(await download.path(), 'utf8'));
  assert.equal(report.suspects[0].class, f.sender_class);
  await page.keyboard.press('Escape');

  // The bundled sample, from the page itself (the drop zone and its button are on the landing
  // page: a bad file leads back to it).
  await openDump(app, await tempFile('empty.hprof', Buffer.alloc(0)));
  await page.locator('.error-card').waitFor();
  await page.getByRole('button', { name: 'Try a sample dump' }).click();
  await page.locator('.dumpbar').waitFor({ timeout: 60_000 });
  assert.match(await page.locator('.dumpbar .file-name').innerText(), /queue_backlog\.hprof\.gz \(sample\)/);
  await waitSuspects(page);
  assert.equal((await firstSuspect(page)).pattern, 'queue backlog');

  // Nothing but this file, data: and blob: (the blob: workers): no network, no other file.
  const others = app.requests.filter((u) => u !== url && !/^(data|blob):/.test(u));
  assert.deepEqual(others, [], 'requests other than the page, data: and blob:');
  assert.deepEqual(app.failedRequests, []);
  assertNoErrors(app);

  // And the policy allows none: a fetch from the page and from the worker is refused by it.
  const probe = () =>
    new Promise((ok) => {
      const seen = [];
      self.addEventListener('securitypolicyviolation', (e) => seen.push(e.effectiveDirective));
      Promise.all(
        ['http://127.0.0.1:9/collect', 'file:///etc/hostname', 'data:text/plain,x'].map((u) =>
          fetch(u).then(
            () => 'sent',
            () => 'refused',
          ),
        ),
      ).then((outcomes) => setTimeout(() => ok({ outcomes, seen }), 300));
    });
  const fromPage = await page.evaluate(probe);
  assert.deepEqual(fromPage.outcomes, ['refused', 'refused', 'refused']);
  assert.ok(fromPage.seen.includes('connect-src'), JSON.stringify(fromPage));
  const worker = page.workers().at(-1);
  const fromWorker = await worker.evaluate(probe);
  assert.deepEqual(fromWorker.outcomes, ['refused', 'refused', 'refused']);
  assert.ok(fromWorker.seen.includes('connect-src'), JSON.stringify(fromWorker));
  // A small dump ran in the wasm32 engine (the memory64 one is for dumps beyond its memory).
  assert.deepEqual(await engines(page), ['heaplens-engine i32']);
});

/** Each live engine worker's name and its wasm memory's index type (a 64-bit memory grows by
 * a BigInt, a 32-bit one by a Number), from the instance the offline boot script keeps. */
async function engines(page) {
  const seen = await Promise.all(
    page.workers().map((w) =>
      w.evaluate(() => {
        const memory = self.heaplensEngineExports?.memory;
        if (!memory) return `${self.name} -`;
        try {
          memory.grow(0);
          return `${self.name} i32`;
        } catch {
          memory.grow(0n);
          return `${self.name} i64`;
        }
      }),
    ),
  );
  return seen.filter((s) => s.startsWith('heaplens-engine'));
}

test('heaplens-offline.html runs the memory64 engine from file:// too', async (t) => {
  const { dir, url: fileUrl } = await lonelyCopy();
  // The URL's override, as on the served page (web/src/ui/worker_kind.rs).
  const url = `${fileUrl}?engine=memory64`;
  const app = await openUrl(url);
  t.after(async () => {
    await app.close();
    await rm(dir, { recursive: true, force: true });
  });
  const { page } = app;
  await page.locator(READY).waitFor({ timeout: 60_000 });

  const f = await facts('retry_buffer');
  await openDump(app, fixture('retry_buffer'));
  await waitSuspects(page);
  const s = await firstSuspect(page);
  assert.equal(s.pattern, 'collection accumulation');
  assert.match(s.title, new RegExp(f.holder_class.replaceAll('.', '\\.')));
  assert.ok(s.explanation.includes(`holds ${fmt(f.batches)} elements`), s.explanation);
  await assertMemory64Overview(page, 'offline-memory64-overview');

  // Fields read from the dump's File by the fresh memory64 worker: payload[i] is (byte) seq at
  // i % 64 == 0, else i % 64 (RetryBufferApp.java).
  await go(page, `#/query?q=${encodeURIComponent(`SELECT b.sequence, b.payload[0], b.payload[5] FROM ${f.batch_class} b WHERE b.sequence <= 3`)}`);
  await page.locator('.query-total').waitFor({ timeout: 60_000 });
  assert.match(await page.locator('.query-total').textContent(), /^3 rows/);
  const cells = await page.locator('table.query-results tr.vrow').evaluateAll((rows) =>
    rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent).join(' ')),
  );
  assert.deepEqual(cells.sort(), ['1 1 5', '2 2 5', '3 3 5']);

  // The worker that holds the analysis runs the memory64 build: a 64-bit memory.
  assert.deepEqual(await engines(page), ['heaplens-engine64 i64']);

  const others = app.requests.filter((u) => u !== url && !/^(data|blob):/.test(u));
  assert.deepEqual(others, [], 'requests other than the page, data: and blob:');
  assert.deepEqual(app.failedRequests, []);
  assertNoErrors(app);
});
