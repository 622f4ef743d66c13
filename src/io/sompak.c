/* SPDX-License-Identifier: MIT */
/* sompak.c — SOM_PAK's ASCII files (Kohonen et al., SOM_PAK 3.1; the SOM
 * Toolbox reads and writes the same):
 *  - data (.dat): the first line holds the dimension; then one vector per
 *    line, its components separated by blanks, `x` for a missing one,
 *    followed by optional labels and the keywords `weight=W` and
 *    `fixed=X,Y`; lines starting with `#` are comments, except that
 *    `#n NAME...` names the components (SOM Toolbox);
 *  - codebooks (.cod): the header `dim topology xdim ydim neighbourhood`
 *    (`rect`/`hexa`, `bubble`/`gaussian`), then one unit per line, x
 *    varying fastest: unit (x, y) on line y*xdim + x. That is our unit
 *    order with x = column and y = row, and SOM_PAK's hexa lattice shifts
 *    the odd rows right by half a unit as ours does.
 * Both read through zlib, so `.gz` files are read as they are. Values are
 * in original units; a codebook loads into a map without scaling. */
#include "io/io.h"

#include <math.h>
#include <string.h>

/* The first line that is neither blank nor a comment. */
static bool next_content(som__text *t, const char **s, size_t *len, som__text *names_at,
                         const char **names, size_t *names_len)
{
    while (som__text_next(t, s, len)) {
        size_t pos = 0;
        som__tok tok;
        if (!som__next_tok(*s, *len, &pos, false, &tok)) continue;
        if (tok.s[0] == '#') {
            if (names && tok.len == 2 && tok.s[1] == 'n') {
                *names = *s;
                *names_len = *len;
                *names_at = *t;
            }
            continue;
        }
        return true;
    }
    return false;
}

/* Titles from a `#n` line: exactly dim names, else an error at that line. */
static int names_to_titles(const char *line, size_t len, const som__text *at, size_t dim,
                           char **titles, som_error *err)
{
    size_t pos = 0, k = 0;
    som__tok tok;
    som__next_tok(line, len, &pos, false, &tok); /* "#n" */
    while (som__next_tok(line, len, &pos, false, &tok)) {
        if (k == dim)
            return som__error_at(err, SOM_EFORMAT, at->name, at->line, tok.col,
                                 "#n names %s: more than the %zu components", "line", dim);
        char *s = som__malloc(tok.len + 1);
        if (!s) return som__error_oom(err);
        memcpy(s, tok.s, tok.len);
        s[tok.len] = '\0';
        som__free(titles[k]);
        titles[k++] = s;
    }
    if (k != dim)
        return som__error_at(err, SOM_EFORMAT, at->name, at->line, len + 1,
                             "#n line names %zu components, expected %zu", k, dim);
    return SOM_OK;
}

static int header_dim(som__text *t, const char *s, size_t len, size_t *dim, size_t *pos,
                      som_error *err)
{
    som__tok tok;
    som__next_tok(s, len, pos, false, &tok);
    if (!som__parse_size(tok.s, tok.len, dim) || *dim == 0 || *dim > 100000000)
        return som__error_at(err, SOM_EFORMAT, t->name, t->line, tok.col,
                             "expected the dimension (a whole number >= 1), got '%.*s'",
                             (int)(tok.len > 40 ? 40 : tok.len), tok.s);
    return SOM_OK;
}

/* ---- data files ------------------------------------------------------------------ */

typedef struct dat_reader {
    size_t n, dim;
    float *x;
    size_t cap_x;
    uint8_t *mask;
    size_t cap_mask;
    size_t n_missing;
    char **labels;
    size_t cap_labels;
    bool any_label;
    size_t *lines;
    size_t cap_lines;
    double *weight;
    size_t cap_weight;
    bool any_weight;
    size_t *fixed;
    size_t cap_fixed;
    bool any_fixed;
} dat_reader;

static void dat_free(dat_reader *r)
{
    som__free(r->x);
    som__free(r->mask);
    if (r->labels)
        for (size_t i = 0; i < r->n; i++) som__free(r->labels[i]);
    som__free(r->labels);
    som__free(r->lines);
    som__free(r->weight);
    som__free(r->fixed);
}

/* Appends a label token to *label (joined with one space). */
static bool add_label(char **label, const som__tok *tok)
{
    size_t old = *label ? strlen(*label) : 0;
    char *s = som__realloc(*label, old + (old ? 1 : 0) + tok->len + 1);
    if (!s) return false;
    if (old) s[old++] = ' ';
    memcpy(s + old, tok->s, tok->len);
    s[old + tok->len] = '\0';
    *label = s;
    return true;
}

static int dat_line(dat_reader *r, som__text *t, const char *s, size_t len, locale_t loc,
                    som_error *err)
{
    size_t i = r->n, dim = r->dim;
    if (!som__grow((void **)&r->x, &r->cap_x, (i + 1) * dim, sizeof *r->x) ||
        !som__grow((void **)&r->mask, &r->cap_mask, (i + 1) * dim, 1) ||
        !som__grow((void **)&r->labels, &r->cap_labels, i + 1, sizeof *r->labels) ||
        !som__grow((void **)&r->lines, &r->cap_lines, i + 1, sizeof *r->lines) ||
        !som__grow((void **)&r->weight, &r->cap_weight, i + 1, sizeof *r->weight) ||
        !som__grow((void **)&r->fixed, &r->cap_fixed, 2 * (i + 1), sizeof *r->fixed))
        return som__error_oom(err);
    r->labels[i] = NULL;
    r->n++; /* from here on the row is owned (its label freed) by dat_free */
    r->lines[i] = t->line;
    r->weight[i] = 1.0;
    r->fixed[2 * i] = r->fixed[2 * i + 1] = SIZE_MAX;
    float *row = r->x + i * dim;
    uint8_t *mk = r->mask + i * dim;
    size_t pos = 0, k = 0, present = 0;
    som__tok tok;
    while (k < dim && som__next_tok(s, len, &pos, false, &tok)) {
        if (tok.len == 1 && tok.s[0] == 'x') {
            row[k] = 0.0f;
            mk[k] = 0;
            r->n_missing++;
        } else if (som__parse_float(loc, tok.s, tok.len, &row[k])) {
            mk[k] = 1;
            present++;
        } else {
            return som__error_at(err, SOM_EFORMAT, t->name, t->line, tok.col,
                                 "component %zu: expected a number or 'x', got '%.*s'", k + 1,
                                 (int)(tok.len > 40 ? 40 : tok.len), tok.s);
        }
        k++;
    }
    if (k < dim)
        return som__error_at(err, SOM_EFORMAT, t->name, t->line, len + 1,
                             "expected %zu components, got %zu", dim, k);
    if (present == 0)
        return som__error_at(err, SOM_EFORMAT, t->name, t->line, 1,
                             "every component is missing ('x')");
    while (som__next_tok(s, len, &pos, false, &tok)) {
        if (tok.len > 7 && memcmp(tok.s, "weight=", 7) == 0) {
            double w;
            if (!som__parse_double(loc, tok.s + 7, tok.len - 7, &w) || w < 0.0)
                return som__error_at(err, SOM_EFORMAT, t->name, t->line, tok.col + 7,
                                     "weight=: expected a number >= 0, got '%.*s'",
                                     (int)(tok.len - 7 > 40 ? 40 : tok.len - 7), tok.s + 7);
            r->weight[i] = w;
            r->any_weight = r->any_weight || w != 1.0;
        } else if (tok.len > 6 && memcmp(tok.s, "fixed=", 6) == 0) {
            const char *v = tok.s + 6, *comma = memchr(v, ',', tok.len - 6);
            size_t fx, fy;
            if (!comma || !som__parse_size(v, (size_t)(comma - v), &fx) ||
                !som__parse_size(comma + 1, (size_t)(tok.s + tok.len - comma - 1), &fy))
                return som__error_at(err, SOM_EFORMAT, t->name, t->line, tok.col + 6,
                                     "fixed=: expected X,Y (whole numbers), got '%.*s'",
                                     (int)(tok.len - 6 > 40 ? 40 : tok.len - 6), v);
            r->fixed[2 * i] = fy; /* stored as (row, col) */
            r->fixed[2 * i + 1] = fx;
            r->any_fixed = true;
        } else {
            if (!add_label(&r->labels[i], &tok)) return som__error_oom(err);
            r->any_label = true;
        }
    }
    return SOM_OK;
}

int som__dat_parse(const char *buf, size_t len, const char *name,
    const som_csv_opts *opts, som_data **out,
                             som_error *err)
{
    (void)opts;
    locale_t loc = newlocale(LC_ALL_MASK, "C", (locale_t)0);
    if (loc == (locale_t)0) return som__error_oom(err);
    som__text t, names_at;
    som__text_init(&t, buf ? buf : "", len, name);
    const char *s, *names = NULL;
    size_t slen, names_len = 0;
    dat_reader r;
    memset(&r, 0, sizeof r);
    som_data *d = NULL;
    int rc;
    if (!next_content(&t, &s, &slen, &names_at, &names, &names_len)) {
        rc = som__error_at(err, SOM_EEMPTY, name, t.line, 0,
                           "no dimension line: not a SOM_PAK data file");
        goto done;
    }
    size_t pos = 0;
    if ((rc = header_dim(&t, s, slen, &r.dim, &pos, err))) goto done;
    while (next_content(&t, &s, &slen, &names_at, &names, &names_len))
        if ((rc = dat_line(&r, &t, s, slen, loc, err))) goto done;
    if (r.n == 0) {
        rc = som__error_at(err, SOM_EEMPTY, name, t.line, 0, "no data vector after the header");
        goto done;
    }
    if ((rc = som__data_alloc(r.n, r.dim, &d, err))) goto done;
    memcpy(d->x, r.x, r.n * r.dim * sizeof *r.x);
    if (names && (rc = names_to_titles(names, names_len, &names_at, r.dim, d->titles, err)))
        goto done;
    if (r.n_missing) {
        d->mask = r.mask;
        r.mask = NULL;
        d->n_missing = r.n_missing;
    }
    if (r.any_label) {
        for (size_t i = 0; i < r.n; i++)
            if (!r.labels[i] && !(r.labels[i] = som__strdup(""))) goto oom;
        if (!(d->label_title = som__strdup("label"))) goto oom;
        d->labels = r.labels;
        r.labels = NULL;
    }
    d->lines = r.lines;
    r.lines = NULL;
    if (r.any_weight) {
        d->weight = r.weight;
        r.weight = NULL;
    }
    if (r.any_fixed) {
        d->fixed = r.fixed;
        r.fixed = NULL;
    }
    *out = d;
    d = NULL;
    rc = SOM_OK;
    goto done;
oom:
    rc = som__error_oom(err);
done:
    som_data_free(d);
    dat_free(&r);
    freelocale(loc);
    return rc;
}

/* A title or label as one blank-free token: blanks become '_' (SOM_PAK
 * splits on them), an empty one is written as '_'. */
static void put_token(FILE *f, const char *s)
{
    if (!*s) putc('_', f);
    for (; *s; s++) putc(*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n' ? '_' : *s, f);
}

static void put_names(FILE *f, char *const *titles, size_t dim)
{
    fputs("#n", f);
    for (size_t j = 0; j < dim; j++) {
        putc(' ', f);
        put_token(f, titles[j]);
    }
    putc('\n', f);
}

/* SOM_PAK reads a word after the components that starts with 'weight=' or
 * 'fixed=' as that keyword, and has no way to quote one: a label with such
 * a word cannot be written so that it reads back as the same label. */
static bool keyword_word(const char *label, size_t *at)
{
    for (const char *w = label; *w;) {
        while (*w == ' ' || *w == '\t' || *w == '\r' || *w == '\n') w++;
        size_t n = strcspn(w, " \t\r\n");
        if ((n > 7 && memcmp(w, "weight=", 7) == 0) || (n > 6 && memcmp(w, "fixed=", 6) == 0)) {
            *at = (size_t)(w - label);
            return true;
        }
        w += n;
    }
    return false;
}

int som__dat_write(const som_data *data, const char *path, som_error *err)
{
    for (size_t i = 0; data->labels && i < data->n; i++) {
        size_t at;
        if (keyword_word(som_data_label(data, i), &at))
            return som__error(err, SOM_EINVAL,
                              "%s: the label of row %zu has a word starting with '%.*s', which "
                              "SOM_PAK would read as that keyword; rename the label or write "
                              "CSV instead",
                              path, i + 1, som_data_label(data, i)[at] == 'w' ? 7 : 6,
                              som_data_label(data, i) + at);
    }
    som__textout o;
    int rc = som__textout_open(&o, path, err);
    if (rc) return rc;
    FILE *f = o.f;
    fprintf(f, "%zu\n", data->dim);
    put_names(f, data->titles, data->dim);
    for (size_t i = 0; i < data->n; i++) {
        const float *x = data->x + i * data->dim;
        const uint8_t *mk = data->mask ? data->mask + i * data->dim : NULL;
        for (size_t j = 0; j < data->dim; j++) {
            if (j) putc(' ', f);
            if (mk && !mk[j])
                putc('x', f);
            else
                fprintf(f, "%.9g", (double)x[j]);
        }
        if (data->weight && data->weight[i] != 1.0) fprintf(f, " weight=%.17g", data->weight[i]);
        size_t r, c;
        if (som_data_fixed(data, i, &r, &c)) fprintf(f, " fixed=%zu,%zu", c, r);
        /* Several blank-separated labels read back as one, joined with
         * single spaces: a label keeps its words. */
        const char *label = data->labels ? som_data_label(data, i) : "";
        if (*label) putc(' ', f);
        for (; *label; label++)
            putc(*label == '\t' || *label == '\r' || *label == '\n' ? ' ' : *label, f);
        putc('\n', f);
    }
    return som__textout_close(&o, path, err);
}

/* ---- codebook files ------------------------------------------------------------- */

int som__cod_parse(const char *buf, size_t len, const char *name, som_map **out,
                            som_error *err)
{
    locale_t loc = newlocale(LC_ALL_MASK, "C", (locale_t)0);
    if (loc == (locale_t)0) return som__error_oom(err);
    som__text t, names_at;
    som__text_init(&t, buf ? buf : "", len, name);
    const char *s, *names = NULL;
    size_t slen, names_len = 0, pos = 0, dim, xdim = 0, ydim = 0;
    som_map *m = NULL;
    som__tok tok;
    int rc;
    if (!next_content(&t, &s, &slen, &names_at, &names, &names_len)) {
        rc = som__error_at(err, SOM_EEMPTY, name, t.line, 0,
                           "no header line: not a SOM_PAK codebook");
        goto done;
    }
    if ((rc = header_dim(&t, s, slen, &dim, &pos, err))) goto done;
    som_grid grid = {0, 0, SOM_RECT, 0};
    som_neighborhood hood = SOM_NEIGHBORHOOD_GAUSSIAN;
    static const char *const what[] = {"the topology (rect or hexa)", "xdim (a whole number >= 1)",
                                       "ydim (a whole number >= 1)",
                                       "the neighbourhood (bubble or gaussian)"};
    for (int k = 0; k < 4; k++) {
        if (!som__next_tok(s, slen, &pos, false, &tok)) {
            rc = som__error_at(err, SOM_EFORMAT, name, t.line, slen + 1,
                               "codebook header: expected %s at the end of the line", what[k]);
            goto done;
        }
        bool ok;
        if (k == 0) {
            ok = som__tok_is(&tok, "rect") || som__tok_is(&tok, "hexa");
            grid.topology = som__tok_is(&tok, "hexa") ? SOM_HEX : SOM_RECT;
        } else if (k == 3) {
            ok = som__tok_is(&tok, "bubble") || som__tok_is(&tok, "gaussian");
            hood = som__tok_is(&tok, "bubble") ? SOM_NEIGHBORHOOD_BUBBLE
                                               : SOM_NEIGHBORHOOD_GAUSSIAN;
        } else {
            size_t *v = k == 1 ? &xdim : &ydim;
            ok = som__parse_size(tok.s, tok.len, v) && *v >= 1;
        }
        if (!ok) {
            rc = som__error_at(err, SOM_EFORMAT, name, t.line, tok.col,
                               "codebook header: expected %s, got '%.*s'", what[k],
                               (int)(tok.len > 40 ? 40 : tok.len), tok.s);
            goto done;
        }
    }
    grid.rows = ydim;
    grid.cols = xdim;
    som_error gerr;
    if (som_grid_check(&grid, &gerr) != SOM_OK) {
        rc = som__error_at(err, SOM_EFORMAT, name, t.line, 0, "codebook header: %s",
                           gerr.message);
        goto done;
    }
    /* Every weight takes at least one byte: a header that announces more
     * than the rest of the file can hold is refused before the codebook is
     * allocated, so that a few bytes never make the reader ask for
     * gigabytes. (A file that is merely cut short gets the more precise
     * "ends after" message below.) */
    size_t n_weights, left = (size_t)(t.end - t.p);
    if (!som__mul_ok(xdim * ydim, dim, &n_weights) || n_weights > left) {
        rc = som__error_at(err, SOM_EFORMAT, name, t.line, 0, "codebook header: %zu x %zu units "
                           "of dimension %zu, more weights than the %zu bytes left in the file "
                           "can hold", xdim, ydim, dim, left);
        goto done;
    }
    if ((rc = som_map_new(&grid, dim, &m, err))) goto done;
    m->settings.neighborhood = hood;
    size_t units = xdim * ydim, u = 0;
    while (next_content(&t, &s, &slen, &names_at, &names, &names_len)) {
        if (u == units) {
            rc = som__error_at(err, SOM_EFORMAT, name, t.line, 1,
                               "more unit lines than the %zux%zu units of the header", xdim, ydim);
            goto done;
        }
        float *w = m->codebook + u * dim;
        pos = 0;
        for (size_t j = 0; j < dim; j++) {
            if (!som__next_tok(s, slen, &pos, false, &tok)) {
                rc = som__error_at(err, SOM_EFORMAT, name, t.line, slen + 1,
                                   "unit %zu: expected %zu components, got %zu", u, dim, j);
                goto done;
            }
            if (!som__parse_float(loc, tok.s, tok.len, &w[j])) {
                rc = som__error_at(err, SOM_EFORMAT, name, t.line, tok.col,
                                   "unit %zu, component %zu: expected a number, got '%.*s'", u,
                                   j + 1, (int)(tok.len > 40 ? 40 : tok.len), tok.s);
                goto done;
            }
        }
        /* Whatever follows the components are the unit's labels (vcal);
         * libsom keeps no unit labels. */
        u++;
    }
    if (u < units) {
        rc = som__error_at(err, SOM_EFORMAT, name, t.line + 1, 0,
                           "the file ends after %zu of the %zu units (%zux%zu)", u, units, xdim,
                           ydim);
        goto done;
    }
    if (names && (rc = names_to_titles(names, names_len, &names_at, dim, m->titles, err)))
        goto done;
    *out = m;
    m = NULL;
    rc = SOM_OK;
done:
    som_map_free(m);
    freelocale(loc);
    return rc;
}

int som__cod_write(const som_map *map, const char *path, som_error *err)
{
    float *w = som__malloc(map->dim * sizeof *w);
    if (!w) return som__error_oom(err);
    som__textout o;
    int rc = som__textout_open(&o, path, err);
    if (rc) {
        som__free(w);
        return rc;
    }
    FILE *f = o.f;
    /* SOM_PAK knows two neighbourhoods; the others are closest to gaussian.
     * It has no toroid: a toroid's wrap is lost. */
    fprintf(f, "%zu %s %zu %zu %s\n", map->dim, map->grid.topology == SOM_HEX ? "hexa" : "rect",
            map->grid.cols, map->grid.rows,
            map->settings.neighborhood == SOM_NEIGHBORHOOD_BUBBLE ? "bubble" : "gaussian");
    put_names(f, map->titles, map->dim);
    for (size_t u = 0; u < map->n_units; u++) {
        som_map_unit_weights(map, u, w);
        for (size_t j = 0; j < map->dim; j++) fprintf(f, j ? " %.9g" : "%.9g", (double)w[j]);
        putc('\n', f);
    }
    som__free(w);
    return som__textout_close(&o, path, err);
}
