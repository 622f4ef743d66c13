/* SPDX-License-Identifier: MIT */
/* fill.c — estimating a row's missing fields from a trained map by one of
 * the fill methods of som.h (som_fill_opts): the best unit alone, the K
 * best units weighted by their distance (estimate_units says how), or
 * the best unit's neighbourhood on the grid. som_map_fill fills a data
 * set with it; the filler below is also what supervised.c predicts targets and class shares
 * with, so that a target is estimated the way a missing field is. The
 * single-unit path is som_map_predict's (core/recognise.c) bit for bit. */
#include "analysis/analysis.h"

#include <errno.h>
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

/* ---- options ------------------------------------------------------------- */

void som_fill_opts_init(som_fill_opts *o)
{
    if (!o) return;
    memset(o, 0, sizeof *o);
    /* The default by bench/fill.py (bench/README.md, "Filling missing
     * fields"): on six public tables the 16 best units, weighted as
     * estimate_units says, fill held-out cells with a lower error than the
     * best unit alone; 16 or 32 were as good, fewer a little worse. */
    o->method = SOM_FILL_UNITS;
    o->k = SOM_FILL_DEFAULT_K;
    o->radius = -1.0;
}

int som_fill_opts_parse(som_fill_opts *o, const char *text, som_error *err)
{
    if (!o || !text) return som__error(err, SOM_EINVAL, "som_fill_opts_parse: NULL argument");
    som_fill_opts r;
    som_fill_opts_init(&r);
    const char *colon = strchr(text, ':');
    size_t len = colon ? (size_t)(colon - text) : strlen(text);
    const char *arg = colon ? colon + 1 : NULL;
    if (len == 3 && strncmp(text, "bmu", 3) == 0 && !arg) {
        r.method = SOM_FILL_BMU;
    } else if (len == 5 && strncmp(text, "units", 5) == 0) {
        r.method = SOM_FILL_UNITS;
        if (arg) {
            char *end;
            errno = 0;
            unsigned long long k = strtoull(arg, &end, 10);
            if (!*arg || *end || errno || arg[0] == '-' || k < 1 || k > 100000)
                return som__error(err, SOM_EINVAL, "fill method '%s': K must be a whole number "
                                  "from 1 to 100000", text);
            r.k = (size_t)k;
        }
    } else if (len == 6 && strncmp(text, "smooth", 6) == 0) {
        r.method = SOM_FILL_SMOOTH;
        if (arg) {
            char *end;
            errno = 0;
            double v = strtod(arg, &end);
            if (!*arg || *end || errno || !isfinite(v) || v <= 0.0)
                return som__error(err, SOM_EINVAL, "fill method '%s': the radius must be a "
                                  "number above 0", text);
            r.radius = v;
        }
    } else {
        return som__error(err, SOM_EINVAL, "unknown fill method '%s' (expected bmu, units, "
                          "units:K or smooth, smooth:RADIUS)", text);
    }
    *o = r;
    return SOM_OK;
}

/* ---- the filler ------------------------------------------------------------ */

struct som__filler {
    const som_map *map;
    som_fill_opts opts;
    float *smooth; /* SOM_FILL_SMOOTH: each unit's neighbourhood mean (scaled) */
    /* Each thread's scratch, made here so that som__filler_rows allocates
     * nothing (a failure cannot leave a data set half filled): k units and
     * squared distances, dim sums, 2 dim floats for the ranking. */
    int n_threads;
    size_t *units;
    double *d2, *acc;
    float *scratch;
};

/* Each unit's mean of the codebook under a gaussian of the grid distance
 * around it: what the unit and its neighbours say together. */
static int smooth_codebook(som__filler *f, int threads, som_error *err)
{
    const som_map *m = f->map;
    const size_t nu = m->n_units, dim = m->dim;
    double r = f->opts.radius;
    if (r <= 0.0) r = m->trained && m->settings.radius1 > 0.0 ? m->settings.radius1 : 1.0;
    f->smooth = som__calloc(nu * dim, sizeof *f->smooth);
    if (!f->smooth) return som__error_oom(err);
    /* Only units within the grid window where the gaussian is above 1e-6
     * (5.26 radii; hexagonal rows are sqrt(3)/2 apart) are visited, so a
     * large map costs n_units x window, not n_units^2. */
    const long R = (long)m->grid.rows, C = (long)m->grid.cols, cols = C;
    const double reach = r * sqrt(2.0 * log(1e6)) + 1.0;
    const long wr = (long)ceil(reach / (m->grid.topology == SOM_HEX ? 0.8660254037844386 : 1.0));
    const long wc = (long)ceil(reach);
    const bool all_rows = 2 * wr + 1 >= R, all_cols = 2 * wc + 1 >= C;
    bool oom = false;
#pragma omp parallel num_threads(som__threads(threads))
    {
        double *acc = som__calloc(dim, sizeof *acc);
        if (!acc) {
#pragma omp atomic write
            oom = true;
        }
#pragma omp for schedule(dynamic, 8)
        for (size_t b = 0; b < nu; b++) {
            if (!acc) continue;
            memset(acc, 0, dim * sizeof *acc);
            double hs = 0.0;
            const long br = (long)b / cols, bc = (long)b % cols;
            for (long dr = -wr; dr <= wr; dr++) {
                long ur = br + dr;
                if (all_rows) {
                    if (dr + wr >= R) break; /* each row once */
                    ur = dr + wr;
                } else if (m->grid.toroid) {
                    ur = (ur + R) % R;
                } else if (ur < 0 || ur >= R) {
                    continue;
                }
                for (long dc = -wc; dc <= wc; dc++) {
                    long uc = bc + dc;
                    if (all_cols) {
                        if (dc + wc >= C) break;
                        uc = dc + wc;
                    } else if (m->grid.toroid) {
                        uc = (uc + C) % C;
                    } else if (uc < 0 || uc >= C) {
                        continue;
                    }
                    size_t u = (size_t)(ur * C + uc);
                    double h = exp(-som__grid_dist2(&m->grid, b, u) / (2.0 * r * r));
                    if (h < 1e-6) continue;
                    hs += h;
                    const float *w = m->codebook + u * dim;
                    for (size_t j = 0; j < dim; j++) acc[j] += h * (double)w[j];
                }
            }
            for (size_t j = 0; j < dim; j++) f->smooth[b * dim + j] = (float)(acc[j] / hs);
        }
        som__free(acc);
    }
    return oom ? som__error_oom(err) : SOM_OK;
}

int som__filler_new(const som_map *m, const som_fill_opts *opts, int threads, som__filler **out,
                    som_error *err)
{
    *out = NULL;
    som_fill_opts o;
    if (opts) o = *opts;
    else som_fill_opts_init(&o);
    if (o.method != SOM_FILL_BMU && o.method != SOM_FILL_UNITS && o.method != SOM_FILL_SMOOTH)
        return som__error(err, SOM_EINVAL, "unknown fill method %d", (int)o.method);
    if (o.method == SOM_FILL_UNITS && o.k == 0)
        return som__error(err, SOM_EINVAL, "fill from units: K must be at least 1");
    if (o.method == SOM_FILL_SMOOTH) o.k = 1;
    som__filler *f = som__calloc(1, sizeof *f);
    if (!f) return som__error_oom(err);
    f->map = m;
    f->opts = o;
    int rc = o.method == SOM_FILL_SMOOTH ? smooth_codebook(f, threads, err) : SOM_OK;
    if (rc == SOM_OK && o.method != SOM_FILL_BMU) {
        size_t nt = (size_t)som__threads(threads), k = o.k < m->n_units ? o.k : m->n_units;
        f->n_threads = (int)nt;
        f->units = som__calloc(nt * k, sizeof *f->units);
        f->d2 = som__calloc(nt * k, sizeof *f->d2);
        f->acc = som__calloc(nt * m->dim, sizeof *f->acc);
        f->scratch = som__calloc(nt * 2 * m->dim, sizeof *f->scratch);
        if (!f->units || !f->d2 || !f->acc || !f->scratch) rc = som__error_oom(err);
        f->opts.k = k;
    }
    if (rc) {
        som__filler_free(f);
        return rc;
    }
    *out = f;
    return SOM_OK;
}

void som__filler_free(som__filler *f)
{
    if (!f) return;
    som__free(f->smooth);
    som__free(f->units);
    som__free(f->d2);
    som__free(f->acc);
    som__free(f->scratch);
    som__free(f);
}

/* The estimate of one scaled row (search mask mk) in the scaled space,
 * from its k best units (units, d2: scratch of k), weighted as a mixture
 * of gaussians around the units would weigh them: w_i = exp(-(d_i^2 -
 * d_0^2) / (2 s^2)), the variance per field s^2 taken from the row itself
 * as d_0^2 / p (its squared distance to the best unit over the p fields
 * searched). A unit at distance 0 takes all the weight. The weights fall
 * off fast where the best unit is a clear winner, which keeps the sharp
 * answer of the best unit on wide tables, and average where several units
 * fit the row alike; 1 / d_i weights measured worse on two of six tables
 * (bench/README.md). */
static size_t estimate_units(const som__filler *f, const float *x, const uint8_t *mk,
                             size_t *units, double *d2, double *acc, float *scratch, float *est)
{
    const som_map *m = f->map;
    const size_t dim = m->dim;
    size_t k = som__best_units_scaled(m, x, mk, f->opts.k, units, d2, scratch);
    size_t p = 0;
    for (size_t j = 0; j < dim; j++) p += !mk || mk[j];
    memset(acc, 0, dim * sizeof *acc);
    double ws = 0.0;
    for (size_t i = 0; i < k; i++) {
        double w;
        if (d2[0] == 0.0) w = d2[i] == 0.0 ? 1.0 : 0.0;
        else w = exp(-(double)p * (d2[i] - d2[0]) / (2.0 * d2[0]));
        if (w == 0.0) continue;
        ws += w;
        const float *c = m->codebook + units[i] * dim;
        for (size_t j = 0; j < dim; j++) acc[j] += w * (double)c[j];
    }
    for (size_t j = 0; j < dim; j++) est[j] = (float)(acc[j] / ws);
    return units[0];
}

int som__filler_rows(const som__filler *f, const float *x, const uint8_t *search, size_t n,
                     float *est, size_t *bmu, int threads, som_error *err)
{
    const som_map *m = f->map;
    const size_t dim = m->dim;
    if (n == 0) return SOM_OK;
    /* The scaled rows, left-out fields at 0, into est (overwritten row by
     * row with the estimate below). */
    som__scale_rows(m, x, search, n, est, threads);
    if (f->opts.method == SOM_FILL_BMU) {
        int rc = som__map_bmus_scaled(m, est, search, n, bmu, NULL, NULL, threads, err);
        for (size_t i = 0; rc == SOM_OK && i < n; i++) som_map_unit_weights(m, bmu[i], est + i * dim);
        return rc;
    }
    const size_t k = f->opts.k;
#pragma omp parallel num_threads(f->n_threads)
    {
        /* At most n_threads threads: each has its own scratch. */
        size_t t = (size_t)omp_get_thread_num();
        size_t *units = f->units + t * k;
        double *d2 = f->d2 + t * k, *acc = f->acc + t * dim;
        float *scratch = f->scratch + t * 2 * dim;
#pragma omp for schedule(dynamic, 64)
        for (size_t i = 0; i < n; i++) {
            float *e = est + i * dim;
            const uint8_t *mk = search ? search + i * dim : NULL;
            if (f->opts.method == SOM_FILL_SMOOTH) {
                som__best_units_scaled(m, e, mk, 1, units, d2, scratch);
                bmu[i] = units[0];
                memcpy(e, f->smooth + units[0] * dim, dim * sizeof *e);
            } else {
                bmu[i] = estimate_units(f, e, mk, units, d2, acc, scratch, e);
            }
            som_map_unscale_row(m, e, e);
        }
    }
    return SOM_OK;
}

/* ---- filling a data set ------------------------------------------------------ */

int som_map_fill(const som_map *m, som_data *d, const uint8_t *unknown, const som_fill_opts *opts,
                 size_t *units, int threads, som_error *err)
{
    if (!m || !d) return som__error(err, SOM_EINVAL, "som_map_fill: NULL argument");
    if (opts && opts->method == SOM_FILL_BMU)
        return som_map_predict(m, d, unknown, units, threads, err);
    size_t n = d->n, dim = d->dim;
    if (dim != m->dim)
        return som__error(err, SOM_EDIM, "the data has %zu fields, the map %zu", dim, m->dim);
    bool searched;
    int rc = som__fill_check(d, unknown, &searched, err);
    if (rc != SOM_OK) return rc;
    if (!searched) {
        /* Nothing to fill: only the units, as som_map_predict gives them. */
        return units ? som_map_predict(m, d, NULL, units, threads, err) : SOM_OK;
    }
    som__filler *f = NULL;
    rc = som__filler_new(m, opts, threads, &f, err);
    if (rc) return rc;
    size_t block = n < SOM__STREAM_ROWS ? n : SOM__STREAM_ROWS;
    if (block == 0) {
        som__filler_free(f);
        return SOM_OK;
    }
    uint8_t *search = som__calloc(block * dim, 1);
    float *est = som__aligned_calloc(block * dim, sizeof *est);
    size_t *bmu = som__calloc(block, sizeof *bmu);
    if (!search || !est || !bmu) rc = som__error_oom(err);
    for (size_t r0 = 0; rc == SOM_OK && r0 < n; r0 += block) {
        size_t k = n - r0 < block ? n - r0 : block;
        som__fill_search_mask(d, unknown, r0, k, search);
        rc = som__filler_rows(f, d->x + r0 * dim, search, k, est, bmu, threads, err);
        if (rc != SOM_OK) break;
        if (units) memcpy(units + r0, bmu, k * sizeof *bmu);
        for (size_t i = 0; i < k; i++) som__fill_row(d, r0 + i, search + i * dim, est + i * dim);
    }
    if (rc == SOM_OK) som__data_drop_mask_if_complete(d);
    som__free(search);
    som__aligned_free(est);
    som__free(bmu);
    som__filler_free(f);
    return rc;
}
