/* SPDX-License-Identifier: MIT */
/* live/alarms.h - the alarms' evaluator (docs/internals/alarms.md): over the live status of
 * every device and the rules in the store, it opens an alarm when a rule's condition has held
 * for the rule's duration (once per rule and device), closes it when the condition clears, and
 * escalates to the district the alarms not acknowledged within the rule's window. A light
 * thread runs it periodically; an admin (and the tests, with a time of their own) may run it
 * at once. */
#ifndef YZ_LIVE_ALARMS_H
#define YZ_LIVE_ALARMS_H

#include "state/state.h"
#include "store/alarms.h"

#include <stdbool.h>
#include <stdint.h>

typedef struct yz_alarms yz_alarms;

/* Start an evaluator over store `st` and state `state` (both borrowed, outliving it); with
 * `period_s` > 0 a thread evaluates every period_s seconds at the clock's time, with 0 nothing
 * evaluates unless yz_alarms_evaluate is called. Returns owned (yz_alarms_free). */
yz_alarms *yz_alarms_new(yz_store *st, yz_state *state, int period_s);
/* Stop the thread and free. Accepts NULL. */
void yz_alarms_free(yz_alarms *a);

/* Evaluate now, at `now_ms` (unix ms): see the header's comment. Serialised with the thread's
 * evaluations. *out gets what was written. YZ_OK or the store's error (nothing written). */
int yz_alarms_evaluate(yz_alarms *a, int64_t now_ms, yz_alarm_applied *out, yz_errinfo *ei);

/* The open alarms by rule kind and level as of the last evaluation, and whether there was one.
 * Thread-safe. */
bool yz_alarms_counts(yz_alarms *a, int64_t counts[YZ_ALARM_KIND__COUNT][2]);

/* Whether rule kind `kind` (enum yz_alarm_kind) watches device `d`, and if so whether its
 * condition holds at `now_ms`, with *since_ms the time it began: `prev_since_ms` when it was
 * already seen holding (0: not), `last_eval_ms` the time of the previous evaluation (0: none),
 * `station_open` whether the device's station is open at now_ms, `threshold` the rule's.
 * For no_heartbeat the condition is a silence of at least `duration_ms`, since the last message
 * (or, for a device never heard, since it was first seen). Returns -1 when the rule does not
 * watch the device, else 1 (holds) or 0. Pure. */
int yz_alarm_condition(int kind, const yz_live_dev *d, double threshold, int64_t duration_ms,
                       bool station_open,
                       int64_t now_ms, int64_t prev_since_ms, int64_t last_eval_ms,
                       int64_t *since_ms);

#endif
