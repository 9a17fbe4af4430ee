// Memory beyond the heap and the analysis settings, in the page:
// - the Process memory view on the direct-memory and thread-stacks fixtures shows what the
//   programs allocated (their .facts.json: buffer count and capacity, holder, threads × -Xss),
//   with the verdict on the Overview;
// - the heap-dump chooser of a file that holds two dumps (MAT's hprof-agent test dump)
//   re-opens the analysis on dump 2, says so, and puts the choice in the URL;
// - the Sizes JVM | MAT toggle re-analyzes a JDK 25 compact-headers dump with MAT's rule
//   (`heaplens analyze --sizes mat`'s total), says which rule is in effect on every view, and
//   a URL with `?sizes=mat` opens the next dump that way.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { openApp } from './harness.mjs';
import { FIXTURES, assertNoErrors, facts, fixture, fmt, go, openDump, shot, waitSuspects } from './dumps.mjs';

const READY = '.engine-status[data-state="ready"]';
const AGENT = join(FIXTURES, 'outside', 'mat', 'oracle_jdk7_21_hprofagent.hprof.gz');
const COH = join(FIXTURES, 'variants', 'queue_backlog.jdk25-coh.hprof.gz');
// `heaplens analyze variants/queue_backlog.jdk25-coh.hprof.gz --format json` (summary.heap_shallow_total),
// and with `--sizes mat`; web/tests/process_memory_settings.rs asserts the same through the worker.
const COH_JVM_TOTAL = 5_623_568;
const COH_MAT_TOTAL = 6_054_216;

/** The "Total" row of the `.figures` table whose first cell is `label`. */
function figureRow(page, label) {
  return page.locator('table.figures tr', { has: page.locator('td:first-child', { hasText: new RegExp(`^${label}$`) }) });
}

/**
 * Waits for the overview's heap total to be `bytes` (after a (re-)analysis): once the leak
 * suspects are known (so the page has made its own jump to them, if any), at the overview.
 */
async function waitTotal(page, bytes) {
  await waitSuspects(page);
  await go(page, '#/overview');
  await page.locator(`.heap-total .bytes[title="${fmt(bytes)} bytes"]`).waitFor({ timeout: 60_000 });
}

test('process memory, heap-dump chooser, size rule', async (t) => {
  const app = await openApp();
  t.after(() => app.close());
  const { page } = app;
  await page.locator(READY).waitFor({ timeout: 30_000 });

  await t.test('direct_memory: buffers as the program allocated them, verdict on the overview', async () => {
    const f = await facts('direct_memory');
    await openDump(app, fixture('direct_memory'));
    await go(page, '#/process-memory');
    await page.locator('.process-view table.figures').first().waitFor({ timeout: 60_000 });
    const held = figureRow(page, 'Direct buffers holding memory');
    assert.equal(await held.getAttribute('data-kind'), 'fact');
    assert.match(await held.locator('td.num').innerText(), new RegExp(`^${fmt(f.direct_count)} · 320\\.3 MiB$`));
    assert.equal(await held.locator('.bytes').getAttribute('title'), `${fmt(f.direct_total_capacity)} bytes`);
    // The JVM's own counter (BufferPoolMXBean "direct") says the same.
    const bits = figureRow(page, 'Bits total capacity');
    assert.equal(await bits.locator('.bytes').getAttribute('title'), `${fmt(f.direct_total_capacity)} bytes`);
    // -XX:MaxDirectMemorySize=512m, as the JVM enforces it (Bits.MAX_MEMORY).
    const limit = figureRow(page, 'Direct memory limit');
    assert.equal(await limit.locator('.bytes').getAttribute('title'), `${fmt(f.max_direct_memory)} bytes`);
    // Grouped by holder: the pool first, exactly 40 × 8 MiB.
    const pool = page.locator('table.holders tbody tr').first();
    const cells = await pool.locator('td').allInnerTexts();
    assert.equal(cells[0], f.pool_holder);
    assert.equal(cells[3], fmt(f.pool_buffers));
    assert.equal(await pool.locator('.bytes').getAttribute('title'), `${fmt(f.pool_capacity)} bytes`);
    // The largest buffers, each with its way to its paths to GC roots.
    const biggest = page.locator('table.buffers tbody tr').first();
    assert.equal(await biggest.locator('.bytes').getAttribute('title'), `${fmt(f.chunk_bytes)} bytes`);
    assert.match(await biggest.innerText(), /free → elements/);
    await shot(page, 'app-process-memory-direct', { fullPage: true });
    const verdictHere = await page.locator('.process-view .process-verdict').innerText();
    assert.match(verdictHere, new RegExp(`^320\\.3 MiB of direct buffers held \\(${f.direct_count} buffers, most by ${f.pool_holder.replaceAll('.', '\\.')}\\)`));
    await biggest.getByRole('link', { name: 'Paths to GC roots' }).click();
    await page.locator('.paths figure.path').first().waitFor({ timeout: 30_000 });
    assert.match(page.url(), /#\/object\/0x[0-9a-f]+\/paths$/);
    // The overview's line is the core's verdict.
    await go(page, '#/overview');
    const verdict = page.locator('.overview .process-verdict');
    await verdict.waitFor({ timeout: 30_000 });
    assert.ok((await verdict.innerText()).includes(verdictHere), await verdict.innerText());
    await shot(page, 'app-overview-process-verdict');
  });

  await t.test('thread_stacks: threads × the stack size from -Xss', async () => {
    const f = await facts('thread_stacks');
    await openDump(app, fixture('thread_stacks'));
    await go(page, '#/process-memory');
    await page.locator('.process-view table.figures').first().waitFor({ timeout: 60_000 });
    const live = figureRow(page, 'Live platform threads');
    assert.equal(await live.locator('td.num').innerText(), fmt(f.threads_total));
    const size = figureRow(page, 'Stack size per thread');
    assert.equal(await size.getAttribute('data-kind'), 'fact');
    assert.equal(await size.locator('.bytes').getAttribute('title'), `${fmt(f.xss_bytes)} bytes`);
    assert.match(await size.locator('td').last().innerText(), new RegExp(`^-Xss${f.xss} `));
    const origin = page.locator('.stack-origin');
    assert.equal(await origin.getAttribute('data-from-arguments'), 'true');
    assert.match(await origin.innerText(), /from the JVM arguments \(-Xss384k/);
    const reserved = figureRow(page, 'Thread stacks reserved');
    assert.equal(await reserved.getAttribute('data-kind'), 'estimate');
    assert.equal(await reserved.locator('.bytes').getAttribute('title'), `${fmt(f.threads_total * f.xss_bytes)} bytes`);
    const groups = await page.locator('table.stack-groups tbody tr').evaluateAll((rows) =>
      rows.slice(0, 2).map((r) => [r.cells[0].innerText, r.cells[1].innerText]),
    );
    assert.deepEqual(groups, Object.entries(f.thread_groups).map(([p, n]) => [p, fmt(n)]));
    await shot(page, 'app-process-memory-threads', { fullPage: true });
  });

  await t.test('a file with two heap dumps: the chooser re-opens dump 2, the URL keeps it', async () => {
    await openDump(app, AGENT);
    await waitSuspects(page);
    await go(page, '#/overview');
    const chooser = page.locator('.dump-choice select');
    await chooser.waitFor({ timeout: 30_000 });
    assert.deepEqual(await chooser.locator('option').allInnerTexts(), ['1 of 2', '2 of 2']);
    assert.equal(await chooser.inputValue(), '1');
    // `heaplens analyze --dump 1` / `--dump 2`: 3,632 and 3,665 objects.
    const objects = () =>
      page.locator('.overview section.card', { has: page.locator('h3', { hasText: /^Objects$/ }) }).locator('dd').first().innerText();
    assert.equal(await objects(), fmt(3632));
    assert.match(await page.locator('.dump-warnings').innerText(), /holds 2 heap dumps; dump 1 is shown \(choose another in the heap dump chooser above\)/);
    await chooser.selectOption('2');
    await waitSuspects(page);
    await go(page, '#/overview');
    await page.locator('.dump-shown', { hasText: '2 of the 2' }).waitFor({ timeout: 60_000 });
    assert.equal(await objects(), fmt(3665));
    assert.match(await page.locator('.dump-warnings').innerText(), /dump 2 is shown/);
    assert.equal(await page.locator('.dump-choice select').inputValue(), '2');
    assert.equal(new URL(page.url()).searchParams.get('dump'), '2');
    await shot(page, 'app-dump-chooser');
    // The size rule of a dump whose ids are not addresses is MAT's, and the page says why.
    assert.equal(await page.locator('.size-rule').getAttribute('data-rule'), 'mat');
    assert.match(await page.locator('.size-rule').innerText(), /not addresses/);
  });

  await t.test('Sizes: JVM | MAT on a JDK 25 compact-headers dump', async () => {
    // Another file: its heap dump number starts again at the first.
    await openDump(app, COH);
    await waitTotal(page, COH_JVM_TOTAL);
    assert.equal(new URL(page.url()).searchParams.get('dump'), null);
    // The JVM's own histogram of the same heap (jcmd GC.class_histogram, next to the dump).
    const histo = await readFile(COH.replace('.hprof.gz', '.histo.txt'), 'utf8');
    const jvmTotal = Number(histo.match(/^Total\s+\d+\s+(\d+)/m)[1]);
    assert.ok(Math.abs(COH_JVM_TOTAL - jvmTotal) / jvmTotal < 0.02, `${COH_JVM_TOTAL} vs ${jvmTotal}`);
    assert.ok(COH_MAT_TOTAL > jvmTotal * 1.05, 'MAT overstates compact headers');
    const toggle = page.locator('.sizes-toggle');
    assert.equal(await toggle.getAttribute('data-rule'), 'jvm');
    assert.equal(await toggle.getByRole('button', { name: 'JVM' }).getAttribute('aria-pressed'), 'true');
    assert.equal(await page.locator('.size-rule').getAttribute('data-rule'), 'jvm');
    await toggle.getByRole('button', { name: 'MAT' }).click();
    await waitTotal(page, COH_MAT_TOTAL);
    assert.equal(await page.locator('.size-rule').getAttribute('data-rule'), 'mat');
    assert.match(await page.locator('.size-rule').innerText(), /Eclipse MAT's rule/);
    assert.equal(new URL(page.url()).searchParams.get('sizes'), 'mat');
    await shot(page, 'app-sizes-mat');
    // Every view shows the rule in effect (the dump bar), and links keep it in the URL.
    for (const hash of ['#/suspects', '#/histogram', '#/threads', '#/process-memory']) {
      await go(page, hash);
      await page.locator('main.content').waitFor();
      assert.equal(await page.locator('.sizes-toggle').getAttribute('data-rule'), 'mat', hash);
      assert.equal(await page.locator('.sizes-toggle button[aria-pressed="true"]').innerText(), 'MAT', hash);
      assert.equal(new URL(page.url()).searchParams.get('sizes'), 'mat', hash);
    }
    await go(page, '#/overview');
    await page.locator('.sizes-toggle').getByRole('button', { name: 'JVM' }).click();
    await waitTotal(page, COH_JVM_TOTAL);
    assert.equal(new URL(page.url()).searchParams.get('sizes'), null);
  });

  await t.test('a URL with ?sizes=mat opens the next dump with MAT sizes', async () => {
    await page.goto(`${app.origin}/?sizes=mat#/overview`);
    await page.locator(READY).waitFor({ timeout: 30_000 });
    await openDump(app, COH);
    await waitTotal(page, COH_MAT_TOTAL);
    assert.equal(await page.locator('.sizes-toggle').getAttribute('data-rule'), 'mat');
  });
  assertNoErrors(app);
});
