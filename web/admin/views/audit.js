// SPDX-License-Identifier: MIT
// views/audit.js - the audit log (#/audit): filters by user, record (kind and id), district,
// dates, action and outcome, kept in the fragment; pages newest first (before_id); each entry
// opens to show the record before and after side by side, changed members marked; the filtered
// log downloads as CSV (GET /api/v1/audit.csv, UTF-8 with a BOM written by the server). A
// district admin reads only their districts' entries: the server filters (docs/internals/
// audit.md), and the district list offers only theirs.
import { get, request, ApiError } from '../api.js';
import { t, addStrings, lang, fmtTime } from '../i18n.js';
import { h, field, pageHead, showError, busy, toast, select, download } from '../ui.js';

addStrings({
  'zh-Hans': {
    audUser: '操作人（账号或编号）', audKind: '记录类型', audId: '记录编号', audDistrict: '区县', audFrom: '起始日期', audTo: '截止日期（不含）',
    audAction: '操作', audOutcome: '结果', audAny: '全部', audOk: '成功', audRefused: '被拒绝', audFailed: '失败',
    audApply: '筛选', audClear: '清除筛选', audCsv: '导出 CSV', audCsvDone: '已下载 {name}', audWhen: '时间', audWho: '操作人',
    audRecord: '记录', audShow: '展开', audHide: '收起', audNewer: '回到最新',
    audOlder: '更早的记录', audBefore: '修改前', audAfter: '修改后', audKey: '字段', audChanged: '已改', audNone: '（无）',
    audReason: '原因', audFrom2: '来源地址', audRequest: '请求', audAll: '全部区县', audRecordHint: '如 station、user、event',
    audCount: '本页 {n} 条', audCli: '命令行', audToken: '管理令牌', audAnon: '未登录',
  },
  'zh-Hant': {
    audUser: '操作人（帳號或編號）', audKind: '記錄類型', audId: '記錄編號', audDistrict: '區縣', audFrom: '起始日期', audTo: '截止日期（不含）',
    audAction: '操作', audOutcome: '結果', audAny: '全部', audOk: '成功', audRefused: '被拒絕', audFailed: '失敗',
    audApply: '篩選', audClear: '清除篩選', audCsv: '匯出 CSV', audCsvDone: '已下載 {name}', audWhen: '時間', audWho: '操作人',
    audRecord: '記錄', audShow: '展開', audHide: '收起', audNewer: '回到最新',
    audOlder: '更早的記錄', audBefore: '修改前', audAfter: '修改後', audKey: '欄位', audChanged: '已改', audNone: '（無）',
    audReason: '原因', audFrom2: '來源位址', audRequest: '請求', audAll: '全部區縣', audRecordHint: '如 station、user、event',
    audCount: '本頁 {n} 筆', audCli: '命令列', audToken: '管理權杖', audAnon: '未登入',
  },
  en: {
    audUser: 'By (login or id)', audKind: 'Record kind', audId: 'Record id', audDistrict: 'District', audFrom: 'From', audTo: 'Until (exclusive)',
    audAction: 'Action', audOutcome: 'Outcome', audAny: 'Any', audOk: 'done', audRefused: 'refused', audFailed: 'failed',
    audApply: 'Filter', audClear: 'Clear filters', audCsv: 'Export CSV', audCsvDone: '{name} downloaded', audWhen: 'When', audWho: 'By',
    audRecord: 'Record', audShow: 'Open', audHide: 'Close', audNewer: 'Newest',
    audOlder: 'Older entries', audBefore: 'Before', audAfter: 'After', audKey: 'Field', audChanged: 'changed', audNone: '(none)',
    audReason: 'Reason', audFrom2: 'Address', audRequest: 'Request', audAll: 'All districts', audRecordHint: 'e.g. station, user, event',
    audCount: '{n} on this page', audCli: 'command line', audToken: 'admin token', audAnon: 'not signed in',
  },
});

const KINDS = ['station', 'user', 'event', 'report', 'canteen', 'offer', 'moderation', 'import'];
const FILTERS = ['user', 'record', 'district', 'from', 'to', 'action', 'outcome'];
const ACTIONS = ['station_patch', 'stations_create', 'station_delete', 'users_create', 'user_patch', 'session_create',
  'report_patch', 'events_create', 'event_patch', 'event_cancel', 'moderation_approve', 'moderation_reject',
  'canteens_create', 'offers_create', 'orders_redeem', 'session_password'];

const outcomeText = (o) => ({ ok: t('audOk'), refused: t('audRefused'), failed: t('audFailed') }[o] || o);
const actorText = (a) => (a.kind === 'user' ? a.login : a.kind === 'cli' ? `${t('audCli')} ${a.login}` : a.kind === 'admin_token' ? t('audToken') : (a.login || t('audAnon')));
const show = (v) => (v === undefined ? t('audNone') : typeof v === 'string' ? v : JSON.stringify(v));

/** Before and after side by side: one row per member of either, changed ones marked (a word
 * and a colour, not a colour alone). Nested values are compared and shown as JSON. */
export function diffTable(before, after) {
  const b = before && typeof before === 'object' ? before : {};
  const a = after && typeof after === 'object' ? after : {};
  const keys = [...new Set([...Object.keys(b), ...Object.keys(a)])];
  const rows = keys.map((k) => {
    const changed = JSON.stringify(b[k]) !== JSON.stringify(a[k]) && before !== null && after !== null;
    return h('tr', { class: changed ? 'changed' : null },
      h('th', { scope: 'row' }, k, changed ? h('span', { class: 'badge bad' }, t('audChanged')) : null),
      h('td', null, h('code', null, before === null ? '' : show(b[k]))),
      h('td', null, h('code', null, after === null ? '' : show(a[k]))));
  });
  return h('div', { class: 'table-wrap diff', tabindex: '0', role: 'region', 'aria-label': `${t('audBefore')} / ${t('audAfter')}` },
    h('table', null,
      h('thead', null, h('tr', null, h('th', { scope: 'col' }, t('audKey')),
        h('th', { scope: 'col' }, t('audBefore'), before === null ? ` ${t('audNone')}` : ''),
        h('th', { scope: 'col' }, t('audAfter'), after === null ? ` ${t('audNone')}` : ''))),
      h('tbody', null, rows)));
}

function detail(e) {
  return h('div', { class: 'audit-detail' },
    h('dl', { class: 'facts' },
      h('dt', null, t('audRequest')), h('dd', null, `${e.method} ${e.path} → ${e.status}`),
      h('dt', null, t('audFrom2')), h('dd', null, e.addr || '—'),
      e.reason ? [h('dt', null, t('audReason')), h('dd', null, e.reason)] : null),
    diffTable(e.before, e.after));
}

export default {
  route: 'audit',
  nav: 'navAudit',
  roles: ['city_admin', 'district_admin'],
  async render(main, ctx) {
    const q = ctx.query;
    const mine = ctx.hasRole('city_admin') ? null : (ctx.scopeOf('district_admin') || []);
    const districts = (await get('/api/v1/districts')).body.districts.filter((d) => !mine || mine.includes(d.code));
    const [kind0, id0] = (q.get('record') || '').split(':');
    const inputs = {
      user: h('input', { name: 'user', value: q.get('user') || '', autocomplete: 'off', autocapitalize: 'none' }),
      kind: h('input', { name: 'kind', value: kind0 || '', list: 'aud-kinds', autocomplete: 'off' }),
      id: h('input', { name: 'id', value: id0 || '', inputmode: 'numeric', autocomplete: 'off' }),
      district: select([['', mine ? t('audAny') : t('audAll')], ...districts.map((d) => [d.code, `${lang() === 'zh-Hant' ? d.name_hant || d.name : d.name} (${d.code})`])], q.get('district') || '', { name: 'district' }),
      from: h('input', { name: 'from', type: 'date', value: q.get('from') || '' }),
      to: h('input', { name: 'to', type: 'date', value: q.get('to') || '' }),
      action: h('input', { name: 'action', value: q.get('action') || '', list: 'aud-actions', autocomplete: 'off' }),
      outcome: select([['', t('audAny')], ['ok', t('audOk')], ['refused', t('audRefused')], ['failed', t('audFailed')]], q.get('outcome') || '', { name: 'outcome' }),
    };
    const form = h('form', { class: 'filters audit-filters', role: 'search' },
      h('datalist', { id: 'aud-kinds' }, KINDS.map((k) => h('option', { value: k }))),
      h('datalist', { id: 'aud-actions' }, ACTIONS.map((k) => h('option', { value: k }))),
      field(t('audUser'), inputs.user, { name: 'user' }),
      field(t('audKind'), inputs.kind, { name: 'record', hint: t('audRecordHint') }),
      field(t('audId'), inputs.id, { name: 'record_id' }),
      field(t('audDistrict'), inputs.district, { name: 'district' }),
      field(t('audFrom'), inputs.from, { name: 'from' }),
      field(t('audTo'), inputs.to, { name: 'to' }),
      field(t('audAction'), inputs.action, { name: 'action' }),
      field(t('audOutcome'), inputs.outcome, { name: 'outcome' }),
      h('div', { class: 'row' }, h('button', { type: 'submit', class: 'btn primary' }, t('audApply')),
        h('a', { class: 'btn', href: '#/audit' }, t('audClear'))));
    /** The filter as the fragment and the API take it. */
    const filter = () => {
      const p = new URLSearchParams();
      const v = (el) => el.value.trim();
      if (v(inputs.user)) p.set('user', v(inputs.user));
      if (v(inputs.kind) || v(inputs.id)) p.set('record', `${v(inputs.kind)}:${v(inputs.id)}`);
      for (const k of ['district', 'from', 'to', 'action', 'outcome']) if (v(inputs[k])) p.set(k, v(inputs[k]));
      return p;
    };
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const p = filter();
      ctx.navigate(`#/audit${p.toString() ? `?${p}` : ''}`);
    });
    const csvBtn = h('button', { type: 'button', class: 'btn' }, t('audCsv'));
    main.append(pageHead(t('navAudit'), csvBtn), form);
    // what the page shows: the fragment's filter (the form may have been edited since)
    const shown = new URLSearchParams();
    for (const k of FILTERS) if (q.get(k)) shown.set(k, q.get(k));
    csvBtn.addEventListener('click', () => busy(csvBtn, async () => {
      try {
        const res = await request(`/api/v1/audit.csv${shown.toString() ? `?${shown}` : ''}`, { raw: true, headers: { Accept: 'text/csv' } });
        const name = `audit-${new Date().toISOString().slice(0, 10)}.csv`;
        download(await res.blob(), name); // the server's bytes as they are: BOM included
        toast(t('audCsvDone', { name }));
      } catch (err) {
        showError(form, err instanceof ApiError ? err : String(err));
      }
    }));
    const params = Object.fromEntries(shown);
    if (q.get('before_id')) params.before_id = q.get('before_id');
    let r;
    try {
      r = await get('/api/v1/audit', params);
    } catch (err) {
      if (err instanceof ApiError && (err.status === 400 || err.status === 403)) {
        // a bad or refused filter: under its field (record's id and kind share "record")
        showError(form, err);
        return;
      }
      throw err;
    }
    const entries = r.body.entries;
    const body = h('tbody');
    for (const e of entries) {
      const panel = h('tr', { class: 'audit-panel', hidden: true }, h('td', { colspan: '6' }));
      const word = h('span', null, t('audShow'));
      const btn = h('button', { type: 'button', class: 'btn small', 'aria-expanded': 'false' }, word,
        h('span', { class: 'vh' }, ` #${e.id}`));
      btn.addEventListener('click', () => {
        const open = panel.hidden;
        if (open && !panel.firstChild.firstChild) panel.firstChild.append(detail(e));
        panel.hidden = !open;
        btn.setAttribute('aria-expanded', String(open));
        word.textContent = open ? t('audHide') : t('audShow');
      });
      const rec = e.record.kind ? `${e.record.kind}${e.record.id ? ` #${e.record.id}` : ''}` : '—';
      const cols = [t('audWhen'), t('audWho'), t('audAction'), t('audRecord'), t('audOutcome'), t('actions')];
      body.append(h('tr', { 'data-id': String(e.id) },
        h('th', { scope: 'row', 'data-label': cols[0] }, h('time', { datetime: e.at }, fmtTime(e.at))),
        h('td', { 'data-label': cols[1] }, actorText(e.actor)),
        h('td', { 'data-label': cols[2] }, e.action),
        h('td', { 'data-label': cols[3] }, rec, e.record.district ? h('div', { class: 'muted' }, e.record.district) : null),
        h('td', { 'data-label': cols[4] }, h('span', { class: `badge ${e.outcome === 'ok' ? 'ok' : 'bad'}` }, `${outcomeText(e.outcome)} ${e.status}`)),
        h('td', { 'data-label': cols[5] }, btn)), panel);
    }
    const cols = [t('audWhen'), t('audWho'), t('audAction'), t('audRecord'), t('audOutcome'), t('actions')];
    main.append(h('p', { class: 'muted', role: 'status' }, t('audCount', { n: entries.length })),
      entries.length
        ? h('div', { class: 'table-wrap cards', tabindex: '0', role: 'region', 'aria-label': t('navAudit') },
          h('table', { class: 'audit' }, h('caption', { class: 'vh' }, t('navAudit')),
            h('thead', null, h('tr', null, cols.map((c) => h('th', { scope: 'col' }, c)))), body))
        : h('p', null, t('empty')));
    const pager = h('nav', { class: 'pager', 'aria-label': t('navAudit') });
    const page = (before) => { const p = new URLSearchParams(shown); if (before) p.set('before_id', before); return `#/audit?${p}`; };
    if (q.get('before_id')) pager.append(h('a', { class: 'btn', href: page(null) }, t('audNewer')));
    if (r.body.next_before_id) pager.append(h('a', { class: 'btn', href: page(r.body.next_before_id) }, t('audOlder')));
    main.append(pager);
    main.querySelector('h1').focus();
  },
};
