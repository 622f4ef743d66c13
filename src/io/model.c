/* SPDX-License-Identifier: MIT */
/* model.c — libsom's native model file (.som), version 1. The byte layout is
 * specified in doc/FORMAT.md; this file and that document must agree.
 *
 * This file holds what reader and writer share (the magic, the chunk tags,
 * the CRC) and the writer; the reader is model_load.c.
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
const unsigned char som__model_magic[8] = {0x89, 'S', 'O', 'M', '\r', '\n', 0x1a, '\n'};

const char som__model_chunk_tags[SOM__CH_N][5] = {"HEAD", "TITL", "SCAL", "TRAN",
                                                  "HIST", "CODE", "fwgt", "trex", "clus",
                                                  "DIST"};

/* zlib's crc32 takes a uInt length; feed large buffers in pieces. */
uint32_t som__crc32(const unsigned char *p, size_t n)
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
static void w_f64(writer *w, double v) { w_u64(w, som__f64_bits(v)); }
static void w_bytes(writer *w, const void *src, size_t n)
{
    if (n) memcpy(w->p + w->pos, src, n);
    w->pos += n;
}
/* Starts a chunk; returns where its length goes, patched by w_chunk_end. */
static size_t w_chunk_begin(writer *w, int id)
{
    w_bytes(w, som__model_chunk_tags[id], 4);
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
/* Training settings added after TRAN's fixed layout go to the optional
 * chunk trex, only when one is not its default: older files, and models
 * trained without them, stay byte for byte as they were. */
static bool has_trex(const som_train_opts *o)
{
    return o->radius_schedule != SOM_RADIUS_SAME || o->order != SOM_ORDER_SHUFFLED;
}

static int image_size(const som_map *map, size_t *total, som_error *err)
{
    size_t dim = map->dim, n = SOM__MODEL_PREFIX_LEN + SOM__CH_N_REQUIRED * SOM__MODEL_CHUNK_HDR_LEN + SOM__MODEL_CRC_LEN;
    size_t part;
    bool ok = som__add_ok(n, SOM__MODEL_HEAD_LEN + SOM__MODEL_TRAN_LEN + 8 /* TITL count */ + 8 /* SCAL */, &n);
    for (size_t j = 0; ok && j < dim; j++) {
        size_t len = strlen(title_of(map, j));
        if (len > UINT32_MAX)
            return som__error(err, SOM_EINVAL, "title of column %zu is longer than 4 GiB", j + 1);
        ok = som__add_ok(n, 4, &n) && som__add_ok(n, len, &n);
    }
    ok = ok && som__mul_ok(dim, 4 * sizeof(double), &part) && som__add_ok(n, part, &n);
    ok = ok && som__mul_ok(map->n_history, SOM__MODEL_HIST_ENTRY_LEN, &part) && som__add_ok(n, 8 + part, &n);
    ok = ok && som__mul_ok(map->n_units, dim, &part) && som__mul_ok(part, 4, &part) &&
         som__add_ok(n, part, &n);
    if (map->fweight)
        ok = ok && som__mul_ok(dim, 8, &part) && som__add_ok(n, SOM__MODEL_CHUNK_HDR_LEN + part, &n);
    if (has_trex(&map->settings))
        ok = ok && som__add_ok(n, SOM__MODEL_CHUNK_HDR_LEN + SOM__MODEL_TREX_LEN, &n);
    if (map->cluster)
        ok = ok && som__mul_ok(map->n_units, 4, &part) && som__add_ok(n, SOM__MODEL_CHUNK_HDR_LEN + 8 + part, &n);
    if (map->distance != SOM_DISTANCE_EUCLIDEAN)
        ok = ok && som__add_ok(n, SOM__MODEL_CHUNK_HDR_LEN + 4, &n);
    if (!ok) return som__error(err, SOM_ENOMEM, "the map is too large to save");
    *total = n;
    return SOM_OK;
}

static void write_image(const som_map *map, writer *w)
{
    size_t dim = map->dim, at;
    const som_train_opts *o = &map->settings;

    w_bytes(w, som__model_magic, sizeof som__model_magic);
    w_u32(w, SOM__MODEL_VERSION);

    at = w_chunk_begin(w, SOM__CH_HEAD);
    w_u64(w, map->grid.rows);
    w_u64(w, map->grid.cols);
    w_u32(w, (uint32_t)map->grid.topology);
    w_u32(w, map->grid.toroid ? 1u : 0u);
    w_u64(w, dim);
    w_chunk_end(w, at);

    at = w_chunk_begin(w, SOM__CH_TITL);
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
    at = w_chunk_begin(w, SOM__CH_SCAL);
    w_u32(w, (uint32_t)map->scaling);
    w_u32(w, map->have_range ? 1u : 0u);
    for (size_t j = 0; j < dim; j++) w_f64(w, map->offset[j]);
    for (size_t j = 0; j < dim; j++) w_f64(w, map->factor[j]);
    for (size_t j = 0; j < dim; j++) w_f64(w, map->have_range ? map->fmin[j] : 0.0);
    for (size_t j = 0; j < dim; j++) w_f64(w, map->have_range ? map->fmax[j] : 0.0);
    w_chunk_end(w, at);

    at = w_chunk_begin(w, SOM__CH_TRAN);
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

    at = w_chunk_begin(w, SOM__CH_HIST);
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

    at = w_chunk_begin(w, SOM__CH_CODE);
    size_t n = map->n_units * dim;
    for (size_t i = 0; i < n; i++) w_u32(w, som__f32_bits(map->codebook[i]));
    w_chunk_end(w, at);

    if (map->fweight) {
        at = w_chunk_begin(w, SOM__CH_FWGT);
        for (size_t j = 0; j < dim; j++) w_f64(w, map->fweight[j]);
        w_chunk_end(w, at);
    }
    if (has_trex(o)) {
        at = w_chunk_begin(w, SOM__CH_TREX);
        w_u32(w, (uint32_t)o->radius_schedule);
        w_u32(w, (uint32_t)o->order);
        w_chunk_end(w, at);
    }
    if (map->cluster) {
        at = w_chunk_begin(w, SOM__CH_CLUS);
        w_u64(w, map->n_clusters);
        for (size_t u = 0; u < map->n_units; u++) w_u32(w, map->cluster[u]);
        w_chunk_end(w, at);
    }
    /* Critical, and only for a distance other than the default: files of
     * Euclidean maps stay byte for byte what they were, and an older
     * libsom refuses a cosine map rather than search it the wrong way. */
    if (map->distance != SOM_DISTANCE_EUCLIDEAN) {
        at = w_chunk_begin(w, SOM__CH_DIST);
        w_u32(w, (uint32_t)map->distance);
        w_chunk_end(w, at);
    }

    w_u32(w, som__crc32(w->p, w->pos));
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
