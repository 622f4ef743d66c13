/* SPDX-License-Identifier: MIT */
/* model.c — libsom's native model file (.som), version 1. The byte layout is
 * specified in doc/FORMAT.md; this file and that document must agree.
 *
 * Saving builds the whole image in memory first, so that som_map_save_mem
 * and som_map_save share one writer and the file on disk is written in one
 * go through an atomic som_outfile. Loading is strict and treats the input as
 * hostile: every length is checked against the bytes that remain before
 * anything is allocated, the CRC-32 is checked before any value is believed,
 * and every value is validated before it reaches the map. */
#include "io/io.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

/* PNG-style: a high-bit byte catches 7-bit transports, CR LF catches
 * line-end conversion, ^Z stops a DOS `type`, the final LF catches LF->CRLF. */
static const unsigned char MAGIC[8] = {0x89, 'S', 'O', 'M', '\r', '\n', 0x1a, '\n'};
#define FORMAT_VERSION 1u
#define PREFIX_LEN 12u     /* magic + u32 version */
#define CHUNK_HDR_LEN 12u  /* 4-byte tag + u64 payload length */
#define CRC_LEN 4u

/* Fixed payload sizes of version 1 (see doc/FORMAT.md). */
#define HEAD_LEN 32u
#define TRAN_LEN 120u
#define HIST_ENTRY_LEN 40u

/* The chunks of version 1. The first N_REQUIRED are critical (upper-case
 * first letter) and required exactly once; the optional ones (lower-case)
 * are written only when the map has what they hold (feature weights,
 * clusters). Writers emit them in this order. */
enum { CH_HEAD, CH_TITL, CH_SCAL, CH_TRAN, CH_HIST, CH_CODE, N_REQUIRED,
       CH_FWGT = N_REQUIRED, CH_CLUS, N_CHUNKS };
static const char CHUNK_TAGS[N_CHUNKS][5] = {"HEAD", "TITL", "SCAL", "TRAN",
                                             "HIST", "CODE", "fwgt", "clus"};

/* ------------------------------------------------------------------------- */
/* Little-endian encoding of floating point: the IEEE-754 bit pattern as an  */
/* unsigned integer. NaN is written in one canonical form so that a map     */
/* always saves to the same bytes whatever operation produced its NaNs.     */
/* ------------------------------------------------------------------------- */

static uint64_t f64_bits(double v)
{
    if (isnan(v)) return UINT64_C(0x7ff8000000000000);
    uint64_t u;
    memcpy(&u, &v, sizeof u);
    return u;
}

static double bits_f64(uint64_t u)
{
    double v;
    memcpy(&v, &u, sizeof v);
    return v;
}

static uint32_t f32_bits(float v)
{
    if (isnan(v)) return UINT32_C(0x7fc00000);
    uint32_t u;
    memcpy(&u, &v, sizeof u);
    return u;
}

static float bits_f32(uint32_t u)
{
    float v;
    memcpy(&v, &u, sizeof v);
    return v;
}

/* zlib's crc32 takes a uInt length; feed large buffers in pieces. */
static uint32_t crc_of(const unsigned char *p, size_t n)
{
    uLong crc = crc32(0L, Z_NULL, 0);
    while (n > 0) {
        uInt step = n > (1u << 30) ? (1u << 30) : (uInt)n;
        crc = crc32(crc, p, step);
        p += step;
        n -= step;
    }
    return (uint32_t)crc;
}

static bool add_ok(size_t a, size_t b, size_t *out)
{
    if (a > SIZE_MAX - b) return false;
    *out = a + b;
    return true;
}

/* ------------------------------------------------------------------------- */
/* Writing                                                                    */
/* ------------------------------------------------------------------------- */

typedef struct writer {
    unsigned char *p;
    size_t pos;
} writer;

static void w_u32(writer *w, uint32_t v)
{
    som__put_u32(w->p + w->pos, v);
    w->pos += 4;
}
static void w_u64(writer *w, uint64_t v)
{
    som__put_u64(w->p + w->pos, v);
    w->pos += 8;
}
static void w_f64(writer *w, double v) { w_u64(w, f64_bits(v)); }
static void w_bytes(writer *w, const void *src, size_t n)
{
    if (n) memcpy(w->p + w->pos, src, n);
    w->pos += n;
}
/* Starts a chunk; returns where its length goes, patched by w_chunk_end. */
static size_t w_chunk_begin(writer *w, int id)
{
    w_bytes(w, CHUNK_TAGS[id], 4);
    size_t at = w->pos;
    w_u64(w, 0);
    return at;
}
static void w_chunk_end(writer *w, size_t at)
{
    som__put_u64(w->p + at, (uint64_t)(w->pos - at - 8));
}

static const char *title_of(const som_map *map, size_t j)
{
    return map->titles && map->titles[j] ? map->titles[j] : "";
}

/* Payload sizes of every chunk for this map, or false on overflow (a map so
 * large its image cannot be addressed) or a title too long for its u32. */
static int image_size(const som_map *map, size_t *total, som_error *err)
{
    size_t dim = map->dim, n = PREFIX_LEN + N_REQUIRED * CHUNK_HDR_LEN + CRC_LEN;
    size_t part;
    bool ok = add_ok(n, HEAD_LEN + TRAN_LEN + 8 /* TITL count */ + 8 /* SCAL */, &n);
    for (size_t j = 0; ok && j < dim; j++) {
        size_t len = strlen(title_of(map, j));
        if (len > UINT32_MAX)
            return som__error(err, SOM_EINVAL, "title of column %zu is longer than 4 GiB", j + 1);
        ok = add_ok(n, 4, &n) && add_ok(n, len, &n);
    }
    ok = ok && som__mul_ok(dim, 4 * sizeof(double), &part) && add_ok(n, part, &n);
    ok = ok && som__mul_ok(map->n_history, HIST_ENTRY_LEN, &part) && add_ok(n, 8 + part, &n);
    ok = ok && som__mul_ok(map->n_units, dim, &part) && som__mul_ok(part, 4, &part) &&
         add_ok(n, part, &n);
    if (map->fweight)
        ok = ok && som__mul_ok(dim, 8, &part) && add_ok(n, CHUNK_HDR_LEN + part, &n);
    if (map->cluster)
        ok = ok && som__mul_ok(map->n_units, 4, &part) && add_ok(n, CHUNK_HDR_LEN + 8 + part, &n);
    if (!ok) return som__error(err, SOM_ENOMEM, "the map is too large to save");
    *total = n;
    return SOM_OK;
}

static void write_image(const som_map *map, writer *w)
{
    size_t dim = map->dim, at;
    const som_train_opts *o = &map->settings;

    w_bytes(w, MAGIC, sizeof MAGIC);
    w_u32(w, FORMAT_VERSION);

    at = w_chunk_begin(w, CH_HEAD);
    w_u64(w, map->grid.rows);
    w_u64(w, map->grid.cols);
    w_u32(w, (uint32_t)map->grid.topology);
    w_u32(w, map->grid.toroid ? 1u : 0u);
    w_u64(w, dim);
    w_chunk_end(w, at);

    at = w_chunk_begin(w, CH_TITL);
    w_u64(w, dim);
    for (size_t j = 0; j < dim; j++) {
        const char *t = title_of(map, j);
        size_t len = strlen(t);
        w_u32(w, (uint32_t)len);
        w_bytes(w, t, len);
    }
    w_chunk_end(w, at);

    /* Without a recorded range, fmin/fmax may hold leftovers (a failed fit
     * leaves infinities); they are written as zeros so that the image
     * depends only on what the map means. */
    at = w_chunk_begin(w, CH_SCAL);
    w_u32(w, (uint32_t)map->scaling);
    w_u32(w, map->have_range ? 1u : 0u);
    for (size_t j = 0; j < dim; j++) w_f64(w, map->offset[j]);
    for (size_t j = 0; j < dim; j++) w_f64(w, map->factor[j]);
    for (size_t j = 0; j < dim; j++) w_f64(w, map->have_range ? map->fmin[j] : 0.0);
    for (size_t j = 0; j < dim; j++) w_f64(w, map->have_range ? map->fmax[j] : 0.0);
    w_chunk_end(w, at);

    at = w_chunk_begin(w, CH_TRAN);
    w_u32(w, map->trained ? 1u : 0u);
    w_u32(w, (uint32_t)o->algorithm);
    w_u64(w, o->epochs);
    w_u64(w, o->iterations);
    w_u32(w, (uint32_t)o->init);
    w_u32(w, (uint32_t)o->schedule);
    w_u32(w, (uint32_t)o->neighborhood);
    w_u32(w, (uint32_t)o->threads);
    w_f64(w, o->radius0);
    w_f64(w, o->radius1);
    w_f64(w, o->rate0);
    w_f64(w, o->rate1);
    w_f64(w, o->inverse_a);
    w_f64(w, o->inverse_b);
    w_f64(w, o->neighbor_rate);
    w_u64(w, o->seed);
    w_u64(w, o->quality_every);
    w_u64(w, o->progress_every);
    w_chunk_end(w, at);

    at = w_chunk_begin(w, CH_HIST);
    w_u64(w, map->n_history);
    for (size_t i = 0; i < map->n_history; i++) {
        const som_history *h = &map->history[i];
        w_u64(w, h->pass);
        w_f64(w, h->sigma);
        w_f64(w, h->alpha);
        w_f64(w, h->qe);
        w_f64(w, h->te);
    }
    w_chunk_end(w, at);

    at = w_chunk_begin(w, CH_CODE);
    size_t n = map->n_units * dim;
    for (size_t i = 0; i < n; i++) w_u32(w, f32_bits(map->codebook[i]));
    w_chunk_end(w, at);

    if (map->fweight) {
        at = w_chunk_begin(w, CH_FWGT);
        for (size_t j = 0; j < dim; j++) w_f64(w, map->fweight[j]);
        w_chunk_end(w, at);
    }
    if (map->cluster) {
        at = w_chunk_begin(w, CH_CLUS);
        w_u64(w, map->n_clusters);
        for (size_t u = 0; u < map->n_units; u++) w_u32(w, map->cluster[u]);
        w_chunk_end(w, at);
    }

    w_u32(w, crc_of(w->p, w->pos));
}

int som_map_save_mem(const som_map *map, void **buf, size_t *len, som_error *err)
{
    if (buf) *buf = NULL;
    if (len) *len = 0;
    if (!map || !buf || !len) return som__error(err, SOM_EINVAL, "som_map_save_mem: NULL argument");
    size_t total = 0;
    int rc = image_size(map, &total, err);
    if (rc != SOM_OK) return rc;
    unsigned char *p = som__malloc(total);
    if (!p) return som__error_oom(err);
    writer w = {p, 0};
    write_image(map, &w);
    /* image_size and write_image must agree byte for byte. */
    if (w.pos != total) {
        som__free(p);
        return som__error(err, SOM_EINVAL, "internal error: model image is %zu bytes, expected %zu",
                          w.pos, total);
    }
    *buf = p;
    *len = total;
    return SOM_OK;
}

int som_map_save(const som_map *map, const char *path, som_error *err)
{
    if (!map || !path) return som__error(err, SOM_EINVAL, "som_map_save: NULL argument");
    void *buf;
    size_t len;
    int rc = som_map_save_mem(map, &buf, &len, err);
    if (rc != SOM_OK) return rc;
    som_outfile *f;
    rc = som_outfile_open(path, &f, err);
    if (rc == SOM_OK) {
        /* 4 MB at a time, polling the cancellation token between. */
        const size_t step = (size_t)4 << 20;
        for (size_t at = 0; rc == SOM_OK && at < len; at += step) {
            size_t k = len - at < step ? len - at : step;
            if ((rc = som__cancel_check(err))) break;
            if (fwrite((const unsigned char *)buf + at, 1, k, som_outfile_stream(f)) != k)
                rc = som__error_at(err, SOM_EIO, path, 0, 0, "cannot write: %s", strerror(errno));
        }
        if (rc != SOM_OK) som_outfile_abort(f);
        else rc = som_outfile_commit(f, err);
    }
    som__free(buf);
    return rc;
}

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
    for (int i = 0; i < 5; i++) h[i] = bits_f64(som__get_u64(p + 8 * i));
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
    if (len >= sizeof MAGIC && memcmp(p, MAGIC, sizeof MAGIC) == 0) return SOM_OK;
    if (len == 0) return FAIL(rd, SOM_EFORMAT, "the file is empty, not a som model");
    if (len < sizeof MAGIC && memcmp(p, MAGIC, len) == 0)
        return FAIL(rd, SOM_ECORRUPT, "file ends after %zu bytes, expected at least %u: "
                    "a truncated som model", len, PREFIX_LEN + CRC_LEN);
    if (len >= 4 && memcmp(p, MAGIC, 4) == 0)
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
    size_t end = rd->len - CRC_LEN, off = PREFIX_LEN;
    char tb[17];
    while (off < end) {
        if (end - off < CHUNK_HDR_LEN)
            return FAIL(rd, SOM_ECORRUPT, "file ends after %zu bytes, expected at least %zu "
                        "(the chunk header at byte %zu is cut short)",
                        rd->len, off + CHUNK_HDR_LEN + CRC_LEN, off);
        uint64_t n = som__get_u64(rd->p + off + 4);
        size_t room = end - off - CHUNK_HDR_LEN;
        if (n > room) {
            uint64_t need = (uint64_t)off + CHUNK_HDR_LEN + CRC_LEN;
            if (n > UINT64_MAX - need)
                return FAIL(rd, SOM_ECORRUPT, "chunk '%s' at byte %zu declares %llu bytes, far "
                            "more than the file's %zu", tag_text(rd->p + off, tb), off,
                            (unsigned long long)n, rd->len);
            return FAIL(rd, SOM_ECORRUPT, "chunk '%s' at byte %zu declares %llu bytes: file ends "
                        "after %zu bytes, expected at least %llu", tag_text(rd->p + off, tb), off,
                        (unsigned long long)n, rd->len, (unsigned long long)(need + n));
        }
        off += CHUNK_HDR_LEN + (size_t)n;
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
static int index_chunks(const reader *rd, chunk ch[N_CHUNKS])
{
    size_t end = rd->len - CRC_LEN, off = PREFIX_LEN;
    char tb[17];
    memset(ch, 0, N_CHUNKS * sizeof *ch);
    while (off < end) {
        const unsigned char *tag = rd->p + off;
        size_t n = (size_t)som__get_u64(tag + 4);
        if (!is_letter(tag[0]) || !is_letter(tag[1]) || !is_letter(tag[2]) || !is_letter(tag[3]))
            return FAIL(rd, SOM_EFORMAT, "chunk at byte %zu has an invalid tag '%s' (tags are "
                        "four ASCII letters)", off, tag_text(tag, tb));
        int id = -1;
        for (int k = 0; k < N_CHUNKS; k++)
            if (memcmp(tag, CHUNK_TAGS[k], 4) == 0) id = k;
        if (id >= 0) {
            if (ch[id].off)
                return FAIL(rd, SOM_EFORMAT, "chunk '%s' appears twice (at bytes %zu and %zu)",
                            CHUNK_TAGS[id], ch[id].off, off);
            ch[id].off = off;
            ch[id].len = n;
        } else if (tag[0] >= 'A' && tag[0] <= 'Z') {
            return FAIL(rd, SOM_ENOTSUP, "chunk '%s' at byte %zu is needed to read this model but "
                        "is unknown to libsom %s; a newer libsom wrote it",
                        tag_text(tag, tb), off, SOM_VERSION_STRING);
        }
        /* else: an optional chunk from a later writer; skipped. */
        off += CHUNK_HDR_LEN + n;
    }
    for (int k = 0; k < N_REQUIRED; k++)
        if (!ch[k].off)
            return FAIL(rd, SOM_EFORMAT, "required chunk '%s' is missing", CHUNK_TAGS[k]);
    return SOM_OK;
}

/* Payload of chunk c. */
static const unsigned char *payload(const reader *rd, const chunk *c)
{
    return rd->p + c->off + CHUNK_HDR_LEN;
}

static int bad_length(const reader *rd, int id, const chunk *c, const char *expected)
{
    return FAIL(rd, SOM_EFORMAT, "chunk '%s' at byte %zu is %zu bytes long, expected %s",
                CHUNK_TAGS[id], c->off, c->len, expected);
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
    if (c->len != HEAD_LEN) return bad_length(rd, CH_HEAD, c, "32");
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
static int check_sizes(const reader *rd, const chunk ch[N_CHUNKS], const som_grid *grid,
                       size_t dim, size_t *max_title)
{
    char want[64];
    size_t need;

    /* CODE: rows*cols*dim float32. */
    if (!som__mul_ok(grid->rows * grid->cols, dim, &need) || !som__mul_ok(need, 4, &need) ||
        ch[CH_CODE].len != need) {
        if (som__mul_ok(grid->rows * grid->cols, dim, &need) && som__mul_ok(need, 4, &need))
            snprintf(want, sizeof want, "%zu (%zux%zu units x %zu x 4)", need, grid->rows,
                     grid->cols, dim);
        else
            snprintf(want, sizeof want, "%zux%zu x %zu x 4 (too large)", grid->rows,
                     grid->cols, dim);
        return bad_length(rd, CH_CODE, &ch[CH_CODE], want);
    }

    /* SCAL: 8 + 4 arrays of dim f64. */
    if (!som__mul_ok(dim, 32, &need) || !add_ok(need, 8, &need) || ch[CH_SCAL].len != need) {
        snprintf(want, sizeof want, "8 + 32 x dim (dim %zu)", dim);
        return bad_length(rd, CH_SCAL, &ch[CH_SCAL], want);
    }

    if (ch[CH_TRAN].len != TRAN_LEN) return bad_length(rd, CH_TRAN, &ch[CH_TRAN], "120");

    /* The optional chunks, when present: fwgt dim f64, clus 8 + 4 x n_units. */
    if (ch[CH_FWGT].off && (!som__mul_ok(dim, 8, &need) || ch[CH_FWGT].len != need)) {
        snprintf(want, sizeof want, "8 x dim (dim %zu)", dim);
        return bad_length(rd, CH_FWGT, &ch[CH_FWGT], want);
    }
    if (ch[CH_CLUS].off && (!som__mul_ok(grid->rows * grid->cols, 4, &need) ||
                            !add_ok(need, 8, &need) || ch[CH_CLUS].len != need)) {
        snprintf(want, sizeof want, "8 + 4 x %zu units", grid->rows * grid->cols);
        return bad_length(rd, CH_CLUS, &ch[CH_CLUS], want);
    }

    /* HIST: 8 + 40 x count. */
    const chunk *h = &ch[CH_HIST];
    if (h->len < 8) return bad_length(rd, CH_HIST, h, "at least 8");
    uint64_t count = som__get_u64(payload(rd, h));
    if ((h->len - 8) % HIST_ENTRY_LEN != 0 || count != (h->len - 8) / HIST_ENTRY_LEN) {
        snprintf(want, sizeof want, "8 + 40 x %llu (the entry count it declares)",
                 (unsigned long long)count);
        return bad_length(rd, CH_HIST, h, want);
    }

    /* TITL: u64 count == dim, then count (u32 length, bytes) with no NUL,
     * ending exactly at the chunk's end. */
    const chunk *t = &ch[CH_TITL];
    if (t->len < 8) return bad_length(rd, CH_TITL, t, "at least 8");
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
        double o = bits_f64(som__get_u64(off + 8 * j)), f = bits_f64(som__get_u64(fac + 8 * j));
        double a = bits_f64(som__get_u64(lo + 8 * j)), b = bits_f64(som__get_u64(hi + 8 * j));
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
        *dbl[k] = bits_f64(som__get_u64(p + 40 + 8 * k));
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
        const unsigned char *q = p + 8 + HIST_ENTRY_LEN * i;
        som_history h;
        if (!get_size(q, &h.pass))
            return FAIL(rd, SOM_EFORMAT, "chunk 'HIST' at byte %zu: entry %zu's pass does not "
                        "fit this machine's size_t", c->off, i + 1);
        h.sigma = bits_f64(som__get_u64(q + 8));
        h.alpha = bits_f64(som__get_u64(q + 16));
        h.qe = bits_f64(som__get_u64(q + 24));
        h.te = bits_f64(som__get_u64(q + 32));
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
    for (size_t j = 0; j < map->dim; j++) w[j] = bits_f64(som__get_u64(p + 8 * j));
    som_error e;
    som_error_clear(&e);
    int rc = som_map_set_feature_weights(map, w, &e);
    som__free(w);
    if (rc == SOM_EINVAL)
        return FAIL(rd, SOM_EFORMAT, "chunk 'fwgt' at byte %zu: %s", c->off, e.message);
    if (rc) return som__error_oom(rd->err);
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

static int read_codebook(const reader *rd, const chunk *c, som_map *map)
{
    const unsigned char *p = payload(rd, c);
    size_t n = map->n_units * map->dim;
    for (size_t i = 0; i < n; i++) {
        float v = bits_f32(som__get_u32(p + 4 * i));
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
    if (len < PREFIX_LEN + CRC_LEN)
        return FAIL(&rd, SOM_ECORRUPT, "file ends after %zu bytes, expected at least %u",
                    len, PREFIX_LEN + CRC_LEN);
    /* The version comes before the CRC: a later version may place its
     * checks differently, and "too new" is the more useful message. */
    uint32_t version = som__get_u32(rd.p + 8);
    if (version != FORMAT_VERSION)
        return FAIL(&rd, SOM_EVERSION, "model format version %lu; this libsom (%s) reads "
                    "version %u%s", (unsigned long)version, SOM_VERSION_STRING, FORMAT_VERSION,
                    version > FORMAT_VERSION ? " (the model was saved by a newer libsom)" : "");
    rc = check_lengths(&rd);
    if (rc != SOM_OK) return rc;
    uint32_t stored = som__get_u32(rd.p + len - CRC_LEN), actual = crc_of(rd.p, len - CRC_LEN);
    if (stored != actual)
        return FAIL(&rd, SOM_ECORRUPT, "checksum mismatch: the file is damaged (CRC-32 stored "
                    "%08lx, computed %08lx)", (unsigned long)stored, (unsigned long)actual);

    chunk ch[N_CHUNKS];
    rc = index_chunks(&rd, ch);
    if (rc != SOM_OK) return rc;
    som_grid grid;
    size_t dim = 0, max_title = 0;
    rc = parse_head(&rd, &ch[CH_HEAD], &grid, &dim);
    if (rc == SOM_OK) rc = check_sizes(&rd, ch, &grid, dim, &max_title);
    if (rc != SOM_OK) return rc;

    som_map *map = NULL;
    rc = som_map_new(&grid, dim, &map, err);
    if (rc != SOM_OK) return rc;
    rc = read_titles(&rd, &ch[CH_TITL], map, max_title);
    if (rc == SOM_OK) rc = read_scaling(&rd, &ch[CH_SCAL], map);
    if (rc == SOM_OK) rc = read_training(&rd, &ch[CH_TRAN], map);
    if (rc == SOM_OK) rc = read_history(&rd, &ch[CH_HIST], map);
    if (rc == SOM_OK) rc = read_codebook(&rd, &ch[CH_CODE], map);
    if (rc == SOM_OK && ch[CH_FWGT].off) rc = read_feature_weights(&rd, &ch[CH_FWGT], map);
    if (rc == SOM_OK && ch[CH_CLUS].off) rc = read_clusters(&rd, &ch[CH_CLUS], map);
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
        size_t pre = len < sizeof MAGIC ? len : sizeof MAGIC;
        if (memcmp(buf, MAGIC, pre) != 0) return check_magic(&rd);
        if (len < PREFIX_LEN) return SOM_OK;
        uint32_t version = som__get_u32(buf + 8);
        if (version != FORMAT_VERSION)
            return FAIL(&rd, SOM_EVERSION, "model format version %lu; this libsom (%s) reads "
                        "version %u%s", (unsigned long)version, SOM_VERSION_STRING,
                        FORMAT_VERSION, version > FORMAT_VERSION
                                            ? " (the model was saved by a newer libsom)" : "");
        *next = PREFIX_LEN;
    }
    const size_t limit = som_input_limit();
    char tb[17];
    while (*next <= len && len - *next >= CHUNK_HDR_LEN) {
        const unsigned char *tag = buf + *next;
        if (!is_letter(tag[0]) || !is_letter(tag[1]) || !is_letter(tag[2]) || !is_letter(tag[3]))
            return FAIL(&rd, SOM_EFORMAT, "chunk at byte %zu has an invalid tag '%s' (tags are "
                        "four ASCII letters)", *next, tag_text(tag, tb));
        uint64_t n = som__get_u64(tag + 4);
        if (n > limit || n > limit - *next - CHUNK_HDR_LEN)
            return som__input_too_big(name, limit, err);
        *next += CHUNK_HDR_LEN + (size_t)n;
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
