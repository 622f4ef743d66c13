/* SPDX-License-Identifier: MIT */
/* csv.c — reading and writing data sets as CSV.
 *
 * libcsv splits the text into fields; this file decides what they mean. The
 * input is fed to libcsv one physical line at a time so that every message
 * can name the line, and the field number within the record is the column.
 *
 * Reading goes through three phases. The first record is buffered until we
 * know whether it holds titles; the first data record is buffered until we
 * know which column, if any, holds labels; after that every field is parsed
 * straight into the growing sample array, with no allocation per cell.
 *
 * Numbers are parsed in the C locale whatever setlocale says: a fast exact
 * path for short decimals and strtof_l with a "C" locale_t for the rest, so
 * every value is the correctly rounded float, as strtof would give. */
#include "io/io.h"

#include <csv.h>
#include <errno.h>
#include <float.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <unistd.h>

void som_csv_opts_init(som_csv_opts *opts)
{
    if (!opts) return;
    opts->delimiter = 0;
    opts->header = SOM_AUTO;
    opts->label_column = NULL;
    opts->row_names = SOM_AUTO;
}

/* ---- cells ----------------------------------------------------------------- */

typedef enum cell_kind {
    CELL_NUMBER,  /* a finite number */
    CELL_MISSING, /* empty, NA, NaN or ? */
    CELL_INF,     /* a number that is infinite or overflows a float */
    CELL_TEXT     /* anything else */
} cell_kind;

static bool is_blank(char c) { return c == ' ' || c == '\t'; }

static void trim(const char **s, size_t *len)
{
    const char *p = *s;
    size_t n = *len;
    while (n > 0 && is_blank(*p)) p++, n--;
    while (n > 0 && is_blank(p[n - 1])) n--;
    *s = p;
    *len = n;
}

/* Called for every cell, so it tests the first letter before anything
 * else. */
static bool is_missing_marker(const char *s, size_t len)
{
    if (len == 0) return true;
    if (len > 3) return false;
    if (len == 1) return s[0] == '?';
    if ((s[0] | 0x20) != 'n' || (s[1] | 0x20) != 'a') return false;
    return len == 2 || (s[2] | 0x20) == 'n';
}

/* Powers of ten that a double holds exactly (5^22 < 2^53). */
static const double exact_pow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                     1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                     1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* The common case, [+-]digits[.digits][e[+-]digits], without strtof, and
 * the same float strtof returns.
 *
 * When the digits form an integer m < 2^53 and the decimal exponent e has
 * |e| <= 22, m and 10^|e| are exact doubles, so one IEEE multiply or divide
 * gives d, the correctly rounded double of the true value v (Clinger's fast
 * path). Narrowing d to float rounds a second time, which can differ from
 * rounding v once — but only across a rounding boundary of float: the
 * midpoints between adjacent floats (and the overflow threshold). Those are
 * themselves doubles (25 significant bits), and rounding to double is
 * monotonic, so v and d lie on the same side of every boundary unless d IS
 * one. So: when d is a float midpoint (its 29 bits below float precision
 * are 1000...0) or lies outside the normal float range, strtof_l decides;
 * otherwise (float)d is the correctly rounded float of v. This covers the
 * shortest round-trip form of every float between about 1e-13 and 1e22
 * (at most 9 significant digits). Returns false when the text is outside
 * that case. */
static bool parse_fast(const char *s, size_t len, float *out)
{
#if FLT_EVAL_METHOD != 0
    /* Extended intermediate precision (x87) would round three times. */
    (void)s, (void)len, (void)out;
    return false;
#else
    size_t i = 0;
    bool neg = false;
    if (i < len && (s[i] == '-' || s[i] == '+')) neg = s[i++] == '-';
    /* m stays below 2^53: 900719925474099 * 10 + 9 < 2^53. */
    const uint64_t m_limit = 900719925474099u;
    uint64_t m = 0;
    size_t digits = 0;
    long exp10 = 0;
    for (; i < len && s[i] >= '0' && s[i] <= '9'; i++, digits++) {
        if (m >= m_limit) return false;
        m = m * 10 + (uint64_t)(s[i] - '0');
    }
    if (i < len && s[i] == '.') {
        for (i++; i < len && s[i] >= '0' && s[i] <= '9'; i++, digits++) {
            if (m >= m_limit) return false;
            m = m * 10 + (uint64_t)(s[i] - '0');
            exp10--;
        }
    }
    if (digits == 0) return false;
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        bool eneg = false;
        if (i < len && (s[i] == '-' || s[i] == '+')) eneg = s[i++] == '-';
        if (i == len || s[i] < '0' || s[i] > '9') return false;
        long e = 0;
        for (; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
            e = e * 10 + (s[i] - '0');
            if (e > 1000) return false;
        }
        exp10 += eneg ? -e : e;
    }
    if (i != len) return false;
    float v = 0.0f;
    if (m != 0) {
        if (exp10 < -22 || exp10 > 22) return false;
        double d = (double)m;
        if (exp10 < 0)
            d = d / exact_pow10[-exp10];
        else
            d = d * exact_pow10[exp10];
        if (!(d >= (double)FLT_MIN && d <= (double)FLT_MAX)) return false;
        uint64_t bits;
        memcpy(&bits, &d, sizeof bits);
        if ((bits & 0x1fffffffu) == 0x10000000u) return false;
        v = (float)d;
    }
    *out = neg ? -v : v;
    return true;
#endif
}

/* What a cell holds; *v gets the number for CELL_NUMBER. `s` must have a
 * NUL at s[len] (libcsv appends one; so does the record buffer). */
static cell_kind parse_cell(locale_t loc, const char *s, size_t len, float *v)
{
    trim(&s, &len);
    if (is_missing_marker(s, len)) return CELL_MISSING;
    if (parse_fast(s, len, v)) return CELL_NUMBER;
    char *end;
    errno = 0;
    float f = strtof_l(s, &end, loc);
    if (end != s + len || end == s) return CELL_TEXT;
    /* "nan(...)" spellings are not among the missing markers. */
    if (isnan(f)) return CELL_TEXT;
    if (isinf(f)) return CELL_INF;
    *v = f;
    return CELL_NUMBER;
}

/* A cell for a message: quoted, cut short, control characters escaped. */
static void show_cell(char *out, size_t size, const char *s, size_t len)
{
    size_t k = 0;
    const size_t max_shown = 40;
    if (size < 8) {
        if (size) out[0] = '\0';
        return;
    }
    out[k++] = '\'';
    for (size_t i = 0; i < len && i < max_shown && k + 6 < size; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\n') out[k++] = '\\', out[k++] = 'n';
        else if (c == '\r') out[k++] = '\\', out[k++] = 'r';
        else if (c == '\t') out[k++] = '\\', out[k++] = 't';
        else if (c < 0x20) out[k++] = '?';
        else out[k++] = (char)c;
    }
    if (len > max_shown && k + 4 < size) out[k++] = '.', out[k++] = '.', out[k++] = '.';
    out[k++] = '\'';
    out[k] = '\0';
}

/* ---- reader state -------------------------------------------------------- */

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

/* The poll of the line loops: stops the reader with SOM_ECANCELED. */
static bool cancelled(reader *r, size_t line)
{
    if ((line & 1023) != 0 || !som__cancel_hit(r->cancel)) return false;
    if (r->rc == SOM_OK) r->rc = som__error(r->err, SOM_ECANCELED, "interrupted");
    return true;
}

static int fail_at(reader *r, int code, size_t line, size_t column,
                   const char *fmt, ...) SOM_PRINTF(5, 6);

/* Records the first error with its place; later ones are ignored. */
static int fail_at(reader *r, int code, size_t line, size_t column, const char *fmt, ...)
{
    if (r->rc != SOM_OK) return r->rc;
    char msg[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    r->rc = som__error_at(r->err, code, r->name, line, column, "%s", msg);
    return r->rc;
}

static void fail_oom(reader *r)
{
    if (r->rc == SOM_OK) r->rc = som__error_oom(r->err);
}

static bool rb_push(reader *r, const char *s, size_t len)
{
    if (r->n_off == r->cap_off) {
        size_t cap = r->cap_off ? r->cap_off * 2 : 16;
        size_t *off = som__realloc(r->off, cap * sizeof *off);
        if (!off) return false;
        r->off = off;
        r->cap_off = cap;
    }
    if (len + 1 > r->rb_cap - r->rb_len) {
        size_t cap = r->rb_cap ? r->rb_cap : 256;
        while (len + 1 > cap - r->rb_len) {
            if (cap > SIZE_MAX / 2) return false;
            cap *= 2;
        }
        char *rb = som__realloc(r->rb, cap);
        if (!rb) return false;
        r->rb = rb;
        r->rb_cap = cap;
    }
    r->off[r->n_off++] = r->rb_len;
    memcpy(r->rb + r->rb_len, s, len);
    r->rb[r->rb_len + len] = '\0';
    r->rb_len += len + 1;
    return true;
}

static const char *rb_field(const reader *r, size_t k, size_t *len)
{
    size_t end = k + 1 < r->n_off ? r->off[k + 1] - 1 : r->rb_len - 1;
    *len = end - r->off[k];
    return r->rb + r->off[k];
}

static void rb_clear(reader *r)
{
    r->rb_len = 0;
    r->n_off = 0;
}

/* ---- growth ---------------------------------------------------------------- */

static bool grow_rows(reader *r)
{
    /* The first allocation takes the number of lines in the input, which
     * bounds the number of rows, so a well-formed file never grows. */
    size_t cap = r->cap ? r->cap * 2 : r->est_rows;
    if (cap < r->cap) return false;
    size_t cells;
    if (!som__mul_ok(cap, r->dim, &cells) || cells > SIZE_MAX / sizeof(float)) return false;
    float *x = som__aligned_calloc(cells, sizeof(float));
    if (!x) return false;
    if (r->x) memcpy(x, r->x, r->n * r->dim * sizeof(float));
    if (r->mask) {
        uint8_t *mask = som__realloc(r->mask, cells);
        if (!mask) {
            som__aligned_free(x);
            return false;
        }
        memset(mask + r->cap * r->dim, 1, (cap - r->cap) * r->dim);
        r->mask = mask;
    }
    size_t *lines = som__realloc(r->lines, cap * sizeof *lines);
    if (!lines) {
        som__aligned_free(x);
        return false;
    }
    r->lines = lines;
    if (r->label_col != NO_COLUMN) {
        char **labels = som__realloc(r->labels, cap * sizeof *labels);
        if (!labels) {
            som__aligned_free(x);
            return false;
        }
        memset(labels + r->cap, 0, (cap - r->cap) * sizeof *labels);
        r->labels = labels;
    }
    som__aligned_free(r->x);
    r->x = x;
    r->cap = cap;
    return true;
}

/* The mask appears with the first missing value: complete data sets never
 * carry one. Every cell starts present; missing ones are cleared. */
static bool ensure_mask(reader *r)
{
    if (r->mask) return true;
    r->mask = som__malloc(r->cap * r->dim);
    if (!r->mask) return false;
    memset(r->mask, 1, r->cap * r->dim);
    return true;
}

/* ---- rows ------------------------------------------------------------------ */

static const char *title_of(const reader *r, size_t col)
{
    return r->titles && col < r->ncols ? r->titles[col] : "?";
}

static void text_in_number_column(reader *r, size_t col, const char *s, size_t len)
{
    char shown[64];
    trim(&s, &len);
    show_cell(shown, sizeof shown, s, len);
    if (r->label_col != NO_COLUMN)
        fail_at(r, SOM_EFORMAT, r->rec_line, col + 1,
                "expected a number in column '%s', got %s (only one column may hold text: the labels "
                "are read from column '%s'; choose the label column with --label-column)",
                title_of(r, col), shown, title_of(r, r->label_col));
    else
        fail_at(r, SOM_EFORMAT, r->rec_line, col + 1,
                "expected a number in column '%s', got %s (if this column holds row labels, "
                "name it with --label-column)",
                title_of(r, col), shown);
}

/* Hands the rows read so far to the sink as a borrowed data set, then
 * empties the arrays for the next block. */
static void flush_block(reader *r)
{
    if (!r->block_titles) {
        r->block_titles = som__calloc(r->dim, sizeof *r->block_titles);
        if (!r->block_titles) {
            fail_oom(r);
            return;
        }
        for (size_t c = 0, j = 0; c < r->ncols; c++)
            if (c != r->label_col) r->block_titles[j++] = r->titles[c];
    }
    som_data view;
    memset(&view, 0, sizeof view);
    view.n = r->n;
    view.dim = r->dim;
    view.x = r->x;
    view.mask = r->n_missing > r->block_missing ? r->mask : NULL;
    view.n_missing = r->n_missing - r->block_missing;
    view.titles = r->block_titles;
    view.labels = r->labels;
    view.label_title = r->label_col != NO_COLUMN ? r->titles[r->label_col] : NULL;
    view.lines = r->lines;
    int rc = r->sink(&view, r->sink_ctx);
    if (rc != SOM_OK && r->rc == SOM_OK) r->rc = rc;
    if (r->labels)
        for (size_t i = 0; i < r->n; i++) {
            som__free(r->labels[i]);
            r->labels[i] = NULL;
        }
    if (view.mask) memset(r->mask, 1, r->n * r->dim);
    r->block_missing = r->n_missing;
    r->n = 0;
}

/* One field of a data record, straight into the samples. */
static void take_field(reader *r, const char *s, size_t len)
{
    size_t col = r->nf++;
    if (col >= r->ncols) return; /* counted; end_record reports it */
    if (col == 0 && r->sink && r->cap > 0 && r->n == r->cap) {
        flush_block(r);
        if (r->rc != SOM_OK) return;
    }
    if (col == 0 && r->n == r->cap && !grow_rows(r)) {
        fail_oom(r);
        return;
    }
    if (col == r->label_col) {
        const char *t = s;
        size_t tl = len;
        trim(&t, &tl);
        char *label = som__malloc(tl + 1);
        if (!label) {
            fail_oom(r);
            return;
        }
        memcpy(label, t, tl);
        label[tl] = '\0';
        r->labels[r->n] = label;
        return;
    }
    /* The numeric index skips the label column (NO_COLUMN is SIZE_MAX, so
     * without one k is col). */
    size_t k = col > r->label_col ? col - 1 : col;
    float v = 0.0f;
    switch (parse_cell(r->loc, s, len, &v)) {
    case CELL_NUMBER:
        r->x[r->n * r->dim + k] = v;
        break;
    case CELL_MISSING:
        if (!ensure_mask(r)) {
            fail_oom(r);
            return;
        }
        r->x[r->n * r->dim + k] = 0.0f;
        r->mask[r->n * r->dim + k] = 0;
        r->row_missing++;
        break;
    case CELL_INF: {
        char shown[64];
        trim(&s, &len);
        show_cell(shown, sizeof shown, s, len);
        fail_at(r, SOM_EFORMAT, r->rec_line, col + 1,
                "expected a finite number in column '%s', got %s (infinite, or too large for a float)",
                title_of(r, col), shown);
        break;
    }
    case CELL_TEXT:
        text_in_number_column(r, col, s, len);
        break;
    }
}

static void end_record(reader *r)
{
    if (r->nf != r->ncols) {
        size_t col = (r->nf < r->ncols ? r->nf : r->ncols) + 1;
        fail_at(r, SOM_EFORMAT, r->rec_line, col, "expected %zu fields, got %zu", r->ncols, r->nf);
        return;
    }
    if (r->row_missing == r->dim) {
        size_t first = r->label_col == 0 ? 2 : 1;
        fail_at(r, SOM_EFORMAT, r->rec_line, first,
                "expected at least one value in the row, got none (every field is missing)");
        return;
    }
    r->lines[r->n] = r->rec_line;
    r->n_missing += r->row_missing;
    r->n++;
    r->nf = 0;
    r->row_missing = 0;
}

/* ---- the first records ---------------------------------------------------- */

static bool quoted_in_first(const reader *r, size_t k)
{
    return k < r->n_first_quoted && r->first_quoted[k];
}

/* With header = SOM_AUTO the first record is data when every cell is a
 * number or missing (and at least one is a number). A quoted cell counts as
 * text: that is how som_data_write_csv keeps titles such as "1" titles. */
static bool first_record_is_data(reader *r)
{
    if (r->header_opt == 0) return true;
    if (r->header_opt == 1) return false;
    bool any_number = false;
    for (size_t k = 0; k < r->n_off; k++) {
        size_t len;
        const char *s = rb_field(r, k, &len);
        float v;
        if (quoted_in_first(r, k)) return false;
        cell_kind kind = parse_cell(r->loc, s, len, &v);
        if (kind == CELL_TEXT) return false;
        if (kind != CELL_MISSING) any_number = true;
    }
    return any_number;
}

/* Titles from the first record: an empty title becomes the column number, a
 * repeated one gets ".N" (N the column number) so that titles name columns. */
static bool set_titles(reader *r, bool from_record)
{
    r->titles = som__calloc(r->ncols, sizeof *r->titles);
    if (!r->titles) return false;
    som_title_index seen; /* the titles so far: repeats in O(1), not O(k) */
    if (som__title_index_init(&seen, (const char *const *)r->titles, r->ncols, NULL) != SOM_OK)
        return false;
    bool ok = true;
    for (size_t k = 0; ok && k < r->ncols; k++) {
        const char *s = "";
        size_t len = 0;
        if (from_record) {
            s = rb_field(r, k, &len);
            trim(&s, &len);
        }
        char num[32];
        if (from_record && k == 0 && len == 0) r->first_untitled = true;
        if (len == 0) {
            snprintf(num, sizeof num, "%zu", k + 1);
            s = num;
            len = strlen(num);
        }
        bool dup = som__title_index_find(&seen, s, len) >= 0;
        size_t size = len + (dup ? 24 : 1);
        char *t = som__malloc(size);
        if (!t) {
            ok = false;
            break;
        }
        memcpy(t, s, len);
        t[len] = '\0';
        if (dup) snprintf(t + len, size - len, ".%zu", k + 1);
        r->titles[k] = t;
        som__title_index_add(&seen, k);
    }
    som__title_index_free(&seen);
    return ok;
}

static void unknown_label_column(reader *r)
{
    char list[400];
    size_t k = 0;
    list[0] = '\0';
    for (size_t c = 0; c < r->ncols && k + 8 < sizeof list; c++) {
        int w = snprintf(list + k, sizeof list - k, "%s'%s'", c ? ", " : "", r->titles[c]);
        if (w < 0) break;
        k += (size_t)w;
    }
    if (k >= sizeof list) memcpy(list + sizeof list - 5, "...", 4);
    size_t line = r->title_line ? r->title_line : r->rec_line;
    fail_at(r, SOM_EFORMAT, line, 1,
            "expected a column titled '%s' for the labels, got none; the columns are %s",
            r->label_opt, list);
}

/* Chooses the label column, from its title or from the first data record
 * (buffered in rb), then replays that record as the first row. */
static void start_rows(reader *r)
{
    r->label_col = NO_COLUMN;
    if (r->label_opt && *r->label_opt) {
        for (size_t c = 0; c < r->ncols; c++)
            if (strcmp(r->titles[c], r->label_opt) == 0) {
                r->label_col = c;
                break;
            }
        if (r->label_col == NO_COLUMN) {
            unknown_label_column(r);
            return;
        }
    } else {
        size_t upto = r->n_off < r->ncols ? r->n_off : r->ncols;
        for (size_t c = 0; c < upto; c++) {
            size_t len;
            const char *s = rb_field(r, c, &len);
            float v;
            if (parse_cell(r->loc, s, len, &v) == CELL_TEXT) {
                r->label_col = c;
                break;
            }
        }
    }
    r->dim = r->ncols - (r->label_col != NO_COLUMN);
    if (r->dim == 0) {
        fail_at(r, SOM_EFORMAT, r->rec_line, 1,
                "expected at least one numeric column, got none (the only column, '%s', holds labels)",
                r->titles[0]);
        return;
    }
    r->phase = 2;
    r->nf = 0;
    r->row_missing = 0;
    for (size_t k = 0; k < r->n_off && r->rc == SOM_OK; k++) {
        size_t len;
        const char *s = rb_field(r, k, &len);
        take_field(r, s, len);
    }
    if (r->rc == SOM_OK) end_record(r);
    rb_clear(r);
}

/* ---- plain lines ------------------------------------------------------------
 * Once the layout is known, a line without quotes and without a stray CR
 * cannot mean anything to libcsv but "split at the delimiter": its fields
 * are the text between delimiters, which take_field trims exactly as
 * libcsv trims unquoted fields (spaces and tabs; a tab that delimits never
 * reaches a field). Such lines skip libcsv's per-byte state machine and
 * callbacks and go straight to take_field and end_record, so values, masks,
 * labels and messages are the same. Anything else — quotes, a CR inside the
 * line, a blank line (libcsv skips it), the last line without a newline, a
 * delimiter other than , ; or tab — is libcsv's. The delimiters allowed
 * here also guarantee that strtof_l, which reads until a character cannot
 * continue a number, stops at the field's end although the field is not
 * NUL-terminated in the input. */
static bool plain_line(reader *r, const char *p, size_t n, char delim)
{
    if (n == 0 || p[n - 1] != '\n') return false;
    n--;
    if (n > 0 && p[n - 1] == '\r') n--;
    if (memchr(p, '"', n) || memchr(p, '\r', n)) return false;
    size_t k = 0;
    while (k < n && (p[k] == ' ' || (p[k] == '\t' && delim != '\t'))) k++;
    if (k == n) return false;
    const char *f = p, *end = p + n;
    for (;;) {
        const char *e = memchr(f, delim, (size_t)(end - f));
        if (!e) e = end;
        take_field(r, f, (size_t)(e - f));
        if (e == end || r->rc != SOM_OK) break;
        f = e + 1;
    }
    if (r->rc == SOM_OK) end_record(r);
    return true;
}

/* ---- libcsv callbacks ------------------------------------------------------ */

static void on_field(void *s, size_t len, void *ctx)
{
    reader *r = ctx;
    if (r->rc != SOM_OK) return;
    const char *text = s ? s : "";
    if (!s) len = 0;
    if (r->phase == 2) {
        take_field(r, text, len);
    } else if (!rb_push(r, text, len)) {
        fail_oom(r);
    }
}

static void on_record(int c, void *ctx)
{
    (void)c;
    reader *r = ctx;
    if (r->rc != SOM_OK) return;
    if (r->phase == 2) {
        end_record(r);
    } else if (r->phase == 0) {
        r->ncols = r->n_off;
        bool data = first_record_is_data(r);
        if (!set_titles(r, !data)) {
            fail_oom(r);
            return;
        }
        if (data) {
            start_rows(r);
        } else {
            r->title_line = r->rec_line;
            r->phase = 1;
            rb_clear(r);
        }
    } else {
        start_rows(r);
    }
}

/* ---- the first line: delimiter and quoting --------------------------------- */

/* The delimiter is the most frequent of ',' ';' and tab outside quotes on
 * the first non-blank line (',' wins ties; ',' when none occurs). */
static char detect_delimiter(const char *p, size_t len)
{
    size_t counts[3] = {0, 0, 0};
    bool quoted = false, content = false;
    for (size_t i = 0; i < len; i++) {
        char c = p[i];
        if (c == '"') quoted = !quoted;
        if (quoted) continue;
        if (c == '\n' || c == '\r') {
            if (content) break;
            continue; /* still in leading blank lines */
        }
        if (c != ' ') content = true;
        if (c == ',') counts[0]++;
        else if (c == ';') counts[1]++;
        else if (c == '\t') counts[2]++;
    }
    if (counts[1] > counts[0] && counts[1] >= counts[2]) return ';';
    if (counts[2] > counts[0] && counts[2] > counts[1]) return '\t';
    return ',';
}

/* Which fields of the first record start with a quote (libcsv does not say).
 * *flags is allocated; *n is the number of fields scanned. */
static bool scan_first_quoted(const char *p, size_t len, char delim, uint8_t **flags, size_t *n)
{
    size_t i = 0, cap = 16, k = 0;
    uint8_t *f = som__calloc(cap, 1);
    if (!f) return false;
    /* Skip blank lines, as libcsv does. */
    while (i < len && (p[i] == '\n' || p[i] == '\r' || p[i] == ' ' || (p[i] == '\t' && delim != '\t')))
        i++;
    bool at_start = true;
    while (i < len) {
        char c = p[i];
        if (at_start && (c == ' ' || (c == '\t' && delim != '\t'))) {
            i++;
            continue;
        }
        if (at_start && c == '"') {
            /* k can pass cap by more than one doubling: fields before this
             * one were unquoted and grew nothing. */
            while (k >= cap) {
                uint8_t *g = som__realloc(f, cap * 2);
                if (!g) {
                    som__free(f);
                    return false;
                }
                memset(g + cap, 0, cap);
                f = g;
                cap *= 2;
            }
            f[k] = 1;
            /* Skip to the closing quote; "" is an escaped quote. */
            for (i++; i < len; i++) {
                if (p[i] == '"') {
                    if (i + 1 < len && p[i + 1] == '"') i++;
                    else break;
                }
            }
            i++;
            at_start = false;
            continue;
        }
        at_start = false;
        if (c == delim) {
            k++;
            at_start = true;
        } else if (c == '\n' || c == '\r') {
            break;
        }
        i++;
    }
    *flags = f;
    *n = k + 1 < cap ? k + 1 : cap;
    return true;
}

/* ---- reading ----------------------------------------------------------------- */

static int csv_space(unsigned char c) { return c == ' '; }

static void reader_free(reader *r)
{
    som__free(r->rb);
    som__free(r->off);
    if (r->titles)
        for (size_t k = 0; k < r->ncols; k++) som__free(r->titles[k]);
    som__free(r->titles);
    if (r->labels)
        for (size_t i = 0; i <= r->n && i < r->cap; i++) som__free(r->labels[i]);
    som__free(r->labels);
    som__free(r->lines);
    som__aligned_free(r->x);
    som__free(r->mask);
    som__free(r->block_titles);
}

/* ---- row names -------------------------------------------------------------
 * R's write.csv writes the row names first under an empty title ("" then
 * "1", "2", ...), pandas' to_csv its index (0, 1, ...). Read as a field,
 * such a column would pull the map along the file's order. It can only be
 * told once every row is in (a column of 1..n looks like any other in its
 * first rows), so the rule runs on the finished data set. */

static int cmp_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

/* 1 when column 0 of a data set with another column left is row names:
 * every cell present, a whole number that a float holds exactly, no two
 * alike; every row has a value elsewhere. 0 when not, SOM_ENOMEM. */
static int is_row_names(const som_data *d)
{
    if (d->dim < 2 || d->n == 0) return 0;
    const float limit = 16777216.0f; /* 2^24: from there on, two texts (16777216,
                                        16777217) read as one float */
    bool consecutive = true;
    for (size_t i = 0; i < d->n; i++) {
        float v = d->x[i * d->dim];
        if (d->mask) {
            /* Present, and not the row's only present value: every row
             * keeps one once the column is gone. */
            const uint8_t *m = d->mask + i * d->dim;
            if (!m[0] || !memchr(m + 1, 1, d->dim - 1)) return 0;
        }
        if (!(v > -limit && v < limit) || v != floorf(v)) return 0;
        consecutive &= (double)v == (double)d->x[0] + (double)i;
    }
    if (consecutive) return 1; /* 1..n: the common case, no sorting */
    float *v = som__malloc(d->n * sizeof *v);
    if (!v) return SOM_ENOMEM;
    for (size_t i = 0; i < d->n; i++) v[i] = d->x[i * d->dim];
    qsort(v, d->n, sizeof *v, cmp_float);
    bool distinct = true;
    for (size_t i = 1; i < d->n && distinct; i++) distinct = v[i] != v[i - 1];
    som__free(v);
    return distinct;
}

/* Moves column 0 out of the values: into the labels when there are none,
 * else away. */
static int take_row_names(som_data *d)
{
    size_t n = d->n, dim = d->dim;
    char **labels = NULL;
    char *title = NULL;
    if (!d->labels) {
        labels = som__calloc(n, sizeof *labels);
        title = som__strdup("");
        if (!labels || !title) goto oom;
        for (size_t i = 0; i < n; i++) {
            char buf[32];
            snprintf(buf, sizeof buf, "%.0f", (double)d->x[i * dim]);
            if (!(labels[i] = som__strdup(buf))) goto oom;
        }
    }
    /* Row i moves left by i + 1 floats: front to back never overwrites a
     * row not yet moved. */
    for (size_t i = 0; i < n; i++)
        memmove(d->x + i * (dim - 1), d->x + i * dim + 1, (dim - 1) * sizeof *d->x);
    if (d->mask)
        for (size_t i = 0; i < n; i++)
            memmove(d->mask + i * (dim - 1), d->mask + i * dim + 1, dim - 1);
    som__free(d->titles[0]);
    memmove(d->titles, d->titles + 1, (dim - 1) * sizeof *d->titles);
    d->titles[dim - 1] = NULL;
    d->dim = dim - 1;
    if (labels) {
        d->labels = labels;
        d->label_title = title;
        d->row_names = SOM_ROW_NAMES_LABELS;
    } else {
        d->row_names = SOM_ROW_NAMES_DROPPED;
    }
    return SOM_OK;
oom:
    if (labels)
        for (size_t i = 0; i < n; i++) som__free(labels[i]);
    som__free(labels);
    som__free(title);
    return SOM_ENOMEM;
}

/* Moves the rows into a new som_data, trimming the spare capacity when it
 * is large. */
static int finish(reader *r, som_data **out)
{
    som_data *d = som__calloc(1, sizeof *d);
    if (!d) return som__error_oom(r->err);
    d->n = r->n;
    d->dim = r->dim;
    d->titles = som__calloc(r->dim, sizeof *d->titles);
    if (!d->titles) goto oom;
    for (size_t c = 0, j = 0; c < r->ncols; c++) {
        if (c == r->label_col) continue;
        d->titles[j++] = r->titles[c];
        r->titles[c] = NULL;
    }
    if (r->label_col != NO_COLUMN) {
        d->label_title = r->titles[r->label_col];
        r->titles[r->label_col] = NULL;
    }
    if (r->cap - r->n > r->n / 8) {
        float *x = som__aligned_calloc(r->n * r->dim, sizeof(float));
        if (!x) goto oom;
        memcpy(x, r->x, r->n * r->dim * sizeof(float));
        som__aligned_free(r->x);
        r->x = x;
        size_t *lines = som__realloc(r->lines, r->n * sizeof *lines);
        if (lines) r->lines = lines;
        if (r->labels) {
            char **labels = som__realloc(r->labels, r->n * sizeof *labels);
            if (labels) r->labels = labels;
        }
        r->cap = r->n;
    }
    d->x = r->x;
    r->x = NULL;
    d->lines = r->lines;
    r->lines = NULL;
    d->labels = r->labels;
    r->labels = NULL;
    d->n_missing = r->n_missing;
    if (r->n_missing > 0) {
        uint8_t *mask = som__realloc(r->mask, r->n * r->dim);
        d->mask = mask ? mask : r->mask;
        r->mask = NULL;
    }
    if (r->row_names_opt != 0 && r->first_untitled && r->label_col != 0) {
        int rn = is_row_names(d);
        if (rn < 0 || (rn == 1 && take_row_names(d) != SOM_OK)) goto oom;
    }
    *out = d;
    return SOM_OK;
oom:
    som_data_free(d);
    return som__error_oom(r->err);
}

/* Pages of a read-only private file mapping that the reader has passed
 * are dropped from memory as it goes (they would otherwise count in the
 * process's RSS next to the samples, as large as the file); touching them
 * again reads them back from the page cache. */
typedef struct releaser {
    const char *base; /* page-aligned start of the mapping, or NULL: keep all */
    size_t done;      /* bytes from base already released */
} releaser;

#define RELEASE_STEP ((size_t)8 << 20)

static void release_upto(releaser *rel, const char *p)
{
    if (!rel->base) return;
    size_t upto = (size_t)(p - rel->base);
    if (upto - rel->done < RELEASE_STEP) return;
    long page = sysconf(_SC_PAGESIZE);
    if (page <= 0) return;
    upto -= upto % (size_t)page;
    madvise((void *)(uintptr_t)(rel->base + rel->done), upto - rel->done, MADV_DONTNEED);
    rel->done = upto;
}

/* Feeds the lines of [*pp, end) to plain_line or libcsv, counting them in
 * *line. With at_rows, stops at the first record boundary once the layout
 * is known (the place where parse_split may take over). */
static void parse_lines(reader *r, struct csv_parser *parser, const char **pp, const char *end,
                        size_t *line, releaser *rel, char delim, bool at_rows)
{
    const bool plain_ok = delim == ',' || delim == ';' || delim == '\t';
    const char *p = *pp;
    while (p < end && r->rc == SOM_OK) {
        /* A record begins on this line unless libcsv is inside one (a
         * quoted field running over several lines); pstate 0 is libcsv's
         * "row not begun". */
        const bool boundary = r->nf == 0 && r->n_off == 0 && parser->pstate == 0;
        if (at_rows && boundary && r->phase == 2) break;
        if (cancelled(r, *line)) break;
        ++*line;
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);
        if (boundary) {
            r->rec_line = *line;
            if (r->phase == 2 && plain_ok && plain_line(r, p, n, delim)) {
                p += n;
                release_upto(rel, p);
                continue;
            }
        }
        size_t done = csv_parse(parser, p, n, on_field, on_record, r);
        release_upto(rel, p + done); /* libcsv keeps copies of what it needs */
        if (r->rc == SOM_OK && done != n) {
            if (csv_error(parser) == CSV_EPARSE) {
                size_t col = (r->phase == 2 ? r->nf : r->n_off) + 1;
                fail_at(r, SOM_EFORMAT, *line, col,
                        "expected a field quoted as a whole, with quotes inside doubled (\"\"), "
                        "got a stray quote");
            } else {
                fail_oom(r);
            }
        }
        p += n;
    }
    *pp = p;
}

/* ---- two threads for large inputs --------------------------------------------
 * Parsing is a third of `som train` on a large CSV (bench/ case A) and one
 * core would idle. Once the layout is known, the rest of the input is cut
 * at the line end nearest its middle: this thread goes on through the
 * first half as before, and a second reader takes the second half's plain
 * lines (plain_line: the same values, masks, labels and messages), writing
 * its rows straight into the same arrays at the row where they will land
 * if every line of the first half is one row — which it is unless the
 * first half holds blank lines or records over several lines; the rows are
 * then moved down. The second reader stops at its first line that is not
 * plain (quotes, a stray CR, the last line without a newline), and this
 * thread carries on from there. Its work is dropped if the first half
 * ends inside a record (a quoted field running over the cut) or with an
 * error, which then is the first error of the input; otherwise its error,
 * if any, is. The arrays never grow meanwhile: they hold a row per line of
 * the input, and the first half cannot make more rows than lines unless a
 * lone CR ends records inside a line — such input is not split. */
size_t som__csv_split_min = (size_t)4 << 20;

static const char *parse_plain(reader *r, const char *p, const char *end, size_t *line,
                               releaser *rel, char delim)
{
    while (p < end && r->rc == SOM_OK && r->n < r->cap) {
        if (cancelled(r, *line)) break;
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);
        r->rec_line = *line + 1;
        if (!plain_line(r, p, n, delim)) break;
        ++*line;
        p += n;
        release_upto(rel, p);
    }
    return p;
}

/* Where parse_split may cut, found by the pass that counts the lines
 * before parsing (so the input is not read once more): the line end
 * nearest the middle, the line ends before the cut, and whether a lone CR
 * (not followed by LF: an end of record inside a line) comes before it. */
typedef struct split_plan {
    const char *mid; /* just after a LF; NULL: no cut */
    size_t lf;       /* LFs before mid */
    bool lone_cr;
} split_plan;

static void parse_split(reader *r, struct csv_parser *parser, const char **pp, const char *end,
                        size_t *line, releaser *rel, char delim, const split_plan *plan)
{
    const char *p = *pp, *mid = plan->mid;
    /* *line lines, each ended by a LF, lie before p. */
    if (!mid || plan->lone_cr || mid <= p || mid >= end || plan->lf < *line) return;
    const size_t lf = plan->lf - *line;
    const size_t off = r->n + lf, dim = r->dim;
    if (off >= r->cap) return;

    som_error e2;
    memset(&e2, 0, sizeof e2);
    reader r2 = *r; /* the layout, titles and locale, shared read-only */
    r2.err = &e2;
    r2.rc = SOM_OK;
    r2.x = r->x + off * dim;
    r2.lines = r->lines + off;
    r2.labels = r->labels ? r->labels + off : NULL;
    r2.cap = r->cap - off;
    r2.n = r2.n_missing = r2.nf = r2.row_missing = 0;
    r2.mask = NULL;
    size_t line2 = *line + lf;
    releaser rel2 = *rel;
    if (rel2.base) {
        long page = sysconf(_SC_PAGESIZE);
        size_t at = (size_t)(mid - rel2.base);
        rel2.done = page > 0 ? at - at % (size_t)page : rel->done;
    }
    const char *stop = mid;
#pragma omp parallel sections num_threads(2)
    {
#pragma omp section
        parse_lines(r, parser, &p, mid, line, rel, delim, false);
#pragma omp section
        stop = parse_plain(&r2, mid, end, &line2, &rel2, delim);
    }
    const bool clean = r->rc == SOM_OK && r->nf == 0 && r->n_off == 0 && parser->pstate == 0;
    if (!clean || r2.rc != SOM_OK) {
        /* The second half's labels (and the one of a row it failed in). */
        for (size_t i = 0; r2.labels && i <= r2.n && i < r2.cap; i++) {
            som__free(r2.labels[i]);
            r2.labels[i] = NULL;
        }
        som__free(r2.mask);
        if (clean) { /* the second half's error is the input's first */
            if (r->err) *r->err = e2;
            r->rc = r2.rc;
        }
        *pp = p;
        return;
    }
    if (r->n != off && r2.n > 0) {
        memmove(r->x + r->n * dim, r2.x, r2.n * dim * sizeof *r->x);
        memmove(r->lines + r->n, r2.lines, r2.n * sizeof *r->lines);
        if (r->labels) {
            memmove(r->labels + r->n, r2.labels, r2.n * sizeof *r->labels);
            for (size_t i = r->n + r2.n; i < off + r2.n; i++) r->labels[i] = NULL;
        }
    }
    if (r2.n_missing > 0) {
        if (!ensure_mask(r)) {
            som__free(r2.mask);
            fail_oom(r);
            return;
        }
        memcpy(r->mask + r->n * dim, r2.mask, r2.n * dim);
    }
    som__free(r2.mask);
    r->n += r2.n;
    r->n_missing += r2.n_missing;
    *line = line2;
    if (rel2.done > rel->done) rel->done = rel2.done;
    *pp = stop;
}

/* out: the whole data set; or, with sink, blocks of block_rows rows to it
 * (out NULL). */
static int read_csv(const char *buf, size_t len, const char *name, const som_csv_opts *opts,
                    bool mapped, som_data **out, size_t block_rows,
                    int (*sink)(const som_data *, void *), void *sink_ctx, som_error *err)
{
    if (!out && !sink) return som__error(err, SOM_EINVAL, "som_data_read_csv_mem: out is NULL");
    if (out) *out = NULL;
    if (!buf && len > 0) return som__error(err, SOM_EINVAL, "som_data_read_csv_mem: buffer is NULL");
    if (!name) name = "<memory>";
    som_csv_opts defaults;
    som_csv_opts_init(&defaults);
    if (!opts) opts = &defaults;
    if (opts->header != 0 && opts->header != 1 && opts->header != SOM_AUTO)
        return som__error(err, SOM_EINVAL, "header must be 0, 1 or SOM_AUTO (got %d)", opts->header);
    char delim = opts->delimiter;
    if (delim == '"' || delim == '\n' || delim == '\r')
        return som__error(err, SOM_EINVAL, "a quote or a line end cannot be the delimiter");

    releaser rel = {mapped ? buf : NULL, 0};
    /* A UTF-8 byte-order mark is not part of the first title. */
    if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0) buf += 3, len -= 3;
    if (!delim) delim = detect_delimiter(buf, len);

    reader r;
    memset(&r, 0, sizeof r);
    r.name = name;
    r.err = err;
    r.header_opt = opts->header;
    r.label_opt = opts->label_column;
    r.row_names_opt = opts->row_names;
    r.label_col = NO_COLUMN;
    r.sink = sink;
    r.sink_ctx = sink_ctx;
    r.cancel = som__cancel_token();
    r.loc = newlocale(LC_ALL_MASK, "C", (locale_t)0);
    if (r.loc == (locale_t)0) return som__error_oom(err);

    uint8_t *quoted = NULL;
    if (!scan_first_quoted(buf, len, delim, &quoted, &r.n_first_quoted)) {
        freelocale(r.loc);
        return som__error_oom(err);
    }
    r.first_quoted = quoted;

    struct csv_parser parser;
    if (csv_init(&parser, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) != 0) {
        som__free(quoted);
        freelocale(r.loc);
        return som__error_oom(err);
    }
    csv_set_realloc_func(&parser, som__realloc);
    csv_set_free_func(&parser, som__free);
    csv_set_delim(&parser, (unsigned char)delim);
    /* libcsv's built-in tests (spaces and tabs trimmed around unquoted
     * fields, CR and LF end records) are what we want and avoid a call per
     * byte; only a tab that delimits must not be trimmed away. */
    if (delim == '\t') csv_set_space_func(&parser, csv_space);

    const char *p = buf, *end = buf + len;
    r.est_rows = 1;
    split_plan plan = {NULL, 0, false};
    if (sink) {
        r.est_rows = block_rows ? block_rows : 1;
    } else {
        const char *half = p + len / 2, *from = p;
        for (const char *q = p; q < end && (q = memchr(q, '\n', (size_t)(end - q))) != NULL; q++) {
            if (!plan.mid) {
                const char *cr = memchr(from, '\r', (size_t)(q - from));
                if (cr && cr + 1 != q) plan.lone_cr = true;
                if (q >= half) {
                    plan.mid = q + 1;
                    plan.lf = r.est_rows;
                }
                from = q + 1;
            }
            r.est_rows++;
            release_upto(&rel, q);
            if (cancelled(&r, r.est_rows)) break;
        }
        rel.done = 0;
    }
    size_t line = 0;
    /* A large remainder is split in two once the layout is known (see
     * parse_split); som__threads(0) follows OMP_NUM_THREADS. */
    const bool may_split =
        !sink && som__threads(0) >= 2 && (size_t)(end - p) >= som__csv_split_min;
    parse_lines(&r, &parser, &p, end, &line, &rel, delim, may_split);
    if (may_split && p < end && r.rc == SOM_OK)
        parse_split(&r, &parser, &p, end, &line, &rel, delim, &plan);
    parse_lines(&r, &parser, &p, end, &line, &rel, delim, false);
    r.last_line = line;
    if (r.rc == SOM_OK && csv_fini(&parser, on_field, on_record, &r) != 0 && r.rc == SOM_OK) {
        if (csv_error(&parser) == CSV_EPARSE)
            fail_at(&r, SOM_EFORMAT, r.rec_line, (r.phase == 2 ? r.nf : r.n_off) + 1,
                    "expected a closing quote, got the end of the file");
        else
            fail_oom(&r);
    }
    csv_free(&parser);
    som__free(quoted);
    r.first_quoted = NULL;

    if (r.rc == SOM_OK && r.phase == 0)
        fail_at(&r, SOM_EEMPTY, 1, 1, "expected column titles and data rows, got an empty file");
    if (r.rc == SOM_OK && r.phase == 1)
        fail_at(&r, SOM_EEMPTY, r.last_line + 1, 1,
                "expected a data row after the titles on line %zu, got the end of the file",
                r.title_line);
    if (r.rc == SOM_OK && sink && r.n > 0) flush_block(&r);
    int rc = r.rc;
    if (rc == SOM_OK && !sink) rc = finish(&r, out);
    reader_free(&r);
    freelocale(r.loc);
    return rc;
}

int som_data_read_csv_mem(const char *buf, size_t len, const char *name,
                          const som_csv_opts *opts, som_data **out, som_error *err)
{
    return read_csv(buf, len, name, opts, false, out, 0, NULL, NULL, err);
}

int som__data_read_csv_mapped(const char *buf, size_t len, const char *name,
                              const som_csv_opts *opts, som_data **out, som_error *err)
{
    return read_csv(buf, len, name, opts, true, out, 0, NULL, NULL, err);
}

int som__csv_read_blocks(const char *buf, size_t len, const char *name,
                         const som_csv_opts *opts, bool mapped, size_t block_rows,
                         int (*sink)(const som_data *block, void *ctx), void *ctx,
                         som_error *err)
{
    if (!sink || block_rows == 0)
        return som__error(err, SOM_EINVAL, "som__csv_read_blocks: no sink or no rows per block");
    return read_csv(buf, len, name, opts, mapped, NULL, block_rows, sink, ctx, err);
}

/* ---- writing ---------------------------------------------------------------- */

/* A field is quoted when it holds a delimiter, quote or line end, has outer
 * spaces, starts with a UTF-8 byte-order mark (first in the file, the
 * reader would drop it as the file's own), or — for titles — would read
 * back as a number or a missing value (a quoted first-row cell is always a
 * title). */
static void write_field(FILE *f, const char *s, bool as_title, locale_t loc)
{
    size_t len = strlen(s);
    bool quote = len > 0 && (is_blank(s[0]) || is_blank(s[len - 1]));
    quote = quote || (len >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0);
    for (size_t i = 0; i < len && !quote; i++) {
        char c = s[i];
        quote = c == ',' || c == ';' || c == '\t' || c == '"' || c == '\n' || c == '\r';
    }
    if (!quote && as_title) {
        float v;
        quote = parse_cell(loc, s, len, &v) != CELL_TEXT;
    }
    if (!quote) {
        fputs(s, f);
        return;
    }
    putc('"', f);
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '"') putc('"', f);
        putc(s[i], f);
    }
    putc('"', f);
}

/* The shortest %g form that reads back as the same float: 5.1 rather than
 * %.9g's 5.0999999, which also round-trips but reads worse. Nine digits
 * always suffice for a float. Runs under the C locale set by the caller. */
static void write_float(FILE *f, float v)
{
    char buf[32];
    for (int prec = 6; prec < 9; prec++) {
        snprintf(buf, sizeof buf, "%.*g", prec, (double)v);
        if (strtof(buf, NULL) == v) {
            fputs(buf, f);
            return;
        }
    }
    fprintf(f, "%.9g", (double)v);
}

int som_data_write_csv(const som_data *data, const char *path, som_error *err)
{
    if (!data || !path) return som__error(err, SOM_EINVAL, "som_data_write_csv: NULL argument");
    locale_t loc = newlocale(LC_ALL_MASK, "C", (locale_t)0);
    if (loc == (locale_t)0) return som__error_oom(err);
    som_outfile *of;
    int rc = som_outfile_open(path, &of, err);
    if (rc != SOM_OK) {
        freelocale(loc);
        return rc;
    }
    FILE *f = som_outfile_stream(of);
    /* printf follows LC_NUMERIC; switch this thread to "C" so a decimal
     * comma never reaches the file. */
    locale_t old = uselocale(loc);
    const char *label_title = som_data_label_title(data);
    if (label_title) {
        write_field(f, label_title, true, loc);
        putc(',', f);
    }
    for (size_t j = 0; j < data->dim; j++) {
        if (j) putc(',', f);
        write_field(f, data->titles[j], true, loc);
    }
    putc('\n', f);
    /* A cancellation ends the loop; the commit then removes the file. */
    som_cancel *cancel = som__cancel_token();
    for (size_t i = 0; i < data->n && !((i & 1023) == 0 && som__cancel_hit(cancel)); i++) {
        if (label_title) {
            write_field(f, som_data_label(data, i), false, loc);
            putc(',', f);
        }
        const float *x = data->x + i * data->dim;
        const uint8_t *m = data->mask ? data->mask + i * data->dim : NULL;
        for (size_t j = 0; j < data->dim; j++) {
            if (j) putc(',', f);
            if (!m || m[j]) write_float(f, x[j]);
        }
        putc('\n', f);
    }
    uselocale(old);
    freelocale(loc);
    return som_outfile_commit(of, err); /* which reports a failed write */
}
