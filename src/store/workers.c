/* SPDX-License-Identifier: MIT */
/* store/workers.c - the workers area's names and its backend-independent wrappers. */
#include "store/workers.h"

#include <string.h>

static const char *const occ_names[] = {"rider", "courier", "driver", "sanitation", "other"};

const char *yz_occupation_name(int occ)
{
    return occ >= 0 && occ < YZ_OCC__COUNT ? occ_names[occ] : "";
}

int yz_occupation_parse(const char *s)
{
    for (int i = 0; s && i < YZ_OCC__COUNT; i++)
        if (strcmp(occ_names[i], s) == 0)
            return i;
    return -1;
}

int yz_store_worker_create(yz_store *st, const uint8_t hash[YZ_TOKEN_HASH_BYTES], yz_worker *w,
                           yz_errinfo *ei)
{
    return st->workers->create(st, hash, w, ei);
}

int yz_store_worker_find(yz_store *st, const uint8_t hash[YZ_TOKEN_HASH_BYTES], yz_worker *w,
                         yz_errinfo *ei)
{
    return st->workers->find(st, hash, w, ei);
}
