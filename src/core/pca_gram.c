/* SPDX-License-Identifier: MIT */
/* pca_gram.c — the two leading principal components of a wide table (fewer
 * rows than fields) without the dim x dim covariance.
 *
 * With D the n x dim matrix of centred rows, each column divided by
 * sqrt(count - 1), the covariance is D^T D and the n x n Gram matrix
 * G = D D^T has the same non-zero eigenvalues; an eigenvector u of G with
 * eigenvalue l gives the principal direction D^T u / sqrt(l). So a table of
 * 20,000 fields and 100 rows costs a 100 x 100 eigenproblem and
 * O(n^2 dim) multiply-adds instead of a 20,000 x 20,000 one (3.2 GB and
 * hours). The covariance path (init.c, analysis/grid_auto.c) keeps tall tables.
 *
 * Missing values: the covariance path is pairwise-complete — entry (a, b)
 * sums over the rows where both fields are present and divides by that
 * count less one. A Gram matrix cannot carry a count per pair, so here a
 * missing value is the column's mean (0 once centred) and column a is
 * divided by sqrt(n_a - 1), n_a its own count: entry (a, b) is the same
 * sum divided by sqrt((n_a - 1)(n_b - 1)) instead of n_ab - 1. The
 * diagonal (each field's variance) and every entry of a complete table are
 * the covariance path's; only off-diagonal entries of gappy pairs differ.
 *
 * Memory: G (n x n) and a block of columns of D; D is built block by block
 * from the rows, never whole.
 *
 * Shards (distributed training): the column sums and counts are a fold
 * along the shards, as in init.c; then D itself travels (n_total x dim,
 * each shard writing its own rows — the size of the data, which is what a
 * wide table allows), so every shard builds the same G. */
#include "core/core.h"

#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <string.h>

/* Columns of D per BLAS call: n x 256 doubles of scratch (4 MB for 2,000
 * rows). */
#define GRAM_BLOCK_COLS 256

static int gram_switched_off;

void som__pca_gram_use(bool on)
{
    __atomic_store_n(&gram_switched_off, !on, __ATOMIC_RELAXED);
}

bool som__pca_gram_wanted(size_t n_total, size_t dim)
{
    return n_total < dim && !__atomic_load_n(&gram_switched_off, __ATOMIC_RELAXED);
}

/* Column means and counts over present values, a fold along the shards
 * (the same sums in the same row order as init.c's column_means). */
static int column_stats(const som_scaled *sx, double *mean, double *cnt, const som_shard *shard,
                        som_error *err)
{
    const size_t dim = sx->dim;
    double *st = som__calloc(2 * dim, sizeof *st); /* sums, then counts */
    if (!st) return som__error_oom(err);
    double *sum = st, *c = st + dim;
    int rc = som__shard_receive(shard, st, 2 * dim, err);
    for (size_t i = 0; rc == SOM_OK && i < sx->n; i++) {
        if ((i & 255) == 0 && (rc = som__cancel_check(err))) break; /* wide rows */
        const float *x = sx->x + i * dim;
        const uint8_t *mk = sx->mask ? sx->mask + i * dim : NULL;
        for (size_t j = 0; j < dim; j++) {
            if (mk && !mk[j]) continue;
            sum[j] += (double)x[j];
            c[j] += 1.0;
        }
    }
    if (rc == SOM_OK) rc = som__shard_pass_on(shard, st, 2 * dim, err);
    for (size_t j = 0; rc == SOM_OK && j < dim; j++) {
        if (c[j] == 0.0) rc = som__error(err, SOM_EEMPTY, "field %zu has no value in any row", j + 1);
        mean[j] = c[j] > 0.0 ? sum[j] / c[j] : 0.0;
        cnt[j] = c[j];
    }
    som__free(st);
    return rc;
}

/* Columns j0 .. j0+w of D for rows of sx (out: rows x w): centred, gaps 0,
 * column j times 1/sqrt(n_j - 1) (0 when the column has one value: the
 * covariance path's 0 variance). */
static void centred_block(const som_scaled *sx, const double *mean, const double *scale,
                          size_t j0, size_t w, double *out)
{
    const size_t dim = sx->dim;
    for (size_t i = 0; i < sx->n; i++) {
        const float *x = sx->x + i * dim + j0;
        const uint8_t *mk = sx->mask ? sx->mask + i * dim + j0 : NULL;
        double *row = out + i * w;
        for (size_t j = 0; j < w; j++)
            row[j] = mk && !mk[j] ? 0.0 : ((double)x[j] - mean[j0 + j]) * scale[j0 + j];
    }
}

/* Where the blocks of D come from: this process's rows (no shard), or
 * every shard's rows gathered into all (n_total x dim). */
typedef struct rows_source {
    const som_scaled *sx;
    const double *mean, *scale, *all;
    size_t n;
} rows_source;

static void block_of(const rows_source *src, size_t j0, size_t w, double *out)
{
    if (!src->all) {
        centred_block(src->sx, src->mean, src->scale, j0, w, out);
        return;
    }
    for (size_t i = 0; i < src->n; i++)
        memcpy(out + i * w, src->all + i * src->sx->dim + j0, w * sizeof *out);
}

/* With shards every shard's centred rows travel along the chain (n_total x
 * dim doubles, each shard writing its own), so that all build the same G. */
static int gather_rows(const som_scaled *sx, const som_shard *shard, const double *mean,
                       const double *scale, double **all, som_error *err)
{
    const size_t dim = sx->dim, n = som__shard_n_total(shard, sx->n);
    double *d = som__calloc(n * dim, sizeof *d);
    if (!d) return som__error_oom(err);
    int rc = som__shard_receive(shard, d, n * dim, err);
    if (rc == SOM_OK) centred_block(sx, mean, scale, 0, dim, d + som__shard_first(shard) * dim);
    if (rc == SOM_OK) rc = som__shard_pass_on(shard, d, n * dim, err);
    if (rc) som__free(d);
    else *all = d;
    return rc;
}

/* dsyevr of the Gram matrix, for som__run_cancellable. */
typedef struct gram_eig {
    double *g, *z;      /* owned by the job once it is abandoned */
    lapack_int *support;
    size_t n;
    lapack_int il;
    bool vectors;
    lapack_int found;
    double w[2];
    lapack_int info;
} gram_eig;

static void gram_eig_run(void *p)
{
    gram_eig *j = p;
    j->info = LAPACKE_dsyevr(LAPACK_ROW_MAJOR, j->vectors ? 'V' : 'N', 'I', 'U',
                             (lapack_int)j->n, j->g, (lapack_int)j->n, 0.0, 0.0, j->il,
                             (lapack_int)j->n, 0.0, &j->found, j->w, j->z, 2, j->support);
}

static void gram_eig_release(void *p)
{
    gram_eig *j = p;
    som__free(j->g);
    som__free(j->z);
    som__free(j->support);
    som__free(j);
}

int som__pca_gram(const som_scaled *sx, const som_shard *shard, double *mean, double lambda[2],
                  double *v, som_error *err)
{
    const size_t dim = sx->dim, n = som__shard_n_total(shard, sx->n);
    if (n == 0) return som__error(err, SOM_EEMPTY, "no samples for the principal components");
    if (n > (size_t)INT32_MAX || dim > (size_t)INT32_MAX)
        return som__error(err, SOM_EINVAL, "%zu rows x %zu fields is too large for LAPACK", n, dim);
    const size_t bw = dim < GRAM_BLOCK_COLS ? dim : GRAM_BLOCK_COLS;
    double *scale = som__calloc(dim, sizeof *scale);
    double *block = som__calloc(n * bw, sizeof *block);
    double *g = som__calloc(n * n, sizeof *g);
    double *z = som__calloc(2 * n, sizeof *z);
    lapack_int *support = som__calloc(4, sizeof *support);
    rows_source src = {sx, mean, scale, NULL, n};
    int rc = (!scale || !block || !g || !z || !support) ? som__error_oom(err)
                                                        : column_stats(sx, mean, scale, shard, err);
    for (size_t j = 0; rc == SOM_OK && j < dim; j++)
        scale[j] = scale[j] > 1.0 ? 1.0 / sqrt(scale[j] - 1.0) : 0.0;
    double *all = NULL;
    if (rc == SOM_OK && shard) rc = gather_rows(sx, shard, mean, scale, &all, err);
    src.all = all;
    double w[2] = {0.0, 0.0};
    lapack_int found = 0;
    /* One OpenBLAS thread, as for the initialisation in trainer.c: threads
     * left spinning after a threaded call take a core from the training
     * that follows (som_grid_auto runs right before it). */
    int blas_threads = openblas_get_num_threads();
    openblas_set_num_threads(1);
    if (rc == SOM_OK) {
        /* G = D D^T (upper triangle), GRAM_BLOCK_COLS columns of D at a
         * time: D itself never exists (without shards), and the n^2 dim / 2
         * multiply-adds (seconds for 2,000 x 5,000) come in pieces that a
         * cancellation check can go between. */
        for (size_t j0 = 0; j0 < dim; j0 += bw) {
            if ((rc = som__cancel_check(err))) break;
            size_t cols = dim - j0 < bw ? dim - j0 : bw;
            block_of(&src, j0, cols, block);
            cblas_dsyrk(CblasRowMajor, CblasUpper, CblasNoTrans, (int)n, (int)cols, 1.0, block,
                        (int)cols, j0 ? 1.0 : 0.0, g, (int)n);
        }
    }
    if (rc == SOM_OK) {
        /* Only the two largest eigenpairs (ascending in w, columns of z). */
        lapack_int il = n >= 2 ? (lapack_int)n - 1 : 1;
        /* n^3 work (seconds for thousands of rows) that LAPACK cannot
         * poll inside: on its own thread while this one polls. */
        gram_eig *job = som__calloc(1, sizeof *job);
        lapack_int info = 0;
        if (!job) {
            rc = som__error_oom(err);
        } else {
            *job = (gram_eig){g, z, support, n, il, v != NULL, 0, {0.0, 0.0}, 0};
            rc = n >= 256 ? som__run_cancellable(gram_eig_run, gram_eig_release, job, err)
                          : (gram_eig_run(job), SOM_OK);
            if (rc == SOM_ECANCELED) {
                g = z = NULL; /* the solver's thread frees them */
                support = NULL;
            } else {
                info = job->info;
                found = job->found;
                w[0] = job->w[0];
                w[1] = job->w[1];
                som__free(job);
            }
        }
        if (rc == SOM_OK && info != 0)
            rc = som__error(err, SOM_EINVAL, "principal components of the rows failed (LAPACK "
                            "dsyevr info %d)", (int)info);
    }
    if (rc == SOM_OK) {
        lambda[0] = w[found - 1];
        lambda[1] = found >= 2 ? w[0] : 0.0;
    }
    if (rc == SOM_OK && v) {
        /* Direction k: D^T u_k (z's column found - 1 - k), a block of
         * columns at a time, then normalised (its norm is sqrt(lambda) in
         * exact arithmetic); zero where there is no such component. */
        for (size_t j = 0; j < 2 * dim; j++) v[j] = 0.0;
        for (size_t j0 = 0; j0 < dim; j0 += bw) {
            size_t cols = dim - j0 < bw ? dim - j0 : bw;
            block_of(&src, j0, cols, block);
            for (lapack_int k = 0; k < found && k < 2; k++)
                cblas_dgemv(CblasRowMajor, CblasTrans, (int)n, (int)cols, 1.0, block, (int)cols,
                            z + (found - 1 - k), 2, 0.0, v + (size_t)k * dim + j0, 1);
        }
        for (int k = 0; k < 2; k++) {
            double *vk = v + (size_t)k * dim, norm = cblas_dnrm2((int)dim, vk, 1);
            if (norm > 0.0)
                for (size_t j = 0; j < dim; j++) vk[j] /= norm;
        }
    }
    openblas_set_num_threads(blas_threads);
    som__free(all);
    som__free(scale);
    som__free(block);
    som__free(g);
    som__free(z);
    som__free(support);
    return rc;
}
