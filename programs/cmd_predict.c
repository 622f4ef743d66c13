/* SPDX-License-Identifier: MIT */
/* cmd_predict.c — `som predict`: fill the missing fields of each row from its
 * best-matching unit (som_map_predict) and write the completed table. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char usage_text[] =
    "Usage: som predict MODEL DATA [-o OUT.csv] [--fill TITLE[,TITLE...]]\n"
    "\n"
    "Fills the missing fields of every row of DATA from the row's\n"
    "best-matching unit, found over the fields the row has, and writes the\n"
    "table as CSV: the label column (if DATA has one), then the model's\n"
    "fields in the model's order, every one filled, numbers with %.9g.\n"
    "Missing means an empty cell, NA, NaN or ?; a field of the model that\n"
    "DATA lacks altogether is missing in every row. Columns of DATA that the\n"
    "model lacks are left out.\n"
    "\n"
    "  -o, --output OUT.csv    write there instead of standard output\n"
    "      --fill TITLES       also predict these fields (comma-separated\n"
    "                          titles) in every row, ignoring their values\n"
    "      --target COL        the target of a supervised map ('som train\n"
    "                          --target'): rows that lack it get it from\n"
    "                          their best-matching unit, found over the\n"
    "                          other fields. A class target (fields\n"
    "                          COL=CLASS) is written as one column COL\n"
    "                          holding the class whose field is largest in\n"
    "                          the unit (the majority class), in place of\n"
    "                          the COL=CLASS fields; rows keep a class they\n"
    "                          have (DATA's label column, when titled COL)\n"
    "      --threads T         threads to use, 0 = all cores (default 0)\n"
    "\n" CLI_DATA_HELP
    "\n"
    "  -h, --help              show this help\n";

enum { OPT_FILL = CLI_OPT_LOCAL, OPT_TARGET };

static const struct option long_options[] = {
    {"output", required_argument, NULL, 'o'},
    {"help", no_argument, NULL, 'h'},
    {"fill", required_argument, NULL, OPT_FILL},
    {"target", required_argument, NULL, OPT_TARGET},
    {"threads", required_argument, NULL, CLI_OPT_THREADS},
    CLI_DATA_LONG_OPTIONS,
    {NULL, 0, NULL, 0}};

/* Marks the fields named in the comma-separated `list` in unknown[]. */
static int parse_fill(const som_map *map, const char *list, uint8_t *unknown)
{
    char *copy = strdup(list), *save = NULL;
    if (!copy) {
        cli_error("out of memory");
        return CLI_FAIL;
    }
    int rc = CLI_OK;
    for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
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

/* A class target: the table with one column of classes in place of the
 * target's one-hot fields. */
static int write_classes(FILE *fp, const som_map *map, const som_data *data, const char *target,
                         const char *const *classes, const uint8_t *is_target)
{
    const char *lt = som_data_label_title(data);
    bool label_is_target = lt && strcmp(lt, target) == 0;
    bool other_label = lt && !label_is_target;
    size_t dim = som_map_dim(map), n = som_data_n_samples(data);
    if (other_label) {
        cli_csv_field(fp, lt);
        fputc(',', fp);
    }
    cli_csv_field(fp, target);
    for (size_t j = 0; j < dim; j++)
        if (!is_target[j]) {
            fputc(',', fp);
            cli_csv_field(fp, som_map_title(map, j));
        }
    fputc('\n', fp);
    for (size_t i = 0; i < n; i++) {
        const char *lab = som_data_label(data, i);
        if (other_label) {
            cli_csv_field(fp, lab ? lab : "");
            fputc(',', fp);
        }
        cli_csv_field(fp, label_is_target && lab && lab[0] ? lab : classes[i]);
        const float *row = som_data_row(data, i);
        for (size_t j = 0; j < dim; j++)
            if (!is_target[j]) {
                fputc(',', fp);
                put_float(fp, row[j]);
            }
        fputc('\n', fp);
    }
    return ferror(fp) ? -1 : 0;
}

static int predict_classes(const som_map *map, som_data *data, const char *target,
                           const char *out_path, int threads)
{
    size_t n = som_data_n_samples(data), dim = som_map_dim(map);
    const char **classes = calloc(n ? n : 1, sizeof *classes);
    uint8_t *is_target = calloc(dim, 1);
    size_t *fields = calloc(dim, sizeof *fields);
    som_outfile *out = NULL;
    som_error err;
    som_error_clear(&err);
    int rc = CLI_OK;
    if (!classes || !is_target || !fields) {
        cli_error("out of memory");
        rc = CLI_FAIL;
        goto done;
    }
    size_t k = som_map_target_fields(map, target, fields, dim, NULL);
    for (size_t c = 0; c < k; c++) is_target[fields[c]] = 1;
    /* The classes, then the other fields' gaps filled the usual way. */
    if (som_map_predict_target(map, data, target, NULL, classes, NULL, threads, &err) != SOM_OK ||
        som_map_predict(map, data, is_target, NULL, threads, &err) != SOM_OK ||
        som_outfile_open(out_path, &out, &err) != SOM_OK) {
        rc = cli_fail(&err);
        goto done;
    }
    /* A failed write leaves the stream's error flag set: the commit then
     * reports it with the system's reason and keeps any old file. */
    (void)write_classes(som_outfile_stream(out), map, data, target, classes, is_target);
    rc = som_outfile_commit(out, &err) == SOM_OK ? CLI_OK : cli_fail(&err);
    out = NULL;
done:
    som_outfile_abort(out);
    free(classes);
    free(is_target);
    free(fields);
    return rc;
}

int cmd_predict(int argc, char **argv)
{
    const char *cmd = "predict", *out_path = "-", *fill = NULL, *target = NULL;
    som_csv_opts csv;
    som_csv_opts_init(&csv);
    int threads = 0, c;
    optind = 0;
    while ((c = getopt_long(argc, argv, ":o:h", long_options, NULL)) != -1) {
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
        case CLI_OPT_THREADS:
            if (!cli_parse_threads(optarg, &threads))
                return cli_bad_value(cmd, "--threads", optarg,
                                     "a whole number from 0 to 4096");
            break;
        case '?':
        case ':': return cli_getopt_error(cmd, c, argv);
        default:
            if (cli_data_option(cmd, c, optarg, &csv) < 0) return CLI_USAGE;
        }
    }
    if (argc - optind != 2)
        return cli_usage(cmd, "expected MODEL and DATA, got %d argument%s",
                         argc - optind, argc - optind == 1 ? "" : "s");
    const char *model_path = argv[optind], *data_path = argv[optind + 1];

    som_map *map = NULL;
    som_data *data = NULL;
    uint8_t *unknown = NULL;
    som_error err;
    som_error_clear(&err);
    if (fill && target) return cli_usage(cmd, "give --fill or --target, not both");
    int rc = cli_load_map(model_path, &map);
    if (rc != CLI_OK) goto done;
    int is_class = 0;
    if (target && !som_map_target_fields(map, target, NULL, 0, &is_class)) {
        fprintf(stderr, "som predict: --target: the model has no field '%s' and no fields "
                        "'%s=CLASS'\nTry 'som predict --help'.\n", target, target);
        rc = CLI_USAGE;
        goto done;
    }
    if (fill) {
        unknown = calloc(som_map_dim(map), 1);
        if (!unknown) {
            cli_error("out of memory");
            rc = CLI_FAIL;
            goto done;
        }
        rc = parse_fill(map, fill, unknown);
        if (rc != CLI_OK) goto done;
    }
    rc = cli_read_aligned(map, data_path, &csv, &data);
    if (rc != CLI_OK) goto done;
    if (is_class) {
        rc = predict_classes(map, data, target, out_path, threads);
        goto done;
    }
    /* A numeric target is a field like the others: its gaps are filled. */
    /* som_data_write_csv writes atomically (and "-" to standard output). */
    if (som_map_predict(map, data, unknown, NULL, threads, &err) != SOM_OK ||
        som_data_write_csv(data, out_path, &err) != SOM_OK)
        rc = cli_fail(&err);
done:
    free(unknown);
    som_data_free(data);
    som_map_free(map);
    return rc;
}
