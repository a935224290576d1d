/* SPDX-License-Identifier: MIT */
/* tests/unit/test_live.c - live status (docs/internals/live.md): the validation of a device
 * message against its kind (fields named, reasons), the summary of a station's devices (stale
 * values unknown, never-seen ones without an age, cabinets summed over the fresh ones, what is
 * out of order), and the live part of the state (devices set, statuses merged by time, a new
 * version sharing the stations it did not change). */
#include "core/alloc.h"
#include "demo/city.h"
#include "live/ingest_int.h"
#include "model/facility.h"
#include "state/state_int.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#define NOW 1764806400000LL

static int parse(int kind, const char *body, yz_reading *r, size_t *n,
                 enum yz_ingest_reason *reason, yz_errinfo *ei)
{
    yz_err_clear(ei);
    return yz_ingest_parse(kind, 7, body, strlen(body), NOW, r, n, reason, ei);
}

static void refused(int kind, const char *body, int code, const char *field,
                    enum yz_ingest_reason want)
{
    yz_reading r[YZ_INGEST_MAX_BATCH];
    size_t n = 99;
    enum yz_ingest_reason reason = YZ_INGEST_REFUSED__COUNT;
    yz_errinfo ei;
    int err = parse(kind, body, r, &n, &reason, &ei);
    cr_assert_eq(err, code, "%s: %d %s", body, err, ei.msg_en);
    cr_assert_str_eq(ei.field, field, "%s", body);
    cr_assert_eq(reason, want, "%s: reason %s", body, yz_ingest_reason_name(reason));
    cr_assert_eq(n, 0);
    cr_assert(ei.msg[0] && ei.msg_en[0]);
}

Test(live, parse_accepts)
{
    yz_reading r[YZ_INGEST_MAX_BATCH];
    size_t n = 0;
    enum yz_ingest_reason reason;
    yz_errinfo ei;
    cr_assert_eq(parse(YZ_DEV_BATTERY_CABINET,
                       "{\"seq\":1234,\"ts\":1764806400123,\"values\":{\"charged\":5,\"slots\":12}}",
                       r, &n, &reason, &ei),
                 YZ_OK, "%s", ei.msg_en);
    cr_assert_eq(n, 1);
    cr_assert_eq(r[0].device_id, 7);
    cr_assert_eq(r[0].seq, 1234);
    cr_assert_eq(r[0].ts, 1764806400123LL);
    cr_assert_eq(r[0].n, 2);
    cr_assert_eq(r[0].metric[0], YZ_M_CHARGED);
    cr_assert_eq(r[0].value[0], 5);
    cr_assert_eq(r[0].metric[1], YZ_M_SLOTS);
    cr_assert_eq(r[0].value[1], 12);
    /* a batch with a heartbeat, the edges of the window, a room temperature with decimals */
    cr_assert_eq(parse(YZ_DEV_AIR_CONDITIONER,
                       "{\"readings\":[{\"seq\":0,\"ts\":1764806100000,\"values\":{}},"
                       "{\"seq\":9007199254740992,\"ts\":1764806700000,"
                       "\"values\":{\"temp_c\":-40,\"on\":1,\"fault\":0}},"
                       "{\"seq\":3,\"ts\":1764806400000,\"values\":{\"temp_c\":31.5}}]}",
                       r, &n, &reason, &ei),
                 YZ_OK, "%s", ei.msg_en);
    cr_assert_eq(n, 3);
    cr_assert_eq(r[0].n, 0);
    cr_assert_eq(r[1].n, 3);
    cr_assert_eq(r[2].value[0], 31.5);
    /* 100 readings: the most a message holds */
    char big[16384];
    size_t at = (size_t)snprintf(big, sizeof big, "{\"readings\":[");
    for (int i = 0; i < YZ_INGEST_MAX_BATCH; i++)
        at += (size_t)snprintf(big + at, sizeof big - at, "%s{\"seq\":%d,\"ts\":%lld,\"values\":{\"open\":%d}}",
                               i ? "," : "", i, NOW, i % 2);
    snprintf(big + at, sizeof big - at, "]}");
    cr_assert_eq(parse(YZ_DEV_DOOR, big, r, &n, &reason, &ei), YZ_OK, "%s", ei.msg_en);
    cr_assert_eq(n, YZ_INGEST_MAX_BATCH);
    cr_assert_eq(r[99].value[0], 1);
}

Test(live, parse_refuses)
{
    const int cab = YZ_DEV_BATTERY_CABINET;
    refused(cab, "{\"seq\":1,\"ts\":1764806400000,\"values\":{\"charged\":501}}", YZ_EINVAL,
            "values.charged", YZ_INGEST_REFUSED_RANGE);
    refused(cab, "{\"seq\":1,\"ts\":1764806400000,\"values\":{\"charged\":2.5}}", YZ_EINVAL,
            "values.charged", YZ_INGEST_REFUSED_RANGE);
    refused(cab, "{\"seq\":1,\"ts\":1764806400000,\"values\":{\"slots\":0}}", YZ_EINVAL,
            "values.slots", YZ_INGEST_REFUSED_RANGE);
    refused(cab, "{\"seq\":1,\"ts\":1764806400000,\"values\":{\"charged\":\"5\"}}", YZ_EINVAL,
            "values.charged", YZ_INGEST_REFUSED_RANGE);
    refused(cab, "{\"seq\":1,\"ts\":1764806400000,\"values\":{\"charged\":9,\"slots\":8}}",
            YZ_EINVAL, "values.charged", YZ_INGEST_REFUSED_RANGE);
    refused(cab, "{\"seq\":1,\"ts\":1764806400000,\"values\":{\"inside\":3}}", YZ_EINVAL,
            "values.inside", YZ_INGEST_REFUSED_PAYLOAD);
    refused(cab, "{\"seq\":1,\"ts\":1764806400000,\"values\":{\"volts\":3}}", YZ_EINVAL,
            "values.volts", YZ_INGEST_REFUSED_PAYLOAD);
    refused(YZ_DEV_AIR_CONDITIONER, "{\"seq\":1,\"ts\":1764806400000,\"values\":{\"temp_c\":70.1}}",
            YZ_EINVAL, "values.temp_c", YZ_INGEST_REFUSED_RANGE);
    refused(YZ_DEV_POWER, "{\"seq\":1,\"ts\":1764806400000,\"values\":{\"on\":2}}", YZ_EINVAL,
            "values.on", YZ_INGEST_REFUSED_RANGE);
    /* five minutes and one millisecond either way */
    refused(cab, "{\"seq\":1,\"ts\":1764806099999,\"values\":{}}", YZ_EINVAL, "ts",
            YZ_INGEST_REFUSED_TIMESTAMP);
    refused(cab, "{\"seq\":1,\"ts\":1764806700001,\"values\":{}}", YZ_EINVAL, "ts",
            YZ_INGEST_REFUSED_TIMESTAMP);
    refused(cab, "{\"seq\":-1,\"ts\":1764806400000,\"values\":{}}", YZ_EINVAL, "seq",
            YZ_INGEST_REFUSED_PAYLOAD);
    refused(cab, "{\"seq\":9007199254740993,\"ts\":1764806400000,\"values\":{}}", YZ_EINVAL, "seq",
            YZ_INGEST_REFUSED_PAYLOAD);
    refused(cab, "{\"seq\":1,\"ts\":1764806400000}", YZ_EINVAL, "values",
            YZ_INGEST_REFUSED_PAYLOAD);
    refused(cab, "{\"seq\":1,\"ts\":1764806400000,\"values\":{},\"x\":1}", YZ_EINVAL, "x",
            YZ_INGEST_REFUSED_PAYLOAD);
    refused(cab, "{\"seq\":1,\"seq\":2,\"ts\":1764806400000,\"values\":{}}", YZ_EINVAL, "body",
            YZ_INGEST_REFUSED_PAYLOAD);
    refused(cab, "{\"seq\":1,", YZ_EINVAL, "body", YZ_INGEST_REFUSED_PAYLOAD);
    refused(cab, "[1]", YZ_EINVAL, "body", YZ_INGEST_REFUSED_PAYLOAD);
    refused(cab, "{\"readings\":[]}", YZ_EINVAL, "readings", YZ_INGEST_REFUSED_PAYLOAD);
    refused(cab,
            "{\"readings\":[{\"seq\":1,\"ts\":1764806400000,\"values\":{}},"
            "{\"seq\":2,\"ts\":1764806400000,\"values\":{\"fault\":3}}]}",
            YZ_EINVAL, "readings[1].values.fault", YZ_INGEST_REFUSED_RANGE);
    char big[20000];
    size_t at = (size_t)snprintf(big, sizeof big, "{\"readings\":[");
    for (int i = 0; i <= YZ_INGEST_MAX_BATCH; i++)
        at += (size_t)snprintf(big + at, sizeof big - at, "%s{\"seq\":%d,\"ts\":%lld,\"values\":{}}",
                               i ? "," : "", i, NOW);
    snprintf(big + at, sizeof big - at, "]}");
    refused(cab, big, YZ_ETOOBIG, "readings", YZ_INGEST_REFUSED_PAYLOAD);
    char *huge = yz_malloc(YZ_INGEST_MAX_BODY + 2);
    memset(huge, ' ', YZ_INGEST_MAX_BODY + 1);
    huge[YZ_INGEST_MAX_BODY + 1] = '\0';
    memcpy(huge, "{}", 2);
    refused(cab, huge, YZ_ETOOBIG, "body", YZ_INGEST_REFUSED_PAYLOAD);
    yz_free(huge);
}

/* --- the summary ---------------------------------------------------------------------------- */

static yz_live_station *station(size_t n)
{
    yz_live_station *ls = yz_calloc(1, sizeof *ls + n * sizeof(yz_live_dev));
    ls->n = n;
    ls->station_id = 1;
    for (size_t i = 0; i < n; i++)
        ls->dev[i].id = (int64_t)i + 1;
    return ls;
}

static void set(yz_live_dev *d, int m, double v, int64_t age_ms)
{
    d->v[m] = v;
    d->v_ts[m] = NOW - age_ms;
}

#define MAX_AGE 600000

Test(live, summary_empty_and_never_seen)
{
    yz_live_summary s;
    yz_live_summarize(NULL, NOW, MAX_AGE, &s);
    cr_assert(!s.any);
    yz_live_station *ls = station(1);
    ls->dev[0].kind = YZ_DEV_PEOPLE_COUNTER;
    yz_live_summarize(ls, NOW, MAX_AGE, &s);
    cr_assert(s.any);
    cr_assert(s.people_inside.present && !s.people_inside.known);
    cr_assert_eq(s.people_inside.age_s, -1); /* never seen: no age */
    cr_assert(!s.batteries_charged.present);
    ls->dev[0].disabled = true; /* a disabled device does not count: no member */
    yz_live_summarize(ls, NOW, MAX_AGE, &s);
    cr_assert(!s.any);
    yz_free(ls);
}

Test(live, summary_stale_is_unknown)
{
    yz_live_station *ls = station(1);
    ls->dev[0].kind = YZ_DEV_PEOPLE_COUNTER;
    set(&ls->dev[0], YZ_M_INSIDE, 3, MAX_AGE); /* exactly the limit: still fresh */
    set(&ls->dev[0], YZ_M_SEATS_FREE, 8, MAX_AGE + 1);
    yz_live_summary s;
    yz_live_summarize(ls, NOW, MAX_AGE, &s);
    cr_assert(s.people_inside.known);
    cr_assert_eq(s.people_inside.value, 3);
    cr_assert_eq(s.people_inside.age_s, 600);
    cr_assert(!s.seats_free.known); /* stale: unknown, its age kept */
    cr_assert_eq(s.seats_free.age_s, 600);
    yz_free(ls);
}

Test(live, summary_sums_cabinets)
{
    yz_live_station *ls = station(4);
    for (int i = 0; i < 3; i++)
        ls->dev[i].kind = YZ_DEV_BATTERY_CABINET;
    set(&ls->dev[0], YZ_M_CHARGED, 5, 10000);
    set(&ls->dev[0], YZ_M_SLOTS, 12, 10000);
    set(&ls->dev[1], YZ_M_CHARGED, 2, 40000);
    set(&ls->dev[1], YZ_M_SLOTS, 8, 40000);
    set(&ls->dev[2], YZ_M_CHARGED, 9, 2 * MAX_AGE); /* stale: not counted */
    set(&ls->dev[2], YZ_M_SLOTS, 9, 2 * MAX_AGE);
    ls->dev[3].kind = YZ_DEV_DOOR;
    yz_live_summary s;
    yz_live_summarize(ls, NOW, MAX_AGE, &s);
    cr_assert(s.batteries_charged.known);
    cr_assert_eq(s.batteries_charged.value, 7);
    cr_assert_eq(s.batteries_charged.slots, 20);
    cr_assert_eq(s.batteries_charged.age_s, 40); /* the oldest value counted */
    cr_assert(!s.people_inside.present);
    cr_assert_eq(s.n_ooo, 0);
    /* a cabinet without slots: the sum of slots is unknown, charged still known */
    ls->dev[1].v_ts[YZ_M_SLOTS] = 0;
    yz_live_summarize(ls, NOW, MAX_AGE, &s);
    cr_assert_eq(s.batteries_charged.value, 7);
    cr_assert(s.batteries_charged.slots < 0);
    /* every cabinet stale: unknown, whatever they said */
    ls->dev[0].v_ts[YZ_M_CHARGED] = ls->dev[1].v_ts[YZ_M_CHARGED] = NOW - 2 * MAX_AGE;
    yz_live_summarize(ls, NOW, MAX_AGE, &s);
    cr_assert(!s.batteries_charged.known);
    yz_free(ls);
}

Test(live, summary_out_of_order)
{
    yz_live_station *ls = station(5);
    ls->dev[0].kind = YZ_DEV_AIR_CONDITIONER;
    set(&ls->dev[0], YZ_M_FAULT, 1, 300000);
    ls->dev[1].kind = YZ_DEV_POWER;
    set(&ls->dev[1], YZ_M_ON, 0, 1000);
    ls->dev[2].kind = YZ_DEV_WATER_DISPENSER;
    set(&ls->dev[2], YZ_M_FAULT, 1, 2 * MAX_AGE); /* stale: not trusted either way */
    ls->dev[3].kind = YZ_DEV_BATTERY_CABINET;
    set(&ls->dev[3], YZ_M_FAULT, 0, 1000);
    ls->dev[4].kind = YZ_DEV_AIR_CONDITIONER; /* on=0 is not a fault for an air conditioner */
    set(&ls->dev[4], YZ_M_ON, 0, 1000);
    yz_live_summary s;
    yz_live_summarize(ls, NOW, MAX_AGE, &s);
    cr_assert_eq(s.n_ooo, 2);
    cr_assert_eq(s.ooo[0].kind, YZ_DEV_AIR_CONDITIONER);
    cr_assert_eq(s.ooo[0].age_s, 300);
    cr_assert_eq(s.ooo[1].kind, YZ_DEV_POWER);
    cr_assert_eq(s.ooo[1].age_s, 1);
    yz_free(ls);
}

/* --- the live part of the state --------------------------------------------------------------- */

static yz_snap *small_snap(void)
{
    yz_snap_input in;
    yz_errinfo ei;
    memset(&in, 0, sizeof in);
    cr_assert_eq(
        yz_demo_generate(1, &in.stations, &in.n_stations, &in.districts, &in.n_districts, &ei),
        YZ_OK);
    for (size_t i = 5; i < in.n_stations; i++)
        yz_station_fini(&in.stations[i]);
    in.n_stations = 5;
    for (size_t i = 0; i < in.n_stations; i++)
        in.stations[i].id = (int64_t)i + 1;
    in.n_facilities = yz_facility_seed_count;
    in.facilities = yz_calloc(in.n_facilities, sizeof *in.facilities);
    for (size_t i = 0; i < in.n_facilities; i++) {
        const yz_facility_seed *f = &yz_facility_seeds[i];
        in.facilities[i] = (yz_facility){yz_strdup(f->code), yz_strdup(f->label),
                                         yz_strdup(f->label_hant), yz_strdup(f->label_en), f->bit,
                                         NULL};
    }
    yz_snap *s = NULL;
    cr_assert_eq(yz_snap_build(&in, yz_state_thread_norm(), &s, &ei), YZ_OK, "%s", ei.msg_en);
    return s;
}

static yz_device dev(int64_t id, int64_t station_id, int kind)
{
    yz_device d;
    memset(&d, 0, sizeof d);
    d.id = id;
    d.station_id = station_id;
    d.kind = kind;
    snprintf(d.key, sizeof d.key, "key-%lld", (long long)id);
    return d;
}

Test(live, state_part)
{
    yz_state *s = yz_state_new(NULL, small_snap());
    yz_device devs[] = {dev(11, 2, YZ_DEV_BATTERY_CABINET), dev(10, 1, YZ_DEV_DOOR),
                        dev(12, 2, YZ_DEV_PEOPLE_COUNTER)};
    yz_state_live_set_devices(s, devs, 3);
    const yz_state_view *v = yz_state_acquire(s);
    const yz_live_station *a = yz_state_live(v, 1), *b = yz_state_live(v, 2);
    cr_assert(a && b && !yz_state_live(v, 3));
    cr_assert_eq(a->n, 1);
    cr_assert_eq(b->n, 2);
    cr_assert_eq(b->dev[0].id, 11); /* by id within the station */
    cr_assert_str_eq(yz_state_live_device(v, 12)->key, "key-12");
    cr_assert_null(yz_state_live_device(v, 13));
    yz_state_release(s, v);

    yz_device_status st[2];
    memset(st, 0, sizeof st);
    st[0].device_id = 11;
    st[0].station_id = 2;
    st[0].v[YZ_M_CHARGED] = 4;
    st[0].v_ts[YZ_M_CHARGED] = NOW;
    st[0].updated_ms = NOW + 5;
    st[1].device_id = 99; /* unknown: skipped */
    st[1].v_ts[YZ_M_CHARGED] = NOW;
    yz_state_live_apply(s, st, 2);
    v = yz_state_acquire(s);
    cr_assert_eq(yz_state_live_device(v, 11)->v[YZ_M_CHARGED], 4);
    cr_assert_eq(yz_state_live_device(v, 11)->last_seen, NOW + 5);
    cr_assert_eq(yz_state_live(v, 1), a, "a station the statuses did not touch is shared");
    cr_assert_neq(yz_state_live(v, 2), b, "the station they touched is a copy");
    yz_state_release(s, v);

    /* an older value does not replace a newer one; a newer one does */
    st[0].v[YZ_M_CHARGED] = 9;
    st[0].v_ts[YZ_M_CHARGED] = NOW - 1;
    yz_state_live_apply(s, st, 1);
    v = yz_state_acquire(s);
    cr_assert_eq(yz_state_live_device(v, 11)->v[YZ_M_CHARGED], 4);
    yz_state_release(s, v);
    st[0].v_ts[YZ_M_CHARGED] = NOW + 1;
    yz_state_live_apply(s, st, 1);
    /* the registry changes: values of the devices that stay are kept */
    devs[0].disabled = true;
    yz_state_live_set_devices(s, devs, 2);
    v = yz_state_acquire(s);
    const yz_live_dev *d = yz_state_live_device(v, 11);
    cr_assert(d && d->disabled);
    cr_assert_eq(d->v[YZ_M_CHARGED], 9);
    cr_assert_null(yz_state_live_device(v, 12));
    yz_state_release(s, v);
    yz_state_free(s);
}
