// Query benchmark (issue 14's Bench): the same three OQL queries natively (`heaplens query
// --stats`, under GNU time) and in the page (the Query view, in headless Chromium, after the
// analysis moved to its fresh worker), on each dump, side by side in one markdown table.
//
//   node bench/queries.mjs [--out REPORT.md] [--timeout-min N] DUMP...
//
// Normally run by scripts/bench-queries.sh (which builds dist/ and the CLI first). Environment:
//   HEAPLENS_DIST   the build to serve (default dist/; tests/browser/harness.mjs reads it)
//   CHROMIUM        the browser (default /usr/bin/chromium)
//   BENCH_CLI       the native CLI binary (default target/release/heaplens)
//
// The queries follow the dump's mix (DUMP's .facts.json, from scripts/gen-big-dump.sh): a class
// scan with a field predicate, AS RETAINED SET of an application class, a regex over every
// String. Per query:
//   native: build (two passes) + dominators when needed + query, as the CLI prints them with
//           --stats; CPU (user+sys) and wall of the whole command (GNU time);
//   page:   the worker's own time ("ran in …": the run's wall time, in slices), the wall time
//           from Ctrl+Enter to the rows on screen (driver clock), and the CPU time (user+sys)
//           of the Chromium processes meanwhile (/proc: the worker runs in the renderer).
// The page opens the dump once per dump (its time is printed too); the CLI builds it per query.
import { spawnSync } from 'node:child_process';
import { readFile, readdir, writeFile, mkdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { openApp, ROOT } from '../tests/browser/harness.mjs';
import { benchArgs, fix, log } from './common.mjs';

const { out, timeout: TIMEOUT, dumps } = benchArgs({
  report: 'query-results.md',
  usage: 'node bench/queries.mjs [--out REPORT.md] [--timeout-min N] DUMP...',
});
const CLI = process.env.BENCH_CLI ?? join(ROOT, 'target', 'release', 'heaplens');
const load = () => loadavg().map((x) => x.toFixed(1)).join(' ');

/** The three queries for a dump, by its generator's mix. */
async function queriesFor(dump) {
  let mix = 'default';
  const facts = join(dirname(dump), basename(dump).replace(/\.hprof(\.gz)?$/, '.facts.json'));
  if (existsSync(facts)) mix = JSON.parse(await readFile(facts, 'utf8')).mix ?? 'default';
  const regex = 'SELECT * FROM java.lang.String s WHERE toString(s) LIKE ".*@.*"';
  if (mix === 'strings') {
    const item = 'com.example.bench.StringHeap$Item';
    return [
      ['class scan, field predicate', `SELECT * FROM ${item} i WHERE i.price > 500`],
      ['AS RETAINED SET', `SELECT AS RETAINED SET * FROM ${item}`],
      ['regex over all Strings', regex],
    ];
  }
  return [
    ['class scan, field predicate', 'SELECT * FROM com.example.bench.BigHeap$Order o WHERE o.qty > 5'],
    ['AS RETAINED SET', 'SELECT AS RETAINED SET * FROM com.example.bench.BigHeap$Customer'],
    ['regex over all Strings', regex],
  ];
}

/** `heaplens query DUMP TEXT --limit 0 --stats` under GNU time. */
function native(dump, text) {
  const r = spawnSync('/usr/bin/time', ['-f', 'TIME %e %U %S %M', CLI, 'query', dump, text, '--limit', '0', '--stats'], {
    stdio: ['ignore', 'ignore', 'pipe'],
    encoding: 'utf8',
    maxBuffer: 16 << 20,
  });
  const err = r.stderr ?? '';
  const t = err.match(/^TIME ([\d.]+) ([\d.]+) ([\d.]+) (\d+)$/m);
  const stats = err.split('\n').find((l) => l.startsWith('build ')) ?? '';
  const num = (re) => { const m = stats.match(re); return m ? Number(m[1]) : null; };
  return {
    ok: r.status === 0,
    error: r.status === 0 ? null : err.trim().split('\n').slice(-2).join(' '),
    build: num(/^build ([\d.]+) s/),
    dominators: num(/dominators ([\d.]+) s/),
    query: num(/query ([\d.]+) s/),
    rows: num(/ (\d+) rows/),
    wall: t ? Number(t[1]) : null,
    cpu: t ? Number(t[2]) + Number(t[3]) : null,
    rssMiB: t ? Number(t[4]) / 1024 : null,
  };
}

/** CPU seconds (user+sys) of every process below this one (Chromium and its renderers). */
async function chromiumCpu() {
  const parent = new Map();
  const cpu = new Map();
  for (const d of await readdir('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const s = await readFile(`/proc/${d}/stat`, 'utf8');
      const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
      parent.set(Number(d), Number(f[1]));
      cpu.set(Number(d), (Number(f[11]) + Number(f[12])) / 100);
    } catch {} // gone meanwhile
  }
  const below = new Set([process.pid]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [p, pp] of parent) if (!below.has(p) && below.has(pp)) (below.add(p), (grew = true));
  }
  below.delete(process.pid);
  return [...below].reduce((s, p) => s + (cpu.get(p) ?? 0), 0);
}

/** `850 ms`, `1.2 s`, `42 s`, `3 min 05 s` (ui::format) -> seconds. */
function seconds(text) {
  let m = text.match(/([\d.]+) ms/);
  if (m) return Number(m[1]) / 1000;
  m = text.match(/(\d+) min (\d+) s/);
  if (m) return Number(m[1]) * 60 + Number(m[2]);
  m = text.match(/([\d.]+) s/);
  return m ? Number(m[1]) : null;
}

async function inPage(dump, queries) {
  const app = await openApp();
  const { page } = app;
  const results = [];
  try {
    log(`page: opening ${basename(dump)}`);
    const t0 = Date.now();
    await page.locator('#file-input').setInputFiles(dump);
    await page.locator('.dumpbar, .error-card').first().waitFor({ timeout: TIMEOUT });
    if (await page.locator('.error-card').count()) throw new Error(await page.locator('.error-card').first().textContent());
    const opened = (Date.now() - t0) / 1000;
    // Queries run where the analysis lives after the hand-over (it reads the File again).
    await page.waitForFunction(() => window.__heaplensMetrics?.handedOver === true, null, { timeout: TIMEOUT });
    const handedOver = (Date.now() - t0) / 1000;
    for (const [label, text] of queries) {
      await page.evaluate(() => { location.hash = '#/query'; });
      const editor = page.locator('#query-text');
      await editor.waitFor();
      await editor.fill(text);
      log(`page: ${label}`);
      const cpu0 = await chromiumCpu();
      const q0 = Date.now();
      await editor.press('Control+Enter');
      await page.waitForFunction(
        (t) => decodeURIComponent(location.hash) === `#/query?q=${t}` && document.querySelector('.query-total, .query-error, .query-view .error-note'),
        text,
        { timeout: TIMEOUT, polling: 100 },
      );
      const wall = (Date.now() - q0) / 1000;
      const cpu = (await chromiumCpu()) - cpu0;
      const line = (await page.locator('.query-total, .query-error, .query-view .error-note').first().textContent()).trim();
      const rows = line.match(/^([\d,]+) rows/);
      results.push({
        label,
        text,
        error: rows ? null : line,
        rows: rows ? Number(rows[1].replace(/,/g, '')) : null,
        worker: rows ? seconds(line.split('ran in')[1] ?? '') : null,
        wall,
        cpu,
      });
    }
    return { opened, handedOver, results };
  } finally {
    await app.close();
  }
}

const report = [];
report.push(`# Queries: native and in the page`);
report.push('');
report.push(`${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}); load average at start: ${load()}; ${new Date().toISOString()}`);
for (const dump of dumps) {
  const queries = await queriesFor(dump);
  const nat = queries.map(([label, text]) => {
    log(`native: ${label} (load ${load()})`);
    return native(dump, text);
  });
  const page = await inPage(dump, queries);
  report.push('');
  report.push(`## ${basename(dump)}`);
  report.push('');
  report.push(`Page: dump opened in ${fix(page.opened, 1)} s, handed over to the fresh worker at ${fix(page.handedOver, 1)} s. Load average after: ${load()}.`);
  report.push('');
  report.push('| query | rows | native: build s | native: dominators s | native: query s | native: CPU s / wall s (whole command) | page: query s (worker) | page: wall s (Ctrl+Enter → rows) | page: CPU s (Chromium) |');
  report.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  queries.forEach(([label, text], i) => {
    const n = nat[i];
    const p = page.results[i];
    const rows = n.rows ?? p.rows;
    const agree = n.rows != null && p.rows != null && n.rows !== p.rows ? ` (page: ${p.rows})` : '';
    report.push(`| ${label}: \`${text.replace(/\|/g, '\\|')}\` | ${rows?.toLocaleString('en-US') ?? 'n/a'}${agree} | ${fix(n.build)} | ${n.dominators == null ? '' : fix(n.dominators)} | ${n.ok ? fix(n.query) : n.error} | ${fix(n.cpu, 1)} / ${fix(n.wall, 1)} | ${p.error ?? fix(p.worker)} | ${fix(p.wall)} | ${fix(p.cpu, 1)} |`);
  });
}
await mkdir(dirname(out), { recursive: true });
await writeFile(out, report.join('\n') + '\n');
console.log(report.join('\n'));
