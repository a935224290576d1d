// SPDX-License-Identifier: MIT
// inspect.test.mjs - the inspection form (web/shared/inspect-form.js) in Debian's Chromium: an
// experience officer on a 360 px phone becomes an officer (the admin enters the code through
// the API), checks in, scores half the 八有 criteria, loses the network, scores the rest with
// photos, submits (queued, "等待网络"), reloads offline (the draft and the queue survive),
// gets the network back: one inspection with that client_id, scores as entered, the photos
// stored; a second submit changes nothing. Then a staff inspector in the console. Every claim
// is checked through the API.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import zlib from 'node:zlib';
import { guard, takeProblems, waitFor } from './guard.mjs';
import { BASE, ADMIN, launch, axe, shots, watch, login, apiAs, makeUser, noSideScroll, context as consoleContext } from './console.mjs';

const ADMIN_TOKEN = process.env.YIZHAN_ADMIN_TOKEN;
let browser;
before(async () => { browser = await launch(); });
afterEach(() => { assert.deepEqual(takeProblems(), [], 'CSP violations or outside requests'); });
after(async () => {
  if (browser) await browser.close();
  if (shots.length) console.log(`screenshots:\n${shots.map((s) => `  ${s}`).join('\n')}`);
});

async function api(method, p, json, token = ADMIN_TOKEN) {
  const res = await fetch(BASE + p, {
    method, headers: { Authorization: `Bearer ${token}`, ...(json !== undefined ? { 'Content-Type': 'application/json' } : {}) },
    body: json !== undefined ? JSON.stringify(json) : undefined,
  });
  const text = await res.text();
  let body = null;
  try { body = JSON.parse(text); } catch { body = text; }
  return { status: res.status, body, text };
}

// A small PNG made here (no binary fixtures): 48 x 32 pixels of a seeded pattern.
function png(seed) {
  const w = 48, hgt = 32;
  const crcT = Array.from({ length: 256 }, (_, n) => { let c = n; for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1; return c >>> 0; });
  const crc = (b) => { let c = 0xffffffff; for (const x of b) c = crcT[(c ^ x) & 0xff] ^ (c >>> 8); return (c ^ 0xffffffff) >>> 0; };
  const chunk = (type, data) => {
    const len = Buffer.alloc(4); len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type), data]);
    const c = Buffer.alloc(4); c.writeUInt32BE(crc(td));
    return Buffer.concat([len, td, c]);
  };
  const raw = Buffer.alloc((w * 3 + 1) * hgt);
  for (let y = 0; y < hgt; y++) for (let x = 0; x < w; x++) {
    const o = y * (w * 3 + 1) + 1 + x * 3;
    raw[o] = (x * 5 + seed) & 255; raw[o + 1] = (y * 7 + seed * 3) & 255; raw[o + 2] = ((x ^ y) * 11) & 255;
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0); ihdr.writeUInt32BE(hgt, 4); ihdr[8] = 8; ihdr[9] = 2;
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

const crit = (page, code) => page.locator(`fieldset[data-criterion="${code}"]`);
async function pass(page, code, yes) { await crit(page, code).locator(`input[type=radio][value="${yes}"]`).check(); }
async function score(page, code, v) { await crit(page, code).locator('input[type=number]').fill(String(v)); }
async function note(page, code, text) { await crit(page, code).locator('textarea').fill(text); }
async function photo(page, code, seed) {
  await crit(page, code).locator('input[type=file]').setInputFiles({ name: `p${seed}.png`, mimeType: 'image/png', buffer: png(seed) });
  await crit(page, code).locator('.if-thumbs img').first().waitFor();
}

test('an experience officer inspects on a 360 px phone, partly offline, and it is recorded once', async () => {
  assert.ok(ADMIN_TOKEN, 'run.sh sets YIZHAN_ADMIN_TOKEN');
  const ctx = await browser.newContext({ viewport: { width: 360, height: 740 }, locale: 'zh-CN', serviceWorkers: 'allow' });
  await guard(ctx, BASE);
  await ctx.route(/tile\.openstreetmap\.org|autonavi\.com/, (r) => r.abort());
  const page = await ctx.newPage();
  const errors = watch(page);
  const st = (await api('GET', '/api/v1/stations?per_page=1')).body.stations[0];

  // not an officer: get a code, the union's admin enters it
  await page.goto(`${BASE}/inspect`);
  await page.evaluate(() => navigator.serviceWorker.ready);
  if (!(await page.evaluate(() => !!navigator.serviceWorker.controller))) await page.reload();
  await page.click('#officer-code-btn');
  const code = (await page.locator('#officer-code').innerText()).trim();
  assert.match(code, /^[2-9A-HJKMNP-Z]{10}$/);
  const ap = await api('POST', '/api/v1/officers', { code });
  assert.equal(ap.status, 201, JSON.stringify(ap.body));
  const token = await page.evaluate(() => localStorage.getItem('yz.token'));
  assert.equal((await api('GET', '/api/v1/officer', undefined, token)).body.officer, true);
  await page.click('#officer-recheck');
  await page.fill('#insp-code', st.code);
  await page.click('form.card button[type=submit]');
  await page.waitForSelector('.inspect-form');
  assert.doesNotMatch(await page.locator('main').innerText(), /null|undefined/);

  // the station page now offers the form to this officer
  // check in (the proof of presence), then half the criteria online
  await page.click('[data-checkin]');
  await waitFor(page, () => /已签到/.test(document.querySelector('.checkin-msg').textContent));
  const clientId = await page.locator('.inspect-form').getAttribute('data-client-id');
  assert.match(clientId, /^[0-9a-f-]{36}$/);
  await pass(page, 'sign', true);
  await pass(page, 'site', true);
  await note(page, 'site', '路口醒目');
  await score(page, 'facilities', 80);
  await score(page, 'service_functions', 70);
  await note(page, 'service_functions', '有热水和微波炉');
  // the running score: hardware (10*100 + 10*100 + 15*80) / 35 = 91.43
  assert.equal(await page.locator('.if-scores dd[data-dim=hardware]').innerText(), '91.43');

  // the network goes; the rest, with photos
  await ctx.setOffline(true);
  await pass(page, 'management_rules', false);
  await pass(page, 'online_maps', true);
  await pass(page, 'publicity', true);
  await pass(page, 'warm_service', true);
  await note(page, 'warm_service', '每月义诊');
  await photo(page, 'sign', 1);
  await photo(page, 'facilities', 2);
  await photo(page, 'management_rules', 3);
  await photo(page, 'publicity', 4);
  // overall: (1000 + 1000 + 1200 + 1050 + 0 + 1000 + 1000 + 1500) / 100 = 77.5
  assert.equal(await page.locator('.if-scores dd[data-dim=overall]').innerText(), '77.5');
  await axe(page, 'inspection form at 360 px');
  await noSideScroll(page, 'inspection form');
  await page.click('.if-submit');
  await page.waitForSelector('.inspect-form[data-state=queued]');
  assert.match(await page.locator('.if-status').innerText(), /等待网络/);
  // the worker app's shot (console.mjs's shot() names the console's)
  const file = path.join(process.env.YZ_SHOTS || 'build/browser-shots', 'inspection-form-360x740.png');
  await page.screenshot({ path: file, fullPage: true });
  shots.push(file);

  // a reload without network: the shell, the draft and the queue are still there
  await page.reload();
  await page.waitForSelector('.inspect-form[data-state=queued]');
  assert.equal(await page.locator('.inspect-form').getAttribute('data-client-id'), clientId);
  assert.equal(await crit(page, 'facilities').locator('input[type=number]').inputValue(), '80');
  assert.equal(await crit(page, 'management_rules').locator('.if-thumbs img').count(), 1);
  assert.match(await page.locator('.if-status').innerText(), /等待网络/);
  let list = await api('GET', `/api/v1/inspections?station=${st.id}&kind=experience_officer`);
  assert.equal(list.body.inspections.filter((i) => i.client_id === clientId).length, 0, 'nothing sent while offline');

  // the network returns: sent once
  await ctx.setOffline(false);
  await page.waitForSelector('.inspect-form[data-state=sent]', { timeout: 30000 });
  list = await api('GET', `/api/v1/inspections?station=${st.id}&kind=experience_officer`);
  const mine = list.body.inspections.filter((i) => i.client_id === clientId);
  assert.equal(mine.length, 1);
  const one = (await api('GET', `/api/v1/inspections/${mine[0].id}`)).body;
  assert.equal(one.status, 'submitted');
  assert.equal(one.scores.overall, 77.5);
  const by = Object.fromEntries(one.items.map((i) => [i.criterion, i]));
  assert.equal(by.facilities.score, 80);
  assert.equal(by.service_functions.score, 70);
  assert.equal(by.management_rules.pass, false);
  assert.equal(by.site.note, '路口醒目');
  for (const c of ['sign', 'facilities', 'management_rules', 'publicity']) {
    assert.equal(by[c].photos.length, 1, c);
    const ph = await fetch(`${BASE}/api/v1/photos/${by[c].photos[0]}/thumb.jpg`, { headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } });
    assert.equal(ph.status, 200, `photo of ${c} stored`);
    assert.equal(ph.headers.get('content-type'), 'image/jpeg');
  }
  // submitting again (a retry after a lost answer) changes nothing
  const again = await api('POST', `/api/v1/officer/inspections/${clientId}/submit`, {}, token);
  assert.equal(again.status, 200);
  assert.equal(again.body.id, one.id);
  assert.equal(again.body.submitted_at, one.submitted_at);
  list = await api('GET', `/api/v1/inspections?station=${st.id}&kind=experience_officer`);
  assert.equal(list.body.inspections.filter((i) => i.client_id === clientId).length, 1);
  assert.match(await page.locator('.if-status').innerText(), new RegExp(`#${one.id}`));

  // the station page offers the form to an officer
  await page.goto(`${BASE}/station/${st.code}`);
  await page.waitForSelector('#to-inspect');
  assert.deepEqual(errors, []);
  await ctx.close();
});

test('a staff inspector inspects in the console; an operator may not', async () => {
  const admin = await apiAs(ADMIN);
  const stations = (await api('GET', '/api/v1/stations?per_page=2')).body.stations;
  const s2 = stations[1];
  const insp = await makeUser(admin, 'ins', [{ role: 'inspector', scope: [] }]);
  const oper = await makeUser(admin, 'opr', [{ role: 'operator', scope: [String(s2.id)] }]);
  const ctx = await consoleContext(browser);
  const page = await ctx.newPage();
  const errors = watch(page);
  await login(page, insp, '#/inspections');
  await page.waitForSelector('#insp-new');
  await axe(page, 'inspections list at 360 px');
  await page.goto(`${BASE}/admin/#/inspections/new?station=${s2.code}`);
  await page.waitForSelector('.inspect-form');
  const cls = (await api('GET', '/api/v1/checklists')).body.checklists;
  const self = cls.find((c) => c.code === 'daily_self_check');
  await page.selectOption('#if-checklist', String(self.id));
  await page.selectOption('#if-kind', 'secret');
  for (const c of self.criteria) await pass(page, c.code, true);
  await axe(page, 'console inspection form at 360 px');
  const clientId = await page.locator('.inspect-form').getAttribute('data-client-id');
  await page.click('.if-submit');
  await page.waitForSelector('#insp-status');
  const id = Number(page.url().match(/#\/inspections\/(\d+)/)[1]);
  const one = (await api('GET', `/api/v1/inspections/${id}`)).body;
  assert.equal(one.client_id, clientId);
  assert.equal(one.kind, 'secret');
  assert.equal(one.status, 'submitted');
  assert.equal(one.opened_by, insp.id);
  assert.equal(one.scores.overall, 100);
  assert.equal(await page.locator('#insp-status').innerText(), '已提交');
  assert.equal(await page.locator('.inspect-view li[data-criterion]').count(), self.criteria.length);
  await axe(page, 'inspection read-only at 360 px');

  // the operator: no "new inspection" button, and the server refuses a create
  const op = await apiAs(oper);
  const r = await op('POST', '/api/v1/inspections', { station: s2.id, checklist: self.id, kind: 'open', client_id: crypto.randomUUID() });
  assert.equal(r.status, 403);
  const ctx2 = await consoleContext(browser);
  const p2 = await ctx2.newPage();
  await login(p2, oper, '#/inspections');
  await p2.waitForSelector('.page-head h1');
  assert.equal(await p2.locator('#insp-new').count(), 0);
  assert.deepEqual(errors, []);
  await ctx.close();
  await ctx2.close();
});
