/* SPDX-License-Identifier: MIT */
/* csv.c — reading data sets as CSV: cells, the reader's state, rows, plain
 * lines and libcsv's callbacks (io.h says how the reader's files
 * divide the work).
 *
 * libcsv splits the text into fields; these files decide what they mean.
 * The input is fed to libcsv one physical line at a time so that every
 * message can name the line, and the field number within the record is the
 * column.
 *
 * Reading goes through three phases. The first record is buffered until we
 * know whether it holds titles; the first data record is buffered until we
 * know which column, if any, holds labels (csv_layout.c); after that every
 * field is parsed straight into the growing sample array, with no
 * allocation per cell.
 *
 * Numbers are parsed in the C locale whatever setlocale says: a fast exact
 * path for short decimals and strtof_l with a "C" locale_t for the rest, so
 * every value is the correctly rounded float, as strtof would give. */
#include "io/io.h"

#include <csv.h>
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

void som__csv_trim(const char **s, size_t *len)
{
    const char *p = *s;
    size_t n = *len;
    while (n > 0 && som__csv_is_blank(*p)) p++, n--;
    while (n > 0 && som__csv_is_blank(p[n - 1])) n--;
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

/* What a cell holds; *v gets the number for SOM__CELL_NUMBER. `s` must have a
 * NUL at s[len] (libcsv appends one; so does the record buffer). */
som__csv_cell som__csv_parse_cell(locale_t loc, const char *s, size_t len, float *v)
{
    som__csv_trim(&s, &len);
    if (is_missing_marker(s, len)) return SOM__CELL_MISSING;
    if (parse_fast(s, len, v)) return SOM__CELL_NUMBER;
    char *end;
    errno = 0;
    float f = strtof_l(s, &end, loc);
    if (end != s + len || end == s) return SOM__CELL_TEXT;
    /* "nan(...)" spellings are not among the missing markers. */
    if (isnan(f)) return SOM__CELL_TEXT;
    if (isinf(f)) return SOM__CELL_INF;
    *v = f;
    return SOM__CELL_NUMBER;
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

/* The poll of the line loops: stops the reader with SOM_ECANCELED. */
bool som__csv_cancelled(som__csv_reader *r, size_t line)
{
    if ((line & 1023) != 0 || !som__cancel_hit(r->cancel)) return false;
    if (r->rc == SOM_OK) r->rc = som__error(r->err, SOM_ECANCELED, "interrupted");
    return true;
}

/* Records the first error with its place; later ones are ignored. */
int som__csv_fail_at(som__csv_reader *r, int code, size_t line, size_t column, const char *fmt, ...)
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

void som__csv_fail_oom(som__csv_reader *r)
{
    if (r->rc == SOM_OK) r->rc = som__error_oom(r->err);
}

static bool rb_push(som__csv_reader *r, const char *s, size_t len)
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

const char *som__csv_rb_field(const som__csv_reader *r, size_t k, size_t *len)
{
    size_t end = k + 1 < r->n_off ? r->off[k + 1] - 1 : r->rb_len - 1;
    *len = end - r->off[k];
    return r->rb + r->off[k];
}

void som__csv_rb_clear(som__csv_reader *r)
{
    r->rb_len = 0;
    r->n_off = 0;
}

/* ---- growth ---------------------------------------------------------------- */

static bool grow_rows(som__csv_reader *r)
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
    if (r->label_col != SOM__CSV_NO_COLUMN) {
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
bool som__csv_ensure_mask(som__csv_reader *r)
{
    if (r->mask) return true;
    r->mask = som__malloc(r->cap * r->dim);
    if (!r->mask) return false;
    memset(r->mask, 1, r->cap * r->dim);
    return true;
}

/* ---- rows ------------------------------------------------------------------ */

static const char *title_of(const som__csv_reader *r, size_t col)
{
    return r->titles && col < r->ncols ? r->titles[col] : "?";
}

static void text_in_number_column(som__csv_reader *r, size_t col, const char *s, size_t len)
{
    char shown[64];
    som__csv_trim(&s, &len);
    show_cell(shown, sizeof shown, s, len);
    if (r->label_col != SOM__CSV_NO_COLUMN)
        som__csv_fail_at(r, SOM_EFORMAT, r->rec_line, col + 1,
                "expected a number in column '%s', got %s (only one column may hold text, and the "
                "labels are read from column '%s': is '%s' the label column?)",
                title_of(r, col), shown, title_of(r, r->label_col), title_of(r, col));
    else
        som__csv_fail_at(r, SOM_EFORMAT, r->rec_line, col + 1,
                "expected a number in column '%s', got %s (does this column hold the rows' "
                "labels? it can be the label column)",
                title_of(r, col), shown);
}

/* Hands the rows read so far to the sink as a borrowed data set, then
 * empties the arrays for the next block. */
void som__csv_flush_block(som__csv_reader *r)
{
    if (!r->block_titles) {
        r->block_titles = som__calloc(r->dim, sizeof *r->block_titles);
        if (!r->block_titles) {
            som__csv_fail_oom(r);
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
    view.label_title = r->label_col != SOM__CSV_NO_COLUMN ? r->titles[r->label_col] : NULL;
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
void som__csv_take_field(som__csv_reader *r, const char *s, size_t len)
{
    size_t col = r->nf++;
    if (col >= r->ncols) return; /* counted; end_record reports it */
    if (col == 0 && r->sink && r->cap > 0 && r->n == r->cap) {
        som__csv_flush_block(r);
        if (r->rc != SOM_OK) return;
    }
    if (col == 0 && r->n == r->cap && !grow_rows(r)) {
        som__csv_fail_oom(r);
        return;
    }
    if (col == r->label_col) {
        const char *t = s;
        size_t tl = len;
        som__csv_trim(&t, &tl);
        char *label = som__malloc(tl + 1);
        if (!label) {
            som__csv_fail_oom(r);
            return;
        }
        memcpy(label, t, tl);
        label[tl] = '\0';
        r->labels[r->n] = label;
        return;
    }
    /* The numeric index skips the label column (SOM__CSV_NO_COLUMN is SIZE_MAX, so
     * without one k is col). */
    size_t k = col > r->label_col ? col - 1 : col;
    float v = 0.0f;
    switch (som__csv_parse_cell(r->loc, s, len, &v)) {
    case SOM__CELL_NUMBER:
        r->x[r->n * r->dim + k] = v;
        break;
    case SOM__CELL_MISSING:
        if (!som__csv_ensure_mask(r)) {
            som__csv_fail_oom(r);
            return;
        }
        r->x[r->n * r->dim + k] = 0.0f;
        r->mask[r->n * r->dim + k] = 0;
        r->row_missing++;
        break;
    case SOM__CELL_INF: {
        char shown[64];
        som__csv_trim(&s, &len);
        show_cell(shown, sizeof shown, s, len);
        som__csv_fail_at(r, SOM_EFORMAT, r->rec_line, col + 1,
                "expected a finite number in column '%s', got %s (infinite, or too large for a float)",
                title_of(r, col), shown);
        break;
    }
    case SOM__CELL_TEXT:
        text_in_number_column(r, col, s, len);
        break;
    }
}

void som__csv_end_record(som__csv_reader *r)
{
    if (r->nf != r->ncols) {
        size_t col = (r->nf < r->ncols ? r->nf : r->ncols) + 1;
        som__csv_fail_at(r, SOM_EFORMAT, r->rec_line, col, "expected %zu fields, got %zu",
                         r->ncols, r->nf);
        return;
    }
    if (r->row_missing == r->dim) {
        size_t first = r->label_col == 0 ? 2 : 1;
        som__csv_fail_at(r, SOM_EFORMAT, r->rec_line, first,
                "expected at least one value in the row, got none (every field is missing)");
        return;
    }
    r->lines[r->n] = r->rec_line;
    r->n_missing += r->row_missing;
    r->n++;
    r->nf = 0;
    r->row_missing = 0;
}

/* ---- plain lines ------------------------------------------------------------
 * Once the layout is known, a line without quotes and without a stray CR
 * cannot mean anything to libcsv but "split at the delimiter": its fields
 * are the text between delimiters, which take_field trims exactly as
 * libcsv trims unquoted fields (spaces and tabs; a tab that delimits never
 * reaches a field). Such lines skip libcsv's per-byte state machine and
 * callbacks and go straight to take_field and som__csv_end_record, so values, masks,
 * labels and messages are the same. Anything else — quotes, a CR inside the
 * line, a blank line (libcsv skips it), the last line without a newline, a
 * delimiter other than , ; or tab — is libcsv's. The delimiters allowed
 * here also guarantee that strtof_l, which reads until a character cannot
 * continue a number, stops at the field's end although the field is not
 * NUL-terminated in the input. */
bool som__csv_plain_line(som__csv_reader *r, const char *p, size_t n, char delim)
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
        som__csv_take_field(r, f, (size_t)(e - f));
        if (e == end || r->rc != SOM_OK) break;
        f = e + 1;
    }
    if (r->rc == SOM_OK) som__csv_end_record(r);
    return true;
}

/* ---- libcsv callbacks ------------------------------------------------------ */

void som__csv_on_field(void *s, size_t len, void *ctx)
{
    som__csv_reader *r = ctx;
    if (r->rc != SOM_OK) return;
    const char *text = s ? s : "";
    if (!s) len = 0;
    if (r->phase == 2) {
        som__csv_take_field(r, text, len);
    } else if (!rb_push(r, text, len)) {
        som__csv_fail_oom(r);
    }
}

void som__csv_on_record(int c, void *ctx)
{
    (void)c;
    som__csv_reader *r = ctx;
    if (r->rc != SOM_OK) return;
    if (r->phase == 2) {
        som__csv_end_record(r);
    } else if (r->phase == 0) {
        r->ncols = r->n_off;
        bool data = som__csv_first_record_is_data(r);
        if (!som__csv_set_titles(r, !data)) {
            som__csv_fail_oom(r);
            return;
        }
        if (data) {
            som__csv_start_rows(r);
        } else {
            r->title_line = r->rec_line;
            r->phase = 1;
            som__csv_rb_clear(r);
        }
    } else {
        som__csv_start_rows(r);
    }
}

/* ---- reading ----------------------------------------------------------------- */

int som__csv_space(unsigned char c) { return c == ' '; }

void som__csv_reader_free(som__csv_reader *r)
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

void som__csv_release_upto(som__csv_releaser *rel, const char *p)
{
    if (!rel->base) return;
    size_t upto = (size_t)(p - rel->base);
    if (upto - rel->done < SOM__CSV_RELEASE_STEP) return;
    long page = sysconf(_SC_PAGESIZE);
    if (page <= 0) return;
    upto -= upto % (size_t)page;
    madvise((void *)(uintptr_t)(rel->base + rel->done), upto - rel->done, MADV_DONTNEED);
    rel->done = upto;
}

/* Feeds the lines of [*pp, end) to plain_line or libcsv, counting them in
 * *line. With at_rows, stops at the first record boundary once the layout
 * is known (the place where parse_split may take over). */
void som__csv_parse_lines(som__csv_reader *r, struct csv_parser *parser, const char **pp,
                          const char *end, size_t *line, som__csv_releaser *rel, char delim,
                          bool at_rows)
{
    const bool plain_ok = delim == ',' || delim == ';' || delim == '\t';
    const char *p = *pp;
    while (p < end && r->rc == SOM_OK) {
        /* A record begins on this line unless libcsv is inside one (a
         * quoted field running over several lines); pstate 0 is libcsv's
         * "row not begun". */
        const bool boundary = r->nf == 0 && r->n_off == 0 && parser->pstate == 0;
        if (at_rows && boundary && r->phase == 2) break;
        if (som__csv_cancelled(r, *line)) break;
        ++*line;
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);
        if (boundary) {
            r->rec_line = *line;
            if (r->phase == 2 && plain_ok && som__csv_plain_line(r, p, n, delim)) {
                p += n;
                som__csv_release_upto(rel, p);
                continue;
            }
        }
        size_t done = csv_parse(parser, p, n, som__csv_on_field, som__csv_on_record, r);
        som__csv_release_upto(rel, p + done); /* libcsv keeps copies of what it needs */
        if (r->rc == SOM_OK && done != n) {
            if (csv_error(parser) == CSV_EPARSE) {
                size_t col = (r->phase == 2 ? r->nf : r->n_off) + 1;
                som__csv_fail_at(r, SOM_EFORMAT, *line, col,
                        "expected a field quoted as a whole, with quotes inside doubled (\"\"), "
                        "got a stray quote");
            } else {
                som__csv_fail_oom(r);
            }
        }
        p += n;
    }
    *pp = p;
}
