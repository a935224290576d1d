/* SPDX-License-Identifier: MIT */
/* bench/bare_mhd.c - the peer of the HTTP benchmark: a bare libmicrohttpd server with the same
 * daemon flags and thread pool as yizhan's, answering every request with a fixed JSON body of
 * about the size of a nearby answer's first station. It measures what the HTTP layer alone
 * costs, so `nearby` can be stated as a fraction of it.
 * Usage: bare_mhd PORT THREADS */
#include <microhttpd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char body[] = "{\"stations\":[{\"id\":1,\"code\":\"WZ0001\",\"name\":\"bench\","
                           "\"lat\":28.0,\"lon\":120.6,\"distance_m\":12.5}],\"count\":1}\n";

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
        MHD_create_response_from_buffer(sizeof body - 1, (void *)body, MHD_RESPMEM_PERSISTENT);
    MHD_add_response_header(r, "Content-Type", "application/json; charset=utf-8");
    enum MHD_Result ret = MHD_queue_response(c, 200, r);
    MHD_destroy_response(r);
    return ret;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: bare_mhd PORT THREADS\n");
        return 2;
    }
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    struct MHD_Daemon *d = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_TURBO,
        (uint16_t)strtol(argv[1], NULL, 10), NULL, NULL, handler, NULL,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned)strtol(argv[2], NULL, 10),
        MHD_OPTION_CONNECTION_TIMEOUT, 30u, MHD_OPTION_CONNECTION_LIMIT, 4096u,
        MHD_OPTION_END);
    if (!d)
        return 1;
    int sig;
    sigwait(&sigs, &sig);
    MHD_stop_daemon(d);
    return 0;
}
