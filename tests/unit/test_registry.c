/* SPDX-License-Identifier: MIT */
/* test_registry.c — the format registry (som.h, "Formats: one registry"):
 * every format found by name and by each extension, every map format told
 * by its first bytes; what each holds; what saving a hex, toroid, scaled,
 * weighted, clustered, trained map (and a labelled, weighted data set)
 * loses in each format; the generic calls' dispatch and messages; and every
 * golden file loading through the registry, the native ones writing back
 * the same bytes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "som.h"

#define GOLDEN SOM_TEST_GOLDEN_DIR

/* ---- helpers ------------------------------------------------------------------ */

static char tmpdir[64];

static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/som-registry.XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

static const char *tmp(const char *name)
{
    static char path[2][256];
    static int k;
    k ^= 1;
    snprintf(path[k], sizeof path[k], "%s/%s", tmpdir, name);
    return path[k];
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

static void assert_same_file(const char *a, const char *b)
{
    size_t na, nb;
    unsigned char *x = slurp(a, &na), *y = slurp(b, &nb);
    assert_int_equal(na, nb);
    assert_memory_equal(x, y, na);
    free(x);
    free(y);
}

static void assert_same_codebook(const som_map *a, const som_map *b)
{
    assert_int_equal(som_map_n_units(a), som_map_n_units(b));
    assert_int_equal(som_map_dim(a), som_map_dim(b));
    assert_memory_equal(som_map_codebook(a), som_map_codebook(b),
                        som_map_n_units(a) * som_map_dim(a) * sizeof(float));
}

/* ---- the table ------------------------------------------------------------------- */

static void test_every_format_found(void **state)
{
    (void)state;
    static const char *const names[] = {"som", "somnet", "cod", "wts", "umx",
                                        "json", "csv", "npy", "dat", "lrn"};
    const size_t n = sizeof names / sizeof names[0];
    assert_int_equal(som_format_count(), n);
    assert_null(som_format_at(n));
    for (size_t i = 0; i < n; i++) {
        const som_format_info *f = som_format_at(i);
        assert_non_null(f);
        assert_string_equal(f->name, names[i]);
        assert_true(strlen(f->description) > 0);
        assert_true(f->uses != 0);
        assert_ptr_equal(som_format_named(names[i]), f);
        /* By every extension, in any case, after a directory with a dot. */
        assert_non_null(f->extensions[0]);
        for (const char *const *e = f->extensions; *e; e++) {
            char path[64], upper[64];
            snprintf(path, sizeof path, "some.dir/file%s", *e);
            assert_ptr_equal(som_format_of_path(path), f);
            size_t k = 0;
            for (; path[k]; k++) upper[k] = (char)(path[k] >= 'a' && path[k] <= 'z' ? path[k] - 32 : path[k]);
            upper[k] = '\0';
            assert_ptr_equal(som_format_of_path(upper), f);
        }
    }
    assert_ptr_equal(som_format_named("SOMNET"), som_format_named("somnet"));
    assert_null(som_format_named("xyz"));
    assert_null(som_format_named(NULL));
    assert_null(som_format_of_path("model.xyz"));
    assert_null(som_format_of_path("model"));
    assert_null(som_format_of_path(NULL));
    /* The longest extension wins. */
    assert_string_equal(som_format_of_path("a.cod.gz")->name, "cod");
    assert_string_equal(som_format_of_path("a.dat.gz")->name, "dat");
}

static void test_what_each_holds(void **state)
{
    (void)state;
    const unsigned map_all = SOM_PART_CODEBOOK | SOM_PART_HEX | SOM_PART_TOROID |
                             SOM_PART_SCALING | SOM_PART_TITLES | SOM_PART_CLUSTERS |
                             SOM_PART_FEATURE_WEIGHTS | SOM_PART_SETTINGS | SOM_PART_HISTORY |
                             SOM_PART_DISTANCE;
    const unsigned map_io = SOM_FORMAT_LOAD_MAP | SOM_FORMAT_SAVE_MAP;
    const unsigned data_io = SOM_FORMAT_READ_DATA | SOM_FORMAT_WRITE_DATA;
    static const struct {
        const char *name;
        unsigned uses, holds;
    } want[] = {
        {"som", 3, 0},  {"somnet", 3, SOM_PART_CODEBOOK | SOM_PART_TITLES},
        {"cod", 3, SOM_PART_CODEBOOK | SOM_PART_HEX | SOM_PART_TITLES},
        {"wts", 3, SOM_PART_CODEBOOK}, {"umx", SOM_FORMAT_SAVE_MAP, 0},
        {"json", 3, 0}, {"csv", 12, SOM_PART_TITLES | SOM_PART_LABELS},
        {"npy", 12, 0},
        {"dat", 12, SOM_PART_TITLES | SOM_PART_LABELS | SOM_PART_SAMPLE_WEIGHTS | SOM_PART_FIXED},
        {"lrn", 12, SOM_PART_TITLES | SOM_PART_LABELS},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        const som_format_info *f = som_format_named(want[i].name);
        assert_non_null(f);
        unsigned uses = want[i].uses == 3 ? map_io : want[i].uses == 12 ? data_io : want[i].uses;
        unsigned holds = strcmp(want[i].name, "som") == 0 || strcmp(want[i].name, "json") == 0
                             ? map_all
                             : want[i].holds;
        assert_int_equal(f->uses, uses);
        assert_int_equal(f->holds, holds);
    }
    for (unsigned bit = 1; bit < (1u << SOM_PART_COUNT); bit <<= 1) {
        assert_true(strlen(som_part_name((som_part)bit)) > 0);
        assert_true(strlen(som_part_loss((som_part)bit)) > 0);
    }
    assert_string_equal(som_part_name((som_part)0), "");
    assert_string_equal(som_part_name((som_part)3), "");
    assert_string_equal(som_part_loss((som_part)(1u << SOM_PART_COUNT)), "");
    assert_string_equal(som_part_name(SOM_PART_HEX), "hexagonal topology");
    assert_string_equal(som_part_loss(SOM_PART_HEX), "the map is read back as rectangular");
}

/* ---- telling a format by its first bytes ------------------------------------------ */

static void test_sniff(void **state)
{
    (void)state;
    static const struct {
        const char *file, *format;
    } golden[] = {{"model-v1.som", "som"},
                  {"net-3x2.somnet", "somnet"},
                  {"sompak-hexa-3x2.cod", "cod"},
                  {"esom-2x3.wts", "wts"}};
    for (size_t i = 0; i < sizeof golden / sizeof golden[0]; i++) {
        char path[512];
        snprintf(path, sizeof path, "%s/%s", GOLDEN, golden[i].file);
        size_t len;
        unsigned char *b = slurp(path, &len);
        const som_format_info *f = som_format_sniff(b, len);
        assert_non_null(f);
        assert_string_equal(f->name, golden[i].format);
        /* Loaded by content alone (no name), the same map as by name. */
        som_map *by_content = NULL, *by_name = NULL;
        som_error err;
        assert_int_equal(som_map_load_buffer(b, len, NULL, NULL, &by_content, &err), SOM_OK);
        assert_int_equal(som_map_load_as(path, NULL, &by_name, &err), SOM_OK);
        assert_same_codebook(by_content, by_name);
        som_map_free(by_content);
        som_map_free(by_name);
        free(b);
    }
    assert_null(som_format_sniff("a,b\n1,2\n", 8));
    assert_null(som_format_sniff("", 0));
    assert_null(som_format_sniff(NULL, 0));
    static const char zeros[64];
    assert_null(som_format_sniff(zeros, sizeof zeros));
    som_map *m = NULL;
    som_error err;
    assert_int_equal(som_map_load_buffer("a,b\n1,2\n", 8, "x.bin", NULL, &m, &err), SOM_EFORMAT);
    assert_null(m);
    assert_non_null(strstr(err.message, "cannot tell the format: not a .som model"));
}

/* ---- a map with every part, and what each format loses of it ------------------------ */

static som_map *full_map(void)
{
    som_error err;
    som_data *d = NULL;
    static const char csv[] = "alpha,beta,gamma\n1,2,3\n2,1,0\n4,4,1\n0,3,2\n5,0,4\n3,3,3\n";
    assert_int_equal(som_data_read_buffer(csv, sizeof csv - 1, "x.csv", NULL, NULL, &d, &err),
                     SOM_OK);
    som_grid g = {4, 3, SOM_HEX, 1};
    som_map *m = NULL;
    assert_int_equal(som_map_new(&g, 3, &m, &err), SOM_OK);
    assert_int_equal(som_map_set_titles_from_data(m, d, NULL), SOM_OK);
    assert_int_equal(som_map_fit_scaling(m, d, SOM_SCALE_ZSCORE, &err), SOM_OK);
    const double w[3] = {1, 2, 0.5};
    assert_int_equal(som_map_set_feature_weights(m, w, &err), SOM_OK);
    som_train_opts o;
    som_train_opts_init(&o);
    o.epochs = 2;
    assert_int_equal(som_map_train(m, d, &o, &err), SOM_OK);
    uint32_t c[12];
    for (size_t i = 0; i < 12; i++) c[i] = (uint32_t)(i % 3);
    assert_int_equal(som_map_set_clusters(m, c, 3, &err), SOM_OK);
    som_data_free(d);
    return m;
}

static void test_map_losses(void **state)
{
    (void)state;
    som_map *m = full_map();
    const unsigned common = SOM_PART_TOROID | SOM_PART_SCALING | SOM_PART_CLUSTERS |
                            SOM_PART_FEATURE_WEIGHTS | SOM_PART_SETTINGS | SOM_PART_HISTORY;
    static const struct {
        const char *format;
        unsigned extra; /* beyond `common`; ~0u: nothing lost; 0x8000: codebook */
    } want[] = {{"som", ~0u},
                {"json", ~0u},
                {"somnet", SOM_PART_HEX},
                {"cod", 0},
                {"wts", SOM_PART_HEX | SOM_PART_TITLES},
                {"umx", 0x8000}};
    som_error err;
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        unsigned lost = 12345, expected = want[i].extra == ~0u     ? 0
                                          : want[i].extra == 0x8000 ? SOM_PART_CODEBOOK
                                                                    : common | want[i].extra;
        assert_int_equal(som_map_losses(m, want[i].format, NULL, &lost, &err), SOM_OK);
        assert_int_equal(lost, expected);
        /* By the name's extension the same. */
        char path[32];
        snprintf(path, sizeof path, "x.%s", want[i].format);
        lost = 12345;
        assert_int_equal(som_map_losses(m, NULL, path, &lost, &err), SOM_OK);
        assert_int_equal(lost, expected);
    }
    /* A plain map (rect sheet, no scaling, titles 1..dim, untrained) loses
     * nothing anywhere it can be saved with its codebook. */
    som_grid g = {2, 2, SOM_RECT, 0};
    som_map *plain = NULL;
    assert_int_equal(som_map_new(&g, 2, &plain, &err), SOM_OK);
    for (size_t i = 0; i < som_format_count(); i++) {
        const som_format_info *f = som_format_at(i);
        if (!(f->uses & SOM_FORMAT_SAVE_MAP)) continue;
        unsigned lost = 1;
        assert_int_equal(som_map_losses(plain, f->name, NULL, &lost, &err), SOM_OK);
        assert_int_equal(lost, strcmp(f->name, "umx") == 0 ? SOM_PART_CODEBOOK : 0u);
    }
    /* What the notes promise is what comes back: a .somnet reads back a
     * rect sheet without scaling, weights, clusters or settings. */
    assert_int_equal(som_map_save_as(m, tmp("full.somnet"), NULL, &err), SOM_OK);
    som_map *back = NULL;
    assert_int_equal(som_map_load_as(tmp("full.somnet"), NULL, &back, &err), SOM_OK);
    assert_int_equal(som_map_grid(back)->topology, SOM_RECT);
    assert_int_equal(som_map_grid(back)->toroid, 0);
    assert_int_equal(som_map_scaling(back), SOM_SCALE_NONE);
    assert_null(som_map_feature_weights(back));
    assert_int_equal(som_map_n_clusters(back), 0);
    assert_int_equal(som_map_history_len(back), 0);
    unsigned lost = 1;
    assert_int_equal(som_map_losses(back, "somnet", NULL, &lost, &err), SOM_OK);
    assert_int_equal(lost, 0); /* lost once, not again */
    som_map_free(back);
    /* A .som keeps everything, byte for byte. */
    assert_int_equal(som_map_save_as(m, tmp("a.som"), NULL, &err), SOM_OK);
    assert_int_equal(som_map_load_as(tmp("a.som"), NULL, &back, &err), SOM_OK);
    assert_int_equal(som_map_save_as(back, tmp("b.som"), "som", &err), SOM_OK);
    assert_same_file(tmp("a.som"), tmp("b.som"));
    som_map_free(back);

    /* Errors. */
    assert_int_equal(som_map_losses(m, "xyz", NULL, &lost, &err), SOM_EINVAL);
    assert_string_equal(err.message,
                        "unknown format 'xyz'; expected one of som, somnet, cod, wts, umx, json");
    assert_int_equal(som_map_losses(m, "csv", NULL, &lost, &err), SOM_EINVAL);
    assert_string_equal(err.message, "the csv format holds data, not a map");
    assert_int_equal(som_map_losses(m, NULL, "x.xyz", &lost, &err), SOM_EINVAL);
    assert_string_equal(err.message, "x.xyz: cannot tell the format from the name; use .som, "
                                     ".somnet, .cod, .wts, .umx or .json");
    assert_int_equal(som_map_losses(m, NULL, NULL, &lost, &err), SOM_EINVAL);
    assert_int_equal(som_map_losses(NULL, "som", NULL, &lost, &err), SOM_EINVAL);
    som_map_free(plain);
    som_map_free(m);
}

static void test_data_losses(void **state)
{
    (void)state;
    som_error err;
    som_data *d = NULL;
    static const char dat[] = "#n a b\n2\n1 2 first weight=2\n3 4 second fixed=1,0\n5 x third\n";
    assert_int_equal(som_data_read_buffer(dat, sizeof dat - 1, "w.dat", NULL, NULL, &d, &err),
                     SOM_OK);
    static const struct {
        const char *format;
        unsigned lost;
    } want[] = {
        {"dat", 0},
        {"csv", SOM_PART_SAMPLE_WEIGHTS | SOM_PART_FIXED},
        {"lrn", SOM_PART_SAMPLE_WEIGHTS | SOM_PART_FIXED},
        {"npy", SOM_PART_TITLES | SOM_PART_LABELS | SOM_PART_SAMPLE_WEIGHTS | SOM_PART_FIXED},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        unsigned lost = 12345;
        assert_int_equal(som_data_losses(d, want[i].format, NULL, &lost, &err), SOM_OK);
        assert_int_equal(lost, want[i].lost);
    }
    /* Any other name is written as CSV, and loses what CSV loses. */
    unsigned lost = 0;
    assert_int_equal(som_data_losses(d, NULL, "x.txt", &lost, &err), SOM_OK);
    assert_int_equal(lost, SOM_PART_SAMPLE_WEIGHTS | SOM_PART_FIXED);
    assert_int_equal(som_data_losses(d, "som", NULL, &lost, &err), SOM_EINVAL);
    assert_string_equal(err.message, "the som format holds maps, not data");
    som_data_free(d);
}

/* ---- dispatch ------------------------------------------------------------------ */

static void test_dispatch(void **state)
{
    (void)state;
    som_error err;
    som_map *m = NULL;
    /* A U-matrix is written, not read; JSON models are read (a missing
     * file is named as such). */
    assert_int_equal(som_map_load_as("x", "umx", &m, &err), SOM_ENOTSUP);
    assert_int_equal(som_map_load_as("/nonexistent/x.json", NULL, &m, &err), SOM_EIO);
    assert_int_equal(som_map_load_as("x.som", "csv", &m, &err), SOM_EINVAL);
    assert_string_equal(err.message, "the csv format holds data, not a map");
    assert_int_equal(som_map_load_as(NULL, NULL, &m, &err), SOM_EINVAL);
    assert_string_equal(err.message, "no input file name given");
    assert_int_equal(som_map_load_buffer(NULL, 3, "x", NULL, &m, &err), SOM_EINVAL);

    /* An explicit format wins over the name: a .cod saved under .txt. */
    som_map *cod = NULL;
    char path[512];
    snprintf(path, sizeof path, "%s/sompak-hexa-3x2.cod", GOLDEN);
    assert_int_equal(som_map_load_as(path, "cod", &cod, &err), SOM_OK);
    assert_int_equal(som_map_save_as(cod, tmp("codebook.txt"), "cod", &err), SOM_OK);
    assert_int_equal(som_map_load_as(tmp("codebook.txt"), "cod", &m, &err), SOM_OK);
    assert_same_codebook(cod, m);
    som_map_free(m);
    /* ... and by content when the name says nothing. */
    assert_int_equal(som_map_load_as(tmp("codebook.txt"), NULL, &m, &err), SOM_OK);
    assert_same_codebook(cod, m);
    som_map_free(m);
    /* A name without extension that does not exist is a .somnet. */
    assert_int_equal(som_map_save_as(cod, tmp("net.somnet"), NULL, &err), SOM_OK);
    assert_int_equal(som_map_load_as(tmp("net"), NULL, &m, &err), SOM_OK);
    assert_same_codebook(cod, m);
    som_map_free(m);
    assert_int_equal(som_map_load_as(tmp("net"), "somnet", &m, &err), SOM_OK);
    som_map_free(m);
    /* No writer compresses: "x.cod.gz" names no format to save in. */
    assert_int_equal(som_map_save_as(cod, tmp("x.cod.gz"), NULL, &err), SOM_EINVAL);
    assert_non_null(strstr(err.message, "cannot tell the format from the name"));
    assert_int_equal(access(tmp("x.cod.gz"), F_OK), -1);
    som_map_free(cod);

    /* Data: by name, by an explicit format, by the .npy magic. */
    som_data *d = NULL, *back = NULL;
    static const char csv[] = "a,b\n1,2\n3,NA\n";
    assert_int_equal(som_data_read_buffer(csv, sizeof csv - 1, NULL, NULL, NULL, &d, &err), SOM_OK);
    assert_int_equal(som_data_write_as(d, tmp("d.npy"), NULL, &err), SOM_OK);
    size_t len;
    unsigned char *npy = slurp(tmp("d.npy"), &len);
    assert_int_equal(som_data_read_buffer(npy, len, NULL, NULL, NULL, &back, &err), SOM_OK);
    assert_int_equal(som_data_n_samples(back), 2);
    assert_int_equal(som_data_n_missing(back), 1);
    som_data_free(back);
    free(npy);
    assert_int_equal(som_data_write_as(d, tmp("d.bin"), "lrn", &err), SOM_OK);
    assert_int_equal(som_data_read_as(tmp("d.bin"), "lrn", NULL, &back, &err), SOM_OK);
    assert_string_equal(som_data_title(back, 1), "b");
    som_data_free(back);
    /* Without a data format's extension a file is CSV. */
    assert_int_equal(som_data_write_as(d, tmp("d.txt"), NULL, &err), SOM_OK);
    assert_int_equal(som_data_read_as(tmp("d.txt"), NULL, NULL, &back, &err), SOM_OK);
    assert_string_equal(som_data_title(back, 0), "a");
    som_data_free(back);
    assert_int_equal(som_data_read_as(tmp("d.txt"), "wts", NULL, &back, &err), SOM_EINVAL);
    assert_string_equal(err.message, "the wts format holds maps, not data");
    som_data_free(d);
}

/* ---- golden files ------------------------------------------------------------------ */

/* Every golden file loads through the registry as through the deprecated
 * call of its format; the native models write back the same bytes, the
 * others write a file that writes itself again byte for byte. */
static void test_golden(void **state)
{
    (void)state;
    som_error err;
    static const char *const maps[] = {"model-v1.som", "net-3x2.somnet", "sompak-hexa-3x2.cod",
                                       "esom-2x3.wts"};
    for (size_t i = 0; i < sizeof maps / sizeof maps[0]; i++) {
        char path[512];
        snprintf(path, sizeof path, "%s/%s", GOLDEN, maps[i]);
        som_map *m = NULL, *old = NULL, *again = NULL;
        assert_int_equal(som_map_load_as(path, NULL, &m, &err), SOM_OK);
        assert_int_equal(som_map_load_any(path, &old, &err), SOM_OK);
        assert_same_codebook(m, old);
        const char *ext = strrchr(maps[i], '.');
        char a[64], b[64];
        snprintf(a, sizeof a, "a%s", ext);
        snprintf(b, sizeof b, "b%s", ext);
        char pa[256];
        snprintf(pa, sizeof pa, "%s", tmp(a));
        assert_int_equal(som_map_save_as(m, pa, NULL, &err), SOM_OK);
        if (i == 0) assert_same_file(path, pa);
        assert_int_equal(som_map_load_as(pa, NULL, &again, &err), SOM_OK);
        assert_same_codebook(m, again);
        assert_int_equal(som_map_save_as(again, tmp(b), NULL, &err), SOM_OK);
        assert_same_file(pa, tmp(b));
        som_map_free(m);
        som_map_free(old);
        som_map_free(again);
    }
    static const char *const data[] = {"sompak-data.dat", "esom-data.lrn"};
    for (size_t i = 0; i < sizeof data / sizeof data[0]; i++) {
        char path[512];
        snprintf(path, sizeof path, "%s/%s", GOLDEN, data[i]);
        som_data *d = NULL, *old = NULL;
        assert_int_equal(som_data_read_as(path, NULL, NULL, &d, &err), SOM_OK);
        assert_int_equal(som_data_read(path, NULL, &old, &err), SOM_OK);
        assert_int_equal(som_data_n_samples(d), som_data_n_samples(old));
        assert_memory_equal(som_data_values(d), som_data_values(old),
                            som_data_n_samples(d) * som_data_dim(d) * sizeof(float));
        som_data_free(d);
        som_data_free(old);
    }
    /* The recorded models of tests/golden/models: the same bytes back. */
    char dir[512];
    snprintf(dir, sizeof dir, "%s/models", GOLDEN);
    DIR *dp = opendir(dir);
    assert_non_null(dp);
    size_t n = 0;
    for (struct dirent *e; (e = readdir(dp));) {
        size_t k = strlen(e->d_name);
        if (k < 5 || strcmp(e->d_name + k - 4, ".som") != 0) continue;
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        som_map *m = NULL;
        assert_int_equal(som_map_load_as(path, NULL, &m, &err), SOM_OK);
        assert_int_equal(som_map_save_as(m, tmp("model.som"), NULL, &err), SOM_OK);
        assert_same_file(path, tmp("model.som"));
        som_map_free(m);
        n++;
    }
    closedir(dp);
    assert_true(n >= 10);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_format_found), cmocka_unit_test(test_what_each_holds),
        cmocka_unit_test(test_sniff),              cmocka_unit_test(test_map_losses),
        cmocka_unit_test(test_data_losses),        cmocka_unit_test(test_dispatch),
        cmocka_unit_test(test_golden),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
