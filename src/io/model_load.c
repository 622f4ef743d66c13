/* SPDX-License-Identifier: MIT */
/* model_load.c — reading libsom's native model file (.som), version 1
 * (doc/FORMAT.md; the writer and what both share are in model.c). Loading
 * is strict and treats the input as hostile: every length is checked
 * against the bytes that remain before anything is allocated, the CRC-32 is
 * checked before any value is believed, and every value is validated before
 * it reaches the map. */
#include "io/io.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ------------------------------------------------------------------------- */
/* Reading                                                                    */
/* ------------------------------------------------------------------------- */

/* What every check needs to name the problem. */
typedef struct reader {
    const unsigned char *p;
    size_t len;       /* whole image, CRC included */
    const char *name; /* for messages; may be NULL */
    som_error *err;
} reader;

/* The error helpers report with the file name in front (som__error_at drops
 * it when name is NULL). */
#define FAIL(rd, code, ...) som__error_at((rd)->err, (code), (rd)->name, 0, 0, __VA_ARGS__)

/* A tag as text for messages; bytes that are not printable are escaped. */
static const char *tag_text(const unsigned char *t, char out[17])
{
    size_t k = 0;
    for (int i = 0; i < 4; i++) {
        if (t[i] >= 0x20 && t[i] < 0x7f && t[i] != '\'' && t[i] != '\\')
            out[k++] = (char)t[i];
        else
            k += (size_t)snprintf(out + k, 5, "\\x%02x", t[i]);
    }
    out[k] = '\0';
    return out;
}

static bool is_letter(unsigned char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }

static bool looks_like_text(const unsigned char *p, size_t len)
{
    size_t n = len < 1024 ? len : 1024;
    if (n == 0) return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = p[i];
        if (c == 0 || (c < 0x20 && c != '\t' && c != '\r' && c != '\n') || c == 0x7f) return false;
    }
    return true;
}

/* The MQL5 .somnet file is a bare array of doubles: dim+6, xcells, ycells,
 * width and height in pixels, then one record of dim+6 doubles per node. */
static bool looks_like_somnet(const unsigned char *p, size_t len)
{
    if (len < 40 || len % 8 != 0) return false;
    double h[5];
    for (int i = 0; i < 5; i++) h[i] = som__bits_f64(som__get_u64(p + 8 * i));
    for (int i = 0; i < 5; i++)
        if (!isfinite(h[i]) || h[i] < 1 || h[i] > 1e9 || h[i] != floor(h[i])) return false;
    if (h[0] < 7) return false;
    double need = 5 + h[1] * h[2] * h[0];
    return need <= (double)(len / 8);
}

static int check_magic(const reader *rd)
{
    const unsigned char *p = rd->p;
    size_t len = rd->len;
    if (len >= sizeof som__model_magic && memcmp(p, som__model_magic, sizeof som__model_magic) == 0) return SOM_OK;
    if (len == 0) return FAIL(rd, SOM_EFORMAT, "the file is empty, not a som model");
    if (len < sizeof som__model_magic && memcmp(p, som__model_magic, len) == 0)
        return FAIL(rd, SOM_ECORRUPT, "file ends after %zu bytes, expected at least %u: "
                    "a truncated som model", len, SOM__MODEL_PREFIX_LEN + SOM__MODEL_CRC_LEN);
    if (len >= 4 && memcmp(p, som__model_magic, 4) == 0)
        return FAIL(rd, SOM_ECORRUPT, "the file starts like a som model but its magic bytes are "
                    "damaged (was it copied in text mode, changing line ends?)");
    if (looks_like_somnet(p, len))
        return FAIL(rd, SOM_EFORMAT, "not a som model: it looks like an MQL5 .somnet network; "
                    "'som convert' turns it into a .som model");
    if (looks_like_text(p, len))
        return FAIL(rd, SOM_EFORMAT, "not a som model: it looks like text (a CSV data file?); "
                    "models are made by 'som train'");
    return FAIL(rd, SOM_EFORMAT, "not a som model (it does not start with the som magic bytes)");
}

/* Pass one, before the CRC is trusted: the chunk headers tile the bytes
 * between the prefix and the CRC exactly. Catches truncation with a precise
 * message; allocates nothing. */
static int check_lengths(const reader *rd)
{
    size_t end = rd->len - SOM__MODEL_CRC_LEN, off = SOM__MODEL_PREFIX_LEN;
    char tb[17];
    while (off < end) {
        if (end - off < SOM__MODEL_CHUNK_HDR_LEN)
            return FAIL(rd, SOM_ECORRUPT, "file ends after %zu bytes, expected at least %zu "
                        "(the chunk header at byte %zu is cut short)",
                        rd->len, off + SOM__MODEL_CHUNK_HDR_LEN + SOM__MODEL_CRC_LEN, off);
        uint64_t n = som__get_u64(rd->p + off + 4);
        size_t room = end - off - SOM__MODEL_CHUNK_HDR_LEN;
        if (n > room) {
            uint64_t need = (uint64_t)off + SOM__MODEL_CHUNK_HDR_LEN + SOM__MODEL_CRC_LEN;
            if (n > UINT64_MAX - need)
                return FAIL(rd, SOM_ECORRUPT, "chunk '%s' at byte %zu declares %llu bytes, far "
                            "more than the file's %zu", tag_text(rd->p + off, tb), off,
                            (unsigned long long)n, rd->len);
            return FAIL(rd, SOM_ECORRUPT, "chunk '%s' at byte %zu declares %llu bytes: file ends "
                        "after %zu bytes, expected at least %llu", tag_text(rd->p + off, tb), off,
                        (unsigned long long)n, rd->len, (unsigned long long)(need + n));
        }
        off += SOM__MODEL_CHUNK_HDR_LEN + (size_t)n;
    }
    return SOM_OK;
}

typedef struct chunk {
    size_t off; /* of the chunk header; 0 = absent */
    size_t len; /* of the payload */
} chunk;

/* Pass two, after the CRC: tags are letters, each known chunk appears once,
 * unknown critical chunks stop the load, unknown optional ones are skipped,
 * and every required chunk is there. */
static int index_chunks(const reader *rd, chunk ch[SOM__CH_N])
{
    size_t end = rd->len - SOM__MODEL_CRC_LEN, off = SOM__MODEL_PREFIX_LEN;
    char tb[17];
    memset(ch, 0, SOM__CH_N * sizeof *ch);
    while (off < end) {
        const unsigned char *tag = rd->p + off;
        size_t n = (size_t)som__get_u64(tag + 4);
        if (!is_letter(tag[0]) || !is_letter(tag[1]) || !is_letter(tag[2]) || !is_letter(tag[3]))
            return FAIL(rd, SOM_EFORMAT, "chunk at byte %zu has an invalid tag '%s' (tags are "
                        "four ASCII letters)", off, tag_text(tag, tb));
        int id = -1;
        for (int k = 0; k < SOM__CH_N; k++)
            if (memcmp(tag, som__model_chunk_tags[k], 4) == 0) id = k;
        if (id >= 0) {
            if (ch[id].off)
                return FAIL(rd, SOM_EFORMAT, "chunk '%s' appears twice (at bytes %zu and %zu)",
                            som__model_chunk_tags[id], ch[id].off, off);
            ch[id].off = off;
            ch[id].len = n;
        } else if (tag[0] >= 'A' && tag[0] <= 'Z') {
            return FAIL(rd, SOM_ENOTSUP, "chunk '%s' at byte %zu is needed to read this model but "
                        "is unknown to libsom %s; a newer libsom wrote it",
                        tag_text(tag, tb), off, SOM_VERSION_STRING);
        }
        /* else: an optional chunk from a later writer; skipped. */
        off += SOM__MODEL_CHUNK_HDR_LEN + n;
    }
    for (int k = 0; k < SOM__CH_N_REQUIRED; k++)
        if (!ch[k].off)
            return FAIL(rd, SOM_EFORMAT, "required chunk '%s' is missing", som__model_chunk_tags[k]);
    return SOM_OK;
}

/* Payload of chunk c. */
static const unsigned char *payload(const reader *rd, const chunk *c)
{
    return rd->p + c->off + SOM__MODEL_CHUNK_HDR_LEN;
}

static int bad_length(const reader *rd, int id, const chunk *c, const char *expected)
{
    return FAIL(rd, SOM_EFORMAT, "chunk '%s' at byte %zu is %zu bytes long, expected %s",
                som__model_chunk_tags[id], c->off, c->len, expected);
}

/* A u64 that must fit a size_t (always on 64-bit systems). */
static bool get_size(const unsigned char *p, size_t *out)
{
    uint64_t v = som__get_u64(p);
    if (v > SIZE_MAX) return false;
    *out = (size_t)v;
    return true;
}

static int parse_head(const reader *rd, const chunk *c, som_grid *grid, size_t *dim)
{
    if (c->len != SOM__MODEL_HEAD_LEN) return bad_length(rd, SOM__CH_HEAD, c, "32");
    const unsigned char *p = payload(rd, c);
    uint32_t topo = som__get_u32(p + 16), toroid = som__get_u32(p + 20);
    if (!get_size(p, &grid->rows) || !get_size(p + 8, &grid->cols) || !get_size(p + 24, dim))
        return FAIL(rd, SOM_EFORMAT, "chunk 'HEAD' at byte %zu: a size does not fit this "
                    "machine's size_t", c->off);
    if (topo > SOM_HEX)
        return FAIL(rd, SOM_EFORMAT, "chunk 'HEAD' at byte %zu: unknown topology %lu (0 rect, "
                    "1 hex)", c->off, (unsigned long)topo);
    if (toroid > 1)
        return FAIL(rd, SOM_EFORMAT, "chunk 'HEAD' at byte %zu: toroid flag is %lu, expected 0 "
                    "or 1", c->off, (unsigned long)toroid);
    grid->topology = (som_topology)topo;
    grid->toroid = (int)toroid;
    som_error ge;
    som_error_clear(&ge);
    if (som_grid_check(grid, &ge) != SOM_OK)
        return FAIL(rd, SOM_EFORMAT, "chunk 'HEAD' at byte %zu: %s", c->off, ge.message);
    if (*dim == 0)
        return FAIL(rd, SOM_EFORMAT, "chunk 'HEAD' at byte %zu: dim is 0, expected at least 1",
                    c->off);
    return SOM_OK;
}

/* Checks the sizes of every chunk against the header before the map is
 * allocated, so that no allocation is larger than the file justifies. */
static int check_sizes(const reader *rd, const chunk ch[SOM__CH_N], const som_grid *grid,
                       size_t dim, size_t *max_title)
{
    char want[64];
    size_t need;

    /* CODE: rows*cols*dim float32. */
    if (!som__mul_ok(grid->rows * grid->cols, dim, &need) || !som__mul_ok(need, 4, &need) ||
        ch[SOM__CH_CODE].len != need) {
        if (som__mul_ok(grid->rows * grid->cols, dim, &need) && som__mul_ok(need, 4, &need))
            snprintf(want, sizeof want, "%zu (%zux%zu units x %zu x 4)", need, grid->rows,
                     grid->cols, dim);
        else
            snprintf(want, sizeof want, "%zux%zu x %zu x 4 (too large)", grid->rows,
                     grid->cols, dim);
        return bad_length(rd, SOM__CH_CODE, &ch[SOM__CH_CODE], want);
    }

    /* SCAL: 8 + 4 arrays of dim f64. */
    if (!som__mul_ok(dim, 32, &need) || !som__add_ok(need, 8, &need) || ch[SOM__CH_SCAL].len != need) {
        snprintf(want, sizeof want, "8 + 32 x dim (dim %zu)", dim);
        return bad_length(rd, SOM__CH_SCAL, &ch[SOM__CH_SCAL], want);
    }

    if (ch[SOM__CH_TRAN].len != SOM__MODEL_TRAN_LEN) return bad_length(rd, SOM__CH_TRAN, &ch[SOM__CH_TRAN], "120");

    /* The optional chunks, when present: fwgt dim f64, clus 8 + 4 x n_units. */
    if (ch[SOM__CH_FWGT].off && (!som__mul_ok(dim, 8, &need) || ch[SOM__CH_FWGT].len != need)) {
        snprintf(want, sizeof want, "8 x dim (dim %zu)", dim);
        return bad_length(rd, SOM__CH_FWGT, &ch[SOM__CH_FWGT], want);
    }
    if (ch[SOM__CH_TREX].off && ch[SOM__CH_TREX].len != SOM__MODEL_TREX_LEN)
        return bad_length(rd, SOM__CH_TREX, &ch[SOM__CH_TREX], "8");
    if (ch[SOM__CH_CLUS].off && (!som__mul_ok(grid->rows * grid->cols, 4, &need) ||
                            !som__add_ok(need, 8, &need) || ch[SOM__CH_CLUS].len != need)) {
        snprintf(want, sizeof want, "8 + 4 x %zu units", grid->rows * grid->cols);
        return bad_length(rd, SOM__CH_CLUS, &ch[SOM__CH_CLUS], want);
    }

    if (ch[SOM__CH_DIST].off && ch[SOM__CH_DIST].len != 4)
        return bad_length(rd, SOM__CH_DIST, &ch[SOM__CH_DIST], "4");

    /* HIST: 8 + 40 x count. */
    const chunk *h = &ch[SOM__CH_HIST];
    if (h->len < 8) return bad_length(rd, SOM__CH_HIST, h, "at least 8");
    uint64_t count = som__get_u64(payload(rd, h));
    if ((h->len - 8) % SOM__MODEL_HIST_ENTRY_LEN != 0 || count != (h->len - 8) / SOM__MODEL_HIST_ENTRY_LEN) {
        snprintf(want, sizeof want, "8 + 40 x %llu (the entry count it declares)",
                 (unsigned long long)count);
        return bad_length(rd, SOM__CH_HIST, h, want);
    }

    /* TITL: u64 count == dim, then count (u32 length, bytes) with no NUL,
     * ending exactly at the chunk's end. */
    const chunk *t = &ch[SOM__CH_TITL];
    if (t->len < 8) return bad_length(rd, SOM__CH_TITL, t, "at least 8");
    const unsigned char *p = payload(rd, t);
    uint64_t nt = som__get_u64(p);
    if (nt != dim)
        return FAIL(rd, SOM_EFORMAT, "chunk 'TITL' at byte %zu holds %llu titles, expected %zu "
                    "(one per column)", t->off, (unsigned long long)nt, dim);
    size_t pos = 8, longest = 0;
    for (size_t j = 0; j < dim; j++) {
        if (t->len - pos < 4)
            return FAIL(rd, SOM_EFORMAT, "chunk 'TITL' at byte %zu ends inside title %zu",
                        t->off, j + 1);
        uint32_t n = som__get_u32(p + pos);
        pos += 4;
        if (n > t->len - pos)
            return FAIL(rd, SOM_EFORMAT, "chunk 'TITL' at byte %zu: title %zu is %lu bytes, "
                        "more than the chunk holds", t->off, j + 1, (unsigned long)n);
        if (memchr(p + pos, 0, n))
            return FAIL(rd, SOM_EFORMAT, "chunk 'TITL' at byte %zu: title %zu contains a NUL "
                        "byte", t->off, j + 1);
        if (n > longest) longest = n;
        pos += n;
    }
    if (pos != t->len)
        return FAIL(rd, SOM_EFORMAT, "chunk 'TITL' at byte %zu has %zu bytes after the last "
                    "title", t->off, t->len - pos);
    *max_title = longest;
    return SOM_OK;
}

static int read_titles(const reader *rd, const chunk *c, som_map *map, size_t max_title)
{
    char *tmp = som__malloc(max_title + 1);
    if (!tmp) return som__error_oom(rd->err);
    const unsigned char *p = payload(rd, c);
    size_t pos = 8;
    int rc = SOM_OK;
    for (size_t j = 0; j < map->dim && rc == SOM_OK; j++) {
        size_t n = som__get_u32(p + pos);
        memcpy(tmp, p + pos + 4, n);
        tmp[n] = '\0';
        pos += 4 + n;
        rc = som_map_set_title(map, j, tmp, rd->err);
    }
    som__free(tmp);
    return rc;
}

static int read_scaling(const reader *rd, const chunk *c, som_map *map)
{
    const unsigned char *p = payload(rd, c);
    size_t dim = map->dim;
    uint32_t kind = som__get_u32(p), have_range = som__get_u32(p + 4);
    if (kind > SOM_SCALE_MINMAX)
        return FAIL(rd, SOM_EFORMAT, "chunk 'SCAL' at byte %zu: unknown scaling %lu (0 none, "
                    "1 zscore, 2 minmax)", c->off, (unsigned long)kind);
    if (have_range > 1)
        return FAIL(rd, SOM_EFORMAT, "chunk 'SCAL' at byte %zu: range flag is %lu, expected 0 "
                    "or 1", c->off, (unsigned long)have_range);
    const unsigned char *off = p + 8, *fac = off + 8 * dim, *lo = fac + 8 * dim,
                        *hi = lo + 8 * dim;
    for (size_t j = 0; j < dim; j++) {
        double o = som__bits_f64(som__get_u64(off + 8 * j)), f = som__bits_f64(som__get_u64(fac + 8 * j));
        double a = som__bits_f64(som__get_u64(lo + 8 * j)), b = som__bits_f64(som__get_u64(hi + 8 * j));
        if (!isfinite(o) || !isfinite(f) || !(f > 0))
            return FAIL(rd, SOM_EFORMAT, "chunk 'SCAL' at byte %zu: column %zu has offset %g "
                        "and factor %g (both must be finite, the factor above 0)",
                        c->off, j + 1, o, f);
        if (have_range ? !(isfinite(a) && isfinite(b) && a <= b) : (a != 0 || b != 0))
            return FAIL(rd, SOM_EFORMAT, "chunk 'SCAL' at byte %zu: column %zu has range %g..%g "
                        "(expected %s)", c->off, j + 1, a, b,
                        have_range ? "finite, min <= max" : "0..0 with no range recorded");
        map->offset[j] = o;
        map->factor[j] = f;
        map->fmin[j] = have_range ? a : 0;
        map->fmax[j] = have_range ? b : 0;
    }
    map->scaling = (som_scaling)kind;
    map->have_range = have_range != 0;
    return SOM_OK;
}

static int read_training(const reader *rd, const chunk *c, som_map *map)
{
    const unsigned char *p = payload(rd, c);
    uint32_t trained = som__get_u32(p), algorithm = som__get_u32(p + 4);
    uint32_t init = som__get_u32(p + 24), schedule = som__get_u32(p + 28);
    uint32_t neigh = som__get_u32(p + 32), threads = som__get_u32(p + 36);
    struct { uint32_t v, max; const char *what; } e[] = {
        {trained, 1, "trained flag"}, {algorithm, SOM_BATCH, "algorithm"},
        {init, SOM_INIT_KEEP, "init method"}, {schedule, SOM_SCHEDULE_MQL, "schedule"},
        {neigh, SOM_NEIGHBORHOOD_MEXICAN_HAT, "neighborhood"},
    };
    for (size_t k = 0; k < sizeof e / sizeof e[0]; k++)
        if (e[k].v > e[k].max)
            return FAIL(rd, SOM_EFORMAT, "chunk 'TRAN' at byte %zu: %s is %lu, expected 0..%lu",
                        c->off, e[k].what, (unsigned long)e[k].v, (unsigned long)e[k].max);
    som_train_opts o;
    memset(&o, 0, sizeof o); /* the callback and its context stay NULL */
    o.algorithm = (som_algorithm)algorithm;
    o.init = (som_init)init;
    o.schedule = (som_schedule)schedule;
    o.neighborhood = (som_neighborhood)neigh;
    /* An int stored as its 32-bit two's complement; every value is one. */
    o.threads = threads > INT32_MAX ? (int)((int64_t)threads - INT64_C(4294967296)) : (int)threads;
    size_t *sizes[] = {&o.epochs, &o.iterations, &o.quality_every, &o.progress_every};
    const unsigned char *size_at[] = {p + 8, p + 16, p + 104, p + 112};
    for (size_t k = 0; k < 4; k++)
        if (!get_size(size_at[k], sizes[k]))
            return FAIL(rd, SOM_EFORMAT, "chunk 'TRAN' at byte %zu: a count does not fit this "
                        "machine's size_t", c->off);
    double *dbl[] = {&o.radius0, &o.radius1, &o.rate0, &o.rate1,
                     &o.inverse_a, &o.inverse_b, &o.neighbor_rate};
    static const char *const dbl_name[] = {"radius0", "radius1", "rate0", "rate1",
                                           "inverse_a", "inverse_b", "neighbor_rate"};
    for (size_t k = 0; k < 7; k++) {
        *dbl[k] = som__bits_f64(som__get_u64(p + 40 + 8 * k));
        if (!isfinite(*dbl[k]))
            return FAIL(rd, SOM_EFORMAT, "chunk 'TRAN' at byte %zu: %s is %g, expected a finite "
                        "number", c->off, dbl_name[k], *dbl[k]);
    }
    o.seed = som__get_u64(p + 96);
    map->settings = o;
    map->trained = trained != 0;
    return SOM_OK;
}

static int read_history(const reader *rd, const chunk *c, som_map *map)
{
    const unsigned char *p = payload(rd, c);
    size_t count = (size_t)som__get_u64(p);
    for (size_t i = 0; i < count; i++) {
        const unsigned char *q = p + 8 + SOM__MODEL_HIST_ENTRY_LEN * i;
        som_history h;
        if (!get_size(q, &h.pass))
            return FAIL(rd, SOM_EFORMAT, "chunk 'HIST' at byte %zu: entry %zu's pass does not "
                        "fit this machine's size_t", c->off, i + 1);
        h.sigma = som__bits_f64(som__get_u64(q + 8));
        h.alpha = som__bits_f64(som__get_u64(q + 16));
        h.qe = som__bits_f64(som__get_u64(q + 24));
        h.te = som__bits_f64(som__get_u64(q + 32));
        /* NaN means "not measured"; infinities and negative errors are never
         * written by libsom. */
        if (isinf(h.sigma) || isinf(h.alpha) || isinf(h.qe) || isinf(h.te) || h.qe < 0 ||
            h.te < 0 || h.te > 1)
            return FAIL(rd, SOM_EFORMAT, "chunk 'HIST' at byte %zu: entry %zu has sigma %g, "
                        "alpha %g, qe %g, te %g (expected finite or NaN, qe >= 0, te in 0..1)",
                        c->off, i + 1, h.sigma, h.alpha, h.qe, h.te);
        int rc = som__map_history_push(map, &h, rd->err);
        if (rc != SOM_OK) return rc;
    }
    return SOM_OK;
}

static int read_feature_weights(const reader *rd, const chunk *c, som_map *map)
{
    const unsigned char *p = payload(rd, c);
    double *w = som__calloc(map->dim, sizeof *w);
    if (!w) return som__error_oom(rd->err);
    for (size_t j = 0; j < map->dim; j++) w[j] = som__bits_f64(som__get_u64(p + 8 * j));
    som_error e;
    som_error_clear(&e);
    int rc = som_map_set_feature_weights(map, w, &e);
    som__free(w);
    if (rc == SOM_EINVAL)
        return FAIL(rd, SOM_EFORMAT, "chunk 'fwgt' at byte %zu: %s", c->off, e.message);
    if (rc) return som__error_oom(rd->err);
    return SOM_OK;
}

/* After read_training: the settings TRAN's fixed layout has no room for. */
static int read_trex(const reader *rd, const chunk *c, som_map *map)
{
    const unsigned char *p = payload(rd, c);
    uint32_t rs = som__get_u32(p), order = som__get_u32(p + 4);
    if (rs > SOM_RADIUS_INVERSE || order > SOM_ORDER_CYCLIC)
        return FAIL(rd, SOM_EFORMAT, "chunk 'trex' at byte %zu: radius-schedule %lu and order "
                    "%lu, expected 0..3 and 0..1", c->off, (unsigned long)rs, (unsigned long)order);
    map->settings.radius_schedule = (som_radius_schedule)rs;
    map->settings.order = (som_order)order;
    return SOM_OK;
}

static int read_clusters(const reader *rd, const chunk *c, som_map *map)
{
    const unsigned char *p = payload(rd, c);
    uint64_t k = som__get_u64(p);
    if (k == 0 || k > map->n_units)
        return FAIL(rd, SOM_EFORMAT, "chunk 'clus' at byte %zu: %llu clusters, expected 1..%zu "
                    "(the number of units)", c->off, (unsigned long long)k, map->n_units);
    uint32_t *v = som__calloc(map->n_units, sizeof *v);
    if (!v) return som__error_oom(rd->err);
    int rc = SOM_OK;
    for (size_t u = 0; u < map->n_units && rc == SOM_OK; u++) {
        v[u] = som__get_u32(p + 8 + 4 * u);
        if (v[u] >= k)
            rc = FAIL(rd, SOM_EFORMAT, "chunk 'clus' at byte %zu: unit %zu is in cluster %lu, "
                      "expected below %llu", c->off, u, (unsigned long)v[u], (unsigned long long)k);
    }
    if (rc == SOM_OK) rc = som_map_set_clusters(map, v, (size_t)k, rd->err);
    som__free(v);
    return rc;
}

static int read_distance(const reader *rd, const chunk *c, som_map *map)
{
    uint32_t d = som__get_u32(payload(rd, c));
    if (d > SOM_DISTANCE_CHEBYSHEV)
        return FAIL(rd, SOM_EFORMAT, "chunk 'DIST' at byte %zu: unknown distance %lu (0 "
                    "euclidean, 1 cosine, 2 manhattan, 3 chebyshev)", c->off, (unsigned long)d);
    map->distance = (som_distance)d;
    return SOM_OK;
}

static int read_codebook(const reader *rd, const chunk *c, som_map *map)
{
    const unsigned char *p = payload(rd, c);
    size_t n = map->n_units * map->dim;
    for (size_t i = 0; i < n; i++) {
        float v = som__bits_f32(som__get_u32(p + 4 * i));
        if (!isfinite(v))
            return FAIL(rd, SOM_EFORMAT, "chunk 'CODE' at byte %zu: unit %zu, column %zu is %s "
                        "(the codebook must be finite)", c->off, i / map->dim, i % map->dim + 1,
                        isnan(v) ? "NaN" : "infinite");
        map->codebook[i] = v;
    }
    return SOM_OK;
}

int som_map_load_mem(const void *buf, size_t len, const char *name, som_map **out,
                     som_error *err)
{
    if (out) *out = NULL;
    if (!out || (!buf && len)) return som__error(err, SOM_EINVAL, "som_map_load_mem: NULL argument");
    reader rd = {buf ? buf : (const void *)"", len, name, err};
    int rc = check_magic(&rd);
    if (rc != SOM_OK) return rc;
    if (len < SOM__MODEL_PREFIX_LEN + SOM__MODEL_CRC_LEN)
        return FAIL(&rd, SOM_ECORRUPT, "file ends after %zu bytes, expected at least %u",
                    len, SOM__MODEL_PREFIX_LEN + SOM__MODEL_CRC_LEN);
    /* The version comes before the CRC: a later version may place its
     * checks differently, and "too new" is the more useful message. */
    uint32_t version = som__get_u32(rd.p + 8);
    if (version != SOM__MODEL_VERSION)
        return FAIL(&rd, SOM_EVERSION, "model format version %lu; this libsom (%s) reads "
                    "version %u%s", (unsigned long)version, SOM_VERSION_STRING, SOM__MODEL_VERSION,
                    version > SOM__MODEL_VERSION ? " (the model was saved by a newer libsom)" : "");
    rc = check_lengths(&rd);
    if (rc != SOM_OK) return rc;
    uint32_t stored = som__get_u32(rd.p + len - SOM__MODEL_CRC_LEN), actual = som__crc32(rd.p, len - SOM__MODEL_CRC_LEN);
    if (stored != actual)
        return FAIL(&rd, SOM_ECORRUPT, "checksum mismatch: the file is damaged (CRC-32 stored "
                    "%08lx, computed %08lx)", (unsigned long)stored, (unsigned long)actual);

    chunk ch[SOM__CH_N];
    rc = index_chunks(&rd, ch);
    if (rc != SOM_OK) return rc;
    som_grid grid;
    size_t dim = 0, max_title = 0;
    rc = parse_head(&rd, &ch[SOM__CH_HEAD], &grid, &dim);
    if (rc == SOM_OK) rc = check_sizes(&rd, ch, &grid, dim, &max_title);
    if (rc != SOM_OK) return rc;

    som_map *map = NULL;
    rc = som_map_new(&grid, dim, &map, err);
    if (rc != SOM_OK) return rc;
    rc = read_titles(&rd, &ch[SOM__CH_TITL], map, max_title);
    if (rc == SOM_OK) rc = read_scaling(&rd, &ch[SOM__CH_SCAL], map);
    if (rc == SOM_OK) rc = read_training(&rd, &ch[SOM__CH_TRAN], map);
    if (rc == SOM_OK) rc = read_history(&rd, &ch[SOM__CH_HIST], map);
    if (rc == SOM_OK) rc = read_codebook(&rd, &ch[SOM__CH_CODE], map);
    if (rc == SOM_OK && ch[SOM__CH_FWGT].off) rc = read_feature_weights(&rd, &ch[SOM__CH_FWGT], map);
    if (rc == SOM_OK && ch[SOM__CH_TREX].off) rc = read_trex(&rd, &ch[SOM__CH_TREX], map);
    if (rc == SOM_OK && ch[SOM__CH_CLUS].off) rc = read_clusters(&rd, &ch[SOM__CH_CLUS], map);
    if (rc == SOM_OK && ch[SOM__CH_DIST].off) rc = read_distance(&rd, &ch[SOM__CH_DIST], map);
    if (rc != SOM_OK) {
        som_map_free(map);
        return rc;
    }
    *out = map;
    return SOM_OK;
}

/* A .som stream as it arrives (som__input_check): the magic and the
 * version, then each chunk header as soon as its 12 bytes are in — four
 * letters and a length within the input limit. A header can be checked as
 * soon as it is complete: with 12 bytes after the previous chunk, those
 * bytes cannot be the 4-byte CRC that ends the file. ctx: the offset of the
 * next chunk header, 0 before the prefix is through. */
int som__check_model_stream(void *ctx, const unsigned char *buf, size_t len, const char *name,
                            som_error *err)
{
    size_t *next = ctx;
    reader rd = {buf, len, name, err};
    if (*next == 0) {
        size_t pre = len < sizeof som__model_magic ? len : sizeof som__model_magic;
        if (memcmp(buf, som__model_magic, pre) != 0) return check_magic(&rd);
        if (len < SOM__MODEL_PREFIX_LEN) return SOM_OK;
        uint32_t version = som__get_u32(buf + 8);
        if (version != SOM__MODEL_VERSION)
            return FAIL(&rd, SOM_EVERSION, "model format version %lu; this libsom (%s) reads "
                        "version %u%s", (unsigned long)version, SOM_VERSION_STRING,
                        SOM__MODEL_VERSION, version > SOM__MODEL_VERSION
                                            ? " (the model was saved by a newer libsom)" : "");
        *next = SOM__MODEL_PREFIX_LEN;
    }
    const size_t limit = som_input_limit();
    char tb[17];
    while (*next <= len && len - *next >= SOM__MODEL_CHUNK_HDR_LEN) {
        const unsigned char *tag = buf + *next;
        if (!is_letter(tag[0]) || !is_letter(tag[1]) || !is_letter(tag[2]) || !is_letter(tag[3]))
            return FAIL(&rd, SOM_EFORMAT, "chunk at byte %zu has an invalid tag '%s' (tags are "
                        "four ASCII letters)", *next, tag_text(tag, tb));
        uint64_t n = som__get_u64(tag + 4);
        if (n > limit || n > limit - *next - SOM__MODEL_CHUNK_HDR_LEN)
            return som__input_too_big(name, limit, err);
        *next += SOM__MODEL_CHUNK_HDR_LEN + (size_t)n;
    }
    return SOM_OK;
}

int som_map_load(const char *path, som_map **out, som_error *err)
{
    if (out) *out = NULL;
    if (!path || !out) return som__error(err, SOM_EINVAL, "som_map_load: NULL argument");
    bool is_stdin = strcmp(path, "-") == 0;
    int fd = is_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return som__error_at(err, SOM_EIO, path, 0, 0, "cannot open: %s", strerror(errno));
    struct stat st;
    unsigned char *buf = NULL;
    size_t len = 0, next = 0;
    som__input_check check = {som__check_model_stream, &next};
    int rc = fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)
                 ? som__error_at(err, SOM_EIO, path, 0, 0, "is a directory, not a som model")
                 : som__read_fd(fd, path, &check, &buf, &len, err);
    if (!is_stdin) close(fd);
    if (rc != SOM_OK) return rc;
    rc = som_map_load_mem(buf, len, path, out, err);
    som__free(buf);
    return rc;
}
