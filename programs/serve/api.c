/* SPDX-License-Identifier: MIT */
/* api.c — the handlers of /api/health, /api/settings, /api/datasets and /api/maps: data
 * sets uploaded as CSV (or bundled), models uploaded as .som or .somnet (or
 * copied from a job), and recognition: rows in, best-matching units,
 * distances and filled-in fields out. Every field of a request is checked
 * here before it reaches the library; the library checks again. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "serve.h"

enum MHD_Result handle_health(request *rq)
{
    /* The upload limit also in words, so that a page can refuse a file
     * that is too large before sending it, in the words the server uses. */
    char words[32];
    serve_size_words(serve.cfg.max_upload, words, sizeof words);
    return reply_json(rq, 200,
                      json_pack("{s:s, s:s, s:I, s:s, s:I, s:I}", "status", "ok", "version",
                                SOM_VERSION_STRING, "max_upload",
                                (json_int_t)serve.cfg.max_upload, "max_upload_words", words,
                                "workers", (json_int_t)serve.cfg.workers, "threads",
                                (json_int_t)serve.cfg.threads));
}

/* The settings table, for a form to be built from (doc/API.md). */
enum MHD_Result handle_settings(request *rq)
{
    json_t *v = parse_settings_table_json();
    if (!v) return reply_error(rq, 503, "out of memory");
    return reply_json(rq, 200, v);
}

static bool has_content_type(const request *rq, const char *type)
{
    const char *ct = req_header(rq, "Content-Type");
    return ct && strncasecmp(ct, type, strlen(type)) == 0;
}

/* ---- data sets -------------------------------------------------------------------- */

/* A large CSV body, which http.c put in a private file: read through the
 * file's name in /proc, so that the reader maps it and lets go of the
 * pages it has read (the whole file never counts in memory at once). The
 * messages name the upload, not that path. */
static unsigned dataset_from_file(request *rq, som_data **out, char *name, size_t name_size,
                                  char *msg, size_t size)
{
    serve_query q = req_args(rq);
    parse_clean_name(req_arg(rq, "name"), "upload.csv", name, name_size);
    som_csv_opts o;
    unsigned st = parse_csv_options(&q, &o, msg, size);
    if (st) return st;
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", rq->body_fd);
    som_error err;
    som_error_clear(&err);
    if (som_data_read_as(path, "csv", &o, out, &err) == SOM_OK) return 0;
    /* The messages name the upload, not that path. */
    size_t k = strlen(path);
    if (strcmp(err.file, path) == 0) snprintf(err.file, sizeof err.file, "%s", name);
    if (strncmp(err.message, path, k) == 0) {
        char rest[sizeof err.message];
        snprintf(rest, sizeof rest, "%s", err.message + k);
        int w = snprintf(err.message, sizeof err.message, "%.80s%.600s", name, rest);
        (void)w;
    }
    const char *field;
    parse_data_message(&err, msg, size, &field);
    return parse_som_error_status(&err);
}

/* ?preview=1: what the upload would become, without keeping it — the
 * detected layout, the columns (the label column first, as text), the first
 * rows, the count — for a person to check before training. */
#define PREVIEW_ROWS 10

static json_t *preview_json(const request *rq, const som_data *d, const char *name,
                            const char *body, size_t body_len)
{
    size_t n = som_data_n_samples(d), dim = som_data_dim(d);
    const char *label = som_data_label_title(d);
    /* The delimiter asked for, or the one the reader detected. */
    const char *dq = req_arg(rq, "delimiter");
    char delim = dq && strcmp(dq, "semicolon") == 0 ? ';'
                 : dq && strcmp(dq, "tab") == 0     ? '\t'
                 : dq && strcmp(dq, "comma") == 0   ? ','
                                                    : som_csv_delimiter(body, body_len);
    /* The first record held titles when the first row read came from a
     * later line than the first line with anything on it. */
    size_t first_line = 1;
    for (size_t i = 0; body && i < body_len && (body[i] == '\n' || body[i] == '\r' ||
                                                 body[i] == ' '); i++)
        if (body[i] == '\n') first_line++;
    bool header = n > 0 && som_data_line(d, 0) > first_line;
    const uint8_t *mask = som_data_mask(d);
    json_t *columns = json_array();
    if (label)
        json_array_append_new(columns, json_pack("{s:o, s:s, s:i}", "name", jstr(label), "kind",
                                                 "text", "missing", 0));
    for (size_t j = 0; j < dim; j++) {
        size_t missing = 0;
        for (size_t i = 0; mask && i < n; i++) missing += !mask[i * dim + j];
        json_array_append_new(columns, json_pack("{s:o, s:s, s:o}", "name",
                                                 jstr(som_data_title(d, j)), "kind", "number",
                                                 "missing", jsize(missing)));
    }
    json_t *rows = json_array();
    for (size_t i = 0; i < n && i < PREVIEW_ROWS; i++) {
        json_t *r = json_array();
        if (label) json_array_append_new(r, jstr(som_data_label(d, i)));
        const float *x = som_data_row(d, i);
        const uint8_t *m = som_data_row_mask(d, i);
        for (size_t j = 0; j < dim; j++)
            json_array_append_new(r, !m || m[j] ? jfloat(x[j]) : json_null());
        json_array_append_new(rows, r);
    }
    int rn = som_data_row_names(d);
    return json_pack("{s:b, s:o, s:b, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "preview", 1,
                     "name", jstr(name), "header", header, "delimiter",
                     delim == ';' ? "semicolon" : delim == '\t' ? "tab" : "comma",
                     "label_column", label ? jstr(label) : json_null(), "row_names",
                     rn == SOM_ROW_NAMES_LABELS    ? json_string("labels")
                     : rn == SOM_ROW_NAMES_DROPPED ? json_string("dropped")
                                                   : json_null(),
                     "columns", columns, "row_count", jsize(n), "dim", jsize(dim), "missing",
                     jsize(som_data_n_missing(d)), "first_rows", rows);
}

/* The form field a data set's error is about: "label_column" when the
 * reader suggests the column of text is the labels, one of the CSV
 * options when one was refused, else the file. */
static const char *data_error_field(const char *msg)
{
    static const char *const opts[] = {"header", "delimiter", "row_names", "label_column"};
    for (size_t k = 0; k < 4; k++) {
        char quoted[32];
        snprintf(quoted, sizeof quoted, "'%s'", opts[k]);
        if (strncmp(msg, quoted, strlen(quoted)) == 0) return opts[k];
    }
    if (strstr(msg, "the label column")) return "label_column";
    return "file";
}

enum MHD_Result handle_datasets(request *rq)
{
    if (strcmp(rq->method, "POST") != 0) return reply_json(rq, 200, datasets_json());
    char name[80], msg[1024];
    som_data *data = NULL;
    serve_query q = req_args(rq);
    char proc[64];
    snprintf(proc, sizeof proc, "/proc/self/fd/%d", rq->body_fd);
    /* Without /proc, the mapped body is read from memory. */
    bool by_path = rq->body_fd >= 0 && access(proc, R_OK) == 0;
    unsigned st0 = by_path
                       ? dataset_from_file(rq, &data, name, sizeof name, msg, sizeof msg)
                       : parse_dataset_upload(rq->body, rq->body_len, &q, &data, name,
                                              sizeof name, msg, sizeof msg);
    const char *pv = req_arg(rq, "preview");
    if (pv && strcmp(pv, "0") != 0) {
        /* Nothing is kept: the reply says what the upload would be. */
        json_t *v = st0 ? NULL : preview_json(rq, data, name, rq->body, rq->body_len);
        req_body_release(rq);
        som_data_free(data);
        if (st0) return reply_error_field(rq, st0, data_error_field(msg), "%s", msg);
        return reply_json(rq, 200, v);
    }
    req_body_release(rq);
    if (st0) return reply_error_field(rq, st0, data_error_field(msg), "%s", msg);
    char id[ROUTE_ID_MAX + 1];
    unsigned st = dataset_add(data, name, id);
    if (st == 413)
        return reply_error_field(rq, 413, "file", "This data set is larger than the server keeps; "
                                                  "use fewer rows or columns");
    if (st)
        return reply_error(rq, st, "The server holds as many data sets as it can, all in use; "
                                   "delete some and try again");
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
        char job_id[PARSE_ID_MAX + 1];
        unsigned st = parse_map_copy(rq->body, rq->body_len, job_id, msg, sizeof msg);
        if (st) return reply_error(rq, st, "%s", msg);
        st = job_copy_map(job_id, id, msg, sizeof msg);
        if (st) return reply_error(rq, st, "%s", msg);
        return reply_model(rq, 201, id);
    }
    char name[80];
    som_map *map = NULL;
    serve_query q = req_args(rq);
    unsigned st0 = parse_model_upload(rq->body, rq->body_len, &q, &map, name, sizeof name, msg,
                                      sizeof msg);
    req_body_release(rq);
    if (st0) return reply_error_field(rq, st0, "file", "%s", msg);
    unsigned st = model_add(map, name, id);
    if (st == 413)
        return reply_error_field(rq, 413, "file", "This map is larger than the server keeps");
    if (st)
        return reply_error(rq, st, "The server holds as many maps as it can, all in use; "
                                   "delete some and try again");
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

enum MHD_Result reply_map_download(request *rq, const som_map *map, const char *prefix)
{
    unsigned char *buf = NULL;
    size_t len = 0;
    void (*free_fn)(void *) = free;
    som_error err;
    som_error_clear(&err);
    int rc = map_serialize(map, rq->rt.ext, &buf, &len, &free_fn, &err);
    if (rc != SOM_OK) {
        if (rc == SOM_EINVAL) return reply_error(rq, 422, "%s", err.message);
        return reply_som_error(rq, &err);
    }
    struct MHD_Response *r = resp_bytes(buf, len, "application/octet-stream", free_fn);
    if (r) {
        char cd[128];
        snprintf(cd, sizeof cd, "attachment; filename=\"%s-%s.%s\"", prefix, rq->rt.id,
                 rq->rt.ext);
        MHD_add_response_header(r, "Content-Disposition", cd);
        /* What the format leaves out, for the page to say (a .somnet has
         * no scaling, clusters, history, ...): part names, comma-separated. */
        unsigned lost = 0;
        if (som_map_losses(map, rq->rt.ext, NULL, &lost, NULL) == SOM_OK && lost) {
            char parts[512] = "";
            size_t k = 0;
            for (unsigned b = 0; b < SOM_PART_COUNT; b++)
                if (lost & (1u << b))
                    k += (size_t)snprintf(parts + k, k < sizeof parts ? sizeof parts - k : 0,
                                          "%s%s", k ? ", " : "",
                                          som_part_name((som_part)(1u << b)));
            MHD_add_response_header(r, "X-Som-Lost", parts);
            MHD_add_response_header(r, "Access-Control-Expose-Headers", "X-Som-Lost");
        }
    }
    return reply(rq, 200, r);
}

enum MHD_Result handle_map_model(request *rq)
{
    enum MHD_Result ret;
    model *m = get_model(rq, &ret);
    if (!m) return ret;
    ret = reply_map_download(rq, m->map, "map");
    model_put(m);
    return ret;
}

/* ---- recognition ---------------------------------------------------------------- */

/* The class targets of a supervised map (fields "TARGET=CLASS", libsom's
 * one-hot encoding): for each, the first of its fields' index in
 * first[] and their count in count[]; returns how many (at most max). */
static size_t class_targets(const som_map *map, size_t *first, size_t *count, size_t max)
{
    size_t n = 0, dim = som_map_dim(map);
    for (size_t j = 0; j < dim && n < max; j++) {
        const char *t = som_map_title(map, j), *eq = t ? strrchr(t, '=') : NULL;
        if (!eq || eq == t) continue;
        char name[256];
        snprintf(name, sizeof name, "%.*s", (int)(eq - t), t);
        bool seen = false;
        for (size_t c = 0; c < n && !seen; c++)
            seen = strncmp(som_map_title(map, first[c]), name, strlen(name)) == 0 &&
                   som_map_title(map, first[c])[strlen(name)] == '=';
        int is_class = 0;
        size_t fields[1];
        size_t k = seen ? 0 : som_map_target_fields(map, name, fields, 1, &is_class);
        /* The fields of one target lie side by side (som_data_one_hot_labels). */
        if (k && is_class && fields[0] == j) {
            first[n] = j;
            count[n++] = k;
        }
    }
    return n;
}

/* {"TARGET": "CLASS", ...} for row i: for each class target the row lacks
 * every field of, the class som_map_predict_target gave it (cls[c][i]), as
 * `som predict --target` says; NULL when there is none to say. */
static json_t *predicted_classes(const som_map *map, const size_t *first, const size_t *count,
                                 size_t n, const uint8_t *mask, const char *const *const *cls,
                                 size_t i)
{
    json_t *o = NULL;
    for (size_t c = 0; c < n; c++) {
        bool missing = mask != NULL;
        for (size_t f = first[c]; missing && f < first[c] + count[c]; f++) missing = !mask[f];
        if (!missing || !cls[c] || !cls[c][i]) continue;
        const char *t = som_map_title(map, first[c]), *eq = strrchr(t, '=');
        if (!o) o = json_object();
        char name[256];
        snprintf(name, sizeof name, "%.*s", (int)(eq - t), t);
        json_object_set_new(o, name, jstr(cls[c][i]));
    }
    return o;
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
    serve_query q = req_args(rq);
    unsigned st = parse_map_rows(map, rq->body, rq->body_len, has_content_type(rq, "text/csv"),
                                 &q, &data, msg, sizeof msg);
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
    size_t first[16], count[16], n_classes = 0;
    const char **cls[16] = {NULL};
    if (rc == SOM_OK) {
        /* The classes of a supervised map's targets, by the library's
         * prediction: the call `som predict --target` makes, so that both
         * give the same class. */
        n_classes = class_targets(map, first, count, 16);
        for (size_t c = 0; rc == SOM_OK && c < n_classes; c++) {
            const char *t = som_map_title(map, first[c]), *eq = strrchr(t, '=');
            char name[256];
            snprintf(name, sizeof name, "%.*s", (int)(eq - t), t);
            cls[c] = calloc(n ? n : 1, sizeof *cls[c]);
            rc = cls[c] ? som_map_predict_target(map, data, name, NULL, cls[c], NULL,
                                                 n > 4096 ? serve.cfg.threads : 1, &err)
                        : som_error_set(&err, SOM_ENOMEM, "out of memory");
        }
    }
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
            json_t *r = json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "label", jstr(label),
                                  "unit", jsize(units[i]), "row", jsize(units[i] / g->cols),
                                  "col", jsize(units[i] % g->cols), "distance",
                                  jfloat(dist[i]), "values", values, "filled", filled);
            json_t *pc = predicted_classes(map, first, count, n_classes, mask,
                                           (const char *const *const *)cls, i);
            if (r && pc) json_object_set_new(r, "classes", pc);
            else json_decref(pc);
            json_array_append_new(results, r);
        }
    }
    json_t *titles = json_array();
    for (size_t j = 0; j < dim; j++) json_array_append_new(titles, jstr(som_map_title(map, j)));
    free(units);
    free(dist);
    free(w);
    for (size_t c = 0; c < n_classes; c++) free(cls[c]);
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
