// SPDX-License-Identifier: MIT
// views/dashboard.js - the union's dashboard (issue 12, item 7; docs/internals/console.md,
// "Dashboard"): visits by district and occupation, events and people served, verified ratings
// and the lowest-rated stations, inspection scores by dimension, rectification tasks (when the
// server has them), tier and project progress, and a map of stations coloured by their latest
// score. Each chart downloads the server's CSV and has its numbers in a table for screen
// readers. #/dashboard/report?month=YYYY-MM is the monthly report, laid out for A4 printing.
// ECharts draws on canvas (no style attributes in markup: the CSP forbids them); it is loaded
// from its own chunk (../charts.js) when the dashboard is first opened.
import L from 'leaflet';
import { get, request, ApiError } from '../api.js';
import { t, addStrings, lang } from '../i18n.js';
import { h, pageHead, table, select, download, failure, toast } from '../ui.js';

let echarts = null;
async function loadCharts() {
  if (!echarts) echarts = (await import('../charts.js')).default;
}

addStrings({
  'zh-Hans': {
    dbDistrict: '区县', dbAll: '全部区县', dbFrom: '开始日期', dbTo: '结束日期', dbBucket: '按', dbDay: '日', dbWeek: '周',
    dbApply: '查看', dbReport: '月度报告', dbCsv: '下载 CSV', dbCsvDone: '已下载 {name}', dbTable: '数据表（读屏用）',
    dbVisitsDistrict: '到站人次（按区县）', dbVisitsOcc: '到站人次（按职业）', dbVisitsTotal: '期间到站人次（未隐藏部分）',
    dbSuppressedNote: '少于 5 位不同职工的数据点已隐藏（图中为空缺），以免识别到个人。',
    dbEvents: '活动场次与服务人次', dbEventsHeld: '活动场次', dbSignups: '服务人次（报名）',
    dbRatings: '认证评分（月均）', dbMean: '平均星级', dbCount: '评分数', dbLowest: '评分最低的驿站（至少 5 位职工评分）',
    dbScores: '检查得分（按维度）', dbScore: '总分', dbHardware: '硬件', dbService: '服务能力', dbOperations: '运营管理',
    dbInspections: '检查次数', dbTasks: '整改任务', dbOpen: '未完成', dbOverdue: '已逾期',
    dbTasksNA: '整改任务功能尚未上线（接口不可用）。', dbProject: '星级与民生实事进度', dbStages: '项目节点',
    dbTierShare: '{tier}：{share}（目标 {target}）', dbMap: '驿站地图（按最近检查得分着色）',
    dbMapKey: '绿色 ≥ 85，黄色 60–85，红色 < 60', dbMonth: '月份', dbBucketCol: '时段', dbStation: '驿站', dbCode: '编号',
    dbNone: '无数据', dbSuppressed: '已隐藏', dbReportTitle: '{month} 月度报告', dbPrint: '打印 / 存为 PDF',
    dbBack: '返回看板', dbReportMonth: '月份', dbAt: '检查日期', dbStageNone: '未开始',
  },
  'zh-Hant': {
    dbDistrict: '區縣', dbAll: '全部區縣', dbFrom: '開始日期', dbTo: '結束日期', dbBucket: '依', dbDay: '日', dbWeek: '週',
    dbApply: '檢視', dbReport: '月度報告', dbCsv: '下載 CSV', dbCsvDone: '已下載 {name}', dbTable: '資料表（讀屏用）',
    dbVisitsDistrict: '到站人次（依區縣）', dbVisitsOcc: '到站人次（依職業）', dbVisitsTotal: '期間到站人次（未隱藏部分）',
    dbSuppressedNote: '少於 5 位不同職工的資料點已隱藏（圖中為空缺），以免識別到個人。',
    dbEvents: '活動場次與服務人次', dbEventsHeld: '活動場次', dbSignups: '服務人次（報名）',
    dbRatings: '認證評分（月均）', dbMean: '平均星級', dbCount: '評分數', dbLowest: '評分最低的驛站（至少 5 位職工評分）',
    dbScores: '檢查得分（依維度）', dbScore: '總分', dbHardware: '硬體', dbService: '服務能力', dbOperations: '營運管理',
    dbInspections: '檢查次數', dbTasks: '整改任務', dbOpen: '未完成', dbOverdue: '已逾期',
    dbTasksNA: '整改任務功能尚未上線（介面不可用）。', dbProject: '星級與民生實事進度', dbStages: '專案節點',
    dbTierShare: '{tier}：{share}（目標 {target}）', dbMap: '驛站地圖（依最近檢查得分著色）',
    dbMapKey: '綠色 ≥ 85，黃色 60–85，紅色 < 60', dbMonth: '月份', dbBucketCol: '時段', dbStation: '驛站', dbCode: '編號',
    dbNone: '無資料', dbSuppressed: '已隱藏', dbReportTitle: '{month} 月度報告', dbPrint: '列印 / 存為 PDF',
    dbBack: '返回看板', dbReportMonth: '月份', dbAt: '檢查日期', dbStageNone: '未開始',
  },
  en: {
    dbDistrict: 'District', dbAll: 'All districts', dbFrom: 'From', dbTo: 'To', dbBucket: 'By', dbDay: 'Day', dbWeek: 'Week',
    dbApply: 'Show', dbReport: 'Monthly report', dbCsv: 'Download CSV', dbCsvDone: 'Downloaded {name}', dbTable: 'Data table (for screen readers)',
    dbVisitsDistrict: 'Visits by district', dbVisitsOcc: 'Visits by occupation', dbVisitsTotal: 'Visits in the range (shown part)',
    dbSuppressedNote: 'Points of fewer than 5 distinct workers are hidden (gaps in the chart), so no one is singled out.',
    dbEvents: 'Events held and people served', dbEventsHeld: 'Events held', dbSignups: 'People served (sign-ups)',
    dbRatings: 'Verified ratings (monthly mean)', dbMean: 'Mean stars', dbCount: 'Ratings', dbLowest: 'Lowest-rated stations (5+ workers rated)',
    dbScores: 'Inspection scores by dimension', dbScore: 'Overall', dbHardware: 'Hardware', dbService: 'Service', dbOperations: 'Operations',
    dbInspections: 'Inspections', dbTasks: 'Rectification tasks', dbOpen: 'Open', dbOverdue: 'Overdue',
    dbTasksNA: 'Rectification tasks are not available yet (no such endpoint).', dbProject: 'Tiers and the livelihood project', dbStages: 'Project milestones',
    dbTierShare: '{tier}: {share} (target {target})', dbMap: 'Stations by latest inspection score',
    dbMapKey: 'green ≥ 85, amber 60–85, red < 60', dbMonth: 'Month', dbBucketCol: 'Period', dbStation: 'Station', dbCode: 'Code',
    dbNone: 'No data', dbSuppressed: 'hidden', dbReportTitle: 'Monthly report {month}', dbPrint: 'Print / save as PDF',
    dbBack: 'Back to the dashboard', dbReportMonth: 'Month', dbAt: 'Inspected on', dbStageNone: 'not started',
  },
});

const OCC = {
  'zh-Hans': { rider: '外卖骑手', courier: '快递员', driver: '司机', sanitation: '环卫工人', other: '其他' },
  'zh-Hant': { rider: '外送騎手', courier: '快遞員', driver: '司機', sanitation: '環衛工人', other: '其他' },
  en: { rider: 'Riders', courier: 'Couriers', driver: 'Drivers', sanitation: 'Sanitation', other: 'Other' },
};
const STAGES = ['none', 'planned', 'site_agreed', 'building', 'accepted', 'open'];

const pad = (n) => String(n).padStart(2, '0');
function localDate(d) { return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`; }
function addDays(iso, n) { const d = new Date(`${iso}T12:00:00`); d.setDate(d.getDate() + n); return localDate(d); }
const fmt = (v) => (v === null || v === undefined ? t('dbSuppressed') : String(v));
const qs = (o) => { const q = new URLSearchParams(); for (const [k, v] of Object.entries(o)) if (v) q.set(k, v); return q.toString(); };

/** A chart panel: heading, canvas box, CSV button, and a <details> with the numbers. */
function panel(id, title, csvPath, csvName) {
  const box = h('div', { class: 'dash-chart', role: 'img', 'aria-label': title });
  const note = h('p', { class: 'hint dash-note', hidden: true }, t('dbSuppressedNote'));
  const details = h('details', { class: 'dash-table' }, h('summary', null, t('dbTable')));
  const btn = csvPath ? h('button', { type: 'button', class: 'btn dash-csv', 'data-csv': csvName, onclick: () => csv(csvPath, csvName) }, t('dbCsv')) : null;
  const sec = h('section', { class: 'card dash-panel', id: `dash-${id}`, 'aria-labelledby': `dash-${id}-h` },
    h('div', { class: 'dash-head' }, h('h2', { id: `dash-${id}-h` }, title), btn), box, note, details);
  return { sec, box, note, details };
}

async function csv(path, name) {
  try {
    const res = await request(path, { raw: true, headers: { Accept: 'text/csv' } });
    download(await res.blob(), name);
    toast(t('dbCsvDone', { name }));
  } catch (err) {
    toast(err instanceof ApiError ? err.text() : String(err), 'error');
  }
}

/** Draw `option` into `box` (canvas); returns the chart. Tooltips are drawn on the canvas too
 * (richText), so ECharts writes no HTML with style attributes into the page. */
function draw(box, option, charts, print) {
  const chart = echarts.init(box, null, { renderer: 'canvas', ...(print ? { width: 680, height: 280 } : {}) });
  chart.setOption({
    animation: !print, textStyle: { fontFamily: 'sans-serif' },
    tooltip: { trigger: 'axis', renderMode: 'richText' },
    legend: { type: 'scroll', top: 0 }, grid: { left: 44, right: 16, top: 36, bottom: 28 },
    ...option,
  });
  charts.push(chart);
  return chart;
}

function lineSeries(series, valueOf) {
  return series.map((s) => ({ name: s.label || s.key, type: 'line', connectNulls: false, showSymbol: true, symbolSize: 4, data: s.points.map(valueOf) }));
}

/** Visits by `by` (district | occupation) as lines; suppressed points are gaps. */
async function visitsPanel(root, charts, f, by, print) {
  const params = { from: f.from, to: f.to, bucket: f.bucket, by, district: f.district };
  const p = panel(`visits-${by}`, t(by === 'district' ? 'dbVisitsDistrict' : 'dbVisitsOcc'),
    `/api/v1/dashboard/visits.csv?${qs(params)}`, `visits-${by}.csv`);
  root.append(p.sec);
  const { body } = await get('/api/v1/dashboard/visits', params);
  const label = (s) => (by === 'occupation' ? (OCC[lang()] || OCC.en)[s.key] || s.key : s.label || s.key);
  const series = body.series.map((s) => ({ ...s, label: label(s) }));
  const anySup = series.some((s) => s.points.some((x) => x.suppressed));
  p.note.hidden = !anySup;
  if (by === 'district') {
    const total = series.reduce((a, s) => a + s.points.reduce((b, x) => b + (x.visits || 0), 0), 0);
    p.sec.insertBefore(h('p', { class: 'dash-big' }, t('dbVisitsTotal'), ': ', h('strong', { 'data-testid': 'visits-total' }, String(total))), p.box);
  }
  draw(p.box, { xAxis: { type: 'category', data: body.buckets }, yAxis: { type: 'value', minInterval: 1 }, series: lineSeries(series, (x) => x.visits) }, charts, print);
  p.details.append(table([{ label: t('dbBucketCol'), cell: (r) => r.b }, ...series.map((s, i) => ({ label: s.label, cell: (r) => fmt(r.v[i]) }))],
    body.buckets.map((b, j) => ({ b, v: series.map((s) => s.points[j].visits) })), { cards: false, label: p.sec.querySelector('h2').textContent }));
}

async function eventsPanel(root, charts, f, print) {
  const params = { from: f.mfrom, to: f.to, district: f.district };
  const p = panel('events', t('dbEvents'), `/api/v1/dashboard/events.csv?${qs(params)}`, 'events.csv');
  root.append(p.sec);
  const { body } = await get('/api/v1/dashboard/events', params);
  const held = body.months.map((_, i) => body.series.reduce((a, s) => a + s.points[i].events, 0));
  const served = body.months.map((_, i) => (body.series.some((s) => s.points[i].suppressed) ? null : body.series.reduce((a, s) => a + (s.points[i].signups || 0), 0)));
  p.note.hidden = !served.includes(null);
  draw(p.box, {
    xAxis: { type: 'category', data: body.months }, yAxis: { type: 'value', minInterval: 1 },
    series: [{ name: t('dbEventsHeld'), type: 'bar', data: held }, { name: t('dbSignups'), type: 'line', data: served }],
  }, charts, print);
  p.details.append(table([{ label: t('dbMonth'), cell: (r) => r.m }, { label: t('dbEventsHeld'), cell: (r) => String(r.e) }, { label: t('dbSignups'), cell: (r) => fmt(r.s) }],
    body.months.map((m, i) => ({ m, e: held[i], s: served[i] })), { cards: false, label: t('dbEvents') }));
}

async function ratingsPanel(root, charts, f, print) {
  const params = { from: f.mfrom, to: f.to, district: f.district };
  const p = panel('ratings', t('dbRatings'), `/api/v1/dashboard/ratings.csv?${qs(params)}`, 'ratings.csv');
  root.append(p.sec);
  const { body } = await get('/api/v1/dashboard/ratings', params);
  p.note.hidden = !body.ratings.some((x) => x.suppressed);
  draw(p.box, {
    xAxis: { type: 'category', data: body.months },
    yAxis: [{ type: 'value', min: 0, max: 5, name: t('dbMean') }, { type: 'value', minInterval: 1, name: t('dbCount') }],
    series: [{ name: t('dbMean'), type: 'line', data: body.ratings.map((x) => x.mean) },
      { name: t('dbCount'), type: 'bar', yAxisIndex: 1, data: body.ratings.map((x) => x.count) }],
  }, charts, print);
  p.details.append(table([{ label: t('dbMonth'), cell: (r) => r.month }, { label: t('dbMean'), cell: (r) => fmt(r.mean) }, { label: t('dbCount'), cell: (r) => fmt(r.count) }],
    body.ratings, { cards: false, label: t('dbRatings') }));
  p.sec.append(h('h3', null, t('dbLowest')),
    body.lowest.length ? table([{ label: t('dbStation'), cell: (r) => r.name }, { label: t('dbCode'), cell: (r) => r.code }, { label: t('dbMean'), cell: (r) => r.mean.toFixed(2) }, { label: t('dbCount'), cell: (r) => String(r.count) }],
      body.lowest, { label: t('dbLowest'), rowAttrs: () => ({ class: 'dash-lowest' }) }) : h('p', null, t('dbNone')));
}

const DIMS = ['score', 'hardware', 'service', 'operations'];
const dimLabel = (d) => t({ score: 'dbScore', hardware: 'dbHardware', service: 'dbService', operations: 'dbOperations' }[d]);

async function scoresPanel(root, charts, f, print) {
  const params = { from: f.mfrom, to: f.to, district: f.district };
  const p = panel('scores', t('dbScores'), `/api/v1/dashboard/scores.csv?${qs(params)}`, 'scores.csv');
  root.append(p.sec);
  const { body } = await get('/api/v1/dashboard/scores', params);
  draw(p.box, {
    xAxis: { type: 'category', data: body.months }, yAxis: { type: 'value', min: 0, max: 100 },
    series: DIMS.map((d) => ({ name: dimLabel(d), type: 'line', data: body.scores.map((x) => x[d]) })),
  }, charts, print);
  p.details.append(table([{ label: t('dbMonth'), cell: (r) => r.month }, { label: t('dbInspections'), cell: (r) => String(r.inspections) },
    ...DIMS.map((d) => ({ label: dimLabel(d), cell: (r) => (r[d] === null ? '–' : String(r[d])) }))], body.scores, { cards: false, label: t('dbScores') }));
  return body;
}

/** Rectification tasks: lights up when GET /api/v1/tasks answers (the tasks branch). */
async function tasksPanel(root, f) {
  const p = panel('tasks', t('dbTasks'));
  p.box.remove();
  root.append(p.sec);
  try {
    // not closed / not closed and past the deadline (docs/internals/tasks.md); `count` is what the list holds
    const [open, overdue] = await Promise.all(['open', 'overdue'].map((k) => get('/api/v1/tasks', { [k]: 'true', district: f.district, limit: 500 })));
    const n = (r) => (r.body && (r.body.count ?? (r.body.tasks || []).length)) ?? 0;
    p.sec.insertBefore(h('p', { class: 'dash-big' }, t('dbOpen'), ': ', h('strong', { 'data-testid': 'tasks-open' }, String(n(open))), ' · ',
      t('dbOverdue'), ': ', h('strong', { 'data-testid': 'tasks-overdue' }, String(n(overdue)))), p.details);
    p.details.remove();
  } catch (err) {
    if (!(err instanceof ApiError) || (err.status !== 404 && err.status !== 400)) throw err;
    p.details.replaceWith(h('p', { class: 'hint', 'data-testid': 'tasks-na' }, t('dbTasksNA')));
  }
}

async function projectPanel(root, charts, f, print) {
  const p = panel('project', t('dbProject'), `/api/v1/project.csv?${qs({ list: 'districts', district: f.district })}`, 'project.csv');
  root.append(p.sec);
  const { body } = await get('/api/v1/project', { district: f.district });
  const tot = body.total || {};
  const stages = tot.stages || {};
  const label = (s) => (s === 'none' ? t('dbStageNone') : (t('ms') || {})[s] || s);
  draw(p.box, {
    xAxis: { type: 'category', data: STAGES.map(label) }, yAxis: { type: 'value', minInterval: 1 },
    series: [{ name: t('dbStages'), type: 'bar', data: STAGES.map((s) => stages[s] || 0) }],
  }, charts, print);
  const targets = tot.targets || {};
  const pct = (x) => `${Math.round((x || 0) * 1000) / 10}%`;
  p.sec.insertBefore(h('ul', { class: 'dash-targets' }, Object.entries(targets).map(([k, v]) =>
    h('li', null, t('dbTierShare', { tier: (t('tier') || {})[k] || k, share: pct(v.share), target: pct(v.target) })))), p.note);
  p.details.append(table([{ label: t('dbStages'), cell: (r) => label(r) }, { label: t('dbCount'), cell: (r) => String(stages[r] || 0) }], STAGES, { cards: false, label: t('dbStages') }));
}

function colour(score) { return score === null ? '#6b7280' : score >= 85 ? '#2e7d32' : score >= 60 ? '#b26a00' : '#c62828'; }

function mapPanel(root, scores, cleanups) {
  const p = panel('map', t('dbMap'));
  p.box.className = 'dash-map';
  p.box.setAttribute('role', 'region'); // Leaflet's zoom buttons are in it; the numbers are in the table
  root.append(p.sec);
  p.sec.insertBefore(h('p', { class: 'hint' }, t('dbMapKey')), p.note);
  const map = L.map(p.box, { zoomControl: true, attributionControl: true }).setView([27.99, 120.70], 10);
  map.attributionControl.setPrefix(false);
  L.tileLayer('https://tile.openstreetmap.org/{z}/{x}/{y}.png', { maxZoom: 19, attribution: '© OpenStreetMap' }).addTo(map);
  const pts = scores.stations.filter((s) => s.lat && s.lon);
  if (pts.length) map.fitBounds(pts.map((s) => [s.lat, s.lon]), { maxZoom: 13, padding: [20, 20] });
  for (const s of pts) {
    L.circleMarker([s.lat, s.lon], { radius: 7, color: '#fff', weight: 2, fillColor: colour(s.score), fillOpacity: 1 })
      .bindTooltip(`${s.name} · ${s.score ?? '–'}`).addTo(map);
  }
  cleanups.push(() => map.remove());
  p.details.append(table([{ label: t('dbStation'), cell: (r) => r.name }, { label: t('dbCode'), cell: (r) => r.code },
    ...DIMS.map((d) => ({ label: dimLabel(d), cell: (r) => (r[d] === null ? '–' : String(r[d])) })), { label: t('dbAt'), cell: (r) => r.at }],
  scores.stations, { cards: false, label: t('dbMap') }));
}

/** The filter form; Apply writes it into the fragment's query. */
async function filters(ctx, f, report) {
  const { body } = await get('/api/v1/districts');
  const mine = ctx.hasRole('city_admin', 'viewer') ? null : ctx.scopeOf('district_admin') || [];
  const opts = [...(mine ? [] : [['', t('dbAll')]]), ...body.districts.filter((d) => !mine || mine.includes(d.code)).map((d) => [d.code, d.name])];
  const dist = select(opts, f.district, { name: 'district', id: 'db-district' });
  const from = h('input', { type: 'date', name: 'from', value: f.from, id: 'db-from' });
  const to = h('input', { type: 'date', name: 'to', value: f.to, id: 'db-to' });
  const bucket = select([['day', t('dbDay')], ['week', t('dbWeek')]], f.bucket, { name: 'bucket', id: 'db-bucket' });
  const form = h('form', { class: 'card filters dash-filters no-print' },
    h('div', { class: 'field' }, h('label', { for: 'db-district' }, t('dbDistrict')), dist),
    h('div', { class: 'field' }, h('label', { for: 'db-from' }, t('dbFrom')), from),
    h('div', { class: 'field' }, h('label', { for: 'db-to' }, t('dbTo')), to),
    h('div', { class: 'field' }, h('label', { for: 'db-bucket' }, t('dbBucket')), bucket),
    h('button', { type: 'submit', class: 'btn primary' }, t('dbApply')));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    ctx.navigate(`#/dashboard?${qs({ district: dist.value, from: from.value, to: to.value, bucket: bucket.value })}`);
  });
  return form;
}

function readFilters(ctx) {
  const q = ctx.query;
  const today = localDate(new Date());
  const to = /^\d{4}-\d{2}-\d{2}$/.test(q.get('to') || '') ? q.get('to') : today;
  const from = /^\d{4}-\d{2}-\d{2}$/.test(q.get('from') || '') ? q.get('from') : addDays(to, -29);
  const mine = ctx.hasRole('city_admin', 'viewer') ? null : ctx.scopeOf('district_admin') || [];
  const district = q.get('district') || (mine && mine.length ? mine[0] : '');
  return { from, to, district, bucket: q.get('bucket') === 'week' ? 'week' : 'day', mfrom: `${addDays(to, -364).slice(0, 8)}01` };
}

async function dashboard(main, ctx) {
  await loadCharts();
  const f = readFilters(ctx);
  const charts = [], cleanups = [];
  const month = f.to.slice(0, 7);
  main.append(pageHead(t('navDashboard'), h('a', { class: 'btn', href: `#/dashboard/report?${qs({ month, district: f.district })}` }, t('dbReport'))));
  main.append(await filters(ctx, f));
  const grid = h('div', { class: 'dash-grid' });
  main.append(grid);
  const ro = new ResizeObserver(() => charts.forEach((c) => c.resize()));
  ro.observe(grid);
  const cleanup = () => { ro.disconnect(); charts.forEach((c) => c.dispose()); cleanups.forEach((c) => c()); };
  try {
    await visitsPanel(grid, charts, f, 'district');
    await visitsPanel(grid, charts, f, 'occupation');
    await eventsPanel(grid, charts, f);
    await ratingsPanel(grid, charts, f);
    const scores = await scoresPanel(grid, charts, f);
    await tasksPanel(grid, f);
    await projectPanel(grid, charts, f);
    mapPanel(grid, scores, cleanups);
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return cleanup;
    grid.append(failure(err instanceof ApiError ? err : String(err), () => ctx.refresh()));
  }
  main.dataset.ready = 'true';
  return cleanup;
}

/** The monthly report: every section on its own A4 page; the charts are turned into images
 * so that printing never depends on a canvas's size on the screen. */
async function report(main, ctx) {
  await loadCharts();
  const m = /^\d{4}-\d{2}$/.test(ctx.query.get('month') || '') ? ctx.query.get('month') : localDate(new Date()).slice(0, 7);
  const [y, mo] = m.split('-').map(Number);
  const last = localDate(new Date(y, mo, 0));
  const district = ctx.query.get('district') || '';
  const f = { from: `${m}-01`, to: last, mfrom: `${m}-01`, district, bucket: 'day' };
  const charts = [];
  const monthIn = h('input', { type: 'month', id: 'rp-month', value: m });
  const tools = h('div', { class: 'row no-print' },
    h('label', { for: 'rp-month' }, t('dbReportMonth')), monthIn,
    h('button', { type: 'button', class: 'btn', onclick: () => ctx.navigate(`#/dashboard/report?${qs({ month: monthIn.value, district })}`) }, t('dbApply')),
    h('button', { type: 'button', class: 'btn primary', onclick: () => window.print() }, t('dbPrint')),
    h('a', { class: 'btn', href: `#/dashboard?${qs({ district })}` }, t('dbBack')));
  main.classList.add('dash-report');
  main.append(pageHead(t('dbReportTitle', { month: m })), tools);
  const root = h('div', { class: 'report-pages' });
  main.append(root);
  await visitsPanel(root, charts, f, 'district', true);
  await visitsPanel(root, charts, f, 'occupation', true);
  await eventsPanel(root, charts, f, true);
  await ratingsPanel(root, charts, f, true);
  await scoresPanel(root, charts, f, true);
  for (const c of charts) {
    const box = c.getDom();
    const img = h('img', { class: 'dash-print-img', src: c.getDataURL({ type: 'png', pixelRatio: 2, backgroundColor: '#fff' }), alt: box.getAttribute('aria-label') || '' });
    c.dispose();
    box.replaceWith(img);
  }
  for (const d of root.querySelectorAll('details')) d.open = true;
  for (const b of root.querySelectorAll('.dash-csv')) b.classList.add('no-print');
  main.dataset.ready = 'true';
  return () => main.classList.remove('dash-report');
}

export default {
  route: 'dashboard',
  nav: 'navDashboard',
  roles: ['city_admin', 'district_admin', 'viewer'],
  render(main, ctx) {
    return ctx.params[0] === 'report' ? report(main, ctx) : dashboard(main, ctx);
  },
};
