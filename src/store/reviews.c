/* SPDX-License-Identifier: MIT */
/* store/reviews.c - the reviews area: its names and record helpers, and its ratings in the
 * store, written once for both backends (store/db.h). A rating replaces the worker's rating of
 * the station that day in one write transaction, with the unique index ratings_one_a_day as the
 * last line of defence when two nodes race; moderation changes a review's status, never deletes.
 * Writes that change a station's counted stars tell the other nodes ("ratings" naming the
 * station) so that they reload that station's aggregate. */
#include "store/reviews.h"

#include "core/alloc.h"
#include "core/time.h"
#include "store/db.h"

#include <stdio.h>
#include <string.h>

static const char *const status_names[] = {"none", "published", "held", "rejected"};

const char *yz_review_status_name(int status)
{
    return status >= 0 && status < YZ_REVIEW__COUNT ? status_names[status] : "";
}

int yz_review_status_parse(const char *s)
{
    for (int i = 0; s && i < YZ_REVIEW__COUNT; i++)
        if (strcmp(status_names[i], s) == 0)
            return i;
    return -1;
}

void yz_rating_tags_free(yz_rating_tag *a, size_t n)
{
    for (size_t i = 0; a && i < n; i++) {
        yz_free(a[i].code);
        yz_free(a[i].label);
        yz_free(a[i].label_hant);
        yz_free(a[i].label_en);
    }
    yz_free(a);
}

void yz_modword_rows_free(yz_modword_row *a, size_t n)
{
    for (size_t i = 0; a && i < n; i++) {
        yz_free(a[i].word);
        yz_free(a[i].kind);
    }
    yz_free(a);
}

void yz_rating_fini(yz_rating *r)
{
    if (!r)
        return;
    yz_free(r->tags);
    yz_free(r->text);
    yz_free(r->moderator_note);
    yz_free(r->reasons);
    r->tags = r->text = r->moderator_note = r->reasons = NULL;
}

void yz_ratings_free(yz_rating *a, size_t n)
{
    for (size_t i = 0; a && i < n; i++)
        yz_rating_fini(&a[i]);
    yz_free(a);
}

int yz_review_check_moderation(int from, int to, yz_errinfo *ei)
{
    if (from == YZ_REVIEW_NONE)
        return yz_err_set(ei, YZ_ECONFLICT, "id", "该评分没有评价文字，无需审核",
                          "this rating has no review text to moderate");
    if (from == to)
        return yz_err_setf(ei, YZ_ECONFLICT, "id", "该评价已是 %s 状态", "the review is already %s",
                           yz_review_status_name(to));
    return YZ_OK;
}

/* --- the weighted score ------------------------------------------------------------------- */

bool yz_rating_agg_sane(const yz_rating_agg *a)
{
    int64_t ucount = a->count - a->vcount, usum = a->sum - a->vsum;
    return a->count >= 0 && a->count <= INT32_MAX && a->vcount >= 0 && ucount >= 0 &&
           a->vsum >= a->vcount && a->vsum <= 5 * a->vcount && usum >= ucount &&
           usum <= 5 * ucount;
}

/* Why a capped pool rather than a small weight each: with a weight w each, N throwaway
 * ratings weigh N*w, which grows without bound (324 of them at 0.05 would be 16 verified
 * votes). The pool keeps what unverified ratings say (their mean) and bounds how loudly. */
void yz_rating_weigh(const yz_rating_agg *a, const yz_rating_agg *all, yz_rating_score *out)
{
    static const yz_rating_agg none = {0, 0, 0, 0, 0};
    if (!yz_rating_agg_sane(a))
        a = &none;
    if (!yz_rating_agg_sane(all))
        all = &none;
    double m = all->vcount ? (double)all->vsum / (double)all->vcount : YZ_RATING_PRIOR_MEAN;
    int64_t ucount = a->count - a->vcount, usum = a->sum - a->vsum;
    double uw = (double)ucount * YZ_RATING_UNVERIFIED_W;
    if (uw > YZ_RATING_UNVERIFIED_CAP)
        uw = YZ_RATING_UNVERIFIED_CAP;
    double ustars = ucount ? uw * (double)usum / (double)ucount : 0;
    double w = (double)a->vcount + uw, stars = (double)a->vsum + ustars;
    out->weight = w;
    out->avg = w > 0 ? stars / w : 0;
    out->score = (YZ_RATING_PRIOR_W * m + stars) / (YZ_RATING_PRIOR_W + w);
}

/* --- in the store -------------------------------------------------------------------------- */

#define RATING_COLS                                                                                \
    "id, station_id, worker_id, day, stars, tags, text, text_hash, status, reasons, "              \
    "created_at, moderated_at, moderator_note, verified"

/* How often yz_store_rate runs its transaction again after the INSERT hit the unique index
 * ratings_one_a_day (see rate_body). */
#define RATE_UNIQUE_RETRIES 5

/* Column `col` of the current row as an owned string, "" for NULL. */
static char *col_str0(const yz_db_q *q, int col)
{
    char *s = yz_db_col_str(q, col);
    return s ? s : yz_strdup("");
}

/* The rating of the current row (RATING_COLS) into `r` (overwritten). */
static void row_rating(const yz_db_q *q, yz_rating *r)
{
    memset(r, 0, sizeof *r);
    r->id = yz_db_col_i64(q, 0);
    r->station_id = yz_db_col_i64(q, 1);
    r->worker_id = yz_db_col_i64(q, 2);
    r->day = (int32_t)yz_db_col_i64(q, 3);
    r->stars = yz_db_col_int(q, 4);
    r->tags = col_str0(q, 5);
    r->text = yz_db_col_str(q, 6);
    r->text_hash = (uint64_t)yz_db_col_i64(q, 7);
    r->status = yz_review_status_parse(yz_db_col_text(q, 8));
    r->reasons = col_str0(q, 9);
    r->created_at = yz_db_col_i64(q, 10);
    r->moderated_at = yz_db_col_i64(q, 11);
    r->moderator_note = yz_db_col_str(q, 12);
    r->verified = yz_db_col_i64(q, 13) != 0;
}

/* ---- tags and word lists ------------------------------------------------------------------ */

typedef struct tags_ctx {
    yz_rating_tag *v;
    size_t n;
} tags_ctx;

static int tags_body(yz_db_tx *tx, void *arg, yz_errinfo *ei)
{
    tags_ctx *x = arg;
    yz_rating_tags_free(x->v, x->n); /* a run again starts afresh */
    x->v = NULL;
    x->n = 0;
    size_t cap = 0;
    yz_db_q q;
    yz_db_query(&q, tx,
                "SELECT code, label, label_hant, label_en, positive FROM rating_tags"
                " ORDER BY position",
                ei);
    while (yz_db_row(&q)) {
        x->v = yz_db_grow(x->v, x->n, &cap, sizeof *x->v);
        yz_rating_tag *t = &x->v[x->n++];
        t->code = col_str0(&q, 0);
        t->label = col_str0(&q, 1);
        t->label_hant = col_str0(&q, 2);
        t->label_en = col_str0(&q, 3);
        t->positive = yz_db_col_i64(&q, 4) != 0;
    }
    return yz_db_end(&q);
}

int yz_store_rating_tags(yz_store *st, yz_rating_tag **out, size_t *n, yz_errinfo *ei)
{
    tags_ctx x = {NULL, 0};
    int err = yz_db_run(st, YZ_DB_READ1, tags_body, &x, ei);
    if (err) {
        yz_rating_tags_free(x.v, x.n);
        x.v = NULL;
        x.n = 0;
    }
    *out = x.v;
    *n = x.n;
    return err;
}

typedef struct words_ctx {
    yz_modword_row *v;
    size_t n;
} words_ctx;

static int words_body(yz_db_tx *tx, void *arg, yz_errinfo *ei)
{
    words_ctx *x = arg;
    yz_modword_rows_free(x->v, x->n);
    x->v = NULL;
    x->n = 0;
    size_t cap = 0;
    yz_db_q q;
    yz_db_query(&q, tx, "SELECT word, kind, weight FROM moderation_words ORDER BY kind, word", ei);
    while (yz_db_row(&q)) {
        x->v = yz_db_grow(x->v, x->n, &cap, sizeof *x->v);
        yz_modword_row *w = &x->v[x->n++];
        w->word = col_str0(&q, 0);
        w->kind = col_str0(&q, 1);
        w->weight = yz_db_col_int(&q, 2);
    }
    return yz_db_end(&q);
}

int yz_store_moderation_words(yz_store *st, yz_modword_row **out, size_t *n, yz_errinfo *ei)
{
    words_ctx x = {NULL, 0};
    int err = yz_db_run(st, YZ_DB_READ1, words_body, &x, ei);
    if (err) {
        yz_modword_rows_free(x.v, x.n);
        x.v = NULL;
        x.n = 0;
    }
    *out = x.v;
    *n = x.n;
    return err;
}

/* ---- rate --------------------------------------------------------------------------------- */

typedef struct rate_ctx {
    yz_rating *r;      /* in: station_id .. reasons; out: id, created_at */
    yz_rating_delta d; /* out */
    bool unique_race;  /* out: the INSERT hit ratings_one_a_day */
} rate_ctx;

static int rate_body(yz_db_tx *tx, void *arg, yz_errinfo *ei)
{
    rate_ctx *x = arg;
    yz_rating *r = x->r;
    memset(&x->d, 0, sizeof x->d);
    x->unique_race = false;
    r->id = 0;

    /* the worker's active rating of the station that day, which this one replaces */
    int64_t old_id = 0;
    int old_stars = 0;
    bool old_counted = false, old_verified = false;
    yz_db_q q;
    yz_db_query(&q, tx,
                "SELECT id, stars, status, verified FROM ratings WHERE worker_id = $1"
                " AND station_id = $2 AND day = $3 AND active = 1",
                ei);
    yz_db_i64(&q, r->worker_id);
    yz_db_i64(&q, r->station_id);
    yz_db_i64(&q, r->day);
    if (yz_db_row(&q)) {
        old_id = yz_db_col_i64(&q, 0);
        old_stars = yz_db_col_int(&q, 1);
        old_counted = yz_review_status_parse(yz_db_col_text(&q, 2)) != YZ_REVIEW_REJECTED;
        old_verified = yz_db_col_i64(&q, 3) != 0;
    }
    int err = yz_db_end(&q);
    if (!err && old_id) {
        yz_db_query(&q, tx, "UPDATE ratings SET active = 0 WHERE id = $1", ei);
        yz_db_i64(&q, old_id);
        err = yz_db_exec(&q, NULL);
    }
    if (err)
        return err;

    if (r->created_at <= 0) /* the API never gives one; a demo's past rating does */
        r->created_at = yz_time_now();
    /* Verified: sent from the station (the API compared the position) by a worker who checked
     * in there lately, or by a worker whose check-in there lately carried the station screen's
     * rotating code (a verified visit: the worker was there, whatever the position says now).
     * Decided here, in the write transaction, and stored with the rating, so that every node
     * and both backends count it the same way for good. */
    r->verified = false;
    {
        yz_db_query(&q, tx,
                    "SELECT 1 FROM visits WHERE worker_id = $1 AND station_id = $2"
                    " AND verified = 1 AND at > $3 AND at <= $4 LIMIT 1",
                    ei);
        yz_db_i64(&q, r->worker_id);
        yz_db_i64(&q, r->station_id);
        yz_db_i64(&q, r->created_at - YZ_RATING_VISIT_WINDOW_S);
        yz_db_i64(&q, r->created_at);
        r->verified = yz_db_row(&q);
        err = yz_db_end(&q);
        if (err)
            return err;
    }
    if (r->at_station && !r->verified) {
        yz_db_query(&q, tx,
                    "SELECT 1 FROM visits WHERE worker_id = $1 AND station_id = $2"
                    " AND counted = 1 AND at > $3 AND at <= $4 LIMIT 1",
                    ei);
        yz_db_i64(&q, r->worker_id);
        yz_db_i64(&q, r->station_id);
        yz_db_i64(&q, r->created_at - YZ_RATING_VISIT_WINDOW_S);
        yz_db_i64(&q, r->created_at);
        r->verified = yz_db_row(&q);
        err = yz_db_end(&q);
        if (err)
            return err;
    }
    yz_db_query(&q, tx,
                "INSERT INTO ratings (station_id, worker_id, day, stars, tags, text, text_hash,"
                " status, reasons, created_at, verified)"
                " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
                ei);
    yz_db_i64(&q, r->station_id);
    yz_db_i64(&q, r->worker_id);
    yz_db_i64(&q, r->day);
    yz_db_i64(&q, r->stars);
    yz_db_text(&q, r->tags ? r->tags : "");
    yz_db_str(&q, r->text);
    if (r->text_hash)
        yz_db_i64(&q, (int64_t)r->text_hash);
    else
        yz_db_null(&q);
    yz_db_text(&q, yz_review_status_name(r->status));
    yz_db_text(&q, r->reasons ? r->reasons : "");
    yz_db_i64(&q, r->created_at);
    yz_db_i64(&q, r->verified ? 1 : 0);
    if (yz_db_row(&q))
        r->id = yz_db_col_i64(&q, 0);
    err = yz_db_end(&q);
    if (err) {
        /* The last line of defence: another transaction (another node) inserted this worker's
         * rating of the day first, and the database reported the unique violation rather
         * than a serialization failure. yz_store_rate runs the transaction again, which then
         * replaces that rating. */
        x->unique_race = yz_db_violation(&q) == YZ_DB_UNIQUE;
        return err;
    }
    if (old_id) {
        yz_db_query(&q, tx, "UPDATE ratings SET replaced_by = $1 WHERE id = $2", ei);
        yz_db_i64(&q, r->id);
        yz_db_i64(&q, old_id);
        err = yz_db_exec(&q, NULL);
        if (err)
            return err;
    }
    bool counted = r->status != YZ_REVIEW_REJECTED;
    x->d.station_id = r->station_id;
    x->d.count = (int)counted - (int)old_counted;
    x->d.sum = (counted ? r->stars : 0) - (old_counted ? old_stars : 0);
    bool vcounted = counted && r->verified, old_vcounted = old_counted && old_verified;
    x->d.vcount = (int)vcounted - (int)old_vcounted;
    x->d.vsum = (vcounted ? r->stars : 0) - (old_vcounted ? old_stars : 0);
    x->d.replaced = old_id != 0;
    /* the other nodes reload this station's aggregate */
    if (x->d.count || x->d.sum || x->d.vcount || x->d.vsum)
        return yz_db_notify(tx, "ratings", r->station_id, ei);
    return YZ_OK;
}

int yz_store_rate(yz_store *st, yz_rating *r, yz_rating_delta *d, yz_errinfo *ei)
{
    rate_ctx x = {r, {0}, false};
    int err;
    int tries = 0;
    do {
        err = yz_db_run(st, YZ_DB_WRITE, rate_body, &x, ei);
    } while (err && x.unique_race && ++tries < RATE_UNIQUE_RETRIES);
    if (err) {
        memset(d, 0, sizeof *d);
        r->id = 0;
        return err;
    }
    *d = x.d;
    return YZ_OK;
}

/* ---- reads -------------------------------------------------------------------------------- */

typedef struct copies_ctx {
    uint64_t hash; /* in */
    int64_t since; /* in */
    int64_t n;     /* out */
} copies_ctx;

static int copies_body(yz_db_tx *tx, void *arg, yz_errinfo *ei)
{
    copies_ctx *x = arg;
    yz_db_q q;
    yz_db_query(&q, tx, "SELECT count(*) FROM ratings WHERE text_hash = $1 AND created_at >= $2",
                ei);
    yz_db_i64(&q, (int64_t)x->hash);
    yz_db_i64(&q, x->since);
    x->n = yz_db_row(&q) ? yz_db_col_i64(&q, 0) : 0;
    return yz_db_end(&q);
}

int yz_store_count_copies(yz_store *st, uint64_t hash, int64_t since, int64_t *n, yz_errinfo *ei)
{
    copies_ctx x = {hash, since, 0};
    int err = yz_db_run(st, YZ_DB_READ1, copies_body, &x, ei);
    *n = err ? 0 : x.n;
    return err;
}

typedef struct list_ctx {
    int64_t station_id, offset, limit; /* in; station_id 0: every station */
    int status;                        /* in */
    yz_rating *v;                      /* out */
    size_t n;                          /* out */
    int64_t total;                     /* out */
} list_ctx;

static int list_body(yz_db_tx *tx, void *arg, yz_errinfo *ei)
{
    list_ctx *x = arg;
    yz_ratings_free(x->v, x->n);
    x->v = NULL;
    x->n = 0;
    x->total = 0;
    /* The status is a literal (one of four names, never the caller's text) so that the partial
     * indexes (ratings_held: status = 'held') apply: SQLite plans a statement before it sees
     * its parameters. $1 is the station when there is one. */
    char where[128], count_sql[192], list_sql[384];
    snprintf(where, sizeof where, "WHERE active = 1 AND status = '%s'%s",
             yz_review_status_name(x->status), x->station_id ? " AND station_id = $1" : "");
    snprintf(count_sql, sizeof count_sql, "SELECT count(*) FROM ratings %s", where);
    snprintf(list_sql, sizeof list_sql,
             "SELECT " RATING_COLS " FROM ratings %s ORDER BY created_at DESC, id DESC"
             " LIMIT %s OFFSET %s",
             where, x->station_id ? "$2" : "$1", x->station_id ? "$3" : "$2");

    yz_db_q q;
    yz_db_query(&q, tx, count_sql, ei);
    if (x->station_id)
        yz_db_i64(&q, x->station_id);
    x->total = yz_db_row(&q) ? yz_db_col_i64(&q, 0) : 0;
    int err = yz_db_end(&q);
    if (err)
        return err;

    size_t cap = 0;
    yz_db_query(&q, tx, list_sql, ei);
    if (x->station_id)
        yz_db_i64(&q, x->station_id);
    yz_db_i64(&q, x->limit);
    yz_db_i64(&q, x->offset);
    while (yz_db_row(&q)) {
        x->v = yz_db_grow(x->v, x->n, &cap, sizeof *x->v);
        row_rating(&q, &x->v[x->n++]);
    }
    return yz_db_end(&q);
}

int yz_store_list_reviews(yz_store *st, int64_t station_id, int status, int64_t offset,
                          int64_t limit, yz_rating **out, size_t *n, int64_t *total, yz_errinfo *ei)
{
    *out = NULL;
    *n = 0;
    *total = 0;
    if (status < 0 || status >= YZ_REVIEW__COUNT)
        return yz_err_set(ei, YZ_EINVAL, "status", NULL, NULL);
    list_ctx x = {station_id, offset, limit, status, NULL, 0, 0};
    int err = yz_db_run(st, YZ_DB_READ, list_body, &x, ei);
    if (err) {
        yz_ratings_free(x.v, x.n);
        return err;
    }
    *out = x.v;
    *n = x.n;
    *total = x.total;
    return YZ_OK;
}

/* Rating `id` into `out` (overwritten), and whether it is active (may be NULL). */
static int load(yz_db_tx *tx, int64_t id, yz_rating *out, bool *active, yz_errinfo *ei)
{
    memset(out, 0, sizeof *out);
    yz_db_q q;
    yz_db_query(&q, tx, "SELECT " RATING_COLS ", active FROM ratings WHERE id = $1", ei);
    yz_db_i64(&q, id);
    bool found = yz_db_row(&q);
    if (found) {
        row_rating(&q, out);
        if (active)
            *active = yz_db_col_i64(&q, 14) != 0;
    }
    int err = yz_db_end(&q);
    if (!err && !found)
        err = yz_err_setf(ei, YZ_ENOTFOUND, "id", "评价 %lld 不存在", "rating %lld not found",
                          (long long)id);
    return err;
}

typedef struct get_ctx {
    int64_t id;     /* in */
    yz_rating *out; /* out */
} get_ctx;

static int get_body(yz_db_tx *tx, void *arg, yz_errinfo *ei)
{
    get_ctx *x = arg;
    yz_rating_fini(x->out); /* a run again starts afresh */
    return load(tx, x->id, x->out, NULL, ei);
}

int yz_store_get_rating(yz_store *st, int64_t id, yz_rating *out, yz_errinfo *ei)
{
    memset(out, 0, sizeof *out);
    get_ctx x = {id, out};
    int err = yz_db_run(st, YZ_DB_READ1, get_body, &x, ei);
    if (err) {
        yz_rating_fini(out);
        memset(out, 0, sizeof *out);
    }
    return err;
}

/* ---- moderate ----------------------------------------------------------------------------- */

typedef struct moderate_ctx {
    int64_t id;         /* in */
    int status;         /* in */
    const char *note;   /* in, may be NULL */
    yz_rating *out;     /* out */
    yz_rating_delta *d; /* out */
} moderate_ctx;

static int moderate_body(yz_db_tx *tx, void *arg, yz_errinfo *ei)
{
    moderate_ctx *x = arg;
    yz_rating_fini(x->out); /* a run again starts afresh */
    memset(x->out, 0, sizeof *x->out);
    memset(x->d, 0, sizeof *x->d);
    bool active = false;
    yz_rating cur;
    int err = load(tx, x->id, &cur, &active, ei);
    if (err)
        return err;
    int from = cur.status;
    int64_t station = cur.station_id;
    int stars = cur.stars;
    bool verified = cur.verified;
    yz_rating_fini(&cur);
    err = yz_review_check_moderation(from, x->status, ei);
    if (err)
        return err;
    yz_db_q q;
    yz_db_query(&q, tx,
                "UPDATE ratings SET status = $1, moderated_at = $2, moderator_note = $3"
                " WHERE id = $4",
                ei);
    yz_db_text(&q, yz_review_status_name(x->status));
    yz_db_i64(&q, yz_time_now());
    yz_db_str(&q, x->note);
    yz_db_i64(&q, x->id);
    err = yz_db_exec(&q, NULL);
    if (err)
        return err;
    x->d->station_id = station;
    if (active) {
        int was = from != YZ_REVIEW_REJECTED, now = x->status != YZ_REVIEW_REJECTED;
        x->d->count = now - was;
        x->d->sum = (now - was) * stars;
        x->d->vcount = verified ? x->d->count : 0;
        x->d->vsum = verified ? x->d->sum : 0;
    }
    /* the other nodes reload this station's aggregate */
    if (x->d->count || x->d->sum) {
        err = yz_db_notify(tx, "ratings", station, ei);
        if (err)
            return err;
    }
    return load(tx, x->id, x->out, NULL, ei);
}

int yz_store_moderate(yz_store *st, int64_t id, int status, const char *note, yz_rating *out,
                      yz_rating_delta *d, yz_errinfo *ei)
{
    memset(out, 0, sizeof *out);
    memset(d, 0, sizeof *d);
    if (status != YZ_REVIEW_PUBLISHED && status != YZ_REVIEW_REJECTED)
        return yz_err_set(ei, YZ_EINVAL, "status", NULL, NULL);
    moderate_ctx x = {id, status, note, out, d};
    int err = yz_db_run(st, YZ_DB_WRITE, moderate_body, &x, ei);
    if (err) {
        yz_rating_fini(out);
        memset(out, 0, sizeof *out);
        memset(d, 0, sizeof *d);
    }
    return err;
}

/* ---- aggregates --------------------------------------------------------------------------- */

/* The stars that count: an active rating whose review is not rejected. */
#define COUNTED "active = 1 AND status <> 'rejected'"
/* count, sum, verified count, verified sum (every sum 0, not NULL, over no rows) */
#define AGG_COLS                                                                                   \
    "count(*), coalesce(sum(stars), 0), coalesce(sum(verified), 0),"                                \
    " coalesce(sum(stars * verified), 0)"

/* AGG_COLS from column `col` of the current row into `a` (station_id left alone). */
static void row_agg(const yz_db_q *q, int col, yz_rating_agg *a)
{
    a->count = yz_db_col_i64(q, col);
    a->sum = yz_db_col_i64(q, col + 1);
    a->vcount = yz_db_col_i64(q, col + 2);
    a->vsum = yz_db_col_i64(q, col + 3);
}

typedef struct aggs_ctx {
    yz_rating_agg *v;
    size_t n;
} aggs_ctx;

static int aggs_body(yz_db_tx *tx, void *arg, yz_errinfo *ei)
{
    aggs_ctx *x = arg;
    yz_free(x->v);
    x->v = NULL;
    x->n = 0;
    size_t cap = 0;
    yz_db_q q;
    yz_db_query(&q, tx, "SELECT station_id, " AGG_COLS " FROM ratings WHERE " COUNTED
                " GROUP BY station_id",
                ei);
    while (yz_db_row(&q)) {
        x->v = yz_db_grow(x->v, x->n, &cap, sizeof *x->v);
        yz_rating_agg *a = &x->v[x->n++];
        a->station_id = yz_db_col_i64(&q, 0);
        row_agg(&q, 1, a);
    }
    return yz_db_end(&q);
}

int yz_store_rating_aggregates(yz_store *st, yz_rating_agg **out, size_t *n, yz_errinfo *ei)
{
    aggs_ctx x = {NULL, 0};
    int err = yz_db_run(st, YZ_DB_READ1, aggs_body, &x, ei);
    if (err) {
        yz_free(x.v);
        x.v = NULL;
        x.n = 0;
    }
    *out = x.v;
    *n = x.n;
    return err;
}

static int agg_body(yz_db_tx *tx, void *arg, yz_errinfo *ei)
{
    yz_rating_agg *a = arg;
    yz_db_q q;
    yz_db_query(&q, tx,
                "SELECT " AGG_COLS " FROM ratings WHERE station_id = $1 AND " COUNTED, ei);
    yz_db_i64(&q, a->station_id);
    *a = (yz_rating_agg){a->station_id, 0, 0, 0, 0};
    if (yz_db_row(&q))
        row_agg(&q, 0, a);
    return yz_db_end(&q);
}

int yz_store_rating_aggregate(yz_store *st, int64_t station_id, yz_rating_agg *out, yz_errinfo *ei)
{
    *out = (yz_rating_agg){station_id, 0, 0, 0, 0};
    int err = yz_db_run(st, YZ_DB_READ1, agg_body, out, ei);
    if (err)
        *out = (yz_rating_agg){station_id, 0, 0, 0, 0};
    return err;
}
