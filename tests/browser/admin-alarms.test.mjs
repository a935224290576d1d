// SPDX-License-Identifier: MIT
// admin-alarms.test.mjs - device alarms in the console (issue 14, point 3): two devices of a
// station stay silent; the node (which evaluates only when asked, --alarm-eval-s 0) evaluates a
// day ahead and 11 minutes later, so each has a no_heartbeat alarm. The station's operator, on
// a 360 px phone, sees both open, acknowledges one and makes a task of it (the console opens
// the task; the API shows both links). 15 minutes on, the other escalates: the district admin
// sees it marked escalated, an admin of another district sees none. axe-core on the list;
// screenshot alarms-list.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { takeProblems } from './guard.mjs';
import { PHONE, DESKTOP, ADMIN, launch, context, watch, login, apiAs, makeUser, axe, shot, shots, noSideScroll } from './console.mjs';

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

test('an operator acknowledges an alarm and makes a task of it; the other escalates to the district', async () => {
  const [home, other] = (await admin('GET', '/api/v1/districts')).body.districts.map((d) => d.code);
  const station = (await admin('GET', `/api/v1/stations?district=${home}&per_page=3`)).body.stations[2];
  const dev = async (kind) => {
    const r = await admin('POST', `/api/v1/stations/${station.code}/devices`, { kind, name: `告警 ${kind}` });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    return r.body.id;
  };
  const cab = await dev('battery_cabinet');
  const door = await dev('door');
  const op = await makeUser(admin, 'alop', [{ role: 'operator', scope: [String(station.id)] }], '王站长');
  const da = await makeUser(admin, 'alda', [{ role: 'district_admin', scope: [home] }]);
  const db = await makeUser(admin, 'aldb', [{ role: 'district_admin', scope: [other] }]);
  const asOp = await apiAs(op);

  const at = Date.now() + 86400000;
  const evaluate = async (ms) => {
    const r = await admin('POST', '/api/v1/alarms/evaluate', { at_ms: ms });
    assert.equal(r.status, 200, JSON.stringify(r.body));
  };
  await evaluate(at); // first seen: silent from here
  await evaluate(at + 11 * 60000);
  const mine = (await asOp('GET', '/api/v1/alarms')).body.alarms;
  const byDev = (id) => mine.find((a) => a.device.id === id && a.rule === 'no_heartbeat');
  const aCab = byDev(cab), aDoor = byDev(door);
  assert.ok(aCab && aDoor, JSON.stringify(mine));

  // the operator's list on a phone
  const ctx = await context(browser, { viewport: PHONE });
  const page = await ctx.newPage();
  const errors = watch(page);
  await login(page, op, '#/alarms');
  await page.waitForSelector(`li[data-alarm="${aCab.id}"]`);
  assert.match(await page.textContent(`li[data-alarm="${aCab.id}"]`), /设备失联/);
  assert.match(await page.textContent(`li[data-alarm="${aCab.id}"]`), /换电柜/);
  assert.equal(await page.getAttribute(`li[data-alarm="${aDoor.id}"]`, 'data-open'), 'true');
  await axe(page, 'alarms list (operator)');
  await noSideScroll(page, 'alarms list');
  await shot(page, 'alarms-list');

  // acknowledge the cabinet's alarm
  await page.click(`button[data-ack="${aCab.id}"]`);
  await page.waitForSelector(`li[data-alarm="${aCab.id}"] .badge.ok`);
  assert.equal(await page.$(`button[data-ack="${aCab.id}"]`), null, 'no second acknowledgement offered');
  let got = (await asOp('GET', '/api/v1/alarms')).body.alarms.find((a) => a.id === aCab.id);
  assert.ok(got.acked_at && got.acked_by === op.id, JSON.stringify(got));

  // make a task of it: the console opens the task
  await page.click(`button[data-task="${aCab.id}"]`);
  await page.waitForURL(/#\/tasks\/\d+$/);
  const taskId = Number(page.url().split('/').pop());
  const task = (await asOp('GET', `/api/v1/tasks/${taskId}`)).body;
  assert.equal(task.alarm_id, aCab.id);
  got = (await asOp('GET', '/api/v1/alarms')).body.alarms.find((a) => a.id === aCab.id);
  assert.equal(got.task_id, taskId);
  assert.deepEqual(errors, []);
  await ctx.close();

  // 15 minutes after opening, the unacknowledged one escalates; the acknowledged one does not
  await evaluate(at + 11 * 60000 + 15 * 60000);
  const dctx = await context(browser, { viewport: DESKTOP });
  const dpage = await dctx.newPage();
  await login(dpage, da, '#/alarms');
  await dpage.waitForSelector(`li[data-alarm="${aDoor.id}"]`);
  assert.equal(await dpage.getAttribute(`li[data-alarm="${aDoor.id}"]`, 'data-level'), 'district');
  assert.match(await dpage.textContent(`li[data-alarm="${aDoor.id}"] .badge.bad`), /已上报区管理员/);
  assert.equal(await dpage.getAttribute(`li[data-alarm="${aCab.id}"]`, 'data-level'), 'operator');
  assert.match(await dpage.textContent(`li[data-alarm="${aCab.id}"]`), /整改任务 \d+/);
  await axe(dpage, 'alarms list (district admin)');
  await dctx.close();

  // another district's admin: none of them
  const octx = await context(browser, { viewport: DESKTOP });
  const opage = await octx.newPage();
  await login(opage, db, '#/alarms');
  await opage.waitForSelector('h1');
  await opage.waitForLoadState('networkidle');
  assert.equal(await opage.$(`li[data-alarm="${aDoor.id}"]`), null);
  assert.equal(await opage.$(`li[data-alarm="${aCab.id}"]`), null);
  await octx.close();
});
