/* SPDX-License-Identifier: MIT */
/* cmd_report.c — `som report`: one page that explains a map. This file
 * reads the options, gathers the numbers from libsom (quality, clusters and
 * their profiles, labels per unit, plane correlations) into a `report`, and
 * hands it to report_html.c or report_json.c. */
#include "report.h"

#ifdef SOM_HAVE_REPORT
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char usage_text[] =
    "Usage: som report MODEL [--data DATA] -o REPORT.html [--json] [OPTIONS]\n"
    "\n"
    "Writes one self-contained HTML page that explains the map in MODEL: the\n"
    "model and the data; quality (quantization and topographic error, hits,\n"
    "dead units, the training curve); the U-matrix with cluster boundaries;\n"
    "every component plane (the most varying ones when there are very many);\n"
    "the classes of DATA's labels; per-cluster profiles (size, each field's\n"
    "mean and spread in original units, how many standard deviations it lies\n"
    "from the overall mean, the dominant labels); the best units of each\n"
    "label; and which fields' planes look alike (their correlation across\n"
    "the units). Pictures are inline SVG: the page needs no network and no\n"
    "JavaScript, prints on A4 and reads on a phone. The clusters are the\n"
    "model's ('som cluster'); a model without them is clustered for the\n"
    "report (k-means, k by the Davies-Bouldin index). The same model and\n"
    "data give the same bytes. The file is written atomically.\n"
    "\n"
    "  -o, --output FILE       the page to write ('-': standard output);\n"
    "                          required without --json\n"
    "  -d, --data DATA         the rows to measure the map with: quality,\n"
    "                          hits, profiles of the rows, labels; without\n"
    "                          it the report describes the units alone\n"
    "      --json              the report's numbers as one JSON object\n"
    "                          instead of the page, to standard output or -o\n"
    "  -k, --clusters K        clusters to make when the model has none\n"
    "                          (default: chosen from 2..10)\n"
    "      --threads T         threads for the BMU search, 0 = all cores\n"
    CLI_QUIET_HELP
    "\n" CLI_DATA_HELP
    "\n"
    "  -h, --help              show this help\n";

enum { OPT_JSON = CLI_OPT_LOCAL };

static const struct option long_options[] = {
    {"output", required_argument, NULL, 'o'},
    {"data", required_argument, NULL, 'd'},
    {"clusters", required_argument, NULL, 'k'},
    {"help", no_argument, NULL, 'h'},
    {"quiet", no_argument, NULL, 'q'},
    {"json", no_argument, NULL, OPT_JSON},
    {"threads", required_argument, NULL, CLI_OPT_THREADS},
    CLI_DATA_LONG_OPTIONS,
    {NULL, 0, NULL, 0}};

typedef struct report_args {
    const char *out_path;
    bool json;
    bool quiet;
    size_t k;
    som_csv_opts csv;
} report_args;

/* ---- gathering the numbers --------------------------------------------------- */

/* Order of fields by score, highest first; NaN last; ties by index. The
 * scores come through qsort_r's argument, not a global: the server writes
 * reports on several threads at once. */
static int cmp_field(const void *a, const void *b, void *score)
{
    const double *rank_score = score;
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    double sx = rank_score[x], sy = rank_score[y];
    bool nx = isnan(sx), ny = isnan(sy);
    if (nx != ny) return nx ? 1 : -1;
    if (!nx && sx != sy) return sx > sy ? -1 : 1;
    return x < y ? -1 : x > y;
}

static int cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return x < y ? -1 : x > y;
}

void report_top_fields(const report *r, const double *score, size_t n, size_t *out)
{
    size_t *all = calloc(r->dim, sizeof *all);
    if (!all) { /* fall back on the first n: never fails */
        for (size_t j = 0; j < n; j++) out[j] = j;
        return;
    }
    for (size_t j = 0; j < r->dim; j++) all[j] = j;
    qsort_r(all, r->dim, sizeof *all, cmp_field, (void *)score);
    memcpy(out, all, n * sizeof *out);
    qsort(out, n, sizeof *out, cmp_size);
    free(all);
}

/* calloc that never asks for 0 bytes (a NULL then means out of memory). */
static void *zalloc(size_t n, size_t size) { return calloc(n ? n : 1, size); }

#define ALLOC(p, n)                                                       \
    do {                                                                  \
        (p) = zalloc((n), sizeof *(p));                                   \
        if (!(p)) return som_error_set(err, SOM_ENOMEM, "out of memory"); \
    } while (0)

/* The clusters: the model's, or made for the report in the map loaded for
 * this run, which is never saved: the model file stays as it was. */
static int gather_clusters(report *r, size_t k_asked, som_error *err)
{
    if (som_map_n_clusters(r->map) > 0) {
        r->cluster_source = CLUSTERS_MODEL;
    } else if (r->n_units >= 3) {
        som_cluster_opts co;
        som_cluster_opts_init(&co);
        co.k = k_asked;
        if (co.k >= r->n_units)
            return som_error_set(err, SOM_EINVAL,
                                 "-k %zu: the map has only %zu units to cluster", k_asked,
                                 r->n_units);
        int rc = som_map_cluster(r->map, &co, NULL, err);
        if (rc != SOM_OK) return rc;
        r->cluster_source = CLUSTERS_COMPUTED;
        r->k_asked = k_asked;
    }
    if (r->cluster_source == CLUSTERS_NONE) {
        /* Too few units to cluster: the whole map is one group. */
        uint32_t *zero;
        ALLOC(zero, r->n_units);
        int rc = som_map_set_clusters(r->map, zero, 1, err);
        free(zero);
        if (rc != SOM_OK) return rc;
    }
    r->k = som_map_n_clusters(r->map);
    r->clusters = som_map_clusters(r->map);
    return SOM_OK;
}

/* The units' weights in original units as a data set, one row per unit:
 * what the profiles describe when no data is given. */
static int units_as_data(const report *r, som_data **out, som_error *err)
{
    int rc = som_data_new(r->n_units, r->dim, out, err);
    float *w = calloc(r->dim, sizeof *w);
    if (!w) rc = som_error_set(err, SOM_ENOMEM, "out of memory");
    for (size_t u = 0; rc == SOM_OK && u < r->n_units; u++) {
        som_map_unit_weights(r->map, u, w);
        rc = som_data_set_row(*out, u, w, NULL, err);
    }
    free(w);
    return rc;
}

static int gather_profiles(report *r, som_error *err)
{
    size_t kd = r->k * r->dim;
    ALLOC(r->cl_units, r->k);
    ALLOC(r->cl_rows, r->k);
    ALLOC(r->cl_mean, kd);
    ALLOC(r->cl_sd, kd);
    ALLOC(r->cl_z, kd);
    ALLOC(r->all_mean, r->dim);
    ALLOC(r->all_sd, r->dim);
    som_data *rows = r->data;
    size_t *units = r->units, *own_units = NULL;
    int rc = SOM_OK;
    if (!rows) {
        rc = units_as_data(r, &rows, err);
        own_units = calloc(r->n_units, sizeof *own_units);
        if (!own_units && rc == SOM_OK) rc = som_error_set(err, SOM_ENOMEM, "out of memory");
        for (size_t u = 0; own_units && u < r->n_units; u++) own_units[u] = u;
        units = own_units;
    }
    if (rc == SOM_OK)
        rc = som_map_cluster_profiles(r->map, rows, units, r->clusters, r->k, r->cl_units,
                                      r->cl_rows, r->cl_mean, r->cl_sd, r->cl_z, err);
    uint32_t *one = calloc(r->n_units, sizeof *one);
    if (!one && rc == SOM_OK) rc = som_error_set(err, SOM_ENOMEM, "out of memory");
    if (rc == SOM_OK)
        rc = som_map_cluster_profiles(r->map, rows, units, one, 1, NULL, NULL, r->all_mean,
                                      r->all_sd, NULL, err);
    free(one);
    free(own_units);
    if (rows != r->data) som_data_free(rows);
    return rc;
}

static int gather_labels(report *r, som_error *err)
{
    if (!r->data || !som_data_label_title(r->data)) return SOM_OK;
    size_t n;
    int rc = som_data_distinct_labels(r->data, NULL, 0, &n, err);
    if (rc != SOM_OK) return rc;
    r->n_distinct = n;
    if (n == 0 || n > REPORT_MAX_LABEL_TABLE) return SOM_OK;
    r->n_labels = n;
    ALLOC(r->labels, n);
    rc = som_data_distinct_labels(r->data, r->labels, n, &n, err);
    if (rc != SOM_OK) return rc;
    ALLOC(r->label_counts, n * r->n_units);
    ALLOC(r->label_rows, n);
    ALLOC(r->best, n * REPORT_TOP_UNITS);
    ALLOC(r->cl_label_rows, r->k * n);
    rc = som_map_label_counts(r->map, r->data, r->units, r->labels, n, r->label_counts, err);
    if (rc == SOM_OK)
        rc = som_label_counts_best_units(r->label_counts, n, r->n_units, REPORT_TOP_UNITS,
                                         r->best, err);
    for (size_t l = 0; rc == SOM_OK && l < n; l++)
        for (size_t u = 0; u < r->n_units; u++) {
            size_t c = r->label_counts[l * r->n_units + u];
            r->label_rows[l] += c;
            r->cl_label_rows[r->clusters[u] * n + l] += c;
        }
    return rc;
}

/* The planes' correlations; with very many fields, among the most varying
 * ones only, through a map of those fields' columns (a correlation does not
 * change with the scaling, so the scaled columns serve). */
static int gather_correlations(report *r, som_error *err)
{
    size_t dim = r->dim, n = dim < REPORT_MAX_CORR_FIELDS ? dim : REPORT_MAX_CORR_FIELDS;
    r->n_corr = n;
    ALLOC(r->corr_fields, n);
    ALLOC(r->corr, n * n);
    report_top_fields(r, r->spread, n, r->corr_fields);
    if (n == dim) return som_map_plane_correlations(r->map, r->corr, err);
    som_map *sub = NULL;
    float *cb = calloc(r->n_units * n, sizeof *cb);
    int rc = cb ? som_map_new(som_map_grid(r->map), n, &sub, err)
                : som_error_set(err, SOM_ENOMEM, "out of memory");
    if (rc == SOM_OK) {
        const float *full = som_map_codebook(r->map);
        for (size_t u = 0; u < r->n_units; u++)
            for (size_t i = 0; i < n; i++) cb[u * n + i] = full[u * dim + r->corr_fields[i]];
        som_map_set_codebook(sub, cb);
        rc = som_map_plane_correlations(sub, r->corr, err);
    }
    som_map_free(sub);
    free(cb);
    return rc;
}

static int gather_planes(report *r, som_error *err)
{
    size_t dim = r->dim;
    ALLOC(r->spread, dim);
    ALLOC(r->cb_min, dim);
    ALLOC(r->cb_max, dim);
    ALLOC(r->plane_order, dim);
    som_map_plane_spread(r->map, r->spread);
    float *w;
    ALLOC(w, dim);
    for (size_t u = 0; u < r->n_units; u++) {
        som_map_unit_weights(r->map, u, w);
        for (size_t j = 0; j < dim; j++) {
            double v = (double)w[j];
            if (u == 0 || v < r->cb_min[j]) r->cb_min[j] = v;
            if (u == 0 || v > r->cb_max[j]) r->cb_max[j] = v;
        }
    }
    free(w);
    r->n_planes = dim < REPORT_MAX_PLANES ? dim : REPORT_MAX_PLANES;
    report_top_fields(r, r->spread, r->n_planes, r->plane_order);
    return gather_correlations(r, err);
}

int report_gather(report *r, size_t k, som_error *err)
{
    r->n_units = som_map_n_units(r->map);
    r->dim = som_map_dim(r->map);
    int rc = gather_clusters(r, k, err);
    if (rc == SOM_OK && r->data) {
        ALLOC(r->hits, r->n_units);
        ALLOC(r->units, som_data_n_samples(r->data));
        rc = som_map_quality(r->map, r->data, &r->q, r->hits, r->threads, err);
        if (rc == SOM_OK)
            rc = som_map_bmus(r->map, r->data, r->units, NULL, NULL, r->threads, err);
    }
    if (rc == SOM_OK) rc = gather_profiles(r, err);
    if (rc == SOM_OK) rc = gather_labels(r, err);
    if (rc == SOM_OK) rc = gather_planes(r, err);
    return rc;
}

void report_free(report *r)
{
    free(r->hits);
    free(r->units);
    free(r->cl_units);
    free(r->cl_rows);
    free(r->cl_mean);
    free(r->cl_sd);
    free(r->cl_z);
    free(r->all_mean);
    free(r->all_sd);
    free(r->labels);
    free(r->label_counts);
    free(r->label_rows);
    free(r->best);
    free(r->cl_label_rows);
    free(r->spread);
    free(r->cb_min);
    free(r->cb_max);
    free(r->plane_order);
    free(r->corr);
    free(r->corr_fields);
    som_data_free(r->data);
    som_map_free(r->map);
}

/* ---- output ------------------------------------------------------------------ */

static int write_json(const report *r, const char *path)
{
    json_t *root = report_json(r);
    if (!root) {
        cli_error("out of memory");
        return CLI_FAIL;
    }
    som_error err;
    som_error_clear(&err);
    som_outfile *f = NULL;
    if (som_outfile_open(path ? path : "-", &f, &err) != SOM_OK) {
        json_decref(root);
        return cli_fail(&err);
    }
    cli_json b = {true};
    int rc = cli_json_print(&b, root, som_outfile_stream(f), SOM_JSON_SPACED,
                            path ? path : "standard output");
    if (rc != CLI_OK) som_outfile_abort(f);
    else if (som_outfile_commit(f, &err) != SOM_OK) rc = cli_fail(&err);
    return rc;
}

static int write_html(const report *r, const char *path)
{
    som_error err;
    som_error_clear(&err);
    som_outfile *f = NULL;
    if (som_outfile_open(path, &f, &err) != SOM_OK) return cli_fail(&err);
    if (report_write_html(som_outfile_stream(f), r) != CLI_OK) {
        som_outfile_abort(f);
        return CLI_FAIL;
    }
    if (ferror(som_outfile_stream(f))) {
        som_outfile_abort(f);
        cli_error("%s: cannot write", path);
        return CLI_FAIL;
    }
    if (som_outfile_commit(f, &err) != SOM_OK) return cli_fail(&err);
    return CLI_OK;
}

static int parse_args(int argc, char **argv, report_args *a, report *r)
{
    const char *cmd = "report";
    int c;
    optind = 0;
    while ((c = getopt_long(argc, argv, ":o:d:k:qh", long_options, NULL)) != -1) {
        switch (c) {
        case 'o': a->out_path = optarg; break;
        case 'd': r->data_path = optarg; break;
        case 'q': a->quiet = true; break;
        case 'k':
            if (!cli_parse_size(optarg, 2, &a->k))
                return cli_bad_value(cmd, "--clusters", optarg, "a whole number >= 2");
            break;
        case 'h': fputs(usage_text, stdout); return -1;
        case OPT_JSON: a->json = true; break;
        case CLI_OPT_THREADS:
            if (!cli_parse_threads(optarg, &r->threads))
                return cli_bad_value(cmd, "--threads", optarg, "a whole number 0..4096");
            break;
        case ':':
        case '?': return cli_getopt_error(cmd, c, argv);
        default:
            if (cli_data_option(cmd, c, optarg, &a->csv) < 0) return CLI_USAGE;
            break;
        }
    }
    if (optind >= argc) return cli_usage(cmd, "no MODEL given");
    if (optind + 1 < argc) return cli_usage(cmd, "unexpected argument '%s'", argv[optind + 1]);
    r->model_path = argv[optind];
    if (!a->out_path && !a->json)
        return cli_usage(cmd, "no output page given (-o REPORT.html, or --json)");
    return CLI_OK;
}

int cmd_report(int argc, char **argv)
{
    report r;
    memset(&r, 0, sizeof r);
    report_args a;
    memset(&a, 0, sizeof a);
    som_csv_opts_init(&a.csv);
    int rc = parse_args(argc, argv, &a, &r);
    if (rc < 0) return CLI_OK; /* --help */
    if (rc != CLI_OK) return rc;
    som_render_opts_init(&r.ro);
    r.ro.threads = r.threads;

    rc = cli_load_map(r.model_path, &r.map);
    if (rc == CLI_OK && r.data_path) rc = cli_read_aligned(r.map, r.data_path, &a.csv, NULL, a.quiet, &r.data);
    if (rc == CLI_OK) {
        som_error err;
        som_error_clear(&err);
        if (report_gather(&r, a.k, &err) != SOM_OK) rc = cli_fail(&err);
    }
    if (rc == CLI_OK) rc = a.json ? write_json(&r, a.out_path) : write_html(&r, a.out_path);
    report_free(&r);
    return rc;
}
#endif /* SOM_HAVE_REPORT */
