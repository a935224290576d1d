// SPDX-License-Identifier: MIT
// admin.test.mjs - the console's shell in Chromium: logging in on a 360 px phone, what the
// navigation offers each role, the three languages, changing one's password, logging out (and
// the old session being dead for the API too), and axe-core on the login, home and account.
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

const navLinks = (page) => page.$$eval('#nav li a', (as) => as.map((a) => a.getAttribute('href')));

test('log in on a 360 px phone: wrong password refused, the right one opens the console', async () => {
  const ctx = await context(browser, { viewport: PHONE });
  const page = await ctx.newPage();
  const errors = watch(page);
  await page.goto(`${BASE}/admin/`);
  await page.waitForSelector('form.login');
  assert.equal(await page.getAttribute('html', 'lang'), 'zh-Hans');
  await axe(page, 'login');
  await noSideScroll(page, 'login');
  await page.fill('input[name=login]', ADMIN.login);
  await page.fill('input[name=password]', 'not-the-password');
  await page.click('form.login button[type=submit]');
  await page.waitForSelector('form.login .alert:not([hidden])');
  assert.match(await page.textContent('form.login .alert'), /账号或密码不对/);
  assert.equal(await page.$('#nav .logout'), null, 'no console after a wrong password');
  await page.fill('input[name=password]', ADMIN.password);
  await page.click('form.login button[type=submit]');
  await page.waitForSelector('#nav .logout', { state: 'attached' });
  // On a phone the navigation is behind the menu button.
  assert.equal(await page.isVisible('#nav'), false, 'navigation folded on a phone');
  await page.click('#menu-btn');
  assert.equal(await page.isVisible('#nav .logout'), true);
  assert.equal(await page.getAttribute('#menu-btn', 'aria-expanded'), 'true');
  // A city admin is offered every screen.
  const links = await navLinks(page);
  for (const r of ['stations', 'moderation', 'reports', 'events', 'meals', 'canteen', 'users', 'audit', 'account'])
    assert.ok(links.includes(`#/${r}`), `city admin sees #/${r}: ${links}`);
  assert.match(await page.textContent('main'), /市总工会管理员/);
  await axe(page, 'home');
  await noSideScroll(page, 'home');
  await shot(page, 'home');
  // The cookie is HttpOnly and SameSite=Strict: the page's script cannot read it.
  const cookies = await ctx.cookies();
  const c = cookies.find((x) => x.name === 'yz_session');
  assert.ok(c && c.httpOnly && c.sameSite === 'Strict', JSON.stringify(cookies));
  assert.equal(await page.evaluate(() => document.cookie.includes('yz_session')), false);
  assert.deepEqual(errors, []);
  await ctx.close();
});

test('each role sees only its screens; a screen outside the roles says so', async () => {
  const mod = await makeUser(admin, 'mod', [{ role: 'moderator', scope: [] }]);
  const ctx = await context(browser, { viewport: DESKTOP });
  const page = await ctx.newPage();
  const errors = watch(page);
  await login(page, mod);
  const links = await navLinks(page);
  assert.ok(links.includes('#/moderation') && links.includes('#/account'), String(links));
  for (const r of ['users', 'audit', 'events', 'canteen']) assert.ok(!links.includes(`#/${r}`), `moderator offered #/${r}`);
  await page.goto(`${BASE}/admin/#/users`);
  await page.waitForSelector('main .alert');
  assert.match(await page.textContent('main .alert'), /无权/);
  // The server refuses too (the page hides nothing the server would allow).
  const asMod = await apiAs(mod);
  assert.equal((await asMod('GET', '/api/v1/users')).status, 403);
  assert.deepEqual(errors, []);
  await ctx.close();
});

test('three languages: the choice is kept, and the login error follows it', async () => {
  const ctx = await context(browser, { viewport: PHONE, locale: 'zh-TW' });
  const page = await ctx.newPage();
  const errors = watch(page);
  await page.goto(`${BASE}/admin/`);
  await page.waitForSelector('form.login');
  assert.equal(await page.getAttribute('html', 'lang'), 'zh-Hant', 'a zh-TW browser starts in 繁體');
  assert.match(await page.textContent('h1'), /登入驛站管理後台/);
  await page.selectOption('#lang', 'en');
  assert.match(await page.textContent('h1'), /Log in to the station console/);
  await page.fill('input[name=login]', 'nobody-at-all');
  await page.fill('input[name=password]', 'wrong-password-123');
  await page.click('form.login button[type=submit]');
  await page.waitForSelector('form.login .alert:not([hidden])');
  assert.match(await page.textContent('form.login .alert'), /Wrong login or password/);
  await page.reload();
  await page.waitForSelector('form.login');
  assert.equal(await page.getAttribute('html', 'lang'), 'en', 'language remembered');
  await noSideScroll(page, 'login en');
  assert.deepEqual(errors, []);
  await ctx.close();
});

test('change password, log out: the old session is dead for the API, the new password works', async () => {
  const op = await makeUser(admin, 'acct', [{ role: 'viewer', scope: [] }], '张三');
  const other = await apiAs(op); // a second session (another device)
  assert.equal((await other('GET', '/api/v1/session')).status, 200);
  const ctx = await context(browser, { viewport: PHONE });
  const page = await ctx.newPage();
  const errors = watch(page);
  await login(page, op, '#/account');
  await page.waitForSelector('main form input[autocomplete=current-password]');
  assert.match(await page.textContent('main'), /只读查看/);
  await axe(page, 'account');
  const [cur, nw, nw2] = await page.$$('main form input[type=password]');
  // Mismatch caught on the page; a wrong current password by the server (field named).
  await cur.fill(op.password); await nw.fill('a-new-password-1'); await nw2.fill('a-new-password-2');
  await page.click('main form button[type=submit]');
  await page.waitForSelector('main form .err:not([hidden])');
  assert.match(await page.textContent('main form .err:not([hidden])'), /不一致/);
  await cur.fill('not-my-password'); await nw2.fill('a-new-password-1');
  await page.click('main form button[type=submit]');
  await waitFor(page, () => document.querySelector('main form input[autocomplete=current-password]').getAttribute('aria-invalid') === 'true');
  await cur.fill(op.password);
  await page.click('main form button[type=submit]');
  await page.waitForSelector('#toast.show');
  assert.match(await page.textContent('#toast'), /密码已修改/);
  assert.equal((await other('GET', '/api/v1/session')).status, 401, 'the other session ended');
  // Log out; the cookie's session is dead on the server, and the page shows the login.
  const cookie = (await ctx.cookies()).find((x) => x.name === 'yz_session');
  await page.click('#menu-btn');
  await page.click('#nav .logout');
  await page.waitForSelector('form.login');
  const reuse = await fetch(`${BASE}/api/v1/session`, { headers: { Cookie: `yz_session=${cookie.value}` } });
  assert.equal(reuse.status, 401, 'a session reused after logout is refused');
  await login(page, { login: op.login, password: 'a-new-password-1' });
  assert.deepEqual(errors, []);
  await ctx.close();
});

test('a session ended elsewhere sends the page back to the login', async () => {
  const v = await makeUser(admin, 'gone', [{ role: 'viewer', scope: [] }]);
  const ctx = await context(browser, { viewport: DESKTOP });
  const page = await ctx.newPage();
  await login(page, v);
  // An admin disables the user: their sessions end at once.
  const u = await admin('GET', `/api/v1/users/${v.id}`);
  const r = await admin('PATCH', `/api/v1/users/${v.id}`, { disabled: true }, { 'If-Match': `"${u.body.version}"` });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  await page.click('#nav a[href="#/account"]');
  await page.waitForSelector('form.login');
  assert.match(await page.textContent('main'), /登录已过期|重新登录/);
  await ctx.close();
});
