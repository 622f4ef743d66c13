/* SPDX-License-Identifier: MIT */
/* test_sompak.c — SOM_PAK data (.dat) and codebook (.cod) files, and the
 * per-sample weights and fixed points they carry into training. The test
 * files are written here from SOM_PAK's documented format. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

/* ---- weights and fixed points in training ------------------------------- */

static som_data *line_data(size_t n)
{
    som_data *d = NULL;
    assert_int_equal(som_data_new(n, 2, &d, NULL), SOM_OK);
    for (size_t i = 0; i < n; i++) {
        float x[2] = {(float)i, (float)(i % 3)};
        assert_int_equal(som_data_set_row(d, i, x, NULL, NULL), SOM_OK);
    }
    return d;
}

static void train(som_map *map, const som_data *d, som_algorithm alg, int expect)
{
    som_train_opts o;
    som_train_opts_init(&o);
    o.algorithm = alg;
    o.epochs = 3;
    o.init = SOM_INIT_RANDOM;
    o.quality_every = 0;
    som_error err;
    assert_int_equal(som_map_train(map, d, &o, &err), expect);
}

static void test_weight_api(void **state)
{
    (void)state;
    som_data *d = line_data(4);
    assert_null(som_data_weights(d));
    assert_int_equal(som_data_set_weight(d, 1, 1.0, NULL), SOM_OK);
    assert_null(som_data_weights(d)); /* 1 everywhere needs no array */
    assert_int_equal(som_data_set_weight(d, 2, 2.5, NULL), SOM_OK);
    const double *w = som_data_weights(d);
    assert_non_null(w);
    assert_true(w[0] == 1.0 && w[2] == 2.5);
    assert_int_equal(som_data_set_weight(d, 2, -1.0, NULL), SOM_EINVAL);
    assert_int_equal(som_data_set_weight(d, 2, NAN, NULL), SOM_EINVAL);
    assert_int_equal(som_data_set_weight(d, 9, 1.0, NULL), SOM_EINVAL);
    size_t r = 7, c = 7;
    assert_int_equal(som_data_fixed(d, 0, &r, &c), 0);
    assert_int_equal(som_data_set_fixed(d, 3, 1, 2, NULL), SOM_OK);
    assert_int_equal(som_data_fixed(d, 3, &r, &c), 1);
    assert_true(r == 1 && c == 2);
    assert_int_equal(som_data_fixed(d, 2, &r, &c), 0);
    assert_int_equal(som_data_set_fixed(d, 3, SIZE_MAX, 0, NULL), SOM_OK);
    assert_int_equal(som_data_fixed(d, 3, &r, &c), 0);
    som_data_free(d);
}

/* All weights 2 in batch training give the same map as all weights 1: the
 * weights cancel in sum(h w x) / sum(h w). Weight 0 for every sample but
 * one pulls the whole map towards that one sample. */
static void test_batch_weights(void **state)
{
    (void)state;
    som_grid g = {2, 2, SOM_RECT, 0};
    som_data *d = line_data(12);
    som_map *a = NULL, *b = NULL;
    assert_int_equal(som_map_new(&g, 2, &a, NULL), SOM_OK);
    assert_int_equal(som_map_new(&g, 2, &b, NULL), SOM_OK);
    train(a, d, SOM_BATCH, SOM_OK);
    for (size_t i = 0; i < 12; i++) assert_int_equal(som_data_set_weight(d, i, 2.0, NULL), SOM_OK);
    train(b, d, SOM_BATCH, SOM_OK);
    assert_memory_equal(som_map_codebook(a), som_map_codebook(b), 8 * sizeof(float));
    for (size_t i = 0; i < 12; i++)
        assert_int_equal(som_data_set_weight(d, i, i == 5 ? 1.0 : 0.0, NULL), SOM_OK);
    train(b, d, SOM_BATCH, SOM_OK);
    const float *cb = som_map_codebook(b);
    for (size_t u = 0; u < 4; u++) {
        assert_float_equal(cb[2 * u], 5.0, 1e-5);
        assert_float_equal(cb[2 * u + 1], 2.0, 1e-5);
    }
    som_map_free(a);
    som_map_free(b);
    som_data_free(d);
}

/* Online: a weight of 0 means the sample never moves the map. */
static void test_online_weights(void **state)
{
    (void)state;
    som_grid g = {2, 3, SOM_RECT, 0};
    som_data *d = line_data(6);
    for (size_t i = 0; i < 6; i++) assert_int_equal(som_data_set_weight(d, i, 0.0, NULL), SOM_OK);
    som_map *m = NULL;
    assert_int_equal(som_map_new(&g, 2, &m, NULL), SOM_OK);
    som_train_opts o;
    som_train_opts_init(&o);
    o.algorithm = SOM_ONLINE;
    o.init = SOM_INIT_RANDOM;
    o.epochs = 1;
    assert_int_equal(som_map_init(m, d, SOM_INIT_RANDOM, 1, NULL), SOM_OK);
    float before[12];
    memcpy(before, som_map_codebook(m), sizeof before);
    o.init = SOM_INIT_KEEP;
    assert_int_equal(som_map_train(m, d, &o, NULL), SOM_OK);
    assert_memory_equal(before, som_map_codebook(m), sizeof before);
    som_map_free(m);
    som_data_free(d);
}

/* A fixed sample's unit is its winner: with the radius at 0 (only the
 * winner learns), a single fixed sample is copied into its unit and no
 * other unit moves. */
static void test_fixed_training(void **state)
{
    (void)state;
    som_grid g = {3, 4, SOM_HEX, 0};
    for (int alg = 0; alg < 2; alg++) {
        som_data *d = NULL;
        assert_int_equal(som_data_new(1, 2, &d, NULL), SOM_OK);
        float x[2] = {100.0f, -50.0f};
        assert_int_equal(som_data_set_row(d, 0, x, NULL, NULL), SOM_OK);
        assert_int_equal(som_data_set_fixed(d, 0, 2, 1, NULL), SOM_OK); /* x=1, y=2 */
        som_map *m = NULL;
        assert_int_equal(som_map_new(&g, 2, &m, NULL), SOM_OK);
        som_train_opts o;
        som_train_opts_init(&o);
        o.algorithm = (som_algorithm)alg;
        o.init = SOM_INIT_KEEP;
        o.schedule = SOM_SCHEDULE_LINEAR;
        o.radius0 = o.radius1 = 0.0;
        o.rate0 = o.rate1 = 1.0;
        o.epochs = 2;
        o.quality_every = 0;
        assert_int_equal(som_map_train(m, d, &o, NULL), SOM_OK);
        const float *cb = som_map_codebook(m);
        for (size_t u = 0; u < 12; u++) {
            if (u == 2 * 4 + 1) {
                assert_float_equal(cb[2 * u], 100.0, 1e-4);
                assert_float_equal(cb[2 * u + 1], -50.0, 1e-4);
            } else {
                assert_true(cb[2 * u] == 0.0f && cb[2 * u + 1] == 0.0f);
            }
        }
        /* Outside the grid: a clear error naming the sample. */
        assert_int_equal(som_data_set_fixed(d, 0, 3, 0, NULL), SOM_OK);
        som_error err;
        assert_int_equal(som_map_train(m, d, &o, &err), SOM_ERANGE);
        assert_non_null(strstr(err.message, "outside the 3x4 grid"));
        som_map_free(m);
        som_data_free(d);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_weight_api),
        cmocka_unit_test(test_batch_weights),
        cmocka_unit_test(test_online_weights),
        cmocka_unit_test(test_fixed_training),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
