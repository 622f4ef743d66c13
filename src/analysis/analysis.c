/* SPDX-License-Identifier: MIT */
/* analysis.c — what a trained map is used for beyond recognition: feature
 * weights in the distance, an automatic map size, supervised maps (one-hot
 * class targets, prediction and its evaluation) and the distortion measure.
 * Clusters of units live in cluster.c. Formulas and conventions are in
 * som.h, section "Analysis". */
#include "analysis/analysis.h"

#include <lapacke.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <string.h>

/* ---- the map's analysis fields ------------------------------------------ */

void som__map_free_analysis(som_map *m)
{
    som__free(m->fweight);
    som__free(m->fsqrt);
    som__free(m->cluster);
    m->fweight = NULL;
    m->fsqrt = NULL;
    m->cluster = NULL;
    m->n_clusters = 0;
}

int som__map_copy_analysis(som_map *dst, const som_map *src, som_error *err)
{
    int rc = som_map_set_feature_weights(dst, src->fweight, err);
    if (rc == SOM_OK && src->cluster)
        rc = som_map_set_clusters(dst, src->cluster, src->n_clusters, err);
    return rc;
}

/* ---- feature weights ------------------------------------------------------ */

int som_map_set_feature_weights(som_map *m, const double *w, som_error *err)
{
    if (!m) return som__error(err, SOM_EINVAL, "som_map_set_feature_weights: NULL map");
    bool all_one = true, any_positive = false;
    for (size_t j = 0; w && j < m->dim; j++) {
        if (!isfinite(w[j]) || w[j] < 0.0)
            return som__error(err, SOM_EINVAL,
                              "weight of field %zu ('%s') is %g; weights are finite and >= 0",
                              j + 1, m->titles[j], w[j]);
        all_one &= w[j] == 1.0;
        any_positive |= w[j] > 0.0;
    }
    if (w && !any_positive)
        return som__error(err, SOM_EINVAL,
                          "every feature weight is 0: no field would choose the winner");
    if (!w || all_one) {
        som__free(m->fweight);
        som__free(m->fsqrt);
        m->fweight = NULL;
        m->fsqrt = NULL;
        return SOM_OK;
    }
    double *fw = som__calloc(m->dim, sizeof *fw);
    float *fs = som__calloc(m->dim, sizeof *fs);
    if (!fw || !fs) {
        som__free(fw);
        som__free(fs);
        return som__error_oom(err);
    }
    for (size_t j = 0; j < m->dim; j++) {
        fw[j] = w[j];
        fs[j] = (float)sqrt(w[j]);
    }
    som__free(m->fweight);
    som__free(m->fsqrt);
    m->fweight = fw;
    m->fsqrt = fs;
    return SOM_OK;
}

const double *som_map_feature_weights(const som_map *m) { return m ? m->fweight : NULL; }

void som__weight_rows(const float *s, const float *x, size_t n, size_t dim, float *out)
{
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < dim; j++) out[i * dim + j] = s[j] * x[i * dim + j];
}

size_t som__bmu_scalar_w(const float *codebook, size_t n_units, size_t dim, const float *s,
                         const float *x, const uint8_t *mask, double *dist2)
{
    size_t present = 0;
    for (size_t j = 0; j < dim; j++) present += !mask || mask[j];
    if (present == 0) {
        if (dist2) *dist2 = NAN;
        return n_units;
    }
    size_t best = 0;
    double best_d = INFINITY;
    for (size_t i = 0; i < n_units; i++) {
        const float *w = codebook + i * dim;
        double d = 0.0;
        for (size_t j = 0; j < dim; j++) {
            if (mask && !mask[j]) continue;
            /* The products are rounded to float exactly as the weighted
             * copies of the GEMM path are, so both paths agree. */
            float a = s[j] * x[j], b = s[j] * w[j];
            double t = (double)a - (double)b;
            d += t * t;
        }
        if (d < best_d) {
            best_d = d;
            best = i;
        }
    }
    if (dist2) *dist2 = best_d;
    return best;
}

/* Rows per weighted block: enough blocks of bmu.c's own size for every
 * thread, while the weighted copy stays a small fraction of the data. */
#define WEIGHT_BLOCK_ROWS 65536

int som__map_bmus_scaled(const som_map *m, const float *x, const uint8_t *mask, size_t n,
                         size_t *units, double *dist2, size_t *second, int threads,
                         som_error *err)
{
    if (!m->fsqrt)
        return som__bmus_scaled(m->codebook, m->n_units, m->dim, x, mask, n, units, dist2,
                                second, threads, err);
    if (n == 0) return SOM_OK;
    const size_t dim = m->dim;
    size_t rows = n < WEIGHT_BLOCK_ROWS ? n : WEIGHT_BLOCK_ROWS;
    float *wcb = som__aligned_calloc(m->n_units * dim, sizeof(float));
    float *wx = som__aligned_calloc(rows * dim, sizeof(float));
    if (!wcb || !wx) {
        som__aligned_free(wcb);
        som__aligned_free(wx);
        return som__error_oom(err);
    }
    som__weight_rows(m->fsqrt, m->codebook, m->n_units, dim, wcb);
    int rc = SOM_OK;
    /* Every row's result depends on that row alone, so blocks give the
     * same answers as one call over all rows. */
    for (size_t r0 = 0; rc == SOM_OK && r0 < n; r0 += rows) {
        size_t k = n - r0 < rows ? n - r0 : rows;
        som__weight_rows(m->fsqrt, x + r0 * dim, k, dim, wx);
        rc = som__bmus_scaled(wcb, m->n_units, dim, wx, mask ? mask + r0 * dim : NULL, k,
                              units + r0, dist2 ? dist2 + r0 : NULL, second ? second + r0 : NULL,
                              threads, err);
    }
    som__aligned_free(wcb);
    som__aligned_free(wx);
    return rc;
}

/* ---- automatic map size ---------------------------------------------------- */

/* The two largest eigenvalues of the covariance of the scaled rows
 * (pairwise-complete over missing values, as the PCA initialisation; a
 * table with fewer rows than fields goes through pca_gram.c). */
static int top_eigenvalues(const som_scaled *sx, double *l1, double *l2, som_error *err)
{
    size_t dim = sx->dim, n = sx->n;
    if (som__pca_gram_wanted(n, dim)) { /* wide: the rows x rows Gram matrix */
        double lambda[2] = {0.0, 0.0}, *mean = som__calloc(dim, sizeof *mean);
        int rc = mean ? som__pca_gram(sx, NULL, mean, lambda, NULL, err) : som__error_oom(err);
        som__free(mean);
        *l1 = lambda[0];
        *l2 = lambda[1];
        return rc;
    }
    double *mean = som__calloc(dim, sizeof *mean), *cnt1 = som__calloc(dim, sizeof *cnt1);
    double *cov = som__calloc(dim * dim, sizeof *cov), *cnt = som__calloc(dim * dim, sizeof *cnt);
    double *eig = som__calloc(dim, sizeof *eig);
    int rc = SOM_OK;
    if (!mean || !cnt1 || !cov || !cnt || !eig) rc = som__error_oom(err);
    for (size_t i = 0; rc == SOM_OK && i < n; i++)
        for (size_t j = 0; j < dim; j++)
            if (!sx->mask || sx->mask[i * dim + j]) {
                mean[j] += (double)sx->x[i * dim + j];
                cnt1[j] += 1.0;
            }
    for (size_t j = 0; rc == SOM_OK && j < dim; j++) {
        if (cnt1[j] == 0.0)
            rc = som__error(err, SOM_EEMPTY, "field %zu has no value in any row", j + 1);
        else
            mean[j] /= cnt1[j];
    }
    for (size_t i = 0; rc == SOM_OK && i < n; i++) {
        const float *x = sx->x + i * dim;
        const uint8_t *mk = sx->mask ? sx->mask + i * dim : NULL;
        for (size_t a = 0; a < dim; a++) {
            if (mk && !mk[a]) continue;
            double da = (double)x[a] - mean[a];
            for (size_t b = a; b < dim; b++) {
                if (mk && !mk[b]) continue;
                cov[a * dim + b] += da * ((double)x[b] - mean[b]);
                cnt[a * dim + b] += 1.0;
            }
        }
    }
    if (rc == SOM_OK) {
        for (size_t a = 0; a < dim; a++)
            for (size_t b = a; b < dim; b++) {
                double c = cnt[a * dim + b] > 1.0 ? cov[a * dim + b] / (cnt[a * dim + b] - 1.0) : 0.0;
                cov[a * dim + b] = cov[b * dim + a] = c;
            }
        lapack_int info = LAPACKE_dsyev(LAPACK_ROW_MAJOR, 'N', 'U', (lapack_int)dim, cov,
                                        (lapack_int)dim, eig);
        if (info != 0)
            rc = som__error(err, SOM_EINVAL, "eigenvalues of the covariance failed (LAPACK "
                            "dsyev info %d)", (int)info);
    }
    if (rc == SOM_OK) { /* ascending */
        *l1 = eig[dim - 1];
        *l2 = dim >= 2 ? eig[dim - 2] : 0.0;
    }
    som__free(mean);
    som__free(cnt1);
    som__free(cov);
    som__free(cnt);
    som__free(eig);
    return rc;
}

int som_grid_auto(const som_data *data, som_scaling scaling, som_topology topology, int toroid,
                  som_grid *grid, double *ratio_out, som_error *err)
{
    if (!data || !grid) return som__error(err, SOM_EINVAL, "som_grid_auto: NULL argument");
    size_t n = som_data_n_samples(data), dim = som_data_dim(data);
    if (n == 0) return som__error(err, SOM_EEMPTY, "no samples to size the map from");
    if (topology != SOM_RECT && topology != SOM_HEX)
        return som__error(err, SOM_EINVAL, "unknown topology %d", (int)topology);
    /* The data in the space the map will see: a throw-away 1x1 map holds
     * the scaling. */
    som_grid one = {1, 1, topology, 0};
    som_map *tmp = NULL;
    som_scaled sx = {0};
    double l1 = 0.0, l2 = 0.0;
    int rc = som_map_new(&one, dim, &tmp, err);
    if (rc == SOM_OK) rc = som_map_fit_scaling(tmp, data, scaling, err);
    if (rc == SOM_OK) rc = som__scaled_init(&sx, tmp, data, err);
    if (rc == SOM_OK) rc = top_eigenvalues(&sx, &l1, &l2, err);
    som__scaled_free(&sx);
    som_map_free(tmp);
    if (rc != SOM_OK) return rc;

    /* 5 sqrt(n) units (Vesanto's rule of thumb behind som_topol_struct). */
    double units = floor(5.0 * sqrt((double)n) + 0.5);
    if (units < 1.0) units = 1.0;
    if (units > 1048576.0) units = 1048576.0; /* 1024x1024: a sane ceiling */
    double ratio = l1 > 0.0 && l2 > 0.0 ? sqrt(l1 / l2) : (double)INFINITY;
    /* Physical width cols, height rows * h: cols / (rows h) = ratio and
     * rows cols = units give rows = sqrt(units / (ratio h)). */
    double h = topology == SOM_HEX ? sqrt(0.75) : 1.0;
    double rows = isfinite(ratio) ? floor(sqrt(units / (ratio * h)) + 0.5) : 1.0;
    if (rows < 1.0) rows = 1.0;
    double cols = floor(units / rows + 0.5);
    if (cols < 1.0) cols = 1.0;
    som_grid g = {(size_t)rows, (size_t)cols, topology, toroid ? 1 : 0};
    if (topology == SOM_HEX && g.toroid && g.rows % 2) g.rows++;
    if ((rc = som_grid_check(&g, err))) return rc;
    *grid = g;
    if (ratio_out) *ratio_out = ratio;
    return SOM_OK;
}

/* ---- supervised maps ------------------------------------------------------- */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int som_data_one_hot_labels(const som_data *d, som_data **out, size_t *n_classes, som_error *err)
{
    if (!d || !out) return som__error(err, SOM_EINVAL, "som_data_one_hot_labels: NULL argument");
    *out = NULL;
    if (!d->labels)
        return som__error(err, SOM_EINVAL, "the data has no label column to encode");
    const size_t n = d->n, dim = d->dim;
    const char *lt = d->label_title ? d->label_title : "label";
    /* The distinct non-empty labels, sorted. */
    const char **cls = som__calloc(n ? n : 1, sizeof *cls);
    if (!cls) return som__error_oom(err);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (d->labels[i] && d->labels[i][0]) cls[k++] = d->labels[i];
    qsort(cls, k, sizeof *cls, cmp_str);
    size_t u = 0;
    for (size_t i = 0; i < k; i++)
        if (u == 0 || strcmp(cls[u - 1], cls[i]) != 0) cls[u++] = cls[i];
    k = u;
    if (k == 0) {
        som__free(cls);
        return som__error(err, SOM_EINVAL, "the label column '%s' has no value to encode", lt);
    }
    som_data *a = NULL;
    som_title_index seen = {0}; /* the titles so far: repeats found in O(1) */
    int rc = som__data_alloc(n, dim + k, &a, err);
    if (rc) {
        som__free(cls);
        return rc;
    }
    /* Rows without a class have the class fields missing. */
    bool unlabelled = false;
    for (size_t i = 0; i < n; i++) unlabelled |= !d->labels[i] || !d->labels[i][0];
    if (d->mask || unlabelled) {
        a->mask = som__calloc(n * (dim + k), 1);
        if (!a->mask) goto oom;
    }
    for (size_t i = 0; i < n; i++) {
        float *row = a->x + i * (dim + k);
        memcpy(row, d->x + i * dim, dim * sizeof *row);
        const char *lab = d->labels[i];
        bool has = lab && lab[0];
        for (size_t c = 0; c < k; c++) row[dim + c] = has && strcmp(lab, cls[c]) == 0 ? 1.0f : 0.0f;
        if (a->mask) {
            uint8_t *mk = a->mask + i * (dim + k);
            for (size_t j = 0; j < dim; j++) mk[j] = d->mask ? d->mask[i * dim + j] : 1;
            memset(mk + dim, has ? 1 : 0, k);
            if (!has) a->n_missing += k;
        }
    }
    a->n_missing += d->n_missing;
    rc = som__title_index_init(&seen, (const char *const *)a->titles, dim + k, err);
    if (rc) goto fail;
    for (size_t j = 0; j < dim + k; j++) {
        char *t;
        if (j < dim) {
            t = som__strdup(d->titles[j]);
        } else {
            size_t len = strlen(lt) + 1 + strlen(cls[j - dim]) + 1;
            t = som__malloc(len);
            if (t) snprintf(t, len, "%s=%s", lt, cls[j - dim]);
        }
        if (!t) goto oom;
        som__free(a->titles[j]);
        a->titles[j] = t;
        long p = som__title_index_find(&seen, t, strlen(t));
        if (p >= 0) {
            rc = som__error(err, SOM_EINVAL, "the class field '%s' would repeat the title of "
                            "field %ld", t, p + 1);
            goto fail;
        }
        som__title_index_add(&seen, j);
    }
    som__title_index_free(&seen);
    for (size_t i = 0; i < n; i++)
        if ((rc = som_data_set_label(a, i, d->labels[i] ? d->labels[i] : "", err))) goto fail;
    if (d->label_title) {
        char *t = som__strdup(d->label_title);
        if (!t) goto oom;
        som__free(a->label_title);
        a->label_title = t;
    }
    a->lines = som__calloc(n ? n : 1, sizeof *a->lines);
    if (!a->lines) goto oom;
    for (size_t i = 0; i < n; i++) a->lines[i] = som_data_line(d, i);
    if (d->weight) {
        if (!(a->weight = som__calloc(n, sizeof *a->weight))) goto oom;
        memcpy(a->weight, d->weight, n * sizeof *a->weight);
    }
    if (d->fixed) {
        if (!(a->fixed = som__calloc(2 * n, sizeof *a->fixed))) goto oom;
        memcpy(a->fixed, d->fixed, 2 * n * sizeof *a->fixed);
    }
    som__free(cls);
    if (n_classes) *n_classes = k;
    *out = a;
    return SOM_OK;
oom:
    rc = som__error_oom(err);
fail:
    som__title_index_free(&seen);
    som__free(cls);
    som_data_free(a);
    return rc;
}

size_t som_map_target_fields(const som_map *m, const char *name, size_t *fields,
                             size_t max_fields, int *is_class)
{
    if (is_class) *is_class = 0;
    if (!m || !name) return 0;
    long j = som_map_find_title(m, name);
    if (j >= 0) {
        if (fields && max_fields) fields[0] = (size_t)j;
        return 1;
    }
    size_t len = strlen(name), k = 0;
    for (size_t f = 0; f < m->dim; f++) {
        const char *t = m->titles[f];
        if (strncmp(t, name, len) == 0 && t[len] == '=') {
            if (fields && k < max_fields) fields[k] = f;
            k++;
        }
    }
    if (k && is_class) *is_class = 1;
    return k;
}

/* The target's fields, or SOM_EINVAL naming the fields the map has. */
static int target_lookup(const som_map *m, const char *name, size_t **fields, size_t *k,
                         int *is_class, som_error *err)
{
    *fields = NULL;
    *k = som_map_target_fields(m, name, NULL, 0, is_class);
    if (*k == 0)
        return som__error(err, SOM_EINVAL, "the model has no target '%s' (no field titled '%s' "
                          "or '%s=CLASS')", name, name, name);
    if (*k == m->dim)
        return som__error(err, SOM_EINVAL, "target '%s' is every field of the model: no "
                          "feature is left to search with", name);
    *fields = som__calloc(*k, sizeof **fields);
    if (!*fields) return som__error_oom(err);
    som_map_target_fields(m, name, *fields, *k, is_class);
    return SOM_OK;
}

/* Predictions on data already aligned to the map. */
static int predict_aligned(const som_map *m, som_data *a, const size_t *tf, size_t k,
                           int is_class, float *values, const char **classes, size_t *units,
                           int threads, som_error *err)
{
    size_t n = som_data_n_samples(a);
    uint8_t *unknown = som__calloc(m->dim, 1);
    size_t *bmu = som__calloc(n ? n : 1, sizeof *bmu);
    float *w = som__calloc(m->dim, sizeof *w);
    int rc = SOM_OK;
    if (!unknown || !bmu || !w) rc = som__error_oom(err);
    for (size_t c = 0; rc == SOM_OK && c < k; c++) unknown[tf[c]] = 1;
    if (rc == SOM_OK) rc = som_map_predict(m, a, unknown, bmu, threads, err);
    for (size_t i = 0; rc == SOM_OK && i < n; i++) {
        som_map_unit_weights(m, bmu[i], w);
        if (is_class) {
            size_t best = 0;
            for (size_t c = 1; c < k; c++)
                if (w[tf[c]] > w[tf[best]]) best = c; /* ties: the first class */
            /* The class name follows "TARGET=" in the field's title. */
            if (classes) classes[i] = strchr(m->titles[tf[best]], '=') + 1;
        } else if (values) {
            values[i] = w[tf[0]];
        }
        if (units) units[i] = bmu[i];
    }
    som__free(unknown);
    som__free(bmu);
    som__free(w);
    return rc;
}

int som_map_predict_target(const som_map *m, const som_data *d, const char *name, float *values,
                           const char **classes, size_t *units, int threads, som_error *err)
{
    if (!m || !d || !name) return som__error(err, SOM_EINVAL, "som_map_predict_target: NULL argument");
    size_t *tf, k;
    int is_class;
    som_data *a = NULL;
    int rc = target_lookup(m, name, &tf, &k, &is_class, err);
    if (rc == SOM_OK) rc = som_map_align_data(m, d, &a, err);
    if (rc == SOM_OK)
        rc = predict_aligned(m, a, tf, k, is_class, values, classes, units, threads, err);
    som_data_free(a);
    som__free(tf);
    return rc;
}

int som_map_eval_target(const som_map *m, const som_data *d, const char *name, som_target_eval *out,
                        int threads, som_error *err)
{
    if (!m || !d || !name || !out)
        return som__error(err, SOM_EINVAL, "som_map_eval_target: NULL argument");
    memset(out, 0, sizeof *out);
    out->accuracy = out->rmse = out->mae = NAN;
    size_t *tf, k;
    int is_class;
    som_data *a = NULL;
    size_t n = som_data_n_samples(d);
    float *truth = NULL, *pred = NULL;
    uint8_t *has = NULL;
    const char **cls = NULL;
    int rc = target_lookup(m, name, &tf, &k, &is_class, err);
    if (rc == SOM_OK) rc = som_map_align_data(m, d, &a, err);
    if (rc == SOM_OK && is_class && !som_data_label(d, 0) && n > 0)
        rc = som__error(err, SOM_EINVAL, "the data has no label column with the true classes of "
                        "'%s'", name);
    if (rc == SOM_OK && !is_class && som_data_find_title(d, name) < 0)
        rc = som__error(err, SOM_EINVAL, "the data has no column '%s' with the true values", name);
    if (rc == SOM_OK) {
        truth = som__calloc(n ? n : 1, sizeof *truth);
        pred = som__calloc(n ? n : 1, sizeof *pred);
        has = som__calloc(n ? n : 1, 1);
        cls = som__calloc(n ? n : 1, sizeof *cls);
        if (!truth || !pred || !has || !cls) rc = som__error_oom(err);
    }
    /* The true values, read before prediction overwrites the aligned copy. */
    for (size_t i = 0; rc == SOM_OK && !is_class && i < n; i++) {
        const uint8_t *mk = som_data_row_mask(a, i);
        has[i] = !mk || mk[tf[0]];
        truth[i] = som_data_row(a, i)[tf[0]];
    }
    if (rc == SOM_OK)
        rc = predict_aligned(m, a, tf, k, is_class, pred, cls, NULL, threads, err);
    if (rc == SOM_OK) {
        out->is_class = is_class;
        double se = 0.0, ae = 0.0;
        for (size_t i = 0; i < n; i++) {
            if (is_class) {
                const char *lab = som_data_label(d, i);
                if (!lab || !lab[0]) continue;
                out->n_rows++;
                out->n_correct += strcmp(lab, cls[i]) == 0;
            } else if (has[i]) {
                double e = (double)pred[i] - (double)truth[i];
                out->n_rows++;
                se += e * e;
                ae += fabs(e);
            }
        }
        if (out->n_rows) {
            if (is_class) {
                out->accuracy = (double)out->n_correct / (double)out->n_rows;
            } else {
                out->rmse = sqrt(se / (double)out->n_rows);
                out->mae = ae / (double)out->n_rows;
            }
        }
    }
    som_data_free(a);
    som__free(tf);
    som__free(truth);
    som__free(pred);
    som__free(has);
    som__free(cls);
    return rc;
}

/* ---- distortion -------------------------------------------------------------- */

int som_map_distortion(const som_map *m, const som_data *d, double radius, double *distortion,
                       int threads, som_error *err)
{
    if (!m || !d || !distortion) return som__error(err, SOM_EINVAL, "som_map_distortion: NULL argument");
    *distortion = NAN;
    if (som_data_dim(d) != m->dim)
        return som__error(err, SOM_EDIM, "the data has %zu fields, the map %zu", som_data_dim(d),
                          m->dim);
    const som_train_opts *s = &m->settings;
    if (radius < 0.0) radius = m->trained && s->radius1 >= 0.0 ? s->radius1 : 1.0;
    if (!isfinite(radius)) return som__error(err, SOM_EINVAL, "radius %g is not finite", radius);
    const bool mql = m->trained && s->schedule == SOM_SCHEDULE_MQL;
    const som_neighborhood kind = mql ? SOM_NEIGHBORHOOD_CUTGAUSS : s->neighborhood;
    const size_t n = som_data_n_samples(d), dim = m->dim, n_units = m->n_units;
    if (n == 0) return SOM_OK;

    size_t *bmu = som__calloc(n, sizeof *bmu);
    som_scaled sx = {0};
    som_dist_table dt = {0};
    float *wcb = NULL, *wx = NULL;
    double *H = NULL, *M = NULL, *Q = NULL;
    bool *used = NULL;
    int rc = bmu ? som__check_rows_present(d, err) : som__error_oom(err);
    if (rc == SOM_OK) rc = som__scaled_init(&sx, m, d, err);
    if (rc == SOM_OK) rc = som__map_bmus_scaled(m, sx.x, sx.mask, n, bmu, NULL, NULL, threads, err);
    if (rc == SOM_OK) rc = som__dist_table_init(&dt, &m->grid, err);
    if (rc == SOM_OK) {
        wcb = som__aligned_calloc(n_units * dim, sizeof *wcb);
        wx = som__aligned_calloc(dim, sizeof *wx);
        H = som__calloc(n_units, sizeof *H);
        M = som__calloc(n_units * dim, sizeof *M);
        Q = som__calloc(n_units * dim, sizeof *Q);
        used = som__calloc(n_units, sizeof *used);
        if (!wcb || !wx || !H || !M || !Q || !used) rc = som__error_oom(err);
    }
    if (rc == SOM_OK) {
        if (m->fsqrt) som__weight_rows(m->fsqrt, m->codebook, n_units, dim, wcb);
        else memcpy(wcb, m->codebook, n_units * dim * sizeof *wcb);
        for (size_t i = 0; i < n; i++) used[bmu[i]] = true;
        /* Per winner b: H = sum_j h, M = sum_j h m_j, Q = sum_j h m_j^2, so
         * that sum_j h |x - m_j|^2 = sum_f H x_f^2 - 2 x_f M_f + Q_f over
         * the present fields f: one pass over the unit pairs, then O(dim)
         * per row. Each b is summed in unit order whatever the threads. */
        const size_t cols = m->grid.cols;
#pragma omp parallel for schedule(dynamic, 4) num_threads(som__threads(threads))
        for (size_t b = 0; b < n_units; b++) {
            if (!used[b]) continue;
            size_t br = b / cols, bc = b % cols;
            for (size_t j = 0; j < n_units; j++) {
                double h = som__neighborhood(kind, mql,
                                             som__dist_table_get(&dt, br, bc, j / cols, j % cols),
                                             radius);
                if (h == 0.0) continue;
                H[b] += h;
                const float *w = wcb + j * dim;
                for (size_t f = 0; f < dim; f++) {
                    M[b * dim + f] += h * (double)w[f];
                    Q[b * dim + f] += h * (double)w[f] * (double)w[f];
                }
            }
        }
        double total = 0.0;
        for (size_t i = 0; i < n; i++) {
            const float *x = sx.x + i * dim;
            const uint8_t *mk = sx.mask ? sx.mask + i * dim : NULL;
            if (m->fsqrt) {
                som__weight_rows(m->fsqrt, x, 1, dim, wx);
                x = wx;
            }
            size_t b = bmu[i];
            double e = 0.0;
            for (size_t f = 0; f < dim; f++) {
                if (mk && !mk[f]) continue;
                double xf = (double)x[f];
                e += H[b] * xf * xf - 2.0 * xf * M[b * dim + f] + Q[b * dim + f];
            }
            total += e;
        }
        *distortion = total / (double)n;
    }
    som__free(bmu);
    som__scaled_free(&sx);
    som__dist_table_free(&dt);
    som__aligned_free(wcb);
    som__aligned_free(wx);
    som__free(H);
    som__free(M);
    som__free(Q);
    som__free(used);
    return rc;
}
