/* SPDX-License-Identifier: MIT */
/* json.c — a map as one JSON object: a model format that reads back
 * (json_read.c) as the same map, byte for byte once saved as .som, and an
 * export for scripts and the web app (the derived keys: coordinates, the
 * codebook in original units, the U-matrix, the training summary). Written
 * by the one JSON writer (json_write.c) a member at a time, each member a
 * jansson tree (a codebook row at a time): stored numbers exactly, derived
 * ones to 9 digits. The layout is in doc/FORMAT.md. */
#include "io/io.h"

#include <inttypes.h>
#include <math.h>
#include <string.h>

/* An enum's name (som_enum_name, the core's one list per enum). */
static json_t *name(som_enum e, int v) { return json_string(som_enum_name(e, v)); }

/* Builders that remember a failed allocation instead of checking each call
 * (jansson's setters refuse a NULL value and say so). */
typedef struct jb {
    bool ok;
} jb;

static void set(jb *b, json_t *obj, const char *key, json_t *v)
{
    if (!obj || json_object_set_new(obj, key, v) != 0) b->ok = false;
}

static void push(jb *b, json_t *arr, json_t *v)
{
    if (!arr || json_array_append_new(arr, v) != 0) b->ok = false;
}

/* A count or a seed: a JSON integer (signed 64-bit in jansson), or above
 * INT64_MAX its decimal digits as a string. */
static json_t *u64(uint64_t v)
{
    if (v <= (uint64_t)INT64_MAX) return json_integer((json_int_t)v);
    char buf[24];
    snprintf(buf, sizeof buf, "%" PRIu64, v);
    return json_string(buf);
}

static json_t *doubles(jb *b, const double *v, size_t n, json_t *(*num)(double))
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) push(b, a, num(v[i]));
    return a;
}

/* The keys "settings" and "training" begin with. */
static json_t *training_head(jb *b, const som_train_opts *s)
{
    json_t *o = json_object();
    set(b, o, "algorithm", name(SOM_ENUM_ALGORITHM, (int)s->algorithm));
    set(b, o, "epochs", u64(s->epochs));
    set(b, o, "iterations", u64(s->iterations));
    set(b, o, "init", name(SOM_ENUM_INIT, (int)s->init));
    set(b, o, "schedule", name(SOM_ENUM_SCHEDULE, (int)s->schedule));
    set(b, o, "neighborhood", name(SOM_ENUM_NEIGHBORHOOD, (int)s->neighborhood));
    return o;
}

/* Every training setting the model records (the .som chunk TRAN), trained
 * or not: what the reader needs to give back the same model. */
static json_t *settings_json(jb *b, const som_train_opts *s)
{
    json_t *o = training_head(b, s);
    set(b, o, "threads", json_integer(s->threads));
    set(b, o, "radius0", som_json_number(s->radius0));
    set(b, o, "radius1", som_json_number(s->radius1));
    set(b, o, "rate0", som_json_number(s->rate0));
    set(b, o, "rate1", som_json_number(s->rate1));
    set(b, o, "inverse_a", som_json_number(s->inverse_a));
    set(b, o, "inverse_b", som_json_number(s->inverse_b));
    set(b, o, "neighbor_rate", som_json_number(s->neighbor_rate));
    set(b, o, "seed", u64(s->seed));
    set(b, o, "quality_every", u64(s->quality_every));
    set(b, o, "progress_every", u64(s->progress_every));
    /* Only when not the default, as the .som chunk trex: older exports stay
     * as they were. */
    if (s->radius_schedule != SOM_RADIUS_SAME)
        set(b, o, "radius_schedule", name(SOM_ENUM_RADIUS_SCHEDULE, (int)s->radius_schedule));
    if (s->order != SOM_ORDER_SHUFFLED) set(b, o, "order", name(SOM_ENUM_ORDER, (int)s->order));
    return o;
}

/* The summary of a trained map that the export has always had. */
static json_t *training_json(jb *b, const som_map *map)
{
    if (!map->trained) return json_null();
    const som_train_opts *s = &map->settings;
    json_t *o = training_head(b, s);
    const double r[2] = {s->radius0, s->radius1}, a[2] = {s->rate0, s->rate1};
    set(b, o, "radius", doubles(b, r, 2, som_json_number));
    set(b, o, "rate", doubles(b, a, 2, som_json_number));
    set(b, o, "neighbor_rate", som_json_number(s->neighbor_rate));
    set(b, o, "seed", u64(s->seed));
    return o;
}

static json_t *scaling_json(jb *b, const som_map *map)
{
    json_t *o = json_object();
    set(b, o, "kind", name(SOM_ENUM_SCALING, (int)map->scaling));
    set(b, o, "offset", doubles(b, map->offset, map->dim, som_json_number));
    set(b, o, "factor", doubles(b, map->factor, map->dim, som_json_number));
    set(b, o, "min", map->have_range ? doubles(b, map->fmin, map->dim, som_json_number)
                                     : json_null());
    set(b, o, "max", map->have_range ? doubles(b, map->fmax, map->dim, som_json_number)
                                     : json_null());
    return o;
}

static json_t *clusters_json(jb *b, const som_map *map, size_t *sizes)
{
    json_t *o = json_object(), *unit = json_array();
    for (size_t i = 0; i < map->n_units; i++) {
        sizes[map->cluster[i]]++;
        push(b, unit, json_integer(map->cluster[i]));
    }
    json_t *sz = json_array();
    for (size_t t = 0; t < map->n_clusters; t++) push(b, sz, u64(sizes[t]));
    set(b, o, "k", u64(map->n_clusters));
    set(b, o, "sizes", sz);
    set(b, o, "unit", unit);
    return o;
}

/* The members in order, a codebook row at a time: memory stays O(dim) and
 * O(units) however large the map. */
static void write_map(som__jw *w, jb *b, const som_map *map, const double *umatrix, float *row,
                      size_t *sizes)
{
    const size_t dim = map->dim, n_units = map->n_units, cols = map->grid.cols;
    som__jw_member(w, "format", json_string(SOM__JSON_FORMAT));
    som__jw_member(w, "version", json_integer(SOM__JSON_VERSION));
    som__jw_member(w, "rows", u64(map->grid.rows));
    som__jw_member(w, "cols", u64(cols));
    som__jw_member(w, "topology", name(SOM_ENUM_TOPOLOGY, (int)map->grid.topology));
    som__jw_member(w, "toroid", json_boolean(map->grid.toroid));
    som__jw_member(w, "dim", u64(dim));
    som__jw_member(w, "units", u64(n_units));
    json_t *titles = json_array();
    for (size_t j = 0; j < dim; j++) push(b, titles, som_json_string(map->titles[j]));
    som__jw_member(w, "titles", titles);
    som__jw_member(w, "scaling", scaling_json(b, map));
    /* The optional parts (chunks fwgt and clus) only when the map has
     * them: the export of a map without them is what it always was. */
    if (map->fweight)
        som__jw_member(w, "feature_weights", doubles(b, map->fweight, dim, som_json_number));
    /* Like the .som chunk DIST: only a distance other than the default. */
    if (map->distance != SOM_DISTANCE_EUCLIDEAN)
        som__jw_member(w, "distance", name(SOM_ENUM_DISTANCE, (int)map->distance));
    som__jw_rows_begin(w, "coords");
    for (size_t i = 0; i < n_units; i++) {
        double x, y;
        som_grid_coords(&map->grid, i, &x, &y);
        json_t *c = json_array();
        push(b, c, u64(i / cols));
        push(b, c, u64(i % cols));
        push(b, c, som_json_number9(x));
        push(b, c, som_json_number9(y));
        som__jw_row(w, c);
    }
    som__jw_rows_end(w);
    som__jw_rows_begin(w, "codebook");
    for (size_t i = 0; i < n_units; i++) {
        som_map_unit_weights(map, i, row);
        som__jw_row_floats(w, row, dim);
    }
    som__jw_rows_end(w);
    som__jw_rows_begin(w, "codebook_scaled");
    for (size_t i = 0; i < n_units; i++) som__jw_row_floats(w, map->codebook + i * dim, dim);
    som__jw_rows_end(w);
    som__jw_member(w, "umatrix", doubles(b, umatrix, n_units, som_json_number9));
    if (map->cluster) som__jw_member(w, "clusters", clusters_json(b, map, sizes));
    som__jw_member(w, "training", training_json(b, map));
    som__jw_member(w, "trained", json_boolean(map->trained));
    som__jw_member(w, "settings", settings_json(b, &map->settings));
    som__jw_rows_begin(w, "history");
    for (size_t k = 0; k < map->n_history; k++) {
        const som_history *h = &map->history[k];
        json_t *e = json_object();
        set(b, e, "pass", u64(h->pass));
        set(b, e, "sigma", som_json_number(h->sigma));
        set(b, e, "alpha", som_json_number(h->alpha));
        set(b, e, "qe", som_json_number(h->qe));
        set(b, e, "te", som_json_number(h->te));
        som__jw_row(w, e);
    }
    som__jw_rows_end(w);
}

int som_map_write_json(const som_map *map, const char *path, som_error *err)
{
    if (!map || !path) return som__error(err, SOM_EINVAL, "som_map_write_json: NULL argument");
    double *u = som__calloc(map->n_units, sizeof *u);
    float *row = som__malloc(map->dim * sizeof *row);
    size_t *sizes = map->cluster ? som__calloc(map->n_clusters, sizeof *sizes) : NULL;
    int rc = u && row && (!map->cluster || sizes) ? SOM_OK : som__error_oom(err);
    som__textout o;
    if (rc == SOM_OK) rc = som__textout_open(&o, path, err);
    if (rc == SOM_OK) {
        som_map_umatrix(map, u);
        jb b = {true};
        som__jw w;
        som__jw_begin(&w, o.f, SOM_JSON_COMPACT);
        write_map(&w, &b, map, u, row, sizes);
        som_error e;
        som_error_clear(&e);
        if (som__jw_end(&w, &e) == SOM_ENOMEM || !b.ok) {
            som__textout_abort(&o);
            rc = som__error_oom(err);
        } else {
            rc = som__textout_close(&o, path, err); /* which reports a failed write */
        }
    }
    som__free(u);
    som__free(row);
    som__free(sizes);
    return rc;
}
