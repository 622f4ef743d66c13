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

/* ---- the job: what render.c builds and lays out, draw.c paints -------- */

typedef enum som__panel_kind {
    PANEL_VALUES,   /* cells coloured by values, gradient legend */
    PANEL_MARKERS,  /* light cells with markers sized by values */
    PANEL_LABELS,   /* labels: class colours (majority) or U-matrix + text */
    PANEL_ERROR,    /* the training-error chart */
    PANEL_CLUSTERS, /* cells in their cluster's colour, cluster boundaries */
    PANEL_CODES     /* each unit's profile of field values */
} som__panel_kind;

typedef struct som__panel {
    som__panel_kind kind;
    char title[160];
    const som__cells *cells; /* the units or the U-matrix lattice */
    double *values;          /* one per cell; owned unless values_borrowed */
    int values_borrowed;
    double lo, hi;           /* colour range (values outside clamp) */
    double data_lo, data_hi; /* planes: the data's range, for the note when
                                it is wider than lo..hi */
    som_color_scale scale;
    double log_c;            /* symmetric-log constant; 0 = plain log10 */
    double *sorted;          /* rank scale: the cells' values, sorted */
    size_t n_sorted;
    int hits;                /* hits panel: 0 = empty unit, counts in cells */
    int ticks;               /* gradient legend with nice ticks */
    char legend_note[64];    /* MARKERS: text instead of a gradient */
    /* layout, in pixels */
    double px, py, pw, ph;   /* the panel's box */
    double s, ox, oy;        /* page = o + (grid - cells->x0/y0) * s */
    double fs;               /* font size of titles and legends */
    double cell_fs;          /* font size of text in cells; 0 = none */
    double lx, ly, lw, lh;   /* legend strip */
    double swatch_y;         /* first row of a swatch legend */
} som__panel;

typedef struct som__job {
    const som_map *map;
    som_render_opts o;
    int hex;                 /* hexagonal cells */
    som__cells units, lattice;
    double *umat;
    som_data *aligned;       /* data matched to the map's fields */
    size_t *bmu, *hits, max_hits;
    const char **majority;   /* per unit, borrowed from aligned */
    /* classes (the data's distinct labels, sorted) */
    const char **classes;    /* borrowed from aligned */
    size_t n_classes;
    long *unit_class;        /* per unit: majority class, -1 = no rows */
    double *purity;          /* per unit: share of the majority class */
    /* the fields drawn (planes, codes) */
    size_t *fields;
    size_t n_fields;
    char page_title[160];    /* "" = none */
    som__panel *panels;
    size_t n_panels, cap_panels;
    int width, height;
    size_t per_row;
    double swatch_rows;      /* rows of class/field swatches under a panel */
} som__job;

double som__clampd(double v, double lo, double hi);
/* Position in 0..1 of v in the panel's colour scale (0.5 for an empty
 * range; clamped). */
double som__value_t(const som__panel *p, double v);
/* Page position of cell i of panel p. */
void som__cell_center(const som__panel *p, size_t i, double *x, double *y);
void som__set_rgb(cairo_t *cr, const unsigned char rgb[3]);

/* scale.c: the fields that vary most, sorted by index; the colour scale
 * set-up of a panel (log constant, sorted values). */
int som__fields_by_variation(const som_map *map, size_t keep, size_t *out,
                             som_error *err);
int som__panel_scale(som__panel *p, som_color_scale scale, som_error *err);
/* Tick values for a panel's legend in its scale; returns how many. */
size_t som__panel_ticks(const som__panel *p, double *out, size_t cap);

/* draw.c */
int som__job_draw(cairo_t *cr, const som__job *j, som_error *err);
/* Height in pixels of a swatch legend (classes or fields) of n names at
 * font size fs in width w, with its note line; fields: the drawn fields' titles,
 * else the classes. */
double som__swatch_height(const som__job *j, int fields, double fs, double w);

/* The widest label a labels panel would write, at font size fs. */
double som__widest_label(const som__job *j, double fs);

/* codes.c */
void som__draw_codes(cairo_t *cr, const som__job *j, const som__panel *p);

#endif /* SOM_RENDER_INTERNAL_H */
