/* SPDX-License-Identifier: MIT */
/* render_internal.h — what render.c, cells.c and chart.c share. Never
 * installed. The picture layer builds only on the public som.h. */
#ifndef SOM_RENDER_INTERNAL_H
#define SOM_RENDER_INTERNAL_H

#include "som_render.h"
#include "surface.h"

/* A set of cells to colour: the map's units, or the SOM_PAK-style U-matrix
 * lattice with a cell between every pair of neighbours. Positions are in
 * grid units (a unit cell is 1 wide); the page transform scales them. */
typedef struct som__cells {
    size_t n;
    double *x, *y;          /* centres, grid units */
    double *v;              /* value per cell, NaN = no cell there; NULL for
                               the unit set (values come per panel) */
    double size;            /* cell width: 1 for units, 0.5 for the lattice */
    int hex;                /* pointy-top hexagons, else squares */
    double x0, y0, x1, y1;  /* extent of all cells' outlines */
} som__cells;

/* The map's units. hex: draw hexagons (a hex grid only); squares on a hex
 * grid keep the odd-row shift with rows 1 apart. */
int som__cells_units(som__cells *c, const som_map *map, int hex,
                     som_error *err);
/* The U-matrix lattice: (2 rows - 1) x (2 cols - 1) cells on a rectangular
 * sheet; hex grids need 2 cols (odd rows reach half a unit further right);
 * a toroid adds the wrap-around row and column. Unit cells hold `umat`,
 * the others the distance between the two neighbours they separate
 * (rectangular corner cells: the mean of the edge cells around them). */
int som__cells_umatrix_full(som__cells *c, const som_map *map, int hex,
                            const double *umat, som_error *err);
void som__cells_free(som__cells *c);

/* Adds the outline of one cell centred at page (cx, cy); s = pixels per
 * grid unit. */
void som__cell_path(cairo_t *cr, double cx, double cy, double s, double size,
                    int hex);

/* Text with its horizontal anchor at x (0 left, 0.5 centre, 1 right) and
 * its vertical centre at y, DejaVu Sans at `size`, shrunk to fit max_w
 * when max_w > 0. Uses the current source colour. */
void som__text(cairo_t *cr, const char *text, double x, double y,
               double anchor, double max_w, double size, int bold);

/* %.4g without "-0". */
void som__format_value(char *buf, size_t len, double v);

/* The training-error chart (QE and TE per pass) inside the given box. */
int som__draw_error_chart(cairo_t *cr, const som_map *map,
                          const som_render_opts *o, double x, double y,
                          double w, double h, som_error *err);

#endif /* SOM_RENDER_INTERNAL_H */
