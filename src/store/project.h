/* SPDX-License-Identifier: MIT */
/* store/project.h - the livelihood project (民生实事): each project station's milestones
 * (planned, site agreed, building, accepted, open), each with a planned and an actual date
 * and a note, under one version per station for If-Match (docs/internals/project.md). The
 * date rules are pure functions shared by the API and the demo. Records returned are owned
 * by the caller (yz_project_fini / yz_project_array_free). */
#ifndef YZ_STORE_PROJECT_H
#define YZ_STORE_PROJECT_H

#include "store/store.h"

#include <stdbool.h>
#include <stdint.h>

enum yz_milestone {
    YZ_MS_PLANNED,     /* put in the year's plan */
    YZ_MS_SITE_AGREED, /* the site is agreed with its owner */
    YZ_MS_BUILDING,    /* building or fitting out started */
    YZ_MS_ACCEPTED,    /* accepted by the union */
    YZ_MS_OPEN,        /* open to workers */
    YZ_MS__COUNT
};
/* "planned", "site_agreed", ...; "" out of range. */
const char *yz_milestone_name(int ms);
/* The milestone named `s`, or -1. */
int yz_milestone_parse(const char *s);

#define YZ_DAY_NONE INT32_MIN     /* no date */
#define YZ_MILESTONE_NOTE_MAX 500 /* code points of a note */

/* One milestone of a station. Days are local dates, days since 1970-01-01. */
typedef struct yz_milestone_rec {
    int32_t planned_on; /* when it is planned for, or YZ_DAY_NONE */
    int32_t done_on;    /* when it was reached, or YZ_DAY_NONE while it is not */
    char *note;         /* owned, never NULL in records the store returns ("" for none) */
} yz_milestone_rec;

/* A project station's milestones. */
typedef struct yz_project {
    int64_t station_id;
    int64_t version;    /* 0 while nothing was ever saved; +1 a save (If-Match) */
    int64_t updated_at; /* unix seconds; 0 while nothing was saved */
    yz_milestone_rec ms[YZ_MS__COUNT];
} yz_project;

void yz_project_init(yz_project *p);
/* Frees the notes and leaves `p` as after init. Accepts NULL. */
void yz_project_fini(yz_project *p);
void yz_project_array_free(yz_project *a, size_t n);

/* The milestone the station has reached: the last one with an actual date, or -1 for none. */
int yz_project_stage(const yz_project *p);
/* The first milestone not reached whose planned date is before `today`, or -1 when none is
 * overdue. */
int yz_project_overdue(const yz_project *p, int32_t today);

/* Check the dates: an actual date needs the previous milestone's actual date (no milestone is
 * skipped), is not before it, and is not after `today`; notes at most YZ_MILESTONE_NOTE_MAX
 * code points of valid UTF-8. YZ_OK or YZ_EINVAL naming "milestones.<name>.actual" (or
 * ".note"). Pure. */
int yz_project_validate(const yz_project *p, int32_t today, yz_errinfo *ei);

/* Parse "YYYY-MM-DD" (a real day, 1970..2999) into days since 1970-01-01. Returns false when
 * it is not one. Format writes "YYYY-MM-DD" into out (11 bytes). */
bool yz_day_parse(const char *s, int32_t *day);
void yz_day_format(int32_t day, char out[11]);

/* Station `station_id`'s milestones into `out` (initialised by the call): version 0 and no
 * dates when none were saved. YZ_ENOTFOUND when the station does not exist. */
int yz_store_project_get(yz_store *st, int64_t station_id, yz_project *out, yz_errinfo *ei);
/* Replace the milestones of p->station_id with p->ms (validated by the caller). With
 * `if_version` >= 0 the stored version must be that one (else YZ_ESTALE, nothing changed; a
 * station never saved has version 0); -1 takes any. The station must exist (YZ_ENOTFOUND) and be in
 * the livelihood project (YZ_ECONFLICT, field "livelihood"). Sets p->version and updated_at. */
int yz_store_project_put(yz_store *st, yz_project *p, int64_t if_version, yz_errinfo *ei);
/* Every saved station's milestones, by station id. Owned (yz_project_array_free). */
int yz_store_project_list(yz_store *st, yz_project **out, size_t *n, yz_errinfo *ei);

#endif
