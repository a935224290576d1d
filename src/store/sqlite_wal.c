/* SPDX-License-Identifier: MIT */
/* store/sqlite_wal.c - a damaged write-ahead log is never dropped silently. Before the store's
 * first connection opens the database, the WAL left by a crash is read as SQLite's recovery
 * will read it (the "WAL file format" of SQLite's file format page: a 32-byte header, frames
 * of a 24-byte header and a page, checksums running through the header and every frame, the
 * header's salts repeated in each frame). Recovery keeps the frames up to the last commit
 * before the first frame that fails its checksum and silently drops the rest; when frames of
 * the log's current generation follow that frame, committed (acknowledged) transactions were
 * among them. Then the damaged WAL is copied next to the database, before recovery rewrites
 * it, and the store reports itself degraded (docs/internals/store.md, "A damaged WAL"). */
#include "store/sqlite_int.h"

#include "core/alloc.h"
#include "core/log.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define WAL_HDR 32
#define FRAME_HDR 24
#define WAL_MAGIC 0x377f0682u /* | 1: checksums in big-endian words */
#define WAL_VERSION 3007000u

/* SQLite's unix VFS holds a read lock on this byte of the -shm file while a connection uses
 * the database ("dead man switch", UNIX_SHM_DMS in os_unix.c: (22 + 8) * 4 + 8). */
#define SHM_DMS_BYTE 128

static uint32_t get32be(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint32_t get32(const uint8_t *p, bool big)
{
    return big ? get32be(p) : (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 |
                                   (uint32_t)p[1] << 8 | p[0];
}

/* SQLite's WAL checksum: s0 += x[i] + s1; s1 += x[i+1] + s0, over 32-bit words, continued from
 * `s` (n is a multiple of 8). */
static void cksum(const uint8_t *p, size_t n, bool big, uint32_t s[2])
{
    for (size_t i = 0; i + 8 <= n; i += 8) {
        s[0] += get32(p + i, big) + s[1];
        s[1] += get32(p + i + 4, big) + s[0];
    }
}

static bool read_at(int fd, uint8_t *buf, size_t n, off_t at)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = pread(fd, buf + got, n - got, at + (off_t)got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            if (r == 0)
                errno = 0; /* the file ended early */
            return false;
        }
        got += (size_t)r;
    }
    return true;
}

static int read_err(yz_errinfo *ei, const char *wal_path)
{
    return yz_err_setf(ei, YZ_EDB, "db", "无法读取预写日志 %s：%s", "cannot read the WAL %s: %s",
                       wal_path, errno ? strerror(errno) : "short read");
}

int yz__sq_wal_scan(const char *wal_path, yz__sq_wal_report *out, yz_errinfo *ei)
{
    memset(out, 0, sizeof *out);
    uint8_t *frame = NULL;
    int err = YZ_OK;
    int fd = open(wal_path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT)
            return YZ_OK; /* no WAL: the last connection closed cleanly */
        return read_err(ei, wal_path);
    }
    struct stat sb;
    uint8_t hdr[WAL_HDR];
    if (fstat(fd, &sb) != 0 || sb.st_size < WAL_HDR || !read_at(fd, hdr, WAL_HDR, 0))
        goto done; /* shorter than its header: holds nothing, and SQLite reads it as empty */
    out->file_bytes = (int64_t)sb.st_size;
    uint32_t magic = get32be(hdr), psize = get32be(hdr + 8);
    bool big = magic & 1;
    bool psize_ok = psize >= 512 && psize <= 65536 && (psize & (psize - 1)) == 0;
    int64_t fsize = psize_ok ? FRAME_HDR + (int64_t)psize : 0;
    out->page_size = psize_ok ? psize : 0;
    out->frames = psize_ok ? (sb.st_size - WAL_HDR) / fsize : 0;
    uint32_t s[2] = {0, 0};
    bool hdr_ok = (magic & ~1u) == WAL_MAGIC && get32be(hdr + 4) == WAL_VERSION && psize_ok;
    if (hdr_ok) {
        cksum(hdr, 24, big, s);
        hdr_ok = s[0] == get32be(hdr + 24) && s[1] == get32be(hdr + 28);
    }
    if (!hdr_ok) {
        /* SQLite ignores a WAL whose header fails: every frame in it is dropped. */
        out->header_bad = true;
        out->damaged = sb.st_size > WAL_HDR;
        out->frames_dropped = out->frames;
        out->bytes_dropped = sb.st_size - WAL_HDR;
        goto done;
    }
    frame = yz_malloc((size_t)fsize);
    int64_t first_bad = -1, last_current = -1;
    for (int64_t i = 0; i < out->frames; i++) {
        if (!read_at(fd, frame, (size_t)fsize, WAL_HDR + i * fsize)) {
            err = read_err(ei, wal_path);
            goto done;
        }
        bool current = memcmp(frame + 8, hdr + 16, 8) == 0; /* the header's salts */
        bool commit = get32be(frame + 4) != 0;
        if (first_bad < 0) {
            cksum(frame, 8, big, s);
            cksum(frame + FRAME_HDR, psize, big, s);
            bool ok = current && get32be(frame) != 0 && s[0] == get32be(frame + 16) &&
                      s[1] == get32be(frame + 20);
            if (ok) {
                if (commit)
                    out->frames_kept = i + 1;
                continue;
            }
            first_bad = i;
        }
        if (current) {
            last_current = i;
            out->commits_dropped += commit;
        }
    }
    /* Frames of this generation after the first bad one: not a write the crash cut short (the
     * log is appended in order), but damage. Stale frames of an earlier generation (other
     * salts) past the end are normal: a checkpoint had copied them and the log restarted. */
    if (first_bad >= 0 && last_current > first_bad) {
        out->damaged = true;
        out->frames_dropped = last_current + 1 - out->frames_kept;
        out->bytes_dropped = out->frames_dropped * fsize;
    }
done:
    yz_free(frame);
    close(fd);
    return err;
}

/* Does a process have the database open? Its connections hold a read lock on the -shm file's
 * dead-man-switch byte. Called only while this process has no connection to the file (closing
 * `fd` would drop this process's own locks on it). */
static bool shm_in_use(const char *shm_path)
{
    int fd = open(shm_path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = SHM_DMS_BYTE, .l_len = 1};
    bool used = fcntl(fd, F_GETLK, &fl) == 0 && fl.l_type != F_UNLCK;
    close(fd);
    return used;
}

static int sync_dir_of(const char *path)
{
    char *p = yz_strdup(path);
    char *slash = strrchr(p, '/');
    if (!slash) {
        yz_free(p);
        p = yz_strdup(".");
    } else if (slash == p) {
        p[1] = '\0';
    } else {
        *slash = '\0';
    }
    int fd = open(p, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
    yz_free(p);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

/* Copy `src` to a new file `dst` (never replacing one), on disk when it returns 0. */
static int copy_file(const char *src, const char *dst)
{
    int in = open(src, O_RDONLY | O_CLOEXEC);
    if (in < 0)
        return -1;
    int out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (out < 0) {
        close(in);
        return -1;
    }
    char buf[65536];
    int rc = 0;
    for (;;) {
        ssize_t r = read(in, buf, sizeof buf);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            rc = -1;
            break;
        }
        if (r == 0)
            break;
        for (ssize_t w = 0; w < r;) {
            ssize_t n = write(out, buf + w, (size_t)(r - w));
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0) {
                rc = -1;
                break;
            }
            w += n;
        }
        if (rc)
            break;
    }
    int saved = errno;
    if (!rc && fsync(out) != 0)
        rc = -1;
    if (close(out) != 0)
        rc = -1;
    close(in);
    if (rc) {
        unlink(dst);
        errno = saved;
        return -1;
    }
    return sync_dir_of(dst);
}

/* --- SQLite's log ------------------------------------------------------------------------------- */

static atomic_llong recovered_frames = -1; /* the last "recovered N frames" notice, or -1 */
static atomic_int open_stores;              /* SQLite stores this process holds open */

/* SQLite's error log (SQLITE_CONFIG_LOG): recovery notices and the errors that mean damage or
 * failing storage go to our log; the rest (every constraint failure, for one) would be noise. */
static void sqlite_log(void *ctx, int code, const char *msg)
{
    (void)ctx;
    if (code == SQLITE_NOTICE_RECOVER_WAL) {
        const char *p = strstr(msg, "recovered ");
        if (p) {
            p += strlen("recovered ");
            p += strspn(p, "(");
            char *end = NULL;
            long long n = strtoll(p, &end, 10);
            if (end != p)
                atomic_store(&recovered_frames, n);
        }
        yz_log_info("sqlite: %s", msg);
        return;
    }
    switch (code & 0xff) {
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
    case SQLITE_IOERR: yz_log_error("sqlite (%d): %s", code, msg); break;
    case SQLITE_NOTICE: yz_log_info("sqlite: %s", msg); break;
    default: break;
    }
}

static void configure_once(void)
{
    /* Must come before sqlite3_initialize; a process that used SQLite before (a unit test)
     * gets SQLITE_MISUSE and goes on without the notices. */
    sqlite3_config(SQLITE_CONFIG_LOG, sqlite_log, NULL);
    /* No memory statistics (nothing reads them, and no soft heap limit is set): with them on,
     * every allocation SQLite makes takes one process-wide mutex, shared by every thread's
     * connection (2% of a bulk load's writer thread, in pthread_mutex_lock and unlock). */
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    sqlite3_initialize();
}

void yz__sq_log_init(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, configure_once);
}

/* --- at open ------------------------------------------------------------------------------------ */

int yz__sq_wal_check(sq_store *s, yz_errinfo *ei)
{
    yz__sq_log_init();
    atomic_store(&recovered_frames, -1);
    s->wal_checked = false;
    /* Only the first process to open the database recovers its WAL; while another one has
     * it open the log is live (being appended to), not a crash's leftover. */
    s->counted_open = true;
    if (atomic_fetch_add(&open_stores, 1) > 0 || !*s->path || !strcmp(s->path, ":memory:") ||
        !strncmp(s->path, "file:", 5))
        return YZ_OK;
    size_t n = strlen(s->path) + 64;
    char *wal = yz_malloc(n), *shm = yz_malloc(n), *kept = yz_malloc(n);
    snprintf(wal, n, "%s-wal", s->path);
    snprintf(shm, n, "%s-shm", s->path);
    int err = YZ_OK;
    if (shm_in_use(shm))
        goto out;
    yz__sq_wal_report *r = &s->wal;
    err = yz__sq_wal_scan(wal, r, ei);
    if (err)
        goto out;
    s->wal_checked = true;
    if (!r->damaged)
        goto out;
    /* Keep the evidence before SQLite's recovery and the next checkpoint rewrite the file. */
    char stamp[32];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
    int rc = -1;
    for (int k = 0; k < 10 && rc; k++) {
        if (k)
            snprintf(kept, n, "%s.damaged-%s-%d", wal, stamp, k);
        else
            snprintf(kept, n, "%s.damaged-%s", wal, stamp);
        rc = copy_file(wal, kept);
        if (rc && errno != EEXIST)
            break;
    }
    if (rc) {
        /* Refuse to start rather than let recovery destroy the only copy of the lost frames. */
        err = yz_err_setf(ei, YZ_EDB, "db",
                          "预写日志 %s 已损坏（%lld 帧将被丢弃），且无法保存其副本 %s：%s；"
                          "为保留该文件，服务未启动",
                          "the WAL %s is damaged (%lld frames would be dropped) and no copy of it"
                          " could be kept as %s: %s; not starting, so that the file stays as it is",
                          wal, (long long)r->frames_dropped, kept, strerror(errno));
        goto out;
    }
    s->wal_kept = yz_strdup(kept);
out:
    yz_free(wal);
    yz_free(shm);
    yz_free(kept);
    return err;
}

/* The name of a copy of a damaged WAL kept by an earlier start (the first found), or NULL:
 * the store stays degraded until the operator has dealt with it and moved it away. Owned. */
static char *earlier_copy(const char *db_path)
{
    const char *slash = strrchr(db_path, '/');
    const char *base = slash ? slash + 1 : db_path;
    char *dir = slash ? yz_strndup(db_path, (size_t)(slash - db_path) + (slash == db_path))
                      : yz_strdup(".");
    size_t n = strlen(base) + 16;
    char *prefix = yz_malloc(n);
    snprintf(prefix, n, "%s-wal.damaged-", base);
    char *found = NULL;
    DIR *d = opendir(dir);
    for (struct dirent *e = d ? readdir(d) : NULL; e && !found; e = readdir(d))
        if (!strncmp(e->d_name, prefix, strlen(prefix)))
            found = yz_strdup(e->d_name);
    if (d)
        closedir(d);
    yz_free(prefix);
    yz_free(dir);
    return found;
}

void yz__sq_wal_report_after_open(sq_store *s)
{
    const yz__sq_wal_report *r = &s->wal;
    long long recovered = atomic_load(&recovered_frames);
    yz_store_health *h = &s->base.health;
    if (!s->wal_checked)
        return;
    if (!r->damaged) {
        /* SQLite names what it kept; it must match what the scan found. */
        if (recovered >= 0 && recovered != r->frames_kept)
            yz_log_warn("store: SQLite recovered %lld frames of the WAL, the scan expected %lld",
                        recovered, (long long)r->frames_kept);
        char *earlier = earlier_copy(s->path);
        if (!earlier)
            return;
        yz_log_error("store: a damaged WAL of %s was found at an earlier start and is kept as %s"
                     " (acknowledged writes were lost then). Restore the latest `yizhan backup`"
                     " or accept the loss, then move that file away: until then the store"
                     " reports itself degraded (docs/internals/store.md, \"A damaged WAL\")",
                     s->path, earlier);
        h->degraded = true;
        snprintf(h->reason, sizeof h->reason,
                 "启动时发现以前损坏的预写日志（WAL）副本 %s：当时已确认的写入已丢失。"
                 "请从最近的备份恢复或接受损失，然后移走该文件",
                 earlier);
        snprintf(h->reason_en, sizeof h->reason_en,
                 "a copy of a damaged write-ahead log (WAL) from an earlier start is kept as %s:"
                 " acknowledged writes were lost then. Restore the latest backup or accept the"
                 " loss, then move that file away",
                 earlier);
        yz_free(earlier);
        return;
    }
    /* Recovery has dropped the damaged frames; write what it kept into the database and empty
     * the WAL, so that the damaged leftovers past its end cannot be read as damage again after
     * the next crash (the copy holds them). */
    if (sqlite3_wal_checkpoint_v2(s->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL) !=
        SQLITE_OK)
        yz_log_warn("store: checkpoint after the damaged WAL: %s", sqlite3_errmsg(s->db));
    const char *base = strrchr(s->wal_kept, '/');
    base = base ? base + 1 : s->wal_kept;
    yz_log_error("store: the WAL of %s was damaged: recovery dropped %lld frames (%lld bytes, "
                 "%lld commits%s) after the first %lld of %lld%s; "
                 "the damaged WAL is kept as %s. The server runs on what was recovered. Stop it, "
                 "keep the database and that copy, and restore the latest `yizhan backup` "
                 "(docs/internals/store.md, \"A damaged WAL\")",
                 s->path, (long long)r->frames_dropped, (long long)r->bytes_dropped,
                 (long long)r->commits_dropped,
                 r->commits_dropped ? ": acknowledged writes are lost" : "",
                 (long long)r->frames_kept, (long long)r->frames,
                 r->header_bad ? " (its header fails its checksum)" : "", s->wal_kept);
    if (recovered >= 0 && recovered != r->frames_kept)
        yz_log_warn("store: SQLite recovered %lld frames of the WAL, the scan expected %lld",
                    recovered, (long long)r->frames_kept);
    h->degraded = true;
    h->wal_frames_dropped = r->frames_dropped;
    h->wal_bytes_dropped = r->bytes_dropped;
    snprintf(h->reason, sizeof h->reason,
             "预写日志（WAL）损坏：启动时丢弃了 %lld 帧（%lld 字节），已确认的写入已丢失；"
             "损坏的文件保存为 %s。请停止服务并从最近的备份恢复",
             (long long)r->frames_dropped, (long long)r->bytes_dropped, base);
    snprintf(h->reason_en, sizeof h->reason_en,
             "the write-ahead log (WAL) was damaged: %lld frames (%lld bytes) were dropped at "
             "start and acknowledged writes are lost; the damaged file is kept as %s. Stop the "
             "server and restore the latest backup",
             (long long)r->frames_dropped, (long long)r->bytes_dropped, base);
}

void yz__sq_wal_close(sq_store *s)
{
    if (s->counted_open)
        atomic_fetch_sub(&open_stores, 1);
    yz_free(s->wal_kept);
}
