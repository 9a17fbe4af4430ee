// The installable app's two hooks, for the hosted copy only (not the one-file offline page,
// which never loads this script):
// 1. register the service worker (web/pwa/sw.js), which keeps the app usable offline;
// 2. take files the operating system hands to the installed app ("Open with heaplens" on a
//    .hprof / .hprof.gz: the manifest's file_handlers) and give them to the page's file input,
//    exactly as if the user had chosen them there.
'use strict';

if ('serviceWorker' in navigator && (location.protocol === 'https:' || location.protocol === 'http:')) {
  navigator.serviceWorker.register('./sw.js', { scope: './' }).catch((err) => {
    // Not fatal: the app works without it (only not offline). E.g. a host serving sw.js
    // with the wrong type, or a browser in a mode that disables service workers.
    console.warn('heaplens: offline support unavailable:', err && err.message);
  });
}

if ('launchQueue' in window) {
  window.launchQueue.setConsumer(async (params) => {
    if (!params.files || params.files.length === 0) return;
    const files = await Promise.all(params.files.map((handle) => handle.getFile()));
    // The Leptos app renders the input after its wasm starts: wait for it.
    const input = await new Promise((resolve) => {
      const find = () => document.getElementById('file-input');
      const now = find();
      if (now) return resolve(now);
      const observer = new MutationObserver(() => {
        const el = find();
        if (el) {
          observer.disconnect();
          resolve(el);
        }
      });
      observer.observe(document.documentElement, { childList: true, subtree: true });
    });
    const transfer = new DataTransfer();
    for (const file of files) transfer.items.add(file);
    input.files = transfer.files;
    input.dispatchEvent(new Event('change', { bubbles: true }));
  });
}
