// SPDX-License-Identifier: MIT
// ui.js - the console's DOM helpers, shared by every view. Build views with h(), never with
// innerHTML: every text from the server (names, reviews, report texts) becomes a text node.
import { t } from './i18n.js';

/** h('a', {href: '#/'}, 'text', child...) - an element; attributes starting with "on" are
 * listeners, `class` is className, true is an empty attribute, false/null/undefined skipped. */
export function h(tag, attrs, ...kids) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k === 'value' && 'value' in el) el.value = v;
    else if (k === 'checked' && 'checked' in el) el.checked = !!v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const kid of kids.flat(Infinity)) if (kid !== null && kid !== undefined && kid !== false) el.append(kid);
  return el;
}

let uid = 0;
/** A unique id for label/aria wiring. */
export const newId = (p = 'f') => `${p}-${++uid}`;

/** A labelled form control: field(label, input, {hint, name}). The input gets an id and
 * aria-describedby for its hint and its error line; `name` lets showError find it. */
export function field(label, input, opts = {}) {
  const id = input.id || newId();
  input.id = id;
  if (opts.name) input.dataset.field = opts.name;
  const hintId = `${id}-hint`, errId = `${id}-err`;
  const described = [opts.hint ? hintId : null, errId].filter(Boolean).join(' ');
  input.setAttribute('aria-describedby', described);
  return h('div', { class: `field${opts.wide ? ' wide' : ''}` },
    h('label', { for: id }, label, opts.required ? h('span', { class: 'req' }, ` (${t('required')})`) : null),
    input,
    opts.hint ? h('div', { class: 'hint', id: hintId }, opts.hint) : null,
    h('div', { class: 'err', id: errId, hidden: true }));
}

/** Show an ApiError on a form: the field it names gets the message under it (and focus),
 * otherwise the form's alert line. Returns the text shown. */
export function showError(form, err) {
  clearErrors(form);
  const text = err && err.text ? err.text() : String(err);
  const input = err && err.field ? form.querySelector(`[data-field="${CSS.escape(err.field)}"]`) : null;
  if (input) {
    const line = document.getElementById(`${input.id}-err`);
    if (line) { line.textContent = text; line.hidden = false; }
    input.setAttribute('aria-invalid', 'true');
    input.focus();
  }
  let alert = form.querySelector(':scope > .alert');
  if (!alert) { alert = h('div', { class: 'alert', role: 'alert' }); form.prepend(alert); }
  alert.textContent = text;
  alert.hidden = false;
  return text;
}
export function clearErrors(form) {
  for (const e of form.querySelectorAll('.err')) { e.textContent = ''; e.hidden = true; }
  for (const e of form.querySelectorAll('[aria-invalid]')) e.removeAttribute('aria-invalid');
  const alert = form.querySelector(':scope > .alert');
  if (alert) alert.hidden = true;
}

/** A short message in the polite live region at the bottom of the screen. */
export function toast(text, kind = 'ok') {
  const el = document.getElementById('toast');
  el.className = `toast show ${kind}`;
  el.textContent = text;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { el.className = 'toast'; }, 4000);
}

/** Run `fn` with `btn` disabled and marked busy; returns fn's result. */
export async function busy(btn, fn) {
  if (btn) { btn.disabled = true; btn.setAttribute('aria-busy', 'true'); }
  try { return await fn(); } finally {
    if (btn) { btn.disabled = false; btn.removeAttribute('aria-busy'); }
  }
}

/** A block saying what failed, with a retry button. */
export function failure(err, retry) {
  return h('div', { class: 'alert', role: 'alert' }, err && err.text ? err.text() : String(err),
    retry ? h('button', { type: 'button', class: 'btn', onclick: retry }, t('retry')) : null);
}

/** A page heading plus optional tool buttons on its right. */
export function pageHead(title, ...tools) {
  return h('div', { class: 'page-head' }, h('h1', { tabindex: '-1' }, title), h('div', { class: 'tools' }, tools));
}

/** A table: cols = [{label, cell(row) -> node|string, class}], rows = array. On a phone each
 * row becomes a card of label: value lines (CSS, `.cards`; opts.cards = false keeps the grid,
 * which then scrolls sideways inside its own box, so the page never does). */
export function table(cols, rows, opts = {}) {
  const head = h('tr', null, cols.map((c) => h('th', { scope: 'col', class: c.class }, c.label)));
  const body = rows.map((r) => h('tr', opts.rowAttrs ? opts.rowAttrs(r) : null,
    cols.map((c, i) => h(i === 0 ? 'th' : 'td', { class: c.class, scope: i === 0 ? 'row' : null, 'data-label': c.label }, c.cell(r)))));
  return h('div', { class: `table-wrap${opts.cards === false ? '' : ' cards'}`, tabindex: '0', role: 'region', 'aria-label': opts.label || '' },
    h('table', null, opts.caption ? h('caption', { class: 'vh' }, opts.caption) : null,
      h('thead', null, head), h('tbody', null, body)));
}

/** A select from [[value, label]...]; `value` selected. */
export function select(options, value, attrs = {}) {
  return h('select', attrs, options.map(([v, l]) => h('option', { value: v, selected: String(v) === String(value ?? '') }, l)));
}

/** Ask before doing something that cannot be undone; resolves true or false. */
export function confirmDialog(text, okLabel) {
  return new Promise((resolve) => {
    const dlg = h('dialog', { class: 'dialog', 'aria-label': text },
      h('p', null, text),
      h('div', { class: 'row' },
        h('button', { type: 'button', class: 'btn', onclick: () => { dlg.close(); resolve(false); } }, t('cancel')),
        h('button', { type: 'button', class: 'btn primary', onclick: () => { dlg.close(); resolve(true); } }, okLabel || t('confirm'))));
    dlg.addEventListener('close', () => { dlg.remove(); resolve(false); });
    document.body.append(dlg);
    dlg.showModal();
  });
}

/** Save a Blob as a file the browser downloads. */
export function download(blob, name) {
  const a = h('a', { href: URL.createObjectURL(blob), download: name });
  document.body.append(a);
  a.click();
  a.remove(); // an empty link left in the page is one a screen reader (and axe) trips on
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

/** Build a view off-screen and show it whole once every request it awaits has answered, then
 * focus its heading (or its [autofocus] field). The router gives each render its own box, so
 * a view the user has left writes nowhere; the fragment check also runs the cleanup a view
 * returns when it finishes after the user moved on. `build(box)` fills the detached box;
 * returns its result, or undefined when the page moved on. */
export async function renderWhenCurrent(main, build) {
  const hash = location.hash;
  const box = h('div', { class: 'view' });
  const r = await build(box);
  if (location.hash !== hash) return typeof r === 'function' ? (r(), undefined) : undefined;
  main.append(...box.childNodes);
  const first = main.querySelector('[autofocus]') || main.querySelector('h1');
  if (first) first.focus();
  return r;
}
