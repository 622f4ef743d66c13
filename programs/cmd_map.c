/* SPDX-License-Identifier: MIT */
/* cmd_map.c — `som map`: the best-matching unit of every row of a data file
 * (som_map_bmus), as CSV. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char usage_text[] =
    "Usage: som map MODEL DATA [-o OUT.csv] [OPTIONS]\n"
    "\n"
    "Finds the best-matching unit of every row of DATA on the map in MODEL\n"
    "and writes CSV with the header label,unit,row,col,distance, one line per\n"
    "row in input order. label is the row's label, or its line number in DATA\n"
    "when DATA has no label column; unit = row*cols + col; distance is the\n"
    "model's distance (Euclidean unless trained with --distance) to the\n"
    "unit in the model's scaled space, over the fields present. DATA's columns are matched to the model's fields by\n"
    "title (or by position when no title matches and the counts agree).\n"
    "A model with clusters ('som cluster') adds a last column, cluster: the\n"
    "cluster of the row's unit (0-based).\n"
    "\n"
    "  -o, --output OUT.csv    write there instead of standard output\n"
    "      --threads T         threads to use, 0 = all cores (default 0)\n"
    CLI_QUIET_HELP
    "\n" CLI_DATA_HELP
    "\n"
    "  -h, --help              show this help\n";

static const struct option long_options[] = {
    {"output", required_argument, NULL, 'o'},
    {"help", no_argument, NULL, 'h'},
    {"quiet", no_argument, NULL, 'q'},
    {"threads", required_argument, NULL, CLI_OPT_THREADS},
    CLI_DATA_LONG_OPTIONS,
    {NULL, 0, NULL, 0}};

static int write_rows(FILE *fp, const som_map *map, const som_data *data,
                      const size_t *units, const float *dist)
{
    size_t cols = som_map_grid(map)->cols;
    const uint32_t *cluster = som_map_clusters(map);
    fputs(cluster ? "label,unit,row,col,distance,cluster\n" : "label,unit,row,col,distance\n", fp);
    /* An interrupt ends the loop; the commit then refuses the file. */
    for (size_t i = 0; i < som_data_n_samples(data) && !((i & 1023) == 0 && cli_interrupted());
         i++) {
        const char *label = som_data_label(data, i);
        if (label)
            cli_csv_field(fp, label);
        else
            fprintf(fp, "%zu", som_data_line(data, i));
        fprintf(fp, ",%zu,%zu,%zu,%.9g", units[i], units[i] / cols,
                units[i] % cols, (double)dist[i]);
        if (cluster) fprintf(fp, ",%lu", (unsigned long)cluster[units[i]]);
        fputc('\n', fp);
    }
    return ferror(fp) ? -1 : 0;
}

int cmd_map(int argc, char **argv)
{
    const char *cmd = "map", *out_path = "-";
    cli_model_data md;
    cli_model_data_init(&md);
    int c;
    optind = 0;
    while ((c = getopt_long(argc, argv, ":o:qh", long_options, NULL)) != -1) {
        switch (c) {
        case 'o': out_path = optarg; break;
        case 'h': fputs(usage_text, stdout); return CLI_OK;
        default:
            if (cli_model_data_option(cmd, c, argv, &md) < 0) return CLI_USAGE;
        }
    }
    if (cli_model_data_operands(cmd, argc, argv, &md) != CLI_OK) return CLI_USAGE;
    cli_output(out_path);

    som_map *map = NULL;
    som_data *data = NULL;
    size_t *units = NULL;
    float *dist = NULL;
    som_outfile *out = NULL;
    som_error err;
    som_error_clear(&err);
    int rc = cli_load_map(md.model_path, &map);
    if (rc == CLI_OK) rc = cli_read_aligned(map, md.data_path, &md.csv, NULL, md.quiet, &data);
    if (rc != CLI_OK) goto done;

    size_t n = som_data_n_samples(data);
    units = malloc(n * sizeof *units);
    dist = malloc(n * sizeof *dist);
    if (!units || !dist) {
        cli_error("out of memory");
        rc = CLI_FAIL;
        goto done;
    }
    if (som_map_bmus(map, data, units, dist, NULL, md.threads, &err) != SOM_OK ||
        som_outfile_open(out_path, &out, &err) != SOM_OK) {
        rc = cli_fail(&err);
        goto done;
    }
    /* A failed write leaves the stream's error flag set: the commit then
     * reports it with the system's reason and keeps any old file. */
    (void)write_rows(som_outfile_stream(out), map, data, units, dist);
    rc = som_outfile_commit(out, &err) == SOM_OK ? CLI_OK : cli_fail(&err);
    out = NULL;
done:
    som_outfile_abort(out);
    free(dist);
    free(units);
    som_data_free(data);
    som_map_free(map);
    return rc;
}
