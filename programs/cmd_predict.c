/* SPDX-License-Identifier: MIT */
/* cmd_predict.c — `som predict`: fill the missing fields of each row from the
 * map by a fill method (som_map_fill; the K best units by default) and
 * write the completed table; with --target, a supervised map's prediction
 * (som_map_predict_target_ex) and with --proba its class shares. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char usage_text[] =
    "Usage: som predict MODEL DATA [-o OUT.csv] [--fill TITLE[,TITLE...]]\n"
    "                  [--fill-from METHOD] [--target COL [--proba]] [OPTIONS]\n"
    "\n"
    "Fills the missing fields of every row of DATA from the map's units\n"
    "nearest the row, found over the fields the row has (--fill-from says\n"
    "how), and writes the table as CSV: the label column (if DATA has one),\n"
    "then the model's fields in the model's order, every one filled,\n"
    "numbers with %.9g.\n"
    "Missing means an empty cell, NA, NaN or ?; a field of the model that\n"
    "DATA lacks altogether is missing in every row. Columns of DATA that the\n"
    "model lacks are left out. Standard error names both kinds of column.\n"
    "\n"
    "  -o, --output OUT.csv    write there instead of standard output\n"
    "      --fill TITLES       also predict these fields (comma-separated\n"
    "                          titles) in every row, ignoring their values\n"
    "      --fill-from METHOD  how a missing field is estimated from the map\n"
    "                          (default units:16), and --target (default\n"
    "                          bmu):\n"
    "                            bmu       the best-matching unit's value\n"
    "                            units[:K] the K best units' values (K default\n"
    "                                      16) weighted by exp(-p (d^2 -\n"
    "                                      d0^2) / (2 d0^2)), d a unit's\n"
    "                                      distance to the row, d0 the best\n"
    "                                      one's, p the fields searched\n"
    "                            smooth[:R] the best unit's neighbourhood:\n"
    "                                      units weighted by a gaussian of\n"
    "                                      their grid distance to it, radius\n"
    "                                      R (default the training's final\n"
    "                                      radius)\n"
    "                          units:16 fills held-out cells of six public\n"
    "                          tables with less error than bmu; a class\n"
    "                          target's shares are as good from bmu\n"
    "                          (bench/README.md)\n"
    "      --target COL        the target of a supervised map ('som train\n"
    "                          --target'): predicted for every row from its\n"
    "                          best-matching unit, found over the other\n"
    "                          fields (never over COL itself), and written as\n"
    "                          a column COL_predicted right after COL. COL\n"
    "                          keeps the row's own value (empty where it had\n"
    "                          none), so that a test file with its answers\n"
    "                          scores honestly. A class target (fields\n"
    "                          COL=CLASS; the true classes in DATA's label\n"
    "                          column when it is titled COL) is written as\n"
    "                          COL and COL_predicted in place of its\n"
    "                          COL=CLASS fields, the prediction being the\n"
    "                          class whose estimated field is largest.\n"
    "                          With --fill, the fields named there are also\n"
    "                          left out of the search; naming COL in --fill\n"
    "                          as well adds nothing\n"
    "      --proba             with a class target: one more column per class,\n"
    "                          titled COL=CLASS (the model's field titles),\n"
    "                          after COL_predicted: the class's share, the\n"
    "                          estimated class fields clipped at 0 and divided\n"
    "                          by their sum (each row sums to 1)\n"
    "      --threads T         threads to use, 0 = all cores (default 0)\n"
    CLI_QUIET_HELP
    "\n" CLI_DATA_HELP
    "\n"
    "  -h, --help              show this help\n";

enum { OPT_FILL = CLI_OPT_LOCAL, OPT_TARGET, OPT_FILL_FROM, OPT_PROBA };

static const struct option long_options[] = {
    {"output", required_argument, NULL, 'o'},
    {"help", no_argument, NULL, 'h'},
    {"quiet", no_argument, NULL, 'q'},
    {"fill", required_argument, NULL, OPT_FILL},
    {"target", required_argument, NULL, OPT_TARGET},
    {"fill-from", required_argument, NULL, OPT_FILL_FROM},
    {"proba", no_argument, NULL, OPT_PROBA},
    {"threads", required_argument, NULL, CLI_OPT_THREADS},
    CLI_DATA_LONG_OPTIONS,
    {NULL, 0, NULL, 0}};

/* True when `title` is one of target `name`'s fields: `name` itself or
 * "name=CLASS". */
static bool is_target_field(const char *title, const char *name)
{
    size_t k = strlen(name);
    return strncmp(title, name, k) == 0 && (title[k] == '\0' || title[k] == '=');
}

/* Marks the fields named in the comma-separated `list` in unknown[]. The
 * target's own name is accepted and passed over: --target predicts it. */
static int parse_fill(const som_map *map, const char *list, const char *target,
                      uint8_t *unknown)
{
    char *copy = strdup(list), *save = NULL;
    if (!copy) {
        cli_error("out of memory");
        return CLI_FAIL;
    }
    int rc = CLI_OK;
    for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        if (target && is_target_field(t, target)) continue;
        long j = som_map_find_title(map, t);
        if (j < 0) {
            /* The command line is what must change: a usage error. */
            fprintf(stderr, "som predict: --fill: the model has no field '%s'; "
                            "its fields are:", t);
            for (size_t k = 0; k < som_map_dim(map); k++)
                fprintf(stderr, "%s %s", k ? "," : "", som_map_title(map, k));
            fputs("\nTry 'som predict --help'.\n", stderr);
            rc = CLI_USAGE;
            break;
        }
        unknown[j] = 1;
    }
    free(copy);
    return rc;
}

/* The shortest %g form that reads back as the same float (5.1, not
 * 5.0999999), as som_data_write_csv writes the plain table. */
static void put_float(FILE *fp, float v)
{
    char buf[32];
    for (int p = 1; p <= 9; p++) {
        snprintf(buf, sizeof buf, "%.*g", p, (double)v);
        if (strtof(buf, NULL) == v) break;
    }
    fputs(buf, fp);
}

/* "COL_predicted", quoted as a whole when it needs to be. False when out
 * of memory. */
static bool put_title_predicted(FILE *fp, const char *target)
{
    size_t len = strlen(target) + sizeof "_predicted";
    char *t = malloc(len);
    if (!t) return false;
    snprintf(t, len, "%s_predicted", target);
    cli_csv_field(fp, t);
    free(t);
    return true;
}

/* What --target computes: per row the true value (if any) and the
 * prediction, numbers or classes. */
typedef struct target_rows {
    const char *name;
    int is_class;
    uint8_t *is_target;         /* dim: the target's fields */
    size_t field;               /* numeric: the target's field */
    float *truth, *pred;        /* numeric, n each */
    uint8_t *has_truth;         /* numeric, n */
    const char **classes;       /* class: n predictions */
    float *proba;               /* class with --proba: n x n_classes shares */
    size_t n_classes;           /* class: the map's classes (fields) */
    const size_t *class_fields; /* class: their fields, in proba's order */
    bool label_is_target;       /* class: DATA's labels are the true classes */
} target_rows;

/* The table with the target as two columns, COL and COL_predicted: in
 * place of the one-hot fields for a class, after the field for a number. */
static int write_target(FILE *fp, const som_map *map, const som_data *data, const target_rows *t)
{
    const char *lt = som_data_label_title(data);
    bool other_label = lt && !(t->is_class && t->label_is_target);
    size_t dim = som_map_dim(map), n = som_data_n_samples(data);
    bool first = true;
    if (other_label) {
        cli_csv_field(fp, lt);
        first = false;
    }
    if (t->is_class) {
        fputs(first ? "" : ",", fp);
        cli_csv_field(fp, t->name);
        fputc(',', fp);
        if (!put_title_predicted(fp, t->name)) return -1;
        for (size_t c = 0; t->proba && c < t->n_classes; c++) {
            fputc(',', fp);
            cli_csv_field(fp, som_map_title(map, t->class_fields[c]));
        }
        first = false;
    }
    for (size_t j = 0; j < dim; j++) {
        if (t->is_class && t->is_target[j]) continue;
        fputs(first ? "" : ",", fp);
        first = false;
        cli_csv_field(fp, som_map_title(map, j));
        if (!t->is_class && j == t->field) {
            fputc(',', fp);
            if (!put_title_predicted(fp, t->name)) return -1;
        }
    }
    fputc('\n', fp);
    /* An interrupt ends the loop; the commit then refuses the file. */
    for (size_t i = 0; i < n && !((i & 1023) == 0 && cli_interrupted()); i++) {
        const char *lab = som_data_label(data, i);
        first = true;
        if (other_label) {
            cli_csv_field(fp, lab ? lab : "");
            first = false;
        }
        if (t->is_class) {
            fputs(first ? "" : ",", fp);
            cli_csv_field(fp, t->label_is_target && lab ? lab : "");
            fputc(',', fp);
            cli_csv_field(fp, t->classes[i]);
            for (size_t c = 0; t->proba && c < t->n_classes; c++) {
                fputc(',', fp);
                put_float(fp, t->proba[i * t->n_classes + c]);
            }
            first = false;
        }
        const float *row = som_data_row(data, i);
        for (size_t j = 0; j < dim; j++) {
            if (t->is_class && t->is_target[j]) continue;
            fputs(first ? "" : ",", fp);
            first = false;
            if (!t->is_class && j == t->field) {
                if (t->has_truth[i]) put_float(fp, t->truth[i]);
                fputc(',', fp);
                put_float(fp, t->pred[i]);
            } else {
                put_float(fp, row[j]);
            }
        }
        fputc('\n', fp);
    }
    return ferror(fp) ? -1 : 0;
}

/* --fill's fields become missing in every row, so that nothing (the
 * target's search included) sees their values. */
static int blank_fields(som_data *data, const uint8_t *unknown, som_error *err)
{
    size_t n = som_data_n_samples(data), dim = som_data_dim(data);
    float *x = malloc(dim * sizeof *x);
    uint8_t *m = malloc(dim);
    int rc = x && m ? SOM_OK : som_error_set(err, SOM_ENOMEM, "out of memory");
    for (size_t i = 0; rc == SOM_OK && i < n; i++) {
        const uint8_t *rm = som_data_row_mask(data, i);
        memcpy(x, som_data_row(data, i), dim * sizeof *x);
        for (size_t j = 0; j < dim; j++) m[j] = (uint8_t)((rm ? rm[j] : 1) && !unknown[j]);
        rc = som_data_set_row(data, i, x, m, err);
    }
    free(x);
    free(m);
    return rc;
}

static int predict_target(const som_map *map, som_data *data, const char *target, int is_class,
                          const uint8_t *unknown, const som_fill_opts *how,
                          const som_fill_opts *target_how, bool proba,
                          const char *out_path, int threads)
{
    size_t n = som_data_n_samples(data), dim = som_map_dim(map), nn = n ? n : 1;
    target_rows t;
    memset(&t, 0, sizeof t);
    t.name = target;
    t.is_class = is_class;
    t.is_target = calloc(dim, 1);
    size_t *fields = calloc(dim, sizeof *fields);
    size_t k = som_map_target_fields(map, target, fields, dim, NULL);
    if (is_class) {
        t.classes = calloc(nn, sizeof *t.classes);
        t.n_classes = k;
        t.class_fields = fields;
        if (proba) t.proba = calloc(nn * k, sizeof *t.proba);
    } else {
        t.truth = calloc(nn, sizeof *t.truth);
        t.pred = calloc(nn, sizeof *t.pred);
        t.has_truth = calloc(nn, 1);
    }
    som_outfile *out = NULL;
    som_error err;
    som_error_clear(&err);
    int rc = CLI_OK;
    if (!t.is_target || !fields || (is_class ? !t.classes || (proba && !t.proba)
                                             : !t.truth || !t.pred || !t.has_truth)) {
        cli_error("out of memory");
        rc = CLI_FAIL;
        goto done;
    }
    for (size_t c = 0; c < k; c++) t.is_target[fields[c]] = 1;
    /* The true values, before anything is filled in. */
    const char *lt = som_data_label_title(data);
    t.label_is_target = lt && strcmp(lt, target) == 0;
    if (!is_class) {
        t.field = fields[0];
        for (size_t i = 0; i < n; i++) {
            const uint8_t *rm = som_data_row_mask(data, i);
            t.has_truth[i] = rm ? rm[t.field] : 1;
            t.truth[i] = som_data_row(data, i)[t.field];
        }
    }
    /* The prediction (a search over the other fields), then the other
     * fields' gaps filled the usual way. */
    int status = unknown ? blank_fields(data, unknown, &err) : SOM_OK;
    if (status == SOM_OK)
        status = som_map_predict_target_ex(map, data, target, target_how, t.pred, t.classes, t.proba,
                                           NULL, threads, &err);
    if (status == SOM_OK) status = som_map_fill(map, data, t.is_target, how, NULL, threads, &err);
    if (status == SOM_OK) status = som_outfile_open(out_path, &out, &err);
    if (status != SOM_OK) {
        rc = cli_fail(&err);
        goto done;
    }
    /* A failed write leaves the stream's error flag set: the commit then
     * reports it with the system's reason and keeps any old file. */
    if (write_target(som_outfile_stream(out), map, data, &t) != 0 &&
        !ferror(som_outfile_stream(out))) {
        som_outfile_abort(out);
        out = NULL;
        cli_error("out of memory");
        rc = CLI_FAIL;
        goto done;
    }
    rc = som_outfile_commit(out, &err) == SOM_OK ? CLI_OK : cli_fail(&err);
    out = NULL;
done:
    som_outfile_abort(out);
    free(t.is_target);
    free(t.classes);
    free(t.proba);
    free(t.truth);
    free(t.pred);
    free(t.has_truth);
    free(fields);
    return rc;
}

int cmd_predict(int argc, char **argv)
{
    const char *cmd = "predict", *out_path = "-", *fill = NULL, *target = NULL;
    /* The fields' default is the library's (units:16); a target's is the
     * best unit unless --fill-from is given: its class shares measured as
     * good from the best unit alone (bench/README.md), and 'som predict
     * --target' answers stay what they were. */
    som_fill_opts how, target_how;
    som_fill_opts_init(&how);
    som_fill_opts_init(&target_how);
    target_how.method = SOM_FILL_BMU;
    bool proba = false;
    som_error err;
    som_error_clear(&err);
    cli_model_data md;
    cli_model_data_init(&md);
    int c;
    optind = 0;
    while ((c = getopt_long(argc, argv, ":o:qh", long_options, NULL)) != -1) {
        switch (c) {
        case 'o': out_path = optarg; break;
        case 'h': fputs(usage_text, stdout); return CLI_OK;
        case OPT_FILL:
            if (!*optarg || strspn(optarg, ",") == strlen(optarg))
                return cli_bad_value(cmd, "--fill", optarg,
                                     "field titles separated by commas");
            fill = optarg;
            break;
        case OPT_TARGET:
            if (!*optarg) return cli_bad_value(cmd, "--target", optarg, "a column title");
            target = optarg;
            break;
        case OPT_FILL_FROM:
            if (som_fill_opts_parse(&how, optarg, &err) != SOM_OK)
                return cli_usage(cmd, "--fill-from: %s", err.message);
            target_how = how;
            break;
        case OPT_PROBA: proba = true; break;
        default:
            if (cli_model_data_option(cmd, c, argv, &md) < 0) return CLI_USAGE;
        }
    }
    if (cli_model_data_operands(cmd, argc, argv, &md) != CLI_OK) return CLI_USAGE;
    if (proba && !target) return cli_usage(cmd, "--proba needs --target COL (a class target)");
    cli_output(out_path);

    som_map *map = NULL;
    som_data *data = NULL;
    uint8_t *unknown = NULL;
    int rc = cli_load_map(md.model_path, &map);
    if (rc != CLI_OK) goto done;
    int is_class = 0;
    if (target && (rc = cli_check_target(cmd, map, target, &is_class)) != CLI_OK) goto done;
    if (proba && !is_class) {
        rc = cli_usage(cmd, "--proba: the target '%s' is a number, not classes (fields '%s=CLASS')",
                       target, target);
        goto done;
    }
    if (fill) {
        unknown = calloc(som_map_dim(map), 1);
        if (!unknown) {
            cli_error("out of memory");
            rc = CLI_FAIL;
            goto done;
        }
        rc = parse_fill(map, fill, target, unknown);
        if (rc != CLI_OK) goto done;
    }
    rc = cli_read_aligned(map, md.data_path, &md.csv, target, md.quiet, &data);
    if (rc != CLI_OK) goto done;
    if (target) {
        rc = predict_target(map, data, target, is_class, unknown, &how, &target_how, proba,
                            out_path, md.threads);
        goto done;
    }
    /* som_data_write_csv writes atomically (and "-" to standard output). */
    if (som_map_fill(map, data, unknown, &how, NULL, md.threads, &err) != SOM_OK ||
        som_data_write_as(data, out_path, "csv", &err) != SOM_OK)
        rc = cli_fail(&err);
done:
    free(unknown);
    som_data_free(data);
    som_map_free(map);
    return rc;
}
