/* SPDX-License-Identifier: MIT */
/* store/alarms.h - alarms as data (migration 0037, both dialects; docs/internals/alarms.md):
 * the rules an admin tunes, the alarms the evaluator (live/alarms.c) opens, closes and
 * escalates on stations' devices, their acknowledgement. Written once for both backends on
 * store/db.h. Records returned are the caller's (owned arrays: yz_free); inputs are borrowed.
 * Every write is one transaction. Any thread. */
#ifndef YZ_STORE_ALARMS_H
#define YZ_STORE_ALARMS_H

#include "store/store.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What a rule watches. */
enum yz_alarm_kind {
    YZ_ALARM_CABINET_EMPTY,    /* a battery cabinet's charged = 0 for duration_s */
    YZ_ALARM_AC_OFF_HOT,       /* an air conditioner on = 0 while temp_c > threshold */
    YZ_ALARM_DOOR_OPEN_CLOSED, /* a door open = 1 while its station is closed */
    YZ_ALARM_NO_HEARTBEAT,     /* a device silent for duration_s */
    YZ_ALARM_KIND__COUNT
};
/* "cabinet_empty", ...; "" for an unknown value. The parse function returns -1. */
const char *yz_alarm_kind_name(int kind);
int yz_alarm_kind_parse(const char *s);
/* The rule's name for people: lang 0 简体, 1 繁體, 2 English; "" for an unknown kind. */
const char *yz_alarm_kind_words(int kind, int lang);

typedef struct yz_alarm_rule {
    int64_t id;
    int kind;           /* enum yz_alarm_kind */
    int64_t duration_s; /* how long the condition holds before an alarm opens */
    double threshold;   /* ac_off_hot: °C; unused (0) for the others */
    int64_t ack_s;      /* not acknowledged this long after opening: escalated */
    bool enabled;
    int64_t version;    /* +1 an edit */
} yz_alarm_rule;

#define YZ_ALARM_DURATION_MAX 86400 /* seconds */
#define YZ_ALARM_ACK_MIN 60
#define YZ_ALARM_ACK_MAX 86400

/* Every rule, by id. Owned array. */
int yz_store_alarm_rules(yz_store *st, yz_alarm_rule **out, size_t *n, yz_errinfo *ei);
/* Rule `id` into *out. YZ_ENOTFOUND. */
int yz_store_alarm_rule_get(yz_store *st, int64_t id, yz_alarm_rule *out, yz_errinfo *ei);
/* Write rule `r` (the caller validated it: r->id names it) with its version + 1; with
 * `if_version` > 0 the stored one must be that version (YZ_ESTALE). `before` (may be NULL) gets
 * the rule as it was, *r the rule after. YZ_ENOTFOUND. */
int yz_store_alarm_rule_update(yz_store *st, yz_alarm_rule *r, int64_t if_version,
                               yz_alarm_rule *before, yz_errinfo *ei);

enum yz_alarm_level { YZ_ALARM_OPERATOR, YZ_ALARM_DISTRICT };

typedef struct yz_alarm {
    int64_t id, rule_id;
    int kind;              /* the rule's, enum yz_alarm_kind */
    int64_t station_id;
    char district[16];     /* the station's district code when opened */
    int64_t device_id;
    int device_kind;       /* enum yz_device_kind */
    int64_t since_ms;      /* unix ms the condition began */
    int64_t opened_at;     /* unix seconds, as the times below; 0: not (yet) */
    int level;             /* enum yz_alarm_level */
    int64_t escalated_at, acked_at, acked_by, closed_at;
    int64_t task_id;       /* the task made from it, 0: none */
} yz_alarm;

typedef struct yz_alarm_filter {
    int64_t station_id; /* 0: any */
    bool open_only;
    size_t limit;       /* open ones first, then the newest */
} yz_alarm_filter;
/* The alarms matching `f`. Owned array. */
int yz_store_alarm_list(yz_store *st, const yz_alarm_filter *f, yz_alarm **out, size_t *n,
                        yz_errinfo *ei);
/* Alarm `id`. YZ_ENOTFOUND. */
int yz_store_alarm_get(yz_store *st, int64_t id, yz_alarm *out, yz_errinfo *ei);

/* One alarm to open (an evaluation's finding). */
typedef struct yz_alarm_open {
    int64_t rule_id, station_id, device_id, since_ms;
    int device_kind;
    char district[16];
} yz_alarm_open;

/* What an evaluation wrote. */
typedef struct yz_alarm_applied {
    size_t opened, closed, escalated;
} yz_alarm_applied;

/* In one write transaction at `now` (unix s): open o[0..no) (one that is open already for its
 * rule and device is left as it is), close the open alarms close_ids[0..nc), and escalate to the
 * district every open alarm neither acknowledged nor escalated whose rule's ack_s has passed
 * since it opened. *out gets the counts. */
int yz_store_alarms_apply(yz_store *st, const yz_alarm_open *o, size_t no,
                          const int64_t *close_ids, size_t nc, int64_t now, yz_alarm_applied *out,
                          yz_errinfo *ei);
/* Acknowledge alarm `id` by user `by` (0: the admin token) at `now`: it stops escalating.
 * Acknowledged already: YZ_ECONFLICT naming "alarm". `before` (may be NULL) and *out get it
 * before and after. YZ_ENOTFOUND. */
int yz_store_alarm_ack(yz_store *st, int64_t id, int64_t by, int64_t now, yz_alarm *before,
                       yz_alarm *out, yz_errinfo *ei);

/* For store areas: YZ_ENOTFOUND "alarm not found" naming "id" (the one wording). */
int yz__store_alarm_not_found(yz_errinfo *ei);

/* Open alarms by rule kind and level, for /metrics: counts[kind][level]. */
int yz_store_alarm_counts(yz_store *st, int64_t counts[YZ_ALARM_KIND__COUNT][2],
                          yz_errinfo *ei);

#endif
