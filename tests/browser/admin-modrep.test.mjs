// SPDX-License-Identifier: MIT
// admin-modrep.test.mjs - the moderation queue and the problem reports board in Chromium:
// held reviews made through the public API, approved and rejected from the keyboard by a
// moderator on a 360 px phone (one, then a batch of two), each checked through the API (the
// review public or not) and in the audit log (before and after); then a district admin moves
// a report open → acknowledged (assigned to an operator) → in progress → closed (fixed), each
// step read back through the API and the audit log; an operator of another station is refused
// by the API and offered no form. axe-core on both screens at 360 px.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { takeProblems, waitFor } from './guard.mjs';
import { BASE, ADMIN, PHONE, DESKTOP, launch, context, watch, login, apiAs, makeUser, axe, shot, shots, noSideScroll } from './console.mjs';

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

const tag = `${process.pid % 100000}`;

/** A held review at `code`: a new worker rates with a phone number in the text. */
async function heldReview(code, n) {
  const w = await (await fetch(`${BASE}/api/v1/workers`, { method: 'POST' })).json();
  const res = await fetch(`${BASE}/api/v1/stations/${encodeURIComponent(code)}/ratings`, {
    method: 'POST', headers: { Authorization: `Bearer ${w.token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ stars: 4, text: `很好，有事打 １３８ １２３４ ５６７${n} 第${tag}号` }),
  });
  const body = await res.json();
  assert.equal(res.status, 201, JSON.stringify(body));
  assert.equal(body.rating.status, 'held', JSON.stringify(body));
  assert.ok(body.rating.reasons.includes('phone'));
  return body.rating.id;
}

const publicReviews = async (sid) => (await (await fetch(`${BASE}/api/v1/stations/${sid}/reviews?per_page=100`)).json()).reviews.map((r) => r.id);

async function auditOf(record, action) {
  const r = await admin('GET', `/api/v1/audit?record=${record}&action=${action}&outcome=ok&limit=5`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body.entries;
}

test('moderation queue: approve and reject held reviews from the keyboard, one and a batch', async () => {
  const st = (await admin('GET', '/api/v1/stations?per_page=1')).body.stations[0];
  const ids = [];
  for (let i = 0; i < 4; i++) ids.push(await heldReview(st.code, i));
  const mod = await makeUser(admin, 'mod', [{ role: 'moderator', scope: [] }]);

  // Desktop first, with the whole queue, for the screenshot.
  {
    const ctx = await context(browser, { viewport: DESKTOP });
    const page = await ctx.newPage();
    const errors = watch(page);
    await login(page, mod, '#/moderation');
    await page.waitForSelector(`.mod-item[data-key="review:${ids[3]}"]`);
    await shot(page, 'moderation-queue');
    assert.deepEqual(errors, []);
    await ctx.close();
  }

  const ctx = await context(browser, { viewport: PHONE });
  const page = await ctx.newPage();
  const errors = watch(page);
  await login(page, mod, '#/moderation');
  const item = (id) => `.mod-item[data-key="review:${id}"]`;
  await page.waitForSelector(item(ids[0]));
  assert.match(await page.textContent(item(ids[0])), /电话号码/, 'the reason in Chinese');
  assert.match(await page.textContent(item(ids[0])), new RegExp(`第${tag}号`));
  assert.ok(await page.$('.mod-keys kbd'), 'the keyboard help');
  await axe(page, 'moderation queue');
  await noSideScroll(page, 'moderation queue');
  await shot(page, 'moderation-queue');

  // a approves the focused item; the list updates, focus moves on, the live region says so
  await page.focus(item(ids[0]));
  await page.keyboard.press('a');
  await page.waitForSelector(item(ids[0]), { state: 'detached' });
  await waitFor(page, () => /已通过/.test(document.getElementById('mod-live').textContent));
  assert.ok(await page.evaluate(() => document.activeElement.classList.contains('mod-item') || document.activeElement.tagName === 'H1'));
  assert.ok((await publicReviews(st.id)).includes(ids[0]), 'approved review is public');
  let e = await auditOf(`review:${ids[0]}`, 'moderation_approve');
  assert.equal(e.length, 1);
  assert.equal(e[0].actor.login, mod.login);
  assert.equal(e[0].before.status, 'held');
  assert.equal(e[0].after.status, 'published');
  assert.equal(e[0].record.kind, 'review');

  // r rejects
  await page.focus(item(ids[1]));
  await page.keyboard.press('r');
  await page.waitForSelector(item(ids[1]), { state: 'detached' });
  await waitFor(page, () => /已驳回/.test(document.getElementById('mod-live').textContent));
  assert.ok(!(await publicReviews(st.id)).includes(ids[1]), 'rejected review is not public');
  e = await auditOf(`review:${ids[1]}`, 'moderation_reject');
  assert.equal(e[0].before.status, 'held');
  assert.equal(e[0].after.status, 'rejected');

  // x selects two, "approve selected" approves both
  await page.focus(item(ids[2]));
  await page.keyboard.press('x');
  await page.focus(item(ids[3]));
  await page.keyboard.press('x');
  assert.equal(await page.getAttribute(item(ids[2]), 'data-selected'), 'true');
  await page.click('.mod-tools .btn.primary');
  await page.waitForSelector(item(ids[2]), { state: 'detached' });
  await page.waitForSelector(item(ids[3]), { state: 'detached' });
  await waitFor(page, () => /2 条成功，0 条失败/.test(document.getElementById('mod-live').textContent));
  const pub = await publicReviews(st.id);
  assert.ok(pub.includes(ids[2]) && pub.includes(ids[3]), 'the batch is public');
  for (const id of [ids[2], ids[3]]) {
    e = await auditOf(`review:${id}`, 'moderation_approve');
    assert.equal(e.length, 1);
    assert.equal(e[0].before.status, 'held');
  }
  // A district admin has no queue: the server refuses it too.
  const D = (await admin('GET', '/api/v1/districts')).body.districts[0].code;
  const da = await makeUser(admin, 'modda', [{ role: 'district_admin', scope: [D] }]);
  assert.equal((await (await apiAs(da))('GET', '/api/v1/moderation/held')).status, 403);
  assert.deepEqual(errors, []);
  await ctx.close();
});

/** A new open report at a station of `district` (one whose report does not join another). */
async function newReport(district) {
  const list = (await admin('GET', `/api/v1/stations?district=${district}&per_page=50`)).body.stations;
  for (const s of list) {
    const res = await fetch(`${BASE}/open311/v2/requests.json`, {
      method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: `service_code=battery_swap_unavailable&attribute%5Bstation_code%5D=${encodeURIComponent(s.code)}&description=${encodeURIComponent(`换电柜没电 ${tag}`)}`,
    });
    const body = await res.json();
    if (res.status === 201) return { id: Number(body[0].service_request_id), station: s, others: list.filter((x) => x.id !== s.id) };
  }
  throw new Error('no station without an open report');
}

test('reports board: a district admin moves a report through its lifecycle, with an assignment', async () => {
  const districts = (await admin('GET', '/api/v1/districts')).body.districts;
  const D1 = districts[0].code;
  const { id: R, station, others } = await newReport(D1);
  const da = await makeUser(admin, 'repda', [{ role: 'district_admin', scope: [D1] }], '区管理员');
  const op = await makeUser(admin, 'repop', [{ role: 'operator', scope: [String(station.id)] }], '王运营');
  const opX = await makeUser(admin, 'repox', [{ role: 'operator', scope: [String(others[0].id)] }]);

  const ctx = await context(browser, { viewport: PHONE });
  const page = await ctx.newPage();
  const errors = watch(page);
  await login(page, da, `#/reports?district=${D1}&status=open&order=oldest`);
  await page.waitForSelector(`tr[data-id="${R}"]`);
  assert.equal(await page.inputValue('select[name=district]'), D1, 'the filter is kept from the fragment');
  await axe(page, 'reports board');
  await noSideScroll(page, 'reports board');
  await shot(page, 'reports-board');
  await page.click(`tr[data-id="${R}"] a`);
  await page.waitForSelector('form select[name=assigned_to]');
  await axe(page, 'report');
  await noSideScroll(page, 'report');

  const read = async () => (await admin('GET', `/api/v1/reports/${R}`)).body;
  const lastPatch = async () => (await auditOf(`report:${R}`, 'report_patch'))[0];
  const save = async () => {
    await page.click('main form button[type=submit]');
    await page.waitForSelector('#toast.show');
    await waitFor(page, () => !document.querySelector('main form button[aria-busy]'));
  };

  // open → acknowledged, assigned to the station's operator
  await page.selectOption('select[name=status]', 'acknowledged');
  await page.selectOption('select[name=assigned_to]', String(op.id));
  await save();
  await waitFor(page, () => /已受理/.test(document.getElementById('rep-status')?.textContent || ''));
  let r = await read();
  assert.equal(r.status, 'acknowledged');
  assert.equal(r.assigned_to, op.id);
  let e = await lastPatch();
  assert.equal(e.actor.login, da.login);
  assert.equal(e.before.status, 'open');
  assert.equal(e.before.assigned_to, null);
  assert.equal(e.after.status, 'acknowledged');
  assert.equal(e.after.assigned_to, op.id);
  assert.equal(e.record.district, D1);
  assert.match(await page.textContent('#rep-assignee'), /王运营/);

  // → in progress
  await page.selectOption('select[name=status]', 'in_progress');
  await save();
  await waitFor(page, () => /处理中/.test(document.getElementById('rep-status')?.textContent || ''));
  r = await read();
  assert.equal(r.status, 'in_progress');
  e = await lastPatch();
  assert.equal(e.before.status, 'acknowledged');
  assert.equal(e.after.status, 'in_progress');

  // → closed without a reason: the server names the field; with "fixed": closed
  await page.selectOption('select[name=status]', 'closed');
  await page.selectOption('select[name=reason]', '');
  await page.click('main form button[type=submit]');
  await waitFor(page, () => document.querySelector('select[name=reason]').getAttribute('aria-invalid') === 'true');
  assert.equal((await read()).status, 'in_progress', 'nothing changed');
  await page.selectOption('select[name=reason]', 'fixed');
  await save();
  await waitFor(page, () => /已关闭/.test(document.getElementById('rep-status')?.textContent || ''));
  r = await read();
  assert.equal(r.status, 'closed');
  assert.equal(r.reason, 'fixed');
  e = await lastPatch();
  assert.equal(e.before.status, 'in_progress');
  assert.equal(e.after.status, 'closed');
  assert.equal(e.after.reason, 'fixed');
  assert.deepEqual(errors, []);
  await ctx.close();

  // An operator of another station: the API refuses, the board offers no form.
  const asX = await apiAs(opX);
  const refused = await asX('PATCH', `/api/v1/reports/${R}`, { notes: 'not mine' });
  assert.equal(refused.status, 403, JSON.stringify(refused.body));
  assert.equal((await read()).notes, null, 'nothing changed');
  const ctx2 = await context(browser, { viewport: PHONE });
  const page2 = await ctx2.newPage();
  const errors2 = watch(page2);
  await login(page2, opX, `#/reports/${R}`);
  await page2.waitForSelector('main .note');
  assert.equal(await page2.$('main form select[name=assigned_to]'), null, 'no form for another station');
  assert.deepEqual(errors2, []);
  await ctx2.close();
});
