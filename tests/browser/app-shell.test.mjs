// SPDX-License-Identifier: MIT
// app-shell.test.mjs - the worker app's shell and forms (issue 13): the rating and check-in
// forms, a position that never comes, offline filters and stations, the filter row and its
// summary, large text and English at 360 px, midnight, colons, Back, the empty search, the
// themes and the offline queue. Same set-up as app.test.mjs (run.sh starts the server with the
// demo city); every claim is checked against the API where the API can say it.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { takeProblems, waitFor } from './guard.mjs';
import { LANGS } from '../../web/src/i18n.js';
import { BASE, ATQ, launch, context, watch, api, rows, contrast, shot, shots } from './app-setup.mjs';

let browser;

before(async () => {
  browser = await launch();
});
afterEach(() => {
  assert.deepEqual(takeProblems(), [], 'CSP violations or outside requests');
});
after(async () => {
  if (browser) await browser.close();
  if (shots.length) console.log(`screenshots:\n${shots.map((s) => `  ${s}`).join('\n')}`);
});

/** Until the page's scroll position and height have not changed for 10 animation frames. */
async function settled(page) {
  await waitFor(page, () => {
    const now = `${window.scrollY} ${document.body.scrollHeight}`;
    if (window.yzSettle?.at !== now) window.yzSettle = { at: now, frames: 0 };
    return ++window.yzSettle.frames >= 10;
  }, null, { timeout: 10000 });
}

/** The header's rating text as util.js ratingText() would write it from the API's figures. */
function ratingOracle(r) {
  if (!r || r.avg === null || !r.count) return '暂无评分';
  return `★ ${Number(r.avg).toFixed(1)} · ${r.count} 条评价`;
}

async function unrated() {
  const { body } = await api('/api/v1/stations/nearby?lat=28.0154&lon=120.6553&k=100');
  const s = body.stations.filter((x) => !x.rating.count && x.status === 'open');
  assert.ok(s.length >= 3, 'the demo has unrated stations');
  return s;
}

test('rating form: nothing before a star; after sending it resets, thanks in view, header rating updated', async () => {
  const [s] = await unrated();
  const ctx = await context(browser);
  const page = await ctx.newPage();
  const errors = watch(page);
  let posts = 0;
  page.on('request', (r) => { if (r.method() === 'POST' && r.url().includes('/ratings')) posts++; });
  await page.goto(`${BASE}/station/${s.code}?at=${ATQ}`);
  await page.waitForSelector('.station h1');
  assert.equal(await page.locator('.station .rating').innerText(), '暂无评分');
  await page.click('button[aria-controls=p-rate]');
  await page.waitForSelector('.rate-more input[name=tag]', { state: 'attached' });
  assert.equal(await page.locator('.rate-more').isVisible(), false, 'the form is hidden before a star');
  assert.equal(await page.locator('.rate-more button[type=submit]').isVisible(), false);
  // forced open without a star (as a stale page might): the app says so and sends nothing
  await page.evaluate(() => { document.querySelector('.rate-more').hidden = false; });
  await page.click('.rate-more button[type=submit]');
  assert.match(await page.locator('.rate-msg').innerText(), /请先点星星/);
  assert.equal(posts, 0);
  await page.evaluate(() => { document.querySelector('.rate-more').hidden = true; });
  await page.click('button.star[data-stars="5"]');
  await page.waitForSelector('.rate-more:visible');
  await page.click('.rate-more input[value=clean]');
  await page.fill('.rate-more textarea', '干净，热水方便');
  await page.click('.rate-more button[type=submit]');
  await waitFor(page, () => /已提交|审核/.test(document.querySelector('.rate-msg')?.textContent || ''));
  assert.equal(await page.locator('.rate-more').isVisible(), false, 'the form closes');
  assert.equal(await page.locator('.rate-more textarea').inputValue(), '', 'the text is cleared');
  assert.equal(await page.locator('.rate-more input[name=tag]:checked').count(), 0, 'the tags are cleared');
  assert.ok(await page.locator('.rate-msg').evaluate((el) => {
    const r = el.getBoundingClientRect();
    return r.top >= 0 && r.bottom <= window.innerHeight;
  }), 'the thanks are in view');
  const { body: s1 } = await api(`/api/v1/stations/${s.code}`);
  assert.equal(s1.rating.count, 1);
  assert.equal(await page.locator('.station .rating').innerText(), ratingOracle(s1.rating));
  assert.notEqual(await page.locator('.station .rating').innerText(), '暂无评分');
  assert.deepEqual(errors, []);
  await ctx.close();
});

test('check-in: a done state that does not look disabled, and the prompt waits for a star', async () => {
  const [, s] = await unrated();
  const ctx = await context(browser);
  const page = await ctx.newPage();
  await page.goto(`${BASE}/s/${s.code}?at=${ATQ}`);
  await page.click('#checkin');
  await page.waitForSelector('.checkin-msg.ok');
  const b = page.locator('#checkin');
  assert.match(await b.innerText(), /已签到/);
  assert.equal(await b.isDisabled(), false);
  assert.equal(await b.evaluate((el) => getComputedStyle(el).opacity), '1');
  assert.equal(await page.locator('.rate-prompt .rate-more').isVisible(), false, 'no tags before a star');
  await page.click('.rate-prompt button.star[data-stars="3"]');
  await page.waitForSelector('.rate-prompt .rate-more:visible');
  const { body: s1 } = await api(`/api/v1/stations/${s.code}`);
  assert.equal(await page.locator('.station .rating').innerText(), ratingOracle(s1.rating));
  await shot(page, 'shell-checkin-done');
  await ctx.close();
});

test('position never comes: the list shows at once, and is re-sorted when it arrives', async () => {
  const ctx = await context(browser);
  // a browser that never answers (an ignored prompt), until the test answers for it; and
  // the app's long "give up waiting" timers never fire, so rows can only come from not waiting
  await ctx.addInitScript(() => {
    navigator.geolocation.getCurrentPosition = (ok) => { window.__geoOk = ok; };
    const st = window.setTimeout;
    window.setTimeout = (fn, ms, ...a) => (ms >= 5000 ? 0 : st(fn, ms, ...a));
  });
  const page = await ctx.newPage();
  await page.goto(`${BASE}/?at=${ATQ}`);
  const first = await rows(page);
  assert.ok(first.length > 0);
  assert.match(await page.locator('#notice').innerText(), /正在定位/);
  const there = { latitude: 27.9938, longitude: 120.6993 }; // a few km south-east
  await page.evaluate((c) => window.__geoOk({ coords: c }), there);
  await waitFor(page, () => /离你最近/.test(document.querySelector('#list-h')?.textContent));
  await waitFor(page, () => /重新排序/.test(document.querySelector('#notice')?.textContent));
  const { body } = await api(`/api/v1/stations/nearby?lat=${there.latitude}&lon=${there.longitude}&k=20&at=${ATQ}`);
  assert.deepEqual(await rows(page), body.stations.map((x) => x.code));
  // the next visit starts from that last known position. After a reload the page is only the
  // shell until the app draws the home: the predicates wait for the element (`?.`), they used
  // to throw "Cannot read properties of null" when the server answered slowly (a long run)
  await page.reload();
  await waitFor(page, () => /你上次的位置/.test(document.querySelector('#notice')?.textContent));
  assert.deepEqual(await rows(page), body.stations.map((x) => x.code));
  await ctx.close();
});

test('offline: chips keep their labels, filters work on the saved list, an unvisited station shows what the list knows', async () => {
  const ctx = await context(browser);
  const page = await ctx.newPage();
  await page.goto(`${BASE}/?at=${ATQ}`);
  await rows(page);
  await page.evaluate(() => navigator.serviceWorker.ready);
  if (!(await page.evaluate(() => !!navigator.serviceWorker.controller))) await page.reload();
  const online = await rows(page);
  const { body } = await api(`/api/v1/stations/nearby?lat=28.0154&lon=120.6553&k=20&at=${ATQ}`);
  assert.deepEqual(online, body.stations.map((x) => x.code));
  await ctx.setOffline(true);
  // a new page offline: the vocabulary is fetched again and fails, the phone's copy is used
  await page.evaluate(() => caches.delete('yz-data-1'));
  await page.reload();
  assert.deepEqual(await rows(page), online);
  assert.equal(await page.locator('button[data-filter=toilet]').innerText(), '卫生间');
  assert.equal(await page.locator('button[data-filter=hot_water]').innerText(), '热水');
  await page.click('button[data-filter=hot_water]');
  const want = body.stations.filter((x) => x.facilities.includes('hot_water')).map((x) => x.code);
  assert.ok(want.length > 0 && want.length < online.length, 'the filter changes the list');
  await waitFor(page, (n) => document.querySelectorAll('#list .row').length === n, want.length);
  assert.deepEqual(await rows(page), want);
  assert.match(await page.locator('#notice').innerText(), /离线/);
  await page.click('button[data-filter=hot_water]');
  // a station never opened: name, distance, status and navigation from the saved list
  const s = body.stations[body.stations.length - 1];
  await page.goto(`${BASE}/station/${s.code}?at=${ATQ}`);
  await page.waitForSelector('.station h1');
  assert.equal(await page.locator('.station h1').innerText(), s.name);
  assert.match(await page.locator('.station').innerText(), /米|公里/);
  assert.match(await page.locator('.station .big-status').innerText(), /开放|关门|暂停/);
  assert.equal(await page.locator('a[data-nav=amap]').getAttribute('href'), s.nav.amap);
  await ctx.setOffline(false);
  await ctx.close();
});

test('filters: open now and 24 hours in view at 360 px, a summary with clear all, shown on return', async () => {
  const ctx = await context(browser);
  const page = await ctx.newPage();
  await page.goto(`${BASE}/?at=${ATQ}`);
  await rows(page);
  for (const f of ['open_now', 'h24']) {
    const box = await page.locator(`button[data-filter=${f}]`).boundingBox();
    assert.ok(box.x >= 0 && box.x + box.width <= 360, `${f} chip in view: ${JSON.stringify(box)}`);
  }
  assert.equal(await page.locator('#filter-sum').isVisible(), false);
  await page.click('button[data-filter=toilet]');
  await page.click('button[data-filter=open_now]');
  await page.waitForSelector('#filter-sum:visible');
  assert.match(await page.locator('#filter-sum').innerText(), /现在开放、卫生间/);
  await page.evaluate(() => window.scrollTo(0, 1400));
  await page.waitForTimeout(100);
  assert.ok(await page.locator('#filter-sum').evaluate((el) => {
    const r = el.getBoundingClientRect();
    return r.top >= 0 && r.bottom <= window.innerHeight;
  }), 'the summary stays in view when scrolled');
  await page.reload();
  await rows(page);
  assert.match(await page.locator('#filter-sum').innerText(), /现在开放、卫生间/);
  await page.click('#clear-filters');
  await page.waitForSelector('#filter-sum', { state: 'hidden' });
  assert.equal(await page.locator('.chips button[aria-pressed=true]').count(), 0);
  assert.deepEqual(await page.evaluate(() => JSON.parse(localStorage.getItem('yz.filters'))), []);
  await ctx.close();
});

test('large text and English at 360 px: no stacked header words, no overflow, the button in view', async () => {
  const ctx = await context(browser);
  const page = await ctx.newPage();
  await page.goto(`${BASE}/?at=${ATQ}`);
  await rows(page);
  await page.click('#bigtext');
  const lines = (sel) => page.evaluate((s) => {
    const el = document.querySelector(s);
    const r = document.createRange();
    r.selectNodeContents(el);
    const tops = new Set([...r.getClientRects()].map((x) => Math.round(x.top)));
    return tops.size;
  }, sel);
  assert.equal(await lines('.brand [data-i18n=appName]'), 1, '驿站 on one line');
  assert.equal(await lines('#bigtext'), 1, '大字 on one line');
  await shot(page, 'shell-big-zh');
  await page.selectOption('#lang', 'en');
  await rows(page);
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth) <= 360, 'no sideways scroll');
  const b = await page.locator('#bigtext').boundingBox();
  assert.ok(b.x >= 0 && b.x + b.width <= 360, `Large text in view: ${JSON.stringify(b)}`);
  assert.equal(await lines('#bigtext'), 1);
  await page.click('#bigtext'); // normal size, English
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth) <= 360);
  await shot(page, 'shell-en');
  await ctx.close();
});

test('English has no full-width colons; closing at midnight reads 24:00', async () => {
  const walk = (o, at) => Object.entries(o).flatMap(([k, v]) => (typeof v === 'string' ? (/[：]/.test(v) ? [`${at}${k}`] : []) : walk(v, `${at}${k}.`)));
  assert.deepEqual(walk(LANGS.en, ''), [], 'English strings with ：');
  const at = '2026-11-30T22:00:00+08:00';
  const { body } = await api(`/api/v1/stations/nearby?lat=28.0154&lon=120.6553&k=100&at=${encodeURIComponent(at)}`);
  const s = body.stations.find((x) => x.open_now && /T00:00:00/.test(x.next_change || ''));
  assert.ok(s, 'a station closing at midnight');
  const ctx = await context(browser);
  const page = await ctx.newPage();
  await page.goto(`${BASE}/station/${s.code}?at=${encodeURIComponent(at)}`);
  await page.waitForSelector('.station h1');
  const st = await page.locator('.big-status').innerText();
  assert.match(st, /24:00 关门/);
  assert.doesNotMatch(st, /明天/);
  // English page text (station names and event titles come from the server and stay as typed)
  await page.selectOption('#lang', 'en');
  await waitFor(page, () => document.documentElement.lang === 'en');
  await page.waitForSelector('section[aria-labelledby=h-events] :is(ul, p)');
  await waitFor(page, () => !/Loading/.test(document.querySelector('.station').innerText));
  const texts = await page.evaluate(() => {
    const out = [];
    const w = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    while (w.nextNode()) if (/：/.test(w.currentNode.data)) out.push(w.currentNode.data);
    return out;
  });
  const fromServer = [s.name, s.address, ...(await api(`/api/v1/events?station=${s.id}&from=2026-11-30&to=2026-12-06`)).body.occurrences.map((o) => o.title)];
  assert.deepEqual(texts.filter((x) => !fromServer.some((f) => f && x.includes(f))), []);
  await ctx.close();
});

test('Back keeps the list\'s scroll; an empty search speaks of search words', async () => {
  const ctx = await context(browser);
  const page = await ctx.newPage();
  await page.goto(`${BASE}/?at=${ATQ}`);
  await rows(page);
  await page.locator('#list .row').nth(8).scrollIntoViewIfNeeded();
  // Rows drawn for the first time take their real height (content-visibility in app.css) a
  // frame or two after the scroll, and the click would scroll again to a row that moved: the
  // place the worker left from is where the page is once it has stopped changing.
  await settled(page);
  const y = await page.evaluate(() => window.scrollY);
  assert.ok(y > 300, `scrolled: ${y}`);
  const code = await page.locator('#list .row').nth(8).getAttribute('data-code');
  const top = await page.locator('#list .row').nth(8).evaluate((r) => r.getBoundingClientRect().top);
  await page.locator('#list .row').nth(8).locator('.row-link').click();
  await page.waitForSelector('.station h1');
  await page.goBack();
  await rows(page);
  await waitFor(page, (want) => Math.abs(window.scrollY - want) < 40, y, { timeout: 5000 });
  // and the row the worker tapped is where it was on the screen
  await settled(page);
  const back = await page.locator(`#list .row[data-code="${code}"]`).evaluate((r) => r.getBoundingClientRect().top);
  assert.ok(Math.abs(back - top) < 40, `the tapped row at ${back} px, was at ${top} px`);
  await page.fill('#q', 'zzqxjw');
  await page.click('form[role=search] button[type=submit]');
  await waitFor(page, () => /zzqxjw/.test(document.querySelector('#notice')?.textContent));
  const n = await page.locator('#notice').innerText();
  assert.match(n, /没有找到与“zzqxjw”相符的驿站/);
  assert.doesNotMatch(n, /拖动|筛选条件/);
  await ctx.close();
});

test('themes: system dark and high contrast, switchable and remembered, contrast passes in each', async () => {
  const code = (await unrated())[2].code;
  const ctx = await context(browser, { colorScheme: 'dark' });
  const page = await ctx.newPage();
  await page.goto(`${BASE}/?at=${ATQ}`);
  await rows(page);
  const bg = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  assert.equal(await bg(), 'rgb(18, 20, 23)', 'auto follows the system dark setting');
  await contrast(page, 'home, system dark');
  await shot(page, 'shell-dark');
  for (const [theme, want] of [['light', 'rgb(255, 255, 255)'], ['contrast', 'rgb(255, 255, 255)'], ['dark', 'rgb(18, 20, 23)']]) {
    await page.selectOption('#theme', theme);
    assert.equal(await bg(), want, theme);
    await contrast(page, `home, ${theme}`);
    await page.goto(`${BASE}/station/${code}?at=${ATQ}`);
    await page.waitForSelector('section[aria-labelledby=h-reviews] :is(ul, p:not(.loading))');
    await page.click('button[aria-controls=p-rate]');
    await page.click('button.star[data-stars="4"]');
    await page.waitForSelector('.rate-more:visible');
    await contrast(page, `station, ${theme}`);
    await page.goto(`${BASE}/?at=${ATQ}`);
    await rows(page);
    assert.equal(await page.locator('#theme').inputValue(), theme, 'remembered');
  }
  if (await page.evaluate(() => document.documentElement.dataset.theme) === 'dark') await shot(page, 'shell-dark-pinned');
  await ctx.close();
  // the system's "more contrast" setting, with the theme left on auto
  const ctx2 = await context(browser, { contrast: 'more' });
  const p2 = await ctx2.newPage();
  // Playwright 1.49 (Node.js 18) ignores the `contrast` option (1.51 added it): set the media
  // feature through the DevTools protocol as well.
  await (await ctx2.newCDPSession(p2)).send('Emulation.setEmulatedMedia',
    { features: [{ name: 'prefers-contrast', value: 'more' }] });
  await p2.goto(`${BASE}/?at=${ATQ}`);
  await rows(p2);
  assert.equal(await p2.evaluate(() => getComputedStyle(document.querySelector('.bar')).backgroundColor), 'rgb(0, 0, 0)');
  await contrast(p2, 'home, system more contrast');
  await ctx2.close();
});

test('offline queue: a check-in, a rating and a report made offline are sent once when the network returns', async () => {
  const [, , , s] = await unrated();
  const visits = async () => (await api('/api/v1/stats/visits?group_by=station')).body.rows.find((r) => r.key === s.code)?.visits || 0;
  const reports = async () => (await api(`/api/v1/stations/${s.id}/reports`)).body;
  const v0 = await visits();
  const r0 = JSON.stringify(await reports()).match(/离线时写的/g)?.length || 0;
  const ctx = await context(browser);
  const page = await ctx.newPage();
  await page.goto(`${BASE}/s/${s.code}?at=${ATQ}`);
  await page.waitForSelector('#checkin');
  await ctx.setOffline(true);
  await page.click('#checkin');
  await page.waitForSelector('#queue:visible');
  assert.match(await page.locator('.checkin-msg').innerText(), /联网后自动发送/);
  await page.click('.rate-prompt button.star[data-stars="2"]');
  await waitFor(page, () => /联网后/.test(document.querySelector('.rate-prompt .rate-msg').textContent));
  await page.click('button[aria-controls=p-report]');
  await page.waitForSelector('#svc');
  await page.selectOption('#svc', 'dirty');
  await page.fill('#rdesc', '离线时写的');
  await page.click('form.report button[type=submit]');
  await waitFor(page, () => /联网后/.test(document.querySelector('form.report [role=status]').textContent));
  assert.match(await page.locator('#queue').innerText(), /等待发送.*签到.*评分.*问题报告/s);
  assert.equal(await page.evaluate(() => JSON.parse(localStorage.getItem('yz.queue')).length), 3);
  assert.equal(await visits(), v0, 'nothing sent while offline');
  await ctx.setOffline(false);
  await waitFor(page, () => JSON.parse(localStorage.getItem('yz.queue') || '[]').length === 0);
  await waitFor(page, () => /已发送/.test(document.querySelector('#queue')?.textContent));
  // a reload (and another 'online') sends nothing again
  await page.reload();
  await page.waitForSelector('#checkin');
  await page.evaluate(() => window.dispatchEvent(new Event('online')));
  await page.waitForTimeout(500);
  assert.equal(await visits(), v0 + 1, 'exactly one visit');
  const { body: st } = await api(`/api/v1/stations/${s.code}`);
  assert.equal(st.rating.count, 1, 'exactly one rating');
  assert.equal(st.rating.avg, 2, 'the queued stars');
  const r1 = JSON.stringify(await reports()).match(/离线时写的/g)?.length || 0;
  assert.equal(r1, r0 + 1, 'exactly one report');
  await ctx.close();
});
