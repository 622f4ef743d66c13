/* SPDX-License-Identifier: MIT */
/* cmd_train.c — `som train`: read data, fit scaling, train, save atomically.
 * The options of training are libsom's settings table (som_fit_opts_set,
 * som_fit_opts_check, and the help from som_settings_at); the whole fit
 * (targets, weights, grid, scaling, starting codebook, checkpoints,
 * training) is libsom's som_fitter. This file adds the command line's own
 * options, reports progress, draws snapshots and prints the summary. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cli.h"
#include "snapshots.h"

/* The help: its fixed parts here, the training options' part generated from
 * the settings table (som_settings_*), which says what each option takes,
 * its default and what it does. */
static const char usage_head[] =
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
    "                          without MODEL.ckpt, start from the beginning)\n";

static const char usage_tail[] =
    "\n"
    "Distributed (som built with MPI; doc/CLUSTER.md): under\n"
    "'mpirun -np P som train DATA -o MODEL --grid RxC ...' each rank trains\n"
    "on its share of the rows (of a .npy it reads only its share) and rank 0\n"
    "writes MODEL and the progress: the same model, byte for byte, as one\n"
    "process. Batch training with --grid; no checkpoints or snapshots.\n"
    "\n"
    "  -h, --help              show this help\n";

/* The help's heading of each group of the table. */
static const char *const group_titles[] = {
    [SOM_SETTING_GROUP_MAP] = "Map:",
    [SOM_SETTING_GROUP_TRAINING] = "Training:",
    [SOM_SETTING_GROUP_SUPERVISED] = "Supervised maps and feature weights:",
};

/* One option of the help: "      --NAME VALUE" and its text from column
 * 26, wrapped before column 74 (the layout of every command's help). */
static void print_option(const som_setting *s)
{
    enum { TEXT_COL = 26, WIDTH = 74 };
    char head[80];
    int n = snprintf(head, sizeof head, "      --%s%s%s", s->name, s->value_name ? " " : "",
                     s->value_name ? s->value_name : "");
    char text[1024];
    snprintf(text, sizeof text, "%s%s%s%s", s->help, s->default_words ? " (default " : "",
             s->default_words ? s->default_words : "", s->default_words ? ")" : "");
    fputs(head, stdout);
    int col = n;
    if (col + 2 > TEXT_COL) {
        fputs("  ", stdout); /* a long option: its text follows on its line */
        col += 2;
    } else {
        printf("%*s", TEXT_COL - col, "");
        col = TEXT_COL;
    }
    bool first = true;
    for (const char *w = text; *w;) {
        /* A unit that stays on one line: a word, "A = B", or "--option
         * VALUE". */
        size_t len = strcspn(w, " ");
        for (;;) {
            const char *last = w + len;
            while (last > w && last[-1] != ' ') last--;
            const char *next = w + len + (w[len] == ' ');
            bool is_eq = last[0] == '=' && last + 1 == w + len;
            bool glue = strncmp(last, "--", 2) == 0 || is_eq || strncmp(next, "= ", 2) == 0;
            if (!glue || w[len] != ' ' || !*next) break;
            len = (size_t)(next - w) + strcspn(next, " ");
        }
        if (!first && col + 1 + (int)len > WIDTH) {
            printf("\n%*s", TEXT_COL, "");
            col = TEXT_COL;
            first = true;
        }
        if (!first) {
            putchar(' ');
            col++;
        }
        fwrite(w, 1, len, stdout);
        col += (int)len;
        first = false;
        w += len;
        while (*w == ' ') w++;
    }
    putchar('\n');
}

static void print_usage(void)
{
    fputs(usage_head, stdout);
    for (int g = SOM_SETTING_GROUP_MAP; g <= SOM_SETTING_GROUP_SUPERVISED; g++) {
        printf("\n%s\n", group_titles[g]);
        for (size_t i = 0; i < som_settings_count(); i++) {
            const som_setting *s = som_settings_at(i);
            if ((int)s->group == g) print_option(s);
        }
    }
    fputs("\n" CLI_DATA_HELP, stdout);
    fputs(usage_tail, stdout);
}

enum {
    OPT_NO_PROGRESS = CLI_OPT_LOCAL,
    OPT_SNAPSHOT_EVERY,
    OPT_SNAPSHOT_DIR,
    OPT_CHECKPOINT_EVERY,
    OPT_RESUME,
    OPT_SETTING = CLI_OPT_LOCAL + 0x100 /* + the entry's index in the table */
};

/* The options of the command line itself; the settings table's follow. */
static const struct option cli_options[] = {
    {"output", required_argument, NULL, 'o'},
    {"quiet", no_argument, NULL, 'q'},
    {"help", no_argument, NULL, 'h'},
    {"no-progress", no_argument, NULL, OPT_NO_PROGRESS},
    {"snapshot-every", required_argument, NULL, OPT_SNAPSHOT_EVERY},
    {"snapshot-dir", required_argument, NULL, OPT_SNAPSHOT_DIR},
    {"checkpoint-every", required_argument, NULL, OPT_CHECKPOINT_EVERY},
    {"resume", no_argument, NULL, OPT_RESUME},
    CLI_DATA_LONG_OPTIONS,
    {NULL, 0, NULL, 0}};

/* cli_options, then one option per entry of the settings table (a flag
 * alone means true; --toroid=false is also understood), then the end. */
static struct option long_options[sizeof cli_options / sizeof cli_options[0] + 64];

static void build_long_options(void)
{
    size_t n = 0;
    for (; cli_options[n].name; n++) long_options[n] = cli_options[n];
    const size_t room = sizeof long_options / sizeof long_options[0];
    for (size_t i = 0; i < som_settings_count() && n + 1 < room; i++) {
        const som_setting *s = som_settings_at(i);
        long_options[n++] = (struct option){s->name,
                                            s->type == SOM_SETTING_FLAG ? optional_argument
                                                                        : required_argument,
                                            NULL, OPT_SETTING + (int)i};
    }
    long_options[n] = (struct option){NULL, 0, NULL, 0};
}

/* What the command line asked for, beyond som_train_opts itself. */
typedef struct train_args {
    const char *data_path, *model_path;
    som_csv_opts csv;
    som_fit_opts fit;         /* everything the library's fit takes */
    bool quiet, progress;
    size_t snapshot_every;    /* 0 = no snapshots */
    const char *snapshot_dir;
    bool auto_grid;           /* no --grid: som_grid_auto */
} train_args;

/* An option of the settings table: the library checks the value, and its
 * message starts with the setting's name ("epochs: expected a whole number
 * >= 1, got '0'"), which the command line spells with dashes. */
static int set_option(train_args *a, const som_setting *s, const char *value)
{
    som_error err;
    som_error_clear(&err);
    if (som_fit_opts_set(&a->fit, s->name, value, &err) == SOM_OK) return CLI_OK;
    if (err.code != SOM_EINVAL) return cli_fail(&err);
    return cli_usage("train", "--%s", err.message);
}

static int parse_args(int argc, char **argv, train_args *a)
{
    const char *cmd = "train";
    int c;
    build_long_options();
    optind = 0; /* glibc: start afresh, whatever ran getopt before */
    while ((c = getopt_long(argc, argv, ":o:qh", long_options, NULL)) != -1) {
        if (c >= OPT_SETTING && (size_t)(c - OPT_SETTING) < som_settings_count()) {
            const som_setting *s = som_settings_at((size_t)(c - OPT_SETTING));
            int rc = set_option(a, s, s->type == SOM_SETTING_FLAG && !optarg ? "true" : optarg);
            if (rc != CLI_OK) return rc;
            continue;
        }
        switch (c) {
        case 'o': a->model_path = optarg; break;
        case 'q': a->quiet = true; break;
        case 'h': print_usage(); return -1;
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

    /* The rules between settings (the library's, shared with the web API),
     * before any data is read, so that a bad combination is a usage error
     * (exit 2) rather than a failure. */
    som_error err;
    som_error_clear(&err);
    if (som_fit_opts_check(&a->fit, &err) != SOM_OK) return cli_usage(cmd, "%s", err.message);
    /* No --grid: sized from the data once it is read (som_grid_auto). */
    a->auto_grid = a->fit.grid.rows == 0;
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
    return CLI_OK;
}

/* A failure of som_fit: what a setting's value caused (a title DATA
 * lacks, a malformed weight) is a usage error, as when the command line
 * itself is wrong. */
static int fit_failed(const som_error *err, const som_fit_info *info)
{
    if (info->setting && err->code == SOM_EINVAL)
        return cli_usage("train", "--%s: %s", info->setting, err->message);
    return cli_fail(err);
}

static void print_summary(const train_args *a, const som_map *map, const som_fit_info *info,
                          double seconds)
{
    const som_grid *g = som_map_grid(map);
    const som_train_opts *s = som_map_train_settings(map);
    size_t n_hist = som_map_history_len(map), n_rows = info->n_samples;
    const som_history *h = som_map_history(map);
    fprintf(stderr, "trained  %zux%zu %s%s map, %s, ", g->rows, g->cols,
            som_enum_name(SOM_ENUM_TOPOLOGY, (int)g->topology),
            g->toroid ? " toroid" : "",
            som_enum_name(SOM_ENUM_ALGORITHM, (int)a->fit.train.algorithm));
    if (a->fit.train.iterations)
        fprintf(stderr, "%zu steps", a->fit.train.iterations);
    else
        fprintf(stderr, "%zu passes", s ? s->epochs : a->fit.train.epochs);
    fprintf(stderr, ", %zu samples x %zu fields, %.3g s\n", n_rows, info->dim, seconds);
    if (n_hist > 0)
        fprintf(stderr, "quality  qe %.6g  te %.6g (after pass %zu)\n",
                h[n_hist - 1].qe, h[n_hist - 1].te, h[n_hist - 1].pass);
    if (info->auto_grid) {
        fprintf(stderr, "grid     %zux%zu, chosen from the data: about 5 sqrt(%zu) units, ",
                g->rows, g->cols, n_rows);
        /* One column, one row or points on a line have no second spread:
         * som_grid_auto then lays the units in a line (its ratio is inf). */
        if (isfinite(info->grid_ratio))
            fprintf(stderr, "sides in the ratio %.3g of its two largest principal spreads\n",
                    info->grid_ratio);
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
 * cli_mpi_agree. A setting that does not fit the data is the same
 * usage error on every rank. */
static int agree_fit(int status, const som_error *err, const som_fit_info *info, int rank)
{
    int rc = CLI_OK;
    if (status != SOM_OK) {
        bool usage = info && info->setting && err->code == SOM_EINVAL;
        rc = usage ? CLI_USAGE : CLI_FAIL;
        if (rank == 0) rc = usage ? fit_failed(err, info) : cli_fail(err);
    }
    return cli_mpi_agree(rc, err->message[0] ? err->message : som_strerror(err->code));
}

static int agree_lib(int status, const som_error *err, int rank)
{
    return agree_fit(status, err, NULL, rank);
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
    som_fitter *fitter = NULL;
    som_fit_info info;
    memset(&info, 0, sizeof info);
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
    /* A CSV's label column is one-hot encoded whole, before the rows are
     * shared out: every rank must see the same classes. */
    rc = agree_fit(som_fit_prepare(&data, &a->fit, a->data_path, &info, &err), &err, &info, rank);
    if (rc != CLI_OK) goto done;
    if (!npy) {
        rc = agree_lib(keep_rows(&data, first, end - first, &err), &err, rank);
        if (rc != CLI_OK) goto done;
    }

    som_shard shard;
    cli_mpi_shard(&shard, first, n);
    cli_progress progress;
    cli_progress_init(&progress, rank == 0 && a->progress && !a->quiet);
    a->fit.train.progress = rank == 0 ? cli_progress_cb : NULL;
    a->fit.train.progress_ctx = &progress;
    a->fit.train.shard = &shard;
    /* What one rank may meet alone (the starting model's file) is agreed
     * on before the steps that every rank takes together. */
    som_data *mine = data;
    data = NULL;
    rc = agree_fit(som_fitter_new(mine, &a->fit, SOM_FIT_TAKE_DATA | SOM_FIT_PREPARED,
                                  a->data_path, &fitter, &info, &err),
                   &err, &info, rank);
    if (rc != CLI_OK) goto done;
    /* Any failure from here is a rank leaving the chain that the others
     * wait in: it ends the job. */
    if (som_fitter_run(fitter, &err) != SOM_OK) cli_mpi_abort("%s", err.message);
    cli_progress_end(&progress);

    int status = SOM_OK;
    if (rank == 0) status = cli_save_map(som_fitter_map(fitter), a->model_path, &err);
    rc = agree_lib(status, &err, rank);
    if (rc == CLI_OK && rank == 0 && !a->quiet) {
        info.n_samples = n; /* every rank's rows, not this one's */
        print_summary(a, som_fitter_map(fitter), &info, cli_now() - start);
        fprintf(stderr, "ranks    %d, %zu to %zu rows each\n", size, n / (size_t)size,
                (n + (size_t)size - 1) / (size_t)size);
    }
done:
    som_fitter_free(fitter);
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

/* The checkpoint beside the model: MODEL.ckpt. */
static int set_checkpoint(train_args *a)
{
    size_t len = strlen(a->model_path) + sizeof ".ckpt";
    char *path = malloc(len);
    if (!path) {
        cli_error("out of memory");
        return CLI_FAIL;
    }
    snprintf(path, len, "%s.ckpt", a->model_path);
    som_error err;
    som_error_clear(&err);
    int rc = som_fit_opts_set(&a->fit, "checkpoint", path, &err);
    free(path);
    return rc == SOM_OK ? CLI_OK : cli_fail(&err);
}

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
    som_fitter *fitter = NULL;
    som_fit_info info;
    memset(&info, 0, sizeof info);
    som_error err;
    som_error_clear(&err);
    double start = cli_now();

    if (a.fit.checkpoint_every || a.fit.resume) {
        rc = set_checkpoint(&a);
        if (rc != CLI_OK) goto done;
    }
    rc = cli_read_data(a.data_path, &a.csv, a.quiet, &data);
    if (rc != CLI_OK) goto done;

    cli_progress progress;
    cli_progress_init(&progress, a.progress && !a.quiet);
    a.fit.train.progress = cli_progress_cb;
    a.fit.train.progress_ctx = &progress;
    /* Online passes can be long: report within them too, so that the bar
     * moves and Ctrl-C is heard. Reports do not change the result. */
    if (a.fit.train.algorithm == SOM_ONLINE) a.fit.train.progress_every = 4096;
    snapshots snap;
    if (a.snapshot_every) {
        rc = snapshots_init(&snap, &progress, a.snapshot_every,
                            a.snapshot_dir ? a.snapshot_dir : "snapshots");
        if (rc != CLI_OK) goto done;
        a.fit.train.progress = snapshots_cb;
        a.fit.train.progress_ctx = &snap;
        if (a.fit.train.algorithm == SOM_ONLINE && a.snapshot_every < 4096)
            a.fit.train.progress_every = a.snapshot_every;
    }

    /* The data goes to the fit: it is not needed in original units after
     * this, and without a checkpoint training scales it in place rather
     * than beside a scaled copy (peak memory). */
    som_data *handed = data;
    data = NULL;
    int status = som_fitter_new(handed, &a.fit, SOM_FIT_TAKE_DATA, a.data_path, &fitter, &info, &err);
    if (status != SOM_OK) {
        rc = fit_failed(&err, &info);
        goto done;
    }
    if (a.fit.checkpoint && a.fit.checkpoint_every) cli_output_resume(a.fit.checkpoint);
    status = som_fitter_start(fitter, &err);
    info = *som_fitter_info(fitter);
    if (status == SOM_OK && a.fit.resume && !a.quiet) {
        if (info.resumed)
            fprintf(stderr, "resuming from %s at step %zu of %zu\n", a.fit.checkpoint,
                    info.resumed_step, info.n_steps);
        else
            fprintf(stderr, "no checkpoint %s: starting from the beginning\n", a.fit.checkpoint);
    }
    if (status == SOM_OK) status = som_fitter_run(fitter, &err);
    cli_progress_end(&progress);
    som_map *map = som_fitter_map(fitter);
    if (a.snapshot_every && (rc = snapshots_finish(&snap, map, status == SOM_OK)) != CLI_OK)
        goto done;
    if (status != SOM_OK) {
        rc = cli_fail(&err);
        goto done;
    }
    if (cli_save_map(map, a.model_path, &err) != SOM_OK) {
        rc = cli_fail(&err);
        goto done;
    }
    /* The model is safely on disk: the checkpoint has done its job. */
    if (a.fit.checkpoint && unlink(a.fit.checkpoint) != 0 && errno != ENOENT)
        cli_error("%s: cannot remove: %s", a.fit.checkpoint, strerror(errno));
    if (!a.quiet) print_summary(&a, map, &info, cli_now() - start);
    rc = CLI_OK;
done:
    som_fit_opts_clear(&a.fit);
    som_fitter_free(fitter);
    som_data_free(data);
    return rc;
}
