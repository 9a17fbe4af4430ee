// Where the page's analysis worker spends its CPU, phase by phase: opens DUMP in the built page
// (headless Chromium, V8 writing /tmp/perf-PID.map so that `perf` can name JIT and wasm code)
// under a system-wide `perf record`, starts a new perf output file each time the loading
// screen's phase changes (SIGUSR2, `--switch-output=signal`), and prints one flat profile per
// phase for the worker's thread (and the busiest other threads' share).
//
//   node bench/profile.mjs [--out DIR] [--timeout-min N] DUMP
//
// Normally run by scripts/profile-page.sh, which builds a dist whose worker wasm keeps its
// function names (else every wasm frame is "wasm-function[N]"). Environment:
//   HEAPLENS_DIST   the build to serve (tests/browser/harness.mjs)
//   PERF            the perf binary (default perf)
//   PROFILE_HZ      samples per second and CPU (default 999)
import { spawn, spawnSync } from 'node:child_process';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cpus } from 'node:os';
import { openApp } from '../tests/browser/harness.mjs';
import { benchArgs, log } from './common.mjs';

const { out, timeout, dumps } = benchArgs({
  report: 'profile',
  usage: 'node bench/profile.mjs [--out DIR] [--timeout-min N] DUMP',
  dumpsOk: (n) => n === 1,
});
const PERF = process.env.PERF ?? 'perf';
const HZ = process.env.PROFILE_HZ ?? '999';
// Threads whose samples are the analysis: Chromium names a dedicated worker's thread
// "DedicatedWorker thread" (Linux keeps 15 bytes of a thread's name).
const WORKER_COMM = 'DedicatedWorker';

await rm(out, { recursive: true, force: true });
await mkdir(out, { recursive: true });
// V8's --perf-basic-prof also writes isolate-*.log files into Chromium's working directory.
process.chdir(out);
process.env.HEAPLENS_CHROMIUM_ARGS = '--js-flags=--perf-basic-prof --interpreted-frames-native-stack';
const app = await openApp();
const phases = []; // [name, perf file index]
let perf = null;
try {
  const { page } = app;
  await page.locator('.engine-status[data-state="ready"]').waitFor({ timeout: 60_000 });
  perf = spawn(PERF, ['record', '-a', '-g', '-F', HZ, '--switch-output=signal', '-o', join(out, 'perf.data')], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let perfErr = '';
  perf.stderr.on('data', (d) => (perfErr += d));
  await new Promise((r) => setTimeout(r, 1500)); // perf's start
  if (perf.exitCode !== null) throw new Error(`perf record ended: ${perfErr.trim()}`);
  const deadline = Date.now() + timeout;
  log(`profile: setInputFiles(${dumps[0]})`);
  await page.locator('#file-input').setInputFiles(dumps[0]);
  let current = 'before';
  const cut = (next) => {
    perf.kill('SIGUSR2');
    phases.push(current);
    log(`profile: ${current} -> ${next}`);
    current = next;
  };
  // The loading screen's current phase, polled; then the dominator tree and the suspects.
  for (;;) {
    if (Date.now() > deadline) throw new Error('timed out');
    const now = await page.evaluate(() => {
      if (document.querySelector('.dumpbar, .error-card')) return 'shown';
      return document.querySelector('ol.phases li[data-state="now"]')?.textContent.trim() ?? null;
    });
    if (now === 'shown') break;
    if (now && now !== current) cut(now);
    await new Promise((r) => setTimeout(r, 25));
  }
  cut('suspects');
  await page.evaluate(() => (location.hash = '#/suspects'));
  await page
    .locator('.suspects-view .suspect, .suspects-view .ok-note, .error-card')
    .first()
    .waitFor({ timeout: Math.max(1_000, deadline - Date.now()) });
  phases.push(current);
} finally {
  if (perf && perf.exitCode === null) {
    const ended = new Promise((r) => perf.on('exit', r));
    perf.kill('SIGINT');
    await ended;
  }
  await app.close();
}

// perf's outputs, in time order (perf.data.<timestamp>): one per phase.
const files = (await readdir(out)).filter((f) => f.startsWith('perf.data.')).sort();
const perfReport = (path, args) =>
  spawnSync(PERF, ['report', '-i', path, '--stdio', '--no-children', '-g', 'none', ...args], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  }).stdout ?? '';
// Samples per thread name ("# Samples: 8K" is rounded): comm -> count.
const samplesByComm = (path) => {
  const counts = new Map();
  for (const l of perfReport(path, ['--sort', 'comm', '-n', '--percent-limit', '0']).split('\n')) {
    const m = l.match(/^\s*[\d.]+%\s+(\d+)\s+(.*\S)\s*$/);
    if (m) counts.set(m[2], (counts.get(m[2]) ?? 0) + Number(m[1]));
  }
  return counts;
};
const rows = (text) => text.split('\n').filter((l) => l.trim() && !l.startsWith('#')).join('\n');
let report = `# Page profile: ${dumps[0]}\n\nperf record -a -F ${HZ} (CPU seconds = samples / ${HZ}); worker = thread "${WORKER_COMM}".\n`;
report += '\n| phase | wall s | worker CPU s | other busy threads CPU s (all processes: the machine should be quiet) |\n|---|---:|---:|---:|\n';
const sections = [];
for (const [i, file] of files.entries()) {
  const name = phases[i] ?? `part ${i}`;
  const path = join(out, file);
  const counts = samplesByComm(path);
  const total = [...counts.values()].reduce((a, b) => a + b, 0);
  const others = total - (counts.get('swapper') ?? 0) - (counts.get(WORKER_COMM) ?? 0);
  const s = (n) => (n / HZ).toFixed(2);
  report += `| ${name} | ${(total / HZ / cpus().length).toFixed(2)} | ${s(counts.get(WORKER_COMM) ?? 0)} | ${s(others)} |\n`;
  const threads = perfReport(path, ['--sort', 'comm', '-n', '--percent-limit', '2']);
  const bySym = perfReport(path, ['--comms', WORKER_COMM, '--percentage', 'relative', '--sort', 'sym', '--percent-limit', '0.7']);
  sections.push(`\n## ${name}\n\nThreads (share of all samples):\n\n\`\`\`\n${rows(threads)}\n\`\`\`\n\nWorker, by function (share of the worker's samples):\n\n\`\`\`\n${rows(bySym)}\n\`\`\`\n`);
}
report += sections.join('');
await writeFile(join(out, 'profile.md'), report);
console.log(report);
log(`profile: ${join(out, 'profile.md')}`);
