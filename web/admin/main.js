// SPDX-License-Identifier: MIT
// main.js - the operators' console at /admin/ (docs/internals/console.md): the session, the
// login, the navigation by role, and the router over the fragment (#/stations/12?district=…).
// Each view is a module in views/ that exports {route, nav, roles, render(main, ctx)}; render
// may return a function called when the view is left. Plain DOM, no framework.
import { get, post, del, setCsrf, onSessionEnd, ApiError } from './api.js';
import { t, setLang, lang, LANGS } from './i18n.js';
import { h, field, showError, busy, toast, failure, pageHead } from './ui.js';
import stations from './views/stations.js';
import transfer from './views/transfer.js';
import moderation from './views/moderation.js';
import reports from './views/reports.js';
import events from './views/events.js';
import meals from './views/meals.js';
import canteen from './views/canteen.js';
import users from './views/users.js';
import audit from './views/audit.js';
import account from './views/account.js';
import project from './views/project.js';
import inspections from './views/inspections.js';
import tasks from './views/tasks.js';
import alarms from './views/alarms.js';
import dashboard from './views/dashboard.js';
import selfcheck from './views/selfcheck.js';
import officers from './views/officers.js';

const VIEWS = [dashboard, stations, transfer, inspections, selfcheck, officers, tasks, alarms, project, moderation, reports, events, meals, canteen, users, audit, account];
const main = document.getElementById('main');
const nav = document.getElementById('nav');
const menuBtn = document.getElementById('menu-btn');
const langSel = document.getElementById('lang');

let session = null; // GET /api/v1/session's answer
let leave = null;   // the current view's cleanup
let renderSeq = 0;

// --- language -----------------------------------------------------------------------------------
function pickLang() {
  const saved = localStorage.getItem('yz.admin.lang');
  if (saved && LANGS.includes(saved)) return saved;
  for (const l of navigator.languages || [navigator.language || '']) {
    const s = String(l).toLowerCase();
    if (s.startsWith('zh-tw') || s.startsWith('zh-hk') || s.startsWith('zh-mo') || s.startsWith('zh-hant')) return 'zh-Hant';
    if (s.startsWith('zh')) return 'zh-Hans';
    if (s.startsWith('en')) return 'en';
  }
  return 'zh-Hans';
}
function applyLang(l) {
  setLang(l);
  document.documentElement.lang = lang();
  langSel.value = lang();
  for (const el of document.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  nav.setAttribute('aria-label', t('nav'));
  document.title = `${t('consoleName')} · yizhan`;
}
langSel.addEventListener('change', () => {
  localStorage.setItem('yz.admin.lang', langSel.value);
  applyLang(langSel.value);
  if (session) { drawNav(); route(); } else showLogin();
});

// --- roles --------------------------------------------------------------------------------------
/** The roles the session holds: [{role, scope: [...]}]. The admin token acts as city_admin. */
function grants() { return (session && session.roles) || []; }
function hasRole(...roles) { return grants().some((g) => roles.includes(g.role)); }
function allowed(view) { return !view.roles || hasRole(...view.roles); }

function ctxFor(params, query) {
  return {
    session, params, query, hasRole,
    /** The scope items of `role` (districts, station ids, canteen ids), or null if not held. */
    scopeOf(role) { const g = grants().filter((x) => x.role === role); return g.length ? g.flatMap((x) => x.scope) : null; },
    navigate(hash) { if (location.hash === hash) route(); else location.hash = hash; },
    refresh: () => route(),
  };
}

// --- navigation and routing ---------------------------------------------------------------------
function drawNav() {
  const cur = (location.hash.replace(/^#\/?/, '').split(/[/?]/)[0]) || '';
  const items = [{ route: '', nav: 'home' }, ...VIEWS.filter(allowed)];
  const u = session.user;
  nav.replaceChildren(
    h('p', { class: 'who' }, u ? t('signedInAs', { name: u.name || u.login, login: u.login }) : 'admin token'),
    h('ul', null, items.map((v) => h('li', null, h('a', {
      href: `#/${v.route}`, 'aria-current': v.route === cur ? 'page' : null,
      onclick: () => setMenu(false),
    }, t(v.nav))))),
    h('button', { type: 'button', class: 'btn logout', onclick: logout }, t('logout')));
  menuBtn.hidden = false;
}
function setMenu(open) {
  nav.classList.toggle('open', open);
  menuBtn.setAttribute('aria-expanded', String(open));
}
menuBtn.addEventListener('click', () => setMenu(!nav.classList.contains('open')));

async function route() {
  if (!session) return;
  const seq = ++renderSeq;
  if (leave) { try { leave(); } catch { /* a view's cleanup must not stop the next */ } leave = null; }
  const raw = location.hash.replace(/^#\/?/, '');
  const [path, qs] = raw.split('?');
  const segs = path.split('/').filter(Boolean).map(decodeURIComponent);
  const view = VIEWS.find((v) => v.route === segs[0]);
  drawNav();
  main.replaceChildren();
  if (!segs.length) { home(); return; }
  if (!view) { main.append(pageHead(t('home')), h('p', null, t('empty'))); return; }
  if (!allowed(view)) { main.append(pageHead(t(view.nav)), h('p', { class: 'alert', role: 'alert' }, t('notAllowed'))); return; }
  document.title = `${t(view.nav)} · ${t('consoleName')}`;
  // Each render gets its own box: a view still loading when the user moves on writes into a
  // box that is no longer on the page, never into the next view.
  const box = h('div', { class: 'view' });
  main.append(box);
  try {
    const r = await view.render(box, ctxFor(segs.slice(1), new URLSearchParams(qs || '')));
    if (seq === renderSeq) leave = typeof r === 'function' ? r : null;
    else if (typeof r === 'function') r();
  } catch (err) {
    if (seq !== renderSeq) return;
    if (err instanceof ApiError && err.status === 401) return; // the login is shown
    box.append(failure(err instanceof ApiError ? err : String(err), () => route()));
  }
}
window.addEventListener('hashchange', route);

function home() {
  document.title = `${t('home')} · ${t('consoleName')}`;
  const u = session.user;
  main.append(pageHead(t('home')),
    h('p', null, t('welcome', { name: u ? (u.name || u.login) : 'admin token' })),
    h('h2', null, t('yourRoles')),
    h('ul', { class: 'roles' }, grants().map((g) => h('li', null, h('strong', null, t('role')[g.role] || g.role), ' · ',
      g.scope.length ? t('scopeOf', { list: g.scope.join(', ') }) : t('scopeAll')))),
    h('ul', { class: 'tiles' }, VIEWS.filter(allowed).map((v) => h('li', null, h('a', { class: 'tile', href: `#/${v.route}` }, t(v.nav))))));
  main.querySelector('h1').focus();
}

// --- session ------------------------------------------------------------------------------------
async function loadSession() {
  try {
    const { body } = await get('/api/v1/session', null, { quiet401: true });
    session = body;
    setCsrf(body.csrf);
    return true;
  } catch (err) {
    if (err instanceof ApiError && (err.status === 401 || err.status === 403)) return false;
    throw err;
  }
}

function showLogin(note) {
  if (leave) { try { leave(); } catch { /* ignore */ } leave = null; }
  session = null;
  setCsrf(null);
  nav.replaceChildren();
  setMenu(false);
  menuBtn.hidden = true;
  document.title = `${t('login')} · ${t('consoleName')}`;
  const login = h('input', { name: 'login', autocomplete: 'username', required: true, maxlength: 64, autocapitalize: 'none', spellcheck: 'false' });
  const pw = h('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true, maxlength: 1024 });
  const btn = h('button', { type: 'submit', class: 'btn primary' }, t('loginBtn'));
  const form = h('form', { class: 'card login', novalidate: true },
    note ? h('p', { class: 'note', role: 'status' }, note) : null,
    field(t('loginName'), login, { name: 'login' }),
    field(t('password'), pw, { name: 'password' }),
    btn);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    await busy(btn, async () => {
      try {
        const { body } = await post('/api/v1/session', { login: login.value.trim(), password: pw.value }, { quiet401: true });
        pw.value = '';
        setCsrf(body.csrf);
        await loadSession();
        route();
      } catch (err) {
        showError(form, err instanceof ApiError && err.status === 401 ? { text: () => t('loginFailed'), field: null } : err);
        pw.focus();
      }
    });
  });
  main.replaceChildren(pageHead(t('loginTitle')), form);
  login.focus();
}

async function logout() {
  try { await del('/api/v1/session', { quiet401: true }); } catch { /* ended anyway */ }
  showLogin(t('loggedOut'));
}

onSessionEnd(() => { if (session) { showLogin(t('sessionEnded')); } });

// --- start ----------------------------------------------------------------------------------------
applyLang(pickLang());
(async () => {
  try {
    if (await loadSession()) route(); else showLogin();
  } catch (err) {
    main.replaceChildren(failure(err instanceof ApiError ? err : String(err), () => location.reload()));
  }
})();
