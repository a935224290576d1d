/* SPDX-License-Identifier: MIT */
/* live/ingest.c - device messages in (ingest.h, docs/internals/live.md): validation against
 * the device's kind, then a group commit shaped like the check-ins' (store/visit_queue.c):
 * callers queue their readings; one committer thread takes everything queued (up to
 * BATCH_MAX readings), writes it in one transaction on a connection of its own (one fsync
 * for all), and publishes the new statuses to the live part at most every publish_ms. An
 * HTTP caller is answered once its readings are committed and published (durable and
 * visible on this node); an MQTT caller returns once queued. */
#include "live/ingest_int.h"

#include "core/alloc.h"
#include "core/log.h"

#include <jansson.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define BATCH_MAX 5000 /* readings a transaction takes at most */

static const char *const reason_names[YZ_INGEST_REFUSED__COUNT] = {
    "signature", "replay", "timestamp", "unknown_device", "topic", "range", "payload", "code",
};

static _Atomic uint64_t refusals[YZ_INGEST_REFUSED__COUNT];
static _Atomic uint64_t n_stored, n_duplicates, n_batches, n_max_batch, n_publishes;
static _Atomic(yz_ingest *) the_default;

const char *yz_ingest_reason_name(enum yz_ingest_reason reason)
{
    return (unsigned)reason < YZ_INGEST_REFUSED__COUNT ? reason_names[reason] : "unknown";
}

void yz_ingest_count_refusal(enum yz_ingest_reason reason)
{
    if ((unsigned)reason < YZ_INGEST_REFUSED__COUNT)
        atomic_fetch_add_explicit(&refusals[reason], 1, memory_order_relaxed);
}

void yz_ingest_get_stats(yz_ingest_stats *out)
{
    for (int r = 0; r < YZ_INGEST_REFUSED__COUNT; r++)
        out->refusals[r] = atomic_load_explicit(&refusals[r], memory_order_relaxed);
    out->stored = atomic_load(&n_stored);
    out->duplicates = atomic_load(&n_duplicates);
    out->batches = atomic_load(&n_batches);
    out->max_batch = atomic_load(&n_max_batch);
    out->publishes = atomic_load(&n_publishes);
}

yz_ingest *yz_ingest_default(void)
{
    return atomic_load(&the_default);
}

int64_t yz_ingest_now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* --- validation ------------------------------------------------------------------------------- */

static int refuse(enum yz_ingest_reason *reason, enum yz_ingest_reason r, int code,
                  const char *field, const char *zh, const char *en, yz_errinfo *ei)
{
    *reason = r;
    return yz_err_set(ei, code, field, zh, en);
}

#define MAX_SEQ 9007199254740992LL /* 2^53 */

static int parse_one(int kind, json_t *o, const char *at, int64_t now_ms, yz_reading *r,
                     enum yz_ingest_reason *reason, yz_errinfo *ei)
{
    char f[32];
    if (!json_is_object(o)) {
        snprintf(f, sizeof f, "%s", *at ? at : "body");
        return refuse(reason, YZ_INGEST_REFUSED_PAYLOAD, YZ_EINVAL, f, "读数须为 JSON 对象",
                      "a reading must be a JSON object", ei);
    }
    const char *k;
    json_t *v;
    json_object_foreach(o, k, v)
    {
        if (strcmp(k, "seq") && strcmp(k, "ts") && strcmp(k, "values")) {
            snprintf(f, sizeof f, "%s%.24s", at, k);
            return refuse(reason, YZ_INGEST_REFUSED_PAYLOAD, YZ_EINVAL, f, "未知字段",
                          "unknown member", ei);
        }
    }
    json_t *seq = json_object_get(o, "seq"), *ts = json_object_get(o, "ts"),
           *vals = json_object_get(o, "values");
    snprintf(f, sizeof f, "%sseq", at);
    if (!json_is_integer(seq) || json_integer_value(seq) < 0 || json_integer_value(seq) > MAX_SEQ)
        return refuse(reason, YZ_INGEST_REFUSED_PAYLOAD, YZ_EINVAL, f,
                      "seq 须为 0 到 2^53 的整数", "seq must be an integer from 0 to 2^53", ei);
    r->seq = json_integer_value(seq);
    snprintf(f, sizeof f, "%sts", at);
    if (!json_is_integer(ts))
        return refuse(reason, YZ_INGEST_REFUSED_PAYLOAD, YZ_EINVAL, f,
                      "ts 须为 Unix 毫秒整数", "ts must be an integer of Unix milliseconds", ei);
    r->ts = json_integer_value(ts);
    if (r->ts < now_ms - YZ_INGEST_TS_WINDOW_MS || r->ts > now_ms + YZ_INGEST_TS_WINDOW_MS)
        return refuse(reason, YZ_INGEST_REFUSED_TIMESTAMP, YZ_EINVAL, f,
                      "ts 与服务器时间相差超过 5 分钟",
                      "ts is more than 5 minutes from the server's clock", ei);
    snprintf(f, sizeof f, "%svalues", at);
    if (!json_is_object(vals))
        return refuse(reason, YZ_INGEST_REFUSED_PAYLOAD, YZ_EINVAL, f, "values 须为 JSON 对象",
                      "values must be a JSON object", ei);
    r->n = 0;
    json_object_foreach(vals, k, v)
    {
        snprintf(f, sizeof f, "%svalues.%.16s", at, k);
        int m = yz_metric_parse(k);
        if (!m || !yz_device_has_metric(kind, m)) {
            *reason = YZ_INGEST_REFUSED_PAYLOAD;
            return yz_err_setf(ei, YZ_EINVAL, f, "%s 类设备没有这项读数",
                               "a device of kind %s has no such metric",
                               yz_device_kind_name(kind));
        }
        double lo = 0, hi = 0, x = json_is_number(v) ? json_number_value(v) : NAN;
        if (!json_is_number(v) || !yz_metric_in_range(m, x, &lo, &hi)) {
            *reason = YZ_INGEST_REFUSED_RANGE;
            if (m == YZ_M_TEMP_C)
                return yz_err_setf(ei, YZ_EINVAL, f, "读数须为 %g 到 %g 之间的数",
                                   "the value must be a number from %g to %g", lo, hi);
            return yz_err_setf(ei, YZ_EINVAL, f, "读数须为 %g 到 %g 之间的整数",
                               "the value must be a whole number from %g to %g", lo, hi);
        }
        r->metric[r->n] = (uint8_t)m;
        r->value[r->n] = x;
        r->n++;
    }
    json_t *charged = json_object_get(vals, "charged"), *slots = json_object_get(vals, "slots");
    if (charged && slots && json_number_value(charged) > json_number_value(slots)) {
        snprintf(f, sizeof f, "%svalues.charged", at);
        return refuse(reason, YZ_INGEST_REFUSED_RANGE, YZ_EINVAL, f,
                      "充满的电池数不能多于仓位数", "charged must not exceed slots", ei);
    }
    return YZ_OK;
}

int yz_ingest_parse(int kind, int64_t device_id, const char *body, size_t len, int64_t now_ms,
                    yz_reading *out, size_t *n, enum yz_ingest_reason *reason, yz_errinfo *ei)
{
    *n = 0;
    if (len > YZ_INGEST_MAX_BODY)
        return refuse(reason, YZ_INGEST_REFUSED_PAYLOAD, YZ_ETOOBIG, "body",
                      "消息超过 64 KiB", "the message is larger than 64 KiB", ei);
    json_error_t jerr;
    json_t *root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root)
        return refuse(reason, YZ_INGEST_REFUSED_PAYLOAD, YZ_EINVAL, "body",
                      "消息不是有效的 JSON", "the message is not valid JSON", ei);
    int err = YZ_OK;
    json_t *batch = json_is_object(root) ? json_object_get(root, "readings") : NULL;
    if (batch) {
        if (json_object_size(root) != 1 || !json_is_array(batch) || !json_array_size(batch)) {
            err = refuse(reason, YZ_INGEST_REFUSED_PAYLOAD, YZ_EINVAL, "readings",
                         "readings 须为非空数组且是唯一字段",
                         "readings must be a non-empty array and the only member", ei);
        } else if (json_array_size(batch) > YZ_INGEST_MAX_BATCH) {
            err = refuse(reason, YZ_INGEST_REFUSED_PAYLOAD, YZ_ETOOBIG, "readings",
                         "一条消息最多 100 个读数", "a message holds at most 100 readings", ei);
        } else {
            for (size_t i = 0; !err && i < json_array_size(batch); i++) {
                char at[32];
                snprintf(at, sizeof at, "readings[%zu].", i);
                memset(&out[i], 0, sizeof out[i]);
                out[i].device_id = device_id;
                err = parse_one(kind, json_array_get(batch, i), at, now_ms, &out[i], reason, ei);
            }
            if (!err)
                *n = json_array_size(batch);
        }
    } else {
        memset(&out[0], 0, sizeof out[0]);
        out[0].device_id = device_id;
        err = parse_one(kind, root, "", now_ms, &out[0], reason, ei);
        if (!err)
            *n = 1;
    }
    json_decref(root);
    return err;
}

/* --- the group commit ------------------------------------------------------------------------- */

/* MQTT messages queued at most (each item holds room for a full batch, ~3 KiB): beyond it the
 * MQTT thread waits for the committer, so the broker holds the rest for the persistent session
 * instead of this process's memory growing with a flood (docs/internals/live.md). */
#define ASYNC_MAX 8192

typedef struct item {
    yz_reading r[YZ_INGEST_MAX_BATCH];
    size_t n;
    int64_t station_id;
    bool async;        /* MQTT: freed by the committer */
    bool done;         /* committed (and published), under mu */
    int err;
    yz_errinfo ei;
    yz_ingest_result res;
    char nonce[72];   /* signed HTTP: the request's nonce, "" otherwise */
    int64_t nonce_at; /* unix seconds */
    struct item *next;
} item;

/* The statuses committed and not yet published, by device (open addressing). */
typedef struct pending {
    yz_device_status *a;
    uint64_t *mark; /* the batch that last touched a[i] */
    size_t n, cap;
    int32_t *slot; /* hash slots: index into a, -1 empty */
    size_t n_slots;
} pending;

struct yz_ingest {
    yz_store *st;
    yz_state *state;
    yz_db_conn *conn; /* the committer's */
    int publish_ms;
    pthread_mutex_t mu;
    pthread_cond_t work, done;
    item *head, *tail;  /* queued */
    item *waiting;      /* committed, their callers wait for the publication */
    size_t inflight;    /* synchronous callers between queueing and return */
    size_t async_queued; /* MQTT messages queued, not yet committed (at most ASYNC_MAX) */
    bool stop;
    pthread_t thread;
    pending pend;
    int64_t last_pub_ms;
    yz_ingest_config cfg;
    pthread_t upkeep; /* retention and refresh; stops with `stop` (signalled on `work`) */
    bool upkeep_started;
    pthread_mutex_t umu;
    pthread_cond_t ucond;
    bool ustop;
};

static yz_device_status *pending_get(pending *p, int64_t device_id, bool *fresh)
{
    if (p->n_slots < 2 * (p->n + 1)) {
        size_t ns = p->n_slots ? p->n_slots * 2 : 256;
        yz_free(p->slot);
        p->slot = yz_malloc(ns * sizeof *p->slot);
        memset(p->slot, 0xff, ns * sizeof *p->slot);
        p->n_slots = ns;
        for (size_t i = 0; i < p->n; i++) {
            size_t h = (size_t)(p->a[i].device_id * 0x9E3779B97F4A7C15ULL) & (ns - 1);
            while (p->slot[h] >= 0)
                h = (h + 1) & (ns - 1);
            p->slot[h] = (int32_t)i;
        }
    }
    size_t h = (size_t)(device_id * 0x9E3779B97F4A7C15ULL) & (p->n_slots - 1);
    while (p->slot[h] >= 0) {
        if (p->a[p->slot[h]].device_id == device_id) {
            *fresh = false;
            return &p->a[p->slot[h]];
        }
        h = (h + 1) & (p->n_slots - 1);
    }
    if (p->n == p->cap) {
        p->cap = p->cap ? p->cap * 2 : 64;
        p->a = yz_realloc(p->a, p->cap * sizeof *p->a);
        p->mark = yz_realloc(p->mark, p->cap * sizeof *p->mark);
    }
    p->mark[p->n] = 0;
    p->slot[h] = (int32_t)p->n;
    *fresh = true;
    yz_device_status *s = &p->a[p->n++];
    memset(s, 0, sizeof *s);
    s->device_id = device_id;
    return s;
}

static void pending_reset(pending *p)
{
    p->n = 0;
    if (p->slot)
        memset(p->slot, 0xff, p->n_slots * sizeof *p->slot);
}

static void pending_fini(pending *p)
{
    yz_free(p->a);
    yz_free(p->mark);
    yz_free(p->slot);
}

/* Committer thread, lock not held: publish the pending statuses. */
static void publish(yz_ingest *ing)
{
    if (ing->pend.n)
        yz_state_live_apply(ing->state, ing->pend.a, ing->pend.n);
    pending_reset(&ing->pend);
    ing->last_pub_ms = yz_ingest_now_ms();
    atomic_fetch_add(&n_publishes, 1);
}

/* Committer thread, lock not held: write a batch of items, set their results. Returns the
 * error of the batch. */
static int write_batch(yz_ingest *ing, item *first, uint64_t batch_no, yz_reading **flat,
                       size_t *flat_cap, yz_device_status **sts, size_t *sts_cap)
{
    size_t n = 0, nn = 0;
    for (item *it = first; it; it = it->next) {
        n += it->n;
        nn += it->nonce[0] != '\0';
    }
    yz_reading_nonce *nonces = yz_calloc(nn + 1, sizeof *nonces);
    nn = 0;
    size_t at = 0;
    for (item *it = first; it; at += it->n, it = it->next)
        if (it->nonce[0])
            nonces[nn++] = (yz_reading_nonce){it->r[0].device_id, it->nonce, it->nonce_at, at,
                                              it->n, false};
    if (n > *flat_cap) {
        *flat_cap = n;
        *flat = yz_realloc(*flat, n * sizeof **flat);
    }
    int64_t now = yz_ingest_now_ms();
    size_t k = 0, ns = 0;
    const yz_state_view *view = yz_state_acquire(ing->state);
    for (item *it = first; it; it = it->next) {
        for (size_t i = 0; i < it->n; i++) {
            const yz_reading *r = &it->r[i];
            (*flat)[k++] = *r;
            bool fresh;
            yz_device_status *s = pending_get(&ing->pend, r->device_id, &fresh);
            size_t pos = (size_t)(s - ing->pend.a);
            if (fresh) {
                const yz_live_dev *d = yz_state_live_device(view, r->device_id);
                s->station_id = it->station_id;
                if (d) {
                    memcpy(s->v, d->v, sizeof s->v);
                    memcpy(s->v_ts, d->v_ts, sizeof s->v_ts);
                }
            }
            if (ing->pend.mark[pos] != batch_no) {
                ing->pend.mark[pos] = batch_no;
                ns++;
            }
            for (int m = 0; m < r->n; m++)
                if (r->ts >= s->v_ts[r->metric[m]]) {
                    s->v[r->metric[m]] = r->value[m];
                    s->v_ts[r->metric[m]] = r->ts;
                }
            if (r->ts > s->ts)
                s->ts = r->ts;
            s->updated_ms = now;
        }
    }
    yz_state_release(ing->state, view);
    if (ns > *sts_cap) {
        *sts_cap = ns;
        *sts = yz_realloc(*sts, ns * sizeof **sts);
    }
    size_t j = 0;
    for (size_t i = 0; i < ing->pend.n; i++)
        if (ing->pend.mark[i] == batch_no)
            (*sts)[j++] = ing->pend.a[i];
    yz_errinfo ei;
    yz_err_clear(&ei);
    int err = yz_store_readings_write(ing->conn, *flat, n, nonces, nn, *sts, j, &ei);
    if (err) {
        yz_log_error("ingest: a batch of %zu readings failed: %s", n, ei.msg_en);
        /* The pending statuses now hold values that were not committed: drop them and read
         * what is committed (earlier batches not yet published among it) from the store. */
        pending_reset(&ing->pend);
        yz_state_live_refresh(ing->state);
    }
    uint64_t stored = 0, dups = 0;
    k = 0;
    for (item *it = first; it; it = it->next) {
        it->err = err;
        if (err) {
            it->ei = ei;
            k += it->n;
            continue;
        }
        it->res = (yz_ingest_result){0, 0};
        if (it->n && (*flat)[k].skip) { /* a replayed message: nothing of it written */
            it->err = yz_err_set(&it->ei, YZ_ECONFLICT, "X-Yizhan-Nonce",
                                 "该请求已处理过（重放）",
                                 "this request was already received (a replay)");
            yz_ingest_count_refusal(YZ_INGEST_REFUSED_REPLAY);
            k += it->n;
            continue;
        }
        for (size_t i = 0; i < it->n; i++, k++) {
            if ((*flat)[k].duplicate)
                it->res.duplicates++;
            else
                it->res.stored++;
        }
        stored += (uint64_t)it->res.stored;
        dups += (uint64_t)it->res.duplicates;
    }
    if (!err) {
        atomic_fetch_add(&n_stored, stored);
        atomic_fetch_add(&n_duplicates, dups);
        atomic_fetch_add(&n_batches, 1);
        uint64_t mb = atomic_load(&n_max_batch);
        while (n > mb && !atomic_compare_exchange_weak(&n_max_batch, &mb, n))
            ;
    }
    yz_free(nonces);
    return err;
}

static void *committer(void *arg)
{
    yz_ingest *ing = arg;
    yz_reading *flat = NULL;
    yz_device_status *sts = NULL;
    size_t flat_cap = 0, sts_cap = 0;
    uint64_t batch_no = 0;
    pthread_mutex_lock(&ing->mu);
    for (;;) {
        while (!ing->head && !ing->stop && !(ing->pend.n || ing->waiting))
            pthread_cond_wait(&ing->work, &ing->mu);
        if (!ing->head && (ing->pend.n || ing->waiting)) {
            /* Nothing new: publish once publish_ms has passed since the last time. */
            int64_t due = ing->last_pub_ms + ing->publish_ms, now = yz_ingest_now_ms();
            if (now < due && !ing->stop) {
                struct timespec t;
                clock_gettime(CLOCK_REALTIME, &t);
                int64_t ns = t.tv_nsec + (due - now) * 1000000;
                t.tv_sec += ns / 1000000000;
                t.tv_nsec = ns % 1000000000;
                pthread_cond_timedwait(&ing->work, &ing->mu, &t);
                continue;
            }
            item *w = ing->waiting;
            ing->waiting = NULL;
            pthread_mutex_unlock(&ing->mu);
            publish(ing);
            pthread_mutex_lock(&ing->mu);
            for (; w; w = w->next)
                w->done = true;
            pthread_cond_broadcast(&ing->done);
            continue;
        }
        if (!ing->head)
            break; /* stopped, drained, published */
        item *first = ing->head, *last = ing->head;
        size_t n = first->n;
        while (last->next && n + last->next->n <= BATCH_MAX) {
            last = last->next;
            n += last->n;
        }
        ing->head = last->next;
        if (!ing->head)
            ing->tail = NULL;
        last->next = NULL;
        pthread_mutex_unlock(&ing->mu);

        int err = write_batch(ing, first, ++batch_no, &flat, &flat_cap, &sts, &sts_cap);
        bool due = yz_ingest_now_ms() - ing->last_pub_ms >= ing->publish_ms;
        if (!err && due)
            publish(ing);

        pthread_mutex_lock(&ing->mu);
        item *w = due ? ing->waiting : NULL;
        if (due)
            ing->waiting = NULL;
        for (; w; w = w->next)
            w->done = true;
        for (item *it = first, *next; it; it = next) {
            next = it->next;
            if (it->async) {
                yz_free(it);
                ing->async_queued--;
            } else if (err || due) {
                it->done = true;
            } else {
                it->next = ing->waiting; /* answered at the next publication */
                ing->waiting = it;
            }
        }
        pthread_cond_broadcast(&ing->done);
    }
    pthread_mutex_unlock(&ing->mu);
    yz_free(flat);
    yz_free(sts);
    return NULL;
}

#define PURGE_ROWS 5000 /* rows a retention transaction deletes at most */

/* The upkeep thread: other nodes' statuses every refresh_ms, and the retention every purge_s
 * in transactions of at most PURGE_ROWS rows, so the committer never waits long. */
static void *upkeep(void *arg)
{
    yz_ingest *ing = arg;
    int64_t next_purge = yz_ingest_now_ms() + 5000;
    pthread_mutex_lock(&ing->umu);
    while (!ing->ustop) {
        int64_t now = yz_ingest_now_ms();
        int64_t wake = next_purge;
        if (ing->cfg.refresh_ms > 0 && now + ing->cfg.refresh_ms < wake)
            wake = now + ing->cfg.refresh_ms;
        struct timespec t = {(time_t)(wake / 1000), (long)(wake % 1000) * 1000000};
        pthread_cond_timedwait(&ing->ucond, &ing->umu, &t);
        if (ing->ustop)
            break;
        pthread_mutex_unlock(&ing->umu);
        if (ing->cfg.refresh_ms > 0)
            yz_state_live_refresh(ing->state);
        now = yz_ingest_now_ms();
        if (now >= next_purge) {
            next_purge = now + (int64_t)ing->cfg.purge_s * 1000;
            int64_t raw = now - (int64_t)ing->cfg.readings_days * 86400000;
            int64_t hourly = now - (int64_t)400 * 86400000;
            int64_t deleted = PURGE_ROWS, total = 0;
            yz_errinfo ei;
            while (deleted >= PURGE_ROWS && !ing->ustop) {
                if (yz_store_readings_purge(ing->st, raw, hourly, PURGE_ROWS, &deleted, &ei)) {
                    yz_log_error("ingest: retention: %s", ei.msg_en);
                    break;
                }
                total += deleted;
            }
            if (total)
                yz_log_info("ingest: retention deleted %lld readings", (long long)total);
        }
        pthread_mutex_lock(&ing->umu);
    }
    pthread_mutex_unlock(&ing->umu);
    return NULL;
}

int yz_ingest_new(yz_store *st, yz_state *state, const yz_ingest_config *cfg, yz_ingest **out,
                  yz_errinfo *ei)
{
    yz_ingest *ing = yz_calloc(1, sizeof *ing);
    ing->st = st;
    ing->state = state;
    if (cfg)
        ing->cfg = *cfg;
    ing->publish_ms = ing->cfg.publish_ms > 0 ? ing->cfg.publish_ms : 50;
    if (ing->cfg.readings_days <= 0)
        ing->cfg.readings_days = 7;
    if (ing->cfg.purge_s <= 0)
        ing->cfg.purge_s = 600;
    pthread_mutex_init(&ing->umu, NULL);
    pthread_cond_init(&ing->ucond, NULL);
    int err = yz_store_readings_conn_open(st, &ing->conn, ei);
    if (err) {
        pthread_cond_destroy(&ing->ucond);
        pthread_mutex_destroy(&ing->umu);
        yz_free(ing);
        *out = NULL;
        return err;
    }
    pthread_mutex_init(&ing->mu, NULL);
    pthread_cond_init(&ing->work, NULL);
    pthread_cond_init(&ing->done, NULL);
    if (pthread_create(&ing->thread, NULL, committer, ing) != 0) {
        yz_store_readings_conn_close(ing->conn);
        pthread_cond_destroy(&ing->ucond);
        pthread_mutex_destroy(&ing->umu);
        pthread_cond_destroy(&ing->work);
        pthread_cond_destroy(&ing->done);
        pthread_mutex_destroy(&ing->mu);
        yz_free(ing);
        *out = NULL;
        return yz_err_set(ei, YZ_EINTERNAL, "", "无法启动读数写入线程",
                          "cannot start the readings committer thread");
    }
    ing->upkeep_started = pthread_create(&ing->upkeep, NULL, upkeep, ing) == 0;
    if (!ing->upkeep_started)
        yz_log_error("ingest: cannot start the upkeep thread: no retention");
    yz_ingest *none = NULL;
    atomic_compare_exchange_strong(&the_default, &none, ing);
    *out = ing;
    return YZ_OK;
}

void yz_ingest_free(yz_ingest *ing)
{
    if (!ing)
        return;
    yz_ingest *self = ing;
    atomic_compare_exchange_strong(&the_default, &self, NULL);
    if (ing->upkeep_started) {
        pthread_mutex_lock(&ing->umu);
        ing->ustop = true;
        pthread_cond_signal(&ing->ucond);
        pthread_mutex_unlock(&ing->umu);
        pthread_join(ing->upkeep, NULL);
    }
    pthread_mutex_lock(&ing->mu);
    ing->stop = true;
    pthread_cond_signal(&ing->work);
    pthread_mutex_unlock(&ing->mu);
    pthread_join(ing->thread, NULL); /* commits and publishes what is queued first */
    pthread_mutex_lock(&ing->mu);
    while (ing->inflight > 0)
        pthread_cond_wait(&ing->done, &ing->mu);
    pthread_mutex_unlock(&ing->mu);
    yz_store_readings_conn_close(ing->conn);
    pending_fini(&ing->pend);
    pthread_cond_destroy(&ing->work);
    pthread_cond_destroy(&ing->done);
    pthread_mutex_destroy(&ing->mu);
    pthread_cond_destroy(&ing->ucond);
    pthread_mutex_destroy(&ing->umu);
    yz_free(ing);
}

int yz_ingest_device_key(yz_ingest *ing, int64_t device_id, char *key_out, size_t key_size)
{
    const yz_state_view *view = yz_state_acquire(ing->state);
    const yz_live_dev *d = yz_state_live_device(view, device_id);
    int err = YZ_ENOTFOUND;
    if (d && !d->disabled && key_size > strlen(d->key)) {
        memcpy(key_out, d->key, strlen(d->key) + 1);
        err = YZ_OK;
    }
    yz_state_release(ing->state, view);
    return err;
}

static int submit(yz_ingest *ing, int64_t device_id, const char *body, size_t len,
                  enum yz_ingest_via via, const char *nonce, int64_t now_s,
                  yz_ingest_result *out, yz_errinfo *ei)
{
    if (!ing)
        return yz_err_set(ei, YZ_EUNAVAIL, "", "设备接入未启动", "ingest is not running");
    const yz_state_view *view = yz_state_acquire(ing->state);
    const yz_live_dev *d = yz_state_live_device(view, device_id);
    int kind = d && !d->disabled ? d->kind : -1;
    int64_t station_id = d ? d->station_id : 0;
    yz_state_release(ing->state, view);
    if (kind < 0) {
        yz_ingest_count_refusal(YZ_INGEST_REFUSED_UNKNOWN_DEVICE);
        return yz_err_set(ei, YZ_EUNAUTH, "device", "设备未知或已停用，或签名不符",
                          "unknown or disabled device, or a bad signature");
    }
    item local, *it = via == YZ_INGEST_VIA_MQTT ? yz_malloc(sizeof *it) : &local;
    memset(it, 0, offsetof(item, r)); /* the readings are filled by the parse */
    it->async = via == YZ_INGEST_VIA_MQTT;
    it->station_id = station_id;
    it->done = false;
    it->next = NULL;
    it->nonce[0] = '\0';
    if (nonce) {
        snprintf(it->nonce, sizeof it->nonce, "%s", nonce);
        it->nonce_at = now_s;
    }
    enum yz_ingest_reason reason = YZ_INGEST_REFUSED_PAYLOAD;
    int err = yz_ingest_parse(kind, device_id, body, len, yz_ingest_now_ms(), it->r, &it->n,
                              &reason, ei);
    if (err) {
        yz_ingest_count_refusal(reason);
        if (it->async)
            yz_free(it);
        return err;
    }
    pthread_mutex_lock(&ing->mu);
    while (it->async && ing->async_queued >= ASYNC_MAX && !ing->stop)
        pthread_cond_wait(&ing->done, &ing->mu);
    if (ing->stop) {
        pthread_mutex_unlock(&ing->mu);
        if (it->async)
            yz_free(it);
        return yz_err_set(ei, YZ_EUNAVAIL, "", "服务正在关闭", "ingest is stopping");
    }
    if (it->async)
        ing->async_queued++;
    if (ing->tail)
        ing->tail->next = it;
    else
        ing->head = it;
    ing->tail = it;
    pthread_cond_signal(&ing->work);
    if (it->async) {
        size_t n = it->n;
        pthread_mutex_unlock(&ing->mu);
        if (out)
            *out = (yz_ingest_result){(int)n, 0};
        return YZ_OK;
    }
    ing->inflight++;
    while (!it->done)
        pthread_cond_wait(&ing->done, &ing->mu);
    err = it->err;
    if (err && ei)
        *ei = it->ei;
    if (!err && out)
        *out = it->res;
    ing->inflight--;
    if (ing->stop && ing->inflight == 0)
        pthread_cond_broadcast(&ing->done);
    pthread_mutex_unlock(&ing->mu);
    return err;
}

int yz_ingest_submit(yz_ingest *ing, int64_t device_id, const char *body, size_t len,
                     enum yz_ingest_via via, yz_ingest_result *out, yz_errinfo *ei)
{
    return submit(ing, device_id, body, len, via, NULL, 0, out, ei);
}

int yz_ingest_submit_signed(yz_ingest *ing, int64_t device_id, const char *body, size_t len,
                            const char *nonce, int64_t now_s, yz_ingest_result *out,
                            yz_errinfo *ei)
{
    return submit(ing, device_id, body, len, YZ_INGEST_VIA_HTTP, nonce, now_s, out, ei);
}
