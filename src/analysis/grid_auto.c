/* SPDX-License-Identifier: MIT */
/* grid_auto.c — an automatic map size from the data (som_grid_auto): the
 * number of units from the number of rows, the side ratio from the two
 * largest eigenvalues of the covariance. Formulas in som.h, "Analysis". */
#include "analysis/analysis.h"

#include <lapacke.h>
#include <math.h>
#include <string.h>

/* ---- automatic map size ---------------------------------------------------- */

/* The two largest eigenvalues of the covariance of the scaled rows
 * (pairwise-complete over missing values, as the PCA initialisation; a
 * table with fewer rows than fields goes through pca_gram.c). */
static int top_eigenvalues(const som_scaled *sx, double *l1, double *l2, som_error *err)
{
    size_t dim = sx->dim, n = sx->n;
    if (som__pca_gram_wanted(n, dim)) { /* wide: the rows x rows Gram matrix */
        double lambda[2] = {0.0, 0.0}, *mean = som__calloc(dim, sizeof *mean);
        int rc = mean ? som__pca_gram(sx, NULL, mean, lambda, NULL, err) : som__error_oom(err);
        som__free(mean);
        *l1 = lambda[0];
        *l2 = lambda[1];
        return rc;
    }
    double *mean = som__calloc(dim, sizeof *mean), *cnt1 = som__calloc(dim, sizeof *cnt1);
    double *cov = som__calloc(dim * dim, sizeof *cov), *cnt = som__calloc(dim * dim, sizeof *cnt);
    double *eig = som__calloc(dim, sizeof *eig);
    int rc = SOM_OK;
    if (!mean || !cnt1 || !cov || !cnt || !eig) rc = som__error_oom(err);
    for (size_t i = 0; rc == SOM_OK && i < n; i++)
        for (size_t j = 0; j < dim; j++)
            if (!sx->mask || sx->mask[i * dim + j]) {
                mean[j] += (double)sx->x[i * dim + j];
                cnt1[j] += 1.0;
            }
    for (size_t j = 0; rc == SOM_OK && j < dim; j++) {
        if (cnt1[j] == 0.0)
            rc = som__error(err, SOM_EEMPTY, "field %zu has no value in any row", j + 1);
        else
            mean[j] /= cnt1[j];
    }
    for (size_t i = 0; rc == SOM_OK && i < n; i++) {
        const float *x = sx->x + i * dim;
        const uint8_t *mk = sx->mask ? sx->mask + i * dim : NULL;
        for (size_t a = 0; a < dim; a++) {
            if (mk && !mk[a]) continue;
            double da = (double)x[a] - mean[a];
            for (size_t b = a; b < dim; b++) {
                if (mk && !mk[b]) continue;
                cov[a * dim + b] += da * ((double)x[b] - mean[b]);
                cnt[a * dim + b] += 1.0;
            }
        }
    }
    if (rc == SOM_OK) {
        for (size_t a = 0; a < dim; a++)
            for (size_t b = a; b < dim; b++) {
                double c = cnt[a * dim + b] > 1.0 ? cov[a * dim + b] / (cnt[a * dim + b] - 1.0) : 0.0;
                cov[a * dim + b] = cov[b * dim + a] = c;
            }
        lapack_int info = LAPACKE_dsyev(LAPACK_ROW_MAJOR, 'N', 'U', (lapack_int)dim, cov,
                                        (lapack_int)dim, eig);
        if (info != 0)
            rc = som__error(err, SOM_EINVAL, "eigenvalues of the covariance failed (LAPACK "
                            "dsyev info %d)", (int)info);
    }
    if (rc == SOM_OK) { /* ascending */
        *l1 = eig[dim - 1];
        *l2 = dim >= 2 ? eig[dim - 2] : 0.0;
    }
    som__free(mean);
    som__free(cnt1);
    som__free(cov);
    som__free(cnt);
    som__free(eig);
    return rc;
}

int som_grid_auto(const som_data *data, som_scaling scaling, som_topology topology, int toroid,
                  som_grid *grid, double *ratio_out, som_error *err)
{
    if (!data || !grid) return som__error(err, SOM_EINVAL, "som_grid_auto: NULL argument");
    size_t n = som_data_n_samples(data), dim = som_data_dim(data);
    if (n == 0) return som__error(err, SOM_EEMPTY, "no samples to size the map from");
    if (topology != SOM_RECT && topology != SOM_HEX)
        return som__error(err, SOM_EINVAL, "unknown topology %d", (int)topology);
    /* The data in the space the map will see: a throw-away 1x1 map holds
     * the scaling. */
    som_grid one = {1, 1, topology, 0};
    som_map *tmp = NULL;
    som_scaled sx = {0};
    double l1 = 0.0, l2 = 0.0;
    int rc = som_map_new(&one, dim, &tmp, err);
    if (rc == SOM_OK) rc = som_map_fit_scaling(tmp, data, scaling, err);
    if (rc == SOM_OK) rc = som__scaled_init(&sx, tmp, data, err);
    if (rc == SOM_OK) rc = top_eigenvalues(&sx, &l1, &l2, err);
    som__scaled_free(&sx);
    som_map_free(tmp);
    if (rc != SOM_OK) return rc;

    /* 5 sqrt(n) units (Vesanto's rule of thumb behind som_topol_struct). */
    double units = floor(5.0 * sqrt((double)n) + 0.5);
    if (units < 1.0) units = 1.0;
    if (units > 1048576.0) units = 1048576.0; /* 1024x1024: a sane ceiling */
    double ratio = l1 > 0.0 && l2 > 0.0 ? sqrt(l1 / l2) : (double)INFINITY;
    /* Physical width cols, height rows * h: cols / (rows h) = ratio and
     * rows cols = units give rows = sqrt(units / (ratio h)). */
    double h = topology == SOM_HEX ? sqrt(0.75) : 1.0;
    double rows = isfinite(ratio) ? floor(sqrt(units / (ratio * h)) + 0.5) : 1.0;
    if (rows < 1.0) rows = 1.0;
    double cols = floor(units / rows + 0.5);
    if (cols < 1.0) cols = 1.0;
    som_grid g = {(size_t)rows, (size_t)cols, topology, toroid ? 1 : 0};
    if (topology == SOM_HEX && g.toroid && g.rows % 2) g.rows++;
    if ((rc = som_grid_check(&g, err))) return rc;
    *grid = g;
    if (ratio_out) *ratio_out = ratio;
    return SOM_OK;
}
