/* SPDX-License-Identifier: MIT */
/* media/image.h - photos from untrusted uploads (docs/internals/photos.md): recognise JPEG, PNG
 * and WebP by their bytes, refuse what is too big before decoding it, decode with libvips and
 * re-encode as a clean JPEG (auto-rotated, sRGB, no metadata) plus a thumbnail. Knows nothing
 * of HTTP or of the store.
 *
 * Thread: any thread, several at once (libvips is thread-safe); yz_image_init runs once.
 * Ownership: inputs are borrowed; a yz_image filled by yz_image_process owns its buffers. */
#ifndef YZ_MEDIA_IMAGE_H
#define YZ_MEDIA_IMAGE_H

#include "core/err.h"

#include <stddef.h>

#define YZ_IMAGE_MAX_BYTES (8u << 20)   /* an upload, bytes (8 MiB) */
#define YZ_IMAGE_MAX_PIXELS 40000000ull /* width x height the header may declare (40 MP) */
#define YZ_IMAGE_MAX_SIDE 10000         /* either side, px */
#define YZ_IMAGE_LONG_SIDE 2048         /* the re-encoded photo's long side at most, px */
#define YZ_IMAGE_THUMB_SIDE 320         /* the thumbnail's long side at most, px */
#define YZ_IMAGE_QUALITY 82             /* JPEG quality of both */

/* The kinds of image accepted. */
enum yz_image_kind { YZ_IMAGE_NONE, YZ_IMAGE_JPEG, YZ_IMAGE_PNG, YZ_IMAGE_WEBP };

/* A re-encoded photo. */
typedef struct yz_image {
    void *jpeg;           /* owned: the photo as JPEG */
    size_t jpeg_len;      /* bytes */
    int width, height;    /* px, after rotation */
    void *thumb;          /* owned: the thumbnail as JPEG */
    size_t thumb_len;     /* bytes */
    int thumb_width, thumb_height; /* px */
    char sha256[65];      /* hex SHA-256 of jpeg: the photo's name */
    int source_kind;      /* enum yz_image_kind of the upload */
} yz_image;

/* Start libvips once for the process (later calls return what the first did): operation cache
 * off, one worker thread per operation, every loader refused but the JPEG, PNG and WebP ones.
 * YZ_OK or YZ_EINTERNAL. */
int yz_image_init(yz_errinfo *ei);

/* The kind of image `data` is by its first bytes (magic numbers), or YZ_IMAGE_NONE. */
int yz_image_sniff(const void *data, size_t len);
/* "image/jpeg", "image/png", "image/webp" for a kind; NULL for YZ_IMAGE_NONE. */
const char *yz_image_mime(int kind);

/* Decode `data` (`len` bytes, borrowed) and fill `out` (taken as uninitialised) with the photo
 * re-encoded at most YZ_IMAGE_LONG_SIDE px on its long side and its thumbnail. Errors, all
 * about field "photo", with `out` left empty: YZ_ETOOBIG (over YZ_IMAGE_MAX_BYTES, or a header
 * declaring more than YZ_IMAGE_MAX_PIXELS or a side over YZ_IMAGE_MAX_SIDE: refused before any
 * pixel is decoded), YZ_EMEDIA (not a JPEG, PNG or WebP), YZ_EINVAL (malformed or truncated).
 * Calls yz_image_init. */
int yz_image_process(const void *data, size_t len, yz_image *out, yz_errinfo *ei);

/* Free what `im` owns and empty it. Accepts NULL and an emptied image. */
void yz_image_fini(yz_image *im);

#endif
