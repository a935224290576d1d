// SPDX-License-Identifier: MIT
// api.js - the console's calls to the yizhan JSON API. The session is the HttpOnly cookie the
// login sets (the script never sees the token); unsafe requests carry the CSRF token from the
// login answer or GET /api/v1/session. Every failure is an ApiError: `kind` 'offline' (no
// network), 'server' (5xx) or 'client' (4xx, the server's bilingual body in `body`, the field
// it names in `field`). A 401 also tells the shell (onSessionEnd), which shows the login.
import { t, errText } from './i18n.js';

export class ApiError extends Error {
  constructor(kind, status, body) {
    super(kind === 'offline' ? 'offline' : kind === 'server' ? 'server' : (body && body.message_en) || 'client');
    this.kind = kind;
    this.status = status;
    this.body = body;
    this.field = body && body.field;
  }
  /** The message in the current language (re-read: the language may have changed). */
  text() {
    if (this.kind === 'offline') return t('offline');
    if (this.kind === 'server') return errText(this.body && this.body.message ? this.body : null);
    return errText(this.body);
  }
  /** A stale version: If-Match no longer matches (409, error "stale_version"). */
  get stale() { return this.status === 409 && !!this.body && this.body.error === 'stale_version'; }
}

let csrf = null;
let onEnd = () => {};
export function setCsrf(v) { csrf = v || null; }
export function onSessionEnd(fn) { onEnd = fn; }

/** Any request. opts: {method, json, body, headers, ifMatch, raw}. Returns {body, status,
 * headers, etag}; with raw the Response itself (for CSV downloads). */
export async function request(path, opts = {}) {
  const method = opts.method || 'GET';
  const headers = { Accept: 'application/json', ...(opts.headers || {}) };
  let body = opts.body;
  if (opts.json !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(opts.json);
  }
  if (method !== 'GET' && method !== 'HEAD' && csrf) headers['X-CSRF-Token'] = csrf;
  if (opts.ifMatch !== undefined && opts.ifMatch !== null) headers['If-Match'] = `"${opts.ifMatch}"`;
  let res;
  try {
    res = await fetch(path, { method, headers, body, credentials: 'same-origin', cache: 'no-store' });
  } catch {
    throw new ApiError('offline', 0, null);
  }
  if (opts.raw && res.ok) return res;
  let data = null;
  const text = await res.text().catch(() => '');
  if (text) { try { data = JSON.parse(text); } catch { data = null; } }
  if (res.status === 401 && !opts.quiet401) onEnd();
  if (res.status >= 500 || (!res.ok && !data)) throw new ApiError('server', res.status, data);
  if (!res.ok) throw new ApiError('client', res.status, data);
  const etag = (res.headers.get('ETag') || '').replace(/^W\//, '').replace(/"/g, '');
  return { body: data, status: res.status, headers: res.headers, etag };
}

/** GET with query arguments (empty ones skipped). */
export function get(path, params, opts) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {})) if (v !== undefined && v !== null && v !== '') q.set(k, v);
  const qs = q.toString();
  return request(qs ? `${path}?${qs}` : path, opts);
}
export const post = (path, json, opts = {}) => request(path, { ...opts, method: 'POST', json });
export const patch = (path, json, opts = {}) => request(path, { ...opts, method: 'PATCH', json });
export const del = (path, opts = {}) => request(path, { ...opts, method: 'DELETE' });
