/* SPDX-License-Identifier: MIT */
/* exchange/exchange.c - station fields by name, shared by the JSON, CSV and GeoJSON readers,
 * and the writers. Every value goes through set_field() as text, so the three formats accept
 * exactly the same things and word their errors the same way. */
#include "exchange/exchange.h"

#include "core/alloc.h"
#include "core/hash.h"
#include "core/time.h"
#include "core/utf8.h"
#include "geo/coord.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

static const char *const field_names[] = {
    "code",          "name",   "address",       "district_code", "district_name", "lat",
    "lon",           "crs",    "tier",          "partner_kind",  "partner_name",  "facilities",
    "opening_hours", "status", "phone",         "seats",         "livelihood",    "batch",
    "online_maps",   "tz",     "closed_reason", "closed_until",
};
#define N_FIELDS (sizeof field_names / sizeof field_names[0])
#define N_CSV_FIELDS 19 /* the CSV export writes the first 19 */

/* Members of the API's station object that a client may send back unchanged. */
static const char *const read_only[] = {"id",          "version",     "created_at", "updated_at",
                                        "district",    "open_now",    "next_change", "distance_m",
                                        "nav",         "hours",       "facility_labels"};

static int field_index(const char *name)
{
    for (size_t i = 0; i < N_FIELDS; i++)
        if (strcmp(field_names[i], name) == 0)
            return (int)i;
    return -1;
}

/* Opening hours texts a reader found valid, by a hash of the text (direct-mapped; a miss
 * only costs the parse): a file's rows share a few hours, and parsing them was a sixth of the
 * CSV reader's time. Owned copies. */
#define HOURS_SEEN 256
typedef struct hours_seen {
    char *text[HOURS_SEEN];
} hours_seen;

static void hours_seen_fini(hours_seen *c)
{
    for (size_t i = 0; i < HOURS_SEEN; i++)
        yz_free(c->text[i]);
}

/* The strings of a streamed file's rows, in large blocks freed together when the stream is
 * closed: a million rows hold ten million strings, whose malloc and free were a fifth of the
 * parser's time and the stream's close (docs/internals/store.md, "The bulk path"). */
#define POOL_BLOCK ((size_t)4 << 20)
typedef struct str_pool {
    char **blocks;
    size_t n_blocks, cap_blocks;
    char *at, *end; /* room left in the last block */
} str_pool;

static char *pool_strndup(str_pool *p, const char *v, size_t len)
{
    if ((size_t)(p->end - p->at) < len + 1) {
        size_t size = len + 1 > POOL_BLOCK ? len + 1 : POOL_BLOCK;
        if (p->n_blocks == p->cap_blocks) {
            p->cap_blocks = p->cap_blocks ? 2 * p->cap_blocks : 16;
            p->blocks = yz_reallocarray(p->blocks, p->cap_blocks, sizeof *p->blocks);
        }
        p->at = p->blocks[p->n_blocks++] = yz_advise_huge(yz_malloc(size), size);
        p->end = p->at + size;
    }
    char *s = p->at;
    memcpy(s, v, len);
    s[len] = '\0';
    p->at += len + 1;
    return s;
}

static void pool_free(str_pool *p)
{
    for (size_t i = 0; i < p->n_blocks; i++)
        yz_free(p->blocks[i]);
    yz_free(p->blocks);
    memset(p, 0, sizeof *p);
}

/* A row being read: the record plus what only makes sense once all fields are in. */
typedef struct pending {
    yz_station *st;
    double lat, lon;
    int have_lat, have_lon;
    int crs;
    hours_seen *hours; /* NULL: none kept */
    str_pool *pool;    /* where the row's strings go; NULL: each its own allocation */
} pending;

static int parse_double(const char *v, const char *field, double *out, yz_errinfo *ei)
{
    char *end;
    errno = 0;
    double d = strtod(v, &end);
    if (!*v || *end || errno || !isfinite(d))
        return yz_err_setf(ei, YZ_EINVAL, field, "%s 必须是数字", "%s must be a number", field);
    *out = d;
    return YZ_OK;
}

/* A string field of the row from `len` bytes of `v` (none: NULL). In a pool the field is
 * set once (a CSV column is named once), so there is nothing to free. */
static void set_str(pending *pr, char **dst, const char *v, size_t len)
{
    if (pr->pool) {
        *dst = len ? pool_strndup(pr->pool, v, len) : NULL;
        return;
    }
    yz_free(*dst);
    *dst = len ? yz_strndup(v, len) : NULL;
}

int yz_exchange_parse_facilities(const char *list, yz_facility_list fac, const char *field,
                                 uint64_t *mask, yz_errinfo *ei)
{
    uint64_t m = 0;
    const char *p = list;
    while (*p) {
        while (*p == ' ' || *p == ',' || *p == ';')
            p++;
        if (!*p)
            break;
        size_t len = strcspn(p, ",; ");
        size_t i;
        for (i = 0; i < fac.n; i++)
            if (strlen(fac.items[i].code) == len && memcmp(fac.items[i].code, p, len) == 0)
                break;
        if (i == fac.n) {
            int shown = len > 40 ? 40 : (int)len;
            return yz_err_setf(ei, YZ_EINVAL, field, "未知的设施 “%.*s”",
                               "unknown facility \"%.*s\"", shown, p);
        }
        m |= UINT64_C(1) << fac.items[i].bit;
        p += len;
    }
    *mask = m;
    return YZ_OK;
}

static int parse_bool(const char *v, bool *out)
{
    static const char *yes[] = {"true", "1", "yes", "y", "是", "TRUE", "True"};
    static const char *no[] = {"false", "0", "no", "n", "否", "", "FALSE", "False"};
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
        if (strcmp(v, yes[i]) == 0)
            return *out = true, YZ_OK;
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
        if (strcmp(v, no[i]) == 0)
            return *out = false, YZ_OK;
    return YZ_EINVAL;
}

/* Set field `f` of the pending row from the `len` bytes of text `v` ("" = empty; v[len] is
 * NUL). A NUL byte inside is not text: it fails as invalid UTF-8. */
static int set_field(pending *pr, int f, const char *v, size_t len, yz_facility_list fac,
                     yz_errinfo *ei)
{
    yz_station *st = pr->st;
    const char *name = field_names[f];
    if (!yz_utf8_valid(v, len))
        return yz_err_setf(ei, YZ_EINVAL, name, "%s 不是有效的 UTF-8 文本",
                           "%s is not valid UTF-8 text", name);
    int e;
    switch (f) {
    case 0: set_str(pr, &st->code, v, len); break;
    case 1: set_str(pr, &st->name, v, len); break;
    case 2: set_str(pr, &st->address, v, len); break;
    case 3: set_str(pr, &st->district_code, v, len); break;
    case 4: set_str(pr, &st->district_name, v, len); break;
    case 5:
        if (parse_double(v, name, &pr->lat, ei))
            return YZ_EINVAL;
        pr->have_lat = 1;
        break;
    case 6:
        if (parse_double(v, name, &pr->lon, ei))
            return YZ_EINVAL;
        pr->have_lon = 1;
        break;
    case 7:
        e = *v ? yz_crs_parse(v) : YZ_CRS_WGS84;
        if (e < 0)
            return yz_err_set(ei, YZ_EINVAL, name, "坐标系必须是 wgs84、gcj02 或 bd09",
                              "crs must be wgs84, gcj02 or bd09");
        pr->crs = e;
        break;
    case 8:
        e = *v ? yz_tier_parse(v) : YZ_TIER_BASIC;
        if (e < 0)
            return yz_err_set(ei, YZ_EINVAL, name, "等级必须是 basic、benchmark 或 smart24h",
                              "tier must be basic, benchmark or smart24h");
        st->tier = e;
        break;
    case 9:
        e = *v ? yz_partner_parse(v) : YZ_PARTNER_OTHER;
        if (e < 0)
            return yz_err_set(ei, YZ_EINVAL, name, "未知的合作方类型", "unknown partner kind");
        st->partner_kind = e;
        break;
    case 10: set_str(pr, &st->partner_name, v, len); break;
    case 11:
        if (yz_exchange_parse_facilities(v, fac, name, &st->facilities, ei))
            return YZ_EINVAL;
        break;
    case 12: set_str(pr, &st->opening_hours, v, len); break;
    case 13:
        e = *v ? yz_status_parse(v) : YZ_STATUS_OPEN;
        if (e < 0)
            return yz_err_set(ei, YZ_EINVAL, name,
                              "状态必须是 planned、building、open、closed_temp 或 closed",
                              "status must be planned, building, open, closed_temp or closed");
        st->status = e;
        break;
    case 14: set_str(pr, &st->phone, v, len); break;
    case 15: {
        char *end;
        errno = 0;
        long n = *v ? strtol(v, &end, 10) : 0;
        if (*v && (*end || errno || n < 0 || n > 100000))
            return yz_err_set(ei, YZ_EINVAL, name, "座位数必须是 0 到 100000 的整数",
                              "seats must be an integer from 0 to 100000");
        st->seats = (int)n;
        break;
    }
    case 16:
        if (parse_bool(v, &st->livelihood))
            return yz_err_set(ei, YZ_EINVAL, name, "livelihood 必须是 true 或 false",
                              "livelihood must be true or false");
        break;
    case 17:
        e = yz_batch_parse(v);
        if (e < YZ_BATCH_NONE)
            return yz_err_set(ei, YZ_EINVAL, name, "未知的批次", "unknown batch");
        st->batch = e;
        break;
    case 18:
        if (yz_maps_parse(v, name, &st->online_maps, ei))
            return YZ_EINVAL;
        break;
    case 19: set_str(pr, &st->tz, v, len); break;
    case 20: set_str(pr, &st->closed_reason, v, len); break;
    case 21: {
        int64_t t = 0;
        if (*v && yz_time_parse_iso8601(v, 480, &t))
            return yz_err_set(ei, YZ_EINVAL, name, "时间格式无效，应为 ISO-8601",
                              "invalid time: use ISO-8601");
        st->closed_until = t;
        break;
    }
    }
    return YZ_OK;
}

/* Finish a pending row: position from its crs, required fields, validation. */
static int finish_row(pending *pr, bool patch, yz_errinfo *ei)
{
    yz_station *st = pr->st;
    if (!patch && !pr->have_lat)
        return yz_err_set(ei, YZ_EINVAL, "lat", "缺少必填字段 lat", "lat is required");
    if (!patch && !pr->have_lon)
        return yz_err_set(ei, YZ_EINVAL, "lon", "缺少必填字段 lon", "lon is required");
    if (pr->have_lat != pr->have_lon)
        return yz_err_set(ei, YZ_EINVAL, pr->have_lat ? "lon" : "lat", "lat 和 lon 须同时给出",
                          "lat and lon must be given together");
    if (pr->have_lat) {
        if (yz_coord_check(pr->lat, pr->lon))
            return yz_err_set(ei, YZ_EINVAL, fabs(pr->lat) > 90 ? "lat" : "lon",
                              "坐标超出范围", "position out of range");
        yz_point p = yz_coord_convert((yz_point){pr->lat, pr->lon}, pr->crs, YZ_CRS_WGS84);
        st->lat = p.lat;
        st->lon = p.lon;
    }
    /* The store keeps a missing address as "" (bind_station): the same here, so that a new
     * station answers and exports the same before and after a restart. */
    if (!st->address)
        st->address = pr->pool ? pool_strndup(pr->pool, "", 0) : yz_strdup("");
    if (!pr->hours || !st->opening_hours)
        return yz_station_validate(st, ei);
    char **seen = &pr->hours->text[yz_hash_str(st->opening_hours) % HOURS_SEEN];
    bool known = *seen && !strcmp(*seen, st->opening_hours);
    int err = yz_station_validate_hours_ok(st, known, ei);
    if (!err && !known) {
        yz_free(*seen);
        *seen = yz_strdup(st->opening_hours);
    }
    return err;
}

/* Text form of a JSON value for set_field. Returns owned, or NULL for a type it can't be. */
static char *json_text(const json_t *v, int f)
{
    if (json_is_string(v))
        return yz_strdup(json_string_value(v));
    if (json_is_null(v))
        return yz_strdup("");
    if (json_is_true(v))
        return yz_strdup("true");
    if (json_is_false(v))
        return yz_strdup("false");
    if (json_is_integer(v)) {
        char b[32];
        snprintf(b, sizeof b, "%lld", (long long)json_integer_value(v));
        return yz_strdup(b);
    }
    if (json_is_real(v)) {
        char b[40];
        snprintf(b, sizeof b, "%.17g", json_real_value(v));
        return yz_strdup(b);
    }
    if (json_is_array(v) &&
        (strcmp(field_names[f], "facilities") == 0 || strcmp(field_names[f], "online_maps") == 0)) {
        yz_buf b;
        yz_buf_init(&b);
        size_t i;
        json_t *e;
        json_array_foreach(v, i, e)
        {
            if (!json_is_string(e)) {
                yz_buf_fini(&b);
                return NULL;
            }
            if (i)
                yz_buf_putc(&b, ';');
            yz_buf_puts(&b, json_string_value(e));
        }
        return yz_buf_take(&b);
    }
    return NULL;
}

int yz_exchange_station_from_json(const json_t *obj, yz_facility_list fac, bool patch,
                                  yz_station *st, yz_errinfo *ei)
{
    if (!json_is_object(obj))
        return yz_err_set(ei, YZ_EINVAL, "", "请求体必须是 JSON 对象",
                          "the body must be a JSON object");
    pending pr = {st, st->lat, st->lon, 0, 0, YZ_CRS_WGS84, NULL, NULL};
    const json_t *crs = json_object_get(obj, "crs");
    if (crs) {
        char *t = json_text(crs, 7);
        int err = t ? set_field(&pr, 7, t, strlen(t), fac, ei)
                    : yz_err_set(ei, YZ_EINVAL, "crs", "crs 必须是字符串", "crs must be a string");
        yz_free(t);
        if (err)
            return err;
    }
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)obj, key, v)
    {
        int f = field_index(key);
        if (f == 7)
            continue;
        if (f < 0) {
            size_t k;
            for (k = 0; k < sizeof read_only / sizeof read_only[0]; k++)
                if (strcmp(read_only[k], key) == 0)
                    break;
            if (k < sizeof read_only / sizeof read_only[0])
                continue;
            return yz_err_setf(ei, YZ_EINVAL, key, "未知字段 %.40s", "unknown field %.40s",
                               key);
        }
        char *t = json_text(v, f);
        if (!t)
            return yz_err_setf(ei, YZ_EINVAL, key, "%s 的类型不对", "%s has the wrong type",
                               key);
        int err = set_field(&pr, f, t, strlen(t), fac, ei);
        yz_free(t);
        if (err)
            return err;
    }
    if (!patch) {
        const char *required[] = {"code", "name", "district_code"};
        for (size_t i = 0; i < 3; i++)
            if (!json_object_get(obj, required[i]))
                return yz_err_setf(ei, YZ_EINVAL, required[i], "缺少必填字段 %s",
                                   "%s is required", required[i]);
    }
    return finish_row(&pr, patch, ei);
}

/* --- readers -------------------------------------------------------------------------- */

typedef struct rowset {
    yz_station *rows;
    size_t n, cap;
    yz_district *dist;
    size_t nd;
    bool pooled;   /* the rows' strings are in `pool` (a stream's), not each its own */
    str_pool pool;
} rowset;

static yz_station *rowset_add(rowset *rs)
{
    if (rs->n == rs->cap) {
        rs->cap = rs->cap ? rs->cap * 2 : 64;
        rs->rows = yz_reallocarray(rs->rows, rs->cap, sizeof *rs->rows);
    }
    yz_station *st = &rs->rows[rs->n++];
    yz_station_init(st);
    st->partner_kind = YZ_PARTNER_OTHER;
    return st;
}

static void rowset_free(rowset *rs)
{
    if (rs->pooled) {
        yz_free(rs->rows);
        pool_free(&rs->pool);
    } else {
        yz_station_array_free(rs->rows, rs->n);
    }
    yz_exchange_districts_free(rs->dist, rs->nd);
    memset(rs, 0, sizeof *rs);
}

void yz_exchange_districts_free(yz_district *d, size_t n)
{
    if (!d)
        return;
    for (size_t i = 0; i < n; i++)
        yz_district_fini(&d[i]);
    yz_free(d);
}

/* Prefix the error with the row label ("第 3 行" / "row 3"). */
static int at_row(yz_errinfo *ei, int err, const char *zh_label, const char *en_label,
                  size_t row)
{
    if (!ei)
        return err;
    char zh[sizeof ei->msg], en[sizeof ei->msg_en];
    snprintf(zh, sizeof zh, "%s", ei->msg);
    snprintf(en, sizeof en, "%s", ei->msg_en);
    char zl[48], el[48], field[sizeof ei->field];
    snprintf(zl, sizeof zl, zh_label, row);
    snprintf(el, sizeof el, en_label, row);
    snprintf(field, sizeof field, "%s", ei->field);
    yz_err_setf(ei, err, field, "%s：%s%.0s%.0s", "%.0s%.0s%s: %s", zl, zh, el, en);
    return err;
}

/* The district a row brings: its code, named by district_name or else by the code. */
static void district_of(const yz_station *st, yz_district *d)
{
    memset(d, 0, sizeof *d);
    d->code = yz_strdup(st->district_code);
    d->name = yz_strdup(st->district_name ? st->district_name : st->district_code);
    d->name_hant = yz_strdup(d->name);
}

/* Rows by one of their strings (the code, the district's code): open addressing over the
 * row indexes, so that a repeat is found in one pass over the rows (a sort of a million codes
 * was the parse's serial tail). */
typedef struct row_index {
    size_t *slot; /* row index + 1, 0: empty */
    size_t cap;   /* a power of two */
    size_t n;
} row_index;

typedef const char *row_key_fn(const yz_station *st);

static const char *key_code(const yz_station *st)
{
    return st->code;
}

static const char *key_district(const yz_station *st)
{
    return st->district_code;
}

static void row_index_init(row_index *x, size_t expect)
{
    x->cap = 64;
    while (x->cap < 2 * expect)
        x->cap *= 2;
    x->slot = yz_calloc(x->cap, sizeof *x->slot);
    x->n = 0;
}

/* The row whose key equals row i's, or else i is added and SIZE_MAX returned. */
static size_t row_index_put(row_index *x, const yz_station *rows, row_key_fn *key, size_t i)
{
    if (2 * (x->n + 1) > x->cap) {
        row_index bigger;
        row_index_init(&bigger, x->cap);
        for (size_t k = 0; k < x->cap; k++)
            if (x->slot[k])
                row_index_put(&bigger, rows, key, x->slot[k] - 1);
        yz_free(x->slot);
        *x = bigger;
    }
    const char *v = key(&rows[i]);
    size_t mask = x->cap - 1;
    for (size_t h = yz_hash_str(v) & mask;; h = (h + 1) & mask) {
        if (!x->slot[h]) {
            x->slot[h] = i + 1;
            x->n++;
            return SIZE_MAX;
        }
        if (!strcmp(key(&rows[x->slot[h] - 1]), v))
            return x->slot[h] - 1;
    }
}

/* Collect districts and reject duplicate codes. Row i is called labels[i] in messages
 * (the line of a CSV file), or i + 1 when `labels` is NULL. Of several codes given twice,
 * the one said is the least (strcmp), with its first two rows. */
static int rowset_finish(rowset *rs, const char *zh_label, const char *en_label,
                         const size_t *labels, size_t *err_where, yz_errinfo *ei)
{
    row_index ix;
    row_index_init(&ix, rs->n);
    size_t a = SIZE_MAX, b = SIZE_MAX; /* the repeat said: its first two rows */
    for (size_t i = 0; i < rs->n; i++) {
        size_t first = row_index_put(&ix, rs->rows, key_code, i);
        if (first != SIZE_MAX &&
            (a == SIZE_MAX || strcmp(rs->rows[i].code, rs->rows[a].code) < 0)) {
            a = first;
            b = i;
        }
    }
    yz_free(ix.slot);
    if (a != SIZE_MAX) {
        size_t la = labels ? labels[a] : a + 1, lb = labels ? labels[b] : b + 1;
        yz_err_setf(ei, YZ_EINVAL, "code", "编号 %s 与第 %zu 条重复",
                    "code %s repeats entry %zu", rs->rows[b].code, la);
        *err_where = lb;
        return at_row(ei, YZ_EINVAL, zh_label, en_label, lb);
    }
    row_index_init(&ix, 64);
    for (size_t i = 0; i < rs->n; i++) {
        if (row_index_put(&ix, rs->rows, key_district, i) != SIZE_MAX)
            continue;
        rs->dist = yz_reallocarray(rs->dist, rs->nd + 1, sizeof *rs->dist);
        district_of(&rs->rows[i], &rs->dist[rs->nd++]);
    }
    yz_free(ix.slot);
    return YZ_OK;
}

/* A text cell a spreadsheet could take for a formula (OWASP, "CSV Injection"): one that
 * starts with =, +, -, @, a tab or a carriage return once any leading single quotes are
 * skipped. The writer puts one more quote in front of such a cell, and the reader takes one
 * off, so every text survives export and import: "=1" goes out as "'=1", "'=1" as "''=1",
 * and a quote before anything else ("'s") is left alone both ways (README, "CSV"). */
static bool formula_like(const char *v)
{
    char c = v[strspn(v, "'")];
    return c != '\0' && strchr("=+-@\t\r", c) != NULL;
}

/* The text of a CSV text cell as read, with the writer's guard quote removed. Borrowed from
 * `v`. */
static const char *csv_unguard(const char *v)
{
    return v[0] == '\'' && formula_like(v) ? v + 1 : v;
}

/* Whether field f holds free text (so a CSV cell for it may carry the guard quote). */
static bool text_field(int f)
{
    /* by field_names' order: code name address district_code district_name lat lon crs tier
     * partner_kind partner_name facilities opening_hours status phone seats livelihood batch
     * online_maps tz closed_reason closed_until */
    static const bool text[] = {1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 1,
                                1, 1, 0, 1, 0, 0, 0, 0, 1, 1, 0};
    _Static_assert(sizeof text / sizeof text[0] == N_FIELDS, "a flag a field");
    return text[f];
}

/* One CSV record: fields into `fields` (owned strings). Advances *pos. Returns the number of
 * fields, 0 at end of input, -1 on a malformed quote. */
static int csv_record(const char *d, size_t len, size_t *pos, size_t *line, yz_buf *fields,
                      int max)
{
    size_t p = *pos;
    if (p >= len)
        return 0;
    int nf = 0;
    for (;;) {
        if (nf == max)
            return -2;
        yz_buf *f = &fields[nf++];
        yz_buf_reset(f);
        if (p < len && d[p] == '"') {
            p++;
            for (;;) {
                if (p >= len)
                    return -1;
                if (d[p] == '"') {
                    if (p + 1 < len && d[p + 1] == '"') {
                        yz_buf_putc(f, '"');
                        p += 2;
                        continue;
                    }
                    p++;
                    break;
                }
                if (d[p] == '\n')
                    (*line)++;
                yz_buf_putc(f, d[p++]);
            }
            if (p < len && d[p] != ',' && d[p] != '\n' && d[p] != '\r')
                return -1;
        } else {
            size_t s = p;
            while (p < len && d[p] != ',' && d[p] != '\n' && d[p] != '\r') {
                if (d[p] == '"')
                    return -1;
                p++;
            }
            yz_buf_append(f, d + s, p - s);
        }
        if (p < len && d[p] == ',') {
            p++;
            continue;
        }
        if (p < len && d[p] == '\r')
            p++;
        if (p < len && d[p] == '\n')
            p++;
        (*line)++;
        break;
    }
    *pos = p;
    return nf;
}

/* A stream (below) publishes its rows every STREAM_STEP, at most STREAM_AHEAD ahead. */
#define STREAM_STEP 4096
#define STREAM_AHEAD (16 * STREAM_STEP)
static void stream_publish(yz_exchange_stream *s, size_t ready);

/* The CSV reader; `where` (NULL: not wanted) receives the line each row starts on, and
 * `err_where` the line of the row an error is in (0: the file's, the header). With `pub`
 * (NULL: none) the rows go into its rowset, reserved beforehand so that it never moves, and
 * are published to its reader as they are parsed; the rows stay the stream's, error or not. */
static int read_csv_rows(const char *data, size_t len, yz_facility_list fac, yz_station **out,
                         size_t *n_out, yz_district **districts, size_t *n_districts,
                         size_t **where, size_t *err_where, yz_exchange_stream *pub,
                         yz_errinfo *ei);

static int read_csv(const char *data, size_t len, yz_facility_list fac, yz_station **out,
                    size_t *n_out, yz_district **districts, size_t *n_districts, size_t **where,
                    size_t *err_where, yz_errinfo *ei)
{
    return read_csv_rows(data, len, fac, out, n_out, districts, n_districts, where, err_where,
                         NULL, ei);
}

static rowset *stream_rowset(yz_exchange_stream *s);

static int read_csv_rows(const char *data, size_t len, yz_facility_list fac, yz_station **out,
                         size_t *n_out, yz_district **districts, size_t *n_districts,
                         size_t **where, size_t *err_where, yz_exchange_stream *pub,
                         yz_errinfo *ei)
{
    rowset local = {0};
    rowset *rsp = pub ? stream_rowset(pub) : &local;
    yz_buf fields[N_FIELDS + 1];
    int col_field[N_FIELDS + 1];
    size_t *lines = NULL, cap_lines = 0;
    hours_seen hours = {{0}};
    for (size_t i = 0; i <= N_FIELDS; i++)
        yz_buf_init(&fields[i]);
    int err = YZ_OK;
    size_t pos = 0, line = 1;
    if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
        pos = 3;
    int ncol = csv_record(data, len, &pos, &line, fields, N_FIELDS + 1);
    if (ncol <= 0) {
        err = yz_err_set(ei, YZ_EINVAL, "header", "CSV 缺少有效的表头行",
                         "the CSV has no valid header row");
        goto out;
    }
    int seen[N_FIELDS] = {0};
    for (int c = 0; c < ncol; c++) {
        int f = field_index(fields[c].data);
        if (f < 0 || seen[f]) {
            err = yz_err_setf(ei, YZ_EINVAL, "header", "表头第 %d 列 “%.40s” %s",
                              "header column %d \"%.40s\" %s", c + 1, fields[c].data,
                              f < 0 ? "unknown / 未知" : "repeated / 重复");
            goto out;
        }
        seen[f] = 1;
        col_field[c] = f;
    }
    for (;;) {
        size_t row_line = line;
        int nf = csv_record(data, len, &pos, &line, fields, N_FIELDS + 1);
        if (nf == 0)
            break;
        if (nf == 1 && fields[0].len == 0)
            continue; /* blank line */
        if (nf < 0) {
            err = yz_err_setf(ei, YZ_EINVAL, "", "第 %zu 行：引号不成对或字段过多",
                              "row %zu: unbalanced quotes or too many fields", row_line);
            *err_where = row_line;
            goto out;
        }
        if (nf != ncol) {
            err = yz_err_setf(ei, YZ_EINVAL, "", "第 %zu 行：有 %d 个字段，表头有 %d 个",
                              "row %zu: %d fields where the header has %d", row_line, nf,
                              ncol);
            *err_where = row_line;
            goto out;
        }
        yz_station *st = rowset_add(rsp);
        if (rsp->n > cap_lines) {
            cap_lines = cap_lines ? 2 * cap_lines : 1024;
            lines = yz_reallocarray(lines, cap_lines, sizeof *lines);
        }
        lines[rsp->n - 1] = row_line;
        pending pr = {st, 0, 0, 0, 0, YZ_CRS_WGS84, &hours, rsp->pooled ? &rsp->pool : NULL};
        for (int c = 0; c < ncol && !err; c++)
            if (col_field[c] == 7)
                err = set_field(&pr, 7, fields[c].data, fields[c].len, fac, ei);
        for (int c = 0; c < ncol && !err; c++) {
            if (col_field[c] == 7)
                continue;
            const char *v = fields[c].data;
            if (text_field(col_field[c]))
                v = csv_unguard(v);
            err = set_field(&pr, col_field[c], v, fields[c].len - (size_t)(v - fields[c].data),
                            fac, ei);
        }
        if (!err)
            err = finish_row(&pr, false, ei);
        if (err) {
            at_row(ei, err, "第 %zu 行", "row %zu", row_line);
            *err_where = row_line;
            goto out;
        }
        if (pub && rsp->n % STREAM_STEP == 0)
            stream_publish(pub, rsp->n);
    }
    err = rowset_finish(rsp, "第 %zu 行", "row %zu", lines, err_where, ei);
out:
    for (size_t i = 0; i <= N_FIELDS; i++)
        yz_buf_fini(&fields[i]);
    hours_seen_fini(&hours);
    if (where && !err) {
        *where = lines ? lines : yz_calloc(1, sizeof *lines);
        lines = NULL;
    }
    yz_free(lines);
    if (pub) /* the stream keeps its rows: its reader may hold some */
        return err;
    if (err) {
        rowset_free(rsp);
        *out = NULL;
        *n_out = 0;
        *districts = NULL;
        *n_districts = 0;
        return err;
    }
    *out = rsp->rows;
    *n_out = rsp->n;
    *districts = rsp->dist;
    *n_districts = rsp->nd;
    return YZ_OK;
}

int yz_exchange_read_csv(const char *data, size_t len, yz_facility_list fac, yz_station **out,
                         size_t *n_out, yz_district **districts, size_t *n_districts,
                         yz_errinfo *ei)
{
    size_t bad = 0;
    return read_csv(data, len, fac, out, n_out, districts, n_districts, NULL, &bad, ei);
}

/* The GeoJSON reader; `err_where` receives the feature an error is in (0: the file's). */
static int read_geojson(const char *data, size_t len, yz_facility_list fac, yz_station **out,
                        size_t *n_out, yz_district **districts, size_t *n_districts,
                        size_t *err_where, yz_errinfo *ei)
{
    rowset rs = {0};
    json_error_t jerr;
    int err = YZ_OK;
    json_t *root = json_loadb(data, len, JSON_REJECT_DUPLICATES, &jerr);
    json_t *features;
    if (!root) {
        err = yz_err_setf(ei, YZ_EINVAL, "", "GeoJSON 第 %d 行：%s", "GeoJSON line %d: %s",
                          jerr.line, jerr.text);
        goto out;
    }
    features = json_object_get(root, "features");
    if (!json_is_object(root) || !json_is_string(json_object_get(root, "type")) ||
        strcmp(json_string_value(json_object_get(root, "type")), "FeatureCollection") != 0 ||
        !json_is_array(features)) {
        err = yz_err_set(ei, YZ_EINVAL, "type", "需要 GeoJSON FeatureCollection",
                         "expected a GeoJSON FeatureCollection");
        goto out;
    }
    size_t i;
    json_t *feat;
    json_array_foreach(features, i, feat)
    {
        json_t *geom = json_object_get(feat, "geometry");
        json_t *props = json_object_get(feat, "properties");
        json_t *coords = json_object_get(geom, "coordinates");
        json_t *gtype = json_object_get(geom, "type");
        if (!json_is_string(gtype) || strcmp(json_string_value(gtype), "Point") != 0 ||
            !json_is_array(coords) || json_array_size(coords) < 2 ||
            !json_is_number(json_array_get(coords, 0)) ||
            !json_is_number(json_array_get(coords, 1))) {
            err = yz_err_set(ei, YZ_EINVAL, "geometry", "需要 Point 几何与 [经度, 纬度]",
                             "expected a Point geometry with [lon, lat]");
            at_row(ei, err, "第 %zu 个要素", "feature %zu", i + 1);
            *err_where = i + 1;
            goto out;
        }
        if (!json_is_object(props)) {
            err = yz_err_set(ei, YZ_EINVAL, "properties", "缺少 properties 对象",
                             "properties object is missing");
            at_row(ei, err, "第 %zu 个要素", "feature %zu", i + 1);
            *err_where = i + 1;
            goto out;
        }
        json_t *p = json_deep_copy(props);
        json_object_set_new(p, "lon", json_real(json_number_value(json_array_get(coords, 0))));
        json_object_set_new(p, "lat", json_real(json_number_value(json_array_get(coords, 1))));
        yz_station *st = rowset_add(&rs);
        err = yz_exchange_station_from_json(p, fac, false, st, ei);
        json_decref(p);
        if (err) {
            at_row(ei, err, "第 %zu 个要素", "feature %zu", i + 1);
            *err_where = i + 1;
            goto out;
        }
    }
    err = rowset_finish(&rs, "第 %zu 个要素", "feature %zu", NULL, err_where, ei);
out:
    json_decref(root);
    if (err) {
        rowset_free(&rs);
        *out = NULL;
        *n_out = 0;
        *districts = NULL;
        *n_districts = 0;
        return err;
    }
    *out = rs.rows;
    *n_out = rs.n;
    *districts = rs.dist;
    *n_districts = rs.nd;
    return YZ_OK;
}

int yz_exchange_read_geojson(const char *data, size_t len, yz_facility_list fac,
                             yz_station **out, size_t *n_out, yz_district **districts,
                             size_t *n_districts, yz_errinfo *ei)
{
    size_t bad = 0;
    return read_geojson(data, len, fac, out, n_out, districts, n_districts, &bad, ei);
}

int yz_exchange_read_report(bool geojson, const char *data, size_t len, yz_facility_list fac,
                            yz_station **rows, size_t *n, yz_district **districts,
                            size_t *n_districts, size_t **where, size_t *err_where, yz_errinfo *ei)
{
    *where = NULL;
    *err_where = 0;
    if (!geojson)
        return read_csv(data, len, fac, rows, n, districts, n_districts, where, err_where, ei);
    int err = read_geojson(data, len, fac, rows, n, districts, n_districts, err_where, ei);
    if (!err) {
        *where = yz_calloc(*n + 1, sizeof **where);
        for (size_t i = 0; i < *n; i++)
            (*where)[i] = i + 1;
    }
    return err;
}

/* The whole file into `b`: one read a block into room for its size, where fstat gives one
 * (a file that grows meanwhile is read to its end all the same). */
static int read_whole(FILE *f, yz_buf *b)
{
    struct stat sb;
    if (fstat(fileno(f), &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size > 0) {
        yz_buf_reserve(b, (size_t)sb.st_size + 1);
        yz_advise_huge(b->data, b->cap);
    }
    for (;;) {
        if (b->cap - b->len < 65536)
            yz_buf_reserve(b, 65536);
        size_t got = fread(b->data + b->len, 1, b->cap - b->len - 1, f);
        if (!got)
            break;
        b->len += got;
        b->data[b->len] = '\0';
    }
    return ferror(f);
}

int yz_exchange_read_file(const char *path, yz_facility_list fac, yz_station **rows, size_t *n,
                          yz_district **districts, size_t *n_districts, yz_errinfo *ei)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return yz_err_setf(ei, YZ_EIO, "file", "无法打开文件 %s", "cannot open file %s", path);
    yz_buf b;
    yz_buf_init(&b);
    int bad = read_whole(f, &b);
    fclose(f);
    int err;
    const char *dot = strrchr(path, '.');
    if (bad)
        err = yz_err_setf(ei, YZ_EIO, "file", "读取 %s 出错", "error reading %s", path);
    else if (dot && strcmp(dot, ".csv") == 0)
        err = yz_exchange_read_csv(b.data, b.len, fac, rows, n, districts, n_districts, ei);
    else if (dot && (strcmp(dot, ".geojson") == 0 || strcmp(dot, ".json") == 0))
        err = yz_exchange_read_geojson(b.data, b.len, fac, rows, n, districts, n_districts, ei);
    else
        err = yz_err_set(ei, YZ_EINVAL, "file", "文件须以 .csv 或 .geojson 结尾",
                         "the file name must end in .csv or .geojson");
    yz_buf_fini(&b);
    return err;
}

/* --- a CSV file read on a thread of its own -------------------------------------------
 * The parser thread runs read_csv_rows on the file into a rowset reserved for one row a line
 * of the file (a record takes at least one line, so the array never moves), and publishes how
 * many rows are complete every STREAM_STEP rows; yz_exchange_stream_next hands them out. The
 * parser stays at most STREAM_AHEAD rows ahead of the reader (the queue is bounded), unless
 * the reader gave up (yz_exchange_stream_wait, _close: it then runs to the end, so that its
 * error can still be the one said). Every row stays the stream's until it is closed. */
struct yz_exchange_stream {
    yz_buf data; /* the file */
    yz_facility_list fac;
    rowset rs; /* written by the parser; rows [0, ready) are the reader's to read */
    pthread_t thread;
    bool started;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    size_t ready;  /* rows complete */
    size_t taken;  /* rows handed out */
    bool done;     /* the parser ended */
    bool drain;    /* the reader takes no more: do not wait for it */
    int err;       /* the parser's result, once done */
    yz_errinfo ei; /* its error */
    double parse_s; /* the parser's time, once done */
    /* the reader's side: the district codes met so far (sorted, borrowed from the rows), and
     * the districts first met in each part handed out, kept until the stream is closed */
    const char **seen;
    size_t n_seen, cap_seen;
    yz_district **fresh;
    size_t *n_fresh, n_parts;
};

static rowset *stream_rowset(yz_exchange_stream *s)
{
    return &s->rs;
}

/* The lines of `n` bytes (their newlines + 1), eight bytes at a time: a byte equal to '\n'
 * is a zero byte of w ^ 0x0a..0a, found without a carry across bytes (exact, not the usual
 * "has a zero" test, which may flag the byte after one), and the flags summed by one multiply
 * (no popcount instruction is assumed). */
static size_t count_lines(const char *p, size_t n)
{
    const uint64_t nl = UINT64_C(0x0a0a0a0a0a0a0a0a), low7 = UINT64_C(0x7f7f7f7f7f7f7f7f);
    size_t lines = 1, i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        uint64_t x = w ^ nl;
        uint64_t t = ((x & low7) + low7) | x; /* a byte's top bit set unless the byte is 0 */
        lines += (size_t)((((~t & ~low7) >> 7) * UINT64_C(0x0101010101010101)) >> 56);
    }
    for (; i < n; i++)
        lines += p[i] == '\n';
    return lines;
}

static void stream_publish(yz_exchange_stream *s, size_t ready)
{
    pthread_mutex_lock(&s->mu);
    s->ready = ready;
    pthread_cond_broadcast(&s->cv);
    while (!s->drain && s->ready - s->taken > STREAM_AHEAD)
        pthread_cond_wait(&s->cv, &s->mu);
    pthread_mutex_unlock(&s->mu);
}

static void *stream_main(void *arg)
{
    yz_exchange_stream *s = arg;
    yz_errinfo ei;
    size_t bad = 0;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int err = read_csv_rows(s->data.data, s->data.len, s->fac, NULL, NULL, NULL, NULL, NULL,
                            &bad, s, &ei);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    pthread_mutex_lock(&s->mu);
    s->parse_s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    s->err = err;
    if (err)
        s->ei = ei;
    else
        s->ready = s->rs.n;
    s->done = true;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

int yz_exchange_stream_open(const char *path, yz_facility_list fac, yz_exchange_stream **out,
                            yz_errinfo *ei)
{
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f)
        return yz_err_setf(ei, YZ_EIO, "file", "无法打开文件 %s", "cannot open file %s", path);
    yz_exchange_stream *s = yz_calloc(1, sizeof *s);
    yz_buf_init(&s->data);
    int bad = read_whole(f, &s->data);
    fclose(f);
    if (bad) {
        yz_buf_fini(&s->data);
        yz_free(s);
        return yz_err_setf(ei, YZ_EIO, "file", "读取 %s 出错", "error reading %s", path);
    }
    /* a row a line at most (the header is one): rowset_add never grows */
    s->rs.cap = count_lines(s->data.data, s->data.len) + 1;
    s->rs.rows = yz_reallocarray(NULL, s->rs.cap, sizeof *s->rs.rows);
    s->rs.pooled = true;
    yz_advise_huge(s->rs.rows, s->rs.cap * sizeof *s->rs.rows);
    s->fac = fac;
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, NULL);
    if (pthread_create(&s->thread, NULL, stream_main, s) != 0) {
        yz_exchange_stream_close(s);
        return yz_err_set(ei, YZ_EINTERNAL, "", "无法启动读取线程", "cannot start the reader thread");
    }
    s->started = true;
    *out = s;
    return YZ_OK;
}

size_t yz_exchange_stream_hint(const yz_exchange_stream *s)
{
    return s->rs.cap;
}

/* The districts first met in rows[0..n), in their order (as rowset_finish lists them). */
static void stream_fresh(yz_exchange_stream *s, const yz_station *rows, size_t n,
                         const yz_district **d, size_t *nd)
{
    yz_district *a = NULL;
    size_t len = 0;
    const char *last = NULL;
    for (size_t i = 0; i < n; i++) {
        const char *code = rows[i].district_code;
        if (last && !strcmp(last, code))
            continue; /* rows of a district often come together */
        last = code;
        size_t lo = 0, hi = s->n_seen;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            int c = strcmp(s->seen[mid], code);
            if (c == 0) {
                lo = hi = SIZE_MAX;
                break;
            }
            if (c < 0)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (lo == SIZE_MAX)
            continue;
        if (s->n_seen == s->cap_seen) {
            s->cap_seen = s->cap_seen ? 2 * s->cap_seen : 64;
            s->seen = yz_reallocarray(s->seen, s->cap_seen, sizeof *s->seen);
        }
        memmove(s->seen + lo + 1, s->seen + lo, (s->n_seen - lo) * sizeof *s->seen);
        s->seen[lo] = code;
        s->n_seen++;
        a = yz_reallocarray(a, len + 1, sizeof *a);
        district_of(&rows[i], &a[len++]);
    }
    s->fresh = yz_reallocarray(s->fresh, s->n_parts + 1, sizeof *s->fresh);
    s->n_fresh = yz_reallocarray(s->n_fresh, s->n_parts + 1, sizeof *s->n_fresh);
    s->fresh[s->n_parts] = a;
    s->n_fresh[s->n_parts++] = len;
    *d = a;
    *nd = len;
}

int yz_exchange_stream_next(void *ctx, yz_station **rows, size_t *n, const yz_district **d,
                            size_t *nd, yz_errinfo *ei)
{
    yz_exchange_stream *s = ctx;
    *d = NULL;
    *nd = 0;
    pthread_mutex_lock(&s->mu);
    while (!s->done && s->ready == s->taken)
        pthread_cond_wait(&s->cv, &s->mu);
    int err = YZ_OK;
    if (s->done && s->err) {
        err = s->err;
        if (ei)
            *ei = s->ei;
        *rows = NULL;
        *n = 0;
    } else {
        *rows = s->rs.rows + s->taken;
        *n = s->ready - s->taken;
        s->taken = s->ready;
        pthread_cond_broadcast(&s->cv);
    }
    pthread_mutex_unlock(&s->mu);
    if (!err && *n) /* the rows handed out are the reader's to read: no lock needed */
        stream_fresh(s, *rows, *n, d, nd);
    return err;
}

double yz_exchange_stream_parse_s(yz_exchange_stream *s)
{
    pthread_mutex_lock(&s->mu);
    double v = s->done ? s->parse_s : 0;
    pthread_mutex_unlock(&s->mu);
    return v;
}

int yz_exchange_stream_wait(yz_exchange_stream *s, size_t *n_rows, yz_errinfo *ei)
{
    pthread_mutex_lock(&s->mu);
    s->drain = true;
    pthread_cond_broadcast(&s->cv);
    while (!s->done)
        pthread_cond_wait(&s->cv, &s->mu);
    int err = s->err;
    if (err && ei)
        *ei = s->ei;
    if (n_rows)
        *n_rows = err ? 0 : s->rs.n;
    pthread_mutex_unlock(&s->mu);
    return err;
}

void yz_exchange_stream_close(yz_exchange_stream *s)
{
    if (!s)
        return;
    if (s->started) {
        int ignored = yz_exchange_stream_wait(s, NULL, NULL);
        (void)ignored;
        pthread_join(s->thread, NULL);
    }
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->cv);
    for (size_t i = 0; i < s->n_parts; i++)
        yz_exchange_districts_free(s->fresh[i], s->n_fresh[i]);
    yz_free(s->fresh);
    yz_free(s->n_fresh);
    yz_free(s->seen);
    rowset_free(&s->rs);
    yz_buf_fini(&s->data);
    yz_free(s);
}

/* --- writers -------------------------------------------------------------------------- */

void yz_exchange_facility_codes(uint64_t mask, yz_facility_list fac, const char *sep,
                                yz_buf *out)
{
    int first = 1;
    for (int bit = 0; bit < 64; bit++) {
        if (!(mask & (UINT64_C(1) << bit)))
            continue;
        for (size_t i = 0; i < fac.n; i++) {
            if (fac.items[i].bit != bit)
                continue;
            if (!first)
                yz_buf_puts(out, sep);
            first = 0;
            yz_buf_puts(out, fac.items[i].code);
        }
    }
}

/* Write a text cell, quoted when RFC 4180 needs it, guarded and quoted when formula_like().
 * Numbers and the fixed words (tier, status, ...) are written directly, never through here. */
void yz_exchange_csv_cell(yz_buf *out, const char *v)
{
    if (!v)
        v = "";
    bool guard = formula_like(v);
    if (!guard && !strpbrk(v, ",\"\r\n")) {
        yz_buf_puts(out, v);
        return;
    }
    yz_buf_putc(out, '"');
    if (guard)
        yz_buf_putc(out, '\'');
    for (; *v; v++) {
        if (*v == '"')
            yz_buf_putc(out, '"');
        yz_buf_putc(out, *v);
    }
    yz_buf_putc(out, '"');
}

void yz_exchange_write_csv(const yz_station *st, size_t n, yz_facility_list fac, yz_buf *out)
{
    for (size_t f = 0; f < N_CSV_FIELDS; f++) {
        if (f)
            yz_buf_putc(out, ',');
        yz_buf_puts(out, field_names[f]);
    }
    yz_buf_puts(out, "\r\n");
    yz_buf tmp;
    yz_buf_init(&tmp);
    for (size_t i = 0; i < n; i++) {
        const yz_station *s = &st[i];
        char num[40];
        yz_exchange_csv_cell(out, s->code);
        yz_buf_putc(out, ',');
        yz_exchange_csv_cell(out, s->name);
        yz_buf_putc(out, ',');
        yz_exchange_csv_cell(out, s->address);
        yz_buf_putc(out, ',');
        yz_exchange_csv_cell(out, s->district_code);
        yz_buf_putc(out, ',');
        yz_exchange_csv_cell(out, s->district_name);
        snprintf(num, sizeof num, ",%.7f,%.7f,wgs84,", s->lat, s->lon);
        yz_buf_puts(out, num);
        yz_buf_puts(out, yz_tier_name(s->tier));
        yz_buf_putc(out, ',');
        yz_buf_puts(out, yz_partner_name(s->partner_kind));
        yz_buf_putc(out, ',');
        yz_exchange_csv_cell(out, s->partner_name);
        yz_buf_putc(out, ',');
        yz_buf_reset(&tmp);
        yz_exchange_facility_codes(s->facilities, fac, ";", &tmp);
        yz_exchange_csv_cell(out, tmp.data);
        yz_buf_putc(out, ',');
        yz_exchange_csv_cell(out, s->opening_hours);
        yz_buf_putc(out, ',');
        yz_buf_puts(out, yz_status_name(s->status));
        yz_buf_putc(out, ',');
        yz_exchange_csv_cell(out, s->phone);
        char maps[32];
        yz_maps_format(s->online_maps, ";", maps, sizeof maps);
        yz_buf_printf(out, ",%d,%s,%s,%s\r\n", s->seats, s->livelihood ? "true" : "false",
                      yz_batch_name(s->batch), maps);
    }
    yz_buf_fini(&tmp);
}

void yz_exchange_write_geojson(const yz_station *st, size_t n, yz_facility_list fac,
                               yz_buf *out)
{
    yz_buf_puts(out, "{\"type\":\"FeatureCollection\",\"features\":[");
    for (size_t i = 0; i < n; i++) {
        const yz_station *s = &st[i];
        if (i)
            yz_buf_putc(out, ',');
        yz_buf_printf(out,
                      "{\"type\":\"Feature\",\"id\":%lld,\"geometry\":{\"type\":\"Point\","
                      "\"coordinates\":[%.7f,%.7f]},\"properties\":{\"code\":",
                      (long long)s->id, s->lon, s->lat);
        yz_buf_json_str(out, s->code, strlen(s->code));
        yz_buf_json_member_str(out, "name", s->name);
        yz_buf_json_member_str(out, "address", s->address);
        yz_buf_json_member_str(out, "district_code", s->district_code);
        yz_buf_json_member_str(out, "district_name", s->district_name);
        yz_buf_printf(out, ",\"crs\":\"wgs84\",\"tier\":\"%s\",\"partner_kind\":\"%s\"",
                      yz_tier_name(s->tier), yz_partner_name(s->partner_kind));
        yz_buf_json_member_str(out, "partner_name", s->partner_name);
        yz_buf_puts(out, ",\"facilities\":[");
        yz_buf tmp;
        yz_buf_init(&tmp);
        yz_exchange_facility_codes(s->facilities, fac, "\",\"", &tmp);
        if (tmp.len)
            yz_buf_printf(out, "\"%s\"", tmp.data);
        yz_buf_fini(&tmp);
        yz_buf_putc(out, ']');
        yz_buf_json_member_str(out, "opening_hours", s->opening_hours);
        yz_buf_printf(out, ",\"status\":\"%s\"", yz_status_name(s->status));
        yz_buf_json_member_str(out, "phone", s->phone);
        yz_buf_printf(out, ",\"seats\":%d,\"livelihood\":%s", s->seats,
                      s->livelihood ? "true" : "false");
        yz_buf_json_member_str(out, "batch", s->batch == YZ_BATCH_NONE ? NULL : yz_batch_name(s->batch));
        char maps[40];
        yz_maps_format(s->online_maps, "\",\"", maps, sizeof maps);
        yz_buf_printf(out, ",\"online_maps\":[%s%s%s]", *maps ? "\"" : "", maps, *maps ? "\"" : "");
        yz_buf_puts(out, "}}");
    }
    yz_buf_puts(out, "]}\n");
}
