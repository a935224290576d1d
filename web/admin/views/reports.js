// SPDX-License-Identifier: MIT
// views/reports.js - the problem reports board (issue 11; Open311 lifecycle, docs/internals/
// reports.md): the list with its age, filtered by status, district, service and assignee and
// ordered newest or oldest first (kept in the fragment's query: #/reports?status=open&…), and
// one report (#/reports/{id}) moved forward open → acknowledged → in progress → closed with a
// reason, assigned to an operator of its station, with notes. The server decides who sees
// staff details and who may change what; the form shows only for those it offers assignees to.
import { get, patch, ApiError } from '../api.js';
import { t, addStrings, fmtTime, lang } from '../i18n.js';
import { h, field, pageHead, showError, clearErrors, busy, toast, table, select } from '../ui.js';

addStrings({
  'zh-Hans': {
    repTitle: '问题报告', repOne: '报告 #{id}', repStatus: '状态', repDistrict: '区县', repService: '问题类型',
    repAssignee: '指派给', repOrder: '排序', repNewest: '最新在前', repOldest: '最早在前', repAge: '已过',
    repStation: '驿站', repNobody: '未指派', repMine: '指派给我', repAnyone: '不限', repNotes: '处理备注',
    repReason: '关闭原因', repDesc: '描述', repHeldDesc: '（描述待审核）', repMeToo: '同样问题 {n} 次',
    repSave: '保存修改', repSaved: '报告 #{id} 已更新', repNoChange: '没有修改。', repBackList: '返回列表',
    repReadOnly: '你可以查看这份报告，但不能修改。', repRequested: '报告时间', repCount: '共 {n} 份报告',
    repStatusOf: { open: '待处理', acknowledged: '已受理', in_progress: '处理中', closed: '已关闭', not_closed: '未关闭' },
    repReasonOf: { fixed: '已修复', not_reproducible: '无法复现', duplicate: '重复报告' },
    repAgeD: '{d} 天 {h} 小时', repAgeH: '{h} 小时 {m} 分', repAgeM: '{m} 分钟',
  },
  'zh-Hant': {
    repTitle: '問題回報', repOne: '回報 #{id}', repStatus: '狀態', repDistrict: '區縣', repService: '問題類型',
    repAssignee: '指派給', repOrder: '排序', repNewest: '最新在前', repOldest: '最早在前', repAge: '已過',
    repStation: '驛站', repNobody: '未指派', repMine: '指派給我', repAnyone: '不限', repNotes: '處理備註',
    repReason: '關閉原因', repDesc: '描述', repHeldDesc: '（描述待審核）', repMeToo: '同樣問題 {n} 次',
    repSave: '儲存修改', repSaved: '回報 #{id} 已更新', repNoChange: '沒有修改。', repBackList: '返回列表',
    repReadOnly: '你可以檢視這份回報，但不能修改。', repRequested: '回報時間', repCount: '共 {n} 份回報',
    repStatusOf: { open: '待處理', acknowledged: '已受理', in_progress: '處理中', closed: '已關閉', not_closed: '未關閉' },
    repReasonOf: { fixed: '已修復', not_reproducible: '無法重現', duplicate: '重複回報' },
    repAgeD: '{d} 天 {h} 小時', repAgeH: '{h} 小時 {m} 分', repAgeM: '{m} 分鐘',
  },
  en: {
    repTitle: 'Problem reports', repOne: 'Report #{id}', repStatus: 'Status', repDistrict: 'District', repService: 'Problem',
    repAssignee: 'Assigned to', repOrder: 'Order', repNewest: 'Newest first', repOldest: 'Oldest first', repAge: 'Age',
    repStation: 'Station', repNobody: 'Nobody', repMine: 'Me', repAnyone: 'Anyone', repNotes: 'Notes',
    repReason: 'Reason for closing', repDesc: 'Description', repHeldDesc: '(description held for moderation)', repMeToo: 'reported {n} more times',
    repSave: 'Save changes', repSaved: 'Report #{id} updated', repNoChange: 'Nothing changed.', repBackList: 'Back to the list',
    repReadOnly: 'You may read this report but not change it.', repRequested: 'Reported', repCount: '{n} reports',
    repStatusOf: { open: 'Open', acknowledged: 'Acknowledged', in_progress: 'In progress', closed: 'Closed', not_closed: 'Not closed' },
    repReasonOf: { fixed: 'Fixed', not_reproducible: 'Not reproducible', duplicate: 'Duplicate' },
    repAgeD: '{d} d {h} h', repAgeH: '{h} h {m} min', repAgeM: '{m} min',
  },
});

const STATUSES = ['open', 'acknowledged', 'in_progress', 'closed'];
const REASONS = ['fixed', 'not_reproducible', 'duplicate'];
const FILTERS = ['status', 'district', 'service_code', 'assigned_to', 'order'];

/** Time since `iso`, as "3 天 4 小时". */
export function age(iso, now = Date.now()) {
  const s = Math.max(0, Math.floor((now - new Date(iso).getTime()) / 1000));
  const d = Math.floor(s / 86400), hh = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60);
  if (d) return t('repAgeD', { d, h: hh });
  if (hh) return t('repAgeH', { h: hh, m });
  return t('repAgeM', { m });
}

const statusText = (s) => t('repStatusOf')[s] || s;
const serviceText = (r) => (lang() === 'en' ? r.service_name_en : r.service_name) || r.service_code;
const who = (u) => (u ? `${u.name || u.login} (${u.login})` : t('repNobody'));

async function listView(main, ctx) {
  const q = ctx.query;
  const staff = ctx.hasRole('city_admin', 'district_admin', 'operator', 'moderator');
  const [districts, services] = await Promise.all([
    get('/api/v1/districts').then((r) => r.body.districts),
    get('/open311/v2/services.json').then((r) => r.body),
  ]);
  const params = {};
  for (const k of FILTERS) if (q.get(k)) params[k] = q.get(k);
  if (!staff) delete params.assigned_to;
  const { body } = await get('/api/v1/reports', { ...params, limit: 500 });

  const dName = (d) => (lang() === 'zh-Hant' ? d.name_hant || d.name : d.name);
  const sel = {
    status: select([['', t('all')], ...['not_closed', ...STATUSES].map((s) => [s, statusText(s)])], params.status, { name: 'status' }),
    district: select([['', t('all')], ...districts.map((d) => [d.code, dName(d)])], params.district, { name: 'district' }),
    service_code: select([['', t('all')], ...services.map((s) => [s.service_code, lang() === 'en' ? s.service_code.replace(/_/g, ' ') : s.service_name])], params.service_code, { name: 'service_code' }),
    assigned_to: staff ? select([['', t('repAnyone')], ['me', t('repMine')], ['none', t('repNobody')]], params.assigned_to, { name: 'assigned_to' }) : null,
    order: select([['', t('repNewest')], ['oldest', t('repOldest')]], params.order, { name: 'order' }),
  };
  const form = h('form', { class: 'filters', role: 'search', 'aria-label': t('filter') },
    field(t('repStatus'), sel.status, { name: 'status' }),
    field(t('repDistrict'), sel.district, { name: 'district' }),
    field(t('repService'), sel.service_code, { name: 'service_code' }),
    sel.assigned_to ? field(t('repAssignee'), sel.assigned_to, { name: 'assigned_to' }) : null,
    field(t('repOrder'), sel.order, { name: 'order' }),
    h('button', { type: 'submit', class: 'btn' }, t('apply')));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const nq = new URLSearchParams();
    for (const [k, s] of Object.entries(sel)) if (s && s.value) nq.set(k, s.value);
    const qs = nq.toString();
    ctx.navigate(`#/reports${qs ? `?${qs}` : ''}`);
  });
  for (const s of Object.values(sel)) if (s) s.addEventListener('change', () => form.requestSubmit());

  const rows = body.reports;
  const listQs = q.toString();
  main.append(pageHead(t('repTitle')), form,
    h('p', { class: 'muted', role: 'status' }, t('repCount', { n: body.count })),
    rows.length ? table([
      { label: '#', cell: (r) => h('a', { href: `#/reports/${r.id}${listQs ? `?${listQs}` : ''}` }, `#${r.id}`) },
      { label: t('repService'), cell: (r) => serviceText(r) },
      { label: t('repStation'), cell: (r) => r.station_code },
      { label: t('repStatus'), cell: (r) => h('span', { class: `badge ${r.status === 'open' ? 'status-open' : r.status === 'closed' ? 'ok' : ''}` }, statusText(r.status)) },
      { label: t('repAge'), cell: (r) => h('span', { title: fmtTime(r.requested_at) }, age(r.requested_at)) },
      { label: t('repAssignee'), cell: (r) => ('assigned_to' in r ? who(r.assignee) : '—') },
    ], rows, { label: t('repTitle'), caption: t('repTitle'), rowAttrs: (r) => ({ 'data-id': r.id }) })
      : h('p', null, t('empty')));
  main.querySelector('h1').focus();
}

async function oneView(main, ctx, id) {
  const back = `#/reports${ctx.query.toString() ? `?${ctx.query}` : ''}`;
  const { body: r } = await get(`/api/v1/reports/${encodeURIComponent(id)}`);
  main.append(pageHead(t('repOne', { id: r.id }), h('a', { class: 'btn', href: back }, t('repBackList'))));
  main.append(h('dl', { class: 'facts' },
    h('dt', null, t('repService')), h('dd', null, serviceText(r)),
    h('dt', null, t('repStation')), h('dd', null, `${r.station_code} ${r.address || ''}`),
    h('dt', null, t('repStatus')), h('dd', { id: 'rep-status' }, statusText(r.status), r.reason ? ` · ${t('repReasonOf')[r.reason] || r.reason}` : ''),
    h('dt', null, t('repRequested')), h('dd', null, `${fmtTime(r.requested_at)} · ${age(r.requested_at)}`),
    h('dt', null, t('repDesc')), h('dd', null, r.description === null ? t('repHeldDesc') : r.description),
    r.me_too ? [h('dt', null, ''), h('dd', null, t('repMeToo', { n: r.me_too }))] : null,
    'assigned_to' in r ? [h('dt', null, t('repAssignee')), h('dd', { id: 'rep-assignee' }, who(r.assignee))] : null,
    r.notes ? [h('dt', null, t('repNotes')), h('dd', null, r.notes)] : null));
  if (!Array.isArray(r.assignable)) { // the server offers assignees only to those who may change it
    main.append(h('p', { class: 'note' }, t('repReadOnly')));
    main.querySelector('h1').focus();
    return;
  }
  const idx = STATUSES.indexOf(r.status);
  const status = select([[r.status, statusText(r.status)], ...STATUSES.slice(idx + 1).map((s) => [s, statusText(s)])], r.status, { name: 'status' });
  const reason = select([['', '—'], ...REASONS.map((x) => [x, t('repReasonOf')[x]])], r.reason || '', { name: 'reason' });
  const people = r.assignable.slice();
  if (r.assignee && !people.some((u) => u.id === r.assignee.id)) people.push(r.assignee);
  const assignee = select([['', t('repNobody')], ...people.map((u) => [String(u.id), who(u)])], r.assigned_to ?? '', { name: 'assigned_to' });
  const notes = h('textarea', { maxlength: 2000 }, r.notes || '');
  const reasonField = field(t('repReason'), reason, { name: 'reason' });
  const syncReason = () => { reasonField.hidden = status.value !== 'closed'; };
  status.addEventListener('change', syncReason);
  syncReason();
  const btn = h('button', { type: 'submit', class: 'btn primary' }, t('repSave'));
  const form = h('form', { class: 'card', novalidate: true },
    r.status !== 'closed' ? field(t('repStatus'), status, { name: 'status' }) : null,
    r.status !== 'closed' ? reasonField : null,
    field(t('repAssignee'), assignee, { name: 'assigned_to' }),
    field(t('repNotes'), notes, { name: 'notes', hint: '≤ 2000' }),
    btn);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(form);
    const change = {};
    if (r.status !== 'closed' && status.value !== r.status) {
      change.status = status.value;
      if (status.value === 'closed') change.reason = reason.value || null;
    }
    const a = assignee.value ? Number(assignee.value) : null;
    if (a !== (r.assigned_to ?? null)) change.assigned_to = a;
    if (notes.value !== (r.notes || '')) change.notes = notes.value;
    if (!Object.keys(change).length) { toast(t('repNoChange')); return; }
    await busy(btn, async () => {
      try {
        await patch(`/api/v1/reports/${r.id}`, change);
        toast(t('repSaved', { id: r.id }));
        ctx.refresh();
      } catch (err) {
        if (err instanceof ApiError && err.status === 409 && err.field === 'status') {
          toast(t('stale'), 'bad'); // someone moved it meanwhile: show the current state
          ctx.refresh();
          return;
        }
        showError(form, err instanceof ApiError ? err : String(err));
      }
    });
  });
  main.append(form);
  main.querySelector('h1').focus();
}

export default {
  route: 'reports',
  nav: 'navReports',
  roles: ['city_admin', 'district_admin', 'operator', 'moderator', 'viewer'],
  render(main, ctx) {
    if (ctx.params[0]) return oneView(main, ctx, ctx.params[0]);
    return listView(main, ctx);
  },
};
