/* SPDX-License-Identifier: MIT */
/* surface.c — Cairo surfaces written atomically through som_outfile.
 *
 * Every format streams into the same sink: PNG through
 * cairo_surface_write_to_png_stream once drawing is done, SVG and PDF through
 * *_create_for_stream while Cairo emits them. The sink is the som_outfile's
 * FILE* (a temporary beside the target, renamed on commit) or a memory
 * buffer, so a failed picture never leaves a partial file behind. */
#include "render/render_internal.h"

#include <cairo-pdf.h>
#include <cairo-svg.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

int som__surface_format_parse(const char *name)
{
    if (!name) return -1;
    if (strcasecmp(name, "png") == 0) return SOM__SURFACE_PNG;
    if (strcasecmp(name, "svg") == 0) return SOM__SURFACE_SVG;
    if (strcasecmp(name, "pdf") == 0) return SOM__SURFACE_PDF;
    return -1;
}

int som__surface_format_from_path(const char *path, som__surface_format *fmt,
                                  som_error *err)
{
    const char *dot = path ? strrchr(path, '.') : NULL;
    const char *slash = path ? strrchr(path, '/') : NULL;
    int f = (dot && (!slash || dot > slash)) ? som__surface_format_parse(dot + 1) : -1;
    if (f < 0)
        return som_error_set(err, SOM_EINVAL,
                                 "%s: cannot tell the picture format from the "
                                 "name (use .png, .svg or .pdf)",
                                 path ? path : "(null)");
    *fmt = (som__surface_format)f;
    return SOM_OK;
}

/* Cairo's write callback: append to the outfile's stream or to memory.
 * A failure is remembered, and also reported to Cairo so it stops early. */
static cairo_status_t sink_write(void *closure, const unsigned char *data,
                                 unsigned int length)
{
    som__surface *s = closure;
    if (s->write_failed) return CAIRO_STATUS_WRITE_ERROR;
    if (som_cancel_poll(NULL) != SOM_OK) { /* flush_surface says why */
        s->write_failed = 1;
        return CAIRO_STATUS_WRITE_ERROR;
    }
    if (s->out) {
        if (length && fwrite(data, 1, length, som_outfile_stream(s->out)) != length) {
            s->write_failed = 1;
            return CAIRO_STATUS_WRITE_ERROR;
        }
        return CAIRO_STATUS_SUCCESS;
    }
    if (s->mem_len + length > s->mem_cap) {
        size_t cap = s->mem_cap ? s->mem_cap : 4096;
        while (cap < s->mem_len + length) cap *= 2;
        unsigned char *p = realloc(s->mem, cap);
        if (!p) {
            s->write_failed = 1;
            return CAIRO_STATUS_NO_MEMORY;
        }
        s->mem = p;
        s->mem_cap = cap;
    }
    if (length) memcpy(s->mem + s->mem_len, data, length);
    s->mem_len += length;
    return CAIRO_STATUS_SUCCESS;
}

/* PDF files carry a creation date, which would make two renderings of the
 * same map differ. Honour SOURCE_DATE_EPOCH (reproducible builds) when set. */
static void pdf_fixed_date(cairo_surface_t *surface)
{
    const char *sde = getenv("SOURCE_DATE_EPOCH");
    if (!sde || !*sde) return;
    char *end;
    long long v = strtoll(sde, &end, 10);
    if (*end || v < 0) return;
    time_t t = (time_t)v;
    struct tm tm;
    if (!gmtime_r(&t, &tm)) return;
    char buf[32];
    strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATE_DATE, buf);
    cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_MOD_DATE, buf);
}

int som__surface_open_format(som__surface *s, som__surface_format fmt,
                             const char *path, int width, int height,
                             som_error *err)
{
    memset(s, 0, sizeof *s);
    if (width < 1 || height < 1 || width > 32767 || height > 32767)
        return som_error_set(err, SOM_EINVAL,
                                 "picture size %dx%d is out of range (1..32767)",
                                 width, height);
    s->format = fmt;
    s->width = width;
    s->height = height;
    if (path) {
        snprintf(s->path, sizeof s->path, "%s", path);
        int rc = som_outfile_open(path, &s->out, err);
        if (rc != SOM_OK) return rc;
    }
    switch (fmt) {
    case SOM__SURFACE_PNG:
        s->surface = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, width, height);
        break;
    case SOM__SURFACE_SVG:
        s->surface = cairo_svg_surface_create_for_stream(sink_write, s, width, height);
        if (cairo_surface_status(s->surface) == CAIRO_STATUS_SUCCESS)
            cairo_svg_surface_set_document_unit(s->surface, CAIRO_SVG_UNIT_PX);
        break;
    case SOM__SURFACE_PDF:
        s->surface = cairo_pdf_surface_create_for_stream(sink_write, s, width, height);
        if (cairo_surface_status(s->surface) == CAIRO_STATUS_SUCCESS) {
            cairo_pdf_surface_set_metadata(s->surface, CAIRO_PDF_METADATA_CREATOR,
                                           "som " SOM_VERSION_STRING);
            pdf_fixed_date(s->surface);
        }
        break;
    }
    cairo_status_t st = s->surface ? cairo_surface_status(s->surface) : CAIRO_STATUS_NO_MEMORY;
    if (st != CAIRO_STATUS_SUCCESS) {
        som__surface_abort(s, NULL);
        return som_error_set(err, st == CAIRO_STATUS_NO_MEMORY ? SOM_ENOMEM : SOM_EIO,
                                 "%s: cannot create the picture: %s",
                                 path ? path : "(memory)", cairo_status_to_string(st));
    }
    return SOM_OK;
}

int som__surface_open(som__surface *s, const char *path, int width, int height,
                      som_error *err)
{
    som__surface_format fmt;
    memset(s, 0, sizeof *s);
    int rc = som__surface_format_from_path(path, &fmt, err);
    if (rc != SOM_OK) return rc;
    return som__surface_open_format(s, fmt, path, width, height, err);
}

void som__surface_abort(som__surface *s, cairo_t *cr)
{
    if (cr) cairo_destroy(cr);
    if (s->surface) {
        /* Finishing a vector surface still flushes into the sink; mark the
         * sink failed first so nothing more is written. */
        s->write_failed = 1;
        cairo_surface_destroy(s->surface);
        s->surface = NULL;
    }
    if (s->out) som_outfile_abort(s->out);
    s->out = NULL;
    free(s->mem);
    s->mem = NULL;
    s->mem_len = s->mem_cap = 0;
}

/* Writes or finishes the surface into the sink; SOM_OK or an error. */
static int flush_surface(som__surface *s, cairo_t *cr, som_error *err)
{
    const char *name = s->path[0] ? s->path : "(memory)";
    if (cr) {
        cairo_status_t st = cairo_status(cr);
        cairo_destroy(cr);
        if (st != CAIRO_STATUS_SUCCESS) {
            som__surface_abort(s, NULL);
            return som_error_set(err, st == CAIRO_STATUS_NO_MEMORY ? SOM_ENOMEM : SOM_EIO,
                                     "%s: drawing failed: %s", name,
                                     cairo_status_to_string(st));
        }
    }
    cairo_status_t st;
    if (s->format == SOM__SURFACE_PNG) {
        cairo_surface_flush(s->surface);
        st = cairo_surface_write_to_png_stream(s->surface, sink_write, s);
    } else {
        cairo_surface_finish(s->surface);
        st = cairo_surface_status(s->surface);
    }
    if (st == CAIRO_STATUS_SUCCESS && s->write_failed) st = CAIRO_STATUS_WRITE_ERROR;
    if (st != CAIRO_STATUS_SUCCESS && som_cancel_poll(err) != SOM_OK) {
        som__surface_abort(s, NULL);
        return SOM_ECANCELED;
    }
    if (st == CAIRO_STATUS_WRITE_ERROR && s->out && ferror(som_outfile_stream(s->out))) {
        /* The file's own failure (a full disk): the commit names its reason
         * and removes the temporary. */
        som_outfile *out = s->out;
        s->out = NULL;
        int rc = som_outfile_commit(out, err);
        som__surface_abort(s, NULL);
        return rc != SOM_OK ? rc : som_error_set(err, SOM_EIO, "%s: cannot write the picture", name);
    }
    if (st != CAIRO_STATUS_SUCCESS) {
        som__surface_abort(s, NULL);
        return som_error_set(err, st == CAIRO_STATUS_NO_MEMORY ? SOM_ENOMEM : SOM_EIO,
                                 "%s: cannot write the picture: %s", name,
                                 cairo_status_to_string(st));
    }
    cairo_surface_destroy(s->surface);
    s->surface = NULL;
    return SOM_OK;
}

int som__surface_finish(som__surface *s, cairo_t *cr, som_error *err)
{
    int rc = flush_surface(s, cr, err);
    if (rc != SOM_OK) return rc;
    if (s->out) {
        som_outfile *out = s->out;
        s->out = NULL;
        rc = som_outfile_commit(out, err);
    }
    free(s->mem);
    s->mem = NULL;
    s->mem_len = s->mem_cap = 0;
    return rc;
}

int som__surface_finish_mem(som__surface *s, cairo_t *cr, unsigned char **buf,
                            size_t *len, som_error *err)
{
    *buf = NULL;
    *len = 0;
    if (s->out) {
        som__surface_abort(s, cr);
        return som_error_set(err, SOM_EINVAL, "surface was opened on a file, not memory");
    }
    int rc = flush_surface(s, cr, err);
    if (rc != SOM_OK) return rc;
    *buf = s->mem;
    *len = s->mem_len;
    s->mem = NULL;
    s->mem_len = s->mem_cap = 0;
    return SOM_OK;
}

/* ---- som_canvas: the public face of a surface (som_render.h) ------------- */

struct som_canvas {
    som__surface s; /* Cairo keeps a pointer to it: the canvas never moves */
    cairo_t *cr;
};

int som_canvas_open(const char *path, const char *format, int width, int height,
                    som_canvas **out, som_error *err)
{
    if (!out) return som_error_set(err, SOM_EINVAL, "som_canvas_open: out is NULL");
    *out = NULL;
    int f = -1;
    if (format && (f = som__surface_format_parse(format)) < 0)
        return som_error_set(err, SOM_EINVAL, "unknown picture format '%s' (png, svg, pdf)",
                             format);
    if (!format && !path)
        return som_error_set(err, SOM_EINVAL,
                             "som_canvas_open: a canvas in memory needs a format (png, svg, pdf)");
    som_canvas *c = calloc(1, sizeof *c);
    if (!c) return som_error_set(err, SOM_ENOMEM, "out of memory");
    int rc = format ? som__surface_open_format(&c->s, (som__surface_format)f, path, width,
                                               height, err)
                    : som__surface_open(&c->s, path, width, height, err);
    if (rc != SOM_OK) {
        free(c);
        return rc;
    }
    c->cr = cairo_create(c->s.surface);
    *out = c;
    return SOM_OK;
}

struct _cairo *som_canvas_cairo(som_canvas *c) { return c ? c->cr : NULL; }

int som_canvas_finish(som_canvas *c, unsigned char **buf, size_t *len, som_error *err)
{
    if (buf) *buf = NULL;
    if (len) *len = 0;
    if (!c) return som_error_set(err, SOM_EINVAL, "som_canvas_finish: NULL canvas");
    int rc;
    if (c->s.out) {
        rc = som__surface_finish(&c->s, c->cr, err);
    } else if (!buf || !len) {
        som__surface_abort(&c->s, c->cr);
        rc = som_error_set(err, SOM_EINVAL, "som_canvas_finish: a canvas in memory needs buf and len");
    } else {
        rc = som__surface_finish_mem(&c->s, c->cr, buf, len, err);
    }
    free(c);
    return rc;
}

void som_canvas_abort(som_canvas *c)
{
    if (!c) return;
    som__surface_abort(&c->s, c->cr);
    free(c);
}

void som__font_select(cairo_t *cr, double size, int bold)
{
    cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL,
                           bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, size);
    cairo_font_options_t *fo = cairo_font_options_create();
    cairo_font_options_set_antialias(fo, CAIRO_ANTIALIAS_GRAY);
    cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_NONE);
    cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
    cairo_set_font_options(cr, fo);
    cairo_font_options_destroy(fo);
}
