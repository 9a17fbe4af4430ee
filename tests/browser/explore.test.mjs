// The investigation views in the page, on the real retry_buffer incident dump (2,000
// ResultBatch objects piled into RetryingPublisher.pendingBatches by a JDK 17 program): from the
// histogram, the retained set, immediate dominators and merged paths of the leaking class,
// group by value on String, the contents of the leaking list, a pasted address, an invalid
// one, the instances' CSV and "⇱ roots". Every number is compared with what the CLI
// (`heaplens explore … --format json`, the same core) prints for the same dump.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { openApp, ROOT } from './harness.mjs';
import { assertNoErrors, facts, fixture, fmt, go, openDump, shot } from './dumps.mjs';

const READY = '.engine-status[data-state="ready"]';
const DUMP = fixture('retry_buffer');
const BATCH = 'com.example.retry.ResultBatch';

/** `heaplens explore DUMP VIEW SELECTION … --format json`, parsed (the release CLI, built if missing). */
function cli(view, selection, ...args) {
  const bin = join(ROOT, 'target', 'release', 'heaplens');
  if (!existsSync(bin)) {
    execFileSync('cargo', ['build', '--release', '-p', 'heaplens-cli'], { cwd: ROOT, stdio: 'inherit' });
  }
  const out = execFileSync(bin, ['explore', DUMP, view, selection, '--format', 'json', '--limit', '100000', ...args], {
    maxBuffer: 1 << 28,
  });
  return JSON.parse(out.toString('utf8'));
}

/**
 * Opens a row's "⋯" menu and waits for its links. The virtual list may draw the row again
 * just after a click (a page of rows arriving), and a re-drawn row comes back closed: so the
 * menu is opened again until its links show.
 */
async function openRowMenu(row) {
  for (let attempt = 1; ; attempt++) {
    const open = await row.locator('details.row-actions').evaluate((d) => d.open).catch(() => false);
    if (!open) await row.locator('details.row-actions summary').click();
    try {
      await row.locator('.explore-actions a').first().waitFor({ timeout: 2_000 });
      return;
    } catch (e) {
      if (attempt >= 5) throw e;
    }
  }
}

/** Open the "⋯" menu of the histogram row named `name` (the histogram filtered by `hash`) and follow `action`. */
async function fromHistogramRow(page, hash, name, action) {
  await go(page, hash);
  const row = page.locator('table.histogram tr.vrow').filter({ has: page.locator('button.cls', { hasText: new RegExp(`^${name.replaceAll('.', '\\.')}$`) }) });
  await row.first().waitFor({ timeout: 60_000 });
  await openRowMenu(row.first());
  await row.first().locator('.explore-actions a', { hasText: action }).click();
}

const cellTexts = (rows, i) => rows.nth(i).locator('td').allInnerTexts();

test('investigation views on retry_buffer equal the CLI', async (t) => {
  const f = await facts('retry_buffer');
  const app = await openApp();
  t.after(() => app.close());
  const { page } = app;
  await page.locator(READY).waitFor({ timeout: 30_000 });
  await openDump(app, DUMP);
  await page.locator('.dumpbar').waitFor();

  await t.test('histogram settings live in the URL', async () => {
    await go(page, '#/histogram?filter=ResultBatch');
    await page.locator('table.histogram button.cls', { hasText: BATCH }).waitFor({ timeout: 60_000 });
    assert.equal(await page.locator('#hist-filter').inputValue(), 'ResultBatch');
    // Sorting writes itself into the URL (a link reopens it).
    await page.locator('th button.th-sort', { hasText: 'Shallow' }).click();
    await page.waitForFunction(() => location.hash.includes('sort=shallow'));
    assert.match(await page.evaluate(() => location.hash), /^#\/histogram\?filter=ResultBatch&sort=shallow$/);
    // Long class names keep the simple name, the full name on hover.
    const name = page.locator('table.histogram button.cls .cname', { hasText: BATCH }).first();
    assert.equal(await name.getAttribute('title'), BATCH);
    assert.equal(await name.innerText(), BATCH);
    assert.equal(
      await page.locator('th', { hasText: 'Retained' }).first().getAttribute('title'),
      'Retained size: what would be freed with all the objects of the class (each object counted once)',
    );
    // A class row's actions, in its "⋯" menu.
    const row = page.locator('table.histogram tr.vrow', { hasText: BATCH }).first();
    await openRowMenu(row);
    assert.deepEqual(await row.locator('.explore-actions a').allInnerTexts(), [
      'Retained set',
      'Immediate dominators',
      'Merged paths to GC roots',
    ]);
    await shot(page, 'explore-histogram-menu');
    await row.locator('details.row-actions summary').click();
  });

  await t.test('retained set of the leaking class', async () => {
    const want = cli('retained-set', BATCH);
    assert.equal(want.selected, f.batches);
    await fromHistogramRow(page, '#/histogram?filter=ResultBatch', BATCH, 'Retained set');
    const summary = page.locator('.retained-summary');
    await summary.waitFor({ timeout: 60_000 });
    assert.match(await page.evaluate(() => location.hash), /^#\/explore\/retained\/class\/\d+$/);
    assert.equal(Number(await summary.getAttribute('data-objects')), want.objects);
    assert.equal(Number(await summary.getAttribute('data-bytes')), want.bytes);
    assert.equal(want.bytes, f.batches * f.sizes.per_batch_retained);
    assert.match(await summary.innerText(), new RegExp(`^${fmt(f.batches)} objects selected retain ${fmt(want.objects)} objects: `));
    const rows = page.locator('table.retained-set tbody tr');
    assert.equal(await rows.count(), want.rows.length);
    for (let i = 0; i < want.rows.length; i++) {
      const [cls, objects] = await cellTexts(rows, i);
      assert.equal(cls, want.rows[i].class);
      assert.equal(objects, fmt(want.rows[i].objects));
    }
    await shot(page, 'explore-retained-set');
  });

  await t.test('immediate dominators, default and empty skip pattern', async () => {
    const want = cli('immediate-dominators', BATCH);
    await fromHistogramRow(page, '#/histogram?filter=ResultBatch', BATCH, 'Immediate dominators');
    const rows = page.locator('table.dominators tbody tr');
    await rows.first().waitFor({ timeout: 60_000 });
    assert.equal(await rows.count(), want.rows.length);
    const [cls, doms, dominated] = await cellTexts(rows, 0);
    assert.equal(cls, want.rows[0].class);
    assert.equal(cls, f.holder_class);
    assert.equal(doms, fmt(want.rows[0].dominators));
    assert.equal(dominated, fmt(want.rows[0].dominated));
    assert.equal(await page.locator('#skip-pattern').inputValue(), want.skip);
    await shot(page, 'explore-immediate-dominators');
    // Skip nothing: the list's array is the immediate dominator (CLI --skip '').
    const none = cli('immediate-dominators', BATCH, '--skip', '');
    await page.locator('#skip-pattern').fill('');
    await page.locator('.skip-form button[type="submit"]').click();
    await page.waitForFunction(() => location.hash.endsWith('/='));
    await page.locator('table.dominators tbody tr td.name', { hasText: none.rows[0].class }).first().waitFor({ timeout: 30_000 });
    assert.equal((await cellTexts(page.locator('table.dominators tbody tr'), 0))[0], none.rows[0].class);
  });

  let listId;
  await t.test('merged paths to GC roots', async () => {
    const want = cli('merged-paths', BATCH);
    await fromHistogramRow(page, '#/histogram?filter=ResultBatch', BATCH, 'Merged paths to GC roots');
    // Single-branch levels open by themselves, down to the list's array and its elements.
    const list = page.locator('.mrow[data-field="pendingBatches"]');
    await list.waitFor({ timeout: 60_000 });
    const shown = page.locator('.merged-tree .mrow[data-field]');
    await page.locator('.mrow[data-field="elementData"]').nth(1).waitFor();
    for (let i = 0; i < 7; i++) {
      assert.equal(await shown.nth(i).getAttribute('data-field'), want.rows[i].field);
      assert.equal(Number(await shown.nth(i).getAttribute('data-objects')), want.rows[i].objects);
      assert.equal(await shown.nth(i).locator('.cname').getAttribute('title'), want.rows[i].class);
    }
    assert.equal(want.rows[5].field, f.collection_field);
    listId = await list.locator('code').first().innerText();
    assert.equal(listId, want.rows[5].object_id);
    const summary = page.locator('.merged-summary');
    assert.equal(Number(await summary.getAttribute('data-selected')), want.selected);
    assert.equal(Number(await summary.getAttribute('data-without-path')), want.without_path);
    await shot(page, 'explore-merged-paths');
  });

  await t.test('group by value on String', async () => {
    const want = cli('group-by-value', 'java.lang.String');
    await fromHistogramRow(page, '#/histogram?filter=%5Ejava%5C.lang%5C.String%24&regex=1', 'java.lang.String', 'Group by value');
    const summary = page.locator('.values-summary');
    await summary.waitFor({ timeout: 60_000 });
    assert.equal(Number(await summary.getAttribute('data-values')), want.total);
    assert.equal(Number(await summary.getAttribute('data-wasted')), want.wasted);
    const rows = page.locator('table.values tbody tr');
    assert.equal(await rows.count(), 100, 'a page of values, not all of them');
    for (let i = 0; i < 5; i++) {
      const [value, objects] = await cellTexts(rows, i);
      assert.equal(value, want.rows[i].value);
      assert.equal(objects, fmt(want.rows[i].objects));
    }
    await page.locator('.values-view button', { hasText: 'Show more' }).click();
    await rows.nth(100).waitFor();
    await shot(page, 'explore-group-by-value');
  });

  await t.test('contents of the leaking list', async () => {
    const want = cli('contents', listId);
    await go(page, `#/object/${listId}`);
    await page.locator('.obj-head .explore-actions a', { hasText: 'Contents' }).click();
    const summary = page.locator('.contents-summary');
    await summary.waitFor({ timeout: 60_000 });
    assert.equal(Number(await summary.getAttribute('data-size')), f.batches);
    assert.equal(Number(await summary.getAttribute('data-total')), want.page.total);
    const rows = page.locator('table.contents tbody tr');
    for (let i = 0; i < 3; i++) {
      const item = want.page.rows[i].value;
      assert.equal(await rows.nth(i).locator('.objlink a.cls').innerText(), item.class);
      assert.equal(await rows.nth(i).locator('.oid code').innerText(), item.object_id);
    }
    await shot(page, 'explore-contents');
  });

  await t.test('a pasted address opens its object; an invalid one errs once', async () => {
    const batch = cli('contents', listId).page.rows[0].value.object_id;
    await go(page, '#/overview');
    await page.evaluate((id) => {
      const data = new DataTransfer();
      data.setData('text', id);
      document.body.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true }));
    }, batch);
    await page.waitForFunction((id) => location.hash === `#/object/${id}`, batch);
    await page.locator('#obj-title', { hasText: BATCH }).waitFor({ timeout: 30_000 });
    // The box: an address nothing lies at.
    await page.locator('#find-address').fill('0x8');
    await page.locator('#find-address').press('Enter');
    await page.locator('.find-error').waitFor({ timeout: 30_000 });
    assert.equal(await page.locator('.find-error').count(), 1);
    assert.match(await page.locator('.find-error').innerText(), /no object at 0x8/);
    // A link to an object that is not there: one error, no spinner left.
    await go(page, '#/object/0x8');
    await page.locator('.object-view .error-note').waitFor({ timeout: 30_000 });
    await page.waitForTimeout(300);
    assert.equal(await page.locator('.error-note').count(), 1);
    assert.equal(await page.locator('.object-view .spinner').count(), 0);
    await shot(page, 'explore-bad-address');
  });

  await t.test('instances: actions and CSV export', async () => {
    await go(page, '#/histogram?filter=ResultBatch');
    await page.locator('table.histogram button.cls', { hasText: BATCH }).first().click();
    await page.locator('.instances-actions .explore-actions').waitFor({ timeout: 30_000 });
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.locator('button.export-csv').click(),
    ]);
    assert.equal(download.suggestedFilename(), `instances-${BATCH}.csv`);
    const lines = (await readFile(await download.path(), 'utf8')).trim().split('\n');
    assert.equal(lines[0], 'object,class,shallow,retained,reachable');
    assert.equal(lines.length, f.batches + 1);
    assert.ok(lines[1].endsWith(`,${BATCH},${f.sizes.result_batch_shallow},${f.sizes.per_batch_retained},true`), lines[1]);
    await shot(page, 'explore-instances');
  });

  await t.test('⇱ roots lands on the paths; more paths', async () => {
    await go(page, `#/object/${listId}/paths`);
    await page.locator('.paths .path').first().waitFor({ timeout: 30_000 });
    await page.waitForTimeout(300);
    const box = await page.locator('#paths-title').boundingBox();
    const height = page.viewportSize().height;
    assert.ok(box && box.y >= 0 && box.y < height, `paths heading at ${box?.y} of ${height}`);
    await shot(page, 'explore-roots');
  });

  assertNoErrors(app);
});
