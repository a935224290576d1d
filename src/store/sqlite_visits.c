/* SPDX-License-Identifier: MIT */
/* store/sqlite_visits.c - the visits area of the SQLite backend. Check-ins go through a group
 * commit: each caller queues its visit and sleeps; one committer thread, on a connection of
 * its own, writes everything queued in one transaction (synchronous=FULL, so one WAL fsync for
 * the lot), then wakes the callers with their results. The 2-hour rule is decided by that
 * thread, in queue order, against the database plus the visits already in its transaction, so
 * it holds under any concurrency. Statistics read through the store's main connection. */
#include "store/sqlite_int.h"

#include "core/alloc.h"
#include "core/log.h"
#include "core/time.h"

#include <stdlib.h>
#include <string.h>

#define DEFAULT_BATCH_MAX 4096
#define BUSY_TIMEOUT_MS 10000

typedef struct vq_item {
    yz_visit *v;          /* the caller's, filled by the committer */
    yz_errinfo ei;        /* the result's details */
    int err;              /* the result */
    bool done;            /* set by the committer under vq.mu */
    struct vq_item *next; /* queue link */
} vq_item;

typedef struct vq {
    sq_store *s;
    pthread_mutex_t mu;   /* guards everything below except the statements */
    pthread_cond_t work;  /* the committer waits here for visits or stop */
    pthread_cond_t done;  /* callers wait here for their item's `done` */
    vq_item *head, *tail; /* queued, not yet taken by the committer */
    size_t inflight;      /* callers between enqueue and return */
    bool stop;            /* set by close(): refuse new visits, drain, exit */
    size_t batch_max;     /* visits per transaction at most (YZ_VISIT_BATCH_MAX) */
    pthread_t thread;
    yz_visit_commit_stats counters;
    /* The committer's own (owned by the thread once started). */
    sqlite3 *db; /* own connection, or s->db when `shared` */
    bool shared; /* in-memory databases cannot be opened twice: use s->db + s->mu */
    sqlite3_stmt *begin, *commit, *rollback, *dup, *ins;
} vq;

static void vq_finalize(vq *q)
{
    sqlite3_finalize(q->begin);
    sqlite3_finalize(q->commit);
    sqlite3_finalize(q->rollback);
    sqlite3_finalize(q->dup);
    sqlite3_finalize(q->ins);
    if (!q->shared)
        sqlite3_close(q->db);
}

static int db_fail(vq *q, yz_errinfo *ei, const char *what)
{
    int rc = sqlite3_errcode(q->db);
    const char *m = sqlite3_errmsg(q->db);
    if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
        return yz_err_setf(ei, YZ_EUNAVAIL, "", "数据库繁忙（%s）：%s", "database busy (%s): %s",
                           what, m);
    return yz_err_setf(ei, YZ_EDB, "", "数据库错误（%s）：%s", "database error (%s): %s", what, m);
}

static int step_done(sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

/* Write the batch in one transaction. Returns YZ_OK with each item's visit filled, or an
 * error for the whole batch (rolled back). */
static int write_batch(vq *q, vq_item *batch, yz_errinfo *ei)
{
    if (q->shared)
        pthread_mutex_lock(&q->s->mu);
    int err = YZ_OK;
    if (step_done(q->begin)) {
        err = db_fail(q, ei, "begin");
        goto out;
    }
    int64_t now = yz_time_now();
    for (vq_item *it = batch; it; it = it->next) {
        yz_visit *v = it->v;
        if (v->at == 0)
            v->at = now;
        sqlite3_bind_int64(q->dup, 1, v->worker_id);
        sqlite3_bind_int64(q->dup, 2, v->station_id);
        sqlite3_bind_int64(q->dup, 3, v->at - YZ_VISIT_DEDUPE_S);
        sqlite3_bind_int64(q->dup, 4, v->at + YZ_VISIT_DEDUPE_S);
        int rc = sqlite3_step(q->dup);
        sqlite3_reset(q->dup);
        if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
            err = db_fail(q, ei, "visits");
            break;
        }
        v->counted = rc == SQLITE_DONE;
        sqlite3_bind_int64(q->ins, 1, v->worker_id);
        sqlite3_bind_int64(q->ins, 2, v->station_id);
        sqlite3_bind_int64(q->ins, 3, v->at);
        sqlite3_bind_int(q->ins, 4, v->counted);
        if (step_done(q->ins)) {
            err = db_fail(q, ei, "visits");
            break;
        }
        v->id = sqlite3_last_insert_rowid(q->db);
    }
    if (!err && step_done(q->commit))
        err = db_fail(q, ei, "commit");
    if (err && !sqlite3_get_autocommit(q->db))
        step_done(q->rollback);
out:
    if (q->shared)
        pthread_mutex_unlock(&q->s->mu);
    return err;
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
        int err = write_batch(q, batch, &ei);
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

static int prep(vq *q, const char *sql, sqlite3_stmt **st, yz_errinfo *ei)
{
    if (sqlite3_prepare_v3(q->db, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL) != SQLITE_OK)
        return db_fail(q, ei, "prepare");
    return YZ_OK;
}

static int vq_open(sq_store *s, vq *q, yz_errinfo *ei)
{
    const char *p = s->path;
    q->shared = !p || !*p || !strcmp(p, ":memory:") || !strncmp(p, "file:", 5);
    if (q->shared) {
        q->db = s->db;
    } else {
        int rc = sqlite3_open_v2(p, &q->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
        if (rc != SQLITE_OK)
            return db_fail(q, ei, "open");
        sqlite3_busy_timeout(q->db, BUSY_TIMEOUT_MS);
        if (sqlite3_exec(q->db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;", NULL, NULL,
                         NULL) != SQLITE_OK)
            return db_fail(q, ei, "pragma");
    }
    int err;
    if ((err = prep(q, "BEGIN IMMEDIATE", &q->begin, ei)) ||
        (err = prep(q, "COMMIT", &q->commit, ei)) ||
        (err = prep(q, "ROLLBACK", &q->rollback, ei)) ||
        (err = prep(q,
                    "SELECT 1 FROM visits WHERE worker_id = ? AND station_id = ? AND counted = 1"
                    " AND at > ? AND at < ? LIMIT 1",
                    &q->dup, ei)) ||
        (err = prep(q, "INSERT INTO visits (worker_id, station_id, at, counted) VALUES (?,?,?,?)",
                    &q->ins, ei)))
        return err;
    return YZ_OK;
}

/* The area's queue, started on first use. */
static int get_queue(sq_store *s, vq **out, yz_errinfo *ei)
{
    pthread_mutex_lock(&s->mu);
    vq *q = s->area[YZ_SQ_AREA_VISITS];
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
        err = vq_open(s, q, ei);
        if (!err && pthread_create(&q->thread, NULL, committer, q) != 0)
            err = yz_err_set(ei, YZ_EINTERNAL, "", "无法启动签到写入线程",
                             "cannot start the visit committer thread");
        if (err) {
            vq_finalize(q);
            pthread_cond_destroy(&q->work);
            pthread_cond_destroy(&q->done);
            pthread_mutex_destroy(&q->mu);
            yz_free(q);
            q = NULL;
        } else {
            s->area[YZ_SQ_AREA_VISITS] = q;
        }
    }
    pthread_mutex_unlock(&s->mu);
    *out = q;
    return err;
}

static int sq_record(yz_store *st, yz_visit *v, yz_errinfo *ei)
{
    sq_store *s = (sq_store *)st;
    vq *q;
    int err = get_queue(s, &q, ei);
    if (err)
        return err;
    vq_item it = {.v = v};
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

static void sq_visits_close(yz_store *st)
{
    sq_store *s = (sq_store *)st;
    vq *q = s->area[YZ_SQ_AREA_VISITS];
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
    vq_finalize(q);
    pthread_cond_destroy(&q->work);
    pthread_cond_destroy(&q->done);
    pthread_mutex_destroy(&q->mu);
    yz_free(q);
    s->area[YZ_SQ_AREA_VISITS] = NULL;
}

static void sq_commit_stats(yz_store *st, yz_visit_commit_stats *out)
{
    sq_store *s = (sq_store *)st;
    pthread_mutex_lock(&s->mu);
    vq *q = s->area[YZ_SQ_AREA_VISITS];
    pthread_mutex_unlock(&s->mu);
    memset(out, 0, sizeof *out);
    if (!q)
        return;
    pthread_mutex_lock(&q->mu);
    *out = q->counters;
    pthread_mutex_unlock(&q->mu);
}

static const char *const occ_labels[] = {"外卖骑手", "快递员", "司机", "环卫工人", "其他"};

static const char *const stats_sql[] = {
    [YZ_VISIT_BY_STATION] =
        "SELECT coalesce(s.code, '#' || v.station_id), coalesce(s.name, ''), count(*) AS n"
        " FROM visits v LEFT JOIN stations s ON s.id = v.station_id"
        " WHERE v.counted = 1 AND v.at >= ?1 AND v.at < ?2"
        " GROUP BY v.station_id ORDER BY n DESC, 1",
    [YZ_VISIT_BY_DISTRICT] =
        "SELECT coalesce(s.district_code, 'unknown'), coalesce(d.name, ''), count(*) AS n"
        " FROM visits v LEFT JOIN stations s ON s.id = v.station_id"
        " LEFT JOIN districts d ON d.code = s.district_code"
        " WHERE v.counted = 1 AND v.at >= ?1 AND v.at < ?2"
        " GROUP BY 1 ORDER BY n DESC, 1",
    [YZ_VISIT_BY_DAY] =
        "SELECT strftime('%Y-%m-%d', v.at + ?3, 'unixepoch') AS k, '', count(*) AS n"
        " FROM visits v WHERE v.counted = 1 AND v.at >= ?1 AND v.at < ?2"
        " GROUP BY k ORDER BY k",
    [YZ_VISIT_BY_OCCUPATION] = "SELECT coalesce(w.occupation, 'other'), '', count(*) AS n"
                               " FROM visits v LEFT JOIN workers w ON w.id = v.worker_id"
                               " WHERE v.counted = 1 AND v.at >= ?1 AND v.at < ?2"
                               " GROUP BY 1 ORDER BY n DESC, 1",
};

static int sq_stats(yz_store *st, int group_by, int64_t from, int64_t to, int day_offset_min,
                    yz_visit_row **rows, size_t *n, yz_errinfo *ei)
{
    sq_store *s = (sq_store *)st;
    *rows = NULL;
    *n = 0;
    if (group_by < 0 || group_by >= YZ_VISIT_BY__COUNT)
        return yz_err_set(ei, YZ_EINVAL, "group_by", "未知的分组方式", "unknown group_by");
    sqlite3_stmt *q = NULL;
    yz_visit_row *out = NULL;
    size_t cnt = 0, cap = 0;
    pthread_mutex_lock(&s->mu);
    int err = yz__sq_prepare(s, stats_sql[group_by], &q, ei);
    if (!err) {
        sqlite3_bind_int64(q, 1, from);
        sqlite3_bind_int64(q, 2, to);
        if (group_by == YZ_VISIT_BY_DAY)
            sqlite3_bind_int64(q, 3, (int64_t)day_offset_min * 60);
        int rc;
        while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
            if (cnt == cap) {
                cap = cap ? cap * 2 : 16;
                out = yz_reallocarray(out, cap, sizeof *out);
            }
            yz_visit_row *r = &out[cnt++];
            r->key = yz__sq_col_str(q, 0);
            if (!r->key)
                r->key = yz_strdup("");
            r->visits = sqlite3_column_int64(q, 2);
            if (group_by == YZ_VISIT_BY_DAY) {
                r->label = yz_strdup(r->key);
            } else if (group_by == YZ_VISIT_BY_OCCUPATION) {
                int o = yz_occupation_parse(r->key);
                r->label = yz_strdup(o >= 0 ? occ_labels[o] : "");
            } else {
                r->label = yz__sq_col_str(q, 1);
                if (!r->label)
                    r->label = yz_strdup("");
            }
        }
        if (rc != SQLITE_DONE)
            err = yz__sq_db_err(s, ei, "visits");
        sqlite3_finalize(q);
    }
    pthread_mutex_unlock(&s->mu);
    if (err) {
        yz_visit_rows_free(out, cnt);
        return err;
    }
    *rows = out;
    *n = cnt;
    return YZ_OK;
}

const struct yz_store_visit_ops yz__sqlite_visit_ops = {
    .area = {"visits", sq_visits_close},
    .record = sq_record,
    .stats = sq_stats,
    .commit_stats = sq_commit_stats,
};
