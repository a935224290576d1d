/* SPDX-License-Identifier: MIT */
/* api/request.c - what every handler of the API shares, below all of them: the answer 200 as
 * JSON, the JSON body, a worker's token with the write rate limits (staff are authorized in
 * authz.c). Depends on no area's file. (The calling thread's text normaliser is
 * yz_state_thread_norm, state/state.h.) */
#include "api/api_int.h"
#include "catalog/text.h"
#include "core/alloc.h"
#include "state/state.h"

#include "core/log.h"
#include "core/time.h"

#include <arpa/inet.h>
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --- answers and bodies ------------------------------------------------------------------ */

void yz__api_ok(yz_http_req *req, yz_buf *body)
{
    yz_http_respond(req, 200, YZ_JSON, body);
}

void yz__api_append_lang(yz_buf *b, const char *v, size_t n, int lang, bool json)
{
    if (!v) {
        yz_buf_puts(b, json ? "null" : "");
        return;
    }
    yz_buf t = {0};
    if (lang == YZ_LANG_HANT) {
        char *z = yz_strndup(v, n); /* the converter reads a NUL-terminated text */
        yz_buf_init(&t);
        if (yz_textnorm_to_hant(yz_state_thread_norm(), z, &t) == YZ_OK) {
            v = t.data;
            n = t.len;
        }
        yz_free(z);
    }
    if (json)
        yz_buf_json_str(b, v, n);
    else
        yz_buf_append(b, v, n);
    yz_buf_fini(&t);
}

int64_t yz__api_id(const char *p)
{
    int64_t id = 0;
    return p && yz_parse_id(p, strlen(p), &id) ? id : 0;
}

int yz__api_if_match(yz_http_req *req, bool required, int64_t min, int64_t *version,
                     yz_errinfo *ei)
{
    const char *v = yz_http_header(req, "If-Match");
    *version = -1;
    if (!v)
        return required ? yz_err_set(ei, YZ_EPRECOND, "If-Match",
                                     "修改须带 If-Match 头，值为读取时的版本号",
                                     "send If-Match with the version you read")
                        : YZ_OK;
    if (strncmp(v, "W/", 2) == 0)
        v += 2;
    if (*v == '"')
        v++;
    char *end;
    errno = 0;
    long long n = strtoll(v, &end, 10);
    if (end == v || errno || n < min || (*end && strcmp(end, "\"") != 0))
        return yz_err_set(ei, YZ_EINVAL, "If-Match", "If-Match 须为版本号",
                          "If-Match must be a version number");
    *version = n;
    return YZ_OK;
}

int yz__api_parse_json(yz_http_req *req, json_t **out, yz_errinfo *ei)
{
    size_t len;
    const char *body = yz_http_body(req, &len);
    const char *ct = yz_http_header(req, "Content-Type");
    if (ct && strncmp(ct, "application/json", 16) != 0)
        return yz_err_set(ei, YZ_EINVAL, "Content-Type", "请求体须为 application/json",
                          "the body must be application/json");
    json_error_t jerr;
    *out = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!*out)
        return yz_err_setf(ei, YZ_EINVAL, "body", "JSON 格式错误（第 %d 个字符）：%s",
                           "malformed JSON (at character %d): %s", jerr.position, jerr.text);
    return YZ_OK;
}

/* --- who is asking ------------------------------------------------------------------------- */

void yz__api_token_hash(const char *token, uint8_t out[YZ_TOKEN_HASH_BYTES])
{
    crypto_generichash(out, YZ_TOKEN_HASH_BYTES, (const unsigned char *)token, strlen(token), NULL,
                       0);
}

/* The client's address as text, for the per-address limit. */
static void client_addr(yz_http_req *req, char out[64])
{
    const char *a = yz_http_client_addr(req);
    snprintf(out, 64, "%s", a ? a : "?");
}

static int limited(yz_http_req *req, int err, int retry_s, yz_errinfo *ei)
{
    if (err != YZ_ERATE)
        return err;
    char v[16];
    snprintf(v, sizeof v, "%d", retry_s);
    yz_http_add_header(req, "Retry-After", v);
    return yz_err_setf(ei, YZ_ERATE, "", "操作太频繁，请 %d 秒后再试",
                       "too many requests: try again in %d s", retry_s);
}

/* The client address as limits per subscriber count it: one subscriber gets a whole IPv6 /64,
 * so the prefix counts, not each address in it. */
static void subscriber_addr(yz_http_req *req, char addr[64])
{
    client_addr(req, addr);
    unsigned char in6[16];
    if (strchr(addr, ':') && inet_pton(AF_INET6, addr, in6) == 1) {
        memset(in6 + 8, 0, 8);
        inet_ntop(AF_INET6, in6, addr, 64);
    }
}

int yz__api_limit_ip(yz_api *api, yz_http_req *req, yz_errinfo *ei)
{
    char addr[64];
    int retry = 0;
    client_addr(req, addr);
    /* taken first: the order in which a call's arguments are evaluated is unspecified */
    int err = yz__limiter_take(api->limiter, YZ_LIMIT_IP, addr, &retry);
    return limited(req, err, retry, ei);
}

int yz__api_limit_reports(yz_api *api, yz_http_req *req, yz_errinfo *ei)
{
    char addr[64];
    subscriber_addr(req, addr);
    int retry = 0;
    int err = yz__limiter_take(api->limiter, YZ_LIMIT_REPORTS_IP, addr, &retry);
    return limited(req, err, retry, ei);
}

int yz__api_limit_mint(yz_api *api, yz_http_req *req, yz_errinfo *ei)
{
    char addr[64];
    int retry = 0;
    subscriber_addr(req, addr);
    int err = yz__limiter_take(api->limiter, YZ_LIMIT_MINT, addr, &retry);
    if (err != YZ_ERATE)
        return err;
    char v[16];
    snprintf(v, sizeof v, "%d", retry);
    yz_http_add_header(req, "Retry-After", v);
    return yz_err_setf(ei, YZ_ERATE, "", "此网络地址领取的劳动者凭证过多，请 %d 秒后再试",
                       "too many worker tokens from this address: try again in %d s", retry);
}

static int worker_of(yz_api *api, yz_http_req *req, bool cached, yz_worker *w, yz_errinfo *ei)
{
    const char *h = yz_http_header(req, "Authorization");
    if (!h || strncasecmp(h, "Bearer ", 7) != 0 || !h[7])
        return yz_err_set(ei, YZ_EUNAUTH, "Authorization",
                          "需要劳动者凭证：Authorization: Bearer <token>，可通过 POST "
                          "/api/v1/workers 领取",
                          "a worker token is required: Authorization: Bearer <token> "
                          "(get one with POST /api/v1/workers)");
    int err = yz__api_limit_ip(api, req, ei);
    if (err)
        return err;
    uint8_t hash[YZ_TOKEN_HASH_BYTES];
    yz__api_token_hash(h + 7, hash);
    err = cached ? yz_store_worker_find_cached(api->st, hash, w, ei)
                 : yz_store_worker_find(api->st, hash, w, ei);
    if (err == YZ_ENOTFOUND)
        return yz_err_set(ei, YZ_EUNAUTH, "Authorization", "未知的劳动者凭证", "unknown token");
    if (err)
        return err;
    if (w->expires_at <= yz_time_now())
        return yz_err_set(ei, YZ_EEXPIRED, "Authorization", NULL, NULL);
    char key[24];
    snprintf(key, sizeof key, "w%lld", (long long)w->id);
    int retry = 0;
    err = yz__limiter_take(api->limiter, YZ_LIMIT_TOKEN, key, &retry);
    return limited(req, err, retry, ei);
}

int yz__api_worker(yz_api *api, yz_http_req *req, yz_worker *w, yz_errinfo *ei)
{
    return worker_of(api, req, false, w, ei);
}

int yz__api_worker_checkin(yz_api *api, yz_http_req *req, yz_worker *w, yz_errinfo *ei)
{
    return worker_of(api, req, true, w, ei);
}

int yz__api_body_object(yz_http_req *req, const char *const *names, json_t **out, yz_errinfo *ei)
{
    int err = yz__api_parse_json(req, out, ei);
    if (err)
        return err;
    if (!json_is_object(*out))
        return yz_err_set(ei, YZ_EINVAL, "body", "请求体须为 JSON 对象",
                          "the body must be a JSON object");
    const char *key;
    json_t *v;
    json_object_foreach(*out, key, v)
    {
        bool known = false;
        for (size_t i = 0; names[i] && !known; i++)
            known = strcmp(names[i], key) == 0;
        if (!known)
            return yz_err_setf(ei, YZ_EINVAL, key, "未知字段 %.40s", "unknown field %.40s", key);
    }
    return YZ_OK;
}

void yz__api_member_time(yz_buf *b, const char *key, int64_t t)
{
    yz_buf_printf(b, ",\"%s\":", key);
    if (!t) {
        yz_buf_puts(b, "null");
        return;
    }
    char s[32];
    yz_time_format_iso8601(t, 480, s); /* China Standard Time, +08:00 all year */
    yz_buf_printf(b, "\"%s\"", s);
}

void yz__api_member_id(yz_buf *b, const char *key, int64_t id)
{
    if (id)
        yz_buf_printf(b, ",\"%s\":%lld", key, (long long)id);
    else
        yz_buf_printf(b, ",\"%s\":null", key);
}
