// SPDX-License-Identifier: MIT
// home.js - the home page: nearby stations on a map and a list, filters, search.
import { get } from './api.js';
import { t, lang } from './i18n.js';
import { crsOf, wgsTo } from './tiles.js';
import { main, state, store, AT, NEEDS, DEFAULT_CENTRE } from './state.js';
import { todayBlock } from './today.js';
import { liveLine, aged, known as isKnown, onShown } from './live.js';
import { h, go, facIcon, facLabel, facOrder, fmtDist, statusOf, ratingText, eventText, message, errorBox, loadVocab } from './util.js';

function stationRow(s, i) {
  const st = statusOf(s);
  // Every facility, the six key ones first (the row wraps them rather than hiding any).
  const icons = facOrder(s.facilities, NEEDS).map(facIcon);
  const ev = s.today && s.today.length ? s.today[0] : null;
  const nav = s.nav && s.nav.amap;
  return h('li', { class: 'row', 'data-code': s.code },
    h('a', { class: 'row-link', href: `/station/${encodeURIComponent(s.code)}`, 'data-link': true },
      h('span', { class: 'row-top' },
        h('span', { class: 'row-num', 'aria-hidden': 'true' }, String(i + 1)),
        h('span', { class: 'name' }, s.name),
        s.distance_m !== undefined ? h('span', { class: 'dist' }, fmtDist(s.distance_m)) : null),
      h('span', { class: `status ${st.cls}` }, st.text),
      liveLine(s.live),
      h('span', { class: 'row-meta' },
        h('span', { class: 'icons' }, icons),
        h('span', { class: 'rating' }, ratingText(s.rating))),
      ev ? h('span', { class: 'event' }, eventText(ev)) : null),
    nav ? h('a', { class: 'go', href: nav, target: '_blank', rel: 'noopener', 'data-nav': 'amap',
      'aria-label': `${t('navigate')}: ${s.name}` }, t('navShort')) : null);
}

function skeleton(n) {
  return Array.from({ length: n }, () => h('li', { class: 'row skel', 'aria-hidden': 'true' }, h('span', {}, ' ')));
}

export async function renderHome() {
  await loadVocab();
  const q = h('input', { id: 'q', type: 'search', name: 'q', autocomplete: 'off', enterkeyhint: 'search',
    placeholder: t('searchPlaceholder'), 'aria-describedby': 'q-help', value: state.search || '' });
  const sugg = h('ul', { id: 'sugg', class: 'sugg', hidden: true, 'aria-label': t('searchLabel') });
  const form = h('form', { role: 'search', class: 'search', 'aria-label': t('searchLabel') },
    h('label', { for: 'q', class: 'vh' }, t('searchLabel')),
    h('span', { id: 'q-help', class: 'vh' }, t('searchPlaceholder')),
    q, h('button', { type: 'submit', class: 'btn primary' }, t('searchBtn')), sugg);
  const chip = (key, label) => h('button', { type: 'button', class: 'chip', 'data-filter': key,
    'aria-pressed': String(state.filters.has(key)) }, label);
  // 现在开放 and 24小时 first: the two a rider wants most, visible at 360 px without scrolling the row
  const chips = h('div', { class: 'chips', role: 'group', 'aria-label': t('filters') },
    chip('open_now', t('openNow')), chip('h24', t('h24')), NEEDS.map((c) => chip(c, facLabel(c))),
    chip('charged', t('liveCharged')));
  // The active filters, always visible (sticky while the list scrolls) with "clear all". Filters
  // are remembered across visits, and this summary shows them from the first paint.
  const filterSum = h('div', { id: 'filter-sum', class: 'filter-sum', role: 'status' });
  const mapEl = h('div', { id: 'map', class: 'map', role: 'region', 'aria-label': t('mapLabel') });
  const mapNote = h('p', { class: 'map-note', hidden: true }, t('mapFallback'));
  // Moving the map never changes the list by itself: it offers this button.
  const areaBtn = h('button', { type: 'button', class: 'btn primary area-btn', id: 'search-area', hidden: true }, t('searchArea'));
  const preview = h('div', { id: 'preview', class: 'preview', hidden: true });
  const tilesSel = h('select', { id: 'tiles' },
    ['osm', 'amap', 'none'].map((k) => h('option', { value: k, selected: state.tiles === k },
      t({ osm: 'tilesOsm', amap: 'tilesAmap', none: 'tilesNone' }[k]))));
  const tools = h('div', { class: 'map-tools' },
    h('button', { type: 'button', class: 'btn', id: 'locate' }, t('myLocation')),
    h('label', { for: 'tiles', class: 'tiles-label' }, t('tiles')), tilesSel);
  const listH = h('h2', { id: 'list-h', class: 'list-h' }, t('loading'));
  const notice = h('div', { id: 'notice', class: 'notice' });
  const list = h('ol', { id: 'list', class: 'list', 'aria-labelledby': 'list-h', 'aria-busy': 'true' }, skeleton(6));
  main.replaceChildren(
    h('h1', { class: 'vh', tabindex: '-1' }, t('homeTitle')),
    h('div', { class: 'home' }, form, chips, todayBlock(),
      h('div', { class: 'home-map' }, h('div', { class: 'map-wrap' }, mapEl, mapNote, areaBtn), preview, tools),
      h('section', { class: 'results', 'aria-labelledby': 'list-h' }, filterSum, listH, notice, list)));
  const paintChips = () => {
    for (const b of chips.querySelectorAll('button[data-filter]')) b.setAttribute('aria-pressed', String(state.filters.has(b.dataset.filter)));
    paintFilterSum(filterSum, () => {
      state.filters.clear();
      store.set('filters', []);
      paintChips();
      if (state.search) runSearch(state.search); else loadNearby();
    });
  };
  paintChips();

  if (state.map) state.map.destroy();
  state.map = null;
  state.shown = null;
  // The map (Leaflet, a chunk of its own) is built after the first list is painted (showList):
  // the rows come first on a slow phone, and the map's work does not hold them up.
  home = { el: mapEl, started: false, note: mapNote, handlers: {
    moved: (c) => { areaBtn.hidden = false; areaBtn.dataset.lat = c[0]; areaBtn.dataset.lon = c[1]; },
    select: (s, n) => showPreview(preview, s, n),
    tilesFailed: () => { mapNote.hidden = false; },
    label: (s) => `${s.name} · ${statusOf(s).text}`,
    labels: districtLabels,
    hintText: t('twoFingers'),
  } };
  areaBtn.addEventListener('click', () => {
    areaBtn.hidden = true;
    state.centre = [Number(areaBtn.dataset.lat), Number(areaBtn.dataset.lon)];
    state.search = null;
    q.value = '';
    loadNearby();
  });

  chips.addEventListener('click', (ev) => {
    const b = ev.target.closest('button[data-filter]');
    if (!b) return;
    const k = b.dataset.filter;
    if (state.filters.has(k)) state.filters.delete(k); else state.filters.add(k);
    store.set('filters', [...state.filters]);
    paintChips();
    if (state.search) runSearch(state.search); else loadNearby();
  });
  tilesSel.addEventListener('change', () => {
    state.tiles = tilesSel.value;
    store.set('tiles', state.tiles);
    state.centre = null;
    renderHome();
  });
  document.getElementById('locate').addEventListener('click', () => {
    state.centre = null;
    state.search = null;
    q.value = '';
    locate(true);
  });
  setupSearch(form, q, sugg);

  // shown again (the phone unlocked, back from the navigation app): fresh live values
  onShown(() => { if (list.isConnected) { if (state.search) runSearch(state.search); else loadNearby(); } });
  if (state.search) runSearch(state.search);
  else if (state.posState === 'pending') {
    // say at once what the list will be (the worker reads it while the list is on its way)
    notice.replaceChildren(message('info', t('posWaiting', { where: t(lastPos() ? 'whereLast' : 'whereMap') })));
    loadNearby();
    locate(false);
  }
  else loadNearby();
}

const FILTER_ORDER = ['open_now', 'h24', ...NEEDS, 'charged'];
function filterLabel(k) {
  return k === 'open_now' ? t('openNow') : k === 'h24' ? t('h24') : k === 'charged' ? t('liveCharged') : facLabel(k);
}
function paintFilterSum(box, clear) {
  const on = FILTER_ORDER.filter((k) => state.filters.has(k));
  box.hidden = !on.length;
  box.replaceChildren(...(on.length ? [
    h('span', { class: 'filter-sum-text' }, t('filterSum', { list: on.map(filterLabel).join(lang() === 'en' ? ', ' : '、') })),
    h('button', { type: 'button', class: 'btn', id: 'clear-filters', onclick: clear }, t('clearAll'))] : []));
}

/** The system the stations are asked in and drawn in: the tiles' (the map's once built). */
function mapCrs() {
  return state.map ? state.map.crs : crsOf(state.tiles);
}
function fromWgs(p) {
  return wgsTo(mapCrs(), p);
}

// --- the map, built after the first list ------------------------------------------------------
let home = null; // the home page drawn last: its map's element and handlers
const nextFrame = () => new Promise((ok) => requestAnimationFrame(() => setTimeout(ok, 0)));

async function startMap() {
  const ctx = home;
  if (!ctx || ctx.started) return;
  ctx.started = true;
  await nextFrame(); // the list is painted first
  let mod;
  try { mod = await import('./map.js'); } catch { ctx.note.hidden = false; return; } // offline, chunk not kept
  await nextFrame(); // Leaflet's evaluation and the map's set-up in tasks of their own
  if (ctx !== home || !ctx.el.isConnected || state.map) return;
  // where the list was asked for: the worker's position, the place chosen, else the map's default
  const centre = state.centre || (state.pos ? fromWgs(state.pos)
    : state.posState === 'pending' && lastPos() ? fromWgs(lastPos()) : fromWgs(DEFAULT_CENTRE));
  // Each step a task of its own (a slow phone's long tasks are what holds a tap): the map,
  // the markers, the tiles for the view the markers set, then the outline feature by feature
  // and the district names.
  const map = new mod.StationMap(ctx.el, state.tiles, centre, ctx.handlers, { lateTiles: true, lateLayers: true });
  state.map = map;
  await mod.pause();
  if (state.map !== map) return;
  if (state.pos) map.showMe(fromWgs(state.pos));
  if (state.shown) map.showStations(state.shown.stations, state.shown.fit);
  await mod.pause();
  if (state.map !== map) return;
  map.addTiles();
  await mod.pause();
  if (state.map !== map) return;
  map.drawLayers();
}

function locate(recentre) {
  if (!navigator.geolocation) {
    state.posState = 'unavailable';
    loadNearby();
    return;
  }
  let done = false;
  const finish = () => { done = true; loadNearby(); };
  navigator.geolocation.getCurrentPosition((p) => {
    if (done) return;
    state.pos = [p.coords.latitude, p.coords.longitude];
    state.posState = 'ok';
    state.resorted = !!state.shownWhilePending; // a list near the map centre or last position was shown
    store.set('lastPos', state.pos);
    if (state.map) {
      state.map.showMe(state.map.fromWgs(state.pos));
      state.map.setCentre(state.map.fromWgs(state.pos), recentre ? 15 : undefined);
    }
    finish();
  }, (err) => {
    if (done) return;
    state.posState = err.code === 1 ? 'denied' : 'unavailable';
    finish();
  }, { enableHighAccuracy: true, timeout: 8000, maximumAge: 60000 });
  // A browser that never answers: carry on from the map centre.
  setTimeout(() => { if (!done) { state.posState = 'unavailable'; finish(); } }, 9000);
}

function lastPos() {
  const p = store.get('lastPos', null);
  return Array.isArray(p) && p.length === 2 && p.every(Number.isFinite) ? p : null;
}

function queryCentre() {
  if (state.centre) return state.centre;
  if (state.pos) return fromWgs(state.pos);
  // still waiting for the position: the last one known, else the map centre
  if (state.posState === 'pending' && lastPos()) return fromWgs(lastPos());
  return state.map ? state.map.centre() : fromWgs(DEFAULT_CENTRE);
}

function positionNotice() {
  if (state.centre) return null;
  if (state.posState === 'denied') return message('warn', t('posDenied'));
  if (state.posState === 'unavailable') return message('warn', t('posUnavailable'));
  if (state.posState === 'pending') return message('info', t('posWaiting', { where: t(lastPos() ? 'whereLast' : 'whereMap') }));
  if (state.resorted) { state.resorted = false; return message('info', t('posArrived')); }
  return null;
}

function showList(stations, heading, notices, fit, emptyText) {
  const list = document.getElementById('list');
  if (!list) return;
  document.getElementById('list-h').textContent = heading;
  document.getElementById('notice').replaceChildren(...notices.filter(Boolean));
  list.setAttribute('aria-busy', 'false');
  const rows = stations.map(stationRow);
  if (state.restoreScroll !== null && state.restoreScroll !== undefined && state.rowHeights) {
    for (const r of rows) {
      const px = state.rowHeights.get(r.dataset.code);
      if (px) r.style.containIntrinsicSize = `auto ${px}px`;
    }
  }
  list.replaceChildren(...rows);
  if (state.posState === 'pending') state.shownWhilePending = true;
  const preview = document.getElementById('preview');
  if (preview) { preview.hidden = true; preview.replaceChildren(); }
  if (!stations.length) document.getElementById('notice').append(message('info', emptyText || t('noResults')));
  state.shown = { stations, fit };
  if (state.map) state.map.showStations(stations, fit);
  else startMap();
  if (state.restoreScroll !== null && state.restoreScroll !== undefined) {
    holdScroll(state.restoreScroll); // Back to the list: where the worker was
    state.restoreScroll = null;
  }
}

/** Scroll to `y` and keep it there while the page is still growing (the "today" block, the
 * map and a fresher list arrive after the first rows, and a page still shorter than `y`
 * clamps the scroll), until the worker scrolls or touches, or the page has not changed size
 * for 1.5 s (a slow phone may take longer than that to bring everything: each change re-arms
 * it), and never longer than 10 s. */
function holdScroll(y) {
  window.scrollTo(0, y);
  let quiet = 0;
  const stop = () => {
    ro.disconnect();
    clearTimeout(quiet);
    clearTimeout(cap);
    for (const ev of ['wheel', 'touchstart', 'keydown', 'pointerdown']) window.removeEventListener(ev, stop);
  };
  const rearm = () => { clearTimeout(quiet); quiet = setTimeout(stop, 1500); };
  const ro = new ResizeObserver(() => { window.scrollTo(0, y); rearm(); });
  const cap = setTimeout(stop, 10000);
  ro.observe(document.body);
  for (const ev of ['wheel', 'touchstart', 'keydown', 'pointerdown']) window.addEventListener(ev, stop, { passive: true });
  rearm();
}

async function loadNearby() {
  const seq = ++state.seq;
  const [lat, lon] = queryCentre();
  const needs = NEEDS.filter((c) => state.filters.has(c));
  const h24 = state.filters.has('h24');
  const charged = state.filters.has('charged');
  const crs = mapCrs();
  const q = { lat: lat.toFixed(6), lon: lon.toFixed(6), k: h24 ? 60 : 20, need: needs.join(','),
    open_now: state.filters.has('open_now') || h24 ? 'true' : undefined, at: AT,
    crs: crs === 'wgs84' ? undefined : crs, live: charged ? 'charged' : undefined };
  const heading = state.centre || state.posState !== 'ok' ? t('nearMap') : t('nearYou');
  const filter = (list) => (h24 ? list.filter((s) => s.open_now && !s.next_change && s.status === 'open').slice(0, 20) : list);
  try {
    const { body, cached } = await get('/api/v1/stations/nearby', q);
    if (seq !== state.seq) return;
    let stations = filter(body.stations);
    if (!cached) store.set('last', { time: new Date().toISOString(), crs, stations });
    else stations = agedList(stations, cached);
    const note = cached ? message('warn', t('offlineSaved', { time: new Date(cached).toLocaleTimeString(lang(), { hour: '2-digit', minute: '2-digit' }) })) : null;
    showList(stations, heading, [note, positionNotice()], !state.centre, charged ? t('liveChargedNone') : undefined);
  } catch (e) {
    if (seq !== state.seq) return;
    const last = store.get('last', null);
    if (e.kind === 'offline' && last && last.crs === crs) {
      const time = new Date(last.time).toLocaleTimeString(lang(), { hour: '2-digit', minute: '2-digit' });
      // the filters apply to the saved list on the phone (its rows carry facilities and status)
      const known = last.stations.every((x) => Array.isArray(x.facilities));
      // live values age on the phone as they would on the server (unknown once too old)
      let list = agedList(last.stations, last.time);
      const any = needs.length || state.filters.has('open_now') || h24 || charged;
      if (any && known) {
        list = list.filter((x) => needs.every((c) => x.facilities.includes(c)));
        if (state.filters.has('open_now') || h24) list = list.filter((x) => x.open_now);
        if (h24) list = list.filter((x) => !x.next_change && x.status === 'open');
        if (charged) list = list.filter(hasCharged);
      }
      showList(list, heading, [message('warn', t('offlineSaved', { time })),
        any ? message('info', known ? t('offlineFiltered', { n: last.stations.length }) : t('offlineCannotFilter')) : null], !state.centre,
      charged ? t('liveChargedNone') : undefined);
      return;
    }
    showList([], heading, [errorBox(e, loadNearby)], false);
    document.getElementById('notice').querySelector('.msg.info')?.remove();
  }
}

// --- live status (issue 14): rows of a list kept on the phone, the "charged battery" filter --
/** A list answered `since` (a time) ago: its live values aged to now (live.js). */
function agedList(stations, since) {
  const extra = (Date.now() - Date.parse(since)) / 1000;
  return stations.map((s) => (s.live && extra > 0 ? { ...s, live: aged(s.live, extra) } : s));
}
/** What `live=charged` keeps: a known count of charged batteries of at least one. */
function hasCharged(s) {
  const b = s.live && s.live.batteries_charged;
  return isKnown(b) && b.value >= 1;
}

let districts = null;
function setupSearch(form, q, sugg) {
  let timer = 0, seq = 0;
  const hide = () => { sugg.hidden = true; sugg.replaceChildren(); };
  q.addEventListener('input', () => {
    clearTimeout(timer);
    const text = q.value.trim();
    if (!text) { hide(); return; }
    timer = setTimeout(async () => {
      const my = ++seq;
      try {
        if (!districts) districts = (await get('/api/v1/districts')).body.districts;
        const { body } = await get('/api/v1/stations', { q: text, per_page: 5 });
        if (my !== seq) return;
        const items = [];
        for (const d of districts.filter((x) => x.name.includes(text) || (x.name_hant || '').includes(text)).slice(0, 3)) {
          items.push(h('li', {}, h('button', { type: 'button', class: 'sugg-item', onclick: () => {
            hide();
            q.value = '';
            state.search = null;
            state.centre = fromWgs([d.lat, d.lon]);
            if (state.map) state.map.setCentre(state.centre, 14);
            loadNearby();
          } }, h('span', { class: 'sugg-kind' }, t('districts')), lang() === 'zh-Hans' ? d.name : d.name_hant || d.name)));
        }
        for (const s of body.stations) {
          items.push(h('li', {}, h('a', { class: 'sugg-item', href: `/station/${encodeURIComponent(s.code)}`, 'data-link': true },
            h('span', { class: 'sugg-kind' }, t('stations')), s.name)));
        }
        sugg.replaceChildren(...items);
        sugg.hidden = !items.length;
      } catch { hide(); }
    }, 200);
  });
  q.addEventListener('keydown', (ev) => { if (ev.key === 'Escape') hide(); });
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    hide();
    const text = q.value.trim();
    if (!text) { state.search = null; loadNearby(); return; }
    runSearch(text);
  });
}

async function runSearch(text) {
  state.search = text;
  const seq = ++state.seq;
  const [lat, lon] = state.pos ? state.pos : DEFAULT_CENTRE;
  const needs = NEEDS.filter((c) => state.filters.has(c));
  const crs = mapCrs();
  const back = h('button', { type: 'button', class: 'btn', onclick: () => {
    state.search = null;
    const q = document.getElementById('q');
    if (q) q.value = '';
    loadNearby();
  } }, t('clearSearch'));
  try {
    const { body } = await get('/api/v1/stations', { q: text, per_page: 20, need: needs.join(','),
      lat: state.pos ? lat.toFixed(6) : undefined, lon: state.pos ? lon.toFixed(6) : undefined,
      crs: crs === 'wgs84' ? undefined : crs });
    if (seq !== state.seq) return;
    let list = body.stations;
    if (state.filters.has('open_now')) list = list.filter((s) => s.open_now);
    if (state.filters.has('h24')) list = list.filter((s) => s.open_now && !s.next_change);
    // the search route has no live= (the nearby one has): the same rule on the answer's `live`
    if (state.filters.has('charged')) list = list.filter(hasCharged);
    // what the server took as filters (厕所 -> toilet), said so the rider knows why the list is what it is
    const words = (body.understood && body.understood.facilities) || [];
    const said = words.length ? message('info', t('understoodAs', {
      list: words.map((w) => `${w.word} → ${facLabel(w.code)}`).join(t('listSep')) })) : null;
    showList(list, t('searchResults', { q: text }), [said, h('p', { class: 'msg-actions' }, back)], true,
      state.filters.has('charged') && body.stations.length ? t('liveChargedNone') : t('noSearchResults', { q: text }));
  } catch (e) {
    if (seq !== state.seq) return;
    showList([], t('searchResults', { q: text }), [errorBox(e, () => runSearch(text))], false);
  }
}

// --- map area (issue 13): district names and the marker's preview card -----------------------
// District names in English (the server's vocabulary has simplified and traditional only).
const DISTRICT_EN = { 330302: 'Lucheng', 330303: 'Longwan', 330304: 'Ouhai', 330305: 'Dongtou',
  330324: 'Yongjia', 330326: 'Pingyang', 330327: 'Cangnan', 330328: 'Wencheng', 330329: 'Taishun',
  330381: "Rui'an", 330382: 'Yueqing', 330383: 'Longgang' };
export async function districtLabels() {
  if (!districts) districts = (await get('/api/v1/districts')).body.districts;
  const l = lang();
  return districts.map((d) => ({ lat: d.lat, lon: d.lon,
    text: l === 'en' ? DISTRICT_EN[d.code] || d.name : l === 'zh-Hant' ? d.name_hant || d.name : d.name }));
}

/** A marker was tapped: its station in a card under the map (the list is not touched). */
function showPreview(box, s, n) {
  const st = statusOf(s);
  const nav = s.nav && s.nav.amap;
  const close = h('button', { type: 'button', class: 'preview-close', 'aria-label': t('close') }, '×');
  close.addEventListener('click', () => { box.hidden = true; box.replaceChildren(); });
  box.replaceChildren(h('div', { class: 'preview-card', role: 'region', 'aria-labelledby': 'preview-h', 'data-code': s.code },
    h('div', { class: 'preview-top' },
      h('span', { class: 'row-num', 'aria-hidden': 'true' }, String(n)),
      h('h2', { id: 'preview-h', class: 'preview-name' }, s.name), close),
    h('p', { class: 'preview-meta' },
      s.distance_m !== undefined ? h('span', { class: 'dist' }, fmtDist(s.distance_m)) : null,
      h('span', { class: `status ${st.cls}` }, st.text)),
    h('p', { class: 'preview-actions' },
      nav ? h('a', { class: 'btn primary', href: nav, target: '_blank', rel: 'noopener', 'data-nav': 'amap' }, t('navigate')) : null,
      h('a', { class: 'btn', href: `/station/${encodeURIComponent(s.code)}`, 'data-link': true }, t('stationDetails')))));
  box.hidden = false;
  box.scrollIntoView({ block: 'nearest' });
}
