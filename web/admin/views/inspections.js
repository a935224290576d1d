// SPDX-License-Identifier: MIT
// views/inspections.js - inspections (issue 12, point 2; docs/internals/inspections.md): the
// list filtered by station, district, kind and status (kept in the fragment's query), a new
// inspection by a staff inspector with the form the experience officers use
// (../../shared/inspect-form.js: kept in IndexedDB, sent with its client_id), and a submitted
// inspection read-only with its scores. The server decides what each role sees.
import { get, request, ApiError } from '../api.js';
import { t, addStrings, fmtTime, lang } from '../i18n.js';
import { h, field, pageHead, table, select, failure } from '../ui.js';
import { inspectForm, inspectionView, draftFor, flush, inspectLabel } from '../../shared/inspect-form.js';

addStrings({
  'zh-Hans': {
    inTitle: '检查', inNew: '新建检查', inOne: '检查 #{id}', inStation: '驿站', inDistrict: '区县', inKind: '类型',
    inStatus: '状态', inScore: '总分', inCreated: '创建时间', inSubmitted: '提交时间', inCount: '共 {n} 次检查',
    inStationCode: '驿站编号或 ID', inOpen: '打开表单', inBack: '返回列表', inNoStation: '没有这个驿站',
    inKindOf: { open: '公开检查', secret: '暗访', experience_officer: '体验官' }, inStatusOf: { draft: '草稿', submitted: '已提交' },
    inChecklist: '清单', inView: '查看',
  },
  'zh-Hant': {
    inTitle: '檢查', inNew: '新增檢查', inOne: '檢查 #{id}', inStation: '驛站', inDistrict: '區縣', inKind: '類型',
    inStatus: '狀態', inScore: '總分', inCreated: '建立時間', inSubmitted: '提交時間', inCount: '共 {n} 次檢查',
    inStationCode: '驛站編號或 ID', inOpen: '開啟表單', inBack: '返回列表', inNoStation: '沒有這個驛站',
    inKindOf: { open: '公開檢查', secret: '暗訪', experience_officer: '體驗官' }, inStatusOf: { draft: '草稿', submitted: '已提交' },
    inChecklist: '清單', inView: '檢視',
  },
  en: {
    inTitle: 'Inspections', inNew: 'New inspection', inOne: 'Inspection #{id}', inStation: 'Station', inDistrict: 'District', inKind: 'Kind',
    inStatus: 'Status', inScore: 'Overall', inCreated: 'Created', inSubmitted: 'Submitted', inCount: '{n} inspections',
    inStationCode: 'Station code or id', inOpen: 'Open the form', inBack: 'Back to the list', inNoStation: 'No such station',
    inKindOf: { open: 'Open', secret: 'Unannounced', experience_officer: 'Experience officer' }, inStatusOf: { draft: 'Draft', submitted: 'Submitted' },
    inChecklist: 'Checklist', inView: 'View',
  },
});

const FILTERS = ['station', 'district', 'kind', 'status'];
const KINDS = ['open', 'secret', 'experience_officer'];
const CREATORS = ['city_admin', 'district_admin', 'inspector'];

/** The form module's transport over the console's session (cookie and CSRF token). */
async function send(method, path, { json, blob } = {}) {
  try {
    const r = await request(path, blob ? { method, body: blob, headers: { 'Content-Type': blob.type || 'image/jpeg' } } : { method, json, quiet401: false });
    return { status: r.status, body: r.body };
  } catch (e) {
    if (e instanceof ApiError && e.kind === 'offline') { const o = new Error('offline'); o.offline = true; throw o; }
    if (e instanceof ApiError) return { status: e.status, body: e.body };
    throw e;
  }
}

async function listView(main, ctx) {
  const q = ctx.query;
  const params = {};
  for (const k of FILTERS) if (q.get(k)) params[k] = q.get(k);
  const [districts, list] = await Promise.all([
    get('/api/v1/districts').then((r) => r.body.districts),
    get('/api/v1/inspections', { ...params, limit: 200 }).then((r) => r.body).catch((e) => e),
  ]);
  const dName = (d) => (lang() === 'zh-Hant' ? d.name_hant || d.name : d.name);
  const stationIn = h('input', { name: 'station', value: params.station || '', inputmode: 'numeric' });
  const sel = {
    district: select([['', t('all')], ...districts.map((d) => [d.code, dName(d)])], params.district, { name: 'district' }),
    kind: select([['', t('all')], ...KINDS.map((k) => [k, t('inKindOf')[k]])], params.kind, { name: 'kind' }),
    status: select([['', t('all')], ...['draft', 'submitted'].map((s) => [s, t('inStatusOf')[s]])], params.status, { name: 'status' }),
  };
  const form = h('form', { class: 'filters', role: 'search', 'aria-label': t('filter') },
    field(t('inStation'), stationIn, { name: 'station', hint: 'ID' }),
    field(t('inDistrict'), sel.district, { name: 'district' }),
    field(t('inKind'), sel.kind, { name: 'kind' }),
    field(t('inStatus'), sel.status, { name: 'status' }),
    h('button', { type: 'submit', class: 'btn' }, t('apply')));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const nq = new URLSearchParams();
    if (stationIn.value.trim()) nq.set('station', stationIn.value.trim());
    for (const [k, s] of Object.entries(sel)) if (s.value) nq.set(k, s.value);
    const qs = nq.toString();
    ctx.navigate(`#/inspections${qs ? `?${qs}` : ''}`);
  });
  for (const s of Object.values(sel)) s.addEventListener('change', () => form.requestSubmit());
  const tools = ctx.hasRole(...CREATORS) ? [h('a', { class: 'btn primary', href: '#/inspections/new', id: 'insp-new' }, t('inNew'))] : [];
  main.append(pageHead(t('inTitle'), ...tools), form);
  if (list instanceof Error) { main.append(failure(list, () => ctx.refresh())); return; }
  const rows = list.inspections || [];
  const listQs = q.toString();
  main.append(h('p', { class: 'muted', role: 'status' }, t('inCount', { n: rows.length })),
    rows.length ? table([
      { label: '#', cell: (r) => h('a', { href: `#/inspections/${r.id}${listQs ? `?${listQs}` : ''}` }, `#${r.id}`) },
      { label: t('inStation'), cell: (r) => `${r.station.name || ''} (${r.station.code || r.station.id})` },
      { label: t('inKind'), cell: (r) => t('inKindOf')[r.kind] || r.kind },
      { label: t('inStatus'), cell: (r) => h('span', { class: `badge ${r.status === 'submitted' ? 'ok' : ''}` }, t('inStatusOf')[r.status] || r.status) },
      { label: t('inScore'), cell: (r) => (r.scores && r.scores.overall !== null && r.scores.overall !== undefined ? String(r.scores.overall) : '—') },
      { label: t('inCreated'), cell: (r) => fmtTime(r.created_at) },
    ], rows, { label: t('inTitle'), caption: t('inTitle'), rowAttrs: (r) => ({ 'data-id': r.id }) })
      : h('p', null, t('empty')));
  main.querySelector('h1').focus();
}

async function newView(main, ctx) {
  flush('staff', send).catch(() => {}); // anything left queued on this device
  const code = ctx.query.get('station');
  const back = h('a', { class: 'btn', href: '#/inspections' }, t('inBack'));
  const inp = h('input', { name: 'station', value: code || '', autocomplete: 'off' });
  const pick = h('form', { class: 'filters' }, field(t('inStationCode'), inp, { name: 'station' }),
    h('button', { type: 'submit', class: 'btn primary' }, t('inOpen')));
  pick.addEventListener('submit', (ev) => {
    ev.preventDefault();
    if (inp.value.trim()) ctx.navigate(`#/inspections/new?station=${encodeURIComponent(inp.value.trim())}`);
  });
  main.append(pageHead(t('inNew'), back), pick);
  if (!code) { main.querySelector('h1').focus(); return; }
  let st;
  try {
    st = (await get(`/api/v1/stations/${encodeURIComponent(code)}`)).body;
  } catch (e) {
    main.append(failure(e.status === 404 ? t('inNoStation') : e));
    return;
  }
  const cls = (await get('/api/v1/checklists')).body.checklists;
  const d = await draftFor('staff', { id: st.id, code: st.code, name: st.name });
  main.append(h('h2', null, `${st.name} (${st.code})`), inspectForm(d, {
    scope: 'staff', send, lang, checklists: cls,
    onSent: (x) => { if (x.result) ctx.navigate(`#/inspections/${x.result.id}`); },
  }));
  main.querySelector('h1').focus();
}

async function oneView(main, ctx, id) {
  const back = `#/inspections${ctx.query.toString() ? `?${ctx.query}` : ''}`;
  const { body: r } = await get(`/api/v1/inspections/${encodeURIComponent(id)}`);
  const { body: cl } = await get(`/api/v1/checklists/${r.checklist.id}`);
  main.append(pageHead(t('inOne', { id: r.id }), h('a', { class: 'btn', href: back }, t('inBack'))),
    h('dl', { class: 'if-scores' },
      h('dt', null, t('inStation')), h('dd', null, `${r.station.name || ''} (${r.station.code || r.station.id})`),
      h('dt', null, t('inChecklist')), h('dd', null, `${inspectLabel(cl.labels)} v${cl.version}`),
      h('dt', null, t('inKind')), h('dd', null, t('inKindOf')[r.kind] || r.kind),
      h('dt', null, t('inStatus')), h('dd', { id: 'insp-status' }, t('inStatusOf')[r.status] || r.status),
      h('dt', null, t('inSubmitted')), h('dd', null, r.submitted_at ? fmtTime(r.submitted_at) : '—')),
    inspectionView(r, cl, lang));
  main.querySelector('h1').focus();
}

export default {
  route: 'inspections',
  nav: 'navInspections',
  roles: ['city_admin', 'district_admin', 'operator', 'inspector'],
  render(main, ctx) {
    if (ctx.params[0] === 'new') return newView(main, ctx);
    if (ctx.params[0]) return oneView(main, ctx, ctx.params[0]);
    return listView(main, ctx);
  },
};
