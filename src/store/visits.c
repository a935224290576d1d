/* SPDX-License-Identifier: MIT */
/* store/visits.c - the visits area's names and its backend-independent wrappers. */
#include "store/visits.h"

#include "core/alloc.h"

#include <string.h>

static const char *const group_names[] = {"station", "district", "day", "occupation"};

const char *yz_visit_group_name(int g)
{
    return g >= 0 && g < YZ_VISIT_BY__COUNT ? group_names[g] : "";
}

int yz_visit_group_parse(const char *s)
{
    for (int i = 0; s && i < YZ_VISIT_BY__COUNT; i++)
        if (strcmp(group_names[i], s) == 0)
            return i;
    return -1;
}

void yz_visit_rows_free(yz_visit_row *rows, size_t n)
{
    for (size_t i = 0; rows && i < n; i++) {
        yz_free(rows[i].key);
        yz_free(rows[i].label);
    }
    yz_free(rows);
}

int yz_store_visit_record(yz_store *st, yz_visit *v, yz_errinfo *ei)
{
    return st->visits->record(st, v, ei);
}

int yz_store_visit_stats(yz_store *st, int group_by, int64_t from, int64_t to, int day_offset_min,
                         yz_visit_row **rows, size_t *n, yz_errinfo *ei)
{
    return st->visits->stats(st, group_by, from, to, day_offset_min, rows, n, ei);
}

void yz_store_visit_commit_stats(yz_store *st, yz_visit_commit_stats *out)
{
    st->visits->commit_stats(st, out);
}
