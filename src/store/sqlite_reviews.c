/* SPDX-License-Identifier: MIT */
/* store/sqlite_reviews.c - the reviews area of the SQLite backend: ratings with the
 * one-a-day replacement in one transaction, review status changes, the copy count used to
 * spot repeated text, and the per-station aggregates the API keeps in memory. */
#include "store/sqlite_int.h"

#include "core/alloc.h"
#include "core/time.h"

#include <stdio.h>
#include <string.h>

#define RATING_COLS                                                                                \
    "id, station_id, worker_id, day, stars, tags, text, text_hash, status, reasons, "              \
    "created_at, moderated_at, moderator_note"

static char *col_str0(sqlite3_stmt *q, int i)
{
    char *s = yz__sq_col_str(q, i);
    return s ? s : yz_strdup("");
}

static void read_rating(sqlite3_stmt *q, yz_rating *r)
{
    memset(r, 0, sizeof *r);
    r->id = sqlite3_column_int64(q, 0);
    r->station_id = sqlite3_column_int64(q, 1);
    r->worker_id = sqlite3_column_int64(q, 2);
    r->day = (int32_t)sqlite3_column_int64(q, 3);
    r->stars = sqlite3_column_int(q, 4);
    r->tags = col_str0(q, 5);
    r->text = yz__sq_col_str(q, 6);
    r->text_hash = (uint64_t)sqlite3_column_int64(q, 7);
    r->status = yz_review_status_parse((const char *)sqlite3_column_text(q, 8));
    r->reasons = col_str0(q, 9);
    r->created_at = sqlite3_column_int64(q, 10);
    r->moderated_at = sqlite3_column_int64(q, 11);
    r->moderator_note = yz__sq_col_str(q, 12);
}

static int sq_list_tags(yz_store *st, yz_rating_tag **out, size_t *n, yz_errinfo *ei)
{
    sq_store *s = (sq_store *)st;
    sqlite3_stmt *q = NULL;
    yz_rating_tag *a = NULL;
    size_t len = 0;
    pthread_mutex_lock(&s->mu);
    int err = yz__sq_prepare(s,
                             "SELECT code, label, label_hant, label_en, positive FROM rating_tags"
                             " ORDER BY position",
                             &q, ei);
    if (!err) {
        while (sqlite3_step(q) == SQLITE_ROW) {
            a = yz_reallocarray(a, len + 1, sizeof *a);
            yz_rating_tag *t = &a[len++];
            t->code = col_str0(q, 0);
            t->label = col_str0(q, 1);
            t->label_hant = col_str0(q, 2);
            t->label_en = col_str0(q, 3);
            t->positive = sqlite3_column_int(q, 4) != 0;
        }
        sqlite3_finalize(q);
    }
    pthread_mutex_unlock(&s->mu);
    *out = a;
    *n = len;
    return err;
}

static int sq_list_words(yz_store *st, yz_modword_row **out, size_t *n, yz_errinfo *ei)
{
    sq_store *s = (sq_store *)st;
    sqlite3_stmt *q = NULL;
    yz_modword_row *a = NULL;
    size_t len = 0;
    pthread_mutex_lock(&s->mu);
    int err = yz__sq_prepare(
        s, "SELECT word, kind, weight FROM moderation_words ORDER BY kind, word", &q, ei);
    if (!err) {
        while (sqlite3_step(q) == SQLITE_ROW) {
            a = yz_reallocarray(a, len + 1, sizeof *a);
            yz_modword_row *w = &a[len++];
            w->word = col_str0(q, 0);
            w->kind = col_str0(q, 1);
            w->weight = sqlite3_column_int(q, 2);
        }
        sqlite3_finalize(q);
    }
    pthread_mutex_unlock(&s->mu);
    *out = a;
    *n = len;
    return err;
}

static int step_done(sq_store *s, sqlite3_stmt *q, yz_errinfo *ei, const char *what)
{
    int rc = sqlite3_step(q);
    if (rc != SQLITE_DONE)
        return yz__sq_db_err(s, ei, what);
    return YZ_OK;
}

/* Inside the transaction of sq_rate. */
static int rate_locked(sq_store *s, yz_rating *r, yz_rating_delta *d, yz_errinfo *ei)
{
    sqlite3_stmt *q = NULL;
    int64_t old_id = 0;
    int old_stars = 0;
    bool old_counted = false;
    int err = yz__sq_prepare(s,
                             "SELECT id, stars, status FROM ratings WHERE worker_id = ? AND"
                             " station_id = ? AND day = ? AND active = 1",
                             &q, ei);
    if (err)
        return err;
    sqlite3_bind_int64(q, 1, r->worker_id);
    sqlite3_bind_int64(q, 2, r->station_id);
    sqlite3_bind_int64(q, 3, r->day);
    if (sqlite3_step(q) == SQLITE_ROW) {
        old_id = sqlite3_column_int64(q, 0);
        old_stars = sqlite3_column_int(q, 1);
        old_counted = strcmp((const char *)sqlite3_column_text(q, 2), "rejected") != 0;
    }
    sqlite3_finalize(q);
    if (old_id) {
        err = yz__sq_prepare(s, "UPDATE ratings SET active = 0 WHERE id = ?", &q, ei);
        if (err)
            return err;
        sqlite3_bind_int64(q, 1, old_id);
        err = step_done(s, q, ei, "ratings");
        sqlite3_finalize(q);
        if (err)
            return err;
    }
    err = yz__sq_prepare(s,
                         "INSERT INTO ratings (station_id, worker_id, day, stars, tags, text,"
                         " text_hash, status, reasons, created_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
                         &q, ei);
    if (err)
        return err;
    r->created_at = yz_time_now();
    sqlite3_bind_int64(q, 1, r->station_id);
    sqlite3_bind_int64(q, 2, r->worker_id);
    sqlite3_bind_int64(q, 3, r->day);
    sqlite3_bind_int(q, 4, r->stars);
    sqlite3_bind_text(q, 5, r->tags ? r->tags : "", -1, SQLITE_STATIC);
    yz__sq_bind_str(q, 6, r->text);
    if (r->text_hash)
        sqlite3_bind_int64(q, 7, (int64_t)r->text_hash);
    else
        sqlite3_bind_null(q, 7);
    sqlite3_bind_text(q, 8, yz_review_status_name(r->status), -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 9, r->reasons ? r->reasons : "", -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 10, r->created_at);
    err = step_done(s, q, ei, "ratings");
    sqlite3_finalize(q);
    if (err)
        return err;
    r->id = sqlite3_last_insert_rowid(s->db);
    if (old_id) {
        err = yz__sq_prepare(s, "UPDATE ratings SET replaced_by = ? WHERE id = ?", &q, ei);
        if (err)
            return err;
        sqlite3_bind_int64(q, 1, r->id);
        sqlite3_bind_int64(q, 2, old_id);
        err = step_done(s, q, ei, "ratings");
        sqlite3_finalize(q);
        if (err)
            return err;
    }
    bool counted = r->status != YZ_REVIEW_REJECTED;
    d->station_id = r->station_id;
    d->count = (int)counted - (int)old_counted;
    d->sum = (counted ? r->stars : 0) - (old_counted ? old_stars : 0);
    d->replaced = old_id != 0;
    return YZ_OK;
}

static int sq_rate(yz_store *st, yz_rating *r, yz_rating_delta *d, yz_errinfo *ei)
{
    sq_store *s = (sq_store *)st;
    memset(d, 0, sizeof *d);
    pthread_mutex_lock(&s->mu);
    int err = yz__sq_begin(s, ei);
    if (!err) {
        err = rate_locked(s, r, d, ei);
        err = yz__sq_finish(s, err, ei);
    }
    pthread_mutex_unlock(&s->mu);
    if (err)
        memset(d, 0, sizeof *d);
    return err;
}

static int sq_count_copies(yz_store *st, uint64_t hash, int64_t since, int64_t *n, yz_errinfo *ei)
{
    sq_store *s = (sq_store *)st;
    sqlite3_stmt *q = NULL;
    *n = 0;
    pthread_mutex_lock(&s->mu);
    int err = yz__sq_prepare(
        s, "SELECT count(*) FROM ratings WHERE text_hash = ? AND created_at >= ?", &q, ei);
    if (!err) {
        sqlite3_bind_int64(q, 1, (int64_t)hash);
        sqlite3_bind_int64(q, 2, since);
        if (sqlite3_step(q) == SQLITE_ROW)
            *n = sqlite3_column_int64(q, 0);
        else
            err = yz__sq_db_err(s, ei, "ratings");
        sqlite3_finalize(q);
    }
    pthread_mutex_unlock(&s->mu);
    return err;
}

static int sq_list_reviews(yz_store *st, int64_t station_id, int status, int64_t offset,
                           int64_t limit, yz_rating **out, size_t *n, int64_t *total,
                           yz_errinfo *ei)
{
    sq_store *s = (sq_store *)st;
    sqlite3_stmt *q = NULL;
    yz_rating *a = NULL;
    size_t len = 0;
    *out = NULL;
    *n = 0;
    *total = 0;
    if (status < 0 || status >= YZ_REVIEW__COUNT)
        return yz_err_set(ei, YZ_EINVAL, "status", NULL, NULL);
    /* the status is a literal so that the partial indexes apply */
    char where[160], sql[400];
    snprintf(where, sizeof where, "WHERE active = 1 AND status = '%s'%s",
             yz_review_status_name(status), station_id ? " AND station_id = ?1" : "");
    pthread_mutex_lock(&s->mu);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM ratings %s", where);
    int err = yz__sq_prepare(s, sql, &q, ei);
    if (!err) {
        if (station_id)
            sqlite3_bind_int64(q, 1, station_id);
        if (sqlite3_step(q) == SQLITE_ROW)
            *total = sqlite3_column_int64(q, 0);
        else
            err = yz__sq_db_err(s, ei, "ratings");
        sqlite3_finalize(q);
    }
    if (!err) {
        snprintf(sql, sizeof sql,
                 "SELECT " RATING_COLS " FROM ratings %s ORDER BY created_at DESC, id DESC"
                 " LIMIT ?2 OFFSET ?3",
                 where);
        err = yz__sq_prepare(s, sql, &q, ei);
    }
    if (!err) {
        if (station_id)
            sqlite3_bind_int64(q, 1, station_id);
        sqlite3_bind_int64(q, 2, limit);
        sqlite3_bind_int64(q, 3, offset);
        int rc;
        while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
            a = yz_reallocarray(a, len + 1, sizeof *a);
            read_rating(q, &a[len++]);
        }
        if (rc != SQLITE_DONE)
            err = yz__sq_db_err(s, ei, "ratings");
        sqlite3_finalize(q);
    }
    pthread_mutex_unlock(&s->mu);
    if (err) {
        yz_ratings_free(a, len);
        *total = 0;
        return err;
    }
    *out = a;
    *n = len;
    return YZ_OK;
}

/* With the mutex held. */
static int get_locked(sq_store *s, int64_t id, yz_rating *out, bool *active, yz_errinfo *ei)
{
    sqlite3_stmt *q = NULL;
    int err = yz__sq_prepare(s, "SELECT " RATING_COLS ", active FROM ratings WHERE id = ?", &q, ei);
    if (err)
        return err;
    sqlite3_bind_int64(q, 1, id);
    if (sqlite3_step(q) == SQLITE_ROW) {
        read_rating(q, out);
        if (active)
            *active = sqlite3_column_int(q, 13) != 0;
    } else {
        err = yz_err_setf(ei, YZ_ENOTFOUND, "id", "评价 %lld 不存在", "rating %lld not found",
                          (long long)id);
    }
    sqlite3_finalize(q);
    return err;
}

static int sq_get(yz_store *st, int64_t id, yz_rating *out, yz_errinfo *ei)
{
    sq_store *s = (sq_store *)st;
    memset(out, 0, sizeof *out);
    pthread_mutex_lock(&s->mu);
    int err = get_locked(s, id, out, NULL, ei);
    pthread_mutex_unlock(&s->mu);
    return err;
}

static int moderate_locked(sq_store *s, int64_t id, int status, const char *note, yz_rating *out,
                           yz_rating_delta *d, yz_errinfo *ei)
{
    bool active = false;
    yz_rating cur;
    int err = get_locked(s, id, &cur, &active, ei);
    if (err)
        return err;
    int from = cur.status;
    int64_t station = cur.station_id;
    int stars = cur.stars;
    yz_rating_fini(&cur);
    if ((err = yz_review_check_moderation(from, status, ei)))
        return err;
    sqlite3_stmt *q = NULL;
    err = yz__sq_prepare(s,
                         "UPDATE ratings SET status = ?, moderated_at = ?, moderator_note = ?"
                         " WHERE id = ?",
                         &q, ei);
    if (err)
        return err;
    sqlite3_bind_text(q, 1, yz_review_status_name(status), -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 2, yz_time_now());
    yz__sq_bind_str(q, 3, note);
    sqlite3_bind_int64(q, 4, id);
    err = step_done(s, q, ei, "ratings");
    sqlite3_finalize(q);
    if (err)
        return err;
    d->station_id = station;
    if (active) {
        int was = from != YZ_REVIEW_REJECTED, now = status != YZ_REVIEW_REJECTED;
        d->count = now - was;
        d->sum = (now - was) * stars;
    }
    return get_locked(s, id, out, NULL, ei);
}

static int sq_moderate(yz_store *st, int64_t id, int status, const char *note, yz_rating *out,
                       yz_rating_delta *d, yz_errinfo *ei)
{
    sq_store *s = (sq_store *)st;
    memset(out, 0, sizeof *out);
    memset(d, 0, sizeof *d);
    if (status != YZ_REVIEW_PUBLISHED && status != YZ_REVIEW_REJECTED)
        return yz_err_set(ei, YZ_EINVAL, "status", NULL, NULL);
    pthread_mutex_lock(&s->mu);
    int err = yz__sq_begin(s, ei);
    if (!err) {
        err = moderate_locked(s, id, status, note, out, d, ei);
        err = yz__sq_finish(s, err, ei);
    }
    pthread_mutex_unlock(&s->mu);
    if (err) {
        yz_rating_fini(out);
        memset(out, 0, sizeof *out);
        memset(d, 0, sizeof *d);
    }
    return err;
}

static int sq_aggregates(yz_store *st, yz_rating_agg **out, size_t *n, yz_errinfo *ei)
{
    sq_store *s = (sq_store *)st;
    sqlite3_stmt *q = NULL;
    yz_rating_agg *a = NULL;
    size_t len = 0;
    pthread_mutex_lock(&s->mu);
    int err = yz__sq_prepare(s,
                             "SELECT station_id, count(*), sum(stars) FROM ratings"
                             " WHERE active = 1 AND status <> 'rejected' GROUP BY station_id",
                             &q, ei);
    if (!err) {
        while (sqlite3_step(q) == SQLITE_ROW) {
            a = yz_reallocarray(a, len + 1, sizeof *a);
            a[len].station_id = sqlite3_column_int64(q, 0);
            a[len].count = sqlite3_column_int64(q, 1);
            a[len].sum = sqlite3_column_int64(q, 2);
            len++;
        }
        sqlite3_finalize(q);
    }
    pthread_mutex_unlock(&s->mu);
    *out = a;
    *n = len;
    return err;
}

static int sq_aggregate(yz_store *st, int64_t station_id, yz_rating_agg *out, yz_errinfo *ei)
{
    sq_store *s = (sq_store *)st;
    sqlite3_stmt *q = NULL;
    *out = (yz_rating_agg){station_id, 0, 0};
    pthread_mutex_lock(&s->mu);
    int err = yz__sq_prepare(s,
                             "SELECT count(*), coalesce(sum(stars), 0) FROM ratings"
                             " WHERE station_id = ? AND active = 1 AND status <> 'rejected'",
                             &q, ei);
    if (!err) {
        sqlite3_bind_int64(q, 1, station_id);
        if (sqlite3_step(q) == SQLITE_ROW) {
            out->count = sqlite3_column_int64(q, 0);
            out->sum = sqlite3_column_int64(q, 1);
        } else {
            err = yz__sq_db_err(s, ei, "ratings");
        }
        sqlite3_finalize(q);
    }
    pthread_mutex_unlock(&s->mu);
    return err;
}

const struct yz_store_review_ops yz__sqlite_review_ops = {
    .area = {"reviews", NULL},
    .list_tags = sq_list_tags,
    .list_words = sq_list_words,
    .rate = sq_rate,
    .count_copies = sq_count_copies,
    .list_reviews = sq_list_reviews,
    .get = sq_get,
    .moderate = sq_moderate,
    .aggregates = sq_aggregates,
    .aggregate = sq_aggregate,
};
