/* SPDX-License-Identifier: MIT */
/* store/pg_visits.c - the visits area of the PostgreSQL backend. Check-ins go through the
 * group commit of visit_queue.c as in SQLite; its committer thread writes each batch here,
 * on a connection of its own, in one transaction (one WAL flush for the lot). The batch
 * transaction holds an advisory lock (YZ_DB_LOCK_VISITS) from its start: visits are written
 * only by committers, one a node, so the lock makes them take turns across all nodes, and at
 * READ COMMITTED each statement sees every batch committed before. The 2-hour rule is then
 * decided in queue order against the database plus the visits already in the batch, exactly
 * as SQLite's single writer does, without SERIALIZABLE's predicate-lock bookkeeping (which
 * cost a fifth of the throughput here). Statistics read through the pool. */
#ifdef YZ_HAVE_PG
#include "store/pg_int.h"
#include "store/visit_queue.h"

#include "core/alloc.h"

#include <string.h>

/* The committer's connection (owned by the committer thread once started). */
typedef struct pg_visits {
    pg_store *s;
    PGconn *conn;
    int prepared_pid; /* the server process the insert was prepared in (0: none yet) */
    yz_visit_queue *queue;
} pg_visits;

/* Guards the creation of the area's committer (s->area[YZ_PG_AREA_VISITS]); held briefly. */
static pthread_mutex_t area_mu = PTHREAD_MUTEX_INITIALIZER;

typedef struct batch_ctx {
    pg_visits *w;
    yz_visit *const *v;
    size_t n;
} batch_ctx;

/* Decide and insert in one statement: it sees the visits inserted before it in this
 * transaction and, under the advisory lock, every batch committed before. */
#define INSERT_VISIT                                                                           \
    "INSERT INTO visits (worker_id, station_id, at, counted)"                                  \
    " SELECT $1::bigint, $2::bigint, $3::bigint, CASE WHEN EXISTS (SELECT 1 FROM visits"       \
    " WHERE worker_id = $1::bigint AND station_id = $2::bigint AND counted = 1"                \
    " AND at > $4::bigint AND at < $5::bigint) THEN 0 ELSE 1 END"                              \
    " RETURNING id, counted"

/* Prepare the insert on the committer's connection, once per server process: a connection
 * reset after a restart of PostgreSQL comes back to a new process without it. */
static int prepare_insert(pg_visits *w, PGconn *c, yz_errinfo *ei)
{
    if (w->prepared_pid && w->prepared_pid == PQbackendPID(c))
        return YZ_OK;
    PGresult *r = PQprepare(c, "insert_visit", INSERT_VISIT, 5, NULL);
    int err = r && PQresultStatus(r) == PGRES_COMMAND_OK ? YZ_OK : yz__pg_fail(c, r, ei);
    PQclear(r);
    if (!err)
        w->prepared_pid = PQbackendPID(c);
    return err;
}

/* The batch body of yz__pg_tx_locked_on. Runs again from the first visit if the transaction
 * is retried (a lost connection), so every visit's decision and id are set afresh on each run
 * (its time was fixed when the batch was taken). The statements go in libpq's pipeline mode: all sent, then all
 * answers read, so a batch costs one round trip to the server instead of one a visit; the
 * server still runs them one after the other, each seeing the ones before. */
static int write_body(pg_store *s, PGconn *c, void *arg, yz_errinfo *ei)
{
    batch_ctx *b = arg;
    int perr = prepare_insert(b->w, c, ei);
    if (perr)
        return perr;
    if (!PQenterPipelineMode(c))
        return yz__pg_fail(c, NULL, ei);
    int err = YZ_OK;
    size_t sent = 0;
    for (; sent < b->n; sent++) {
        const yz_visit *v = b->v[sent];
        yz_pg_params p = {0};
        yz__pg_p_i64(&p, v->worker_id);
        yz__pg_p_i64(&p, v->station_id);
        yz__pg_p_i64(&p, v->at);
        yz__pg_p_i64(&p, v->at - YZ_VISIT_DEDUPE_S);
        yz__pg_p_i64(&p, v->at + YZ_VISIT_DEDUPE_S);
        if (!PQsendQueryPrepared(c, "insert_visit", p.n, p.v, NULL, NULL, 0))
            break;
    }
    if (sent < b->n || !PQpipelineSync(c))
        err = yz__pg_fail(c, NULL, ei);
    /* Read every answer up to the sync (each query's result is followed by a NULL); after
     * a failure the rest come back aborted. */
    for (size_t i = 0; i < sent; i++) {
        PGresult *r = PQgetResult(c);
        if (!r) {
            err = err ? err : yz__pg_fail(c, NULL, ei);
            break;
        }
        if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1) {
            b->v[i]->id = yz__pg_i64(r, 0, 0);
            b->v[i]->counted = yz__pg_i64(r, 0, 1) == 1;
        } else if (!err) {
            err = yz__pg_fail(c, r, ei);
        }
        PQclear(r);
        PQclear(PQgetResult(c)); /* the NULL that ends this query's results */
    }
    return yz__pg_pipeline_end(c, err, ei);
}

/* The queue's batch writer: one transaction on the committer's connection, opened again if
 * it was lost. */
static int write_batch(void *ctx, yz_visit *const *batch, size_t n, yz_errinfo *ei)
{
    pg_visits *w = ctx;
    if (w->conn && PQstatus(w->conn) != CONNECTION_OK) {
        PQfinish(w->conn);
        w->conn = NULL;
    }
    if (!w->conn) {
        w->conn = yz__pg_connect(w->s, ei);
        w->prepared_pid = 0;
        if (!w->conn)
            return YZ_EUNAVAIL;
    }
    batch_ctx b = {w, batch, n};
    return yz__pg_tx_locked_on(w->s, w->conn, YZ_DB_LOCK_VISITS, write_body, &b, ei);
}

/* The area's committer, started on first use. */
static int get_visits(pg_store *s, pg_visits **out, yz_errinfo *ei)
{
    pthread_mutex_lock(&area_mu);
    pg_visits *w = s->area[YZ_PG_AREA_VISITS];
    int err = YZ_OK;
    if (!w) {
        w = yz_calloc(1, sizeof *w);
        w->s = s;
        w->conn = yz__pg_connect(s, ei);
        err = w->conn ? yz__visit_queue_new(write_batch, w, &w->queue, ei) : YZ_EUNAVAIL;
        if (err) {
            PQfinish(w->conn);
            yz_free(w);
            w = NULL;
        } else {
            s->area[YZ_PG_AREA_VISITS] = w;
        }
    }
    pthread_mutex_unlock(&area_mu);
    *out = w;
    return err;
}

static int pg_record(yz_store *st, yz_visit *v, yz_errinfo *ei)
{
    pg_visits *w;
    int err = get_visits((pg_store *)st, &w, ei);
    return err ? err : yz__visit_queue_submit(w->queue, v, ei);
}

static void pg_visits_close(yz_store *st)
{
    pg_store *s = (pg_store *)st;
    pthread_mutex_lock(&area_mu);
    pg_visits *w = s->area[YZ_PG_AREA_VISITS];
    s->area[YZ_PG_AREA_VISITS] = NULL;
    pthread_mutex_unlock(&area_mu);
    if (!w)
        return;
    yz__visit_queue_free(w->queue); /* writes what is queued first */
    PQfinish(w->conn);
    yz_free(w);
}

static void pg_commit_stats(yz_store *st, yz_visit_commit_stats *out)
{
    pg_store *s = (pg_store *)st;
    memset(out, 0, sizeof *out);
    pthread_mutex_lock(&area_mu);
    pg_visits *w = s->area[YZ_PG_AREA_VISITS];
    if (w)
        yz__visit_queue_stats(w->queue, out);
    pthread_mutex_unlock(&area_mu);
}

static const char *const occ_labels[] = {"外卖骑手", "快递员", "司机", "环卫工人", "其他"};

/* Keys are ordered by bytes (COLLATE "C"), as SQLite's default BINARY collation does. */
static const char *const stats_sql[] = {
    [YZ_VISIT_BY_STATION] =
        "SELECT k, l, n FROM (SELECT coalesce(s.code, '#' || v.station_id) AS k,"
        " coalesce(s.name, '') AS l, count(*) AS n"
        " FROM visits v LEFT JOIN stations s ON s.id = v.station_id"
        " WHERE v.counted = 1 AND v.at >= $1::bigint AND v.at < $2::bigint"
        " GROUP BY v.station_id, s.code, s.name) t ORDER BY n DESC, k COLLATE \"C\"",
    [YZ_VISIT_BY_DISTRICT] =
        "SELECT k, l, n FROM (SELECT coalesce(s.district_code, 'unknown') AS k,"
        " coalesce(d.name, '') AS l, count(*) AS n"
        " FROM visits v LEFT JOIN stations s ON s.id = v.station_id"
        " LEFT JOIN districts d ON d.code = s.district_code"
        " WHERE v.counted = 1 AND v.at >= $1::bigint AND v.at < $2::bigint"
        " GROUP BY 1, 2) t ORDER BY n DESC, k COLLATE \"C\"",
    [YZ_VISIT_BY_DAY] =
        "SELECT to_char(to_timestamp(v.at + $3::bigint) AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS k,"
        " '', count(*) AS n"
        " FROM visits v WHERE v.counted = 1 AND v.at >= $1::bigint AND v.at < $2::bigint"
        " GROUP BY k ORDER BY k",
    [YZ_VISIT_BY_OCCUPATION] =
        "SELECT k, l, n FROM (SELECT coalesce(w.occupation, 'other') AS k, '' AS l,"
        " count(*) AS n FROM visits v LEFT JOIN workers w ON w.id = v.worker_id"
        " WHERE v.counted = 1 AND v.at >= $1::bigint AND v.at < $2::bigint"
        " GROUP BY 1) t ORDER BY n DESC, k COLLATE \"C\"",
};

typedef struct stats_ctx {
    int group_by;         /* in */
    int64_t from, to;     /* in: unix seconds */
    int64_t day_offset_s; /* in */
    yz_visit_row *rows;   /* out: owned */
    size_t n;             /* out */
} stats_ctx;

static int stats_body(pg_store *s, PGconn *c, void *arg, yz_errinfo *ei)
{
    stats_ctx *x = arg;
    yz_visit_rows_free(x->rows, x->n);
    x->rows = NULL;
    x->n = 0;
    yz_pg_params p = {0};
    yz__pg_p_i64(&p, x->from);
    yz__pg_p_i64(&p, x->to);
    if (x->group_by == YZ_VISIT_BY_DAY)
        yz__pg_p_i64(&p, x->day_offset_s);
    PGresult *r = yz__pg_query(c, stats_sql[x->group_by], &p, ei);
    if (!r)
        return YZ_EDB;
    size_t cnt = (size_t)PQntuples(r);
    yz_visit_row *out = cnt ? yz_calloc(cnt, sizeof *out) : NULL;
    for (size_t i = 0; i < cnt; i++) {
        yz_visit_row *row = &out[i];
        row->key = yz__pg_str(r, (int)i, 0);
        if (!row->key)
            row->key = yz_strdup("");
        row->visits = yz__pg_i64(r, (int)i, 2);
        if (x->group_by == YZ_VISIT_BY_DAY) {
            row->label = yz_strdup(row->key);
        } else if (x->group_by == YZ_VISIT_BY_OCCUPATION) {
            int o = yz_occupation_parse(row->key);
            row->label = yz_strdup(o >= 0 ? occ_labels[o] : "");
        } else {
            row->label = yz__pg_str(r, (int)i, 1);
            if (!row->label)
                row->label = yz_strdup("");
        }
    }
    PQclear(r);
    x->rows = out;
    x->n = cnt;
    return YZ_OK;
}

static int pg_stats(yz_store *st, int group_by, int64_t from, int64_t to, int day_offset_min,
                    yz_visit_row **rows, size_t *n, yz_errinfo *ei)
{
    *rows = NULL;
    *n = 0;
    if (group_by < 0 || group_by >= YZ_VISIT_BY__COUNT)
        return yz_err_set(ei, YZ_EINVAL, "group_by", "未知的分组方式", "unknown group_by");
    stats_ctx x = {group_by, from, to, (int64_t)day_offset_min * 60, NULL, 0};
    int err = yz__pg_tx((pg_store *)st, stats_body, &x, ei);
    if (err) {
        yz_visit_rows_free(x.rows, x.n);
        return err;
    }
    *rows = x.rows;
    *n = x.n;
    return YZ_OK;
}

const struct yz_store_visit_ops yz__pg_visit_ops = {
    .area = {"visits", pg_visits_close},
    .record = pg_record,
    .stats = pg_stats,
    .commit_stats = pg_commit_stats,
};
#endif
