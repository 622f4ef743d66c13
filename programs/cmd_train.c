/* SPDX-License-Identifier: MIT */
/* cmd_train.c — `som train`: read data, fit scaling, train, save atomically.
 * The training itself is som_map_train; this file maps options onto
 * som_train_opts and reports progress. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#ifdef SOM_HAVE_RENDER
#include "som_render.h"
#endif

static const char usage_text[] =
    "Usage: som train DATA -o MODEL [OPTIONS]\n"
    "\n"
    "Trains a self-organizing map on the rows of DATA and saves it to MODEL\n"
    "(libsom's .som format). A run that fails or is interrupted leaves no\n"
    "MODEL behind, and an existing MODEL untouched.\n"
    "\n"
    "Output:\n"
    "  -o, --output MODEL      the model file to write (required)\n"
    "  -q, --quiet             no summary at the end, no notes about DATA\n"
    "                          (row names) and no progress bar\n"
    "      --no-progress       no progress bar (shown only on a terminal)\n"
    "      --snapshot-every N  draw the map's planes every N steps (passes for\n"
    "                          batch, samples for online) and at the end,\n"
    "                          as DIR/frame-000001.png, ... (as the MQL5\n"
    "                          library redraws every 100 iterations)\n"
    "      --snapshot-dir DIR  where the frames go (default: snapshots)\n"
    "      --checkpoint-every N  save the whole training state every N passes\n"
    "                          to MODEL.ckpt (atomically; removed once MODEL\n"
    "                          is written)\n"
    "      --resume            continue from MODEL.ckpt to the same MODEL as\n"
    "                          an uninterrupted run (same DATA and options;\n"
    "                          without MODEL.ckpt, start from the beginning)\n"
    "\n"
    "Map:\n"
    "      --grid ROWSxCOLS    grid size (default: automatic, about\n"
    "                          5 sqrt(rows of DATA) units with sides in the\n"
    "                          ratio of the data's two largest principal\n"
    "                          spreads, the SOM Toolbox rule)\n"
    "      --topology T        rect or hex (default rect)\n"
    "      --toroid            wrap both axes (hex needs an even row count)\n"
    "      --scale S           per-column scaling stored in the model: none,\n"
    "                          zscore or minmax (default zscore, because the\n"
    "                          columns of real tables come in different units)\n"
    "\n"
    "Training:\n"
    "      --algorithm A       online or batch (default batch)\n"
    "      --epochs E          passes over the data (default 10)\n"
    "      --iterations K      single-sample steps instead of passes\n"
    "                          (online training only, which it selects)\n"
    "      --init I            random, pca or sample (default pca)\n"
    "      --init-codebook FILE  start from the weights of a model with the\n"
    "                          same grid and fields (.som, .somnet, SOM_PAK\n"
    "                          .cod or ESOM .wts)\n"
    "      --radius R0[:R1]    neighbourhood radius at the start and the end,\n"
    "                          in grid units (default R0 = max(rows,cols)/4\n"
    "                          after --init pca or --init-codebook, which\n"
    "                          start ordered, max(rows,cols)/2 after random\n"
    "                          or sample, at least 1; R1 = 1; 'som info'\n"
    "                          shows the values used)\n"
    "      --rate A0[:A1]      online learning rate at the start and the end\n"
    "                          (default 0.5 : 0.01; A0 = 0.1 with --schedule\n"
    "                          mql)\n"
    "      --schedule S        linear, exp, inverse or mql (default exp)\n"
    "      --inverse A:B       rate A/(step+B) for the inverse schedule\n"
    "                          (default B = steps/100, at least 1, and\n"
    "                          A = A0*B: the rate starts at A0)\n"
    "      --neighborhood H    gaussian, cutgauss, bubble, epanechnikov or\n"
    "                          mexican-hat (negative beyond the radius; online\n"
    "                          training only, which it selects) (default\n"
    "                          gaussian)\n"
    "      --neighbor-rate B   neighbours move by rate*B*h (default 1)\n"
    "      --quality-every N   record the errors every N passes (default 1;\n"
    "                          0 = only before and after training)\n"
    "      --seed S            seed of every random choice (default 1)\n"
    "      --threads T         threads to use, 0 = all cores (default 0);\n"
    "                          the model does not depend on it\n"
    "\n"
    "Supervised maps and feature weights:\n"
    "      --target COL[,COL]  train on these columns as well, weighted 0 in\n"
    "                          the winner search, so that 'som predict\n"
    "                          --target COL' can predict them from the other\n"
    "                          fields; a text column (the label column) is\n"
    "                          one-hot encoded as fields COL=CLASS\n"
    "      --target-weight W   the targets' weight (default 0)\n"
    "      --weights T=W,...   the weight of each named field's part of the\n"
    "                          distance (default 1; 0 keeps the field in the\n"
    "                          map without letting it choose the winner)\n"
    "\n" CLI_DATA_HELP
    "\n"
    "Distributed (som built with MPI; doc/CLUSTER.md): under\n"
    "'mpirun -np P som train DATA -o MODEL --grid RxC ...' each rank trains\n"
    "on its share of the rows (of a .npy it reads only its share) and rank 0\n"
    "writes MODEL and the progress: the same model, byte for byte, as one\n"
    "process. Batch training with --grid; no checkpoints or snapshots.\n"
    "\n"
    "  -h, --help              show this help\n";

enum {
    OPT_GRID = CLI_OPT_LOCAL,
    OPT_TOPOLOGY,
    OPT_TOROID,
    OPT_ALGORITHM,
    OPT_EPOCHS,
    OPT_ITERATIONS,
    OPT_INIT,
    OPT_INIT_CODEBOOK,
    OPT_RADIUS,
    OPT_RATE,
    OPT_SCHEDULE,
    OPT_INVERSE,
    OPT_NEIGHBORHOOD,
    OPT_NEIGHBOR_RATE,
    OPT_SCALE,
    OPT_QUALITY_EVERY,
    OPT_SEED,
    OPT_NO_PROGRESS,
    OPT_SNAPSHOT_EVERY,
    OPT_SNAPSHOT_DIR,
    OPT_TARGET,
    OPT_TARGET_WEIGHT,
    OPT_WEIGHTS,
    OPT_CHECKPOINT_EVERY,
    OPT_RESUME
};

static const struct option long_options[] = {
    {"output", required_argument, NULL, 'o'},
    {"quiet", no_argument, NULL, 'q'},
    {"help", no_argument, NULL, 'h'},
    {"no-progress", no_argument, NULL, OPT_NO_PROGRESS},
    {"snapshot-every", required_argument, NULL, OPT_SNAPSHOT_EVERY},
    {"snapshot-dir", required_argument, NULL, OPT_SNAPSHOT_DIR},
    {"checkpoint-every", required_argument, NULL, OPT_CHECKPOINT_EVERY},
    {"resume", no_argument, NULL, OPT_RESUME},
    {"grid", required_argument, NULL, OPT_GRID},
    {"topology", required_argument, NULL, OPT_TOPOLOGY},
    {"toroid", no_argument, NULL, OPT_TOROID},
    {"scale", required_argument, NULL, OPT_SCALE},
    {"algorithm", required_argument, NULL, OPT_ALGORITHM},
    {"epochs", required_argument, NULL, OPT_EPOCHS},
    {"iterations", required_argument, NULL, OPT_ITERATIONS},
    {"init", required_argument, NULL, OPT_INIT},
    {"init-codebook", required_argument, NULL, OPT_INIT_CODEBOOK},
    {"radius", required_argument, NULL, OPT_RADIUS},
    {"rate", required_argument, NULL, OPT_RATE},
    {"schedule", required_argument, NULL, OPT_SCHEDULE},
    {"inverse", required_argument, NULL, OPT_INVERSE},
    {"neighborhood", required_argument, NULL, OPT_NEIGHBORHOOD},
    {"neighbor-rate", required_argument, NULL, OPT_NEIGHBOR_RATE},
    {"quality-every", required_argument, NULL, OPT_QUALITY_EVERY},
    {"seed", required_argument, NULL, OPT_SEED},
    {"threads", required_argument, NULL, CLI_OPT_THREADS},
    {"target", required_argument, NULL, OPT_TARGET},
    {"target-weight", required_argument, NULL, OPT_TARGET_WEIGHT},
    {"weights", required_argument, NULL, OPT_WEIGHTS},
    CLI_DATA_LONG_OPTIONS,
    {NULL, 0, NULL, 0}};

/* What the command line asked for, beyond som_train_opts itself. */
typedef struct train_args {
    const char *data_path, *model_path;
    som_csv_opts csv;
    som_fit_opts fit;         /* everything the library's fit takes */
    bool quiet, progress;
    size_t snapshot_every;    /* 0 = no snapshots */
    const char *snapshot_dir;
    bool auto_grid;           /* no --grid: som_grid_auto */
    double grid_ratio;        /* what som_grid_auto measured */
} train_args;

/* Options whose value is one of a list of names. */
static int parse_choice(const char *option, const char *arg,
                        const char *const *names, int *out)
{
    if (cli_parse_choice(arg, names, out)) return CLI_OK;
    return cli_usage("train", "%s: expected one of %s, got '%s'", option,
                     cli_choices(names), arg);
}

static int set_string(som_fit_opts *fit, const char *name, const char *value)
{
    som_error err;
    som_error_clear(&err);
    return som_fit_opts_set(fit, name, value, &err) == SOM_OK ? CLI_OK : cli_fail(&err);
}

static int parse_args(int argc, char **argv, train_args *a)
{
    const char *cmd = "train";
    bool algorithm_set = false, epochs_set = false, init_set = false;
    bool schedule_set = false, inverse_set = false, target_weight_set = false;
    const char *grid_text = NULL;
    int c, v;
    double x, y;
    bool has_y;
    optind = 0; /* glibc: start afresh, whatever ran getopt before */
    while ((c = getopt_long(argc, argv, ":o:qh", long_options, NULL)) != -1) {
        switch (c) {
        case 'o': a->model_path = optarg; break;
        case 'q': a->quiet = true; break;
        case 'h': fputs(usage_text, stdout); return -1;
        case OPT_NO_PROGRESS: a->progress = false; break;
        case OPT_SNAPSHOT_EVERY:
            if (!cli_parse_size(optarg, 1, &a->snapshot_every))
                return cli_bad_value(cmd, "--snapshot-every", optarg,
                                     "a whole number >= 1");
            break;
        case OPT_SNAPSHOT_DIR: a->snapshot_dir = optarg; break;
        case OPT_CHECKPOINT_EVERY:
            if (!cli_parse_size(optarg, 1, &a->fit.checkpoint_every))
                return cli_bad_value(cmd, "--checkpoint-every", optarg,
                                     "a whole number of passes >= 1");
            break;
        case OPT_RESUME: a->fit.resume = 1; break;
        case OPT_GRID: grid_text = optarg; break;
        case OPT_TOPOLOGY:
            if (parse_choice("--topology", optarg, cli_topology_names, &v))
                return CLI_USAGE;
            a->fit.grid.topology = (som_topology)v;
            break;
        case OPT_TOROID: a->fit.grid.toroid = 1; break;
        case OPT_SCALE:
            if (parse_choice("--scale", optarg, cli_scaling_names, &v))
                return CLI_USAGE;
            a->fit.scaling = (som_scaling)v;
            break;
        case OPT_ALGORITHM:
            if (parse_choice("--algorithm", optarg, cli_algorithm_names, &v))
                return CLI_USAGE;
            a->fit.train.algorithm = (som_algorithm)v;
            algorithm_set = true;
            break;
        case OPT_EPOCHS:
            if (!cli_parse_size(optarg, 1, &a->fit.train.epochs))
                return cli_bad_value(cmd, "--epochs", optarg,
                                     "a whole number >= 1");
            epochs_set = true;
            break;
        case OPT_ITERATIONS:
            if (!cli_parse_size(optarg, 1, &a->fit.train.iterations))
                return cli_bad_value(cmd, "--iterations", optarg,
                                     "a whole number >= 1");
            break;
        case OPT_INIT: {
            /* "keep" is what --init-codebook means; not offered by name. */
            static const char *const names[] = {"random", "pca", "sample",
                                                NULL};
            if (parse_choice("--init", optarg, names, &v)) return CLI_USAGE;
            a->fit.train.init = (som_init)v;
            init_set = true;
            break;
        }
        case OPT_INIT_CODEBOOK: if (set_string(&a->fit, "init-codebook", optarg)) return CLI_FAIL;
            break;
        case OPT_RADIUS:
            if (!cli_parse_pair(optarg, &x, &y, &has_y) || x <= 0 ||
                (has_y && y < 0))
                return cli_bad_value(cmd, "--radius", optarg,
                                     "R0 > 0 or R0:R1 with R1 >= 0");
            a->fit.train.radius0 = x;
            if (has_y) a->fit.train.radius1 = y;
            break;
        case OPT_RATE:
            if (!cli_parse_pair(optarg, &x, &y, &has_y) || x <= 0 ||
                (has_y && y <= 0))
                return cli_bad_value(cmd, "--rate", optarg,
                                     "A0 > 0 or A0:A1, both > 0");
            a->fit.train.rate0 = x;
            if (has_y) a->fit.train.rate1 = y;
            break;
        case OPT_SCHEDULE:
            if (parse_choice("--schedule", optarg, cli_schedule_names, &v))
                return CLI_USAGE;
            a->fit.train.schedule = (som_schedule)v;
            schedule_set = true;
            break;
        case OPT_INVERSE:
            if (!cli_parse_pair(optarg, &x, &y, &has_y) || !has_y || x <= 0 ||
                y <= 0)
                return cli_bad_value(cmd, "--inverse", optarg,
                                     "A:B, both > 0");
            a->fit.train.inverse_a = x;
            a->fit.train.inverse_b = y;
            inverse_set = true;
            break;
        case OPT_NEIGHBORHOOD:
            if (parse_choice("--neighborhood", optarg, cli_neighborhood_names,
                             &v))
                return CLI_USAGE;
            a->fit.train.neighborhood = (som_neighborhood)v;
            break;
        case OPT_NEIGHBOR_RATE:
            if (!cli_parse_double(optarg, &x) || x < 0)
                return cli_bad_value(cmd, "--neighbor-rate", optarg,
                                     "a number >= 0");
            a->fit.train.neighbor_rate = x;
            break;
        case OPT_QUALITY_EVERY:
            if (!cli_parse_size(optarg, 0, &a->fit.train.quality_every))
                return cli_bad_value(cmd, "--quality-every", optarg,
                                     "a whole number >= 0");
            break;
        case OPT_SEED:
            if (!cli_parse_u64(optarg, &a->fit.train.seed))
                return cli_bad_value(cmd, "--seed", optarg,
                                     "a whole number >= 0");
            break;
        case CLI_OPT_THREADS:
            if (!cli_parse_threads(optarg, &a->fit.train.threads))
                return cli_bad_value(cmd, "--threads", optarg,
                                     "a whole number from 0 to 4096");
            break;
        case OPT_TARGET:
            if (!*optarg || strspn(optarg, ",") == strlen(optarg))
                return cli_bad_value(cmd, "--target", optarg,
                                     "column titles separated by commas");
            if (set_string(&a->fit, "target", optarg)) return CLI_FAIL;
            break;
        case OPT_TARGET_WEIGHT:
            if (!cli_parse_double(optarg, &x) || x < 0)
                return cli_bad_value(cmd, "--target-weight", optarg,
                                     "a number >= 0");
            a->fit.target_weight = x;
            target_weight_set = true;
            break;
        case OPT_WEIGHTS:
            if (!*optarg || !strchr(optarg, '='))
                return cli_bad_value(cmd, "--weights", optarg,
                                     "TITLE=W pairs separated by commas");
            if (set_string(&a->fit, "weights", optarg)) return CLI_FAIL;
            break;
        case '?':
        case ':': return cli_getopt_error(cmd, c, argv);
        default:
            if (cli_data_option(cmd, c, optarg, &a->csv) < 0) return CLI_USAGE;
            break;
        }
    }

    if (optind >= argc) return cli_usage(cmd, "no DATA file given");
    if (argc - optind > 1)
        return cli_usage(cmd, "one DATA file expected, got also '%s'",
                         argv[optind + 1]);
    a->data_path = argv[optind];
    if (!a->model_path) return cli_usage(cmd, "no output given: -o MODEL");

    /* The grid is checked here (som_grid_parse also checks it against the
     * topology), before any data is read, so that a bad one is a usage
     * error (exit 2) rather than a failure. */
    som_error err;
    som_error_clear(&err);
    if (!grid_text) {
        /* Sized from the data once it is read (som_grid_auto). */
        a->auto_grid = true;
    } else if (som_grid_parse(grid_text, &a->fit.grid, &err) != SOM_OK) {
        return cli_usage(cmd, "--grid: %s",
                         err.message[0] ? err.message : "not a usable grid");
    }
    if (target_weight_set && !a->fit.targets)
        return cli_usage(cmd, "--target-weight goes with --target COL");
    if (a->fit.train.neighborhood == SOM_NEIGHBORHOOD_MEXICAN_HAT) {
        /* Its negative weights have no batch form (som.h). */
        if (algorithm_set && a->fit.train.algorithm == SOM_BATCH)
            return cli_usage(cmd, "--neighborhood mexican-hat needs online "
                                  "training, not --algorithm batch");
        a->fit.train.algorithm = SOM_ONLINE;
    }

    if (a->fit.train.iterations) {
        /* Steps of one sample exist only in online training (MQL5's
         * meaning of "iterations"). */
        if (algorithm_set && a->fit.train.algorithm == SOM_BATCH)
            return cli_usage(cmd, "--iterations counts online steps; batch "
                                  "training counts --epochs");
        if (epochs_set)
            return cli_usage(cmd, "give --epochs or --iterations, not both");
        a->fit.train.algorithm = SOM_ONLINE;
    }
    if (inverse_set) {
        if (schedule_set && a->fit.train.schedule != SOM_SCHEDULE_INVERSE)
            return cli_usage(cmd, "--inverse goes with --schedule inverse");
        a->fit.train.schedule = SOM_SCHEDULE_INVERSE;
    }
#ifndef SOM_HAVE_RENDER
    if (a->snapshot_every || a->snapshot_dir)
        return cli_usage(cmd, "snapshots need som built with Cairo");
#endif
    if (cli_refuse_binary_to_terminal(cmd, a->model_path)) return CLI_USAGE;
    if ((a->fit.checkpoint_every || a->fit.resume) && strcmp(a->model_path, "-") == 0)
        return cli_usage(cmd, "checkpoints go beside the model file: give "
                              "-o MODEL, not standard output");
    if (a->snapshot_dir && !a->snapshot_every)
        return cli_usage(cmd, "--snapshot-dir goes with --snapshot-every N");
    if (a->fit.init_codebook) {
        if (init_set)
            return cli_usage(cmd, "give --init or --init-codebook, not both");
        a->fit.train.init = SOM_INIT_KEEP;
    }
    return CLI_OK;
}

/* --target and --weights: class targets (the label column) become one-hot
 * fields in *data, and *out receives every field's weight (NULL when all
 * are 1). A title that DATA lacks is a usage error: the command line must
 * change. */
static int prepare_weights(const train_args *a, som_data **data, double **out)
{
    const char *cmd = "train";
    *out = NULL;
    if (!a->fit.targets && !a->fit.weights) return CLI_OK;
    char *list = strdup(a->fit.targets ? a->fit.targets : ""), *save = NULL;
    char *wlist = strdup(a->fit.weights ? a->fit.weights : "");
    double *w = NULL;
    int rc = CLI_OK;
    if (!list || !wlist) goto oom;
    const char *label = som_data_label_title(*data);
    bool one_hot = false;
    for (char *t = strtok_r(list, ",", &save); t && rc == CLI_OK; t = strtok_r(NULL, ",", &save)) {
        if (label && strcmp(t, label) == 0) one_hot = true;
        else if (som_data_find_title(*data, t) < 0)
            rc = cli_usage(cmd, "--target: %s has no column '%s'", a->data_path, t);
    }
    if (rc == CLI_OK && one_hot) {
        som_data *hot = NULL;
        som_error err;
        som_error_clear(&err);
        if (som_data_one_hot_labels(*data, &hot, NULL, &err) != SOM_OK) {
            rc = cli_fail(&err);
        } else {
            som_data_free(*data);
            *data = hot;
            label = som_data_label_title(hot); /* the old one went with *data */
        }
    }
    size_t dim = som_data_dim(*data);
    if (rc == CLI_OK && !(w = malloc(dim * sizeof *w))) goto oom;
    for (size_t j = 0; rc == CLI_OK && j < dim; j++) w[j] = 1.0;
    /* Again over a fresh copy: strtok_r has cut the first one. */
    free(list);
    if (!(list = strdup(a->fit.targets ? a->fit.targets : ""))) goto oom;
    for (char *t = strtok_r(list, ",", &save); t && rc == CLI_OK; t = strtok_r(NULL, ",", &save)) {
        size_t tl = strlen(t);
        for (size_t j = 0; j < dim; j++) {
            const char *title = som_data_title(*data, j);
            bool is_class = one_hot && label && strcmp(t, label) == 0 &&
                            strncmp(title, t, tl) == 0 && title[tl] == '=';
            if (is_class || strcmp(title, t) == 0) w[j] = a->fit.target_weight;
        }
    }
    for (char *p = strtok_r(wlist, ",", &save); p && rc == CLI_OK; p = strtok_r(NULL, ",", &save)) {
        char *eq = strrchr(p, '='); /* titles may hold '=' (COL=CLASS) */
        double v;
        if (!eq || eq == p || !cli_parse_double(eq + 1, &v) || v < 0) {
            rc = cli_bad_value(cmd, "--weights", p, "TITLE=W with W >= 0");
            break;
        }
        *eq = '\0';
        long j = som_data_find_title(*data, p);
        if (j < 0) rc = cli_usage(cmd, "--weights: %s has no column '%s'", a->data_path, p);
        else w[j] = v;
    }
    free(list);
    free(wlist);
    if (rc != CLI_OK) {
        free(w);
        return rc;
    }
    *out = w;
    return CLI_OK;
oom:
    free(list);
    free(wlist);
    free(w);
    cli_error("out of memory");
    return CLI_FAIL;
}

/* Puts the weights of the model in `path` into `map` as its starting
 * codebook. The weights go through original units, so that the start is the
 * same whatever scaling either model uses. */
static int load_init_codebook(som_map *map, const char *path)
{
    som_map *src = NULL;
    float *codebook = NULL;
    int rc = cli_load_map(path, &src);
    if (rc != CLI_OK) return rc;
    const som_grid *g = som_map_grid(map), *sg = som_map_grid(src);
    size_t dim = som_map_dim(map), n_units = som_map_n_units(map);
    if (sg->rows != g->rows || sg->cols != g->cols) {
        cli_error("%s: the model's grid is %zux%zu, the map's %zux%zu", path,
                  sg->rows, sg->cols, g->rows, g->cols);
        rc = CLI_FAIL;
        goto done;
    }
    if (som_map_dim(src) != dim) {
        cli_error("%s: the model has %zu fields, the data %zu", path,
                  som_map_dim(src), dim);
        rc = CLI_FAIL;
        goto done;
    }
    codebook = malloc(n_units * dim * sizeof *codebook);
    if (!codebook) {
        cli_error("out of memory");
        rc = CLI_FAIL;
        goto done;
    }
    for (size_t i = 0; i < n_units; i++) {
        float *w = codebook + i * dim;
        som_map_unit_weights(src, i, w);
        som_map_scale_row(map, w, w);
    }
    som_map_set_codebook(map, codebook);
done:
    free(codebook);
    som_map_free(src);
    return rc;
}

/* ---- snapshots (--snapshot-every) ----------------------------------------
 * Frames are drawn from inside the progress callback, the one hook training
 * has; the progress bar is called first so it keeps working. A frame that
 * cannot be written stops training with the picture layer's message. */
typedef struct snapshots {
    cli_progress *bar;
    size_t every, next;   /* draw at the first report with step >= next */
    const char *dir;
    size_t frames;        /* written so far */
    size_t last_step;     /* step of the last frame, or SIZE_MAX */
    size_t n_steps;       /* planned, from the reports */
    bool failed;
    som_error err;
} snapshots;

#ifdef SOM_HAVE_RENDER
static int snapshot_write(snapshots *s, const som_map *map, size_t step)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/frame-%06zu.png", s->dir, s->frames + 1);
    som_render_opts ro;
    som_render_opts_init(&ro);
    ro.plot = SOM_PLOT_PLANES;
    /* the data's range, fixed for every frame, so the frames compare */
    ro.range = SOM_RANGE_DATA;
    if (som_render_file(map, NULL, &ro, path, &s->err) != SOM_OK) {
        s->failed = true;
        return 1;
    }
    s->frames++;
    s->last_step = step;
    return 0;
}
#endif

static int snapshot_cb(const som_progress *pr, void *ctx)
{
    snapshots *s = ctx;
    int stop = cli_progress_cb(pr, s->bar);
    if (stop) return stop;
    s->n_steps = pr->n_steps;
#ifdef SOM_HAVE_RENDER
    if (pr->step >= s->next && pr->step != s->last_step) {
        while (s->next <= pr->step) s->next += s->every;
        return snapshot_write(s, pr->map, pr->step);
    }
#endif
    return 0;
}

static int snapshot_dir_ready(const char *dir)
{
    if (mkdir(dir, 0777) == 0 || errno == EEXIST) {
        struct stat st;
        if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode)) return CLI_OK;
        cli_error("%s: not a directory", dir);
        return CLI_FAIL;
    }
    cli_error("%s: cannot create the snapshot directory: %s", dir,
              strerror(errno));
    return CLI_FAIL;
}

/* ---- checkpoints (--checkpoint-every, --resume) ----------------------------
 * Saved from the progress callback at the end of every N-th pass (not the
 * last: the model itself follows), after the progress bar and snapshots. A
 * checkpoint that cannot be written stops training with its message. */
typedef struct checkpoints {
    som_progress_fn inner;  /* the bar or the snapshots */
    void *inner_ctx;
    som_trainer *trainer;   /* set once it exists */
    size_t every;           /* passes; 0 = never */
    const char *path;
    bool failed;
    som_error err;
} checkpoints;

static int checkpoint_cb(const som_progress *pr, void *ctx)
{
    checkpoints *c = ctx;
    int stop = c->inner ? c->inner(pr, c->inner_ctx) : 0;
    if (stop) return stop;
    if (c->every && c->trainer && pr->end_of_pass && pr->pass < pr->n_passes &&
        pr->pass % c->every == 0 &&
        som_trainer_save_state(c->trainer, c->path, &c->err) != SOM_OK) {
        c->failed = true;
        return 1;
    }
    return 0;
}

/* A new trainer, or with --resume and a checkpoint, the interrupted one. */
static int start_training(const train_args *a, som_map *map,
                          const som_data *data, const som_train_opts *opts,
                          checkpoints *ck, som_trainer **trainer,
                          som_error *err)
{
    if (a->fit.resume && access(ck->path, F_OK) == 0) {
        int rc = som_trainer_resume(map, data, opts, ck->path, trainer, err);
        if (rc == SOM_OK && !a->quiet)
            fprintf(stderr, "resuming from %s at step %zu of %zu\n", ck->path,
                    som_trainer_step(*trainer), som_trainer_n_steps(*trainer));
        return rc;
    }
    if (a->fit.resume && !a->quiet)
        fprintf(stderr, "no checkpoint %s: starting from the beginning\n",
                ck->path);
    return som_trainer_new(map, data, opts, trainer, err);
}

static void print_summary(const train_args *a, const som_map *map,
                          size_t n_rows, size_t dim, double seconds)
{
    const som_grid *g = som_map_grid(map);
    const som_train_opts *s = som_map_train_settings(map);
    size_t n_hist = som_map_history_len(map);
    const som_history *h = som_map_history(map);
    fprintf(stderr, "trained  %zux%zu %s%s map, %s, ", g->rows, g->cols,
            cli_name(cli_topology_names, (int)g->topology),
            g->toroid ? " toroid" : "",
            cli_name(cli_algorithm_names, (int)a->fit.train.algorithm));
    if (a->fit.train.iterations)
        fprintf(stderr, "%zu steps", a->fit.train.iterations);
    else
        fprintf(stderr, "%zu passes", s ? s->epochs : a->fit.train.epochs);
    fprintf(stderr, ", %zu samples x %zu fields, %.3g s\n", n_rows, dim, seconds);
    if (n_hist > 0)
        fprintf(stderr, "quality  qe %.6g  te %.6g (after pass %zu)\n",
                h[n_hist - 1].qe, h[n_hist - 1].te, h[n_hist - 1].pass);
    if (a->auto_grid) {
        fprintf(stderr, "grid     %zux%zu, chosen from the data: about 5 sqrt(%zu) units, ",
                g->rows, g->cols, n_rows);
        /* One column, one row or points on a line have no second spread:
         * som_grid_auto then lays the units in a line (its ratio is inf). */
        if (isfinite(a->grid_ratio))
            fprintf(stderr, "sides in the ratio %.3g of its two largest principal spreads\n",
                    a->grid_ratio);
        else
            fprintf(stderr, "in one line, as %s\n",
                    n_rows < 2 ? "there is a single row"
                               : "the data varies along at most one direction");
    }
    const double *w = som_map_feature_weights(map);
    if (w) {
        fputs("weights ", stderr);
        for (size_t j = 0; j < som_map_dim(map); j++)
            if (w[j] != 1.0) fprintf(stderr, " %s=%g", som_map_title(map, j), w[j]);
        fputs(" (the others 1)\n", stderr);
    }
    fprintf(stderr, "wrote    %s\n", cli_output_name(a->model_path));
}

#ifdef SOM_HAVE_MPI
/* ---- distributed training (mpirun; programs/mpi.c) -------------------------
 * Every rank runs this with the same command line. Rank r of P holds rows
 * [n r / P, n (r + 1) / P): of a .npy it maps only those (som_data_read_npy_
 * rows); any other format every rank parses whole and keeps its share. The
 * library folds every sum along the ranks in row order (som_shard), so the
 * model is the one a single process would write. Failures that one rank
 * meets alone (its share of the file missing or cut short) go through
 * cli_mpi_agree: rank 0 prints them and every rank exits with the same
 * status. */

static bool has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcasecmp(s + n - k, suffix) == 0;
}

/* *data becomes its rows [first, first + count), with their masks,
 * weights and fixed points (what training reads). */
static int keep_rows(som_data **data, size_t first, size_t count, som_error *err)
{
    som_data *all = *data, *part = NULL;
    size_t dim = som_data_dim(all);
    const double *w = som_data_weights(all);
    int rc = som_data_new(count, dim, &part, err);
    for (size_t i = 0; rc == SOM_OK && i < count; i++) {
        size_t r, c;
        rc = som_data_set_row(part, i, som_data_row(all, first + i),
                              som_data_row_mask(all, first + i), err);
        if (rc == SOM_OK && w) rc = som_data_set_weight(part, i, w[first + i], err);
        if (rc == SOM_OK && som_data_fixed(all, first + i, &r, &c))
            rc = som_data_set_fixed(part, i, r, c, err);
    }
    for (size_t j = 0; rc == SOM_OK && j < dim; j++)
        rc = som_data_set_title(part, j, som_data_title(all, j), err);
    if (rc != SOM_OK) {
        som_data_free(part);
        return rc;
    }
    som_data_free(all);
    *data = part;
    return SOM_OK;
}

/* A library failure: rank 0 prints its own; the others' go through
 * cli_mpi_agree. */
static int agree_lib(int status, const som_error *err, int rank)
{
    int rc = status == SOM_OK ? CLI_OK : CLI_FAIL;
    if (rc != CLI_OK && rank == 0) cli_fail(err);
    return cli_mpi_agree(rc, err->message[0] ? err->message : som_strerror(err->code));
}

static int train_distributed(train_args *a, int rank, int size)
{
    const char *cmd = "train";
    /* The same command line on every rank: the same usage error, printed
     * by rank 0 only. */
    if (a->fit.train.algorithm != SOM_BATCH)
        return cli_usage(cmd, "distributed training is batch training: online steps (--algorithm "
                              "online, --iterations, mexican-hat) follow one another");
    if (a->fit.checkpoint_every || a->fit.resume)
        return cli_usage(cmd, "checkpoints are not supported in distributed training");
    if (a->snapshot_every)
        return cli_usage(cmd, "snapshots are not drawn in distributed training");
    if (a->auto_grid)
        return cli_usage(cmd, "distributed training needs --grid ROWSxCOLS (the automatic size "
                              "looks at all the rows at once)");

    som_data *data = NULL;
    som_map *map = NULL;
    double *weights = NULL;
    som_error err;
    som_error_clear(&err);
    double start = cli_now();
    const bool npy = has_suffix(a->data_path, ".npy");
    size_t n = 0, dim = 0;
    int rc;
    if (npy) {
        /* Each rank reads the header, then only its share of the values. */
        rc = agree_lib(som_npy_shape(a->data_path, &n, &dim, &err), &err, rank);
    } else {
        rc = agree_lib(som_data_read_as(a->data_path, NULL, &a->csv, &data, &err), &err, rank);
        if (rc == CLI_OK) {
            if (rank == 0 && !a->quiet) cli_note_row_names(a->data_path, data);
            n = som_data_n_samples(data);
            dim = som_data_dim(data);
        }
    }
    if (rc != CLI_OK) goto done;
    if (!cli_mpi_same(n) || !cli_mpi_same(dim)) {
        cli_error("%s: the ranks see different data (here %zu rows x %zu fields): every "
                  "machine needs the same file at the same path", a->data_path, n, dim);
        rc = CLI_FAIL;
        goto done;
    }
    if (n < (size_t)size) {
        cli_error("%s: %zu rows cannot be shared among %d ranks", a->data_path, n, size);
        rc = CLI_FAIL;
        goto done;
    }
    size_t first = n / (size_t)size * (size_t)rank + n % (size_t)size * (size_t)rank / (size_t)size;
    size_t end = n / (size_t)size * (size_t)(rank + 1) +
                 n % (size_t)size * (size_t)(rank + 1) / (size_t)size;
    if (npy) {
        rc = agree_lib(som_data_read_npy_rows(a->data_path, first, end - first, &data, &err),
                       &err, rank);
        if (rc != CLI_OK) goto done;
    }
    /* Targets and weights by title (a CSV's label column is one-hot
     * encoded whole, before the rows are shared out). */
    rc = cli_mpi_agree(prepare_weights(a, &data, &weights), "--target/--weights failed");
    if (rc != CLI_OK) goto done;
    if (!npy) {
        rc = agree_lib(keep_rows(&data, first, end - first, &err), &err, rank);
        if (rc != CLI_OK) goto done;
    }

    som_shard shard;
    cli_mpi_shard(&shard, first, n);
    rc = agree_lib(som_map_new(&a->fit.grid, som_data_dim(data), &map, &err), &err, rank);
    if (rc != CLI_OK) goto done;
    if (som_map_set_titles_from(map, data) != SOM_OK) cli_mpi_abort("cannot set the titles");
    /* Folds along the ranks: no rank may leave half-way. */
    if (som_map_fit_scaling_ex(map, data, a->fit.scaling, &shard, &err) != SOM_OK ||
        som_map_set_feature_weights(map, weights, &err) != SOM_OK)
        cli_mpi_abort("%s", err.message);
    if (a->fit.init_codebook) {
        rc = cli_mpi_agree(load_init_codebook(map, a->fit.init_codebook),
                           "cannot use the --init-codebook model here (rank 0 can: is the "
                           "file the same on every machine?)");
        if (rc != CLI_OK) goto done;
    }

    cli_progress progress;
    cli_progress_init(&progress, rank == 0 && a->progress && !a->quiet);
    som_train_opts opts = a->fit.train;
    opts.progress = rank == 0 ? cli_progress_cb : NULL;
    opts.progress_ctx = &progress;
    opts.shard = &shard;
    /* Any failure here is a rank leaving the chain that the others wait
     * in: it ends the job. */
    if (som_map_train_inplace(map, data, &opts, &err) != SOM_OK) cli_mpi_abort("%s", err.message);
    cli_progress_end(&progress);

    int status = SOM_OK;
    if (rank == 0) status = cli_save_map(map, a->model_path, &err);
    rc = agree_lib(status, &err, rank);
    if (rc == CLI_OK && rank == 0 && !a->quiet) {
        print_summary(a, map, n, dim, cli_now() - start);
        fprintf(stderr, "ranks    %d, %zu to %zu rows each\n", size, n / (size_t)size,
                (n + (size_t)size - 1) / (size_t)size);
    }
done:
    free(weights);
    som_map_free(map);
    som_data_free(data);
    return rc;
}

static int train_local(int argc, char **argv);

/* Under mpirun: MPI first (so that only rank 0 prints even usage errors),
 * then distributed training; one rank is plain training. */
static int train_mpi(int argc, char **argv)
{
    int rank, size;
    if (cli_mpi_init(&rank, &size) != CLI_OK) return CLI_FAIL;
    int rc;
    if (size == 1) {
        rc = train_local(argc, argv);
    } else {
        train_args a;
        memset(&a, 0, sizeof a);
        som_csv_opts_init(&a.csv);
        som_fit_opts_init(&a.fit);
        a.progress = true;
        rc = parse_args(argc, argv, &a);
        if (rc < 0) rc = CLI_OK; /* --help */
        else if (rc == CLI_OK) rc = train_distributed(&a, rank, size);
        som_fit_opts_clear(&a.fit);
    }
    cli_mpi_finalize();
    return rc;
}

int cmd_train(int argc, char **argv)
{
    if (cli_mpi_launched()) return train_mpi(argc, argv);
    return train_local(argc, argv);
}
#else
static int train_local(int argc, char **argv);
int cmd_train(int argc, char **argv) { return train_local(argc, argv); }
#endif

static int train_local(int argc, char **argv)
{
    train_args a;
    memset(&a, 0, sizeof a);
    som_csv_opts_init(&a.csv);
    som_fit_opts_init(&a.fit);
    a.progress = true;
    int rc = parse_args(argc, argv, &a);
    if (rc != CLI_OK) {
        som_fit_opts_clear(&a.fit);
        return rc < 0 ? CLI_OK : rc; /* < 0: --help */
    }
    cli_output(a.model_path);

    som_data *data = NULL;
    som_map *map = NULL;
    double *weights = NULL;
    som_trainer *trainer = NULL;
    char *ckpt_path = NULL;
    som_error err;
    som_error_clear(&err);
    double start = cli_now();

    rc = cli_read_data(a.data_path, &a.csv, a.quiet, &data);
    if (rc != CLI_OK) goto done;
    rc = prepare_weights(&a, &data, &weights);
    if (rc != CLI_OK) goto done;
    if (a.auto_grid && som_grid_auto(data, a.fit.scaling, a.fit.grid.topology, a.fit.grid.toroid, &a.fit.grid,
                                     &a.grid_ratio, &err) != SOM_OK) {
        rc = cli_fail(&err);
        goto done;
    }
    if (som_map_new(&a.fit.grid, som_data_dim(data), &map, &err) != SOM_OK) {
        rc = cli_fail(&err);
        goto done;
    }
    int status = som_map_set_titles_from(map, data);
    if (status != SOM_OK) {
        cli_error("%s", som_strerror(status));
        rc = CLI_FAIL;
        goto done;
    }
    if (som_map_fit_scaling(map, data, a.fit.scaling, &err) != SOM_OK ||
        som_map_set_feature_weights(map, weights, &err) != SOM_OK) {
        rc = cli_fail(&err);
        goto done;
    }
    if (a.fit.init_codebook) {
        rc = load_init_codebook(map, a.fit.init_codebook);
        if (rc != CLI_OK) goto done;
    }

    cli_progress progress;
    cli_progress_init(&progress, a.progress && !a.quiet);
    a.fit.train.progress = cli_progress_cb;
    a.fit.train.progress_ctx = &progress;
    /* Online passes can be long: report within them too, so that the bar
     * moves and Ctrl-C is heard. Reports do not change the result. */
    if (a.fit.train.algorithm == SOM_ONLINE) a.fit.train.progress_every = 4096;
    snapshots snap;
    memset(&snap, 0, sizeof snap);
    if (a.snapshot_every) {
        snap.bar = &progress;
        snap.every = snap.next = a.snapshot_every;
        snap.dir = a.snapshot_dir ? a.snapshot_dir : "snapshots";
        snap.last_step = (size_t)-1;
        rc = snapshot_dir_ready(snap.dir);
        if (rc != CLI_OK) goto done;
        a.fit.train.progress = snapshot_cb;
        a.fit.train.progress_ctx = &snap;
        if (a.fit.train.algorithm == SOM_ONLINE && a.snapshot_every < 4096)
            a.fit.train.progress_every = a.snapshot_every;
    }
    checkpoints ck;
    memset(&ck, 0, sizeof ck);
    if (a.fit.checkpoint_every || a.fit.resume) {
        size_t len = strlen(a.model_path) + sizeof ".ckpt";
        ckpt_path = malloc(len);
        if (!ckpt_path) {
            cli_error("out of memory");
            rc = CLI_FAIL;
            goto done;
        }
        snprintf(ckpt_path, len, "%s.ckpt", a.model_path);
        ck.inner = a.fit.train.progress;
        ck.inner_ctx = a.fit.train.progress_ctx;
        ck.every = a.fit.checkpoint_every;
        ck.path = ckpt_path;
        a.fit.train.progress = checkpoint_cb;
        a.fit.train.progress_ctx = &ck;
    }
    if (ckpt_path && a.fit.checkpoint_every) cli_output_resume(ckpt_path);
    if (ckpt_path) {
        /* Checkpoints fingerprint the data in original units, so this run
         * keeps them and trains on a scaled copy (the same model). */
        status = start_training(&a, map, data, &a.fit.train, &ck, &trainer, &err);
        ck.trainer = trainer;
        if (status == SOM_OK) status = som_trainer_run(trainer, 0, &err);
    } else {
        /* The data is not needed in original units after this: training
         * scales it in place rather than beside a scaled copy (peak
         * memory). */
        status = som_map_train_inplace(map, data, &a.fit.train, &err);
    }
    cli_progress_end(&progress);
    if (ck.failed) {
        rc = cli_fail(&ck.err);
        goto done;
    }
#ifdef SOM_HAVE_RENDER
    /* One more frame of the trained map unless the last one already shows
     * it, as the MQL5 library draws once more at the end. */
    if (status == SOM_OK && a.snapshot_every && !snap.failed &&
        snap.last_step != snap.n_steps)
        snapshot_write(&snap, map, snap.n_steps);
    if (snap.failed) {
        rc = cli_fail(&snap.err);
        goto done;
    }
#endif
    if (status != SOM_OK) {
        rc = cli_fail(&err);
        goto done;
    }
    if (cli_save_map(map, a.model_path, &err) != SOM_OK) {
        rc = cli_fail(&err);
        goto done;
    }
    /* The model is safely on disk: the checkpoint has done its job. */
    if (ckpt_path && unlink(ckpt_path) != 0 && errno != ENOENT)
        cli_error("%s: cannot remove: %s", ckpt_path, strerror(errno));
    if (!a.quiet)
        print_summary(&a, map, som_data_n_samples(data), som_data_dim(data), cli_now() - start);
    rc = CLI_OK;
done:
    som_fit_opts_clear(&a.fit);
    som_trainer_free(trainer);
    free(ckpt_path);
    free(weights);
    som_map_free(map);
    som_data_free(data);
    return rc;
}
