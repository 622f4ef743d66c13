/* SPDX-License-Identifier: MIT */
/* cells.c — where cells go: the units at som_grid_coords, and the U-matrix
 * lattice with interstitial cells.
 *
 * Hexagons are pointy-top with width 1 (flat side to flat side) and
 * circumradius 1/sqrt(3): at the grid's spacing (1 along a row, sqrt(3)/2
 * between rows, odd rows shifted by 1/2) they tile the plane exactly.
 *
 * The lattice. Put every unit at doubled coordinates X = 2c + shift, Y = 2r
 * (shift = 1 on odd rows of a hex grid). The midpoint between two grid
 * neighbours then lands on X or X + 1/2 with integer Y, which is again a
 * hexagonal (or square) lattice of half the spacing: its even rows hold
 * units and the cells between row neighbours, its odd rows the cells
 * between a unit and its neighbours in the next row. On a hex grid every
 * lattice cell is a unit or separates exactly two units; on a rectangular
 * grid the cells at odd (row, column) are corners between four units. */
#include "render/render_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const double SQRT3 = 1.7320508075688772;

static void extent(som__cells *c)
{
    double hx = c->size / 2, hy = c->hex ? c->size / SQRT3 : c->size / 2;
    c->x0 = c->y0 = (double)INFINITY;
    c->x1 = c->y1 = -(double)INFINITY;
    for (size_t i = 0; i < c->n; i++) {
        if (c->x[i] - hx < c->x0) c->x0 = c->x[i] - hx;
        if (c->x[i] + hx > c->x1) c->x1 = c->x[i] + hx;
        if (c->y[i] - hy < c->y0) c->y0 = c->y[i] - hy;
        if (c->y[i] + hy > c->y1) c->y1 = c->y[i] + hy;
    }
}

static int alloc_cells(som__cells *c, size_t n, int with_values, som_error *err)
{
    memset(c, 0, sizeof *c);
    c->n = n;
    c->x = calloc(n, sizeof *c->x);
    c->y = calloc(n, sizeof *c->y);
    c->v = with_values ? calloc(n, sizeof *c->v) : NULL;
    if (!c->x || !c->y || (with_values && !c->v)) {
        som__cells_free(c);
        return som_error_set(err, SOM_ENOMEM, "out of memory");
    }
    return SOM_OK;
}

void som__cells_free(som__cells *c)
{
    if (!c) return;
    free(c->x);
    free(c->y);
    free(c->v);
    memset(c, 0, sizeof *c);
}

int som__cells_units(som__cells *c, const som_map *map, int hex, som_error *err)
{
    const som_grid *g = som_map_grid(map);
    size_t n = som_map_n_units(map);
    int rc = alloc_cells(c, n, 0, err);
    if (rc != SOM_OK) return rc;
    c->size = 1.0;
    c->hex = hex;
    for (size_t i = 0; i < n; i++) {
        som_grid_coords(g, i, &c->x[i], &c->y[i]);
        /* Squares on a hex grid: keep the shift, but rows 1 apart so the
         * squares meet (a brick wall, the MQL5 rectangular mode). */
        if (!hex && g->topology == SOM_HEX) c->y[i] = (double)(i / g->cols);
    }
    extent(c);
    return SOM_OK;
}

/* floor(a / 2) for any sign, and a mod m into [0, m). */
static long floor_half(long a) { return a >= 0 ? a / 2 : -((-a + 1) / 2); }
static long wrap(long a, long m) { return ((a % m) + m) % m; }

int som__cells_umatrix_full(som__cells *c, const som_map *map, int hex,
                            const double *umat, som_error *err)
{
    const som_grid *g = som_map_grid(map);
    long R = (long)g->rows, C = (long)g->cols;
    int shift = g->topology == SOM_HEX;
    int torus = g->toroid != 0;
    long ur = torus ? 2 * R : 2 * R - 1;
    long uc = (torus || (shift && R > 1)) ? 2 * C : 2 * C - 1;
    int rc = alloc_cells(c, (size_t)(ur * uc), 1, err);
    if (rc != SOM_OK) return rc;
    c->size = 0.5;
    c->hex = hex;
    double row_step = hex ? SQRT3 / 2 : 1.0;
    for (long r = 0; r < ur; r++)
        for (long k = 0; k < uc; k++) {
            size_t i = (size_t)(r * uc + k);
            c->x[i] = (double)k / 2.0 + (shift && (r & 1) ? 0.25 : 0.0);
            c->y[i] = (double)r / 2.0 * row_step;
            c->v[i] = (double)NAN;
        }

    /* The cells between units are distances in the map's metric, as
     * som_map_umatrix's are: the map's distance (som_map_distance), weighted
     * by the feature weights when the map has them. */
    size_t n = som_map_n_units(map);
    for (size_t i = 0; i < n; i++) {
        long ri = (long)(i / g->cols), ci = (long)(i % g->cols);
        long xi = 2 * ci + (shift && (ri & 1)), yi = 2 * ri;
        c->v[yi * uc + xi] = umat[i];
        size_t nb[6];
        size_t k = som_grid_neighbors(g, i, nb);
        for (size_t m = 0; m < k; m++) {
            size_t j = nb[m];
            long rj = (long)(j / g->cols), cj = (long)(j % g->cols);
            long dx = 2 * cj + (shift && (rj & 1)) - xi, dy = 2 * rj - yi;
            if (torus) { /* the short way round, as the grid measures it */
                while (dx > C) dx -= 2 * C;
                while (dx <= -C) dx += 2 * C;
                while (dy > R) dy -= 2 * R;
                while (dy <= -R) dy += 2 * R;
            }
            long my = yi + dy / 2;
            long mx = floor_half(2 * xi + dx);
            if (torus) {
                my = wrap(my, ur);
                mx = wrap(mx, uc);
            }
            if (my < 0 || my >= ur || mx < 0 || mx >= uc) continue;
            c->v[my * uc + mx] = som_map_unit_distance(map, i, j);
        }
    }
    if (!shift) { /* corner cells between four units */
        for (long r = 1; r < ur; r += 2)
            for (long k = 1; k < uc; k += 2) {
                const long nr[4] = {r - 1, r + 1, r, r}, nk[4] = {k, k, k - 1, k + 1};
                double s = 0;
                int cnt = 0;
                for (int q = 0; q < 4; q++) {
                    long a = nr[q], b = nk[q];
                    if (torus) {
                        a = wrap(a, ur);
                        b = wrap(b, uc);
                    }
                    if (a < 0 || a >= ur || b < 0 || b >= uc) continue;
                    double v = c->v[a * uc + b];
                    if (!isnan(v)) {
                        s += v;
                        cnt++;
                    }
                }
                if (cnt) c->v[r * uc + k] = s / cnt;
            }
    }
    extent(c);
    return SOM_OK;
}

void som__cell_path(cairo_t *cr, double cx, double cy, double s, double size,
                    int hex)
{
    double hw = s * size / 2;
    if (!hex) {
        cairo_rectangle(cr, cx - hw, cy - hw, 2 * hw, 2 * hw);
        return;
    }
    double rad = s * size / SQRT3; /* circumradius */
    cairo_move_to(cr, cx, cy - rad);
    cairo_line_to(cr, cx + hw, cy - rad / 2);
    cairo_line_to(cr, cx + hw, cy + rad / 2);
    cairo_line_to(cr, cx, cy + rad);
    cairo_line_to(cr, cx - hw, cy + rad / 2);
    cairo_line_to(cr, cx - hw, cy - rad / 2);
    cairo_close_path(cr);
}
