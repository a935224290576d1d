// SPDX-License-Identifier: MIT
// map.js - the Leaflet map of the home page. Tiles are configurable: OpenStreetMap (WGS-84),
// Amap (GCJ-02) or none. Everything drawn is in the tiles' system (`crs`): the app asks the
// API for positions in it (crs=gcj02 with Amap), and the outline and the worker's own GPS
// position (both WGS-84) are converted here. With no tiles reachable, the city outline
// (served locally) and the stations still show. The tile hosts are the only outside hosts the
// app may load from: the server's Content-Security-Policy (src/http/server.c) names them.
import L from 'leaflet';
import { wgs84ToGcj02 } from './coord.js';
import { TILES, wgsTo } from './tiles.js';

export { TILES };

/** Let the browser run other work (input, paint) before the next step: each step of the map's
 * set-up is a task of its own, none long enough to hold a tap on a slow phone. */
export function pause() {
  const s = globalThis.scheduler;
  return s && typeof s.yield === 'function' ? s.yield() : new Promise((ok) => setTimeout(ok, 0));
}

let outlineCache = null;
async function outline() {
  if (!outlineCache) {
    outlineCache = fetch('/wenzhou.geojson').then((r) => (r.ok ? r.json() : null)).catch(() => null);
  }
  return outlineCache;
}

export class StationMap {
  /**
   * @param el        the container (fixed size: no layout shift)
   * @param tiles     'osm' | 'amap' | 'none'
   * @param centre    [lat, lon] in the tiles' system
   * @param handlers  { moved([lat, lon]) after the worker drags or zooms, select(station),
   *                    tilesFailed() once when tiles do not load, label(station) -> text }
   */
  constructor(el, tiles, centre, handlers, opts = {}) {
    this.cfg = TILES[tiles] || TILES.none;
    this.crs = this.cfg.crs;
    this.h = handlers;
    // On a phone a one-finger swipe must scroll the page, not pan the map: one-finger dragging
    // is off where the main pointer is a finger, and two fingers pan and zoom (Leaflet's pinch
    // follows the fingers' midpoint). A hint says so when one finger tries. A static map (the
    // station page's) takes no gesture at all.
    const touch = !opts.static && isTouch();
    this.map = L.map(el, { zoomControl: !opts.static, attributionControl: true, preferCanvas: false,
      dragging: !opts.static && !touch, touchZoom: !opts.static, scrollWheelZoom: !opts.static,
      doubleClickZoom: !opts.static, boxZoom: !opts.static, keyboard: !opts.static })
      .setView(centre, opts.zoom || 14);
    this.map.attributionControl.setPrefix(false);
    // Panes: district names under the stations, the worker's own position above everything.
    this.map.createPane('yzLabels').style.zIndex = 450;
    this.map.createPane('yzMe').style.zIndex = 660;
    this.map.getPane('yzLabels').style.pointerEvents = 'none';
    this.map.getPane('yzMe').style.pointerEvents = 'none';
    this.stations = L.layerGroup().addTo(this.map);
    this.me = null;
    if (touch) this.twoFingerHint(el);
    if (!opts.lateTiles) this.addTiles();
    let userMove = false;
    this.map.on('dragstart zoomstart movestart', () => { userMove = userMove || !this.programmatic; });
    this.map.on('moveend', () => {
      if (userMove && this.h.moved) {
        const c = this.map.getCenter();
        this.h.moved([c.lat, c.lng]);
      }
      userMove = false;
    });
    // The outline and the district names: now, or (`lateLayers`) when the caller says; the
    // outline's file is asked for now either way.
    outline();
    if (!opts.lateLayers) this.drawLayers();
  }

  /** The city's outline, the districts' borders and their names, each in a task of its own. */
  async drawLayers() {
    await this.drawOutline();
    if (this.h.labels && this.map) this.drawLabels(this.h.labels);
  }

  /** The tiles (none for 'none'); `lateTiles` leaves them to the caller, once the view is set. */
  addTiles() {
    if (this.cfg.url && this.map && !this.tiles) {
      let errors = 0, loaded = 0;
      const layer = L.tileLayer(this.cfg.url, {
        maxZoom: this.cfg.maxZoom, subdomains: this.cfg.subdomains || 'abc',
        attribution: this.cfg.attribution, crossOrigin: false,
      });
      layer.on('tileload', () => { loaded++; });
      layer.on('tileerror', () => {
        errors++;
        if (errors === 3 && loaded === 0 && this.h.tilesFailed) this.h.tilesFailed();
      });
      layer.addTo(this.map);
      this.tiles = layer;
    }
  }

  /** [lat, lon] WGS-84 -> the map's system. */
  fromWgs(p) {
    return wgsTo(this.crs, p);
  }

  async drawOutline() {
    const gj = await outline();
    if (!gj || !this.map) return;
    const conv = this.crs === 'gcj02'
      ? (c) => { const [la, lo] = wgs84ToGcj02(c[1], c[0]); return L.latLng(la, lo); }
      : (c) => L.latLng(c[1], c[0]);
    const opts = {
      coordsToLatLng: conv, interactive: false,
      // The city's outline firmly, with a tint; the districts' borders as thinner dashes.
      style: (f) => (f.properties.kind === 'district'
        ? { color: '#0b3d75', weight: 2, opacity: 0.8, dashArray: '6 4', fill: false }
        : { color: '#0b3d75', weight: 3, fillColor: '#dbe8f5', fillOpacity: 0.5 }),
    };
    // One feature a task (the city's outline first, so it lies under the borders): the whole
    // file converted, projected and drawn at once was a long task on a slow phone.
    const feats = [...gj.features].sort((a, b) => (a.properties.kind === 'district') - (b.properties.kind === 'district'));
    for (const [i, f] of feats.entries()) {
      if (i) await pause();
      if (!this.map) return;
      const layer = L.geoJSON(f, opts).addTo(this.map);
      if (!i) layer.bringToBack();
    }
  }

  centre() {
    const c = this.map.getCenter();
    return [c.lat, c.lng];
  }

  /** Move without reporting it as the worker's own move. */
  setCentre(latlon, zoom) {
    this.programmatic = true;
    this.map.setView(latlon, zoom ?? this.map.getZoom(), { animate: false });
    this.programmatic = false;
  }

  /** Show the worker at `latlon` (map system), in its own pane above every station marker. */
  showMe(latlon) {
    if (this.me) { this.me.setLatLng(latlon); return; }
    const dot = document.createElement('span');
    dot.className = 'me-dot';
    this.me = L.marker(latlon, { pane: 'yzMe', interactive: false, keyboard: false,
      icon: L.divIcon({ className: 'me-icon', html: dot, iconSize: [26, 26], iconAnchor: [13, 13] }) }).addTo(this.map);
  }

  /** District names at their seats; `labels()` resolves to [{lat, lon, text}] in WGS-84. */
  async drawLabels(labels) {
    let list = [];
    try { list = await labels(); } catch { return; }
    if (!this.map) return;
    const group = L.layerGroup();
    for (const d of list) {
      const el = document.createElement('span');
      el.textContent = d.text;
      L.marker(this.fromWgs([d.lat, d.lon]), { pane: 'yzLabels', interactive: false, keyboard: false,
        icon: L.divIcon({ className: 'district-label', html: el, iconSize: null }) }).addTo(group);
    }
    group.addTo(this.map);
  }

  /** On touch screens: a one-finger swipe scrolls the page; say once in a while that two pan. */
  twoFingerHint(el) {
    const hint = document.createElement('p');
    hint.className = 'map-hint';
    hint.hidden = true;
    hint.textContent = this.h.hintText || '';
    el.parentNode?.append(hint);
    this.hint = hint;
    let timer = 0, start = null;
    el.addEventListener('touchstart', (ev) => {
      start = ev.touches.length === 1 ? [ev.touches[0].clientX, ev.touches[0].clientY] : null;
      if (ev.touches.length > 1) { hint.hidden = true; clearTimeout(timer); }
    }, { passive: true });
    el.addEventListener('touchmove', (ev) => {
      if (!start || ev.touches.length !== 1) return;
      const t = ev.touches[0];
      if (Math.hypot(t.clientX - start[0], t.clientY - start[1]) < 10) return;
      start = null;
      hint.hidden = false;
      clearTimeout(timer);
      timer = setTimeout(() => { hint.hidden = true; }, 1800);
    }, { passive: true });
  }

  /** Replace the station markers; stations carry lat/lon in the map's system. */
  showStations(list, fit, numbered = true) {
    this.stations.clearLayers();
    const pts = [];
    list.forEach((s, i) => {
      // Numbered like the list's rows (1 = first row), 36 px: a thumb's target.
      const pin = document.createElement('span');
      pin.className = `pin ${s.open_now && s.status === 'open' ? 'pin-open' : 'pin-closed'}`;
      pin.textContent = numbered ? String(i + 1) : '';
      const m = L.marker([s.lat, s.lon], { keyboard: false, riseOnHover: true, zIndexOffset: -i,
        icon: L.divIcon({ className: 'pin-icon', html: pin, iconSize: [36, 36], iconAnchor: [18, 18] }) });
      // Leaflet inserts a string as HTML: give it an element whose text is the label, so a
      // name such as `<img src=…>` is shown as it is written.
      const tip = document.createElement('span');
      tip.textContent = this.h.label ? this.h.label(s) : s.name;
      m.bindTooltip(tip);
      m.on('click', () => { m.closeTooltip(); if (this.h.select) this.h.select(s, i + 1); });
      m.addTo(this.stations);
      pts.push([s.lat, s.lon]);
    });
    if (fit && pts.length) {
      if (this.me) pts.push(this.me.getLatLng());
      this.programmatic = true;
      this.map.fitBounds(L.latLngBounds(pts).pad(0.15), { animate: false, maxZoom: 16 });
      this.programmatic = false;
    }
  }

  /** Show all of `pts` ([lat, lon], map system), no closer than `maxZoom`. */
  fitTo(pts, maxZoom = 16) {
    this.programmatic = true;
    this.map.fitBounds(L.latLngBounds(pts).pad(0.3), { animate: false, maxZoom });
    this.programmatic = false;
  }

  destroy() {
    if (this.map) this.map.remove();
    this.map = null;
  }
}

/** The main pointer is a finger (phones, tablets); a laptop with a touch screen keeps its mouse. */
function isTouch() {
  return typeof matchMedia === 'function' && matchMedia('(pointer: coarse)').matches && navigator.maxTouchPoints > 0;
}
