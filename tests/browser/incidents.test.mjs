// The five incident dumps and the healthy one, analyzed in the page one after the other (each
// replacing the previous one): the first leak suspect and its explanation, as the core
// produces them; then a tour of every view on queue_backlog, with screenshots; the thread
// view of thread_explosion. Also the privacy audit: nothing but static files requested, no
// request carries anything.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openApp } from './harness.mjs';
import {
  assertNoErrors,
  assertPrivate,
  facts,
  fixture,
  fmt,
  go,
  openDump,
  recordRequests,
  shot,
  waitSuspects,
} from './dumps.mjs';

const READY = '.engine-status[data-state="ready"]';

/** Text of the first suspect card: pattern, class, explanation. */
async function firstSuspect(page) {
  await go(page, '#/suspects');
  const card = page.locator('.suspect').first();
  await card.waitFor({ timeout: 60_000 });
  return {
    pattern: await card.getAttribute('data-pattern'),
    title: await card.locator('h3').innerText(),
    explanation: await card.locator('.explanation').innerText(),
  };
}

test('incident dumps: first suspect, views, threads; privacy', async (t) => {
  const app = await openApp();
  t.after(() => app.close());
  const { page } = app;
  const requests = recordRequests(app);
  await page.locator(READY).waitFor({ timeout: 30_000 });

  await t.test('retry_buffer: collection accumulation in RetryingPublisher.pendingBatches', async () => {
    const f = await facts('retry_buffer');
    await openDump(app, fixture('retry_buffer'));
    await waitSuspects(page);
    const s = await firstSuspect(page);
    assert.equal(s.pattern, 'collection accumulation');
    assert.match(s.title, new RegExp(f.holder_class.replaceAll('.', '\\.')));
    for (const needle of [
      `${f.collection_class} held by ${f.holder_class}.${f.collection_field}`,
      `holds ${fmt(f.batches)} elements`,
      `static field ${f.holder_class}.${f.holder_static_field}`,
    ]) {
      assert.ok(s.explanation.includes(needle), `${needle} not in: ${s.explanation}`);
    }
  });

  await t.test('queue_backlog: queue backlog, and a tour of every view', async () => {
    const f = await facts('queue_backlog');
    await openDump(app, fixture('queue_backlog'));
    // Overview first (progressive: before the suspects are known).
    assert.match(await page.locator('.dumpbar .file-name').innerText(), /queue_backlog\.hprof\.gz/);
    await waitSuspects(page);
    const s = await firstSuspect(page);
    assert.equal(s.pattern, 'queue backlog');
    assert.match(s.title, /com\.example\.monitor\.TcpSocketSender/);
    assert.ok(
      s.explanation.startsWith(`queue backlog: ${f.queue_class} held by ${f.sender_class}.${f.queue_field} holds ${fmt(f.queue_messages)} elements`),
      s.explanation,
    );
    assert.ok(s.explanation.includes(`capacity ${fmt(f.queue_capacity)}`), s.explanation);
    assert.ok(s.explanation.includes(f.sender_thread), s.explanation);
    // The suspect's path from a GC root ends at the queue, reached through m_queue.
    const steps = page.locator('.suspect').first().locator('.path-steps li');
    assert.match(await steps.last().innerText(), /m_queue[\s\S]*ArrayBlockingQueue/);
    await shot(page, 'app-suspects');
    // What accumulated, by class: a class opens the histogram filtered to it.
    await page.locator('.suspect details.accumulated summary').first().click();
    await page.locator('.suspect details.accumulated button.cls', { hasText: /^byte\[\]$/ }).first().click();
    await page.locator('table.histogram tbody tr').first().waitFor();
    await page.waitForFunction(() => document.querySelectorAll('table.histogram tbody tr').length === 1);
    assert.match(await page.locator('table.histogram tbody tr').innerText(), /^byte\[\]\s+[\d,]+/);

    await go(page, '#/overview');
    await page.locator('.overview .cards').waitFor();
    const cards = await page.locator('.overview .cards').innerText();
    assert.match(cards, /JAVA PROFILE 1\.0\.2/);
    assert.match(cards, /8 bytes, compressed oops/);
    assert.ok((await page.locator('ol.bars li').count()) >= 5, 'top dominators bar picture');
    assert.match(await page.locator('ol.bars li').first().innerText(), /TcpSocketSender/);
    await shot(page, 'app-overview');

    // Dominator tree: two levels, then an object and its path to GC roots.
    await go(page, '#/dominators');
    const top = page.locator('.trow[data-depth="0"]:not(.pending)').first();
    await top.waitFor();
    assert.match(await top.innerText(), /TcpSocketSender/);
    await top.locator('.twisty').click();
    const second = page.locator('.trow[data-depth="1"]:not(.pending)').first();
    await second.waitFor();
    assert.match(await second.innerText(), /ArrayBlockingQueue/);
    await second.locator('.twisty').click();
    const third = page.locator('.trow[data-depth="2"]:not(.pending)').first();
    await third.waitFor();
    assert.match(await third.innerText(), /java\.lang\.Object\[\]/);
    await shot(page, 'app-dominator-tree');
    // "roots" on the queue's row: the inspector, at its paths to GC roots.
    await second.locator('a.roots').click();
    await page.locator('.obj-head').waitFor();
    assert.match(await page.locator('.obj-head h2').innerText(), /java\.util\.concurrent\.ArrayBlockingQueue/);
    const path = page.locator('figure.path').first();
    await path.waitFor({ timeout: 30_000 });
    assert.match(await path.locator('figcaption').innerText(), /Shortest path/);
    assert.match(await path.locator('li').last().innerText(), /m_queue[\s\S]*ArrayBlockingQueue/);
    // Its fields: the element count of the queue, read from the dump.
    assert.match(await page.locator('details.fields').innerText(), new RegExp(`count\\s+int\\s+${f.queue_messages}`));
    await shot(page, 'app-object');
    // Outgoing references and, on request, the referrers.
    await page.locator('table.refs').first().waitFor();
    await page.getByRole('button', { name: 'Find referrers' }).click();
    await page.locator('table.refs').nth(1).waitFor();
    assert.match(await page.locator('table.refs').nth(1).innerText(), /m_queue/);

    // Histogram: sorted by retained; filter; drill into instances.
    await go(page, '#/histogram');
    await page.locator('table.histogram tbody tr').first().waitFor();
    // (Still filtered to byte[] by the suspect's link: back to every class.)
    await page.locator('.histogram-view .controls input[type="checkbox"]').first().uncheck();
    await page.locator('#hist-filter').fill('');
    await page.waitForFunction(() => document.querySelectorAll('table.histogram tbody tr').length > 100);
    await shot(page, 'app-histogram');
    await page.locator('#hist-filter').fill('java.lang.String');
    await page.waitForFunction(() => {
      const rows = [...document.querySelectorAll('table.histogram tbody tr td.name')];
      return rows.length > 0 && rows.every((td) => td.innerText.includes('java.lang.String'));
    });
    const stringRow = page
      .locator('table.histogram tbody tr')
      .filter({ has: page.locator('td.name', { hasText: /^java\.lang\.String$/ }) })
      .first();
    const instances = Number((await stringRow.locator('td').nth(1).innerText()).replaceAll(',', ''));
    assert.ok(instances >= f.queue_messages, `${instances} strings`);
    await stringRow.locator('button.cls').click();
    await page.locator('.instances-view table.objects tbody tr').first().waitFor();
    assert.match(await page.locator('.instances-view h2').innerText(), /Instances of\s+java\.lang\.String/);
    assert.match(await page.locator('.instances-view .list-foot').innerText(), new RegExp(`of ${fmt(instances)}`));

    for (const [hash, sel, name] of [
      ['#/threads', '.threads-view .thread-count', 'app-threads'],
      ['#/loaders', '.loaders-view table.loaders', 'app-loaders'],
      ['#/waste', '.waste-view .summary-line', 'app-waste'],
    ]) {
      await go(page, hash);
      await page.locator(sel).waitFor({ timeout: 30_000 });
      await shot(page, name);
    }
    assert.match(await page.locator('.waste-view').innerText(), /Duplicate strings/);

    // Export: the report, built in the worker, saved through a Blob URL (no request).
    await page.locator('.export-menu summary').click();
    for (const [label, file, needle] of [
      ['HTML', 'queue_backlog.heaplens.html', /<html[\s\S]*TcpSocketSender/],
      ['JSON', 'queue_backlog.heaplens.json', /"schema":\s*\d+[\s\S]*"suspects"/],
    ]) {
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.locator('.export-menu .menu button', { hasText: label }).click(),
      ]);
      assert.equal(download.suggestedFilename(), file);
      assert.ok(download.url().startsWith('blob:'), download.url());
      const { readFile } = await import('node:fs/promises');
      assert.match(await readFile(await download.path(), 'utf8'), needle);
    }
    await page.locator('.export-menu summary').click();
  });

  await t.test('threadlocal_leak: ThreadLocal accumulation over request-worker-*', async () => {
    const f = await facts('threadlocal_leak');
    await openDump(app, fixture('threadlocal_leak'));
    await waitSuspects(page);
    const s = await firstSuspect(page);
    assert.equal(s.pattern, 'ThreadLocal accumulation');
    // One count of threads: the pool's, as a part of the suspect's threads.
    const expected = new RegExp(
      `the ThreadLocalMaps of ${f.pool_threads} of the \\d+ threads \\(${f.pool_threads} ${f.thread_name_prefix}\\*`);
    assert.match(s.explanation, expected);
    assert.ok(s.explanation.includes(`${f.stale_entries} of the ${f.stale_entries} entries are stale`), s.explanation);
    assert.ok(s.explanation.includes(f.threadlocal_value_class), s.explanation);
  });

  await t.test('thread_explosion: 2,307 live threads, 2,000 pool-7-thread-*', async () => {
    const f = await facts('thread_explosion');
    await openDump(app, fixture('thread_explosion'));
    await waitSuspects(page);
    const s = await firstSuspect(page);
    assert.equal(s.pattern, 'thread explosion');
    assert.ok(s.explanation.startsWith(`thread explosion: ${fmt(f.threads_total)} live threads: ${fmt(2000)} pool-7-thread-* (WAITING)`), s.explanation);

    await go(page, '#/threads');
    const count = page.locator('.thread-count');
    await count.waitFor({ timeout: 30_000 });
    assert.match(await count.innerText(), new RegExp(`^${fmt(f.threads_total)} live threads`));
    for (const [pattern, n] of Object.entries(f.thread_groups)) {
      const row = page.locator('table.groups tbody tr', { hasText: pattern }).first();
      assert.equal(await row.locator('td').nth(1).innerText(), fmt(n), pattern);
    }
    // A group filters the thread list; a thread opens its stack.
    await page.locator('table.groups tbody tr', { hasText: 'pool-7-thread-*' }).first().locator('button').click();
    await page.waitForFunction(() => document.querySelector('.threads-view .list-foot')?.innerText.includes('of 2,000'));
    await page.locator('tr.thread-row button').first().click();
    await page.locator('.thread-details ol.frames li').first().waitFor();
    assert.match(await page.locator('.thread-details').innerText(), /at java\.(lang|util)\./);
    await shot(page, 'app-threads-explosion');
  });

  await t.test('classloader_leak: the buffer pool first, the class loader reported', async () => {
    const f = await facts('classloader_leak');
    await openDump(app, fixture('classloader_leak'));
    await waitSuspects(page);
    const s = await firstSuspect(page);
    assert.equal(s.pattern, 'huge array');
    assert.ok(s.explanation.includes(`${f.pool_class}.chunks`), s.explanation);
    assert.ok(s.explanation.includes(`${f.pool_chunks} × byte[${fmt(f.pool_chunk_bytes)}]`), s.explanation);
    assert.ok((await page.locator('.suspect[data-pattern="class-loader retention"]').count()) === 1);
    await go(page, '#/loaders');
    const loader = page.locator('table.loaders tbody tr', { hasText: f.loader_class }).first();
    await loader.waitFor({ timeout: 30_000 });
    assert.match(await loader.innerText(), new RegExp(fmt(f.generated_classes)));
  });

  await t.test('healthy_app: no leak suspect', async () => {
    await openDump(app, fixture('healthy_app'));
    await waitSuspects(page);
    assert.match(await page.locator('.suspects-view .ok-note').innerText(), /No leak suspect/);
    await go(page, '#/overview');
    assert.match(await page.locator('.suspects-summary').innerText(), /No leak suspect/);
    assert.equal(await page.locator('.tabs .tab-count').count(), 0);
  });

  assertNoErrors(app);
  await assertPrivate(app, requests, ['retry_buffer', 'queue_backlog', 'threadlocal_leak', 'thread_explosion', 'classloader_leak', 'healthy_app']);
});
