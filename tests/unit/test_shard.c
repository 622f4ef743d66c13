/* SPDX-License-Identifier: MIT */
/* test_shard.c — distributed training without MPI: P threads, each with
 * its own map and a contiguous share of the rows, joined by a chain of
 * one-slot mailboxes (som_shard's receive and pass_on). The saved model
 * must have the same bytes as one process's, for every P. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "som.h"

#define MAX_P 4

typedef struct chain {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int p;
    double *slot[MAX_P]; /* slot[k]: from shard k-1 to shard k */
    size_t slot_len[MAX_P];
    int full[MAX_P];
    double *final;       /* the last shard's state, posted for the others */
    size_t final_len;
    unsigned long final_seq;
} chain;

typedef struct shard_ctx {
    chain *c;
    int k;
    unsigned long folds; /* pass_on calls so far */
} shard_ctx;

static int receive(double *state, size_t len, void *ctx)
{
    shard_ctx *s = ctx;
    chain *c = s->c;
    if (s->k == 0) return 0;
    pthread_mutex_lock(&c->mu);
    while (!c->full[s->k]) pthread_cond_wait(&c->cv, &c->mu);
    int bad = c->slot_len[s->k] != len;
    if (!bad) memcpy(state, c->slot[s->k], len * sizeof *state);
    free(c->slot[s->k]);
    c->full[s->k] = 0;
    pthread_cond_broadcast(&c->cv);
    pthread_mutex_unlock(&c->mu);
    return bad;
}

static int pass_on(double *state, size_t len, void *ctx)
{
    shard_ctx *s = ctx;
    chain *c = s->c;
    s->folds++;
    pthread_mutex_lock(&c->mu);
    if (s->k + 1 < c->p) {
        while (c->full[s->k + 1]) pthread_cond_wait(&c->cv, &c->mu);
        c->slot[s->k + 1] = malloc(len * sizeof *state);
        memcpy(c->slot[s->k + 1], state, len * sizeof *state);
        c->slot_len[s->k + 1] = len;
        c->full[s->k + 1] = 1;
        pthread_cond_broadcast(&c->cv);
        /* Then the final state of this fold, from the last shard. */
        while (c->final_seq < s->folds) pthread_cond_wait(&c->cv, &c->mu);
        int bad = c->final_len != len;
        if (!bad) memcpy(state, c->final, len * sizeof *state);
        pthread_mutex_unlock(&c->mu);
        return bad;
    }
    free(c->final);
    c->final = malloc(len * sizeof *state);
    memcpy(c->final, state, len * sizeof *state);
    c->final_len = len;
    c->final_seq = s->folds;
    pthread_cond_broadcast(&c->cv);
    pthread_mutex_unlock(&c->mu);
    return 0;
}

typedef struct job {
    const som_data *all;
    som_grid grid;
    som_train_opts opts;
    som_scaling scaling;
    som_shard shard;
    shard_ctx sctx;
    size_t first, count;
    int rc;
    void *bytes;
    size_t len;
} job;

/* One process's part: its rows, scaling and training over every shard. */
static void *run_job(void *arg)
{
    job *j = arg;
    size_t dim = som_data_dim(j->all);
    som_data *d = NULL;
    som_map *m = NULL;
    som_error err;
    j->rc = som_data_new(j->count, dim, &d, &err);
    for (size_t i = 0; j->rc == SOM_OK && i < j->count; i++) {
        const float *row = som_data_row(j->all, j->first + i);
        j->rc = som_data_set_row(d, i, row, som_data_row_mask(j->all, j->first + i), &err);
    }
    if (j->rc == SOM_OK) j->rc = som_map_new(&j->grid, dim, &m, &err);
    const som_shard *sh = j->shard.n_total ? &j->shard : NULL;
    if (j->rc == SOM_OK) j->rc = som_map_fit_scaling_ex(m, d, j->scaling, sh, &err);
    som_train_opts o = j->opts;
    o.shard = sh;
    if (j->rc == SOM_OK) j->rc = som_map_train(m, d, &o, &err);
    if (j->rc == SOM_OK) j->rc = som_map_save_mem(m, &j->bytes, &j->len, &err);
    if (j->rc != SOM_OK) fprintf(stderr, "shard %zu: %s\n", j->first, err.message);
    som_map_free(m);
    som_data_free(d);
    return NULL;
}

/* The model of P shards (P = 1: no shard at all). */
static void train_sharded(const som_data *all, const som_grid *g, const som_train_opts *o,
                          som_scaling sc, int p, void **bytes, size_t *len)
{
    chain c;
    memset(&c, 0, sizeof c);
    pthread_mutex_init(&c.mu, NULL);
    pthread_cond_init(&c.cv, NULL);
    c.p = p;
    job jobs[MAX_P];
    pthread_t th[MAX_P];
    size_t n = som_data_n_samples(all);
    for (int k = 0; k < p; k++) {
        job *j = &jobs[k];
        memset(j, 0, sizeof *j);
        j->all = all;
        j->grid = *g;
        j->opts = *o;
        j->scaling = sc;
        /* Unequal shares on purpose. */
        j->first = n * (size_t)k * (size_t)k / (size_t)(p * p);
        j->count = n * (size_t)(k + 1) * (size_t)(k + 1) / (size_t)(p * p) - j->first;
        j->sctx.c = &c;
        j->sctx.k = k;
        if (p > 1) {
            j->shard.first = j->first;
            j->shard.n_total = n;
            j->shard.receive = receive;
            j->shard.pass_on = pass_on;
            j->shard.ctx = &j->sctx;
        }
        assert_int_equal(pthread_create(&th[k], NULL, run_job, j), 0);
    }
    for (int k = 0; k < p; k++) pthread_join(th[k], NULL);
    for (int k = 0; k < p; k++) {
        assert_int_equal(jobs[k].rc, SOM_OK);
        if (k > 0) {
            assert_int_equal(jobs[k].len, jobs[0].len);
            assert_memory_equal(jobs[k].bytes, jobs[0].bytes, jobs[0].len);
            som_free(jobs[k].bytes);
        }
    }
    *bytes = jobs[0].bytes;
    *len = jobs[0].len;
    free(c.final);
    pthread_mutex_destroy(&c.mu);
    pthread_cond_destroy(&c.cv);
}

/* n x dim blobs; with gaps, some values of the later rows missing (so
 * the first shard has no mask and the others do). */
static som_data *blobs(size_t n, size_t dim, int gaps)
{
    som_data *d;
    assert_int_equal(som_data_new(n, dim, &d, NULL), SOM_OK);
    float row[64];
    uint32_t s = 777;
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < dim; j++) {
            s = s * 1664525u + 1013904223u;
            row[j] = (float)(i % 3) * 4.0f + (float)(s >> 8) / 16777216.0f;
            if (gaps && i > n / 2 && (i + j) % 11 == 0) row[j] = NAN;
        }
        assert_int_equal(som_data_set_row(d, i, row, NULL, NULL), SOM_OK);
    }
    return d;
}

static void check_same(const som_data *d, const som_grid *g, const som_train_opts *o,
                       som_scaling sc)
{
    void *one, *many;
    size_t len1, len2;
    train_sharded(d, g, o, sc, 1, &one, &len1);
    for (int p = 2; p <= 3; p++) {
        train_sharded(d, g, o, sc, p, &many, &len2);
        assert_int_equal(len1, len2);
        assert_memory_equal(one, many, len1);
        som_free(many);
    }
    som_free(one);
}

static void test_rect_gaussian_pca(void **state)
{
    (void)state;
    som_data *d = blobs(601, 5, 0);
    som_grid g = {6, 7, SOM_RECT, 0};
    som_train_opts o;
    som_train_opts_init(&o);
    o.epochs = 4;
    o.threads = 1;
    check_same(d, &g, &o, SOM_SCALE_ZSCORE);
    som_data_free(d);
}

static void test_hex_masks_inits(void **state)
{
    (void)state;
    som_data *d = blobs(500, 4, 1);
    som_grid g = {6, 6, SOM_HEX, 1};
    som_train_opts o;
    som_train_opts_init(&o);
    o.epochs = 3;
    o.neighborhood = SOM_NEIGHBORHOOD_BUBBLE;
    som_init inits[] = {SOM_INIT_PCA, SOM_INIT_RANDOM, SOM_INIT_SAMPLE};
    for (size_t k = 0; k < 3; k++) {
        o.init = inits[k];
        check_same(d, &g, &o, k == 1 ? SOM_SCALE_MINMAX : SOM_SCALE_ZSCORE);
    }
    /* More units than rows: sampling with replacement. */
    som_grid big = {30, 30, SOM_RECT, 0};
    o.init = SOM_INIT_SAMPLE;
    o.epochs = 2;
    o.neighborhood = SOM_NEIGHBORHOOD_GAUSSIAN;
    check_same(d, &big, &o, SOM_SCALE_NONE);
    som_data_free(d);
}

/* Fewer rows than fields: PCA through the Gram matrix, whose centred rows
 * travel along the shards; with and without gaps. */
static void test_wide_pca(void **state)
{
    (void)state;
    som_grid g = {4, 5, SOM_RECT, 0};
    som_train_opts o;
    som_train_opts_init(&o);
    o.epochs = 3;
    o.threads = 1;
    for (int gaps = 0; gaps < 2; gaps++) {
        som_data *d = blobs(30, 64, gaps);
        check_same(d, &g, &o, SOM_SCALE_ZSCORE);
        som_data_free(d);
    }
}

static void test_refusals(void **state)
{
    (void)state;
    som_data *d = blobs(20, 2, 0);
    som_grid g = {2, 2, SOM_RECT, 0};
    som_map *m;
    assert_int_equal(som_map_new(&g, 2, &m, NULL), SOM_OK);
    som_shard sh = {0, 20, NULL, NULL, NULL};
    som_train_opts o;
    som_train_opts_init(&o);
    o.shard = &sh;
    o.algorithm = SOM_ONLINE;
    som_error err;
    assert_int_equal(som_map_train(m, d, &o, &err), SOM_ENOTSUP);
    o.algorithm = SOM_BATCH;
    sh.n_total = 10;
    assert_int_equal(som_map_train(m, d, &o, &err), SOM_EINVAL);
    som_map_free(m);
    som_data_free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rect_gaussian_pca),
        cmocka_unit_test(test_hex_masks_inits),
        cmocka_unit_test(test_wide_pca),
        cmocka_unit_test(test_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
