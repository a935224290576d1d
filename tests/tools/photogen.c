/* SPDX-License-Identifier: MIT */
/* tests/tools/photogen.c - make test images with libvips, so that no binary fixture is
 * committed (tests/api/390-photos.sh, bench/bench_photos.sh).
 *
 *   photogen KIND WIDTH HEIGHT OUT [--noise] [--seed N] [--q Q] [--gps] [--orientation N]
 *
 * KIND: jpeg, png, webp (a gradient, or noise with --noise, which compresses badly: a 4000 x
 * 3000 noise JPEG with --sigma 18 at --q 85 is about 4 MB); bomb (a valid PNG signature and
 * header declaring WIDTH x HEIGHT, with one tiny compressed row: a decompression bomb's header); truncated (a
 * JPEG cut in half); text (a text file). --seed shifts the colours (different bytes), --gps
 * writes EXIF GPS tags, --orientation an EXIF orientation (1..8). */
#include <vips/vips.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static void put32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

/* A PNG chunk: length, type, data, CRC of type and data. */
static void chunk(FILE *f, const char *type, const unsigned char *data, uint32_t n)
{
    unsigned char b[8];
    put32(b, n);
    memcpy(b + 4, type, 4);
    fwrite(b, 1, 8, f);
    if (n)
        fwrite(data, 1, n, f);
    uLong crc = crc32(0, (const Bytef *)type, 4);
    if (n)
        crc = crc32(crc, data, n);
    put32(b, (uint32_t)crc);
    fwrite(b, 1, 4, f);
}

static int bomb(const char *out, uint32_t w, uint32_t h)
{
    FILE *f = fopen(out, "wb");
    if (!f)
        return 1;
    fwrite("\x89PNG\r\n\x1a\n", 1, 8, f);
    unsigned char ihdr[13];
    put32(ihdr, w);
    put32(ihdr + 4, h);
    ihdr[8] = 8;  /* bit depth */
    ihdr[9] = 2;  /* RGB */
    ihdr[10] = 0; /* deflate */
    ihdr[11] = 0; /* adaptive filtering */
    ihdr[12] = 0; /* no interlace */
    chunk(f, "IHDR", ihdr, 13);
    unsigned char raw[64] = {0}, z[128];
    uLongf zn = sizeof z;
    compress(z, &zn, raw, sizeof raw);
    chunk(f, "IDAT", z, (uint32_t)zn);
    chunk(f, "IEND", NULL, 0);
    return fclose(f) ? 1 : 0;
}

/* A w x h sRGB image: a gradient (x red, y green, seed blue), or noise. */
static VipsImage *picture(int w, int h, int noise, double sigma, int seed)
{
    VipsImage *t[6] = {0}, *out = NULL;
    if (noise) {
        if (vips_gaussnoise(&t[0], w, h, "mean", 128.0, "sigma", sigma, NULL) ||
            vips_gaussnoise(&t[1], w, h, "mean", 128.0, "sigma", sigma, NULL) ||
            vips_gaussnoise(&t[2], w, h, "mean", (double)(seed % 256), "sigma", sigma, NULL))
            goto done;
    } else {
        VipsImage *xy = NULL, *x = NULL, *y = NULL;
        if (vips_xyz(&xy, w, h, NULL) || vips_extract_band(xy, &x, 0, NULL) ||
            vips_extract_band(xy, &y, 1, NULL)) {
            if (xy)
                g_object_unref(xy);
            if (x)
                g_object_unref(x);
            goto done;
        }
        g_object_unref(xy);
        vips_linear1(x, &t[0], 255.0 / (w > 1 ? w - 1 : 1), 0.0, NULL);
        vips_linear1(y, &t[1], 255.0 / (h > 1 ? h - 1 : 1), 0.0, NULL);
        vips_linear1(x, &t[2], 0.0, (double)(seed % 256), NULL);
        g_object_unref(x);
        g_object_unref(y);
    }
    VipsImage *bands[3] = {t[0], t[1], t[2]};
    if (vips_bandjoin(bands, &t[3], 3, NULL) ||
        vips_cast(t[3], &t[4], VIPS_FORMAT_UCHAR, "shift", FALSE, NULL) ||
        vips_copy(t[4], &out, "interpretation", VIPS_INTERPRETATION_sRGB, NULL))
        out = NULL;
done:
    for (int i = 0; i < 6; i++)
        if (t[i])
            g_object_unref(t[i]);
    return out;
}

static void set_gps(VipsImage *im)
{
    /* libvips writes exif-ifdN-* fields into the EXIF block it saves */
    vips_image_set_string(im, "exif-ifd3-GPSLatitudeRef", "N");
    vips_image_set_string(im, "exif-ifd3-GPSLatitude", "28/1 0/1 55/1");
    vips_image_set_string(im, "exif-ifd3-GPSLongitudeRef", "E");
    vips_image_set_string(im, "exif-ifd3-GPSLongitude", "120/1 39/1 19/1");
    vips_image_set_string(im, "exif-ifd0-Make", "yizhan-test");
}

int main(int argc, char **argv)
{
    if (argc < 5) {
        fprintf(stderr, "usage: photogen jpeg|png|webp|bomb|truncated|text W H OUT [--noise] "
                        "[--seed N] [--q Q] [--gps] [--orientation N]\n");
        return 2;
    }
    const char *kind = argv[1], *out = argv[4];
    int w = (int)strtol(argv[2], NULL, 10), h = (int)strtol(argv[3], NULL, 10);
    int noise = 0, seed = 0, q = 90, gps = 0, orient = 0;
    double sigma = 80;
    for (int i = 5; i < argc; i++) {
        if (!strcmp(argv[i], "--noise"))
            noise = 1;
        else if (!strcmp(argv[i], "--sigma") && i + 1 < argc)
            sigma = atof(argv[++i]);
        else if (!strcmp(argv[i], "--gps"))
            gps = 1;
        else if (!strcmp(argv[i], "--seed") && i + 1 < argc)
            seed = (int)strtol(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--q") && i + 1 < argc)
            q = (int)strtol(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--orientation") && i + 1 < argc)
            orient = (int)strtol(argv[++i], NULL, 10);
    }
    if (!strcmp(kind, "bomb"))
        return bomb(out, (uint32_t)w, (uint32_t)h);
    if (!strcmp(kind, "text")) {
        FILE *f = fopen(out, "w");
        if (!f)
            return 1;
        fputs("this is not an image, whatever its name says\n", f);
        return fclose(f) ? 1 : 0;
    }
    if (VIPS_INIT(argv[0]))
        vips_error_exit(NULL);
    VipsImage *im = picture(w, h, noise, sigma, seed);
    if (!im)
        vips_error_exit(NULL);
    if (gps)
        set_gps(im);
    if (orient)
        vips_image_set_int(im, "orientation", orient);
    void *buf = NULL;
    size_t len = 0;
    int rc;
    if (!strcmp(kind, "png"))
        rc = vips_pngsave_buffer(im, &buf, &len, NULL);
    else if (!strcmp(kind, "webp"))
        rc = vips_webpsave_buffer(im, &buf, &len, "Q", q, NULL);
    else
        rc = vips_jpegsave_buffer(im, &buf, &len, "Q", q, NULL);
    g_object_unref(im);
    if (rc)
        vips_error_exit(NULL);
    if (!strcmp(kind, "truncated"))
        len /= 2;
    FILE *f = fopen(out, "wb");
    if (!f || fwrite(buf, 1, len, f) != len || fclose(f)) {
        perror(out);
        return 1;
    }
    g_free(buf);
    vips_shutdown();
    return 0;
}
