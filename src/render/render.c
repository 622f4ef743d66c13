/* SPDX-License-Identifier: MIT */
/* render.c — the pictures: what each plot puts in which panel, where the
 * panels go on the page, and how a panel of coloured cells is drawn.
 *
 * A picture is built in three steps so that the layout can be asked for
 * without drawing (som_render_unit_center, for tests and hover look-ups):
 *   1. job_build: compute every panel's values (planes, U-matrix, hits,
 *      labels) from the public map/data calls;
 *   2. job_layout: page size, one box per panel, each panel's map transform
 *      (pixels per grid unit and origin) and its legend strip;
 *   3. job_draw: paint. */
#include "render_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- small helpers ------------------------------------------------------- */

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

static void set_rgb(cairo_t *cr, const unsigned char rgb[3])
{
    cairo_set_source_rgb(cr, rgb[0] / 255.0, rgb[1] / 255.0, rgb[2] / 255.0);
}

void som_render_opts_init(som_render_opts *o)
{
    memset(o, 0, sizeof *o);
    o->plot = SOM_PLOT_PLANES;
    o->colors = SOM_COLORS_VIRIDIS;
    o->cells = SOM_CELLS_AUTO;
    o->borders = 1;
    o->titles = 1;
    o->hits_style = SOM_HITS_COLOR;
    o->labels_style = SOM_LABELS_MAJORITY;
    o->umatrix = SOM_UMATRIX_UNITS;
}

void som_render_free(void *buf) { free(buf); }

/* ---- the job -------------------------------------------------------------- */

typedef enum panel_kind {
    PANEL_VALUES,  /* cells coloured by values, gradient legend */
    PANEL_MARKERS, /* light cells with markers sized by values */
    PANEL_LABELS,  /* cells coloured by values, text on top */
    PANEL_ERROR,   /* the training-error chart */
    PANEL_CLUSTERS /* cells in their cluster's colour, cluster boundaries */
} panel_kind;

typedef struct panel {
    panel_kind kind;
    char title[160];
    const som__cells *cells; /* the units or the U-matrix lattice */
    double *values;          /* one per cell; owned unless values_borrowed */
    int values_borrowed;
    double lo, hi;           /* legend range */
    char legend_note[64];    /* MARKERS: text instead of a gradient */
    /* layout, in pixels */
    double px, py, pw, ph;   /* the panel's box */
    double s, ox, oy;        /* page = o + (grid - cells->x0/y0) * s */
    double fs;               /* font size */
    double lx, ly, lw, lh;   /* legend strip */
} panel;

typedef struct job {
    const som_map *map;
    som_render_opts o;
    int hex;                 /* hexagonal cells */
    som__cells units, lattice;
    double *umat;
    som_data *aligned;       /* data matched to the map's fields */
    size_t *bmu, *hits, max_hits;
    const char **majority;   /* per unit, borrowed from aligned */
    panel *panels;
    size_t n_panels, cap_panels;
    int width, height;
    size_t per_row;
} job;

static void job_free(job *j)
{
    for (size_t i = 0; i < j->n_panels; i++)
        if (!j->panels[i].values_borrowed) free(j->panels[i].values);
    free(j->panels);
    som__cells_free(&j->units);
    som__cells_free(&j->lattice);
    free(j->umat);
    free(j->bmu);
    free(j->hits);
    free(j->majority);
    som_data_free(j->aligned);
    memset(j, 0, sizeof *j);
}

static panel *add_panel(job *j, panel_kind kind, const char *title, som_error *err)
{
    if (j->n_panels == j->cap_panels) {
        size_t cap = j->cap_panels ? 2 * j->cap_panels : 8;
        panel *p = realloc(j->panels, cap * sizeof *p);
        if (!p) {
            som_error_set(err, SOM_ENOMEM, "out of memory");
            return NULL;
        }
        j->panels = p;
        j->cap_panels = cap;
    }
    panel *p = &j->panels[j->n_panels++];
    memset(p, 0, sizeof *p);
    p->kind = kind;
    snprintf(p->title, sizeof p->title, "%s", title ? title : "");
    p->cells = &j->units;
    return p;
}

static double *new_values(size_t n, som_error *err)
{
    double *v = calloc(n ? n : 1, sizeof *v);
    if (!v) som_error_set(err, SOM_ENOMEM, "out of memory");
    return v;
}

static void range_of(const double *v, size_t n, double *lo, double *hi)
{
    *lo = (double)INFINITY;
    *hi = -(double)INFINITY;
    for (size_t i = 0; i < n; i++) {
        if (isnan(v[i])) continue;
        if (v[i] < *lo) *lo = v[i];
        if (v[i] > *hi) *hi = v[i];
    }
    if (*lo > *hi) *lo = *hi = 0;
}

static int check_opts(const som_map *map, const som_render_opts *o, som_error *err)
{
    if ((unsigned)o->plot >= SOM_PLOT_COUNT)
        return som_error_set(err, SOM_EINVAL, "unknown plot kind %d", (int)o->plot);
    if ((unsigned)o->colors >= SOM_COLORS_COUNT)
        return som_error_set(err, SOM_EINVAL, "unknown colour scheme %d", (int)o->colors);
    if ((unsigned)o->cells > SOM_CELLS_SQUARE)
        return som_error_set(err, SOM_EINVAL, "unknown cell shape %d", (int)o->cells);
    if ((unsigned)o->hits_style > SOM_HITS_MARKERS)
        return som_error_set(err, SOM_EINVAL, "unknown hits style %d", (int)o->hits_style);
    if ((unsigned)o->labels_style > SOM_LABELS_ALL)
        return som_error_set(err, SOM_EINVAL, "unknown labels style %d", (int)o->labels_style);
    if ((unsigned)o->umatrix > SOM_UMATRIX_FULL)
        return som_error_set(err, SOM_EINVAL, "unknown U-matrix style %d", (int)o->umatrix);
    if (o->width < 0 || o->height < 0 || o->width > 32767 || o->height > 32767)
        return som_error_set(err, SOM_EINVAL, "picture size %dx%d is out of range (1..32767)",
                                 o->width, o->height);
    if (o->cells == SOM_CELLS_HEX && som_map_grid(map)->topology != SOM_HEX)
        return som_error_set(err, SOM_EINVAL,
                                 "hexagonal cells need a hexagonal grid (this map is rectangular)");
    if (o->n_fields && !o->fields)
        return som_error_set(err, SOM_EINVAL, "n_fields is %zu but fields is NULL", o->n_fields);
    for (size_t k = 0; k < o->n_fields; k++) {
        if (o->fields[k] && som_map_find_title(map, o->fields[k]) >= 0) continue;
        char list[400] = "";
        size_t dim = som_map_dim(map), used = 0;
        for (size_t f = 0; f < dim && used + 1 < sizeof list; f++) {
            int w = snprintf(list + used, sizeof list - used, "%s%s", f ? ", " : "",
                             som_map_title(map, f));
            if (w < 0) break;
            used += (size_t)w;
        }
        if (used >= sizeof list) snprintf(list + sizeof list - 5, 5, "...");
        return som_error_set(err, SOM_EINVAL, "the map has no field titled '%s' (fields: %s)",
                                 o->fields[k] ? o->fields[k] : "(null)", list);
    }
    return SOM_OK;
}

/* BMUs, hits and (when asked) majority labels of the data. */
static int prepare_data(job *j, const som_data *data, int want_majority, som_error *err)
{
    int rc = som_map_align_data(j->map, data, &j->aligned, err);
    if (rc != SOM_OK) return rc;
    size_t n = som_data_n_samples(j->aligned), units = som_map_n_units(j->map);
    j->bmu = calloc(n ? n : 1, sizeof *j->bmu);
    j->hits = calloc(units, sizeof *j->hits);
    if (!j->bmu || !j->hits) return som_error_set(err, SOM_ENOMEM, "out of memory");
    rc = som_map_bmus(j->map, j->aligned, j->bmu, NULL, NULL, j->o.threads, err);
    if (rc != SOM_OK) return rc;
    j->max_hits = 0;
    for (size_t i = 0; i < n; i++)
        if (j->bmu[i] < units && ++j->hits[j->bmu[i]] > j->max_hits) j->max_hits = j->hits[j->bmu[i]];
    if (want_majority) {
        if (!som_data_label(j->aligned, 0))
            return som_error_set(err, SOM_EINVAL,
                                     "the data has no label column, so units have no majority label "
                                     "(use the 'all' labels style to show row numbers)");
        j->majority = calloc(units, sizeof *j->majority);
        if (!j->majority) return som_error_set(err, SOM_ENOMEM, "out of memory");
        rc = som_map_unit_labels(j->map, j->aligned, j->bmu, j->majority, err);
        if (rc != SOM_OK) return rc;
    }
    return SOM_OK;
}

static int add_planes(job *j, som_error *err)
{
    size_t dim = som_map_dim(j->map), units = som_map_n_units(j->map);
    size_t nf = j->o.n_fields ? j->o.n_fields : dim;
    float *w = malloc(units * dim * sizeof *w);
    if (!w) return som_error_set(err, SOM_ENOMEM, "out of memory");
    for (size_t i = 0; i < units; i++) som_map_unit_weights(j->map, i, w + i * dim);
    for (size_t k = 0; k < nf; k++) {
        size_t f = j->o.n_fields ? (size_t)som_map_find_title(j->map, j->o.fields[k]) : k;
        panel *p = add_panel(j, PANEL_VALUES, som_map_title(j->map, f), err);
        if (!p || !(p->values = new_values(units, err))) {
            free(w);
            return SOM_ENOMEM;
        }
        for (size_t i = 0; i < units; i++) p->values[i] = (double)w[i * dim + f];
        /* The legend shows the field's range over the data (original
         * units), so planes of different maps of one data set compare. */
        som_map_field_range(j->map, f, &p->lo, &p->hi);
        double lo, hi;
        range_of(p->values, units, &lo, &hi);
        if (!(p->hi >= p->lo) || !isfinite(p->lo) || !isfinite(p->hi)) {
            p->lo = lo;
            p->hi = hi;
        }
    }
    free(w);
    return SOM_OK;
}

static int add_umatrix(job *j, som_error *err)
{
    size_t units = som_map_n_units(j->map);
    panel *p = add_panel(j, PANEL_VALUES, "U-matrix", err);
    if (!p) return SOM_ENOMEM;
    if (j->o.umatrix == SOM_UMATRIX_FULL) {
        if (!j->lattice.n) {
            int rc = som__cells_umatrix_full(&j->lattice, j->map, j->hex, j->umat, err);
            if (rc != SOM_OK) return rc;
        }
        p->cells = &j->lattice;
        p->values = j->lattice.v;
        p->values_borrowed = 1;
        range_of(p->values, j->lattice.n, &p->lo, &p->hi);
    } else {
        if (!(p->values = new_values(units, err))) return SOM_ENOMEM;
        memcpy(p->values, j->umat, units * sizeof *p->values);
        range_of(p->values, units, &p->lo, &p->hi);
    }
    return SOM_OK;
}

static int add_hits(job *j, som_error *err)
{
    size_t units = som_map_n_units(j->map);
    int markers = j->o.hits_style == SOM_HITS_MARKERS;
    panel *p = add_panel(j, markers ? PANEL_MARKERS : PANEL_VALUES, "Hits", err);
    if (!p || !(p->values = new_values(units, err))) return SOM_ENOMEM;
    for (size_t i = 0; i < units; i++) p->values[i] = (double)j->hits[i];
    p->lo = 0;
    p->hi = (double)j->max_hits;
    if (markers)
        snprintf(p->legend_note, sizeof p->legend_note, "marker area: hits (max %zu)", j->max_hits);
    return SOM_OK;
}

static int add_labels(job *j, som_error *err)
{
    size_t units = som_map_n_units(j->map);
    panel *p = add_panel(j, PANEL_LABELS,
                         j->o.labels_style == SOM_LABELS_ALL ? "Titles at BMUs" : "Labels", err);
    if (!p || !(p->values = new_values(units, err))) return SOM_ENOMEM;
    memcpy(p->values, j->umat, units * sizeof *p->values);
    range_of(p->values, units, &p->lo, &p->hi);
    return SOM_OK;
}

static int add_clusters(job *j, som_error *err)
{
    size_t units = som_map_n_units(j->map), k = som_map_n_clusters(j->map);
    char title[64];
    snprintf(title, sizeof title, "Clusters (k = %zu)", k);
    panel *p = add_panel(j, PANEL_CLUSTERS, title, err);
    if (!p || !(p->values = new_values(units, err))) return SOM_ENOMEM;
    const uint32_t *c = som_map_clusters(j->map);
    for (size_t i = 0; i < units; i++) p->values[i] = (double)c[i];
    p->lo = 0;
    p->hi = (double)(k - 1);
    return SOM_OK;
}

static int job_build(job *j, const som_map *map, const som_data *data,
                     const som_render_opts *opts, som_error *err)
{
    memset(j, 0, sizeof *j);
    j->map = map;
    if (opts) j->o = *opts;
    else som_render_opts_init(&j->o);
    if (!map) return som_error_set(err, SOM_EINVAL, "no map to draw");
    int rc = check_opts(map, &j->o, err);
    if (rc != SOM_OK) return rc;
    const som_grid *g = som_map_grid(map);
    j->hex = j->o.cells == SOM_CELLS_HEX || (j->o.cells == SOM_CELLS_AUTO && g->topology == SOM_HEX);
    rc = som__cells_units(&j->units, map, j->hex, err);
    if (rc != SOM_OK) return rc;
    size_t units = som_map_n_units(map);
    j->umat = calloc(units, sizeof *j->umat);
    if (!j->umat) return som_error_set(err, SOM_ENOMEM, "out of memory");
    som_map_umatrix(map, j->umat);

    som_plot plot = j->o.plot;
    if ((plot == SOM_PLOT_CLUSTERS || j->o.boundaries) && som_map_n_clusters(map) == 0)
        return som_error_set(err, SOM_EINVAL, "the model has no clusters to draw%s (make them with "
                             "'som cluster')", plot == SOM_PLOT_CLUSTERS ? "" : " boundaries of");
    if ((plot == SOM_PLOT_HITS || plot == SOM_PLOT_LABELS) && !data)
        return som_error_set(err, SOM_EINVAL, "the %s plot needs data (rows to find BMUs for)",
                                 som_plot_name(plot));
    if (data && (plot == SOM_PLOT_HITS || plot == SOM_PLOT_LABELS || plot == SOM_PLOT_DASHBOARD)) {
        rc = prepare_data(j, data,
                          plot == SOM_PLOT_LABELS && j->o.labels_style == SOM_LABELS_MAJORITY, err);
        if (rc != SOM_OK) return rc;
    }
    switch (plot) {
    case SOM_PLOT_PLANES: rc = add_planes(j, err); break;
    case SOM_PLOT_UMATRIX: rc = add_umatrix(j, err); break;
    case SOM_PLOT_HITS: rc = add_hits(j, err); break;
    case SOM_PLOT_LABELS: rc = add_labels(j, err); break;
    case SOM_PLOT_ERROR:
        if (som_map_history_len(map) == 0)
            return som_error_set(err, SOM_EEMPTY,
                                     "the model has no training history to plot");
        rc = add_panel(j, PANEL_ERROR, "Training error", err) ? SOM_OK : SOM_ENOMEM;
        break;
    case SOM_PLOT_CLUSTERS: rc = add_clusters(j, err); break;
    case SOM_PLOT_DASHBOARD:
        rc = add_umatrix(j, err);
        if (rc == SOM_OK && data) rc = add_hits(j, err);
        if (rc == SOM_OK) rc = add_planes(j, err);
        break;
    }
    return rc;
}

/* ---- layout --------------------------------------------------------------- */

#define PANEL_MAP_PX 220.0 /* default map width per panel, pixels */

static double clampd(double v, double lo, double hi) { return v < lo ? lo : v > hi ? hi : v; }

/* Height of the title band and the legend band for a panel font size. */
static double title_band(const job *j, double fs) { return j->o.titles ? fs * 1.8 : 0; }
static double legend_band(const job *j, double fs) { return j->o.titles ? fs * 2.6 : 0; }
static double pad_of(const job *j) { return j->o.titles ? 8 : 3; }

static void job_layout(job *j)
{
    size_t n = j->n_panels;
    size_t k = j->o.per_row ? j->o.per_row : (n <= 4 ? n : (size_t)ceil(sqrt((double)n)));
    if (k > n) k = n;
    if (k == 0) k = 1;
    size_t m = (n + k - 1) / k;
    j->per_row = k;

    double ew = j->units.x1 - j->units.x0, eh = j->units.y1 - j->units.y0;
    int is_chart = n == 1 && j->panels[0].kind == PANEL_ERROR;
    double dw, dh; /* default picture size */
    if (is_chart) {
        dw = 720;
        dh = 360;
    } else {
        /* Labels need room for text in every cell; a lone panel may be
         * larger than one of many. */
        double mw = n == 1 ? 1.5 * PANEL_MAP_PX : PANEL_MAP_PX;
        if (n == 1 && j->panels[0].kind == PANEL_LABELS)
            mw = clampd(ew * (j->o.labels_style == SOM_LABELS_ALL ? 64 : 48), mw, 1400);
        double mh = mw * eh / ew;
        double mh_max = n == 1 ? fmax(450, mw * 0.9) : 300;
        if (mh > mh_max) {
            mh = mh_max;
            mw = mh * ew / eh;
        }
        double fs = clampd((mw + 2 * pad_of(j)) / 16, 9, 14);
        if (mw < 150 && j->o.titles) mw = 150; /* room for the legend */
        dw = (double)k * (mw + 2 * pad_of(j));
        dh = (double)m * (mh + 2 * pad_of(j) + title_band(j, fs) + legend_band(j, fs));
    }
    if (j->o.width > 0 && j->o.height > 0) {
        j->width = j->o.width;
        j->height = j->o.height;
    } else if (j->o.width > 0) {
        j->width = j->o.width;
        j->height = (int)clampd(floor(dh * j->o.width / dw + 0.5), 1, 32767);
    } else if (j->o.height > 0) {
        j->height = j->o.height;
        j->width = (int)clampd(floor(dw * j->o.height / dh + 0.5), 1, 32767);
    } else {
        j->width = (int)clampd(ceil(dw), 1, 32767);
        j->height = (int)clampd(ceil(dh), 1, 32767);
    }

    double pw = (double)j->width / (double)k, ph = (double)j->height / (double)m;
    for (size_t i = 0; i < n; i++) {
        panel *p = &j->panels[i];
        p->px = (double)(i % k) * pw;
        p->py = (double)(i / k) * ph;
        p->pw = pw;
        p->ph = ph;
        p->fs = clampd(fmin(pw, ph * 1.2) / 16, 8, 14);
        if (p->kind == PANEL_ERROR) continue;
        double pad = pad_of(j), tb = title_band(j, p->fs), lb = legend_band(j, p->fs);
        double ax = p->px + pad, ay = p->py + pad + tb;
        double aw = pw - 2 * pad, ah = ph - 2 * pad - tb - lb;
        if (aw < 1) aw = 1;
        if (ah < 1) ah = 1;
        const som__cells *c = p->cells;
        double cw = c->x1 - c->x0, ch = c->y1 - c->y0;
        p->s = fmin(aw / cw, ah / ch);
        p->ox = ax + (aw - cw * p->s) / 2;
        p->oy = ay + (ah - ch * p->s) / 2;
        p->lw = fmin(aw, fmax(cw * p->s, 0.7 * aw));
        p->lh = p->fs * 0.9;
        p->lx = p->px + (pw - p->lw) / 2;
        p->ly = p->oy + ch * p->s + p->fs * 0.5;
    }
}

/* Page position of cell i of panel p. */
static void cell_center(const panel *p, size_t i, double *x, double *y)
{
    *x = p->ox + (p->cells->x[i] - p->cells->x0) * p->s;
    *y = p->oy + (p->cells->y[i] - p->cells->y0) * p->s;
}

/* ---- drawing ---------------------------------------------------------------- */

static double value_t(const panel *p, double v)
{
    return p->hi > p->lo ? (v - p->lo) / (p->hi - p->lo) : 0.5;
}

static double border_width(const panel *p) { return clampd(p->s / 40, 0.6, 2.0); }

/* Outlines over the filled cells; without borders a hairline in each
 * cell's own colour instead, which closes the antialiasing seams between
 * neighbours (the MQL5 rule: the outline takes the fill colour). */
static void fill_cells(cairo_t *cr, const job *j, const panel *p, int light)
{
    const som__cells *c = p->cells;
    for (size_t i = 0; i < c->n; i++) {
        double v = p->values[i];
        if (isnan(v)) continue;
        unsigned char rgb[3];
        if (light) rgb[0] = rgb[1] = rgb[2] = 244;
        else som_colormap(j->o.colors, value_t(p, v), rgb);
        double x, y;
        cell_center(p, i, &x, &y);
        som__cell_path(cr, x, y, p->s, c->size, c->hex);
        set_rgb(cr, rgb);
        if (j->o.borders) {
            cairo_fill(cr);
        } else {
            cairo_fill_preserve(cr);
            cairo_set_line_width(cr, 0.75);
            cairo_stroke(cr);
        }
    }
    if (!j->o.borders) return;
    cairo_set_source_rgb(cr, 0.13, 0.13, 0.13);
    cairo_set_line_width(cr, border_width(p));
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
    for (size_t i = 0; i < c->n; i++) {
        if (isnan(p->values[i])) continue;
        double x, y;
        cell_center(p, i, &x, &y);
        som__cell_path(cr, x, y, p->s, c->size, c->hex);
    }
    cairo_stroke(cr);
}

static void draw_markers(cairo_t *cr, const job *j, const panel *p)
{
    unsigned char rgb[3];
    som_colormap(j->o.colors, 0.1, rgb);
    set_rgb(cr, rgb);
    for (size_t i = 0; i < p->cells->n; i++) {
        if (!(p->values[i] > 0) || !(p->hi > 0)) continue;
        double x, y, f = 0.9 * sqrt(p->values[i] / p->hi);
        cell_center(p, i, &x, &y);
        som__cell_path(cr, x, y, p->s * f, p->cells->size, p->cells->hex);
        cairo_fill(cr);
    }
}

/* Black or white, whichever reads better on the cell colour. */
static void text_colour_for(cairo_t *cr, const unsigned char rgb[3])
{
    double lum = 0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2];
    if (lum > 140) cairo_set_source_rgb(cr, 0, 0, 0);
    else cairo_set_source_rgb(cr, 1, 1, 1);
}

/* One font size for every label of a panel reads better than each label
 * shrunk on its own: the size at which the widest label fits, but not
 * below 70% of `base` (labels still too wide then shrink alone). */
static double common_size(cairo_t *cr, const job *j, const panel *p,
                          double base, double width)
{
    som__font_select(cr, base, 0);
    double widest = 0;
    size_t units = som_map_n_units(j->map);
    if (j->o.labels_style == SOM_LABELS_MAJORITY) {
        for (size_t i = 0; i < units; i++) {
            if (!j->majority[i]) continue;
            cairo_text_extents_t te;
            cairo_text_extents(cr, j->majority[i], &te);
            if (te.x_advance > widest) widest = te.x_advance;
        }
    } else {
        size_t n = som_data_n_samples(j->aligned);
        for (size_t r = 0; r < n; r++) {
            const char *t = som_data_label(j->aligned, r);
            if (!t) break; /* line numbers: short */
            cairo_text_extents_t te;
            cairo_text_extents(cr, t, &te);
            if (te.x_advance > widest) widest = te.x_advance;
        }
    }
    (void)p;
    if (widest <= width) return base;
    return fmax(base * width / widest, 0.7 * base);
}

static void draw_labels(cairo_t *cr, const job *j, const panel *p)
{
    size_t units = som_map_n_units(j->map);
    double cw = p->s * 0.86; /* text width that stays inside a cell */
    if (j->o.labels_style == SOM_LABELS_MAJORITY) {
        double fs = common_size(cr, j, p, clampd(p->s * 0.28, 5, 16), cw);
        for (size_t i = 0; i < units; i++) {
            if (!j->majority[i]) continue;
            unsigned char rgb[3];
            som_colormap(j->o.colors, value_t(p, p->values[i]), rgb);
            text_colour_for(cr, rgb);
            double x, y;
            cell_center(p, i, &x, &y);
            som__text(cr, j->majority[i], x, y, 0.5, cw, fs, 0);
        }
        return;
    }
    /* every row's title at its BMU: as many lines as fit, then "+N" */
    size_t n = som_data_n_samples(j->aligned);
    double fs = common_size(cr, j, p, clampd(p->s * 0.2, 5, 12), cw), line = fs * 1.15;
    size_t max_lines = (size_t)fmax(1, floor(p->s * 0.8 / line));
    for (size_t i = 0; i < units; i++) {
        size_t cnt = j->hits[i];
        if (!cnt) continue;
        size_t show = cnt <= max_lines ? cnt : max_lines - 1;
        size_t lines = show + (show < cnt);
        unsigned char rgb[3];
        som_colormap(j->o.colors, value_t(p, p->values[i]), rgb);
        text_colour_for(cr, rgb);
        double x, y;
        cell_center(p, i, &x, &y);
        double y0 = y - line * (double)(lines - 1) / 2;
        size_t k = 0;
        for (size_t r = 0; r < n && k < show; r++) {
            if (j->bmu[r] != i) continue;
            char buf[32];
            const char *t = som_data_label(j->aligned, r);
            if (!t) {
                snprintf(buf, sizeof buf, "%zu", som_data_line(j->aligned, r));
                t = buf;
            }
            som__text(cr, t, x, y0 + line * (double)k, 0.5, cw, fs, 0);
            k++;
        }
        if (show < cnt) {
            char more[32];
            snprintf(more, sizeof more, "+%zu", cnt - show);
            som__text(cr, more, x, y0 + line * (double)k, 0.5, cw, fs, 1);
        }
    }
}

static void draw_legend(cairo_t *cr, const job *j, const panel *p)
{
    double fs = p->fs * 0.85;
    cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
    if (p->kind == PANEL_MARKERS) {
        som__text(cr, p->legend_note, p->px + p->pw / 2, p->ly + p->lh / 2, 0.5, p->pw - 8, fs, 0);
        return;
    }
    /* The strip samples the scheme at 65 stops; Cairo blends between them
     * (PNG, SVG and PDF alike), which is what the cells use up to rounding. */
    cairo_pattern_t *g = cairo_pattern_create_linear(p->lx, 0, p->lx + p->lw, 0);
    for (int k = 0; k <= 64; k++) {
        unsigned char rgb[3];
        som_colormap(j->o.colors, k / 64.0, rgb);
        cairo_pattern_add_color_stop_rgb(g, k / 64.0, rgb[0] / 255.0, rgb[1] / 255.0, rgb[2] / 255.0);
    }
    cairo_rectangle(cr, p->lx, p->ly, p->lw, p->lh);
    cairo_set_source(cr, g);
    cairo_fill(cr);
    cairo_pattern_destroy(g);
    cairo_set_source_rgb(cr, 0.4, 0.4, 0.4);
    cairo_set_line_width(cr, 0.6);
    cairo_rectangle(cr, p->lx, p->ly, p->lw, p->lh);
    cairo_stroke(cr);

    char lo[32], hi[32];
    som__format_value(lo, sizeof lo, p->lo);
    som__format_value(hi, sizeof hi, p->hi);
    double ty = p->ly + p->lh + fs * 0.9;
    cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
    som__text(cr, lo, p->lx, ty, 0.0, p->lw / 2.2, fs, 0);
    som__text(cr, hi, p->lx + p->lw, ty, 1.0, p->lw / 2.2, fs, 0);
    if (p->kind == PANEL_LABELS)
        som__text(cr, "U-matrix", p->lx + p->lw / 2, ty, 0.5, p->lw / 4, fs * 0.9, 0);
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
        cell_center(p, i, &x, &y);
        som__cell_path(cr, x, y, p->s, c->size, c->hex);
        set_rgb(cr, rgb);
        cairo_fill_preserve(cr);
        if (j->o.borders) cairo_set_source_rgba(cr, 0.13, 0.13, 0.13, 0.35);
        cairo_set_line_width(cr, j->o.borders ? border_width(p) * 0.6 : 0.75);
        cairo_stroke(cr);
    }
    /* The cluster's number in each cell, when cells are big enough. */
    if (p->s < 16) return;
    double fs = clampd(p->s * 0.3, 6, 14);
    cairo_set_source_rgba(cr, 0.1, 0.1, 0.1, 0.75);
    char buf[16];
    for (size_t i = 0; i < c->n; i++) {
        double x, y;
        cell_center(p, i, &x, &y);
        snprintf(buf, sizeof buf, "%zu", (size_t)p->values[i]);
        som__text(cr, buf, x, y, 0.5, p->s * 0.8, fs, 0);
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
    cairo_set_line_width(cr, clampd(p->s / 9, 1.5, 5));
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
    double fs = p->fs * 0.85;
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
        set_rgb(cr, rgb);
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

static int job_draw(cairo_t *cr, const job *j, som_error *err)
{
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
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
        else fill_cells(cr, j, p, p->kind == PANEL_MARKERS);
        if (p->kind == PANEL_MARKERS) draw_markers(cr, j, p);
        if (p->kind == PANEL_CLUSTERS || j->o.boundaries) draw_boundaries(cr, j, p);
        if (p->kind == PANEL_LABELS) draw_labels(cr, j, p);
        if (j->o.titles) {
            cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
            som__text(cr, p->title, p->px + p->pw / 2, p->py + pad_of(j) + title_band(j, p->fs) / 2,
                      0.5, p->pw - 2 * pad_of(j), p->fs * 1.1, 1);
            if (p->kind == PANEL_CLUSTERS) draw_cluster_legend(cr, p);
            else draw_legend(cr, j, p);
        }
    }
    return SOM_OK;
}

/* ---- public entry points ------------------------------------------------------ */

static int render_to(som__surface *s, const job *j, som_error *err)
{
    cairo_t *cr = cairo_create(s->surface);
    int rc = job_draw(cr, j, err);
    if (rc != SOM_OK) {
        som__surface_abort(s, cr);
        return rc;
    }
    if (s->out) return som__surface_finish(s, cr, err);
    cairo_destroy(cr);
    return SOM_OK;
}

int som_render_file(const som_map *map, const som_data *data,
                    const som_render_opts *opts, const char *path, som_error *err)
{
    som__surface_format fmt;
    int rc = som__surface_format_from_path(path, &fmt, err);
    if (rc != SOM_OK) return rc;
    job j;
    rc = job_build(&j, map, data, opts, err);
    if (rc == SOM_OK) {
        job_layout(&j);
        /* The file is opened only now, after every check that can fail
         * without touching the disk; it is written atomically. */
        som__surface s;
        rc = som__surface_open_format(&s, fmt, path, j.width, j.height, err);
        if (rc == SOM_OK) rc = render_to(&s, &j, err);
    }
    job_free(&j);
    return rc;
}

int som_render_mem(const som_map *map, const som_data *data,
                   const som_render_opts *opts, const char *format,
                   unsigned char **buf, size_t *len, som_error *err)
{
    if (!buf || !len) return som_error_set(err, SOM_EINVAL, "NULL output buffer");
    *buf = NULL;
    *len = 0;
    int f = som__surface_format_parse(format);
    if (f < 0)
        return som_error_set(err, SOM_EINVAL, "unknown picture format '%s' (png, svg or pdf)",
                                 format ? format : "(null)");
    job j;
    int rc = job_build(&j, map, data, opts, err);
    if (rc == SOM_OK) {
        job_layout(&j);
        som__surface s;
        rc = som__surface_open_format(&s, (som__surface_format)f, NULL, j.width, j.height, err);
        if (rc == SOM_OK) {
            cairo_t *cr = cairo_create(s.surface);
            rc = job_draw(cr, &j, err);
            if (rc == SOM_OK) rc = som__surface_finish_mem(&s, cr, buf, len, err);
            else som__surface_abort(&s, cr);
        }
    }
    job_free(&j);
    return rc;
}

int som_render_unit_center(const som_map *map, const som_data *data,
                           const som_render_opts *opts, size_t panel_index,
                           size_t unit, double *x, double *y, double *half_width,
                           som_error *err)
{
    job j;
    int rc = job_build(&j, map, data, opts, err);
    if (rc == SOM_OK) {
        job_layout(&j);
        if (panel_index >= j.n_panels || j.panels[panel_index].kind == PANEL_ERROR) {
            rc = som_error_set(err, SOM_EINVAL, "the picture has no map panel %zu", panel_index);
        } else if (unit >= som_map_n_units(map)) {
            rc = som_error_set(err, SOM_EINVAL, "unit %zu is out of range", unit);
        } else {
            const panel *p = &j.panels[panel_index];
            /* unit centres are the same in the lattice's coordinates */
            *x = p->ox + (j.units.x[unit] - p->cells->x0) * p->s;
            *y = p->oy + (j.units.y[unit] - p->cells->y0) * p->s;
            if (half_width) *half_width = p->s / 2;
        }
    }
    job_free(&j);
    return rc;
}
