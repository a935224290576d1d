/* SPDX-License-Identifier: MIT */
/* media/poster.h - share images drawn with Cairo and Pango (docs/internals/share.md): the
 * event poster (1080 x 1440, for WeChat groups and outdoor screens) and the link-preview card
 * (1200 x 630, og:image), each with Chinese text laid out by Pango (wrapped, ellipsized) and a
 * QR code (libqrencode) of a link. Knows nothing of HTTP or of the store.
 *
 * Thread: any thread; drawing is serialised on one mutex (a Pango font map and its contexts
 * are not thread-safe), so callers bound the concurrency themselves (the expensive slots).
 * Ownership: the spec is borrowed; the PNG is returned owned. */
#ifndef YZ_MEDIA_POSTER_H
#define YZ_MEDIA_POSTER_H

#include "core/buf.h"
#include "core/err.h"

#define YZ_POSTER_W 1080 /* the event poster, px */
#define YZ_POSTER_H 1440
#define YZ_CARD_W 1200 /* the link-preview card, px (the size chat apps crop least) */
#define YZ_CARD_H 630
#define YZ_POSTER_LINES 4 /* detail lines at most */

enum yz_poster_layout { YZ_POSTER_EVENT, YZ_POSTER_CARD };

/* What to draw. Every text is UTF-8 (invalid bytes are replaced, never trusted); NULL or ""
 * leaves the part out. */
typedef struct yz_poster_spec {
    int layout;                          /* enum yz_poster_layout */
    const char *pango_lang;              /* "zh-cn", "zh-tw" or "en": fonts and line breaking */
    const char *kicker;                  /* the band's text: who made it */
    const char *title;                   /* wraps, ellipsized after a few lines */
    const char *label[YZ_POSTER_LINES];  /* each detail line's label ("时间") */
    const char *line[YZ_POSTER_LINES];   /* each detail line's text */
    const char *qr_url;                  /* the QR code's content (required) */
    const char *qr_caption;              /* under the QR code */
    const char *footer;                  /* the bottom line (the link in words) */
} yz_poster_spec;

/* Draw `spec` and append the PNG to `out`. Returns YZ_OK, or YZ_EINTERNAL with `ei` set when
 * the QR code cannot hold the link or Cairo fails; `out` then holds what it held. */
int yz_poster_png(const yz_poster_spec *spec, yz_buf *out, yz_errinfo *ei);

/* Free the font map and Cairo's and fontconfig's caches, at the end of the process (so that
 * the leak checker sees only our own). No drawing may run then or after. */
void yz_poster_shutdown(void);

/* The width and height of a PNG's header into *w, *h. Returns 0, or -1 if `p` is no PNG. */
int yz_poster_png_size(const void *p, size_t n, int *w, int *h);

#endif
