/* SPDX-License-Identifier: MIT */
/* tests/tools/idle_sockets.c - open many TCP connections to a local server and send nothing
 * on them, as an attacker holding idle sockets would (tests/api/907-idle-sockets.sh).
 *
 *   idle-sockets PORT COUNT ADDRS HOLD_S [STALL]
 *
 * Connects COUNT sockets to 127.0.0.1:PORT, their source addresses taken in turn from
 * 127.0.0.2 .. 127.0.0.(1+ADDRS) (every 127.x address is the loopback, so this simulates
 * several clients). Prints "connected N" once all connects are done, then holds the sockets
 * for HOLD_S seconds or until SIGTERM, and prints "open N" with the number the server had
 * not closed by then. With STALL, every other socket sends the header of a POST whose body
 * never comes (a request begun, stalled) instead of nothing. Bash's /dev/tcp cannot choose a source address, hence C. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
    (void)sig;
    stop = 1;
}

static long arg_long(const char *s, long lo, long hi)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end || v < lo || v > hi) {
        fprintf(stderr, "idle-sockets: bad number %s\n", s);
        exit(2);
    }
    return v;
}

/* Whether the server closed `fd` (EOF or an error pending). */
static int closed(int fd)
{
    struct pollfd p = {fd, POLLIN, 0};
    if (poll(&p, 1, 0) <= 0)
        return 0;
    char c;
    ssize_t n = recv(fd, &c, 1, MSG_DONTWAIT | MSG_PEEK);
    return n <= 0 && !(n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK));
}

int main(int argc, char **argv)
{
    if (argc != 5 && argc != 6) {
        fprintf(stderr, "usage: idle-sockets PORT COUNT ADDRS HOLD_S [STALL]\n");
        return 2;
    }
    int port = (int)arg_long(argv[1], 1, 65535);
    int count = (int)arg_long(argv[2], 1, 100000);
    int addrs = (int)arg_long(argv[3], 1, 250);
    int hold_s = (int)arg_long(argv[4], 0, 3600);
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    signal(SIGTERM, on_term);
    int *fds = calloc((size_t)count, sizeof *fds);
    if (!fds)
        return 1;
    int n = 0;
    for (int i = 0; i < count; i++) {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        if (fd < 0) {
            fprintf(stderr, "idle-sockets: socket: %s (after %d)\n", strerror(errno), n);
            break;
        }
        struct sockaddr_in src = {.sin_family = AF_INET};
        src.sin_addr.s_addr = htonl(0x7f000002u + (uint32_t)(i % addrs));
        struct sockaddr_in dst = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
        dst.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (bind(fd, (struct sockaddr *)&src, sizeof src) != 0 ||
            connect(fd, (struct sockaddr *)&dst, sizeof dst) != 0) {
            close(fd);
            continue;
        }
        if (argc == 6 && i % 2) {
            static const char stall[] = "POST /api/v1/workers HTTP/1.1\r\nHost: localhost\r\n"
                                        "Content-Type: application/json\r\n"
                                        "Content-Length: 1000\r\n\r\n{";
            if (send(fd, stall, sizeof stall - 1, MSG_NOSIGNAL) < 0) {
                close(fd);
                continue;
            }
        }
        fds[n++] = fd;
    }
    printf("connected %d\n", n);
    fflush(stdout);
    time_t end = time(NULL) + hold_s;
    while (!stop && time(NULL) < end) {
        struct timespec ts = {0, 50 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    int open = 0;
    for (int i = 0; i < n; i++) {
        open += !closed(fds[i]);
        close(fds[i]);
    }
    printf("open %d\n", open);
    free(fds);
    return 0;
}
