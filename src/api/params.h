/* SPDX-License-Identifier: MIT */
/* api/params.h - the one parameter layer of the API. Each endpoint declares its query
 * parameters as a static table of yz_param (name, type, range, default, where the value goes);
 * yz__api_params refuses unknown and bad parameters with one wording, in both languages, and
 * fills the endpoint's own struct. What needs the snapshot (a district, a facility list, a
 * station) is declared as TEXT and read by the handler afterwards. */
#ifndef YZ_API_PARAMS_H
#define YZ_API_PARAMS_H

#include "catalog/catalog.h"
#include "core/err.h"
#include "http/server.h"

#include <stddef.h>

#define YZ_API_MAX_RADIUS_M 50000.0 /* every radius_m: more than 0, at most this */
#define YZ_API_NAME_MAX 30          /* an unknown parameter's name is echoed up to this length */

typedef enum yz_param_type {
    YZ_PARAM_INT,    /* decimal integer in lo..hi                       -> long     */
    YZ_PARAM_NUMBER, /* finite decimal number in lo..hi                 -> double   */
    YZ_PARAM_BOOL,   /* true|false|1|0|yes|no                           -> bool     */
    YZ_PARAM_WORD,   /* a word that `parse` maps to a value >= 0        -> int      */
    YZ_PARAM_WORDS,  /* such words, comma-separated; bit v for value v  -> uint32_t */
    YZ_PARAM_POINT,  /* "lat,lon" in WGS-84                             -> yz_point */
    YZ_PARAM_DATE,   /* "YYYY-MM-DD", 1970..2999, a real day            -> int32_t (days since
                        1970-01-01) */
    YZ_PARAM_TIME,   /* ISO-8601 date-time (no zone = +08:00) or a date
                        (its midnight, +08:00)                          -> int64_t (Unix s) */
    YZ_PARAM_TEXT,   /* valid UTF-8 of at most hi bytes (0: any length) -> const char * */
} yz_param_type;

enum {
    YZ_PARAM_REQUIRED = 1, /* absent is refused */
    YZ_PARAM_ABOVE_LO = 2, /* NUMBER: lo itself is refused (radius_m > 0) */
};

/* One query parameter of an endpoint. The value is written at `offset` in the caller's struct,
 * with the C type its `type` names above. */
typedef struct yz_param {
    const char *name;
    yz_param_type type;
    size_t offset;  /* offsetof(the endpoint's struct, member) */
    double lo, hi;  /* INT, NUMBER: the range; TEXT: hi = most bytes (0: any) */
    double def;     /* when absent: INT, NUMBER, BOOL (0 or 1), WORD, WORDS; POINT (0,0); DATE today
                       (+08:00); TIME now; TEXT NULL */
    unsigned flags; /* YZ_PARAM_REQUIRED, YZ_PARAM_ABOVE_LO */
    int (*parse)(const char *word); /* WORD(S): the value (0..31), or < 0 when unknown */
    const char *words;              /* WORD(S): the accepted words, for the message */
} yz_param;

/* Check the query of `req` against `spec` (n entries) and fill `out`, an endpoint's struct.
 * Names starting with '_' (cache busters) are ignored; any other name not in `spec` is
 * refused. Then each parameter, in table order, is parsed, or refused naming it; an absent one
 * gets its default. Returns YZ_OK, or YZ_EINVAL with `ei` naming the parameter; `out` may be
 * partly written then. Borrows everything; TEXT values are borrowed from `req`. */
int yz__api_params(yz_http_req *req, const yz_param *spec, size_t n, void *out, yz_errinfo *ei);
#define YZ_API_PARAMS(req, spec, out, ei)                                                          \
    yz__api_params((req), (spec), sizeof(spec) / sizeof *(spec), (out), (ei))

/* Whether query parameter `name` was given. */
bool yz__api_param_given(yz_http_req *req, const char *name);

/* The station a parameter `field` names by id or code (value `v`): its position in `s`, or -1
 * with YZ_EINVAL naming `field`. */
long yz__api_param_station(const yz_snap *s, const char *v, const char *field, yz_errinfo *ei);

/* The station named by path capture 0, a numeric id or a code: its position in `s`, or -1
 * with YZ_ENOTFOUND in `ei`. */
long yz__api_find_station(const yz_snap *s, yz_http_req *req, yz_errinfo *ei);

#endif
