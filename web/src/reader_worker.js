// The file reader: a dedicated worker the page starts next to each dump it opens
// (web/src/reader_worker.rs, from a `blob:` URL, so it inherits the page's
// Content-Security-Policy; it fetches nothing). It reads slices of the dump and transfers them
// to the analysis worker over a `MessagePort` (the first message it gets), one job per pass.
//
// Why a worker of its own: Chromium delivers a `Blob.arrayBuffer()` read through a data pipe
// drained by the thread that asked for it. Asked by the analysis worker, a read advances only
// while that worker waits, not while it parses. Here the pipe is drained on this thread,
// beside the parser. Started by the page, not by the analysis worker: Firefox ESR 128 now and
// then never returns from `new Worker` inside a worker.
//
// Messages in (on the port): `{ job, file, reads, budget, most }` starts a job (reads: a
// Float64Array of offset, length pairs, in order) and drops the previous one; `{ ack: job }`
// says the analysis worker took the job's oldest slice; `{ stop: job }` drops the job. The
// slices being read or waiting to be taken hold at most `budget` bytes (always at least one
// slice) and number at most `most`, so memory stays bounded however slow the parser, and many
// short reads (pass 2 reads between skipped array contents) are asked for together.
// Messages out, in the order of `reads`: `{ job, buffer }` (the buffer transferred), or
// `{ job, error }` for a slice that cannot be read.
let port = null;
let job = -1;
let file = null;
let reads = new Float64Array(0);
let next = 0;
let budget = 0;
let most = 1;
// Lengths of the current job's slices asked for and not yet taken, oldest first, and their sum.
let outstanding = [];
let bytes = 0;
// Reads in order, each with its job (a dropped job's reads finish and are thrown away).
const queue = [];
let delivering = false;

onmessage = (e) => {
  port = e.data;
  port.onmessage = (m) => take(m.data);
};

function take(m) {
  if (m.ack !== undefined) {
    if (m.ack === job && outstanding.length > 0) bytes -= outstanding.shift();
  } else if (m.stop !== undefined) {
    if (m.stop === job) job = -1;
  } else {
    ({ job, file, reads, budget, most } = m);
    next = 0;
    outstanding = [];
    bytes = 0;
  }
  pump();
}

function pump() {
  while (job !== -1 && next < reads.length / 2) {
    const start = reads[2 * next];
    const len = reads[2 * next + 1];
    const fits = outstanding.length < most && bytes + len <= budget;
    if (outstanding.length > 0 && !fits) break;
    next += 1;
    outstanding.push(len);
    bytes += len;
    const read = file
      .slice(start, start + len)
      .arrayBuffer()
      .then(
        (buffer) => ({ buffer }),
        // As the analysis worker words a failed read of its own (`jsapi::message`).
        (err) => ({ error: err && err.name && err.message ? `${err.name}: ${err.message}` : String(err) }),
      );
    queue.push({ job, read });
  }
  if (!delivering) deliver();
}

async function deliver() {
  delivering = true;
  while (queue.length > 0) {
    const slice = await queue[0].read;
    const of = queue.shift().job;
    if (of !== job) continue;
    if (slice.buffer) port.postMessage({ job: of, buffer: slice.buffer }, [slice.buffer]);
    else port.postMessage({ job: of, error: slice.error });
  }
  delivering = false;
}
