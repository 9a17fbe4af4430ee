// CPU seconds of our Chromium's threads while the page works, from /proc (Linux): on a shared
// machine wall seconds move with the load, CPU seconds much less, so the browser bench reports
// both. Samples every `everyMs` the CPU time (utime + stime) of every thread of the processes
// below `rootPid`, classed as: the renderer's dedicated workers (the analysis), the rest of the
// renderers (page, V8 helpers), and every other Chromium process (the browser process reads
// the `File` for `Blob.slice`). A thread's time is kept after it exits (the building worker
// does, after the hand-over), since its last sample.
import { readFile, readdir } from 'node:fs/promises';

const TICK_S = 0.01; // USER_HZ is 100 on Linux

async function children(pid) {
  const below = [];
  let tasks = [];
  try {
    tasks = await readdir(`/proc/${pid}/task`);
  } catch {
    return below;
  }
  for (const t of tasks) {
    try {
      const kids = (await readFile(`/proc/${pid}/task/${t}/children`, 'utf8')).trim();
      if (kids) below.push(...kids.split(/\s+/).map(Number));
    } catch {}
  }
  return below;
}

async function sample(rootPid, threads) {
  const queue = await children(rootPid);
  while (queue.length) {
    const pid = queue.shift();
    queue.push(...(await children(pid)));
    let cmd = '';
    try {
      cmd = await readFile(`/proc/${pid}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    if (!/chrom/i.test(cmd)) continue;
    const renderer = cmd.includes('--type=renderer');
    let tids = [];
    try {
      tids = await readdir(`/proc/${pid}/task`);
    } catch {
      continue;
    }
    for (const tid of tids) {
      let st;
      try {
        st = await readFile(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      } catch {
        continue;
      }
      const close = st.lastIndexOf(')');
      const comm = st.slice(st.indexOf('(') + 1, close);
      const f = st.slice(close + 2).split(' '); // f[0] is field 3 (state): utime 14, stime 15
      const ticks = Number(f[11]) + Number(f[12]);
      const kind = renderer ? (/DedicatedWorker/.test(comm) ? 'worker' : 'renderer') : 'browser';
      threads.set(`${pid}/${tid}`, { kind, ticks, name: `${kind}:${comm}` });
    }
  }
}

/** Starts sampling (await `ready` before the work to measure: its first sample is the
 * baseline); `stop()` resolves to [{ ms, worker, renderer, browser }] (CPU seconds so far). */
export function startCpuSampler(rootPid = process.pid, everyMs = 100) {
  const threads = new Map();
  const samples = [];
  const t0 = Date.now();
  let running = true;
  let firstSample;
  const ready = new Promise((r) => (firstSample = r));
  const loop = (async () => {
    while (running) {
      await sample(rootPid, threads);
      const s = { ms: Date.now() - t0, worker: 0, renderer: 0, browser: 0 };
      // Per thread name too (threads of one name summed): which of the renderer's or the
      // browser's threads does the work (the renderer's main thread, its IO thread, V8's GC...).
      s.names = {};
      for (const { kind, ticks, name } of threads.values()) {
        s[kind] += ticks * TICK_S;
        s.names[name] = (s.names[name] ?? 0) + ticks * TICK_S;
      }
      samples.push(s);
      firstSample();
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return {
    t0,
    /** Resolves once the first sample is taken: the baseline that CPU seconds count from. */
    ready,
    async stop() {
      running = false;
      await loop;
      return samples;
    },
  };
}

/** The `top` thread names by CPU seconds between `fromMs` and `toMs`: [[name, seconds]]. */
export function cpuNamesBetween(samples, fromMs, toMs, top = 6) {
  const at = (ms) => {
    let last = samples[0] ?? { names: {} };
    for (const s of samples) {
      if (s.ms > ms) break;
      last = s;
    }
    return last.names ?? {};
  };
  if (!samples.length || fromMs == null || toMs == null) return [];
  const a = at(fromMs);
  const z = at(toMs);
  return Object.entries(z)
    .map(([name, secs]) => [name, secs - (a[name] ?? 0)])
    .filter(([, secs]) => secs >= 0.05)
    .sort((x, y) => y[1] - x[1])
    .slice(0, top);
}

/** CPU seconds by kind between `fromMs` and `toMs` (sampler clock), from the samples around them. */
export function cpuBetween(samples, fromMs, toMs) {
  // Before the first sample: the first sample itself. It holds what the processes spent
  // since they started (Chromium's start, the page's load): never part of a window.
  const at = (ms) => {
    let last = samples[0];
    for (const s of samples) {
      if (s.ms > ms) break;
      last = s;
    }
    return last;
  };
  if (!samples.length || fromMs == null || toMs == null) return null;
  const a = at(fromMs);
  const z = at(toMs);
  return { worker: z.worker - a.worker, renderer: z.renderer - a.renderer, browser: z.browser - a.browser };
}
