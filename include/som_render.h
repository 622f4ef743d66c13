/* SPDX-License-Identifier: MIT */
/*
 * som_render.h — pictures of self-organizing maps (libsom_render, on Cairo).
 *
 * This header is the manual for the picture layer. What is not in this file
 * is not API. It builds on som.h only: everything it draws comes from the
 * public map and data calls, so a picture shows exactly what the library
 * computes.
 *
 * ---------------------------------------------------------------------------
 * What it draws
 * ---------------------------------------------------------------------------
 *   planes     one component plane per field (or the fields chosen by
 *              title): every unit coloured by its weight in that field, in
 *              the data's ORIGINAL units, with the field's title above and a
 *              colour legend below with 3 to 6 round ticks (som_nice_ticks).
 *              Colours span the units' own range by default (the lowest
 *              unit gets the scheme's first colour, the highest its last);
 *              `range` and `field_ranges` choose the data's range or a fixed
 *              one, `color_scale` a log or rank scale for skewed fields.
 *              Where the data reach beyond the colours, the legend has an
 *              arrow at that end and a note "data reach MIN to MAX". A map
 *              with more fields than `max_fields` (default 40) shows those
 *              whose codebook column varies most, in field order, under a
 *              page title that says so. The MQL5 library's main picture;
 *              the planes wrap into rows of `per_row` (its MaxPictures).
 *   umatrix    the U-matrix: each unit's mean distance to its grid
 *              neighbours (som_map_umatrix, scaled space, with the map's
 *              feature weights). SOM_UMATRIX_FULL draws it as SOM_PAK's
 *              umat does, with an interstitial cell between every pair of
 *              neighbours holding their distance (weighted the same way).
 *   hits       how many rows of `data` have each unit as their BMU, as
 *              colours over 1..max with the count written in the cell, or
 *              as markers whose area is proportional to the count. A unit
 *              no row chose is hatched light grey (its own legend entry).
 *   labels     SOM_LABELS_MAJORITY: every unit in the colour of its
 *              majority class (som_class_color; classes are the data's
 *              labels in sorted order), paler the more its rows are mixed
 *              (pure units get the palette colour exactly), with the label
 *              written where it fits and a class legend. SOM_LABELS_ALL:
 *              every row's title at its BMU (the MQL5 ShowTitles), over a
 *              light U-matrix.
 *   error      quantization and topographic error per pass from the map's
 *              training history (som_map_history).
 *   dashboard  U-matrix, hits (when data is given) and the planes on one
 *              page.
 *   clusters   the map's clusters of units (som_map_cluster): every unit in
 *              its cluster's colour and number, with a line wherever two
 *              neighbouring units are in different clusters. With labelled
 *              data, a dot of each unit's majority class colour (area by
 *              the class's share) replaces the number, with a class legend.
 *              Any map panel can carry the boundary lines (opts.boundaries).
 *   codes      each unit's profile: one bar per field (at most max_fields,
 *              default 15, those that vary most), from the field's lowest
 *              unit to its highest, in som_class_color(k) for the k-th
 *              field drawn, with a legend naming them; a line through the
 *              values when bars would be under 3 pixels wide.
 *
 * Sizes and text. Without width and height a picture's size follows the
 * grid: a lone panel's cells grow until their text (hit counts, labels,
 * cluster numbers) can be 9 pixels or more, up to about 1600 pixels wide.
 * Text in cells has one size per picture and is never drawn smaller than
 * SOM_RENDER_MIN_TEXT_PX: a label that does not fit is left out, and at
 * smaller cells all of it is. Titles and legends are 9 pixels or more.
 *
 * Cells follow the grid: hexagonal grids get pointy-top hexagons centred at
 * som_grid_coords (odd rows shifted right by half a unit), which tile
 * without gaps; rectangular grids get squares. A toroid is drawn flat; its
 * U-matrix still uses the wrapped neighbours.
 *
 * Colours: viridis (default), magma, cividis (matplotlib's perceptually
 * uniform maps, sampled at 33 points and interpolated linearly), grey,
 * coolwarm (Moreland's diverging blue-white-red) and mql (the MQL5 library's
 * blue-cyan-green-yellow-red palette with its 98 floor).
 *
 * A worked example — every component plane of a trained model, 3 per row:
 *
 *     som_error err; som_map *map = NULL;
 *     if (som_map_load("iris.som", &map, &err) != SOM_OK) goto fail;
 *     som_render_opts ro; som_render_opts_init(&ro);
 *     ro.plot = SOM_PLOT_PLANES; ro.per_row = 3; ro.colors = SOM_COLORS_MQL;
 *     if (som_render_file(map, NULL, &ro, "planes.png", &err) != SOM_OK)
 *         goto fail;
 *   fail:
 *     if (err.code) fprintf(stderr, "%s\n", err.message);
 *     som_map_free(map);
 *
 * Output. The format comes from the file name: .png (8-bit RGBA), .svg or
 * .pdf. Files are written atomically (som_outfile): a failed picture leaves
 * no file, and an existing file survives. The same map and options give the
 * same PNG and SVG bytes; a PDF carries its creation date unless the
 * environment sets SOURCE_DATE_EPOCH. Text uses DejaVu Sans (Debian's
 * fonts-dejavu-core); without it fontconfig picks another sans face.
 * Memory comes from malloc, not the som_set_allocator hook.
 *
 * Conventions, ownership and thread safety are those of som.h: calls return
 * SOM_OK or a negative code and fill an optional som_error; the map and
 * data are only read, so several pictures of one map may be drawn from
 * different threads at once.
 */
#ifndef SOM_RENDER_H
#define SOM_RENDER_H

#include "som.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What to draw. */
typedef enum som_plot {
    SOM_PLOT_PLANES = 0,
    SOM_PLOT_UMATRIX = 1,
    SOM_PLOT_HITS = 2,
    SOM_PLOT_LABELS = 3,
    SOM_PLOT_ERROR = 4,
    SOM_PLOT_DASHBOARD = 5,
    SOM_PLOT_CLUSTERS = 6,
    SOM_PLOT_CODES = 7
} som_plot;
#define SOM_PLOT_COUNT 8

/* Colour schemes; each maps t in [0,1] to a colour (som_colormap). */
typedef enum som_colors {
    SOM_COLORS_VIRIDIS = 0,
    SOM_COLORS_MAGMA = 1,
    SOM_COLORS_CIVIDIS = 2,
    SOM_COLORS_GREY = 3,     /* black to white */
    SOM_COLORS_COOLWARM = 4, /* diverging: blue, light grey at 0.5, red */
    SOM_COLORS_MQL = 5       /* MQL5 blue-cyan-green-yellow-red, 256 steps */
} som_colors;
#define SOM_COLORS_COUNT 6

/* The shape of each unit's cell. */
typedef enum som_cells {
    SOM_CELLS_AUTO = 0,  /* hexagons for SOM_HEX grids, squares for SOM_RECT */
    SOM_CELLS_HEX = 1,   /* hexagons; only for SOM_HEX grids */
    SOM_CELLS_SQUARE = 2 /* squares; on a hex grid the odd rows are shifted
                            half a cell right (the MQL5 rectangular mode) */
} som_cells;

typedef enum som_hits_style {
    SOM_HITS_COLOR = 0,  /* cell colour by count, legend 0..max */
    SOM_HITS_MARKERS = 1 /* a dark marker per unit, area proportional to count */
} som_hits_style;

typedef enum som_labels_style {
    SOM_LABELS_MAJORITY = 0, /* the most frequent label of a unit's rows */
    SOM_LABELS_ALL = 1       /* every row's label (or line number) at its BMU */
} som_labels_style;

typedef enum som_umatrix_style {
    SOM_UMATRIX_UNITS = 0, /* one cell per unit */
    SOM_UMATRIX_FULL = 1   /* units plus interstitial cells (SOM_PAK umat) */
} som_umatrix_style;

/* Which values a plane's colours span (planes and the dashboard's planes). */
typedef enum som_range_mode {
    SOM_RANGE_CODEBOOK = 0, /* the units' own min..max in the field: what the
                               map holds (default); the first colour is the
                               lowest unit, the last the highest */
    SOM_RANGE_DATA = 1,     /* the data's min..max (som_map_field_range) */
    SOM_RANGE_FIXED = 2     /* range_min..range_max; units outside clamp */
} som_range_mode;

/* How a value becomes a position t in the colour map. */
typedef enum som_color_scale {
    SOM_COLOR_SCALE_LINEAR = 0,
    SOM_COLOR_SCALE_LOG = 1,  /* log10 for ranges above 0; otherwise a
                                 symmetric log, asinh(v / c) with c a
                                 thousandth of the largest |value|, so that
                                 signs keep their sides */
    SOM_COLOR_SCALE_RANK = 2  /* the units' ranks in the field (ties share
                                 their mean rank): equal colour steps per
                                 unit, whatever the skew */
} som_color_scale;

/* A range for one field, by title (see som_render_opts.field_ranges). */
typedef struct som_field_range {
    const char *title;
    som_range_mode mode;
    double min, max;            /* for SOM_RANGE_FIXED */
} som_field_range;

/* Text smaller than this many pixels (the font size, 96 dpi) is not drawn
 * in cells: a picture drops it rather than shrink it further. */
#define SOM_RENDER_MIN_TEXT_PX 9.0

/* Rendering options. Initialise with som_render_opts_init, then change what
 * you need. Every field has a usable default. */
typedef struct som_render_opts {
    som_plot plot;               /* default SOM_PLOT_PLANES */
    som_colors colors;           /* default SOM_COLORS_VIRIDIS */
    som_cells cells;             /* default SOM_CELLS_AUTO */
    int width, height;           /* whole picture in pixels (points for PDF);
                                    0 = chosen from the grid and plot (see
                                    "Sizes and text" above) */
    size_t per_row;              /* panels per row (MQL5 MaxPictures);
                                    0 = automatic */
    int borders;                 /* 1 outline every cell (default 1) */
    int titles;                  /* 1 panel titles and legends (default 1);
                                    0 draws the cells alone */
    const char *const *fields;   /* planes: titles of the fields to draw, in
                                    that order; NULL = every field */
    size_t n_fields;
    som_hits_style hits_style;   /* default SOM_HITS_COLOR */
    som_labels_style labels_style; /* default SOM_LABELS_MAJORITY */
    som_umatrix_style umatrix;   /* default SOM_UMATRIX_UNITS */
    int threads;                 /* BMU search for hits/labels; 0 = all */
    int boundaries;              /* 1: lines between neighbouring units of
                                    different clusters over every map panel
                                    (default 0; the map needs clusters) */
    /* Added after the first release; zero means the default for each. */
    som_range_mode range;        /* planes' colour range; default codebook */
    double range_min, range_max; /* for SOM_RANGE_FIXED (min < max) */
    const som_field_range *field_ranges; /* per-field overrides of `range` */
    size_t n_field_ranges;
    som_color_scale color_scale; /* planes: linear (default), log or rank */
    size_t max_fields;           /* planes, dashboard and codes without
                                    `fields`: at most this many fields, those
                                    whose codebook column varies most (scaled
                                    space), named in a page title; 0 = the
                                    default (40 planes, 15 in codes) */
} som_render_opts;

SOM_API void som_render_opts_init(som_render_opts *opts);

/* Names <-> enums, for command lines and JSON. The parse functions accept
 * the names below (any case; "gray" for grey, "color"/"colour" for the
 * colour hits style) and return the enum value, or -1 when unknown. The
 * name functions return static strings, or "?" when out of range. */
SOM_API int som_plot_parse(const char *name);       /* planes umatrix hits
                                                       labels error dashboard
                                                       clusters codes */
SOM_API const char *som_plot_name(som_plot plot);
SOM_API int som_colors_parse(const char *name);     /* viridis magma cividis
                                                       grey coolwarm mql */
SOM_API const char *som_colors_name(som_colors colors);
SOM_API int som_cells_parse(const char *name);      /* auto hex square */
SOM_API int som_hits_style_parse(const char *name); /* colour markers */
SOM_API int som_labels_style_parse(const char *name); /* majority all */
SOM_API int som_umatrix_style_parse(const char *name); /* units full */
SOM_API int som_color_scale_parse(const char *name);  /* linear log rank */
SOM_API int som_range_mode_parse(const char *name);   /* codebook data */

/* The colour of class (or field) k in pictures: Okabe and Ito's
 * colour-blind-safe qualitative palette without its black (7 colours:
 * orange #E69F00, sky blue #56B4E9, bluish green #009E73, yellow #F0E442,
 * blue #0072B2, vermillion #D55E00, reddish purple #CC79A7), then Paul
 * Tol's muted scheme (9: #CC6677 #332288 #DDCC77 #117733 #88CCEE #882255
 * #44AA99 #999933 #AA4499); k >= 16 repeats from the start. Classes are
 * the data's labels in sorted (strcmp) order. */
SOM_API void som_class_color(size_t k, unsigned char rgb[3]);

/* "Nice" legend ticks for lo..hi: 3 to 6 (fewer only when the range is
 * empty or tiny) round values inside [lo, hi], steps of 1, 2, 2.5 or 5
 * times a power of ten. Writes at most `cap` values to out and returns how
 * many. */
SOM_API size_t som_nice_ticks(double lo, double hi, double *out, size_t cap);

/* The colour of t in [0,1] under a scheme, as 8-bit sRGB in rgb[0..2].
 * t outside [0,1] is clamped; NaN gives mid grey (128,128,128). For
 * SOM_COLORS_MQL the palette index is round(255 t), and each of the four
 * 64-entry segments blends linearly with rounding between the MQL5 stops
 * (98,98,255) (98,255,255) (98,255,98) (255,255,98) (255,98,98). The other
 * schemes interpolate linearly between their control points and round.
 * Pictures use exactly these colours: a cell of value v in a legend
 * min..max has colour som_colormap(scheme, (v-min)/(max-min)) (t = 0.5 when
 * max == min). */
SOM_API void som_colormap(som_colors scheme, double t, unsigned char rgb[3]);

/* Draws `opts->plot` of `map` into the file at `path`; the format follows
 * the extension (.png .svg .pdf, any case). `data` (may be NULL) supplies
 * the rows for hits and labels (required there) and adds the hits panel to
 * the dashboard; its columns are matched to the map's fields as
 * som_map_align_data does. `opts` NULL means the defaults.
 * Errors: SOM_EINVAL (unknown extension, bad option, a field title the map
 * lacks, hexagonal cells on a rectangular grid, hits/labels without data,
 * labels majority on data without labels, the clusters plot or boundaries
 * on a map without clusters), SOM_EEMPTY (error plot of a map
 * with no training history), SOM_EDIM (data that does not fit the map),
 * SOM_EIO (cannot write), SOM_ENOMEM. The file is complete or absent. */
SOM_API int som_render_file(const som_map *map, const som_data *data,
                            const som_render_opts *opts, const char *path,
                            som_error *err);

/* The same into memory, for servers: `format` is "png", "svg" or "pdf".
 * On success *buf (free it with som_render_free) holds *len bytes. */
SOM_API int som_render_mem(const som_map *map, const som_data *data,
                           const som_render_opts *opts, const char *format,
                           unsigned char **buf, size_t *len, som_error *err);
/* Frees a buffer from som_render_mem. NULL is a no-op. */
SOM_API void som_render_free(void *buf);

/* Where a unit is drawn, without drawing: the centre (*x, *y) of `unit`'s
 * cell in panel `panel` (0-based, in the order the plot lays them out:
 * planes in field order; the dashboard's U-matrix, hits, then planes), in
 * pixels from the picture's top-left corner, and the cell's half width
 * (half_width may be NULL). Pictures are drawn from exactly this layout,
 * so clients can map a pointer position back to a unit. Same arguments and
 * errors as som_render_file; SOM_EINVAL for the error plot, which has no
 * units. */
SOM_API int som_render_unit_center(const som_map *map, const som_data *data,
                                   const som_render_opts *opts, size_t panel,
                                   size_t unit, double *x, double *y,
                                   double *half_width, som_error *err);

/* ------------------------------------------------------------------------- */
/* A canvas: drawing a picture of one's own with Cairo                        */
/* ------------------------------------------------------------------------- */

/* For code built on this library that draws with Cairo itself (Art,
 * som_art.h) but writes its pictures the way every picture here is
 * written: PNG, SVG or PDF, atomically (the file is complete or absent) or
 * into memory, with the same fixed PDF date and font settings. Include
 * <cairo.h> to draw on som_canvas_cairo(). Typical use:
 *
 *     som_canvas *c;
 *     if (som_canvas_open("out.png", NULL, 400, 300, &c, &err) != SOM_OK) ...;
 *     cairo_t *cr = som_canvas_cairo(c);
 *     ... draw; on a failure of one's own: som_canvas_abort(c) ...
 *     rc = som_canvas_finish(c, NULL, NULL, &err);  // writes, commits, frees
 */
typedef struct som_canvas som_canvas;

/* Opens a width x height canvas (1..32767 pixels each) on the file `path`,
 * its format from the extension when `format` is NULL, else `format` ("png",
 * "svg" or "pdf", any case); path NULL collects the bytes in memory (format
 * required). The file is opened (as a temporary beside it) before anything
 * is drawn, so an unwritable path fails here. Errors: SOM_EINVAL (size,
 * format, extension), SOM_EIO, SOM_ENOMEM. */
SOM_API int som_canvas_open(const char *path, const char *format, int width,
                            int height, som_canvas **out, som_error *err);
/* The Cairo context to draw with; owned by the canvas. */
SOM_API struct _cairo *som_canvas_cairo(som_canvas *canvas);
/* Checks the drawing's status, writes the picture, commits the file and
 * frees the canvas (also on failure: then nothing appears at the path). A
 * canvas in memory hands its bytes to *buf (free with som_render_free) and
 * *len, which it needs; a file canvas takes NULLs. */
SOM_API int som_canvas_finish(som_canvas *canvas, unsigned char **buf,
                              size_t *len, som_error *err);
/* Drops the canvas: no file appears. NULL is a no-op. */
SOM_API void som_canvas_abort(som_canvas *canvas);

#ifdef __cplusplus
}
#endif
#endif /* SOM_RENDER_H */
