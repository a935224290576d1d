/* SPDX-License-Identifier: MIT */
/* catalog/overlay.h - incremental snapshots: a published snapshot is an immutable base (built
 * from every station) plus an immutable small delta (the stations written since, as full
 * records with their own small spatial and text index, and the base stations they hide).
 * A write makes a new snapshot in time proportional to the delta, not to the base; a
 * compaction folds the delta into a new base (docs/internals/catalog.md, "Writes").
 * Every catalog.h read answers from base minus hidden plus delta, with the order and ties a
 * snapshot built from the same records would give.
 *
 * Snapshots are counted: yz_snap_ref adds a holder, yz_snap_free drops one. The counts are
 * atomic, so a compaction may hold a snapshot outside the writers' lock. */
#ifndef YZ_CATALOG_OVERLAY_H
#define YZ_CATALOG_OVERLAY_H

#include "catalog/catalog.h"

/* One more holder of `s` (released with yz_snap_free). Returns s, cast to non-const. */
yz_snap *yz_snap_ref(const yz_snap *s);

/* The snapshot `cur` with one station written: `upsert` (borrowed, copied) put in, replacing
 * the station of the same id, or, when upsert is NULL, station `delete_id` taken out (nothing
 * changes if there is none). Costs time proportional to the delta, not to the base.
 * Returns YZ_OK and an owned snapshot in *out, or YZ_EINVAL when the station's hours or zone
 * do not compile (ei names it); `cur` is unchanged either way. Borrows `cur`. */
int yz_snap_apply(const yz_snap *cur, const yz_station *upsert, int64_t delete_id,
                  yz_textnorm *norm, yz_snap **out, yz_errinfo *ei);

/* As yz_snap_apply for many writes at once: ups[0..n_ups) put in, then the stations of
 * dels[0..n_dels) taken out (of two writes of one id, the later counts). O(delta + writes). */
int yz_snap_apply_many(const yz_snap *cur, const yz_station *ups, size_t n_ups, const int64_t *dels,
                       size_t n_dels, yz_textnorm *norm, yz_snap **out, yz_errinfo *ei);

/* Stations the delta holds (written since the base was built, deletions included). */
size_t yz_snap_delta_count(const yz_snap *s);
/* Writes applied since the first snapshot of its line (0 for a snapshot built from records). */
uint64_t yz_snap_seq(const yz_snap *s);
/* Whether a and b answer from the same base. */
bool yz_snap_same_base(const yz_snap *a, const yz_snap *b);

/* A snapshot built from every record `s` shows (a new base, no delta), with s's write
 * count. Slow (a full build): for the compaction, outside the writers' lock. Borrows `s`.
 * Returns YZ_OK and an owned snapshot, or yz_snap_build's errors. */
int yz_snap_compact(const yz_snap *s, yz_textnorm *norm, yz_snap **out, yz_errinfo *ei);
/* `compacted` (from yz_snap_compact of an earlier snapshot of cur's line, sharing cur's base
 * then: the caller checks yz_snap_same_base) with the writes cur holds that came after it
 * applied again as its delta. O(delta). Borrows both; returns an owned snapshot. */
int yz_snap_rebase(const yz_snap *compacted, const yz_snap *cur, yz_textnorm *norm, yz_snap **out,
                   yz_errinfo *ei);

/* Deep copies of s's facilities, districts and holidays into `in` (for a build). */
void yz_snap_input_copy_meta(const yz_snap *s, yz_snap_input *in);

#endif
