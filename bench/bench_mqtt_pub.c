/* SPDX-License-Identifier: MIT */
/* bench/bench_mqtt_pub.c - the publisher of bench_mqtt.sh: signed door readings
 * (docs/internals/mqtt.md) for the devices listed on stdin ("<id> <key>" lines), `--messages`
 * messages of `--batch` readings each, round-robin over the devices, QoS 1, as fast as the
 * broker acknowledges them (up to 1000 in flight). Prints the seconds it took until the last
 * PUBACK. Seqs start at `--seq0` so that runs do not collide. */
#include <mosquitto.h>
#include <openssl/hmac.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static atomic_long acked;

static void on_publish(struct mosquitto *m, void *obj, int mid)
{
    atomic_fetch_add(&acked, 1);
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    int port = 1883, batch = 1;
    long messages = 1000, seq0 = 1;
    const char *user = "bench", *pw = "";
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--port"))
            port = (int)strtol(argv[i + 1], NULL, 10);
        else if (!strcmp(argv[i], "--messages"))
            messages = strtol(argv[i + 1], NULL, 10);
        else if (!strcmp(argv[i], "--batch"))
            batch = (int)strtol(argv[i + 1], NULL, 10);
        else if (!strcmp(argv[i], "--seq0"))
            seq0 = strtol(argv[i + 1], NULL, 10);
        else if (!strcmp(argv[i], "--user"))
            user = argv[i + 1];
        else if (!strcmp(argv[i], "--password"))
            pw = argv[i + 1];
    }
    if (batch < 1 || batch > 100 || messages < 1) {
        fprintf(stderr, "bench_mqtt_pub: --batch 1..100, --messages >= 1\n");
        return 2;
    }
    long ids[1000];
    char keys[1000][64];
    int nd = 0;
    while (nd < 1000 && scanf("%ld %63s", &ids[nd], keys[nd]) == 2)
        nd++;
    if (!nd) {
        fprintf(stderr, "bench_mqtt_pub: no devices on stdin\n");
        return 2;
    }
    mosquitto_lib_init();
    struct mosquitto *m = mosquitto_new(NULL, true, NULL);
    mosquitto_int_option(m, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V311);
    mosquitto_max_inflight_messages_set(m, 1000);
    mosquitto_username_pw_set(m, user, pw);
    mosquitto_publish_callback_set(m, on_publish);
    if (mosquitto_connect(m, "127.0.0.1", port, 60) != MOSQ_ERR_SUCCESS) {
        fprintf(stderr, "bench_mqtt_pub: cannot connect\n");
        return 1;
    }
    mosquitto_loop_start(m);
    struct timespec wall;
    clock_gettime(CLOCK_REALTIME, &wall);
    long long ts = (long long)wall.tv_sec * 1000 + wall.tv_nsec / 1000000;
    static char json[16384], payload[16500], topic[80], msg[16600];
    double t0 = now_s();
    for (long i = 0; i < messages; i++) {
        int d = (int)(i % nd);
        long seq = seq0 + (i / nd) * batch;
        size_t n = 0;
        if (batch > 1)
            n += (size_t)snprintf(json + n, sizeof json - n, "{\"readings\":[");
        for (int r = 0; r < batch; r++)
            n += (size_t)snprintf(json + n, sizeof json - n,
                                  "%s{\"seq\":%ld,\"ts\":%lld,\"values\":{\"open\":%d}}",
                                  r ? "," : "", seq + r, ts, (int)((seq + r) & 1));
        if (batch > 1)
            n += (size_t)snprintf(json + n, sizeof json - n, "]}");
        snprintf(topic, sizeof topic, "yizhan/v1/devices/%ld/readings", ids[d]);
        int ml = snprintf(msg, sizeof msg, "MQTT\n%s\n%s", topic, json);
        unsigned char mac[32];
        unsigned int ml2 = 0;
        HMAC(EVP_sha256(), keys[d], (int)strlen(keys[d]), (unsigned char *)msg, (size_t)ml, mac,
             &ml2);
        int pl = 0;
        for (int k = 0; k < 32; k++)
            pl += snprintf(payload + pl, sizeof payload - (size_t)pl, "%02x", mac[k]);
        pl += snprintf(payload + pl, sizeof payload - (size_t)pl, "\n%s", json);
        while (mosquitto_publish(m, NULL, topic, pl, payload, 1, false) != MOSQ_ERR_SUCCESS)
            usleep(1000);
    }
    while (atomic_load(&acked) < messages)
        usleep(1000);
    printf("%.3f\n", now_s() - t0);
    mosquitto_disconnect(m);
    mosquitto_loop_stop(m, false);
    mosquitto_destroy(m);
    mosquitto_lib_cleanup();
    return 0;
}
