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
#include <zlib.h>

#include "io/io.h"

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


/* ---- data files ------------------------------------------------------------------ */

static void check_golden_data(const som_data *d)
{
    assert_int_equal(som_data_n_samples(d), 4);
    assert_int_equal(som_data_dim(d), 3);
    assert_string_equal(som_data_title(d, 0), "height");
    assert_string_equal(som_data_title(d, 2), "depth");
    const float *x = som_data_values(d);
    assert_true(x[0] == 1.5f && x[1] == 2.0f && x[2] == -3.0f);
    assert_true(x[4] == 0.25f && x[5] == 400.0f);
    assert_int_equal(som_data_n_missing(d), 3);
    const uint8_t *mk = som_data_mask(d);
    const uint8_t want[12] = {1, 1, 1, 0, 1, 1, 1, 0, 0, 1, 1, 1};
    assert_memory_equal(mk, want, 12);
    assert_string_equal(som_data_label(d, 0), "small");
    assert_string_equal(som_data_label(d, 1), "big one");
    assert_string_equal(som_data_label(d, 2), "");
    const double *w = som_data_weights(d);
    assert_non_null(w);
    assert_true(w[0] == 1.0 && w[1] == 2.5 && w[2] == 1.0 && w[3] == 0.0);
    size_t r, c;
    assert_int_equal(som_data_fixed(d, 0, &r, &c), 0);
    assert_int_equal(som_data_fixed(d, 2, &r, &c), 1);
    assert_true(r == 1 && c == 2); /* fixed=X,Y: x is the column */
    assert_int_equal(som_data_fixed(d, 3, &r, &c), 1);
    assert_true(r == 0 && c == 0);
}

static void test_data_golden(void **state)
{
    (void)state;
    som_data *d = NULL;
    som_error err;
    const char *path = SOM_TEST_GOLDEN_DIR "/sompak-data.dat";
    assert_int_equal(som_data_read(path, NULL, &d, &err), SOM_OK);
    check_golden_data(d);
    assert_int_equal(som_data_line(d, 0), 6);
    assert_int_equal(som_data_line(d, 3), 10);
    /* Write it out and read it back, also gzip-compressed. */
    char dir[] = "/tmp/som-sompak-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char out[256], gz[256];
    snprintf(out, sizeof out, "%s/d.dat", dir);
    snprintf(gz, sizeof gz, "%s/d.dat.gz", dir);
    assert_int_equal(som_data_write_sompak(d, out, &err), SOM_OK);
    som_data *back = NULL;
    assert_int_equal(som_data_read_sompak(out, &back, &err), SOM_OK);
    check_golden_data(back);
    som_data_free(back);
    FILE *f = fopen(out, "rb");
    gzFile g = gzopen(gz, "wb");
    assert_non_null(f);
    assert_non_null(g);
    char buf[4096];
    size_t n = fread(buf, 1, sizeof buf, f);
    assert_int_equal(gzwrite(g, buf, (unsigned)n), (int)n);
    fclose(f);
    gzclose(g);
    assert_int_equal(som_data_read(gz, NULL, &back, &err), SOM_OK);
    check_golden_data(back);
    som_data_free(back);
    unlink(out);
    unlink(gz);
    rmdir(dir);
    som_data_free(d);
}

/* A label word that SOM_PAK would read as a keyword cannot be written
 * (found by fuzz_roundtrip): the writer refuses and leaves no file. */
static void test_data_keyword_label(void **state)
{
    (void)state;
    const char *bad[] = {"fixed=3,4", "a weight=2", "x fixed=\xb9"};
    char dir[] = "/tmp/som-sompak-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char out[256];
    snprintf(out, sizeof out, "%s/d.dat", dir);
    for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
        som_data *d = line_data(2);
        assert_int_equal(som_data_set_label(d, 1, bad[k], NULL), SOM_OK);
        som_error err;
        assert_int_equal(som_data_write_sompak(d, out, &err), SOM_EINVAL);
        assert_non_null(strstr(err.message, "row 2"));
        assert_non_null(strstr(err.message, "SOM_PAK would read as that keyword"));
        assert_int_equal(access(out, F_OK), -1);
        som_data_free(d);
    }
    /* Words that only contain or end in the keywords are labels. */
    som_data *d = line_data(2);
    assert_int_equal(som_data_set_label(d, 0, "unfixed=1 weight= fixed=", NULL), SOM_OK);
    som_error err;
    assert_int_equal(som_data_write_sompak(d, out, &err), SOM_OK);
    som_data *back = NULL;
    assert_int_equal(som_data_read_sompak(out, &back, &err), SOM_OK);
    assert_string_equal(som_data_label(back, 0), "unfixed=1 weight= fixed=");
    som_data_free(back);
    som_data_free(d);
    unlink(out);
    rmdir(dir);
}

static void expect_data_error(const char *text, int code, size_t line, size_t column,
                              const char *phrase)
{
    som_data *d = NULL;
    som_error err;
    assert_int_equal(som_data_read_sompak_mem(text, strlen(text), "t.dat", &d, &err), code);
    assert_null(d);
    assert_int_equal(err.line, line);
    assert_int_equal(err.column, column);
    if (!strstr(err.message, phrase)) fail_msg("'%s' lacks '%s'", err.message, phrase);
    assert_non_null(strstr(err.message, "t.dat:"));
}

static void test_data_errors(void **state)
{
    (void)state;
    expect_data_error("", SOM_EEMPTY, 0, 0, "no dimension line");
    expect_data_error("two\n1 2\n", SOM_EFORMAT, 1, 1, "expected the dimension");
    expect_data_error("2\n1 2\n1 2q\n", SOM_EFORMAT, 3, 3, "component 2: expected a number");
    expect_data_error("3\n1 2\n", SOM_EFORMAT, 2, 4, "expected 3 components, got 2");
    expect_data_error("2\nx x lab\n", SOM_EFORMAT, 2, 1, "every component is missing");
    expect_data_error("2\n1 2 weight=-1\n", SOM_EFORMAT, 2, 12, "weight=");
    expect_data_error("2\n1 2 fixed=3\n", SOM_EFORMAT, 2, 11, "fixed=: expected X,Y");
    expect_data_error("2\n# only a comment\n", SOM_EEMPTY, 2, 0, "no data vector");
    expect_data_error("2\n#n a b c\n1 2\n", SOM_EFORMAT, 2, 8, "more than the 2 components");
}

/* ---- codebooks ----------------------------------------------------------------- */

/* SOM_PAK's unit order: x fastest, so the line of unit (x, y) is
 * y*xdim + x — our unit y*cols + x. Its hexa lattice shifts odd rows right
 * by half a unit, as ours does. */
static void test_cod_order(void **state)
{
    (void)state;
    som_map *m = NULL;
    som_error err;
    assert_int_equal(som_map_load_any(SOM_TEST_GOLDEN_DIR "/sompak-hexa-3x2.cod", &m, &err),
                     SOM_OK);
    const som_grid *g = som_map_grid(m);
    assert_int_equal(g->rows, 2);
    assert_int_equal(g->cols, 3);
    assert_int_equal(g->topology, SOM_HEX);
    assert_string_equal(som_map_title(m, 2), "code");
    for (size_t r = 0; r < 2; r++)
        for (size_t c = 0; c < 3; c++) {
            float w[3];
            som_map_unit_weights(m, r * 3 + c, w);
            assert_true(w[0] == (float)c && w[1] == (float)r && w[2] == (float)(10 * r + c));
        }
    double x, y;
    som_grid_coords(g, 1 * 3 + 0, &x, &y);
    assert_true(x == 0.5);
    som_grid_coords(g, 0 * 3 + 1, &x, &y);
    assert_true(x == 1.0 && y == 0.0);
    assert_int_equal(som_map_train_settings(m) == NULL, 1);
    /* Written back: the same lines in the same order. */
    char dir[] = "/tmp/som-cod-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char out[256];
    snprintf(out, sizeof out, "%s/m.cod", dir);
    assert_int_equal(som_map_save_any(m, out, &err), SOM_OK);
    FILE *f = fopen(out, "r");
    char text[512];
    size_t n = fread(text, 1, sizeof text - 1, f);
    text[n] = '\0';
    fclose(f);
    assert_string_equal(text, "3 hexa 3 2 bubble\n#n x y code\n0 0 0\n1 0 1\n2 0 2\n"
                              "0 1 10\n1 1 11\n2 1 12\n");
    unlink(out);
    rmdir(dir);
    som_map_free(m);
}

/* .som -> .cod -> .som keeps every weight exactly, for rect and hex. */
static void test_cod_roundtrip(void **state)
{
    (void)state;
    char dir[] = "/tmp/som-cod-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char p1[256], p2[256], p3[256];
    snprintf(p1, sizeof p1, "%s/a.som", dir);
    snprintf(p2, sizeof p2, "%s/a.cod", dir);
    snprintf(p3, sizeof p3, "%s/b.som", dir);
    som_data *d = line_data(30);
    for (int topo = 0; topo < 2; topo++) {
        som_grid g = {4, 5, (som_topology)topo, 0};
        som_map *m = NULL, *a = NULL, *b = NULL, *c = NULL;
        assert_int_equal(som_map_new(&g, 2, &m, NULL), SOM_OK);
        assert_int_equal(som_map_fit_scaling(m, d, SOM_SCALE_ZSCORE, NULL), SOM_OK);
        train(m, d, SOM_BATCH, SOM_OK);
        som_error err;
        assert_int_equal(som_map_save(m, p1, &err), SOM_OK);
        assert_int_equal(som_map_load_any(p1, &a, &err), SOM_OK);
        assert_int_equal(som_map_save_any(a, p2, &err), SOM_OK);
        assert_int_equal(som_map_load_any(p2, &b, &err), SOM_OK);
        assert_int_equal(som_map_save_any(b, p3, &err), SOM_OK);
        assert_int_equal(som_map_load_any(p3, &c, &err), SOM_OK);
        assert_int_equal(som_map_grid(c)->topology, (som_topology)topo);
        for (size_t u = 0; u < 20; u++) {
            float wa[2], wc[2];
            som_map_unit_weights(a, u, wa);
            som_map_unit_weights(c, u, wc);
            assert_memory_equal(wa, wc, sizeof wa);
        }
        som_map_free(m);
        som_map_free(a);
        som_map_free(b);
        som_map_free(c);
    }
    unlink(p1);
    unlink(p2);
    unlink(p3);
    rmdir(dir);
    som_data_free(d);
}

static void expect_cod_error(const char *text, size_t line, size_t column, const char *phrase)
{
    som_map *m = NULL;
    som_error err;
    assert_int_equal(som_map_load_sompak_mem(text, strlen(text), "t.cod", &m, &err), SOM_EFORMAT);
    assert_null(m);
    assert_int_equal(err.line, line);
    assert_int_equal(err.column, column);
    if (!strstr(err.message, phrase)) fail_msg("'%s' lacks '%s'", err.message, phrase);
}

static void test_cod_errors(void **state)
{
    (void)state;
    expect_cod_error("2 hexx 1 1 bubble\n0 0\n", 1, 3, "the topology");
    expect_cod_error("2 rect 0 1 bubble\n", 1, 8, "xdim");
    expect_cod_error("2 rect 1 1\n", 1, 11, "neighbourhood");
    expect_cod_error("2 rect 2 1 gaussian\n1 2\n", 3, 0, "ends after 1 of the 2 units");
    expect_cod_error("2 rect 1 1 gaussian\n1 2\n3 4\n", 3, 1, "more unit lines");
    expect_cod_error("2 rect 1 1 gaussian\n1 x\n", 2, 3, "component 2");
    expect_cod_error("2 rect 1 1 gaussian\n1\n", 2, 2, "expected 2 components, got 1");
    /* Found by fuzzing: a header must not make the reader allocate more
     * than the file can hold. */
    expect_cod_error("1000 rect 1000 1000 bubble\n1 2\n", 1, 0, "more weights than the 4 bytes");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_weight_api),
        cmocka_unit_test(test_batch_weights),
        cmocka_unit_test(test_online_weights),
        cmocka_unit_test(test_fixed_training),
        cmocka_unit_test(test_data_golden),
        cmocka_unit_test(test_data_errors),
        cmocka_unit_test(test_data_keyword_label),
        cmocka_unit_test(test_cod_order),
        cmocka_unit_test(test_cod_roundtrip),
        cmocka_unit_test(test_cod_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
