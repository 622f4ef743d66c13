/* SPDX-License-Identifier: MIT */
/* supervised.c — supervised maps: class labels as one-hot target fields
 * (som_data_one_hot_labels), and predicting and evaluating target fields
 * of a map (som_map_predict_target, som_map_eval_target). Conventions in
 * som.h, "Analysis". Feature weights are the core's (core/weights.c), the
 * automatic map size is in grid_auto.c, the distortion in distortion.c,
 * clusters of units in cluster.c. */
#include "analysis/analysis.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* Predictions on data already aligned to the map, a block of rows at a
 * time: the search leaves the target's fields out, the filler estimates
 * them. values[n] (numbers), classes[n] and proba[n x k] (classes), units[n]
 * may each be NULL. */
static int predict_aligned(const som_map *m, const som_data *a, const size_t *tf, size_t k,
                           int is_class, const som_fill_opts *opts, float *values,
                           const char **classes, float *proba, size_t *units, int threads,
                           som_error *err)
{
    const size_t n = som_data_n_samples(a), dim = m->dim;
    const uint8_t *amask = som_data_mask(a);
    for (size_t i = 0; i < n; i++) {
        size_t present = 0;
        for (size_t j = 0; j < dim; j++) present += !amask || amask[i * dim + j];
        for (size_t c = 0; c < k; c++) present -= !amask || amask[i * dim + tf[c]];
        if (!present)
            return som__error(err, SOM_EINVAL,
                              "row %zu (line %zu) has no known field to search with", i + 1,
                              som_data_line(a, i));
    }
    if (n == 0) return SOM_OK;
    som_fill_opts bmu_only;
    som_fill_opts_init(&bmu_only);
    bmu_only.method = SOM_FILL_BMU;
    som__filler *f = NULL;
    int rc = som__filler_new(m, opts ? opts : &bmu_only, threads, &f, err);
    if (rc) return rc;
    size_t block = n < SOM__STREAM_ROWS ? n : SOM__STREAM_ROWS;
    uint8_t *search = som__calloc(block * dim, 1);
    float *est = som__aligned_calloc(block * dim, sizeof *est);
    size_t *bmu = som__calloc(block, sizeof *bmu);
    if (!search || !est || !bmu) rc = som__error_oom(err);
    for (size_t r0 = 0; rc == SOM_OK && r0 < n; r0 += block) {
        size_t b = n - r0 < block ? n - r0 : block;
        for (size_t c = 0; c < b * dim; c++) search[c] = !amask || amask[r0 * dim + c];
        for (size_t i = 0; i < b; i++)
            for (size_t c = 0; c < k; c++) search[i * dim + tf[c]] = 0;
        rc = som__filler_rows(f, som_data_values(a) + r0 * dim, search, b, est, bmu, threads, err);
        for (size_t i = 0; rc == SOM_OK && i < b; i++) {
            const float *e = est + i * dim;
            size_t r = r0 + i;
            if (units) units[r] = bmu[i];
            if (!is_class) {
                if (values) values[r] = e[tf[0]];
                continue;
            }
            size_t best = 0;
            for (size_t c = 1; c < k; c++)
                if (e[tf[c]] > e[tf[best]]) best = c; /* ties: the first class */
            /* The class name follows "TARGET=" in the field's title. */
            if (classes) classes[r] = strchr(m->titles[tf[best]], '=') + 1;
            if (!proba) continue;
            double sum = 0.0;
            for (size_t c = 0; c < k; c++) sum += e[tf[c]] > 0.0f ? (double)e[tf[c]] : 0.0;
            for (size_t c = 0; c < k; c++)
                proba[r * k + c] = sum > 0.0 ? (float)((e[tf[c]] > 0.0f ? (double)e[tf[c]] : 0.0) / sum)
                                             : (float)(1.0 / (double)k);
        }
    }
    som__free(search);
    som__aligned_free(est);
    som__free(bmu);
    som__filler_free(f);
    return rc;
}

int som_map_predict_target_ex(const som_map *m, const som_data *d, const char *name,
                              const som_fill_opts *opts, float *values, const char **classes,
                              float *proba, size_t *units, int threads, som_error *err)
{
    if (!m || !d || !name) return som__error(err, SOM_EINVAL, "som_map_predict_target: NULL argument");
    size_t *tf, k;
    int is_class;
    som_data *a = NULL;
    int rc = target_lookup(m, name, &tf, &k, &is_class, err);
    if (rc == SOM_OK) rc = som_map_align_data(m, d, &a, err);
    if (rc == SOM_OK)
        rc = predict_aligned(m, a, tf, k, is_class, opts, values, classes, is_class ? proba : NULL,
                             units, threads, err);
    som_data_free(a);
    som__free(tf);
    return rc;
}

int som_map_predict_target(const som_map *m, const som_data *d, const char *name, float *values,
                           const char **classes, size_t *units, int threads, som_error *err)
{
    return som_map_predict_target_ex(m, d, name, NULL, values, classes, NULL, units, threads, err);
}

int som_map_eval_target(const som_map *m, const som_data *d, const char *name, som_target_eval *out,
                        int threads, som_error *err)
{
    if (!m || !d || !name || !out)
        return som__error(err, SOM_EINVAL, "som_map_eval_target: NULL argument");
    memset(out, 0, sizeof *out);
    out->accuracy = out->rmse = out->mae = NAN;
    som_target_report *r = NULL;
    int rc = som_map_target_report(m, d, name, NULL, &r, threads, err);
    if (rc == SOM_OK) *out = r->eval;
    som_target_report_free(r);
    return rc;
}
