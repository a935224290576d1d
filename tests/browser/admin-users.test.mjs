// SPDX-License-Identifier: MIT
// admin-users.test.mjs - users and roles, and the audit log, in Chromium on a 360 px phone: the
// city admin makes a district admin; the district admin makes an operator of one of their
// stations (one-time password shown once), cannot see or reach another district's users (page
// and API), renames the operator (an over-long name is refused under the field; a stale version
// reloads and says so), disables them (their API session dies at once); then reads the audit
// log filtered by user and record, opens the rename's entry (before and after side by side) and
// downloads the CSV (its BOM, and the entry's row in the API's CSV too). Every change is read
// back through the API. axe-core on both screens; screenshots `users` and `audit-log`.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { takeProblems, waitFor } from './guard.mjs';
import { BASE, ADMIN, PHONE, launch, context, watch, login, session, apiAs, makeUser, axe, shot, shots, noSideScroll } from './console.mjs';

let browser;
let admin;
before(async () => {
  browser = await launch();
  admin = await apiAs(ADMIN);
});
afterEach(() => assert.deepEqual(takeProblems(), [], 'CSP violations or outside requests'));
after(async () => {
  if (browser) await browser.close();
  if (shots.length) console.log(`screenshots:\n${shots.map((s) => `  ${s}`).join('\n')}`);
});

const pub = async (p) => (await fetch(BASE + p)).json();
const tag = `${process.pid % 10000}`;

test('users and the audit log: a district admin manages their district\'s users, and only those', async () => {
  const { districts } = await pub('/api/v1/districts');
  const [D1, D2] = [districts[0].code, districts[1].code];
  const S1 = (await pub(`/api/v1/stations?district=${D1}&per_page=1`)).stations[0];
  // a user of another district, made by the city admin: the district admin of D1 must not see it
  const other = await makeUser(admin, 'dist2', [{ role: 'district_admin', scope: [D2] }], '外区管理员');

  // --- the city admin makes the district admin of D1 on the page ------------------------------
  const ctx = await context(browser, { viewport: PHONE });
  const page = await ctx.newPage();
  const errors = watch(page);
  await login(page, ADMIN, '#/users');
  await page.waitForSelector('main table');
  await axe(page, 'users list');
  await noSideScroll(page, 'users list');
  await page.goto(`${BASE}/admin/#/users/new`);
  await page.waitForSelector('form.user-form');
  const daLogin = `da${tag}`;
  const daPw = `pw-${daLogin}-long-enough`;
  await page.fill('form.user-form input[name=login]', daLogin);
  await page.fill('form.user-form input[name=name]', '鹿城区管理员');
  await page.fill('form.user-form input[name=password]', daPw);
  await page.selectOption('.role-row select', 'district_admin');
  await page.check(`.role-row input[type=checkbox][value="${D1}"]`);
  await axe(page, 'new user form');
  await noSideScroll(page, 'new user form');
  await page.click('form.user-form button[type=submit]');
  await page.waitForSelector('main a[href^="#/users/"]:has-text("' + daLogin + '")');
  const found = (await admin('GET', `/api/v1/users?q=${daLogin}`)).body.items;
  assert.equal(found.length, 1);
  const da = { login: daLogin, password: daPw, id: found[0].id };
  assert.deepEqual(found[0].roles, [{ role: 'district_admin', scope: [D1] }]);
  const created = await admin('GET', `/api/v1/audit?record=user:${da.id}&action=users_create`);
  assert.equal(created.body.entries.length, 1);
  assert.equal(created.body.entries[0].actor.login, ADMIN.login);
  assert.equal(created.body.entries[0].record.district, D1, 'a user of one district is filed under it');
  await page.goto(`${BASE}/admin/#/users?role=district_admin&q=${daLogin}`);
  await page.waitForSelector(`main table a:has-text("${daLogin}")`);
  assert.equal(await page.inputValue('select[name=role]'), 'district_admin', 'filters kept in the fragment');
  await shot(page, 'users');
  await ctx.close();

  // --- the district admin makes an operator of a station of D1 ---------------------------------
  const dctx = await context(browser, { viewport: PHONE });
  const dp = await dctx.newPage();
  const derrors = watch(dp);
  await login(dp, da, '#/users/new');
  await dp.waitForSelector('form.user-form .role-row select');
  const offered = await dp.$$eval('.role-row select option', (os) => os.map((o) => o.value));
  assert.deepEqual(offered, ['district_admin', 'operator', 'canteen'], 'only roles inside their districts');
  const opLogin = `op${tag}`;
  await dp.fill('form.user-form input[name=login]', opLogin);
  await dp.fill('form.user-form input[name=name]', '运营员');
  await dp.selectOption('.role-row select', 'operator');
  await dp.fill('.station-picker input[type=search]', S1.code);
  await dp.click('.station-picker .row button');
  await dp.click(`.station-picker .results button:has-text("${S1.code}")`);
  await dp.waitForSelector(`.station-picker .chip:has-text("${S1.code}")`);
  await dp.click('form.user-form button[type=submit]');
  await dp.waitForSelector('.otp');
  const otp = (await dp.textContent('.otp')).trim();
  assert.equal(otp.length, 22, 'a one-time password is shown once');
  const dapi = await apiAs(da);
  const ops = (await dapi('GET', `/api/v1/users?q=${opLogin}`)).body.items;
  assert.equal(ops.length, 1);
  const op = { login: opLogin, password: otp, id: ops[0].id };
  assert.deepEqual(ops[0].roles, [{ role: 'operator', scope: [String(S1.id)] }]);
  const opApi = await apiAs(op); // the one-time password logs in
  assert.equal((await opApi('GET', '/api/v1/session')).status, 200);

  // --- another district's users: not on the page, refused by the server ------------------------
  await dp.goto(`${BASE}/admin/#/users`);
  await dp.waitForSelector(`main table a:has-text("${opLogin}")`);
  assert.ok(!(await dp.textContent('main')).includes(other.login), 'another district\'s user is not listed');
  const list = (await dapi('GET', '/api/v1/users')).body.items.map((u) => u.id);
  assert.ok(list.includes(op.id) && !list.includes(other.id), `API list: ${list}`);
  assert.equal((await dapi('GET', `/api/v1/users/${other.id}`)).status, 403);
  assert.equal((await dapi('GET', `/api/v1/users?district=${D2}`)).status, 403);
  await dp.goto(`${BASE}/admin/#/users/${other.id}`);
  await dp.waitForSelector('main .alert');
  assert.match(await dp.textContent('main .alert'), /管辖范围/);
  const ov = (await admin('GET', `/api/v1/users/${other.id}`)).body.version;
  assert.equal((await dapi('PATCH', `/api/v1/users/${other.id}`, { disabled: true }, { 'If-Match': `"${ov}"` })).status, 403);
  assert.equal((await dapi('POST', '/api/v1/users', { login: `esc${tag}`, roles: [{ role: 'city_admin', scope: [] }] })).status, 403);
  assert.equal((await admin('GET', `/api/v1/users/${other.id}`)).body.disabled, false, 'nothing changed');
  assert.equal((await admin('GET', `/api/v1/users?q=esc${tag}`)).body.total, 0, 'no city admin made');

  // --- editing: over-long name under the field, a rename, a stale version, disabling ------------
  await dp.goto(`${BASE}/admin/#/users/${op.id}`);
  await dp.waitForSelector('form.user-form input[name=name]');
  await dp.fill('form.user-form input[name=name]', '名'.repeat(70));
  await dp.click('form.user-form button[type=submit]');
  await dp.waitForSelector('form.user-form .field .err:not([hidden])');
  assert.match(await dp.textContent('form.user-form .field .err:not([hidden])'), /显示名须为不超过 64 字/);
  assert.equal(await dp.getAttribute('form.user-form input[name=name]', 'aria-invalid'), 'true');
  assert.equal((await admin('GET', `/api/v1/users/${op.id}`)).body.name, '运营员', 'nothing changed');
  await dp.fill('form.user-form input[name=name]', '运营员甲');
  await dp.click('form.user-form button[type=submit]');
  await waitFor(dp, () => document.querySelector('#toast.show'));
  await waitFor(dp, (n) => document.querySelector('form.user-form input[name=name]')?.value === n, '运营员甲');
  let back = (await admin('GET', `/api/v1/users/${op.id}`)).body;
  assert.equal(back.name, '运营员甲');
  // someone else changes the user meanwhile: the page's save is stale, reloads and says so
  await dp.fill('form.user-form input[name=name]', '运营员乙');
  const bumped = await admin('PATCH', `/api/v1/users/${op.id}`, { name: '运营员丙' }, { 'If-Match': `"${back.version}"` });
  assert.equal(bumped.status, 200);
  await dp.click('form.user-form button[type=submit]');
  await dp.waitForSelector('main .note');
  assert.match(await dp.textContent('main .note'), /刚被别人修改/);
  assert.equal(await dp.inputValue('form.user-form input[name=name]'), '运营员丙', 'the latest version is shown');
  assert.equal((await admin('GET', `/api/v1/users/${op.id}`)).body.name, '运营员丙', 'the stale save changed nothing');
  // disable: confirmation, then the operator's session is dead for the API at once
  await dp.click('.user-actions .btn.danger');
  await dp.waitForSelector('dialog.dialog');
  await dp.click('dialog.dialog .btn.primary');
  await dp.waitForSelector('.user-actions .btn:not(.danger):has-text("重新启用")');
  back = (await admin('GET', `/api/v1/users/${op.id}`)).body;
  assert.equal(back.disabled, true);
  assert.equal((await opApi('GET', '/api/v1/session')).status, 401, 'the disabled operator\'s session ended');

  // --- the audit log: by user and record, an entry opened, the CSV -----------------------------
  await dp.goto(`${BASE}/admin/#/audit`);
  await dp.waitForSelector('form.audit-filters');
  await dp.fill('form.audit-filters input[name=user]', da.login);
  await dp.fill('form.audit-filters input[name=kind]', 'user');
  await dp.fill('form.audit-filters input[name=id]', String(op.id));
  await dp.click('form.audit-filters button[type=submit]');
  await waitFor(dp, () => location.hash.includes('record=user') && document.querySelector('table.audit tbody tr'));
  const hash = await dp.evaluate(() => location.hash);
  assert.match(hash, new RegExp(`user=${da.login}`));
  assert.match(hash, new RegExp(`record=user%3A${op.id}`));
  // the API's own view of the same filter: the page lists exactly those entries
  const apiEntries = (await dapi('GET', `/api/v1/audit?user=${da.login}&record=user:${op.id}`)).body.entries;
  const pageIds = await dp.$$eval('table.audit tbody tr[data-id]', (rs) => rs.map((r) => Number(r.dataset.id)));
  assert.deepEqual(pageIds, apiEntries.map((e) => e.id));
  const rename = apiEntries.find((e) => e.action === 'user_patch' && e.outcome === 'ok' && e.after && e.after.name === '运营员甲');
  assert.ok(rename, 'the rename is in the log');
  assert.equal(rename.before.name, '运营员');
  assert.ok(apiEntries.some((e) => e.action === 'user_patch' && e.status === 400), 'the refused over-long name too');
  assert.ok(apiEntries.some((e) => e.action === 'user_patch' && e.status === 409), 'and the stale save');
  await dp.click(`table.audit tr[data-id="${rename.id}"] button[aria-expanded]`);
  const panel = `table.audit tr[data-id="${rename.id}"] + tr.audit-panel`;
  await dp.waitForSelector(`${panel} .diff`);
  const changed = await dp.$$eval(`${panel} .diff tr.changed`, (rs) => rs.map((r) => [...r.children].map((c) => c.textContent)));
  const nameRow = changed.find((r) => r[0].startsWith('name'));
  assert.ok(nameRow, `name marked changed: ${JSON.stringify(changed)}`);
  assert.equal(nameRow[1], '运营员');
  assert.equal(nameRow[2], '运营员甲');
  assert.ok(changed.some((r) => r[0].startsWith('version')), 'version changed too');
  assert.ok(!changed.some((r) => r[0].startsWith('login')), 'the login did not change');
  await axe(dp, 'audit log');
  await noSideScroll(dp, 'audit log');
  await shot(dp, 'audit-log');
  // CSV of the same filter, downloaded as a file: the BOM and the rename's row
  const [dl] = await Promise.all([dp.waitForEvent('download'), dp.click('main .page-head .tools button')]);
  assert.match(dl.suggestedFilename(), /^audit-.*\.csv$/);
  const file = fs.readFileSync(await dl.path());
  assert.deepEqual([...file.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'the CSV starts with a BOM');
  const lines = file.toString('utf8').slice(1).split('\r\n');
  assert.match(lines[0], /^id,at,actor_kind,user_id,login/);
  assert.ok(lines.some((l) => l.startsWith(`${rename.id},`)), 'the rename\'s row is in the file');
  const { token } = await session(da);
  const res = await fetch(`${BASE}/api/v1/audit.csv?user=${da.login}&record=user:${op.id}`, { headers: { Authorization: `Bearer ${token}` } });
  const apiCsv = Buffer.from(await res.arrayBuffer());
  assert.equal(res.status, 200);
  assert.ok(apiCsv.equals(file), 'the downloaded file is the API\'s CSV byte for byte');
  // a district admin asking for another district's entries is refused, the page says so
  await dp.goto(`${BASE}/admin/#/audit?district=${D2}`);
  await dp.waitForSelector('form.audit-filters .alert:not([hidden])');
  assert.match(await dp.textContent('form.audit-filters .alert'), /管辖范围/);
  assert.equal((await dapi('GET', `/api/v1/audit?district=${D2}`)).status, 403);
  assert.deepEqual(errors, []);
  assert.deepEqual(derrors, []);
  await dctx.close();
});
