// SPDX-License-Identifier: MIT
// app.js - the worker web app: home (nearby stations on a map and a list, filters, search;
// home.js), the station page (/station/{id|code}) and the check-in page (/s/{code}; station.js)
// and the experience officer's inspection (/inspect[/{code}], inspect.js), routed in the
// browser over the yizhan JSON API. This module holds the header and the router. Plain DOM,
// no framework (docs/internals/web.md).
import { t, setLang, lang, LANGS } from './i18n.js';
import { renderInspect, startSync } from './inspect.js';
import { main, state, store } from './state.js';
import { h, go, setRouter } from './util.js';
import { renderHome } from './home.js';
import { renderStation } from './station.js';

// --- header: language, large text ---------------------------------------------------------------
function applyChrome() {
  document.documentElement.lang = lang();
  document.documentElement.classList.toggle('big', !!store.get('big', false));
  for (const el of document.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  const sel = document.getElementById('lang');
  sel.value = lang();
  const big = document.getElementById('bigtext');
  big.setAttribute('aria-pressed', String(!!store.get('big', false)));
  document.title = `${t('appName')} · yizhan`;
}

function initChrome() {
  document.getElementById('lang').addEventListener('change', (ev) => {
    setLang(ev.target.value);
    store.set('lang', lang());
    applyChrome();
    route(false);
  });
  document.getElementById('bigtext').addEventListener('click', () => {
    store.set('big', !store.get('big', false));
    applyChrome();
    if (state.map) state.map.map.invalidateSize();
  });
  document.addEventListener('click', (ev) => {
    const a = ev.target.closest && ev.target.closest('a[data-link]');
    if (!a || ev.ctrlKey || ev.metaKey || ev.shiftKey || a.target) return;
    ev.preventDefault();
    go(a.getAttribute('href'));
  });
  window.addEventListener('popstate', () => route(true));
}

// --- router ----------------------------------------------------------------------------------------
let first = true;
async function route(focus) {
  const p = location.pathname;
  let m;
  if (state.map && !(p === '/' || p === '/index.html')) { state.map.destroy(); state.map = null; }
  if ((m = p.match(/^\/s\/([^/]+)\/?$/))) await renderStation(decodeURIComponent(m[1]), true);
  else if ((m = p.match(/^\/station\/([^/]+)\/?$/))) await renderStation(decodeURIComponent(m[1]), false);
  else if ((m = p.match(/^\/inspect(?:\/([^/]+))?\/?$/))) await renderInspect(main, h, m[1] ? decodeURIComponent(m[1]) : null, go);
  else await renderHome();
  if (focus && !first) main.querySelector('h1')?.focus();
  first = false;
  window.scrollTo(0, 0);
}

setLang(store.get('lang', null) || (/^zh-(TW|HK|MO|Hant)/i.test(navigator.language) ? 'zh-Hant' : 'zh-Hans'));
if (!LANGS[lang()]) setLang('zh-Hans');
setRouter(route);
applyChrome();
initChrome();
route(false);
// inspections queued without signal go out when the network returns (and now)
if (window.indexedDB) startSync(() => startSync.current && startSync.current());
if ('serviceWorker' in navigator) {
  navigator.serviceWorker.register('/sw.js').catch(() => { /* the app works without it */ });
}
