// SPDX-License-Identifier: MIT
// console.mjs - what the console's browser tests (admin*.test.mjs) share: the browser, a
// context at a phone's or a desktop's size, the login through the page, API calls as a user
// (their session token as a bearer, as scripts use it), users made through the API, axe-core,
// and screenshots. run.sh creates the first city admin (YZ_CONSOLE_LOGIN/_PASSWORD).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';
import { guard } from './guard.mjs';

const require = createRequire(import.meta.url);
export const BASE = process.env.YZ_BASE;
export const ADMIN = { login: process.env.YZ_CONSOLE_LOGIN, password: process.env.YZ_CONSOLE_PASSWORD };
const SHOTS = process.env.YZ_SHOTS || 'build/browser-shots';
const AXE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
export const PHONE = { width: 360, height: 740 };
export const DESKTOP = { width: 1280, height: 800 };
export const shots = [];

export async function launch() {
  assert.ok(BASE, 'YZ_BASE is set by run.sh');
  assert.ok(ADMIN.login && ADMIN.password, 'run.sh creates the console admin');
  return chromium.launch({
    executablePath: process.env.YZ_CHROMIUM || '/usr/bin/chromium', headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** A fresh context (own cookies and storage), guarded like the worker app's. */
export async function context(browser, opts = {}) {
  const ctx = await browser.newContext({
    viewport: opts.viewport || PHONE, locale: opts.locale || 'zh-CN', serviceWorkers: 'block',
  });
  await guard(ctx, BASE);
  await ctx.route(/tile\.openstreetmap\.org|autonavi\.com/, (r) => r.abort());
  return ctx;
}

/** Collect page errors; tests assert the list is empty. */
export function watch(page) {
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  return errors;
}

/** Log in through the console's form; waits for the navigation to appear. */
export async function login(page, user, hash = '') {
  await page.goto(`${BASE}/admin/${hash}`);
  await page.waitForSelector('form.login');
  await page.fill('input[name=login]', user.login);
  await page.fill('input[name=password]', user.password);
  await page.click('form.login button[type=submit]');
  await page.waitForSelector('#nav .logout', { state: 'attached' }); // folded away on a phone
}

/** The session of `user` for API calls: {token, csrf, user}. */
export async function session(user) {
  const res = await fetch(`${BASE}/api/v1/session`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ login: user.login, password: user.password }),
  });
  const body = await res.json();
  assert.equal(res.status, 201, `login of ${user.login}: ${JSON.stringify(body)}`);
  return body;
}

/** A JSON API caller acting as `user` (bearer session token). Returns {status, body, headers}. */
export async function apiAs(user) {
  const s = await session(user);
  return async (method, p, json, headers = {}) => {
    const res = await fetch(BASE + p, {
      method, headers: { Authorization: `Bearer ${s.token}`, ...(json !== undefined ? { 'Content-Type': 'application/json' } : {}), ...headers },
      body: json !== undefined ? JSON.stringify(json) : undefined,
    });
    const text = await res.text();
    let body = null;
    try { body = JSON.parse(text); } catch { body = text; }
    return { status: res.status, body, headers: res.headers };
  };
}

let seq = 0;
/** Make a user through the API as the city admin: roles like [{role, scope: [...]}]. */
export async function makeUser(admin, prefix, roles, name) {
  const login = `${prefix}${process.pid % 10000}x${++seq}`;
  const password = `pw-${login}-long-enough`;
  const r = await admin('POST', '/api/v1/users', { login, name: name || login, password, roles });
  assert.equal(r.status, 201, `create ${login}: ${JSON.stringify(r.body)}`);
  return { login, password, id: r.body.id };
}

/** axe-core on the page: no serious or critical violation. */
export async function axe(page, label) {
  await page.evaluate(AXE); // evaluated, not a <script> tag: the page's CSP forbids inline scripts
  const bad = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`);
  });
  assert.deepEqual(bad, [], `${label}: axe found serious/critical violations`);
}

/** A screenshot in build/browser-shots, listed at the end of the run; {full: true} takes the
 * whole page, not only the viewport. */
export async function shot(page, name, opts = {}) {
  const vp = page.viewportSize();
  const file = path.join(SHOTS, `admin-${name}-${vp.width}x${vp.height}.png`);
  await page.screenshot({ path: file, fullPage: !!(opts.full || process.env.YZ_FULL_SHOTS) });
  shots.push(file);
  return file;
}

/** The page never scrolls sideways (a 360 px phone). */
export async function noSideScroll(page, label) {
  const [sw, cw] = await page.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
  assert.ok(sw <= cw + 1, `${label}: page is ${sw}px wide in a ${cw}px viewport`);
}
