/* SPDX-License-Identifier: MIT */
/* csv_read.c — one whole CSV read: the options, the first line, the pass
 * that counts the lines, the lines through csv.c (split over two threads
 * for large inputs), and the entry points the format registry calls. */
#include "io/io.h"

#include <csv.h>
#include <string.h>
#include <unistd.h>

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

static const char *parse_plain(som__csv_reader *r, const char *p, const char *end, size_t *line,
                               som__csv_releaser *rel, char delim)
{
    while (p < end && r->rc == SOM_OK && r->n < r->cap) {
        if (som__csv_cancelled(r, *line)) break;
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);
        r->rec_line = *line + 1;
        if (!som__csv_plain_line(r, p, n, delim)) break;
        ++*line;
        p += n;
        som__csv_release_upto(rel, p);
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

static void parse_split(som__csv_reader *r, struct csv_parser *parser, const char **pp,
                        const char *end, size_t *line, som__csv_releaser *rel, char delim,
                        const split_plan *plan)
{
    const char *p = *pp, *mid = plan->mid;
    /* *line lines, each ended by a LF, lie before p. */
    if (!mid || plan->lone_cr || mid <= p || mid >= end || plan->lf < *line) return;
    const size_t lf = plan->lf - *line;
    const size_t off = r->n + lf, dim = r->dim;
    if (off >= r->cap) return;

    som_error e2;
    memset(&e2, 0, sizeof e2);
    som__csv_reader r2 = *r; /* the layout, titles and locale, shared read-only */
    r2.err = &e2;
    r2.rc = SOM_OK;
    r2.x = r->x + off * dim;
    r2.lines = r->lines + off;
    r2.labels = r->labels ? r->labels + off : NULL;
    r2.cap = r->cap - off;
    r2.n = r2.n_missing = r2.nf = r2.row_missing = 0;
    r2.mask = NULL;
    size_t line2 = *line + lf;
    som__csv_releaser rel2 = *rel;
    if (rel2.base) {
        long page = sysconf(_SC_PAGESIZE);
        size_t at = (size_t)(mid - rel2.base);
        rel2.done = page > 0 ? at - at % (size_t)page : rel->done;
    }
    const char *stop = mid;
#pragma omp parallel sections num_threads(2)
    {
#pragma omp section
        som__csv_parse_lines(r, parser, &p, mid, line, rel, delim, false);
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
        if (!som__csv_ensure_mask(r)) {
            som__free(r2.mask);
            som__csv_fail_oom(r);
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

    som__csv_releaser rel = {mapped ? buf : NULL, 0};
    /* A UTF-8 byte-order mark is not part of the first title. */
    if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0) buf += 3, len -= 3;
    if (!delim) delim = som__csv_detect_delimiter(buf, len);

    som__csv_reader r;
    memset(&r, 0, sizeof r);
    r.name = name;
    r.err = err;
    r.header_opt = opts->header;
    r.label_opt = opts->label_column;
    r.row_names_opt = opts->row_names;
    r.label_col = SOM__CSV_NO_COLUMN;
    r.sink = sink;
    r.sink_ctx = sink_ctx;
    r.cancel = som__cancel_token();
    r.loc = newlocale(LC_ALL_MASK, "C", (locale_t)0);
    if (r.loc == (locale_t)0) return som__error_oom(err);

    uint8_t *quoted = NULL;
    if (!som__csv_scan_first_quoted(buf, len, delim, &quoted, &r.n_first_quoted)) {
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
    if (delim == '\t') csv_set_space_func(&parser, som__csv_space);

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
            som__csv_release_upto(&rel, q);
            if (som__csv_cancelled(&r, r.est_rows)) break;
        }
        rel.done = 0;
    }
    size_t line = 0;
    /* A large remainder is split in two once the layout is known (see
     * parse_split); som__threads(0) follows OMP_NUM_THREADS. */
    const bool may_split =
        !sink && som__threads(0) >= 2 && (size_t)(end - p) >= som__csv_split_min;
    som__csv_parse_lines(&r, &parser, &p, end, &line, &rel, delim, may_split);
    if (may_split && p < end && r.rc == SOM_OK)
        parse_split(&r, &parser, &p, end, &line, &rel, delim, &plan);
    som__csv_parse_lines(&r, &parser, &p, end, &line, &rel, delim, false);
    r.last_line = line;
    if (r.rc == SOM_OK && csv_fini(&parser, som__csv_on_field, som__csv_on_record, &r) != 0 &&
        r.rc == SOM_OK) {
        if (csv_error(&parser) == CSV_EPARSE)
            som__csv_fail_at(&r, SOM_EFORMAT, r.rec_line, (r.phase == 2 ? r.nf : r.n_off) + 1,
                    "expected a closing quote, got the end of the file");
        else
            som__csv_fail_oom(&r);
    }
    csv_free(&parser);
    som__free(quoted);
    r.first_quoted = NULL;

    if (r.rc == SOM_OK && r.phase == 0)
        som__csv_fail_at(&r, SOM_EEMPTY, 1, 1,
                         "expected column titles and data rows, got an empty file");
    if (r.rc == SOM_OK && r.phase == 1)
        som__csv_fail_at(&r, SOM_EEMPTY, r.last_line + 1, 1,
                "expected a data row after the titles on line %zu, got the end of the file",
                r.title_line);
    if (r.rc == SOM_OK && sink && r.n > 0) som__csv_flush_block(&r);
    int rc = r.rc;
    if (rc == SOM_OK && !sink) rc = som__csv_finish(&r, out);
    som__csv_reader_free(&r);
    freelocale(r.loc);
    return rc;
}

int som__csv_parse(const char *buf, size_t len, const char *name, const som_csv_opts *opts,
                   som_data **out, som_error *err)
{
    return read_csv(buf, len, name, opts, false, out, 0, NULL, NULL, err);
}

int som__csv_read_path(const char *path, const som_csv_opts *opts, som_data **out,
                       som_error *err)
{
    som_file f;
    size_t seen = 0;
    som__input_check text = {som__check_text, &seen};
    int rc = som__file_read(path, &text, &f, err);
    if (rc != SOM_OK) return rc;
    const char *name = strcmp(path, "-") == 0 ? "<stdin>" : path;
    rc = f.mapped ? som__data_read_csv_mapped(f.bytes, f.len, name, opts, out, err)
                  : som__csv_parse(f.bytes ? f.bytes : "", f.len, name, opts, out, err);
    som__file_release(&f);
    return rc;
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
