/* SPDX-License-Identifier: MIT */
/* scale.c — from values to colours and legends: the colour scales (linear,
 * log, rank), "nice" legend ticks, the qualitative class palette, and the
 * choice of the fields that vary most when a map has too many to draw. */
#include "render/render_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

double som__clampd(double v, double lo, double hi) { return v < lo ? lo : v > hi ? hi : v; }

/* ---- class palette ---------------------------------------------------------- */

static const unsigned char class_palette[16][3] = {
    /* Okabe & Ito (2008), without black */
    {0xE6, 0x9F, 0x00}, {0x56, 0xB4, 0xE9}, {0x00, 0x9E, 0x73}, {0xF0, 0xE4, 0x42},
    {0x00, 0x72, 0xB2}, {0xD5, 0x5E, 0x00}, {0xCC, 0x79, 0xA7},
    /* Paul Tol's muted */
    {0xCC, 0x66, 0x77}, {0x33, 0x22, 0x88}, {0xDD, 0xCC, 0x77}, {0x11, 0x77, 0x33},
    {0x88, 0xCC, 0xEE}, {0x88, 0x22, 0x55}, {0x44, 0xAA, 0x99}, {0x99, 0x99, 0x33},
    {0xAA, 0x44, 0x99},
};

void som_class_color(size_t k, unsigned char rgb[3])
{
    memcpy(rgb, class_palette[k % 16], 3);
}

int som_color_scale_parse(const char *name)
{
    if (!name) return -1;
    if (strcasecmp(name, "linear") == 0) return SOM_COLOR_SCALE_LINEAR;
    if (strcasecmp(name, "log") == 0) return SOM_COLOR_SCALE_LOG;
    if (strcasecmp(name, "rank") == 0) return SOM_COLOR_SCALE_RANK;
    return -1;
}

int som_range_mode_parse(const char *name)
{
    if (!name) return -1;
    if (strcasecmp(name, "codebook") == 0) return SOM_RANGE_CODEBOOK;
    if (strcasecmp(name, "data") == 0) return SOM_RANGE_DATA;
    return -1;
}

/* ---- nice ticks ----------------------------------------------------------------- */

size_t som_nice_ticks(double lo, double hi, double *out, size_t cap)
{
    if (!cap || !isfinite(lo) || !isfinite(hi)) return 0;
    if (hi < lo) {
        double t = lo;
        lo = hi;
        hi = t;
    }
    double span = hi - lo;
    if (!(span > 1e-12 * fmax(fabs(lo), fabs(hi))) || span == 0) {
        out[0] = lo;
        return 1;
    }
    /* Every step m * 10^e (m in 1, 2, 2.5, 5) that puts 3..6 ticks inside
     * [lo, hi]; the one closest to 5 ticks wins, the larger step on ties. */
    static const double mant[4] = {1, 2, 2.5, 5};
    double best_step = 0, best_first = 0;
    long best_n = 0;
    double e0 = floor(log10(span)) - 2;
    for (int de = 0; de <= 3; de++) {
        for (int m = 0; m < 4; m++) {
            double step = mant[m] * pow(10, e0 + de);
            double first = ceil(lo / step - 1e-9) * step;
            long n = (long)floor((hi - first) / step + 1e-9) + 1;
            if (n < 3 || n > 6) continue;
            if (!best_n || labs(n - 5) < labs(best_n - 5) ||
                (labs(n - 5) == labs(best_n - 5) && step > best_step)) {
                best_step = step;
                best_first = first;
                best_n = n;
            }
        }
    }
    if (!best_n) { /* cannot happen for a finite span; be safe */
        out[0] = lo;
        if (cap > 1) out[1] = hi;
        return cap > 1 ? 2 : 1;
    }
    size_t n = 0;
    for (long i = 0; i < best_n && n < cap; i++) {
        double v = best_first + (double)i * best_step;
        if (fabs(v) < best_step * 1e-9) v = 0; /* no -0 or 1e-17 */
        out[n++] = v;
    }
    return n;
}

/* ---- colour scales ------------------------------------------------------------ */

static double log_f(const som__panel *p, double v)
{
    if (p->log_c > 0) return asinh(v / p->log_c);
    return log10(fmax(v, p->lo));
}

/* Fractional rank of v among the sorted values: ties share their mean
 * position, values in between interpolate, outside clamp. */
static double rank_t(const som__panel *p, double v)
{
    size_t n = p->n_sorted;
    if (n < 2) return 0.5;
    const double *s = p->sorted;
    if (v <= s[0]) return 0;
    if (v >= s[n - 1]) return 1;
    size_t a = 0, b = n; /* first index with s[i] >= v */
    while (a < b) {
        size_t m = (a + b) / 2;
        if (s[m] < v) a = m + 1;
        else b = m;
    }
    size_t first = a, last = a;
    while (last + 1 < n && s[last + 1] == v) last++;
    if (s[first] == v) return ((double)first + (double)last) / 2 / (double)(n - 1);
    /* between s[first - 1] and s[first] */
    double f = (v - s[first - 1]) / (s[first] - s[first - 1]);
    return ((double)(first - 1) + f) / (double)(n - 1);
}

double som__value_t(const som__panel *p, double v)
{
    if (!(p->hi > p->lo)) return 0.5;
    double t;
    if (p->scale == SOM_COLOR_SCALE_RANK && p->n_sorted) {
        t = rank_t(p, v);
    } else if (p->scale == SOM_COLOR_SCALE_LOG) {
        double a = log_f(p, p->lo), b = log_f(p, p->hi);
        t = b > a ? (log_f(p, som__clampd(v, p->lo, p->hi)) - a) / (b - a) : 0.5;
    } else {
        t = (v - p->lo) / (p->hi - p->lo);
    }
    return som__clampd(t, 0, 1);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int som__panel_scale(som__panel *p, som_color_scale scale, som_error *err)
{
    p->scale = scale;
    if (scale == SOM_COLOR_SCALE_LOG) {
        /* plain log10 above zero; a symmetric log (linear near 0) otherwise */
        p->log_c = p->lo > 0 ? 0 : fmax(fmax(fabs(p->lo), fabs(p->hi)) / 1000, 1e-300);
    } else if (scale == SOM_COLOR_SCALE_RANK) {
        size_t n = p->cells->n, k = 0;
        p->sorted = malloc((n ? n : 1) * sizeof *p->sorted);
        if (!p->sorted) return som_error_set(err, SOM_ENOMEM, "out of memory");
        for (size_t i = 0; i < n; i++)
            if (!isnan(p->values[i])) p->sorted[k++] = som__clampd(p->values[i], p->lo, p->hi);
        qsort(p->sorted, k, sizeof *p->sorted, cmp_double);
        p->n_sorted = k;
    }
    return SOM_OK;
}

/* Rounds v to two significant digits (rank legends label quantiles). */
static double round2(double v)
{
    if (v == 0 || !isfinite(v)) return v;
    double e = pow(10, floor(log10(fabs(v))) - 1);
    return round(v / e) * e;
}

size_t som__panel_ticks(const som__panel *p, double *out, size_t cap)
{
    if (p->scale == SOM_COLOR_SCALE_RANK && p->n_sorted >= 2 && cap >= 5) {
        /* the quartiles of the units' values, rounded; ends stay exact */
        size_t n = 0, m = p->n_sorted;
        for (int q = 0; q <= 4; q++) {
            double v = p->sorted[(size_t)lround((double)(m - 1) * q / 4.0)];
            if (q > 0 && q < 4) v = som__clampd(round2(v), p->lo, p->hi);
            if (n && v <= out[n - 1]) continue;
            out[n++] = v;
        }
        return n;
    }
    if (p->scale == SOM_COLOR_SCALE_LOG && p->hi > p->lo) {
        /* powers of ten inside the range (both signs, and 0, for the
         * symmetric log), thinned to at most 6 */
        double cand[80];
        size_t n = 0;
        double top = fmax(fabs(p->lo), fabs(p->hi));
        if (top > 0) {
            int emax = (int)floor(log10(top));
            int emin = p->log_c > 0 ? (int)ceil(log10(p->log_c * 10)) : (int)ceil(log10(p->lo));
            if (emin > emax) emin = emax;
            for (int e = emax; e >= emin && n < 38; e--)
                if (-pow(10, e) >= p->lo) cand[n++] = -pow(10, e);
            if (p->log_c > 0 && p->lo <= 0 && p->hi >= 0) cand[n++] = 0;
            for (int e = emin; e <= emax && n < 78; e++)
                if (pow(10, e) >= p->lo && pow(10, e) <= p->hi) cand[n++] = pow(10, e);
        }
        if (n >= 3) {
            size_t stride = (n + 5) / 6, k = 0;
            for (size_t i = 0; i < n && k < cap; i += stride) out[k++] = cand[i];
            return k;
        }
    }
    size_t n = som_nice_ticks(p->lo, p->hi, out, cap);
    if (p->hits) { /* counts: whole numbers only */
        size_t k = 0;
        for (size_t i = 0; i < n; i++)
            if (out[i] == floor(out[i])) out[k++] = out[i];
        if (k < 2 && cap >= 2) {
            out[0] = p->lo;
            out[1] = p->hi;
            k = p->hi > p->lo ? 2 : 1;
        }
        n = k;
    }
    return n;
}

/* ---- the fields that vary most ---------------------------------------------- */

typedef struct spread {
    double var;
    size_t field;
} spread;

static int cmp_spread(const void *a, const void *b)
{
    const spread *x = a, *y = b;
    if (x->var != y->var) return x->var < y->var ? 1 : -1; /* largest first */
    return (x->field > y->field) - (x->field < y->field);
}

static int cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return (x > y) - (x < y);
}

/* Variance of each codebook column in the scaled space (where fields are
 * comparable), one pass over the codebook in row order, so 20,000 fields
 * cost one read of it and 2 doubles per field. */
int som__fields_by_variation(const som_map *map, size_t keep, size_t *out, som_error *err)
{
    size_t dim = som_map_dim(map), units = som_map_n_units(map);
    const float *cb = som_map_codebook(map);
    double *sum = calloc(dim, sizeof *sum), *sq = calloc(dim, sizeof *sq);
    spread *sp = malloc(dim * sizeof *sp);
    if (!sum || !sq || !sp) {
        free(sum), free(sq), free(sp);
        return som_error_set(err, SOM_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < units; i++) {
        const float *row = cb + i * dim;
        for (size_t f = 0; f < dim; f++) {
            double v = (double)row[f];
            if (isnan(v)) continue;
            sum[f] += v;
            sq[f] += v * v;
        }
    }
    for (size_t f = 0; f < dim; f++) {
        double m = sum[f] / (double)units, v = sq[f] / (double)units - m * m;
        sp[f].var = isfinite(v) ? v : 0;
        sp[f].field = f;
    }
    qsort(sp, dim, sizeof *sp, cmp_spread);
    if (keep > dim) keep = dim;
    for (size_t k = 0; k < keep; k++) out[k] = sp[k].field;
    qsort(out, keep, sizeof *out, cmp_size);
    free(sum), free(sq), free(sp);
    return SOM_OK;
}
