/* SPDX-License-Identifier: MIT */
/* The distances (som.h, "the distance"; distance.c): for each one, the
 * batch search (fused kernel for cosine, the lane kernel in its plain,
 * AVX2 and AVX-512 builds for the others) gives the plain double search's
 * unit on random rows, with and without gaps, ties aside; the map-level
 * calls (som_map_bmus, som_map_bmu_vector, feature weights) agree with a
 * direct computation; QE and the U-matrix of a tiny map equal values worked
 * by hand; the model keeps the distance (.som chunk DIST, JSON) and the
 * files of Euclidean maps do not change; formats that cannot hold it say
 * so; training with each distance runs and records the QE that
 * som_map_quality measures. */
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
#include "io/io.h"
#include "../../bench/blobs.h"

#include <unistd.h>

static const som_distance kinds[] = {SOM_DISTANCE_EUCLIDEAN, SOM_DISTANCE_COSINE,
                                     SOM_DISTANCE_MANHATTAN, SOM_DISTANCE_CHEBYSHEV};

/* The distance itself, written out plainly from its definition. */
static double direct(som_distance k, const float *w, const float *x, const uint8_t *m,
                     size_t dim)
{
    double s = 0, dot = 0, xx = 0, ww = 0;
    for (size_t j = 0; j < dim; j++) {
        if (m && !m[j]) continue;
        double d = (double)x[j] - (double)w[j];
        if (k == SOM_DISTANCE_EUCLIDEAN) s += d * d;
        if (k == SOM_DISTANCE_MANHATTAN) s += fabs(d);
        if (k == SOM_DISTANCE_CHEBYSHEV && fabs(d) > s) s = fabs(d);
        dot += (double)x[j] * (double)w[j];
        xx += (double)x[j] * (double)x[j];
        ww += (double)w[j] * (double)w[j];
    }
    if (k == SOM_DISTANCE_EUCLIDEAN) return sqrt(s);
    if (k == SOM_DISTANCE_COSINE) return xx > 0 && ww > 0 ? 1 - dot / sqrt(xx * ww) : 1;
    return s;
}

static void fill_random(float *v, size_t n, uint64_t *seed)
{
    for (size_t i = 0; i < n; i++) v[i] = (float)(4.0 * blobs_uniform(seed) - 2.0);
}

/* Brute force over the units with direct(): the smallest distance. */
static double brute_min(som_distance k, const float *cb, size_t nu, size_t dim, const float *x,
                        const uint8_t *m)
{
    double best = INFINITY;
    for (size_t u = 0; u < nu; u++) {
        double d = direct(k, cb + u * dim, x, m, dim);
        if (d < best) best = d;
    }
    return best;
}

/* Each row's unit is a brute-force winner: its distance equals the
 * smallest within float rounding (a different unit only on a near-tie),
 * and the reported distance is that unit's; the second is another unit at
 * least as far. */
static void check_search(som_distance k, size_t nu, size_t dim, size_t n, double missing,
                         int threads)
{
    uint64_t seed = 1234 + nu * 7 + dim;
    float *cb = som__aligned_calloc(nu * dim, sizeof(float));
    float *x = som__aligned_calloc(n * dim, sizeof(float));
    uint8_t *mask = missing > 0 ? calloc(n * dim, 1) : NULL;
    size_t *units = calloc(n, sizeof *units), *second = calloc(n, sizeof *second);
    double *d2 = calloc(n, sizeof *d2);
    assert_true(cb && x && units && second && d2 && (!missing || mask));
    fill_random(cb, nu * dim, &seed);
    fill_random(x, n * dim, &seed);
    for (size_t i = 0; mask && i < n * dim; i++) {
        mask[i] = i % dim == 0 || blobs_uniform(&seed) >= missing;
        if (!mask[i]) x[i] = 0.0f;
    }
    /* A row equal to a unit, and (cosine) a zero row. */
    const size_t same = nu > 3 ? 3 : nu - 1;
    memcpy(x, cb + same * dim, dim * sizeof(float));
    if (mask) memset(mask, 1, dim);
    if (k == SOM_DISTANCE_COSINE && n > 1) memset(x + dim, 0, dim * sizeof(float));
    assert_int_equal(som__bmus_dist(k, cb, nu, dim, x, mask, n, units, d2, second, threads, NULL),
                     SOM_OK);
    size_t exact = 0;
    for (size_t i = 0; i < n; i++) {
        const float *xi = x + i * dim;
        const uint8_t *mi = mask ? mask + i * dim : NULL;
        double best = brute_min(k, cb, nu, dim, xi, mi);
        double got = direct(k, cb + units[i] * dim, xi, mi, dim);
        size_t ref = som__bmu_scalar_d(k, cb, nu, dim, xi, mi, NULL);
        exact += ref == units[i];
        /* The winner's distance is the smallest, up to float rounding. */
        assert_true(fabs(got - best) <= 1e-5 * (1.0 + best));
        assert_true(fabs(sqrt(d2[i]) - got) <= 1e-5 * (1.0 + got));
        if (nu > 1) {
            assert_true(second[i] < nu && second[i] != units[i]);
            assert_true(direct(k, cb + second[i] * dim, xi, mi, dim) >= got - 1e-5 * (1 + got));
        }
    }
    /* Ties aside: on random data nearly every row has the same unit. */
    assert_true(exact >= n - n / 100);
    assert_int_equal(units[0], same);
    som__aligned_free(cb);
    som__aligned_free(x);
    free(mask);
    free(units);
    free(second);
    free(d2);
}

static void test_search_matches_brute_force(void **state)
{
    (void)state;
    static const size_t shapes[][2] = {{1, 3}, {7, 2}, {16, 5}, {37, 13}, {100, 64}, {50, 33}};
    for (int level = 2; level >= 0; level--) {
        som__distance_kernel_limit(level);
        for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++)
            for (size_t k = 0; k < 4; k++) {
                check_search(kinds[k], shapes[s][0], shapes[s][1], 300, 0.0, 2);
                check_search(kinds[k], shapes[s][0], shapes[s][1], 300, 0.3, 1);
            }
    }
    som__distance_kernel_limit(2);
}

/* The online search (som__bmu_rows) gives som__bmu_scalar_d's unit
 * exactly, ties included, on every build of its kernels. */
static void test_online_search_is_exact(void **state)
{
    (void)state;
    static const size_t shapes[][2] = {{1, 3}, {7, 2}, {40, 16}, {37, 13}, {100, 64}, {50, 33}};
    for (int level = 2; level >= 0; level--) {
        som__distance_kernel_limit(level);
        for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++)
            for (size_t k = 1; k < 4; k++) {
                size_t nu = shapes[s][0], dim = shapes[s][1];
                uint64_t seed = 77 + s;
                float *cb = malloc(nu * dim * sizeof *cb), *x = malloc(dim * sizeof *x);
                float *fd = malloc(nu * sizeof *fd);
                uint8_t *mask = malloc(dim);
                fill_random(cb, nu * dim, &seed);
                /* Duplicate units: exact ties go to the lower one. */
                if (nu > 5) memcpy(cb + 5 * dim, cb + 2 * dim, dim * sizeof *cb);
                for (int r = 0; r < 200; r++) {
                    fill_random(x, dim, &seed);
                    if (r == 0 && nu > 5) memcpy(x, cb + 5 * dim, dim * sizeof *x);
                    for (size_t j = 0; j < dim; j++) mask[j] = j == 0 || blobs_uniform(&seed) > 0.3;
                    for (int masked = 0; masked < 2; masked++) {
                        const uint8_t *m = masked ? mask : NULL;
                        size_t want = som__bmu_scalar_d(kinds[k], cb, nu, dim, x, m, NULL);
                        size_t got = som__bmu_rows(kinds[k], cb, nu, dim, x, m, fd);
                        if (want != got)
                            fail_msg("%s level %d %zux%zu row %d masked %d: %zu, want %zu",
                                     som_enum_name(SOM_ENUM_DISTANCE, (int)kinds[k]), level, nu,
                                     dim, r, masked, got, want);
                    }
                }
                free(cb);
                free(x);
                free(fd);
                free(mask);
            }
    }
    som__distance_kernel_limit(2);
}

/* A map with random codebook and no scaling. */
static som_map *random_map(size_t rows, size_t cols, size_t dim, som_distance k, uint64_t seed)
{
    som_grid g = {rows, cols, SOM_RECT, 0};
    som_map *m;
    assert_int_equal(som_map_new(&g, dim, &m, NULL), SOM_OK);
    fill_random(m->codebook, m->n_units * dim, &seed);
    assert_int_equal(som_map_set_distance(m, k, NULL), SOM_OK);
    return m;
}

/* som_map_bmus on data with NaN gaps, som_map_bmu_vector, and feature
 * weights (both sides times sqrt(w)). */
static void test_map_calls(void **state)
{
    (void)state;
    const size_t dim = 6, n = 200;
    const double fw[6] = {1, 0, 2, 0.5, 1, 3};
    for (size_t k = 0; k < 4; k++) {
        som_map *m = random_map(5, 7, dim, kinds[k], 99 + k);
        som_data *d;
        assert_int_equal(som_data_new(n, dim, &d, NULL), SOM_OK);
        uint64_t seed = 5;
        float row[6];
        for (size_t i = 0; i < n; i++) {
            fill_random(row, dim, &seed);
            if (i % 3 == 0) row[1 + i % 5] = NAN;
            assert_int_equal(som_data_set_row(d, i, row, NULL, NULL), SOM_OK);
        }
        for (int weighted = 0; weighted < 2; weighted++) {
            if (weighted) assert_int_equal(som_map_set_feature_weights(m, fw, NULL), SOM_OK);
            size_t units[200];
            float dist[200];
            assert_int_equal(som_map_bmus(m, d, units, dist, NULL, 2, NULL), SOM_OK);
            for (size_t i = 0; i < n; i++) {
                const float *x = som_data_row(d, i);
                const uint8_t *mk = som_data_mask(d) ? som_data_mask(d) + i * dim : NULL;
                float wx[6], wc[35 * 6];
                for (size_t j = 0; j < dim; j++) wx[j] = weighted ? (float)sqrt(fw[j]) * x[j] : x[j];
                for (size_t u = 0; u < 35; u++)
                    for (size_t j = 0; j < dim; j++)
                        wc[u * dim + j] = weighted ? (float)sqrt(fw[j]) * m->codebook[u * dim + j]
                                                   : m->codebook[u * dim + j];
                double best = brute_min(kinds[k], wc, 35, dim, wx, mk);
                assert_true(fabs((double)dist[i] - best) <= 1e-5 * (1 + best));
                size_t u1;
                double d1;
                float xr[6];
                for (size_t j = 0; j < dim; j++) xr[j] = mk && !mk[j] ? NAN : x[j];
                assert_int_equal(som_map_bmu_vector(m, xr, NULL, &u1, &d1, NULL), SOM_OK);
                assert_int_equal(u1, units[i]);
                assert_true(fabs(d1 - best) <= 1e-5 * (1 + best));
                /* The K best units (filling) rank by the same distance. */
                size_t kb[4];
                double kd[4];
                assert_int_equal(som_map_best_units(m, xr, NULL, 4, kb, kd, NULL), 4);
                assert_int_equal(kb[0], u1);
                assert_true(fabs(kd[0] - d1) <= 1e-12 * (1 + d1));
                for (int q = 1; q < 4; q++) assert_true(kd[q] >= kd[q - 1]);
            }
        }
        som_data_free(d);
        som_map_free(m);
    }
}

/* A 1x3 map, codebook by hand; two rows. QE, the U-matrix and
 * som_map_unit_distance against values worked out on paper. */
static void test_tiny_map_values(void **state)
{
    (void)state;
    const float cb[3][2] = {{1, 0}, {0, 2}, {-1, -1}};
    const float rows[2][2] = {{2, 0}, {0, 1.5f}};
    /* unit distances 0-1, 1-2 and row 0 to unit 0, row 1 to unit 1 */
    const struct {
        som_distance k;
        double d01, d12, r0, r1;
    } want[] = {
        {SOM_DISTANCE_EUCLIDEAN, sqrt(5.0), sqrt(10.0), 1.0, 0.5},
        {SOM_DISTANCE_MANHATTAN, 3.0, 4.0, 1.0, 0.5},
        {SOM_DISTANCE_CHEBYSHEV, 2.0, 3.0, 1.0, 0.5},
        /* cos(0,1) = 0; cos(1,2) = -2/(2 sqrt 2); rows lie on units 0 and 1 */
        {SOM_DISTANCE_COSINE, 1.0, 1.0 + 1.0 / sqrt(2.0), 0.0, 0.0},
    };
    for (size_t t = 0; t < 4; t++) {
        som_grid g = {1, 3, SOM_RECT, 0};
        som_map *m;
        assert_int_equal(som_map_new(&g, 2, &m, NULL), SOM_OK);
        memcpy(m->codebook, cb, sizeof cb);
        assert_int_equal(som_map_set_distance(m, want[t].k, NULL), SOM_OK);
        assert_int_equal(som_map_distance(m), want[t].k);
        som_data *d;
        assert_int_equal(som_data_new(2, 2, &d, NULL), SOM_OK);
        for (size_t i = 0; i < 2; i++)
            assert_int_equal(som_data_set_row(d, i, rows[i], NULL, NULL), SOM_OK);
        som_quality q;
        size_t hits[3];
        assert_int_equal(som_map_quality(m, d, &q, hits, 1, NULL), SOM_OK);
        assert_true(fabs(q.qe - (want[t].r0 + want[t].r1) / 2) < 1e-6);
        assert_int_equal(hits[0], 1);
        assert_int_equal(hits[1], 1);
        assert_true(fabs(som_map_unit_distance(m, 0, 1) - want[t].d01) < 1e-12);
        assert_true(fabs(som_map_unit_distance(m, 1, 2) - want[t].d12) < 1e-12);
        double u[3];
        som_map_umatrix(m, u);
        assert_true(fabs(u[0] - want[t].d01) < 1e-12);
        assert_true(fabs(u[1] - (want[t].d01 + want[t].d12) / 2) < 1e-12);
        assert_true(fabs(u[2] - want[t].d12) < 1e-12);
        som_data_free(d);
        som_map_free(m);
    }
}

static bool has_tag(const void *buf, size_t len, const char *tag)
{
    for (size_t i = 0; i + 4 <= len; i++)
        if (memcmp((const char *)buf + i, tag, 4) == 0) return true;
    return false;
}

/* .som and JSON keep the distance; a Euclidean map's file has no DIST
 * chunk; a bad DIST value is refused; formats without it lose it. */
static void test_model_keeps_it(void **state)
{
    (void)state;
    for (size_t k = 0; k < 4; k++) {
        som_map *m = random_map(2, 3, 4, kinds[k], 7);
        void *buf;
        size_t len;
        assert_int_equal(som_map_save_mem(m, &buf, &len, NULL), SOM_OK);
        assert_int_equal(has_tag(buf, len, "DIST"), kinds[k] != SOM_DISTANCE_EUCLIDEAN);
        som_map *back;
        assert_int_equal(som_map_load_mem(buf, len, "m.som", &back, NULL), SOM_OK);
        assert_int_equal(som_map_distance(back), kinds[k]);
        som_map_free(back);
        if (kinds[k] == SOM_DISTANCE_CHEBYSHEV) {
            /* The u32 after the tag and its length: 9 is no distance. */
            unsigned char *p = buf;
            size_t at = 0;
            for (size_t i = 0; i + 4 <= len; i++)
                if (memcmp(p + i, "DIST", 4) == 0) at = i;
            p[at + 12] = 9;
            som__put_u32(p + len - 4, som__crc32(p, len - 4));
            som_error err;
            assert_int_equal(som_map_load_mem(buf, len, "m.som", &back, &err), SOM_EFORMAT);
            assert_non_null(strstr(err.message, "unknown distance 9"));
        }
        free(buf);

        char path[] = "/tmp/som-test-distance-XXXXXX.json";
        int fd = mkstemps(path, 5);
        assert_true(fd >= 0);
        close(fd);
        assert_int_equal(som_map_write_json(m, path, NULL), SOM_OK);
        assert_int_equal(som_map_load_as(path, NULL, &back, NULL), SOM_OK);
        assert_int_equal(som_map_distance(back), kinds[k]);
        som_map_free(back);
        remove(path);

        unsigned lost = 0;
        static const char *const fmts[] = {"somnet", "cod", "wts"};
        for (size_t f = 0; f < 3; f++) {
            assert_int_equal(som_map_losses(m, fmts[f], NULL, &lost, NULL), SOM_OK);
            assert_int_equal((lost & SOM_PART_DISTANCE) != 0, kinds[k] != SOM_DISTANCE_EUCLIDEAN);
        }
        assert_int_equal(som_map_losses(m, "som", NULL, &lost, NULL), SOM_OK);
        assert_int_equal(lost, 0);
        som_map_free(m);
    }
    assert_string_equal(som_part_name(SOM_PART_DISTANCE), "distance");
    assert_string_equal(som_enum_name(SOM_ENUM_DISTANCE, 1), "cosine");
    assert_int_equal(som_enum_value(SOM_ENUM_DISTANCE, "chebyshev"), 3);
    assert_int_equal(som_map_set_distance(NULL, SOM_DISTANCE_COSINE, NULL), SOM_EINVAL);
}

/* The settings table: "distance" sets, reads back and refuses. */
static void test_setting(void **state)
{
    (void)state;
    som_fit_opts o;
    som_fit_opts_init(&o);
    char buf[64];
    assert_int_equal(som_fit_opts_get(&o, "distance", buf, sizeof buf, NULL), SOM_OK);
    assert_string_equal(buf, "euclidean");
    assert_int_equal(som_fit_opts_set(&o, "distance", "manhattan", NULL), SOM_OK);
    assert_int_equal(o.distance, SOM_DISTANCE_MANHATTAN);
    som_error err;
    assert_int_equal(som_fit_opts_set(&o, "distance", "taxicab", &err), SOM_EINVAL);
    assert_string_equal(err.message, "distance: expected one of euclidean, cosine, manhattan, "
                                     "chebyshev, got 'taxicab'");
    const som_setting *s = som_settings_find("distance");
    assert_non_null(s);
    assert_int_equal(s->group, SOM_SETTING_GROUP_MAP);
    som_fit_opts_clear(&o);
}

/* Online and batch training with each distance, on blobs with gaps: the
 * last history entry's QE is what som_map_quality measures afterwards,
 * and below the first (the map learnt). */
static void test_training(void **state)
{
    (void)state;
    const size_t n = 400, dim = 5;
    float *x = malloc(n * dim * sizeof *x);
    double c[4 * 5];
    blobs_fill(x, n, dim, 4, c, 11);
    som_data *d;
    assert_int_equal(som_data_new(n, dim, &d, NULL), SOM_OK);
    for (size_t i = 0; i < n; i++) {
        if (i % 4 == 0) x[i * dim + 2] = NAN;
        assert_int_equal(som_data_set_row(d, i, x + i * dim, NULL, NULL), SOM_OK);
    }
    free(x);
    for (size_t k = 0; k < 4; k++)
        for (int alg = 0; alg < 2; alg++) {
            som_grid g = {4, 5, SOM_HEX, 0};
            som_map *m;
            assert_int_equal(som_map_new(&g, dim, &m, NULL), SOM_OK);
            assert_int_equal(som_map_fit_scaling(m, d, SOM_SCALE_ZSCORE, NULL), SOM_OK);
            assert_int_equal(som_map_set_distance(m, kinds[k], NULL), SOM_OK);
            som_train_opts o;
            som_train_opts_init(&o);
            o.algorithm = alg ? SOM_BATCH : SOM_ONLINE;
            o.init = SOM_INIT_RANDOM;
            o.epochs = 5;
            o.threads = 2;
            assert_int_equal(som_map_train(m, d, &o, NULL), SOM_OK);
            som_quality q;
            assert_int_equal(som_map_quality(m, d, &q, NULL, 2, NULL), SOM_OK);
            const som_history *h = som_map_history(m);
            size_t nh = som_map_history_len(m);
            assert_true(nh >= 2);
            assert_true(fabs(h[nh - 1].qe - q.qe) <= 1e-9 * (1 + q.qe));
            assert_true(h[nh - 1].qe < h[0].qe);
            som_map_free(m);
        }
    som_data_free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_search_matches_brute_force),
        cmocka_unit_test(test_online_search_is_exact),
        cmocka_unit_test(test_map_calls),
        cmocka_unit_test(test_tiny_map_values),
        cmocka_unit_test(test_model_keeps_it),
        cmocka_unit_test(test_setting),
        cmocka_unit_test(test_training),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
