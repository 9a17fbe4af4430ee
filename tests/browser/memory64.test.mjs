// The memory64 analysis worker (docs/scaling.md; scripts/build-worker64.sh): the same worker
// bin built for wasm64, which the page starts for dumps beyond a wasm32 memory. Dumps that big
// cannot be fixtures, so `?engine=memory64` asks for it on a small one, and the results must be
// the wasm32 worker's:
// - the incident's first suspect, the overview saying which worker analyzed it;
// - the hand-over to a fresh memory64 worker, which reads fields from the File again (a query
//   whose values the program wrote);
// - only the page's own files are requested (the memory64 build's, not the wasm32 one's);
// - without the override, a small dump gets the wasm32 worker.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openApp } from './harness.mjs';
import { assertMemory64Overview, assertNoErrors, assertPrivate, fixture, go, openDump, recordRequests, waitSuspects } from './dumps.mjs';

const CLASS = 'com.example.retry.ResultBatch';

/** Runs `text` in the Query view and returns its rows' cells. */
async function query(page, text) {
  await go(page, `#/query?q=${encodeURIComponent(text)}`);
  const line = page.locator('.query-total');
  await line.waitFor({ timeout: 60_000 });
  const total = Number((await line.textContent()).match(/^([\d,]+) rows/)[1].replace(/,/g, ''));
  const cells = await page.locator('table.query-results tr.vrow').evaluateAll((rows) =>
    rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent)),
  );
  return { total, cells };
}

/** The first suspect card's pattern and title, after the analysis. */
async function firstSuspect(page) {
  await waitSuspects(page);
  const card = page.locator('.suspect').first();
  return { pattern: await card.getAttribute('data-pattern'), title: await card.locator('h3').innerText() };
}

test('memory64 worker: same answers as wasm32, fields read from the file, own files only', async (t) => {
  // The reference: the default (wasm32) worker on the same dump.
  const ref = await openApp();
  t.after(() => ref.close());
  await openDump(ref, fixture('retry_buffer'));
  const expected = await firstSuspect(ref.page);
  await go(ref.page, '#/overview');
  await ref.page.locator('.analysis-stats[data-engine="worker"]').waitFor({ timeout: 30_000 });
  assert.ok(ref.requests.some((u) => u.endsWith('/worker_bg.wasm')));
  assert.ok(!ref.requests.some((u) => u.includes('worker64')), 'a small dump gets the wasm32 worker');

  const app = await openApp({ path: '/?engine=memory64' });
  t.after(() => app.close());
  const { page } = app;
  const log = recordRequests(app);
  await openDump(app, fixture('retry_buffer'));
  assert.deepEqual(await firstSuspect(page), expected);
  assert.equal(expected.pattern, 'collection accumulation');
  await assertMemory64Overview(page, 'memory64-overview');

  // payload[i] is (byte) seq at i % 64 == 0, else i % 64 (RetryBufferApp.java): array elements
  // are never kept, so they come from the File, in the memory64 worker the analysis moved to.
  const { total, cells } = await query(
    page,
    `SELECT b.sequence, toString(b.id), b.payload[0], b.payload[5] FROM ${CLASS} b WHERE b.sequence <= 3`,
  );
  assert.equal(total, 3);
  assert.deepEqual(
    cells.map((c) => c.join(' ')).sort(),
    ['1 batch-000001 1 5', '2 batch-000002 2 5', '3 batch-000003 3 5'],
  );
  assert.equal((await query(page, `SELECT * FROM ${CLASS}`)).total, 2000);

  assert.ok(app.requests.some((u) => u.endsWith('/worker64_bg.wasm')), 'the memory64 build was loaded');
  assert.ok(!app.requests.some((u) => u.endsWith('/worker_bg.wasm')), 'and not the wasm32 one');
  await assertPrivate(app, log, ['retry_buffer']);
  assertNoErrors(app);
});
