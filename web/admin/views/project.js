// SPDX-License-Identifier: MIT
// views/project.js - campaigns and the livelihood project (#/project, #/project/{station id}):
// progress per district with bars drawn in plain HTML and CSS (no chart library), tier shares
// against their targets, campaign batches, the project's stations (overdue ones marked), the
// stations on no online map and those with no event in 12 months (links to the station
// editor, CSV downloads of each list), and a station's milestone editor (If-Match; a stale
// version reloads and says so). Reads GET /api/v1/project, whose scope the server decides:
// a district admin sees their districts (docs/internals/project.md).
import { get, patch, request, ApiError } from '../api.js';
import { t, addStrings, lang } from '../i18n.js';
import { h, field, pageHead, showError, clearErrors, busy, toast, table, select, download, failure, renderWhenCurrent } from '../ui.js';

addStrings({
  'zh-Hans': {
    pjDistrict: '区县', pjAllDistricts: '全部区县', pjMyDistricts: '我的全部区县', pjShow: '查看',
    pjProgress: '民生实事项目进度（按区县）', pjStations: '项目驿站', pjOverdue: '逾期', pjOverdueOnly: '只看逾期',
    pjNone: '未开始', pjStage: '当前节点', pjNext: '下一节点计划', pjBar: '{name}：{parts}',
    pjTiers: '星级占比与目标', pjTierLine: '{share}（{count}/{of} 座在运营驿站），目标 {target}', pjMet: '已达标',
    pjMissing: '还差 {n} 座', pjBatches: '“六个一批”创建批次', pjNoBatch: '未入批次',
    pjNoMaps: '未上线任何地图的驿站', pjNoEvents: '12 个月内没有活动的驿站', pjLastEvent: '最近活动', pjNever: '从未',
    pjShownOf: '显示 {shown} / {n} 座', pjShowAll: '显示全部', pjCsv: '导出 CSV', pjCsvDone: '已下载 {name}',
    pjEdit: '编辑节点', pjEditTitle: '项目节点：{name}', pjPlanned: '计划日期', pjActual: '实际日期', pjNote: '备注',
    pjSaved: '节点已保存', pjReadOnly: '你只能查看本站的节点。', pjNotProject: '该驿站不在民生实事项目中。',
    pjToStation: '驿站资料', pjBack: '返回项目', pjRule: '实际日期须按顺序填写，且不晚于今天。', pjTotal: '合计',
    pjNoChange: '没有改动。', pjStatus: '状态', pjTier: '星级',
    ms: { planned: '列入计划', site_agreed: '选址确定', building: '开工建设', accepted: '通过验收', open: '建成开放' },
  },
  'zh-Hant': {
    pjDistrict: '區縣', pjAllDistricts: '全部區縣', pjMyDistricts: '我的全部區縣', pjShow: '檢視',
    pjProgress: '民生實事專案進度（依區縣）', pjStations: '專案驛站', pjOverdue: '逾期', pjOverdueOnly: '只看逾期',
    pjNone: '未開始', pjStage: '目前節點', pjNext: '下一節點計畫', pjBar: '{name}：{parts}',
    pjTiers: '星級占比與目標', pjTierLine: '{share}（{count}/{of} 座營運中驛站），目標 {target}', pjMet: '已達標',
    pjMissing: '還差 {n} 座', pjBatches: '「六個一批」創建批次', pjNoBatch: '未入批次',
    pjNoMaps: '未上線任何地圖的驛站', pjNoEvents: '12 個月內沒有活動的驛站', pjLastEvent: '最近活動', pjNever: '從未',
    pjShownOf: '顯示 {shown} / {n} 座', pjShowAll: '顯示全部', pjCsv: '匯出 CSV', pjCsvDone: '已下載 {name}',
    pjEdit: '編輯節點', pjEditTitle: '專案節點：{name}', pjPlanned: '計畫日期', pjActual: '實際日期', pjNote: '備註',
    pjSaved: '節點已儲存', pjReadOnly: '你只能檢視本站的節點。', pjNotProject: '該驛站不在民生實事專案中。',
    pjToStation: '驛站資料', pjBack: '返回專案', pjRule: '實際日期須依序填寫，且不晚於今天。', pjTotal: '合計',
    pjNoChange: '沒有變更。', pjStatus: '狀態', pjTier: '星級',
    ms: { planned: '列入計畫', site_agreed: '選址確定', building: '開工建設', accepted: '通過驗收', open: '建成開放' },
  },
  en: {
    pjDistrict: 'District', pjAllDistricts: 'All districts', pjMyDistricts: 'All my districts', pjShow: 'Show',
    pjProgress: 'Livelihood project progress by district', pjStations: 'Project stations', pjOverdue: 'Overdue', pjOverdueOnly: 'Overdue only',
    pjNone: 'Not started', pjStage: 'Milestone reached', pjNext: 'Next milestone planned', pjBar: '{name}: {parts}',
    pjTiers: 'Tier shares and targets', pjTierLine: '{share} ({count} of {of} stations in service), target {target}', pjMet: 'met',
    pjMissing: '{n} short', pjBatches: 'Campaign batches', pjNoBatch: 'In no batch',
    pjNoMaps: 'Stations on no online map', pjNoEvents: 'Stations with no event in 12 months', pjLastEvent: 'Last event', pjNever: 'never',
    pjShownOf: 'Showing {shown} of {n}', pjShowAll: 'Show all', pjCsv: 'Export CSV', pjCsvDone: '{name} downloaded',
    pjEdit: 'Edit milestones', pjEditTitle: 'Milestones: {name}', pjPlanned: 'Planned', pjActual: 'Actual', pjNote: 'Note',
    pjSaved: 'Milestones saved', pjReadOnly: 'You may only read this station\'s milestones.', pjNotProject: 'This station is not in the livelihood project.',
    pjToStation: 'Station record', pjBack: 'Back to the project', pjRule: 'Actual dates go in order and not after today.', pjTotal: 'Total',
    pjNoChange: 'Nothing changed.', pjStatus: 'Status', pjTier: 'Tier',
    ms: { planned: 'Planned', site_agreed: 'Site agreed', building: 'Building', accepted: 'Accepted', open: 'Open' },
  },
});

const MS = ['planned', 'site_agreed', 'building', 'accepted', 'open'];
const STAGES = ['none', ...MS];
const LIST_MAX = 50; // rows of a long list shown before "show all"

const pct = (x) => `${(x * 100).toFixed(1)}%`;
const dname = (d) => (lang() === 'zh-Hant' ? d.name_hant || d.name : d.name);
const msLabel = (m) => (m === 'none' ? t('pjNone') : t('ms')[m] || m);
const word = (group, v) => (t(group) && t(group)[v]) || v;

/** A bar of segments [{n, cls, label}] out of `total`, with its numbers said in words (the
 * widths are set through the CSSOM: the page's CSP allows no style attributes). */
function bar(segs, total, label) {
  const box = h('div', { class: 'pj-bar', role: 'img', 'aria-label': label });
  for (const s of segs) {
    if (!s.n) continue;
    const seg = h('span', { class: `pj-seg ${s.cls}`, title: `${s.label} ${s.n}` });
    seg.style.width = `${(100 * s.n) / Math.max(total, 1)}%`;
    box.append(seg);
  }
  return box;
}

async function csv(btn, list, district) {
  await busy(btn, async () => {
    try {
      const q = new URLSearchParams({ list });
      if (district) q.set('district', district);
      const res = await request(`/api/v1/project.csv?${q}`, { raw: true, headers: { Accept: 'text/csv' } });
      const name = `project-${list}${district ? `-${district}` : ''}.csv`;
      download(await res.blob(), name); // the server's bytes: BOM and formula guards included
      toast(t('pjCsvDone', { name }));
    } catch (err) {
      toast(err instanceof ApiError ? err.text() : String(err), 'bad');
    }
  });
}

function csvButton(list, district, label) {
  const b = h('button', { type: 'button', class: 'btn', 'data-csv': list, 'aria-label': `${t('pjCsv')}: ${label}` }, t('pjCsv'));
  b.addEventListener('click', () => csv(b, list, district));
  return b;
}

function stationLink(s, href) {
  return h('a', { href: href || `#/stations/${s.id}` }, s.name);
}

/** A long list of stations: the first LIST_MAX unless `all`, with its CSV. */
function stationList(title, list, rows, extraCols, q, allKey) {
  const all = q.get(allKey) === '1';
  const shown = all ? rows : rows.slice(0, LIST_MAX);
  const more = new URLSearchParams(q);
  more.set(allKey, '1');
  return h('section', { 'aria-labelledby': `pj-${list}` },
    h('div', { class: 'page-head' }, h('h2', { id: `pj-${list}` }, `${title} (${rows.length})`),
      h('div', { class: 'tools' }, csvButton(list, q.get('district'), title))),
    rows.length ? table([
      { label: t('navStations'), cell: (s) => stationLink(s) },
      { label: t('pjDistrict'), cell: (s) => s.district_code },
      { label: t('pjStatus'), cell: (s) => word('status', s.status) },
      { label: t('pjTier'), cell: (s) => word('tier', s.tier) },
      ...extraCols,
    ], shown, { label: title }) : h('p', { class: 'muted' }, t('empty')),
    shown.length < rows.length ? h('p', null, t('pjShownOf', { shown: shown.length, n: rows.length }), ' ',
      h('a', { href: `#/project?${more}` }, t('pjShowAll'))) : null);
}

function progressSection(p, q) {
  const rows = [...p.districts, { code: '', name: t('pjTotal'), name_hant: t('pjTotal'), ...p.total, total: true }];
  const segs = (r) => STAGES.map((g) => ({ n: r.stages[g], cls: `pj-${g}`, label: msLabel(g) }));
  const words = (r) => STAGES.map((g) => `${msLabel(g)} ${r.stages[g]}`).join('，') + (r.overdue ? `，${t('pjOverdue')} ${r.overdue}` : '');
  return h('section', { 'aria-labelledby': 'pj-progress' },
    h('div', { class: 'page-head' }, h('h2', { id: 'pj-progress' }, t('pjProgress')),
      h('div', { class: 'tools' }, csvButton('districts', q.get('district'), t('pjProgress')))),
    h('ul', { class: 'pj-legend', 'aria-hidden': 'true' }, STAGES.map((g) => h('li', null, h('span', { class: `pj-key pj-${g}` }), msLabel(g)))),
    table([
      { label: t('pjDistrict'), cell: (r) => (r.total ? h('strong', null, r.name) : dname(r)) },
      { label: t('navProject'), class: 'pj-barcell', cell: (r) => bar(segs(r), r.livelihood, t('pjBar', { name: dname(r), parts: words(r) })) },
      { label: t('pjStations'), cell: (r) => String(r.livelihood) },
      ...STAGES.map((g) => ({ label: msLabel(g), cell: (r) => String(r.stages[g]) })),
      { label: t('pjOverdue'), cell: (r) => (r.overdue ? h('span', { class: 'badge bad' }, String(r.overdue)) : '0') },
    ], rows, { label: t('pjProgress'), rowAttrs: (r) => ({ 'data-district': r.code || 'total' }) }));
}

function tierSection(p) {
  const line = (key) => {
    const x = p.targets[key];
    const b = bar([{ n: x.count, cls: x.met ? 'pj-open' : 'pj-late', label: word('tier', key) }], p.total.in_service, '');
    b.removeAttribute('role');
    b.setAttribute('aria-hidden', 'true');
    const mark = h('span', { class: 'pj-target' });
    mark.style.left = `${Math.min(100, x.target * 100)}%`;
    b.append(mark);
    return h('div', { class: 'pj-tier', 'data-tier': key },
      h('h3', null, word('tier', key), ' ',
        x.met ? h('span', { class: 'badge ok' }, t('pjMet')) : h('span', { class: 'badge bad' }, t('pjMissing', { n: x.missing }))),
      h('p', null, t('pjTierLine', { share: pct(x.share), count: x.count, of: p.total.in_service, target: pct(x.target) })),
      b);
  };
  return h('section', { 'aria-labelledby': 'pj-tiers' }, h('h2', { id: 'pj-tiers' }, t('pjTiers')),
    h('div', { class: 'pj-tiers' }, line('benchmark'), line('smart24h')));
}

function batchSection(p) {
  const cols = ['none', ...p.batches];
  return h('section', { 'aria-labelledby': 'pj-batches' }, h('h2', { id: 'pj-batches' }, t('pjBatches')),
    table([
      { label: t('pjDistrict'), cell: (r) => (r.total ? h('strong', null, r.name) : dname(r)) },
      ...cols.map((b) => ({ label: b === 'none' ? t('pjNoBatch') : word('batch', b), cell: (r) => String(r.batches[b]) })),
    ], [...p.districts, { name: t('pjTotal'), ...p.total, total: true }], { label: t('pjBatches') }));
}

function projectStations(p, q, ctx) {
  const late = q.get('overdue') === '1';
  const rows = p.livelihood.filter((s) => !late || s.overdue);
  const toggle = new URLSearchParams(q);
  if (late) toggle.delete('overdue'); else toggle.set('overdue', '1');
  return h('section', { 'aria-labelledby': 'pj-stations' },
    h('div', { class: 'page-head' }, h('h2', { id: 'pj-stations' }, `${t('pjStations')} (${rows.length})`),
      h('div', { class: 'tools' },
        h('button', { type: 'button', class: 'btn', 'aria-pressed': late ? 'true' : 'false',
          onclick: () => ctx.navigate(`#/project${toggle.toString() ? `?${toggle}` : ''}`) }, t('pjOverdueOnly')),
        csvButton('livelihood', q.get('district'), t('pjStations')))),
    rows.length ? table([
      { label: t('navStations'), cell: (s) => stationLink(s, `#/project/${s.id}${q.toString() ? `?${q}` : ''}`) },
      { label: t('pjDistrict'), cell: (s) => s.district_code },
      { label: t('pjStage'), cell: (s) => [msLabel(s.stage || 'none'), s.stage_date ? h('div', { class: 'muted' }, s.stage_date) : null] },
      { label: t('pjNext'), cell: (s) => (s.next ? `${msLabel(s.next)} ${s.next_planned || ''}` : '') },
      { label: t('pjOverdue'), cell: (s) => (s.overdue ? h('span', { class: 'badge bad' }, `${msLabel(s.overdue)} ${s.overdue_since}`) : '') },
    ], rows, { label: t('pjStations'), rowAttrs: (s) => ({ 'data-station': s.id }) }) : h('p', { class: 'muted' }, t('empty')));
}

async function overview(box, ctx) {
  const q = ctx.query;
  const mine = ctx.hasRole('city_admin', 'viewer') ? null : (ctx.scopeOf('district_admin') || []);
  const [dres, pres] = await Promise.all([get('/api/v1/districts'), get('/api/v1/project', { district: q.get('district') })]);
  const districts = dres.body.districts.filter((d) => !mine || mine.includes(d.code));
  const p = pres.body;
  const dsel = select([['', mine ? t('pjMyDistricts') : t('pjAllDistricts')], ...districts.map((d) => [d.code, `${dname(d)} (${d.code})`])],
    q.get('district') || '', { name: 'district' });
  const form = h('form', { class: 'filters', role: 'search' }, field(t('pjDistrict'), dsel),
    h('button', { type: 'submit', class: 'btn' }, t('pjShow')));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const n = new URLSearchParams();
    if (dsel.value) n.set('district', dsel.value);
    ctx.navigate(`#/project${n.toString() ? `?${n}` : ''}`);
  });
  box.append(pageHead(t('navProject')), form,
    progressSection(p, q), tierSection(p), projectStations(p, q, ctx), batchSection(p),
    stationList(t('pjNoMaps'), 'not_on_maps', p.not_on_maps, [], q, 'all_maps'),
    stationList(t('pjNoEvents'), 'no_events', p.no_events,
      [{ label: t('pjLastEvent'), cell: (s) => s.last_event || t('pjNever') }], q, 'all_events'));
}

/** May the user change this station's milestones? (The server decides; this hides the form.) */
function mayEdit(ctx, district) {
  if (ctx.hasRole('city_admin')) return true;
  const mine = ctx.scopeOf('district_admin');
  return !!mine && mine.includes(district);
}

async function editor(box, ctx, id) {
  const back = `#/project${ctx.query.toString() ? `?${ctx.query}` : ''}`;
  const [sres, mres] = await Promise.all([get(`/api/v1/stations/${id}`), get(`/api/v1/stations/${id}/milestones`)]);
  const s = sres.body;
  let rec = mres.body;
  const editable = mayEdit(ctx, s.district_code || (s.district && s.district.code));
  box.append(pageHead(t('pjEditTitle', { name: s.name }),
    h('a', { class: 'btn', href: back }, t('pjBack')), h('a', { class: 'btn', href: `#/stations/${id}` }, t('pjToStation'))));
  if (!s.livelihood) box.append(h('p', { class: 'note' }, t('pjNotProject')));
  if (!editable) box.append(h('p', { class: 'note' }, t('pjReadOnly')));
  const inputs = {};
  const sets = MS.map((m) => {
    const cur = rec.milestones.find((x) => x.milestone === m);
    const planned = h('input', { type: 'date', value: cur.planned || '', disabled: !editable });
    const actual = h('input', { type: 'date', value: cur.actual || '', disabled: !editable });
    const note = h('input', { type: 'text', value: cur.note || '', maxlength: 500, disabled: !editable });
    inputs[m] = { planned, actual, note };
    return h('fieldset', { class: 'pj-ms', 'data-milestone': m },
      h('legend', null, msLabel(m), rec.stage === m ? h('span', { class: 'badge ok' }, t('pjStage')) : null,
        rec.overdue === m ? h('span', { class: 'badge bad' }, t('pjOverdue')) : null),
      h('div', { class: 'pj-ms-fields' },
        field(t('pjPlanned'), planned, { name: `milestones.${m}.planned` }),
        field(t('pjActual'), actual, { name: `milestones.${m}.actual` }),
        field(t('pjNote'), note, { name: `milestones.${m}.note`, wide: true })));
  });
  const btn = editable ? h('button', { type: 'submit', class: 'btn primary' }, t('save')) : null;
  const form = h('form', { class: 'card pj-editor', novalidate: true }, h('p', { class: 'muted' }, t('pjRule')), sets, btn);
  const load = (r) => {
    rec = r;
    for (const m of MS) {
      const cur = rec.milestones.find((x) => x.milestone === m);
      inputs[m].planned.value = cur.planned || '';
      inputs[m].actual.value = cur.actual || '';
      inputs[m].note.value = cur.note || '';
    }
  };
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(form);
    const change = {};
    for (const m of MS) {
      const cur = rec.milestones.find((x) => x.milestone === m);
      const v = { planned: inputs[m].planned.value || null, actual: inputs[m].actual.value || null, note: inputs[m].note.value };
      const d = {};
      if (v.planned !== (cur.planned || null)) d.planned = v.planned;
      if (v.actual !== (cur.actual || null)) d.actual = v.actual;
      if (v.note !== (cur.note || '')) d.note = v.note;
      if (Object.keys(d).length) change[m] = d;
    }
    if (!Object.keys(change).length) { toast(t('pjNoChange')); return; }
    await busy(btn, async () => {
      try {
        const r = await patch(`/api/v1/stations/${id}/milestones`, { milestones: change }, { ifMatch: rec.version });
        load(r.body);
        toast(t('pjSaved'));
        ctx.refresh();
      } catch (err) {
        if (err instanceof ApiError && err.stale) {
          load((await get(`/api/v1/stations/${id}/milestones`)).body);
          showError(form, { text: () => t('stale') });
        } else {
          showError(form, err instanceof ApiError ? err : String(err));
        }
      }
    });
  });
  box.append(form);
}

export default {
  route: 'project',
  nav: 'navProject',
  roles: ['city_admin', 'district_admin', 'viewer'],
  async render(main, ctx) {
    const id = ctx.params && ctx.params[0];
    try {
      await renderWhenCurrent(main, (box) => (id ? editor(box, ctx, id) : overview(box, ctx)));
    } catch (err) {
      main.append(pageHead(t('navProject')), failure(err, () => ctx.refresh()));
    }
  },
};
