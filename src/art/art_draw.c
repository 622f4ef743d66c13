/* SPDX-License-Identifier: MIT */
/* art_draw.c — pictures of SOFM art: one pattern, a gallery, an avatar.
 *
 * The look follows the article's matplotlib figures (SPEC-seeds.md A4):
 * neurons are dots, 4-neighbours are joined by segments of the same colour,
 * data points are black over a grey trail. Sizes are fractions of the panel
 * so that a 64-pixel avatar and a 4096-pixel poster look alike; they are
 * capped by the neuron spacing so that large grids do not turn into blots.
 *
 * Art sits above the picture layer and sees only its public API: it draws
 * with Cairo on a som_canvas (som_render.h), which writes the file. */
#include "som_art.h"
#include "som_render.h"

#include <cairo.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define ART_MIN_SIZE 16
#define ART_MAX_SIZE 8192
#define GALLERY_MIN_SIZE 64
#define GALLERY_MAX_SIZE 16384
#define GALLERY_MAX_PANELS 1024u

static void set_rgb(cairo_t *cr, uint32_t c)
{
    cairo_set_source_rgb(cr, (double)((c >> 16) & 0xFFu) / 255.0,
                         (double)((c >> 8) & 0xFFu) / 255.0,
                         (double)(c & 0xFFu) / 255.0);
}

/* Half the side of the square (in data units) that a panel shows; the
 * square is centred on the grid's centre. */
static double view_half(const som_art *art, som_art_view view)
{
    const som_art_opts *o = som_art_options(art);
    const double *xy = som_art_positions(art);
    size_t m = som_art_n_neurons(art);
    double c = som_art_centre(art);
    if (view == SOM_ART_VIEW_POINTS) return o->distance + 2.0;
    double xmin = HUGE_VAL, xmax = -HUGE_VAL, ymin = HUGE_VAL, ymax = -HUGE_VAL;
    for (size_t n = 0; n < m; n++) {
        xmin = fmin(xmin, xy[2 * n]);
        xmax = fmax(xmax, xy[2 * n]);
        ymin = fmin(ymin, xy[2 * n + 1]);
        ymax = fmax(ymax, xy[2 * n + 1]);
    }
    /* matplotlib's autoscale leaves 5% of the data range on each side. */
    double mx = 0.05 * (xmax - xmin), my = 0.05 * (ymax - ymin);
    xmin -= mx, xmax += mx, ymin -= my, ymax += my;
    double half;
    if (view == SOM_ART_VIEW_CROP) {
        half = fmin(fmin(c - xmin, c - ymin), fmin(xmax - c, ymax - c));
        /* A pattern that does not surround the centre (one point, a grid
         * of one) has no such square; show all of it instead. */
        if (half > 1e-9) return half;
    }
    half = fmax(fmax(c - xmin, c - ymin), fmax(xmax - c, ymax - c));
    return half > 1e-9 ? half : 1.0;
}

/* Draws `art` into the square (x0, y0, side) of cr, clipped to it. */
static void draw_panel(cairo_t *cr, const som_art *art,
                       const som_art_style *st, double x0, double y0,
                       double side)
{
    const som_art_opts *o = som_art_options(art);
    const double *xy = som_art_positions(art);
    size_t grid = o->grid;
    double c = som_art_centre(art);
    double half = view_half(art, st->view);
    double scale = side / (2.0 * half); /* pixels per data unit */
    double ox = x0 + side / 2.0, oy = y0 + side / 2.0;
#define PX(x) (ox + ((x) - c) * scale)
#define PY(y) (oy - ((y) - c) * scale) /* y up, as in the article */

    cairo_save(cr);
    cairo_rectangle(cr, x0, y0, side, side);
    cairo_clip(cr);
    if (!st->transparent) {
        set_rgb(cr, st->background);
        cairo_paint(cr);
    }

    /* Sizes: the article's dots are about 2.2% of a gallery panel, its
     * lines a quarter of that. Capped by the spacing of the untrained grid
     * so that neighbours never merge, and floored so that a 64-pixel
     * picture still shows them. */
    double dot_r = fmin(0.011 * side, 0.3 * scale);
    double line_w = fmin(0.0045 * side, 0.12 * scale);
    dot_r = fmax(dot_r, 0.9);
    line_w = fmax(line_w, 0.5);

    if (st->show_points) {
        const double *trail = som_art_trail(art);
        size_t k = o->points, passes = o->passes;
        double pr = dot_r * 1.41; /* the article: size 100 vs 50 (points^2) */
        cairo_set_source_rgb(cr, 0xAA / 255.0, 0xAA / 255.0, 0xAA / 255.0);
        for (size_t i = 0; i < passes * k; i++) {
            cairo_new_sub_path(cr);
            cairo_arc(cr, PX(trail[2 * i]), PY(trail[2 * i + 1]), pr, 0, 2 * M_PI);
        }
        cairo_fill(cr);
        cairo_set_source_rgb(cr, 0, 0, 0);
        const double *last = trail + 2 * (passes - 1) * k;
        for (size_t j = 0; j < k; j++) {
            cairo_new_sub_path(cr);
            cairo_arc(cr, PX(last[2 * j]), PY(last[2 * j + 1]), pr, 0, 2 * M_PI);
        }
        cairo_fill(cr);
    }

    set_rgb(cr, st->color);
    /* Each edge once, as one path: overlapping anti-aliased strokes would
     * darken where they cross twice. */
    cairo_set_line_width(cr, line_w);
    cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
    for (size_t r = 0; r < grid; r++) {
        for (size_t col = 0; col < grid; col++) {
            const double *p = xy + 2 * (r * grid + col);
            if (col + 1 < grid) {
                cairo_move_to(cr, PX(p[0]), PY(p[1]));
                cairo_line_to(cr, PX(p[2]), PY(p[3]));
            }
            if (r + 1 < grid) {
                const double *q = p + 2 * grid;
                cairo_move_to(cr, PX(p[0]), PY(p[1]));
                cairo_line_to(cr, PX(q[0]), PY(q[1]));
            }
        }
    }
    cairo_stroke(cr);
    for (size_t n = 0; n < grid * grid; n++) {
        cairo_new_sub_path(cr);
        cairo_arc(cr, PX(xy[2 * n]), PY(xy[2 * n + 1]), dot_r, 0, 2 * M_PI);
    }
    cairo_fill(cr);
    cairo_restore(cr);
#undef PX
#undef PY
}

/* ---- one pattern -------------------------------------------------------- */

static int check_single(const som_art *art, const som_art_style *st, int size,
                        som_error *err)
{
    if (!art || !st)
        return som_error_set(err, SOM_EINVAL, "art: nothing to draw");
    if (size < ART_MIN_SIZE || size > ART_MAX_SIZE)
        return som_error_set(err, SOM_EINVAL,
                                 "art: picture size must be %d..%d pixels, got %d",
                                 ART_MIN_SIZE, ART_MAX_SIZE, size);
    return SOM_OK;
}

/* A canvas whose drawing failed is dropped with a message of Art's own. */
static int drawn(som_canvas *c, som_error *err)
{
    cairo_t *cr = som_canvas_cairo(c);
    if (cairo_status(cr) != CAIRO_STATUS_SUCCESS) {
        int code = cairo_status(cr) == CAIRO_STATUS_NO_MEMORY ? SOM_ENOMEM : SOM_EIO;
        const char *why = cairo_status_to_string(cairo_status(cr));
        som_canvas_abort(c);
        return som_error_set(err, code, "art: drawing failed: %s", why);
    }
    return SOM_OK;
}

static int render_single(const som_art *art, const som_art_style *st, int size,
                         som_canvas *c, som_error *err)
{
    draw_panel(som_canvas_cairo(c), art, st, 0, 0, (double)size);
    return drawn(c, err);
}

int som_art_render(const som_art *art, const som_art_style *style, int size,
                   const char *path, som_error *err)
{
    int rc = check_single(art, style, size, err);
    if (rc != SOM_OK) return rc;
    som_canvas *c;
    rc = som_canvas_open(path, NULL, size, size, &c, err);
    if (rc != SOM_OK) return rc;
    rc = render_single(art, style, size, c, err);
    if (rc != SOM_OK) return rc;
    return som_canvas_finish(c, NULL, NULL, err);
}

static int open_mem(som_canvas **c, const char *format, int w, int h,
                    som_error *err)
{
    if (!format || (strcasecmp(format, "png") != 0 && strcasecmp(format, "svg") != 0 &&
                    strcasecmp(format, "pdf") != 0))
        return som_error_set(err, SOM_EINVAL,
                                 "art: unknown picture format '%s' (png, svg, pdf)",
                                 format ? format : "(null)");
    return som_canvas_open(NULL, format, w, h, c, err);
}

int som_art_render_mem(const som_art *art, const som_art_style *style,
                       int size, const char *format, unsigned char **buf,
                       size_t *len, som_error *err)
{
    *buf = NULL;
    *len = 0;
    int rc = check_single(art, style, size, err);
    if (rc != SOM_OK) return rc;
    som_canvas *c;
    rc = open_mem(&c, format, size, size, err);
    if (rc != SOM_OK) return rc;
    rc = render_single(art, style, size, c, err);
    if (rc != SOM_OK) return rc;
    return som_canvas_finish(c, buf, len, err);
}

/* ---- galleries ------------------------------------------------------------ */

typedef struct layout {
    size_t cols, rows;
    int panel, gap, width, height;
    int extra; /* leftover pixels, split between opposite margins */
} layout;

/* ceil(sqrt(n)) columns of square panels with gaps of about 4% of a panel
 * between them and around them (the article's tight_layout padding). Pixel
 * sizes are whole numbers so that PNG panels have crisp edges. */
static int plan(size_t n, int size, layout *l, som_error *err)
{
    if (n == 0 || n > GALLERY_MAX_PANELS)
        return som_error_set(err, SOM_EINVAL,
                                 "art: a gallery holds 1..%u patterns, got %zu",
                                 GALLERY_MAX_PANELS, n);
    if (size < GALLERY_MIN_SIZE || size > GALLERY_MAX_SIZE)
        return som_error_set(err, SOM_EINVAL,
                                 "art: gallery width must be %d..%d pixels, got %d",
                                 GALLERY_MIN_SIZE, GALLERY_MAX_SIZE, size);
    size_t cols = (size_t)ceil(sqrt((double)n));
    while (cols * cols < n) cols++;
    size_t rows = (n + cols - 1) / cols;
    double g = 0.04;
    int panel = (int)floor((double)size / ((double)cols + g * (double)(cols + 1)));
    int gap = (size - (int)cols * panel) / (int)(cols + 1);
    if (panel < 8 || gap < 0)
        return som_error_set(err, SOM_EINVAL,
                                 "art: %d pixels are too narrow for %zu panels per row",
                                 size, cols);
    l->cols = cols;
    l->rows = rows;
    l->panel = panel;
    l->gap = gap;
    l->width = size;
    /* The width's leftover pixels become margins on all four sides, so a
     * square gallery is a square picture. */
    l->extra = size - ((int)cols * panel + (int)(cols + 1) * gap);
    l->height = (int)rows * panel + (int)(rows + 1) * gap + l->extra;
    return SOM_OK;
}

static int render_gallery(const som_art *const *arts, const som_art_style *styles,
                          size_t n, uint32_t face, int face_transparent,
                          const layout *l, som_canvas *canvas, som_error *err)
{
    cairo_t *cr = som_canvas_cairo(canvas);
    if (!face_transparent) {
        set_rgb(cr, face);
        cairo_paint(cr);
    }
    int extra = l->extra;
    for (size_t i = 0; i < n; i++) {
        size_t r = i / l->cols, c = i % l->cols;
        double x = (double)(extra / 2 + l->gap + (int)c * (l->panel + l->gap));
        double y = (double)(extra / 2 + l->gap + (int)r * (l->panel + l->gap));
        som_art_style st;
        if (styles) {
            st = styles[i];
        } else {
            som_art_style_init(&st);
            st.background = SOM_ART_GALLERY_BACKGROUND;
            st.color = som_art_gallery_color(i + 1);
            st.view = SOM_ART_VIEW_CROP;
        }
        draw_panel(cr, arts[i], &st, x, y, (double)l->panel);
    }
    return drawn(canvas, err);
}

static int gallery(const som_art *const *arts, const som_art_style *styles,
                   size_t n, int size, uint32_t face, int face_transparent,
                   const char *path, som_error *err)
{
    layout l;
    memset(&l, 0, sizeof l); /* gcc -O2 cannot see that plan() fills it */
    int rc = plan(n, size, &l, err);
    if (rc != SOM_OK) return rc;
    if (!arts) return som_error_set(err, SOM_EINVAL, "art: nothing to draw");
    for (size_t i = 0; i < n; i++)
        if (!arts[i])
            return som_error_set(err, SOM_EINVAL, "art: pattern %zu is missing", i + 1);
    som_canvas *c;
    rc = som_canvas_open(path, NULL, l.width, l.height, &c, err);
    if (rc != SOM_OK) return rc;
    rc = render_gallery(arts, styles, n, face, face_transparent, &l, c, err);
    if (rc != SOM_OK) return rc;
    return som_canvas_finish(c, NULL, NULL, err);
}

int som_art_render_gallery(const som_art *const *arts, size_t n, int size,
                           const char *path, som_error *err)
{
    return gallery(arts, NULL, n, size, SOM_ART_GALLERY_FACE, 0, path, err);
}

int som_art_render_gallery_styled(const som_art *const *arts,
                                  const som_art_style *styles, size_t n,
                                  int size, uint32_t face, int face_transparent,
                                  const char *path, som_error *err)
{
    if (!styles) return som_error_set(err, SOM_EINVAL, "art: no styles given");
    return gallery(arts, styles, n, size, face, face_transparent, path, err);
}

/* ---- avatars -------------------------------------------------------------- */

static int avatar_art(const char *name, const som_art_style *override,
                      som_art **art, som_art_style *st, som_error *err)
{
    som_art_opts o;
    som_avatar_design(name, &o, st);
    if (override) {
        st->background = override->background;
        st->transparent = override->transparent;
    }
    return som_art_run(&o, art, err);
}

int som_avatar_render(const char *name, const som_art_style *style, int size,
                      const char *path, som_error *err)
{
    som_art *art = NULL;
    som_art_style st;
    int rc = avatar_art(name, style, &art, &st, err);
    if (rc == SOM_OK) rc = som_art_render(art, &st, size, path, err);
    som_art_free(art);
    return rc;
}

int som_avatar_render_mem(const char *name, const som_art_style *style,
                          int size, const char *format, unsigned char **buf,
                          size_t *len, som_error *err)
{
    *buf = NULL;
    *len = 0;
    som_art *art = NULL;
    som_art_style st;
    int rc = avatar_art(name, style, &art, &st, err);
    if (rc == SOM_OK) rc = som_art_render_mem(art, &st, size, format, buf, len, err);
    som_art_free(art);
    return rc;
}
