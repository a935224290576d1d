/* SPDX-License-Identifier: MIT */
/* store/visit_queue.c - the group commit of check-ins (visit_queue.h). Callers wait on one
 * condition variable for their item's `done`, or (asynchronous items, the server's check-ins)
 * leave a function the committer calls; the committer takes a whole run of the queue at
 * once, so a batch is as large as the number of visits that arrived while the previous one
 * was being written: one fsync (SQLite) or one WAL flush (PostgreSQL) for all of them. */
#include "store/visit_queue.h"

#include "core/alloc.h"
#include "core/log.h"
#include "core/time.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_BATCH_MAX 4096

typedef struct item {
    yz_visit *v;       /* the caller's, filled by the committer */
    yz_errinfo ei;     /* the result's details */
    int err;           /* the result */
    bool done;         /* set by the committer under mu */
    struct item *next; /* queue link */
    yz_visit_done_fn *done_fn; /* asynchronous: called instead of waking a caller */
    void *arg;                 /* done_fn's */
} item;

/* One committer thread: its writer's ctx and its batch array. */
typedef struct writer {
    struct yz_visit_queue *q;
    void *ctx;
    int slot;
    yz_visit **batch; /* batch_max of them */
    pthread_t thread;
} writer;

struct yz_visit_queue {
    yz_visit_write_fn *write;
    pthread_mutex_t mu;  /* guards everything below */
    pthread_cond_t work; /* the committers wait here for visits, their turn or stop */
    pthread_cond_t done; /* callers wait here for their item's `done` */
    item *head, *tail;   /* queued, not yet taken by a committer */
    size_t inflight;     /* callers between enqueue and return, and asynchronous visits
                          * queued and not yet answered */
    bool stop;           /* refuse new visits, drain, exit */
    int busy;            /* writers between taking a batch and its commit (or failure) */
    int sender;          /* the writer whose batch is taken and not yet started, or -1: no
                          * other writer takes a batch meanwhile (batches go in order) */
    size_t batch_max;
    int nwriters;
    writer w[YZ_VISIT_WRITERS_MAX];
    yz_visit_commit_stats counters;
};

void yz__visit_queue_started(yz_visit_queue *q, int slot)
{
    pthread_mutex_lock(&q->mu);
    if (q->sender == slot) {
        q->sender = -1;
        pthread_cond_broadcast(&q->work);
    }
    pthread_mutex_unlock(&q->mu);
}

static void *committer(void *arg)
{
    writer *w = arg;
    yz_visit_queue *q = w->q;
    pthread_mutex_lock(&q->mu);
    for (;;) {
        while ((!q->head || q->sender >= 0) && !(q->stop && !q->head))
            pthread_cond_wait(&q->work, &q->mu);
        if (!q->head)
            break; /* stopped and drained */
        q->sender = w->slot;
        if (q->busy++ > 0)
            q->counters.overlapped++;
        /* Take up to batch_max visits off the queue. */
        item *first = q->head, *last = q->head;
        size_t n = 1;
        while (last->next && n < q->batch_max) {
            last = last->next;
            n++;
        }
        q->head = last->next;
        if (!q->head)
            q->tail = NULL;
        last->next = NULL;
        pthread_mutex_unlock(&q->mu);

        int64_t now = yz_time_now();
        size_t k = 0;
        for (item *it = first; it; it = it->next) {
            if (it->v->at == 0)
                it->v->at = now;
            w->batch[k++] = it->v;
        }
        yz_errinfo ei;
        yz_err_clear(&ei);
        int err = q->write(w->ctx, w->batch, n, &ei);
        if (err)
            yz_log_error("visits: a batch of %zu failed: %s", n, ei.msg_en);

        pthread_mutex_lock(&q->mu);
        q->busy--;
        if (q->sender == w->slot) { /* written without saying it started */
            q->sender = -1;
            pthread_cond_broadcast(&q->work);
        }
        if (!err) {
            q->counters.visits += n;
            q->counters.batches++;
            if (n > q->counters.max_batch)
                q->counters.max_batch = n;
        }
        item *async = NULL, **async_tail = &async;
        for (item *it = first, *next; it; it = next) {
            next = it->next; /* the item may vanish once `done` is seen */
            it->err = err;
            if (err)
                it->ei = ei;
            if (it->done_fn) {
                it->next = NULL;
                *async_tail = it;
                async_tail = &it->next;
            } else {
                it->done = true;
            }
        }
        pthread_cond_broadcast(&q->done);
        if (async) {
            /* Outside the lock: the answers may take a moment, and new visits keep queuing. */
            pthread_mutex_unlock(&q->mu);
            size_t na = 0;
            for (item *it = async, *next; it; it = next, na++) {
                next = it->next;
                it->done_fn(it->arg, it->err, &it->ei);
                yz_free(it);
            }
            pthread_mutex_lock(&q->mu);
            q->inflight -= na;
            if (q->stop && q->inflight == 0)
                pthread_cond_broadcast(&q->done);
        }
    }
    pthread_mutex_unlock(&q->mu);
    return NULL;
}

int yz__visit_queue_new(yz_visit_write_fn *write, void *const *ctx, int nctx,
                        yz_visit_queue **out, yz_errinfo *ei)
{
    yz_visit_queue *q = yz_calloc(1, sizeof *q);
    q->write = write;
    q->sender = -1;
    q->batch_max = DEFAULT_BATCH_MAX;
    const char *e = getenv("YZ_VISIT_BATCH_MAX");
    if (e) {
        char *end;
        long n = strtol(e, &end, 10);
        if (!*end && n >= 1 && n <= 1000000)
            q->batch_max = (size_t)n;
    }
    pthread_mutex_init(&q->mu, NULL);
    pthread_cond_init(&q->work, NULL);
    pthread_cond_init(&q->done, NULL);
    if (nctx < 1)
        nctx = 1;
    if (nctx > YZ_VISIT_WRITERS_MAX)
        nctx = YZ_VISIT_WRITERS_MAX;
    for (int i = 0; i < nctx; i++) {
        writer *w = &q->w[i];
        *w = (writer){q, ctx[i], i, yz_calloc(q->batch_max, sizeof *w->batch), 0};
        if (pthread_create(&w->thread, NULL, committer, w) != 0) {
            yz_free(w->batch);
            break;
        }
        q->nwriters++;
    }
    if (q->nwriters < nctx) {
        yz__visit_queue_free(q); /* stops the threads started */
        *out = NULL;
        return yz_err_set(ei, YZ_EINTERNAL, "", "无法启动签到写入线程",
                          "cannot start the visit committer thread");
    }
    *out = q;
    return YZ_OK;
}

static int closing(yz_errinfo *ei)
{
    return yz_err_set(ei, YZ_EUNAVAIL, "", "服务正在关闭", "the store is closing");
}

int yz__visit_queue_submit(yz_visit_queue *q, yz_visit *v, yz_errinfo *ei)
{
    item it = {.v = v};
    pthread_mutex_lock(&q->mu);
    if (q->stop) {
        pthread_mutex_unlock(&q->mu);
        return closing(ei);
    }
    if (q->tail)
        q->tail->next = &it;
    else
        q->head = &it;
    q->tail = &it;
    q->inflight++;
    pthread_cond_signal(&q->work);
    while (!it.done)
        pthread_cond_wait(&q->done, &q->mu);
    int err = it.err;
    if (err && ei)
        *ei = it.ei;
    q->inflight--;
    if (q->stop && q->inflight == 0)
        pthread_cond_broadcast(&q->done); /* free() waits for the last caller to leave */
    pthread_mutex_unlock(&q->mu);
    return err;
}

int yz__visit_queue_submit_async(yz_visit_queue *q, yz_visit *v, yz_visit_done_fn *done,
                                 void *arg, yz_errinfo *ei)
{
    item *it = yz_calloc(1, sizeof *it);
    it->v = v;
    it->done_fn = done;
    it->arg = arg;
    pthread_mutex_lock(&q->mu);
    if (q->stop) {
        pthread_mutex_unlock(&q->mu);
        yz_free(it);
        return closing(ei);
    }
    if (q->tail)
        q->tail->next = it;
    else
        q->head = it;
    q->tail = it;
    q->inflight++;
    pthread_cond_signal(&q->work);
    pthread_mutex_unlock(&q->mu);
    return YZ_OK;
}

void yz__visit_queue_stats(yz_visit_queue *q, yz_visit_commit_stats *out)
{
    pthread_mutex_lock(&q->mu);
    *out = q->counters;
    pthread_mutex_unlock(&q->mu);
}

void yz__visit_queue_free(yz_visit_queue *q)
{
    if (!q)
        return;
    pthread_mutex_lock(&q->mu);
    q->stop = true;
    pthread_cond_broadcast(&q->work);
    pthread_mutex_unlock(&q->mu);
    for (int i = 0; i < q->nwriters; i++) /* the committers drain the queue before they exit */
        pthread_join(q->w[i].thread, NULL);
    pthread_mutex_lock(&q->mu);
    while (q->inflight > 0)
        pthread_cond_wait(&q->done, &q->mu);
    pthread_mutex_unlock(&q->mu);
    pthread_cond_destroy(&q->work);
    pthread_cond_destroy(&q->done);
    pthread_mutex_destroy(&q->mu);
    for (int i = 0; i < q->nwriters; i++)
        yz_free(q->w[i].batch);
    yz_free(q);
}
