/* SPDX-License-Identifier: MIT */
/* store/visits.c - the visits area, written once for both backends on store/db.h: check-ins
 * through the group commit of visit_queue.c and the statistics of counted visits
 * (docs/internals/visits.md).
 *
 * The committer thread writes each batch on a connection of its own (yz_db_conn_run), in one
 * transaction serialised with every other batch on any node (YZ_DB_LOCK_VISITS): visits are
 * written only by committers, so each batch sees all the visits committed before it. The
 * 2-hour rule is decided by one statement a visit, in queue order, against the database plus
 * the visits already inserted in the batch; the batch's statements go through yz_db_batch, so
 * PostgreSQL gets them all in one round trip. */
#include "store/visits.h"

#include "store/db.h"
#include "store/rollups.h"
#include "store/rollups_int.h"
#include "store/visit_queue.h"
#include "store/workers.h"

#include "core/alloc.h"
#include "core/buf.h"
#include "core/log.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *const group_names[] = {"station", "district", "day", "occupation"};

const char *yz_visit_group_name(int g)
{
    return g >= 0 && g < YZ_VISIT_BY__COUNT ? group_names[g] : "";
}

int yz_visit_group_parse(const char *s)
{
    for (int i = 0; s && i < YZ_VISIT_BY__COUNT; i++)
        if (strcmp(group_names[i], s) == 0)
            return i;
    return -1;
}

void yz_visit_rows_free(yz_visit_row *rows, size_t n)
{
    for (size_t i = 0; rows && i < n; i++) {
        yz_free(rows[i].key);
        yz_free(rows[i].label);
    }
    yz_free(rows);
}

/* --- check-ins ----------------------------------------------------------------------------- */

/* A committer thread's writer: its connection, and its place in the queue's turns. */
typedef struct visit_writer {
    yz_db_conn *conn;
    yz_visit_queue *queue; /* set once the queue is made, before any batch */
    int slot;
} visit_writer;

/* PostgreSQL: the thread that folds the visits into the roll-ups (fold_main). */
typedef struct visit_folder {
    yz_db_conn *conn;   /* its own */
    pthread_t thread;
    pthread_mutex_t mu; /* guards stop */
    pthread_cond_t wake;
    bool stop;
    int64_t every_ms; /* YZ_ROLLUP_FOLD_MS */
} visit_folder;

/* A store's committer: started on its first visit, stopped by yz__visits_close. On
 * PostgreSQL, with YZ_VISIT_WRITERS > 1, several writers, each with a connection: one batch's
 * statement waits for the lock inside PostgreSQL while the batch before it runs and commits. */
struct yz_visit_committer {
    visit_writer w[YZ_VISIT_WRITERS_MAX];
    int nw;
    yz_visit_queue *queue;
    visit_folder *folder; /* PostgreSQL only */
};

/* Guards every store's st->visit_committer (its start, stop and counters); held briefly. */
static pthread_mutex_t committer_mu = PTHREAD_MUTEX_INITIALIZER;

/* One visit decided and inserted by one statement: it sees the visits inserted before it in
 * this transaction and every batch committed before. $4 and $5 bound the 2-hour window. */
#define INSERT_VISIT                                                                           \
    "INSERT INTO visits (worker_id, station_id, at, counted, verified)"                        \
    " VALUES ($1, $2, $3, CASE WHEN EXISTS (SELECT 1 FROM visits"                              \
    " WHERE worker_id = $1 AND station_id = $2 AND counted = 1 AND at > $4 AND at < $5)"       \
    " THEN 0 ELSE 1 END, $6)"

/* What each insert answers: PostgreSQL gives it with the insert (RETURNING, nothing more to
 * pay, and the batch stays one round trip); SQLite's RETURNING costs as much as the insert
 * again, so there the batch is read back by one statement after its inserts (READ_BACK). */
#define RETURNING " RETURNING id, counted"

/* The batch's visits hold its $1 highest ids: ids are handed out in order and only
 * committers insert visits, one at a time. Each row is checked against its visit, so a
 * surprise is an error, never a wrong answer. */
#define READ_BACK                                                                              \
    "SELECT id, worker_id, station_id, at, counted FROM visits ORDER BY id DESC LIMIT $1"

typedef struct batch_ctx {
    yz_visit *const *v; /* in: worker_id, station_id, at; out: id, counted */
    size_t n;
} batch_ctx;

/* Item i of the batch: its insert (with RETURNING on PostgreSQL). */
static int send_visit(yz_db_tx *tx, size_t i, yz_db_q *qs, void *arg, yz_errinfo *ei)
{
    const yz_visit *v = ((batch_ctx *)arg)->v[i];
    yz_db_query(&qs[0], tx, yz_db_dialect(tx, INSERT_VISIT, INSERT_VISIT RETURNING), ei);
    yz_db_i64(&qs[0], v->worker_id);
    yz_db_i64(&qs[0], v->station_id);
    yz_db_i64(&qs[0], v->at);
    yz_db_i64(&qs[0], v->at - YZ_VISIT_DEDUPE_S);
    yz_db_i64(&qs[0], v->at + YZ_VISIT_DEDUPE_S);
    yz_db_i64(&qs[0], v->verified ? 1 : 0);
    return 1;
}

/* A row of RETURNING or READ_BACK (id, ..., counted in `counted_col`) into visit `v`. */
static void read_visit(const yz_db_q *q, yz_visit *v, int counted_col)
{
    v->id = yz_db_col_i64(q, 0);
    v->counted = yz_db_col_i64(q, counted_col) == 1;
}

/* Item i's answer: PostgreSQL's RETURNING row; nothing on SQLite (read back after). */
static int recv_visit(yz_db_q *qs, int nq, size_t i, void *arg, yz_errinfo *ei)
{
    if (yz_db_dialect_of(qs[0].tx) == YZ_DB_PG && yz_db_row(&qs[0]))
        read_visit(&qs[0], ((batch_ctx *)arg)->v[i], 1);
    return yz_db_exec(&qs[0], NULL);
}

static int mismatch_err(yz_errinfo *ei)
{
    return yz_err_set(ei, YZ_EINTERNAL, "", "签到写入后读回的记录不符",
                      "the visits read back are not those just written");
}

static int read_back(yz_db_tx *tx, batch_ctx *b, yz_errinfo *ei)
{
    yz_db_q q;
    yz_db_query(&q, tx, READ_BACK, ei);
    yz_db_i64(&q, (int64_t)b->n);
    size_t left = b->n; /* the rows come newest first */
    bool match = true;
    while (left > 0 && yz_db_row(&q)) {
        yz_visit *v = b->v[--left];
        match = match && yz_db_col_i64(&q, 1) == v->worker_id &&
                yz_db_col_i64(&q, 2) == v->station_id && yz_db_col_i64(&q, 3) == v->at;
        read_visit(&q, v, 4);
    }
    int err = yz_db_end(&q);
    if (!err && (left > 0 || !match))
        err = mismatch_err(ei);
    return err;
}

/* --- PostgreSQL: the batch set-wise ---------------------------------------------------------
 * One statement a visit costs PostgreSQL a statement's overhead a visit (the executor's start
 * and end, the EXISTS plan), which capped check-ins near 3,000/s. There the batch is written
 * by one multi-row INSERT that decides the rule set-wise when each worker's visits at one
 * station in the batch share one time (the server's batches: PG_INSERT_FIRSTS); otherwise by
 * two statements: one reads the counted visits of the batch's workers and stations in the
 * batch's 2-hour window, C decides the rule visit by visit in queue order against them and
 * the batch's own counted visits (exactly what the statements one a visit decided), and one
 * multi-row INSERT writes them all. The advisory lock keeps every other committer out between
 * the read and the insert. */

/* The counted visits that may decide the batch's: $1, $2 the pairs (worker, station) as
 * arrays, $3 and $4 the bounds of the batch's window. */
#define PG_NEARBY                                                                              \
    "SELECT v.worker_id, v.station_id, v.at FROM (SELECT DISTINCT w, s FROM"                   \
    " unnest(CAST($1 AS BIGINT[]), CAST($2 AS BIGINT[])) AS p(w, s)) p JOIN visits v"          \
    " ON v.worker_id = p.w AND v.station_id = p.s WHERE v.counted = 1 AND v.at > $3"           \
    " AND v.at < $4"

/* The batch, decided, in queue order: the ids are handed out in that order, and each row
 * comes back to be checked against its visit. */
#define PG_INSERT                                                                              \
    "INSERT INTO visits (worker_id, station_id, at, counted, verified) SELECT w, s, a, c, vf"  \
    " FROM unnest(CAST($1 AS BIGINT[]), CAST($2 AS BIGINT[]), CAST($3 AS BIGINT[]),"           \
    " CAST($4 AS INTEGER[]), CAST($5 AS INTEGER[])) WITH ORDINALITY AS u(w, s, a, c, vf, o)"   \
    " ORDER BY o"                                                                              \
    " RETURNING id, worker_id, station_id, at, counted"

/* The usual batch, where the visits of one worker at one station all have the same time (the
 * server stamps a batch's visits with one time): the first of each pair in queue order ($4
 * is 1) counts unless a counted visit is stored within 2 hours ($5 seconds) of it, and the
 * others of the pair never count (the first, or what blocked it, is 0 seconds from them).
 * One statement, decided and written; it does not see its own rows, nor needs to. $6: each
 * visit's `verified` (0 or 1). */
#define PG_INSERT_FIRSTS                                                                       \
    "INSERT INTO visits (worker_id, station_id, at, counted, verified) SELECT w, s, a,"        \
    " CASE WHEN f = 1"                                                                         \
    " AND NOT EXISTS (SELECT 1 FROM visits v WHERE v.worker_id = u.w AND v.station_id = u.s"    \
    " AND v.counted = 1 AND v.at > u.a - $5 AND v.at < u.a + $5) THEN 1 ELSE 0 END, vf FROM"    \
    " unnest(CAST($1 AS BIGINT[]), CAST($2 AS BIGINT[]), CAST($3 AS BIGINT[]),"                \
    " CAST($4 AS INTEGER[]), CAST($6 AS INTEGER[])) WITH ORDINALITY AS u(w, s, a, f, vf, o)"   \
    " ORDER BY o"                                                                              \
    " RETURNING id, worker_id, station_id, at, counted"

typedef struct pair_at {
    int64_t w, s, at; /* worker, station, unix seconds; `at` is the queue position in `order` */
} pair_at;

static int by_pair_at(const void *a, const void *b)
{
    const pair_at *x = a, *y = b;
    if (x->w != y->w)
        return x->w < y->w ? -1 : 1;
    if (x->s != y->s)
        return x->s < y->s ? -1 : 1;
    return x->at < y->at ? -1 : x->at > y->at;
}

/* A row of PG_INSERT's RETURNING. */
typedef struct returned {
    int64_t id, w, s, at, counted;
} returned;

/* By the first int64_t: returned rows by id. */
static int by_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* An array literal of `n` values from `get` into `b`. */
static void i64_array(yz_buf *b, const batch_ctx *x, int64_t (*get)(const yz_visit *))
{
    yz_buf_putc(b, '{');
    for (size_t i = 0; i < x->n; i++) {
        if (i)
            yz_buf_putc(b, ',');
        yz_buf_int(b, (long long)get(x->v[i]));
    }
    yz_buf_putc(b, '}');
}

static int64_t get_worker(const yz_visit *v) { return v->worker_id; }
static int64_t get_station(const yz_visit *v) { return v->station_id; }
static int64_t get_at(const yz_visit *v) { return v->at; }
static int64_t get_counted(const yz_visit *v) { return v->counted ? 1 : 0; }
static int64_t get_verified(const yz_visit *v) { return v->verified ? 1 : 0; }

/* Whether a counted visit at one of `t[0..n)` is within the 2-hour rule of `at`. */
static bool near_any(const int64_t *t, size_t n, int64_t at)
{
    for (size_t i = 0; i < n; i++)
        if (t[i] > at - YZ_VISIT_DEDUPE_S && t[i] < at + YZ_VISIT_DEDUPE_S)
            return true;
    return false;
}

/* The batch's visits by pair, then queue position (in `at`). Owned. */
static pair_at *by_pair(const batch_ctx *b)
{
    pair_at *order = yz_malloc(b->n * sizeof *order);
    for (size_t i = 0; i < b->n; i++)
        order[i] = (pair_at){b->v[i]->worker_id, b->v[i]->station_id, (int64_t)i};
    qsort(order, b->n, sizeof *order, by_pair_at);
    return order;
}

/* Whether every pair's visits have one time; sets `first` (n, 0 or 1) for PG_INSERT_FIRSTS. */
static bool one_time_a_pair(const batch_ctx *b, const pair_at *order, int64_t *first)
{
    for (size_t i = 0; i < b->n; i++) {
        bool same = i && order[i].w == order[i - 1].w && order[i].s == order[i - 1].s;
        if (same && b->v[order[i].at]->at != b->v[order[i - 1].at]->at)
            return false;
        first[order[i].at] = !same;
    }
    return true;
}

/* Decide every visit of the batch: the counted visits stored near it (`have`, sorted by
 * pair and time) and the batch's visits of the same pair counted before it. */
static void decide(batch_ctx *b, const pair_at *order, const pair_at *have, size_t nhave)
{
    int64_t *mine = yz_malloc(b->n * sizeof *mine); /* a pair's counted times so far */
    size_t lo = 0; /* the pair's first row in `have` */
    for (size_t i = 0; i < b->n;) {
        size_t end = i + 1;
        while (end < b->n && order[end].w == order[i].w && order[end].s == order[i].s)
            end++;
        pair_at key = {order[i].w, order[i].s, INT64_MIN};
        while (lo < nhave && by_pair_at(&have[lo], &key) < 0)
            lo++;
        size_t hi = lo;
        while (hi < nhave && have[hi].w == key.w && have[hi].s == key.s)
            hi++;
        size_t nmine = 0;
        for (; i < end; i++) {
            yz_visit *v = b->v[order[i].at];
            bool near = nmine && near_any(mine, nmine, v->at);
            for (size_t k = lo; k < hi && !near; k++)
                near = have[k].at > v->at - YZ_VISIT_DEDUPE_S &&
                       have[k].at < v->at + YZ_VISIT_DEDUPE_S;
            v->counted = !near;
            if (v->counted)
                mine[nmine++] = v->at;
        }
        lo = hi;
    }
    yz_free(mine);
}

/* The counted visits stored within 2 hours of the batch's pairs into *have (owned, sorted). */
static int read_nearby(yz_db_tx *tx, batch_ctx *b, const char *ws, const char *ss,
                       pair_at **have, size_t *nhave, yz_errinfo *ei)
{
    int64_t lo = INT64_MAX, hi = INT64_MIN;
    for (size_t i = 0; i < b->n; i++) {
        lo = b->v[i]->at < lo ? b->v[i]->at : lo;
        hi = b->v[i]->at > hi ? b->v[i]->at : hi;
    }
    size_t cap = 0;
    yz_db_q q;
    yz_db_query(&q, tx, PG_NEARBY, ei);
    yz_db_text(&q, ws);
    yz_db_text(&q, ss);
    yz_db_i64(&q, lo - YZ_VISIT_DEDUPE_S);
    yz_db_i64(&q, hi + YZ_VISIT_DEDUPE_S);
    while (yz_db_row(&q)) {
        *have = yz_db_grow(*have, *nhave, &cap, sizeof **have);
        (*have)[(*nhave)++] =
            (pair_at){yz_db_col_i64(&q, 0), yz_db_col_i64(&q, 1), yz_db_col_i64(&q, 2)};
    }
    int err = yz_db_end(&q);
    if (!err && *nhave > 1)
        qsort(*have, *nhave, sizeof **have, by_pair_at);
    return err;
}

/* The rows (id, worker, station, at, counted) that the batch's INSERT returned, into its
 * visits: by id they are the visits in queue order, and each is checked against its visit
 * (with `first`, the one-statement rule: counted only if first of its pair; else the decision
 * made in C). Ends q. */
static int read_inserted(yz_db_q *q, batch_ctx *b, const int64_t *first, yz_errinfo *ei)
{
    returned *rows = yz_malloc(b->n * sizeof *rows);
    size_t got = 0;
    bool match = true;
    while (yz_db_row(q)) {
        if (got == b->n) {
            match = false;
            continue;
        }
        rows[got++] = (returned){yz_db_col_i64(q, 0), yz_db_col_i64(q, 1), yz_db_col_i64(q, 2),
                                 yz_db_col_i64(q, 3), yz_db_col_i64(q, 4)};
    }
    int err = yz_db_end(q);
    if (!err && got == b->n) {
        if (got > 1) /* RETURNING gives them in insert order already */
            qsort(rows, got, sizeof *rows, by_i64);
        for (size_t i = 0; i < got; i++) {
            yz_visit *v = b->v[i];
            match = match && rows[i].w == v->worker_id && rows[i].s == v->station_id &&
                    rows[i].at == v->at &&
                    (first ? rows[i].counted <= first[i] : rows[i].counted == (v->counted ? 1 : 0));
            v->id = rows[i].id;
            v->counted = rows[i].counted == 1;
        }
    }
    yz_free(rows);
    if (!err && (got != b->n || !match))
        err = mismatch_err(ei);
    return err;
}

static int pg_write(yz_db_tx *tx, batch_ctx *b, yz_errinfo *ei)
{
    yz_buf ws, ss, ats, cs, vs;
    yz_buf_init(&ws);
    yz_buf_init(&ss);
    yz_buf_init(&ats);
    yz_buf_init(&cs);
    yz_buf_init(&vs);
    i64_array(&vs, b, get_verified);
    i64_array(&ws, b, get_worker);
    i64_array(&ss, b, get_station);
    i64_array(&ats, b, get_at);
    pair_at *order = by_pair(b), *have = NULL;
    size_t nhave = 0;
    int64_t *first = yz_malloc(b->n * sizeof *first);
    bool firsts = one_time_a_pair(b, order, first);
    int err = YZ_OK;
    if (firsts) { /* decided by the insert */
        yz_buf_putc(&cs, '{');
        for (size_t i = 0; i < b->n; i++) {
            if (i)
                yz_buf_putc(&cs, ',');
            yz_buf_int(&cs, (long long)first[i]);
        }
        yz_buf_putc(&cs, '}');
    } else { /* decided here, against one read */
        err = read_nearby(tx, b, ws.data, ss.data, &have, &nhave, ei);
        if (!err) {
            decide(b, order, have, nhave);
            i64_array(&cs, b, get_counted);
        }
    }
    if (!err) {
        yz_db_q q;
        yz_db_query(&q, tx, firsts ? PG_INSERT_FIRSTS : PG_INSERT, ei);
        yz_db_text(&q, ws.data);
        yz_db_text(&q, ss.data);
        yz_db_text(&q, ats.data);
        yz_db_text(&q, cs.data);
        if (firsts)
            yz_db_i64(&q, YZ_VISIT_DEDUPE_S);
        yz_db_text(&q, vs.data);
        err = read_inserted(&q, b, firsts ? first : NULL, ei);
    }
    yz_free(first);
    yz_free(have);
    yz_free(order);
    yz_buf_fini(&ws);
    yz_buf_fini(&ss);
    yz_buf_fini(&ats);
    yz_buf_fini(&cs);
    yz_buf_fini(&vs);
    return err;
}

/* --- PostgreSQL: the usual batch in one statement, one round trip ----------------------------
 * PG_INSERT_FIRSTS, sent with BEGIN, the lock and COMMIT in one pipeline (yz_db_conn_run_one).
 * The roll-ups are not written here: the committer folds them from the visits now and then
 * (fold_due, yz__rollups_fold), so a batch writes its visits only. */
#define PG_ONE_HEAD "WITH ins AS (" PG_INSERT_FIRSTS ")"
#define PG_ONE_TAIL " SELECT id, worker_id, station_id, at, counted FROM ins"

static pthread_once_t pg_one_once = PTHREAD_ONCE_INIT;
static char *pg_one_sql; /* made once; its address names the prepared statement */

static void make_pg_one(void)
{
    yz_buf b;
    yz_buf_init(&b);
    yz_buf_puts(&b, PG_ONE_HEAD);
    yz_buf_puts(&b, PG_ONE_TAIL);
    pg_one_sql = yz_strdup(b.data);
    yz_buf_fini(&b);
}

typedef struct one_ctx {
    visit_writer *w;
    batch_ctx *b;
    const int64_t *first;
    yz_buf arr[6]; /* $k in arr[k-1]: $1..$4 and $6 the visits ($5 a number, index 4
                      unused) */
} one_ctx;

static int send_one(yz_db_tx *tx, size_t i, yz_db_q *qs, void *arg, yz_errinfo *ei)
{
    (void)i;
    one_ctx *x = arg;
    yz_db_query(&qs[0], tx, pg_one_sql, ei);
    for (int k = 0; k < 4; k++)
        yz_db_text(&qs[0], x->arr[k].data);
    yz_db_i64(&qs[0], YZ_VISIT_DEDUPE_S);
    yz_db_text(&qs[0], x->arr[5].data);
    return 1;
}

static int recv_one(yz_db_q *qs, int nq, size_t i, void *arg, yz_errinfo *ei)
{
    (void)nq, (void)i;
    one_ctx *x = arg;
    /* BEGIN and the lock have answered: this batch is next in the database, so the next
     * writer may send its batch to wait behind it (yz__visit_queue_started). */
    yz__visit_queue_started(x->w->queue, x->w->slot);
    return read_inserted(&qs[0], x->b, x->first, ei);
}

/* The batch in one round trip when its rule is decided by the insert (every pair with one
 * time); *done false otherwise (then the caller writes it the other way). */
static int pg_write_one(visit_writer *w, batch_ctx *b, bool *done, yz_errinfo *ei)
{
    pair_at *order = by_pair(b);
    int64_t *first = yz_malloc(b->n * sizeof *first);
    *done = one_time_a_pair(b, order, first);
    yz_free(order);
    if (!*done) {
        yz_free(first);
        return YZ_OK;
    }
    pthread_once(&pg_one_once, make_pg_one);
    one_ctx x = {w, b, first, {{0}}};
    for (int k = 0; k < 6; k++)
        yz_buf_init(&x.arr[k]);
    i64_array(&x.arr[5], b, get_verified);
    i64_array(&x.arr[0], b, get_worker);
    i64_array(&x.arr[1], b, get_station);
    i64_array(&x.arr[2], b, get_at);
    yz_buf_putc(&x.arr[3], '{');
    for (size_t i = 0; i < b->n; i++) {
        if (i)
            yz_buf_putc(&x.arr[3], ',');
        yz_buf_int(&x.arr[3], (long long)first[i]);
    }
    yz_buf_putc(&x.arr[3], '}');
    int err = yz_db_conn_run_one(w->conn, YZ_DB_LOCK_VISITS, send_one, recv_one, &x, ei);
    for (int k = 0; k < 6; k++)
        yz_buf_fini(&x.arr[k]);
    yz_free(first);
    return err;
}

/* May run again (PostgreSQL, a connection lost before COMMIT): every visit's id and decision
 * are set afresh; its time was fixed when the queue took the batch. */
static int batch_body(yz_db_tx *tx, void *arg, yz_errinfo *ei)
{
    batch_ctx *b = arg;
    bool sqlite = yz_db_dialect_of(tx) == YZ_DB_SQLITE;
    size_t failed;
    int err = sqlite ? yz_db_batch(tx, b->n, send_visit, recv_visit, b, &failed, ei)
                     : pg_write(tx, b, ei);
    if (!err && sqlite)
        err = read_back(tx, b, ei);
    /* the dashboard's roll-ups: SQLite, in the same transaction (docs/internals/stats.md);
     * PostgreSQL folds them from the visits later (fold_due) */
    if (!err && sqlite)
        err = yz__rollups_add(tx, b->v, b->n, ei);
    return err;
}

/* --- PostgreSQL: the roll-ups folded behind the check-ins ------------------------------------
 * A batch writes only its visits (the part acknowledged as durable). A thread of its own, on
 * a connection of its own, folds the counted visits past the watermark into the roll-ups
 * every YZ_ROLLUP_FOLD_MS (yz__rollups_fold, under the roll-ups' lock, not the committers':
 * the batches go on meanwhile), and once more when the store closes. One fold covers seconds
 * of check-ins, so a busy station's cell is updated once a fold instead of once a batch.
 * Readers of the roll-ups fold first (yz_store_rollup_fold), so the dashboard answers every
 * visit committed before its request. */
#define FOLD_MS_DEFAULT 2000
#define FOLD_MAX_IDS 200000 /* a fold's ids at most: bounds one transaction after a long pause */

/* Environment variable `name` as a whole decimal number in lo..hi, else `def`. */
static int64_t env_i64(const char *name, int64_t def, int64_t lo, int64_t hi)
{
    const char *e = getenv(name);
    if (!e || !*e)
        return def;
    char *end;
    long long n = strtoll(e, &end, 10);
    return !*end && n >= lo && n <= hi ? (int64_t)n : def;
}

static int fold_body(yz_db_tx *tx, void *arg, yz_errinfo *ei)
{
    int64_t *folded = arg;
    return yz__rollups_fold(tx, FOLD_MAX_IDS, folded, ei);
}

static void fold_now(visit_folder *f)
{
    yz_errinfo ei = {0};
    int64_t folded;
    int err = yz_db_conn_run(f->conn, YZ_DB_LOCK_ROLLUPS, fold_body, &folded, &ei);
    if (err) /* the visits are stored; the next fold, or a reader, takes them */
        yz_log_warn("visits: folding the roll-ups: %s", ei.msg_en);
}

static void *fold_main(void *arg)
{
    visit_folder *f = arg;
    pthread_mutex_lock(&f->mu);
    while (!f->stop) {
        struct timespec until;
        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_sec += f->every_ms / 1000;
        until.tv_nsec += (long)(f->every_ms % 1000) * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        int rc = 0;
        while (!f->stop && rc == 0)
            rc = pthread_cond_timedwait(&f->wake, &f->mu, &until);
        pthread_mutex_unlock(&f->mu);
        fold_now(f); /* when stopping too: a node that stops leaves its visits folded */
        pthread_mutex_lock(&f->mu);
    }
    pthread_mutex_unlock(&f->mu);
    return NULL;
}

static int folder_start(yz_store *st, visit_folder **out, yz_errinfo *ei)
{
    visit_folder *f = yz_calloc(1, sizeof *f);
    int err = yz_db_conn_open(st, &f->conn, ei);
    if (err) {
        yz_free(f);
        return err;
    }
    f->every_ms = env_i64("YZ_ROLLUP_FOLD_MS", FOLD_MS_DEFAULT, 1, 3600000);
    pthread_mutex_init(&f->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&f->wake, &ca);
    pthread_condattr_destroy(&ca);
    if (pthread_create(&f->thread, NULL, fold_main, f) != 0) {
        yz_db_conn_close(f->conn);
        pthread_cond_destroy(&f->wake);
        pthread_mutex_destroy(&f->mu);
        yz_free(f);
        return yz_err_set(ei, YZ_EDB, "db", "无法启动汇总线程", "cannot start the roll-ups' thread");
    }
    *out = f;
    return YZ_OK;
}

static void folder_stop(visit_folder *f)
{
    if (!f)
        return;
    pthread_mutex_lock(&f->mu);
    f->stop = true;
    pthread_cond_signal(&f->wake);
    pthread_mutex_unlock(&f->mu);
    pthread_join(f->thread, NULL);
    yz_db_conn_close(f->conn);
    pthread_cond_destroy(&f->wake);
    pthread_mutex_destroy(&f->mu);
    yz_free(f);
}

/* The queue's batch writer, on writer w's committer thread. The unusual batch's several
 * round trips say nothing to the queue: the next batch waits for this one to be written. */
static int write_batch(void *ctx, yz_visit *const *batch, size_t n, yz_errinfo *ei)
{
    visit_writer *w = ctx;
    batch_ctx b = {batch, n};
    if (yz_db_conn_dialect(w->conn) == YZ_DB_PG) {
        bool done;
        int err = pg_write_one(w, &b, &done, ei);
        if (done)
            return err;
    }
    return yz_db_conn_run(w->conn, YZ_DB_LOCK_VISITS, batch_body, &b, ei);
}

/* Writers on PostgreSQL: 1, or YZ_VISIT_WRITERS (1..YZ_VISIT_WRITERS_MAX). Measured on 2
 * cores, a second writer did not raise the rate and cost PostgreSQL more CPU a visit and a
 * worse p99 (docs/PERFORMANCE.md), so it is only on request. SQLite has one writer at a time
 * whatever the connections, so one there. */
static int writers_wanted(const yz_db_conn *conn)
{
    if (yz_db_conn_dialect(conn) != YZ_DB_PG)
        return 1;
    return (int)env_i64("YZ_VISIT_WRITERS", 1, 1, YZ_VISIT_WRITERS_MAX);
}

static void committer_free(struct yz_visit_committer *c)
{
    yz__visit_queue_free(c->queue); /* writes what is queued first */
    folder_stop(c->folder);         /* then folds it */
    for (int i = 0; i < c->nw; i++)
        yz_db_conn_close(c->w[i].conn);
    yz_free(c);
}

/* The store's committer, started on first use. */
static int get_committer(yz_store *st, struct yz_visit_committer **out, yz_errinfo *ei)
{
    pthread_mutex_lock(&committer_mu);
    struct yz_visit_committer *c = st->visit_committer;
    int err = YZ_OK;
    if (!c) {
        c = yz_calloc(1, sizeof *c);
        err = yz_db_conn_open(st, &c->w[0].conn, ei);
        int want = err ? 1 : writers_wanted(c->w[0].conn);
        c->nw = 1;
        while (!err && c->nw < want)
            err = yz_db_conn_open(st, &c->w[c->nw++].conn, ei);
        void *ctx[YZ_VISIT_WRITERS_MAX];
        for (int i = 0; i < c->nw; i++) {
            c->w[i].slot = i;
            ctx[i] = &c->w[i];
        }
        if (!err && yz_db_conn_dialect(c->w[0].conn) == YZ_DB_PG)
            err = folder_start(st, &c->folder, ei);
        if (!err)
            err = yz__visit_queue_new(write_batch, ctx, c->nw, &c->queue, ei);
        for (int i = 0; !err && i < c->nw; i++)
            c->w[i].queue = c->queue;
        if (err) {
            committer_free(c);
            c = NULL;
        } else {
            st->visit_committer = c;
        }
    }
    pthread_mutex_unlock(&committer_mu);
    *out = c;
    return err;
}

int yz_store_visit_record(yz_store *st, yz_visit *v, yz_errinfo *ei)
{
    struct yz_visit_committer *c;
    int err = get_committer(st, &c, ei);
    return err ? err : yz__visit_queue_submit(c->queue, v, ei);
}

int yz_store_visit_record_async(yz_store *st, yz_visit *v, yz_visit_done_fn *done, void *arg,
                                yz_errinfo *ei)
{
    struct yz_visit_committer *c;
    int err = get_committer(st, &c, ei);
    return err ? err : yz__visit_queue_submit_async(c->queue, v, done, arg, ei);
}

void yz__visits_close(yz_store *st)
{
    pthread_mutex_lock(&committer_mu);
    struct yz_visit_committer *c = st->visit_committer;
    st->visit_committer = NULL;
    pthread_mutex_unlock(&committer_mu);
    if (!c)
        return;
    committer_free(c);
}

void yz_store_visit_commit_stats(yz_store *st, yz_visit_commit_stats *out)
{
    memset(out, 0, sizeof *out);
    pthread_mutex_lock(&committer_mu);
    if (st->visit_committer)
        yz__visit_queue_stats(st->visit_committer->queue, out);
    pthread_mutex_unlock(&committer_mu);
}

/* --- statistics ---------------------------------------------------------------------------- */

static const char *const occ_labels[] = {"外卖骑手", "快递员", "司机", "环卫工人", "其他"};

/* Counted visits in [$1, $2) per station: those still kept, one row each, and the days
 * already purged (visit_days), whose totals count when their local midnight is in range. */
#define PER_STATION_IN_RANGE                                                                   \
    " (SELECT station_id, count(*) AS n FROM visits WHERE counted = 1 AND at >= $1 AND at < $2" \
    " GROUP BY station_id UNION ALL SELECT station_id, sum(visits) FROM visit_days"             \
    " WHERE day >= $1 AND day < $2 GROUP BY station_id) c"

/* Key, label, visits: one row a group, in no order (sorted in C, by bytes on both backends). */
static const char *stats_sql(const yz_db_tx *tx, int group_by)
{
    switch (group_by) {
    case YZ_VISIT_BY_STATION:
        return "SELECT coalesce(s.code, '#' || c.station_id), coalesce(s.name, ''),"
               " CAST(sum(c.n) AS BIGINT) FROM" PER_STATION_IN_RANGE
               " LEFT JOIN stations s ON s.id = c.station_id GROUP BY c.station_id, s.code, s.name";
    case YZ_VISIT_BY_DISTRICT:
        return "SELECT coalesce(s.district_code, 'unknown'), coalesce(d.name, ''),"
               " CAST(sum(c.n) AS BIGINT) FROM" PER_STATION_IN_RANGE
               " LEFT JOIN stations s ON s.id = c.station_id"
               " LEFT JOIN districts d ON d.code = s.district_code GROUP BY 1, 2";
    case YZ_VISIT_BY_DAY: /* the local date of at + $3 seconds */
        return yz_db_dialect(
            tx,
            "SELECT k, '', CAST(sum(n) AS BIGINT) FROM"
            " (SELECT strftime('%Y-%m-%d', at + $3, 'unixepoch') AS k, count(*) AS n"
            " FROM visits WHERE counted = 1 AND at >= $1 AND at < $2 GROUP BY k"
            " UNION ALL SELECT strftime('%Y-%m-%d', day + $3, 'unixepoch'), sum(visits)"
            " FROM visit_days WHERE day >= $1 AND day < $2 GROUP BY 1) c GROUP BY k",
            "SELECT k, '', CAST(sum(n) AS BIGINT) FROM"
            " (SELECT to_char(to_timestamp(at + $3) AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS k,"
            " count(*) AS n FROM visits WHERE counted = 1 AND at >= $1 AND at < $2 GROUP BY k"
            " UNION ALL SELECT to_char(to_timestamp(day + $3) AT TIME ZONE 'UTC', 'YYYY-MM-DD'),"
            " sum(visits) FROM visit_days WHERE day >= $1 AND day < $2 GROUP BY 1) c GROUP BY k");
    default:
        return "SELECT o, '', CAST(sum(n) AS BIGINT) FROM"
               " (SELECT coalesce(w.occupation, 'other') AS o, count(*) AS n"
               " FROM visits v LEFT JOIN workers w ON w.id = v.worker_id"
               " WHERE v.counted = 1 AND v.at >= $1 AND v.at < $2 GROUP BY 1"
               " UNION ALL SELECT occupation, sum(visits) FROM visit_days"
               " WHERE day >= $1 AND day < $2 GROUP BY occupation) c GROUP BY o";
    }
}

/* Days by date; other groups by visits (most first), then key. Keys are unique. */
static int by_key(const void *a, const void *b)
{
    return strcmp(((const yz_visit_row *)a)->key, ((const yz_visit_row *)b)->key);
}

static int by_visits(const void *a, const void *b)
{
    const yz_visit_row *x = a, *y = b;
    if (x->visits != y->visits)
        return x->visits > y->visits ? -1 : 1;
    return strcmp(x->key, y->key);
}

typedef struct stats_ctx {
    int group_by;         /* in */
    int64_t from, to;     /* in: unix seconds */
    int64_t day_offset_s; /* in */
    yz_visit_row *rows;   /* out: owned */
    size_t n;             /* out */
} stats_ctx;

static int stats_body(yz_db_tx *tx, void *arg, yz_errinfo *ei)
{
    stats_ctx *x = arg;
    yz_visit_rows_free(x->rows, x->n); /* a run again starts afresh */
    x->rows = NULL;
    x->n = 0;
    size_t cap = 0;
    yz_db_q q;
    yz_db_query(&q, tx, stats_sql(tx, x->group_by), ei);
    yz_db_i64(&q, x->from);
    yz_db_i64(&q, x->to);
    if (x->group_by == YZ_VISIT_BY_DAY)
        yz_db_i64(&q, x->day_offset_s);
    while (yz_db_row(&q)) {
        x->rows = yz_db_grow(x->rows, x->n, &cap, sizeof *x->rows);
        yz_visit_row *r = &x->rows[x->n++];
        r->key = yz_db_col_str(&q, 0);
        if (!r->key)
            r->key = yz_strdup("");
        r->visits = yz_db_col_i64(&q, 2);
        if (x->group_by == YZ_VISIT_BY_DAY) {
            r->label = yz_strdup(r->key);
        } else if (x->group_by == YZ_VISIT_BY_OCCUPATION) {
            int o = yz_occupation_parse(r->key);
            r->label = yz_strdup(o >= 0 ? occ_labels[o] : "");
        } else {
            r->label = yz_db_col_str(&q, 1);
            if (!r->label)
                r->label = yz_strdup("");
        }
    }
    int err = yz_db_end(&q);
    if (!err && x->n > 1)
        qsort(x->rows, x->n, sizeof *x->rows,
              x->group_by == YZ_VISIT_BY_DAY ? by_key : by_visits);
    return err;
}

int yz_store_visit_stats(yz_store *st, int group_by, int64_t from, int64_t to, int day_offset_min,
                         yz_visit_row **rows, size_t *n, yz_errinfo *ei)
{
    *rows = NULL;
    *n = 0;
    if (group_by < 0 || group_by >= YZ_VISIT_BY__COUNT)
        return yz_err_set(ei, YZ_EINVAL, "group_by", "未知的分组方式", "unknown group_by");
    stats_ctx x = {group_by, from, to, (int64_t)day_offset_min * 60, NULL, 0};
    int err = yz_db_run(st, YZ_DB_READ1, stats_body, &x, ei);
    if (err) {
        yz_visit_rows_free(x.rows, x.n);
        return err;
    }
    *rows = x.rows;
    *n = x.n;
    return YZ_OK;
}

/* --- retention ------------------------------------------------------------------------------ */

/* The local midnight (UTC offset `off_s` seconds) that starts the day of `t`. */
static int64_t local_midnight(int64_t t, int64_t off_s)
{
    int64_t local = t + off_s;
    int64_t day = local / 86400 - (local % 86400 < 0);
    return day * 86400 - off_s;
}

int64_t yz_visit_retention_cutoff(int64_t now, int days, int day_offset_min)
{
    return local_midnight(now - (int64_t)days * 86400, (int64_t)day_offset_min * 60);
}

typedef struct purge_ctx {
    int64_t cutoff;   /* in: a local midnight */
    int64_t off_s;    /* in: the local UTC offset */
    int64_t deleted;  /* out: visits deleted */
    bool none;        /* out: nothing before the cut-off */
} purge_ctx;

/* The oldest local day before the cut-off: its counted visits added to the day totals, then
 * all its visits deleted, in one transaction (run again whole after a serialization failure,
 * e.g. when another node purges the same day: it then finds that day gone). */
static int purge_day_body(yz_db_tx *tx, void *arg, yz_errinfo *ei)
{
    purge_ctx *x = arg;
    x->deleted = 0;
    x->none = false;
    /* PostgreSQL: the visits not yet in the roll-ups go in before any is deleted, under the
     * committers' lock and then the roll-ups' (the order of every writer that takes both) */
    yz_db_q q;
    int err = yz_db_lock(tx, YZ_DB_LOCK_VISITS, ei);
    if (!err)
        err = yz__rollups_fold(tx, 0, NULL, ei);
    if (err)
        return err;
    yz_db_query(&q, tx, "SELECT min(at) FROM visits WHERE at < $1", ei);
    yz_db_i64(&q, x->cutoff);
    bool found = yz_db_row(&q) && !yz_db_col_null(&q, 0);
    int64_t first = found ? yz_db_col_i64(&q, 0) : 0;
    err = yz_db_end(&q);
    if (err || !found) {
        x->none = !err;
        return err;
    }
    int64_t d0 = local_midnight(first, x->off_s), d1 = d0 + 86400;
    if (d1 > x->cutoff)
        d1 = x->cutoff;
    yz_db_query(&q, tx,
                "INSERT INTO visit_days (day, station_id, occupation, visits)"
                " SELECT CAST($1 AS BIGINT), v.station_id, coalesce(w.occupation, 'other'),"
                " count(*) FROM visits v LEFT JOIN workers w ON w.id = v.worker_id"
                " WHERE v.counted = 1 AND v.at >= $1 AND v.at < $2"
                " GROUP BY v.station_id, coalesce(w.occupation, 'other')"
                " ON CONFLICT (day, station_id, occupation)"
                " DO UPDATE SET visits = visit_days.visits + excluded.visits",
                ei);
    yz_db_i64(&q, d0);
    yz_db_i64(&q, d1);
    err = yz_db_exec(&q, NULL);
    if (err)
        return err;
    yz_db_query(&q, tx, "DELETE FROM visits WHERE at >= $1 AND at < $2", ei);
    yz_db_i64(&q, d0);
    yz_db_i64(&q, d1);
    err = yz_db_exec(&q, &x->deleted);
    /* the roll-ups of the day stay, without the workers' ids (docs/internals/stats.md) */
    return err ? err : yz__rollups_forget_workers(tx, d0, d1, ei);
}

/* Whether a visit before the cut-off is left (x->none false). */
static int more_body(yz_db_tx *tx, void *arg, yz_errinfo *ei)
{
    purge_ctx *x = arg;
    yz_db_q q;
    yz_db_query(&q, tx, "SELECT 1 FROM visits WHERE at < $1 LIMIT 1", ei);
    yz_db_i64(&q, x->cutoff);
    x->none = !yz_db_row(&q);
    return yz_db_end(&q);
}

int yz_store_visit_purge(yz_store *st, int64_t cutoff, int day_offset_min, int max_days,
                         yz_visit_purge *out, yz_errinfo *ei)
{
    yz_visit_purge done = {0, 0, false};
    purge_ctx x = {.cutoff = cutoff, .off_s = (int64_t)day_offset_min * 60};
    int err = YZ_OK;
    for (;;) {
        if (max_days > 0 && done.days == max_days) {
            /* whether any is left: one more look, nothing written */
            x.cutoff = cutoff;
            err = yz_db_run(st, YZ_DB_READ1, more_body, &x, ei);
            done.more = !err && !x.none;
            break;
        }
        err = yz_db_run(st, YZ_DB_WRITE, purge_day_body, &x, ei);
        if (err || x.none)
            break;
        done.days++;
        done.visits += x.deleted;
    }
    if (out)
        *out = done;
    return err;
}
