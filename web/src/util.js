// SPDX-License-Identifier: MIT
// util.js - small helpers of the worker app: h() (build DOM, never innerHTML), facility icons
// and labels, distances, local dates and times, station status, messages, the vocabularies,
// and go() (navigate inside the app; the router is registered by app.js).
import { ApiError, get } from './api.js';
import { t, vocab } from './i18n.js';
import { AT, store } from './state.js';

let facilities = null; // code -> vocabulary item
let tagsVocab = null;
let router = null;

/** Navigate inside the app (pushState, then the router app.js registered). */
export function go(path) {
  history.pushState(null, '', path);
  router(true);
}
export function setRouter(fn) { router = fn; }

/** h('a', {href: '/'}, 'text', child...) - an element; attributes starting with "on" are listeners.
 * Children that are strings become text nodes (append), so texts from the server (names,
 * titles, reviews) are never parsed as HTML: build every view with h(), never innerHTML. */
export function h(tag, attrs, ...kids) {
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
  heating: [['path', { d: 'M12 3c3 4 5 6 5 10a5 5 0 0 1-10 0c0-2 1-3 2-4 0 2 1 3 2 3 0-3-1-5 1-9z' }]],
  seating: [['path', { d: 'M7 3v9h10M5 12h14M7 12v8M17 12v8M7 16h10' }]],
  phone_charging: [['rect', { x: 7, y: 2, width: 10, height: 20, rx: 2 }], ['path', { d: 'M12.5 7.5l-2 4h3l-2 4' }]],
  first_aid: [['rect', { x: 3, y: 7, width: 18, height: 13, rx: 2 }], ['path', { d: 'M9 7V4h6v3M12 10.5v6M9 13.5h6' }]],
  aed: [['path', { d: 'M12 20s-8-5-8-11a4.5 4.5 0 0 1 8-2.5A4.5 4.5 0 0 1 20 9c0 6-8 11-8 11z' }], ['path', { d: 'M12.5 8.5l-2 3.5h3l-2 3.5' }]],
  toolbox: [['rect', { x: 3, y: 9, width: 18, height: 11, rx: 1 }], ['path', { d: 'M8 9V6h8v3M3 14h18M10 14v2M14 14v2' }]],
  fridge: [['rect', { x: 6, y: 2, width: 12, height: 20, rx: 2 }], ['path', { d: 'M6 10h12M9 5v2M9 13v3' }]],
  wifi: [['path', { d: 'M2 9a15 15 0 0 1 20 0M5 12.5a10 10 0 0 1 14 0M8.5 16a5 5 0 0 1 7 0' }], ['circle', { cx: 12, cy: 19.5, r: 1.2 }]],
  umbrella: [['path', { d: 'M3 12a9 9 0 0 1 18 0zM12 12v6.5a2 2 0 0 1-4 0M12 3v0' }]],
  locker: [['rect', { x: 4, y: 3, width: 16, height: 18, rx: 1 }], ['path', { d: 'M12 3v18M9 9v3M15 9v3' }]],
  reading: [['path', { d: 'M12 6.5C10 5 7 4.5 3 4.5v14c4 0 7 .5 9 2 2-1.5 5-2 9-2v-14c-4 0-7 .5-9 2zM12 6.5v14' }]],
  accessible: [['circle', { cx: 12, cy: 4, r: 1.8 }], ['path', { d: 'M11 7.5v6h5.5l2 5M11 10.5h5M8.5 11a5.5 5.5 0 1 0 7.5 7' }]],
};
// A facility added to the vocabulary later (no drawing of its own yet): its code's first two
// letters in a rounded square, so two such facilities still look different.
const iconOther = (code) => [['rect', { x: 2.5, y: 4.5, width: 19, height: 15, rx: 3 }],
  ['text', { x: 12, y: 15.5, 'text-anchor': 'middle', 'font-size': 8.5, 'font-weight': 700, fill: 'currentColor', stroke: 'none' },
    String(code).replace(/[^a-z0-9]/gi, '').slice(0, 2).toUpperCase() || '?']];
function svgEl(tag, attrs, text) {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  if (text) el.textContent = text;
  return el;
}
// Each code's drawing is built once and copied (a list draws ~20 rows of ~10 icons each:
// copying a node is far cheaper than creating and setting every element again).
const iconDrawn = new Map();
export function facIcon(code) {
  const label = facLabel(code);
  const span = h('span', { class: 'fi', role: 'img', 'aria-label': label, title: label, 'data-fac': code });
  let icon = iconDrawn.get(code);
  if (!icon) {
    icon = svgEl('svg', { viewBox: '0 0 24 24', 'aria-hidden': 'true', focusable: 'false' });
    for (const [tag, attrs, text] of ICONS[code] || iconOther(code)) icon.append(svgEl(tag, attrs, text));
    iconDrawn.set(code, icon);
  }
  span.append(icon.cloneNode(true));
  return span;
}
export function facLabel(code) {
  return facilities && facilities[code] ? vocab(facilities[code]) : code;
}

export function fmtDist(m) {
  if (m === undefined || m === null) return '';
  return m < 1000 ? t('m', { n: Math.round(m) }) : t('km', { n: (m / 1000).toFixed(1) });
}

/** Today's date (YYYY-MM-DD) at the station (Asia/Shanghai), or the ?at= date. China keeps
 * UTC+8 all year (no summer time since 1991), so this is UTC shifted by 8 hours: no Intl time
 * zone, whose first use loads the zone data, a long task on a slow phone (every row's status
 * and time asks for today). */
export function todayStr() {
  if (AT) return AT.slice(0, 10);
  return new Date(Date.now() + 8 * 3600e3).toISOString().slice(0, 10);
}
export function addDays(date, n) {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}
export const DAY_KEYS = ['Su', 'Mo', 'Tu', 'We', 'Th', 'Fr', 'Sa'];
export function dayKey(date) { return DAY_KEYS[new Date(`${date}T00:00:00Z`).getUTCDay()]; }
/** "22:00", "明天 08:30", "周一 08:30" for an ISO time with its own offset. */
export function when(iso) {
  const date = iso.slice(0, 10), time = iso.slice(11, 16), today = todayStr();
  if (date === today) return time;
  if (date === addDays(today, 1)) return `${t('tomorrow')} ${time}`;
  return `${t('days')[dayKey(date)]} ${time}`;
}

/** Like when(), but a close at the next midnight is "24:00" (today's end), not "tomorrow 00:00". */
export function whenCloses(iso) {
  if (iso.slice(11, 16) === '00:00' && iso.slice(0, 10) === addDays(todayStr(), 1)) return '24:00';
  return when(iso);
}
/** Now in milliseconds: the ?at= time when set, else the clock. */
export function nowMs() { return AT ? Date.parse(AT) : Date.now(); }
/** The station's event running now (from its `today`), or null. */
export function runningEvent(s) {
  const n = nowMs();
  return (s.today || []).find((e) => e.starts_at && Date.parse(e.starts_at) <= n && n < Date.parse(e.ends_at)) || null;
}

export function statusOf(s) {
  if (s.status === 'closed_temp') {
    return { cls: 'closed', text: s.closed_until ? t('closedUntil', { when: when(s.closed_until) }) : t('closedTemp') };
  }
  // A station is open for its own event while it runs (the Friday breakfast from 06:30 at a
  // station whose hours start at 08:00): say what runs, then when the station itself opens.
  const ev = !s.open_now ? runningEvent(s) : null;
  if (ev) {
    const run = t('nowRunning', { title: ev.title, span: `${ev.starts_at.slice(11, 16)}–${ev.ends_at.slice(11, 16)}` });
    return { cls: 'open event-now', text: s.next_change ? `${run} · ${t('stationOpens', { when: when(s.next_change) })}` : run };
  }
  if (s.open_now && !s.next_change) return { cls: 'open', text: t('open24') };
  if (s.open_now) return { cls: 'open', text: t('openUntil', { time: whenCloses(s.next_change) }) };
  if (s.next_change) return { cls: 'closed', text: t('closedOpens', { when: when(s.next_change) }) };
  return { cls: 'closed', text: t('closed') };
}

export function ratingText(r) {
  if (!r || r.avg === null || r.avg === undefined || !r.count) return t('noRating');
  return `★ ${Number(r.avg).toFixed(1)} · ${t('ratingCount', { n: r.count })}`;
}

export function eventText(e) {
  const cat = t('cat')[e.category] || '';
  const span = e.starts_at && e.ends_at ? ` ${e.starts_at.slice(11, 16)}–${e.ends_at.slice(11, 16)}` : '';
  return `${cat ? `${cat}${t('colon')}` : ''}${e.title}${span}`;
}

export function message(kind, text, actions) {
  return h('div', { class: `msg ${kind}`, role: kind === 'error' ? 'alert' : 'status' },
    h('p', {}, text), actions && actions.length ? h('p', { class: 'msg-actions' }, ...actions) : null);
}

export function errorBox(e, retry) {
  const text = e instanceof ApiError ? e.text() : t('serverError');
  const acts = [];
  if (retry) acts.push(h('button', { type: 'button', class: 'btn', onclick: retry }, t('retry')));
  acts.push(h('a', { class: 'btn', href: '/', 'data-link': true }, t('home')));
  return message('error', text, acts);
}

export async function loadVocab() {
  if (facilities) return;
  // kept on the phone too, so that offline the filter chips still read 卫生间, not toilet; and
  // a phone that has it draws the page at once and refreshes it behind (issue 13: the page
  // waited a round trip for the vocabulary before drawing anything, and tests read a half page)
  const byCode = (list) => Object.fromEntries(list.map((f) => [f.code, f]));
  const fresh = get('/api/v1/facilities').then(({ body }) => {
    facilities = byCode(body.facilities);
    store.set('facilities', body.facilities);
  });
  const kept = store.get('facilities', null);
  if (Array.isArray(kept) && kept.length) {
    facilities = byCode(kept);
    fresh.catch(() => { /* offline: the phone's copy stands */ });
    return;
  }
  try { await fresh; } catch { facilities = {}; }
}

/** The rating tags' vocabulary, fetched once ([] when the server cannot be reached). */
export async function loadTags() {
  if (!tagsVocab) {
    try { tagsVocab = (await get('/api/v1/rating-tags')).body.tags; } catch { tagsVocab = []; }
  }
  return tagsVocab;
}
export function tagsNow() { return tagsVocab || []; }

export function section(id, title, ...kids) {
  return h('section', { class: 'card', 'aria-labelledby': id }, h('h2', { id }, title), ...kids);
}

// --- map area (issue 13): distances and times ------------------------------------------------
/** Great-circle distance in metres between two [lat, lon] (same datum). */
export function metresBetween([la1, lo1], [la2, lo2]) {
  const r = Math.PI / 180, a = Math.sin(((la2 - la1) * r) / 2), b = Math.sin(((lo2 - lo1) * r) / 2);
  const x = a * a + Math.cos(la1 * r) * Math.cos(la2 * r) * b * b;
  return 2 * 6371008.8 * Math.asin(Math.min(1, Math.sqrt(x)));
}
// The stated assumptions of the station page's times (shown to the worker beside them).
export const WALK_KMH = 4.5;
export const RIDE_KMH = 15;
/** Whole minutes (at least 1) to cover `m` metres at `kmh`. */
export function minutesAt(m, kmh) { return Math.max(1, Math.round(m / ((kmh * 1000) / 60))); }
/** A station's facilities for a list row: the six key ones first, then the rest as listed. */
export function facOrder(codes, first) {
  return [...first.filter((c) => codes.includes(c)), ...codes.filter((c) => !first.includes(c))];
}
