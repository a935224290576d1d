// SPDX-License-Identifier: MIT
// guard.mjs - what every browser test must also hold: the page breaks no rule of the server's
// Content-Security-Policy, it asks no host but the yizhan server itself and the map tile hosts,
// and every HTML answer carries the strict policy and its companions (docs/internals/web.md). `guard(ctx)` watches a browser context; `takeProblems()`
// returns what was seen since the last call (the tests check it after each test).
const TILE_HOSTS = [/^tile\.openstreetmap\.org$/, /^webrd0[1-4]\.is\.autonavi\.com$/];
const problems = [];
const note = (p) => { if (!problems.includes(p)) problems.push(p); };

/** What is wrong with the security headers of an HTML answer (empty when nothing). */
export function htmlHeaderProblems(headers) {
  const out = [];
  const csp = headers['content-security-policy'];
  if (!csp) return ['no Content-Security-Policy'];
  const dirs = new Map();
  for (const part of csp.split(';')) {
    const [name, ...values] = part.trim().split(/\s+/);
    if (name) dirs.set(name.toLowerCase(), values);
  }
  const exactly = (name, ...want) => {
    const got = (dirs.get(name) || []).join(' ');
    if (got !== want.join(' ')) out.push(`${name} is "${got}", want "${want.join(' ')}"`);
  };
  exactly('default-src', "'self'");
  exactly('connect-src', "'self'");
  exactly('object-src', "'none'");
  exactly('base-uri', "'none'");
  exactly('form-action', "'self'");
  exactly('frame-ancestors', "'none'");
  for (const name of ['script-src', 'style-src']) if (dirs.has(name)) exactly(name, "'self'");
  if (/unsafe-|\*|https?:(\s|;|$)/i.test(csp)) out.push(`a loophole in "${csp}"`);
  for (const v of dirs.get('img-src') || ["'self'"]) {
    if (v === "'self'" || v === 'data:') continue;
    let host = null;
    try { host = new URL(v).hostname; } catch { /* not a URL */ }
    if (!host || !TILE_HOSTS.some((h) => h.test(host))) out.push(`img-src allows ${v}`);
  }
  if (headers['x-content-type-options'] !== 'nosniff') out.push('no X-Content-Type-Options: nosniff');
  if (!headers['referrer-policy']) out.push('no Referrer-Policy');
  return out;
}

/** Watch a browser context (pages and service workers). Call before opening pages. */
export async function guard(ctx, base) {
  const own = new URL(base).host;
  ctx.on('request', (r) => {
    let u;
    try { u = new URL(r.url()); } catch { note(`unparsable request URL ${r.url()}`); return; }
    if (u.protocol === 'data:' || u.protocol === 'blob:' || u.protocol === 'about:') return;
    if (u.host === own) return;
    if (u.protocol === 'https:' && TILE_HOSTS.some((h) => h.test(u.hostname))) return;
    note(`request to an outside host: ${r.method()} ${r.url()}`);
  });
  ctx.on('response', async (r) => {
    const ct = r.headers()['content-type'] || '';
    if (!/^text\/html/i.test(ct) || !r.url().startsWith(base)) return;
    for (const p of htmlHeaderProblems(await r.allHeaders())) note(`${r.url()}: ${p}`);
  });
  await ctx.exposeBinding('__yzCspViolation', (_source, v) => {
    note(`CSP violation: ${v.directive} blocked ${v.blocked || '(inline)'} at ${v.doc}${v.sample ? ` (${v.sample})` : ''}`);
  });
  await ctx.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      // eslint-disable-next-line no-undef
      window.__yzCspViolation({ directive: e.violatedDirective, blocked: e.blockedURI,
        doc: e.documentURI, sample: e.sample });
    });
  });
}

/** What was seen since the last call (and forget it). */
export function takeProblems() {
  return problems.splice(0, problems.length);
}

/**
 * page.waitForFunction(fn, arg, { timeout }) for pages under the app's Content Security Policy.
 * Playwright 1.49 (the newest that runs on Debian 12's Node.js 18) checks the predicate with
 * eval() inside the page, which `script-src 'self'` refuses (and the guard above would report);
 * later Playwright does not. This waits the same way, the predicate checked in the page on every
 * animation frame, but compiled by the DevTools protocol as page.evaluate is, which the policy
 * allows. A navigation meanwhile starts the wait again in the new document, as Playwright does.
 */
export async function waitFor(page, fn, arg, { timeout = 30000 } = {}) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`waitFor: timeout ${timeout} ms exceeded waiting for ${fn}`);
    try {
      const met = await page.evaluate(`new Promise((done, fail) => {
        const f = (${fn}), arg = ${JSON.stringify(arg ?? null)}, end = Date.now() + ${left};
        const next = () => {
          let v;
          try { v = f(arg); } catch (e) { fail(e); return; }
          if (v) done(true);
          else if (Date.now() > end) done(false);
          else requestAnimationFrame(next);
        };
        next();
      })`);
      if (met) return true;
    } catch (e) {
      if (!/Execution context was destroyed|navigat/i.test(e.message)) throw e;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}
