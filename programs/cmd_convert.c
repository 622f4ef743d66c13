/* SPDX-License-Identifier: MIT */
/* cmd_convert.c — `som convert IN OUT`: models and data between libsom's
 * own files and those of other SOM tools, the formats chosen by the names.
 * The readers, the writers and what each format holds are the library's
 * format registry (som.h, "Formats: one registry"); this file decides
 * whether IN is a model or data, and says on stderr what OUT cannot hold. */
#include <string.h>
#include <strings.h>

#include "cli.h"

static const char usage_text[] =
    "Usage: som convert IN OUT [OPTIONS]\n"
    "\n"
    "Converts a model or a data file; the formats come from the names.\n"
    "\n"
    "Models in:  .som, .somnet (MQL5), .cod (SOM_PAK), .wts (ESOM/Somoclu),\n"
    "            .json (what som convert writes: .som -> .json -> .som\n"
    "            gives the same bytes)\n"
    "Models out: .som, .somnet, .cod, .wts, .umx (ESOM U-matrix), .json,\n"
    "            .bm (ESOM best matches of --data)\n"
    "Data in:    .csv (or any other name), .npy, .dat/.dat.gz (SOM_PAK),\n"
    "            .lrn (ESOM)\n"
    "Data out:   .csv, .dat, .lrn, .npy (float32, NaN where a value is\n"
    "            missing; a CSV converts in bounded memory, whatever its\n"
    "            size; column titles and labels are not kept: a .npy has no\n"
    "            place for them)\n"
    "\n"
    "What OUT's format cannot hold (topology, toroid, scaling, titles,\n"
    "clusters, feature weights, settings, history; labels, sample weights,\n"
    "fixed points) is left out, with a note on stderr for each part.\n"
    "\n"
    "      --data DATA         the rows whose best matches OUT.bm lists\n"
    "      --classes FILE      an ESOM .cls file: its classes become the\n"
    "                          labels of the data (matched by key)\n"
    "      --size WxH          picture size stored in a .somnet (default\n"
    "                          500x500)\n"
    "      --threads T         threads for the best matches, 0 = all cores\n"
    "\n" CLI_DATA_HELP
    "\n"
    "  -h, --help              show this help\n";

enum { OPT_DATA = CLI_OPT_LOCAL, OPT_CLASSES, OPT_SIZE };

static const struct option long_options[] = {
    {"help", no_argument, NULL, 'h'},
    {"data", required_argument, NULL, OPT_DATA},
    {"classes", required_argument, NULL, OPT_CLASSES},
    {"size", required_argument, NULL, OPT_SIZE},
    {"threads", required_argument, NULL, CLI_OPT_THREADS},
    CLI_DATA_LONG_OPTIONS,
    {NULL, 0, NULL, 0}};

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcasecmp(s + n - k, suffix) == 0;
}

/* A name whose format loads maps. */
static bool is_model_name(const char *s)
{
    const som_format_info *f = som_format_of_path(s);
    return f && (f->uses & SOM_FORMAT_LOAD_MAP);
}

/* A name whose format writes data (no writer compresses: not ".dat.gz"). */
static bool is_data_out(const char *s)
{
    const som_format_info *f = som_format_of_path(s);
    return f && (f->uses & SOM_FORMAT_WRITE_DATA) && !ends_with(s, ".gz");
}

/* What a .npy could not keep, said once on stderr. */
static void npy_note(const char *out, size_t n, size_t dim, bool titles, bool labels)
{
    if (!titles && !labels) return;
    fprintf(stderr,
            "som: note: %s holds the values only (%zu rows x %zu fields, float32); %s are "
            "not kept, as a .npy has no place for them (its fields read back as 1..%zu)\n",
            out, n, dim,
            titles && labels ? "the column titles and the row labels"
                             : titles ? "the column titles" : "the row labels",
            dim);
}

/* DATA.csv to OUT.npy a block of rows at a time, so that a CSV of any size
 * converts in bounded memory. */
static int convert_csv_npy(const char *in, const char *out, const som_csv_opts *csv)
{
    som_error err;
    som_error_clear(&err);
    size_t n = 0, dim = 0;
    int labels = 0;
    if (som_data_convert_csv_npy(in, out, csv, &n, &dim, &labels, &err) != SOM_OK)
        return cli_fail(&err);
    npy_note(out, n, dim, true, labels != 0);
    return CLI_OK;
}

static int write_data(const som_data *data, const char *path)
{
    som_error err;
    som_error_clear(&err);
    unsigned lost = 0;
    if (som_data_losses(data, NULL, path, &lost, &err) != SOM_OK ||
        som_data_write_as(data, path, NULL, &err) != SOM_OK)
        return cli_fail(&err);
    /* A .npy's titles and labels have their note of old, with the shape. */
    if (ends_with(path, ".npy")) {
        npy_note(path, som_data_n_samples(data), som_data_dim(data),
                 (lost & SOM_PART_TITLES) != 0, (lost & SOM_PART_LABELS) != 0);
        lost &= ~(unsigned)(SOM_PART_TITLES | SOM_PART_LABELS);
    }
    cli_note_losses(path, lost);
    return CLI_OK;
}

static int convert_data(const char *in, const char *out, const som_csv_opts *csv,
                        const char *classes)
{
    som_data *data = NULL;
    int rc = cli_read_data(in, csv, false, &data);
    if (rc != CLI_OK) return rc;
    som_error err;
    som_error_clear(&err);
    if (classes && som_data_read_cls(data, classes, &err) != SOM_OK)
        rc = cli_fail(&err);
    else
        rc = write_data(data, out);
    som_data_free(data);
    return rc;
}

static int convert_model(const char *in, const char *out, const char *data_path,
                         const som_csv_opts *csv, const char *classes, size_t w, size_t h,
                         int threads)
{
    som_map *map = NULL;
    som_data *data = NULL;
    int rc = cli_load_map(in, &map);
    if (rc != CLI_OK) return rc;
    som_error err;
    som_error_clear(&err);
    if (ends_with(out, ".bm")) {
        rc = cli_read_aligned(map, data_path, csv, NULL, false, &data);
        if (rc == CLI_OK && classes && som_data_read_cls(data, classes, &err) != SOM_OK)
            rc = cli_fail(&err);
        if (rc == CLI_OK && som_map_write_bm(map, data, out, threads, &err) != SOM_OK)
            rc = cli_fail(&err);
    } else {
        /* The same format for the losses as for the save: an unknown name
         * fails here, with the save's message. */
        unsigned lost = 0;
        if (som_map_losses(map, NULL, out, &lost, &err) != SOM_OK)
            rc = cli_fail(&err);
        else if (ends_with(out, ".somnet") ? som_map_save_somnet(map, out, w, h, &err)
                                           : som_map_save_as(map, out, NULL, &err))
            rc = cli_fail(&err);
        else
            cli_note_losses(out, lost);
    }
    som_data_free(data);
    som_map_free(map);
    return rc;
}

int cmd_convert(int argc, char **argv)
{
    const char *cmd = "convert", *data_path = NULL, *classes = NULL;
    som_csv_opts csv;
    som_csv_opts_init(&csv);
    size_t w = 0, h = 0;
    bool size_set = false;
    int threads = 0, c;
    optind = 0;
    while ((c = getopt_long(argc, argv, ":h", long_options, NULL)) != -1) {
        switch (c) {
        case 'h': fputs(usage_text, stdout); return CLI_OK;
        case OPT_DATA: data_path = optarg; break;
        case OPT_CLASSES: classes = optarg; break;
        case OPT_SIZE: {
            som_grid g;
            /* "WxH" has the shape of a grid: reuse its parser. */
            if (som_grid_parse(optarg, &g, NULL) != SOM_OK)
                return cli_bad_value(cmd, "--size", optarg, "WxH, e.g. 500x500");
            w = g.rows;
            h = g.cols;
            size_set = true;
            break;
        }
        case CLI_OPT_THREADS:
            if (!cli_parse_threads(optarg, &threads))
                return cli_bad_value(cmd, "--threads", optarg, "a whole number from 0 to 4096");
            break;
        case '?':
        case ':': return cli_getopt_error(cmd, c, argv);
        default:
            if (cli_data_option(cmd, c, optarg, &csv) < 0) return CLI_USAGE;
            break;
        }
    }
    if (argc - optind < 2) return cli_usage(cmd, "expected IN and OUT");
    if (argc - optind > 2)
        return cli_usage(cmd, "expected IN and OUT, got also '%s'", argv[optind + 2]);
    const char *in = argv[optind], *out = argv[optind + 1];
    cli_output(out);
    if (strcmp(out, "-") == 0)
        return cli_usage(cmd, "OUT must be a file name: its extension chooses the format");
    bool bm = ends_with(out, ".bm");
    if (bm && !data_path) return cli_usage(cmd, "%s: best matches need --data DATA", out);
    if (data_path && !bm) return cli_usage(cmd, "--data goes with an OUT.bm");
    if (size_set && !ends_with(out, ".somnet")) return cli_usage(cmd, "--size goes with an OUT.somnet");
    if (is_data_out(out)) {
        if (is_model_name(in))
            return cli_usage(cmd, "%s is a model and %s a data file: nothing to convert", in, out);
        if (ends_with(out, ".npy") && classes)
            return cli_usage(cmd, "--classes sets labels, which a .npy cannot hold");
        if (ends_with(out, ".npy") && !ends_with(in, ".npy") && !ends_with(in, ".dat") &&
            !ends_with(in, ".dat.gz") && !ends_with(in, ".lrn"))
            return convert_csv_npy(in, out, &csv);
        return convert_data(in, out, &csv, classes);
    }
    if (classes && !bm) return cli_usage(cmd, "--classes goes with a data OUT or an OUT.bm");
    return convert_model(in, out, data_path, &csv, classes, w, h, threads);
}
