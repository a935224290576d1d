/* SPDX-License-Identifier: MIT */
/* bench/bench_mqtt_pub.c - the publisher of bench_mqtt.sh: signed door readings
 * (docs/internals/mqtt.md) for the devices listed on stdin ("<id> <key>" lines), `--messages`
 * messages of `--batch` readings each, round-robin over the devices, QoS 1, as fast as the
 * broker acknowledges them (up to 1000 in flight a client), from `--clients` connections at
 * once (each its own thread; client c sends messages c, c + N, ...), paced to `--rate` messages
 * a second in all when given. Prints the seconds it
 * took until the last PUBACK and the messages acknowledged. Seqs start at `--seq0` so that
 * runs do not collide. */
#include <mosquitto.h>
#include <openssl/hmac.h>
#include <pthread.h>
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

static int port = 1883, batch = 1, nd = 0;
static long messages = 1000, seq0 = 1;
static const char *user = "bench", *pw = "";
static long ids[1000];
static char keys[1000][64];
static long long ts;
static double rate; /* messages a second over all clients, 0: as fast as acknowledged */

typedef struct worker {
    int c, n; /* this client, of n */
    int failed;
} worker;

static void *run(void *arg)
{
    worker *w = arg;
    struct mosquitto *m = mosquitto_new(NULL, true, NULL);
    mosquitto_int_option(m, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V311);
    mosquitto_max_inflight_messages_set(m, 1000);
    mosquitto_username_pw_set(m, user, pw);
    mosquitto_publish_callback_set(m, on_publish);
    if (mosquitto_connect(m, "127.0.0.1", port, 60) != MOSQ_ERR_SUCCESS) {
        fprintf(stderr, "bench_mqtt_pub: cannot connect\n");
        w->failed = 1;
        mosquitto_destroy(m);
        return NULL;
    }
    mosquitto_loop_start(m);
    char *json = malloc(16384), *payload = malloc(16500), *msg = malloc(16600), topic[80];
    double t0 = now_s();
    long sent = 0;
    for (long i = w->c; i < messages; i += w->n) {
        if (rate > 0) /* paced: this client's share of the rate */
            while (now_s() < t0 + (double)sent * w->n / rate)
                usleep(200);
        sent++;
        int d = (int)(i % nd);
        long seq = seq0 + (i / nd) * batch;
        size_t n = 0;
        if (batch > 1)
            n += (size_t)snprintf(json + n, 16384 - n, "{\"readings\":[");
        for (int r = 0; r < batch; r++)
            n += (size_t)snprintf(json + n, 16384 - n,
                                  "%s{\"seq\":%ld,\"ts\":%lld,\"values\":{\"open\":%d}}",
                                  r ? "," : "", seq + r, ts, (int)((seq + r) & 1));
        if (batch > 1)
            n += (size_t)snprintf(json + n, 16384 - n, "]}");
        snprintf(topic, sizeof topic, "yizhan/v1/devices/%ld/readings", ids[d]);
        int ml = snprintf(msg, 16600, "MQTT\n%s\n%s", topic, json);
        unsigned char mac[32];
        unsigned int ml2 = 0;
        HMAC(EVP_sha256(), keys[d], (int)strlen(keys[d]), (unsigned char *)msg, (size_t)ml, mac,
             &ml2);
        int pl = 0;
        for (int k = 0; k < 32; k++)
            pl += snprintf(payload + pl, 16500 - (size_t)pl, "%02x", mac[k]);
        pl += snprintf(payload + pl, 16500 - (size_t)pl, "\n%s", json);
        while (mosquitto_publish(m, NULL, topic, pl, payload, 1, false) != MOSQ_ERR_SUCCESS)
            usleep(1000);
    }
    /* Every message of every client acknowledged: the last client to finish waits for all. */
    while (atomic_load(&acked) < messages)
        usleep(1000);
    mosquitto_disconnect(m);
    mosquitto_loop_stop(m, false);
    mosquitto_destroy(m);
    free(json);
    free(payload);
    free(msg);
    return NULL;
}

int main(int argc, char **argv)
{
    int clients = 1;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--port"))
            port = (int)strtol(argv[i + 1], NULL, 10);
        else if (!strcmp(argv[i], "--messages"))
            messages = strtol(argv[i + 1], NULL, 10);
        else if (!strcmp(argv[i], "--batch"))
            batch = (int)strtol(argv[i + 1], NULL, 10);
        else if (!strcmp(argv[i], "--clients"))
            clients = (int)strtol(argv[i + 1], NULL, 10);
        else if (!strcmp(argv[i], "--rate"))
            rate = strtod(argv[i + 1], NULL);
        else if (!strcmp(argv[i], "--seq0"))
            seq0 = strtol(argv[i + 1], NULL, 10);
        else if (!strcmp(argv[i], "--user"))
            user = argv[i + 1];
        else if (!strcmp(argv[i], "--password"))
            pw = argv[i + 1];
    }
    if (batch < 1 || batch > 100 || messages < 1 || clients < 1 || clients > 64) {
        fprintf(stderr, "bench_mqtt_pub: --batch 1..100, --messages >= 1, --clients 1..64\n");
        return 2;
    }
    while (nd < 1000 && scanf("%ld %63s", &ids[nd], keys[nd]) == 2)
        nd++;
    if (!nd) {
        fprintf(stderr, "bench_mqtt_pub: no devices on stdin\n");
        return 2;
    }
    mosquitto_lib_init();
    struct timespec wall;
    clock_gettime(CLOCK_REALTIME, &wall);
    ts = (long long)wall.tv_sec * 1000 + wall.tv_nsec / 1000000;
    worker w[64];
    pthread_t th[64];
    double t0 = now_s();
    for (int c = 0; c < clients; c++) {
        w[c] = (worker){.c = c, .n = clients};
        pthread_create(&th[c], NULL, run, &w[c]);
    }
    int failed = 0;
    for (int c = 0; c < clients; c++) {
        pthread_join(th[c], NULL);
        failed |= w[c].failed;
    }
    printf("%.3f %ld\n", now_s() - t0, atomic_load(&acked));
    mosquitto_lib_cleanup();
    return failed;
}
