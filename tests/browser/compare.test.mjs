// Comparing two dumps in the page (issue 13): both fixture files of the growth pair
// (tests/fixtures/growth_*: one JVM, two dumps) given to the file input at once, the newer
// first: the page takes the older (by the dumps' own timestamps) as the baseline, analyzes
// each in its own worker and shows the comparison. Its numbers must be the CLI's
// (`heaplens diff` on the same pair): the first growth row (the leaking holder, not the
// biggest), a class's histogram delta, the loader grouping, the threads that appeared. A growth
// row's link opens the holder in the baseline's views. No request leaves the page.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { openApp, ROOT } from './harness.mjs';
import { assertNoErrors, assertPrivate, facts, fixture, go, recordRequests, shot } from './dumps.mjs';

/** `heaplens diff BASELINE NEW --format json`, built from this checkout (HEAPLENS_BIN: a binary). */
function cliDiff(base, next) {
  const args = ['diff', base, next, '--format', 'json'];
  const out = process.env.HEAPLENS_BIN
    ? execFileSync(process.env.HEAPLENS_BIN, args, { maxBuffer: 1 << 28 })
    : execFileSync('cargo', ['run', '--release', '-q', '-p', 'heaplens-cli', '--', ...args], {
        cwd: ROOT,
        maxBuffer: 1 << 28,
        stdio: ['ignore', 'pipe', 'inherit'],
      });
  return JSON.parse(out);
}

test('compare two dumps: both files at once, as the CLI compares them', async (t) => {
  const f = await facts('growth');
  const cli = cliDiff(fixture('growth_base'), fixture('growth_new'));
  const app = await openApp();
  t.after(() => app.close());
  const { page } = app;
  const requests = recordRequests(app);
  await page.locator('.engine-status[data-state="ready"]').waitFor({ timeout: 30_000 });

  // The newer dump first: the order given does not decide which is the baseline.
  await page.locator('#file-input').setInputFiles([fixture('growth_new'), fixture('growth_base')]);
  const rows = page.locator('.compare-view .growth-row');
  await rows.first().waitFor({ timeout: 180_000 });
  assert.equal(page.url().split('#')[1], '/compare');
  assert.match(await page.locator('.side-switch .side[data-side="baseline"]').innerText(), /growth_base\.hprof\.gz/);
  assert.match(await page.locator('.side-switch .side[data-side="new"]').innerText(), /growth_new\.hprof\.gz/);

  await t.test('growth[0] is the CLI\'s: the leaking holder, not the biggest', async () => {
    const g = cli.growth[0];
    const first = rows.first();
    assert.equal(await first.getAttribute('data-holder'), g.holder);
    assert.equal(g.holder, f.leak_holder_class);
    assert.equal(g.holder_path, f.leak_field);
    assert.equal(await first.getAttribute('data-path'), g.path);
    assert.equal(await first.getAttribute('data-accumulation'), g.accumulation_point);
    assert.equal(await first.getAttribute('data-retained-delta'), String(g.retained_delta));
    assert.equal(await first.getAttribute('data-elements-delta'), String(g.elements_delta));
    assert.equal(g.elements_delta, f.events_new - f.events_base);
    // The explanation's `code` spans are shown as code: the text is the CLI's without the ticks.
    assert.equal(await first.locator('.explanation').innerText(), g.explanation.replaceAll('`', ''));
    assert.equal(await first.locator('.explanation code').first().innerText(), `GrowthApp$AuditTrail.${f.leak_field}`);
    assert.equal(await rows.count(), cli.growth.length);
    // The stable, bigger PriceTable and the churning cache are not growth.
    for (const r of await rows.all()) {
      const holder = await r.getAttribute('data-holder');
      assert.notEqual(holder, f.stable_holder_class);
      assert.notEqual(holder, f.cache_holder_class);
    }
  });

  await t.test('summary deltas are the CLI\'s', async () => {
    const heap = page.locator('.cmp-summary tr[data-row="Heap (reachable)"] td.delta');
    assert.equal(await heap.getAttribute('data-delta'), String(cli.delta.heap));
    const threads = page.locator('.cmp-summary tr[data-row="Threads"] td.delta');
    assert.equal(await threads.getAttribute('data-delta'), String(cli.delta.threads));
  });

  await t.test('histogram delta of a class equals the CLI\'s', async () => {
    const name = `${f.leak_element_class}`;
    const want = cli.histogram.find((r) => r.class === name);
    await page.locator('.cmp-filter').fill('GrowthApp$AuditEvent');
    const row = page.locator(`.hist-delta tr.delta-row[data-class="${name}"]`);
    await row.waitFor({ timeout: 30_000 });
    for (const [attr, key] of [
      ['data-instances-base', 'instances_base'],
      ['data-instances-new', 'instances_new'],
      ['data-instances-delta', 'instances_delta'],
      ['data-shallow-delta', 'shallow_delta'],
      ['data-retained-delta', 'retained_delta'],
    ]) {
      assert.equal(await row.getAttribute(attr), String(want[key]), attr);
    }
    assert.equal(want.instances_delta, f.events_new - f.events_base);
    await shot(page, 'compare-histogram');
    // Grouped by the class loader's class: the application loader's row is the CLI's.
    await page.locator('.cmp-filter').fill('');
    await page.getByLabel('Group by').selectOption('loader');
    const app = cli.by_loader.find((r) => r.class.endsWith('$AppClassLoader'));
    const appRow = page.locator(`.hist-delta tr.delta-row[data-class="${app.class}"]`);
    await appRow.waitFor({ timeout: 30_000 });
    assert.equal(await appRow.getAttribute('data-instances-delta'), String(app.instances_delta));
    assert.equal(await appRow.getAttribute('data-retained-delta'), String(app.retained_delta));
    // New classes only: each marked new.
    await page.getByLabel('Group by').selectOption('class');
    await page.getByLabel('Show', { exact: true }).selectOption('new');
    await page.locator('.hist-delta tr.delta-row[data-change="new"]').first().waitFor({ timeout: 30_000 });
    const changes = await page.locator('.hist-delta tr.delta-row').evaluateAll((trs) => trs.map((tr) => tr.dataset.change));
    assert.ok(changes.every((c) => c === 'new'), changes.join());
    assert.equal(changes.length, Math.min(100, cli.histogram.filter((r) => r.change === 'new').length));
  });

  await t.test('threads and class loaders that appeared', async () => {
    const th = cli.threads.find((x) => x.pattern === f.new_thread_pattern);
    assert.equal(th.delta, f.new_threads);
    const row = page.locator(`.cmp-threads tr[data-pattern="${f.new_thread_pattern}"]`);
    assert.match(await row.innerText(), new RegExp(`\\+${f.new_threads}`));
    const loader = page.locator(`.cmp-loaders tr[data-loader="${f.new_loader_class}"]`);
    assert.match(await loader.innerText(), new RegExp(`\\+${f.new_loaders}`));
    await go(page, '#/compare');
    await shot(page, 'compare', { fullPage: true });
  });

  await t.test('a growth row opens the holder in the baseline, then the new dump', async () => {
    const g = cli.growth[0];
    await rows.first().locator('a.open-in[data-side="baseline"]').click();
    await page.locator('.object-view .obj-head').waitFor({ timeout: 30_000 });
    assert.match(await page.locator('.object-view .obj-id').innerText(), new RegExp(g.object_id_base));
    assert.equal(await page.locator('.side-switch .side.current').getAttribute('data-side'), 'baseline');
    await shot(page, 'compare-baseline-object');
    await go(page, '#/compare');
    await rows.first().locator('a.open-in[data-side="new"]').click();
    await page.locator('.object-view .obj-head').waitFor({ timeout: 30_000 });
    assert.match(await page.locator('.object-view .obj-id').innerText(), new RegExp(g.object_id_new));
    assert.equal(await page.locator('.side-switch .side.current').getAttribute('data-side'), 'new');
    // The usual views show the side on screen: its overview names its file.
    await go(page, '#/overview');
    assert.match(await page.locator('.dumpbar > .file-name').innerText(), /growth_new/);
  });

  await assertPrivate(app, requests, ['growth_base', 'growth_new']);
  assertNoErrors(app);
});
