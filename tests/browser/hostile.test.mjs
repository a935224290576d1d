// SPDX-License-Identifier: MIT
// hostile.test.mjs - hostile text in every view of the web app (issue 10, defect 6). An admin
// (or an import) can put anything into a station's name, address and phone, an event's title,
// a canteen's name and its dishes; any worker into a review or a report. Each such text holds
// HTML that would fetch from an outside host, run a script or make a live link if it were ever
// parsed as HTML. The test creates them through the API, shows them in every view (map tooltip,
// list, search suggestions and results, station page with events, meals, reviews and reports,
// check-in page, English, the printable poster) and checks in each one that no element of the
// hostile text exists, no script of it ran, no outside host was asked and no CSP rule was
// broken, and that the text is shown literally.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';
import { guard, takeProblems, waitFor } from './guard.mjs';

const BASE = process.env.YZ_BASE;
const ADMIN = process.env.YIZHAN_ADMIN_TOKEN;
const POS = { latitude: 28.0154, longitude: 120.6553 };
const CODE = 'XSS-HOSTILE';
// Every payload carries an id starting with "yzx" (so that any element made from it can be
// found), and a script payload sets window.yzPwned. evil.example is never reachable.
const T = {
  name: '毒名驿站<img src=https://evil.example/p.gif id=yzx1 onerror=window.yzPwned=1>"><svg id=yzx2 onload=window.yzPwned=2>',
  address: '<a href="javascript:window.yzPwned=3" id=yzx3>毒址</a><script id=yzx4>window.yzPwned=4</script><iframe id=yzx5 src=https://evil.example/f></iframe>',
  phone: '"><svg id=yzx6 onload=window.yzPwned=6>',
  title: '毒活动<img src=x id=yzx7 onerror=window.yzPwned=7><style id=yzx8>body{display:none}</style>',
  canteen: '毒食堂<object id=yzx9 data=https://evil.example/o></object>',
  dish: '毒饭<img src=x id=yzx10 onerror=window.yzPwned=10>',
  dishEn: 'poison rice <a href=javascript:window.yzPwned=11 id=yzx11>tap</a> <base id=yzx12 href=https://evil.example/>',
  review: '很干净<img src=https://evil.example/r.gif id=yzx13 onerror=window.yzPwned=13>\'"><svg id=yzx14 onload=window.yzPwned=14> 热水方便',
  report: '门锁坏了<img src=x id=yzx15 onerror=window.yzPwned=15><a href=javascript:alert(1) id=yzx16>x</a>',
};
let browser;
let station;
let at;

async function api(path, { method = 'GET', body, token, form } = {}) {
  const headers = {};
  if (token) headers.Authorization = `Bearer ${token}`;
  let data;
  if (form) {
    headers['Content-Type'] = 'application/x-www-form-urlencoded';
    data = new URLSearchParams(form).toString();
  } else if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    data = JSON.stringify(body);
  }
  const res = await fetch(BASE + path, { method, headers, body: data });
  const text = await res.text();
  let json = null;
  try { json = JSON.parse(text); } catch { /* not JSON */ }
  return { status: res.status, body: json, text };
}

/** YYYY-MM-DD in Asia/Shanghai, `days` from today. */
function shanghaiDate(days) {
  const d = new Date(Date.now() + days * 86400e3);
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(d);
}

before(async () => {
  assert.ok(BASE && ADMIN, 'YZ_BASE and YIZHAN_ADMIN_TOKEN are set by run.sh');
  // The station is open around the clock, at the worker's position (the first row and marker).
  let r = await api('/api/v1/stations', { method: 'POST', token: ADMIN, body: {
    code: CODE, name: T.name, address: T.address, phone: T.phone, district_code: '330302',
    lat: POS.latitude, lon: POS.longitude, facilities: ['toilet', 'hot_water'],
    opening_hours: 'Mo-Su 00:00-24:00' } });
  assert.equal(r.status, 201, r.text);
  station = r.body;
  assert.equal(station.name, T.name, 'the server keeps the name as it was given');
  // The app is shown at 10:00 tomorrow (?at=); the event is at noon that day, so it is in the
  // station's "today" (list row, station page) and in its week of events.
  const day = shanghaiDate(1);
  at = `${day}T10:00:00+08:00`;
  r = await api('/api/v1/events', { method: 'POST', token: ADMIN, body: {
    station: station.id, title: T.title, description: T.title, category: 'free_meal',
    starts_at: `${day}T12:00:00+08:00`, ends_at: `${day}T13:00:00+08:00` } });
  assert.equal(r.status, 201, r.text);
  // A canteen at the station with a meal today (the app asks for today's offers).
  r = await api('/api/v1/canteens', { method: 'POST', token: ADMIN, body: {
    station_id: station.id, name: T.canteen, opens: '00:00', closes: '24:00' } });
  assert.equal(r.status, 201, r.text);
  const canteen = r.body;
  const today = (await api('/api/v1/offers')).body.date;
  r = await api(`/api/v1/canteens/${canteen.id}/offers`, { method: 'POST', token: ADMIN, body: {
    date: today, dish: T.dish, dish_en: T.dishEn, price_cents: 1000, quota: 20 } });
  assert.equal(r.status, 201, r.text);
  // A worker's review (published by a moderator if screening held it) and a report.
  const worker = (await api('/api/v1/workers', { method: 'POST', body: {} })).body.token;
  r = await api(`/api/v1/stations/${station.id}/ratings`, { method: 'POST', token: worker,
    body: { stars: 4, text: T.review } });
  assert.equal(r.status, 201, r.text);
  if (r.body.rating.status === 'held') {
    const ok = await api(`/api/v1/moderation/${r.body.rating.id}/approve`, { method: 'POST', token: ADMIN });
    assert.equal(ok.status, 200, ok.text);
  }
  r = await api('/open311/v2/requests.json', { method: 'POST', form: {
    service_code: 'toilet_unusable', 'attribute[station_code]': CODE, description: T.report } });
  assert.equal(r.status, 201, r.text);
  const rv = await api(`/api/v1/stations/${station.id}/reviews`);
  assert.ok(rv.body.reviews.some((x) => x.text === T.review), 'the hostile review is public');

  browser = await chromium.launch({
    executablePath: process.env.YZ_CHROMIUM || '/usr/bin/chromium', headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});
afterEach(() => {
  assert.deepEqual(takeProblems(), [], 'CSP violations or outside requests');
});
after(async () => {
  if (browser) await browser.close();
});

async function context() {
  const ctx = await browser.newContext({
    viewport: { width: 1280, height: 800 }, locale: 'zh-CN', geolocation: POS, permissions: ['geolocation'],
  });
  await guard(ctx, BASE);
  // Nothing outside is reachable from here; the guard has recorded the attempt already.
  await ctx.route(/tile\.openstreetmap\.org|autonavi\.com|evil\.example/, (r) => r.abort());
  return ctx;
}

/** In the page as it is now: nothing made from hostile text, no script of it ran, nothing
 * outside asked for, no CSP rule broken. */
async function assertInert(page, where) {
  const bad = await page.evaluate(() => {
    const out = [];
    for (const el of document.querySelectorAll('[id^="yzx"]')) out.push(`<${el.localName} id=${el.id}>`);
    for (const el of document.querySelectorAll('*')) {
      for (const a of el.attributes) if (/^on/i.test(a.name)) out.push(`<${el.localName} ${a.name}>`);
    }
    for (const a of document.querySelectorAll('[href]')) {
      if (/^\s*javascript:/i.test(a.getAttribute('href'))) out.push(`<${a.localName} href=${a.getAttribute('href')}>`);
    }
    for (const el of document.querySelectorAll('iframe, object, embed, base, main script, main style')) out.push(`<${el.localName}>`);
    if (window.yzPwned !== undefined) out.push(`a hostile script ran: yzPwned=${window.yzPwned}`);
    return out;
  });
  assert.deepEqual(bad, [], `${where}: elements or scripts from hostile text`);
  assert.deepEqual(takeProblems(), [], `${where}: CSP violations or outside requests`);
}

/** The text of `selector` holds each of `texts` literally. */
async function assertShown(page, selector, texts, where) {
  const shown = await page.locator(selector).first().textContent();
  for (const t of texts) assert.ok(shown.includes(t), `${where}: "${t}" shown literally in ${JSON.stringify(shown)}`);
}

test('hostile texts: home list, map tooltip, search', async () => {
  const ctx = await context();
  const page = await ctx.newPage();
  await page.goto(`${BASE}/?at=${encodeURIComponent(at)}`);
  const row = page.locator(`#list .row[data-code="${CODE}"]`);
  await row.waitFor({ timeout: 15000 });
  await assertShown(page, `#list .row[data-code="${CODE}"] .name`, [T.name], 'list row');
  await assertShown(page, `#list .row[data-code="${CODE}"] .event`, [T.title], 'list row event');
  assert.match(await page.getAttribute(`#list .row[data-code="${CODE}"] a.go`, 'aria-label'), /毒名驿站<img/);
  await assertInert(page, 'home list');
  // Map tooltips: hover every station marker (the worker's own marker covers the one at
  // their position, so the events are sent to each marker directly).
  await waitFor(page, () => document.querySelectorAll('#map .leaflet-marker-icon.leaflet-interactive').length > 1);
  await page.evaluate(() => {
    for (const p of document.querySelectorAll('#map .leaflet-marker-icon.leaflet-interactive')) {
      p.dispatchEvent(new MouseEvent('mouseover', { bubbles: true, cancelable: true, view: window }));
    }
  });
  const tips = await page.$$eval('.leaflet-tooltip', (els) => els.map((e) => e.textContent));
  const tip = tips.find((x) => x.includes('毒名驿站'));
  assert.ok(tip, `a tooltip for the hostile station among ${tips.length}`);
  await page.waitForTimeout(300); // an image the tooltip might have made would be asked for now
  await assertInert(page, 'map tooltip');
  assert.ok(tip.includes(T.name), `tooltip shows the name literally: ${JSON.stringify(tip)}`);
  // Search: suggestions, then the results list.
  await page.fill('#q', '毒名');
  await page.waitForSelector('#sugg:not([hidden]) a.sugg-item');
  await assertShown(page, '#sugg', [T.name], 'search suggestion');
  await assertInert(page, 'search suggestions');
  await page.press('#q', 'Enter');
  await waitFor(page, () => /毒名/.test(document.querySelector('#list-h')?.textContent || ''));
  await row.waitFor();
  await assertShown(page, `#list .row[data-code="${CODE}"] .name`, [T.name], 'search results');
  await assertInert(page, 'search results');
  await ctx.close();
});

test('hostile texts: station page (events, meals, reviews, reports), English, check-in', async () => {
  const ctx = await context();
  const page = await ctx.newPage();
  await page.goto(`${BASE}/station/${CODE}?at=${encodeURIComponent(at)}`);
  await page.waitForSelector('.station h1');
  await page.waitForSelector('section[aria-labelledby=h-events] li');
  await page.waitForSelector('section[aria-labelledby=h-reviews] li');
  await page.waitForSelector('section[aria-labelledby=h-today] li');
  assert.equal(await page.locator('.station h1').textContent(), T.name);
  await assertShown(page, '.station .addr', [T.address], 'address');
  await assertShown(page, 'section[aria-labelledby=h-events]', [T.title], 'events');
  await assertShown(page, 'section[aria-labelledby=h-today]', [T.title, T.dish], 'offers and meals');
  await assertShown(page, 'section[aria-labelledby=h-reviews]', [T.review], 'reviews');
  await assertShown(page, 'section[aria-labelledby=h-reports]', ['卫生间无法使用'], 'reports');
  const tel = await page.$$eval('a[href^="tel:"]', (as) => as.map((a) => [a.getAttribute('href'), a.textContent]));
  // (issue 13: a call button near the top, then the number itself further down)
  assert.deepEqual(tel, [[`tel:${T.phone}`, '☎ 打电话'], [`tel:${T.phone}`, T.phone]], 'the phone links');
  assert.equal(await page.getAttribute('a.call', 'aria-label'), `打电话 ${T.phone}`);
  await page.click('button[aria-controls=p-nav]');
  await page.click('button[aria-controls=p-rate]');
  await page.click('button[aria-controls=p-report]');
  await page.waitForSelector('#svc');
  await assertInert(page, 'station page');
  // English: the dish's English name.
  await page.selectOption('#lang', 'en');
  await waitFor(page, () => document.documentElement.lang === 'en');
  await page.waitForSelector('section[aria-labelledby=h-today] li');
  await waitFor(page, (d) => document.querySelector('section[aria-labelledby=h-today]')?.textContent.includes(d), T.dishEn);
  await assertInert(page, 'station page in English');
  await page.selectOption('#lang', 'zh-Hans');
  // Check-in page.
  await page.goto(`${BASE}/s/${CODE}?at=${encodeURIComponent(at)}`);
  await page.waitForSelector('#checkin');
  await page.waitForSelector('section[aria-labelledby=h-offers] li');
  assert.equal(await page.locator('.station h1').textContent(), T.name);
  await assertShown(page, 'section[aria-labelledby=h-offers]', [T.title, T.dish], 'check-in offers');
  await page.click('#checkin');
  await page.waitForSelector('.checkin-msg.ok');
  await assertInert(page, 'check-in page');
  await ctx.close();
});

test('hostile texts: the printable poster', async () => {
  const ctx = await context();
  const page = await ctx.newPage();
  const res = await page.goto(`${BASE}/api/v1/stations/${CODE}/poster.html`);
  assert.equal(res.status(), 200);
  await page.waitForLoadState('load');
  assert.equal(await page.locator('h1').textContent(), T.name);
  await assertShown(page, '.addr', [T.address], 'poster address');
  assert.equal(await page.title(), `${T.name} · 扫码签到`);
  assert.equal(await page.locator('.qr svg').count(), 1, 'the QR code is drawn');
  // The poster's own stylesheet applies (A5 frame), under the policy.
  assert.equal(await page.$eval('.poster', (e) => getComputedStyle(e).borderTopStyle), 'solid');
  await assertInert(page, 'poster');
  await ctx.close();
});
