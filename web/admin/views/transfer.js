// SPDX-License-Identifier: MIT
// views/transfer.js - station import and export (issue 11, point 3): export the stations the
// user may see as CSV or GeoJSON (GET /api/v1/stations/export, the district filter kept in the
// fragment: #/transfer?district=330302), and import a file: the server's dry run first
// (POST /api/v1/stations/import?dry_run=true) shows what would be created, changed, left as
// it is, and every error with its line and field; "apply" (dry_run=false, all rows or none) is
// offered only when the report has no error and something to change.
import { get, request, ApiError } from '../api.js';
import { t, addStrings, lang } from '../i18n.js';
import { h, field, pageHead, select, table, showError, clearErrors, busy, toast, download } from '../ui.js';

addStrings({
  'zh-Hans': {
    trExport: '导出', trExportHint: '导出你有权管理的驿站；列与命令行 yizhan export 相同，可改后再导入。',
    trDistrict: '区县', trAllDistricts: '全部（你管辖的）', trExportCsv: '导出 CSV', trExportGeo: '导出 GeoJSON',
    trExported: '已导出 {name}', trImport: '导入', trFile: '文件（CSV 或 GeoJSON，最大 8 MiB）',
    trImportHint: '先试运行，看清会改什么，再应用。按编号（code）更新：全部成功或全部不改。',
    trChecking: '正在检查…', trReport: '试运行结果', trResult: '导入结果',
    trRows: '{file}：{rows} 行（{format}）', trCreate: '新建', trUpdate: '修改', trUnchanged: '不变', trErrors: '错误',
    trNewDistricts: '将新建的区县：{list}', trLine: '行', trCode: '编号', trName: '名称', trField: '字段', trMessage: '说明',
    trChanges: '改动', trNothing: '文件与现有数据相同，没有要改的。', trApply: '应用导入', trApplied: '导入完成：新建 {c}，修改 {u}。',
    trHasErrors: '文件有错误，不能应用。改正后重新选择文件。', trTruncated: '列表只显示前 1000 条；计数是全部的。',
    trBadFile: '请选择 .csv、.geojson 或 .json 文件。', trAgain: '再导入一个文件',
  },
  'zh-Hant': {
    trExport: '匯出', trExportHint: '匯出你有權管理的驛站；欄位與命令列 yizhan export 相同，可修改後再匯入。',
    trDistrict: '區縣', trAllDistricts: '全部（你管轄的）', trExportCsv: '匯出 CSV', trExportGeo: '匯出 GeoJSON',
    trExported: '已匯出 {name}', trImport: '匯入', trFile: '檔案（CSV 或 GeoJSON，最大 8 MiB）',
    trImportHint: '先試執行，看清會改什麼，再套用。依編號（code）更新：全部成功或全部不改。',
    trChecking: '正在檢查…', trReport: '試執行結果', trResult: '匯入結果',
    trRows: '{file}：{rows} 列（{format}）', trCreate: '新增', trUpdate: '修改', trUnchanged: '不變', trErrors: '錯誤',
    trNewDistricts: '將新增的區縣：{list}', trLine: '行', trCode: '編號', trName: '名稱', trField: '欄位', trMessage: '說明',
    trChanges: '改動', trNothing: '檔案與現有資料相同，沒有要改的。', trApply: '套用匯入', trApplied: '匯入完成：新增 {c}，修改 {u}。',
    trHasErrors: '檔案有錯誤，不能套用。改正後重新選擇檔案。', trTruncated: '列表只顯示前 1000 筆；計數是全部的。',
    trBadFile: '請選擇 .csv、.geojson 或 .json 檔案。', trAgain: '再匯入一個檔案',
  },
  en: {
    trExport: 'Export', trExportHint: 'Exports the stations you manage, with the columns of the CLI’s yizhan export, ready to edit and import again.',
    trDistrict: 'District', trAllDistricts: 'All (in your scope)', trExportCsv: 'Export CSV', trExportGeo: 'Export GeoJSON',
    trExported: 'Exported {name}', trImport: 'Import', trFile: 'File (CSV or GeoJSON, 8 MiB at most)',
    trImportHint: 'A dry run first shows what would change; then apply. Stations are matched by code; all rows land or none.',
    trChecking: 'Checking…', trReport: 'Dry run', trResult: 'Import done',
    trRows: '{file}: {rows} rows ({format})', trCreate: 'New', trUpdate: 'Changed', trUnchanged: 'Unchanged', trErrors: 'Errors',
    trNewDistricts: 'Districts to be created: {list}', trLine: 'Line', trCode: 'Code', trName: 'Name', trField: 'Field', trMessage: 'Message',
    trChanges: 'Changes', trNothing: 'The file matches the stored stations: nothing to change.', trApply: 'Apply the import', trApplied: 'Imported: {c} new, {u} changed.',
    trHasErrors: 'The file has errors and cannot be applied. Fix them and choose the file again.', trTruncated: 'Lists show the first 1000 rows; the counts are whole.',
    trBadFile: 'Choose a .csv, .geojson or .json file.', trAgain: 'Import another file',
  },
});

const IMPORT = '/api/v1/stations/import';
// The last report shown, with its file: the screen draws it again when it is drawn anew (a
// change of language re-renders the view), until another file is chosen.
let kept = null;
const EXPORT = '/api/v1/stations/export';

/** The format of a file: by its extension, else by its first character ('{': GeoJSON). */
async function fileFormat(file) {
  const name = file.name.toLowerCase();
  if (name.endsWith('.csv')) return 'csv';
  if (name.endsWith('.geojson') || name.endsWith('.json')) return 'geojson';
  const head = (await file.slice(0, 64).text()).replace(/^\uFEFF/, '').trimStart();
  return head.startsWith('{') ? 'geojson' : 'csv';
}

/** Send the file; resolves to {report, status}. A refused import (400/403) still carries its
 * report in the error body; other errors (413, a wrong format, the network) are thrown. */
async function sendFile(file, format, dryRun) {
  const type = format === 'csv' ? 'text/csv' : 'application/geo+json';
  try {
    const r = await request(`${IMPORT}?dry_run=${dryRun}&format=${format}`, {
      method: 'POST', body: file, headers: { 'Content-Type': type },
    });
    return { report: r.body, status: r.status };
  } catch (err) {
    if (err instanceof ApiError && err.body && err.body.counts) return { report: err.body, status: err.status };
    throw err;
  }
}

function districtName(d) {
  return lang() === 'zh-Hant' ? d.name_hant || d.name : lang() === 'en' ? d.name_en || d.name : d.name;
}

function reportView(rep, fileName) {
  const c = rep.counts;
  const out = [
    h('p', null, t('trRows', { file: fileName, rows: rep.rows, format: rep.format === 'csv' ? 'CSV' : 'GeoJSON' })),
    h('dl', { class: 'facts counts' },
      h('dt', null, t('trCreate')), h('dd', { 'data-count': 'create' }, String(c.create)),
      h('dt', null, t('trUpdate')), h('dd', { 'data-count': 'update' }, String(c.update)),
      h('dt', null, t('trUnchanged')), h('dd', { 'data-count': 'unchanged' }, String(c.unchanged)),
      h('dt', null, t('trErrors')), h('dd', { 'data-count': 'error' }, String(c.error))),
  ];
  if (rep.new_districts.length) out.push(h('p', { class: 'note' }, t('trNewDistricts', { list: rep.new_districts.join(', ') })));
  const line = (r) => (r.line === null || r.line === undefined ? '—' : String(r.line));
  if (rep.errors.length) {
    out.push(h('h3', null, t('trErrors')), table([
      { label: t('trLine'), cell: line },
      { label: t('trField'), cell: (r) => h('code', null, r.field || '—') },
      { label: t('trMessage'), cell: (r) => (lang() === 'en' ? r.message_en : r.message) },
    ], rep.errors, { label: t('trErrors'), caption: t('trErrors'), rowAttrs: () => ({ class: 'row-error' }) }));
  }
  if (rep.update.length) {
    out.push(h('h3', null, t('trUpdate')), table([
      { label: t('trLine'), cell: line },
      { label: t('trCode'), cell: (r) => r.code },
      { label: t('trName'), cell: (r) => r.name },
      { label: t('trChanges'), cell: (r) => h('ul', { class: 'changes' }, r.changes.map((ch) => h('li', null,
        h('code', null, ch.field), ': ', h('del', null, ch.from ?? '—'), ' → ', h('ins', null, ch.to ?? '—')))) },
    ], rep.update, { label: t('trUpdate'), caption: t('trUpdate') }));
  }
  if (rep.create.length) {
    out.push(h('h3', null, t('trCreate')), table([
      { label: t('trLine'), cell: line },
      { label: t('trCode'), cell: (r) => r.code },
      { label: t('trName'), cell: (r) => r.name },
      { label: t('trDistrict'), cell: (r) => r.district_code },
    ], rep.create, { label: t('trCreate'), caption: t('trCreate') }));
  }
  if (rep.truncated) out.push(h('p', { class: 'muted' }, t('trTruncated')));
  return out;
}

export default {
  route: 'transfer',
  nav: 'navTransfer',
  roles: ['city_admin', 'district_admin'],
  async render(main, ctx) {
    main.append(pageHead(t('navTransfer')));
    // --- export ---------------------------------------------------------------------------------
    const all = ctx.hasRole('city_admin') || !ctx.session.user; // the admin token acts as city admin
    const mine = all ? null : new Set(ctx.scopeOf('district_admin') || []);
    const districts = ((await get('/api/v1/districts')).body.districts || []).filter((d) => !mine || mine.has(d.code));
    const want = ctx.query.get('district') || '';
    const dsel = select([['', t('trAllDistricts')], ...districts.map((d) => [d.code, `${districtName(d)} (${d.code})`])],
      want, { name: 'district' });
    dsel.addEventListener('change', () => {
      const q = new URLSearchParams(ctx.query);
      if (dsel.value) q.set('district', dsel.value); else q.delete('district');
      const qs = q.toString();
      history.replaceState(null, '', `#/transfer${qs ? `?${qs}` : ''}`);
    });
    const exportForm = h('form', { class: 'card export', novalidate: true }, h('h2', null, t('trExport')),
      h('p', { class: 'muted' }, t('trExportHint')), field(t('trDistrict'), dsel, { name: 'district' }));
    const exportBtn = (format, label) => h('button', {
      type: 'button', class: 'btn', 'data-format': format,
      onclick: (ev) => busy(ev.currentTarget, async () => {
        clearErrors(exportForm);
        try {
          const q = new URLSearchParams({ format });
          if (dsel.value) q.set('district', dsel.value);
          const res = await request(`${EXPORT}?${q}`, { raw: true });
          const name = `stations${dsel.value ? `-${dsel.value}` : ''}.${format}`;
          download(await res.blob(), name);
          toast(t('trExported', { name }));
        } catch (err) {
          showError(exportForm, err);
        }
      }),
    }, label);
    exportForm.append(h('div', { class: 'row' }, exportBtn('csv', t('trExportCsv')), exportBtn('geojson', t('trExportGeo'))));
    main.append(exportForm);

    // --- import ---------------------------------------------------------------------------------
    const input = h('input', { type: 'file', name: 'file', accept: '.csv,.geojson,.json,text/csv,application/geo+json' });
    const out = h('div', { class: 'report', 'aria-live': 'polite' });
    const importForm = h('form', { class: 'card import', novalidate: true }, h('h2', null, t('trImport')),
      h('p', { class: 'muted' }, t('trImportHint')), field(t('trFile'), input, { name: 'body' }), out);
    let current = null; // {file, format}

    const showReport = (rep, status, done) => {
      kept = { current, rep, status, done };
      const applyBtn = h('button', { type: 'button', class: 'btn primary apply' }, t('trApply'));
      const nothing = rep.counts.create + rep.counts.update === 0;
      applyBtn.disabled = done || rep.counts.error > 0 || nothing;
      const kids = [h('h3', { class: 'report-title', tabindex: '-1' }, done ? t('trResult') : t('trReport')),
        ...reportView(rep, current.file.name)];
      if (done) {
        kids.push(h('p', { class: 'ok-note', role: 'status' }, t('trApplied', { c: rep.counts.create, u: rep.counts.update })),
          h('button', { type: 'button', class: 'btn again', onclick: () => { kept = null; input.value = ''; out.replaceChildren(); input.focus(); } }, t('trAgain')));
      } else {
        if (rep.counts.error > 0) kids.push(h('p', { class: 'alert', role: 'alert' }, t('trHasErrors')));
        else if (nothing) kids.push(h('p', { class: 'note' }, t('trNothing')));
        kids.push(h('div', { class: 'row' }, applyBtn));
      }
      applyBtn.addEventListener('click', () => busy(applyBtn, async () => {
        clearErrors(importForm);
        try {
          const r = await sendFile(current.file, current.format, false);
          if (r.status === 200 && r.report.applied) {
            showReport(r.report, r.status, true);
            toast(t('trApplied', { c: r.report.counts.create, u: r.report.counts.update }));
          } else {
            showReport(r.report, r.status, false); // refused now: say why
          }
        } catch (err) {
          showError(importForm, err);
        }
      }));
      out.replaceChildren(...kids);
      out.querySelector('.report-title').focus();
    };

    input.addEventListener('change', async () => {
      kept = null;
      clearErrors(importForm);
      out.replaceChildren();
      const file = input.files && input.files[0];
      if (!file) return;
      const lower = file.name.toLowerCase();
      if (!/\.(csv|geojson|json)$/.test(lower) && file.type && !/csv|json|text\/plain/.test(file.type)) {
        showError(importForm, { text: () => t('trBadFile'), field: 'body' });
        return;
      }
      current = { file, format: await fileFormat(file) };
      out.replaceChildren(h('p', { class: 'muted' }, t('trChecking')));
      try {
        const r = await sendFile(file, current.format, true);
        showReport(r.report, r.status, false);
      } catch (err) {
        out.replaceChildren();
        showError(importForm, err);
      }
    });
    main.append(importForm);
    if (kept) {
      current = kept.current;
      showReport(kept.rep, kept.status, kept.done);
    }
  },
};
