// SPDX-License-Identifier: MIT
// views/meals.js - 10-yuan meals (docs/internals/console.md, "Events, meals and the canteen
// screen"): the canteens (a city admin adds one), a canteen's offers of a day with price and
// quota (add one, change the quota or withdraw it with If-Match: PATCH /api/v1/offers/{id}),
// and its orders of a day by status (GET /api/v1/canteens/{id}/orders). Filters live in the
// fragment: #/meals?canteen=3&date=2026-12-03&status=open.
import { get, post, patch, ApiError } from '../api.js';
import { t, addStrings, fmtTime } from '../i18n.js';
import { h, field, pageHead, showError, clearErrors, busy, toast, table, select, confirmDialog, renderWhenCurrent } from '../ui.js';

addStrings({
  'zh-Hans': {
    mlTitle: '十元餐', mlCanteens: '食堂', mlCanteen: '食堂', mlPick: '选择食堂', mlAddress: '地址', mlHours: '订餐时间',
    mlNewCanteen: '新建食堂', mlStationId: '所在驿站 id', mlStationHint: '填驿站 id 时名称、地址、位置可不填（取自驿站）',
    mlName: '名称', mlLat: '纬度（WGS-84）', mlLon: '经度（WGS-84）', mlOpens: '开始订餐', mlCloses: '截止（取餐码过期）',
    mlCanteenCreated: '食堂已创建。', mlOffers: '当天餐品', mlDate: '日期', mlDish: '菜品', mlDishEn: '菜品（英文）', mlPrice: '价格（元）',
    mlQuota: '份数', mlSold: '已订', mlLeft: '剩余', mlNewOffer: '发布餐品', mlOfferCreated: '餐品已发布。', mlSetQuota: '改份数',
    mlWithdraw: '撤下', mlWithdrawAsk: '撤下“{dish}”？撤下后不再接受新订单，已有订单仍可核销。', mlWithdrawn: '已撤下。', mlQuotaSaved: '份数已修改。',
    mlOrders: '订单', mlStatus: '状态', mlWorker: '工友代号', mlOrderedAt: '下单时间', mlRedeemedAt: '核销时间', mlNoOrders: '没有订单。',
    mlNoOffers: '这一天没有餐品。', mlOrdersNote: '工友以匿名代号显示；取餐码不在此列出，须由工友出示。', mlAllStatus: '全部状态',
    mlNoCanteen: '你的账号没有可管理的食堂。',
    ost: { open: '待取餐', redeemed: '已核销', expired: '已过期' },
  },
  'zh-Hant': {
    mlTitle: '十元餐', mlCanteens: '食堂', mlCanteen: '食堂', mlPick: '選擇食堂', mlAddress: '地址', mlHours: '訂餐時間',
    mlNewCanteen: '新建食堂', mlStationId: '所在驛站 id', mlStationHint: '填驛站 id 時名稱、地址、位置可不填（取自驛站）',
    mlName: '名稱', mlLat: '緯度（WGS-84）', mlLon: '經度（WGS-84）', mlOpens: '開始訂餐', mlCloses: '截止（取餐碼過期）',
    mlCanteenCreated: '食堂已建立。', mlOffers: '當天餐品', mlDate: '日期', mlDish: '菜品', mlDishEn: '菜品（英文）', mlPrice: '價格（元）',
    mlQuota: '份數', mlSold: '已訂', mlLeft: '剩餘', mlNewOffer: '發布餐品', mlOfferCreated: '餐品已發布。', mlSetQuota: '改份數',
    mlWithdraw: '撤下', mlWithdrawAsk: '撤下「{dish}」？撤下後不再接受新訂單，已有訂單仍可核銷。', mlWithdrawn: '已撤下。', mlQuotaSaved: '份數已修改。',
    mlOrders: '訂單', mlStatus: '狀態', mlWorker: '工友代號', mlOrderedAt: '下單時間', mlRedeemedAt: '核銷時間', mlNoOrders: '沒有訂單。',
    mlNoOffers: '這一天沒有餐品。', mlOrdersNote: '工友以匿名代號顯示；取餐碼不在此列出，須由工友出示。', mlAllStatus: '全部狀態',
    mlNoCanteen: '你的帳號沒有可管理的食堂。',
    ost: { open: '待取餐', redeemed: '已核銷', expired: '已過期' },
  },
  en: {
    mlTitle: '10-yuan meals', mlCanteens: 'Canteens', mlCanteen: 'Canteen', mlPick: 'Choose a canteen', mlAddress: 'Address', mlHours: 'Ordering hours',
    mlNewCanteen: 'New canteen', mlStationId: 'At station (id)', mlStationHint: 'With a station id, name, address and position may be left out (taken from the station)',
    mlName: 'Name', mlLat: 'Latitude (WGS-84)', mlLon: 'Longitude (WGS-84)', mlOpens: 'Orders open', mlCloses: 'Orders close (codes expire)',
    mlCanteenCreated: 'Canteen created.', mlOffers: 'Offers of the day', mlDate: 'Date', mlDish: 'Dish', mlDishEn: 'Dish (English)', mlPrice: 'Price (yuan)',
    mlQuota: 'Quota', mlSold: 'Ordered', mlLeft: 'Left', mlNewOffer: 'Publish an offer', mlOfferCreated: 'Offer published.', mlSetQuota: 'Set quota',
    mlWithdraw: 'Withdraw', mlWithdrawAsk: 'Withdraw “{dish}”? It takes no new orders; orders already taken can still be redeemed.', mlWithdrawn: 'Withdrawn.', mlQuotaSaved: 'Quota changed.',
    mlOrders: 'Orders', mlStatus: 'Status', mlWorker: 'Worker', mlOrderedAt: 'Ordered at', mlRedeemedAt: 'Redeemed at', mlNoOrders: 'No orders.',
    mlNoOffers: 'No offers that day.', mlOrdersNote: 'Workers appear as pseudonyms; pickup codes are not listed: the worker shows theirs.', mlAllStatus: 'All statuses',
    mlNoCanteen: 'Your account has no canteen to manage.',
    ost: { open: 'To collect', redeemed: 'Redeemed', expired: 'Expired' },
  },
});

function shanghaiDate(days = 0) {
  return new Date(Date.now() + 8 * 3600e3 + days * 86400e3).toISOString().slice(0, 10);
}
const yuan = (cents) => (cents / 100).toFixed(2);
export const statusLabel = (s) => (t('ost') || {})[s] || s;

/** The canteens this user manages: a cashier's own, a district admin's in their districts
 * (by the canteen's station), everyone's for a city admin. */
export async function myCanteens(ctx) {
  const all = (await get('/api/v1/canteens')).body.canteens;
  if (ctx.hasRole('city_admin')) return all;
  const mine = new Set((ctx.scopeOf('canteen') || []).map(String));
  const dists = ctx.scopeOf('district_admin') || [];
  const inDistrict = new Set();
  for (const d of dists) {
    for (let page = 1; page <= 20; page++) {
      const b = (await get('/api/v1/stations', { district: d, per_page: 100, page })).body;
      for (const s of b.stations) inDistrict.add(s.id);
      if (b.stations.length < 100) break;
    }
  }
  return all.filter((c) => mine.has(String(c.id)) || (c.station_id && inDistrict.has(c.station_id)));
}

function canteenForm(ctx) {
  const sid = h('input', { name: 'station_id', type: 'number', min: 1, inputmode: 'numeric' });
  const name = h('input', { name: 'name', maxlength: 100 });
  const addr = h('input', { name: 'address', maxlength: 200 });
  const lat = h('input', { name: 'lat', inputmode: 'decimal' });
  const lon = h('input', { name: 'lon', inputmode: 'decimal' });
  const opens = h('input', { name: 'opens', type: 'time', value: '10:00', required: true });
  const closes = h('input', { name: 'closes', type: 'time', value: '20:00', required: true });
  const btn = h('button', { type: 'submit', class: 'btn primary' }, t('mlNewCanteen'));
  const form = h('form', { class: 'card', novalidate: true, 'aria-labelledby': 'new-canteen-h' },
    h('h2', { id: 'new-canteen-h' }, t('mlNewCanteen')),
    h('div', { class: 'grid' },
      field(t('mlStationId'), sid, { name: 'station_id', hint: t('mlStationHint'), wide: true }),
      field(t('mlName'), name, { name: 'name' }), field(t('mlAddress'), addr, { name: 'address' }),
      field(t('mlLat'), lat, { name: 'lat' }), field(t('mlLon'), lon, { name: 'lon' }),
      field(t('mlOpens'), opens, { name: 'opens', required: true }), field(t('mlCloses'), closes, { name: 'closes', required: true })),
    btn);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    const body = { opens: opens.value, closes: closes.value === '00:00' ? '24:00' : closes.value };
    if (sid.value) body.station_id = Number(sid.value);
    if (name.value.trim()) body.name = name.value.trim();
    if (addr.value.trim()) body.address = addr.value.trim();
    if (lat.value || lon.value) { body.lat = Number(lat.value); body.lon = Number(lon.value); }
    await busy(btn, async () => {
      try {
        const r = await post('/api/v1/canteens', body);
        toast(t('mlCanteenCreated'));
        ctx.navigate(`#/meals?canteen=${r.body.id}`);
      } catch (err) { showError(form, err); }
    });
  });
  return form;
}

function offerForm(ctx, canteenId, date) {
  const d = h('input', { name: 'date', type: 'date', value: date, required: true });
  const dish = h('input', { name: 'dish', maxlength: 100, required: true });
  const dishEn = h('input', { name: 'dish_en', maxlength: 200 });
  const price = h('input', { name: 'price_cents', type: 'number', min: 0, step: '0.01', value: '10', inputmode: 'decimal', required: true });
  const quota = h('input', { name: 'quota', type: 'number', min: 1, value: '50', inputmode: 'numeric', required: true });
  const btn = h('button', { type: 'submit', class: 'btn primary' }, t('mlNewOffer'));
  const form = h('form', { class: 'card', novalidate: true, 'aria-labelledby': 'new-offer-h' },
    h('h2', { id: 'new-offer-h' }, t('mlNewOffer')),
    h('div', { class: 'grid' },
      field(t('mlDate'), d, { name: 'date', required: true }), field(t('mlDish'), dish, { name: 'dish', required: true }),
      field(t('mlDishEn'), dishEn, { name: 'dish_en' }), field(t('mlPrice'), price, { name: 'price_cents', required: true }),
      field(t('mlQuota'), quota, { name: 'quota', required: true })),
    btn);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    const body = { date: d.value, dish: dish.value.trim(), price_cents: Math.round(Number(price.value) * 100), quota: Number(quota.value) };
    if (dishEn.value.trim()) body.dish_en = dishEn.value.trim();
    await busy(btn, async () => {
      try {
        await post(`/api/v1/canteens/${canteenId}/offers`, body);
        toast(t('mlOfferCreated'));
        ctx.navigate(`#/meals?canteen=${canteenId}&date=${d.value}`);
      } catch (err) { showError(form, err); }
    });
  });
  return form;
}

function offerActions(ctx, o, mayWrite) {
  if (!mayWrite) return '';
  const q = h('input', { type: 'number', min: 1, value: String(o.quota), inputmode: 'numeric', 'aria-label': `${t('mlQuota')}: ${o.dish}`, class: 'quota-input', 'data-field': 'quota' });
  const setBtn = h('button', { type: 'button', class: 'btn small', 'data-action': 'set-quota' }, t('mlSetQuota'));
  const wBtn = h('button', { type: 'button', class: 'btn small danger', 'data-action': 'withdraw' }, t('mlWithdraw'));
  const line = h('div', { class: 'err', role: 'alert', hidden: true });
  const fail = (err) => {
    if (err instanceof ApiError && err.stale) { toast(t('stale'), 'bad'); ctx.refresh(); return; }
    line.textContent = err.text ? err.text() : String(err);
    line.hidden = false;
  };
  setBtn.addEventListener('click', () => busy(setBtn, async () => {
    try {
      await patch(`/api/v1/offers/${o.id}`, { quota: Number(q.value) }, { ifMatch: o.version });
      toast(t('mlQuotaSaved'));
      ctx.refresh();
    } catch (err) { fail(err); }
  }));
  wBtn.addEventListener('click', async () => {
    if (!(await confirmDialog(t('mlWithdrawAsk', { dish: o.dish }), t('mlWithdraw')))) return;
    await busy(wBtn, async () => {
      try {
        await patch(`/api/v1/offers/${o.id}`, { withdrawn: true }, { ifMatch: o.version });
        toast(t('mlWithdrawn'));
        ctx.refresh();
      } catch (err) { fail(err); }
    });
  });
  return h('div', { class: 'row' }, q, setBtn, wBtn, line);
}

export default {
  route: 'meals',
  nav: 'navMeals',
  roles: ['city_admin', 'district_admin', 'canteen'],
  render(main, ctx) {
    return renderWhenCurrent(main, (box) => renderMeals(box, ctx));
  },
};

async function renderMeals(main, ctx) {
  const q = ctx.query;
  const canteens = await myCanteens(ctx);
  const date = q.get('date') || shanghaiDate(0);
  const status = q.get('status') || '';
  let cid = q.get('canteen') || '';
  if (!cid && canteens.length === 1) cid = String(canteens[0].id);
  const cur = canteens.find((c) => String(c.id) === cid) || null;
  const setQuery = (k, v) => {
    const nq = new URLSearchParams(q);
    if (v) nq.set(k, v); else nq.delete(k);
    ctx.navigate(`#/meals?${nq}`);
  };

  main.append(pageHead(t('mlTitle')));
  if (!canteens.length) main.append(h('p', { class: 'note' }, t('mlNoCanteen')));
  else {
    main.append(h('h2', null, t('mlCanteens')), table([
      { label: t('mlName'), cell: (c) => h('a', { href: `#/meals?canteen=${c.id}&date=${date}`, 'aria-current': String(c.id) === cid ? 'true' : null }, c.name) },
      { label: t('mlAddress'), cell: (c) => c.address },
      { label: t('mlHours'), cell: (c) => `${c.opens}–${c.closes}` },
    ], canteens, { label: t('mlCanteens'), caption: t('mlCanteens') }));
  }
  if (ctx.hasRole('city_admin')) main.append(canteenForm(ctx));
  if (!cur) return;

  const mayWrite = ctx.hasRole('city_admin', 'canteen') && (ctx.hasRole('city_admin') || (ctx.scopeOf('canteen') || []).map(String).includes(cid));
  const dateIn = h('input', { type: 'date', name: 'date', value: date, onchange: (e) => setQuery('date', e.target.value) });
  const stSel = select([['', t('mlAllStatus')], ...['open', 'redeemed', 'expired'].map((s) => [s, statusLabel(s)])], status,
    { name: 'status', onchange: (e) => setQuery('status', e.target.value) });
  main.append(h('h2', { class: 'canteen-name' }, cur.name),
    h('div', { class: 'filters' }, field(t('mlDate'), dateIn), field(t('mlStatus'), stSel)));

  const offers = (await get('/api/v1/offers', { date })).body.offers.filter((o) => o.canteen_id === cur.id);
  main.append(h('h3', null, t('mlOffers')), offers.length ? table([
    { label: t('mlDish'), cell: (o) => o.dish },
    { label: t('mlPrice'), cell: (o) => yuan(o.price_cents) },
    { label: t('mlQuota'), cell: (o) => String(o.quota) },
    { label: t('mlSold'), cell: (o) => String(o.sold) },
    { label: t('mlLeft'), cell: (o) => String(o.remaining) },
    { label: t('actions'), cell: (o) => offerActions(ctx, o, mayWrite) },
  ], offers, { label: t('mlOffers'), caption: t('mlOffers'), rowAttrs: (o) => ({ 'data-offer': o.id }) }) : h('p', null, t('mlNoOffers')));
  if (mayWrite) main.append(offerForm(ctx, cur.id, date));

  const orders = (await get(`/api/v1/canteens/${cur.id}/orders`, { date, status })).body;
  main.append(h('h3', null, t('mlOrders'), ` (${orders.count})`), h('p', { class: 'muted' }, t('mlOrdersNote')),
    orders.count ? table([
      { label: t('mlWorker'), cell: (r) => r.worker },
      { label: t('mlDish'), cell: (r) => r.offer.dish },
      { label: t('mlStatus'), cell: (r) => h('span', { class: `badge${r.status === 'redeemed' ? ' ok' : r.status === 'expired' ? ' bad' : ''}` }, statusLabel(r.status)) },
      { label: t('mlOrderedAt'), cell: (r) => fmtTime(r.created_at) },
      { label: t('mlRedeemedAt'), cell: (r) => (r.redeemed_at ? fmtTime(r.redeemed_at) : '') },
    ], orders.orders, { label: t('mlOrders'), caption: t('mlOrders') }) : h('p', null, t('mlNoOrders')));
}
