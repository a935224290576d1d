// SPDX-License-Identifier: MIT
// app-setup.mjs - what the worker app's browser tests (app.test.mjs, app-*.test.mjs) share:
// the browser, a context on a 360 px phone at the fixed position (Wenzhou, 28.0154,120.6553)
// with the tile hosts failed at once, the fixed time (?at=, which the app passes to the API),
// API calls, axe-core and screenshots. run.sh starts the server with the demo city.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';
import { guard } from './guard.mjs';

const require = createRequire(import.meta.url);
export const BASE = process.env.YZ_BASE;
/** The admin token (YIZHAN_ADMIN_TOKEN) for staff calls through api(). */
export const ADMIN = process.env.YIZHAN_ADMIN_TOKEN;
export const SHOTS = process.env.YZ_SHOTS || 'build/browser-shots';
export const AT = '2026-11-30T10:00:00+08:00'; // a Monday morning
export const ATQ = encodeURIComponent(AT);
export const POS = { latitude: 28.0154, longitude: 120.6553 };
export const NEAR = `${POS.latitude},${POS.longitude}`;
export const PHONE = { width: 360, height: 740 };
export const DESKTOP = { width: 1280, height: 800 };
const AXE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
export const shots = [];

/** The date n days after d (both YYYY-MM-DD). */
export const addDays = (d, n) => { const x = new Date(`${d}T00:00:00Z`); x.setUTCDate(x.getUTCDate() + n); return x.toISOString().slice(0, 10); };
/** Today in the city (Asia/Shanghai), YYYY-MM-DD. */
export const TODAY = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date());

export async function launch() {
  assert.ok(BASE, 'YZ_BASE is set by run.sh');
  return chromium.launch({
    executablePath: process.env.YZ_CHROMIUM || '/usr/bin/chromium', headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/**
 * A fresh browser context (own storage, own service worker) on a phone at the fixed position,
 * guarded (guard.mjs). No tile server is reachable from the test machine: tiles fail at once
 * (the app must still show the outline and the stations). opts: denyGeo (no permission for the
 * position), touch (a touch screen, mobile), lang (the app's language, as the language menu
 * stores it); any other option (viewport, locale, serviceWorkers, colorScheme, contrast ...)
 * goes to browser.newContext as it is.
 */
export async function context(browser, opts = {}) {
  const { denyGeo, touch, lang, ...rest } = opts;
  const given = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined));
  const ctx = await browser.newContext({
    viewport: PHONE, locale: 'zh-CN', geolocation: POS, permissions: denyGeo ? [] : ['geolocation'],
    ...(touch ? { hasTouch: true, isMobile: true } : {}),
    ...given,
  });
  await guard(ctx, BASE);
  await ctx.route(/tile\.openstreetmap\.org|autonavi\.com/, (r) => r.abort());
  if (lang) await ctx.addInitScript((l) => localStorage.setItem('yz.lang', JSON.stringify(l)), lang);
  return ctx;
}

/** Collect page errors; tests assert the list is empty. */
export function watch(page) {
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  return errors;
}

/**
 * A call of the API: JSON `body` (or `raw` bytes of content type `type`), as `token` (a
 * worker's or the admin's) when given. Returns {status, type, body, text}: body is the parsed
 * JSON answer, null when the answer is not JSON.
 */
export async function api(p, { method = 'GET', body, token, raw, type } = {}) {
  const headers = {};
  if (token) headers.Authorization = `Bearer ${token}`;
  let data = raw;
  if (body !== undefined) { headers['Content-Type'] = 'application/json'; data = JSON.stringify(body); }
  if (type) headers['Content-Type'] = type;
  const res = await fetch(BASE + p, { method, headers, body: data });
  const text = await res.text();
  let json = null;
  try { json = JSON.parse(text); } catch { /* not JSON */ }
  return { status: res.status, type: res.headers.get('content-type') || '', body: json, text };
}

/** The home list's station codes, once the list has rows. */
export async function rows(page, timeout = 15000) {
  await page.waitForSelector('#list .row:not(.skel)', { timeout });
  return page.$$eval('#list .row', (els) => els.map((e) => e.dataset.code));
}

/** The worker's token the app keeps. */
export const pageToken = (page) => page.evaluate(() => localStorage.getItem('yz.token'));

/** axe-core on the page: no serious or critical violation. */
export async function axe(page, label) {
  await page.evaluate(AXE); // evaluated, not a <script> tag: the page's CSP forbids inline scripts
  const bad = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => ({ id: v.id, impact: v.impact, n: v.nodes.length, target: v.nodes.slice(0, 3).map((x) => x.target.join(' ')) }));
  });
  assert.deepEqual(bad, [], `${label}: axe found serious/critical violations`);
}

/** axe-core's colour contrast rule alone: no violation at all. */
export async function contrast(page, label) {
  await page.evaluate(AXE);
  const res = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const r = await window.axe.run(document, { runOnly: ['color-contrast'], resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, n: v.nodes.length, target: v.nodes.slice(0, 4).map((x) => x.target.join(' ')) }));
  });
  assert.deepEqual(res, [], `${label}: colour contrast`);
}

/** A screenshot in build/browser-shots, listed at the end of the run; {full: true} takes the
 * whole page, not only the viewport. */
export async function shot(page, name, opts = {}) {
  const vp = page.viewportSize();
  const file = path.join(SHOTS, `${name}-${vp.width}x${vp.height}.png`);
  await page.screenshot({ path: file, fullPage: !!(opts.full || process.env.YZ_FULL_SHOTS) });
  shots.push(file);
  return file;
}

/** The page never scrolls sideways. */
export async function noSideScroll(page, label) {
  const w = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(w <= page.viewportSize().width, `${label}: page is ${w} px wide`);
}
