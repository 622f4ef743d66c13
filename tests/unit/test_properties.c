/* Properties of trained maps on the bundled data sets: the error falls,
 * batch and online agree, the topology is preserved, and the same seed gives
 * the same bytes whatever the thread count. */
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

static som_data *load(const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", SOM_TEST_DATA_DIR, name);
    som_data *d = NULL;
    som_error err;
    int rc = som_data_read(path, NULL, &d, &err);
    if (rc) fprintf(stderr, "%s\n", err.message);
    assert_int_equal(rc, SOM_OK);
    return d;
}

static som_map *train(const som_data *d, som_grid g, som_algorithm alg, size_t epochs,
                      uint64_t seed, int threads)
{
    som_map *m;
    som_error err;
    assert_int_equal(som_map_new(&g, som_data_dim(d), &m, NULL), SOM_OK);
    assert_int_equal(som_map_set_titles_from_data(m, d, NULL), SOM_OK);
    assert_int_equal(som_map_fit_scaling(m, d, SOM_SCALE_ZSCORE, NULL), SOM_OK);
    som_train_opts o;
    som_train_opts_init(&o);
    o.algorithm = alg;
    o.epochs = epochs;
    o.seed = seed;
    o.threads = threads;
    int rc = som_map_train(m, d, &o, &err);
    if (rc) fprintf(stderr, "%s\n", err.message);
    assert_int_equal(rc, SOM_OK);
    return m;
}

static double final_qe(const som_map *m)
{
    return som_map_history(m)[som_map_history_len(m) - 1].qe;
}

static void error_falls_on_every_bundled_set(void **state)
{
    (void)state;
    const char *sets[] = {"iris.csv", "colours.csv", "optim.csv"};
    som_grid g = {8, 8, SOM_HEX, 0};
    for (size_t s = 0; s < 3; s++) {
        som_data *d = load(sets[s]);
        for (int alg = 0; alg < 2; alg++) {
            som_map *m = train(d, g, alg ? SOM_BATCH : SOM_ONLINE, 20, 1, 0);
            const som_history *h = som_map_history(m);
            size_t len = som_map_history_len(m);
            assert_int_equal(len, 21);
            fprintf(stderr, "%s %s: QE %.4f -> %.4f, TE %.3f\n", sets[s], alg ? "batch" : "online",
                    h[0].qe, h[len - 1].qe, h[len - 1].te);
            assert_true(h[len - 1].qe < h[0].qe);
            /* the history's last entry is the map's real quality */
            som_quality q;
            assert_int_equal(som_map_quality(m, d, &q, NULL, 0, NULL), SOM_OK);
            assert_true(fabs(q.qe - h[len - 1].qe) < 1e-9);
            som_map_free(m);
        }
        som_data_free(d);
    }
}

static void batch_and_online_agree_on_iris(void **state)
{
    (void)state;
    som_data *d = load("iris.csv");
    som_grid g = {10, 10, SOM_HEX, 0};
    som_map *b = train(d, g, SOM_BATCH, 20, 1, 0);
    /* Online training needs more passes to settle than batch training,
     * which reaches each radius's fixed point in one pass. */
    som_map *o = train(d, g, SOM_ONLINE, 100, 1, 0);
    double qb = final_qe(b), qo = final_qe(o);
    fprintf(stderr, "iris 10x10 hex: batch QE %.4f TE %.3f, online QE %.4f TE %.3f\n", qb,
            som_map_history(b)[som_map_history_len(b) - 1].te, qo,
            som_map_history(o)[som_map_history_len(o) - 1].te);
    assert_true(fabs(qb - qo) <= 0.10 * fmax(qb, qo));
    assert_true(som_map_history(b)[som_map_history_len(b) - 1].te <= 0.10);
    som_map_free(b);
    som_map_free(o);
    som_data_free(d);
}

static void *save(const som_map *m, size_t *len)
{
    void *buf;
    assert_int_equal(som_map_save_mem(m, &buf, len, NULL), SOM_OK);
    return buf;
}

static void same_seed_same_bytes(void **state)
{
    (void)state;
    som_data *d = load("optim.csv");
    som_grid g = {7, 9, SOM_HEX, 0};
    for (int alg = 0; alg < 2; alg++) {
        som_map *a = train(d, g, alg ? SOM_BATCH : SOM_ONLINE, 3, 42, 1);
        som_map *b = train(d, g, alg ? SOM_BATCH : SOM_ONLINE, 3, 42, 2);
        size_t la, lb;
        void *ba = save(a, &la), *bb = save(b, &lb);
        /* The stored settings include the thread count; compare the maps. */
        assert_memory_equal(som_map_codebook(a), som_map_codebook(b),
                            som_map_n_units(a) * som_map_dim(a) * sizeof(float));
        som_map *c = train(d, g, alg ? SOM_BATCH : SOM_ONLINE, 3, 42, 1);
        size_t lc;
        void *bc = save(c, &lc);
        assert_int_equal(la, lc);
        assert_memory_equal(ba, bc, la);
        som_map *e = train(d, g, alg ? SOM_BATCH : SOM_ONLINE, 3, 43, 1);
        if (alg == 0) /* a different seed gives a different online map */
            assert_memory_not_equal(som_map_codebook(a), som_map_codebook(e),
                                    som_map_n_units(a) * som_map_dim(a) * sizeof(float));
        (void)lb;
        som_free(ba);
        som_free(bb);
        som_free(bc);
        som_map_free(a);
        som_map_free(b);
        som_map_free(c);
        som_map_free(e);
    }
    som_data_free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(error_falls_on_every_bundled_set),
        cmocka_unit_test(batch_and_online_agree_on_iris),
        cmocka_unit_test(same_seed_same_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
