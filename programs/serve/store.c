/* SPDX-License-Identifier: MIT */
/* store.c — the data sets and models that `som serve` keeps in memory: the
 * bundled data sets (parsed once from the embedded CSV files), uploaded data
 * sets and uploaded (or copied) models. Entries are reference-counted: a
 * handler or a job that uses one holds a reference, so that deleting or
 * evicting an entry never pulls it from under a reader. The stores are
 * capped; the oldest entry nobody uses makes room for a new one.
 *
 * Also here: the JSON of a map for the browser, and a map's model file in
 * memory. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/mman.h>
#include <unistd.h>

#include "serve.h"

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static dataset *datasets[SERVE_MAX_DATASETS + 8]; /* + the bundled ones */
static size_t n_datasets;
static model *models[SERVE_MAX_MODELS];
static size_t n_models;

/* Bytes held by uploaded data sets still alive: those in the store and
 * those only jobs still hold. Never above --max-data. */
static atomic_size_t live_bytes;

static void dataset_free(dataset *ds)
{
    if (!ds) return;
    if (!ds->bundled) atomic_fetch_sub(&live_bytes, ds->bytes);
    som_data_free(ds->data);
    free(ds);
}

/* What a data set holds, about: the values (float32, in memory or on disk
 * and mapped), the mask when a value is missing, a source line per row
 * when parsed from CSV (not kept on disk), and the labels and titles with
 * the allocator's overhead. */
static size_t data_bytes(const som_data *d, bool on_disk)
{
    size_t n = som_data_n_samples(d), dim = som_data_dim(d);
    size_t b = n * dim * sizeof(float) + 256;
    if (!on_disk) b += n * sizeof(size_t); /* the CSV's line numbers */
    if (som_data_n_missing(d)) b += n * dim;
    for (size_t j = 0; j < dim; j++) b += strlen(som_data_title(d, j)) + 32;
    if (som_data_label(d, 0))
        for (size_t i = 0; i < n; i++) b += strlen(som_data_label(d, i)) + 1 + 8 + 16;
    return b;
}

void dataset_put(dataset *ds)
{
    if (ds && atomic_fetch_sub(&ds->refs, 1) == 1) dataset_free(ds);
}

static void model_free(model *m)
{
    if (!m) return;
    atomic_fetch_sub(&live_bytes, m->bytes);
    som_map_free(m->map);
    free(m);
}

/* What a map holds, about: the codebook (float32), and per field a title
 * and the scaling's numbers. */
static size_t map_bytes(const som_map *map)
{
    size_t dim = som_map_dim(map), b = som_map_n_units(map) * dim * sizeof(float) + 4096;
    for (size_t j = 0; j < dim; j++) b += strlen(som_map_title(map, j)) + 64;
    return b;
}

void model_put(model *m)
{
    if (m && atomic_fetch_sub(&m->refs, 1) == 1) model_free(m);
}

int store_init(som_error *err)
{
    for (size_t i = 0; i < serve_n_assets; i++) {
        const serve_asset *a = &serve_assets[i];
        if (strcmp(a->kind, "data") != 0) continue;
        size_t n = strlen(a->name);
        if (n < 5 || n - 4 > ROUTE_ID_MAX || strcmp(a->name + n - 4, ".csv") != 0)
            continue;
        if (n_datasets >= sizeof datasets / sizeof datasets[0]) break;
        som_data *data = NULL;
        int rc = som_data_read_buffer(a->data, a->len, a->name, "csv", NULL, &data, err);
        if (rc != SOM_OK) return rc;
        dataset *ds = calloc(1, sizeof *ds);
        if (!ds) {
            som_data_free(data);
            return som_error_set(err, SOM_ENOMEM, "out of memory");
        }
        atomic_init(&ds->refs, 1);
        memcpy(ds->id, a->name, n - 4);
        ds->id[n - 4] = '\0';
        snprintf(ds->name, sizeof ds->name, "%s", a->name);
        ds->bundled = true;
        ds->data = data;
        ds->row_names = som_data_row_names(data);
        ds->created = serve_now();
        ds->wall = (double)time(NULL);
        datasets[n_datasets++] = ds;
    }
    return SOM_OK;
}

void store_free(void)
{
    /* Released outside the lock, which freeing a data set takes. */
    dataset *ds[sizeof datasets / sizeof datasets[0]];
    model *ms[SERVE_MAX_MODELS];
    pthread_mutex_lock(&mu);
    size_t nd = n_datasets, nm = n_models;
    memcpy(ds, datasets, nd * sizeof *ds);
    memcpy(ms, models, nm * sizeof *ms);
    n_datasets = n_models = 0;
    pthread_mutex_unlock(&mu);
    for (size_t i = 0; i < nd; i++) dataset_put(ds[i]);
    for (size_t i = 0; i < nm; i++) model_put(ms[i]);
}

/* ---- room for a new entry ------------------------------------------------------ */

/* What the eviction rule needs to know of one entry of a store. */
typedef struct slot {
    double created;
    size_t bytes;
    bool evictable; /* an upload that no job or request holds */
    bool chosen;
} slot;

/* Both stores make room the same way, by count and by bytes (shared by data
 * sets and models): the oldest evictable entries go until fewer than `cap`
 * remain of the `count` that count and one of `need` bytes fits under `max`;
 * if they are not enough, none goes. Writes the chosen indices into
 * slots[0..n) in the order chosen to pick[] and returns how many, or
 * SIZE_MAX when there is no room. Call with mu held. */
static size_t choose_evictions(slot *slots, size_t n, size_t count, size_t cap, size_t need,
                               size_t max, size_t *pick)
{
    size_t n_pick = 0, bytes = atomic_load(&live_bytes);
    while (count >= cap || bytes + need > max) {
        size_t best = SIZE_MAX;
        for (size_t i = 0; i < n; i++) {
            if (!slots[i].evictable || slots[i].chosen) continue;
            if (best == SIZE_MAX || slots[i].created < slots[best].created) best = i;
        }
        if (best == SIZE_MAX) return SIZE_MAX;
        slots[best].chosen = true;
        pick[n_pick++] = best;
        count--;
        bytes -= slots[best].bytes;
    }
    return n_pick;
}

/* ---- data sets ------------------------------------------------------------- */

/* Uploads smaller than this stay in memory as parsed. */
#define COMPACT_MIN_BYTES ((size_t)1 << 20)

/* Moves a large data set's values to disk: written as a .npy (float32,
 * NaN where missing) into the private temporary directory, mapped back by
 * som_data_read_npy, the file unlinked at once (the mapping keeps it until
 * som_data_free). The values are then page cache that the kernel reads in
 * when training touches them and may drop when it needs the memory,
 * rather than the process's own memory; the pages the reader touched
 * while checking the values are handed back at once (MADV_PAGEOUT).
 * Titles and labels are copied over; the label column's title is kept in
 * the entry (the data set's own would read "label"). Returns the data set
 * to keep, `d` itself when it stays in memory (small, or no room on disk). */
static som_data *compact(som_data *d)
{
    size_t n = som_data_n_samples(d), dim = som_data_dim(d);
    if (n * dim * sizeof(float) < COMPACT_MIN_BYTES) return d;
    char path[4200];
    if (!serve_tmp_path(path, sizeof path, ".npy")) return d;
    som_data *m = NULL;
    int rc = som_data_write_as(d, path, "npy", NULL);
    if (rc == SOM_OK) rc = som_data_read_as(path, "npy", NULL, &m, NULL);
    unlink(path);
    for (size_t j = 0; rc == SOM_OK && j < dim; j++)
        rc = som_data_set_title(m, j, som_data_title(d, j), NULL);
    if (rc == SOM_OK && som_data_label(d, 0))
        for (size_t i = 0; rc == SOM_OK && i < n; i++)
            rc = som_data_set_label(m, i, som_data_label(d, i), NULL);
    if (rc != SOM_OK) {
        som_data_free(m);
        return d;
    }
    som_data_free(d);
#ifdef MADV_PAGEOUT
    long page = sysconf(_SC_PAGESIZE);
    uintptr_t a = (uintptr_t)som_data_values(m), b = a + n * dim * sizeof(float);
    if (page > 0) {
        uintptr_t p = (uintptr_t)page;
        a = (a + p - 1) / p * p;
        b = b / p * p;
        if (b > a) madvise((void *)a, b - a, MADV_PAGEOUT);
    }
#endif
    return m;
}

unsigned dataset_add(som_data *data, const char *name, char id[ROUTE_ID_MAX + 1])
{
    dataset *ds = calloc(1, sizeof *ds);
    if (!ds) {
        som_data_free(data);
        return 503;
    }
    atomic_init(&ds->refs, 1);
    serve_new_id(ds->id);
    snprintf(ds->name, sizeof ds->name, "%s", name);
    const char *lt = som_data_label_title(data);
    if (lt) {
        snprintf(ds->label_title, sizeof ds->label_title, "%s", lt);
        ds->has_label = true;
    }
    /* Before compact(), whose copy of a large upload no longer knows. */
    ds->row_names = som_data_row_names(data);
    som_data *kept = compact(data);
    ds->data = kept;
    ds->bytes = data_bytes(kept, kept != data);
    data = kept;
    ds->created = serve_now();
    ds->wall = (double)time(NULL);
    size_t max = serve.cfg.max_data;
    if (ds->bytes > max) {
        ds->bytes = 0; /* never counted */
        dataset_free(ds);
        return 413;
    }
    /* Room by count and by bytes: the oldest uploads that no job or
     * request holds go first; if they are not enough, nothing goes. */
    dataset *evicted[SERVE_MAX_DATASETS + 8];
    slot slots[SERVE_MAX_DATASETS + 8];
    size_t pick[SERVE_MAX_DATASETS + 8];
    pthread_mutex_lock(&mu);
    size_t uploaded = 0;
    for (size_t i = 0; i < n_datasets; i++) {
        dataset *d = datasets[i];
        uploaded += !d->bundled;
        slots[i] = (slot){d->created, d->bytes, !d->bundled && atomic_load(&d->refs) == 1, false};
    }
    size_t n_evicted =
        choose_evictions(slots, n_datasets, uploaded, SERVE_MAX_DATASETS, ds->bytes, max, pick);
    if (n_evicted == SIZE_MAX) {
        pthread_mutex_unlock(&mu);
        ds->bytes = 0;
        dataset_free(ds);
        return 429;
    }
    for (size_t k = 0; k < n_evicted; k++) evicted[k] = datasets[pick[k]];
    for (size_t k = 0; k < n_evicted; k++) {
        /* Uncounted now: the next upload may use the room at once. */
        atomic_fetch_sub(&live_bytes, evicted[k]->bytes);
        evicted[k]->bytes = 0;
        for (size_t i = 0; i < n_datasets; i++)
            if (datasets[i] == evicted[k]) {
                datasets[i] = datasets[--n_datasets];
                break;
            }
    }
    datasets[n_datasets++] = ds;
    atomic_fetch_add(&live_bytes, ds->bytes);
    memcpy(id, ds->id, sizeof ds->id);
    pthread_mutex_unlock(&mu);
    for (size_t k = 0; k < n_evicted; k++) dataset_put(evicted[k]);
    return 0;
}

dataset *dataset_get(const char *id)
{
    dataset *found = NULL;
    pthread_mutex_lock(&mu);
    for (size_t i = 0; i < n_datasets; i++)
        if (strcmp(datasets[i]->id, id) == 0) {
            found = datasets[i];
            atomic_fetch_add(&found->refs, 1);
            break;
        }
    pthread_mutex_unlock(&mu);
    return found;
}

unsigned dataset_delete(const char *id)
{
    dataset *gone = NULL;
    unsigned st = 404;
    pthread_mutex_lock(&mu);
    for (size_t i = 0; i < n_datasets; i++)
        if (strcmp(datasets[i]->id, id) == 0) {
            if (datasets[i]->bundled) {
                st = 409;
            } else {
                gone = datasets[i];
                datasets[i] = datasets[--n_datasets];
                st = 0;
            }
            break;
        }
    pthread_mutex_unlock(&mu);
    dataset_put(gone); /* jobs that use it keep their own reference */
    return st;
}

json_t *dataset_json(const dataset *ds)
{
    const som_data *d = ds->data;
    size_t dim = som_data_dim(d);
    json_t *titles = json_array();
    for (size_t j = 0; j < dim; j++) json_array_append_new(titles, jstr(som_data_title(d, j)));
    const char *label = ds->has_label ? ds->label_title : som_data_label_title(d);
    /* What the reader made of an untitled first column of row numbers (R's
     * write.csv), for a client to say, as the CLI does on stderr. */
    int rn = ds->row_names;
    json_t *row_names = rn == SOM_ROW_NAMES_LABELS    ? json_string("labels")
                        : rn == SOM_ROW_NAMES_DROPPED ? json_string("dropped")
                                                      : json_null();
    return json_pack("{s:s, s:o, s:o, s:b, s:o, s:o, s:o, s:o, s:o, s:o}", "id", ds->id, "name",
                     jstr(ds->name), "created", jtime(ds->wall), "bundled", ds->bundled, "rows",
                     jsize(som_data_n_samples(d)), "dim", jsize(dim), "titles", titles,
                     "label_column", label ? jstr(label) : json_null(), "missing",
                     jsize(som_data_n_missing(d)), "row_names", row_names);
}

json_t *datasets_json(void)
{
    json_t *list = json_array();
    pthread_mutex_lock(&mu);
    for (size_t i = 0; i < n_datasets; i++) json_array_append_new(list, dataset_json(datasets[i]));
    pthread_mutex_unlock(&mu);
    return json_pack("{s:o}", "datasets", list);
}

/* ---- models ------------------------------------------------------------------ */

unsigned model_add(som_map *map, const char *source, char id[ROUTE_ID_MAX + 1])
{
    model *m = calloc(1, sizeof *m);
    if (!m) {
        som_map_free(map);
        return 503;
    }
    atomic_init(&m->refs, 1);
    serve_new_id(m->id);
    snprintf(m->source, sizeof m->source, "%s", source);
    m->map = map;
    m->created = serve_now();
    m->wall = (double)time(NULL);
    size_t need = map_bytes(map), max = serve.cfg.max_data;
    if (need > max) {
        model_free(m); /* m->bytes is 0: never counted */
        return 413;
    }
    /* Room by count and by bytes (shared with the data sets): the oldest
     * models nobody holds go first; if they are not enough, none goes. */
    model *evicted[SERVE_MAX_MODELS];
    slot slots[SERVE_MAX_MODELS];
    size_t pick[SERVE_MAX_MODELS];
    pthread_mutex_lock(&mu);
    for (size_t i = 0; i < n_models; i++)
        slots[i] = (slot){models[i]->created, models[i]->bytes,
                          atomic_load(&models[i]->refs) == 1, false};
    size_t n_evicted =
        choose_evictions(slots, n_models, n_models, SERVE_MAX_MODELS, need, max, pick);
    if (n_evicted == SIZE_MAX) {
        pthread_mutex_unlock(&mu);
        model_free(m);
        return 429;
    }
    for (size_t k = 0; k < n_evicted; k++) evicted[k] = models[pick[k]];
    for (size_t k = 0; k < n_evicted; k++) {
        atomic_fetch_sub(&live_bytes, evicted[k]->bytes);
        evicted[k]->bytes = 0;
        for (size_t i = 0; i < n_models; i++)
            if (models[i] == evicted[k]) {
                models[i] = models[--n_models];
                break;
            }
    }
    m->bytes = need;
    atomic_fetch_add(&live_bytes, need);
    models[n_models++] = m;
    memcpy(id, m->id, sizeof m->id);
    pthread_mutex_unlock(&mu);
    for (size_t k = 0; k < n_evicted; k++) model_put(evicted[k]);
    return 0;
}

model *model_get(const char *id)
{
    model *found = NULL;
    pthread_mutex_lock(&mu);
    for (size_t i = 0; i < n_models; i++)
        if (strcmp(models[i]->id, id) == 0) {
            found = models[i];
            atomic_fetch_add(&found->refs, 1);
            break;
        }
    pthread_mutex_unlock(&mu);
    return found;
}

unsigned model_delete(const char *id)
{
    model *gone = NULL;
    pthread_mutex_lock(&mu);
    for (size_t i = 0; i < n_models; i++)
        if (strcmp(models[i]->id, id) == 0) {
            gone = models[i];
            models[i] = models[--n_models];
            break;
        }
    pthread_mutex_unlock(&mu);
    if (!gone) return 404;
    model_put(gone);
    return 0;
}

json_t *model_json(const model *m)
{
    json_t *v = map_info_json(m->map);
    if (v) {
        json_object_set_new(v, "id", json_string(m->id));
        json_object_set_new(v, "source", jstr(m->source));
        json_object_set_new(v, "name", jstr(m->source));
        json_object_set_new(v, "created", jtime(m->wall));
    }
    return v;
}

json_t *models_json(void)
{
    json_t *list = json_array();
    pthread_mutex_lock(&mu);
    for (size_t i = 0; i < n_models; i++) {
        json_array_append_new(list, model_json(models[i]));
    }
    pthread_mutex_unlock(&mu);
    return json_pack("{s:o}", "maps", list);
}

/* ---- maps as JSON and as files ------------------------------------------------ */

json_t *map_info_json(const som_map *map)
{
    const som_grid *g = som_map_grid(map);
    size_t dim = som_map_dim(map);
    json_t *titles = json_array();
    json_t *ranges = json_array();
    for (size_t j = 0; j < dim; j++) {
        json_array_append_new(titles, jstr(som_map_title(map, j)));
        double lo, hi;
        som_map_field_range(map, j, &lo, &hi);
        json_array_append_new(ranges, json_pack("[o,o]", jfloat((float)lo), jfloat((float)hi)));
    }
    int sc = (int)som_map_scaling(map);
    json_t *v = json_pack("{s:s, s:o, s:o, s:s, s:b, s:o, s:o, s:o, s:o, s:s, s:b}", "format",
                     "som-map", "rows", jsize(g->rows), "cols", jsize(g->cols), "topology",
                     som_enum_name(SOM_ENUM_TOPOLOGY, (int)g->topology), "toroid", g->toroid != 0, "dim",
                     jsize(dim), "units", jsize(som_map_n_units(map)), "titles", titles,
                     "ranges", ranges, "scaling",
                     sc >= 0 && sc <= 2 ? som_enum_name(SOM_ENUM_SCALING, sc) : "none", "trained",
                     som_map_train_settings(map) != NULL);
    if (v) json_object_set_new(v, "somnet_lost", map_losses_json(map, "somnet"));
    return v;
}

json_t *map_losses_json(const som_map *map, const char *format)
{
    unsigned lost = 0;
    json_t *a = json_array();
    if (som_map_losses(map, format, NULL, &lost, NULL) != SOM_OK) return a;
    for (unsigned b = 0; b < SOM_PART_COUNT; b++)
        if (lost & (1u << b))
            json_array_append_new(a, json_pack("{s:s, s:s}", "part", som_part_name((som_part)(1u << b)),
                                               "loss", som_part_loss((som_part)(1u << b))));
    return a;
}

json_t *map_json(const som_map *map, const som_data *data, int threads, som_error *err)
{
    size_t n_units = som_map_n_units(map), dim = som_map_dim(map);
    json_t *v = map_info_json(map);
    json_t *codebook = json_array();
    json_t *umat = json_array();
    float *w = malloc(dim * sizeof *w);
    double *u = malloc(n_units * sizeof *u);
    if (!v || !codebook || !umat || !w || !u) {
        free(w);
        free(u);
        json_decref(v);
        json_decref(codebook);
        json_decref(umat);
        som_error_set(err, SOM_ENOMEM, "out of memory");
        return NULL;
    }
    som_map_umatrix(map, u);
    for (size_t i = 0; i < n_units; i++) {
        som_map_unit_weights(map, i, w);
        json_t *row = json_array();
        for (size_t j = 0; j < dim; j++) json_array_append_new(row, jfloat(w[j]));
        json_array_append_new(codebook, row);
        json_array_append_new(umat, jnum(u[i]));
    }
    free(w);
    free(u);
    json_object_set_new(v, "codebook", codebook);
    json_object_set_new(v, "umatrix", umat);
    const double *fw = som_map_feature_weights(map);
    if (fw) {
        json_t *jw = json_array();
        for (size_t j = 0; j < dim; j++) json_array_append_new(jw, jnum(fw[j]));
        json_object_set_new(v, "feature_weights", jw);
    }
    const uint32_t *cl = som_map_clusters(map);
    if (cl) {
        json_t *jc = json_array();
        for (size_t i = 0; i < n_units; i++) json_array_append_new(jc, jsize(cl[i]));
        json_object_set_new(v, "clusters", jc);
    }

    json_t *hist = json_array();
    const som_history *h = som_map_history(map);
    for (size_t k = 0; k < som_map_history_len(map); k++)
        json_array_append_new(hist, json_pack("{s:o, s:o, s:o, s:o, s:o}", "pass",
                                              jsize(h[k].pass), "sigma", jnum(h[k].sigma),
                                              "alpha", jnum(h[k].alpha), "qe", jnum(h[k].qe),
                                              "te", jnum(h[k].te)));
    json_object_set_new(v, "history", hist);

    if (data && som_data_dim(data) == dim) {
        size_t n = som_data_n_samples(data);
        size_t *units = malloc(n * sizeof *units);
        float *dist = malloc(n * sizeof *dist);
        size_t *hits = calloc(n_units, sizeof *hits);
        const char **labels = calloc(n_units, sizeof *labels);
        int rc = units && dist && hits && labels
                     ? som_map_bmus(map, data, units, dist, NULL, threads, err)
                     : som_error_set(err, SOM_ENOMEM, "out of memory");
        if (rc == SOM_OK) {
            double qe = 0;
            for (size_t i = 0; i < n; i++) {
                hits[units[i]]++;
                qe += (double)dist[i];
            }
            json_t *jh = json_array();
            for (size_t i = 0; i < n_units; i++) json_array_append_new(jh, jsize(hits[i]));
            json_object_set_new(v, "hits", jh);
            json_object_set_new(v, "qe", jnum(n ? qe / (double)n : 0.0));
            if (som_data_label(data, 0) &&
                som_map_unit_labels(map, data, units, labels, NULL) == SOM_OK) {
                json_t *jl = json_array();
                for (size_t i = 0; i < n_units; i++) json_array_append_new(jl, jstr(labels[i]));
                json_object_set_new(v, "labels", jl);
            }
        }
        free(units);
        free(dist);
        free(hits);
        free(labels);
        if (rc != SOM_OK) {
            json_decref(v);
            return NULL;
        }
    }
    return v;
}

/* .somnet has only a file writer in libsom; write it into the server's
 * private temporary directory under a name of our own and read it back. */
static int somnet_bytes(const som_map *map, unsigned char **buf, size_t *len,
                        som_error *err)
{
    char path[4200];
    if (!serve_tmp_path(path, sizeof path, ".somnet"))
        return som_error_set(err, SOM_EIO, "no temporary directory for the .somnet export");
    int rc = som_map_save_somnet(map, path, 0, 0, err);
    if (rc != SOM_OK) return rc;
    FILE *f = fopen(path, "rb");
    unsigned char *b = NULL;
    long n = -1;
    if (f && fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
        b = malloc((size_t)n + 1);
        if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
            free(b);
            b = NULL;
        }
    }
    if (f) fclose(f);
    unlink(path);
    if (!b) return som_error_set(err, SOM_EIO, "cannot read back the .somnet export");
    *buf = b;
    *len = (size_t)n;
    return SOM_OK;
}

int map_serialize(const som_map *map, const char *ext, unsigned char **buf, size_t *len,
                  void (**free_fn)(void *), som_error *err)
{
    if (strcmp(ext, "somnet") == 0) {
        *free_fn = free;
        return somnet_bytes(map, buf, len, err);
    }
    void *b = NULL;
    int rc = som_map_save_mem(map, &b, len, err);
    *buf = b;
    *free_fn = som_free;
    return rc;
}
