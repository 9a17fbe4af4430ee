// Entry script of the analysis worker (a classic worker). web/src/engine.rs starts it from a
// two-line `blob:` bootstrap that sets `self.heaplensBase` (the absolute URL of this directory:
// a blob worker cannot resolve relative URLs against the page) and imports this file; the blob
// makes the worker inherit the page's Content-Security-Policy on any host. Trunk builds the
// worker bin as wasm-bindgen "no-modules" output (worker.js + worker_bg.wasm, never
// file-hashed); instantiating the wasm runs the bin's `main`, which installs the message handler
// and posts "ready".
//
// Hand-written rather than Trunk's `data-loader-shim` because that shim uses wasm-bindgen's
// deprecated positional init argument (a console warning), and swallows init failures.
//
// `self.heaplensWorker` (set by the bootstrap too) names the build: `worker` (wasm32) or
// `worker64` (the memory64 build of the same bin, scripts/build-worker64.sh, for dumps beyond
// a wasm32 memory).
const heaplensGlue = (self.heaplensBase || './') + (self.heaplensWorker || 'worker');
importScripts(heaplensGlue + '.js');
wasm_bindgen({ module_or_path: heaplensGlue + '_bg.wasm' }).catch((err) => {
  // A rejected promise would fail silently; an uncaught exception fires `error` on the page's
  // Worker object, which the UI reports as "Analysis engine failed: ...".
  setTimeout(() => {
    throw err;
  });
});
