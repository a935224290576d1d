/* SPDX-License-Identifier: MIT */
/* store/meals.c - the meals area's backend-independent part: local days and times of
 * China Standard Time, pickup codes, order status, record lifetimes, and the wrappers over
 * the backend's ops table. */
#include "store/meals.h"

#include "core/alloc.h"
#include "core/time.h"

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

/* --- wrappers ------------------------------------------------------------------------------ */

int yz_store_canteen_create(yz_store *st, yz_canteen *c, yz_errinfo *ei)
{
    return st->meals->canteen_create(st, c, ei);
}

int yz_store_canteen_get(yz_store *st, int64_t id, yz_canteen *out, yz_errinfo *ei)
{
    return st->meals->canteen_get(st, id, out, ei);
}

int yz_store_canteen_list(yz_store *st, yz_canteen **out, size_t *n, yz_errinfo *ei)
{
    return st->meals->canteen_list(st, out, n, ei);
}

int yz_store_offer_create(yz_store *st, yz_meal_offer *o, yz_errinfo *ei)
{
    return st->meals->offer_create(st, o, ei);
}

int yz_store_offer_get(yz_store *st, int64_t id, yz_meal_offer *out, yz_errinfo *ei)
{
    return st->meals->offer_get(st, id, out, ei);
}

int yz_store_offer_list(yz_store *st, int32_t day, yz_meal_offer **out, size_t *n, yz_errinfo *ei)
{
    return st->meals->offer_list(st, day, out, n, ei);
}

int yz_store_order_create(yz_store *st, int64_t worker_id, int64_t offer_id, int64_t now,
                          yz_meal_order *out, yz_errinfo *ei)
{
    return st->meals->order_create(st, worker_id, offer_id, now, out, ei);
}

int yz_store_order_redeem(yz_store *st, int64_t canteen_id, const char *code, int64_t now,
                          yz_meal_order *out, yz_errinfo *ei)
{
    return st->meals->order_redeem(st, canteen_id, code, now, out, ei);
}

int yz_store_order_list(yz_store *st, int64_t worker_id, yz_meal_order **out, size_t *n,
                        yz_errinfo *ei)
{
    return st->meals->order_list(st, worker_id, out, n, ei);
}

int yz_store_meal_sweep(yz_store *st, int64_t now, size_t *n_expired, yz_errinfo *ei)
{
    return st->meals->sweep(st, now, n_expired, ei);
}
