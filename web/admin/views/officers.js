// SPDX-License-Identifier: MIT
// views/officers.js - experience officers (体验官; issue 12; docs/internals/inspections.md,
// "Experience officers"), for city admins: the list from GET /api/v1/officers (pseudonymous:
// officer number, appointment, inspections submitted, the last one; no worker id), filtered by
// status in the fragment's query (#/officers?status=active); appointing one by the code the
// worker's phone shows (POST /api/v1/officers); revoking one with a reason, after a
// confirmation (POST /api/v1/officers/{id}/revoke; its inspections stay).
import { get, post } from '../api.js';
import { t, addStrings, fmtTime } from '../i18n.js';
import { h, field, pageHead, table, select, failure, showError, clearErrors, busy, toast, confirmDialog } from '../ui.js';

addStrings({
  'zh-Hans': {
    ofTitle: '体验官', ofCount: '共 {n} 位，{a} 位在任', ofNo: '体验官编号', ofStatus: '状态', ofActive: '在任', ofRevoked: '已撤销',
    ofAppointed: '任命时间', ofInspections: '已提交检查', ofLast: '最近一次', ofRevokedAt: '撤销时间', ofReason: '撤销原因',
    ofAppoint: '任命体验官', ofCode: '任命码', ofCodeHint: '劳动者在手机上“成为体验官”页面显示的 10 位码，15 分钟内有效。',
    ofAppointBtn: '任命', ofAppointed1: '已任命体验官 #{id}。', ofAgain: '该劳动者已是体验官 #{id}。',
    ofRevoke: '撤销', ofRevokeOf: '撤销体验官 #{id}', ofReasonHint: '必填，最多 200 字；会记入审计日志。',
    ofRevokeBtn: '确认撤销', ofConfirm: '撤销体验官 #{id}？其已提交的检查保留，未提交的草稿将无法提交。',
    ofRevokedOk: '体验官 #{id} 已撤销。', ofNone: '还没有体验官。',
  },
  'zh-Hant': {
    ofTitle: '體驗官', ofCount: '共 {n} 位，{a} 位在任', ofNo: '體驗官編號', ofStatus: '狀態', ofActive: '在任', ofRevoked: '已撤銷',
    ofAppointed: '任命時間', ofInspections: '已提交檢查', ofLast: '最近一次', ofRevokedAt: '撤銷時間', ofReason: '撤銷原因',
    ofAppoint: '任命體驗官', ofCode: '任命碼', ofCodeHint: '勞動者在手機上「成為體驗官」頁面顯示的 10 位碼，15 分鐘內有效。',
    ofAppointBtn: '任命', ofAppointed1: '已任命體驗官 #{id}。', ofAgain: '該勞動者已是體驗官 #{id}。',
    ofRevoke: '撤銷', ofRevokeOf: '撤銷體驗官 #{id}', ofReasonHint: '必填，最多 200 字；會記入稽核日誌。',
    ofRevokeBtn: '確認撤銷', ofConfirm: '撤銷體驗官 #{id}？其已提交的檢查保留，未提交的草稿將無法提交。',
    ofRevokedOk: '體驗官 #{id} 已撤銷。', ofNone: '還沒有體驗官。',
  },
  en: {
    ofTitle: 'Experience officers', ofCount: '{n} in all, {a} active', ofNo: 'Officer', ofStatus: 'Status', ofActive: 'Active', ofRevoked: 'Revoked',
    ofAppointed: 'Appointed', ofInspections: 'Inspections submitted', ofLast: 'Last one', ofRevokedAt: 'Revoked', ofReason: 'Reason',
    ofAppoint: 'Appoint an officer', ofCode: 'Appointment code', ofCodeHint: "The 10-character code the worker's phone shows (“become an officer”); it lasts 15 minutes.",
    ofAppointBtn: 'Appoint', ofAppointed1: 'Officer #{id} appointed.', ofAgain: 'This worker is officer #{id} already.',
    ofRevoke: 'Revoke', ofRevokeOf: 'Revoke officer #{id}', ofReasonHint: 'Required, at most 200 characters; kept in the audit log.',
    ofRevokeBtn: 'Revoke', ofConfirm: 'Revoke officer #{id}? Their submitted inspections stay; their drafts can no longer be submitted.',
    ofRevokedOk: 'Officer #{id} revoked.', ofNone: 'No experience officers yet.',
  },
});

function appointForm(ctx) {
  const code = h('input', { name: 'code', class: 'code-input', autocomplete: 'off', autocapitalize: 'characters', spellcheck: 'false', maxlength: 10, required: true });
  const btn = h('button', { type: 'submit', class: 'btn primary' }, t('ofAppointBtn'));
  const form = h('form', { class: 'card', id: 'of-appoint', novalidate: true, 'aria-labelledby': 'of-appoint-h' },
    h('h2', { id: 'of-appoint-h' }, t('ofAppoint')),
    field(t('ofCode'), code, { name: 'code', hint: t('ofCodeHint'), required: true }), btn);
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    clearErrors(form);
    busy(btn, async () => {
      try {
        const r = await post('/api/v1/officers', { code: code.value.trim() });
        toast(r.status === 201 ? t('ofAppointed1', { id: r.body.id }) : t('ofAgain', { id: r.body.id }));
        ctx.refresh();
      } catch (e) {
        showError(form, e);
      }
    });
  });
  return form;
}

function revokeForm(ctx, o, box) {
  const reason = h('textarea', { name: 'reason', rows: 2, maxlength: 200, required: true });
  const btn = h('button', { type: 'submit', class: 'btn danger' }, t('ofRevokeBtn'));
  const form = h('form', { class: 'card', id: 'of-revoke', novalidate: true, 'data-officer': o.id, 'aria-labelledby': 'of-revoke-h' },
    h('h2', { id: 'of-revoke-h' }, t('ofRevokeOf', { id: o.id })),
    field(t('ofReason'), reason, { name: 'reason', hint: t('ofReasonHint'), required: true }),
    h('div', { class: 'row' }, btn, h('button', { type: 'button', class: 'btn', onclick: () => box.replaceChildren() }, t('cancel'))));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    clearErrors(form);
    busy(btn, async () => {
      if (!(await confirmDialog(t('ofConfirm', { id: o.id }), t('ofRevokeBtn')))) return;
      try {
        await post(`/api/v1/officers/${o.id}/revoke`, { reason: reason.value });
        toast(t('ofRevokedOk', { id: o.id }));
        ctx.refresh();
      } catch (e) {
        showError(form, e);
      }
    });
  });
  return form;
}

async function listView(main, ctx) {
  const status = ctx.query.get('status') || '';
  const data = await get('/api/v1/officers').then((r) => r.body).catch((e) => e);
  const sSel = select([['', t('all')], ['active', t('ofActive')], ['revoked', t('ofRevoked')]], status, { name: 'status' });
  const filters = h('form', { class: 'filters', role: 'search', 'aria-label': t('filter') },
    field(t('ofStatus'), sSel, { name: 'status' }), h('button', { type: 'submit', class: 'btn' }, t('apply')));
  filters.addEventListener('submit', (ev) => {
    ev.preventDefault();
    ctx.navigate(`#/officers${sSel.value ? `?status=${sSel.value}` : ''}`);
  });
  sSel.addEventListener('change', () => filters.requestSubmit());
  main.append(pageHead(t('ofTitle')), appointForm(ctx), filters);
  if (data instanceof Error) { main.append(failure(data, () => ctx.refresh())); return; }
  const rows = data.officers.filter((o) => !status || (status === 'active') === o.active);
  const revokeBox = h('div', { id: 'of-revoke-box' });
  main.append(h('p', { class: 'muted', role: 'status' }, t('ofCount', { n: data.count, a: data.active })));
  if (!rows.length) { main.append(h('p', null, data.count ? t('empty') : t('ofNone'))); return; }
  main.append(table([
    { label: t('ofNo'), cell: (o) => `#${o.id}` },
    { label: t('ofStatus'), cell: (o) => h('span', { class: `badge ${o.active ? 'ok' : 'bad'}` }, o.active ? t('ofActive') : t('ofRevoked')) },
    { label: t('ofAppointed'), cell: (o) => fmtTime(o.appointed_at) },
    { label: t('ofInspections'), cell: (o) => String(o.inspections) },
    { label: t('ofLast'), cell: (o) => (o.last_inspection_at ? fmtTime(o.last_inspection_at) : '—') },
    { label: t('ofRevokedAt'), cell: (o) => (o.revoked_at ? fmtTime(o.revoked_at) : '—') },
    { label: t('ofReason'), cell: (o) => o.revoke_reason || '—' },
    { label: t('actions'), cell: (o) => (o.active ? h('button', { type: 'button', class: 'btn small danger', 'data-revoke': o.id, 'aria-label': t('ofRevokeOf', { id: o.id }),
      onclick: () => { revokeBox.replaceChildren(revokeForm(ctx, o, revokeBox)); revokeBox.querySelector('textarea').focus(); } }, t('ofRevoke')) : '—') },
  ], rows, { label: t('ofTitle'), caption: t('ofTitle'), rowAttrs: (o) => ({ 'data-id': o.id, 'data-active': String(o.active) }) }), revokeBox);
}

export default {
  route: 'officers',
  nav: 'navOfficers',
  roles: ['city_admin'],
  render(main, ctx) {
    return listView(main, ctx);
  },
};
