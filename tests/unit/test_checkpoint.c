/* Checkpoints: a run stopped anywhere, saved with som_trainer_save_state and
 * continued with som_trainer_resume ends in the same bytes as a run that
 * never stopped; a checkpoint that does not match the run is refused. */
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

static char tmpdir[64];

static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/som-ckpt-XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char path[128];
    snprintf(path, sizeof path, "%s/run.ckpt", tmpdir);
    unlink(path);
    snprintf(path, sizeof path, "%s/plain.som", tmpdir);
    unlink(path);
    rmdir(tmpdir);
    return 0;
}

/* 60 samples x 3 fields, seeded; every 7th row misses a field, and some
 * rows have weights, so that the mask and weight paths are covered. */
static som_data *make_data(uint32_t seed, int with_missing)
{
    som_data *d;
    assert_int_equal(som_data_new(60, 3, &d, NULL), SOM_OK);
    uint32_t s = seed;
    for (size_t i = 0; i < 60; i++) {
        float x[3];
        for (int j = 0; j < 3; j++) {
            s = s * 1664525u + 1013904223u;
            x[j] = (float)(s >> 8) / 16777216.0f * (float)(j + 1);
        }
        if (with_missing && i % 7 == 3) x[i % 3] = NAN;
        assert_int_equal(som_data_set_row(d, i, x, NULL, NULL), SOM_OK);
        if (i % 11 == 5) assert_int_equal(som_data_set_weight(d, i, 2.5, NULL), SOM_OK);
    }
    return d;
}

static som_map *make_map(const som_data *d, size_t rows, size_t cols)
{
    som_grid g = {rows, cols, SOM_HEX, 0};
    som_map *m;
    assert_int_equal(som_map_new(&g, som_data_dim(d), &m, NULL), SOM_OK);
    assert_int_equal(som_map_set_titles_from_data(m, d, NULL), SOM_OK);
    assert_int_equal(som_map_fit_scaling(m, d, SOM_SCALE_ZSCORE, NULL), SOM_OK);
    return m;
}

static void opts_for(som_train_opts *o, som_algorithm alg)
{
    som_train_opts_init(o);
    o->algorithm = alg;
    o->epochs = 5;
    o->seed = 11;
    o->init = alg == SOM_ONLINE ? SOM_INIT_RANDOM : SOM_INIT_PCA;
    o->quality_every = 2;
    o->threads = 1;
}

static void save_bytes(const som_map *m, void **buf, size_t *len)
{
    assert_int_equal(som_map_save_mem(m, buf, len, NULL), SOM_OK);
}

/* Stops after `first` steps, saves, throws the trainer and map away, and
 * continues in a fresh map from the file (with another thread count). */
static void check_resume(som_algorithm alg, size_t first, const void *want, size_t want_len)
{
    char path[128];
    snprintf(path, sizeof path, "%s/run.ckpt", tmpdir);
    som_data *d = make_data(7, 1);
    som_train_opts o;
    opts_for(&o, alg);
    som_map *m = make_map(d, 4, 5);
    som_trainer *t;
    som_error err;
    assert_int_equal(som_trainer_new(m, d, &o, &t, &err), SOM_OK);
    assert_int_equal(som_trainer_run(t, first, &err), SOM_OK);
    assert_int_equal(som_trainer_save_state(t, path, &err), SOM_OK);
    som_trainer_free(t);
    som_map_free(m);

    /* A checkpoint is a model too. */
    som_map *as_model = NULL;
    assert_int_equal(som_map_load(path, &as_model, &err), SOM_OK);
    som_map_free(as_model);

    m = make_map(d, 4, 5);
    o.threads = 2;
    assert_int_equal(som_trainer_resume(m, d, &o, path, &t, &err), SOM_OK);
    assert_int_equal(som_trainer_step(t), first);
    assert_int_equal(som_trainer_run(t, 0, &err), SOM_OK);
    assert_true(som_trainer_done(t));
    som_trainer_free(t);
    void *got;
    size_t got_len;
    save_bytes(m, &got, &got_len);
    assert_int_equal(got_len, want_len);
    if (memcmp(got, want, want_len) != 0) fail_msg("resumed after %zu steps: other bytes", first);
    som_free(got);
    som_map_free(m);
    som_data_free(d);
}

static void check_algorithm(som_algorithm alg)
{
    som_data *d = make_data(7, 1);
    som_train_opts o;
    opts_for(&o, alg);
    som_map *m = make_map(d, 4, 5);
    assert_int_equal(som_map_train(m, d, &o, NULL), SOM_OK);
    void *want;
    size_t want_len;
    save_bytes(m, &want, &want_len);
    som_map_free(m);
    som_data_free(d);
    /* Batch steps are passes; online steps samples: stop at pass ends, in
     * the middle of passes, before the first step and after the last. */
    size_t stops_batch[] = {1, 2, 4, 5};
    size_t stops_online[] = {1, 59, 60, 61, 150, 299, 300};
    const size_t *stops = alg == SOM_BATCH ? stops_batch : stops_online;
    size_t n = alg == SOM_BATCH ? 4 : 7;
    for (size_t k = 0; k < n; k++) check_resume(alg, stops[k], want, want_len);
    som_free(want);
}

static void test_resume_online(void **state)
{
    (void)state;
    check_algorithm(SOM_ONLINE);
}

static void test_resume_batch(void **state)
{
    (void)state;
    check_algorithm(SOM_BATCH);
}

/* A checkpoint of a batch run after 2 passes, for the refusal tests. */
static void make_checkpoint(const char *path)
{
    som_data *d = make_data(7, 1);
    som_train_opts o;
    opts_for(&o, SOM_BATCH);
    som_map *m = make_map(d, 4, 5);
    som_trainer *t;
    assert_int_equal(som_trainer_new(m, d, &o, &t, NULL), SOM_OK);
    assert_int_equal(som_trainer_run(t, 2, NULL), SOM_OK);
    assert_int_equal(som_trainer_save_state(t, path, NULL), SOM_OK);
    som_trainer_free(t);
    som_map_free(m);
    som_data_free(d);
}

static void expect_refusal(som_map *m, som_data *d, const som_train_opts *o, const char *path,
                           int code, const char *phrase)
{
    som_trainer *t = (som_trainer *)&t; /* must come back NULL */
    som_error err;
    void *before, *after;
    size_t before_len, after_len;
    save_bytes(m, &before, &before_len);
    int rc = som_trainer_resume(m, d, o, path, &t, &err);
    if (rc != code) fail_msg("expected %d (%s), got %d: %s", code, phrase, rc, rc ? err.message : "");
    assert_null(t);
    assert_int_equal(err.code, code);
    if (!strstr(err.message, phrase)) fail_msg("'%s' lacks '%s'", err.message, phrase);
    /* Nothing of the caller's changed. */
    save_bytes(m, &after, &after_len);
    assert_int_equal(before_len, after_len);
    assert_memory_equal(before, after, before_len);
    som_free(before);
    som_free(after);
}

static void test_mismatch(void **state)
{
    (void)state;
    char path[128], plain[128];
    snprintf(path, sizeof path, "%s/run.ckpt", tmpdir);
    snprintf(plain, sizeof plain, "%s/plain.som", tmpdir);
    make_checkpoint(path);
    som_data *d = make_data(7, 1);
    som_train_opts o;
    opts_for(&o, SOM_BATCH);
    som_map *m = make_map(d, 4, 5);

    som_train_opts other = o;
    other.epochs = 6;
    expect_refusal(m, d, &other, path, SOM_EINVAL, "epochs 5, this run asks for 6");
    other = o;
    other.seed = 12;
    expect_refusal(m, d, &other, path, SOM_EINVAL, "seed 11");
    other = o;
    other.radius0 = 1.75;
    expect_refusal(m, d, &other, path, SOM_EINVAL, "radius0");
    other = o;
    other.algorithm = SOM_ONLINE;
    expect_refusal(m, d, &other, path, SOM_EINVAL, "algorithm");
    other = o;
    other.radius_schedule = SOM_RADIUS_INVERSE;
    expect_refusal(m, d, &other, path, SOM_EINVAL,
                   "radius-schedule same and order shuffled, this run asks for inverse and "
                   "shuffled");

    /* Same size, one value changed. */
    som_data *d2 = make_data(8, 1);
    expect_refusal(m, d2, &o, path, SOM_EINVAL, "other data");
    som_data_free(d2);
    /* Same values, no missing field: the mask is part of the data. */
    d2 = make_data(7, 0);
    expect_refusal(m, d2, &o, path, SOM_EINVAL, "other data");
    som_data_free(d2);

    som_map *m2 = make_map(d, 5, 4);
    expect_refusal(m2, d, &o, path, SOM_EDIM, "grid is 4x5 hex");
    som_map_free(m2);

    /* A plain model is no checkpoint; a missing file is an I/O error. */
    assert_int_equal(som_map_save(m, plain, NULL), SOM_OK);
    expect_refusal(m, d, &o, plain, SOM_EFORMAT, "not a checkpoint");
    expect_refusal(m, d, &o, "/nonexistent/run.ckpt", SOM_EIO, "cannot open");

    som_map_free(m);
    som_data_free(d);
}

/* A damaged checkpoint is caught by the model's CRC before anything else. */
static void test_damaged(void **state)
{
    (void)state;
    char path[128];
    snprintf(path, sizeof path, "%s/run.ckpt", tmpdir);
    make_checkpoint(path);
    FILE *fp = fopen(path, "r+b");
    assert_non_null(fp);
    assert_int_equal(fseek(fp, -20, SEEK_END), 0);
    fputc(0x55, fp);
    fclose(fp);
    som_data *d = make_data(7, 1);
    som_train_opts o;
    opts_for(&o, SOM_BATCH);
    som_map *m = make_map(d, 4, 5);
    expect_refusal(m, d, &o, path, SOM_ECORRUPT, "checksum");
    som_map_free(m);
    som_data_free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_resume_online),
        cmocka_unit_test(test_resume_batch),
        cmocka_unit_test(test_mismatch),
        cmocka_unit_test(test_damaged),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
