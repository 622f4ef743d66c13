/* som_fit, the whole pipeline: the automatic grid, a class target one-hot
 * encoded, feature weights by title, a starting codebook from a model file,
 * checkpoints and resume to the same bytes, and errors that name the title. */
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
    snprintf(tmpdir, sizeof tmpdir, "/tmp/som-fit-XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static void path_in(char *out, size_t size, const char *name)
{
    snprintf(out, size, "%s/%s", tmpdir, name);
}

static int teardown(void **state)
{
    (void)state;
    static const char *const names[] = {"run.ckpt", "start.som", NULL};
    char path[128];
    for (size_t k = 0; names[k]; k++) {
        path_in(path, sizeof path, names[k]);
        unlink(path);
    }
    rmdir(tmpdir);
    return 0;
}

static som_data *iris(void)
{
    som_data *d = NULL;
    som_error err;
    assert_int_equal(som_data_read(SOM_TEST_DATA_DIR "/iris.csv", NULL, &d, &err), SOM_OK);
    return d;
}

/* The bytes of a map's model file. */
static void *model_bytes(const som_map *m, size_t *len)
{
    void *buf = NULL;
    assert_int_equal(som_map_save_mem(m, &buf, len, NULL), SOM_OK);
    return buf;
}

static void assert_same_model(const som_map *a, const som_map *b)
{
    size_t la, lb;
    void *ba = model_bytes(a, &la), *bb = model_bytes(b, &lb);
    assert_int_equal(la, lb);
    assert_memory_equal(ba, bb, la);
    som_free(ba);
    som_free(bb);
}

static void opts_small(som_fit_opts *o)
{
    som_fit_opts_init(o);
    o->train.epochs = 4;
    o->train.seed = 3;
    o->train.threads = 1;
}

/* No grid: som_grid_auto's, with its ratio, and the map it trains is the
 * one the steps by hand train. */
static void test_auto_grid(void **state)
{
    (void)state;
    som_fit_opts o;
    opts_small(&o);
    o.grid.topology = SOM_HEX;
    som_map *m = NULL;
    som_fit_info info;
    som_error err;
    assert_int_equal(som_fit(iris(), &o, SOM_FIT_TAKE_DATA, "iris.csv", &m, &info, &err), SOM_OK);

    som_data *d = iris();
    som_grid g;
    double ratio;
    assert_int_equal(som_grid_auto(d, SOM_SCALE_ZSCORE, SOM_HEX, 0, &g, &ratio, NULL), SOM_OK);
    assert_true(info.auto_grid);
    assert_int_equal(info.grid.rows, g.rows);
    assert_int_equal(info.grid.cols, g.cols);
    assert_true(info.grid_ratio == ratio && isfinite(ratio) && ratio > 1);
    assert_int_equal(info.n_samples, 150);
    assert_int_equal(info.dim, 4);
    assert_int_equal(info.n_classes, 0);
    assert_null(info.setting);

    som_map *ref = NULL;
    assert_int_equal(som_map_new(&g, 4, &ref, NULL), SOM_OK);
    som_map_set_titles_from(ref, d);
    assert_int_equal(som_map_fit_scaling(ref, d, SOM_SCALE_ZSCORE, NULL), SOM_OK);
    assert_int_equal(som_map_train(ref, d, &o.train, NULL), SOM_OK);
    assert_same_model(m, ref);
    /* A given grid is used as it is, with no ratio. */
    o.grid.rows = 3;
    o.grid.cols = 4;
    som_map_free(m);
    assert_int_equal(som_fit(d, &o, 0, NULL, &m, &info, NULL), SOM_OK);
    assert_false(info.auto_grid);
    assert_true(isnan(info.grid_ratio));
    assert_int_equal(som_map_grid(m)->rows, 3);
    som_map_free(ref);
    som_map_free(m);
    som_data_free(d);
    som_fit_opts_clear(&o);
}

/* species (the label column) as target: three fields species=CLASS of
 * weight 0, and the map predicts the class of rows that have none. */
static void test_class_target(void **state)
{
    (void)state;
    som_fit_opts o;
    opts_small(&o);
    o.grid.rows = 6;
    o.grid.cols = 6;
    assert_int_equal(som_fit_opts_set(&o, "target", "species", NULL), SOM_OK);
    som_data *d = iris();
    som_map *m = NULL;
    som_fit_info info;
    som_error err;
    /* Borrowed data stays as it was. */
    assert_int_equal(som_fit(d, &o, 0, "iris.csv", &m, &info, &err), SOM_OK);
    assert_int_equal(som_data_dim(d), 4);
    assert_int_equal(info.n_classes, 3);
    assert_int_equal(info.dim, 7);
    assert_int_equal(som_map_dim(m), 7);
    assert_string_equal(som_map_title(m, 4), "species=setosa");
    const double *w = som_map_feature_weights(m);
    assert_non_null(w);
    for (size_t j = 0; j < 7; j++) assert_true(w[j] == (j < 4 ? 1.0 : 0.0));
    int is_class = 0;
    assert_int_equal(som_map_target_fields(m, "species", NULL, 0, &is_class), 3);
    assert_true(is_class);
    som_target_eval ev;
    assert_int_equal(som_map_eval_target(m, d, "species", &ev, 1, NULL), SOM_OK);
    assert_int_equal(ev.n_rows, 150);
    assert_true(ev.accuracy > 0.85);
    som_map_free(m);

    /* The target's weight, and a numeric target beside it. */
    assert_int_equal(som_fit_opts_set(&o, "target", "species,petal_width", NULL), SOM_OK);
    o.target_weight = 0.25;
    assert_int_equal(som_fit(d, &o, 0, "iris.csv", &m, &info, &err), SOM_OK);
    w = som_map_feature_weights(m);
    assert_true(w[3] == 0.25 && w[0] == 1.0 && w[4] == 0.25 && w[6] == 0.25);
    som_map_free(m);
    som_data_free(d);
    som_fit_opts_clear(&o);
}

/* Weights by title: stored in the map, and a field of weight 0 never
 * chooses a winner. */
static void test_weights_by_title(void **state)
{
    (void)state;
    som_fit_opts o;
    opts_small(&o);
    o.grid.rows = 5;
    o.grid.cols = 5;
    assert_int_equal(som_fit_opts_set(&o, "weights", "sepal_length=0,petal_width=2", NULL), SOM_OK);
    som_data *d = iris();
    som_map *m = NULL;
    som_error err;
    assert_int_equal(som_fit(d, &o, 0, "iris.csv", &m, NULL, &err), SOM_OK);
    const double *w = som_map_feature_weights(m);
    assert_non_null(w);
    assert_true(w[0] == 0.0 && w[1] == 1.0 && w[2] == 1.0 && w[3] == 2.0);
    /* Any sepal_length gives the same winner. */
    const float *x = som_data_row(d, 70);
    float y[4] = {-100.0f, x[1], x[2], x[3]};
    size_t u0, u1;
    assert_int_equal(som_map_bmu(m, x, NULL, &u0, NULL), SOM_OK);
    assert_int_equal(som_map_bmu(m, y, NULL, &u1, NULL), SOM_OK);
    assert_int_equal(u0, u1);
    som_map_free(m);
    som_data_free(d);
    som_fit_opts_clear(&o);
}

/* Titles that the data lacks, and malformed weights: SOM_EINVAL, the
 * setting named in info, the message in words. */
static void test_bad_titles(void **state)
{
    (void)state;
    som_fit_opts o;
    opts_small(&o);
    som_data *d = iris();
    som_map *m = NULL;
    som_fit_info info;
    som_error err;
    assert_int_equal(som_fit_opts_set(&o, "target", "colour", NULL), SOM_OK);
    assert_int_equal(som_fit(d, &o, 0, "iris.csv", &m, &info, &err), SOM_EINVAL);
    assert_null(m);
    assert_string_equal(info.setting, "target");
    assert_string_equal(err.message, "iris.csv has no column 'colour'");
    som_fit_opts_clear(&o);
    opts_small(&o);

    assert_int_equal(som_fit_opts_set(&o, "weights", "petal_width=2,nosuch=1", NULL), SOM_OK);
    assert_int_equal(som_fit(d, &o, 0, NULL, &m, &info, &err), SOM_EINVAL);
    assert_string_equal(info.setting, "weights");
    assert_string_equal(err.message, "the data has no column 'nosuch'");
    assert_int_equal(som_fit_opts_set(&o, "weights", "petal_width=-1", NULL), SOM_OK);
    assert_int_equal(som_fit(d, &o, 0, NULL, &m, &info, &err), SOM_EINVAL);
    assert_string_equal(err.message, "expected TITLE=W with W >= 0, got 'petal_width=-1'");
    /* Given over, the data is freed also on failure (ASan would tell). */
    assert_int_equal(som_fit(iris(), &o, SOM_FIT_TAKE_DATA, NULL, &m, &info, &err), SOM_EINVAL);
    som_data_free(d);
    som_fit_opts_clear(&o);
}

/* A starting codebook from a model file: the same map as setting that
 * codebook by hand, whatever the scaling of either model; a grid that
 * differs is refused, naming the file. */
static void test_init_codebook(void **state)
{
    (void)state;
    char start[128];
    path_in(start, sizeof start, "start.som");
    som_data *d = iris();
    som_fit_opts o;
    opts_small(&o);
    o.grid.rows = 4;
    o.grid.cols = 5;
    o.scaling = SOM_SCALE_MINMAX;
    som_map *first = NULL;
    assert_int_equal(som_fit(d, &o, 0, NULL, &first, NULL, NULL), SOM_OK);
    assert_int_equal(som_map_save(first, start, NULL), SOM_OK);

    o.scaling = SOM_SCALE_ZSCORE;
    o.train.epochs = 2;
    assert_int_equal(som_fit_opts_set(&o, "init-codebook", start, NULL), SOM_OK);
    som_map *m = NULL;
    som_error err;
    assert_int_equal(som_fit(d, &o, 0, NULL, &m, NULL, &err), SOM_OK);
    assert_int_equal(som_map_train_settings(m)->init, SOM_INIT_KEEP);

    som_map *ref = NULL;
    assert_int_equal(som_map_new(&o.grid, 4, &ref, NULL), SOM_OK);
    som_map_set_titles_from(ref, d);
    assert_int_equal(som_map_fit_scaling(ref, d, SOM_SCALE_ZSCORE, NULL), SOM_OK);
    float cb[20 * 4];
    for (size_t i = 0; i < 20; i++) {
        som_map_unit_weights(first, i, cb + i * 4);
        som_map_scale_row(ref, cb + i * 4, cb + i * 4);
    }
    som_map_set_codebook(ref, cb);
    som_train_opts t = o.train;
    t.init = SOM_INIT_KEEP;
    assert_int_equal(som_map_train(ref, d, &t, NULL), SOM_OK);
    assert_same_model(m, ref);
    som_map_free(m);
    som_map_free(ref);

    o.grid.cols = 6;
    assert_int_equal(som_fit(d, &o, 0, NULL, &m, NULL, &err), SOM_EDIM);
    char want[256];
    snprintf(want, sizeof want, "%s: the model's grid is 4x5, the map's 4x6", start);
    assert_string_equal(err.message, want);
    som_map_free(first);
    som_data_free(d);
    som_fit_opts_clear(&o);
}

/* Stops after pass `stop_after` of training. */
static int stop_cb(const som_progress *p, void *ctx)
{
    const size_t *stop_after = ctx;
    return p->end_of_pass && p->pass == *stop_after;
}

/* A run stopped after 3 of 7 passes with a checkpoint every 2 passes, then
 * resumed from the checkpoint (pass 2) in a new fit, saves the same bytes
 * as a run never stopped: batch and online. */
static void test_checkpoint_resume(void **state)
{
    (void)state;
    char ckpt[128];
    path_in(ckpt, sizeof ckpt, "run.ckpt");
    for (int alg = 0; alg < 2; alg++) {
        som_fit_opts o;
        opts_small(&o);
        o.grid.rows = 5;
        o.grid.cols = 4;
        o.train.epochs = 7;
        o.train.algorithm = alg ? SOM_ONLINE : SOM_BATCH;
        assert_int_equal(som_fit_opts_set(&o, "target", "species", NULL), SOM_OK);
        som_map *whole = NULL;
        assert_int_equal(som_fit(iris(), &o, SOM_FIT_TAKE_DATA, NULL, &whole, NULL, NULL), SOM_OK);

        unlink(ckpt);
        assert_int_equal(som_fit_opts_set(&o, "checkpoint", ckpt, NULL), SOM_OK);
        o.checkpoint_every = 2;
        size_t stop_after = 3;
        o.train.progress = stop_cb;
        o.train.progress_ctx = &stop_after;
        som_map *m = NULL;
        som_error err;
        assert_int_equal(som_fit(iris(), &o, SOM_FIT_TAKE_DATA, NULL, &m, NULL, &err),
                         SOM_ESTOPPED);
        assert_null(m);
        assert_int_equal(access(ckpt, F_OK), 0);

        o.train.progress = NULL;
        o.resume = 1;
        som_fit_info info;
        assert_int_equal(som_fit(iris(), &o, SOM_FIT_TAKE_DATA, NULL, &m, &info, &err), SOM_OK);
        assert_true(info.resumed);
        size_t n = alg ? 150 : 1;
        assert_int_equal(info.resumed_step, 2 * n);
        assert_int_equal(info.n_steps, 7 * n);
        assert_same_model(m, whole);
        som_map_free(m);
        /* Without the file, resume starts from the beginning. */
        unlink(ckpt);
        assert_int_equal(som_fit(iris(), &o, SOM_FIT_TAKE_DATA, NULL, &m, &info, &err), SOM_OK);
        assert_false(info.resumed);
        assert_same_model(m, whole);
        som_map_free(m);
        unlink(ckpt);
        som_map_free(whole);
        som_fit_opts_clear(&o);
    }
}

/* The fitter in steps stops and continues to the same map (what the web
 * app's Stop and Continue do). */
static void test_fitter_stop_continue(void **state)
{
    (void)state;
    som_fit_opts o;
    opts_small(&o);
    o.grid.rows = 5;
    o.grid.cols = 5;
    o.train.epochs = 5;
    som_data *d = iris();
    som_map *whole = NULL;
    assert_int_equal(som_fit(d, &o, 0, NULL, &whole, NULL, NULL), SOM_OK);
    size_t stop_after = 2;
    o.train.progress = stop_cb;
    o.train.progress_ctx = &stop_after;
    som_fitter *f = NULL;
    assert_int_equal(som_fitter_new(d, &o, 0, NULL, &f, NULL, NULL), SOM_OK);
    assert_null(som_fitter_map(f));
    assert_int_equal(som_fitter_start(f, NULL), SOM_OK);
    assert_non_null(som_fitter_map(f));
    assert_int_equal(som_fitter_run(f, NULL), SOM_ESTOPPED);
    assert_false(som_fitter_done(f));
    stop_after = 0;
    assert_int_equal(som_fitter_run(f, NULL), SOM_OK);
    assert_true(som_fitter_done(f));
    som_map *m = som_fitter_take_map(f);
    assert_int_equal(som_fitter_run(f, NULL), SOM_EINVAL);
    som_fitter_free(f);
    assert_same_model(m, whole);
    som_map_free(m);
    som_map_free(whole);
    som_data_free(d);
    som_fit_opts_clear(&o);
}

/* ---- out of memory: each allocation failing in turn ------------------------ */

#include "failing_alloc.h"

/* som_fit with a class target, weights and a checkpoint file, its 1st,
 * 2nd, ... allocation failing until it runs through: SOM_ENOMEM each time
 * (or SOM_EIO where the checkpoint's writer ran out), nothing left
 * allocated. */
static void test_out_of_memory(void **state)
{
    (void)state;
    char ckpt[128];
    path_in(ckpt, sizeof ckpt, "run.ckpt");
    som_data *d = iris();
    som_fit_opts o;
    opts_small(&o);
    o.grid.rows = 3;
    o.grid.cols = 4;
    o.train.epochs = 3;
    assert_int_equal(som_fit_opts_set(&o, "target", "species", NULL), SOM_OK);
    assert_int_equal(som_fit_opts_set(&o, "weights", "petal_width=2", NULL), SOM_OK);
    assert_int_equal(som_fit_opts_set(&o, "checkpoint", ckpt, NULL), SOM_OK);
    o.checkpoint_every = 1;
    for (long k = 0;; k++) {
        unlink(ckpt);
        assert_int_equal(som_set_allocator(failing_malloc, failing_realloc, failing_free), SOM_OK);
        failing_live = 0;
        failing_refused = 0;
        failing_countdown = k;
        som_map *m = NULL;
        som_error err;
        int rc = som_fit(d, &o, 0, "iris.csv", &m, NULL, &err);
        som_map_free(m);
        failing_countdown = -1;
        som_set_allocator(NULL, NULL, NULL);
        assert_int_equal(failing_live, 0);
        if (failing_refused == 0) {
            assert_int_equal(rc, SOM_OK);
            assert_true(k > 20); /* it does allocate */
            break;
        }
        if (rc != SOM_ENOMEM) assert_int_equal(rc, SOM_EIO);
        assert_null(m);
    }
    unlink(ckpt);
    som_data_free(d);
    som_fit_opts_clear(&o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_auto_grid),
        cmocka_unit_test(test_class_target),
        cmocka_unit_test(test_weights_by_title),
        cmocka_unit_test(test_bad_titles),
        cmocka_unit_test(test_init_codebook),
        cmocka_unit_test(test_checkpoint_resume),
        cmocka_unit_test(test_fitter_stop_continue),
        cmocka_unit_test(test_out_of_memory),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
