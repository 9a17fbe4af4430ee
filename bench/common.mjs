// What the browser benchmarks (browser.mjs, browser-diff.mjs, queries.mjs) share: their command
// line, number formatting, and the peak memory of the Chromium renderers they start.
import { readFile, readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ROOT } from '../tests/browser/harness.mjs';

export const MiB = 1 << 20;
export const log = (m) => console.error(`==> ${m}`);
export const fix = (x, d = 2) => (x == null || !Number.isFinite(x) ? 'n/a' : x.toFixed(d));

/**
 * `[--out REPORT.md] [--json-dir DIR] [--timeout-min N] DUMP...` (--json-dir only where
 * `jsonDir` is given): { out, jsonDir, timeout (ms), dumps }. `report` is the default report's
 * name in target/bench; `dumpsOk(n)` says whether n dumps are what the script wants; else, or
 * on -h, `usage` is printed and the process exits with 2. `timeout` is `timeoutMin` in ms.
 */
export function benchArgs({ report, jsonDir, usage, dumpsOk = (n) => n > 0 }) {
  const argv = process.argv.slice(2);
  const args = { out: join(ROOT, 'target', 'bench', report), jsonDir, dumps: [] };
  let timeoutMin = 30;
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--out') args.out = resolve(argv[++i]);
    else if (a === '--json-dir' && jsonDir !== undefined) args.jsonDir = resolve(argv[++i]);
    else if (a === '--timeout-min') timeoutMin = Number(argv[++i]);
    else if (a === '-h' || a === '--help') help = true;
    else args.dumps.push(resolve(a));
  }
  if (help || !dumpsOk(args.dumps.length) || !(timeoutMin > 0)) {
    console.error(`usage: ${usage}`);
    process.exit(2);
  }
  args.timeoutMin = timeoutMin;
  args.timeout = timeoutMin * 60_000;
  return args;
}

/** Pids of the processes below `pid` (Chromium: browser -> zygote -> renderers). */
export async function descendants(pid) {
  const parent = new Map();
  for (const d of await readdir('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const s = await readFile(`/proc/${d}/stat`, 'utf8');
      parent.set(Number(d), Number(s.slice(s.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {} // gone meanwhile
  }
  const below = new Set([pid]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [p, pp] of parent) if (!below.has(p) && below.has(pp)) (below.add(p), (grew = true));
  }
  below.delete(pid);
  return [...below];
}

/** Largest peak RSS (VmHWM, bytes) of this process's Chromium renderers (dedicated workers
 * live in the page's renderer process). */
export async function rendererPeakRss() {
  let best = null;
  for (const p of await descendants(process.pid)) {
    try {
      if (!(await readFile(`/proc/${p}/cmdline`, 'utf8')).includes('--type=renderer')) continue;
      const m = (await readFile(`/proc/${p}/status`, 'utf8')).match(/^VmHWM:\s+(\d+) kB/m);
      if (m) best = Math.max(best ?? 0, Number(m[1]) * 1024);
    } catch {}
  }
  return best;
}

/**
 * Put `dump` on a hidden file input of the bench's own (`#bench-read`), so that a bench can read
 * the `File` in the page without the app analysing it.
 */
export async function benchFileInput(page, dump) {
  await page.evaluate(() => {
    const i = document.createElement('input');
    i.type = 'file';
    i.id = 'bench-read';
    i.hidden = true;
    document.body.append(i);
  });
  await page.locator('#bench-read').setInputFiles(dump);
}
