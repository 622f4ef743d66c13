/* SPDX-License-Identifier: MIT */
/* The fast search paths of bmu.c give exactly what the plain double search
 * gives: the same unit (ties to the lower index) and the same distance, also
 * for near-ties that float arithmetic cannot separate, with and without
 * missing values. */
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

static void fast_equals_scalar(void **state)
{
    (void)state;
    const size_t dims[] = {1, 3, 16, 17, 64, 100};
    const size_t unit_counts[] = {1, 7, 16, 33, 400};
    uint64_t seed = 5;
    for (size_t a = 0; a < sizeof dims / sizeof dims[0]; a++) {
        for (size_t b = 0; b < sizeof unit_counts / sizeof unit_counts[0]; b++) {
            size_t dim = dims[a], n_units = unit_counts[b];
            float *cb = malloc(n_units * dim * sizeof *cb);
            float *x = malloc(dim * sizeof *x);
            uint8_t *mk = malloc(dim);
            assert_non_null(cb);
            assert_non_null(x);
            assert_non_null(mk);
            for (int trial = 0; trial < 200; trial++) {
                for (size_t k = 0; k < n_units * dim; k++)
                    cb[k] = (float)(blobs_uniform(&seed) * 2.0 - 1.0);
                /* Near-ties: copies of one unit nudged by an ulp or two, and
                 * exact duplicates, so the order matters. */
                if (n_units > 4) {
                    size_t src = blobs_next(&seed) % n_units;
                    for (size_t c = 0; c < 4; c++) {
                        size_t dst = blobs_next(&seed) % n_units;
                        for (size_t j = 0; j < dim; j++) {
                            float v = cb[src * dim + j];
                            cb[dst * dim + j] = c < 2 ? v : nextafterf(v, c == 2 ? 2.0f : -2.0f);
                        }
                    }
                }
                size_t near = blobs_next(&seed) % n_units;
                size_t present = 0;
                for (size_t j = 0; j < dim; j++) {
                    x[j] = cb[near * dim + j] + (float)((blobs_uniform(&seed) - 0.5) * 1e-3);
                    mk[j] = (trial & 1) ? (uint8_t)(blobs_next(&seed) % 4 != 0) : 1;
                    if (!mk[j]) x[j] = 0.0f;
                    present += mk[j];
                }
                const uint8_t *m = (trial & 1) ? mk : NULL;
                double d_ref = -1.0, d_fast = -2.0;
                size_t u_ref = som__bmu_scalar(cb, n_units, dim, x, m, &d_ref);
                size_t u_fast = som__bmu_fast(cb, n_units, dim, x, m, &d_fast);
                assert_int_equal(u_fast, u_ref);
                if (present) assert_true(d_fast == d_ref);
            }
            free(cb);
            free(x);
            free(mk);
        }
    }
}

/* Many rows at once (GEMM + vectorised top-2 scan) against the plain search,
 * including rows that are exact copies of units (distance 0, ties). */
static void many_rows_equal_scalar(void **state)
{
    (void)state;
    uint64_t seed = 9;
    const size_t dim = 24, n_units = 150, n = 700;
    float *cb = malloc(n_units * dim * sizeof *cb);
    float *x = malloc(n * dim * sizeof *x);
    size_t *units = malloc(n * sizeof *units), *second = malloc(n * sizeof *second);
    double *d2 = malloc(n * sizeof *d2);
    assert_true(cb && x && units && second && d2);
    for (size_t k = 0; k < n_units * dim; k++) cb[k] = (float)blobs_uniform(&seed);
    memcpy(cb + 7 * dim, cb + 3 * dim, dim * sizeof *cb); /* a duplicate unit */
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < dim; j++)
            x[i * dim + j] = i % 5 == 0 ? cb[(i % n_units) * dim + j] : (float)blobs_uniform(&seed);
    for (int threads = 1; threads <= 2; threads++) {
        assert_int_equal(som__bmus_scaled(cb, n_units, dim, x, NULL, n, units, d2, second,
                                          threads, NULL),
                         SOM_OK);
        for (size_t i = 0; i < n; i++) {
            double dref;
            size_t u = som__bmu_scalar(cb, n_units, dim, x + i * dim, NULL, &dref);
            assert_int_equal(units[i], u);
            assert_true(d2[i] == dref);
            assert_true(second[i] < n_units && second[i] != units[i]);
        }
    }
    free(cb);
    free(x);
    free(units);
    free(second);
    free(d2);
}

/* One online step's fused update (train_online.c) moves every unit to the
 * bit as som__online_move does, and the distances it measures on the way
 * lead som__bmu_fast_given to the plain search's unit and distance. */
static void fused_update_equals_moves(void **state)
{
    (void)state;
    const size_t dims[] = {1, 3, 16, 17, 32, 48, 64, 100, 128, 144};
    const size_t unit_counts[] = {1, 7, 16, 33, 400};
    uint64_t seed = 21;
    for (size_t a = 0; a < sizeof dims / sizeof dims[0]; a++) {
        for (size_t b = 0; b < sizeof unit_counts / sizeof unit_counts[0]; b++) {
            size_t dim = dims[a], n_units = unit_counts[b];
            float *cb1 = malloc(n_units * dim * sizeof *cb1), *cb2 = malloc(n_units * dim * sizeof *cb2);
            float *x = malloc(dim * sizeof *x), *next = malloc(dim * sizeof *next);
            float *fd = malloc(n_units * sizeof *fd);
            double *h = malloc(n_units * sizeof *h);
            uint8_t *mk = malloc(dim), *nmk = malloc(dim);
            assert_true(cb1 && cb2 && x && next && fd && h && mk && nmk);
            for (int trial = 0; trial < 60; trial++) {
                for (size_t k = 0; k < n_units * dim; k++)
                    cb1[k] = (float)(blobs_uniform(&seed) * 2.0 - 1.0);
                /* exact duplicates and ulp-close copies: ties after the move */
                if (n_units > 4)
                    for (size_t c = 0; c < 3; c++) {
                        size_t dst = blobs_next(&seed) % n_units;
                        for (size_t j = 0; j < dim; j++)
                            cb1[dst * dim + j] = c ? nextafterf(cb1[j], 2.0f) : cb1[j];
                    }
                memcpy(cb2, cb1, n_units * dim * sizeof *cb1);
                for (size_t j = 0; j < dim; j++) {
                    x[j] = (float)(blobs_uniform(&seed) * 2.0 - 1.0);
                    next[j] = cb1[j] + (float)((blobs_uniform(&seed) - 0.5) * 1e-4);
                    mk[j] = (trial & 1) ? (uint8_t)(blobs_next(&seed) % 4 != 0) : 1;
                    nmk[j] = (trial & 2) ? (uint8_t)(blobs_next(&seed) % 3 != 0) : 1;
                    if (!mk[j]) x[j] = 0.0f;
                    if (!nmk[j]) next[j] = 0.0f;
                }
                nmk[0] = 1;
                for (size_t u = 0; u < n_units; u++) {
                    h[u] = blobs_next(&seed) % 5 == 0 ? 0.0 : blobs_uniform(&seed) * (u % 2 ? 1.0 : -0.1);
                    if (blobs_next(&seed) % 7 == 0) h[u] = 1e-13; /* below SOM__MIN_STEP */
                }
                const double alpha = 0.3;
                const uint8_t *m = (trial & 1) ? mk : NULL, *nm = (trial & 2) ? nmk : NULL;
                for (size_t u = 0; u < n_units; u++)
                    if (fabs(alpha * h[u]) >= SOM__MIN_STEP)
                        som__online_move(cb1 + u * dim, x, m, (float)(alpha * h[u]), dim);
                float fmin = som__online_update(cb2, n_units, dim, x, m, alpha, h, next, nm, fd);
                assert_memory_equal(cb1, cb2, n_units * dim * sizeof *cb1);
                double d_ref = -1.0, d_given = -2.0;
                size_t u_ref = som__bmu_scalar(cb2, n_units, dim, next, nm, &d_ref);
                size_t u_given = som__bmu_fast_given(cb2, n_units, dim, next, nm, fd, fmin, &d_given);
                assert_int_equal(u_given, u_ref);
                assert_true(d_given == d_ref);
                /* no next sample: the move alone */
                som__online_update(cb2, n_units, dim, x, m, alpha, h, NULL, NULL, fd);
                for (size_t u = 0; u < n_units; u++)
                    if (fabs(alpha * h[u]) >= SOM__MIN_STEP)
                        som__online_move(cb1 + u * dim, x, m, (float)(alpha * h[u]), dim);
                assert_memory_equal(cb1, cb2, n_units * dim * sizeof *cb1);
            }
            free(cb1);
            free(cb2);
            free(x);
            free(next);
            free(fd);
            free(h);
            free(mk);
            free(nmk);
        }
    }
}

/* The online neighbourhood weights against one som__neighborhood call per
 * unit: exact where the rule reuses values (hex, bubble...), within the
 * rounding of exp's argument where rect grids factor the gaussian. */
static void online_weights_match(void **state)
{
    (void)state;
    const som_grid grids[] = {{7, 9, SOM_RECT, 0}, {8, 6, SOM_RECT, 1}, {1, 12, SOM_RECT, 0},
                              {20, 20, SOM_RECT, 0}, {6, 8, SOM_HEX, 0}, {6, 8, SOM_HEX, 1}};
    const som_neighborhood kinds[] = {SOM_NEIGHBORHOOD_GAUSSIAN, SOM_NEIGHBORHOOD_CUTGAUSS,
                                      SOM_NEIGHBORHOOD_BUBBLE, SOM_NEIGHBORHOOD_EPANECHNIKOV};
    const double sigmas[] = {0.0, 0.4, 1.0, 2.5, 7.0};
    for (size_t g = 0; g < sizeof grids / sizeof grids[0]; g++) {
        som_dist_table dt;
        assert_int_equal(som__dist_table_init(&dt, &grids[g], NULL), SOM_OK);
        size_t units = grids[g].rows * grids[g].cols;
        double *h = malloc(units * sizeof *h);
        assert_non_null(h);
        for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++)
            for (size_t s = 0; s < sizeof sigmas / sizeof sigmas[0]; s++)
                for (int strict = 0; strict < 2; strict++)
                    for (size_t b = 0; b < units; b += 5) {
                        som__online_weights(&dt, b, kinds[k], strict, sigmas[s], 0.75, h);
                        for (size_t u = 0; u < units; u++) {
                            double want = u == b ? 1.0
                                                 : 0.75 * som__neighborhood(kinds[k], strict,
                                                                            som__grid_dist2(&grids[g], b, u),
                                                                            sigmas[s]);
                            /* exp(a) with a rounded: relative error ~|a| ulp */
                            double tol = 4.5e-16 * (4.0 + fabs(log(want > 0.0 ? want : 1.0)));
                            if (!(fabs(h[u] - want) <= tol * want)) {
                                print_error("grid %zu kind %zu sigma %g b %zu u %zu: %.17g vs %.17g\n",
                                            g, k, sigmas[s], b, u, h[u], want);
                                fail();
                            }
                        }
                    }
        free(h);
        som__dist_table_free(&dt);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fast_equals_scalar),
        cmocka_unit_test(many_rows_equal_scalar),
        cmocka_unit_test(fused_update_equals_moves),
        cmocka_unit_test(online_weights_match),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
