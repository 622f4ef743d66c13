/* SPDX-License-Identifier: MIT */
/* distortion.c — the SOM distortion measure of a map on data
 * (som_map_distortion; definition in som.h, "Analysis"). */
#include "analysis/analysis.h"

#include <math.h>
#include <omp.h>
#include <string.h>

/* ---- distortion -------------------------------------------------------------- */

int som_map_distortion(const som_map *m, const som_data *d, double radius, double *distortion,
                       int threads, som_error *err)
{
    if (!m || !d || !distortion) return som__error(err, SOM_EINVAL, "som_map_distortion: NULL argument");
    *distortion = NAN;
    if (som_data_dim(d) != m->dim)
        return som__error(err, SOM_EDIM, "the data has %zu fields, the map %zu", som_data_dim(d),
                          m->dim);
    const som_train_opts *s = &m->settings;
    if (radius < 0.0) radius = m->trained && s->radius1 >= 0.0 ? s->radius1 : 1.0;
    if (!isfinite(radius)) return som__error(err, SOM_EINVAL, "radius %g is not finite", radius);
    const bool mql = m->trained && s->schedule == SOM_SCHEDULE_MQL;
    const som_neighborhood kind = mql ? SOM_NEIGHBORHOOD_CUTGAUSS : s->neighborhood;
    const size_t n = som_data_n_samples(d), dim = m->dim, n_units = m->n_units;
    if (n == 0) return SOM_OK;

    size_t *bmu = som__calloc(n, sizeof *bmu);
    som_scaled sx = {0};
    som_dist_table dt = {0};
    float *wcb = NULL, *wx = NULL;
    double *H = NULL, *M = NULL, *Q = NULL;
    bool *used = NULL;
    int rc = bmu ? som__check_rows_present(d, err) : som__error_oom(err);
    if (rc == SOM_OK) rc = som__scaled_init(&sx, m, d, err);
    if (rc == SOM_OK) rc = som__map_bmus_scaled(m, sx.x, sx.mask, n, bmu, NULL, NULL, threads, err);
    if (rc == SOM_OK) rc = som__dist_table_init(&dt, &m->grid, err);
    if (rc == SOM_OK) {
        wcb = som__aligned_calloc(n_units * dim, sizeof *wcb);
        wx = som__aligned_calloc(dim, sizeof *wx);
        H = som__calloc(n_units, sizeof *H);
        M = som__calloc(n_units * dim, sizeof *M);
        Q = som__calloc(n_units * dim, sizeof *Q);
        used = som__calloc(n_units, sizeof *used);
        if (!wcb || !wx || !H || !M || !Q || !used) rc = som__error_oom(err);
    }
    if (rc == SOM_OK) {
        if (m->fsqrt) som__weight_rows(m->fsqrt, m->codebook, n_units, dim, wcb);
        else memcpy(wcb, m->codebook, n_units * dim * sizeof *wcb);
        for (size_t i = 0; i < n; i++) used[bmu[i]] = true;
        /* Per winner b: H = sum_j h, M = sum_j h m_j, Q = sum_j h m_j^2, so
         * that sum_j h |x - m_j|^2 = sum_f H x_f^2 - 2 x_f M_f + Q_f over
         * the present fields f: one pass over the unit pairs, then O(dim)
         * per row. Each b is summed in unit order whatever the threads. */
        const size_t cols = m->grid.cols;
#pragma omp parallel for schedule(dynamic, 4) num_threads(som__threads(threads))
        for (size_t b = 0; b < n_units; b++) {
            if (!used[b]) continue;
            size_t br = b / cols, bc = b % cols;
            for (size_t j = 0; j < n_units; j++) {
                double h = som__neighborhood(kind, mql,
                                             som__dist_table_get(&dt, br, bc, j / cols, j % cols),
                                             radius);
                if (h == 0.0) continue;
                H[b] += h;
                const float *w = wcb + j * dim;
                for (size_t f = 0; f < dim; f++) {
                    M[b * dim + f] += h * (double)w[f];
                    Q[b * dim + f] += h * (double)w[f] * (double)w[f];
                }
            }
        }
        double total = 0.0;
        for (size_t i = 0; i < n; i++) {
            const float *x = sx.x + i * dim;
            const uint8_t *mk = sx.mask ? sx.mask + i * dim : NULL;
            if (m->fsqrt) {
                som__weight_rows(m->fsqrt, x, 1, dim, wx);
                x = wx;
            }
            size_t b = bmu[i];
            double e = 0.0;
            for (size_t f = 0; f < dim; f++) {
                if (mk && !mk[f]) continue;
                double xf = (double)x[f];
                e += H[b] * xf * xf - 2.0 * xf * M[b * dim + f] + Q[b * dim + f];
            }
            total += e;
        }
        *distortion = total / (double)n;
    }
    som__free(bmu);
    som__scaled_free(&sx);
    som__dist_table_free(&dt);
    som__aligned_free(wcb);
    som__aligned_free(wx);
    som__free(H);
    som__free(M);
    som__free(Q);
    som__free(used);
    return rc;
}
