/* SPDX-License-Identifier: MIT */
/* init.c — starting codebooks: uniform inside each column's range (the MQL5
 * rule), random rows, or the plane of the first two principal components.
 * Every statistic over the rows is a fold that continues along the shards
 * of distributed training (som_shard), so each shard starts from the codebook
 * one process would have made. */
#include "core/core.h"

#include <lapacke.h>
#include <math.h>
#include <string.h>

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang_analyzer__)
#include <immintrin.h>
#define SOM_INIT_AVX512 1
#endif

/* Column min/max over present scaled values; lo and hi are one array of
 * 2 dim (the fold's state). */
static int column_ranges(const som_scaled *sx, double *lo, double *hi, const som_shard *shard,
                         som_error *err)
{
    for (size_t j = 0; j < sx->dim; j++) {
        lo[j] = INFINITY;
        hi[j] = -INFINITY;
    }
    int rc = som__shard_receive(shard, lo, 2 * sx->dim, err);
    if (rc) return rc;
    for (size_t i = 0; i < sx->n; i++) {
        if ((i & 4095) == 0 && (rc = som__cancel_check(err))) return rc;
        for (size_t j = 0; j < sx->dim; j++) {
            if (sx->mask && !sx->mask[i * sx->dim + j]) continue;
            double v = sx->x[i * sx->dim + j];
            if (v < lo[j]) lo[j] = v;
            if (v > hi[j]) hi[j] = v;
        }
    }
    if ((rc = som__shard_pass_on(shard, lo, 2 * sx->dim, err))) return rc;
    for (size_t j = 0; j < sx->dim; j++)
        if (lo[j] > hi[j])
            return som__error(err, SOM_EEMPTY, "field %zu has no value in any row", j + 1);
    return SOM_OK;
}

static int init_random(som_map *m, const som_scaled *sx, som_rng *rng, const som_shard *shard,
                       som_error *err)
{
    double *lo = som__calloc(2 * m->dim, sizeof *lo), *hi = lo ? lo + m->dim : NULL;
    int rc = !lo ? som__error_oom(err) : column_ranges(sx, lo, hi, shard, err);
    for (size_t u = 0; rc == SOM_OK && u < m->n_units; u++)
        for (size_t j = 0; j < m->dim; j++)
            m->codebook[u * m->dim + j] = (float)(lo[j] + (hi[j] - lo[j]) * som__rng_uniform(rng));
    som__free(lo);
    return rc;
}

/* Column means over present values, for filling the gaps of sampled rows. */
static int column_means(const som_scaled *sx, double *mean, const som_shard *shard,
                        som_error *err)
{
    const size_t dim = sx->dim;
    double *st = som__calloc(2 * dim, sizeof *st); /* sums, then counts */
    if (!st) return som__error_oom(err);
    double *sum = st, *cnt = st + dim;
    int rc = som__shard_receive(shard, st, 2 * dim, err);
    for (size_t i = 0; rc == SOM_OK && i < sx->n; i++) {
        if ((i & 4095) == 0 && (rc = som__cancel_check(err))) break;
        for (size_t j = 0; j < dim; j++) {
            if (sx->mask && !sx->mask[i * dim + j]) continue;
            sum[j] += (double)sx->x[i * dim + j];
            cnt[j] += 1.0;
        }
    }
    if (rc == SOM_OK) rc = som__shard_pass_on(shard, st, 2 * dim, err);
    for (size_t j = 0; rc == SOM_OK && j < dim; j++) {
        if (cnt[j] == 0.0) rc = som__error(err, SOM_EEMPTY, "field %zu has no value in any row", j + 1);
        else mean[j] = sum[j] / cnt[j];
    }
    som__free(st);
    return rc;
}

/* Rows are drawn among all rows (n_total of every shard); with shards, the
 * shard that holds a drawn row writes it into the state (the codebook as
 * doubles, exact), passed along to all. */
static int init_sample(som_map *m, const som_scaled *sx, som_rng *rng, const som_shard *shard,
                       som_error *err)
{
    const size_t n_total = som__shard_n_total(shard, sx->n), first = som__shard_first(shard);
    const size_t cells = m->n_units * m->dim;
    double *mean = som__calloc(m->dim, sizeof *mean);
    size_t *idx = som__calloc(n_total, sizeof *idx);
    double *st = shard ? som__calloc(cells, sizeof *st) : NULL;
    int rc = (!mean || !idx || (shard && !st)) ? som__error_oom(err)
                                                : column_means(sx, mean, shard, err);
    if (rc == SOM_OK) rc = som__shard_receive(shard, st, cells, err);
    for (size_t i = 0; idx && i < n_total; i++) idx[i] = i;
    for (size_t u = 0; rc == SOM_OK && u < m->n_units; u++) {
        size_t row;
        if (n_total >= m->n_units) { /* without replacement: partial shuffle */
            size_t k = u + (size_t)som__rng_below(rng, n_total - u);
            size_t t = idx[u];
            idx[u] = idx[k];
            idx[k] = t;
            row = idx[u];
        } else {
            row = (size_t)som__rng_below(rng, n_total);
        }
        if (row < first || row - first >= sx->n) continue; /* another shard's */
        row -= first;
        for (size_t j = 0; j < m->dim; j++) {
            bool present = !sx->mask || sx->mask[row * sx->dim + j];
            float v = present ? sx->x[row * sx->dim + j] : (float)mean[j];
            if (st) st[u * m->dim + j] = v;
            else m->codebook[u * m->dim + j] = v;
        }
    }
    if (rc == SOM_OK && st) {
        rc = som__shard_pass_on(shard, st, cells, err);
        for (size_t c = 0; rc == SOM_OK && c < cells; c++) m->codebook[c] = (float)st[c];
    }
    som__free(mean);
    som__free(idx);
    som__free(st);
    return rc;
}

/* Pairwise-complete covariance sums: entry (a, b >= a) of cov adds
 * (x_a - mean_a)(x_b - mean_b) over the rows where both fields are present,
 * in row order, and cnt counts them. Runs of complete rows go COV_ROWS at a
 * time: their centred values once into a small buffer, then each entry
 * takes the run's products in row order (a product, then a sum: the same
 * bits as one row at a time) while it stays in a register. */
#define COV_ROWS 16
static void covariance_rows(const double *d, size_t rows, size_t dim, double *cov)
{
    for (size_t a = 0; a < dim; a++)
        for (size_t b = a; b < dim; b++) {
            double c = cov[a * dim + b];
            for (size_t r = 0; r < rows; r++) c += d[r * dim + a] * d[r * dim + b];
            cov[a * dim + b] = c;
        }
}

#ifdef SOM_INIT_AVX512
/* The same sums, 8 entries of a row of cov at a time. */
__attribute__((target("avx512f"))) static void covariance_rows_avx512(const double *d,
                                                                        size_t rows, size_t dim,
                                                                        double *cov)
{
    for (size_t a = 0; a < dim; a++)
        for (size_t b = a; b < dim; b += 8) {
            __mmask8 live = (__mmask8)(dim - b >= 8 ? 0xffu : (1u << (dim - b)) - 1u);
            __m512d c = _mm512_maskz_loadu_pd(live, cov + a * dim + b);
            for (size_t r = 0; r < rows; r++)
                c = _mm512_add_pd(c, _mm512_mul_pd(_mm512_set1_pd(d[r * dim + a]),
                                                   _mm512_maskz_loadu_pd(live, d + r * dim + b)));
            _mm512_mask_storeu_pd(cov + a * dim + b, live, c);
        }
}
#endif

static int covariance_sums(const som_scaled *sx, const double *mean, double *cov, double *cnt,
                           som_error *err)
{
    const size_t dim = sx->dim, n = sx->n;
    double *d = som__calloc(COV_ROWS * dim, sizeof *d);
    if (!d) return som__error_oom(err);
    void (*rows_fn)(const double *, size_t, size_t, double *) = covariance_rows;
#ifdef SOM_INIT_AVX512
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f")) rows_fn = covariance_rows_avx512;
#endif
    size_t run = 0; /* complete rows waiting in d */
    int rc = SOM_OK;
    for (size_t i = 0; i <= n; i++) {
        const uint8_t *mk = sx->mask && i < n ? sx->mask + i * dim : NULL;
        bool complete = i < n;
        for (size_t j = 0; mk && j < dim && complete; j++) complete = mk[j] != 0;
        if (run && (!complete || run == COV_ROWS)) {
            rows_fn(d, run, dim, cov);
            for (size_t a = 0; a < dim; a++)
                for (size_t b = a; b < dim; b++) cnt[a * dim + b] += (double)run;
            run = 0;
            /* Up to dim^2/2 multiply-adds a row: a wide table needs the
             * poll every few rows (once per buffered run). */
            if ((rc = som__cancel_check(err))) break;
        }
        if (i == n) break;
        const float *x = sx->x + i * dim;
        if (complete) {
            for (size_t j = 0; j < dim; j++) d[run * dim + j] = (double)x[j] - mean[j];
            run++;
            continue;
        }
        if ((i & 15) == 0 && (rc = som__cancel_check(err))) break; /* rows with gaps */
        for (size_t a = 0; a < dim; a++) {
            if (!mk[a]) continue;
            double da = (double)x[a] - mean[a];
            for (size_t b = a; b < dim; b++) {
                if (!mk[b]) continue;
                cov[a * dim + b] += da * ((double)x[b] - mean[b]);
                cnt[a * dim + b] += 1.0;
            }
        }
    }
    som__free(d);
    return rc;
}

/* The eigensolver of the PCA start, for som__run_cancellable: seconds for
 * thousands of fields, and LAPACK cannot be polled inside. */
typedef struct eig_job {
    double *cov, *eig; /* owned by the job once it is abandoned */
    size_t dim;
    lapack_int info;
} eig_job;

static void eig_run(void *p)
{
    eig_job *j = p;
    j->info = LAPACKE_dsyev(LAPACK_ROW_MAJOR, 'V', 'U', (lapack_int)j->dim, j->cov,
                            (lapack_int)j->dim, j->eig);
}

static void eig_release(void *p)
{
    eig_job *j = p;
    som__free(j->cov);
    som__free(j->eig);
    som__free(j);
}

/* The codebook on the plane through the mean spanned by two unit
 * directions v1, v2 (entries stride apart) with standard deviations sd1 >=
 * sd2: each direction spans +-sqrt(3) standard deviations along the grid
 * (a uniform spread with the data's variance), the larger component along
 * the longer side of the grid. Each direction's sign is fixed so that its
 * largest component is positive: the same data always gives the same map. */
static void pca_plane(som_map *m, const double *mean, double var1, double var2, double *v1,
                      double *v2, size_t stride)
{
    const size_t dim = m->dim;
    double s1 = sqrt(var1 > 0 ? var1 : 0) * sqrt(3.0);
    double s2 = dim >= 2 ? sqrt(var2 > 0 ? var2 : 0) * sqrt(3.0) : 0.0;
    for (int which = 0; which < 2; which++) {
        double *v = which ? v2 : v1;
        size_t arg = 0;
        for (size_t j = 1; j < dim; j++)
            if (fabs(v[j * stride]) > fabs(v[arg * stride])) arg = j;
        if (v[arg * stride] < 0)
            for (size_t j = 0; j < dim; j++) v[j * stride] = -v[j * stride];
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
            double val = mean[j] + c1 * s1 * v1[j * stride];
            if (dim >= 2) val += c2 * s2 * v2[j * stride];
            m->codebook[u * dim + j] = (float)val;
        }
    }
}

/* Fewer rows than fields: the same plane from the rows x rows Gram matrix
 * (pca_gram.c), never a dim x dim matrix. */
static int init_pca_wide(som_map *m, const som_scaled *sx, const som_shard *shard,
                         som_error *err)
{
    const size_t dim = m->dim;
    double *mean = som__calloc(dim, sizeof *mean);
    double *v = som__calloc(2 * dim, sizeof *v);
    double lambda[2] = {0.0, 0.0};
    int rc = (!mean || !v) ? som__error_oom(err) : som__pca_gram(sx, shard, mean, lambda, v, err);
    if (rc == SOM_OK) pca_plane(m, mean, lambda[0], lambda[1], v, v + dim, 1);
    som__free(mean);
    som__free(v);
    return rc;
}

/* The plane of the two leading eigenvectors of the covariance matrix. */
static int init_pca(som_map *m, const som_scaled *sx, const som_shard *shard, som_error *err)
{
    size_t dim = m->dim;
    if (som__pca_gram_wanted(som__shard_n_total(shard, sx->n), dim))
        return init_pca_wide(m, sx, shard, err);
    double *mean = som__calloc(dim, sizeof *mean);
    double *cov = som__calloc(2 * dim * dim, sizeof *cov); /* then the counts: one state */
    double *cnt = cov ? cov + dim * dim : NULL;
    double *eig = som__calloc(dim, sizeof *eig);
    int rc = (!mean || !cov || !eig) ? som__error_oom(err) : column_means(sx, mean, shard, err);
    if (rc == SOM_OK) rc = som__shard_receive(shard, cov, 2 * dim * dim, err);
    if (rc == SOM_OK) rc = covariance_sums(sx, mean, cov, cnt, err);
    if (rc == SOM_OK) rc = som__shard_pass_on(shard, cov, 2 * dim * dim, err);
    if (rc == SOM_OK) {
        for (size_t a = 0; a < dim; a++)
            for (size_t b = a; b < dim; b++) {
                double c = cnt[a * dim + b] > 1.0 ? cov[a * dim + b] / (cnt[a * dim + b] - 1.0) : 0.0;
                cov[a * dim + b] = cov[b * dim + a] = c;
            }
        eig_job *job = som__calloc(1, sizeof *job);
        lapack_int info = 0;
        if (!job) {
            rc = som__error_oom(err);
        } else {
            *job = (eig_job){cov, eig, dim, 0};
            /* Small problems (milliseconds) need no thread. */
            if (dim >= 128) rc = som__run_cancellable(eig_run, eig_release, job, err);
            else eig_run(job);
            if (rc == SOM_ECANCELED) {
                cov = eig = NULL; /* the solver's thread frees them */
            } else {
                info = job->info;
                som__free(job);
            }
        }
        if (rc == SOM_OK && info != 0)
            rc = som__error(err, SOM_EINVAL, "PCA initialisation failed (LAPACK dsyev info %d)",
                            (int)info);
    }
    if (rc == SOM_OK) {
        /* Eigenvalues ascend; eigenvectors are the columns. */
        size_t k1 = dim - 1, k2 = dim >= 2 ? dim - 2 : dim - 1;
        pca_plane(m, mean, eig[k1], dim >= 2 ? eig[k2] : 0.0, cov + k1, cov + k2, dim);
    }
    som__free(mean);
    som__free(cov);
    som__free(eig);
    return rc;
}

/* Every shard ends with the first shard's codebook: the same on machines
 * whose LAPACK (or a kept codebook's file) differs in the last bits. */
static int share_first_codebook(som_map *m, const som_shard *shard, som_error *err)
{
    const size_t cells = m->n_units * m->dim;
    double *st = som__calloc(cells, sizeof *st);
    if (!st) return som__error_oom(err);
    int rc = som__shard_receive(shard, st, cells, err);
    if (rc == SOM_OK && shard->first == 0)
        for (size_t c = 0; c < cells; c++) st[c] = m->codebook[c];
    if (rc == SOM_OK) rc = som__shard_pass_on(shard, st, cells, err);
    for (size_t c = 0; rc == SOM_OK && c < cells; c++) m->codebook[c] = (float)st[c];
    som__free(st);
    return rc;
}

static int init_method(som_map *m, const som_scaled *sx, som_init method, som_rng *rng,
                       const som_shard *shard, som_error *err)
{
    switch (method) {
    case SOM_INIT_RANDOM: return init_random(m, sx, rng, shard, err);
    case SOM_INIT_SAMPLE: return init_sample(m, sx, rng, shard, err);
    case SOM_INIT_PCA:
        if (som__shard_n_total(shard, sx->n) < 2 || m->dim < 2)
            return init_random(m, sx, rng, shard, err);
        return init_pca(m, sx, shard, err);
    case SOM_INIT_KEEP: return SOM_OK;
    }
    return som__error(err, SOM_EINVAL, "unknown initialisation %d", (int)method);
}

int som__init_codebook(som_map *m, const som_scaled *sx, som_init method, uint64_t seed,
                       const som_shard *shard, som_error *err)
{
    if (sx->n == 0) return som__error(err, SOM_EEMPTY, "no samples to initialise the map from");
    som_rng rng;
    som__rng_seed(&rng, seed ^ 0x5eed1417u);
    int rc = init_method(m, sx, method, &rng, shard, err);
    if (rc == SOM_OK && shard) rc = share_first_codebook(m, shard, err);
    return rc;
}

int som_map_init(som_map *m, const som_data *d, som_init method, uint64_t seed, som_error *err)
{
    som_scaled sx;
    int rc = som__scaled_init(&sx, m, d, err);
    if (rc) return rc;
    rc = som__init_codebook(m, &sx, method, seed, NULL, err);
    som__scaled_free(&sx);
    return rc;
}
