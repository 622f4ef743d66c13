/* SPDX-License-Identifier: MIT */
/* cmd_eval.c — `som eval`: a map's quality on a data file
 * (som_map_quality). */
#include <string.h>

#include "cli.h"

static const char usage_text[] =
    "Usage: som eval MODEL DATA [--json] [OPTIONS]\n"
    "\n"
    "Measures how well the map in MODEL describes DATA:\n"
    "  qe         quantization error: the mean Euclidean distance from each\n"
    "             row to its best-matching unit, in the model's scaled space,\n"
    "             over the fields present\n"
    "  te         topographic error: the share of rows whose best and\n"
    "             second-best units are not grid neighbours\n"
    "  samples, units, units hit (units that are the best match of at least\n"
    "  one row), max hits (the most rows any one unit holds)\n"
    "\n"
    "      --json              print one JSON object with the keys qe, te,\n"
    "                          samples, units, units_hit, max_hits\n"
    "      --threads T         threads to use, 0 = all cores (default 0)\n"
    "\n" CLI_DATA_HELP
    "\n"
    "  -h, --help              show this help\n";

enum { OPT_JSON = CLI_OPT_LOCAL };

static const struct option long_options[] = {
    {"help", no_argument, NULL, 'h'},
    {"json", no_argument, NULL, OPT_JSON},
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

static void print_json(const som_quality *q)
{
    fputs("{\"qe\": ", stdout);
    cli_json_double(stdout, q->qe);
    fputs(", \"te\": ", stdout);
    cli_json_double(stdout, q->te);
    printf(", \"samples\": %zu, \"units\": %zu, \"units_hit\": %zu, "
           "\"max_hits\": %zu}\n",
           q->n_samples, q->n_units, q->units_hit, q->max_hits);
}

int cmd_eval(int argc, char **argv)
{
    const char *cmd = "eval";
    som_csv_opts csv;
    som_csv_opts_init(&csv);
    int threads = 0, c;
    bool json = false;
    optind = 0;
    while ((c = getopt_long(argc, argv, ":h", long_options, NULL)) != -1) {
        switch (c) {
        case 'h': fputs(usage_text, stdout); return CLI_OK;
        case OPT_JSON: json = true; break;
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

    som_map *map = NULL;
    som_data *data = NULL;
    som_error err;
    som_error_clear(&err);
    som_quality q;
    memset(&q, 0, sizeof q);
    int rc = cli_load_map(argv[optind], &map);
    if (rc == CLI_OK) rc = cli_read_aligned(map, argv[optind + 1], &csv, &data);
    if (rc == CLI_OK &&
        som_map_quality(map, data, &q, NULL, threads, &err) != SOM_OK)
        rc = cli_fail(&err);
    if (rc == CLI_OK) {
        if (json)
            print_json(&q);
        else
            print_text(&q);
    }
    som_data_free(data);
    som_map_free(map);
    return rc;
}
