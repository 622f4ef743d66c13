/* SPDX-License-Identifier: MIT */
/* test_esom.c — Databionic ESOM / Somoclu files: .lrn and .cls in, .lrn
 * and .wts round trips, .umx equal to the U-matrix, .bm best matches, and
 * malformed input named by line and column. The golden files under
 * tests/golden/ were written by hand from the formats' descriptions. */
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

#include "io/io.h"

static char dir[64];

static int setup(void **state)
{
    (void)state;
    strcpy(dir, "/tmp/som-esom-XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static const char *tmp(const char *name)
{
    static char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return path;
}

static void check_lrn(const som_data *d)
{
    assert_int_equal(som_data_n_samples(d), 4);
    assert_int_equal(som_data_dim(d), 3); /* the "note" column is ignored */
    assert_string_equal(som_data_title(d, 0), "length");
    assert_string_equal(som_data_title(d, 1), "width");
    assert_string_equal(som_data_title(d, 2), "depth");
    assert_string_equal(som_data_label_title(d), "Key");
    assert_string_equal(som_data_label(d, 2), "5");
    const float *x = som_data_values(d);
    assert_true(x[0] == 1.5f && x[1] == 2.0f && x[2] == -3.0f && x[4] == 0.25f && x[5] == 400.0f);
    assert_int_equal(som_data_n_missing(d), 1);
    assert_int_equal(som_data_row_mask(d, 1)[0], 0);
}

static void test_lrn(void **state)
{
    (void)state;
    som_data *d = NULL, *back = NULL;
    som_error err;
    assert_int_equal(som_data_read(SOM_TEST_GOLDEN_DIR "/esom-data.lrn", NULL, &d, &err), SOM_OK);
    check_lrn(d);
    assert_int_equal(som_data_write_lrn(d, tmp("d.lrn"), &err), SOM_OK);
    assert_int_equal(som_data_read_lrn(tmp("d.lrn"), &back, &err), SOM_OK);
    check_lrn(back);
    som_data_free(back);
    /* Classes by key; key 5 has none: class 0. */
    assert_int_equal(som_data_read_cls(d, SOM_TEST_GOLDEN_DIR "/esom-data.cls", &err), SOM_OK);
    assert_string_equal(som_data_label(d, 0), "1");
    assert_string_equal(som_data_label(d, 1), "1");
    assert_string_equal(som_data_label(d, 2), "0");
    assert_string_equal(som_data_label(d, 3), "3");
    assert_string_equal(som_data_label_title(d), "class");
    som_data_free(d);
}

static void test_wts_umx_bm(void **state)
{
    (void)state;
    som_map *m = NULL, *back = NULL;
    som_error err;
    assert_int_equal(som_map_load_any(SOM_TEST_GOLDEN_DIR "/esom-2x3.wts", &m, &err), SOM_OK);
    assert_int_equal(som_map_grid(m)->rows, 2);
    assert_int_equal(som_map_grid(m)->cols, 3);
    for (size_t u = 0; u < 6; u++) {
        float w[2];
        som_map_unit_weights(m, u, w);
        assert_true(w[0] == (float)(u / 3) && w[1] == (float)(u % 3));
    }
    som_map_free(m);
    /* A trained, scaled hex map: .wts round trip keeps every weight. */
    som_grid g = {4, 3, SOM_HEX, 0};
    som_data *d = NULL;
    assert_int_equal(som_data_new(25, 2, &d, NULL), SOM_OK);
    for (size_t i = 0; i < 25; i++) {
        float x[2] = {(float)i / 7.0f, (float)(i * i % 11)};
        assert_int_equal(som_data_set_row(d, i, x, NULL, NULL), SOM_OK);
    }
    assert_int_equal(som_map_new(&g, 2, &m, NULL), SOM_OK);
    assert_int_equal(som_map_fit_scaling(m, d, SOM_SCALE_MINMAX, NULL), SOM_OK);
    som_train_opts o;
    som_train_opts_init(&o);
    o.epochs = 3;
    assert_int_equal(som_map_train(m, d, &o, NULL), SOM_OK);
    assert_int_equal(som_map_save_any(m, tmp("m.wts"), &err), SOM_OK);
    assert_int_equal(som_map_load_any(tmp("m.wts"), &back, &err), SOM_OK);
    for (size_t u = 0; u < 12; u++) {
        float a[2], b[2];
        som_map_unit_weights(m, u, a);
        som_map_unit_weights(back, u, b);
        assert_memory_equal(a, b, sizeof a);
    }
    som_map_free(back);
    /* .umx: the same doubles as som_map_umatrix, row by row. */
    assert_int_equal(som_map_write_umx(m, tmp("m.umx"), &err), SOM_OK);
    double u[12];
    som_map_umatrix(m, u);
    FILE *f = fopen(tmp("m.umx"), "r");
    assert_non_null(f);
    size_t rows, cols;
    assert_int_equal(fscanf(f, "%% %zu %zu", &rows, &cols), 2);
    assert_true(rows == 4 && cols == 3);
    for (size_t k = 0; k < 12; k++) {
        double v;
        assert_int_equal(fscanf(f, "%lf", &v), 1);
        assert_true(v == u[k]);
    }
    fclose(f);
    /* .bm: key, row, col of every sample's BMU. */
    size_t units[25];
    assert_int_equal(som_map_bmus(m, d, units, NULL, NULL, 1, NULL), SOM_OK);
    assert_int_equal(som_map_write_bm(m, d, tmp("m.bm"), 1, &err), SOM_OK);
    f = fopen(tmp("m.bm"), "r");
    size_t n;
    assert_int_equal(fscanf(f, "%% %zu %zu %% %zu", &rows, &cols, &n), 3);
    assert_int_equal(n, 25);
    for (size_t i = 0; i < 25; i++) {
        size_t key, r, c;
        assert_int_equal(fscanf(f, "%zu %zu %zu", &key, &r, &c), 3);
        assert_int_equal(key, i + 1);
        assert_int_equal(r * 3 + c, units[i]);
    }
    fclose(f);
    som_map_free(m);
    som_data_free(d);
}

static void expect_error(int lrn, const char *text, size_t line, size_t column, const char *phrase)
{
    som_error err;
    int rc;
    if (lrn) {
        som_data *d = NULL;
        rc = som_data_read_lrn_mem(text, strlen(text), "t.lrn", &d, &err);
        assert_null(d);
    } else {
        som_map *m = NULL;
        rc = som_map_load_wts_mem(text, strlen(text), "t.wts", &m, &err);
        assert_null(m);
    }
    assert_int_equal(rc, SOM_EFORMAT);
    assert_int_equal(err.line, line);
    assert_int_equal(err.column, column);
    if (!strstr(err.message, phrase)) fail_msg("'%s' lacks '%s'", err.message, phrase);
}

static void test_errors(void **state)
{
    (void)state;
    expect_error(1, "1\t2\n", 1, 0, "'%' header lines");
    expect_error(1, "% 1\n% 2\n% 9\t7x\n1\t2\n", 3, 5, "column type");
    expect_error(1, "% 1\n% 2\n% 9\t1\n1\tabc\n", 4, 3, "column 2: expected a number");
    expect_error(1, "% 1\n% 3\n% 9\t1\t1\n1\t2\n", 4, 4, "expected 3 columns, got 2");
    expect_error(1, "% 2\n% 2\n% 9\t1\n1\t2\n", 4, 0, "announces 2 rows");
    expect_error(1, "% 1\n% 2\n% 0\t0\n", 3, 0, "no data column");
    expect_error(0, "% 2 x\n% 1\n", 1, 5, "rows columns");
    expect_error(0, "% 1 2\n% 2\n1 2\n3 z\n", 4, 3, "unit 1, weight 2");
    expect_error(0, "% 1 2\n% 2\n1 2\n", 4, 0, "ends after 1 of the 2 units");
    expect_error(0, "% 1 1\n% 2\n1 2 3\n", 3, 5, "more than 2 weights");
    /* Found by fuzz_esom: a header must not make the reader allocate more
     * than the file can hold. */
    expect_error(0, "% 30000 30000\n% 1000\n1 2\n", 1, 0, "more weights than the 4 bytes");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lrn),
        cmocka_unit_test(test_wts_umx_bm),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
