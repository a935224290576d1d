// SPDX-License-Identifier: MIT
// views/stations.js - the stations screen (issue 11): the list with its filters (kept in the
// fragment's query), a map of the listed stations, and the editor: every field, the position
// picked on the map (drag the marker or click) and shown in the chosen datum, the opening
// hours previewed by the server's own parser as you type (GET /api/v1/opening-hours), a
// temporary closure, save with If-Match, delete. The page offers editing only to the roles the
// permission table lets edit the station; the server decides (docs/internals/console.md).
import L from 'leaflet';
import { get, post, patch, del, ApiError } from '../api.js';
import { t, addStrings, vocab, lang, fmtTime } from '../i18n.js';
import { h, field, pageHead, showError, clearErrors, busy, toast, table, select, confirmDialog, newId } from '../ui.js';
import { wgs84ToGcj02, gcj02ToWgs84 } from '../../src/coord.js';

const TIERS = ['basic', 'benchmark', 'smart24h'];
const STATUSES = ['planned', 'building', 'open', 'closed_temp', 'closed'];
const PARTNERS = ['union', 'community', 'china_tower', 'didi', 'convenience_store', 'gas_station', 'enterprise', 'government', 'other'];
const BATCHES = ['plan', 'standardize', 'upgrade', 'new', 'rectify', 'publicize'];
const MAPS = ['amap', 'baidu', 'tencent'];
const DAYS = ['Mo', 'Tu', 'We', 'Th', 'Fr', 'Sa', 'Su'];
const PER_PAGE = 50;
const CENTRE = [28.0, 120.65]; // Wenzhou, WGS-84
const FILTERS = ['q', 'district', 'tier', 'status', 'partner', 'partner_name', 'batch', 'livelihood', 'not_on', 'page'];

// The station screen (issue 14, docs/internals/screen.md): a small button makes the screen's
// link (a new key: the old link stops working), shown once.
addStrings({
  'zh-Hans': { scrBtn: '站点屏幕', scrAsk: '生成新的站点屏幕链接？这座驿站旧的屏幕链接将立即失效。', scrMake: '生成链接',
    scrLink: '站点屏幕链接', scrOnce: '请在驿站的屏幕上打开此链接。链接只显示这一次，其中含有密钥，请勿外传。' },
  'zh-Hant': { scrBtn: '站點螢幕', scrAsk: '產生新的站點螢幕連結？這座驛站舊的螢幕連結將立即失效。', scrMake: '產生連結',
    scrLink: '站點螢幕連結', scrOnce: '請在驛站的螢幕上開啟此連結。連結只顯示這一次，其中含有密鑰，請勿外傳。' },
  en: { scrBtn: 'Station screen', scrAsk: "Make a new station screen link? This station's old screen link stops working at once.",
    scrMake: 'Make the link', scrLink: 'Station screen link',
    scrOnce: "Open this link on the station's screen. It is shown only this once and holds the key: do not share it." },
});

addStrings({
  'zh-Hans': {
    stTitle: '驿站', stNew: '新建驿站', stEdit: '编辑驿站', stView: '驿站详情', stSearch: '名称、地址或编号',
    stDistrict: '区县', stTier: '等级', stStatus: '状态', stPartner: '合作方类型', stPartnerName: '合作方名称',
    stBatch: '创建批次', stLivelihood: '民生实事项目', stNotOn: '在线地图', stNotOnAll: '不在任何在线地图上',
    stNotOnOne: '不在{map}上', stOnMaps: '可在这些地图上找到', stCount: '共 {n} 座，第 {page} / {pages} 页',
    stMapLabel: '列表中驿站的地图', stCode: '编号', stName: '名称', stAddress: '地址', stPhone: '电话', stSeats: '座位数',
    stFacilities: '设施', stHours: '开放时间', stHoursHint: 'OpenStreetMap 格式，如 Mo-Fr 08:00-18:00; Sa 09:00-12:00',
    stWeek: '一周开放时间', stOpenNow: '现在开放', stClosedNow: '现在关闭', stNextChange: '下次变化：{time}',
    stNoChange: '8 天内不变', stHoursBad: '开放时间有误，未保存：{msg}', stChecking: '正在检查…',
    stPosition: '位置', stDatum: '坐标系', stLat: '纬度', stLon: '经度', stMapPick: '拖动标记或点击地图选择位置',
    stPickMap: '选择位置的地图', stClosure: '临时闭站', stClosedReason: '闭站原因', stClosedUntil: '预计恢复时间',
    stClosedUntilHint: '留空表示另行通知', stReadOnly: '你的角色只能查看这座驿站。', stDeleted: '驿站已删除。',
    stDeleteAsk: '确定删除驿站“{name}”吗？此操作不能撤销。', stVersion: '版本 {v}，更新于 {time}', stYes: '是', stAny: '不限',
    stBatchNone: '不在任何批次', stTz: '时区', stOpenLink: '打开',
    datum: { wgs84: 'WGS-84（GPS）', gcj02: 'GCJ-02（高德、腾讯）', bd09: 'BD-09（百度）' },
    day: { Mo: '周一', Tu: '周二', We: '周三', Th: '周四', Fr: '周五', Sa: '周六', Su: '周日' },
    mapName: { amap: '高德地图', baidu: '百度地图', tencent: '腾讯地图' },
    tier: { basic: '基础型', benchmark: '标杆型', smart24h: '24 小时智能型' },
    status: { planned: '规划中', building: '建设中', open: '开放', closed_temp: '临时闭站', closed: '已关闭' },
    partner: { union: '工会', community: '社区', china_tower: '中国铁塔', didi: '滴滴', convenience_store: '便利店', gas_station: '加油站', enterprise: '企业', government: '政府机关', other: '其他' },
    batch: { plan: '规划', standardize: '规范', upgrade: '提升', new: '新建', rectify: '整改', publicize: '宣传' },
  },
  'zh-Hant': {
    stTitle: '驛站', stNew: '新建驛站', stEdit: '編輯驛站', stView: '驛站詳情', stSearch: '名稱、地址或編號',
    stDistrict: '區縣', stTier: '等級', stStatus: '狀態', stPartner: '合作方類型', stPartnerName: '合作方名稱',
    stBatch: '建立批次', stLivelihood: '民生實事專案', stNotOn: '線上地圖', stNotOnAll: '不在任何線上地圖上',
    stNotOnOne: '不在{map}上', stOnMaps: '可在這些地圖上找到', stCount: '共 {n} 座，第 {page} / {pages} 頁',
    stMapLabel: '列表中驛站的地圖', stCode: '編號', stName: '名稱', stAddress: '地址', stPhone: '電話', stSeats: '座位數',
    stFacilities: '設施', stHours: '開放時間', stHoursHint: 'OpenStreetMap 格式，如 Mo-Fr 08:00-18:00; Sa 09:00-12:00',
    stWeek: '一週開放時間', stOpenNow: '現在開放', stClosedNow: '現在關閉', stNextChange: '下次變化：{time}',
    stNoChange: '8 天內不變', stHoursBad: '開放時間有誤，未儲存：{msg}', stChecking: '正在檢查…',
    stPosition: '位置', stDatum: '座標系', stLat: '緯度', stLon: '經度', stMapPick: '拖動標記或點擊地圖選擇位置',
    stPickMap: '選擇位置的地圖', stClosure: '臨時閉站', stClosedReason: '閉站原因', stClosedUntil: '預計恢復時間',
    stClosedUntilHint: '留空表示另行通知', stReadOnly: '你的角色只能檢視這座驛站。', stDeleted: '驛站已刪除。',
    stDeleteAsk: '確定刪除驛站「{name}」嗎？此操作無法復原。', stVersion: '版本 {v}，更新於 {time}', stYes: '是', stAny: '不限',
    stBatchNone: '不在任何批次', stTz: '時區', stOpenLink: '開啟',
    datum: { wgs84: 'WGS-84（GPS）', gcj02: 'GCJ-02（高德、騰訊）', bd09: 'BD-09（百度）' },
    day: { Mo: '週一', Tu: '週二', We: '週三', Th: '週四', Fr: '週五', Sa: '週六', Su: '週日' },
    mapName: { amap: '高德地圖', baidu: '百度地圖', tencent: '騰訊地圖' },
    tier: { basic: '基礎型', benchmark: '標竿型', smart24h: '24 小時智慧型' },
    status: { planned: '規劃中', building: '建設中', open: '開放', closed_temp: '臨時閉站', closed: '已關閉' },
    partner: { union: '工會', community: '社區', china_tower: '中國鐵塔', didi: '滴滴', convenience_store: '便利商店', gas_station: '加油站', enterprise: '企業', government: '政府機關', other: '其他' },
    batch: { plan: '規劃', standardize: '規範', upgrade: '提升', new: '新建', rectify: '整改', publicize: '宣傳' },
  },
  en: {
    stTitle: 'Stations', stNew: 'New station', stEdit: 'Edit station', stView: 'Station', stSearch: 'Name, address or code',
    stDistrict: 'District', stTier: 'Tier', stStatus: 'Status', stPartner: 'Partner kind', stPartnerName: 'Partner name',
    stBatch: 'Campaign batch', stLivelihood: 'Livelihood project', stNotOn: 'Online maps', stNotOnAll: 'On no online map',
    stNotOnOne: 'Not on {map}', stOnMaps: 'Findable on these maps', stCount: '{n} stations, page {page} of {pages}',
    stMapLabel: 'Map of the listed stations', stCode: 'Code', stName: 'Name', stAddress: 'Address', stPhone: 'Phone', stSeats: 'Seats',
    stFacilities: 'Facilities', stHours: 'Opening hours', stHoursHint: 'OpenStreetMap syntax, e.g. Mo-Fr 08:00-18:00; Sa 09:00-12:00',
    stWeek: 'Opening hours of the week', stOpenNow: 'Open now', stClosedNow: 'Closed now', stNextChange: 'Next change: {time}',
    stNoChange: 'No change within 8 days', stHoursBad: 'The opening hours are wrong; nothing saved: {msg}', stChecking: 'Checking…',
    stPosition: 'Position', stDatum: 'Datum', stLat: 'Latitude', stLon: 'Longitude', stMapPick: 'Drag the marker or click the map to set the position',
    stPickMap: 'Map to pick the position', stClosure: 'Temporary closure', stClosedReason: 'Reason', stClosedUntil: 'Expected to reopen',
    stClosedUntilHint: 'Empty: until further notice', stReadOnly: 'Your roles may only view this station.', stDeleted: 'Station deleted.',
    stDeleteAsk: 'Delete the station "{name}"? This cannot be undone.', stVersion: 'Version {v}, updated {time}', stYes: 'Yes', stAny: 'Any',
    stBatchNone: 'In no batch', stTz: 'Time zone', stOpenLink: 'Open',
    datum: { wgs84: 'WGS-84 (GPS)', gcj02: 'GCJ-02 (Amap, Tencent)', bd09: 'BD-09 (Baidu)' },
    day: { Mo: 'Mon', Tu: 'Tue', We: 'Wed', Th: 'Thu', Fr: 'Fri', Sa: 'Sat', Su: 'Sun' },
    mapName: { amap: 'Amap', baidu: 'Baidu Maps', tencent: 'Tencent Maps' },
    tier: { basic: 'Basic', benchmark: 'Benchmark', smart24h: 'Smart 24 h' },
    status: { planned: 'Planned', building: 'Being built', open: 'Open', closed_temp: 'Closed for now', closed: 'Closed' },
    partner: { union: 'Trade union', community: 'Community', china_tower: 'China Tower', didi: 'DiDi', convenience_store: 'Convenience store', gas_station: 'Gas station', enterprise: 'Enterprise', government: 'Government', other: 'Other' },
    batch: { plan: 'Plan', standardize: 'Standardize', upgrade: 'Upgrade', new: 'New', rectify: 'Rectify', publicize: 'Publicize' },
  },
});

// --- datums: the map and the store are WGS-84; the fields show the chosen one --------------
const X_PI = (Math.PI * 3000.0) / 180.0;
function gcjToBd(lat, lon) {
  const z = Math.sqrt(lon * lon + lat * lat) + 0.00002 * Math.sin(lat * X_PI);
  const th = Math.atan2(lat, lon) + 0.000003 * Math.cos(lon * X_PI);
  return [z * Math.sin(th) + 0.006, z * Math.cos(th) + 0.0065];
}
function bdToGcj(lat, lon) {
  const x = lon - 0.0065, y = lat - 0.006;
  const z = Math.sqrt(x * x + y * y) - 0.00002 * Math.sin(y * X_PI);
  const th = Math.atan2(y, x) - 0.000003 * Math.cos(x * X_PI);
  return [z * Math.sin(th), z * Math.cos(th)];
}
function fromWgs([lat, lon], datum) {
  if (datum === 'gcj02') return wgs84ToGcj02(lat, lon);
  if (datum === 'bd09') return gcjToBd(...wgs84ToGcj02(lat, lon));
  return [lat, lon];
}
function toWgs([lat, lon], datum) {
  if (datum === 'gcj02') return gcj02ToWgs84(lat, lon);
  if (datum === 'bd09') return gcj02ToWgs84(...bdToGcj(lat, lon));
  return [lat, lon];
}

/** A Leaflet map with no tiles reachable still shows its markers on the grey background. */
function makeMap(el, centre, zoom) {
  const map = L.map(el, { zoomControl: true, attributionControl: true }).setView(centre, zoom);
  map.attributionControl.setPrefix(false);
  L.tileLayer('https://tile.openstreetmap.org/{z}/{x}/{y}.png', {
    maxZoom: 19, attribution: '© <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>',
  }).addTo(map);
  return map;
}

/** What the session may do to station `st` (null: a new one). */
function rights(ctx, st) {
  if (ctx.hasRole('city_admin')) return { edit: true, del: true };
  const dist = ctx.scopeOf('district_admin') || [];
  const inDist = st ? dist.includes(st.district.code) : dist.length > 0;
  if (inDist) return { edit: true, del: true };
  if (!st) return { edit: false, del: false };
  const ops = ctx.scopeOf('operator') || [];
  const mine = ops.includes(String(st.id)) || (st.partner_name && ops.includes(`partner=${st.partner_name}`));
  return { edit: !!mine, del: false };
}

const opts = (words, group, any) => [['', any], ...words.map((w) => [w, t(group)[w] || w])];

// --- the list --------------------------------------------------------------------------------
async function renderList(main, ctx) {
  const q = ctx.query;
  // A district admin starts in their first district; "all" is one click away.
  const mine = ctx.scopeOf('district_admin');
  if (!q.has('district') && mine && mine.length && !ctx.hasRole('city_admin')) q.set('district', mine[0]);
  const [districts, list] = await Promise.all([
    get('/api/v1/districts').then((r) => r.body.districts || r.body),
    get('/api/v1/stations', { ...Object.fromEntries(FILTERS.map((k) => [k, q.get(k)])), per_page: PER_PAGE }),
  ]);
  const canCreate = rights(ctx, null).edit;
  main.append(pageHead(t('stTitle'), canCreate ? h('a', { class: 'btn primary', href: '#/stations/new' }, t('stNew')) : null));

  const inputs = {
    q: h('input', { type: 'search', name: 'q', value: q.get('q') || '', maxlength: 200 }),
    district: select([['', t('all')], ...districts.map((d) => [d.code, lang() === 'zh-Hant' && d.name_hant ? d.name_hant : d.name])], q.get('district') || '', { name: 'district' }),
    tier: select(opts(TIERS, 'tier', t('all')), q.get('tier'), { name: 'tier' }),
    status: select(opts(STATUSES, 'status', t('all')), q.get('status'), { name: 'status' }),
    partner: select(opts(PARTNERS, 'partner', t('all')), q.get('partner'), { name: 'partner' }),
    partner_name: h('input', { name: 'partner_name', value: q.get('partner_name') || '', maxlength: 100 }),
    batch: select([['', t('all')], ['none', t('stBatchNone')], ...BATCHES.map((b) => [b, t('batch')[b]])], q.get('batch'), { name: 'batch' }),
    livelihood: select([['', t('all')], ['true', t('yes')], ['false', t('no')]], q.get('livelihood'), { name: 'livelihood' }),
    not_on: select([['', t('all')], [MAPS.join(','), t('stNotOnAll')], ...MAPS.map((m) => [m, t('stNotOnOne', { map: t('mapName')[m] })])], q.get('not_on'), { name: 'not_on' }),
  };
  const labels = { q: t('search'), district: t('stDistrict'), tier: t('stTier'), status: t('stStatus'), partner: t('stPartner'), partner_name: t('stPartnerName'), batch: t('stBatch'), livelihood: t('stLivelihood'), not_on: t('stNotOn') };
  const form = h('form', { class: 'filters', role: 'search', 'aria-label': t('filter') },
    Object.entries(inputs).map(([k, el]) => field(labels[k], el, { name: k })),
    h('button', { type: 'submit', class: 'btn primary' }, t('filter')),
    h('button', { type: 'button', class: 'btn', onclick: () => ctx.navigate('#/stations?district=') }, t('reset')));
  const go = (page) => {
    const p = new URLSearchParams();
    for (const [k, el] of Object.entries(inputs)) p.set(k, el.value.trim());
    if (page > 1) p.set('page', String(page));
    for (const [k, v] of [...p]) if (!v && k !== 'district') p.delete(k);
    ctx.navigate(`#/stations?${p}`);
  };
  form.addEventListener('submit', (ev) => { ev.preventDefault(); go(1); });
  main.append(form);

  const b = list.body;
  const pages = Math.max(1, Math.ceil(b.total / b.per_page));
  main.append(h('p', { class: 'count', role: 'status' }, t('stCount', { n: b.total, page: b.page, pages })));
  const mapEl = h('div', { class: 'map', role: 'region', 'aria-label': t('stMapLabel') });
  main.append(mapEl);
  main.append(b.stations.length ? table([
    { label: t('stCode'), cell: (s) => h('a', { href: `#/stations/${s.id}` }, s.code) },
    { label: t('stName'), cell: (s) => s.name },
    { label: t('stDistrict'), cell: (s) => s.district.name },
    { label: t('stStatus'), cell: (s) => h('span', { class: `badge ${s.status === 'open' ? 'ok' : s.status === 'closed_temp' ? 'bad' : ''}` }, t('status')[s.status] || s.status) },
    { label: t('stTier'), cell: (s) => t('tier')[s.tier] || s.tier },
    { label: t('stPartner'), cell: (s) => [t('partner')[s.partner_kind] || s.partner_kind, s.partner_name ? ` · ${s.partner_name}` : ''] },
  ], b.stations, { label: t('stTitle'), caption: t('stTitle'), rowAttrs: (s) => ({ 'data-id': s.id }) }) : h('p', null, t('empty')));
  main.append(h('nav', { class: 'pager', 'aria-label': t('stCount', { n: b.total, page: b.page, pages }) },
    h('button', { type: 'button', class: 'btn', disabled: b.page <= 1, onclick: () => go(b.page - 1) }, t('prev')),
    h('span', null, `${b.page} / ${pages}`),
    h('button', { type: 'button', class: 'btn', disabled: b.page >= pages, onclick: () => go(b.page + 1) }, t('next'))));

  const map = makeMap(mapEl, CENTRE, 11);
  const pts = [];
  for (const s of b.stations) {
    const m = L.circleMarker([s.lat, s.lon], { radius: 7, color: '#fff', weight: 2, fillColor: s.status === 'open' ? '#0b5cad' : '#8a1c1c', fillOpacity: 1 })
      .bindTooltip(s.name).on('click', () => ctx.navigate(`#/stations/${s.id}`));
    m.addTo(map);
    pts.push([s.lat, s.lon]);
  }
  if (pts.length) map.fitBounds(L.latLngBounds(pts).pad(0.15), { animate: false, maxZoom: 15 });
  return () => map.remove();
}

// --- the editor ------------------------------------------------------------------------------
async function renderEditor(main, ctx, id) {
  const [facilities, districts] = await Promise.all([
    get('/api/v1/facilities').then((r) => r.body.facilities || r.body),
    get('/api/v1/districts').then((r) => r.body.districts || r.body),
  ]);
  let st = null, version = null;
  if (id) {
    const r = await get(`/api/v1/stations/${encodeURIComponent(id)}`);
    st = r.body;
    version = st.version;
  }
  const may = rights(ctx, st);
  const ro = !may.edit;
  main.append(pageHead(!st ? t('stNew') : ro ? t('stView') : t('stEdit'),
    h('a', { class: 'btn', href: '#/stations' }, t('back'))));
  if (ro) main.append(h('p', { class: 'note', role: 'note' }, t('stReadOnly')));
  const meta = h('p', { class: 'muted' });

  const inp = (name, attrs = {}) => h('input', { name, ...attrs });
  const f = {
    code: inp('code', { maxlength: 32, required: true, autocapitalize: 'none' }),
    name: inp('name', { maxlength: 100, required: true }),
    address: inp('address', { maxlength: 200 }),
    district_code: select(districts.map((d) => [d.code, `${d.name} ${d.code}`]), '', { name: 'district_code' }),
    tier: select(TIERS.map((x) => [x, t('tier')[x]]), 'basic', { name: 'tier' }),
    partner_kind: select(PARTNERS.map((x) => [x, t('partner')[x]]), 'other', { name: 'partner_kind' }),
    partner_name: inp('partner_name', { maxlength: 100 }),
    phone: inp('phone', { type: 'tel', maxlength: 40 }),
    seats: inp('seats', { type: 'number', min: 0, max: 100000, inputmode: 'numeric' }),
    batch: select([['', t('stBatchNone')], ...BATCHES.map((x) => [x, t('batch')[x]])], '', { name: 'batch' }),
    livelihood: inp('livelihood', { type: 'checkbox' }),
    status: select(STATUSES.map((x) => [x, t('status')[x]]), 'open', { name: 'status' }),
    opening_hours: inp('opening_hours', { maxlength: 255, autocomplete: 'off', spellcheck: 'false', autocapitalize: 'none' }),
    closed_reason: inp('closed_reason', { maxlength: 200 }),
    closed_until: inp('closed_until', { type: 'datetime-local' }),
    datum: select(['wgs84', 'gcj02', 'bd09'].map((d) => [d, t('datum')[d]]), 'wgs84', { name: 'datum' }),
    lat: inp('lat', { type: 'text', inputmode: 'decimal', maxlength: 20 }),
    lon: inp('lon', { type: 'text', inputmode: 'decimal', maxlength: 20 }),
  };
  const facBoxes = facilities.map((x) => h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'facility', value: x.code }), ' ', vocab(x)));
  const mapBoxes = MAPS.map((m) => h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'online_map', value: m }), ' ', t('mapName')[m]));

  // position state: WGS-84 [lat, lon]; `typed` when the fields hold what the user typed
  let pos = null, posTouched = false, typed = false;
  const weekEl = h('table', { class: 'week' });
  const nowEl = h('p', { class: 'open-now', role: 'status', 'aria-live': 'polite' });
  let hoursState = { valid: true, value: '' };

  const closure = h('fieldset', { class: 'card closure' }, h('legend', null, t('stClosure')),
    field(t('stClosedReason'), f.closed_reason, { name: 'closed_reason' }),
    field(t('stClosedUntil'), f.closed_until, { name: 'closed_until', hint: t('stClosedUntilHint') }));
  const mapEl = h('div', { class: 'map pick', role: 'region', 'aria-label': t('stPickMap') });

  const facHintId = newId('fac');
  const fs = h('fieldset', { class: 'plain', disabled: ro },
    h('div', { class: 'grid' },
      field(t('stCode'), f.code, { name: 'code', required: true }),
      field(t('stName'), f.name, { name: 'name', required: true }),
      field(t('stAddress'), f.address, { name: 'address', wide: true }),
      field(t('stDistrict'), f.district_code, { name: 'district_code', required: true }),
      field(t('stTier'), f.tier, { name: 'tier' }),
      field(t('stPartner'), f.partner_kind, { name: 'partner_kind' }),
      field(t('stPartnerName'), f.partner_name, { name: 'partner_name' }),
      field(t('stPhone'), f.phone, { name: 'phone' }),
      field(t('stSeats'), f.seats, { name: 'seats' }),
      field(t('stBatch'), f.batch, { name: 'batch' }),
      h('div', { class: 'field' }, h('label', { class: 'check' }, f.livelihood, ' ', t('stLivelihood')))),
    h('fieldset', { class: 'checks', 'data-field': 'facilities', 'aria-describedby': facHintId }, h('legend', null, t('stFacilities')), facBoxes,
      h('div', { class: 'err', id: facHintId, hidden: true })),
    h('fieldset', { class: 'checks', 'data-field': 'online_maps' }, h('legend', null, t('stOnMaps')), mapBoxes),
    h('h2', null, t('stPosition')),
    h('div', { class: 'grid' },
      field(t('stDatum'), f.datum, { name: 'crs', wide: true }),
      field(t('stLat'), f.lat, { name: 'lat' }),
      field(t('stLon'), f.lon, { name: 'lon' })),
    h('p', { class: 'muted' }, t('stMapPick')),
    mapEl,
    h('h2', null, t('stHours')),
    field(t('stHours'), f.opening_hours, { name: 'opening_hours', hint: t('stHoursHint'), wide: true }),
    nowEl,
    h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': t('stWeek') }, weekEl),
    field(t('stStatus'), f.status, { name: 'status' }),
    closure);

  const saveBtn = h('button', { type: 'submit', class: 'btn primary' }, t('save'));
  const delBtn = st && may.del ? h('button', { type: 'button', class: 'btn danger' }, t('delete')) : null;
  const scrOut = h('div', { class: 'screen-link', role: 'status' });
  const scrBtn = st && !ro ? h('button', { type: 'button', class: 'btn small', id: 'screen-key' }, t('scrBtn')) : null;
  if (scrBtn) {
    scrBtn.addEventListener('click', async () => {
      if (!(await confirmDialog(t('scrAsk'), t('scrMake')))) return;
      await busy(scrBtn, async () => {
        try {
          const { body } = await post(`/api/v1/stations/${encodeURIComponent(st.code)}/screen-key`, {});
          const id = newId('scr');
          scrOut.replaceChildren(h('label', { for: id }, t('scrLink')),
            h('input', { id, type: 'text', readonly: true, value: body.url, class: 'wide', spellcheck: 'false' }),
            h('p', { class: 'muted' }, t('scrOnce')));
        } catch (e) {
          scrOut.replaceChildren(h('p', { class: 'error' }, e instanceof ApiError ? e.text() : String(e)));
        }
      });
    });
  }
  const form = h('form', { class: 'station-editor', novalidate: true }, meta, fs,
    ro ? null : h('div', { class: 'row actions' }, saveBtn, delBtn, scrBtn), scrBtn ? scrOut : null);
  main.append(form);

  // --- the map
  const map = makeMap(mapEl, CENTRE, 15);
  const icon = L.divIcon({ className: 'pick-marker', iconSize: [28, 28], iconAnchor: [14, 28] });
  const marker = L.marker(CENTRE, { icon, draggable: !ro, keyboard: true, title: t('stPosition'), alt: t('stPosition') });
  const showFields = () => {
    if (!pos) { f.lat.value = f.lon.value = ''; return; }
    const [la, lo] = fromWgs(pos, f.datum.value);
    f.lat.value = la.toFixed(7);
    f.lon.value = lo.toFixed(7);
  };
  const place = (wgs, fromMap) => {
    pos = wgs;
    marker.setLatLng(wgs);
    if (!map.hasLayer(marker)) marker.addTo(map);
    if (fromMap) { typed = false; showFields(); }
  };
  marker.on('dragend', () => { const ll = marker.getLatLng(); posTouched = true; place([ll.lat, ll.lng], true); });
  if (!ro) map.on('click', (e) => { posTouched = true; place([e.latlng.lat, e.latlng.lng], true); });
  const typedPos = () => {
    const la = Number(f.lat.value), lo = Number(f.lon.value);
    if (f.lat.value.trim() === '' || f.lon.value.trim() === '' || !Number.isFinite(la) || !Number.isFinite(lo) || Math.abs(la) > 90 || Math.abs(lo) > 180) return;
    posTouched = true;
    typed = true;
    place(toWgs([la, lo], f.datum.value), false);
    map.panTo(pos, { animate: false });
  };
  f.lat.addEventListener('input', typedPos);
  f.lon.addEventListener('input', typedPos);
  f.datum.addEventListener('change', () => { typed = false; showFields(); });

  // --- opening hours, previewed by the server's parser (one rule with the search)
  let timer = null, seq = 0;
  const tz = () => (st && st.tz) || 'Asia/Shanghai';
  const drawWeek = (r) => {
    weekEl.replaceChildren(h('caption', { class: 'vh' }, t('stWeek')),
      h('tbody', null, r.week.map((d) => h('tr', null, h('th', { scope: 'row' }, t('day')[d.day]),
        h('td', null, d.intervals.length ? d.intervals.map((iv) => `${iv[0]}–${iv[1]}`).join(', ') : t('none'))))));
  };
  const checkHours = async () => {
    const value = f.opening_hours.value.trim() || '24/7';
    const my = ++seq;
    try {
      const r = (await get('/api/v1/opening-hours', { value, tz: tz() })).body;
      if (my !== seq) return;
      hoursState = { valid: r.valid, value, error: r.error };
      const err = document.getElementById(`${f.opening_hours.id}-err`);
      if (!r.valid) {
        err.textContent = lang() === 'en' ? r.error.message_en : r.error.message;
        err.hidden = false;
        f.opening_hours.setAttribute('aria-invalid', 'true');
        nowEl.textContent = '';
        weekEl.replaceChildren();
        return;
      }
      err.hidden = true;
      f.opening_hours.removeAttribute('aria-invalid');
      drawWeek(r);
      nowEl.replaceChildren(h('strong', { class: r.open_now ? 'is-open' : 'is-closed' }, r.open_now ? t('stOpenNow') : t('stClosedNow')), ' · ',
        r.next_change ? t('stNextChange', { time: fmtTime(r.next_change) }) : t('stNoChange'));
      nowEl.dataset.open = String(r.open_now);
    } catch (e) {
      if (my === seq && e instanceof ApiError && e.field) { hoursState = { valid: false, value, error: e.body }; }
    }
  };
  f.opening_hours.addEventListener('input', () => {
    hoursState = { valid: false, value: null, pending: true };
    clearTimeout(timer);
    timer = setTimeout(checkHours, 300);
  });

  const syncClosure = () => { closure.hidden = f.status.value !== 'closed_temp'; };
  f.status.addEventListener('change', syncClosure);

  // --- fill from the record
  const fill = (s) => {
    st = s;
    version = s ? s.version : null;
    const v = s || { code: '', name: '', address: '', district: { code: (ctx.scopeOf('district_admin') || [])[0] || districts[0].code }, tier: 'basic', partner_kind: 'other', status: 'open', facilities: [], online_maps: [], seats: 0, livelihood: false, lat: CENTRE[0], lon: CENTRE[1] };
    f.code.value = v.code || '';
    f.name.value = v.name || '';
    f.address.value = v.address || '';
    f.district_code.value = v.district.code;
    f.tier.value = v.tier;
    f.partner_kind.value = v.partner_kind;
    f.partner_name.value = v.partner_name || '';
    f.phone.value = v.phone || '';
    f.seats.value = String(v.seats || 0);
    f.batch.value = v.batch || '';
    f.livelihood.checked = !!v.livelihood;
    f.status.value = v.status;
    f.opening_hours.value = v.opening_hours || '';
    f.closed_reason.value = v.closed_reason || '';
    f.closed_until.value = v.closed_until ? localInput(v.closed_until) : '';
    for (const b of fs.querySelectorAll('input[name=facility]')) b.checked = (v.facilities || []).includes(b.value);
    for (const b of fs.querySelectorAll('input[name=online_map]')) b.checked = (v.online_maps || []).includes(b.value);
    posTouched = false;
    typed = false;
    place([v.lat, v.lon], true);
    map.setView([v.lat, v.lon], 16, { animate: false });
    meta.textContent = s ? t('stVersion', { v: s.version, time: fmtTime(s.updated_at) }) : '';
    syncClosure();
    checkHours();
  };
  fill(st);

  const body = () => {
    const b = {
      code: f.code.value.trim(), name: f.name.value.trim(), address: f.address.value.trim(),
      district_code: f.district_code.value, tier: f.tier.value, partner_kind: f.partner_kind.value,
      partner_name: f.partner_name.value.trim(), phone: f.phone.value.trim(),
      seats: f.seats.value === '' ? 0 : Number(f.seats.value), batch: f.batch.value || null,
      livelihood: f.livelihood.checked, status: f.status.value,
      opening_hours: f.opening_hours.value.trim() || null,
      facilities: [...fs.querySelectorAll('input[name=facility]:checked')].map((x) => x.value),
      online_maps: [...fs.querySelectorAll('input[name=online_map]:checked')].map((x) => x.value),
      closed_reason: f.status.value === 'closed_temp' ? f.closed_reason.value.trim() || null : null,
      closed_until: f.status.value === 'closed_temp' && f.closed_until.value ? `${f.closed_until.value}:00+08:00` : null,
    };
    if (!st || posTouched) {
      if (typed) { b.lat = Number(f.lat.value); b.lon = Number(f.lon.value); b.crs = f.datum.value; }
      else { b.lat = Number(pos[0].toFixed(8)); b.lon = Number(pos[1].toFixed(8)); b.crs = 'wgs84'; }
    }
    return b;
  };

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (ro) return;
    clearErrors(form);
    await busy(saveBtn, async () => {
      if (hoursState.pending || hoursState.value !== (f.opening_hours.value.trim() || '24/7')) { clearTimeout(timer); await checkHours(); }
      if (!hoursState.valid) {
        const msg = hoursState.error ? (lang() === 'en' ? hoursState.error.message_en : hoursState.error.message) : '';
        showError(form, { text: () => t('stHoursBad', { msg }), field: 'opening_hours' });
        return;
      }
      try {
        if (st) {
          const r = await patch(`/api/v1/stations/${st.id}`, body(), { ifMatch: version });
          fill(r.body);
          toast(t('saved'));
        } else {
          const r = await post('/api/v1/stations', body());
          toast(t('saved'));
          ctx.navigate(`#/stations/${r.body.id}`);
        }
      } catch (err) {
        if (err instanceof ApiError && err.stale) {
          const r = await get(`/api/v1/stations/${st.id}`);
          fill(r.body);
          showError(form, { text: () => t('stale'), field: null });
          return;
        }
        showError(form, err instanceof ApiError ? err : String(err));
      }
    });
  });
  if (delBtn) {
    delBtn.addEventListener('click', async () => {
      if (!(await confirmDialog(t('stDeleteAsk', { name: st.name }), t('delete')))) return;
      await busy(delBtn, async () => {
        try {
          await del(`/api/v1/stations/${st.id}`, { ifMatch: version });
          toast(t('stDeleted'));
          ctx.navigate('#/stations');
        } catch (err) {
          if (err instanceof ApiError && err.stale) {
            fill((await get(`/api/v1/stations/${st.id}`)).body);
            showError(form, { text: () => t('stale'), field: null });
            return;
          }
          showError(form, err instanceof ApiError ? err : String(err));
        }
      });
    });
  }
  main.querySelector('h1').focus();
  return () => { clearTimeout(timer); map.remove(); };
}

/** An ISO time as a datetime-local value in China Standard Time. */
function localInput(iso) {
  const d = new Date(new Date(iso).getTime() + 8 * 3600 * 1000);
  return d.toISOString().slice(0, 16);
}

export default {
  route: 'stations',
  nav: 'navStations',
  roles: ['city_admin', 'district_admin', 'operator', 'inspector', 'viewer'],
  render(main, ctx) {
    const id = ctx.params[0];
    if (id === 'new') return renderEditor(main, ctx, null);
    if (id) return renderEditor(main, ctx, id);
    return renderList(main, ctx);
  },
};
