/* SPDX-License-Identifier: MIT */
/* bench/bench_live_probe.c - how soon a reading is visible (bench_mqtt.sh, part b): a battery
 * cabinet (`--device ID --key KEY`) publishes a new charged count through the broker (one
 * connection kept open, QoS 1, signed as docs/internals/mqtt.md says), and nearby at
 * `--lat/--lon` (k=1) is fetched over one keep-alive HTTP connection to `--http-port`, every
 * 2 ms, until its first row's live.batteries_charged.value is that count. Prints the
 * milliseconds from the publish to the answer that showed it, one line a sample (`--samples`).
 * A C program rather than curl in a loop: on a loaded machine a process per poll costs more
 * than what is measured. */
#include <arpa/inet.h>
#include <mosquitto.h>
#include <netinet/in.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int http_connect(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a)) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}

/* GET `path` on *fd (reconnecting once if the server closed it); the body into buf. */
static int http_get(int *fd, int port, const char *path, char *buf, size_t cap)
{
    for (int attempt = 0; attempt < 2; attempt++) {
        if (*fd < 0 && (*fd = http_connect(port)) < 0)
            return -1;
        char req[512];
        int rl = snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", path);
        if (write(*fd, req, (size_t)rl) != rl)
            goto retry;
        size_t n = 0;
        long want = -1;
        char *body = NULL;
        for (;;) {
            ssize_t r = read(*fd, buf + n, cap - 1 - n);
            if (r <= 0)
                goto retry;
            n += (size_t)r;
            buf[n] = '\0';
            if (!body && (body = strstr(buf, "\r\n\r\n"))) {
                body += 4;
                char *cl = strcasestr(buf, "Content-Length:");
                want = cl ? strtol(cl + 15, NULL, 10) : -1;
            }
            if (body && want >= 0 && (long)(n - (size_t)(body - buf)) >= want) {
                memmove(buf, body, (size_t)want);
                buf[want] = '\0';
                return 0;
            }
            if (n + 1 >= cap)
                return -1;
        }
    retry:
        close(*fd);
        *fd = -1;
    }
    return -1;
}

static long long wall_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

int main(int argc, char **argv)
{
    int port = 1883, http_port = 8080, samples = 100;
    long device = 0, seq = 1;
    const char *key = "", *user = "", *pw = "", *lat = "0", *lon = "0";
    for (int i = 1; i + 1 < argc; i += 2) {
        const char *o = argv[i], *v = argv[i + 1];
        if (!strcmp(o, "--port"))
            port = (int)strtol(v, NULL, 10);
        else if (!strcmp(o, "--http-port"))
            http_port = (int)strtol(v, NULL, 10);
        else if (!strcmp(o, "--samples"))
            samples = (int)strtol(v, NULL, 10);
        else if (!strcmp(o, "--device"))
            device = strtol(v, NULL, 10);
        else if (!strcmp(o, "--seq0"))
            seq = strtol(v, NULL, 10);
        else if (!strcmp(o, "--key"))
            key = v;
        else if (!strcmp(o, "--user"))
            user = v;
        else if (!strcmp(o, "--password"))
            pw = v;
        else if (!strcmp(o, "--lat"))
            lat = v;
        else if (!strcmp(o, "--lon"))
            lon = v;
    }
    mosquitto_lib_init();
    struct mosquitto *m = mosquitto_new(NULL, true, NULL);
    mosquitto_int_option(m, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V311);
    mosquitto_username_pw_set(m, user, pw);
    if (mosquitto_connect(m, "127.0.0.1", port, 60) != MOSQ_ERR_SUCCESS) {
        fprintf(stderr, "bench_live_probe: cannot connect to the broker\n");
        return 1;
    }
    mosquitto_loop_start(m);
    char topic[80], json[256], msg[400], payload[400], path[256];
    static char body[1 << 20];
    snprintf(topic, sizeof topic, "yizhan/v1/devices/%ld/readings", device);
    snprintf(path, sizeof path, "/api/v1/stations/nearby?lat=%s&lon=%s&k=1", lat, lon);
    int fd = -1, rc = 0;
    for (int s = 0; s < samples && !rc; s++, seq++) {
        int want = 1 + (int)(seq % 11);
        int jl = snprintf(json, sizeof json,
                          "{\"seq\":%ld,\"ts\":%lld,\"values\":{\"charged\":%d,\"slots\":12}}", seq,
                          wall_ms(), want);
        int ml = snprintf(msg, sizeof msg, "MQTT\n%s\n%s", topic, json);
        unsigned char mac[32];
        unsigned int maclen = 0;
        HMAC(EVP_sha256(), key, (int)strlen(key), (unsigned char *)msg, (size_t)ml, mac, &maclen);
        int pl = 0;
        for (int k = 0; k < 32; k++)
            pl += snprintf(payload + pl, sizeof payload - (size_t)pl, "%02x", mac[k]);
        pl += snprintf(payload + pl, sizeof payload - (size_t)pl, "\n%.*s", jl, json);
        char expect[80];
        snprintf(expect, sizeof expect, "\"batteries_charged\":{\"value\":%d,", want);
        double t0 = now_s();
        if (mosquitto_publish(m, NULL, topic, pl, payload, 1, false) != MOSQ_ERR_SUCCESS) {
            rc = 1;
            break;
        }
        for (;;) {
            if (http_get(&fd, http_port, path, body, sizeof body) == 0 && strstr(body, expect))
                break;
            if (now_s() - t0 > 10) {
                fprintf(stderr, "bench_live_probe: charged=%d not visible after 10 s\n", want);
                rc = 1;
                break;
            }
            usleep(2000);
        }
        if (!rc)
            printf("%.1f\n", (now_s() - t0) * 1000);
        fflush(stdout);
        usleep(20000); /* apart from the previous sample's publication */
    }
    if (fd >= 0)
        close(fd);
    mosquitto_disconnect(m);
    mosquitto_loop_stop(m, false);
    mosquitto_destroy(m);
    mosquitto_lib_cleanup();
    return rc;
}
