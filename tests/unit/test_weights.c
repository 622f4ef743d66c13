/* SPDX-License-Identifier: MIT */
/* Per-feature weights: a field of weight 0 never changes a winner, however
 * it is corrupted (in recognition and in training, batch and online); the
 * GEMM, scalar and online searches agree with each other and with the
 * weighted distance; the U-matrix measures with the weights; weights are
 * validated, cloned and saved. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "analysis/analysis.h"
#include "../../bench/blobs.h"

enum { N = 400, DIM = 5 };

/* Blobs in DIM-1 fields plus a last field that is either a copy of the
 * first one (clean) or wild noise (corrupted). */
static som_data *make(int corrupt)
{
    float x[N * DIM], base[N * (DIM - 1)];
    double centres[4 * (DIM - 1)];
    blobs_fill(base, N, DIM - 1, 4, centres, 3);
    uint64_t s = 99;
    for (size_t i = 0; i < N; i++) {
        memcpy(x + i * DIM, base + i * (DIM - 1), (DIM - 1) * sizeof *x);
        x[i * DIM + DIM - 1] = corrupt ? (float)(1e3 * (blobs_uniform(&s) - 0.5)) : base[i * (DIM - 1)];
    }
    som_data *d;
    assert_int_equal(som_data_new(N, DIM, &d, NULL), SOM_OK);
    for (size_t i = 0; i < N; i++)
        assert_int_equal(som_data_set_row(d, i, x + i * DIM, NULL, NULL), SOM_OK);
    return d;
}

static const double W0[DIM] = {1, 1, 1, 1, 0};

static som_map *trained(const som_data *d, som_algorithm alg, som_topology topo)
{
    som_grid g = {7, 8, topo, 0};
    som_map *m;
    assert_int_equal(som_map_new(&g, DIM, &m, NULL), SOM_OK);
    assert_int_equal(som_map_set_feature_weights(m, W0, NULL), SOM_OK);
    assert_int_equal(som_map_fit_scaling(m, d, SOM_SCALE_ZSCORE, NULL), SOM_OK);
    som_train_opts o;
    som_train_opts_init(&o);
    o.algorithm = alg;
    o.epochs = alg == SOM_BATCH ? 10 : 3;
    o.init = SOM_INIT_SAMPLE; /* PCA would see the corrupted field */
    o.seed = 5;
    assert_int_equal(som_map_train(m, d, &o, NULL), SOM_OK);
    return m;
}

static void weight_zero_field_never_steers(void **state)
{
    (void)state;
    som_data *clean = make(0), *bad = make(1);
    for (int alg = 0; alg < 2; alg++) {
        som_map *a = trained(clean, (som_algorithm)alg, SOM_HEX);
        som_map *b = trained(bad, (som_algorithm)alg, SOM_HEX);
        /* The same winners at every step: the weighted fields of the two
         * codebooks are the same bits. */
        const float *ca = som_map_codebook(a), *cb = som_map_codebook(b);
        for (size_t u = 0; u < som_map_n_units(a); u++)
            assert_memory_equal(ca + u * DIM, cb + u * DIM, (DIM - 1) * sizeof(float));
        /* Recognition: corrupt the field in the rows and in the map. */
        size_t ua[N], ub[N];
        float da[N], db[N];
        assert_int_equal(som_map_bmus(a, clean, ua, da, NULL, 1, NULL), SOM_OK);
        assert_int_equal(som_map_bmus(a, bad, ub, db, NULL, 2, NULL), SOM_OK);
        assert_memory_equal(ua, ub, sizeof ua);
        assert_memory_equal(da, db, sizeof da);
        assert_int_equal(som_map_bmus(b, clean, ub, NULL, NULL, 0, NULL), SOM_OK);
        assert_memory_equal(ua, ub, sizeof ua);
        for (size_t i = 0; i < N; i += 7) {
            size_t u1, u2;
            assert_int_equal(som_map_bmu(a, som_data_row(clean, i), NULL, &u1, NULL), SOM_OK);
            assert_int_equal(som_map_bmu(a, som_data_row(bad, i), NULL, &u2, NULL), SOM_OK);
            assert_int_equal(u1, ua[i]);
            assert_int_equal(u2, ua[i]);
        }
        som_map_free(a);
        som_map_free(b);
    }
    som_data_free(clean);
    som_data_free(bad);
}

/* The weighted searches against a brute-force weighted distance in double:
 * the same unit (or an exact tie within float rounding), the same distance
 * to float precision. */
static void weighted_search_matches_definition(void **state)
{
    (void)state;
    som_data *d = make(0);
    som_map *m = trained(d, SOM_BATCH, SOM_RECT);
    const double w[DIM] = {4, 1, 0.3, 2.5, 0.01};
    assert_int_equal(som_map_set_feature_weights(m, w, NULL), SOM_OK);
    size_t units[N];
    float dist[N];
    assert_int_equal(som_map_bmus(m, d, units, dist, NULL, 0, NULL), SOM_OK);
    const float *cb = som_map_codebook(m);
    float x[DIM];
    for (size_t i = 0; i < N; i++) {
        som_map_scale_row(m, som_data_row(d, i), x);
        double best = INFINITY;
        for (size_t u = 0; u < som_map_n_units(m); u++) {
            double s = 0;
            for (size_t j = 0; j < DIM; j++) {
                double t = (double)x[j] - (double)cb[u * DIM + j];
                s += w[j] * t * t;
            }
            if (s < best) best = s;
        }
        double mine = 0;
        for (size_t j = 0; j < DIM; j++) {
            double t = (double)x[j] - (double)cb[units[i] * DIM + j];
            mine += w[j] * t * t;
        }
        assert_true(mine <= best * (1 + 1e-5) + 1e-12);
        assert_true(fabs((double)dist[i] * (double)dist[i] - best) <= 1e-5 * best + 1e-9);
        size_t u1;
        assert_int_equal(som_map_bmu(m, som_data_row(d, i), NULL, &u1, NULL), SOM_OK);
        assert_int_equal(u1, units[i]);
    }
    /* Missing values with weights: the searches still agree. */
    uint8_t mk[DIM] = {1, 0, 1, 1, 0};
    for (size_t i = 0; i < N; i += 13) {
        size_t u1;
        assert_int_equal(som_map_bmu(m, som_data_row(d, i), mk, &u1, NULL), SOM_OK);
        som_map_scale_row(m, som_data_row(d, i), x);
        size_t want = som__bmu_scalar_w(cb, som_map_n_units(m), DIM, m->fsqrt, x, mk, NULL);
        assert_int_equal(u1, want);
    }
    som_map_free(m);
    som_data_free(d);
}

static void all_ones_is_unweighted(void **state)
{
    (void)state;
    som_data *d = make(0);
    som_grid g = {5, 6, SOM_HEX, 0};
    som_map *a, *b;
    assert_int_equal(som_map_new(&g, DIM, &a, NULL), SOM_OK);
    assert_int_equal(som_map_new(&g, DIM, &b, NULL), SOM_OK);
    const double ones[DIM] = {1, 1, 1, 1, 1};
    assert_int_equal(som_map_set_feature_weights(b, ones, NULL), SOM_OK);
    assert_null(som_map_feature_weights(b));
    som_train_opts o;
    som_train_opts_init(&o);
    o.algorithm = SOM_ONLINE;
    o.epochs = 2;
    assert_int_equal(som_map_train(a, d, &o, NULL), SOM_OK);
    assert_int_equal(som_map_train(b, d, &o, NULL), SOM_OK);
    assert_memory_equal(som_map_codebook(a), som_map_codebook(b), 30 * DIM * sizeof(float));
    som_map_free(a);
    som_map_free(b);
    som_data_free(d);
}

/* The U-matrix by its definition: each unit's mean over its grid
 * neighbours of sqrt(sum_j w_j (a_j - b_j)^2) (w NULL: all 1). */
static void umatrix_reference(const som_map *m, const double *w, double *out)
{
    const som_grid *g = som_map_grid(m);
    const float *cb = som_map_codebook(m);
    size_t dim = som_map_dim(m);
    for (size_t u = 0; u < som_map_n_units(m); u++) {
        size_t nb[6];
        size_t k = som_grid_neighbors(g, u, nb);
        double sum = 0.0;
        for (size_t t = 0; t < k; t++) {
            double s = 0.0;
            for (size_t j = 0; j < dim; j++) {
                double dd = (double)cb[u * dim + j] - (double)cb[nb[t] * dim + j];
                s += (w ? w[j] : 1.0) * dd * dd;
            }
            sum += sqrt(s);
        }
        out[u] = k ? sum / (double)k : 0.0;
    }
}

static void assert_close(const double *a, const double *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (fabs(a[i] - b[i]) > 1e-12 * (1.0 + fabs(b[i])))
            fail_msg("unit %zu: %.17g, expected %.17g", i, a[i], b[i]);
}

/* The U-matrix measures with the map's metric: weights all 1 are the
 * unweighted U-matrix bit for bit, a field of weight 0 does not show
 * whatever its values, weight 4 is the field's values doubled (exactly),
 * and any weights match the definition. Every topology, sheet and toroid. */
static void umatrix_uses_weights(void **state)
{
    (void)state;
    enum { R = 6, C = 5, U = R * C }; /* even rows: a hex toroid needs them */
    for (int topo = 0; topo < 2; topo++)
        for (int toroid = 0; toroid < 2; toroid++) {
            som_grid g = {R, C, (som_topology)topo, toroid};
            float cb[U * DIM];
            uint64_t seed = 17 + (uint64_t)(2 * topo + toroid);
            for (size_t i = 0; i < U * DIM; i++)
                cb[i] = (float)(4.0 * blobs_uniform(&seed) - 2.0);
            som_map *m;
            assert_int_equal(som_map_new(&g, DIM, &m, NULL), SOM_OK);
            som_map_set_codebook(m, cb);
            double plain[U], u[U], ref[U];
            som_map_umatrix(m, plain);
            umatrix_reference(m, NULL, ref);
            assert_close(plain, ref, U);

            const double ones[DIM] = {1, 1, 1, 1, 1};
            assert_int_equal(som_map_set_feature_weights(m, ones, NULL), SOM_OK);
            som_map_umatrix(m, u);
            assert_memory_equal(u, plain, sizeof u);

            /* Weight 0 on the last field: its values do not matter. */
            assert_int_equal(som_map_set_feature_weights(m, W0, NULL), SOM_OK);
            double w0[U];
            som_map_umatrix(m, w0);
            umatrix_reference(m, W0, ref);
            assert_close(w0, ref, U);
            float wild[U * DIM];
            memcpy(wild, cb, sizeof cb);
            for (size_t i = 0; i < U; i++)
                wild[i * DIM + DIM - 1] = (float)(1e3 * (blobs_uniform(&seed) - 0.5));
            som_map_set_codebook(m, wild);
            som_map_umatrix(m, u);
            assert_memory_equal(u, w0, sizeof u);
            /* ... while unweighted they do. */
            assert_int_equal(som_map_set_feature_weights(m, NULL, NULL), SOM_OK);
            som_map_umatrix(m, u);
            assert_memory_not_equal(u, w0, sizeof u);

            /* Weight 4 on field 0 = field 0 doubled, unweighted. */
            const double four[DIM] = {4, 1, 1, 1, 1};
            som_map_set_codebook(m, cb);
            assert_int_equal(som_map_set_feature_weights(m, four, NULL), SOM_OK);
            double w4[U];
            som_map_umatrix(m, w4);
            float twice[U * DIM];
            memcpy(twice, cb, sizeof cb);
            for (size_t i = 0; i < U; i++) twice[i * DIM] *= 2.0f;
            som_map *m2;
            assert_int_equal(som_map_new(&g, DIM, &m2, NULL), SOM_OK);
            som_map_set_codebook(m2, twice);
            som_map_umatrix(m2, u);
            assert_memory_equal(u, w4, sizeof u);
            som_map_free(m2);

            /* Any weights: the definition. */
            const double any[DIM] = {2, 0, 0.5, 0.1, 3};
            assert_int_equal(som_map_set_feature_weights(m, any, NULL), SOM_OK);
            som_map_umatrix(m, u);
            umatrix_reference(m, any, ref);
            assert_close(u, ref, U);
            /* som_map_unit_distance: the same metric, symmetric, 0 on the
             * diagonal, NaN out of range. */
            double s = 0.0;
            for (size_t j = 0; j < DIM; j++) {
                double d = (double)cb[3 * DIM + j] - (double)cb[11 * DIM + j];
                s += any[j] * d * d;
            }
            assert_true(fabs(som_map_unit_distance(m, 3, 11) - sqrt(s)) <= 1e-12 * sqrt(s));
            assert_true(som_map_unit_distance(m, 3, 11) == som_map_unit_distance(m, 11, 3));
            assert_true(som_map_unit_distance(m, 7, 7) == 0.0);
            assert_true(isnan(som_map_unit_distance(m, 0, U)));
            som_map_free(m);
        }
}

static void weights_validated_cloned_saved(void **state)
{
    (void)state;
    som_grid g = {2, 3, SOM_RECT, 0};
    som_map *m;
    assert_int_equal(som_map_new(&g, 3, &m, NULL), SOM_OK);
    som_error e;
    const double neg[3] = {1, -1, 1}, zero[3] = {0, 0, 0}, nan_[3] = {1, NAN, 1};
    assert_int_equal(som_map_set_feature_weights(m, neg, &e), SOM_EINVAL);
    assert_non_null(strstr(e.message, "field 2"));
    assert_int_equal(som_map_set_feature_weights(m, zero, &e), SOM_EINVAL);
    assert_int_equal(som_map_set_feature_weights(m, nan_, &e), SOM_EINVAL);
    assert_null(som_map_feature_weights(m));
    const double w[3] = {2, 0, 0.5};
    assert_int_equal(som_map_set_feature_weights(m, w, &e), SOM_OK);
    assert_memory_equal(som_map_feature_weights(m), w, sizeof w);
    som_map *c;
    assert_int_equal(som_map_clone(m, &c, NULL), SOM_OK);
    assert_memory_equal(som_map_feature_weights(c), w, sizeof w);
    void *buf;
    size_t len;
    assert_int_equal(som_map_save_mem(m, &buf, &len, NULL), SOM_OK);
    som_map *back;
    assert_int_equal(som_map_load_mem(buf, len, "mem", &back, NULL), SOM_OK);
    assert_memory_equal(som_map_feature_weights(back), w, sizeof w);
    assert_int_equal(som_map_set_feature_weights(back, NULL, NULL), SOM_OK);
    assert_null(som_map_feature_weights(back));
    som_free(buf);
    som_map_free(back);
    som_map_free(c);
    som_map_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(weight_zero_field_never_steers),
        cmocka_unit_test(weighted_search_matches_definition),
        cmocka_unit_test(all_ones_is_unweighted),
        cmocka_unit_test(umatrix_uses_weights),
        cmocka_unit_test(weights_validated_cloned_saved),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
