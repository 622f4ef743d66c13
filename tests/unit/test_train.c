/* Training and recognition: known answers computed by hand, and the
 * properties every trained map must have. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/core.h"

static som_data *make_data(size_t n, size_t dim, const float *values)
{
    som_data *d;
    assert_int_equal(som_data_new(n, dim, &d, NULL), SOM_OK);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(som_data_set_row(d, i, values + i * dim, NULL, NULL), SOM_OK);
    return d;
}

/* ---- one-step updates, by hand ------------------------------------------- */

/* A 3x3 rect map whose codebook is known; one sample; one online step.
 * Expected: w_i + alpha * beta_i * h(d) * (x - w_i) with h written out. */
static void check_one_step(som_neighborhood kind, som_schedule sched, double beta)
{
    som_grid g = {3, 3, SOM_RECT, 0};
    som_map *m;
    assert_int_equal(som_map_new(&g, 2, &m, NULL), SOM_OK);
    float cb[18];
    for (size_t u = 0; u < 9; u++) {
        cb[2 * u] = (float)(u % 3);
        cb[2 * u + 1] = (float)(u / 3);
    }
    som_map_set_codebook(m, cb);
    const float x[2] = {0.2f, -0.4f}; /* winner: unit 0 at (0,0) */
    som_data *d = make_data(1, 2, x);
    som_train_opts o;
    som_train_opts_init(&o);
    o.algorithm = SOM_ONLINE;
    o.iterations = 1;
    o.init = SOM_INIT_KEEP;
    o.radius0 = 1.5;
    o.radius1 = 0.5;
    o.rate0 = 0.3;
    o.rate1 = 0.1;
    o.schedule = sched;
    o.neighborhood = kind;
    o.neighbor_rate = beta;
    assert_int_equal(som_map_train(m, d, &o, NULL), SOM_OK);
    const float *w = som_map_codebook(m);
    const double sigma = 1.5, alpha = 0.3;
    for (size_t u = 0; u < 9; u++) {
        double dr = (double)(u / 3), dc = (double)(u % 3);
        double d2 = dr * dr + dc * dc, h;
        if (sched == SOM_SCHEDULE_MQL) /* gaussian cut strictly inside sigma */
            h = d2 < sigma * sigma ? exp(-d2 / (2 * sigma * sigma)) : 0.0;
        else if (kind == SOM_NEIGHBORHOOD_GAUSSIAN) h = exp(-d2 / (2 * sigma * sigma));
        else if (kind == SOM_NEIGHBORHOOD_CUTGAUSS) h = d2 <= sigma * sigma ? exp(-d2 / (2 * sigma * sigma)) : 0.0;
        else if (kind == SOM_NEIGHBORHOOD_BUBBLE) h = d2 <= sigma * sigma ? 1.0 : 0.0;
        else h = fmax(0.0, 1.0 - d2 / (sigma * sigma));
        if (u != 0) h *= beta;
        for (size_t j = 0; j < 2; j++) {
            double w0 = cb[2 * u + j];
            double want = w0 + alpha * h * ((double)x[j] - w0);
            assert_true(fabs((double)w[2 * u + j] - want) < 1e-6);
        }
    }
    som_data_free(d);
    som_map_free(m);
}

static void one_step_every_neighbourhood(void **state)
{
    (void)state;
    for (int k = 0; k <= SOM_NEIGHBORHOOD_EPANECHNIKOV; k++) {
        check_one_step((som_neighborhood)k, SOM_SCHEDULE_LINEAR, 1.0);
        check_one_step((som_neighborhood)k, SOM_SCHEDULE_EXP, 0.5);
    }
    check_one_step(SOM_NEIGHBORHOOD_GAUSSIAN, SOM_SCHEDULE_INVERSE, 1.0);
    check_one_step(SOM_NEIGHBORHOOD_GAUSSIAN, SOM_SCHEDULE_MQL, 1.0);
}

static void schedules_follow_their_formulas(void **state)
{
    (void)state;
    som_train_opts o;
    som_train_opts_init(&o);
    o.radius0 = 5.0;
    o.radius1 = 1.0;
    o.rate0 = 0.5;
    o.rate1 = 0.01;
    const size_t N = 1001;
    double s, a;
    const size_t ks[] = {0, 1, 250, 500, 1000};
    for (size_t t = 0; t < 5; t++) {
        size_t k = ks[t];
        double f = (double)k / 1000.0;
        o.schedule = SOM_SCHEDULE_LINEAR;
        som__schedule(&o, k, N, &s, &a);
        assert_true(fabs(s - (5.0 - 4.0 * f)) < 1e-12 && fabs(a - (0.5 - 0.49 * f)) < 1e-12);
        o.schedule = SOM_SCHEDULE_EXP;
        som__schedule(&o, k, N, &s, &a);
        assert_true(fabs(s - 5.0 * pow(0.2, f)) < 1e-12 && fabs(a - 0.5 * pow(0.02, f)) < 1e-12);
        o.schedule = SOM_SCHEDULE_INVERSE; /* defaults: B = N/100, A = A0 B */
        som__schedule(&o, k, N, &s, &a);
        assert_true(fabs(a - 0.5 * 10.01 / ((double)k + 10.01)) < 1e-12);
        o.inverse_a = 3.0;
        o.inverse_b = 7.0;
        som__schedule(&o, k, N, &s, &a);
        assert_true(fabs(a - 3.0 / ((double)k + 7.0)) < 1e-12);
        o.inverse_a = o.inverse_b = 0.0;
        o.schedule = SOM_SCHEDULE_MQL; /* sigma = R0 exp(-k/lambda), lambda = N / ln R0 */
        som__schedule(&o, k, N, &s, &a);
        double lambda = (double)N / log(5.0);
        assert_true(fabs(s - 5.0 * exp(-(double)k / lambda)) < 1e-12);
        double want_a = k == 0 ? 0.5 : 0.5 * exp(-(double)(k - 1) / (double)N);
        assert_true(fabs(a - want_a) < 1e-12);
    }
    /* MQL reaches sigma = 1 at k = N */
    o.schedule = SOM_SCHEDULE_MQL;
    som__schedule(&o, N, N, &s, &a);
    assert_true(fabs(s - 1.0) < 1e-12);
}

/* The radius's own curve (radius_schedule) over any rate schedule. */
static void radius_schedules_follow_their_formulas(void **state)
{
    (void)state;
    som_train_opts o;
    som_train_opts_init(&o);
    o.radius0 = 6.0;
    o.radius1 = 2.0;
    o.rate0 = 0.5;
    o.schedule = SOM_SCHEDULE_INVERSE;
    o.inverse_a = 250.0; /* MiniSom's asymptotic rate: A0 (N/2) / (k + N/2) */
    o.inverse_b = 500.0;
    const size_t N = 1000;
    double s, a;
    const size_t ks[] = {0, 1, 250, 999};
    for (size_t i = 0; i < 4; i++) {
        double k = (double)ks[i], f = k / 999.0;
        o.radius_schedule = SOM_RADIUS_SAME; /* inverse: a linear radius */
        som__schedule(&o, ks[i], N, &s, &a);
        assert_true(fabs(s - (6.0 - 4.0 * f)) < 1e-12);
        o.radius_schedule = SOM_RADIUS_EXP;
        som__schedule(&o, ks[i], N, &s, &a);
        assert_true(fabs(s - 6.0 * pow(2.0 / 6.0, f)) < 1e-12);
        /* The hyperbola through R0 at 0 and R1 at N: B = N R1 / (R0 - R1) = 500,
         * MiniSom's sigma / (1 + k / (N/2)) for R1 = R0 / 3. */
        o.radius_schedule = SOM_RADIUS_INVERSE;
        som__schedule(&o, ks[i], N, &s, &a);
        assert_true(fabs(s - 6.0 / (1.0 + k / 500.0)) < 1e-12);
        assert_true(fabs(a - 0.5 / (1.0 + k / 500.0)) < 1e-12); /* the rate is untouched */
    }
    o.radius_schedule = SOM_RADIUS_LINEAR;
    o.schedule = SOM_SCHEDULE_EXP;
    o.rate1 = 0.05;
    som__schedule(&o, 999, N, &s, &a);
    assert_true(fabs(s - 2.0) < 1e-12 && fabs(a - 0.05) < 1e-12);
    o.radius_schedule = SOM_RADIUS_INVERSE; /* R1 >= R0: constant */
    o.radius1 = 6.0;
    som__schedule(&o, 500, N, &s, &a);
    assert_true(s == 6.0);
}

/* Order cyclic takes rows 0, 1, 2, 0, ... whatever the seed: one unit,
 * rate 0.5 constant, so w = the running halfway mix, known by hand. */
static void cyclic_order_takes_rows_in_turn(void **state)
{
    (void)state;
    const float x[3] = {4.0f, 8.0f, 16.0f};
    som_data *d = make_data(3, 1, x);
    som_grid g = {1, 1, SOM_RECT, 0};
    for (uint64_t seed = 1; seed <= 3; seed++) {
        som_map *m;
        assert_int_equal(som_map_new(&g, 1, &m, NULL), SOM_OK);
        const float w0 = 0.0f;
        som_map_set_codebook(m, &w0);
        som_train_opts o;
        som_train_opts_init(&o);
        o.algorithm = SOM_ONLINE;
        o.order = SOM_ORDER_CYCLIC;
        o.iterations = 4;
        o.init = SOM_INIT_KEEP;
        o.schedule = SOM_SCHEDULE_LINEAR;
        o.rate0 = o.rate1 = 0.5;
        o.radius0 = o.radius1 = 1.0;
        o.seed = seed;
        assert_int_equal(som_map_train(m, d, &o, NULL), SOM_OK);
        /* 0 -> 2 -> 5 -> 10.5 -> 7.25 */
        assert_true(fabs((double)som_map_codebook(m)[0] - 7.25) < 1e-6);
        som_map_free(m);
    }
    som_data_free(d);
}

/* Two steps on one sample: the second step uses the schedule's k = 1. */
static void two_steps_use_the_schedule(void **state)
{
    (void)state;
    som_grid g = {1, 2, SOM_RECT, 0};
    som_map *m;
    assert_int_equal(som_map_new(&g, 1, &m, NULL), SOM_OK);
    const float cb[2] = {0.0f, 1.0f};
    som_map_set_codebook(m, cb);
    const float x[1] = {-1.0f};
    som_data *d = make_data(1, 1, x);
    som_train_opts o;
    som_train_opts_init(&o);
    o.algorithm = SOM_ONLINE;
    o.iterations = 2;
    o.init = SOM_INIT_KEEP;
    o.schedule = SOM_SCHEDULE_LINEAR;
    o.radius0 = 2.0;
    o.radius1 = 1.0;
    o.rate0 = 0.5;
    o.rate1 = 0.25;
    assert_int_equal(som_map_train(m, d, &o, NULL), SOM_OK);
    double w0 = 0.0, w1 = 1.0;
    /* step 0: sigma 2, alpha 0.5 */
    double h = exp(-1.0 / 8.0);
    w0 += 0.5 * (-1.0 - w0);
    w1 += 0.5 * h * (-1.0 - w1);
    /* step 1: sigma 1, alpha 0.25 */
    h = exp(-1.0 / 2.0);
    w0 += 0.25 * (-1.0 - w0);
    w1 += 0.25 * h * (-1.0 - w1);
    assert_true(fabs((double)som_map_codebook(m)[0] - w0) < 1e-6);
    assert_true(fabs((double)som_map_codebook(m)[1] - w1) < 1e-6);
    som_data_free(d);
    som_map_free(m);
}

/* ---- known answers ------------------------------------------------------ */

static void line_map_orders_itself(void **state)
{
    (void)state;
    const size_t n = 200;
    float *v = malloc(n * sizeof *v);
    for (size_t i = 0; i < n; i++) v[i] = (float)i / (float)(n - 1);
    som_data *d = make_data(n, 1, v);
    som_grid g = {1, 10, SOM_RECT, 0};
    for (int alg = 0; alg < 2; alg++) {
        som_map *m;
        assert_int_equal(som_map_new(&g, 1, &m, NULL), SOM_OK);
        som_train_opts o;
        som_train_opts_init(&o);
        o.algorithm = alg ? SOM_BATCH : SOM_ONLINE;
        o.init = SOM_INIT_RANDOM;
        o.epochs = 30;
        o.seed = 7;
        assert_int_equal(som_map_train(m, d, &o, NULL), SOM_OK);
        const float *w = som_map_codebook(m);
        int up = w[1] > w[0];
        for (size_t u = 1; u < 10; u++) assert_true(up ? w[u] > w[u - 1] : w[u] < w[u - 1]);
        som_map_free(m);
    }
    som_data_free(d);
    free(v);
}

static void two_units_split_two_clusters(void **state)
{
    (void)state;
    const size_t n = 100;
    float *v = malloc(2 * n * sizeof *v);
    som_rng rng;
    som__rng_seed(&rng, 3);
    for (size_t i = 0; i < n; i++) {
        float c = i % 2 ? 10.0f : 0.0f;
        v[2 * i] = c + (float)(som__rng_uniform(&rng) - 0.5);
        v[2 * i + 1] = c + (float)(som__rng_uniform(&rng) - 0.5);
    }
    som_data *d = make_data(n, 2, v);
    som_grid g = {1, 2, SOM_RECT, 0};
    som_map *m;
    assert_int_equal(som_map_new(&g, 2, &m, NULL), SOM_OK);
    som_train_opts o;
    som_train_opts_init(&o);
    o.init = SOM_INIT_SAMPLE;
    o.radius0 = 1.0;
    o.radius1 = 0.01;
    o.epochs = 10;
    assert_int_equal(som_map_train(m, d, &o, NULL), SOM_OK);
    const float *w = som_map_codebook(m);
    int lo = w[0] < w[2] ? 0 : 1;
    assert_true(fabs((double)w[2 * lo]) < 0.3 && fabs((double)w[2 * lo + 1]) < 0.3);
    assert_true(fabs((double)w[2 * (1 - lo)] - 10.0) < 0.3);
    som_quality q;
    assert_int_equal(som_map_quality(m, d, &q, NULL, 0, NULL), SOM_OK);
    assert_int_equal(q.units_hit, 2);
    assert_int_equal(q.max_hits, 50);
    som_map_free(m);
    som_data_free(d);
    free(v);
}

/* ---- recognition -------------------------------------------------------- */

static som_map *random_map(size_t rows, size_t cols, size_t dim, uint64_t seed)
{
    som_grid g = {rows, cols, SOM_HEX, 0};
    som_map *m;
    assert_int_equal(som_map_new(&g, dim, &m, NULL), SOM_OK);
    som_rng rng;
    som__rng_seed(&rng, seed);
    float *cb = malloc(rows * cols * dim * sizeof *cb);
    for (size_t k = 0; k < rows * cols * dim; k++) cb[k] = (float)som__rng_uniform(&rng);
    som_map_set_codebook(m, cb);
    free(cb);
    return m;
}

static void masked_bmu_ignores_masked_fields(void **state)
{
    (void)state;
    som_map *m = random_map(4, 5, 3, 11);
    float x[3] = {0.3f, 0.7f, 0.1f};
    uint8_t mask[3] = {1, 0, 1};
    size_t u1, u2;
    double d1, d2;
    assert_int_equal(som_map_bmu_vector(m, x, mask, &u1, &d1, NULL), SOM_OK);
    x[1] = 1e6f; /* a wild value in the masked field changes nothing */
    assert_int_equal(som_map_bmu_vector(m, x, mask, &u2, &d2, NULL), SOM_OK);
    assert_int_equal(u1, u2);
    assert_true(d1 == d2);
    /* NaN marks a field missing too */
    x[1] = NAN;
    assert_int_equal(som_map_bmu_vector(m, x, NULL, &u2, &d2, NULL), SOM_OK);
    assert_int_equal(u1, u2);
    uint8_t none[3] = {0, 0, 0};
    assert_int_equal(som_map_bmu_vector(m, x, none, &u2, &d2, NULL), SOM_EINVAL);
    som_map_free(m);
}

static void field_cutoff_equals_prefix_mask(void **state)
{
    (void)state;
    som_map *m = random_map(6, 6, 5, 12);
    som_rng rng;
    som__rng_seed(&rng, 5);
    for (int t = 0; t < 200; t++) {
        float x[5];
        for (int j = 0; j < 5; j++) x[j] = (float)som__rng_uniform(&rng);
        for (size_t k = 1; k <= 5; k++) {
            uint8_t mask[5] = {0};
            memset(mask, 1, k);
            size_t u1, u2;
            double d1, d2;
            assert_int_equal(som_map_bmu_vector_first(m, x, k, &u1, &d1, NULL), SOM_OK);
            assert_int_equal(som_map_bmu_vector(m, x, mask, &u2, &d2, NULL), SOM_OK);
            assert_int_equal(u1, u2);
            assert_true(d1 == d2);
        }
    }
    som_map_free(m);
}

static void gemm_bmu_equals_brute_force(void **state)
{
    (void)state;
    const size_t n = 3000, dim = 13, rows = 9, cols = 11;
    som_map *m = random_map(rows, cols, dim, 21);
    som_rng rng;
    som__rng_seed(&rng, 9);
    float *v = malloc(n * dim * sizeof *v);
    for (size_t k = 0; k < n * dim; k++) v[k] = (float)som__rng_uniform(&rng);
    /* every 7th row loses a few fields: exercises the masked GEMM */
    for (size_t i = 0; i < n; i += 7) v[i * dim + (i % dim)] = NAN;
    som_data *d = make_data(n, dim, v);
    size_t *units = malloc(n * sizeof *units), *second = malloc(n * sizeof *second);
    float *dist = malloc(n * sizeof *dist);
    for (int threads = 1; threads <= 2; threads++) {
        assert_int_equal(som_map_bmus(m, d, units, dist, second, threads, NULL), SOM_OK);
        size_t ties = 0;
        for (size_t i = 0; i < n; i++) {
            double d2;
            const uint8_t *mk = som_data_row_mask(d, i);
            size_t b = som__bmu_scalar(som_map_codebook(m), rows * cols, dim, som_data_row(d, i), mk, &d2);
            if (b != units[i]) {
                /* allowed only for a genuine tie */
                double other;
                const float *w = som_map_codebook(m) + units[i] * dim;
                other = 0;
                for (size_t j = 0; j < dim; j++) {
                    double dj = (double)som_data_row(d, i)[j] - (double)w[j];
                    if (!mk || mk[j]) other += dj * dj;
                }
                assert_true(fabs(other - d2) <= 1e-6 * d2);
                ties++;
            }
            assert_true(fabs((double)dist[i] - sqrt(d2)) < 1e-5);
            assert_true(second[i] != units[i]);
        }
        assert_true(ties < 3);
    }
    free(units);
    free(second);
    free(dist);
    free(v);
    som_data_free(d);
    som_map_free(m);
}

static void predict_fills_missing_fields_in_original_units(void **state)
{
    (void)state;
    som_grid g = {1, 2, SOM_RECT, 0};
    som_map *m;
    assert_int_equal(som_map_new(&g, 2, &m, NULL), SOM_OK);
    const float train[] = {0, 100, 1, 110, 10, 500, 11, 510};
    som_data *d = make_data(4, 2, train);
    assert_int_equal(som_map_fit_scaling(m, d, SOM_SCALE_ZSCORE, NULL), SOM_OK);
    const float cb_orig[] = {0.5f, 105.0f, 10.5f, 505.0f};
    float cb[4];
    som_map_scale_row(m, cb_orig, cb);
    som_map_scale_row(m, cb_orig + 2, cb + 2);
    som_map_set_codebook(m, cb);
    const float q[] = {9.0f, NAN, 1.0f, NAN};
    som_data *p = make_data(2, 2, q);
    size_t units[2];
    assert_int_equal(som_map_predict(m, p, NULL, units, 1, NULL), SOM_OK);
    assert_int_equal(units[0], 1);
    assert_int_equal(units[1], 0);
    assert_null(som_data_mask(p));
    assert_true(fabs((double)som_data_row(p, 0)[1] - 505.0) < 1e-3);
    assert_true(fabs((double)som_data_row(p, 1)[1] - 105.0) < 1e-3);
    assert_true(som_data_row(p, 0)[0] == 9.0f); /* known fields untouched */
    /* a field flagged unknown is predicted even though it is present */
    const uint8_t unknown[2] = {1, 0};
    assert_int_equal(som_map_predict(m, p, unknown, units, 1, NULL), SOM_OK);
    assert_true(fabs((double)som_data_row(p, 0)[0] - 10.5) < 1e-4);
    som_data_free(p);
    som_data_free(d);
    som_map_free(m);
}

static int stop_after_two(const som_progress *p, void *ctx)
{
    (void)ctx;
    return p->end_of_pass && p->pass == 2;
}

static void callback_stops_and_trainer_continues(void **state)
{
    (void)state;
    const size_t n = 50;
    float v[100];
    for (size_t i = 0; i < 2 * n; i++) v[i] = (float)((i * 37) % 11);
    som_data *d = make_data(n, 2, v);
    som_grid g = {3, 3, SOM_RECT, 0};
    som_map *a, *b;
    assert_int_equal(som_map_new(&g, 2, &a, NULL), SOM_OK);
    assert_int_equal(som_map_new(&g, 2, &b, NULL), SOM_OK);
    som_train_opts o;
    som_train_opts_init(&o);
    o.algorithm = SOM_ONLINE;
    o.epochs = 5;
    assert_int_equal(som_map_train(a, d, &o, NULL), SOM_OK);
    o.progress = stop_after_two;
    som_trainer *t;
    som_error err;
    assert_int_equal(som_trainer_new(b, d, &o, &t, NULL), SOM_OK);
    assert_int_equal(som_trainer_run(t, 0, &err), SOM_ESTOPPED);
    assert_int_equal(som_trainer_step(t), 2 * n);
    assert_false(som_trainer_done(t));
    assert_int_equal(som_trainer_run(t, 0, NULL), SOM_OK);
    assert_true(som_trainer_done(t));
    som_trainer_free(t);
    /* stopping and continuing gives the same map as one run */
    assert_memory_equal(som_map_codebook(a), som_map_codebook(b), 9 * 2 * sizeof(float));
    assert_int_equal(som_map_history_len(b), 6);
    som_map_free(a);
    som_map_free(b);
    som_data_free(d);
}

static void bad_options_are_rejected(void **state)
{
    (void)state;
    float v[4] = {1, 2, 3, 4};
    som_data *d = make_data(2, 2, v);
    som_grid g = {2, 2, SOM_RECT, 0};
    som_map *m;
    assert_int_equal(som_map_new(&g, 2, &m, NULL), SOM_OK);
    som_train_opts o;
    som_error err;
    som_train_opts_init(&o);
    o.epochs = 0;
    assert_int_equal(som_map_train(m, d, &o, &err), SOM_EINVAL);
    assert_non_null(strstr(err.message, "zero epochs"));
    som_train_opts_init(&o);
    o.iterations = 10;
    assert_int_equal(som_map_train(m, d, &o, &err), SOM_EINVAL);
    som_train_opts_init(&o);
    o.algorithm = SOM_ONLINE;
    o.rate0 = 0.0;
    assert_int_equal(som_map_train(m, d, &o, &err), SOM_EINVAL);
    som_map *m3;
    assert_int_equal(som_map_new(&g, 3, &m3, NULL), SOM_OK);
    som_train_opts_init(&o);
    assert_int_equal(som_map_train(m3, d, &o, &err), SOM_EDIM);
    som_map_free(m3);
    som_map_free(m);
    som_data_free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(one_step_every_neighbourhood),
        cmocka_unit_test(schedules_follow_their_formulas),
        cmocka_unit_test(two_steps_use_the_schedule),
        cmocka_unit_test(radius_schedules_follow_their_formulas),
        cmocka_unit_test(cyclic_order_takes_rows_in_turn),
        cmocka_unit_test(line_map_orders_itself),
        cmocka_unit_test(two_units_split_two_clusters),
        cmocka_unit_test(masked_bmu_ignores_masked_fields),
        cmocka_unit_test(field_cutoff_equals_prefix_mask),
        cmocka_unit_test(gemm_bmu_equals_brute_force),
        cmocka_unit_test(predict_fills_missing_fields_in_original_units),
        cmocka_unit_test(callback_stops_and_trainer_continues),
        cmocka_unit_test(bad_options_are_rejected),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
