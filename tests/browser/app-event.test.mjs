// SPDX-License-Identifier: MIT
// app-event.test.mjs - the event page (/event/{id}, web/src/event.js), what a shared event link
// opens (issue 14 point 6), in Debian's Chromium against the server run.sh started with the
// demo city: a demo event found through the API, its title, day and time, station, distance
// and navigation checked against the API; sign-up and cancel counted by the API; 360 px, axe,
// English and 繁體; an unknown and a cancelled event say so. Sign-ups run at the server's real time.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { takeProblems, waitFor } from './guard.mjs';
import { BASE, ADMIN, POS, NEAR, TODAY, addDays, launch, context, watch, api, pageToken, axe, shot, shots, noSideScroll } from './app-setup.mjs';

const WEEKDAY = ['周日', '周一', '周二', '周三', '周四', '周五', '周六'];
/** The day as the page must name it: 今天, 明天, else "MM-DD 周X". */
const dayWord = (d) => (d === TODAY ? '今天' : d === addDays(TODAY, 1) ? '明天' : `${d.slice(5)} ${WEEKDAY[new Date(`${d}T00:00:00Z`).getUTCDay()]}`);
let browser;
const fx = {};

before(async () => {
  assert.ok(ADMIN, 'YIZHAN_ADMIN_TOKEN is set by run.sh');
  browser = await launch();
  // a demo event near the worker with a place left, at its first occurrence still to come
  const occ = (await api(`/api/v1/events?from=${TODAY}&to=${addDays(TODAY, 7)}&near=${NEAR}&radius_m=20000&limit=500`)).body.occurrences;
  const seen = new Set();
  for (const o of occ) {
    if (seen.has(o.event_id)) continue;
    seen.add(o.event_id);
    if (Date.parse(o.starts_at) > Date.now() + 3600e3 && (o.capacity === null || o.signed_up < o.capacity - 1)) { fx.occ = o; break; }
  }
  assert.ok(fx.occ, 'precondition: the demo city has an event near the worker this week with places left');
  fx.ev = (await api(`/api/v1/events/${fx.occ.event_id}`)).body;
  fx.st = (await api(`/api/v1/stations/${encodeURIComponent(fx.occ.station.code)}`)).body;
});
afterEach(() => { assert.deepEqual(takeProblems(), [], 'CSP violations or outside requests'); });
after(async () => {
  if (browser) await browser.close();
  if (shots.length) console.log(`screenshots:\n${shots.map((s) => `  ${s}`).join('\n')}`);
});

test('a demo event: title, day and time, station, distance, navigation, poster, as the API says; 360 px, axe', async () => {
  const { occ, ev, st } = fx;
  const ctx = await context(browser);
  const page = await ctx.newPage();
  const errors = watch(page);
  await page.goto(`${BASE}/event/${ev.id}`);
  const item = `.event-page [data-event="${occ.event_id}:${occ.occurrence}"]`;
  await page.waitForSelector(item);
  assert.equal(await page.textContent('.event-page h1'), ev.title);
  assert.equal(ev.title, occ.title);
  // the occurrence's day (今天/明天/date) and its local time, from the listing
  assert.match(await page.textContent(`${item} .ev-time`), new RegExp(`^${dayWord(occ.occurrence)} ${occ.starts_at.slice(11, 16)}–${occ.ends_at.slice(11, 16)}$`));
  if (ev.kind === 'weekly') assert.match(await page.textContent('#ev-when'), new RegExp(`${ev.weekly.start}–${ev.weekly.end}`));
  else assert.match(await page.textContent('#ev-when'), new RegExp(`${dayWord(ev.starts_at.slice(0, 10))} ${ev.starts_at.slice(11, 16)}`));
  // the station: its name, its page, the distance the API measures from the same point
  assert.equal(await page.textContent('#ev-station'), st.name);
  assert.equal(await page.getAttribute('#ev-station', 'href'), `/station/${encodeURIComponent(st.code)}`);
  await waitFor(page, () => document.querySelector('.ev-dist')?.textContent.includes('距你'));
  const dist = await page.textContent('.ev-dist');
  const m = dist.match(/距你 ([\d.]+) (米|公里)/);
  assert.ok(m, dist);
  const shown = Number(m[1]) * (m[2] === '公里' ? 1000 : 1);
  assert.ok(Math.abs(shown - occ.distance_m) <= Math.max(2, occ.distance_m * 0.01) + (m[2] === '公里' ? 50 : 0),
    `distance ${dist} vs the API's ${occ.distance_m} m`);
  // the description, as text
  if (ev.description) assert.equal(await page.textContent('.ev-desc'), ev.description);
  // navigation: the station page's map links, the ones the API gives
  await page.click('button[aria-controls=p-nav]');
  await page.waitForSelector('#p-nav a[data-nav]');
  const navs = await page.$$eval('#p-nav a[data-nav]', (els) => els.map((e) => [e.dataset.nav, e.getAttribute('href')]));
  assert.deepEqual(navs, ['amap', 'baidu', 'tencent', 'apple'].filter((k) => st.nav && st.nav[k]).map((k) => [k, st.nav[k]]));
  // seats left, from the listing's counts
  if (occ.capacity !== null) assert.match(await page.textContent(item), new RegExp(`余 ${occ.capacity - occ.signed_up} 个名额`));
  // the poster: a PNG the server draws, in the page's language
  const href = await page.getAttribute('#ev-poster', 'href');
  assert.equal(href, `/api/v1/events/${ev.id}/poster.png?lang=zh-Hans`);
  assert.equal(await page.textContent('#ev-poster'), '海报 / Poster');
  const png = await api(href);
  assert.equal(png.status, 200);
  assert.equal(png.type, 'image/png');
  assert.doesNotMatch(await page.textContent('main'), /null|undefined|NaN/);
  await noSideScroll(page, 'event page');
  await axe(page, 'event page');
  await shot(page, 'event', { full: true });
  // Back to home
  await page.click('.event-page .back a');
  await page.waitForSelector('#list');
  assert.equal(new URL(page.url()).pathname, '/');
  assert.deepEqual(errors, []);
  await ctx.close();
});

test('sign up and cancel on the event page, counted by the API', async () => {
  const { occ } = fx;
  const count = async () => (await api(`/api/v1/events/${occ.event_id}/signups?occurrence=${occ.occurrence}`, { token: ADMIN })).body.signups.length;
  const before0 = await count();
  const ctx = await context(browser);
  const page = await ctx.newPage();
  const errors = watch(page);
  await page.goto(`${BASE}/event/${occ.event_id}`);
  const item = `.event-page [data-event="${occ.event_id}:${occ.occurrence}"]`;
  await page.waitForSelector(`${item} button[data-signup]`);
  assert.equal(await page.textContent(`${item} button[data-signup]`), '报名');
  await page.click(`${item} button[data-signup]`);
  await waitFor(page, (sel) => document.querySelector(sel)?.textContent.includes('已报名'), item);
  assert.equal(await count(), before0 + 1);
  // the page's worker is the one signed up: a second sign-up with its token is refused
  const again = await api(`/api/v1/events/${occ.event_id}/signups`, { method: 'POST', token: await pageToken(page), body: { occurrence: occ.occurrence } });
  assert.equal(again.status, 409);
  assert.equal(await page.textContent(`${item} button[data-signup]`), '取消报名');
  await page.click(`${item} button[data-signup]`);
  await waitFor(page, (sel) => document.querySelector(sel)?.querySelector('button[data-signup]')?.textContent === '报名', item);
  assert.equal(await count(), before0);
  assert.deepEqual(errors, []);
  await ctx.close();
});

test('English at 360 px: no sideways scroll, the poster in English', async () => {
  const ctx = await context(browser, { lang: 'en' });
  const page = await ctx.newPage();
  const errors = watch(page);
  await page.goto(`${BASE}/event/${fx.ev.id}`);
  await page.waitForSelector('.event-page .ev-occs, .event-page .ev-none');
  assert.equal(await page.textContent('#ev-poster'), 'Poster');
  assert.equal(await page.getAttribute('#ev-poster', 'href'), `/api/v1/events/${fx.ev.id}/poster.png?lang=en`);
  assert.match(await page.textContent('#ev-when'), /^When: /);
  await noSideScroll(page, 'event page in English');
  await axe(page, 'event page in English');
  await shot(page, 'event-en', { full: true });
  assert.deepEqual(errors, []);
  await ctx.close();
});

test('繁體中文: the title the API gives in 繁體, the labels in 繁體', async () => {
  const { occ } = fx;
  const hant = (await api(`/api/v1/events?station=${encodeURIComponent(occ.station.code)}&from=${occ.occurrence}&to=${occ.occurrence}&lang=zh-Hant`))
    .body.occurrences.find((o) => o.event_id === occ.event_id);
  const ctx = await context(browser, { lang: 'zh-Hant' });
  const page = await ctx.newPage();
  const errors = watch(page);
  await page.goto(`${BASE}/event/${occ.event_id}`);
  await page.waitForSelector(`.event-page [data-event="${occ.event_id}:${occ.occurrence}"]`);
  assert.equal(await page.textContent('.event-page h1'), hant.title);
  assert.match(await page.textContent('#ev-when'), /^時間：/);
  assert.equal(await page.textContent('#ev-poster'), '海報 / Poster');
  assert.equal(await page.getAttribute('#ev-poster', 'href'), `/api/v1/events/${occ.event_id}/poster.png?lang=zh-Hant`);
  await noSideScroll(page, 'event page in 繁體');
  assert.deepEqual(errors, []);
  await ctx.close();
});

test('an unknown and a cancelled event: not found, with the way home', async () => {
  const st = fx.st;
  const day = addDays(TODAY, 2);
  const ev = await api('/api/v1/events', { method: 'POST', token: ADMIN, body: { station: st.code, title: '测试取消的活动',
    category: 'activity', starts_at: `${day}T14:00:00+08:00`, ends_at: `${day}T15:00:00+08:00` } });
  assert.equal(ev.status, 201, JSON.stringify(ev.body));
  assert.equal((await api(`/api/v1/events/${ev.body.id}`, { method: 'DELETE', token: ADMIN })).status < 300, true);
  assert.equal((await api('/api/v1/events/999999999')).status, 404);
  const ctx = await context(browser);
  const page = await ctx.newPage();
  const errors = watch(page);
  for (const id of ['999999999', String(ev.body.id), 'abc']) {
    await page.goto(`${BASE}/event/${id}`);
    await page.waitForSelector('.event-page .msg.error');
    assert.equal(await page.textContent('.event-page .msg.error p'), '没有找到这个活动，或活动已取消。', id);
    assert.equal(await page.$('.event-page button[data-signup]'), null);
    assert.ok(await page.$('.event-page a.btn[href="/"]'), 'a link home');
  }
  await noSideScroll(page, 'event not found');
  await axe(page, 'event not found');
  assert.deepEqual(errors, []);
  await ctx.close();
});
