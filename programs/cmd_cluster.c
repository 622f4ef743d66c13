/* SPDX-License-Identifier: MIT */
/* cmd_cluster.c — `som cluster`: group a model's units into clusters
 * (som_map_cluster_ex), weighted by the hits of --data when given, and
 * save the model with them. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char usage_text[] =
    "Usage: som cluster MODEL -o MODEL2 [--data DATA] [-k K] [OPTIONS]\n"
    "\n"
    "Groups the units of the map in MODEL into clusters by their weights (in\n"
    "the model's scaled space, with its feature weights) and writes the model\n"
    "with each unit's cluster to MODEL2 (which may be MODEL itself). Then\n"
    "'som map MODEL2 DATA' gives each row's cluster (a last column, the\n"
    "cluster of the row's unit), and 'som render --plot clusters' draws them.\n"
    "\n"
    "The default method, auto, weighs each unit by the rows of DATA it holds\n"
    "(its hits; give the training data with --data). Units that hold no row\n"
    "do not vote: each joins the cluster of its nearest neighbour on the grid\n"
    "that holds rows. Ward's linkage then merges clusters, the cheapest merge\n"
    "first (neighbours on the grid only, while more than 200 are left); on\n"
    "hit weights the cost of a merge is close to what it adds to the rows'\n"
    "within-cluster sum of squares. Without -k, the k kept is the largest\n"
    "whose next merge would join two clusters clearly apart: their centres\n"
    "lie at least --min-sep pooled standard deviations apart along the line\n"
    "between them (more for clusters of few units, which measure it\n"
    "roughly); 'strength' on standard error is that separation over the bar\n"
    "(>= 1 passes; a k far weaker than the strongest, under a fifth of it,\n"
    "does not). When no k passes, the data show no groups and the answer is\n"
    "one cluster, with a warning. A few k-means steps on the weighted units\n"
    "then fix units the greedy merges put on the wrong side. Without --data\n"
    "every unit weighs 1, and units in empty space between groups (or\n"
    "spread along a pure-noise field) take part: prefer --data.\n"
    "Limits: Ward prefers compact groups. A group wrapped around another (a\n"
    "ring around a blob), groups joined by a bridge of rows, groups closer\n"
    "than about 4 of their standard deviations, or holding fewer rows than a\n"
    "few units, may be cut otherwise than a person would; a strong split can\n"
    "hide a much weaker, finer one. The strength table on standard error\n"
    "shows how clear the choice was. A chosen k at the top of --k-range is\n"
    "named on standard error: try a wider range.\n"
    "\n"
    "  -o, --output MODEL2     the model to write (required)\n"
    "      --data DATA         rows whose hits weigh the units (auto; the\n"
    "                          data the map was trained on, or like it)\n"
    "  -k, --clusters K        the number of clusters (default: chosen)\n"
    "      --method M          auto (default, above); kmeans: k-means on\n"
    "                          all units' weights from k-means++ seeding;\n"
    "                          ward: Ward linkage between grid neighbours\n"
    "                          of unweighted units. These two choose k by\n"
    "                          the lowest Davies-Bouldin index\n"
    "      --k-range A:B       the k tried without -k (default 2:10)\n"
    "      --min-sep S         auto: the separation (in standard deviations)\n"
    "                          of two large clusters (default 4; halving\n"
    "                          one gaussian group gives 2.7)\n"
    "      --seed S            seed of the k-means++ seeding (default 1)\n"
    "      --restarts N        k-means runs from different seedings; the\n"
    "                          tightest wins (default 10)\n"
    "      --threads T         threads for the hits, 0 = all cores (default 0)\n"
    "  -q, --quiet             no summary, no notes on DATA's columns\n"
    "\n" CLI_DATA_HELP
    "\n"
    "  -h, --help              show this help\n";

enum { OPT_METHOD = CLI_OPT_LOCAL, OPT_K_RANGE, OPT_SEED, OPT_RESTARTS, OPT_DATA, OPT_MIN_SEP };

static const struct option long_options[] = {
    {"output", required_argument, NULL, 'o'},
    {"clusters", required_argument, NULL, 'k'},
    {"quiet", no_argument, NULL, 'q'},
    {"help", no_argument, NULL, 'h'},
    {"method", required_argument, NULL, OPT_METHOD},
    {"k-range", required_argument, NULL, OPT_K_RANGE},
    {"seed", required_argument, NULL, OPT_SEED},
    {"restarts", required_argument, NULL, OPT_RESTARTS},
    {"data", required_argument, NULL, OPT_DATA},
    {"min-sep", required_argument, NULL, OPT_MIN_SEP},
    {"threads", required_argument, NULL, CLI_OPT_THREADS},
    CLI_DATA_LONG_OPTIONS,
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

/* Rows per unit of DATA (read and aligned to the map's fields). */
static int data_hits(const som_map *map, const char *path, const som_csv_opts *csv, bool quiet,
                     int threads, size_t *hits)
{
    som_data *data = NULL;
    int rc = cli_read_aligned(map, path, csv, NULL, quiet, &data);
    if (rc != CLI_OK) return rc;
    size_t n = som_data_n_samples(data);
    size_t *units = malloc((n ? n : 1) * sizeof *units);
    som_error err;
    som_error_clear(&err);
    if (!units) {
        cli_error("out of memory");
        rc = CLI_FAIL;
    } else if (som_map_bmus(map, data, units, NULL, NULL, threads, &err) != SOM_OK) {
        rc = cli_fail(&err);
    } else {
        for (size_t i = 0; i < n; i++) hits[units[i]]++;
    }
    free(units);
    som_data_free(data);
    return rc;
}

static void summary(const som_map *map, const som_cluster_opts *o, const som_cluster_result *r,
                    bool k_set, bool with_data, const char *out_path)
{
    size_t n_units = som_map_n_units(map), k = som_map_n_clusters(map);
    const uint32_t *cl = som_map_clusters(map);
    bool is_auto = o->method == SOM_CLUSTER_AUTO;
    if (!k_set) {
        fputs(is_auto ? "k   strength  Davies-Bouldin\n" : "k   Davies-Bouldin\n", stderr);
        for (size_t t = r->k_min; t <= r->k_max; t++) {
            double db = r->db[t - o->k_min], strength = r->score[t - o->k_min];
            if (is_auto && isnan(strength)) continue; /* not tried: too few live units */
            const char *mark = t == k ? (is_auto ? "  <- largest k >= 1" : "  <- lowest") : "";
            if (is_auto) fprintf(stderr, "%-3zu %-9.2f %.4f%s\n", t, strength, db, mark);
            else fprintf(stderr, "%-3zu %.4f%s\n", t, db, mark);
        }
    }
    const char *how = o->method == SOM_CLUSTER_WARD ? "Ward linkage between grid neighbours"
                      : o->method == SOM_CLUSTER_KMEANS
                          ? "k-means"
                          : with_data ? "Ward, units weighted by hits"
                                      : "Ward, every unit weighing 1";
    const char *chosen = k_set ? ""
                         : !is_auto ? ", chosen by the lowest Davies-Bouldin index"
                         : r->one_group ? ", no k is clearly separated"
                                        : ", the largest k of clearly separated clusters";
    fprintf(stderr, "clusters %zu (%s%s)\n", k, how, chosen);
    if (is_auto && with_data)
        fprintf(stderr, "units    %zu of %zu hold rows; the others joined a neighbour\n",
                r->n_live, n_units);
    size_t *sizes = calloc(k ? k : 1, sizeof *sizes);
    if (sizes) {
        for (size_t u = 0; u < n_units; u++) sizes[cl[u]]++;
        fputs("units   ", stderr);
        for (size_t t = 0; t < k; t++) fprintf(stderr, "%s%zu", t ? " " : "", sizes[t]);
        fputs(" (clusters 0..k-1)\n", stderr);
        free(sizes);
    }
    fprintf(stderr, "wrote    %s\n", cli_output_name(out_path));
}

int cmd_cluster(int argc, char **argv)
{
    const char *cmd = "cluster", *out_path = NULL, *data_path = NULL;
    som_cluster_opts o;
    som_cluster_opts_init(&o);
    som_csv_opts csv;
    som_csv_opts_init(&csv);
    bool quiet = false, k_set = false, range_set = false, sep_set = false;
    int c, v, threads = 0;
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
        case OPT_RESTARTS:
            if (!cli_parse_size(optarg, 1, &o.restarts))
                return cli_bad_value(cmd, "--restarts", optarg, "a whole number >= 1");
            break;
        case OPT_DATA: data_path = optarg; break;
        case OPT_MIN_SEP:
            if (!cli_parse_double(optarg, &o.min_separation) || !(o.min_separation > 0.0) ||
                isinf(o.min_separation))
                return cli_bad_value(cmd, "--min-sep", optarg, "a number > 0");
            sep_set = true;
            break;
        case CLI_OPT_THREADS:
            if (cli_threads_option(cmd, optarg, &threads) != CLI_OK) return CLI_USAGE;
            break;
        case '?':
        case ':': return cli_getopt_error(cmd, c, argv);
        default:
            if (cli_data_option(cmd, c, optarg, &csv) < 0) return CLI_USAGE;
        }
    }
    if (argc - optind != 1)
        return cli_usage(cmd, "expected one MODEL, got %d argument%s", argc - optind,
                         argc - optind == 1 ? "" : "s");
    if (!out_path) return cli_usage(cmd, "no output given: -o MODEL2");
    if (k_set && range_set) return cli_usage(cmd, "give -k or --k-range, not both");
    if (sep_set && o.method != SOM_CLUSTER_AUTO)
        return cli_usage(cmd, "--min-sep is for --method auto");
    if (cli_refuse_binary_to_terminal(cmd, out_path)) return CLI_USAGE;
    const char *model_path = argv[optind];
    cli_output(out_path);

    som_map *map = NULL;
    size_t *hits = NULL;
    som_cluster_result res;
    memset(&res, 0, sizeof res);
    som_error err;
    som_error_clear(&err);
    int rc = cli_load_map(model_path, &map);
    if (rc != CLI_OK) goto done;
    size_t n_units = som_map_n_units(map);
    /* The library caps the range at the map; say so here too. */
    if (!k_set && o.k_max > n_units - 1 && n_units >= 3) o.k_max = n_units - 1;
    size_t span = o.k_max >= o.k_min ? o.k_max - o.k_min + 1 : 1;
    res.db = calloc(span, sizeof *res.db);
    res.score = calloc(span, sizeof *res.score);
    hits = calloc(n_units, sizeof *hits);
    if (!res.db || !res.score || !hits) {
        cli_error("out of memory");
        rc = CLI_FAIL;
        goto done;
    }
    if (data_path) {
        if (o.method != SOM_CLUSTER_AUTO && !quiet)
            fprintf(stderr, "som: cluster: note: --method %s does not weigh units: --data only "
                    "checks DATA\n", som_enum_names(SOM_ENUM_CLUSTER_METHOD)[o.method]);
        rc = data_hits(map, data_path, &csv, quiet, threads, hits);
        if (rc != CLI_OK) goto done;
        o.hits = hits;
    }
    if (som_map_cluster_ex(map, &o, &res, &err) != SOM_OK ||
        cli_save_map(map, out_path, &err) != SOM_OK) {
        rc = cli_fail(&err);
        goto done;
    }
    /* Warnings stand even with -q: they say the answer may be wrong. */
    if (res.one_group) {
        size_t strongest = res.k_min;
        for (size_t t = res.k_min; t <= res.k_max; t++)
            if (res.score[t - o.k_min] > res.score[strongest - o.k_min]) strongest = t;
        fprintf(stderr, "som: cluster: warning: no k in %zu..%zu splits clearly separated "
                "groups (strongest %.2f at k = %zu, below 1): one cluster; the data show no "
                "groups (-k K cuts anyway)\n", res.k_min, res.k_max, res.strength, strongest);
    }
    if (res.at_top)
        fprintf(stderr, "som: cluster: warning: k = %zu is the top of the range searched "
                "(%zu..%zu): more clusters may fit better; try a wider --k-range\n", res.k,
                res.k_min, res.k_max);
    if (!quiet) summary(map, &o, &res, k_set, data_path != NULL, out_path);
    rc = CLI_OK;
done:
    free(hits);
    free(res.db);
    free(res.score);
    som_map_free(map);
    return rc;
}
