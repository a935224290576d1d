/* SPDX-License-Identifier: MIT */
/* store/pg_reviews.c - the reviews area of the PostgreSQL backend: ratings with the
 * one-a-day replacement in one transaction, review status changes, the copy count used to
 * spot repeated text, and the per-station aggregates the API keeps in memory. Writes that
 * change a station's counted stars announce "ratings" to the other yizhan nodes. */
#ifdef YZ_HAVE_PG
#include "store/pg_int.h"

#include "core/alloc.h"
#include "core/time.h"

#include <string.h>

#define RATING_COLS                                                                                \
    "id, station_id, worker_id, day, stars, tags, text, text_hash, status, reasons, "              \
    "created_at, moderated_at, moderator_note"

/* How often pg_rate runs its transaction again after a unique violation of ratings_one_a_day
 * (see rate_body). */
#define RATE_UNIQUE_RETRIES 5

static char *str0(const PGresult *r, int row, int col)
{
    char *s = yz__pg_str(r, row, col);
    return s ? s : yz_strdup("");
}

static void read_rating(const PGresult *q, int row, yz_rating *r)
{
    memset(r, 0, sizeof *r);
    r->id = yz__pg_i64(q, row, 0);
    r->station_id = yz__pg_i64(q, row, 1);
    r->worker_id = yz__pg_i64(q, row, 2);
    r->day = (int32_t)yz__pg_i64(q, row, 3);
    r->stars = (int)yz__pg_i64(q, row, 4);
    r->tags = str0(q, row, 5);
    r->text = yz__pg_str(q, row, 6);
    r->text_hash = (uint64_t)yz__pg_i64(q, row, 7);
    r->status = yz_review_status_parse(PQgetvalue(q, row, 8));
    r->reasons = str0(q, row, 9);
    r->created_at = yz__pg_i64(q, row, 10);
    r->moderated_at = yz__pg_i64(q, row, 11);
    r->moderator_note = yz__pg_str(q, row, 12);
}

/* ---- tags and word lists --------------------------------------------------------------------- */

static void read_tag(const PGresult *r, int i, void *elem)
{
    yz_rating_tag *t = elem;
    t->code = str0(r, i, 0);
    t->label = str0(r, i, 1);
    t->label_hant = str0(r, i, 2);
    t->label_en = str0(r, i, 3);
    t->positive = yz__pg_i64(r, i, 4) != 0;
}

static void free_tags(void *a, size_t n)
{
    yz_rating_tags_free(a, n);
}

static int pg_list_tags(yz_store *st, yz_rating_tag **out, size_t *n, yz_errinfo *ei)
{
    void *a;
    int err = yz__pg_rows((pg_store *)st,
                          "SELECT code, label, label_hant, label_en, positive FROM rating_tags"
                          " ORDER BY position",
                          NULL, sizeof **out, read_tag, free_tags, &a, n, ei);
    *out = a;
    return err;
}

static void read_word(const PGresult *r, int i, void *elem)
{
    yz_modword_row *w = elem;
    w->word = str0(r, i, 0);
    w->kind = str0(r, i, 1);
    w->weight = (int)yz__pg_i64(r, i, 2);
}

static void free_words(void *a, size_t n)
{
    yz_modword_rows_free(a, n);
}

static int pg_list_words(yz_store *st, yz_modword_row **out, size_t *n, yz_errinfo *ei)
{
    void *a;
    int err = yz__pg_rows((pg_store *)st,
                          "SELECT word, kind, weight FROM moderation_words ORDER BY kind, word",
                          NULL, sizeof **out, read_word, free_words, &a, n, ei);
    *out = a;
    return err;
}

/* ---- rate ------------------------------------------------------------------------------------ */

typedef struct rate_ctx {
    yz_rating *r;      /* in: station_id .. reasons; out: id, created_at */
    yz_rating_delta d; /* out */
    bool unique_race;  /* out: the INSERT hit ratings_one_a_day */
} rate_ctx;

static int rate_body(pg_store *s, PGconn *c, void *arg, yz_errinfo *ei)
{
    rate_ctx *x = arg;
    yz_rating *r = x->r;
    memset(&x->d, 0, sizeof x->d);
    x->unique_race = false;
    r->id = 0;

    yz_pg_params p = {0};
    yz__pg_p_i64(&p, r->worker_id);
    yz__pg_p_i64(&p, r->station_id);
    yz__pg_p_i64(&p, r->day);
    PGresult *q = yz__pg_query(c,
                               "SELECT id, stars, status FROM ratings WHERE worker_id = $1::bigint"
                               " AND station_id = $2::bigint AND day = $3::integer AND active = 1",
                               &p, ei);
    if (!q)
        return YZ_EDB;
    int64_t old_id = 0;
    int old_stars = 0;
    bool old_counted = false;
    if (PQntuples(q) > 0) {
        old_id = yz__pg_i64(q, 0, 0);
        old_stars = (int)yz__pg_i64(q, 0, 1);
        old_counted = strcmp(PQgetvalue(q, 0, 2), "rejected") != 0;
    }
    PQclear(q);

    int err;
    if (old_id) {
        p = (yz_pg_params){0};
        yz__pg_p_i64(&p, old_id);
        err = yz__pg_exec(c, "UPDATE ratings SET active = 0 WHERE id = $1::bigint", &p, NULL, ei);
        if (err)
            return err;
    }
    r->created_at = yz_time_now();
    p = (yz_pg_params){0};
    yz__pg_p_i64(&p, r->station_id);
    yz__pg_p_i64(&p, r->worker_id);
    yz__pg_p_i64(&p, r->day);
    yz__pg_p_i64(&p, r->stars);
    yz__pg_p_text(&p, r->tags ? r->tags : "");
    yz__pg_p_str(&p, r->text);
    if (r->text_hash)
        yz__pg_p_i64(&p, (int64_t)r->text_hash);
    else
        yz__pg_p_null(&p);
    yz__pg_p_text(&p, yz_review_status_name(r->status));
    yz__pg_p_text(&p, r->reasons ? r->reasons : "");
    yz__pg_p_i64(&p, r->created_at);
    q = yz__pg_query(
        c,
        "INSERT INTO ratings (station_id, worker_id, day, stars, tags, text, text_hash,"
        " status, reasons, created_at) VALUES ($1::bigint, $2::bigint, $3::integer,"
        " $4::integer, $5, $6, $7::bigint, $8, $9, $10::bigint) RETURNING id",
        &p, ei);
    if (!q) {
        /* Another transaction inserted this worker's rating of the day first and
         * PostgreSQL reported the unique violation rather than a serialization failure:
         * pg_rate runs the transaction again, which then replaces that rating. */
        x->unique_race = strcmp(yz__pg_sqlstate(), "23505") == 0;
        return YZ_EDB;
    }
    r->id = yz__pg_i64(q, 0, 0);
    PQclear(q);
    if (old_id) {
        p = (yz_pg_params){0};
        yz__pg_p_i64(&p, r->id);
        yz__pg_p_i64(&p, old_id);
        err = yz__pg_exec(c, "UPDATE ratings SET replaced_by = $1::bigint WHERE id = $2::bigint",
                          &p, NULL, ei);
        if (err)
            return err;
    }
    bool counted = r->status != YZ_REVIEW_REJECTED;
    x->d.station_id = r->station_id;
    x->d.count = (int)counted - (int)old_counted;
    x->d.sum = (counted ? r->stars : 0) - (old_counted ? old_stars : 0);
    x->d.replaced = old_id != 0;
    if (x->d.count || x->d.sum)
        return yz__pg_notify_id(s, c, "ratings", r->station_id, ei);
    return YZ_OK;
}

static int pg_rate(yz_store *st, yz_rating *r, yz_rating_delta *d, yz_errinfo *ei)
{
    rate_ctx x = {r, {0}, false};
    int err;
    int tries = 0;
    do {
        err = yz__pg_tx((pg_store *)st, rate_body, &x, ei);
    } while (err && x.unique_race && ++tries < RATE_UNIQUE_RETRIES);
    if (err) {
        memset(d, 0, sizeof *d);
        r->id = 0;
        return err;
    }
    *d = x.d;
    return YZ_OK;
}

/* ---- reads ----------------------------------------------------------------------------------- */

typedef struct copies_ctx {
    uint64_t hash; /* in */
    int64_t since; /* in */
    int64_t n;     /* out */
} copies_ctx;

static int copies_body(pg_store *s, PGconn *c, void *arg, yz_errinfo *ei)
{
    copies_ctx *x = arg;
    x->n = 0;
    yz_pg_params p = {0};
    yz__pg_p_i64(&p, (int64_t)x->hash);
    yz__pg_p_i64(&p, x->since);
    PGresult *r = yz__pg_query(
        c, "SELECT count(*) FROM ratings WHERE text_hash = $1::bigint AND created_at >= $2::bigint",
        &p, ei);
    if (!r)
        return YZ_EDB;
    x->n = yz__pg_i64(r, 0, 0);
    PQclear(r);
    return YZ_OK;
}

static int pg_count_copies(yz_store *st, uint64_t hash, int64_t since, int64_t *n, yz_errinfo *ei)
{
    copies_ctx x = {hash, since, 0};
    int err = yz__pg_tx((pg_store *)st, copies_body, &x, ei);
    *n = err ? 0 : x.n;
    return err;
}

typedef struct list_ctx {
    int64_t station_id, offset, limit; /* in; station_id 0: every station */
    int status;                        /* in */
    yz_rating *a;                      /* out */
    size_t n;                          /* out */
    int64_t total;                     /* out */
} list_ctx;

/* The status is a parameter; PostgreSQL plans an unnamed statement with its values, so the
 * partial indexes (ratings_held: status = 'held') still apply. */
#define LIST_WHERE_ALL "WHERE active = 1 AND status = $1"
#define LIST_WHERE_ONE "WHERE active = 1 AND status = $1 AND station_id = $2::bigint"

static int list_body(pg_store *s, PGconn *c, void *arg, yz_errinfo *ei)
{
    list_ctx *x = arg;
    yz_ratings_free(x->a, x->n);
    x->a = NULL;
    x->n = 0;
    x->total = 0;
    yz_pg_params p = {0};
    yz__pg_p_text(&p, yz_review_status_name(x->status));
    if (x->station_id)
        yz__pg_p_i64(&p, x->station_id);
    PGresult *r = yz__pg_query(c,
                               x->station_id ? "SELECT count(*) FROM ratings " LIST_WHERE_ONE
                                             : "SELECT count(*) FROM ratings " LIST_WHERE_ALL,
                               &p, ei);
    if (!r)
        return YZ_EDB;
    x->total = yz__pg_i64(r, 0, 0);
    PQclear(r);
    yz__pg_p_i64(&p, x->limit);
    yz__pg_p_i64(&p, x->offset);
    r = yz__pg_query(c,
                     x->station_id ? "SELECT " RATING_COLS " FROM ratings " LIST_WHERE_ONE
                                     " ORDER BY created_at DESC, id DESC"
                                     " LIMIT $3::bigint OFFSET $4::bigint"
                                   : "SELECT " RATING_COLS " FROM ratings " LIST_WHERE_ALL
                                     " ORDER BY created_at DESC, id DESC"
                                     " LIMIT $2::bigint OFFSET $3::bigint",
                     &p, ei);
    if (!r) {
        x->total = 0;
        return YZ_EDB;
    }
    int rows = PQntuples(r);
    if (rows > 0)
        x->a = yz_calloc((size_t)rows, sizeof *x->a);
    for (int i = 0; i < rows; i++)
        read_rating(r, i, &x->a[x->n++]);
    PQclear(r);
    return YZ_OK;
}

static int pg_list_reviews(yz_store *st, int64_t station_id, int status, int64_t offset,
                           int64_t limit, yz_rating **out, size_t *n, int64_t *total,
                           yz_errinfo *ei)
{
    *out = NULL;
    *n = 0;
    *total = 0;
    if (status < 0 || status >= YZ_REVIEW__COUNT)
        return yz_err_set(ei, YZ_EINVAL, "status", NULL, NULL);
    list_ctx x = {station_id, offset, limit, status, NULL, 0, 0};
    int err = yz__pg_tx((pg_store *)st, list_body, &x, ei);
    if (err) {
        yz_ratings_free(x.a, x.n);
        return err;
    }
    *out = x.a;
    *n = x.n;
    *total = x.total;
    return YZ_OK;
}

/* Rating `id` into `out` (overwritten), and whether it is active (may be NULL). Inside a
 * transaction body. */
static int get_in(PGconn *c, int64_t id, yz_rating *out, bool *active, yz_errinfo *ei)
{
    yz_pg_params p = {0};
    yz__pg_p_i64(&p, id);
    PGresult *r = yz__pg_query(
        c, "SELECT " RATING_COLS ", active FROM ratings WHERE id = $1::bigint", &p, ei);
    if (!r)
        return YZ_EDB;
    int err = YZ_OK;
    if (PQntuples(r) > 0) {
        read_rating(r, 0, out);
        if (active)
            *active = yz__pg_i64(r, 0, 13) != 0;
    } else {
        err = yz_err_setf(ei, YZ_ENOTFOUND, "id", "评价 %lld 不存在", "rating %lld not found",
                          (long long)id);
    }
    PQclear(r);
    return err;
}

typedef struct get_ctx {
    int64_t id;     /* in */
    yz_rating *out; /* out */
} get_ctx;

static int get_body(pg_store *s, PGconn *c, void *arg, yz_errinfo *ei)
{
    get_ctx *x = arg;
    yz_rating_fini(x->out);
    memset(x->out, 0, sizeof *x->out);
    return get_in(c, x->id, x->out, NULL, ei);
}

static int pg_get(yz_store *st, int64_t id, yz_rating *out, yz_errinfo *ei)
{
    memset(out, 0, sizeof *out);
    get_ctx x = {id, out};
    int err = yz__pg_tx((pg_store *)st, get_body, &x, ei);
    if (err) {
        yz_rating_fini(out);
        memset(out, 0, sizeof *out);
    }
    return err;
}

/* ---- moderate -------------------------------------------------------------------------------- */

typedef struct moderate_ctx {
    int64_t id;         /* in */
    int status;         /* in */
    const char *note;   /* in, may be NULL */
    yz_rating *out;     /* out */
    yz_rating_delta *d; /* out */
} moderate_ctx;

static int moderate_body(pg_store *s, PGconn *c, void *arg, yz_errinfo *ei)
{
    moderate_ctx *x = arg;
    yz_rating_fini(x->out);
    memset(x->out, 0, sizeof *x->out);
    memset(x->d, 0, sizeof *x->d);
    bool active = false;
    yz_rating cur;
    memset(&cur, 0, sizeof cur);
    int err = get_in(c, x->id, &cur, &active, ei);
    if (err)
        return err;
    int from = cur.status;
    int64_t station = cur.station_id;
    int stars = cur.stars;
    yz_rating_fini(&cur);
    if ((err = yz_review_check_moderation(from, x->status, ei)))
        return err;
    yz_pg_params p = {0};
    yz__pg_p_text(&p, yz_review_status_name(x->status));
    yz__pg_p_i64(&p, yz_time_now());
    yz__pg_p_str(&p, x->note);
    yz__pg_p_i64(&p, x->id);
    err = yz__pg_exec(c,
                      "UPDATE ratings SET status = $1, moderated_at = $2::bigint,"
                      " moderator_note = $3 WHERE id = $4::bigint",
                      &p, NULL, ei);
    if (err)
        return err;
    x->d->station_id = station;
    if (active) {
        int was = from != YZ_REVIEW_REJECTED, now = x->status != YZ_REVIEW_REJECTED;
        x->d->count = now - was;
        x->d->sum = (now - was) * stars;
    }
    if (x->d->count || x->d->sum) {
        err = yz__pg_notify_id(s, c, "ratings", station, ei);
        if (err)
            return err;
    }
    return get_in(c, x->id, x->out, NULL, ei);
}

static int pg_moderate(yz_store *st, int64_t id, int status, const char *note, yz_rating *out,
                       yz_rating_delta *d, yz_errinfo *ei)
{
    memset(out, 0, sizeof *out);
    memset(d, 0, sizeof *d);
    if (status != YZ_REVIEW_PUBLISHED && status != YZ_REVIEW_REJECTED)
        return yz_err_set(ei, YZ_EINVAL, "status", NULL, NULL);
    moderate_ctx x = {id, status, note, out, d};
    int err = yz__pg_tx((pg_store *)st, moderate_body, &x, ei);
    if (err) {
        yz_rating_fini(out);
        memset(out, 0, sizeof *out);
        memset(d, 0, sizeof *d);
    }
    return err;
}

/* ---- aggregates ------------------------------------------------------------------------------ */

static void read_agg(const PGresult *r, int i, void *elem)
{
    yz_rating_agg *g = elem;
    g->station_id = yz__pg_i64(r, i, 0);
    g->count = yz__pg_i64(r, i, 1);
    g->sum = yz__pg_i64(r, i, 2);
}

static void free_aggs(void *a, size_t n)
{
    yz_free(a);
}

static int pg_aggregates(yz_store *st, yz_rating_agg **out, size_t *n, yz_errinfo *ei)
{
    void *a;
    int err = yz__pg_rows((pg_store *)st,
                          "SELECT station_id, count(*), sum(stars) FROM ratings"
                          " WHERE active = 1 AND status <> 'rejected' GROUP BY station_id",
                          NULL, sizeof **out, read_agg, free_aggs, &a, n, ei);
    *out = a;
    return err;
}

static int agg_one_body(pg_store *s, PGconn *c, void *arg, yz_errinfo *ei)
{
    yz_rating_agg *a = arg;
    a->count = a->sum = 0;
    yz_pg_params p = {0};
    yz__pg_p_i64(&p, a->station_id);
    PGresult *r = yz__pg_query(c,
                               "SELECT count(*), coalesce(sum(stars), 0) FROM ratings"
                               " WHERE station_id = $1::bigint AND active = 1"
                               " AND status <> 'rejected'",
                               &p, ei);
    if (!r)
        return YZ_EDB;
    a->count = yz__pg_i64(r, 0, 0);
    a->sum = yz__pg_i64(r, 0, 1);
    PQclear(r);
    return YZ_OK;
}

static int pg_aggregate(yz_store *st, int64_t station_id, yz_rating_agg *out, yz_errinfo *ei)
{
    *out = (yz_rating_agg){station_id, 0, 0};
    return yz__pg_read1((pg_store *)st, agg_one_body, out, ei);
}

const struct yz_store_review_ops yz__pg_review_ops = {
    .area = {"reviews", NULL},
    .list_tags = pg_list_tags,
    .list_words = pg_list_words,
    .rate = pg_rate,
    .count_copies = pg_count_copies,
    .list_reviews = pg_list_reviews,
    .get = pg_get,
    .moderate = pg_moderate,
    .aggregates = pg_aggregates,
    .aggregate = pg_aggregate,
};
#endif
