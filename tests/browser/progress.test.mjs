// Opening a dump, from the page's side: the worker's progress messages arrive at least every
// ~400 ms in every phase (the worker promises one every 200 ms: PROGRESS_INTERVAL_MS), the
// first pass's results (overview and histogram) are shown before the final ones, and
// `window.__heaplensMetrics` (what the browser benchmark reads) is filled in.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openApp } from './harness.mjs';
import { assertNoErrors, fixture, go, removeTempFiles, tempFile, waitSuspects, wideDump } from './dumps.mjs';

const READY = '.engine-status[data-state="ready"]';
/** Largest gap allowed between two worker messages while a dump is opened. */
const MAX_GAP_MS = 400;

/**
 * Installed before the app starts: every message of every worker, timestamped on the page
 * (`window.__workerLog`), and when the first results and the final ones entered the DOM
 * (`window.__shownAt`).
 */
function instrument() {
  const log = (window.__workerLog = []);
  const Native = window.Worker;
  window.Worker = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', (e) => {
        let msg = null;
        try {
          msg = JSON.parse(e.data);
        } catch {}
        const type = msg?.type ?? null;
        log.push({
          t: performance.now(),
          type,
          phase: type === 'progress' ? msg.phase : type === 'reply' ? msg.response?.type : null,
          percent: type === 'progress' ? msg.percent : null,
          eta: type === 'progress' ? msg.eta_ms : null,
        });
      });
    }
  };
  const shown = (window.__shownAt = {});
  new MutationObserver(() => {
    for (const sel of ['.partial-results', '.partial-histogram tbody tr', '.dumpbar', '.overview:not(.partial-results)']) {
      if (shown[sel] === undefined && document.querySelector(sel)) shown[sel] = performance.now();
    }
  }).observe(document, { subtree: true, childList: true });
}

/** Open `path` and wait for the analysis; returns what the page saw. */
async function load(page, path) {
  await page.evaluate(() => {
    window.__workerLog.length = 0;
    for (const k of Object.keys(window.__shownAt)) delete window.__shownAt[k];
  });
  await page.locator('#file-input').setInputFiles(path);
  await page.locator('.dumpbar, .error-card').first().waitFor({ timeout: 120_000 });
  return page.evaluate(() => ({
    log: window.__workerLog.slice(),
    shown: { ...window.__shownAt },
    metrics: JSON.parse(JSON.stringify(window.__heaplensMetrics)),
  }));
}

/** The messages of the open: from its first progress to its reply (`opened`). */
function openMessages(log) {
  // The worker that will take the hand-over starts during the open: its "ready" is not the open's.
  log = log.filter((m) => m.type !== 'ready');
  const first = log.findIndex((m) => m.type === 'progress');
  const last = log.findIndex((m, i) => i > first && m.type === 'reply' && m.phase === 'opened');
  assert.ok(first >= 0 && last > first, `progress then the reply: ${JSON.stringify(log.map((m) => m.type))}`);
  return log.slice(first, last + 1);
}

function gaps(messages) {
  const out = [];
  for (let i = 1; i < messages.length; i++) {
    out.push({ ms: messages[i].t - messages[i - 1].t, after: messages[i - 1], before: messages[i] });
  }
  return out;
}

function checkProgress(t, name, messages) {
  const g = gaps(messages);
  const worst = g.reduce((a, b) => (b.ms > a.ms ? b : a), { ms: 0 });
  const progress = messages.filter((m) => m.type === 'progress');
  t.diagnostic(
    `${name}: ${progress.length} progress messages over ${(messages.at(-1).t - messages[0].t).toFixed(0)} ms; ` +
      `largest gap ${worst.ms.toFixed(0)} ms (after ${worst.after?.type} ${worst.after?.phase ?? ''} ${worst.after?.percent?.toFixed?.(1) ?? ''}%)`,
  );
  assert.ok(
    worst.ms <= MAX_GAP_MS,
    `${name}: ${worst.ms.toFixed(0)} ms without a message, after ${JSON.stringify(worst.after)}, before ${JSON.stringify(worst.before)}`,
  );
  // Every phase reports, in order, with a percent that never goes back.
  const phases = [...new Set(progress.map((m) => m.phase))];
  assert.deepEqual(phases, ['indexing', 'linking', 'dominators', 'analyses']);
  for (let i = 1; i < progress.length; i++) {
    assert.ok(progress[i].percent >= progress[i - 1].percent, `percent went back: ${JSON.stringify(progress.slice(i - 1, i + 1))}`);
  }
  assert.ok(progress.every((m) => m.percent >= 0 && m.percent <= 100 && (m.eta === null || m.eta >= 0)));
}

test('opening a dump: steady progress, first results first, metrics', async (t) => {
  const app = await openApp();
  t.after(async () => {
    await app.close();
    await removeTempFiles();
  });
  const { page } = app;
  await app.context.addInitScript(instrument);
  await page.reload();
  await page.locator(READY).waitFor({ timeout: 30_000 });
  // The metrics object exists from the start, empty.
  assert.deepEqual(await page.evaluate(() => window.__heaplensMetrics), {
    phases: [],
    wasmMemoryBytes: 0,
    buildMemoryBytes: null,
    handedOver: false,
    freshWorker: null,
    objects: 0,
    edges: 0,
    firstResultsMs: null,
    doneMs: null,
    error: null,
  });

  await t.test('queue_backlog: progress, partial results before the final ones', async () => {
    const { log, shown, metrics } = await load(page, fixture('queue_backlog'));
    const messages = openMessages(log);
    checkProgress(t, 'queue_backlog', messages);

    // The first pass's results: posted between pass 1 and pass 2, shown before the final view.
    const partial = messages.findIndex((m) => m.type === 'partial');
    assert.ok(partial > 0, 'a partial message');
    assert.ok(messages.slice(0, partial).every((m) => m.type === 'progress' && m.phase === 'indexing'));
    assert.ok(messages.slice(partial).some((m) => m.phase === 'linking'));
    assert.ok(shown['.partial-results'] !== undefined, `first results shown: ${JSON.stringify(shown)}`);
    assert.ok(shown['.partial-histogram tbody tr'] !== undefined, 'with histogram rows');
    assert.ok(shown['.partial-results'] < shown['.dumpbar'], `first results before the final view: ${JSON.stringify(shown)}`);
    assert.equal(await page.locator('.partial-results').count(), 0, 'replaced by the final view');

    // The metrics the benchmark reads.
    assert.deepEqual(metrics.phases.map((p) => p.name), ['indexing', 'linking', 'dominators', 'analyses']);
    assert.ok(metrics.phases.every((p) => typeof p.ms === 'number' && p.ms >= 0), JSON.stringify(metrics));
    assert.ok(metrics.wasmMemoryBytes > 0 && metrics.wasmMemoryBytes % 65536 === 0, JSON.stringify(metrics));
    assert.ok(metrics.firstResultsMs > 0 && metrics.doneMs > metrics.firstResultsMs, JSON.stringify(metrics));
    assert.equal(metrics.error, null);
    assert.ok(metrics.edges > 0);
    // The overview (once the app has moved on to the leak suspects, and back).
    await waitSuspects(page);
    await go(page, '#/overview');
    await page.locator('.analysis-stats').waitFor();
    const objects = await page.evaluate(() => {
      const dt = [...document.querySelectorAll('.overview dt')].find((d) => d.textContent === 'Objects');
      return Number(dt.nextElementSibling.textContent.replaceAll(',', ''));
    });
    assert.equal(metrics.objects, objects);
    // Once the suspects are shown the analysis moves to a fresh worker, whose memory holds only
    // what is kept; the page says so.
    await page.waitForFunction(() => window.__heaplensMetrics.handedOver === true, null, { timeout: 30_000 });
    const after = await page.evaluate(() => ({ ...window.__heaplensMetrics }));
    assert.equal(after.freshWorker, true, JSON.stringify(after));
    assert.ok(after.wasmMemoryBytes > 0 && after.wasmMemoryBytes < after.buildMemoryBytes, JSON.stringify(after));
    const stats = await page.locator('.analysis-stats').innerText();
    assert.match(stats, /^Analyzed in .+ · worker memory [\d,]+ MiB \([\d,]+ bytes\/object; [\d,]+ MiB while building\)$/);
    t.diagnostic(`queue_backlog: ${stats}; metrics ${JSON.stringify(after)}`);
    // The fresh worker answers: the dominator tree and an object's page.
    await go(page, '#/dominators');
    await page.locator('.tree-inner .trow[data-depth="0"]:not(.pending)').first().waitFor({ timeout: 30_000 });
    assertNoErrors(app);
  });

  await t.test('a wide dump of 1.5 M objects: progress in every phase', async () => {
    const path = await tempFile('wide.hprof', wideDump(1_500_000));
    const { log, metrics } = await load(page, path);
    checkProgress(t, 'wide 1.5 M', openMessages(log));
    assert.equal(metrics.objects, 1_500_000 + 5);
    t.diagnostic(`wide: metrics ${JSON.stringify(metrics)}`);
    assertNoErrors(app);
  });
});

test('hand-over without a fresh worker: the building worker restores its own snapshot', async () => {
  const app = await openApp();
  const { page } = app;
  try {
    await page.locator(READY).waitFor({ timeout: 30_000 });
    // The worker that would take the hand-over cannot be fetched.
    await page.route(/worker_loader\.js/, (route) => route.abort());
    await page.locator('#file-input').setInputFiles(fixture('queue_backlog'));
    await waitSuspects(page);
    await page.waitForFunction(() => window.__heaplensMetrics.handedOver === true, null, { timeout: 30_000 });
    assert.equal(await page.evaluate(() => window.__heaplensMetrics.freshWorker), false);
    // No saving is claimed, and the analysis goes on answering.
    await go(page, '#/overview');
    assert.match(await page.locator('.analysis-stats').innerText(), /^Analyzed in .+ · worker memory [\d,]+ MiB \([\d,]+ bytes\/object\)$/);
    await go(page, '#/dominators');
    await page.locator('.tree-inner .trow[data-depth="0"]:not(.pending)').first().waitFor({ timeout: 30_000 });
    assert.equal(await page.locator('.engine-status').getAttribute('data-state'), 'ready');
  } finally {
    await app.close();
  }
});
