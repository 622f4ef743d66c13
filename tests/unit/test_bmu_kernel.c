/* SPDX-License-Identifier: MIT */
/* The fused product and arg-min (bmu_kernel.c) gives, for every row, the
 * best and second best unit of the float score |w|^2 - 2 x.w with each dot
 * product summed as one fused multiply-add chain in field order, ties to
 * the lower unit — checked here against a plain loop that computes exactly
 * that, on shapes around the kernel's tile sizes (8 rows, 3 x 16 units),
 * with duplicate units, rows equal to units, and scores that overflow.
 * Then: the batch search gives the plain double search's unit whatever the
 * rows around a row (with or without gaps), on any thread count, with the
 * kernel or through cblas_sgemm (CPUs without AVX-512). */
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

/* The kernel's arithmetic, one unit at a time. A row with gaps takes, for
 * |w|^2, |w|^2 less the missing fields' squares when they are at most half
 * of the fields, else the present fields' squares, each one multiply-add
 * in field order. */
static void reference_top2(const float *cb, const float *wnorm, size_t n_units, size_t dim,
                           const float *x, const uint8_t *mask, size_t *b1, size_t *b2)
{
    size_t missing = 0;
    for (size_t k = 0; mask && k < dim; k++) missing += mask[k] == 0;
    const bool take_missing = missing <= dim - missing;
    float s1 = INFINITY, s2 = INFINITY;
    *b1 = 0;
    *b2 = n_units;
    for (size_t u = 0; u < n_units; u++) {
        float dot = 0.0f;
        for (size_t k = 0; k < dim; k++) dot = fmaf(x[k], cb[u * dim + k], dot);
        float n2 = wnorm[u];
        if (missing) {
            n2 = take_missing ? wnorm[u] : 0.0f;
            for (size_t k = 0; k < dim; k++) {
                if ((mask[k] == 0) != take_missing) continue;
                float w = cb[u * dim + k];
                n2 = take_missing ? fmaf(-w, w, n2) : fmaf(w, w, n2);
            }
        }
        float v = fmaf(dot, -2.0f, n2);
        if (v < s1) {
            s2 = s1;
            *b2 = s1 < INFINITY ? *b1 : n_units;
            s1 = v;
            *b1 = u;
        } else if (v < s2) {
            s2 = v;
            *b2 = u;
        }
    }
}

static void kernel_equals_plain_top2(void **state)
{
    (void)state;
    if (!som__bmu_kernel_available()) skip();
    const size_t dims[] = {1, 2, 3, 15, 16, 17, 64, 100};
    const size_t unit_counts[] = {1, 2, 15, 16, 17, 47, 48, 49, 64, 97, 150};
    const size_t row_counts[] = {1, 7, 8, 9, 23};
    uint64_t seed = 17;
    for (size_t a = 0; a < sizeof dims / sizeof dims[0]; a++)
        for (size_t b = 0; b < sizeof unit_counts / sizeof unit_counts[0]; b++)
            for (size_t c = 0; c < sizeof row_counts / sizeof row_counts[0]; c++) {
                const size_t dim = dims[a], n_units = unit_counts[b], rows = row_counts[c];
                float *cb = malloc(n_units * dim * sizeof *cb), *wn = malloc(n_units * sizeof *wn);
                float *x = malloc(rows * dim * sizeof *x);
                uint8_t *mask = malloc(rows * dim);
                size_t *k1 = malloc(rows * sizeof *k1), *k2 = malloc(rows * sizeof *k2);
                assert_true(cb && wn && x && mask && k1 && k2);
                for (size_t k = 0; k < n_units * dim; k++) cb[k] = (float)blobs_uniform(&seed);
                if (n_units > 3) /* duplicates: equal scores */
                    memcpy(cb + (n_units - 1) * dim, cb + 1 * dim, dim * sizeof *cb);
                for (size_t i = 0; i < rows; i++)
                    for (size_t j = 0; j < dim; j++)
                        x[i * dim + j] = i % 3 == 0 ? cb[(i % n_units) * dim + j]
                                                    : (float)blobs_uniform(&seed);
                if (rows > 5) /* a row whose products overflow: -inf scores */
                    for (size_t j = 0; j < dim; j++) x[5 * dim + j] = 3e38f;
                for (size_t u = 0; u < n_units; u++) {
                    double s = 0.0;
                    for (size_t j = 0; j < dim; j++) s += (double)cb[u * dim + j] * (double)cb[u * dim + j];
                    wn[u] = (float)s;
                }
                /* Gaps (0 in x): none in row 0, one field in row 1, all
                 * but one in row 2, half in row 3, random in the others. */
                memset(mask, 1, rows * dim);
                for (size_t i = 1; i < rows; i++)
                    for (size_t j = 0; j < dim; j++) {
                        bool gap = i == 1   ? j == dim / 2
                                   : i == 2 ? j != 0
                                   : i == 3 ? j % 2 == 1
                                            : blobs_uniform(&seed) < 0.3;
                        if (gap && dim > 1) mask[i * dim + j] = 0;
                    }
                som_bmu_pack *p = som__bmu_pack(cb, wn, n_units, dim);
                assert_non_null(p);
                for (int masked = 0; masked < 2; masked++) {
                    float *xm = x;
                    if (masked) {
                        xm = malloc(rows * dim * sizeof *xm);
                        assert_non_null(xm);
                        for (size_t k = 0; k < rows * dim; k++) xm[k] = mask[k] ? x[k] : 0.0f;
                    }
                    const uint8_t *mk = masked ? mask : NULL;
                    assert_int_equal(som__bmu_kernel_top2(p, xm, mk, rows, k1, k2), SOM_OK);
                    for (size_t i = 0; i < rows; i++) {
                        size_t r1, r2;
                        reference_top2(cb, wn, n_units, dim, xm + i * dim, mk ? mk + i * dim : NULL,
                                       &r1, &r2);
                        if (k1[i] != r1 || k2[i] != r2)
                            fail_msg("dim %zu units %zu rows %zu row %zu masked %d: kernel (%zu, "
                                     "%zu), plain (%zu, %zu)",
                                     dim, n_units, rows, i, masked, k1[i], k2[i], r1, r2);
                    }
                    if (masked) free(xm);
                }
                som__bmu_pack_free(p);
                free(mask);
                free(cb);
                free(wn);
                free(x);
                free(k1);
                free(k2);
            }
}

/* A complete row's unit does not depend on whether rows of its block miss
 * values (those take the GEMM path): the same rows alone and mixed with
 * gappy rows give the same units, and both the plain double search's. */
static void complete_rows_unaffected_by_gappy_neighbours(void **state)
{
    (void)state;
    uint64_t seed = 23;
    const size_t dim = 13, n_units = 70, n = 300;
    float *cb = malloc(n_units * dim * sizeof *cb), *x = malloc(n * dim * sizeof *x);
    uint8_t *mask = malloc(n * dim);
    size_t *u1 = malloc(n * sizeof *u1), *u2 = malloc(n * sizeof *u2), *s2 = malloc(n * sizeof *s2);
    double *d1 = malloc(n * sizeof *d1), *d2 = malloc(n * sizeof *d2);
    assert_true(cb && x && mask && u1 && u2 && s2 && d1 && d2);
    for (size_t k = 0; k < n_units * dim; k++) cb[k] = (float)blobs_uniform(&seed);

    /* Gaps in every 7th row (complete rows gathered around them), every
     * 2nd, and every row (no complete row in any block). */
    static const size_t spacing[] = {7, 2, 1};
    for (size_t sp = 0; sp < 3; sp++) {
        const size_t every = spacing[sp];
        for (size_t k = 0; k < n * dim; k++) x[k] = (float)blobs_uniform(&seed);
        memset(mask, 1, n * dim);
        for (size_t i = 0; i < n; i += every) { /* a gap holds 0, as in scaled data */
            mask[i * dim + i % dim] = 0;
            x[i * dim + i % dim] = 0.0f;
        }
        for (int run = 0; run < 4; run++) {
            const int threads = 1 + run % 2;
            som__bmu_kernel_use(run < 2); /* then the GEMM path for every row */
            assert_int_equal(som__bmus_scaled(cb, n_units, dim, x, NULL, n, u1, d1, NULL, threads,
                                              NULL),
                             SOM_OK);
            assert_int_equal(som__bmus_scaled(cb, n_units, dim, x, mask, n, u2, d2, s2, threads,
                                              NULL),
                             SOM_OK);
            for (size_t i = 0; i < n; i++) {
                double dref;
                const uint8_t *m = i % every == 0 ? mask + i * dim : NULL;
                size_t u = som__bmu_scalar(cb, n_units, dim, x + i * dim, m, &dref);
                if (u2[i] != u)
                    fail_msg("every %zu run %d row %zu: %zu, plain %zu", every, run, i, u2[i], u);
                assert_true(d2[i] == dref);
                assert_true(s2[i] < n_units && s2[i] != u2[i]);
                if (i % every) {
                    assert_int_equal(u1[i], u2[i]);
                    assert_true(d1[i] == d2[i]);
                }
            }
        }
    }
    som__bmu_kernel_use(true);
    free(cb);
    free(x);
    free(mask);
    free(u1);
    free(u2);
    free(s2);
    free(d1);
    free(d2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(kernel_equals_plain_top2),
        cmocka_unit_test(complete_rows_unaffected_by_gappy_neighbours),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
