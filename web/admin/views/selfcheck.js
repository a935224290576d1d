// SPDX-License-Identifier: MIT
// views/selfcheck.js - operators' daily self-checks (issue 12; docs/internals/inspections.md,
// "Daily self-checks"). Everyone who may see it gets the compliance of the stations in their
// scope from GET /api/v1/selfchecks: today's status of each station and the share of days with
// a self-check over the last 7 and 30 days (filters, kept in the fragment's query:
// #/selfcheck?district=330302&missing=1). An operator (or a district or city admin on their
// behalf) opens today's form of a station not yet checked (#/selfcheck/fill/ID): the shared
// inspection form (../../shared/inspect-form.js, kept in IndexedDB while offline) on the
// self-check list, sent whole in one POST /api/v1/selfchecks with its client_id.
import { get, request, ApiError } from '../api.js';
import { t, addStrings, fmtTime, lang } from '../i18n.js';
import { h, field, pageHead, table, select, failure, toast } from '../ui.js';
import { inspectForm, draftFor, flush } from '../../shared/inspect-form.js';

addStrings({
  'zh-Hans': {
    scTitle: '每日自查', scToday: '今天（{day}）', scDone: '已自查', scMissing: '未自查', scFailed: '{n} 项不合格',
    scFill: '填写今日自查', scFillOf: '今日自查：{name}', scBack: '返回自查列表', scShare7: '近 7 天', scShare30: '近 30 天',
    scStation: '驿站', scDistrict: '区县', scStatus: '今日状态', scAt: '提交时间', scMissingOnly: '只看未自查',
    scSummary: '今天 {done}/{n} 个驿站已自查（{pt}）；近 7 天 {p7}，近 30 天 {p30}。',
    scDays: '{d} 天（{p}）', scNone: '你的范围内没有驿站。', scSent: '今日自查已提交。', scView: '查看记录',
    scMine: '我的驿站', scHint: '每站每天一次，按北京时间计。不合格项会生成整改任务。',
  },
  'zh-Hant': {
    scTitle: '每日自查', scToday: '今天（{day}）', scDone: '已自查', scMissing: '未自查', scFailed: '{n} 項不合格',
    scFill: '填寫今日自查', scFillOf: '今日自查：{name}', scBack: '返回自查列表', scShare7: '近 7 天', scShare30: '近 30 天',
    scStation: '驛站', scDistrict: '區縣', scStatus: '今日狀態', scAt: '提交時間', scMissingOnly: '只看未自查',
    scSummary: '今天 {done}/{n} 個驛站已自查（{pt}）；近 7 天 {p7}，近 30 天 {p30}。',
    scDays: '{d} 天（{p}）', scNone: '你的範圍內沒有驛站。', scSent: '今日自查已提交。', scView: '檢視記錄',
    scMine: '我的驛站', scHint: '每站每天一次，按北京時間計。不合格項會產生整改任務。',
  },
  en: {
    scTitle: 'Daily self-check', scToday: 'Today ({day})', scDone: 'Checked', scMissing: 'Not checked', scFailed: '{n} failed',
    scFill: "Fill in today's self-check", scFillOf: "Today's self-check: {name}", scBack: 'Back to the self-checks', scShare7: 'Last 7 days', scShare30: 'Last 30 days',
    scStation: 'Station', scDistrict: 'District', scStatus: 'Today', scAt: 'Submitted', scMissingOnly: 'Not checked only',
    scSummary: 'Today {done} of {n} stations checked ({pt}); last 7 days {p7}, last 30 days {p30}.',
    scDays: '{d} days ({p})', scNone: 'No station in your scope.', scSent: "Today's self-check is submitted.", scView: 'View the record',
    scMine: 'My stations', scHint: 'Once a station a day, by Beijing time. A failed item opens a rectification task.',
  },
});

const FILLERS = ['city_admin', 'district_admin', 'operator'];
const pct = (x) => `${Math.round((x || 0) * 100)}%`;

/** The form module's transport over the console's session (cookie and CSRF token). */
async function send(method, path, { json, blob } = {}) {
  try {
    const r = await request(path, blob ? { method, body: blob, headers: { 'Content-Type': blob.type || 'image/jpeg' } } : { method, json });
    return { status: r.status, body: r.body };
  } catch (e) {
    if (e instanceof ApiError && e.kind === 'offline') { const o = new Error('offline'); o.offline = true; throw o; }
    if (e instanceof ApiError) return { status: e.status, body: e.body };
    throw e;
  }
}

function statusCell(s) {
  if (!s.today) return h('span', { class: 'badge bad' }, t('scMissing'));
  return h('span', null, h('span', { class: 'badge ok' }, t('scDone')),
    s.today.failed ? h('span', { class: 'badge bad' }, ` ${t('scFailed', { n: s.today.failed })}`) : null);
}

async function listView(main, ctx) {
  flush('selfcheck', send).catch(() => {}); // anything left queued on this device
  const q = ctx.query;
  const district = q.get('district') || '';
  const missingOnly = q.get('missing') === '1';
  const staff = ctx.hasRole('city_admin', 'district_admin', 'viewer');
  const canFill = ctx.hasRole(...FILLERS);
  const readers = ctx.hasRole('city_admin', 'district_admin', 'operator', 'inspector'); // views/inspections.js
  const [districts, data] = await Promise.all([
    staff ? get('/api/v1/districts').then((r) => r.body.districts) : Promise.resolve([]),
    get('/api/v1/selfchecks', { district }).then((r) => r.body).catch((e) => e),
  ]);
  main.append(pageHead(t('scTitle')), h('p', { class: 'muted' }, t('scHint')));
  if (staff) {
    const dName = (d) => (lang() === 'zh-Hant' ? d.name_hant || d.name : d.name);
    const dSel = select([['', t('all')], ...districts.map((d) => [d.code, dName(d)])], district, { name: 'district' });
    const miss = h('input', { type: 'checkbox', name: 'missing', checked: missingOnly, id: 'sc-missing' });
    const form = h('form', { class: 'filters', role: 'search', 'aria-label': t('filter') },
      field(t('scDistrict'), dSel, { name: 'district' }),
      h('label', { class: 'mod-check', for: 'sc-missing' }, miss, t('scMissingOnly')),
      h('button', { type: 'submit', class: 'btn' }, t('apply')));
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const nq = new URLSearchParams();
      if (dSel.value) nq.set('district', dSel.value);
      if (miss.checked) nq.set('missing', '1');
      const qs = nq.toString();
      ctx.navigate(`#/selfcheck${qs ? `?${qs}` : ''}`);
    });
    dSel.addEventListener('change', () => form.requestSubmit());
    miss.addEventListener('change', () => form.requestSubmit());
    main.append(form);
  }
  if (data instanceof Error) { main.append(failure(data, () => ctx.refresh())); return; }
  main.append(h('p', { id: 'sc-summary', role: 'status' }, t('scSummary', {
    done: data.submitted_today, n: data.count, pt: pct(data.share_today), p7: pct(data.share_7d), p30: pct(data.share_30d),
  })));
  const rows = (data.stations || []).filter((s) => !missingOnly || !s.today);
  if (!rows.length) { main.append(h('p', null, data.count ? t('empty') : t('scNone'))); return; }
  const action = (s) => {
    if (s.today) return readers ? h('a', { href: `#/inspections/${s.today.inspection}` }, t('scView')) : '—';
    return canFill ? h('a', { class: 'btn primary small', href: `#/selfcheck/fill/${s.id}`, 'data-fill': s.id }, t('scFill')) : '—';
  };
  main.append(h('h2', null, staff ? t('scToday', { day: data.day }) : t('scMine')), table([
    { label: t('scStation'), cell: (s) => `${s.name || ''} (${s.code || s.id})` },
    { label: t('scStatus'), cell: statusCell },
    { label: t('scAt'), cell: (s) => (s.today ? fmtTime(s.today.submitted_at) : '—') },
    { label: t('scShare7'), cell: (s) => t('scDays', { d: s.days_7d, p: pct(s.share_7d) }) },
    { label: t('scShare30'), cell: (s) => t('scDays', { d: s.days_30d, p: pct(s.share_30d) }) },
    { label: t('actions'), cell: action },
  ], rows, { label: t('scTitle'), caption: t('scTitle'), rowAttrs: (s) => ({ 'data-id': s.id, 'data-done': s.today ? 'true' : 'false' }) }));
}

async function fillView(main, ctx, id) {
  const back = h('a', { class: 'btn', href: '#/selfcheck' }, t('scBack'));
  const st = (await get(`/api/v1/stations/${encodeURIComponent(id)}`)).body;
  const lists = (await get('/api/v1/checklists')).body.checklists.filter((c) => c.kind === 'self_check');
  const d = await draftFor('selfcheck', { id: st.id, code: st.code, name: st.name });
  main.append(pageHead(t('scFillOf', { name: st.name }), back), h('p', { class: 'muted' }, `${st.code} · ${t('scHint')}`),
    inspectForm(d, {
      scope: 'selfcheck', send, lang, checklists: lists,
      onSent: () => { toast(t('scSent')); ctx.navigate('#/selfcheck'); },
    }));
}

export default {
  route: 'selfcheck',
  nav: 'navSelfcheck',
  roles: ['city_admin', 'district_admin', 'operator', 'viewer'],
  render(main, ctx) {
    if (ctx.params[0] === 'fill' && ctx.params[1]) return fillView(main, ctx, ctx.params[1]);
    return listView(main, ctx);
  },
};
