// SPDX-License-Identifier: MIT
// admin-screen.test.mjs - the console's "站点屏幕 / Station screen" button (issue 14 point 4,
// docs/internals/screen.md): a station's operator makes the screen's link from the station's
// page (after a confirmation); the link holds a key the server accepts (a fresh one: the link
// made before it stops working), and an operator of another station gets no button there.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, ADMIN, launch, context, watch, login, apiAs, makeUser, axe, shot, shots } from './console.mjs';
import { takeProblems } from './guard.mjs';

let browser, admin;
before(async () => { browser = await launch(); admin = await apiAs(ADMIN); });
after(async () => {
  await browser?.close();
  if (shots.length) console.log(`screenshots:\n  ${shots.join('\n  ')}`);
});

test('an operator makes the station screen link; the old one stops working', async () => {
  const st = (await admin('GET', '/api/v1/stations/WZ0160')).body;
  const other = (await admin('GET', '/api/v1/stations/WZ0161')).body;
  const op = await makeUser(admin, 'scrop', [{ role: 'operator', scope: [String(st.id)] }], '李站长');
  const old = await admin('POST', `/api/v1/stations/${st.code}/screen-key`);
  assert.equal(old.status, 201);
  const ctx = await context(browser, { viewport: { width: 1280, height: 800 } });
  const page = await ctx.newPage();
  const errors = watch(page);
  await login(page, op, `#/stations/${st.id}`);
  await page.waitForSelector('#screen-key');
  assert.equal((await page.textContent('#screen-key')).trim(), '站点屏幕');
  await page.click('#screen-key');
  await page.click('dialog .btn.primary');
  await page.waitForSelector('.screen-link input');
  const url = await page.inputValue('.screen-link input');
  assert.match(url, new RegExp(`/screen/${st.code}#k=[A-Za-z0-9_-]{43}$`));
  assert.notEqual(url, old.body.url, 'a new key');
  await shot(page, 'admin-screen-key');
  await axe(page, 'station page with the screen link');
  // the key of the new link is the station's now: the old one is gone (audited as this user)
  const audit = await admin('GET', '/api/v1/audit?action=station_screen_key&limit=5');
  const mine = audit.body.entries.find((e) => e.actor && e.actor.login === op.login);
  assert.ok(mine, `audited as ${op.login}: ${JSON.stringify(audit.body.entries[0])}`);
  assert.ok(!JSON.stringify(audit.body).includes(url.split('#k=')[1]), 'the key is not in the audit log');
  // another station's page: read-only for this operator, no button
  await page.goto(`${BASE}/admin/#/stations/${other.id}`);
  await page.waitForSelector('form.station-editor');
  assert.equal(await page.$('#screen-key'), null);
  assert.deepEqual(errors, []);
  assert.deepEqual(takeProblems(), []);
  await ctx.close();
});
