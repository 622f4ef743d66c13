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

void html_esc(FILE *fp, const char *s)
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
const char *html_fmt(char buf[32], double v)
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

void html_num(FILE *fp, double v)
{
    char b[32];
    fputs(html_fmt(b, v), fp);
}

/* A signed number of standard deviations, "+1.3" or "-0.4". */
void html_signed(FILE *fp, double z)
{
    if (isnan(z))
        fputs("n/a", fp);
    else
        fprintf(fp, "%s%.1f", z >= 0.05 ? "+" : z <= -0.05 ? "-" : "", fabs(z));
}

void html_pct(FILE *fp, size_t part, size_t whole)
{
    fprintf(fp, "%.0f%%", whole ? 100.0 * (double)part / (double)whole : 0.0);
}

/* A diverging background for t in [-1, 1]: blue below 0, red above, white
 * at 0 (Moreland's endpoints, faded so dark text stays readable). */
void html_tint(FILE *fp, double t)
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

/* The width the picture was drawn at (its root's width="N..."), or 0. */
static double svg_width(const char *s, size_t len)
{
    const char *p = strstr(s, "<svg");
    const char *tag_end = p ? memchr(p, '>', len - (size_t)(p - s)) : NULL;
    for (const char *q = p; q && q + 7 < tag_end; q++)
        if (memcmp(q, " width=\"", 8) == 0) return strtod(q + 8, NULL);
    return 0;
}

/* Copies Cairo's SVG into the page: without the XML declaration, with the
 * fixed size dropped (the figure around it sets the width, the viewBox the
 * height), and with every id (glyphs, clips) prefixed, since all the
 * pictures share one document and Cairo numbers each picture's ids from 0. */
static void copy_svg(FILE *fp, const char *s, size_t len, const char *prefix, const char *label)
{
    const char *end = s + len;
    const char *p = strstr(s, "<svg");
    if (!p) return;
    const char *tag_end = memchr(p, '>', (size_t)(end - p));
    if (!tag_end) return;
    /* The root tag: keep its attributes but width and height. */
    fputs("<svg", fp);
    const char *q = p + 4;
    while (q < tag_end) {
        while (q < tag_end && (*q == ' ' || *q == '\n')) q++;
        const char *eq = memchr(q, '=', (size_t)(tag_end - q));
        if (!eq || eq[1] != '"') break;
        const char *vend = memchr(eq + 2, '"', (size_t)(tag_end - eq - 2));
        if (!vend) break;
        size_t name_len = (size_t)(eq - q);
        bool size = (name_len == 5 && strncmp(q, "width", 5) == 0) ||
                    (name_len == 6 && strncmp(q, "height", 6) == 0);
        if (!size) {
            fputc(' ', fp);
            fwrite(q, 1, (size_t)(vend + 1 - q), fp);
        }
        q = vend + 1;
    }
    fputs(" class=\"pic\" role=\"img\" aria-label=\"", fp);
    html_esc(fp, label);
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

/* One figure: the picture of `o` and a caption (may be NULL), at most as
 * wide as drawn (min_width, when larger, lets a picture of small text grow).
 * Pictures share a row when 80% of their widths fit: a figure shrinks to
 * 80% before it wraps, which keeps the text the picture layer sized for
 * reading (9 px and more) readable. */
static int figure(FILE *fp, const report *r, const som_render_opts *o, const char *prefix,
                  const char *label, const char *caption, double min_width)
{
    unsigned char *buf = NULL;
    size_t len = 0;
    som_error err;
    som_error_clear(&err);
    if (som_render_mem(r->map, r->data, o, "svg", &buf, &len, &err) != SOM_OK) {
        if (!r->err) return cli_fail(&err);
        *r->err = err;
        return CLI_FAIL;
    }
    double w = svg_width((const char *)buf, len);
    if (w < min_width) w = min_width;
    if (w < 100) w = 100;
    fprintf(fp, "<figure style=\"flex:1 1 %.0fpx;max-width:%.0fpx\">", 0.8 * w, w);
    copy_svg(fp, (const char *)buf, len, prefix, label);
    som_free(buf);
    if (caption) {
        fputs("<figcaption>", fp);
        html_esc(fp, caption);
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
    return figure(fp, r, &o, prefix, label, caption, 0);
}

/* ---- the page's frame ------------------------------------------------------- */

static const char css[] =
    ":root{--ink:#1d2230;--mute:#5b6272;--line:#d9dce3;--bg:#ffffff;--soft:#f4f5f8;"
    "--accent:#2b5fab}\n"
    "*{box-sizing:border-box}\n"
    "body{margin:0;background:var(--bg);color:var(--ink);font:15px/1.5 'DejaVu Sans',"
    "system-ui,sans-serif}\n"
    "main{max-width:1280px;margin:0 auto;padding:20px 24px 40px}\n"
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
    ".figs{display:flex;flex-wrap:wrap;gap:16px 18px;align-items:flex-start}\n"
    "figure{margin:0;text-align:center;min-width:0}\n"
    "figcaption{font-size:0.82em;margin-top:2px}\n"
    "svg.pic{width:100%;height:auto;display:block;margin:0 auto}\n"

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
    "dl.facts{grid-template-columns:1fr}dl.facts dd{margin-bottom:4px}}\n"
    "@media print{@page{size:A4;margin:14mm 12mm}"
    "body{font-size:9.5pt}main{max-width:none;padding:0}nav{display:none}"
    "h2{break-after:avoid;page-break-after:avoid}"
    "figure,.card,tr{break-inside:avoid;page-break-inside:avoid}"
    ".figs.planes figure{flex:1 1 30%!important;max-width:33%!important}"
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

void html_section(FILE *fp, size_t i)
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
    html_esc(fp, base_name(r->model_path));
    fputs("</title>\n<style>\n", fp);
    fputs(css, fp);
    fputs("</style>\n</head>\n<body>\n<main>\n<header>\n<h1>Map report: ", fp);
    html_esc(fp, base_name(r->model_path));
    fputs("</h1>\n<p class=\"sub\">", fp);
    fprintf(fp, "%zu&#215;%zu %s%s map of %zu fields", g->rows, g->cols,
            g->topology == SOM_HEX ? "hexagonal" : "rectangular", g->toroid ? " toroid" : "",
            r->dim);
    if (r->data) {
        fputs(", measured on ", fp);
        html_esc(fp, base_name(r->data_path));
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
    html_esc(fp, value);
    fputs("</dd>\n", fp);
}

/* The model and the data: the glance, the facts, the fields' table. */
static void summary(FILE *fp, const report *r)
{
    const som_grid *g = som_map_grid(r->map);
    char b[256];
    html_section(fp, 0);
    html_glance(fp, r);
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
        int n = snprintf(b, sizeof b, "%s, ", som_enum_name(SOM_ENUM_ALGORITHM, (int)s->algorithm));
        if (s->iterations)
            n += snprintf(b + n, sizeof b - (size_t)n, "%zu steps", s->iterations);
        else
            n += snprintf(b + n, sizeof b - (size_t)n, "%zu epochs", s->epochs);
        snprintf(b + n, sizeof b - (size_t)n, ", init %s, schedule %s, neighbourhood %s, "
                 "radius %.4g to %.4g, seed %llu",
                 som_enum_name(SOM_ENUM_INIT, (int)s->init),
                 som_enum_name(SOM_ENUM_SCHEDULE, (int)s->schedule),
                 som_enum_name(SOM_ENUM_NEIGHBORHOOD, (int)s->neighborhood), s->radius0,
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
        html_esc(fp, som_map_title(r->map, j));
        const double cells[] = {lo, hi, r->cb_min[j], r->cb_max[j], r->all_mean[j],
                                r->all_sd[j], fw ? fw[j] : 0.0};
        for (size_t k = 0; k < (fw ? 7u : 6u); k++) {
            fputs("</td><td>", fp);
            html_num(fp, cells[k]);
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
    html_esc(fp, value);
    fputs("</b><span>", fp);
    html_esc(fp, what);
    fputs("</span></div>\n", fp);
}

static int quality(FILE *fp, const report *r)
{
    html_section(fp, 1);
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
        snprintf(b, sizeof b, "%s", html_fmt(c, (double)r->q.n_samples / (double)r->q.n_units));
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
    html_section(fp, 2);
    fputs("<p>The U-matrix shows each unit's mean distance to its neighbours (in the scaled "
          "space): areas of low values are groups of similar units, ridges of high values the "
          "borders between them; the colour bar says which colours are low.",
          fp);
    if (r->k >= 2)
        fprintf(fp, " Lines mark the borders of the %zu clusters %s.", r->k,
                r->cluster_source == CLUSTERS_MODEL ? "stored in the model"
                : r->k_asked ? "found for this report (k-means on the units' weights, k as "
                               "asked; 'som cluster' stores clusters in the model)"
                             : "found for this report (k-means on the units' weights, k chosen "
                               "by the Davies-Bouldin index; 'som cluster' stores clusters in "
                               "the model)");
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
    html_section(fp, 3);
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
        snprintf(cap, sizeof cap, "map %s to %s; data %s to %s", html_fmt(a, r->cb_min[j]),
                 html_fmt(b, r->cb_max[j]), html_fmt(c, lo), html_fmt(d, hi));
        rc = figure(fp, r, &o, prefix, title, cap, 0);
    }
    fputs("</div>\n</section>\n", fp);
    return rc;
}

static int classes(FILE *fp, const report *r)
{
    html_section(fp, 4);
    int rc = CLI_OK;
    if (r->n_distinct) {
        fprintf(fp, "<p>Each unit shows the most frequent label among its rows (%zu labels in "
                    "column '",
                r->n_distinct);
        html_esc(fp, som_data_label_title(r->data));
        fputs("'). Where one label holds a region, the map separates that class.</p>\n"
              "<div class=\"figs\">\n",
              fp);
        /* Wider than drawn: the unit's labels are small text. */
        som_render_opts o = r->ro;
        o.plot = SOM_PLOT_LABELS;
        rc = figure(fp, r, &o, "cls", "classes", "The majority label of each unit.", 680);
        fputs("</div>\n", fp);
    } else {
        fputs("<p class=\"note\">The data has no label column (or no data was given): there "
              "are no classes to show.</p>\n", fp);
    }
    fputs("</section>\n", fp);
    return rc;
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
    html_profiles(fp, r);
    html_best_units(fp, r);
    html_similarity(fp, r);
    fprintf(fp, "<footer>Made by som report (libsom %s). Numbers as JSON: som report MODEL "
                "--json.</footer>\n</main>\n</body>\n</html>\n",
            som_version_string());
    return CLI_OK;
}
#endif /* SOM_HAVE_REPORT */
