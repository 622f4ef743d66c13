/* SPDX-License-Identifier: MIT */
/* api.c — the handlers of /api/health, /api/datasets and /api/maps: data
 * sets uploaded as CSV (or bundled), models uploaded as .som or .somnet (or
 * copied from a job), and recognition: rows in, best-matching units,
 * distances and filled-in fields out. Every field of a request is checked
 * here before it reaches the library; the library checks again. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "serve.h"

enum MHD_Result handle_health(request *rq)
{
    return reply_json(rq, 200,
                      json_pack("{s:s, s:s, s:I, s:I, s:I}", "status", "ok", "version",
                                SOM_VERSION_STRING, "max_upload",
                                (json_int_t)serve.cfg.max_upload, "workers",
                                (json_int_t)serve.cfg.workers, "threads",
                                (json_int_t)serve.cfg.threads));
}

/* A name for people (shown in lists, used in messages): letters, digits
 * and ". _ -" only, at most 64 bytes; anything else falls back to dflt. It
 * is never a file name. */
static void clean_name(const char *in, const char *dflt, char *out, size_t size)
{
    size_t n = in ? strlen(in) : 0;
    bool ok = n > 0 && n <= 64;
    for (size_t i = 0; ok && i < n; i++) {
        char c = in[i];
        ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
             c == '.' || c == '_' || c == '-' || c == ' ';
    }
    snprintf(out, size, "%s", ok ? in : dflt);
}

static bool has_content_type(const request *rq, const char *type)
{
    const char *ct = req_header(rq, "Content-Type");
    return ct && strncasecmp(ct, type, strlen(type)) == 0;
}

/* CSV reading options from the query: header=auto|yes|no,
 * delimiter=auto|comma|semicolon|tab, label_column=TITLE. */
static bool csv_options(request *rq, som_csv_opts *o, char *msg, size_t size)
{
    som_csv_opts_init(o);
    const char *h = req_arg(rq, "header");
    if (h) {
        static const char *const names[] = {"no", "yes", "auto", NULL};
        int c = serve_choice(h, names);
        if (c < 0) return snprintf(msg, size, "'header' must be auto, yes or no"), false;
        o->header = c == 2 ? SOM_AUTO : c;
    }
    const char *d = req_arg(rq, "delimiter");
    if (d) {
        static const char *const names[] = {"auto", "comma", "semicolon", "tab", NULL};
        static const char chars[] = {0, ',', ';', '\t'};
        int c = serve_choice(d, names);
        if (c < 0)
            return snprintf(msg, size, "'delimiter' must be auto, comma, semicolon or tab"),
                   false;
        o->delimiter = chars[c];
    }
    const char *l = req_arg(rq, "label_column");
    if (l) {
        if (!*l || strlen(l) > 256)
            return snprintf(msg, size, "'label_column' must be a column title"), false;
        o->label_column = l;
    }
    return true;
}

/* ---- data sets -------------------------------------------------------------------- */

enum MHD_Result handle_datasets(request *rq)
{
    if (strcmp(rq->method, "POST") != 0) return reply_json(rq, 200, datasets_json());
    if (rq->body_len == 0)
        return reply_error(rq, 400, "empty body: send the CSV file as the request body");
    char name[80], msg[1024];
    clean_name(req_arg(rq, "name"), "upload.csv", name, sizeof name);
    som_csv_opts o;
    if (!csv_options(rq, &o, msg, sizeof msg)) return reply_error(rq, 400, "%s", msg);
    som_data *data = NULL;
    som_error err;
    som_error_clear(&err);
    if (som_data_read_csv_mem(rq->body, rq->body_len, name, &o, &data, &err) != SOM_OK)
        return reply_som_error(rq, &err);
    char id[ROUTE_ID_MAX + 1];
    unsigned st = dataset_add(data, name, id);
    if (st)
        return reply_error(rq, st, "too many data sets in use; delete some "
                                   "(DELETE /api/datasets/ID)");
    dataset *ds = dataset_get(id);
    if (!ds) return reply_error(rq, 503, "the data set was evicted at once; try again");
    json_t *v = dataset_json(ds);
    dataset_put(ds);
    return reply_json(rq, 201, v);
}

enum MHD_Result handle_dataset(request *rq)
{
    if (strcmp(rq->method, "DELETE") == 0) {
        unsigned st = dataset_delete(rq->rt.id);
        if (st == 404) return reply_error(rq, 404, "no data set '%s'", rq->rt.id);
        if (st == 409)
            return reply_error(rq, 409, "'%s' is bundled with the server and stays",
                               rq->rt.id);
        return reply_json(rq, 200, json_pack("{s:s, s:b}", "id", rq->rt.id, "deleted", 1));
    }
    dataset *ds = dataset_get(rq->rt.id);
    if (!ds) return reply_error(rq, 404, "no data set '%s'", rq->rt.id);
    json_t *v = dataset_json(ds);
    dataset_put(ds);
    return reply_json(rq, 200, v);
}

/* ---- models ----------------------------------------------------------------------- */

static json_t *model_json(const model *m)
{
    json_t *v = map_info_json(m->map);
    if (v) {
        json_object_set_new(v, "id", json_string(m->id));
        json_object_set_new(v, "source", jstr(m->source));
    }
    return v;
}

static enum MHD_Result reply_model(request *rq, unsigned status, const char *id)
{
    model *m = model_get(id);
    if (!m) return reply_error(rq, 503, "the model was evicted at once; try again");
    json_t *v = model_json(m);
    model_put(m);
    return reply_json(rq, status, v);
}

enum MHD_Result handle_maps(request *rq)
{
    if (strcmp(rq->method, "POST") != 0) return reply_json(rq, 200, models_json());
    char id[ROUTE_ID_MAX + 1], msg[1024];
    if (has_content_type(rq, "application/json")) {
        /* {"job": ID}: the job's latest map. */
        json_error_t jerr;
        json_t *v = json_loadb(rq->body, rq->body_len, 0, &jerr);
        if (!v)
            return reply_error(rq, 400, "malformed JSON at line %d, column %d: %s", jerr.line,
                               jerr.column, jerr.text);
        const char *job_id = json_string_value(json_object_get(v, "job"));
        if (!job_id || json_object_size(v) != 1) {
            json_decref(v);
            return reply_error(rq, 400, "expected {\"job\": ID}, or a .som or .somnet file "
                                        "as the body");
        }
        unsigned st = job_copy_map(job_id, id, msg, sizeof msg);
        json_decref(v);
        if (st) return reply_error(rq, st, "%s", msg);
        return reply_model(rq, 201, id);
    }
    if (rq->body_len == 0)
        return reply_error(rq, 400, "empty body: send a .som or .somnet file");
    char name[80];
    som_map *map = NULL;
    som_error err;
    som_error_clear(&err);
    int rc;
    /* The native format starts with its magic; anything else is taken for
     * a .somnet, whose reader checks every size against the length. */
    static const unsigned char magic[4] = {0x89, 'S', 'O', 'M'};
    if (rq->body_len >= 4 && memcmp(rq->body, magic, 4) == 0) {
        clean_name(req_arg(rq, "name"), "upload.som", name, sizeof name);
        rc = som_map_load_mem(rq->body, rq->body_len, name, &map, &err);
    } else {
        clean_name(req_arg(rq, "name"), "upload.somnet", name, sizeof name);
        rc = som_map_load_somnet_mem(rq->body, rq->body_len, name, &map, &err);
    }
    if (rc != SOM_OK) return reply_error(rq, 400, "%s", err.message);
    unsigned st = model_add(map, name, id);
    if (st) return reply_error(rq, st, "too many models kept; delete some (DELETE /api/maps/ID)");
    return reply_model(rq, 201, id);
}

static model *get_model(request *rq, enum MHD_Result *ret)
{
    model *m = model_get(rq->rt.id);
    if (!m) *ret = reply_error(rq, 404, "no map '%s'", rq->rt.id);
    return m;
}

enum MHD_Result handle_map(request *rq)
{
    if (strcmp(rq->method, "DELETE") == 0) {
        if (model_delete(rq->rt.id)) return reply_error(rq, 404, "no map '%s'", rq->rt.id);
        return reply_json(rq, 200, json_pack("{s:s, s:b}", "id", rq->rt.id, "deleted", 1));
    }
    enum MHD_Result ret;
    model *m = get_model(rq, &ret);
    if (!m) return ret;
    json_t *v = model_json(m);
    model_put(m);
    return reply_json(rq, 200, v);
}

enum MHD_Result handle_map_json(request *rq)
{
    enum MHD_Result ret;
    model *m = get_model(rq, &ret);
    if (!m) return ret;
    som_error err;
    som_error_clear(&err);
    json_t *v = map_json(m->map, NULL, 1, &err);
    if (v) {
        json_object_set_new(v, "id", json_string(m->id));
        json_object_set_new(v, "source", jstr(m->source));
    }
    model_put(m);
    if (!v) return reply_som_error(rq, &err);
    return reply_json(rq, 200, v);
}

enum MHD_Result handle_map_model(request *rq)
{
    enum MHD_Result ret;
    model *m = get_model(rq, &ret);
    if (!m) return ret;
    unsigned char *buf = NULL;
    size_t len = 0;
    void (*free_fn)(void *) = free;
    som_error err;
    som_error_clear(&err);
    int rc = map_serialize(m->map, rq->rt.ext, &buf, &len, &free_fn, &err);
    model_put(m);
    if (rc != SOM_OK) {
        if (rc == SOM_EINVAL) return reply_error(rq, 422, "%s", err.message);
        return reply_som_error(rq, &err);
    }
    struct MHD_Response *r = resp_bytes(buf, len, "application/octet-stream", free_fn);
    if (r) {
        char cd[128];
        snprintf(cd, sizeof cd, "attachment; filename=\"map-%s.%s\"", rq->rt.id, rq->rt.ext);
        MHD_add_response_header(r, "Content-Disposition", cd);
    }
    return reply(rq, 200, r);
}

/* ---- recognition ---------------------------------------------------------------- */

/* Rows from {"rows": [[x, null, ...], ...], "labels": ["a", ...]}: numbers,
 * null for a blank field. Each row must have the map's field count. */
static unsigned rows_from_json(const som_map *map, const request *rq, som_data **out,
                               char *msg, size_t size)
{
    json_error_t jerr;
    json_t *v = json_loadb(rq->body, rq->body_len, 0, &jerr);
    if (!v)
        return snprintf(msg, size, "malformed JSON at line %d, column %d: %s", jerr.line,
                        jerr.column, jerr.text),
               400;
    unsigned st = 0;
    size_t dim = som_map_dim(map);
    som_data *data = NULL;
    float *x = malloc(dim * sizeof *x);
    json_t *rows = json_object_get(v, "rows");
    json_t *labels = json_object_get(v, "labels");
    const char *key;
    json_t *val;
    json_object_foreach(v, key, val) {
        if (strcmp(key, "rows") != 0 && strcmp(key, "labels") != 0) {
            snprintf(msg, size, "unknown key '%.64s': expected \"rows\" and \"labels\"", key);
            st = 400;
            goto done;
        }
    }
    if (!x) {
        st = 503;
        snprintf(msg, size, "out of memory");
        goto done;
    }
    if (!json_is_array(rows) || json_array_size(rows) == 0) {
        snprintf(msg, size, "\"rows\" must be a non-empty array of rows");
        st = 400;
        goto done;
    }
    size_t n = json_array_size(rows);
    if (labels && (!json_is_array(labels) || json_array_size(labels) != n)) {
        snprintf(msg, size, "\"labels\" must be an array with one string per row");
        st = 400;
        goto done;
    }
    som_error err;
    som_error_clear(&err);
    if (som_data_new(n, dim, &data, &err) != SOM_OK) {
        snprintf(msg, size, "%s", err.message);
        st = 503;
        goto done;
    }
    for (size_t j = 0; j < dim; j++) som_data_set_title(data, j, som_map_title(map, j), NULL);
    for (size_t i = 0; i < n; i++) {
        json_t *row = json_array_get(rows, i);
        if (!json_is_array(row)) {
            snprintf(msg, size, "row %zu is not an array", i + 1);
            st = 400;
            goto done;
        }
        if (json_array_size(row) != dim) {
            snprintf(msg, size, "row %zu has %zu fields; the map has %zu", i + 1,
                     json_array_size(row), dim);
            st = 422;
            goto done;
        }
        size_t present = 0;
        for (size_t j = 0; j < dim; j++) {
            json_t *c = json_array_get(row, j);
            if (json_is_null(c)) {
                x[j] = NAN;
            } else if (json_is_number(c) && isfinite(json_number_value(c)) &&
                       fabs(json_number_value(c)) <= 3.4e38) {
                x[j] = (float)json_number_value(c);
                present++;
            } else {
                snprintf(msg, size, "row %zu, field %zu: expected a number or null", i + 1,
                         j + 1);
                st = 400;
                goto done;
            }
        }
        if (!present) {
            snprintf(msg, size, "row %zu has no value: at least one field is needed", i + 1);
            st = 422;
            goto done;
        }
        if (som_data_set_row(data, i, x, NULL, &err) != SOM_OK) {
            snprintf(msg, size, "row %zu: %s", i + 1, err.message);
            st = 400;
            goto done;
        }
        if (labels) {
            const char *l = json_string_value(json_array_get(labels, i));
            if (!l) {
                snprintf(msg, size, "label %zu is not a string", i + 1);
                st = 400;
                goto done;
            }
            som_data_set_label(data, i, l, NULL);
        }
    }
done:
    free(x);
    json_decref(v);
    if (st) {
        som_data_free(data);
        return st;
    }
    *out = data;
    return 0;
}

enum MHD_Result handle_map_recognize(request *rq)
{
    enum MHD_Result ret;
    model *m = get_model(rq, &ret);
    if (!m) return ret;
    const som_map *map = m->map;
    som_data *data = NULL;
    char msg[1024];
    som_error err;
    som_error_clear(&err);
    unsigned st = 0;
    if (has_content_type(rq, "text/csv")) {
        /* A CSV file: its columns are matched to the map's fields by title
         * (som_map_align_data); fields it lacks are filled in. */
        som_csv_opts o;
        som_data *raw = NULL;
        if (!csv_options(rq, &o, msg, sizeof msg)) {
            st = 400;
        } else if (som_data_read_csv_mem(rq->body, rq->body_len, "rows.csv", &o, &raw, &err) !=
                   SOM_OK) {
            snprintf(msg, sizeof msg, "%s", err.message);
            st = 400;
        } else if (som_map_align_data(map, raw, &data, &err) != SOM_OK) {
            snprintf(msg, sizeof msg, "%s", err.message);
            st = err.code == SOM_EDIM ? 422 : 400;
        }
        som_data_free(raw);
    } else {
        st = rows_from_json(map, rq, &data, msg, sizeof msg);
    }
    if (st) {
        model_put(m);
        return reply_error(rq, st, "%s", msg);
    }
    size_t n = som_data_n_samples(data), dim = som_map_dim(map);
    size_t *units = malloc(n * sizeof *units);
    float *dist = malloc(n * sizeof *dist);
    float *w = malloc(dim * sizeof *w);
    int rc = units && dist && w
                 ? som_map_bmus(map, data, units, dist, NULL, n > 4096 ? serve.cfg.threads : 1,
                                &err)
                 : som_error_set(&err, SOM_ENOMEM, "out of memory");
    json_t *results = NULL;
    if (rc == SOM_OK) {
        const som_grid *g = som_map_grid(map);
        results = json_array();
        for (size_t i = 0; i < n && results; i++) {
            const float *x = som_data_row(data, i);
            const uint8_t *mask = som_data_row_mask(data, i);
            som_map_unit_weights(map, units[i], w);
            json_t *values = json_array(), *filled = json_array();
            for (size_t j = 0; j < dim; j++) {
                bool present = !mask || mask[j];
                json_array_append_new(values, jfloat(present ? x[j] : w[j]));
                if (!present) json_array_append_new(filled, jsize(j));
            }
            const char *label = som_data_label(data, i);
            char line[32];
            if (!label) {
                snprintf(line, sizeof line, "%zu", som_data_line(data, i));
                label = line;
            }
            json_array_append_new(
                results, json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "label", jstr(label),
                                   "unit", jsize(units[i]), "row", jsize(units[i] / g->cols),
                                   "col", jsize(units[i] % g->cols), "distance",
                                   jfloat(dist[i]), "values", values, "filled", filled));
        }
    }
    json_t *titles = json_array();
    for (size_t j = 0; j < dim; j++) json_array_append_new(titles, jstr(som_map_title(map, j)));
    free(units);
    free(dist);
    free(w);
    som_data_free(data);
    model_put(m);
    if (rc != SOM_OK) {
        json_decref(titles);
        return reply_som_error(rq, &err);
    }
    return reply_json(rq, 200,
                      json_pack("{s:s, s:o, s:o}", "map", rq->rt.id, "titles", titles,
                                "results", results));
}
