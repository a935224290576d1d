// SPDX-License-Identifier: MIT
// admin-transfer.test.mjs - station import and export in the console (#/transfer) on a 360 px
// phone: the CSV export downloaded through the page equals the API's, one station's name
// changed in it, uploaded, the dry run naming that one change, applied, and the change read
// back through the API and the audit log; a file with a bad row shows its line and field and
// offers no apply; a district admin is offered only their districts and the server refuses
// their import of another district's station. axe-core on the screen; screenshot
// `import-report`.
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

/** The bytes of a GET as `user` (fetch's text() would drop a BOM). */
async function bytes(user, p) {
  const { token } = await session(user);
  const res = await fetch(BASE + p, { headers: { Authorization: `Bearer ${token}` } });
  assert.equal(res.status, 200, p);
  return Buffer.from(await res.arrayBuffer());
}

/** POST a file to the import as `user`: {status, body}. */
async function importAs(user, query, type, body) {
  const { token } = await session(user);
  const res = await fetch(`${BASE}/api/v1/stations/import?${query}`, {
    method: 'POST', headers: { 'Content-Type': type, Authorization: `Bearer ${token}` }, body,
  });
  return { status: res.status, body: await res.json() };
}

/** Click an export button and read the downloaded file. */
async function exportThrough(page, format) {
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click(`form.export button[data-format=${format}]`)]);
  return { name: dl.suggestedFilename(), body: fs.readFileSync(await dl.path()) };
}

test('export CSV, change one name, dry run names the one change, apply, read back', async () => {
  const ctx = await context(browser, { viewport: PHONE });
  const page = await ctx.newPage();
  const errors = watch(page);
  await login(page, ADMIN, '#/transfer');
  await page.waitForSelector('form.export button[data-format=csv]');
  await axe(page, 'transfer');
  await noSideScroll(page, 'transfer');

  // The download is the API's export, byte for byte (BOM included).
  const got = await exportThrough(page, 'csv');
  assert.equal(got.name, 'stations.csv');
  const api = await bytes(ADMIN, '/api/v1/stations/export?format=csv');
  assert.ok(got.body.equals(api), `the download differs from the API's export (${got.body.length} / ${api.length} bytes)`);
  assert.deepEqual([...got.body.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'UTF-8 with a BOM');
  const lines = got.body.toString('utf8').replace(/^\uFEFF/, '').split('\r\n');
  assert.match(lines[0], /^code,name,address,district_code,district_name,lat,lon,crs,tier,/);

  // One station's name changed (a row whose code and name need no quoting).
  const i = lines.findIndex((l, k) => k > 0 && /^[A-Za-z0-9-]+,[^",]+,/.test(l));
  assert.ok(i > 0, 'a plain row');
  const [code, name] = lines[i].split(',');
  const newName = `${name}（测试改名${process.pid % 1000}）`;
  const edited = [...lines];
  edited[i] = lines[i].replace(`${code},${name},`, `${code},${newName},`);
  const feature = (await admin('GET', `/api/v1/stations/export?format=geojson`)).body.features
    .find((f) => f.properties.code === code);
  const id = feature.id;
  const before = (await admin('GET', `/api/v1/stations/${id}`)).body;

  await page.setInputFiles('form.import input[type=file]', {
    name: 'stations.csv', mimeType: 'text/csv', buffer: Buffer.from(`\uFEFF${edited.join('\r\n')}`, 'utf8'),
  });
  await page.waitForSelector('form.import .report dl.counts');
  assert.equal(await page.textContent('[data-count=update]'), '1');
  assert.equal(await page.textContent('[data-count=create]'), '0');
  assert.equal(await page.textContent('[data-count=error]'), '0');
  assert.equal(Number(await page.textContent('[data-count=unchanged]')), lines.filter((l) => l).length - 2);
  const rows = await page.$$eval('form.import .report tbody tr', (trs) => trs.map((tr) => tr.textContent));
  assert.equal(rows.length, 1, String(rows));
  assert.ok(rows[0].includes(code) && rows[0].includes('name') && rows[0].includes(newName), rows[0]);
  assert.equal(await page.isEnabled('button.apply'), true);
  // the dry run changed nothing
  assert.equal((await admin('GET', `/api/v1/stations/${id}`)).body.version, before.version);
  await axe(page, 'import report');
  await noSideScroll(page, 'import report');
  // the report in the other two languages (a change of language draws the screen anew)
  for (const [l, title, changed] of [['en', 'Dry run', 'Changed'], ['zh-Hant', '試執行結果', '修改'], ['zh-Hans', '试运行结果', '修改']]) {
    await page.selectOption('#lang', l);
    await waitFor(page, (x) => document.querySelector('form.import .report-title')?.textContent === x, title);
    assert.equal(await page.textContent('form.import .report dl.counts dt:nth-of-type(2)'), changed);
    assert.equal(await page.textContent('[data-count=update]'), '1');
  }
  await page.$eval('form.import .report', (el) => el.scrollIntoView({ block: 'start' }));
  await shot(page, 'import-report');

  await page.click('button.apply');
  await page.waitForSelector('form.import .report .ok-note');
  const now = (await admin('GET', `/api/v1/stations/${id}`)).body;
  assert.equal(now.name, newName);
  assert.equal(now.version, before.version + 1);
  const log = (await admin('GET', '/api/v1/audit?action=stations_import&limit=1')).body.entries[0];
  assert.equal(log.outcome, 'ok');
  assert.equal(log.actor.login, ADMIN.login);
  assert.equal(log.after.counts.update, 1);
  assert.deepEqual(log.after.updated_codes, [code]);
  assert.equal(log.record.district, feature.properties.district_code, 'the district of the one station changed');

  // back as it was: the original export, imported through the API
  const back = await importAs(ADMIN, 'dry_run=false', 'text/csv', api);
  assert.equal(back.status, 200, JSON.stringify(back.body).slice(0, 300));
  assert.equal(back.body.counts.update, 1);
  assert.equal((await admin('GET', `/api/v1/stations/${id}`)).body.name, name);
  assert.deepEqual(errors, []);
  await ctx.close();
});

test('a bad row: its line and field shown, no apply; nothing changed', async () => {
  const ctx = await context(browser, { viewport: PHONE });
  const page = await ctx.newPage();
  const errors = watch(page);
  await login(page, ADMIN, '#/transfer');
  const csv = (await bytes(ADMIN, '/api/v1/stations/export?format=csv')).toString('utf8').replace(/^\uFEFF/, '').split('\r\n');
  csv[2] = csv[2].replace(/,[0-9]+,(true|false),([a-z_]*)(,[a-z;]*)?$/, ',lots,$1,$2$3');
  assert.match(csv[2], /,lots,/);
  await page.setInputFiles('form.import input[type=file]', {
    name: 'bad.csv', mimeType: 'text/csv', buffer: Buffer.from(csv.join('\r\n'), 'utf8'),
  });
  await page.waitForSelector('form.import .report tr.row-error');
  const row = await page.textContent('form.import .report tr.row-error');
  assert.ok(row.includes('3') && row.includes('seats') && row.includes('座位数'), row);
  assert.equal(await page.isDisabled('button.apply'), true, 'no apply with errors');
  await axe(page, 'import errors');
  assert.deepEqual(errors, []);
  await ctx.close();
});

test('a district admin: their districts only; the server refuses another district', async () => {
  const districts = (await admin('GET', '/api/v1/districts')).body.districts.map((d) => d.code);
  const [d1, d2] = districts;
  const da = await makeUser(admin, 'trda', [{ role: 'district_admin', scope: [d1] }]);
  const ctx = await context(browser, { viewport: PHONE });
  const page = await ctx.newPage();
  const errors = watch(page);
  await login(page, da, '#/transfer');
  await page.waitForSelector('form.export select[name=district]');
  const offered = await page.$$eval('form.export select[name=district] option', (os) => os.map((o) => o.value));
  assert.deepEqual(offered, ['', d1]);
  await page.selectOption('form.export select[name=district]', d1);
  assert.match(page.url(), new RegExp(`#/transfer\\?district=${d1}$`), 'the filter is in the fragment');
  const got = await exportThrough(page, 'geojson');
  assert.equal(got.name, `stations-${d1}.geojson`);
  const feats = JSON.parse(got.body.toString('utf8')).features;
  assert.ok(feats.length > 0 && feats.every((f) => f.properties.district_code === d1));

  // The server: another district's export is 403, and an import of its station changes nothing.
  const asDa = await apiAs(da);
  assert.equal((await asDa('GET', `/api/v1/stations/export?format=csv&district=${d2}`)).status, 403);
  const other = (await admin('GET', `/api/v1/stations/export?format=geojson&district=${d2}`)).body;
  const f = other.features[0];
  const before = (await admin('GET', `/api/v1/stations/${f.id}`)).body;
  f.properties.name = `${f.properties.name}X`;
  const fc = JSON.stringify({ type: 'FeatureCollection', features: [f] });
  // through the page: the report says why, and apply is not offered
  await page.setInputFiles('form.import input[type=file]', {
    name: 'other.geojson', mimeType: 'application/geo+json', buffer: Buffer.from(fc, 'utf8'),
  });
  await page.waitForSelector('form.import .report tr.row-error');
  assert.match(await page.textContent('form.import .report tr.row-error'), /district_code/);
  assert.equal(await page.isDisabled('button.apply'), true);
  const res = await importAs(da, 'dry_run=false', 'application/geo+json', fc);
  assert.equal(res.status, 403);
  assert.equal(res.body.errors[0].field, 'district_code');
  assert.equal(res.body.applied, false);
  const after = (await admin('GET', `/api/v1/stations/${f.id}`)).body;
  assert.equal(after.version, before.version);
  assert.equal(after.name, before.name);
  assert.deepEqual(errors, []);
  await ctx.close();
});
