// SPDX-License-Identifier: MIT
// sw.js - the service worker: the app shell is cached at install (precache list written by
// build.mjs); API answers go to the network first and are kept, so the last results and the
// station pages visited stay readable offline (an answer from the cache carries the header
// x-yz-cached with the time it was stored, so the page can say so).
const VERSION = '%VERSION%';
const SHELL = `yz-shell-${VERSION}`;
const DATA = 'yz-data-1';
const PRECACHE = "%PRECACHE%";
const MAX_DATA = 120;

self.addEventListener('install', (ev) => {
  ev.waitUntil(caches.open(SHELL).then((c) => c.addAll(PRECACHE)).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (ev) => {
  ev.waitUntil(caches.keys().then((keys) => Promise.all(
    keys.filter((k) => k.startsWith('yz-shell-') && k !== SHELL).map((k) => caches.delete(k))))
    .then(() => self.clients.claim()));
});

async function keep(req, res) {
  const body = await res.clone().arrayBuffer();
  const headers = new Headers(res.headers);
  headers.set('x-yz-cached', new Date().toISOString());
  const cache = await caches.open(DATA);
  await cache.put(req, new Response(body, { status: res.status, headers }));
  const keys = await cache.keys();
  for (let i = 0; i < keys.length - MAX_DATA; i++) await cache.delete(keys[i]);
}

async function networkFirst(req) {
  try {
    const res = await fetch(req);
    if (res.ok) await keep(req, res);
    return res;
  } catch (e) {
    const hit = await caches.match(req, { cacheName: DATA });
    if (hit) return hit;
    throw e;
  }
}

async function page(req) {
  try {
    return await fetch(req);
  } catch (e) {
    const shell = await caches.open(SHELL);
    return (await shell.match('/')) || Response.error();
  }
}

async function cacheFirst(req) {
  const hit = await caches.match(req);
  if (hit) return hit;
  return fetch(req);
}

self.addEventListener('fetch', (ev) => {
  const req = ev.request;
  if (req.method !== 'GET') return;
  const url = new URL(req.url);
  if (url.origin !== self.location.origin) return; // tiles and map apps: the browser's own
  if (req.mode === 'navigate') ev.respondWith(page(req));
  else if (url.pathname.startsWith('/api/') || url.pathname.startsWith('/open311/')) ev.respondWith(networkFirst(req));
  else ev.respondWith(cacheFirst(req));
});
