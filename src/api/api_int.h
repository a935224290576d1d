/* SPDX-License-Identifier: MIT */
/* api/api_int.h - what the API's files share: the api struct and request helpers. */
#ifndef YZ_API_INT_H
#define YZ_API_INT_H

#include "api/api.h"
#include "core/buf.h"

#include <stdbool.h>

struct yz_api {
    yz_store *st;        /* borrowed */
    yz_catalog *cat;
    bool has_token;
    unsigned char token_hash[32]; /* BLAKE2b of the admin token */
    yz_http_server *srv; /* borrowed, set by yz_api_register */
};

#define YZ_JSON "application/json; charset=utf-8"

/* Answer 200 with `body` (taken) as JSON. */
void yz__api_ok(yz_http_req *req, yz_buf *body);
/* Check the admin bearer token. YZ_OK, YZ_EUNAUTH (none given) or YZ_EFORBIDDEN (wrong, or
 * no token configured). */
int yz__api_check_admin(const yz_api *api, yz_http_req *req, yz_errinfo *ei);

void yz__api_register_stations(yz_api *api, yz_http_server *srv);
void yz__api_register_meta(yz_api *api, yz_http_server *srv);

#endif
