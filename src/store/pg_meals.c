/* SPDX-License-Identifier: MIT */
/* store/pg_meals.c - the meals area of the PostgreSQL backend. An order is one SERIALIZABLE
 * transaction (yz__pg_tx): the day and window checks, the one-a-day check, the conditional
 * `sold = sold + 1 WHERE sold < quota` and the insert commit together or not at all, and
 * PostgreSQL aborts (then yz__pg_tx retries) any transaction whose reads a concurrent one
 * invalidated, so orders through any number of nodes can never oversell
 * (docs/internals/meals.md). */
#ifdef YZ_HAVE_PG

#include "store/pg_int.h"

#include "core/alloc.h"
#include "core/err.h"
#include "core/time.h"

#include <stdio.h>
#include <string.h>

#define CANTEEN_COLS                                                                               \
    "c.id, c.name, c.address, c.station_id, c.lat, c.lon, c.opens_min, c.closes_min, "             \
    "c.created_at"
#define OFFER_COLS                                                                                 \
    "o.id, o.canteen_id, o.day, o.dish, o.dish_en, o.price_cents, o.quota, o.sold, "               \
    "o.created_at, " CANTEEN_COLS
#define ORDER_COLS                                                                                 \
    "r.id, r.worker_id, r.day, r.pickup_code, r.created_at, r.expires_at, "                        \
    "r.redeemed_at, " OFFER_COLS
#define ORDER_FROM                                                                                 \
    " FROM meal_orders r JOIN meal_offers o ON o.id = r.offer_id"                                  \
    " JOIN canteens c ON c.id = o.canteen_id"

/* Read a canteen from columns at..at+8 of `row`. */
static void read_canteen(const PGresult *q, int row, int at, yz_canteen *c)
{
    memset(c, 0, sizeof *c);
    c->id = yz__pg_i64(q, row, at);
    c->name = yz__pg_str(q, row, at + 1);
    c->address = yz__pg_str(q, row, at + 2);
    c->station_id = yz__pg_i64(q, row, at + 3);
    c->lat = yz__pg_f64(q, row, at + 4);
    c->lon = yz__pg_f64(q, row, at + 5);
    c->opens_min = (int)yz__pg_i64(q, row, at + 6);
    c->closes_min = (int)yz__pg_i64(q, row, at + 7);
    c->created_at = yz__pg_i64(q, row, at + 8);
}

/* Read an offer and its canteen from columns at..at+17 of `row`. */
static void read_offer(const PGresult *q, int row, int at, yz_meal_offer *o)
{
    memset(o, 0, sizeof *o);
    o->id = yz__pg_i64(q, row, at);
    o->canteen_id = yz__pg_i64(q, row, at + 1);
    o->day = (int32_t)yz__pg_i64(q, row, at + 2);
    o->dish = yz__pg_str(q, row, at + 3);
    o->dish_en = yz__pg_str(q, row, at + 4);
    o->price_cents = (int)yz__pg_i64(q, row, at + 5);
    o->quota = (int)yz__pg_i64(q, row, at + 6);
    o->sold = (int)yz__pg_i64(q, row, at + 7);
    o->created_at = yz__pg_i64(q, row, at + 8);
    read_canteen(q, row, at + 9, &o->canteen);
}

static void read_order(const PGresult *q, int row, yz_meal_order *r)
{
    memset(r, 0, sizeof *r);
    r->id = yz__pg_i64(q, row, 0);
    r->worker_id = yz__pg_i64(q, row, 1);
    r->day = (int32_t)yz__pg_i64(q, row, 2);
    const char *code = PQgetisnull(q, row, 3) ? "" : PQgetvalue(q, row, 3);
    snprintf(r->code, sizeof r->code, "%s", code);
    r->created_at = yz__pg_i64(q, row, 4);
    r->expires_at = yz__pg_i64(q, row, 5);
    r->redeemed_at = yz__pg_i64(q, row, 6);
    read_offer(q, row, 7, &r->offer);
}

/* The error for a row that must exist but does not (SQLite answers its "not an error"). */
static int vanished(yz_errinfo *ei, const char *what)
{
    return yz_err_setf(ei, YZ_EDB, "", "数据库错误（%s）：记录不存在",
                       "database error (%s): row vanished", what);
}

/* --- canteens -------------------------------------------------------------------------------- */

/* Canteen `id` into `out` (left zeroed on failure), inside the caller's transaction. */
static int get_canteen(PGconn *c, int64_t id, yz_canteen *out, yz_errinfo *ei)
{
    yz_pg_params p = {0};
    yz__pg_p_i64(&p, id);
    PGresult *q =
        yz__pg_query(c, "SELECT " CANTEEN_COLS " FROM canteens c WHERE c.id = $1", &p, ei);
    if (!q)
        return YZ_EDB;
    int err = YZ_OK;
    if (PQntuples(q) > 0)
        read_canteen(q, 0, 0, out);
    else
        err = yz_err_setf(ei, YZ_ENOTFOUND, "id", "食堂 %lld 不存在", "canteen %lld not found",
                          (long long)id);
    PQclear(q);
    return err;
}

struct canteen_create_ctx {
    const yz_canteen *in;
    int64_t now;
    int64_t id; /* out */
};

static int canteen_create_body(pg_store *s, PGconn *c, void *arg, yz_errinfo *ei)
{
    struct canteen_create_ctx *x = arg;
    const yz_canteen *in = x->in;
    x->id = 0;
    if (in->station_id) {
        yz_pg_params p = {0};
        yz__pg_p_i64(&p, in->station_id);
        PGresult *q = yz__pg_query(c, "SELECT 1 FROM stations WHERE id = $1", &p, ei);
        if (!q)
            return YZ_EDB;
        int found = PQntuples(q) > 0;
        PQclear(q);
        if (!found)
            return yz_err_setf(ei, YZ_EINVAL, "station_id", "驿站 %lld 不存在",
                               "station %lld does not exist", (long long)in->station_id);
    }
    yz_pg_params p = {0};
    yz__pg_p_str(&p, in->name);
    yz__pg_p_str(&p, in->address);
    if (in->station_id)
        yz__pg_p_i64(&p, in->station_id);
    else
        yz__pg_p_null(&p);
    yz__pg_p_f64(&p, in->lat);
    yz__pg_p_f64(&p, in->lon);
    yz__pg_p_i64(&p, in->opens_min);
    yz__pg_p_i64(&p, in->closes_min);
    yz__pg_p_i64(&p, x->now);
    PGresult *q =
        yz__pg_query(c,
                     "INSERT INTO canteens (name, address, station_id, lat, lon,"
                     " opens_min, closes_min, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)"
                     " RETURNING id",
                     &p, ei);
    if (!q)
        return YZ_EDB;
    int err = YZ_OK;
    if (PQntuples(q) == 1)
        x->id = yz__pg_i64(q, 0, 0);
    else
        err = vanished(ei, "canteens");
    PQclear(q);
    return err;
}

static int pg_canteen_create(yz_store *st, yz_canteen *c, yz_errinfo *ei)
{
    struct canteen_create_ctx x = {.in = c, .now = yz_time_now()};
    int err = yz__pg_tx((pg_store *)st, canteen_create_body, &x, ei);
    if (err)
        return err;
    c->id = x.id;
    c->created_at = x.now;
    return YZ_OK;
}

struct canteen_get_ctx {
    int64_t id;
    yz_canteen *out;
};

static int canteen_get_body(pg_store *s, PGconn *c, void *arg, yz_errinfo *ei)
{
    struct canteen_get_ctx *x = arg;
    yz_canteen_fini(x->out);
    return get_canteen(c, x->id, x->out, ei);
}

static int pg_canteen_get(yz_store *st, int64_t id, yz_canteen *out, yz_errinfo *ei)
{
    memset(out, 0, sizeof *out);
    struct canteen_get_ctx x = {.id = id, .out = out};
    int err = yz__pg_tx((pg_store *)st, canteen_get_body, &x, ei);
    if (err)
        yz_canteen_fini(out);
    return err;
}

static void read_canteen_row(const PGresult *r, int i, void *elem)
{
    read_canteen(r, i, 0, elem);
}

static void free_canteens(void *a, size_t n)
{
    yz_canteen_array_free(a, n);
}

static int pg_canteen_list(yz_store *st, yz_canteen **out, size_t *n, yz_errinfo *ei)
{
    void *a;
    int err = yz__pg_rows((pg_store *)st, "SELECT " CANTEEN_COLS " FROM canteens c ORDER BY c.id",
                          NULL, sizeof **out, read_canteen_row, free_canteens, &a, n, ei);
    *out = a;
    return err;
}

/* --- offers ---------------------------------------------------------------------------------- */

/* Offer `id` with its canteen into `out` (left zeroed on failure), inside the caller's
 * transaction. */
static int get_offer(PGconn *c, int64_t id, yz_meal_offer *out, yz_errinfo *ei)
{
    yz_pg_params p = {0};
    yz__pg_p_i64(&p, id);
    PGresult *q = yz__pg_query(c,
                               "SELECT " OFFER_COLS " FROM meal_offers o"
                               " JOIN canteens c ON c.id = o.canteen_id WHERE o.id = $1",
                               &p, ei);
    if (!q)
        return YZ_EDB;
    int err = YZ_OK;
    if (PQntuples(q) > 0)
        read_offer(q, 0, 0, out);
    else
        err = yz_err_setf(ei, YZ_ENOTFOUND, "offer_id", "餐品 %lld 不存在", "offer %lld not found",
                          (long long)id);
    PQclear(q);
    return err;
}

struct offer_create_ctx {
    const yz_meal_offer *in;
    int64_t now;
    int64_t id;         /* out */
    yz_canteen canteen; /* out */
};

static int offer_create_body(pg_store *s, PGconn *c, void *arg, yz_errinfo *ei)
{
    struct offer_create_ctx *x = arg;
    const yz_meal_offer *in = x->in;
    x->id = 0;
    yz_canteen_fini(&x->canteen);
    int err = get_canteen(c, in->canteen_id, &x->canteen, ei);
    if (err)
        return err;
    yz_pg_params p = {0};
    yz__pg_p_i64(&p, in->canteen_id);
    yz__pg_p_i64(&p, in->day);
    yz__pg_p_str(&p, in->dish);
    yz__pg_p_str(&p, in->dish_en);
    yz__pg_p_i64(&p, in->price_cents);
    yz__pg_p_i64(&p, in->quota);
    yz__pg_p_i64(&p, x->now);
    PGresult *q =
        yz__pg_query(c,
                     "INSERT INTO meal_offers (canteen_id, day, dish, dish_en,"
                     " price_cents, quota, sold, created_at) VALUES ($1,$2,$3,$4,$5,$6,0,$7)"
                     " RETURNING id",
                     &p, ei);
    if (!q)
        return YZ_EDB;
    if (PQntuples(q) == 1)
        x->id = yz__pg_i64(q, 0, 0);
    else
        err = vanished(ei, "meal_offers");
    PQclear(q);
    return err;
}

static int pg_offer_create(yz_store *st, yz_meal_offer *o, yz_errinfo *ei)
{
    struct offer_create_ctx x = {.in = o, .now = yz_time_now()};
    int err = yz__pg_tx((pg_store *)st, offer_create_body, &x, ei);
    if (err) {
        yz_canteen_fini(&x.canteen);
        return err;
    }
    o->id = x.id;
    o->created_at = x.now;
    o->sold = 0;
    yz_canteen_fini(&o->canteen);
    o->canteen = x.canteen;
    return YZ_OK;
}

struct offer_get_ctx {
    int64_t id;
    yz_meal_offer *out;
};

static int offer_get_body(pg_store *s, PGconn *c, void *arg, yz_errinfo *ei)
{
    struct offer_get_ctx *x = arg;
    yz_meal_offer_fini(x->out);
    return get_offer(c, x->id, x->out, ei);
}

static int pg_offer_get(yz_store *st, int64_t id, yz_meal_offer *out, yz_errinfo *ei)
{
    memset(out, 0, sizeof *out);
    struct offer_get_ctx x = {.id = id, .out = out};
    int err = yz__pg_tx((pg_store *)st, offer_get_body, &x, ei);
    if (err)
        yz_meal_offer_fini(out);
    return err;
}

static void read_offer_row(const PGresult *r, int i, void *elem)
{
    read_offer(r, i, 0, elem);
}

static void free_offers(void *a, size_t n)
{
    yz_meal_offer_array_free(a, n);
}

static int pg_offer_list(yz_store *st, int32_t day, yz_meal_offer **out, size_t *n, yz_errinfo *ei)
{
    yz_pg_params p = {0};
    yz__pg_p_i64(&p, day);
    void *a;
    int err = yz__pg_rows((pg_store *)st,
                          "SELECT " OFFER_COLS " FROM meal_offers o"
                          " JOIN canteens c ON c.id = o.canteen_id WHERE o.day = $1"
                          " ORDER BY o.canteen_id, o.id",
                          &p, sizeof **out, read_offer_row, free_offers, &a, n, ei);
    *out = a;
    return err;
}

/* --- orders ---------------------------------------------------------------------------------- */

/* Order `id` with its offer and canteen, inside the caller's transaction. */
static int get_order(PGconn *c, int64_t id, yz_meal_order *out, yz_errinfo *ei)
{
    yz_pg_params p = {0};
    yz__pg_p_i64(&p, id);
    PGresult *q = yz__pg_query(c, "SELECT " ORDER_COLS ORDER_FROM " WHERE r.id = $1", &p, ei);
    if (!q)
        return YZ_EDB;
    int err = YZ_OK;
    if (PQntuples(q) > 0)
        read_order(q, 0, out);
    else
        err = vanished(ei, "meal_orders");
    PQclear(q);
    return err;
}

static int one_a_day(yz_errinfo *ei)
{
    return yz_err_set(ei, YZ_ECONFLICT, "offer_id", "每人每天只能订一份优惠餐（one meal a day）",
                      "one meal a day: you already have an order for that day");
}

/* The rules and the writes of one order, inside the caller's transaction. */
static int order_tx(PGconn *c, int64_t worker_id, const yz_meal_offer *o, int64_t now,
                    int64_t *order_id, yz_errinfo *ei)
{
    int err = yz_meal_check_window(o, now, ei);
    if (err)
        return err;
    /* One subsidized meal a day, at any canteen. */
    yz_pg_params p = {0};
    yz__pg_p_i64(&p, worker_id);
    yz__pg_p_i64(&p, o->day);
    PGresult *q =
        yz__pg_query(c, "SELECT 1 FROM meal_orders WHERE worker_id = $1 AND day = $2", &p, ei);
    if (!q)
        return YZ_EDB;
    int taken = PQntuples(q) > 0;
    PQclear(q);
    if (taken)
        return one_a_day(ei);
    /* Take one meal of the quota, or learn it is sold out. */
    int64_t changed = 0;
    p = (yz_pg_params){0};
    yz__pg_p_i64(&p, o->id);
    err = yz__pg_exec(c, "UPDATE meal_offers SET sold = sold + 1 WHERE id = $1 AND sold < quota",
                      &p, &changed, ei);
    if (err)
        return err;
    if (changed != 1)
        return yz_err_set(ei, YZ_ECONFLICT, "offer_id", "已售罄（sold out）",
                          "sold out: no meals of this offer are left");
    /* A pickup code not yet used at this canteen on this day. With 31^6 codes and at most a
     * few thousand orders a day, a collision is rare; eight draws in a row failing is not a
     * thing that happens. */
    char code[YZ_PICKUP_CODE_LEN + 1];
    bool fresh = false;
    for (int tries = 0; tries < 8 && !fresh; tries++) {
        yz_meal_pickup_code(code);
        p = (yz_pg_params){0};
        yz__pg_p_i64(&p, o->canteen_id);
        yz__pg_p_i64(&p, o->day);
        yz__pg_p_text(&p, code);
        q = yz__pg_query(c,
                         "SELECT 1 FROM meal_orders WHERE canteen_id = $1 AND day = $2"
                         " AND pickup_code = $3",
                         &p, ei);
        if (!q)
            return YZ_EDB;
        fresh = PQntuples(q) == 0;
        PQclear(q);
    }
    if (!fresh)
        return yz_err_set(ei, YZ_EUNAVAIL, "", "取餐码暂时用尽，请重试",
                          "no free pickup code found; try again");
    p = (yz_pg_params){0};
    yz__pg_p_i64(&p, o->id);
    yz__pg_p_i64(&p, o->canteen_id);
    yz__pg_p_i64(&p, worker_id);
    yz__pg_p_i64(&p, o->day);
    yz__pg_p_text(&p, code);
    yz__pg_p_i64(&p, now);
    yz__pg_p_i64(&p, yz_meal_instant(o->day, o->canteen.closes_min));
    q = yz__pg_query(c,
                     "INSERT INTO meal_orders (offer_id, canteen_id, worker_id, day,"
                     " pickup_code, created_at, expires_at) VALUES ($1,$2,$3,$4,$5,$6,$7)"
                     " RETURNING id",
                     &p, ei);
    if (!q) {
        /* As SQLite answers any SQLITE_CONSTRAINT on this insert. */
        const char *state = yz__pg_sqlstate();
        if (!strcmp(state, "23505") || !strcmp(state, "23514") || !strcmp(state, "23503"))
            return one_a_day(ei);
        return YZ_EDB;
    }
    if (PQntuples(q) == 1)
        *order_id = yz__pg_i64(q, 0, 0);
    else
        err = vanished(ei, "meal_orders");
    PQclear(q);
    return err;
}

struct order_create_ctx {
    int64_t worker_id, offer_id, now;
    yz_meal_order *out; /* out */
};

static int order_create_body(pg_store *s, PGconn *c, void *arg, yz_errinfo *ei)
{
    struct order_create_ctx *x = arg;
    yz_meal_offer o = {0};
    int64_t order_id = 0;
    yz_meal_order_fini(x->out);
    int err = get_offer(c, x->offer_id, &o, ei);
    if (!err)
        err = order_tx(c, x->worker_id, &o, x->now, &order_id, ei);
    if (!err)
        err = get_order(c, order_id, x->out, ei);
    yz_meal_offer_fini(&o);
    return err;
}

static int pg_order_create(yz_store *st, int64_t worker_id, int64_t offer_id, int64_t now,
                           yz_meal_order *out, yz_errinfo *ei)
{
    memset(out, 0, sizeof *out);
    struct order_create_ctx x = {
        .worker_id = worker_id, .offer_id = offer_id, .now = now, .out = out};
    int err = yz__pg_tx((pg_store *)st, order_create_body, &x, ei);
    if (err)
        yz_meal_order_fini(out);
    return err;
}

struct redeem_ctx {
    int64_t canteen_id;
    const char *code;
    int64_t now;
    yz_meal_order *out; /* out */
    bool expired;       /* out: the order had expired (marked so, the mark commits) */
};

static int redeem_body(pg_store *s, PGconn *c, void *arg, yz_errinfo *ei)
{
    struct redeem_ctx *x = arg;
    yz_meal_order *out = x->out;
    yz_canteen cant = {0};
    yz_meal_order_fini(out);
    x->expired = false;
    int err = get_canteen(c, x->canteen_id, &cant, ei);
    yz_canteen_fini(&cant);
    if (err)
        return err;
    yz_pg_params p = {0};
    yz__pg_p_i64(&p, x->canteen_id);
    yz__pg_p_text(&p, x->code);
    PGresult *q = yz__pg_query(c,
                               "SELECT " ORDER_COLS ORDER_FROM
                               " WHERE r.canteen_id = $1 AND r.pickup_code = $2"
                               " ORDER BY r.day DESC LIMIT 1",
                               &p, ei);
    if (!q)
        return YZ_EDB;
    bool found = PQntuples(q) > 0;
    if (found)
        read_order(q, 0, out);
    PQclear(q);
    if (!found)
        return yz_err_setf(ei, YZ_ENOTFOUND, "pickup_code", "取餐码 %s 不存在",
                           "pickup code %s not found", x->code);
    if (out->redeemed_at) {
        char iso[32];
        yz_time_format_iso8601(out->redeemed_at, YZ_MEAL_TZ_OFFSET_MIN, iso);
        return yz_err_setf(ei, YZ_ECONFLICT, "pickup_code",
                           "该取餐码已于 %s 核销（already redeemed）", "already redeemed at %s",
                           iso);
    }
    p = (yz_pg_params){0};
    if (x->now >= out->expires_at) {
        /* Mark it lazily, then report the expiry (after the commit); the mark commits. */
        x->expired = true;
        yz__pg_p_i64(&p, out->id);
        return yz__pg_exec(c,
                           "UPDATE meal_orders SET status = 'expired' WHERE id = $1"
                           " AND status = 'open'",
                           &p, NULL, ei);
    }
    int64_t changed = 0;
    yz__pg_p_i64(&p, x->now);
    yz__pg_p_i64(&p, out->id);
    err = yz__pg_exec(c,
                      "UPDATE meal_orders SET redeemed_at = $1, status = 'redeemed'"
                      " WHERE id = $2 AND redeemed_at IS NULL",
                      &p, &changed, ei);
    if (err)
        return err;
    if (changed != 1)
        return yz_err_set(ei, YZ_ECONFLICT, "pickup_code", "该取餐码已核销（already redeemed）",
                          "already redeemed");
    out->redeemed_at = x->now;
    return YZ_OK;
}

static int pg_order_redeem(yz_store *st, int64_t canteen_id, const char *code, int64_t now,
                           yz_meal_order *out, yz_errinfo *ei)
{
    memset(out, 0, sizeof *out);
    struct redeem_ctx x = {.canteen_id = canteen_id, .code = code, .now = now, .out = out};
    int err = yz__pg_tx((pg_store *)st, redeem_body, &x, ei);
    if (!err && x.expired) {
        char close[32];
        yz_time_format_iso8601(out->expires_at, YZ_MEAL_TZ_OFFSET_MIN, close);
        err = yz_err_setf(ei, YZ_ECONFLICT, "pickup_code", "该订单已于 %s 过期（expired），未核销",
                          "expired at %s, not redeemed", close);
    }
    if (err)
        yz_meal_order_fini(out);
    return err;
}

static void read_order_row(const PGresult *r, int i, void *elem)
{
    read_order(r, i, elem);
}

static void free_orders(void *a, size_t n)
{
    yz_meal_order_array_free(a, n);
}

static int pg_order_list(yz_store *st, int64_t worker_id, yz_meal_order **out, size_t *n,
                         yz_errinfo *ei)
{
    yz_pg_params p = {0};
    yz__pg_p_i64(&p, worker_id);
    void *a;
    int err = yz__pg_rows((pg_store *)st,
                          "SELECT " ORDER_COLS ORDER_FROM
                          " WHERE r.worker_id = $1 ORDER BY r.day DESC, r.id DESC LIMIT 100",
                          &p, sizeof **out, read_order_row, free_orders, &a, n, ei);
    *out = a;
    return err;
}

struct sweep_ctx {
    int64_t now;
    int64_t changed; /* out */
};

static int sweep_body(pg_store *s, PGconn *c, void *arg, yz_errinfo *ei)
{
    struct sweep_ctx *x = arg;
    x->changed = 0;
    yz_pg_params p = {0};
    yz__pg_p_i64(&p, x->now);
    return yz__pg_exec(c,
                       "UPDATE meal_orders SET status = 'expired'"
                       " WHERE status = 'open' AND expires_at <= $1",
                       &p, &x->changed, ei);
}

static int pg_sweep(yz_store *st, int64_t now, size_t *n_expired, yz_errinfo *ei)
{
    struct sweep_ctx x = {.now = now};
    int err = yz__pg_tx((pg_store *)st, sweep_body, &x, ei);
    if (n_expired)
        *n_expired = err ? 0 : (size_t)x.changed;
    return err;
}

const struct yz_store_meal_ops yz__pg_meal_ops = {
    .area = {"meals", NULL},
    .canteen_create = pg_canteen_create,
    .canteen_get = pg_canteen_get,
    .canteen_list = pg_canteen_list,
    .offer_create = pg_offer_create,
    .offer_get = pg_offer_get,
    .offer_list = pg_offer_list,
    .order_create = pg_order_create,
    .order_redeem = pg_order_redeem,
    .order_list = pg_order_list,
    .sweep = pg_sweep,
};

#endif /* YZ_HAVE_PG */
