/* SPDX-License-Identifier: MIT */
/* store/users.h - the people who run the network (docs/internals/accounts.md): users with a
 * login, a display name and an Argon2id password hash (made by the caller: core/pwhash.h);
 * their roles, each with a scope; their sessions, stored under a BLAKE2b hash of the token;
 * and the failed logins that the limits count. Written once for both backends on store/db.h.
 *
 * Ownership: yz_user and yz_grant own their strings (free with yz_user_fini / yz_users_free);
 * every input pointer is borrowed. */
#ifndef YZ_STORE_USERS_H
#define YZ_STORE_USERS_H

#include "store/store.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The roles, in the order of the permission table's columns (api/permissions.c). */
enum yz_role {
    YZ_ROLE_CITY_ADMIN,     /* everything */
    YZ_ROLE_DISTRICT_ADMIN, /* scope: district codes */
    YZ_ROLE_OPERATOR,       /* scope: station ids and/or partner=NAME (the station's partner) */
    YZ_ROLE_INSPECTOR,      /* scope: none yet (the inspections they open or are assigned) */
    YZ_ROLE_MODERATOR,      /* scope: none (reviews and report texts) */
    YZ_ROLE_CANTEEN,        /* scope: canteen ids */
    YZ_ROLE_VIEWER,         /* scope: none (read-only dashboards) */
    YZ_ROLE__COUNT
};
/* "city_admin", ...; "" for an unknown value. */
const char *yz_role_name(int role);
/* The role named `s`, or -1. */
int yz_role_parse(const char *s);

#define YZ_LOGIN_MAX 64     /* characters (ASCII letters, digits, . _ - @) */
#define YZ_USER_NAME_MAX 64 /* characters */
#define YZ_SCOPE_MAX 1000   /* bytes of a grant's scope text */

/* One role granted to a user. `scope`: comma-separated items, "" for none; its form depends
 * on the role (see enum yz_role) and is checked by the store (a district, station or canteen
 * named must exist). */
typedef struct yz_grant {
    int role;    /* enum yz_role */
    char *scope; /* owned in records the store returns; borrowed in inputs */
} yz_grant;

typedef struct yz_user {
    int64_t id;
    char *login; /* as given at creation */
    char *name;  /* display name, may be "" */
    bool disabled;
    int64_t version;    /* +1 at every change, for If-Match */
    int64_t created_at; /* unix seconds */
    int64_t updated_at; /* unix seconds */
    yz_grant *grants;   /* sorted by role */
    size_t ngrants;
} yz_user;

void yz_user_init(yz_user *u);
void yz_user_fini(yz_user *u);
void yz_users_free(yz_user *a, size_t n);

/* Check a login: 1..64 ASCII letters, digits, '.', '_', '-', '@'. YZ_OK or YZ_EINVAL (field
 * "login"). */
int yz_user_check_login(const char *login, yz_errinfo *ei);

/* Create a user. `grants` (n of them) are checked (role names, scopes). YZ_ECONFLICT when the
 * login is taken (in any case), YZ_EINVAL on a bad field. On success *out (initialised by the
 * caller) holds the stored user. */
int yz_store_user_create(yz_store *st, const char *login, const char *name, const char *pw_hash,
                         const yz_grant *grants, size_t n, yz_user *out, yz_errinfo *ei);
/* The user `id`, or YZ_ENOTFOUND. */
int yz_store_user_get(yz_store *st, int64_t id, yz_user *out, yz_errinfo *ei);
/* The user whose login is `login` in any case, with its password hash (*pw_hash owned, may be
 * NULL to skip), or YZ_ENOTFOUND. */
int yz_store_user_by_login(yz_store *st, const char *login, yz_user *out, char **pw_hash,
                           yz_errinfo *ei);
/* Every user, by id. *out owned (yz_users_free). */
int yz_store_user_list(yz_store *st, yz_user **out, size_t *n, yz_errinfo *ei);

/* A change to a user: NULL / -1 / false leave a part as it is. */
typedef struct yz_user_patch {
    const char *name;       /* new display name */
    int disabled;           /* 0 or 1; -1 unchanged. Disabling ends every session at once. */
    const char *pw_hash;    /* new password hash: ends every session but keep_session */
    int64_t keep_session;   /* with pw_hash: the session that made the change, or 0 */
    bool keep_all;          /* with pw_hash: end no session (the same password, rehashed) */
    bool set_grants;        /* replace the grants with grants[0..ngrants) */
    const yz_grant *grants; /* borrowed */
    size_t ngrants;
} yz_user_patch;

/* Apply `p` to user `id` if its version is `version` (0: any), version + 1. YZ_ENOTFOUND,
 * YZ_ESTALE (another change came first), YZ_EINVAL. *out (may be NULL) gets the stored user. */
int yz_store_user_update(yz_store *st, int64_t id, int64_t version, const yz_user_patch *p,
                         yz_user *out, yz_errinfo *ei);

/* --- sessions ----------------------------------------------------------------------------- */

#define YZ_SESSION_HASH_BYTES 32
#define YZ_CSRF_MAX 64

typedef struct yz_session {
    int64_t id;
    int64_t user_id;
    char csrf[YZ_CSRF_MAX]; /* the session's CSRF token */
    int64_t created_at;     /* unix seconds */
    int64_t last_seen;      /* unix seconds, kept to within a minute */
    int64_t expires_at;     /* the absolute end, unix seconds */
} yz_session;

/* Store a new session of user `user_id`: token hash, CSRF token, absolute end, and the
 * user agent and address the user will see (cut to 200 and 64 bytes). *id gets its id. */
int yz_store_session_create(yz_store *st, int64_t user_id,
                            const uint8_t hash[YZ_SESSION_HASH_BYTES], const char *csrf,
                            int64_t now, int64_t expires_at, const char *user_agent,
                            const char *addr, int64_t *id, yz_errinfo *ei);
/* The live session whose token hashes to `hash`, with its user (u initialised by the caller):
 * YZ_ENOTFOUND when there is none, it ended (absolute end, or `idle_s` seconds without use
 * at `now`), or its user is disabled. Moves last_seen to `now` when it is a minute old or more
 * (so an idle end is exact to within a minute). Reads the store every time: a session ended on
 * one node is dead on every node at once. */
int yz_store_session_find(yz_store *st, const uint8_t hash[YZ_SESSION_HASH_BYTES], int64_t now,
                          int64_t idle_s, yz_session *s, yz_user *u, yz_errinfo *ei);
/* End session `id` (logout). YZ_OK also when it was gone already. */
int yz_store_session_delete(yz_store *st, int64_t id, yz_errinfo *ei);
/* How many live sessions user `id` has (for tests and the CLI). */
int yz_store_session_count(yz_store *st, int64_t user_id, int64_t *n, yz_errinfo *ei);

/* --- failed logins ------------------------------------------------------------------------- */

/* The limits on failed logins of one key (an account or an address). */
typedef struct yz_login_limit {
    int max_failures; /* failures in one window that lock the key */
    int window_s;     /* the window, seconds from the first failure */
    int lock_s;       /* how long the key stays locked, seconds */
} yz_login_limit;

/* Whether `key` is locked at `now`: *locked_until is its end (0 if not locked). */
int yz_store_login_locked(yz_store *st, const char *key, int64_t now, int64_t *locked_until,
                          yz_errinfo *ei);
/* Count a failure of `key` at `now` under `lim`; *locked_until as above, after it. */
int yz_store_login_failed(yz_store *st, const char *key, int64_t now, const yz_login_limit *lim,
                          int64_t *locked_until, yz_errinfo *ei);
/* Forget the failures of `key` (a successful login). */
int yz_store_login_clear(yz_store *st, const char *key, yz_errinfo *ei);

#endif
