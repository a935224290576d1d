/* SPDX-License-Identifier: MIT */
/* bench/bare_mhd.c - the peer of the HTTP benchmark: a bare libmicrohttpd server with the same
 * daemon flags, options and thread pool as yizhan's (src/http/server.c yz_http_listen: keep
 * them equal), answering every request with a fixed body read from BODY_FILE and the headers
 * yizhan sends with a nearby answer (the benchmark gives it a real nearby answer, so both
 * servers send the same bytes). It measures what the HTTP layer alone costs, so `nearby` can
 * be stated as a fraction of it.
 * Usage: bare_mhd PORT THREADS [BODY_FILE]   (PORT 0: any free port, printed on stdout) */
#include <microhttpd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char *body = "{\"stations\":[],\"count\":0}\n";
static size_t body_len = 27;

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url,
                               const char *method, const char *version, const char *upload,
                               size_t *upload_size, void **req_cls)
{
    static int marker;
    if (!*req_cls) { /* answer on the second call, as yizhan does */
        *req_cls = &marker;
        return MHD_YES;
    }
    struct MHD_Response *r =
        MHD_create_response_from_buffer(body_len, body, MHD_RESPMEM_PERSISTENT);
    MHD_add_response_header(r, "Content-Type", "application/json; charset=utf-8");
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    if (body_len >= 1024) /* as yizhan marks every answer it may gzip: the same bytes */
        MHD_add_response_header(r, "Vary", "Accept-Encoding");
    enum MHD_Result ret = MHD_queue_response(c, 200, r);
    MHD_destroy_response(r);
    return ret;
}

int main(int argc, char **argv)
{
    if (argc != 3 && argc != 4) {
        fprintf(stderr, "usage: bare_mhd PORT THREADS [BODY_FILE]\n");
        return 2;
    }
    if (argc == 4) {
        FILE *f = fopen(argv[3], "rb");
        if (!f)
            return 1;
        static char buf[1 << 20];
        body_len = fread(buf, 1, sizeof buf, f);
        fclose(f);
        body = buf;
    }
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    /* yizhan's flags and limits (its defaults on a machine with a high descriptor limit: 16,384
     * connections, 256 from one address, a 10 s header timeout), without its callbacks. */
    struct MHD_Daemon *d = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG | MHD_USE_TURBO |
            MHD_USE_ITC | MHD_ALLOW_SUSPEND_RESUME,
        (uint16_t)strtol(argv[1], NULL, 10), NULL, NULL, handler, NULL,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned)strtol(argv[2], NULL, 10),
        MHD_OPTION_CONNECTION_TIMEOUT, 10u, MHD_OPTION_CONNECTION_LIMIT, 16384u,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, 256u, MHD_OPTION_LISTENING_ADDRESS_REUSE, 1u,
        MHD_OPTION_END);
    if (!d)
        return 1;
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    printf("%u\n", info ? info->port : 0u);
    fflush(stdout);
    int sig;
    sigwait(&sigs, &sig);
    MHD_stop_daemon(d);
    return 0;
}
