/* SPDX-License-Identifier: MIT */
/* http/static.h - the built web app's files (docs/internals/web.md), loaded into memory once
 * and served with a content type, a strong ETag, Cache-Control, and the gzip variant that the
 * build wrote beside a file (`x.gz`) when the client accepts gzip. Only the files found under
 * the root at load time can ever be served, so a request path cannot reach outside it. */
#ifndef YZ_HTTP_STATIC_H
#define YZ_HTTP_STATIC_H

#include "core/err.h"
#include "http/server.h"

typedef struct yz_static yz_static;

/* Load every regular file under `root` (recursively; names starting with '.' skipped; at most
 * 256 files and 16 MiB in all). Returns owned *out, or YZ_ENOTFOUND when `root` is not a
 * folder or holds no index.html, YZ_EINVAL when it is too large (nothing is kept). Files are
 * read once: a rebuilt app is seen after a restart. */
int yz_static_new(const char *root, yz_static **out, yz_errinfo *ei);
/* Accepts NULL. The HTTP server must be stopped first: responses borrow the file bytes. */
void yz_static_free(yz_static *st);

/* Answer GET/HEAD of the request's own path ("/" is "/index.html"). Returns 0 when it has
 * responded (200, or 304 when If-None-Match holds the file's ETag), or 404 when no file
 * matches, the path holds a ".." or "." segment, a backslash or a NUL: the caller answers
 * then. Thread-safe: the table is immutable after yz_static_new. */
int yz_static_serve(const yz_static *st, yz_http_req *req);
/* As yz_static_serve, for the file `rel` ("index.html") whatever the request path: the
 * fallback of client-side routes such as /s/{code}. */
int yz_static_serve_file(const yz_static *st, yz_http_req *req, const char *rel);
/* The loaded bytes of `rel` ("index.html") into *data (borrowed, valid until yz_static_free;
 * NUL-terminated) and *len. Returns 0, or -1 when there is no such file or no `st`. */
int yz_static_file(const yz_static *st, const char *rel, const char **data, size_t *len);

#endif
