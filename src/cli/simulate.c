/* SPDX-License-Identifier: MIT */
/* cli/simulate.c - `yizhan simulate`: the demo's devices (yizhan demo --devices) publish
 * signed readings through the MQTT broker as real devices would (docs/internals/mqtt.md): one
 * connection per device, logged in as the device (username its id, password its key), QoS 1,
 * on its own topic. The values come from the day model (demo/sim.h), stepped a simulated
 * minute at a time, `--speed` times faster than the wall clock; the readings' ts is the wall
 * clock (the server refuses anything five minutes off). docs/internals/simulate.md. */
#include "cli/cli.h"

#include "core/alloc.h"
#include "demo/sim.h"
#include "model/device.h"
#include "model/hours.h"
#include "mqtt/mqtt.h"
#include "store/devices.h"

#include <getopt.h>
#include <mosquitto.h>
#include <poll.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_DB "var/yizhan.db"

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
    (void)sig;
    stop_flag = 1;
}

static int usage_error(const char *what)
{
    fprintf(
        stderr,
        "%s\nusage: yizhan simulate [--db PATH] [--mqtt-url mqtt://HOST:PORT] [--speed X]\n"
        "                       [--seconds N] [--seed N] [--start HH:MM] [--month M] [--print]\n",
        what);
    return 2;
}

static double wall_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* "mqtt://host[:port]" into host and *port. */
static bool parse_url(const char *url, char *host, size_t cap, int *port)
{
    static const char scheme[] = "mqtt://";
    if (strncmp(url, scheme, sizeof scheme - 1))
        return false;
    const char *h = url + sizeof scheme - 1, *colon = strrchr(h, ':');
    if (*h == '[') { /* [v6]:port */
        const char *end = strchr(h, ']');
        if (!end)
            return false;
        colon = end[1] == ':' ? end + 1 : NULL;
        h++;
        if ((size_t)(end - h) + 1 > cap)
            return false;
        memcpy(host, h, (size_t)(end - h));
        host[end - h] = '\0';
    } else {
        size_t n = colon ? (size_t)(colon - h) : strlen(h);
        if (!n || n + 1 > cap)
            return false;
        memcpy(host, h, n);
        host[n] = '\0';
    }
    *port = 1883;
    if (colon) {
        char *e;
        long p = strtol(colon + 1, &e, 10);
        if (*e || p < 1 || p > 65535)
            return false;
        *port = (int)p;
    }
    return true;
}

typedef struct sim_client {
    struct mosquitto *m;
    int64_t seq;     /* the last seq sent */
    double retry_at; /* wall seconds of the next reconnection attempt */
    char key[48];
} sim_client;

static long acked;
static size_t connected;

static void on_connect(struct mosquitto *m, void *obj, int rc)
{
    (void)m;
    (void)obj;
    connected += rc == 0;
}

static void on_disconnect(struct mosquitto *m, void *obj, int rc)
{
    (void)m;
    (void)obj;
    (void)rc;
    if (connected)
        connected--;
}

static void on_publish(struct mosquitto *m, void *obj, int mid)
{
    (void)m;
    (void)obj;
    (void)mid;
    acked++;
}

/* Keep every connection going: read, write, ping; reconnect a lost one every 2 s. One poll()
 * over all the sockets rather than mosquitto_loop's select(), which cannot watch descriptors
 * above FD_SETSIZE (1024: a few hundred clients with their socket pairs pass it). */
static void drive(sim_client *c, size_t n, struct pollfd *pf, int timeout_ms)
{
    double now = wall_s();
    size_t *who = (size_t *)(pf + n);
    nfds_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (!c[i].m)
            continue;
        int fd = mosquitto_socket(c[i].m);
        if (fd < 0) {
            if (now >= c[i].retry_at) {
                c[i].retry_at = now + 2;
                (void)mosquitto_reconnect(c[i].m);
            }
            continue;
        }
        pf[k].fd = fd;
        pf[k].events = (short)(POLLIN | (mosquitto_want_write(c[i].m) ? POLLOUT : 0));
        pf[k].revents = 0;
        who[k++] = i;
    }
    if (k && poll(pf, k, timeout_ms) < 0)
        return;
    for (nfds_t j = 0; j < k; j++) {
        struct mosquitto *m = c[who[j]].m;
        if (pf[j].revents & (POLLIN | POLLHUP | POLLERR))
            (void)mosquitto_loop_read(m, 1);
        if (mosquitto_socket(m) >= 0 && (pf[j].revents & POLLOUT))
            (void)mosquitto_loop_write(m, 1);
        (void)mosquitto_loop_misc(m);
    }
}

int yz__cli_simulate(int argc, char **argv)
{
    static const struct option opts[] = {{"db", required_argument, 0, 'd'},
                                         {"mqtt-url", required_argument, 0, 'u'},
                                         {"speed", required_argument, 0, 'x'},
                                         {"seconds", required_argument, 0, 'n'},
                                         {"seed", required_argument, 0, 's'},
                                         {"start", required_argument, 0, 't'},
                                         {"month", required_argument, 0, 'm'},
                                         {"print", no_argument, 0, 'p'},
                                         {0, 0, 0, 0}};
    const char *db = DEFAULT_DB, *url = "mqtt://127.0.0.1:1883";
    double speed = 1, seconds = 0;
    unsigned long long seed = 1;
    int start_min = -1, month = 0, c;
    bool print = false;
    char *e;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'u': url = optarg; break;
        case 'x':
            speed = strtod(optarg, &e);
            if (*e || !(speed >= 0.01 && speed <= 86400))
                return usage_error("--speed: 0.01..86400");
            break;
        case 'n':
            seconds = strtod(optarg, &e);
            if (*e || !(seconds >= 0))
                return usage_error("--seconds: ≥ 0 (0: until stopped)");
            break;
        case 's':
            seed = strtoull(optarg, &e, 10);
            if (*e)
                return usage_error("--seed: an integer");
            break;
        case 't': {
            int h, mi;
            char tail;
            if (sscanf(optarg, "%d:%d%c", &h, &mi, &tail) != 2 || h < 0 || h > 23 || mi < 0 ||
                mi > 59)
                return usage_error("--start: HH:MM");
            start_min = h * 60 + mi;
            break;
        }
        case 'm':
            month = (int)strtol(optarg, &e, 10);
            if (*e || month < 1 || month > 12)
                return usage_error("--month: 1..12");
            break;
        case 'p': print = true; break;
        default: return usage_error("未知选项 / unknown option");
        }
    }
    if (optind != argc)
        return usage_error("多余的参数 / unexpected arguments");
    char host[256];
    int port = 0;
    if (!print && !parse_url(url, host, sizeof host, &port))
        return usage_error("--mqtt-url: mqtt://HOST[:PORT]");

    yz_store *st = NULL;
    yz_errinfo ei;
    yz_err_clear(&ei);
    if (yz_store_open(db, &st, &ei))
        return yz__cli_fail(&ei);
    yz_device *dev = NULL;
    yz_station *s = NULL;
    size_t nd = 0, ns = 0;
    int rc = 0;
    if (yz_store_device_list(st, 0, &dev, &nd, &ei) || yz_store_load_stations(st, &s, &ns, &ei)) {
        rc = yz__cli_fail(&ei);
        goto out_store;
    }
    yz_hours **hours = yz_calloc(ns ? ns : 1, sizeof *hours);
    yz_sim_device *sd = yz_calloc(nd ? nd : 1, sizeof *sd);
    sim_client *cl = yz_calloc(nd ? nd : 1, sizeof *cl);
    /* drive()'s poll set, then its map back to clients */
    struct pollfd *pf = yz_calloc(nd ? nd : 1, sizeof *pf + sizeof(size_t));
    size_t n = 0, n_ac = 0;
    for (size_t i = 0; i < ns; i++)
        if (s[i].opening_hours && yz_hours_parse(s[i].opening_hours, &hours[i], NULL))
            hours[i] = NULL;
    for (size_t i = 0; i < nd; i++) {
        if (dev[i].disabled)
            continue;
        size_t j = 0;
        while (j < ns && s[j].id != dev[i].station_id)
            j++;
        if (j == ns)
            continue;
        yz_sim_device *d = &sd[n];
        d->id = dev[i].id;
        d->kind = dev[i].kind;
        d->hours = hours[j] && !yz_hours_is_247(hours[j]) ? hours[j] : NULL;
        d->seats = s[j].seats > 0 ? s[j].seats : 10;
        n_ac += d->kind == YZ_DEV_AIR_CONDITIONER;
        memcpy(cl[n].key, dev[i].key, sizeof cl[n].key);
        n++;
    }
    if (!n) {
        fprintf(stderr, "yizhan: 没有设备，请先运行 yizhan demo --devices\n"
                        "yizhan: no devices: run yizhan demo --devices first\n");
        rc = 1;
        goto out;
    }
    /* The one flaky air conditioner: chosen by the seed among them. */
    size_t flaky = n_ac ? (size_t)(seed % n_ac) : 0, k = 0;
    for (size_t i = 0; i < n; i++) {
        if (sd[i].kind == YZ_DEV_AIR_CONDITIONER)
            sd[i].flaky = k++ == flaky;
        yz_sim_device_init(&sd[i], seed);
    }

    double w0 = wall_s();
    int64_t sim0 = (int64_t)w0;
    if (start_min >= 0) { /* today (local) at HH:MM */
        int64_t local = sim0 + YZ_SIM_TZ_OFFSET_MIN * 60;
        sim0 = local - local % 86400 + start_min * 60 - YZ_SIM_TZ_OFFSET_MIN * 60;
    }
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    if (!print) {
        mosquitto_lib_init();
        size_t up = 0;
        for (size_t i = 0; i < n; i++) {
            char user[24];
            snprintf(user, sizeof user, "%lld", (long long)sd[i].id);
            cl[i].m = mosquitto_new(NULL, true, NULL);
            if (!cl[i].m)
                continue;
            mosquitto_int_option(cl[i].m, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V311);
            mosquitto_username_pw_set(cl[i].m, user, cl[i].key);
            mosquitto_publish_callback_set(cl[i].m, on_publish);
            mosquitto_connect_callback_set(cl[i].m, on_connect);
            mosquitto_disconnect_callback_set(cl[i].m, on_disconnect);
            up += mosquitto_connect(cl[i].m, host, port, 60) == MOSQ_ERR_SUCCESS;
        }
        /* The broker's answers (CONNACK) before the first message, for up to 5 s. */
        for (double until = wall_s() + 5; connected < up && wall_s() < until && !stop_flag;) {
            drive(cl, n, pf, 10);
        }
        fprintf(stderr, "simulate: %zu devices, %zu connected to %s:%d, speed %g\n", n, connected,
                host, port, speed);
    }
    long published = 0;
    char values[128], json[256], topic[64], payload[400];
    for (int64_t step = 0; !stop_flag; step++) {
        double due = w0 + (double)step * YZ_SIM_STEP_S / speed;
        if (seconds > 0 && due - w0 > seconds)
            break;
        while (!stop_flag && wall_s() < due) {
            if (print)
                usleep(1000);
            else
                drive(cl, n, pf, 5);
        }
        if (stop_flag)
            break;
        int64_t t = sim0 + step * YZ_SIM_STEP_S;
        int mon = month;
        if (!mon) {
            time_t lt = (time_t)(t + YZ_SIM_TZ_OFFSET_MIN * 60);
            struct tm tmv;
            gmtime_r(&lt, &tmv);
            mon = tmv.tm_mon + 1;
        }
        double now = wall_s();
        int64_t now_ms = (int64_t)(now * 1000);
        for (size_t i = 0; i < n; i++) {
            if (!yz_sim_step(&sd[i], t, mon, values, sizeof values))
                continue;
            /* seq: the wall clock in ms, so a restarted simulator never repeats one. */
            cl[i].seq = now_ms > cl[i].seq ? now_ms : cl[i].seq + 1;
            int jl = snprintf(json, sizeof json, "{\"seq\":%lld,\"ts\":%lld,\"values\":%s}",
                              (long long)cl[i].seq, (long long)now_ms, values);
            snprintf(topic, sizeof topic, "yizhan/v1/devices/%lld/readings", (long long)sd[i].id);
            if (print) {
                printf("%s %s\n", topic, json);
                published++;
                continue;
            }
            char sig[YZ_MQTT_SIG_LEN + 1];
            yz_mqtt_sign(topic, cl[i].key, strlen(cl[i].key), json, (size_t)jl, sig);
            int pl = snprintf(payload, sizeof payload, "%s\n%s", sig, json);
            if (cl[i].m &&
                mosquitto_publish(cl[i].m, NULL, topic, pl, payload, 1, false) == MOSQ_ERR_SUCCESS)
                published++;
        }
        if (print)
            fflush(stdout);
    }
    if (!print) {
        /* Let what is in flight be acknowledged (up to 5 s), then leave. */
        double until = wall_s() + 5;
        while (acked < published && wall_s() < until) {
            drive(cl, n, pf, 5);
        }
        for (size_t i = 0; i < n; i++)
            if (cl[i].m) {
                mosquitto_disconnect(cl[i].m);
                mosquitto_destroy(cl[i].m);
            }
        mosquitto_lib_cleanup();
        fprintf(stderr, "simulate: %ld messages published, %ld acknowledged\n", published, acked);
    }
out:
    sodium_memzero(cl, (nd ? nd : 1) * sizeof *cl);
    sodium_memzero(dev, nd * sizeof *dev);
    for (size_t i = 0; i < ns; i++)
        yz_hours_free(hours[i]);
    yz_free(hours);
    yz_free(sd);
    yz_free(cl);
    yz_free(pf);
out_store:
    yz_free(dev);
    yz_station_array_free(s, ns);
    yz_store_close(st);
    return rc;
}
