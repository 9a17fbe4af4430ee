// The Query view (issue 14) on a real incident dump (retry_buffer: 2,000 ResultBatch objects,
// each `batch-NNNNNN` with a 4 KiB payload), after the analysis moved to a fresh worker (which
// reads the fields from the dump's File again):
// - a class count equals the JVM's own histogram (the .histo.txt next to the dump), the result
//   table is virtualized, an object cell opens the inspector;
// - an invalid query shows one error, inline, with its position marked;
// - field values are what the program wrote; the CSV export holds every row;
// - the query is in the URL: a reload (and opening the dump again) runs it again;
// - no request leaves the page but its own static files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { openApp } from './harness.mjs';
import {
  FIXTURES, assertNoErrors, assertPrivate, fixture, fmt, openDump, recordRequests, shot, waitSuspects,
} from './dumps.mjs';

const CLASS = 'com.example.retry.ResultBatch';

/** Instances of `cls` in the JVM's class histogram of the fixture. */
async function jvmCount(name, cls) {
  const text = await readFile(join(FIXTURES, `${name}.histo.txt`), 'utf8');
  const line = text.split('\n').find((l) => l.trim().split(/\s+/)[3] === cls);
  assert.ok(line, `${cls} in ${name}.histo.txt`);
  return Number(line.trim().split(/\s+/)[1]);
}

/** Types `text` into the editor and runs it with Ctrl+Enter. */
async function run(page, text) {
  const editor = page.locator('#query-text');
  await editor.fill(text);
  await editor.press('Control+Enter');
}

/** Waits for the result line of `text` ("N rows") and returns N. */
async function total(page) {
  const line = page.locator('.query-total');
  await line.waitFor({ timeout: 60_000 });
  return Number((await line.textContent()).match(/^([\d,]+) rows/)[1].replace(/,/g, ''));
}

test('queries: counts, inspector links, errors, fields, CSV, the URL', async (t) => {
  const app = await openApp();
  t.after(() => app.close());
  const { page } = app;
  const log = recordRequests(app);
  await openDump(app, fixture('retry_buffer'));
  await waitSuspects(page);
  // Queries run in the worker the analysis was handed to: it reads fields from the File again.
  await page.waitForFunction(() => window.__heaplensMetrics?.handedOver === true, null, { timeout: 30_000 });

  // The tab, and a class scan whose count is the JVM's.
  await page.locator('nav.tabs a', { hasText: 'Query' }).click();
  await page.locator('#query-text').waitFor();
  const all = `SELECT * FROM ${CLASS}`;
  await run(page, all);
  const n = await total(page);
  assert.equal(n, await jvmCount('retry_buffer', CLASS));
  assert.equal(n, 2000);
  assert.equal(decodeURIComponent(new URL(page.url()).hash), `#/query?q=${all}`);
  // Virtualized: a few blocks of rows in the DOM, not 2,000; the last row comes into view.
  const drawn = await page.locator('table.query-results tr.vrow').count();
  assert.ok(drawn > 0 && drawn <= 256, `${drawn} rows drawn`);
  await page.locator('.query-view .vscroll').evaluate((el) => { el.scrollTop = el.scrollHeight; });
  await page.locator('table.query-results tr.vrow[data-index="1999"]:not(.pending)').waitFor({ timeout: 30_000 });
  await shot(page, 'query-results');

  // An object cell opens the inspector.
  await page.locator('.query-view .vscroll').evaluate((el) => { el.scrollTop = 0; });
  const link = page.locator('table.query-results tr.vrow[data-index="0"] a.cls');
  await link.waitFor();
  const href = await link.getAttribute('href');
  assert.match(href, /^#\/object\/0x[0-9a-f]+$/);
  await link.click();
  await page.waitForFunction((h) => location.hash === h, href);
  await page.locator('.object-view').getByText(CLASS).first().waitFor({ timeout: 30_000 });
  await page.goBack();
  await total(page);

  // The result as a selection for the investigation views (the CLI's `heaplens explore DUMP
  // retained-set 'SELECT …'`): 2,000 batches retain 8,000 objects, 4,200 bytes each.
  await page.locator('.query-actions a', { hasText: 'Retained set' }).click();
  const summary = page.locator('.retained-summary');
  await summary.waitFor({ timeout: 60_000 });
  assert.equal(decodeURIComponent(new URL(page.url()).hash), `#/explore/retained/query/${all}`);
  assert.equal(Number(await summary.getAttribute('data-objects')), 8000);
  assert.equal(Number(await summary.getAttribute('data-bytes')), 2000 * 4200);
  assert.equal(await page.locator('.explore-label').textContent(), all);
  await shot(page, 'query-retained-set');
  await page.locator('.view-head a', { hasText: '← Query' }).click();
  await total(page);

  // The inspector shows fields the analysis did not keep, read from the File: a HashMap$Node's
  // hash (a JDK internal outside the kept list) is a number, not "(not kept)".
  await run(page, 'SELECT * FROM java.util.HashMap$Node');
  await total(page);
  await page.locator('table.query-results tr.vrow[data-index="0"] a.cls').click();
  const fieldsPanel = page.locator('details.fields');
  await fieldsPanel.waitFor({ timeout: 30_000 });
  assert.match(await fieldsPanel.innerText(), /hash\s+int\s+-?\d+/);
  assert.equal(await page.locator('details.fields .not-kept').count(), 0);
  assert.doesNotMatch(await fieldsPanel.innerText(), /not kept/);
  await page.goBack();
  await total(page);

  // An invalid query: one error, under the editor, its position marked.
  const bad = `SELECT * FROM ${CLASS} b WHERE b.sequence >`;
  await run(page, bad);
  await page.locator('.query-error').waitFor({ timeout: 30_000 });
  assert.equal(await page.locator('.query-error').count(), 1);
  assert.equal(await page.locator('.query-view [role="alert"]').count(), 1);
  const msg = await page.locator('.query-error .error-note').textContent();
  assert.match(msg, new RegExp(`^Line 1, column ${bad.length + 1}: `), msg);
  assert.equal(await page.locator('.query-error mark').count(), 1);
  assert.equal(await page.locator('.query-at').textContent(), `${bad} `);
  assert.equal(await page.locator('table.query-results').isVisible(), false);
  await shot(page, 'query-error');

  // Fields the program wrote, read from the dump; the CSV export has every row.
  // payload[i] is (byte) seq at i % 64 == 0, else i % 64 (RetryBufferApp.java): array elements
  // are never kept in memory, so they come from the File, in the worker the analysis moved to.
  const fields = `SELECT b.sequence, toString(b.id), b.payload.@length, b.payload[0], b.payload[5] FROM ${CLASS} b WHERE b.sequence <= 3`;
  await run(page, fields);
  assert.equal(await total(page), 3);
  assert.deepEqual(
    await page.locator('table.query-results thead th').allTextContents(),
    ['b.sequence', 'toString(b.id)', 'b.payload.@length', 'b.payload[0]', 'b.payload[5]'],
  );
  const cells = await page.locator('table.query-results tr.vrow').evaluateAll((rows) =>
    rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent)),
  );
  assert.deepEqual(cells.map((c) => c[0]).sort(), ['1', '2', '3']);
  for (const [seq, id, len, first, fifth] of cells) {
    assert.equal(id, `batch-${seq.padStart(6, '0')}`);
    assert.equal(len, '4096');
    assert.equal(first, seq);
    assert.equal(fifth, '5');
  }
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.locator('.query-total button', { hasText: 'Export CSV' }).click(),
  ]);
  assert.equal(download.suggestedFilename(), 'query.csv');
  assert.ok(download.url().startsWith('blob:'), download.url());
  const csv = (await readFile(await download.path(), 'utf8')).split('\r\n');
  assert.equal(csv[0], 'b.sequence,toString(b.id),b.payload.@length,b.payload[0],b.payload[5]');
  assert.deepEqual(csv.slice(1, -1).sort(), ['1,batch-000001,4096,1,5', '2,batch-000002,4096,2,5', '3,batch-000003,4096,3,5']);
  assert.equal(csv.at(-1), '');
  // The whole class, fetched in pages of 1,000 rows.
  await run(page, all);
  await total(page);
  const [big] = await Promise.all([
    page.waitForEvent('download'),
    page.locator('.query-total button', { hasText: 'Export CSV' }).click(),
  ]);
  const rows = (await readFile(await big.path(), 'utf8')).trim().split('\r\n');
  assert.equal(rows.length, 1 + 2000);
  assert.ok(rows.slice(1).every((r) => r.startsWith(`${CLASS} @ 0x`)), rows[1]);
  assert.equal(new Set(rows).size, rows.length, 'no row twice');
  await page.locator('.export-note', { hasText: `Exported ${fmt(2000)} rows` }).waitFor();

  // The history holds the queries of this session.
  const history = await page.locator('#query-history option').evaluateAll((os) => os.map((o) => o.title));
  assert.ok(history.includes(fields) && history.includes(all), history.join(' | '));

  // The query is in the URL: reload, open the dump again, and it runs again.
  await run(page, fields);
  await total(page);
  const url = page.url();
  await page.reload();
  assert.equal(page.url(), url);
  await openDump(app, fixture('retry_buffer'));
  assert.equal(await total(page), 3);
  assert.equal(await page.locator('#query-text').inputValue(), fields);
  await shot(page, 'query-reloaded');

  await assertPrivate(app, log, ['retry_buffer']);
  assertNoErrors(app);
});
