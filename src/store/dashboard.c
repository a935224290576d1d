/* SPDX-License-Identifier: MIT */
/* store/dashboard.c - the rows the dashboard counts events, ratings and scores from, written
 * once for both backends on store/db.h (the SQL is the same in both dialects). */
#include "store/dashboard.h"

#include "store/db.h"

#include "core/alloc.h"

#include <math.h>

typedef struct rows_ctx {
    void *v;
    size_t n, cap;
    int64_t a, b; /* the range */
} rows_ctx;

static void reset(rows_ctx *x)
{
    yz_free(x->v);
    x->v = NULL;
    x->n = x->cap = 0;
}

static int signups_body(yz_db_tx *tx, void *arg, yz_errinfo *ei)
{
    rows_ctx *x = arg;
    reset(x);
    yz_db_q q;
    yz_db_query(&q, tx,
                "SELECT event_id, occurrence, worker_id FROM event_signups"
                " WHERE occurrence BETWEEN $1 AND $2 ORDER BY event_id, occurrence, worker_id",
                ei);
    yz_db_i64(&q, x->a);
    yz_db_i64(&q, x->b);
    while (yz_db_row(&q)) {
        x->v = yz_db_grow(x->v, x->n, &x->cap, sizeof(yz_dash_signup));
        yz_dash_signup *s = (yz_dash_signup *)x->v + x->n++;
        s->event_id = yz_db_col_i64(&q, 0);
        s->day = (int32_t)yz_db_col_i64(&q, 1);
        s->worker_id = yz_db_col_i64(&q, 2);
    }
    return yz_db_end(&q);
}

static int finish(int err, rows_ctx *x, void **out, size_t *n)
{
    if (err)
        reset(x);
    *out = x->v;
    *n = x->n;
    return err;
}

int yz_store_dash_signups(yz_store *st, int32_t from_day, int32_t to_day, yz_dash_signup **out,
                          size_t *n, yz_errinfo *ei)
{
    rows_ctx x = {NULL, 0, 0, from_day, to_day};
    void *v;
    int err = finish(yz_db_run(st, YZ_DB_READ1, signups_body, &x, ei), &x, &v, n);
    *out = v;
    return err;
}

static int ratings_body(yz_db_tx *tx, void *arg, yz_errinfo *ei)
{
    rows_ctx *x = arg;
    reset(x);
    yz_db_q q;
    yz_db_query(&q, tx,
                "SELECT station_id, day, stars, worker_id FROM ratings"
                " WHERE active = 1 AND status <> 'rejected' AND verified = 1"
                " AND day BETWEEN $1 AND $2 ORDER BY station_id, day, worker_id",
                ei);
    yz_db_i64(&q, x->a);
    yz_db_i64(&q, x->b);
    while (yz_db_row(&q)) {
        x->v = yz_db_grow(x->v, x->n, &x->cap, sizeof(yz_dash_rating));
        yz_dash_rating *r = (yz_dash_rating *)x->v + x->n++;
        r->station_id = yz_db_col_i64(&q, 0);
        r->day = (int32_t)yz_db_col_i64(&q, 1);
        r->stars = (int)yz_db_col_i64(&q, 2);
        r->worker_id = yz_db_col_i64(&q, 3);
    }
    return yz_db_end(&q);
}

int yz_store_dash_ratings(yz_store *st, int32_t from_day, int32_t to_day, yz_dash_rating **out,
                          size_t *n, yz_errinfo *ei)
{
    rows_ctx x = {NULL, 0, 0, from_day, to_day};
    void *v;
    int err = finish(yz_db_run(st, YZ_DB_READ1, ratings_body, &x, ei), &x, &v, n);
    *out = v;
    return err;
}

static double col_score(const yz_db_q *q, int col)
{
    return yz_db_col_null(q, col) ? NAN : yz_db_col_f64(q, col);
}

static int scores_body(yz_db_tx *tx, void *arg, yz_errinfo *ei)
{
    rows_ctx *x = arg;
    reset(x);
    yz_db_q q;
    yz_db_query(&q, tx,
                "SELECT id, station_id, submitted_at, score, score_hardware, score_service,"
                " score_operations FROM inspections WHERE status = 'submitted'"
                " AND submitted_at < $1"
                " AND id NOT IN (SELECT inspection_id FROM self_checks)" /* not inspections */
                " ORDER BY submitted_at, id",
                ei);
    yz_db_i64(&q, x->b);
    while (yz_db_row(&q)) {
        x->v = yz_db_grow(x->v, x->n, &x->cap, sizeof(yz_dash_score));
        yz_dash_score *s = (yz_dash_score *)x->v + x->n++;
        s->id = yz_db_col_i64(&q, 0);
        s->station_id = yz_db_col_i64(&q, 1);
        s->submitted_at = yz_db_col_i64(&q, 2);
        s->score = col_score(&q, 3);
        s->hardware = col_score(&q, 4);
        s->service = col_score(&q, 5);
        s->operations = col_score(&q, 6);
    }
    return yz_db_end(&q);
}

int yz_store_dash_scores(yz_store *st, int64_t before, yz_dash_score **out, size_t *n,
                         yz_errinfo *ei)
{
    rows_ctx x = {NULL, 0, 0, 0, before};
    void *v;
    int err = finish(yz_db_run(st, YZ_DB_READ1, scores_body, &x, ei), &x, &v, n);
    *out = v;
    return err;
}
