// An incomplete (truncated) dump: its warning is on every view, not only the overview (the
// page opens on the leak suspects), and no view reports the heap as healthy.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openApp } from './harness.mjs';
import { assertNoErrors, cutFixture, go, openDump, removeTempFiles, shot, truncatedFixture, waitSuspects } from './dumps.mjs';

const READY = '.engine-status[data-state="ready"]';
const VIEWS = [
  ['#/overview', '.overview'],
  ['#/suspects', '.suspects-view'],
  ['#/dominators', 'main.content'],
  ['#/histogram', 'main.content'],
  ['#/threads', 'main.content'],
  ['#/loaders', 'main.content'],
  ['#/waste', 'main.content'],
  ['#/process-memory', '.process-view'],
];

async function bannerOnEveryView(page) {
  for (const [hash, view] of VIEWS) {
    await go(page, hash);
    await page.locator(view).first().waitFor();
    const banner = page.locator('.dump-warnings');
    await banner.waitFor();
    assert.match(await banner.locator('.incomplete-note').innerText(), /Incomplete dump/, hash);
    assert.match(await banner.innerText(), /truncated/, hash);
    assert.equal(await banner.count(), 1, `${hash}: one banner`);
  }
}

test('a truncated dump warns on every view and is never called healthy', async (t) => {
  const app = await openApp();
  t.after(() => app.close());
  t.after(removeTempFiles);
  const { page } = app;
  await page.locator(READY).waitFor({ timeout: 30_000 });

  await t.test('cut at 500 KB: no objects, no verdict, no per-object nonsense', async () => {
    await openDump(app, await cutFixture('healthy_app', 500_000));
    await page.locator('.dumpbar').waitFor();
    await waitSuspects(page);
    assert.equal(await page.locator('.suspects-view .ok-note').count(), 0, 'no green verdict');
    const note = await page.locator('.suspects-view .warn-note').innerText();
    assert.match(note, /incomplete/);
    assert.doesNotMatch(note, /nothing stands out/);
    await shot(page, 'app-truncated-suspects');
    await bannerOnEveryView(page);
    await go(page, '#/overview');
    const overview = await page.locator('.overview').innerText();
    assert.doesNotMatch(overview, /bytes\/object/, 'no per-object figure without objects');
    assert.equal(await page.locator('.suspects-summary .ok-note').count(), 0);
  });

  await t.test('60% of threadlocal_leak: suspects from what was read, banner everywhere', async () => {
    await openDump(app, await truncatedFixture('threadlocal_leak', 0.6));
    await page.locator('.dumpbar').waitFor();
    await waitSuspects(page);
    await bannerOnEveryView(page);
  });
  assertNoErrors(app);
});
