/* SPDX-License-Identifier: MIT */
/* store/pg_visits.c - the visits area of the PostgreSQL backend. Check-ins go through a group
 * commit as in SQLite: each caller queues its visit and sleeps; one committer thread, on a
 * connection of its own, writes everything queued in one SERIALIZABLE transaction (one WAL
 * flush for the lot), then wakes the callers with their results. The 2-hour rule is decided
 * by that thread, in queue order, against the database plus the visits already in its
 * transaction; SERIALIZABLE (the whole batch retried on a serialization failure, every
 * decision taken again from the database) makes it hold against the committers of other
 * yizhan nodes sharing the database too. Statistics read through the pool. */
#ifdef YZ_HAVE_PG
#include "store/pg_int.h"

#include "core/alloc.h"
#include "core/log.h"
#include "core/time.h"

#include <stdlib.h>
#include <string.h>

#define DEFAULT_BATCH_MAX 4096

typedef struct vq_item {
    yz_visit *v;          /* the caller's, filled by the committer */
    int64_t at_in;        /* v->at as the caller gave it (0 = now), kept for retries */
    yz_errinfo ei;        /* the result's details */
    int err;              /* the result */
    bool done;            /* set by the committer under vq.mu */
    struct vq_item *next; /* queue link */
} vq_item;

typedef struct vq {
    pg_store *s;
    pthread_mutex_t mu;   /* guards everything below except `conn` */
    pthread_cond_t work;  /* the committer waits here for visits or stop */
    pthread_cond_t done;  /* callers wait here for their item's `done` */
    vq_item *head, *tail; /* queued, not yet taken by the committer */
    size_t inflight;      /* callers between enqueue and return */
    bool stop;            /* set by close(): refuse new visits, drain, exit */
    size_t batch_max;     /* visits per transaction at most (YZ_VISIT_BATCH_MAX) */
    pthread_t thread;
    yz_visit_commit_stats counters;
    PGconn *conn; /* the committer's own connection (owned by the thread once started) */
} vq;

/* Guards the creation of the area's queue (s->area[YZ_PG_AREA_VISITS]); held briefly. */
static pthread_mutex_t area_mu = PTHREAD_MUTEX_INITIALIZER;

/* The batch body of yz__pg_tx_on. Runs again from the first visit after a serialization
 * failure, so every visit's time, decision and id are set afresh on each run. */
static int write_batch(pg_store *s, PGconn *c, void *arg, yz_errinfo *ei)
{
    vq_item *batch = arg;
    int64_t now = yz_time_now();
    for (vq_item *it = batch; it; it = it->next) {
        yz_visit *v = it->v;
        v->at = it->at_in ? it->at_in : now;
        yz_pg_params p = {0};
        yz__pg_p_i64(&p, v->worker_id);
        yz__pg_p_i64(&p, v->station_id);
        yz__pg_p_i64(&p, v->at);
        yz__pg_p_i64(&p, v->at - YZ_VISIT_DEDUPE_S);
        yz__pg_p_i64(&p, v->at + YZ_VISIT_DEDUPE_S);
        /* Decide and insert in one statement: it sees the visits inserted before it in this
         * transaction, and SERIALIZABLE guards its read against other committers. */
        PGresult *r = yz__pg_query(
            c,
            "INSERT INTO visits (worker_id, station_id, at, counted)"
            " SELECT $1::bigint, $2::bigint, $3::bigint, CASE WHEN EXISTS (SELECT 1 FROM visits"
            " WHERE worker_id = $1::bigint AND station_id = $2::bigint AND counted = 1"
            " AND at > $4::bigint AND at < $5::bigint) THEN 0 ELSE 1 END"
            " RETURNING id, counted",
            &p, ei);
        if (!r)
            return YZ_EDB;
        v->id = yz__pg_i64(r, 0, 0);
        v->counted = yz__pg_i64(r, 0, 1) == 1;
        PQclear(r);
    }
    return YZ_OK;
}

/* Run one batch on the committer's connection, opening it again if it was lost. */
static int commit_batch(vq *q, vq_item *batch, yz_errinfo *ei)
{
    if (q->conn && PQstatus(q->conn) != CONNECTION_OK) {
        PQfinish(q->conn);
        q->conn = NULL;
    }
    if (!q->conn) {
        q->conn = yz__pg_connect(q->s, ei);
        if (!q->conn)
            return ei->code ? ei->code : YZ_EDB;
    }
    return yz__pg_tx_on(q->s, q->conn, write_batch, batch, ei);
}

static void *committer(void *arg)
{
    vq *q = arg;
    pthread_mutex_lock(&q->mu);
    for (;;) {
        while (!q->head && !q->stop)
            pthread_cond_wait(&q->work, &q->mu);
        if (!q->head)
            break; /* stopped and drained */
        /* Take up to batch_max visits off the queue. */
        vq_item *batch = q->head, *last = q->head;
        size_t n = 1;
        while (last->next && n < q->batch_max) {
            last = last->next;
            n++;
        }
        q->head = last->next;
        if (!q->head)
            q->tail = NULL;
        last->next = NULL;
        pthread_mutex_unlock(&q->mu);

        yz_errinfo ei;
        yz_err_clear(&ei);
        int err = commit_batch(q, batch, &ei);
        if (err)
            yz_log_error("visits: a batch of %zu failed: %s", n, ei.msg_en);

        pthread_mutex_lock(&q->mu);
        if (!err) {
            q->counters.visits += n;
            q->counters.batches++;
            if (n > q->counters.max_batch)
                q->counters.max_batch = n;
        }
        for (vq_item *it = batch, *next; it; it = next) {
            next = it->next; /* the item may vanish once `done` is seen */
            it->err = err;
            if (err)
                it->ei = ei;
            it->done = true;
        }
        pthread_cond_broadcast(&q->done);
    }
    pthread_mutex_unlock(&q->mu);
    return NULL;
}

static void vq_free(vq *q)
{
    PQfinish(q->conn);
    pthread_cond_destroy(&q->work);
    pthread_cond_destroy(&q->done);
    pthread_mutex_destroy(&q->mu);
    yz_free(q);
}

/* The area's queue, started on first use. */
static int get_queue(pg_store *s, vq **out, yz_errinfo *ei)
{
    pthread_mutex_lock(&area_mu);
    vq *q = s->area[YZ_PG_AREA_VISITS];
    int err = YZ_OK;
    if (!q) {
        q = yz_calloc(1, sizeof *q);
        q->s = s;
        q->batch_max = DEFAULT_BATCH_MAX;
        const char *e = getenv("YZ_VISIT_BATCH_MAX");
        if (e) {
            char *end;
            long n = strtol(e, &end, 10);
            if (!*end && n >= 1 && n <= 1000000)
                q->batch_max = (size_t)n;
        }
        pthread_mutex_init(&q->mu, NULL);
        pthread_cond_init(&q->work, NULL);
        pthread_cond_init(&q->done, NULL);
        q->conn = yz__pg_connect(s, ei);
        if (!q->conn)
            err = ei && ei->code ? ei->code : YZ_EDB;
        else if (pthread_create(&q->thread, NULL, committer, q) != 0)
            err = yz_err_set(ei, YZ_EINTERNAL, "", "无法启动签到写入线程",
                             "cannot start the visit committer thread");
        if (err) {
            vq_free(q);
            q = NULL;
        } else {
            s->area[YZ_PG_AREA_VISITS] = q;
        }
    }
    pthread_mutex_unlock(&area_mu);
    *out = q;
    return err;
}

static int pg_record(yz_store *st, yz_visit *v, yz_errinfo *ei)
{
    pg_store *s = (pg_store *)st;
    vq *q;
    int err = get_queue(s, &q, ei);
    if (err)
        return err;
    vq_item it = {.v = v, .at_in = v->at};
    pthread_mutex_lock(&q->mu);
    if (q->stop) {
        pthread_mutex_unlock(&q->mu);
        return yz_err_set(ei, YZ_EUNAVAIL, "", "服务正在关闭", "the store is closing");
    }
    if (q->tail)
        q->tail->next = &it;
    else
        q->head = &it;
    q->tail = &it;
    q->inflight++;
    pthread_cond_signal(&q->work);
    while (!it.done)
        pthread_cond_wait(&q->done, &q->mu);
    err = it.err;
    if (err && ei)
        *ei = it.ei;
    q->inflight--;
    if (q->stop && q->inflight == 0)
        pthread_cond_broadcast(&q->done); /* close() waits for the last caller to leave */
    pthread_mutex_unlock(&q->mu);
    return err;
}

static void pg_visits_close(yz_store *st)
{
    pg_store *s = (pg_store *)st;
    pthread_mutex_lock(&area_mu);
    vq *q = s->area[YZ_PG_AREA_VISITS];
    s->area[YZ_PG_AREA_VISITS] = NULL;
    pthread_mutex_unlock(&area_mu);
    if (!q)
        return;
    pthread_mutex_lock(&q->mu);
    q->stop = true;
    pthread_cond_signal(&q->work);
    pthread_mutex_unlock(&q->mu);
    pthread_join(q->thread, NULL); /* the committer drains the queue before it exits */
    pthread_mutex_lock(&q->mu);
    while (q->inflight > 0)
        pthread_cond_wait(&q->done, &q->mu);
    pthread_mutex_unlock(&q->mu);
    vq_free(q);
}

static void pg_commit_stats(yz_store *st, yz_visit_commit_stats *out)
{
    pg_store *s = (pg_store *)st;
    memset(out, 0, sizeof *out);
    pthread_mutex_lock(&area_mu);
    vq *q = s->area[YZ_PG_AREA_VISITS];
    if (q) {
        pthread_mutex_lock(&q->mu);
        *out = q->counters;
        pthread_mutex_unlock(&q->mu);
    }
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
