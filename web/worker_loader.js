// Entry script of the analysis worker (a classic worker: `new Worker("./worker_loader.js")` in
// web/src/engine.rs). Trunk builds the worker bin as wasm-bindgen "no-modules" output
// (worker.js + worker_bg.wasm, never file-hashed); instantiating the wasm runs the bin's `main`,
// which installs the message handler and posts "ready".
//
// Hand-written rather than Trunk's `data-loader-shim` because that shim uses wasm-bindgen's
// deprecated positional init argument (a console warning), and swallows init failures.
importScripts('./worker.js');
wasm_bindgen({ module_or_path: './worker_bg.wasm' }).catch((err) => {
  // A rejected promise would fail silently; an uncaught exception fires `error` on the page's
  // Worker object, which the UI reports as "Analysis engine failed: ...".
  setTimeout(() => {
    throw err;
  });
});
