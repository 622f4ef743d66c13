/* SPDX-License-Identifier: MIT */
/* csv_layout.c — what the columns of a CSV are: the delimiter and the quoted
 * fields of the first line, whether the first record holds titles, the
 * titles, the label column; then, once every row is in, whether the first
 * column is row names, and the data set. */
#include "io/io.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the first records ---------------------------------------------------- */

static bool quoted_in_first(const som__csv_reader *r, size_t k)
{
    return k < r->n_first_quoted && r->first_quoted[k];
}

/* With header = SOM_AUTO the first record is data when every cell is a
 * number or missing (and at least one is a number). A quoted cell counts as
 * text: that is how som_data_write_csv keeps titles such as "1" titles. */
bool som__csv_first_record_is_data(som__csv_reader *r)
{
    if (r->header_opt == 0) return true;
    if (r->header_opt == 1) return false;
    bool any_number = false;
    for (size_t k = 0; k < r->n_off; k++) {
        size_t len;
        const char *s = som__csv_rb_field(r, k, &len);
        float v;
        if (quoted_in_first(r, k)) return false;
        som__csv_cell kind = som__csv_parse_cell(r->loc, s, len, &v);
        if (kind == SOM__CELL_TEXT) return false;
        if (kind != SOM__CELL_MISSING) any_number = true;
    }
    return any_number;
}

/* Titles from the first record: an empty title becomes the column number, a
 * repeated one gets ".N" (N the column number) so that titles name columns. */
bool som__csv_set_titles(som__csv_reader *r, bool from_record)
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
            s = som__csv_rb_field(r, k, &len);
            som__csv_trim(&s, &len);
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

static void unknown_label_column(som__csv_reader *r)
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
    som__csv_fail_at(r, SOM_EFORMAT, line, 1,
            "expected a column titled '%s' for the labels, got none; the columns are %s",
            r->label_opt, list);
}

/* Chooses the label column, from its title or from the first data record
 * (buffered in rb), then replays that record as the first row. */
void som__csv_start_rows(som__csv_reader *r)
{
    r->label_col = SOM__CSV_NO_COLUMN;
    if (r->label_opt && *r->label_opt) {
        for (size_t c = 0; c < r->ncols; c++)
            if (strcmp(r->titles[c], r->label_opt) == 0) {
                r->label_col = c;
                break;
            }
        if (r->label_col == SOM__CSV_NO_COLUMN) {
            unknown_label_column(r);
            return;
        }
    } else {
        size_t upto = r->n_off < r->ncols ? r->n_off : r->ncols;
        for (size_t c = 0; c < upto; c++) {
            size_t len;
            const char *s = som__csv_rb_field(r, c, &len);
            float v;
            if (som__csv_parse_cell(r->loc, s, len, &v) == SOM__CELL_TEXT) {
                r->label_col = c;
                break;
            }
        }
    }
    r->dim = r->ncols - (r->label_col != SOM__CSV_NO_COLUMN);
    if (r->dim == 0) {
        som__csv_fail_at(r, SOM_EFORMAT, r->rec_line, 1,
                "expected at least one numeric column, got none (the only column, '%s', holds labels)",
                r->titles[0]);
        return;
    }
    r->phase = 2;
    r->nf = 0;
    r->row_missing = 0;
    for (size_t k = 0; k < r->n_off && r->rc == SOM_OK; k++) {
        size_t len;
        const char *s = som__csv_rb_field(r, k, &len);
        som__csv_take_field(r, s, len);
    }
    if (r->rc == SOM_OK) som__csv_end_record(r);
    som__csv_rb_clear(r);
}

/* ---- the first line: delimiter and quoting --------------------------------- */

/* The delimiter is the most frequent of ',' ';' and tab outside quotes on
 * the first non-blank line (',' wins ties; ',' when none occurs). */
char som__csv_detect_delimiter(const char *p, size_t len)
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

char som_csv_delimiter(const char *buf, size_t len)
{
    return buf ? som__csv_detect_delimiter(buf, len) : ',';
}

/* Which fields of the first record start with a quote (libcsv does not say).
 * *flags is allocated; *n is the number of fields scanned. */
bool som__csv_scan_first_quoted(const char *p, size_t len, char delim, uint8_t **flags, size_t *n)
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
int som__csv_finish(som__csv_reader *r, som_data **out)
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
    if (r->label_col != SOM__CSV_NO_COLUMN) {
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
