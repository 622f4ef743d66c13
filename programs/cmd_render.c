/* SPDX-License-Identifier: MIT */
/* cmd_render.c — `som render`: draw a model as a picture. The drawing is
 * som_render_file; this file maps options onto som_render_opts. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "render_args.h"
#include "som_render.h"

static const char usage_text[] =
    "Usage: som render MODEL -o OUT.png|OUT.svg|OUT.pdf [OPTIONS]\n"
    "\n"
    "Draws a trained map. The picture's format follows OUT's extension; the\n"
    "file is written atomically (a failed picture leaves none).\n"
    "\n"
    "  -o, --output OUT        the picture to write (required)\n"
    "  -p, --plot KIND         planes (default): one map per field, in the\n"
    "                          data's units, with round ticks;\n"
    "                          umatrix: distances between neighbouring units;\n"
    "                          hits: rows of --data per unit;\n"
    "                          labels: labels of --data's rows on the map;\n"
    "                          error: QE and TE per pass of the training;\n"
    "                          dashboard: U-matrix, hits and the planes;\n"
    "                          clusters: the units' clusters ('som cluster')\n"
    "                          with lines between them (and, with labelled\n"
    "                          --data, a dot of each unit's majority class);\n"
    "                          codes: each unit's profile over the fields\n"
    "      --boundaries        draw the cluster boundaries over the maps of\n"
    "                          any plot (a model with clusters)\n"
    "      --fields T1,T2,...  planes of these fields only, in this order\n"
    "      --max-fields N      without --fields, at most N planes (default 40;\n"
    "                          15 in codes): the fields that vary most\n"
    "      --range R           the planes' colour range: codebook (default:\n"
    "                          the units' lowest to highest value), data (the\n"
    "                          training data's min to max) or MIN:MAX; as\n"
    "                          TITLE=R for one field (repeat the option)\n"
    "      --scale-colors S    linear (default), log (symmetric around 0 for\n"
    "                          negative values) or rank, for skewed fields\n"
    "  -d, --data DATA         rows for hits and labels (and the dashboard,\n"
    "                          and the classes over clusters)\n"
    "      --colors NAME       viridis (default), magma, cividis, grey,\n"
    "                          coolwarm, mql (the MQL5 blue-green-red palette)\n"
    "      --cells SHAPE       auto (default: the grid's own), hex or square\n"
    "      --per-row N         panels per row (default: about a square page)\n"
    "      --size WxH          picture size in pixels (default: from the grid,\n"
    "                          big enough for text in cells when it can be)\n"
    "      --no-borders        no cell outlines\n"
    "      --no-titles         no titles or legends: the cells alone\n"
    "      --hits-style S      colour (default; counts in cells that hold\n"
    "                          them) or markers (area grows with the count);\n"
    "                          units no row chose are hatched grey\n"
    "      --labels S          majority (default): each unit in the colour of\n"
    "                          its most frequent label, paler when mixed, with\n"
    "                          the label where it fits; all: every row's label\n"
    "                          (or line number) at its best-matching unit\n"
    "      --umatrix S         units (default) or full: with a cell between\n"
    "                          every two neighbours, as SOM_PAK's umat\n"
    "      --threads T         threads for the BMU search, 0 = all cores\n"
    "                          (default 0)\n"
    CLI_QUIET_HELP
    "\n" CLI_DATA_HELP
    "\n"
    "  -h, --help              show this help\n";

enum {
    OPT_FIELDS = CLI_OPT_LOCAL,
    OPT_COLORS,
    OPT_CELLS,
    OPT_PER_ROW,
    OPT_SIZE,
    OPT_NO_BORDERS,
    OPT_NO_TITLES,
    OPT_HITS_STYLE,
    OPT_LABELS,
    OPT_UMATRIX,
    OPT_BOUNDARIES,
    OPT_RANGE,
    OPT_SCALE_COLORS,
    OPT_MAX_FIELDS
};

static const struct option long_options[] = {
    {"output", required_argument, NULL, 'o'},
    {"plot", required_argument, NULL, 'p'},
    {"data", required_argument, NULL, 'd'},
    {"help", no_argument, NULL, 'h'},
    {"quiet", no_argument, NULL, 'q'},
    {"fields", required_argument, NULL, OPT_FIELDS},
    {"colors", required_argument, NULL, OPT_COLORS},
    {"colours", required_argument, NULL, OPT_COLORS},
    {"cells", required_argument, NULL, OPT_CELLS},
    {"per-row", required_argument, NULL, OPT_PER_ROW},
    {"size", required_argument, NULL, OPT_SIZE},
    {"no-borders", no_argument, NULL, OPT_NO_BORDERS},
    {"no-titles", no_argument, NULL, OPT_NO_TITLES},
    {"hits-style", required_argument, NULL, OPT_HITS_STYLE},
    {"labels", required_argument, NULL, OPT_LABELS},
    {"umatrix", required_argument, NULL, OPT_UMATRIX},
    {"boundaries", no_argument, NULL, OPT_BOUNDARIES},
    {"range", required_argument, NULL, OPT_RANGE},
    {"scale-colors", required_argument, NULL, OPT_SCALE_COLORS},
    {"scale-colours", required_argument, NULL, OPT_SCALE_COLORS},
    {"max-fields", required_argument, NULL, OPT_MAX_FIELDS},
    {"threads", required_argument, NULL, CLI_OPT_THREADS},
    CLI_DATA_LONG_OPTIONS,
    {NULL, 0, NULL, 0}};

typedef struct render_args {
    const char *model_path, *out_path, *data_path;
    char *fields_buf;     /* --fields, split in place */
    const char **fields;
    size_t n_fields;
    som_field_range *ranges; /* --range TITLE=..., titles point into argv */
    size_t n_ranges;
    som_csv_opts csv;
    som_render_opts opts;
    bool quiet;
} render_args;

static int split_fields(render_args *a, const char *arg)
{
    free(a->fields_buf);
    free(a->fields);
    a->n_fields = 0;
    a->fields = NULL;
    a->fields_buf = strdup(arg);
    size_t n = 1;
    for (const char *p = arg; *p; p++) n += *p == ',';
    a->fields = calloc(n, sizeof *a->fields);
    if (!a->fields_buf || !a->fields) {
        cli_error("out of memory");
        return CLI_FAIL;
    }
    char *save = NULL;
    for (char *tok = strtok_r(a->fields_buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
        a->fields[a->n_fields++] = tok;
    if (a->n_fields == 0) return cli_usage("render", "--fields: no field title given");
    return CLI_OK;
}

/* --range R (every plane) or --range TITLE=R (one field; repeatable). */
static int add_range(render_args *a, char *arg)
{
    const char *what = "codebook, data, MIN:MAX (MIN below MAX) or TITLE=one of those";
    char *eq = strrchr(arg, '=');
    if (!eq) {
        if (!render_parse_range(arg, &a->opts.range, &a->opts.range_min, &a->opts.range_max))
            return cli_bad_value("render", "--range", arg, what);
        return CLI_OK;
    }
    som_field_range r = {arg, SOM_RANGE_CODEBOOK, 0, 0};
    if (eq == arg || !render_parse_range(eq + 1, &r.mode, &r.min, &r.max))
        return cli_bad_value("render", "--range", arg, what);
    som_field_range *grown = realloc(a->ranges, (a->n_ranges + 1) * sizeof *grown);
    if (!grown) {
        cli_error("out of memory");
        return CLI_FAIL;
    }
    *eq = '\0'; /* the title ends here (argv is ours to change) */
    a->ranges = grown;
    a->ranges[a->n_ranges++] = r;
    return CLI_OK;
}

static int has_picture_extension(const char *path)
{
    const char *dot = strrchr(path, '.');
    const char *slash = strrchr(path, '/');
    if (!dot || (slash && slash > dot)) return 0;
    return strcasecmp(dot, ".png") == 0 || strcasecmp(dot, ".svg") == 0 ||
           strcasecmp(dot, ".pdf") == 0;
}

static int parse_args(int argc, char **argv, render_args *a)
{
    const char *cmd = "render";
    int c, v;
    size_t n;
    optind = 0;
    while ((c = getopt_long(argc, argv, ":o:p:d:qh", long_options, NULL)) != -1) {
        switch (c) {
        case 'o': a->out_path = optarg; break;
        case 'd': a->data_path = optarg; break;
        case 'q': a->quiet = true; break;
        case 'h': fputs(usage_text, stdout); return -1;
        case 'p':
            if ((v = som_plot_parse(optarg)) < 0)
                return cli_bad_value(cmd, "--plot", optarg,
                                     "planes, umatrix, hits, labels, error, dashboard, "
                                     "clusters or codes");
            a->opts.plot = (som_plot)v;
            break;
        case OPT_FIELDS:
            if ((v = split_fields(a, optarg)) != CLI_OK) return v;
            break;
        case OPT_COLORS:
            if ((v = som_colors_parse(optarg)) < 0)
                return cli_bad_value(cmd, "--colors", optarg,
                                     "viridis, magma, cividis, grey, coolwarm or mql");
            a->opts.colors = (som_colors)v;
            break;
        case OPT_CELLS:
            if ((v = som_cells_parse(optarg)) < 0)
                return cli_bad_value(cmd, "--cells", optarg, "auto, hex or square");
            a->opts.cells = (som_cells)v;
            break;
        case OPT_PER_ROW:
            if (!cli_parse_size(optarg, 1, &n))
                return cli_bad_value(cmd, "--per-row", optarg, "a whole number >= 1");
            a->opts.per_row = n;
            break;
        case OPT_SIZE:
            if (!render_parse_size(optarg, &a->opts.width, &a->opts.height))
                return cli_bad_value(cmd, "--size", optarg, "WIDTHxHEIGHT in pixels, e.g. 800x600");
            break;
        case OPT_RANGE:
            if ((v = add_range(a, optarg)) != CLI_OK) return v;
            break;
        case OPT_SCALE_COLORS:
            if ((v = som_color_scale_parse(optarg)) < 0)
                return cli_bad_value(cmd, "--scale-colors", optarg, "linear, log or rank");
            a->opts.color_scale = (som_color_scale)v;
            break;
        case OPT_MAX_FIELDS:
            if (!cli_parse_size(optarg, 1, &n))
                return cli_bad_value(cmd, "--max-fields", optarg, "a whole number >= 1");
            a->opts.max_fields = n;
            break;
        case OPT_NO_BORDERS: a->opts.borders = 0; break;
        case OPT_NO_TITLES: a->opts.titles = 0; break;
        case OPT_BOUNDARIES: a->opts.boundaries = 1; break;
        case OPT_HITS_STYLE:
            if ((v = som_hits_style_parse(optarg)) < 0)
                return cli_bad_value(cmd, "--hits-style", optarg, "colour or markers");
            a->opts.hits_style = (som_hits_style)v;
            break;
        case OPT_LABELS:
            if ((v = som_labels_style_parse(optarg)) < 0)
                return cli_bad_value(cmd, "--labels", optarg, "majority or all");
            a->opts.labels_style = (som_labels_style)v;
            break;
        case OPT_UMATRIX:
            if ((v = som_umatrix_style_parse(optarg)) < 0)
                return cli_bad_value(cmd, "--umatrix", optarg, "units or full");
            a->opts.umatrix = (som_umatrix_style)v;
            break;
        case CLI_OPT_THREADS:
            if (!cli_parse_threads(optarg, &a->opts.threads))
                return cli_bad_value(cmd, "--threads", optarg, "a whole number 0..4096");
            break;
        case ':':
        case '?': return cli_getopt_error(cmd, c, argv);
        default:
            v = cli_data_option(cmd, c, optarg, &a->csv);
            if (v < 0) return CLI_USAGE;
            break;
        }
    }
    if (optind >= argc) return cli_usage(cmd, "no MODEL given");
    if (optind + 1 < argc) return cli_usage(cmd, "unexpected argument '%s'", argv[optind + 1]);
    a->model_path = argv[optind];
    if (!a->out_path) return cli_usage(cmd, "no output picture given (-o OUT.png|svg|pdf)");
    if (!has_picture_extension(a->out_path))
        return cli_usage(cmd, "%s: the picture's name must end in .png, .svg or .pdf",
                         a->out_path);
    if ((a->opts.plot == SOM_PLOT_HITS || a->opts.plot == SOM_PLOT_LABELS) && !a->data_path)
        return cli_usage(cmd, "the %s plot needs --data", som_plot_name(a->opts.plot));
    a->opts.fields = a->fields;
    a->opts.n_fields = a->n_fields;
    a->opts.field_ranges = a->ranges;
    a->opts.n_field_ranges = a->n_ranges;
    return CLI_OK;
}

int cmd_render(int argc, char **argv)
{
    render_args a;
    memset(&a, 0, sizeof a);
    som_csv_opts_init(&a.csv);
    som_render_opts_init(&a.opts);
    som_map *map = NULL;
    som_data *data = NULL;
    int rc = parse_args(argc, argv, &a);
    if (rc < 0) {
        rc = CLI_OK; /* --help */
        goto done;
    }
    if (rc != CLI_OK) goto done;
    cli_output(a.out_path);

    rc = cli_load_map(a.model_path, &map);
    if (rc != CLI_OK) goto done;
    if (a.data_path) {
        rc = cli_read_aligned(map, a.data_path, &a.csv, NULL, a.quiet, &data);
        if (rc != CLI_OK) goto done;
    }
    som_error err;
    som_error_clear(&err);
    if (som_render_file(map, data, &a.opts, a.out_path, &err) != SOM_OK) {
        rc = cli_fail(&err);
        goto done;
    }
    rc = CLI_OK;
done:
    som_data_free(data);
    som_map_free(map);
    free(a.fields);
    free(a.fields_buf);
    free(a.ranges);
    return rc;
}
