// Boot script of heaplens-offline.html (a template: scripts/offline-html.py fills in the build
// facts and the app's glue, then allows the result by its hash in the page's CSP).
//
// The served page loads its parts by URL; this page has no URL to load from (`file://` allows
// no module import, fetch or worker script, and the CSP allows no request at all), so:
// - the wasm modules come from the page's data blocks (base64 of gzip), inflated with
//   DecompressionStream;
// - the analysis workers: web/src/ui/engine.rs starts every engine worker as
//   `new Worker(<blob: bootstrap that imports ./worker_loader.js>, { name })`, the name saying
//   which build (`heaplens-engine`: wasm32, `heaplens-engine64`: memory64; worker_kind.rs).
//   A worker started from a `blob:` URL inherits this page's policy, as on the served page, but
//   it could not import a file. So `Worker` is wrapped: a worker of an engine's name starts from
//   a `blob:` URL of that build's own glue (from this page) plus a few lines that wait for the
//   compiled engine module, which the page compiles once per build and posts to each worker (a
//   `WebAssembly.Module` is cloned to a dedicated worker without copying or recompiling);
// - files the app fetches by relative URL (the sample dump) are answered from the data
//   blocks; any other fetch goes to the browser's, which the CSP refuses.
// Then the app's wasm-bindgen glue (inlined below) instantiates the app, which mounts the UI.

const BUILD = /*@BUILD@*/null;

// Both builds of the analysis engine are embedded (web/src/ui/worker_kind.rs picks one per
// dump): the wasm32 one, and the memory64 one for dumps beyond a wasm32 memory. A file made
// from a dist/ without the memory64 build tells the app not to try it.
if (!BUILD.engines.some((e) => e.role === 'engine64')) window.heaplensMemory64 = false;

/** The bytes of a data block (base64). */
function block(id) {
  const text = document.getElementById(id).textContent;
  if (Uint8Array.fromBase64) return Uint8Array.fromBase64(text.trim());
  const bin = atob(text.trim());
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return bytes;
}

/** Inflate gzip bytes (no request: a Response is only a stream reader here). */
function gunzip(bytes) {
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'));
  return new Response(stream).arrayBuffer();
}

async function sha256(buf) {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', buf));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

// What a worker runs after its glue: wait for the compiled engine module, then run it (its main
// installs the message handler and posts "ready"; nothing else is sent before that). The
// instance's exports stay reachable as `self.heaplensEngineExports`, so a test (or a curious
// user in the devtools) can see which build runs: a memory64 memory grows by a BigInt.
const ENGINE_BOOT = `
;// heaplens-offline: the engine module comes from the page.
self.addEventListener('message', function boot(event) {
  if (!(event.data && event.data.heaplensEngine instanceof WebAssembly.Module)) return;
  self.removeEventListener('message', boot);
  wasm_bindgen({ module_or_path: event.data.heaplensEngine }).then(
    (exports) => {
      self.heaplensEngineExports = exports;
    },
    (err) => {
      setTimeout(() => {
        throw err;
      });
    },
  );
});
`;

// Per engine build, by the worker name web/src/ui/worker_kind.rs gives it: its wasm (inflated
// now, for the footer's hash; compiled once, when the first worker of that build starts, and
// then posted to each: a `WebAssembly.Module` is cloned to a dedicated worker without copying
// or recompiling; the memory64 one is never compiled unless a dump needs it) and a `blob:` URL
// of its glue plus ENGINE_BOOT.
const engines = new Map();
for (const e of BUILD.engines) {
  const bytes = gunzip(block(e.wasmBlock));
  const glue = await gunzip(block(e.jsBlock));
  const url = URL.createObjectURL(new Blob([glue, ENGINE_BOOT], { type: 'text/javascript' }));
  let module = null;
  const compiled = () => (module ??= bytes.then((b) => WebAssembly.compile(b)));
  engines.set(e.name, { ...e, bytes, url, compiled });
}

const NativeWorker = window.Worker;
window.Worker = class extends NativeWorker {
  constructor(url, options) {
    const engine = engines.get(options?.name);
    if (!engine) {
      super(url, options);
      return;
    }
    super(engine.url, options);
    engine.compiled().then(
      (module) => this.postMessage({ heaplensEngine: module }),
      (err) => this.dispatchEvent(new ErrorEvent('error', { message: `engine wasm: ${err}` })),
    );
  }
};

// Files the page copies next to index.html (the sample dump), by absolute URL.
const files = new Map();
for (const el of document.querySelectorAll('script[data-name]')) {
  files.set(new URL(el.dataset.name, document.baseURI).href, el);
}
const nativeFetch = window.fetch.bind(window);
window.fetch = function (input, init) {
  const url = new URL(input instanceof Request ? input.url : String(input), document.baseURI).href;
  const el = files.get(url);
  if (!el) return nativeFetch(input, init);
  return Promise.resolve(new Response(new Blob([block(el.id)])));
};

// The app's glue, in a scope of its own (its names cannot clash with the ones above).
const initApp = (() => {
  /*@APP_GLUE@*/
  return /*@APP_INIT@*/__wbg_init;
})();

const appBytes = await gunzip(block('heaplens-app-wasm'));
const appWasm = await initApp({ module_or_path: appBytes });
dispatchEvent(new CustomEvent('TrunkApplicationStarted', { detail: { wasm: appWasm } }));

// Version and the SHA-256 of the code this page runs, hashed here from the very bytes it
// instantiated (so a damaged or altered payload shows other values than the build's).
const wasmBytes = { app: Promise.resolve(appBytes) };
for (const e of engines.values()) wasmBytes[e.role] = e.bytes;
const hashes = await Promise.all(BUILD.wasm.map((w) => wasmBytes[w.role].then(sha256)));
const about = document.createElement('footer');
about.className = 'offline-build';
about.innerHTML = `<details><summary></summary><p>SHA-256 of the code this page runs
  (hashed in your browser); the lines of <code>SHA256SUMS</code> and the hosted copy's files
  have the same values:</p><dl></dl></details>`;
about.querySelector('summary').textContent = `heaplens ${BUILD.version} · offline file`;
const list = about.querySelector('dl');
for (const [i, w] of BUILD.wasm.entries()) {
  const sha = hashes[i];
  const dt = document.createElement('dt');
  dt.textContent = `${w.file} (${w.role})`;
  const dd = document.createElement('dd');
  dd.innerHTML = '<code></code>';
  dd.firstChild.textContent = sha;
  dd.dataset.role = w.role;
  if (sha !== w.sha256) {
    dd.classList.add('mismatch');
    dd.append(` — differs from the build's ${w.sha256}: this file was altered or damaged`);
  }
  dt.dataset.role = w.role;
  list.append(dt, dd);
}
document.body.append(about);
