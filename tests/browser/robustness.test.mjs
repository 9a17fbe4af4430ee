// Damaged and wrong inputs are values shown in the page, never a crash; the sample button; a
// cancelled analysis; deep links; the theme toggle.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openApp } from './harness.mjs';
import {
  assertNoErrors,
  assertPrivate,
  fixture,
  go,
  openDump,
  paddedFixture,
  recordRequests,
  removeTempFiles,
  shot,
  tempFile,
  truncatedFixture,
  waitSuspects,
} from './dumps.mjs';

const READY = '.engine-status[data-state="ready"]';

test('bad inputs, sample, cancel, deep links, theme', async (t) => {
  const app = await openApp();
  t.after(() => app.close());
  t.after(removeTempFiles);
  const { page } = app;
  const requests = recordRequests(app);
  await page.locator(READY).waitFor({ timeout: 30_000 });
  await shot(page, 'app-landing');

  await t.test('a file that is not a heap dump: a clear error, then the drop zone again', async () => {
    const path = await tempFile('notes.zip', Buffer.from('PK\u0003\u0004 not a heap dump at all, just some bytes'));
    await openDump(app, path);
    const card = page.locator('.error-card');
    await card.waitFor();
    assert.match(await card.locator('h2').innerText(), /Cannot analyze notes\.zip/);
    assert.match(await card.innerText(), /not a Java heap dump/);
    assert.equal(await card.getAttribute('role'), 'alert');
    assert.equal(await page.locator('.drop-zone').count(), 1, 'the user can try another file');
    await shot(page, 'app-not-hprof');
  });

  await t.test('dropped on the page (drag and drop): same path as the file input', async () => {
    await page.evaluate(() => {
      const dt = new DataTransfer();
      dt.items.add(new File(['GIF89a, a picture'], 'picture.gif', { type: 'image/gif' }));
      window.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, cancelable: true }));
      window.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, cancelable: true }));
    });
    await page.locator('.error-card h2', { hasText: 'picture.gif' }).waitFor();
    assert.match(await page.locator('.error-card').innerText(), /not a Java heap dump/);
  });

  await t.test('a truncated dump (60% of threadlocal_leak): a warning, and still results', async () => {
    const path = await truncatedFixture('threadlocal_leak', 0.6);
    await openDump(app, path);
    await page.locator('.dumpbar').waitFor();
    // The app jumps to the leak suspects once they are computed (unless the user went somewhere
    // first): let it, then come back, so that the overview stays.
    await waitSuspects(page);
    await go(page, '#/overview');
    const warning = page.locator('.warnings .warning').first();
    await warning.waitFor();
    assert.match(await warning.innerText(), /truncated/);
    assert.match(await warning.innerText(), /at byte \d+/);
    const objects = await page.locator('.overview .cards').innerText();
    assert.match(objects, /Objects\s+[\d,]+/);
    await waitSuspects(page);
    await go(page, '#/dominators');
    await page.locator('.trow[data-depth="0"]:not(.pending)').first().waitFor();
    await go(page, '#/overview');
    await shot(page, 'app-truncated');
  });

  await t.test('Try a sample dump: the bundled queue_backlog, fetched from this origin', async () => {
    await go(page, '#/overview');
    await page.locator('.brand').click();
    // The drop zone is only on the landing page: open a bad file to get back to it.
    await openDump(app, await tempFile('empty.hprof', Buffer.alloc(0)));
    await page.locator('.error-card').waitFor();
    await page.getByRole('button', { name: 'Try a sample dump' }).click();
    await page.locator('.dumpbar').waitFor({ timeout: 60_000 });
    assert.match(await page.locator('.dumpbar .file-name').innerText(), /queue_backlog\.hprof\.gz \(sample\)/);
    await waitSuspects(page);
    assert.ok(app.served.includes('/queue_backlog.hprof.gz'), `served: ${app.served}`);
  });

  await t.test('deep links: an object by id, the back button', async () => {
    await go(page, '#/dominators');
    const top = page.locator('.trow[data-depth="0"]:not(.pending)').first();
    await top.waitFor();
    const id = await top.getAttribute('data-id');
    await go(page, `#/object/${id}`);
    await page.locator('.obj-head').waitFor();
    assert.match(await page.locator('.obj-head .obj-id').innerText(), new RegExp(id));
    await page.goBack();
    await page.locator('.tree').waitFor();
    await go(page, '#/object/0x1');
    await page.locator('.object-view .error-note').first().waitFor();
    assert.match(await page.locator('.object-view .error-note').first().innerText(), /no object 0x1/);
  });

  await t.test('light and dark themes', async () => {
    await go(page, '#/suspects');
    await page.locator('.suspect').first().waitFor();
    const toggle = page.locator('.theme-toggle');
    while ((await page.locator('html').getAttribute('data-theme')) !== 'dark') await toggle.click();
    const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    assert.equal(bg, 'rgb(18, 21, 27)');
    await shot(page, 'app-suspects-dark');
    await go(page, '#/dominators');
    await page.locator('.trow[data-depth="0"]:not(.pending)').first().waitFor();
    await shot(page, 'app-dominator-tree-dark');
    while ((await page.locator('html').getAttribute('data-theme')) !== 'auto') await toggle.click();
  });

  await t.test('narrow window', async () => {
    await page.setViewportSize({ width: 420, height: 800 });
    await go(page, '#/suspects');
    await page.locator('.suspect').first().waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 1, `horizontal overflow of ${overflow}px`);
    await shot(page, 'app-narrow');
    await page.setViewportSize({ width: 1100, height: 700 });
  });

  await t.test('cancel: the worker is stopped and the page is back to the start', async () => {
    // A big valid input: queue_backlog with 256 MiB of skippable records (CPU SAMPLES) after
    // its header, so the analysis is still reading when Cancel is clicked.
    const path = await paddedFixture('queue_backlog', 4, 64 << 20);
    await page.locator('#file-input').setInputFiles(path);
    await page.locator('.loading').waitFor();
    await page.locator('.loading .cancel').click();
    await page.locator('.drop-zone').waitFor();
    assert.equal(await page.locator('.loading').count(), 0);
    await page.locator(READY).waitFor({ timeout: 30_000 });
    // The fresh worker analyzes the next dump.
    await openDump(app, fixture('retry_buffer'));
    await waitSuspects(page);
  });

  await t.test('offline once loaded: the next dump is analyzed without the network', async () => {
    const errors = app.consoleErrors.length;
    const failed = app.failedRequests.length;
    await app.context.setOffline(true);
    try {
      // A fresh worker cannot be fetched now: the current one (idle) takes the next dump.
      await openDump(app, fixture('threadlocal_leak'));
      await waitSuspects(page);
      assert.equal(await page.locator('.suspect').first().getAttribute('data-pattern'), 'ThreadLocal accumulation');
      assert.equal(await page.locator('.engine-status').getAttribute('data-state'), 'ready');
      // The hand-over goes to a worker started while the page was online, if there is one,
      // else the building worker restores its own snapshot; either way the analysis goes on.
      await page.waitForFunction(() => window.__heaplensMetrics.handedOver === true, null, { timeout: 30_000 });
      await go(page, '#/dominators');
      await page.locator('.tree-inner .trow[data-depth="0"]:not(.pending)').first().waitFor({ timeout: 30_000 });
      assert.equal(await page.locator('.engine-status').getAttribute('data-state'), 'ready');
    } finally {
      await app.context.setOffline(false);
    }
    // The only failures: the attempt to fetch a fresh worker while offline.
    for (const e of app.consoleErrors.splice(errors)) assert.match(e, /ERR_INTERNET_DISCONNECTED|ERR_ABORTED|worker_loader/);
    for (const f of app.failedRequests.splice(failed)) assert.match(f, /worker_loader\.js net::ERR_/);
  });

  assertNoErrors(app);
  await assertPrivate(app, requests, ['notes.zip', 'picture.gif', 'threadlocal_leak', 'big.hprof', 'retry_buffer']);
});
