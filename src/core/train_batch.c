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
#include "core/core.h"

#include <math.h>
#include <omp.h>
#include <string.h>

/* ---- separable smoothing --------------------------------------------------
 * On a rect grid (sheet or toroid) the squared distance is dr^2 + dc^2 with
 * dr, dc the (shortest, on a toroid) row and column offsets, so the
 * gaussian factors: h = g(dr) g(dc) with g(a) = exp(-a^2 / 2 sigma^2). Then
 *     sum_j h(k, j) S_j = sum_r' g(dr) sum_c' g(dc) S_(r', c'),
 * two 1-D passes (along each row, then along each column) of
 * rows*cols*(rows+cols) multiply-adds instead of one of units * hit units:
 * 0.5 G instead of 13 G for a 200 x 200 map with 10,000 hit units. The
 * neighbour rate beta (h = 1 at the unit itself, beta * h elsewhere) is
 * beta * the convolution + (1 - beta) * the unit's own S and n.
 * Mathematically the same weights; numerically g(dr) g(dc) and this summation
 * order round differently from exp(-d^2 / 2 sigma^2) summed over hit units,
 * by a few units in the last place of double — the floats of the codebook
 * are nearly always the same. Each output is summed in a fixed order by one
 * thread, so the result does not depend on the thread count. */

/* g by axis offset 0..len-1 (the shortest way round on a toroid); *support
 * is one past the largest offset with g > 0. */
static void axis_weights(size_t len, bool toroid, double sigma, double *g, size_t *support)
{
    *support = 0;
    for (size_t a = 0; a < len; a++) {
        size_t d = toroid && len - a < a ? len - a : a;
        g[a] = som__neighborhood(SOM_NEIGHBORHOOD_GAUSSIAN, false, (double)(d * d), sigma);
        if (g[a] > 0.0) *support = a + 1;
    }
    if (toroid) *support = len; /* wrapped offsets come back near len */
}

static int smooth_separable(som_trainer *t, size_t per_unit, som_error *err)
{
    som_map *m = t->map;
    const size_t dim = m->dim, rows = m->grid.rows, cols = m->grid.cols;
    const size_t L = dim + per_unit; /* per unit: S, then n */
    const double beta = t->opts.neighbor_rate;
    const bool toroid = m->grid.toroid != 0;
    double *v = som__calloc(rows * cols * L, sizeof *v);
    double *tmp = som__calloc(rows * cols * L, sizeof *tmp);
    double *gr = som__calloc(rows, sizeof *gr), *gc = som__calloc(cols, sizeof *gc);
    if (!v || !tmp || !gr || !gc) {
        som__free(v);
        som__free(tmp);
        som__free(gr);
        som__free(gc);
        return som__error_oom(err);
    }
    size_t sr, sc;
    axis_weights(rows, toroid, t->sigma, gr, &sr);
    axis_weights(cols, toroid, t->sigma, gc, &sc);
    for (size_t u = 0; u < rows * cols; u++) {
        memcpy(v + u * L, t->sum + u * dim, dim * sizeof *v);
        memcpy(v + u * L + dim, t->cnt + u * per_unit, per_unit * sizeof *v);
    }
    int n_threads = som__threads(t->opts.threads);
    /* Along each row: tmp(r, c) = sum_c' g(|c - c'|) v(r, c'), c' ascending. */
#pragma omp parallel for num_threads(n_threads) schedule(static)
    for (size_t r = 0; r < rows; r++) {
        for (size_t c = 0; c < cols; c++) {
            double *out = tmp + (r * cols + c) * L;
            size_t lo = toroid || c < sc ? 0 : c - sc + 1;
            size_t hi = toroid || cols - c <= sc ? cols : c + sc;
            for (size_t c2 = lo; c2 < hi; c2++) {
                double w = gc[c2 > c ? c2 - c : c - c2];
                if (w == 0.0) continue;
                const double *in = v + (r * cols + c2) * L;
                for (size_t j = 0; j < L; j++) out[j] += w * in[j];
            }
        }
    }
    /* Along each column, whole rows at a time: out(r) = sum_r' g(|r - r'|)
     * tmp(r'), r' ascending; then the new weights of row r. */
    const size_t row_len = cols * L;
    int oom = 0;
#pragma omp parallel num_threads(n_threads)
    {
        double *acc = som__calloc(row_len, sizeof *acc);
        if (!acc) {
#pragma omp atomic write
            oom = 1;
        }
#pragma omp for schedule(static)
        for (size_t r = 0; r < rows; r++) {
            if (!acc) continue;
            memset(acc, 0, row_len * sizeof *acc);
            size_t lo = toroid || r < sr ? 0 : r - sr + 1;
            size_t hi = toroid || rows - r <= sr ? rows : r + sr;
            for (size_t r2 = lo; r2 < hi; r2++) {
                double w = gr[r2 > r ? r2 - r : r - r2];
                if (w == 0.0) continue;
                const double *in = tmp + r2 * row_len;
                for (size_t j = 0; j < row_len; j++) acc[j] += w * in[j];
            }
            for (size_t c = 0; c < cols; c++) {
                size_t k = r * cols + c;
                const double *a = acc + c * L;
                const double *own = v + k * L;
                float *wk = m->codebook + k * dim;
                for (size_t j = 0; j < dim; j++) {
                    size_t jn = dim + (per_unit == 1 ? 0 : j);
                    double num = a[j], den = a[jn];
                    if (beta != 1.0) {
                        num = beta * num + (1.0 - beta) * own[j];
                        den = beta * den + (1.0 - beta) * own[jn];
                    }
                    if (den > 0.0) wk[j] = (float)(num / den);
                }
            }
        }
        som__free(acc);
    }
    som__free(v);
    som__free(tmp);
    som__free(gr);
    som__free(gc);
    if (oom) return som__error_oom(err);
    return SOM_OK;
}

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
    t->alpha = NAN; /* the batch map has no learning rate: not applicable */
    const bool mql = t->opts.schedule == SOM_SCHEDULE_MQL;
    const som_neighborhood kind = mql ? SOM_NEIGHBORHOOD_CUTGAUSS : t->opts.neighborhood;

    /* Sums per unit, in sample order, in double. With shards (som_shard)
     * the sums of the rows before this shard's come first and this
     * shard's rows continue them, in the same order as one process. */
    const size_t per_unit = t->per_unit;
    const size_t n_state = n_units * (dim + per_unit); /* sum, then cnt */
    memset(t->sum, 0, n_state * sizeof *t->sum);
    if ((rc = som__shard_receive(t->opts.shard, t->sum, n_state, err))) return rc;
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
        } else if (per_unit == dim) { /* complete here, gaps in another shard */
            double *c = t->cnt + b * dim;
            for (size_t j = 0; j < dim; j++) {
                s[j] += wi * (double)xi[j];
                c[j] += wi;
            }
        } else {
            for (size_t j = 0; j < dim; j++) s[j] += wi * (double)xi[j];
            t->cnt[b] += wi;
        }
    }
    if ((rc = som__shard_pass_on(t->opts.shard, t->sum, n_state, err))) return rc;
    size_t n_hit = 0;
    for (size_t u = 0; u < n_units; u++) {
        bool any = false;
        for (size_t k = 0; k < per_unit && !any; k++) any = t->cnt[u * per_unit + k] > 0.0;
        if (any) t->hit[n_hit++] = u;
    }

    if (kind == SOM_NEIGHBORHOOD_GAUSSIAN && m->grid.topology == SOM_RECT)
        return smooth_separable(t, per_unit, err);

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
    /* units x hit units x dim multiply-adds: seconds for a large hex map,
     * so the loop polls the cancellation token; the new weights go to a
     * copy of the codebook, which replaces it only when the pass ends, so
     * that a cancelled pass leaves the map as it was. */
    som_cancel *cancel = som__cancel_token();
    float *next = som__aligned_calloc(n_units * dim, sizeof *next);
    if (!next) return som__error_oom(err);
    memcpy(next, m->codebook, n_units * dim * sizeof *next);
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
            if (!num || !den || ((k & 63) == 0 && som__cancel_hit(cancel))) continue;
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
            float *wk = next + k * dim;
            for (size_t j = 0; j < dim; j++) {
                double dj = den[per_unit == 1 ? 0 : j];
                if (dj > 0.0) wk[j] = (float)(num[j] / dj);
            }
        }
        som__free(num);
        som__free(den);
    }
    int rc2 = oom ? som__error_oom(err) : SOM__CANCELLED(cancel, err);
    if (rc2 == SOM_OK) memcpy(m->codebook, next, n_units * dim * sizeof *next);
    som__aligned_free(next);
    return rc2;
}
