/* SPDX-License-Identifier: MIT */
/* render.c — the pictures: what each plot puts in which panel and where the
 * panels go on the page (drawing is draw.c and codes.c).
 *
 * A picture is built in three steps so that the layout can be asked for
 * without drawing (som_render_unit_center, for tests and hover look-ups):
 *   1. job_build: compute every panel's values (planes, U-matrix, hits,
 *      labels, classes) from the public map/data calls;
 *   2. job_layout: page size, one box per panel, each panel's map transform
 *      (pixels per grid unit and origin), its legend and its text sizes;
 *   3. som__job_draw: paint. */
#include "render_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef som__job job;
typedef som__panel panel;

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

void som__set_rgb(cairo_t *cr, const unsigned char rgb[3])
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
    o->range = SOM_RANGE_CODEBOOK;
    o->color_scale = SOM_COLOR_SCALE_LINEAR;
}

void som_render_free(void *buf) { free(buf); }

/* ---- the job -------------------------------------------------------------- */

static void job_free(job *j)
{
    for (size_t i = 0; i < j->n_panels; i++) {
        if (!j->panels[i].values_borrowed) free(j->panels[i].values);
        free(j->panels[i].sorted);
    }
    free(j->panels);
    som__cells_free(&j->units);
    som__cells_free(&j->lattice);
    free(j->umat);
    free(j->bmu);
    free(j->hits);
    free(j->majority);
    free(j->classes);
    free(j->unit_class);
    free(j->purity);
    free(j->fields);
    som_data_free(j->aligned);
    memset(j, 0, sizeof *j);
}

static panel *add_panel(job *j, som__panel_kind kind, const char *title, som_error *err)
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
    p->data_lo = p->data_hi = (double)NAN;
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

/* Options added after the first release. */
static int check_opts_more(const som_map *map, const som_render_opts *o, som_error *err)
{
    if ((unsigned)o->range > SOM_RANGE_FIXED)
        return som_error_set(err, SOM_EINVAL, "unknown range mode %d", (int)o->range);
    if (o->range == SOM_RANGE_FIXED && !(o->range_min < o->range_max))
        return som_error_set(err, SOM_EINVAL, "the colour range %g:%g is empty (MIN must be "
                             "below MAX)", o->range_min, o->range_max);
    if ((unsigned)o->color_scale > SOM_COLOR_SCALE_RANK)
        return som_error_set(err, SOM_EINVAL, "unknown colour scale %d", (int)o->color_scale);
    if (o->n_field_ranges && !o->field_ranges)
        return som_error_set(err, SOM_EINVAL, "n_field_ranges is %zu but field_ranges is NULL",
                             o->n_field_ranges);
    for (size_t k = 0; k < o->n_field_ranges; k++) {
        const som_field_range *r = &o->field_ranges[k];
        if (!r->title || som_map_find_title(map, r->title) < 0)
            return som_error_set(err, SOM_EINVAL, "a range is given for '%s', but the map has "
                                 "no field of that title", r->title ? r->title : "(null)");
        if ((unsigned)r->mode > SOM_RANGE_FIXED)
            return som_error_set(err, SOM_EINVAL, "unknown range mode %d for '%s'",
                                 (int)r->mode, r->title);
        if (r->mode == SOM_RANGE_FIXED && !(r->min < r->max))
            return som_error_set(err, SOM_EINVAL, "the colour range %g:%g of '%s' is empty "
                                 "(MIN must be below MAX)", r->min, r->max, r->title);
    }
    return SOM_OK;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static long class_index(const job *j, const char *label)
{
    size_t a = 0, b = j->n_classes;
    while (a < b) {
        size_t m = (a + b) / 2;
        int c = strcmp(j->classes[m], label);
        if (c == 0) return (long)m;
        if (c < 0) a = m + 1;
        else b = m;
    }
    return -1;
}

/* The data's distinct labels (sorted), and per unit its majority class and
 * that class's share of the unit's rows. Ties go to the class that sorts
 * first, as som_map_unit_labels does. */
static int prepare_classes(job *j, som_error *err)
{
    size_t n = som_data_n_samples(j->aligned), units = som_map_n_units(j->map);
    const char **all = malloc((n ? n : 1) * sizeof *all);
    j->unit_class = malloc(units * sizeof *j->unit_class);
    j->purity = calloc(units, sizeof *j->purity);
    if (!all || !j->unit_class || !j->purity) {
        free(all);
        return som_error_set(err, SOM_ENOMEM, "out of memory");
    }
    size_t m = 0;
    for (size_t r = 0; r < n; r++) {
        const char *t = som_data_label(j->aligned, r);
        if (t) all[m++] = t;
    }
    qsort(all, m, sizeof *all, cmp_str);
    size_t k = 0;
    for (size_t r = 0; r < m; r++)
        if (!k || strcmp(all[k - 1], all[r]) != 0) all[k++] = all[r];
    j->classes = all;
    j->n_classes = k;
    size_t *count = calloc(units * k + 1, sizeof *count);
    if (!count) return som_error_set(err, SOM_ENOMEM, "out of memory");
    for (size_t r = 0; r < n; r++) {
        const char *t = som_data_label(j->aligned, r);
        long c = t ? class_index(j, t) : -1;
        if (c >= 0 && j->bmu[r] < units) count[j->bmu[r] * k + (size_t)c]++;
    }
    for (size_t u = 0; u < units; u++) {
        size_t best = 0, total = 0;
        long bc = -1;
        for (size_t c = 0; c < k; c++) {
            total += count[u * k + c];
            if (count[u * k + c] > best) best = count[u * k + c], bc = (long)c;
        }
        j->unit_class[u] = bc;
        j->purity[u] = total ? (double)best / (double)total : 0;
    }
    free(count);
    return SOM_OK;
}

/* BMUs, hits and (when asked) majority labels and classes of the data. */
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
    int labelled = n > 0 && som_data_label(j->aligned, 0) != NULL;
    if (want_majority) {
        if (!labelled)
            return som_error_set(err, SOM_EINVAL,
                                     "the data has no label column, so units have no majority label "
                                     "(use the 'all' labels style to show row numbers)");
        j->majority = calloc(units, sizeof *j->majority);
        if (!j->majority) return som_error_set(err, SOM_ENOMEM, "out of memory");
        rc = som_map_unit_labels(j->map, j->aligned, j->bmu, j->majority, err);
        if (rc != SOM_OK) return rc;
    }
    if (labelled && (want_majority || j->o.plot == SOM_PLOT_CLUSTERS)) return prepare_classes(j, err);
    return SOM_OK;
}

/* The fields to draw: those named, else all of them up to `cap`, else the
 * `cap` that vary most (then a page title says so). */
static int choose_fields(job *j, size_t cap, const char *what, som_error *err)
{
    size_t dim = som_map_dim(j->map);
    if (j->o.max_fields) cap = j->o.max_fields;
    size_t n = j->o.n_fields ? j->o.n_fields : (dim < cap ? dim : cap);
    j->fields = malloc((n ? n : 1) * sizeof *j->fields);
    if (!j->fields) return som_error_set(err, SOM_ENOMEM, "out of memory");
    j->n_fields = n;
    if (j->o.n_fields) {
        for (size_t k = 0; k < n; k++) j->fields[k] = (size_t)som_map_find_title(j->map, j->o.fields[k]);
        return SOM_OK;
    }
    if (n == dim) {
        for (size_t k = 0; k < n; k++) j->fields[k] = k;
        return SOM_OK;
    }
    snprintf(j->page_title, sizeof j->page_title,
             "%s of the %zu fields (of %zu) that vary most on the map", what, n, dim);
    return som__fields_by_variation(j->map, n, j->fields, err);
}

/* The colour range of field f: the option for it, else the picture's. */
static void field_range_mode(const job *j, size_t f, som_range_mode *mode, double *lo, double *hi)
{
    *mode = j->o.range;
    *lo = j->o.range_min;
    *hi = j->o.range_max;
    const char *title = som_map_title(j->map, f);
    for (size_t k = 0; k < j->o.n_field_ranges; k++) {
        const som_field_range *r = &j->o.field_ranges[k];
        if (strcmp(r->title, title) != 0) continue;
        *mode = r->mode;
        *lo = r->min;
        *hi = r->max;
    }
}

static int add_planes(job *j, som_error *err)
{
    size_t dim = som_map_dim(j->map), units = som_map_n_units(j->map);
    if (!j->fields) {
        int rc = choose_fields(j, 40, "Planes", err);
        if (rc != SOM_OK) return rc;
    }
    const float *cb = som_map_codebook(j->map);
    const double *off = som_map_scale_offset(j->map), *fac = som_map_scale_factor(j->map);
    for (size_t k = 0; k < j->n_fields; k++) {
        size_t f = j->fields[k];
        panel *p = add_panel(j, PANEL_VALUES, som_map_title(j->map, f), err);
        if (!p || !(p->values = new_values(units, err))) return SOM_ENOMEM;
        p->ticks = 1;
        /* original units exactly as som_map_unit_weights gives them, one
         * column at a time: 20,000 fields need no units x dim copy */
        for (size_t i = 0; i < units; i++)
            p->values[i] = (double)(float)((double)cb[i * dim + f] * fac[f] + off[f]);
        double clo, chi, dlo, dhi;
        range_of(p->values, units, &clo, &chi);
        som_map_field_range(j->map, f, &dlo, &dhi);
        if (!(dhi >= dlo) || !isfinite(dlo) || !isfinite(dhi)) dlo = clo, dhi = chi;
        som_range_mode mode;
        double flo, fhi;
        field_range_mode(j, f, &mode, &flo, &fhi);
        if (mode == SOM_RANGE_DATA) p->lo = dlo, p->hi = dhi;
        else if (mode == SOM_RANGE_FIXED) p->lo = flo, p->hi = fhi;
        else p->lo = clo, p->hi = chi;
        p->data_lo = dlo;
        p->data_hi = dhi;
        int rc = som__panel_scale(p, j->o.color_scale, err);
        if (rc != SOM_OK) return rc;
    }
    return SOM_OK;
}

static int add_umatrix(job *j, som_error *err)
{
    size_t units = som_map_n_units(j->map);
    panel *p = add_panel(j, PANEL_VALUES, "U-matrix", err);
    if (!p) return SOM_ENOMEM;
    p->ticks = 1;
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
    /* colours span 1..max: an empty unit has its own neutral fill */
    p->lo = j->max_hits > 1 ? 1 : 0;
    p->hi = (double)j->max_hits;
    p->hits = 1;
    p->ticks = 1;
    if (markers)
        snprintf(p->legend_note, sizeof p->legend_note, "marker area: hits (max %zu)", j->max_hits);
    return SOM_OK;
}

static int add_labels(job *j, som_error *err)
{
    size_t units = som_map_n_units(j->map);
    panel *p = add_panel(j, PANEL_LABELS,
                         j->o.labels_style == SOM_LABELS_ALL ? "Titles at BMUs" : "Classes", err);
    if (!p || !(p->values = new_values(units, err))) return SOM_ENOMEM;
    memcpy(p->values, j->umat, units * sizeof *p->values);
    range_of(p->values, units, &p->lo, &p->hi);
    p->ticks = j->o.labels_style == SOM_LABELS_ALL;
    return SOM_OK;
}

static int add_clusters(job *j, som_error *err)
{
    size_t units = som_map_n_units(j->map), k = som_map_n_clusters(j->map);
    char title[96];
    snprintf(title, sizeof title, j->n_classes ? "Clusters (k = %zu) and classes" : "Clusters (k = %zu)", k);
    panel *p = add_panel(j, PANEL_CLUSTERS, title, err);
    if (!p || !(p->values = new_values(units, err))) return SOM_ENOMEM;
    const uint32_t *c = som_map_clusters(j->map);
    for (size_t i = 0; i < units; i++) p->values[i] = (double)c[i];
    p->lo = 0;
    p->hi = (double)(k - 1);
    return SOM_OK;
}

static int add_codes(job *j, som_error *err)
{
    int rc = choose_fields(j, 15, "Codes", err);
    if (rc != SOM_OK) return rc;
    char title[96];
    if (j->page_title[0]) snprintf(title, sizeof title, "Codes");
    else snprintf(title, sizeof title, "Codes: each unit's %zu field values", j->n_fields);
    panel *p = add_panel(j, PANEL_CODES, title, err);
    /* plain cells under the profiles: zeros, never NaN */
    if (!p || !(p->values = new_values(som_map_n_units(j->map), err))) return SOM_ENOMEM;
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
    if (rc == SOM_OK) rc = check_opts_more(map, &j->o, err);
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
    if (data && (plot == SOM_PLOT_HITS || plot == SOM_PLOT_LABELS || plot == SOM_PLOT_DASHBOARD ||
                 plot == SOM_PLOT_CLUSTERS)) {
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
    case SOM_PLOT_CODES: rc = add_codes(j, err); break;
    case SOM_PLOT_DASHBOARD:
        rc = add_umatrix(j, err);
        if (rc == SOM_OK && data) rc = add_hits(j, err);
        if (rc == SOM_OK) rc = add_planes(j, err);
        break;
    }
    return rc;
}

/* ---- layout --------------------------------------------------------------- */

static double title_band(const job *j, double fs) { return j->o.titles ? fs * 1.8 : 0; }
static double page_band(const job *j) { return j->o.titles && j->page_title[0] ? 28 : 0; }
static double pad_of(const job *j) { return j->o.titles ? 8 : 3; }

/* Any plane whose data reach beyond its colours gets a note line. */
static int wider_data(const panel *p)
{
    if (!p->ticks || isnan(p->data_lo)) return 0;
    double eps = 1e-9 * fmax(fabs(p->hi - p->lo), 1e-300);
    return p->data_lo < p->lo - eps || p->data_hi > p->hi + eps;
}

/* The legend band under a panel's map, for font size fs and width w. */
static double legend_band(const job *j, const panel *p, double fs, double w)
{
    if (!j->o.titles || p->kind == PANEL_ERROR) return 0;
    double strip = fs * 2.9, h = strip;
    if (p->kind == PANEL_LABELS && j->o.labels_style == SOM_LABELS_MAJORITY)
        h = som__swatch_height(j, 0, fs, w);
    else if (p->kind == PANEL_CODES)
        h = som__swatch_height(j, 1, fs, w);
    else if (p->kind == PANEL_CLUSTERS && j->n_classes)
        h = strip + som__swatch_height(j, 0, fs, w);
    if (wider_data(p)) h += fs * 1.2;
    return h;
}

static double max_legend_band(const job *j, double fs, double w)
{
    double h = 0;
    for (size_t i = 0; i < j->n_panels; i++) h = fmax(h, legend_band(j, &j->panels[i], fs, w));
    return h;
}

static double font_for(double pw) { return som__clampd(pw / 22, 10.5, 13); }

/* Pixels per cell that let a lone panel's cell text be legible. */
static double cell_target(const job *j, const panel *p)
{
    switch (p->kind) {
    case PANEL_LABELS: /* room for the widest label at a comfortable size */
        return som__clampd(som__widest_label(j, 11) / 0.86,
                           j->o.labels_style == SOM_LABELS_ALL ? 64 : 44, 90);
    case PANEL_CLUSTERS: return 38;
    case PANEL_CODES: return som__clampd(5.0 * (double)j->n_fields + 16, 56, 110);
    case PANEL_MARKERS: return 28;
    default: return p->hits ? 38 : 28;
    }
}

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
    double pad = pad_of(j);
    double dw, dh; /* default picture size */
    if (is_chart) {
        dw = 720;
        dh = 360;
    } else {
        /* A lone panel grows with the grid until its cells hold legible
         * text (up to a limit, beyond which text is dropped); panels of a
         * sheet stay small. */
        double mw, mh_max;
        if (n == 1) {
            double lo = j->panels[0].kind == PANEL_CODES ? 420 : 330;
            mw = som__clampd(ew * cell_target(j, &j->panels[0]), lo, 1600);
            mh_max = 1400;
        } else {
            mw = som__clampd(ew * 18, 200, 320);
            mh_max = 320;
        }
        double mh = mw * eh / ew;
        if (mh > mh_max) {
            mh = mh_max;
            mw = fmax(mh * ew / eh, j->o.titles ? 200 : 1);
        }
        double pw = mw + 2 * pad, fs = font_for(pw);
        dw = (double)k * pw;
        dh = (double)m * (mh + 2 * pad + title_band(j, fs) + max_legend_band(j, fs, pw - 2 * pad)) +
             page_band(j);
    }
    if (j->o.width > 0 && j->o.height > 0) {
        j->width = j->o.width;
        j->height = j->o.height;
    } else if (j->o.width > 0) {
        j->width = j->o.width;
        j->height = (int)som__clampd(floor(dh * j->o.width / dw + 0.5), 1, 32767);
    } else if (j->o.height > 0) {
        j->height = j->o.height;
        j->width = (int)som__clampd(floor(dw * j->o.height / dh + 0.5), 1, 32767);
    } else {
        j->width = (int)som__clampd(ceil(dw), 1, 32767);
        j->height = (int)som__clampd(ceil(dh), 1, 32767);
    }

    double top = page_band(j);
    double pw = (double)j->width / (double)k, ph = ((double)j->height - top) / (double)m;
    double fs = is_chart ? 12 : font_for(pw);
    double lb = is_chart ? 0 : max_legend_band(j, fs, pw - 2 * pad);
    for (size_t i = 0; i < n; i++) {
        panel *p = &j->panels[i];
        p->px = (double)(i % k) * pw;
        p->py = top + (double)(i / k) * ph;
        p->pw = pw;
        p->ph = ph;
        p->fs = fs;
        if (p->kind == PANEL_ERROR) continue;
        double tb = title_band(j, fs);
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
        p->lh = fs * 0.9;
        p->lx = p->px + (pw - p->lw) / 2;
        p->ly = p->oy + ch * p->s + fs * 0.5;
        p->swatch_y = p->ly;
        if (p->kind == PANEL_CLUSTERS) p->swatch_y = p->ly + fs * 2.9;
        /* one text size per picture, never below the legible minimum */
        double cfs = 0;
        if (p->kind == PANEL_VALUES && p->hits) cfs = fmin(0.3 * p->s, 14);
        else if (p->kind == PANEL_LABELS) {
            /* the size at which the widest label fits, if that is legible;
             * otherwise labels that fit at the minimum are written alone */
            cfs = j->o.labels_style == SOM_LABELS_ALL ? fmin(0.2 * p->s, 12) : fmin(0.26 * p->s, 14);
            double w = som__widest_label(j, cfs);
            if (w > 0.86 * p->s) cfs = fmax(cfs * 0.995 * 0.86 * p->s / w, SOM_RENDER_MIN_TEXT_PX);
        }
        else if (p->kind == PANEL_CLUSTERS && !j->n_classes) cfs = fmin(0.3 * p->s, 14);
        p->cell_fs = cfs >= SOM_RENDER_MIN_TEXT_PX ? cfs : 0;
    }
}

void som__cell_center(const panel *p, size_t i, double *x, double *y)
{
    *x = p->ox + (p->cells->x[i] - p->cells->x0) * p->s;
    *y = p->oy + (p->cells->y[i] - p->cells->y0) * p->s;
}

/* ---- public entry points ------------------------------------------------------ */

static int render_to(som__surface *s, const job *j, som_error *err)
{
    cairo_t *cr = cairo_create(s->surface);
    int rc = som__job_draw(cr, j, err);
    if (rc != SOM_OK) {
        som__surface_abort(s, cr);
        return rc;
    }
    return som__surface_finish(s, cr, err);
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
            rc = som__job_draw(cr, &j, err);
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
