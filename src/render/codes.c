/* SPDX-License-Identifier: MIT */
/* codes.c — the codes plot (kohonen's "codes", the SOM Toolbox's
 * som_plotplane): inside every unit's cell, its profile over the drawn
 * fields. Each field's value is placed between that field's lowest and
 * highest unit, so that every field uses the full height whatever its unit;
 * one colour per field (som_class_color), named in the legend. Bars while
 * each is at least 3 pixels wide, else a grey line through the values with
 * a dot in each field's colour (while dots fit). */
#include "render/render_internal.h"

#include <math.h>
#include <stdlib.h>

/* The k-th drawn field's colour, as the legend names it. */
static void field_color(cairo_t *cr, size_t k)
{
    unsigned char rgb[3];
    som_class_color(k, rgb);
    som__set_rgb(cr, rgb);
}

void som__draw_codes(cairo_t *cr, const som__job *j, const som__panel *p)
{
    size_t nf = j->n_fields, units = som_map_n_units(j->map), dim = som_map_dim(j->map);
    if (!nf) return;
    const float *cb = som_map_codebook(j->map);
    double *lo = malloc(nf * sizeof *lo), *hi = malloc(nf * sizeof *hi);
    double *t = malloc(nf * sizeof *t); /* one unit's values, placed in [0, 1] */
    if (!lo || !hi || !t) { /* nothing to draw with; the cells stay plain */
        free(lo), free(hi), free(t);
        return;
    }
    /* scaled space: an affine map of the original units, same positions */
    for (size_t k = 0; k < nf; k++) {
        lo[k] = (double)INFINITY;
        hi[k] = -(double)INFINITY;
        for (size_t i = 0; i < units; i++) {
            double v = (double)cb[i * dim + j->fields[k]];
            if (v < lo[k]) lo[k] = v;
            if (v > hi[k]) hi[k] = v;
        }
    }
    /* the box inside a cell: inside the hexagon's flat sides and clear of
     * its pointed top and bottom */
    double bw = p->s * 0.8, bh = p->s * (p->cells->hex ? 0.56 : 0.7);
    double step = bw / (double)nf;
    int bars = step >= 3;
    for (size_t i = 0; i < units; i++) {
        double cx, cy;
        som__cell_center(p, i, &cx, &cy);
        double x0 = cx - bw / 2, base = cy + bh / 2;
        cairo_set_source_rgb(cr, 0.55, 0.55, 0.55);
        cairo_set_line_width(cr, 0.6);
        cairo_move_to(cr, x0, base);
        cairo_line_to(cr, x0 + bw, base);
        cairo_stroke(cr);
        for (size_t k = 0; k < nf; k++) {
            double v = (double)cb[i * dim + j->fields[k]];
            t[k] = hi[k] > lo[k] ? (v - lo[k]) / (hi[k] - lo[k]) : 0.5;
        }
        for (size_t k = 0; k < nf; k++) {
            if (isnan(t[k])) continue;
            field_color(cr, k);
            double x = x0 + step * (double)k;
            if (bars) {
                cairo_rectangle(cr, x + step * 0.08, base - t[k] * bh, step * 0.84, t[k] * bh);
                cairo_fill(cr);
            } else {
                if (k == 0) cairo_move_to(cr, x + step / 2, base - t[k] * bh);
                else cairo_line_to(cr, x + step / 2, base - t[k] * bh);
            }
        }
        if (!bars) {
            cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
            cairo_set_line_width(cr, som__clampd(p->s / 60, 0.6, 1.5));
            cairo_stroke(cr);
            /* each field's point in its colour, where there is room */
            double r = som__clampd(step * 0.4, 0.8, 2.2);
            for (size_t k = 0; step >= 1.5 && k < nf; k++) {
                if (isnan(t[k])) continue;
                field_color(cr, k);
                cairo_arc(cr, x0 + step * ((double)k + 0.5), base - t[k] * bh, r, 0, 2 * M_PI);
                cairo_fill(cr);
            }
        }
    }
    free(lo);
    free(hi);
    free(t);
}
