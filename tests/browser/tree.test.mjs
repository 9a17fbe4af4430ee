// The dominator tree with 100,000 children under one node: lazy pages, a virtualized list (the
// DOM keeps a screenful of rows), scrolling to the end, keyboard navigation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openApp } from './harness.mjs';
import { assertNoErrors, go, openDump, removeTempFiles, shot, tempFile, wideDump } from './dumps.mjs';

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

  const array = page.locator('.trow[data-depth="0"]', { hasText: 'com.x.Item[]' });
  await array.waitFor();
  const t0 = Date.now();
  await array.locator('.twisty').click();
  await page.locator('.trow[data-depth="1"]', { hasText: 'com.x.Item' }).first().waitFor();
  t.diagnostic(`first page of ${N} children in ${Date.now() - t0} ms`);
  const rowsText = await page.locator('.tree-foot').innerText();
  const total = Number(rowsText.replace(/[^\d]/g, ''));
  assert.ok(total > N, `rows: ${rowsText}`);
  const domRows = await page.locator('.tree-inner .trow').count();
  assert.ok(domRows < 120, `${domRows} rows in the DOM for ${total}`);

  // Scroll to the very end: the last page is fetched and drawn, the DOM stays small.
  const t1 = Date.now();
  await page.locator('.tree-scroll').evaluate((el) => {
    el.scrollTop = el.scrollHeight;
  });
  await page.waitForFunction(() => {
    const rows = [...document.querySelectorAll('.tree-inner .trow')];
    return rows.length > 0 && !rows.some((r) => r.classList.contains('pending')) && rows.some((r) => r.innerText.includes('com.x.Item'));
  });
  t.diagnostic(`last page in ${Date.now() - t1} ms`);
  assert.ok((await page.locator('.tree-inner .trow').count()) < 120);
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
  await page.waitForFunction(() => !document.querySelector('.trow[data-depth="1"]'));
  const collapsed = Number((await page.locator('.tree-foot').innerText()).replace(/[^\d]/g, ''));
  assert.ok(collapsed < 10, `collapsed rows: ${collapsed}`);
  await page.keyboard.press('Enter');
  await page.locator('.obj-head').waitFor();
  assert.match(await page.locator('.obj-head h2').innerText(), /com\.x\.Item\[\]/);
  assert.match(await page.locator('.obj-head').innerText(), /Length\s+100,000/);

  assertNoErrors(app);
});
