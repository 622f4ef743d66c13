/* SPDX-License-Identifier: MIT */
/* render.c — the pictures: where the panels of a plot go on the page, and
 * the public entry points (what each plot puts in which panel is job.c;
 * drawing is draw.c and codes.c).
 *
 * A picture is built in three steps so that the layout can be asked for
 * without drawing (som_render_unit_center, for tests and hover look-ups):
 *   1. som__job_build (job.c): compute every panel's values (planes,
 *      U-matrix, hits, labels, classes) from the public map/data calls;
 *   2. job_layout: page size, one box per panel, each panel's map transform
 *      (pixels per grid unit and origin), its legend and its text sizes;
 *   3. som__job_draw (draw.c): paint. */
#include "render/render_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef som__job job;
typedef som__panel panel;

void som_render_free(void *buf) { free(buf); }

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
    rc = som__job_build(&j, map, data, opts, err);
    if (rc == SOM_OK) {
        job_layout(&j);
        /* The file is opened only now, after every check that can fail
         * without touching the disk; it is written atomically. */
        som__surface s;
        rc = som__surface_open_format(&s, fmt, path, j.width, j.height, err);
        if (rc == SOM_OK) rc = render_to(&s, &j, err);
    }
    som__job_free(&j);
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
    int rc = som__job_build(&j, map, data, opts, err);
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
    som__job_free(&j);
    return rc;
}

int som_render_unit_center(const som_map *map, const som_data *data,
                           const som_render_opts *opts, size_t panel_index,
                           size_t unit, double *x, double *y, double *half_width,
                           som_error *err)
{
    job j;
    int rc = som__job_build(&j, map, data, opts, err);
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
    som__job_free(&j);
    return rc;
}
