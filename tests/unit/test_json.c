/* SPDX-License-Identifier: MIT */
/* test_json.c — the JSON writer (som_json.h) and the .json model: the keys
 * scripts rely on, numbers (%.9g, or exact where 9 digits are not), NaN as
 * null, escaped titles, bytes that are not UTF-8, balanced brackets; the
 * reader gives back the same model, and names line and column of what is
 * wrong. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <float.h>
#include <jansson.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io/io.h"
#include "som_json.h"

static char *slurp_text(const char *path)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    static char buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    return buf;
}

static void test_export(void **state)
{
    (void)state;
    char dir[] = "/tmp/som-json-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256];
    snprintf(path, sizeof path, "%s/m.json", dir);
    som_grid g = {2, 3, SOM_HEX, 1};
    som_map *m = NULL;
    assert_int_equal(som_map_new(&g, 2, &m, NULL), SOM_OK);
    assert_int_equal(som_map_set_title(m, 0, "a \"quoted\"\ttitle", NULL), SOM_OK);
    assert_int_equal(som_map_set_title(m, 1, "\xc2\xb0" "C", NULL), SOM_OK);
    float cb[12];
    for (size_t i = 0; i < 12; i++) cb[i] = (float)i * 0.5f;
    som_map_set_codebook(m, cb);
    som_history h = {0, NAN, NAN, 0.25, 0.5};
    assert_int_equal(som__map_history_push(m, &h, NULL), SOM_OK);
    som_error err;
    assert_int_equal(som_map_save_any(m, path, &err), SOM_OK);
    const char *s = slurp_text(path);
    /* One key per line (the layout of som_json_write). */
    assert_non_null(strstr(s, "{\n\"format\":\"som-map\",\n\"version\":1,\n\"rows\":2,\n\"cols\":3,\n"));
    assert_non_null(strstr(s, "\"topology\":\"hex\",\n\"toroid\":true,\n\"dim\":2,\n\"units\":6,\n"));
    assert_non_null(strstr(s, "\"titles\":[\"a \\\"quoted\\\"\\ttitle\",\"\xc2\xb0" "C\"]"));
    assert_non_null(strstr(s, "\"kind\":\"none\""));
    assert_non_null(strstr(s, "\"min\":null,\"max\":null"));
    assert_non_null(strstr(s, "\"codebook\":[\n[0,0.5],\n[1,1.5]"));
    assert_non_null(strstr(s, "\"codebook_scaled\":[\n[0,0.5]"));
    /* Unit 3 is row 1, column 0: a hex odd row, shifted right by half. */
    assert_non_null(strstr(s, "\"coords\":[\n[0,0,0,0],\n[0,1,1,0],\n[0,2,2,0],\n[1,0,0.5,0.866025404],"));
    assert_non_null(strstr(s, "{\"pass\":0,\"sigma\":null,\"alpha\":null,\"qe\":0.25,\"te\":0.5}"));
    assert_non_null(strstr(s, "\"training\":null,\n\"trained\":false,\n\"settings\":{\"algorithm\":"));
    /* No weights, no clusters: no keys for them (the old layout). */
    assert_null(strstr(s, "feature_weights"));
    assert_null(strstr(s, "clusters"));
    assert_non_null(strstr(s, "\"max\":null},\n\"coords\":["));
    /* The U-matrix, each value as %.9g of som_map_umatrix's. */
    double u[6];
    som_map_umatrix(m, u);
    char want[64];
    snprintf(want, sizeof want, "\"umatrix\":[%.9g,", u[0]);
    assert_non_null(strstr(s, want));
    /* Brackets balance outside strings. */
    long depth = 0;
    int in_str = 0;
    for (const char *p = s; *p; p++) {
        if (in_str) {
            if (*p == '\\') p++;
            else if (*p == '"') in_str = 0;
        } else if (*p == '"') {
            in_str = 1;
        } else if (*p == '{' || *p == '[') {
            depth++;
        } else if (*p == '}' || *p == ']') {
            assert_true(--depth >= 0);
        }
    }
    assert_int_equal(depth, 0);
    assert_int_equal(in_str, 0);
    /* A model format: it reads back. */
    som_map *back = NULL;
    assert_int_equal(som_map_load_any(path, &back, &err), SOM_OK);
    som_map_free(back);
    unlink(path);
    rmdir(dir);
    som_map_free(m);
}

/* Feature weights and clusters, when the map has them: feature_weights
 * after scaling, clusters {k, sizes, unit} after the U-matrix. */
static void test_export_weights_clusters(void **state)
{
    (void)state;
    char dir[] = "/tmp/som-json-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256];
    snprintf(path, sizeof path, "%s/m.json", dir);
    som_grid g = {2, 3, SOM_RECT, 0};
    som_map *m = NULL;
    assert_int_equal(som_map_new(&g, 3, &m, NULL), SOM_OK);
    float cb[18];
    for (size_t i = 0; i < 18; i++) cb[i] = (float)(i % 5);
    som_map_set_codebook(m, cb);
    som_error err;
    const double fw[3] = {0.0, 0.25, 3.0};
    assert_int_equal(som_map_set_feature_weights(m, fw, &err), SOM_OK);
    const uint32_t cl[6] = {0, 0, 1, 2, 1, 1};
    assert_int_equal(som_map_set_clusters(m, cl, 3, &err), SOM_OK);
    assert_int_equal(som_map_save_any(m, path, &err), SOM_OK);
    const char *s = slurp_text(path);
    const char *fwk = strstr(s, "\"max\":null},\n\"feature_weights\":[0,0.25,3],\n\"coords\":[");
    assert_non_null(fwk);
    const char *um = strstr(s, "\"umatrix\":[");
    const char *ck = strstr(s, ",\n\"clusters\":{\"k\":3,\"sizes\":[2,3,1],\"unit\":[0,0,1,2,1,1]},"
                               "\n\"training\":");
    assert_non_null(um);
    assert_non_null(ck);
    assert_true(fwk < um && um < ck);
    /* Weights all 1 again and no clusters: the keys go. */
    const double ones[3] = {1.0, 1.0, 1.0};
    assert_int_equal(som_map_set_feature_weights(m, ones, &err), SOM_OK);
    assert_int_equal(som_map_set_clusters(m, NULL, 0, &err), SOM_OK);
    assert_int_equal(som_map_save_any(m, path, &err), SOM_OK);
    s = slurp_text(path);
    assert_null(strstr(s, "feature_weights"));
    assert_null(strstr(s, "clusters"));
    unlink(path);
    rmdir(dir);
    som_map_free(m);
}

/* ---- the writer (som_json.h) ------------------------------------------------ */

static char *write_string(const json_t *v, som_json_layout layout)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    assert_int_equal(som_json_write(f, v, layout, NULL), SOM_OK);
    fclose(f);
    return buf;
}

static void test_numbers(void **state)
{
    (void)state;
    json_t *a = json_array();
    const double v[] = {0.1, 1.0 / 3, 1e-5, 1e20, -0.0, NAN, INFINITY, 100000000.0,
                        123456789012.0, 5e-324, 1.7976931348623157e308, (double)0.1f, 2.0};
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) json_array_append_new(a, som_json_number(v[i]));
    json_array_append_new(a, som_json_number9(1.0 / 3));
    json_array_append_new(a, som_json_number9(-INFINITY));
    json_array_append_new(a, json_integer(-7));
    char *s = write_string(a, SOM_JSON_LINE);
    assert_string_equal(s, "[0.1, 0.3333333333333333, 1e-05, 1e+20, -0.0, null, null, 100000000, "
                           "123456789012, 4.94065646e-324, 1.7976931348623157e+308, "
                           "0.10000000149011612, 2, 0.333333333, null, -7]\n");
    free(s);
    json_decref(a);

    /* Every finite double reads back as itself (jansson reads the text). */
    uint64_t x = 0x9e3779b97f4a7c15u;
    a = json_array();
    double want[2000];
    size_t n = 0;
    while (n < 2000) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        double d;
        memcpy(&d, &x, sizeof d);
        if (!isfinite(d)) continue;
        want[n++] = d;
        json_array_append_new(a, som_json_number(d));
    }
    s = write_string(a, SOM_JSON_COMPACT);
    json_decref(a);
    json_error_t je;
    json_t *back = json_loads(s, 0, &je);
    assert_non_null(back);
    for (size_t i = 0; i < n; i++) {
        double got = json_number_value(json_array_get(back, i));
        assert_memory_equal(&got, &want[i], sizeof got);
    }
    json_decref(back);
    free(s);
}

/* A decimal comma in the caller's locale never reaches the output. */
static void test_numbers_locale(void **state)
{
    (void)state;
    const char *names[] = {"de_DE.UTF-8", "de_DE.utf8", "fr_FR.UTF-8", "ru_RU.UTF-8"};
    const char *got = NULL;
    for (size_t i = 0; !got && i < sizeof names / sizeof names[0]; i++)
        got = setlocale(LC_NUMERIC, names[i]);
    if (!got) skip();
    json_t *a = json_array();
    json_array_append_new(a, som_json_number(0.5));
    json_array_append_new(a, som_json_number9(1.0 / 3));
    char *s = write_string(a, SOM_JSON_COMPACT);
    setlocale(LC_NUMERIC, "C");
    assert_string_equal(s, "[0.5,0.333333333]\n");
    free(s);
    json_decref(a);
}

static void test_layouts(void **state)
{
    (void)state;
    json_t *o = json_pack("{s:i, s:[i,i], s:[{s:i},{s:i}], s:{s:[i]}, s:[]}", "a", 1, "b", 2, 3,
                          "c", "x", 4, "y", 5, "d", "e", 6, "f");
    assert_non_null(o);
    char *s = write_string(o, SOM_JSON_COMPACT);
    assert_string_equal(s, "{\n\"a\":1,\n\"b\":[2,3],\n\"c\":[\n{\"x\":4},\n{\"y\":5}],\n"
                           "\"d\":{\"e\":[6]},\n\"f\":[]\n}\n");
    free(s);
    s = write_string(o, SOM_JSON_SPACED);
    assert_string_equal(s, "{\n  \"a\": 1,\n  \"b\": [2, 3],\n  \"c\": [\n    {\"x\": 4},\n"
                           "    {\"y\": 5}\n  ],\n  \"d\": {\"e\": [6]},\n  \"f\": []\n}\n");
    free(s);
    s = write_string(o, SOM_JSON_LINE);
    assert_string_equal(s, "{\"a\": 1, \"b\": [2, 3], \"c\": [{\"x\": 4}, {\"y\": 5}], "
                           "\"d\": {\"e\": [6]}, \"f\": []}\n");
    free(s);
    json_decref(o);
    /* A failed write is reported, not lost. */
    FILE *full = fopen("/dev/full", "w");
    if (full) {
        setvbuf(full, NULL, _IONBF, 0);
        som_error err;
        som_error_clear(&err);
        json_t *v = json_integer(1);
        assert_int_equal(som_json_write(full, v, SOM_JSON_LINE, &err), SOM_EIO);
        json_decref(v);
        fclose(full);
    }
}

static void test_utf8(void **state)
{
    (void)state;
    size_t bad = 99;
    assert_true(som_json_utf8_valid("a\xc2\xb0\xe2\x82\xac\xf0\x9f\x98\x80", 10, &bad));
    const struct {
        const char *s;
        size_t bad;
    } no[] = {{"caf\xe9", 3},        {"\xc0\x80", 0},     {"x\xed\xa0\x80", 1},
              {"\xf4\x90\x80\x80", 0}, {"\xe2\x82", 0},     {"\x80", 0},
              {"ok\xf8", 2},           {"\xe0\x9f\xbf", 0}};
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++) {
        assert_false(som_json_utf8_valid(no[i].s, strlen(no[i].s), &bad));
        assert_int_equal(bad, no[i].bad);
    }
    json_t *v = som_json_string("caf\xe9 \xc2\xb0" "C \xed\xa0\x80");
    assert_non_null(v);
    assert_string_equal(json_string_value(v),
                        "caf\xef\xbf\xbd \xc2\xb0" "C \xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
    json_decref(v);

    /* A model whose title came from a Latin-1 CSV exports valid JSON. */
    char dir[] = "/tmp/som-json-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256];
    snprintf(path, sizeof path, "%s/m.json", dir);
    som_grid g = {2, 2, SOM_RECT, 0};
    som_map *m = NULL;
    assert_int_equal(som_map_new(&g, 2, &m, NULL), SOM_OK);
    assert_int_equal(som_map_set_title(m, 0, "caf\xe9", NULL), SOM_OK);
    assert_int_equal(som_map_write_json(m, path, NULL), SOM_OK);
    json_error_t je;
    json_t *root = json_load_file(path, 0, &je);
    assert_non_null(root);
    assert_string_equal(json_string_value(json_array_get(json_object_get(root, "titles"), 0)),
                        "caf\xef\xbf\xbd");
    json_decref(root);
    som_map_free(m);
    unlink(path);
    rmdir(dir);
}

/* ---- the model: .som -> .json -> .som ------------------------------------------ */

static void roundtrip(const som_map *m)
{
    char dir[] = "/tmp/som-json-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256];
    snprintf(path, sizeof path, "%s/m.json", dir);
    void *a = NULL, *b = NULL;
    size_t na = 0, nb = 0;
    som_error err;
    assert_int_equal(som_map_save_mem(m, &a, &na, &err), SOM_OK);
    assert_int_equal(som_map_save_any(m, path, &err), SOM_OK);
    som_map *back = NULL;
    if (som_map_load_any(path, &back, &err) != SOM_OK) fail_msg("%s", err.message);
    assert_int_equal(som_map_save_mem(back, &b, &nb, &err), SOM_OK);
    assert_int_equal(na, nb);
    assert_memory_equal(a, b, na);
    som_free(a);
    som_free(b);
    som_map_free(back);
    unlink(path);
    rmdir(dir);
}

static void test_roundtrip(void **state)
{
    (void)state;
    /* Untrained, plain. */
    som_grid g0 = {1, 1, SOM_RECT, 0};
    som_map *m = NULL;
    assert_int_equal(som_map_new(&g0, 1, &m, NULL), SOM_OK);
    roundtrip(m);
    som_map_free(m);

    /* Everything the model holds, with awkward values. */
    som_grid g = {4, 3, SOM_HEX, 1};
    assert_int_equal(som_map_new(&g, 3, &m, NULL), SOM_OK);
    assert_int_equal(som_map_set_title(m, 0, "temp \"in\" \xc2\xb0" "C", NULL), SOM_OK);
    assert_int_equal(som_map_set_title(m, 1, "a\\b\ttab\n", NULL), SOM_OK);
    assert_int_equal(som_map_set_title(m, 2, "", NULL), SOM_OK);
    m->scaling = SOM_SCALE_MINMAX;
    m->have_range = true;
    for (size_t j = 0; j < 3; j++) {
        m->offset[j] = 1.0 / 3 - (double)j;
        m->factor[j] = M_PI * (double)(j + 1);
        m->fmin[j] = -1e-300;
        m->fmax[j] = 1e300 / (double)(j + 1);
    }
    float cb[36];
    const float odd[] = {-0.0f, 1e-40f, FLT_MAX, -FLT_MIN, 0.1f, 16777217.0f, 3.4e-38f, 1.0f / 3};
    for (size_t i = 0; i < 36; i++) cb[i] = odd[i % 8] / (float)(i % 5 + 1);
    cb[0] = -0.0f;
    som_map_set_codebook(m, cb);
    const double fw[3] = {0.0, 0.1, 2.5};
    assert_int_equal(som_map_set_feature_weights(m, fw, NULL), SOM_OK);
    const uint32_t cl[12] = {0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 1};
    assert_int_equal(som_map_set_clusters(m, cl, 3, NULL), SOM_OK);
    som_history h[] = {{0, NAN, NAN, 0.25, 0.5}, {1, 2.0 / 3, 0.1, 1e-17, 1.0 / 7}};
    for (size_t k = 0; k < 2; k++) assert_int_equal(som__map_history_push(m, &h[k], NULL), SOM_OK);
    m->trained = true;
    m->settings.algorithm = SOM_ONLINE;
    m->settings.init = SOM_INIT_KEEP;
    m->settings.schedule = SOM_SCHEDULE_INVERSE;
    m->settings.neighborhood = SOM_NEIGHBORHOOD_MEXICAN_HAT;
    m->settings.seed = UINT64_MAX;
    m->settings.threads = -3;
    m->settings.epochs = 7;
    m->settings.iterations = (size_t)1 << 40;
    m->settings.quality_every = SIZE_MAX;
    m->settings.radius0 = 1.0 / 3;
    m->settings.inverse_a = 1e-300;
    m->settings.inverse_b = -2.5;
    roundtrip(m);
    /* Range unrecorded, clusters and weights gone, untrained. */
    m->have_range = false;
    m->trained = false;
    assert_int_equal(som_map_set_clusters(m, NULL, 0, NULL), SOM_OK);
    const double ones[3] = {1, 1, 1};
    assert_int_equal(som_map_set_feature_weights(m, ones, NULL), SOM_OK);
    roundtrip(m);
    som_map_free(m);
}

/* ---- reader errors ---------------------------------------------------------------- */

static char *model_text(void)
{
    char dir[] = "/tmp/som-json-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256];
    snprintf(path, sizeof path, "%s/m.json", dir);
    som_grid g = {2, 2, SOM_RECT, 0};
    som_map *m = NULL;
    assert_int_equal(som_map_new(&g, 2, &m, NULL), SOM_OK);
    const uint32_t cl[4] = {0, 0, 1, 1};
    assert_int_equal(som_map_set_clusters(m, cl, 2, NULL), SOM_OK);
    assert_int_equal(som_map_write_json(m, path, NULL), SOM_OK);
    som_map_free(m);
    char *s = strdup(slurp_text(path));
    unlink(path);
    rmdir(dir);
    return s;
}

/* text with the first `from` replaced by `to` (freed by the caller). */
static char *replaced(const char *text, const char *from, const char *to)
{
    const char *at = strstr(text, from);
    if (!at) fail_msg("no '%s' in the model text", from);
    size_t a = (size_t)(at - text), nf = strlen(from), nt = strlen(to);
    char *s = malloc(strlen(text) - nf + nt + 1);
    memcpy(s, text, a);
    memcpy(s + a, to, nt);
    strcpy(s + a + nt, at + nf);
    return s;
}

/* 1-based line and column of the first `what` in text. */
static void where(const char *text, const char *what, size_t *line, size_t *col)
{
    const char *at = strstr(text, what);
    assert_non_null(at);
    *line = 1;
    const char *bol = text;
    for (const char *p = text; p < at; p++)
        if (*p == '\n') {
            (*line)++;
            bol = p + 1;
        }
    *col = (size_t)(at - bol) + 1;
}

/* Reads text; expects SOM_EFORMAT with `msg` in the message at line:col (0:
 * any). */
static void expect_error(const char *text, const char *msg, size_t line, size_t col)
{
    som_map *m = (som_map *)1;
    som_error err;
    som_error_clear(&err);
    int rc = som__map_read_json_mem(text, strlen(text), "m.json", &m, &err);
    if (rc != SOM_EFORMAT || !strstr(err.message, msg))
        fail_msg("rc %d, message '%s', expected '%s'", rc, err.message, msg);
    assert_null(m);
    if (!(err.line > 0 && err.column > 0)) fail_msg("no place in '%s'", err.message);
    if (line) {
        if (err.line != line || err.column != col)
            fail_msg("'%s' at %zu:%zu, expected %zu:%zu", err.message, err.line, err.column,
                     line, col);
        char head[64];
        snprintf(head, sizeof head, "m.json:%zu:%zu: ", line, col);
        assert_true(strncmp(err.message, head, strlen(head)) == 0);
    }
}

static void test_reader_errors(void **state)
{
    (void)state;
    char *t = model_text();
    som_map *m = NULL;
    assert_int_equal(som__map_read_json_mem(t, strlen(t), "m.json", &m, NULL), SOM_OK);
    som_map_free(m);
    size_t line, col;
    char *s;

    /* Not JSON: jansson's own place and words. */
    s = strndup(t, strlen(t) / 2);
    expect_error(s, "not a JSON model: ", 0, 0);
    free(s);
    expect_error("", "not a JSON model: ", 0, 0);
    expect_error("{\"format\":\"som-map\",\n \"x\":\"caf\xe9\"}", "not a JSON model: ", 0, 0);
    s = replaced(t, "\"cols\":2", "\"rows\":2");
    expect_error(s, "duplicate object key", 0, 0);
    free(s);

    /* JSON, not a model. */
    expect_error("[1, 2]", "expected an object (a som-map model), got an array", 1, 1);
    s = replaced(t, "\"som-map\"", "\"geojson\"");
    where(s, "\"geojson\"", &line, &col);
    expect_error(s, "format: not a som model: expected \"format\": \"som-map\"", line, col);
    free(s);
    s = replaced(t, "\"version\":1", "\"version\":2");
    where(s, "2,", &line, &col);
    expect_error(s, "version: JSON model version 2; this libsom", line, col);
    free(s);

    /* Wrong types, at the value. */
    s = replaced(t, "\"rows\":2", "\"rows\":2.5");
    where(s, "2.5", &line, &col);
    expect_error(s, "rows: expected a whole number from 0 to", line, col);
    free(s);
    s = replaced(t, "\"rows\":2", "\"rows\":\"2x\"");
    where(s, "\"2x\"", &line, &col);
    expect_error(s, "rows: expected a whole number from 0 to 18446744073709551615, got a string",
                 line, col);
    free(s);
    s = replaced(t, "\"toroid\":false", "\"toroid\":0");
    where(s, "0,\n\"dim\"", &line, &col);
    expect_error(s, "toroid: expected true or false, got a whole number", line, col);
    free(s);
    s = replaced(t, "\"topology\":\"rect\"", "\"topology\":\"triangle\"");
    where(s, "\"triangle\"", &line, &col);
    expect_error(s, "topology: unknown value \"triangle\", expected \"rect\" or \"hex\"", line, col);
    free(s);
    s = replaced(t, "\"kind\":\"none\"", "\"kind\":\"log\"");
    where(s, "\"log\"", &line, &col);
    expect_error(s, "scaling.kind: unknown value \"log\", expected \"none\", \"zscore\" or \"minmax\"",
                 line, col);
    free(s);
    s = replaced(t, "\"codebook_scaled\":[\n[0,0],\n[0,0]", "\"codebook_scaled\":[\n[0,0],\n[0,\"x\"]");
    where(s, "\"x\"", &line, &col);
    expect_error(s, "codebook_scaled[1][1]: expected a number, got a string", line, col);
    free(s);
    s = replaced(t, "\"codebook_scaled\":[\n[0,0]", "\"codebook_scaled\":[\n[0,1e39]");
    where(s, "1e39", &line, &col);
    expect_error(s, "codebook_scaled[0][1]: 1e+39 is beyond the range of a float", line, col);
    free(s);
    s = replaced(t, "\"seed\":1,\"quality", "\"seed\":-1,\"quality");
    where(s, "-1,\"quality", &line, &col);
    expect_error(s, "settings.seed: expected a whole number from 0 to 18446744073709551615", line,
                 col);
    free(s);

    /* Missing keys, at the object that lacks them. */
    s = replaced(t, "\"dim\":2,", "");
    expect_error(s, "the key \"dim\" is missing", 1, 1);
    free(s);
    s = replaced(t, "\"radius0\":", "\"radius_0\":");
    where(s, "{\"algorithm\"", &line, &col);
    expect_error(s, "settings: the key \"radius0\" is missing", line, col);
    free(s);

    /* Sizes that disagree with dim and the grid. */
    s = replaced(t, "\"titles\":[\"1\",\"2\"]", "\"titles\":[\"1\"]");
    where(s, "[\"1\"]", &line, &col);
    expect_error(s, "titles: expected 2 titles (one per field, dim), got 1", line, col);
    free(s);
    s = replaced(t, "\n[0,0]],\n\"umatrix\"", "\n[0]],\n\"umatrix\"");
    where(s, "[0]],\n\"umatrix\"", &line, &col);
    expect_error(s, "codebook_scaled[3]: expected 2 numbers (one per field, dim), got 1", line, col);
    free(s);
    s = replaced(t, "\"offset\":[0,0]", "\"offset\":[0,0,0]");
    expect_error(s, "scaling.offset: expected 2 numbers, got 3", 0, 0);
    free(s);
    s = replaced(t, "\"factor\":[1,1]", "\"factor\":[1,0]");
    expect_error(s, "scaling.factor[1]: the factor is 0, expected above 0", 0, 0);
    free(s);
    s = replaced(t, "\"unit\":[0,0,1,1]", "\"unit\":[0,0,1,2]");
    where(s, "2]}", &line, &col);
    expect_error(s, "clusters.unit[3]: expected a whole number from 0 to 1", line, col);
    free(s);
    s = replaced(t, "\"rows\":2", "\"rows\":0");
    expect_error(s, "rows: ", 0, 0);
    free(s);
    free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_export),
        cmocka_unit_test(test_export_weights_clusters),
        cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_numbers_locale),
        cmocka_unit_test(test_layouts),
        cmocka_unit_test(test_utf8),
        cmocka_unit_test(test_roundtrip),
        cmocka_unit_test(test_reader_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
