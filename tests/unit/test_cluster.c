/* SPDX-License-Identifier: MIT */
/* Clusters of units: k-means finds three well-separated groups of units
 * exactly, Ward linkage between grid neighbours gives contiguous clusters,
 * and the Davies-Bouldin index picks k = 3 on the three groups. The
 * default (SOM_CLUSTER_AUTO): dead units follow their nearest live
 * neighbour, hits weigh the units, three groups give k = 3, five blobs
 * k = 5, evenly spread units one group. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "analysis/analysis.h"
#include "../../bench/blobs.h"

/* A 6x9 map whose units come in three groups of three columns each: unit
 * (r, c) is centre c/3 plus a little noise. The groups are far apart
 * (centres 10 apart, noise 0.3). */
static som_map *three_groups(som_topology topo)
{
    som_grid g = {6, 9, topo, 0};
    som_map *m;
    assert_int_equal(som_map_new(&g, 3, &m, NULL), SOM_OK);
    static const double centre[3][3] = {{0, 0, 0}, {10, 0, 0}, {0, 10, 0}};
    float cb[54 * 3];
    uint64_t s = 7;
    for (size_t u = 0; u < 54; u++)
        for (size_t j = 0; j < 3; j++)
            cb[u * 3 + j] = (float)(centre[(u % 9) / 3][j] + 0.6 * (blobs_uniform(&s) - 0.5));
    som_map_set_codebook(m, cb);
    return m;
}

static void assert_three_groups(const som_map *m)
{
    assert_int_equal(som_map_n_clusters(m), 3);
    const uint32_t *c = som_map_clusters(m);
    assert_non_null(c);
    /* Clusters are numbered by their first unit: unit 0 is group 0, unit 3
     * group 1, unit 6 group 2, so the labels are the groups themselves. */
    for (size_t u = 0; u < 54; u++) assert_int_equal(c[u], (u % 9) / 3);
}

static void kmeans_finds_three_groups(void **state)
{
    (void)state;
    som_map *m = three_groups(SOM_RECT);
    som_cluster_opts o;
    som_cluster_opts_init(&o);
    o.method = SOM_CLUSTER_KMEANS;
    o.k = 3;
    assert_int_equal(som_map_cluster(m, &o, NULL, NULL), SOM_OK);
    assert_three_groups(m);
    som_map_free(m);
}

static void ward_finds_three_groups(void **state)
{
    (void)state;
    som_map *m = three_groups(SOM_HEX);
    som_cluster_opts o;
    som_cluster_opts_init(&o);
    o.method = SOM_CLUSTER_WARD;
    o.k = 3;
    assert_int_equal(som_map_cluster(m, &o, NULL, NULL), SOM_OK);
    assert_three_groups(m);
    som_map_free(m);
}

static void davies_bouldin_picks_three(void **state)
{
    (void)state;
    for (int method = 0; method < 2; method++) {
        som_map *m = three_groups(SOM_RECT);
        som_cluster_opts o;
        som_cluster_opts_init(&o);
        o.method = (som_cluster_method)method;
        o.k_min = 2;
        o.k_max = 8;
        double db[7];
        assert_int_equal(som_map_cluster(m, &o, db, NULL), SOM_OK);
        assert_three_groups(m);
        for (size_t s = 0; s < 7; s++) {
            assert_true(db[s] == db[s]); /* not NaN */
            if (s != 1) assert_true(db[1] < db[s]);
        }
        som_map_free(m);
    }
}

static void davies_bouldin_by_hand(void **state)
{
    (void)state;
    /* {0, 2} and {10, 12}: centroids 1 and 11, scatter 1 each, distance 10:
     * both ratios (1 + 1) / 10. */
    const float x[4] = {0, 2, 10, 12};
    const uint32_t lab[4] = {0, 0, 1, 1};
    double db = 0;
    assert_int_equal(som_vectors_davies_bouldin(x, 4, 1, lab, 2, &db, NULL), SOM_OK);
    assert_true(fabs(db - 0.2) < 1e-12);
    assert_int_equal(som_vectors_davies_bouldin(x, 4, 1, lab, 1, &db, NULL), SOM_OK);
    assert_true(isnan(db)); /* k < 2 */
    const uint32_t empty[4] = {0, 0, 0, 0};
    assert_int_equal(som_vectors_davies_bouldin(x, 4, 1, empty, 2, &db, NULL), SOM_OK);
    assert_true(isnan(db)); /* cluster 1 is empty */
    som_error err;
    const uint32_t over[4] = {0, 0, 1, 2};
    assert_int_equal(som_vectors_davies_bouldin(x, 4, 1, over, 2, &db, &err), SOM_EINVAL);
    assert_string_equal(err.message, "row 4 has cluster 2, not below k = 2");
}

static void kmeans_small_known(void **state)
{
    (void)state;
    const float x[7] = {0.0f, 0.1f, 0.2f, 5.0f, 5.1f, 10.0f, 10.2f};
    uint32_t lab[7], again[7];
    double inertia;
    assert_int_equal(som_vectors_kmeans(x, 7, 1, 3, 42, 5, 100, lab, &inertia, NULL), SOM_OK);
    const uint32_t want[7] = {0, 0, 0, 1, 1, 2, 2};
    assert_memory_equal(lab, want, sizeof want);
    /* 0.02 + 0.005 + 0.02 */
    assert_true(fabs(inertia - 0.045) < 1e-6);
    assert_int_equal(som_vectors_kmeans(x, 7, 1, 3, 42, 5, 100, again, NULL, NULL), SOM_OK);
    assert_memory_equal(lab, again, sizeof lab);
    assert_int_equal(som_vectors_kmeans(x, 7, 1, 8, 42, 5, 100, lab, NULL, NULL), SOM_EINVAL);
    assert_int_equal(som_vectors_kmeans(x, 7, 1, 0, 42, 5, 100, lab, NULL, NULL), SOM_EINVAL);
    /* k = n: every point alone, even with duplicates. */
    const float dup[3] = {1, 1, 1};
    assert_int_equal(som_vectors_kmeans(dup, 3, 1, 3, 1, 1, 100, lab, &inertia, NULL), SOM_OK);
    assert_true(lab[0] != lab[1] && lab[1] != lab[2] && lab[0] != lab[2]);
}

/* Every cluster is one connected set of units on the grid. */
static void assert_contiguous(const som_grid *g, const uint32_t *c, size_t k)
{
    size_t n = g->rows * g->cols;
    size_t *queue = malloc(n * sizeof *queue);
    char *seen = calloc(n, 1);
    size_t *members = calloc(k, sizeof *members);
    assert_non_null(queue);
    assert_non_null(seen);
    assert_non_null(members);
    for (size_t u = 0; u < n; u++) members[c[u]]++;
    for (size_t cl = 0; cl < k; cl++) {
        assert_true(members[cl] > 0);
        size_t start = 0;
        while (c[start] != cl) start++;
        size_t head = 0, tail = 0, reached = 0;
        queue[tail++] = start;
        seen[start] = 1;
        while (head < tail) {
            size_t u = queue[head++], nb[6];
            reached++;
            size_t m = som_grid_neighbors(g, u, nb);
            for (size_t t = 0; t < m; t++)
                if (!seen[nb[t]] && c[nb[t]] == cl) {
                    seen[nb[t]] = 1;
                    queue[tail++] = nb[t];
                }
        }
        assert_int_equal(reached, members[cl]);
    }
    free(queue);
    free(seen);
    free(members);
}

static void ward_is_contiguous(void **state)
{
    (void)state;
    /* A map trained on five blobs in 4-D; clusters of every size from 2 to
     * 12 on a hexagonal sheet, a rectangular sheet and a toroid. */
    const size_t n = 600, dim = 4;
    float *x = malloc(n * dim * sizeof *x);
    double centres[5 * 4];
    assert_non_null(x);
    blobs_fill(x, n, dim, 5, centres, 11);
    som_data *d;
    assert_int_equal(som_data_new(n, dim, &d, NULL), SOM_OK);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(som_data_set_row(d, i, x + i * dim, NULL, NULL), SOM_OK);
    const som_grid grids[3] = {{8, 11, SOM_HEX, 0}, {9, 9, SOM_RECT, 0}, {8, 10, SOM_HEX, 1}};
    for (size_t gi = 0; gi < 3; gi++) {
        som_map *m;
        assert_int_equal(som_map_new(&grids[gi], dim, &m, NULL), SOM_OK);
        som_train_opts o;
        som_train_opts_init(&o);
        o.epochs = 8;
        o.init = SOM_INIT_RANDOM; /* a less tidy map: a harder case */
        assert_int_equal(som_map_train(m, d, &o, NULL), SOM_OK);
        for (size_t k = 2; k <= 12; k++) {
            som_cluster_opts co;
            som_cluster_opts_init(&co);
            co.method = SOM_CLUSTER_WARD;
            co.k = k;
            assert_int_equal(som_map_cluster(m, &co, NULL, NULL), SOM_OK);
            assert_int_equal(som_map_n_clusters(m), k);
            assert_contiguous(&grids[gi], som_map_clusters(m), k);
            /* The default, weighted by hits, dead units attached: k as
             * asked (its clusters may take several patches: a map folds). */
            size_t hits[110];
            som_quality q;
            assert_int_equal(som_map_quality(m, d, &q, hits, 1, NULL), SOM_OK);
            co.method = SOM_CLUSTER_AUTO;
            co.hits = hits;
            assert_int_equal(som_map_cluster(m, &co, NULL, NULL), SOM_OK);
            assert_int_equal(som_map_n_clusters(m), k);
        }
        /* Five blobs: the default finds five. */
        size_t hits[110];
        som_quality q;
        assert_int_equal(som_map_quality(m, d, &q, hits, 1, NULL), SOM_OK);
        som_cluster_opts co;
        som_cluster_opts_init(&co);
        co.hits = hits;
        som_cluster_result res;
        memset(&res, 0, sizeof res);
        assert_int_equal(som_map_cluster_ex(m, &co, &res, NULL), SOM_OK);
        assert_int_equal(res.k, 5);
        assert_int_equal(som_map_n_clusters(m), 5);
        som_map_free(m);
    }
    som_data_free(d);
    free(x);
}

/* A line of 8 units in 1-d: two groups, {0, 0.1, 0.2} and {10, 10.1,
 * 10.2}, and between them two dead units at 4 and 6. Unit 3 (4.0) touches
 * live unit 2 first and joins it; unit 4 (6.0) joins unit 5. */
static void auto_dead_units_follow_neighbours(void **state)
{
    (void)state;
    som_grid g = {1, 8, SOM_RECT, 0};
    som_map *m;
    assert_int_equal(som_map_new(&g, 1, &m, NULL), SOM_OK);
    const float cb[8] = {0.0f, 0.1f, 0.2f, 4.0f, 6.0f, 10.0f, 10.1f, 10.2f};
    som_map_set_codebook(m, cb);
    const size_t hits[8] = {5, 5, 5, 0, 0, 5, 5, 5};
    som_cluster_opts o;
    som_cluster_opts_init(&o);
    assert_int_equal(o.method, SOM_CLUSTER_AUTO);
    o.hits = hits;
    double db[9], score[9];
    som_cluster_result res;
    memset(&res, 0, sizeof res);
    res.db = db;
    res.score = score;
    assert_int_equal(som_map_cluster_ex(m, &o, &res, NULL), SOM_OK);
    assert_int_equal(res.k, 2);
    assert_int_equal(res.n_live, 6);
    assert_int_equal(res.k_min, 2);
    assert_int_equal(res.k_max, 7); /* capped at n_units - 1 */
    assert_false(res.one_group);
    assert_false(res.at_top);
    const uint32_t want[8] = {0, 0, 0, 0, 1, 1, 1, 1};
    assert_memory_equal(som_map_clusters(m), want, sizeof want);
    /* k = 2: centres 0.1 and 10.1, pooled sd of the units sqrt(0.02 / 3):
     * separation 10 / 0.0816 = 122.5, over the bar 4 + 6 / sqrt(3). */
    double sep = 10.0 / sqrt(0.02 / 3.0);
    assert_true(fabs(score[0] - sep / (4.0 + 6.0 / sqrt(3.0))) < 1e-4 * score[0]);
    /* k = 3..5 are tried (5 live units' worth), k = 6..7 are not. */
    for (size_t s = 1; s < 4; s++) assert_true(score[s] < 1.0);
    assert_true(isnan(score[4]) && isnan(score[5]));
    assert_true(db[0] > 0.0 && db[0] < 1.0);
    /* The hits matter: without them every unit weighs 1, and the two
     * units in the gap fill it: no split is clearly separated, one group. */
    o.hits = NULL;
    assert_int_equal(som_map_cluster_ex(m, &o, &res, NULL), SOM_OK);
    assert_int_equal(res.n_live, 8);
    assert_int_equal(res.k, 1);
    assert_true(res.one_group);
    assert_true(res.strength > 0.0 && res.strength < 1.0);
    /* A k given takes the hierarchy's partition; above the live units it
     * is an error that says so. */
    o.hits = hits;
    o.k = 6;
    som_error err;
    assert_int_equal(som_map_cluster_ex(m, &o, &res, &err), SOM_OK);
    assert_int_equal(som_map_n_clusters(m), 6);
    o.k = 7;
    assert_int_equal(som_map_cluster_ex(m, &o, &res, &err), SOM_EINVAL);
    assert_string_equal(err.message, "k = 7, but only 6 units hold rows");
    som_map_free(m);
}

/* Evenly spread units (a line of 20 at 0, 1, ..., 19): no k stands out;
 * one group, flagged. Three far groups: k = 3, by the default alone. */
static void auto_one_group_and_three(void **state)
{
    (void)state;
    som_grid g = {1, 20, SOM_RECT, 0};
    som_map *m;
    assert_int_equal(som_map_new(&g, 1, &m, NULL), SOM_OK);
    float cb[20];
    for (size_t u = 0; u < 20; u++) cb[u] = (float)u;
    som_map_set_codebook(m, cb);
    som_cluster_result res;
    memset(&res, 0, sizeof res);
    assert_int_equal(som_map_cluster_ex(m, NULL, &res, NULL), SOM_OK);
    assert_int_equal(res.k, 1);
    assert_true(res.one_group);
    assert_true(res.strength > 0.0 && res.strength < 1.0);
    assert_int_equal(som_map_n_clusters(m), 1);
    /* A lower bar makes the halves two groups (halving a uniform line
     * gives sqrt(12) / 2 * 2 = 3.46 sd). */
    som_cluster_opts o;
    som_cluster_opts_init(&o);
    o.min_separation = 0.5;
    o.k_max = 2;
    assert_int_equal(som_map_cluster_ex(m, &o, &res, NULL), SOM_OK);
    assert_int_equal(res.k, 2);
    assert_true(res.at_top);
    o.min_separation = -1.0;
    assert_int_equal(som_map_cluster_ex(m, &o, &res, NULL), SOM_EINVAL);
    som_map_free(m);

    m = three_groups(SOM_HEX);
    som_cluster_opts_init(&o);
    o.k_max = 8;
    assert_int_equal(som_map_cluster_ex(m, &o, &res, NULL), SOM_OK);
    assert_int_equal(res.k, 3);
    assert_three_groups(m);
    som_map_free(m);
}

static void clusters_set_and_saved(void **state)
{
    (void)state;
    som_map *m = three_groups(SOM_RECT);
    uint32_t c[54];
    for (size_t u = 0; u < 54; u++) c[u] = (uint32_t)(u % 4);
    assert_int_equal(som_map_set_clusters(m, c, 3, NULL), SOM_EINVAL); /* 3 >= k */
    assert_int_equal(som_map_set_clusters(m, c, 0, NULL), SOM_EINVAL);
    assert_int_equal(som_map_set_clusters(m, c, 4, NULL), SOM_OK);
    void *buf, *buf2;
    size_t len, len2;
    assert_int_equal(som_map_save_mem(m, &buf, &len, NULL), SOM_OK);
    som_map *back;
    assert_int_equal(som_map_load_mem(buf, len, "mem", &back, NULL), SOM_OK);
    assert_int_equal(som_map_n_clusters(back), 4);
    assert_memory_equal(som_map_clusters(back), c, sizeof c);
    assert_int_equal(som_map_save_mem(back, &buf2, &len2, NULL), SOM_OK);
    assert_int_equal(len, len2);
    assert_memory_equal(buf, buf2, len);
    som_map *copy;
    assert_int_equal(som_map_clone(m, &copy, NULL), SOM_OK);
    assert_memory_equal(som_map_clusters(copy), c, sizeof c);
    assert_int_equal(som_map_set_clusters(m, NULL, 0, NULL), SOM_OK);
    assert_null(som_map_clusters(m));
    assert_int_equal(som_map_n_clusters(m), 0);
    som_free(buf);
    som_free(buf2);
    som_map_free(back);
    som_map_free(copy);
    som_map_free(m);
}

static void cluster_bad_options(void **state)
{
    (void)state;
    som_grid g = {1, 2, SOM_RECT, 0};
    som_map *m;
    assert_int_equal(som_map_new(&g, 2, &m, NULL), SOM_OK);
    som_cluster_opts o;
    som_cluster_opts_init(&o);
    som_error e;
    assert_int_equal(som_map_cluster(m, &o, NULL, &e), SOM_EINVAL); /* 2 units: no k to choose */
    o.k = 3;
    assert_int_equal(som_map_cluster(m, &o, NULL, &e), SOM_EINVAL);
    o.k = 2;
    assert_int_equal(som_map_cluster(m, &o, NULL, &e), SOM_OK);
    som_map_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(kmeans_finds_three_groups),
        cmocka_unit_test(ward_finds_three_groups),
        cmocka_unit_test(davies_bouldin_picks_three),
        cmocka_unit_test(davies_bouldin_by_hand),
        cmocka_unit_test(kmeans_small_known),
        cmocka_unit_test(ward_is_contiguous),
        cmocka_unit_test(clusters_set_and_saved),
        cmocka_unit_test(cluster_bad_options),
        cmocka_unit_test(auto_dead_units_follow_neighbours),
        cmocka_unit_test(auto_one_group_and_three),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
