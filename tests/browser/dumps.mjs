// Helpers of the app tests (not a test file itself): fixtures, opening a dump through the file
// input, waiting for the analysis, moving between views, and the privacy audit of the requests.
import assert from 'node:assert/strict';
import { readFile, readdir, writeFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { DIST, ROOT, SCREENSHOTS } from './harness.mjs';

export const FIXTURES = join(ROOT, 'tests', 'fixtures');
export const fixture = (name) => join(FIXTURES, `${name}.hprof.gz`);
export const facts = async (name) => JSON.parse(await readFile(join(FIXTURES, `${name}.facts.json`), 'utf8'));
/** `84000` → `84,000` (the UI's and the explanations' format). */
export const fmt = (n) => Number(n).toLocaleString('en-US');

const tempDirs = [];

/** Remove the files made by `tempFile` (call from `t.after`). */
export async function removeTempFiles() {
  await Promise.all(tempDirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
}

/** A temporary file with `bytes` (Playwright hands the browser a path, not a base64 copy). */
export async function tempFile(name, bytes) {
  const dir = await mkdtemp(join(tmpdir(), 'heaplens-test-'));
  tempDirs.push(dir);
  const path = join(dir, name);
  await writeFile(path, bytes);
  return path;
}

/** The first `fraction` of a fixture, decompressed: a dump whose writer died midway. */
export async function truncatedFixture(name, fraction) {
  const raw = gunzipSync(await readFile(fixture(name)));
  return tempFile(`${name}-truncated.hprof`, raw.subarray(0, Math.floor(raw.length * fraction)));
}

/** A fixture, decompressed and cut after `bytes` bytes. */
export async function cutFixture(name, bytes) {
  const raw = gunzipSync(await readFile(fixture(name)));
  return tempFile(`${name}-cut-${bytes}.hprof`, raw.subarray(0, bytes));
}

/**
 * A fixture, decompressed, with `count` skippable records (CPU SAMPLES, `size` bytes each)
 * right after the file header: a big but valid dump that takes a while to read.
 */
export async function paddedFixture(name, count, size) {
  const raw = gunzipSync(await readFile(fixture(name)));
  const headerEnd = raw.indexOf(0) + 1 + 4 + 8; // "JAVA PROFILE 1.0.2\0", id size, timestamp
  const record = Buffer.alloc(9 + size);
  record[0] = 0x0d;
  record.writeUInt32BE(size, 5);
  const parts = [raw.subarray(0, headerEnd)];
  for (let i = 0; i < count; i++) parts.push(record);
  parts.push(raw.subarray(headerEnd));
  return tempFile(`${name}-padded.hprof`, Buffer.concat(parts));
}

/**
 * Record method and body of every request from now on (the harness records URLs): the privacy
 * audit checks that nothing is ever sent, only static files fetched.
 */
export function recordRequests(app) {
  const log = [];
  app.context.on('request', (r) => log.push({ url: r.url(), method: r.method(), body: r.postDataBuffer() }));
  return log;
}

/** Every request went to the test server, was a GET for a file of dist/, and carried no body. */
export async function assertPrivate(app, log, dumpNames = []) {
  const files = new Set(await readdir(DIST));
  for (const u of app.requests) {
    const url = new URL(u);
    assert.equal(url.origin, app.origin, `request to another origin: ${u}`);
  }
  for (const r of log) {
    assert.equal(r.method, 'GET', `${r.method} ${r.url}`);
    assert.equal(r.body, null, `request with a body: ${r.url}`);
  }
  for (const p of app.served) {
    const path = decodeURIComponent(new URL(p, 'http://x').pathname).replace(/^\//, '');
    assert.ok(path === '' || files.has(path), `not a static asset of dist/: ${p}`);
    for (const n of dumpNames) assert.ok(!p.includes(n), `the dump's name went out: ${p}`);
  }
  // Cancel and "open another dump" terminate the worker, and Chromium aborts the worker's own
  // script/wasm fetch when that happens mid-load: that one failure is expected and harmless.
  const unexpected = app.failedRequests.filter(
    (f) => !/\/(worker(_loader)?\.js|worker_bg\.wasm) net::ERR_ABORTED$/.test(f),
  );
  assert.deepEqual(unexpected, []);
}

/** Set a file on the page's file input and wait until the dump is analyzed (or failed). */
export async function openDump(app, path) {
  const { page } = app;
  await page.locator('#file-input').setInputFiles(path);
  await page.locator('.dumpbar, .error-card').first().waitFor({ timeout: 60_000 });
}

/** Go to the leak suspects and wait until they are known: cards, or the "no leak suspect" note. */
export async function waitSuspects(page) {
  await go(page, '#/suspects');
  await page
    .locator('.suspects-view .suspect, .suspects-view .ok-note, .suspects-view .warn-note')
    .first()
    .waitFor({ timeout: 60_000 });
}

export async function go(page, hash) {
  await page.evaluate((h) => {
    location.hash = h;
  }, hash);
}

/** A viewport (not full-page) screenshot, for the README and for looking at. */
export async function shot(page, name, { fullPage = false } = {}) {
  await page.waitForTimeout(120); // let the last frame paint
  const path = join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage });
  return path;
}

export function assertNoErrors(app) {
  assert.deepEqual(app.pageErrors, [], 'uncaught exceptions in the page');
  assert.deepEqual(app.consoleErrors, [], `console errors:\n${app.console.join('\n')}`);
}

/**
 * A synthetic HPROF (1.0.2, 8-byte ids): one `com.x.Item[]` (a JNI global root) holding
 * `n` `com.x.Item` instances: a dominator-tree node with `n` children.
 */
export function wideDump(n) {
  const chunks = [];
  const u1 = (v) => Buffer.from([v]);
  const u2 = (v) => { const b = Buffer.alloc(2); b.writeUInt16BE(v); return b; };
  const u4 = (v) => { const b = Buffer.alloc(4); b.writeUInt32BE(v); return b; };
  const id = (v) => { const b = Buffer.alloc(8); b.writeBigUInt64BE(BigInt(v)); return b; };
  const record = (tag, body) => Buffer.concat([u1(tag), u4(0), u4(body.length), body]);
  chunks.push(Buffer.from('JAVA PROFILE 1.0.2\0', 'latin1'), u4(8), id(1_700_000_000_000));
  const names = { object: 'java/lang/Object', klass: 'java/lang/Class', item: 'com/x/Item', array: '[Lcom/x/Item;', n: 'n' };
  const nameId = {};
  Object.values(names).forEach((s, i) => {
    nameId[s] = 0x100 + i;
    chunks.push(record(0x01, Buffer.concat([id(0x100 + i), Buffer.from(s, 'latin1')])));
  });
  const classIds = { object: 0x1000, klass: 0x1100, item: 0x1200, array: 0x1300 };
  Object.entries(classIds).forEach(([k, cid], i) => {
    chunks.push(record(0x02, Buffer.concat([u4(i + 1), id(cid), u4(1), id(nameId[names[k]])])));
  });
  const heap = [];
  const classDump = (cid, superId, size, fields) =>
    Buffer.concat([
      u1(0x20), id(cid), u4(1), id(superId), id(0), id(0), id(0), id(0), id(0), u4(size), u2(0), u2(0),
      u2(fields.length), ...fields.flatMap(([name, type]) => [id(nameId[name]), u1(type)]),
    ]);
  heap.push(classDump(classIds.object, 0, 16, []), classDump(classIds.klass, classIds.object, 16, []));
  heap.push(classDump(classIds.item, classIds.object, 20, [['n', 10]]), classDump(classIds.array, classIds.object, 16, []));
  const itemIds = [];
  for (let i = 0; i < n; i++) {
    const oid = 0x10_0000 + i * 16;
    itemIds.push(oid);
    heap.push(Buffer.concat([u1(0x21), id(oid), u4(1), id(classIds.item), u4(4), u4(i)]));
  }
  const arrayId = 0x10_0000 + n * 16;
  heap.push(Buffer.concat([u1(0x22), id(arrayId), u4(1), u4(n), id(classIds.array), ...itemIds.map(id)]));
  heap.push(Buffer.concat([u1(0x01), id(arrayId), id(0x77)]));
  chunks.push(record(0x1c, Buffer.concat(heap)), record(0x2c, Buffer.alloc(0)));
  return Buffer.concat(chunks);
}

/**
 * Wait for the hand-over to a fresh worker, then check on the Overview that the analysis runs in
 * the memory64 worker (its stats line says so); a screenshot `name` of that Overview.
 */
export async function assertMemory64Overview(page, name) {
  await page.waitForFunction(() => window.__heaplensMetrics?.handedOver === true, null, { timeout: 30_000 });
  assert.equal(await page.evaluate(() => window.__heaplensMetrics.freshWorker), true, 'handed over to a fresh worker');
  await go(page, '#/overview');
  const stats = page.locator('.analysis-stats[data-engine="worker64"]');
  await stats.waitFor({ timeout: 30_000 });
  assert.match(await stats.innerText(), /64-bit worker memory/);
  await shot(page, name);
}
