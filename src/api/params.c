/* SPDX-License-Identifier: MIT */
/* api/params.c - query and path parameters shared by the API's files: unknown parameters are
 * refused by name, integers are checked against their range, and a station is found by id or
 * code. */
#include "api/params.h"

#include "core/utf8.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

typedef struct allowed {
    const char *const *names;
    size_t n;
    const char *bad;
} allowed;

static int check_known(void *arg, const char *k, const char *v)
{
    allowed *a = arg;
    if (k[0] == '_')
        return 0; /* cache busters */
    for (size_t i = 0; i < a->n; i++)
        if (strcmp(a->names[i], k) == 0)
            return 0;
    a->bad = k;
    return 1;
}

int yz__api_reject_unknown(yz_http_req *req, const char *const *names, size_t n,
                           yz_errinfo *ei)
{
    allowed a = {names, n, NULL};
    if (yz_http_query_each(req, check_known, &a)) {
        if (!yz_utf8_valid(a.bad, strlen(a.bad)) || strlen(a.bad) > 30)
            return yz_err_set(ei, YZ_EINVAL, "", "未知参数", "unknown parameter");
        return yz_err_setf(ei, YZ_EINVAL, a.bad, "未知参数 %s", "unknown parameter %s", a.bad);
    }
    return YZ_OK;
}

int yz__api_param_long(yz_http_req *req, const char *name, long lo, long hi, long *out,
                       yz_errinfo *ei)
{
    const char *v = yz_http_query(req, name);
    if (!v)
        return YZ_OK;
    char *end;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (!*v || *end || errno || n < lo || n > hi)
        return yz_err_setf(ei, YZ_EINVAL, name, "%s 必须是 %ld 到 %ld 之间的整数",
                           "%s must be an integer from %ld to %ld", name, lo, hi);
    *out = n;
    return YZ_OK;
}

long yz__api_find_station(const yz_snap *s, yz_http_req *req, yz_errinfo *ei)
{
    const char *p = yz_http_param(req, 0);
    long i = -1;
    if (p && *p) {
        char *end;
        errno = 0;
        long long id = strtoll(p, &end, 10);
        i = (!*end && !errno && id > 0) ? yz_snap_find_id(s, id) : yz_snap_find_code(s, p);
    }
    if (i < 0) {
        if (p && yz_utf8_valid(p, strlen(p)) && strlen(p) <= 40)
            yz_err_setf(ei, YZ_ENOTFOUND, "id", "驿站 %s 不存在", "station %s not found", p);
        else
            yz_err_set(ei, YZ_ENOTFOUND, "id", "驿站不存在", "station not found");
    }
    return i;
}
