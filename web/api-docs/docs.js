// The API reference page: renders /api/v1/openapi.json with DOM calls only (no HTML strings,
// no inline script or style: the server's Content-Security-Policy allows neither).
const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

function el(tag, props = {}, ...kids) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(props)) {
        if (k === 'class') e.className = v;
        else e.setAttribute(k, v);
    }
    for (const k of kids) if (k !== null && k !== undefined) e.append(k);
    return e;
}

function resolver(spec) {
    const at = (ref) => ref.slice(2).split('/')
        .reduce((x, k) => x?.[k.replace(/~1/g, '/').replace(/~0/g, '~')], spec);
    const deref = (o) => {
        for (let i = 0; o && typeof o.$ref === 'string' && i < 10; i++) o = at(o.$ref);
        return o;
    };
    // A schema with its references replaced, for display (depth-limited).
    const inline = (o, depth = 0) => {
        if (depth > 12 || o === null || typeof o !== 'object') return o;
        if (typeof o.$ref === 'string') return inline(deref(o), depth + 1);
        if (Array.isArray(o)) return o.map((x) => inline(x, depth + 1));
        const r = {};
        for (const [k, v] of Object.entries(o)) r[k] = inline(v, depth + 1);
        return r;
    };
    return { deref, inline };
}

function schemaBlock(title, schema, inline) {
    if (!schema) return null;
    return el('details', {}, el('summary', {}, title),
        el('pre', {}, JSON.stringify(inline(schema), null, 2)));
}

function render(spec) {
    const { deref, inline } = resolver(spec);
    const main = document.getElementById('api');
    main.textContent = '';
    main.append(el('p', { class: 'desc' }, spec.info?.description || ''));
    const byTag = new Map();
    for (const [path, item0] of Object.entries(spec.paths || {})) {
        const item = deref(item0);
        for (const m of METHODS) {
            if (!item[m]) continue;
            const op = item[m];
            const tag = (op.tags && op.tags[0]) || 'other';
            if (!byTag.has(tag)) byTag.set(tag, []);
            byTag.get(tag).push({ path, m, op, common: item.parameters || [] });
        }
    }
    const toc = el('ul');
    for (const t of spec.tags || []) if (!byTag.has(t.name)) byTag.set(t.name, []);
    for (const [tag, ops] of byTag) {
        if (!ops.length) continue;
        const info = (spec.tags || []).find((x) => x.name === tag);
        const id = 'tag-' + tag;
        toc.append(el('li', {}, el('a', { href: '#' + id }, `${tag}: ${info?.description || ''}`)));
        const sec = el('section', { id }, el('h2', {}, `${tag} — ${info?.description || ''}`));
        for (const { path, m, op, common } of ops) {
            const s = el('section', { class: 'op', id: op.operationId || `${m}-${path}` },
                el('h3', {}, el('span', { class: 'method ' + m }, m.toUpperCase()), ' ',
                    el('code', { class: 'path' }, path)),
                el('p', {}, op.summary || ''));
            if (op.description) s.append(el('p', { class: 'desc' }, op.description));
            if (op.security && op.security.some((x) => Object.keys(x).length))
                s.append(el('p', {}, '需要令牌 / needs a token: ' +
                    op.security.map((x) => Object.keys(x).join('+') || '—').join(' | ')));
            const params = [...common, ...(op.parameters || [])].map(deref);
            if (params.length) {
                const tb = el('table', {}, el('tr', {}, el('th', {}, '参数 / parameter'),
                    el('th', {}, 'in'), el('th', {}, 'schema'), el('th', {}, '说明 / description')));
                for (const p of params)
                    tb.append(el('tr', {}, el('td', {}, el('code', {}, p.name + (p.required ? ' *' : ''))),
                        el('td', {}, p.in), el('td', {}, el('code', {}, JSON.stringify(inline(p.schema || {})))),
                        el('td', { class: 'desc' }, p.description || '')));
                s.append(tb);
            }
            const body = deref(op.requestBody);
            if (body) for (const [type, media] of Object.entries(body.content || {}))
                s.append(schemaBlock(`请求体 / request body (${type})`, media.schema, inline));
            for (const [code, r0] of Object.entries(op.responses || {})) {
                const r = deref(r0);
                const types = Object.entries(r.content || {});
                s.append(el('p', {}, el('strong', {}, code), ' ', r.description || '',
                    types.length ? ` — ${types.map(([t]) => t).join(', ')}` : ''));
                for (const [type, media] of types)
                    if (type.includes('json')) s.append(schemaBlock(`${code} ${type}`, media.schema, inline));
            }
            sec.append(s);
        }
        main.append(sec);
    }
    document.getElementById('toc').append(toc);
}

fetch('/api/v1/openapi.json')
    .then((r) => {
        if (!r.ok) throw new Error(`HTTP ${r.status}`);
        return r.json();
    })
    .then(render)
    .catch((e) => {
        document.getElementById('api').textContent =
            `无法载入 API 描述 / the description could not be loaded: ${e.message}`;
    });
