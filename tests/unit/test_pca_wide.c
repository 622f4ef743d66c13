/* SPDX-License-Identifier: MIT */
/* Wide tables (fewer rows than fields): the PCA initialisation and
 * som_grid_auto go through the rows x rows Gram matrix (pca_gram.c) and
 * must find what the dim x dim covariance finds on a table where both can
 * run — the same leading components, codebook, grid and, after training,
 * QE — while tall tables never take that path. With missing values the
 * Gram path's covariance is the one pca_gram.c documents; its eigenpairs
 * are checked against that matrix here. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/core.h"
#include "../../bench/blobs.h"

enum { N = 40, DIM = 300 };

/* n x dim blobs (low rank + noise); with gaps, about 1 value in 20 missing
 * (none in row 0, so no column is empty). */
static som_data *wide(size_t n, size_t dim, int gaps, uint64_t seed)
{
    float *x = malloc(n * dim * sizeof *x);
    double *centres = malloc(5 * dim * sizeof *centres);
    assert_non_null(x);
    assert_non_null(centres);
    blobs_fill(x, n, dim, 5, centres, seed);
    uint64_t s = seed + 1;
    for (size_t i = 1; gaps && i < n; i++)
        for (size_t j = 0; j < dim; j++)
            if (blobs_uniform(&s) < 0.05) x[i * dim + j] = NAN;
    som_data *d;
    assert_int_equal(som_data_new(n, dim, &d, NULL), SOM_OK);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(som_data_set_row(d, i, x + i * dim, NULL, NULL), SOM_OK);
    free(x);
    free(centres);
    return d;
}

/* A PCA-initialised map of d, through the Gram path or the covariance. */
static som_map *pca_map(const som_data *d, const som_grid *g, bool gram)
{
    som_map *m;
    som_error err;
    assert_int_equal(som_map_new(g, som_data_dim(d), &m, &err), SOM_OK);
    assert_int_equal(som_map_fit_scaling(m, d, SOM_SCALE_ZSCORE, &err), SOM_OK);
    som__pca_gram_use(gram);
    int rc = som_map_init(m, d, SOM_INIT_PCA, 1, &err);
    som__pca_gram_use(true);
    assert_int_equal(rc, SOM_OK);
    return m;
}

static double max_abs_diff(const float *a, const float *b, size_t len)
{
    double worst = 0.0;
    for (size_t i = 0; i < len; i++) {
        double t = fabs((double)a[i] - (double)b[i]);
        if (!(t <= worst)) worst = t; /* NaN is the worst */
    }
    return worst;
}

/* The same plane: both components with the same signs and spreads. The
 * codebook of z-scored fields is O(1); float rounding is ~1e-7. */
static void test_same_components(void **state)
{
    (void)state;
    som_data *d = wide(N, DIM, 0, 5);
    som_grid grids[] = {{6, 9, SOM_RECT, 0}, {8, 5, SOM_HEX, 1}};
    for (size_t k = 0; k < 2; k++) {
        som_map *a = pca_map(d, &grids[k], true), *b = pca_map(d, &grids[k], false);
        size_t len = som_map_n_units(a) * DIM;
        double diff = max_abs_diff(som_map_codebook(a), som_map_codebook(b), len);
        if (!(diff < 1e-5)) fprintf(stderr, "grid %zu: max difference %g\n", k, diff);
        assert_true(diff < 1e-5);
        /* Not a trivial plane: the codebook spans several units of spread. */
        double lo = INFINITY, hi = -INFINITY;
        for (size_t i = 0; i < len; i++) {
            double v = som_map_codebook(a)[i];
            lo = v < lo ? v : lo;
            hi = v > hi ? v : hi;
        }
        assert_true(hi - lo > 1.0);
        som_map_free(a);
        som_map_free(b);
    }
    som_data_free(d);
}

/* More rows than one block of the Gram matrix (256 rows per BLAS call). */
static void test_blocks(void **state)
{
    (void)state;
    som_data *d = wide(300, 420, 0, 13);
    som_grid g = {5, 7, SOM_RECT, 0};
    som_map *a = pca_map(d, &g, true), *b = pca_map(d, &g, false);
    double diff = max_abs_diff(som_map_codebook(a), som_map_codebook(b), 35 * 420);
    if (!(diff < 1e-5)) fprintf(stderr, "max difference %g\n", diff);
    assert_true(diff < 1e-5);
    som_map_free(a);
    som_map_free(b);
    som_data_free(d);
}

static void test_same_grid(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= 4; seed++) {
        som_data *d = wide(N + (size_t)seed * 7, DIM, seed == 4, seed);
        for (int topo = 0; topo < 2; topo++) {
            som_topology t = topo ? SOM_HEX : SOM_RECT;
            som_grid ga, gb;
            double ra = 0.0, rb = 0.0;
            som__pca_gram_use(false);
            int rc = som_grid_auto(d, SOM_SCALE_ZSCORE, t, 0, &gb, &rb, NULL);
            som__pca_gram_use(true);
            assert_int_equal(rc, SOM_OK);
            assert_int_equal(som_grid_auto(d, SOM_SCALE_ZSCORE, t, 0, &ga, &ra, NULL), SOM_OK);
            if (seed < 4) { /* complete: the same eigenvalues */
                assert_true(fabs(ra - rb) <= 1e-9 * rb);
                assert_int_equal(ga.rows, gb.rows);
                assert_int_equal(ga.cols, gb.cols);
            } else { /* gaps: another covariance, the same kind of answer */
                assert_true(ra > 1.0 && fabs(ra - rb) < 0.01 * rb);
            }
            assert_true(ra >= 1.0);
        }
        som_data_free(d);
    }
}

/* The maps trained from either start agree closely (the starts differ by
 * float rounding only). */
static void test_same_quality(void **state)
{
    (void)state;
    som_data *d = wide(N, DIM, 0, 9);
    som_grid g = {5, 6, SOM_RECT, 0};
    double qe[2];
    for (int k = 0; k < 2; k++) {
        som_map *m;
        som_error err;
        assert_int_equal(som_map_new(&g, DIM, &m, &err), SOM_OK);
        assert_int_equal(som_map_fit_scaling(m, d, SOM_SCALE_ZSCORE, &err), SOM_OK);
        som_train_opts o;
        som_train_opts_init(&o);
        o.threads = 1;
        som__pca_gram_use(k == 0);
        int rc = som_map_train(m, d, &o, &err);
        som__pca_gram_use(true);
        assert_int_equal(rc, SOM_OK);
        som_quality q;
        assert_int_equal(som_map_quality(m, d, &q, NULL, 1, &err), SOM_OK);
        qe[k] = q.qe;
        som_map_free(m);
    }
    assert_true(isfinite(qe[0]) && qe[0] > 0.0);
    assert_true(fabs(qe[0] - qe[1]) <= 1e-4 * qe[1]);
    som_data_free(d);
}

/* With gaps: lambda and v are eigenpairs of C = D^T D, D the centred rows
 * (0 at gaps) with column j divided by sqrt(n_j - 1); C's diagonal is each
 * field's variance over its present values. C v is D^T (D v): no dim x dim
 * matrix here either. */
static void test_gaps_semantics(void **state)
{
    (void)state;
    const size_t n = 30, dim = 120;
    som_data *data = wide(n, dim, 1, 21);
    som_scaled sx = {.x = som_data_row(data, 0), .mask = som_data_mask(data), .n = n, .dim = dim};
    assert_non_null(sx.mask);
    double mean[120], lambda[2], v[2 * 120], dd[30 * 120], var[120];
    assert_int_equal(som__pca_gram(&sx, NULL, mean, lambda, v, NULL), SOM_OK);
    for (size_t j = 0; j < dim; j++) {
        double s = 0.0, c = 0.0;
        for (size_t i = 0; i < n; i++)
            if (sx.mask[i * dim + j]) s += (double)sx.x[i * dim + j], c += 1.0;
        assert_true(fabs(mean[j] - s / c) <= 1e-12 * (1.0 + fabs(s / c)));
        double ss = 0.0;
        for (size_t i = 0; i < n; i++) {
            double t = sx.mask[i * dim + j] ? (double)sx.x[i * dim + j] - s / c : 0.0;
            ss += t * t;
            dd[i * dim + j] = t / sqrt(c - 1.0);
        }
        var[j] = ss / (c - 1.0);
    }
    double trace = 0.0;
    for (size_t j = 0; j < dim; j++) trace += var[j];
    assert_true(lambda[0] >= lambda[1] && lambda[1] > 0.0 && lambda[0] + lambda[1] < trace);
    for (int k = 0; k < 2; k++) {
        const double *vk = v + (size_t)k * dim;
        double dv[30], norm = 0.0, resid = 0.0;
        for (size_t i = 0; i < n; i++) {
            dv[i] = 0.0;
            for (size_t j = 0; j < dim; j++) dv[i] += dd[i * dim + j] * vk[j];
        }
        for (size_t j = 0; j < dim; j++) {
            double cv = 0.0;
            for (size_t i = 0; i < n; i++) cv += dd[i * dim + j] * dv[i];
            resid += (cv - lambda[k] * vk[j]) * (cv - lambda[k] * vk[j]);
            norm += vk[j] * vk[j];
        }
        assert_true(fabs(norm - 1.0) < 1e-12);
        assert_true(sqrt(resid) < 1e-9 * lambda[0]);
    }
    double dot = 0.0;
    for (size_t j = 0; j < dim; j++) dot += v[j] * v[dim + j];
    assert_true(fabs(dot) < 1e-9);
    /* Eigenvalues alone: the same numbers. */
    double l2[2];
    assert_int_equal(som__pca_gram(&sx, NULL, mean, l2, NULL, NULL), SOM_OK);
    assert_true(fabs(l2[0] - lambda[0]) <= 1e-12 * lambda[0]);
    som_data_free(data);
}

/* One row, two rows, an empty field, a field with one value. */
static void test_edges(void **state)
{
    (void)state;
    som_grid g;
    double ratio = 0.0;
    som_data *one = wide(1, 50, 0, 3);
    assert_int_equal(som_grid_auto(one, SOM_SCALE_NONE, SOM_RECT, 0, &g, &ratio, NULL), SOM_OK);
    assert_true(isinf(ratio));
    assert_int_equal(g.rows, 1);
    assert_int_equal(g.cols, 5);
    som_data_free(one);

    /* Two rows: one component (centred, they are one line). */
    som_data *two = wide(2, 50, 0, 4);
    assert_int_equal(som_grid_auto(two, SOM_SCALE_NONE, SOM_RECT, 0, &g, &ratio, NULL), SOM_OK);
    assert_int_equal(g.rows, 1);
    som_grid g2 = {2, 3, SOM_RECT, 0};
    som_map *m = pca_map(two, &g2, true);
    const float *cb = som_map_codebook(m);
    for (size_t i = 0; i < 6 * 50; i++) assert_true(isfinite(cb[i]));
    som_map_free(m);
    som_data_free(two);

    /* Field 3 has no value: the covariance path's error. Field 4 has one
     * value: variance 0, as in the covariance path. */
    som_data *d = wide(8, 40, 0, 6);
    float row[40];
    for (size_t i = 0; i < 8; i++) {
        memcpy(row, som_data_row(d, i), sizeof row);
        row[2] = NAN;
        if (i) row[3] = NAN;
        assert_int_equal(som_data_set_row(d, i, row, NULL, NULL), SOM_OK);
    }
    som_error err;
    som_error_clear(&err);
    som_scaled sx = {.x = som_data_row(d, 0), .mask = som_data_mask(d), .n = 8, .dim = 40};
    double mean[40], lambda[2];
    assert_int_equal(som__pca_gram(&sx, NULL, mean, lambda, NULL, &err), SOM_EEMPTY);
    assert_string_equal(err.message, "field 3 has no value in any row");
    assert_int_equal(som_grid_auto(d, SOM_SCALE_NONE, SOM_RECT, 0, &g, &ratio, &err), SOM_EEMPTY);
    som_data_free(d);
    d = wide(8, 40, 0, 6);
    for (size_t i = 1; i < 8; i++) {
        memcpy(row, som_data_row(d, i), sizeof row);
        row[3] = NAN;
        assert_int_equal(som_data_set_row(d, i, row, NULL, NULL), SOM_OK);
    }
    som_grid g3 = {3, 3, SOM_RECT, 0};
    som_map *a = pca_map(d, &g3, true), *b = pca_map(d, &g3, false);
    for (size_t u = 0; u < 9; u++) { /* field 4 sits at its one value */
        assert_float_equal(som_map_codebook(a)[u * 40 + 3], som_map_codebook(a)[3], 0.0);
        assert_float_equal(som_map_codebook(b)[u * 40 + 3], som_map_codebook(b)[3], 0.0);
    }
    som_map_free(a);
    som_map_free(b);
    som_data_free(d);
}

/* Tall tables keep the covariance path: switching the Gram path off
 * changes nothing there. */
static void test_tall_untouched(void **state)
{
    (void)state;
    som_data *d = wide(60, 12, 1, 8);
    som_grid g = {4, 5, SOM_RECT, 0};
    som_map *a = pca_map(d, &g, true), *b = pca_map(d, &g, false);
    assert_memory_equal(som_map_codebook(a), som_map_codebook(b), 20 * 12 * sizeof(float));
    som_map_free(a);
    som_map_free(b);
    som_data_free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_components), cmocka_unit_test(test_blocks),
        cmocka_unit_test(test_same_grid),
        cmocka_unit_test(test_same_quality),    cmocka_unit_test(test_gaps_semantics),
        cmocka_unit_test(test_edges),           cmocka_unit_test(test_tall_untouched),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
