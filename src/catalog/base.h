/* SPDX-License-Identifier: MIT */
/* catalog/base.h - the base snapshot (catalog.c) under its own names, for catalog/overlay.c
 * and the unit tests only. Each yz__base_X does what catalog.h says of yz_snap_X, for a base
 * alone; positions are the base's. A published yz_snap is a base plus a delta of the stations
 * written since it was built (docs/internals/catalog.md, "Writes"). */
#ifndef YZ_CATALOG_BASE_H
#define YZ_CATALOG_BASE_H

#include "catalog/catalog.h"

typedef struct yz__base yz__base;

/* in->prev, when set, must point at a yz__base (the overlay passes its base). */
int yz__base_build(yz_snap_input *in, yz_textnorm *norm, yz__base **out, yz_errinfo *ei);
void yz__base_free(yz__base *s);
size_t yz__base_count(const yz__base *s);
const yz_station *yz__base_station(const yz__base *s, size_t i);
const yz_station *yz__base_station_get(const yz__base *s, size_t i, yz_station *buf);
int64_t yz__base_station_id(const yz__base *s, size_t i);
const char *yz__base_station_code(const yz__base *s, size_t i);
const char *yz__base_station_name(const yz__base *s, size_t i);
int yz__base_station_status(const yz__base *s, size_t i);
const char *yz__base_station_district_code(const yz__base *s, size_t i);
int64_t yz__base_station_version(const yz__base *s, size_t i);
long yz__base_find_id(const yz__base *s, int64_t id);
long yz__base_find_code(const yz__base *s, const char *code);
long yz__base_find_code_loose(const yz__base *s, const char *text);
yz_station *yz__base_copy_stations(const yz__base *s, size_t *n);
size_t yz__base_facility_count(const yz__base *s);
const yz_facility *yz__base_facility(const yz__base *s, size_t i);
int yz__base_facility_bit(const yz__base *s, const char *code);
size_t yz__base_district_count(const yz__base *s);
const yz_district *yz__base_district(const yz__base *s, size_t i);
long yz__base_find_district(const yz__base *s, const char *code);
const int32_t *yz__base_holidays(const yz__base *s, size_t *n);
bool yz__base_is_open(const yz__base *s, size_t i, int64_t t);
int yz__base_next_change(const yz__base *s, size_t i, int64_t t, int64_t *next);
int yz__base_tz_offset(const yz__base *s, size_t i);
const struct yz_hours *yz__base_hours(const yz__base *s, size_t i);
size_t yz__base_index_bytes(const yz__base *s);
size_t yz__base_text_bytes(const yz__base *s);
size_t yz__base_memory(const yz__base *s, yz_snap_mem_part *parts);
yz_point yz__base_position(const yz__base *s, size_t i, int crs);
void yz__base_fragment_append(const yz__base *s, size_t i, int lang, yz_buf *b);
void yz__base_prefetch(const yz__base *s, const uint32_t *pos, size_t stride, size_t n, int lang);
void yz__base_name_lang_append(const yz__base *s, size_t i, int lang, yz_buf *b);
void yz__base_hant_wait(const yz__base *s);
bool yz__base_fragment_member_append(const yz__base *s, size_t i, int member, int lang, yz_buf *b);
void yz__base_nav_text(const yz__base *s, size_t i, yz_nav_text *out, char *scratch);
int yz__base_nearby(const yz__base *s, const yz_nearby_query *q, yz_nearby_hit *out, size_t *n_out);
int yz__base_understand(const yz__base *s, yz_textnorm *norm, const char *query, yz_understood *u,
                        yz_errinfo *ei);
int yz__base_list(const yz__base *s, yz_textnorm *norm, const yz_list_query *q, uint32_t **out,
                  size_t *n_out, size_t *total, yz_errinfo *ei);

/* --- what only the overlay needs ---------------------------------------------------------- */

/* Whether base station `pos` (or index item `item`) is to be left out (hidden by the overlay). */
typedef bool (*yz__base_skip_cb)(void *arg, uint32_t pos_or_item);
/* As yz__base_nearby, leaving out the stations that skip_item (asked with their index items)
 * or skip_pos (asked with positions, when a district is scanned) return true for; either may
 * be NULL when there are none. */
int yz__base_nearby_skip(const yz__base *s, const yz_nearby_query *q, yz__base_skip_cb skip_item,
                         yz__base_skip_cb skip_pos, void *skip_arg, yz_nearby_hit *out,
                         size_t *n_out);
/* The spatial index's item of station `pos`, or -1 when it is not indexed (not in service).
 * O(1): the index calls its items by their station positions. */
long yz__base_item_of(const yz__base *s, uint32_t pos);

/* One match of a list query, as the base ranks them. */
typedef struct yz__base_ranked {
    uint32_t pos;  /* position in the base */
    int32_t score; /* text score, 0 without text */
    double dist;   /* metres from q->at when q->has_at, else 0 */
} yz__base_ranked;
/* Every station matching `q` (offset and limit ignored), ranked as yz_snap_list ranks them:
 * into *out (owned, yz_free), their number into *n. YZ_EINVAL for an invalid text query. */
int yz__base_list_ranked(const yz__base *s, yz_textnorm *norm, const yz_list_query *q,
                         yz__base_ranked **out, size_t *n, yz_errinfo *ei);
/* The order yz__base_list_ranked sorts in (score, then distance, then position); qsort-able. */
int yz__base_ranked_cmp(const void *a, const void *b);

/* As yz__base_understand, with the station whose code the whole query is found by
 * find_code(arg, text) (a position in the caller's numbering, or -1). */
int yz__base_understand_with(const yz__base *s, yz_textnorm *norm, const char *query,
                             long (*find_code)(const void *arg, const char *text), const void *arg,
                             yz_understood *u, yz_errinfo *ei);

/* Positions of every station whose code has the same loose key as `text`
 * (yz_snap_find_code_loose), up to `max` into pos[]; returns how many there are. */
size_t yz__base_find_code_loose_all(const yz__base *s, const char *text, uint32_t *pos, size_t max);

#endif
