// SPDX-License-Identifier: MIT
// app-today.test.mjs - "today near me" on the home screen, ordering a 10-yuan meal (pickup code
// and QR code, kept offline, every refusal) and event sign-up, in Debian's Chromium against
// the server run.sh started with the demo city. Display checks use a Friday 06:45 through the
// ?at= hook; ordering and sign-ups run at the server's real time (the server checks the order
// window against its own clock). Every claim is checked against the API.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import jsQR from 'jsqr';
import { takeProblems, htmlHeaderProblems, waitFor } from './guard.mjs';
import { BASE, ADMIN, POS, NEAR, TODAY, addDays, launch, context, watch, api, pageToken, axe, shot, shots, noSideScroll } from './app-setup.mjs';

let FRI = TODAY;
while (new Date(`${FRI}T00:00:00Z`).getUTCDay() !== 5) FRI = addDays(FRI, 1);
const AT = `${FRI}T06:45:00+08:00`; // the next Friday morning (today if today is a Friday)
const ATQ = encodeURIComponent(AT);
let browser;
const fx = {}; // what before() created

async function worker() { return (await api('/api/v1/workers', { method: 'POST', body: {} })).body.token; }
async function canteen(name, lat, lon, opens, closes) {
  const r = await api('/api/v1/canteens', { method: 'POST', token: ADMIN, body: { name, address: '测试路1号', lat, lon, opens, closes } });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body;
}
async function offer(c, date, dish, quota) {
  const r = await api(`/api/v1/canteens/${c.id}/offers`, { method: 'POST', token: ADMIN,
    body: { date, dish, dish_en: `${dish} (en)`, price_cents: 1000, quota } });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body;
}

before(async () => {
  assert.ok(ADMIN, 'YIZHAN_ADMIN_TOKEN is set by run.sh');
  browser = await launch();
  // A partner kitchen linked to no station, 60 m from the worker, open all day.
  fx.free = await canteen('测试伙伴食堂（无驿站）', 28.0159, 120.6555, '00:00', '24:00');
  fx.friOffer = await offer(fx.free, FRI, '测试周五套餐', 20);
  fx.todayOffer = FRI === TODAY ? fx.friOffer : await offer(fx.free, TODAY, '测试今日套餐', 20);
  fx.other = await canteen('测试第二食堂', 28.0170, 120.6570, '00:00', '24:00');
  fx.otherOffer = await offer(fx.other, TODAY, '测试第二食堂套餐', 20);
  fx.soldOut = await offer(await canteen('测试售罄食堂', 28.0175, 120.6575, '00:00', '24:00'), TODAY, '测试售罄餐', 1);
  const r = await api('/api/v1/orders', { method: 'POST', token: await worker(), body: { offer_id: fx.soldOut.id } });
  assert.equal(r.status, 201, 'another worker takes the only meal');
  fx.closed = await offer(await canteen('测试早关食堂', 28.0180, 120.6580, '00:00', '00:01'), TODAY, '测试早关餐', 5);
});
afterEach(() => { assert.deepEqual(takeProblems(), [], 'CSP violations or outside requests'); });
after(async () => {
  if (browser) await browser.close();
  if (shots.length) console.log(`screenshots:\n${shots.map((s) => `  ${s}`).join('\n')}`);
});

/** The "today" list the home block must show, computed from the API independently. */
async function expectedToday() {
  const offers = (await api(`/api/v1/offers?date=${FRI}&near=${NEAR}&radius_m=5000`)).body.offers;
  const occ = (await api(`/api/v1/events?from=${FRI}&to=${addDays(FRI, 1)}&near=${NEAR}&radius_m=5000&limit=200`)).body.occurrences;
  const now = Date.parse(AT);
  const items = [
    ...offers.filter((o) => Date.parse(o.order_until) > now).map((o) => ({ k: `offer:${o.id}`, d: o.distance_m, s: Date.parse(o.order_from) })),
    ...occ.filter((o) => Date.parse(o.ends_at) > now).map((o) => ({ k: `event:${o.event_id}:${o.occurrence}`, d: o.distance_m, s: Date.parse(o.starts_at) })),
  ];
  items.sort((a, b) => a.d - b.d || a.s - b.s);
  return { keys: items.slice(0, 4).map((x) => x.k), occ };
}
const shownToday = (page) => page.$$eval('#today .today-item', (els) =>
  els.map((e) => (e.dataset.offer ? `offer:${e.dataset.offer}` : `event:${e.dataset.event}`)));

for (const vp of [{ width: 360, height: 740 }, { width: 1280, height: 800 }]) {
  test(`today near me on a Friday at 06:45 (${vp.width} px): the API's items nearest first, above the fold`, async () => {
    const ctx = await context(browser, { viewport: vp });
    const page = await ctx.newPage();
    const errors = watch(page);
    await page.goto(`${BASE}/?at=${ATQ}`);
    await page.waitForSelector('#today .today-list[aria-busy=false]', { timeout: 15000 });
    const want = await expectedToday();
    assert.ok(want.keys.includes(`offer:${fx.friOffer.id}`), 'precondition: the kitchen without a station is near');
    assert.deepEqual(await shownToday(page), want.keys);
    // the kitchen linked to no station is there, with its order window and how many are left
    const meal = await page.textContent(`#today [data-offer="${fx.friOffer.id}"]`);
    assert.match(meal, /测试周五套餐/);
    assert.match(meal, /订餐 00:00–24:00/);
    assert.match(meal, /剩 20 份/);
    if (vp.width === 360) {
      const box = await page.$eval('#today .today-item', (e) => e.getBoundingClientRect().bottom);
      assert.ok(box <= 740, `the first "today" item ends at ${box} px, below the fold`);
    }
    assert.doesNotMatch(await page.textContent('#today'), /null|undefined|NaN/);
    await noSideScroll(page, 'home with today');
    await page.waitForSelector('#list .row:not(.skel)', { timeout: 15000 });
    await axe(page, 'home with today');
    await shot(page, 'today-home');
    assert.deepEqual(errors, []);
    await ctx.close();
  });
}

test('the Friday breakfast: the union-building station is not shown closed while it runs', async () => {
  const s = (await api(`/api/v1/stations/WZ-GHDS?at=${ATQ}`)).body;
  const bf = s.today.find((e) => e.category === 'free_meal');
  assert.ok(bf, 'precondition: the breakfast is in the station\'s today');
  assert.ok(Date.parse(bf.starts_at) <= Date.parse(AT) && Date.parse(AT) < Date.parse(bf.ends_at), 'precondition: it runs at 06:45');
  assert.equal(s.open_now, false, 'precondition: the station is closed by its hours at 06:45');
  const span = `${bf.starts_at.slice(11, 16)}–${bf.ends_at.slice(11, 16)}`;
  const ctx = await context(browser);
  const page = await ctx.newPage();
  await page.goto(`${BASE}/station/WZ-GHDS?at=${ATQ}`);
  await page.waitForSelector('.big-status');
  const status = await page.textContent('.big-status');
  assert.ok(status.includes(`${bf.title}进行中 ${span}`), status);
  assert.doesNotMatch(status, /已关门/);
  // the events box: this occurrence is marked as running
  await page.waitForSelector(`section[aria-labelledby=h-events] [data-event="${bf.id}:${FRI}"].running`);
  await page.goto(`${BASE}/?at=${ATQ}`);
  const inToday = await page.waitForSelector(`#today [data-event="${bf.id}:${FRI}"]`, { timeout: 15000 }).catch(() => null);
  if (inToday) assert.match(await inToday.textContent(), new RegExp(`进行中 ${span}`));
  await ctx.close();
});

/** Decode the QR code shown in the page with jsQR (an independent decoder). */
async function decodeQr(page) {
  const img = await page.evaluate(async () => {
    const svg = document.querySelector('.pickup svg.qr');
    const url = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(new XMLSerializer().serializeToString(svg))}`;
    const im = new Image();
    await new Promise((ok, bad) => { im.onload = ok; im.onerror = bad; im.src = url; });
    const c = document.createElement('canvas');
    c.width = c.height = 300;
    const g = c.getContext('2d');
    g.imageSmoothingEnabled = false;
    g.drawImage(im, 0, 0, 300, 300);
    return Array.from(g.getImageData(0, 0, 300, 300).data);
  });
  const r = jsQR(Uint8ClampedArray.from(img), 300, 300);
  return r && r.data;
}

test('order a meal: pickup code and QR code match the API, kept offline; a second order is refused', async () => {
  const ctx = await context(browser);
  const page = await ctx.newPage();
  const errors = watch(page);
  await page.goto(`${BASE}/meals/${fx.todayOffer.id}`);
  await page.waitForSelector('#order');
  const before = (await api(`/api/v1/offers/${fx.todayOffer.id}`)).body.remaining;
  assert.equal(await page.textContent('.big-left'), `剩 ${before} 份`);
  await page.click('#order');
  await page.waitForSelector('.pickup-code');
  const code = (await page.textContent('.pickup-code')).trim();
  const orders = (await api('/api/v1/orders', { token: await pageToken(page) })).body.orders;
  assert.equal(orders.length, 1);
  assert.equal(orders[0].pickup_code, code);
  assert.equal((await api(`/api/v1/offers/${fx.todayOffer.id}`)).body.remaining, before - 1);
  assert.equal(await decodeQr(page), code, 'the QR code holds the pickup code');
  assert.match(await page.textContent('.pickup'), /24:00 前有效/, 'a canteen closing at midnight: valid until 24:00');
  // the canteen screen's look-up finds the order by that code
  const look = (await api(`/api/v1/canteens/${fx.free.id}/orders?pickup_code=${code}`, { token: ADMIN })).body;
  assert.equal(look.count, 1);
  await axe(page, 'pickup code');
  await noSideScroll(page, 'pickup code');
  await shot(page, 'meal-order');
  // offline: the meals page still shows the code (kept on the phone)
  await page.evaluate(() => navigator.serviceWorker.ready);
  if (!(await page.evaluate(() => !!navigator.serviceWorker.controller))) await page.reload();
  await ctx.setOffline(true);
  await page.goto(`${BASE}/meals`);
  await page.waitForSelector('.pickup-code');
  assert.equal((await page.textContent('.pickup-code')).trim(), code);
  await ctx.setOffline(false);
  // a second order the same day, at another canteen: refused by the server's rule
  await page.evaluate(() => localStorage.removeItem('yz.orders')); // the page would not even offer it
  await page.goto(`${BASE}/meals/${fx.otherOffer.id}`);
  await page.click('#order');
  await page.waitForSelector('.order-msg .msg.error');
  assert.equal(await page.textContent('.order-msg .msg.error'), '每人每天只能订一份优惠餐，你今天已经订过了。');
  const again = await api('/api/v1/orders', { method: 'POST', token: await pageToken(page), body: { offer_id: fx.otherOffer.id } });
  assert.equal(again.status, 409);
  assert.match(again.body.message_en, /^one meal a day/);
  // once the phone knows today's order, the order page shows it instead of a second button
  await page.goto(`${BASE}/meals`);
  await page.waitForSelector('.pickup-code');
  await page.goto(`${BASE}/meals/${fx.otherOffer.id}`);
  await page.waitForSelector('.pickup-code');
  assert.equal(await page.$('#order'), null);
  assert.deepEqual(errors, []);
  await ctx.close();
});

const REFUSALS = [
  ['zh-Hans', () => fx.soldOut, '这份餐已售罄，请看看其他食堂。', /^sold out/],
  ['en', () => fx.soldOut, 'This meal is sold out. Try another canteen.', /^sold out/],
  ['zh-Hant', () => fx.closed, '今天的訂餐已於 00:01 截止。', /^ordering closed at 00:01/],
  ['en', () => fx.closed, 'Ordering closed at 00:01 today.', /^ordering closed at 00:01/],
];
for (const [lang, which, text, apiSays] of REFUSALS) {
  test(`order refused (${lang}, ${text}): the page says why, as the API does`, async () => {
    const o = which();
    const ctx = await context(browser, { lang });
    const page = await ctx.newPage();
    await page.goto(`${BASE}/meals/${o.id}`);
    await page.click('#order');
    await page.waitForSelector('.order-msg .msg.error');
    assert.equal(await page.textContent('.order-msg .msg.error'), text);
    const r = await api('/api/v1/orders', { method: 'POST', token: await pageToken(page), body: { offer_id: o.id } });
    assert.equal(r.status, 409);
    assert.match(r.body.message_en, apiSays);
    assert.equal((await api('/api/v1/orders', { token: await pageToken(page) })).body.count, 0, 'no order taken');
    await noSideScroll(page, `refusal ${lang}`);
    await ctx.close();
  });
}

test('ordering offline is not queued: the page says so and nothing reaches the server', async () => {
  const ctx = await context(browser);
  const page = await ctx.newPage();
  await page.goto(`${BASE}/meals/${fx.otherOffer.id}`);
  await page.waitForSelector('#order');
  const before = (await api(`/api/v1/offers/${fx.otherOffer.id}`)).body.remaining;
  await ctx.setOffline(true);
  await page.click('#order');
  await page.waitForSelector('.order-msg .msg.error');
  assert.match(await page.textContent('.order-msg .msg.error'), /^没有网络，订单没有提交，也不会在恢复网络后自动提交/);
  await ctx.setOffline(false);
  await page.waitForTimeout(500);
  assert.equal((await api(`/api/v1/offers/${fx.otherOffer.id}`)).body.remaining, before);
  const tok = await pageToken(page);
  if (tok) assert.equal((await api('/api/v1/orders', { token: tok })).body.count, 0);
  await ctx.close();
});

test('event sign-up and cancel on the station page, counted by the API; a full event says so', async () => {
  const st = (await api(`/api/v1/stations/nearby?lat=${POS.latitude}&lon=${POS.longitude}&k=1`)).body.stations[0];
  const day = addDays(TODAY, 1);
  const ev = await api('/api/v1/events', { method: 'POST', token: ADMIN, body: { station: st.code, title: '测试报名活动',
    category: 'activity', starts_at: `${day}T14:00:00+08:00`, ends_at: `${day}T15:00:00+08:00`, capacity: 1 } });
  assert.equal(ev.status, 201, JSON.stringify(ev.body));
  const key = `${ev.body.id}:${day}`;
  const signups = async () => (await api(`/api/v1/events/${ev.body.id}/signups?occurrence=${day}`, { token: ADMIN })).body.signups.length;
  const ctx = await context(browser);
  const page = await ctx.newPage();
  const errors = watch(page);
  await page.goto(`${BASE}/station/${encodeURIComponent(st.code)}`);
  const item = `section[aria-labelledby=h-events] [data-event="${key}"]`;
  await page.waitForSelector(`${item} button[data-signup]`);
  assert.match(await page.textContent(item), /余 1 个名额/);
  await page.click(`${item} button[data-signup]`);
  await waitFor(page, (sel) => document.querySelector(sel)?.textContent.includes('已报名'), item);
  assert.equal(await signups(), 1);
  await page.click(`${item} button[data-signup]`); // cancel
  await waitFor(page, (sel) => document.querySelector(sel)?.textContent.includes('余 1 个名额'), item);
  assert.equal(await signups(), 0);
  // someone else takes the last seat; this page still offers it: the server refuses, the page says why
  const other = await api(`/api/v1/events/${ev.body.id}/signups`, { method: 'POST', token: await worker(), body: { occurrence: day } });
  assert.equal(other.status, 201);
  await page.click(`${item} button[data-signup]`);
  await page.waitForSelector(`${item} .signup-msg.err`);
  assert.equal(await page.textContent(`${item} .signup-msg`), '名额已满，不能再报名。');
  const mine = await api(`/api/v1/events/${ev.body.id}/signups`, { method: 'POST', token: await pageToken(page), body: { occurrence: day } });
  assert.equal(mine.status, 409);
  assert.match(mine.body.message_en, /is full/);
  assert.equal(await page.$(`${item} button[data-signup]`), null, 'no sign-up button on a full event');
  await page.reload();
  await page.waitForSelector(item);
  assert.match(await page.textContent(item), /名额已满/);
  assert.equal(await page.$(`${item} button[data-signup]`), null);
  assert.equal(await signups(), 1);
  assert.deepEqual(errors, []);
  await ctx.close();
});

test('the meals page lists the kitchen without a station, nearest first as the API', async () => {
  const ctx = await context(browser, { lang: 'en', viewport: { width: 360, height: 740 } });
  const page = await ctx.newPage();
  await page.goto(`${BASE}/meals`);
  await page.waitForSelector('.meals .today-list[aria-busy=false]');
  const want = (await api(`/api/v1/offers?date=${TODAY}&near=${NEAR}&radius_m=50000`)).body.offers.map((o) => String(o.id));
  const got = await page.$$eval('.meals .today-item', (els) => els.map((e) => e.dataset.offer));
  assert.deepEqual(got, want);
  assert.ok(got.includes(String(fx.todayOffer.id)));
  assert.match(await page.textContent(`[data-offer="${fx.todayOffer.id}"]`), /测试(今日|周五)套餐 \(en\)/);
  await noSideScroll(page, 'meals in English');
  await axe(page, 'meals page');
  await ctx.close();
});

test('/meals and /meals/{id} are client routes: the app page with its security headers', async () => {
  for (const p of ['/meals', '/meals/', `/meals/${fx.todayOffer.id}`]) {
    const res = await fetch(BASE + p);
    assert.equal(res.status, 200, p);
    assert.match(res.headers.get('content-type'), /^text\/html/, p);
    assert.deepEqual(htmlHeaderProblems(Object.fromEntries(res.headers)), [], p);
    assert.match(await res.text(), /<main id="main"/, p);
  }
});
