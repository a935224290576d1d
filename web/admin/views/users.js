// SPDX-License-Identifier: MIT
// views/users.js - users and roles (#/users, #/users/new, #/users/{id}): the list with its
// filters (role, disabled, text) kept in the fragment, creating a user with roles and their
// scopes (districts from GET /api/v1/districts, stations found by code or name, canteens from
// GET /api/v1/canteens), editing roles with If-Match, a password reset whose one-time password
// is shown once, disabling and enabling (the user's sessions end at once). A district admin is
// offered only their districts' roles; the server decides (docs/internals/accounts.md,
// "District admins and their users") and the page shows its refusals under the field.
import { get, post, patch, ApiError } from '../api.js';
import { t, addStrings, lang, fmtTime } from '../i18n.js';
import { h, newId, field, pageHead, showError, clearErrors, busy, toast, table, select, confirmDialog, failure } from '../ui.js';

addStrings({
  'zh-Hans': {
    usrNew: '新建用户', usrLogin: '账号', usrName: '姓名', usrRoles: '角色', usrStatus: '状态', usrActive: '启用中',
    usrDisabled: '已停用', usrAnyStatus: '全部状态', usrAnyRole: '全部角色', usrText: '账号或姓名', usrFilter: '筛选',
    usrPassword: '初始密码', usrPwHint: '留空则生成一次性密码，只显示一次；用户登录后请自行修改。',
    usrLoginHint: '字母、数字及 . _ - @，最多 64 个字符。', usrAddRole: '添加角色', usrRemoveRole: '移除此角色',
    usrRole: '角色', usrScope: '范围', usrDistricts: '区县', usrStations: '驿站', usrCanteens: '食堂',
    usrFindStation: '按编号或名称查找驿站', usrFind: '查找', usrAdd: '加入', usrRemove: '移除 {x}', usrNoMatch: '没有找到驿站。',
    usrPartner: '或合作方（partner=名称）', usrNoScope: '此角色没有范围，适用于全市。', usrCreated: '已创建用户 {login}。',
    usrOtp: '一次性密码（只显示这一次，请当面或安全地交给用户）：', usrOtpCopy: '复制', usrCopied: '已复制',
    usrReset: '重置密码', usrResetAsk: '为 {login} 生成新的一次性密码？其现有登录将全部结束。',
    usrDisable: '停用账号', usrEnable: '重新启用', usrDisableAsk: '停用 {login}？其所有登录会立即结束。', usrEnableAsk: '重新启用 {login}？',
    usrNowDisabled: '已停用 {login}，其登录已结束。', usrNowEnabled: '已重新启用 {login}。', usrSaveRoles: '保存',
    usrCreatedAt: '创建于', usrUpdatedAt: '最近修改', usrHistory: '查看此用户的审计记录', usrMine: '（你本人）',
    usrYourScope: '你只能管理本区县（{list}）内的用户与角色。', usrEditTitle: '用户 {login}',
  },
  'zh-Hant': {
    usrNew: '新建使用者', usrLogin: '帳號', usrName: '姓名', usrRoles: '角色', usrStatus: '狀態', usrActive: '啟用中',
    usrDisabled: '已停用', usrAnyStatus: '全部狀態', usrAnyRole: '全部角色', usrText: '帳號或姓名', usrFilter: '篩選',
    usrPassword: '初始密碼', usrPwHint: '留空則產生一次性密碼，只顯示一次；使用者登入後請自行修改。',
    usrLoginHint: '字母、數字及 . _ - @，最多 64 個字元。', usrAddRole: '新增角色', usrRemoveRole: '移除此角色',
    usrRole: '角色', usrScope: '範圍', usrDistricts: '區縣', usrStations: '驛站', usrCanteens: '食堂',
    usrFindStation: '依編號或名稱尋找驛站', usrFind: '尋找', usrAdd: '加入', usrRemove: '移除 {x}', usrNoMatch: '沒有找到驛站。',
    usrPartner: '或合作方（partner=名稱）', usrNoScope: '此角色沒有範圍，適用於全市。', usrCreated: '已建立使用者 {login}。',
    usrOtp: '一次性密碼（只顯示這一次，請當面或安全地交給使用者）：', usrOtpCopy: '複製', usrCopied: '已複製',
    usrReset: '重設密碼', usrResetAsk: '為 {login} 產生新的一次性密碼？其現有登入將全部結束。',
    usrDisable: '停用帳號', usrEnable: '重新啟用', usrDisableAsk: '停用 {login}？其所有登入會立即結束。', usrEnableAsk: '重新啟用 {login}？',
    usrNowDisabled: '已停用 {login}，其登入已結束。', usrNowEnabled: '已重新啟用 {login}。', usrSaveRoles: '儲存',
    usrCreatedAt: '建立於', usrUpdatedAt: '最近修改', usrHistory: '檢視此使用者的稽核記錄', usrMine: '（你本人）',
    usrYourScope: '你只能管理本區縣（{list}）內的使用者與角色。', usrEditTitle: '使用者 {login}',
  },
  en: {
    usrNew: 'New user', usrLogin: 'Login', usrName: 'Name', usrRoles: 'Roles', usrStatus: 'Status', usrActive: 'active',
    usrDisabled: 'disabled', usrAnyStatus: 'Any status', usrAnyRole: 'Any role', usrText: 'Login or name', usrFilter: 'Filter',
    usrPassword: 'First password', usrPwHint: 'Leave empty for a one-time password, shown once; the user changes it after logging in.',
    usrLoginHint: 'Letters, digits and . _ - @, at most 64 characters.', usrAddRole: 'Add a role', usrRemoveRole: 'Remove this role',
    usrRole: 'Role', usrScope: 'Scope', usrDistricts: 'Districts', usrStations: 'Stations', usrCanteens: 'Canteens',
    usrFindStation: 'Find a station by code or name', usrFind: 'Find', usrAdd: 'Add', usrRemove: 'Remove {x}', usrNoMatch: 'No station found.',
    usrPartner: 'or a partner (partner=NAME)', usrNoScope: 'This role has no scope: it is city-wide.', usrCreated: 'User {login} created.',
    usrOtp: 'One-time password (shown only this once; hand it to the user in person or safely):', usrOtpCopy: 'Copy', usrCopied: 'Copied',
    usrReset: 'Reset password', usrResetAsk: 'Make a new one-time password for {login}? All their sessions end.',
    usrDisable: 'Disable', usrEnable: 'Enable again', usrDisableAsk: 'Disable {login}? All their sessions end at once.', usrEnableAsk: 'Enable {login} again?',
    usrNowDisabled: '{login} is disabled; their sessions have ended.', usrNowEnabled: '{login} is enabled again.', usrSaveRoles: 'Save',
    usrCreatedAt: 'Created', usrUpdatedAt: 'Last changed', usrHistory: "This user's audit entries", usrMine: ' (you)',
    usrYourScope: 'You manage the users and roles of your districts only ({list}).', usrEditTitle: 'User {login}',
  },
});

const ROLES = ['city_admin', 'district_admin', 'operator', 'inspector', 'moderator', 'canteen', 'viewer'];
/** The roles a district admin may give: scoped inside their districts (the server's rule). */
const DISTRICT_ROLES = ['district_admin', 'operator', 'canteen'];
const roleName = (r) => t('role')[r] || r;

// --- what the scope pickers need, read once per render ----------------------------------------
async function lookups(ctx) {
  const mine = ctx.hasRole('city_admin') ? null : (ctx.scopeOf('district_admin') || []);
  const [d, c] = await Promise.all([get('/api/v1/districts'), get('/api/v1/canteens')]);
  let districts = d.body.districts;
  if (mine) districts = districts.filter((x) => mine.includes(x.code));
  let canteens = c.body.canteens;
  const stationCache = new Map();
  const station = async (id) => {
    if (!stationCache.has(id)) stationCache.set(id, get(`/api/v1/stations/${id}`).then((r) => r.body).catch(() => null));
    return stationCache.get(id);
  };
  if (mine) { // a canteen is theirs when it is at a station of their districts
    const at = await Promise.all(canteens.map((x) => (x.station_id ? station(x.station_id) : null)));
    canteens = canteens.filter((x, i) => at[i] && at[i].district && mine.includes(at[i].district.code));
  }
  return { mine, districts, canteens, station };
}
const districtName = (d) => (lang() === 'zh-Hant' ? d.name_hant || d.name : d.name);

/** One role's editor: a role select and the scope picker its role needs. */
function roleRow(lk, grant, onRemove) {
  const offered = lk.mine ? DISTRICT_ROLES : ROLES;
  const roleSel = select(offered.map((r) => [r, roleName(r)]), grant.role, { 'data-field': 'role' });
  const scopeBox = h('div', { class: 'scope' });
  let picked = new Set((grant.scope || []).map(String));
  const row = h('fieldset', { class: 'card role-row' },
    h('legend', null, t('usrRole')),
    field(t('usrRole'), roleSel),
    scopeBox,
    h('button', { type: 'button', class: 'btn danger small', onclick: () => { row.remove(); onRemove(); } }, t('usrRemoveRole')));
  function draw() {
    const role = roleSel.value;
    scopeBox.replaceChildren();
    if (role === 'district_admin') {
      scopeBox.append(h('fieldset', { class: 'checks' }, h('legend', null, t('usrDistricts')),
        lk.districts.map((d) => h('label', { class: 'check' },
          h('input', { type: 'checkbox', value: d.code, checked: picked.has(d.code), onchange: (e) => { if (e.target.checked) picked.add(d.code); else picked.delete(d.code); } }),
          ` ${districtName(d)} (${d.code})`))));
    } else if (role === 'canteen') {
      scopeBox.append(h('fieldset', { class: 'checks' }, h('legend', null, t('usrCanteens')),
        lk.canteens.length ? lk.canteens.map((c) => h('label', { class: 'check' },
          h('input', { type: 'checkbox', value: String(c.id), checked: picked.has(String(c.id)), onchange: (e) => { if (e.target.checked) picked.add(String(c.id)); else picked.delete(String(c.id)); } }),
          ` ${c.name} (#${c.id})`)) : h('p', { class: 'muted' }, t('empty'))));
    } else if (role === 'operator') {
      scopeBox.append(stationPicker(lk, picked));
    } else {
      scopeBox.append(h('p', { class: 'muted' }, t('usrNoScope')));
    }
  }
  roleSel.addEventListener('change', () => { picked = new Set(); draw(); });
  draw();
  row.grant = () => {
    const role = roleSel.value;
    if (!['district_admin', 'operator', 'canteen'].includes(role)) return { role, scope: [] };
    return { role, scope: [...picked].map((x) => (/^\d+$/.test(x) ? Number(x) : x)) };
  };
  return row;
}

/** Stations of an operator: chips of the picked ones, a search by code or name. */
function stationPicker(lk, picked) {
  const chips = h('ul', { class: 'chips' });
  const q = h('input', { type: 'search', maxlength: 200 });
  const results = h('ul', { class: 'chips results', 'aria-live': 'polite' });
  async function label(item) {
    if (!/^\d+$/.test(item)) return item;
    const s = await lk.station(Number(item));
    return s ? `${s.code} ${s.name}` : `#${item}`;
  }
  async function drawChips() {
    const items = [...picked];
    const labels = await Promise.all(items.map(label));
    chips.replaceChildren(...items.map((it, i) => h('li', { class: 'chip' }, labels[i],
      h('button', { type: 'button', class: 'btn small', 'aria-label': t('usrRemove', { x: labels[i] }), onclick: () => { picked.delete(it); drawChips(); } }, '×'))));
  }
  async function find() {
    const params = { q: q.value.trim(), per_page: 20 };
    if (lk.mine && lk.mine.length === 1) params.district = lk.mine[0];
    const r = await get('/api/v1/stations', params);
    let list = r.body.stations;
    // the text search reads names and addresses; a code (or an id) is looked up itself
    if (/^[A-Za-z0-9-]{2,32}$/.test(params.q)) {
      const one = await get(`/api/v1/stations/${encodeURIComponent(params.q)}`).then((x) => x.body).catch(() => null);
      if (one && one.id && !list.some((s) => s.id === one.id)) list = [one, ...list];
    }
    if (lk.mine) list = list.filter((s) => s.district && lk.mine.includes(s.district.code));
    results.replaceChildren(...(list.length ? list.map((s) => h('li', null,
      h('button', { type: 'button', class: 'btn small', onclick: () => { picked.add(String(s.id)); drawChips(); } },
        `${t('usrAdd')} ${s.code} ${s.name}`))) : [h('li', { class: 'muted' }, t('usrNoMatch'))]));
  }
  const findBtn = h('button', { type: 'button', class: 'btn' }, t('usrFind'));
  findBtn.addEventListener('click', () => busy(findBtn, () => find().catch((e) => toast(e.text ? e.text() : String(e), 'bad'))));
  q.addEventListener('keydown', (e) => { if (e.key === 'Enter') { e.preventDefault(); findBtn.click(); } });
  const parts = [h('p', { class: 'label' }, t('usrStations')), chips,
    h('div', { class: 'row' }, field(t('usrFindStation'), q), findBtn), results];
  if (!lk.mine) { // a partner's stations: the city admin's only
    const partner = h('input', { type: 'text', maxlength: 120, placeholder: 'partner=中国铁塔' });
    const add = h('button', { type: 'button', class: 'btn', onclick: () => {
      const v = partner.value.trim();
      if (v) { picked.add(v.startsWith('partner=') ? v : `partner=${v}`); partner.value = ''; drawChips(); }
    } }, t('usrAdd'));
    parts.push(h('div', { class: 'row' }, field(t('usrPartner'), partner), add));
  }
  drawChips();
  return h('div', { class: 'station-picker' }, parts);
}

/** The roles editor: rows and an "add a role" button; .grants() reads them. */
function rolesEditor(lk, grants) {
  const rows = h('div', { class: 'role-rows' });
  const add = (g) => rows.append(roleRow(lk, g, () => {}));
  for (const g of grants) add(g);
  // a refused or bad scope (the server names "scope") is shown under the roles
  const id = newId('roles');
  const box = h('div', { class: 'roles-editor', id, 'data-field': 'scope', tabindex: '-1' },
    h('h2', null, t('usrRoles')), h('div', { class: 'err', id: `${id}-err`, role: 'alert', hidden: true }), rows,
    h('button', { type: 'button', class: 'btn', onclick: () => add({ role: lk.mine ? 'operator' : 'viewer', scope: [] }) }, t('usrAddRole')));
  box.grants = () => [...rows.children].map((r) => r.grant());
  return box;
}

/** The one-time password, shown once with a copy button. */
function otpBox(pw) {
  const code = h('code', { class: 'otp' }, pw);
  return h('div', { class: 'ok-note', role: 'status' }, h('p', null, t('usrOtp')), code, ' ',
    h('button', { type: 'button', class: 'btn small', onclick: async (e) => {
      try { await navigator.clipboard.writeText(pw); e.target.textContent = t('usrCopied'); } catch { /* select by hand */ }
    } }, t('usrOtpCopy')));
}

const scopeText = (g) => (g.scope.length ? g.scope.join(', ') : '');

// --- the list ---------------------------------------------------------------------------------
async function renderList(main, ctx) {
  const q = ctx.query;
  const mine = ctx.hasRole('city_admin') ? null : ctx.scopeOf('district_admin');
  main.append(pageHead(t('navUsers'), h('a', { class: 'btn primary', href: '#/users/new' }, t('usrNew'))));
  if (mine) main.append(h('p', { class: 'muted' }, t('usrYourScope', { list: mine.join(', ') })));
  const roleSel = select([['', t('usrAnyRole')], ...ROLES.map((r) => [r, roleName(r)])], q.get('role') || '', { name: 'role' });
  const disSel = select([['', t('usrAnyStatus')], ['false', t('usrActive')], ['true', t('usrDisabled')]], q.get('disabled') || '', { name: 'disabled' });
  const text = h('input', { type: 'search', name: 'q', value: q.get('q') || '', maxlength: 64 });
  const form = h('form', { class: 'filters', role: 'search' },
    field(t('usrRole'), roleSel, { name: 'role' }), field(t('usrStatus'), disSel, { name: 'disabled' }),
    field(t('usrText'), text, { name: 'q' }),
    h('button', { type: 'submit', class: 'btn' }, t('usrFilter')));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const p = new URLSearchParams();
    if (roleSel.value) p.set('role', roleSel.value);
    if (disSel.value) p.set('disabled', disSel.value);
    if (text.value.trim()) p.set('q', text.value.trim());
    ctx.navigate(`#/users${p.toString() ? `?${p}` : ''}`);
  });
  main.append(form);
  let r;
  try {
    r = await get('/api/v1/users', { role: q.get('role'), disabled: q.get('disabled'), q: q.get('q') });
  } catch (err) {
    if (err instanceof ApiError && err.status === 400) { showError(form, err); return; }
    throw err;
  }
  const me = ctx.session.user && ctx.session.user.id;
  main.append(h('p', { class: 'muted', role: 'status' }, t('total', { n: r.body.total })),
    table([
      { label: t('usrLogin'), cell: (u) => h('a', { href: `#/users/${u.id}` }, u.login, u.id === me ? t('usrMine') : '') },
      { label: t('usrName'), cell: (u) => u.name },
      { label: t('usrRoles'), cell: (u) => h('ul', { class: 'roles' }, u.roles.map((g) => h('li', null, roleName(g.role), g.scope.length ? ` · ${scopeText(g)}` : ''))) },
      { label: t('usrStatus'), cell: (u) => h('span', { class: `badge ${u.disabled ? 'bad' : 'ok'}` }, u.disabled ? t('usrDisabled') : t('usrActive')) },
    ], r.body.items, { label: t('navUsers'), caption: t('navUsers') }));
  main.querySelector('h1').focus();
}

// --- creating ---------------------------------------------------------------------------------
async function renderNew(main, ctx) {
  const lk = await lookups(ctx);
  main.append(pageHead(t('usrNew'), h('a', { class: 'btn', href: '#/users' }, t('back'))));
  const login = h('input', { name: 'login', autocomplete: 'off', autocapitalize: 'none', spellcheck: 'false', required: true });
  const name = h('input', { name: 'name', autocomplete: 'off' });
  const pw = h('input', { name: 'password', type: 'password', autocomplete: 'new-password' });
  const roles = rolesEditor(lk, [{ role: lk.mine ? 'operator' : 'viewer', scope: [] }]);
  const btn = h('button', { type: 'submit', class: 'btn primary' }, t('create'));
  const out = h('div');
  const form = h('form', { class: 'card user-form', novalidate: true },
    h('div', { class: 'grid' },
      field(t('usrLogin'), login, { name: 'login', required: true, hint: t('usrLoginHint') }),
      field(t('usrName'), name, { name: 'name' }),
      field(t('usrPassword'), pw, { name: 'password', hint: t('usrPwHint') })),
    roles, btn);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    await busy(btn, async () => {
      try {
        const body = { login: login.value.trim(), name: name.value, roles: roles.grants() };
        if (pw.value) body.password = pw.value;
        const r = await post('/api/v1/users', body);
        pw.value = '';
        toast(t('usrCreated', { login: r.body.login }));
        out.replaceChildren(h('p', null, t('usrCreated', { login: r.body.login }), ' ',
          h('a', { href: `#/users/${r.body.id}` }, r.body.login)), r.body.password ? otpBox(r.body.password) : null);
      } catch (err) {
        showError(form, err instanceof ApiError ? err : String(err));
      }
    });
  });
  main.append(out, form);
  main.querySelector('h1').focus();
}

// --- one user ---------------------------------------------------------------------------------
async function renderUser(main, ctx, id) {
  const [lk, r] = await Promise.all([lookups(ctx), get(`/api/v1/users/${encodeURIComponent(id)}`)]);
  const u = r.body;
  const version = Number(r.etag) || u.version;
  const note = h('div');
  main.append(pageHead(t('usrEditTitle', { login: u.login }), h('a', { class: 'btn', href: '#/users' }, t('back'))), note,
    h('dl', { class: 'facts' },
      h('dt', null, t('usrLogin')), h('dd', null, u.login),
      h('dt', null, t('usrStatus')), h('dd', null, h('span', { class: `badge ${u.disabled ? 'bad' : 'ok'}` }, u.disabled ? t('usrDisabled') : t('usrActive'))),
      h('dt', null, t('usrCreatedAt')), h('dd', null, fmtTime(u.created_at)),
      h('dt', null, t('usrUpdatedAt')), h('dd', null, fmtTime(u.updated_at))),
    h('p', null, h('a', { href: `#/audit?record=${encodeURIComponent(`user:${u.id}`)}` }, t('usrHistory'))));
  // a stale version: reload, and say so on the fresh page
  const onStale = () => { sessionStorage.setItem('yz.admin.stale', '1'); ctx.refresh(); };
  if (sessionStorage.getItem('yz.admin.stale')) {
    sessionStorage.removeItem('yz.admin.stale');
    note.append(h('p', { class: 'note', role: 'status' }, t('stale')));
  }
  const name = h('input', { name: 'name', value: u.name, autocomplete: 'off' });
  const roles = rolesEditor(lk, u.roles);
  const save = h('button', { type: 'submit', class: 'btn primary' }, t('usrSaveRoles'));
  const form = h('form', { class: 'card user-form', novalidate: true },
    field(t('usrName'), name, { name: 'name' }), roles, save);
  const otp = h('div');
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    await busy(save, async () => {
      try {
        await patch(`/api/v1/users/${u.id}`, { name: name.value, roles: roles.grants() }, { ifMatch: version });
        toast(t('saved'));
        ctx.refresh();
      } catch (err) {
        if (err instanceof ApiError && err.stale) { onStale(); return; }
        showError(form, err instanceof ApiError ? err : String(err));
      }
    });
  });
  const actions = h('form', { class: 'card row user-actions' });
  const act = async (btn, ask, body, done) => {
    if (!(await confirmDialog(ask, btn.textContent))) return;
    await busy(btn, async () => {
      try {
        const res = await patch(`/api/v1/users/${u.id}`, body, { ifMatch: version });
        otpNote = res.body.password || null; // shown once: kept over the refresh, in memory
        toast(done);
        ctx.refresh();
      } catch (err) {
        if (err instanceof ApiError && err.stale) { onStale(); return; }
        showError(actions, err instanceof ApiError ? err : String(err));
      }
    });
  };
  const reset = h('button', { type: 'button', class: 'btn' }, t('usrReset'));
  reset.addEventListener('click', () => act(reset, t('usrResetAsk', { login: u.login }), { password: null }, t('saved')));
  const toggle = h('button', { type: 'button', class: `btn ${u.disabled ? '' : 'danger'}` }, u.disabled ? t('usrEnable') : t('usrDisable'));
  toggle.addEventListener('click', () => act(toggle, t(u.disabled ? 'usrEnableAsk' : 'usrDisableAsk', { login: u.login }),
    { disabled: !u.disabled }, t(u.disabled ? 'usrNowEnabled' : 'usrNowDisabled', { login: u.login })));
  actions.append(reset, toggle);
  if (otpNote) { otp.append(otpBox(otpNote)); otpNote = null; }
  main.append(otp, form, actions);
  main.querySelector('h1').focus();
}
// The one-time password of a reset, carried over the refresh that shows the user's new state
// (memory only, never stored).
let otpNote = null;

export default {
  route: 'users',
  nav: 'navUsers',
  roles: ['city_admin', 'district_admin'],
  async render(main, ctx) {
    const [id] = ctx.params;
    try {
      if (id === 'new') await renderNew(main, ctx);
      else if (id) await renderUser(main, ctx, id);
      else await renderList(main, ctx);
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) throw err;
      if (err instanceof ApiError && (err.status === 403 || err.status === 404)) {
        main.replaceChildren(pageHead(t('navUsers')), failure(err, null), h('p', null, h('a', { href: '#/users' }, t('back'))));
        return;
      }
      throw err;
    }
  },
};
