// SPDX-License-Identifier: MIT
// views/canteen.js - the canteen screen for a cashier's phone (docs/internals/console.md,
// "Events, meals and the canteen screen"): pick the canteen (remembered), type the pickup
// code (large, upper case, the server's alphabet) or scan it where the browser has a
// BarcodeDetector, see the order first (GET /api/v1/canteens/{id}/orders?pickup_code=), then
// redeem it with one big button (POST /api/v1/canteens/{id}/redeem).
import { get, post, ApiError } from '../api.js';
import { t, addStrings, fmtTime } from '../i18n.js';
import { h, field, pageHead, showError, clearErrors, busy, select, renderWhenCurrent } from '../ui.js';
import { myCanteens, statusLabel } from './meals.js';

// The server's alphabet (store/meals.h YZ_PICKUP_ALPHABET): no 0/O, 1/I/L.
const ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';
const CODE_LEN = 6;
const KEY = 'yz.admin.canteen';

addStrings({
  'zh-Hans': {
    ctTitle: '核销取餐码', ctCanteen: '在哪个食堂', ctCode: '取餐码', ctCodeHint: '6 位，字母不分大小写；没有 0、O、1、I、L',
    ctLookup: '查看订单', ctScan: '扫码', ctScanStop: '停止扫码', ctScanning: '请把取餐码二维码对准摄像头…', ctNoCamera: '无法使用摄像头：{msg}',
    ctRedeem: '确认核销', ctRedeemed: '已核销 {time}', ctAlready: '此码已于 {time} 核销过，不能再次取餐。', ctExpired: '此订单已过期（{time} 截止），不能取餐。',
    ctOtherDay: '这是 {date} 的订单，不是今天的，不能取餐。', ctNotHere: '本食堂没有这个取餐码的订单（可能是别的食堂或输错了）。',
    ctBadCode: '取餐码须为 6 位，只含 2–9 和除 I、L、O 外的字母。', ctOrder: '订单', ctFor: '工友', ctDate: '日期', ctDish: '菜品', ctPrice: '价格',
    ctStatus: '状态', ctNext: '下一位', ctNoCanteen: '你的账号没有可核销的食堂。', ctYuan: '{v} 元',
  },
  'zh-Hant': {
    ctTitle: '核銷取餐碼', ctCanteen: '在哪個食堂', ctCode: '取餐碼', ctCodeHint: '6 位，字母不分大小寫；沒有 0、O、1、I、L',
    ctLookup: '查看訂單', ctScan: '掃碼', ctScanStop: '停止掃碼', ctScanning: '請把取餐碼二維碼對準鏡頭…', ctNoCamera: '無法使用鏡頭：{msg}',
    ctRedeem: '確認核銷', ctRedeemed: '已核銷 {time}', ctAlready: '此碼已於 {time} 核銷過，不能再次取餐。', ctExpired: '此訂單已過期（{time} 截止），不能取餐。',
    ctOtherDay: '這是 {date} 的訂單，不是今天的，不能取餐。', ctNotHere: '本食堂沒有這個取餐碼的訂單（可能是別的食堂或輸錯了）。',
    ctBadCode: '取餐碼須為 6 位，只含 2–9 和除 I、L、O 外的字母。', ctOrder: '訂單', ctFor: '工友', ctDate: '日期', ctDish: '菜品', ctPrice: '價格',
    ctStatus: '狀態', ctNext: '下一位', ctNoCanteen: '你的帳號沒有可核銷的食堂。', ctYuan: '{v} 元',
  },
  en: {
    ctTitle: 'Redeem pickup codes', ctCanteen: 'Canteen', ctCode: 'Pickup code', ctCodeHint: '6 characters, any case; no 0, O, 1, I, L',
    ctLookup: 'Show the order', ctScan: 'Scan', ctScanStop: 'Stop scanning', ctScanning: 'Hold the pickup code’s QR code to the camera…', ctNoCamera: 'The camera cannot be used: {msg}',
    ctRedeem: 'Redeem', ctRedeemed: 'Redeemed at {time}', ctAlready: 'Already redeemed at {time}: no second meal.', ctExpired: 'This order expired at {time}: no meal.',
    ctOtherDay: 'This order is for {date}, not today: no meal.', ctNotHere: 'No order with this code at this canteen (another canteen’s, or mistyped).',
    ctBadCode: 'A pickup code is 6 characters: 2–9 and letters other than I, L, O.', ctOrder: 'Order', ctFor: 'Worker', ctDate: 'Date', ctDish: 'Dish', ctPrice: 'Price',
    ctStatus: 'Status', ctNext: 'Next', ctNoCanteen: 'Your account has no canteen to redeem at.', ctYuan: '{v} yuan',
  },
});

function shanghaiDate() {
  return new Date(Date.now() + 8 * 3600e3).toISOString().slice(0, 10);
}
const hhmm = (iso) => fmtTime(iso, false);
/** Upper case, spaces and dashes dropped: what the server normalises too. */
const clean = (v) => String(v || '').toUpperCase().replace(/[\s-]/g, '');
const validCode = (c) => c.length === CODE_LEN && [...c].every((ch) => ALPHABET.includes(ch));

export default {
  route: 'canteen',
  nav: 'navCanteen',
  roles: ['canteen', 'city_admin'],
  render(main, ctx) {
    return renderWhenCurrent(main, (box) => renderScreen(box, ctx));
  },
};

async function renderScreen(main, ctx) {
  const canteens = await myCanteens(ctx);
  main.append(pageHead(t('ctTitle')));
  if (!canteens.length) { main.append(h('p', { class: 'note' }, t('ctNoCanteen'))); return undefined; }
  const saved = localStorage.getItem(KEY);
  let cid = ctx.query.get('c') || saved || '';
  if (!canteens.some((c) => String(c.id) === cid)) cid = String(canteens[0].id);
  const picker = canteens.length > 1
    ? select(canteens.map((c) => [String(c.id), c.name]), cid, { name: 'canteen' })
    : null;
  if (picker) {
    picker.addEventListener('change', () => {
      localStorage.setItem(KEY, picker.value);
      ctx.navigate(`#/canteen?c=${picker.value}`);
    });
  }
  localStorage.setItem(KEY, cid);
  const cur = canteens.find((c) => String(c.id) === cid);

  const code = h('input', {
    name: 'pickup_code', class: 'code-input', maxlength: 12, autocomplete: 'off', autocapitalize: 'characters',
    spellcheck: 'false', inputmode: 'text', enterkeyhint: 'search', required: true, autofocus: true,
  });
  code.addEventListener('input', () => {
    const pos = code.selectionStart;
    code.value = code.value.toUpperCase();
    code.setSelectionRange(pos, pos);
  });
  const lookBtn = h('button', { type: 'submit', class: 'btn primary big' }, t('ctLookup'));
  const scanBtn = 'BarcodeDetector' in window
    ? h('button', { type: 'button', class: 'btn big', 'data-action': 'scan' }, t('ctScan')) : null;
  const form = h('form', { class: 'card canteen-form', novalidate: true },
    picker ? field(t('ctCanteen'), picker, { name: 'canteen' }) : h('p', { class: 'canteen-name' }, h('strong', null, cur.name)),
    field(t('ctCode'), code, { name: 'pickup_code', hint: t('ctCodeHint') }),
    h('div', { class: 'row' }, lookBtn, scanBtn));
  const result = h('div', { class: 'result', 'aria-live': 'polite' });
  const video = h('video', { class: 'scan-video', playsinline: true, muted: true, hidden: true });
  main.append(form, video, result);

  let stream = null;
  let timer = null;
  const stopScan = () => {
    if (timer) { clearInterval(timer); timer = null; }
    if (stream) { for (const tr of stream.getTracks()) tr.stop(); stream = null; }
    video.hidden = true;
    if (scanBtn) scanBtn.textContent = t('ctScan');
  };

  function orderCard(o, extra) {
    return h('div', { class: `card order ${o.status}` },
      h('h2', null, t('ctOrder'), ' #', String(o.order_id)),
      h('dl', { class: 'facts' },
        h('dt', null, t('ctDish')), h('dd', { class: 'dish' }, o.offer.dish),
        h('dt', null, t('ctPrice')), h('dd', null, t('ctYuan', { v: (o.offer.price_cents / 100).toFixed(2) })),
        h('dt', null, t('ctFor')), h('dd', { class: 'worker' }, o.worker),
        h('dt', null, t('ctDate')), h('dd', { class: 'date' }, o.date),
        h('dt', null, t('ctStatus')), h('dd', { class: 'status' }, statusLabel(o.status))),
      extra);
  }
  const say = (cls, text) => h('p', { class: cls, role: cls === 'alert' ? 'alert' : 'status' }, text);
  const next = () => h('button', { type: 'button', class: 'btn big', onclick: () => { result.replaceChildren(); code.value = ''; code.focus(); } }, t('ctNext'));

  async function lookup(c) {
    clearErrors(form);
    if (!validCode(c)) { showError(form, { text: () => t('ctBadCode'), field: 'pickup_code' }); return; }
    let b;
    try {
      b = (await get(`/api/v1/canteens/${cur.id}/orders`, { pickup_code: c })).body;
    } catch (err) { showError(form, err); return; }
    const today = shanghaiDate();
    // the order a redeem would find: the latest with the code, on any day
    const o = b.orders.length ? b.orders[0] : null;
    if (!o) { result.replaceChildren(say('alert', t('ctNotHere'))); return; }
    if (o.status === 'redeemed') { result.replaceChildren(orderCard(o, say('alert', t('ctAlready', { time: hhmm(o.redeemed_at) }))), next()); return; }
    if (o.date !== today) { result.replaceChildren(orderCard(o, say('alert', t('ctOtherDay', { date: o.date }))), next()); return; }
    if (o.status === 'expired') { result.replaceChildren(orderCard(o, say('alert', t('ctExpired', { time: hhmm(o.expires_at) }))), next()); return; }
    const redeemBtn = h('button', { type: 'button', class: 'btn primary huge', 'data-action': 'redeem' }, t('ctRedeem'));
    redeemBtn.addEventListener('click', () => busy(redeemBtn, async () => {
      try {
        const r = (await post(`/api/v1/canteens/${cur.id}/redeem`, { pickup_code: c })).body;
        result.replaceChildren(orderCard({ ...o, status: r.status, redeemed_at: r.redeemed_at },
          say('ok-note big-note', t('ctRedeemed', { time: hhmm(r.redeemed_at) }))), next());
      } catch (err) {
        if (err instanceof ApiError && err.status === 409) { await lookup(c); return; } // redeemed meanwhile, or expired
        result.replaceChildren(orderCard(o, say('alert', err.text ? err.text() : String(err))));
      }
    }));
    result.replaceChildren(orderCard(o, redeemBtn));
    redeemBtn.focus();
  }

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    stopScan();
    return busy(lookBtn, () => lookup(clean(code.value)));
  });

  if (scanBtn) {
    scanBtn.addEventListener('click', async () => {
      if (stream) { stopScan(); return; }
      try {
        // eslint-disable-next-line no-undef
        const detector = new BarcodeDetector({ formats: ['qr_code', 'code_128'] });
        stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' }, audio: false });
        video.srcObject = stream;
        video.hidden = false;
        await video.play();
        scanBtn.textContent = t('ctScanStop');
        result.replaceChildren(say('note', t('ctScanning')));
        timer = setInterval(async () => {
          if (!stream || video.readyState < 2) return;
          const found = await detector.detect(video).catch(() => []);
          for (const f of found) {
            const m = clean(f.rawValue).match(new RegExp(`[${ALPHABET}]{${CODE_LEN}}`));
            if (m) { stopScan(); code.value = m[0]; await lookup(m[0]); return; }
          }
        }, 300);
      } catch (err) {
        stopScan();
        result.replaceChildren(say('alert', t('ctNoCamera', { msg: err && err.message ? err.message : String(err) })));
      }
    });
  }
  return stopScan;
}
