// SPDX-License-Identifier: MIT
// app-live.test.mjs - the worker app's live status (issue 14 point 2; web/src/live.js), in
// Debian's Chromium against the server run.sh started (demo city, --live-max-age 120).
// Devices are registered at stations near the worker through the API (the admin's token) and
// readings are posted signed with each device's key (HMAC-SHA256 as a device signs,
// docs/internals/live.md); the rows and the station page must then show the values the API
// answers: a fresh cabinet's count, people and seats, a device out of order by name; a
// cabinet whose last reading is older than the max age and one never heard from as unknown,
// never a number; the "charged battery" chip's list equal to the API's `live=charged` list,
// its empty state, and fresh values when the page is shown again. 360 px, axe, 繁體 and
// English. The devices are deleted at the end (the later files see the demo city as it was).
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { takeProblems, waitFor } from './guard.mjs';
import { BASE, ADMIN, ATQ, POS, launch, context, watch, api, rows, axe, shot, shots, noSideScroll } from './app-setup.mjs';

let browser;
const fx = { devices: [] };
const seqs = new Map();

/** A device at station `code` (the admin's token): {id, key}. */
async function addDevice(code, kind) {
  const r = await api(`/api/v1/stations/${encodeURIComponent(code)}/devices`, { method: 'POST', token: ADMIN, body: { kind, name: `测试 ${kind}` } });
  assert.equal(r.status, 201, r.text);
  fx.devices.push(r.body.id);
  return { id: r.body.id, key: r.body.key };
}

/** One reading of `dev`, measured `agoS` seconds ago, signed as the device signs. */
async function post(dev, values, agoS = 0) {
  const seq = (seqs.get(dev.id) || 0) + 1;
  seqs.set(dev.id, seq);
  const body = JSON.stringify({ seq, ts: Date.now() - agoS * 1000, values });
  const ts = String(Math.floor(Date.now() / 1000));
  const nonce = crypto.randomBytes(18).toString('base64url');
  const sig = crypto.createHmac('sha256', dev.key)
    .update(`POST\n/api/v1/devices/${dev.id}/readings\n${ts}\n${nonce}\n${body}`).digest('hex');
  const res = await fetch(`${BASE}/api/v1/devices/${dev.id}/readings`, { method: 'POST', body,
    headers: { 'Content-Type': 'application/json', 'X-Yizhan-Timestamp': ts, 'X-Yizhan-Nonce': nonce, 'X-Yizhan-Signature': sig } });
  const text = await res.text();
  assert.equal(res.status, 200, text);
  assert.equal(JSON.parse(text).stored, 1, text);
}

// The app asks for 20 stations near the worker at the fixed time; the same query here.
const NEARBY = `/api/v1/stations/nearby?lat=${POS.latitude.toFixed(6)}&lon=${POS.longitude.toFixed(6)}&k=20&at=${ATQ}`;
const nearby = async (extra = '') => (await api(NEARBY + extra)).body.stations;
const station = async (code) => (await api(`/api/v1/stations/${encodeURIComponent(code)}?at=${ATQ}`)).body;

// The texts the page must show, written here from the API's values (the oracle).
const AGO = {
  'zh-Hans': (s) => (s < 60 ? `${s} 秒前` : s < 3600 ? `${Math.floor(s / 60)} 分钟前` : `${Math.floor(s / 3600)} 小时前`),
  'zh-Hant': (s) => (s < 60 ? `${s} 秒前` : s < 3600 ? `${Math.floor(s / 60)} 分鐘前` : `${Math.floor(s / 3600)} 小時前`),
  en: (s) => (s < 60 ? `${s} s ago` : s < 3600 ? `${Math.floor(s / 60)} min ago` : `${Math.floor(s / 3600)} h ago`),
};
/** The age texts possible between two answers of the API (ages a and b, a ≤ b). */
const agesBetween = (l, a, b) => { const out = new Set(); for (let s = a; s <= b + 1; s++) out.add(AGO[l](s)); return out; };

before(async () => {
  assert.ok(ADMIN, 'YIZHAN_ADMIN_TOKEN is set by run.sh');
  browser = await launch();
  const list = await nearby();
  assert.ok(list.length >= 5, 'precondition: the demo city has stations near the worker');
  assert.ok(list.every((s) => s.live === undefined), 'precondition: no station near the worker has devices yet');
  // four stations of the list: A fresh values and a fault, B a stale cabinet, C an empty
  // cabinet (known, 0 charged), D a cabinet never heard from
  [fx.A, fx.B, fx.C, fx.D] = list.slice(0, 4).map((s) => s.code);
  fx.cabA = await addDevice(fx.A, 'battery_cabinet');
  fx.cntA = await addDevice(fx.A, 'people_counter');
  fx.acA = await addDevice(fx.A, 'air_conditioner');
  fx.cabB = await addDevice(fx.B, 'battery_cabinet');
  fx.cabC = await addDevice(fx.C, 'battery_cabinet');
  fx.cabD = await addDevice(fx.D, 'battery_cabinet');
  await post(fx.cabA, { charged: 5, slots: 12 });
  await post(fx.cntA, { inside: 3, seats_free: 8 });
  await post(fx.acA, { on: 1, temp_c: 27.5, fault: 1 });
  await post(fx.cabB, { charged: 7, slots: 10 }, 200); // older than the max age (120 s)
  await post(fx.cabC, { charged: 0, slots: 10 });
});
afterEach(() => { assert.deepEqual(takeProblems(), [], 'CSP violations or outside requests'); });
after(async () => {
  for (const id of fx.devices) await api(`/api/v1/devices/${id}`, { method: 'DELETE', token: ADMIN });
  if (browser) await browser.close();
  if (shots.length) console.log(`screenshots:\n${shots.map((s) => `  ${s}`).join('\n')}`);
});

/** The row's live line of station `code`, as the worker reads it. */
const rowLive = (page, code) => page.$eval(`#list .row[data-code="${code}"]`, (r) => r.querySelector('.live-line')?.textContent ?? null);

/** The row line the API's `live` must give (without its age), and the age it shows. */
function expectRow(live, l = 'zh-Hans') {
  const T = {
    'zh-Hans': { bat: (v) => `${v.value}/${v.slots} 可换电`, batU: '满电电池 未知', ppl: (v) => `${v.value} 人在站内`, pplU: '站内人数 未知', seat: (v) => `空座 ${v.value}`, seatU: '空座位 未知', ac: '⚠空调故障' },
    en: { bat: (v) => `${v.value}/${v.slots} charged`, batU: 'Charged batteries unknown', ppl: (v) => `${v.value} inside`, pplU: 'People inside unknown', seat: (v) => `${v.value} seats free`, seatU: 'Free seats unknown', ac: '⚠Air conditioner out of order' },
  }[l];
  const k = (v) => v && !v.unknown && v.value !== null;
  const parts = [];
  const ages = [];
  for (const [m, ok, unk] of [['batteries_charged', T.bat, T.batU], ['people_inside', T.ppl, T.pplU], ['seats_free', T.seat, T.seatU]]) {
    const v = live[m];
    if (!v) continue;
    parts.push(k(v) ? ok(v) : unk);
    if (k(v)) ages.push(v.age_s);
  }
  if (live.out_of_order.length === 1 && live.out_of_order[0].kind === 'air_conditioner') parts.push(T.ac);
  else assert.equal(live.out_of_order.length, 0, 'the test knows one fault text');
  return { text: parts.join(' · '), age: ages.length ? Math.max(...ages) : null };
}

/** The row's line equals the API's values, its age between two answers of the API. */
function checkRow(shown, before, after, l = 'zh-Hans') {
  const e0 = expectRow(before, l), e1 = expectRow(after, l);
  assert.equal(e0.text, e1.text, 'the values did not change between the two answers');
  if (e0.age === null) { assert.equal(shown, e0.text); return; }
  const ages = agesBetween(l, e0.age, e1.age);
  assert.ok([...ages].some((a) => shown === `${e0.text} · ${a}`), `row: "${shown}", expected "${e0.text} · ${[...ages].join('|')}"`);
}

test('rows: live values as the API says them, unknown when stale or never reported; 360 px, axe', async () => {
  const ctx = await context(browser);
  const page = await ctx.newPage();
  const errors = watch(page);
  const before = new Map((await nearby()).filter((s) => s.live).map((s) => [s.code, s.live]));
  await page.goto(`${BASE}/?at=${ATQ}`);
  await rows(page);
  await waitFor(page, (c) => !!document.querySelector(`#list .row[data-code="${c}"] .live-line`), fx.A);
  const shown = {};
  for (const c of [fx.A, fx.B, fx.C, fx.D]) shown[c] = await rowLive(page, c);
  const after = new Map((await nearby()).filter((s) => s.live).map((s) => [s.code, s.live]));
  assert.deepEqual([...after.keys()].sort(), [fx.A, fx.B, fx.C, fx.D].sort(), 'the API: live on the four stations');
  // the API itself: what the devices sent, the stale and the never-seen cabinet unknown
  const a = after.get(fx.A);
  assert.deepEqual([a.batteries_charged.value, a.batteries_charged.slots, a.people_inside.value, a.seats_free.value], [5, 12, 3, 8]);
  assert.deepEqual(a.out_of_order.map((o) => o.kind), ['air_conditioner']);
  assert.equal(after.get(fx.B).batteries_charged.unknown, true);
  assert.ok(after.get(fx.B).batteries_charged.age_s >= 200, 'B: its age is kept');
  assert.equal(after.get(fx.D).batteries_charged.age_s, null);
  for (const c of [fx.A, fx.B, fx.C, fx.D]) checkRow(shown[c], before.get(c), after.get(c));
  // unknown is a word, never a number
  assert.doesNotMatch(shown[fx.B], /\d/, 'B: a stale count shows no number');
  assert.doesNotMatch(shown[fx.D], /\d/, 'D: a cabinet never heard from shows no number');
  // stations without devices have no line
  const other = (await nearby()).find((s) => !s.live);
  if (other) assert.equal(await rowLive(page, other.code), null);
  await noSideScroll(page, 'home with live rows');
  await page.$eval(`#list .row[data-code="${fx.A}"]`, (r) => r.scrollIntoView({ block: 'start' }));
  await shot(page, 'live-list');
  await axe(page, 'home with live rows');
  assert.deepEqual(errors, []);
  await ctx.close();
});

test('station page: each value with its age, devices out of order by name; stale as unknown; refreshed when shown again', async () => {
  const ctx = await context(browser);
  const page = await ctx.newPage();
  const errors = watch(page);
  const b0 = await station(fx.A);
  await page.goto(`${BASE}/station/${fx.A}?at=${ATQ}`);
  await page.waitForSelector('#live-box .live-metric');
  const metric = (m) => page.$eval(`#live-box [data-metric="${m}"]`, (li) => [li.querySelector('.live-value').textContent, li.querySelector('.live-when').textContent]);
  const got = { bat: await metric('batteries_charged'), ppl: await metric('people_inside'), seat: await metric('seats_free') };
  const ooo = await page.$$eval('#live-box .live-ooo', (els) => els.map((e) => [e.dataset.kind, e.textContent]));
  const b1 = await station(fx.A);
  const L = b1.live;
  assert.equal(got.bat[0], `${L.batteries_charged.value}/${L.batteries_charged.slots} 可换电`);
  assert.equal(got.ppl[0], String(L.people_inside.value));
  assert.equal(got.seat[0], String(L.seats_free.value));
  for (const [k, m] of [['bat', 'batteries_charged'], ['ppl', 'people_inside'], ['seat', 'seats_free']]) {
    const ages = agesBetween('zh-Hans', b0.live[m].age_s, L[m].age_s);
    assert.ok([...ages].some((x) => got[k][1] === `${x}更新`), `${m}: "${got[k][1]}"`);
  }
  assert.equal(ooo.length, L.out_of_order.length);
  assert.equal(ooo[0][0], 'air_conditioner');
  assert.match(ooo[0][1], /^⚠ 空调故障 \d+ 秒前更新$/);
  await noSideScroll(page, 'station with live');
  await page.$eval('#live-box', (e) => e.scrollIntoView({ block: 'center' }));
  await shot(page, 'live-station');
  await axe(page, 'station with live');

  // a new reading, then the app hidden and shown again (the phone unlocked): the new count
  await post(fx.cabA, { charged: 9, slots: 12 });
  assert.equal((await station(fx.A)).live.batteries_charged.value, 9);
  await page.evaluate(() => {
    let vis = 'hidden';
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => vis });
    document.dispatchEvent(new Event('visibilitychange'));
    vis = 'visible';
    document.dispatchEvent(new Event('visibilitychange'));
  });
  await waitFor(page, () => document.querySelector('#live-box [data-metric="batteries_charged"] .live-value')?.textContent === '9/12 可换电');

  // the stale cabinet: unknown, with how long ago it last reported
  const sb0 = await station(fx.B);
  await page.goto(`${BASE}/station/${fx.B}?at=${ATQ}`);
  await page.waitForSelector('#live-box .live-metric');
  const stale = await metric('batteries_charged');
  const sb1 = await station(fx.B);
  assert.equal(sb1.live.batteries_charged.unknown, true);
  assert.equal(stale[0], '未知');
  assert.ok([...agesBetween('zh-Hans', sb0.live.batteries_charged.age_s, sb1.live.batteries_charged.age_s)].some((x) => stale[1] === `${x}更新`), stale[1]);
  assert.match(stale[1], /分钟前更新$/);
  assert.equal(await page.textContent('#live-box .live-ooo-none'), '没有设备报告故障');
  // never heard from
  await page.goto(`${BASE}/station/${fx.D}?at=${ATQ}`);
  await page.waitForSelector('#live-box .live-metric');
  assert.deepEqual(await metric('batteries_charged'), ['未知', '从未报告']);
  // a station without devices has no live block
  const plain = (await nearby()).find((s) => !s.live);
  await page.goto(`${BASE}/station/${plain.code}?at=${ATQ}`);
  await page.waitForSelector('.station h1');
  assert.equal(await page.$('#live-box .live-block'), null);
  assert.deepEqual(errors, []);
  await ctx.close();
});

test('the "charged battery" chip: the list is the API\'s live=charged list; its empty state says why; refreshed when shown again', async () => {
  await post(fx.cabA, { charged: 5, slots: 12 });
  const ctx = await context(browser);
  const page = await ctx.newPage();
  const errors = watch(page);
  await page.goto(`${BASE}/?at=${ATQ}`);
  await rows(page);
  const chip = page.locator('button[data-filter="charged"]');
  assert.equal(await chip.textContent(), '有满电电池');
  await chip.click();
  assert.equal(await chip.getAttribute('aria-pressed'), 'true');
  await waitFor(page, () => document.querySelector('#list')?.getAttribute('aria-busy') === 'false'
    && [...document.querySelectorAll('#list .row')].every((r) => r.querySelector('.live-line')));
  const shown = await page.$$eval('#list .row', (els) => els.map((e) => e.dataset.code));
  const want = (await nearby('&live=charged')).map((s) => s.code);
  assert.deepEqual(shown, want, 'the chip lists what live=charged answers');
  assert.deepEqual(want, [fx.A], 'only A has a known charged battery (B stale, C empty, D never reported)');
  assert.match(await page.textContent('#filter-sum'), /有满电电池/);

  // no charged battery anywhere: the empty state says why
  await post(fx.cabA, { charged: 0, slots: 12 });
  assert.deepEqual(await nearby('&live=charged'), []);
  const showAgain = () => page.evaluate(() => {
    let vis = 'hidden';
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => vis });
    document.dispatchEvent(new Event('visibilitychange'));
    vis = 'visible';
    document.dispatchEvent(new Event('visibilitychange'));
  });
  await showAgain();
  await waitFor(page, () => document.querySelectorAll('#list .row').length === 0);
  assert.match(await page.textContent('#notice'), /附近没有已知有满电电池的驿站：只列出换电柜最近报告过有满电电池的驿站/);
  await axe(page, 'charged filter, empty');
  // a charged battery again, and the page shown again: A is back
  await post(fx.cabA, { charged: 4, slots: 12 });
  await showAgain();
  await waitFor(page, (c) => [...document.querySelectorAll('#list .row')].map((r) => r.dataset.code).join() === c, fx.A);
  assert.match(await rowLive(page, fx.A), /^4\/12 可换电 · /);
  // the filter is remembered like the others; clear all turns it off
  await page.click('#clear-filters');
  assert.equal(await chip.getAttribute('aria-pressed'), 'false');
  assert.deepEqual(errors, []);
  await ctx.close();
});

test('English and 繁體 at 360 px: the chip, unknown as a word, no sideways scroll', async () => {
  const ctx = await context(browser, { lang: 'en', locale: 'en-US' });
  const page = await ctx.newPage();
  const errors = watch(page);
  const before = new Map((await nearby()).filter((s) => s.live).map((s) => [s.code, s.live]));
  await page.goto(`${BASE}/?at=${ATQ}`);
  await rows(page);
  await waitFor(page, (c) => !!document.querySelector(`#list .row[data-code="${c}"] .live-line`), fx.A);
  const shownA = await rowLive(page, fx.A), shownB = await rowLive(page, fx.B);
  const after = new Map((await nearby()).filter((s) => s.live).map((s) => [s.code, s.live]));
  checkRow(shownA, before.get(fx.A), after.get(fx.A), 'en');
  checkRow(shownB, before.get(fx.B), after.get(fx.B), 'en');
  assert.equal(await page.textContent('button[data-filter="charged"]'), 'Charged battery now');
  await noSideScroll(page, 'English home');
  // no live line wider than its row
  const over = await page.$$eval('#list .live-line', (els) => els.filter((e) => e.scrollWidth > e.clientWidth + 1).length);
  assert.equal(over, 0, 'English live lines do not overflow');
  await page.goto(`${BASE}/station/${fx.B}?at=${ATQ}`);
  await page.waitForSelector('#live-box .live-metric');
  assert.equal(await page.textContent('#live-box [data-metric="batteries_charged"] .live-value'), 'unknown');
  await noSideScroll(page, 'English station');
  await page.goto(`${BASE}/station/${fx.A}?at=${ATQ}`);
  await page.waitForSelector('#live-box .live-ooo');
  assert.match(await page.textContent('#live-box .live-ooo'), /^⚠ Air conditioner out of order updated \d+ s ago$/);
  await noSideScroll(page, 'English station A');
  await shot(page, 'live-station-en');
  assert.deepEqual(errors, []);
  await ctx.close();

  const hant = await context(browser, { lang: 'zh-Hant', locale: 'zh-TW' });
  const p2 = await hant.newPage();
  const e2 = watch(p2);
  await p2.goto(`${BASE}/station/${fx.A}?at=${ATQ}`);
  await p2.waitForSelector('#live-box .live-ooo');
  assert.match(await p2.textContent('#live-box .live-ooo'), /^⚠ 冷氣故障 \d+ 秒前更新$/);
  assert.equal(await p2.textContent('#h-live'), '即時狀態');
  await p2.goto(`${BASE}/station/${fx.D}?at=${ATQ}`);
  await p2.waitForSelector('#live-box .live-metric');
  assert.equal(await p2.textContent('#live-box [data-metric="batteries_charged"] .live-value'), '未知');
  await p2.goto(`${BASE}/?at=${ATQ}`);
  await rows(p2);
  assert.equal(await p2.textContent('button[data-filter="charged"]'), '有滿電電池');
  await noSideScroll(p2, '繁體 home');
  assert.deepEqual(e2, []);
  await hant.close();
});
