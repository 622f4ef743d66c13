/* SPDX-License-Identifier: MIT */
/* cmd_cluster.c — `som cluster`: group a model's units into clusters
 * (som_map_cluster) and save the model with them. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char usage_text[] =
    "Usage: som cluster MODEL -o MODEL2 [-k K] [--method kmeans|ward] [OPTIONS]\n"
    "\n"
    "Groups the units of the map in MODEL into clusters by their weights (in\n"
    "the model's scaled space, with its feature weights) and writes the model\n"
    "with each unit's cluster to MODEL2 (which may be MODEL itself). 'som map'\n"
    "then adds a cluster column, and 'som render --plot clusters' draws them.\n"
    "Without -k, every k of --k-range is tried and the one with the lowest\n"
    "Davies-Bouldin index is kept; the summary on standard error says which.\n"
    "\n"
    "  -o, --output MODEL2     the model to write (required)\n"
    "  -k, --clusters K        the number of clusters (default: chosen)\n"
    "      --method M          kmeans (default): k-means on the codebook from\n"
    "                          k-means++ seeding; ward: Ward linkage between\n"
    "                          grid neighbours only, so clusters are\n"
    "                          contiguous patches of the map\n"
    "      --k-range A:B       the k tried without -k (default 2:10)\n"
    "      --seed S            seed of the k-means++ seeding (default 1)\n"
    "      --restarts N        k-means runs from different seedings; the\n"
    "                          tightest wins (default 10)\n"
    "  -q, --quiet             no summary\n"
    "      --max-input SIZE    read at most SIZE bytes of the model (from\n"
    "                          standard input, a pipe, a .gz; suffixes K,\n"
    "                          M, G, T; default 4G)\n"
    "  -h, --help              show this help\n";

enum { OPT_METHOD = CLI_OPT_LOCAL, OPT_K_RANGE, OPT_SEED, OPT_RESTARTS };

static const struct option long_options[] = {
    {"output", required_argument, NULL, 'o'},
    {"clusters", required_argument, NULL, 'k'},
    {"quiet", no_argument, NULL, 'q'},
    {"help", no_argument, NULL, 'h'},
    {"method", required_argument, NULL, OPT_METHOD},
    {"k-range", required_argument, NULL, OPT_K_RANGE},
    {"seed", required_argument, NULL, OPT_SEED},
    {"restarts", required_argument, NULL, OPT_RESTARTS},
    CLI_MAX_INPUT_LONG_OPTION,
    {NULL, 0, NULL, 0}};

/* "A:B", whole numbers 2 <= A <= B. */
static bool parse_range(const char *s, size_t *a, size_t *b)
{
    const char *colon = strchr(s, ':');
    if (!colon || colon == s) return false;
    char first[32];
    size_t len = (size_t)(colon - s);
    if (len >= sizeof first) return false;
    memcpy(first, s, len);
    first[len] = '\0';
    return cli_parse_size(first, 2, a) && cli_parse_size(colon + 1, 2, b) && *a <= *b;
}

int cmd_cluster(int argc, char **argv)
{
    const char *cmd = "cluster", *out_path = NULL;
    som_cluster_opts o;
    som_cluster_opts_init(&o);
    bool quiet = false, k_set = false, range_set = false;
    int c, v;
    optind = 0;
    while ((c = getopt_long(argc, argv, ":o:k:qh", long_options, NULL)) != -1) {
        switch (c) {
        case 'o': out_path = optarg; break;
        case 'q': quiet = true; break;
        case 'h': fputs(usage_text, stdout); return CLI_OK;
        case 'k':
            if (!cli_parse_size(optarg, 1, &o.k))
                return cli_bad_value(cmd, "-k", optarg, "a whole number >= 1");
            k_set = true;
            break;
        case OPT_METHOD:
            if (!cli_parse_choice(optarg, som_enum_names(SOM_ENUM_CLUSTER_METHOD), &v))
                return cli_usage(cmd, "--method: expected one of %s, got '%s'",
                                 cli_choices(som_enum_names(SOM_ENUM_CLUSTER_METHOD)), optarg);
            o.method = (som_cluster_method)v;
            break;
        case OPT_K_RANGE:
            if (!parse_range(optarg, &o.k_min, &o.k_max))
                return cli_bad_value(cmd, "--k-range", optarg, "A:B, whole numbers 2 <= A <= B");
            range_set = true;
            break;
        case OPT_SEED:
            if (!cli_parse_u64(optarg, &o.seed))
                return cli_bad_value(cmd, "--seed", optarg, "a whole number >= 0");
            break;
        case CLI_OPT_MAX_INPUT:
            if (cli_max_input_option(cmd, optarg) != CLI_OK) return CLI_USAGE;
            break;
        case OPT_RESTARTS:
            if (!cli_parse_size(optarg, 1, &o.restarts))
                return cli_bad_value(cmd, "--restarts", optarg, "a whole number >= 1");
            break;
        case '?':
        case ':': return cli_getopt_error(cmd, c, argv);
        }
    }
    if (argc - optind != 1)
        return cli_usage(cmd, "expected one MODEL, got %d argument%s", argc - optind,
                         argc - optind == 1 ? "" : "s");
    if (!out_path) return cli_usage(cmd, "no output given: -o MODEL2");
    if (k_set && range_set) return cli_usage(cmd, "give -k or --k-range, not both");
    if (cli_refuse_binary_to_terminal(cmd, out_path)) return CLI_USAGE;
    const char *model_path = argv[optind];
    cli_output(out_path);

    som_map *map = NULL;
    double *db = NULL;
    size_t *sizes = NULL;
    som_error err;
    som_error_clear(&err);
    int rc = cli_load_map(model_path, &map);
    if (rc != CLI_OK) goto done;
    size_t n_units = som_map_n_units(map);
    /* The library caps the range at the map; say so here too. */
    if (!k_set && o.k_max > n_units - 1 && n_units >= 3) o.k_max = n_units - 1;
    db = calloc(o.k_max >= o.k_min ? o.k_max - o.k_min + 1 : 1, sizeof *db);
    if (!db) {
        cli_error("out of memory");
        rc = CLI_FAIL;
        goto done;
    }
    if (som_map_cluster(map, &o, k_set ? NULL : db, &err) != SOM_OK ||
        cli_save_map(map, out_path, &err) != SOM_OK) {
        rc = cli_fail(&err);
        goto done;
    }
    if (!quiet) {
        size_t k = som_map_n_clusters(map);
        const uint32_t *cl = som_map_clusters(map);
        if (!k_set) {
            fprintf(stderr, "k   Davies-Bouldin\n");
            for (size_t t = o.k_min; t <= o.k_max; t++)
                fprintf(stderr, "%-3zu %.4f%s\n", t, db[t - o.k_min], t == k ? "  <- lowest" : "");
        }
        fprintf(stderr, "clusters %zu (%s%s)\n", k, o.method == SOM_CLUSTER_WARD
                ? "Ward linkage between grid neighbours" : "k-means",
                k_set ? "" : ", chosen by the lowest Davies-Bouldin index");
        sizes = calloc(k, sizeof *sizes);
        if (sizes) {
            for (size_t u = 0; u < n_units; u++) sizes[cl[u]]++;
            fputs("units   ", stderr);
            for (size_t t = 0; t < k; t++) fprintf(stderr, "%s%zu", t ? " " : "", sizes[t]);
            fputs(" (clusters 0..k-1)\n", stderr);
        }
        fprintf(stderr, "wrote    %s\n", cli_output_name(out_path));
    }
    rc = CLI_OK;
done:
    free(sizes);
    free(db);
    som_map_free(map);
    return rc;
}
