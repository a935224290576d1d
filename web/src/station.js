// SPDX-License-Identifier: MIT
// station.js - the station page (/station/{id|code}) and the check-in page (/s/{code}):
// status, navigation, rating, problem reports, today's offers, hours, events, reviews.
import { get, workerPost, report, ApiError, enqueue, dequeue, queueList } from './api.js';
import { t, lang, vocab } from './i18n.js';
import { isOfficer, it as inspText } from './inspect.js';
import { eventItem, offerItem } from './today.js';
import { liveBlock, aged, onShown } from './live.js';
import { main, state, store, AT } from './state.js';
import { crsOf, wgsTo } from './tiles.js';
import { districtLabels } from './home.js';
import { h, fmtDist, metresBetween, minutesAt, WALK_KMH, RIDE_KMH, facIcon, facLabel, todayStr, addDays, dayKey, statusOf, ratingText, eventText, message, errorBox,
  loadVocab, loadTags, tagsNow, section, runningEvent } from './util.js';

/** One line saying the item is kept on the phone and sent when the network returns. */
function queuedText() { return t('queued'); }

function starsWidget(s, onRated) {
  const msg = h('p', { class: 'rate-msg', role: 'status', tabindex: '-1' });
  const more = h('form', { class: 'rate-more', hidden: true, novalidate: true });
  let stars = 0;
  const buttons = [1, 2, 3, 4, 5].map((n) => h('button', { type: 'button', class: 'star', 'data-stars': n,
    'aria-label': t('starN', { n }), 'aria-pressed': 'false' }, '★'));
  const row = h('div', { class: 'stars', role: 'group', 'aria-label': t('rateTitle') }, buttons);
  const paint = () => buttons.forEach((b, i) => { b.setAttribute('aria-pressed', String(i + 1 === stars)); b.classList.toggle('on', i < stars); });
  const path = `/api/v1/stations/${s.id}/ratings`;
  const payloadOf = (payload) => {
    // The position (WGS-84) lets the server count the rating as a verified visit when the worker
    // also checked in here lately; it is compared with the station's and not kept.
    const at = state.pos && state.posState === 'ok' ? { lat: state.pos[0], lon: state.pos[1] } : {};
    return { ...payload, ...at };
  };
  // Sends, or queues when there is no network (the queued rating replaces nothing yet: the
  // server's "one rating per worker and station" keeps a repeat harmless). Returns the answer's
  // body, or null when queued.
  const send = async (payload) => {
    const data = payloadOf(payload);
    try {
      return (await workerPost(path, data)).body;
    } catch (e) {
      if (e.kind !== 'offline') throw e;
      // a later (fuller) rating of the same station replaces a queued one
      for (const q of queueList()) if (q.kind === 'rating' && q.path === path) dequeue(q.id);
      enqueue({ kind: 'rating', path, data, name: s.name });
      return null;
    }
  };
  const done = (text) => {
    msg.textContent = text;
    msg.scrollIntoView({ block: 'center' });
  };
  row.addEventListener('click', async (ev) => {
    const b = ev.target.closest('button[data-stars]');
    if (!b) return;
    stars = Number(b.dataset.stars);
    paint();
    msg.textContent = '…';
    try {
      const body = await send({ stars });
      msg.textContent = body ? t('rated', { n: stars }) : queuedText();
      more.hidden = false;
      if (onRated && body) onRated(body);
    } catch (e) {
      msg.textContent = e instanceof ApiError ? e.text() : t('serverError');
    }
  });
  (async () => {
    const tagsVocab = await loadTags();
    const tags = h('fieldset', { class: 'tags' }, h('legend', {}, t('tagsLabel')),
      tagsVocab.map((tg) => h('label', { class: 'tag' },
        h('input', { type: 'checkbox', name: 'tag', value: tg.code }), ' ', vocab(tg))));
    const text = h('textarea', { id: `rtext-${s.id}`, name: 'text', rows: 3, maxlength: 500 });
    more.replaceChildren(tags, h('label', { for: `rtext-${s.id}` }, t('textLabel')), text,
      h('button', { type: 'submit', class: 'btn primary' }, t('send')));
  })();
  more.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (!stars) { msg.textContent = t('pickStar'); buttons[0].focus(); return; }
    const tags = [...more.querySelectorAll('input[name=tag]:checked')].map((i) => i.value);
    const text = more.querySelector('textarea').value.trim();
    try {
      const body = await send({ stars, tags, text: text || null });
      more.reset();
      more.hidden = true;
      stars = 0;
      paint();
      done(!body ? queuedText() : body.rating && body.rating.status === 'held' ? t('held') : t('sent'));
      if (onRated && body) onRated(body);
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
      if (e.kind === 'offline') {
        enqueue({ kind: 'report', code: s.code, service_code: sel.value, description: desc.value.trim(), name: s.name });
        msg.textContent = queuedText();
        desc.value = '';
        return;
      }
      msg.textContent = e instanceof ApiError ? e.text() : t('serverError');
    }
  });
  return form;
}

export function disclosure(id, label, cls, build) {
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

export function navLinks(s) {
  return h('ul', { class: 'nav-apps', 'aria-label': t('chooseApp') },
    ['amap', 'baidu', 'tencent', 'apple'].filter((k) => s.nav && s.nav[k]).map((k) =>
      h('li', {}, h('a', { class: 'btn nav-app', href: s.nav[k], target: '_blank', rel: 'noopener', 'data-nav': k }, t(k)))));
}

async function todayOffers(s) {
  const items = [];
  const run = runningEvent(s);
  for (const e of s.today || []) items.push(h('li', { class: e === run ? 'running' : null }, e === run ? h('strong', {}, statusOf(s).text) : eventText(e)));
  try {
    const { body } = await get('/api/v1/offers', { near: `${s.lat_wgs ?? s.lat},${s.lon_wgs ?? s.lon}`, radius_m: 300 });
    for (const o of body.offers.filter((x) => x.canteen && x.canteen.station_id === s.id)) {
      items.push(offerItem(o, false));
    }
  } catch { /* offers are extra */ }
  return items.length ? h('ul', { class: 'plain' }, items) : h('p', { class: 'muted' }, t('noOffers'));
}

/** A station from the last saved list (home.js keeps it), by code or id, for offline. */
function savedStation(key) {
  const last = store.get('last', null);
  const k = String(key).toUpperCase();
  return last && (last.stations || []).find((x) => x.code.toUpperCase() === k || String(x.id) === String(key));
}

/** Offline, a station never opened: what the saved list knows (name, distance, status, navigation). */
function renderSaved(s, checkin, key) {
  const st = statusOf(s);
  main.replaceChildren(h('div', { class: 'station' },
    h('p', { class: 'back' }, h('a', { href: '/', 'data-link': true }, `← ${t('back')}`)),
    h('h1', { tabindex: '-1' }, s.name),
    s.distance_m !== undefined ? h('p', { class: 'addr' }, fmtDist(s.distance_m)) : null,
    h('p', { class: `status big-status ${st.cls}` }, st.text),
    message('warn', t('offlineStation'), [h('button', { type: 'button', class: 'btn', onclick: () => renderStation(key, checkin) }, t('retry'))]),
    s.nav ? navLinks(s) : null));
}

export async function renderStation(key, checkin) {
  // the station is asked for at once, beside the facility vocabulary (a first visit waits for
  // both: one round trip, not two, before the page's text)
  const answer = get(`/api/v1/stations/${encodeURIComponent(key)}`, { at: AT });
  answer.catch(() => { /* handled below */ });
  await loadVocab();
  main.replaceChildren(h('p', { class: 'loading', role: 'status' }, t('loading')));
  let s, cached;
  try {
    ({ body: s, cached } = await answer);
  } catch (e) {
    if (e.kind === 'client' && e.status === 404) {
      main.replaceChildren(h('h1', { tabindex: '-1' }, checkin ? t('checkinTitle') : t('stationPage')),
        message('error', t('unknownStation', { code: key }), [
          h('a', { class: 'btn primary', href: '/', 'data-link': true }, t('homeTitle'))]),
        h('p', {}, t('unknownStationHelp')));
    } else if (e.kind === 'offline' && savedStation(key)) {
      renderSaved(savedStation(key), checkin, key);
    } else {
      main.replaceChildren(h('h1', { tabindex: '-1' }, checkin ? t('checkinTitle') : t('stationPage')),
        errorBox(e, () => renderStation(key, checkin)));
    }
    return;
  }
  const st = statusOf(s);
  const ratingP = h('p', { class: 'rating' }, ratingText(s.rating));
  // the answer to a rating carries the station's new figures (station.rating)
  const onRated = (body) => { if (body.station && body.station.rating) ratingP.textContent = ratingText(body.station.rating); };
  const head = [
    h('p', { class: 'back' }, h('a', { href: '/', 'data-link': true }, `← ${t('back')}`)),
    h('h1', { tabindex: '-1' }, s.name),
    h('p', { class: 'addr' }, `${s.address || ''}${s.district ? ` · ${s.district.name}` : ''}`),
    h('p', { class: `status big-status ${st.cls}` }, st.text),
    ratingP,
    s.phone ? h('p', { class: 'call-top' }, h('a', { class: 'btn call', href: `tel:${s.phone}`,
      'aria-label': `${t('call')} ${s.phone}` }, `☎ ${t('call')}`)) : null,
    distanceBox(s),
    cached ? message('warn', t('offlineSaved', { time: new Date(cached).toLocaleTimeString(lang(), { hour: '2-digit', minute: '2-digit' }) })) : null,
  ];
  const [navBtn, navPanel] = disclosure('p-nav', t('navigate'), 'primary', async () => navLinks(s));
  const [rateBtn, ratePanel] = disclosure('p-rate', t('rate'), '', async () => starsWidget(s, onRated));
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
  const photosBox = h('div', {}, h('p', { class: 'muted' }, t('loading')));

  const parts = [...head];
  if (checkin) {
    const cmsg = h('p', { class: 'checkin-msg', role: 'status' });
    // The station screen's rotating code (/s/<code>?t=<step>.<digits>, docs/internals/screen.md):
    // sent with the check-in, which the server then marks verified. A refused code (expired:
    // the tap came minutes after the scan) is dropped, so the next tap checks in without it.
    let screenT = new URLSearchParams(location.search).get('t');
    const prompt = h('div', { class: 'rate-prompt', hidden: true }, h('h2', { id: 'rp-h' }, t('ratePrompt')), starsWidget(s, onRated));
    const btn = h('button', { type: 'button', class: 'action primary huge', id: 'checkin' }, t('checkinBtn'));
    btn.addEventListener('click', async () => {
      if (btn.classList.contains('done')) return;
      btn.disabled = true;
      cmsg.textContent = '…';
      const doneState = () => {
        // done, not disabled-looking: a green button saying so (a second tap is harmless)
        btn.disabled = false;
        btn.classList.add('done');
        btn.textContent = t('checkinDoneBtn');
        prompt.hidden = false;
      };
      try {
        const { status, body } = await workerPost('/api/v1/visits', screenT ? { station_code: s.code, t: screenT } : { station_code: s.code });
        cmsg.textContent = status === 201 ? (body && body.verified ? t('checkinVerified') : t('checkinDone')) : t('checkinRepeat');
        cmsg.className = 'checkin-msg ok';
        doneState();
      } catch (e) {
        if (e.kind === 'offline') {
          enqueue({ kind: 'visit', path: '/api/v1/visits', data: { station_code: s.code }, name: s.name });
          cmsg.textContent = t('queued');
          cmsg.className = 'checkin-msg ok';
          doneState();
          return;
        }
        cmsg.textContent = e instanceof ApiError ? e.text() : t('serverError');
        if (screenT && e instanceof ApiError && e.body && e.body.field === 't') {
          screenT = null;
          cmsg.textContent += ` ${t('codeFallback')}`;
        }
        btn.disabled = false;
      }
    });
    parts.push(h('section', { class: 'card checkin', 'aria-label': t('checkinTitle') }, btn, cmsg),
      section('h-offers', t('offers'), offersBox), prompt,
      h('p', {}, h('a', { class: 'btn', href: `/station/${encodeURIComponent(s.code)}`, 'data-link': true }, t('stationPage'))),
      actions, panels);
  } else {
    const live = liveSection(s, key, cached);
    parts.push(live, actions, panels,
      aboutBox(s),
      section('h-photos', t('photos'), photosBox),
      section('h-today', t('offers'), offersBox),
      section('h-fac', t('facilities'), facs),
      section('h-hours', t('weekHours'), hours),
      section('h-events', t('eventsWeek'), eventsBox),
      section('h-reviews', t('reviews'), reviewsBox),
      section('h-reports', t('openReports'), reports));
    if (s.phone) parts.push(h('p', {}, `${t('phone')}: `, h('a', { href: `tel:${s.phone}` }, s.phone)));
  }
  main.replaceChildren(h('div', { class: 'station' }, parts));
  // The address is the code's canonical form (a QR code or a hand-typed link may be lower case).
  if (s.code && key !== String(s.id) && key !== s.code && key.toUpperCase() === s.code.toUpperCase()) {
    history.replaceState(history.state, '', `${checkin ? '/s/' : '/station/'}${encodeURIComponent(s.code)}${location.search}`);
  }
  if (!checkin) {
    miniMap(s);
    loadPhotos(s, photosBox);
  }
  // an appointed experience officer inspects from here (asked quietly: most workers are not)
  isOfficer().then((yes) => {
    if (yes) actions.after(h('p', {}, h('a', { class: 'btn', id: 'to-inspect', href: `/inspect/${encodeURIComponent(s.code)}`, 'data-link': true }, inspText('toInspect'))));
  }).catch(() => {});
  offersBox.replaceChildren(await todayOffers(s));
  if (!checkin) {
    get('/api/v1/events', { station: s.id, from: today, to: addDays(today, 6) }).then(({ body }) => {
      eventsBox.replaceChildren(body.occurrences.length
        ? h('ul', { class: 'plain today-list' }, body.occurrences.map((o) => eventItem(o, false)))
        : h('p', { class: 'muted' }, t('noEvents')));
    }).catch((e) => eventsBox.replaceChildren(h('p', { class: 'muted' }, e.text ? e.text() : t('serverError'))));
    get(`/api/v1/stations/${s.id}/reviews`, { per_page: 5 }).then(({ body }) => {
      reviewsBox.replaceChildren(body.reviews.length
        ? h('ul', { class: 'plain reviews' }, body.reviews.map((r) => h('li', {},
          h('span', { class: 'stars-ro', 'aria-label': t('starN', { n: r.stars }) }, '★'.repeat(r.stars)),
          ' ', r.tags.map((c) => { const tg = tagsNow().find((x) => x.code === c); return tg ? `#${vocab(tg)} ` : ''; }).join(''),
          r.text ? h('span', {}, r.text) : null, ' ', h('span', { class: 'muted' }, r.created_at.slice(0, 10)),
          ' ', h('span', { class: r.verified ? 'verified' : 'muted' }, t(r.verified ? 'verifiedVisit' : 'unverified')))))
        : h('p', { class: 'muted' }, t('noReviews')));
    }).catch((e) => reviewsBox.replaceChildren(h('p', { class: 'muted' }, e.text ? e.text() : t('serverError'))));
  }
}

// --- live status (issue 14) ------------------------------------------------------------------
/** The station's live status (batteries, people, seats, devices out of order, each value's
 * age), or null for a station without devices; asked again when the page is shown again. */
function liveSection(s, key, cached) {
  const box = h('div', { id: 'live-box' });
  const sec = section('h-live', t('liveTitle'), box);
  sec.classList.add('live');
  const fill = (st, since) => {
    sec.hidden = !st.live;
    if (!st.live) { box.replaceChildren(); return; }
    const extra = since ? (Date.now() - Date.parse(since)) / 1000 : 0;
    box.replaceChildren(liveBlock(extra > 0 ? aged(st.live, extra) : st.live, !!since));
  };
  fill(s, cached);
  onShown(async () => {
    if (!sec.isConnected) return;
    try {
      const { body, cached: c } = await get(`/api/v1/stations/${encodeURIComponent(key)}`, { at: AT });
      if (sec.isConnected) fill(body, c);
    } catch { /* offline: the values shown stand (their ages are said) */ }
  });
  return sec;
}

// --- map area (issue 13): the station page's head: distance and times, small map, photos ------
/** The station's WGS-84 position (the API answers in WGS-84 unless asked otherwise). */
const stationWgs = (s) => [s.lat_wgs ?? s.lat, s.lon_wgs ?? s.lon];

/** Distance from the worker and the estimated walking and riding times, with the assumptions. */
function distanceBox(s) {
  const box = h('div', { class: 'dist-box', id: 'dist-box', role: 'status' });
  const fill = () => {
    if (!state.pos) { box.replaceChildren(h('p', { class: 'muted' }, t('distUnknown'))); return; }
    const m = metresBetween(state.pos, stationWgs(s));
    box.replaceChildren(
      h('p', { class: 'dist-line' }, h('strong', { class: 'dist' }, t('distFrom', { d: fmtDist(m) }))),
      h('p', { class: 'times' },
        h('span', { class: 'walk', 'data-min': minutesAt(m, WALK_KMH) }, t('walkTime', { n: minutesAt(m, WALK_KMH) })),
        h('span', { class: 'ride', 'data-min': minutesAt(m, RIDE_KMH) }, t('rideTime', { n: minutesAt(m, RIDE_KMH) }))),
      h('p', { class: 'muted small' }, t('timeAssume')));
  };
  fill();
  // Opened straight from a link or a QR code: ask for the position once, quietly.
  if (!state.pos && state.posState === 'pending' && navigator.geolocation) {
    navigator.geolocation.getCurrentPosition((p) => {
      state.pos = [p.coords.latitude, p.coords.longitude];
      state.posState = 'ok';
      if (box.isConnected) { fill(); showMeOnMini(s); }
    }, () => {}, { enableHighAccuracy: true, timeout: 8000, maximumAge: 60000 });
  }
  return box;
}

/** Seats and the operating partner. */
function aboutBox(s) {
  const items = [];
  if (s.seats) items.push(h('li', { class: 'seats' }, t('seatsN', { n: s.seats })));
  const kind = s.partner_kind ? t('partners')[s.partner_kind] || s.partner_kind : '';
  const name = s.partner_name ? (kind ? `${s.partner_name}（${kind}）` : s.partner_name) : kind;
  if (name) items.push(h('li', { class: 'partner' }, t('partnerLabel', { name: lang() === 'en' ? name.replace('（', ' (').replace('）', ')') : name })));
  const mapEl = h('div', { id: 'mini-map', class: 'mini-map', role: 'region', 'aria-label': `${t('smallMap')}: ${s.name}` });
  return h('div', { class: 'about' }, mapEl, items.length ? h('ul', { class: 'plain about-list' }, items) : null);
}

/** A small map that takes no gesture: the station, the worker, the city outline (no tiles needed).
 * Leaflet is a chunk of its own (map.js), loaded after the page's text is painted. */
async function miniMap(s) {
  if (state.miniMap) { state.miniMap.destroy(); state.miniMap = null; }
  const el = document.getElementById('mini-map');
  if (!el) return;
  await new Promise((ok) => requestAnimationFrame(() => setTimeout(ok, 0)));
  let mod;
  try { mod = await import('./map.js'); } catch { return; } // offline, chunk not kept: the text stands
  if (!el.isConnected) return; // the worker has moved on
  const at = wgsTo(crsOf(state.tiles), stationWgs(s));
  const m = new mod.StationMap(el, state.tiles, at, { labels: districtLabels }, { static: true, zoom: 15, lateTiles: true });
  state.miniMap = m;
  m.showStations([{ ...s, lat: at[0], lon: at[1] }], false, false);
  showMeOnMini(s);
  m.addTiles(); // for the view just set (not for the first one)
}

/** The worker's dot on the small map, and both in view when they are a ride apart (< 5 km). */
function showMeOnMini(s) {
  const m = state.miniMap;
  if (!m || !m.map || !state.pos) return;
  const me = m.fromWgs(state.pos);
  m.showMe(me);
  if (metresBetween(state.pos, stationWgs(s)) < 5000) m.fitTo([m.fromWgs(stationWgs(s)), me]);
}

/** The station's approved photos (thumbnails, each a link to the full photo). */
async function loadPhotos(s, box) {
  try {
    const { body } = await get(`/api/v1/stations/${s.id}/photos`);
    const list = body.photos || [];
    box.replaceChildren(list.length
      ? h('ul', { class: 'photos' }, list.map((p, i) => h('li', {},
        h('a', { href: p.url, target: '_blank', rel: 'noopener' },
          h('img', { src: p.thumb_url, alt: t('photoAlt', { name: s.name, n: i + 1 }), loading: 'lazy',
            width: 160, height: 120, decoding: 'async' })))))
      : h('p', { class: 'muted' }, t('noPhotos')));
  } catch (e) {
    box.replaceChildren(h('p', { class: 'muted' }, e.text ? e.text() : t('serverError')));
  }
}
