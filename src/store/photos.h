/* SPDX-License-Identifier: MIT */
/* store/photos.h - photos by content (docs/internals/photos.md): a row per distinct image,
 * named by the SHA-256 of its re-encoded JPEG, and the bytes of the photo and its thumbnail.
 * SQLite keeps the bytes as files in the store's photo folder (written atomically before the
 * row); PostgreSQL keeps them in the database (bytea), so that every node sharing it serves
 * them. Written once for both backends on store/db.h.
 *
 * Ownership: inputs are borrowed; records returned are plain values, bytes returned owned. */
#ifndef YZ_STORE_PHOTOS_H
#define YZ_STORE_PHOTOS_H

#include "core/buf.h"
#include "store/store.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum yz_photo_status { YZ_PHOTO_PENDING, YZ_PHOTO_APPROVED, YZ_PHOTO_REJECTED };
const char *yz_photo_status_name(int status); /* "" when out of range */
int yz_photo_status_parse(const char *s);     /* -1 when unknown (or NULL) */

#define YZ_PHOTO_KIND_MAX 32 /* bytes of a photo's kind */

typedef struct yz_photo {
    int64_t id;
    char sha256[65];          /* hex, lower case */
    int64_t station_id;       /* 0: none */
    int64_t uploader_user_id; /* 0: none */
    int64_t uploader_worker_id; /* 0: none */
    int width, height;        /* px */
    int64_t bytes, thumb_bytes;
    int64_t created_at;       /* unix s */
    int status;               /* enum yz_photo_status */
    char kind[YZ_PHOTO_KIND_MAX + 1]; /* "" when none */
    char district[32];        /* the station's district code, "" when none (read only) */
} yz_photo;

/* Where a SQLite store keeps photo files: `dir` (copied), created when missing. The default,
 * set when the store opens, is "photos" beside the database file (none for an in-memory
 * database: uploads then fail). A PostgreSQL store keeps them in the database and ignores it.
 * YZ_OK, or YZ_EIO when the folder cannot be created. */
int yz_store_set_photo_dir(yz_store *st, const char *dir, yz_errinfo *ei);

/* Store photo `p` (sha256, station_id, uploader, sizes, kind; the rest is set) with its JPEG
 * `jpeg` and thumbnail `thumb`. When a photo of that sha256 exists already nothing is written
 * and *p becomes the stored one with *created false (an image is stored once). YZ_EINVAL
 * (field "station": no such station), YZ_EIO (the files), YZ_EDB. */
int yz_store_photo_put(yz_store *st, yz_photo *p, const void *jpeg, size_t jpeg_len,
                       const void *thumb, size_t thumb_len, bool *created, yz_errinfo *ei);
/* The photo named `sha256`, or of id `id` (sha256 NULL). YZ_ENOTFOUND. */
int yz_store_photo_get(yz_store *st, const char *sha256, int64_t id, yz_photo *out,
                       yz_errinfo *ei);
/* Append the bytes of photo `sha256` (its thumbnail when `thumb`) to `out`. YZ_ENOTFOUND,
 * YZ_EIO. */
int yz_store_photo_read(yz_store *st, const char *sha256, bool thumb, yz_buf *out,
                        yz_errinfo *ei);
/* Set photo `id`'s status by user `by`; *before and *after (may be NULL) get the record.
 * YZ_ENOTFOUND. */
int yz_store_photo_set_status(yz_store *st, int64_t id, int status, int64_t by,
                              yz_photo *before, yz_photo *after, yz_errinfo *ei);
/* Station `station_id`'s photos of `status`, newest first, at most `limit` (1..200). *out
 * owned (yz_free). */
int yz_store_photo_list(yz_store *st, int64_t station_id, int status, int limit, yz_photo **out,
                        size_t *n, yz_errinfo *ei);

/* How many photos worker `worker_id` uploaded since `since` (unix seconds) into *n: an
 * experience officer's daily limit. */
int yz_store_photo_count_by_worker(yz_store *st, int64_t worker_id, int64_t since, int64_t *n,
                                   yz_errinfo *ei);

/* For yz_store_close: free the photo folder's name. */
void yz__photos_close(yz_store *st);
/* For the SQLite backend's open: the default folder, "photos" beside database `db_path`
 * (none for ":memory:" or a "file:" URI). */
void yz__photos_default_dir(yz_store *st, const char *db_path);

#endif
