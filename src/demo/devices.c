/* SPDX-License-Identifier: MIT */
/* demo/devices.c - the demo city's devices: chosen by partner kind and facilities, so every
 * seed of the city gets the same kinds at the same kind of station (docs/internals/demo.md,
 * "Devices"). Keys are random (libsodium), made at load, as `yizhan devices add` makes them. */
#include "demo/devices.h"

#include "core/alloc.h"
#include "demo/city.h"
#include "model/device.h"
#include "store/devices.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#define K(kind) (1u << (kind))

unsigned yz_demo_device_kinds(const yz_station *s, uint64_t battery_swap_bit)
{
    unsigned m = 0;
    if (s->code && !strcmp(s->code, YZ_DEMO_UNION_CODE))
        return K(YZ_DEV_BATTERY_CABINET) | K(YZ_DEV_PEOPLE_COUNTER) | K(YZ_DEV_DOOR) |
               K(YZ_DEV_AIR_CONDITIONER) | K(YZ_DEV_WATER_DISPENSER);
    switch (s->partner_kind) {
    case YZ_PARTNER_CONVENIENCE_STORE:
    case YZ_PARTNER_GAS_STATION:
        m = K(YZ_DEV_PEOPLE_COUNTER) | K(YZ_DEV_DOOR) | K(YZ_DEV_AIR_CONDITIONER) | K(YZ_DEV_POWER);
        if (battery_swap_bit && (s->facilities & battery_swap_bit))
            m |= K(YZ_DEV_BATTERY_CABINET);
        break;
    case YZ_PARTNER_CHINA_TOWER:
        m = K(YZ_DEV_BATTERY_CABINET) | K(YZ_DEV_DOOR) | K(YZ_DEV_POWER);
        break;
    default: break;
    }
    /* A station that is not open (planned, building, closed) has nothing running yet. */
    if (s->status != YZ_STATUS_OPEN)
        m = 0;
    return m;
}

static const char *const kind_names[YZ_DEV__COUNT] = {
    [YZ_DEV_BATTERY_CABINET] = "换电柜",
    [YZ_DEV_PEOPLE_COUNTER] = "客流计数器",
    [YZ_DEV_DOOR] = "门磁",
    [YZ_DEV_AIR_CONDITIONER] = "空调",
    [YZ_DEV_WATER_DISPENSER] = "饮水机",
    [YZ_DEV_POWER] = "市电监测",
};

static void new_key(char out[48])
{
    unsigned char raw[32];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2base64(out, 48, raw, sizeof raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(raw, sizeof raw);
}

int yz_demo_devices(yz_store *st, size_t *added, yz_errinfo *ei)
{
    if (added)
        *added = 0;
    yz_facility *fac = NULL;
    size_t nfac = 0;
    int err = yz_store_list_facilities(st, &fac, &nfac, ei);
    if (err)
        return err;
    uint64_t swap = 0;
    for (size_t i = 0; i < nfac; i++)
        if (fac[i].code && !strcmp(fac[i].code, "battery_swap"))
            swap = UINT64_C(1) << fac[i].bit;
    for (size_t i = 0; i < nfac; i++)
        yz_facility_fini(&fac[i]);
    yz_free(fac);

    yz_station *s = NULL;
    size_t n = 0;
    if ((err = yz_store_load_stations(st, &s, &n, ei)))
        return err;
    yz_device *have = NULL;
    size_t nhave = 0;
    if ((err = yz_store_device_list(st, 0, &have, &nhave, ei)))
        goto out;
    for (size_t i = 0; i < n && !err; i++) {
        unsigned kinds = yz_demo_device_kinds(&s[i], swap);
        bool any = false;
        for (size_t j = 0; j < nhave && !any; j++)
            any = have[j].station_id == s[i].id;
        for (int k = 0; k < YZ_DEV__COUNT && kinds && !any && !err; k++) {
            if (!(kinds & K(k)))
                continue;
            yz_device d;
            memset(&d, 0, sizeof d);
            d.station_id = s[i].id;
            d.kind = k;
            snprintf(d.name, sizeof d.name, "%s", kind_names[k]);
            new_key(d.key);
            err = yz_store_device_create(st, &d, ei);
            sodium_memzero(d.key, sizeof d.key);
            if (!err && added)
                (*added)++;
        }
    }
    if (have)
        sodium_memzero(have, nhave * sizeof *have);
    yz_free(have);
out:
    yz_station_array_free(s, n);
    return err;
}
