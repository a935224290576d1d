/* SPDX-License-Identifier: MIT */
/* tests/unit/testdb.h - what the unit tests with a scratch SQLite database share. */
#ifndef YZ_TESTDB_H
#define YZ_TESTDB_H

#include <stdio.h>
#include <unistd.h>

/* Remove the SQLite database at `db_path` with its -wal and -shm files (those missing are fine). */
static inline void yz_test_remove_db(const char *db_path)
{
    char p[4096];
    unlink(db_path);
    snprintf(p, sizeof p, "%s-wal", db_path);
    unlink(p);
    snprintf(p, sizeof p, "%s-shm", db_path);
    unlink(p);
}

#endif
