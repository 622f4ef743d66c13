/* SPDX-License-Identifier: MIT */
/* init.c — starting codebooks: uniform inside each column's range (the MQL5
 * rule), random rows, or the plane of the first two principal components. */
#include "internal.h"

#include <lapacke.h>
#include <math.h>
#include <string.h>

/* Column min/max over present scaled values. */
static int column_ranges(const som_scaled *sx, double *lo, double *hi, som_error *err)
{
    for (size_t j = 0; j < sx->dim; j++) {
        lo[j] = INFINITY;
        hi[j] = -INFINITY;
    }
    for (size_t i = 0; i < sx->n; i++)
        for (size_t j = 0; j < sx->dim; j++) {
            if (sx->mask && !sx->mask[i * sx->dim + j]) continue;
            double v = sx->x[i * sx->dim + j];
            if (v < lo[j]) lo[j] = v;
            if (v > hi[j]) hi[j] = v;
        }
    for (size_t j = 0; j < sx->dim; j++)
        if (lo[j] > hi[j])
            return som__error(err, SOM_EEMPTY, "field %zu has no value in any row", j + 1);
    return SOM_OK;
}

static int init_random(som_map *m, const som_scaled *sx, som_rng *rng, som_error *err)
{
    double *lo = som__calloc(m->dim, sizeof *lo), *hi = som__calloc(m->dim, sizeof *hi);
    int rc = (!lo || !hi) ? som__error_oom(err) : column_ranges(sx, lo, hi, err);
    for (size_t u = 0; rc == SOM_OK && u < m->n_units; u++)
        for (size_t j = 0; j < m->dim; j++)
            m->codebook[u * m->dim + j] = (float)(lo[j] + (hi[j] - lo[j]) * som__rng_uniform(rng));
    som__free(lo);
    som__free(hi);
    return rc;
}

/* Column means over present values, for filling the gaps of sampled rows. */
static int column_means(const som_scaled *sx, double *mean, som_error *err)
{
    size_t *cnt = som__calloc(sx->dim, sizeof *cnt);
    if (!cnt) return som__error_oom(err);
    memset(mean, 0, sx->dim * sizeof *mean);
    for (size_t i = 0; i < sx->n; i++)
        for (size_t j = 0; j < sx->dim; j++) {
            if (sx->mask && !sx->mask[i * sx->dim + j]) continue;
            mean[j] += (double)sx->x[i * sx->dim + j];
            cnt[j]++;
        }
    int rc = SOM_OK;
    for (size_t j = 0; j < sx->dim; j++) {
        if (!cnt[j]) rc = som__error(err, SOM_EEMPTY, "field %zu has no value in any row", j + 1);
        else mean[j] /= (double)cnt[j];
    }
    som__free(cnt);
    return rc;
}

static int init_sample(som_map *m, const som_scaled *sx, som_rng *rng, som_error *err)
{
    double *mean = som__calloc(m->dim, sizeof *mean);
    size_t *idx = som__calloc(sx->n, sizeof *idx);
    int rc = (!mean || !idx) ? som__error_oom(err) : column_means(sx, mean, err);
    for (size_t i = 0; idx && i < sx->n; i++) idx[i] = i;
    for (size_t u = 0; rc == SOM_OK && u < m->n_units; u++) {
        size_t row;
        if (sx->n >= m->n_units) { /* without replacement: partial shuffle */
            size_t k = u + (size_t)som__rng_below(rng, sx->n - u);
            size_t t = idx[u];
            idx[u] = idx[k];
            idx[k] = t;
            row = idx[u];
        } else {
            row = (size_t)som__rng_below(rng, sx->n);
        }
        for (size_t j = 0; j < m->dim; j++) {
            bool present = !sx->mask || sx->mask[row * sx->dim + j];
            m->codebook[u * m->dim + j] =
                present ? sx->x[row * sx->dim + j] : (float)mean[j];
        }
    }
    som__free(mean);
    som__free(idx);
    return rc;
}

/* The plane through the mean spanned by the two leading eigenvectors of the
 * covariance matrix; each direction spans +-sqrt(3) standard deviations
 * along the grid (a uniform spread with the data's variance), the larger
 * component along the longer side of the grid. */
static int init_pca(som_map *m, const som_scaled *sx, som_error *err)
{
    size_t dim = m->dim, n = sx->n;
    double *mean = som__calloc(dim, sizeof *mean);
    double *cov = som__calloc(dim * dim, sizeof *cov);
    double *cnt = som__calloc(dim * dim, sizeof *cnt);
    double *eig = som__calloc(dim, sizeof *eig);
    int rc = (!mean || !cov || !cnt || !eig) ? som__error_oom(err) : column_means(sx, mean, err);
    /* Pairwise-complete covariance: each entry over the rows where both
     * fields are present. */
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
        lapack_int info = LAPACKE_dsyev(LAPACK_ROW_MAJOR, 'V', 'U', (lapack_int)dim, cov,
                                        (lapack_int)dim, eig);
        if (info != 0)
            rc = som__error(err, SOM_EINVAL, "PCA initialisation failed (LAPACK dsyev info %d)",
                            (int)info);
    }
    if (rc == SOM_OK) {
        /* Eigenvalues ascend; eigenvectors are the columns. Fix each sign so
         * the largest component is positive: the same data always gives the
         * same map. */
        size_t k1 = dim - 1, k2 = dim >= 2 ? dim - 2 : dim - 1;
        double s1 = sqrt(eig[k1] > 0 ? eig[k1] : 0) * sqrt(3.0);
        double s2 = dim >= 2 ? sqrt(eig[k2] > 0 ? eig[k2] : 0) * sqrt(3.0) : 0.0;
        for (int which = 0; which < 2; which++) {
            size_t k = which ? k2 : k1;
            size_t arg = 0;
            for (size_t j = 1; j < dim; j++)
                if (fabs(cov[j * dim + k]) > fabs(cov[arg * dim + k])) arg = j;
            if (cov[arg * dim + k] < 0)
                for (size_t j = 0; j < dim; j++) cov[j * dim + k] = -cov[j * dim + k];
        }
        /* Grid coordinates normalised to [-1, 1] on each axis. */
        double xmin = INFINITY, xmax = -INFINITY, ymin = INFINITY, ymax = -INFINITY;
        for (size_t u = 0; u < m->n_units; u++) {
            double gx, gy;
            som_grid_coords(&m->grid, u, &gx, &gy);
            if (gx < xmin) xmin = gx;
            if (gx > xmax) xmax = gx;
            if (gy < ymin) ymin = gy;
            if (gy > ymax) ymax = gy;
        }
        bool cols_longer = (xmax - xmin) >= (ymax - ymin);
        for (size_t u = 0; u < m->n_units; u++) {
            double gx, gy;
            som_grid_coords(&m->grid, u, &gx, &gy);
            double a = xmax > xmin ? 2.0 * (gx - xmin) / (xmax - xmin) - 1.0 : 0.0;
            double b = ymax > ymin ? 2.0 * (gy - ymin) / (ymax - ymin) - 1.0 : 0.0;
            double c1 = cols_longer ? a : b, c2 = cols_longer ? b : a;
            for (size_t j = 0; j < dim; j++) {
                double v = mean[j] + c1 * s1 * cov[j * dim + k1];
                if (dim >= 2) v += c2 * s2 * cov[j * dim + k2];
                m->codebook[u * dim + j] = (float)v;
            }
        }
    }
    som__free(mean);
    som__free(cov);
    som__free(cnt);
    som__free(eig);
    return rc;
}

int som__init_codebook(som_map *m, const som_scaled *sx, som_init method, uint64_t seed,
                       som_error *err)
{
    if (sx->n == 0) return som__error(err, SOM_EEMPTY, "no samples to initialise the map from");
    som_rng rng;
    som__rng_seed(&rng, seed ^ 0x5eed1417u);
    switch (method) {
    case SOM_INIT_RANDOM: return init_random(m, sx, &rng, err);
    case SOM_INIT_SAMPLE: return init_sample(m, sx, &rng, err);
    case SOM_INIT_PCA:
        if (sx->n < 2 || m->dim < 2) return init_random(m, sx, &rng, err);
        return init_pca(m, sx, err);
    case SOM_INIT_KEEP: return SOM_OK;
    }
    return som__error(err, SOM_EINVAL, "unknown initialisation %d", (int)method);
}

int som_map_init(som_map *m, const som_data *d, som_init method, uint64_t seed, som_error *err)
{
    som_scaled sx;
    int rc = som__scaled_init(&sx, m, d, err);
    if (rc) return rc;
    rc = som__init_codebook(m, &sx, method, seed, err);
    som__scaled_free(&sx);
    return rc;
}
