/* SPDX-License-Identifier: MIT */
/* core/time.h - instants as unix seconds, ISO-8601 parsing and printing, and the fixed
 * UTC offsets of the time zones stations may use. No libc time-zone state is touched, so
 * everything here is thread-safe. */
#ifndef YZ_TIME_H
#define YZ_TIME_H

#include <stdint.h>

/* Parse an ISO-8601 date-time: "YYYY-MM-DDTHH:MM[:SS[.fff]]" followed by "Z", "+HH:MM",
 * "+HHMM" or nothing (then it is read in `default_offset_min`). A space may stand for "T".
 * Returns YZ_OK and the unix seconds in *out, or YZ_EINVAL for anything else (out of range
 * fields such as 24:01 or Feb 30 included). */
int yz_time_parse_iso8601(const char *s, int default_offset_min, int64_t *out);

/* Write `t` as "YYYY-MM-DDTHH:MM:SS+08:00" (or "Z" for offset 0) into out[32]. */
void yz_time_format_iso8601(int64_t t, int offset_min, char out[32]);

/* The UTC offset of zone `name` in minutes east of UTC. Only zones without daylight-saving
 * time are known (those of China among them, and "UTC"); others give YZ_EINVAL. */
int yz_tz_offset(const char *name, int *offset_min);

/* Days since 1970-01-01 of a civil date, and back (proleptic Gregorian). */
int64_t yz_days_from_civil(int y, int m, int d);
void yz_civil_from_days(int64_t days, int *y, int *m, int *d);

/* The current time in unix seconds. */
int64_t yz_time_now(void);

#endif
