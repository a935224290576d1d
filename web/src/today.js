// SPDX-License-Identifier: MIT
// today.js - "today near me" on the home screen (free breakfasts, 10-yuan meals with their
// order window and how many are left, today's and tomorrow's events, nearest first), the
// meals page (/meals: my pickup codes, today's meals near me) and the order page
// (/meals/{offer id}: order one meal, then the pickup code as large characters and a QR code,
// kept on the phone so it shows offline), and event sign-up buttons (docs/internals/web.md).
import { qrSvg } from '../shared/qr.js';
import { ApiError, get, workerToken } from './api.js';
import { t, lang } from './i18n.js';
import './today-i18n.js';
import { main, state, store, DEFAULT_CENTRE } from './state.js';
import { h, fmtDist, todayStr, addDays, dayKey, nowMs, message } from './util.js';

const RADIUS_M = 5000; // "near me" for the home block
const HOME_ITEMS = 4; // the block stays above the fold at 360 px and leaves room for the map

// --- the worker's own requests (token, one retry on 401), GET and DELETE too -------------------
async function authed(method, path, data) {
  for (let attempt = 0; ; attempt++) {
    const tok = await workerToken(attempt > 0);
    let res;
    try {
      res = await fetch(path, { method, headers: { Authorization: `Bearer ${tok}`,
        ...(data ? { 'Content-Type': 'application/json' } : {}) }, body: data ? JSON.stringify(data) : undefined });
    } catch {
      throw new ApiError('offline', 0, null);
    }
    let body = null;
    try { body = await res.json(); } catch { body = null; }
    if (res.status === 401 && attempt === 0) continue;
    if (res.status >= 500 || (!res.ok && !body)) throw new ApiError('server', res.status, body);
    if (!res.ok) throw new ApiError('client', res.status, body);
    return { status: res.status, body };
  }
}

/** The reason of a refused order or sign-up in the worker's language (the server's English
 * message says which rule refused it; each rule has its own text here). */
export function reasonText(e, offlineKey) {
  if (!(e instanceof ApiError)) return t('serverError');
  if (e.kind === 'offline') return t(offlineKey);
  if (e.kind !== 'client') return e.text();
  const en = (e.body && e.body.message_en) || '';
  let m;
  if (/^one meal a day/.test(en)) return t('errOneADay');
  if (/^sold out/.test(en)) return t('errSoldOut');
  if ((m = en.match(/^ordering closed at (\d\d:\d\d)/))) return t('errClosedAt', { time: m[1] });
  if ((m = en.match(/^ordering has not opened yet.* (\d\d:\d\d)/))) return t('errNotYet', { time: m[1] });
  if (/has passed/.test(en)) return t('errPassed');
  if (/withdrawn/.test(en)) return t('errWithdrawn');
  if (/is full/.test(en)) return t('errFull');
  if (/already signed up/.test(en)) return t('errSignedAlready');
  if (/already over/.test(en)) return t('errEnded');
  return e.text();
}

const hhmm = (iso) => (iso ? iso.slice(11, 16) : '');
/** The end of a day's window: a canteen closing at midnight ends at the next day's 00:00, which
 * reads as 24:00 of its own day (`date`: the day it belongs to). */
const endOf = (iso, date) => (iso && iso.slice(0, 10) > date && iso.slice(11, 16) === '00:00' ? '24:00' : hhmm(iso));
const dish = (o) => (lang() === 'en' && o.dish_en ? o.dish_en : o.dish);
export const dayWord = (date) => (date === todayStr() ? t('todayW') : date === addDays(todayStr(), 1) ? t('tomorrowW') : `${date.slice(5)} ${t('days')[dayKey(date)]}`);
function here() { return state.pos || DEFAULT_CENTRE; }
function near() { const [lat, lon] = here(); return `${lat.toFixed(6)},${lon.toFixed(6)}`; }

// --- event sign-up -------------------------------------------------------------------------------
const signKey = (o) => `${o.event_id}:${o.occurrence}`;
function signedSet() { return new Set(store.get('signups', [])); }
function setSigned(key, on) {
  const s = signedSet();
  if (on) s.add(key); else s.delete(key);
  store.set('signups', [...s].slice(-200));
}

/** The sign-up control of one occurrence (from GET /api/v1/events): seats, full, sign up or
 * cancel, and the reason when the server refuses. */
export function signupControl(o) {
  const box = h('span', { class: 'signup' });
  const msg = h('span', { class: 'signup-msg', role: 'status' });
  const ended = Date.parse(o.ends_at) <= nowMs();
  let seats = o.capacity === null ? null : Math.max(0, o.capacity - o.signed_up);
  const paint = () => {
    const mine = signedSet().has(signKey(o));
    const info = mine ? t('signedUp') : seats === null ? '' : seats === 0 ? t('fullShort') : t('seatsLeft', { n: seats });
    const kids = [info ? h('span', { class: `seats${!mine && seats === 0 ? ' full' : ''}` }, info) : null];
    if (!ended && (mine || seats !== 0)) {
      kids.push(h('button', { type: 'button', class: `btn small${mine ? '' : ' primary'}`, 'data-signup': signKey(o),
        'aria-label': `${t(mine ? 'unsignupBtn' : 'signupBtn')}: ${o.title}`, onclick: act }, t(mine ? 'unsignupBtn' : 'signupBtn')));
    }
    box.replaceChildren(...kids.filter(Boolean), msg);
  };
  async function act(ev) {
    const mine = signedSet().has(signKey(o));
    ev.currentTarget.disabled = true;
    msg.textContent = '';
    try {
      const { body } = mine
        ? await authed('DELETE', `/api/v1/events/${o.event_id}/signups/${o.occurrence}`)
        : await authed('POST', `/api/v1/events/${o.event_id}/signups`, { occurrence: o.occurrence });
      setSigned(signKey(o), !mine);
      if (body && body.seats_left !== undefined && body.seats_left !== null) seats = body.seats_left;
      paint();
    } catch (e) {
      if (!mine && e.status === 409 && /already signed up/.test(e.body?.message_en || '')) setSigned(signKey(o), true);
      if (mine && e.status === 404) setSigned(signKey(o), false);
      if (e.status === 409 && /is full/.test(e.body?.message_en || '')) seats = 0;
      paint();
      msg.textContent = reasonText(e, 'offlineSignup');
      msg.className = 'signup-msg err';
    }
  }
  paint();
  return box;
}

/** One occurrence as a line: title, when (today/tomorrow, running now), station, sign-up. */
export function eventItem(o, withStation) {
  const now = nowMs();
  const running = Date.parse(o.starts_at) <= now && now < Date.parse(o.ends_at);
  const span = `${hhmm(o.starts_at)}–${hhmm(o.ends_at)}`;
  const cat = t('cat')[o.category] || t('kEvent');
  return h('li', { class: `today-item ev${running ? ' running' : ''}`, 'data-event': signKey(o) },
    h('span', { class: 'ti-top' },
      h('span', { class: 'ti-kind' }, cat), h('span', { class: 'ti-title' }, o.title),
      o.distance_m !== undefined && withStation ? h('span', { class: 'dist' }, fmtDist(o.distance_m)) : null),
    h('span', { class: 'ti-meta' },
      running ? h('strong', { class: 'now' }, t('nowRunning', { title: '', span }).trim()) : `${dayWord(o.occurrence)} ${span}`),
    h('span', { class: 'ti-where' }, withStation
      ? h('a', { href: `/station/${encodeURIComponent(o.station.code)}`, 'data-link': true }, o.station.name) : null),
    signupControl(o));
}

/** One offer as a line: dish, canteen, price, order window, how many are left, Order. */
export function offerItem(o, withCanteen) {
  const gone = o.remaining <= 0;
  return h('li', { class: 'today-item meal', 'data-offer': o.id },
    h('span', { class: 'ti-top' },
      h('span', { class: 'ti-kind' }, t('kMeal')), h('span', { class: 'ti-title' }, dish(o)),
      o.distance_m !== undefined && withCanteen ? h('span', { class: 'dist' }, fmtDist(o.distance_m)) : null),
    h('span', { class: 'ti-meta' },
      h('span', {}, t('price', { p: (o.price_cents / 100).toFixed(0) })),
      h('span', { class: gone ? 'left gone' : 'left' }, gone ? t('soldOutShort') : t('left', { n: o.remaining })),
      h('span', {}, t('orderWindow', { from: hhmm(o.order_from), until: endOf(o.order_until, o.date) }))),
    h('span', { class: 'ti-where' }, withCanteen && o.canteen ? o.canteen.name : null),
    gone ? null : h('a', { class: 'btn small primary', href: `/meals/${o.id}`, 'data-link': true,
      'aria-label': `${t('orderBtn')}: ${dish(o)}` }, t('orderBtn')));
}

// --- the home block ------------------------------------------------------------------------------
/** "Today near me" for the home screen: fills itself once the position is known (or refused). */
export function todayBlock() {
  // skeleton rows of the items' fixed height, so that filling the block does not shift the page
  const list = h('ul', { class: 'today-list', 'aria-busy': 'true' },
    Array.from({ length: HOME_ITEMS }, () => h('li', { class: 'today-item skel', 'aria-hidden': 'true' })));
  const sec = h('section', { class: 'today', id: 'today', 'aria-labelledby': 'today-h' },
    h('div', { class: 'today-head' }, h('h2', { id: 'today-h' }, t('todayNear')),
      h('a', { href: '/meals', 'data-link': true, class: 'today-more' }, t('mealsLink'))),
    list);
  const started = Date.now();
  const wait = () => {
    if (!sec.isConnected && Date.now() - started > 1000) return;
    if (state.posState === 'pending' && Date.now() - started < 9500) { setTimeout(wait, 150); return; }
    fill(list);
  };
  wait();
  return sec;
}

async function fill(list) {
  const today = todayStr();
  const now = nowMs();
  const [offers, events] = await Promise.all([
    get('/api/v1/offers', { date: today, near: near(), radius_m: RADIUS_M }).then((r) => r.body.offers).catch(() => null),
    get('/api/v1/events', { from: today, to: addDays(today, 1), near: near(), radius_m: RADIUS_M, limit: 200 })
      .then((r) => r.body.occurrences).catch(() => null),
  ]);
  const items = [];
  for (const o of offers || []) {
    // still orderable today (the window has not closed)
    if (Date.parse(o.order_until) > now) items.push({ d: o.distance_m ?? 0, s: Date.parse(o.order_from), el: () => offerItem(o, true) });
  }
  for (const o of events || []) {
    if (Date.parse(o.ends_at) > now) items.push({ d: o.distance_m ?? 0, s: Date.parse(o.starts_at), el: () => eventItem(o, true) });
  }
  items.sort((a, b) => a.d - b.d || a.s - b.s);
  list.setAttribute('aria-busy', 'false');
  if (!items.length) {
    list.replaceChildren(h('li', { class: 'muted' }, offers === null && events === null ? t('offline') : t('todayNone')));
    return;
  }
  list.replaceChildren(...items.slice(0, HOME_ITEMS).map((x) => x.el()));
}

// --- orders kept on the phone ----------------------------------------------------------------------
function keptOrders() { return store.get('orders', []); }
function keepOrder(o) {
  const v = keptOrders().filter((x) => x.order_id !== o.order_id);
  v.unshift(o);
  store.set('orders', v.slice(0, 10));
}
const todaysOrder = () => keptOrders().find((o) => o.date === todayStr()) || null;

/** The pickup card of an order: the code large, its QR code, the dish, the canteen, validity. */
export function pickupCard(o) {
  const code = o.pickup_code;
  const st = (t('orderStatus') || {})[o.status] || '';
  const canteen = o.offer && o.offer.canteen;
  return h('section', { class: 'card pickup', 'aria-labelledby': `pc-${o.order_id}`, 'data-order': o.order_id },
    h('h2', { id: `pc-${o.order_id}` }, t('pickupCode')),
    h('p', { class: 'pickup-code', 'aria-label': `${t('pickupCode')} ${code.split('').join(' ')}` }, code),
    qrSvg(code, t('pickupQr', { code }), 'Alphanumeric'),
    h('p', { class: 'pickup-dish' }, `${o.offer ? dish(o.offer) : ''}${canteen ? ` · ${canteen.name}` : ''}`),
    h('p', {}, `${o.date} · ${t('validUntil', { time: endOf(o.expires_at, o.date) })}${st ? ` · ${st}` : ''}`),
    canteen && canteen.address ? h('p', { class: 'muted' }, canteen.address) : null,
    h('p', { class: 'muted' }, t('pickupHelp')));
}

// --- /meals and /meals/{offer id} ------------------------------------------------------------------
export async function renderMeals(offerId) {
  if (offerId) { await renderOrder(offerId); return; }
  const mine = h('div', {}, ...keptOrders().filter((o) => o.date === todayStr()).map(pickupCard));
  if (!mine.childNodes.length) mine.append(h('p', { class: 'muted' }, t('noMyCodes')));
  const list = h('ul', { class: 'today-list', 'aria-busy': 'true' });
  main.replaceChildren(h('div', { class: 'meals' },
    h('p', { class: 'back' }, h('a', { href: '/', 'data-link': true }, `← ${t('back')}`)),
    h('h1', { tabindex: '-1' }, t('mealsTitle')),
    h('h2', {}, t('myCodes')), mine,
    h('section', { class: 'card', 'aria-labelledby': 'meals-h' }, h('h2', { id: 'meals-h' }, t('mealsToday')), list)));
  // the server's list of my orders, when the phone already has a token (never made just for this)
  if (localStorage.getItem('yz.token')) {
    authed('GET', '/api/v1/orders').then(({ body }) => {
      const today = body.orders.filter((o) => o.date === todayStr() && o.pickup_code);
      for (const o of today.slice().reverse()) keepOrder(o);
      if (today.length) mine.replaceChildren(...today.map(pickupCard));
    }).catch(() => { /* what the phone kept is shown */ });
  }
  try {
    const { body } = await get('/api/v1/offers', { date: todayStr(), near: near(), radius_m: 50000 });
    list.replaceChildren(...(body.offers.length ? body.offers.map((o) => offerItem(o, true))
      : [h('li', { class: 'muted' }, t('noMealsToday'))]));
  } catch (e) {
    list.replaceChildren(h('li', { class: 'muted' }, e instanceof ApiError ? e.text() : t('serverError')));
  }
  list.setAttribute('aria-busy', 'false');
}

async function renderOrder(offerId) {
  const head = [h('p', { class: 'back' }, h('a', { href: '/meals', 'data-link': true }, `← ${t('mealsTitle')}`)),
    h('h1', { tabindex: '-1' }, t('orderTitle'))];
  const mineToday = todaysOrder();
  if (mineToday) {
    main.replaceChildren(h('div', { class: 'meals' }, head, message('info', t('haveOrder')), pickupCard(mineToday)));
    return;
  }
  main.replaceChildren(h('div', { class: 'meals' }, head, h('p', { class: 'loading', role: 'status' }, t('loading'))));
  let o;
  try {
    o = (await get(`/api/v1/offers/${encodeURIComponent(offerId)}`)).body;
  } catch (e) {
    main.replaceChildren(h('div', { class: 'meals' }, head,
      message('error', e.status === 404 ? t('offerGone') : e instanceof ApiError ? e.text() : t('serverError'))));
    return;
  }
  const left = h('p', { class: 'left big-left', 'aria-live': 'polite' });
  const showLeft = () => { left.textContent = o.remaining > 0 ? t('left', { n: o.remaining }) : t('soldOutShort'); };
  showLeft();
  const msg = h('div', { class: 'order-msg', role: 'alert' });
  const btn = h('button', { type: 'button', class: 'action primary huge', id: 'order' },
    t('orderConfirm', { p: (o.price_cents / 100).toFixed(0) }));
  const card = h('div', { class: 'meals' }, head,
    h('section', { class: 'card order' },
      h('h2', {}, dish(o)),
      h('p', {}, o.canteen ? `${o.canteen.name}${o.canteen.address ? ` · ${o.canteen.address}` : ''}` : ''),
      h('p', {}, `${t('price', { p: (o.price_cents / 100).toFixed(0) })} · ${t('orderWindow', { from: hhmm(o.order_from), until: endOf(o.order_until, o.date) })}`),
      left, btn, msg,
      h('p', { class: 'muted' }, t('orderRule', { until: endOf(o.order_until, o.date) })),
      h('p', { class: 'muted' }, t('noCancel'))));
  main.replaceChildren(card);
  // the quota, live while the page is open
  const poll = setInterval(async () => {
    if (!card.isConnected) { clearInterval(poll); return; }
    try { o = (await get(`/api/v1/offers/${o.id}`)).body; showLeft(); } catch { /* keep the last figure */ }
  }, 15000);
  btn.addEventListener('click', async () => {
    btn.disabled = true;
    msg.replaceChildren(h('p', {}, t('ordering')));
    try {
      const { body } = await authed('POST', '/api/v1/orders', { offer_id: o.id });
      keepOrder(body);
      clearInterval(poll);
      card.replaceChildren(...head, pickupCard(body), h('p', { class: 'muted' }, t('noCancel')));
      card.querySelector('h1').focus();
    } catch (e) {
      msg.replaceChildren(message('error', reasonText(e, 'offlineOrder')));
      btn.disabled = false;
      try { o = (await get(`/api/v1/offers/${o.id}`)).body; showLeft(); } catch { /* offline */ }
    }
  });
}
