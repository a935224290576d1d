// SPDX-License-Identifier: MIT
// inspect.js - the experience officer's pages of the worker app: /inspect (become an officer
// by showing the union a code; pick a station) and /inspect/{station code} (check in, then
// the shared inspection form, ../shared/inspect-form.js, which keeps the draft on the phone
// and sends it when the network returns). docs/internals/console.md, "The inspection form".
import { workerToken } from './api.js';
import { lang } from './i18n.js';
import { inspectForm, draftFor, flush, inspectLabel } from '../shared/inspect-form.js';

const STR = {
  'zh-Hans': {
    title: '体验官检查', notOfficer: '你还不是体验官。体验官由工会任命：获取任命码，出示给工会工作人员，由其在管理后台输入。',
    getCode: '获取任命码', yourCode: '你的任命码', expires: '有效至 {t}', appointed: '我已被任命', pickStation: '驿站编号',
    open: '开始检查', checkFirst: '提交前请先在本站签到：签到是你到场的证明。', checkin: '在本站签到',
    checkedIn: '已签到', offline: '没有网络：已显示保存在手机上的内容。', stationUnknown: '没有这个驿站的资料（需要先联网打开一次）。',
    back: '返回驿站', again: '开始新的检查', toInspect: '体验官检查',
  },
  'zh-Hant': {
    title: '體驗官檢查', notOfficer: '你還不是體驗官。體驗官由工會任命：取得任命碼，出示給工會工作人員，由其在管理後台輸入。',
    getCode: '取得任命碼', yourCode: '你的任命碼', expires: '有效至 {t}', appointed: '我已被任命', pickStation: '驛站編號',
    open: '開始檢查', checkFirst: '提交前請先在本站簽到：簽到是你到場的證明。', checkin: '在本站簽到',
    checkedIn: '已簽到', offline: '沒有網路：已顯示儲存在手機上的內容。', stationUnknown: '沒有這個驛站的資料（需要先連網開啟一次）。',
    back: '返回驛站', again: '開始新的檢查', toInspect: '體驗官檢查',
  },
  en: {
    title: 'Experience officer inspection', notOfficer: 'You are not an experience officer yet. The union appoints officers: get a code and show it to the union\'s staff, who enter it in the console.',
    getCode: 'Get an appointment code', yourCode: 'Your appointment code', expires: 'valid until {t}', appointed: 'I have been appointed', pickStation: 'Station code',
    open: 'Start the inspection', checkFirst: 'Check in at this station before submitting: the check-in proves you were there.', checkin: 'Check in here',
    checkedIn: 'Checked in', offline: 'No network: showing what is kept on this phone.', stationUnknown: 'This station is not kept on this phone (open it once with network).',
    back: 'Back to the station', again: 'Start a new inspection', toInspect: 'Inspect (experience officer)',
  },
};
export function it(key, vars) {
  let s = (STR[lang()] || STR['zh-Hans'])[key] ?? STR['zh-Hans'][key] ?? key;
  if (vars) s = s.replace(/\{(\w+)\}/g, (_, k) => String(vars[k] ?? ''));
  return s;
}

const keep = {
  get(k) { try { return JSON.parse(localStorage.getItem(`yz.insp.${k}`)); } catch { return null; } },
  set(k, v) { try { localStorage.setItem(`yz.insp.${k}`, JSON.stringify(v)); } catch { /* full */ } },
};

/** The form module's transport: the worker token as a bearer; a network failure throws
 * {offline}; any HTTP answer resolves {status, body}. */
export async function send(method, path, { json, blob } = {}) {
  const tok = await workerToken();
  const headers = { Authorization: `Bearer ${tok}` };
  let body;
  if (json !== undefined) { headers['Content-Type'] = 'application/json'; body = JSON.stringify(json); }
  if (blob) { headers['Content-Type'] = blob.type || 'image/jpeg'; body = blob; }
  let res;
  try {
    res = await fetch(path, { method, headers, body, cache: 'no-store' });
  } catch {
    const e = new Error('offline');
    e.offline = true;
    throw e;
  }
  let data = null;
  try { data = await res.json(); } catch { data = null; }
  return { status: res.status, body: data };
}

/** Whether this worker is an officer: asked when online, remembered for offline use. */
export async function isOfficer() {
  if (!localStorage.getItem('yz.token')) return false; // no token yet: not one (and none made here)
  try {
    const r = await send('GET', '/api/v1/officer');
    if (r.status === 200) { keep.set('officer', !!r.body.officer); return !!r.body.officer; }
  } catch { /* offline: what we knew */ }
  return !!keep.get('officer');
}

async function getJson(path, key) {
  try {
    const r = await send('GET', path);
    if (r.status === 200) { keep.set(key, r.body); return { body: r.body, status: 200 }; }
    return { body: null, status: r.status };
  } catch {
    return { body: keep.get(key), status: 0, offline: true };
  }
}

/** Send what is queued, and tell `after` (the page redraws its state line). */
export function startSync(after) {
  const run = () => flush('officer', send).then((sent) => { if (sent.length && after) after(sent); }).catch(() => {});
  window.addEventListener('online', run);
  run();
  return run;
}

export async function renderInspect(main, h, code, go) {
  const title = h('h1', { tabindex: '-1' }, it('title'));
  main.replaceChildren(title, h('p', { class: 'loading', role: 'status' }, '…'));
  if (!(await isOfficer())) {
    const out = h('div', { class: 'officer-code', role: 'status' });
    const btn = h('button', { type: 'button', class: 'btn primary', id: 'officer-code-btn' }, it('getCode'));
    btn.addEventListener('click', async () => {
      btn.disabled = true;
      try {
        const r = await send('POST', '/api/v1/officers/code');
        if (r.status === 201) {
          out.replaceChildren(h('p', null, it('yourCode')), h('p', { class: 'code-big', id: 'officer-code' }, r.body.code),
            h('p', { class: 'muted' }, it('expires', { t: r.body.expires_at.slice(11, 16) })));
        } else out.replaceChildren(h('p', { class: 'msg error' }, (r.body && (lang() === 'en' ? r.body.message_en : r.body.message)) || String(r.status)));
      } catch { out.replaceChildren(h('p', { class: 'msg error' }, it('offline'))); }
      btn.disabled = false;
    });
    const again = h('button', { type: 'button', class: 'btn', id: 'officer-recheck', onclick: () => renderInspect(main, h, code, go) }, it('appointed'));
    main.replaceChildren(title, h('p', null, it('notOfficer')), h('p', { class: 'msg-actions' }, btn, again), out);
    return;
  }
  if (!code) {
    const inp = h('input', { id: 'insp-code', name: 'code', autocomplete: 'off', required: true });
    const f = h('form', { class: 'card' }, h('label', { for: 'insp-code' }, it('pickStation')), inp,
      h('button', { type: 'submit', class: 'btn primary' }, it('open')));
    f.addEventListener('submit', (ev) => { ev.preventDefault(); if (inp.value.trim()) go(`/inspect/${encodeURIComponent(inp.value.trim())}`); });
    main.replaceChildren(title, f);
    return;
  }
  const [st, cls] = await Promise.all([getJson(`/api/v1/stations/${encodeURIComponent(code)}`, `station.${code}`),
    getJson('/api/v1/checklists', 'checklists')]);
  if (!st.body || !cls.body) {
    main.replaceChildren(title, h('p', { class: 'msg error', role: 'alert' }, it('stationUnknown')));
    return;
  }
  const s = { id: st.body.id, code: st.body.code, name: st.body.name };
  const d = await draftFor('officer', s);
  const cmsg = h('p', { class: 'checkin-msg', role: 'status' });
  const checkinBtn = () => {
    const b = h('button', { type: 'button', class: 'btn primary', 'data-checkin': true }, it('checkin'));
    b.addEventListener('click', async () => {
      b.disabled = true;
      try {
        const r = await send('POST', '/api/v1/visits', { json: { station_code: s.code } });
        cmsg.textContent = r.status < 300 ? it('checkedIn') : ((r.body && r.body.message) || String(r.status));
      } catch { cmsg.textContent = it('offline'); }
      b.disabled = false;
    });
    return b;
  };
  let form;
  const onSent = () => {
    form.after(h('p', null, h('a', { class: 'btn', href: `/inspect/${encodeURIComponent(s.code)}`, 'data-link': true, id: 'insp-again' }, it('again'))));
  };
  form = inspectForm(d, {
    scope: 'officer', send, lang, checklists: cls.body.checklists.filter((c) => c.active),
    onSent, presence: () => h('p', null, checkinBtn()),
  });
  main.replaceChildren(...[
    h('p', { class: 'back' }, h('a', { href: `/station/${encodeURIComponent(s.code)}`, 'data-link': true }, `← ${it('back')}`)),
    title, h('p', { class: 'addr' }, s.name),
    st.offline ? h('p', { class: 'msg warn' }, it('offline')) : null,
    h('section', { class: 'card checkin', 'aria-label': it('checkin') }, h('p', null, it('checkFirst')), checkinBtn(), cmsg),
    form].filter(Boolean));
  startSync.current = () => form.refresh && form.refresh();
}

export { inspectLabel };
