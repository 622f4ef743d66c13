/* SPDX-License-Identifier: MIT */
/* cmd_info.c — `som info`: what a model file holds, as text or JSON. */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char usage_text[] =
    "Usage: som info MODEL [--json]\n"
    "\n"
    "Describes the map in MODEL: its grid, fields, per-field scaling and\n"
    "range, its distance, its feature weights and clusters (when it has\n"
    "them), the settings of its training and its training history (the\n"
    "quantization and topographic errors after each recorded pass).\n"
    "\n"
    "      --json              print one JSON object instead, with at least\n"
    "                          the keys rows, cols, topology (\"rect\" or\n"
    "                          \"hex\"), toroid, dim and titles\n"
    "      --max-input SIZE    read at most SIZE bytes of the model (from\n"
    "                          standard input, a pipe, a .gz; suffixes K,\n"
    "                          M, G, T; default 4G)\n"
    "  -h, --help              show this help\n";

enum { OPT_JSON = CLI_OPT_LOCAL };

static const struct option long_options[] = {
    {"help", no_argument, NULL, 'h'},
    {"json", no_argument, NULL, OPT_JSON},
    CLI_MAX_INPUT_LONG_OPTION,
    {NULL, 0, NULL, 0}};

/* The training settings the map was made with, from the settings table:
 * each training entry that applies to its algorithm, as `som train` would
 * take it ("radius 2.5:1"), wrapped at 76 columns. Left out: threads (the
 * model does not depend on them), epochs where iterations counted the
 * steps, and values the map does not record. */
static void print_text_training(const som_map *map, const som_train_opts *s)
{
    som_fit_opts f;
    som_fit_opts_init(&f);
    f.grid = *som_map_grid(map);
    f.scaling = som_map_scaling(map);
    f.train = *s;
    int col = printf("training   ");
    bool first = true;
    for (size_t i = 0; i < som_settings_count(); i++) {
        const som_setting *e = som_settings_at(i);
        char value[256];
        if (e->group != SOM_SETTING_GROUP_TRAINING || !(e->algorithms & (1u << s->algorithm)) ||
            strcmp(e->name, "threads") == 0 || (s->iterations && strcmp(e->name, "epochs") == 0))
            continue;
        som_fit_opts_get(&f, e->name, value, sizeof value, NULL);
        if (!value[0]) continue;
        if (!first) {
            int n = 2 + (int)strlen(e->name) + 1 + (int)strlen(value);
            if (col + n > 76) {
                fputs(",\n           ", stdout);
                col = 11;
            } else {
                col += printf(",");
            }
        }
        col += printf(" %s %s", e->name, value);
        first = false;
    }
    putchar('\n');
}

/* The number of units in each of the map's clusters (k values), or NULL
 * with *oom set when that memory is not there; NULL without clusters. */
static size_t *cluster_sizes(const som_map *map, bool *oom)
{
    size_t k = som_map_n_clusters(map);
    *oom = false;
    if (!k) return NULL;
    const uint32_t *cl = som_map_clusters(map);
    size_t *sizes = calloc(k, sizeof *sizes);
    if (!sizes) {
        *oom = true;
        return NULL;
    }
    for (size_t u = 0; u < som_map_n_units(map); u++) sizes[cl[u]]++;
    return sizes;
}

static void print_text_analysis(const som_map *map, const size_t *sizes)
{
    const double *w = som_map_feature_weights(map);
    if (w) {
        fputs("weights    ", stdout);
        for (size_t j = 0; j < som_map_dim(map); j++)
            if (w[j] != 1.0) printf(" %s=%.9g", som_map_title(map, j), w[j]);
        fputs(" (the others 1)\n", stdout);
    }
    size_t k = som_map_n_clusters(map);
    if (k) {
        printf("clusters    %zu, units per cluster", k);
        for (size_t t = 0; t < k; t++) printf(" %zu", sizes[t]);
        putchar('\n');
    }
}

static void print_text(const char *path, const som_map *map, const size_t *sizes)
{
    const som_grid *g = som_map_grid(map);
    size_t dim = som_map_dim(map);
    printf("model       %s\n", path);
    printf("grid        %zux%zu %s, %s\n", g->rows, g->cols,
           som_enum_name(SOM_ENUM_TOPOLOGY, (int)g->topology),
           g->toroid ? "toroid" : "sheet");
    printf("units       %zu\n", som_map_n_units(map));
    printf("dim         %zu\n", dim);
    printf("scaling     %s\n",
           som_enum_name(SOM_ENUM_SCALING, (int)som_map_scaling(map)));
    printf("distance    %s\n",
           som_enum_name(SOM_ENUM_DISTANCE, (int)som_map_distance(map)));

    int width = 5;
    for (size_t j = 0; j < dim; j++) {
        size_t len = strlen(som_map_title(map, j));
        if (len > (size_t)width) width = len > 40 ? 40 : (int)len;
    }
    const double *offset = som_map_scale_offset(map);
    const double *factor = som_map_scale_factor(map);
    printf("fields      %-*s  %-11s %-11s %-11s %s\n", width, "title", "offset",
           "factor", "min", "max");
    for (size_t j = 0; j < dim; j++) {
        double lo, hi;
        som_map_field_range(map, j, &lo, &hi);
        printf("            %-*s  %-11.6g %-11.6g %-11.6g %.6g\n", width,
               som_map_title(map, j), offset[j], factor[j], lo, hi);
    }
    print_text_analysis(map, sizes);

    const som_train_opts *s = som_map_train_settings(map);
    if (!s) {
        printf("training    none\n");
    } else {
        print_text_training(map, s);
    }

    size_t n = som_map_history_len(map);
    const som_history *h = som_map_history(map);
    if (n == 0) {
        printf("history     none\n");
        return;
    }
    printf("history     %zu entr%s; last: pass %zu, qe %.9g, te %.9g\n", n,
           n == 1 ? "y" : "ies", h[n - 1].pass, h[n - 1].qe, h[n - 1].te);
}

/* Keys only for what the model has, so that the object of a model without
 * weights or clusters is what it always was: feature_weights (dim numbers)
 * and clusters {k, sizes, unit} (unit: the cluster of each unit). */
static void json_analysis(cli_json *b, json_t *o, const som_map *map, const size_t *sizes)
{
    const double *w = som_map_feature_weights(map);
    if (w) {
        json_t *a = json_array();
        for (size_t j = 0; j < som_map_dim(map); j++) cli_json_push(b, a, som_json_number9(w[j]));
        cli_json_set(b, o, "feature_weights", a);
    }
    size_t k = som_map_n_clusters(map);
    if (!k) return;
    const uint32_t *cl = som_map_clusters(map);
    json_t *c = json_object(), *sz = json_array(), *unit = json_array();
    for (size_t t = 0; t < k; t++) cli_json_push(b, sz, cli_json_u64(sizes[t]));
    for (size_t u = 0; u < som_map_n_units(map); u++) cli_json_push(b, unit, json_integer(cl[u]));
    cli_json_set(b, c, "k", cli_json_u64(k));
    cli_json_set(b, c, "sizes", sz);
    cli_json_set(b, c, "unit", unit);
    cli_json_set(b, o, "clusters", c);
}

static json_t *json_training(cli_json *b, const som_train_opts *s)
{
    if (!s) return json_null();
    json_t *t = json_object();
    cli_json_set(b, t, "algorithm", json_string(som_enum_name(SOM_ENUM_ALGORITHM, (int)s->algorithm)));
    cli_json_set(b, t, "epochs", cli_json_u64(s->epochs));
    cli_json_set(b, t, "iterations", cli_json_u64(s->iterations));
    cli_json_set(b, t, "init", json_string(som_enum_name(SOM_ENUM_INIT, (int)s->init)));
    cli_json_set(b, t, "schedule", json_string(som_enum_name(SOM_ENUM_SCHEDULE, (int)s->schedule)));
    cli_json_set(b, t, "neighborhood",
                 json_string(som_enum_name(SOM_ENUM_NEIGHBORHOOD, (int)s->neighborhood)));
    const struct {
        const char *key;
        double v;
    } nums[] = {{"radius0", s->radius0},     {"radius1", s->radius1},
                {"rate0", s->rate0},         {"rate1", s->rate1},
                {"inverse_a", s->inverse_a}, {"inverse_b", s->inverse_b},
                {"neighbor_rate", s->neighbor_rate}};
    for (size_t k = 0; k < sizeof nums / sizeof nums[0]; k++)
        cli_json_set(b, t, nums[k].key, som_json_number9(nums[k].v));
    cli_json_set(b, t, "seed", cli_json_u64(s->seed));
    cli_json_set(b, t, "quality_every", cli_json_u64(s->quality_every));
    return t;
}

static int print_json(const som_map *map, const size_t *sizes)
{
    cli_json b = {true};
    const som_grid *g = som_map_grid(map);
    size_t dim = som_map_dim(map);
    json_t *o = json_object();
    cli_json_set(&b, o, "rows", cli_json_u64(g->rows));
    cli_json_set(&b, o, "cols", cli_json_u64(g->cols));
    cli_json_set(&b, o, "topology", json_string(som_enum_name(SOM_ENUM_TOPOLOGY, (int)g->topology)));
    cli_json_set(&b, o, "toroid", json_boolean(g->toroid));
    cli_json_set(&b, o, "dim", cli_json_u64(dim));
    cli_json_set(&b, o, "units", cli_json_u64(som_map_n_units(map)));
    json_t *titles = json_array();
    for (size_t j = 0; j < dim; j++) cli_json_push(&b, titles, som_json_string(som_map_title(map, j)));
    cli_json_set(&b, o, "titles", titles);
    cli_json_set(&b, o, "scaling",
                 json_string(som_enum_name(SOM_ENUM_SCALING, (int)som_map_scaling(map))));
    cli_json_set(&b, o, "distance",
                 json_string(som_enum_name(SOM_ENUM_DISTANCE, (int)som_map_distance(map))));

    /* Per field: scaled = (x - offset) / factor; min and max in original
     * units. */
    const double *offset = som_map_scale_offset(map);
    const double *factor = som_map_scale_factor(map);
    json_t *fields = json_array();
    for (size_t j = 0; j < dim; j++) {
        double lo, hi;
        som_map_field_range(map, j, &lo, &hi);
        json_t *f = json_object();
        cli_json_set(&b, f, "title", som_json_string(som_map_title(map, j)));
        cli_json_set(&b, f, "offset", som_json_number9(offset[j]));
        cli_json_set(&b, f, "factor", som_json_number9(factor[j]));
        cli_json_set(&b, f, "min", som_json_number9(lo));
        cli_json_set(&b, f, "max", som_json_number9(hi));
        cli_json_push(&b, fields, f);
    }
    cli_json_set(&b, o, "fields", fields);
    json_analysis(&b, o, map, sizes);
    cli_json_set(&b, o, "training", json_training(&b, som_map_train_settings(map)));

    size_t n = som_map_history_len(map);
    const som_history *h = som_map_history(map);
    cli_json_set(&b, o, "history_len", cli_json_u64(n));
    cli_json_set(&b, o, "qe", som_json_number9(n ? h[n - 1].qe : (double)NAN));
    cli_json_set(&b, o, "te", som_json_number9(n ? h[n - 1].te : (double)NAN));
    json_t *hist = json_array();
    for (size_t k = 0; k < n; k++) {
        json_t *e = json_object();
        cli_json_set(&b, e, "pass", cli_json_u64(h[k].pass));
        cli_json_set(&b, e, "sigma", som_json_number9(h[k].sigma));
        cli_json_set(&b, e, "alpha", som_json_number9(h[k].alpha));
        cli_json_set(&b, e, "qe", som_json_number9(h[k].qe));
        cli_json_set(&b, e, "te", som_json_number9(h[k].te));
        cli_json_push(&b, hist, e);
    }
    cli_json_set(&b, o, "history", hist);
    return cli_json_print(&b, o, stdout, SOM_JSON_SPACED, "standard output");
}

int cmd_info(int argc, char **argv)
{
    const char *cmd = "info";
    bool json = false;
    int c;
    optind = 0;
    while ((c = getopt_long(argc, argv, ":h", long_options, NULL)) != -1) {
        switch (c) {
        case 'h': fputs(usage_text, stdout); return CLI_OK;
        case OPT_JSON: json = true; break;
        case CLI_OPT_MAX_INPUT:
            if (cli_max_input_option(cmd, optarg) != CLI_OK) return CLI_USAGE;
            break;
        default: return cli_getopt_error(cmd, c, argv);
        }
    }
    if (argc - optind != 1)
        return cli_usage(cmd, "expected one MODEL, got %d arguments",
                         argc - optind);
    som_map *map = NULL;
    int rc = cli_load_map(argv[optind], &map);
    if (rc != CLI_OK) return rc;
    bool oom;
    size_t *sizes = cluster_sizes(map, &oom);
    if (oom) {
        cli_error("out of memory");
        som_map_free(map);
        return CLI_FAIL;
    }
    if (json)
        rc = print_json(map, sizes);
    else
        print_text(argv[optind], map, sizes);
    free(sizes);
    som_map_free(map);
    return rc;
}
