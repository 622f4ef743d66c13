/* SPDX-License-Identifier: MIT */
/* test_data.c — the som_data object and the bundled data sets. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "som.h"

static void test_new_and_accessors(void **state)
{
    (void)state;
    som_error err;
    som_data *d = NULL;
    assert_int_equal(som_data_new(0, 3, &d, &err), SOM_EINVAL);
    assert_null(d);
    assert_int_equal(som_data_new(3, 0, &d, &err), SOM_EINVAL);
    assert_int_equal(som_data_new(4, 3, &d, &err), SOM_OK);
    assert_int_equal(som_data_n_samples(d), 4);
    assert_int_equal(som_data_dim(d), 3);
    assert_true(((uintptr_t)som_data_values(d) % 64) == 0);
    for (size_t k = 0; k < 12; k++) assert_true(som_data_values(d)[k] == 0.0f);
    assert_null(som_data_mask(d));
    assert_null(som_data_row_mask(d, 0));
    assert_int_equal(som_data_n_missing(d), 0);
    assert_string_equal(som_data_title(d, 0), "1");
    assert_string_equal(som_data_title(d, 2), "3");
    assert_string_equal(som_data_title(d, 99), "");
    assert_null(som_data_label(d, 0));
    assert_null(som_data_label_title(d));
    assert_int_equal(som_data_line(d, 3), 4);
    assert_int_equal(som_data_find_title(d, "2"), 1);
    assert_int_equal(som_data_find_title(d, "x"), -1);
    assert_int_equal(som_data_set_title(d, 1, "speed", &err), SOM_OK);
    assert_int_equal(som_data_find_title(d, "speed"), 1);
    assert_int_equal(som_data_set_title(d, 3, "x", &err), SOM_EINVAL);
    som_data_free(d);
    som_data_free(NULL);
}

static void test_set_row_and_mask(void **state)
{
    (void)state;
    som_error err;
    som_data *d = NULL;
    assert_int_equal(som_data_new(2, 3, &d, &err), SOM_OK);
    assert_int_equal(som_data_set_row(d, 0, (float[]){1, NAN, 3}, NULL, &err), SOM_OK);
    assert_non_null(som_data_mask(d));
    assert_int_equal(som_data_n_missing(d), 1);
    assert_true(som_data_row(d, 0)[1] == 0.0f);
    assert_int_equal(som_data_row_mask(d, 0)[1], 0);
    assert_int_equal(som_data_row_mask(d, 1)[1], 1);

    const uint8_t m[3] = {0, 1, 0};
    assert_int_equal(som_data_set_row(d, 1, (float[]){7, 8, 9}, m, &err), SOM_OK);
    assert_int_equal(som_data_n_missing(d), 3);
    assert_true(som_data_row(d, 1)[0] == 0.0f);
    assert_true(som_data_row(d, 1)[1] == 8.0f);

    /* An infinite value is refused and changes nothing. */
    assert_int_equal(som_data_set_row(d, 1, (float[]){1, INFINITY, 1}, NULL, &err), SOM_EINVAL);
    assert_int_equal(som_data_n_missing(d), 3);
    assert_true(som_data_row(d, 1)[1] == 8.0f);
    assert_int_equal(som_data_set_row(d, 2, (float[]){1, 1, 1}, NULL, &err), SOM_EINVAL);

    /* Filling every gap drops the mask. */
    assert_int_equal(som_data_set_row(d, 0, (float[]){1, 2, 3}, NULL, &err), SOM_OK);
    assert_int_equal(som_data_n_missing(d), 2);
    assert_int_equal(som_data_set_row(d, 1, (float[]){4, 5, 6}, NULL, &err), SOM_OK);
    assert_int_equal(som_data_n_missing(d), 0);
    assert_null(som_data_mask(d));
    som_data_free(d);
}

static void test_labels(void **state)
{
    (void)state;
    som_error err;
    som_data *d = NULL;
    assert_int_equal(som_data_new(3, 1, &d, &err), SOM_OK);
    assert_int_equal(som_data_set_label(d, 1, "middle", &err), SOM_OK);
    assert_string_equal(som_data_label_title(d), "label");
    assert_string_equal(som_data_label(d, 0), "1");
    assert_string_equal(som_data_label(d, 1), "middle");
    assert_string_equal(som_data_label(d, 2), "3");
    assert_int_equal(som_data_set_label(d, 3, "x", &err), SOM_EINVAL);
    som_data_free(d);
}

static char *data_path(const char *name)
{
    static char path[1024];
    snprintf(path, sizeof path, "%s/%s", SOM_TEST_DATA_DIR, name);
    return path;
}

static void test_bundled_iris(void **state)
{
    (void)state;
    som_error err;
    som_data *d = NULL;
    int rc = som_data_read(data_path("iris.csv"), NULL, &d, &err);
    if (rc) print_error("%s\n", err.message);
    assert_int_equal(rc, SOM_OK);
    assert_int_equal(som_data_n_samples(d), 150);
    assert_int_equal(som_data_dim(d), 4);
    assert_string_equal(som_data_label_title(d), "species");
    assert_string_equal(som_data_title(d, 0), "sepal_length");
    assert_string_equal(som_data_title(d, 3), "petal_width");
    assert_string_equal(som_data_label(d, 0), "setosa");
    assert_string_equal(som_data_label(d, 50), "versicolor");
    assert_string_equal(som_data_label(d, 149), "virginica");
    assert_null(som_data_mask(d));
    /* Fisher's column sums (R's datasets::iris). */
    const double want[4] = {876.5, 458.6, 563.7, 179.9};
    for (size_t j = 0; j < 4; j++) {
        double s = 0;
        for (size_t i = 0; i < 150; i++) s += (double)som_data_row(d, i)[j];
        assert_true(fabs(s - want[j]) < 1e-3);
    }
    assert_int_equal(som_data_line(d, 0), 2);
    som_data_free(d);
}

static void test_bundled_colours(void **state)
{
    (void)state;
    som_error err;
    som_data *d = NULL;
    int rc = som_data_read(data_path("colours.csv"), NULL, &d, &err);
    if (rc) print_error("%s\n", err.message);
    assert_int_equal(rc, SOM_OK);
    assert_true(som_data_n_samples(d) >= 40);
    assert_int_equal(som_data_dim(d), 3);
    assert_string_equal(som_data_label_title(d), "name");
    assert_string_equal(som_data_title(d, 0), "red");
    assert_string_equal(som_data_title(d, 2), "blue");
    for (size_t i = 0; i < som_data_n_samples(d); i++)
        for (size_t j = 0; j < 3; j++) {
            float v = som_data_row(d, i)[j];
            assert_true(v >= 0.0f && v <= 255.0f && v == floorf(v));
        }
    som_data_free(d);
}

static void test_bundled_optim(void **state)
{
    (void)state;
    som_error err;
    som_data *d = NULL;
    int rc = som_data_read(data_path("optim.csv"), NULL, &d, &err);
    if (rc) print_error("%s\n", err.message);
    assert_int_equal(rc, SOM_OK);
    assert_int_equal(som_data_n_samples(d), 3000);
    assert_int_equal(som_data_dim(d), 13);
    assert_null(som_data_label_title(d));
    assert_null(som_data_label(d, 0));
    assert_int_equal(som_data_line(d, 0), 2);
    assert_int_equal(som_data_line(d, 2999), 3001);
    assert_string_equal(som_data_title(d, 0), "Profit");
    assert_true(som_data_find_title(d, "RiskPercent") == 12);
    assert_null(som_data_mask(d));
    som_data_free(d);
}

/* som_data_wrap: the caller's values are used where they lie, read by
 * training and mapping, and never freed; non-finite ones are refused. */
static void test_wrap(void **state)
{
    (void)state;
    som_error err;
    som_data *d = NULL;
    float v[6] = {1, 2, 3, 4, 5, 6};
    assert_int_equal(som_data_wrap(v, 0, 3, &d, &err), SOM_EINVAL);
    assert_int_equal(som_data_wrap(NULL, 2, 3, &d, &err), SOM_EINVAL);
    assert_int_equal(som_data_wrap(v, 2, 3, &d, &err), SOM_OK);
    assert_ptr_equal(som_data_values(d), v);
    assert_ptr_equal(som_data_row(d, 1), v + 3);
    assert_null(som_data_mask(d));
    assert_string_equal(som_data_title(d, 2), "3");
    assert_int_equal(som_data_set_title(d, 0, "a", &err), SOM_OK);
    som_grid g = {2, 2, SOM_RECT, 0};
    som_map *m = NULL;
    assert_int_equal(som_map_new(&g, 3, &m, &err), SOM_OK);
    som_train_opts o;
    som_train_opts_init(&o);
    o.epochs = 2;
    assert_int_equal(som_map_fit_scaling(m, d, SOM_SCALE_ZSCORE, &err), SOM_OK);
    assert_int_equal(som_map_train(m, d, &o, &err), SOM_OK);
    /* som_map_distances: each row's entry at its BMU is the BMU's distance */
    size_t units[2];
    float dist[2], all[2 * 4];
    assert_int_equal(som_map_bmus(m, d, units, dist, NULL, 1, &err), SOM_OK);
    assert_int_equal(som_map_distances(m, d, 0, 2, all, &err), SOM_OK);
    for (size_t i = 0; i < 2; i++) {
        assert_float_equal(all[i * 4 + units[i]], dist[i], 1e-6);
        for (size_t u = 0; u < 4; u++) assert_true(all[i * 4 + u] >= dist[i] - 1e-6f);
    }
    assert_int_equal(som_map_distances(m, d, 1, 2, all, &err), SOM_ERANGE);
    assert_string_equal(err.message, "rows 2 to 3 (counted from 1) are outside the data's 2 rows");
    som_map_free(m);
    som_data_free(d); /* frees nothing of v (ASan would tell) */
    assert_true(v[0] == 1.0f && v[5] == 6.0f); /* only read */
    v[4] = NAN;
    assert_int_equal(som_data_wrap(v, 2, 3, &d, &err), SOM_EINVAL);
    assert_null(d);
    assert_string_equal(err.message, "expected finite values, got NaN at row 2, column 2 "
                                     "(counted from 1): borrowed values cannot be missing");
    /* som_data_set_label_title: only over a label column, not empty */
    assert_int_equal(som_data_new(2, 1, &d, &err), SOM_OK);
    assert_int_equal(som_data_set_label_title(d, "species", &err), SOM_EINVAL);
    assert_int_equal(som_data_set_label(d, 0, "a", &err), SOM_OK);
    assert_string_equal(som_data_label_title(d), "label");
    assert_int_equal(som_data_set_label_title(d, "", &err), SOM_EINVAL);
    assert_int_equal(som_data_set_label_title(d, "species", &err), SOM_OK);
    assert_string_equal(som_data_label_title(d), "species");
    som_data_free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_new_and_accessors),
        cmocka_unit_test(test_set_row_and_mask),
        cmocka_unit_test(test_labels),
        cmocka_unit_test(test_wrap),
        cmocka_unit_test(test_bundled_iris),
        cmocka_unit_test(test_bundled_colours),
        cmocka_unit_test(test_bundled_optim),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
