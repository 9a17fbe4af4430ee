// An uncompressed dump: pass 2 reads the File around the contents of the large primitive arrays
// it does not need (docs/scaling.md, "Reading the file twice"). oom_export holds two: its export
// buffer and the giant byte[] that did not fit. The page must show the same analysis for the
// .hprof as for the .hprof.gz (which is read whole): same overview numbers, same first suspect.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gunzipSync } from 'node:zlib';
import { readFile } from 'node:fs/promises';
import { openApp } from './harness.mjs';
import { assertNoErrors, facts, fixture, fmt, go, openDump, removeTempFiles, shot, tempFile, waitSuspects } from './dumps.mjs';

const READY = '.engine-status[data-state="ready"]';

/** The overview's text (numbers and facts), and the first suspect's title and explanation. */
async function analysis(page) {
  await go(page, '#/overview');
  const cards = '.view.overview:not(.partial-results) .cards .card';
  await page.locator(cards).first().waitFor();
  // The parts that depend on the dump only (not the "Dump" card: its file name and size).
  const numbers = await page.locator(`${cards}:not(:first-child) dl.facts`).allInnerTexts();
  await waitSuspects(page);
  const card = page.locator('.suspect').first();
  await card.waitFor({ timeout: 60_000 });
  return {
    numbers,
    title: await card.locator('h3').innerText(),
    explanation: await card.locator('.explanation').innerText(),
  };
}

test('an uncompressed dump read around its large arrays gives the gzip file analysis', async (t) => {
  const app = await openApp();
  t.after(() => app.close());
  t.after(removeTempFiles);
  const { page } = app;
  await page.locator(READY).waitFor({ timeout: 30_000 });
  const f = await facts('oom_export');

  await openDump(app, fixture('oom_export'));
  const zipped = await analysis(page);
  const raw = gunzipSync(await readFile(fixture('oom_export')));
  await openDump(app, await tempFile('oom_export.hprof', raw));
  assert.equal(await page.locator('.error-card').count(), 0);
  const plain = await analysis(page);
  await shot(page, 'app-uncompressed-suspects');

  assert.deepEqual(plain, zipped);
  assert.ok(zipped.numbers.length > 0, 'overview figures found');
  // The giant array's contents were left out of pass 2, not its node: it is still the suspect.
  assert.ok(
    `${zipped.title} ${zipped.explanation}`.includes(f.giant_class) || zipped.explanation.includes(fmt(f.giant_shallow)),
    `${zipped.title}: ${zipped.explanation}`,
  );
  assertNoErrors(app);
});
