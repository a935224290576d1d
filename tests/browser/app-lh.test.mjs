// SPDX-License-Identifier: MIT
// app-lh.test.mjs - issue 13's first paint (the lighthouse area; docs/internals/web.md): the
// page's outline is painted from index.html and the stylesheet before the script runs, and a
// return visit draws the home without waiting for the facility vocabulary. Run by run.sh after
// app.test.mjs; the Lighthouse figures themselves are `make -C bench lighthouse` (lighthouse.mjs).
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { takeProblems, waitFor } from './guard.mjs';
import { BASE, SHOTS, ATQ, launch, context } from './app-setup.mjs';

let browser;

before(async () => {
  browser = await launch();
});
afterEach(() => {
  assert.deepEqual(takeProblems(), [], 'CSP violations or outside requests');
});
after(async () => { if (browser) await browser.close(); });

/** Holds the requests matching `pattern` until release() (then they go on to the server). */
async function hold(ctx, pattern) {
  let release;
  const gate = new Promise((ok) => { release = ok; });
  let seen = 0;
  await ctx.route(pattern, async (r) => { seen++; await gate; await r.continue(); });
  return { release, seen: () => seen };
}

/** Until fn() holds, at most ms: the test process hears of a routed request a moment after the
 * page has sent it (and may have drawn what it draws meanwhile). */
async function until(fn, ms = 5000) {
  const end = Date.now() + ms;
  while (!fn() && Date.now() < end) await new Promise((ok) => setTimeout(ok, 10));
  return fn();
}

test('first paint: the header and the list outline show while the script has not arrived', async () => {
  const ctx = await context(browser, { serviceWorkers: 'block' });
  const js = await hold(ctx, /\/assets\/app-[0-9a-f]+\.js$/);
  const page = await ctx.newPage();
  await page.goto(`${BASE}/?at=${ATQ}`, { waitUntil: 'commit' });
  await page.waitForSelector('.boot .row.skel', { state: 'visible' });
  assert.ok(await until(() => js.seen() >= 1), 'the script was asked for and is held');
  const look = await page.evaluate(() => {
    const box = (sel) => { const r = document.querySelector(sel).getBoundingClientRect(); return [r.width, r.height]; };
    return { brand: document.querySelector('.brand').innerText, bar: box('.boot-bar'), map: box('.boot-map'),
      rows: document.querySelectorAll('.boot .row.skel').length, hidden: document.querySelector('.boot').getAttribute('aria-hidden'),
      scroll: document.documentElement.scrollWidth };
  });
  assert.match(look.brand, /驿站/);
  assert.equal(look.rows, 4);
  assert.equal(look.hidden, 'true', 'the outline is not read out');
  assert.ok(look.bar[0] > 300 && look.bar[1] >= 40, `search bar outline ${look.bar}`);
  assert.ok(look.map[1] >= 190, `map outline ${look.map}`);
  assert.ok(look.scroll <= 360, 'no sideways scroll');
  await page.screenshot({ path: path.join(SHOTS, 'lh-first-paint-360x740.png') });
  js.release();
  await page.waitForSelector('#list .row:not(.skel)', { timeout: 15000 });
  assert.equal(await page.locator('.boot').count(), 0, 'the app replaced the outline');
  await ctx.close();
});

test('a return visit draws the home without waiting for the facility vocabulary', async () => {
  const ctx = await context(browser, { serviceWorkers: 'block' });
  const page = await ctx.newPage();
  await page.goto(`${BASE}/?at=${ATQ}`);
  await page.waitForSelector('#list .row:not(.skel)', { timeout: 15000 });
  const vocab = await hold(ctx, /\/api\/v1\/facilities/);
  await page.reload();
  // the list's heading and rows come while /api/v1/facilities is still unanswered
  await page.waitForSelector('#list .row:not(.skel)', { timeout: 15000 });
  assert.ok(await until(() => vocab.seen() >= 1), 'the vocabulary was asked for again (and refreshes behind)');
  const body = await (await fetch(`${BASE}/api/v1/facilities`)).json();
  const toilet = body.facilities.find((f) => f.code === 'toilet');
  assert.equal(await page.locator('button[data-filter=toilet]').innerText(), toilet.label, 'labels from the phone\'s copy');
  vocab.release();
  await ctx.close();
});

test('while the position and the list are on their way, the page says so at once', async () => {
  const ctx = await context(browser, { serviceWorkers: 'block' });
  await ctx.addInitScript(() => { navigator.geolocation.getCurrentPosition = () => {}; }); // never answers
  const nearby = await hold(ctx, /\/api\/v1\/stations\/nearby/);
  const page = await ctx.newPage();
  await page.goto(`${BASE}/?at=${ATQ}`);
  await waitFor(page, () => /正在定位/.test(document.querySelector('#notice')?.textContent), null, { timeout: 15000 });
  assert.ok(await until(() => nearby.seen() >= 1), 'the list was asked for and is held');
  assert.equal(await page.locator('#list .row:not(.skel)').count(), 0, 'no rows yet');
  nearby.release();
  await page.waitForSelector('#list .row:not(.skel)', { timeout: 15000 });
  assert.match(await page.locator('#notice').innerText(), /正在定位/);
  await ctx.close();
});
