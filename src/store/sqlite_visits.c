/* SPDX-License-Identifier: MIT */
/* store/sqlite_visits.c - the visits area of the SQLite backend. Check-ins go through the
 * group commit of visit_queue.c; its committer thread writes each batch here, on a connection
 * of its own, in one transaction (synchronous=FULL, so one WAL fsync for the lot). The 2-hour
 * rule is decided by that thread, in queue order, against the database plus the visits
 * already in its transaction, so it holds under any concurrency. Statistics read through the
 * store's main connection. */
#include "store/sqlite_int.h"
#include "store/visit_queue.h"

#include "core/alloc.h"

#include <string.h>

#define BUSY_TIMEOUT_MS 10000

/* The committer's connection and statements (owned by the committer thread once started). */
typedef struct sq_visits {
    sq_store *s;
    sqlite3 *db; /* own connection, or s->db when `shared` */
    bool shared; /* in-memory databases cannot be opened twice: use s->db + s->mu */
    sqlite3_stmt *begin, *commit, *rollback, *dup, *ins;
    yz_visit_queue *queue;
} sq_visits;

static void sv_finalize(sq_visits *w)
{
    sqlite3_finalize(w->begin);
    sqlite3_finalize(w->commit);
    sqlite3_finalize(w->rollback);
    sqlite3_finalize(w->dup);
    sqlite3_finalize(w->ins);
    if (!w->shared)
        sqlite3_close(w->db);
}

static int db_fail(sq_visits *w, yz_errinfo *ei, const char *what)
{
    int rc = sqlite3_errcode(w->db);
    const char *m = sqlite3_errmsg(w->db);
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

/* The queue's batch writer: one transaction, the 2-hour rule decided in queue order against
 * the database plus the visits already written in it. */
static int write_batch(void *ctx, yz_visit *const *batch, size_t n, yz_errinfo *ei)
{
    sq_visits *w = ctx;
    if (w->shared)
        pthread_mutex_lock(&w->s->mu);
    int err = YZ_OK;
    if (step_done(w->begin)) {
        err = db_fail(w, ei, "begin");
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        yz_visit *v = batch[i];
        sqlite3_bind_int64(w->dup, 1, v->worker_id);
        sqlite3_bind_int64(w->dup, 2, v->station_id);
        sqlite3_bind_int64(w->dup, 3, v->at - YZ_VISIT_DEDUPE_S);
        sqlite3_bind_int64(w->dup, 4, v->at + YZ_VISIT_DEDUPE_S);
        int rc = sqlite3_step(w->dup);
        sqlite3_reset(w->dup);
        if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
            err = db_fail(w, ei, "visits");
            break;
        }
        v->counted = rc == SQLITE_DONE;
        sqlite3_bind_int64(w->ins, 1, v->worker_id);
        sqlite3_bind_int64(w->ins, 2, v->station_id);
        sqlite3_bind_int64(w->ins, 3, v->at);
        sqlite3_bind_int(w->ins, 4, v->counted);
        if (step_done(w->ins)) {
            err = db_fail(w, ei, "visits");
            break;
        }
        v->id = sqlite3_last_insert_rowid(w->db);
    }
    if (!err && step_done(w->commit))
        err = db_fail(w, ei, "commit");
    if (err && !sqlite3_get_autocommit(w->db))
        step_done(w->rollback);
out:
    if (w->shared)
        pthread_mutex_unlock(&w->s->mu);
    return err;
}

static int prep(sq_visits *w, const char *sql, sqlite3_stmt **st, yz_errinfo *ei)
{
    if (sqlite3_prepare_v3(w->db, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL) != SQLITE_OK)
        return db_fail(w, ei, "prepare");
    return YZ_OK;
}

static int sv_open(sq_store *s, sq_visits *w, yz_errinfo *ei)
{
    const char *p = s->path;
    w->shared = !p || !*p || !strcmp(p, ":memory:") || !strncmp(p, "file:", 5);
    if (w->shared) {
        w->db = s->db;
    } else {
        int rc = sqlite3_open_v2(p, &w->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
        if (rc != SQLITE_OK)
            return db_fail(w, ei, "open");
        sqlite3_busy_timeout(w->db, BUSY_TIMEOUT_MS);
        if (sqlite3_exec(w->db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;", NULL, NULL,
                         NULL) != SQLITE_OK)
            return db_fail(w, ei, "pragma");
    }
    int err;
    if ((err = prep(w, "BEGIN IMMEDIATE", &w->begin, ei)) ||
        (err = prep(w, "COMMIT", &w->commit, ei)) ||
        (err = prep(w, "ROLLBACK", &w->rollback, ei)) ||
        (err = prep(w,
                    "SELECT 1 FROM visits WHERE worker_id = ? AND station_id = ? AND counted = 1"
                    " AND at > ? AND at < ? LIMIT 1",
                    &w->dup, ei)) ||
        (err = prep(w, "INSERT INTO visits (worker_id, station_id, at, counted) VALUES (?,?,?,?)",
                    &w->ins, ei)))
        return err;
    return YZ_OK;
}

/* The area's committer, started on first use. */
static int get_visits(sq_store *s, sq_visits **out, yz_errinfo *ei)
{
    pthread_mutex_lock(&s->mu);
    sq_visits *w = s->area[YZ_SQ_AREA_VISITS];
    int err = YZ_OK;
    if (!w) {
        w = yz_calloc(1, sizeof *w);
        w->s = s;
        err = sv_open(s, w, ei);
        if (!err)
            err = yz__visit_queue_new(write_batch, w, &w->queue, ei);
        if (err) {
            sv_finalize(w);
            yz_free(w);
            w = NULL;
        } else {
            s->area[YZ_SQ_AREA_VISITS] = w;
        }
    }
    pthread_mutex_unlock(&s->mu);
    *out = w;
    return err;
}

static int sq_record(yz_store *st, yz_visit *v, yz_errinfo *ei)
{
    sq_visits *w;
    int err = get_visits((sq_store *)st, &w, ei);
    return err ? err : yz__visit_queue_submit(w->queue, v, ei);
}

static void sq_visits_close(yz_store *st)
{
    sq_store *s = (sq_store *)st;
    sq_visits *w = s->area[YZ_SQ_AREA_VISITS];
    if (!w)
        return;
    yz__visit_queue_free(w->queue); /* writes what is queued first */
    sv_finalize(w);
    yz_free(w);
    s->area[YZ_SQ_AREA_VISITS] = NULL;
}

static void sq_commit_stats(yz_store *st, yz_visit_commit_stats *out)
{
    sq_store *s = (sq_store *)st;
    pthread_mutex_lock(&s->mu);
    sq_visits *w = s->area[YZ_SQ_AREA_VISITS];
    pthread_mutex_unlock(&s->mu);
    memset(out, 0, sizeof *out);
    if (w)
        yz__visit_queue_stats(w->queue, out);
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
