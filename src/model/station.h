/* SPDX-License-Identifier: MIT */
/* model/station.h - the station record, its enumerations, facilities and districts:
 * the domain vocabulary shared by the store, the catalog, the API and the CLI.
 * Strings in these structs are owned by the struct; *_fini frees them. */
#ifndef YZ_STATION_H
#define YZ_STATION_H

#include "core/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum yz_tier { YZ_TIER_BASIC, YZ_TIER_BENCHMARK, YZ_TIER_SMART24H, YZ_TIER__COUNT };

enum yz_partner {
    YZ_PARTNER_UNION,
    YZ_PARTNER_COMMUNITY,
    YZ_PARTNER_CHINA_TOWER,
    YZ_PARTNER_DIDI,
    YZ_PARTNER_CONVENIENCE_STORE,
    YZ_PARTNER_GAS_STATION,
    YZ_PARTNER_ENTERPRISE,
    YZ_PARTNER_GOVERNMENT,
    YZ_PARTNER_OTHER,
    YZ_PARTNER__COUNT
};

enum yz_status {
    YZ_STATUS_PLANNED,
    YZ_STATUS_BUILDING,
    YZ_STATUS_OPEN,
    YZ_STATUS_CLOSED_TEMP,
    YZ_STATUS_CLOSED,
    YZ_STATUS__COUNT
};

/* Campaign batch; YZ_BATCH_NONE when the station is in none. */
enum yz_batch {
    YZ_BATCH_NONE = -1,
    YZ_BATCH_PLAN,
    YZ_BATCH_STANDARDIZE,
    YZ_BATCH_UPGRADE,
    YZ_BATCH_NEW,
    YZ_BATCH_RECTIFY,
    YZ_BATCH_PUBLICIZE,
    YZ_BATCH__COUNT
};

/* Online maps a station can be found on (bit 1 << value in yz_station.online_maps). */
enum yz_online_map { YZ_MAP_AMAP, YZ_MAP_BAIDU, YZ_MAP_TENCENT, YZ_MAP__COUNT };
#define YZ_MAPS_ALL ((1u << YZ_MAP__COUNT) - 1)

/* Enumeration names as the API spells them ("smart24h"), and back. The parse functions
 * return the value, or -1 when `s` is not a name in the list. */
const char *yz_tier_name(int tier);
int yz_tier_parse(const char *s);
const char *yz_partner_name(int kind);
int yz_partner_parse(const char *s);
const char *yz_status_name(int status);
int yz_status_parse(const char *s);
const char *yz_batch_name(int batch); /* "" for YZ_BATCH_NONE */
int yz_batch_parse(const char *s);    /* "" gives YZ_BATCH_NONE */
const char *yz_map_name(int map);     /* "amap", "baidu", "tencent" */
int yz_map_parse(const char *s);

/* A mask of online maps as "amap;baidu" (`sep` between names, "" for none) into `out`
 * (caller-owned, `cap` bytes; 32 always fits). */
void yz_maps_format(unsigned mask, const char *sep, char *out, size_t cap);
/* The same as static text with ';' between names ("" for none). Borrowed, valid forever. */
const char *yz_maps_text(unsigned mask);
/* Parse names separated by ',' or ';' (spaces allowed; "" = none) into a mask. Returns YZ_OK,
 * or YZ_EINVAL with `ei` naming `field` and the unknown name. */
int yz_maps_parse(const char *list, const char *field, unsigned *mask, yz_errinfo *ei);

/* A facility is data (table `facilities`): a code, labels, and the bit it takes in a
 * station's facility mask. At most 64 facilities exist. */
typedef struct yz_facility {
    char *code;    /* "battery_swap" */
    char *label;   /* zh-Hans */
    char *label_hant;
    char *label_en;
    int bit;       /* 0..63, stable */
    char *synonyms; /* words riders type for it (table facility_synonyms), each followed by
                     * '\n'; NULL when none */
} yz_facility;

void yz_facility_fini(yz_facility *f);

typedef struct yz_district {
    char *code;      /* GB/T 2260 code, "330302" */
    char *name;      /* zh-Hans, "鹿城区" */
    char *name_hant; /* zh-Hant, may equal name */
    double lat, lon; /* WGS-84 position of the seat, degrees; 0,0 when unknown */
} yz_district;

void yz_district_fini(yz_district *d);

typedef struct yz_station {
    int64_t id;             /* 0 until stored */
    char *code;             /* public short code for QR links, unique, [A-Za-z0-9-]{2,32} */
    char *name;
    char *address;
    char *district_code;    /* refers to yz_district.code */
    char *district_name;    /* filled by the store when reading; optional on write */
    double lat, lon;        /* WGS-84 degrees */
    int tier;               /* enum yz_tier */
    int partner_kind;       /* enum yz_partner */
    char *partner_name;     /* may be NULL */
    uint64_t facilities;    /* mask of yz_facility.bit */
    char *opening_hours;    /* OSM opening_hours syntax; NULL means "24/7" */
    char *tz;               /* IANA zone name; NULL means "Asia/Shanghai" */
    int status;             /* enum yz_status */
    char *closed_reason;    /* for closed_temp; may be NULL */
    int64_t closed_until;   /* for closed_temp: unix seconds, 0 = until further notice */
    char *phone;            /* may be NULL */
    int seats;              /* 0 = unknown */
    bool livelihood;        /* part of the livelihood (民生实事) project */
    int batch;              /* enum yz_batch */
    unsigned online_maps;   /* mask of 1 << enum yz_online_map: maps it is findable on */
    int64_t created_at;     /* unix seconds, set by the store */
    int64_t updated_at;     /* unix seconds, set by the store */
    int64_t version;        /* optimistic concurrency, set by the store, starts at 1 */
} yz_station;

/* Whether `st` is in service: open, or closed for now (closed_temp). Such stations are found
 * by nearby searches and take check-ins; planned, building and closed ones do not. */
bool yz_station_in_service(const yz_station *st);

/* Zero the record (tier basic, status open, batch none). */
void yz_station_init(yz_station *s);
/* Free the strings and zero the record. Accepts NULL. */
void yz_station_fini(yz_station *s);
/* Deep copy `src` into `dst` (uninitialized). */
void yz_station_copy(yz_station *dst, const yz_station *src);
/* Free an array of `n` stations made by the store or an importer. Accepts NULL. */
void yz_station_array_free(yz_station *a, size_t n);

/* Check every field a writer sets: code format, non-empty name, lat/lon in range,
 * enumerations, opening hours (parsed), time zone, seats >= 0, string lengths.
 * Returns YZ_OK or YZ_EINVAL with `ei` naming the field. Borrows `s`. */
int yz_station_validate(const yz_station *s, yz_errinfo *ei);
/* The part of yz_station_validate that needs no parsing: position, enumerations, online maps,
 * seats and closed_until within range, with its messages. What the table's CHECK constraints
 * say; the store checks loaded rows with it. */
int yz_station_check_values(const yz_station *s, yz_errinfo *ei);
/* As yz_station_validate, but the opening hours are taken as valid (`hours_ok`: the caller
 * parsed the same text before, as a reader of many rows that share a few hours does) or
 * checked as there. The same result and error as yz_station_validate. Borrows `s`. */
int yz_station_validate_hours_ok(const yz_station *s, bool hours_ok, yz_errinfo *ei);

/* The default time zone of stations. */
#define YZ_DEFAULT_TZ "Asia/Shanghai"

#endif
