// SPDX-License-Identifier: MIT
// admin-dashboard.test.mjs - the dashboard (#/dashboard) and its monthly report in Chromium,
// as a viewer: at 360 px and on a desktop the page's numbers are the API's (visits in the
// range, the lowest-rated station, a month's inspection score); 5 more workers check in
// through the API and, after a reload, the visits shown grow by 5; a chart's CSV downloads
// with its BOM; the tasks panel says whether tasks exist; a district admin of another
// district is refused by the server. The report (#/dashboard/report) printed to PDF by
// Chromium, its pages rendered by pdftoppm: at least 2, none blank, saved as
// build/browser-shots/report-page-N.png. axe-core at 360 px; screenshots `dashboard`.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { takeProblems } from './guard.mjs';
import { BASE, ADMIN, PHONE, DESKTOP, launch, context, watch, login, apiAs, makeUser, axe, shot, shots, noSideScroll } from './console.mjs';

const D = '330303';
const SHOTS = process.env.YZ_SHOTS || 'build/browser-shots';
const today = () => new Date(Date.now() + 8 * 3600e3).toISOString().slice(0, 10);
const yearAgo = () => { const d = new Date(Date.now() + 8 * 3600e3 - 364 * 86400e3); return `${d.toISOString().slice(0, 7)}-01`; };
let browser, admin, viewer, code, stationId;

async function worker() {
  const r = await fetch(`${BASE}/api/v1/workers`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"occupation":"rider"}' });
  return (await r.json()).token;
}
async function as(token, method, p, json) {
  const r = await fetch(BASE + p, { method, headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body: json ? JSON.stringify(json) : undefined });
  return { status: r.status, body: await r.json().catch(() => null) };
}
/** A new worker checks in at our station (and, with `stars`, rates it from there). */
async function checkin(stars) {
  const tok = await worker();
  const v = await as(tok, 'POST', '/api/v1/visits', { station_code: code });
  assert.equal(v.status, 201, `check-in: ${JSON.stringify(v.body)}`);
  if (stars) {
    const st = (await admin('GET', `/api/v1/stations/${stationId}`)).body;
    const r = await as(tok, 'POST', `/api/v1/stations/${stationId}/ratings`, { stars, lat: st.lat, lon: st.lon });
    assert.ok(r.body && r.body.rating && r.body.rating.verified, `a verified rating: ${JSON.stringify(r.body)}`);
  }
}

before(async () => {
  browser = await launch();
  admin = await apiAs(ADMIN);
  viewer = await makeUser(admin, 'dbvw', [{ role: 'viewer', scope: [] }]);
  code = `DBB-${process.pid % 100000}`;
  const s = await admin('POST', '/api/v1/stations', { code, name: `看板测试驿站${process.pid % 1000}`, address: '测试路 9 号', district_code: D, lat: 27.95, lon: 120.76 });
  assert.equal(s.status, 201, JSON.stringify(s.body));
  stationId = s.body.id;
  for (let i = 0; i < 6; i++) await checkin(1); // 6 distinct workers today: the day is shown
  // one submitted inspection, so that the map and the scores chart have a station
  const ins = await makeUser(admin, 'dbin', [{ role: 'inspector', scope: [] }]);
  const asIn = await apiAs(ins);
  const ck = (await admin('GET', '/api/v1/checklists')).body.checklists.find((c) => c.code === 'zj_8you').id;
  const c = await asIn('POST', '/api/v1/inspections', { station: stationId, checklist: ck, kind: 'open', client_id: crypto.randomUUID() });
  assert.equal(c.status, 201, JSON.stringify(c.body));
  const P = 'c'.repeat(64);
  const sub = await asIn('POST', `/api/v1/inspections/${c.body.id}/submit`, { scores: [
    { criterion: 'sign', pass: true, photos: [P] }, { criterion: 'site', pass: true, note: '路口' },
    { criterion: 'facilities', score: 90, photos: [P] }, { criterion: 'service_functions', score: 40, note: '缺热水' },
    { criterion: 'management_rules', pass: true, photos: [P] }, { criterion: 'online_maps', pass: false },
    { criterion: 'publicity', pass: true, photos: [P] }, { criterion: 'warm_service', pass: true, note: '早餐' }] });
  assert.equal(sub.status, 200, JSON.stringify(sub.body));
});
afterEach(() => assert.deepEqual(takeProblems(), [], 'CSP violations or outside requests'));
after(async () => {
  if (browser) await browser.close();
  if (shots.length) console.log(`screenshots:\n${shots.map((s) => `  ${s}`).join('\n')}`);
});

/** The API's numbers the page shows, as the viewer. */
async function apiNumbers(asVw) {
  const v = (await asVw('GET', `/api/v1/dashboard/visits?from=${today()}&to=${today()}&by=district&district=${D}`)).body;
  const visits = v.series.reduce((a, s) => a + s.points.reduce((b, p) => b + (p.visits || 0), 0), 0);
  const r = (await asVw('GET', `/api/v1/dashboard/ratings?from=${yearAgo()}&to=${today()}&district=${D}`)).body;
  const sc = (await asVw('GET', `/api/v1/dashboard/scores?from=${yearAgo()}&to=${today()}&district=${D}`)).body;
  return { visits, lowest: r.lowest[0] && r.lowest[0].name, score: sc.scores[sc.scores.length - 1].score };
}

async function open(page) {
  await page.goto(`${BASE}/admin/#/dashboard?district=${D}&from=${today()}&to=${today()}`);
  await page.waitForSelector('[data-ready=true] #dash-map .leaflet-container', { timeout: 30000 });
}
async function pageNumbers(page) {
  const visits = Number(await page.textContent('[data-testid=visits-total]'));
  const lowest = await page.textContent('#dash-ratings tr.dash-lowest th');
  const rows = await page.$$eval('#dash-scores details tbody tr', (trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent.trim())));
  return { visits, lowest: lowest.trim(), score: Number(rows[rows.length - 1][2]) };
}

for (const [name, vp] of [['phone', PHONE], ['desktop', DESKTOP]]) {
  test(`a viewer at ${vp.width} px: the page's numbers are the API's, a check-in moves them`, async () => {
    const asVw = await apiAs(viewer);
    const ctx = await context(browser, { viewport: vp });
    const page = await ctx.newPage();
    const errors = watch(page);
    await login(page, viewer, `#/dashboard?district=${D}&from=${today()}&to=${today()}`);
    await open(page);
    const api0 = await apiNumbers(asVw);
    assert.ok(api0.visits >= 6, `our 6 check-ins are counted (${api0.visits})`);
    assert.deepEqual(await pageNumbers(page), api0, 'page = API');
    assert.match(api0.lowest, /看板测试驿站/, 'our 1-star station is the lowest');
    assert.equal(await page.getAttribute('#db-district', 'name'), 'district');
    assert.equal(await page.inputValue('#db-district'), D, 'the filter is kept from the fragment');
    // the tasks panel: tasks when the server has them, else "not available"
    assert.ok(await page.$('[data-testid=tasks-na], [data-testid=tasks-open]'), 'the tasks panel says something');

    for (let i = 0; i < 5; i++) await checkin(0);
    await page.reload();
    await open(page);
    const api1 = await apiNumbers(asVw);
    assert.equal(api1.visits, api0.visits + 5, 'the API counts the 5 check-ins');
    assert.equal(Number(await page.textContent('[data-testid=visits-total]')), api1.visits, 'the page shows them after a reload');

    // a chart's CSV: the server's bytes, BOM first
    const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#dash-visits-district button.dash-csv')]);
    const file = await dl.path();
    const bytes = fs.readFileSync(file);
    assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'the CSV starts with a BOM');
    assert.match(bytes.toString('utf8'), /^\ufeffbucket,key,label,visits,suppressed\r\n/);

    if (name === 'phone') {
      await noSideScroll(page, 'dashboard at 360 px');
      await axe(page, 'dashboard at 360 px');
      await shot(page, 'dashboard', { full: true });
    } else {
      await shot(page, 'dashboard');
    }
    assert.deepEqual(errors, []);
    await ctx.close();
  });
}

test('the server refuses another district to a district admin', async () => {
  const other = await makeUser(admin, 'dbda', [{ role: 'district_admin', scope: ['330304'] }]);
  const asO = await apiAs(other);
  for (const e of ['visits', 'events', 'ratings', 'scores']) {
    assert.equal((await asO('GET', `/api/v1/dashboard/${e}?district=${D}`)).status, 403, e);
    assert.equal((await asO('GET', `/api/v1/dashboard/${e}`)).body.district, '330304', `${e}: theirs by default`);
  }
});

test('the monthly report prints to PDF: at least 2 pages, none blank', async () => {
  const ctx = await context(browser, { viewport: DESKTOP });
  const page = await ctx.newPage();
  const errors = watch(page);
  const month = today().slice(0, 7);
  await login(page, viewer, `#/dashboard/report?month=${month}&district=${D}`);
  await page.waitForSelector('[data-ready=true] img.dash-print-img', { timeout: 30000 });
  assert.equal(await page.$$eval('img.dash-print-img', (imgs) => imgs.filter((i) => i.naturalWidth > 0).length), 5, 'five charts as images');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'yz-report-'));
  const pdf = path.join(dir, 'report.pdf');
  await page.pdf({ path: pdf, format: 'A4', printBackground: true });
  execFileSync('pdftoppm', ['-png', '-r', '60', pdf, path.join(dir, 'page')]);
  const pages = fs.readdirSync(dir).filter((f) => /^page-\d+\.png$/.test(f)).sort();
  assert.ok(pages.length >= 2, `at least 2 pages (${pages.length})`);
  // a blank page Chromium prints is a 3.4 KB PNG at 60 dpi; ours, a chart or a table, are 15 KB and more
  fs.mkdirSync(SHOTS, { recursive: true });
  pages.forEach((f, i) => {
    const size = fs.statSync(path.join(dir, f)).size;
    assert.ok(size > 8000, `page ${i + 1} is not blank (${size} bytes)`);
    const out = path.join(SHOTS, `report-page-${i + 1}.png`);
    fs.copyFileSync(path.join(dir, f), out);
    shots.push(out);
  });
  // the print layout hides the bar and the navigation
  await page.emulateMedia({ media: 'print' });
  assert.equal(await page.isVisible('#nav'), false, 'no navigation in print');
  assert.equal(await page.isVisible('.bar'), false, 'no bar in print');
  fs.rmSync(dir, { recursive: true, force: true });
  assert.deepEqual(errors, []);
  await ctx.close();
});
