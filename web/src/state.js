// SPDX-License-Identifier: MIT
// state.js - the worker app's shared state: the worker's position, the filters, the map, what
// is kept on the phone (localStorage), and the ?at= test hook. Imported by every page module.
import { TILES } from './tiles.js';

export const DEFAULT_CENTRE = [28.0154, 120.6553]; // Wenzhou, WGS-84
export const NEEDS = ['toilet', 'hot_water', 'microwave', 'battery_swap', 'ebike_charging', 'air_conditioning'];
export const FLAGS = ['open_now', 'h24'];
export const main = document.getElementById('main');
export const store = {
  get(k, d) { try { const v = localStorage.getItem(`yz.${k}`); return v === null ? d : JSON.parse(v); } catch { return d; } },
  set(k, v) { try { localStorage.setItem(`yz.${k}`, JSON.stringify(v)); } catch { /* full or private */ } },
};

// --- state ------------------------------------------------------------------------------------
export const params = new URLSearchParams(location.search);
if (params.has('at')) sessionStorage.setItem('yz.at', params.get('at').replace(/ /g, '+'));
export const AT = sessionStorage.getItem('yz.at') || undefined; // test hook and "what if" time
export const state = {
  filters: new Set(store.get('filters', [])),
  tiles: params.get('tiles') || store.get('tiles', null) || document.querySelector('meta[name=yz-tiles]')?.content || 'osm',
  pos: null,          // worker's position, WGS-84 [lat, lon]
  posState: 'pending', // pending | ok | denied | unavailable
  centre: null,       // query centre in the map's system, when the worker moved the map
  search: null,       // text of the search shown, or null for nearby
  map: null,
  seq: 0,
};
if (!TILES[state.tiles]) state.tiles = 'osm';
