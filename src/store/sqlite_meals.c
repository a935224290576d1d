/* SPDX-License-Identifier: MIT */
/* store/sqlite_meals.c - the meals area of the SQLite backend. An order is one BEGIN
 * IMMEDIATE transaction taken under the connection mutex: the day and window checks, the
 * one-a-day check, the conditional `sold = sold + 1 WHERE sold < quota` and the insert commit
 * together or not at all, so concurrent orders can never oversell (docs/internals/meals.md). */
#include "store/sqlite_int.h"

#include "core/alloc.h"
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

/* Read a canteen from columns at..at+8. */
static void read_canteen(sqlite3_stmt *q, int at, yz_canteen *c)
{
    memset(c, 0, sizeof *c);
    c->id = sqlite3_column_int64(q, at);
    c->name = yz__sq_col_str(q, at + 1);
    c->address = yz__sq_col_str(q, at + 2);
    c->station_id = sqlite3_column_int64(q, at + 3);
    c->lat = sqlite3_column_double(q, at + 4);
    c->lon = sqlite3_column_double(q, at + 5);
    c->opens_min = sqlite3_column_int(q, at + 6);
    c->closes_min = sqlite3_column_int(q, at + 7);
    c->created_at = sqlite3_column_int64(q, at + 8);
}

/* Read an offer and its canteen from columns at..at+17. */
static void read_offer(sqlite3_stmt *q, int at, yz_meal_offer *o)
{
    memset(o, 0, sizeof *o);
    o->id = sqlite3_column_int64(q, at);
    o->canteen_id = sqlite3_column_int64(q, at + 1);
    o->day = (int32_t)sqlite3_column_int64(q, at + 2);
    o->dish = yz__sq_col_str(q, at + 3);
    o->dish_en = yz__sq_col_str(q, at + 4);
    o->price_cents = sqlite3_column_int(q, at + 5);
    o->quota = sqlite3_column_int(q, at + 6);
    o->sold = sqlite3_column_int(q, at + 7);
    o->created_at = sqlite3_column_int64(q, at + 8);
    read_canteen(q, at + 9, &o->canteen);
}

static void read_order(sqlite3_stmt *q, yz_meal_order *r)
{
    memset(r, 0, sizeof *r);
    r->id = sqlite3_column_int64(q, 0);
    r->worker_id = sqlite3_column_int64(q, 1);
    r->day = (int32_t)sqlite3_column_int64(q, 2);
    const unsigned char *code = sqlite3_column_text(q, 3);
    snprintf(r->code, sizeof r->code, "%s", code ? (const char *)code : "");
    r->created_at = sqlite3_column_int64(q, 4);
    r->expires_at = sqlite3_column_int64(q, 5);
    r->redeemed_at = sqlite3_column_int64(q, 6);
    read_offer(q, 7, &r->offer);
}

/* --- canteens -------------------------------------------------------------------------------- */

static int sq_canteen_create(yz_store *st, yz_canteen *c, yz_errinfo *ei)
{
    sq_store *s = (sq_store *)st;
    sqlite3_stmt *q = NULL;
    pthread_mutex_lock(&s->mu);
    int err = yz__sq_begin(s, ei);
    if (!err && c->station_id) {
        err = yz__sq_prepare(s, "SELECT 1 FROM stations WHERE id = ?", &q, ei);
        if (!err) {
            sqlite3_bind_int64(q, 1, c->station_id);
            if (sqlite3_step(q) != SQLITE_ROW)
                err = yz_err_setf(ei, YZ_EINVAL, "station_id", "驿站 %lld 不存在",
                                  "station %lld does not exist", (long long)c->station_id);
            sqlite3_finalize(q);
        }
    }
    if (!err)
        err = yz__sq_prepare(s,
                             "INSERT INTO canteens (name, address, station_id, lat, lon,"
                             " opens_min, closes_min, created_at) VALUES (?,?,?,?,?,?,?,?)",
                             &q, ei);
    if (!err) {
        int64_t now = yz_time_now();
        yz__sq_bind_str(q, 1, c->name);
        yz__sq_bind_str(q, 2, c->address);
        if (c->station_id)
            sqlite3_bind_int64(q, 3, c->station_id);
        sqlite3_bind_double(q, 4, c->lat);
        sqlite3_bind_double(q, 5, c->lon);
        sqlite3_bind_int(q, 6, c->opens_min);
        sqlite3_bind_int(q, 7, c->closes_min);
        sqlite3_bind_int64(q, 8, now);
        if (sqlite3_step(q) != SQLITE_DONE) {
            err = yz__sq_db_err(s, ei, "canteens");
        } else {
            c->id = sqlite3_last_insert_rowid(s->db);
            c->created_at = now;
        }
        sqlite3_finalize(q);
    }
    err = yz__sq_finish(s, err, ei);
    pthread_mutex_unlock(&s->mu);
    return err;
}

/* Canteen `id` with the mutex held. */
static int get_canteen(sq_store *s, int64_t id, yz_canteen *out, yz_errinfo *ei)
{
    sqlite3_stmt *q = NULL;
    int err = yz__sq_prepare(s, "SELECT " CANTEEN_COLS " FROM canteens c WHERE c.id = ?", &q, ei);
    if (err)
        return err;
    sqlite3_bind_int64(q, 1, id);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW)
        read_canteen(q, 0, out);
    else if (rc == SQLITE_DONE)
        err = yz_err_setf(ei, YZ_ENOTFOUND, "id", "食堂 %lld 不存在", "canteen %lld not found",
                          (long long)id);
    else
        err = yz__sq_db_err(s, ei, "canteens");
    sqlite3_finalize(q);
    return err;
}

static int sq_canteen_get(yz_store *st, int64_t id, yz_canteen *out, yz_errinfo *ei)
{
    sq_store *s = (sq_store *)st;
    memset(out, 0, sizeof *out);
    pthread_mutex_lock(&s->mu);
    int err = get_canteen(s, id, out, ei);
    pthread_mutex_unlock(&s->mu);
    return err;
}

static int sq_canteen_list(yz_store *st, yz_canteen **out, size_t *n, yz_errinfo *ei)
{
    sq_store *s = (sq_store *)st;
    sqlite3_stmt *q = NULL;
    yz_canteen *a = NULL;
    size_t len = 0, cap = 0;
    *out = NULL;
    *n = 0;
    pthread_mutex_lock(&s->mu);
    int err = yz__sq_prepare(s, "SELECT " CANTEEN_COLS " FROM canteens c ORDER BY c.id", &q, ei);
    int rc = SQLITE_DONE;
    while (!err && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        if (len == cap) {
            cap = cap ? cap * 2 : 16;
            a = yz_reallocarray(a, cap, sizeof *a);
        }
        read_canteen(q, 0, &a[len++]);
    }
    if (!err && rc != SQLITE_DONE)
        err = yz__sq_db_err(s, ei, "canteens");
    sqlite3_finalize(q);
    pthread_mutex_unlock(&s->mu);
    if (err) {
        yz_canteen_array_free(a, len);
        return err;
    }
    *out = a;
    *n = len;
    return YZ_OK;
}

/* --- offers ---------------------------------------------------------------------------------- */

/* Offer `id` with the mutex held. */
static int get_offer(sq_store *s, int64_t id, yz_meal_offer *out, yz_errinfo *ei)
{
    sqlite3_stmt *q = NULL;
    int err = yz__sq_prepare(s,
                             "SELECT " OFFER_COLS " FROM meal_offers o"
                             " JOIN canteens c ON c.id = o.canteen_id WHERE o.id = ?",
                             &q, ei);
    if (err)
        return err;
    sqlite3_bind_int64(q, 1, id);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW)
        read_offer(q, 0, out);
    else if (rc == SQLITE_DONE)
        err = yz_err_setf(ei, YZ_ENOTFOUND, "offer_id", "餐品 %lld 不存在", "offer %lld not found",
                          (long long)id);
    else
        err = yz__sq_db_err(s, ei, "meal_offers");
    sqlite3_finalize(q);
    return err;
}

static int sq_offer_create(yz_store *st, yz_meal_offer *o, yz_errinfo *ei)
{
    sq_store *s = (sq_store *)st;
    sqlite3_stmt *q = NULL;
    yz_canteen c = {0};
    pthread_mutex_lock(&s->mu);
    int err = yz__sq_begin(s, ei);
    if (!err)
        err = get_canteen(s, o->canteen_id, &c, ei);
    if (!err)
        err = yz__sq_prepare(s,
                             "INSERT INTO meal_offers (canteen_id, day, dish, dish_en,"
                             " price_cents, quota, sold, created_at) VALUES (?,?,?,?,?,?,0,?)",
                             &q, ei);
    if (!err) {
        int64_t now = yz_time_now();
        sqlite3_bind_int64(q, 1, o->canteen_id);
        sqlite3_bind_int64(q, 2, o->day);
        yz__sq_bind_str(q, 3, o->dish);
        yz__sq_bind_str(q, 4, o->dish_en);
        sqlite3_bind_int(q, 5, o->price_cents);
        sqlite3_bind_int(q, 6, o->quota);
        sqlite3_bind_int64(q, 7, now);
        if (sqlite3_step(q) != SQLITE_DONE) {
            err = yz__sq_db_err(s, ei, "meal_offers");
        } else {
            o->id = sqlite3_last_insert_rowid(s->db);
            o->created_at = now;
            o->sold = 0;
        }
        sqlite3_finalize(q);
    }
    err = yz__sq_finish(s, err, ei);
    pthread_mutex_unlock(&s->mu);
    if (err) {
        yz_canteen_fini(&c);
        return err;
    }
    yz_canteen_fini(&o->canteen);
    o->canteen = c;
    return YZ_OK;
}

static int sq_offer_get(yz_store *st, int64_t id, yz_meal_offer *out, yz_errinfo *ei)
{
    sq_store *s = (sq_store *)st;
    memset(out, 0, sizeof *out);
    pthread_mutex_lock(&s->mu);
    int err = get_offer(s, id, out, ei);
    pthread_mutex_unlock(&s->mu);
    return err;
}

static int sq_offer_list(yz_store *st, int32_t day, yz_meal_offer **out, size_t *n, yz_errinfo *ei)
{
    sq_store *s = (sq_store *)st;
    sqlite3_stmt *q = NULL;
    yz_meal_offer *a = NULL;
    size_t len = 0, cap = 0;
    *out = NULL;
    *n = 0;
    pthread_mutex_lock(&s->mu);
    int err = yz__sq_prepare(s,
                             "SELECT " OFFER_COLS " FROM meal_offers o"
                             " JOIN canteens c ON c.id = o.canteen_id WHERE o.day = ?"
                             " ORDER BY o.canteen_id, o.id",
                             &q, ei);
    int rc = SQLITE_DONE;
    if (!err)
        sqlite3_bind_int64(q, 1, day);
    while (!err && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        if (len == cap) {
            cap = cap ? cap * 2 : 16;
            a = yz_reallocarray(a, cap, sizeof *a);
        }
        read_offer(q, 0, &a[len++]);
    }
    if (!err && rc != SQLITE_DONE)
        err = yz__sq_db_err(s, ei, "meal_offers");
    sqlite3_finalize(q);
    pthread_mutex_unlock(&s->mu);
    if (err) {
        yz_meal_offer_array_free(a, len);
        return err;
    }
    *out = a;
    *n = len;
    return YZ_OK;
}

/* --- orders ---------------------------------------------------------------------------------- */

/* Order `id` with the mutex held. */
static int get_order(sq_store *s, int64_t id, yz_meal_order *out, yz_errinfo *ei)
{
    sqlite3_stmt *q = NULL;
    int err = yz__sq_prepare(s, "SELECT " ORDER_COLS ORDER_FROM " WHERE r.id = ?", &q, ei);
    if (err)
        return err;
    sqlite3_bind_int64(q, 1, id);
    if (sqlite3_step(q) == SQLITE_ROW)
        read_order(q, out);
    else
        err = yz__sq_db_err(s, ei, "meal_orders");
    sqlite3_finalize(q);
    return err;
}

/* Step a prepared statement to its end; YZ_OK or the database error. */
static int step_done(sq_store *s, sqlite3_stmt *q, const char *what, yz_errinfo *ei)
{
    int rc = sqlite3_step(q);
    sqlite3_finalize(q);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? YZ_OK : yz__sq_db_err(s, ei, what);
}

/* The rules and the writes of one order, inside the caller's transaction. */
static int order_tx(sq_store *s, int64_t worker_id, const yz_meal_offer *o, int64_t now,
                    int64_t *order_id, yz_errinfo *ei)
{
    sqlite3_stmt *q = NULL;
    int err = yz_meal_check_window(o, now, ei);
    if (err)
        return err;
    /* One subsidized meal a day, at any canteen. */
    err = yz__sq_prepare(s, "SELECT 1 FROM meal_orders WHERE worker_id = ? AND day = ?", &q, ei);
    if (err)
        return err;
    sqlite3_bind_int64(q, 1, worker_id);
    sqlite3_bind_int64(q, 2, o->day);
    int rc = sqlite3_step(q);
    sqlite3_finalize(q);
    if (rc == SQLITE_ROW)
        return yz_err_set(ei, YZ_ECONFLICT, "offer_id",
                          "每人每天只能订一份优惠餐（one meal a day）",
                          "one meal a day: you already have an order for that day");
    if (rc != SQLITE_DONE)
        return yz__sq_db_err(s, ei, "meal_orders");
    /* Take one meal of the quota, or learn it is sold out. */
    err = yz__sq_prepare(s, "UPDATE meal_offers SET sold = sold + 1 WHERE id = ? AND sold < quota",
                         &q, ei);
    if (err)
        return err;
    sqlite3_bind_int64(q, 1, o->id);
    if ((err = step_done(s, q, "meal_offers", ei)))
        return err;
    if (sqlite3_changes(s->db) != 1)
        return yz_err_set(ei, YZ_ECONFLICT, "offer_id", "已售罄（sold out）",
                          "sold out: no meals of this offer are left");
    /* A pickup code not yet used at this canteen on this day. With 31^6 codes and at most a
     * few thousand orders a day, a collision is rare; eight draws in a row failing is not a
     * thing that happens. */
    char code[YZ_PICKUP_CODE_LEN + 1];
    bool fresh = false;
    for (int tries = 0; tries < 8 && !fresh; tries++) {
        yz_meal_pickup_code(code);
        err = yz__sq_prepare(s,
                             "SELECT 1 FROM meal_orders WHERE canteen_id = ? AND day = ?"
                             " AND pickup_code = ?",
                             &q, ei);
        if (err)
            return err;
        sqlite3_bind_int64(q, 1, o->canteen_id);
        sqlite3_bind_int64(q, 2, o->day);
        sqlite3_bind_text(q, 3, code, -1, SQLITE_STATIC);
        rc = sqlite3_step(q);
        sqlite3_finalize(q);
        if (rc != SQLITE_ROW && rc != SQLITE_DONE)
            return yz__sq_db_err(s, ei, "meal_orders");
        fresh = rc == SQLITE_DONE;
    }
    if (!fresh)
        return yz_err_set(ei, YZ_EUNAVAIL, "", "取餐码暂时用尽，请重试",
                          "no free pickup code found; try again");
    err = yz__sq_prepare(s,
                         "INSERT INTO meal_orders (offer_id, canteen_id, worker_id, day,"
                         " pickup_code, created_at, expires_at) VALUES (?,?,?,?,?,?,?)",
                         &q, ei);
    if (err)
        return err;
    sqlite3_bind_int64(q, 1, o->id);
    sqlite3_bind_int64(q, 2, o->canteen_id);
    sqlite3_bind_int64(q, 3, worker_id);
    sqlite3_bind_int64(q, 4, o->day);
    sqlite3_bind_text(q, 5, code, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 6, now);
    sqlite3_bind_int64(q, 7, yz_meal_instant(o->day, o->canteen.closes_min));
    rc = sqlite3_step(q);
    sqlite3_finalize(q);
    if (rc == SQLITE_CONSTRAINT)
        return yz_err_set(ei, YZ_ECONFLICT, "offer_id",
                          "每人每天只能订一份优惠餐（one meal a day）",
                          "one meal a day: you already have an order for that day");
    if (rc != SQLITE_DONE)
        return yz__sq_db_err(s, ei, "meal_orders");
    *order_id = sqlite3_last_insert_rowid(s->db);
    return YZ_OK;
}

static int sq_order_create(yz_store *st, int64_t worker_id, int64_t offer_id, int64_t now,
                           yz_meal_order *out, yz_errinfo *ei)
{
    sq_store *s = (sq_store *)st;
    yz_meal_offer o = {0};
    int64_t order_id = 0;
    memset(out, 0, sizeof *out);
    pthread_mutex_lock(&s->mu);
    int err = yz__sq_begin(s, ei);
    if (!err)
        err = get_offer(s, offer_id, &o, ei);
    if (!err)
        err = order_tx(s, worker_id, &o, now, &order_id, ei);
    if (!err)
        err = get_order(s, order_id, out, ei);
    err = yz__sq_finish(s, err, ei);
    pthread_mutex_unlock(&s->mu);
    yz_meal_offer_fini(&o);
    if (err)
        yz_meal_order_fini(out);
    return err;
}

static int sq_order_redeem(yz_store *st, int64_t canteen_id, const char *code, int64_t now,
                           yz_meal_order *out, yz_errinfo *ei)
{
    sq_store *s = (sq_store *)st;
    sqlite3_stmt *q = NULL;
    yz_canteen c = {0};
    memset(out, 0, sizeof *out);
    bool found = false, expired = false;
    pthread_mutex_lock(&s->mu);
    int err = yz__sq_begin(s, ei);
    if (!err)
        err = get_canteen(s, canteen_id, &c, ei);
    if (!err)
        err = yz__sq_prepare(s,
                             "SELECT " ORDER_COLS ORDER_FROM
                             " WHERE r.canteen_id = ? AND r.pickup_code = ?"
                             " ORDER BY r.day DESC LIMIT 1",
                             &q, ei);
    if (!err) {
        sqlite3_bind_int64(q, 1, canteen_id);
        sqlite3_bind_text(q, 2, code, -1, SQLITE_TRANSIENT);
        int rc = sqlite3_step(q);
        if (rc == SQLITE_ROW) {
            read_order(q, out);
            found = true;
        } else if (rc == SQLITE_DONE) {
            err = yz_err_setf(ei, YZ_ENOTFOUND, "pickup_code", "取餐码 %s 不存在",
                              "pickup code %s not found", code);
        } else {
            err = yz__sq_db_err(s, ei, "meal_orders");
        }
        sqlite3_finalize(q);
    }
    if (!err && out->redeemed_at) {
        char iso[32];
        yz_time_format_iso8601(out->redeemed_at, YZ_MEAL_TZ_OFFSET_MIN, iso);
        err =
            yz_err_setf(ei, YZ_ECONFLICT, "pickup_code", "该取餐码已于 %s 核销（already redeemed）",
                        "already redeemed at %s", iso);
    } else if (!err && now >= out->expires_at) {
        /* Mark it lazily, then report the expiry; the mark commits. */
        expired = true;
        err = yz__sq_prepare(s,
                             "UPDATE meal_orders SET status = 'expired' WHERE id = ?"
                             " AND status = 'open'",
                             &q, ei);
        if (!err) {
            sqlite3_bind_int64(q, 1, out->id);
            err = step_done(s, q, "meal_orders", ei);
        }
    } else if (!err) {
        err = yz__sq_prepare(s,
                             "UPDATE meal_orders SET redeemed_at = ?, status = 'redeemed'"
                             " WHERE id = ? AND redeemed_at IS NULL",
                             &q, ei);
        if (!err) {
            sqlite3_bind_int64(q, 1, now);
            sqlite3_bind_int64(q, 2, out->id);
            err = step_done(s, q, "meal_orders", ei);
        }
        if (!err && sqlite3_changes(s->db) != 1)
            err = yz_err_set(ei, YZ_ECONFLICT, "pickup_code", "该取餐码已核销（already redeemed）",
                             "already redeemed");
        if (!err)
            out->redeemed_at = now;
    }
    err = yz__sq_finish(s, err, ei);
    pthread_mutex_unlock(&s->mu);
    yz_canteen_fini(&c);
    if (!err && expired) {
        char close[32];
        yz_time_format_iso8601(out->expires_at, YZ_MEAL_TZ_OFFSET_MIN, close);
        err = yz_err_setf(ei, YZ_ECONFLICT, "pickup_code", "该订单已于 %s 过期（expired），未核销",
                          "expired at %s, not redeemed", close);
    }
    if (err && found)
        yz_meal_order_fini(out);
    return err;
}

static int sq_order_list(yz_store *st, int64_t worker_id, yz_meal_order **out, size_t *n,
                         yz_errinfo *ei)
{
    sq_store *s = (sq_store *)st;
    sqlite3_stmt *q = NULL;
    yz_meal_order *a = NULL;
    size_t len = 0, cap = 0;
    *out = NULL;
    *n = 0;
    pthread_mutex_lock(&s->mu);
    int err = yz__sq_prepare(s,
                             "SELECT " ORDER_COLS ORDER_FROM
                             " WHERE r.worker_id = ? ORDER BY r.day DESC, r.id DESC LIMIT 100",
                             &q, ei);
    int rc = SQLITE_DONE;
    if (!err)
        sqlite3_bind_int64(q, 1, worker_id);
    while (!err && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        if (len == cap) {
            cap = cap ? cap * 2 : 8;
            a = yz_reallocarray(a, cap, sizeof *a);
        }
        read_order(q, &a[len++]);
    }
    if (!err && rc != SQLITE_DONE)
        err = yz__sq_db_err(s, ei, "meal_orders");
    sqlite3_finalize(q);
    pthread_mutex_unlock(&s->mu);
    if (err) {
        yz_meal_order_array_free(a, len);
        return err;
    }
    *out = a;
    *n = len;
    return YZ_OK;
}

static int sq_sweep(yz_store *st, int64_t now, size_t *n_expired, yz_errinfo *ei)
{
    sq_store *s = (sq_store *)st;
    sqlite3_stmt *q = NULL;
    size_t changed = 0;
    pthread_mutex_lock(&s->mu);
    int err = yz__sq_begin(s, ei);
    if (!err)
        err = yz__sq_prepare(s,
                             "UPDATE meal_orders SET status = 'expired'"
                             " WHERE status = 'open' AND expires_at <= ?",
                             &q, ei);
    if (!err) {
        sqlite3_bind_int64(q, 1, now);
        err = step_done(s, q, "meal_orders", ei);
        if (!err)
            changed = (size_t)sqlite3_changes(s->db);
    }
    err = yz__sq_finish(s, err, ei);
    pthread_mutex_unlock(&s->mu);
    if (n_expired)
        *n_expired = err ? 0 : changed;
    return err;
}

const struct yz_store_meal_ops yz__sqlite_meal_ops = {
    .area = {"meals", NULL},
    .canteen_create = sq_canteen_create,
    .canteen_get = sq_canteen_get,
    .canteen_list = sq_canteen_list,
    .offer_create = sq_offer_create,
    .offer_get = sq_offer_get,
    .offer_list = sq_offer_list,
    .order_create = sq_order_create,
    .order_redeem = sq_order_redeem,
    .order_list = sq_order_list,
    .sweep = sq_sweep,
};
