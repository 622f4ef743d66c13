/* SPDX-License-Identifier: MIT */
/* summary.c — what a trained map says about its data, in numbers a person
 * reads: the rows' labels per unit and the units that hold each label best,
 * per-cluster profiles of the rows in original units, and how alike the
 * component planes are. `som report` prints them; they are computed here so
 * that every client gets the same numbers. Formulas are in som.h, section
 * "Summaries". All sums run in double and in row order: the results do not
 * depend on threads. */
#include "analysis/analysis.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- labels ---------------------------------------------------------------- */

static int cmp_cstr(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int som_data_distinct_labels(const som_data *d, const char **out, size_t max, size_t *n,
                             som_error *err)
{
    SOM_RETURN_IF(!d || !n || (max && !out), err, SOM_EINVAL,
                  "som_data_distinct_labels: NULL argument");
    SOM_RETURN_IF(!d->labels, err, SOM_EINVAL, "the data has no label column");
    const char **v = som__calloc(d->n ? d->n : 1, sizeof *v);
    if (!v) return som__error_oom(err);
    size_t m = 0;
    for (size_t i = 0; i < d->n; i++)
        if (d->labels[i] && d->labels[i][0]) v[m++] = d->labels[i];
    qsort(v, m, sizeof *v, cmp_cstr);
    size_t k = 0;
    for (size_t i = 0; i < m; i++) {
        if (i > 0 && strcmp(v[i], v[i - 1]) == 0) continue;
        if (k < max) out[k] = v[i];
        k++;
    }
    som__free(v);
    *n = k;
    return SOM_OK;
}

/* A label and its index in the caller's list, sorted by text for bsearch. */
typedef struct {
    const char *text;
    size_t index;
} label_slot;

static int cmp_slot(const void *a, const void *b)
{
    const label_slot *x = a, *y = b;
    int c = strcmp(x->text, y->text);
    if (c) return c;
    return x->index < y->index ? -1 : x->index > y->index;
}

static int cmp_key_slot(const void *key, const void *b)
{
    return strcmp((const char *)key, ((const label_slot *)b)->text);
}

int som_map_label_counts(const som_map *m, const som_data *d, const size_t *units,
                         const char *const *labels, size_t n_labels, size_t *counts,
                         som_error *err)
{
    SOM_RETURN_IF(!m || !d || !units || (n_labels && (!labels || !counts)), err, SOM_EINVAL,
                  "som_map_label_counts: NULL argument");
    SOM_RETURN_IF(!d->labels, err, SOM_EINVAL, "the data has no label column");
    size_t cells;
    SOM_RETURN_IF(!som__mul_ok(n_labels, m->n_units, &cells), err, SOM_ENOMEM,
                  "%zu labels x %zu units is too large", n_labels, m->n_units);
    if (n_labels == 0) return SOM_OK;
    for (size_t l = 0; l < n_labels; l++)
        SOM_RETURN_IF(!labels[l], err, SOM_EINVAL, "som_map_label_counts: label %zu is NULL", l);
    label_slot *slots = som__calloc(n_labels, sizeof *slots);
    if (!slots) return som__error_oom(err);
    for (size_t l = 0; l < n_labels; l++) {
        slots[l].text = labels[l];
        slots[l].index = l;
    }
    /* A label listed twice counts into its first place only. */
    qsort(slots, n_labels, sizeof *slots, cmp_slot);
    memset(counts, 0, cells * sizeof *counts);
    int rc = SOM_OK;
    for (size_t i = 0; i < d->n; i++) {
        if (units[i] >= m->n_units) {
            rc = som__error(err, SOM_EINVAL, "row %zu: unit %zu is not on the map (%zu units)",
                            i + 1, units[i], m->n_units);
            break;
        }
        const char *text = d->labels[i] ? d->labels[i] : "";
        const label_slot *s = bsearch(text, slots, n_labels, sizeof *slots, cmp_key_slot);
        if (!s) continue;
        while (s > slots && strcmp(s[-1].text, text) == 0) s--;
        counts[s->index * m->n_units + units[i]]++;
    }
    som__free(slots);
    return rc;
}

/* One candidate unit of a label, for the ranking of som_label_best_units. */
typedef struct {
    size_t unit, count, total;
} unit_rank;

static int cmp_rank(const void *a, const void *b)
{
    const unit_rank *x = a, *y = b;
    if (x->count != y->count) return x->count > y->count ? -1 : 1;
    /* Purer first: count/total compared without division (both totals are
     * at least their counts, so neither is 0 here). */
    unsigned long long px = (unsigned long long)x->count * y->total;
    unsigned long long py = (unsigned long long)y->count * x->total;
    if (px != py) return px > py ? -1 : 1;
    return x->unit < y->unit ? -1 : x->unit > y->unit;
}

int som_label_best_units(const size_t *counts, size_t n_labels, size_t n_units, size_t top,
                         size_t *best, som_error *err)
{
    SOM_RETURN_IF(n_labels && top && (!counts || !best), err, SOM_EINVAL,
                  "som_label_best_units: NULL argument");
    if (n_labels == 0 || top == 0 || n_units == 0) {
        for (size_t i = 0; i < n_labels * top; i++) best[i] = SIZE_MAX;
        return SOM_OK;
    }
    size_t *total = som__calloc(n_units, sizeof *total);
    unit_rank *r = som__calloc(n_units, sizeof *r);
    if (!total || !r) {
        som__free(total);
        som__free(r);
        return som__error_oom(err);
    }
    for (size_t l = 0; l < n_labels; l++)
        for (size_t u = 0; u < n_units; u++) total[u] += counts[l * n_units + u];
    for (size_t l = 0; l < n_labels; l++) {
        size_t m = 0;
        for (size_t u = 0; u < n_units; u++) {
            size_t c = counts[l * n_units + u];
            if (c == 0) continue;
            r[m].unit = u;
            r[m].count = c;
            r[m].total = total[u];
            m++;
        }
        qsort(r, m, sizeof *r, cmp_rank);
        for (size_t t = 0; t < top; t++) best[l * top + t] = t < m ? r[t].unit : SIZE_MAX;
    }
    som__free(total);
    som__free(r);
    return SOM_OK;
}

/* ---- per-cluster profiles ---------------------------------------------------- */

int som_map_cluster_profiles(const som_map *m, const som_data *d, const size_t *units,
                             const uint32_t *clusters, size_t k, size_t *n_units,
                             size_t *n_rows, double *mean, double *sd, double *z,
                             som_error *err)
{
    SOM_RETURN_IF(!m || !d || !units || !clusters, err, SOM_EINVAL,
                  "som_map_cluster_profiles: NULL argument");
    SOM_RETURN_IF(k == 0, err, SOM_EINVAL, "som_map_cluster_profiles: no clusters (k = 0)");
    SOM_RETURN_IF(d->dim != m->dim, err, SOM_EDIM,
                  "the data has %zu columns but the map has %zu fields", d->dim, m->dim);
    for (size_t u = 0; u < m->n_units; u++)
        SOM_RETURN_IF(clusters[u] >= k, err, SOM_EINVAL,
                      "unit %zu is in cluster %u, but there are %zu clusters", u,
                      (unsigned)clusters[u], k);
    for (size_t i = 0; i < d->n; i++)
        SOM_RETURN_IF(units[i] >= m->n_units, err, SOM_EINVAL,
                      "row %zu: unit %zu is not on the map (%zu units)", i + 1, units[i],
                      m->n_units);
    size_t dim = d->dim, cells;
    SOM_RETURN_IF(!som__mul_ok(k + 1, dim, &cells), err, SOM_ENOMEM, "too many clusters");
    /* Row c < k of each table is cluster c; row k is every row together. */
    double *sum = som__calloc(cells, sizeof *sum);
    double *sq = som__calloc(cells, sizeof *sq);
    size_t *cnt = som__calloc(cells, sizeof *cnt);
    if (!sum || !sq || !cnt) {
        som__free(sum);
        som__free(sq);
        som__free(cnt);
        return som__error_oom(err);
    }
    if (n_units) {
        memset(n_units, 0, k * sizeof *n_units);
        for (size_t u = 0; u < m->n_units; u++) n_units[clusters[u]]++;
    }
    if (n_rows) memset(n_rows, 0, k * sizeof *n_rows);
    /* Two passes: the means, then the squared deviations from them, which
     * keeps the spread exact for values far from zero. */
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < d->n; i++) {
            size_t c = clusters[units[i]];
            if (pass == 0 && n_rows) n_rows[c]++;
            const float *x = d->x + i * dim;
            const uint8_t *mk = d->mask ? d->mask + i * dim : NULL;
            for (size_t j = 0; j < dim; j++) {
                if (mk && !mk[j]) continue;
                double v = (double)x[j];
                size_t a = c * dim + j, b = k * dim + j;
                if (pass == 0) {
                    sum[a] += v;
                    sum[b] += v;
                    cnt[a]++;
                    cnt[b]++;
                } else {
                    double da = v - sum[a], db = v - sum[b];
                    sq[a] += da * da;
                    sq[b] += db * db;
                }
            }
        }
        if (pass == 0)
            for (size_t a = 0; a < cells; a++)
                sum[a] = cnt[a] ? sum[a] / (double)cnt[a] : (double)NAN;
    }
    for (size_t c = 0; c < k; c++) {
        for (size_t j = 0; j < dim; j++) {
            size_t a = c * dim + j, b = k * dim + j;
            double s = cnt[a] ? sqrt(sq[a] / (double)cnt[a]) : (double)NAN;
            double sall = cnt[b] ? sqrt(sq[b] / (double)cnt[b]) : (double)NAN;
            if (mean) mean[a] = sum[a];
            if (sd) sd[a] = s;
            if (z) z[a] = (cnt[a] && sall > 0) ? (sum[a] - sum[b]) / sall : (double)NAN;
        }
    }
    som__free(sum);
    som__free(sq);
    som__free(cnt);
    return SOM_OK;
}

/* ---- component planes ------------------------------------------------------- */

/* Mean and population standard deviation of plane j across the units. */
static void plane_stats(const som_map *m, size_t j, double *mean, double *sd)
{
    size_t n = m->n_units, dim = m->dim;
    double s = 0.0;
    for (size_t u = 0; u < n; u++) s += (double)m->codebook[u * dim + j];
    double mu = s / (double)n, q = 0.0;
    for (size_t u = 0; u < n; u++) {
        double dv = (double)m->codebook[u * dim + j] - mu;
        q += dv * dv;
    }
    *mean = mu;
    *sd = sqrt(q / (double)n);
}

void som_map_plane_spread(const som_map *m, double *out)
{
    double mu;
    for (size_t j = 0; j < m->dim; j++) plane_stats(m, j, &mu, &out[j]);
}

int som_map_plane_correlations(const som_map *m, double *out, som_error *err)
{
    SOM_RETURN_IF(!m || !out, err, SOM_EINVAL, "som_map_plane_correlations: NULL argument");
    size_t n = m->n_units, dim = m->dim;
    double *mu = som__calloc(dim, sizeof *mu);
    double *sdv = som__calloc(dim, sizeof *sdv);
    if (!mu || !sdv) {
        som__free(mu);
        som__free(sdv);
        return som__error_oom(err);
    }
    for (size_t j = 0; j < dim; j++) plane_stats(m, j, &mu[j], &sdv[j]);
    for (size_t a = 0; a < dim; a++) {
        for (size_t b = a; b < dim; b++) {
            double r;
            if (!(sdv[a] > 0) || !(sdv[b] > 0)) {
                r = (double)NAN;
            } else if (a == b) {
                r = 1.0;
            } else {
                double s = 0.0;
                for (size_t u = 0; u < n; u++)
                    s += ((double)m->codebook[u * dim + a] - mu[a]) *
                         ((double)m->codebook[u * dim + b] - mu[b]);
                r = s / (double)n / (sdv[a] * sdv[b]);
                /* Rounding can carry |r| a hair past 1. */
                if (r > 1.0) r = 1.0;
                if (r < -1.0) r = -1.0;
            }
            out[a * dim + b] = r;
            out[b * dim + a] = r;
        }
    }
    som__free(mu);
    som__free(sdv);
    return SOM_OK;
}
