/* SPDX-License-Identifier: MIT */
/* Filling from several units and what supervised maps report:
 *  - som_map_best_units ranks every unit as a brute-force sort of the exact
 *    distances does (with masks and feature weights), its first being
 *    som_map_bmu_vector's unit;
 *  - som_fill_opts_parse takes the documented texts and refuses the rest;
 *  - on a generated held-out case the default fill beats the best unit
 *    alone, and SOM_FILL_BMU is som_map_predict bit for bit;
 *  - the neighbourhood-smoothed fill equals a brute-force gaussian sum;
 *  - a hand-built map gives an exact confusion matrix, precision, recall
 *    and class shares that sum to 1, and RMSE / MAE / R^2 equal to a
 *    direct computation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "analysis/analysis.h"

/* A small deterministic generator (the test's own; values in [0, 1)). */
static double uniform(uint64_t *s)
{
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)(*s >> 11) / 9007199254740992.0;
}

static double normal(uint64_t *s)
{
    double u = uniform(s), v = uniform(s);
    return sqrt(-2.0 * log(u + 1e-300)) * cos(6.283185307179586 * v);
}

/* ---- som_map_best_units ------------------------------------------------- */

typedef struct ranked {
    double d2;
    size_t unit;
} ranked;

static int cmp_ranked(const void *a, const void *b)
{
    const ranked *x = a, *y = b;
    if (x->d2 != y->d2) return x->d2 < y->d2 ? -1 : 1;
    return x->unit < y->unit ? -1 : x->unit > y->unit;
}

/* The map's distance squared, from its definition in som.h: both sides
 * multiplied by sqrt(w_j), then the distance over the present fields. */
static double brute_dist2(som_distance kind, const float *w, const float *x, const uint8_t *mk,
                          const double *fw, size_t dim)
{
    double s = 0.0, dot = 0.0, xx = 0.0, ww = 0.0;
    for (size_t j = 0; j < dim; j++) {
        if (mk && !mk[j]) continue;
        double f = fw ? sqrt(fw[j]) : 1.0, a = f * (double)x[j], b = f * (double)w[j];
        double t = fabs(a - b);
        if (kind == SOM_DISTANCE_EUCLIDEAN) s += t * t;
        else if (kind == SOM_DISTANCE_MANHATTAN) s += t;
        else if (kind == SOM_DISTANCE_CHEBYSHEV) s = t > s ? t : s;
        dot += a * b;
        xx += a * a;
        ww += b * b;
    }
    if (kind == SOM_DISTANCE_EUCLIDEAN) return s;
    if (kind == SOM_DISTANCE_COSINE) s = xx > 0 && ww > 0 ? 1.0 - dot / sqrt(xx * ww) : 1.0;
    return s * s;
}

static void best_units_brute(const som_map *m, const float *x, const uint8_t *mk,
                             const double *fw)
{
    size_t nu = som_map_n_units(m), dim = som_map_dim(m);
    ranked *r = calloc(nu, sizeof *r);
    float *w = calloc(dim, sizeof *w);
    for (size_t u = 0; u < nu; u++) {
        som_map_unit_weights(m, u, w); /* no scaling: the codebook itself */
        r[u].d2 = brute_dist2(som_map_distance(m), w, x, mk, fw, dim);
        r[u].unit = u;
    }
    qsort(r, nu, sizeof *r, cmp_ranked);
    size_t units[40];
    double dist[40];
    assert_true(nu <= 40);
    assert_int_equal(som_map_best_units(m, x, mk, nu + 5, units, dist, NULL), (int)nu);
    for (size_t i = 0; i < nu; i++) {
        assert_int_equal(units[i], r[i].unit);
        assert_true(fabs(dist[i] * dist[i] - r[i].d2) <= 1e-5 * (1.0 + r[i].d2));
    }
    size_t bmu;
    double bd;
    assert_int_equal(som_map_bmu_vector(m, x, mk, &bmu, &bd, NULL), SOM_OK);
    assert_int_equal(bmu, units[0]);
    assert_true(fabs(bd - dist[0]) <= 1e-6 * (1.0 + bd));
    /* k = 3: the first three of the same ranking. */
    size_t u3[3];
    assert_int_equal(som_map_best_units(m, x, mk, 3, u3, NULL, NULL), 3);
    assert_memory_equal(u3, units, sizeof u3);
    free(r);
    free(w);
}

static void best_units_equal_brute_force(void **state)
{
    (void)state;
    som_grid g = {6, 5, SOM_HEX, 0};
    const size_t dim = 7, nu = 30;
    som_map *m;
    assert_int_equal(som_map_new(&g, dim, &m, NULL), SOM_OK);
    uint64_t s = 42;
    float *cb = calloc(nu * dim, sizeof *cb);
    for (size_t i = 0; i < nu * dim; i++) cb[i] = (float)normal(&s);
    som_map_set_codebook(m, cb);
    float x[7];
    uint8_t mk[7];
    /* Weights: all-1 (none), then mixed; 0 and powers of 4 are exact.
     * Every distance. */
    const double fw[7] = {1, 4, 0.25, 0, 1, 16, 1};
    for (int run = 0; run < 8; run++) {
        int weighted = run & 1;
        assert_int_equal(som_map_set_distance(m, (som_distance)(run / 2), NULL), SOM_OK);
        assert_int_equal(som_map_set_feature_weights(m, weighted ? fw : NULL, NULL), SOM_OK);
        for (int t = 0; t < 50; t++) {
            for (size_t j = 0; j < dim; j++) {
                x[j] = (float)normal(&s);
                mk[j] = uniform(&s) < 0.7;
            }
            mk[(size_t)t % dim] = 1;
            best_units_brute(m, x, NULL, weighted ? fw : NULL);
            best_units_brute(m, x, mk, weighted ? fw : NULL);
            /* NaN counts as missing, as in som_map_bmu_vector. */
            float xn[7];
            memcpy(xn, x, sizeof xn);
            for (size_t j = 0; j < dim; j++)
                if (!mk[j]) xn[j] = NAN;
            size_t a[30], b[30];
            assert_int_equal(som_map_best_units(m, xn, NULL, nu, a, NULL, NULL), (int)nu);
            assert_int_equal(som_map_best_units(m, x, mk, nu, b, NULL, NULL), (int)nu);
            assert_memory_equal(a, b, sizeof a);
        }
    }
    /* Errors: k = 0, nothing present. */
    size_t u;
    som_error e;
    assert_int_equal(som_map_best_units(m, x, NULL, 0, &u, NULL, &e), SOM_EINVAL);
    memset(mk, 0, sizeof mk);
    assert_int_equal(som_map_best_units(m, x, mk, 1, &u, NULL, &e), SOM_EINVAL);
    assert_string_equal(e.message, "the vector has no present field to search with");
    free(cb);
    som_map_free(m);
}

/* ---- som_fill_opts_parse ------------------------------------------------- */

static void fill_opts_parse_texts(void **state)
{
    (void)state;
    som_fill_opts o;
    som_fill_opts_init(&o);
    assert_int_equal(o.method, SOM_FILL_UNITS);
    assert_int_equal(o.k, SOM_FILL_DEFAULT_K);
    assert_int_equal(som_fill_opts_parse(&o, "bmu", NULL), SOM_OK);
    assert_int_equal(o.method, SOM_FILL_BMU);
    assert_int_equal(som_fill_opts_parse(&o, "units", NULL), SOM_OK);
    assert_int_equal(o.method, SOM_FILL_UNITS);
    assert_int_equal(o.k, 16);
    assert_int_equal(som_fill_opts_parse(&o, "units:3", NULL), SOM_OK);
    assert_int_equal(o.k, 3);
    assert_int_equal(som_fill_opts_parse(&o, "smooth", NULL), SOM_OK);
    assert_int_equal(o.method, SOM_FILL_SMOOTH);
    assert_true(o.radius < 0.0);
    assert_int_equal(som_fill_opts_parse(&o, "smooth:1.5", NULL), SOM_OK);
    assert_true(o.radius == 1.5);
    const char *bad[] = {"", "knn", "bmu:3", "units:", "units:0", "units:-2", "units:x",
                         "units:3x", "units:100001", "smooth:", "smooth:0", "smooth:-1",
                         "smooth:nan", "smooth:inf", "Units"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        som_fill_opts before = o;
        som_error e;
        assert_int_equal(som_fill_opts_parse(&o, bad[i], &e), SOM_EINVAL);
        assert_memory_equal(&before, &o, sizeof o); /* unchanged */
        assert_non_null(strstr(e.message, bad[i]));
    }
    som_error e;
    som_fill_opts_parse(&o, "knn", &e);
    assert_string_equal(e.message, "unknown fill method 'knn' (expected bmu, units, units:K or "
                                   "smooth, smooth:RADIUS)");
}

/* ---- the default fill beats the best unit --------------------------------- */

#define GEN_DIM 8

/* A row on a curved 2-D sheet in 8 fields, with noise. */
static void gen_row(uint64_t *s, float *x)
{
    double a = uniform(s), b = uniform(s);
    double v[GEN_DIM] = {a, b, sin(3.0 * a), cos(3.0 * b), a * b, (a - b) * (a - b),
                         a + 0.5 * b, exp(b) - a};
    for (size_t j = 0; j < GEN_DIM; j++) x[j] = (float)(v[j] + 0.2 * normal(s));
}

static som_data *gen_data(size_t n, uint64_t *s)
{
    som_data *d;
    assert_int_equal(som_data_new(n, GEN_DIM, &d, NULL), SOM_OK);
    float x[GEN_DIM];
    for (size_t i = 0; i < n; i++) {
        gen_row(s, x);
        assert_int_equal(som_data_set_row(d, i, x, NULL, NULL), SOM_OK);
    }
    return d;
}

/* RMSE of the blanked cells, in training standard deviations. */
static double fill_rmse(const som_map *m, const som_data *test, const uint8_t *mask,
                        const double *sd, const som_fill_opts *opts)
{
    size_t n = som_data_n_samples(test);
    som_data *d;
    assert_int_equal(som_data_new(n, GEN_DIM, &d, NULL), SOM_OK);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(som_data_set_row(d, i, som_data_row(test, i), mask + i * GEN_DIM, NULL),
                         SOM_OK);
    assert_int_equal(som_map_fill(m, d, NULL, opts, NULL, 1, NULL), SOM_OK);
    double se = 0.0;
    size_t cells = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < GEN_DIM; j++) {
            if (mask[i * GEN_DIM + j]) continue;
            double e = ((double)som_data_row(d, i)[j] - (double)som_data_row(test, i)[j]) / sd[j];
            se += e * e;
            cells++;
        }
    som_data_free(d);
    return sqrt(se / (double)cells);
}

/* One held-out split: a map trained on 700 generated rows, 20 % of the
 * cells of 300 other rows blanked (every row keeping one); the RMSE of the
 * best unit's fill and of the default's. The map and the blanked rows are
 * handed back for the checks below. */
static void one_split(uint64_t seed, double *e_bmu, double *e_def, som_map **map,
                      som_data **test_out, uint8_t **mask_out)
{
    uint64_t s = seed;
    som_data *train = gen_data(700, &s), *test = gen_data(300, &s);
    som_grid g;
    assert_int_equal(som_grid_auto(train, SOM_SCALE_ZSCORE, SOM_HEX, 0, &g, NULL, NULL), SOM_OK);
    som_map *m;
    assert_int_equal(som_map_new(&g, GEN_DIM, &m, NULL), SOM_OK);
    assert_int_equal(som_map_fit_scaling(m, train, SOM_SCALE_ZSCORE, NULL), SOM_OK);
    som_train_opts o;
    som_train_opts_init(&o);
    o.seed = seed;
    assert_int_equal(som_map_train(m, train, &o, NULL), SOM_OK);
    double sd[GEN_DIM];
    for (size_t j = 0; j < GEN_DIM; j++) {
        double a = 0.0, q = 0.0, n = (double)som_data_n_samples(train);
        for (size_t i = 0; i < som_data_n_samples(train); i++) a += (double)som_data_row(train, i)[j];
        for (size_t i = 0; i < som_data_n_samples(train); i++) {
            double t = (double)som_data_row(train, i)[j] - a / n;
            q += t * t;
        }
        sd[j] = sqrt(q / n);
    }
    size_t n = som_data_n_samples(test);
    uint8_t *mask = calloc(n * GEN_DIM, 1);
    for (size_t i = 0; i < n; i++) {
        size_t kept = 0;
        for (size_t j = 0; j < GEN_DIM; j++) kept += mask[i * GEN_DIM + j] = uniform(&s) >= 0.2;
        if (!kept) mask[i * GEN_DIM] = 1;
    }
    som_fill_opts bmu;
    som_fill_opts_init(&bmu);
    bmu.method = SOM_FILL_BMU;
    *e_bmu = fill_rmse(m, test, mask, sd, &bmu);
    *e_def = fill_rmse(m, test, mask, sd, NULL);
    print_message("split %d: held-out fill RMSE (training sd): best unit %.4f, default %.4f\n",
                  (int)seed, *e_bmu, *e_def);
    som_data_free(train);
    *map = m;
    *test_out = test;
    *mask_out = mask;
}

static void fill_default_beats_best_unit(void **state)
{
    (void)state;
    /* Three splits, so that one map's luck does not decide: the default
     * won each by 2 to 5 % here (bench/README.md has the public tables). */
    double sum_bmu = 0.0, sum_def = 0.0;
    som_map *m = NULL;
    som_data *test = NULL;
    uint8_t *mask = NULL;
    for (uint64_t seed = 1; seed <= 3; seed++) {
        som_map_free(m);
        som_data_free(test);
        free(mask);
        double eb, ed;
        one_split(seed, &eb, &ed, &m, &test, &mask);
        sum_bmu += eb;
        sum_def += ed;
    }
    assert_true(sum_def < sum_bmu);
    size_t n = som_data_n_samples(test);
    som_fill_opts bmu;
    som_fill_opts_init(&bmu);
    bmu.method = SOM_FILL_BMU;

    /* SOM_FILL_BMU is som_map_predict itself. */
    som_data *a, *b;
    assert_int_equal(som_data_new(n, GEN_DIM, &a, NULL), SOM_OK);
    assert_int_equal(som_data_new(n, GEN_DIM, &b, NULL), SOM_OK);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(som_data_set_row(a, i, som_data_row(test, i), mask + i * GEN_DIM, NULL),
                         SOM_OK);
        assert_int_equal(som_data_set_row(b, i, som_data_row(test, i), mask + i * GEN_DIM, NULL),
                         SOM_OK);
    }
    size_t *ua = calloc(n, sizeof *ua), *ub = calloc(n, sizeof *ub);
    assert_int_equal(som_map_predict(m, a, NULL, ua, 0, NULL), SOM_OK);
    assert_int_equal(som_map_fill(m, b, NULL, &bmu, ub, 0, NULL), SOM_OK);
    assert_memory_equal(som_data_values(a), som_data_values(b), n * GEN_DIM * sizeof(float));
    assert_memory_equal(ua, ub, n * sizeof *ua);
    assert_null(som_data_mask(b));
    /* The default's units are the best units too (exact search), and the
     * result does not depend on the thread count. */
    som_data *c, *c2;
    assert_int_equal(som_data_new(n, GEN_DIM, &c, NULL), SOM_OK);
    assert_int_equal(som_data_new(n, GEN_DIM, &c2, NULL), SOM_OK);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(som_data_set_row(c, i, som_data_row(test, i), mask + i * GEN_DIM, NULL),
                         SOM_OK);
        assert_int_equal(som_data_set_row(c2, i, som_data_row(test, i), mask + i * GEN_DIM, NULL),
                         SOM_OK);
    }
    assert_int_equal(som_map_fill(m, c, NULL, NULL, ub, 1, NULL), SOM_OK);
    assert_int_equal(som_map_fill(m, c2, NULL, NULL, NULL, 3, NULL), SOM_OK);
    assert_memory_equal(som_data_values(c), som_data_values(c2), n * GEN_DIM * sizeof(float));
    for (size_t i = 0; i < n; i++) {
        size_t u;
        assert_int_equal(som_map_bmu_vector(m, som_data_row(test, i), mask + i * GEN_DIM, &u,
                                            NULL, NULL), SOM_OK);
        assert_int_equal(ub[i], u);
        /* Present cells are kept. */
        for (size_t j = 0; j < GEN_DIM; j++)
            if (mask[i * GEN_DIM + j]) assert_true(som_data_row(c, i)[j] == som_data_row(test, i)[j]);
    }
    som_data_free(a);
    som_data_free(b);
    som_data_free(c);
    som_data_free(c2);
    free(ua);
    free(ub);
    free(mask);
    som_map_free(m);
    som_data_free(test);
}

/* ---- the neighbourhood-smoothed fill ------------------------------------------ */

/* SOM_FILL_SMOOTH fills a row's missing field with the gaussian mean of
 * every unit's value around the best unit: the same as a brute-force sum
 * over all units (the fill visits only a window of the grid), on sheets
 * and toroids, hexagonal and rectangular. */
static void smooth_fill_equals_brute_force(void **state)
{
    (void)state;
    const som_topology topo[2] = {SOM_RECT, SOM_HEX};
    uint64_t s = 11;
    for (int t = 0; t < 2; t++)
        for (int toroid = 0; toroid < 2; toroid++) {
            som_grid g = {24, 30, topo[t], toroid};
            size_t nu = som_grid_n_units(&g), dim = 3;
            som_map *m;
            assert_int_equal(som_map_new(&g, dim, &m, NULL), SOM_OK);
            float *cb = calloc(nu * dim, sizeof *cb);
            for (size_t i = 0; i < nu * dim; i++) cb[i] = (float)normal(&s);
            som_map_set_codebook(m, cb);
            som_fill_opts o;
            assert_int_equal(som_fill_opts_parse(&o, "smooth:1.5", NULL), SOM_OK);
            for (int r = 0; r < 20; r++) {
                float x[3] = {0, (float)normal(&s), (float)normal(&s)};
                uint8_t mk[3] = {0, 1, 1};
                som_data *d;
                assert_int_equal(som_data_new(1, dim, &d, NULL), SOM_OK);
                assert_int_equal(som_data_set_row(d, 0, x, mk, NULL), SOM_OK);
                size_t unit, b;
                assert_int_equal(som_map_fill(m, d, NULL, &o, &unit, 1, NULL), SOM_OK);
                assert_int_equal(som_map_bmu_vector(m, x, mk, &b, NULL, NULL), SOM_OK);
                assert_int_equal(unit, b);
                double num = 0.0, den = 0.0;
                for (size_t u = 0; u < nu; u++) {
                    double dg = som_grid_distance(&g, b, u);
                    double h = exp(-dg * dg / (2.0 * 1.5 * 1.5));
                    num += h * (double)cb[u * dim];
                    den += h;
                }
                assert_true(fabs((double)som_data_row(d, 0)[0] - num / den) < 1e-5);
                som_data_free(d);
            }
            free(cb);
            som_map_free(m);
        }
}

/* ---- a hand-built supervised map -------------------------------------------- */

/* 1 x 4 units at the corners of a square in fields x, y, with class fields
 * c=a, c=b, c=c weighted 0 for the search. */
static som_map *hand_class_map(void)
{
    som_grid g = {1, 4, SOM_RECT, 0};
    som_map *m;
    assert_int_equal(som_map_new(&g, 5, &m, NULL), SOM_OK);
    const char *t[5] = {"x", "y", "c=a", "c=b", "c=c"};
    for (size_t j = 0; j < 5; j++) assert_int_equal(som_map_set_title(m, j, t[j], NULL), SOM_OK);
    const float cb[20] = {0, 0, 1, 0, 0,           /* u0: a */
                          10, 0, 0.2f, 0.7f, 0.1f, /* u1: b */
                          0, 10, 0, 0, 1,          /* u2: c */
                          10, 10, 0.5f, 0.5f, -0.1f}; /* u3: a and b tie, c below 0 */
    som_map_set_codebook(m, cb);
    const double w[5] = {1, 1, 0, 0, 0};
    assert_int_equal(som_map_set_feature_weights(m, w, NULL), SOM_OK);
    return m;
}

static som_data *rows_xy(size_t n, const float (*xy)[2], const char *const *labels)
{
    som_data *d;
    assert_int_equal(som_data_new(n, 2, &d, NULL), SOM_OK);
    assert_int_equal(som_data_set_title(d, 0, "x", NULL), SOM_OK);
    assert_int_equal(som_data_set_title(d, 1, "y", NULL), SOM_OK);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(som_data_set_row(d, i, xy[i], NULL, NULL), SOM_OK);
        if (labels) assert_int_equal(som_data_set_label(d, i, labels[i], NULL), SOM_OK);
    }
    if (labels) {
        som__free(d->label_title); /* no public setter: a test may reach in */
        d->label_title = som__strdup("c");
    }
    return d;
}

static void confusion_matrix_exact(void **state)
{
    (void)state;
    som_map *m = hand_class_map();
    /* Rows at the units (slightly off), with their true classes. */
    const float xy[11][2] = {{0.1f, 0}, {0, 0.2f}, {0.3f, 0.1f}, /* u0 */
                             {9.9f, 0}, {10, 0.4f},              /* u1 */
                             {0, 9.8f}, {0.1f, 10}, {0, 10.2f},  /* u2 */
                             {10, 10}, {9.7f, 10.1f},            /* u3 */
                             {0, 0}};                            /* no class */
    const char *lab[11] = {"a", "a", "b", "b", "c", "c", "c", "a", "b", "d", ""};
    som_data *d = rows_xy(11, xy, lab);
    som_target_report *r;
    assert_int_equal(som_map_target_report(m, d, "c", NULL, &r, 1, NULL), SOM_OK);
    assert_int_equal(r->eval.is_class, 1);
    assert_int_equal(r->eval.n_rows, 10);
    assert_int_equal(r->eval.n_correct, 5);
    assert_true(r->eval.accuracy == 0.5);
    assert_int_equal(r->n_classes, 4);
    const char *names[4] = {"a", "b", "c", "d"};
    for (size_t c = 0; c < 4; c++) assert_string_equal(r->classes[c], names[c]);
    const size_t want[16] = {2, 0, 1, 0,  /* truth a: a a (u0), c (u2) */
                             2, 1, 0, 0,  /* truth b: a (u0), b (u1), a (u3: tie, first) */
                             0, 1, 2, 0,  /* truth c: b (u1), c c (u2) */
                             1, 0, 0, 0}; /* truth d (no such field): a (u3) */
    assert_memory_equal(r->confusion, want, sizeof want);
    assert_true(r->precision[0] == 2.0 / 5.0);
    assert_true(r->precision[1] == 1.0 / 2.0);
    assert_true(r->precision[2] == 2.0 / 3.0);
    assert_true(isnan(r->precision[3]));
    assert_true(r->recall[0] == 2.0 / 3.0);
    assert_true(r->recall[1] == 1.0 / 3.0);
    assert_true(r->recall[2] == 2.0 / 3.0);
    assert_true(r->recall[3] == 0.0);
    som_target_eval ev;
    assert_int_equal(som_map_eval_target(m, d, "c", &ev, 1, NULL), SOM_OK);
    assert_memory_equal(&ev, &r->eval, sizeof ev);
    som_target_report_free(r);

    /* Class shares: the unit's class fields clipped at 0, summing to 1. */
    float p[11 * 3];
    const char *cls[11];
    size_t units[11];
    assert_int_equal(som_map_predict_target_ex(m, d, "c", NULL, NULL, cls, p, units, 1, NULL),
                     SOM_OK);
    const float u1[3] = {0.2f, 0.7f, 0.1f};
    for (size_t i = 0; i < 11; i++) {
        double sum = p[i * 3] + p[i * 3 + 1] + p[i * 3 + 2];
        assert_true(fabs(sum - 1.0) < 1e-6);
        for (size_t c = 0; c < 3; c++) assert_true(p[i * 3 + c] >= 0.0f);
    }
    assert_int_equal(units[3], 1);
    for (size_t c = 0; c < 3; c++) assert_true(fabs(p[3 * 3 + c] - u1[c]) < 1e-6);
    assert_true(p[8 * 3] == 0.5f && p[8 * 3 + 1] == 0.5f && p[8 * 3 + 2] == 0.0f);
    assert_string_equal(cls[8], "a");
    /* By several units the shares still sum to 1, and the class is the
     * largest share. */
    som_fill_opts o;
    som_fill_opts_init(&o);
    assert_int_equal(som_map_predict_target_ex(m, d, "c", &o, NULL, cls, p, NULL, 1, NULL), SOM_OK);
    for (size_t i = 0; i < 11; i++) {
        double sum = p[i * 3] + p[i * 3 + 1] + p[i * 3 + 2];
        assert_true(fabs(sum - 1.0) < 1e-6);
        size_t best = 0;
        for (size_t c = 1; c < 3; c++)
            if (p[i * 3 + c] > p[i * 3 + best]) best = c;
        assert_string_equal(cls[i], names[best]);
    }
    /* No label column: an error naming the target. */
    som_data *nolab = rows_xy(2, xy, NULL);
    som_error e;
    assert_int_equal(som_map_target_report(m, nolab, "c", NULL, &r, 1, &e), SOM_EINVAL);
    assert_null(r);
    assert_string_equal(e.message, "the data has no label column with the true classes of 'c'");
    som_data_free(nolab);
    som_data_free(d);
    som_map_free(m);
}

static void numeric_scores_direct(void **state)
{
    (void)state;
    som_grid g = {1, 3, SOM_RECT, 0};
    som_map *m;
    assert_int_equal(som_map_new(&g, 2, &m, NULL), SOM_OK);
    assert_int_equal(som_map_set_title(m, 0, "x", NULL), SOM_OK);
    assert_int_equal(som_map_set_title(m, 1, "y", NULL), SOM_OK);
    const float cb[6] = {0, 1, 10, 5, 20, 2};
    som_map_set_codebook(m, cb);
    const double w[2] = {1, 0};
    assert_int_equal(som_map_set_feature_weights(m, w, NULL), SOM_OK);
    const float xy[5][2] = {{0.5f, 2}, {9, 4}, {11, 7}, {19, 2}, {20, NAN}};
    som_data *d = rows_xy(5, xy, NULL);
    som_target_report *r;
    assert_int_equal(som_map_target_report(m, d, "y", NULL, &r, 1, NULL), SOM_OK);
    assert_int_equal(r->eval.is_class, 0);
    assert_int_equal(r->eval.n_rows, 4);
    /* Predictions 1, 5, 5, 2 against 2, 4, 7, 2: errors -1, 1, -2, 0. */
    const double pred[4] = {1, 5, 5, 2}, truth[4] = {2, 4, 7, 2};
    double se = 0, ae = 0, mean = (2 + 4 + 7 + 2) / 4.0, ss = 0;
    for (int i = 0; i < 4; i++) {
        se += (pred[i] - truth[i]) * (pred[i] - truth[i]);
        ae += fabs(pred[i] - truth[i]);
        ss += (truth[i] - mean) * (truth[i] - mean);
    }
    assert_true(fabs(r->eval.rmse - sqrt(se / 4)) < 1e-12);
    assert_true(fabs(r->eval.mae - ae / 4) < 1e-12);
    assert_true(fabs(r->r2 - (1.0 - se / ss)) < 1e-12);
    assert_true(fabs(r->r2 - (1.0 - 6.0 / 16.75)) < 1e-12);
    assert_int_equal(r->n_classes, 0);
    assert_null(r->confusion);
    som_target_report_free(r);
    /* All true values equal: R^2 is not defined. */
    const float same[2][2] = {{0, 3}, {10, 3}};
    som_data *flat = rows_xy(2, same, NULL);
    assert_int_equal(som_map_target_report(m, flat, "y", NULL, &r, 1, NULL), SOM_OK);
    assert_true(isnan(r->r2));
    assert_true(fabs(r->eval.rmse - sqrt((4.0 + 4.0) / 2.0)) < 1e-12);
    som_target_report_free(r);
    som_data_free(flat);
    som_data_free(d);
    som_map_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(best_units_equal_brute_force),
        cmocka_unit_test(fill_opts_parse_texts),
        cmocka_unit_test(fill_default_beats_best_unit),
        cmocka_unit_test(smooth_fill_equals_brute_force),
        cmocka_unit_test(confusion_matrix_exact),
        cmocka_unit_test(numeric_scores_direct),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
