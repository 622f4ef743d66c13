/* Threads: what som.h promises about them, checked in every build and run
 * under ThreadSanitizer by `make test-tsan`.
 *  - Results do not depend on the thread count: batch and online training
 *    and the GEMM winner search give the same bytes with 1 and 2 threads.
 *  - Calls that only read a map may run concurrently on the same map.
 *  - Different objects may be used from different threads: two trainings
 *    at once, on the same (read-only) data. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "som.h"

#define N 400
#define DIM 6

/* Seeded data with a few missing values, so that both winner-search paths
 * (with and without a mask) run. */
static som_data *make_data(void)
{
    som_data *d;
    assert_int_equal(som_data_new(N, DIM, &d, NULL), SOM_OK);
    uint32_t s = 12345;
    for (size_t i = 0; i < N; i++) {
        float x[DIM];
        for (size_t j = 0; j < DIM; j++) {
            s = s * 1664525u + 1013904223u;
            x[j] = (float)(s >> 8) / 16777216.0f + (float)(i % 4) * (j == 0 ? 1.0f : 0.0f);
        }
        if (i % 37 == 5) x[i % DIM] = NAN;
        assert_int_equal(som_data_set_row(d, i, x, NULL, NULL), SOM_OK);
    }
    return d;
}

static som_map *train(const som_data *d, som_algorithm alg, som_topology topo, int threads)
{
    som_grid g = {8, 9, topo, 0};
    som_map *m;
    assert_int_equal(som_map_new(&g, DIM, &m, NULL), SOM_OK);
    assert_int_equal(som_map_fit_scaling(m, d, SOM_SCALE_ZSCORE, NULL), SOM_OK);
    som_train_opts o;
    som_train_opts_init(&o);
    o.algorithm = alg;
    o.epochs = alg == SOM_BATCH ? 6 : 2;
    o.threads = threads;
    o.seed = 5;
    som_error err;
    if (som_map_train(m, d, &o, &err) != SOM_OK) fail_msg("%s", err.message);
    return m;
}

static void same_maps(const som_map *a, const som_map *b)
{
    void *x, *y;
    size_t lx, ly;
    assert_int_equal(som_map_save_mem(a, &x, &lx, NULL), SOM_OK);
    assert_int_equal(som_map_save_mem(b, &y, &ly, NULL), SOM_OK);
    assert_int_equal(lx, ly);
    assert_memory_equal(x, y, lx);
    som_free(x);
    som_free(y);
}

static void test_training_threads(void **state)
{
    (void)state;
    som_data *d = make_data();
    const som_algorithm algs[] = {SOM_BATCH, SOM_BATCH, SOM_ONLINE};
    const som_topology topos[] = {SOM_RECT, SOM_HEX, SOM_RECT};
    for (size_t k = 0; k < 3; k++) {
        som_map *one = train(d, algs[k], topos[k], 1);
        som_map *two = train(d, algs[k], topos[k], 2);
        same_maps(one, two);
        som_map_free(one);
        som_map_free(two);
    }
    som_data_free(d);
}

static void test_bmus_threads(void **state)
{
    (void)state;
    som_data *d = make_data();
    som_map *m = train(d, SOM_BATCH, SOM_HEX, 1);
    size_t u1[N], u2[N], s1[N], s2[N];
    float d1[N], d2[N];
    assert_int_equal(som_map_bmus(m, d, u1, d1, s1, 1, NULL), SOM_OK);
    assert_int_equal(som_map_bmus(m, d, u2, d2, s2, 2, NULL), SOM_OK);
    assert_memory_equal(u1, u2, sizeof u1);
    assert_memory_equal(s1, s2, sizeof s1);
    assert_memory_equal(d1, d2, sizeof d1);
    som_map_free(m);
    som_data_free(d);
}

/* ---- several threads of the caller's ------------------------------------ */

typedef struct reader_job {
    const som_map *map;
    const som_data *data;
    size_t units[N];
    som_quality q;
    double umatrix[72];
    void *image;
    size_t image_len;
    int rc;
} reader_job;

static void *reader(void *p)
{
    reader_job *j = p;
    j->rc = som_map_bmus(j->map, j->data, j->units, NULL, NULL, 2, NULL);
    if (j->rc == SOM_OK) j->rc = som_map_quality(j->map, j->data, &j->q, NULL, 1, NULL);
    if (j->rc == SOM_OK) {
        size_t unit;
        double dist;
        j->rc = som_map_bmu_vector(j->map, som_data_row(j->data, 3), NULL, &unit, &dist, NULL);
    }
    som_map_umatrix(j->map, j->umatrix);
    if (j->rc == SOM_OK) j->rc = som_map_save_mem(j->map, &j->image, &j->image_len, NULL);
    return NULL;
}

static void test_concurrent_readers(void **state)
{
    (void)state;
    som_data *d = make_data();
    som_map *m = train(d, SOM_BATCH, SOM_RECT, 1);
    reader_job *jobs = calloc(3, sizeof *jobs);
    assert_non_null(jobs);
    pthread_t th[2];
    for (int k = 0; k < 3; k++) {
        jobs[k].map = m;
        jobs[k].data = d;
    }
    for (int k = 0; k < 2; k++) assert_int_equal(pthread_create(&th[k], NULL, reader, &jobs[k]), 0);
    reader(&jobs[2]); /* and the main thread at the same time */
    for (int k = 0; k < 2; k++) assert_int_equal(pthread_join(th[k], NULL), 0);
    for (int k = 0; k < 3; k++) {
        assert_int_equal(jobs[k].rc, SOM_OK);
        assert_memory_equal(jobs[k].units, jobs[0].units, sizeof jobs[0].units);
        assert_true(jobs[k].q.qe == jobs[0].q.qe);
        assert_memory_equal(jobs[k].umatrix, jobs[0].umatrix, sizeof jobs[0].umatrix);
        assert_int_equal(jobs[k].image_len, jobs[0].image_len);
        assert_memory_equal(jobs[k].image, jobs[0].image, jobs[0].image_len);
    }
    for (int k = 0; k < 3; k++) som_free(jobs[k].image);
    free(jobs);
    som_map_free(m);
    som_data_free(d);
}

typedef struct trainer_job {
    const som_data *data;
    som_algorithm alg;
    som_map *map;
} trainer_job;

static void *trainer(void *p)
{
    trainer_job *j = p;
    j->map = train(j->data, j->alg, SOM_HEX, 2);
    return NULL;
}

static void test_concurrent_trainers(void **state)
{
    (void)state;
    som_data *d = make_data();
    trainer_job jobs[2] = {{d, SOM_BATCH, NULL}, {d, SOM_ONLINE, NULL}};
    pthread_t th[2];
    for (int k = 0; k < 2; k++) assert_int_equal(pthread_create(&th[k], NULL, trainer, &jobs[k]), 0);
    for (int k = 0; k < 2; k++) assert_int_equal(pthread_join(th[k], NULL), 0);
    for (int k = 0; k < 2; k++) {
        som_map *alone = train(d, jobs[k].alg, SOM_HEX, 1);
        same_maps(alone, jobs[k].map);
        som_map_free(alone);
        som_map_free(jobs[k].map);
    }
    som_data_free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_training_threads),
        cmocka_unit_test(test_bmus_threads),
        cmocka_unit_test(test_concurrent_readers),
        cmocka_unit_test(test_concurrent_trainers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
