/* SPDX-License-Identifier: MIT */
/* state/snapshot.c - the catalog snapshot part: loading it from the store, putting one
 * written station in (or taking one out) and publishing, and reloading after other nodes'
 * writes (docs/internals/catalog.md, "Writes"). */
#include "state/state_int.h"

#include "core/alloc.h"
#include "core/log.h"

#include <string.h>

static void free_snap(void *p)
{
    yz_snap_free(p);
}

/* As yz_state_load_snapshot, reusing `prev`'s traditional texts (NULL: none). */
static int load_snapshot(yz_store *st, yz_textnorm *norm, const yz_snap *prev, yz_snap **out,
                         yz_errinfo *ei)
{
    yz_snap_input in = {.prev = prev};
    int err = yz_store_list_facilities(st, &in.facilities, &in.n_facilities, ei);
    if (!err)
        err = yz_store_list_districts(st, &in.districts, &in.n_districts, ei);
    if (!err)
        err = yz_store_list_holidays(st, &in.holidays, &in.n_holidays, ei);
    if (!err)
        err = yz_store_load_stations(st, &in.stations, &in.n_stations, ei);
    if (err)
        goto fail;
    return yz_snap_build(&in, norm, out, ei);
fail:
    yz_station_array_free(in.stations, in.n_stations);
    for (size_t i = 0; i < in.n_facilities; i++)
        yz_facility_fini(&in.facilities[i]);
    yz_free(in.facilities);
    for (size_t i = 0; i < in.n_districts; i++)
        yz_district_fini(&in.districts[i]);
    yz_free(in.districts);
    yz_free(in.holidays);
    return err;
}

int yz_state_load_snapshot(yz_store *st, yz_textnorm *norm, yz_snap **out, yz_errinfo *ei)
{
    return load_snapshot(st, norm, NULL, out, ei);
}

/* `prev`: the current snapshot when the caller holds the lock, else NULL. */
static int load(yz_state *s, const yz_snap *prev, yz_snap **out, yz_errinfo *ei)
{
    if (!s->st)
        return yz_err_set(ei, YZ_EINTERNAL, "", "没有存储", "no store");
    return load_snapshot(s->st, yz_state_thread_norm(), prev, out, ei);
}

/* Deep copies of `s`'s facilities, districts and holidays into `in`. */
static void copy_facilities(const yz_snap *s, yz_snap_input *in)
{
    in->n_facilities = yz_snap_facility_count(s);
    in->facilities = yz_calloc(in->n_facilities + 1, sizeof *in->facilities);
    for (size_t i = 0; i < in->n_facilities; i++) {
        const yz_facility *f = yz_snap_facility(s, i);
        in->facilities[i] = (yz_facility){yz_strdup(f->code), yz_strdup(f->label),
                                          yz_strdup(f->label_hant), yz_strdup(f->label_en), f->bit,
                                          yz_strdup(f->synonyms)};
    }
    in->n_districts = yz_snap_district_count(s);
    in->districts = yz_calloc(in->n_districts + 1, sizeof *in->districts);
    for (size_t i = 0; i < in->n_districts; i++) {
        const yz_district *d = yz_snap_district(s, i);
        in->districts[i] = (yz_district){yz_strdup(d->code), yz_strdup(d->name),
                                         yz_strdup(d->name_hant), d->lat, d->lon};
    }
    const int32_t *hol = yz_snap_holidays(s, &in->n_holidays);
    in->holidays = yz_calloc(in->n_holidays + 1, sizeof *in->holidays);
    if (in->n_holidays) /* a snapshot without holidays may hold NULL */
        memcpy(in->holidays, hol, in->n_holidays * sizeof *hol);
}

void yz_state_republish(yz_state *s, const yz_station *upsert, int64_t delete_id)
{
    /* The lock is held: the current snapshot cannot be replaced or freed under us. */
    const yz_snap *cur = yz__state_current(s, YZ__STATE_SNAP);
    yz_snap_input in = {.prev = cur};
    in.stations = yz_snap_copy_stations(cur, &in.n_stations);
    copy_facilities(cur, &in);
    size_t keep = 0;
    int replaced = 0;
    for (size_t i = 0; i < in.n_stations; i++) {
        yz_station *st = &in.stations[i];
        if (delete_id && st->id == delete_id) {
            yz_station_fini(st);
            continue;
        }
        if (upsert && st->id == upsert->id) {
            yz_station_fini(st);
            yz_station_copy(st, upsert);
            replaced = 1;
        }
        in.stations[keep++] = *st;
    }
    in.n_stations = keep;
    if (upsert && !replaced) {
        in.stations = yz_reallocarray(in.stations, keep + 1, sizeof *in.stations);
        yz_station_copy(&in.stations[keep], upsert);
        in.n_stations = keep + 1;
    }
    yz_snap *next = NULL;
    yz_errinfo ei;
    int err = yz_snap_build(&in, yz_state_thread_norm(), &next, &ei);
    if (err)
        err = load(s, cur, &next, &ei);
    if (err) {
        yz_log_error("catalog: cannot rebuild after a write: %s", ei.msg_en);
        return;
    }
    yz__state_publish(s, YZ__STATE_SNAP, next, free_snap);
}

void yz_state_reload_stations(yz_state *s)
{
    yz_snap *next = NULL;
    yz_errinfo ei;
    yz_state_lock(s);
    if (load(s, yz__state_current(s, YZ__STATE_SNAP), &next, &ei) == YZ_OK)
        yz__state_publish(s, YZ__STATE_SNAP, next, free_snap);
    else
        yz_log_error("catalog: cannot reload after another node's write: %s", ei.msg_en);
    yz_state_unlock(s);
}

void yz_state_republish_all(yz_state *s)
{
    yz_snap *next = NULL;
    yz_errinfo ei;
    if (load(s, NULL, &next, &ei) == YZ_OK)
        yz__state_publish(s, YZ__STATE_SNAP, next, free_snap);
    else
        yz_log_error("catalog: cannot reload after an import: %s", ei.msg_en);
}

void yz_state_reload_station(yz_state *s, int64_t id)
{
    yz_station st;
    yz_errinfo ei;
    int err = YZ_EINTERNAL;
    yz_state_lock(s);
    if (s->st)
        err = yz_store_get_station(s->st, id, &st, &ei);
    else
        yz_err_set(&ei, err, "", "没有存储", "no store");
    if (err == YZ_OK)
        yz_state_republish(s, &st, 0);
    else if (err == YZ_ENOTFOUND)
        yz_state_republish(s, NULL, id);
    else
        yz_log_error("catalog: cannot read station %lld after another node's write: %s",
                     (long long)id, ei.msg_en);
    yz_state_unlock(s);
    if (err == YZ_OK)
        yz_station_fini(&st);
}
