/* SPDX-License-Identifier: MIT */
/* cmd_eval.c — `som eval`: a map's quality on a data file
 * (som_map_quality), and with --target how well a supervised map predicts
 * (som_map_target_report: accuracy, confusion matrix, precision and recall;
 * RMSE, MAE and R^2). */
#include <math.h>
#include <string.h>

#include "cli.h"

static const char usage_text[] =
    "Usage: som eval MODEL DATA [--json] [OPTIONS]\n"
    "\n"
    "Measures how well the map in MODEL describes DATA:\n"
    "  qe         quantization error: the mean distance from each row to its\n"
    "             best-matching unit, in the model's scaled space, over the\n"
    "             fields present (the model's distance: 'som info' names it;\n"
    "             Euclidean unless trained with --distance)\n"
    "  te         topographic error: the share of rows whose best and\n"
    "             second-best units are not grid neighbours\n"
    "  samples, units, units hit (units that are the best match of at least\n"
    "  one row), max hits (the most rows any one unit holds)\n"
    "\n"
    "      --json              print one JSON object with the keys qe, te,\n"
    "                          samples, units, units_hit, max_hits (and\n"
    "                          those of the options below)\n"
    "      --target COL        also how well the supervised map predicts COL\n"
    "                          from the other fields (as 'som predict\n"
    "                          --target' does). A class target (COL=CLASS\n"
    "                          fields; the true classes in DATA's label\n"
    "                          column): accuracy, the confusion matrix (rows\n"
    "                          the true class, columns the predicted one) and\n"
    "                          each class's precision (right / predicted as\n"
    "                          it) and recall (right / truly of it); JSON\n"
    "                          keys accuracy, correct, classes, confusion,\n"
    "                          precision, recall. A number (the true values\n"
    "                          in DATA's column COL): rmse, mae and r2 (1 -\n"
    "                          squared error / squared deviation from the\n"
    "                          true values' mean). Rows without a true value\n"
    "                          are not counted; none at all is an error\n"
    "      --fill-from METHOD  how --target is estimated: bmu (default),\n"
    "                          units[:K] or smooth[:R], as in 'som predict\n"
    "                          --help'\n"
    "      --distortion        also the distortion measure (SOM Toolbox): the\n"
    "                          mean over rows of sum_j h(bmu, j) |x - m_j|^2\n"
    "                          at the training's final radius\n"
    "      --threads T         threads to use, 0 = all cores (default 0)\n"
    CLI_QUIET_HELP
    "\n" CLI_DATA_HELP
    "\n"
    "  -h, --help              show this help\n";

enum { OPT_JSON = CLI_OPT_LOCAL, OPT_TARGET, OPT_DISTORTION, OPT_FILL_FROM };

static const struct option long_options[] = {
    {"help", no_argument, NULL, 'h'},
    {"quiet", no_argument, NULL, 'q'},
    {"json", no_argument, NULL, OPT_JSON},
    {"target", required_argument, NULL, OPT_TARGET},
    {"distortion", no_argument, NULL, OPT_DISTORTION},
    {"fill-from", required_argument, NULL, OPT_FILL_FROM},
    {"threads", required_argument, NULL, CLI_OPT_THREADS},
    CLI_DATA_LONG_OPTIONS,
    {NULL, 0, NULL, 0}};

static void print_text(const som_quality *q)
{
    printf("qe         %.9g\n", q->qe);
    printf("te         %.9g\n", q->te);
    printf("samples    %zu\n", q->n_samples);
    printf("units      %zu\n", q->n_units);
    printf("units hit  %zu\n", q->units_hit);
    printf("max hits   %zu\n", q->max_hits);
}

/* What --target and --distortion add; NULL / NaN when not asked. */
typedef struct extras {
    const char *target;
    som_target_eval ev;
    som_target_report *report;
    double distortion;
} extras;

/* The confusion matrix with the class names as row and column heads, then
 * each class's precision and recall. */
static void print_classes_text(const som_target_report *r)
{
    size_t nc = r->n_classes, w = 5; /* the width of "class" */
    for (size_t c = 0; c < nc; c++)
        if (strlen(r->classes[c]) > w) w = strlen(r->classes[c]);
    size_t cw = w;
    for (size_t c = 0; c < nc * nc; c++) {
        char buf[32];
        size_t len = (size_t)snprintf(buf, sizeof buf, "%zu", r->confusion[c]);
        if (len > cw) cw = len;
    }
    printf("confusion  rows: true class, columns: predicted class\n");
    printf("  %-*s", (int)w, "");
    for (size_t c = 0; c < nc; c++) printf("  %*s", (int)cw, r->classes[c]);
    putchar('\n');
    for (size_t t = 0; t < nc; t++) {
        printf("  %-*s", (int)w, r->classes[t]);
        for (size_t c = 0; c < nc; c++) printf("  %*zu", (int)cw, r->confusion[t * nc + c]);
        putchar('\n');
    }
    printf("  %-*s  %-11s  %s\n", (int)w, "class", "precision", "recall");
    for (size_t c = 0; c < nc; c++)
        printf("  %-*s  %-11.9g  %.9g\n", (int)w, r->classes[c], r->precision[c], r->recall[c]);
}

static void print_extras_text(const extras *x)
{
    if (!isnan(x->distortion)) printf("distortion %.9g\n", x->distortion);
    if (!x->target) return;
    printf("target     %s (%zu rows with a true value)\n", x->target, x->ev.n_rows);
    if (x->ev.is_class) {
        printf("accuracy   %.9g (%zu right)\n", x->ev.accuracy, x->ev.n_correct);
        print_classes_text(x->report);
    } else {
        printf("rmse       %.9g\n", x->ev.rmse);
        printf("mae        %.9g\n", x->ev.mae);
        printf("r2         %.9g\n", x->report->r2);
    }
}

static int print_json(const som_quality *q, const extras *x)
{
    cli_json b = {true};
    json_t *o = json_object();
    cli_json_set(&b, o, "qe", som_json_number9(q->qe));
    cli_json_set(&b, o, "te", som_json_number9(q->te));
    cli_json_set(&b, o, "samples", cli_json_u64(q->n_samples));
    cli_json_set(&b, o, "units", cli_json_u64(q->n_units));
    cli_json_set(&b, o, "units_hit", cli_json_u64(q->units_hit));
    cli_json_set(&b, o, "max_hits", cli_json_u64(q->max_hits));
    if (!isnan(x->distortion)) cli_json_set(&b, o, "distortion", som_json_number9(x->distortion));
    if (x->target) {
        cli_json_set(&b, o, "target", som_json_string(x->target));
        cli_json_set(&b, o, "target_rows", cli_json_u64(x->ev.n_rows));
        if (x->ev.is_class) {
            cli_json_set(&b, o, "correct", cli_json_u64(x->ev.n_correct));
            cli_json_set(&b, o, "accuracy", som_json_number9(x->ev.accuracy));
            const som_target_report *r = x->report;
            json_t *cls = json_array(), *conf = json_array(), *prec = json_array(),
                   *rec = json_array();
            for (size_t c = 0; c < r->n_classes; c++) {
                cli_json_push(&b, cls, som_json_string(r->classes[c]));
                cli_json_push(&b, prec, som_json_number9(r->precision[c]));
                cli_json_push(&b, rec, som_json_number9(r->recall[c]));
                json_t *row = json_array();
                for (size_t p = 0; p < r->n_classes; p++)
                    cli_json_push(&b, row, cli_json_u64(r->confusion[c * r->n_classes + p]));
                cli_json_push(&b, conf, row);
            }
            cli_json_set(&b, o, "classes", cls);
            cli_json_set(&b, o, "confusion", conf);
            cli_json_set(&b, o, "precision", prec);
            cli_json_set(&b, o, "recall", rec);
        } else {
            cli_json_set(&b, o, "rmse", som_json_number9(x->ev.rmse));
            cli_json_set(&b, o, "mae", som_json_number9(x->ev.mae));
            cli_json_set(&b, o, "r2", som_json_number9(x->report->r2));
        }
    }
    return cli_json_print(&b, o, stdout, SOM_JSON_LINE, "standard output");
}

int cmd_eval(int argc, char **argv)
{
    const char *cmd = "eval";
    cli_model_data md;
    cli_model_data_init(&md);
    int c;
    bool json = false, distortion = false;
    extras x;
    memset(&x, 0, sizeof x);
    x.distortion = NAN;
    som_fill_opts how;
    som_fill_opts_init(&how);
    how.method = SOM_FILL_BMU; /* the measured best for targets (bench/README.md) */
    som_error err;
    som_error_clear(&err);
    optind = 0;
    while ((c = getopt_long(argc, argv, ":qh", long_options, NULL)) != -1) {
        switch (c) {
        case 'h': fputs(usage_text, stdout); return CLI_OK;
        case OPT_JSON: json = true; break;
        case OPT_DISTORTION: distortion = true; break;
        case OPT_TARGET:
            if (!*optarg) return cli_bad_value(cmd, "--target", optarg, "a column title");
            x.target = optarg;
            break;
        case OPT_FILL_FROM:
            if (som_fill_opts_parse(&how, optarg, &err) != SOM_OK)
                return cli_usage(cmd, "--fill-from: %s", err.message);
            break;
        default:
            if (cli_model_data_option(cmd, c, argv, &md) < 0) return CLI_USAGE;
        }
    }
    if (cli_model_data_operands(cmd, argc, argv, &md) != CLI_OK) return CLI_USAGE;

    som_map *map = NULL;
    som_data *data = NULL;
    som_quality q;
    memset(&q, 0, sizeof q);
    int rc = cli_load_map(md.model_path, &map);
    if (rc == CLI_OK) rc = cli_read_aligned(map, md.data_path, &md.csv, x.target, md.quiet, &data);
    if (rc == CLI_OK && x.target) rc = cli_check_target(cmd, map, x.target, NULL);
    if (rc == CLI_OK &&
        som_map_quality(map, data, &q, NULL, md.threads, &err) != SOM_OK)
        rc = cli_fail(&err);
    if (rc == CLI_OK && distortion &&
        som_map_distortion(map, data, -1.0, &x.distortion, md.threads, &err) != SOM_OK)
        rc = cli_fail(&err);
    /* The true classes are DATA's labels, which the aligned copy keeps; a
     * numeric target's true values are its column, which it keeps too. */
    if (rc == CLI_OK && x.target) {
        if (som_map_target_report(map, data, x.target, &how, &x.report, md.threads, &err) !=
            SOM_OK) {
            /* What DATA lacks: say which file, as cli_read_aligned does. */
            if (err.code == SOM_EINVAL && !err.file[0]) {
                cli_error("%s: %s", md.data_path, err.message);
                rc = CLI_FAIL;
            } else {
                rc = cli_fail(&err);
            }
        } else if (x.report->eval.n_rows == 0) {
            /* Nothing was measured: a number printed as NaN would pass for
             * a result in a script. A column DATA lacks is in the aligned
             * copy, missing in every row, so both cases land here. */
            if (x.report->eval.is_class)
                cli_error("%s: no row has a true class of '%s' in the label column",
                          md.data_path, x.target);
            else
                cli_error("%s: no row has a true value of '%s' (the file has no column '%s', "
                          "or every cell of it is empty)", md.data_path, x.target, x.target);
            rc = CLI_FAIL;
        } else {
            x.ev = x.report->eval;
        }
    }
    if (rc == CLI_OK) {
        if (json) {
            rc = print_json(&q, &x);
        } else {
            print_text(&q);
            print_extras_text(&x);
        }
    }
    som_target_report_free(x.report);
    som_data_free(data);
    som_map_free(map);
    return rc;
}
