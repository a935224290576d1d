// SPDX-License-Identifier: MIT
// e2e-inspection.test.mjs - issue 12's "Done when" as one flow, in Debian's Chromium, each step
// read back through the API: the city admin appoints an experience officer (the worker app's
// officer code); on a 360 px phone the officer checks in at a station made for this test,
// scores half the 八有 online, loses the network, scores the rest (two criteria failed, notes,
// JPEG photos), submits offline twice, reloads offline, and when the network returns exactly one
// inspection is recorded, with the scores an independent computation from the checklist's
// weights gives; the two failures opened two tasks; the station's operator (console, 360 px)
// answers one with a note and a JPEG; the operator may not verify it (403, nothing changed); an
// inspector verifies and closes it. The dashboard (page and API, before and after): the month's
// inspections and mean score, the open tasks, the station on the score map. The monthly report
// printed by Chromium, its pages rendered by pdftoppm. Screenshots in build/browser-shots:
// admin-e2e-dashboard-{1280x800,360x740}.png, e2e-inspection-{online,offline}-360x740.png,
// admin-e2e-task-answer-360x740.png, e2e-report-page-N.png.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { guard, takeProblems, waitFor } from './guard.mjs';
import { BASE, ADMIN, PHONE, DESKTOP, launch, context, watch, login, apiAs, makeUser, axe, shot, shots, noSideScroll } from './console.mjs';

const SHOTS = process.env.YZ_SHOTS || 'build/browser-shots';
const ADMIN_TOKEN = process.env.YIZHAN_ADMIN_TOKEN;
const today = () => new Date(Date.now() + 8 * 3600e3).toISOString().slice(0, 10); // the city's day (+08:00)
let browser, admin;
before(async () => { browser = await launch(); admin = await apiAs(ADMIN); });
afterEach(() => assert.deepEqual(takeProblems(), [], 'CSP violations or outside requests'));
after(async () => {
  if (browser) await browser.close();
  if (shots.length) console.log(`screenshots:\n${shots.map((s) => `  ${s}`).join('\n')}`);
});

/** A worker-token caller: {status, body}. */
async function asToken(token, method, p, json) {
  const res = await fetch(BASE + p, {
    method, headers: { Authorization: `Bearer ${token}`, ...(json !== undefined ? { 'Content-Type': 'application/json' } : {}) },
    body: json !== undefined ? JSON.stringify(json) : undefined,
  });
  const text = await res.text();
  let body = null;
  try { body = JSON.parse(text); } catch { body = text; }
  return { status: res.status, body };
}

/** A real JPEG made by Chromium's encoder (canvas), w x h, a seeded pattern. */
async function jpeg(page, seed, w = 160, hgt = 120) {
  const b64 = await page.evaluate(([s, cw, ch]) => {
    const cv = document.createElement('canvas');
    cv.width = cw; cv.height = ch;
    const g = cv.getContext('2d');
    for (let y = 0; y < ch; y += 8) for (let x = 0; x < cw; x += 8) {
      g.fillStyle = `rgb(${(x * 3 + s * 40) & 255},${(y * 5 + s * 70) & 255},${((x ^ y) + s * 90) & 255})`;
      g.fillRect(x, y, 8, 8);
    }
    return cv.toDataURL('image/jpeg', 0.9).split(',')[1];
  }, [seed, w, hgt]);
  const buf = Buffer.from(b64, 'base64');
  assert.deepEqual([...buf.subarray(0, 3)], [0xff, 0xd8, 0xff], 'a JPEG');
  return buf;
}

/** The width and height in a JPEG's start-of-frame marker. */
function jpegSize(buf) {
  let i = 2;
  while (i + 9 < buf.length) {
    assert.equal(buf[i], 0xff, 'a JPEG marker');
    const m = buf[i + 1], len = buf.readUInt16BE(i + 2);
    if (m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc) return [buf.readUInt16BE(i + 7), buf.readUInt16BE(i + 5)];
    i += 2 + len;
  }
  throw new Error('no start-of-frame in the JPEG');
}

/** Scores the way inspections.md defines them (pass 100, fail 0, a score as given; weighted
 * means per dimension and overall), from the checklist the API publishes. */
function oracle(checklist, entered) {
  const acc = {};
  const add = (k, pts, w) => { acc[k] = acc[k] || [0, 0]; acc[k][0] += pts * w; acc[k][1] += w; };
  for (const c of checklist.criteria) {
    const e = entered[c.code];
    const pts = 'pass' in e ? (e.pass ? 100 : 0) : e.score;
    add(c.dimension, pts, c.weight);
    add('overall', pts, c.weight);
  }
  return Object.fromEntries(Object.entries(acc).map(([k, [s, w]]) => [k, s / w]));
}

const crit = (page, code) => page.locator(`fieldset[data-criterion="${code}"]`);
async function fill(page, code, e, photoBuf) {
  const c = crit(page, code);
  if ('pass' in e) await c.locator(`input[type=radio][value="${e.pass}"]`).check();
  else await c.locator('input[type=number]').fill(String(e.score));
  if (e.note) await c.locator('textarea').fill(e.note);
  if (photoBuf) {
    await c.locator('input[type=file]').setInputFiles({ name: `${code}.jpg`, mimeType: 'image/jpeg', buffer: photoBuf });
    await c.locator('.if-thumbs img').first().waitFor();
  }
}

/** The worker app's screenshot (shot() names the console's admin-*). */
async function appShot(page, name) {
  const vp = page.viewportSize();
  const file = path.join(SHOTS, `e2e-${name}-${vp.width}x${vp.height}.png`);
  await page.screenshot({ path: file, fullPage: true });
  shots.push(file);
}

/** The dashboard's numbers through the API: the month's row of scores, the open tasks, our
 * station's latest score on the map (undefined when absent), and the stations with a position. */
async function apiDash(as, D, stationCode) {
  const month = today().slice(0, 7);
  const sc = await as('GET', `/api/v1/dashboard/scores?from=${month}-01&to=${today()}&district=${D}`);
  assert.equal(sc.status, 200, JSON.stringify(sc.body));
  const row = sc.body.scores.find((r) => r.month === month);
  const tk = await as('GET', `/api/v1/tasks?open=true&district=${D}&limit=500`);
  assert.equal(tk.status, 200, JSON.stringify(tk.body));
  const mine = sc.body.stations.find((s) => s.code === stationCode);
  return { inspections: row.inspections, score: row.score, open: tk.body.count,
    station: mine ? mine.score : undefined, markers: sc.body.stations.filter((s) => s.lat && s.lon).length };
}

// `to` is given: the page's default is the browser's date, and this machine's browser is at UTC
// while the city's days are at +08:00 (between 16:00 and 24:00 UTC they differ).
const dashHash = (D) => `#/dashboard?district=${D}&to=${today()}`;
/** Wait for the dashboard (after the login that opened it, or a reload: a fresh render). */
async function dashReady(page) {
  await page.waitForSelector('[data-ready=true] #dash-map .leaflet-container', { timeout: 30000 });
}
/** The same numbers as the page shows them. */
async function pageDash(page, stationCode) {
  const month = today().slice(0, 7);
  const rows = await page.$$eval('#dash-scores details tbody tr', (trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent.trim())));
  const row = rows.find((r) => r[0] === month);
  assert.ok(row, `the month ${month} is in the scores table`);
  const map = await page.$$eval('#dash-map details tbody tr', (trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent.trim())));
  const mine = map.find((r) => r[1] === stationCode);
  return { inspections: Number(row[1]), score: row[2] === '–' ? null : Number(row[2]),
    open: Number(await page.textContent('[data-testid=tasks-open]')),
    station: mine ? (mine[2] === '–' ? null : Number(mine[2])) : undefined,
    markers: await page.locator('#dash-map path.leaflet-interactive').count() };
}

test('an experience officer inspects partly offline; the task is answered with a photo and verified; the dashboard moves', async () => {
  // --- the cast, and a station no other test touches
  const districts = (await admin('GET', '/api/v1/districts')).body.districts.map((d) => d.code);
  const D = districts[districts.length - 1];
  const near = (await admin('GET', `/api/v1/stations?district=${D}&per_page=1`)).body.stations[0];
  const code = `E2E-${process.pid % 100000}`;
  const name = `全流程测试驿站${process.pid % 1000}`;
  const made = await admin('POST', '/api/v1/stations', { code, name, address: '测试路 12 号', district_code: D, lat: near.lat + 0.001, lon: near.lon + 0.001 });
  assert.equal(made.status, 201, JSON.stringify(made.body));
  const stationId = made.body.id;
  const oper = await makeUser(admin, 'e2op', [{ role: 'operator', scope: [String(stationId)] }], '王站长');
  const insp = await makeUser(admin, 'e2in', [{ role: 'inspector', scope: [] }], '赵检查');
  const viewer = await makeUser(admin, 'e2vw', [{ role: 'viewer', scope: [] }]);
  const asOp = await apiAs(oper), asIn = await apiAs(insp), asVw = await apiAs(viewer);
  const std = (await admin('GET', '/api/v1/checklists')).body.checklists.find((c) => c.code === 'zj_8you');
  assert.equal(std.criteria.length, 8);

  // --- the dashboard before, page = API (desktop)
  const dctx = await context(browser, { viewport: DESKTOP });
  const dpage = await dctx.newPage();
  const derr = watch(dpage);
  await login(dpage, viewer, dashHash(D));
  await dashReady(dpage);
  const api0 = await apiDash(asVw, D, code);
  assert.deepEqual(await pageDash(dpage, code), api0, 'dashboard before: page = API');
  assert.equal(api0.station, undefined, 'the new station is not on the score map yet');

  // --- 1. the officer: a worker's phone asks a code, the city admin enters it
  const ctx = await browser.newContext({ viewport: PHONE, locale: 'zh-CN', serviceWorkers: 'allow' });
  await guard(ctx, BASE);
  await ctx.route(/tile\.openstreetmap\.org|autonavi\.com/, (r) => r.abort());
  const page = await ctx.newPage();
  const errors = watch(page);
  await page.goto(`${BASE}/inspect`);
  await page.evaluate(() => navigator.serviceWorker.ready);
  if (!(await page.evaluate(() => !!navigator.serviceWorker.controller))) await page.reload();
  await page.click('#officer-code-btn');
  const ocode = (await page.locator('#officer-code').innerText()).trim();
  assert.match(ocode, /^[2-9A-HJKMNP-Z]{10}$/);
  const token = await page.evaluate(() => localStorage.getItem('yz.token'));
  assert.equal((await asToken(token, 'GET', '/api/v1/officer')).body.officer, false, 'not an officer before');
  const ap = await admin('POST', '/api/v1/officers', { code: ocode });
  assert.equal(ap.status, 201, JSON.stringify(ap.body));
  assert.equal((await asToken(token, 'GET', '/api/v1/officer')).body.officer, true, 'an officer after');
  assert.equal((await admin('POST', '/api/v1/officers', { code: ocode })).status >= 400, true, 'the code is used up');

  // --- 2. on the phone: check in, start, half online
  const photos = { sign: await jpeg(page, 1), facilities: await jpeg(page, 2), management_rules: await jpeg(page, 3), publicity: await jpeg(page, 4) };
  await page.click('#officer-recheck');
  await page.fill('#insp-code', code);
  await page.click('form.card button[type=submit]');
  await page.waitForSelector('.inspect-form');
  assert.match(await page.locator('main').innerText(), new RegExp(name));
  await page.click('[data-checkin]');
  await waitFor(page, () => /已签到/.test(document.querySelector('.checkin-msg').textContent));
  const clientId = await page.locator('.inspect-form').getAttribute('data-client-id');
  assert.match(clientId, /^[0-9a-f-]{36}$/);
  const entered = {
    sign: { pass: true }, site: { pass: true, note: '路口醒目，招牌清楚' }, facilities: { score: 90 },
    service_functions: { score: 80, note: '有热水、微波炉和充电' },
    management_rules: { pass: false, note: '制度未上墙，值班表缺失' }, online_maps: { pass: false },
    publicity: { pass: true }, warm_service: { pass: true, note: '每周送清凉' },
  };
  const online = ['sign', 'site', 'facilities', 'service_functions'];
  for (const c of online) await fill(page, c, entered[c], photos[c]);
  const hw = oracle({ criteria: std.criteria.filter((c) => online.includes(c.code)) }, entered).hardware;
  assert.ok(Math.abs(Number(await page.locator('.if-scores dd[data-dim=hardware]').innerText()) - hw) < 0.006, 'running hardware score');
  await axe(page, 'inspection form online at 360 px');
  await noSideScroll(page, 'inspection form online');
  await appShot(page, 'inspection-online');
  // the form keeps its draft on the phone: nothing reaches the server before the submit
  let list = await admin('GET', `/api/v1/inspections?station=${stationId}`);
  assert.equal(list.body.inspections.length, 0, 'no inspection sent while scoring');

  // the network drops: the rest, two failures, a note and a photo on the failed one
  await ctx.setOffline(true);
  for (const c of ['management_rules', 'online_maps', 'publicity', 'warm_service']) await fill(page, c, entered[c], photos[c]);
  const want = oracle(std, entered);
  assert.ok(Math.abs(Number(await page.locator('.if-scores dd[data-dim=overall]').innerText()) - want.overall) < 0.006, 'running overall score');
  await page.click('.if-submit');
  await page.waitForSelector('.inspect-form[data-state=queued]');
  await page.click('.if-submit'); // a second tap while waiting: still one submission
  await page.waitForSelector('.inspect-form[data-state=queued]');
  assert.match(await page.locator('.if-status').innerText(), /等待网络/);
  await axe(page, 'inspection form offline at 360 px');
  await appShot(page, 'inspection-offline');
  // a reload without network: the draft and the queue are kept
  await page.reload();
  await page.waitForSelector('.inspect-form[data-state=queued]');
  assert.equal(await page.locator('.inspect-form').getAttribute('data-client-id'), clientId);
  assert.equal(await crit(page, 'management_rules').locator('textarea').inputValue(), entered.management_rules.note);
  assert.equal(await crit(page, 'management_rules').locator('.if-thumbs img').count(), 1);
  list = await admin('GET', `/api/v1/inspections?station=${stationId}`);
  assert.equal(list.body.inspections.length, 0, 'nothing sent while offline');

  // the network returns: sent once
  await ctx.setOffline(false);
  await page.waitForSelector('.inspect-form[data-state=sent]', { timeout: 30000 });
  list = await admin('GET', `/api/v1/inspections?station=${stationId}`);
  assert.equal(list.body.inspections.length, 1, 'exactly one inspection at the station');
  const one = (await admin('GET', `/api/v1/inspections/${list.body.inspections[0].id}`)).body;
  assert.equal(one.client_id, clientId);
  assert.equal(one.kind, 'experience_officer');
  assert.equal(one.status, 'submitted');
  assert.equal(one.checklist.id, std.id);
  for (const k of ['overall', 'hardware', 'service', 'operations']) {
    assert.ok(Math.abs(one.scores[k] - want[k]) < 0.006, `${k}: ${one.scores[k]} = ${want[k]}`);
  }
  const by = Object.fromEntries(one.items.map((i) => [i.criterion, i]));
  for (const [c, e] of Object.entries(entered)) {
    if ('pass' in e) assert.equal(by[c].pass, e.pass, c); else assert.equal(by[c].score, e.score, c);
    assert.equal(by[c].note || '', e.note || '', `${c} note`);
    assert.equal((by[c].photos || []).length, photos[c] ? 1 : 0, `${c} photos`);
  }
  // the failed criterion's evidence, taken offline, is stored: the picture at its size
  const ev = await fetch(`${BASE}/api/v1/photos/${by.management_rules.photos[0]}.jpg`, { headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } });
  assert.equal(ev.status, 200, 'the offline photo is stored');
  assert.deepEqual(jpegSize(Buffer.from(await ev.arrayBuffer())), [160, 120]);
  // submitting again (a retry after a lost answer) records nothing more
  const again = await asToken(token, 'POST', `/api/v1/officer/inspections/${clientId}/submit`, {});
  assert.equal(again.status, 200);
  assert.equal(again.body.id, one.id);
  assert.equal(again.body.submitted_at, one.submitted_at);
  assert.equal((await admin('GET', `/api/v1/inspections?station=${stationId}`)).body.inspections.length, 1);
  assert.deepEqual(errors, []);
  await ctx.close();

  // --- 3. the failures opened tasks; the operator answers one on a phone with a JPEG
  const tasks = (await asOp('GET', `/api/v1/tasks?station=${stationId}`)).body.tasks;
  assert.deepEqual(tasks.map((x) => x.criterion).sort(), ['management_rules', 'online_maps']);
  assert.ok(tasks.every((x) => x.inspection_id === one.id && x.status === 'open'));
  const task = tasks.find((x) => x.criterion === 'management_rules');
  const mid = await apiDash(asVw, D, code);
  assert.equal(mid.open, api0.open + 2, 'two more open tasks in the district');

  const octx = await context(browser, { viewport: PHONE });
  const opage = await octx.newPage();
  const oerr = watch(opage);
  await login(opage, oper, '#/tasks');
  await opage.waitForSelector(`li[data-task="${task.id}"]`);
  assert.equal(await opage.locator('li[data-task]').count(), 2, 'both tasks on the operator\'s board');
  assert.match(await opage.textContent(`li[data-task="${task.id}"]`), /有健全管理制度/);
  await opage.click(`li[data-task="${task.id}"] a.tk-link`);
  await opage.waitForSelector('form.tk-answer');
  assert.equal(await opage.$('form.tk-verify'), null, 'no verification offered to the operator');
  const answerText = '管理制度和值班表已打印上墙';
  const fixture = await jpeg(opage, 7, 200, 150);
  await opage.fill('form.tk-answer textarea', answerText);
  await opage.setInputFiles('form.tk-answer input[type=file]', { name: 'fixed.jpg', mimeType: 'image/jpeg', buffer: fixture });
  await opage.click('form.tk-answer button[type=submit]');
  await opage.waitForSelector('dd[data-status="answered"]');
  await opage.waitForSelector('.tk-photos img');
  assert.match(await opage.textContent('#toast'), /整改已提交/);
  await opage.evaluate(() => { document.getElementById('toast').className = 'toast'; }); // read; not over the photo in the shot
  // why the task opened, in the reader's language (the server stores "fail")
  assert.match(await opage.textContent('.tk-history li:first-child'), /检查未通过/);
  await axe(opage, 'task answered at 360 px');
  await noSideScroll(opage, 'task answered');
  await shot(opage, 'e2e-task-answer', { full: true });
  const answered = (await asOp('GET', `/api/v1/tasks/${task.id}`)).body;
  assert.equal(answered.status, 'answered');
  assert.equal(answered.answer, answerText);
  assert.equal(answered.answer_photos.length, 1);
  const ph = await fetch(`${BASE}/api/v1/photos/${answered.answer_photos[0]}.jpg`, { headers: { Cookie: (await octx.cookies()).map((c) => `${c.name}=${c.value}`).join('; ') } });
  assert.equal(ph.status, 200, 'the answer\'s photo is stored');
  const stored = Buffer.from(await ph.arrayBuffer());
  assert.deepEqual(jpegSize(stored), [200, 150], 'the stored photo is our picture, re-encoded at its size');
  assert.notDeepEqual(stored, fixture, 're-encoded, not the bytes as sent');
  const audit = (await admin('GET', `/api/v1/audit?record=task:${task.id}&action=task_answer&outcome=ok`)).body.entries;
  assert.equal(audit.length, 1);
  assert.equal(audit[0].before.status, 'open');
  assert.deepEqual(oerr, []);
  await octx.close();

  // --- 4. the operator may not verify their own task; an inspector verifies and closes it
  const own = await asOp('POST', `/api/v1/tasks/${task.id}/verify`, { result: 'close' });
  assert.equal(own.status, 403, JSON.stringify(own.body));
  const still = (await asOp('GET', `/api/v1/tasks/${task.id}`)).body;
  assert.equal(still.status, 'answered', 'the refusal changed nothing');
  assert.equal(still.version, answered.version);
  const ictx = await context(browser, { viewport: PHONE });
  const ipage = await ictx.newPage();
  const ierr = watch(ipage);
  await login(ipage, insp, `#/tasks/${task.id}`);
  await ipage.waitForSelector('form.tk-verify');
  await ipage.waitForSelector('.tk-photos img');
  await ipage.fill('form.tk-verify textarea', '复查：制度已上墙');
  await ipage.click('button[data-result="close"]');
  await ipage.waitForSelector('dd[data-status="closed"]');
  const closed = (await asIn('GET', `/api/v1/tasks/${task.id}`)).body;
  assert.equal(closed.status, 'closed');
  assert.equal(closed.verified_by, insp.id);
  assert.deepEqual(closed.history.map((e) => e.action), ['open', 'answer', 'close']);
  assert.equal((await asIn('POST', `/api/v1/tasks/${task.id}/verify`, { result: 'close' })).status, 409, 'closing twice');
  assert.deepEqual(ierr, []);
  await ictx.close();

  // --- 5. the dashboard after: page = API, and the change is exactly ours
  const api1 = await apiDash(asVw, D, code);
  assert.equal(api1.inspections, api0.inspections + 1, 'one more inspection this month');
  const mean = api0.inspections ? (api0.score * api0.inspections + want.overall) / (api0.inspections + 1) : want.overall;
  assert.ok(Math.abs(api1.score - mean) <= 0.051 * api0.inspections / (api0.inspections + 1) + 0.051, `the month's mean: ${api1.score} ≈ ${mean}`);
  assert.equal(api1.open, api0.open + 1, 'two opened, one closed');
  assert.ok(Math.abs(api1.station - want.overall) < 0.051, `the station on the map with its score (${api1.station})`);
  assert.equal(api1.markers, api0.markers + 1, 'one more station on the map');
  await dpage.reload();
  await dashReady(dpage);
  assert.deepEqual(await pageDash(dpage, code), api1, 'dashboard after at 1280 px: page = API');
  await shot(dpage, 'e2e-dashboard', { full: true });
  // the same viewer's page on a phone's width (context() sets only the viewport and locale)
  await dpage.setViewportSize(PHONE);
  await dpage.reload();
  await dashReady(dpage);
  assert.deepEqual(await pageDash(dpage, code), api1, 'dashboard after at 360 px: page = API');
  await noSideScroll(dpage, 'dashboard at 360 px');
  await axe(dpage, 'dashboard at 360 px');
  await shot(dpage, 'e2e-dashboard', { full: true });
  await dpage.setViewportSize(DESKTOP);

  // --- 6. the monthly report, printed by Chromium, rendered by pdftoppm
  await dpage.goto(`${BASE}/admin/#/dashboard/report?month=${today().slice(0, 7)}&district=${D}`);
  await dpage.waitForSelector('[data-ready=true] img.dash-print-img', { timeout: 30000 });
  const rows = await dpage.$$eval('#dash-scores details tbody tr', (trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent.trim())));
  assert.deepEqual(rows.map((r) => Number(r[1])), [api1.inspections], 'the report\'s month counts our inspection');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'yz-e2e-report-'));
  const pdf = path.join(dir, 'report.pdf');
  await dpage.pdf({ path: pdf, format: 'A4', printBackground: true });
  execFileSync('pdftoppm', ['-png', '-r', '60', pdf, path.join(dir, 'page')]);
  const pages = fs.readdirSync(dir).filter((f) => /^page-\d+\.png$/.test(f)).sort();
  assert.ok(pages.length >= 2, `at least 2 pages (${pages.length})`);
  pages.forEach((f, i) => {
    const size = fs.statSync(path.join(dir, f)).size;
    assert.ok(size > 8000, `report page ${i + 1} is not blank (${size} bytes)`);
    const out = path.join(SHOTS, `e2e-report-page-${i + 1}.png`);
    fs.copyFileSync(path.join(dir, f), out);
    shots.push(out);
  });
  fs.rmSync(dir, { recursive: true, force: true });
  assert.deepEqual(derr, []);
  await dctx.close();
});
