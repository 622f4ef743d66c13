/* SPDX-License-Identifier: MIT */
/* cli.h — what the `som` subcommands share: the command table's entry type,
 * exit codes, messages, option parsing, reading data and models, JSON output
 * and the training progress bar. Everything the program computes comes from
 * som.h; these helpers only translate between the command line and it. */
#ifndef SOM_CLI_H
#define SOM_CLI_H

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "som.h"
#include "som_json.h"

/* Exit status, documented in `som help` and som(1). */
enum {
    CLI_OK = 0,    /* success */
    CLI_FAIL = 1,  /* failure at run time: bad data, a damaged model, I/O */
    CLI_USAGE = 2  /* bad command line */
};

/* One subcommand. fn receives argv with argv[0] = the command's name, and
 * returns an exit status. `som help NAME` runs fn with "--help". */
typedef struct cli_command {
    const char *name;
    const char *summary; /* one line for `som help` */
    int (*fn)(int argc, char **argv);
} cli_command;

int cmd_train(int argc, char **argv);
int cmd_map(int argc, char **argv);
int cmd_predict(int argc, char **argv);
int cmd_eval(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_convert(int argc, char **argv);
int cmd_cluster(int argc, char **argv);
#ifdef SOM_HAVE_RENDER
int cmd_render(int argc, char **argv);
int cmd_art(int argc, char **argv);
#endif
#ifdef SOM_HAVE_REPORT
int cmd_report(int argc, char **argv); /* cmd_report.c, report_*.c */
#endif
#ifdef SOM_HAVE_SERVE
int cmd_serve(int argc, char **argv); /* programs/serve/ */
#endif

/* ---- messages ---------------------------------------------------------- */

#if defined(__GNUC__)
#define CLI_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define CLI_PRINTF(fmt, args)
#endif

/* "som: <message>" on stderr. */
void cli_error(const char *fmt, ...) CLI_PRINTF(1, 2);
/* Prints a library error ("som: file:line:col: message") and returns
 * CLI_FAIL. */
int cli_fail(const som_error *err);
/* "som CMD: <message>" and "Try 'som CMD --help'." on stderr; returns
 * CLI_USAGE. */
int cli_usage(const char *cmd, const char *fmt, ...) CLI_PRINTF(2, 3);
/* The usage error for an option value that does not parse. */
int cli_bad_value(const char *cmd, const char *option, const char *arg,
                  const char *expected);
/* Reports what getopt_long rejected (call on '?' or ':'; the option string
 * must start with ':'), returns CLI_USAGE. */
int cli_getopt_error(const char *cmd, int c, char **argv);

/* ---- parsing option values ---------------------------------------------- */

/* Whole numbers in decimal, >= min; no sign, no trailing text. */
bool cli_parse_size(const char *s, size_t min, size_t *out);
bool cli_parse_u64(const char *s, uint64_t *out);
/* A finite number in the C locale. */
bool cli_parse_double(const char *s, double *out);
/* "A" or "A:B"; *has_b tells which. */
bool cli_parse_pair(const char *s, double *a, double *b, bool *has_b);
/* The index of s in the NULL-terminated list names. */
bool cli_parse_choice(const char *s, const char *const *names, int *out);
/* 0 (all cores) .. 4096. */
bool cli_parse_threads(const char *s, int *out);

/* "rect, hex" — the list for messages; static storage. */
const char *cli_choices(const char *const *names);

/* ---- options every command that reads data accepts ---------------------- */

enum {
    CLI_OPT_DELIMITER = 0x100,
    CLI_OPT_HEADER,
    CLI_OPT_NO_HEADER,
    CLI_OPT_LABEL_COLUMN,
    CLI_OPT_THREADS,
    CLI_OPT_HELP,
    CLI_OPT_NO_ROW_NAMES,
    CLI_OPT_MAX_INPUT,
    CLI_OPT_LOCAL = 0x200 /* first id free for a command's own options */
};

#define CLI_DATA_LONG_OPTIONS                                             \
    {"delimiter", required_argument, NULL, CLI_OPT_DELIMITER},            \
    {"header", no_argument, NULL, CLI_OPT_HEADER},                        \
    {"no-header", no_argument, NULL, CLI_OPT_NO_HEADER},                  \
    {"label-column", required_argument, NULL, CLI_OPT_LABEL_COLUMN},      \
    {"no-row-names", no_argument, NULL, CLI_OPT_NO_ROW_NAMES},            \
    CLI_MAX_INPUT_LONG_OPTION

/* --max-input SIZE: som_input_limit_set, for every command that reads. */
#define CLI_MAX_INPUT_LONG_OPTION                                         \
    {"max-input", required_argument, NULL, CLI_OPT_MAX_INPUT}
#define CLI_MAX_INPUT_HELP                                                     \
    "      --max-input SIZE  read at most SIZE bytes of one input held in\n"   \
    "                        memory: standard input, a pipe, a .gz, a model\n" \
    "                        (suffixes K, M, G, T; default 4G)\n"
/* Handles --max-input's value: CLI_OK, or CLI_USAGE after a message. */
int cli_max_input_option(const char *cmd, const char *arg);

/* A binary output (a model) bound for a terminal: `-o -` or a tty's name
 * while a person is looking. Prints the usage error and returns true. */
bool cli_refuse_binary_to_terminal(const char *cmd, const char *path);
/* How the summaries name an output: "standard output" for "-". */
const char *cli_output_name(const char *path);

/* The -q line of the commands that read DATA against a model (map, predict,
 * eval, render, report): the notes it silences come from cli_read_aligned. */
#define CLI_QUIET_HELP                                                         \
    "  -q, --quiet             no notes on standard error about DATA's\n"     \
    "                          columns (those the model ignores, the model's\n" \
    "                          fields DATA lacks, row names)\n"

#define CLI_DATA_HELP                                                          \
    "Reading DATA (CSV; NumPy .npy, SOM_PAK .dat, ESOM .lrn by the name;\n" \
    "'-' is standard input):\n" \
    "      --delimiter C     ',' ';' 'tab' (or '\\t'); detected by default\n"  \
    "      --header          the first row is titles\n"                        \
    "      --no-header       the first row is data (default: titles unless\n"  \
    "                        every cell is a number)\n"                        \
    "      --label-column NAME  the column holding row labels (default: the\n" \
    "                        first column that is not numeric)\n"          \
    "      --no-row-names    keep an untitled first column of distinct whole\n" \
    "                        numbers (R's write.csv row names 1..n, pandas'\n"  \
    "                        index) as a field; by default it is read as\n"    \
    "                        the row labels (or dropped when another column\n" \
    "                        holds labels), and standard error says so\n"     \
    CLI_MAX_INPUT_HELP

/* Handles one of CLI_DATA_LONG_OPTIONS. Returns 1 when handled, 0 when c is
 * not a data option, -1 after printing a usage error. */
int cli_data_option(const char *cmd, int c, const char *arg,
                    som_csv_opts *csv);

/* --threads T: 0 (all cores) .. 4096. CLI_OK, or CLI_USAGE after a message. */
int cli_threads_option(const char *cmd, const char *arg, int *threads);

/* ---- commands that read DATA against a MODEL (map, predict, eval) -------- */

/* What those commands share: two operands, -q, --threads and the data
 * options. */
typedef struct cli_model_data {
    const char *model_path, *data_path; /* set by cli_model_data_operands */
    som_csv_opts csv;
    int threads; /* default 0: all cores */
    bool quiet;
} cli_model_data;

void cli_model_data_init(cli_model_data *md);
/* For the default branch of a command's getopt_long loop (its option string
 * must start with ':'): handles -q, --threads, the data options and what
 * getopt rejected ('?', ':'). Returns 1 when handled, 0 when c is none of
 * them, -1 after printing a usage error. */
int cli_model_data_option(const char *cmd, int c, char **argv, cli_model_data *md);
/* After the loop: exactly MODEL and DATA, else a usage error (CLI_USAGE). */
int cli_model_data_operands(const char *cmd, int argc, char **argv, cli_model_data *md);
/* The usage error when target (--target) names neither a field of the map
 * nor fields 'target=CLASS'; else CLI_OK (*is_class: which, when not NULL). */
int cli_check_target(const char *cmd, const som_map *map, const char *target,
                     int *is_class);

/* ---- files ------------------------------------------------------------- */

/* Each prints the library's message on failure and returns CLI_FAIL, else
 * CLI_OK. Unless quiet, cli_read_data tells on stderr what it did with a
 * row-names column (cli_note_row_names). */
int cli_read_data(const char *path, const som_csv_opts *csv, bool quiet,
                  som_data **out);
int cli_load_map(const char *path, som_map **out);
/* Each part of a map or data set that `lost` (som_part bits) names, one
 * note per line on stderr: "som: note: PATH keeps no PART: what it means". */
void cli_note_losses(const char *path, unsigned lost);
/* Saves a model in the format of its name's extension (.som, .somnet,
 * .cod, .wts, .json, .umx), with a note for each part that format cannot
 * hold; any other name ("-", "model.bin") in the native format. A library
 * status; the message in err. */
int cli_save_map(const som_map *map, const char *path, som_error *err);
/* Reads DATA and arranges its columns as the map's fields
 * (som_map_align_data); unless quiet, says on stderr which of DATA's
 * columns the model ignores and which of its fields DATA lacks
 * (cli_note_columns). target: the --target being predicted or scored, or
 * NULL (its fields are missing on purpose, not worth a note). */
int cli_read_aligned(const som_map *map, const char *path,
                     const som_csv_opts *csv, const char *target, bool quiet,
                     som_data **out);
/* The notes themselves, for callers that read data their own way. */
void cli_note_row_names(const char *path, const som_data *data);
void cli_note_columns(const som_map *map, const char *path,
                      const som_data *data, const char *target);

/* Writes a CSV field, quoted when it holds a comma, quote, CR or LF. */
void cli_csv_field(FILE *fp, const char *s);

/* ---- JSON: jansson trees written by libsom's one writer (som_json.h) ---- */

/* Builders that remember a failed allocation instead of checking each
 * call: jansson's setters refuse a NULL value, and `ok` records it. */
typedef struct cli_json {
    bool ok;
} cli_json;
void cli_json_set(cli_json *b, json_t *obj, const char *key, json_t *v);
void cli_json_push(cli_json *b, json_t *arr, json_t *v);
/* A count or a seed: a JSON integer, or above INT64_MAX its digits as a
 * string (jansson's integers are signed 64-bit). */
json_t *cli_json_u64(uint64_t v);
/* Writes root (consumed) to fp in `layout`; on a failed build or write it
 * says so (`what` names the output) and returns CLI_FAIL, else CLI_OK. */
int cli_json_print(cli_json *b, json_t *root, FILE *fp, som_json_layout layout,
                   const char *what);

/* ---- progress ---------------------------------------------------------- */

/* The training progress bar. Drawn on stderr only when it is a terminal,
 * at most about 6 times a second; cleared when training ends. (Ctrl-C
 * stops training through the cancellation token: cli_interrupt_catch.) */
typedef struct cli_progress {
    bool draw;            /* the bar is shown */
    bool drawn;           /* something is on the line now */
    double start;         /* seconds, monotonic clock */
    double last;          /* when last drawn */
} cli_progress;

void cli_progress_init(cli_progress *p, bool enabled);
int cli_progress_cb(const som_progress *progress, void *ctx);
/* Erases the bar. */
void cli_progress_end(cli_progress *p);

/* Catches SIGINT and SIGTERM for the rest of the process (main calls it
 * before every command but serve): the first one sets the libsom
 * cancellation token bound to the main thread, so that the running call
 * returns SOM_ECANCELED at its next poll; a second one removes the
 * temporary files of outputs being written and ends the program. */
void cli_interrupt_catch(void);
bool cli_interrupted(void);
/* For the message of an interrupted command (cli_fail and cli_error print
 * it instead of theirs once a signal came): the command's name, each
 * output file it writes ("-": standard output), and a checkpoint that
 * --resume would continue from. The strings must outlive the command. */
void cli_set_command(const char *name);
void cli_output(const char *path);
void cli_output_resume(const char *checkpoint);

/* Seconds on the monotonic clock. */
double cli_now(void);

/* ---- MPI (programs/mpi.c; only in builds with SOM_HAVE_MPI) ------------ */
#ifdef SOM_HAVE_MPI
/* True when a launcher (mpirun) started this process. */
bool cli_mpi_launched(void);
/* Starts MPI; ranks other than 0 then write their standard error to
 * /dev/null (cli_mpi_agree brings their failures to rank 0). */
int cli_mpi_init(int *rank, int *size);
void cli_mpi_finalize(void);
/* Every rank calls it at the same point with its status (CLI_OK or an exit
 * status) and, when it failed, its message (rank 0 prints its own as
 * usual). Returns the status of the lowest failing rank on every rank, and
 * rank 0 prints that rank's message: one message, one exit status. */
int cli_mpi_agree(int rc, const char *msg);
/* True when v is the same on every rank. */
bool cli_mpi_same(unsigned long long v);
/* Prints "som: rank R: message" on this rank's real stderr and ends every
 * rank (for failures that other ranks cannot learn of: they wait in a
 * message that will never come). */
void cli_mpi_abort(const char *fmt, ...) CLI_PRINTF(1, 2);
/* A som_shard of rows [first, ...) of n_total, joined by MPI messages. */
void cli_mpi_shard(som_shard *shard, size_t first, size_t n_total);
#endif

#endif /* SOM_CLI_H */
