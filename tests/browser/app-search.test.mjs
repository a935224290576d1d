// SPDX-License-Identifier: MIT
// app-search.test.mjs - issue 13: what a rider types is understood, and 繁體 names. The page is
// compared with the API's own answers (the server decides what a word means and converts the
// names: the page must show exactly that).
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { takeProblems, waitFor } from './guard.mjs';
import { BASE, POS, launch, context, api, rows as appRows } from './app-setup.mjs';

let browser;

before(async () => { browser = await launch(); });
afterEach(() => assert.deepEqual(takeProblems(), [], 'CSP violations or outside requests'));
after(async () => { if (browser) await browser.close(); });

const rows = (page) => appRows(page, 30000); // Playwright's own default timeout, as before

test('search: 厕所 is the toilet filter, and the page says so; a code in lower case finds its station', async () => {
  const ctx = await context(browser);
  const page = await ctx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${BASE}/`);
  await rows(page);
  await page.fill('#q', '厕所');
  await page.press('#q', 'Enter');
  await waitFor(page, () => /已按设施筛选/.test(document.querySelector('#notice').textContent));
  const { body } = await api(`/api/v1/stations?q=${encodeURIComponent('厕所')}&per_page=20&lat=${POS.latitude.toFixed(6)}&lon=${POS.longitude.toFixed(6)}`);
  assert.deepEqual(body.understood.facilities.map((f) => f.code), ['toilet']);
  assert.ok(body.stations.length > 0 && body.stations.every((s) => s.facilities.includes('toilet')));
  assert.deepEqual(await rows(page), body.stations.map((s) => s.code));
  assert.match(await page.locator('#notice').innerText(), /厕所 → 卫生间|厕所 → 厕所/);
  // a station code typed in lower case
  const code = body.stations[0].code;
  await page.fill('#q', code.toLowerCase());
  await page.press('#q', 'Enter');
  await waitFor(page, (c) => [...document.querySelectorAll('#list .row')].map((e) => e.dataset.code).join() === c, code);
  assert.deepEqual(errors, []);
  await ctx.close();
});

test('繁體: station names on the list and the station page are the server\'s traditional ones', async () => {
  const ctx = await context(browser);
  const page = await ctx.newPage();
  await page.goto(`${BASE}/`);
  await rows(page);
  await page.selectOption('#lang', 'zh-Hant');
  await waitFor(page, () => document.documentElement.lang === 'zh-Hant');
  const code = 'WZ-GHDS';
  const hans = (await api(`/api/v1/stations/${code}`)).body;
  const hant = (await api(`/api/v1/stations/${code}?lang=zh-Hant`)).body;
  assert.notEqual(hant.name, hans.name, 'the demo station\'s name changes in 繁體');
  await page.goto(`${BASE}/station/${code}`);
  await page.waitForSelector('h1');
  await waitFor(page, (n) => document.querySelector('h1').textContent === n, hant.name);
  // the station's meals of the day: the dish as the server writes it in 繁體
  const offers = (await api('/api/v1/offers?lang=zh-Hant')).body.offers.filter((o) => o.canteen.station_id === hant.id);
  const plain = (await api('/api/v1/offers')).body.offers.filter((o) => o.canteen.station_id === hant.id);
  assert.ok(offers.length > 0 && offers[0].dish !== plain[0].dish, 'the demo station has a meal whose name changes in 繁體');
  await waitFor(page, (d) => document.querySelector('main').textContent.includes(d), offers[0].dish);
  await page.goto(`${BASE}/`);
  const codes = await rows(page);
  const near = (await api(`/api/v1/stations/nearby?lat=${POS.latitude.toFixed(6)}&lon=${POS.longitude.toFixed(6)}&k=20&lang=zh-Hant`)).body;
  const byCode = Object.fromEntries(near.stations.map((s) => [s.code, s.name]));
  const names = await page.$$eval('#list .row .name', (els) => els.map((e) => e.textContent));
  codes.forEach((c, i) => { if (byCode[c]) assert.equal(names[i], byCode[c], c); });
  await ctx.close();
});
