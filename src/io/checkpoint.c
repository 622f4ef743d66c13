/* SPDX-License-Identifier: MIT */
/* checkpoint.c — a training run saved mid-way and continued to the same
 * bytes as a run that never stopped.
 *
 * A checkpoint is a .som model file (doc/FORMAT.md) of the map as it is
 * between two passes, with one more chunk, the optional 'trst' (lower-case
 * first letter: readers that do not know it skip it, so `som info` and
 * som_map_load read a checkpoint as the partly trained map it is). The chunk
 * holds what the map does not: the trainer's resolved settings, its step
 * and pass counters, the RNG state, the online permutation and the position
 * in it, and a fingerprint of the data. The model image comes from
 * som_map_save_mem unchanged; the chunk is appended before the CRC, which is
 * recomputed, so model.c needs no knowledge of trainers.
 *
 * Everything else a trainer holds is scratch that the next step rebuilds
 * (the BMUs of the last sweep are recomputed: the same codebook gives the
 * same BMUs). */
#include "io/io.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#define TRST_VERSION 1u
/* Fixed part of the payload: see write_state for the order. */
#define TRST_FIXED_LEN (4 + 4 + 3 * 8 + 4 * 8 + 4 * 8 + 2 * 8 + 4 * 4 + 4 * 8 + 7 * 8 + 4 + 2 * 8)

static const char TAG[4] = {'t', 'r', 's', 't'};

/* ---- the data's fingerprint ---------------------------------------------
 * FNV-1a over 32-bit words: the values' bits, the mask, the weights and
 * the fixed points, with the sizes in front. Not cryptographic; it catches
 * resuming on a different or edited file, not an adversary. It is not
 * som_hash (FNV-1a over bytes): the fingerprint is stored in checkpoint
 * files and specified word by word in doc/FORMAT.md, so it stays as it is. */

typedef struct hasher {
    uint64_t h;
} hasher;

static void hash_word(hasher *s, uint32_t w)
{
    s->h = (s->h ^ w) * UINT64_C(0x100000001b3);
}

static void hash_u64(hasher *s, uint64_t v)
{
    hash_word(s, (uint32_t)v);
    hash_word(s, (uint32_t)(v >> 32));
}

static uint64_t data_hash(const som_data *d)
{
    hasher s = {UINT64_C(0xcbf29ce484222325)};
    size_t n = d->n * d->dim;
    hash_u64(&s, d->n);
    hash_u64(&s, d->dim);
    for (size_t i = 0; i < n; i++) {
        uint32_t w;
        memcpy(&w, &d->x[i], sizeof w);
        hash_word(&s, w);
    }
    hash_word(&s, d->mask ? 1u : 0u);
    for (size_t i = 0; d->mask && i < n; i++) hash_word(&s, d->mask[i]);
    hash_word(&s, d->weight ? 1u : 0u);
    for (size_t i = 0; d->weight && i < d->n; i++) {
        uint64_t w;
        memcpy(&w, &d->weight[i], sizeof w);
        hash_u64(&s, w);
    }
    hash_word(&s, d->fixed ? 1u : 0u);
    for (size_t i = 0; d->fixed && i < 2 * d->n; i++) hash_u64(&s, d->fixed[i]);
    return s.h;
}

/* ---- writing -------------------------------------------------------------- */

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

/* The payload, in this order (doc/FORMAT.md, "trst"). */
static void write_state(const som_trainer *t, writer *w)
{
    const som_train_opts *o = &t->opts;
    const som_data *d = t->data;
    bool online = o->algorithm == SOM_ONLINE;
    w_u32(w, TRST_VERSION);
    w_u32(w, (t->finished ? 1u : 0u) | (t->map->trained ? 2u : 0u));
    w_u64(w, d->n);
    w_u64(w, d->dim);
    w_u64(w, data_hash(d));
    w_u64(w, t->step);
    w_u64(w, t->n_steps);
    w_u64(w, t->pass);
    w_u64(w, t->n_passes);
    for (int k = 0; k < 4; k++) w_u64(w, t->rng.s[k]);
    w_f64(w, t->sigma);
    w_f64(w, t->alpha);
    w_u32(w, (uint32_t)o->algorithm);
    w_u32(w, (uint32_t)o->init);
    w_u32(w, (uint32_t)o->schedule);
    w_u32(w, (uint32_t)o->neighborhood);
    w_u64(w, o->epochs);
    w_u64(w, o->iterations);
    w_u64(w, o->seed);
    w_u64(w, o->quality_every);
    w_f64(w, o->radius0);
    w_f64(w, o->radius1);
    w_f64(w, o->rate0);
    w_f64(w, o->rate1);
    w_f64(w, o->inverse_a);
    w_f64(w, o->inverse_b);
    w_f64(w, o->neighbor_rate);
    w_u32(w, (uint32_t)t->map->scaling);
    w_u64(w, online ? t->perm_pos : 0);
    w_u64(w, online ? d->n : 0);
    for (size_t i = 0; online && i < d->n; i++) w_u64(w, t->perm[i]);
}

int som_trainer_save_state(const som_trainer *t, const char *path, som_error *err)
{
    if (!t || !path) return som__error(err, SOM_EINVAL, "som_trainer_save_state: NULL argument");
    if (t->end_pending)
        return som__error(err, SOM_EINVAL,
                          "the run was cancelled at the end of a pass: run it again before "
                          "saving its state");
    if (t->opts.shard)
        return som__error(err, SOM_ENOTSUP, "checkpoints of distributed training are not supported");
    /* The settings TRST's fixed layout has no room for travel in the map's
     * chunk trex (written only when not default, so other checkpoints are
     * as they were); the map gets the whole of them only at the end. */
    som_map with = *t->map;
    with.settings.radius_schedule = t->opts.radius_schedule;
    with.settings.order = t->opts.order;
    void *model = NULL;
    size_t model_len = 0;
    int rc = som_map_save_mem(&with, &model, &model_len, err);
    if (rc != SOM_OK) return rc;

    size_t n_perm = t->opts.algorithm == SOM_ONLINE ? t->data->n : 0;
    size_t payload, total;
    if (!som__mul_ok(n_perm, 8, &payload) || payload > SIZE_MAX - TRST_FIXED_LEN ||
        (payload += TRST_FIXED_LEN) > SIZE_MAX - model_len - SOM__MODEL_CHUNK_HDR_LEN) {
        som__free(model);
        return som__error(err, SOM_ENOMEM, "the training state is too large to save");
    }
    total = model_len + SOM__MODEL_CHUNK_HDR_LEN + payload;
    unsigned char *buf = som__malloc(total);
    if (!buf) {
        som__free(model);
        return som__error_oom(err);
    }
    /* The model image without its CRC, the chunk, then a new CRC over all. */
    writer w = {buf, 0};
    memcpy(buf, model, model_len - SOM__MODEL_CRC_LEN);
    w.pos = model_len - SOM__MODEL_CRC_LEN;
    som__free(model);
    memcpy(buf + w.pos, TAG, 4);
    w.pos += 4;
    w_u64(&w, payload);
    size_t start = w.pos;
    write_state(t, &w);
    if (w.pos - start != payload) {
        som__free(buf);
        return som__error(err, SOM_EINVAL, "internal error: training state is %zu bytes, "
                          "expected %zu", w.pos - start, payload);
    }
    w_u32(&w, som__crc32(buf, w.pos));

    som_outfile *f;
    rc = som_outfile_open(path, &f, err);
    if (rc == SOM_OK) {
        if (fwrite(buf, 1, total, som_outfile_stream(f)) != total) {
            int e = errno;
            som_outfile_abort(f);
            rc = som__error_at(err, SOM_EIO, path, 0, 0, "cannot write: %s", strerror(e));
        } else {
            rc = som_outfile_commit(f, err);
        }
    }
    som__free(buf);
    return rc;
}

/* ---- reading -------------------------------------------------------------- */

static int read_file(const char *path, unsigned char **out, size_t *len, som_error *err)
{
    *out = NULL;
    *len = 0;
    FILE *fp = fopen(path, "rb");
    if (!fp) return som__error_at(err, SOM_EIO, path, 0, 0, "cannot open: %s", strerror(errno));
    struct stat st;
    if (fstat(fileno(fp), &st) != 0 || !S_ISREG(st.st_mode) || st.st_size < 0 ||
        (uint64_t)st.st_size >= SIZE_MAX) {
        fclose(fp);
        return som__error_at(err, SOM_EIO, path, 0, 0, "not a regular file");
    }
    size_t size = (size_t)st.st_size;
    unsigned char *buf = som__malloc(size);
    if (!buf) {
        fclose(fp);
        return som__error_oom(err);
    }
    size_t got = size ? fread(buf, 1, size, fp) : 0;
    int e = errno;
    bool bad = got != size || ferror(fp);
    fclose(fp);
    if (bad) {
        som__free(buf);
        return som__error_at(err, SOM_EIO, path, 0, 0, "cannot read: %s",
                             got != size ? "the file changed while being read" : strerror(e));
    }
    *out = buf;
    *len = size;
    return SOM_OK;
}

/* The 'trst' payload of an image som_map_load_mem accepted (so the chunks
 * tile it and the CRC is right), or NULL when there is none. */
static const unsigned char *find_state(const unsigned char *p, size_t len, size_t *plen)
{
    size_t off = SOM__MODEL_PREFIX_LEN, end = len - SOM__MODEL_CRC_LEN;
    while (off + SOM__MODEL_CHUNK_HDR_LEN <= end) {
        size_t n = (size_t)som__get_u64(p + off + 4);
        if (memcmp(p + off, TAG, 4) == 0) {
            *plen = n;
            return p + off + SOM__MODEL_CHUNK_HDR_LEN;
        }
        off += SOM__MODEL_CHUNK_HDR_LEN + n;
    }
    return NULL;
}

typedef struct state {
    uint32_t flags;
    uint64_t n, dim, hash;
    uint64_t step, n_steps, pass, n_passes;
    uint64_t rng[4];
    double sigma, alpha;
    som_train_opts opts;
    som_scaling scaling;
    uint64_t perm_pos, n_perm;
    const unsigned char *perm; /* n_perm u64, in the file image */
} state;

typedef struct reader {
    const unsigned char *p;
    size_t pos;
} reader;

static uint32_t r_u32(reader *r)
{
    uint32_t v = som__get_u32(r->p + r->pos);
    r->pos += 4;
    return v;
}
static uint64_t r_u64(reader *r)
{
    uint64_t v = som__get_u64(r->p + r->pos);
    r->pos += 8;
    return v;
}
static double r_f64(reader *r) { return som__bits_f64(r_u64(r)); }

#define BAD_STATE(...) som__error_at(err, SOM_EFORMAT, path, 0, 0, "training state: " __VA_ARGS__)

static int parse_state(const unsigned char *p, size_t len, const char *path, state *s,
                       som_error *err)
{
    if (len < TRST_FIXED_LEN)
        return BAD_STATE("chunk 'trst' is %zu bytes, expected at least %d", len, TRST_FIXED_LEN);
    reader r = {p, 0};
    uint32_t version = r_u32(&r);
    if (version != TRST_VERSION)
        return som__error_at(err, SOM_EVERSION, path, 0, 0, "training state version %lu; this "
                             "libsom reads version %u", (unsigned long)version, TRST_VERSION);
    memset(s, 0, sizeof *s);
    s->flags = r_u32(&r);
    s->n = r_u64(&r);
    s->dim = r_u64(&r);
    s->hash = r_u64(&r);
    s->step = r_u64(&r);
    s->n_steps = r_u64(&r);
    s->pass = r_u64(&r);
    s->n_passes = r_u64(&r);
    for (int k = 0; k < 4; k++) s->rng[k] = r_u64(&r);
    s->sigma = r_f64(&r);
    s->alpha = r_f64(&r);
    som_train_opts *o = &s->opts;
    som_train_opts_init(o);
    uint32_t alg = r_u32(&r), init = r_u32(&r), sched = r_u32(&r), hood = r_u32(&r);
    o->epochs = (size_t)r_u64(&r);
    o->iterations = (size_t)r_u64(&r);
    o->seed = r_u64(&r);
    o->quality_every = (size_t)r_u64(&r);
    double *dbl[] = {&o->radius0, &o->radius1, &o->rate0, &o->rate1,
                     &o->inverse_a, &o->inverse_b, &o->neighbor_rate};
    for (size_t k = 0; k < 7; k++) {
        *dbl[k] = r_f64(&r);
        if (!isfinite(*dbl[k])) return BAD_STATE("a setting is not a finite number");
    }
    uint32_t scaling = r_u32(&r);
    s->perm_pos = r_u64(&r);
    s->n_perm = r_u64(&r);
    if (s->flags > 3 || alg > SOM_BATCH || init > SOM_INIT_KEEP || sched > SOM_SCHEDULE_MQL ||
        hood > SOM_NEIGHBORHOOD_MEXICAN_HAT || scaling > SOM_SCALE_MINMAX)
        return BAD_STATE("a flag or setting is out of range");
    o->algorithm = (som_algorithm)alg;
    o->init = (som_init)init;
    o->schedule = (som_schedule)sched;
    o->neighborhood = (som_neighborhood)hood;
    s->scaling = (som_scaling)scaling;
    if (s->step > s->n_steps || s->pass > s->n_passes)
        return BAD_STATE("step %llu of %llu, pass %llu of %llu", (unsigned long long)s->step,
                         (unsigned long long)s->n_steps, (unsigned long long)s->pass,
                         (unsigned long long)s->n_passes);
    uint64_t want_perm = o->algorithm == SOM_ONLINE ? s->n : 0;
    if (s->n_perm != want_perm || (len - TRST_FIXED_LEN) / 8 != s->n_perm ||
        (len - TRST_FIXED_LEN) % 8 != 0 || s->perm_pos > s->n_perm)
        return BAD_STATE("the permutation holds %llu entries (position %llu) in %zu bytes, "
                         "expected %llu", (unsigned long long)s->n_perm,
                         (unsigned long long)s->perm_pos, len - TRST_FIXED_LEN,
                         (unsigned long long)want_perm);
    s->perm = p + r.pos;
    return SOM_OK;
}

/* The settings that change what training computes must be those of the
 * interrupted run; the thread count and the progress reporting may not. */
static int check_settings(const som_train_opts *want, const som_train_opts *got,
                          const char *path, som_error *err)
{
#define SAME_SIZE(f, name)                                                                   \
    if (want->f != got->f)                                                                   \
        return som__error_at(err, SOM_EINVAL, path, 0, 0, "the checkpoint was made with "    \
                             name " %llu, this run asks for %llu", (unsigned long long)want->f, \
                             (unsigned long long)got->f)
#define SAME_DBL(f, name)                                                                    \
    if (memcmp(&want->f, &got->f, sizeof want->f) != 0)                                      \
        return som__error_at(err, SOM_EINVAL, path, 0, 0, "the checkpoint was made with "    \
                             name " %.17g, this run asks for %.17g", want->f, got->f)
    SAME_SIZE(algorithm, "algorithm");
    SAME_SIZE(epochs, "epochs");
    SAME_SIZE(iterations, "iterations");
    SAME_SIZE(init, "init method");
    SAME_SIZE(schedule, "schedule");
    SAME_SIZE(neighborhood, "neighborhood");
    SAME_SIZE(seed, "seed");
    SAME_SIZE(quality_every, "quality-every");
    SAME_DBL(radius0, "radius0");
    SAME_DBL(radius1, "radius1");
    SAME_DBL(rate0, "rate0");
    SAME_DBL(rate1, "rate1");
    SAME_DBL(inverse_a, "inverse A");
    SAME_DBL(inverse_b, "inverse B");
    SAME_DBL(neighbor_rate, "neighbor rate");
#undef SAME_SIZE
#undef SAME_DBL
    return SOM_OK;
}

/* Checks the checkpoint against the caller's map, data and settings, before
 * anything of theirs changes. */
static int check_match(const som_map *map, const som_data *data, const som_map *ck,
                       const state *s, const som_train_opts *resolved, const char *path,
                       som_error *err)
{
    const som_grid *g = &map->grid, *cg = &ck->grid;
    if (g->rows != cg->rows || g->cols != cg->cols || g->topology != cg->topology ||
        g->toroid != cg->toroid)
        return som__error_at(err, SOM_EDIM, path, 0, 0, "the checkpoint's grid is %zux%zu %s%s, "
                             "this run's %zux%zu %s%s", cg->rows, cg->cols,
                             cg->topology == SOM_HEX ? "hex" : "rect", cg->toroid ? " toroid" : "",
                             g->rows, g->cols, g->topology == SOM_HEX ? "hex" : "rect",
                             g->toroid ? " toroid" : "");
    if (map->dim != ck->dim || s->dim != ck->dim)
        return som__error_at(err, SOM_EDIM, path, 0, 0, "the checkpoint has %zu fields, this "
                             "run's map %zu", ck->dim, map->dim);
    if (s->n != data->n || s->dim != data->dim)
        return som__error_at(err, SOM_EDIM, path, 0, 0, "the checkpoint was made on %llu "
                             "samples x %llu fields, this data has %zu x %zu",
                             (unsigned long long)s->n, (unsigned long long)s->dim, data->n,
                             data->dim);
    if (s->hash != data_hash(data))
        return som__error_at(err, SOM_EINVAL, path, 0, 0, "the checkpoint was made on other "
                             "data (same size, different values)");
    if (!map->fweight != !ck->fweight ||
        (map->fweight && memcmp(map->fweight, ck->fweight, map->dim * sizeof *map->fweight) != 0))
        return som__error_at(err, SOM_EINVAL, path, 0, 0, "the checkpoint was made with other "
                             "feature weights");
    if (s->scaling != map->scaling)
        return som__error_at(err, SOM_EINVAL, path, 0, 0, "the checkpoint was made with "
                             "scaling %d, this run's map has %d", (int)s->scaling,
                             (int)map->scaling);
    if (ck->settings.radius_schedule != resolved->radius_schedule ||
        ck->settings.order != resolved->order)
        return som__error_at(err, SOM_EINVAL, path, 0, 0, "the checkpoint was made with "
                             "radius-schedule %s and order %s, this run asks for %s and %s",
                             som_enum_name(SOM_ENUM_RADIUS_SCHEDULE, (int)ck->settings.radius_schedule),
                             som_enum_name(SOM_ENUM_ORDER, (int)ck->settings.order),
                             som_enum_name(SOM_ENUM_RADIUS_SCHEDULE, (int)resolved->radius_schedule),
                             som_enum_name(SOM_ENUM_ORDER, (int)resolved->order));
    return check_settings(&s->opts, resolved, path, err);
}

int som_trainer_resume(som_map *map, const som_data *data, const som_train_opts *opts,
                       const char *path, som_trainer **out, som_error *err)
{
    if (out) *out = NULL;
    if (!map || !data || !opts || !path || !out)
        return som__error(err, SOM_EINVAL, "som_trainer_resume: NULL argument");
    if (opts->shard)
        return som__error(err, SOM_ENOTSUP, "checkpoints of distributed training are not supported");
    unsigned char *buf = NULL;
    size_t len = 0;
    som_map *ck = NULL;
    som_trainer *t = NULL;
    int rc = read_file(path, &buf, &len, err);
    if (rc != SOM_OK) return rc;
    if ((rc = som_map_load_mem(buf, len, path, &ck, err)) != SOM_OK) goto done;
    size_t plen = 0;
    const unsigned char *payload = find_state(buf, len, &plen);
    if (!payload) {
        rc = som__error_at(err, SOM_EFORMAT, path, 0, 0, "a model without training state, "
                           "not a checkpoint");
        goto done;
    }
    state s;
    if ((rc = parse_state(payload, plen, path, &s, err)) != SOM_OK) goto done;
    som_train_opts resolved = *opts;
    som__train_opts_resolve(&resolved, &map->grid);
    if ((rc = check_match(map, data, ck, &s, &resolved, path, err)) != SOM_OK) goto done;
    /* The permutation must be one: every sample once. */
    if (s.n_perm) {
        uint8_t *seen = som__calloc(s.n_perm, 1);
        if (!seen) {
            rc = som__error_oom(err);
            goto done;
        }
        for (size_t i = 0; i < s.n_perm && rc == SOM_OK; i++) {
            uint64_t v = som__get_u64(s.perm + 8 * i);
            if (v >= s.n_perm || seen[v])
                rc = BAD_STATE("the sample order is not a permutation (entry %zu)", i + 1);
            else
                seen[v] = 1;
        }
        som__free(seen);
        if (rc != SOM_OK) goto done;
    }

    /* The map takes the checkpoint's scaling first: the trainer scales the
     * data with it. */
    for (size_t j = 0; j < map->dim; j++) {
        map->offset[j] = ck->offset[j];
        map->factor[j] = ck->factor[j];
        map->fmin[j] = ck->fmin[j];
        map->fmax[j] = ck->fmax[j];
    }
    map->have_range = ck->have_range;
    /* A trainer on the caller's codebook (no initialisation), then the
     * checkpoint's codebook, history and counters over it. */
    som_train_opts keep = resolved;
    keep.init = SOM_INIT_KEEP;
    if ((rc = som_trainer_new(map, data, &keep, &t, err)) != SOM_OK) goto done;
    t->opts.init = s.opts.init;
    if (t->n_steps != s.n_steps || t->n_passes != s.n_passes) {
        rc = BAD_STATE("%llu steps in %llu passes, but these settings plan %zu in %zu",
                       (unsigned long long)s.n_steps, (unsigned long long)s.n_passes,
                       t->n_steps, t->n_passes);
        goto done;
    }
    som__map_history_clear(map);
    for (size_t i = 0; i < ck->n_history; i++)
        if ((rc = som__map_history_push(map, &ck->history[i], err)) != SOM_OK) goto done;
    memcpy(map->codebook, ck->codebook, map->n_units * map->dim * sizeof *map->codebook);
    map->trained = (s.flags & 2) != 0;
    map->settings = ck->settings;
    t->step = (size_t)s.step;
    t->pass = (size_t)s.pass;
    for (int k = 0; k < 4; k++) t->rng.s[k] = s.rng[k];
    t->sigma = s.sigma;
    t->alpha = s.alpha;
    t->finished = (s.flags & 1) != 0;
    t->bmu_valid = false; /* the BMUs trainer_new found are for the old codebook */
    if (s.n_perm) {
        for (size_t i = 0; i < s.n_perm; i++) t->perm[i] = (size_t)som__get_u64(s.perm + 8 * i);
        t->perm_pos = (size_t)s.perm_pos;
    }
    *out = t;
    t = NULL;
    rc = SOM_OK;
done:
    som_trainer_free(t);
    som_map_free(ck);
    som__free(buf);
    return rc;
}
