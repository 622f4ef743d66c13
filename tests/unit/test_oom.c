/* Out of memory: every loader, constructor and trainer is run with its 1st,
 * 2nd, 3rd ... allocation failing, until it runs without a failure. Each
 * failed run must return SOM_ENOMEM, hand back no object, and leave nothing
 * allocated once the test frees what it owns (counted here, so it holds in
 * every build; LeakSanitizer checks it again in the ASan build).
 *
 * The CSV reader and the .som loader have their own such tests (test_csv.c,
 * test_model.c); this file covers the rest. Only libsom's own allocations go
 * through the hook: OpenMP and OpenBLAS allocate on their own, which is why
 * the runs below use one thread. */
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

#include "failing_alloc.h"

/* One case: set-up and tear-down run with every allocation granted; only
 * `call` meets the failures. `call` returns a status; tear-down frees what
 * set-up and call made. */
typedef struct oom_case {
    const char *name;
    void (*setup)(void *ctx);
    int (*call)(void *ctx);
    void (*teardown)(void *ctx);
    size_t ctx_size;
} oom_case;

static void run_case(const oom_case *c)
{
    assert_int_equal(
        som_allocator_set(failing_malloc, failing_realloc, failing_free, NULL), SOM_OK);
    void *ctx = calloc(1, c->ctx_size);
    assert_non_null(ctx);
    long k;
    for (k = 0;; k++) {
        failing_live = 0;
        failing_refused = 0;
        failing_countdown = -1;
        if (c->setup) c->setup(ctx);
        failing_countdown = k;
        int rc = c->call(ctx);
        failing_countdown = -1;
        c->teardown(ctx);
        if (failing_live != 0)
            fail_msg("%s: %ld blocks leaked with allocation %ld failing", c->name, failing_live, k + 1);
        if (failing_refused == 0) {
            if (rc != SOM_OK)
                fail_msg("%s: returned %s with no allocation failing", c->name, som_err_name(rc));
            break;
        }
        /* A failure the code recovered from (a smaller buffer, say) may
         * still end in success; anything else must be SOM_ENOMEM. */
        if (rc != SOM_OK && rc != SOM_ENOMEM)
            fail_msg("%s: returned %s with allocation %ld failing", c->name, som_err_name(rc),
                     k + 1);
        memset(ctx, 0, c->ctx_size);
    }
    assert_true(k > 0); /* the call does allocate */
    print_message("%-28s %3ld allocations failed in turn\n", c->name, k);
    free(ctx);
    som_allocator_set(NULL, NULL, NULL, NULL);
}

/* ---- inputs -------------------------------------------------------------- */

static char tmpdir[64];


static som_data *small_data(int with_missing)
{
    som_data *d = NULL;
    assert_int_equal(som_data_new(24, 3, &d, NULL), SOM_OK);
    for (size_t i = 0; i < 24; i++) {
        float x[3] = {(float)(i % 5), (float)(i % 3) * 0.5f, (float)i * 0.1f};
        if (with_missing && i % 6 == 2) x[1] = NAN;
        assert_int_equal(som_data_set_row(d, i, x, NULL, NULL), SOM_OK);
    }
    assert_int_equal(som_data_set_label(d, 0, "first", NULL), SOM_OK);
    return d;
}

static som_map *small_map(const som_data *d)
{
    som_grid g = {3, 4, SOM_HEX, 0};
    som_map *m = NULL;
    assert_int_equal(som_map_new(&g, som_data_dim(d), &m, NULL), SOM_OK);
    assert_int_equal(som_map_set_titles_from_data(m, d, NULL), SOM_OK);
    assert_int_equal(som_map_fit_scaling(m, d, SOM_SCALE_ZSCORE, NULL), SOM_OK);
    return m;
}

static void small_opts(som_train_opts *o, som_algorithm alg)
{
    som_train_opts_init(o);
    o->algorithm = alg;
    o->epochs = 2;
    o->threads = 1;
    o->seed = 3;
}

static void path_in_tmp(char *out, size_t size, const char *name)
{
    snprintf(out, size, "%s/%s", tmpdir, name);
}

/* ---- readers of bytes ------------------------------------------------------ */

typedef struct rd_ctx {
    som_data *d;
    som_map *m;
    char *buf;
    size_t len;
} rd_ctx;

static void rd_teardown(void *p)
{
    rd_ctx *c = p;
    som_data_free(c->d);
    som_map_free(c->m);
}

#define BYTES(s) s, sizeof s - 1

static int call_npy(void *p)
{
    rd_ctx *c = p;
    /* A 3x2 float32 array: the 10-byte prefix and the header dict padded
     * with spaces to 128 bytes, then the values. */
    static unsigned char buf[128 + 24];
    static const char dict[] = "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 2), }";
    memcpy(buf, "\x93NUMPY\x01\x00\x76\x00", 10);
    memset(buf + 10, ' ', 118);
    memcpy(buf + 10, dict, sizeof dict - 1);
    buf[127] = '\n';
    for (int i = 0; i < 6; i++) {
        float v = (float)i;
        memcpy(buf + 128 + 4 * i, &v, 4);
    }
    int rc = som_data_read_npy_mem(buf, sizeof buf, "t.npy", &c->d, NULL);
    if (rc) assert_null(c->d);
    return rc;
}

static int call_sompak(void *p)
{
    rd_ctx *c = p;
    static const char text[] = "3\n#n a b c\n1 2 3 lab one\nx 2 3 weight=2 fixed=1,0\n4 5 6\n";
    int rc = som_data_read_sompak_mem(BYTES(text), "t.dat", &c->d, NULL);
    if (rc) assert_null(c->d);
    return rc;
}

static int call_cod(void *p)
{
    rd_ctx *c = p;
    static const char text[] = "2 hexa 2 2 gaussian\n#n a b\n1 2\n3 4 lab\n5 6\n7 8\n";
    int rc = som_map_load_sompak_mem(BYTES(text), "t.cod", &c->m, NULL);
    if (rc) assert_null(c->m);
    return rc;
}

static int call_lrn(void *p)
{
    rd_ctx *c = p;
    static const char text[] = "% 3\n% 3\n% 9\t1\t1\n% Key\ta\tb\n1\t0.5\t2\n2\tNaN\t3\n3\t1\t4\n";
    int rc = som_data_read_lrn_mem(BYTES(text), "t.lrn", &c->d, NULL);
    if (rc) assert_null(c->d);
    return rc;
}

static int call_wts(void *p)
{
    rd_ctx *c = p;
    static const char text[] = "% 2 2\n% 2\n1 2\n3 4\n5 6\n7 8\n";
    int rc = som_map_load_wts_mem(BYTES(text), "t.wts", &c->m, NULL);
    if (rc) assert_null(c->m);
    return rc;
}

static void cls_setup(void *p)
{
    rd_ctx *c = p;
    c->d = small_data(0);
}

static int call_cls(void *p)
{
    rd_ctx *c = p;
    static const char text[] = "% 3\n1\t2\n2\t1\n5\t3\n";
    return som_data_read_cls_mem(c->d, BYTES(text), "t.cls", NULL);
}

/* A .somnet image made by the library itself (set-up, not counted). */
static void somnet_setup(void *p)
{
    rd_ctx *c = p;
    som_data *d = small_data(0);
    som_map *m = small_map(d);
    char path[128];
    path_in_tmp(path, sizeof path, "t.somnet");
    assert_int_equal(som_map_save_somnet(m, path, 0, 0, NULL), SOM_OK);
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    c->buf = malloc(1 << 16);
    assert_non_null(c->buf);
    c->len = fread(c->buf, 1, 1 << 16, fp);
    fclose(fp);
    unlink(path);
    som_map_free(m);
    som_data_free(d);
}

static int call_somnet(void *p)
{
    rd_ctx *c = p;
    int rc = som_map_load_somnet_mem(c->buf, c->len, "t.somnet", &c->m, NULL);
    if (rc) assert_null(c->m);
    return rc;
}

static void somnet_teardown(void *p)
{
    rd_ctx *c = p;
    free(c->buf);
    rd_teardown(p);
}

/* A JSON model written by the library itself (set-up, not counted), read
 * back through som_map_load_any (jansson's own allocations are not the
 * hook's; the map and the file's bytes are). */
static void json_setup(void *p)
{
    rd_ctx *c = p;
    som_data *d = small_data(0);
    som_map *m = small_map(d);
    c->buf = malloc(128);
    assert_non_null(c->buf);
    path_in_tmp((char *)c->buf, 128, "t.json");
    assert_int_equal(som_map_write_json(m, (char *)c->buf, NULL), SOM_OK);
    som_map_free(m);
    som_data_free(d);
}

static int call_json(void *p)
{
    rd_ctx *c = p;
    int rc = som_map_load_any((char *)c->buf, &c->m, NULL);
    if (rc) assert_null(c->m);
    return rc;
}

static void json_teardown(void *p)
{
    rd_ctx *c = p;
    unlink((char *)c->buf);
    free(c->buf);
    rd_teardown(p);
}

static void test_readers(void **state)
{
    (void)state;
    const oom_case cases[] = {
        {"som_data_read_npy_mem", NULL, call_npy, rd_teardown, sizeof(rd_ctx)},
        {"som_data_read_sompak_mem", NULL, call_sompak, rd_teardown, sizeof(rd_ctx)},
        {"som_map_load_sompak_mem", NULL, call_cod, rd_teardown, sizeof(rd_ctx)},
        {"som_data_read_lrn_mem", NULL, call_lrn, rd_teardown, sizeof(rd_ctx)},
        {"som_map_load_wts_mem", NULL, call_wts, rd_teardown, sizeof(rd_ctx)},
        {"som_data_read_cls_mem", cls_setup, call_cls, rd_teardown, sizeof(rd_ctx)},
        {"som_map_load_somnet_mem", somnet_setup, call_somnet, somnet_teardown, sizeof(rd_ctx)},
        {"som_map_load_any .json", json_setup, call_json, json_teardown, sizeof(rd_ctx)},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) run_case(&cases[i]);
}

/* ---- constructors ----------------------------------------------------------- */

typedef struct obj_ctx {
    som_data *d, *d2;
    som_map *m, *m2;
    som_trainer *t;
    som_train_opts o;
    char path[128];
} obj_ctx;

static void obj_teardown(void *p)
{
    obj_ctx *c = p;
    som_trainer_free(c->t);
    som_data_free(c->d);
    som_data_free(c->d2);
    som_map_free(c->m);
    som_map_free(c->m2);
    if (c->path[0]) unlink(c->path);
}

static int call_data_new(void *p)
{
    obj_ctx *c = p;
    int rc = som_data_new(5, 4, &c->d, NULL);
    if (rc) assert_null(c->d);
    return rc;
}

static int call_map_new(void *p)
{
    obj_ctx *c = p;
    som_grid g = {4, 5, SOM_RECT, 1};
    int rc = som_map_new(&g, 3, &c->m, NULL);
    if (rc) assert_null(c->m);
    return rc;
}

static void with_map(void *p)
{
    obj_ctx *c = p;
    c->d = small_data(1);
    c->m = small_map(c->d);
}

static void with_trained_map(void *p)
{
    obj_ctx *c = p;
    with_map(p);
    small_opts(&c->o, SOM_BATCH);
    assert_int_equal(som_map_train(c->m, c->d, &c->o, NULL), SOM_OK);
}

static int call_clone(void *p)
{
    obj_ctx *c = p;
    int rc = som_map_clone(c->m, &c->m2, NULL);
    if (rc) assert_null(c->m2);
    return rc;
}

static void with_data(void *p)
{
    obj_ctx *c = p;
    c->d = small_data(1);
}

static int call_align(void *p)
{
    obj_ctx *c = p;
    int rc = som_map_align_data(c->m, c->d, &c->d2, NULL);
    if (rc) assert_null(c->d2);
    return rc;
}

static int call_save_mem(void *p)
{
    obj_ctx *c = p;
    void *buf = NULL;
    size_t len = 0;
    int rc = som_map_save_mem(c->m, &buf, &len, NULL);
    if (rc) assert_null(buf);
    som_free(buf);
    return rc;
}

static void test_constructors(void **state)
{
    (void)state;
    const oom_case cases[] = {
        {"som_data_new", NULL, call_data_new, obj_teardown, sizeof(obj_ctx)},
        {"som_map_new", NULL, call_map_new, obj_teardown, sizeof(obj_ctx)},
        {"som_map_clone", with_trained_map, call_clone, obj_teardown, sizeof(obj_ctx)},
        {"som_map_align_data", with_map, call_align, obj_teardown, sizeof(obj_ctx)},
        {"som_map_save_mem", with_trained_map, call_save_mem, obj_teardown, sizeof(obj_ctx)},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) run_case(&cases[i]);
}

/* som_map_new inside the call may itself fail; a case that needs the map
 * made outside: fit_scaling on a ready map. */
static void with_plain_map(void *p)
{
    obj_ctx *c = p;
    c->d = small_data(1);
    som_grid g = {2, 2, SOM_RECT, 0};
    assert_int_equal(som_map_new(&g, 3, &c->m, NULL), SOM_OK);
}

static int call_fit(void *p)
{
    obj_ctx *c = p;
    return som_map_fit_scaling(c->m, c->d, SOM_SCALE_MINMAX, NULL);
}

/* ---- training and recognition ---------------------------------------------- */

static int call_trainer_new(void *p)
{
    obj_ctx *c = p;
    small_opts(&c->o, SOM_ONLINE);
    int rc = som_trainer_new(c->m, c->d, &c->o, &c->t, NULL);
    if (rc) assert_null(c->t);
    return rc;
}

static int call_train_online(void *p)
{
    obj_ctx *c = p;
    small_opts(&c->o, SOM_ONLINE);
    c->o.init = SOM_INIT_SAMPLE;
    return som_map_train(c->m, c->d, &c->o, NULL);
}

static int call_train_batch(void *p)
{
    obj_ctx *c = p;
    small_opts(&c->o, SOM_BATCH); /* PCA initialisation */
    return som_map_train(c->m, c->d, &c->o, NULL);
}

static int call_train_inplace(void *p)
{
    obj_ctx *c = p;
    small_opts(&c->o, SOM_BATCH);
    c->o.init = SOM_INIT_RANDOM;
    return som_map_train_inplace(c->m, c->d, &c->o, NULL);
}

static int call_bmus(void *p)
{
    obj_ctx *c = p;
    size_t units[24], second[24];
    float dist[24];
    return som_map_bmus(c->m, c->d, units, dist, second, 1, NULL);
}

static int call_quality(void *p)
{
    obj_ctx *c = p;
    som_quality q;
    size_t hits[12];
    return som_map_quality(c->m, c->d, &q, hits, 1, NULL);
}

static int call_predict(void *p)
{
    obj_ctx *c = p;
    return som_map_predict(c->m, c->d, NULL, NULL, 1, NULL);
}

static int call_fill_units(void *p)
{
    obj_ctx *c = p;
    return som_map_fill(c->m, c->d, NULL, NULL, NULL, 1, NULL);
}

static int call_fill_smooth(void *p)
{
    obj_ctx *c = p;
    som_fill_opts o;
    som_fill_opts_init(&o);
    o.method = SOM_FILL_SMOOTH;
    return som_map_fill(c->m, c->d, NULL, &o, NULL, 1, NULL);
}

static int call_best_units(void *p)
{
    obj_ctx *c = p;
    const float x[3] = {1, NAN, 0.5f};
    size_t units[5];
    int rc = som_map_best_units(c->m, x, NULL, 5, units, NULL, NULL);
    return rc < 0 ? rc : SOM_OK;
}

static void with_checkpoint(void *p)
{
    obj_ctx *c = p;
    with_map(p);
    small_opts(&c->o, SOM_ONLINE);
    c->o.epochs = 3;
    path_in_tmp(c->path, sizeof c->path, "oom.ckpt");
    som_trainer *t = NULL;
    assert_int_equal(som_trainer_new(c->m, c->d, &c->o, &t, NULL), SOM_OK);
    assert_int_equal(som_trainer_run(t, 30, NULL), SOM_OK);
    assert_int_equal(som_trainer_save_state(t, c->path, NULL), SOM_OK);
    som_trainer_free(t);
    som_map_free(c->m);
    c->m = small_map(c->d);
}

static int call_save_state(void *p)
{
    obj_ctx *c = p;
    small_opts(&c->o, SOM_ONLINE);
    path_in_tmp(c->path, sizeof c->path, "oom-save.ckpt");
    int rc = som_trainer_new(c->m, c->d, &c->o, &c->t, NULL);
    if (rc) return rc;
    rc = som_trainer_run(c->t, 30, NULL);
    if (rc) return rc;
    return som_trainer_save_state(c->t, c->path, NULL);
}

static int call_resume(void *p)
{
    obj_ctx *c = p;
    int rc = som_trainer_resume(c->m, c->d, &c->o, c->path, &c->t, NULL);
    if (rc) {
        assert_null(c->t);
        return rc;
    }
    return som_trainer_run(c->t, 0, NULL);
}

static void test_training(void **state)
{
    (void)state;
    const oom_case cases[] = {
        {"som_map_fit_scaling", with_plain_map, call_fit, obj_teardown, sizeof(obj_ctx)},
        {"som_trainer_new", with_map, call_trainer_new, obj_teardown, sizeof(obj_ctx)},
        {"som_map_train online", with_map, call_train_online, obj_teardown, sizeof(obj_ctx)},
        {"som_map_train batch", with_map, call_train_batch, obj_teardown, sizeof(obj_ctx)},
        {"som_map_train_inplace", with_map, call_train_inplace, obj_teardown, sizeof(obj_ctx)},
        {"som_map_bmus", with_trained_map, call_bmus, obj_teardown, sizeof(obj_ctx)},
        {"som_map_quality", with_trained_map, call_quality, obj_teardown, sizeof(obj_ctx)},
        {"som_map_predict", with_trained_map, call_predict, obj_teardown, sizeof(obj_ctx)},
        {"som_map_fill units", with_trained_map, call_fill_units, obj_teardown, sizeof(obj_ctx)},
        {"som_map_fill smooth", with_trained_map, call_fill_smooth, obj_teardown, sizeof(obj_ctx)},
        {"som_map_best_units", with_trained_map, call_best_units, obj_teardown, sizeof(obj_ctx)},
        {"som_trainer_save_state", with_map, call_save_state, obj_teardown, sizeof(obj_ctx)},
        {"som_trainer_resume", with_checkpoint, call_resume, obj_teardown, sizeof(obj_ctx)},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) run_case(&cases[i]);
}

/* ---- writers ------------------------------------------------------------------ */

static int call_save_formats(void *p)
{
    obj_ctx *c = p;
    static const char *const names[] = {"t.som", "t.somnet", "t.cod", "t.wts", "t.umx", "t.json"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        path_in_tmp(c->path, sizeof c->path, names[i]);
        int rc = som_map_save_any(c->m, c->path, NULL);
        unlink(c->path);
        if (rc) return rc;
    }
    c->path[0] = '\0';
    return SOM_OK;
}

static int call_write_data(void *p)
{
    obj_ctx *c = p;
    path_in_tmp(c->path, sizeof c->path, "t.csv");
    int rc = som_data_write_csv(c->d, c->path, NULL);
    if (rc) return rc;
    path_in_tmp(c->path, sizeof c->path, "t.dat");
    if ((rc = som_data_write_sompak(c->d, c->path, NULL))) return rc;
    path_in_tmp(c->path, sizeof c->path, "t.lrn");
    return som_data_write_lrn(c->d, c->path, NULL);
}

static void test_writers(void **state)
{
    (void)state;
    const oom_case cases[] = {
        {"som_map_save_any", with_trained_map, call_save_formats, obj_teardown, sizeof(obj_ctx)},
        {"som_data_write_*", with_data, call_write_data, obj_teardown, sizeof(obj_ctx)},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) run_case(&cases[i]);
    char path[128];
    path_in_tmp(path, sizeof path, "t.csv");
    unlink(path);
    path_in_tmp(path, sizeof path, "t.dat");
    unlink(path);
}

static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/som-oom-XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    return rmdir(tmpdir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_readers),
        cmocka_unit_test(test_constructors),
        cmocka_unit_test(test_training),
        cmocka_unit_test(test_writers),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
