/* SPDX-License-Identifier: MIT */
/* weights.c — per-feature weights in the distance (som.h, "per-feature
 * weights"): setting them on a map, and the weighted winner search that
 * recognition, training and clustering share: both sides multiplied by
 * sqrt(weight) in float, so that the plain search (bmu.c) runs unchanged. */
#include "core/core.h"

#include <math.h>
#include <string.h>

/* ---- feature weights ------------------------------------------------------ */

int som_map_set_feature_weights(som_map *m, const double *w, som_error *err)
{
    if (!m) return som__error(err, SOM_EINVAL, "som_map_set_feature_weights: NULL map");
    bool all_one = true, any_positive = false;
    for (size_t j = 0; w && j < m->dim; j++) {
        if (!isfinite(w[j]) || w[j] < 0.0)
            return som__error(err, SOM_EINVAL,
                              "weight of field %zu ('%s') is %g; weights are finite and >= 0",
                              j + 1, m->titles[j], w[j]);
        all_one &= w[j] == 1.0;
        any_positive |= w[j] > 0.0;
    }
    if (w && !any_positive)
        return som__error(err, SOM_EINVAL,
                          "every feature weight is 0: no field would choose the winner");
    if (!w || all_one) {
        som__free(m->fweight);
        som__free(m->fsqrt);
        m->fweight = NULL;
        m->fsqrt = NULL;
        return SOM_OK;
    }
    double *fw = som__calloc(m->dim, sizeof *fw);
    float *fs = som__calloc(m->dim, sizeof *fs);
    if (!fw || !fs) {
        som__free(fw);
        som__free(fs);
        return som__error_oom(err);
    }
    for (size_t j = 0; j < m->dim; j++) {
        fw[j] = w[j];
        fs[j] = (float)sqrt(w[j]);
    }
    som__free(m->fweight);
    som__free(m->fsqrt);
    m->fweight = fw;
    m->fsqrt = fs;
    return SOM_OK;
}

const double *som_map_feature_weights(const som_map *m) { return m ? m->fweight : NULL; }

void som__weight_rows(const float *s, const float *x, size_t n, size_t dim, float *out)
{
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < dim; j++) out[i * dim + j] = s[j] * x[i * dim + j];
}

size_t som__bmu_scalar_w(const float *codebook, size_t n_units, size_t dim, const float *s,
                         const float *x, const uint8_t *mask, double *dist2)
{
    size_t present = 0;
    for (size_t j = 0; j < dim; j++) present += !mask || mask[j];
    if (present == 0) {
        if (dist2) *dist2 = NAN;
        return n_units;
    }
    size_t best = 0;
    double best_d = INFINITY;
    for (size_t i = 0; i < n_units; i++) {
        const float *w = codebook + i * dim;
        double d = 0.0;
        for (size_t j = 0; j < dim; j++) {
            if (mask && !mask[j]) continue;
            /* The products are rounded to float exactly as the weighted
             * copies of the GEMM path are, so both paths agree. */
            float a = s[j] * x[j], b = s[j] * w[j];
            double t = (double)a - (double)b;
            d += t * t;
        }
        if (d < best_d) {
            best_d = d;
            best = i;
        }
    }
    if (dist2) *dist2 = best_d;
    return best;
}

/* Rows per weighted block: enough blocks of bmu.c's own size for every
 * thread, while the weighted copy stays a small fraction of the data. */
#define WEIGHT_BLOCK_ROWS 65536

int som__map_bmus_scaled(const som_map *m, const float *x, const uint8_t *mask, size_t n,
                         size_t *units, double *dist2, size_t *second, int threads,
                         som_error *err)
{
    if (!m->fsqrt)
        return som__bmus_dist(m->distance, m->codebook, m->n_units, m->dim, x, mask, n, units,
                              dist2, second, threads, err);
    if (n == 0) return SOM_OK;
    const size_t dim = m->dim;
    size_t rows = n < WEIGHT_BLOCK_ROWS ? n : WEIGHT_BLOCK_ROWS;
    float *wcb = som__aligned_calloc(m->n_units * dim, sizeof(float));
    float *wx = som__aligned_calloc(rows * dim, sizeof(float));
    if (!wcb || !wx) {
        som__aligned_free(wcb);
        som__aligned_free(wx);
        return som__error_oom(err);
    }
    som__weight_rows(m->fsqrt, m->codebook, m->n_units, dim, wcb);
    int rc = SOM_OK;
    /* Every row's result depends on that row alone, so blocks give the
     * same answers as one call over all rows. */
    for (size_t r0 = 0; rc == SOM_OK && r0 < n; r0 += rows) {
        size_t k = n - r0 < rows ? n - r0 : rows;
        som__weight_rows(m->fsqrt, x + r0 * dim, k, dim, wx);
        rc = som__bmus_dist(m->distance, wcb, m->n_units, dim, wx, mask ? mask + r0 * dim : NULL,
                            k, units + r0, dist2 ? dist2 + r0 : NULL,
                            second ? second + r0 : NULL, threads, err);
    }
    som__aligned_free(wcb);
    som__aligned_free(wx);
    return rc;
}

