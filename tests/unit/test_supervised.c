/* SPDX-License-Identifier: MIT */
/* Supervised maps: the species of iris is one-hot encoded, weighted 0 for
 * the winner search, and predicted for held-out rows with accuracy >= 0.9
 * (train on 100 rows, predict 50, fixed seed); a numeric target is
 * predicted with a small error. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "analysis/analysis.h"

static som_data *read_iris(void)
{
    som_data *d;
    som_error e;
    if (som_data_read(SOM_TEST_DATA_DIR "/iris.csv", NULL, &d, &e) != SOM_OK) fail_msg("%s", e.message);
    assert_int_equal(som_data_n_samples(d), 150);
    assert_string_equal(som_data_label_title(d), "species");
    return d;
}

/* Rows i % 3 == held (held out) or != held, with titles and labels: every
 * third row of the file (which lists the species in blocks) is held out. */
static som_data *subset(const som_data *d, int keep_held, int held)
{
    size_t n = som_data_n_samples(d), dim = som_data_dim(d), k = 0;
    for (size_t i = 0; i < n; i++) k += ((int)(i % 3) == held) == keep_held;
    som_data *s;
    assert_int_equal(som_data_new(k, dim, &s, NULL), SOM_OK);
    for (size_t j = 0; j < dim; j++)
        assert_int_equal(som_data_set_title(s, j, som_data_title(d, j), NULL), SOM_OK);
    size_t r = 0;
    for (size_t i = 0; i < n; i++) {
        if (((int)(i % 3) == held) != keep_held) continue;
        assert_int_equal(som_data_set_row(s, r, som_data_row(d, i), NULL, NULL), SOM_OK);
        assert_int_equal(som_data_set_label(s, r, som_data_label(d, i), NULL), SOM_OK);
        r++;
    }
    /* No public setter for the label column's title: a test may reach in. */
    som__free(s->label_title);
    s->label_title = som__strdup(som_data_label_title(d));
    return s;
}

static som_map *train_supervised(const som_data *train, double target_weight)
{
    size_t classes = 0;
    som_data *hot;
    assert_int_equal(som_data_one_hot_labels(train, &hot, &classes, NULL), SOM_OK);
    assert_int_equal(classes, 3);
    size_t dim = som_data_dim(hot);
    som_grid g;
    assert_int_equal(som_grid_auto(hot, SOM_SCALE_ZSCORE, SOM_HEX, 0, &g, NULL, NULL), SOM_OK);
    som_map *m;
    assert_int_equal(som_map_new(&g, dim, &m, NULL), SOM_OK);
    assert_int_equal(som_map_set_titles_from(m, hot), SOM_OK);
    double w[7] = {1, 1, 1, 1, target_weight, target_weight, target_weight};
    assert_int_equal(dim, 7);
    assert_int_equal(som_map_set_feature_weights(m, w, NULL), SOM_OK);
    assert_int_equal(som_map_fit_scaling(m, hot, SOM_SCALE_ZSCORE, NULL), SOM_OK);
    som_train_opts o;
    som_train_opts_init(&o);
    o.epochs = 20;
    o.seed = 1;
    assert_int_equal(som_map_train(m, hot, &o, NULL), SOM_OK);
    som_data_free(hot);
    return m;
}

static void iris_species_held_out(void **state)
{
    (void)state;
    som_data *iris = read_iris();
    som_data *train = subset(iris, 0, 0), *test = subset(iris, 1, 0);
    assert_int_equal(som_data_n_samples(train), 100);
    assert_int_equal(som_data_n_samples(test), 50);
    const double weights[2] = {0.0, 0.5};
    for (int k = 0; k < 2; k++) {
        som_map *m = train_supervised(train, weights[k]);
        size_t fields[4];
        int is_class;
        assert_int_equal(som_map_target_fields(m, "species", fields, 4, &is_class), 3);
        assert_true(is_class);
        assert_string_equal(som_map_title(m, fields[0]), "species=setosa");
        assert_string_equal(som_map_title(m, fields[2]), "species=virginica");

        som_target_eval ev;
        som_error e;
        if (som_map_eval_target(m, test, "species", &ev, 0, &e) != SOM_OK) fail_msg("%s", e.message);
        assert_true(ev.is_class);
        assert_int_equal(ev.n_rows, 50);
        printf("target weight %g: held-out accuracy %.3f (%zu of 50)\n", weights[k], ev.accuracy,
               ev.n_correct);
        assert_true(ev.accuracy >= 0.9);

        /* The same predictions one by one, from rows without any label. */
        const char *cls[50];
        assert_int_equal(som_map_predict_target(m, test, "species", NULL, cls, NULL, 0, NULL), SOM_OK);
        size_t right = 0;
        for (size_t i = 0; i < 50; i++) right += strcmp(cls[i], som_data_label(test, i)) == 0;
        assert_int_equal(right, ev.n_correct);
        som_map_free(m);
    }
    som_data_free(train);
    som_data_free(test);
    som_data_free(iris);
}

static void numeric_target(void **state)
{
    (void)state;
    som_data *iris = read_iris();
    som_data *train = subset(iris, 0, 1), *test = subset(iris, 1, 1);
    som_grid g = {6, 8, SOM_HEX, 0};
    som_map *m;
    assert_int_equal(som_map_new(&g, 4, &m, NULL), SOM_OK);
    assert_int_equal(som_map_set_titles_from(m, train), SOM_OK);
    long t = som_map_find_title(m, "petal_width");
    assert_true(t >= 0);
    double w[4] = {1, 1, 1, 1};
    w[t] = 0;
    assert_int_equal(som_map_set_feature_weights(m, w, NULL), SOM_OK);
    assert_int_equal(som_map_fit_scaling(m, train, SOM_SCALE_ZSCORE, NULL), SOM_OK);
    som_train_opts o;
    som_train_opts_init(&o);
    o.epochs = 20;
    assert_int_equal(som_map_train(m, train, &o, NULL), SOM_OK);
    som_target_eval ev;
    assert_int_equal(som_map_eval_target(m, test, "petal_width", &ev, 0, NULL), SOM_OK);
    assert_false(ev.is_class);
    assert_int_equal(ev.n_rows, 50);
    printf("petal_width: rmse %.3f, mae %.3f\n", ev.rmse, ev.mae);
    assert_true(ev.rmse < 0.4); /* the column's own spread is 0.76 */
    assert_true(ev.mae <= ev.rmse);
    float v[50];
    assert_int_equal(som_map_predict_target(m, test, "petal_width", v, NULL, NULL, 0, NULL), SOM_OK);
    for (size_t i = 0; i < 50; i++) assert_true(v[i] > -0.5f && v[i] < 3.0f);
    som_error e;
    assert_int_equal(som_map_eval_target(m, test, "no_such", &ev, 0, &e), SOM_EINVAL);
    assert_non_null(strstr(e.message, "no_such"));
    som_map_free(m);
    som_data_free(train);
    som_data_free(test);
    som_data_free(iris);
}

static void one_hot_encoding(void **state)
{
    (void)state;
    som_data *d;
    assert_int_equal(som_data_new(4, 1, &d, NULL), SOM_OK);
    const char *labels[4] = {"b", "a", "", "b"};
    for (size_t i = 0; i < 4; i++) {
        float x = (float)i;
        assert_int_equal(som_data_set_row(d, i, &x, NULL, NULL), SOM_OK);
        assert_int_equal(som_data_set_label(d, i, labels[i], NULL), SOM_OK);
    }
    som_data *h;
    size_t k;
    assert_int_equal(som_data_one_hot_labels(d, &h, &k, NULL), SOM_OK);
    assert_int_equal(k, 2);
    assert_int_equal(som_data_dim(h), 3);
    assert_string_equal(som_data_title(h, 1), "label=a");
    assert_string_equal(som_data_title(h, 2), "label=b");
    assert_true(som_data_row(h, 0)[1] == 0.0f && som_data_row(h, 0)[2] == 1.0f);
    assert_true(som_data_row(h, 1)[1] == 1.0f && som_data_row(h, 1)[2] == 0.0f);
    /* The unlabelled row has its class fields missing, the others none. */
    assert_int_equal(som_data_n_missing(h), 2);
    assert_int_equal(som_data_row_mask(h, 2)[0], 1);
    assert_int_equal(som_data_row_mask(h, 2)[1], 0);
    assert_null(memchr(som_data_row_mask(h, 3), 0, 3));
    assert_string_equal(som_data_label(h, 3), "b");
    som_data_free(h);
    som_data *plain;
    assert_int_equal(som_data_new(2, 1, &plain, NULL), SOM_OK);
    assert_int_equal(som_data_one_hot_labels(plain, &h, NULL, NULL), SOM_EINVAL);
    som_data_free(plain);
    som_data_free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(iris_species_held_out),
        cmocka_unit_test(numeric_target),
        cmocka_unit_test(one_hot_encoding),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
