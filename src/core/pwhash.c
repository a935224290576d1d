/* SPDX-License-Identifier: MIT */
/* core/pwhash.c - Argon2id hashes on a bounded pool: a mutex, a ring of waiting jobs and a
 * few threads. A waiting caller's job lives on its stack and the caller waits on the pool's
 * condition; an asynchronous job is allocated here and its callback runs on the hashing
 * thread. */
#include "core/pwhash.h"

#include "core/alloc.h"
#include "core/log.h"
#include "core/utf8.h"

#include <errno.h>
#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#ifdef __linux__
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

_Static_assert(YZ_PWHASH_STR_BYTES >= crypto_pwhash_STRBYTES, "room for a hash string");

static void limits(int cost, unsigned long long *ops, size_t *mem)
{
    if (cost == YZ_PWHASH_MIN) {
        *ops = crypto_pwhash_OPSLIMIT_MIN;
        *mem = crypto_pwhash_MEMLIMIT_MIN;
    } else {
        *ops = crypto_pwhash_OPSLIMIT_INTERACTIVE;
        *mem = crypto_pwhash_MEMLIMIT_INTERACTIVE;
    }
}

int yz_pwhash_cost_from_env(void)
{
    const char *e = getenv("YIZHAN_PWHASH");
    return e && strcmp(e, "min") == 0 ? YZ_PWHASH_MIN : YZ_PWHASH_INTERACTIVE;
}

int yz_password_check(const char *password, const char *login, yz_errinfo *ei)
{
    size_t n = password ? strlen(password) : 0, chars = 0;
    if (n > YZ_PASSWORD_MAX || !yz_utf8_valid(password ? password : "", n))
        return yz_err_setf(ei, YZ_EINVAL, "password", "密码须为不超过 %d 字节的文本",
                           "the password must be text of at most %d bytes", YZ_PASSWORD_MAX);
    for (size_t i = 0; i < n; i++)
        if (((unsigned char)password[i] & 0xc0) != 0x80)
            chars++;
    if (chars < YZ_PASSWORD_MIN)
        return yz_err_setf(ei, YZ_EINVAL, "password", "密码至少 %d 个字符",
                           "the password must have at least %d characters", YZ_PASSWORD_MIN);
    if (login && strcasecmp(password, login) == 0)
        return yz_err_set(ei, YZ_EINVAL, "password", "密码不能与登录名相同",
                          "the password must not be the login name");
    return YZ_OK;
}

static int hash_now(const char *password, int cost, char out[YZ_PWHASH_STR_BYTES],
                    yz_errinfo *ei)
{
    unsigned long long ops;
    size_t mem;
    limits(cost, &ops, &mem);
    if (crypto_pwhash_str(out, password, strlen(password), ops, mem) != 0)
        return yz_err_set(ei, YZ_EINTERNAL, "password", "无法计算密码散列（内存不足）",
                          "cannot hash the password (out of memory)");
    return YZ_OK;
}

int yz_pwhash_str(const char *password, int cost, char out[YZ_PWHASH_STR_BYTES],
                  yz_errinfo *ei)
{
    if (sodium_init() < 0)
        return yz_err_set(ei, YZ_EINTERNAL, "", "无法初始化 libsodium", "libsodium init failed");
    return hash_now(password, cost, out, ei);
}

/* --- the pool --------------------------------------------------------------------------------- */

typedef struct job {
    int kind;             /* 0 hash, 1 verify */
    const char *password; /* borrowed from the waiting caller, or `own_pw` */
    const char *hash;     /* verify: the stored hash, or NULL for the dummy */
    char *out;            /* hash: YZ_PWHASH_STR_BYTES */
    bool ok, rehash;      /* verify: results */
    int err;
    bool done;
    /* an asynchronous job (yz_pwpool_*_async) is the pool's: it owns copies of its inputs,
     * and `cb` gets the result on the hashing thread */
    yz_pwpool_cb cb;
    void *arg;
    char *own_pw, *own_hash;
    char own_out[YZ_PWHASH_STR_BYTES];
} job;

struct yz_pwpool {
    pthread_mutex_t mu;
    pthread_cond_t work; /* a job was queued, or stop */
    pthread_cond_t done; /* a job finished */
    job **ring;          /* waiting jobs */
    int cap, head, len;
    int queue;   /* jobs that may wait while every thread is busy */
    int running; /* jobs taken by a thread */
    int nthreads;
    pthread_t *threads;
    bool stop;
    int cost;
    unsigned long long ops;
    size_t mem;
    char dummy[YZ_PWHASH_STR_BYTES]; /* a hash of a random password, made on first need */
    bool have_dummy;
    unsigned long n_done, n_refused;
};

static const char *dummy_hash(yz_pwpool *p);

static void run_job(yz_pwpool *p, job *j)
{
    if (j->kind == 0) {
        j->err = hash_now(j->password, p->cost, j->out, NULL);
        return;
    }
    /* An unknown user is verified against a dummy hash: the same answer in the same time. */
    bool real = j->hash != NULL;
    const char *h = real ? j->hash : dummy_hash(p);
    if (!h) {
        j->err = YZ_EINTERNAL;
        return;
    }
    bool match = crypto_pwhash_str_verify(h, j->password, strlen(j->password)) == 0;
    j->ok = real && match;
    j->rehash = j->ok && crypto_pwhash_str_needs_rehash(h, p->ops, p->mem) != 0;
}

static void job_free(job *j)
{
    if (j->own_pw) {
        sodium_memzero(j->own_pw, strlen(j->own_pw));
        yz_free(j->own_pw);
    }
    yz_free(j->own_hash);
    sodium_memzero(j->own_out, sizeof j->own_out);
    yz_free(j);
}

/* An asynchronous job is done: hand its result to its callback (outside the lock), free it. */
static void finish_async(job *j)
{
    yz_pwresult r = {.err = j->err, .ok = j->ok, .rehash = j->rehash};
    if (j->kind == 0 && !j->err)
        memcpy(r.hash, j->own_out, sizeof r.hash);
    j->cb(j->arg, &r);
    sodium_memzero(&r, sizeof r);
    job_free(j);
}

/* A hashing thread runs at the lowest priority (nice 19), so that a flood of logins takes only
 * the CPU the search path leaves: at nice 0 the hash took ~0.65 of one of our 2 cores under a
 * full search load and nearby lost ~20% (bench/bench_logins.sh). The kernel still gives a nice
 * 19 thread a small share, so logins progress (slowly) even on a saturated machine, and at full
 * speed whenever a core is idle; the bounded queue keeps the 503 answer prompt. Linux only:
 * there setpriority on a thread id changes that thread alone (elsewhere, the whole process). */
static void lower_priority(void)
{
#ifdef __linux__
    if (setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), 19) != 0)
        yz_log_warn("pwhash: cannot lower the hashing thread's priority: %s", strerror(errno));
#endif
}

static void *worker(void *arg)
{
    yz_pwpool *p = arg;
    lower_priority();
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (!p->len && !p->stop)
            pthread_cond_wait(&p->work, &p->mu);
        if (!p->len)
            break;
        job *j = p->ring[p->head];
        p->head = (p->head + 1) % p->cap;
        p->len--;
        p->running++;
        pthread_mutex_unlock(&p->mu);
        run_job(p, j);
        if (j->cb) { /* counted done before its callback runs, as a waiting caller sees */
            pthread_mutex_lock(&p->mu);
            p->running--;
            p->n_done++;
            pthread_mutex_unlock(&p->mu);
            finish_async(j);
            pthread_mutex_lock(&p->mu);
            continue;
        }
        pthread_mutex_lock(&p->mu);
        p->running--;
        j->done = true;
        p->n_done++;
        pthread_cond_broadcast(&p->done);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

yz_pwpool *yz_pwpool_new(int threads, int queue, int cost)
{
    if (sodium_init() < 0) {
        yz_log_error("pwhash: libsodium init failed");
        abort();
    }
    yz_pwpool *p = yz_calloc(1, sizeof *p);
    p->nthreads = threads < 1 ? 1 : threads > 8 ? 8 : threads;
    /* the ring also holds, for a moment, the jobs that idle threads are about to take */
    p->queue = queue < 1 ? 1 : queue;
    p->cap = p->queue + p->nthreads;
    p->ring = yz_calloc((size_t)p->cap, sizeof *p->ring);
    p->cost = cost;
    limits(cost, &p->ops, &p->mem);
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->work, NULL);
    pthread_cond_init(&p->done, NULL);
    p->threads = yz_calloc((size_t)p->nthreads, sizeof *p->threads);
    for (int i = 0; i < p->nthreads; i++)
        if (pthread_create(&p->threads[i], NULL, worker, p) != 0) {
            yz_log_error("pwhash: cannot start a thread");
            abort();
        }
    return p;
}

void yz_pwpool_free(yz_pwpool *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->mu);
    p->stop = true;
    pthread_cond_broadcast(&p->work);
    pthread_mutex_unlock(&p->mu);
    for (int i = 0; i < p->nthreads; i++)
        pthread_join(p->threads[i], NULL);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->work);
    pthread_cond_destroy(&p->done);
    sodium_memzero(p->dummy, sizeof p->dummy);
    yz_free(p->threads);
    yz_free(p->ring);
    yz_free(p);
}

static int busy(yz_errinfo *ei)
{
    return yz_err_set(ei, YZ_EUNAVAIL, "password", "登录请求过多，请稍后再试",
                      "too many logins at once; try again shortly");
}

/* Queue `j` and, unless it is asynchronous, wait for it: refused at once when `queue` jobs
 * already wait for a thread (an asynchronous job is then left to the caller). */
static int submit(yz_pwpool *p, job *j, yz_errinfo *ei)
{
    pthread_mutex_lock(&p->mu);
    int idle = p->nthreads - p->running;
    if (p->len >= p->queue + (idle > 0 ? idle : 0) || p->stop) {
        p->n_refused++;
        pthread_mutex_unlock(&p->mu);
        return busy(ei);
    }
    p->ring[(p->head + p->len) % p->cap] = j;
    p->len++;
    pthread_cond_signal(&p->work);
    if (j->cb) { /* the job is the pool's from here */
        pthread_mutex_unlock(&p->mu);
        return YZ_OK;
    }
    while (!j->done)
        pthread_cond_wait(&p->done, &p->mu);
    pthread_mutex_unlock(&p->mu);
    if (j->err)
        return yz_err_set(ei, j->err, "password", "无法计算密码散列（内存不足）",
                          "cannot hash the password (out of memory)");
    return YZ_OK;
}

int yz_pwpool_hash(yz_pwpool *p, const char *password, char out[YZ_PWHASH_STR_BYTES],
                   yz_errinfo *ei)
{
    job j = {.kind = 0, .password = password, .out = out};
    return submit(p, &j, ei);
}

/* The dummy hash, made once on a hashing thread (the first unknown login pays for it, as a
 * wrong password would); NULL when libsodium cannot. */
static const char *dummy_hash(yz_pwpool *p)
{
    pthread_mutex_lock(&p->mu);
    bool have = p->have_dummy;
    pthread_mutex_unlock(&p->mu);
    if (have)
        return p->dummy;
    unsigned char rnd[16];
    char pw[sizeof rnd * 2 + 1];
    randombytes_buf(rnd, sizeof rnd);
    sodium_bin2hex(pw, sizeof pw, rnd, sizeof rnd);
    char h[YZ_PWHASH_STR_BYTES];
    if (hash_now(pw, p->cost, h, NULL))
        return NULL;
    pthread_mutex_lock(&p->mu);
    if (!p->have_dummy) {
        memcpy(p->dummy, h, sizeof h);
        p->have_dummy = true;
    }
    pthread_mutex_unlock(&p->mu);
    return p->dummy;
}

int yz_pwpool_verify(yz_pwpool *p, const char *hash, const char *password, bool *ok,
                     bool *rehash, yz_errinfo *ei)
{
    *ok = *rehash = false;
    job j = {.kind = 1, .password = password, .hash = hash};
    int err = submit(p, &j, ei);
    if (err)
        return err;
    *ok = j.ok;
    *rehash = j.rehash;
    return YZ_OK;
}

static int submit_async(yz_pwpool *p, int kind, const char *hash, const char *password,
                        yz_pwpool_cb cb, void *arg, yz_errinfo *ei)
{
    job *j = yz_calloc(1, sizeof *j);
    j->kind = kind;
    j->password = j->own_pw = yz_strdup(password);
    j->hash = j->own_hash = hash ? yz_strdup(hash) : NULL;
    j->out = j->own_out;
    j->cb = cb;
    j->arg = arg;
    int err = submit(p, j, ei);
    if (err)
        job_free(j);
    return err;
}

int yz_pwpool_hash_async(yz_pwpool *p, const char *password, yz_pwpool_cb cb, void *arg,
                         yz_errinfo *ei)
{
    return submit_async(p, 0, NULL, password, cb, arg, ei);
}

int yz_pwpool_verify_async(yz_pwpool *p, const char *hash, const char *password, yz_pwpool_cb cb,
                           void *arg, yz_errinfo *ei)
{
    return submit_async(p, 1, hash, password, cb, arg, ei);
}

void yz_pwpool_stats(yz_pwpool *p, unsigned long *done, unsigned long *refused)
{
    pthread_mutex_lock(&p->mu);
    *done = p->n_done;
    *refused = p->n_refused;
    pthread_mutex_unlock(&p->mu);
}
