/* SPDX-License-Identifier: MIT */
/* model/hours.h - opening hours in a documented subset of the OpenStreetMap
 * `opening_hours` syntax, compiled once into per-day interval lists so that "open now?"
 * is a few comparisons on the read path (docs/internals/hours.md).
 *
 * Ownership: yz_hours_parse returns an owned object, freed with yz_hours_free; every other
 * function borrows its arguments. A compiled yz_hours is immutable, so any number of threads
 * may read it at once. Instants are unix seconds (UTC) and must lie within +-2^50 s; time
 * zones are fixed UTC offsets in minutes east of UTC, strictly between -1440 and 1440. */
#ifndef YZ_HOURS_H
#define YZ_HOURS_H

#include "core/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Longest source string yz_hours_parse accepts, in bytes. */
#define YZ_HOURS_SRC_MAX 255
/* A buffer of this many bytes always holds the output of yz_hours_describe_day. */
#define YZ_HOURS_DESCRIBE_MAX 320
/* How far ahead yz_hours_next_change looks, in seconds (8 days). */
#define YZ_HOURS_HORIZON_S (8 * 86400)

/* Compiled opening hours: immutable, thread-safe to read. */
typedef struct yz_hours yz_hours;

/* A public-holiday calendar: `n` local dates as days since 1970-01-01, sorted ascending,
 * no duplicates. Borrowed by every function that takes one. */
typedef struct yz_holidays {
    const int32_t *days; /* local dates, days since 1970-01-01, sorted */
    size_t n;            /* number of dates */
} yz_holidays;

/* Parse `src` (NUL-terminated UTF-8, not NULL: callers map a missing value to "24/7") and
 * compile it. The accepted subset and its meaning are in docs/internals/hours.md.
 * Returns YZ_OK and an owned object in *out, or YZ_EINVAL with ei (may be NULL) filled:
 * field "opening_hours" and a zh-Hans/English sentence naming the 1-based character
 * position and the issue ("第 4 个字符处：无法识别的星期 'Fx'"). On error *out is not
 * written. Allocates once. */
int yz_hours_parse(const char *src, yz_hours **out, yz_errinfo *ei);

/* Free `h`. Accepts NULL. */
void yz_hours_free(yz_hours *h);

/* True iff `h` is open at every instant whatever the holiday calendar ("24/7",
 * "Mo-Su 00:00-24:00", ...). */
bool yz_hours_is_247(const yz_hours *h);

/* True iff `h` is open at instant `t` (unix seconds, UTC), evaluated in local time at the
 * fixed offset `tz_offset_min`. `hol` may be NULL (no holidays). Intervals are closed at
 * their start and open at their end: "08:00-18:00" is open at 17:59:59, closed at 18:00.
 * Never allocates. */
bool yz_hours_is_open(const yz_hours *h, int64_t t, int tz_offset_min, const yz_holidays *hol);

/* The first instant after `t` at which the open state changes, looking at most
 * YZ_HOURS_HORIZON_S seconds ahead (a change exactly at t + horizon is found). Adjacent
 * intervals are one: "22:00-24:00" followed by "00:00-06:00" the next day changes at 06:00,
 * not at midnight. Returns YZ_OK and the instant in *next, or YZ_ENOTFOUND (then *next is
 * not written) if the state does not change within the horizon (24/7, always closed, or
 * closed for more than 8 days around holidays). Never allocates. */
int yz_hours_next_change(const yz_hours *h, int64_t t, int tz_offset_min, const yz_holidays *hol,
                         int64_t *next);

/* Week-hour summary for index pruning, in UTC hours of the week: hour 0 is Monday
 * 00:00-01:00 UTC, hour 167 Sunday 23:00-24:00 UTC; bit i of byte i/8 stands for hour i.
 * maybe: bit set iff `h` is open at some minute of that hour under some holiday calendar
 *        (a normal week, or any days of it being holidays).
 * sure:  bit set iff `h` is open at every minute of that hour under every holiday calendar.
 * So sure implies maybe, and a caller may skip the exact check only when the sure bit is set
 * (open) or the maybe bit is clear (closed). Writes all 21 bytes of both arrays. */
void yz_hours_week_bits(const yz_hours *h, int tz_offset_min, uint8_t sure[21], uint8_t maybe[21]);

/* Write the opening spans of `weekday` (0 = Monday .. 6 = Sunday) in a normal,
 * non-holiday week into `out` (caller-owned, `cap` bytes), as "08:00-12:00,13:00-18:00"
 * (sorted, overlaps merged, a span past midnight as "22:00-02:00", a whole day as
 * "00:00-24:00") or "off". Early-morning hours spilling over from the day before are shown
 * on that day only. Returns YZ_OK, YZ_EINVAL for a weekday out of range, or YZ_ETOOBIG if
 * `cap` is too small (then out holds "" when cap > 0). YZ_HOURS_DESCRIBE_MAX always fits. */
int yz_hours_describe_day(const yz_hours *h, int weekday, char *out, size_t cap);

/* The normalised source: canonical spacing, two-digit hours, "off" for "closed", rules
 * joined by "; " ("Mo-Fr 08:00-18:00; PH off"). Should that form exceed YZ_HOURS_SRC_MAX
 * bytes, it is the input without surrounding whitespace instead. Either way it is at most
 * YZ_HOURS_SRC_MAX bytes, and parsing it again gives the same schedule and the same string.
 * Returns borrowed text, valid until yz_hours_free(h). */
const char *yz_hours_source(const yz_hours *h);

#endif
