// SPDX-License-Identifier: MIT
// inspect-form.js - the inspection form, shared by the worker app (experience officers,
// /inspect) and the console (staff inspectors, #/inspections/new): pick the checklist, per
// criterion a pass/fail toggle or a 0-100 score, a note and photos, the running score per
// dimension, Submit. It works without signal: every change is saved to IndexedDB under the
// draft's client_id (photos as Blobs); a submit without network queues the draft, and
// flush() (on `online` and at start) uploads its photos, creates the inspection with its
// client_id and submits the whole form. The server's idempotency (client_id; a second submit
// answers the same) makes a retry after a lost answer record it once. A 4xx keeps the draft
// and says why. docs/internals/console.md, "The inspection form".
//
// The app gives: `send(method, path, {json, blob})` resolving {status, body} for any HTTP
// answer and throwing an Error with `.offline` when there is no network; `lang()`; the
// `scope` ('officer' or 'staff') that picks the routes and keeps the two apps' drafts apart.

const STR = {
  'zh-Hans': {
    checklist: '检查清单', kind: '检查类型', kindOf: { open: '公开检查', secret: '暗访', experience_officer: '体验官' },
    pass: '通过', fail: '不通过', score: '得分（0–100）', note: '备注', photos: '照片', addPhoto: '拍照或选择照片',
    removePhoto: '删除照片', needs: { none: '', photo: '需要照片', note: '需要备注' },
    dims: { hardware: '硬件', service: '服务能力', operations: '运营管理', overall: '总分' },
    running: '当前得分', notScored: '未评', submit: '提交检查', generalNote: '总体备注',
    saved: '草稿已保存在手机上', queued: '等待网络 — 网络恢复后自动提交', sending: '正在提交…',
    sent: '已提交，检查编号 #{id}', failed: '提交失败：{msg}', draftKept: '草稿已保留，可修改后重新提交。',
    missing: '还有 {n} 项未完成：{list}', needPhoto: '{c} 需要照片', needNote: '{c} 需要备注', needScore: '{c} 未评分',
    newOne: '开始新的检查', weight: '权重 {w}', station: '驿站', retry: '重新提交',
    photoQueued: '待上传', offlineNow: '当前没有网络：表单保存在手机上。',
  },
  'zh-Hant': {
    checklist: '檢查清單', kind: '檢查類型', kindOf: { open: '公開檢查', secret: '暗訪', experience_officer: '體驗官' },
    pass: '通過', fail: '不通過', score: '得分（0–100）', note: '備註', photos: '照片', addPhoto: '拍照或選擇照片',
    removePhoto: '刪除照片', needs: { none: '', photo: '需要照片', note: '需要備註' },
    dims: { hardware: '硬體', service: '服務能力', operations: '營運管理', overall: '總分' },
    running: '目前得分', notScored: '未評', submit: '提交檢查', generalNote: '整體備註',
    saved: '草稿已儲存在手機上', queued: '等待網路 — 網路恢復後自動提交', sending: '正在提交…',
    sent: '已提交，檢查編號 #{id}', failed: '提交失敗：{msg}', draftKept: '草稿已保留，可修改後重新提交。',
    missing: '還有 {n} 項未完成：{list}', needPhoto: '{c} 需要照片', needNote: '{c} 需要備註', needScore: '{c} 未評分',
    newOne: '開始新的檢查', weight: '權重 {w}', station: '驛站', retry: '重新提交',
    photoQueued: '待上傳', offlineNow: '目前沒有網路：表單儲存在手機上。',
  },
  en: {
    checklist: 'Checklist', kind: 'Kind', kindOf: { open: 'Open inspection', secret: 'Unannounced', experience_officer: 'Experience officer' },
    pass: 'Pass', fail: 'Fail', score: 'Score (0–100)', note: 'Note', photos: 'Photos', addPhoto: 'Take or choose a photo',
    removePhoto: 'Remove photo', needs: { none: '', photo: 'needs a photo', note: 'needs a note' },
    dims: { hardware: 'Hardware', service: 'Service', operations: 'Operations', overall: 'Overall' },
    running: 'Score so far', notScored: 'not scored', submit: 'Submit inspection', generalNote: 'General note',
    saved: 'Draft saved on this phone', queued: 'Waiting for network — 等待网络; it will be sent when the network returns', sending: 'Sending…',
    sent: 'Submitted: inspection #{id}', failed: 'Not submitted: {msg}', draftKept: 'The draft is kept: correct it and submit again.',
    missing: '{n} to finish: {list}', needPhoto: '{c} needs a photo', needNote: '{c} needs a note', needScore: '{c} is not scored',
    newOne: 'Start a new inspection', weight: 'weight {w}', station: 'Station', retry: 'Submit again',
    photoQueued: 'to upload', offlineNow: 'No network now: the form is kept on this phone.',
  },
};

let langFn = () => 'zh-Hans';
function tr(key, vars) {
  const l = STR[langFn()] ? langFn() : 'zh-Hans';
  let s = STR[l][key];
  if (s === undefined) s = STR['zh-Hans'][key] ?? key;
  if (vars && typeof s === 'string') s = s.replace(/\{(\w+)\}/g, (_, k) => String(vars[k] ?? ''));
  return s;
}
/** A server label triple ({"zh-Hans", "zh-Hant", en}) in the current language. */
function label(labels) {
  if (!labels) return '';
  return labels[langFn()] || labels['zh-Hans'] || labels.en || '';
}
function errMsg(body) {
  if (!body) return `HTTP error`;
  return (langFn() === 'en' ? body.message_en || body.message : body.message || body.message_en) || body.error || 'error';
}

function h(tag, attrs, ...kids) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k === 'value' && 'value' in el) el.value = v;
    else if (k === 'checked' && 'checked' in el) el.checked = !!v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const kid of kids.flat(Infinity)) if (kid !== null && kid !== undefined && kid !== false) el.append(kid);
  return el;
}

// --- the drafts, in IndexedDB ----------------------------------------------------------------
// One record per draft: {client_id, scope, station: {id, code, name}, checklist_id, kind, note,
// scores: {code: {pass|score, note, photos: [photo local ids]}}, photos: {lid: {blob, thumb,
// sha256}}, state: draft|queued|sent|failed, error, result, updated}.
const DB = 'yz-inspect';
let dbp = null;
function db() {
  if (!dbp) {
    dbp = new Promise((resolve, reject) => {
      const r = indexedDB.open(DB, 1);
      r.onupgradeneeded = () => r.result.createObjectStore('drafts', { keyPath: 'client_id' });
      r.onsuccess = () => resolve(r.result);
      r.onerror = () => reject(r.error);
    });
  }
  return dbp;
}
async function tx(mode, fn) {
  const d = await db();
  return new Promise((resolve, reject) => {
    const t = d.transaction('drafts', mode);
    const r = fn(t.objectStore('drafts'));
    t.oncomplete = () => resolve(r && 'result' in r ? r.result : undefined);
    t.onerror = () => reject(t.error);
  });
}
export const saveDraft = (d) => tx('readwrite', (s) => s.put({ ...d, updated: Date.now() }));
export const loadDraft = (id) => tx('readonly', (s) => s.get(id));
export const allDrafts = async (scope) => (await tx('readonly', (s) => s.getAll())).filter((d) => d.scope === scope);
export const dropDraft = (id) => tx('readwrite', (s) => s.delete(id));

function routes(scope) {
  if (scope === 'selfcheck') return { insp: '/api/v1/selfchecks', photos: '/api/v1/photos' }; // one POST: create and submit
  return scope === 'officer'
    ? { insp: '/api/v1/officer/inspections', photos: '/api/v1/officer/photos' }
    : { insp: '/api/v1/inspections', photos: '/api/v1/photos' };
}

/** The form's body for the submit: every scored criterion, photos by their sha256. */
function formBody(d) {
  const scores = [];
  for (const [code, s] of Object.entries(d.scores || {})) {
    const e = { criterion: code };
    if (s.pass !== undefined && s.pass !== null) e.pass = s.pass;
    if (s.score !== undefined && s.score !== null) e.score = s.score;
    if (s.note) e.note = s.note;
    const shas = (s.photos || []).map((lid) => d.photos[lid] && d.photos[lid].sha256).filter(Boolean);
    if (shas.length) e.photos = shas;
    scores.push(e);
  }
  const b = { scores };
  if (d.note) b.note = d.note;
  return b;
}

/** Send one queued draft: its photos, the create (client_id), the submit. Returns the draft as
 * it stands after: sent, failed (a 4xx: the reason kept), or still queued (no network). */
export async function sendDraft(d, send) {
  const r = routes(d.scope);
  try {
    for (const p of Object.values(d.photos || {})) {
      if (p.sha256) continue;
      const q = `${r.photos}?kind=inspection${d.station && d.station.id ? `&station=${d.station.id}` : ''}`;
      const res = await send('POST', q, { blob: p.blob });
      if (res.status >= 400) return fail(d, res);
      p.sha256 = res.body.sha256;
      await saveDraft(d); // an uploaded photo is not sent again
    }
    const create = { station: d.station.id, checklist: d.checklist_id, client_id: d.client_id };
    if (d.scope === 'staff') create.kind = d.kind;
    let res;
    if (d.scope === 'selfcheck') { // the daily self-check: the whole form in one request
      res = await send('POST', r.insp, { json: { ...create, ...formBody(d) } });
      if (res.status >= 400) return fail(d, res);
      res = { status: res.status, body: res.body.inspection };
    } else {
      res = await send('POST', r.insp, { json: create });
      if (res.status >= 400) return fail(d, res);
      res = await send('POST', `${r.insp}/${d.client_id}/submit`, { json: formBody(d) });
    }
    if (res.status >= 400) return fail(d, res);
    d.state = 'sent';
    d.error = null;
    d.result = res.body;
    await saveDraft(d);
    return d;
  } catch (e) {
    if (!e.offline) throw e;
    d.state = 'queued';
    await saveDraft(d);
    return d;
  }
}
async function fail(d, res) {
  if (res.status >= 500) { // the server's trouble, not the form's: try again later
    d.state = 'queued';
  } else {
    d.state = 'failed';
    d.error = { status: res.status, field: res.body && res.body.field, message: res.body && res.body.message, message_en: res.body && res.body.message_en };
  }
  await saveDraft(d);
  return d;
}

let flushing = null;
/** Send every queued draft of `scope` (at start and when the network returns). */
export function flush(scope, send) {
  if (flushing) return flushing;
  flushing = (async () => {
    const out = [];
    for (const d of await allDrafts(scope)) if (d.state === 'queued') out.push(await sendDraft(d, send));
    return out;
  })().finally(() => { flushing = null; });
  return flushing;
}

// --- scores ----------------------------------------------------------------------------------
const DIMS = ['hardware', 'service', 'operations'];
function pointsOf(c, s) {
  if (!s) return null;
  if (c.scoring === 'pass_fail') return s.pass === true ? 100 : s.pass === false ? 0 : null;
  return Number.isInteger(s.score) ? s.score : null;
}
/** The weighted mean per dimension and overall over the criteria scored so far (null: none). */
export function runningScores(criteria, scores) {
  const acc = { overall: [0, 0] };
  for (const d of DIMS) acc[d] = [0, 0];
  for (const c of criteria) {
    const p = pointsOf(c, scores[c.code]);
    if (p === null) continue;
    for (const k of [c.dimension, 'overall']) { acc[k][0] += p * c.weight; acc[k][1] += c.weight; }
  }
  const out = {};
  for (const [k, [sum, w]] of Object.entries(acc)) out[k] = w ? Math.round((sum / w) * 100) / 100 : null;
  return out;
}

/** What is missing before submitting: [text...]. */
function missing(criteria, d) {
  const out = [];
  for (const c of criteria) {
    const s = d.scores[c.code] || {};
    const name = label(c.labels);
    if (pointsOf(c, s) === null) out.push(tr('needScore', { c: name }));
    else if (c.evidence === 'photo' && !(s.photos || []).length) out.push(tr('needPhoto', { c: name }));
    else if (c.evidence === 'note' && !(s.note || '').trim()) out.push(tr('needNote', { c: name }));
  }
  return out;
}

async function thumbOf(blob) {
  try {
    const bm = await createImageBitmap(blob);
    const k = 160 / Math.max(bm.width, bm.height);
    const cv = document.createElement('canvas');
    cv.width = Math.max(1, Math.round(bm.width * Math.min(1, k)));
    cv.height = Math.max(1, Math.round(bm.height * Math.min(1, k)));
    cv.getContext('2d').drawImage(bm, 0, 0, cv.width, cv.height);
    return cv.toDataURL('image/jpeg', 0.7); // a data: URL: the pages' CSP allows no blob: images
  } catch {
    return null;
  }
}

function newId() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
  const x = [...b].map((v) => v.toString(16).padStart(2, '0')).join('');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

/** The draft to show for `station` in `scope`: the unsent one kept on the device, or a new one. */
export async function draftFor(scope, station) {
  const mine = (await allDrafts(scope)).filter((d) => d.station && d.station.id === station.id && d.state !== 'sent')
    .sort((a, b) => b.updated - a.updated);
  if (mine.length) return mine[0];
  const d = { client_id: newId(), scope, station, checklist_id: null, kind: scope === 'officer' ? 'experience_officer' : 'open', note: '', scores: {}, photos: {}, state: 'draft', error: null };
  return d;
}

/**
 * Render the form for draft `d` into a new element and return it.
 * opts: {scope, send, lang, checklists (GET /api/v1/checklists's list), onSent(d),
 * presence(d) -> node shown when the server asks for a check-in (409 field presence)}.
 */
export function inspectForm(d, opts) {
  langFn = opts.lang || langFn;
  const lists = (opts.checklists || []).filter((c) => c.active !== false);
  if (!d.checklist_id || !lists.some((c) => c.id === d.checklist_id)) {
    const std = lists.find((c) => c.kind === 'standard') || lists[0];
    d.checklist_id = std ? std.id : null;
  }
  const root = h('div', { class: 'inspect-form', 'data-client-id': d.client_id });
  const status = h('div', { class: 'if-status', role: 'status', 'aria-live': 'polite' });
  const alertBox = h('div', { class: 'if-alert', role: 'alert', hidden: true });
  const scoreBox = h('dl', { class: 'if-scores', 'aria-label': tr('running') });
  const crits = h('div', { class: 'if-criteria' });
  const submit = h('button', { type: 'submit', class: 'btn primary big if-submit' }, tr('submit'));
  const form = h('form', { class: 'if-form', novalidate: true });
  let saveTimer = null;
  const save = () => {
    clearTimeout(saveTimer);
    if (d.state === 'failed' || d.state === 'queued') { /* an edit after a failure: a draft again */ }
    return saveDraft(d).then(() => { if (d.state === 'draft') status.textContent = tr('saved'); });
  };
  const cl = () => lists.find((c) => c.id === d.checklist_id) || { criteria: [] };

  function showState() {
    root.dataset.state = d.state;
    alertBox.hidden = true;
    alertBox.replaceChildren();
    if (d.state === 'queued') status.textContent = tr('queued');
    else if (d.state === 'sent') status.textContent = tr('sent', { id: d.result ? d.result.id : '?' });
    else if (d.state === 'failed' && d.error) {
      status.textContent = '';
      alertBox.hidden = false;
      alertBox.append(h('p', null, tr('failed', { msg: errMsg(d.error) })), h('p', null, tr('draftKept')));
      if (d.error.field === 'presence' && opts.presence) alertBox.append(opts.presence(d));
    }
    const sent = d.state === 'sent';
    for (const el of form.querySelectorAll('input, select, textarea, button')) el.disabled = sent;
  }

  function drawScores() {
    const r = runningScores(cl().criteria, d.scores);
    scoreBox.replaceChildren(...[...DIMS, 'overall'].flatMap((k) => [
      h('dt', null, tr('dims')[k]), h('dd', { 'data-dim': k }, r[k] === null ? tr('notScored') : String(r[k]))]));
  }
  const changed = () => { if (d.state !== 'draft' && d.state !== 'sent') d.state = 'draft'; drawScores(); save(); };

  function photoList(c, entry) {
    const list = h('ul', { class: 'if-thumbs' });
    const draw = () => list.replaceChildren(...(entry.photos || []).map((lid) => {
      const p = d.photos[lid];
      if (!p) return null;
      return h('li', null,
        p.thumb ? h('img', { src: p.thumb, alt: `${label(c.labels)} ${tr('photos')}`, width: 80, height: 80 }) : h('span', null, '📷'),
        p.sha256 ? null : h('span', { class: 'if-pending' }, tr('photoQueued')),
        h('button', { type: 'button', class: 'btn small', 'aria-label': `${tr('removePhoto')}: ${label(c.labels)}`,
          onclick: () => { entry.photos = entry.photos.filter((x) => x !== lid); delete d.photos[lid]; draw(); changed(); } }, '×'));
    }));
    draw();
    return [list, draw];
  }

  function criterion(c, i) {
    const entry = d.scores[c.code] || (d.scores[c.code] = { photos: [] });
    entry.photos = entry.photos || [];
    const id = `if-${c.code}`;
    const need = tr('needs')[c.evidence] || '';
    let control;
    if (c.scoring === 'pass_fail') {
      const radio = (val, text) => h('label', { class: 'if-choice' },
        h('input', { type: 'radio', name: `${id}-pf`, value: String(val), checked: entry.pass === val,
          onchange: () => { entry.pass = val; changed(); } }), ` ${text}`);
      control = h('div', { class: 'if-passfail', role: 'radiogroup', 'aria-label': label(c.labels) }, radio(true, tr('pass')), radio(false, tr('fail')));
    } else {
      const inp = h('input', { type: 'number', min: 0, max: 100, step: 1, inputmode: 'numeric', id: `${id}-score`, name: `${c.code}.score`,
        value: Number.isInteger(entry.score) ? String(entry.score) : '' });
      inp.addEventListener('input', () => {
        const v = inp.value.trim() === '' ? null : Number(inp.value);
        entry.score = v !== null && Number.isInteger(v) && v >= 0 && v <= 100 ? v : null;
        inp.setAttribute('aria-invalid', String(inp.value.trim() !== '' && entry.score === null));
        changed();
      });
      control = h('div', { class: 'if-score' }, h('label', { for: `${id}-score` }, tr('score')), inp);
    }
    const note = h('textarea', { id: `${id}-note`, name: `${c.code}.note`, rows: 2, maxlength: 2000, value: entry.note || '' });
    note.value = entry.note || '';
    note.addEventListener('input', () => { entry.note = note.value; changed(); });
    const [thumbs, drawThumbs] = photoList(c, entry);
    const file = h('input', { type: 'file', accept: 'image/*', capture: 'environment', id: `${id}-photo`, class: 'if-file', multiple: true });
    file.addEventListener('change', async () => {
      for (const f of file.files) {
        if (entry.photos.length >= 10) break;
        const lid = newId();
        d.photos[lid] = { blob: f, type: f.type, thumb: await thumbOf(f), sha256: null };
        entry.photos.push(lid);
      }
      file.value = '';
      drawThumbs();
      changed();
    });
    return h('fieldset', { class: 'if-crit', 'data-criterion': c.code },
      h('legend', null, `${i + 1}. ${label(c.labels)}`),
      h('p', { class: 'if-meta' }, `${tr('dims')[c.dimension] || c.dimension} · ${tr('weight', { w: c.weight })}${need ? ` · ${need}` : ''}`),
      control,
      h('label', { for: `${id}-note` }, tr('note')), note,
      h('div', { class: 'if-photos' }, h('label', { for: `${id}-photo`, class: 'btn if-photo-btn' }, tr('addPhoto')), file, thumbs));
  }

  function drawCriteria() {
    crits.replaceChildren(...cl().criteria.map(criterion));
    drawScores();
  }

  const clSel = h('select', { id: 'if-checklist', name: 'checklist' }, lists.map((c) =>
    h('option', { value: String(c.id), selected: c.id === d.checklist_id }, `${label(c.labels)} (v${c.version})`)));
  clSel.addEventListener('change', () => { d.checklist_id = Number(clSel.value); d.scores = {}; d.photos = {}; drawCriteria(); changed(); });
  const head = [h('div', { class: 'if-field' }, h('label', { for: 'if-checklist' }, tr('checklist')), clSel)];
  if (opts.scope === 'staff') {
    const kSel = h('select', { id: 'if-kind', name: 'kind' }, ['open', 'secret'].map((k) =>
      h('option', { value: k, selected: d.kind === k }, tr('kindOf')[k])));
    kSel.addEventListener('change', () => { d.kind = kSel.value; changed(); });
    head.push(h('div', { class: 'if-field' }, h('label', { for: 'if-kind' }, tr('kind')), kSel));
  }
  const gnote = h('textarea', { id: 'if-note', name: 'note', rows: 2, maxlength: 2000 });
  gnote.value = d.note || '';
  gnote.addEventListener('input', () => { d.note = gnote.value; changed(); });

  form.append(...head, crits, h('div', { class: 'if-field' }, h('label', { for: 'if-note' }, tr('generalNote')), gnote),
    h('section', { class: 'if-running', 'aria-label': tr('running') }, h('h2', null, tr('running')), scoreBox),
    alertBox, submit, status);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (d.state === 'sent') return;
    const miss = missing(cl().criteria, d);
    if (miss.length) {
      alertBox.hidden = false;
      alertBox.replaceChildren(h('p', null, tr('missing', { n: miss.length, list: miss.join('；') })));
      return;
    }
    d.state = 'queued';
    await saveDraft(d);
    status.textContent = navigator.onLine === false ? tr('queued') : tr('sending');
    submit.disabled = true;
    try {
      await sendDraft(d, opts.send);
    } finally {
      submit.disabled = false;
    }
    showState();
    if (d.state === 'sent' && opts.onSent) opts.onSent(d);
  });
  root.append(form);
  drawCriteria();
  showState();
  if (d.state === 'draft' && navigator.onLine === false) status.textContent = tr('offlineNow');
  /** Re-read the draft (after a flush elsewhere) and redraw the state line. */
  root.refresh = async () => {
    const fresh = await loadDraft(d.client_id);
    if (fresh) { Object.assign(d, fresh); showState(); if (d.state === 'sent' && opts.onSent) opts.onSent(d); }
  };
  return root;
}

/** The read-only view of a submitted inspection (GET .../inspections/{id}) and its checklist. */
export function inspectionView(insp, checklist, lang) {
  langFn = lang || langFn;
  const crit = Object.fromEntries((checklist ? checklist.criteria : []).map((c) => [c.code, c]));
  const sc = insp.scores || {};
  return h('div', { class: 'inspect-view' },
    h('dl', { class: 'if-scores' }, [...DIMS, 'overall'].flatMap((k) => [h('dt', null, tr('dims')[k]),
      h('dd', { 'data-dim': k }, sc[k] === null || sc[k] === undefined ? tr('notScored') : String(sc[k]))])),
    h('ol', { class: 'if-items' }, (insp.items || []).map((it) => {
      const c = crit[it.criterion];
      const v = 'pass' in it ? (it.pass === null ? tr('notScored') : it.pass ? tr('pass') : tr('fail')) : it.score === null ? tr('notScored') : String(it.score);
      return h('li', { 'data-criterion': it.criterion },
        h('strong', null, c ? label(c.labels) : it.criterion), `: ${v}`,
        it.note ? h('p', null, it.note) : null,
        it.photos && it.photos.length ? h('ul', { class: 'if-thumbs' }, it.photos.map((p) =>
          h('li', null, h('a', { href: `/api/v1/photos/${p}.jpg` }, h('img', { src: `/api/v1/photos/${p}/thumb.jpg`, alt: `${c ? label(c.labels) : it.criterion} ${tr('photos')}`, width: 80, height: 80 }))))) : null);
    })),
    insp.note ? h('p', null, insp.note) : null);
}

export { tr as inspectText, label as inspectLabel };
