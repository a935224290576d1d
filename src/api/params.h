/* SPDX-License-Identifier: MIT */
/* api/params.h - request parameters shared by the API's files. Each fills `ei` naming the
 * parameter when it refuses one. */
#ifndef YZ_API_PARAMS_H
#define YZ_API_PARAMS_H

#include "catalog/catalog.h"
#include "core/err.h"
#include "http/server.h"

/* YZ_EINVAL naming the first query parameter not in `names` (names starting with '_' are
 * allowed: cache busters). */
int yz__api_reject_unknown(yz_http_req *req, const char *const *names, size_t n,
                           yz_errinfo *ei);
/* Query parameter `name` as an integer in lo..hi into *out; absent leaves *out alone. */
int yz__api_param_long(yz_http_req *req, const char *name, long lo, long hi, long *out,
                       yz_errinfo *ei);
/* The station named by path capture 0, a numeric id or a code: its position in `s`, or -1
 * with YZ_ENOTFOUND in `ei`. */
long yz__api_find_station(const yz_snap *s, yz_http_req *req, yz_errinfo *ei);

#endif
