/* SPDX-License-Identifier: MIT */
/* store/rollups.c - the daily roll-ups of counted visits, written once for both backends on
 * store/db.h (docs/internals/stats.md).
 *
 * Two tables, one row a local day and cell: rollup_station_days (day, station) and
 * rollup_district_days (day, district, occupation). Each row holds the visits, the distinct
 * workers capped at 5, and a bottom-5 sketch: the five smallest distinct worker ids (w1..w5,
 * ascending, NONE for the missing ones). The five smallest of a union are the five smallest
 * of the members' five smallest, so the sketches of any set of rows tell exactly whether they
 * hold at least 5 distinct workers, which is all the suppression rule asks. The committer
 * folds its batch by cell and sends one upsert a cell whose SET merges the batch's sketch
 * into the row's (the same text on both backends: SET reads the row before the update). On
 * PostgreSQL the batch writes only its visits, and the roll-ups are folded from the visits
 * behind a watermark, now and then (yz__rollups_fold). */
#include "store/rollups.h"

#include "store/db.h"
#include "store/rollups_int.h"
#include "store/workers.h"

#include "core/alloc.h"
#include "core/buf.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NONE "9223372036854775807" /* no worker in this slot of the sketch (INT64_MAX) */

static const char *const bucket_names[] = {"day", "week", "month"};
static const char *const by_names[] = {"district", "station", "occupation"};

const char *yz_rollup_bucket_name(int b)
{
    return b >= 0 && b < YZ_BUCKET__COUNT ? bucket_names[b] : "";
}

int yz_rollup_bucket_parse(const char *s)
{
    for (int i = 0; s && i < YZ_BUCKET__COUNT; i++)
        if (strcmp(bucket_names[i], s) == 0)
            return i;
    return -1;
}

const char *yz_rollup_by_name(int by)
{
    return by >= 0 && by < YZ_ROLLUP_BY__COUNT ? by_names[by] : "";
}

int yz_rollup_by_parse(const char *s)
{
    for (int i = 0; s && i < YZ_ROLLUP_BY__COUNT; i++)
        if (strcmp(by_names[i], s) == 0)
            return i;
    return -1;
}

void yz_rollup_cells_free(yz_rollup_cell *c, size_t n)
{
    for (size_t i = 0; c && i < n; i++)
        yz_free(c[i].key);
    yz_free(c);
}

/* --- calendar ------------------------------------------------------------------------------ */

/* Days since 1970-01-01 of the local day starting at local midnight `day`. */
static int64_t day_number(int64_t day)
{
    int64_t l = day + YZ_ROLLUP_OFFSET_S;
    return l / 86400 - (l % 86400 < 0);
}

/* Civil date of day number `z` (Howard Hinnant's days_from_civil, inverted). */
static void civil(int64_t z, int *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

static int64_t days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int64_t midnight_of(int64_t dn)
{
    return dn * 86400 - YZ_ROLLUP_OFFSET_S;
}

int64_t yz_rollup_bucket_start(int bucket, int64_t day)
{
    int64_t dn = day_number(day);
    if (bucket == YZ_BUCKET_WEEK) /* 1970-01-01 was a Thursday: Monday is (dn + 3) % 7 == 0 */
        return midnight_of(dn - (((dn + 3) % 7) + 7) % 7);
    if (bucket == YZ_BUCKET_MONTH) {
        int y, m, d;
        civil(dn, &y, &m, &d);
        return midnight_of(days_from_civil(y, m, 1));
    }
    return midnight_of(dn);
}

int64_t yz_rollup_bucket_next(int bucket, int64_t start)
{
    if (bucket == YZ_BUCKET_WEEK)
        return start + 7 * 86400;
    if (bucket == YZ_BUCKET_MONTH) {
        int y, m, d;
        civil(day_number(start), &y, &m, &d);
        return midnight_of(m == 12 ? days_from_civil(y + 1, 1, 1) : days_from_civil(y, m + 1, 1));
    }
    return start + 86400;
}

/* The same buckets in SQL, for statements that compute them from a column of times after 1970
 * (`at`: a time; `day`: a local midnight, as SQL_LOCAL_DAY gives; `off`: the text of the
 * offset's parameter, YZ_ROLLUP_OFFSET_S). One place for every statement that needs them: the
 * fold, the rebuild, the week and month roll-ups, the dashboard's query. */
#define SQL_LOCAL_DAY(at, off) "((" at " + " off ") / 86400 * 86400 - " off ")"
#define SQL_WEEK_OF(day, off) day " - (((" day " + " off ") / 86400 + 3) % 7) * 86400"
#define SQL_MONTH_OF_SQLITE(day, off)                                                          \
    "CAST(strftime('%s', " day " + " off ", 'unixepoch', 'start of month') AS INTEGER) - " off
#define SQL_MONTH_OF_PG(day, off)                                                              \
    "CAST(extract(epoch FROM date_trunc('month', to_timestamp(" day " + " off ")"            \
    " AT TIME ZONE 'UTC')) AS BIGINT) - " off

/* --- maintenance: the committer ------------------------------------------------------------ */

/* The committer folds its batch first: the counted visits of one cell (a day and station, or
 * a day, district and occupation) become one upsert carrying their number of visits and the
 * batch's own bottom-5 sketch of the cell's workers (excluded.workers of them, ascending,
 * NONE-padded). The five smallest of the row's and the batch's five smallest are the five
 * smallest of all, so the row ends as if each visit had been added alone. */

/* The row's sketch and the batch's, as one set of up to 10 ids, NONE left out. */
#define UNION10                                                                                \
    "(SELECT r.w1 AS w UNION SELECT r.w2 UNION SELECT r.w3 UNION SELECT r.w4 UNION"            \
    " SELECT r.w5 UNION SELECT excluded.w1 UNION SELECT excluded.w2 UNION SELECT excluded.w3"  \
    " UNION SELECT excluded.w4 UNION SELECT excluded.w5) u WHERE w < " NONE
/* The k-th smallest of them (from 0), NONE when fewer. */
#define NTH(k) " coalesce((SELECT w FROM " UNION10 " ORDER BY w LIMIT 1 OFFSET " #k "), " NONE ")"
/* Ids in the row's sketch before, and after the merge (at most 5). */
#define HELD_BEFORE                                                                            \
    "(CASE WHEN r.w1 < " NONE " THEN 1 ELSE 0 END + CASE WHEN r.w2 < " NONE " THEN 1 ELSE 0"   \
    " END + CASE WHEN r.w3 < " NONE " THEN 1 ELSE 0 END + CASE WHEN r.w4 < " NONE " THEN 1"     \
    " ELSE 0 END + CASE WHEN r.w5 < " NONE " THEN 1 ELSE 0 END)"
#define HELD_AFTER "(SELECT CASE WHEN count(*) > 5 THEN 5 ELSE count(*) END FROM " UNION10 ")"
/* `workers` grows by the ids the sketch gained (each a worker new to the cell: a sketch that
 * is not full holds every worker of the cell), capped at 5. A purged row (no ids, workers
 * kept) counts its new workers on top, as one visit at a time would. */
#define GROWN "r.workers + " HELD_AFTER " - " HELD_BEFORE
#define MERGE_WORKERS "CASE WHEN " GROWN " > 5 THEN 5 ELSE " GROWN " END"
#define MERGE_SET                                                                              \
    " visits = r.visits + excluded.visits, workers = " MERGE_WORKERS ","                       \
    " w1 =" NTH(0) ", w2 =" NTH(1) ", w3 =" NTH(2) ", w4 =" NTH(3) ", w5 =" NTH(4)

/* The same when the batch brings one worker (excluded.w1), which is most cells: CASEs only.
 * A worker already there changes nothing; `workers` grows while the sketch is not full. */
#define X "excluded.w1"
#define IN_SKETCH X " IN (r.w1, r.w2, r.w3, r.w4, r.w5)"
#define ONE_WORKERS                                                                            \
    "CASE WHEN r.w5 < " NONE " OR " IN_SKETCH " OR r.workers >= 5 THEN r.workers"              \
    " ELSE r.workers + 1 END"
#define ONE_W1 "CASE WHEN " IN_SKETCH " THEN r.w1 WHEN " X " < r.w1 THEN " X " ELSE r.w1 END"
/* slot k (2..5) takes the one before it when X goes before that one */
#define ONE_WK(k, prev)                                                                        \
    "CASE WHEN " IN_SKETCH " THEN r.w" k " WHEN " X " < r.w" prev " THEN r.w" prev             \
    " WHEN " X " < r.w" k " THEN " X " ELSE r.w" k " END"
#define ONE_SET                                                                                \
    " visits = r.visits + excluded.visits, workers = " ONE_WORKERS ", w1 = " ONE_W1 ","        \
    " w2 = " ONE_WK("2", "1") ", w3 = " ONE_WK("3", "2") ", w4 = " ONE_WK("4", "3") ","         \
    " w5 = " ONE_WK("5", "4")

/* $1 day (the start of the table's week or month), $2 station, $3 its district (at the time
 * of the visits), $4 visits, $5 workers, $6..$10 the batch's sketch. The day table keeps the
 * district a station had first that day; the week and month tables a row for each. */
#define ADD_STATION(table, conflict)                                                           \
    "INSERT INTO " table " AS r (day, station_id, district_code, visits, workers,"             \
    " w1, w2, w3, w4, w5) VALUES (CAST($1 AS BIGINT), CAST($2 AS BIGINT), $3,"                 \
    " CAST($4 AS BIGINT), CAST($5 AS BIGINT), CAST($6 AS BIGINT), CAST($7 AS BIGINT),"         \
    " CAST($8 AS BIGINT), CAST($9 AS BIGINT), CAST($10 AS BIGINT))"                            \
    " ON CONFLICT (" conflict ") DO UPDATE SET"
#define ADD_STATION_DAYS ADD_STATION("rollup_station_days", "day, station_id")
#define ADD_STATION_WEEKS ADD_STATION("rollup_station_weeks", "day, station_id, district_code")
#define ADD_STATION_MONTHS ADD_STATION("rollup_station_months", "day, station_id, district_code")
/* $1 day, $2 district, $3 occupation, $4.. as above. */
#define ADD_DISTRICT                                                                           \
    "INSERT INTO rollup_district_days AS r (day, district_code, occupation, visits, workers,"  \
    " w1, w2, w3, w4, w5) VALUES (CAST($1 AS BIGINT), $2, $3,"                                 \
    " CAST($4 AS BIGINT), CAST($5 AS BIGINT), CAST($6 AS BIGINT), CAST($7 AS BIGINT),"         \
    " CAST($8 AS BIGINT), CAST($9 AS BIGINT), CAST($10 AS BIGINT))"                            \
    " ON CONFLICT (day, district_code, occupation) DO UPDATE SET"

/* The districts of the batch's stations and the occupations of its workers, read once in the
 * batch's transaction. $1, $2: the ids, as a JSON array (SQLite) or an array literal. */
#define LOOKUP_SQLITE                                                                          \
    "SELECT 0, id, coalesce(district_code, '') FROM stations WHERE id IN"                      \
    " (SELECT value FROM json_each($1)) UNION ALL SELECT 1, id, coalesce(occupation, 'other')" \
    " FROM workers WHERE id IN (SELECT value FROM json_each($2))"
#define LOOKUP_PG                                                                              \
    "SELECT 0, id, coalesce(district_code, '') FROM stations WHERE id = ANY(CAST($1 AS"        \
    " BIGINT[])) UNION ALL SELECT 1, id, coalesce(occupation, 'other') FROM workers"           \
    " WHERE id = ANY(CAST($2 AS BIGINT[]))"

/* A counted visit of the batch, with what its cells are keyed by. */
typedef struct add_item {
    int64_t at_day;  /* the visit's local day */
    int64_t day;     /* the start of the cell's day, week or month (set for each table) */
    int64_t station_id, worker_id;
    const char *district;   /* borrowed from the lookup */
    const char *occupation; /* borrowed from the lookup */
} add_item;

/* One upsert: a cell and what the batch adds to it. */
typedef struct add_cell {
    int table;           /* an index of add_sql: a station grain, or the district days */
    const add_item *key; /* its first item (the cell's key fields) */
    int64_t visits;
    int nw;     /* distinct workers in w[] (at most 5) */
    int64_t w[YZ_ROLLUP_K]; /* the batch's five smallest distinct workers, ascending */
} add_cell;

typedef struct id_text {
    int64_t id;
    char *text; /* owned */
} id_text;

typedef struct add_ctx {
    add_item *items;
    size_t n;
    add_cell *cells;
    size_t ncells;
    id_text *found[2]; /* stations' districts, workers' occupations, by id */
    size_t nfound[2];
} add_ctx;

static int by_id(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static int by_station_cell(const void *a, const void *b)
{
    const add_item *x = a, *y = b;
    if (x->day != y->day)
        return x->day < y->day ? -1 : 1;
    if (x->station_id != y->station_id)
        return x->station_id < y->station_id ? -1 : 1;
    return x->worker_id < y->worker_id ? -1 : x->worker_id > y->worker_id;
}

static int by_district_cell(const void *a, const void *b)
{
    const add_item *x = a, *y = b;
    if (x->day != y->day)
        return x->day < y->day ? -1 : 1;
    int c = strcmp(x->district, y->district);
    if (!c)
        c = strcmp(x->occupation, y->occupation);
    if (c)
        return c;
    return x->worker_id < y->worker_id ? -1 : x->worker_id > y->worker_id;
}

/* The distinct ids of `ids` (sorted in place) as the lookup's parameter into `b`. */
static void id_list(yz_buf *b, int64_t *ids, size_t n, bool pg)
{
    if (n)
        qsort(ids, n, sizeof *ids, by_id);
    yz_buf_putc(b, pg ? '{' : '[');
    for (size_t i = 0; i < n; i++) {
        if (i && ids[i] == ids[i - 1])
            continue;
        if (i)
            yz_buf_putc(b, ',');
        yz_buf_int(b, (long long)ids[i]);
    }
    yz_buf_puts(b, pg ? "}" : "]");
}

static const char *found_text(const add_ctx *a, int kind, int64_t id, const char *none)
{
    if (!a->nfound[kind]) /* bsearch on a NULL base is undefined, even for 0 items */
        return none;
    const id_text *f = bsearch(&id, a->found[kind], a->nfound[kind], sizeof *f, by_id);
    return f ? f->text : none;
}

/* Read the districts and occupations of the items' stations and workers. */
static int lookup(yz_db_tx *tx, add_ctx *a, yz_errinfo *ei)
{
    int64_t *ids = yz_malloc(a->n * sizeof *ids);
    bool pg = yz_db_dialect_of(tx) == YZ_DB_PG;
    yz_buf lists[2];
    for (int k = 0; k < 2; k++) {
        yz_buf_init(&lists[k]);
        for (size_t i = 0; i < a->n; i++)
            ids[i] = k ? a->items[i].worker_id : a->items[i].station_id;
        id_list(&lists[k], ids, a->n, pg);
    }
    yz_free(ids);
    size_t cap[2] = {0, 0};
    yz_db_q q;
    yz_db_query(&q, tx, yz_db_dialect(tx, LOOKUP_SQLITE, LOOKUP_PG), ei);
    yz_db_text(&q, lists[0].data);
    yz_db_text(&q, lists[1].data);
    while (yz_db_row(&q)) {
        int k = yz_db_col_int(&q, 0) ? 1 : 0;
        a->found[k] = yz_db_grow(a->found[k], a->nfound[k], &cap[k], sizeof *a->found[k]);
        id_text *f = &a->found[k][a->nfound[k]++];
        f->id = yz_db_col_i64(&q, 1);
        f->text = yz_db_col_str(&q, 2);
        if (!f->text)
            f->text = yz_strdup("");
    }
    int err = yz_db_end(&q);
    for (int k = 0; k < 2; k++) {
        yz_buf_fini(&lists[k]);
        if (a->nfound[k] > 1)
            qsort(a->found[k], a->nfound[k], sizeof *a->found[k], by_id);
    }
    return err;
}

/* Sort the items by `cmp` (cell, then worker) and append a cell for each run of them. */
static void fold(add_ctx *a, int table, int (*cmp)(const void *, const void *))
{
    if (a->n > 1)
        qsort(a->items, a->n, sizeof *a->items, cmp);
    for (size_t i = 0; i < a->n; i++) {
        const add_item *it = &a->items[i];
        add_cell *c = a->ncells ? &a->cells[a->ncells - 1] : NULL;
        if (c) { /* the same cell as the previous item when only the worker differs */
            add_item k = *c->key;
            k.worker_id = it->worker_id;
            if (cmp(&k, it) != 0)
                c = NULL;
        }
        if (!c) {
            c = &a->cells[a->ncells++];
            *c = (add_cell){table, it, 0, 0, {0}};
        }
        c->visits++;
        /* items of a cell come by ascending worker: the first five distinct are the smallest */
        if (c->nw < YZ_ROLLUP_K && (c->nw == 0 || c->w[c->nw - 1] != it->worker_id))
            c->w[c->nw++] = it->worker_id;
    }
}

/* The tables the committer adds to: the station's day, week and month (as enum
 * yz_rollup_bucket), then the district's day. Each: the text for one worker, for several. */
enum { ADD_DISTRICT_DAYS = YZ_BUCKET__COUNT, ADD__TABLES };
static const char *const add_sql[ADD__TABLES][2] = {
    [YZ_BUCKET_DAY] = {ADD_STATION_DAYS ONE_SET, ADD_STATION_DAYS MERGE_SET},
    [YZ_BUCKET_WEEK] = {ADD_STATION_WEEKS ONE_SET, ADD_STATION_WEEKS MERGE_SET},
    [YZ_BUCKET_MONTH] = {ADD_STATION_MONTHS ONE_SET, ADD_STATION_MONTHS MERGE_SET},
    [ADD_DISTRICT_DAYS] = {ADD_DISTRICT ONE_SET, ADD_DISTRICT MERGE_SET}};

static int send_add(yz_db_tx *tx, size_t i, yz_db_q *qs, void *arg, yz_errinfo *ei)
{
    const add_cell *c = &((add_ctx *)arg)->cells[i];
    yz_db_query(&qs[0], tx, add_sql[c->table][c->nw > 1], ei);
    yz_db_i64(&qs[0], c->key->day);
    if (c->table == ADD_DISTRICT_DAYS) {
        yz_db_text(&qs[0], c->key->district);
        yz_db_text(&qs[0], c->key->occupation);
    } else {
        yz_db_i64(&qs[0], c->key->station_id);
        yz_db_text(&qs[0], c->key->district);
    }
    yz_db_i64(&qs[0], c->visits);
    yz_db_i64(&qs[0], c->nw);
    for (int k = 0; k < YZ_ROLLUP_K; k++)
        yz_db_i64(&qs[0], k < c->nw ? c->w[k] : INT64_MAX);
    return 1;
}

static int recv_add(yz_db_q *qs, int nq, size_t i, void *arg, yz_errinfo *ei)
{
    (void)nq, (void)i, (void)arg, (void)ei;
    return yz_db_exec(&qs[0], NULL);
}

/* A table's cells from cv, those that bring several workers merged with the rows they update
 * before the upsert, set-wise (issue 16 point 5): `u` is the batch's counted visits of the
 * table's cells (v = 1) with, for each cell of several workers that has a row already, that
 * row's sketch unnested (v = 0, its workers `ow` and ids held `oh`); one GROUP BY then gives
 * each cell its visits, the five smallest distinct ids of the row and the batch together, and
 * its workers, which the upsert assigns (MERGED_SET). Before, that merge was a subquery in the
 * upsert's SET, run for each row it updated (and, pulled up by the planner, once for each of
 * the nine expressions that read it), the largest part of PostgreSQL's work a batch and of the
 * plan it sets up each run.
 * Exact because the row read is the row updated: the statement's snapshot is taken after the
 * advisory lock YZ_DB_LOCK_ROLLUPS, and every writer of the roll-ups on PostgreSQL holds that
 * lock (the fold: lock_rollups; the purge, the rebuild and the history import: lock_writers).
 * `workers`: the row's count grown by the ids its sketch gained, capped at 5 (MERGE_WORKERS);
 * a new row counts its ids. A row's count is never below the ids it holds, so a merged cell's
 * is 2 or more. `keys` are cv's columns of the cell, the day first; `on` finds its row `o`. */
#define HELD_O                                                                                 \
    "(CASE WHEN o.w1 < " NONE " THEN 1 ELSE 0 END + CASE WHEN o.w2 < " NONE " THEN 1 ELSE 0"   \
    " END + CASE WHEN o.w3 < " NONE " THEN 1 ELSE 0 END + CASE WHEN o.w4 < " NONE " THEN 1"     \
    " ELSE 0 END + CASE WHEN o.w5 < " NONE " THEN 1 ELSE 0 END)"
/* A cell that brings one worker takes ONE_SET's CASEs against the row as it is updated (most
 * station cells: no look-up of the row before); the others come merged (their `workers` is
 * then 2 or more) and are assigned. */
#define ONE_OR_MERGED(one, col)                                                                \
    "CASE WHEN excluded.workers = 1 THEN " one " ELSE excluded." col " END"
#define MERGED_SET                                                                             \
    " visits = r.visits + excluded.visits, workers = " ONE_OR_MERGED(ONE_WORKERS, "workers")   \
    ", w1 = " ONE_OR_MERGED(ONE_W1, "w1") ", w2 = " ONE_OR_MERGED(ONE_WK("2", "1"), "w2")      \
    ", w3 = " ONE_OR_MERGED(ONE_WK("3", "2"), "w3") ", w4 = " ONE_OR_MERGED(ONE_WK("4", "3"),  \
    "w4") ", w5 = " ONE_OR_MERGED(ONE_WK("5", "4"), "w5")
#define MERGE_CTE(name, table, cols, keys, on, conflict)                                       \
    ", " name "u AS (SELECT " keys ", w, 1 AS v, CAST(NULL AS BIGINT) AS ow,"                   \
    " CAST(NULL AS INTEGER) AS oh FROM cv UNION ALL SELECT g.*, unnest(ARRAY[o.w1, o.w2, o.w3," \
    " o.w4, o.w5]), 0, o.workers, " HELD_O " FROM (SELECT " keys " FROM cv GROUP BY " keys      \
    " HAVING min(w) < max(w)) g JOIN " table " o ON " on "), " name " AS (INSERT INTO " table   \
    " AS r (" cols ", visits, workers, w1, w2, w3, w4, w5) SELECT " keys ", n, CASE WHEN ow +"  \
    " LEAST(5, coalesce(cardinality(x), 0)) - oh > 5 THEN 5 ELSE ow + LEAST(5,"                 \
    " coalesce(cardinality(x), 0)) - oh END, coalesce(x[1], " NONE "), coalesce(x[2], " NONE   \
    "), coalesce(x[3], " NONE "), coalesce(x[4], " NONE "), coalesce(x[5], " NONE ") FROM"      \
    " (SELECT " keys ", sum(v) AS n, coalesce(max(ow), 0) AS ow, coalesce(max(oh), 0) AS oh,"  \
    " array_agg(DISTINCT w ORDER BY w) FILTER (WHERE w < " NONE ") AS x FROM " name "u"         \
    " GROUP BY " keys ") a ON CONFLICT (" conflict ") DO UPDATE SET" MERGED_SET ")"
#define STATION_COLS "day, station_id, district_code"

const char yz__rollups_pg_ctes[] =
    MERGE_CTE("r1", "rollup_station_days", STATION_COLS, "d, s, dc",
              "o.day = g.d AND o.station_id = g.s", "day, station_id")
    MERGE_CTE("r2", "rollup_station_weeks", STATION_COLS, "wk, s, dc",
              "o.day = g.wk AND o.station_id = g.s AND o.district_code = g.dc", STATION_COLS)
    MERGE_CTE("r3", "rollup_station_months", STATION_COLS, "mo, s, dc",
              "o.day = g.mo AND o.station_id = g.s AND o.district_code = g.dc", STATION_COLS)
    MERGE_CTE("r4", "rollup_district_days", "day, district_code, occupation", "d, dc, occ",
              "o.day = g.d AND o.district_code = g.dc AND o.occupation = g.occ",
              "day, district_code, occupation");

/* --- PostgreSQL: the roll-ups folded from the visits, behind the check-ins ---------------------
 * (issue 16 point 5, fifth step). On PostgreSQL the committer's batch writes only its visits;
 * the roll-ups are folded from the counted visits past a watermark (rollup_state.folded_id) in
 * larger, less frequent batches: one statement reads the visits $1 < id <= $2 with their
 * local day, week and month ($3 the offset) and their stations' districts and workers'
 * occupations as `cv`, and the same CTEs the batch's statement had (yz__rollups_pg_ctes) merge
 * them; the watermark moves in the same transaction, so a fold and its watermark commit or
 * roll back together. Exact without holding the committers' lock: ids are handed out under
 * that lock and the batches commit in the order they hold it, so the visits any snapshot sees
 * are all those up to its largest id (a batch not yet committed has larger ids than every
 * committed one). $2 is read first, and the fold's own snapshot, taken later, sees them all.
 * Folds (on any node) take turns under YZ_DB_LOCK_ROLLUPS, read the watermark after it, and
 * never wait for a check-in's batch, nor a batch for them. */
#define FOLD_OFF "CAST($3 AS BIGINT)"
#define FOLD_CV                                                                                \
    "WITH v0 AS (SELECT v.worker_id AS w, v.station_id AS s, " SQL_LOCAL_DAY("v.at", FOLD_OFF) \
    " AS d FROM visits v WHERE v.id > CAST($1 AS BIGINT)"                                      \
    " AND v.id <= CAST($2 AS BIGINT) AND v.counted = 1), cv AS (SELECT v0.w, v0.s, v0.d, "     \
    SQL_WEEK_OF("v0.d", FOLD_OFF) " AS wk, " SQL_MONTH_OF_PG("v0.d", FOLD_OFF) " AS mo,"      \
    " coalesce(st.district_code, '') AS dc, coalesce(wr.occupation, 'other') AS occ FROM v0"   \
    " LEFT JOIN stations st ON st.id = v0.s LEFT JOIN workers wr ON wr.id = v0.w)"

static pthread_once_t fold_once = PTHREAD_ONCE_INIT;
static char *fold_sql; /* made once */

static void make_fold(void)
{
    yz_buf b;
    yz_buf_init(&b);
    yz_buf_puts(&b, FOLD_CV);
    yz_buf_puts(&b, yz__rollups_pg_ctes);
    yz_buf_puts(&b, " SELECT count(*) FROM cv");
    fold_sql = yz_strdup(b.data);
    yz_buf_fini(&b);
}

static int lock_rollups(yz_db_tx *tx, yz_errinfo *ei);

int yz__rollups_fold(yz_db_tx *tx, int64_t max_ids, int64_t *folded, yz_errinfo *ei)
{
    if (folded)
        *folded = 0;
    if (yz_db_dialect_of(tx) != YZ_DB_PG)
        return YZ_OK;
    int err = lock_rollups(tx, ei);
    if (err)
        return err;
    yz_db_q q;
    yz_db_query(&q, tx,
                "SELECT folded_id, (SELECT coalesce(max(id), 0) FROM visits) FROM rollup_state"
                " WHERE id = 1",
                ei);
    bool found = yz_db_row(&q);
    int64_t lo = found ? yz_db_col_i64(&q, 0) : 0, hi = found ? yz_db_col_i64(&q, 1) : 0;
    err = yz_db_end(&q);
    if (err || !found || hi <= lo)
        return err;
    if (max_ids > 0 && hi - lo > max_ids)
        hi = lo + max_ids;
    pthread_once(&fold_once, make_fold);
    yz_db_query(&q, tx, fold_sql, ei);
    yz_db_i64(&q, lo);
    yz_db_i64(&q, hi);
    yz_db_i64(&q, YZ_ROLLUP_OFFSET_S);
    if (yz_db_row(&q) && folded)
        *folded = yz_db_col_i64(&q, 0);
    err = yz_db_end(&q);
    if (err)
        return err;
    yz_db_query(&q, tx, "UPDATE rollup_state SET folded_id = $1 WHERE id = 1", ei);
    yz_db_i64(&q, hi);
    return yz_db_exec(&q, NULL);
}

static int fold_all_body(yz_db_tx *tx, void *arg, yz_errinfo *ei)
{
    (void)arg;
    return yz__rollups_fold(tx, 0, NULL, ei);
}

/* PostgreSQL: whether visits are past the watermark (read without the lock: a visit
 * committed after this read is not promised to the reader that asked before it). */
static int unfolded_body(yz_db_tx *tx, void *arg, yz_errinfo *ei)
{
    *(bool *)arg = false;
    if (yz_db_dialect_of(tx) != YZ_DB_PG)
        return YZ_OK;
    yz_db_q q;
    yz_db_query(&q, tx,
                "SELECT (SELECT coalesce(max(id), 0) FROM visits) > folded_id FROM rollup_state"
                " WHERE id = 1",
                ei);
    *(bool *)arg = yz_db_row(&q) && yz_db_col_int(&q, 0) != 0;
    return yz_db_end(&q);
}

int yz_store_rollup_fold(yz_store *st, yz_errinfo *ei)
{
    bool behind = false;
    int err = yz_db_run(st, YZ_DB_READ, unfolded_body, &behind, ei);
    if (!err && behind)
        err = yz_db_run(st, YZ_DB_WRITE, fold_all_body, NULL, ei);
    return err;
}

int yz__rollups_add(yz_db_tx *tx, yz_visit *const *v, size_t n, yz_errinfo *ei)
{
    add_ctx a = {0};
    a.items = yz_malloc((n ? n : 1) * sizeof *a.items);
    for (size_t i = 0; i < n; i++)
        if (v[i]->counted)
            a.items[a.n++] = (add_item){yz_rollup_bucket_start(YZ_BUCKET_DAY, v[i]->at), 0,
                                        v[i]->station_id, v[i]->worker_id, NULL, NULL};
    int err = YZ_OK;
    if (a.n)
        err = lookup(tx, &a, ei);
    if (a.n && !err) {
        for (size_t i = 0; i < a.n; i++) {
            a.items[i].district = found_text(&a, 0, a.items[i].station_id, "");
            a.items[i].occupation = found_text(&a, 1, a.items[i].worker_id, "other");
        }
        /* the cells point into the items, so each table's cells are sent before the items
         * are sorted again for the other */
        a.cells = yz_malloc(a.n * sizeof *a.cells);
        size_t failed;
        for (int t = 0; t < ADD__TABLES && !err; t++) {
            for (size_t i = 0; i < a.n; i++)
                a.items[i].day = t == ADD_DISTRICT_DAYS ? a.items[i].at_day
                                                        : yz_rollup_bucket_start(t, a.items[i].at_day);
            a.ncells = 0;
            fold(&a, t, t == ADD_DISTRICT_DAYS ? by_district_cell : by_station_cell);
            err = yz_db_batch(tx, a.ncells, send_add, recv_add, &a, &failed, ei);
        }
    }
    for (int k = 0; k < 2; k++) {
        for (size_t i = 0; i < a.nfound[k]; i++)
            yz_free(a.found[k][i].text);
        yz_free(a.found[k]);
    }
    yz_free(a.cells);
    yz_free(a.items);
    return err;
}

static int regrain(yz_db_tx *tx, int grain, int64_t lo, int64_t hi, bool keep, yz_errinfo *ei);

/* PostgreSQL: take the roll-ups' writers' advisory lock (YZ_DB_LOCK_ROLLUPS) for the rest of
 * `tx`, before reading or writing any roll-up. The fold merges each cell with the row it read
 * in its snapshot (MERGE_CTE); that is exact because nobody changes a roll-up row between
 * that read, taken after the lock, and the commit. SQLite: nothing (one writer at a time). */
static int lock_rollups(yz_db_tx *tx, yz_errinfo *ei)
{
    return yz_db_lock(tx, YZ_DB_LOCK_ROLLUPS, ei);
}

/* The writers of roll-ups other than the fold (the purge, the rebuild, the history import)
 * also take the committers' lock, first (the fold takes only the roll-ups' lock, the
 * committers only theirs: no cycle). */
static int lock_writers(yz_db_tx *tx, yz_errinfo *ei)
{
    int err = yz_db_lock(tx, YZ_DB_LOCK_VISITS, ei);
    return err ? err : lock_rollups(tx, ei);
}

/* --- history kept as totals ------------------------------------------------------------- */

typedef struct hist_row {
    int64_t day, station_id;
    const char *district; /* borrowed from the context's stations */
    const char *occupation;
    int64_t visits, workers;
} hist_row;

typedef struct hist_ctx {
    const yz_visit_day_total *t;
    size_t n;
    int64_t *ids;     /* the stations, ascending ids */
    char **districts; /* their district codes, owned */
    size_t nst;
    hist_row *rows[3]; /* visit_days, station days, district days */
    size_t nrows[3];
} hist_ctx;

static int hist_by_station(const void *a, const void *b)
{
    const hist_row *x = a, *y = b;
    if (x->day != y->day)
        return x->day < y->day ? -1 : 1;
    return x->station_id < y->station_id ? -1 : x->station_id > y->station_id;
}

/* By day, station and occupation: the order of visit_days' key, so rows are appended. */
static int hist_by_key(const void *a, const void *b)
{
    int c = hist_by_station(a, b);
    return c ? c : strcmp(((const hist_row *)a)->occupation, ((const hist_row *)b)->occupation);
}

static int hist_by_district(const void *a, const void *b)
{
    const hist_row *x = a, *y = b;
    if (x->day != y->day)
        return x->day < y->day ? -1 : 1;
    int c = strcmp(x->district, y->district);
    return c ? c : strcmp(x->occupation, y->occupation);
}

static const char *hist_district(const hist_ctx *x, int64_t id)
{
    size_t lo = 0, hi = x->nst;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (x->ids[mid] < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < x->nst && x->ids[lo] == id ? x->districts[lo] : NULL;
}

/* Fold the sorted rows[0] into rows[t] by `cmp`: visits and workers added, workers capped. */
static void hist_fold(hist_ctx *x, int t, int (*cmp)(const void *, const void *))
{
    hist_row *src = yz_malloc((x->nrows[0] ? x->nrows[0] : 1) * sizeof *src);
    memcpy(src, x->rows[0], x->nrows[0] * sizeof *src);
    qsort(src, x->nrows[0], sizeof *src, cmp);
    size_t m = 0;
    for (size_t i = 0; i < x->nrows[0]; i++) {
        if (m && !cmp(&src[m - 1], &src[i])) {
            src[m - 1].visits += src[i].visits;
            src[m - 1].workers += src[i].workers;
        } else {
            src[m++] = src[i];
        }
    }
    for (size_t i = 0; i < m; i++)
        if (src[i].workers > YZ_ROLLUP_K)
            src[i].workers = YZ_ROLLUP_K;
    x->rows[t] = src;
    x->nrows[t] = m;
}

static int hist_check(hist_ctx *x, yz_errinfo *ei)
{
    for (size_t i = 0; i < x->n; i++) {
        const yz_visit_day_total *c = &x->t[i];
        const char *f = NULL, *zh = NULL, *en = NULL;
        if (c->day != yz_rollup_bucket_start(YZ_BUCKET_DAY, c->day))
            f = "day", zh = "不是当地零点", en = "is not a local midnight";
        else if (!hist_district(x, c->station_id))
            f = "station_id", zh = "驿站不存在", en = "is not a station";
        else if (!yz_occupation_name(c->occupation) || !*yz_occupation_name(c->occupation))
            f = "occupation", zh = "职业未知", en = "is not an occupation";
        else if (c->visits < 1 || c->visits > 1000000)
            f = "visits", zh = "应在 1 到 1000000 之间", en = "must be 1..1000000";
        else if (c->workers < 1 || c->workers > c->visits)
            f = "workers", zh = "应在 1 到访问次数之间", en = "must be 1..visits";
        if (f) {
            char field[48];
            snprintf(field, sizeof field, "totals[%zu].%s", i, f);
            char zhm[96], enm[96];
            snprintf(zhm, sizeof zhm, "第 %zu 项的 %s %s", i, f, zh);
            snprintf(enm, sizeof enm, "entry %zu: %s %s", i, f, en);
            return yz_err_set(ei, YZ_EINVAL, field, zhm, enm);
        }
    }
    return YZ_OK;
}

#define HIST_WORKERS(t)                                                                        \
    " workers = CASE WHEN excluded.workers > " t ".workers THEN excluded.workers ELSE " t       \
    ".workers END"

static int send_hist(yz_db_tx *tx, size_t i, yz_db_q *qs, void *arg, yz_errinfo *ei)
{
    hist_ctx *x = arg;
    int t = 0;
    while (i >= x->nrows[t])
        i -= x->nrows[t++];
    const hist_row *r = &x->rows[t][i];
    static const char *const sql[3] = {
        "INSERT INTO visit_days (day, station_id, occupation, visits) VALUES ($1, $2, $3, $4)"
        " ON CONFLICT (day, station_id, occupation)"
        " DO UPDATE SET visits = visit_days.visits + excluded.visits",
        "INSERT INTO rollup_station_days (day, station_id, district_code, visits, workers, w1,"
        " w2, w3, w4, w5) VALUES ($1, $2, $3, $4, $5, " NONE ", " NONE ", " NONE ", " NONE ", "
        NONE ") ON CONFLICT (day, station_id) DO UPDATE SET"
        " visits = rollup_station_days.visits + excluded.visits," HIST_WORKERS(
            "rollup_station_days"),
        "INSERT INTO rollup_district_days (day, district_code, occupation, visits, workers, w1,"
        " w2, w3, w4, w5) VALUES ($1, $2, $3, $4, $5, " NONE ", " NONE ", " NONE ", " NONE ", "
        NONE ") ON CONFLICT (day, district_code, occupation) DO UPDATE SET"
        " visits = rollup_district_days.visits + excluded.visits," HIST_WORKERS(
            "rollup_district_days")};
    yz_db_query(&qs[0], tx, sql[t], ei);
    yz_db_i64(&qs[0], r->day);
    if (t == 2) {
        yz_db_text(&qs[0], r->district);
    } else {
        yz_db_i64(&qs[0], r->station_id);
    }
    yz_db_text(&qs[0], t == 1 ? r->district : r->occupation);
    yz_db_i64(&qs[0], r->visits);
    if (t)
        yz_db_i64(&qs[0], r->workers);
    return 1;
}

static int hist_body(yz_db_tx *tx, void *arg, yz_errinfo *ei)
{
    hist_ctx *x = arg;
    size_t cap = 0;
    int err = lock_writers(tx, ei);
    if (err)
        return err;
    for (size_t i = 0; i < x->nst; i++)
        yz_free(x->districts[i]);
    x->nst = 0;
    yz_db_q q;
    yz_db_query(&q, tx, "SELECT id, district_code FROM stations ORDER BY id", ei);
    while (yz_db_row(&q)) {
        if (x->nst == cap) {
            size_t c2 = cap;
            x->ids = yz_db_grow(x->ids, x->nst, &cap, sizeof *x->ids);
            x->districts = yz_db_grow(x->districts, x->nst, &c2, sizeof *x->districts);
        }
        x->ids[x->nst] = yz_db_col_i64(&q, 0);
        x->districts[x->nst] = yz_db_col_str(&q, 1);
        if (!x->districts[x->nst])
            x->districts[x->nst] = yz_strdup("");
        x->nst++;
    }
    err = yz_db_end(&q);
    if (!err)
        err = hist_check(x, ei);
    if (err || !x->n)
        return err;
    int64_t d0 = INT64_MAX, d1 = INT64_MIN;
    for (size_t i = 0; i < x->n; i++) {
        d0 = x->t[i].day < d0 ? x->t[i].day : d0;
        d1 = x->t[i].day > d1 ? x->t[i].day : d1;
    }
    yz_db_query(&q, tx, "SELECT 1 FROM visits WHERE at >= $1 AND at < $2 LIMIT 1", ei);
    yz_db_i64(&q, d0);
    yz_db_i64(&q, d1 + 86400);
    bool kept = yz_db_row(&q);
    err = yz_db_end(&q);
    if (!err && kept)
        err = yz_err_set(ei, YZ_ECONFLICT, "day", "这些日期内仍保留原始签到记录，不能导入汇总",
                         "raw visits are kept within these days: totals cannot be imported");
    if (err)
        return err;
    for (int t = 0; t < 3; t++) {
        yz_free(x->rows[t]);
        x->rows[t] = NULL;
    }
    x->rows[0] = yz_malloc(x->n * sizeof *x->rows[0]);
    x->nrows[0] = x->n;
    for (size_t i = 0; i < x->n; i++) {
        const yz_visit_day_total *c = &x->t[i];
        x->rows[0][i] = (hist_row){c->day, c->station_id, hist_district(x, c->station_id),
                                   yz_occupation_name(c->occupation), c->visits, c->workers};
    }
    qsort(x->rows[0], x->n, sizeof *x->rows[0], hist_by_key);
    hist_fold(x, 1, hist_by_station);
    hist_fold(x, 2, hist_by_district);
    size_t failed;
    err = yz_db_batch(tx, x->nrows[0] + x->nrows[1] + x->nrows[2], send_hist, recv_add, x,
                      &failed, ei);
    /* the weeks and months holding the days, again from their station-days */
    for (int g = YZ_BUCKET_WEEK; g <= YZ_BUCKET_MONTH && !err; g++) {
        int64_t hi = yz_rollup_bucket_next(g, yz_rollup_bucket_start(g, d1));
        err = regrain(tx, g, yz_rollup_bucket_start(g, d0), hi, false, ei);
    }
    return err;
}

int yz_store_visit_history_import(yz_store *st, const yz_visit_day_total *t, size_t n,
                                  yz_errinfo *ei)
{
    hist_ctx x = {.t = t, .n = n};
    int err = yz_db_run(st, YZ_DB_WRITE, hist_body, &x, ei);
    for (size_t i = 0; i < x.nst; i++)
        yz_free(x.districts[i]);
    yz_free(x.districts);
    yz_free(x.ids);
    for (int k = 0; k < 3; k++)
        yz_free(x.rows[k]);
    return err;
}

int yz__rollups_forget_workers(yz_db_tx *tx, int64_t d0, int64_t d1, yz_errinfo *ei)
{
    int err = lock_writers(tx, ei);
    if (err)
        return err;
#define FORGET(table)                                                                          \
    "UPDATE " table " SET w1 = " NONE ", w2 = " NONE ", w3 = " NONE ", w4 = " NONE             \
    ", w5 = " NONE " WHERE day >= $1 AND day < $2"
    static const char *const sql[4] = {FORGET("rollup_station_days"),
                                       FORGET("rollup_station_weeks"),
                                       FORGET("rollup_station_months"),
                                       FORGET("rollup_district_days")};
#undef FORGET
    for (int k = 0; k < 4; k++) {
        yz_db_q q;
        yz_db_query(&q, tx, sql[k], ei);
        /* a week or month that holds one of the days forgets its workers too */
        yz_db_i64(&q, k == 1 || k == 2 ? yz_rollup_bucket_start(k, d0) : d0);
        yz_db_i64(&q, d1);
        err = yz_db_exec(&q, NULL);
        if (err)
            return err;
    }
    return YZ_OK;
}

/* --- weeks and months from the days ------------------------------------------------------- */

/* The week and month roll-ups of the station-days $2 <= day < $3 ($1 the offset), merged as
 * the committer merges: visits added, the five smallest distinct ids of the days' sketches,
 * workers the larger of the days' largest capped count and the ids found (the same as the
 * committer's when no day is purged; a lower bound otherwise). `tail` ends the statement. */
#define WEEK_OF SQL_WEEK_OF("day", "$1")
#define MONTH_OF_SQLITE SQL_MONTH_OF_SQLITE("day", "$1")
#define MONTH_OF_PG SQL_MONTH_OF_PG("day", "$1")
#define DAYS_IN " FROM rollup_station_days WHERE day >= $2 AND day < $3"
#define REGRAIN(table, b, tail)                                                                \
    "INSERT INTO " table " (day, station_id, district_code, visits, workers,"                  \
    " w1, w2, w3, w4, w5) SELECT v.b, v.station_id, v.district_code, v.visits,"                \
    " CASE WHEN v.workers >= coalesce(i.n, 0) THEN v.workers ELSE i.n END,"                    \
    " coalesce(i.w1, " NONE "), coalesce(i.w2, " NONE "), coalesce(i.w3, " NONE "),"           \
    " coalesce(i.w4, " NONE "), coalesce(i.w5, " NONE ") FROM"                                 \
    " (SELECT " b " AS b, station_id, district_code, sum(visits) AS visits,"                   \
    " max(workers) AS workers" DAYS_IN " GROUP BY 1, 2, 3) v LEFT JOIN"                        \
    " (SELECT b, station_id, district_code, CASE WHEN count(*) > 5 THEN 5 ELSE count(*) END"   \
    " AS n, max(CASE WHEN rn = 1 THEN w END) AS w1, max(CASE WHEN rn = 2 THEN w END) AS w2,"   \
    " max(CASE WHEN rn = 3 THEN w END) AS w3, max(CASE WHEN rn = 4 THEN w END) AS w4,"         \
    " max(CASE WHEN rn = 5 THEN w END) AS w5 FROM (SELECT b, station_id, district_code, w,"    \
    " row_number() OVER (PARTITION BY b, station_id, district_code ORDER BY w) AS rn FROM"     \
    " (SELECT DISTINCT " b " AS b, station_id, district_code, w FROM"                          \
    " (SELECT day, station_id, district_code, w1 AS w" DAYS_IN                                 \
    " UNION ALL SELECT day, station_id, district_code, w2" DAYS_IN                             \
    " UNION ALL SELECT day, station_id, district_code, w3" DAYS_IN                             \
    " UNION ALL SELECT day, station_id, district_code, w4" DAYS_IN                             \
    " UNION ALL SELECT day, station_id, district_code, w5" DAYS_IN ") x WHERE w < " NONE       \
    ") y) z GROUP BY 1, 2, 3) i ON i.b = v.b AND i.station_id = v.station_id"                  \
    " AND i.district_code = v.district_code WHERE 1 = 1" tail

static const char *regrain_sql(const yz_db_tx *tx, int grain, bool keep)
{
#define KEEP " ON CONFLICT (day, station_id, district_code) DO NOTHING"
    static const char *const sql[2][2][2] = {
        {{REGRAIN("rollup_station_weeks", WEEK_OF, ""),
          REGRAIN("rollup_station_weeks", WEEK_OF, KEEP)},
         {REGRAIN("rollup_station_months", MONTH_OF_SQLITE, ""),
          REGRAIN("rollup_station_months", MONTH_OF_SQLITE, KEEP)}},
        {{REGRAIN("rollup_station_weeks", WEEK_OF, ""),
          REGRAIN("rollup_station_weeks", WEEK_OF, KEEP)},
         {REGRAIN("rollup_station_months", MONTH_OF_PG, ""),
          REGRAIN("rollup_station_months", MONTH_OF_PG, KEEP)}}};
#undef KEEP
    return sql[yz_db_dialect_of(tx) == YZ_DB_PG][grain == YZ_BUCKET_MONTH][keep];
}

/* Recompute the weeks and months that start in lo <= day < hi from the station-days in that
 * range (lo and hi are bucket starts of each grain, or the ends of time). keep: add only
 * the weeks and months that have no row (the range's rows are kept, not deleted). */
static int regrain(yz_db_tx *tx, int grain, int64_t lo, int64_t hi, bool keep, yz_errinfo *ei)
{
    yz_db_q q;
    int err = YZ_OK;
    if (!keep) {
        yz_db_query(&q, tx,
                    grain == YZ_BUCKET_MONTH
                        ? "DELETE FROM rollup_station_months WHERE day >= $1 AND day < $2"
                        : "DELETE FROM rollup_station_weeks WHERE day >= $1 AND day < $2",
                    ei);
        yz_db_i64(&q, lo);
        yz_db_i64(&q, hi);
        err = yz_db_exec(&q, NULL);
    }
    if (err)
        return err;
    yz_db_query(&q, tx, regrain_sql(tx, grain, keep), ei);
    yz_db_i64(&q, YZ_ROLLUP_OFFSET_S);
    yz_db_i64(&q, lo);
    yz_db_i64(&q, hi);
    return yz_db_exec(&q, NULL);
}

/* The first start of a `grain` bucket at or after local day `day`. */
static int64_t bucket_ceil(int grain, int64_t day)
{
    int64_t s = yz_rollup_bucket_start(grain, day);
    return s == day ? s : yz_rollup_bucket_next(grain, s);
}

/* --- rebuild ------------------------------------------------------------------------------- */

/* The local midnight of `at` ($1: the offset in seconds), as SQL on an integer column. */
#define LOCAL_DAY(at) SQL_LOCAL_DAY(at, "CAST($1 AS BIGINT)")

/* The sketch of a group of rows (one a distinct worker, numbered rn by worker id). */
#define SKETCH_COLS                                                                            \
    " CASE WHEN count(*) > 5 THEN 5 ELSE count(*) END,"                                        \
    " coalesce(max(CASE WHEN rn = 1 THEN worker_id END), " NONE "),"                           \
    " coalesce(max(CASE WHEN rn = 2 THEN worker_id END), " NONE "),"                           \
    " coalesce(max(CASE WHEN rn = 3 THEN worker_id END), " NONE "),"                           \
    " coalesce(max(CASE WHEN rn = 4 THEN worker_id END), " NONE "),"                           \
    " coalesce(max(CASE WHEN rn = 5 THEN worker_id END), " NONE ")"

/* $1 offset, $2 first day rebuilt. */
#define REBUILD_STATION                                                                        \
    "INSERT INTO rollup_station_days (day, station_id, district_code, visits, workers,"        \
    " w1, w2, w3, w4, w5) SELECT day, station_id, min(district_code), sum(n)," SKETCH_COLS     \
    " FROM (SELECT day, station_id, worker_id, district_code, n, row_number() OVER"            \
    " (PARTITION BY day, station_id ORDER BY worker_id) AS rn FROM"                            \
    " (SELECT " LOCAL_DAY("v.at") " AS day, v.station_id, v.worker_id,"                        \
    " coalesce(s.district_code, '') AS district_code, count(*) AS n FROM visits v"             \
    " LEFT JOIN stations s ON s.id = v.station_id WHERE v.counted = 1 AND v.at >= $2"          \
    " GROUP BY 1, 2, 3, 4) a) b GROUP BY day, station_id"

#define REBUILD_DISTRICT                                                                       \
    "INSERT INTO rollup_district_days (day, district_code, occupation, visits, workers,"       \
    " w1, w2, w3, w4, w5) SELECT day, district_code, occupation, sum(n)," SKETCH_COLS          \
    " FROM (SELECT day, district_code, occupation, worker_id, n, row_number() OVER"            \
    " (PARTITION BY day, district_code, occupation ORDER BY worker_id) AS rn FROM"             \
    " (SELECT " LOCAL_DAY("v.at") " AS day, coalesce(s.district_code, '') AS district_code,"   \
    " coalesce(w.occupation, 'other') AS occupation, v.worker_id, count(*) AS n FROM visits v" \
    " LEFT JOIN stations s ON s.id = v.station_id LEFT JOIN workers w ON w.id = v.worker_id"   \
    " WHERE v.counted = 1 AND v.at >= $2 GROUP BY 1, 2, 3, 4) a) b"                            \
    " GROUP BY day, district_code, occupation"

/* Days purged before the roll-ups existed (before $1, the first day with visits): their day
 * totals, with the workers unknown (1: a lower bound, since a row has a visit). */
#define FROM_DAY_TOTALS_STATION                                                                \
    "INSERT INTO rollup_station_days (day, station_id, district_code, visits, workers,"        \
    " w1, w2, w3, w4, w5) SELECT d.day, d.station_id, coalesce(min(s.district_code), ''),"     \
    " sum(d.visits), 1, " NONE ", " NONE ", " NONE ", " NONE ", " NONE " FROM visit_days d"    \
    " LEFT JOIN stations s ON s.id = d.station_id WHERE d.day < $1 GROUP BY d.day, d.station_id" \
    " ON CONFLICT (day, station_id) DO NOTHING"

#define FROM_DAY_TOTALS_DISTRICT                                                               \
    "INSERT INTO rollup_district_days (day, district_code, occupation, visits, workers,"       \
    " w1, w2, w3, w4, w5) SELECT d.day, coalesce(s.district_code, ''), d.occupation,"          \
    " sum(d.visits), 1, " NONE ", " NONE ", " NONE ", " NONE ", " NONE " FROM visit_days d"    \
    " LEFT JOIN stations s ON s.id = d.station_id WHERE d.day < $1"                            \
    " GROUP BY d.day, coalesce(s.district_code, ''), d.occupation"                             \
    " ON CONFLICT (day, district_code, occupation) DO NOTHING"

typedef struct rebuild_ctx {
    bool once;    /* in: only when rollup_state says not built */
    int64_t rows; /* out: station-days written */
} rebuild_ctx;

static int exec2(yz_db_tx *tx, const char *sql, int64_t a, int64_t b, int nparams, int64_t *ch,
                 yz_errinfo *ei)
{
    yz_db_q q;
    yz_db_query(&q, tx, sql, ei);
    yz_db_i64(&q, a);
    if (nparams > 1)
        yz_db_i64(&q, b);
    return yz_db_exec(&q, ch);
}

static int rebuild_body(yz_db_tx *tx, void *arg, yz_errinfo *ei)
{
    rebuild_ctx *x = arg;
    x->rows = 0;
    yz_db_q q;
    int err = lock_writers(tx, ei);
    if (err)
        return err;
    if (x->once) {
        yz_db_query(&q, tx, "SELECT built FROM rollup_state WHERE id = 1", ei);
        bool built = yz_db_row(&q) && yz_db_col_i64(&q, 0) != 0;
        err = yz_db_end(&q);
        if (err || built)
            return err;
    }
    /* The first day that still has visits: from it on, everything is recomputed; before it,
     * the days are purged and their roll-ups are all that is left. */
    yz_db_query(&q, tx, "SELECT min(at) FROM visits", ei);
    bool any = yz_db_row(&q) && !yz_db_col_null(&q, 0);
    int64_t first = any ? yz_rollup_bucket_start(YZ_BUCKET_DAY, yz_db_col_i64(&q, 0)) : 0;
    err = yz_db_end(&q);
    if (err)
        return err;
    if (any) {
        err = exec2(tx, "DELETE FROM rollup_station_days WHERE day >= $1", first, 0, 1, NULL, ei);
        if (!err)
            err = exec2(tx, "DELETE FROM rollup_district_days WHERE day >= $1", first, 0, 1,
                        NULL, ei);
        if (!err)
            err = exec2(tx, REBUILD_STATION, YZ_ROLLUP_OFFSET_S, first, 2, &x->rows, ei);
        if (!err)
            err = exec2(tx, REBUILD_DISTRICT, YZ_ROLLUP_OFFSET_S, first, 2, NULL, ei);
    } else {
        first = INT64_MAX;
    }
    int64_t more = 0;
    if (!err)
        err = exec2(tx, FROM_DAY_TOTALS_STATION, first, 0, 1, &more, ei);
    if (!err)
        err = exec2(tx, FROM_DAY_TOTALS_DISTRICT, first, 0, 1, NULL, ei);
    x->rows += more;
    /* Weeks and months wholly after the first day with visits are recomputed from the days;
     * those holding a purged day keep their rows (their ids are gone), and any without a row
     * (purged before 0027) get one from the days. */
    for (int g = YZ_BUCKET_WEEK; g <= YZ_BUCKET_MONTH && !err; g++) {
        int64_t cut = any ? bucket_ceil(g, first) : INT64_MAX;
        if (any)
            err = regrain(tx, g, cut, INT64_MAX, false, ei);
        if (!err)
            err = regrain(tx, g, INT64_MIN, cut, true, ei);
    }
    if (!err) {
        /* every visit is in the roll-ups now: the fold starts after the last (PostgreSQL;
         * SQLite's committer keeps its roll-ups in each batch and leaves folded_id alone) */
        yz_db_query(&q, tx,
                    "UPDATE rollup_state SET built = 1, folded_id = (SELECT coalesce(max(id), 0)"
                    " FROM visits) WHERE id = 1",
                    ei);
        err = yz_db_exec(&q, NULL);
    }
    return err;
}

int yz_store_rollup_rebuild(yz_store *st, int64_t *days, yz_errinfo *ei)
{
    rebuild_ctx x = {false, 0};
    int err = yz_db_run(st, YZ_DB_WRITE, rebuild_body, &x, ei);
    if (days)
        *days = err ? 0 : x.rows;
    return err;
}

int yz__rollups_open(yz_store *st, yz_errinfo *ei)
{
    rebuild_ctx x = {true, 0};
    return yz_db_run(st, YZ_DB_WRITE, rebuild_body, &x, ei);
}

/* --- the dashboard's breakdowns ------------------------------------------------------------ */

/* A cell as the first pass sees it. */
typedef struct pass_cell {
    int64_t bucket;
    char *key;
    int64_t visits;
    int64_t workers; /* the largest capped count of one row: a lower bound of the cell's */
    int nids;                /* pass 2: distinct ids seen in the cell's rows, up to 5 */
    int64_t ids[YZ_ROLLUP_K];
} pass_cell;

typedef struct query_ctx {
    const yz_rollup_query *q;
    int grain;      /* the station table of whole weeks or months read, or YZ_BUCKET_DAY */
    int64_t g0, g1; /* the whole buckets of the grain: g0 <= day < g1 (g0 == g1: none) */
    pass_cell *c;   /* out: owned */
    size_t n;
} query_ctx;

/* The SQL of one pass into `out`: pass 1 sums visits and takes the largest per-row worker
 * count; pass 2 reads the sketches of the rows under 5 workers (w5 is none in them), whose
 * distinct ids query_body counts by cell: one scan, no sort (a UNION of the four columns
 * with count(DISTINCT) took 4 scans and a sort of all their ids). By station per week or
 * month, the whole weeks or months in the range come from their own table and only the
 * days of the cut buckets at the ends from the days ($4, $5: the whole buckets). */
static void query_sql(const yz_db_tx *tx, const query_ctx *x, int pass, char *out, size_t cap)
{
    const yz_rollup_query *q = x->q;
    const char *table = q->by == YZ_ROLLUP_BY_STATION ? "rollup_station_days"
                                                      : "rollup_district_days";
    const char *key = q->by == YZ_ROLLUP_BY_STATION    ? "CAST(station_id AS TEXT)"
                      : q->by == YZ_ROLLUP_BY_DISTRICT ? "district_code"
                                                       : "occupation";
    const char *bucket;
    switch (q->bucket) {
    case YZ_BUCKET_WEEK: bucket = SQL_WEEK_OF("day", "$3"); break;
    case YZ_BUCKET_MONTH:
        bucket = yz_db_dialect(tx, SQL_MONTH_OF_SQLITE("day", "$3"), SQL_MONTH_OF_PG("day", "$3"));
        break;
    default: bucket = "day + 0 * $3"; break;
    }
    char src[1024];
    if (x->grain != YZ_BUCKET_DAY) {
        const char *filter = q->district ? " AND district_code = $6" : "";
#define COLS "SELECT day, station_id, district_code, visits, workers, w1, w2, w3, w4 FROM "
        snprintf(src, sizeof src,
                 "(" COLS "%s WHERE day >= $4 AND day < $5%s UNION ALL " COLS
                 "rollup_station_days WHERE day >= $1 AND day < $4%s UNION ALL " COLS
                 "rollup_station_days WHERE day >= $5 AND day < $2%s) t WHERE 1 = 1",
                 x->grain == YZ_BUCKET_MONTH ? "rollup_station_months" : "rollup_station_weeks",
                 filter, filter, filter);
#undef COLS
    } else {
        snprintf(src, sizeof src, "%s WHERE day >= $1 AND day < $2%s", table,
                 q->district ? " AND district_code = $4" : "");
    }
    if (pass == 1) {
        snprintf(out, cap,
                 "SELECT %s AS b, %s AS k, CAST(sum(visits) AS BIGINT), max(workers) FROM %s"
                 " GROUP BY 1, 2",
                 bucket, key, src);
        return;
    }
    snprintf(out, cap, "SELECT %s AS b, %s AS k, w1, w2, w3, w4 FROM %s AND workers < 5", bucket,
             key, src);
}

static void bind_query(yz_db_q *q, const query_ctx *x)
{
    const yz_rollup_query *r = x->q;
    yz_db_i64(q, r->from_day);
    yz_db_i64(q, r->to_day);
    yz_db_i64(q, YZ_ROLLUP_OFFSET_S);
    if (x->grain != YZ_BUCKET_DAY) {
        yz_db_i64(q, x->g0);
        yz_db_i64(q, x->g1);
    }
    if (r->district)
        yz_db_text(q, r->district);
}

static int by_cell(const void *a, const void *b)
{
    const pass_cell *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    if (c)
        return c;
    return x->bucket < y->bucket ? -1 : x->bucket > y->bucket;
}

static void free_pass(pass_cell *c, size_t n)
{
    for (size_t i = 0; c && i < n; i++)
        yz_free(c[i].key);
    yz_free(c);
}

static int query_body(yz_db_tx *tx, void *arg, yz_errinfo *ei)
{
    query_ctx *x = arg;
    free_pass(x->c, x->n); /* a run again starts afresh */
    x->c = NULL;
    x->n = 0;
    size_t cap = 0;
    char sql[4096];
    query_sql(tx, x, 1, sql, sizeof sql);
    yz_db_q q;
    yz_db_query(&q, tx, sql, ei);
    bind_query(&q, x);
    bool unsure = false; /* a cell with 5+ visits whose rows each hold fewer than 5 workers */
    while (yz_db_row(&q)) {
        x->c = yz_db_grow(x->c, x->n, &cap, sizeof *x->c);
        pass_cell *c = &x->c[x->n++];
        c->bucket = yz_db_col_i64(&q, 0);
        c->key = yz_db_col_str(&q, 1);
        if (!c->key)
            c->key = yz_strdup("");
        c->visits = yz_db_col_i64(&q, 2);
        c->workers = yz_db_col_i64(&q, 3);
        c->nids = 0;
        unsure = unsure || (c->workers < YZ_ROLLUP_K && c->visits >= YZ_ROLLUP_K);
    }
    int err = yz_db_end(&q);
    if (err)
        return err;
    if (x->n > 1)
        qsort(x->c, x->n, sizeof *x->c, by_cell);
    if (!unsure)
        return YZ_OK;
    query_sql(tx, x, 2, sql, sizeof sql);
    yz_db_query(&q, tx, sql, ei);
    bind_query(&q, x);
    while (yz_db_row(&q)) {
        pass_cell probe = {.bucket = yz_db_col_i64(&q, 0), .key = (char *)yz_db_col_text(&q, 1)};
        if (!probe.key)
            probe.key = "";
        pass_cell *c = bsearch(&probe, x->c, x->n, sizeof *x->c, by_cell);
        if (!c || c->workers >= YZ_ROLLUP_K)
            continue; /* settled */
        for (int j = 0; j < YZ_ROLLUP_K - 1 && c->nids < YZ_ROLLUP_K; j++) {
            int64_t w = yz_db_col_i64(&q, 2 + j);
            bool seen = w == INT64_MAX; /* none */
            for (int m = 0; m < c->nids && !seen; m++)
                seen = c->ids[m] == w;
            if (!seen)
                c->ids[c->nids++] = w;
        }
        if (c->nids > c->workers)
            c->workers = c->nids;
    }
    return yz_db_end(&q);
}

int yz_store_rollup_query(yz_store *st, const yz_rollup_query *q, yz_rollup_cell **cells,
                          size_t *n, yz_errinfo *ei)
{
    *cells = NULL;
    *n = 0;
    if (q->bucket < 0 || q->bucket >= YZ_BUCKET__COUNT)
        return yz_err_set(ei, YZ_EINVAL, "bucket", "未知的时间粒度", "unknown bucket");
    if (q->by < 0 || q->by >= YZ_ROLLUP_BY__COUNT)
        return yz_err_set(ei, YZ_EINVAL, "by", "未知的分组方式", "unknown breakdown");
    if (q->to_day < q->from_day)
        return yz_err_set(ei, YZ_EINVAL, "to", "to 不能早于 from", "to must not be before from");
    query_ctx x = {q, YZ_BUCKET_DAY, 0, 0, NULL, 0};
    if (q->by == YZ_ROLLUP_BY_STATION && q->bucket != YZ_BUCKET_DAY) {
        /* the whole weeks or months inside the range; none: every day from the days */
        x.grain = q->bucket;
        x.g0 = bucket_ceil(q->bucket, q->from_day);
        x.g1 = yz_rollup_bucket_start(q->bucket, q->to_day);
        if (x.g0 >= x.g1)
            x.g0 = x.g1 = q->to_day;
    }
    /* PostgreSQL: the visits not yet folded go into the roll-ups first, so that the answer
     * holds every visit committed before the request (the committer folds them only now and
     * then) */
    int err = yz_store_rollup_fold(st, ei);
    if (!err)
        err = yz_db_run(st, YZ_DB_READ, query_body, &x, ei);
    if (err) {
        free_pass(x.c, x.n);
        return err;
    }
    yz_rollup_cell *out = yz_calloc(x.n ? x.n : 1, sizeof *out);
    for (size_t i = 0; i < x.n; i++) {
        out[i].bucket = x.c[i].bucket;
        out[i].key = x.c[i].key; /* taken */
        out[i].suppressed = x.c[i].workers < YZ_ROLLUP_K;
        out[i].visits = out[i].suppressed ? 0 : x.c[i].visits;
    }
    yz_free(x.c);
    *cells = out;
    *n = x.n;
    return YZ_OK;
}
