/* SPDX-License-Identifier: MIT */
/* report_tables.c — the page's sections of numbers (report_html.c draws
 * the frame and the pictures): the "at a glance" list, the cluster
 * profiles, the best units of each label and the fields' similarity. Every
 * number is one the report gathered from libsom; this file only words and
 * lays them out. */
#include "report.h"

#ifdef SOM_HAVE_REPORT
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The few sentences a reader wants first: how well the map fits, the
 * cluster that stands out most, how cleanly the labels separate, the two
 * planes most alike. Each is a reading of numbers shown in full below. */
void html_glance(FILE *fp, const report *r)
{
    fputs("<ul class=\"glance\">\n", fp);
    if (r->data) {
        fprintf(fp, "<li>%zu rows on %zu units: quantization error %.3g, topographic error "
                    "%.1f%%; %zu units (",
                r->q.n_samples, r->q.n_units, r->q.qe, 100.0 * r->q.te,
                r->q.n_units - r->q.units_hit);
        html_pct(fp, r->q.n_units - r->q.units_hit, r->q.n_units);
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
        html_pct(fp, r->cl_rows[bc], total);
        fprintf(fp, ") stands out most: %s <b>", z > 0 ? "high" : "low");
        html_esc(fp, som_map_title(r->map, bj));
        fputs("</b> (", fp);
        html_signed(fp, z);
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
            html_esc(fp, r->labels[l]);
            fputs(" ", fp);
            html_pct(fp, on, r->label_rows[l]);
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
        html_esc(fp, som_map_title(r->map, r->corr_fields[pa]));
        fputs("</b> and <b>", fp);
        html_esc(fp, som_map_title(r->map, r->corr_fields[pb]));
        fprintf(fp, "</b> (r = %+.2f).</li>\n", r->corr[pa * nc + pb]);
    }
    fputs("</ul>\n", fp);
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
        html_esc(fp, som_map_title(r->map, j));
        fputs("</b> (", fp);
        html_num(fp, r->cl_mean[c * r->dim + j]);
        fputs(", ", fp);
        html_signed(fp, z);
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
        html_esc(fp, r->labels[bl]);
        if (!names) {
            fputs(" ", fp);
            html_pct(fp, rows[bl], total);
        }
        last = rows[bl];
        last_l = bl;
        shown++;
    }
    if (names && distinct > shown) fprintf(fp, ", &#8230; (%zu labels)", distinct);
    fputs("</p>\n", fp);
}

/* "mean<small>&#177;sd</small>": a profile cell's number and its spread. */
static void mean_sd(FILE *fp, double mean, double sd)
{
    html_num(fp, mean);
    fputs("<small>&#177;", fp);
    html_num(fp, sd);
    fputs("</small>", fp);
}

void html_profiles(FILE *fp, const report *r)
{
    html_section(fp, 5);
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
            html_pct(fp, r->cl_rows[c], total);
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
        html_esc(fp, som_map_title(r->map, j));
        fputs("</td><td>", fp);
        mean_sd(fp, r->all_mean[j], r->all_sd[j]);
        fputs("</td>", fp);
        for (size_t c = 0; c < r->k; c++) {
            size_t a = c * r->dim + j;
            fputs("<td", fp);
            html_tint(fp, r->cl_z[a] / 2);
            fputs(">", fp);
            mean_sd(fp, r->cl_mean[a], r->cl_sd[a]);
            fputs("<small>", fp);
            html_signed(fp, r->cl_z[a]);
            fputs(" SD</small></td>", fp);
        }
        fputs("</tr>\n", fp);
    }
    fputs("</tbody></table></div>\n</section>\n", fp);
    free(fields);
}

void html_best_units(FILE *fp, const report *r)
{
    html_section(fp, 6);
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
        html_esc(fp, r->labels[bl]);
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
            html_pct(fp, n, r->hits[u]);
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
        html_esc(fp, som_map_title(r->map, v[i].a));
        fputs("</b> and <b>", fp);
        html_esc(fp, som_map_title(r->map, v[i].b));
        fprintf(fp, "</b>: r = %+.2f, %s</li>\n", v[i].r,
                fabs(v[i].r) < 0.3  ? "hardly related"
                : v[i].r > 0        ? "high together, low together"
                                    : "one high where the other is low");
    }
    fputs("</ul>\n", fp);
    free(v);
}

void html_similarity(FILE *fp, const report *r)
{
    html_section(fp, 7);
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
            html_esc(fp, som_map_title(r->map, a));
            fputs("</td>", fp);
            for (size_t b = 0; b < d; b++) {
                double v = r->corr[a * d + b];
                if (a == b) { /* a plane is its own picture: say nothing */
                    fputs("<td style=\"background:#eeeeee\"></td>", fp);
                    continue;
                }
                fputs("<td", fp);
                html_tint(fp, v);
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
#endif /* SOM_HAVE_REPORT */
