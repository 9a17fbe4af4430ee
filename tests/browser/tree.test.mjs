// The dominator tree with 100,000 children under one node: lazy pages, a virtualized list (the
// DOM keeps a screenful of rows), scrolling to the end, keyboard navigation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openApp } from './harness.mjs';
import { assertNoErrors, facts, fixture, fmt, go, openDump, removeTempFiles, shot, tempFile, wideDump } from './dumps.mjs';

const N = 100_000;

test('dominator tree: 100,000 children, virtualized, keyboard', async (t) => {
  const app = await openApp();
  t.after(() => app.close());
  t.after(removeTempFiles);
  const { page } = app;
  await page.locator('.engine-status[data-state="ready"]').waitFor({ timeout: 30_000 });
  await openDump(app, await tempFile('wide.hprof', wideDump(N)));
  await page.locator('.dumpbar').waitFor();
  await go(page, '#/dominators');

  const array = page.locator('.trow[data-depth="0"]:not(.pending)', { hasText: 'com.x.Item[]' });
  await array.waitFor();
  const t0 = Date.now();
  await array.locator('.twisty').click();
  await page.locator('.trow[data-depth="1"]:not(.pending)', { hasText: 'com.x.Item' }).first().waitFor();
  t.diagnostic(`first page of ${N} children in ${Date.now() - t0} ms`);
  const rowsText = await page.locator('.tree-foot').innerText();
  const total = Number(rowsText.replace(/[^\d]/g, ''));
  assert.ok(total > N, `rows: ${rowsText}`);
  const domRows = await page.locator('.tree-inner .trow').count();
  assert.ok(domRows < 120, `${domRows} rows in the DOM for ${total}`);
  // A treegrid: each row knows its level and its place among its siblings.
  assert.equal(await page.locator('.tree-scroll[role="treegrid"]').count(), 1);
  const child = page.locator('.trow[data-depth="1"]:not(.pending)').first();
  assert.deepEqual(
    await child.evaluate((r) => ['role', 'aria-level', 'aria-posinset', 'aria-setsize', 'aria-selected'].map((a) => r.getAttribute(a))),
    ['row', '2', '1', String(N + 1), 'false'],
  );
  assert.equal(await array.getAttribute('aria-expanded'), 'true');
  assert.equal(await array.getAttribute('aria-level'), '1');

  // Scroll to the very end: the last page is fetched and drawn, the DOM stays small.
  const t1 = Date.now();
  await page.locator('.tree-scroll').evaluate((el) => {
    el.scrollTop = el.scrollHeight;
  });
  // Wait for the last child itself: a check on "some rows drawn" can pass on the rows drawn
  // before the scroll, and CI once saw row 26 of 100,001 as the last one.
  await page.waitForFunction(() => {
    const rows = [...document.querySelectorAll('.tree-inner .trow')];
    const last = rows.filter((r) => r.dataset.depth === '1').pop();
    return (
      !rows.some((r) => r.classList.contains('pending')) &&
      last !== undefined &&
      last.innerText.includes('com.x.Item') &&
      last.getAttribute('aria-posinset') === last.getAttribute('aria-setsize')
    );
  });
  t.diagnostic(`last page in ${Date.now() - t1} ms`);
  assert.ok((await page.locator('.tree-inner .trow').count()) < 120);
  const lastRow = page.locator('.tree-inner .trow[data-depth="1"]').last();
  assert.equal(await lastRow.getAttribute('aria-posinset'), await lastRow.getAttribute('aria-setsize'));
  await shot(page, 'app-tree-100k');

  // Keyboard: Home selects the first row, → on an expanded node moves down, ← goes back to
  // the parent and collapses it, Enter opens the inspector.
  await page.locator('.tree-scroll').focus();
  await page.keyboard.press('Home');
  await page.locator('.trow.sel[data-depth="0"]').waitFor();
  assert.match(await page.locator('.trow.sel').innerText(), /com\.x\.Item\[\]/);
  await page.keyboard.press('ArrowRight');
  await page.locator('.trow.sel[data-depth="1"]').waitFor();
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowLeft');
  await page.locator('.trow.sel[data-depth="0"]').waitFor();
  await page.keyboard.press('ArrowLeft');
  await page.waitForFunction(() => !document.querySelector('.trow[data-depth="1"]:not(.pending)'));
  const collapsed = Number((await page.locator('.tree-foot').innerText()).replace(/[^\d]/g, ''));
  assert.ok(collapsed < 10, `collapsed rows: ${collapsed}`);
  await page.keyboard.press('Enter');
  await page.locator('.obj-head').waitFor();
  assert.match(await page.locator('.obj-head h2').innerText(), /com\.x\.Item\[\]/);
  assert.match(await page.locator('.obj-head').innerText(), /Length\s+100,000/);

  assertNoErrors(app);
});

test('dominator tree: finding a class searches the whole tree; a match is revealed in it', async (t) => {
  const app = await openApp();
  t.after(() => app.close());
  const { page } = app;
  const f = await facts('retry_buffer');
  await page.locator('.engine-status[data-state="ready"]').waitFor({ timeout: 30_000 });
  await openDump(app, fixture('retry_buffer'));
  await page.locator('.dumpbar').waitFor();
  await go(page, '#/dominators');
  const tree = page.locator('.tree-scroll[role="treegrid"]');
  await page.locator('.trow[data-depth="0"]:not(.pending)').first().waitFor();
  // The batches are no top-level dominators: the first level does not show them.
  assert.doesNotMatch(await page.locator('.tree-inner').innerText(), /ResultBatch/);
  const top = page.locator('.tree .trow[data-depth="0"]:not(.pending)').first();
  assert.deepEqual(
    await top.evaluate((r) => ['role', 'aria-level', 'aria-posinset', 'aria-expanded'].map((a) => r.getAttribute(a))),
    ['row', '1', '1', 'false'],
  );
  assert.ok(Number(await top.getAttribute('aria-setsize')) > 1);
  assert.equal(await page.locator('.tree .trow.thead [role="columnheader"][aria-sort="descending"]').innerText(), 'Retained ▾');

  // Typing a class lists every matching object of the tree, largest retained first.
  const t0 = Date.now();
  await page.locator('#tree-filter').fill('ResultBatch');
  const matches = page.locator('.match-list .srow:not(.pending)');
  await matches.first().waitFor();
  t.diagnostic(`first matches in ${Date.now() - t0} ms`);
  assert.match(
    await page.locator('.search-bar').innerText(),
    new RegExp(`${fmt(f.batches + 1)} objects of 1 class matching “ResultBatch”`),
  );
  assert.equal(await page.locator('.match-scroll').getAttribute('role'), 'grid');
  const first = matches.first();
  assert.match(await first.innerText(), /com\.example\.retry\.ResultBatch/);
  const depth = Number(await first.getAttribute('data-tree-depth'));
  assert.ok(depth >= 2, `the first batch is at depth ${depth}`);
  assert.ok((await page.locator('.match-list .srow').count()) < 80, 'the list of matches is virtualized');
  assert.equal(await page.locator('.tree').isVisible(), false);
  await shot(page, 'app-tree-search');

  // Far down the list (its page is fetched as it scrolls into view), a batch whose siblings'
  // page was never loaded: clicking it expands its ancestors, fetches that page, scrolls to it.
  const k = 1500;
  await page.locator('.match-scroll').evaluate((el, k) => {
    el.scrollTop = k * 28 - 100;
  }, k);
  const far = page.locator(`#srow-${k}:not(.pending)`);
  await far.waitFor();
  const id = await far.getAttribute('data-id');
  const farDepth = Number(await far.getAttribute('data-tree-depth'));
  const t1 = Date.now();
  await far.click();
  const revealed = page.locator(`.tree .trow.sel[data-id="${id}"]`);
  await revealed.waitFor();
  t.diagnostic(`revealed at depth ${farDepth} in ${Date.now() - t1} ms`);
  assert.equal(await revealed.getAttribute('aria-selected'), 'true');
  assert.equal(await revealed.getAttribute('aria-level'), String(farDepth + 1));
  assert.equal(await revealed.getAttribute('data-depth'), String(farDepth));
  assert.ok(Number(await revealed.getAttribute('aria-posinset')) > 200, 'beyond the first page of its siblings');
  assert.equal(await tree.getAttribute('aria-activedescendant'), await revealed.getAttribute('id'));
  // It is in view, and its siblings (every batch) are rows of the tree now.
  const rows = Number((await page.locator('.tree-foot').innerText()).replace(/[^\d]/g, ''));
  assert.ok(rows > f.batches, `${rows} rows`);
  const box = await revealed.boundingBox();
  const view = await tree.boundingBox();
  assert.ok(box.y >= view.y + 28 && box.y + box.height <= view.y + view.height, `row ${JSON.stringify(box)} in ${JSON.stringify(view)}`);
  await shot(page, 'app-tree-revealed');

  // The keyboard goes on from there: ← selects the parent (the array holding the batches).
  await page.keyboard.press('ArrowLeft');
  const parent = page.locator(`.tree .trow.sel[data-depth="${farDepth - 1}"]`);
  await parent.waitFor();
  assert.match(await parent.innerText(), /java\.lang\.Object\[\]/);
  assert.equal(await parent.getAttribute('aria-expanded'), 'true');
  assert.equal(await tree.getAttribute('aria-activedescendant'), await parent.getAttribute('id'));

  // Back to the matches; a match's "inspect" opens the object inspector.
  await page.locator('.search-bar button.back').click();
  await page.locator(`#srow-${k}:not(.pending)`).waitFor();
  await page.locator('.match-list .srow').first().waitFor();
  await page.locator(`#srow-${k} a.inspect`).click();
  await page.locator('.obj-head').waitFor();
  assert.match(await page.locator('.obj-head h2').innerText(), /ResultBatch/);

  // The search survives the trip; a glob works too; the narrow layout.
  await go(page, '#/dominators');
  await page.locator('.match-list .srow:not(.pending)').first().waitFor();
  await page.locator('#tree-filter').fill('com.example.*Publisher');
  await page.waitForFunction(() => /matching “com\.example\.\*Publisher”/.test(document.querySelector('.search-bar')?.innerText ?? ''));
  await page.locator('.match-list .srow:not(.pending)').first().waitFor();
  await page.setViewportSize({ width: 420, height: 800 });
  await shot(page, 'app-tree-search-narrow');
  await page.locator('.match-list .srow:not(.pending)').first().click();
  await page.locator('.tree .trow.sel').waitFor();
  await shot(page, 'app-tree-revealed-narrow');
  // Clearing the search shows the tree again.
  await page.locator('#tree-filter').fill('');
  await page.waitForFunction(() => !document.querySelector('.search-bar'));
  assert.equal(await page.locator('.tree').isVisible(), true);

  assertNoErrors(app);
});

// The other long lists are virtualized the same way (blocks of rows around the viewport, pages
// fetched as they scroll into view): the thread list of 2,307 threads and the histogram.
test('thread list and histogram: virtualized, lazily paged, keyboard', async (t) => {
  const app = await openApp();
  t.after(() => app.close());
  const { page } = app;
  const f = await facts('thread_explosion');
  await page.locator('.engine-status[data-state="ready"]').waitFor({ timeout: 30_000 });
  await openDump(app, fixture('thread_explosion'));
  await page.locator('.dumpbar').waitFor();

  await go(page, '#/threads');
  const threads = page.locator('table.threads');
  const live = threads.locator('tbody tr.vrow:not(.pending)');
  await live.first().waitFor({ timeout: 30_000 });
  const total = Number((await page.locator('.threads-view .list-foot').innerText()).split(' of ')[1].replaceAll(',', ''));
  assert.ok(total >= f.threads_total, `${total} threads`);
  const domRows = () => threads.locator('tbody tr.vrow').count();
  assert.ok((await domRows()) <= 256, `${await domRows()} thread rows in the DOM`);
  assert.equal(await threads.getAttribute('aria-rowcount'), String(total + 1));
  // Scroll to the end: the last page is fetched and drawn, the DOM stays small.
  await page.locator('.threads-view .vscroll').evaluate((el) => {
    el.scrollTop = el.scrollHeight;
  });
  await threads.locator(`tr[data-index="${total - 1}"]:not(.pending)`).waitFor();
  assert.ok((await domRows()) <= 256, `${await domRows()} thread rows in the DOM at the end`);
  assert.match(await page.locator('.threads-view .list-foot').innerText(), new RegExp(`–${fmt(total)} of ${fmt(total)}$`));
  // Keyboard: Home and End jump across rows that are not drawn; Enter opens a stack.
  await threads.locator(`tr[data-index="${total - 1}"]`).focus();
  await page.keyboard.press('Home');
  await page.waitForFunction(() => document.activeElement?.dataset?.index === '0');
  await page.keyboard.press('End');
  await page.waitForFunction((i) => document.activeElement?.dataset?.index === String(i), total - 1);
  await page.keyboard.press('Home');
  await page.waitForFunction(() => document.activeElement?.dataset?.index === '0');
  await page.keyboard.press('ArrowDown');
  await page.waitForFunction(() => document.activeElement?.dataset?.index === '1');
  await page.keyboard.press('Enter');
  await page.locator('.thread-details ol.frames li').first().waitFor();
  // With a stack open, scrolling on still draws the right rows.
  await page.locator('.threads-view .vscroll').evaluate((el) => {
    el.scrollTop = 1200 * 30;
  });
  await page.waitForFunction(() => {
    const rows = [...document.querySelectorAll('table.threads tbody tr.vrow')];
    const view = document.querySelector('.threads-view .vscroll').getBoundingClientRect();
    return rows.some((r) => {
      const b = r.getBoundingClientRect();
      return !r.classList.contains('pending') && b.top >= view.top && b.bottom <= view.bottom;
    });
  });
  await shot(page, 'app-threads-virtual');
  // A name group filters the list.
  await page.locator('table.groups tbody tr', { hasText: 'pool-7-thread-*' }).first().locator('button').click();
  await page.waitForFunction(() => document.querySelector('.threads-view .list-foot')?.innerText.endsWith('of 2,000'));
  await live.first().waitFor();
  assert.match(await live.first().innerText(), /pool-7-thread-/);

  // The histogram: every class reachable by scrolling, sorting and filtering still work.
  await go(page, '#/histogram');
  const hist = page.locator('table.histogram');
  await hist.locator('tbody tr.vrow:not(.pending)').first().waitFor();
  const classes = Number((await page.locator('.histogram-view .summary-line').innerText()).split(' ')[0].replaceAll(',', ''));
  assert.ok(classes > 300, `${classes} classes`);
  assert.ok((await hist.locator('tbody tr.vrow').count()) < classes);
  await page.locator('.histogram-view .vscroll').evaluate((el) => {
    el.scrollTop = el.scrollHeight;
  });
  await hist.locator(`tr[data-index="${classes - 1}"]:not(.pending)`).waitFor();
  await hist.locator('th button', { hasText: 'Class' }).click();
  await page.waitForFunction(() => document.querySelector('table.histogram th[aria-sort="ascending"]'));
  await hist.locator('tr[data-index="0"]:not(.pending)').waitFor();
  const names = await hist.locator('tbody tr.vrow:not(.pending) td.name').allInnerTexts();
  assert.deepEqual(names.slice(0, 20), [...names.slice(0, 20)].sort());
  await page.locator('#hist-filter').fill('Thread');
  await page.waitForFunction(() => {
    const rows = [...document.querySelectorAll('table.histogram tbody tr.vrow td.name')];
    return rows.length > 0 && rows.every((td) => /thread/i.test(td.innerText));
  });
  await shot(page, 'app-histogram-virtual');
  await page.setViewportSize({ width: 420, height: 800 });
  await shot(page, 'app-histogram-narrow');
  await go(page, '#/threads');
  await live.first().waitFor();
  await shot(page, 'app-threads-narrow');
  assertNoErrors(app);
});
