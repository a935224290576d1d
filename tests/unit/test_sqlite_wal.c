/* SPDX-License-Identifier: MIT */
/* tests/unit/test_sqlite_wal.c - the scan of a WAL left by a crash (store/sqlite_wal.c): frames
 * of an earlier generation left past the end after the log restarted are not damage, a flipped
 * frame with frames of its generation after it is, a damaged header loses everything, and a
 * damaged last frame reads as a write the crash cut short. The WAL is copied while its
 * connection is open, which is what a crash leaves on disk. */
#include "store/sqlite_int.h"

#include <criterion/criterion.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static char path[64], wal[80], copy[80];

static void exec(sqlite3 *db, const char *sql)
{
    char *msg = NULL;
    cr_assert_eq(sqlite3_exec(db, sql, NULL, NULL, &msg), SQLITE_OK, "%s: %s", sql, msg);
}

static void copy_wal(void)
{
    FILE *in = fopen(wal, "rb"), *out = fopen(copy, "wb");
    cr_assert(in && out);
    char buf[8192];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0)
        cr_assert_eq(fwrite(buf, 1, n, out), n);
    fclose(in);
    fclose(out);
}

static void flip4(long at)
{
    FILE *f = fopen(copy, "r+b");
    cr_assert(f);
    unsigned char b[4];
    cr_assert_eq(fseek(f, at, SEEK_SET), 0);
    cr_assert_eq(fread(b, 1, 4, f), 4u);
    for (int i = 0; i < 4; i++)
        b[i] ^= 0xff;
    cr_assert_eq(fseek(f, at, SEEK_SET), 0);
    cr_assert_eq(fwrite(b, 1, 4, f), 4u);
    fclose(f);
}

static yz__sq_wal_report scan(void)
{
    yz__sq_wal_report r;
    yz_errinfo ei;
    cr_assert_eq(yz__sq_wal_scan(copy, &r, &ei), YZ_OK, "%s", ei.msg_en);
    return r;
}

static sqlite3 *db;

/* 40 transactions, a checkpoint of all of them, then 6 more: the log restarted from its start
 * with new salts, and the 40 older frames past the new ones stay in the file. */
static void setup(void)
{
    snprintf(path, sizeof path, "/tmp/yz-test-wal-%d.db", (int)getpid());
    snprintf(wal, sizeof wal, "%s-wal", path);
    snprintf(copy, sizeof copy, "%s-crash", path);
    cr_assert_eq(sqlite3_open(path, &db), SQLITE_OK);
    exec(db, "PRAGMA journal_mode=WAL; PRAGMA wal_autocheckpoint=0;"
             " CREATE TABLE t (id INTEGER PRIMARY KEY, v BLOB)");
    for (int i = 0; i < 40; i++)
        exec(db, "INSERT INTO t (v) VALUES (randomblob(3000))");
    exec(db, "PRAGMA wal_checkpoint(PASSIVE)");
    for (int i = 0; i < 6; i++)
        exec(db, "INSERT INTO t (v) VALUES (randomblob(3000))");
    copy_wal();
}

static void teardown(void)
{
    sqlite3_close(db);
    char p[96];
    unlink(path);
    unlink(wal);
    unlink(copy);
    snprintf(p, sizeof p, "%s-shm", path);
    unlink(p);
}

TestSuite(sqlite_wal, .init = setup, .fini = teardown);

Test(sqlite_wal, stale_frames_of_an_earlier_generation_are_not_damage)
{
    yz__sq_wal_report r = scan();
    cr_assert_not(r.damaged);
    cr_assert_not(r.header_bad);
    cr_assert_eq(r.frames_dropped, 0);
    cr_assert_geq(r.frames_kept, 6, "%lld", (long long)r.frames_kept);
    cr_assert_gt(r.frames, r.frames_kept, "no stale frames: the log did not restart");
}

Test(sqlite_wal, a_flipped_frame_drops_the_commits_after_it)
{
    yz__sq_wal_report clean = scan();
    long fsize = 24 + (long)clean.page_size;
    flip4(32 + 1 * fsize + 24 + 100); /* the page of the second frame */
    yz__sq_wal_report r = scan();
    cr_assert(r.damaged);
    cr_assert_leq(r.frames_kept, 1); /* the first frame, if it was a commit */
    cr_assert_eq(r.frames_dropped, clean.frames_kept - r.frames_kept);
    cr_assert_eq(r.bytes_dropped, r.frames_dropped * fsize);
    cr_assert_geq(r.commits_dropped, 4);
}

Test(sqlite_wal, a_damaged_header_drops_every_frame)
{
    flip4(16); /* salt-1 */
    yz__sq_wal_report r = scan();
    cr_assert(r.damaged);
    cr_assert(r.header_bad);
    cr_assert_eq(r.frames_kept, 0);
    cr_assert_eq(r.frames_dropped, r.frames);
}

Test(sqlite_wal, a_damaged_last_frame_reads_as_a_cut_write)
{
    yz__sq_wal_report clean = scan();
    long fsize = 24 + (long)clean.page_size;
    flip4(32 + (clean.frames_kept - 1) * fsize + 24 + 100);
    yz__sq_wal_report r = scan();
    cr_assert_not(r.damaged);
    cr_assert_lt(r.frames_kept, clean.frames_kept); /* the last transaction is gone */
    cr_assert_gt(r.frames_kept, 0);
}

Test(sqlite_wal, no_wal_is_nothing)
{
    unlink(copy);
    yz__sq_wal_report r = scan();
    cr_assert_not(r.damaged);
    cr_assert_eq(r.frames, 0);
}
