// What reading a dump's `File` costs Chromium by itself, apart from the analysis: a dedicated
// worker (as the app's) reads the whole file in slices and copies each into one buffer (as the
// worker copies each slice into its wasm memory), for a few slice sizes, read-ahead depths and
// both APIs (`Blob.arrayBuffer()` with reads in flight, `FileReaderSync`). Per run: wall
// seconds and the CPU seconds of our Chromium's threads (bench/cpu.mjs), by kind and by thread
// name, so a slice size or API can be chosen from CPU seconds on a busy machine.
//
//   node bench/read.mjs DUMP [SLICE_MIB:AHEAD:API ...]   (default: 2:3:async 8:3:async 32:2:async 8:1:sync)
//
// Serves dist/ (HEAPLENS_DIST) like the browser tests, only to have a page with the app's CSP.
import { basename } from 'node:path';
import { openApp } from '../tests/browser/harness.mjs';
import { cpuBetween, cpuNamesBetween, startCpuSampler } from './cpu.mjs';
import { benchFileInput, fix, log } from './common.mjs';

const [dump, ...specs] = process.argv.slice(2);
if (!dump) {
  console.error('usage: node bench/read.mjs DUMP [SLICE_MIB:AHEAD:async|sync ...]');
  process.exit(2);
}
const runs = (specs.length ? specs : ['2:3:async', '8:3:async', '32:2:async', '8:1:sync']).map((s) => {
  const [mib, ahead, api] = s.split(':');
  return { mib: Number(mib), ahead: Number(ahead), api: api ?? 'async' };
});

// The worker: reads `file` per `run`, posts { ms, sum }.
const WORKER = `
onmessage = async ({ data: { file, mib, ahead, api } }) => {
  const slice = mib << 20;
  const into = new Uint8Array(slice);
  const t = performance.now();
  let sum = 0;
  if (api === 'sync') {
    const reader = new FileReaderSync();
    for (let o = 0; o < file.size; o += slice) {
      const a = new Uint8Array(reader.readAsArrayBuffer(file.slice(o, Math.min(file.size, o + slice))));
      into.set(a);
      sum += a[0];
    }
  } else {
    const queue = [];
    let next = 0;
    const request = () => {
      while (queue.length < ahead && next < file.size) {
        queue.push(file.slice(next, Math.min(file.size, next + slice)).arrayBuffer());
        next += slice;
      }
    };
    request();
    while (queue.length) {
      const a = new Uint8Array(await queue.shift());
      request();
      into.set(a);
      sum += a[0];
    }
  }
  postMessage({ ms: performance.now() - t, sum });
};`;

const app = await openApp();
try {
  const { page } = app;
  await benchFileInput(page, dump);
  const cpu = startCpuSampler(process.pid, 50);
  await cpu.ready;
  const results = [];
  for (const run of runs) {
    await new Promise((r) => setTimeout(r, 300));
    const from = Date.now() - cpu.t0;
    const r = await page.evaluate(
      ({ src, run }) =>
        new Promise((resolve, reject) => {
          const url = URL.createObjectURL(new Blob([src], { type: 'text/javascript' }));
          const w = new Worker(url);
          w.onmessage = (e) => {
            w.terminate();
            resolve(e.data);
          };
          w.onerror = (e) => reject(new Error(e.message));
          w.postMessage({ file: document.getElementById('bench-read').files[0], ...run });
        }),
      { src: WORKER, run },
    );
    await new Promise((r) => setTimeout(r, 300));
    results.push({ run, ms: r.ms, from, to: Date.now() - cpu.t0 });
    log(`${run.mib} MiB × ${run.ahead} ${run.api}: ${fix(r.ms / 1000)} s`);
  }
  const samples = await cpu.stop();
  console.log(`\n${basename(dump)}: reading the file once in a worker (CPU s: /proc, 10 ms ticks)\n`);
  console.log('| slices | wall s | worker CPU s | browser process CPU s | rest of the renderer CPU s | busiest threads |');
  console.log('|---|---:|---:|---:|---:|---|');
  for (const { run, ms, from, to } of results) {
    const c = cpuBetween(samples, from, to);
    const names = cpuNamesBetween(samples, from, to, 5)
      .map(([n, s]) => `${n} ${fix(s)}`)
      .join(', ');
    console.log(`| ${run.mib} MiB, ${run.ahead} ahead, ${run.api} | ${fix(ms / 1000)} | ${fix(c.worker)} | ${fix(c.browser)} | ${fix(c.renderer)} | ${names} |`);
  }
} finally {
  await app.close();
}
