/* SPDX-License-Identifier: MIT */
/* job.c — step 1 of a picture (render.c): building the job, that is every
 * panel's values (planes, U-matrix, hits, labels, classes, clusters,
 * codes) from the public map and data calls, after checking the options
 * (whose defaults som_render_opts_init sets here too). */
#include "render/render_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef som__job job;
typedef som__panel panel;

/* ---- the options' defaults (checked below) ------------------------------ */

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

/* ---- the job -------------------------------------------------------------- */

void som__job_free(som__job *j)
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

int som__job_build(som__job *j, const som_map *map, const som_data *data,
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
