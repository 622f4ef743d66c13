/* SPDX-License-Identifier: MIT */
/* test_json.c — the JSON export of a map: the keys scripts rely on, %.9g
 * numbers, NaN as null, escaped titles, balanced brackets. */
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
    assert_non_null(strstr(s, "\"rows\":2,\"cols\":3,"));
    assert_non_null(strstr(s, "\"topology\":\"hex\",\"toroid\":true,\"dim\":2,\"units\":6"));
    assert_non_null(strstr(s, "\"titles\":[\"a \\\"quoted\\\"\\ttitle\",\"\xc2\xb0" "C\"]"));
    assert_non_null(strstr(s, "\"kind\":\"none\""));
    assert_non_null(strstr(s, "\"min\":null,\"max\":null"));
    assert_non_null(strstr(s, "\"codebook\":[\n[0,0.5],\n[1,1.5]"));
    assert_non_null(strstr(s, "\"codebook_scaled\":[\n[0,0.5]"));
    /* Unit 3 is row 1, column 0: a hex odd row, shifted right by half. */
    assert_non_null(strstr(s, "\"coords\":[[0,0,0,0],[0,1,1,0],[0,2,2,0],[1,0,0.5,0.866025404]"));
    assert_non_null(strstr(s, "{\"pass\":0,\"sigma\":null,\"alpha\":null,\"qe\":0.25,\"te\":0.5}"));
    assert_non_null(strstr(s, "\"training\":null"));
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
    /* Export only. */
    som_map *back = NULL;
    assert_int_equal(som_map_load_any(path, &back, &err), SOM_ENOTSUP);
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_export),
        cmocka_unit_test(test_export_weights_clusters),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
