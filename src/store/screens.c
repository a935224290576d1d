/* SPDX-License-Identifier: MIT */
/* store/screens.c - station screens' keys (table screen_keys, migration 0036), written once
 * for both backends on store/db.h, and the rotating check-in code: computed here for the
 * tests and the CLI, checked here for the check-ins (docs/internals/screen.md). */
#include "store/screens.h"

#include "store/db.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void yz_screen_key_new(char out[YZ_SCREEN_KEY_MAX])
{
    unsigned char raw[32];
    if (sodium_init() < 0) /* idempotent; the server has done it already */
        abort();
    randombytes_buf(raw, sizeof raw);
    sodium_bin2base64(out, YZ_SCREEN_KEY_MAX, raw, sizeof raw,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(raw, sizeof raw);
}

void yz_screen_code(const char *key, int64_t step, char out[9])
{
    unsigned char msg[8], mac[crypto_auth_hmacsha256_BYTES];
    uint64_t s = (uint64_t)step;
    for (int i = 7; i >= 0; i--, s >>= 8)
        msg[i] = (unsigned char)(s & 0xff);
    crypto_auth_hmacsha256_state h;
    crypto_auth_hmacsha256_init(&h, (const unsigned char *)key, strlen(key));
    crypto_auth_hmacsha256_update(&h, msg, sizeof msg);
    crypto_auth_hmacsha256_final(&h, mac);
    /* RFC 4226 5.3: the low 4 bits of the last byte say where 31 bits are read */
    int off = mac[sizeof mac - 1] & 0x0f;
    uint32_t bin = ((uint32_t)(mac[off] & 0x7f) << 24) | ((uint32_t)mac[off + 1] << 16) |
                   ((uint32_t)mac[off + 2] << 8) | (uint32_t)mac[off + 3];
    snprintf(out, 9, "%08u", (unsigned)(bin % 100000000u));
}

/* "<step>.<8 digits>": the step into *step and the digits into code; false if malformed. */
static bool parse_t(const char *t, int64_t *step, char code[9])
{
    size_t n = 0;
    int64_t v = 0;
    while (t[n] >= '0' && t[n] <= '9' && n < 12)
        v = v * 10 + (t[n++] - '0');
    if (n == 0 || t[n] != '.')
        return false;
    const char *d = t + n + 1;
    for (int i = 0; i < 8; i++)
        if (d[i] < '0' || d[i] > '9')
            return false;
    if (d[8] != '\0')
        return false;
    memcpy(code, d, 9);
    *step = v;
    return true;
}

int yz_screen_check(const char *key, const char *t, int64_t now, yz_errinfo *ei)
{
    int64_t step;
    char got[9], want[9];
    if (!parse_t(t, &step, got))
        return yz_err_set(ei, YZ_EINVAL, "t",
                          "签到码 t 格式不对：应为屏幕二维码中的“步数.8位数字”",
                          "t is malformed: it must be \"<step>.<8 digits>\" as the station "
                          "screen's QR code carries it");
    if (!key)
        return yz_err_set(ei, YZ_EINVAL, "t", "该驿站没有站点屏幕，签到码 t 无效",
                          "this station has no station screen: the code t is not valid");
    int64_t cur = now / YZ_SCREEN_STEP_S;
    if (step < cur - YZ_SCREEN_WINDOW || step > cur + YZ_SCREEN_WINDOW)
        return yz_err_set(ei, YZ_EINVAL, "t",
                          "签到码 t 已过期：请重新扫描站点屏幕上的二维码",
                          "the code t has expired: scan the QR code on the station screen again");
    yz_screen_code(key, step, want);
    int diff = sodium_memcmp(got, want, 8);
    sodium_memzero(want, sizeof want);
    if (diff != 0)
        return yz_err_set(ei, YZ_EINVAL, "t",
                          "签到码 t 不是本站屏幕当前的签到码",
                          "the code t is not this station screen's current code");
    return YZ_OK;
}

typedef struct put_ctx {
    int64_t station_id, by, now;
    const char *key;
    bool had;
} put_ctx;

static int put_body(yz_db_tx *tx, void *arg, yz_errinfo *ei)
{
    put_ctx *x = arg;
    yz_db_q q;
    yz_db_query(&q, tx, "SELECT 1 FROM stations WHERE id = $1", ei);
    yz_db_i64(&q, x->station_id);
    bool found = yz_db_row(&q);
    int err = yz_db_end(&q);
    if (!err && !found)
        err = yz__store_no_station(ei, YZ_ENOTFOUND, "code", x->station_id);
    if (err)
        return err;
    yz_db_query(&q, tx, "SELECT 1 FROM screen_keys WHERE station_id = $1", ei);
    yz_db_i64(&q, x->station_id);
    x->had = yz_db_row(&q);
    err = yz_db_end(&q);
    if (err)
        return err;
    yz_db_query(&q, tx,
                "INSERT INTO screen_keys (station_id, key, created_at, created_by)"
                " VALUES ($1, $2, $3, $4) ON CONFLICT (station_id) DO UPDATE"
                " SET key = excluded.key, created_at = excluded.created_at,"
                " created_by = excluded.created_by",
                ei);
    yz_db_i64(&q, x->station_id);
    yz_db_text(&q, x->key);
    yz_db_i64(&q, x->now);
    if (x->by > 0)
        yz_db_i64(&q, x->by);
    else
        yz_db_null(&q);
    return yz_db_exec(&q, NULL);
}

int yz_store_screen_key_put(yz_store *st, int64_t station_id, const char *key, int64_t by,
                            int64_t now, bool *had, yz_errinfo *ei)
{
    put_ctx x = {station_id, by, now, key, false};
    int err = yz_db_run(st, YZ_DB_WRITE, put_body, &x, ei);
    if (had)
        *had = !err && x.had;
    return err;
}

typedef struct get_ctx {
    int64_t station_id;
    char *out;
    bool found;
} get_ctx;

static int get_body(yz_db_tx *tx, void *arg, yz_errinfo *ei)
{
    get_ctx *x = arg;
    yz_db_q q;
    yz_db_query(&q, tx, "SELECT key FROM screen_keys WHERE station_id = $1", ei);
    yz_db_i64(&q, x->station_id);
    if (yz_db_row(&q)) {
        const char *k = yz_db_col_text(&q, 0);
        if (k && strlen(k) < YZ_SCREEN_KEY_MAX) {
            memcpy(x->out, k, strlen(k) + 1);
            x->found = true;
        }
    }
    return yz_db_end(&q);
}

int yz_store_screen_key_get(yz_store *st, int64_t station_id, char out[YZ_SCREEN_KEY_MAX],
                            bool *found, yz_errinfo *ei)
{
    out[0] = '\0';
    get_ctx x = {station_id, out, false};
    int err = yz_db_run(st, YZ_DB_READ1, get_body, &x, ei);
    *found = !err && x.found;
    if (!*found)
        out[0] = '\0';
    return err;
}
