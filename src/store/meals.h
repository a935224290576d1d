/* SPDX-License-Identifier: MIT */
/* store/meals.h - 10-yuan meals: canteens (a station or a partner kitchen), their daily offers
 * with a quota, and workers' orders with a pickup code that the canteen redeems once
 * (docs/internals/meals.md). The rules (one subsidized meal a day across all canteens, never
 * past quota, redeem once, expiry at close) are enforced by the store inside one transaction.
 *
 * Local times are China Standard Time (Asia/Shanghai, UTC+08:00, no daylight saving); a
 * "day" is a local date as days since 1970-01-01. Records returned are owned by the caller
 * and freed with the matching _fini. Every function may be called from any thread. */
#ifndef YZ_STORE_MEALS_H
#define YZ_STORE_MEALS_H

#include "store/store.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define YZ_MEAL_TZ "Asia/Shanghai"
#define YZ_MEAL_TZ_OFFSET_MIN 480 /* minutes east of UTC of YZ_MEAL_TZ */
#define YZ_PICKUP_CODE_LEN 6
/* Upper-case letters and digits without the look-alikes 0/O, 1/I/L (31 symbols). */
#define YZ_PICKUP_ALPHABET "23456789ABCDEFGHJKMNPQRSTUVWXYZ"

typedef struct yz_canteen {
    int64_t id;         /* set by the store */
    char *name;         /* UTF-8, required */
    char *address;      /* UTF-8, required */
    int64_t station_id; /* the station it is at, 0 = a partner kitchen of its own */
    double lat, lon;    /* WGS-84 degrees */
    int opens_min;      /* local minutes after midnight when orders open, 0..1439 */
    int closes_min;     /* local minutes after midnight of the close, opens_min+1..1440;
                           unredeemed orders expire then */
    int64_t created_at; /* unix seconds, set by the store */
} yz_canteen;

typedef struct yz_meal_offer {
    int64_t id; /* set by the store */
    int64_t canteen_id;
    int32_t day;        /* local date the meal is served */
    char *dish;         /* UTF-8, required */
    char *dish_en;      /* may be NULL */
    int price_cents;    /* what the worker pays, in fen (1000 = 10 yuan) */
    int quota;          /* meals on offer, >= 1 */
    int sold;           /* orders taken, 0..quota; set by the store */
    int64_t created_at; /* unix seconds, set by the store */
    int64_t version;    /* 1 at create, +1 a change (If-Match); set by the store */
    int64_t withdrawn_at; /* unix seconds, 0 = on offer; a withdrawn offer takes no orders */
    yz_canteen canteen;   /* filled by reads */
} yz_meal_offer;

enum yz_order_status { YZ_ORDER_OPEN, YZ_ORDER_REDEEMED, YZ_ORDER_EXPIRED };

typedef struct yz_meal_order {
    int64_t id;
    int64_t worker_id;
    int32_t day;                       /* the offer's day: one order per worker and day */
    char code[YZ_PICKUP_CODE_LEN + 1]; /* pickup code, unique per canteen and day */
    int64_t created_at;                /* unix seconds */
    int64_t expires_at;                /* unix seconds: the canteen's close on `day` */
    int64_t redeemed_at;               /* unix seconds, 0 = not redeemed */
    yz_meal_offer offer;               /* with its canteen */
} yz_meal_order;

/* --- rules that need no store (pure, thread-safe) --------------------------------------- */

/* The local day (YZ_MEAL_TZ) of unix time `t`. */
int32_t yz_meal_day(int64_t t);
/* The unix time of local minute `min` (0..1440) of local day `day`. */
int64_t yz_meal_instant(int32_t day, int min);
/* Parse "HH:MM" (00:00..24:00) into minutes. YZ_OK or YZ_EINVAL (ei names `field`). */
int yz_meal_parse_hhmm(const char *s, const char *field, int *min, yz_errinfo *ei);
/* Write minutes as "HH:MM" into out[6]. */
void yz_meal_format_hhmm(int min, char out[6]);
/* Parse "YYYY-MM-DD" into a day. YZ_OK or YZ_EINVAL naming `field`. */
int yz_meal_parse_date(const char *s, const char *field, int32_t *day, yz_errinfo *ei);
/* Write a day as "YYYY-MM-DD" into out[11]. */
void yz_meal_format_date(int32_t day, char out[11]);
/* Whether the canteen's hours let offer `o` be ordered at `now`: YZ_OK, or YZ_ECONFLICT
 * naming offer_id and saying why (passed, not yet open today, closed for today). */
int yz_meal_check_window(const yz_meal_offer *o, int64_t now, yz_errinfo *ei);
/* A fresh random pickup code (libsodium randombytes_uniform) into out[7]. */
void yz_meal_pickup_code(char out[YZ_PICKUP_CODE_LEN + 1]);
/* Normalise a pickup code a person typed (lower case and surrounding spaces allowed) into
 * out[7]. Returns false if it is not YZ_PICKUP_CODE_LEN symbols of YZ_PICKUP_ALPHABET. */
bool yz_meal_code_normalise(const char *in, char out[YZ_PICKUP_CODE_LEN + 1]);
/* The status of `o` at time `now`: redeemed, expired (not redeemed and now >= expires_at), or
 * open. Expiry is computed, never stored alone (see docs/internals/meals.md). */
int yz_meal_order_status(const yz_meal_order *o, int64_t now);
const char *yz_meal_order_status_name(int status); /* "open", "redeemed", "expired" */

void yz_canteen_fini(yz_canteen *c);
void yz_meal_offer_fini(yz_meal_offer *o);
void yz_meal_order_fini(yz_meal_order *o);
/* Free arrays returned by the list functions. Accept NULL. */
void yz_canteen_array_free(yz_canteen *a, size_t n);
void yz_meal_offer_array_free(yz_meal_offer *a, size_t n);
void yz_meal_order_array_free(yz_meal_order *a, size_t n);

/* --- the store area ----------------------------------------------------------------------- */

/* Store canteen `c` (validated by the caller: name, address, position, opens < closes).
 * Sets c->id and c->created_at. YZ_EINVAL (field station_id) if c->station_id names no
 * station. */
int yz_store_canteen_create(yz_store *st, yz_canteen *c, yz_errinfo *ei);
/* Canteen `id` into `out` (initialised by the call). YZ_ENOTFOUND (field id). */
int yz_store_canteen_get(yz_store *st, int64_t id, yz_canteen *out, yz_errinfo *ei);
/* Every canteen, by id. Owned (yz_canteen_array_free). */
int yz_store_canteen_list(yz_store *st, yz_canteen **out, size_t *n, yz_errinfo *ei);

/* Store offer `o` (validated by the caller: dish, price >= 0, quota >= 1). Sets o->id,
 * o->created_at, o->sold = 0 and fills o->canteen. YZ_ENOTFOUND (field id) if its canteen
 * does not exist. */
int yz_store_offer_create(yz_store *st, yz_meal_offer *o, yz_errinfo *ei);
/* Offer `id` with its canteen. YZ_ENOTFOUND (field offer_id). */
int yz_store_offer_get(yz_store *st, int64_t id, yz_meal_offer *out, yz_errinfo *ei);
/* Change offer `id`: with `quota` > 0 the new quota (not below the meals sold: YZ_ECONFLICT
 * field quota), with `withdraw` true withdrawn at `now` (YZ_ECONFLICT if it already is). The
 * stored version must be `if_version` (YZ_ESTALE). Fills `out` with the new offer. On failure
 * nothing is written. YZ_ENOTFOUND (field id). */
int yz_store_offer_update(yz_store *st, int64_t id, int64_t if_version, int quota, bool withdraw,
                          int64_t now, yz_meal_offer *out, yz_errinfo *ei);
/* Every offer of local day `day` that is not withdrawn, by canteen then id, with canteens.
 * Owned. */
int yz_store_offer_list(yz_store *st, int32_t day, yz_meal_offer **out, size_t *n, yz_errinfo *ei);

/* Worker `worker_id` orders offer `offer_id` at time `now`, in one transaction:
 * the offer exists (else YZ_ENOTFOUND, field offer_id); it is for today (`now`'s local day)
 * and now lies in [opens, closes) of its canteen (else YZ_ECONFLICT: passed, not yet open,
 * closed); the worker has no order for that day at any canteen (else YZ_ECONFLICT "one meal a
 * day"); a meal is left (else YZ_ECONFLICT "sold out"). Then the offer's sold count goes up
 * by one and the order is stored with a fresh pickup code unique for the canteen and day.
 * On success fills `out` (owned, yz_meal_order_fini); on failure nothing is written. */
int yz_store_order_create(yz_store *st, int64_t worker_id, int64_t offer_id, int64_t now,
                          yz_meal_order *out, yz_errinfo *ei);
/* Canteen `canteen_id` redeems pickup code `code` (normalised) at time `now`. The order is
 * the latest of the canteen with that code. YZ_ENOTFOUND (canteen: field id; code: field
 * pickup_code); YZ_ECONFLICT "already redeemed"; YZ_ECONFLICT "expired" when now >= its
 * expires_at (the order is then marked expired in the store). On success fills `out`. */
int yz_store_order_redeem(yz_store *st, int64_t canteen_id, const char *code, int64_t now,
                          yz_meal_order *out, yz_errinfo *ei);
/* Orders of worker `worker_id`, newest first (at most 100). Owned. */
int yz_store_order_list(yz_store *st, int64_t worker_id, yz_meal_order **out, size_t *n,
                        yz_errinfo *ei);
/* Orders of canteen `canteen_id` (YZ_ENOTFOUND field id if none such) on local day `day`,
 * oldest first, at most `max`; with pickup code `code` (normalised) only those with that
 * code, newest day first, and `day` < 0 means any day. Owned. */
int yz_store_canteen_orders(yz_store *st, int64_t canteen_id, int32_t day, const char *code,
                            size_t max, yz_meal_order **out, size_t *n, yz_errinfo *ei);
/* Mark every unredeemed order whose close has passed at `now` as expired (for statistics;
 * the rules never depend on the mark). Sets *n_expired (may be NULL). */
int yz_store_meal_sweep(yz_store *st, int64_t now, size_t *n_expired, yz_errinfo *ei);

#endif
