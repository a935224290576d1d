// SPDX-License-Identifier: MIT
// admin-meals.test.mjs - the console's events, meals and canteen screen in Chromium: a worker
// orders a meal through the public API; a cashier on a 360 px phone types the pickup code,
// sees the order, redeems it (read back through the API and the audit log); a second redeem
// says "already redeemed at HH:MM"; another canteen's cashier is refused and nothing changes.
// A district admin creates the weekly Friday breakfast at a station of their district, finds
// it in the list, edits it (and meets a stale version), sees a worker's sign-up, cancels it;
// another district's admin is refused by the server. axe-core at 360 px on each screen.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { takeProblems, waitFor } from './guard.mjs';
import { BASE, ADMIN, PHONE, launch, context, watch, login, apiAs, makeUser, axe, shot, shots, noSideScroll } from './console.mjs';

let browser;
let admin;
let D1, D2, S1, S2;
before(async () => {
  browser = await launch();
  admin = await apiAs(ADMIN);
  const ds = (await admin('GET', '/api/v1/districts')).body.districts;
  [D1, D2] = [ds[0].code, ds[1].code];
  S1 = (await admin('GET', `/api/v1/stations?district=${D1}&per_page=1`)).body.stations[0].id;
  S2 = (await admin('GET', `/api/v1/stations?district=${D2}&per_page=1`)).body.stations[0].id;
});
afterEach(() => assert.deepEqual(takeProblems(), [], 'CSP violations or outside requests'));
after(async () => {
  if (browser) await browser.close();
  if (shots.length) console.log(`screenshots:\n${shots.map((s) => `  ${s}`).join('\n')}`);
});

const today = () => new Date(Date.now() + 8 * 3600e3).toISOString().slice(0, 10);
/** HH:MM in Asia/Shanghai, as the page writes it (zh-Hans). */
const hhmm = (iso) => new Date(iso).toLocaleString('zh-Hans', { timeZone: 'Asia/Shanghai', hour: '2-digit', minute: '2-digit' });
async function worker() {
  const r = await fetch(`${BASE}/api/v1/workers`, { method: 'POST' });
  const token = (await r.json()).token;
  return async (method, p, json) => {
    const res = await fetch(BASE + p, {
      method, headers: { Authorization: `Bearer ${token}`, ...(json ? { 'Content-Type': 'application/json' } : {}) },
      body: json ? JSON.stringify(json) : undefined,
    });
    return { status: res.status, body: await res.json() };
  };
}
async function auditOf(query) {
  const r = await admin('GET', `/api/v1/audit?${query}`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body.entries;
}

test('canteen screen at 360 px: type the code, see the order, redeem once; another canteen is refused', async () => {
  // Canteens open all day, so the test does not depend on the hour it runs at.
  const c1 = await admin('POST', '/api/v1/canteens', { station_id: S1, name: `测试食堂${process.pid}`, opens: '00:00', closes: '24:00' });
  assert.equal(c1.status, 201, JSON.stringify(c1.body));
  const c2 = await admin('POST', '/api/v1/canteens', { station_id: S2, name: `隔壁食堂${process.pid}`, opens: '00:00', closes: '24:00' });
  assert.equal(c2.status, 201);
  const C = c1.body.id, CO = c2.body.id;
  const offer = await admin('POST', `/api/v1/canteens/${C}/offers`, { date: today(), dish: '红烧肉套餐', price_cents: 1000, quota: 20 });
  assert.equal(offer.status, 201, JSON.stringify(offer.body));
  const w = await worker();
  const order = await w('POST', '/api/v1/orders', { offer_id: offer.body.id });
  assert.equal(order.status, 201, JSON.stringify(order.body));
  const code = order.body.pickup_code, oid = order.body.order_id;
  assert.match(code, /^[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{6}$/);
  const cashier = await makeUser(admin, 'cash', [{ role: 'canteen', scope: [String(C)] }]);
  const other = await makeUser(admin, 'cashx', [{ role: 'canteen', scope: [String(CO)] }]);

  // Another canteen's cashier: the page says the code is not theirs; the server refuses a
  // redeem at a canteen not theirs; the order stays open.
  {
    const ctx = await context(browser, { viewport: PHONE });
    const page = await ctx.newPage();
    const errors = watch(page);
    await login(page, other, '#/canteen');
    await page.waitForSelector('input.code-input');
    await page.fill('input.code-input', code);
    await page.click('form.canteen-form button[type=submit]');
    await page.waitForSelector('.result .alert');
    assert.match(await page.textContent('.result'), /本食堂没有这个取餐码的订单/);
    assert.equal(await page.$('[data-action=redeem]'), null, 'no redeem button for another canteen');
    const asOther = await apiAs(other);
    const r = await asOther('POST', `/api/v1/canteens/${C}/redeem`, { pickup_code: code });
    assert.equal(r.status, 403);
    const look = await asOther('GET', `/api/v1/canteens/${C}/orders?pickup_code=${code}`);
    assert.equal(look.status, 403);
    const mine = await w('GET', '/api/v1/orders');
    assert.equal(mine.body.orders.find((o) => o.order_id === oid).status, 'open', 'nothing changed');
    const refused = await auditOf(`user=${other.login}&action=orders_redeem`);
    assert.equal(refused.length, 1);
    assert.equal(refused[0].outcome, 'refused');
    assert.deepEqual(errors, []);
    await ctx.close();
  }

  const ctx = await context(browser, { viewport: { width: 360, height: 740 } });
  const page = await ctx.newPage();
  const errors = watch(page);
  await login(page, cashier, '#/canteen');
  await page.waitForSelector('input.code-input');
  assert.equal(await page.evaluate(() => document.activeElement && document.activeElement.className), 'code-input', 'the code input has the focus');
  await axe(page, 'canteen screen');
  await noSideScroll(page, 'canteen screen');
  // typed in lower case: shown in upper case
  await page.type('input.code-input', code.toLowerCase());
  assert.equal(await page.inputValue('input.code-input'), code);
  // a malformed code is caught on the page, naming the field
  await page.fill('input.code-input', 'O0I1L');
  await page.click('form.canteen-form button[type=submit]');
  await page.waitForSelector('form.canteen-form .err:not([hidden])');
  assert.match(await page.textContent('form.canteen-form .err:not([hidden])'), /6 位/);
  await page.fill('input.code-input', code.toLowerCase());
  await page.click('form.canteen-form button[type=submit]');
  await page.waitForSelector('[data-action=redeem]');
  const card = await page.textContent('.result .order');
  assert.match(card, /红烧肉套餐/);
  assert.match(card, new RegExp(today()));
  assert.match(card, /待取餐/);
  assert.match(card, /w-[0-9a-f]{8}/, 'the worker as a pseudonym');
  assert.ok(!card.includes(code), 'the card does not repeat the code');
  await axe(page, 'canteen order');
  await noSideScroll(page, 'canteen order');
  await shot(page, 'canteen-screen');
  await page.click('[data-action=redeem]');
  await page.waitForSelector('.result .big-note');
  const redeemedText = await page.textContent('.result .big-note');
  assert.match(redeemedText, /已核销/);
  await shot(page, 'canteen-screen-redeemed');

  // the API: redeemed, the time the page shows, and the audit entry by this cashier
  const asCashier = await apiAs(cashier);
  const look = await asCashier('GET', `/api/v1/canteens/${C}/orders?pickup_code=${code}`);
  assert.equal(look.status, 200);
  const o = look.body.orders[0];
  assert.equal(o.order_id, oid);
  assert.equal(o.status, 'redeemed');
  assert.ok(redeemedText.includes(hhmm(o.redeemed_at)), `${redeemedText} shows ${hhmm(o.redeemed_at)}`);
  assert.equal((await w('GET', '/api/v1/orders')).body.orders.find((x) => x.order_id === oid).status, 'redeemed');
  const entries = await auditOf(`record=order:${oid}&action=orders_redeem&outcome=ok`);
  assert.equal(entries.length, 1);
  assert.equal(entries[0].actor.login, cashier.login);
  assert.equal(entries[0].before.status, 'open');
  assert.equal(entries[0].after.status, 'redeemed');
  assert.ok(!JSON.stringify(entries[0]).includes(code), 'no pickup code in the log');

  // again: "already redeemed at HH:MM", no redeem button; the server says 409 too
  await page.click('.result button.big');
  await page.fill('input.code-input', code);
  await page.click('form.canteen-form button[type=submit]');
  await page.waitForSelector('.result .alert');
  const again = await page.textContent('.result .alert');
  assert.match(again, /已于 .* 核销过/);
  assert.ok(again.includes(hhmm(o.redeemed_at)), again);
  assert.equal(await page.$('[data-action=redeem]'), null);
  assert.equal((await asCashier('POST', `/api/v1/canteens/${C}/redeem`, { pickup_code: code })).status, 409);

  // the meals screen of the same canteen: the order listed as redeemed, axe at 360 px
  await page.goto(`${BASE}/admin/#/meals?canteen=${C}`);
  await page.waitForSelector('h2.canteen-name');
  await page.waitForSelector('main table');
  const mealsText = await page.textContent('main');
  assert.match(mealsText, /红烧肉套餐/);
  assert.match(mealsText, /已核销/);
  await axe(page, 'meals');
  await noSideScroll(page, 'meals');
  assert.deepEqual(errors, []);
  await ctx.close();
});

test('meals at 360 px: the cashier changes a quota and withdraws an offer (If-Match, audited)', async () => {
  const c = await admin('POST', '/api/v1/canteens', { station_id: S1, name: `份数食堂${process.pid}`, opens: '00:00', closes: '24:00' });
  const C = c.body.id;
  const offer = await admin('POST', `/api/v1/canteens/${C}/offers`, { date: today(), dish: '青椒肉丝饭', price_cents: 1000, quota: 5 });
  const cashier = await makeUser(admin, 'quota', [{ role: 'canteen', scope: [String(C)] }]);
  const ctx = await context(browser, { viewport: PHONE });
  const page = await ctx.newPage();
  const errors = watch(page);
  await login(page, cashier, `#/meals?canteen=${C}`);
  const row = `tr[data-offer="${offer.body.id}"]`;
  await page.waitForSelector(row);
  await page.fill(`${row} input.quota-input`, '8');
  await page.click(`${row} [data-action=set-quota]`);
  await page.waitForSelector('#toast.show');
  let got = (await admin('GET', `/api/v1/offers/${offer.body.id}`)).body;
  assert.equal(got.quota, 8);
  assert.equal(got.version, 2);
  const e1 = await auditOf(`record=offer:${offer.body.id}&action=offer_patch`);
  assert.equal(e1.length, 1);
  assert.equal(e1[0].before.quota, 5);
  assert.equal(e1[0].after.quota, 8);
  await page.waitForSelector(`${row} [data-action=withdraw]`);
  await page.click(`${row} [data-action=withdraw]`);
  await page.click('dialog .btn.primary');
  await waitFor(page, (sel) => !document.querySelector(sel), row);
  got = (await admin('GET', `/api/v1/offers/${offer.body.id}`)).body;
  assert.ok(got.withdrawn_at, 'withdrawn');
  assert.equal((await auditOf(`record=offer:${offer.body.id}&action=offer_patch`)).length, 2);
  assert.deepEqual(errors, []);
  await ctx.close();
});

test('events at 360 px: a district admin creates the Friday breakfast, edits it, sees sign-ups, cancels it', async () => {
  const da = await makeUser(admin, 'evda', [{ role: 'district_admin', scope: [D1] }]);
  const db = await makeUser(admin, 'evdb', [{ role: 'district_admin', scope: [D2] }]);
  const ctx = await context(browser, { viewport: PHONE });
  const page = await ctx.newPage();
  const errors = watch(page);
  await login(page, da, '#/events/new');
  await page.waitForSelector(`main form select[name=station] option[value="${S1}"]`, { state: 'attached' });
  await page.selectOption('main form select[name=station]', String(S1));
  const title = `周五爱心早餐${process.pid}`;
  await page.fill('main form input[name=title]', title);
  await page.selectOption('main form select[name=category]', 'free_meal');
  await page.fill('main form input[name=capacity]', '30');
  await page.check('main form input[name=kind][value=weekly]');
  await page.fill('main form input[name="weekly.start"]', '06:30');
  await page.fill('main form input[name="weekly.end"]', '08:30');
  await axe(page, 'event editor');
  await noSideScroll(page, 'event editor');
  await page.click('main form button[type=submit]');
  await waitFor(page, () => /^#\/events\/\d+$/.test(location.hash));
  const id = Number((await page.evaluate(() => location.hash)).split('/')[2]);
  let ev = (await admin('GET', `/api/v1/events/${id}`)).body;
  assert.equal(ev.title, title);
  assert.equal(ev.station.id, S1);
  assert.equal(ev.kind, 'weekly');
  assert.deepEqual(ev.weekly.days, ['Fr']);
  assert.equal(ev.weekly.start, '06:30');
  assert.equal(ev.capacity, 30);
  assert.equal(ev.version, 1);
  const created = await auditOf(`record=event:${id}&action=events_create`);
  assert.equal(created.length, 1);
  assert.equal(created[0].actor.login, da.login);
  assert.equal(created[0].record.district, D1);

  // the list, filtered by the district (kept in the fragment)
  await page.goto(`${BASE}/admin/#/events?district=${D1}&category=free_meal`);
  await page.waitForSelector(`tr[data-event="${id}"]`);
  assert.equal(await page.inputValue('select[name=district]'), D1);
  await axe(page, 'events list');
  await noSideScroll(page, 'events list');
  await shot(page, 'events');
  await page.reload();
  await page.waitForSelector(`tr[data-event="${id}"]`);

  // edit with If-Match
  await page.click(`tr[data-event="${id}"] a`);
  await page.waitForSelector('main form input[name=title]');
  await page.fill('main form input[name=title]', `${title}（改）`);
  await page.click('main form button[type=submit]');
  await page.waitForSelector('#toast.show');
  await waitFor(page, (v) => document.querySelector('main .muted') && document.querySelector('main .muted').textContent.includes(v), '版本 2');
  ev = (await admin('GET', `/api/v1/events/${id}`)).body;
  assert.equal(ev.title, `${title}（改）`);
  assert.equal(ev.version, 2);
  const patched = await auditOf(`record=event:${id}&action=event_patch`);
  assert.equal(patched.length, 1);
  assert.equal(patched[0].before.title, title);
  assert.equal(patched[0].after.title, `${title}（改）`);

  // someone else edits meanwhile: the page's save is stale, reloads and says so
  const r = await admin('PATCH', `/api/v1/events/${id}`, { title: `${title}（别人改）` }, { 'If-Match': '"2"' });
  assert.equal(r.status, 200);
  await page.fill('main form input[name=title]', `${title}（我也改）`);
  await page.click('main form button[type=submit]');
  await waitFor(page, () => /刚被别人修改/.test(document.getElementById('toast').textContent));
  await waitFor(page, (v) => document.querySelector('main form input[name=title]')?.value === v, `${title}（别人改）`);
  assert.equal((await admin('GET', `/api/v1/events/${id}`)).body.title, `${title}（别人改）`);

  // a worker signs up for the next Friday: the list shows one pseudonymous sign-up
  const d = new Date(Date.now() + 8 * 3600e3);
  const toFri = ((5 - d.getUTCDay() + 7) % 7) || 7;
  const fri = new Date(d.getTime() + toFri * 86400e3).toISOString().slice(0, 10);
  const w = await worker();
  const su = await w('POST', `/api/v1/events/${id}/signups`, { occurrence: fri });
  assert.equal(su.status, 201, JSON.stringify(su.body));
  await page.reload();
  await page.waitForSelector('section.signups table');
  const sText = await page.textContent('section.signups');
  assert.match(sText, /共 1 人报名/);
  assert.match(sText, new RegExp(fri));
  assert.match(sText, /w-[0-9a-f]{8}/);
  await axe(page, 'event with sign-ups');
  await noSideScroll(page, 'event with sign-ups');

  // another district's admin: the server refuses, nothing changes
  const asDb = await apiAs(db);
  assert.equal((await asDb('PATCH', `/api/v1/events/${id}`, { title: 'x' }, { 'If-Match': '"3"' })).status, 403);
  assert.equal((await asDb('GET', `/api/v1/events/${id}/signups`)).status, 403);
  assert.equal((await asDb('DELETE', `/api/v1/events/${id}`)).status, 403);
  ev = (await admin('GET', `/api/v1/events/${id}`)).body;
  assert.equal(ev.status, 'active');
  assert.equal(ev.version, 3);

  // cancel, confirmed
  await page.click('[data-action=cancel-event]');
  await page.click('dialog .btn.primary');
  await page.waitForSelector('main .badge.bad');
  ev = (await admin('GET', `/api/v1/events/${id}`)).body;
  assert.equal(ev.status, 'cancelled');
  const cancelled = await auditOf(`record=event:${id}&action=event_cancel&outcome=ok`);
  assert.equal(cancelled.length, 1);
  assert.equal(cancelled[0].before.status, 'active');
  assert.equal(cancelled[0].after.status, 'cancelled');
  assert.deepEqual(errors, []);
  await ctx.close();
});
