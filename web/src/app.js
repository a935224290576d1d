// SPDX-License-Identifier: MIT
// app.js - the worker web app: home (nearby stations on a map and a list, filters, search;
// home.js), the station page (/station/{id|code}) and the check-in page (/s/{code}; station.js),
// the event page (/event/{id}, event.js) and the experience officer's inspection
// (/inspect[/{code}], inspect.js), routed in the browser over the yizhan JSON API. This module
// holds the header and the router. Plain DOM, no framework (docs/internals/web.md).
import { t, setLang, lang, LANGS } from './i18n.js';
import { renderInspect, startSync } from './inspect.js';
import { main, state, store } from './state.js';
import { h, go, setRouter } from './util.js';
import { queueList, flushQueue } from './api.js';
import { renderHome } from './home.js';
import { renderStation } from './station.js';
import { renderMeals } from './today.js';
import { renderEvent } from './event.js';

// --- header: language, large text ---------------------------------------------------------------
const THEMES = ['auto', 'light', 'dark', 'contrast'];
function applyChrome() {
  document.documentElement.lang = lang();
  document.documentElement.classList.toggle('big', !!store.get('big', false));
  // auto follows prefers-color-scheme and prefers-contrast (app.css); the others are chosen
  const theme = THEMES.includes(store.get('theme', 'auto')) ? store.get('theme', 'auto') : 'auto';
  if (theme === 'auto') delete document.documentElement.dataset.theme;
  else document.documentElement.dataset.theme = theme;
  const ts = document.getElementById('theme');
  ts.replaceChildren(...THEMES.map((k) => h('option', { value: k, selected: k === theme }, t('themes')[k])));
  ts.value = theme;
  paintQueue();
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
  document.getElementById('theme').addEventListener('change', (ev) => {
    store.set('theme', ev.target.value);
    applyChrome();
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
  window.addEventListener('popstate', () => route(true, true));
  // the offline queue: shown under the header, sent when the network returns (and now)
  window.addEventListener('yz-queue', paintQueue);
  window.addEventListener('storage', (ev) => { if (ev.key === 'yz.queue') paintQueue(); });
  window.addEventListener('online', sendQueue);
}

function paintQueue() {
  const bar = document.getElementById('queue');
  const list = queueList();
  bar.hidden = !list.length;
  bar.replaceChildren(...(list.length ? [h('strong', {}, `${t('queueTitle')}${t('colon')}`),
    list.map((it) => `${t('queueKinds')[it.kind] || it.kind} · ${it.name || it.code || ''}`).join(lang() === 'en' ? '; ' : '；')] : []));
}

async function sendQueue() {
  if (!queueList().length) return;
  const n = await flushQueue();
  paintQueue();
  if (n) {
    const bar = document.getElementById('queue');
    bar.hidden = false;
    bar.replaceChildren(t('queueSent', { n }));
    setTimeout(paintQueue, 6000);
  }
}

// --- router ----------------------------------------------------------------------------------------
let first = true;
let homeScroll = null; // the home list's scroll position, for Back
let lastPath = location.pathname;
async function route(focus, back = false) {
  const p = location.pathname;
  const isHome = (x) => x === '/' || x === '/index.html';
  if (isHome(lastPath) && !isHome(p)) {
    homeScroll = window.scrollY;
    // the rows' heights: rows off screen are sized by these when the list is drawn again
    // (content-visibility in app.css), so that Back finds the same row at the same place
    state.rowHeights = new Map([...document.querySelectorAll('#list .row[data-code]')]
      .map((r) => [r.dataset.code, r.getBoundingClientRect().height]));
  }
  lastPath = p;
  state.restoreScroll = back && isHome(p) ? homeScroll : null;
  let m;
  if (state.map && !(p === '/' || p === '/index.html')) { state.map.destroy(); state.map = null; }
  if ((m = p.match(/^\/s\/([^/]+)\/?$/))) await renderStation(decodeURIComponent(m[1]), true);
  else if ((m = p.match(/^\/station\/([^/]+)\/?$/))) await renderStation(decodeURIComponent(m[1]), false);
  else if ((m = p.match(/^\/event\/([^/]+)\/?$/))) await renderEvent(decodeURIComponent(m[1]));
  else if ((m = p.match(/^\/meals(?:\/([^/]+))?\/?$/))) await renderMeals(m[1] ? decodeURIComponent(m[1]) : null);
  else if ((m = p.match(/^\/inspect(?:\/([^/]+))?\/?$/))) await renderInspect(main, h, m[1] ? decodeURIComponent(m[1]) : null, go);
  else await renderHome();
  if (focus && !first) main.querySelector('h1')?.focus({ preventScroll: true });
  first = false;
  if (state.restoreScroll === null || state.restoreScroll === undefined) window.scrollTo(0, 0);
}

setLang(store.get('lang', null) || (/^zh-(TW|HK|MO|Hant)/i.test(navigator.language) ? 'zh-Hant' : 'zh-Hans'));
if (!LANGS[lang()]) setLang('zh-Hans');
setRouter(route);
if ('scrollRestoration' in history) history.scrollRestoration = 'manual'; // app.js keeps the list's place
applyChrome();
initChrome();
route(false);
sendQueue();
// inspections queued without signal go out when the network returns (and now)
if (window.indexedDB) startSync(() => startSync.current && startSync.current());
if ('serviceWorker' in navigator) {
  navigator.serviceWorker.register('/sw.js').catch(() => { /* the app works without it */ });
}
