/* SPDX-License-Identifier: MIT */
/* chart.c — the training-error picture: quantization and topographic error
 * per pass, from the map's history, as two line charts. */
#include "render/render_internal.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* A step of 1, 2 or 5 times a power of ten giving about `target` ticks. */
static double nice_step(double range, int target)
{
    if (!(range > 0)) return 1.0;
    double raw = range / target;
    double mag = pow(10.0, floor(log10(raw)));
    double f = raw / mag;
    return (f < 1.5 ? 1.0 : f < 3.0 ? 2.0 : f < 7.0 ? 5.0 : 10.0) * mag;
}

static void format_tick(char *buf, size_t len, double v, double step)
{
    int dec = step >= 1.0 ? 0 : (int)ceil(-log10(step) - 1e-9);
    if (dec > 6) dec = 6;
    if (fabs(v) < step * 1e-6) v = 0.0;
    snprintf(buf, len, "%.*f", dec, v);
}

/* One chart of `which` (0 QE, 1 TE) in the box. */
static void draw_one(cairo_t *cr, const som_history *h, size_t n, int which,
                     const som_render_opts *o, double x, double y, double w,
                     double h_box, double fs)
{
    const char *title = which ? "Topographic error" : "Quantization error";
    double ymax = 0, xmax = 0;
    for (size_t i = 0; i < n; i++) {
        double v = which ? h[i].te : h[i].qe;
        if (isfinite(v) && v > ymax) ymax = v;
        if ((double)h[i].pass > xmax) xmax = (double)h[i].pass;
    }
    if (ymax <= 0) ymax = 1;
    if (xmax <= 0) xmax = 1;
    double ystep = nice_step(ymax, 5), xstep = nice_step(xmax, 6);
    /* a little headroom so the highest point is not drawn on the frame */
    ymax = ceil(ymax * 1.04 / ystep - 1e-9) * ystep;
    if (xstep < 1) xstep = 1;

    /* plot area: room for tick labels left and below, title above */
    double top = y + (o->titles ? fs * 2.0 : fs * 0.6);
    double left = x + fs * 4.2, right = x + w - fs * 1.2;
    double bottom = y + h_box - fs * 3.0;
    if (right - left < 20 || bottom - top < 20) return;

    cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
    if (o->titles) som__text(cr, title, x + w / 2, y + fs, 0.5, w, fs * 1.05, 1);

    char buf[32];
    cairo_set_line_width(cr, 1.0);
    for (double v = 0; v <= ymax + ystep * 1e-6; v += ystep) {
        double py = bottom - (bottom - top) * v / ymax;
        cairo_set_source_rgb(cr, 0.88, 0.88, 0.88);
        cairo_move_to(cr, left, py);
        cairo_line_to(cr, right, py);
        cairo_stroke(cr);
        cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
        format_tick(buf, sizeof buf, v, ystep);
        som__text(cr, buf, left - fs * 0.4, py, 1.0, fs * 3.6, fs * 0.85, 0);
    }
    for (double v = 0; v <= xmax + xstep * 1e-6; v += xstep) {
        double px = left + (right - left) * v / xmax;
        cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
        cairo_move_to(cr, px, bottom);
        cairo_line_to(cr, px, bottom + fs * 0.3);
        cairo_stroke(cr);
        format_tick(buf, sizeof buf, v, xstep);
        som__text(cr, buf, px, bottom + fs * 0.95, 0.5, 0, fs * 0.85, 0);
    }
    som__text(cr, "pass", (left + right) / 2, bottom + fs * 2.2, 0.5, 0, fs * 0.9, 0);
    cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
    cairo_rectangle(cr, left, top, right - left, bottom - top);
    cairo_stroke(cr);

    unsigned char rgb[3];
    som_colormap(o->colors, which ? 0.7 : 0.2, rgb);
    cairo_set_source_rgb(cr, rgb[0] / 255.0, rgb[1] / 255.0, rgb[2] / 255.0);
    cairo_set_line_width(cr, fs * 0.15 > 1.5 ? fs * 0.15 : 1.5);
    int started = 0;
    for (size_t i = 0; i < n; i++) {
        double v = which ? h[i].te : h[i].qe;
        if (!isfinite(v)) continue;
        double px = left + (right - left) * (double)h[i].pass / xmax;
        double py = bottom - (bottom - top) * v / ymax;
        if (started) cairo_line_to(cr, px, py);
        else cairo_move_to(cr, px, py);
        started = 1;
    }
    cairo_stroke(cr);
    double dot = fs * 0.22 > 2 ? fs * 0.22 : 2;
    if (n <= 200)
        for (size_t i = 0; i < n; i++) {
            double v = which ? h[i].te : h[i].qe;
            if (!isfinite(v)) continue;
            double px = left + (right - left) * (double)h[i].pass / xmax;
            double py = bottom - (bottom - top) * v / ymax;
            cairo_new_sub_path(cr);
            cairo_arc(cr, px, py, dot, 0, 2 * M_PI);
            cairo_fill(cr);
        }
}

int som__draw_error_chart(cairo_t *cr, const som_map *map,
                          const som_render_opts *o, double x, double y,
                          double w, double h, som_error *err)
{
    size_t n = som_map_history_len(map);
    const som_history *hist = som_map_history(map);
    if (n == 0 || !hist)
        return som_error_set(err, SOM_EEMPTY,
                                 "the model has no training history to plot");
    double fs = fmin(w, h) / 26;
    if (fs < 9) fs = 9;
    if (fs > 15) fs = 15;
    if (w >= 1.3 * h) { /* side by side */
        draw_one(cr, hist, n, 0, o, x, y, w / 2, h, fs);
        draw_one(cr, hist, n, 1, o, x + w / 2, y, w / 2, h, fs);
    } else {
        draw_one(cr, hist, n, 0, o, x, y, w, h / 2, fs);
        draw_one(cr, hist, n, 1, o, x, y + h / 2, w, h / 2, fs);
    }
    return SOM_OK;
}
