/* SPDX-License-Identifier: MIT */
/* store/screens.h - station screens' keys and the rotating check-in code they show
 * (docs/internals/screen.md). A station has at most one screen key: the secret its screen
 * page signs each 30-second step with, so that a check-in carrying the code proves the worker
 * stood in front of the screen. Thread-safe, like the store. */
#ifndef YZ_STORE_SCREENS_H
#define YZ_STORE_SCREENS_H

#include "store/store.h"

#include <stdbool.h>
#include <stdint.h>

/* The code changes every this many seconds (the step), and the server accepts the code of
 * the current step and of the one before and after it. */
#define YZ_SCREEN_STEP_S 30
#define YZ_SCREEN_WINDOW 1
/* A key: 32 random bytes in base64url without padding (43 characters) and its NUL. */
#define YZ_SCREEN_KEY_LEN 43
#define YZ_SCREEN_KEY_MAX 64

/* A fresh random key into `out` (YZ_SCREEN_KEY_LEN characters and a NUL). */
void yz_screen_key_new(char out[YZ_SCREEN_KEY_MAX]);

/* The code of `step` (unix seconds / YZ_SCREEN_STEP_S) under `key` (its characters are the
 * HMAC key): TOTP's dynamic truncation (RFC 6238, RFC 4226 section 5.3) of
 * HMAC-SHA256(key, step as 8 bytes big-endian), modulo 10^8, as 8 digits and a NUL. */
void yz_screen_code(const char *key, int64_t step, char out[9]);

/* Check `t` ("<step>.<8 digits>", as the screen's QR carries it) against `key` at `now`
 * (unix seconds): YZ_OK when the step is within YZ_SCREEN_WINDOW of now's and the digits are
 * that step's code (compared in constant time). Otherwise YZ_EINVAL with field "t" and a
 * message saying why (malformed, expired, wrong code); `key` NULL means the station has no
 * screen key (also YZ_EINVAL "t"). */
int yz_screen_check(const char *key, const char *t, int64_t now, yz_errinfo *ei);

/* Create or replace the screen key of `station_id` with `key`, made by user `by` (0: none)
 * at `now`. *had (may be NULL) tells whether one was replaced. YZ_ENOTFOUND "code" when the
 * station is not stored; YZ_EDB / YZ_EUNAVAIL. */
int yz_store_screen_key_put(yz_store *st, int64_t station_id, const char *key, int64_t by,
                            int64_t now, bool *had, yz_errinfo *ei);

/* The screen key of `station_id` into `out`; *found false (and out "") when it has none. */
int yz_store_screen_key_get(yz_store *st, int64_t station_id, char out[YZ_SCREEN_KEY_MAX],
                            bool *found, yz_errinfo *ei);

#endif
