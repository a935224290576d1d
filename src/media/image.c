/* SPDX-License-Identifier: MIT */
/* media/image.c - untrusted uploads to clean JPEGs with libvips (docs/internals/photos.md).
 * The order is the defence: the size of the bytes, then their magic number, then the header's
 * dimensions (read without decoding a pixel), and only then a decode, streaming
 * (access=sequential) and failing on the first error, so that a decompression bomb, a file of
 * another kind or a truncated one costs almost nothing and never reaches the store. */
#include "media/image.h"

#include "core/log.h"

#include <sodium.h>
#include <vips/vips.h>

#include <pthread.h>
#include <stdio.h>
#include <string.h>

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int init_err = YZ_OK;

/* libvips's warnings (a damaged file's every tile) would flood stderr; the error that ends a
 * decode is logged once by log_vips. */
static void quiet(const gchar *domain, GLogLevelFlags level, const gchar *msg, gpointer data)
{
}

static void init_once(void)
{
    if (VIPS_INIT("yizhan")) {
        init_err = YZ_EINTERNAL;
        return;
    }
    /* Bounded memory: no operation cache (every upload is new), one worker thread an
     * operation (the server runs several requests at once already). */
    vips_cache_set_max(0);
    vips_cache_set_max_mem(0);
    vips_cache_set_max_files(0);
    vips_concurrency_set(1);
    g_log_set_handler("VIPS", G_LOG_LEVEL_WARNING, quiet, NULL);
    /* Only the three loaders we mean to use: the untrusted ones (ImageMagick, PDF, SVG,
     * matrix files...) first, then every other loader, then the three back on. */
    vips_block_untrusted_set(TRUE);
    vips_operation_block_set("VipsForeignLoad", TRUE);
    vips_operation_block_set("VipsForeignLoadJpeg", FALSE);
    vips_operation_block_set("VipsForeignLoadPng", FALSE);
    vips_operation_block_set("VipsForeignLoadWebp", FALSE);
    if (sodium_init() < 0)
        init_err = YZ_EINTERNAL;
}

int yz_image_init(yz_errinfo *ei)
{
    pthread_once(&once, init_once);
    if (init_err)
        return yz_err_set(ei, init_err, "photo", "图像库无法启动", "the image library did not start");
    return YZ_OK;
}

int yz_image_sniff(const void *data, size_t len)
{
    const unsigned char *b = data;
    if (len >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF)
        return YZ_IMAGE_JPEG;
    if (len >= 8 && memcmp(b, "\x89PNG\r\n\x1a\n", 8) == 0)
        return YZ_IMAGE_PNG;
    if (len >= 12 && memcmp(b, "RIFF", 4) == 0 && memcmp(b + 8, "WEBP", 4) == 0)
        return YZ_IMAGE_WEBP;
    return YZ_IMAGE_NONE;
}

const char *yz_image_mime(int kind)
{
    switch (kind) {
    case YZ_IMAGE_JPEG: return "image/jpeg";
    case YZ_IMAGE_PNG: return "image/png";
    case YZ_IMAGE_WEBP: return "image/webp";
    default: return NULL;
    }
}

void yz_image_fini(yz_image *im)
{
    if (!im)
        return;
    g_free(im->jpeg);
    g_free(im->thumb);
    memset(im, 0, sizeof *im);
}

/* libvips's message for the log (its error buffer is per process), then cleared. */
static void log_vips(const char *what)
{
    const char *m = vips_error_buffer();
    yz_log_info("photo: %s: %.300s", what, m && *m ? m : "?");
    vips_error_clear();
}

static int malformed(yz_errinfo *ei)
{
    return yz_err_set(ei, YZ_EINVAL, "photo", "图片已损坏或不完整，无法解码",
                      "the image is damaged or truncated and cannot be decoded");
}

/* The dimensions the header of `data` declares, decoding no pixel: libvips's loaders are lazy,
 * a new image from a buffer reads its header only. */
static int header_size(const void *data, size_t len, int *w, int *h, yz_errinfo *ei)
{
    VipsImage *im = vips_image_new_from_buffer(data, len, "", "access",
                                               VIPS_ACCESS_SEQUENTIAL, NULL);
    if (!im) {
        log_vips("header");
        return malformed(ei);
    }
    *w = vips_image_get_width(im);
    *h = vips_image_get_height(im);
    g_object_unref(im);
    return YZ_OK;
}

/* `in` (taken) made a plain 8-bit sRGB image with no alpha (flattened on white), in *out. */
static int to_srgb(VipsImage *in, VipsImage **out)
{
    VipsImage *t = NULL;
    if (vips_image_hasalpha(in)) {
        VipsArrayDouble *white = vips_array_double_newv(1, 255.0);
        int rc = vips_flatten(in, &t, "background", white, NULL);
        vips_area_unref(VIPS_AREA(white));
        g_object_unref(in);
        if (rc)
            return -1;
        in = t;
    }
    int rc = vips_colourspace(in, &t, VIPS_INTERPRETATION_sRGB, NULL);
    g_object_unref(in);
    if (rc)
        return -1;
    if (vips_image_get_format(t) != VIPS_FORMAT_UCHAR) {
        VipsImage *c = NULL;
        rc = vips_cast(t, &c, VIPS_FORMAT_UCHAR, NULL);
        g_object_unref(t);
        if (rc)
            return -1;
        t = c;
    }
    *out = t;
    return 0;
}

/* Shrink `data` to fit `side` x `side` (never enlarged), auto-rotated by its EXIF orientation
 * and colour-managed to sRGB, then saved as a JPEG with no metadata. g_free *buf.
 * `jpeg_shrink` > 1: `data` is a JPEG to decode at 1/jpeg_shrink of its size. */
static int shrink_save(const void *data, size_t len, int side, int jpeg_shrink, void **buf,
                       size_t *blen, int *w, int *h)
{
    VipsImage *t = NULL, *s = NULL;
    if (jpeg_shrink > 1) {
        /* libvips's thumbnail leaves a factor of 2 to its resampler and would decode every
         * pixel here; the decoder's own shrink is several times cheaper. The shrunk image
         * (at most YZ_IMAGE_MAX_PIXELS / 4) is decoded into memory, for the rotation. */
        VipsImage *l = NULL;
        if (vips_jpegload_buffer((void *)data, len, &l, "shrink", jpeg_shrink, "fail_on",
                                 VIPS_FAIL_ON_ERROR, NULL))
            return -1;
        int rc = vips_thumbnail_image(l, &t, side, "height", side, "size", VIPS_SIZE_DOWN, NULL);
        g_object_unref(l);
        if (rc)
            return -1;
    } else if (vips_thumbnail_buffer((void *)data, len, &t, side, "height", side, "size",
                                     VIPS_SIZE_DOWN, "option_string", "fail_on=error", NULL)) {
        /* fail_on=error: a truncated or corrupt file fails instead of decoding as grey */
        return -1;
    }
    if (to_srgb(t, &s))
        return -1;
    /* strip: no EXIF (GPS), XMP, IPTC or ICC profile in the output */
    int rc = vips_jpegsave_buffer(s, buf, blen, "Q", YZ_IMAGE_QUALITY, "strip", TRUE, NULL);
    *w = vips_image_get_width(s);
    *h = vips_image_get_height(s);
    g_object_unref(s);
    return rc;
}

int yz_image_process(const void *data, size_t len, yz_image *out, yz_errinfo *ei)
{
    memset(out, 0, sizeof *out);
    int err = yz_image_init(ei);
    if (err)
        return err;
    if (len > YZ_IMAGE_MAX_BYTES)
        return yz_err_setf(ei, YZ_ETOOBIG, "photo", "图片超过 %u MiB", "the image exceeds %u MiB",
                           YZ_IMAGE_MAX_BYTES >> 20);
    int kind = yz_image_sniff(data, len);
    if (kind == YZ_IMAGE_NONE)
        return yz_err_set(ei, YZ_EMEDIA, "photo", "只接受 JPEG、PNG 或 WebP 图片",
                          "only JPEG, PNG or WebP images are accepted");
    int w = 0, h = 0;
    err = header_size(data, len, &w, &h, ei);
    if (err)
        return err;
    if (w <= 0 || h <= 0 || w > YZ_IMAGE_MAX_SIDE || h > YZ_IMAGE_MAX_SIDE ||
        (unsigned long long)w * (unsigned long long)h > YZ_IMAGE_MAX_PIXELS)
        return yz_err_setf(ei, YZ_ETOOBIG, "photo",
                           "图片尺寸 %d×%d 过大（每边至多 %d 像素，共至多 %llu 百万像素）",
                           "the image's %d x %d px are too many (at most %d px a side, %llu "
                           "megapixels in all)",
                           w, h, YZ_IMAGE_MAX_SIDE, YZ_IMAGE_MAX_PIXELS / 1000000);
    out->source_kind = kind;
    /* A JPEG's decoder can shrink by 2, 4 or 8 while it reads (DCT scaling), far cheaper than
     * decoding every pixel and resampling: the largest such factor that keeps the long side at
     * least YZ_IMAGE_LONG_SIDE / 2 (4000 px -> 2000 px, 6000 -> 1500; docs/internals/photos.md
     * has the figures). */
    int shrink = 1, longest = w > h ? w : h;
    while (kind == YZ_IMAGE_JPEG && shrink < 8 && longest / (shrink * 2) >= YZ_IMAGE_LONG_SIDE / 2)
        shrink *= 2;
    if (shrink_save(data, len, YZ_IMAGE_LONG_SIDE, shrink, &out->jpeg, &out->jpeg_len, &out->width,
                    &out->height)) {
        log_vips("decode");
        yz_image_fini(out);
        return malformed(ei);
    }
    /* The thumbnail from the clean JPEG: small, already rotated, and its decoder can shrink
     * while it reads. */
    if (shrink_save(out->jpeg, out->jpeg_len, YZ_IMAGE_THUMB_SIDE, 1, &out->thumb, &out->thumb_len,
                    &out->thumb_width, &out->thumb_height)) {
        log_vips("thumbnail");
        yz_image_fini(out);
        return yz_err_set(ei, YZ_EINTERNAL, "photo", "无法生成缩略图", "cannot make the thumbnail");
    }
    unsigned char d[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(d, out->jpeg, out->jpeg_len);
    sodium_bin2hex(out->sha256, sizeof out->sha256, d, sizeof d);
    return YZ_OK;
}
