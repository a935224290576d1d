// SPDX-License-Identifier: MIT
// app.test.mjs - the worker web app in Debian's Chromium (playwright-core), against the yizhan
// server that run.sh started with the demo city. Fixed position (Wenzhou, 28.0154,120.6553)
// and fixed time (?at=, which the app passes to the API). Each claim is checked against the
// API itself, never against the page alone.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { wgs84ToGcj02 } from '../../web/src/coord.js';
import { takeProblems, htmlHeaderProblems, waitFor } from './guard.mjs';
import { BASE, SHOTS, AT, ATQ, POS, launch, context, watch, api, rows, axe, shot, shots } from './app-setup.mjs';

let browser;

before(async () => {
  browser = await launch();
});
// Every test: no CSP violation, no request to a host other than the server and the tiles.
afterEach(() => {
  assert.deepEqual(takeProblems(), [], 'CSP violations or outside requests');
});
after(async () => {
  if (browser) await browser.close();
  if (shots.length) console.log(`screenshots:\n${shots.map((s) => `  ${s}`).join('\n')}`);
});

async function firstMatch() {
  const { body } = await api(`/api/v1/stations/nearby?lat=28.0154&lon=120.6553&k=5&need=toilet,battery_swap&open_now=true&at=${ATQ}`);
  assert.ok(body.stations.length > 0);
  return body.stations[0];
}

test('home: with toilet + battery swap + open now, the first row is the API\'s nearest', async () => {
  const ctx = await context(browser);
  const page = await ctx.newPage();
  const errors = watch(page);
  await page.goto(`${BASE}/?at=${ATQ}`);
  await rows(page);
  const nearby = page.waitForResponse((r) => r.url().includes('/nearby') && r.url().includes('need=toilet%2Cbattery_swap') && r.url().includes('open_now=true'));
  for (const f of ['toilet', 'battery_swap', 'open_now']) await page.click(`button[data-filter=${f}]`);
  const res = await nearby;
  assert.ok(res.url().includes(`at=${encodeURIComponent(AT)}`), 'the page passes ?at= to the API');
  await waitFor(page, () => document.querySelector('#list')?.getAttribute('aria-busy') === 'false');
  await page.waitForTimeout(300);
  const want = await firstMatch();
  const codes = await rows(page);
  assert.equal(codes[0], want.code);
  const first = page.locator('#list .row').first();
  assert.match(await first.locator('.name').innerText(), new RegExp(want.name));
  assert.match(await first.locator('.dist').innerText(), /米/);
  assert.match(await first.locator('.status').innerText(), /开放中|24小时/);
  // every row meets the filters
  const { body } = await api(`/api/v1/stations/nearby?lat=28.0154&lon=120.6553&k=20&need=toilet,battery_swap&open_now=true&at=${ATQ}`);
  assert.deepEqual(codes, body.stations.map((s) => s.code));
  // the filters are remembered
  await page.reload();
  await rows(page);
  for (const f of ['toilet', 'battery_swap', 'open_now'])
    assert.equal(await page.getAttribute(`button[data-filter=${f}]`, 'aria-pressed'), 'true', f);
  assert.equal(await page.getAttribute('button[data-filter=hot_water]', 'aria-pressed'), 'false');
  // the map shows the stations and the city outline although no tile loads
  await page.waitForSelector('.map-note:not([hidden])', { timeout: 10000 });
  // (issue 13: markers are numbered 36 px pins, one per row, no longer SVG circles)
  assert.equal(await page.locator('#map .pin').count(), codes.length, 'station markers');
  assert.ok(await page.locator('#map path:not(.leaflet-interactive)').count() >= 1, 'city outline');
  assert.deepEqual(errors, []);
  await ctx.close();
});

test('station page: navigation links carry GCJ-02 (Amap) and coord_type (Baidu)', async () => {
  const want = await firstMatch();
  const { body: s } = await api(`/api/v1/stations/${want.code}`);
  const ctx = await context(browser);
  const page = await ctx.newPage();
  await page.goto(`${BASE}/station/${want.code}?at=${ATQ}`);
  await page.waitForSelector('.station h1');
  assert.equal(await page.locator('.station h1').innerText(), s.name);
  await page.click('button[aria-controls=p-nav]');
  const amap = await page.getAttribute('a[data-nav=amap]', 'href');
  const baidu = await page.getAttribute('a[data-nav=baidu]', 'href');
  const [glat, glon] = wgs84ToGcj02(s.lat, s.lon); // independent of the server's conversion
  const m = amap.match(/[?&]to=([\d.]+),([\d.]+)/);
  assert.ok(m, amap);
  assert.ok(Math.abs(Number(m[1]) - glon) < 2e-6 && Math.abs(Number(m[2]) - glat) < 2e-6, `${amap} vs ${glat},${glon}`);
  assert.ok(Math.abs(glat - s.lat) > 1e-4, 'GCJ-02 differs from WGS-84 here');
  const b = baidu.match(/latlng:([\d.]+),([\d.]+)/);
  assert.ok(b && Math.abs(Number(b[1]) - glat) < 2e-6 && Math.abs(Number(b[2]) - glon) < 2e-6, `Baidu latitude first: ${baidu}`);
  assert.ok(/[?&]coord_type=gcj02/.test(baidu), baidu);
  assert.ok(await page.getAttribute('a[data-nav=tencent]', 'href'));
  assert.ok(await page.getAttribute('a[data-nav=apple]', 'href'));
  // facilities with labels, the week's hours
  assert.ok(await page.locator('.facs li').count() === s.facilities.length);
  assert.equal(await page.locator('.hours tr').count(), 7);
  await ctx.close();
});

test('rating: one tap on a star, then tags and text, land in the API', async () => {
  const code = 'WZ0321';
  const { body: s0 } = await api(`/api/v1/stations/${code}`);
  const ctx = await context(browser);
  const page = await ctx.newPage();
  await page.goto(`${BASE}/station/${code}?at=${ATQ}`);
  await page.waitForSelector('.station h1');
  await page.click('button[aria-controls=p-rate]');
  await page.click('button.star[data-stars="4"]');
  await page.waitForSelector('.rate-more:not([hidden])');
  const { body: s1 } = await api(`/api/v1/stations/${code}`);
  assert.equal(s1.rating.count, s0.rating.count + 1);
  const token = await page.evaluate(() => localStorage.getItem('yz.token'));
  assert.ok(token && token.length > 20, 'a worker token was created and kept');
  await page.click('.rate-more input[value=clean]');
  await page.fill('.rate-more textarea', '热水很方便，座位干净');
  await page.click('.rate-more button[type=submit]');
  await waitFor(page, () => /已提交|审核/.test(document.querySelector('.rate-msg')?.textContent || ''));
  const { body: rv } = await api(`/api/v1/stations/${s0.id}/reviews`);
  const mine = rv.reviews.find((r) => r.text === '热水很方便，座位干净');
  assert.ok(mine, JSON.stringify(rv));
  assert.equal(mine.stars, 4);
  assert.deepEqual(mine.tags, ['clean']);
  const { body: s2 } = await api(`/api/v1/stations/${code}`);
  assert.equal(s2.rating.count, s0.rating.count + 1, 'the second send replaced the first');
  await ctx.close();
});

test('check-in at /s/{code}: one tap records the visit', async () => {
  const code = 'WZ0153';
  const before = (await api('/api/v1/stats/visits?group_by=station')).body.rows.find((r) => r.key === code)?.visits || 0;
  const ctx = await context(browser);
  const page = await ctx.newPage();
  await page.goto(`${BASE}/s/${code}?at=${ATQ}`);
  await page.waitForSelector('#checkin');
  await page.click('#checkin');
  await page.waitForSelector('.checkin-msg.ok');
  assert.match(await page.locator('.checkin-msg').innerText(), /签到成功/);
  assert.ok(await page.locator('.rate-prompt:not([hidden]) button.star').count() === 5, 'rating prompt');
  const after = (await api('/api/v1/stats/visits?group_by=station')).body.rows.find((r) => r.key === code)?.visits || 0;
  assert.equal(after, before + 1);
  // a second tap is accepted but not counted, and says so
  await page.reload();
  await page.click('#checkin');
  await page.waitForSelector('.checkin-msg.ok');
  assert.match(await page.locator('.checkin-msg').innerText(), /已经签到/);
  await ctx.close();
});

test('report a problem: an Open311 request for the station', async () => {
  const code = 'WZ0200';
  const ctx = await context(browser);
  const page = await ctx.newPage();
  await page.goto(`${BASE}/station/${code}?at=${ATQ}`);
  await page.waitForSelector('.station h1');
  await page.click('button[aria-controls=p-report]');
  await page.waitForSelector('#svc');
  await page.selectOption('#svc', 'toilet_unusable');
  await page.fill('#rdesc', '卫生间门锁坏了');
  await page.click('form.report button[type=submit]');
  await waitFor(page, () => /编号 \d+/.test(document.querySelector('form.report [role=status]')?.textContent || ''));
  const id = (await page.locator('form.report [role=status]').innerText()).match(/编号 (\d+)/)[1];
  const { status, body } = await api(`/open311/v2/requests/${id}.json`);
  assert.equal(status, 200);
  assert.equal(body[0].station_code, code);
  assert.equal(body[0].service_code, 'toilet_unusable');
  assert.equal(body[0].description, '卫生间门锁坏了');
  // it shows among the station's open reports
  await page.reload();
  await page.waitForSelector('.station h1');
  assert.match(await page.locator('section[aria-labelledby=h-reports]').innerText(), /卫生间无法使用/);
  await ctx.close();
});

test('languages: 繁體中文 and English change the labels, and are remembered', async () => {
  const ctx = await context(browser);
  const page = await ctx.newPage();
  await page.goto(`${BASE}/?at=${ATQ}`);
  await rows(page);
  assert.equal(await page.locator('button[data-filter=open_now]').innerText(), '现在开放');
  await page.selectOption('#lang', 'zh-Hant');
  await waitFor(page, () => document.documentElement.lang === 'zh-Hant');
  await rows(page);
  assert.equal(await page.locator('button[data-filter=open_now]').innerText(), '現在開放');
  assert.equal(await page.locator('button[data-filter=toilet]').innerText(), '衛生間');
  assert.equal(await page.locator('form[role=search] button[type=submit]').innerText(), '搜尋');
  await page.reload();
  await rows(page);
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'zh-Hant');
  assert.equal(await page.locator('#bigtext').innerText(), '大字');
  await page.selectOption('#lang', 'en');
  await rows(page);
  assert.equal(await page.locator('button[data-filter=open_now]').innerText(), 'Open now');
  assert.match(await page.locator('#list .row .dist').first().innerText(), / m$| km$/);
  await ctx.close();
});

test('offline: a reload shows the last results and a visited station page', async () => {
  const ctx = await context(browser);
  const page = await ctx.newPage();
  await page.goto(`${BASE}/?at=${ATQ}`);
  await rows(page);
  await page.evaluate(() => navigator.serviceWorker.ready);
  if (!(await page.evaluate(() => !!navigator.serviceWorker.controller))) await page.reload();
  const online = await rows(page);
  await page.click('#list .row-link');
  await page.waitForSelector('.station h1');
  const name = await page.locator('.station h1').innerText();
  await page.goBack();
  await rows(page);
  await ctx.setOffline(true);
  await page.reload();
  const offline = await rows(page);
  assert.deepEqual(offline, online);
  assert.match(await page.locator('#notice').innerText(), /离线/);
  await page.goto(`${BASE}/station/${online[0]}?at=${ATQ}`);
  await page.waitForSelector('.station h1');
  assert.equal(await page.locator('.station h1').innerText(), name);
  await ctx.setOffline(false);
  await ctx.close();
});

test('bad input: refused position, server error, no network, unknown code', async () => {
  // refused position: a plain message, and stations near the map centre all the same
  let ctx = await context(browser, { denyGeo: true });
  let page = await ctx.newPage();
  await page.goto(`${BASE}/?at=${ATQ}`);
  await rows(page);
  assert.match(await page.locator('#notice').innerText(), /无法获取你的位置/);
  assert.match(await page.locator('#list-h').innerText(), /地图中心/);
  await ctx.close();
  // a server error on nearby: a message and a retry that works
  ctx = await context(browser);
  page = await ctx.newPage();
  let fail = true;
  await ctx.route(/\/api\/v1\/stations\/nearby/, (r) => (fail
    ? r.fulfill({ status: 500, contentType: 'application/json', body: '{"error":"internal_error"}' })
    : r.continue()));
  await page.goto(`${BASE}/?at=${ATQ}`);
  await page.waitForSelector('#notice .msg.error');
  assert.match(await page.locator('#notice').innerText(), /服务器出错/);
  fail = false;
  await page.click('#notice button');
  assert.ok((await rows(page)).length > 0);
  await ctx.close();
  // no network and nothing saved: says so, offers a retry
  ctx = await context(browser);
  page = await ctx.newPage();
  await ctx.route(/\/api\//, (r) => r.abort('internetdisconnected'));
  await page.goto(`${BASE}/?at=${ATQ}`);
  await page.waitForSelector('#notice .msg.error');
  assert.match(await page.locator('#notice').innerText(), /网络不通/);
  assert.equal(await page.locator('#notice button').innerText(), '重试');
  await ctx.close();
  // unknown station code on a check-in link
  ctx = await context(browser);
  page = await ctx.newPage();
  await page.goto(`${BASE}/s/NO-SUCH-CODE`);
  await page.waitForSelector('.msg.error');
  assert.match(await page.locator('.msg.error').innerText(), /没有找到编号为“NO-SUCH-CODE”的驿站/);
  await page.click('.msg.error a[href="/"]');
  await rows(page);
  await ctx.close();
});

test('search: traditional and pinyin initials, with suggestions', async () => {
  const ctx = await context(browser);
  const page = await ctx.newPage();
  await page.goto(`${BASE}/?at=${ATQ}`);
  await rows(page);
  await page.fill('#q', 'ghds');
  await page.waitForSelector('#sugg:not([hidden]) a.sugg-item');
  assert.match(await page.locator('#sugg').innerText(), /工会大厦职工驿站/);
  await page.fill('#q', '工會');
  await page.press('#q', 'Enter');
  await waitFor(page, () => /工會/.test(document.querySelector('#list-h')?.textContent));
  const codes = await rows(page);
  const { body } = await api(`/api/v1/stations?q=${encodeURIComponent('工會')}&per_page=20&lat=28.015400&lon=120.655300`);
  assert.deepEqual(codes, body.stations.map((s) => s.code));
  await ctx.close();
});

test('Amap tiles: positions are asked for in GCJ-02', async () => {
  const ctx = await context(browser);
  const page = await ctx.newPage();
  // The list is asked near the map centre at once, then again at the position when it comes
  // (issue 13): every ask is in GCJ-02, and the one at the position is the converted GPS fix.
  const urls = [];
  page.on('request', (r) => { if (r.url().includes('/api/v1/stations/nearby')) urls.push(new URL(r.url())); });
  const [glat, glon] = wgs84ToGcj02(POS.latitude, POS.longitude);
  const atPos = (u) => Math.abs(Number(u.searchParams.get('lat')) - glat) < 1e-5
    && Math.abs(Number(u.searchParams.get('lon')) - glon) < 1e-5;
  const req = page.waitForRequest((r) => r.url().includes('/api/v1/stations/nearby') && atPos(new URL(r.url())));
  await page.goto(`${BASE}/?tiles=amap&at=${ATQ}`);
  await req;
  assert.ok(urls.length >= 1);
  for (const u of urls) assert.equal(u.searchParams.get('crs'), 'gcj02', u.href);
  await rows(page);
  await ctx.close();
});

test('accessibility (axe-core) and screenshots at 360x740 and 1280x800', async () => {
  const code = (await firstMatch()).code;
  for (const viewport of [{ width: 360, height: 740 }, { width: 1280, height: 800 }]) {
    const ctx = await context(browser, { viewport });
    const page = await ctx.newPage();
    await page.goto(`${BASE}/?at=${ATQ}`);
    await rows(page);
    await page.waitForTimeout(300);
    await shot(page, 'home');
    if (viewport.width === 360) await axe(page, 'home');
    await page.goto(`${BASE}/station/${code}?at=${ATQ}`);
    await page.waitForSelector('.station h1');
    await page.waitForLoadState('networkidle');
    await shot(page, 'station');
    if (viewport.width === 360) {
      await page.click('button[aria-controls=p-nav]');
      await page.click('button[aria-controls=p-rate]');
      await page.click('button[aria-controls=p-report]');
      await page.waitForSelector('#svc');
      await axe(page, 'station');
    }
    await page.goto(`${BASE}/s/${code}?at=${ATQ}`);
    await page.waitForSelector('#checkin');
    await page.waitForLoadState('networkidle');
    await shot(page, 'checkin');
    if (viewport.width === 360) {
      await axe(page, 'checkin');
      await page.selectOption('#lang', 'zh-Hant');
      await page.waitForSelector('#checkin');
      await axe(page, 'checkin zh-Hant');
      await page.goto(`${BASE}/s/NO-SUCH-CODE`);
      await page.waitForSelector('.msg.error');
      await axe(page, 'unknown code');
    }
    await ctx.close();
  }
});

test('keyboard: the filters, a row and the station actions are reachable and usable', async () => {
  const ctx = await context(browser);
  const page = await ctx.newPage();
  await page.goto(`${BASE}/?at=${ATQ}`);
  await rows(page);
  await page.focus('button[data-filter=toilet]');
  // The filter refetches the list: wait for that answer, so the row focused next is not one
  // about to be replaced.
  await Promise.all([
    page.waitForResponse((r) => r.url().includes('/api/v1/stations/nearby') && r.url().includes('toilet')),
    page.keyboard.press('Enter'),
  ]);
  assert.equal(await page.getAttribute('button[data-filter=toilet]', 'aria-pressed'), 'true');
  await rows(page);
  await page.waitForTimeout(200);
  await page.focus('#list .row-link');
  await page.keyboard.press('Enter');
  await page.waitForSelector('.station h1');
  // Focus moves once the page has rendered (after today's offers arrive): wait for it.
  await waitFor(page, () => document.activeElement && document.activeElement.tagName === 'H1',
    null, { timeout: 5000 }).catch(() => {});
  assert.equal(await page.evaluate(() => document.activeElement.tagName), 'H1', 'focus moves to the new page');
  await page.focus('button[aria-controls=p-rate]');
  await page.keyboard.press('Enter');
  await page.waitForSelector('#p-rate:not([hidden]) button.star');
  await ctx.close();
});

test('first load of the home page is under 300 KB transferred (tiles aside)', async () => {
  const ctx = await context(browser, { serviceWorkers: 'block' });
  await ctx.addInitScript(() => {
    window.__cls = 0;
    new PerformanceObserver((l) => {
      for (const e of l.getEntries()) if (!e.hadRecentInput) window.__cls += e.value;
    }).observe({ type: 'layout-shift', buffered: true });
  });
  const page = await ctx.newPage();
  const responses = [];
  page.on('requestfinished', (r) => responses.push(r));
  await page.goto(`${BASE}/?at=${ATQ}`);
  await rows(page);
  await page.waitForLoadState('networkidle');
  let total = 0;
  const lines = [];
  for (const r of responses) {
    if (!r.url().startsWith(BASE)) continue;
    const sz = await r.sizes();
    const bytes = sz.responseBodySize + sz.responseHeadersSize;
    total += bytes;
    lines.push(`${String(bytes).padStart(7)} ${r.url().slice(BASE.length)}`);
  }
  console.log(`first load: ${total} bytes in ${lines.length} responses\n${lines.join('\n')}`);
  fs.writeFileSync(path.join(SHOTS, 'first-load.txt'), `${total} bytes\n${lines.join('\n')}\n`);
  assert.ok(total < 300 * 1024, `first load ${total} B`);
  const cls = await page.evaluate(() => window.__cls);
  console.log(`cumulative layout shift while results arrive: ${cls.toFixed(4)}`);
  assert.ok(cls < 0.05, `layout shift ${cls}`);
  const js = responses.find((r) => /\/assets\/app-.*\.js$/.test(r.url()));
  assert.equal(await (await js.response()).headerValue('content-encoding'), 'gzip');
  await ctx.close();
});

test('static files: gzip, ETag/304, cache headers, traversal refused, client routes', async () => {
  const idx = await fetch(`${BASE}/`, { headers: { 'Accept-Encoding': 'gzip' } });
  assert.equal(idx.status, 200);
  assert.match(idx.headers.get('content-type'), /^text\/html/);
  const etag = idx.headers.get('etag');
  assert.match(etag, /^"[0-9a-f]{16}"$/);
  assert.equal(idx.headers.get('cache-control'), 'no-cache');
  assert.deepEqual(htmlHeaderProblems(Object.fromEntries(idx.headers)), [], 'the strict CSP on /');
  const again = await fetch(`${BASE}/`, { headers: { 'If-None-Match': etag } });
  assert.equal(again.status, 304);
  const html = await idx.text();
  const asset = html.match(/\/assets\/app-[0-9a-f]+\.js/)[0];
  const a = await fetch(BASE + asset);
  assert.match(a.headers.get('cache-control'), /immutable/);
  assert.match(a.headers.get('content-type'), /^text\/javascript/);
  for (const p of ['/station/1', '/s/WZ0001', '/s/NOPE']) {
    const r = await fetch(BASE + p);
    assert.equal(r.status, 200, p);
    assert.match(await r.text(), /yizhan/);
    assert.deepEqual(htmlHeaderProblems(Object.fromEntries(r.headers)), [], `the strict CSP on ${p}`);
  }
  const geo = await fetch(`${BASE}/wenzhou.geojson`);
  assert.equal(geo.headers.get('content-type'), 'application/geo+json');
  const gj = await geo.json();
  const [lon, lat] = gj.features[0].geometry.coordinates[0][0][0];
  assert.ok(lat > 27 && lat < 28.6 && lon > 119.5 && lon < 121.5, 'outline in Wenzhou');
  for (const p of ['/..%2f..%2fetc%2fpasswd', '/assets/..%2f..%2fMakefile', '/assets/%2e%2e%2fsw.js', '/.built', '/index.html.gz/x']) {
    const r = await fetch(BASE + p);
    assert.equal(r.status, 404, p);
  }
  const nf = await fetch(`${BASE}/no-such-file.js`);
  assert.equal(nf.status, 404);
  assert.equal((await nf.json()).error, 'not_found');
});
