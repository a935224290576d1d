// SPDX-License-Identifier: MIT
// app-lh2.test.mjs - issue 13's Lighthouse figures, second round (docs/internals/web.md, "First
// paint and the Lighthouse figures"): the map (map.js with Leaflet) is a script of its own,
// loaded after the list, so the home page's rows and the station page's text do not wait for
// it; once it arrives the map shows every row's marker, the outline and the small map as before.
// Run by run.sh after app.test.mjs; the figures themselves are `make -C bench lighthouse`.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { takeProblems, waitFor } from './guard.mjs';
import { BASE, ATQ, POS, api, launch, context } from './app-setup.mjs';

let browser;

before(async () => {
  browser = await launch();
});
afterEach(() => {
  assert.deepEqual(takeProblems(), [], 'CSP violations or outside requests');
});
after(async () => { if (browser) await browser.close(); });

/** Holds every script of the app that carries Leaflet until release(); the others go on. */
async function holdLeaflet(ctx) {
  let release;
  const gate = new Promise((ok) => { release = ok; });
  const held = [];
  await ctx.route(/\/assets\/[^/]+\.js$/, async (r) => {
    const res = await r.fetch();
    const body = await res.text();
    if (/leaflet-(pane|container)/.test(body)) { held.push(r.request().url()); await gate; }
    await r.fulfill({ response: res, body });
  });
  return { release, held };
}

test('home: the rows are drawn while the map\'s script is on its way, then every marker shows', async () => {
  const ctx = await context(browser, { serviceWorkers: 'block' });
  const errors = [];
  const leaflet = await holdLeaflet(ctx);
  const page = await ctx.newPage();
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${BASE}/?at=${ATQ}&tiles=none`);
  await waitFor(page, () => document.querySelector('#list')?.getAttribute('aria-busy') === 'false'
    && document.querySelector('#list .row:not(.skel)'), null, { timeout: 15000 });
  const codes = await page.$$eval('#list .row', (els) => els.map((e) => e.dataset.code));
  const near = (await api(`/api/v1/stations/nearby?lat=${POS.latitude}&lon=${POS.longitude}&k=20&at=${ATQ}`)).body;
  assert.deepEqual(codes, near.stations.map((s) => s.code), 'the list is the API\'s, without the map');
  for (let i = 0; i < 100 && !leaflet.held.length; i++) await page.waitForTimeout(50);
  assert.ok(leaflet.held.length >= 1, 'the map\'s script was asked for (after the list) and is held');
  assert.equal(await page.locator('#map .leaflet-container, #map.leaflet-container').count(), 0, 'no map yet');
  assert.ok((await page.locator('#map').boundingBox()).height >= 190, 'the map keeps its place (no layout shift)');
  leaflet.release();
  await waitFor(page, (n) => document.querySelectorAll('#map .pin').length === n, codes.length, { timeout: 15000 });
  assert.deepEqual((await page.$$eval('#map .pin', (els) => els.map((e) => Number(e.textContent)))).sort((a, b) => a - b),
    codes.map((_, i) => i + 1), 'one numbered marker a row');
  await page.waitForSelector('#map .me-dot');
  await waitFor(page, () => document.querySelectorAll('#map path:not(.leaflet-interactive)').length > 0);
  assert.deepEqual(errors, []);
  await ctx.close();
});

test('station page: name, status and actions come before the small map\'s script; then the small map', async () => {
  const near = (await api(`/api/v1/stations/nearby?lat=${POS.latitude}&lon=${POS.longitude}&k=1&at=${ATQ}`)).body;
  const s = near.stations[0];
  const ctx = await context(browser, { serviceWorkers: 'block' });
  const errors = [];
  const leaflet = await holdLeaflet(ctx);
  const page = await ctx.newPage();
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${BASE}/station/${s.code}?at=${ATQ}&tiles=none`);
  await page.waitForSelector('.station h1', { timeout: 15000 });
  assert.equal(await page.locator('.station h1').innerText(), s.name);
  await page.waitForSelector('#mini-map');
  await waitFor(page, () => document.querySelector('.station .actions button'));
  // the script is asked for after the page is drawn: wait for it to be held
  for (let i = 0; i < 100 && !leaflet.held.length; i++) await page.waitForTimeout(50);
  assert.ok(leaflet.held.length >= 1, 'the small map\'s script is held');
  assert.equal(await page.locator('#mini-map .pin').count(), 0, 'no small map yet');
  leaflet.release();
  await page.waitForSelector('#mini-map .pin', { timeout: 15000 });
  assert.equal(await page.locator('#mini-map .leaflet-control-zoom').count(), 0, 'static small map');
  assert.deepEqual(errors, []);
  await ctx.close();
});

test('the first script carries no Leaflet, and the service worker keeps every script', async () => {
  const html = await (await fetch(`${BASE}/`)).text();
  const entry = html.match(/src="(\/assets\/app-[0-9a-f]+\.js)"/)[1];
  const first = await (await fetch(BASE + entry)).text();
  assert.ok(!/leaflet-(pane|container)/.test(first), 'Leaflet is not in the first script');
  const sw = await (await fetch(`${BASE}/sw.js`)).text();
  const precache = JSON.parse(sw.match(/const PRECACHE = (\[[^\]]*\]);/)[1]);
  const imports = [...first.matchAll(/"\.\/([^"]+\.js)"/g)].map((m) => `/assets/${m[1]}`);
  assert.ok(imports.length >= 1, 'the first script imports its chunks');
  for (const p of [entry, ...imports]) assert.ok(precache.includes(p), `${p} precached`);
  for (const p of imports) assert.equal((await fetch(BASE + p)).status, 200, p);
});
