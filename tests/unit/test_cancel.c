/* Cancellation (som_cancel): a token bound to the thread stops every long
 * call with SOM_ECANCELED, frees what it made and writes no file; a
 * cancelled training run continues to the same bytes as one never
 * cancelled; a token bound elsewhere changes nothing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <dirent.h>
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
    snprintf(tmpdir, sizeof tmpdir, "/tmp/som-cancel-XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    DIR *d = opendir(tmpdir);
    struct dirent *e;
    char path[512];
    while (d && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') continue;
        snprintf(path, sizeof path, "%s/%s", tmpdir, e->d_name);
        unlink(path);
    }
    if (d) closedir(d);
    rmdir(tmpdir);
    return 0;
}

/* Files in tmpdir whose name holds `part`. */
static int count_files(const char *part)
{
    DIR *d = opendir(tmpdir);
    struct dirent *e;
    int n = 0;
    while (d && (e = readdir(d)) != NULL)
        if (e->d_name[0] != '.' && strstr(e->d_name, part)) n++;
    if (d) closedir(d);
    return n;
}

/* 300 rows x 3 fields, seeded. */
static som_data *make_data(void)
{
    som_data *d = NULL;
    assert_int_equal(som_data_new(300, 3, &d, NULL), SOM_OK);
    uint32_t s = 12345;
    for (size_t i = 0; i < 300; i++) {
        float row[3];
        for (int j = 0; j < 3; j++) {
            s = s * 1664525u + 1013904223u;
            row[j] = (float)(s >> 8) / 16777216.0f * (float)(j + 1) + (float)(i % 3);
        }
        assert_int_equal(som_data_set_row(d, i, row, NULL, NULL), SOM_OK);
    }
    return d;
}

static som_map *make_map_on(const som_data *d, som_topology topo)
{
    som_grid g = {6, 5, topo, 0};
    som_map *m = NULL;
    assert_int_equal(som_map_new(&g, 3, &m, NULL), SOM_OK);
    assert_int_equal(som_map_fit_scaling(m, d, SOM_SCALE_ZSCORE, NULL), SOM_OK);
    return m;
}

static som_map *make_map(const som_data *d) { return make_map_on(d, SOM_HEX); }

static void test_token(void **state)
{
    (void)state;
    som_cancel *c = som_cancel_new();
    assert_non_null(c);
    assert_int_equal(som_cancel_is_set(c), 0);
    assert_int_equal(som_cancel_is_set(NULL), 0);
    som_cancel_set(c);
    assert_int_equal(som_cancel_is_set(c), 1);
    som_cancel_reset(c);
    assert_int_equal(som_cancel_is_set(c), 0);
    assert_null(som_cancel_bind(c));
    som_error err;
    assert_int_equal(som_cancel_poll(&err), SOM_OK);
    som_cancel_set(c);
    assert_int_equal(som_cancel_poll(&err), SOM_ECANCELED);
    assert_string_equal(err.message, "interrupted");
    assert_string_equal(som_strerror(SOM_ECANCELED), "interrupted");
    assert_ptr_equal(som_cancel_bind(NULL), c);
    /* Unbound: nothing is cancelled any more. */
    assert_int_equal(som_cancel_poll(&err), SOM_OK);
    som_cancel_set(NULL);
    som_cancel_reset(NULL);
    som_cancel_free(c);
    som_cancel_free(NULL);
}

/* With the token set, every long call stops at once with SOM_ECANCELED,
 * and neither leaves an object nor a file behind. */
static void test_every_call_stops(void **state)
{
    (void)state;
    som_data *d = make_data();
    som_map *m = make_map(d);
    som_train_opts o;
    som_train_opts_init(&o);
    o.epochs = 2;
    assert_int_equal(som_map_train(m, d, &o, NULL), SOM_OK);
    char path[128], csv[128];
    snprintf(path, sizeof path, "%s/old.som", tmpdir);
    snprintf(csv, sizeof csv, "%s/out.csv", tmpdir);
    assert_int_equal(som_map_save(m, path, NULL), SOM_OK);

    som_map *other = make_map(d);
    som_cancel *c = som_cancel_new();
    som_cancel_bind(c);
    som_cancel_set(c);
    som_error err;
    som_data *out = (som_data *)1;
    const char text[] = "a,b\n1,2\n3,4\n";
    assert_int_equal(som_data_read_csv_mem(text, sizeof text - 1, "t.csv", NULL, &out, &err),
                     SOM_ECANCELED);
    assert_null(out);
    assert_int_equal(err.code, SOM_ECANCELED);
    assert_int_equal(som_map_fit_scaling(m, d, SOM_SCALE_MINMAX, &err), SOM_ECANCELED);
    assert_int_equal(som_map_init(m, d, SOM_INIT_PCA, 1, &err), SOM_ECANCELED);
    assert_int_equal(som_map_train(m, d, &o, &err), SOM_ECANCELED);
    size_t units[300];
    assert_int_equal(som_map_bmus(m, d, units, NULL, NULL, 1, &err), SOM_ECANCELED);
    som_cluster_opts co;
    som_cluster_opts_init(&co);
    co.k = 3;
    assert_int_equal(som_map_cluster(m, &co, NULL, &err), SOM_ECANCELED);
    co.method = SOM_CLUSTER_WARD;
    assert_int_equal(som_map_cluster(m, &co, NULL, &err), SOM_ECANCELED);
    /* Saves: nothing written, the old file kept, no temporary left. */
    assert_int_equal(som_map_save(other, path, &err), SOM_ECANCELED);
    assert_int_equal(som_data_write_csv(d, csv, &err), SOM_ECANCELED);
    assert_int_equal(count_files(".tmp."), 0);
    assert_int_equal(access(csv, F_OK), -1);
    som_cancel_bind(NULL);
    som_map *back = NULL;
    assert_int_equal(som_map_load(path, &back, NULL), SOM_OK);
    void *a, *b;
    size_t la, lb;
    assert_int_equal(som_map_save_mem(m, &a, &la, NULL), SOM_OK);
    assert_int_equal(som_map_save_mem(back, &b, &lb, NULL), SOM_OK);
    assert_int_equal(la, lb);
    assert_memory_equal(a, b, la);
    som_free(a);
    som_free(b);
    som_map_free(back);
    som_map_free(other);
    som_cancel_free(c);
    som_map_free(m);
    som_data_free(d);
}

/* The callback sets the token at a chosen step; the run stops there. */
typedef struct stopper {
    som_cancel *cancel;
    size_t at_step;
} stopper;

static int stop_at(const som_progress *p, void *ctx)
{
    stopper *s = ctx;
    if (p->step == s->at_step) som_cancel_set(s->cancel);
    return 0;
}

/* The token is set by the callback after step at_step; the run must stop
 * with `stopped` steps done, and continue to the uninterrupted bytes. */
static void resumes_to_same_bytes(som_algorithm algo, som_topology topo, size_t at_step,
                                  size_t stopped)
{
    som_cancel_bind(NULL); /* whatever a failed test left */
    som_data *d = make_data();
    som_train_opts o;
    som_train_opts_init(&o);
    o.algorithm = algo;
    o.epochs = 6;
    o.threads = 2;
    if (algo == SOM_ONLINE) o.progress_every = 50;

    som_map *ref = make_map_on(d, topo);
    assert_int_equal(som_map_train(ref, d, &o, NULL), SOM_OK);
    void *want;
    size_t want_len;
    assert_int_equal(som_map_save_mem(ref, &want, &want_len, NULL), SOM_OK);

    som_map *m = make_map_on(d, topo);
    stopper st = {som_cancel_new(), at_step};
    o.progress = stop_at;
    o.progress_ctx = &st;
    som_cancel_bind(st.cancel);
    som_trainer *t = NULL;
    assert_int_equal(som_trainer_new(m, d, &o, &t, NULL), SOM_OK);
    som_error err;
    assert_int_equal(som_trainer_run(t, 0, &err), SOM_ECANCELED);
    assert_int_equal(err.code, SOM_ECANCELED);
    assert_int_equal(som_trainer_step(t), stopped);
    assert_false(som_trainer_done(t));
    /* Still set: a second run stops at once. */
    assert_int_equal(som_trainer_run(t, 0, NULL), SOM_ECANCELED);
    assert_int_equal(som_trainer_step(t), stopped);
    if (stopped > at_step) { /* no state saved in the middle of a pass end */
        char path[128];
        snprintf(path, sizeof path, "%s/mid.ckpt", tmpdir);
        assert_int_equal(som_trainer_save_state(t, path, NULL), SOM_EINVAL);
    }
    som_cancel_reset(st.cancel);
    st.at_step = SIZE_MAX;
    assert_int_equal(som_trainer_run(t, 0, NULL), SOM_OK);
    assert_true(som_trainer_done(t));
    som_cancel_bind(NULL);
    void *got;
    size_t got_len;
    assert_int_equal(som_map_save_mem(m, &got, &got_len, NULL), SOM_OK);
    assert_int_equal(got_len, want_len);
    assert_memory_equal(got, want, want_len);
    som_free(got);
    som_free(want);
    som_trainer_free(t);
    som_cancel_free(st.cancel);
    som_map_free(m);
    som_map_free(ref);
    som_data_free(d);
}

/* A hex map's pass polls in its smoothing (into a copy of the codebook):
 * pass 4 is dropped whole and the run stops after 3. */
static void test_batch_resumes(void **state)
{
    (void)state;
    resumes_to_same_bytes(SOM_BATCH, SOM_HEX, 3, 3);
}

/* A rect gaussian pass has its BMUs already (pass 3's quality measured
 * them) and a short separable smoothing: it runs whole, and its end — the
 * quality search — is what the token stops; the next run does that end
 * first (the pending end of a pass). */
static void test_batch_resumes_pass_end(void **state)
{
    (void)state;
    resumes_to_same_bytes(SOM_BATCH, SOM_RECT, 3, 4);
}

/* Online: at the next poll, before step 451. */
static void test_online_resumes(void **state)
{
    (void)state;
    resumes_to_same_bytes(SOM_ONLINE, SOM_HEX, 450, 450);
}

/* What a signal handler calls before the process ends: the temporaries of
 * open outfiles go, the outfiles can still be aborted. */
static void test_remove_temporaries(void **state)
{
    (void)state;
    som_cancel_bind(NULL);
    char path[128];
    snprintf(path, sizeof path, "%s/target.csv", tmpdir);
    som_outfile *f = NULL;
    assert_int_equal(som_outfile_open(path, &f, NULL), SOM_OK);
    fputs("x\n", som_outfile_stream(f));
    assert_int_equal(count_files("target.csv.tmp."), 1);
    som_outfile_remove_temporaries();
    assert_int_equal(count_files("target.csv.tmp."), 0);
    som_outfile_abort(f);
    assert_int_equal(access(path, F_OK), -1);
    /* A committed file is no longer tracked. */
    assert_int_equal(som_outfile_open(path, &f, NULL), SOM_OK);
    fputs("y\n", som_outfile_stream(f));
    assert_int_equal(som_outfile_commit(f, NULL), SOM_OK);
    som_outfile_remove_temporaries();
    assert_int_equal(access(path, F_OK), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_token),
        cmocka_unit_test(test_every_call_stops),
        cmocka_unit_test(test_batch_resumes),
        cmocka_unit_test(test_batch_resumes_pass_end),
        cmocka_unit_test(test_online_resumes),
        cmocka_unit_test(test_remove_temporaries),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
