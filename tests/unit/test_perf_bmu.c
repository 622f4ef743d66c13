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

#include "internal.h"
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fast_equals_scalar),
        cmocka_unit_test(many_rows_equal_scalar),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
