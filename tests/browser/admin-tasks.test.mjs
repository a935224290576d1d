// SPDX-License-Identifier: MIT
// admin-tasks.test.mjs - rectification tasks in the console (issue 12, point 5): an inspection
// submitted through the API with two failed criteria puts two tasks on the operator's board
// (360 px phone, overdue countdown, inbox with its unread count); the operator marks a
// notification read, answers a task with a photo (a PNG made here) and is offered no
// verification (the server refuses it too); an inspector verifies and closes it. Each step is
// read back through the API and the audit log. axe-core on the board and the task; screenshot
// tasks-board.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import zlib from 'node:zlib';
import { takeProblems } from './guard.mjs';
import { PHONE, ADMIN, launch, context, watch, login, apiAs, makeUser, axe, shot, shots, noSideScroll } from './console.mjs';

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

/** A small valid PNG (RGB, a gradient), built here: signature, IHDR, IDAT, IEND. */
function png(w = 64, h = 48) {
  const table = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf) => { let c = 0xffffffff; for (const b of buf) c = table[(c ^ b) & 0xff] ^ (c >>> 8); return (c ^ 0xffffffff) >>> 0; };
  const chunk = (type, data) => {
    const len = Buffer.alloc(4); len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const c = Buffer.alloc(4); c.writeUInt32BE(crc(td));
    return Buffer.concat([len, td, c]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0); ihdr.writeUInt32BE(h, 4); ihdr[8] = 8; ihdr[9] = 2;
  const raw = Buffer.alloc(h * (1 + w * 3));
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) raw.set([x * 4, y * 5, 120], y * (1 + w * 3) + 1 + x * 3);
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', zlib.deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

const uuid = () => '10000000-1000-4000-8000-100000000000'.replace(/[018]/g, (c) => (c ^ (Math.random() * 16) >> (c / 4)).toString(16));

test('an operator answers a task with a photo on a phone; an inspector verifies it', async () => {
  const districts = (await admin('GET', '/api/v1/districts')).body.districts.map((d) => d.code);
  const [home, other] = districts;
  const station = (await admin('GET', `/api/v1/stations?district=${home}&per_page=1`)).body.stations[0];
  const op = await makeUser(admin, 'tkop', [{ role: 'operator', scope: [String(station.id)] }], '李站长');
  const insp = await makeUser(admin, 'tkin', [{ role: 'inspector', scope: [] }], '张检查');
  const da2 = await makeUser(admin, 'tkdo', [{ role: 'district_admin', scope: [other] }]);
  const asIn = await apiAs(insp), asOp = await apiAs(op), asDa2 = await apiAs(da2);

  // the inspector submits a daily self-check with two failures: two tasks
  const self = (await asIn('GET', '/api/v1/checklists')).body.checklists.find((c) => c.code === 'daily_self_check');
  const created = await asIn('POST', '/api/v1/inspections', { station: station.id, checklist: self.id, kind: 'open', client_id: uuid() });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const sub = await asIn('POST', `/api/v1/inspections/${created.body.id}/submit`, {
    scores: [{ criterion: 'facilities_intact', pass: true }, { criterion: 'water_power_safe', pass: false }, { criterion: 'tidy', pass: false }],
  });
  assert.equal(sub.status, 200, JSON.stringify(sub.body));
  const mine = (await asOp('GET', `/api/v1/tasks?station=${station.id}&limit=500`)).body.tasks.filter((x) => x.inspection_id === created.body.id);
  assert.equal(mine.length, 2, JSON.stringify(mine));
  const task = mine.find((x) => x.criterion === 'water_power_safe');
  assert.equal(task.severity, 'high');
  const unread0 = (await asOp('GET', '/api/v1/inbox')).body.unread;
  assert.ok(unread0 >= 2, `operator told of the new tasks: ${unread0}`);

  // the operator's board on a phone
  const ctx = await context(browser, { viewport: PHONE });
  const page = await ctx.newPage();
  const errors = watch(page);
  await login(page, op, '#/tasks');
  await page.waitForSelector(`li[data-task="${task.id}"]`);
  assert.match(await page.textContent(`li[data-task="${task.id}"]`), /水电安全/);
  assert.match(await page.textContent(`li[data-task="${task.id}"] .tk-due`), /剩 2 天 23 小时|剩 3 天 0 小时/);
  assert.equal(await page.getAttribute('[data-unread]', 'data-unread'), String(unread0));
  await axe(page, 'tasks board');
  await noSideScroll(page, 'tasks board');
  await shot(page, 'tasks-board');
  // mark the newest notification read
  await page.click('button[data-read]');
  await page.waitForSelector(`[data-unread="${unread0 - 1}"]`);
  assert.equal((await asOp('GET', '/api/v1/inbox')).body.unread, unread0 - 1);

  // answer with a photo
  await page.click(`li[data-task="${task.id}"] a.tk-link`);
  await page.waitForSelector('form.tk-answer');
  assert.equal(await page.$('form.tk-verify'), null, 'no verification offered to the operator');
  await axe(page, 'task answer');
  await noSideScroll(page, 'task answer');
  await page.click('form.tk-answer button[type=submit]');
  await page.waitForSelector('form.tk-answer .alert:not([hidden])'); // the answer is required (the server says so)
  await page.fill('form.tk-answer textarea', '已请电工检修，插座已更换');
  await page.setInputFiles('form.tk-answer input[type=file]', { name: 'fixed.png', mimeType: 'image/png', buffer: png() });
  await page.click('form.tk-answer button[type=submit]');
  await page.waitForSelector('dd[data-status="answered"]');
  await page.waitForSelector('.tk-photos img');
  const answered = (await asOp('GET', `/api/v1/tasks/${task.id}`)).body;
  assert.equal(answered.status, 'answered');
  assert.equal(answered.answer, '已请电工检修，插座已更换');
  assert.equal(answered.answer_photos.length, 1);
  assert.match(answered.answer_photos[0], /^[0-9a-f]{64}$/);
  const photo = await fetch(new URL(`/api/v1/photos/${answered.answer_photos[0]}/thumb.jpg`, page.url()), { headers: { Cookie: (await ctx.cookies()).map((c) => `${c.name}=${c.value}`).join('; ') } });
  assert.equal(photo.status, 200, 'the uploaded photo is stored');
  const audit1 = (await admin('GET', `/api/v1/audit?record=task:${task.id}&action=task_answer&outcome=ok`)).body.entries;
  assert.equal(audit1.length, 1);
  assert.equal(audit1[0].before.status, 'open');
  // the server refuses what the page hides: the operator verifying, another district reading
  assert.equal((await asOp('POST', `/api/v1/tasks/${task.id}/verify`, { result: 'close' })).status, 403);
  assert.equal((await asDa2('GET', `/api/v1/tasks/${task.id}`)).status, 403);
  assert.equal((await asOp('GET', `/api/v1/tasks/${task.id}`)).body.status, 'answered', 'refusals changed nothing');
  assert.deepEqual(errors, []);
  await ctx.close();

  // the inspector verifies and closes it
  const ctx2 = await context(browser, { viewport: PHONE });
  const page2 = await ctx2.newPage();
  const errors2 = watch(page2);
  await login(page2, insp, `#/tasks/${task.id}`);
  await page2.waitForSelector('form.tk-verify');
  assert.equal(await page2.$('form.tk-answer'), null, 'no answer form for an inspector');
  await axe(page2, 'task verify');
  await page2.fill('form.tk-verify textarea', '现场复查合格');
  await page2.click('button[data-result="close"]');
  await page2.waitForSelector('dd[data-status="closed"]');
  const closed = (await asIn('GET', `/api/v1/tasks/${task.id}`)).body;
  assert.equal(closed.status, 'closed');
  assert.equal(closed.verified_by, insp.id);
  assert.deepEqual(closed.history.map((e) => e.action), ['open', 'answer', 'close']);
  const audit2 = (await admin('GET', `/api/v1/audit?record=task:${task.id}&action=task_verify&outcome=ok`)).body.entries;
  assert.equal(audit2.length, 1);
  assert.equal(audit2[0].before.status, 'answered');
  // closing twice: 409, nothing changed
  const again = await asIn('POST', `/api/v1/tasks/${task.id}/verify`, { result: 'close' });
  assert.equal(again.status, 409);
  assert.equal(again.body.field, 'status');
  assert.equal((await asIn('GET', `/api/v1/tasks/${task.id}`)).body.version, closed.version);
  // the inspector was told of the answer
  const inbox = (await asIn('GET', '/api/v1/inbox')).body;
  assert.ok(inbox.notifications.some((n) => n.kind === 'task_answered' && n.task_id === task.id), JSON.stringify(inbox));
  assert.deepEqual(errors2, []);
  await ctx2.close();
});
