/* SPDX-License-Identifier: MIT */
/* tests/unit/test_users.c - the users area on SQLite (accounts unique in any case, grants and
 * their scopes checked against the store, versions, sessions ended by logout, idle and
 * absolute timeouts, disabling and password changes, failed-login locks) and the password
 * pool (hash and verify, rehash, the dummy hash, the bounded queue refusing at once). */
#include "testdb.h"
#include "core/alloc.h"
#include "core/pwhash.h"
#include "core/time.h"
#include "demo/city.h"
#include "store/users.h"

#include <criterion/criterion.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static char path[64];
static yz_store *st;

static void setup(void)
{
    snprintf(path, sizeof path, "/tmp/yz-test-users-%d.db", (int)getpid());
    unlink(path);
    yz_errinfo ei;
    cr_assert_eq(yz_store_open(path, &st, &ei), YZ_OK, "%s", ei.msg_en);
    yz_station *s;
    yz_district *ds;
    size_t n, nd;
    cr_assert_eq(yz_demo_generate(7, &s, &n, &ds, &nd, &ei), YZ_OK);
    yz_import_counts ic;
    cr_assert_eq(yz_store_import(st, s, n, ds, nd, &ic, &ei), YZ_OK, "%s", ei.msg_en);
    yz_station_array_free(s, n);
    for (size_t i = 0; i < nd; i++)
        yz_district_fini(&ds[i]);
    yz_free(ds);
}

static void teardown(void)
{
    yz_store_close(st);
    st = NULL;
    yz_test_remove_db(path);
}

TestSuite(users, .init = setup, .fini = teardown);

static int64_t add(const char *login, const yz_grant *g, size_t n)
{
    yz_errinfo ei;
    yz_user u;
    yz_user_init(&u);
    cr_assert_eq(yz_store_user_create(st, login, "名字", "$argon2id$fake", g, n, &u, &ei), YZ_OK,
                 "%s", ei.msg_en);
    int64_t id = u.id;
    yz_user_fini(&u);
    return id;
}

Test(users, login_unique_in_any_case_and_checked)
{
    yz_errinfo ei;
    yz_user u;
    yz_user_init(&u);
    add("Alice", NULL, 0);
    cr_assert_eq(yz_store_user_create(st, "aLICE", "", "$h", NULL, 0, &u, &ei), YZ_ECONFLICT);
    cr_assert_str_eq(ei.field, "login");
    cr_assert_eq(yz_store_user_create(st, "有中文", "", "$h", NULL, 0, &u, &ei), YZ_EINVAL);
    cr_assert_eq(yz_store_user_create(st, "", "", "$h", NULL, 0, &u, &ei), YZ_EINVAL);
    char longname[200];
    memset(longname, 'x', sizeof longname - 1);
    longname[sizeof longname - 1] = 0;
    cr_assert_eq(yz_store_user_create(st, longname, "", "$h", NULL, 0, &u, &ei), YZ_EINVAL);
    cr_assert_eq(yz_store_user_create(st, "bob", longname, "$h", NULL, 0, &u, &ei), YZ_EINVAL);
    cr_assert_str_eq(ei.field, "name");
    char *hash = NULL;
    cr_assert_eq(yz_store_user_by_login(st, "ALICE", &u, &hash, &ei), YZ_OK);
    cr_assert_str_eq(u.login, "Alice");
    cr_assert_str_eq(hash, "$argon2id$fake");
    yz_free(hash);
    cr_assert_eq(yz_store_user_by_login(st, "nobody", &u, NULL, &ei), YZ_ENOTFOUND);
    yz_user_fini(&u);
}

Test(users, grants_and_scopes)
{
    yz_errinfo ei;
    yz_user u;
    yz_user_init(&u);
    yz_grant ok[] = {{YZ_ROLE_OPERATOR, "1,partner=滴滴"}, {YZ_ROLE_DISTRICT_ADMIN, "330302,330303"}};
    int64_t id = add("d", ok, 2);
    cr_assert_eq(yz_store_user_get(st, id, &u, &ei), YZ_OK);
    cr_assert_eq(u.ngrants, 2);
    cr_assert_eq(u.grants[0].role, YZ_ROLE_DISTRICT_ADMIN); /* sorted by role */
    cr_assert_str_eq(u.grants[1].scope, "1,partner=滴滴");
    struct {
        yz_grant g;
    } bad[] = {{{YZ_ROLE_DISTRICT_ADMIN, "999999"}}, {{YZ_ROLE_DISTRICT_ADMIN, ""}},
               {{YZ_ROLE_OPERATOR, "99999"}},        {{YZ_ROLE_OPERATOR, "x"}},
               {{YZ_ROLE_CANTEEN, "1"}},             {{YZ_ROLE_CITY_ADMIN, "330302"}},
               {{YZ_ROLE_DISTRICT_ADMIN, "330302,"}}, {{-1, ""}}};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        cr_assert_eq(yz_store_user_create(st, "e", "", "$h", &bad[i].g, 1, &u, &ei), YZ_EINVAL,
                     "case %zu", i);
    yz_grant twice[] = {{YZ_ROLE_VIEWER, ""}, {YZ_ROLE_VIEWER, ""}};
    cr_assert_eq(yz_store_user_create(st, "e", "", "$h", twice, 2, &u, &ei), YZ_EINVAL);
    yz_user_fini(&u);
}

Test(users, update_versions_and_disable_ends_sessions)
{
    yz_errinfo ei;
    yz_user u;
    yz_user_init(&u);
    int64_t id = add("v", NULL, 0), sid = 0, now = yz_time_now();
    uint8_t h[32] = {1};
    cr_assert_eq(yz_store_session_create(st, id, h, "c", now, now + 100, "ua", "127.0.0.1", &sid,
                                         &ei),
                 YZ_OK);
    yz_session s;
    cr_assert_eq(yz_store_session_find(st, h, now, 50, &s, &u, &ei), YZ_OK);
    cr_assert_eq(s.id, sid);
    cr_assert_str_eq(u.login, "v");
    yz_user_patch p = {.name = "新名字", .disabled = -1};
    cr_assert_eq(yz_store_user_update(st, id, 1, &p, &u, &ei), YZ_OK);
    cr_assert_eq(u.version, 2);
    cr_assert_eq(yz_store_user_update(st, id, 1, &p, &u, &ei), YZ_ESTALE);
    cr_assert_eq(yz_store_user_update(st, 999, 0, &p, &u, &ei), YZ_ENOTFOUND);
    yz_user_patch off = {.disabled = 1};
    cr_assert_eq(yz_store_user_update(st, id, 2, &off, &u, &ei), YZ_OK);
    cr_assert(u.disabled);
    cr_assert_eq(yz_store_session_find(st, h, now, 50, &s, &u, &ei), YZ_ENOTFOUND);
    yz_user_fini(&u);
}

Test(users, session_timeouts_logout_and_password_change)
{
    yz_errinfo ei;
    yz_user u;
    yz_user_init(&u);
    yz_session s;
    int64_t id = add("s", NULL, 0), now = yz_time_now(), a = 0, b = 0;
    uint8_t h1[32] = {1}, h2[32] = {2};
    cr_assert_eq(yz_store_session_create(st, id, h1, "c1", now, now + 1000, NULL, NULL, &a, &ei),
                 YZ_OK);
    cr_assert_eq(yz_store_session_create(st, id, h2, "c2", now, now + 1000, NULL, NULL, &b, &ei),
                 YZ_OK);
    /* idle: unused for idle_s seconds; absolute: past expires_at */
    cr_assert_eq(yz_store_session_find(st, h1, now + 60, 60, &s, &u, &ei), YZ_ENOTFOUND);
    cr_assert_eq(yz_store_session_find(st, h1, now + 59, 60, &s, &u, &ei), YZ_OK);
    cr_assert_eq(s.last_seen, now); /* not touched: less than a minute old */
    cr_assert_eq(yz_store_session_find(st, h1, now + 100, 120, &s, &u, &ei), YZ_OK);
    cr_assert_eq(s.last_seen, now + 100); /* touched */
    cr_assert_eq(yz_store_session_find(st, h1, now + 150, 60, &s, &u, &ei), YZ_OK);
    cr_assert_eq(yz_store_session_find(st, h1, now + 1000, 5000, &s, &u, &ei), YZ_ENOTFOUND);
    cr_assert_str_eq(s.csrf, "c1");
    /* a password change ends the other sessions, not the one that made it */
    yz_user_patch p = {.disabled = -1, .pw_hash = "$new", .keep_session = a};
    cr_assert_eq(yz_store_user_update(st, id, 0, &p, NULL, &ei), YZ_OK);
    cr_assert_eq(yz_store_session_find(st, h2, now, 600, &s, &u, &ei), YZ_ENOTFOUND);
    cr_assert_eq(yz_store_session_find(st, h1, now + 60, 600, &s, &u, &ei), YZ_OK);
    int64_t n = 0;
    cr_assert_eq(yz_store_session_count(st, id, &n, &ei), YZ_OK);
    cr_assert_eq(n, 1);
    cr_assert_eq(yz_store_session_delete(st, a, &ei), YZ_OK);
    cr_assert_eq(yz_store_session_find(st, h1, now + 60, 600, &s, &u, &ei), YZ_ENOTFOUND);
    cr_assert_eq(yz_store_session_delete(st, a, &ei), YZ_OK);
    yz_user_fini(&u);
}

Test(users, failed_logins_lock)
{
    yz_errinfo ei;
    yz_login_limit lim = {3, 60, 30};
    int64_t until = 0, now = 1000000;
    for (int i = 0; i < 2; i++) {
        cr_assert_eq(yz_store_login_failed(st, "u:x", now + i, &lim, &until, &ei), YZ_OK);
        cr_assert_eq(until, 0);
    }
    cr_assert_eq(yz_store_login_failed(st, "u:x", now + 2, &lim, &until, &ei), YZ_OK);
    cr_assert_eq(until, now + 32);
    cr_assert_eq(yz_store_login_locked(st, "u:x", now + 31, &until, &ei), YZ_OK);
    cr_assert_eq(until, now + 32);
    cr_assert_eq(yz_store_login_locked(st, "u:x", now + 32, &until, &ei), YZ_OK);
    cr_assert_eq(until, 0);
    cr_assert_eq(yz_store_login_locked(st, "u:other", now, &until, &ei), YZ_OK);
    cr_assert_eq(until, 0);
    /* failures older than the window start afresh */
    cr_assert_eq(yz_store_login_failed(st, "u:y", now, &lim, &until, &ei), YZ_OK);
    cr_assert_eq(yz_store_login_failed(st, "u:y", now + 1, &lim, &until, &ei), YZ_OK);
    cr_assert_eq(yz_store_login_failed(st, "u:y", now + 100, &lim, &until, &ei), YZ_OK);
    cr_assert_eq(until, 0);
    cr_assert_eq(yz_store_login_clear(st, "u:y", &ei), YZ_OK);
}

/* --- the password pool --------------------------------------------------------------------- */

Test(pwhash, rules)
{
    yz_errinfo ei;
    cr_assert_eq(yz_password_check("short", "bob", &ei), YZ_EINVAL);
    cr_assert_eq(yz_password_check("Bob.Lee-1234", "bob.lee-1234", &ei), YZ_EINVAL);
    cr_assert_eq(yz_password_check("一二三四五六七八九十", "bob", &ei), YZ_OK);
    cr_assert_eq(yz_password_check("一二三四五六七八九", "bob", &ei), YZ_EINVAL);
    cr_assert_eq(yz_password_check("\xff\xfe long enough", "bob", &ei), YZ_EINVAL);
}

Test(pwhash, hash_verify_rehash_dummy)
{
    yz_errinfo ei;
    yz_pwpool *p = yz_pwpool_new(1, 2, YZ_PWHASH_MIN);
    char h[YZ_PWHASH_STR_BYTES];
    bool ok, rehash;
    cr_assert_eq(yz_pwpool_hash(p, "correct horse", h, &ei), YZ_OK);
    cr_assert_eq(yz_pwpool_verify(p, h, "correct horse", &ok, &rehash, &ei), YZ_OK);
    cr_assert(ok);
    cr_assert(!rehash);
    cr_assert_eq(yz_pwpool_verify(p, h, "wrong horse", &ok, &rehash, &ei), YZ_OK);
    cr_assert(!ok);
    cr_assert_eq(yz_pwpool_verify(p, NULL, "anything", &ok, &rehash, &ei), YZ_OK);
    cr_assert(!ok);
    yz_pwpool_free(p);
    /* a hash made with smaller limits than the pool's wants a rehash */
    yz_pwpool *q = yz_pwpool_new(1, 2, YZ_PWHASH_INTERACTIVE);
    cr_assert_eq(yz_pwpool_verify(q, h, "correct horse", &ok, &rehash, &ei), YZ_OK);
    cr_assert(ok);
    cr_assert(rehash);
    yz_pwpool_free(q);
}

typedef struct burst {
    yz_pwpool *p;
    int err;
} burst;

static void *one_hash(void *arg)
{
    burst *b = arg;
    char h[YZ_PWHASH_STR_BYTES];
    yz_errinfo ei;
    b->err = yz_pwpool_hash(b->p, "a burst of logins", h, &ei);
    return NULL;
}

Test(pwhash, bounded_queue_refuses_at_once)
{
    /* one thread, one waiting place: of 12 at once, some are refused (YZ_EUNAVAIL) without
     * waiting, at least 2 are done, and nothing else fails */
    yz_pwpool *p = yz_pwpool_new(1, 1, YZ_PWHASH_INTERACTIVE);
    enum { N = 12 };
    pthread_t t[N];
    burst b[N];
    for (int i = 0; i < N; i++) {
        b[i] = (burst){p, -999};
        pthread_create(&t[i], NULL, one_hash, &b[i]);
    }
    int done = 0, refused = 0;
    for (int i = 0; i < N; i++) {
        pthread_join(t[i], NULL);
        cr_assert(b[i].err == YZ_OK || b[i].err == YZ_EUNAVAIL, "err %d", b[i].err);
        done += b[i].err == YZ_OK;
        refused += b[i].err == YZ_EUNAVAIL;
    }
    cr_assert_geq(done, 2);
    cr_assert_geq(refused, 1);
    unsigned long d, r;
    yz_pwpool_stats(p, &d, &r);
    cr_assert_eq((int)d, done);
    cr_assert_eq((int)r, refused);
    yz_pwpool_free(p);
}

/* --- the pool without waiting (the HTTP handlers' way: yz_pwpool_*_async) ------------------- */

typedef struct waiter {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int calls;
    pthread_t thread; /* the thread the last callback ran on */
    yz_pwresult r;
} waiter;

static void on_result(void *arg, const yz_pwresult *r)
{
    waiter *w = arg;
    pthread_mutex_lock(&w->mu);
    w->calls++;
    w->thread = pthread_self();
    w->r = *r;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

/* Wait until `w` has had `n` calls; returns its last result. */
static yz_pwresult wait_calls(waiter *w, int n)
{
    pthread_mutex_lock(&w->mu);
    while (w->calls < n)
        pthread_cond_wait(&w->cv, &w->mu);
    yz_pwresult r = w->r;
    pthread_mutex_unlock(&w->mu);
    return r;
}

Test(pwhash, async_hash_verify_dummy)
{
    yz_errinfo ei;
    yz_pwpool *p = yz_pwpool_new(1, 2, YZ_PWHASH_MIN);
    waiter w = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0, {0}};
    char pw[] = "correct horse";
    cr_assert_eq(yz_pwpool_hash_async(p, pw, on_result, &w, &ei), YZ_OK);
    memset(pw, 'x', sizeof pw - 1); /* the job holds its own copy */
    yz_pwresult r = wait_calls(&w, 1);
    cr_assert_eq(r.err, YZ_OK);
    cr_assert(!pthread_equal(w.thread, pthread_self()), "the callback runs on a hashing thread");
    /* the hash is libsodium's, checked by libsodium itself (the oracle) */
    cr_assert_eq(crypto_pwhash_str_verify(r.hash, "correct horse", 13), 0);
    char h[YZ_PWHASH_STR_BYTES];
    memcpy(h, r.hash, sizeof h);
    cr_assert_eq(yz_pwpool_verify_async(p, h, "correct horse", on_result, &w, &ei), YZ_OK);
    r = wait_calls(&w, 2);
    cr_assert(r.ok && !r.rehash && r.err == YZ_OK);
    cr_assert_eq(yz_pwpool_verify_async(p, h, "wrong horse", on_result, &w, &ei), YZ_OK);
    r = wait_calls(&w, 3);
    cr_assert(!r.ok && r.err == YZ_OK);
    /* an unknown user: the dummy hash, made on the hashing thread, never matches */
    cr_assert_eq(yz_pwpool_verify_async(p, NULL, "correct horse", on_result, &w, &ei), YZ_OK);
    r = wait_calls(&w, 4);
    cr_assert(!r.ok && !r.rehash && r.err == YZ_OK);
    unsigned long d, x;
    yz_pwpool_stats(p, &d, &x);
    cr_assert_eq(d, 4);
    cr_assert_eq(x, 0);
    yz_pwpool_free(p);
}

Test(pwhash, async_full_queue_refuses_and_free_runs_the_rest)
{
    /* one thread, one waiting place, a slow hash: of 6 jobs queued at once at least one is
     * refused at once (no callback), and every accepted job has its callback called exactly
     * once, by yz_pwpool_free at the latest */
    yz_pwpool *p = yz_pwpool_new(1, 1, YZ_PWHASH_INTERACTIVE);
    waiter w = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0, {0}};
    int accepted = 0, refused = 0;
    for (int i = 0; i < 6; i++) {
        yz_errinfo ei;
        int err = yz_pwpool_hash_async(p, "a burst of logins", on_result, &w, &ei);
        cr_assert(err == YZ_OK || err == YZ_EUNAVAIL, "err %d", err);
        accepted += err == YZ_OK;
        refused += err == YZ_EUNAVAIL;
        if (err)
            cr_assert_str_eq(ei.field, "password");
    }
    cr_assert_geq(accepted, 2);
    cr_assert_geq(refused, 1);
    yz_pwpool_free(p);
    cr_assert_eq(w.calls, accepted);
    cr_assert_eq(w.r.err, YZ_OK);
}
