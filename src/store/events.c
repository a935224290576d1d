/* SPDX-License-Identifier: MIT */
/* store/events.c - the events area's names, the occurrence rules (weekly expansion by
 * arithmetic on local dates) and the backend-independent wrappers. */
#include "store/events.h"

#include "core/alloc.h"
#include "core/utf8.h"

#include <string.h>

static const char *const cat_names[] = {"free_meal", "cheap_meal", "health", "activity", "service"};

const char *yz_event_category_name(int cat)
{
    return cat >= 0 && cat < YZ_EVCAT__COUNT ? cat_names[cat] : "";
}

int yz_event_category_parse(const char *s)
{
    for (int i = 0; s && i < YZ_EVCAT__COUNT; i++)
        if (strcmp(cat_names[i], s) == 0)
            return i;
    return -1;
}

void yz_event_init(yz_event *ev)
{
    memset(ev, 0, sizeof *ev);
    ev->valid_until = YZ_EVENT_NO_UNTIL;
}

void yz_event_fini(yz_event *ev)
{
    if (!ev)
        return;
    yz_free(ev->title);
    yz_free(ev->description);
    yz_event_init(ev);
}

void yz_event_array_free(yz_event *evs, size_t n)
{
    for (size_t i = 0; evs && i < n; i++)
        yz_event_fini(&evs[i]);
    yz_free(evs);
}

void yz_event_copy(yz_event *dst, const yz_event *src)
{
    *dst = *src;
    dst->title = src->title ? yz_strdup(src->title) : NULL;
    dst->description = src->description ? yz_strdup(src->description) : NULL;
}

static size_t code_points(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

int yz_event_validate(const yz_event *ev, yz_errinfo *ei)
{
    if (!ev->title || !*ev->title || !yz_utf8_valid(ev->title, strlen(ev->title)))
        return yz_err_set(ei, YZ_EINVAL, "title", "标题不能为空，且须为有效的 UTF-8",
                          "title must be non-empty valid UTF-8");
    if (code_points(ev->title) > YZ_EVENT_TITLE_MAX)
        return yz_err_setf(ei, YZ_EINVAL, "title", "标题不能超过 %d 个字",
                           "title must be at most %d characters", YZ_EVENT_TITLE_MAX);
    if (ev->description && !yz_utf8_valid(ev->description, strlen(ev->description)))
        return yz_err_set(ei, YZ_EINVAL, "description", "说明须为有效的 UTF-8",
                          "description must be valid UTF-8");
    if (ev->description && code_points(ev->description) > YZ_EVENT_DESC_MAX)
        return yz_err_setf(ei, YZ_EINVAL, "description", "说明不能超过 %d 个字",
                           "description must be at most %d characters", YZ_EVENT_DESC_MAX);
    if (ev->category < 0 || ev->category >= YZ_EVCAT__COUNT)
        return yz_err_set(ei, YZ_EINVAL, "category",
                          "类别须为 free_meal、cheap_meal、health、activity 或 service",
                          "category must be free_meal, cheap_meal, health, activity or service");
    if (ev->capacity < 0 || ev->capacity > 100000)
        return yz_err_set(ei, YZ_EINVAL, "capacity", "名额须为 1 到 100000 的整数或 null",
                          "capacity must be an integer from 1 to 100000, or null");
    if (!ev->weekly) {
        if (ev->ends_at <= ev->starts_at)
            return yz_err_set(ei, YZ_EINVAL, "ends_at", "结束时间须晚于开始时间",
                              "ends_at must be after starts_at");
        if (ev->ends_at - ev->starts_at > 31 * 86400)
            return yz_err_set(ei, YZ_EINVAL, "ends_at", "一次性活动不能超过 31 天",
                              "a one-off event lasts at most 31 days");
        return YZ_OK;
    }
    if (!ev->weekdays || ev->weekdays > 0x7f)
        return yz_err_set(ei, YZ_EINVAL, "weekly.days", "须至少给出一个星期几（Mo..Su）",
                          "give at least one weekday (Mo..Su)");
    if (ev->start_min < 0 || ev->start_min >= 1440 || ev->end_min <= ev->start_min ||
        ev->end_min > 1440)
        return yz_err_set(ei, YZ_EINVAL, "weekly.end", "结束时间须晚于开始时间（同一天内）",
                          "the end time must be after the start time, on the same day");
    if (ev->valid_until != YZ_EVENT_NO_UNTIL && ev->valid_until < ev->valid_from)
        return yz_err_set(ei, YZ_EINVAL, "weekly.until", "截止日期不能早于起始日期",
                          "until must not be before from");
    return YZ_OK;
}

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

int32_t yz_event_local_day(int64_t t, int offset_min)
{
    return (int32_t)floor_div(t + (int64_t)offset_min * 60, 86400);
}

int yz_event_weekday(int32_t day)
{
    /* 1970-01-01 was a Thursday (3 with Monday = 0). */
    return (int)(((int64_t)day % 7 + 7 + 3) % 7);
}

static int64_t day_start(int32_t day, int offset_min)
{
    return (int64_t)day * 86400 - (int64_t)offset_min * 60;
}

bool yz_event_occurrence(const yz_event *ev, int32_t day, int offset_min, int64_t *start,
                         int64_t *end)
{
    if (ev->cancelled)
        return false;
    if (!ev->weekly) {
        if (yz_event_local_day(ev->starts_at, offset_min) != day)
            return false;
        *start = ev->starts_at;
        *end = ev->ends_at;
        return true;
    }
    if (day < ev->valid_from || day > ev->valid_until)
        return false;
    if (!(ev->weekdays & (1u << yz_event_weekday(day))))
        return false;
    *start = day_start(day, offset_min) + (int64_t)ev->start_min * 60;
    *end = day_start(day, offset_min) + (int64_t)ev->end_min * 60;
    return true;
}

bool yz_event_on_day(const yz_event *ev, int32_t day, int offset_min, int64_t *start, int64_t *end)
{
    if (ev->weekly || ev->cancelled)
        return yz_event_occurrence(ev, day, offset_min, start, end);
    int64_t d0 = day_start(day, offset_min);
    if (ev->starts_at >= d0 + 86400 || ev->ends_at <= d0)
        return false;
    *start = ev->starts_at;
    *end = ev->ends_at;
    return true;
}

int yz_store_event_create(yz_store *st, yz_event *evs, size_t n, yz_errinfo *ei)
{
    return st->events->create(st, evs, n, ei);
}

int yz_store_event_update(yz_store *st, yz_event *ev, yz_errinfo *ei)
{
    return st->events->update(st, ev, ei);
}

int yz_store_event_cancel(yz_store *st, int64_t id, int64_t now, yz_errinfo *ei)
{
    return st->events->cancel(st, id, now, ei);
}

int yz_store_event_get(yz_store *st, int64_t id, yz_event *out, yz_errinfo *ei)
{
    return st->events->get(st, id, out, ei);
}

int yz_store_event_list(yz_store *st, bool with_cancelled, yz_event **out, size_t *n,
                        yz_errinfo *ei)
{
    return st->events->list(st, with_cancelled, out, n, ei);
}

int yz_store_event_signup(yz_store *st, int64_t event_id, int32_t day, int64_t worker_id,
                          int64_t now, yz_event_seats *out, yz_errinfo *ei)
{
    return st->events->signup(st, event_id, day, worker_id, now, out, ei);
}

int yz_store_event_unsignup(yz_store *st, int64_t event_id, int32_t day, int64_t worker_id,
                            yz_event_seats *out, yz_errinfo *ei)
{
    return st->events->unsignup(st, event_id, day, worker_id, out, ei);
}

int yz_store_event_counts(yz_store *st, int32_t from_day, int32_t to_day, yz_event_count **out,
                          size_t *n, yz_errinfo *ei)
{
    return st->events->counts(st, from_day, to_day, out, n, ei);
}
