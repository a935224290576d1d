// tools/api/check-answers.mjs SPEC.json ANSWERS.jsonl - every recorded answer of the API tests
// checked against the bundled OpenAPI 3.1 description (docs/internals/api-contract.md):
// the path matched to a template of the description, the method and the status documented,
// the content type documented for that status, and a JSON body valid against its schema
// (Ajv, JSON Schema 2020-12). Lines {"case": NAME} say which test case the next answers
// belong to. An answer whose body the server had recorded already for the same route, method,
// status and type comes as {"same": HASH} without its body, and gets the verdict of the line
// that had {"hash": HASH}. Prints the number of answers validated; exits 1 listing every
// mismatch.
import { createReadStream, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

const [specFile, answersFile] = process.argv.slice(2);
if (!specFile || !answersFile) {
    console.error('usage: check-answers.mjs SPEC.json ANSWERS.jsonl');
    process.exit(2);
}
const spec = JSON.parse(readFileSync(specFile, 'utf8'));
const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true });
addFormats(ajv);
ajv.addSchema(spec, 'spec');

// Paths that match no template and still answer as any server must: unknown addresses
// (404), malformed requests (400, 414, 431), too large (413). Their body must be the Error.
const UNROUTED = new Set([400, 404, 405, 413, 414, 431]);
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

const templates = Object.keys(spec.paths || {}).map((t) => ({
    template: t,
    segs: t.split('/').slice(1),
}));

// The template a path belongs to: segments equal, or a {param} there; the most literal wins
// (OpenAPI: concrete paths before templated ones), then the earliest literal.
function matchPath(path) {
    const segs = path.split('/').slice(1);
    let best = null;
    let bestScore = null;
    for (const t of templates) {
        if (t.segs.length !== segs.length) continue;
        let ok = true;
        const score = [];
        for (let i = 0; i < segs.length && ok; i++) {
            const s = t.segs[i];
            if (/^\{[^}]+\}$/.test(s)) {
                ok = segs[i].length > 0;
                score.push(0);
            } else if (s.includes('{')) { // e.g. {code}.json: a literal tail
                const [pre, post] = s.split(/\{[^}]+\}/);
                ok = segs[i].startsWith(pre) && segs[i].endsWith(post) &&
                    segs[i].length > pre.length + post.length;
                score.push(0.5);
            } else {
                ok = s === segs[i];
                score.push(1);
            }
        }
        if (!ok) continue;
        if (!best || score.join() > bestScore.join()) { // lexicographic on 0/0.5/1 digits
            best = t;
            bestScore = score;
        }
    }
    return best;
}

// A Reference Object of the bundle (#/components/...) followed to what it names.
function deref(o) {
    for (let i = 0; o && typeof o.$ref === 'string' && o.$ref.startsWith('#/') && i < 10; i++)
        o = o.$ref.slice(2).split('/').reduce((x, k) => x?.[k.replace(/~1/g, '/').replace(/~0/g, '~')], spec);
    return o;
}

const validators = new Map();
function validatorFor(pointer) {
    if (!validators.has(pointer)) validators.set(pointer, ajv.compile({ $ref: 'spec#' + pointer }));
    return validators.get(pointer);
}
const esc = (s) => s.replace(/~/g, '~0').replace(/\//g, '~1');
// The error body of an answer no operation describes (an unknown address, a method the path
// lacks): the API's Error, or under /open311/ the Open311 error list.
function errorSchemaFor(path) {
    const name = path.startsWith('/open311/') ? 'Open311Error' : 'Error';
    return spec.components?.schemas?.[name] ? `/components/schemas/${name}` : null;
}

function checkBody(a, pointer, why) {
    if (a.body === null || a.body === undefined) return; // not JSON: its type was checked
    let value;
    try {
        value = JSON.parse(a.body);
    } catch (e) {
        why.push(`the body is not JSON: ${e.message}`);
        return;
    }
    const v = validatorFor(pointer);
    if (!v(value)) {
        for (const e of v.errors.slice(0, 4))
            why.push(`body${e.instancePath} ${e.message}` +
                (e.params && Object.keys(e.params).length ? ' ' + JSON.stringify(e.params) : ''));
    }
}

// The JSON pointer of a response's schema, following the references of the bundle on the way
// (a path item, a response or a media type may be a $ref to #/components/...).
const at = (ptr) => ptr.slice(1).split('/').reduce((x, k) => x?.[k.replace(/~1/g, '/').replace(/~0/g, '~')], spec);
function schemaPointer(template, method, key, type) {
    let ptr = `/paths/${esc(template)}`;
    for (const k of [method, 'responses', key, 'content', type, 'schema']) {
        for (let o = at(ptr), i = 0; o && typeof o.$ref === 'string' && o.$ref.startsWith('#/') && i < 10; i++) {
            ptr = o.$ref.slice(1);
            o = at(ptr);
        }
        ptr += '/' + esc(k);
    }
    return ptr;
}

function mediaOf(t) {
    return (t || '').split(';')[0].trim().toLowerCase();
}

function check(a) {
    const why = [];
    const [rawPath] = a.uri.split('?');
    const t = matchPath(rawPath);
    const method = (a.method === 'HEAD' ? 'GET' : a.method).toLowerCase();
    if (a.refused) { // the HTTP layer's refusal (malformed, shedding): any route, the Error
        if (mediaOf(a.type) === 'application/json') checkBody(a, errorSchemaFor(rawPath), why);
        return why;
    }
    if (!t) {
        if (!UNROUTED.has(a.status)) return [`undocumented route (no path template matches)`];
        if (mediaOf(a.type) === 'application/json') checkBody(a, errorSchemaFor(rawPath), why);
        return why;
    }
    const item = deref(spec.paths[t.template]);
    const op = METHODS.includes(method) ? deref(item[method]) : undefined;
    if (!op) {
        if (a.status === 405 || a.status === 404) {
            if (mediaOf(a.type) === 'application/json') checkBody(a, errorSchemaFor(rawPath), why);
            return why;
        }
        return [`undocumented method ${a.method} on ${t.template}`];
    }
    const responses = op.responses || {};
    const code = String(a.status);
    const key = code in responses ? code : `${code[0]}XX` in responses ? `${code[0]}XX`
        : 'default' in responses ? 'default' : null;
    if (!key) return [`undocumented status ${a.status} for ${a.method} ${t.template} (documented: ${Object.keys(responses).join(', ')})`];
    const resp = deref(responses[key]);
    const content = resp.content || {};
    const types = Object.keys(content);
    if (types.length === 0) {
        if (a.len > 0 && a.method !== 'HEAD')
            why.push(`a body of ${a.len} bytes (${a.type}), none documented for ${key}`);
        return why;
    }
    const mt = mediaOf(a.type);
    const declared = types.find((x) => x.toLowerCase() === mt) ||
        types.find((x) => x.endsWith('/*') && mt.startsWith(x.slice(0, -1))) || types.find((x) => x === '*/*');
    if (!declared) return [`content type ${a.type}, documented for ${key}: ${types.join(', ')}`];
    if (a.method === 'HEAD' || a.status === 304) return why;
    if (deref(content[declared]).schema)
        checkBody(a, schemaPointer(t.template, method, key, declared), why);
    return why;
}

let kase = '(before any case)';
let n = 0;
const bad = [];
const seen = new Set();
const verdicts = new Map();
const lines = createInterface({ input: createReadStream(answersFile), crlfDelay: Infinity });
for await (const line of lines) {
    if (!line) continue;
    let a;
    try {
        a = JSON.parse(line);
    } catch (e) {
        bad.push({ kase, req: '(unreadable line)', why: [e.message + ': ' + line.slice(0, 120)] });
        continue;
    }
    if (a.case !== undefined) {
        kase = a.case;
        continue;
    }
    n++;
    const t = matchPath(a.uri.split('?')[0]);
    if (t) seen.add(`${a.method === 'HEAD' ? 'GET' : a.method} ${t.template}`);
    let why;
    if (a.same) {
        why = verdicts.get(a.same) ?? [`a repeat of answer ${a.same}, which is not in the file`];
    } else {
        why = check(a);
        if (a.hash) verdicts.set(a.hash, why);
    }
    if (why.length) bad.push({ kase, req: `${a.method} ${a.uri.slice(0, 200)} -> ${a.status} ${a.type}`, why });
}
let ops = 0;
for (const [p, item] of Object.entries(spec.paths || {}))
    for (const m of METHODS) if (item[m]) ops++;
if (bad.length) {
    console.log(`FAIL openapi: ${bad.length} of ${n} answers differ from docs/api/openapi.yaml:`);
    const max = +(process.env.YZ_OPENAPI_MAX || 200);
    for (const b of bad.slice(0, max)) {
        console.log(`  ${b.kase}: ${b.req}`);
        for (const w of b.why) console.log(`      ${w}`);
    }
    if (bad.length > max) console.log(`  ... and ${bad.length - max} more`);
    process.exit(1);
}
console.log(`openapi: ${n} answers validated against ${ops} operations (${seen.size} of them answered)`);
