/* SPDX-License-Identifier: MIT */
/* store/alarms.c - the alarms area (docs/internals/alarms.md), written once for both backends
 * on store/db.h: the rules, the alarms an evaluation opens, closes and escalates in one write
 * transaction, and their acknowledgement, checked against the stored row in the same
 * transaction so that two staff acknowledging at once acknowledge once. */
#include "store/alarms.h"

#include "core/alloc.h"
#include "model/device.h"
#include "store/db.h"

#include <stdio.h>
#include <string.h>

static const char *const kind_names[] = {"cabinet_empty", "ac_off_hot", "door_open_closed",
                                         "no_heartbeat"};

const char *yz_alarm_kind_name(int kind)
{
    return kind >= 0 && kind < YZ_ALARM_KIND__COUNT ? kind_names[kind] : "";
}

/* Each rule's name for people, in the three languages: the console's label and the title of a
 * task made from an alarm. */
static const struct {
    const char *zh, *hant, *en;
} kind_words[YZ_ALARM_KIND__COUNT] = {
    {"换电柜无满电电池", "換電櫃無滿電電池", "Battery cabinet empty"},
    {"高温时空调关闭", "高溫時空調關閉", "Air conditioner off in the heat"},
    {"闭站时门开着", "閉站時門開著", "Door open while the station is closed"},
    {"设备失联", "設備失聯", "Device silent"},
};

const char *yz_alarm_kind_words(int kind, int lang)
{
    if (kind < 0 || kind >= YZ_ALARM_KIND__COUNT)
        return "";
    return lang == 1   ? kind_words[kind].hant
           : lang == 2 ? kind_words[kind].en
                       : kind_words[kind].zh;
}

int yz_alarm_kind_parse(const char *s)
{
    for (int i = 0; s && i < YZ_ALARM_KIND__COUNT; i++)
        if (!strcmp(s, kind_names[i]))
            return i;
    return -1;
}

/* --- rules -------------------------------------------------------------------------------------
 */

#define RULE_COLS "SELECT id, kind, duration_s, threshold, ack_s, enabled, version FROM alarm_rules"

static void row_rule(const yz_db_q *q, yz_alarm_rule *r)
{
    memset(r, 0, sizeof *r);
    r->id = yz_db_col_i64(q, 0);
    r->kind = yz_alarm_kind_parse(yz_db_col_text(q, 1));
    r->duration_s = yz_db_col_i64(q, 2);
    r->threshold = yz_db_col_f64(q, 3);
    r->ack_s = yz_db_col_i64(q, 4);
    r->enabled = yz_db_col_i64(q, 5) != 0;
    r->version = yz_db_col_i64(q, 6);
}

typedef struct rules_ctx {
    yz_alarm_rule *a;
    size_t n;
} rules_ctx;

static int rules_body(yz_db_tx *tx, void *arg, yz_errinfo *ei)
{
    rules_ctx *x = arg;
    yz_free(x->a);
    x->a = NULL;
    x->n = 0;
    size_t cap = 0;
    yz_db_q q;
    yz_db_query(&q, tx, RULE_COLS " ORDER BY id", ei);
    while (yz_db_row(&q)) {
        x->a = yz_db_grow(x->a, x->n, &cap, sizeof *x->a);
        row_rule(&q, &x->a[x->n++]);
    }
    return yz_db_end(&q);
}

int yz_store_alarm_rules(yz_store *st, yz_alarm_rule **out, size_t *n, yz_errinfo *ei)
{
    rules_ctx x = {NULL, 0};
    int err = yz_db_run(st, YZ_DB_READ1, rules_body, &x, ei);
    if (err) {
        yz_free(x.a);
        x.a = NULL;
        x.n = 0;
    }
    *out = x.a;
    *n = x.n;
    return err;
}

static int rule_load(yz_db_tx *tx, int64_t id, yz_alarm_rule *out, yz_errinfo *ei)
{
    yz_db_q q;
    yz_db_query(&q, tx, RULE_COLS " WHERE id = $1", ei);
    yz_db_i64(&q, id);
    bool found = yz_db_row(&q);
    if (found)
        row_rule(&q, out);
    int err = yz_db_end(&q);
    if (!err && !found)
        err = yz_err_set(ei, YZ_ENOTFOUND, "id", "告警规则不存在", "alarm rule not found");
    return err;
}

typedef struct rule_ctx {
    int64_t id, if_version;
    yz_alarm_rule *r, *before;
} rule_ctx;

static int rule_get_body(yz_db_tx *tx, void *arg, yz_errinfo *ei)
{
    rule_ctx *x = arg;
    return rule_load(tx, x->id, x->r, ei);
}

int yz_store_alarm_rule_get(yz_store *st, int64_t id, yz_alarm_rule *out, yz_errinfo *ei)
{
    rule_ctx x = {id, 0, out, NULL};
    return yz_db_run(st, YZ_DB_READ1, rule_get_body, &x, ei);
}

static int rule_update_body(yz_db_tx *tx, void *arg, yz_errinfo *ei)
{
    rule_ctx *x = arg;
    yz_alarm_rule old;
    int err = rule_load(tx, x->r->id, &old, ei);
    if (!err)
        err = yz_db_check_version(x->if_version, old.version, ei);
    if (err)
        return err;
    if (x->before)
        *x->before = old;
    yz_db_q q;
    yz_db_query(&q, tx,
                "UPDATE alarm_rules SET duration_s = $1, threshold = $2, ack_s = $3, enabled = $4,"
                " version = version + 1 WHERE id = $5",
                ei);
    yz_db_i64(&q, x->r->duration_s);
    if (old.kind == YZ_ALARM_AC_OFF_HOT)
        yz_db_f64(&q, x->r->threshold);
    else
        yz_db_null(&q);
    yz_db_i64(&q, x->r->ack_s);
    yz_db_bool(&q, x->r->enabled);
    yz_db_i64(&q, x->r->id);
    err = yz_db_exec(&q, NULL);
    if (!err)
        err = rule_load(tx, x->r->id, x->r, ei);
    return err;
}

int yz_store_alarm_rule_update(yz_store *st, yz_alarm_rule *r, int64_t if_version,
                               yz_alarm_rule *before, yz_errinfo *ei)
{
    rule_ctx x = {r->id, if_version, r, before};
    return yz_db_run(st, YZ_DB_WRITE, rule_update_body, &x, ei);
}

/* --- alarms ------------------------------------------------------------------------------------
 */

#define ALARM_COLS                                                                                 \
    "SELECT a.id, a.rule_id, r.kind, a.station_id, a.district_code, a.device_id, a.device_kind,"   \
    " a.since_ms, a.opened_at, a.level, a.escalated_at, a.acked_at, a.acked_by, a.closed_at,"      \
    " a.task_id FROM alarms a JOIN alarm_rules r ON r.id = a.rule_id"

static void row_alarm(const yz_db_q *q, yz_alarm *a)
{
    memset(a, 0, sizeof *a);
    a->id = yz_db_col_i64(q, 0);
    a->rule_id = yz_db_col_i64(q, 1);
    a->kind = yz_alarm_kind_parse(yz_db_col_text(q, 2));
    a->station_id = yz_db_col_i64(q, 3);
    const char *d = yz_db_col_text(q, 4);
    snprintf(a->district, sizeof a->district, "%s", d ? d : "");
    a->device_id = yz_db_col_i64(q, 5);
    a->device_kind = yz_device_kind_parse(yz_db_col_text(q, 6));
    a->since_ms = yz_db_col_i64(q, 7);
    a->opened_at = yz_db_col_i64(q, 8);
    const char *lv = yz_db_col_text(q, 9);
    a->level = lv && !strcmp(lv, "district") ? YZ_ALARM_DISTRICT : YZ_ALARM_OPERATOR;
    a->escalated_at = yz_db_col_i64(q, 10);
    a->acked_at = yz_db_col_i64(q, 11);
    a->acked_by = yz_db_col_i64(q, 12);
    a->closed_at = yz_db_col_i64(q, 13);
    a->task_id = yz_db_col_i64(q, 14);
}

typedef struct list_ctx {
    const yz_alarm_filter *f;
    yz_alarm *a;
    size_t n;
} list_ctx;

static int list_body(yz_db_tx *tx, void *arg, yz_errinfo *ei)
{
    list_ctx *x = arg;
    yz_free(x->a);
    x->a = NULL;
    x->n = 0;
    size_t cap = 0;
    yz_db_q q;
    yz_db_query(&q, tx,
                ALARM_COLS " WHERE ($1 = 0 OR a.station_id = $1)"
                           " AND ($2 = 0 OR a.closed_at IS NULL)"
                           " ORDER BY a.closed_at IS NOT NULL, a.opened_at DESC, a.id DESC"
                           " LIMIT $3",
                ei);
    yz_db_i64(&q, x->f->station_id);
    yz_db_i64(&q, x->f->open_only);
    yz_db_i64(&q, (int64_t)x->f->limit);
    while (yz_db_row(&q)) {
        x->a = yz_db_grow(x->a, x->n, &cap, sizeof *x->a);
        row_alarm(&q, &x->a[x->n++]);
    }
    return yz_db_end(&q);
}

int yz_store_alarm_list(yz_store *st, const yz_alarm_filter *f, yz_alarm **out, size_t *n,
                        yz_errinfo *ei)
{
    list_ctx x = {f, NULL, 0};
    int err = yz_db_run(st, YZ_DB_READ1, list_body, &x, ei);
    if (err) {
        yz_free(x.a);
        x.a = NULL;
        x.n = 0;
    }
    *out = x.a;
    *n = x.n;
    return err;
}

int yz__store_alarm_not_found(yz_errinfo *ei)
{
    return yz_err_set(ei, YZ_ENOTFOUND, "id", "告警不存在", "alarm not found");
}

static int alarm_load(yz_db_tx *tx, int64_t id, yz_alarm *out, yz_errinfo *ei)
{
    yz_db_q q;
    yz_db_query(&q, tx, ALARM_COLS " WHERE a.id = $1", ei);
    yz_db_i64(&q, id);
    bool found = yz_db_row(&q);
    if (found)
        row_alarm(&q, out);
    int err = yz_db_end(&q);
    if (!err && !found)
        err = yz__store_alarm_not_found(ei);
    return err;
}

typedef struct one_ctx {
    int64_t id, by, now;
    yz_alarm *before, *out;
} one_ctx;

static int get_body(yz_db_tx *tx, void *arg, yz_errinfo *ei)
{
    one_ctx *x = arg;
    return alarm_load(tx, x->id, x->out, ei);
}

int yz_store_alarm_get(yz_store *st, int64_t id, yz_alarm *out, yz_errinfo *ei)
{
    one_ctx x = {id, 0, 0, NULL, out};
    return yz_db_run(st, YZ_DB_READ1, get_body, &x, ei);
}

static int ack_body(yz_db_tx *tx, void *arg, yz_errinfo *ei)
{
    one_ctx *x = arg;
    yz_alarm a;
    int err = alarm_load(tx, x->id, &a, ei);
    if (err)
        return err;
    if (x->before)
        *x->before = a;
    if (a.acked_at)
        return yz_err_set(ei, YZ_ECONFLICT, "alarm", "该告警已确认",
                          "the alarm is acknowledged already");
    yz_db_q q;
    yz_db_query(&q, tx, "UPDATE alarms SET acked_at = $1, acked_by = $2 WHERE id = $3", ei);
    yz_db_i64(&q, x->now);
    if (x->by)
        yz_db_i64(&q, x->by);
    else
        yz_db_null(&q);
    yz_db_i64(&q, x->id);
    err = yz_db_exec(&q, NULL);
    if (!err)
        err = alarm_load(tx, x->id, x->out, ei);
    return err;
}

int yz_store_alarm_ack(yz_store *st, int64_t id, int64_t by, int64_t now, yz_alarm *before,
                       yz_alarm *out, yz_errinfo *ei)
{
    one_ctx x = {id, by, now, before, out};
    return yz_db_run(st, YZ_DB_WRITE, ack_body, &x, ei);
}

/* --- an evaluation's writes --------------------------------------------------------------------
 */

typedef struct apply_ctx {
    const yz_alarm_open *o;
    size_t no;
    const int64_t *close_ids;
    size_t nc;
    int64_t now;
    yz_alarm_applied *out;
} apply_ctx;

static int apply_body(yz_db_tx *tx, void *arg, yz_errinfo *ei)
{
    apply_ctx *x = arg;
    memset(x->out, 0, sizeof *x->out);
    int err = YZ_OK;
    yz_db_q q;
    for (size_t i = 0; !err && i < x->no; i++) {
        const yz_alarm_open *o = &x->o[i];
        yz_db_query(&q, tx,
                    "INSERT INTO alarms (rule_id, station_id, district_code, device_id,"
                    " device_kind, since_ms, opened_at, level)"
                    " VALUES ($1, $2, $3, $4, $5, $6, $7, 'operator') ON CONFLICT DO NOTHING",
                    ei);
        yz_db_i64(&q, o->rule_id);
        yz_db_i64(&q, o->station_id);
        yz_db_text(&q, o->district);
        yz_db_i64(&q, o->device_id);
        yz_db_text(&q, yz_device_kind_name(o->device_kind));
        yz_db_i64(&q, o->since_ms);
        yz_db_i64(&q, x->now);
        int64_t ch = 0;
        err = yz_db_exec(&q, &ch);
        x->out->opened += (size_t)ch;
    }
    for (size_t i = 0; !err && i < x->nc; i++) {
        yz_db_query(&q, tx, "UPDATE alarms SET closed_at = $1 WHERE id = $2 AND closed_at IS NULL",
                    ei);
        yz_db_i64(&q, x->now);
        yz_db_i64(&q, x->close_ids[i]);
        int64_t ch = 0;
        err = yz_db_exec(&q, &ch);
        x->out->closed += (size_t)ch;
    }
    if (!err) {
        yz_db_query(&q, tx,
                    "UPDATE alarms SET level = 'district', escalated_at = $1"
                    " WHERE closed_at IS NULL AND acked_at IS NULL AND level = 'operator'"
                    " AND opened_at + (SELECT r.ack_s FROM alarm_rules r"
                    " WHERE r.id = alarms.rule_id) <= $1",
                    ei);
        yz_db_i64(&q, x->now);
        int64_t ch = 0;
        err = yz_db_exec(&q, &ch);
        x->out->escalated = (size_t)ch;
    }
    return err;
}

int yz_store_alarms_apply(yz_store *st, const yz_alarm_open *o, size_t no, const int64_t *close_ids,
                          size_t nc, int64_t now, yz_alarm_applied *out, yz_errinfo *ei)
{
    apply_ctx x = {o, no, close_ids, nc, now, out};
    int err = yz_db_run(st, YZ_DB_WRITE, apply_body, &x, ei);
    if (err)
        memset(out, 0, sizeof *out);
    return err;
}

typedef struct counts_ctx {
    int64_t (*c)[2];
} counts_ctx;

static int counts_body(yz_db_tx *tx, void *arg, yz_errinfo *ei)
{
    counts_ctx *x = arg;
    memset(x->c, 0, sizeof(int64_t) * 2 * YZ_ALARM_KIND__COUNT);
    yz_db_q q;
    yz_db_query(&q, tx,
                "SELECT r.kind, a.level, count(*) FROM alarms a JOIN alarm_rules r"
                " ON r.id = a.rule_id WHERE a.closed_at IS NULL GROUP BY r.kind, a.level",
                ei);
    while (yz_db_row(&q)) {
        int k = yz_alarm_kind_parse(yz_db_col_text(&q, 0));
        const char *lv = yz_db_col_text(&q, 1);
        if (k >= 0)
            x->c[k][lv && !strcmp(lv, "district")] = yz_db_col_i64(&q, 2);
    }
    return yz_db_end(&q);
}

int yz_store_alarm_counts(yz_store *st, int64_t counts[YZ_ALARM_KIND__COUNT][2], yz_errinfo *ei)
{
    counts_ctx x = {counts};
    return yz_db_run(st, YZ_DB_READ1, counts_body, &x, ei);
}
