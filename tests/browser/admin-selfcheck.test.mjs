// SPDX-License-Identifier: MIT
// admin-selfcheck.test.mjs - the daily self-check and the experience officers in the console
// (issue 12): an operator on a 360 px phone fills today's self-check of their station (one item
// failed, with a note) and submits; the record, the rectification task it opened and the audit
// entry are read back through the API; a second self-check the same day is refused (409); the
// district admin's compliance changes (checked against GET /api/v1/selfchecks); the server
// refuses what the page hides (another station, another district). A city admin appoints an
// officer by the code their phone shows and revokes them with a reason after a confirmation;
// the officer's token then gets 403 on the officer routes and their draft cannot be submitted.
// axe-core on each screen at 360 px; screenshots selfcheck-operator, selfcheck-form,
// selfcheck-compliance and officers.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { takeProblems, waitFor } from './guard.mjs';
import { PHONE, BASE, ADMIN, launch, context, watch, login, apiAs, makeUser, axe, shot, shots, noSideScroll } from './console.mjs';

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

const uuid = () => '10000000-1000-4000-8000-100000000000'.replace(/[018]/g, (c) => (c ^ (Math.random() * 16) >> (c / 4)).toString(16));

test('an operator fills the daily self-check on a phone; the district admin sees compliance change', async () => {
  const [home, other] = (await admin('GET', '/api/v1/districts')).body.districts.map((d) => d.code);
  // the fourth station of each district: other tests use the first ones
  const station = (await admin('GET', `/api/v1/stations?district=${home}&per_page=4`)).body.stations[3];
  const away = (await admin('GET', `/api/v1/stations?district=${other}&per_page=4`)).body.stations[3];
  const op = await makeUser(admin, 'scop', [{ role: 'operator', scope: [String(station.id)] }], '王站长');
  const da = await makeUser(admin, 'scda', [{ role: 'district_admin', scope: [home] }]);
  const da2 = await makeUser(admin, 'scdo', [{ role: 'district_admin', scope: [other] }]);
  const asOp = await apiAs(op), asDa = await apiAs(da), asDa2 = await apiAs(da2);
  const before0 = (await asDa('GET', `/api/v1/selfchecks?district=${home}`)).body;
  const line0 = before0.stations.find((s) => s.id === station.id);
  assert.equal(line0.today, null, 'not checked yet today');

  // the operator's list on a phone: their station, not checked
  const ctx = await context(browser, { viewport: PHONE });
  const page = await ctx.newPage();
  const errors = watch(page);
  await login(page, op, '#/selfcheck');
  await page.waitForSelector(`tr[data-id="${station.id}"][data-done="false"]`);
  assert.equal(await page.locator('tr[data-id]').count(), 1, 'an operator sees their station only');
  await axe(page, 'self-check list (operator)');
  await noSideScroll(page, 'self-check list (operator)');
  await shot(page, 'selfcheck-operator');

  // the form: facilities pass, water and power fail with a note, tidy pass
  await page.click(`a[data-fill="${station.id}"]`);
  await page.waitForSelector('fieldset[data-criterion="tidy"]');
  assert.equal(await page.$('#if-kind'), null, 'no inspection kind on a self-check');
  await page.check('fieldset[data-criterion="facilities_intact"] input[value="true"]');
  await page.check('fieldset[data-criterion="water_power_safe"] input[value="false"]');
  await page.fill('fieldset[data-criterion="water_power_safe"] textarea', '插座松动，已报修');
  await page.check('fieldset[data-criterion="tidy"] input[value="true"]');
  await axe(page, 'self-check form');
  await noSideScroll(page, 'self-check form');
  await shot(page, 'selfcheck-form', { full: true });
  await page.click('.if-submit');
  await page.waitForSelector(`tr[data-id="${station.id}"][data-done="true"]`);

  // read back through the API
  const line = (await asDa('GET', `/api/v1/selfchecks?station=${station.id}`)).body.stations[0];
  assert.ok(line.today && line.today.inspection > 0, JSON.stringify(line));
  assert.equal(line.today.failed, 1);
  assert.equal(line.days_7d, line0.days_7d + 1);
  const insp = (await asOp('GET', `/api/v1/inspections/${line.today.inspection}`)).body;
  assert.equal(insp.status, 'submitted');
  const byCode = Object.fromEntries(insp.items.map((it) => [it.criterion, it]));
  assert.deepEqual([byCode.facilities_intact.pass, byCode.water_power_safe.pass, byCode.tidy.pass], [true, false, true]);
  assert.equal(byCode.water_power_safe.note, '插座松动，已报修');
  const tasks = (await asOp('GET', `/api/v1/tasks?station=${station.id}&limit=500`)).body.tasks.filter((x) => x.inspection_id === insp.id);
  assert.deepEqual(tasks.map((x) => [x.criterion, x.severity, x.status]), [['water_power_safe', 'high', 'open']]);
  const audit = (await admin('GET', `/api/v1/audit?record=inspection:${insp.id}&action=selfchecks_create&outcome=ok`)).body.entries;
  assert.equal(audit.length, 1);
  assert.equal(audit[0].actor.login, op.login);
  // a second self-check the same day: 409 naming the station; nothing new
  const twice = await asOp('POST', '/api/v1/selfchecks', { station: station.id, client_id: uuid(), scores: [
    { criterion: 'facilities_intact', pass: true }, { criterion: 'water_power_safe', pass: true }, { criterion: 'tidy', pass: true }] });
  assert.equal(twice.status, 409);
  assert.equal(twice.body.field, 'station');
  // the server refuses what the page hides: another station, another district's compliance
  const outside = await asOp('POST', '/api/v1/selfchecks', { station: away.id, client_id: uuid(), scores: [] });
  assert.equal(outside.status, 403);
  assert.equal((await asDa2('GET', `/api/v1/selfchecks?station=${station.id}`)).status, 403);
  assert.equal((await admin('GET', `/api/v1/selfchecks?station=${away.id}`)).body.stations[0].today, null, 'refusals wrote nothing');
  assert.deepEqual(errors, []);
  await ctx.close();

  // the district admin's compliance, filtered to the missing ones in the fragment
  const after1 = (await asDa('GET', `/api/v1/selfchecks?district=${home}`)).body;
  assert.equal(after1.submitted_today, before0.submitted_today + 1);
  const ctx2 = await context(browser, { viewport: PHONE });
  const page2 = await ctx2.newPage();
  const errors2 = watch(page2);
  await login(page2, da, `#/selfcheck?district=${home}`);
  await page2.waitForSelector('#sc-summary');
  assert.match(await page2.textContent('#sc-summary'), new RegExp(`今天 ${after1.submitted_today}/${after1.count} 个驿站已自查`));
  await page2.waitForSelector(`tr[data-id="${station.id}"][data-done="true"]`);
  await axe(page2, 'self-check compliance');
  await noSideScroll(page2, 'self-check compliance');
  await shot(page2, 'selfcheck-compliance');
  await page2.check('#sc-missing');
  await waitFor(page2, () => location.hash.includes('missing=1'));
  await page2.waitForSelector('#sc-summary');
  assert.equal(await page2.$(`tr[data-id="${station.id}"]`), null, 'a checked station is not among the missing');
  assert.equal(await page2.locator('tr[data-id]').count(), after1.count - after1.submitted_today);
  await page2.reload();
  await page2.waitForSelector('#sc-summary');
  assert.equal(await page2.isChecked('#sc-missing'), true, 'the filter survives a reload');
  assert.deepEqual(errors2, []);
  await ctx2.close();
});

test('a city admin appoints an officer by code and revokes them; the officer routes then refuse', async () => {
  const [home] = (await admin('GET', '/api/v1/districts')).body.districts.map((d) => d.code);
  const station = (await admin('GET', `/api/v1/stations?district=${home}&per_page=4`)).body.stations[3];
  const worker = (await (await fetch(`${BASE}/api/v1/workers`, { method: 'POST' })).json()).token;
  const asW = async (method, p, json) => {
    const res = await fetch(BASE + p, { method, headers: { Authorization: `Bearer ${worker}`, ...(json ? { 'Content-Type': 'application/json' } : {}) }, body: json ? JSON.stringify(json) : undefined });
    return { status: res.status, body: await res.json().catch(() => null) };
  };
  const code = (await asW('POST', '/api/v1/officers/code')).body.code;
  assert.match(code, /^[2-9A-Z]{10}$/);

  const ctx = await context(browser, { viewport: PHONE });
  const page = await ctx.newPage();
  const errors = watch(page);
  await login(page, ADMIN, '#/officers');
  await page.waitForSelector('#of-appoint');
  await page.fill('#of-appoint input[name=code]', 'BAD');
  await page.click('#of-appoint button[type=submit]');
  await page.waitForSelector('#of-appoint .err:not([hidden])'); // the server names the code
  await page.fill('#of-appoint input[name=code]', code.toLowerCase());
  // the worker's status is asked once the console's POST has been answered, not before
  const appointed = page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/api/v1/officers');
  await page.click('#of-appoint button[type=submit]');
  assert.equal((await appointed).status(), 201, 'the console appointed');
  const status = await asW('GET', '/api/v1/officer');
  assert.equal(status.body.officer, true, 'appointed');
  const id = status.body.id;
  await page.waitForSelector(`tr[data-id="${id}"][data-active="true"]`);
  const listed = (await admin('GET', '/api/v1/officers')).body.officers.find((o) => o.id === id);
  assert.equal(listed.active, true);
  assert.equal('worker_id' in listed, false, 'no worker id in the list');
  // a draft the officer will not be able to submit
  const self = (await admin('GET', '/api/v1/checklists')).body.checklists.find((c) => c.code === 'daily_self_check');
  const draft = await asW('POST', '/api/v1/officer/inspections', { station: station.id, checklist: self.id, client_id: uuid() });
  assert.equal(draft.status, 201, JSON.stringify(draft.body));
  await axe(page, 'officers');
  await noSideScroll(page, 'officers');
  await shot(page, 'officers');

  // revoke: the reason is required (the server's message under the field), then confirmed
  await page.click(`button[data-revoke="${id}"]`);
  await page.waitForSelector('#of-revoke');
  await page.click('#of-revoke button[type=submit]');
  await page.click('dialog.dialog .btn.primary');
  await page.waitForSelector('#of-revoke .err:not([hidden])');
  assert.equal((await admin('GET', '/api/v1/officers')).body.officers.find((o) => o.id === id).active, true, 'a refused revocation changed nothing');
  await page.fill('#of-revoke textarea', '调离本市');
  await page.click('#of-revoke button[type=submit]');
  await page.waitForSelector('dialog.dialog');
  await axe(page, 'revoke confirmation');
  await page.click('dialog.dialog .btn.primary');
  await page.waitForSelector(`tr[data-id="${id}"][data-active="false"]`);
  const revoked = (await admin('GET', '/api/v1/officers')).body.officers.find((o) => o.id === id);
  assert.equal(revoked.active, false);
  assert.equal(revoked.revoke_reason, '调离本市');
  const audit = (await admin('GET', `/api/v1/audit?record=officer:${id}&action=officer_revoke&outcome=ok`)).body.entries;
  assert.equal(audit.length, 1);
  assert.equal(audit[0].before.active, true);
  assert.equal(audit[0].after.active, false);
  // the officer routes refuse the token; the draft stays a draft
  assert.equal((await asW('GET', '/api/v1/officer/inspections')).status, 403);
  assert.equal((await asW('POST', `/api/v1/officer/inspections/${draft.body.id}/submit`, { scores: [] })).status, 403);
  assert.equal((await admin('GET', `/api/v1/inspections/${draft.body.id}`)).body.status, 'draft');
  // revoking twice: 409; a district admin may not revoke (the page does not offer it)
  assert.equal((await admin('POST', `/api/v1/officers/${id}/revoke`, { reason: 'again' })).status, 409);
  const da = await makeUser(admin, 'ofda', [{ role: 'district_admin', scope: [home] }]);
  assert.equal((await (await apiAs(da))('POST', `/api/v1/officers/${id}/revoke`, { reason: 'x' })).status, 403);
  assert.deepEqual(errors, []);
  await ctx.close();

  const ctx2 = await context(browser, { viewport: PHONE });
  const page2 = await ctx2.newPage();
  await login(page2, da, '#/officers');
  await page2.waitForSelector('.alert');
  assert.equal(await page2.$('#of-appoint'), null, 'no officers screen for a district admin');
  assert.equal(await page2.$('#nav a[href="#/officers"]'), null, 'not in the navigation');
  await ctx2.close();
});
