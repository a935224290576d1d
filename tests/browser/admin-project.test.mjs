// SPDX-License-Identifier: MIT
// admin-project.test.mjs - the project screen (#/project) in Chromium: a district admin on a
// 360 px phone sees their district's progress only (the numbers the API gives them), opens a
// station at "building", enters the date it was accepted; the page's numbers and the API's
// change, the audit log has the edit with its "before". A stale version is refused and
// reloaded; another district's admin is refused by the server and nothing changes. The city
// admin's view on a desktop. axe-core on each screen; screenshots `project`, `project-editor`.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { takeProblems, waitFor } from './guard.mjs';
import { BASE, ADMIN, PHONE, DESKTOP, launch, context, watch, login, apiAs, makeUser, axe, shot, shots, noSideScroll } from './console.mjs';

let browser;
let admin;
let X, DX, DO;
before(async () => {
  browser = await launch();
  admin = await apiAs(ADMIN);
  const p = (await admin('GET', '/api/v1/project')).body;
  const s = p.livelihood.find((x) => x.stage === 'building' && !x.overdue);
  assert.ok(s, 'the demo city has a project station at "building"');
  X = s.id;
  DX = s.district_code;
  DO = p.districts.find((d) => d.code !== DX).code;
});
afterEach(() => assert.deepEqual(takeProblems(), [], 'CSP violations or outside requests'));
after(async () => {
  if (browser) await browser.close();
  if (shots.length) console.log(`screenshots:\n${shots.map((s) => `  ${s}`).join('\n')}`);
});

const today = () => new Date(Date.now() + 8 * 3600e3).toISOString().slice(0, 10);
/** The numbers of the page's progress row of `code`: {livelihood, stages, overdue}. */
async function pageRow(page, code) {
  return page.$eval(`section[aria-labelledby=pj-progress] tr[data-district="${code}"]`, (tr) => {
    const c = [...tr.children].map((x) => x.textContent.trim());
    // district, bar, stations, none, planned, site_agreed, building, accepted, open, overdue
    const n = c.slice(2).map(Number);
    return { livelihood: n[0], stages: { none: n[1], planned: n[2], site_agreed: n[3], building: n[4], accepted: n[5], open: n[6] }, overdue: n[7] };
  });
}

test('a district admin at 360 px: their progress, a milestone edited, numbers and audit change', async () => {
  const da = await makeUser(admin, 'pjda', [{ role: 'district_admin', scope: [DX] }]);
  const other = await makeUser(admin, 'pjdo', [{ role: 'district_admin', scope: [DO] }]);
  const asDa = await apiAs(da);
  const before0 = (await asDa('GET', '/api/v1/project')).body;
  assert.deepEqual(before0.districts.map((d) => d.code), [DX], 'the API gives them their district only');

  const ctx = await context(browser, { viewport: PHONE });
  const page = await ctx.newPage();
  const errors = watch(page);
  await login(page, da, '#/project');
  await page.waitForSelector(`section[aria-labelledby=pj-progress] tr[data-district="${DX}"]`);
  const rows = await page.$$eval('section[aria-labelledby=pj-progress] tbody tr', (trs) => trs.map((tr) => tr.dataset.district));
  assert.deepEqual(rows, [DX, 'total'], 'their district and the total, nothing else');
  const r0 = await pageRow(page, DX);
  const api0 = before0.districts[0];
  assert.deepEqual(r0, { livelihood: api0.livelihood, stages: api0.stages, overdue: api0.overdue }, 'page = API');
  assert.ok(await page.$(`tr[data-station="${X}"]`), 'the station is listed');
  assert.ok(await page.$('[data-tier=benchmark]') && await page.$('[data-tier=smart24h]'), 'tier shares shown');
  assert.ok(await page.$('section[aria-labelledby=pj-not_on_maps] a[href^="#/stations/"]') ||
    before0.not_on_maps.length === 0, 'not-on-maps list links to the station editor');
  await noSideScroll(page, 'project at 360 px');
  await axe(page, 'project at 360 px');
  await shot(page, 'project');

  // the CSV of a list: the server's bytes, BOM first
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click('button[data-csv=livelihood]')]);
  const bytes = await (await dl.createReadStream()).toArray().then((c) => Buffer.concat(c));
  assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'CSV starts with a BOM');
  assert.equal(bytes.toString('utf8').trim().split('\r\n').length - 1, before0.livelihood.length, 'a row per project station');

  // ui.js's download() keeps its empty link in the page for a second
  await page.waitForSelector('a[download]', { state: 'detached' });

  // the editor: the accepted date, saved with If-Match
  await page.click(`tr[data-station="${X}"] a`);
  await page.waitForSelector('form.pj-editor');
  await noSideScroll(page, 'editor at 360 px');
  await axe(page, 'milestone editor at 360 px');
  const m0 = (await admin('GET', `/api/v1/stations/${X}/milestones`)).body;
  await page.fill('[data-field="milestones.accepted.actual"]', today());
  await page.fill('[data-field="milestones.accepted.note"]', '验收通过（测试）');
  await page.click('form.pj-editor button[type=submit]');
  await waitFor(page, () => document.getElementById('toast').textContent.includes('节点已保存'));
  const m1 = (await admin('GET', `/api/v1/stations/${X}/milestones`)).body;
  assert.equal(m1.version, m0.version + 1);
  assert.equal(m1.stage, 'accepted');
  assert.equal(m1.milestones.find((m) => m.milestone === 'accepted').actual, today());
  // the editor is read again after a save: the badge moves to "accepted"
  await page.waitForSelector('fieldset[data-milestone=accepted] legend .badge.ok');
  await shot(page, 'project-editor');

  // the audit log has it, with "before"
  const audit = (await admin('GET', `/api/v1/audit?record=station:${X}&action=station_milestones_patch&outcome=ok`)).body.entries;
  assert.equal(audit.length, 1);
  assert.equal(audit[0].actor.login, da.login);
  assert.equal(audit[0].before.stage, 'building');
  assert.equal(audit[0].after.stage, 'accepted');
  assert.equal(audit[0].record.district, DX);

  // a stale version: someone else saves first; the page reloads and says so
  const r = await admin('PATCH', `/api/v1/stations/${X}/milestones`, { milestones: { open: { note: '市总备注' } } }, { 'If-Match': `"${m1.version}"` });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  await page.fill('[data-field="milestones.open.planned"]', today());
  await page.click('form.pj-editor button[type=submit]');
  await page.waitForSelector('form.pj-editor > .alert:not([hidden])');
  assert.match(await page.textContent('form.pj-editor > .alert'), /刚被别人修改过/);
  assert.equal(await page.inputValue('[data-field="milestones.open.note"]'), '市总备注', 'reloaded');
  const m2 = (await admin('GET', `/api/v1/stations/${X}/milestones`)).body;
  assert.equal(m2.version, m1.version + 1, 'the stale save changed nothing');

  // bad input: the field the server names
  await page.fill('[data-field="milestones.open.actual"]', '2000-01-01');
  await page.click('form.pj-editor button[type=submit]');
  await page.waitForSelector('[data-field="milestones.open.actual"][aria-invalid=true]');

  // back on the overview: the numbers moved
  await page.goto(`${BASE}/admin/#/project`);
  await page.waitForSelector(`section[aria-labelledby=pj-progress] tr[data-district="${DX}"]`);
  const r1 = await pageRow(page, DX);
  assert.equal(r1.stages.building, r0.stages.building - 1);
  assert.equal(r1.stages.accepted, r0.stages.accepted + 1);
  const api1 = (await asDa('GET', '/api/v1/project')).body.districts[0];
  assert.deepEqual(r1.stages, api1.stages, 'page = API after the edit');

  // another district's admin: the server refuses, nothing changes
  const asOther = await apiAs(other);
  const bad = await asOther('PATCH', `/api/v1/stations/${X}/milestones`, { milestones: { open: { actual: today() } } }, { 'If-Match': `"${m2.version}"` });
  assert.equal(bad.status, 403);
  assert.equal((await asOther('GET', `/api/v1/project?district=${DX}`)).status, 403);
  assert.equal((await admin('GET', `/api/v1/stations/${X}/milestones`)).body.version, m2.version);
  assert.deepEqual(errors, []);
  await ctx.close();
});

test('the city admin on a desktop: every district, tier targets, the lists', async () => {
  const ctx = await context(browser, { viewport: DESKTOP });
  const page = await ctx.newPage();
  const errors = watch(page);
  await login(page, ADMIN, '#/project');
  await page.waitForSelector('section[aria-labelledby=pj-progress] tr[data-district="total"]');
  const p = (await admin('GET', '/api/v1/project')).body;
  const n = await page.$$eval('section[aria-labelledby=pj-progress] tbody tr', (trs) => trs.length);
  assert.equal(n, p.districts.length + 1);
  assert.equal(await pageRow(page, 'total').then((r) => r.livelihood), p.total.livelihood);
  const line = await page.textContent('[data-tier=benchmark]');
  assert.ok(line.includes(String(p.targets.benchmark.count)), line);
  await page.click('button[aria-pressed=false]'); // overdue only
  await page.waitForSelector('button[aria-pressed=true]');
  const listed = await page.$$eval('section[aria-labelledby=pj-stations] tbody tr', (trs) => trs.length);
  assert.equal(listed, p.livelihood.filter((s) => s.overdue).length);
  assert.match(page.url(), /overdue=1/, 'the filter is in the fragment');
  await axe(page, 'project on a desktop');
  await shot(page, 'project');
  assert.deepEqual(errors, []);
  await ctx.close();
});
