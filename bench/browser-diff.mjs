// Browser benchmark of comparing two dumps (issue 13): the page opens BASE and NEW together
// (both files given to the file input at once, as a user does) and shows the Comparison view;
// measured next to each dump opened alone, in the same run, with the same build and Chromium.
//
//   node bench/browser-diff.mjs [--out REPORT.md] [--json-dir DIR] [--timeout-min N] BASE NEW
//
// Normally run by `BENCH_DIFF=1 scripts/bench-browser.sh` (which builds dist/ and makes the
// dumps). Environment: HEAPLENS_DIST, CHROMIUM (tests/browser/harness.mjs); BENCH_LOAD_START,
// BENCH_LOAD_WARNING, BENCH_GIT (report facts).
//
// Three fresh Chromiums, one after the other, each reading the files from the page cache; every
// time from the file input's `change` event (page clock):
//   1. BASE alone: analyzed (dump bar shown), then handed over to the lean worker
//      (`__heaplensMetrics.handedOver`): what opening one dump costs before a second can
//      follow it (the pair waits for the same hand-over);
//   2. NEW alone: the same;
//   3. the pair: the first dump analyzed, then the Comparison view's growth table (or its "no
//      holder grew" note) shown: both analyses, both hand-overs, both digests, the comparison.
// The renderer process's peak RSS (VmHWM) of each run: dedicated workers live in the page's
// renderer process, so the pair's figure holds both workers (the page's memory check plans for
// both: the first dump's lean worker is reserved before the second is read).
import { spawnSync } from 'node:child_process';
import { mkdir, stat, writeFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { openApp, ROOT } from '../tests/browser/harness.mjs';
import { benchArgs, fix, log, MiB, rendererPeakRss } from './common.mjs';

const { out, jsonDir, timeout: TIMEOUT, timeoutMin, dumps } = benchArgs({
  report: 'browser-diff-results.md',
  jsonDir: join(ROOT, 'target', 'bench', 'browser'),
  usage: 'node bench/browser-diff.mjs [--out REPORT.md] [--json-dir DIR] [--timeout-min N] BASE NEW',
  dumpsOk: (n) => n === 2,
});


/** Injected before navigation: the input's change event, and when each selector first shows. */
function instrument() {
  const B = (window.__bench = { t0: null, marks: {} });
  addEventListener('change', (e) => {
    if (e.target?.id === 'file-input' && B.t0 === null) B.t0 = performance.now();
  }, true);
  const SEL = {
    analyzed: '.dumpbar',
    growth: '.compare-view .cmp-growth',
    error: '.error-card, .compare-view .error',
  };
  new MutationObserver(() => {
    if (B.t0 === null) return;
    for (const [k, s] of Object.entries(SEL)) if (!(k in B.marks) && document.querySelector(s)) B.marks[k] = performance.now();
  }).observe(document, { subtree: true, childList: true, attributes: true });
}

/** Opens `files` in a fresh page; `pair`: wait for the comparison, else for the hand-over. */
async function run(files, pair) {
  const r = { files: files.map((f) => basename(f)), error: null };
  const app = await openApp();
  try {
    const { page } = app;
    await page.addInitScript(instrument);
    await page.reload();
    await page.locator('.engine-status[data-state="ready"]').waitFor({ timeout: 60_000 });
    log(`browser: ${pair ? 'pair' : 'alone'}: ${r.files.join(' + ')}`);
    await page.locator('#file-input').setInputFiles(files);
    if (pair) {
      await page.locator('.compare-view .cmp-growth, .error-card').first().waitFor({ timeout: TIMEOUT });
      r.growthRows = await page.locator('.compare-view .growth-row').count();
      r.firstGrowth = await page.locator('.compare-view .growth-row').first().getAttribute('data-holder').catch(() => null);
    } else {
      await page.locator('.dumpbar, .error-card').first().waitFor({ timeout: TIMEOUT });
      // The page's own flag, set when the lean worker has the analysis (the pair waits for it).
      // (None within two minutes: reported as n/a.)
      const over = await page
        .waitForFunction(() => window.__heaplensMetrics?.handedOver === true, null, { timeout: 120_000, polling: 50 })
        .then(() => true, () => false);
      if (over) await page.evaluate(() => (window.__bench.marks.handedOver = performance.now()));
    }
    const b = await page.evaluate(() => window.__bench);
    const rel = (k) => (b.marks[k] != null && b.t0 != null ? (b.marks[k] - b.t0) / 1000 : null);
    r.analyzedS = rel('analyzed');
    r.handedOverS = rel('handedOver');
    r.growthS = rel('growth');
    if (b.marks.error != null) r.error = (await page.locator('.error-card, .compare-view .error').first().innerText()).replace(/\s+/g, ' ').slice(0, 300);
    r.metrics = await page.evaluate(() => (window.__heaplensMetrics ? JSON.parse(JSON.stringify(window.__heaplensMetrics)) : null));
    r.rendererPeakRss = await rendererPeakRss();
  } catch (e) {
    r.error = e.name === 'TimeoutError' ? `timed out after ${timeoutMin} min` : String(e.message ?? e).split('\n')[0];
  } finally {
    await app.close();
  }
  log(`browser: ${JSON.stringify({ analyzedS: r.analyzedS, handedOverS: r.handedOverS, growthS: r.growthS, error: r.error })}`);
  return r;
}

await mkdir(jsonDir, { recursive: true });
const loadStart = process.env.BENCH_LOAD_START ?? loadavg().map((x) => x.toFixed(2)).join(' ');
for (const d of dumps) spawnSync('cat', [d], { stdio: ['ignore', 'ignore', 'inherit'] });
const [base, next] = dumps;
const alone = [];
for (const d of dumps) alone.push(await run([d], false));
const pair = await run([base, next], true);
await writeFile(join(jsonDir, 'diff.browser.json'), JSON.stringify({ alone, pair }, null, 2));

const sizes = await Promise.all(dumps.map(async (d) => (await stat(d)).size));
const mib = (b) => (b == null ? 'n/a' : fix(b / MiB, 0));
const sum = (a, b) => (a != null && b != null ? a + b : null);
const twoS = sum(alone[0].handedOverS, alone[1].handedOverS);
const L = [
  '## heaplens browser benchmark: comparing two dumps',
  '',
  `- dumps: \`${basename(base)}\` (${mib(sizes[0])} MiB), \`${basename(next)}\` (${mib(sizes[1])} MiB)`,
  `- machine: ${cpus().length} CPUs, ${cpus()[0]?.model ?? '?'}, ${Math.round(totalmem() / MiB)} MiB RAM; load average at start ${loadStart}, at end ${loadavg().map((x) => x.toFixed(2)).join(' ')}`,
];
if (process.env.BENCH_LOAD_WARNING) L.push(`- **WARNING: ${process.env.BENCH_LOAD_WARNING}**`);
L.push(`- heaplens ${process.env.BENCH_GIT ?? '?'}; ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC`, '');
L.push('| in the page | analyzed s | handed over s | comparison shown s | renderer peak RSS MiB |');
L.push('|---|---:|---:|---:|---:|');
alone.forEach((a, i) => L.push(`| \`${basename(dumps[i])}\` alone${a.error ? ` (**${a.error}**)` : ''} | ${fix(a.analyzedS)} | ${fix(a.handedOverS)} | | ${mib(a.rendererPeakRss)} |`));
L.push(`| **the two alone** | ${fix(sum(alone[0].analyzedS, alone[1].analyzedS))} | **${fix(twoS)}** | | |`);
L.push(`| **both files at once: the Comparison view** (${pair.growthRows ?? 0} growth rows${pair.firstGrowth ? `, first \`${pair.firstGrowth}\`` : ''})${pair.error ? ` (**${pair.error}**)` : ''} | ${fix(pair.analyzedS)} (first) | | **${fix(pair.growthS)}** | ${mib(pair.rendererPeakRss)} (both workers) |`);
L.push('');
L.push(`Comparison / the two alone (to the hand-over): **${pair.growthS != null && twoS ? fix(pair.growthS / twoS) : 'n/a'} ×** (wall, page clock, from the file input's \`change\` event).`);
L.push('"Handed over": the analysis moved to the lean worker that keeps it (the pair waits for the first dump\'s before reading the second); the comparison adds both digests (class histogram, the big objects\' paths and keys) and the comparison itself.');
const text = `${L.join('\n')}\n`;
await mkdir(resolve(out, '..'), { recursive: true });
await writeFile(out, text);
process.stdout.write(text);
log(`results saved to ${out}`);
