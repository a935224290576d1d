/* SPDX-License-Identifier: MIT */
/* bench/bench_ingest.c - HTTP clients posting signed device readings (docs/internals/live.md):
 * each thread holds one keep-alive connection and its share of the devices, and posts batches
 * of `batch` readings, each request signed (HMAC-SHA256 with the device's key, a timestamp and
 * a fresh nonce). Prints the readings acknowledged (stored, durable) a second and the requests'
 * latency. bench_ingest.sh starts the server and measures its CPU.
 * Usage: bench_ingest PORT DEVICES_TSV SECONDS THREADS BATCH
 *        (DEVICES_TSV: lines "id<TAB>key") */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

typedef struct device {
    long id;
    char key[64];
    long long seq;
} device;

static device *devs;
static int n_devs, port, seconds, n_threads, batch;
static _Atomic long long acked, failed, requests;
static _Atomic long long lat_sum_us, lat_max_us;

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int connect_to(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        perror("connect");
        exit(1);
    }
    return fd;
}

static int write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Read one HTTP response; returns its status, fills body (NUL-terminated). */
static int read_response(int fd, char *buf, size_t cap, char **body)
{
    size_t len = 0;
    for (;;) {
        ssize_t r = read(fd, buf + len, cap - 1 - len);
        if (r <= 0)
            return -1;
        len += (size_t)r;
        buf[len] = '\0';
        char *end = strstr(buf, "\r\n\r\n");
        if (!end)
            continue;
        char *cl = strcasestr(buf, "Content-Length:");
        size_t want = cl ? (size_t)strtol(cl + 15, NULL, 10) : 0;
        size_t have = len - (size_t)(end + 4 - buf);
        while (have < want) {
            r = read(fd, buf + len, cap - 1 - len);
            if (r <= 0)
                return -1;
            len += (size_t)r;
            have += (size_t)r;
        }
        buf[len] = '\0';
        *body = end + 4;
        return (int)strtol(buf + 9, NULL, 10);
    }
}

static void *client(void *arg)
{
    long t = (long)arg;
    int fd = connect_to();
    char *body = malloc(1 << 16), *req = malloc(1 << 17), *resp = malloc(1 << 16);
    double end = now_s() + seconds;
    long k = 0;
    while (now_s() < end) {
        /* this thread's devices: t, t + n_threads, ... */
        long di = t + (k++ % ((n_devs - t + n_threads - 1) / n_threads)) * n_threads;
        if (di >= n_devs)
            di = t;
        device *d = &devs[di];
        struct timespec rt;
        clock_gettime(CLOCK_REALTIME, &rt);
        long long ms = (long long)rt.tv_sec * 1000 + rt.tv_nsec / 1000000;
        size_t bl = (size_t)snprintf(body, 1 << 16, "{\"readings\":[");
        for (int i = 0; i < batch; i++) {
            long long seq = ++d->seq;
            bl += (size_t)snprintf(body + bl, (1 << 16) - bl,
                                   "%s{\"seq\":%lld,\"ts\":%lld,\"values\":{\"charged\":%lld,"
                                   "\"slots\":12}}",
                                   i ? "," : "", seq, ms, seq % 13);
        }
        bl += (size_t)snprintf(body + bl, (1 << 16) - bl, "]}");
        char nonce[40], head[200], hex[65];
        unsigned char mac[32];
        snprintf(nonce, sizeof nonce, "bench-%ld-%ld-%08x", t, k, randombytes_random());
        int hn = snprintf(head, sizeof head, "POST\n/api/v1/devices/%ld/readings\n%lld\n%s\n",
                          d->id, (long long)rt.tv_sec, nonce);
        crypto_auth_hmacsha256_state st;
        crypto_auth_hmacsha256_init(&st, (const unsigned char *)d->key, strlen(d->key));
        crypto_auth_hmacsha256_update(&st, (const unsigned char *)head, (size_t)hn);
        crypto_auth_hmacsha256_update(&st, (const unsigned char *)body, bl);
        crypto_auth_hmacsha256_final(&st, mac);
        sodium_bin2hex(hex, sizeof hex, mac, sizeof mac);
        int rl = snprintf(req, 1 << 17,
                          "POST /api/v1/devices/%ld/readings HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                          "Content-Type: application/json\r\nContent-Length: %zu\r\n"
                          "X-Yizhan-Timestamp: %lld\r\nX-Yizhan-Nonce: %s\r\n"
                          "X-Yizhan-Signature: %s\r\n\r\n",
                          d->id, bl, (long long)rt.tv_sec, nonce, hex);
        memcpy(req + rl, body, bl);
        double t0 = now_s();
        char *rb = NULL;
        int status = write_all(fd, req, (size_t)rl + bl) ? -1 : read_response(fd, resp, 1 << 16, &rb);
        long long us = (long long)((now_s() - t0) * 1e6);
        atomic_fetch_add(&requests, 1);
        atomic_fetch_add(&lat_sum_us, us);
        long long mx = atomic_load(&lat_max_us);
        while (us > mx && !atomic_compare_exchange_weak(&lat_max_us, &mx, us))
            ;
        if (status == 200 && rb && strstr(rb, "\"stored\":")) {
            atomic_fetch_add(&acked, strtol(strstr(rb, "\"stored\":") + 9, NULL, 10));
        } else {
            atomic_fetch_add(&failed, 1);
            if (status < 0) {
                close(fd);
                fd = connect_to();
            } else if (atomic_load(&failed) < 5) {
                fprintf(stderr, "status %d: %s\n", status, rb ? rb : "");
            }
        }
    }
    close(fd);
    free(body);
    free(req);
    free(resp);
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc != 6 || sodium_init() < 0) {
        fprintf(stderr, "usage: bench_ingest PORT DEVICES_TSV SECONDS THREADS BATCH\n");
        return 2;
    }
    port = (int)strtol(argv[1], NULL, 10);
    seconds = (int)strtol(argv[3], NULL, 10);
    n_threads = (int)strtol(argv[4], NULL, 10);
    batch = (int)strtol(argv[5], NULL, 10);
    FILE *f = fopen(argv[2], "r");
    if (!f) {
        perror(argv[2]);
        return 1;
    }
    devs = calloc(100000, sizeof *devs);
    while (n_devs < 100000 && fscanf(f, "%ld %63s", &devs[n_devs].id, devs[n_devs].key) == 2)
        n_devs++;
    fclose(f);
    if (n_devs < n_threads || batch < 1 || batch > 100) {
        fprintf(stderr, "need at least THREADS devices and BATCH 1..100\n");
        return 2;
    }
    pthread_t th[256];
    double t0 = now_s();
    for (long t = 0; t < n_threads && t < 256; t++)
        pthread_create(&th[t], NULL, client, (void *)t);
    for (long t = 0; t < n_threads && t < 256; t++)
        pthread_join(th[t], NULL);
    double dt = now_s() - t0;
    long long r = atomic_load(&requests);
    printf("acked_readings %lld\nrequests %lld\nfailed %lld\nseconds %.2f\nreadings_per_s %.0f\n"
           "latency_mean_ms %.2f\nlatency_max_ms %.2f\n",
           atomic_load(&acked), r, atomic_load(&failed), dt, (double)atomic_load(&acked) / dt,
           r ? (double)atomic_load(&lat_sum_us) / (double)r / 1000 : 0,
           (double)atomic_load(&lat_max_us) / 1000);
    free(devs);
    return 0;
}
