/* SPDX-License-Identifier: MIT */
/* som_bench — how close libsom comes to the machine's own SGEMM (issue 6).
 *
 * One run measures, for each standard case (or sizes given on the command
 * line), the time of plain cblas_sgemm on the BMU shape, our batch pass, our
 * BMU search alone (som_map_bmus, the path of `som map`), online updates per
 * second, CSV and .npy parsing, the `som train` program end to end, and
 * peak RSS, and prints the ratios ours / SGEMM. The machine is shared and
 * noisy, so compare ratios from one run rather than times across runs.
 *
 * Each case runs in a child process, forked before any BLAS or OpenMP
 * thread exists, so that its peak RSS (wait4) is its own. Data are gaussian
 * blobs from a fixed seed (blobs.h); nothing is downloaded. Never part of
 * `make test`: timings are not tests. */
#include "blobs.h"
#include "som.h"
#include "core/core.h" /* som__bmu_kernel_use */

#include <cblas.h>
#include <errno.h>
#include <getopt.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;
/* OpenBLAS's own extensions, declared here so the bench does not depend on
 * which cblas.h the system picked. */
char *openblas_get_corename(void);
void openblas_set_num_threads(int n);

typedef struct bcase {
    char letter;
    const char *what;
    size_t n, dim, rows, cols, passes;
    som_algorithm alg;
    int map_only; /* D: BMU search of a big data set, no training */
    int files;    /* A: also CSV / .npy parsing and the som program */
} bcase;

static bcase cases[] = {
    {'A', "batch, CSV and .npy in", 200000, 64, 50, 50, 5, SOM_BATCH, 0, 1},
    {'B', "online", 2000, 64, 20, 20, 10, SOM_ONLINE, 0, 0},
    {'C', "batch, emergent map", 10000, 32, 200, 200, 2, SOM_BATCH, 0, 0},
    {'D', "som map (BMU search only)", 1000000, 32, 40, 40, 0, SOM_BATCH, 1, 0},
};

static struct {
    int threads;
    const char *som;    /* the som program, for the end-to-end runs */
    const char *tmpdir;
    int no_cli;
    int keep;           /* leave the CSV and .npy files behind */
    pid_t parent;       /* names the files */
    double missing;     /* fraction of cells missing (--missing) */
} g = {2, SOM_BENCH_PROGRAM, NULL, 0, 0, 0, 0.0};

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static void die(const char *what, const som_error *err)
{
    fprintf(stderr, "som_bench: %s: %s\n", what, err ? err->message : strerror(errno));
    exit(1);
}

static som_data *make_data(size_t n, size_t dim, uint64_t seed)
{
    const size_t k = 16;
    float *x = malloc(n * dim * sizeof *x);
    double *c = malloc(k * dim * sizeof *c);
    if (!x || !c) die("out of memory", NULL);
    blobs_fill(x, n, dim, k, c, seed);
    som_data *d;
    som_error err;
    if (som_data_new(n, dim, &d, &err)) die("som_data_new", &err);
    /* --missing P: each cell missing with probability P (fixed seed), at
     * least the first of each row present. */
    uint8_t *mask = g.missing > 0.0 ? malloc(dim) : NULL;
    uint64_t ms = seed ^ 0x6d697373u;
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; mask && j < dim; j++)
            mask[j] = j == 0 || blobs_uniform(&ms) >= g.missing;
        if (som_data_set_row(d, i, x + i * dim, mask, &err)) die("som_data_set_row", &err);
    }
    free(mask);
    free(x);
    free(c);
    return d;
}

/* Plain cblas_sgemm of the BMU search's shape: M rows of samples (dim) times
 * the units' weights (dim x units), OpenBLAS on g.threads threads, best of 3.
 * Returns seconds for all n rows, extrapolated linearly from M rows, M at
 * most 8192 and the M x units result at most 64 MB, so that the n x units
 * result never has to exist (it would be 2 GB for case A). */
static double sgemm_time(size_t n, size_t dim, size_t units, double *gflops)
{
    size_t m = ((size_t)64 << 20) / (units * sizeof(float));
    if (m > 8192) m = 8192;
    if (m < 64) m = 64;
    if (m > n) m = n;
    float *a = malloc(m * dim * sizeof *a), *b = malloc(units * dim * sizeof *b);
    float *c = malloc(m * units * sizeof *c);
    if (!a || !b || !c) die("out of memory", NULL);
    for (size_t i = 0; i < m * dim; i++) a[i] = (float)(i % 13) * 0.1f;
    for (size_t i = 0; i < units * dim; i++) b[i] = (float)(i % 7) * 0.1f;
    openblas_set_num_threads(g.threads);
    double best = 1e30;
    for (int r = 0; r < 4; r++) { /* the first call warms up */
        double t = now();
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)m, (int)units, (int)dim, -2.0f,
                    a, (int)dim, b, (int)dim, 0.0f, c, (int)units);
        t = now() - t;
        if (r && t < best) best = t;
    }
    free(a);
    free(b);
    free(c);
    *gflops = 2.0 * (double)m * (double)units * (double)dim / best * 1e-9;
    return best * (double)n / (double)m;
}

static void write_npy(const som_data *d, const char *path)
{
    size_t n = som_data_n_samples(d), dim = som_data_dim(d);
    char hdr[128];
    int len = snprintf(hdr, sizeof hdr, "{'descr': '<f4', 'fortran_order': False, 'shape': (%zu, %zu), }",
                       n, dim);
    size_t total = 10 + (size_t)len + 1;
    size_t pad = (64 - total % 64) % 64;
    FILE *f = fopen(path, "wb");
    if (!f) die(path, NULL);
    unsigned short hl = (unsigned short)((size_t)len + pad + 1);
    fwrite("\x93NUMPY\x01\x00", 1, 8, f);
    fputc(hl & 0xff, f);
    fputc(hl >> 8, f);
    fwrite(hdr, 1, (size_t)len, f);
    for (size_t i = 0; i < pad; i++) fputc(' ', f);
    fputc('\n', f);
    fwrite(som_data_values(d), sizeof(float), n * dim, f); /* x86: little-endian */
    if (fclose(f)) die(path, NULL);
}

/* Runs the som program; wall seconds and its peak RSS in MB. */
static double run_som(char *const argv[], double *rss_mb)
{
    pid_t pid;
    double t = now();
    if (posix_spawn(&pid, argv[0], NULL, NULL, argv, environ)) die(argv[0], NULL);
    int status;
    struct rusage ru;
    if (wait4(pid, &status, 0, &ru) < 0) die("wait4", NULL);
    t = now() - t;
    if (!WIFEXITED(status) || WEXITSTATUS(status)) {
        fprintf(stderr, "som_bench: %s failed\n", argv[0]);
        exit(1);
    }
    *rss_mb = (double)ru.ru_maxrss * 1024.0 / 1e6;
    return t;
}

static double file_mb(const char *path)
{
    struct stat st;
    if (stat(path, &st)) die(path, NULL);
    return (double)st.st_size / 1e6;
}

/* The case's input files; the case's child writes them, and the parent
 * runs the som program on them and removes them. */
static void file_names(const bcase *c, char *csv, char *npy, size_t size)
{
    snprintf(csv, size, "%s/som_bench_%d_%c.csv", g.tmpdir, (int)g.parent, c->letter);
    snprintf(npy, size, "%s/som_bench_%d_%c.npy", g.tmpdir, (int)g.parent, c->letter);
}

/* `som train` end to end, from CSV and from .npy. Run by the bench's parent
 * process, which never holds data: Linux keeps a process's peak RSS across
 * execve, and a program spawned by the case's child (clone + exec) would
 * report the child's own peak, as the first version of this bench did. */
static void run_cli(const bcase *c)
{
    char csv[600], npy[600], model[600];
    file_names(c, csv, npy, sizeof csv);
    snprintf(model, sizeof model, "%s/som_bench_%d_%c.som", g.tmpdir, (int)g.parent, c->letter);
    if (!g.no_cli) {
        const size_t units = c->rows * c->cols;
        char gridarg[64], epochs[32], threads[32];
        snprintf(gridarg, sizeof gridarg, "%zux%zu", c->rows, c->cols);
        snprintf(epochs, sizeof epochs, "%zu", c->passes);
        snprintf(threads, sizeof threads, "%d", g.threads);
        const char *ins[2] = {csv, npy};
        for (int k = 0; k < 2; k++) {
            char *argv[] = {(char *)g.som, "train", (char *)ins[k], "-o", model, "--grid",
                            gridarg, "--algorithm", "batch", "--epochs", epochs,
                            "--threads", threads, "-q", NULL};
            double rss;
            double ts = run_som(argv, &rss);
            double data_mb = (double)(c->n * c->dim * 4) / 1e6;
            double cb_mb = (double)(units * c->dim * 4) / 1e6;
            printf("  som train from %-4s          %8.3f s  peak RSS %.0f MB (data + codebook "
                   "+ %.0f MB)\n",
                   k ? ".npy" : "CSV", ts, rss, rss - data_mb - cb_mb);
        }
        unlink(model);
    }
    if (g.keep) {
        printf("  kept %s and %s\n", csv, npy);
    } else {
        unlink(csv);
        unlink(npy);
    }
}

static void run_case(const bcase *c)
{
    som_error err;
    const size_t units = c->rows * c->cols;
    printf("== %c: %zu x %zu, %zux%zu map, %s", c->letter, c->n, c->dim, c->rows, c->cols,
           c->what);
    if (!c->map_only) printf(", %zu passes", c->passes);
    printf(", %d threads, OpenBLAS core %s\n", g.threads, openblas_get_corename());

    double t0 = now();
    som_data *d = make_data(c->n, c->dim, 42);
    printf("  data generated                %8.3f s  (%.1f MB of floats)\n", now() - t0,
           (double)(c->n * c->dim * sizeof(float)) / 1e6);

    som_grid grid = {c->rows, c->cols, SOM_RECT, 0};
    som_map *m;
    if (som_map_new(&grid, c->dim, &m, &err)) die("som_map_new", &err);
    if (som_map_fit_scaling(m, d, SOM_SCALE_NONE, &err)) die("scaling", &err);

    /* Ours first, the SGEMM reference last: OpenBLAS's threads keep
     * spinning for a while after a threaded call, and would take a core
     * from whatever runs next. */
    double t_init = 0.0, t_train = 0.0, t_steps_only = 0.0, qe = 0.0;
    size_t steps = 0;
    if (!c->map_only) {
        som_train_opts o;
        som_train_opts_init(&o);
        o.algorithm = c->alg;
        o.epochs = c->passes;
        o.seed = 1;
        o.threads = g.threads;
        som_trainer *t;
        double ta = now();
        if (som_trainer_new(m, d, &o, &t, &err)) die("trainer", &err);
        double tb = now();
        if (som_trainer_run(t, 0, &err)) die("training", &err);
        double tc = now();
        steps = som_trainer_n_steps(t);
        som_trainer_free(t);
        const som_history *h = som_map_history(m);
        qe = h[som_map_history_len(m) - 1].qe;
        t_init = tb - ta;
        t_train = tc - tb;
        if (c->alg == SOM_ONLINE) {
            /* The same training without the QE/TE history after each pass
             * (a full BMU sweep each): the rate of the updates alone. */
            som_map *m2;
            o.quality_every = 0;
            if (som_map_new(&grid, c->dim, &m2, &err)) die("som_map_new", &err);
            if (som_map_fit_scaling(m2, d, SOM_SCALE_NONE, &err)) die("scaling", &err);
            if (som_trainer_new(m2, d, &o, &t, &err)) die("trainer", &err);
            double td = now();
            if (som_trainer_run(t, 0, &err)) die("training", &err);
            t_steps_only = now() - td;
            som_trainer_free(t);
            som_map_free(m2);
        }
    } else {
        if (som_map_init(m, d, SOM_INIT_RANDOM, 1, &err)) die("init", &err);
    }

    /* BMU search alone: the path of `som map` and `som eval`. */
    size_t *units_out = malloc(c->n * sizeof *units_out);
    float *dist = malloc(c->n * sizeof *dist);
    if (!units_out || !dist) die("out of memory", NULL);
    double tb0 = now();
    if (som_map_bmus(m, d, units_out, dist, NULL, g.threads, &err)) die("bmus", &err);
    double tbmu = now() - tb0;
    /* The same search through cblas_sgemm and the scan, as before the
     * fused kernel (bmu_kernel.c): before/after in one run. */
    som__bmu_kernel_use(false);
    tb0 = now();
    if (som_map_bmus(m, d, units_out, dist, NULL, g.threads, &err)) die("bmus", &err);
    double tbmu_gemm = now() - tb0;
    som__bmu_kernel_use(true);

    /* The same search by each other distance (issue 17 §5), as a ratio to
     * the Euclidean search above; manhattan also through each build of the
     * lane kernel (distance.c). */
    static const char *const dname[] = {"euclidean", "cosine", "manhattan", "chebyshev"};
    double tdist[4][3] = {{tbmu, 0, 0}};
    for (int k = 1; k < 4; k++) {
        if (som_map_set_distance(m, (som_distance)k, &err)) die("distance", &err);
        for (int level = 2; level >= (k == SOM_DISTANCE_MANHATTAN ? 0 : 2); level--) {
            som__distance_kernel_limit(level);
            tb0 = now();
            if (som_map_bmus(m, d, units_out, dist, NULL, g.threads, &err)) die("bmus", &err);
            tdist[k][2 - level] = now() - tb0;
        }
        som__distance_kernel_limit(2);
    }
    if (som_map_set_distance(m, SOM_DISTANCE_EUCLIDEAN, &err)) die("distance", &err);
    free(units_out);
    free(dist);

    double gf;
    double t_gemm = sgemm_time(c->n, c->dim, units, &gf);
    printf("  cblas_sgemm, BMU shape        %8.3f s  per sweep of all rows (%.0f GFLOP/s)\n",
           t_gemm, gf);
    if (!c->map_only) {
        printf("  init + first sweep            %8.3f s\n", t_init);
        if (c->alg == SOM_BATCH) {
            double pass = t_train / (double)c->passes;
            printf("  batch pass (BMU+sums+smooth)  %8.3f s  = %.2f x SGEMM\n", pass,
                   pass / t_gemm);
        } else {
            printf("  online updates                %8.3f s  %.0f updates/s (QE/TE history after "
                   "each pass included)\n",
                   t_train, (double)steps / t_train);
            printf("    without the history         %8.3f s  %.0f updates/s\n", t_steps_only,
                   (double)steps / t_steps_only);
        }
        printf("  training in-process           %8.3f s  QE %.6f\n", t_init + t_train, qe);
    }
    printf("  BMU search (som_map_bmus)     %8.3f s  = %.2f x SGEMM (%.0f%% of its rate), "
           "%.2f M rows/s\n",
           tbmu, tbmu / t_gemm, 100.0 * t_gemm / tbmu, (double)c->n / tbmu * 1e-6);
    printf("    the same via sgemm + scan   %8.3f s  = %.2f x SGEMM (the fused kernel: %.2f x "
           "this)\n",
           tbmu_gemm, tbmu_gemm / t_gemm, tbmu / tbmu_gemm);
    for (int k = 1; k < 4; k++)
        printf("    by %-9s                %8.3f s  = %.2f x the euclidean search\n", dname[k],
               tdist[k][0], tdist[k][0] / tbmu);
    printf("      manhattan, AVX2 build       %8.3f s  = %.2f x euclidean\n", tdist[2][1],
           tdist[2][1] / tbmu);
    printf("      manhattan, plain build      %8.3f s  = %.2f x euclidean\n", tdist[2][2],
           tdist[2][2] / tbmu);

    if (c->files) {
        char csv[600], npy[600];
        file_names(c, csv, npy, sizeof csv);
        if (som_data_write_csv(d, csv, &err)) die("write csv", &err);
        write_npy(d, npy);
        som_data *r;
        double tr = now();
        if (som_data_read(csv, NULL, &r, &err)) die("read csv", &err);
        tr = now() - tr;
        som_data_free(r);
        printf("  CSV parse                     %8.3f s  %.0f MB/s (%.1f MB)\n", tr,
               file_mb(csv) / tr, file_mb(csv));
        tr = now();
        if (som_data_read(npy, NULL, &r, &err)) die("read npy", &err);
        tr = now() - tr;
        som_data_free(r);
        printf("  .npy read                     %8.3f s  %.0f MB/s\n", tr, file_mb(npy) / tr);
    }
    som_map_free(m);
    som_data_free(d);
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: som_bench [--cases ABCD] [--n N] [--dim D] [--grid ROWSxCOLS] [--passes P]\n"
            "                 [--threads T] [--som PATH] [--tmpdir DIR] [--no-cli] [--keep]\n"
            "                 [--missing P]   (each value missing with probability P)\n"
            "       som_bench --make-npy FILE [--n N] [--dim D]   (the data only; bench/scale.sh)\n"
            "Standard cases (issue 6): A 200000x64 50x50 batch 5 passes (CSV, .npy, som train);\n"
            "B 2000x64 20x20 online 10 passes; C 10000x32 200x200 batch 2 passes;\n"
            "D som map of 1000000x32 on 40x40. --n/--dim/--grid/--passes override the sizes\n"
            "of every selected case. Default: all cases, 2 threads.\n");
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"cases", required_argument, NULL, 'c'}, {"n", required_argument, NULL, 'n'},
        {"dim", required_argument, NULL, 'd'},   {"grid", required_argument, NULL, 'g'},
        {"passes", required_argument, NULL, 'p'}, {"threads", required_argument, NULL, 't'},
        {"som", required_argument, NULL, 's'},   {"tmpdir", required_argument, NULL, 'T'},
        {"no-cli", no_argument, NULL, 'N'},      {"keep", no_argument, NULL, 'k'},
        {"help", no_argument, NULL, 'h'},
        {"make-npy", required_argument, NULL, 'm'}, {"missing", required_argument, NULL, 'M'},
        {NULL, 0, NULL, 0}};
    const char *which = "ABCD", *make_npy = NULL;
    size_t n = 0, dim = 0, rows = 0, cols = 0, passes = 0;
    int ch;
    while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (ch) {
        case 'c': which = optarg; break;
        case 'n': n = strtoul(optarg, NULL, 10); break;
        case 'd': dim = strtoul(optarg, NULL, 10); break;
        case 'g':
            if (sscanf(optarg, "%zux%zu", &rows, &cols) != 2) {
                usage(stderr);
                return 2;
            }
            break;
        case 'p': passes = strtoul(optarg, NULL, 10); break;
        case 't': g.threads = atoi(optarg); break;
        case 's': g.som = optarg; break;
        case 'T': g.tmpdir = optarg; break;
        case 'N': g.no_cli = 1; break;
        case 'k': g.keep = 1; break;
        case 'm': make_npy = optarg; break;
        case 'M': g.missing = strtod(optarg, NULL); break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (make_npy) {
        /* Just the data, for bench/scale.sh: blobs of --n x --dim. */
        som_data *d = make_data(n ? n : 1000000, dim ? dim : 64, 1);
        write_npy(d, make_npy);
        som_data_free(d);
        return 0;
    }
    if (g.threads < 1) g.threads = 1;
    if (!g.tmpdir) g.tmpdir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    if (access(g.som, X_OK)) g.no_cli = 1;
    setvbuf(stdout, NULL, _IOLBF, 0);
    g.parent = getpid();

    for (const char *w = which; *w; w++) {
        bcase *c = NULL;
        for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++)
            if (cases[k].letter == (*w & ~0x20)) c = &cases[k];
        if (!c) {
            fprintf(stderr, "som_bench: no case '%c'\n", *w);
            return 2;
        }
        if (n) c->n = n;
        if (dim) c->dim = dim;
        if (rows) c->rows = rows, c->cols = cols;
        if (passes) c->passes = passes;
        fflush(stdout);
        pid_t pid = fork();
        if (pid < 0) die("fork", NULL);
        if (pid == 0) {
            run_case(c);
            fflush(stdout);
            _exit(0);
        }
        int status;
        struct rusage ru;
        if (wait4(pid, &status, 0, &ru) < 0) die("wait4", NULL);
        if (!WIFEXITED(status) || WEXITSTATUS(status)) return 1;
        printf("  peak RSS of the case          %8.0f MB (the bench process)\n",
               (double)ru.ru_maxrss * 1024.0 / 1e6);
        if (c->files) run_cli(c);
    }
    return 0;
}
