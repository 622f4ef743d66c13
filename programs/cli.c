/* SPDX-License-Identifier: MIT */
/* cli.c — helpers shared by the `som` subcommands (see cli.h). */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sys/stat.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ---- messages ---------------------------------------------------------- */

static void interrupt_message(void);

void cli_error(const char *fmt, ...)
{
    /* After Ctrl-C or SIGTERM, whatever failed failed because of it: one
     * message says so and names what was not written. */
    if (cli_interrupted()) {
        interrupt_message();
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    fputs("som: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

int cli_fail(const som_error *err)
{
    if (cli_interrupted() || (err && err->code == SOM_ECANCELED)) {
        interrupt_message();
        return CLI_FAIL;
    }
    /* The library's message already starts with file:line:column when it
     * knows them; fall back on the code's text for a message left empty. */
    /* The CSV reader's hint about the label column names no flag (the web
     * app words it for its form): here it is an option. */
    static const char label_hint[] = " label column?)", label_hint2[] = "the label column)";
    size_t n = err ? strlen(err->message) : 0;
    if (err && err->code == SOM_EFORMAT &&
        ((n > sizeof label_hint && !strcmp(err->message + n - strlen(label_hint), label_hint)) ||
         (n > sizeof label_hint2 &&
          !strcmp(err->message + n - strlen(label_hint2), label_hint2))))
        cli_error("%s; --label-column TITLE chooses it", err->message);
    else if (err && err->message[0])
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
    som_input_limit_set((size_t)v << shift);
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
    case CLI_OPT_NO_ROW_NAMES: csv->row_names = 0; return 1;
    default: return 0;
    }
}

int cli_threads_option(const char *cmd, const char *arg, int *threads)
{
    if (!cli_parse_threads(arg, threads))
        return cli_bad_value(cmd, "--threads", arg, "a whole number from 0 to 4096");
    return CLI_OK;
}

/* ---- commands that read DATA against a MODEL ---------------------------- */

void cli_model_data_init(cli_model_data *md)
{
    memset(md, 0, sizeof *md);
    som_csv_opts_init(&md->csv);
}

int cli_model_data_option(const char *cmd, int c, char **argv, cli_model_data *md)
{
    switch (c) {
    case 'q': md->quiet = true; return 1;
    case CLI_OPT_THREADS:
        return cli_threads_option(cmd, optarg, &md->threads) == CLI_OK ? 1 : -1;
    case '?':
    case ':': cli_getopt_error(cmd, c, argv); return -1;
    default: return cli_data_option(cmd, c, optarg, &md->csv);
    }
}

int cli_model_data_operands(const char *cmd, int argc, char **argv, cli_model_data *md)
{
    int n = argc - optind;
    if (n != 2)
        return cli_usage(cmd, "expected MODEL and DATA, got %d argument%s", n,
                         n == 1 ? "" : "s");
    md->model_path = argv[optind];
    md->data_path = argv[optind + 1];
    return CLI_OK;
}

int cli_check_target(const char *cmd, const som_map *map, const char *target,
                     int *is_class)
{
    if (som_map_target_fields(map, target, NULL, 0, is_class)) return CLI_OK;
    return cli_usage(cmd, "--target: the model has no field '%s' and no fields '%s=CLASS'",
                     target, target);
}

/* ---- files ------------------------------------------------------------- */

static const char *shown_path(const char *path)
{
    return strcmp(path, "-") == 0 ? "<stdin>" : path;
}

void cli_note_row_names(const char *path, const som_data *data)
{
    int how = som_data_row_names(data);
    if (how == SOM_ROW_NAMES_NONE) return;
    if (how == SOM_ROW_NAMES_LABELS)
        cli_error("%s: the untitled first column holds distinct whole numbers (row names, as R's "
                  "write.csv writes them): read as the row labels, not as a field "
                  "(--no-row-names keeps it a field)", shown_path(path));
    else
        cli_error("%s: the untitled first column holds distinct whole numbers (row names, as R's "
                  "write.csv writes them): left out, the labels being column '%s' "
                  "(--no-row-names keeps it a field)", shown_path(path),
                  som_data_label_title(data));
}

int cli_read_data(const char *path, const som_csv_opts *csv, bool quiet,
                  som_data **out)
{
    som_error err;
    som_error_clear(&err);
    if (som_data_read_as(path, NULL, csv, out, &err) != SOM_OK) return cli_fail(&err);
    if (!quiet) cli_note_row_names(path, *out);
    return CLI_OK;
}

/* ---- which columns the model uses ------------------------------------------
 * Titles are looked up in sorted copies (a table may have 20,000 columns:
 * comparing every title with every other would cost seconds). */

typedef struct title_set {
    const char **sorted;
    size_t n;
} title_set;

static int cmp_title(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The titles of data, or of map (the other NULL). False when out of memory. */
static bool title_set_init(title_set *s, const som_data *data, const som_map *map)
{
    s->n = data ? som_data_dim(data) : som_map_dim(map);
    s->sorted = malloc((s->n ? s->n : 1) * sizeof *s->sorted);
    if (!s->sorted) return false;
    for (size_t j = 0; j < s->n; j++)
        s->sorted[j] = data ? som_data_title(data, j) : som_map_title(map, j);
    qsort(s->sorted, s->n, sizeof *s->sorted, cmp_title);
    return true;
}

static bool title_set_has(const title_set *s, const char *title)
{
    return bsearch(&title, s->sorted, s->n, sizeof *s->sorted, cmp_title) != NULL;
}

/* The same for the first len bytes of title. */
static bool title_set_has_prefix(const title_set *s, const char *title, size_t len)
{
    char *t = malloc(len + 1);
    if (!t) return false;
    memcpy(t, title, len);
    t[len] = '\0';
    bool has = title_set_has(s, t);
    free(t);
    return has;
}

/* Titles "1".."dim": a file without titles (.npy, --no-header), or a
 * model from one (SOM_PAK .cod). data or map, the other NULL. */
static bool numbered_titles(const som_data *data, const som_map *map)
{
    char num[32];
    size_t dim = data ? som_data_dim(data) : som_map_dim(map);
    for (size_t j = 0; j < dim; j++) {
        snprintf(num, sizeof num, "%zu", j + 1);
        if (strcmp(data ? som_data_title(data, j) : som_map_title(map, j), num) != 0)
            return false;
    }
    return true;
}

/* True when `title` is "NAME=..." for a NAME that stands for the field's
 * column in DATA: the target, the label column, or a column (a class
 * target's one-hot fields are made from the labels, never read). */
static bool class_field_of(const char *title, const title_set *data_titles, const char *lt,
                           const char *target)
{
    for (const char *eq = strchr(title, '='); eq; eq = strchr(eq + 1, '=')) {
        size_t k = (size_t)(eq - title);
        if ((target && strlen(target) == k && memcmp(target, title, k) == 0) ||
            (lt && strlen(lt) == k && memcmp(lt, title, k) == 0) ||
            title_set_has_prefix(data_titles, title, k))
            return true;
    }
    return false;
}

/* One note: "PATH: N WHAT: 'a', 'b', ... and K more". */
#define NOTE_NAMES 8
static void note_list(const char *path, const char *what_one, const char *what_many,
                      const char *const *names, size_t n)
{
    fprintf(stderr, "som: %s: %zu %s: ", shown_path(path), n, n == 1 ? what_one : what_many);
    for (size_t i = 0; i < n && i < NOTE_NAMES; i++)
        fprintf(stderr, "%s'%s'", i ? ", " : "", names[i]);
    if (n > NOTE_NAMES) fprintf(stderr, " and %zu more", n - NOTE_NAMES);
    fputc('\n', stderr);
}

/* The notes, given both title sets; *matched receives how many of the
 * model's fields DATA has (the notes are printed only when some are). */
static void columns_report(const som_map *map, const char *path, const som_data *data,
                           const char *target, const title_set *mt, const title_set *dt,
                           bool print, size_t *matched)
{
    size_t dim = som_map_dim(map), ddim = som_data_dim(data);
    *matched = 0;
    for (size_t j = 0; j < dim; j++) *matched += title_set_has(dt, som_map_title(map, j));
    /* None: columns taken in order (a file or a model without titles), or
     * an error that cli_read_aligned reports. Nothing to add. */
    if (!print || *matched == 0) return;
    const char **names = malloc((dim > ddim ? dim : ddim) * sizeof *names + 1);
    if (!names) return; /* a note, not worth failing for */
    size_t n = 0;
    for (size_t j = 0; j < ddim; j++) {
        const char *t = som_data_title(data, j);
        int is_class = 0;
        if (title_set_has(mt, t) || (target && strcmp(t, target) == 0)) continue;
        /* The column a class target is made from (empty labels). */
        if (som_map_target_fields(map, t, NULL, 0, &is_class) && is_class) continue;
        names[n++] = t;
    }
    if (n) note_list(path, "column the model does not have, ignored",
                     "columns the model does not have, ignored", names, n);
    n = 0;
    const char *lt = som_data_label_title(data);
    for (size_t j = 0; j < dim; j++) {
        const char *t = som_map_title(map, j);
        if (title_set_has(dt, t) || (target && strcmp(t, target) == 0) ||
            class_field_of(t, dt, lt, target))
            continue;
        names[n++] = t;
    }
    if (n) note_list(path, "field of the model not in the file, missing in every row",
                     "fields of the model not in the file, missing in every row", names, n);
    free(names);
}

/* Prints the notes (print) and returns the number of the model's fields
 * DATA has, or SIZE_MAX when out of memory. */
static size_t check_columns(const som_map *map, const char *path, const som_data *data,
                            const char *target, bool print)
{
    title_set mt = {NULL, 0}, dt = {NULL, 0};
    size_t matched = SIZE_MAX;
    if (title_set_init(&mt, NULL, map) && title_set_init(&dt, data, NULL))
        columns_report(map, path, data, target, &mt, &dt, print, &matched);
    free(mt.sorted);
    free(dt.sorted);
    return matched;
}

void cli_note_columns(const som_map *map, const char *path, const som_data *data,
                      const char *target)
{
    check_columns(map, path, data, target, true);
}

int cli_load_map(const char *path, som_map **out)
{
    som_error err;
    som_error_clear(&err);
    /* Any format libsom reads: .som, .somnet, SOM_PAK .cod, ESOM .wts. */
    if (som_map_load_as(path, NULL, out, &err) != SOM_OK) return cli_fail(&err);
    return CLI_OK;
}

void cli_note_losses(const char *path, unsigned lost)
{
    for (unsigned bit = 1; bit && lost; bit <<= 1)
        if (lost & bit)
            fprintf(stderr, "som: note: %s keeps no %s: %s\n", path,
                    som_part_name((som_part)bit), som_part_loss((som_part)bit));
}

int cli_save_map(const som_map *map, const char *path, som_error *err)
{
    const som_format_info *f = som_format_of_path(path);
    if (!f || !(f->uses & SOM_FORMAT_SAVE_MAP)) return som_map_save(map, path, err);
    unsigned lost = 0;
    int rc = som_map_losses(map, f->name, NULL, &lost, err);
    if (rc == SOM_OK) rc = som_map_save_as(map, path, f->name, err);
    if (rc == SOM_OK) cli_note_losses(path, lost);
    return rc;
}

int cli_read_aligned(const som_map *map, const char *path,
                     const som_csv_opts *csv, const char *target, bool quiet,
                     som_data **out)
{
    som_data *raw = NULL;
    *out = NULL;
    int rc = cli_read_data(path, csv, quiet, &raw);
    if (rc != CLI_OK) return rc;
    size_t matched = check_columns(map, path, raw, target, !quiet);
    if (matched == SIZE_MAX) {
        som_data_free(raw);
        cli_error("out of memory");
        return CLI_FAIL;
    }
    if (matched == 0 && !numbered_titles(raw, NULL) && !numbered_titles(NULL, map)) {
        /* Both have titles and none is shared: the wrong file or the wrong
         * model. Taking the columns in order (as som_map_align_data does
         * when the counts agree) would give plausible, wrong answers. */
        size_t dim = som_map_dim(map), ddim = som_data_dim(raw);
        cli_error("%s: none of the file's %zu column titles (%s%s%s) is one of the model's "
                  "%zu fields (%s%s%s): expected a file with the model's titles, or one "
                  "without titles (its columns are then taken in order)",
                  shown_path(path), ddim, som_data_title(raw, 0), ddim > 1 ? ", ..., " : "",
                  ddim > 1 ? som_data_title(raw, ddim - 1) : "", dim, som_map_title(map, 0),
                  dim > 1 ? ", ..., " : "", dim > 1 ? som_map_title(map, dim - 1) : "");
        som_data_free(raw);
        return CLI_FAIL;
    }
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

void cli_json_set(cli_json *b, json_t *obj, const char *key, json_t *v)
{
    if (!obj || json_object_set_new(obj, key, v) != 0) b->ok = false;
}

void cli_json_push(cli_json *b, json_t *arr, json_t *v)
{
    if (!arr || json_array_append_new(arr, v) != 0) b->ok = false;
}

json_t *cli_json_u64(uint64_t v)
{
    if (v <= (uint64_t)INT64_MAX) return json_integer((json_int_t)v);
    char buf[24];
    snprintf(buf, sizeof buf, "%" PRIu64, v);
    return json_string(buf);
}

int cli_json_print(cli_json *b, json_t *root, FILE *fp, som_json_layout layout,
                   const char *what)
{
    int rc = CLI_OK;
    if (!root || !b->ok) {
        cli_error("out of memory");
        rc = CLI_FAIL;
    } else {
        som_error err;
        som_error_clear(&err);
        if (som_json_write(fp, root, layout, &err) != SOM_OK) {
            cli_error("%s: %s", what, err.message);
            rc = CLI_FAIL;
        }
    }
    json_decref(root);
    return rc;
}

/* ---- progress ---------------------------------------------------------- */

double cli_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* ---- interrupts ------------------------------------------------------------
 * The first SIGINT or SIGTERM sets the library's cancellation token, bound
 * to the main thread for the whole command: every long phase polls it and
 * returns SOM_ECANCELED within milliseconds, and no output is renamed into
 * place after it. A second signal removes the temporary files of outputs
 * being written and ends the program at once with the signal's default
 * action. No SA_RESTART: a read from a pipe or a terminal returns EINTR,
 * so that reading standard input is interrupted too. */
static volatile sig_atomic_t interrupted;
static som_cancel *cancel_token;

static void on_signal(int sig)
{
    if (interrupted) {
        som_outfile_remove_temporaries();
        signal(sig, SIG_DFL);
        raise(sig);
        return;
    }
    interrupted = sig;
    som_cancel_set(cancel_token);
}

void cli_interrupt_catch(void)
{
    if (cancel_token) return; /* once per process */
    cancel_token = som_cancel_new();
    som_cancel_bind(cancel_token);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

bool cli_interrupted(void) { return interrupted != 0; }

/* ---- what an interrupted command did not write ----------------------------- */

static const char *command_name = "som";
static const char *outputs[4];
static size_t n_outputs;
static const char *resume_path;

void cli_set_command(const char *name) { command_name = name; }

void cli_output(const char *path)
{
    if (path && n_outputs < sizeof outputs / sizeof *outputs) outputs[n_outputs++] = path;
}

void cli_output_resume(const char *checkpoint) { resume_path = checkpoint; }

/* "som train: interrupted; model.som was not written (the old one is
 * unchanged)", once. */
static void interrupt_message(void)
{
    static bool said;
    if (said) return;
    said = true;
    fprintf(stderr, "som %s: interrupted", command_name);
    for (size_t i = 0; i < n_outputs; i++) {
        const char *o = outputs[i];
        fputs(i == 0 ? "; " : ", ", stderr);
        if (strcmp(o, "-") == 0) {
            fputs("the output on standard output is incomplete", stderr);
            continue;
        }
        struct stat st;
        bool old = stat(o, &st) == 0 && S_ISREG(st.st_mode);
        fprintf(stderr, "%s was not written%s", o, old ? " (the old one is unchanged)" : "");
    }
    if (resume_path && access(resume_path, F_OK) == 0)
        fprintf(stderr, "; --resume continues from %s", resume_path);
    fputc('\n', stderr);
}

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
