/* SPDX-License-Identifier: MIT */
/* esom.c — the files of Databionic ESOM, which Somoclu also writes:
 *   .lrn  data: header lines starting with '%' — the row count, the column
 *         count, the column types (9 key, 1 data, 0 ignore) and the column
 *         names — then one tab-separated row per line;
 *   .cls  classes: '%' header, then `key <tab> class` lines;
 *   .wts  weights: `% rows cols`, `% dim`, then one unit per line, row by
 *         row, each row left to right;
 *   .umx  U-matrix: `% rows cols`, then one line of cols heights per row;
 *   .bm   best matches: `% rows cols`, `% n`, then `key row col` lines.
 * '#' lines are comments everywhere. Grid positions are 0-based, row first,
 * as Somoclu writes them; keys are the .lrn keys (1-based row numbers when
 * the data has no integer labels). */
#include "io/io.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The next line that is not blank and not a '#' comment. */
static bool next_line(som__text *t, const char **s, size_t *len)
{
    while (som__text_next(t, s, len)) {
        size_t i = 0;
        while (i < *len && (( *s)[i] == ' ' || (*s)[i] == '\t')) i++;
        if (i == *len || (*s)[i] == '#') continue;
        return true;
    }
    return false;
}

static bool is_header(const char *s, size_t len)
{
    size_t i = 0;
    while (i < len && (s[i] == ' ' || s[i] == '\t')) i++;
    return i < len && s[i] == '%';
}

/* The whole numbers of a '%' header line into v[0..want); error otherwise. */
static int header_numbers(const som__text *t, const char *s, size_t len, size_t want,
                          size_t *v, const char *what, som_error *err)
{
    size_t pos = (size_t)((const char *)memchr(s, '%', len) - s) + 1;
    som__tok tok;
    for (size_t k = 0; k < want; k++) {
        if (!som__next_tok(s, len, &pos, false, &tok))
            return som__error_at(err, SOM_EFORMAT, t->name, t->line, len + 1,
                                 "header: expected %s", what);
        if (!som__parse_size(tok.s, tok.len, &v[k]))
            return som__error_at(err, SOM_EFORMAT, t->name, t->line, tok.col,
                                 "header: expected %s, got '%.*s'", what,
                                 (int)(tok.len > 40 ? 40 : tok.len), tok.s);
    }
    return SOM_OK;
}

static bool is_missing(const som__tok *tok)
{
    return tok->len == 0 || (tok->len == 3 && strncasecmp(tok->s, "nan", 3) == 0) ||
           (tok->len == 2 && strncasecmp(tok->s, "na", 2) == 0) ||
           (tok->len == 1 && tok->s[0] == '?');
}

static char *tok_dup(const som__tok *tok)
{
    char *s = som__malloc(tok->len + 1);
    if (s) {
        memcpy(s, tok->s, tok->len);
        s[tok->len] = '\0';
    }
    return s;
}

/* ---- .lrn ----------------------------------------------------------------------- */

int som__lrn_parse(const char *buf, size_t len, const char *name,
    const som_csv_opts *opts, som_data **out,
                          som_error *err)
{
    (void)opts;
    locale_t loc = newlocale(LC_ALL_MASK, "C", (locale_t)0);
    if (loc == (locale_t)0) return som__error_oom(err);
    som__text t;
    som__text_init(&t, buf ? buf : "", len, name);
    const char *s = NULL, *names = NULL;
    size_t slen = 0, names_len = 0, names_line = 0;
    size_t n_rows = 0, n_cols = 0, n = 0, dim = 0, key_col = SIZE_MAX;
    int *type = NULL;
    float *x = NULL;
    uint8_t *mask = NULL;
    char **labels = NULL;
    size_t *lines = NULL, cap_x = 0, cap_m = 0, cap_l = 0, cap_lines = 0, n_missing = 0;
    som_data *d = NULL;
    som__tok tok;
    int rc;
    bool have_line = false;
    /* Header: n, column count, types, names (the last is optional). */
    size_t h = 0;
    while ((have_line = next_line(&t, &s, &slen)) && is_header(s, slen)) {
        if (h == 0) {
            if ((rc = header_numbers(&t, s, slen, 1, &n_rows, "the number of rows", err)))
                goto done;
        } else if (h == 1) {
            if ((rc = header_numbers(&t, s, slen, 1, &n_cols, "the number of columns", err)))
                goto done;
            if (n_cols == 0 || n_cols > 10000000) {
                rc = som__error_at(err, SOM_EFORMAT, name, t.line, 0,
                                   "header: %zu columns", n_cols);
                goto done;
            }
            type = som__calloc(n_cols, sizeof *type);
            if (!type) goto oom;
        } else if (h == 2) {
            size_t pos = (size_t)((const char *)memchr(s, '%', slen) - s) + 1, k = 0;
            while (som__next_tok(s, slen, &pos, false, &tok)) {
                size_t v;
                if (k == n_cols || !som__parse_size(tok.s, tok.len, &v) || v > 9) {
                    rc = som__error_at(err, SOM_EFORMAT, name, t.line, tok.col,
                                       k == n_cols ? "header: more column types than the %zu "
                                                     "columns"
                                                   : "header: expected a column type (9 key, 1 "
                                                     "data, 0 ignore) for column %zu",
                                       k == n_cols ? n_cols : k + 1);
                    goto done;
                }
                if (v == 9) {
                    if (key_col != SIZE_MAX) {
                        rc = som__error_at(err, SOM_EFORMAT, name, t.line, tok.col,
                                           "header: a second key column (type 9)");
                        goto done;
                    }
                    key_col = k;
                }
                dim += v == 1;
                type[k++] = (int)v;
            }
            if (k != n_cols) {
                rc = som__error_at(err, SOM_EFORMAT, name, t.line, slen + 1,
                                   "header: %zu column types for %zu columns", k, n_cols);
                goto done;
            }
            if (dim == 0) {
                rc = som__error_at(err, SOM_EFORMAT, name, t.line, 0,
                                   "header: no data column (type 1)");
                goto done;
            }
        } else if (h == 3) {
            names = s;
            names_len = slen;
            names_line = t.line;
        }
        h++;
    }
    if (h < 3) {
        rc = som__error_at(err, SOM_EFORMAT, name, t.line, 0,
                           "expected the '%%' header lines of an ESOM .lrn file (rows, columns, "
                           "types), found %zu",
                           h);
        goto done;
    }
    for (; have_line; have_line = next_line(&t, &s, &slen)) {
        if (is_header(s, slen)) continue;
        if (!som__grow((void **)&x, &cap_x, (n + 1) * dim, sizeof *x) ||
            !som__grow((void **)&mask, &cap_m, (n + 1) * dim, 1) ||
            !som__grow((void **)&labels, &cap_l, n + 1, sizeof *labels) ||
            !som__grow((void **)&lines, &cap_lines, n + 1, sizeof *lines))
            goto oom;
        labels[n] = NULL;
        lines[n] = t.line;
        n++;
        bool tabs = memchr(s, '\t', slen) != NULL;
        size_t pos = 0, k = 0, j = 0, present = 0;
        while (som__next_tok(s, slen, &pos, tabs, &tok)) {
            if (k == n_cols) {
                if (tok.len == 0) break; /* a trailing tab */
                rc = som__error_at(err, SOM_EFORMAT, name, t.line, tok.col,
                                   "more than the %zu columns of the header", n_cols);
                goto done;
            }
            if (type[k] == 9) {
                if (!(labels[n - 1] = tok_dup(&tok))) goto oom;
            } else if (type[k] == 1) {
                float *v = &x[(n - 1) * dim + j];
                uint8_t *m = &mask[(n - 1) * dim + j];
                if (is_missing(&tok)) {
                    *v = 0.0f;
                    *m = 0;
                    n_missing++;
                } else if (som__parse_float(loc, tok.s, tok.len, v)) {
                    *m = 1;
                    present++;
                } else {
                    rc = som__error_at(err, SOM_EFORMAT, name, t.line, tok.col,
                                       "column %zu: expected a number, got '%.*s'", k + 1,
                                       (int)(tok.len > 40 ? 40 : tok.len), tok.s);
                    goto done;
                }
                j++;
            }
            k++;
        }
        if (k < n_cols) {
            rc = som__error_at(err, SOM_EFORMAT, name, t.line, slen + 1,
                               "expected %zu columns, got %zu", n_cols, k);
            goto done;
        }
        if (present == 0) {
            rc = som__error_at(err, SOM_EFORMAT, name, t.line, 1, "a row with no value at all");
            goto done;
        }
    }
    if (n == 0) {
        rc = som__error_at(err, SOM_EEMPTY, name, t.line, 0, "no data row after the header");
        goto done;
    }
    if (n != n_rows) {
        rc = som__error_at(err, SOM_EFORMAT, name, t.line, 0,
                           "the header announces %zu rows, the file has %zu", n_rows, n);
        goto done;
    }
    if ((rc = som__data_alloc(n, dim, &d, err))) goto done;
    memcpy(d->x, x, n * dim * sizeof *x);
    if (n_missing) {
        d->mask = mask;
        mask = NULL;
        d->n_missing = n_missing;
    }
    d->lines = lines;
    lines = NULL;
    if (names) {
        bool tabs = memchr(names, '\t', names_len) != NULL;
        size_t pos = (size_t)((const char *)memchr(names, '%', names_len) - names) + 1;
        size_t k = 0, j = 0, count = 0;
        som__tok probe;
        size_t p2 = pos;
        while (som__next_tok(names, names_len, &p2, tabs, &probe)) count++;
        /* With tabs, the text after '%' up to the first tab is a field too:
         * "% Key<tab>a" names two columns. */
        bool with_key = count == n_cols;
        if (count != n_cols && count != dim) {
            rc = som__error_at(err, SOM_EFORMAT, name, names_line, 1,
                               "header: %zu column names for %zu columns", count, n_cols);
            goto done;
        }
        while (som__next_tok(names, names_len, &pos, tabs, &tok)) {
            int ty = with_key ? type[k] : 1;
            if (ty == 9) {
                if (!(d->label_title = tok_dup(&tok))) goto oom;
            } else if (ty == 1 && tok.len > 0) {
                char *title = tok_dup(&tok);
                if (!title) goto oom;
                som__free(d->titles[j]);
                d->titles[j] = title;
            }
            j += ty == 1;
            k++;
        }
    }
    if (key_col != SIZE_MAX) {
        if (!d->label_title && !(d->label_title = som__strdup("Key"))) goto oom;
        d->labels = labels;
        labels = NULL;
    }
    *out = d;
    d = NULL;
    rc = SOM_OK;
    goto done;
oom:
    rc = som__error_oom(err);
done:
    som_data_free(d);
    if (labels)
        for (size_t i = 0; i < n; i++) som__free(labels[i]);
    som__free(labels);
    som__free(lines);
    som__free(x);
    som__free(mask);
    som__free(type);
    freelocale(loc);
    return rc;
}

/* A title or label without tabs and line ends, which would break the file's
 * columns or lines. */
static void put_field(FILE *f, const char *s)
{
    for (; *s; s++) putc(*s == '\t' || *s == '\r' || *s == '\n' ? ' ' : *s, f);
}

/* Row i's key: its label when every label is a whole number (keys read
 * from a .lrn), else i + 1. */
static bool labels_are_keys(const som_data *d)
{
    if (!d || !d->labels) return false;
    for (size_t i = 0; i < d->n; i++) {
        const char *s = d->labels[i];
        size_t v;
        if (!s || !som__parse_size(s, strlen(s), &v)) return false;
    }
    return true;
}

static void put_key(FILE *f, const som_data *d, bool keys, size_t i)
{
    if (keys)
        fputs(d->labels[i], f);
    else
        fprintf(f, "%zu", i + 1);
}

int som__lrn_write(const som_data *data, const char *path, som_error *err)
{
    som__textout o;
    int rc = som__textout_open(&o, path, err);
    if (rc) return rc;
    FILE *f = o.f;
    bool keys = labels_are_keys(data);
    fprintf(f, "%% %zu\n%% %zu\n%% 9", data->n, data->dim + 1);
    for (size_t j = 0; j < data->dim; j++) fputs("\t1", f);
    fputs("\n% ", f);
    put_field(f, keys && data->label_title ? data->label_title : "Key");
    for (size_t j = 0; j < data->dim; j++) {
        putc('\t', f);
        put_field(f, data->titles[j]);
    }
    putc('\n', f);
    for (size_t i = 0; i < data->n; i++) {
        put_key(f, data, keys, i);
        const float *x = data->x + i * data->dim;
        const uint8_t *mk = data->mask ? data->mask + i * data->dim : NULL;
        for (size_t j = 0; j < data->dim; j++) {
            if (mk && !mk[j])
                fputs("\tNaN", f);
            else
                fprintf(f, "\t%.9g", (double)x[j]);
        }
        putc('\n', f);
    }
    return som__textout_close(&o, path, err);
}

/* ---- .cls ------------------------------------------------------------------------ */

typedef struct cls_entry {
    char *key, *cls;
} cls_entry;

static int cls_cmp(const void *a, const void *b)
{
    return strcmp(((const cls_entry *)a)->key, ((const cls_entry *)b)->key);
}

int som_data_read_cls_mem(som_data *data, const char *buf, size_t len, const char *name,
                          som_error *err)
{
    if (!data) return som__error(err, SOM_EINVAL, "som_data_read_cls_mem: data is NULL");
    if (!buf && len) return som__error(err, SOM_EINVAL, "som_data_read_cls_mem: NULL buffer");
    if (!name) name = "<memory>";
    som__text t;
    som__text_init(&t, buf ? buf : "", len, name);
    cls_entry *e = NULL;
    size_t n = 0, cap = 0;
    char **labels = NULL, *title = NULL;
    const char *s;
    size_t slen;
    int rc;
    while (next_line(&t, &s, &slen)) {
        if (is_header(s, slen)) continue;
        size_t pos = 0;
        som__tok k, c, extra;
        bool tabs = memchr(s, '\t', slen) != NULL;
        som__next_tok(s, slen, &pos, tabs, &k);
        if (!som__next_tok(s, slen, &pos, tabs, &c) || c.len == 0 || k.len == 0) {
            rc = som__error_at(err, SOM_EFORMAT, name, t.line, k.len ? slen + 1 : 1,
                               "expected 'key<tab>class'");
            goto done;
        }
        if (som__next_tok(s, slen, &pos, tabs, &extra) && extra.len) {
            rc = som__error_at(err, SOM_EFORMAT, name, t.line, extra.col,
                               "expected 'key<tab>class' and nothing after it");
            goto done;
        }
        if (!som__grow((void **)&e, &cap, n + 1, sizeof *e)) goto oom;
        e[n].key = tok_dup(&k);
        e[n].cls = e[n].key ? tok_dup(&c) : NULL;
        if (!e[n].cls) {
            som__free(e[n].key);
            goto oom;
        }
        n++;
    }
    if (n) qsort(e, n, sizeof *e, cls_cmp);
    labels = som__calloc(data->n, sizeof *labels);
    title = som__strdup("class");
    if (!labels || !title) goto oom;
    bool keys = labels_are_keys(data);
    for (size_t i = 0; i < data->n; i++) {
        char num[32];
        cls_entry want = {num, NULL};
        if (keys)
            want.key = data->labels[i];
        else
            snprintf(num, sizeof num, "%zu", i + 1);
        cls_entry *hit = n ? bsearch(&want, e, n, sizeof *e, cls_cmp) : NULL;
        /* ESOM's class of an unclassified point is 0. */
        if (!(labels[i] = som__strdup(hit ? hit->cls : "0"))) goto oom;
    }
    if (data->labels)
        for (size_t i = 0; i < data->n; i++) som__free(data->labels[i]);
    som__free(data->labels);
    som__free(data->label_title);
    data->labels = labels;
    data->label_title = title;
    labels = NULL;
    title = NULL;
    rc = SOM_OK;
    goto done;
oom:
    rc = som__error_oom(err);
done:
    for (size_t i = 0; i < n; i++) {
        som__free(e[i].key);
        som__free(e[i].cls);
    }
    som__free(e);
    if (labels)
        for (size_t i = 0; i < data->n; i++) som__free(labels[i]);
    som__free(labels);
    som__free(title);
    return rc;
}

int som_data_read_cls(som_data *data, const char *path, som_error *err)
{
    if (!data || !path) return som__error(err, SOM_EINVAL, "som_data_read_cls: NULL argument");
    char *buf;
    size_t len;
    size_t seen = 0;
    som__input_check text = {som__check_text, &seen};
    int rc = som__slurp(path, &text, &buf, &len, err);
    if (rc) return rc;
    rc = som_data_read_cls_mem(data, buf, len, strcmp(path, "-") ? path : "<stdin>", err);
    som__free(buf);
    return rc;
}

/* ---- .wts ------------------------------------------------------------------------ */

int som__wts_parse(const char *buf, size_t len, const char *name, som_map **out,
                         som_error *err)
{
    locale_t loc = newlocale(LC_ALL_MASK, "C", (locale_t)0);
    if (loc == (locale_t)0) return som__error_oom(err);
    som__text t;
    som__text_init(&t, buf ? buf : "", len, name);
    const char *s;
    size_t slen, size[2] = {0, 0}, dim = 0, h = 0, u = 0;
    som_map *m = NULL;
    som__tok tok;
    int rc;
    bool have;
    while ((have = next_line(&t, &s, &slen)) && is_header(s, slen)) {
        if (h == 0 && (rc = header_numbers(&t, s, slen, 2, size, "'% rows columns'", err)))
            goto done;
        if (h == 1 && (rc = header_numbers(&t, s, slen, 1, &dim, "'% dimension'", err)))
            goto done;
        h++;
    }
    if (h < 2) {
        rc = som__error_at(err, SOM_EFORMAT, name, t.line, 0,
                           "expected the header lines '%% rows columns' and '%% dimension' of "
                           "an ESOM .wts file");
        goto done;
    }
    som_grid grid = {size[0], size[1], SOM_RECT, 0};
    som_error gerr;
    if (dim == 0 || som_grid_check(&grid, &gerr) != SOM_OK) {
        rc = som__error_at(err, SOM_EFORMAT, name, 1, 0, "header: %zu x %zu units of dimension %zu",
                           size[0], size[1], dim);
        goto done;
    }
    /* Every weight takes at least one byte: a header that announces more
     * than the rest of the file can hold is refused before the codebook is
     * allocated, so that a few bytes never make the reader ask for
     * gigabytes. (A file that is merely cut short gets the more precise
     * "ends after" message below.) */
    size_t n_weights, left = have ? (size_t)(t.end - t.p) + slen + 1 : 0;
    if (!som__mul_ok(grid.rows * grid.cols, dim, &n_weights) || n_weights > left) {
        rc = som__error_at(err, SOM_EFORMAT, name, 1, 0, "header: %zu x %zu units of dimension "
                           "%zu, more weights than the %zu bytes left in the file can hold",
                           size[0], size[1], dim, left);
        goto done;
    }
    if ((rc = som_map_new(&grid, dim, &m, err))) goto done;
    for (; have; have = next_line(&t, &s, &slen)) {
        if (is_header(s, slen)) continue;
        if (u == m->n_units) {
            rc = som__error_at(err, SOM_EFORMAT, name, t.line, 1,
                               "more unit lines than the %zux%zu units of the header", size[0],
                               size[1]);
            goto done;
        }
        size_t pos = 0, j = 0;
        float *w = m->codebook + u * dim;
        while (som__next_tok(s, slen, &pos, false, &tok)) {
            if (j == dim) {
                rc = som__error_at(err, SOM_EFORMAT, name, t.line, tok.col,
                                   "unit %zu: more than %zu weights", u, dim);
                goto done;
            }
            if (!som__parse_float(loc, tok.s, tok.len, &w[j])) {
                rc = som__error_at(err, SOM_EFORMAT, name, t.line, tok.col,
                                   "unit %zu, weight %zu: expected a number, got '%.*s'", u, j + 1,
                                   (int)(tok.len > 40 ? 40 : tok.len), tok.s);
                goto done;
            }
            j++;
        }
        if (j < dim) {
            rc = som__error_at(err, SOM_EFORMAT, name, t.line, slen + 1,
                               "unit %zu: expected %zu weights, got %zu", u, dim, j);
            goto done;
        }
        u++;
    }
    if (u < m->n_units) {
        rc = som__error_at(err, SOM_EFORMAT, name, t.line + 1, 0,
                           "the file ends after %zu of the %zu units", u, m->n_units);
        goto done;
    }
    *out = m;
    m = NULL;
    rc = SOM_OK;
done:
    som_map_free(m);
    freelocale(loc);
    return rc;
}

int som__wts_write(const som_map *map, const char *path, som_error *err)
{
    float *w = som__malloc(map->dim * sizeof *w);
    if (!w) return som__error_oom(err);
    som__textout o;
    int rc = som__textout_open(&o, path, err);
    if (rc) {
        som__free(w);
        return rc;
    }
    fprintf(o.f, "%% %zu %zu\n%% %zu\n", map->grid.rows, map->grid.cols, map->dim);
    for (size_t u = 0; u < map->n_units; u++) {
        som_map_unit_weights(map, u, w);
        for (size_t j = 0; j < map->dim; j++) fprintf(o.f, j ? "\t%.9g" : "%.9g", (double)w[j]);
        putc('\n', o.f);
    }
    som__free(w);
    return som__textout_close(&o, path, err);
}

/* ---- .umx and .bm ----------------------------------------------------------------- */

int som__umx_write(const som_map *map, const char *path, som_error *err)
{
    double *u = som__calloc(map->n_units, sizeof *u);
    if (!u) return som__error_oom(err);
    som_map_umatrix(map, u);
    som__textout o;
    int rc = som__textout_open(&o, path, err);
    if (rc) {
        som__free(u);
        return rc;
    }
    fprintf(o.f, "%% %zu %zu\n", map->grid.rows, map->grid.cols);
    /* Heights are doubles: %.17g reads back as the same double. */
    for (size_t r = 0; r < map->grid.rows; r++)
        for (size_t c = 0; c < map->grid.cols; c++)
            fprintf(o.f, "%.17g%c", u[r * map->grid.cols + c],
                    c + 1 == map->grid.cols ? '\n' : '\t');
    som__free(u);
    return som__textout_close(&o, path, err);
}

int som_map_write_bm(const som_map *map, const som_data *data, const char *path, int threads,
                     som_error *err)
{
    if (!map || !data || !path) return som__error(err, SOM_EINVAL, "som_map_write_bm: NULL argument");
    size_t *units = som__calloc(data->n ? data->n : 1, sizeof *units);
    if (!units) return som__error_oom(err);
    int rc = som_map_bmus(map, data, units, NULL, NULL, threads, err);
    if (rc) {
        som__free(units);
        return rc;
    }
    som__textout o;
    rc = som__textout_open(&o, path, err);
    if (rc) {
        som__free(units);
        return rc;
    }
    bool keys = labels_are_keys(data);
    fprintf(o.f, "%% %zu %zu\n%% %zu\n", map->grid.rows, map->grid.cols, data->n);
    for (size_t i = 0; i < data->n; i++) {
        put_key(o.f, data, keys, i);
        fprintf(o.f, "\t%zu\t%zu\n", units[i] / map->grid.cols, units[i] % map->grid.cols);
    }
    som__free(units);
    return som__textout_close(&o, path, err);
}
