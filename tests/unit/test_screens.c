/* SPDX-License-Identifier: MIT */
/* tests/unit/test_screens.c - store/screens: the rotating code against RFC 6238's own test
 * vectors (Appendix B, HMAC-SHA256, 8 digits, the 32-byte ASCII seed, 30-second steps: the
 * screen's code is exactly TOTP-SHA256), then the check's window, malformed codes, a wrong key
 * and a station without a key. Nothing is timed: `now` is given. */
#include "core/err.h"
#include "store/screens.h"

#include <criterion/criterion.h>

#include <stdio.h>
#include <string.h>

static const char *const SEED = "12345678901234567890123456789012";

Test(screens, code_matches_rfc6238_sha256_vectors)
{
    static const struct {
        long long t;
        const char *want;
    } v[] = {
        {59, "46119246"},         {1111111109, "68084774"}, {1111111111, "67062674"},
        {1234567890, "91819424"}, {2000000000, "90698825"}, {20000000000LL, "77737706"},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        char got[9];
        yz_screen_code(SEED, v[i].t / YZ_SCREEN_STEP_S, got);
        cr_expect_str_eq(got, v[i].want, "T=%lld: %s, want %s", v[i].t, got, v[i].want);
    }
}

static int check_at(const char *key, int64_t step, int64_t now, const char *digits,
                    yz_errinfo *ei)
{
    char t[40], code[9];
    if (!digits) {
        yz_screen_code(SEED, step, code);
        digits = code;
    }
    snprintf(t, sizeof t, "%lld.%s", (long long)step, digits);
    yz_err_clear(ei);
    return yz_screen_check(key, t, now, ei);
}

Test(screens, check_accepts_the_step_and_one_either_side_only)
{
    yz_errinfo ei;
    int64_t now = 1764806410; /* 10 s into its step */
    int64_t s = now / YZ_SCREEN_STEP_S;
    for (int d = -3; d <= 3; d++) {
        int err = check_at(SEED, s + d, now, NULL, &ei);
        if (d >= -1 && d <= 1)
            cr_expect_eq(err, YZ_OK, "step %+d refused: %s", d, ei.msg_en);
        else
            cr_expect(err == YZ_EINVAL && strcmp(ei.field, "t") == 0, "step %+d: %d", d, err);
    }
}

Test(screens, check_refuses_wrong_key_digits_malformed_and_no_key)
{
    yz_errinfo ei;
    int64_t now = 1764806410, s = now / YZ_SCREEN_STEP_S;
    char code[9];
    yz_screen_code(SEED, s, code);
    code[7] = code[7] == '9' ? '0' : (char)(code[7] + 1);
    cr_expect_eq(check_at(SEED, s, now, code, &ei), YZ_EINVAL, "a digit changed");
    cr_expect_eq(check_at("another-station-key", s, now, NULL, &ei), YZ_EINVAL, "another key");
    cr_expect_eq(check_at(NULL, s, now, NULL, &ei), YZ_EINVAL, "no key");
    cr_expect_str_eq(ei.field, "t");
    static const char *const bad[] = {"",          ".12345678",  "1.1234567",  "1.123456789",
                                      "1-12345678", "1.1234567x", "x.12345678", "1234567890123.12345678",
                                      "1.12345678 "};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        yz_err_clear(&ei);
        cr_expect_eq(yz_screen_check(SEED, bad[i], now, &ei), YZ_EINVAL, "'%s' accepted", bad[i]);
        cr_expect_str_eq(ei.field, "t");
    }
}

Test(screens, new_keys_are_43_base64url_characters_and_differ)
{
    char a[YZ_SCREEN_KEY_MAX], b[YZ_SCREEN_KEY_MAX];
    yz_screen_key_new(a);
    yz_screen_key_new(b);
    cr_expect_eq(strlen(a), YZ_SCREEN_KEY_LEN);
    cr_expect_eq(strspn(a, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
                 YZ_SCREEN_KEY_LEN);
    cr_expect_str_neq(a, b);
}
