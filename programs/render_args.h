/* SPDX-License-Identifier: MIT */
/* render_args.h — the values of `som render`'s options that the picture
 * library has no parser for (a size, a colour range), shared by the
 * command line (cmd_render.c) and the server's pictures (serve/plot.c), so
 * that both take the same words. The named choices (plot, colours, cells,
 * ...) are the library's own som_*_parse. */
#ifndef SOM_RENDER_ARGS_H
#define SOM_RENDER_ARGS_H

#include "som_render.h"

/* "WxH" (or "WXH"), both 1..32767. Returns 1 and sets *w, *h, or 0. */
int render_parse_size(const char *s, int *w, int *h);

/* "codebook", "data" or "MIN:MAX" (MIN < MAX, both finite). Returns 1 and
 * sets *mode (and *lo, *hi for MIN:MAX), or 0. */
int render_parse_range(const char *s, som_range_mode *mode, double *lo, double *hi);

/* What a bad --range (or ?range=) value is expected to be. */
#define RENDER_RANGE_EXPECTS "codebook, data or MIN:MAX (MIN below MAX)"

#endif
