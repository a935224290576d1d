// SPDX-License-Identifier: MIT
// tiles.js - the map tiles the app knows and the coordinate system each draws in, without
// Leaflet: the home page asks the API in the tiles' system before the map (a chunk of its own,
// map.js, loaded after the first list; docs/internals/web.md) exists.
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

/** The coordinate system of the tiles `tiles` ('wgs84' | 'gcj02'). */
export function crsOf(tiles) {
  return (TILES[tiles] || TILES.none).crs;
}

/** [lat, lon] WGS-84 -> the system `crs`. */
export function wgsTo(crs, [lat, lon]) {
  return crs === 'gcj02' ? wgs84ToGcj02(lat, lon) : [lat, lon];
}
