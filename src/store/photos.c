/* SPDX-License-Identifier: MIT */
/* store/photos.c - photos by content, once for both backends (docs/internals/photos.md). The
 * bytes go where the store's nodes can all read them: files in the photo folder for SQLite
 * (one process), bytea rows for PostgreSQL (several nodes). A file is written to a temporary
 * name, synced and renamed, before the row that names it commits: a crash leaves at worst a
 * file no row names (harmless, and the same bytes again would reuse it), never a row without
 * its file. */
#include "store/photos.h"

#include "core/alloc.h"
#include "core/log.h"
#include "core/time.h"
#include "store/db.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const status_names[] = {"pending", "approved", "rejected"};

const char *yz_photo_status_name(int status)
{
    return status >= 0 && status <= YZ_PHOTO_REJECTED ? status_names[status] : "";
}

int yz_photo_status_parse(const char *s)
{
    for (int i = 0; s && i <= YZ_PHOTO_REJECTED; i++)
        if (strcmp(s, status_names[i]) == 0)
            return i;
    return -1;
}

void yz__photos_close(yz_store *st)
{
    yz_free(st->photo_dir);
    st->photo_dir = NULL;
}

void yz__photos_default_dir(yz_store *st, const char *db_path)
{
    if (!db_path || !*db_path || strcmp(db_path, ":memory:") == 0 ||
        strncmp(db_path, "file:", 5) == 0)
        return;
    const char *slash = strrchr(db_path, '/');
    char d[4096];
    if (slash)
        snprintf(d, sizeof d, "%.*s/photos", (int)(slash - db_path), db_path);
    else
        snprintf(d, sizeof d, "photos");
    yz_free(st->photo_dir);
    st->photo_dir = yz_strdup(d);
}

static int mkdir_p(const char *dir)
{
    if (mkdir(dir, 0755) == 0 || errno == EEXIST)
        return 0;
    if (errno != ENOENT)
        return -1;
    char parent[4096];
    snprintf(parent, sizeof parent, "%s", dir);
    char *s = strrchr(parent, '/');
    if (!s || s == parent)
        return -1;
    *s = '\0';
    if (mkdir_p(parent))
        return -1;
    return mkdir(dir, 0755) == 0 || errno == EEXIST ? 0 : -1;
}

static int io_err(yz_errinfo *ei, const char *what, const char *path)
{
    yz_log_error("photos: %s %s: %s", what, path, strerror(errno));
    return yz_err_set(ei, YZ_EIO, "photo", "无法保存或读取图片文件", "cannot write or read the photo file");
}

int yz_store_set_photo_dir(yz_store *st, const char *dir, yz_errinfo *ei)
{
    if (strcmp(st->ops->name, "sqlite") != 0 || !dir || !*dir)
        return YZ_OK;
    if (mkdir_p(dir))
        return io_err(ei, "mkdir", dir);
    yz_free(st->photo_dir);
    st->photo_dir = yz_strdup(dir);
    return YZ_OK;
}

/* The file of photo `sha` (its thumbnail when `thumb`): <dir>/<2 hex>/<sha>[.thumb].jpg. */
static void file_path(const yz_store *st, const char *sha, bool thumb, char *out, size_t n)
{
    snprintf(out, n, "%s/%.2s/%s%s.jpg", st->photo_dir, sha, sha, thumb ? ".thumb" : "");
}

static int sync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

/* Write `len` bytes to `path` atomically: a temporary file beside it, synced, renamed, and
 * the folder synced. An existing file of that name is the same bytes (the name is their
 * hash): kept. */
static int write_atomic(const char *path, const void *data, size_t len, yz_errinfo *ei)
{
    if (access(path, F_OK) == 0)
        return YZ_OK;
    char dir[4096], tmp[4200];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    *slash = '\0';
    if (mkdir_p(dir))
        return io_err(ei, "mkdir", dir);
    snprintf(tmp, sizeof tmp, "%s/.tmp-XXXXXX", dir);
    int fd = mkstemp(tmp);
    if (fd < 0)
        return io_err(ei, "create", tmp);
    const char *p = data;
    size_t left = len;
    while (left) {
        ssize_t w = write(fd, p, left);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            goto fail;
        p += w;
        left -= (size_t)w;
    }
    if (fchmod(fd, 0644) || fsync(fd))
        goto fail;
    if (close(fd)) {
        fd = -1;
        goto fail;
    }
    fd = -1;
    if (rename(tmp, path))
        goto fail;
    if (sync_dir(dir))
        return io_err(ei, "fsync", dir);
    return YZ_OK;
fail:;
    int e = errno;
    if (fd >= 0)
        close(fd);
    unlink(tmp);
    errno = e;
    return io_err(ei, "write", path);
}

#define PHOTO_COLS                                                                             \
    "SELECT p.id, p.sha256, p.station_id, p.uploader_user_id, p.uploader_worker_id, p.width,"  \
    " p.height, p.bytes, p.thumb_bytes, p.created_at, p.status, p.kind,"                      \
    " COALESCE(s.district_code, '') FROM photos p LEFT JOIN stations s ON s.id = p.station_id"

static void read_row(yz_db_q *q, yz_photo *p)
{
    memset(p, 0, sizeof *p);
    p->id = yz_db_col_i64(q, 0);
    const char *t = yz_db_col_text(q, 1);
    snprintf(p->sha256, sizeof p->sha256, "%s", t ? t : "");
    p->station_id = yz_db_col_i64(q, 2);
    p->uploader_user_id = yz_db_col_i64(q, 3);
    p->uploader_worker_id = yz_db_col_i64(q, 4);
    p->width = yz_db_col_int(q, 5);
    p->height = yz_db_col_int(q, 6);
    p->bytes = yz_db_col_i64(q, 7);
    p->thumb_bytes = yz_db_col_i64(q, 8);
    p->created_at = yz_db_col_i64(q, 9);
    p->status = yz_photo_status_parse(yz_db_col_text(q, 10));
    t = yz_db_col_text(q, 11);
    snprintf(p->kind, sizeof p->kind, "%s", t ? t : "");
    t = yz_db_col_text(q, 12);
    snprintf(p->district, sizeof p->district, "%s", t ? t : "");
}

/* In `tx`: the photo named `sha` (or of id `id`) into *out; *found. */
static int get_in(yz_db_tx *tx, const char *sha, int64_t id, yz_photo *out, bool *found,
                  yz_errinfo *ei)
{
    yz_db_q q;
    yz_db_query(&q, tx, sha ? PHOTO_COLS " WHERE p.sha256 = $1" : PHOTO_COLS " WHERE p.id = $1",
                ei);
    if (sha)
        yz_db_text(&q, sha);
    else
        yz_db_i64(&q, id);
    *found = yz_db_row(&q);
    if (*found)
        read_row(&q, out);
    return yz_db_end(&q);
}

static int not_found(yz_errinfo *ei)
{
    return yz_err_set(ei, YZ_ENOTFOUND, "photo", "没有这张图片", "no such photo");
}

typedef struct put_ctx {
    yz_photo *p;
    const void *jpeg, *thumb;
    size_t jpeg_len, thumb_len;
    bool created;
} put_ctx;

static int put_body(yz_db_tx *tx, void *arg, yz_errinfo *ei)
{
    put_ctx *x = arg;
    yz_photo *p = x->p;
    bool found;
    x->created = false;
    yz_photo old;
    int err = get_in(tx, p->sha256, 0, &old, &found, ei);
    if (err)
        return err;
    if (found) {
        *p = old;
        return YZ_OK;
    }
    if (p->station_id) {
        err = yz__store_station_exists(tx, p->station_id, "station", ei);
        if (err)
            return err;
    }
    yz_db_q q;
    yz_db_query(&q, tx,
                "INSERT INTO photos (sha256, station_id, uploader_user_id, uploader_worker_id,"
                " width, height, bytes, thumb_bytes, created_at, status, kind)"
                " VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,'pending',$10) RETURNING id",
                ei);
    yz_db_text(&q, p->sha256);
    if (p->station_id)
        yz_db_i64(&q, p->station_id);
    else
        yz_db_null(&q);
    if (p->uploader_user_id)
        yz_db_i64(&q, p->uploader_user_id);
    else
        yz_db_null(&q);
    if (p->uploader_worker_id)
        yz_db_i64(&q, p->uploader_worker_id);
    else
        yz_db_null(&q);
    yz_db_i64(&q, p->width);
    yz_db_i64(&q, p->height);
    yz_db_i64(&q, (int64_t)x->jpeg_len);
    yz_db_i64(&q, (int64_t)x->thumb_len);
    yz_db_i64(&q, p->created_at);
    yz_db_text(&q, p->kind);
    p->id = yz_db_row(&q) ? yz_db_col_i64(&q, 0) : 0;
    err = yz_db_end(&q);
    if (err)
        return err;
    if (yz_db_dialect_of(tx) == YZ_DB_PG) {
        yz_db_query(&q, tx, "INSERT INTO photo_blobs (sha256, jpeg, thumb) VALUES ($1,$2,$3)",
                    ei);
        yz_db_text(&q, p->sha256);
        yz_db_blob(&q, x->jpeg, x->jpeg_len);
        yz_db_blob(&q, x->thumb, x->thumb_len);
        err = yz_db_exec(&q, NULL);
        if (err)
            return err;
    }
    /* read back what the store holds (the district of its station) */
    err = get_in(tx, p->sha256, 0, p, &found, ei);
    if (!err && !found)
        err = not_found(ei);
    x->created = !err;
    return err;
}

int yz_store_photo_put(yz_store *st, yz_photo *p, const void *jpeg, size_t jpeg_len,
                       const void *thumb, size_t thumb_len, bool *created, yz_errinfo *ei)
{
    *created = false;
    p->bytes = (int64_t)jpeg_len;
    p->thumb_bytes = (int64_t)thumb_len;
    p->created_at = yz_time_now();
    p->status = YZ_PHOTO_PENDING;
    bool files = strcmp(st->ops->name, "sqlite") == 0;
    if (files) {
        if (!st->photo_dir)
            return yz_err_set(ei, YZ_EIO, "photo", "未设置图片目录（--photo-dir）",
                              "no photo folder is set (--photo-dir)");
        char path[4400];
        file_path(st, p->sha256, false, path, sizeof path);
        int err = write_atomic(path, jpeg, jpeg_len, ei);
        if (!err) {
            file_path(st, p->sha256, true, path, sizeof path);
            err = write_atomic(path, thumb, thumb_len, ei);
        }
        if (err)
            return err;
    }
    put_ctx x = {p, jpeg, thumb, jpeg_len, thumb_len, false};
    int err = yz_db_run(st, YZ_DB_WRITE, put_body, &x, ei);
    *created = !err && x.created;
    return err;
}

typedef struct get_ctx {
    const char *sha;
    int64_t id;
    yz_photo *out;
    bool found;
} get_ctx;

static int get_body(yz_db_tx *tx, void *arg, yz_errinfo *ei)
{
    get_ctx *x = arg;
    return get_in(tx, x->sha, x->id, x->out, &x->found, ei);
}

int yz_store_photo_get(yz_store *st, const char *sha256, int64_t id, yz_photo *out,
                       yz_errinfo *ei)
{
    get_ctx x = {sha256, id, out, false};
    int err = yz_db_run(st, YZ_DB_READ1, get_body, &x, ei);
    if (!err && !x.found)
        err = not_found(ei);
    return err;
}

static int unhex(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

typedef struct read_ctx {
    const char *sha;
    bool thumb, found;
    yz_buf *out;
    size_t at; /* out->len before the body ran */
} read_ctx;

/* PostgreSQL's bytea, in the driver's text results, comes as "\x" and hex digits. */
static int read_body(yz_db_tx *tx, void *arg, yz_errinfo *ei)
{
    read_ctx *x = arg;
    x->out->len = x->at;
    yz_db_q q;
    yz_db_query(&q, tx,
                x->thumb ? "SELECT thumb FROM photo_blobs WHERE sha256 = $1"
                         : "SELECT jpeg FROM photo_blobs WHERE sha256 = $1",
                ei);
    yz_db_text(&q, x->sha);
    x->found = yz_db_row(&q);
    if (x->found) {
        const char *t = yz_db_col_text(&q, 0);
        size_t n = t ? strlen(t) : 0;
        if (n >= 2 && t[0] == '\\' && t[1] == 'x') {
            yz_buf_reserve(x->out, (n - 2) / 2);
            for (size_t i = 2; i + 1 < n; i += 2) {
                int hi = unhex(t[i]), lo = unhex(t[i + 1]);
                if (hi < 0 || lo < 0)
                    break;
                char c = (char)(hi << 4 | lo);
                yz_buf_append(x->out, &c, 1);
            }
        }
    }
    return yz_db_end(&q);
}

int yz_store_photo_read(yz_store *st, const char *sha256, bool thumb, yz_buf *out,
                        yz_errinfo *ei)
{
    if (strcmp(st->ops->name, "sqlite") != 0) {
        read_ctx x = {sha256, thumb, false, out, out->len};
        int err = yz_db_run(st, YZ_DB_READ1, read_body, &x, ei);
        if (!err && !x.found)
            err = not_found(ei);
        return err;
    }
    if (!st->photo_dir)
        return not_found(ei);
    char path[4400];
    file_path(st, sha256, thumb, path, sizeof path);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? not_found(ei) : io_err(ei, "open", path);
    struct stat sb;
    if (fstat(fd, &sb) == 0 && sb.st_size > 0)
        yz_buf_reserve(out, (size_t)sb.st_size);
    char chunk[65536];
    for (;;) {
        ssize_t r = read(fd, chunk, sizeof chunk);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            int err = io_err(ei, "read", path);
            close(fd);
            return err;
        }
        if (r == 0)
            break;
        yz_buf_append(out, chunk, (size_t)r);
    }
    close(fd);
    return YZ_OK;
}

typedef struct status_ctx {
    int64_t id, by;
    int status;
    yz_photo before, after;
    bool found;
} status_ctx;

static int status_body(yz_db_tx *tx, void *arg, yz_errinfo *ei)
{
    status_ctx *x = arg;
    int err = get_in(tx, NULL, x->id, &x->before, &x->found, ei);
    if (err || !x->found)
        return err;
    yz_db_q q;
    yz_db_query(&q, tx,
                "UPDATE photos SET status = $1, status_at = $2, status_by = $3 WHERE id = $4", ei);
    yz_db_text(&q, yz_photo_status_name(x->status));
    yz_db_i64(&q, yz_time_now());
    if (x->by > 0)
        yz_db_i64(&q, x->by);
    else
        yz_db_null(&q);
    yz_db_i64(&q, x->id);
    err = yz_db_exec(&q, NULL);
    if (err)
        return err;
    return get_in(tx, NULL, x->id, &x->after, &x->found, ei);
}

int yz_store_photo_set_status(yz_store *st, int64_t id, int status, int64_t by,
                              yz_photo *before, yz_photo *after, yz_errinfo *ei)
{
    if (status < 0 || status > YZ_PHOTO_REJECTED)
        return yz_err_set(ei, YZ_EINVAL, "status", "状态须为 pending、approved 或 rejected",
                          "status must be pending, approved or rejected");
    status_ctx x = {.id = id, .by = by, .status = status};
    int err = yz_db_run(st, YZ_DB_WRITE, status_body, &x, ei);
    if (!err && !x.found)
        err = not_found(ei);
    if (!err && before)
        *before = x.before;
    if (!err && after)
        *after = x.after;
    return err;
}

typedef struct list_ctx {
    int64_t station_id;
    int status, limit;
    yz_photo *v;
    size_t n;
} list_ctx;

static int list_body(yz_db_tx *tx, void *arg, yz_errinfo *ei)
{
    list_ctx *x = arg;
    yz_free(x->v);
    x->v = NULL;
    x->n = 0;
    size_t cap = 0;
    yz_db_q q;
    yz_db_query(&q, tx,
                PHOTO_COLS " WHERE p.station_id = $1 AND p.status = $2 ORDER BY p.id DESC LIMIT $3",
                ei);
    yz_db_i64(&q, x->station_id);
    yz_db_text(&q, yz_photo_status_name(x->status));
    yz_db_i64(&q, x->limit);
    while (yz_db_row(&q)) {
        x->v = yz_db_grow(x->v, x->n, &cap, sizeof *x->v);
        read_row(&q, &x->v[x->n++]);
    }
    return yz_db_end(&q);
}

int yz_store_photo_list(yz_store *st, int64_t station_id, int status, int limit, yz_photo **out,
                        size_t *n, yz_errinfo *ei)
{
    list_ctx x = {station_id, status, limit < 1 ? 1 : limit > 200 ? 200 : limit, NULL, 0};
    int err = yz_db_run(st, YZ_DB_READ1, list_body, &x, ei);
    if (err) {
        yz_free(x.v);
        x.v = NULL;
        x.n = 0;
    }
    *out = x.v;
    *n = x.n;
    return err;
}

typedef struct count_ctx {
    int64_t worker_id, since, n;
} count_ctx;

static int count_body(yz_db_tx *tx, void *ctx, yz_errinfo *ei)
{
    count_ctx *x = ctx;
    yz_db_q q;
    yz_db_query(&q, tx,
                "SELECT COUNT(*) FROM photos WHERE uploader_worker_id = $1 AND created_at >= $2",
                ei);
    yz_db_i64(&q, x->worker_id);
    yz_db_i64(&q, x->since);
    if (yz_db_row(&q))
        x->n = yz_db_col_i64(&q, 0);
    return yz_db_end(&q);
}

int yz_store_photo_count_by_worker(yz_store *st, int64_t worker_id, int64_t since, int64_t *n,
                                   yz_errinfo *ei)
{
    count_ctx x = {worker_id, since, 0};
    int err = yz_db_run(st, YZ_DB_READ1, count_body, &x, ei);
    *n = err ? 0 : x.n;
    return err;
}
