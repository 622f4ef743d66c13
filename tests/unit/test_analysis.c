/* SPDX-License-Identifier: MIT */
/* The automatic map size (5 sqrt(n) units, sides in the ratio of the
 * data's two principal spreads), the Mexican-hat neighbourhood and the
 * distortion measure. */
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
#include "../../bench/blobs.h"

static double gauss(uint64_t *s)
{
    return sqrt(-2.0 * log(blobs_uniform(s))) * cos(6.283185307179586 * blobs_uniform(s));
}

/* 1,000 rows spread 4 times wider along (1, 1) than along (1, -1): both
 * columns have the same variance, so z-scores keep the shape. */
static som_data *elongated(size_t n)
{
    som_data *d;
    assert_int_equal(som_data_new(n, 2, &d, NULL), SOM_OK);
    uint64_t s = 17;
    for (size_t i = 0; i < n; i++) {
        double a = 4.0 * gauss(&s), b = gauss(&s);
        float x[2] = {(float)((a + b) / sqrt(2.0) + 3.0), (float)((a - b) / sqrt(2.0) - 1.0)};
        assert_int_equal(som_data_set_row(d, i, x, NULL, NULL), SOM_OK);
    }
    return d;
}

/* sqrt(lambda1 / lambda2) of the rows' 2x2 covariance, in closed form. */
static double spread_ratio(const som_data *d)
{
    size_t n = som_data_n_samples(d);
    double m0 = 0, m1 = 0, c00 = 0, c01 = 0, c11 = 0;
    for (size_t i = 0; i < n; i++) {
        m0 += (double)som_data_row(d, i)[0];
        m1 += (double)som_data_row(d, i)[1];
    }
    m0 /= (double)n;
    m1 /= (double)n;
    for (size_t i = 0; i < n; i++) {
        double a = (double)som_data_row(d, i)[0] - m0, b = (double)som_data_row(d, i)[1] - m1;
        c00 += a * a;
        c01 += a * b;
        c11 += b * b;
    }
    double tr = c00 + c11, det = c00 * c11 - c01 * c01;
    double disc = sqrt(tr * tr / 4 - det);
    return sqrt((tr / 2 + disc) / (tr / 2 - disc));
}

static void auto_grid_1000_rows(void **state)
{
    (void)state;
    som_data *d = elongated(1000);
    double want = spread_ratio(d); /* about 4 */
    const som_topology topo[2] = {SOM_RECT, SOM_HEX};
    for (int k = 0; k < 2; k++) {
        for (int sc = 0; sc < 2; sc++) {
            som_grid g;
            double ratio;
            som_scaling scaling = sc ? SOM_SCALE_ZSCORE : SOM_SCALE_NONE;
            assert_int_equal(som_grid_auto(d, scaling, topo[k], 0, &g, &ratio, NULL), SOM_OK);
            size_t units = g.rows * g.cols;
            double h = topo[k] == SOM_HEX ? sqrt(0.75) : 1.0;
            double sides = (double)g.cols / ((double)g.rows * h);
            printf("%s %s: %zux%zu = %zu units, side ratio %.2f, data %.2f (reported %.2f)\n",
                   topo[k] == SOM_HEX ? "hex" : "rect", sc ? "zscore" : "none", g.rows, g.cols,
                   units, sides, want, ratio);
            assert_int_equal(g.topology, topo[k]);
            assert_true(units >= 150 && units <= 166); /* 5 sqrt(1000) = 158 */
            assert_true(fabs(ratio - want) < 0.02 * want);
            assert_true(fabs(sides - want) < 0.15 * want); /* whole rows and columns */
        }
    }
    /* A hexagonal toroid gets an even number of rows. */
    som_grid g;
    assert_int_equal(som_grid_auto(d, SOM_SCALE_ZSCORE, SOM_HEX, 1, &g, NULL, NULL), SOM_OK);
    assert_int_equal(g.rows % 2, 0);
    assert_int_equal(g.toroid, 1);
    som_data_free(d);

    /* Round data: a square map; one column: a single row. */
    som_data *r;
    assert_int_equal(som_data_new(400, 1, &r, NULL), SOM_OK);
    uint64_t s = 3;
    for (size_t i = 0; i < 400; i++) {
        float x = (float)gauss(&s);
        assert_int_equal(som_data_set_row(r, i, &x, NULL, NULL), SOM_OK);
    }
    assert_int_equal(som_grid_auto(r, SOM_SCALE_ZSCORE, SOM_RECT, 0, &g, NULL, NULL), SOM_OK);
    assert_int_equal(g.rows, 1);
    assert_int_equal(g.cols, 100);
    som_data_free(r);
}

static void mexican_hat_values(void **state)
{
    (void)state;
    const double s = 2.0;
    assert_true(som__neighborhood(SOM_NEIGHBORHOOD_MEXICAN_HAT, false, 0.0, s) == 1.0);
    assert_true(fabs(som__neighborhood(SOM_NEIGHBORHOOD_MEXICAN_HAT, false, s * s, s)) < 1e-15);
    double lowest = som__neighborhood(SOM_NEIGHBORHOOD_MEXICAN_HAT, false, 3 * s * s, s);
    assert_true(fabs(lowest + 2 * exp(-1.5)) < 1e-12);
    assert_true(som__neighborhood(SOM_NEIGHBORHOOD_MEXICAN_HAT, false, 1.0, 0.0) == 0.0);
}

/* One online step on a 1x5 line: units beyond sigma move away from x. */
static void mexican_hat_online_step(void **state)
{
    (void)state;
    som_grid g = {1, 5, SOM_RECT, 0};
    som_map *m;
    assert_int_equal(som_map_new(&g, 1, &m, NULL), SOM_OK);
    const float cb[5] = {0, 1, 2, 3, 4};
    som_map_set_codebook(m, cb);
    som_data *d;
    assert_int_equal(som_data_new(1, 1, &d, NULL), SOM_OK);
    const float x = -0.2f;
    assert_int_equal(som_data_set_row(d, 0, &x, NULL, NULL), SOM_OK);
    som_train_opts o;
    som_train_opts_init(&o);
    o.algorithm = SOM_ONLINE;
    o.iterations = 1;
    o.init = SOM_INIT_KEEP;
    o.radius0 = 1.5;
    o.radius1 = 1.0;
    o.rate0 = 0.5;
    o.rate1 = 0.1;
    o.neighborhood = SOM_NEIGHBORHOOD_MEXICAN_HAT;
    assert_int_equal(som_map_train(m, d, &o, NULL), SOM_OK);
    const float *w = som_map_codebook(m);
    for (size_t u = 0; u < 5; u++) {
        double d2 = (double)(u * u), s2 = 1.5 * 1.5;
        double h = (1 - d2 / s2) * exp(-d2 / (2 * s2));
        float want = cb[u] + (float)(0.5 * h) * (x - cb[u]);
        assert_true(fabs(w[u] - want) < 1e-6);
    }
    assert_true(w[2] > 2.0f && w[3] > 3.0f); /* pushed away from x = -0.2 */
    som_error e;
    o.algorithm = SOM_BATCH;
    o.iterations = 0;
    o.epochs = 1;
    assert_int_equal(som_map_train(m, d, &o, &e), SOM_EINVAL);
    assert_non_null(strstr(e.message, "Mexican"));
    som_map_free(m);
    som_data_free(d);
}

static void distortion_by_definition(void **state)
{
    (void)state;
    const size_t n = 300, dim = 3;
    float x[300 * 3];
    double centres[9];
    blobs_fill(x, n, dim, 3, centres, 8);
    som_data *d;
    assert_int_equal(som_data_new(n, dim, &d, NULL), SOM_OK);
    for (size_t i = 0; i < n; i++) {
        uint8_t mk[3] = {1, (uint8_t)(i % 5 != 0), 1};
        assert_int_equal(som_data_set_row(d, i, x + i * dim, mk, NULL), SOM_OK);
    }
    som_grid g = {5, 6, SOM_HEX, 0};
    som_map *m;
    assert_int_equal(som_map_new(&g, dim, &m, NULL), SOM_OK);
    assert_int_equal(som_map_fit_scaling(m, d, SOM_SCALE_ZSCORE, NULL), SOM_OK);
    som_train_opts o;
    som_train_opts_init(&o);
    o.epochs = 5;
    assert_int_equal(som_map_train(m, d, &o, NULL), SOM_OK);
    const double w[3] = {1, 2, 0.5};
    assert_int_equal(som_map_set_feature_weights(m, w, NULL), SOM_OK);

    /* Radius 0: the mean squared quantization error. */
    double dist0, qe2 = 0;
    float dist[300];
    size_t units[300];
    assert_int_equal(som_map_distortion(m, d, 0.0, &dist0, 0, NULL), SOM_OK);
    assert_int_equal(som_map_bmus(m, d, units, dist, NULL, 0, NULL), SOM_OK);
    for (size_t i = 0; i < n; i++) qe2 += (double)dist[i] * (double)dist[i];
    assert_true(fabs(dist0 - qe2 / (double)n) < 1e-5 * dist0);

    /* Radius 1.5, gaussian: the double sum written out. */
    double got, want = 0;
    assert_int_equal(som_map_distortion(m, d, 1.5, &got, 2, NULL), SOM_OK);
    const float *cb = som_map_codebook(m);
    float sx[3];
    for (size_t i = 0; i < n; i++) {
        som_map_scale_row(m, som_data_row(d, i), sx);
        const uint8_t *mk = som_data_row_mask(d, i);
        for (size_t u = 0; u < 30; u++) {
            double gd = som_grid_distance(&g, units[i], u);
            double h = exp(-gd * gd / (2 * 1.5 * 1.5)), e = 0;
            for (size_t j = 0; j < dim; j++) {
                if (mk && !mk[j]) continue;
                double t = (double)sx[j] - (double)cb[u * dim + j];
                e += w[j] * t * t;
            }
            want += h * e;
        }
    }
    want /= (double)n;
    printf("distortion %.6g (radius 1.5), %.6g (radius 0)\n", got, dist0);
    assert_true(fabs(got - want) < 1e-4 * want);
    /* The default radius is the training's last one (1). */
    double def, one;
    assert_int_equal(som_map_distortion(m, d, -1.0, &def, 0, NULL), SOM_OK);
    assert_int_equal(som_map_distortion(m, d, 1.0, &one, 0, NULL), SOM_OK);
    assert_true(def == one);
    som_map_free(m);
    som_data_free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(auto_grid_1000_rows),
        cmocka_unit_test(mexican_hat_values),
        cmocka_unit_test(mexican_hat_online_step),
        cmocka_unit_test(distortion_by_definition),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
