// Browser benchmark driver: opens big heap dumps in the built page (dist/) in headless Chromium,
// through the page's file input, and measures what a user waits for; runs the native CLI and
// hprof-analyzer on the same file for comparison; writes one markdown report.
//
//   node bench/browser.mjs [--out REPORT.md] [--json-dir DIR] [--timeout-min N] DUMP...
//
// Normally run by scripts/bench-browser.sh, which builds dist/ and the CLI, makes the dumps and
// installs the peer first (see bench/README.md). Environment:
//   HEAPLENS_DIST     the build to serve (default dist/; tests/browser/harness.mjs reads it)
//   CHROMIUM          the browser (default /usr/bin/chromium)
//   BENCH_CLI         the native CLI binary (default target/release/heaplens; "" = skip)
//   BENCH_ANALYZER    the hprof-analyzer binary ("" or unset = skip)
//   BENCH_NATIVE_RUNS runs of each native tool in a row (default 2: first run and run again)
//   BENCH_ANALYZER_VERSION, BENCH_LOAD_START, BENCH_LOAD_WARNING, BENCH_GIT: report facts
//
// Per dump, in this order, each reading the same file from the page cache:
//   1. native: /usr/bin/time -f '%e %M' heaplens analyze DUMP --format json --stats > /dev/null,
//      twice in a row: its first run maps memory that another process has just freed (on a VM
//      that hands freed memory back to its host, a fresh huge page then costs the host's fault
//      too: docs/scaling.md, "The native tools run twice"), the second memory the guest already
//      backs. Both are reported; the phases are compared with the second (BENCH_NATIVE_RUNS=1:
//      once).
//   2. browser: a fresh Chromium (tests/browser/harness.mjs: its server with the page's CSP, its
//      launch flags), a PerformanceObserver for main-thread long tasks and a MutationObserver
//      that timestamps what appears on screen (both injected before navigation), then
//      setInputFiles(DUMP) (a path: a local browser reads the file itself, nothing is copied
//      over CDP). Measured from the input's `change` event (performance.now() in the page):
//        first results  = the dump bar and overview are shown (graph, dominators, histogram)
//        tree rows      = then #/dominators: the first rows of the dominator tree
//        suspects       = then #/suspects: suspect cards (or the "no suspect" note)
//        done           = both shown
//      Phases: from window.__heaplensMetrics.phases when the app exposes it, else from the
//      loading screen's phase list (the moment each phase becomes current).
//      Memory: __heaplensMetrics.wasmMemoryBytes when exposed ("n/a" otherwise); also the
//      worker's own count of graph + dominator bytes (overview) and the renderer process's
//      peak RSS (VmHWM; the worker runs in the page's renderer process).
//   3. hprof-analyzer DUMP report.json, under GNU time, twice in a row as the CLI.
import { spawnSync } from 'node:child_process';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { closeSync, openSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { openApp, ROOT, DIST } from '../tests/browser/harness.mjs';
import { cpuBetween, cpuNamesBetween, startCpuSampler } from './cpu.mjs';
import { benchArgs, benchFileInput, fix, log, MiB, rendererPeakRss } from './common.mjs';

// ---- arguments ----------------------------------------------------------------------------
const { out, jsonDir, timeout: TIMEOUT, timeoutMin, dumps } = benchArgs({
  report: 'browser-results.md',
  jsonDir: join(ROOT, 'target', 'bench', 'browser'),
  usage: 'node bench/browser.mjs [--out REPORT.md] [--json-dir DIR] [--timeout-min N] DUMP...',
});
const CLI = process.env.BENCH_CLI ?? join(ROOT, 'target', 'release', 'heaplens');
const ANALYZER = process.env.BENCH_ANALYZER ?? '';
const NATIVE_RUNS = Math.max(1, Number(process.env.BENCH_NATIVE_RUNS ?? 2) || 1);

// ---- small helpers --------------------------------------------------------------------------
const MB = 1e6;
const mbs = (bytes, s) => (s > 0 ? fix(bytes / MB / s, 0) : 'n/a');
const mib = (b) => (b == null ? 'n/a' : `${fix(b / MiB, 0)} MiB`);
const fmtInt = (n) => (n == null ? 'n/a' : Number(n).toLocaleString('en-US'));

/** Runs CMD under GNU time: { wall, rssKiB, code, stderr }. Stdout goes to /dev/null. */
function timed(cmd, args, name) {
  const timeFile = join(jsonDir, `${name}.time`);
  const devnull = openSync('/dev/null', 'w');
  const r = spawnSync('/usr/bin/time', ['-o', timeFile, '-f', '%e %M', cmd, ...args], {
    stdio: ['ignore', devnull, 'pipe'],
    maxBuffer: 64 << 20,
    encoding: 'utf8',
  });
  closeSync(devnull);
  return { code: r.status, stderr: r.stderr ?? '', timeFile };
}
async function readTime(file) {
  const last = (await readFile(file, 'utf8')).trim().split('\n').pop();
  const [wall, rss] = last.split(/\s+/).map(Number);
  return { wall, rssKiB: rss };
}


// ---- in-page instrumentation (page.addInitScript: runs before the app's own scripts) ---------
function instrument() {
  const B = (window.__bench = { t0: null, marks: {}, phases: {}, longTasks: [], overview: null, notes: [] });
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) B.longTasks.push({ start: e.startTime, ms: e.duration });
    }).observe({ type: 'longtask', buffered: true });
  } catch (e) {
    B.notes.push(`no longtask observer: ${e}`);
  }
  // The moment the file is set: the input's change event, before the app's own handler.
  addEventListener(
    'change',
    (e) => {
      if (e.target?.id === 'file-input' && B.t0 === null) B.t0 = performance.now();
    },
    true,
  );
  // First results: the first pass's results on the loading screen (builds that have them),
  // else the analyzed dump's overview; "analyzed" = the dump bar and the full overview.
  const SEL = {
    loading: '.loading',
    partial: '.partial-results',
    analyzed: '.dumpbar',
    overview: '.overview:not(.partial-results) .cards',
    error: '.error-card',
    treeRows: '.trow[data-depth="0"]:not(.pending)',
    suspectsCount: '.tabs .tab-count',
    suspectsView: '.suspects-view .suspect, .suspects-view .ok-note',
    suspectsOverview: '.suspects-summary .suspect-teaser, .suspects-summary .ok-note',
  };
  const facts = () => {
    const o = {};
    for (const dl of document.querySelectorAll('.overview:not(.partial-results) dl.facts')) {
      for (const dt of dl.querySelectorAll('dt')) {
        const dd = dt.nextElementSibling;
        if (!dd) continue;
        const title = dd.querySelector('[title]')?.getAttribute('title') ?? dd.getAttribute('title');
        o[dt.textContent.trim()] = { text: dd.textContent.trim(), title };
      }
    }
    // "Analyzed in … · worker memory …", exact wasm bytes in its title (newer builds).
    const st = document.querySelector('.analysis-stats');
    if (st) o['analysis-stats'] = { text: st.textContent.trim(), title: st.getAttribute('title') };
    return o;
  };
  const check = () => {
    if (B.t0 === null) return;
    const now = performance.now();
    for (const [k, s] of Object.entries(SEL)) {
      if (!(k in B.marks) && document.querySelector(s)) {
        B.marks[k] = now;
        if (k === 'overview') B.overview = facts();
        if (k === 'partial' && window.__heaplensMetrics) B.metricsAtPartial = JSON.parse(JSON.stringify(window.__heaplensMetrics));
      }
    }
    for (const li of document.querySelectorAll('ol.phases li[data-state="now"]')) {
      const k = li.textContent.trim();
      if (!(k in B.phases)) B.phases[k] = now;
    }
  };
  new MutationObserver(check).observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-state', 'class'] });
}

// ---- one dump in the browser -----------------------------------------------------------------
async function browserRun(dump) {
  const r = { marks: {}, phases: {}, longTasks: [], error: null, console: [] };
  const app = await openApp();
  try {
    const { page } = app;
    const pageErrors = [];
    page.on('pageerror', (e) => pageErrors.push(`${e.name}: ${e.message}`));
    await page.addInitScript(instrument);
    const loadT0 = Date.now();
    await page.reload();
    try {
      await page.locator('.engine-status[data-state="ready"]').waitFor({ timeout: 60_000 });
      // The engine is ready once its worker runs and has warmed up (worker::warm): before
      // the file is chosen, as for a user, so not in the phases below.
      r.engineReadyS = (Date.now() - loadT0) / 1000;
    } catch {
      r.error = `the page did not get ready in 60 s (${pageErrors.join('; ').slice(0, 300) || 'no page error'})`;
      return r;
    }
    const deadline = Date.now() + TIMEOUT;
    const left = () => Math.max(1_000, deadline - Date.now());
    const go = (hash) => page.evaluate((h) => (location.hash = h), hash);

    log(`browser: setInputFiles(${basename(dump)})`);
    const cpu = startCpuSampler();
    // The first sample holds Chromium's own start and the page's load: CPU counts from it.
    await cpu.ready;
    const nodeT0 = Date.now();
    await page.locator('#file-input').setInputFiles(dump);
    try {
      await page.locator('.dumpbar, .error-card').first().waitFor({ timeout: left() });
      r.nodeAnalyzedS = (Date.now() - nodeT0) / 1000;
      if (await page.locator('.error-card').count()) {
        r.error = (await page.locator('.error-card').innerText()).replace(/\s+/g, ' ').trim();
      } else {
        log(`browser: analyzed after ${fix(r.nodeAnalyzedS, 1)} s; waiting for the dominator tree and the suspects`);
        await go('#/dominators');
        await page.locator('.trow[data-depth="0"]:not(.pending)').first().waitFor({ timeout: left() });
        await go('#/suspects');
        await page.locator('.suspects-view .suspect, .suspects-view .ok-note').first().waitFor({ timeout: left() });
        r.nodeDoneS = (Date.now() - nodeT0) / 1000;
        // The app's own metrics (web/src: window.__heaplensMetrics), once it says it is done.
        await page
          .waitForFunction(() => !window.__heaplensMetrics || window.__heaplensMetrics.doneMs != null || window.__heaplensMetrics.error, null, { timeout: 10_000 })
          .catch(() => {});
        // Then the app moves the analysis to a fresh worker (whose memory holds only what is
        // kept): the memory after the analysis is that worker's.
        await page
          .waitForFunction(() => !window.__heaplensMetrics || !('handedOver' in window.__heaplensMetrics) || window.__heaplensMetrics.handedOver === true, null, { timeout: 60_000 })
          .catch(() => {});
        await page.evaluate(() => {
          if (window.__heaplensMetrics?.handedOver === true && window.__bench?.marks) window.__bench.marks.handedOver = performance.now();
        });
      }
    } catch (e) {
      r.error = `${e.name === 'TimeoutError' ? `timed out after ${timeoutMin} min` : String(e.message ?? e).split('\n')[0]}`;
    }
    r.cpuSamples = await cpu.stop();
    r.cpuOffsetMs = nodeT0 - cpu.t0;
    // Baseline: how fast this browser hands the file's bytes over at all (8 MiB Blob slices,
    // as the worker reads them, but async on the main thread; after the analysis, so that it
    // cannot disturb it). The worker reads the file twice.
    if (!r.error) {
      try {
        await benchFileInput(page, dump);
        r.readBaseline = await page.evaluate(async () => {
          const f = document.getElementById('bench-read').files[0];
          const buf = new Uint8Array(8 << 20);
          const t = performance.now();
          let sum = 0;
          for (let o = 0; o < f.size; o += buf.length) {
            const a = new Uint8Array(await f.slice(o, Math.min(f.size, o + buf.length)).arrayBuffer());
            buf.set(a);
            sum += a[0];
          }
          return { ms: performance.now() - t, bytes: f.size, sum };
        });
      } catch (e) {
        r.notes = [`file read baseline failed: ${String(e.message ?? e).split('\n')[0]}`];
      }
    }
    const b = await page.evaluate(() => {
      let metrics = null;
      try {
        metrics = window.__heaplensMetrics ? JSON.parse(JSON.stringify(window.__heaplensMetrics)) : null;
      } catch (e) {
        metrics = { error: `unreadable: ${e}` };
      }
      return { ...window.__bench, metrics };
    }).catch((e) => ({ notes: [`page unreadable: ${e}`] }));
    if (r.notes?.length) b.notes = [...(b.notes ?? []), ...r.notes];
    Object.assign(r, b);
    r.rendererPeakRssBytes = await rendererPeakRss();
    r.console = [...pageErrors, ...app.consoleErrors].slice(0, 20);
  } finally {
    await app.close();
  }
  return r;
}

// ---- the numbers of one dump -----------------------------------------------------------------
/** The worker's phase names (app metrics, loading screen) → the native CLI's `--stats` names. */
const phaseKey = (name) =>
  [
    ['indexing', /index|pass 1/i],
    ['linking', /link|pass 2/i],
    ['dominators', /domin/i],
    ['analyses', /analys|histogram|summary/i],
  ].find(([, re]) => re.test(name))?.[0] ?? null;
/** Phases both sides time the same way (the CLI's "analyses" is its whole report). */
const COMPARABLE = new Set(['indexing', 'linking', 'dominators']);

/**
 * Phase rows [{ name, key, start, end, s }]: windows (page clock) from the loading screen's
 * phase list, a phase ending when the next becomes current (the last: when the analyzed dump
 * is shown); seconds from the app's metrics when it has them, else from those windows.
 */
function phaseRows(b) {
  const order = ['Indexing', 'Linking', 'Dominators', 'Analyses'];
  const label = {
    indexing: 'pass 1: read and index, sort ids',
    linking: 'pass 2: link references',
    dominators: 'dominator tree, retained sizes',
    analyses: 'summary, class histogram',
  };
  const seen = order.filter((k) => b.phases?.[k] != null);
  const rows = [];
  if (seen.length && b.t0 != null) rows.push({ name: 'start: the worker gets the file', startup: true, start: b.t0, end: b.phases[seen[0]] });
  seen.forEach((k, i) => {
    const key = phaseKey(k);
    const end = i + 1 < seen.length ? b.phases[seen[i + 1]] : b.marks?.analyzed ?? null;
    rows.push({ name: label[key], key, start: b.phases[k], end });
  });
  for (const r of rows) r.s = r.start != null && r.end != null ? (r.end - r.start) / 1000 : null;
  const mp = Array.isArray(b.metrics?.phases) ? b.metrics.phases : [];
  if (!mp.length) return { source: 'the loading screen (when each phase becomes current; page clock)', rows };
  for (const p of mp) {
    const key = phaseKey(String(p.name));
    let row = key && rows.find((r) => r.key === key);
    if (!row) rows.push((row = { name: String(p.name), key, start: null, end: null }));
    row.s = Number(p.ms) / 1000;
  }
  return { source: 'the worker (`window.__heaplensMetrics.phases`; long-task windows from the loading screen)', rows };
}

/** CPU seconds of Chromium's threads per phase and until done (bench/cpu.mjs), one line. */
function cpuLine(b, rows, doneMark) {
  const samples = b.cpuSamples;
  if (!samples?.length || b.t0 == null) return null;
  const ms = (t) => (t == null ? null : t - b.t0 + (b.cpuOffsetMs ?? 0));
  const fmt = (c) => (c ? `worker ${fix(c.worker)}, browser process ${fix(c.browser)}, rest of the renderer ${fix(c.renderer)}` : 'n/a');
  const parts = rows
    .filter((r) => r.start != null && r.end != null && !r.startup)
    .map((r) => `${r.name}: ${fmt(cpuBetween(samples, ms(r.start), ms(r.end)))}`);
  parts.push(`**until done: ${fmt(cpuBetween(samples, 0, ms(doneMark)))}**`);
  // Which threads: per phase, the busiest thread names (kind:name, threads of a name summed).
  const names = (from, to) =>
    cpuNamesBetween(samples, from, to)
      .map(([n, s]) => `${n} ${fix(s)}`)
      .join(', ');
  const busiest = rows
    .filter((r) => r.start != null && r.end != null && !r.startup)
    .map((r) => `${r.name}: ${names(ms(r.start), ms(r.end)) || 'n/a'}`);
  return `CPU seconds (our Chromium's threads, /proc, 10 ms ticks; phase windows from the loading screen): ${parts.join('; ')}. Busiest threads: ${busiest.join('; ')}.`;
}

function longest(tasks, start, end) {
  const inside = (tasks ?? []).filter((t) => (start == null || t.start >= start) && (end == null || t.start < end));
  return { max: inside.length ? Math.max(...inside.map((t) => t.ms)) : 0, over100: inside.filter((t) => t.ms > 100).length, n: inside.length };
}
/** The longest task of a window, or "< 50 ms" when none was long. */
const taskMs = (l) => (l == null ? '' : l.n ? `${fix(l.max, 0)} ms` : '< 50 ms');

function nativeStats(stderr) {
  const get = (re) => {
    const m = stderr.match(re);
    return m ? Number(m[1].replaceAll(',', '')) : null;
  };
  return {
    indexing: get(/^\s*indexing\s+([\d.]+) s/m),
    linking: get(/^\s*linking\s+([\d.]+) s/m),
    dominators: get(/^\s*dominators\s+([\d.]+) s/m),
    analyses: get(/^\s*analyses\s+([\d.]+) s/m),
    rendering: get(/^\s*rendering\s+([\d.]+) s/m),
    total: get(/^\s*total\s+([\d.]+) s/m),
    objects: get(/^\s*objects\s+([\d,]+)/m),
    graphBpo: get(/^\s*graph\s+.*\(([\d.]+) bytes\/object\)/m),
    domBpo: get(/^\s*dominance\s+.*\(([\d.]+) bytes\/object\)/m),
  };
}

/** "1,234,567 bytes …" → 1234567. */
const exactBytes = (s) => (s ? Number(s.match(/[\d,]+/)?.[0].replaceAll(',', '')) || null : null);
const digits = (s) => (s ? Number(s.replace(/[^\d]/g, '')) || null : null);
const positive = (x) => (typeof x === 'number' && x > 0 ? x : null);

/** "first run" / "run again" labels of a native tool's runs, in the order they ran. */
const runLabel = (i, n) => (n === 1 ? '' : i === 0 ? ', first run' : i === 1 ? ', run again at once' : `, run ${i + 1}`);

function report(dump, size, natives, b, peers) {
  const L = [];
  // The phases are compared with the CLI's last run (memory the guest already backs).
  const native = natives.at(-1) ?? null;
  const marks = b.marks ?? {};
  const rel = (t) => (t != null && b.t0 != null ? (t - b.t0) / 1000 : null);
  const ov = b.overview ?? {};
  const m = b.metrics ?? null;
  const ns = native?.stats ?? {};
  const objects = positive(m?.objects) ?? digits(ov.Objects?.text) ?? ns.objects;
  const edges = positive(m?.edges) ?? digits(ov.References?.text);
  // Wasm memory: the app's metrics, else the overview's exact figure (newer builds).
  const wasmMem = positive(m?.wasmMemoryBytes) ?? exactBytes(ov['analysis-stats']?.title);
  // The building worker's memory, when the analysis was handed to a fresh worker afterwards.
  const buildMem = m?.handedOver && m?.freshWorker !== false ? positive(m?.buildMemoryBytes) : null;
  const wasmAtFirst = positive(b.metricsAtPartial?.wasmMemoryBytes);
  const graphBytes = exactBytes((ov['Graph and dominator tree'] ?? ov['Worker memory'])?.title);
  const rss = b.rendererPeakRssBytes ?? null;
  const bpo = (x) => (x != null && objects ? fix(x / objects, 1) : 'n/a');

  // Moments (page clock).
  const firstMark = marks.partial ?? marks.analyzed;
  const suspMark = [marks.suspectsCount, marks.suspectsView, marks.suspectsOverview].filter((x) => x != null);
  const suspectsMark = suspMark.length ? Math.min(...suspMark) : null;
  const doneMark = marks.treeRows != null && suspectsMark != null ? Math.max(marks.treeRows, suspectsMark) : null;
  const firstS = rel(firstMark);
  const analyzedS = rel(marks.analyzed);
  const doneS = rel(doneMark);

  L.push(`### ${basename(dump)}`);
  L.push('');
  L.push(`- file: \`${dump}\`, ${fix(size / MiB, 0)} MiB (${fmtInt(size)} bytes), ${fmtInt(objects)} objects, ${fmtInt(edges)} references`);
  if (b.error) L.push(`- **browser: ${b.error}**`);

  const { source, rows } = phaseRows(b);
  L.push('');
  L.push('| phase | s | MB/s | native s | Wasm speed vs native | wasm memory | bytes/object | longest main-thread task | tasks > 100 ms |');
  L.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  let wasmCore = 0;
  let nativeCore = 0;
  for (const r of rows) {
    const nat = COMPARABLE.has(r.key) ? ns[r.key] ?? null : null;
    if (nat != null && r.s) (wasmCore += r.s), (nativeCore += nat);
    const lt = r.start != null ? longest(b.longTasks, r.start, r.end) : null;
    L.push(`| ${r.name} | ${fix(r.s)} | ${r.s && !r.startup ? mbs(size, r.s) : ''} | ${nat != null ? fix(nat) : ''} | ${nat != null && r.s ? `${fix(nat / r.s)}×` : ''} | | | ${taskMs(lt)} | ${lt ? lt.over100 : ''} |`);
  }
  const win = (a, z) => (a != null && z != null ? longest(b.longTasks, a, z) : null);
  const row = (name, s, { mem, lt, nat } = {}) =>
    L.push(`| ${name} | ${fix(s)} | ${s ? mbs(size, s) : ''} | ${nat != null ? `${fix(nat)} (CLI wall)` : ''} | ${nat != null && s ? `${fix(nat / s)}×` : ''} | ${mem !== undefined ? mib(mem) : ''} | ${mem !== undefined ? bpo(mem) : ''} | ${taskMs(lt)} | ${lt ? lt.over100 : ''} |`);
  const firstName = marks.partial != null ? '**first results shown** (first pass: counts, shallow histogram)' : '**first results shown** (overview; this build shows nothing earlier)';
  row(firstName, firstS, { mem: marks.partial != null ? wasmAtFirst : undefined, lt: win(b.t0, firstMark) });
  if (marks.partial != null) row('analysis complete: overview shown', analyzedS, { mem: buildMem ?? wasmMem, lt: win(firstMark, marks.analyzed) });
  row('dominator tree rows shown', rel(marks.treeRows), { lt: win(marks.analyzed, marks.treeRows) });
  row('leak suspects shown', rel(suspectsMark), { lt: win(marks.analyzed, suspectsMark) });
  if (buildMem != null) row('analysis handed to a fresh worker (seen by the driver)', rel(marks.handedOver), { mem: wasmMem, lt: win(suspectsMark, marks.handedOver) });
  const all = b.t0 != null ? longest(b.longTasks, b.t0, null) : null;
  L.push(`| **done** (tree rows and suspects shown) | **${fix(doneS)}** | ${mbs(size, doneS)} | ${native?.wall != null ? `${fix(native.wall)} (CLI wall)` : ''} | ${native?.wall != null && doneS ? `${fix(native.wall / doneS)}×` : 'n/a'} | ${mib(wasmMem)} | ${bpo(wasmMem)} | **${all ? taskMs(all) : 'n/a'}** | **${all ? all.over100 : 'n/a'}** |`);
  if (b.readBaseline) {
    const rs = b.readBaseline.ms / 1000;
    L.push(`| (baseline: read the file once, 8 MiB \`Blob\` slices, page) | ${fix(rs)} | ${mbs(size, rs)} | | | | | | |`);
  }
  L.push('');
  L.push(`Phase seconds from ${source}; the other rows from the file input's \`change\` event to the moment the page shows it. MB/s = 10^6 bytes of the file (as stored) per second. "Wasm speed vs native" = native s / browser s (issue 17's target: ≥ 0.7× in every phase), native s from the CLI's ${natives.length > 1 ? 'last run (run again at once)' : 'run'}. Wasm memory = the worker's WebAssembly memory (it never shrinks: the high-water mark), bytes/object over ${fmtInt(objects)} objects. Long tasks: the page's main thread (\`PerformanceObserver\` "longtask", ≥ 50 ms) in the row's window (the worker's own work is not a main-thread task); the "done" row counts the whole run.`);
  L.push('');
  const memBits = [
    `wasm memory ${wasmMem != null ? `${mib(wasmMem)} (${bpo(wasmMem)} bytes/object)` : 'n/a (this build exposes neither `__heaplensMetrics.wasmMemoryBytes` nor the overview figure)'}`,
  ];
  if (buildMem != null) memBits.push(`after the hand-over to a fresh worker; the building worker had ${mib(buildMem)} (${bpo(buildMem)} bytes/object)`);
  if (wasmAtFirst != null) memBits.push(`${mib(wasmAtFirst)} at the first results`);
  if (graphBytes != null) memBits.push(`graph + dominator tree ${mib(graphBytes)} (${bpo(graphBytes)} bytes/object)`);
  if (rss != null) memBits.push(`renderer process peak RSS ${mib(rss)} (${bpo(rss)} bytes/object: page, worker, file slices, V8)`);
  L.push(`Memory: ${memBits.join('; ')}.`);
  const cpuRows = cpuLine(b, rows, doneMark);
  if (cpuRows) {
    L.push('');
    L.push(cpuRows);
  }
  if (nativeCore) {
    L.push('');
    L.push(`**Wasm/native speed: ${fix(nativeCore / wasmCore)}×** over pass 1 + pass 2 + dominators (browser ${fix(wasmCore)} s, native ${fix(nativeCore)} s)${native?.wall != null && doneS ? `; end to end ${fix(native.wall / doneS)}× (native CLI, full report: ${fix(native.wall)} s; browser done: ${fix(doneS)} s)` : ''}.`);
  }
  L.push('');
  L.push('| tool | task | wall s | MB/s | peak RSS MiB | bytes/object | vs browser done |');
  L.push('|---|---|---:|---:|---:|---:|---:|');
  natives.forEach((n, i) => {
    const st = n.stats ?? {};
    const nb = st.graphBpo != null && st.domBpo != null ? `${fix(st.graphBpo + st.domBpo, 1)} (${st.graphBpo} graph + ${st.domBpo} dominators)` : '';
    L.push(`| heaplens CLI (native${runLabel(i, natives.length)}) | \`analyze --format json\` (full report) | ${n.error ? n.error : fix(n.wall)} | ${mbs(size, n.wall)} | ${fix(n.rssKiB / 1024, 0)} | ${nb} | ${doneS && n.wall ? `browser ${fix(doneS / n.wall)}× longer` : ''} |`);
  });
  L.push(`| heaplens in Chromium (Wasm) | first results / analyzed / done | ${fix(firstS)} / ${fix(analyzedS)} / ${fix(doneS)} | ${mbs(size, doneS)} | ${rss != null ? `${fix(rss / MiB, 0)} (renderer)` : 'n/a'} | ${bpo(wasmMem ?? graphBytes)}${wasmMem == null && graphBytes != null ? ' (graph + dominators)' : ' (wasm memory)'} | |`);
  peers.forEach((peer, i) => {
    L.push(`| hprof-analyzer${process.env.BENCH_ANALYZER_VERSION ? ` ${process.env.BENCH_ANALYZER_VERSION}` : ''}${peer.error ? '' : runLabel(i, peers.length)} | full analysis (default report, JSON) | ${peer.error ? peer.error : fix(peer.wall)} | ${peer.error ? '' : mbs(size, peer.wall)} | ${peer.error || peer.rssKiB == null ? '' : fix(peer.rssKiB / 1024, 0)} | | ${doneS && peer.wall && !peer.error ? `${fix(peer.wall / doneS)}×` : ''} |`);
  });
  L.push('');
  L.push('"vs browser done": for the CLI, how many times longer the browser took; for the peer, its wall time / the browser\'s (> 1: the browser was faster). Peak RSS and wall time from GNU time.');
  // The CLI against the peer, run for run (issue 17's target: ≥ 2.5× its speed, ≤ 1.0× its memory).
  const pairs = natives
    .map((n, i) => [n, peers[i], i])
    .filter(([n, p]) => p && !n.error && !p.error && n.wall > 0 && n.rssKiB > 0 && p.rssKiB > 0);
  if (pairs.length) {
    const said = pairs.map(([n, p, i]) => `${runLabel(i, natives.length).slice(2) || 'one run each'} ${fix(p.wall / n.wall)}× its speed (${fix(n.wall)} vs ${fix(p.wall)} s) at ${fix(n.rssKiB / p.rssKiB)}× its peak RSS`);
    L.push('');
    L.push(`**The CLI against hprof-analyzer**: ${said.join('; ')}.`);
  }
  const notes = [];
  if (b.engineReadyS != null) {
    notes.push(`page load → engine ready (its worker started and warmed up, before the file is chosen): ${fix(b.engineReadyS)} s`);
  }
  if (b.nodeAnalyzedS != null) {
    notes.push(`seen from the driver (Node clock, from before \`setInputFiles\`, with CDP round trips): analyzed ${fix(b.nodeAnalyzedS)} s${b.nodeDoneS != null ? `, done ${fix(b.nodeDoneS)} s` : ''}`);
  }
  if (m == null) notes.push('this build does not expose `window.__heaplensMetrics`: phases and times come from the DOM');
  else {
    notes.push(`the app's own metrics (from posting the Open to the worker): firstResultsMs ${fix(m.firstResultsMs, 0)}, doneMs ${fix(m.doneMs, 0)}`);
    if (m.error) notes.push(`__heaplensMetrics.error: ${m.error}`);
  }
  const workerTimes = Object.entries(ov).filter(([k, v]) => k !== 'analysis-stats' && phaseKey(k) && /\d\s*(s|min)\b/.test(v.text));
  if (workerTimes.length) notes.push(`the overview's phase times: ${workerTimes.map(([k, v]) => `${k} ${v.text}`).join(', ')}`);
  if (ov['analysis-stats']) notes.push(`the overview says: "${ov['analysis-stats'].text}"`);
  for (const n of [...(b.notes ?? []), ...(b.console ?? [])]) notes.push(String(n).split('\n')[0]);
  if (notes.length) {
    L.push('');
    for (const n of notes) L.push(`- ${n}`);
  }
  L.push('');
  return L.join('\n');
}

// ---- main ---------------------------------------------------------------------------------
await mkdir(jsonDir, { recursive: true });
const loadStart = process.env.BENCH_LOAD_START ?? loadavg().map((x) => x.toFixed(2)).join(' ');
const sections = [];
for (const dump of dumps) {
  const size = (await stat(dump)).size;
  const name = basename(dump).replace(/\.hprof(\.gz)?$/, '');
  log(`${name}: warming the page cache`);
  spawnSync('cat', [dump], { stdio: ['ignore', 'ignore', 'inherit'] });

  // Each native tool's runs, first one first (see the header: the first maps fresh memory).
  const natives = [];
  for (let i = 1; CLI && i <= NATIVE_RUNS; i++) {
    log(`${name}: native (run ${i}/${NATIVE_RUNS}): heaplens analyze ${basename(dump)} --format json --stats > /dev/null`);
    const run = timed(CLI, ['analyze', dump, '--format', 'json', '--stats'], `${name}.native.${i}`);
    await writeFile(join(jsonDir, `${name}.native.${i}.err`), run.stderr);
    const r = { ...(await readTime(run.timeFile)), stats: nativeStats(run.stderr) };
    if (run.code !== 0) r.error = `exit ${run.code}: ${run.stderr.trim().split('\n').pop()}`;
    log(`${name}: native: ${r.wall} s, ${fix(r.rssKiB / 1024, 0)} MiB peak RSS`);
    natives.push(r);
  }

  log(`${name}: browser (dist: ${DIST})`);
  const browser = await browserRun(dump);
  await writeFile(join(jsonDir, `${name}.browser.json`), JSON.stringify(browser, null, 2));
  if (browser.error) log(`${name}: browser: ${browser.error}`);

  // Its `heap …` subcommands leave a cache next to the dump, which its default analysis would
  // use; that analysis itself writes none, so its second run is not helped by its first.
  const peers = [];
  const cached = ANALYZER && (await stat(`${dump}.hprof-cache`).catch(() => null)) != null;
  if (cached) peers.push({ error: `skipped: ${dump}.hprof-cache exists (its cache)` });
  for (let i = 1; ANALYZER && !cached && i <= NATIVE_RUNS; i++) {
    log(`${name}: hprof-analyzer (run ${i}/${NATIVE_RUNS}) ${basename(dump)}`);
    const run = timed(ANALYZER, [dump, join(jsonDir, `${name}.hprof-analyzer.json`)], `${name}.hprof-analyzer.${i}`);
    await writeFile(join(jsonDir, `${name}.hprof-analyzer.${i}.err`), run.stderr);
    const r = await readTime(run.timeFile);
    if (run.code !== 0) r.error = `failed (exit ${run.code}${/memory|alloc/i.test(run.stderr) ? ', out of memory' : ''})`;
    log(`${name}: hprof-analyzer: ${r.wall} s, ${fix(r.rssKiB / 1024, 0)} MiB peak RSS`);
    peers.push(r);
  }
  sections.push(report(dump, size, natives, browser, peers));
}

const cpu = cpus();
const head = [
  '## heaplens browser benchmark',
  '',
  `- machine: ${cpu.length} CPUs, ${cpu[0]?.model ?? '?'}, ${fmtInt(Math.round(totalmem() / MiB))} MiB RAM; load average at start ${loadStart}, at end ${loadavg().map((x) => x.toFixed(2)).join(' ')}`,
];
if (process.env.BENCH_LOAD_WARNING) head.push(`- **WARNING: ${process.env.BENCH_LOAD_WARNING}**`);
const chromium = spawnSync(process.env.CHROMIUM ?? '/usr/bin/chromium', ['--version'], { encoding: 'utf8' }).stdout?.trim();
head.push(`- ${chromium || 'Chromium'} (headless, tests/browser/harness.mjs flags); Node ${process.version}; heaplens ${process.env.BENCH_GIT ?? '?'}; ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC`);
head.push('');
const text = `${head.join('\n')}\n${sections.join('\n')}`;
await mkdir(resolve(out, '..'), { recursive: true });
await writeFile(out, text);
process.stdout.write(text);
log(`results saved to ${out}; raw measurements in ${jsonDir}`);
