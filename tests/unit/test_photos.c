/* SPDX-License-Identifier: MIT */
/* tests/unit/test_photos.c - media/image.c and store/photos.c (docs/internals/photos.md). The
 * images are made here with libvips in memory (no binary fixtures): a JPEG carrying EXIF GPS
 * tags and an orientation, a PNG, a WebP, a truncated JPEG, a PNG header declaring 50000 x
 * 50000 (a decompression bomb), text named like a photo, a transparent PNG. The output is read back with libvips
 * as the oracle: no EXIF, GPS, XMP or ICC left, rotated as its orientation said (checked on the
 * pixels), sizes within bounds, named by the SHA-256 of its bytes; each bad input refused with
 * its code. The store keeps an image once and gives back its bytes. */
#include "testdb.h"
#include "core/alloc.h"
#include "core/buf.h"
#include "media/image.h"
#include "store/photos.h"

#include <criterion/criterion.h>
#include <sodium.h>
#include <vips/vips.h>
#include <zlib.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void init(void)
{
    yz_errinfo ei;
    cr_assert_eq(yz_image_init(&ei), YZ_OK);
}

/* A w x h sRGB gradient: red grows with x, green with y, blue = `blue`. */
static VipsImage *gradient(int w, int h, int blue)
{
    VipsImage *xy, *x, *y, *r, *g, *b, *j, *c, *out;
    cr_assert_eq(vips_xyz(&xy, w, h, NULL), 0);
    cr_assert_eq(vips_extract_band(xy, &x, 0, NULL), 0);
    cr_assert_eq(vips_extract_band(xy, &y, 1, NULL), 0);
    cr_assert_eq(vips_linear1(x, &r, 255.0 / (w - 1), 0.0, NULL), 0);
    cr_assert_eq(vips_linear1(y, &g, 255.0 / (h - 1), 0.0, NULL), 0);
    cr_assert_eq(vips_linear1(x, &b, 0.0, (double)blue, NULL), 0);
    VipsImage *bands[3] = {r, g, b};
    cr_assert_eq(vips_bandjoin(bands, &j, 3, NULL), 0);
    cr_assert_eq(vips_cast(j, &c, VIPS_FORMAT_UCHAR, NULL), 0);
    cr_assert_eq(vips_copy(c, &out, "interpretation", VIPS_INTERPRETATION_sRGB, NULL), 0);
    VipsImage *all[] = {xy, x, y, r, g, b, j, c};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++)
        g_object_unref(all[i]);
    return out;
}

/* `im` (taken) saved as `kind` ("jpeg", "png", "webp"); g_free the result. */
static void *save(VipsImage *im, const char *kind, size_t *len)
{
    void *buf = NULL;
    int rc = !strcmp(kind, "png")    ? vips_pngsave_buffer(im, &buf, len, NULL)
             : !strcmp(kind, "webp") ? vips_webpsave_buffer(im, &buf, len, NULL)
                                     : vips_jpegsave_buffer(im, &buf, len, "Q", 90, NULL);
    g_object_unref(im);
    cr_assert_eq(rc, 0, "%s", vips_error_buffer());
    return buf;
}

static VipsImage *load(const void *buf, size_t len)
{
    VipsImage *im = vips_image_new_from_buffer(buf, len, "", NULL);
    cr_assert_not_null(im, "%s", vips_error_buffer());
    return im;
}

static bool has_field(VipsImage *im, const char *name)
{
    return vips_image_get_typeof(im, name) != 0;
}

/* Whether any metadata field of `im` starts with `prefix`. */
static bool has_prefix(VipsImage *im, const char *prefix)
{
    gchar **f = vips_image_get_fields(im);
    bool found = false;
    for (int i = 0; f[i]; i++)
        if (strncmp(f[i], prefix, strlen(prefix)) == 0)
            found = true;
    g_strfreev(f);
    return found;
}

static void pixel(VipsImage *im, int x, int y, double rgb[3])
{
    double *v = NULL;
    int n = 0;
    cr_assert_eq(vips_getpoint(im, &v, &n, x, y, NULL), 0);
    cr_assert_geq(n, 3);
    memcpy(rgb, v, 3 * sizeof *v);
    g_free(v);
}

/* A PNG signature and an IHDR declaring w x h RGB, one tiny IDAT, IEND: a bomb's header.
 * `out` has room for 128 bytes. */
static size_t png_header(unsigned char *out, uint32_t w, uint32_t h)
{
    size_t n = 0;
    memcpy(out, "\x89PNG\r\n\x1a\n", 8);
    n = 8;
    unsigned char ihdr[4 + 13] = {'I', 'H', 'D', 'R'};
    for (int i = 0; i < 4; i++) {
        ihdr[4 + i] = (unsigned char)(w >> (24 - 8 * i));
        ihdr[8 + i] = (unsigned char)(h >> (24 - 8 * i));
    }
    ihdr[12] = 8; /* bit depth */
    ihdr[13] = 2; /* RGB */
    const unsigned char len13[4] = {0, 0, 0, 13};
    memcpy(out + n, len13, 4);
    memcpy(out + n + 4, ihdr, sizeof ihdr);
    n += 4 + sizeof ihdr;
    uLong crc = crc32(0, ihdr, sizeof ihdr);
    for (int i = 0; i < 4; i++)
        out[n++] = (unsigned char)(crc >> (24 - 8 * i));
    /* one tiny compressed row, so that the header is all a reader has to go on */
    unsigned char raw[16] = {0}, z[64];
    uLongf zn = sizeof z;
    cr_assert_eq(compress(z, &zn, raw, sizeof raw), Z_OK);
    unsigned char idat[4 + 64] = {'I', 'D', 'A', 'T'};
    memcpy(idat + 4, z, zn);
    for (int i = 0; i < 4; i++)
        out[n++] = (unsigned char)((uint32_t)zn >> (24 - 8 * i));
    memcpy(out + n, idat, 4 + zn);
    n += 4 + zn;
    crc = crc32(0, idat, (uInt)(4 + zn));
    for (int i = 0; i < 4; i++)
        out[n++] = (unsigned char)(crc >> (24 - 8 * i));
    const unsigned char iend[12] = {0, 0, 0, 0, 'I', 'E', 'N', 'D', 0xAE, 0x42, 0x60, 0x82};
    memcpy(out + n, iend, sizeof iend);
    return n + sizeof iend;
}

TestSuite(photos, .init = init);

Test(photos, sniff)
{
    cr_assert_eq(yz_image_sniff("\xFF\xD8\xFF\xE0", 4), YZ_IMAGE_JPEG);
    cr_assert_eq(yz_image_sniff("\x89PNG\r\n\x1a\n", 8), YZ_IMAGE_PNG);
    cr_assert_eq(yz_image_sniff("RIFF\0\0\0\0WEBPVP8 ", 16), YZ_IMAGE_WEBP);
    cr_assert_eq(yz_image_sniff("RIFF\0\0\0\0WAVEfmt ", 16), YZ_IMAGE_NONE);
    cr_assert_eq(yz_image_sniff("GIF89a", 6), YZ_IMAGE_NONE);
    cr_assert_eq(yz_image_sniff("\xFF\xD8", 2), YZ_IMAGE_NONE);
    cr_assert_eq(yz_image_sniff("", 0), YZ_IMAGE_NONE);
}

Test(photos, jpeg_gps_stripped_and_rotated)
{
    VipsImage *im = gradient(800, 600, 40);
    vips_image_set_string(im, "exif-ifd3-GPSLatitudeRef", "N");
    vips_image_set_string(im, "exif-ifd3-GPSLatitude", "28/1 0/1 55/1");
    vips_image_set_string(im, "exif-ifd3-GPSLongitudeRef", "E");
    vips_image_set_string(im, "exif-ifd3-GPSLongitude", "120/1 39/1 19/1");
    vips_image_set_string(im, "exif-ifd0-Make", "yizhan-test");
    vips_image_set_int(im, "orientation", 6); /* display: rotate 90 degrees clockwise */
    size_t len;
    void *jpeg = save(im, "jpeg", &len);
    /* the oracle sees what we planted */
    VipsImage *in = load(jpeg, len);
    cr_assert(has_field(in, "exif-ifd3-GPSLatitude"), "the input has no GPS tag");
    cr_assert_eq(vips_image_get_width(in), 800);
    g_object_unref(in);

    yz_image out;
    yz_errinfo ei;
    cr_assert_eq(yz_image_process(jpeg, len, &out, &ei), YZ_OK, "%s", ei.msg_en);
    g_free(jpeg);
    cr_assert_eq(out.source_kind, YZ_IMAGE_JPEG);
    cr_assert_eq(yz_image_sniff(out.jpeg, out.jpeg_len), YZ_IMAGE_JPEG);
    /* rotated: 600 wide, 800 high */
    cr_assert_eq(out.width, 600);
    cr_assert_eq(out.height, 800);
    VipsImage *o = load(out.jpeg, out.jpeg_len);
    cr_assert_eq(vips_image_get_width(o), 600);
    cr_assert_eq(vips_image_get_height(o), 800);
    cr_assert(!has_field(o, "exif-data"), "EXIF kept");
    cr_assert(!has_prefix(o, "exif-"), "EXIF fields kept");
    cr_assert(!has_field(o, "xmp-data"), "XMP kept");
    cr_assert(!has_field(o, "icc-profile-data"), "ICC kept");
    cr_assert(!has_field(o, "orientation"), "an orientation tag kept: rotated twice");
    /* Rotated clockwise: the input's top-left (r 0, g 0) is now top-right, its bottom-left
     * (r 0, g 255) top-left. */
    double p[3];
    pixel(o, 599, 0, p);
    cr_assert_lt(p[0], 30);
    cr_assert_lt(p[1], 30);
    pixel(o, 0, 0, p);
    cr_assert_lt(p[0], 30);
    cr_assert_gt(p[1], 225);
    pixel(o, 0, 799, p); /* the input's bottom-right: r 255, g 255 */
    cr_assert_gt(p[0], 225);
    cr_assert_gt(p[1], 225);
    g_object_unref(o);
    /* the thumbnail: clean and at most 320 */
    VipsImage *t = load(out.thumb, out.thumb_len);
    cr_assert_eq(vips_image_get_width(t), 240);
    cr_assert_eq(vips_image_get_height(t), 320);
    cr_assert(!has_prefix(t, "exif-"));
    g_object_unref(t);
    /* named by the SHA-256 of the bytes */
    unsigned char d[32];
    char hex[65];
    crypto_hash_sha256(d, out.jpeg, out.jpeg_len);
    sodium_bin2hex(hex, sizeof hex, d, sizeof d);
    cr_assert_str_eq(out.sha256, hex);
    yz_image_fini(&out);
}

/* Over 2048 px a JPEG is shrunk by its decoder (by 2 here: 4000 -> 2000), then rotated. */
Test(photos, big_jpeg_shrunk_by_decoder_and_rotated)
{
    VipsImage *im = gradient(4000, 3000, 200);
    vips_image_set_string(im, "exif-ifd3-GPSLatitudeRef", "N");
    vips_image_set_string(im, "exif-ifd3-GPSLatitude", "28/1 0/1 55/1");
    vips_image_set_int(im, "orientation", 6);
    size_t len;
    void *jpeg = save(im, "jpeg", &len);
    yz_image out;
    yz_errinfo ei;
    cr_assert_eq(yz_image_process(jpeg, len, &out, &ei), YZ_OK, "%s", ei.msg_en);
    g_free(jpeg);
    cr_assert_eq(out.width, 1500);
    cr_assert_eq(out.height, 2000);
    VipsImage *o = load(out.jpeg, out.jpeg_len);
    cr_assert(!has_prefix(o, "exif-"), "EXIF fields kept");
    cr_assert(!has_field(o, "orientation"));
    double p[3];
    pixel(o, 1499, 0, p); /* the input's top-left: r 0, g 0 */
    cr_assert_lt(p[0], 30);
    cr_assert_lt(p[1], 30);
    pixel(o, 0, 1999, p); /* its bottom-right: r 255, g 255 */
    cr_assert_gt(p[0], 225);
    cr_assert_gt(p[1], 225);
    g_object_unref(o);
    cr_assert_eq(out.thumb_width, 240);
    cr_assert_eq(out.thumb_height, 320);
    yz_image_fini(&out);
}

Test(photos, png_shrunk_to_long_side)
{
    size_t len;
    void *png = save(gradient(3000, 1000, 0), "png", &len);
    yz_image out;
    yz_errinfo ei;
    cr_assert_eq(yz_image_process(png, len, &out, &ei), YZ_OK, "%s", ei.msg_en);
    g_free(png);
    cr_assert_eq(out.source_kind, YZ_IMAGE_PNG);
    cr_assert_eq(out.width, 2048);
    cr_assert_eq(out.height, 683);
    cr_assert_eq(out.thumb_width, 320);
    cr_assert_eq(out.thumb_height, 107);
    VipsImage *o = load(out.jpeg, out.jpeg_len);
    cr_assert_eq(vips_image_get_bands(o), 3);
    g_object_unref(o);
    yz_image_fini(&out);
}

/* A transparent PNG is flattened on white: a JPEG has no alpha. */
Test(photos, png_alpha_flattened_on_white)
{
    VipsImage *rgb = gradient(200, 100, 0), *alpha, *rgba;
    cr_assert_eq(vips_black(&alpha, 200, 100, NULL), 0); /* fully transparent */
    VipsImage *alpha8;
    cr_assert_eq(vips_cast(alpha, &alpha8, VIPS_FORMAT_UCHAR, NULL), 0);
    cr_assert_eq(vips_bandjoin2(rgb, alpha8, &rgba, NULL), 0);
    g_object_unref(rgb);
    g_object_unref(alpha);
    g_object_unref(alpha8);
    size_t len;
    void *png = save(rgba, "png", &len);
    yz_image out;
    yz_errinfo ei;
    cr_assert_eq(yz_image_process(png, len, &out, &ei), YZ_OK, "%s", ei.msg_en);
    g_free(png);
    VipsImage *o = load(out.jpeg, out.jpeg_len);
    cr_assert_eq(vips_image_get_bands(o), 3);
    double p[3];
    pixel(o, 100, 50, p);
    cr_assert_gt(p[0], 240);
    cr_assert_gt(p[1], 240);
    cr_assert_gt(p[2], 240);
    g_object_unref(o);
    yz_image_fini(&out);
}

Test(photos, webp_small_not_enlarged)
{
    size_t len;
    void *webp = save(gradient(300, 200, 99), "webp", &len);
    yz_image out;
    yz_errinfo ei;
    cr_assert_eq(yz_image_process(webp, len, &out, &ei), YZ_OK, "%s", ei.msg_en);
    g_free(webp);
    cr_assert_eq(out.source_kind, YZ_IMAGE_WEBP);
    cr_assert_eq(out.width, 300);
    cr_assert_eq(out.height, 200);
    cr_assert_eq(out.thumb_width, 300);
    cr_assert_eq(yz_image_sniff(out.thumb, out.thumb_len), YZ_IMAGE_JPEG);
    yz_image_fini(&out);
}

Test(photos, same_input_same_name)
{
    size_t len;
    void *png = save(gradient(500, 400, 7), "png", &len);
    yz_image a, b;
    yz_errinfo ei;
    cr_assert_eq(yz_image_process(png, len, &a, &ei), YZ_OK);
    cr_assert_eq(yz_image_process(png, len, &b, &ei), YZ_OK);
    cr_assert_str_eq(a.sha256, b.sha256);
    g_free(png);
    yz_image_fini(&a);
    yz_image_fini(&b);
}

static void refused(const void *data, size_t len, int code)
{
    yz_image out;
    yz_errinfo ei;
    yz_err_clear(&ei);
    cr_assert_eq(yz_image_process(data, len, &out, &ei), code, "got %d (%s)", ei.code, ei.msg_en);
    cr_assert_str_eq(ei.field, "photo");
    cr_assert(ei.msg[0] && ei.msg_en[0]);
    cr_assert_null(out.jpeg);
    cr_assert_null(out.thumb);
}

Test(photos, truncated_jpeg_refused)
{
    size_t len;
    void *jpeg = save(gradient(800, 600, 1), "jpeg", &len);
    refused(jpeg, len / 2, YZ_EINVAL);
    refused(jpeg, 200, YZ_EINVAL); /* cut inside the header */
    g_free(jpeg);
}

Test(photos, text_named_jpg_refused)
{
    static const char text[] = "this is not an image, whatever its name says\n";
    refused(text, sizeof text - 1, YZ_EMEDIA);
    refused("", 0, YZ_EMEDIA);
}

Test(photos, bomb_header_refused)
{
    unsigned char b[128];
    refused(b, png_header(b, 50000, 50000), YZ_ETOOBIG);
    refused(b, png_header(b, 12000, 10), YZ_ETOOBIG); /* one side too long */
    refused(b, png_header(b, 8000, 6000), YZ_ETOOBIG); /* 48 MP */
}

Test(photos, too_many_bytes_refused)
{
    size_t n = YZ_IMAGE_MAX_BYTES + 1;
    unsigned char *big = yz_calloc(1, n);
    memcpy(big, "\xFF\xD8\xFF\xE0", 4);
    refused(big, n, YZ_ETOOBIG);
    yz_free(big);
}

/* --- the store ------------------------------------------------------------------------------ */

static char dbpath[64], dir[64];
static yz_store *st;

static void store_setup(void)
{
    init();
    snprintf(dbpath, sizeof dbpath, "/tmp/yz-test-photos-%d.db", (int)getpid());
    snprintf(dir, sizeof dir, "/tmp/yz-test-photos-%d", (int)getpid());
    yz_test_remove_db(dbpath);
    yz_errinfo ei;
    cr_assert_eq(yz_store_open(dbpath, &st, &ei), YZ_OK, "%s", ei.msg_en);
    cr_assert_eq(yz_store_set_photo_dir(st, dir, &ei), YZ_OK, "%s", ei.msg_en);
}

static void store_teardown(void)
{
    yz_store_close(st);
    yz_test_remove_db(dbpath);
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    cr_assert_eq(system(cmd), 0);
}

static int files_in(const char *d)
{
    char cmd[160];
    snprintf(cmd, sizeof cmd, "find %s -type f | wc -l", d);
    FILE *f = popen(cmd, "r");
    int n = -1;
    cr_assert(fscanf(f, "%d", &n) == 1);
    pclose(f);
    return n;
}

Test(photos_store, put_once_read_back, .init = store_setup, .fini = store_teardown)
{
    size_t len;
    void *png = save(gradient(640, 480, 3), "png", &len);
    yz_image im;
    yz_errinfo ei;
    cr_assert_eq(yz_image_process(png, len, &im, &ei), YZ_OK);
    g_free(png);
    yz_photo p = {0}, q = {0};
    snprintf(p.sha256, sizeof p.sha256, "%s", im.sha256);
    p.width = im.width;
    p.height = im.height;
    p.uploader_user_id = 7;
    snprintf(p.kind, sizeof p.kind, "station");
    q = p;
    bool created;
    cr_assert_eq(yz_store_photo_put(st, &p, im.jpeg, im.jpeg_len, im.thumb, im.thumb_len,
                                    &created, &ei),
                 YZ_OK, "%s", ei.msg_en);
    cr_assert(created);
    cr_assert_gt(p.id, 0);
    cr_assert_eq(p.status, YZ_PHOTO_PENDING);
    cr_assert_eq(files_in(dir), 2);
    /* again: the same row, nothing new */
    cr_assert_eq(yz_store_photo_put(st, &q, im.jpeg, im.jpeg_len, im.thumb, im.thumb_len,
                                    &created, &ei),
                 YZ_OK);
    cr_assert(!created);
    cr_assert_eq(q.id, p.id);
    cr_assert_eq(files_in(dir), 2);
    /* the bytes back, as written */
    yz_buf b;
    yz_buf_init(&b);
    cr_assert_eq(yz_store_photo_read(st, p.sha256, false, &b, &ei), YZ_OK);
    cr_assert_eq(b.len, im.jpeg_len);
    cr_assert_eq(memcmp(b.data, im.jpeg, b.len), 0);
    b.len = 0;
    cr_assert_eq(yz_store_photo_read(st, p.sha256, true, &b, &ei), YZ_OK);
    cr_assert_eq(b.len, im.thumb_len);
    yz_buf_fini(&b);
    /* by id, a status change, and the record of before */
    yz_photo before, after, got;
    cr_assert_eq(yz_store_photo_get(st, NULL, p.id, &got, &ei), YZ_OK);
    cr_assert_str_eq(got.sha256, p.sha256);
    cr_assert_eq(got.uploader_user_id, 7);
    cr_assert_str_eq(got.kind, "station");
    cr_assert_eq(yz_store_photo_set_status(st, p.id, YZ_PHOTO_APPROVED, 1, &before, &after, &ei),
                 YZ_OK);
    cr_assert_eq(before.status, YZ_PHOTO_PENDING);
    cr_assert_eq(after.status, YZ_PHOTO_APPROVED);
    cr_assert_eq(yz_store_photo_get(st, NULL, 999, &got, &ei), YZ_ENOTFOUND);
    char none[65];
    memset(none, 'a', 64);
    none[64] = 0;
    cr_assert_eq(yz_store_photo_get(st, none, 0, &got, &ei), YZ_ENOTFOUND);
    yz_buf_init(&b);
    cr_assert_eq(yz_store_photo_read(st, none, false, &b, &ei), YZ_ENOTFOUND);
    yz_buf_fini(&b);
    yz_image_fini(&im);
}

Test(photos_store, unknown_station_refused, .init = store_setup, .fini = store_teardown)
{
    size_t len;
    void *png = save(gradient(64, 64, 3), "png", &len);
    yz_image im;
    yz_errinfo ei;
    cr_assert_eq(yz_image_process(png, len, &im, &ei), YZ_OK);
    g_free(png);
    yz_photo p = {0};
    snprintf(p.sha256, sizeof p.sha256, "%s", im.sha256);
    p.station_id = 424242;
    bool created;
    cr_assert_eq(yz_store_photo_put(st, &p, im.jpeg, im.jpeg_len, im.thumb, im.thumb_len,
                                    &created, &ei),
                 YZ_EINVAL);
    cr_assert_str_eq(ei.field, "station");
    cr_assert(!created);
    yz_photo got;
    cr_assert_eq(yz_store_photo_get(st, im.sha256, 0, &got, &ei), YZ_ENOTFOUND);
    yz_image_fini(&im);
}
