/* SPDX-License-Identifier: MIT */
/* train_batch.c — Kohonen's batch map. Per pass: every sample's BMU (the
 * GEMM search of bmu.c), per unit the sum S_j of its samples and their count
 * n_j (per component when values are missing), then
 *     w_k = sum_j h(d(k,j)) S_j / sum_j h(d(k,j)) n_j
 * over the units j that hold samples; a unit with zero weight keeps its
 * vector. The sums run in sample order and each unit's smoothing in a fixed
 * order, so the result does not depend on the number of threads.
 * Per-sample weights (SOM_PAK weight=W) multiply a sample's share of S and
 * n; a fixed sample (SOM_PAK fixed=X,Y) counts for its fixed unit. */
#include "internal.h"

#include <omp.h>
#include <string.h>

int som__batch_pass(som_trainer *t, som_error *err)
{
    som_map *m = t->map;
    const size_t dim = m->dim, n_units = m->n_units, cols = m->grid.cols, n = t->sx.n;
    const float *x = t->sx.x;
    const uint8_t *mask = t->sx.mask;
    int rc;

    if (!t->bmu_valid) {
        rc = som__map_bmus_scaled(m, x, mask, n, t->bmu, NULL, NULL, t->opts.threads, err);
        if (rc) return rc;
    }
    t->bmu_valid = false; /* the codebook changes below */
    if (t->data->fixed) {
        for (size_t i = 0; i < n; i++) {
            size_t f = som__data_fixed_unit(t->data, &m->grid, i, err);
            if (f == SOM__FIXED_BAD) return SOM_ERANGE;
            if (f != SIZE_MAX) t->bmu[i] = f;
        }
    }
    const double *weight = t->data->weight;
    som__schedule(&t->opts, t->step, t->n_steps, &t->sigma, &t->alpha);
    const bool mql = t->opts.schedule == SOM_SCHEDULE_MQL;
    const som_neighborhood kind = mql ? SOM_NEIGHBORHOOD_CUTGAUSS : t->opts.neighborhood;

    /* Sums per unit, in sample order, in double. */
    const size_t per_unit = mask ? dim : 1;
    memset(t->sum, 0, n_units * dim * sizeof *t->sum);
    memset(t->cnt, 0, n_units * per_unit * sizeof *t->cnt);
    for (size_t i = 0; i < n; i++) {
        size_t b = t->bmu[i];
        double *s = t->sum + b * dim;
        const float *xi = x + i * dim;
        const double wi = weight ? weight[i] : 1.0;
        if (mask) {
            const uint8_t *mk = mask + i * dim;
            double *c = t->cnt + b * dim;
            for (size_t j = 0; j < dim; j++)
                if (mk[j]) {
                    s[j] += wi * (double)xi[j];
                    c[j] += wi;
                }
        } else {
            for (size_t j = 0; j < dim; j++) s[j] += wi * (double)xi[j];
            t->cnt[b] += wi;
        }
    }
    size_t n_hit = 0;
    for (size_t u = 0; u < n_units; u++) {
        bool any = false;
        for (size_t k = 0; k < per_unit && !any; k++) any = t->cnt[u * per_unit + k] > 0.0;
        if (any) t->hit[n_hit++] = u;
    }

    /* Neighbourhood weights by grid offset: a few thousand exp() per pass
     * instead of one per pair of units. */
    const som_dist_table *dt = &t->dist;
    const size_t cells = 2 * dt->span_r * dt->span_c;
    for (size_t k = 0; k < cells; k++) {
        double d2 = dt->d2[k];
        t->htab[k] = d2 == 0.0 ? 1.0
                               : t->opts.neighbor_rate * som__neighborhood(kind, mql, d2, t->sigma);
    }

    int n_threads = som__threads(t->opts.threads);
    int oom = 0;
#pragma omp parallel num_threads(n_threads)
    {
        double *num = som__calloc(dim, sizeof *num);
        double *den = som__calloc(per_unit, sizeof *den);
        if (!num || !den) {
#pragma omp atomic write
            oom = 1;
        }
#pragma omp for schedule(static)
        for (size_t k = 0; k < n_units; k++) {
            if (!num || !den) continue;
            memset(num, 0, dim * sizeof *num);
            memset(den, 0, per_unit * sizeof *den);
            size_t kr = k / cols, kc = k % cols;
            const double *hrow = t->htab + ((kr & 1) * dt->span_r) * dt->span_c;
            for (size_t h = 0; h < n_hit; h++) {
                size_t u = t->hit[h];
                size_t dr = u / cols + dt->rows - 1 - kr, dc = u % cols + dt->cols - 1 - kc;
                double w = hrow[dr * dt->span_c + dc];
                if (w == 0.0) continue;
                const double *s = t->sum + u * dim;
                for (size_t j = 0; j < dim; j++) num[j] += w * s[j];
                const double *c = t->cnt + u * per_unit;
                for (size_t j = 0; j < per_unit; j++) den[j] += w * c[j];
            }
            float *wk = m->codebook + k * dim;
            for (size_t j = 0; j < dim; j++) {
                double dj = den[mask ? j : 0];
                if (dj > 0.0) wk[j] = (float)(num[j] / dj);
            }
        }
        som__free(num);
        som__free(den);
    }
    if (oom) return som__error_oom(err);
    return SOM_OK;
}
