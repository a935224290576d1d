/* SPDX-License-Identifier: MIT */
/* tests/unit/test_mqtt.c - mqtt: the topic parser, the payload signature (HMAC-SHA256 against
 * OpenSSL's HMAC, itself checked on the RFC 4231 vectors, and against a vector computed with
 * Python's hmac module), the Mosquitto password-file hash (against a line mosquitto_passwd
 * wrote), the ACL text, and the message handler with a fake sink. The broker itself is
 * exercised by tests/mqtt/. */
#include "mqtt/mqtt.h"

#include <criterion/criterion.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void hex(const unsigned char *p, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        snprintf(out + 2 * i, 3, "%02x", p[i]);
}

/* OpenSSL's HMAC-SHA256 as lowercase hex. */
static void oracle_hmac(const void *key, size_t klen, const void *data, size_t n, char out[65])
{
    unsigned char m[32];
    unsigned int mlen = 0;
    HMAC(EVP_sha256(), key, (int)klen, data, n, m, &mlen);
    cr_assert_eq(mlen, 32);
    hex(m, 32, out);
}

static size_t unhex(const char *s, unsigned char *out)
{
    size_t n = strlen(s) / 2;
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        sscanf(s + 2 * i, "%2x", &v);
        out[i] = (unsigned char)v;
    }
    return n;
}

Test(mqtt, oracle_is_rfc4231)
{
    /* RFC 4231 test cases 1, 2, 3, 4, 6 and 7 (5 is a truncated output). */
    static const struct {
        const char *key_hex, *data_hex, *mac;
    } v[] = {
        {"0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "4869205468657265",
         "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"},
        {"4a656665", "7768617420646f2079612077616e7420666f72206e6f7468696e673f",
         "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
        {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
         "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd"
         "dddddddddddddd",
         "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"},
        {"0102030405060708090a0b0c0d0e0f10111213141516171819",
         "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd"
         "cdcdcdcdcdcd",
         "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"},
        {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
         "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
         "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
         "54657374205573696e67204c6172676572205468616e20426c6f636b2d53697a65204b6579202d2048617368"
         "204b6579204669727374",
         "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"},
        {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
         "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
         "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
         "5468697320697320612074657374207573696e672061206c6172676572207468616e20626c6f636b2d73697a"
         "65206b657920616e642061206c6172676572207468616e20626c6f636b2d73697a6520646174612e20546865"
         "206b6579206e6565647320746f20626520686173686564206265666f7265206265696e672075736564206279"
         "2074686520484d414320616c676f726974686d2e",
         "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        unsigned char k[256], d[256];
        size_t kl = unhex(v[i].key_hex, k), dl = unhex(v[i].data_hex, d);
        char got[65];
        oracle_hmac(k, kl, d, dl, got);
        cr_assert_str_eq(got, v[i].mac, "RFC 4231 vector %zu", i);
    }
}

Test(mqtt, sign_matches_oracle)
{
    /* A fixed vector from Python: hmac.new(key, b"MQTT\n" + topic + b"\n" + json, sha256). */
    const char *key = "dGhpcy1pcy1hLTMyLWJ5dGUtZGV2aWNlLWtleS0hISE";
    const char *topic = "yizhan/v1/devices/17/readings";
    const char *json =
        "{\"seq\":1234,\"ts\":1764806400123,\"values\":{\"charged\":5,\"slots\":12}}";
    char sig[65];
    yz_mqtt_sign(topic, key, strlen(key), json, strlen(json), sig);
    cr_assert_str_eq(sig, "fafe80d03e4ad9d2d44062a9dea1f053561cde59e1b097dbec56cafd34241c17");
    /* Random keys (short, block-sized, longer than a block) and bodies against OpenSSL. */
    unsigned seed = 20261204;
    for (int t = 0; t < 300; t++) {
        char k[200], j[600], msg[800], want[65];
        size_t kl = (size_t)(rand_r(&seed) % 150) + 1, jl = (size_t)(rand_r(&seed) % 500);
        for (size_t i = 0; i < kl; i++)
            k[i] = (char)(rand_r(&seed) & 0xff);
        for (size_t i = 0; i < jl; i++)
            j[i] = (char)(rand_r(&seed) & 0xff);
        char tp[64];
        snprintf(tp, sizeof tp, "yizhan/v1/devices/%d/readings", t + 1);
        int ml = snprintf(msg, sizeof msg, "MQTT\n%s\n", tp);
        memcpy(msg + ml, j, jl);
        oracle_hmac(k, kl, msg, (size_t)ml + jl, want);
        yz_mqtt_sign(tp, k, kl, j, jl, sig);
        cr_assert_str_eq(sig, want, "seed case %d", t);
    }
}

Test(mqtt, topic_parser)
{
    static const struct {
        const char *topic;
        long long id; /* 0: refused */
    } v[] = {
        {"yizhan/v1/devices/17/readings", 17},
        {"yizhan/v1/devices/1/readings", 1},
        {"yizhan/v1/devices/999999999999999999/readings", 999999999999999999LL},
        {"yizhan/v1/devices/1000000000000000000/readings", 0}, /* 19 digits */
        {"yizhan/v1/devices/0/readings", 0},
        {"yizhan/v1/devices/017/readings", 0},
        {"yizhan/v1/devices//readings", 0},
        {"yizhan/v1/devices/-1/readings", 0},
        {"yizhan/v1/devices/+1/readings", 0},
        {"yizhan/v1/devices/1 /readings", 0},
        {"yizhan/v1/devices/abc/readings", 0},
        {"yizhan/v1/devices/17/readings/", 0},
        {"yizhan/v1/devices/17/reading", 0},
        {"yizhan/v1/devices/17/x/readings", 0},
        {"yizhan/v2/devices/17/readings", 0},
        {"/yizhan/v1/devices/17/readings", 0},
        {"yizhan/v1/devices/readings", 0},
        {"", 0},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        int64_t id = -1;
        bool ok = yz_mqtt_topic_device(v[i].topic, strlen(v[i].topic), &id);
        cr_assert_eq(ok, v[i].id != 0, "%s", v[i].topic);
        if (ok)
            cr_assert_eq(id, v[i].id, "%s", v[i].topic);
    }
    /* The length is the topic's: bytes after it are not part of it. */
    int64_t id;
    cr_assert(!yz_mqtt_topic_device("yizhan/v1/devices/17/readingsX", 28, &id));
}

/* "<sig>\n<json>" signed with `key` for `topic`, into out. */
static size_t payload(char *out, size_t n, const char *topic, const char *key, const char *json)
{
    char sig[65];
    yz_mqtt_sign(topic, key, strlen(key), json, strlen(json), sig);
    return (size_t)snprintf(out, n, "%s\n%s", sig, json);
}

Test(mqtt, check_payload)
{
    const char *t17 = "yizhan/v1/devices/17/readings", *t18 = "yizhan/v1/devices/18/readings";
    const char *k17 = "key-of-seventeen", *k18 = "key-of-eighteen";
    const char *json = "{\"seq\":1,\"ts\":1,\"values\":{}}";
    char p[400];
    size_t n = payload(p, sizeof p, t17, k17, json);
    const char *j = NULL;
    size_t jl = 0;
    enum yz_ingest_reason r;
    yz_errinfo ei;
    cr_assert_eq(yz_mqtt_check_payload(t17, p, n, k17, strlen(k17), &j, &jl, &r, &ei), YZ_OK);
    cr_assert_eq(j, p + 65);
    cr_assert_eq(jl, strlen(json));
    cr_assert(!memcmp(j, json, jl));
    /* The wrong key, or the right message moved to another device's topic: signature. */
    cr_assert_eq(yz_mqtt_check_payload(t17, p, n, k18, strlen(k18), &j, &jl, &r, &ei), YZ_EUNAUTH);
    cr_assert_eq(r, YZ_INGEST_REFUSED_SIGNATURE);
    cr_assert_eq(yz_mqtt_check_payload(t18, p, n, k17, strlen(k17), &j, &jl, &r, &ei), YZ_EUNAUTH);
    cr_assert_eq(r, YZ_INGEST_REFUSED_SIGNATURE);
    /* One changed byte of the JSON or of the signature: signature. */
    for (size_t i = 0; i < n; i++) {
        if (i == 64)
            continue;
        char q[400];
        memcpy(q, p, n);
        q[i] = q[i] == '1' ? '2' : '1';
        int rc = yz_mqtt_check_payload(t17, q, n, k17, strlen(k17), &j, &jl, &r, &ei);
        cr_assert_neq(rc, YZ_OK, "byte %zu changed", i);
        cr_assert_eq(r, YZ_INGEST_REFUSED_SIGNATURE, "byte %zu changed", i);
    }
    /* Layout faults: payload. */
    char q[400];
    memcpy(q, p, n);
    q[3] = (char)(q[3] >= 'a' ? q[3] - 32 : 'G'); /* uppercase or not hex */
    cr_assert_eq(yz_mqtt_check_payload(t17, q, n, k17, strlen(k17), &j, &jl, &r, &ei), YZ_EINVAL);
    cr_assert_eq(r, YZ_INGEST_REFUSED_PAYLOAD);
    cr_assert_str_eq(ei.field, "signature");
    memcpy(q, p, n);
    q[64] = ' ';
    cr_assert_eq(yz_mqtt_check_payload(t17, q, n, k17, strlen(k17), &j, &jl, &r, &ei), YZ_EINVAL);
    cr_assert_eq(r, YZ_INGEST_REFUSED_PAYLOAD);
    cr_assert_eq(yz_mqtt_check_payload(t17, p, 65, k17, strlen(k17), &j, &jl, &r, &ei), YZ_EINVAL,
                 "no JSON after the line");
    cr_assert_eq(r, YZ_INGEST_REFUSED_PAYLOAD);
    cr_assert_eq(yz_mqtt_check_payload(t17, json, strlen(json), k17, strlen(k17), &j, &jl, &r, &ei),
                 YZ_EINVAL, "JSON without a signature");
    cr_assert_eq(yz_mqtt_check_payload(t17, "", 0, k17, strlen(k17), &j, &jl, &r, &ei), YZ_EINVAL);
    /* Too large (signed correctly): payload, before any HMAC. */
    size_t big = YZ_MQTT_MAX_JSON + 1;
    char *b = malloc(65 + big + 1);
    memset(b + 65, ' ', big);
    b[65 + big] = '\0';
    char sig[65];
    yz_mqtt_sign(t17, k17, strlen(k17), b + 65, big, sig);
    memcpy(b, sig, 64);
    b[64] = '\n';
    cr_assert_eq(yz_mqtt_check_payload(t17, b, 65 + big, k17, strlen(k17), &j, &jl, &r, &ei),
                 YZ_ETOOBIG);
    cr_assert_eq(r, YZ_INGEST_REFUSED_PAYLOAD);
    free(b);
}

/* mosquitto_passwd 2.0.11 (Debian bookworm) wrote this line for user 17, password "secretkey". */
#define MOSQ_LINE                                                                                  \
    "17:$7$101$wCRoRvDWss7jsU9b$1ulJmgy2dbHZ5aPjc3Cmcjz2WKGHcpVi3jl51Z5Lo9x28D+n8t8bQMiWzK9jAWA3"  \
    "NMUCbIxlisoanZxfx94YDw=="

Test(mqtt, passwd_format)
{
    const char *h = strchr(MOSQ_LINE, ':') + 1;
    cr_assert(yz_mqtt_passwd_check(h, "secretkey"));
    cr_assert(!yz_mqtt_passwd_check(h, "secretkeY"));
    cr_assert(!yz_mqtt_passwd_check(h, ""));
    cr_assert(!yz_mqtt_passwd_check("$6$abc$def", "secretkey"));
    yz_buf b;
    yz_buf_init(&b);
    yz_errinfo ei;
    cr_assert_eq(
        yz_mqtt_passwd_line(&b, "42", "dGhpcy1pcy1hLTMyLWJ5dGUtZGV2aWNlLWtleS0hISE", 0, &ei),
        YZ_OK);
    yz_buf_putc(&b, '\0');
    /* 42:$7$101$<16 base64 chars: 12 bytes>$<88 base64 chars: 64 bytes>\n */
    cr_assert_eq(strlen(b.data), 3 + 7 + 16 + 1 + 88 + 1, "%s", b.data);
    cr_assert(!strncmp(b.data, "42:$7$101$", 10), "%s", b.data);
    cr_assert_eq(b.data[26], '$');
    cr_assert(yz_mqtt_passwd_check(b.data + 3, "dGhpcy1pcy1hLTMyLWJ5dGUtZGV2aWNlLWtleS0hISE"));
    cr_assert(!yz_mqtt_passwd_check(b.data + 3, "dGhpcy1pcy1hLTMyLWJ5dGUtZGV2aWNlLWtleS0hISF"));
    /* A fresh salt each time. */
    yz_buf c;
    yz_buf_init(&c);
    cr_assert_eq(
        yz_mqtt_passwd_line(&c, "42", "dGhpcy1pcy1hLTMyLWJ5dGUtZGV2aWNlLWtleS0hISE", 0, &ei),
        YZ_OK);
    cr_assert(memcmp(b.data, c.data, 27));
    /* Other iteration counts are written as given. */
    yz_buf_reset(&c);
    cr_assert_eq(yz_mqtt_passwd_line(&c, "yizhan", "pw", 1000, &ei), YZ_OK);
    yz_buf_putc(&c, '\0');
    cr_assert(!strncmp(c.data, "yizhan:$7$1000$", 15));
    cr_assert(yz_mqtt_passwd_check(c.data + 7, "pw"));
    /* What would break the file's layout. */
    cr_assert_eq(yz_mqtt_passwd_line(&c, "a:b", "pw", 0, &ei), YZ_EINVAL);
    cr_assert_eq(yz_mqtt_passwd_line(&c, "", "pw", 0, &ei), YZ_EINVAL);
    cr_assert_eq(yz_mqtt_passwd_line(&c, "a\nb", "pw", 0, &ei), YZ_EINVAL);
    cr_assert_eq(yz_mqtt_passwd_line(&c, "a", "p\nw", 0, &ei), YZ_EINVAL);
    yz_buf_fini(&b);
    yz_buf_fini(&c);
}

Test(mqtt, acl_text)
{
    yz_buf b;
    yz_buf_init(&b);
    yz_mqtt_acl(&b, "yizhan-svc");
    yz_buf_putc(&b, '\0');
    cr_assert(strstr(b.data, "\npattern write yizhan/v1/devices/%u/readings\n"));
    cr_assert(strstr(b.data, "\nuser yizhan-svc\ntopic read yizhan/v1/devices/+/readings\n"));
    /* The pattern comes before any user line (Mosquitto applies patterns to every user). */
    cr_assert(strstr(b.data, "pattern") < strstr(b.data, "\nuser "));
    yz_buf_fini(&b);
}

/* --- the handler with a fake sink --------------------------------------------------------- */

typedef struct fake {
    int submits;
    int64_t last_id;
    char last_json[256];
    int refusals[YZ_INGEST_REFUSED__COUNT];
    int submit_rc;
} fake;

static int fake_key(void *ctx, int64_t id, char *out, size_t n)
{
    if (id != 17 && id != 18)
        return YZ_ENOTFOUND;
    snprintf(out, n, "%s", id == 17 ? "key-of-seventeen" : "key-of-eighteen");
    return YZ_OK;
}

static int fake_submit(void *ctx, int64_t id, const char *json, size_t len, yz_errinfo *ei)
{
    fake *f = ctx;
    if (f->submit_rc)
        return yz_err_set(ei, f->submit_rc, "values", NULL, NULL);
    f->submits++;
    f->last_id = id;
    snprintf(f->last_json, sizeof f->last_json, "%.*s", (int)len, json);
    return YZ_OK;
}

static void fake_refused(void *ctx, enum yz_ingest_reason r)
{
    ((fake *)ctx)->refusals[r]++;
}

Test(mqtt, handle_counts)
{
    fake f = {0};
    yz_mqtt_sink sink = {&f, fake_key, fake_submit, fake_refused};
    yz_mqtt *m = yz_mqtt_new_detached(&sink);
    const char *t17 = "yizhan/v1/devices/17/readings", *t18 = "yizhan/v1/devices/18/readings";
    const char *json = "{\"seq\":5,\"ts\":1,\"values\":{\"open\":1}}";
    char p[400];
    size_t n = payload(p, sizeof p, t17, "key-of-seventeen", json);
    cr_assert_eq(yz_mqtt_handle(m, t17, p, n), YZ_OK);
    cr_assert_eq(f.submits, 1);
    cr_assert_eq(f.last_id, 17);
    cr_assert_str_eq(f.last_json, json, "the sink gets the JSON without the signature line");
    /* Device 17 writes on 18's topic (ACL bypassed): signature, nothing submitted. */
    cr_assert_neq(yz_mqtt_handle(m, t18, p, n), YZ_OK);
    cr_assert_eq(f.refusals[YZ_INGEST_REFUSED_SIGNATURE], 1);
    /* A topic that is not a device's, an unknown device, a bad layout. */
    cr_assert_neq(yz_mqtt_handle(m, "yizhan/v1/devices/x/readings", p, n), YZ_OK);
    cr_assert_eq(f.refusals[YZ_INGEST_REFUSED_TOPIC], 1);
    cr_assert_neq(yz_mqtt_handle(m, "yizhan/v1/devices/99/readings", p, n), YZ_OK);
    cr_assert_eq(f.refusals[YZ_INGEST_REFUSED_UNKNOWN_DEVICE], 1);
    cr_assert_neq(yz_mqtt_handle(m, t17, json, strlen(json)), YZ_OK);
    cr_assert_neq(yz_mqtt_handle(m, t17, NULL, 0), YZ_OK);
    cr_assert_eq(f.refusals[YZ_INGEST_REFUSED_PAYLOAD], 2);
    /* The ingest refusing (it counts its own reason): counted as refused here, not again. */
    f.submit_rc = YZ_EINVAL;
    cr_assert_eq(yz_mqtt_handle(m, t17, p, n), YZ_EINVAL);
    cr_assert_eq(f.submits, 1);
    int total = 0;
    for (int i = 0; i < YZ_INGEST_REFUSED__COUNT; i++)
        total += f.refusals[i];
    cr_assert_eq(total, 5);
    yz_mqtt_stats s;
    yz_mqtt_get_stats(m, &s);
    cr_assert_eq(s.received, 7);
    cr_assert_eq(s.submitted, 1);
    cr_assert_eq(s.refused, 6);
    cr_assert(!s.connected);
    yz_buf b;
    yz_buf_init(&b);
    yz_mqtt_metrics(m, &b);
    yz_buf_putc(&b, '\0');
    cr_assert(strstr(b.data, "\nyizhan_mqtt_messages_received_total 7\n"));
    cr_assert(strstr(b.data, "\nyizhan_mqtt_messages_total{result=\"refused\"} 6\n"));
    cr_assert(strstr(b.data, "\nyizhan_mqtt_connected 0\n"));
    yz_buf_fini(&b);
    yz_mqtt_stop(m);
}

Test(mqtt, start_checks_url)
{
    fake f = {0};
    yz_mqtt_sink sink = {&f, fake_key, fake_submit, fake_refused};
    static const char *const bad[] = {
        NULL,
        "",
        "tcp://127.0.0.1:1883",
        "mqtt://",
        "mqtt://:1883",
        "mqtt://host:0",
        "mqtt://host:65536",
        "mqtt://host:12x",
        "mqtt://user:pw@host:1883",
        "mqtt://[::1",
        "mqtt://host:1883/extra",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        yz_mqtt_config cfg = {.url = bad[i]};
        yz_mqtt *m = (yz_mqtt *)&f;
        yz_errinfo ei;
        cr_assert_eq(yz_mqtt_start(&cfg, &sink, &m, &ei), YZ_EINVAL, "%s", bad[i]);
        cr_assert_null(m);
        cr_assert_str_eq(ei.field, "mqtt_url");
    }
    /* A broker that is not there is not an error at start, and stop returns while the thread
     * is waiting to reconnect. */
    yz_mqtt_config cfg = {.url = "mqtt://127.0.0.1:1", .client_id = "yizhan-unit"};
    yz_mqtt *m = NULL;
    yz_errinfo ei;
    cr_assert_eq(yz_mqtt_start(&cfg, &sink, &m, &ei), YZ_OK);
    cr_assert_not_null(m);
    yz_mqtt_stop(m);
}
