/* SPDX-License-Identifier: MIT */
/* report.h — `som report`: the numbers of one report, gathered once by
 * cmd_report.c from libsom's calls and written by report_html.c (one
 * self-contained page with inline SVG pictures) and report_json.c (the same
 * numbers for scripts). Nothing here computes what the library can: the
 * profiles, label tables and plane correlations come from som.h's
 * "Summaries". Built only with the picture layer and jansson. */
#ifndef SOM_REPORT_H
#define SOM_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "cli.h"

#ifdef SOM_HAVE_REPORT
#include <jansson.h>

#include "som_render.h"

/* At most this many component planes are drawn; beyond, the ones that vary
 * most on the map (som_map_plane_spread). */
#define REPORT_MAX_PLANES 24
/* Fields in the profile table and the similarity matrix before the report
 * switches to the most telling subset and a sorted list of pairs. */
#define REPORT_MAX_PROFILE_FIELDS 30
#define REPORT_MAX_MATRIX_FIELDS 15
/* Best units listed per label. */
#define REPORT_TOP_UNITS 3
/* Labels shown per cluster and in the label table. */
#define REPORT_MAX_LABELS 40
/* Plane correlations are dim x dim: beyond this many fields, among the ones
 * that vary most. */
#define REPORT_MAX_CORR_FIELDS 200
/* The rows-per-label-and-unit table is n_labels x n_units: beyond this many
 * distinct labels (row names rather than classes) it is left out. */
#define REPORT_MAX_LABEL_TABLE 1000

typedef enum { CLUSTERS_NONE, CLUSTERS_MODEL, CLUSTERS_COMPUTED } report_cluster_source;

typedef struct report {
    const char *model_path, *data_path; /* as given; data_path NULL: none */
    som_map *map;        /* the model, with the clusters the report uses */
    som_data *data;      /* the data aligned to the map, or NULL */
    size_t n_units, dim;

    /* quality (with data) */
    som_quality q;
    size_t *hits;        /* n_units */
    size_t *units;       /* each row's BMU */

    /* clusters; profiles are over the data's rows, or over the units'
     * weights (one "row" per unit) without data */
    report_cluster_source cluster_source;
    size_t k_asked;                    /* computed clusters: -k, or 0 (chosen) */
    size_t k;
    const uint32_t *clusters;          /* n_units, borrowed from map */
    size_t *cl_units, *cl_rows;        /* k */
    double *cl_mean, *cl_sd, *cl_z;    /* k x dim */
    double *all_mean, *all_sd;         /* dim: every row together */

    /* labels (data with a label column) */
    size_t n_distinct;                 /* distinct labels in the data */
    size_t n_labels;                   /* the same, or 0 beyond REPORT_MAX_LABEL_TABLE */
    const char **labels;               /* n_labels, strcmp order */
    size_t *label_counts;              /* n_labels x n_units */
    size_t *label_rows;                /* n_labels */
    size_t *best;                      /* n_labels x REPORT_TOP_UNITS */
    size_t *cl_label_rows;             /* k x n_labels */

    /* planes */
    double *spread;                    /* dim, scaled space */
    double *cb_min, *cb_max;           /* dim: the codebook's range, original units */
    size_t *plane_order;               /* dim field indices, most varying first */
    size_t n_planes;                   /* planes drawn: min(dim, REPORT_MAX_PLANES) */
    size_t n_corr;                     /* fields in the correlation matrix */
    size_t *corr_fields;               /* n_corr field indices, in field order */
    double *corr;                      /* n_corr x n_corr */

    som_render_opts ro;                /* the pictures' common options */
    int threads;
    som_error *err;                    /* where the page's errors go (the
                                          server); NULL: printed (cli_fail) */
} report;

/* Gathers the numbers of the report of r->map (and r->data, aligned to the
 * map, or NULL) into r; the map gets k clusters (0: chosen) when it has
 * none. cmd_report.c. SOM_OK, or an error in err. */
int report_gather(report *r, size_t k, som_error *err);
/* Frees what report_gather made, and r->map and r->data. */
void report_free(report *r);

/* The n of r->dim fields with the largest score (NaN counts as lowest;
 * ties: the earlier field), written to out in field order. */
void report_top_fields(const report *r, const double *score, size_t n, size_t *out);

/* Writes the page; returns CLI_OK or prints the error and returns CLI_FAIL. */
int report_write_html(FILE *fp, const report *r);

/* What report_html.c and report_tables.c share: text escaped for XML
 * (esc), numbers as a person reads them (fmt: about 4 significant digits
 * into buf; num prints one; signed: "+1.3"; pct: part of whole as "42%"), a
 * diverging background for t in [-1, 1] (tint), a section's opening with
 * its id and heading (section: i indexes the page's list of sections). */
void html_esc(FILE *fp, const char *s);
const char *html_fmt(char buf[32], double v);
void html_num(FILE *fp, double v);
void html_signed(FILE *fp, double z);
void html_pct(FILE *fp, size_t part, size_t whole);
void html_tint(FILE *fp, double t);
void html_section(FILE *fp, size_t i);
/* The sections of numbers (report_tables.c). */
void html_glance(FILE *fp, const report *r);
void html_profiles(FILE *fp, const report *r);
void html_best_units(FILE *fp, const report *r);
void html_similarity(FILE *fp, const report *r);
/* The numbers as one JSON object (new reference), or NULL when out of
 * memory. */
json_t *report_json(const report *r);

#endif /* SOM_HAVE_REPORT */
#endif /* SOM_REPORT_H */
