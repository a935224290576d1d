// SPDX-License-Identifier: MIT
// map.js - the Leaflet map of the home page. Tiles are configurable: OpenStreetMap (WGS-84),
// Amap (GCJ-02) or none. Everything drawn is in the tiles' system (`crs`): the app asks the
// API for positions in it (crs=gcj02 with Amap), and the outline and the worker's own GPS
// position (both WGS-84) are converted here. With no tiles reachable, the city outline
// (served locally) and the stations still show. The tile hosts are the only outside hosts the
// app may load from: the server's Content-Security-Policy (src/http/server.c) names them.
import L from 'leaflet';
import { wgs84ToGcj02 } from './coord.js';

export const TILES = {
  osm: {
    url: 'https://tile.openstreetmap.org/{z}/{x}/{y}.png', crs: 'wgs84', maxZoom: 19,
    // Attributions are our own constant markup (Leaflet inserts them as HTML); never data.
    attribution: '© <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>',
  },
  amap: {
    url: 'https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8&x={x}&y={y}&z={z}',
    subdomains: '1234', crs: 'gcj02', maxZoom: 18, attribution: '© 高德 AutoNavi',
  },
  none: { crs: 'wgs84' },
};

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
  constructor(el, tiles, centre, handlers) {
    this.cfg = TILES[tiles] || TILES.none;
    this.crs = this.cfg.crs;
    this.h = handlers;
    // The view first, then layers (Leaflet draws nothing added before a view is set).
    this.map = L.map(el, { zoomControl: true, attributionControl: true, preferCanvas: false })
      .setView(centre, 14);
    this.map.attributionControl.setPrefix(false);
    this.stations = L.layerGroup().addTo(this.map);
    this.me = null;
    if (this.cfg.url) {
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
    }
    let userMove = false;
    this.map.on('dragstart zoomstart', () => { userMove = !this.programmatic; });
    this.map.on('moveend', () => {
      if (userMove && this.h.moved) {
        const c = this.map.getCenter();
        this.h.moved([c.lat, c.lng]);
      }
      userMove = false;
    });
    this.drawOutline();
  }

  /** [lat, lon] WGS-84 -> the map's system. */
  fromWgs([lat, lon]) {
    return this.crs === 'gcj02' ? wgs84ToGcj02(lat, lon) : [lat, lon];
  }

  async drawOutline() {
    const gj = await outline();
    if (!gj || !this.map) return;
    const conv = this.crs === 'gcj02'
      ? (c) => { const [la, lo] = wgs84ToGcj02(c[1], c[0]); return L.latLng(la, lo); }
      : (c) => L.latLng(c[1], c[0]);
    L.geoJSON(gj, {
      coordsToLatLng: conv, interactive: false,
      style: { color: '#0b5cad', weight: 2, fillColor: '#dbe8f5', fillOpacity: 0.35 },
    }).addTo(this.map).bringToBack();
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

  /** Show the worker at `latlon` (map system). */
  showMe(latlon) {
    if (this.me) this.me.setLatLng(latlon);
    else this.me = L.circleMarker(latlon, { radius: 9, color: '#fff', weight: 3, fillColor: '#1a73e8', fillOpacity: 1 }).addTo(this.map);
  }

  /** Replace the station markers; stations carry lat/lon in the map's system. */
  showStations(list, fit) {
    this.stations.clearLayers();
    const pts = [];
    for (const s of list) {
      const m = L.circleMarker([s.lat, s.lon], {
        radius: 9, weight: 2, color: '#fff',
        fillColor: s.open_now && s.status === 'open' ? '#0a7a36' : '#6b6b6b', fillOpacity: 1,
      });
      // Leaflet inserts a string as HTML: give it an element whose text is the label, so a
      // name such as `<img src=…>` is shown as it is written.
      const tip = document.createElement('span');
      tip.textContent = this.h.label ? this.h.label(s) : s.name;
      m.bindTooltip(tip);
      m.on('click', () => this.h.select && this.h.select(s));
      m.addTo(this.stations);
      pts.push([s.lat, s.lon]);
    }
    if (fit && pts.length) {
      if (this.me) pts.push(this.me.getLatLng());
      this.programmatic = true;
      this.map.fitBounds(L.latLngBounds(pts).pad(0.15), { animate: false, maxZoom: 16 });
      this.programmatic = false;
    }
  }

  destroy() {
    if (this.map) this.map.remove();
    this.map = null;
  }
}
