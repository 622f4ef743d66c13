/* SPDX-License-Identifier: MIT */
/* The summaries of `som report` (src/analysis/summary.c) against values computed by
 * hand: labels per unit and the best units of each label, per-cluster
 * profiles, plane correlations and spreads. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "som.h"

#define CLOSE(a, b) assert_true(fabs((a) - (b)) < 1e-12)

/* A 1x4 map with no scaling and the codebook given, dim fields. */
static som_map *line_map(size_t dim, const float *codebook)
{
    som_grid g = {1, 4, SOM_RECT, 0};
    som_map *m = NULL;
    assert_int_equal(som_map_new(&g, dim, &m, NULL), SOM_OK);
    som_map_set_codebook(m, codebook);
    return m;
}

/* Planes a = 0 1 2 3, b = 0 2 4 1, c = 5 5 5 5 across the four units.
 * Deviations of a: -1.5 -0.5 0.5 1.5 (squares 5); of b from 1.75: -1.75
 * 0.25 2.25 -0.75 (squares 8.75); products 2.5: r = 2.5 / sqrt(5 * 8.75)
 * = 1/sqrt(7). c is constant. */
static void plane_correlations_by_hand(void **state)
{
    (void)state;
    const float cb[12] = {0, 0, 5, 1, 2, 5, 2, 4, 5, 3, 1, 5};
    som_map *m = line_map(3, cb);
    double r[9];
    assert_int_equal(som_map_plane_correlations(m, r, NULL), SOM_OK);
    CLOSE(r[0], 1.0);
    CLOSE(r[4], 1.0);
    CLOSE(r[1], 1.0 / sqrt(7.0));
    CLOSE(r[3], 1.0 / sqrt(7.0));
    for (int j = 0; j < 3; j++) {
        assert_true(isnan(r[2 * 3 + j]));
        assert_true(isnan(r[j * 3 + 2]));
    }
    double s[3];
    som_map_plane_spread(m, s);
    CLOSE(s[0], sqrt(5.0 / 4));
    CLOSE(s[1], sqrt(8.75 / 4));
    CLOSE(s[2], 0.0);
    /* A plane against its own negative: exactly -1, never past it. */
    const float neg[8] = {1, -1, 2, -2, 3, -3, 7, -7};
    som_map *n = line_map(2, neg);
    assert_int_equal(som_map_plane_correlations(n, r, NULL), SOM_OK);
    assert_true(r[1] >= -1.0 && fabs(r[1] + 1.0) < 1e-12);
    som_map_free(n);
    som_map_free(m);
}

/* Five rows, three fields, units 0 1 2 3 3; clusters {0,1} and {2,3}:
 *   row  values       unit  cluster
 *   0    1  10  5     0     0
 *   1    3  20  5     1     0
 *   2    5  --  5     2     1      (field 1 missing)
 *   3    7  40  5     3     1
 *   4    9  50  5     3     1
 * Cluster 0: means 2, 15, 5, sds 1, 5, 0. Cluster 1: means 7, 45, 5, sds
 * sqrt(8/3), 5, 0. Overall: means 5, 30, sds sqrt(8), sqrt(250); field 2
 * is constant, so its z is NaN. */
static void cluster_profiles_by_hand(void **state)
{
    (void)state;
    const float cb[12] = {0};
    som_map *m = line_map(3, cb);
    som_data *d;
    assert_int_equal(som_data_new(5, 3, &d, NULL), SOM_OK);
    const float rows[5][3] = {{1, 10, 5}, {3, 20, 5}, {5, NAN, 5}, {7, 40, 5}, {9, 50, 5}};
    for (size_t i = 0; i < 5; i++)
        assert_int_equal(som_data_set_row(d, i, rows[i], NULL, NULL), SOM_OK);
    const size_t units[5] = {0, 1, 2, 3, 3};
    const uint32_t clusters[4] = {0, 0, 1, 1};
    size_t nu[2], nr[2];
    double mean[6], sd[6], z[6];
    assert_int_equal(som_map_cluster_profiles(m, d, units, clusters, 2, nu, nr, mean, sd, z,
                                              NULL),
                     SOM_OK);
    assert_int_equal(nu[0], 2);
    assert_int_equal(nu[1], 2);
    assert_int_equal(nr[0], 2);
    assert_int_equal(nr[1], 3);
    CLOSE(mean[0], 2.0);
    CLOSE(mean[1], 15.0);
    CLOSE(mean[2], 5.0);
    CLOSE(mean[3], 7.0);
    CLOSE(mean[4], 45.0);
    CLOSE(sd[0], 1.0);
    CLOSE(sd[1], 5.0);
    CLOSE(sd[2], 0.0);
    CLOSE(sd[3], sqrt(8.0 / 3));
    CLOSE(sd[4], 5.0);
    CLOSE(z[0], -3.0 / sqrt(8.0));
    CLOSE(z[1], -15.0 / sqrt(250.0));
    assert_true(isnan(z[2]));
    CLOSE(z[3], 2.0 / sqrt(8.0));
    CLOSE(z[4], 15.0 / sqrt(250.0));
    assert_true(isnan(z[5]));

    /* A third cluster no unit belongs to: counts 0, NaN statistics; the
     * outputs are optional. */
    size_t nr3[3];
    double mean3[9];
    assert_int_equal(som_map_cluster_profiles(m, d, units, clusters, 3, NULL, nr3, mean3, NULL,
                                              NULL, NULL),
                     SOM_OK);
    assert_int_equal(nr3[2], 0);
    assert_true(isnan(mean3[6]));
    CLOSE(mean3[3], 7.0);

    /* k = 1: the whole data's means. */
    const uint32_t one[4] = {0, 0, 0, 0};
    assert_int_equal(som_map_cluster_profiles(m, d, units, one, 1, NULL, NULL, mean, sd, NULL,
                                              NULL),
                     SOM_OK);
    CLOSE(mean[0], 5.0);
    CLOSE(mean[1], 30.0);
    CLOSE(sd[0], sqrt(8.0));
    CLOSE(sd[1], sqrt(250.0));

    /* Bad input is named. */
    som_error err;
    const uint32_t bad[4] = {0, 0, 2, 1};
    assert_int_equal(som_map_cluster_profiles(m, d, units, bad, 2, NULL, NULL, mean, NULL, NULL,
                                              &err),
                     SOM_EINVAL);
    assert_non_null(strstr(err.message, "unit 2 is in cluster 2"));
    const size_t off[5] = {0, 1, 2, 3, 4};
    assert_int_equal(som_map_cluster_profiles(m, d, off, clusters, 2, NULL, NULL, mean, NULL,
                                              NULL, &err),
                     SOM_EINVAL);
    assert_non_null(strstr(err.message, "row 5: unit 4 is not on the map"));
    som_data *narrow;
    assert_int_equal(som_data_new(5, 2, &narrow, NULL), SOM_OK);
    assert_int_equal(som_map_cluster_profiles(m, narrow, units, clusters, 2, NULL, NULL, mean,
                                              NULL, NULL, &err),
                     SOM_EDIM);
    som_data_free(narrow);
    som_data_free(d);
    som_map_free(m);
}

/* Six rows labelled b a b b b "" at units 0 0 2 3 3 1. Distinct labels: a,
 * b (the empty one is no label). a: unit 0 once. b: unit 0 once (purity
 * 1/2: it also holds the a), unit 2 once (purity 1), unit 3 twice. So b's
 * best units are 3 (most rows), then 2 (purer than 0), then 0. */
static void labels_and_best_units_by_hand(void **state)
{
    (void)state;
    const float cb[4] = {0, 1, 2, 3};
    som_map *m = line_map(1, cb);
    som_data *d;
    assert_int_equal(som_data_new(6, 1, &d, NULL), SOM_OK);
    som_error err;
    size_t n = 99;
    assert_int_equal(som_data_distinct_labels(d, NULL, 0, &n, &err), SOM_EINVAL);
    assert_string_equal(err.message, "the data has no label column");
    const char *lab[6] = {"b", "a", "b", "b", "b", ""};
    for (size_t i = 0; i < 6; i++)
        assert_int_equal(som_data_set_label(d, i, lab[i], NULL), SOM_OK);

    const char *names[3] = {NULL, NULL, NULL};
    assert_int_equal(som_data_distinct_labels(d, names, 3, &n, NULL), SOM_OK);
    assert_int_equal(n, 2);
    assert_string_equal(names[0], "a");
    assert_string_equal(names[1], "b");
    assert_null(names[2]);
    const char *first[1];
    assert_int_equal(som_data_distinct_labels(d, first, 1, &n, NULL), SOM_OK);
    assert_int_equal(n, 2);
    assert_string_equal(first[0], "a");

    const size_t units[6] = {0, 0, 2, 3, 3, 1};
    size_t counts[8];
    assert_int_equal(som_map_label_counts(m, d, units, names, 2, counts, NULL), SOM_OK);
    const size_t want[8] = {1, 0, 0, 0, 1, 0, 1, 2};
    for (int i = 0; i < 8; i++) assert_int_equal(counts[i], want[i]);

    size_t best[6];
    assert_int_equal(som_label_best_units(counts, 2, 4, 3, best, NULL), SOM_OK);
    assert_int_equal(best[0], 0);
    assert_int_equal(best[1], SIZE_MAX);
    assert_int_equal(best[2], SIZE_MAX);
    assert_int_equal(best[3], 3);
    assert_int_equal(best[4], 2);
    assert_int_equal(best[5], 0);

    /* A listed label that no row has counts nothing; a unit off the map is
     * named. */
    const char *other[1] = {"zebra"};
    assert_int_equal(som_map_label_counts(m, d, units, other, 1, counts, NULL), SOM_OK);
    for (int i = 0; i < 4; i++) assert_int_equal(counts[i], 0);
    const size_t off[6] = {0, 0, 2, 3, 9, 1};
    assert_int_equal(som_map_label_counts(m, d, off, names, 2, counts, &err), SOM_EINVAL);
    assert_non_null(strstr(err.message, "row 5: unit 9 is not on the map"));
    som_data_free(d);
    som_map_free(m);
}

/* ---- out of memory: each allocation failing in turn ------------------------ */

#include "failing_alloc.h"

/* Runs call(which) with its 1st, 2nd, ... allocation failing until it runs
 * through: SOM_ENOMEM each time, nothing left allocated. */
static void each_allocation_failing(int (*call)(int), int which)
{
    for (long k = 0;; k++) {
        assert_int_equal(som_set_allocator(failing_malloc, failing_realloc, failing_free), SOM_OK);
        failing_live = 0;
        failing_refused = 0;
        failing_countdown = k;
        int rc = call(which);
        failing_countdown = -1;
        som_set_allocator(NULL, NULL, NULL);
        assert_int_equal(failing_live, 0);
        if (failing_refused == 0) {
            assert_int_equal(rc, SOM_OK);
            assert_true(k > 0); /* it does allocate */
            return;
        }
        assert_int_equal(rc, SOM_ENOMEM);
    }
}

static som_map *oom_map;
static som_data *oom_data;

static int summary_call(int which)
{
    static const size_t units[6] = {0, 0, 2, 3, 3, 1};
    static const uint32_t clusters[4] = {0, 1, 1, 0};
    const char *names[2];
    size_t n, counts[8], best[4];
    double out[4];
    switch (which) {
    case 0: return som_data_distinct_labels(oom_data, names, 2, &n, NULL);
    case 1:
        names[0] = "a";
        names[1] = "b";
        return som_map_label_counts(oom_map, oom_data, units, names, 2, counts, NULL);
    case 2:
        memset(counts, 0, sizeof counts);
        counts[1] = 2;
        return som_label_best_units(counts, 2, 4, 2, best, NULL);
    case 3:
        return som_map_cluster_profiles(oom_map, oom_data, units, clusters, 2, NULL, NULL, out,
                                        NULL, NULL, NULL);
    default: return som_map_plane_correlations(oom_map, out, NULL);
    }
}

static void summaries_out_of_memory(void **state)
{
    (void)state;
    const float cb[4] = {0, 1, 2, 3};
    oom_map = line_map(1, cb);
    assert_int_equal(som_data_new(6, 1, &oom_data, NULL), SOM_OK);
    const char *lab[6] = {"b", "a", "b", "b", "b", ""};
    for (size_t i = 0; i < 6; i++)
        assert_int_equal(som_data_set_label(oom_data, i, lab[i], NULL), SOM_OK);
    for (int which = 0; which < 5; which++) each_allocation_failing(summary_call, which);
    som_data_free(oom_data);
    som_map_free(oom_map);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(plane_correlations_by_hand),
        cmocka_unit_test(cluster_profiles_by_hand),
        cmocka_unit_test(labels_and_best_units_by_hand),
        cmocka_unit_test(summaries_out_of_memory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
