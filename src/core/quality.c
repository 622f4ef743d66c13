/* SPDX-License-Identifier: MIT */
/* quality.c — quantization and topographic error, hits, U-matrix and the
 * majority label of each unit. */
#include "core/core.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void som__quality_sums(const som_grid *g, const double *dist2, const size_t *units,
                       const size_t *second, size_t n, double *sum, size_t *breaks)
{
    size_t n_units = g->rows * g->cols;
    for (size_t i = 0; i < n; i++) {
        *sum += sqrt(dist2[i]);
        /* With one unit there is no second best, and nothing to break. */
        if (second && second[i] < n_units && som__grid_dist2(g, units[i], second[i]) > 1.0)
            (*breaks)++;
    }
}

void som__quality_from_bmus(const som_grid *g, const double *dist2, const size_t *units,
                            const size_t *second, size_t n, double *qe, double *te)
{
    if (n == 0) {
        *qe = *te = NAN;
        return;
    }
    double sum = 0.0;
    size_t breaks = 0;
    som__quality_sums(g, dist2, units, second, n, &sum, &breaks);
    *qe = sum / (double)n;
    *te = second ? (double)breaks / (double)n : (double)NAN;
}

int som_map_quality(const som_map *m, const som_data *d, som_quality *q, size_t *hits,
                    int threads, som_error *err)
{
    memset(q, 0, sizeof *q);
    size_t n = som_data_n_samples(d);
    q->n_samples = n;
    q->n_units = m->n_units;
    if (hits) memset(hits, 0, m->n_units * sizeof *hits);
    if (n == 0) {
        q->qe = q->te = NAN;
        return SOM_OK;
    }
    /* A block of rows at a time: memory for per-row results stays bounded
     * whatever the data's size, and the sums run in row order as over all
     * rows at once. */
    size_t block = n < SOM__STREAM_ROWS ? n : SOM__STREAM_ROWS;
    size_t *units = som__calloc(block, sizeof *units);
    size_t *second = som__calloc(block, sizeof *second);
    double *dist2 = som__calloc(block, sizeof *dist2);
    size_t *count = som__calloc(m->n_units, sizeof *count);
    int rc = SOM_OK;
    if (!units || !second || !dist2 || !count) rc = som__error_oom(err);
    if (rc == SOM_OK) rc = som__check_rows_present(d, err);
    double sum = 0.0;
    size_t breaks = 0;
    for (size_t r0 = 0; rc == SOM_OK && r0 < n; r0 += block) {
        size_t k = n - r0 < block ? n - r0 : block;
        rc = som__map_bmus_range(m, d, r0, k, units, dist2, second, threads, err);
        if (rc != SOM_OK) break;
        som__quality_sums(&m->grid, dist2, units, second, k, &sum, &breaks);
        for (size_t i = 0; i < k; i++) count[units[i]]++;
    }
    if (rc == SOM_OK) {
        q->qe = sum / (double)n;
        q->te = (double)breaks / (double)n;
        for (size_t u = 0; u < m->n_units; u++) {
            if (count[u]) q->units_hit++;
            if (count[u] > q->max_hits) q->max_hits = count[u];
        }
        if (hits) memcpy(hits, count, m->n_units * sizeof *hits);
    }
    som__free(units);
    som__free(second);
    som__free(dist2);
    som__free(count);
    return rc;
}

/* The map's other distances between two units, in double, on the
 * coordinates multiplied by sqrt(w_j) when it has feature weights (som.h,
 * "the distance"): manhattan sum_j s_j |a_j - b_j|, chebyshev the largest
 * s_j |a_j - b_j|, cosine 1 - cos of the weighted vectors (1 when either
 * is 0). */
static double other_distance(const som_map *m, const float *wa, const float *wb)
{
    const double *fw = m->fweight;
    double s = 0.0, dot = 0.0, aa = 0.0, bb = 0.0;
    for (size_t j = 0; j < m->dim; j++) {
        double sj = fw ? sqrt(fw[j]) : 1.0;
        double x = sj * (double)wa[j], y = sj * (double)wb[j], d = fabs(x - y);
        switch (m->distance) {
        case SOM_DISTANCE_MANHATTAN: s += d; break;
        case SOM_DISTANCE_CHEBYSHEV: s = d > s ? d : s; break;
        default:
            dot += x * y;
            aa += x * x;
            bb += y * y;
            break;
        }
    }
    if (m->distance == SOM_DISTANCE_COSINE) {
        s = aa > 0.0 && bb > 0.0 ? 1.0 - dot / sqrt(aa * bb) : 1.0;
        if (!(s > 0.0)) s = 0.0;
    }
    return s;
}

/* sqrt(sum_j w_j (a_j - b_j)^2) with exact weights in double (not the
 * float square roots of the winner search); without weights the plain
 * Euclidean loop it always was, so the unweighted U-matrix keeps its bits. */
double som_map_unit_distance(const som_map *m, size_t a, size_t b)
{
    if (!m || a >= m->n_units || b >= m->n_units) return NAN;
    const float *wa = m->codebook + a * m->dim, *wb = m->codebook + b * m->dim;
    const double *fw = m->fweight;
    if (m->distance != SOM_DISTANCE_EUCLIDEAN) return other_distance(m, wa, wb);
    double s = 0.0;
    if (!fw) {
        for (size_t j = 0; j < m->dim; j++) {
            double dd = (double)wa[j] - (double)wb[j];
            s += dd * dd;
        }
    } else {
        for (size_t j = 0; j < m->dim; j++) {
            double dd = (double)wa[j] - (double)wb[j];
            s += fw[j] * dd * dd;
        }
    }
    return sqrt(s);
}

void som_map_umatrix(const som_map *m, double *out)
{
    for (size_t u = 0; u < m->n_units; u++) {
        size_t nb[6];
        size_t k = som_grid_neighbors(&m->grid, u, nb);
        double sum = 0.0;
        for (size_t t = 0; t < k; t++) sum += som_map_unit_distance(m, u, nb[t]);
        out[u] = k ? sum / (double)k : 0.0;
    }
}

/* Sort key for the majority vote: by unit, then by label text. */
typedef struct {
    size_t unit;
    const char *label;
} unit_label;

static int cmp_unit_label(const void *a, const void *b)
{
    const unit_label *x = a, *y = b;
    if (x->unit != y->unit) return x->unit < y->unit ? -1 : 1;
    return strcmp(x->label, y->label);
}

int som_map_unit_labels(const som_map *m, const som_data *d, const size_t *units,
                        const char **out, som_error *err)
{
    size_t n = som_data_n_samples(d);
    if (!som_data_label(d, 0) && n > 0)
        return som__error(err, SOM_EINVAL, "the data has no label column");
    for (size_t u = 0; u < m->n_units; u++) out[u] = NULL;
    unit_label *v = som__calloc(n ? n : 1, sizeof *v);
    if (!v) return som__error_oom(err);
    for (size_t i = 0; i < n; i++) {
        v[i].unit = units[i];
        v[i].label = som_data_label(d, i);
        if (!v[i].label) v[i].label = "";
    }
    qsort(v, n, sizeof *v, cmp_unit_label);
    /* Runs of equal (unit, label); the longest run of a unit wins, and the
     * first in sort order wins a tie because only a longer run replaces it. */
    size_t best_run = 0;
    for (size_t i = 0; i < n;) {
        size_t k = i;
        while (k < n && v[k].unit == v[i].unit && strcmp(v[k].label, v[i].label) == 0) k++;
        size_t run = k - i;
        if (i == 0 || v[i].unit != v[i - 1].unit) best_run = 0;
        if (run > best_run && v[i].unit < m->n_units) {
            best_run = run;
            out[v[i].unit] = v[i].label;
        }
        i = k;
    }
    som__free(v);
    return SOM_OK;
}
