/* SPDX-License-Identifier: MIT */
/* csv_reader.h — what the files of the CSV reader share: csv.c (cells, the
 * reader's state, rows, plain lines and libcsv's callbacks: the per-cell
 * and per-line path, kept in one file so that it inlines), csv_layout.c
 * (the first line and records: delimiter, titles, label column; row names
 * and the finished data set), csv_read.c (the whole read, split over two
 * threads for large inputs) and csv_write.c (the writer). Never installed. */
#ifndef SOM_CSV_READER_H
#define SOM_CSV_READER_H

#include "io/io.h"

#include <csv.h>
#include <locale.h>

typedef enum cell_kind {
    CELL_NUMBER,  /* a finite number */
    CELL_MISSING, /* empty, NA, NaN or ? */
    CELL_INF,     /* a number that is infinite or overflows a float */
    CELL_TEXT     /* anything else */
} cell_kind;

static inline bool som__csv_is_blank(char c) { return c == ' ' || c == '\t'; }

#define NO_COLUMN SIZE_MAX

typedef struct reader {
    const char *name;
    som_error *err;
    int rc;             /* first error; once set, callbacks do nothing */
    locale_t loc;       /* the "C" locale for strtof_l */
    int header_opt;
    const char *label_opt;
    int row_names_opt;  /* som_csv_opts.row_names */
    bool first_untitled; /* the titles row left column 1's title empty */
    const uint8_t *first_quoted; /* per field of the first record */
    size_t n_first_quoted;

    size_t rec_line;    /* line where the current record began */
    size_t title_line;  /* line of the titles, 0 when there are none */
    size_t last_line;   /* the last line of the input */
    int phase;          /* 0: first record, 1: first data record, 2: rows */

    /* Record buffer for phases 0 and 1: fields NUL-terminated one after the
     * other; off[k] is where field k starts. */
    char *rb;
    size_t rb_len, rb_cap;
    size_t *off;
    size_t n_off, cap_off;

    /* The layout, fixed once the first data record is seen. */
    size_t ncols;       /* fields per record, label column included */
    size_t dim;         /* numeric columns */
    size_t label_col;   /* NO_COLUMN when none */
    char **titles;      /* ncols titles, as they will be reported */

    /* The current record. */
    size_t nf;          /* fields seen so far */
    size_t row_missing; /* missing numeric values so far */

    /* The samples, growing by doubling. */
    float *x;           /* cap*dim, aligned */
    uint8_t *mask;      /* cap*dim, created at the first missing value */
    char **labels;      /* cap, when there is a label column */
    size_t *lines;      /* cap */
    size_t n, cap, n_missing;
    size_t est_rows;    /* lines in the input: at least the rows */

    /* Reading in blocks (som__csv_read_blocks): every `cap` rows go to the
     * sink and the arrays start over, so memory stays bounded. */
    int (*sink)(const som_data *block, void *ctx);
    void *sink_ctx;
    size_t block_missing; /* n_missing when the block began */
    char **block_titles;  /* dim titles, borrowed from titles */
    som_cancel *cancel;   /* polled every 1024 lines (both threads) */
} reader;

/* Pages of a read-only private file mapping that the reader has passed
 * are dropped from memory as it goes (they would otherwise count in the
 * process's RSS next to the samples, as large as the file); touching them
 * again reads them back from the page cache. */
typedef struct releaser {
    const char *base; /* page-aligned start of the mapping, or NULL: keep all */
    size_t done;      /* bytes from base already released */
} releaser;

#define RELEASE_STEP ((size_t)8 << 20)

/* ---- csv.c ---- */
/* Trims spaces and tabs at both ends. */
void som__csv_trim(const char **s, size_t *len);
/* What a cell holds; *v gets the number for CELL_NUMBER. */
cell_kind som__csv_parse_cell(locale_t loc, const char *s, size_t len, float *v);
/* The poll of the line loops: stops the reader with SOM_ECANCELED. */
bool som__csv_cancelled(reader *r, size_t line);
/* Records the first error with its place; later ones are ignored. */
int som__csv_fail_at(reader *r, int code, size_t line, size_t column, const char *fmt, ...)
    SOM_PRINTF(5, 6);
void som__csv_fail_oom(reader *r);
/* Field k of the buffered record, and emptying the buffer. */
const char *som__csv_rb_field(const reader *r, size_t k, size_t *len);
void som__csv_rb_clear(reader *r);
bool som__csv_ensure_mask(reader *r);
void som__csv_flush_block(reader *r);
/* One field of a data record, straight into the samples; the record's end. */
void som__csv_take_field(reader *r, const char *s, size_t len);
void som__csv_end_record(reader *r);
/* A line without quotes, split at the delimiter (false: libcsv's). */
bool som__csv_plain_line(reader *r, const char *p, size_t n, char delim);
/* libcsv's callbacks and its test for spaces when tab delimits. */
void som__csv_on_field(void *s, size_t len, void *ctx);
void som__csv_on_record(int c, void *ctx);
int som__csv_space(unsigned char c);
void som__csv_reader_free(reader *r);
void som__csv_release_upto(releaser *rel, const char *p);
/* Feeds the lines of [*pp, end) to plain_line or libcsv (see csv.c). */
void som__csv_parse_lines(reader *r, struct csv_parser *parser, const char **pp,
                          const char *end, size_t *line, releaser *rel, char delim,
                          bool at_rows);

/* ---- csv_layout.c ---- */
bool som__csv_first_record_is_data(reader *r);
bool som__csv_set_titles(reader *r, bool from_record);
void som__csv_start_rows(reader *r);
char som__csv_detect_delimiter(const char *p, size_t len);
bool som__csv_scan_first_quoted(const char *p, size_t len, char delim, uint8_t **flags,
                                size_t *n);
/* The data set from the reader's arrays (row names told here). */
int som__csv_finish(reader *r, som_data **out);

#endif /* SOM_CSV_READER_H */
