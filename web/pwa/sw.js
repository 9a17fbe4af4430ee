// heaplens service worker: keeps the hosted app working offline after the first visit.
//
// It caches the app's own files and nothing else. The list is written at build time by
// scripts/sw-assets.py (a Trunk post_build step), from the files Trunk put in dist/; the cache
// name carries a hash of that list, so a new build replaces the old cache on activation.
// Heap dumps never pass through here: the page reads a dump from a File object (no request),
// and any request for a path outside the list goes to the network untouched and is not stored.
// The offline one-file page (heaplens-offline.html) does not use this worker.
'use strict';

const BUILD = /*@SW_BUILD@*/ { id: 'unbuilt', assets: [], on_use: [] };
const PREFIX = 'heaplens-app-';
const CACHE = PREFIX + BUILD.id;
const absolute = (name) => new URL(name, self.registration.scope).href;
// Absolute URLs of the files cached at install ("./" is the app's start page).
const ASSETS = new Set(BUILD.assets.map(absolute));
// Cached the first time the page asks for them: the bundled sample dump, which a visit that
// never clicks "Try a sample dump" must not download.
const ON_USE = new Set(BUILD.on_use.map(absolute));

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      // `cache: 'reload'`: fill the cache from the server, not from the HTTP cache.
      .then((cache) => cache.addAll([...ASSETS].map((url) => new Request(url, { cache: 'reload' }))))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith(PREFIX) && k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  url.hash = '';
  // The start page may be asked for as "./" or "./index.html", with or without a query string.
  url.search = '';
  const start = absolute('./');
  const key = url.href === start || url.href === absolute('index.html') ? start : request.url.split('#')[0];
  if (ASSETS.has(key)) {
    // Cache first: the files of one build never change (Trunk hashes their names; the rest
    // are replaced with the whole cache when the build id changes). The network is the fallback.
    event.respondWith(caches.match(key, { cacheName: CACHE }).then((hit) => hit ?? fetch(request)));
  } else if (ON_USE.has(key)) {
    event.respondWith(
      caches.match(key, { cacheName: CACHE }).then(
        (hit) =>
          hit ??
          fetch(request).then((response) => {
            if (response.ok) {
              const copy = response.clone();
              caches.open(CACHE).then((cache) => cache.put(key, copy));
            }
            return response;
          }),
      ),
    );
  }
  // Anything else is not ours: the network, uncached.
});
