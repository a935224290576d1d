/* SPDX-License-Identifier: MIT */
/* store/meals.c - the meals area: local days and times of China Standard Time, pickup codes,
 * order status, record lifetimes, and canteens, offers and orders in the store, written once
 * for both backends (store/db.h). An order is one write transaction: the day and window
 * checks, the one-a-day check, the conditional `sold = sold + 1 WHERE sold < quota` and the
 * insert commit together or not at all, so concurrent orders, from threads or from several
 * nodes sharing PostgreSQL, never oversell (docs/internals/meals.md). */
#include "store/meals.h"

#include "core/alloc.h"
#include "core/time.h"
#include "store/db.h"

#include <ctype.h>
#include <sodium.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

int32_t yz_meal_day(int64_t t)
{
    return (int32_t)floor_div(t + YZ_MEAL_TZ_OFFSET_MIN * 60, 86400);
}

int64_t yz_meal_instant(int32_t day, int min)
{
    return (int64_t)day * 86400 + (int64_t)min * 60 - YZ_MEAL_TZ_OFFSET_MIN * 60;
}

static bool digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

int yz_meal_parse_hhmm(const char *s, const char *field, int *min, yz_errinfo *ei)
{
    if (s && strlen(s) == 5 && s[2] == ':' && digits(s, 2) && digits(s + 3, 2)) {
        int h = (s[0] - '0') * 10 + (s[1] - '0'), m = (s[3] - '0') * 10 + (s[4] - '0');
        if ((h < 24 && m < 60) || (h == 24 && m == 0)) {
            *min = h * 60 + m;
            return YZ_OK;
        }
    }
    return yz_err_setf(ei, YZ_EINVAL, field, "%s 须为当地时间 HH:MM（00:00 到 24:00）",
                       "%s must be a local time HH:MM (00:00 to 24:00)", field);
}

void yz_meal_format_hhmm(int min, char out[6])
{
    unsigned h = (unsigned)(min < 0 ? 0 : min) / 60 % 100, m = (unsigned)(min < 0 ? 0 : min) % 60;
    out[0] = (char)('0' + h / 10);
    out[1] = (char)('0' + h % 10);
    out[2] = ':';
    out[3] = (char)('0' + m / 10);
    out[4] = (char)('0' + m % 10);
    out[5] = '\0';
}

int yz_meal_parse_date(const char *s, const char *field, int32_t *day, yz_errinfo *ei)
{
    if (s && strlen(s) == 10 && s[4] == '-' && s[7] == '-' && digits(s, 4) && digits(s + 5, 2) &&
        digits(s + 8, 2)) {
        int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
        int m = (s[5] - '0') * 10 + (s[6] - '0'), d = (s[8] - '0') * 10 + (s[9] - '0');
        int64_t days = yz_days_from_civil(y, m, d);
        int yy, mm, dd;
        yz_civil_from_days(days, &yy, &mm, &dd);
        if (y >= 1970 && m >= 1 && m <= 12 && d >= 1 && yy == y && mm == m && dd == d) {
            *day = (int32_t)days;
            return YZ_OK;
        }
    }
    return yz_err_setf(ei, YZ_EINVAL, field, "%s 须为日期 YYYY-MM-DD",
                       "%s must be a date YYYY-MM-DD", field);
}

void yz_meal_format_date(int32_t day, char out[11])
{
    int y, m, d;
    yz_civil_from_days(day, &y, &m, &d);
    unsigned v[3] = {(unsigned)y % 10000, (unsigned)m % 100, (unsigned)d % 100};
    snprintf(out, 11, "%04u-%02u-%02u", v[0], v[1], v[2]);
}

void yz_meal_pickup_code(char out[YZ_PICKUP_CODE_LEN + 1])
{
    static const char alphabet[] = YZ_PICKUP_ALPHABET;
    if (sodium_init() < 0)
        abort(); /* no randomness: nothing safe to hand out */
    for (int i = 0; i < YZ_PICKUP_CODE_LEN; i++)
        out[i] = alphabet[randombytes_uniform(sizeof alphabet - 1)];
    out[YZ_PICKUP_CODE_LEN] = '\0';
}

bool yz_meal_code_normalise(const char *in, char out[YZ_PICKUP_CODE_LEN + 1])
{
    if (!in)
        return false;
    while (*in == ' ')
        in++;
    size_t n = strlen(in);
    while (n > 0 && in[n - 1] == ' ')
        n--;
    if (n != YZ_PICKUP_CODE_LEN)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = (char)toupper((unsigned char)in[i]);
        if (!c || !strchr(YZ_PICKUP_ALPHABET, c))
            return false;
        out[i] = c;
    }
    out[n] = '\0';
    return true;
}

int yz_meal_order_status(const yz_meal_order *o, int64_t now)
{
    if (o->redeemed_at)
        return YZ_ORDER_REDEEMED;
    return now >= o->expires_at ? YZ_ORDER_EXPIRED : YZ_ORDER_OPEN;
}

const char *yz_meal_order_status_name(int status)
{
    switch (status) {
    case YZ_ORDER_OPEN: return "open";
    case YZ_ORDER_REDEEMED: return "redeemed";
    default: return "expired";
    }
}

void yz_canteen_fini(yz_canteen *c)
{
    if (!c)
        return;
    yz_free(c->name);
    yz_free(c->address);
    memset(c, 0, sizeof *c);
}

void yz_meal_offer_fini(yz_meal_offer *o)
{
    if (!o)
        return;
    yz_free(o->dish);
    yz_free(o->dish_en);
    yz_canteen_fini(&o->canteen);
    memset(o, 0, sizeof *o);
}

void yz_meal_order_fini(yz_meal_order *o)
{
    if (!o)
        return;
    yz_meal_offer_fini(&o->offer);
    memset(o, 0, sizeof *o);
}

void yz_canteen_array_free(yz_canteen *a, size_t n)
{
    for (size_t i = 0; a && i < n; i++)
        yz_canteen_fini(&a[i]);
    yz_free(a);
}

void yz_meal_offer_array_free(yz_meal_offer *a, size_t n)
{
    for (size_t i = 0; a && i < n; i++)
        yz_meal_offer_fini(&a[i]);
    yz_free(a);
}

void yz_meal_order_array_free(yz_meal_order *a, size_t n)
{
    for (size_t i = 0; a && i < n; i++)
        yz_meal_order_fini(&a[i]);
    yz_free(a);
}

/* Whether the canteen's hours let `o` be ordered at `now` (meals.h). */
int yz_meal_check_window(const yz_meal_offer *o, int64_t now, yz_errinfo *ei)
{
    int32_t today = yz_meal_day(now);
    char date[11], hhmm[6];
    yz_meal_format_date(o->day, date);
    if (o->day < today)
        return yz_err_setf(ei, YZ_ECONFLICT, "offer_id", "%s 的餐品已过期，不能再订",
                           "the offer of %s has passed and can no longer be ordered", date);
    if (o->day > today) {
        yz_meal_format_hhmm(o->canteen.opens_min, hhmm);
        return yz_err_setf(ei, YZ_ECONFLICT, "offer_id", "%s 的餐品当天 %s 起才能预订",
                           "the offer of %s can be ordered from %s on that day", date, hhmm);
    }
    if (now < yz_meal_instant(o->day, o->canteen.opens_min)) {
        yz_meal_format_hhmm(o->canteen.opens_min, hhmm);
        return yz_err_setf(ei, YZ_ECONFLICT, "offer_id", "还未开始订餐，今天 %s 起可订",
                           "ordering has not opened yet: it opens at %s today", hhmm);
    }
    if (now >= yz_meal_instant(o->day, o->canteen.closes_min)) {
        yz_meal_format_hhmm(o->canteen.closes_min, hhmm);
        return yz_err_setf(ei, YZ_ECONFLICT, "offer_id", "今天的订餐已于 %s 截止",
                           "ordering closed at %s today", hhmm);
    }
    return YZ_OK;
}

/* --- in the store -------------------------------------------------------------------------- */

#define CANTEEN_COLS                                                                               \
    "c.id, c.name, c.address, c.station_id, c.lat, c.lon, c.opens_min, c.closes_min, "             \
    "c.created_at"
#define OFFER_COLS                                                                                 \
    "o.id, o.canteen_id, o.day, o.dish, o.dish_en, o.price_cents, o.quota, o.sold, "               \
    "o.created_at, " CANTEEN_COLS ", o.version, o.withdrawn_at"
#define ORDER_COLS                                                                                 \
    "r.id, r.worker_id, r.day, r.pickup_code, r.created_at, r.expires_at, "                        \
    "r.redeemed_at, " OFFER_COLS
#define OFFER_FROM " FROM meal_offers o JOIN canteens c ON c.id = o.canteen_id"
#define ORDER_FROM                                                                                 \
    " FROM meal_orders r JOIN meal_offers o ON o.id = r.offer_id"                                  \
    " JOIN canteens c ON c.id = o.canteen_id"

/* The canteen of the current row, from columns at..at+8. */
static void row_canteen(const yz_db_q *q, int at, yz_canteen *c)
{
    memset(c, 0, sizeof *c);
    c->id = yz_db_col_i64(q, at);
    c->name = yz_db_col_str(q, at + 1);
    c->address = yz_db_col_str(q, at + 2);
    c->station_id = yz_db_col_i64(q, at + 3);
    c->lat = yz_db_col_f64(q, at + 4);
    c->lon = yz_db_col_f64(q, at + 5);
    c->opens_min = yz_db_col_int(q, at + 6);
    c->closes_min = yz_db_col_int(q, at + 7);
    c->created_at = yz_db_col_i64(q, at + 8);
}

/* The offer and its canteen of the current row, from columns at..at+19. */
static void row_offer(const yz_db_q *q, int at, yz_meal_offer *o)
{
    memset(o, 0, sizeof *o);
    o->id = yz_db_col_i64(q, at);
    o->canteen_id = yz_db_col_i64(q, at + 1);
    o->day = (int32_t)yz_db_col_i64(q, at + 2);
    o->dish = yz_db_col_str(q, at + 3);
    o->dish_en = yz_db_col_str(q, at + 4);
    o->price_cents = yz_db_col_int(q, at + 5);
    o->quota = yz_db_col_int(q, at + 6);
    o->sold = yz_db_col_int(q, at + 7);
    o->created_at = yz_db_col_i64(q, at + 8);
    row_canteen(q, at + 9, &o->canteen);
    o->version = yz_db_col_i64(q, at + 18);
    o->withdrawn_at = yz_db_col_i64(q, at + 19);
}

/* The order, its offer and its canteen of the current row (ORDER_COLS). */
static void row_order(const yz_db_q *q, yz_meal_order *r)
{
    memset(r, 0, sizeof *r);
    r->id = yz_db_col_i64(q, 0);
    r->worker_id = yz_db_col_i64(q, 1);
    r->day = (int32_t)yz_db_col_i64(q, 2);
    const char *code = yz_db_col_text(q, 3);
    snprintf(r->code, sizeof r->code, "%s", code ? code : "");
    r->created_at = yz_db_col_i64(q, 4);
    r->expires_at = yz_db_col_i64(q, 5);
    r->redeemed_at = yz_db_col_i64(q, 6);
    row_offer(q, 7, &r->offer);
}

/* The error for a row that must exist but does not (one just written in the transaction). */
static int vanished(yz_errinfo *ei, const char *what)
{
    return yz_err_setf(ei, YZ_EDB, "", "数据库错误（%s）：记录不存在",
                       "database error (%s): row vanished", what);
}

/* Run `q` (an INSERT ... RETURNING id) and set *id. */
static int insert_id(yz_db_q *q, const char *what, int64_t *id, yz_errinfo *ei)
{
    bool got = yz_db_row(q);
    if (got)
        *id = yz_db_col_i64(q, 0);
    int err = yz_db_end(q);
    if (!err && !got)
        err = vanished(ei, what);
    return err;
}

/* The row of `sql` (one parameter: `id`) read by `row` into `out`; *found says whether there
 * was one (`out` is left as it was when there was not). */
static int by_id(yz_db_tx *tx, const char *sql, int64_t id, void (*row)(const yz_db_q *, void *),
                 void *out, bool *found, yz_errinfo *ei)
{
    yz_db_q q;
    yz_db_query(&q, tx, sql, ei);
    yz_db_i64(&q, id);
    *found = yz_db_row(&q);
    if (*found)
        row(&q, out);
    return yz_db_end(&q);
}

static void canteen_row(const yz_db_q *q, void *elem)
{
    row_canteen(q, 0, elem);
}

static void offer_row(const yz_db_q *q, void *elem)
{
    row_offer(q, 0, elem);
}

static void order_row(const yz_db_q *q, void *elem)
{
    row_order(q, elem);
}

/* Canteen `id` into `out` (initialised by the call). */
static int get_canteen(yz_db_tx *tx, int64_t id, yz_canteen *out, yz_errinfo *ei)
{
    bool found;
    memset(out, 0, sizeof *out);
    int err = by_id(tx, "SELECT " CANTEEN_COLS " FROM canteens c WHERE c.id = $1", id, canteen_row,
                    out, &found, ei);
    if (!err && !found)
        err = yz_err_setf(ei, YZ_ENOTFOUND, "id", "食堂 %lld 不存在", "canteen %lld not found",
                          (long long)id);
    return err;
}

/* Offer `id` with its canteen into `out` (initialised by the call). */
static int get_offer(yz_db_tx *tx, int64_t id, yz_meal_offer *out, yz_errinfo *ei)
{
    bool found;
    memset(out, 0, sizeof *out);
    int err = by_id(tx, "SELECT " OFFER_COLS OFFER_FROM " WHERE o.id = $1", id, offer_row, out,
                    &found, ei);
    if (!err && !found)
        err = yz_err_setf(ei, YZ_ENOTFOUND, "offer_id", "餐品 %lld 不存在", "offer %lld not found",
                          (long long)id);
    return err;
}

/* Order `id` with its offer and canteen into `out` (initialised by the call): one the
 * transaction has just written. */
static int get_order(yz_db_tx *tx, int64_t id, yz_meal_order *out, yz_errinfo *ei)
{
    bool found;
    memset(out, 0, sizeof *out);
    int err = by_id(tx, "SELECT " ORDER_COLS ORDER_FROM " WHERE r.id = $1", id, order_row, out,
                    &found, ei);
    if (!err && !found)
        err = vanished(ei, "meal_orders");
    return err;
}

/* A list of records of `size` bytes: the rows of `sql` (with one integer parameter when
 * `bind`), read by `row`, freed by `free_rows`. */
typedef struct list_ctx {
    const char *sql;
    bool bind;
    int64_t param;
    size_t size;
    void (*row)(const yz_db_q *q, void *elem);
    void (*free_rows)(void *a, size_t n);
    void *a; /* out */
    size_t n;
} list_ctx;

static int list_body(yz_db_tx *tx, void *arg, yz_errinfo *ei)
{
    list_ctx *x = arg;
    x->free_rows(x->a, x->n);
    x->a = NULL;
    x->n = 0;
    size_t cap = 0;
    yz_db_q q;
    yz_db_query(&q, tx, x->sql, ei);
    if (x->bind)
        yz_db_i64(&q, x->param);
    while (yz_db_row(&q)) {
        x->a = yz_db_grow(x->a, x->n, &cap, x->size);
        x->row(&q, (char *)x->a + x->n * x->size);
        x->n++;
    }
    return yz_db_end(&q);
}

/* Run the list of `x` in one statement; on failure nothing is returned. */
static int list(yz_store *st, list_ctx *x, void **out, size_t *n, yz_errinfo *ei)
{
    int err = yz_db_run(st, YZ_DB_READ1, list_body, x, ei);
    if (err) {
        x->free_rows(x->a, x->n);
        x->a = NULL;
        x->n = 0;
    }
    *out = x->a;
    *n = x->n;
    return err;
}

/* --- canteens -------------------------------------------------------------------------------- */

typedef struct canteen_create_ctx {
    const yz_canteen *in;
    int64_t now;
    int64_t id; /* out */
} canteen_create_ctx;

static int canteen_create_body(yz_db_tx *tx, void *arg, yz_errinfo *ei)
{
    canteen_create_ctx *x = arg;
    const yz_canteen *in = x->in;
    x->id = 0;
    yz_db_q q;
    if (in->station_id) {
        int err = yz__store_station_exists(tx, in->station_id, "station_id", ei);
        if (err)
            return err;
    }
    yz_db_query(&q, tx,
                "INSERT INTO canteens (name, address, station_id, lat, lon, opens_min,"
                " closes_min, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8) RETURNING id",
                ei);
    yz_db_str(&q, in->name);
    yz_db_str(&q, in->address);
    if (in->station_id)
        yz_db_i64(&q, in->station_id);
    else
        yz_db_null(&q);
    yz_db_f64(&q, in->lat);
    yz_db_f64(&q, in->lon);
    yz_db_i64(&q, in->opens_min);
    yz_db_i64(&q, in->closes_min);
    yz_db_i64(&q, x->now);
    return insert_id(&q, "canteens", &x->id, ei);
}

int yz_store_canteen_create(yz_store *st, yz_canteen *c, yz_errinfo *ei)
{
    canteen_create_ctx x = {.in = c, .now = yz_time_now()};
    int err = yz_db_run(st, YZ_DB_WRITE, canteen_create_body, &x, ei);
    if (err)
        return err;
    c->id = x.id;
    c->created_at = x.now;
    return YZ_OK;
}

typedef struct canteen_get_ctx {
    int64_t id;
    yz_canteen *out;
} canteen_get_ctx;

static int canteen_get_body(yz_db_tx *tx, void *arg, yz_errinfo *ei)
{
    canteen_get_ctx *x = arg;
    yz_canteen_fini(x->out); /* a run again starts afresh */
    return get_canteen(tx, x->id, x->out, ei);
}

int yz_store_canteen_get(yz_store *st, int64_t id, yz_canteen *out, yz_errinfo *ei)
{
    memset(out, 0, sizeof *out);
    canteen_get_ctx x = {id, out};
    int err = yz_db_run(st, YZ_DB_READ1, canteen_get_body, &x, ei);
    if (err)
        yz_canteen_fini(out);
    return err;
}

static void canteens_free(void *a, size_t n)
{
    yz_canteen_array_free(a, n);
}

int yz_store_canteen_list(yz_store *st, yz_canteen **out, size_t *n, yz_errinfo *ei)
{
    list_ctx x = {.sql = "SELECT " CANTEEN_COLS " FROM canteens c ORDER BY c.id",
                  .size = sizeof **out,
                  .row = canteen_row,
                  .free_rows = canteens_free};
    void *a;
    int err = list(st, &x, &a, n, ei);
    *out = a;
    return err;
}

/* --- offers ---------------------------------------------------------------------------------- */

typedef struct offer_create_ctx {
    const yz_meal_offer *in;
    int64_t now;
    int64_t id;         /* out */
    yz_canteen canteen; /* out */
} offer_create_ctx;

static int offer_create_body(yz_db_tx *tx, void *arg, yz_errinfo *ei)
{
    offer_create_ctx *x = arg;
    const yz_meal_offer *in = x->in;
    x->id = 0;
    yz_canteen_fini(&x->canteen);
    int err = get_canteen(tx, in->canteen_id, &x->canteen, ei);
    if (err)
        return err;
    yz_db_q q;
    yz_db_query(&q, tx,
                "INSERT INTO meal_offers (canteen_id, day, dish, dish_en, price_cents, quota,"
                " sold, created_at) VALUES ($1,$2,$3,$4,$5,$6,0,$7) RETURNING id",
                ei);
    yz_db_i64(&q, in->canteen_id);
    yz_db_i64(&q, in->day);
    yz_db_str(&q, in->dish);
    yz_db_str(&q, in->dish_en);
    yz_db_i64(&q, in->price_cents);
    yz_db_i64(&q, in->quota);
    yz_db_i64(&q, x->now);
    return insert_id(&q, "meal_offers", &x->id, ei);
}

int yz_store_offer_create(yz_store *st, yz_meal_offer *o, yz_errinfo *ei)
{
    offer_create_ctx x = {.in = o, .now = yz_time_now()};
    int err = yz_db_run(st, YZ_DB_WRITE, offer_create_body, &x, ei);
    if (err) {
        yz_canteen_fini(&x.canteen);
        return err;
    }
    o->id = x.id;
    o->created_at = x.now;
    o->sold = 0;
    o->version = 1;
    o->withdrawn_at = 0;
    yz_canteen_fini(&o->canteen);
    o->canteen = x.canteen;
    return YZ_OK;
}

typedef struct offer_update_ctx {
    int64_t id, if_version, now;
    int quota;
    bool withdraw;
    yz_meal_offer *out;
} offer_update_ctx;

static int offer_update_body(yz_db_tx *tx, void *arg, yz_errinfo *ei)
{
    offer_update_ctx *x = arg;
    yz_meal_offer_fini(x->out);
    int err = get_offer(tx, x->id, x->out, ei);
    if (err == YZ_ENOTFOUND)
        snprintf(ei->field, sizeof ei->field, "id");
    if (err)
        return err;
    yz_meal_offer *o = x->out;
    err = yz_db_check_version(x->if_version, o->version, ei);
    if (err)
        return err;
    if (x->withdraw && o->withdrawn_at)
        return yz_err_set(ei, YZ_ECONFLICT, "withdrawn", "该餐品已撤下",
                          "the offer is already withdrawn");
    if (x->quota > 0 && x->quota < o->sold)
        return yz_err_setf(ei, YZ_ECONFLICT, "quota", "份数不能少于已订出的 %d 份",
                           "the quota cannot be below the %d meals already ordered", o->sold);
    int quota = x->quota > 0 ? x->quota : o->quota;
    int64_t withdrawn = x->withdraw ? x->now : o->withdrawn_at;
    yz_db_q q;
    yz_db_query(&q, tx,
                "UPDATE meal_offers SET quota = $1, withdrawn_at = $2, version = version + 1"
                " WHERE id = $3 AND sold <= $1",
                ei);
    yz_db_i64(&q, quota);
    if (withdrawn)
        yz_db_i64(&q, withdrawn);
    else
        yz_db_null(&q);
    yz_db_i64(&q, x->id);
    int64_t changed = 0;
    err = yz_db_exec(&q, &changed);
    if (!err && changed != 1)
        err = vanished(ei, "meal_offers");
    if (!err) {
        o->quota = quota;
        o->withdrawn_at = withdrawn;
        o->version++;
    }
    return err;
}

int yz_store_offer_update(yz_store *st, int64_t id, int64_t if_version, int quota, bool withdraw,
                          int64_t now, yz_meal_offer *out, yz_errinfo *ei)
{
    memset(out, 0, sizeof *out);
    offer_update_ctx x = {id, if_version, now, quota, withdraw, out};
    int err = yz_db_run(st, YZ_DB_WRITE, offer_update_body, &x, ei);
    if (err)
        yz_meal_offer_fini(out);
    return err;
}

typedef struct offer_get_ctx {
    int64_t id;
    yz_meal_offer *out;
} offer_get_ctx;

static int offer_get_body(yz_db_tx *tx, void *arg, yz_errinfo *ei)
{
    offer_get_ctx *x = arg;
    yz_meal_offer_fini(x->out);
    return get_offer(tx, x->id, x->out, ei);
}

int yz_store_offer_get(yz_store *st, int64_t id, yz_meal_offer *out, yz_errinfo *ei)
{
    memset(out, 0, sizeof *out);
    offer_get_ctx x = {id, out};
    int err = yz_db_run(st, YZ_DB_READ1, offer_get_body, &x, ei);
    if (err)
        yz_meal_offer_fini(out);
    return err;
}

static void offers_free(void *a, size_t n)
{
    yz_meal_offer_array_free(a, n);
}

int yz_store_offer_list(yz_store *st, int32_t day, yz_meal_offer **out, size_t *n, yz_errinfo *ei)
{
    list_ctx x = {.sql =
                      "SELECT " OFFER_COLS OFFER_FROM " WHERE o.day = $1 AND o.withdrawn_at IS NULL"
                      " ORDER BY o.canteen_id, o.id",
                  .bind = true,
                  .param = day,
                  .size = sizeof **out,
                  .row = offer_row,
                  .free_rows = offers_free};
    void *a;
    int err = list(st, &x, &a, n, ei);
    *out = a;
    return err;
}

/* --- orders ---------------------------------------------------------------------------------- */

static int one_a_day(yz_errinfo *ei)
{
    return yz_err_set(ei, YZ_ECONFLICT, "offer_id", "每人每天只能订一份优惠餐（one meal a day）",
                      "one meal a day: you already have an order for that day");
}

/* The rules and the writes of one order of offer `o`, inside the caller's write transaction
 * (docs/internals/meals.md, "The rules"). Sets *order_id. */
static int order_tx(yz_db_tx *tx, int64_t worker_id, const yz_meal_offer *o, int64_t now,
                    int64_t *order_id, yz_errinfo *ei)
{
    if (o->withdrawn_at)
        return yz_err_set(ei, YZ_ECONFLICT, "offer_id", "该餐品已撤下，不能再订（withdrawn）",
                          "this offer has been withdrawn and takes no orders");
    int err = yz_meal_check_window(o, now, ei);
    if (err)
        return err;
    /* One subsidized meal a day, at any canteen. */
    yz_db_q q;
    yz_db_query(&q, tx, "SELECT 1 FROM meal_orders WHERE worker_id = $1 AND day = $2", ei);
    yz_db_i64(&q, worker_id);
    yz_db_i64(&q, o->day);
    bool taken = yz_db_row(&q);
    err = yz_db_end(&q);
    if (!err && taken)
        err = one_a_day(ei);
    if (err)
        return err;
    /* Take one meal of the quota, or learn it is sold out. */
    int64_t changed = 0;
    yz_db_query(&q, tx, "UPDATE meal_offers SET sold = sold + 1 WHERE id = $1 AND sold < quota",
                ei);
    yz_db_i64(&q, o->id);
    err = yz_db_exec(&q, &changed);
    if (!err && changed != 1)
        err = yz_err_set(ei, YZ_ECONFLICT, "offer_id", "已售罄（sold out）",
                         "sold out: no meals of this offer are left");
    if (err)
        return err;
    /* A pickup code not yet used at this canteen on this day. With 31^6 codes and at most a
     * few thousand orders a day, a collision is rare; eight draws in a row failing is not a
     * thing that happens. */
    char code[YZ_PICKUP_CODE_LEN + 1];
    bool fresh = false;
    for (int tries = 0; tries < 8 && !fresh; tries++) {
        yz_meal_pickup_code(code);
        yz_db_query(&q, tx,
                    "SELECT 1 FROM meal_orders WHERE canteen_id = $1 AND day = $2"
                    " AND pickup_code = $3",
                    ei);
        yz_db_i64(&q, o->canteen_id);
        yz_db_i64(&q, o->day);
        yz_db_text(&q, code);
        fresh = !yz_db_row(&q);
        err = yz_db_end(&q);
        if (err)
            return err;
    }
    if (!fresh)
        return yz_err_set(ei, YZ_EUNAVAIL, "", "取餐码暂时用尽，请重试",
                          "no free pickup code found; try again");
    yz_db_query(&q, tx,
                "INSERT INTO meal_orders (offer_id, canteen_id, worker_id, day, pickup_code,"
                " created_at, expires_at) VALUES ($1,$2,$3,$4,$5,$6,$7) RETURNING id",
                ei);
    yz_db_i64(&q, o->id);
    yz_db_i64(&q, o->canteen_id);
    yz_db_i64(&q, worker_id);
    yz_db_i64(&q, o->day);
    yz_db_text(&q, code);
    yz_db_i64(&q, now);
    yz_db_i64(&q, yz_meal_instant(o->day, o->canteen.closes_min));
    err = insert_id(&q, "meal_orders", order_id, ei);
    /* The same worker ordering twice at once: the schema is the last line of defence, and any
     * constraint the insert breaks is answered as the rule it backs up. */
    if (err && yz_db_violation(&q) != YZ_DB_NO_VIOLATION)
        err = one_a_day(ei);
    return err;
}

typedef struct order_create_ctx {
    int64_t worker_id, offer_id, now;
    yz_meal_order *out;
} order_create_ctx;

static int order_create_body(yz_db_tx *tx, void *arg, yz_errinfo *ei)
{
    order_create_ctx *x = arg;
    yz_meal_offer o;
    int64_t order_id = 0;
    yz_meal_order_fini(x->out);
    int err = get_offer(tx, x->offer_id, &o, ei);
    if (!err)
        err = order_tx(tx, x->worker_id, &o, x->now, &order_id, ei);
    if (!err)
        err = get_order(tx, order_id, x->out, ei);
    yz_meal_offer_fini(&o);
    return err;
}

int yz_store_order_create(yz_store *st, int64_t worker_id, int64_t offer_id, int64_t now,
                          yz_meal_order *out, yz_errinfo *ei)
{
    memset(out, 0, sizeof *out);
    order_create_ctx x = {worker_id, offer_id, now, out};
    int err = yz_db_run(st, YZ_DB_WRITE, order_create_body, &x, ei);
    if (err)
        yz_meal_order_fini(out);
    return err;
}

typedef struct redeem_ctx {
    int64_t canteen_id;
    const char *code;
    int64_t now;
    yz_meal_order *out;
    bool expired; /* out: the order had expired (marked so; the mark commits) */
} redeem_ctx;

static int redeem_body(yz_db_tx *tx, void *arg, yz_errinfo *ei)
{
    redeem_ctx *x = arg;
    yz_meal_order *out = x->out;
    yz_canteen cant;
    yz_meal_order_fini(out);
    x->expired = false;
    int err = get_canteen(tx, x->canteen_id, &cant, ei);
    yz_canteen_fini(&cant);
    if (err)
        return err;
    yz_db_q q;
    yz_db_query(&q, tx,
                "SELECT " ORDER_COLS ORDER_FROM " WHERE r.canteen_id = $1 AND r.pickup_code = $2"
                " ORDER BY r.day DESC LIMIT 1",
                ei);
    yz_db_i64(&q, x->canteen_id);
    yz_db_text(&q, x->code);
    bool found = yz_db_row(&q);
    if (found)
        row_order(&q, out);
    err = yz_db_end(&q);
    if (err)
        return err;
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
    if (x->now >= out->expires_at) {
        /* Mark it lazily and commit the mark; the expiry is reported after the commit. */
        x->expired = true;
        yz_db_query(&q, tx,
                    "UPDATE meal_orders SET status = 'expired' WHERE id = $1 AND status = 'open'",
                    ei);
        yz_db_i64(&q, out->id);
        return yz_db_exec(&q, NULL);
    }
    int64_t changed = 0;
    yz_db_query(&q, tx,
                "UPDATE meal_orders SET redeemed_at = $1, status = 'redeemed'"
                " WHERE id = $2 AND redeemed_at IS NULL",
                ei);
    yz_db_i64(&q, x->now);
    yz_db_i64(&q, out->id);
    err = yz_db_exec(&q, &changed);
    if (!err && changed != 1)
        err = yz_err_set(ei, YZ_ECONFLICT, "pickup_code", "该取餐码已核销（already redeemed）",
                         "already redeemed");
    if (!err)
        out->redeemed_at = x->now;
    return err;
}

int yz_store_order_redeem(yz_store *st, int64_t canteen_id, const char *code, int64_t now,
                          yz_meal_order *out, yz_errinfo *ei)
{
    memset(out, 0, sizeof *out);
    redeem_ctx x = {.canteen_id = canteen_id, .code = code, .now = now, .out = out};
    int err = yz_db_run(st, YZ_DB_WRITE, redeem_body, &x, ei);
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

static void orders_free(void *a, size_t n)
{
    yz_meal_order_array_free(a, n);
}

int yz_store_order_list(yz_store *st, int64_t worker_id, yz_meal_order **out, size_t *n,
                        yz_errinfo *ei)
{
    list_ctx x = {.sql = "SELECT " ORDER_COLS ORDER_FROM " WHERE r.worker_id = $1"
                         " ORDER BY r.day DESC, r.id DESC LIMIT 100",
                  .bind = true,
                  .param = worker_id,
                  .size = sizeof **out,
                  .row = order_row,
                  .free_rows = orders_free};
    void *a;
    int err = list(st, &x, &a, n, ei);
    *out = a;
    return err;
}

typedef struct canteen_orders_ctx {
    int64_t canteen_id;
    int32_t day;
    const char *code; /* NULL = any */
    size_t max;
    yz_meal_order *v; /* out */
    size_t n;
} canteen_orders_ctx;

static int canteen_orders_body(yz_db_tx *tx, void *arg, yz_errinfo *ei)
{
    canteen_orders_ctx *x = arg;
    yz_meal_order_array_free(x->v, x->n);
    x->v = NULL;
    x->n = 0;
    size_t cap = 0;
    yz_canteen cant;
    int err = get_canteen(tx, x->canteen_id, &cant, ei);
    yz_canteen_fini(&cant);
    if (err)
        return err;
    yz_db_q q;
    yz_db_query(&q, tx,
                x->code ? "SELECT " ORDER_COLS ORDER_FROM " WHERE r.canteen_id = $1"
                          " AND (r.day = $2 OR $2 < 0) AND r.pickup_code = $4"
                          " ORDER BY r.day DESC, r.id DESC LIMIT $3"
                        : "SELECT " ORDER_COLS ORDER_FROM " WHERE r.canteen_id = $1 AND r.day = $2"
                          " ORDER BY r.id LIMIT $3",
                ei);
    yz_db_i64(&q, x->canteen_id);
    yz_db_i64(&q, x->day);
    yz_db_i64(&q, (int64_t)x->max);
    if (x->code)
        yz_db_text(&q, x->code);
    while (yz_db_row(&q)) {
        x->v = yz_db_grow(x->v, x->n, &cap, sizeof *x->v);
        row_order(&q, &x->v[x->n++]);
    }
    return yz_db_end(&q);
}

int yz_store_canteen_orders(yz_store *st, int64_t canteen_id, int32_t day, const char *code,
                            size_t max, yz_meal_order **out, size_t *n, yz_errinfo *ei)
{
    canteen_orders_ctx x = {canteen_id, day, code, max, NULL, 0};
    int err = yz_db_run(st, YZ_DB_READ, canteen_orders_body, &x, ei);
    if (err) {
        yz_meal_order_array_free(x.v, x.n);
        x.v = NULL;
        x.n = 0;
    }
    *out = x.v;
    *n = x.n;
    return err;
}

typedef struct sweep_ctx {
    int64_t now;
    int64_t changed; /* out */
} sweep_ctx;

static int sweep_body(yz_db_tx *tx, void *arg, yz_errinfo *ei)
{
    sweep_ctx *x = arg;
    yz_db_q q;
    yz_db_query(&q, tx,
                "UPDATE meal_orders SET status = 'expired' WHERE status = 'open'"
                " AND expires_at <= $1",
                ei);
    yz_db_i64(&q, x->now);
    return yz_db_exec(&q, &x->changed);
}

int yz_store_meal_sweep(yz_store *st, int64_t now, size_t *n_expired, yz_errinfo *ei)
{
    sweep_ctx x = {now, 0};
    int err = yz_db_run(st, YZ_DB_WRITE, sweep_body, &x, ei);
    if (n_expired)
        *n_expired = err ? 0 : (size_t)x.changed;
    return err;
}
