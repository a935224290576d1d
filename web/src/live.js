// SPDX-License-Identifier: MIT
// live.js - a station's live status (issue 14, point 2; docs/internals/live.md): the compact
// line of a list row, the station page's block, the age of each value, and the refresh when
// the page is shown again. The server sends `live` only for stations with an enabled device;
// a value it does not trust (too old, or never reported) has `value: null` and `unknown: true`
// and is shown as "unknown", never as a number.
import { LANGS, t } from './i18n.js';
import { h, facIcon } from './util.js';

const add = {
  'zh-Hans': {
    liveCharged: '有满电电池', liveChargedNone: '附近没有已知有满电电池的驿站：只列出换电柜最近报告过有满电电池的驿站，没有换电柜或换电柜很久没有报告的驿站不在其中。可以取消“有满电电池”再看。',
    liveTitle: '实时状态', liveUnknown: '未知', liveAgo: { s: '{n} 秒前', m: '{n} 分钟前', h: '{n} 小时前' },
    liveBattery: '满电电池', liveBatteryN: '{n}/{slots} 可换电', liveBatteryOnly: '{n} 块可换电',
    livePeople: '站内人数', livePeopleN: '{n} 人在站内', liveSeats: '空座位', liveSeatsN: '空座 {n}',
    liveOoo: '故障设备', liveOooNone: '没有设备报告故障', liveOooN: '{n} 台设备故障',
    liveUnknownWhy: '超过 {min} 分钟没有数据的值显示为“未知”。', liveNever: '从未报告',
    liveReported: '{ago}更新', liveSaved: '离线：这是上次保存时的状态，时间已按现在计算。',
    kinds: { battery_cabinet: '换电柜', people_counter: '人数计数器', door: '门', air_conditioner: '空调',
      water_dispenser: '饮水机', power: '电源' },
    kindFault: { power: '停电', other: '{kind}故障' },
  },
  'zh-Hant': {
    liveCharged: '有滿電電池', liveChargedNone: '附近沒有已知有滿電電池的驛站：只列出換電櫃最近報告過有滿電電池的驛站，沒有換電櫃或換電櫃很久沒有報告的驛站不在其中。可以取消「有滿電電池」再看。',
    liveTitle: '即時狀態', liveUnknown: '未知', liveAgo: { s: '{n} 秒前', m: '{n} 分鐘前', h: '{n} 小時前' },
    liveBattery: '滿電電池', liveBatteryN: '{n}/{slots} 可換電', liveBatteryOnly: '{n} 塊可換電',
    livePeople: '站內人數', livePeopleN: '{n} 人在站內', liveSeats: '空座位', liveSeatsN: '空座 {n}',
    liveOoo: '故障設備', liveOooNone: '沒有設備報告故障', liveOooN: '{n} 台設備故障',
    liveUnknownWhy: '超過 {min} 分鐘沒有資料的值顯示為「未知」。', liveNever: '從未報告',
    liveReported: '{ago}更新', liveSaved: '離線：這是上次儲存時的狀態，時間已按現在計算。',
    kinds: { battery_cabinet: '換電櫃', people_counter: '人數計數器', door: '門', air_conditioner: '冷氣',
      water_dispenser: '飲水機', power: '電源' },
    kindFault: { power: '停電', other: '{kind}故障' },
  },
  en: {
    liveCharged: 'Charged battery now', liveChargedNone: 'No station nearby is known to have a charged battery: only stations whose cabinet recently reported one are listed, not those without a cabinet or whose cabinet has gone quiet. Turn off "Charged battery now" to see them all.',
    liveTitle: 'Live status', liveUnknown: 'unknown', liveAgo: { s: '{n} s ago', m: '{n} min ago', h: '{n} h ago' },
    liveBattery: 'Charged batteries', liveBatteryN: '{n}/{slots} charged', liveBatteryOnly: '{n} charged',
    livePeople: 'People inside', livePeopleN: '{n} inside', liveSeats: 'Free seats', liveSeatsN: '{n} seats free',
    liveOoo: 'Out of order', liveOooNone: 'No device reports a fault', liveOooN: '{n} out of order',
    liveUnknownWhy: 'A value with no data for over {min} min shows as "unknown".', liveNever: 'never reported',
    liveReported: 'updated {ago}', liveSaved: 'Offline: the status when last saved, its age counted to now.',
    kinds: { battery_cabinet: 'Battery cabinet', people_counter: 'People counter', door: 'Door', air_conditioner: 'Air conditioner',
      water_dispenser: 'Water dispenser', power: 'Mains power' },
    kindFault: { power: 'Power cut', other: '{kind} out of order' },
  },
};
for (const [l, texts] of Object.entries(add)) Object.assign(LANGS[l], texts);

const METRICS = ['batteries_charged', 'people_inside', 'seats_free'];

/** "12 秒前", "3 分钟前", "2 小时前" for an age in seconds. */
export function agoText(s) {
  const a = t('liveAgo');
  if (s < 60) return a.s.replace('{n}', String(Math.max(0, Math.round(s))));
  if (s < 3600) return a.m.replace('{n}', String(Math.floor(s / 60)));
  return a.h.replace('{n}', String(Math.floor(s / 3600)));
}

/** The battery drawing of the facility icons, decorative here (the text says what it is). */
function batIcon() {
  const i = facIcon('battery_swap');
  for (const a of ['role', 'aria-label', 'title']) i.removeAttribute(a);
  return i;
}

/** A metric's value is trusted (known and a number). */
export const known = (v) => !!v && !v.unknown && v.value !== null && v.value !== undefined;

/**
 * The `live` member as it is `extra` seconds later (a list kept on the phone and shown
 * offline): every age grows, and a value older than `stale_after_s` becomes unknown, as the
 * server would say.
 */
export function aged(live, extra) {
  if (!live || !(extra > 0)) return live;
  const out = { ...live };
  const lim = live.stale_after_s || 600;
  for (const m of METRICS) {
    const v = live[m];
    if (!v) continue;
    const age = v.age_s === null || v.age_s === undefined ? null : v.age_s + Math.round(extra);
    out[m] = age !== null && age > lim ? { value: null, age_s: age, unknown: true } : { ...v, age_s: age };
  }
  out.out_of_order = (live.out_of_order || []).map((o) => ({ ...o, age_s: o.age_s + Math.round(extra) }))
    .filter((o) => o.age_s <= lim);
  return out;
}

/** A device kind's name; a fault "空调故障", "停电". */
const kindName = (k) => t('kinds')[k] || k;
export function faultText(k) {
  const f = t('kindFault');
  return k === 'power' ? f.power : f.other.replace('{kind}', kindName(k));
}

function batteryText(v) {
  if (!known(v)) return t('liveUnknown');
  return v.slots ? t('liveBatteryN', { n: v.value, slots: v.slots }) : t('liveBatteryOnly', { n: v.value });
}

/**
 * The list row's compact line: "🔋 5/12 可换电 · 3 人在站内 · 空座 8 · ⚠ 空调故障 · 12 秒前".
 * Each part is text (the symbols are decorative, their meaning is written), unknown parts say
 * so. The age is the oldest of the known values shown.
 */
export function liveLine(live) {
  if (!live) return null;
  const parts = [];
  let age = -1;
  const seen = (v) => { if (known(v) && v.age_s > age) age = v.age_s; };
  const part = (cls, sym, text, unknown) => h('span', { class: `live-part ${cls}${unknown ? ' unknown' : ''}` },
    sym ? h('span', { class: 'live-sym', 'aria-hidden': 'true' }, sym === 'bat' ? batIcon() : sym) : null, text);
  const b = live.batteries_charged;
  if (b) {
    seen(b);
    parts.push(part('live-bat', 'bat', known(b) ? batteryText(b) : `${t('liveBattery')} ${t('liveUnknown')}`, !known(b)));
  }
  const p = live.people_inside;
  if (p) {
    seen(p);
    parts.push(part('live-people', '', known(p) ? t('livePeopleN', { n: p.value }) : `${t('livePeople')} ${t('liveUnknown')}`, !known(p)));
  }
  const s = live.seats_free;
  if (s) {
    seen(s);
    parts.push(part('live-seats', '', known(s) ? t('liveSeatsN', { n: s.value }) : `${t('liveSeats')} ${t('liveUnknown')}`, !known(s)));
  }
  const ooo = live.out_of_order || [];
  if (ooo.length) parts.push(part('live-ooo', '⚠', ooo.length === 1 ? faultText(ooo[0].kind) : t('liveOooN', { n: ooo.length }), false));
  if (!parts.length) return null;
  if (age >= 0) parts.push(h('span', { class: 'live-part live-age' }, agoText(age)));
  return h('span', { class: 'live-line' }, parts.flatMap((x, i) => (i ? [h('span', { class: 'live-sep', 'aria-hidden': 'true' }, ' · '), x] : [x])));
}

/** One metric of the station page's block: its name, the value or "unknown", its age. */
function metricRow(key, label, v, text) {
  const age = v.age_s === null || v.age_s === undefined ? t('liveNever') : t('liveReported', { ago: agoText(v.age_s) });
  return h('li', { class: `live-metric${known(v) ? '' : ' unknown'}`, 'data-metric': key },
    h('span', { class: 'live-label' }, label),
    h('strong', { class: 'live-value' }, known(v) ? text : t('liveUnknown')),
    h('span', { class: 'live-when muted' }, age));
}

/** The station page's block: each metric with its age, the devices out of order by name. */
export function liveBlock(live, savedNote) {
  const items = [];
  if (live.batteries_charged) items.push(metricRow('batteries_charged', t('liveBattery'), live.batteries_charged, batteryText(live.batteries_charged)));
  if (live.people_inside) items.push(metricRow('people_inside', t('livePeople'), live.people_inside, String(live.people_inside.value)));
  if (live.seats_free) items.push(metricRow('seats_free', t('liveSeats'), live.seats_free, String(live.seats_free.value)));
  const ooo = live.out_of_order || [];
  const min = Math.round((live.stale_after_s || 600) / 60);
  return h('div', { class: 'live-block' },
    savedNote ? h('p', { class: 'muted small' }, t('liveSaved')) : null,
    items.length ? h('ul', { class: 'plain live-metrics' }, items) : null,
    h('h3', { class: 'live-sub' }, t('liveOoo')),
    ooo.length
      ? h('ul', { class: 'plain live-ooo-list' }, ooo.map((o) => h('li', { class: 'live-ooo', 'data-kind': o.kind },
        h('span', { 'aria-hidden': 'true' }, '⚠ '), faultText(o.kind), ' ',
        h('span', { class: 'muted' }, t('liveReported', { ago: agoText(o.age_s) })))))
      : h('p', { class: 'muted live-ooo-none' }, t('liveOooNone')),
    h('p', { class: 'muted small' }, t('liveUnknownWhy', { min })));
}

// --- refresh when the page is shown again ------------------------------------------------------
let refresher = null;
let hiddenAt = 0;
/** The page's refresh of its live data, called when the app is shown again (null: none). */
export function onShown(fn) { refresher = fn; }
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'hidden') { hiddenAt = Date.now(); return; }
  if (refresher && hiddenAt) refresher();
});
// The page came back from the back/forward cache.
window.addEventListener('pageshow', (ev) => { if (ev.persisted && refresher) refresher(); });
