/* SPDX-License-Identifier: MIT */
/* paint.c — the small painting helpers every picture uses: text anchored
 * and fitted to a width, a value formatted for a legend, an RGB colour, and
 * the page position of a panel's cell. Below draw.c, chart.c and codes.c,
 * so that they call down to it and never back up into render.c. */
#include "render/render_internal.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

typedef som__panel panel;

void som__format_value(char *buf, size_t len, double v)
{
    if (v == 0.0) v = 0.0; /* no "-0" */
    /* Whole numbers up to a billion read better than 9.817e+04. */
    if (fabs(v) >= 1e4 && fabs(v) < 1e9) snprintf(buf, len, "%.0f", v);
    else snprintf(buf, len, "%.4g", v);
    if (strcmp(buf, "-0") == 0) snprintf(buf, len, "0");
}

void som__text(cairo_t *cr, const char *text, double x, double y,
               double anchor, double max_w, double size, int bold)
{
    som__font_select(cr, size, bold);
    cairo_text_extents_t te;
    cairo_text_extents(cr, text, &te);
    if (max_w > 0 && te.x_advance > max_w && te.x_advance > 0) {
        size *= max_w / te.x_advance;
        cairo_set_font_size(cr, size);
        cairo_text_extents(cr, text, &te);
    }
    cairo_font_extents_t fe;
    cairo_font_extents(cr, &fe);
    double base = y + (fe.ascent - fe.descent) / 2;
    cairo_move_to(cr, x - anchor * te.x_advance, base);
    cairo_show_text(cr, text);
    cairo_new_path(cr);
}

void som__set_rgb(cairo_t *cr, const unsigned char rgb[3])
{
    cairo_set_source_rgb(cr, rgb[0] / 255.0, rgb[1] / 255.0, rgb[2] / 255.0);
}


void som__cell_center(const panel *p, size_t i, double *x, double *y)
{
    *x = p->ox + (p->cells->x[i] - p->cells->x0) * p->s;
    *y = p->oy + (p->cells->y[i] - p->cells->y0) * p->s;
}
