/* SPDX-License-Identifier: MIT */
/* draw.c — painting a laid-out job: coloured cells, hit counts and empty
 * units, classes, legends (nice ticks, class and field swatches), clusters
 * and their boundaries. */
#include "render/render_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef som__job job;
typedef som__panel panel;

/* The fill of a unit no row chose, and its hatch. */
static const unsigned char EMPTY_RGB[3] = {236, 236, 236};

static double border_width(const panel *p) { return som__clampd(p->s / 40, 0.6, 2.0); }

/* Black or white, whichever reads better on the cell colour. */
static void text_colour_for(cairo_t *cr, const unsigned char rgb[3])
{
    double lum = 0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2];
    if (lum > 140) cairo_set_source_rgb(cr, 0, 0, 0);
    else cairo_set_source_rgb(cr, 1, 1, 1);
}

/* Width of text at a size (DejaVu Sans). */
static double text_width(cairo_t *cr, const char *t, double fs, int bold)
{
    som__font_select(cr, fs, bold);
    cairo_text_extents_t te;
    cairo_text_extents(cr, t, &te);
    return te.x_advance;
}

/* Thin diagonal lines inside a cell (the caller has set its path): the
 * mark of "no rows here". Lines are placed so that the centre stays clear. */
static void hatch_cell(cairo_t *cr, double x, double y, double s)
{
    cairo_save(cr);
    cairo_clip(cr);
    cairo_set_source_rgb(cr, 0.70, 0.70, 0.70);
    cairo_set_line_width(cr, som__clampd(s / 30, 0.7, 1.5));
    double gap = fmax(s / 4, 4);
    for (double d = -1.5 * gap; d <= s; d += gap) {
        cairo_move_to(cr, x - s + d, y + s);
        cairo_line_to(cr, x + s + d, y - s);
        cairo_move_to(cr, x - s - d, y + s);
        cairo_line_to(cr, x + s - d, y - s);
    }
    cairo_stroke(cr);
    cairo_restore(cr);
}

/* Majority class colour, paler the more mixed the unit: pure units get the
 * palette colour exactly; a unit split evenly between all k classes gets
 * 30 % of it over white. */
static void class_fill(const job *j, size_t u, unsigned char rgb[3])
{
    som_class_color((size_t)j->unit_class[u], rgb);
    double k = (double)j->n_classes, a = 1;
    if (k > 1) a = 0.3 + 0.7 * som__clampd((j->purity[u] - 1 / k) / (1 - 1 / k), 0, 1);
    for (int c = 0; c < 3; c++) rgb[c] = (unsigned char)lround(255 - a * (255 - rgb[c]));
}

/* The fill of cell i of a panel; 0 when the cell is empty (hatched). */
static int cell_fill(const job *j, const panel *p, size_t i, int light, unsigned char rgb[3])
{
    double v = p->values[i];
    if ((p->hits && v == 0) ||
        (p->kind == PANEL_LABELS && j->o.labels_style == SOM_LABELS_MAJORITY && j->unit_class[i] < 0)) {
        memcpy(rgb, EMPTY_RGB, 3);
        return 0;
    }
    if (light) rgb[0] = rgb[1] = rgb[2] = 248;
    else if (p->kind == PANEL_LABELS && j->o.labels_style == SOM_LABELS_MAJORITY) class_fill(j, i, rgb);
    else som_colormap(j->o.colors, som__value_t(p, v), rgb);
    return 1;
}

/* Outlines over the filled cells; without borders a hairline in each
 * cell's own colour instead, which closes the antialiasing seams between
 * neighbours (the MQL5 rule: the outline takes the fill colour). */
static void fill_cells(cairo_t *cr, const job *j, const panel *p, int light)
{
    const som__cells *c = p->cells;
    for (size_t i = 0; i < c->n; i++) {
        if (isnan(p->values[i])) continue;
        unsigned char rgb[3];
        int full = cell_fill(j, p, i, light, rgb);
        double x, y;
        som__cell_center(p, i, &x, &y);
        som__cell_path(cr, x, y, p->s, c->size, c->hex);
        som__set_rgb(cr, rgb);
        if (j->o.borders) {
            cairo_fill_preserve(cr);
        } else {
            cairo_fill_preserve(cr);
            cairo_set_line_width(cr, 0.75);
            cairo_stroke_preserve(cr);
        }
        if (!full) hatch_cell(cr, x, y, p->s * c->size);
        cairo_new_path(cr);
    }
    if (!j->o.borders) return;
    cairo_set_source_rgb(cr, 0.13, 0.13, 0.13);
    cairo_set_line_width(cr, border_width(p));
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
    for (size_t i = 0; i < c->n; i++) {
        if (isnan(p->values[i])) continue;
        double x, y;
        som__cell_center(p, i, &x, &y);
        som__cell_path(cr, x, y, p->s, c->size, c->hex);
    }
    cairo_stroke(cr);
}

/* Markers whose AREA is proportional to the count. */
static void draw_markers(cairo_t *cr, const job *j, const panel *p)
{
    unsigned char rgb[3];
    som_colormap(j->o.colors, 0.1, rgb);
    som__set_rgb(cr, rgb);
    for (size_t i = 0; i < p->cells->n; i++) {
        if (!(p->values[i] > 0) || !(p->hi > 0)) continue;
        double x, y, f = 0.9 * sqrt(p->values[i] / p->hi);
        som__cell_center(p, i, &x, &y);
        som__cell_path(cr, x, y, p->s * f, p->cells->size, p->cells->hex);
        cairo_fill(cr);
    }
}

/* Each unit's hit count, where it fits at the picture's one cell size. */
static void draw_counts(cairo_t *cr, const job *j, const panel *p)
{
    if (!p->cell_fs) return;
    for (size_t i = 0; i < p->cells->n; i++) {
        if (!(p->values[i] > 0)) continue;
        char buf[32];
        snprintf(buf, sizeof buf, "%.0f", p->values[i]);
        if (text_width(cr, buf, p->cell_fs, 0) > p->s * 0.86) continue;
        unsigned char rgb[3];
        cell_fill(j, p, i, 0, rgb);
        text_colour_for(cr, rgb);
        double x, y;
        som__cell_center(p, i, &x, &y);
        som__text(cr, buf, x, y, 0.5, 0, p->cell_fs, 0);
    }
}

static void draw_labels(cairo_t *cr, const job *j, const panel *p)
{
    if (!p->cell_fs) return;
    size_t units = som_map_n_units(j->map);
    double cw = p->s * 0.86, fs = p->cell_fs; /* text width that stays inside a cell */
    if (j->o.labels_style == SOM_LABELS_MAJORITY) {
        for (size_t i = 0; i < units; i++) {
            if (!j->majority[i] || text_width(cr, j->majority[i], fs, 0) > cw) continue;
            unsigned char rgb[3];
            cell_fill(j, p, i, 0, rgb);
            text_colour_for(cr, rgb);
            double x, y;
            som__cell_center(p, i, &x, &y);
            som__text(cr, j->majority[i], x, y, 0.5, 0, fs, 0);
        }
        return;
    }
    /* every row's title at its BMU: as many lines as fit, then "+N" */
    size_t n = som_data_n_samples(j->aligned);
    double line = fs * 1.15;
    size_t max_lines = (size_t)floor(p->s * 0.8 / line);
    if (max_lines < 1) return;
    for (size_t i = 0; i < units; i++) {
        size_t cnt = j->hits[i];
        if (!cnt) continue;
        size_t show = cnt <= max_lines ? cnt : max_lines - 1;
        size_t lines = show + (show < cnt);
        unsigned char rgb[3];
        som_colormap(j->o.colors, som__value_t(p, p->values[i]), rgb);
        text_colour_for(cr, rgb);
        double x, y;
        som__cell_center(p, i, &x, &y);
        double y0 = y - line * (double)(lines - 1) / 2;
        size_t k = 0, seen = 0;
        for (size_t r = 0; r < n && seen < show; r++) {
            if (j->bmu[r] != i) continue;
            seen++;
            char buf[32];
            const char *t = som_data_label(j->aligned, r);
            if (!t) {
                snprintf(buf, sizeof buf, "%zu", som_data_line(j->aligned, r));
                t = buf;
            }
            if (text_width(cr, t, fs, 0) > cw) continue; /* dropped, not shrunk */
            som__text(cr, t, x, y0 + line * (double)k, 0.5, 0, fs, 0);
            k++;
        }
        if (k < cnt) {
            char more[32];
            snprintf(more, sizeof more, "+%zu", cnt - k);
            if (text_width(cr, more, fs, 1) <= cw)
                som__text(cr, more, x, y0 + line * (double)k, 0.5, 0, fs, 1);
        }
    }
}

/* ---- legends -------------------------------------------------------------------- */

static double legend_fs(const panel *p) { return fmax(p->fs * 0.85, SOM_RENDER_MIN_TEXT_PX); }

/* Ticks under the strip: round values in original units, each drawn where
 * its colour is. When labels would overlap, every other tick is dropped
 * (evenly, so the steps stay regular) until they fit. */
static void draw_ticks(cairo_t *cr, const panel *p, double ty, double fs)
{
    double v[8], left[8], w[8];
    size_t n = som__panel_ticks(p, v, 8), stride = 1;
    char buf[8][32];
    for (size_t k = 0; k < n; k++) {
        double x = p->lx + som__value_t(p, v[k]) * p->lw;
        som__format_value(buf[k], sizeof buf[k], v[k]);
        w[k] = text_width(cr, buf[k], fs, 0);
        left[k] = som__clampd(x - w[k] / 2, p->lx - 4, p->lx + p->lw + 4 - w[k]);
    }
    for (;;) {
        int overlap = 0;
        for (size_t k = stride; k < n; k += stride)
            if (left[k] < left[k - stride] + w[k - stride] + fs * 0.5) overlap = 1;
        if (!overlap || stride >= n) break;
        stride *= 2;
    }
    for (size_t k = 0; k < n; k += stride) {
        double x = p->lx + som__value_t(p, v[k]) * p->lw;
        cairo_set_source_rgb(cr, 0.25, 0.25, 0.25);
        cairo_set_line_width(cr, 1);
        cairo_move_to(cr, x, p->ly + p->lh);
        cairo_line_to(cr, x, p->ly + p->lh + fs * 0.3);
        cairo_stroke(cr);
        cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
        som__text(cr, buf[k], left[k], ty, 0.0, 0, fs, 0);
    }
}

/* A small triangle beyond an end of the strip: the data go further. */
static void draw_arrow(cairo_t *cr, const panel *p, int right)
{
    double x = right ? p->lx + p->lw : p->lx, d = right ? 1 : -1, h = p->lh;
    cairo_move_to(cr, x, p->ly);
    cairo_line_to(cr, x + d * h * 0.8, p->ly + h / 2);
    cairo_line_to(cr, x, p->ly + h);
    cairo_close_path(cr);
    cairo_set_source_rgb(cr, 0.45, 0.45, 0.45);
    cairo_fill(cr);
}

static void draw_gradient_legend(cairo_t *cr, const job *j, const panel *p)
{
    double fs = legend_fs(p);
    /* The strip samples the scheme at 65 stops of t; Cairo blends between
     * them (PNG, SVG and PDF alike), which is what the cells use. */
    double lx = p->lx;
    if (p->hits) { /* the empty swatch first, then 1..max */
        double sw = fmin(p->lh * 1.6, p->lw / 5);
        cairo_rectangle(cr, p->lx, p->ly, sw, p->lh);
        som__set_rgb(cr, EMPTY_RGB);
        cairo_fill_preserve(cr);
        hatch_cell(cr, p->lx + sw / 2, p->ly + p->lh / 2, p->lh * 2.5);
        cairo_rectangle(cr, p->lx, p->ly, sw, p->lh);
        cairo_set_source_rgb(cr, 0.4, 0.4, 0.4);
        cairo_set_line_width(cr, 0.6);
        cairo_stroke(cr);
        cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
        som__text(cr, "0", p->lx + sw / 2, p->ly + p->lh + fs * 0.9, 0.5, 0, fs, 0);
        lx = p->lx + sw + fs * 0.6;
    }
    panel q = *p;
    q.lw = p->lx + p->lw - lx;
    q.lx = lx;
    cairo_pattern_t *g = cairo_pattern_create_linear(q.lx, 0, q.lx + q.lw, 0);
    for (int k = 0; k <= 64; k++) {
        unsigned char rgb[3];
        som_colormap(j->o.colors, k / 64.0, rgb);
        cairo_pattern_add_color_stop_rgb(g, k / 64.0, rgb[0] / 255.0, rgb[1] / 255.0, rgb[2] / 255.0);
    }
    cairo_rectangle(cr, q.lx, q.ly, q.lw, q.lh);
    cairo_set_source(cr, g);
    cairo_fill(cr);
    cairo_pattern_destroy(g);
    cairo_set_source_rgb(cr, 0.4, 0.4, 0.4);
    cairo_set_line_width(cr, 0.6);
    cairo_rectangle(cr, q.lx, q.ly, q.lw, q.lh);
    cairo_stroke(cr);

    double ty = p->ly + p->lh + fs * 0.9;
    draw_ticks(cr, &q, ty, fs);
    double eps = 1e-9 * fmax(fabs(p->hi - p->lo), 1e-300);
    int below = !isnan(p->data_lo) && p->data_lo < p->lo - eps;
    int above = !isnan(p->data_hi) && p->data_hi > p->hi + eps;
    if (below) draw_arrow(cr, &q, 0);
    if (above) draw_arrow(cr, &q, 1);
    if (below || above) {
        char a[32], b[32], note[96];
        som__format_value(a, sizeof a, p->data_lo);
        som__format_value(b, sizeof b, p->data_hi);
        snprintf(note, sizeof note, "data reach %s to %s", a, b);
        cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
        som__text(cr, note, p->px + p->pw / 2, ty + fs * 1.25, 0.5, p->pw - 8, fs, 0);
    }
    if (p->kind == PANEL_LABELS) {
        cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
        som__text(cr, "U-matrix", p->px + p->pw / 2, ty + fs * 1.25, 0.5, p->pw - 8, fs, 0);
    }
}

/* Swatches with names, in rows as wide as w; draws when cr draws to the
 * page, measures either way. Returns the height used, note line included. */
static double swatches(cairo_t *cr, const job *j, int fields, double x, double y, double w,
                       double fs, int draw)
{
    size_t n = fields ? j->n_fields : j->n_classes;
    double box = fs * 0.9, row = fs * 1.5, cx = x, cy = y;
    for (size_t k = 0; k < n; k++) {
        const char *name = fields ? som_map_title(j->map, j->fields[k]) : j->classes[k];
        double tw = fmin(text_width(cr, name, fs, 0), w - box - 6);
        double item = box + 4 + tw + fs;
        if (cx > x && cx + item - fs > x + w) {
            cx = x;
            cy += row;
        }
        if (draw) {
            unsigned char rgb[3];
            som_class_color(k, rgb);
            cairo_rectangle(cr, cx, cy, box, box);
            som__set_rgb(cr, rgb);
            cairo_fill_preserve(cr);
            cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
            cairo_set_line_width(cr, 0.6);
            cairo_stroke(cr);
            cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
            som__text(cr, name, cx + box + 4, cy + box / 2, 0.0, tw + 0.5, fs, 0);
        }
        cx += item;
    }
    cy += row;
    if (draw) {
        const char *note = fields ? "height: from the field's lowest unit to its highest"
                           : j->o.plot == SOM_PLOT_CLUSTERS
                               ? "dot: the class most of the unit's rows have"
                               : "paler: a mixed unit; hatched: no rows";
        cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
        som__text(cr, note, x + w / 2, cy + box / 2, 0.5, w, fs, 0);
    }
    return cy + row - y;
}

double som__widest_label(const som__job *j, double fs)
{
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_A8, 1, 1);
    cairo_t *cr = cairo_create(s);
    som__font_select(cr, fs, 0);
    double widest = 0;
    size_t units = som_map_n_units(j->map), n = j->aligned ? som_data_n_samples(j->aligned) : 0;
    for (size_t i = 0; j->majority && i < units; i++) {
        if (!j->majority[i]) continue;
        cairo_text_extents_t te;
        cairo_text_extents(cr, j->majority[i], &te);
        widest = fmax(widest, te.x_advance);
    }
    for (size_t r = 0; !j->majority && r < n; r++) {
        const char *t = som_data_label(j->aligned, r);
        if (!t) break; /* line numbers: short */
        cairo_text_extents_t te;
        cairo_text_extents(cr, t, &te);
        widest = fmax(widest, te.x_advance);
    }
    cairo_destroy(cr);
    cairo_surface_destroy(s);
    return widest;
}

double som__swatch_height(const som__job *j, int fields, double fs, double w)
{
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_A8, 1, 1);
    cairo_t *cr = cairo_create(s);
    double h = swatches(cr, j, fields, 0, 0, w, fmax(fs * 0.85, SOM_RENDER_MIN_TEXT_PX), 0);
    cairo_destroy(cr);
    cairo_surface_destroy(s);
    return h + fs * 0.5;
}

static void draw_legend(cairo_t *cr, const job *j, const panel *p)
{
    double fs = legend_fs(p);
    if (p->kind == PANEL_MARKERS) { /* [hatch] empty   marker area: ... */
        double sw = p->lh * 1.6, gap = fs * 1.5;
        double ew = text_width(cr, "empty", fs, 0), tw = text_width(cr, p->legend_note, fs, 0);
        double x = p->px + fmax((p->pw - (sw + 4 + ew + gap + tw)) / 2, 4);
        cairo_rectangle(cr, x, p->ly, sw, p->lh);
        som__set_rgb(cr, EMPTY_RGB);
        cairo_fill_preserve(cr);
        hatch_cell(cr, x + sw / 2, p->ly + p->lh / 2, p->lh * 2.5);
        cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
        som__text(cr, "empty", x + sw + 4, p->ly + p->lh / 2, 0.0, 0, fs, 0);
        som__text(cr, p->legend_note, x + sw + 4 + ew + gap, p->ly + p->lh / 2, 0.0,
                  p->px + p->pw - 4 - (x + sw + 4 + ew + gap), fs, 0);
        return;
    }
    if (p->kind == PANEL_LABELS && j->o.labels_style == SOM_LABELS_MAJORITY) {
        swatches(cr, j, 0, p->px + 8, p->swatch_y, p->pw - 16, fs, 1);
        return;
    }
    if (p->kind == PANEL_CODES) {
        swatches(cr, j, 1, p->px + 8, p->swatch_y, p->pw - 16, fs, 1);
        return;
    }
    draw_gradient_legend(cr, j, p);
}

/* ---- clusters -------------------------------------------------------------- */

/* Cluster c of k: hues a golden angle apart, so that neighbouring numbers
 * (which tend to be neighbouring patches) differ most, at a lightness that
 * dark text and dark boundary lines read on. */
static void cluster_colour(size_t c, unsigned char rgb[3])
{
    double h = fmod(0.58 + 0.618033988749895 * (double)c, 1.0) * 6.0;
    double s = 0.55, l = 0.64 - 0.08 * (double)((c / 7) % 2);
    double ch = (1 - fabs(2 * l - 1)) * s, x = ch * (1 - fabs(fmod(h, 2.0) - 1)), m = l - ch / 2;
    double r = 0, g = 0, b = 0;
    switch ((int)h) {
    case 0: r = ch, g = x; break;
    case 1: r = x, g = ch; break;
    case 2: g = ch, b = x; break;
    case 3: g = x, b = ch; break;
    case 4: r = x, b = ch; break;
    default: r = ch, b = x; break;
    }
    rgb[0] = (unsigned char)lround(255 * (r + m));
    rgb[1] = (unsigned char)lround(255 * (g + m));
    rgb[2] = (unsigned char)lround(255 * (b + m));
}

static void fill_clusters(cairo_t *cr, const job *j, const panel *p)
{
    const som__cells *c = p->cells;
    for (size_t i = 0; i < c->n; i++) {
        unsigned char rgb[3];
        cluster_colour((size_t)p->values[i], rgb);
        double x, y;
        som__cell_center(p, i, &x, &y);
        som__cell_path(cr, x, y, p->s, c->size, c->hex);
        som__set_rgb(cr, rgb);
        cairo_fill_preserve(cr);
        if (j->o.borders) cairo_set_source_rgba(cr, 0.13, 0.13, 0.13, 0.35);
        cairo_set_line_width(cr, j->o.borders ? border_width(p) * 0.6 : 0.75);
        cairo_stroke(cr);
    }
    if (j->n_classes) {
        /* the data's classes: a dot of the unit's majority class, its
         * area growing with the class's share of the unit's rows */
        for (size_t i = 0; i < c->n; i++) {
            if (j->unit_class[i] < 0) continue;
            unsigned char rgb[3];
            som_class_color((size_t)j->unit_class[i], rgb);
            double x, y, r = p->s * 0.3 * sqrt(j->purity[i]);
            som__cell_center(p, i, &x, &y);
            cairo_arc(cr, x, y, fmax(r, 1.5), 0, 2 * M_PI);
            som__set_rgb(cr, rgb);
            cairo_fill_preserve(cr);
            cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
            cairo_set_line_width(cr, som__clampd(p->s / 30, 0.6, 1.5));
            cairo_stroke(cr);
        }
        return;
    }
    /* The cluster's number in each cell, when it is legible. */
    if (!p->cell_fs) return;
    cairo_set_source_rgba(cr, 0.1, 0.1, 0.1, 0.75);
    char buf[16];
    for (size_t i = 0; i < c->n; i++) {
        double x, y;
        som__cell_center(p, i, &x, &y);
        snprintf(buf, sizeof buf, "%zu", (size_t)p->values[i]);
        if (text_width(cr, buf, p->cell_fs, 0) > p->s * 0.8) continue;
        som__text(cr, buf, x, y, 0.5, 0, p->cell_fs, 0);
    }
}

/* A line along the edge two neighbouring cells share, wherever their units
 * are in different clusters. Edges come from the drawn cells: the
 * perpendicular bisector of the centres, one hexagon side long, for
 * hexagons; the overlap of the facing sides for squares (half a side
 * between the shifted rows of a hex grid drawn square). Neighbours across
 * a toroid's wrap are not side by side in the picture and get no line. */
static void draw_boundaries(cairo_t *cr, const job *j, const panel *p)
{
    const som_grid *g = som_map_grid(j->map);
    const uint32_t *cl = som_map_clusters(j->map);
    size_t units = som_map_n_units(j->map);
    const som__cells *u = &j->units;
    /* Lines run a unit's length; the U-matrix lattice ends a quarter unit
     * outside the units, so keep them inside the panel's cells. */
    cairo_save(cr);
    cairo_rectangle(cr, p->ox, p->oy, (p->cells->x1 - p->cells->x0) * p->s,
                    (p->cells->y1 - p->cells->y0) * p->s);
    cairo_clip(cr);
    cairo_set_source_rgb(cr, 0.08, 0.08, 0.08);
    cairo_set_line_width(cr, som__clampd(p->s / 9, 1.5, 5));
    cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
    for (size_t a = 0; a < units; a++) {
        size_t nb[6];
        size_t m = som_grid_neighbors(g, a, nb);
        for (size_t t = 0; t < m; t++) {
            size_t b = nb[t];
            if (b <= a || cl[a] == cl[b]) continue;
            double dx = u->x[b] - u->x[a], dy = u->y[b] - u->y[a];
            if (dx * dx + dy * dy > 1.44) continue; /* wrapped */
            double mx = (u->x[a] + u->x[b]) / 2, my = (u->y[a] + u->y[b]) / 2;
            double x0, y0, x1, y1;
            if (u->hex) {
                double len = sqrt(dx * dx + dy * dy), half = 0.5 / sqrt(3.0);
                x0 = mx - dy / len * half;
                y0 = my + dx / len * half;
                x1 = mx + dy / len * half;
                y1 = my - dx / len * half;
            } else if (fabs(dx) >= fabs(dy)) {
                x0 = x1 = mx;
                y0 = fmax(u->y[a], u->y[b]) - 0.5;
                y1 = fmin(u->y[a], u->y[b]) + 0.5;
            } else {
                y0 = y1 = my;
                x0 = fmax(u->x[a], u->x[b]) - 0.5;
                x1 = fmin(u->x[a], u->x[b]) + 0.5;
            }
            /* Grid units to the page, as for the unit centres. */
            cairo_move_to(cr, p->ox + (x0 - p->cells->x0) * p->s, p->oy + (y0 - p->cells->y0) * p->s);
            cairo_line_to(cr, p->ox + (x1 - p->cells->x0) * p->s, p->oy + (y1 - p->cells->y0) * p->s);
        }
    }
    cairo_stroke(cr);
    cairo_restore(cr);
}

static void draw_cluster_legend(cairo_t *cr, const panel *p)
{
    size_t k = (size_t)p->hi + 1;
    double fs = legend_fs(p);
    if (k > 24) {
        char buf[64];
        snprintf(buf, sizeof buf, "%zu clusters", k);
        cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
        som__text(cr, buf, p->px + p->pw / 2, p->ly + p->lh / 2, 0.5, p->pw - 8, fs, 0);
        return;
    }
    double w = p->lw / (double)k;
    for (size_t c = 0; c < k; c++) {
        unsigned char rgb[3];
        cluster_colour(c, rgb);
        som__set_rgb(cr, rgb);
        cairo_rectangle(cr, p->lx + w * (double)c, p->ly, w, p->lh);
        cairo_fill(cr);
        char buf[16];
        snprintf(buf, sizeof buf, "%zu", c);
        cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
        som__text(cr, buf, p->lx + w * ((double)c + 0.5), p->ly + p->lh + fs * 0.9, 0.5, w, fs, 0);
    }
    cairo_set_source_rgb(cr, 0.4, 0.4, 0.4);
    cairo_set_line_width(cr, 0.6);
    cairo_rectangle(cr, p->lx, p->ly, p->lw, p->lh);
    cairo_stroke(cr);
}

static void draw_page_title(cairo_t *cr, const job *j)
{
    if (!j->o.titles || !j->page_title[0]) return;
    cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
    som__text(cr, j->page_title, j->width / 2.0, 14, 0.5, j->width - 16, 13, 1);
}

int som__job_draw(cairo_t *cr, const job *j, som_error *err)
{
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    draw_page_title(cr, j);
    for (size_t i = 0; i < j->n_panels; i++) {
        const panel *p = &j->panels[i];
        int rc = som_cancel_poll(err); /* a picture per panel */
        if (rc != SOM_OK) return rc;
        if (p->kind == PANEL_ERROR) {
            rc = som__draw_error_chart(cr, j->map, &j->o, p->px, p->py, p->pw, p->ph, err);
            if (rc != SOM_OK) return rc;
            continue;
        }
        if (p->kind == PANEL_CLUSTERS) fill_clusters(cr, j, p);
        else fill_cells(cr, j, p, p->kind == PANEL_MARKERS || p->kind == PANEL_CODES);
        if (p->kind == PANEL_MARKERS) draw_markers(cr, j, p);
        if (p->kind == PANEL_CODES) som__draw_codes(cr, j, p);
        if (p->kind == PANEL_VALUES && p->hits) draw_counts(cr, j, p);
        if (p->kind == PANEL_CLUSTERS || j->o.boundaries) draw_boundaries(cr, j, p);
        if (p->kind == PANEL_LABELS) draw_labels(cr, j, p);
        if (j->o.titles) {
            cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
            double pad = 8, tb = p->fs * 1.8;
            som__text(cr, p->title, p->px + p->pw / 2, p->py + pad + tb / 2, 0.5, p->pw - 2 * pad,
                      p->fs * 1.1, 1);
            if (p->kind == PANEL_CLUSTERS) {
                draw_cluster_legend(cr, p);
                if (j->n_classes) swatches(cr, j, 0, p->px + 8, p->swatch_y, p->pw - 16, legend_fs(p), 1);
            } else {
                draw_legend(cr, j, p);
            }
        }
    }
    return SOM_OK;
}
