/* SPDX-License-Identifier: MIT */
/* http/static.c - the web app's files from memory. The build (scripts/web.sh) writes a few
 * dozen small files, most of them with a gzip twin; reading them all at start-up costs a few
 * hundred KiB and makes serving a table lookup: no file system access, no path to sanitise
 * beyond refusing ".." (a request can only name a file that was loaded). Names under
 * assets/ carry a content hash, so they are cached for a year; everything else is
 * revalidated with its ETag on every use (index.html, sw.js, the outline). */
#include "http/static.h"

#include "core/alloc.h"
#include "core/log.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#define MAX_FILES 256
#define MAX_TOTAL (16u * 1024 * 1024)

typedef struct sfile {
    char *rel;         /* path below the root, '/'-separated, no leading '/' */
    char *data;        /* file bytes */
    size_t len;        /* bytes */
    char *gz;          /* the `rel.gz` twin's bytes, or NULL */
    size_t gz_len;     /* bytes */
    char etag[24];     /* "\"<16 hex>\"" of data */
    const char *ctype; /* static string */
    int immutable;     /* under assets/: hashed names */
} sfile;

struct yz_static {
    char *root;
    sfile files[MAX_FILES];
    int n;
    size_t total; /* bytes loaded */
};

static const struct {
    const char *ext;
    const char *ctype;
} types[] = {
    {".html", "text/html; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".mjs", "text/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".json", "application/json; charset=utf-8"},
    {".geojson", "application/geo+json"},
    {".webmanifest", "application/manifest+json"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".ico", "image/x-icon"},
    {".txt", "text/plain; charset=utf-8"},
    {".woff2", "font/woff2"},
};

static const char *ctype_of(const char *name)
{
    const char *dot = strrchr(name, '.');
    if (dot)
        for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
            if (strcasecmp(dot, types[i].ext) == 0)
                return types[i].ctype;
    return "application/octet-stream";
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* Read a whole file. Returns owned bytes (NUL-terminated) and *len, or NULL. */
static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *data = NULL;
    struct stat sb;
    if (fstat(fileno(f), &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size <= (off_t)MAX_TOTAL) {
        data = yz_malloc((size_t)sb.st_size + 1);
        if (fread(data, 1, (size_t)sb.st_size, f) != (size_t)sb.st_size) {
            yz_free(data);
            data = NULL;
        } else {
            data[sb.st_size] = '\0';
            *len = (size_t)sb.st_size;
        }
    }
    fclose(f);
    return data;
}

static void etag_of(const char *p, size_t n, char out[24])
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a 64 */
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)p[i];
        h *= 1099511628211ull;
    }
    snprintf(out, 24, "\"%016llx\"", (unsigned long long)h);
}

/* Add the files under root/rel (rel "" for the root itself). Returns 0, or -1 when over the
 * limits. `.gz` files are collected in a second pass (attach_gz). */
static int walk(yz_static *st, const char *rel, int depth)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s%s%s", st->root, *rel ? "/" : "", rel);
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    int rc = 0;
    struct dirent *e;
    while (rc == 0 && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char sub[2048], full[4096 + 256];
        snprintf(sub, sizeof sub, "%s%s%s", rel, *rel ? "/" : "", e->d_name);
        snprintf(full, sizeof full, "%s/%s", st->root, sub);
        struct stat sb;
        if (stat(full, &sb) != 0)
            continue;
        if (S_ISDIR(sb.st_mode)) {
            if (depth < 4)
                rc = walk(st, sub, depth + 1);
            continue;
        }
        if (!S_ISREG(sb.st_mode) || ends_with(sub, ".gz"))
            continue;
        if (st->n >= MAX_FILES || st->total + (size_t)sb.st_size > MAX_TOTAL) {
            rc = -1;
            break;
        }
        size_t len = 0;
        char *data = slurp(full, &len);
        if (!data)
            continue;
        sfile *f = &st->files[st->n++];
        f->rel = yz_strdup(sub);
        f->data = data;
        f->len = len;
        f->ctype = ctype_of(sub);
        f->immutable = strncmp(sub, "assets/", 7) == 0;
        etag_of(data, len, f->etag);
        st->total += len;
    }
    closedir(d);
    return rc;
}

static void attach_gz(yz_static *st)
{
    for (int i = 0; i < st->n; i++) {
        sfile *f = &st->files[i];
        char full[4096 + 256];
        snprintf(full, sizeof full, "%s/%s.gz", st->root, f->rel);
        size_t len = 0;
        char *gz = slurp(full, &len);
        /* A twin no smaller than the file is no use (and may be stale): drop it. */
        if (gz && len < f->len && st->total + len <= MAX_TOTAL) {
            f->gz = gz;
            f->gz_len = len;
            st->total += len;
        } else {
            yz_free(gz);
        }
    }
}

int yz_static_new(const char *root, yz_static **out, yz_errinfo *ei)
{
    *out = NULL;
    char index[4096];
    snprintf(index, sizeof index, "%s/index.html", root);
    struct stat sb;
    if (stat(index, &sb) != 0 || !S_ISREG(sb.st_mode))
        return yz_err_setf(ei, YZ_ENOTFOUND, "web_root", "网页目录 %s 中没有 index.html",
                           "no index.html in the web root %s", root);
    yz_static *st = yz_calloc(1, sizeof *st);
    st->root = yz_strdup(root);
    size_t n = strlen(st->root);
    while (n > 1 && st->root[n - 1] == '/')
        st->root[--n] = '\0';
    if (walk(st, "", 0) != 0) {
        yz_static_free(st);
        return yz_err_setf(ei, YZ_EINVAL, "web_root", "网页目录 %s 文件过多或过大",
                           "the web root %s holds too many files or bytes", root);
    }
    attach_gz(st);
    *out = st;
    return YZ_OK;
}

void yz_static_free(yz_static *st)
{
    if (!st)
        return;
    for (int i = 0; i < st->n; i++) {
        yz_free(st->files[i].rel);
        yz_free(st->files[i].data);
        yz_free(st->files[i].gz);
    }
    yz_free(st->root);
    yz_free(st);
}

/* A request path is acceptable if no segment is "." or "..", and it holds no backslash. */
static int path_ok(const char *rel)
{
    if (strchr(rel, '\\'))
        return 0;
    const char *p = rel;
    while (*p) {
        const char *e = strchr(p, '/');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if ((n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
            return 0;
        p += n;
        while (*p == '/')
            p++;
    }
    return 1;
}

static const sfile *find(const yz_static *st, const char *rel)
{
    for (int i = 0; i < st->n; i++)
        if (strcmp(st->files[i].rel, rel) == 0)
            return &st->files[i];
    return NULL;
}

static int etag_matches(const char *inm, const char *etag)
{
    if (!inm)
        return 0;
    if (strcmp(inm, "*") == 0)
        return 1;
    return strstr(inm, etag) != NULL; /* also matches W/"..." (weak comparison, RFC 9110) */
}

static int serve(const yz_static *st, yz_http_req *req, const sfile *f)
{
    (void)st;
    yz_http_add_header(req, "ETag", f->etag);
    yz_http_add_header(req, "Cache-Control",
                       f->immutable ? "public, max-age=31536000, immutable" : "no-cache");
    if (f->gz)
        yz_http_add_header(req, "Vary", "Accept-Encoding");
    if (etag_matches(yz_http_header(req, "If-None-Match"), f->etag)) {
        yz_buf empty;
        yz_buf_init(&empty);
        yz_http_respond(req, 304, f->ctype, &empty);
        return 0;
    }
    /* HTML gets its Content-Security-Policy in http/server.c, as every HTML answer does. */
    if (f->gz && yz_http_accepts_gzip(req)) {
        yz_http_add_header(req, "Content-Encoding", "gzip");
        yz_http_respond_static(req, 200, f->ctype, f->gz, f->gz_len);
    } else {
        yz_http_respond_static(req, 200, f->ctype, f->data, f->len);
    }
    return 0;
}

int yz_static_serve_file(const yz_static *st, yz_http_req *req, const char *rel)
{
    const sfile *f = st ? find(st, rel) : NULL;
    return f ? serve(st, req, f) : 404;
}

int yz_static_file(const yz_static *st, const char *rel, const char **data, size_t *len)
{
    const sfile *f = st ? find(st, rel) : NULL;
    if (!f)
        return -1;
    *data = f->data;
    *len = f->len;
    return 0;
}

int yz_static_serve(const yz_static *st, yz_http_req *req)
{
    if (!st)
        return 404;
    const char *path = yz_http_path(req);
    while (*path == '/')
        path++;
    if (!*path)
        return yz_static_serve_file(st, req, "index.html");
    if (!path_ok(path))
        return 404;
    return yz_static_serve_file(st, req, path);
}
