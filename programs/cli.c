/* SPDX-License-Identifier: MIT */
/* cli.c — helpers shared by the `som` subcommands (see cli.h). */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* ---- messages ---------------------------------------------------------- */

void cli_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("som: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

int cli_fail(const som_error *err)
{
    /* The library's message already starts with file:line:column when it
     * knows them; fall back on the code's text for a message left empty. */
    if (err && err->message[0])
        cli_error("%s", err->message);
    else
        cli_error("%s", som_strerror(err ? err->code : SOM_EINVAL));
    return CLI_FAIL;
}

int cli_usage(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "som %s: ", cmd);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\nTry 'som %s --help'.\n", cmd);
    va_end(ap);
    return CLI_USAGE;
}

int cli_bad_value(const char *cmd, const char *option, const char *arg,
                  const char *expected)
{
    return cli_usage(cmd, "%s: expected %s, got '%s'", option, expected, arg);
}

int cli_getopt_error(const char *cmd, int c, char **argv)
{
    /* getopt has left optind past the offending word, except inside a group
     * of short options ("-qx"), where optopt names the character. */
    const char *word = optind > 0 ? argv[optind - 1] : "?";
    bool is_long = strncmp(word, "--", 2) == 0;
    if (c == ':') {
        if (!is_long)
            return cli_usage(cmd, "option '-%c' needs a value", optopt);
        return cli_usage(cmd, "option '%s' needs a value", word);
    }
    if (optopt == 0) /* glibc's mark of an unknown long option */
        return cli_usage(cmd, "unknown option '%s'", word);
    if (is_long && strchr(word, '=')) /* "--quiet=1" */
        return cli_usage(cmd, "option '%s' takes no value", word);
    return cli_usage(cmd, "unknown option '-%c'", optopt);
}

/* ---- parsing option values ---------------------------------------------- */

bool cli_parse_u64(const char *s, uint64_t *out)
{
    if (!s || *s < '0' || *s > '9') return false; /* no sign, no blanks */
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end) return false;
    *out = (uint64_t)v;
    return true;
}

bool cli_parse_size(const char *s, size_t min, size_t *out)
{
    uint64_t v;
    if (!cli_parse_u64(s, &v) || v > SIZE_MAX || (size_t)v < min) return false;
    *out = (size_t)v;
    return true;
}

bool cli_parse_double(const char *s, double *out)
{
    /* The program never calls setlocale, so strtod reads the C locale's
     * decimal point, as the data files are read. */
    if (!s || !*s) return false;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || *end || !isfinite(v)) return false;
    *out = v;
    return true;
}

bool cli_parse_pair(const char *s, double *a, double *b, bool *has_b)
{
    const char *colon = strchr(s, ':');
    if (!colon) {
        *has_b = false;
        return cli_parse_double(s, a);
    }
    size_t n = (size_t)(colon - s);
    char first[64];
    if (n == 0 || n >= sizeof first) return false;
    memcpy(first, s, n);
    first[n] = '\0';
    *has_b = true;
    return cli_parse_double(first, a) && cli_parse_double(colon + 1, b);
}

bool cli_parse_choice(const char *s, const char *const *names, int *out)
{
    for (int i = 0; names[i]; i++) {
        if (strcmp(s, names[i]) == 0) {
            *out = i;
            return true;
        }
    }
    return false;
}

bool cli_parse_threads(const char *s, int *out)
{
    size_t v;
    if (!cli_parse_size(s, 0, &v) || v > 4096) return false;
    *out = (int)v;
    return true;
}

/* Indexed by the enum values of som.h, which run 0, 1, 2, ... */
const char *const cli_topology_names[] = {"rect", "hex", NULL};
const char *const cli_algorithm_names[] = {"online", "batch", NULL};
const char *const cli_init_names[] = {"random", "pca", "sample", "keep", NULL};
const char *const cli_schedule_names[] = {"linear", "exp", "inverse", "mql",
                                          NULL};
const char *const cli_neighborhood_names[] = {"gaussian", "cutgauss", "bubble",
                                              "epanechnikov", "mexican-hat", NULL};
const char *const cli_scaling_names[] = {"none", "zscore", "minmax", NULL};

const char *cli_name(const char *const *names, int value)
{
    for (int i = 0; names[i]; i++)
        if (i == value) return names[i];
    return "?";
}

const char *cli_choices(const char *const *names)
{
    static char buf[256];
    size_t off = 0;
    buf[0] = '\0';
    for (int i = 0; names[i] && off < sizeof buf; i++) {
        int k = snprintf(buf + off, sizeof buf - off, "%s%s", i ? ", " : "",
                         names[i]);
        if (k < 0) break;
        off += (size_t)k;
    }
    return buf;
}

/* ---- outputs ------------------------------------------------------------ */

bool cli_refuse_binary_to_terminal(const char *cmd, const char *path)
{
    bool tty;
    if (strcmp(path, "-") == 0 || strcmp(path, "/dev/stdout") == 0) {
        tty = isatty(STDOUT_FILENO);
    } else {
        /* A terminal named outright (/dev/tty, /dev/pts/3). */
        struct stat st;
        int fd = stat(path, &st) == 0 && S_ISCHR(st.st_mode)
                     ? open(path, O_WRONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC)
                     : -1;
        tty = fd >= 0 && isatty(fd);
        if (fd >= 0) close(fd);
    }
    if (tty)
        cli_usage(cmd, "%s is a terminal: a model is binary; redirect standard output "
                       "or give -o FILE", cli_output_name(path));
    return tty;
}

const char *cli_output_name(const char *path)
{
    return strcmp(path, "-") == 0 ? "standard output" : path;
}

/* ---- data options ------------------------------------------------------ */

int cli_max_input_option(const char *cmd, const char *arg)
{
    /* A whole number of bytes, or of K, M, G or T (powers of 1024). */
    char digits[32];
    static const char units[] = "KMGT";
    size_t n = strlen(arg), shift = 0;
    for (size_t i = 0; n > 1 && i < 4; i++)
        if (arg[n - 1] == units[i] || arg[n - 1] == units[i] + ('a' - 'A')) {
            shift = 10 * (i + 1);
            n--;
            break;
        }
    uint64_t v;
    if (n == 0 || n >= sizeof digits)
        return cli_bad_value(cmd, "--max-input", arg, "a size in bytes such as 512M or 8G");
    memcpy(digits, arg, n);
    digits[n] = '\0';
    if (!cli_parse_u64(digits, &v) || v == 0 || v > (SIZE_MAX >> shift))
        return cli_bad_value(cmd, "--max-input", arg, "a size in bytes such as 512M or 8G");
    som_set_input_limit((size_t)v << shift);
    return CLI_OK;
}

int cli_data_option(const char *cmd, int c, const char *arg,
                    som_csv_opts *csv)
{
    switch (c) {
    case CLI_OPT_DELIMITER:
        /* A tab is awkward to type in a shell, hence the two spellings. */
        if (strcmp(arg, ",") == 0 || strcmp(arg, ";") == 0)
            csv->delimiter = arg[0];
        else if (strcmp(arg, "tab") == 0 || strcmp(arg, "\\t") == 0 ||
                 strcmp(arg, "\t") == 0)
            csv->delimiter = '\t';
        else {
            cli_bad_value(cmd, "--delimiter", arg, "',', ';' or 'tab'");
            return -1;
        }
        return 1;
    case CLI_OPT_HEADER: csv->header = 1; return 1;
    case CLI_OPT_NO_HEADER: csv->header = 0; return 1;
    case CLI_OPT_MAX_INPUT:
        return cli_max_input_option(cmd, arg) == CLI_OK ? 1 : -1;
    case CLI_OPT_LABEL_COLUMN:
        if (!*arg) {
            cli_bad_value(cmd, "--label-column", arg, "a column title");
            return -1;
        }
        csv->label_column = arg;
        return 1;
    default: return 0;
    }
}

/* ---- files ------------------------------------------------------------- */

int cli_read_data(const char *path, const som_csv_opts *csv, som_data **out)
{
    som_error err;
    som_error_clear(&err);
    if (som_data_read(path, csv, out, &err) != SOM_OK) return cli_fail(&err);
    return CLI_OK;
}

int cli_load_map(const char *path, som_map **out)
{
    som_error err;
    som_error_clear(&err);
    /* Any format libsom reads: .som, .somnet, SOM_PAK .cod, ESOM .wts. */
    if (som_map_load_any(path, out, &err) != SOM_OK) return cli_fail(&err);
    return CLI_OK;
}

int cli_read_aligned(const som_map *map, const char *path,
                     const som_csv_opts *csv, som_data **out)
{
    som_data *raw = NULL;
    *out = NULL;
    int rc = cli_read_data(path, csv, &raw);
    if (rc != CLI_OK) return rc;
    som_error err;
    som_error_clear(&err);
    if (som_map_data_in_order(map, raw)) {
        /* Nothing to rearrange: use the data as read (a memory-mapped .npy
         * stays mapped instead of being copied), titled as the model's
         * fields as an aligned copy would be. */
        for (size_t j = 0; j < som_map_dim(map); j++)
            if (som_data_set_title(raw, j, som_map_title(map, j), &err) != SOM_OK) {
                som_data_free(raw);
                return cli_fail(&err);
            }
        *out = raw;
        return CLI_OK;
    }
    if (som_map_align_data(map, raw, out, &err) != SOM_OK) {
        /* The library names the column counts; say which file they belong
         * to when it did not. */
        if (err.file[0])
            rc = cli_fail(&err);
        else {
            cli_error("%s: %s", path, err.message[0] ? err.message
                                                     : som_strerror(err.code));
            rc = CLI_FAIL;
        }
    }
    som_data_free(raw);
    return rc;
}

void cli_csv_field(FILE *fp, const char *s)
{
    if (!strpbrk(s, ",;\t\"\r\n")) {
        fputs(s, fp);
        return;
    }
    fputc('"', fp);
    for (; *s; s++) {
        if (*s == '"') fputc('"', fp);
        fputc(*s, fp);
    }
    fputc('"', fp);
}

/* ---- JSON ---------------------------------------------------------------- */

void cli_json_string(FILE *fp, const char *s)
{
    fputc('"', fp);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"': fputs("\\\"", fp); break;
        case '\\': fputs("\\\\", fp); break;
        case '\b': fputs("\\b", fp); break;
        case '\f': fputs("\\f", fp); break;
        case '\n': fputs("\\n", fp); break;
        case '\r': fputs("\\r", fp); break;
        case '\t': fputs("\\t", fp); break;
        default:
            if (*p < 0x20 || *p == 0x7f)
                fprintf(fp, "\\u%04x", (unsigned)*p);
            else
                fputc(*p, fp);
        }
    }
    fputc('"', fp);
}

void cli_json_double(FILE *fp, double v)
{
    if (isfinite(v))
        fprintf(fp, "%.9g", v);
    else
        fputs("null", fp);
}

/* ---- progress ---------------------------------------------------------- */

double cli_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
    (void)sig;
    interrupted = 1;
}

void cli_interrupt_catch(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    /* One-shot: a second Ctrl-C gets the default action and ends the program
     * at once, for a user who does not want to wait for the pass to end. */
    sa.sa_flags = (int)SA_RESETHAND; /* glibc defines it as an unsigned 0x80000000 */
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

void cli_interrupt_release(void)
{
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
}

bool cli_interrupted(void) { return interrupted != 0; }

void cli_progress_init(cli_progress *p, bool enabled)
{
    memset(p, 0, sizeof *p);
    p->draw = enabled && isatty(STDERR_FILENO);
    p->start = p->last = cli_now();
}

/* Durations as "42s", "3m05s", "2h07m". */
static void format_duration(char *buf, size_t size, double s)
{
    if (!(s >= 0) || s > 1e7) {
        snprintf(buf, size, "?");
        return;
    }
    unsigned long t = (unsigned long)(s + 0.5);
    if (t < 60)
        snprintf(buf, size, "%lus", t);
    else if (t < 3600)
        snprintf(buf, size, "%lum%02lus", t / 60, t % 60);
    else
        snprintf(buf, size, "%luh%02lum", t / 3600, t / 60 % 60);
}

int cli_progress_cb(const som_progress *pr, void *ctx)
{
    cli_progress *p = ctx;
    if (interrupted) return 1;
    if (!p || !p->draw || pr->n_steps == 0) return 0;
    double now = cli_now();
    /* About 6 updates a second: more only costs the terminal time. */
    if (now - p->last < 1.0 / 6 && pr->step < pr->n_steps) return 0;
    p->last = now;
    double done = (double)pr->step / (double)pr->n_steps;
    char bar[21];
    size_t filled = (size_t)(done * 20);
    for (size_t i = 0; i < 20; i++) bar[i] = i < filled ? '#' : '.';
    bar[20] = '\0';
    char eta[32] = "?";
    if (pr->step > 0)
        format_duration(eta, sizeof eta,
                        (now - p->start) * (1 - done) / done);
    fprintf(stderr, "\r[%s] pass %zu/%zu  radius %.3g", bar, pr->pass, pr->n_passes, pr->sigma);
    if (isfinite(pr->alpha)) fprintf(stderr, "  rate %.3g", pr->alpha);
    if (isfinite(pr->qe)) fprintf(stderr, "  qe %.4g", pr->qe);
    fprintf(stderr, "  eta %s\033[K", eta);
    fflush(stderr);
    p->drawn = true;
    return 0;
}

void cli_progress_end(cli_progress *p)
{
    if (p->drawn) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
        p->drawn = false;
    }
}
