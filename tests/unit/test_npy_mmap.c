/* SPDX-License-Identifier: MIT */
/* test_npy_mmap.c — large inputs: .npy files memory-mapped (float32 used in
 * place, float64 converted), shares of rows, the .npy writer, CSV to .npy
 * in blocks, and recognition that streams blocks of rows (same answers as
 * over a whole scaled copy). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/io.h"

static char dir[] = "/tmp/som_test_npy_mmap_XXXXXX";

static int setup(void **state)
{
    (void)state;
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static void path_of(char *out, size_t size, const char *name)
{
    snprintf(out, size, "%s/%s", dir, name);
}

static unsigned char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *b = malloc((size_t)n + 1);
    assert_non_null(b);
    assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return b;
}

static void spit(const char *path, const void *b, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(b, 1, len, f), len);
    fclose(f);
}

/* n x dim values from a small generator; every 7th cell of rows 3.. NaN
 * when `gaps`. */
static som_data *make(size_t n, size_t dim, int gaps)
{
    som_data *d;
    assert_int_equal(som_data_new(n, dim, &d, NULL), SOM_OK);
    float *row = malloc(dim * sizeof *row);
    uint32_t s = 12345;
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < dim; j++) {
            s = s * 1664525u + 1013904223u;
            row[j] = (float)(s >> 8) / 16777216.0f * 10.0f + (float)(i % 5) * 3.0f;
            if (gaps && i >= 3 && (i * dim + j) % 7 == 0 && j > 0) row[j] = NAN;
        }
        assert_int_equal(som_data_set_row(d, i, row, NULL, NULL), SOM_OK);
    }
    free(row);
    return d;
}

static void assert_same_data(const som_data *a, const som_data *b)
{
    assert_int_equal(som_data_n_samples(a), som_data_n_samples(b));
    assert_int_equal(som_data_dim(a), som_data_dim(b));
    size_t cells = som_data_n_samples(a) * som_data_dim(a);
    assert_memory_equal(som_data_values(a), som_data_values(b), cells * sizeof(float));
    assert_int_equal(som_data_n_missing(a), som_data_n_missing(b));
    if (som_data_mask(a)) {
        assert_non_null(som_data_mask(b));
        assert_memory_equal(som_data_mask(a), som_data_mask(b), cells);
    } else {
        assert_null(som_data_mask(b));
    }
}

/* float32 written, mapped back: the same values, no mask without NaN; the
 * file unchanged by NaN handling and by training that scales in place. */
static void test_f4_mapped_roundtrip(void **state)
{
    (void)state;
    char path[256];
    for (int gaps = 0; gaps <= 1; gaps++) {
        path_of(path, sizeof path, gaps ? "gaps.npy" : "full.npy");
        som_data *d = make(300, 5, gaps);
        som_error err;
        assert_int_equal(som_data_write_npy(d, path, &err), SOM_OK);
        size_t len0;
        unsigned char *before = slurp(path, &len0);
        assert_int_equal(len0, 128 + 300 * 5 * 4);

        som_data *m = NULL;
        assert_int_equal(som_data_read_npy(path, &m, &err), SOM_OK);
        assert_same_data(d, m);
        assert_true(gaps ? som_data_mask(m) != NULL : som_data_mask(m) == NULL);
        size_t n, dim;
        assert_int_equal(som_npy_shape(path, &n, &dim, &err), SOM_OK);
        assert_int_equal(n, 300);
        assert_int_equal(dim, 5);

        /* Training scales the mapped values in place: the same model as
         * from a copy, and the file stays as it was. */
        som_grid g = {4, 5, SOM_RECT, 0};
        som_map *a, *b;
        assert_int_equal(som_map_new(&g, 5, &a, NULL), SOM_OK);
        assert_int_equal(som_map_new(&g, 5, &b, NULL), SOM_OK);
        assert_int_equal(som_map_fit_scaling(a, d, SOM_SCALE_ZSCORE, NULL), SOM_OK);
        assert_int_equal(som_map_fit_scaling(b, m, SOM_SCALE_ZSCORE, NULL), SOM_OK);
        som_train_opts o;
        som_train_opts_init(&o);
        o.epochs = 3;
        assert_int_equal(som_map_train(a, d, &o, NULL), SOM_OK);
        assert_int_equal(som_map_train_inplace(b, m, &o, NULL), SOM_OK);
        assert_memory_equal(som_map_codebook(a), som_map_codebook(b), 20 * 5 * sizeof(float));
        som_data_free(m);
        size_t len1;
        unsigned char *after = slurp(path, &len1);
        assert_int_equal(len0, len1);
        assert_memory_equal(before, after, len0);
        free(before);
        free(after);
        som_map_free(a);
        som_map_free(b);
        som_data_free(d);
    }
}

/* Shares of the rows: together they are the whole, each the right rows. */
static void test_rows(void **state)
{
    (void)state;
    char path[256];
    path_of(path, sizeof path, "rows.npy");
    som_data *d = make(101, 3, 1);
    assert_int_equal(som_data_write_npy(d, path, NULL), SOM_OK);
    som_data *whole = NULL;
    assert_int_equal(som_data_read_npy(path, &whole, NULL), SOM_OK);
    size_t cuts[] = {0, 1, 40, 77, 101};
    for (size_t k = 0; k + 1 < sizeof cuts / sizeof *cuts; k++) {
        som_data *s = NULL;
        som_error err;
        size_t first = cuts[k], count = cuts[k + 1] - cuts[k];
        assert_int_equal(som_data_read_npy_rows(path, first, count, &s, &err), SOM_OK);
        assert_int_equal(som_data_n_samples(s), count);
        assert_memory_equal(som_data_values(s), som_data_row(whole, first), count * 3 * sizeof(float));
        for (size_t i = 0; i < count; i++) {
            const uint8_t *a = som_data_row_mask(whole, first + i), *b = som_data_row_mask(s, i);
            for (size_t j = 0; j < 3; j++) assert_int_equal(a ? a[j] : 1, b ? b[j] : 1);
        }
        som_data_free(s);
    }
    som_error err;
    som_data *s = (som_data *)1;
    assert_int_equal(som_data_read_npy_rows(path, 100, 2, &s, &err), SOM_ERANGE);
    assert_null(s);
    assert_non_null(strstr(err.message, "rows 101 to 102"));
    assert_int_equal(som_data_read_npy_rows(path, 0, 0, &s, &err), SOM_EINVAL);

    /* A truncated file: the shares before the cut still read; the share
     * that runs past it names its rows. */
    size_t len;
    unsigned char *b = slurp(path, &len);
    char cut[256];
    path_of(cut, sizeof cut, "cut.npy");
    spit(cut, b, len - 4 * 3 * 10);
    assert_int_equal(som_data_read_npy_rows(cut, 0, 50, &s, &err), SOM_OK);
    som_data_free(s);
    assert_int_equal(som_data_read_npy_rows(cut, 50, 51, &s, &err), SOM_EFORMAT);
    assert_non_null(strstr(err.message, "cannot read rows 51 to 101"));
    assert_int_equal(strncmp(err.message, cut, strlen(cut)), 0);
    assert_int_equal(som_data_read_npy(cut, &s, &err), SOM_EFORMAT);
    assert_non_null(strstr(err.message, "truncated"));
    /* Messages count rows in the file, not in the share. */
    float inf_row[3] = {1, INFINITY, 3};
    memcpy(b + 128 + 60 * 12, inf_row, sizeof inf_row);
    spit(cut, b, len);
    assert_int_equal(som_data_read_npy_rows(cut, 50, 20, &s, &err), SOM_EFORMAT);
    assert_non_null(strstr(err.message, "row 61, column 2"));
    /* A wrong header. */
    memcpy(b, "\x93NUMPX", 6);
    spit(cut, b, len);
    assert_int_equal(som_npy_shape(cut, &len, &len, &err), SOM_EFORMAT);
    assert_non_null(strstr(err.message, "magic"));
    assert_int_equal(som_data_read_npy_rows(cut, 0, 1, &s, &err), SOM_EFORMAT);
    free(b);
    som_data_free(whole);
    som_data_free(d);
}

/* float64: converted to float32 as read. */
static void test_f8(void **state)
{
    (void)state;
    char path[256];
    path_of(path, sizeof path, "f8.npy");
    unsigned char head[128];
    memset(head, ' ', sizeof head);
    memcpy(head, "\x93NUMPY\x01\x00\x76\x00", 10);
    const char *dict = "{'descr': '<f8', 'fortran_order': False, 'shape': (3, 2), }";
    memcpy(head + 10, dict, strlen(dict));
    head[127] = '\n';
    double v[6] = {0.1, -2.5, NAN, 4, 1e-3, 7};
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fwrite(head, 1, sizeof head, f);
    fwrite(v, sizeof v[0], 6, f);
    fclose(f);
    som_data *d = NULL;
    assert_int_equal(som_data_read_npy(path, &d, NULL), SOM_OK);
    assert_true(som_data_row(d, 0)[0] == (float)0.1);
    assert_true(som_data_row(d, 2)[1] == 7.0f);
    assert_int_equal(som_data_n_missing(d), 1);
    assert_int_equal(som_data_row_mask(d, 1)[0], 0);
    som_data_free(d);
    assert_int_equal(som_data_read_npy_rows(path, 1, 2, &d, NULL), SOM_OK);
    assert_true(som_data_row(d, 0)[1] == 4.0f);
    som_data_free(d);
}

/* CSV to .npy a block at a time: the same values and gaps as reading the
 * CSV whole, over several blocks; errors name the CSV's line and leave no
 * file. */
static void test_convert_csv(void **state)
{
    (void)state;
    char csv[256], npy[256];
    path_of(csv, sizeof csv, "big.csv");
    path_of(npy, sizeof npy, "big.npy");
    const size_t n = 3 * SOM__CSV_BLOCK_ROWS + 17;
    FILE *f = fopen(csv, "w");
    assert_non_null(f);
    fputs("name,a,b,c\n", f);
    for (size_t i = 0; i < n; i++) {
        if (i > SOM__CSV_BLOCK_ROWS && i % 1001 == 0)
            fprintf(f, "r%zu,%zu.5,,%zu\n", i, i, i % 13);
        else
            fprintf(f, "r%zu,%zu.5,%g,%zu\n", i, i, (double)i * 0.25, i % 13);
    }
    fclose(f);
    size_t rows = 0, dim = 0;
    int labels = 0;
    som_error err;
    assert_int_equal(som_data_convert_csv_npy(csv, npy, NULL, &rows, &dim, &labels, &err), SOM_OK);
    assert_int_equal(rows, n);
    assert_int_equal(dim, 3);
    assert_int_equal(labels, 1);
    som_data *a = NULL, *b = NULL;
    assert_int_equal(som_data_read_csv(csv, NULL, &a, NULL), SOM_OK);
    assert_int_equal(som_data_read_npy(npy, &b, NULL), SOM_OK);
    assert_same_data(a, b);
    som_data_free(a);
    som_data_free(b);

    /* A ragged row deep in the file. */
    f = fopen(csv, "a");
    fputs("x,1,2\n", f);
    fclose(f);
    char npy2[256];
    path_of(npy2, sizeof npy2, "bad.npy");
    assert_int_equal(som_data_convert_csv_npy(csv, npy2, NULL, NULL, NULL, NULL, &err), SOM_EFORMAT);
    char where[64];
    snprintf(where, sizeof where, ":%zu:4: expected 4 fields, got 3", n + 2);
    if (!strstr(err.message, where)) print_error("%s\n", err.message);
    assert_non_null(strstr(err.message, where));
    struct stat st;
    assert_int_not_equal(stat(npy2, &st), 0);
    assert_int_equal(som_data_convert_csv_npy(csv, "-", NULL, NULL, NULL, NULL, &err), SOM_EINVAL);
}

/* Recognition streams blocks of rows: BMUs, distances, quality and
 * prediction over more than one block equal those over a whole scaled
 * copy. */
static void test_streaming_recognition(void **state)
{
    (void)state;
    const size_t n = 2 * SOM__STREAM_ROWS + 333, dim = 4;
    som_data *d = make(n, dim, 1);
    som_grid g = {5, 6, SOM_HEX, 0};
    som_map *m;
    assert_int_equal(som_map_new(&g, dim, &m, NULL), SOM_OK);
    assert_int_equal(som_map_fit_scaling(m, d, SOM_SCALE_ZSCORE, NULL), SOM_OK);
    som_train_opts o;
    som_train_opts_init(&o);
    o.epochs = 2;
    assert_int_equal(som_map_train(m, d, &o, NULL), SOM_OK);

    som_scaled sx;
    assert_int_equal(som__scaled_init(&sx, m, d, NULL), SOM_OK);
    size_t *u0 = calloc(n, sizeof *u0), *s0 = calloc(n, sizeof *s0), *u1 = calloc(n, sizeof *u1);
    size_t *s1 = calloc(n, sizeof *s1);
    double *d0 = calloc(n, sizeof *d0);
    float *f1 = calloc(n, sizeof *f1);
    assert_int_equal(som__map_bmus_scaled(m, sx.x, sx.mask, n, u0, d0, s0, 2, NULL), SOM_OK);
    assert_int_equal(som_map_bmus(m, d, u1, f1, s1, 2, NULL), SOM_OK);
    assert_memory_equal(u0, u1, n * sizeof *u0);
    assert_memory_equal(s0, s1, n * sizeof *s0);
    for (size_t i = 0; i < n; i++) assert_true(f1[i] == (float)sqrt(d0[i]));

    double qe, te;
    som__quality_from_bmus(&g, d0, u0, s0, n, &qe, &te);
    som_quality q;
    assert_int_equal(som_map_quality(m, d, &q, NULL, 2, NULL), SOM_OK);
    assert_true(q.qe == qe);
    assert_true(q.te == te);

    /* Prediction: the gaps filled from the same units as a search over the
     * whole scaled copy finds. */
    som_data *p = make(n, dim, 1);
    size_t *up = calloc(n, sizeof *up);
    assert_int_equal(som_map_predict(m, p, NULL, up, 2, NULL), SOM_OK);
    assert_memory_equal(u0, up, n * sizeof *u0);
    assert_null(som_data_mask(p));
    float w[4];
    for (size_t i = 0; i < n; i++) {
        const uint8_t *mk = som_data_row_mask(d, i);
        som_map_unit_weights(m, u0[i], w);
        for (size_t j = 0; j < dim; j++)
            assert_true(som_data_row(p, i)[j] == (mk && !mk[j] ? w[j] : som_data_row(d, i)[j]));
    }
    som__scaled_free(&sx);
    free(u0);
    free(s0);
    free(u1);
    free(s1);
    free(d0);
    free(f1);
    free(up);
    som_data_free(p);
    som_data_free(d);
    som_map_free(m);
}

/* Data already in the model's order is recognised as such (no copy). */
static void test_in_order(void **state)
{
    (void)state;
    som_grid g = {2, 2, SOM_RECT, 0};
    som_map *m;
    assert_int_equal(som_map_new(&g, 3, &m, NULL), SOM_OK);
    som_data *d = make(4, 3, 0);
    assert_int_equal(som_map_data_in_order(m, d), 1); /* "1","2","3" both */
    som_map_set_title(m, 0, "a", NULL);
    som_map_set_title(m, 1, "b", NULL);
    som_map_set_title(m, 2, "c", NULL);
    assert_int_equal(som_map_data_in_order(m, d), 1); /* none matches: by position */
    som_data_set_title(d, 0, "b", NULL);
    assert_int_equal(som_map_data_in_order(m, d), 0);
    som_data_set_title(d, 0, "a", NULL);
    som_data_set_title(d, 1, "b", NULL);
    som_data_set_title(d, 2, "c", NULL);
    assert_int_equal(som_map_data_in_order(m, d), 1);
    som_data_free(d);
    d = make(4, 2, 0);
    assert_int_equal(som_map_data_in_order(m, d), 0);
    som_data_free(d);
    som_map_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_f4_mapped_roundtrip),
        cmocka_unit_test(test_rows),
        cmocka_unit_test(test_f8),
        cmocka_unit_test(test_convert_csv),
        cmocka_unit_test(test_streaming_recognition),
        cmocka_unit_test(test_in_order),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
