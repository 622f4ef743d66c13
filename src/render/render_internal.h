/* SPDX-License-Identifier: MIT */
/* render_internal.h — the internal header of the render layer
 * (src/render/): what the picture files share. Never installed. The picture
 * layer builds only on the public som.h (and som_render.h, its own API);
 * Art, above it, sees none of this (it draws through som_canvas). */
#ifndef SOM_RENDER_INTERNAL_H
#define SOM_RENDER_INTERNAL_H

#include "som_render.h"

#include <cairo.h>
#include <stddef.h>

/* ---- surfaces (surface.c): a Cairo surface chosen by the output file's
 * extension and written atomically through som_outfile (or into memory),
 * a font helper.
 *
 * Typical use:
 *
 *     som__surface s;
 *     if (som__surface_open(&s, "out.png", 400, 300, err) != SOM_OK) return ...;
 *     cairo_t *cr = cairo_create(s.surface);
 *     ... draw ...
 *     return som__surface_finish(&s, cr, err);   // writes, commits, frees
 *
 * On any failure between open and finish call som__surface_abort(&s, cr):
 * the temporary file is removed and nothing appears at the path.
 *
 * Cairo keeps a pointer to the som__surface for its writes: do not copy or
 * move the struct between open and finish/abort. */

typedef enum som__surface_format {
    SOM__SURFACE_PNG = 0, /* ARGB32 image surface, one pixel per unit of size */
    SOM__SURFACE_SVG = 1, /* vector; sizes in CSS pixels */
    SOM__SURFACE_PDF = 2  /* vector; sizes in points */
} som__surface_format;

typedef struct som__surface {
    cairo_surface_t *surface; /* draw on this (cairo_create) */
    som__surface_format format;
    int width, height;        /* as opened */
    /* where the bytes go: an atomic output file, or memory when out is NULL */
    som_outfile *out;
    unsigned char *mem;       /* malloc'ed; handed over by finish_mem */
    size_t mem_len, mem_cap;
    int write_failed;         /* a stream write failed (disk full, ...) */
    char path[256];           /* for messages; "" for memory */
} som__surface;

/* The format named by the file's extension (.png, .svg, .pdf, any case).
 * SOM_EINVAL with a message naming the path otherwise. */
int som__surface_format_from_path(const char *path, som__surface_format *fmt,
                                  som_error *err);
/* Parses "png" / "svg" / "pdf"; -1 when unknown. */
int som__surface_format_parse(const char *name);

/* Opens a surface of width x height (1..32767) for `path`, format from its
 * extension. The output file is opened (as a temporary beside `path`) before
 * anything is drawn, so an unwritable path fails here. Errors: SOM_EINVAL
 * (size, extension), SOM_EIO, SOM_ENOMEM. On failure *s holds nothing to
 * free. */
int som__surface_open(som__surface *s, const char *path, int width, int height,
                      som_error *err);
/* The same with the format given; path may be NULL to collect the bytes in
 * memory (then finish with som__surface_finish_mem). */
int som__surface_open_format(som__surface *s, som__surface_format fmt,
                             const char *path, int width, int height,
                             som_error *err);

/* Finishes drawing: checks cr's status (cr may be NULL; it is destroyed),
 * writes the PNG or finishes the SVG/PDF stream, and commits the file. On
 * any Cairo or write error the temporary is removed and the old file, if
 * any, survives. *s is released either way. */
int som__surface_finish(som__surface *s, cairo_t *cr, som_error *err);
/* For a surface opened on memory: as som__surface_finish, and *buf (free()
 * it) / *len receive the file's bytes. */
int som__surface_finish_mem(som__surface *s, cairo_t *cr, unsigned char **buf,
                            size_t *len, som_error *err);
/* Drops everything: no file appears. cr may be NULL; it is destroyed. */
void som__surface_abort(som__surface *s, cairo_t *cr);

/* Selects DejaVu Sans (bold when `bold`) at `size` user units, with font
 * options fixed (grey antialiasing, no hinting) so that PNG bytes do not
 * depend on the desktop's fontconfig settings. Debian's fonts-dejavu-core
 * provides the face; without it fontconfig substitutes a sans face. */
void som__font_select(cairo_t *cr, double size, int bold);

/* ---- cells, text and panels ---------------------------------------------- */


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

/* paint.c: text with its horizontal anchor at x (0 left, 0.5 centre, 1 right) and
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

/* ---- the job: what job.c builds, render.c lays out, draw.c paints ------ */

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

/* job.c: step 1 of a picture, every panel's values (render.c says the
 * steps); som__job_free releases a job built or half built. */
int som__job_build(som__job *j, const som_map *map, const som_data *data,
                   const som_render_opts *opts, som_error *err);
void som__job_free(som__job *j);

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
