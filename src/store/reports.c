/* SPDX-License-Identifier: MIT */
/* store/reports.c - the reports area's names, its status lifecycle rule and its
 * backend-independent wrappers. */
#include "store/reports.h"

#include "core/alloc.h"

#include <string.h>

static const char *const status_names[] = {"open", "acknowledged", "in_progress", "closed"};
static const char *const reason_names[] = {"fixed", "not_reproducible", "duplicate"};

const char *yz_report_status_name(int status)
{
    return status >= 0 && status < YZ_REPORT__COUNT ? status_names[status] : "";
}

int yz_report_status_parse(const char *s)
{
    for (int i = 0; s && i < YZ_REPORT__COUNT; i++)
        if (strcmp(status_names[i], s) == 0)
            return i;
    return -1;
}

const char *yz_report_reason_name(int reason)
{
    return reason >= 0 && reason < YZ_REASON__COUNT ? reason_names[reason] : "";
}

int yz_report_reason_parse(const char *s)
{
    for (int i = 0; s && i < YZ_REASON__COUNT; i++)
        if (strcmp(reason_names[i], s) == 0)
            return i;
    return -1;
}

int yz_report_check_transition(int from, int to, int reason, yz_errinfo *ei)
{
    if (to < 0 || to >= YZ_REPORT__COUNT)
        return yz_err_set(ei, YZ_EINVAL, "status",
                          "状态须为 open、acknowledged、in_progress 或 closed",
                          "status must be open, acknowledged, in_progress or closed");
    /* The lifecycle is a line: a report only moves forward. A closed one stays closed (a
     * problem that comes back is a new report), and re-setting the same status is refused
     * too, so that a client learns its view was stale. */
    if (to <= from)
        return yz_err_setf(ei, YZ_ECONFLICT, "status", "报告状态不能从 %s 改为 %s",
                           "a report cannot go from %s to %s", yz_report_status_name(from),
                           yz_report_status_name(to));
    if (to == YZ_REPORT_CLOSED && (reason < 0 || reason >= YZ_REASON__COUNT))
        return yz_err_set(ei, YZ_EINVAL, "reason",
                          "关闭报告须说明原因：fixed、not_reproducible 或 duplicate",
                          "closing a report needs a reason: fixed, not_reproducible or "
                          "duplicate");
    if (to != YZ_REPORT_CLOSED && reason != YZ_REASON_NONE)
        return yz_err_set(ei, YZ_EINVAL, "reason", "只有关闭报告时才能给出原因",
                          "a reason is given only when closing a report");
    return YZ_OK;
}

void yz_report_service_fini(yz_report_service *s)
{
    if (!s)
        return;
    yz_free(s->code);
    yz_free(s->name);
    yz_free(s->name_en);
    yz_free(s->description);
    yz_free(s->group);
    yz_free(s->keywords);
    memset(s, 0, sizeof *s);
}

void yz_report_service_array_free(yz_report_service *a, size_t n)
{
    for (size_t i = 0; a && i < n; i++)
        yz_report_service_fini(&a[i]);
    yz_free(a);
}

void yz_report_init(yz_report *r)
{
    memset(r, 0, sizeof *r);
    r->reason = YZ_REASON_NONE;
}

void yz_report_fini(yz_report *r)
{
    if (!r)
        return;
    yz_free(r->service_code);
    yz_free(r->station_code);
    yz_free(r->address);
    yz_free(r->description);
    yz_free(r->media_url);
    yz_free(r->notes);
    yz_free(r->held_reasons);
    yz_report_init(r);
}

void yz_report_array_free(yz_report *a, size_t n)
{
    for (size_t i = 0; a && i < n; i++)
        yz_report_fini(&a[i]);
    yz_free(a);
}

int yz_store_report_services(yz_store *st, yz_report_service **out, size_t *n, yz_errinfo *ei)
{
    return st->reports->list_services(st, out, n, ei);
}

int yz_store_report_create(yz_store *st, yz_report *r, yz_errinfo *ei)
{
    return st->reports->create(st, r, ei);
}

int yz_store_report_get(yz_store *st, int64_t id, yz_report *out, yz_errinfo *ei)
{
    return st->reports->get(st, id, out, ei);
}

int yz_store_report_list(yz_store *st, const yz_report_filter *f, yz_report **out, size_t *n,
                         yz_errinfo *ei)
{
    return st->reports->list(st, f, out, n, ei);
}

int yz_store_report_update(yz_store *st, int64_t id, int status, int reason, const char *notes,
                           yz_report *out, yz_errinfo *ei)
{
    return st->reports->update(st, id, status, reason, notes, out, ei);
}

int yz_store_report_publish(yz_store *st, int64_t id, yz_errinfo *ei)
{
    return st->reports->publish(st, id, ei);
}
