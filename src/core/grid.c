/* SPDX-License-Identifier: MIT */
/* grid.c — unit coordinates and grid distances for rect and hex grids, flat
 * or toroidal. Distances depend only on the row/column offset between two
 * units and the parity of the first one's row, which is what makes the
 * offset table (som_dist_table) possible. */
#include "core/core.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_UNITS ((size_t)1 << 31)

int som_grid_check(const som_grid *g, som_error *err)
{
    if (!g) return som__error(err, SOM_EINVAL, "no grid given");
    if (g->rows == 0 || g->cols == 0)
        return som__error(err, SOM_EINVAL, "grid %zux%zu has no units; rows and columns must be at least 1",
                          g->rows, g->cols);
    if (g->topology != SOM_RECT && g->topology != SOM_HEX)
        return som__error(err, SOM_EINVAL, "unknown grid topology %d", (int)g->topology);
    if (g->rows > MAX_UNITS || g->cols > MAX_UNITS / g->rows)
        return som__error(err, SOM_EINVAL, "grid %zux%zu is too large (at most 2^31 units)",
                          g->rows, g->cols);
    if (g->topology == SOM_HEX && g->toroid && (g->rows & 1))
        return som__error(err, SOM_EINVAL,
                          "a hexagonal toroid needs an even number of rows (got %zu): "
                          "odd rows are shifted, so an odd count cannot wrap", g->rows);
    return SOM_OK;
}

size_t som_grid_n_units(const som_grid *g) { return g->rows * g->cols; }

void som_grid_coords(const som_grid *g, size_t unit, double *x, double *y)
{
    size_t r = unit / g->cols, c = unit % g->cols;
    if (g->topology == SOM_HEX) {
        *x = (double)c + ((r & 1) ? 0.5 : 0.0);
        *y = (double)r * (sqrt(3.0) / 2.0);
    } else {
        *x = (double)c;
        *y = (double)r;
    }
}

/* Squared distance for a row offset dr and column offset dc, from a unit in
 * a row of parity `par`. Exact: hex x offsets are multiples of 1/2 and the
 * vertical part is 3/4 dr^2. */
static double offset_dist2(const som_grid *g, unsigned par, long dr, long dc)
{
    long R = (long)g->rows, C = (long)g->cols;
    if (g->topology == SOM_RECT) {
        long ar = labs(dr), ac = labs(dc);
        if (g->toroid) {
            if (R - ar < ar) ar = R - ar;
            if (C - ac < ac) ac = C - ac;
        }
        return (double)(ar * ar + ac * ac);
    }
    /* hex: in half units, x2 = 2*dc + (to parity - from parity). */
    unsigned to_par = (unsigned)((long)par + dr) & 1u;
    long hx = 2 * dc + (long)to_par - (long)par;
    double best = INFINITY;
    int wrap = g->toroid ? 1 : 0;
    for (int kr = -wrap; kr <= wrap; kr++) {
        for (int kc = -wrap; kc <= wrap; kc++) {
            long r2 = dr + kr * R;
            long x2 = hx + kc * 2 * C;
            double d2 = (double)(x2 * x2) * 0.25 + (double)(r2 * r2) * 0.75;
            if (d2 < best) best = d2;
        }
    }
    return best;
}

double som__grid_dist2(const som_grid *g, size_t a, size_t b)
{
    size_t ra = a / g->cols, ca = a % g->cols;
    size_t rb = b / g->cols, cb = b % g->cols;
    return offset_dist2(g, (unsigned)(ra & 1), (long)rb - (long)ra, (long)cb - (long)ca);
}

double som_grid_distance(const som_grid *g, size_t a, size_t b)
{
    return sqrt(som__grid_dist2(g, a, b));
}

static int cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return (x > y) - (x < y);
}

size_t som_grid_neighbors(const som_grid *g, size_t unit, size_t out[6])
{
    long R = (long)g->rows, C = (long)g->cols;
    long r = (long)(unit / g->cols), c = (long)(unit % g->cols);
    size_t n = 0;
    for (long dr = -1; dr <= 1; dr++) {
        for (long dc = -1; dc <= 1; dc++) {
            long r2 = r + dr, c2 = c + dc;
            if (g->toroid) {
                r2 = (r2 + R) % R;
                c2 = (c2 + C) % C;
            } else if (r2 < 0 || r2 >= R || c2 < 0 || c2 >= C) {
                continue;
            }
            size_t u = (size_t)(r2 * C + c2);
            if (u == unit || som__grid_dist2(g, unit, u) > 1.0) continue;
            bool seen = false;
            for (size_t k = 0; k < n; k++) seen |= out[k] == u;
            if (!seen && n < 6) out[n++] = u;
        }
    }
    qsort(out, n, sizeof *out, cmp_size);
    return n;
}

int som_grid_parse(const char *text, som_grid *g, som_error *err)
{
    if (!text) return som__error(err, SOM_EINVAL, "no grid size given");
    const char *p = text;
    char *end;
    if (*p < '0' || *p > '9') goto bad;
    unsigned long long rows = strtoull(p, &end, 10);
    if (*end != 'x' && *end != 'X') goto bad;
    p = end + 1;
    if (*p < '0' || *p > '9') goto bad;
    unsigned long long cols = strtoull(p, &end, 10);
    if (*end != '\0') goto bad;
    g->rows = (size_t)rows;
    g->cols = (size_t)cols;
    return som_grid_check(g, err);
bad:
    return som__error(err, SOM_EINVAL, "bad grid size '%s': expected ROWSxCOLS, e.g. 10x12", text);
}

int som__dist_table_init(som_dist_table *t, const som_grid *g, som_error *err)
{
    memset(t, 0, sizeof *t);
    t->rows = g->rows;
    t->cols = g->cols;
    t->span_r = 2 * g->rows - 1;
    t->span_c = 2 * g->cols - 1;
    t->rect = g->topology == SOM_RECT;
    size_t cells;
    if (!som__mul_ok(t->span_r, t->span_c, &cells) || !som__mul_ok(cells, 2, &cells))
        return som__error_oom(err);
    t->d2 = som__calloc(cells, sizeof *t->d2);
    if (!t->d2) return som__error_oom(err);
    for (unsigned par = 0; par < 2; par++)
        for (size_t i = 0; i < t->span_r; i++)
            for (size_t j = 0; j < t->span_c; j++)
                t->d2[(par * t->span_r + i) * t->span_c + j] =
                    offset_dist2(g, par, (long)i - (long)(g->rows - 1),
                                 (long)j - (long)(g->cols - 1));
    return SOM_OK;
}

void som__dist_table_free(som_dist_table *t)
{
    som__free(t->d2);
    t->d2 = NULL;
}
