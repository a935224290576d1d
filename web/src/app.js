// SPDX-License-Identifier: MIT
// app.js - the worker web app: home (nearby stations on a map and a list, filters, search),
// the station page (/station/{id|code}), the check-in page (/s/{code}) and the experience
// officer's inspection (/inspect[/{code}], inspect.js), routed in the
// browser over the yizhan JSON API. Plain DOM, no framework (docs/internals/web.md).
import { get, workerPost, report, ApiError } from './api.js';
import { t, setLang, lang, vocab, LANGS } from './i18n.js';
import { StationMap, TILES } from './map.js';
import { renderInspect, isOfficer, startSync, it as inspText } from './inspect.js';

const DEFAULT_CENTRE = [28.0154, 120.6553]; // Wenzhou, WGS-84
const NEEDS = ['toilet', 'hot_water', 'microwave', 'battery_swap', 'ebike_charging', 'air_conditioning'];
const FLAGS = ['open_now', 'h24'];
const main = document.getElementById('main');
const store = {
  get(k, d) { try { const v = localStorage.getItem(`yz.${k}`); return v === null ? d : JSON.parse(v); } catch { return d; } },
  set(k, v) { try { localStorage.setItem(`yz.${k}`, JSON.stringify(v)); } catch { /* full or private */ } },
};

// --- state ------------------------------------------------------------------------------------
const params = new URLSearchParams(location.search);
if (params.has('at')) sessionStorage.setItem('yz.at', params.get('at').replace(/ /g, '+'));
const AT = sessionStorage.getItem('yz.at') || undefined; // test hook and "what if" time
const state = {
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
let facilities = null; // code -> vocabulary item
let tagsVocab = null;

// --- small helpers ----------------------------------------------------------------------------
/** h('a', {href: '/'}, 'text', child...) - an element; attributes starting with "on" are listeners.
 * Children that are strings become text nodes (append), so texts from the server (names,
 * titles, reviews) are never parsed as HTML: build every view with h(), never innerHTML. */
function h(tag, attrs, ...kids) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const kid of kids.flat()) if (kid !== null && kid !== undefined && kid !== false) el.append(kid);
  return el;
}

// Facility icons, drawn as SVG elements (never parsed from markup: nothing in this app goes
// through innerHTML). Each is a list of [tag, attributes, text].
const SVG_NS = 'http://www.w3.org/2000/svg';
const ICONS = {
  toilet: [['text', { x: 12, y: 16.5, 'text-anchor': 'middle', 'font-size': 10, 'font-weight': 700, fill: 'currentColor', stroke: 'none' }, 'WC']],
  hot_water: [['path', { d: 'M5 10h11v4a5 5 0 0 1-5 5h-1a5 5 0 0 1-5-5zM16 11h1.5a2.5 2.5 0 0 1 0 5H16M8 3c0 2 2 2 2 4M12 3c0 2 2 2 2 4' }]],
  microwave: [['rect', { x: 3, y: 5, width: 18, height: 14, rx: 2 }], ['rect', { x: 6, y: 8, width: 9, height: 8 }], ['path', { d: 'M18 9v1M18 13v1' }]],
  battery_swap: [['rect', { x: 3, y: 7, width: 16, height: 10, rx: 2 }], ['path', { d: 'M21 10v4M12 9l-3 3h4l-3 3' }]],
  ebike_charging: [['path', { d: 'M13 2 5 14h6l-1 8 8-12h-6z' }]],
  air_conditioning: [['path', { d: 'M12 2v20M3.5 7l17 10M20.5 7l-17 10' }]],
  drinking_water: [['path', { d: 'M12 3s6 7 6 11a6 6 0 0 1-12 0c0-4 6-11 6-11z' }]],
};
const ICON_OTHER = [['circle', { cx: 12, cy: 12, r: 5 }]];
function svgEl(tag, attrs, text) {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  if (text) el.textContent = text;
  return el;
}
function facIcon(code) {
  const label = facLabel(code);
  const span = h('span', { class: 'fi', role: 'img', 'aria-label': label, title: label });
  const icon = svgEl('svg', { viewBox: '0 0 24 24', 'aria-hidden': 'true', focusable: 'false' });
  for (const [tag, attrs, text] of ICONS[code] || ICON_OTHER) icon.append(svgEl(tag, attrs, text));
  span.append(icon);
  return span;
}
function facLabel(code) {
  return facilities && facilities[code] ? vocab(facilities[code]) : code;
}

function fmtDist(m) {
  if (m === undefined || m === null) return '';
  return m < 1000 ? t('m', { n: Math.round(m) }) : t('km', { n: (m / 1000).toFixed(1) });
}

/** Today's date (YYYY-MM-DD) at the station (Asia/Shanghai), or the ?at= date. */
function todayStr() {
  if (AT) return AT.slice(0, 10);
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date());
}
function addDays(date, n) {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}
const DAY_KEYS = ['Su', 'Mo', 'Tu', 'We', 'Th', 'Fr', 'Sa'];
function dayKey(date) { return DAY_KEYS[new Date(`${date}T00:00:00Z`).getUTCDay()]; }
/** "22:00", "明天 08:30", "周一 08:30" for an ISO time with its own offset. */
function when(iso) {
  const date = iso.slice(0, 10), time = iso.slice(11, 16), today = todayStr();
  if (date === today) return time;
  if (date === addDays(today, 1)) return `${t('tomorrow')} ${time}`;
  return `${t('days')[dayKey(date)]} ${time}`;
}

function statusOf(s) {
  if (s.status === 'closed_temp') {
    return { cls: 'closed', text: s.closed_until ? t('closedUntil', { when: when(s.closed_until) }) : t('closedTemp') };
  }
  if (s.open_now && !s.next_change) return { cls: 'open', text: t('open24') };
  if (s.open_now) return { cls: 'open', text: t('openUntil', { time: when(s.next_change) }) };
  if (s.next_change) return { cls: 'closed', text: t('closedOpens', { when: when(s.next_change) }) };
  return { cls: 'closed', text: t('closed') };
}

function ratingText(r) {
  if (!r || r.avg === null || r.avg === undefined || !r.count) return t('noRating');
  return `★ ${Number(r.avg).toFixed(1)} · ${t('ratingCount', { n: r.count })}`;
}

function eventText(e) {
  const cat = t('cat')[e.category] || '';
  const span = e.starts_at && e.ends_at ? ` ${e.starts_at.slice(11, 16)}–${e.ends_at.slice(11, 16)}` : '';
  return `${cat ? `${cat}：` : ''}${e.title}${span}`;
}

function message(kind, text, actions) {
  return h('div', { class: `msg ${kind}`, role: kind === 'error' ? 'alert' : 'status' },
    h('p', {}, text), actions && actions.length ? h('p', { class: 'msg-actions' }, ...actions) : null);
}

function errorBox(e, retry) {
  const text = e instanceof ApiError ? e.text() : t('serverError');
  const acts = [];
  if (retry) acts.push(h('button', { type: 'button', class: 'btn', onclick: retry }, t('retry')));
  acts.push(h('a', { class: 'btn', href: '/', 'data-link': true }, t('home')));
  return message('error', text, acts);
}

async function loadVocab() {
  if (!facilities) {
    try {
      const { body } = await get('/api/v1/facilities');
      facilities = Object.fromEntries(body.facilities.map((f) => [f.code, f]));
    } catch { facilities = {}; }
  }
}

// --- header: language, large text ---------------------------------------------------------------
function applyChrome() {
  document.documentElement.lang = lang();
  document.documentElement.classList.toggle('big', !!store.get('big', false));
  for (const el of document.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  const sel = document.getElementById('lang');
  sel.value = lang();
  const big = document.getElementById('bigtext');
  big.setAttribute('aria-pressed', String(!!store.get('big', false)));
  document.title = `${t('appName')} · yizhan`;
}

function initChrome() {
  document.getElementById('lang').addEventListener('change', (ev) => {
    setLang(ev.target.value);
    store.set('lang', lang());
    applyChrome();
    route(false);
  });
  document.getElementById('bigtext').addEventListener('click', () => {
    store.set('big', !store.get('big', false));
    applyChrome();
    if (state.map) state.map.map.invalidateSize();
  });
  document.addEventListener('click', (ev) => {
    const a = ev.target.closest && ev.target.closest('a[data-link]');
    if (!a || ev.ctrlKey || ev.metaKey || ev.shiftKey || a.target) return;
    ev.preventDefault();
    go(a.getAttribute('href'));
  });
  window.addEventListener('popstate', () => route(true));
}

function go(path) {
  history.pushState(null, '', path);
  route(true);
}

// --- home ----------------------------------------------------------------------------------------
function stationRow(s) {
  const st = statusOf(s);
  const icons = NEEDS.filter((c) => s.facilities.includes(c)).map(facIcon);
  const others = s.facilities.filter((c) => !NEEDS.includes(c)).length;
  const ev = s.today && s.today.length ? s.today[0] : null;
  const nav = s.nav && s.nav.amap;
  return h('li', { class: 'row', 'data-code': s.code },
    h('a', { class: 'row-link', href: `/station/${encodeURIComponent(s.code)}`, 'data-link': true },
      h('span', { class: 'row-top' },
        h('span', { class: 'name' }, s.name),
        s.distance_m !== undefined ? h('span', { class: 'dist' }, fmtDist(s.distance_m)) : null),
      h('span', { class: `status ${st.cls}` }, st.text),
      h('span', { class: 'row-meta' },
        h('span', { class: 'icons' }, icons, others ? h('span', { class: 'more' }, `+${others}`) : null),
        h('span', { class: 'rating' }, ratingText(s.rating))),
      ev ? h('span', { class: 'event' }, eventText(ev)) : null),
    nav ? h('a', { class: 'go', href: nav, target: '_blank', rel: 'noopener', 'data-nav': 'amap',
      'aria-label': `${t('navigate')}: ${s.name}` }, t('navShort')) : null);
}

function skeleton(n) {
  return Array.from({ length: n }, () => h('li', { class: 'row skel', 'aria-hidden': 'true' }, h('span', {}, ' ')));
}

async function renderHome() {
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
  const chips = h('div', { class: 'chips', role: 'group', 'aria-label': t('filters') },
    NEEDS.map((c) => chip(c, facLabel(c))), chip('open_now', t('openNow')), chip('h24', t('h24')));
  const mapEl = h('div', { id: 'map', class: 'map', role: 'region', 'aria-label': t('mapLabel') });
  const mapNote = h('p', { class: 'map-note', hidden: true }, t('mapFallback'));
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
    h('div', { class: 'home' }, form, chips,
      h('div', { class: 'home-map' }, h('div', { class: 'map-wrap' }, mapEl, mapNote), tools),
      h('section', { class: 'results', 'aria-labelledby': 'list-h' }, listH, notice, list)));

  if (state.map) state.map.destroy();
  const map = new StationMap(mapEl, state.tiles,
    state.centre || (state.pos ? fromWgs(state.pos) : fromWgs(DEFAULT_CENTRE)), {
      moved: (c) => { state.centre = c; state.search = null; q.value = ''; loadNearby(); },
      select: (s) => go(`/station/${encodeURIComponent(s.code)}`),
      tilesFailed: () => { mapNote.hidden = false; },
      label: (s) => `${s.name} · ${statusOf(s).text}`,
    });
  state.map = map;
  if (state.pos) map.showMe(fromWgs(state.pos));

  chips.addEventListener('click', (ev) => {
    const b = ev.target.closest('button[data-filter]');
    if (!b) return;
    const k = b.dataset.filter;
    if (state.filters.has(k)) state.filters.delete(k); else state.filters.add(k);
    b.setAttribute('aria-pressed', String(state.filters.has(k)));
    store.set('filters', [...state.filters]);
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

  if (state.search) runSearch(state.search);
  else if (state.posState === 'pending') locate(false);
  else loadNearby();
}

function fromWgs(p) {
  return state.map ? state.map.fromWgs(p) : (TILES[state.tiles].crs === 'gcj02' ? null : p) || p;
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

function queryCentre() {
  if (state.centre) return state.centre;
  if (state.pos && state.map) return state.map.fromWgs(state.pos);
  return state.map ? state.map.centre() : DEFAULT_CENTRE;
}

function positionNotice() {
  if (state.centre) return null;
  if (state.posState === 'denied') return message('warn', t('posDenied'));
  if (state.posState === 'unavailable') return message('warn', t('posUnavailable'));
  return null;
}

function showList(stations, heading, notices, fit) {
  const list = document.getElementById('list');
  if (!list) return;
  document.getElementById('list-h').textContent = heading;
  document.getElementById('notice').replaceChildren(...notices.filter(Boolean));
  list.setAttribute('aria-busy', 'false');
  list.replaceChildren(...stations.map(stationRow));
  if (!stations.length) document.getElementById('notice').append(message('info', t('noResults')));
  if (state.map) state.map.showStations(stations, fit);
}

async function loadNearby() {
  const seq = ++state.seq;
  const [lat, lon] = queryCentre();
  const needs = NEEDS.filter((c) => state.filters.has(c));
  const h24 = state.filters.has('h24');
  const crs = state.map ? state.map.crs : 'wgs84';
  const q = { lat: lat.toFixed(6), lon: lon.toFixed(6), k: h24 ? 60 : 20, need: needs.join(','),
    open_now: state.filters.has('open_now') || h24 ? 'true' : undefined, at: AT,
    crs: crs === 'wgs84' ? undefined : crs };
  const heading = state.centre || state.posState !== 'ok' ? t('nearMap') : t('nearYou');
  const filter = (list) => (h24 ? list.filter((s) => s.open_now && !s.next_change && s.status === 'open').slice(0, 20) : list);
  try {
    const { body, cached } = await get('/api/v1/stations/nearby', q);
    if (seq !== state.seq) return;
    const stations = filter(body.stations);
    if (!cached) store.set('last', { time: new Date().toISOString(), crs, stations });
    const note = cached ? message('warn', t('offlineSaved', { time: new Date(cached).toLocaleTimeString(lang(), { hour: '2-digit', minute: '2-digit' }) })) : null;
    showList(stations, heading, [note, positionNotice()], !state.centre);
  } catch (e) {
    if (seq !== state.seq) return;
    const last = store.get('last', null);
    if (e.kind === 'offline' && last && last.crs === crs) {
      const time = new Date(last.time).toLocaleTimeString(lang(), { hour: '2-digit', minute: '2-digit' });
      showList(last.stations, heading, [message('warn', t('offlineSaved', { time }))], !state.centre);
      return;
    }
    showList([], heading, [errorBox(e, loadNearby)], false);
    document.getElementById('notice').querySelector('.msg.info')?.remove();
  }
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
            state.centre = state.map.crs === 'gcj02' ? state.map.fromWgs([d.lat, d.lon]) : [d.lat, d.lon];
            state.map.setCentre(state.centre, 14);
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
  const crs = state.map ? state.map.crs : 'wgs84';
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
    showList(list, t('searchResults', { q: text }), [h('p', { class: 'msg-actions' }, back)], true);
  } catch (e) {
    if (seq !== state.seq) return;
    showList([], t('searchResults', { q: text }), [errorBox(e, () => runSearch(text))], false);
  }
}

// --- station page and check-in ---------------------------------------------------------------------
function section(id, title, ...kids) {
  return h('section', { class: 'card', 'aria-labelledby': id }, h('h2', { id }, title), ...kids);
}

function starsWidget(s, onRated) {
  const msg = h('p', { class: 'rate-msg', role: 'status' });
  const more = h('form', { class: 'rate-more', hidden: true });
  let stars = 0;
  const buttons = [1, 2, 3, 4, 5].map((n) => h('button', { type: 'button', class: 'star', 'data-stars': n,
    'aria-label': t('starN', { n }), 'aria-pressed': 'false' }, '★'));
  const row = h('div', { class: 'stars', role: 'group', 'aria-label': t('rateTitle') }, buttons);
  const paint = () => buttons.forEach((b, i) => { b.setAttribute('aria-pressed', String(i + 1 === stars)); b.classList.toggle('on', i < stars); });
  const send = async (payload) => {
    // The position (WGS-84) lets the server count the rating as a verified visit when the worker
    // also checked in here lately; it is compared with the station's and not kept.
    const at = state.pos && state.posState === 'ok' ? { lat: state.pos[0], lon: state.pos[1] } : {};
    const r = await workerPost(`/api/v1/stations/${s.id}/ratings`, { ...payload, ...at });
    return r.body;
  };
  row.addEventListener('click', async (ev) => {
    const b = ev.target.closest('button[data-stars]');
    if (!b) return;
    stars = Number(b.dataset.stars);
    paint();
    msg.textContent = '…';
    try {
      await send({ stars });
      msg.textContent = t('rated', { n: stars });
      more.hidden = false;
      if (onRated) onRated(stars);
    } catch (e) {
      msg.textContent = e instanceof ApiError ? e.text() : t('serverError');
    }
  });
  (async () => {
    if (!tagsVocab) {
      try { tagsVocab = (await get('/api/v1/rating-tags')).body.tags; } catch { tagsVocab = []; }
    }
    const tags = h('fieldset', { class: 'tags' }, h('legend', {}, t('tagsLabel')),
      tagsVocab.map((tg) => h('label', { class: 'tag' },
        h('input', { type: 'checkbox', name: 'tag', value: tg.code }), ' ', vocab(tg))));
    const text = h('textarea', { id: `rtext-${s.id}`, name: 'text', rows: 3, maxlength: 500 });
    more.replaceChildren(tags, h('label', { for: `rtext-${s.id}` }, t('textLabel')), text,
      h('button', { type: 'submit', class: 'btn primary' }, t('send')));
  })();
  more.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const tags = [...more.querySelectorAll('input[name=tag]:checked')].map((i) => i.value);
    const text = more.querySelector('textarea').value.trim();
    try {
      const body = await send({ stars, tags, text: text || null });
      msg.textContent = body.rating && body.rating.status === 'held' ? t('held') : t('sent');
      more.hidden = true;
    } catch (e) {
      msg.textContent = e instanceof ApiError ? e.text() : t('serverError');
    }
  });
  return h('div', { class: 'rate' }, row, msg, more);
}

async function reportForm(s) {
  const msg = h('p', { role: 'status', class: 'rate-msg' });
  let services = [];
  try { services = (await get('/open311/v2/services.json')).body; } catch { services = Object.keys(t('services')).map((c) => ({ service_code: c })); }
  const sel = h('select', { id: 'svc', name: 'service_code', required: true },
    services.map((sv) => h('option', { value: sv.service_code }, t('services')[sv.service_code] || sv.service_name)));
  const desc = h('textarea', { id: 'rdesc', name: 'description', rows: 3, maxlength: 1000 });
  const form = h('form', { class: 'report' },
    h('label', { for: 'svc' }, t('problem')), sel,
    h('label', { for: 'rdesc' }, t('details')), desc,
    h('button', { type: 'submit', class: 'btn primary' }, t('send')), msg);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    msg.textContent = '…';
    try {
      const id = await report(s.code, sel.value, desc.value.trim());
      msg.textContent = t('reportSent', { id });
      desc.value = '';
    } catch (e) {
      msg.textContent = e instanceof ApiError ? e.text() : t('serverError');
    }
  });
  return form;
}

function disclosure(id, label, cls, build) {
  const panel = h('div', { id, class: 'panel', hidden: true });
  let built = false;
  const btn = h('button', { type: 'button', class: `action ${cls}`, 'aria-expanded': 'false', 'aria-controls': id,
    onclick: async () => {
      const open = btn.getAttribute('aria-expanded') !== 'true';
      btn.setAttribute('aria-expanded', String(open));
      panel.hidden = !open;
      if (open && !built) { built = true; panel.replaceChildren(await build()); }
    } }, label);
  return [btn, panel];
}

function navLinks(s) {
  return h('ul', { class: 'nav-apps', 'aria-label': t('chooseApp') },
    ['amap', 'baidu', 'tencent', 'apple'].filter((k) => s.nav && s.nav[k]).map((k) =>
      h('li', {}, h('a', { class: 'btn nav-app', href: s.nav[k], target: '_blank', rel: 'noopener', 'data-nav': k }, t(k)))));
}

async function todayOffers(s) {
  const items = [];
  for (const e of s.today || []) items.push(h('li', {}, eventText(e)));
  try {
    const { body } = await get('/api/v1/offers', { near: `${s.lat_wgs ?? s.lat},${s.lon_wgs ?? s.lon}`, radius_m: 300 });
    for (const o of body.offers.filter((x) => x.canteen && x.canteen.station_id === s.id)) {
      items.push(h('li', {}, `${t('meals')}：${lang() === 'en' && o.dish_en ? o.dish_en : o.dish} · ${t('price', { p: (o.price_cents / 100).toFixed(0) })} · ${t('remaining', { n: o.remaining })}`));
    }
  } catch { /* offers are extra */ }
  return items.length ? h('ul', { class: 'plain' }, items) : h('p', { class: 'muted' }, t('noOffers'));
}

async function renderStation(key, checkin) {
  await loadVocab();
  main.replaceChildren(h('p', { class: 'loading', role: 'status' }, t('loading')));
  let s, cached;
  try {
    ({ body: s, cached } = await get(`/api/v1/stations/${encodeURIComponent(key)}`, { at: AT }));
  } catch (e) {
    if (e.kind === 'client' && e.status === 404) {
      main.replaceChildren(h('h1', { tabindex: '-1' }, checkin ? t('checkinTitle') : t('stationPage')),
        message('error', t('unknownStation', { code: key }), [
          h('a', { class: 'btn primary', href: '/', 'data-link': true }, t('homeTitle'))]),
        h('p', {}, t('unknownStationHelp')));
    } else {
      main.replaceChildren(h('h1', { tabindex: '-1' }, checkin ? t('checkinTitle') : t('stationPage')),
        errorBox(e, () => renderStation(key, checkin)));
    }
    return;
  }
  const st = statusOf(s);
  const head = [
    h('p', { class: 'back' }, h('a', { href: '/', 'data-link': true }, `← ${t('back')}`)),
    h('h1', { tabindex: '-1' }, s.name),
    h('p', { class: 'addr' }, `${s.address || ''}${s.district ? ` · ${s.district.name}` : ''}`),
    h('p', { class: `status big-status ${st.cls}` }, st.text),
    h('p', { class: 'rating' }, ratingText(s.rating)),
    cached ? message('warn', t('offlineSaved', { time: new Date(cached).toLocaleTimeString(lang(), { hour: '2-digit', minute: '2-digit' }) })) : null,
  ];
  const [navBtn, navPanel] = disclosure('p-nav', t('navigate'), 'primary', async () => navLinks(s));
  const [rateBtn, ratePanel] = disclosure('p-rate', t('rate'), '', async () => starsWidget(s));
  const [repBtn, repPanel] = disclosure('p-report', t('report'), '', async () => reportForm(s));
  const actions = h('div', { class: 'actions' }, navBtn, rateBtn, repBtn);
  const panels = h('div', {}, navPanel, ratePanel, repPanel);

  const today = todayStr();
  const todayKey = dayKey(today);
  const hours = h('table', { class: 'hours' },
    h('caption', { class: 'vh' }, t('weekHours')),
    h('tbody', {}, (s.hours || []).map((d) => h('tr', { class: d.day === todayKey ? 'today' : null },
      h('th', { scope: 'row' }, t('days')[d.day] || d.day),
      h('td', {}, !d.spans || d.spans === 'off' ? t('dayOff') : d.spans.replace(/,/g, ', '))))));
  const facs = h('ul', { class: 'facs' }, s.facilities.map((c) => h('li', {}, facIcon(c), h('span', {}, facLabel(c)))));
  const reports = (s.open_reports || []).length
    ? h('ul', { class: 'plain' }, s.open_reports.map((r) => h('li', {},
      `${t('services')[r.service_code] || r.service_code} · ${t('reportStatus')[r.status] || r.status} · ${r.requested_at.slice(5, 10)}`)))
    : h('p', { class: 'muted' }, t('noReports'));
  const eventsBox = h('div', {}, h('p', { class: 'muted' }, t('loading')));
  const reviewsBox = h('div', {}, h('p', { class: 'muted' }, t('loading')));
  const offersBox = h('div', {}, h('p', { class: 'muted' }, t('loading')));

  const parts = [...head];
  if (checkin) {
    const cmsg = h('p', { class: 'checkin-msg', role: 'status' });
    const prompt = h('div', { class: 'rate-prompt', hidden: true }, h('h2', { id: 'rp-h' }, t('ratePrompt')), starsWidget(s));
    const btn = h('button', { type: 'button', class: 'action primary huge', id: 'checkin' }, t('checkinBtn'));
    btn.addEventListener('click', async () => {
      btn.disabled = true;
      cmsg.textContent = '…';
      try {
        const { status } = await workerPost('/api/v1/visits', { station_code: s.code });
        cmsg.textContent = status === 201 ? t('checkinDone') : t('checkinRepeat');
        cmsg.className = 'checkin-msg ok';
        prompt.hidden = false;
      } catch (e) {
        cmsg.textContent = e instanceof ApiError ? e.text() : t('serverError');
        btn.disabled = false;
      }
    });
    parts.push(h('section', { class: 'card checkin', 'aria-label': t('checkinTitle') }, btn, cmsg),
      section('h-offers', t('offers'), offersBox), prompt,
      h('p', {}, h('a', { class: 'btn', href: `/station/${encodeURIComponent(s.code)}`, 'data-link': true }, t('stationPage'))),
      actions, panels);
  } else {
    parts.push(actions, panels,
      section('h-today', t('offers'), offersBox),
      section('h-fac', t('facilities'), facs),
      section('h-hours', t('weekHours'), hours),
      section('h-events', t('eventsWeek'), eventsBox),
      section('h-reviews', t('reviews'), reviewsBox),
      section('h-reports', t('openReports'), reports));
    if (s.phone) parts.push(h('p', {}, `${t('phone')}: `, h('a', { href: `tel:${s.phone}` }, s.phone)));
  }
  main.replaceChildren(h('div', { class: 'station' }, parts));
  // an appointed experience officer inspects from here (asked quietly: most workers are not)
  isOfficer().then((yes) => {
    if (yes) actions.after(h('p', {}, h('a', { class: 'btn', id: 'to-inspect', href: `/inspect/${encodeURIComponent(s.code)}`, 'data-link': true }, inspText('toInspect'))));
  }).catch(() => {});
  offersBox.replaceChildren(await todayOffers(s));
  if (!checkin) {
    get('/api/v1/events', { station: s.id, from: today, to: addDays(today, 6) }).then(({ body }) => {
      eventsBox.replaceChildren(body.occurrences.length
        ? h('ul', { class: 'plain' }, body.occurrences.map((o) => h('li', {},
          `${o.occurrence.slice(5)} ${t('days')[dayKey(o.occurrence)]} · ${eventText(o)}${o.full ? ` · ${t('signupFull')}` : ''}`)))
        : h('p', { class: 'muted' }, t('noEvents')));
    }).catch((e) => eventsBox.replaceChildren(h('p', { class: 'muted' }, e.text ? e.text() : t('serverError'))));
    get(`/api/v1/stations/${s.id}/reviews`, { per_page: 5 }).then(({ body }) => {
      reviewsBox.replaceChildren(body.reviews.length
        ? h('ul', { class: 'plain reviews' }, body.reviews.map((r) => h('li', {},
          h('span', { class: 'stars-ro', 'aria-label': t('starN', { n: r.stars }) }, '★'.repeat(r.stars)),
          ' ', r.tags.map((c) => { const tg = (tagsVocab || []).find((x) => x.code === c); return tg ? `#${vocab(tg)} ` : ''; }).join(''),
          r.text ? h('span', {}, r.text) : null, ' ', h('span', { class: 'muted' }, r.created_at.slice(0, 10)),
          ' ', h('span', { class: r.verified ? 'verified' : 'muted' }, t(r.verified ? 'verifiedVisit' : 'unverified')))))
        : h('p', { class: 'muted' }, t('noReviews')));
    }).catch((e) => reviewsBox.replaceChildren(h('p', { class: 'muted' }, e.text ? e.text() : t('serverError'))));
  }
}

// --- router ----------------------------------------------------------------------------------------
let first = true;
async function route(focus) {
  const p = location.pathname;
  let m;
  if (state.map && !(p === '/' || p === '/index.html')) { state.map.destroy(); state.map = null; }
  if ((m = p.match(/^\/s\/([^/]+)\/?$/))) await renderStation(decodeURIComponent(m[1]), true);
  else if ((m = p.match(/^\/station\/([^/]+)\/?$/))) await renderStation(decodeURIComponent(m[1]), false);
  else if ((m = p.match(/^\/inspect(?:\/([^/]+))?\/?$/))) await renderInspect(main, h, m[1] ? decodeURIComponent(m[1]) : null, go);
  else await renderHome();
  if (focus && !first) main.querySelector('h1')?.focus();
  first = false;
  window.scrollTo(0, 0);
}

setLang(store.get('lang', null) || (/^zh-(TW|HK|MO|Hant)/i.test(navigator.language) ? 'zh-Hant' : 'zh-Hans'));
if (!LANGS[lang()]) setLang('zh-Hans');
applyChrome();
initChrome();
route(false);
// inspections queued without signal go out when the network returns (and now)
if (window.indexedDB) startSync(() => startSync.current && startSync.current());
if ('serviceWorker' in navigator) {
  navigator.serviceWorker.register('/sw.js').catch(() => { /* the app works without it */ });
}
