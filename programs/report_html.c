/* SPDX-License-Identifier: MIT */
/* report_html.c — the page of `som report`: one XHTML file (it parses as
 * XML and as HTML5) with its style sheet and every picture inline as SVG
 * from som_render_mem, so that it opens anywhere without a network or
 * JavaScript. The CSS lays the pictures out in a grid that narrows to one
 * column on a phone, and prints on A4. Nothing on the page depends on the
 * time or the machine: the same report gives the same bytes. */
#include "report.h"

#ifdef SOM_HAVE_REPORT
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---- text ------------------------------------------------------------------- */

static void esc(FILE *fp, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '&': fputs("&amp;", fp); break;
        case '<': fputs("&lt;", fp); break;
        case '>': fputs("&gt;", fp); break;
        case '"': fputs("&quot;", fp); break;
        case '\'': fputs("&#39;", fp); break;
        default: fputc(*s, fp);
        }
    }
}

/* The base name of a path, for headings. */
static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

/* A number as a person reads it: about 4 significant digits, no exponent
 * between 0.001 and a million; "n/a" for NaN. */
static const char *fmt(char buf[32], double v)
{
    if (isnan(v)) return "n/a";
    double a = fabs(v);
    if (a != 0 && (a < 1e-3 || a >= 1e6)) {
        snprintf(buf, 32, "%.3g", v);
    } else {
        int dec = a == 0 ? 0 : 3 - (int)floor(log10(a));
        if (dec < 0) dec = 0;
        if (dec > 4) dec = 4;
        snprintf(buf, 32, "%.*f", dec, v);
        /* Trailing zeros say nothing: 4.300 is 4.3. */
        if (strchr(buf, '.')) {
            size_t n = strlen(buf);
            while (buf[n - 1] == '0') buf[--n] = '\0';
            if (buf[n - 1] == '.') buf[--n] = '\0';
        }
        if (strcmp(buf, "-0") == 0) snprintf(buf, 32, "0");
    }
    return buf;
}

static void num(FILE *fp, double v)
{
    char b[32];
    fputs(fmt(b, v), fp);
}

/* A signed number of standard deviations, "+1.3" or "-0.4". */
static void signed1(FILE *fp, double z)
{
    if (isnan(z))
        fputs("n/a", fp);
    else
        fprintf(fp, "%s%.1f", z >= 0.05 ? "+" : z <= -0.05 ? "-" : "", fabs(z));
}

static void pct(FILE *fp, size_t part, size_t whole)
{
    fprintf(fp, "%.0f%%", whole ? 100.0 * (double)part / (double)whole : 0.0);
}

/* A diverging background for t in [-1, 1]: blue below 0, red above, white
 * at 0 (Moreland's endpoints, faded so dark text stays readable). */
static void tint(FILE *fp, double t)
{
    if (isnan(t)) {
        fputs(" style=\"background:#eeeeee\"", fp);
        return;
    }
    if (t > 1) t = 1;
    if (t < -1) t = -1;
    const double blue[3] = {59, 76, 192}, red[3] = {180, 4, 38};
    const double *e = t < 0 ? blue : red;
    double f = fabs(t) * 0.55;
    int c[3];
    for (int i = 0; i < 3; i++) c[i] = (int)lround(255 + (e[i] - 255) * f);
    fprintf(fp, " style=\"background:#%02x%02x%02x\"", c[0], c[1], c[2]);
}

/* ---- pictures ---------------------------------------------------------------- */

/* Copies Cairo's SVG into the page: without the XML declaration, with the
 * fixed size replaced by a viewBox-scaled width capped at the natural one,
 * and with every id (glyphs, clips) prefixed, since all the pictures share
 * one document and Cairo numbers each picture's ids from 0. */
static void copy_svg(FILE *fp, const char *s, size_t len, const char *prefix, const char *label)
{
    const char *end = s + len;
    const char *p = strstr(s, "<svg");
    if (!p) return;
    const char *tag_end = memchr(p, '>', (size_t)(end - p));
    if (!tag_end) return;
    /* The root tag: keep its attributes but width and height. */
    double w = 0;
    fputs("<svg", fp);
    const char *q = p + 4;
    while (q < tag_end) {
        while (q < tag_end && (*q == ' ' || *q == '\n')) q++;
        const char *eq = memchr(q, '=', (size_t)(tag_end - q));
        if (!eq || eq[1] != '"') break;
        const char *vend = memchr(eq + 2, '"', (size_t)(tag_end - eq - 2));
        if (!vend) break;
        size_t name_len = (size_t)(eq - q);
        if (name_len == 5 && strncmp(q, "width", 5) == 0) {
            w = strtod(eq + 2, NULL);
        } else if (!(name_len == 6 && strncmp(q, "height", 6) == 0)) {
            fputc(' ', fp);
            fwrite(q, 1, (size_t)(vend + 1 - q), fp);
        }
        q = vend + 1;
    }
    fprintf(fp, " class=\"pic\" style=\"max-width:%.0fpx\" role=\"img\" aria-label=\"", w);
    esc(fp, label);
    fputs("\">", fp);
    static const char *const refs[] = {"id=\"", "href=\"#", "url(#"};
    for (q = tag_end + 1; q < end;) {
        int hit = -1;
        for (int i = 0; i < 3 && hit < 0; i++) {
            size_t n = strlen(refs[i]);
            if ((size_t)(end - q) >= n && memcmp(q, refs[i], n) == 0) hit = i;
        }
        if (hit >= 0) {
            fputs(refs[hit], fp);
            fputs(prefix, fp);
            fputc('-', fp);
            q += strlen(refs[hit]);
        } else {
            fputc(*q++, fp);
        }
    }
}

/* One figure: the picture of `o` and a caption (may be NULL). */
static int figure(FILE *fp, const report *r, const som_render_opts *o, const char *prefix,
                  const char *label, const char *caption, const char *cls)
{
    unsigned char *buf = NULL;
    size_t len = 0;
    som_error err;
    som_error_clear(&err);
    if (som_render_mem(r->map, r->data, o, "svg", &buf, &len, &err) != SOM_OK)
        return cli_fail(&err);
    fprintf(fp, "<figure class=\"%s\">", cls ? cls : "fig");
    copy_svg(fp, (const char *)buf, len, prefix, label);
    som_render_free(buf);
    if (caption) {
        fputs("<figcaption>", fp);
        esc(fp, caption);
        fputs("</figcaption>", fp);
    }
    fputs("</figure>\n", fp);
    return CLI_OK;
}

static int plot_figure(FILE *fp, const report *r, som_plot plot, int boundaries,
                       const char *prefix, const char *label, const char *caption)
{
    som_render_opts o = r->ro;
    o.plot = plot;
    o.boundaries = boundaries;
    return figure(fp, r, &o, prefix, label, caption, NULL);
}

/* ---- the page's frame ------------------------------------------------------- */

static const char css[] =
    ":root{--ink:#1d2230;--mute:#5b6272;--line:#d9dce3;--bg:#ffffff;--soft:#f4f5f8;"
    "--accent:#2b5fab}\n"
    "*{box-sizing:border-box}\n"
    "body{margin:0;background:var(--bg);color:var(--ink);font:15px/1.5 'DejaVu Sans',"
    "system-ui,sans-serif}\n"
    "main{max-width:1160px;margin:0 auto;padding:20px 24px 40px}\n"
    "h1{font-size:1.6em;margin:0.2em 0 0.1em}\n"
    "h2{font-size:1.25em;margin:1.8em 0 0.4em;padding-bottom:0.2em;"
    "border-bottom:2px solid var(--line)}\n"
    "h3{font-size:1em;margin:1.2em 0 0.3em}\n"
    "p{margin:0.4em 0}\n"
    ".sub,.note,figcaption{color:var(--mute)}\n"
    ".note{font-size:0.9em}\n"
    "nav{margin:0.8em 0 0;display:flex;flex-wrap:wrap;gap:4px 14px;font-size:0.92em}\n"
    "nav a{color:var(--accent);text-decoration:none}\n"
    "dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:2px 16px;margin:0.6em 0}\n"
    "dl.facts dt{color:var(--mute)}\n"
    "dl.facts dd{margin:0}\n"
    ".cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(150px,1fr));gap:10px;"
    "margin:0.8em 0}\n"
    ".card{background:var(--soft);border-radius:6px;padding:8px 12px}\n"
    ".card>b{display:block;font-size:1.35em}\n"
    ".card>span{color:var(--mute);font-size:0.85em}\n"
    ".figs{display:grid;grid-template-columns:repeat(auto-fill,minmax(300px,1fr));gap:14px;"
    "align-items:start}\n"
    ".figs.planes{grid-template-columns:repeat(auto-fill,minmax(240px,1fr))}\n"
    "figure{margin:0;text-align:center}\n"
    "figcaption{font-size:0.82em;margin-top:2px}\n"
    "svg.pic{width:100%;height:auto;display:block;margin:0 auto}\n"
    ".figs.one{grid-template-columns:minmax(0,680px)}\n"
    "figure.wide svg.pic{max-width:680px!important}\n"
    ".scroll{overflow-x:auto;margin:0.6em 0}\n"
    "table{border-collapse:collapse;font-size:0.88em}\n"
    "th,td{border:1px solid var(--line);padding:3px 7px;text-align:right;vertical-align:top}\n"
    "th{background:var(--soft);font-weight:600}\n"
    "th.l,td.l{text-align:left}\n"
    "td small{display:block;color:#3a3f4c;font-size:0.82em;white-space:nowrap}\n"
    ".clusters{display:grid;grid-template-columns:repeat(auto-fill,minmax(260px,1fr));gap:10px}\n"
    ".clusters .card p{margin:0.2em 0;font-size:0.9em}\n"
    "ul.pairs{padding-left:1.2em;margin:0.4em 0}\n"
    "ul.glance{margin:0.6em 0 1em;padding:10px 14px 10px 30px;background:#eef3fb;"
    "border-left:4px solid var(--accent);border-radius:4px}\n"
    "ul.glance li{margin:0.15em 0}\n"
    "footer{margin-top:2.5em;color:var(--mute);font-size:0.8em}\n"
    "@media (max-width:600px){main{padding:12px 12px 30px}body{font-size:14px}"
    ".figs,.figs.planes{grid-template-columns:1fr}"
    "dl.facts{grid-template-columns:1fr}dl.facts dd{margin-bottom:4px}}\n"
    "@media print{@page{size:A4;margin:14mm 12mm}"
    "body{font-size:9.5pt}main{max-width:none;padding:0}nav{display:none}"
    "h2{break-after:avoid;page-break-after:avoid}"
    "figure,.card,tr{break-inside:avoid;page-break-inside:avoid}"
    ".figs{grid-template-columns:repeat(2,1fr)}.figs.planes{grid-template-columns:repeat(3,1fr)}"
    ".scroll{overflow:visible}table{font-size:7pt}th,td{padding:2px 3px}"
    "th,td,.card,dl.facts dd{-webkit-print-color-adjust:exact;print-color-adjust:exact}}\n";

static const struct {
    const char *id, *title;
} sections[] = {
    {"summary", "Model and data"},     {"quality", "Quality"},
    {"umatrix", "U-matrix and clusters"}, {"planes", "Component planes"},
    {"classes", "Classes"},            {"profiles", "Cluster profiles"},
    {"best-units", "Best units per label"}, {"similarity", "Field similarity"},
};
#define N_SECTIONS (sizeof sections / sizeof sections[0])

static void section_start(FILE *fp, size_t i)
{
    fprintf(fp, "<section id=\"%s\">\n<h2>%s</h2>\n", sections[i].id, sections[i].title);
}

static void head(FILE *fp, const report *r)
{
    const som_grid *g = som_map_grid(r->map);
    fputs("<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">\n<head>\n"
          "<meta charset=\"utf-8\"/>\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n"
          "<meta name=\"generator\" content=\"som report\"/>\n<title>Map report: ",
          fp);
    esc(fp, base_name(r->model_path));
    fputs("</title>\n<style>\n", fp);
    fputs(css, fp);
    fputs("</style>\n</head>\n<body>\n<main>\n<header>\n<h1>Map report: ", fp);
    esc(fp, base_name(r->model_path));
    fputs("</h1>\n<p class=\"sub\">", fp);
    fprintf(fp, "%zu&#215;%zu %s%s map of %zu fields", g->rows, g->cols,
            g->topology == SOM_HEX ? "hexagonal" : "rectangular", g->toroid ? " toroid" : "",
            r->dim);
    if (r->data) {
        fputs(", measured on ", fp);
        esc(fp, base_name(r->data_path));
        fprintf(fp, " (%zu rows)", som_data_n_samples(r->data));
    } else {
        fputs("; no data given: the report describes the units alone", fp);
    }
    fputs("</p>\n<nav>", fp);
    for (size_t i = 0; i < N_SECTIONS; i++)
        fprintf(fp, "<a href=\"#%s\">%s</a>", sections[i].id, sections[i].title);
    fputs("</nav>\n</header>\n", fp);
}

/* ---- sections ----------------------------------------------------------------- */

static void fact(FILE *fp, const char *name, const char *value)
{
    fprintf(fp, "<dt>%s</dt><dd>", name);
    esc(fp, value);
    fputs("</dd>\n", fp);
}

/* The few sentences a reader wants first: how well the map fits, the
 * cluster that stands out most, how cleanly the labels separate, the two
 * planes most alike. Each is a reading of numbers shown in full below. */
static void glance(FILE *fp, const report *r)
{
    fputs("<ul class=\"glance\">\n", fp);
    if (r->data) {
        fprintf(fp, "<li>%zu rows on %zu units: quantization error %.3g, topographic error "
                    "%.1f%%; %zu units (",
                r->q.n_samples, r->q.n_units, r->q.qe, 100.0 * r->q.te,
                r->q.n_units - r->q.units_hit);
        pct(fp, r->q.n_units - r->q.units_hit, r->q.n_units);
        fputs(") hold no row.</li>\n", fp);
    }
    /* The cluster and field with the largest |z|. */
    size_t bc = SIZE_MAX, bj = 0;
    for (size_t c = 0; r->k >= 2 && c < r->k; c++)
        for (size_t j = 0; j < r->dim; j++) {
            double z = fabs(r->cl_z[c * r->dim + j]);
            if (!isnan(z) && (bc == SIZE_MAX || z > fabs(r->cl_z[bc * r->dim + bj]))) {
                bc = c;
                bj = j;
            }
        }
    if (bc != SIZE_MAX) {
        double z = r->cl_z[bc * r->dim + bj];
        fprintf(fp, "<li>%zu clusters; cluster %zu (%zu %s, ", r->k, bc, r->cl_rows[bc],
                r->data ? "rows" : "units");
        size_t total = 0;
        for (size_t c = 0; c < r->k; c++) total += r->cl_rows[c];
        pct(fp, r->cl_rows[bc], total);
        fprintf(fp, ") stands out most: %s <b>", z > 0 ? "high" : "low");
        esc(fp, som_map_title(r->map, bj));
        fputs("</b> (", fp);
        signed1(fp, z);
        fputs(" SD).</li>\n", fp);
    }
    if (r->n_labels && r->n_labels <= 12) {
        /* Per label, the share of its rows on units where it is the
         * majority (ties: the label first in order). */
        fputs("<li>How cleanly the labels separate (the share of each label's rows on units "
              "where it is the most frequent label): ", fp);
        for (size_t l = 0; l < r->n_labels; l++) {
            size_t on = 0;
            for (size_t u = 0; u < r->n_units; u++) {
                size_t best = 0;
                for (size_t m = 1; m < r->n_labels; m++)
                    if (r->label_counts[m * r->n_units + u] >
                        r->label_counts[best * r->n_units + u])
                        best = m;
                if (best == l) on += r->label_counts[l * r->n_units + u];
            }
            fputs(l ? ", " : "", fp);
            esc(fp, r->labels[l]);
            fputs(" ", fp);
            pct(fp, on, r->label_rows[l]);
        }
        fputs(".</li>\n", fp);
    }
    size_t pa = SIZE_MAX, pb = 0, nc = r->n_corr;
    for (size_t a = 0; a < nc; a++)
        for (size_t b = a + 1; b < nc; b++) {
            double v = fabs(r->corr[a * nc + b]);
            if (!isnan(v) && (pa == SIZE_MAX || v > fabs(r->corr[pa * nc + pb]))) {
                pa = a;
                pb = b;
            }
        }
    if (pa != SIZE_MAX) {
        fputs("<li>Most alike planes: <b>", fp);
        esc(fp, som_map_title(r->map, r->corr_fields[pa]));
        fputs("</b> and <b>", fp);
        esc(fp, som_map_title(r->map, r->corr_fields[pb]));
        fprintf(fp, "</b> (r = %+.2f).</li>\n", r->corr[pa * nc + pb]);
    }
    fputs("</ul>\n", fp);
}

static void summary(FILE *fp, const report *r)
{
    const som_grid *g = som_map_grid(r->map);
    char b[256];
    section_start(fp, 0);
    glance(fp, r);
    fputs("<dl class=\"facts\">\n", fp);
    fact(fp, "Model", r->model_path);
    snprintf(b, sizeof b, "%zu rows x %zu columns = %zu units, %s, %s", g->rows, g->cols,
             r->n_units, g->topology == SOM_HEX ? "hexagonal" : "rectangular",
             g->toroid ? "toroid (edges wrap)" : "flat sheet");
    fact(fp, "Grid", b);
    som_scaling sc = som_map_scaling(r->map);
    fact(fp, "Scaling",
         sc == SOM_SCALE_ZSCORE   ? "zscore: each field as (x - mean) / sd"
         : sc == SOM_SCALE_MINMAX ? "minmax: each field as (x - min) / (max - min)"
                                  : "none: fields in their own units");
    const som_train_opts *s = som_map_train_settings(r->map);
    if (s) {
        int n = snprintf(b, sizeof b, "%s, ", cli_name(cli_algorithm_names, (int)s->algorithm));
        if (s->iterations)
            n += snprintf(b + n, sizeof b - (size_t)n, "%zu steps", s->iterations);
        else
            n += snprintf(b + n, sizeof b - (size_t)n, "%zu epochs", s->epochs);
        snprintf(b + n, sizeof b - (size_t)n, ", init %s, schedule %s, neighbourhood %s, "
                 "radius %.4g to %.4g, seed %llu",
                 cli_name(cli_init_names, (int)s->init),
                 cli_name(cli_schedule_names, (int)s->schedule),
                 cli_name(cli_neighborhood_names, (int)s->neighborhood), s->radius0,
                 s->radius1, (unsigned long long)s->seed);
        fact(fp, "Training", b);
    } else {
        fact(fp, "Training", "none recorded");
    }
    if (r->data) {
        size_t n = som_data_n_samples(r->data), miss = som_data_n_missing(r->data);
        snprintf(b, sizeof b, "%zu rows; %zu missing values (%.1f%% of cells)", n, miss,
                 100.0 * (double)miss / (double)(n * r->dim));
        fact(fp, "Data", r->data_path);
        fact(fp, "Rows", b);
        const char *lt = som_data_label_title(r->data);
        if (lt && r->n_distinct) {
            snprintf(b, sizeof b, "column '%s', %zu distinct%s", lt, r->n_distinct,
                     r->n_labels ? "" : " (too many to tabulate by unit)");
            fact(fp, "Labels", b);
        } else {
            fact(fp, "Labels", "none");
        }
    } else {
        fact(fp, "Data", "none given (--data): no quality, hits or labels");
    }
    fputs("</dl>\n<h3>Fields</h3>\n<div class=\"scroll\"><table>\n<thead><tr>"
          "<th class=\"l\">#</th><th class=\"l\">Field</th><th>data min</th><th>data max</th>"
          "<th>map min</th><th>map max</th><th>mean</th><th>sd</th>",
          fp);
    const double *fw = som_map_feature_weights(r->map);
    if (fw) fputs("<th>weight</th>", fp);
    fputs("</tr></thead>\n<tbody>\n", fp);
    for (size_t j = 0; j < r->dim; j++) {
        double lo, hi;
        som_map_field_range(r->map, j, &lo, &hi);
        fprintf(fp, "<tr><td class=\"l\">%zu</td><td class=\"l\">", j + 1);
        esc(fp, som_map_title(r->map, j));
        fputs("</td><td>", fp);
        num(fp, lo);
        fputs("</td><td>", fp);
        num(fp, hi);
        fputs("</td><td>", fp);
        num(fp, r->cb_min[j]);
        fputs("</td><td>", fp);
        num(fp, r->cb_max[j]);
        fputs("</td><td>", fp);
        num(fp, r->all_mean[j]);
        fputs("</td><td>", fp);
        num(fp, r->all_sd[j]);
        if (fw) {
            fputs("</td><td>", fp);
            num(fp, fw[j]);
        }
        fputs("</td></tr>\n", fp);
    }
    fprintf(fp, "</tbody></table></div>\n<p class=\"note\">Data min and max: the rows the "
                "map was fitted on. Map min and max: the range the units' weights cover. "
                "Mean and sd: over %s.</p>\n</section>\n",
            r->data ? "the rows of the data given" : "the units' weights");
}

static void card(FILE *fp, const char *value, const char *what)
{
    fputs("<div class=\"card\"><b>", fp);
    esc(fp, value);
    fputs("</b><span>", fp);
    esc(fp, what);
    fputs("</span></div>\n", fp);
}

static int quality(FILE *fp, const report *r)
{
    section_start(fp, 1);
    size_t nh = som_map_history_len(r->map);
    const som_history *h = som_map_history(r->map);
    char b[64], c[32];
    if (r->data) {
        fputs("<div class=\"cards\">\n", fp);
        snprintf(b, sizeof b, "%.4g", r->q.qe);
        card(fp, b, "quantization error: mean distance of a row to its unit (scaled space)");
        snprintf(b, sizeof b, "%.1f%%", 100.0 * r->q.te);
        card(fp, b, "topographic error: rows whose two best units are not neighbours");
        snprintf(b, sizeof b, "%zu of %zu", r->q.units_hit, r->q.n_units);
        card(fp, b, "units hit: the best match of at least one row");
        snprintf(b, sizeof b, "%zu", r->q.n_units - r->q.units_hit);
        card(fp, b, "dead units: no row maps to them");
        snprintf(b, sizeof b, "%zu", r->q.max_hits);
        card(fp, b, "rows on the busiest unit");
        snprintf(b, sizeof b, "%s", fmt(c, (double)r->q.n_samples / (double)r->q.n_units));
        card(fp, b, "rows per unit on average");
        fputs("</div>\n", fp);
    } else if (nh) {
        fprintf(fp, "<p>At the end of training (pass %zu): quantization error %.4g, "
                    "topographic error %.1f%%. Give --data for hits and dead units.</p>\n",
                h[nh - 1].pass, h[nh - 1].qe, 100.0 * h[nh - 1].te);
    } else {
        fputs("<p class=\"note\">No data given and no training history: nothing to measure."
              "</p>\n", fp);
    }
    fputs("<div class=\"figs\">\n", fp);
    int rc = CLI_OK;
    if (r->data)
        rc = plot_figure(fp, r, SOM_PLOT_HITS, 0, "hits", "hits per unit",
                         "Rows per unit: where the data lies on the map.");
    if (rc == CLI_OK && nh >= 2)
        rc = plot_figure(fp, r, SOM_PLOT_ERROR, 0, "curve", "training curve",
                         "The training curve: quantization and topographic error per pass.");
    fputs("</div>\n", fp);
    if (nh < 2)
        fputs("<p class=\"note\">The model has no training history to draw.</p>\n", fp);
    fputs("</section>\n", fp);
    return rc;
}

static int umatrix(FILE *fp, const report *r)
{
    section_start(fp, 2);
    fputs("<p>The U-matrix shows each unit's mean distance to its neighbours (in the scaled "
          "space): areas of low values are groups of similar units, ridges of high values the "
          "borders between them; the colour bar says which colours are low.",
          fp);
    if (r->k >= 2)
        fprintf(fp, " Lines mark the borders of the %zu clusters %s.", r->k,
                r->cluster_source == CLUSTERS_MODEL
                    ? "stored in the model"
                    : "found for this report (k-means on the units' weights, k chosen by "
                      "the Davies-Bouldin index; 'som cluster' stores your own)");
    fputs("</p>\n<div class=\"figs\">\n", fp);
    int rc = plot_figure(fp, r, SOM_PLOT_UMATRIX, r->k >= 2, "umat", "U-matrix",
                         r->k >= 2 ? "U-matrix with cluster borders." : "U-matrix.");
    if (rc == CLI_OK && r->k >= 2)
        rc = plot_figure(fp, r, SOM_PLOT_CLUSTERS, 0, "clus", "clusters",
                         "Clusters, numbered as in the profiles below.");
#if SOM_PLOT_COUNT > 7 /* the picture layer has the codes plot */
    if (rc == CLI_OK)
        rc = plot_figure(fp, r, SOM_PLOT_CODES, r->k >= 2, "codes", "codes",
                         "Each unit's profile: its weight in every field, scaled.");
#endif
    fputs("</div>\n", fp);
    if (r->k < 2)
        fputs("<p class=\"note\">The map is too small to cluster.</p>\n", fp);
    fputs("</section>\n", fp);
    return rc;
}

static int planes(FILE *fp, const report *r)
{
    section_start(fp, 3);
    fputs("<p>One map per field: each unit coloured by its weight for that field, in the "
          "field's own units. Fields whose planes look alike move together in the data.</p>\n",
          fp);
    if (r->n_planes < r->dim)
        fprintf(fp, "<p class=\"note\">The map has %zu fields; these are the %zu whose "
                    "planes vary most across the units (standard deviation in the scaled "
                    "space). The JSON output lists every field.</p>\n",
                r->dim, r->n_planes);
    fputs("<div class=\"figs planes\">\n", fp);
    int rc = CLI_OK;
    for (size_t i = 0; rc == CLI_OK && i < r->n_planes; i++) {
        size_t j = r->plane_order[i];
        const char *title = som_map_title(r->map, j);
        som_render_opts o = r->ro;
        o.plot = SOM_PLOT_PLANES;
        o.fields = &title;
        o.n_fields = 1;
        char prefix[32], cap[160], a[32], b[32], c[32], d[32];
        snprintf(prefix, sizeof prefix, "pl%zu", j);
        double lo, hi;
        som_map_field_range(r->map, j, &lo, &hi);
        snprintf(cap, sizeof cap, "map %s to %s; data %s to %s", fmt(a, r->cb_min[j]),
                 fmt(b, r->cb_max[j]), fmt(c, lo), fmt(d, hi));
        rc = figure(fp, r, &o, prefix, title, cap, NULL);
    }
    fputs("</div>\n</section>\n", fp);
    return rc;
}

static int classes(FILE *fp, const report *r)
{
    section_start(fp, 4);
    int rc = CLI_OK;
    if (r->n_distinct) {
        fprintf(fp, "<p>Each unit shows the most frequent label among its rows (%zu labels in "
                    "column '",
                r->n_distinct);
        esc(fp, som_data_label_title(r->data));
        fputs("'). Where one label holds a region, the map separates that class.</p>\n"
              "<div class=\"figs one\">\n",
              fp);
        /* Wider than drawn: the unit's labels are small text. */
        som_render_opts o = r->ro;
        o.plot = SOM_PLOT_LABELS;
        rc = figure(fp, r, &o, "cls", "classes", "The majority label of each unit.", "wide");
        fputs("</div>\n", fp);
    } else {
        fputs("<p class=\"note\">The data has no label column (or no data was given): there "
              "are no classes to show.</p>\n", fp);
    }
    fputs("</section>\n", fp);
    return rc;
}

/* The fields of cluster c that stand out most (|z| >= 0.5), at most 3. */
static void traits(FILE *fp, const report *r, size_t c)
{
    size_t pick[3], n = 0;
    for (size_t t = 0; t < 3; t++) {
        size_t best = SIZE_MAX;
        for (size_t j = 0; j < r->dim; j++) {
            double z = fabs(r->cl_z[c * r->dim + j]);
            bool taken = false;
            for (size_t i = 0; i < n; i++) taken |= pick[i] == j;
            if (taken || isnan(z) || z < 0.5) continue;
            if (best == SIZE_MAX || z > fabs(r->cl_z[c * r->dim + best])) best = j;
        }
        if (best == SIZE_MAX) break;
        pick[n++] = best;
    }
    fputs("<p>", fp);
    if (n == 0) fputs("Close to the overall mean in every field.", fp);
    for (size_t i = 0; i < n; i++) {
        size_t j = pick[i];
        double z = r->cl_z[c * r->dim + j];
        fputs(i ? ", " : "", fp);
        fputs(z > 0 ? "high " : "low ", fp);
        fputs("<b>", fp);
        esc(fp, som_map_title(r->map, j));
        fputs("</b> (", fp);
        num(fp, r->cl_mean[c * r->dim + j]);
        fputs(", ", fp);
        signed1(fp, z);
        fputs(" SD)", fp);
    }
    fputs("</p>\n", fp);
}

/* The labels of cluster c with their share of its rows, most first. */
static void cluster_labels(FILE *fp, const report *r, size_t c, size_t max)
{
    const size_t *rows = r->cl_label_rows + c * r->n_labels;
    size_t total = 0, shown = 0, distinct = 0, most = 0;
    for (size_t l = 0; l < r->n_labels; l++) {
        total += rows[l];
        distinct += rows[l] > 0;
        if (rows[l] > most) most = rows[l];
    }
    if (!total) return;
    /* Labels that name single rows (no label holds two of the cluster's
     * rows) are examples, not classes: shares would say nothing. */
    bool names = most == 1 && distinct > 1;
    fputs(names ? "<p>Labels: " : "<p>", fp);
    size_t last = SIZE_MAX, last_l = SIZE_MAX;
    while (shown < max) {
        size_t bl = SIZE_MAX;
        for (size_t l = 0; l < r->n_labels; l++) {
            if (!rows[l]) continue;
            /* Next in (count descending, label order) after the last shown. */
            if (last != SIZE_MAX && (rows[l] > last || (rows[l] == last && l <= last_l)))
                continue;
            if (bl == SIZE_MAX || rows[l] > rows[bl]) bl = l;
        }
        if (bl == SIZE_MAX) break;
        fputs(shown ? ", " : "", fp);
        esc(fp, r->labels[bl]);
        if (!names) {
            fputs(" ", fp);
            pct(fp, rows[bl], total);
        }
        last = rows[bl];
        last_l = bl;
        shown++;
    }
    if (names && distinct > shown) fprintf(fp, ", &#8230; (%zu labels)", distinct);
    fputs("</p>\n", fp);
}

static void profiles(FILE *fp, const report *r)
{
    section_start(fp, 5);
    const char *what = r->data ? "rows" : "units";
    size_t total = 0;
    for (size_t c = 0; c < r->k; c++) total += r->cl_rows[c];
    fprintf(fp, "<p>What sets each cluster apart: the fields whose mean over the cluster's "
                "%s lies furthest from the overall mean, in standard deviations (SD) of the "
                "field over all %s. Values are in the fields' own units.</p>\n",
            what, what);
    fputs("<div class=\"clusters\">\n", fp);
    for (size_t c = 0; c < r->k; c++) {
        fprintf(fp, "<div class=\"card\"><b>Cluster %zu</b><span>%zu unit%s", c, r->cl_units[c],
                r->cl_units[c] == 1 ? "" : "s");
        if (r->data) {
            fprintf(fp, ", %zu row%s (", r->cl_rows[c], r->cl_rows[c] == 1 ? "" : "s");
            pct(fp, r->cl_rows[c], total);
            fputs(")", fp);
        }
        fputs("</span>\n", fp);
        traits(fp, r, c);
        if (r->n_labels) cluster_labels(fp, r, c, 3);
        fputs("</div>\n", fp);
    }
    fputs("</div>\n", fp);

    size_t nf = r->dim < REPORT_MAX_PROFILE_FIELDS ? r->dim : REPORT_MAX_PROFILE_FIELDS;
    size_t *fields = calloc(nf ? nf : 1, sizeof *fields);
    double *score = calloc(r->dim ? r->dim : 1, sizeof *score);
    if (!fields || !score) {
        free(fields);
        free(score);
        fputs("</section>\n", fp);
        return;
    }
    for (size_t j = 0; j < r->dim; j++) {
        score[j] = NAN;
        for (size_t c = 0; c < r->k; c++) {
            double z = fabs(r->cl_z[c * r->dim + j]);
            if (!isnan(z) && (isnan(score[j]) || z > score[j])) score[j] = z;
        }
    }
    report_top_fields(r, score, nf, fields);
    free(score);
    fprintf(fp, "<h3>Mean &#177; sd per cluster</h3>\n<p class=\"note\">The cell's colour is "
                "its distance from the overall mean: red above, blue below (full colour at 2 "
                "SD).%s</p>\n",
            nf < r->dim ? " Only the fields that set some cluster furthest apart are listed; "
                          "the JSON output has every field."
                        : "");
    fputs("<div class=\"scroll\"><table>\n<thead><tr><th class=\"l\">Field</th>"
          "<th>all</th>", fp);
    for (size_t c = 0; c < r->k; c++) fprintf(fp, "<th>cluster %zu</th>", c);
    fprintf(fp, "</tr>\n<tr><td class=\"l\">%s</td><td>%zu</td>", what, total);
    for (size_t c = 0; c < r->k; c++) fprintf(fp, "<td>%zu</td>", r->cl_rows[c]);
    fputs("</tr></thead>\n<tbody>\n", fp);
    for (size_t i = 0; i < nf; i++) {
        size_t j = fields[i];
        fputs("<tr><td class=\"l\">", fp);
        esc(fp, som_map_title(r->map, j));
        fputs("</td><td>", fp);
        num(fp, r->all_mean[j]);
        fputs("<small>&#177;", fp);
        num(fp, r->all_sd[j]);
        fputs("</small></td>", fp);
        for (size_t c = 0; c < r->k; c++) {
            size_t a = c * r->dim + j;
            fputs("<td", fp);
            tint(fp, r->cl_z[a] / 2);
            fputs(">", fp);
            num(fp, r->cl_mean[a]);
            fputs("<small>&#177;", fp);
            num(fp, r->cl_sd[a]);
            fputs("</small><small>", fp);
            signed1(fp, r->cl_z[a]);
            fputs(" SD</small></td>", fp);
        }
        fputs("</tr>\n", fp);
    }
    fputs("</tbody></table></div>\n</section>\n", fp);
    free(fields);
}

static void best_units(FILE *fp, const report *r)
{
    section_start(fp, 6);
    if (!r->n_labels) {
        if (r->n_distinct)
            fprintf(fp, "<p class=\"note\">%zu distinct labels: too many to tabulate by unit "
                        "(more than %d).</p>\n</section>\n",
                    r->n_distinct, REPORT_MAX_LABEL_TABLE);
        else
            fputs("<p class=\"note\">The data has no labels (or no data was given).</p>\n"
                  "</section>\n", fp);
        return;
    }
    const som_grid *g = som_map_grid(r->map);
    fprintf(fp, "<p>For each label, the units that hold most of its rows, with the share of "
                "the unit's rows that carry the label (purity). Units are given as (row, "
                "column) on the grid, counted from 0 at the top left.%s</p>\n",
            r->n_labels > REPORT_MAX_LABELS ? " Only the labels with the most rows are listed."
                                            : "");
    /* Labels by rows, most first (stable in label order). */
    size_t shown = r->n_labels < REPORT_MAX_LABELS ? r->n_labels : REPORT_MAX_LABELS;
    fputs("<div class=\"scroll\"><table>\n<thead><tr><th class=\"l\">Label</th><th>rows</th>",
          fp);
    for (size_t t = 0; t < REPORT_TOP_UNITS; t++)
        fprintf(fp, "<th class=\"l\">%s unit</th>", t == 0 ? "best" : t == 1 ? "2nd" : "3rd");
    fputs("</tr></thead>\n<tbody>\n", fp);
    size_t last = SIZE_MAX, last_l = SIZE_MAX;
    for (size_t s = 0; s < shown; s++) {
        size_t bl = SIZE_MAX;
        for (size_t l = 0; l < r->n_labels; l++) {
            size_t n = r->label_rows[l];
            if (last != SIZE_MAX && (n > last || (n == last && l <= last_l))) continue;
            if (bl == SIZE_MAX || n > r->label_rows[bl]) bl = l;
        }
        if (bl == SIZE_MAX) break;
        last = r->label_rows[bl];
        last_l = bl;
        fputs("<tr><td class=\"l\">", fp);
        esc(fp, r->labels[bl]);
        fprintf(fp, "</td><td>%zu</td>", r->label_rows[bl]);
        for (size_t t = 0; t < REPORT_TOP_UNITS; t++) {
            size_t u = r->best[bl * REPORT_TOP_UNITS + t];
            if (u == SIZE_MAX) {
                fputs("<td class=\"l\"></td>", fp);
                continue;
            }
            size_t n = r->label_counts[bl * r->n_units + u];
            fprintf(fp, "<td class=\"l\">(%zu, %zu)<small>%zu row%s &#183; ", u / g->cols,
                    u % g->cols, n, n == 1 ? "" : "s");
            pct(fp, n, r->hits[u]);
            fputs(" pure</small></td>", fp);
        }
        fputs("</tr>\n", fp);
    }
    fputs("</tbody></table></div>\n</section>\n", fp);
}

typedef struct {
    size_t a, b;
    double r;
} pair;

static int cmp_pair(const void *x, const void *y)
{
    const pair *p = x, *q = y;
    double ap = fabs(p->r), aq = fabs(q->r);
    if (ap != aq) return ap > aq ? -1 : 1;
    if (p->a != q->a) return p->a < q->a ? -1 : 1;
    return p->b < q->b ? -1 : p->b > q->b;
}

static void pair_list(FILE *fp, const report *r, size_t max)
{
    size_t d = r->n_corr, n = 0;
    pair *v = calloc(d * (d - 1) / 2 + 1, sizeof *v);
    if (!v) return;
    for (size_t a = 0; a < d; a++)
        for (size_t b = a + 1; b < d; b++)
            if (!isnan(r->corr[a * d + b]))
                v[n++] = (pair){r->corr_fields[a], r->corr_fields[b], r->corr[a * d + b]};
    qsort(v, n, sizeof *v, cmp_pair);
    if (n > max) n = max;
    fputs("<ul class=\"pairs\">\n", fp);
    for (size_t i = 0; i < n; i++) {
        fputs("<li><b>", fp);
        esc(fp, som_map_title(r->map, v[i].a));
        fputs("</b> and <b>", fp);
        esc(fp, som_map_title(r->map, v[i].b));
        fprintf(fp, "</b>: r = %+.2f, %s</li>\n", v[i].r,
                fabs(v[i].r) < 0.3  ? "hardly related"
                : v[i].r > 0        ? "high together, low together"
                                    : "one high where the other is low");
    }
    fputs("</ul>\n", fp);
    free(v);
}

static void similarity(FILE *fp, const report *r)
{
    section_start(fp, 7);
    size_t d = r->dim;
    fputs("<p>How alike two fields' planes look: the correlation r of their weights across "
          "the units (+1 the same picture, -1 one the negative of the other, 0 unrelated).</p>\n",
          fp);
    if (d < 2) {
        fputs("<p class=\"note\">One field: nothing to compare.</p>\n</section>\n", fp);
        return;
    }
    fputs("<h3>Most alike</h3>\n", fp);
    if (r->n_corr < d)
        fprintf(fp, "<p class=\"note\">Among the %zu fields whose planes vary most.</p>\n",
                r->n_corr);
    pair_list(fp, r, d <= REPORT_MAX_MATRIX_FIELDS ? 8 : 20);
    if (d <= REPORT_MAX_MATRIX_FIELDS) { /* then n_corr = dim */
        fputs("<h3>All pairs</h3>\n<div class=\"scroll\"><table>\n<thead><tr>"
              "<th class=\"l\">Field</th>", fp);
        for (size_t b = 0; b < d; b++) fprintf(fp, "<th>%zu</th>", b + 1);
        fputs("</tr></thead>\n<tbody>\n", fp);
        for (size_t a = 0; a < d; a++) {
            fprintf(fp, "<tr><td class=\"l\">%zu ", a + 1);
            esc(fp, som_map_title(r->map, a));
            fputs("</td>", fp);
            for (size_t b = 0; b < d; b++) {
                double v = r->corr[a * d + b];
                if (a == b) { /* a plane is its own picture: say nothing */
                    fputs("<td style=\"background:#eeeeee\"></td>", fp);
                    continue;
                }
                fputs("<td", fp);
                tint(fp, v);
                if (isnan(v))
                    fputs(">n/a</td>", fp);
                else
                    fprintf(fp, ">%.2f</td>", v);
            }
            fputs("</tr>\n", fp);
        }
        fputs("</tbody></table></div>\n", fp);
    } else {
        fprintf(fp, "<p class=\"note\">%zu fields: the 20 most alike pairs are listed; the "
                    "JSON output has the whole matrix.</p>\n", d);
    }
    fputs("</section>\n", fp);
}

int report_write_html(FILE *fp, const report *r)
{
    head(fp, r);
    summary(fp, r);
    int rc = quality(fp, r);
    if (rc == CLI_OK) rc = umatrix(fp, r);
    if (rc == CLI_OK) rc = planes(fp, r);
    if (rc == CLI_OK) rc = classes(fp, r);
    if (rc != CLI_OK) return rc;
    profiles(fp, r);
    best_units(fp, r);
    similarity(fp, r);
    fprintf(fp, "<footer>Made by som report (libsom %s). Numbers as JSON: som report MODEL "
                "--json.</footer>\n</main>\n</body>\n</html>\n",
            som_version_string());
    return CLI_OK;
}
#endif /* SOM_HAVE_REPORT */
