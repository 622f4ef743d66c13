/* SPDX-License-Identifier: MIT */
/* cmd_predict.c — `som predict`: fill the missing fields of each row from its
 * best-matching unit (som_map_predict) and write the completed table. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char usage_text[] =
    "Usage: som predict MODEL DATA [-o OUT.csv] [--fill TITLE[,TITLE...]]\n"
    "                  [--target COL] [OPTIONS]\n"
    "\n"
    "Fills the missing fields of every row of DATA from the row's\n"
    "best-matching unit, found over the fields the row has, and writes the\n"
    "table as CSV: the label column (if DATA has one), then the model's\n"
    "fields in the model's order, every one filled, numbers with %.9g.\n"
    "Missing means an empty cell, NA, NaN or ?; a field of the model that\n"
    "DATA lacks altogether is missing in every row. Columns of DATA that the\n"
    "model lacks are left out. Standard error names both kinds of column.\n"
    "\n"
    "  -o, --output OUT.csv    write there instead of standard output\n"
    "      --fill TITLES       also predict these fields (comma-separated\n"
    "                          titles) in every row, ignoring their values\n"
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
    "                          class whose field is largest in the unit.\n"
    "                          With --fill, the fields named there are also\n"
    "                          left out of the search; naming COL in --fill\n"
    "                          as well adds nothing\n"
    "      --threads T         threads to use, 0 = all cores (default 0)\n"
    CLI_QUIET_HELP
    "\n" CLI_DATA_HELP
    "\n"
    "  -h, --help              show this help\n";

enum { OPT_FILL = CLI_OPT_LOCAL, OPT_TARGET };

static const struct option long_options[] = {
    {"output", required_argument, NULL, 'o'},
    {"help", no_argument, NULL, 'h'},
    {"quiet", no_argument, NULL, 'q'},
    {"fill", required_argument, NULL, OPT_FILL},
    {"target", required_argument, NULL, OPT_TARGET},
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
                          const uint8_t *unknown, const char *out_path, int threads)
{
    size_t n = som_data_n_samples(data), dim = som_map_dim(map), nn = n ? n : 1;
    target_rows t;
    memset(&t, 0, sizeof t);
    t.name = target;
    t.is_class = is_class;
    t.is_target = calloc(dim, 1);
    size_t *fields = calloc(dim, sizeof *fields);
    if (is_class) {
        t.classes = calloc(nn, sizeof *t.classes);
    } else {
        t.truth = calloc(nn, sizeof *t.truth);
        t.pred = calloc(nn, sizeof *t.pred);
        t.has_truth = calloc(nn, 1);
    }
    som_outfile *out = NULL;
    som_error err;
    som_error_clear(&err);
    int rc = CLI_OK;
    if (!t.is_target || !fields || (is_class ? !t.classes : !t.truth || !t.pred || !t.has_truth)) {
        cli_error("out of memory");
        rc = CLI_FAIL;
        goto done;
    }
    size_t k = som_map_target_fields(map, target, fields, dim, NULL);
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
        status = som_map_predict_target(map, data, target, t.pred, t.classes, NULL, threads, &err);
    if (status == SOM_OK) status = som_map_predict(map, data, t.is_target, NULL, threads, &err);
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
    free(t.truth);
    free(t.pred);
    free(t.has_truth);
    free(fields);
    return rc;
}

int cmd_predict(int argc, char **argv)
{
    const char *cmd = "predict", *out_path = "-", *fill = NULL, *target = NULL;
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
        default:
            if (cli_model_data_option(cmd, c, argv, &md) < 0) return CLI_USAGE;
        }
    }
    if (cli_model_data_operands(cmd, argc, argv, &md) != CLI_OK) return CLI_USAGE;
    cli_output(out_path);

    som_map *map = NULL;
    som_data *data = NULL;
    uint8_t *unknown = NULL;
    som_error err;
    som_error_clear(&err);
    int rc = cli_load_map(md.model_path, &map);
    if (rc != CLI_OK) goto done;
    int is_class = 0;
    if (target && (rc = cli_check_target(cmd, map, target, &is_class)) != CLI_OK) goto done;
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
        rc = predict_target(map, data, target, is_class, unknown, out_path, md.threads);
        goto done;
    }
    /* som_data_write_csv writes atomically (and "-" to standard output). */
    if (som_map_predict(map, data, unknown, NULL, md.threads, &err) != SOM_OK ||
        som_data_write_as(data, out_path, "csv", &err) != SOM_OK)
        rc = cli_fail(&err);
done:
    free(unknown);
    som_data_free(data);
    som_map_free(map);
    return rc;
}
