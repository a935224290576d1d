// SPDX-License-Identifier: MIT
// api.js - fetch wrappers for the yizhan JSON API. Every failure becomes an ApiError whose
// `kind` says what the page should tell the worker: 'offline' (no network), 'server' (5xx),
// or 'client' (4xx, with the server's bilingual message in `body`).
import { t, errText, lang } from './i18n.js';

export class ApiError extends Error {
  constructor(kind, status, body) {
    super(kind === 'offline' ? t('offline') : kind === 'server' ? t('serverError') : errText(body));
    this.kind = kind;
    this.status = status;
    this.body = body;
  }
  /** The message in the current language (re-read: the language may have changed). */
  text() {
    if (this.kind === 'offline') return t('offline');
    if (this.kind === 'server') return t('serverError');
    return errText(this.body);
  }
}

async function request(url, opts = {}) {
  let res;
  try {
    res = await fetch(url, opts);
  } catch {
    throw new ApiError('offline', 0, null);
  }
  let body = null;
  try { body = await res.json(); } catch { body = null; }
  if (res.status >= 500 || (!res.ok && !body)) throw new ApiError('server', res.status, body);
  if (!res.ok) throw new ApiError('client', res.status, body);
  return { body, cached: res.headers.get('x-yz-cached'), status: res.status };
}

/** GET a JSON resource; `params` is an object of query arguments (undefined ones skipped). */
/** Routes whose texts the server gives in 繁體 with lang=zh-Hant (station names and addresses,
 * converted once per snapshot; dishes, canteens and event titles per answer; text.md); the
 * language is part of the URL, so caches keep both. */
const HANT_ROUTE = /^\/api\/v1\/(stations(\/[^/]+)?|offers|events)$/;

export async function get(path, params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {})) if (v !== undefined && v !== null && v !== '') q.set(k, v);
  if (lang() === 'zh-Hant' && HANT_ROUTE.test(path) && !q.has('lang')) q.set('lang', 'zh-Hant');
  const qs = q.toString();
  return request(qs ? `${path}?${qs}` : path);
}

const TOKEN_KEY = 'yz.token';

/** The worker's pseudonymous token, created on first use (POST /api/v1/workers). */
export async function workerToken(fresh = false) {
  let tok = fresh ? null : localStorage.getItem(TOKEN_KEY);
  if (tok) return tok;
  const { body } = await request('/api/v1/workers', {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}',
  });
  tok = body.token;
  localStorage.setItem(TOKEN_KEY, tok);
  return tok;
}

/** POST JSON as the worker; a 401 (unknown or expired token) gets a new token and one retry. */
export async function workerPost(path, data) {
  for (let attempt = 0; ; attempt++) {
    const tok = await workerToken(attempt > 0);
    try {
      return await request(path, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${tok}` },
        body: JSON.stringify(data),
      });
    } catch (e) {
      if (attempt === 0 && e.kind === 'client' && e.status === 401) continue;
      throw e;
    }
  }
}

/** An Open311 problem report (form-encoded) about station `code`. Returns the request id. */
export async function report(code, serviceCode, description, clientIdValue) {
  const f = new URLSearchParams();
  f.set('service_code', serviceCode);
  f.set('attribute[station_code]', code);
  if (description) f.set('description', description);
  const headers = { 'Content-Type': 'application/x-www-form-urlencoded' };
  if (clientIdValue) headers['Idempotency-Key'] = clientIdValue;
  let res;
  try {
    res = await fetch('/open311/v2/requests.json', {
      method: 'POST', headers, body: f.toString(),
    });
  } catch {
    throw new ApiError('offline', 0, null);
  }
  let body = null;
  try { body = await res.json(); } catch { body = null; }
  if (res.status >= 500) throw new ApiError('server', res.status, body);
  if (!res.ok) {
    // Open311 errors are [{code, description}]
    const d = Array.isArray(body) && body[0] ? body[0].description : null;
    throw new ApiError('client', res.status, { message: d, message_en: d });
  }
  return body[0].service_request_id;
}

// --- the offline queue (issue 13) ----------------------------------------------------------------
// Check-ins, ratings and problem reports made without network are kept on the phone
// (localStorage `yz.queue`) and sent when the network returns, once each: an item leaves the
// queue as soon as the server has answered it (a 4xx too: it would never succeed), and only
// one flush runs at a time. The server's own rules make a repeat harmless for the first two
// (a visit within 2 hours is not counted again; a worker's rating of a station replaces the
// earlier one). A report carries its client id as Idempotency-Key: the server answers a repeat
// with the stored submission (docs/internals/reports.md).
const QUEUE_KEY = 'yz.queue';
export function queueList() {
  try { return JSON.parse(localStorage.getItem(QUEUE_KEY) || '[]'); } catch { return []; }
}
function queueSave(list) {
  try { localStorage.setItem(QUEUE_KEY, JSON.stringify(list)); } catch { /* full or private */ }
  window.dispatchEvent(new Event('yz-queue'));
}
function clientId() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  return [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
}
/** Keep `item` ({kind: 'visit'|'rating'|'report', ...}) for later; returns it with its id. */
export function enqueue(item) {
  const it = { ...item, id: clientId(), at: new Date().toISOString() };
  queueSave([...queueList(), it]);
  return it;
}
async function sendItem(it) {
  if (it.kind === 'report') return report(it.code, it.service_code, it.description, it.id);
  return workerPost(it.path, it.data);
}
let flushing = null;
/** Send what is queued; resolves to the number of items the server answered. */
export function flushQueue() {
  if (flushing) return flushing;
  flushing = (async () => {
    let n = 0;
    for (const it of queueList()) {
      try {
        await sendItem(it);
      } catch (e) {
        if (e.kind === 'offline' || e.kind === 'server') break; // later
      }
      queueSave(queueList().filter((x) => x.id !== it.id));
      n++;
    }
    return n;
  })().finally(() => { flushing = null; });
  return flushing;
}
/** Drop one queued item (replaced by a newer one). */
export function dequeue(id) { queueSave(queueList().filter((x) => x.id !== id)); }
