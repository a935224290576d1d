/* SPDX-License-Identifier: MIT */
/* api/rowcache.c - rendered nearby rows kept per handler thread, keyed by the serials of the
 * snapshot, the events index and the rating totals they were rendered from.
 * A direct-mapped table of fixed slots, allocated once a thread: its memory does not grow with
 * the catalog (2,048 slots of 2 KiB), and it is only ever read and written by its own thread.
 * A key holds the three serials, which no other part ever gets, so a row kept from a part
 * since replaced (a station, an event or a rating written, a reload) is never served: its key no longer
 * matches anything asked. Why and what it saves: docs/internals/catalog.md. */
#include "api/rowcache.h"

#include "core/alloc.h"

#include <pthread.h>
#include <string.h>

typedef struct slot {
    yz__rowkey key;                  /* serial 0: empty */
    uint16_t n[YZ__ROWCACHE_PARTS]; /* bytes of each piece, one after the other in data */
    char data[YZ__ROWCACHE_ROW_MAX];
} slot;
_Static_assert(sizeof(slot) == YZ__ROWCACHE_ENTRY, "a slot is YZ__ROWCACHE_ENTRY bytes");

typedef struct table {
    slot slots[YZ__ROWCACHE_SLOTS];
    uint64_t hits, misses;
} table;

static pthread_key_t t_key;
static pthread_once_t t_once = PTHREAD_ONCE_INIT;
static _Thread_local table *t_table;

static void table_free(void *p)
{
    yz_free(p);
}

static void key_init(void)
{
    pthread_key_create(&t_key, table_free);
}

static size_t slot_of(const yz__rowkey *k)
{
    /* Stations near each other in a catalog are near each other in an answer: consecutive
     * positions go to consecutive slots; the variant moves the whole run elsewhere. */
    return (k->station + (size_t)k->variant * 0x9e37u + (size_t)(uint32_t)k->day * 0x2f1u) %
           YZ__ROWCACHE_SLOTS;
}

static bool same(const yz__rowkey *a, const yz__rowkey *b)
{
    return a->serial == b->serial && a->events == b->events && a->ratings == b->ratings &&
           a->station == b->station &&
           a->variant == b->variant && a->day == b->day;
}

bool yz__rowcache_get(const yz__rowkey *k, yz__rowparts *out)
{
    table *t = t_table;
    if (!t)
        return false;
    const slot *s = &t->slots[slot_of(k)];
    if (!k->serial || !same(&s->key, k)) {
        t->misses++;
        return false;
    }
    t->hits++;
    const char *p = s->data;
    for (int j = 0; j < YZ__ROWCACHE_PARTS; j++) {
        out->p[j] = p;
        out->n[j] = s->n[j];
        p += s->n[j];
    }
    return true;
}

void yz__rowcache_prefetch(const yz__rowkey *k)
{
    const table *t = t_table;
    if (!t)
        return;
    const char *p = (const char *)&t->slots[slot_of(k)];
    /* The key and the lengths, then a demo row's 1.2 KB; a longer row's tail comes on demand. */
    for (size_t off = 0; off < 1280; off += 64)
        __builtin_prefetch(p + off);
}

bool yz__rowcache_put(const yz__rowkey *k, const yz__rowparts *row)
{
    size_t total = 0;
    for (int j = 0; j < YZ__ROWCACHE_PARTS; j++)
        total += row->n[j];
    table *t = t_table;
    if (!k->serial || total > sizeof ((slot *)0)->data) {
        /* Not kept: nor may an earlier row of this key stay, so that a row found is always
         * the last one put under its key. */
        if (t && same(&t->slots[slot_of(k)].key, k))
            t->slots[slot_of(k)].key.serial = 0;
        return false;
    }
    if (!t) {
        pthread_once(&t_once, key_init);
        t = yz_calloc(1, sizeof *t);
        pthread_setspecific(t_key, t);
        t_table = t;
    }
    slot *s = &t->slots[slot_of(k)];
    char *p = s->data;
    for (int j = 0; j < YZ__ROWCACHE_PARTS; j++) {
        if (row->n[j])
            memcpy(p, row->p[j], row->n[j]);
        p += row->n[j];
        s->n[j] = (uint16_t)row->n[j];
    }
    s->key = *k;
    return true;
}

void yz__rowcache_stats(uint64_t *hits, uint64_t *misses)
{
    *hits = t_table ? t_table->hits : 0;
    *misses = t_table ? t_table->misses : 0;
}

void yz__rowcache_thread_free(void)
{
    if (!t_table)
        return;
    pthread_setspecific(t_key, NULL);
    yz_free(t_table);
    t_table = NULL;
}
