// SPDX-License-Identifier: MIT
// i18n.js - the console's three languages: 简体中文 (default), 繁體中文, English. The shell's
// texts are here; each view adds its own with addStrings() when its module loads, so a view
// and its words live in one file. Error messages come from the server in 简体 and English
// (`message`, `message_en`); 繁體 shows the 简体 one.
const LANGS = ['zh-Hans', 'zh-Hant', 'en'];
const dict = { 'zh-Hans': {}, 'zh-Hant': {}, en: {} };
let cur = 'zh-Hans';

/** Add texts: { 'zh-Hans': {...}, 'zh-Hant': {...}, en: {...} }. 繁體 falls back to 简体. */
export function addStrings(byLang) {
  for (const l of LANGS) Object.assign(dict[l], byLang[l] || {});
}

export function setLang(l) { cur = LANGS.includes(l) ? l : 'zh-Hans'; }
export function lang() { return cur; }
export { LANGS };

/** The text for `key` in the current language, with {name} replaced from `vars`. */
export function t(key, vars) {
  let s = dict[cur][key];
  if (s === undefined) s = dict['zh-Hans'][key] ?? key;
  if (vars && typeof s === 'string') s = s.replace(/\{(\w+)\}/g, (_, k) => String(vars[k] ?? ''));
  return s;
}

/** A label from a server vocabulary item ({label, label_hant, label_en}). */
export function vocab(item) {
  if (!item) return '';
  if (cur === 'en') return item.label_en || item.label || item.code || '';
  if (cur === 'zh-Hant') return item.label_hant || item.label || item.code || '';
  return item.label || item.code || '';
}

/** A server error body's message in the current language. */
export function errText(body) {
  if (!body) return t('serverError');
  if (cur === 'en') return body.message_en || body.message || t('serverError');
  return body.message || body.message_en || t('serverError');
}

/** Date and time as the operator reads it, in the stations' zone (Asia/Shanghai). */
export function fmtTime(iso, withDate = true) {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  const loc = cur === 'en' ? 'en-GB' : cur;
  return d.toLocaleString(loc, withDate
    ? { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' }
    : { timeZone: 'Asia/Shanghai', hour: '2-digit', minute: '2-digit' });
}

addStrings({
  'zh-Hans': {
    skip: '跳到内容', language: '语言', menu: '菜单', consoleName: '驿站管理后台', nav: '管理后台',
    loading: '正在加载…', offline: '网络不通，请检查网络后重试。', serverError: '服务器出错了，请稍后再试。',
    retry: '重试', save: '保存', saved: '已保存', cancel: '取消', close: '关闭', delete: '删除', edit: '编辑',
    create: '新建', search: '搜索', filter: '筛选', reset: '重置', apply: '应用', yes: '是', no: '否',
    all: '全部', none: '无', back: '返回', more: '更多', prev: '上一页', next: '下一页', total: '共 {n} 条',
    empty: '没有记录。', required: '必填', actions: '操作', confirm: '确定', notAllowed: '你的角色无权查看此页。',
    stale: '这条记录刚被别人修改过。已重新加载最新内容，请再改一次。',
    login: '登录', logout: '退出登录', loginTitle: '登录驿站管理后台', loginName: '账号', password: '密码',
    loginBtn: '登录', loggingIn: '正在登录…', loginFailed: '账号或密码不对。', sessionEnded: '登录已过期，请重新登录。',
    loggedOut: '已退出登录。', signedInAs: '{name}（{login}）',
    home: '概览', welcome: '你好，{name}。', yourRoles: '你的角色',
    navStations: '驿站', navTransfer: '导入导出', navInspections: '检查', navTasks: '整改任务', navSelfcheck: '每日自查', navOfficers: '体验官', navDashboard: '数据看板', navProject: '项目与创建进度', navModeration: '内容审核', navReports: '问题报告', navEvents: '活动', navMeals: '十元餐',
    navCanteen: '核销取餐码', navUsers: '用户与角色', navAudit: '审计日志', navAccount: '我的账号',
    role: {
      city_admin: '市总工会管理员', district_admin: '区县管理员', operator: '驿站运营方', inspector: '体验官/检查员',
      moderator: '内容审核员', canteen: '食堂收银', viewer: '只读查看',
    },
    scopeAll: '全部范围', scopeOf: '范围：{list}',
  },
  'zh-Hant': {
    skip: '跳到內容', language: '語言', menu: '選單', consoleName: '驛站管理後台', nav: '管理後台',
    loading: '正在載入…', offline: '網路不通，請檢查網路後重試。', serverError: '伺服器出錯了，請稍後再試。',
    retry: '重試', save: '儲存', saved: '已儲存', cancel: '取消', close: '關閉', delete: '刪除', edit: '編輯',
    create: '新建', search: '搜尋', filter: '篩選', reset: '重設', apply: '套用', yes: '是', no: '否',
    all: '全部', none: '無', back: '返回', more: '更多', prev: '上一頁', next: '下一頁', total: '共 {n} 筆',
    empty: '沒有記錄。', required: '必填', actions: '操作', confirm: '確定', notAllowed: '你的角色無權查看此頁。',
    stale: '這筆記錄剛被別人修改過。已重新載入最新內容，請再改一次。',
    login: '登入', logout: '登出', loginTitle: '登入驛站管理後台', loginName: '帳號', password: '密碼',
    loginBtn: '登入', loggingIn: '正在登入…', loginFailed: '帳號或密碼不對。', sessionEnded: '登入已過期，請重新登入。',
    loggedOut: '已登出。', signedInAs: '{name}（{login}）',
    home: '概覽', welcome: '你好，{name}。', yourRoles: '你的角色',
    navStations: '驛站', navTransfer: '匯入匯出', navInspections: '檢查', navTasks: '整改任務', navSelfcheck: '每日自查', navOfficers: '體驗官', navDashboard: '數據看板', navProject: '專案與創建進度', navModeration: '內容審核', navReports: '問題回報', navEvents: '活動', navMeals: '十元餐',
    navCanteen: '核銷取餐碼', navUsers: '使用者與角色', navAudit: '稽核日誌', navAccount: '我的帳號',
    role: {
      city_admin: '市總工會管理員', district_admin: '區縣管理員', operator: '驛站營運方', inspector: '體驗官/檢查員',
      moderator: '內容審核員', canteen: '食堂收銀', viewer: '唯讀檢視',
    },
    scopeAll: '全部範圍', scopeOf: '範圍：{list}',
  },
  en: {
    skip: 'Skip to content', language: 'Language', menu: 'Menu', consoleName: 'Station console', nav: 'Console',
    loading: 'Loading…', offline: 'No network. Check the connection and try again.', serverError: 'The server failed; please try again later.',
    retry: 'Retry', save: 'Save', saved: 'Saved', cancel: 'Cancel', close: 'Close', delete: 'Delete', edit: 'Edit',
    create: 'New', search: 'Search', filter: 'Filter', reset: 'Reset', apply: 'Apply', yes: 'Yes', no: 'No',
    all: 'All', none: 'None', back: 'Back', more: 'More', prev: 'Previous', next: 'Next', total: '{n} in all',
    empty: 'Nothing here.', required: 'required', actions: 'Actions', confirm: 'OK', notAllowed: 'Your roles do not allow this page.',
    stale: 'Someone changed this record a moment ago. The latest version is loaded; please make your change again.',
    login: 'Log in', logout: 'Log out', loginTitle: 'Log in to the station console', loginName: 'Login', password: 'Password',
    loginBtn: 'Log in', loggingIn: 'Logging in…', loginFailed: 'Wrong login or password.', sessionEnded: 'Your session ended; please log in again.',
    loggedOut: 'Logged out.', signedInAs: '{name} ({login})',
    home: 'Overview', welcome: 'Hello, {name}.', yourRoles: 'Your roles',
    navStations: 'Stations', navTransfer: 'Import and export', navInspections: 'Inspections', navTasks: 'Rectification', navSelfcheck: 'Daily self-check', navOfficers: 'Experience officers', navDashboard: 'Dashboard', navProject: 'Project and campaign', navModeration: 'Moderation', navReports: 'Problem reports', navEvents: 'Events', navMeals: 'Meals',
    navCanteen: 'Redeem pickup codes', navUsers: 'Users and roles', navAudit: 'Audit log', navAccount: 'My account',
    role: {
      city_admin: 'City admin', district_admin: 'District admin', operator: 'Station operator', inspector: 'Inspector',
      moderator: 'Moderator', canteen: 'Canteen cashier', viewer: 'Viewer',
    },
    scopeAll: 'everything', scopeOf: 'scope: {list}',
  },
});
