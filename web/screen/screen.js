// SPDX-License-Identifier: MIT
// screen.js - the station screen (/screen/<code>#k=<key>, docs/internals/screen.md): a big
// clock, today's events and meals at this station, the nearest other stations (with their live
// status when the server gives one), the union's notices and the check-in QR code that changes
// every 30 s. The code is computed here (WebCrypto HMAC-SHA256 of the step with the key from the
// fragment, which never reaches the server), so it keeps rotating without network. Built to run
// unattended for weeks: one 1-second ticker does everything (no listener or timer is added per
// refresh), data is refreshed every 60 s and the last data stays on screen when a refresh fails,
// with the time of the last good one and a stale banner after 3 misses; the page reloads itself
// at a quiet hour once a day and when the server reports a new bundle, both only when the
// server answers (a reload without network would leave a browser error page up for days).
import { qrSvg } from '../shared/qr.js';

const STEP_S = 30; // the code's step (store/screens.h YZ_SCREEN_STEP_S)
const REFRESH_S = 60; // data
const STALE_AFTER = 3; // missed refreshes before the banner
const FETCH_TIMEOUT_MS = 10000;
const NEARBY = 5; // other stations shown
const QUIET_HOUR = 3; // the daily reload, local time 03:xx
const TZ = 'Asia/Shanghai';

const TEXT = {
  'zh-Hans': {
    title: '户外劳动者服务驿站', scan: '扫码签到', scanSub: '二维码每 30 秒更换',
    today: '今日活动与餐食', nearby: '附近驿站', notices: '工会通知', none: '今天暂无', noNearby: '附近暂无其他驿站',
    updated: '数据更新于', stale: '网络中断：显示的是较早的数据', loading: '正在加载…', open: '营业中', closed: '已关门',
    noKey: '此屏幕链接缺少密钥：请在管理后台“站点屏幕”重新生成链接。', noCrypto: '此浏览器不能计算签到码（需要 HTTPS）。',
    people: '人', seats: '空座', batteries: '满电池', broken: '设备故障', unknown: '未知', yuan: '元', left: '剩',
    away: '米',
  },
  'zh-Hant': {
    title: '戶外勞動者服務驛站', scan: '掃碼簽到', scanSub: '二維碼每 30 秒更換',
    today: '今日活動與餐食', nearby: '附近驛站', notices: '工會通知', none: '今天暫無', noNearby: '附近暫無其他驛站',
    updated: '資料更新於', stale: '網路中斷：顯示的是較早的資料', loading: '正在載入…', open: '營業中', closed: '已關門',
    noKey: '此螢幕連結缺少密鑰：請在管理後台「站點螢幕」重新產生連結。', noCrypto: '此瀏覽器不能計算簽到碼（需要 HTTPS）。',
    people: '人', seats: '空座', batteries: '滿電池', broken: '設備故障', unknown: '未知', yuan: '元', left: '剩',
    away: '米',
  },
  en: {
    title: "Outdoor Workers' Station", scan: 'Scan to check in', scanSub: 'The code changes every 30 s',
    today: "Today's events and meals", nearby: 'Nearby stations', notices: "Union notices", none: 'Nothing today',
    noNearby: 'No other station nearby',
    updated: 'Data updated at', stale: 'Network down: showing older data', loading: 'Loading…', open: 'Open', closed: 'Closed',
    noKey: 'This screen link has no key: make a new link in the console ("Station screen").',
    noCrypto: 'This browser cannot compute the check-in code (HTTPS is needed).',
    people: 'inside', seats: 'seats free', batteries: 'charged', broken: 'out of order', unknown: 'unknown', yuan: 'yuan',
    left: 'left', away: 'm',
  },
};

const params = new URLSearchParams(location.search);
const lang = TEXT[params.get('lang')] ? params.get('lang') : 'zh-Hans';
const tx = TEXT[lang];
// The English line under each Chinese heading (the screen has no language menu).
const sub = (k) => (lang === 'en' ? null : TEXT.en[k]);
document.documentElement.lang = lang;

const code = decodeURIComponent((location.pathname.split('/')[2] || '').trim());
const key = new URLSearchParams(location.hash.slice(1)).get('k') || '';
const myVersion = document.querySelector('meta[name="yz-screen-version"]')?.content || '';

function h(tag, attrs, ...kids) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const kid of kids.flat()) if (kid !== null && kid !== undefined && kid !== false) el.append(kid);
  return el;
}

const fmtTime = new Intl.DateTimeFormat('zh-CN', { timeZone: TZ, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
const fmtClock = new Intl.DateTimeFormat('zh-CN', { timeZone: TZ, hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });
const fmtDate = new Intl.DateTimeFormat(lang === 'en' ? 'en-GB' : lang, { timeZone: TZ, weekday: 'long', month: 'long', day: 'numeric' });
const fmtDay = new Intl.DateTimeFormat('en-CA', { timeZone: TZ, year: 'numeric', month: '2-digit', day: '2-digit' });
const localHour = (d) => Number(new Intl.DateTimeFormat('en-GB', { timeZone: TZ, hour: '2-digit', hourCycle: 'h23' }).format(d));

// --- the page's frame, built once -----------------------------------------------------------------
const el = {
  name: h('h1', { class: 'name' }, code),
  clock: h('p', { class: 'clock', 'aria-hidden': 'true' }),
  date: h('p', { class: 'date' }),
  qr: h('div', { class: 'qr-box' }),
  today: h('div', { class: 'list' }, h('p', { class: 'muted' }, tx.loading)),
  nearby: h('div', { class: 'list' }, h('p', { class: 'muted' }, tx.loading)),
  notices: h('div', { class: 'list' }, h('p', { class: 'muted' }, tx.loading)),
  updated: h('p', { class: 'updated', role: 'status' }),
  stale: h('p', { class: 'stale', role: 'alert', hidden: true }, tx.stale),
};
const heading = (k) => h('h2', {}, tx[k], sub(k) ? h('span', { class: 'sub', lang: 'en' }, sub(k)) : null);
const screen = document.getElementById('screen');
screen.replaceChildren(
  h('header', { class: 'top' },
    h('div', { class: 'who' }, h('p', { class: 'org' }, tx.title), el.name),
    h('div', { class: 'when' }, el.clock, el.date)),
  el.stale,
  h('section', { class: 'card checkin', 'aria-labelledby': 'h-scan' },
    h('h2', { id: 'h-scan', class: 'scan' }, tx.scan, sub('scan') ? h('span', { class: 'sub', lang: 'en' }, sub('scan')) : null),
    el.qr, h('p', { class: 'muted small' }, tx.scanSub)),
  h('section', { class: 'card today', 'aria-label': tx.today }, heading('today'), el.today),
  h('section', { class: 'card nearby', 'aria-label': tx.nearby }, heading('nearby'), el.nearby),
  h('section', { class: 'card notices', 'aria-label': tx.notices }, heading('notices'), el.notices),
  h('footer', { class: 'foot' }, el.updated));

// --- the rotating code ------------------------------------------------------------------------------
let hmacKey = null; // CryptoKey, imported once
let shownStep = -1;
let codeBusy = false;

async function codeOf(step) {
  if (!hmacKey) {
    hmacKey = await crypto.subtle.importKey('raw', new TextEncoder().encode(key),
      { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  }
  const msg = new DataView(new ArrayBuffer(8));
  msg.setUint32(0, Math.floor(step / 2 ** 32));
  msg.setUint32(4, step >>> 0);
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', hmacKey, msg.buffer));
  const off = mac[mac.length - 1] & 0x0f; // RFC 4226 5.3, as the server (store/screens.c)
  const bin = ((mac[off] & 0x7f) << 24) | (mac[off + 1] << 16) | (mac[off + 2] << 8) | mac[off + 3];
  return String(bin % 1e8).padStart(8, '0');
}

async function showCode(now) {
  const step = Math.floor(now / 1000 / STEP_S);
  if (step === shownStep || codeBusy) return;
  if (!key) {
    shownStep = step;
    el.qr.replaceChildren(h('p', { class: 'warn' }, tx.noKey));
    return;
  }
  if (!globalThis.crypto || !crypto.subtle) {
    shownStep = step;
    el.qr.replaceChildren(h('p', { class: 'warn' }, tx.noCrypto));
    return;
  }
  codeBusy = true;
  try {
    const digits = await codeOf(step);
    const url = `${location.origin}/s/${encodeURIComponent(code)}?t=${step}.${digits}`;
    const svg = qrSvg(url, `${tx.scan}: ${url}`);
    svg.dataset.step = String(step);
    svg.dataset.url = url;
    el.qr.replaceChildren(svg);
    shownStep = step;
  } finally {
    codeBusy = false;
  }
}

// --- the data -----------------------------------------------------------------------------------------
async function getJson(path) {
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(), FETCH_TIMEOUT_MS);
  try {
    const r = await fetch(path, { signal: ctl.signal, cache: 'no-store', headers: { Accept: 'application/json' } });
    if (!r.ok) throw new Error(`${path}: ${r.status}`);
    return await r.json();
  } finally {
    clearTimeout(timer);
  }
}

const pick = (n) => (lang === 'en' ? n.en : n[lang]) || n['zh-Hans'] || '';

function renderToday(station, events, offers) {
  const rows = [];
  for (const o of events.occurrences || []) {
    rows.push(h('div', { class: 'row' },
      h('span', { class: 'time' }, `${fmtTime.format(new Date(o.starts_at))}–${fmtTime.format(new Date(o.ends_at))}`),
      h('span', { class: 'what' }, o.title)));
  }
  for (const o of (offers.offers || []).filter((x) => x.canteen && x.canteen.station_id === station.id)) {
    const dish = lang === 'en' && o.dish_en ? o.dish_en : o.dish;
    rows.push(h('div', { class: 'row' },
      h('span', { class: 'time' }, `${(o.price_cents / 100).toFixed(0)} ${tx.yuan}`),
      h('span', { class: 'what' }, dish),
      h('span', { class: 'extra' }, `${tx.left} ${o.remaining}`)));
  }
  el.today.replaceChildren(...(rows.length ? rows : [h('p', { class: 'muted' }, tx.none)]));
}

function liveBits(live) {
  if (!live) return [];
  const bits = [];
  const val = (m, label) => {
    if (!m) return;
    bits.push(h('span', { class: m.unknown ? 'live unknown' : 'live' },
      m.unknown || m.value === null ? `${label} ${tx.unknown}` : `${label} ${m.value}`));
  };
  val(live.batteries_charged, tx.batteries);
  val(live.seats_free, tx.seats);
  val(live.people_inside, tx.people);
  if (live.out_of_order && live.out_of_order.length) bits.push(h('span', { class: 'live bad' }, `${tx.broken} ${live.out_of_order.length}`));
  return bits;
}

function renderNearby(list) {
  const rows = (list.stations || []).filter((s) => s.code !== code).slice(0, NEARBY).map((s) => h('div', { class: 'row' },
    h('span', { class: 'what' }, s.name),
    h('span', { class: 'extra' }, `${Math.round(s.distance_m)} ${tx.away}`),
    h('span', { class: s.open_now ? 'state open' : 'state' }, s.open_now ? tx.open : tx.closed),
    ...liveBits(s.live)));
  el.nearby.replaceChildren(...(rows.length ? rows : [h('p', { class: 'muted' }, tx.noNearby)]));
}

function renderNotices(n) {
  const rows = (n.notices || []).slice(0, 4).map((x) => h('p', { class: 'notice' }, pick(x)));
  el.notices.replaceChildren(...rows);
}

let station = null;
let lastOk = 0; // when the last refresh succeeded (ms)
let misses = 0; // refreshes failed since
let refreshing = false;
let nextRefresh = 0;

async function refresh(now) {
  if (refreshing) return;
  refreshing = true;
  try {
    const version = await getJson('/screen-version.json');
    if (version.version && myVersion && version.version !== myVersion) {
      location.reload(); // a new bundle, and the server is there to serve it
      return;
    }
    const s = await getJson(`/api/v1/stations/${encodeURIComponent(code)}`);
    const day = fmtDay.format(new Date(now));
    const [events, offers, nearby, notices] = await Promise.all([
      getJson(`/api/v1/events?station=${s.id}&from=${day}&to=${day}`),
      getJson(`/api/v1/offers?near=${s.lat},${s.lon}&radius_m=300`),
      getJson(`/api/v1/stations/nearby?lat=${s.lat}&lon=${s.lon}&k=${NEARBY + 1}`),
      getJson('/screen-notices.json'),
    ]);
    station = s;
    el.name.textContent = s.name;
    document.title = `${s.name} · ${tx.scan}`;
    renderToday(s, events, offers);
    renderNearby(nearby);
    renderNotices(notices);
    lastOk = Date.now();
    misses = 0;
  } catch {
    misses++;
  } finally {
    refreshing = false;
    el.stale.hidden = misses < STALE_AFTER;
    screen.classList.toggle('is-stale', misses >= STALE_AFTER);
    el.updated.textContent = lastOk ? `${tx.updated} ${fmtClock.format(new Date(lastOk))}` : tx.loading;
  }
}

// The daily reload: once in the quiet hour, when the server answers (checked by a fetch first).
const started = Date.now();
async function dailyReload(now) {
  if (now - started < 2 * 3600 * 1000 || localHour(new Date(now)) !== QUIET_HOUR || misses > 0) return;
  try {
    await getJson('/screen-version.json');
    location.reload();
  } catch { /* no server: keep showing what we have */ }
}

function tick() {
  const now = Date.now();
  el.clock.textContent = fmtClock.format(new Date(now));
  el.date.textContent = fmtDate.format(new Date(now));
  showCode(now);
  if (now >= nextRefresh) {
    nextRefresh = now + REFRESH_S * 1000;
    refresh(now).then(() => dailyReload(Date.now()));
  }
}

tick();
setInterval(tick, 1000);
// For the tests and an operator's look (read-only): what the screen shows and how its data is.
globalThis.yzScreen = Object.freeze({
  status: () => ({ step: shownStep, misses, lastOk, stale: misses >= STALE_AFTER, station: station && station.code }),
});
