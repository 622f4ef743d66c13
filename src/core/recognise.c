/* SPDX-License-Identifier: MIT */
/* recognise.c — the public recognition calls on a map (som_map_bmu_vector,
 * som_map_bmus, som_map_predict, ...) and their internal forms over a
 * range of rows: rows scaled a block at a time, then the (weighted) search
 * of weights.c and bmu.c. */
#include "core/core.h"

#include <math.h>
#include <string.h>

/* ---- public recognition API -------------------------------------------- */

/* Scales x into buf and builds the effective mask (given mask and NaNs). */
static int prepare_row(const som_map *m, const float *x, const uint8_t *mask, float *buf,
                       uint8_t *mbuf, bool *any_missing)
{
    som_map_scale_row(m, x, buf);
    size_t present = 0;
    *any_missing = false;
    for (size_t j = 0; j < m->dim; j++) {
        uint8_t p = (!mask || mask[j]) && !isnan(x[j]);
        mbuf[j] = p;
        if (!p) {
            buf[j] = 0.0f;
            *any_missing = true;
        }
        present += p;
    }
    return present ? SOM_OK : SOM_EINVAL;
}

int som_map_bmu_vector(const som_map *m, const float *x, const uint8_t *mask, size_t *unit,
                       double *dist, som_error *err)
{
    if (!m || !x || !unit)
        return som__error(err, SOM_EINVAL, "som_map_bmu_vector: map, vector and unit are required");
    /* The row, then the K-best search's scratch (2 dim) for other distances. */
    float *buf = som__malloc(3 * m->dim * sizeof(float));
    uint8_t *mbuf = som__malloc(m->dim);
    if (!buf || !mbuf) {
        som__free(buf);
        som__free(mbuf);
        return som__error_oom(err);
    }
    bool any_missing;
    int rc = prepare_row(m, x, mask, buf, mbuf, &any_missing);
    if (rc == SOM_OK) {
        double d2;
        const uint8_t *mk = any_missing ? mbuf : NULL;
        if (m->distance != SOM_DISTANCE_EUCLIDEAN)
            /* The exact ranking of the K best units (below), K = 1. */
            som__best_units_scaled(m, buf, mk, 1, unit, &d2, buf + m->dim);
        else
            *unit = m->fsqrt ? som__bmu_scalar_w(m->codebook, m->n_units, m->dim, m->fsqrt, buf,
                                                 mk, &d2)
                             : som__bmu_scalar(m->codebook, m->n_units, m->dim, buf, mk, &d2);
        if (rc == SOM_OK && dist) *dist = sqrt(d2);
    } else {
        som__error(err, rc, "the vector has no present field to search with");
    }
    som__free(buf);
    som__free(mbuf);
    return rc;
}

int som_map_bmu_vector_first(const som_map *m, const float *x, size_t n_fields, size_t *unit,
                             double *dist, som_error *err)
{
    if (!m || n_fields == 0)
        return som__error(err, SOM_EINVAL,
                          "som_map_bmu_vector_first: a map and n_fields >= 1 are required");
    if (n_fields >= m->dim) return som_map_bmu_vector(m, x, NULL, unit, dist, err);
    uint8_t *mask = som__calloc(m->dim, 1);
    if (!mask) return som__error_oom(err);
    memset(mask, 1, n_fields);
    int rc = som_map_bmu_vector(m, x, mask, unit, dist, err);
    som__free(mask);
    return rc;
}

int som__check_rows_present(const som_data *d, som_error *err)
{
    const uint8_t *mask = som_data_mask(d);
    if (!mask) return SOM_OK;
    size_t n = som_data_n_samples(d), dim = som_data_dim(d);
    for (size_t i = 0; i < n; i++) {
        size_t present = 0;
        for (size_t j = 0; j < dim; j++) present += mask[i * dim + j] != 0;
        if (!present)
            return som__error(err, SOM_EINVAL,
                              "row %zu (line %zu) has no value in any of the map's fields", i + 1,
                              som_data_line(d, i));
    }
    return SOM_OK;
}

int som__map_bmus_range(const som_map *m, const som_data *d, size_t first, size_t n,
                        size_t *units, double *dist2, size_t *second, int threads,
                        som_error *err)
{
    const size_t dim = m->dim;
    if (som_data_dim(d) != dim)
        return som__error(err, SOM_EDIM, "the data has %zu fields, the map %zu", som_data_dim(d), dim);
    if (n == 0) return SOM_OK;
    const float *x = som_data_values(d) + first * dim;
    const uint8_t *mask = som_data_mask(d) ? som_data_mask(d) + first * dim : NULL;
    if (som__map_scaling_identity(m))
        return som__map_bmus_scaled(m, x, mask, n, units, dist2, second, threads, err);
    /* One block of rows scaled at a time, never a scaled copy of the whole
     * data set; every row's result depends on that row alone, so blocks
     * give the same answers as one call. */
    size_t block = n < SOM__STREAM_ROWS ? n : SOM__STREAM_ROWS;
    float *buf = som__aligned_calloc(block * dim, sizeof(float));
    if (!buf) return som__error_oom(err);
    int rc = SOM_OK;
    for (size_t r0 = 0; rc == SOM_OK && r0 < n; r0 += block) {
        size_t k = n - r0 < block ? n - r0 : block;
        const uint8_t *mk = mask ? mask + r0 * dim : NULL;
        som__scale_rows(m, x + r0 * dim, mk, k, buf, threads);
        rc = som__map_bmus_scaled(m, buf, mk, k, units + r0, dist2 ? dist2 + r0 : NULL,
                                  second ? second + r0 : NULL, threads, err);
    }
    som__aligned_free(buf);
    return rc;
}

int som__map_bmus_d2(const som_map *m, const som_data *d, size_t *units, double *dist2,
                     size_t *second, int threads, som_error *err)
{
    int rc = som__check_rows_present(d, err);
    if (rc) return rc;
    return som__map_bmus_range(m, d, 0, som_data_n_samples(d), units, dist2, second, threads,
                               err);
}

int som_map_bmus(const som_map *m, const som_data *d, size_t *units, float *dist,
                 size_t *second, int threads, som_error *err)
{
    size_t n = som_data_n_samples(d);
    int rc = som__check_rows_present(d, err);
    if (rc) return rc;
    if (!dist) return som__map_bmus_range(m, d, 0, n, units, NULL, second, threads, err);
    /* The exact squared distances a block at a time, not n doubles. */
    size_t block = n < SOM__STREAM_ROWS ? n : SOM__STREAM_ROWS;
    double *d2 = som__calloc(block ? block : 1, sizeof *d2);
    if (!d2) return som__error_oom(err);
    for (size_t r0 = 0; rc == SOM_OK && r0 < n; r0 += block) {
        size_t k = n - r0 < block ? n - r0 : block;
        rc = som__map_bmus_range(m, d, r0, k, units + r0, d2, second ? second + r0 : NULL,
                                 threads, err);
        for (size_t i = 0; rc == SOM_OK && i < k; i++) dist[r0 + i] = (float)sqrt(d2[i]);
    }
    som__free(d2);
    return rc;
}

int som__fill_check(const som_data *d, const uint8_t *unknown, bool *searched, som_error *err)
{
    size_t n = d->n, dim = d->dim;
    bool any_unknown = false;
    for (size_t j = 0; unknown && j < dim; j++) any_unknown |= unknown[j] != 0;
    *searched = d->mask || any_unknown;
    for (size_t i = 0; *searched && i < n; i++) {
        size_t present = 0;
        for (size_t j = 0; j < dim; j++)
            present += (!d->mask || d->mask[i * dim + j]) && !(unknown && unknown[j]);
        if (!present)
            return som__error(err, SOM_EINVAL,
                              "row %zu (line %zu) has no known field to search with", i + 1,
                              som_data_line(d, i));
    }
    return SOM_OK;
}

void som__fill_search_mask(const som_data *d, const uint8_t *unknown, size_t r0, size_t k,
                           uint8_t *search)
{
    size_t dim = d->dim;
    for (size_t c = 0; c < k * dim; c++)
        search[c] = (!d->mask || d->mask[r0 * dim + c]) && !(unknown && unknown[c % dim]);
}

void som__fill_row(som_data *d, size_t row, const uint8_t *search_row, const float *values)
{
    for (size_t j = 0; j < d->dim; j++) {
        size_t c = row * d->dim + j;
        if (search_row[j]) continue;
        d->x[c] = values[j];
        if (d->mask && !d->mask[c]) {
            d->mask[c] = 1;
            d->n_missing--;
        }
    }
}

/* A block of rows at a time (SOM__STREAM_ROWS): the search mask, the scaled
 * rows and their BMUs exist for one block only, so predicting costs the
 * data set and a few MB whatever its size. Every row is checked before any
 * is filled, so a failed call leaves the data as it was. */
int som_map_predict(const som_map *m, som_data *d, const uint8_t *unknown, size_t *units,
                    int threads, som_error *err)
{
    size_t n = d->n, dim = d->dim;
    if (dim != m->dim)
        return som__error(err, SOM_EDIM, "the data has %zu fields, the map %zu", dim, m->dim);
    bool searched; /* some field is left out */
    int rc = som__fill_check(d, unknown, &searched, err);
    if (rc != SOM_OK) return rc;
    size_t block = n < SOM__STREAM_ROWS ? n : SOM__STREAM_ROWS;
    if (block == 0) return SOM_OK;
    uint8_t *search = searched ? som__calloc(block * dim, 1) : NULL;
    float *sx = som__aligned_calloc(block * dim, sizeof(float));
    size_t *bmu = som__calloc(block, sizeof *bmu);
    float *w = som__malloc(dim * sizeof(float));
    if ((searched && !search) || !sx || !bmu || !w) rc = som__error_oom(err);
    for (size_t r0 = 0; rc == SOM_OK && r0 < n; r0 += block) {
        size_t k = n - r0 < block ? n - r0 : block;
        const float *x = d->x + r0 * dim;
        if (search) som__fill_search_mask(d, unknown, r0, k, search);
        /* The scaled rows with the left-out fields at 0 (the caller's
         * values are never touched for that). */
        som__scale_rows(m, x, search, k, sx, threads);
        rc = som__map_bmus_scaled(m, sx, search, k, bmu, NULL, NULL, threads, err);
        if (rc != SOM_OK) break;
        if (units) memcpy(units + r0, bmu, k * sizeof *bmu);
        for (size_t i = 0; search && i < k; i++) {
            som_map_unit_weights(m, bmu[i], w);
            som__fill_row(d, r0 + i, search + i * dim, w);
        }
    }
    if (rc == SOM_OK) som__data_drop_mask_if_complete(d);
    som__free(search);
    som__aligned_free(sx);
    som__free(bmu);
    som__free(w);
    return rc;
}

/* ---- the K best units ------------------------------------------------------
 * One place that ranks every unit by its exact distance to one row, for the
 * callers that need more than the winner (filling from several units,
 * som_map_best_units). The distance is the map's, exact in double: the
 * Euclidean one as som__bmu_scalar and som__bmu_scalar_w measure it, the
 * others as distance.c's som__dist2_exact does, so that the first unit is
 * the BMU of som_map_bmu_vector (ties and near-ties aside). */

/* The squared distances of units u0..u0+8 (fewer at the end: n) to the
 * scaled row x over the fields in mask (NULL: all), with the map's
 * feature weights when it has them, into d. Each sum runs over the fields
 * in order, as som__bmu_scalar's and som__bmu_scalar_w's do (the same
 * bits), but eight units advance together: eight independent chains of
 * additions instead of one, about three times faster. */
static void unit_dist2_8(const som_map *m, size_t u0, size_t n, const float *x,
                         const uint8_t *mask, double d[8])
{
    const size_t dim = m->dim;
    const float *cb = m->codebook + u0 * dim, *s = m->fsqrt;
    double acc[8] = {0};
    for (size_t j = 0; j < dim; j++) {
        if (mask && !mask[j]) continue;
        if (s) {
            /* The weighted products rounded to float as som__bmu_scalar_w
             * rounds them. */
            double a = (double)(s[j] * x[j]);
            for (size_t c = 0; c < n; c++) {
                double t = a - (double)(s[j] * cb[c * dim + j]);
                acc[c] += t * t;
            }
        } else {
            double a = (double)x[j];
            for (size_t c = 0; c < n; c++) {
                double t = a - (double)cb[c * dim + j];
                acc[c] += t * t;
            }
        }
    }
    memcpy(d, acc, sizeof acc);
}

/* The same for a map with another distance (distance.c's exact values),
 * on the weighted copies of the row and unit that its search compares. */
static void unit_dist2_other(const som_map *m, size_t u0, size_t n, const float *x,
                             const uint8_t *mask, float *scratch, double d[8])
{
    const size_t dim = m->dim;
    const float *xs = x;
    if (m->fsqrt) {
        som__weight_rows(m->fsqrt, x, 1, dim, scratch);
        xs = scratch;
    }
    for (size_t c = 0; c < n; c++) {
        const float *w = m->codebook + (u0 + c) * dim;
        if (m->fsqrt) {
            som__weight_rows(m->fsqrt, w, 1, dim, scratch + dim);
            w = scratch + dim;
        }
        d[c] = som__dist2_exact(m->distance, w, xs, mask, dim);
    }
}

size_t som__best_units_scaled(const som_map *m, const float *x, const uint8_t *mask, size_t k,
                              size_t *units, double *dist2, float *scratch)
{
    if (k > m->n_units) k = m->n_units;
    size_t found = 0;
    double d8[8];
    for (size_t u0 = 0; u0 < m->n_units && k; u0 += 8) {
        size_t n = m->n_units - u0 < 8 ? m->n_units - u0 : 8;
        if (m->distance == SOM_DISTANCE_EUCLIDEAN) unit_dist2_8(m, u0, n, x, mask, d8);
        else unit_dist2_other(m, u0, n, x, mask, scratch, d8);
        for (size_t c = 0; c < n; c++) {
            double d = d8[c];
            /* Insertion into the sorted k best; strict, so ties keep the
             * lower index first, as the BMU search does. */
            if (found == k && !(d < dist2[k - 1])) continue;
            size_t p = found < k ? found++ : k - 1;
            while (p > 0 && d < dist2[p - 1]) {
                dist2[p] = dist2[p - 1];
                units[p] = units[p - 1];
                p--;
            }
            dist2[p] = d;
            units[p] = u0 + c;
        }
    }
    return found;
}

int som_map_best_units(const som_map *m, const float *x, const uint8_t *mask, size_t k,
                       size_t *units, double *dist, som_error *err)
{
    if (!m || !x || !units || k == 0)
        return som__error(err, SOM_EINVAL, "som_map_best_units: map, vector, k >= 1 and units "
                          "are required");
    float *buf = som__malloc(m->dim * sizeof(float));
    uint8_t *mbuf = som__malloc(m->dim);
    double *d2 = som__malloc((k < m->n_units ? k : m->n_units) * sizeof *d2);
    float *scratch = som__malloc(2 * m->dim * sizeof *scratch);
    int rc = buf && mbuf && d2 && scratch ? SOM_OK : som__error_oom(err);
    bool any_missing;
    if (rc == SOM_OK && prepare_row(m, x, mask, buf, mbuf, &any_missing) != SOM_OK)
        rc = som__error(err, SOM_EINVAL, "the vector has no present field to search with");
    if (rc == SOM_OK) {
        size_t found = som__best_units_scaled(m, buf, any_missing ? mbuf : NULL, k, units, d2,
                                              scratch);
        for (size_t i = 0; dist && i < found; i++) dist[i] = sqrt(d2[i]);
        rc = (int)found;
    }
    som__free(buf);
    som__free(mbuf);
    som__free(d2);
    som__free(scratch);
    return rc;
}
