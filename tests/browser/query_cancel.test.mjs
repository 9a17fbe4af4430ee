// A running query in the page (issue 14, "cancellable"): the worker runs it in slices and
// handles its messages between them, so on a real incident dump (retry_buffer, after the
// hand-over to a fresh worker):
// - a deliberately expensive query (every String against a subquery over every String: a
//   cross join, seconds of work) shows a progress line ("Scanning objects: k of N");
// - another view's request is answered while it runs (the class histogram);
// - Cancel stops it within a second of the click, the view says so, and a small query that
//   follows answers correctly (the JVM's count); Esc cancels too;
// - no request leaves the page but its own static files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openApp } from './harness.mjs';
import {
  assertNoErrors, assertPrivate, fixture, go, openDump, recordRequests, shot, waitSuspects,
} from './dumps.mjs';

const CLASS = 'com.example.retry.ResultBatch';
// Each of the ~9,000 Strings runs the subquery, a scan of every object: minutes of work.
const SLOW = 'SELECT s FROM java.lang.String s WHERE s IN (SELECT OBJECTS t FROM java.lang.String t WHERE t.@objectId < s.@objectId)';

async function run(page, text) {
  const editor = page.locator('#query-text');
  await editor.fill(text);
  await editor.press('Control+Enter');
}

/** The progress line's numbers: [done, total]. */
async function progress(page) {
  const line = page.locator('.query-progress', { hasText: 'Scanning objects' });
  await line.waitFor({ timeout: 30_000 });
  const m = (await line.textContent()).match(/Scanning objects: ([\d,]+) of ([\d,]+)/);
  assert.ok(m, await line.textContent());
  return [Number(m[1].replace(/,/g, '')), Number(m[2].replace(/,/g, ''))];
}

test('a running query shows its progress, lets other views answer, and cancels', async () => {
  const app = await openApp();
  const { page } = app;
  try {
    const log = recordRequests(app);
    await openDump(app, fixture('retry_buffer'));
    await waitSuspects(page);
    await page.waitForFunction(() => window.__heaplensMetrics?.handedOver === true, null, { timeout: 30_000 });

    await page.locator('nav.tabs a', { hasText: 'Query' }).click();
    await page.locator('#query-text').waitFor();
    await run(page, SLOW);
    const [done, total] = await progress(page);
    assert.ok(done >= 0 && done <= total && total > 10_000, `${done} of ${total}`);
    await page.locator('button.query-cancel').waitFor();
    await shot(page, 'query-running');

    // Another view answers while the query runs (its requests are handled between slices).
    const started = Date.now();
    await go(page, '#/histogram');
    await page.locator('table.histogram button.cls', { hasText: CLASS }).first().waitFor({ timeout: 10_000 });
    const histogramMs = Date.now() - started;
    await page.goBack();
    // Back on the query: the same text joins the run still going.
    await progress(page);
    await page.waitForTimeout(1000);
    const [later] = await progress(page);
    assert.ok(later > 0, `progress moves: ${later}`);

    // Cancel: the view says so within a second.
    const clicked = Date.now();
    await page.locator('button.query-cancel').click();
    await page.locator('.query-cancelled').waitFor({ timeout: 5_000 });
    const cancelMs = Date.now() - clicked;
    assert.ok(cancelMs < 1000, `cancelled after ${cancelMs} ms`);
    assert.equal(await page.locator('.query-progress').count(), 0);
    await shot(page, 'query-cancelled');

    // A small query that follows answers correctly (the JVM's count).
    await run(page, `SELECT * FROM ${CLASS}`);
    const line = page.locator('.query-total');
    await line.waitFor({ timeout: 30_000 });
    assert.match(await line.textContent(), /^2,000 rows/);

    // Esc cancels too.
    await run(page, SLOW);
    await progress(page);
    const pressed = Date.now();
    await page.keyboard.press('Escape');
    await page.locator('.query-cancelled').waitFor({ timeout: 5_000 });
    const escMs = Date.now() - pressed;
    assert.ok(escMs < 1000, `cancelled after ${escMs} ms`);

    console.log(`histogram while querying: ${histogramMs} ms; cancel: ${cancelMs} ms; Esc: ${escMs} ms`);
    await assertPrivate(app, log, ['retry_buffer']);
    assertNoErrors(app);
  } finally {
    await app.close();
  }
});
