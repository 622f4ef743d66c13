/* SPDX-License-Identifier: MIT */
/* map.c — the som_map object: grid, codebook, titles, per-column scaling and
 * the training history; and the conversions between original units and the
 * scaled space the codebook lives in. */
#include "core/core.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

static void free_titles(char **titles, size_t n)
{
    if (!titles) return;
    for (size_t j = 0; j < n; j++) som__free(titles[j]);
    som__free(titles);
}

int som_map_new(const som_grid *grid, size_t dim, som_map **out, som_error *err)
{
    *out = NULL;
    int rc = som_grid_check(grid, err);
    if (rc) return rc;
    if (dim == 0) return som__error(err, SOM_EINVAL, "a map needs at least one field (dim = 0)");
    size_t n_units = grid->rows * grid->cols, cells;
    if (!som__mul_ok(n_units, dim, &cells)) return som__error_oom(err);

    som_map *m = som__calloc(1, sizeof *m);
    if (!m) return som__error_oom(err);
    m->grid = *grid;
    m->grid.toroid = grid->toroid ? 1 : 0;
    m->dim = dim;
    m->n_units = n_units;
    m->codebook = som__aligned_calloc(cells, sizeof(float));
    m->titles = som__calloc(dim, sizeof *m->titles);
    m->offset = som__calloc(dim, sizeof(double));
    m->factor = som__calloc(dim, sizeof(double));
    m->fmin = som__calloc(dim, sizeof(double));
    m->fmax = som__calloc(dim, sizeof(double));
    if (!m->codebook || !m->titles || !m->offset || !m->factor || !m->fmin || !m->fmax)
        goto oom;
    for (size_t j = 0; j < dim; j++) {
        char buf[32];
        snprintf(buf, sizeof buf, "%zu", j + 1);
        if (!(m->titles[j] = som__strdup(buf))) goto oom;
        m->factor[j] = 1.0;
    }
    som_train_opts_init(&m->settings);
    *out = m;
    return SOM_OK;
oom:
    som_map_free(m);
    return som__error_oom(err);
}

void som_map_free(som_map *m)
{
    if (!m) return;
    som__aligned_free(m->codebook);
    free_titles(m->titles, m->dim);
    som__free(m->offset);
    som__free(m->factor);
    som__free(m->fmin);
    som__free(m->fmax);
    som__free(m->history);
    som__map_free_analysis(m);
    som__free(m);
}

int som_map_clone(const som_map *src, som_map **out, som_error *err)
{
    som_map *m;
    int rc = som_map_new(&src->grid, src->dim, &m, err);
    if (rc) {
        *out = NULL;
        return rc;
    }
    memcpy(m->codebook, src->codebook, src->n_units * src->dim * sizeof(float));
    for (size_t j = 0; j < src->dim; j++) {
        if ((rc = som_map_set_title(m, j, src->titles[j], err))) goto fail;
    }
    m->scaling = src->scaling;
    m->distance = src->distance;
    memcpy(m->offset, src->offset, src->dim * sizeof(double));
    memcpy(m->factor, src->factor, src->dim * sizeof(double));
    memcpy(m->fmin, src->fmin, src->dim * sizeof(double));
    memcpy(m->fmax, src->fmax, src->dim * sizeof(double));
    m->have_range = src->have_range;
    m->trained = src->trained;
    m->settings = src->settings;
    for (size_t k = 0; k < src->n_history; k++)
        if ((rc = som__map_history_push(m, &src->history[k], err))) goto fail;
    if ((rc = som__map_copy_analysis(m, src, err))) goto fail;
    *out = m;
    return SOM_OK;
fail:
    som_map_free(m);
    *out = NULL;
    return rc;
}

const som_grid *som_map_grid(const som_map *m) { return &m->grid; }
size_t som_map_dim(const som_map *m) { return m->dim; }
size_t som_map_n_units(const som_map *m) { return m->n_units; }
const float *som_map_codebook(const som_map *m) { return m->codebook; }

void som_map_set_codebook(som_map *m, const float *codebook)
{
    memcpy(m->codebook, codebook, m->n_units * m->dim * sizeof(float));
}

void som_map_unit_weights(const som_map *m, size_t unit, float *out)
{
    som_map_unscale_row(m, m->codebook + unit * m->dim, out);
}

const char *som_map_title(const som_map *m, size_t j) { return m->titles[j]; }

int som_map_set_title(som_map *m, size_t j, const char *title, som_error *err)
{
    if (j >= m->dim) return som__error(err, SOM_EINVAL, "field %zu out of range (dim %zu)", j, m->dim);
    char *copy = som__strdup(title ? title : "");
    if (!copy) return som__error_oom(err);
    som__free(m->titles[j]);
    m->titles[j] = copy;
    return SOM_OK;
}

int som_map_set_titles_from_data(som_map *m, const som_data *d, som_error *err)
{
    if (som_data_dim(d) != m->dim)
        return som__error(err, SOM_EDIM, "the data has %zu fields, the map %zu", som_data_dim(d),
                          m->dim);
    for (size_t j = 0; j < m->dim; j++) {
        int rc = som_map_set_title(m, j, som_data_title(d, j), err);
        if (rc) return rc;
    }
    return SOM_OK;
}

long som_map_find_title(const som_map *m, const char *title)
{
    for (size_t j = 0; j < m->dim; j++)
        if (strcmp(m->titles[j], title) == 0) return (long)j;
    return -1;
}

/* ---- scaling ------------------------------------------------------------ */

int som_map_fit_scaling(som_map *m, const som_data *d, som_scaling kind, som_error *err)
{
    return som_map_fit_scaling_ex(m, d, kind, NULL, err);
}

/* Two folds over the rows (som_shard): sums, counts and ranges, then the
 * sums of squared deviations from the mean (two-pass variance: the sums of
 * squares of raw values lose digits on columns with a large mean). */
int som_map_fit_scaling_ex(som_map *m, const som_data *d, som_scaling kind,
                           const som_shard *shard, som_error *err)
{
    size_t n = som_data_n_samples(d), dim = som_data_dim(d);
    if (dim != m->dim)
        return som__error(err, SOM_EDIM, "the data has %zu fields, the map %zu", dim, m->dim);
    if (kind != SOM_SCALE_NONE && kind != SOM_SCALE_ZSCORE && kind != SOM_SCALE_MINMAX)
        return som__error(err, SOM_EINVAL, "unknown scaling %d", (int)kind);
    const float *x = som_data_values(d);
    const uint8_t *mask = som_data_mask(d);
    double *st = som__calloc(4 * dim, sizeof(double));
    if (!st) return som__error_oom(err);
    double *sum = st, *cnt = st + dim, *lo = st + 2 * dim, *hi = st + 3 * dim;
    for (size_t j = 0; j < dim; j++) {
        lo[j] = INFINITY;
        hi[j] = -INFINITY;
    }
    int rc = som__shard_receive(shard, st, 4 * dim, err);
    for (size_t i = 0; rc == SOM_OK && i < n; i++) {
        if ((i & 4095) == 0 && (rc = som__cancel_check(err))) break;
        for (size_t j = 0; j < dim; j++) {
            if (mask && !mask[i * dim + j]) continue;
            double v = x[i * dim + j];
            sum[j] += v;
            cnt[j] += 1.0;
            if (v < lo[j]) lo[j] = v;
            if (v > hi[j]) hi[j] = v;
        }
    }
    if (rc == SOM_OK) rc = som__shard_pass_on(shard, st, 4 * dim, err);
    for (size_t j = 0; j < dim && rc == SOM_OK; j++)
        if (cnt[j] == 0.0)
            rc = som__error(err, SOM_EEMPTY, "field '%s' has no value in any row", som_data_title(d, j));
    if (rc == SOM_OK) {
        double *ss = som__calloc(dim, sizeof(double));
        if (!ss) rc = som__error_oom(err);
        if (rc == SOM_OK) rc = som__shard_receive(shard, ss, dim, err);
        for (size_t i = 0; rc == SOM_OK && i < n; i++) {
            if ((i & 4095) == 0 && (rc = som__cancel_check(err))) break;
            for (size_t j = 0; j < dim; j++) {
                if (mask && !mask[i * dim + j]) continue;
                double dv = (double)x[i * dim + j] - sum[j] / cnt[j];
                ss[j] += dv * dv;
            }
        }
        if (rc == SOM_OK) rc = som__shard_pass_on(shard, ss, dim, err);
        for (size_t j = 0; rc == SOM_OK && j < dim; j++) {
            m->fmin[j] = lo[j];
            m->fmax[j] = hi[j];
            double mean = sum[j] / cnt[j];
            double sd = cnt[j] > 1.0 ? sqrt(ss[j] / (cnt[j] - 1.0)) : 0.0;
            double range = m->fmax[j] - m->fmin[j];
            switch (kind) {
            case SOM_SCALE_NONE: m->offset[j] = 0.0; m->factor[j] = 1.0; break;
            case SOM_SCALE_ZSCORE:
                m->offset[j] = mean;
                m->factor[j] = sd > 0.0 ? sd : 1.0;
                break;
            case SOM_SCALE_MINMAX:
                m->offset[j] = m->fmin[j];
                m->factor[j] = range > 0.0 ? range : 1.0;
                break;
            }
        }
        som__free(ss);
    }
    if (rc == SOM_OK) {
        m->scaling = kind;
        m->have_range = true;
    }
    som__free(st);
    return rc;
}

som_scaling som_map_scaling(const som_map *m) { return m->scaling; }
const double *som_map_scale_offset(const som_map *m) { return m->offset; }
const double *som_map_scale_factor(const som_map *m) { return m->factor; }

void som_map_scale_row(const som_map *m, const float *in, float *out)
{
    for (size_t j = 0; j < m->dim; j++)
        out[j] = (float)(((double)in[j] - m->offset[j]) / m->factor[j]);
}

void som_map_unscale_row(const som_map *m, const float *in, float *out)
{
    for (size_t j = 0; j < m->dim; j++)
        out[j] = (float)((double)in[j] * m->factor[j] + m->offset[j]);
}

void som_map_field_range(const som_map *m, size_t j, double *min, double *max)
{
    if (m->have_range) {
        *min = m->fmin[j];
        *max = m->fmax[j];
        return;
    }
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < m->n_units; i++) {
        double v = (double)m->codebook[i * m->dim + j] * m->factor[j] + m->offset[j];
        if (v < lo) lo = v;
        if (v > hi) hi = v;
    }
    *min = lo;
    *max = hi;
}

/* ---- aligning data columns to the map's fields ------------------------- */

/* src[j]: the data column titled as field j (the first such), or -1;
 * through a hash of the data's titles, so 20,000 fields are 20,000 look-ups. */
static int data_columns_of_fields(const som_map *m, const som_data *d, long *src, som_error *err)
{
    size_t ddim = som_data_dim(d);
    const char **dt = som__calloc(ddim ? ddim : 1, sizeof *dt);
    som_title_index ix = {0};
    int rc = dt ? som__title_index_init(&ix, dt, ddim, err) : som__error_oom(err);
    for (size_t c = 0; rc == SOM_OK && c < ddim; c++) {
        dt[c] = som_data_title(d, c);
        som__title_index_add(&ix, c);
    }
    for (size_t j = 0; rc == SOM_OK && j < m->dim; j++)
        src[j] = som__title_index_find(&ix, m->titles[j], strlen(m->titles[j]));
    som__title_index_free(&ix);
    som__free(dt);
    return rc;
}

int som_map_align_data(const som_map *m, const som_data *d, som_data **out, som_error *err)
{
    *out = NULL;
    size_t n = som_data_n_samples(d), ddim = som_data_dim(d);
    long *src = som__calloc(m->dim, sizeof *src);
    if (!src) return som__error_oom(err);
    int irc = data_columns_of_fields(m, d, src, err);
    if (irc) {
        som__free(src);
        return irc;
    }
    size_t matched = 0;
    for (size_t j = 0; j < m->dim; j++) matched += src[j] >= 0;
    if (matched == 0) {
        if (ddim != m->dim) {
            som__free(src);
            return som__error(err, SOM_EDIM,
                              "the data has %zu fields and none of its titles matches the model's; "
                              "the model has %zu fields (%s, ...)",
                              ddim, m->dim, m->titles[0]);
        }
        for (size_t j = 0; j < m->dim; j++) src[j] = (long)j;
    }
    som_data *a;
    int rc = som__data_alloc(n, m->dim, &a, err);
    if (rc) {
        som__free(src);
        return rc;
    }
    bool any_missing = false;
    for (size_t j = 0; j < m->dim; j++) any_missing |= src[j] < 0;
    if (any_missing || som_data_mask(d)) {
        a->mask = som__calloc(n * m->dim, 1);
        if (!a->mask) goto oom;
    }
    for (size_t i = 0; i < n; i++) {
        const float *row = som_data_row(d, i);
        const uint8_t *rmask = som_data_row_mask(d, i);
        for (size_t j = 0; j < m->dim; j++) {
            float v = 0.0f;
            uint8_t present = 0;
            if (src[j] >= 0) {
                v = row[src[j]];
                present = rmask ? rmask[src[j]] : 1;
            }
            a->x[i * m->dim + j] = present ? v : 0.0f;
            if (a->mask) a->mask[i * m->dim + j] = present;
            if (!present) a->n_missing++;
        }
    }
    if (a->mask && a->n_missing == 0) {
        som__free(a->mask);
        a->mask = NULL;
    }
    for (size_t j = 0; j < m->dim; j++) {
        char *copy = som__strdup(m->titles[j]);
        if (!copy) goto oom;
        som__free(a->titles[j]);
        a->titles[j] = copy;
    }
    for (size_t i = 0; i < n; i++) {
        if (som_data_label(d, i) && (rc = som_data_set_label(a, i, som_data_label(d, i), err))) goto fail;
    }
    /* After the labels: setting the first label gives the column a default
     * title, which the source's title replaces. */
    if (som_data_label_title(d)) {
        char *t = som__strdup(som_data_label_title(d));
        if (!t) goto oom;
        som__free(a->label_title);
        a->label_title = t;
    }
    a->lines = som__calloc(n, sizeof *a->lines);
    if (!a->lines) goto oom;
    for (size_t i = 0; i < n; i++) a->lines[i] = som_data_line(d, i);
    som__free(src);
    *out = a;
    return SOM_OK;
oom:
    rc = som__error_oom(err);
fail:
    som__free(src);
    som_data_free(a);
    return rc;
}

/* ---- history and settings ---------------------------------------------- */

int som__map_history_push(som_map *m, const som_history *h, som_error *err)
{
    if (m->n_history == m->cap_history) {
        size_t cap = m->cap_history ? 2 * m->cap_history : 16;
        som_history *p = som__realloc(m->history, cap * sizeof *p);
        if (!p) return som__error_oom(err);
        m->history = p;
        m->cap_history = cap;
    }
    m->history[m->n_history++] = *h;
    return SOM_OK;
}

void som__map_history_clear(som_map *m) { m->n_history = 0; }

size_t som_map_history_len(const som_map *m) { return m->n_history; }
const som_history *som_map_history(const som_map *m) { return m->history; }

const som_train_opts *som_map_train_settings(const som_map *m)
{
    return m->trained ? &m->settings : NULL;
}

/* ---- scaled views of data ---------------------------------------------- */

bool som__map_scaling_identity(const som_map *m)
{
    if (m->scaling != SOM_SCALE_NONE) return false;
    for (size_t j = 0; j < m->dim; j++)
        if (m->offset[j] != 0.0 || m->factor[j] != 1.0) return false;
    return true;
}

void som__scale_rows(const som_map *m, const float *x, const uint8_t *mask, size_t n, float *out,
                     int threads)
{
    const size_t dim = m->dim;
    int n_threads = som__threads(threads);
#pragma omp parallel for num_threads(n_threads) schedule(static)
    for (size_t i = 0; i < n; i++) {
        float *o = out + i * dim;
        som_map_scale_row(m, x + i * dim, o);
        if (mask)
            for (size_t j = 0; j < dim; j++)
                if (!mask[i * dim + j]) o[j] = 0.0f;
    }
}

int som_map_data_in_order(const som_map *m, const som_data *d)
{
    if (!m || !d || som_data_dim(d) != m->dim) return 0;
    long *src = som__calloc(m->dim, sizeof *src);
    if (!src || data_columns_of_fields(m, d, src, NULL) != SOM_OK) {
        som__free(src);
        return 0; /* out of memory: "not in order" takes the general path */
    }
    size_t matched = 0;
    bool in_place = true;
    for (size_t j = 0; j < m->dim; j++) {
        if (src[j] < 0) continue;
        matched++;
        in_place &= (size_t)src[j] == j;
    }
    som__free(src);
    if (!in_place) return 0;
    /* som_map_align_data: every field matched in place, or none matched
     * and the columns are taken by position. */
    return matched == 0 || matched == m->dim;
}

int som__scaled_init(som_scaled *s, const som_map *m, const som_data *d, som_error *err)
{
    memset(s, 0, sizeof *s);
    s->n = som_data_n_samples(d);
    s->dim = som_data_dim(d);
    s->mask = som_data_mask(d);
    if (s->dim != m->dim)
        return som__error(err, SOM_EDIM, "the data has %zu fields, the map %zu", s->dim, m->dim);
    if (m->scaling == SOM_SCALE_NONE) {
        bool identity = true;
        for (size_t j = 0; j < m->dim; j++) identity &= m->offset[j] == 0.0 && m->factor[j] == 1.0;
        if (identity) {
            s->x = som_data_values(d);
            return SOM_OK;
        }
    }
    s->owned = som__aligned_calloc(s->n * s->dim, sizeof(float));
    if (!s->owned) return som__error_oom(err);
    const float *x = som_data_values(d);
    for (size_t i = 0; i < s->n; i++) {
        int rc;
        if ((i & 4095) == 0 && (rc = som__cancel_check(err))) {
            som__scaled_free(s);
            return rc;
        }
        float *o = s->owned + i * s->dim;
        som_map_scale_row(m, x + i * s->dim, o);
        if (s->mask)
            for (size_t j = 0; j < s->dim; j++)
                if (!s->mask[i * s->dim + j]) o[j] = 0.0f;
    }
    s->x = s->owned;
    return SOM_OK;
}

int som__scaled_init_inplace(som_scaled *s, const som_map *m, som_data *d, som_error *err)
{
    memset(s, 0, sizeof *s);
    s->n = d->n;
    s->dim = d->dim;
    s->mask = d->mask;
    if (s->dim != m->dim)
        return som__error(err, SOM_EDIM, "the data has %zu fields, the map %zu", s->dim, m->dim);
    /* som_map_scale_row reads each value before writing it: in place is
     * the same arithmetic as into a copy. */
    for (size_t i = 0; i < s->n; i++) {
        int rc;
        if ((i & 4095) == 0 && (rc = som__cancel_check(err))) return rc;
        float *row = d->x + i * s->dim;
        som_map_scale_row(m, row, row);
        if (s->mask)
            for (size_t j = 0; j < s->dim; j++)
                if (!s->mask[i * s->dim + j]) row[j] = 0.0f;
    }
    s->x = d->x;
    return SOM_OK;
}

void som__scaled_free(som_scaled *s)
{
    som__aligned_free(s->owned);
    s->owned = NULL;
    s->x = NULL;
}

/* ---- the optional fields: feature weights (set in weights.c) and clusters -- */

void som__map_free_analysis(som_map *m)
{
    som__free(m->fweight);
    som__free(m->fsqrt);
    som__free(m->cluster);
    m->fweight = NULL;
    m->fsqrt = NULL;
    m->cluster = NULL;
    m->n_clusters = 0;
}

int som__map_copy_analysis(som_map *dst, const som_map *src, som_error *err)
{
    int rc = som_map_set_feature_weights(dst, src->fweight, err);
    if (rc == SOM_OK && src->cluster)
        rc = som_map_set_clusters(dst, src->cluster, src->n_clusters, err);
    return rc;
}

size_t som_map_n_clusters(const som_map *m) { return m ? m->n_clusters : 0; }
const uint32_t *som_map_clusters(const som_map *m) { return m ? m->cluster : NULL; }

int som_map_set_clusters(som_map *m, const uint32_t *c, size_t k, som_error *err)
{
    if (!m) return som__error(err, SOM_EINVAL, "som_map_set_clusters: NULL map");
    if (!c) {
        som__free(m->cluster);
        m->cluster = NULL;
        m->n_clusters = 0;
        return SOM_OK;
    }
    if (k == 0 || k > m->n_units)
        return som__error(err, SOM_EINVAL, "%zu clusters for %zu units", k, m->n_units);
    for (size_t u = 0; u < m->n_units; u++)
        if (c[u] >= k)
            return som__error(err, SOM_EINVAL, "unit %zu is in cluster %lu, but there are %zu", u,
                              (unsigned long)c[u], k);
    uint32_t *copy = som__calloc(m->n_units, sizeof *copy);
    if (!copy) return som__error_oom(err);
    memcpy(copy, c, m->n_units * sizeof *copy);
    som__free(m->cluster);
    m->cluster = copy;
    m->n_clusters = k;
    return SOM_OK;
}
