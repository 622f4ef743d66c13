/* SPDX-License-Identifier: MIT */
/* test_npy.c — the NumPy .npy reader, on files built byte by byte here. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "som.h"

/* Builds a .npy image: header dict `dict` padded so the data starts on a
 * 64-byte boundary (as numpy does), then `nbytes` of payload. */
static unsigned char *make_npy(int major, const char *dict, const void *payload, size_t nbytes,
                               size_t *len)
{
    size_t pre = major == 1 ? 10 : 12;
    size_t dlen = strlen(dict);
    size_t hlen = dlen + 1;
    while ((pre + hlen) % 64) hlen++;
    *len = pre + hlen + nbytes;
    unsigned char *b = malloc(*len);
    assert_non_null(b);
    memcpy(b, "\x93NUMPY", 6);
    b[6] = (unsigned char)major;
    b[7] = 0;
    if (major == 1) {
        b[8] = (unsigned char)(hlen & 0xff);
        b[9] = (unsigned char)(hlen >> 8);
    } else {
        b[8] = (unsigned char)(hlen & 0xff);
        b[9] = (unsigned char)(hlen >> 8);
        b[10] = (unsigned char)(hlen >> 16);
        b[11] = (unsigned char)(hlen >> 24);
    }
    memcpy(b + pre, dict, dlen);
    memset(b + pre + dlen, ' ', hlen - dlen - 1);
    b[pre + hlen - 1] = '\n';
    if (nbytes) memcpy(b + pre + hlen, payload, nbytes);
    return b;
}

static som_data *load_ok(const unsigned char *b, size_t len)
{
    som_error err;
    som_data *d = NULL;
    int rc = som_data_read_npy_mem(b, len, "t.npy", &d, &err);
    if (rc != SOM_OK) print_error("%s\n", err.message);
    assert_int_equal(rc, SOM_OK);
    return d;
}

static void load_fails(const unsigned char *b, size_t len, int code, const char *needle)
{
    som_error err;
    som_data *d = (som_data *)1;
    int rc = som_data_read_npy_mem(b, len, "t.npy", &d, &err);
    if (rc != code || !strstr(err.message, needle))
        print_error("got %s: %s (wanted '%s')\n", som_err_name(rc), err.message, needle);
    assert_int_equal(rc, code);
    assert_null(d);
    assert_int_equal(strncmp(err.message, "t.npy: ", 7), 0);
    assert_non_null(strstr(err.message, needle));
}

static void test_f4_2d(void **state)
{
    (void)state;
    float v[6] = {1.5f, -2, 3, 4, 5.25f, 1e-30f};
    size_t len;
    unsigned char *b = make_npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 2), }", v,
                                sizeof v, &len);
    som_data *d = load_ok(b, len);
    assert_int_equal(som_data_n_samples(d), 3);
    assert_int_equal(som_data_dim(d), 2);
    assert_memory_equal(som_data_values(d), v, sizeof v);
    assert_null(som_data_mask(d));
    assert_string_equal(som_data_title(d, 0), "1");
    assert_string_equal(som_data_title(d, 1), "2");
    assert_null(som_data_label_title(d));
    assert_int_equal(som_data_line(d, 2), 3);
    som_data_free(d);
    free(b);
}

static void test_f8_1d_and_versions(void **state)
{
    (void)state;
    double v[4] = {0.1, -1e10, 3.0, 1e-3};
    for (int major = 1; major <= 3; major++) {
        size_t len;
        unsigned char *b = make_npy(major, "{'descr': '<f8', 'fortran_order': False, 'shape': (4,), }",
                                    v, sizeof v, &len);
        som_data *d = load_ok(b, len);
        assert_int_equal(som_data_n_samples(d), 4);
        assert_int_equal(som_data_dim(d), 1);
        for (size_t i = 0; i < 4; i++) assert_true(som_data_row(d, i)[0] == (float)v[i]);
        som_data_free(d);
        free(b);
    }
}

static void test_nan_is_missing(void **state)
{
    (void)state;
    float v[4] = {1, NAN, 3, 4};
    size_t len;
    unsigned char *b = make_npy(1, "{\"descr\":\"<f4\",\"fortran_order\":False,\"shape\":(2,2)}", v,
                                sizeof v, &len);
    som_data *d = load_ok(b, len);
    assert_int_equal(som_data_n_missing(d), 1);
    assert_non_null(som_data_mask(d));
    assert_int_equal(som_data_row_mask(d, 0)[1], 0);
    assert_true(som_data_row(d, 0)[1] == 0.0f);
    som_data_free(d);
    free(b);
}

static void test_errors(void **state)
{
    (void)state;
    float v[4] = {1, 2, 3, 4};
    size_t len;
    unsigned char *b;

    load_fails((const unsigned char *)"hello world, not npy", 20, SOM_EFORMAT, "magic");

    b = make_npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }", v, sizeof v, &len);
    load_fails(b, len - 1, SOM_EFORMAT, "truncated");
    load_fails(b, 40, SOM_EFORMAT, "header of");
    b[6] = 4;
    load_fails(b, len, SOM_EVERSION, "4.0");
    free(b);

    b = make_npy(1, "{'descr': '>f4', 'fortran_order': False, 'shape': (2, 2), }", v, sizeof v, &len);
    load_fails(b, len, SOM_ENOTSUP, "big-endian");
    free(b);
    b = make_npy(1, "{'descr': '<i4', 'fortran_order': False, 'shape': (2, 2), }", v, sizeof v, &len);
    load_fails(b, len, SOM_ENOTSUP, "'<i4'");
    free(b);
    b = make_npy(1, "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,), }", v, 8, &len);
    load_fails(b, len, SOM_ENOTSUP, "structured");
    free(b);
    b = make_npy(1, "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", v, sizeof v, &len);
    load_fails(b, len, SOM_ENOTSUP, "fortran_order");
    free(b);
    b = make_npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2, 2), }", v, sizeof v, &len);
    load_fails(b, len, SOM_ENOTSUP, "3 dimensions");
    free(b);
    b = make_npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (0, 2), }", v, 0, &len);
    load_fails(b, len, SOM_EEMPTY, "(0, 2)");
    free(b);
    b = make_npy(1, "{'descr': '<f4', 'shape': (2, 2), }", v, sizeof v, &len);
    load_fails(b, len, SOM_EFORMAT, "fortran_order");
    free(b);
    b = make_npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2) ", v, sizeof v, &len);
    load_fails(b, len, SOM_EFORMAT, "header dict");
    free(b);
    /* A shape whose byte count overflows size_t must not allocate. */
    b = make_npy(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (4611686018427387904, 8), }",
                 v, sizeof v, &len);
    load_fails(b, len, SOM_EFORMAT, "truncated");
    free(b);
    b = make_npy(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999999999999999, 8), }",
                 v, sizeof v, &len);
    load_fails(b, len, SOM_EFORMAT, "shape");
    free(b);

    float inf[4] = {1, 2, 3, INFINITY};
    b = make_npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }", inf, sizeof inf, &len);
    load_fails(b, len, SOM_EFORMAT, "row 2, column 2");
    free(b);
    double big[2] = {1, 1e300};
    b = make_npy(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", big, sizeof big, &len);
    load_fails(b, len, SOM_EFORMAT, "row 2, column 1");
    free(b);
    float nan_row[4] = {1, 2, NAN, NAN};
    b = make_npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }", nan_row,
                 sizeof nan_row, &len);
    load_fails(b, len, SOM_EFORMAT, "row 2");
    free(b);
}

static void test_read_by_name(void **state)
{
    (void)state;
    float v[2] = {7, 8};
    size_t len;
    unsigned char *b = make_npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2), }", v,
                                sizeof v, &len);
    char dir[] = "/tmp/som_test_npy_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[64];
    snprintf(path, sizeof path, "%s/a.npy", dir);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(b, 1, len, f), len);
    fclose(f);
    som_error err;
    som_data *d = NULL;
    assert_int_equal(som_data_read(path, NULL, &d, &err), SOM_OK);
    assert_int_equal(som_data_dim(d), 2);
    assert_true(som_data_row(d, 0)[1] == 8.0f);
    som_data_free(d);
    unlink(path);
    rmdir(dir);
    free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_f4_2d),
        cmocka_unit_test(test_f8_1d_and_versions),
        cmocka_unit_test(test_nan_is_missing),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_read_by_name),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
