// SPDX-License-Identifier: MIT
// event.js - the event page (/event/{id}), what a shared event link opens (issue 14 point 6;
// the server answers the route with index.html carrying the link-preview tags,
// docs/internals/share.md): title, the next occurrences with their day and time, the station
// (link, distance, navigation), the description, seats left and the sign-up / cancel button
// of today.js, the poster, and a not-found state for an unknown or cancelled event.
import { get, ApiError } from './api.js';
import { t, lang, LANGS } from './i18n.js';
import { main, state } from './state.js';
import { h, fmtDist, metresBetween, minutesAt, WALK_KMH, RIDE_KMH, todayStr, addDays, nowMs, message, errorBox } from './util.js';
import { signupControl, dayWord } from './today.js';
import { disclosure, navLinks } from './station.js';

const UPCOMING = 3; // occurrences of a weekly event shown with their own sign-up
const WEEKS = 3; // how far ahead a weekly event's occurrences are looked for

const add = {
  'zh-Hans': {
    evPage: '活动', evNotFound: '没有找到这个活动，或活动已取消。', evNotFoundHelp: '请在首页查看附近驿站的活动。',
    evWhen: '时间', evWhere: '地点', evAbout: '活动介绍', evNoAbout: '没有介绍。', evNext: '最近几场',
    evWeekly: '每周{days} {start}–{end}', evEnded: '这个活动已经结束。', evNoneSoon: '最近三周没有场次。',
    evUnlimited: '不限名额', evPoster: '海报 / Poster', evPosterHint: '可保存或转发到群里',
  },
  'zh-Hant': {
    evPage: '活動', evNotFound: '沒有找到這個活動，或活動已取消。', evNotFoundHelp: '請在首頁查看附近驛站的活動。',
    evWhen: '時間', evWhere: '地點', evAbout: '活動介紹', evNoAbout: '沒有介紹。', evNext: '最近幾場',
    evWeekly: '每週{days} {start}–{end}', evEnded: '這個活動已經結束。', evNoneSoon: '最近三週沒有場次。',
    evUnlimited: '不限名額', evPoster: '海報 / Poster', evPosterHint: '可儲存或轉發到群組',
  },
  en: {
    evPage: 'Event', evNotFound: 'This event was not found, or it was cancelled.', evNotFoundHelp: 'See the events of stations near you on the home page.',
    evWhen: 'When', evWhere: 'Where', evAbout: 'About', evNoAbout: 'No description.', evNext: 'Next dates',
    evWeekly: 'Every {days} {start}–{end}', evEnded: 'This event is over.', evNoneSoon: 'No date in the next three weeks.',
    evUnlimited: 'No limit on places', evPoster: 'Poster', evPosterHint: 'save it or share it in a group',
  },
};
for (const [l, strings] of Object.entries(add)) Object.assign(LANGS[l], strings);

const hhmm = (iso) => (iso ? iso.slice(11, 16) : '');
const DAY_ORDER = ['Mo', 'Tu', 'We', 'Th', 'Fr', 'Sa', 'Su'];

function notFound() {
  main.replaceChildren(h('div', { class: 'event-page' },
    h('p', { class: 'back' }, h('a', { href: '/', 'data-link': true }, `← ${t('back')}`)),
    h('h1', { tabindex: '-1' }, t('evPage')),
    message('error', t('evNotFound'), [h('a', { class: 'btn primary', href: '/', 'data-link': true }, t('homeTitle'))]),
    h('p', {}, t('evNotFoundHelp'))));
}

/** "每周一、三 08:00–09:00" / "Every Mon, Wed 08:00–09:00" for a weekly event's rule. */
function weeklyText(w) {
  const days = DAY_ORDER.filter((d) => w.days.includes(d)).map((d) => t('days')[d]);
  const joined = lang() === 'en' ? days.join(', ') : days.map((d) => d.slice(1)).join('、'); // 周一 → 一
  return t('evWeekly', { days: joined, start: w.start, end: w.end });
}

/** Distance and walking / riding minutes to the station, when the position is known. */
function distanceLine(s) {
  const p = h('p', { class: 'ev-dist' });
  const fill = () => {
    if (!state.pos || !s) return;
    const m = metresBetween(state.pos, [s.lat_wgs ?? s.lat, s.lon_wgs ?? s.lon]);
    p.replaceChildren(h('strong', { class: 'dist' }, t('distFrom', { d: fmtDist(m) })), ' · ',
      t('walkTime', { n: minutesAt(m, WALK_KMH) }), ' · ', t('rideTime', { n: minutesAt(m, RIDE_KMH) }));
  };
  fill();
  if (s && !state.pos && state.posState === 'pending' && navigator.geolocation) {
    navigator.geolocation.getCurrentPosition((pos) => {
      state.pos = [pos.coords.latitude, pos.coords.longitude];
      state.posState = 'ok';
      if (p.isConnected) fill();
    }, () => {}, { enableHighAccuracy: true, timeout: 8000, maximumAge: 60000 });
  }
  return p;
}

/** One occurrence: its day and time, seats, sign-up / cancel (today.js). */
function occurrenceItem(o) {
  const running = Date.parse(o.starts_at) <= nowMs() && nowMs() < Date.parse(o.ends_at);
  return h('li', { class: `ev-occ${running ? ' running' : ''}`, 'data-event': `${o.event_id}:${o.occurrence}` },
    h('span', { class: 'ev-time' }, `${dayWord(o.occurrence)} ${hhmm(o.starts_at)}–${hhmm(o.ends_at)}`),
    o.capacity === null ? h('span', { class: 'muted small' }, t('evUnlimited')) : null,
    signupControl(o));
}

export async function renderEvent(key) {
  const id = /^[1-9][0-9]{0,17}$/.test(key) ? key : null;
  if (!id) { notFound(); return; }
  main.replaceChildren(h('p', { class: 'loading', role: 'status' }, t('loading')));
  let ev;
  try {
    ev = (await get(`/api/v1/events/${id}`)).body;
  } catch (e) {
    if (e instanceof ApiError && e.kind === 'client' && e.status === 404) notFound();
    else main.replaceChildren(h('h1', { tabindex: '-1' }, t('evPage')), errorBox(e, () => renderEvent(key)));
    return;
  }
  if (ev.status !== 'active' || !ev.station || !ev.station.code) { notFound(); return; }
  // the occurrences come from the listing (it carries the sign-up counts): the one-off's day,
  // or the weekly event's next weeks; the station's record gives the position and map links
  const today = todayStr();
  let from, to;
  if (ev.kind === 'one_off') from = to = ev.starts_at.slice(0, 10);
  else {
    from = ev.weekly.from > today ? ev.weekly.from : today;
    to = addDays(from, WEEKS * 7 - 1);
    if (ev.weekly.until && ev.weekly.until < to) to = ev.weekly.until;
  }
  const [occ, st] = await Promise.all([
    to < from ? Promise.resolve([]) : get('/api/v1/events', { station: ev.station.code, from, to, limit: 200 })
      .then((r) => r.body.occurrences.filter((o) => String(o.event_id) === String(ev.id))).catch(() => null),
    get(`/api/v1/stations/${encodeURIComponent(ev.station.code)}`).then((r) => r.body).catch(() => null),
  ]);
  const now = nowMs();
  const next = (occ || []).filter((o) => Date.parse(o.ends_at) > now).slice(0, UPCOMING);
  // the listing translates the title for 繁體 (lang=zh-Hant); the record is as typed
  const title = (occ && occ[0] && occ[0].title) || ev.title;
  const stName = (st && st.name) || ev.station.name || ev.station.code;
  let when;
  if (ev.kind === 'weekly') when = weeklyText(ev.weekly);
  else when = `${dayWord(ev.starts_at.slice(0, 10))} ${hhmm(ev.starts_at)}–${ev.ends_at.slice(0, 10) === ev.starts_at.slice(0, 10) ? hhmm(ev.ends_at) : `${dayWord(ev.ends_at.slice(0, 10))} ${hhmm(ev.ends_at)}`}`;
  let dates;
  if (occ === null) dates = h('p', { class: 'muted' }, t('offline'));
  else if (next.length) dates = h('ul', { class: 'plain ev-occs' }, next.map(occurrenceItem));
  else dates = h('p', { class: 'muted ev-none' }, ev.kind === 'one_off' || (ev.weekly.until && ev.weekly.until < today) ? t('evEnded') : t('evNoneSoon'));
  const [navBtn, navPanel] = st && st.nav ? disclosure('p-nav', t('navigate'), 'primary', async () => navLinks(st)) : [null, null];
  const poster = `/api/v1/events/${ev.id}/poster.png?lang=${encodeURIComponent(lang())}`;
  main.replaceChildren(h('div', { class: 'event-page station' },
    h('p', { class: 'back' }, h('a', { href: '/', 'data-link': true }, `← ${t('back')}`)),
    h('p', { class: 'ev-cat' }, t('cat')[ev.category] || t('evPage')),
    h('h1', { tabindex: '-1' }, title),
    h('p', { class: 'ev-when', id: 'ev-when' }, h('strong', {}, `${t('evWhen')}${t('colon')}`), when),
    h('p', { class: 'ev-where' }, h('strong', {}, `${t('evWhere')}${t('colon')}`),
      h('a', { href: `/station/${encodeURIComponent(ev.station.code)}`, 'data-link': true, id: 'ev-station' }, stName),
      st && st.address ? h('span', { class: 'muted' }, ` · ${st.address}`) : null),
    distanceLine(st),
    navBtn ? h('div', { class: 'actions' }, navBtn) : null, navPanel,
    h('section', { class: 'card', 'aria-labelledby': 'ev-next-h' }, h('h2', { id: 'ev-next-h' }, t('evNext')), dates),
    h('section', { class: 'card', 'aria-labelledby': 'ev-about-h' }, h('h2', { id: 'ev-about-h' }, t('evAbout')),
      ev.description ? h('p', { class: 'ev-desc' }, ev.description) : h('p', { class: 'muted' }, t('evNoAbout'))),
    h('p', { class: 'ev-poster' }, h('a', { class: 'btn', href: poster, target: '_blank', rel: 'noopener', id: 'ev-poster' },
      t('evPoster')), ' ', h('span', { class: 'muted small' }, t('evPosterHint'))),
    h('p', {}, h('a', { class: 'btn', href: '/', 'data-link': true }, t('home')))));
}
