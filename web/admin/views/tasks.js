// SPDX-License-Identifier: MIT
// views/tasks.js - rectification tasks (issue 12, point 5; docs/internals/tasks.md): the board
// of the stations' tasks by status (overdue ones marked, a countdown to each deadline), one
// task with its history, the operator's answer (text and photos uploaded through
// POST /api/v1/photos), the inspector's verification (close, or reopen with a note), and the
// signed-in user's inbox (its unread count in the page head). Filters live in the fragment's
// query (#/tasks?status=open&overdue=true), so a reload keeps them.
import { get, post, request, ApiError } from '../api.js';
import { t, addStrings, fmtTime, lang } from '../i18n.js';
import { h, field, pageHead, showError, clearErrors, busy, toast, select, renderWhenCurrent } from '../ui.js';

addStrings({
  'zh-Hans': {
    tkTitle: '整改任务', tkInbox: '收件箱', tkUnread: '{n} 条未读', tkNoInbox: '没有通知。', tkMarkRead: '标为已读',
    tkStatus: '状态', tkOverdueOnly: '只看逾期', tkMine: '只看我负责的', tkToDo: '待整改', tkWaiting: '待核验', tkDone: '已关闭',
    tkSt: { open: '待整改', answered: '已回复', closed: '已关闭', reopened: '被退回' },
    tkSev: { high: '严重', medium: '一般', low: '轻微' }, tkSeverity: '严重程度',
    tkLeft: '剩 {d} 天 {h} 小时', tkLeftH: '剩 {h} 小时 {m} 分', tkOver: '已逾期 {d} 天 {h} 小时', tkOverH: '已逾期 {h} 小时 {m} 分',
    tkEscalated: '已上报区管理员', tkDeadline: '截止', tkStation: '驿站', tkSource: '来源',
    tkSrc: { inspection: '检查未达标', report: '问题报告', manual: '手工' }, tkCriterion: '标准项',
    tkHistory: '经过', tkAct: { open: '创建', answer: '回复', close: '核验通过', reopen: '退回', escalate: '逾期上报' },
    tkWhyFail: '检查未通过', tkWhyScore: '检查得分 {score}，低于 {bar}',
    tkAnswer: '整改说明', tkAnswerHint: '写明做了什么，并附照片。', tkPhotos: '照片', tkPhotosHint: 'JPEG、PNG 或 WebP，可多张。',
    tkSend: '提交整改', tkAnswered: '整改已提交，等待核验。', tkVerify: '核验', tkNote: '核验意见', tkNoteHint: '退回时必填。',
    tkClose: '通过并关闭', tkReopen: '退回重改', tkClosed: '任务已关闭。', tkReopened: '任务已退回。',
    tkStale: '任务已被他人更新，已重新加载。', tkBack: '返回任务列表', tkNone: '没有符合条件的任务。', tkPhotoAlt: '整改照片 {n}',
    tkUploading: '正在上传照片…',
  },
  'zh-Hant': {
    tkTitle: '整改任務', tkInbox: '收件匣', tkUnread: '{n} 則未讀', tkNoInbox: '沒有通知。', tkMarkRead: '標為已讀',
    tkStatus: '狀態', tkOverdueOnly: '只看逾期', tkMine: '只看我負責的', tkToDo: '待整改', tkWaiting: '待核驗', tkDone: '已關閉',
    tkSt: { open: '待整改', answered: '已回覆', closed: '已關閉', reopened: '被退回' },
    tkSev: { high: '嚴重', medium: '一般', low: '輕微' }, tkSeverity: '嚴重程度',
    tkLeft: '剩 {d} 天 {h} 小時', tkLeftH: '剩 {h} 小時 {m} 分', tkOver: '已逾期 {d} 天 {h} 小時', tkOverH: '已逾期 {h} 小時 {m} 分',
    tkEscalated: '已上報區管理員', tkDeadline: '截止', tkStation: '驛站', tkSource: '來源',
    tkSrc: { inspection: '檢查未達標', report: '問題回報', manual: '手動' }, tkCriterion: '標準項',
    tkHistory: '經過', tkAct: { open: '建立', answer: '回覆', close: '核驗通過', reopen: '退回', escalate: '逾期上報' },
    tkWhyFail: '檢查未通過', tkWhyScore: '檢查得分 {score}，低於 {bar}',
    tkAnswer: '整改說明', tkAnswerHint: '寫明做了什麼，並附照片。', tkPhotos: '照片', tkPhotosHint: 'JPEG、PNG 或 WebP，可多張。',
    tkSend: '提交整改', tkAnswered: '整改已提交，等待核驗。', tkVerify: '核驗', tkNote: '核驗意見', tkNoteHint: '退回時必填。',
    tkClose: '通過並關閉', tkReopen: '退回重改', tkClosed: '任務已關閉。', tkReopened: '任務已退回。',
    tkStale: '任務已被他人更新，已重新載入。', tkBack: '返回任務列表', tkNone: '沒有符合條件的任務。', tkPhotoAlt: '整改照片 {n}',
    tkUploading: '正在上傳照片…',
  },
  en: {
    tkTitle: 'Rectification tasks', tkInbox: 'Inbox', tkUnread: '{n} unread', tkNoInbox: 'No notifications.', tkMarkRead: 'Mark read',
    tkStatus: 'Status', tkOverdueOnly: 'Overdue only', tkMine: 'Mine only', tkToDo: 'To fix', tkWaiting: 'To verify', tkDone: 'Closed',
    tkSt: { open: 'Open', answered: 'Answered', closed: 'Closed', reopened: 'Reopened' },
    tkSev: { high: 'High', medium: 'Medium', low: 'Low' }, tkSeverity: 'Severity',
    tkLeft: '{d} d {h} h left', tkLeftH: '{h} h {m} min left', tkOver: 'Overdue by {d} d {h} h', tkOverH: 'Overdue by {h} h {m} min',
    tkEscalated: 'Escalated to the district admin', tkDeadline: 'Deadline', tkStation: 'Station', tkSource: 'Source',
    tkSrc: { inspection: 'Failed criterion', report: 'Problem report', manual: 'Manual' }, tkCriterion: 'Criterion',
    tkHistory: 'History', tkAct: { open: 'Opened', answer: 'Answered', close: 'Verified and closed', reopen: 'Reopened', escalate: 'Escalated (overdue)' },
    tkWhyFail: 'Failed in the inspection', tkWhyScore: 'Scored {score} in the inspection, under {bar}',
    tkAnswer: 'What was done', tkAnswerHint: 'Say what was fixed, and add photos.', tkPhotos: 'Photos', tkPhotosHint: 'JPEG, PNG or WebP; several allowed.',
    tkSend: 'Send the answer', tkAnswered: 'Answer sent; waiting for verification.', tkVerify: 'Verify', tkNote: 'Verification note', tkNoteHint: 'Required to reopen.',
    tkClose: 'Pass and close', tkReopen: 'Reopen', tkClosed: 'Task closed.', tkReopened: 'Task reopened.',
    tkStale: 'Someone else updated the task; reloaded.', tkBack: 'Back to the tasks', tkNone: 'No tasks match.', tkPhotoAlt: 'Rectification photo {n}',
    tkUploading: 'Uploading photos…',
  },
});

const STATUSES = ['open', 'reopened', 'answered', 'closed'];

function title(task) {
  const k = lang();
  return task.title[k] || task.title['zh-Hans'];
}

/** A step's note; the server writes why an inspection's task opened as a code ("fail", "score
 * 40 < 60", store/tasks.c): said here in the reader's language. */
function stepNote(e) {
  if (e.action !== 'open') return e.note;
  if (e.note === 'fail') return t('tkWhyFail');
  const m = /^score (\d+) < (\d+)$/.exec(e.note);
  return m ? t('tkWhyScore', { score: m[1], bar: m[2] }) : e.note;
}

/** "3 d 4 h left" / "overdue by 2 h 10 min", from seconds_left. */
function countdown(secs) {
  const over = secs < 0;
  const s = Math.abs(secs);
  const d = Math.floor(s / 86400), hh = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60);
  if (d > 0) return t(over ? 'tkOver' : 'tkLeft', { d, h: hh });
  return t(over ? 'tkOverH' : 'tkLeftH', { h: hh, m });
}

function sevBadge(task) {
  return h('span', { class: `badge${task.severity === 'high' ? ' bad' : ''}` }, t('tkSev')[task.severity] || task.severity);
}

/** Names of stations by id (one request each, for the few on a board). */
async function stationNames(ids) {
  const names = new Map();
  await Promise.all([...new Set(ids)].slice(0, 40).map(async (id) => {
    try { names.set(id, (await get(`/api/v1/stations/${id}`)).body.name); } catch { /* the id shows */ }
  }));
  return names;
}

// --- the inbox ------------------------------------------------------------------------------------
async function inboxBlock(onChange) {
  const box = h('section', { class: 'card tk-inbox', 'aria-labelledby': 'tk-inbox-h' });
  let inbox;
  try { inbox = (await get('/api/v1/inbox', { limit: 20 })).body; } catch (err) {
    if (err instanceof ApiError && err.status === 401) throw err;
    inbox = { notifications: [], unread: 0 };
  }
  const draw = () => {
    box.replaceChildren(h('h2', { id: 'tk-inbox-h' }, t('tkInbox'), ' ',
      h('span', { class: `badge${inbox.unread ? ' bad' : ''}`, 'data-unread': String(inbox.unread) }, t('tkUnread', { n: inbox.unread }))));
    if (!inbox.notifications.length) { box.append(h('p', { class: 'muted' }, t('tkNoInbox'))); return; }
    box.append(h('ul', { class: 'tk-notes' }, inbox.notifications.map((n) => h('li', { class: n.read ? 'read' : 'unread' },
      h('div', null, n.task_id ? h('a', { href: `#/tasks/${n.task_id}` }, n.text[lang()] || n.text['zh-Hans']) : (n.text[lang()] || n.text['zh-Hans'])),
      h('div', { class: 'muted' }, fmtTime(n.created_at),
        n.read ? null : h('button', {
          type: 'button', class: 'btn small', 'data-read': String(n.id),
          onclick: async (ev) => {
            await busy(ev.currentTarget, async () => {
              try {
                await post(`/api/v1/inbox/${n.id}/read`, {});
                n.read = true;
                inbox.unread = Math.max(0, inbox.unread - 1);
                draw();
                onChange(inbox.unread);
              } catch (err) { toast(err.text ? err.text() : String(err), 'bad'); }
            });
          },
        }, t('tkMarkRead')))))));
  };
  draw();
  return { box, unread: () => inbox.unread };
}

// --- the board ------------------------------------------------------------------------------------
async function board(main, ctx) {
  const q = ctx.query;
  const status = q.get('status') || '';
  const overdue = q.get('overdue') === 'true';
  const mine = q.get('assignee') === 'me';
  return renderWhenCurrent(main, async (box) => {
    const countBadge = h('a', { class: 'badge', href: '#tk-inbox-h', 'data-inbox-count': '' });
    const inbox = await inboxBlock((n) => { countBadge.textContent = `${t('tkInbox')} · ${n}`; });
    countBadge.textContent = `${t('tkInbox')} · ${inbox.unread()}`;
    const list = (await get('/api/v1/tasks', { status, overdue: overdue ? 'true' : '', assignee: mine ? 'me' : '', limit: 500 })).body;
    const names = await stationNames(list.tasks.map((x) => x.station_id));
    const sSel = select([['', t('all')], ...STATUSES.map((s) => [s, t('tkSt')[s]])], status, { name: 'status' });
    const oBox = h('input', { type: 'checkbox', checked: overdue, name: 'overdue' });
    const mBox = h('input', { type: 'checkbox', checked: mine, name: 'mine' });
    const apply = () => {
      const p = new URLSearchParams();
      if (sSel.value) p.set('status', sSel.value);
      if (oBox.checked) p.set('overdue', 'true');
      if (mBox.checked) p.set('assignee', 'me');
      const qs = p.toString();
      ctx.navigate(`#/tasks${qs ? `?${qs}` : ''}`);
    };
    sSel.addEventListener('change', apply);
    oBox.addEventListener('change', apply);
    mBox.addEventListener('change', apply);
    const filters = h('form', { class: 'filters card', onsubmit: (e) => { e.preventDefault(); apply(); } },
      field(t('tkStatus'), sSel),
      h('label', { class: 'check' }, oBox, ' ', t('tkOverdueOnly')),
      ctx.hasRole('operator') ? h('label', { class: 'check' }, mBox, ' ', t('tkMine')) : null);
    const card = (x) => h('li', { class: `tk-card card${x.overdue ? ' overdue' : ''}`, 'data-task': String(x.id) },
      h('a', { href: `#/tasks/${x.id}`, class: 'tk-link' }, title(x)),
      h('div', { class: 'tk-meta' }, names.get(x.station_id) || `#${x.station_id}`, ' · ', sevBadge(x), ' ',
        h('span', { class: `badge${x.status === 'closed' ? ' ok' : ''}` }, t('tkSt')[x.status] || x.status),
        x.escalated ? h('span', { class: 'badge bad' }, t('tkEscalated')) : null),
      x.status === 'closed' ? null : h('div', { class: x.overdue ? 'tk-due over' : 'tk-due' },
        `${t('tkDeadline')} ${fmtTime(x.deadline)} · `, h('strong', null, countdown(x.seconds_left))));
    const group = (label, rows) => h('section', { class: 'tk-col' }, h('h2', null, `${label} (${rows.length})`),
      rows.length ? h('ul', { class: 'tk-list' }, rows.map(card)) : h('p', { class: 'muted' }, t('empty')));
    const by = (...s) => list.tasks.filter((x) => s.includes(x.status));
    box.append(pageHead(t('tkTitle'), countBadge), filters);
    if (!list.tasks.length) box.append(h('p', null, t('tkNone')));
    else box.append(h('div', { class: 'tk-board' }, group(t('tkToDo'), by('open', 'reopened')), group(t('tkWaiting'), by('answered')), group(t('tkDone'), by('closed'))));
    box.append(inbox.box);
  });
}

// --- one task ---------------------------------------------------------------------------------------
async function upload(file, stationId) {
  const r = await request(`/api/v1/photos?station=${stationId}&kind=task`, { method: 'POST', body: file, headers: { 'Content-Type': file.type || 'application/octet-stream' } });
  return r.body.sha256;
}

async function oneTask(main, ctx, id) {
  return renderWhenCurrent(main, async (box) => {
    const r = await get(`/api/v1/tasks/${encodeURIComponent(id)}`);
    const x = r.body;
    const version = r.etag || x.version;
    const names = await stationNames([x.station_id]);
    const back = h('a', { href: '#/tasks', class: 'btn' }, t('tkBack'));
    box.append(pageHead(title(x), back),
      h('dl', { class: 'facts card' },
        h('dt', null, t('tkStation')), h('dd', null, names.get(x.station_id) || `#${x.station_id}`),
        h('dt', null, t('tkStatus')), h('dd', { 'data-status': x.status }, t('tkSt')[x.status] || x.status,
          x.escalated ? [' ', h('span', { class: 'badge bad' }, t('tkEscalated'))] : null),
        h('dt', null, t('tkSeverity')), h('dd', null, sevBadge(x)),
        h('dt', null, t('tkDeadline')), h('dd', { class: x.overdue ? 'tk-due over' : 'tk-due' }, fmtTime(x.deadline),
          x.status === 'closed' ? null : [' · ', h('strong', null, countdown(x.seconds_left))]),
        h('dt', null, t('tkSource')), h('dd', null, t('tkSrc')[x.source] || x.source,
          x.criterion ? ` · ${x.criterion}` : '', x.report_id ? ` · #${x.report_id}` : '')),
      h('section', { class: 'card' }, h('h2', null, t('tkHistory')),
        h('ol', { class: 'tk-history' }, x.history.map((e) => h('li', null,
          h('strong', null, t('tkAct')[e.action] || e.action), ' · ', fmtTime(e.at), e.note ? h('div', null, stepNote(e)) : null)))));
    if (x.answer_photos.length) {
      box.append(h('section', { class: 'card' }, h('h2', null, t('tkPhotos')),
        h('div', { class: 'tk-photos' }, x.answer_photos.map((sha, i) => h('a', { href: `/api/v1/photos/${sha}.jpg` },
          h('img', { src: `/api/v1/photos/${sha}/thumb.jpg`, alt: t('tkPhotoAlt', { n: i + 1 }), width: 96, height: 96, loading: 'lazy' }))))));
    }
    const stale = (err) => { if (err instanceof ApiError && err.stale) { toast(t('tkStale'), 'bad'); ctx.refresh(); return true; } return false; };
    // the operator's answer
    if ((x.status === 'open' || x.status === 'reopened') && ctx.hasRole('operator', 'district_admin', 'city_admin')) {
      const text = h('textarea', { rows: 4, maxlength: 2000, required: true });
      const files = h('input', { type: 'file', accept: 'image/jpeg,image/png,image/webp', multiple: true });
      const btn = h('button', { type: 'submit', class: 'btn primary' }, t('tkSend'));
      const form = h('form', { class: 'card tk-answer', novalidate: true },
        h('h2', null, t('tkAnswer')),
        field(t('tkAnswer'), text, { name: 'answer', required: true, hint: t('tkAnswerHint') }),
        field(t('tkPhotos'), files, { name: 'photos', hint: t('tkPhotosHint') }),
        btn);
      form.addEventListener('submit', async (ev) => {
        ev.preventDefault();
        clearErrors(form);
        await busy(btn, async () => {
          try {
            const shas = [];
            for (const f of files.files) shas.push(await upload(f, x.station_id));
            await post(`/api/v1/tasks/${x.id}/answer`, { answer: text.value, photos: shas }, { ifMatch: version });
            toast(t('tkAnswered'));
            ctx.refresh();
          } catch (err) {
            if (!stale(err)) showError(form, err instanceof ApiError ? err : String(err));
          }
        });
      });
      box.append(form);
    }
    // the inspector's verification (the server refuses whoever answered)
    if ((x.status === 'answered' || x.status === 'closed') && ctx.hasRole('inspector', 'district_admin', 'city_admin')) {
      const note = h('textarea', { rows: 3, maxlength: 2000 });
      const form = h('form', { class: 'card tk-verify', novalidate: true }, h('h2', null, t('tkVerify')),
        field(t('tkNote'), note, { name: 'note', hint: t('tkNoteHint') }));
      const act = (result) => async (ev) => {
        clearErrors(form);
        await busy(ev.currentTarget, async () => {
          try {
            const body = { result };
            if (note.value) body.note = note.value;
            await post(`/api/v1/tasks/${x.id}/verify`, body, { ifMatch: version });
            toast(t(result === 'close' ? 'tkClosed' : 'tkReopened'));
            ctx.refresh();
          } catch (err) {
            if (!stale(err)) showError(form, err instanceof ApiError ? err : String(err));
          }
        });
      };
      form.append(h('div', { class: 'row' },
        x.status === 'answered' ? h('button', { type: 'button', class: 'btn primary', 'data-result': 'close', onclick: act('close') }, t('tkClose')) : null,
        h('button', { type: 'button', class: 'btn', 'data-result': 'reopen', onclick: act('reopen') }, t('tkReopen'))));
      box.append(form);
    }
  });
}

export default {
  route: 'tasks',
  nav: 'navTasks',
  roles: ['city_admin', 'district_admin', 'operator', 'inspector', 'viewer'],
  render(main, ctx) {
    if (ctx.params[0]) return oneTask(main, ctx, ctx.params[0]);
    return board(main, ctx);
  },
};
