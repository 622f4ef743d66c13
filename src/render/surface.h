/* SPDX-License-Identifier: MIT */
/* surface.h — what the picture files under src/render/ share: a Cairo
 * surface chosen by the output file's extension and written atomically
 * through som_outfile (or into memory), a font helper, and error filling.
 * Internal: never installed; only code under src/render/ includes it.
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
#ifndef SOM_RENDER_SURFACE_H
#define SOM_RENDER_SURFACE_H

#include "som.h"

#include <cairo.h>
#include <stddef.h>


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

#endif /* SOM_RENDER_SURFACE_H */
