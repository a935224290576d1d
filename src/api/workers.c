/* SPDX-License-Identifier: MIT */
/* api/workers.c - POST /api/v1/workers issues a pseudonymous token (request.c's yz__api_worker
 * turns it back into a worker for every write). */
#include "api/api_int.h"

#include "core/time.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#define TOKEN_BYTES 32
#define TOKEN_LIFETIME_S (365 * 86400)

static void h_create(void *ctx, yz_http_req *req)
{
    yz_api *api = ctx;
    yz_errinfo ei;
    yz_err_clear(&ei);
    json_t *body = NULL;
    yz_worker w = {.occupation = YZ_OCC_OTHER};
    size_t len;
    int err = yz__api_limit_ip(api, req, &ei);
    if (!err && (yz_http_body(req, &len), len > 0))
        err = yz__api_parse_json(req, &body, &ei);
    if (!err && body) {
        const char *key;
        json_t *v;
        if (!json_is_object(body))
            err = yz_err_set(&ei, YZ_EINVAL, "body", "请求体须为 JSON 对象",
                             "the body must be a JSON object");
        json_object_foreach(json_is_object(body) ? body : NULL, key, v)
        {
            if (err)
                break;
            if (strcmp(key, "occupation") != 0) {
                err = yz_err_setf(&ei, YZ_EINVAL, key, "未知字段 %.40s", "unknown field %.40s",
                                  key);
            } else if (!json_is_string(v) ||
                       (w.occupation = yz_occupation_parse(json_string_value(v))) < 0) {
                err = yz_err_set(&ei, YZ_EINVAL, "occupation",
                                 "职业须为 rider、courier、driver、sanitation 或 other",
                                 "occupation must be rider, courier, driver, sanitation or "
                                 "other");
            }
        }
    }
    /* Minting is limited per address an hour (throwaway tokens, docs/internals/reviews.md);
     * a refused body mints nothing and costs nothing of it. */
    if (!err)
        err = yz__api_limit_mint(api, req, &ei);
    if (err)
        goto fail;
    unsigned char raw[TOKEN_BYTES];
    char token[sodium_base64_ENCODED_LEN(TOKEN_BYTES, sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2base64(token, sizeof token, raw, sizeof raw,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    uint8_t hash[YZ_TOKEN_HASH_BYTES];
    yz__api_token_hash(token, hash);
    w.expires_at = yz_time_now() + TOKEN_LIFETIME_S;
    err = yz_store_worker_create(api->st, hash, &w, &ei);
    if (err)
        goto fail;
    char exp[32];
    yz_time_format_iso8601(w.expires_at, 480, exp);
    yz_buf b;
    yz_buf_init(&b);
    yz_buf_printf(&b,
                  "{\"token\":\"%s\",\"worker\":{\"id\":%lld,\"occupation\":\"%s\","
                  "\"expires_at\":\"%s\"}}\n",
                  token, (long long)w.id, yz_occupation_name(w.occupation), exp);
    sodium_memzero(token, sizeof token);
    json_decref(body);
    yz_http_respond(req, 201, YZ_JSON, &b);
    return;
fail:
    json_decref(body);
    yz_api_error(req, &ei);
}

void yz__api_register_workers(yz_api *api, yz_http_server *srv)
{
    yz_http_route(srv, "POST", "/api/v1/workers", "workers_create", h_create, api);
}
