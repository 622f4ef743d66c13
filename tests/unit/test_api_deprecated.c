/* SPDX-License-Identifier: MIT */
/* The previous release's names (som.h, "Deprecated names"; som_render.h's
 * som_render_free is in test_render.c) still link and give what their
 * replacements give: one call of each, compared with the new call. Built with the deprecation
 * warnings silenced, as a program that has not moved yet would be. The new
 * calls' own errors (the som_error they gained) are checked too. */
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
#define SOM_WARN_DEPRECATED 1 /* the attribute is on; the pragma silences it */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "som.h"

/* A 2x2 map of 2 fields, codebook (0,0) (1,0) (0,1) (1,1). */
static som_map *square_map(void)
{
    som_grid g = {2, 2, SOM_RECT, 0};
    som_map *m = NULL;
    assert_int_equal(som_map_new(&g, 2, &m, NULL), SOM_OK);
    const float cb[8] = {0, 0, 1, 0, 0, 1, 1, 1};
    som_map_set_codebook(m, cb);
    return m;
}

static void map_calls(void **state)
{
    (void)state;
    som_map *m = square_map();
    const float x[2] = {0.9f, 0.2f};
    size_t u_old = 9, u_new = 9;
    double d_old = -1, d_new = -1;
    assert_int_equal(som_map_bmu(m, x, NULL, &u_old, &d_old), SOM_OK);
    assert_int_equal(som_map_bmu_vector(m, x, NULL, &u_new, &d_new, NULL), SOM_OK);
    assert_int_equal(u_old, 1);
    assert_int_equal(u_new, u_old);
    assert_true(d_new == d_old);
    assert_int_equal(som_map_bmu_first(m, x, 1, &u_old, &d_old), SOM_OK);
    assert_int_equal(som_map_bmu_vector_first(m, x, 1, &u_new, &d_new, NULL), SOM_OK);
    assert_int_equal(u_new, u_old);
    assert_true(d_new == d_old);

    /* What the old calls could not say. */
    som_error err;
    const uint8_t none[2] = {0, 0};
    assert_int_equal(som_map_bmu(m, x, none, &u_old, NULL), SOM_EINVAL);
    assert_int_equal(som_map_bmu_vector(m, x, none, &u_new, NULL, &err), SOM_EINVAL);
    assert_int_equal(err.code, SOM_EINVAL);
    assert_string_equal(err.message, "the vector has no present field to search with");
    assert_int_equal(som_map_bmu_vector_first(m, x, 0, &u_new, NULL, &err), SOM_EINVAL);
    assert_non_null(strstr(err.message, "n_fields >= 1"));

    som_data *d = NULL;
    assert_int_equal(som_data_new(3, 2, &d, NULL), SOM_OK);
    assert_int_equal(som_data_set_title(d, 0, "width", NULL), SOM_OK);
    assert_int_equal(som_data_set_title(d, 1, "height", NULL), SOM_OK);
    assert_int_equal(som_map_set_titles_from(m, d), SOM_OK);
    assert_string_equal(som_map_title(m, 1), "height");
    som_data *wide = NULL;
    assert_int_equal(som_data_new(3, 5, &wide, NULL), SOM_OK);
    assert_int_equal(som_map_set_titles_from(m, wide), SOM_EDIM);
    assert_int_equal(som_map_set_titles_from_data(m, wide, &err), SOM_EDIM);
    assert_string_equal(err.message, "the data has 5 fields, the map 2");
    som_data_free(wide);
    som_data_free(d);
    som_map_free(m);
}

static int malloc_calls;
static void *count_malloc(size_t n)
{
    malloc_calls++;
    return malloc(n);
}

static void allocator_and_limit(void **state)
{
    (void)state;
    som_error err;
    assert_int_equal(som_set_allocator(count_malloc, NULL, free), SOM_EINVAL);
    assert_int_equal(som_allocator_set(count_malloc, NULL, free, &err), SOM_EINVAL);
    assert_non_null(strstr(err.message, "all three"));
    assert_int_equal(som_set_allocator(count_malloc, realloc, free), SOM_OK);
    void *p = som_calloc(4, 4);
    assert_non_null(p);
    assert_int_equal(malloc_calls, 1);
    p = som_realloc(p, 64); /* the hook's realloc: still som_free's */
    assert_non_null(p);
    som_free(p);
    assert_int_equal(som_allocator_set(NULL, NULL, NULL, NULL), SOM_OK);

    som_set_input_limit(12345);
    assert_int_equal(som_input_limit(), 12345);
    som_input_limit_set(0);
    assert_int_equal(som_input_limit(), (size_t)4 << 30);
}

static void npy_shape(void **state)
{
    (void)state;
    char path[] = "/tmp/som-test-deprecated-XXXXXX.npy";
    int fd = mkstemps(path, 4);
    assert_true(fd >= 0);
    close(fd);
    som_data *d = NULL;
    assert_int_equal(som_data_new(7, 3, &d, NULL), SOM_OK);
    assert_int_equal(som_data_write_npy(d, path, NULL), SOM_OK);
    size_t n = 0, dim = 0, n2 = 0, dim2 = 0;
    assert_int_equal(som_npy_shape(path, &n, &dim, NULL), SOM_OK);
    assert_int_equal(som_data_npy_shape(path, &n2, &dim2, NULL), SOM_OK);
    assert_int_equal(n, 7);
    assert_int_equal(dim, 3);
    assert_int_equal(n2, n);
    assert_int_equal(dim2, dim);
    unlink(path);
    som_data_free(d);
}

static void analysis_calls(void **state)
{
    (void)state;
    const float x[6] = {0.0f, 0.1f, 5.0f, 5.1f, 10.0f, 10.2f};
    uint32_t a[6], b[6];
    double ia, ib;
    assert_int_equal(som_kmeans(x, 6, 1, 3, 7, 3, 100, a, &ia, NULL), SOM_OK);
    assert_int_equal(som_vectors_kmeans(x, 6, 1, 3, 7, 3, 100, b, &ib, NULL), SOM_OK);
    assert_memory_equal(a, b, sizeof a);
    assert_true(ia == ib);

    double db = 0;
    assert_int_equal(som_vectors_davies_bouldin(x, 6, 1, a, 3, &db, NULL), SOM_OK);
    assert_true(som_davies_bouldin(x, 6, 1, a, 3) == db);
    const uint32_t bad[6] = {0, 0, 1, 1, 2, 3};
    assert_true(isnan(som_davies_bouldin(x, 6, 1, bad, 3))); /* old: NaN for a failure */

    som_grid g = {2, 3, SOM_RECT, 0};
    assert_int_equal(som_ward_grid(x, &g, 1, 3, a, NULL), SOM_OK);
    assert_int_equal(som_grid_ward(x, &g, 1, 3, b, NULL), SOM_OK);
    assert_memory_equal(a, b, sizeof a);

    /* label 0 in units 0 (2 rows) and 2 (1 row); label 1 in unit 1. */
    const size_t counts[2 * 3] = {2, 0, 1, 0, 4, 0};
    size_t best_old[4], best_new[4];
    assert_int_equal(som_label_best_units(counts, 2, 3, 2, best_old, NULL), SOM_OK);
    assert_int_equal(som_label_counts_best_units(counts, 2, 3, 2, best_new, NULL), SOM_OK);
    assert_memory_equal(best_old, best_new, sizeof best_old);
    assert_int_equal(best_new[0], 0);
    assert_int_equal(best_new[1], 2);
    assert_int_equal(best_new[2], 1);
    assert_int_equal(best_new[3], SIZE_MAX);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(map_calls),
        cmocka_unit_test(allocator_and_limit),
        cmocka_unit_test(npy_shape),
        cmocka_unit_test(analysis_calls),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
