/* SPDX-License-Identifier: MIT */
/* store/visit_queue.h - the group commit of check-ins, shared by the backends' visits areas
 * (docs/internals/visits.md). Each caller queues its visit and sleeps; a committer thread
 * takes everything queued (up to a batch limit), has the backend write it in one transaction,
 * and wakes the callers with their results. One committer, or several taking batches in turn
 * (PostgreSQL with YZ_VISIT_WRITERS). Only src/store/ includes it. */
#ifndef YZ_VISIT_QUEUE_H
#define YZ_VISIT_QUEUE_H

#include "store/visits.h"

#include <stddef.h>

typedef struct yz_visit_queue yz_visit_queue;

/* The backend's batch writer, run on a committer thread: write `n` visits, in queue order,
 * in one transaction, deciding each one's `counted` (the 2-hour rule) against the database
 * and the visits before it in the batch, and setting `id` and `counted`. Every visit's `at`
 * is already set. Returns YZ_OK, or an error for the whole batch with nothing written. */
typedef int yz_visit_write_fn(void *ctx, yz_visit *const *batch, size_t n, yz_errinfo *ei);

/* Start a queue and `nctx` committer threads (1..YZ_VISIT_WRITERS_MAX); thread i's `write`
 * gets ctx[i], which stays the caller's (free it after yz__visit_queue_free). The threads take
 * batches in turn: a thread takes the next batch only once the one taken before it has called
 * yz__visit_queue_started (its transaction holds the lock that orders batches) or has been
 * written, so batches are written in the order they were taken. The batch limit is 4096, or
 * YZ_VISIT_BATCH_MAX from the environment (1..1000000). Returns YZ_OK and *out, or
 * YZ_EINTERNAL. */
#define YZ_VISIT_WRITERS_MAX 4
int yz__visit_queue_new(yz_visit_write_fn *write, void *const *ctx, int nctx,
                        yz_visit_queue **out, yz_errinfo *ei);
/* Called by writer `slot` (the index of its ctx) from inside its `write`, once its batch's
 * transaction holds the lock that orders batches: the next thread may take and send the next
 * batch, which then waits behind this one in the database, not in this process. Harmless when
 * called again or by a writer whose turn has passed. */
void yz__visit_queue_started(yz_visit_queue *q, int slot);
/* Queue `v` and wait until its batch is written: YZ_OK with v->id, v->at (now, when it was
 * 0) and v->counted set, or the batch's error; YZ_EUNAVAIL once the queue is stopping. */
int yz__visit_queue_submit(yz_visit_queue *q, yz_visit *v, yz_errinfo *ei);
/* As yz__visit_queue_submit, without waiting: `done(arg, ...)` is called once the batch is
 * written; `v` must stay valid until then. YZ_OK, or YZ_EUNAVAIL once the queue is stopping
 * (then `done` is never called). */
int yz__visit_queue_submit_async(yz_visit_queue *q, yz_visit *v, yz_visit_done_fn *done,
                                 void *arg, yz_errinfo *ei);
/* Visits and batches committed so far. */
void yz__visit_queue_stats(yz_visit_queue *q, yz_visit_commit_stats *out);
/* Refuse new visits, write what is queued (calling the asynchronous visits' `done`), stop
 * the thread, wait for the last caller to leave, and free. Accepts NULL. */
void yz__visit_queue_free(yz_visit_queue *q);

#endif
