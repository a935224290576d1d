// SPDX-License-Identifier: MIT
// screen.test.mjs - the station screen (/screen/<code>#k=<key>, docs/internals/screen.md) in
// Chromium, on a server of its own (this test restarts it): at 1920x1080 and 1080x1920 the QR
// code decodes (jsQR, an independent decoder) to a check-in link whose code the server accepts
// as a verified visit; the code changes when the page's clock moves 30 s (Playwright's clock)
// and the server still accepts it (the step ±1 window); the server is restarted while the page
// runs and the page recovers; with the network cut the page keeps its data, shows the stale
// banner after 3 missed refreshes and keeps rotating the code; axe finds nothing serious; and
// at 1280x800 (a tablet) nothing overflows. Screenshots in build/browser-shots/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import jsQR from 'jsqr';
import { launch, watch, axe, shot, shots } from './app-setup.mjs';
import { guard, takeProblems, waitFor } from './guard.mjs';

const BIN = process.env.YZ_BIN;
const ROOT = process.env.YZ_ROOT;
const CODE = 'WZ-GHDS'; // the union building: events and a canteen in the demo
let browser, dir, server, base, port;
const ADMIN = `screen-test-${process.pid}`;

function serve() {
  const pf = path.join(dir, 'port');
  fs.rmSync(pf, { force: true });
  const args = ['serve', '--db', path.join(dir, 't.db'), '--bind', '127.0.0.1', '--port', String(port || 0),
    '--port-file', pf, '--writes-per-min', '1000000', '--workers-per-hour', '1000000',
    '--web-root', path.join(ROOT, 'build', 'web')];
  const p = spawn(BIN, args, { env: { ...process.env, YIZHAN_ADMIN_TOKEN: ADMIN },
    stdio: ['ignore', 'ignore', fs.openSync(path.join(dir, 'server.log'), 'a')] });
  return new Promise((ok, bad) => {
    const t0 = Date.now();
    const poll = () => {
      if (fs.existsSync(pf) && fs.readFileSync(pf, 'utf8').trim()) {
        port = Number(fs.readFileSync(pf, 'utf8').trim());
        base = `http://127.0.0.1:${port}`;
        ok(p);
      } else if (p.exitCode !== null || Date.now() - t0 > 20000) bad(new Error('the screen test server did not start'));
      else setTimeout(poll, 50);
    };
    poll();
  });
}
/** A context guarded for this test's own server (guard.mjs: CSP, no outside host). */
async function context(viewport) {
  const ctx = await browser.newContext({ viewport, locale: 'zh-CN' });
  await guard(ctx, base);
  return ctx;
}
const stop = (p) => new Promise((ok) => { p.once('exit', ok); p.kill('SIGTERM'); });

async function call(p, { method = 'GET', body, token } = {}) {
  const headers = {};
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const r = await fetch(base + p, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: r.status, body: await r.json().catch(() => null) };
}

before(async () => {
  assert.ok(BIN && ROOT, 'YZ_BIN and YZ_ROOT are set by run.sh');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'yz-screen-'));
  await new Promise((ok, bad) => {
    const p = spawn(BIN, ['demo', '--db', path.join(dir, 't.db')], { stdio: 'ignore' });
    p.on('error', bad);
    p.on('exit', (c) => (c === 0 ? ok() : bad(new Error(`demo: ${c}`))));
  });
  server = await serve();
  browser = await launch();
});

after(async () => {
  await browser?.close();
  if (server) await stop(server);
  fs.rmSync(dir, { recursive: true, force: true });
  if (shots.length) console.log(`screenshots:\n  ${shots.join('\n  ')}`);
});

/** The QR code the page shows, decoded by jsQR from the SVG drawn on a canvas at 10 px a module. */
async function decodeQr(page) {
  const { px, n } = await page.evaluate(async () => {
    const svg = document.querySelector('svg.qr');
    const n = Number(svg.getAttribute('viewBox').split(' ')[2]);
    const url = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(new XMLSerializer().serializeToString(svg))}`;
    const im = new Image();
    await new Promise((ok, bad) => { im.onload = ok; im.onerror = bad; im.src = url; });
    const c = document.createElement('canvas');
    c.width = c.height = n * 10;
    const g = c.getContext('2d');
    g.imageSmoothingEnabled = false;
    g.drawImage(im, 0, 0, n * 10, n * 10);
    return { px: Array.from(g.getImageData(0, 0, n * 10, n * 10).data), n: n * 10 };
  });
  const r = jsQR(Uint8ClampedArray.from(px), n, n);
  return r && r.data;
}

/** Check in with the link's t (as the worker app's check-in page does): the server's answer. */
async function checkIn(link) {
  const u = new URL(link);
  const worker = (await call('/api/v1/workers', { method: 'POST' })).body.token;
  return call('/api/v1/visits', { method: 'POST', token: worker,
    body: { station_code: decodeURIComponent(u.pathname.split('/')[2]), t: u.searchParams.get('t') } });
}

const status = (page) => page.evaluate(() => globalThis.yzScreen.status());
const tick = async (page, ms) => { await page.clock.fastForward(ms); await page.waitForTimeout(50); };

for (const viewport of [{ width: 1920, height: 1080 }, { width: 1080, height: 1920 }]) {
  test(`screen at ${viewport.width}x${viewport.height}: the QR code is a check-in the server accepts; it rotates; restart and network loss`, async () => {
    const made = await call(`/api/v1/stations/${CODE}/screen-key`, { method: 'POST', token: ADMIN });
    assert.equal(made.status, 201);
    const url = new URL(made.body.url);
    const ctx = await context(viewport);
    const page = await ctx.newPage();
    const errors = watch(page);
    await page.clock.install({ time: Date.now() }); // the real time, flowing; moved by hand below
    await page.goto(`${base}${url.pathname}${url.hash}`);
    await waitFor(page, () => globalThis.yzScreen && globalThis.yzScreen.status().lastOk > 0 && document.querySelector('svg.qr'));
    assert.equal(await page.textContent('h1'), '工会大厦职工驿站');
    assert.ok((await page.$$('.nearby .row')).length >= 3, 'nearby stations listed');
    assert.ok((await page.$$('.notices .notice')).length >= 1, 'notices listed');
    assert.match(await page.textContent('.updated'), /^数据更新于 \d\d:\d\d:\d\d$/);
    assert.equal(await page.isVisible('.stale'), false);
    // nothing overflows: the screen never scrolls
    const over = await page.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.scrollHeight]);
    assert.ok(over[0] <= viewport.width && over[1] <= viewport.height, `no scrolling: ${over}`);

    // 1. the QR decodes to a link the server accepts as a verified visit
    let link1, s1;
    do { // the step the QR was drawn for (read on both sides of the decoding: a step may end between)
      s1 = (await status(page)).step;
      link1 = await decodeQr(page);
    } while ((await status(page)).step !== s1);
    assert.match(link1 || '', new RegExp(`^${base}/s/${CODE}\\?t=\\d+\\.\\d{8}$`));
    assert.equal(new URL(link1).searchParams.get('t').split('.')[0], String(s1));
    const v1 = await checkIn(link1);
    assert.equal(v1.status, 201, JSON.stringify(v1.body));
    assert.equal(v1.body.verified, true);
    await shot(page, 'screen');
    await axe(page, `screen ${viewport.width}x${viewport.height}`);

    // 2. 30 s later on the page's clock: a new code, which the server still accepts (step + 1)
    await tick(page, 30000);
    await waitFor(page, (s) => globalThis.yzScreen.status().step > s, s1);
    const link2 = await decodeQr(page);
    assert.notEqual(link2, link1);
    const v2 = await checkIn(link2);
    assert.equal(v2.status, 201, JSON.stringify(v2.body));
    assert.equal(v2.body.verified, true);
    // and a rotated key makes the screen's codes worthless at once
    // (checked in the API tests; here the page only shows)

    // 3. the server restarts while the page runs: a refresh misses, the next one recovers
    await stop(server);
    await tick(page, 61000);
    await waitFor(page, () => globalThis.yzScreen.status().misses >= 1);
    server = await serve(); // the same port
    await tick(page, 61000);
    await waitFor(page, () => globalThis.yzScreen.status().misses === 0);
    const after = await status(page);
    assert.ok(after.lastOk > 0 && !after.stale);

    // 4. the network is cut: the data stays, the banner comes after 3 misses, the code rotates
    await ctx.setOffline(true);
    for (let i = 1; i <= 3; i++) {
      await tick(page, 61000);
      await waitFor(page, (n) => globalThis.yzScreen.status().misses >= n, i);
      if (i < 3) assert.equal(await page.isVisible('.stale'), false, `no banner after ${i} misses`);
    }
    await waitFor(page, () => !document.querySelector('.stale').hidden);
    assert.match(await page.textContent('.stale'), /网络中断/);
    assert.ok((await page.$$('.nearby .row')).length >= 3, 'the last data stays on screen');
    const s3 = (await status(page)).step;
    await tick(page, 30000);
    await waitFor(page, (s) => globalThis.yzScreen.status().step > s, s3);
    const link3 = await decodeQr(page);
    assert.match(link3 || '', /\?t=\d+\.\d{8}$/);
    assert.notEqual(link3, link2);
    await shot(page, 'screen-stale');
    await axe(page, `screen stale ${viewport.width}x${viewport.height}`);
    await ctx.setOffline(false);

    assert.deepEqual(errors, []);
    assert.deepEqual(takeProblems(), []);
    await ctx.close();
  });
}

test('screen at 1280x800 (a tablet), and without a key: says so instead of a code', async () => {
  const made = await call(`/api/v1/stations/${CODE}/screen-key`, { method: 'POST', token: ADMIN });
  const url = new URL(made.body.url);
  const ctx = await context({ width: 1280, height: 800 });
  const page = await ctx.newPage();
  const errors = watch(page);
  await page.clock.install({ time: Date.now() });
  await page.goto(`${base}${url.pathname}${url.hash}`);
  await waitFor(page, () => globalThis.yzScreen && globalThis.yzScreen.status().lastOk > 0 && document.querySelector('svg.qr'));
  const link = await decodeQr(page);
  assert.equal((await checkIn(link)).body.verified, true);
  // the worker app's check-in page, opened from the scanned link, sends t: a verified visit
  const phone = await context({ width: 360, height: 740 });
  const app = await phone.newPage();
  const appErrors = watch(app);
  await app.goto(link);
  await app.click('#checkin');
  await waitFor(app, () => /已验证/.test(document.querySelector('.checkin-msg')?.textContent || ''));
  // an expired code (the scan was long ago): refused naming the code, the next tap checks in unverified
  await app.goto(link.replace(/t=\d+/, (m) => `t=${Number(m.slice(2)) - 10}`).replace(CODE, 'WZ0150'));
  await app.click('#checkin');
  await waitFor(app, () => /再点一次/.test(document.querySelector('.checkin-msg')?.textContent || ''));
  await app.click('#checkin');
  await waitFor(app, () => document.querySelector('#checkin.done'));
  assert.match(await app.textContent('.checkin-msg'), /^签到成功！$/);
  assert.deepEqual(appErrors, []);
  await phone.close();
  const over = await page.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.scrollHeight]);
  assert.ok(over[0] <= 1280 && over[1] <= 800, `no scrolling: ${over}`);
  // refreshes replace what they show: as many elements after five refreshes as before
  const nodes = () => page.evaluate(() => document.getElementsByTagName('*').length);
  const n0 = await nodes();
  for (let i = 0; i < 5; i++) {
    const last = (await status(page)).lastOk;
    await tick(page, 61000);
    await waitFor(page, (l) => globalThis.yzScreen.status().lastOk > l, last);
  }
  assert.equal(await nodes(), n0, 'the page does not grow with refreshes');
  await shot(page, 'screen');
  await axe(page, 'screen 1280x800');
  await page.goto(`${base}${url.pathname}?lang=en`);
  await waitFor(page, () => document.querySelector('.qr-box .warn'));
  assert.match(await page.textContent('.qr-box .warn'), /no key/);
  assert.deepEqual(errors, []);
  assert.deepEqual(takeProblems(), []);
  await ctx.close();
});
