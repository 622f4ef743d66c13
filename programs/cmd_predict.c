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
    "      --threads T         threads to use, 0 = all cores (default 0)\n"
    "\n" CLI_DATA_HELP
    "\n"
    "  -h, --help              show this help\n";

enum { OPT_FILL = CLI_OPT_LOCAL };

static const struct option long_options[] = {
    {"output", required_argument, NULL, 'o'},
    {"help", no_argument, NULL, 'h'},
    {"fill", required_argument, NULL, OPT_FILL},
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

int cmd_predict(int argc, char **argv)
{
    const char *cmd = "predict", *out_path = "-", *fill = NULL;
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
    int rc = cli_load_map(model_path, &map);
    if (rc != CLI_OK) goto done;
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
