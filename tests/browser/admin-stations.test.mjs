// SPDX-License-Identifier: MIT
// admin-stations.test.mjs - the console's stations screen in Chromium on a 360 px phone: a
// district admin filters the list (their district by default), opens a station of theirs,
// edits its opening hours with the server's preview (an invalid value shows the parser's error
// and is not sent), moves it by dragging the marker and by typing GCJ-02 coordinates (checked
// against a published conversion vector), closes it for now, and saves; each change is read
// back through the API and in the audit log. A stale edit says so; a district admin of another
// district is refused by the server and offered no editing. axe-core on the list and editor.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { takeProblems, waitFor } from './guard.mjs';
import { BASE, ADMIN, PHONE, DESKTOP, launch, context, watch, login, apiAs, makeUser, axe, shot, shots, noSideScroll } from './console.mjs';

// googollee/eviltransform's Shanghai vector, as in tests/unit/test_coord.c:
// WGS-84 (31.1774276, 121.5272106) is GCJ-02 (31.17530398364597, 121.531541859215).
const SH_WGS = [31.1774276, 121.5272106];
const SH_GCJ = [31.17530398364597, 121.531541859215];
const D1 = '330302';
const D2 = '330303';

let browser, admin;
before(async () => {
  browser = await launch();
  admin = await apiAs(ADMIN);
});
afterEach(() => assert.deepEqual(takeProblems(), [], 'CSP violations or outside requests'));
after(async () => {
  if (browser) await browser.close();
  if (shots.length) console.log(`screenshots:\n${shots.map((s) => `  ${s}`).join('\n')}`);
});

/** Metres between two WGS-84 points (haversine). */
function metres([la1, lo1], [la2, lo2]) {
  const r = Math.PI / 180, R = 6371008.8;
  const a = Math.sin(((la2 - la1) * r) / 2) ** 2 + Math.cos(la1 * r) * Math.cos(la2 * r) * Math.sin(((lo2 - lo1) * r) / 2) ** 2;
  return 2 * R * Math.asin(Math.sqrt(a));
}

test('a district admin edits a station of theirs on a phone; the API and the audit log agree', async () => {
  const da = await makeUser(admin, 'stda', [{ role: 'district_admin', scope: [D1] }]);
  const other = await makeUser(admin, 'stdb', [{ role: 'district_admin', scope: [D2] }]);
  const ctx = await context(browser, { viewport: PHONE });
  const page = await ctx.newPage();
  const errors = watch(page);
  await login(page, da, '#/stations');
  await page.waitForSelector('main form.filters');
  // The list starts in the admin's district (kept in the fragment).
  assert.equal(await page.inputValue('select[name=district]'), D1);
  await page.waitForSelector('main table tbody tr');
  // Filter: open, tier basic; the list and its count match the API's answer.
  await page.selectOption('select[name=status]', 'open');
  await page.selectOption('select[name=tier]', 'basic');
  await page.click('form.filters button[type=submit]');
  await waitFor(page, () => location.hash.includes('status=open') && location.hash.includes('tier=basic'));
  await page.waitForSelector('main table tbody tr');
  const want = (await admin('GET', `/api/v1/stations?district=${D1}&status=open&tier=basic&per_page=50`)).body;
  const ids = await page.$$eval('main table tbody tr', (rs) => rs.map((r) => Number(r.dataset.id)));
  assert.deepEqual(ids, want.stations.map((s) => s.id));
  assert.match(await page.textContent('main .count'), new RegExp(`共 ${want.total} 座`));
  assert.ok(await page.$$eval('.leaflet-interactive', (m) => m.length) >= ids.length, 'markers on the map without tiles');
  await page.reload();
  await page.waitForSelector('main table tbody tr');
  assert.equal(await page.inputValue('select[name=status]'), 'open', 'filters survive a reload');
  await axe(page, 'stations list');
  await noSideScroll(page, 'stations list');
  await shot(page, 'stations-list');

  // Open a station of the district (with opening hours that are not 24/7).
  const st = want.stations.find((s) => s.district.code === D1);
  const before0 = (await admin('GET', `/api/v1/stations/${st.id}`)).body;
  await page.click(`main table a[href="#/stations/${st.id}"]`);
  await page.waitForSelector('form.station-editor input[name=name]');
  assert.equal(await page.inputValue('input[name=name]'), before0.name);
  await page.waitForSelector('.week tr');
  await axe(page, 'station editor');
  await noSideScroll(page, 'station editor');
  await shot(page, 'station-editor', { full: true });

  // Opening hours: the week and "open now" follow the typing (the server's parser).
  const hours = page.locator('input[name=opening_hours]');
  await hours.fill('24/7');
  await waitFor(page, () => document.querySelector('.open-now')?.dataset.open === 'true');
  await hours.fill('off');
  await waitFor(page, () => document.querySelector('.open-now')?.dataset.open === 'false');
  await hours.fill('Mo-Fr 08:00-18:00; Sa 09:00-12:00');
  await waitFor(page, () => /09:00–12:00/.test(document.querySelector('.week')?.textContent || ''));
  const week = await page.$$eval('.week tr', (rs) => rs.map((r) => r.textContent));
  assert.equal(week.length, 7);
  assert.match(week[0], /08:00–18:00/);
  assert.match(week[6], /无/);
  // An invalid value: the parser's error (with its position), and Save sends nothing.
  await hours.fill('Mo-Fx 08:00-18:00');
  await waitFor(page, () => document.querySelector('input[name=opening_hours]').getAttribute('aria-invalid') === 'true');
  assert.match(await page.textContent(`#${await hours.getAttribute('id')}-err`), /第 4 个字符处.*Fx/);
  const writes = [];
  page.on('request', (r) => { if (r.method() !== 'GET') writes.push(`${r.method()} ${r.url()}`); });
  await page.click('form.station-editor button[type=submit]');
  await page.waitForSelector('form.station-editor > .alert:not([hidden])');
  assert.match(await page.textContent('form.station-editor > .alert'), /开放时间有误/);
  assert.deepEqual(writes, [], 'an invalid value is not sent');
  assert.equal((await admin('GET', `/api/v1/stations/${st.id}`)).body.version, before0.version);
  await hours.fill('Mo-Fr 08:00-18:00; Sa 09:00-12:00');

  // Drag the marker: the fields follow, and the saved position is where it was dropped.
  const mk = page.locator('.pick-marker');
  await mk.scrollIntoViewIfNeeded();
  const box = await mk.boundingBox();
  const lat0 = Number(await page.inputValue('input[name=lat]'));
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width / 2 + 30, box.y + box.height / 2 + 40, { steps: 8 });
  await page.mouse.up();
  await waitFor(page, (v) => Number(document.querySelector('input[name=lat]').value) !== v, lat0);
  const dropped = [Number(await page.inputValue('input[name=lat]')), Number(await page.inputValue('input[name=lon]'))];
  assert.ok(dropped[0] < lat0, 'dragged south');
  await page.click('form.station-editor button[type=submit]');
  await waitFor(page, (v) => /版本 (\d+)/.exec(document.querySelector('form.station-editor .muted')?.textContent || '')?.[1] === String(v), before0.version + 1);
  let now = (await admin('GET', `/api/v1/stations/${st.id}`)).body;
  assert.equal(now.opening_hours, 'Mo-Fr 08:00-18:00; Sa 09:00-12:00');
  assert.ok(metres([now.lat, now.lon], dropped) < 0.05, `stored where dropped: ${now.lat},${now.lon} vs ${dropped}`);
  assert.ok(metres([now.lat, now.lon], [before0.lat, before0.lon]) > 1, 'moved');

  // Type GCJ-02 coordinates (as Amap shows them), and close the station for now.
  await page.selectOption('select[name=datum]', 'gcj02');
  await page.fill('input[name=lat]', String(SH_GCJ[0]));
  await page.fill('input[name=lon]', String(SH_GCJ[1]));
  await page.selectOption('select[name=status]', 'closed_temp');
  await page.fill('input[name=closed_reason]', '水管维修 plumbing');
  await page.fill('input[name=closed_until]', '2026-12-31T18:00');
  await page.click('form.station-editor button[type=submit]');
  await waitFor(page, (v) => /版本 (\d+)/.exec(document.querySelector('form.station-editor .muted')?.textContent || '')?.[1] === String(v), before0.version + 2);
  now = (await admin('GET', `/api/v1/stations/${st.id}`)).body;
  const off = metres([now.lat, now.lon], SH_WGS);
  assert.ok(off < 0.5, `GCJ-02 typed, WGS-84 stored within 0.5 m of the vector: ${off} m`);
  assert.equal(now.status, 'closed_temp');
  assert.equal(now.closed_reason, '水管维修 plumbing');
  assert.equal(now.closed_until, '2026-12-31T18:00:00+08:00');
  assert.equal(now.version, before0.version + 2);

  // The audit log: both edits, by this user, with before and after.
  const log = (await admin('GET', `/api/v1/audit?record=station:${st.id}&action=station_patch&user=${da.login}`)).body;
  assert.equal(log.entries.length, 2, JSON.stringify(log));
  const [last, first] = log.entries;
  assert.equal(first.outcome, 'ok');
  assert.equal(first.before.opening_hours, before0.opening_hours);
  assert.equal(first.after.opening_hours, 'Mo-Fr 08:00-18:00; Sa 09:00-12:00');
  assert.equal(last.before.status, before0.status);
  assert.equal(last.after.status, 'closed_temp');
  assert.equal(last.after.closed_reason, '水管维修 plumbing');
  assert.equal(last.record.district, D1);

  // A stale edit: someone changes the station behind the page's back.
  const r = await admin('PATCH', `/api/v1/stations/${st.id}`, { phone: '0577-88886666' }, { 'If-Match': `"${now.version}"` });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  await page.fill('input[name=name]', `${before0.name}（改）`);
  await page.click('form.station-editor button[type=submit]');
  await waitFor(page, () => /刚被别人修改过/.test(document.querySelector('form.station-editor > .alert:not([hidden])')?.textContent || ''));
  assert.equal(await page.inputValue('input[name=phone]'), '0577-88886666', 'the latest version is loaded');
  assert.equal(await page.inputValue('input[name=name]'), before0.name);
  assert.equal((await admin('GET', `/api/v1/stations/${st.id}`)).body.name, before0.name, 'the stale edit changed nothing');

  // Desktop screenshot of the editor.
  await page.setViewportSize(DESKTOP);
  await page.evaluate(() => window.scrollTo(0, 0));
  await shot(page, 'station-editor', { full: true });
  assert.deepEqual(errors, []);
  await ctx.close();

  // A district admin of another district: 403 from the server, nothing changed, no editing
  // offered by the page.
  const asOther = await apiAs(other);
  const cur = (await admin('GET', `/api/v1/stations/${st.id}`)).body;
  const refused = await asOther('PATCH', `/api/v1/stations/${st.id}`, { name: 'not mine' }, { 'If-Match': `"${cur.version}"` });
  assert.equal(refused.status, 403, JSON.stringify(refused.body));
  assert.equal((await admin('GET', `/api/v1/stations/${st.id}`)).body.version, cur.version);
  const ctx2 = await context(browser, { viewport: PHONE });
  const p2 = await ctx2.newPage();
  const errors2 = watch(p2);
  await login(p2, other, `#/stations/${st.id}`);
  await p2.waitForSelector('form.station-editor input[name=name]');
  assert.match(await p2.textContent('main .note'), /只能查看/);
  assert.equal(await p2.$('form.station-editor button[type=submit]'), null, 'no save button');
  assert.equal(await p2.isDisabled('input[name=name]'), true);
  await axe(p2, 'station read-only');
  assert.deepEqual(errors2, []);
  await ctx2.close();
});
