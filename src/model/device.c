/* SPDX-License-Identifier: MIT */
/* model/device.c - device kinds and their metrics (device.h). */
#include "model/device.h"

#include <math.h>
#include <stddef.h>
#include <string.h>

static const char *const kind_names[YZ_DEV__COUNT] = {
    "battery_cabinet", "people_counter",  "door",
    "air_conditioner", "water_dispenser", "power",
};

/* A kind in words, as the console says it (web/admin/views/alarms.js): zh-Hans, zh-Hant, en. */
static const char *const kind_words[YZ_DEV__COUNT][3] = {
    {"换电柜", "換電櫃", "battery cabinet"},   {"客流计", "客流計", "people counter"},
    {"门", "門", "door"},                      {"空调", "空調", "air conditioner"},
    {"饮水机", "飲水機", "water dispenser"},   {"市电", "市電", "mains power"},
};

static const struct metric_def {
    const char *name;
    double lo, hi;
    bool integer;
    unsigned kinds; /* bit 1 << kind */
} metrics[YZ_M__COUNT] = {
    [YZ_M_CHARGED] = {"charged", 0, 500, true, 1u << YZ_DEV_BATTERY_CABINET},
    [YZ_M_SLOTS] = {"slots", 1, 500, true, 1u << YZ_DEV_BATTERY_CABINET},
    [YZ_M_FAULT] = {"fault", 0, 1, true,
                    1u << YZ_DEV_BATTERY_CABINET | 1u << YZ_DEV_AIR_CONDITIONER |
                        1u << YZ_DEV_WATER_DISPENSER},
    [YZ_M_INSIDE] = {"inside", 0, 2000, true, 1u << YZ_DEV_PEOPLE_COUNTER},
    [YZ_M_SEATS_FREE] = {"seats_free", 0, 2000, true, 1u << YZ_DEV_PEOPLE_COUNTER},
    [YZ_M_OPEN] = {"open", 0, 1, true, 1u << YZ_DEV_DOOR},
    [YZ_M_ON] = {"on", 0, 1, true, 1u << YZ_DEV_AIR_CONDITIONER | 1u << YZ_DEV_POWER},
    [YZ_M_TEMP_C] = {"temp_c", -40, 70, false, 1u << YZ_DEV_AIR_CONDITIONER},
};

const char *yz_device_kind_name(int kind)
{
    return kind >= 0 && kind < YZ_DEV__COUNT ? kind_names[kind] : NULL;
}

const char *yz_device_kind_words(int kind, int lang)
{
    if (kind < 0 || kind >= YZ_DEV__COUNT || lang < 0 || lang > 2)
        return NULL;
    return kind_words[kind][lang];
}

int yz_device_kind_parse(const char *name)
{
    for (int k = 0; name && k < YZ_DEV__COUNT; k++)
        if (strcmp(name, kind_names[k]) == 0)
            return k;
    return -1;
}

const char *yz_metric_name(int metric)
{
    return metric > 0 && metric < YZ_M__COUNT ? metrics[metric].name : NULL;
}

int yz_metric_parse(const char *name)
{
    for (int m = 1; name && m < YZ_M__COUNT; m++)
        if (strcmp(name, metrics[m].name) == 0)
            return m;
    return 0;
}

bool yz_device_has_metric(int kind, int metric)
{
    return kind >= 0 && kind < YZ_DEV__COUNT && metric > 0 && metric < YZ_M__COUNT &&
           (metrics[metric].kinds & (1u << kind));
}

bool yz_metric_in_range(int metric, double v, double *lo, double *hi)
{
    if (metric <= 0 || metric >= YZ_M__COUNT)
        return false;
    const struct metric_def *d = &metrics[metric];
    if (lo)
        *lo = d->lo;
    if (hi)
        *hi = d->hi;
    if (!isfinite(v) || v < d->lo || v > d->hi)
        return false;
    return !d->integer || v == floor(v);
}
