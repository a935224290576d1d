/* SPDX-License-Identifier: MIT */
/* model/device.h - the kinds of station devices and the metrics each reports, with their
 * physical ranges (docs/internals/live.md). A metric's number is stored in device_readings:
 * the numbers never change, new metrics take new numbers. */
#ifndef YZ_DEVICE_H
#define YZ_DEVICE_H

#include <stdbool.h>
#include <stdint.h>

enum yz_device_kind {
    YZ_DEV_BATTERY_CABINET = 0,
    YZ_DEV_PEOPLE_COUNTER,
    YZ_DEV_DOOR,
    YZ_DEV_AIR_CONDITIONER,
    YZ_DEV_WATER_DISPENSER,
    YZ_DEV_POWER,
    YZ_DEV__COUNT
};

/* Metric numbers (stored): 0 is never used. */
enum yz_metric {
    YZ_M_CHARGED = 1, /* battery_cabinet: charged batteries, 0..500 */
    YZ_M_SLOTS,       /* battery_cabinet: slots, 1..500 */
    YZ_M_FAULT,       /* battery_cabinet, air_conditioner, water_dispenser: 0/1 */
    YZ_M_INSIDE,      /* people_counter: people inside, 0..2000 */
    YZ_M_SEATS_FREE,  /* people_counter: free seats, 0..2000 */
    YZ_M_OPEN,        /* door: 0/1 */
    YZ_M_ON,          /* air_conditioner (running), power (mains present): 0/1 */
    YZ_M_TEMP_C,      /* air_conditioner: room temperature, -40..70 °C */
    YZ_M__COUNT
};

#define YZ_DEVICE_NAME_MAX 60 /* characters of a device's name */

/* The kind's API name ("battery_cabinet"), or NULL when out of range. Static text. */
const char *yz_device_kind_name(int kind);
/* The kind in words for people (换电柜, 換電櫃, battery cabinet for lang 0, 1, 2), or NULL
 * when either is out of range. Static text. */
const char *yz_device_kind_words(int kind, int lang);
/* The kind named `name`, or -1. */
int yz_device_kind_parse(const char *name);
/* The metric's API name ("charged"), or NULL. Static text. */
const char *yz_metric_name(int metric);
/* The metric named `name`, or 0. */
int yz_metric_parse(const char *name);
/* Whether devices of `kind` report `metric`. */
bool yz_device_has_metric(int kind, int metric);
/* Whether `v` is in the metric's physical range (integers where the metric counts or is a
 * flag). `lo`, `hi` (may be NULL) get the range for the error message. */
bool yz_metric_in_range(int metric, double v, double *lo, double *hi);

#endif
