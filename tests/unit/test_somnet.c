/* SPDX-License-Identifier: MIT */
/* test_somnet.c — the MQL5 `.somnet` network (SPEC-seeds.md B5): a file
 * built byte by byte from the specification loads with the right grid,
 * weights and titles; the tolerant title decoding; save -> load is lossless;
 * the writer's pixel geometry; damaged files are named. The golden file
 * tests/golden/net-3x2.somnet is the byte-built net (SOM_REGEN_GOLDEN=1
 * rewrites it). */
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

/* ---- building a net by hand --------------------------------------------------- */

typedef struct bytes {
    unsigned char b[4096];
    size_t n;
} bytes;

static void put(bytes *o, double v)
{
    uint64_t u;
    memcpy(&u, &v, 8);
    som__put_u64(o->b + o->n, u);
    o->n += 8;
}

/* xcells 3 (our columns), ycells 2 (our rows), dim 2, picture 300x200.
 * Node n = i*ycells + j holds weights (10i + j, 0.5 - j) with i the x cell
 * and j the y cell. Titles "alpha<tab>beta", NUL-padded to 16 bytes. */
static void build_net(bytes *o)
{
    o->n = 0;
    put(o, 2 + 6);
    put(o, 3);
    put(o, 2);
    put(o, 300);
    put(o, 200);
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 2; j++) {
            put(o, i * 100);
            put(o, j * 100);
            put(o, (i + 1) * 100);
            put(o, (j + 1) * 100);
            put(o, i * 100 + 50);
            put(o, j * 100 + 50);
            put(o, 10.0 * i + j);
            put(o, 0.5 - j);
        }
    const char titles[16] = "alpha\tbeta";
    memcpy(o->b + o->n, titles, 16);
    o->n += 16;
}

static void check_net(const som_map *m)
{
    const som_grid *g = som_map_grid(m);
    assert_int_equal(g->rows, 2);
    assert_int_equal(g->cols, 3);
    assert_int_equal(g->topology, SOM_RECT);
    assert_int_equal(som_map_dim(m), 2);
    for (size_t r = 0; r < 2; r++)
        for (size_t c = 0; c < 3; c++) {
            float w[2];
            som_map_unit_weights(m, r * 3 + c, w);
            assert_true(w[0] == (float)(10.0 * (double)c + (double)r));
            assert_true(w[1] == (float)(0.5 - (double)r));
        }
    assert_string_equal(som_map_title(m, 0), "alpha");
    assert_string_equal(som_map_title(m, 1), "beta");
}

static void test_byte_built(void **state)
{
    (void)state;
    bytes o;
    build_net(&o);
    som_map *m = NULL;
    som_error err;
    assert_int_equal(som_map_load_somnet_mem(o.b, o.n, "net", &m, &err), SOM_OK);
    check_net(m);
    som_map_free(m);
}

static void test_golden(void **state)
{
    (void)state;
    bytes o;
    build_net(&o);
    const char *path = SOM_TEST_GOLDEN_DIR "/net-3x2.somnet";
    if (getenv("SOM_REGEN_GOLDEN")) {
        FILE *f = fopen(path, "wb");
        assert_non_null(f);
        assert_int_equal(fwrite(o.b, 1, o.n, f), o.n);
        fclose(f);
    }
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    unsigned char buf[4096];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    assert_int_equal(n, o.n);
    assert_memory_equal(buf, o.b, n);
    som_map *m = NULL;
    assert_int_equal(som_map_load_any(path, &m, NULL), SOM_OK);
    check_net(m);
    som_map_free(m);
    /* DownloadNet's rule: the name without ".somnet". */
    assert_int_equal(som_map_load_somnet(SOM_TEST_GOLDEN_DIR "/net-3x2", &m, NULL), SOM_OK);
    check_net(m);
    som_map_free(m);
}

/* Titles stored one character code per double, or as UTF-16, or joined
 * with ';' are read as well. */
static void test_tolerant_titles(void **state)
{
    (void)state;
    bytes o;
    som_map *m = NULL;
    /* One code per double: "a;b" */
    build_net(&o);
    o.n -= 16;
    put(&o, 'a');
    put(&o, ';');
    put(&o, 0xE9); /* é */
    put(&o, 0);
    assert_int_equal(som_map_load_somnet_mem(o.b, o.n, "codes", &m, NULL), SOM_OK);
    assert_string_equal(som_map_title(m, 0), "a");
    assert_string_equal(som_map_title(m, 1), "\xc3\xa9");
    som_map_free(m);
    /* UTF-16LE raw bytes: "xy\tz" */
    build_net(&o);
    o.n -= 16;
    const unsigned char u16[16] = {'x', 0, 'y', 0, '\t', 0, 'z', 0};
    memcpy(o.b + o.n, u16, 16);
    o.n += 16;
    assert_int_equal(som_map_load_somnet_mem(o.b, o.n, "utf16", &m, NULL), SOM_OK);
    assert_string_equal(som_map_title(m, 0), "xy");
    assert_string_equal(som_map_title(m, 1), "z");
    som_map_free(m);
    /* No titles at all: the default numbers stay. */
    build_net(&o);
    o.n -= 16;
    assert_int_equal(som_map_load_somnet_mem(o.b, o.n, "none", &m, NULL), SOM_OK);
    assert_string_equal(som_map_title(m, 1), "2");
    som_map_free(m);
    /* A count that does not fit leaves the defaults too. */
    build_net(&o);
    o.n -= 16;
    memcpy(o.b + o.n, "one\0\0\0\0\0", 8);
    o.n += 8;
    assert_int_equal(som_map_load_somnet_mem(o.b, o.n, "one", &m, NULL), SOM_OK);
    assert_string_equal(som_map_title(m, 0), "1");
    som_map_free(m);
}

static void test_damaged(void **state)
{
    (void)state;
    bytes o;
    som_map *m = NULL;
    som_error err;
    build_net(&o);
    assert_int_equal(som_map_load_somnet_mem(o.b, o.n - 3, "odd", &m, &err), SOM_EFORMAT);
    assert_non_null(strstr(err.message, "whole number of doubles"));
    assert_int_equal(som_map_load_somnet_mem(o.b, 24, "short", &m, &err), SOM_ECORRUPT);
    /* Cut inside the nodes. */
    assert_int_equal(som_map_load_somnet_mem(o.b, 5 * 8 + 6 * 8 * 8 - 8, "cut", &m, &err),
                     SOM_ECORRUPT);
    assert_non_null(strstr(err.message, "6 nodes"));
    /* A fractional cell count. */
    double v = 2.5;
    memcpy(o.b + 16, &v, 8);
    assert_int_equal(som_map_load_somnet_mem(o.b, o.n, "frac", &m, &err), SOM_EFORMAT);
    assert_non_null(strstr(err.message, "byte 16: field 3 (ycells)"));
    /* A NaN weight. */
    build_net(&o);
    v = NAN;
    memcpy(o.b + 8 * (5 + 8 * 4 + 6 + 1), &v, 8);
    assert_int_equal(som_map_load_somnet_mem(o.b, o.n, "nan", &m, &err), SOM_EFORMAT);
    assert_non_null(strstr(err.message, "weight 2 of node 4"));
    assert_null(m);
}

/* A z-scored hex map with UTF-8 titles: save -> load gives the same
 * weights (original units) and titles, and the writer lays the pixels out
 * as SPEC B3 says. */
static void test_roundtrip(void **state)
{
    (void)state;
    char dir[] = "/tmp/som-somnet-XXXXXX";
    assert_non_null(mkdtemp(dir));
    som_grid g = {3, 4, SOM_HEX, 0};
    som_map *m = NULL, *back = NULL;
    assert_int_equal(som_map_new(&g, 3, &m, NULL), SOM_OK);
    assert_int_equal(som_map_set_title(m, 0, "temp \xc2\xb0" "C", NULL), SOM_OK);
    assert_int_equal(som_map_set_title(m, 1, "a;b,c", NULL), SOM_OK);
    assert_int_equal(som_map_set_title(m, 2, "x", NULL), SOM_OK);
    som_data *d = NULL;
    assert_int_equal(som_data_new(20, 3, &d, NULL), SOM_OK);
    for (size_t i = 0; i < 20; i++) {
        float x[3] = {(float)i * 1.7f, (float)(i % 4) / 3.0f, 100.0f - (float)i};
        assert_int_equal(som_data_set_row(d, i, x, NULL, NULL), SOM_OK);
    }
    assert_int_equal(som_map_fit_scaling(m, d, SOM_SCALE_ZSCORE, NULL), SOM_OK);
    assert_int_equal(som_map_init(m, d, SOM_INIT_RANDOM, 3, NULL), SOM_OK);
    char path[256], noext[256];
    snprintf(noext, sizeof noext, "%s/net", dir);
    snprintf(path, sizeof path, "%s/net.somnet", dir);
    som_error err;
    assert_int_equal(som_map_save_somnet(m, noext, 403, 0, &err), SOM_OK);
    assert_int_equal(access(path, F_OK), 0);
    assert_int_equal(som_map_load_somnet(path, &back, &err), SOM_OK);
    assert_int_equal(som_map_grid(back)->rows, 3);
    assert_int_equal(som_map_grid(back)->cols, 4);
    for (size_t u = 0; u < 12; u++) {
        float a[3], b[3];
        som_map_unit_weights(m, u, a);
        som_map_unit_weights(back, u, b);
        assert_memory_equal(a, b, sizeof a);
    }
    for (size_t j = 0; j < 3; j++) assert_string_equal(som_map_title(m, j), som_map_title(back, j));
    /* Pixels: 403 / 4 = 100 wide, 500 / 3 = 166 high; node of unit (r=2,
     * c=1) is 1*3 + 2 = 5. */
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    double hdr[5], node[6];
    assert_int_equal(fread(hdr, 8, 5, f), 5);
    assert_true(hdr[0] == 9 && hdr[1] == 4 && hdr[2] == 3 && hdr[3] == 403 && hdr[4] == 500);
    assert_int_equal(fseek(f, 8 * (5 + 5 * 9), SEEK_SET), 0);
    assert_int_equal(fread(node, 8, 6, f), 6);
    fclose(f);
    assert_true(node[0] == 100 && node[1] == 332 && node[2] == 200 && node[3] == 498);
    assert_true(node[4] == 150 && node[5] == 415);
    /* A tab in a title cannot be stored; a picture smaller than the grid
     * has no cells. */
    assert_int_equal(som_map_set_title(m, 2, "a\tb", NULL), SOM_OK);
    assert_int_equal(som_map_save_somnet(m, path, 0, 0, &err), SOM_EINVAL);
    assert_int_equal(som_map_set_title(m, 2, "x", NULL), SOM_OK);
    assert_int_equal(som_map_save_somnet(m, path, 3, 3, &err), SOM_EINVAL);
    unlink(path);
    rmdir(dir);
    som_map_free(m);
    som_map_free(back);
    som_data_free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_byte_built),
        cmocka_unit_test(test_golden),
        cmocka_unit_test(test_tolerant_titles),
        cmocka_unit_test(test_damaged),
        cmocka_unit_test(test_roundtrip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
