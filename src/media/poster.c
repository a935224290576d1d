/* SPDX-License-Identifier: MIT */
/* media/poster.c - the event poster and the link-preview card as PNG (docs/internals/share.md).
 * Cairo draws on an RGB image surface; Pango lays out the text with the Noto CJK fonts that
 * fontconfig finds (wrapping by word and character, which Chinese needs, and ellipsizing after
 * a fixed number of lines, so a 2,000-character title keeps its box); libqrencode makes the QR
 * code, drawn as filled squares. One mutex serialises drawing: Pango's font map and contexts
 * are not thread-safe, and the routes run in the server's few expensive slots anyway. */
#include "media/poster.h"

#include <cairo.h>
#include <fontconfig/fontconfig.h>
#include <pango/pangocairo.h>
#include <qrencode.h>

#include <pthread.h>
#include <string.h>

#define RED_R 0xc8 /* the union's red, #c8102e, as on the check-in poster */
#define RED_G 0x10
#define RED_B 0x2e
#define QUIET 4 /* modules of white around the QR code */

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static PangoFontMap *fontmap; /* guarded by mu; made once, kept for the process */

static void rgb(cairo_t *cr, unsigned r, unsigned g, unsigned b)
{
    cairo_set_source_rgb(cr, r / 255.0, g / 255.0, b / 255.0);
}

/* `s` as valid UTF-8 (g_free), or NULL for NULL/"". */
static char *clean(const char *s)
{
    if (!s || !*s)
        return NULL;
    return g_utf8_make_valid(s, -1);
}

/* Lay out `text` at (x, y) within `width` px, at most `lines` lines (the last ellipsized),
 * in `px`-pixel type. Returns the height drawn, px. */
static int text(cairo_t *cr, PangoContext *pc, const char *text, const char *family, int px,
                bool bold, int x, int y, int width, int lines, PangoAlignment align)
{
    char *t = clean(text);
    if (!t)
        return 0;
    PangoLayout *l = pango_layout_new(pc);
    PangoFontDescription *fd = pango_font_description_new();
    pango_font_description_set_family(fd, family);
    pango_font_description_set_weight(fd, bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
    pango_font_description_set_absolute_size(fd, px * PANGO_SCALE);
    pango_layout_set_font_description(l, fd);
    pango_layout_set_width(l, width * PANGO_SCALE);
    pango_layout_set_wrap(l, PANGO_WRAP_WORD_CHAR);
    pango_layout_set_ellipsize(l, PANGO_ELLIPSIZE_END);
    pango_layout_set_height(l, -lines); /* negative: at most that many lines */
    pango_layout_set_alignment(l, align);
    pango_layout_set_text(l, t, -1);
    int w = 0, h = 0;
    pango_layout_get_pixel_size(l, &w, &h);
    cairo_move_to(cr, x, y);
    pango_cairo_show_layout(cr, l);
    pango_font_description_free(fd);
    g_object_unref(l);
    g_free(t);
    return h;
}

/* The QR code of `url` in a `side` px square at (x, y), on white. Returns -1 if it does not fit
 * any QR version. */
static int qr(cairo_t *cr, const char *url, int x, int y, int side)
{
    QRcode *q = QRcode_encodeString8bit(url, 0, QR_ECLEVEL_M);
    if (!q)
        return -1;
    int total = q->width + 2 * QUIET, m = side / total;
    if (m < 1)
        m = 1;
    int off = (side - m * total) / 2;
    rgb(cr, 255, 255, 255);
    cairo_rectangle(cr, x, y, side, side);
    cairo_fill(cr);
    rgb(cr, 0, 0, 0);
    for (int r = 0; r < q->width; r++)
        for (int c = 0; c < q->width; c++)
            if (q->data[(size_t)r * (size_t)q->width + (size_t)c] & 1)
                cairo_rectangle(cr, x + off + (c + QUIET) * m, y + off + (r + QUIET) * m, m, m);
    cairo_fill(cr);
    QRcode_free(q);
    return 0;
}

static cairo_status_t to_buf(void *closure, const unsigned char *data, unsigned int len)
{
    yz_buf_append(closure, data, len);
    return CAIRO_STATUS_SUCCESS;
}

static const char *family_of(const char *lang)
{
    return lang && strcmp(lang, "zh-tw") == 0 ? "Noto Sans CJK TC" : "Noto Sans CJK SC";
}

/* 1080 x 1440: the red band with the kicker, the title (up to 4 lines), the details (label
 * above, text up to 2 lines each), the QR code centred below with its caption, the footer. */
static int draw_event(cairo_t *cr, PangoContext *pc, const yz_poster_spec *sp)
{
    const char *fam = family_of(sp->pango_lang);
    const int W = YZ_POSTER_W, H = YZ_POSTER_H, M = 72;
    rgb(cr, RED_R, RED_G, RED_B);
    cairo_rectangle(cr, 0, 0, W, 150);
    cairo_fill(cr);
    cairo_rectangle(cr, 0, H - 24, W, 24);
    cairo_fill(cr);
    rgb(cr, 255, 255, 255);
    text(cr, pc, sp->kicker, fam, 40, true, M, 50, W - 2 * M, 1, PANGO_ALIGN_LEFT);
    rgb(cr, 0x11, 0x11, 0x11);
    /* the QR code's place is fixed at the bottom; the details take what is left above it and
     * a detail that does not fit is left out (a long title wins) */
    const int side = 440, qy = H - 24 - 40 - 56 - 60 - side;
    int y = 190;
    y += text(cr, pc, sp->title, fam, 72, true, M, y, W - 2 * M, 3, PANGO_ALIGN_LEFT) + 30;
    for (int k = 0; k < YZ_POSTER_LINES; k++) {
        if (!sp->line[k] || !*sp->line[k])
            continue;
        int room = (qy - 24 - y - 40) / 56; /* lines of 40 px type below a label */
        if (room < 1)
            break;
        rgb(cr, RED_R, RED_G, RED_B);
        y += text(cr, pc, sp->label[k], fam, 30, true, M, y, W - 2 * M, 1, PANGO_ALIGN_LEFT) + 4;
        rgb(cr, 0x22, 0x22, 0x22);
        y += text(cr, pc, sp->line[k], fam, 40, false, M, y, W - 2 * M, room < 2 ? room : 2,
                  PANGO_ALIGN_LEFT) +
             22;
    }
    if (qr(cr, sp->qr_url, (W - side) / 2, qy, side))
        return -1;
    rgb(cr, 0x11, 0x11, 0x11);
    text(cr, pc, sp->qr_caption, fam, 40, true, M, qy + side + 12, W - 2 * M, 1,
         PANGO_ALIGN_CENTER);
    rgb(cr, 0x55, 0x55, 0x55);
    text(cr, pc, sp->footer, fam, 26, false, M, H - 24 - 40 - 20, W - 2 * M, 1,
         PANGO_ALIGN_CENTER);
    return 0;
}

/* 1200 x 630: the band, the title (2 lines), up to three details on the left; the QR code on
 * the right. */
static int draw_card(cairo_t *cr, PangoContext *pc, const yz_poster_spec *sp)
{
    const char *fam = family_of(sp->pango_lang);
    const int W = YZ_CARD_W, H = YZ_CARD_H, M = 56, side = 380;
    rgb(cr, RED_R, RED_G, RED_B);
    cairo_rectangle(cr, 0, 0, W, 104);
    cairo_fill(cr);
    cairo_rectangle(cr, 0, H - 16, W, 16);
    cairo_fill(cr);
    rgb(cr, 255, 255, 255);
    text(cr, pc, sp->kicker, fam, 36, true, M, 30, W - 2 * M, 1, PANGO_ALIGN_LEFT);
    int tw = W - 3 * M - side, y = 136;
    rgb(cr, 0x11, 0x11, 0x11);
    y += text(cr, pc, sp->title, fam, 56, true, M, y, tw, 2, PANGO_ALIGN_LEFT) + 20;
    for (int k = 0; k < YZ_POSTER_LINES && y < H - 90; k++) {
        if (!sp->line[k] || !*sp->line[k])
            continue;
        rgb(cr, 0x33, 0x33, 0x33);
        y += text(cr, pc, sp->line[k], fam, 32, false, M, y, tw, 2, PANGO_ALIGN_LEFT) + 12;
    }
    if (qr(cr, sp->qr_url, W - M - side, 136, side))
        return -1;
    rgb(cr, 0x55, 0x55, 0x55);
    text(cr, pc, sp->qr_caption, fam, 26, false, W - M - side, 136 + side + 8, side, 1,
         PANGO_ALIGN_CENTER);
    return 0;
}

int yz_poster_png(const yz_poster_spec *sp, yz_buf *out, yz_errinfo *ei)
{
    int w = sp->layout == YZ_POSTER_CARD ? YZ_CARD_W : YZ_POSTER_W;
    int h = sp->layout == YZ_POSTER_CARD ? YZ_CARD_H : YZ_POSTER_H;
    size_t before = out->len;
    pthread_mutex_lock(&mu);
    if (!fontmap)
        fontmap = pango_cairo_font_map_new();
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, w, h);
    cairo_t *cr = cairo_create(s);
    PangoContext *pc = pango_font_map_create_context(fontmap);
    pango_cairo_update_context(cr, pc);
    if (sp->pango_lang)
        pango_context_set_language(pc, pango_language_from_string(sp->pango_lang));
    cairo_font_options_t *fo = cairo_font_options_create();
    cairo_font_options_set_antialias(fo, CAIRO_ANTIALIAS_GRAY);
    pango_cairo_context_set_font_options(pc, fo);
    cairo_font_options_destroy(fo);
    rgb(cr, 255, 255, 255);
    cairo_paint(cr);
    int rc = sp->layout == YZ_POSTER_CARD ? draw_card(cr, pc, sp) : draw_event(cr, pc, sp);
    g_object_unref(pc);
    cairo_destroy(cr);
    cairo_surface_flush(s);
    cairo_status_t cs = rc ? CAIRO_STATUS_SUCCESS : cairo_surface_status(s);
    if (!rc && cs == CAIRO_STATUS_SUCCESS)
        cs = cairo_surface_write_to_png_stream(s, to_buf, out);
    cairo_surface_destroy(s);
    pthread_mutex_unlock(&mu);
    if (rc)
        return yz_err_set(ei, YZ_EINTERNAL, "", "无法生成二维码（公开网址过长？）",
                          "cannot make the QR code (is the public URL too long?)");
    if (cs != CAIRO_STATUS_SUCCESS) {
        out->len = before;
        return yz_err_setf(ei, YZ_EINTERNAL, "", "无法绘制图片：%s", "cannot draw the image: %s",
                           cairo_status_to_string(cs));
    }
    return YZ_OK;
}

void yz_poster_shutdown(void)
{
    pthread_mutex_lock(&mu);
    if (fontmap) {
        g_object_unref(fontmap);
        fontmap = NULL;
        cairo_debug_reset_static_data();
        FcFini();
    }
    pthread_mutex_unlock(&mu);
}

int yz_poster_png_size(const void *p, size_t n, int *w, int *h)
{
    const unsigned char *b = p;
    if (n < 24 || memcmp(b, "\x89PNG\r\n\x1a\n", 8) != 0 || memcmp(b + 12, "IHDR", 4) != 0)
        return -1;
    *w = (int)((unsigned)b[16] << 24 | (unsigned)b[17] << 16 | (unsigned)b[18] << 8 | b[19]);
    *h = (int)((unsigned)b[20] << 24 | (unsigned)b[21] << 16 | (unsigned)b[22] << 8 | b[23]);
    return 0;
}
