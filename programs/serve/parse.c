/* SPDX-License-Identifier: MIT */
/* parse.c — the request bodies and query strings of `som serve`, checked
 * field by field before anything reaches the library (which checks again).
 * Pure functions (see parse.h): fuzz/fuzz_http_body.c runs every one of
 * them on arbitrary bytes. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "serve.h"

#define BAD(st, ...) return snprintf(msg, size, __VA_ARGS__), (st)

/* ---- small helpers -------------------------------------------------------------- */

bool json_get_size(const json_t *v, size_t lo, size_t hi, size_t *out)
{
    double d;
    if (json_is_integer(v)) {
        json_int_t i = json_integer_value(v);
        if (i < 0) return false;
        if ((uint64_t)i < lo || (uint64_t)i > hi) return false;
        *out = (size_t)i;
        return true;
    }
    if (!json_is_real(v)) return false;
    d = json_real_value(v);
    if (!(d >= (double)lo && d <= (double)hi) || d != floor(d)) return false;
    *out = (size_t)d;
    return true;
}

int serve_choice(const char *s, const char *const *names)
{
    if (!s) return -1;
    for (int i = 0; names[i]; i++)
        if (strcmp(s, names[i]) == 0) return i;
    return -1;
}

static const char *arg(const serve_query *q, const char *key)
{
    return q && q->get ? q->get(q->ctx, key) : NULL;
}

/* A body that did not parse as JSON. */
static unsigned bad_json(const json_error_t *jerr, char *msg, size_t size)
{
    BAD(400, "malformed JSON at line %d, column %d: %s", jerr->line, jerr->column, jerr->text);
}

unsigned parse_som_error_status(const som_error *err)
{
    switch (err->code) {
    case SOM_ENOMEM: return 503; /* may pass: try later */
    case SOM_EIO: return 500;
    case SOM_EDIM: return 422;
    default: return 400;
    }
}

/* The library's message, or the code's when it left none. */
static void som_message(const som_error *err, char *msg, size_t size)
{
    snprintf(msg, size, "%s", err->message[0] ? err->message : som_strerror(err->code));
}

/* ---- job settings ------------------------------------------------------------------ */

const char *const job_topology_names[] = {"rect", "hex", NULL};
const char *const job_algorithm_names[] = {"online", "batch", NULL};
const char *const job_init_names[] = {"random", "pca", "sample", NULL};
const char *const job_schedule_names[] = {"linear", "exp", "inverse", "mql", NULL};
const char *const job_neighborhood_names[] = {"gaussian", "cutgauss", "bubble",
                                              "epanechnikov", "mexican-hat", NULL};
const char *const job_scaling_names[] = {"none", "zscore", "minmax", NULL};

static const char *const setting_keys[] = {
    "dataset", "rows", "cols", "topology", "toroid", "algorithm", "epochs",
    "iterations", "init", "radius0", "radius1", "rate0", "rate1", "schedule",
    "inverse_a", "inverse_b", "neighborhood", "neighbor_rate", "scale", "seed",
    "quality_every", "pace", NULL};

static unsigned settings_from(json_t *s, job_settings *j, char *msg, size_t size)
{
    const char *key;
    json_t *v;
    json_object_foreach(s, key, v) {
        if (serve_choice(key, setting_keys) < 0)
            BAD(400, "unknown setting '%.64s' (doc/API.md lists them)", key);
    }
    som_train_opts *o = &j->opts;
    som_train_opts_init(o);
    j->grid.rows = j->grid.cols = 10;
    j->grid.topology = SOM_RECT;
    j->grid.toroid = 0;
    j->scaling = SOM_SCALE_ZSCORE;
    j->pace = 0;

    /* Whole numbers. */
    struct {
        const char *key;
        size_t lo, hi;
        size_t *out;
    } sizes[] = {
        {"rows", 1, SERVE_MAX_SIDE, &j->grid.rows},
        {"cols", 1, SERVE_MAX_SIDE, &j->grid.cols},
        {"epochs", 1, 1000000, &o->epochs},
        {"iterations", 1, 1000000000, &o->iterations},
        {"quality_every", 0, 1000000, &o->quality_every},
    };
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        v = json_object_get(s, sizes[i].key);
        if (v && !json_get_size(v, sizes[i].lo, sizes[i].hi, sizes[i].out))
            BAD(400, "'%s' must be a whole number from %zu to %zu", sizes[i].key, sizes[i].lo,
                sizes[i].hi);
    }
    if (j->grid.rows * j->grid.cols > SERVE_MAX_UNITS)
        BAD(400, "the grid has %zu units; at most %d", j->grid.rows * j->grid.cols,
            SERVE_MAX_UNITS);
    v = json_object_get(s, "seed");
    if (v) {
        size_t seed;
        if (!json_get_size(v, 0, (size_t)1 << 53, &seed))
            BAD(400, "'seed' must be a whole number from 0 to 2^53");
        o->seed = seed;
    }

    /* Names. */
    struct {
        const char *key;
        const char *const *names;
        int *out;
    } choices[] = {
        {"topology", job_topology_names, (int *)&j->grid.topology},
        {"algorithm", job_algorithm_names, (int *)&o->algorithm},
        {"init", job_init_names, (int *)&o->init},
        {"schedule", job_schedule_names, (int *)&o->schedule},
        {"neighborhood", job_neighborhood_names, (int *)&o->neighborhood},
        {"scale", job_scaling_names, (int *)&j->scaling},
    };
    for (size_t i = 0; i < sizeof choices / sizeof choices[0]; i++) {
        v = json_object_get(s, choices[i].key);
        if (!v) continue;
        int c = serve_choice(json_string_value(v), choices[i].names);
        if (c < 0) {
            char list[128] = "";
            for (size_t k = 0; choices[i].names[k]; k++) {
                strncat(list, k ? ", " : "", sizeof list - strlen(list) - 1);
                strncat(list, choices[i].names[k], sizeof list - strlen(list) - 1);
            }
            BAD(400, "'%s' must be one of %s", choices[i].key, list);
        }
        *choices[i].out = c;
    }
    v = json_object_get(s, "toroid");
    if (v) {
        if (!json_is_boolean(v)) BAD(400, "'toroid' must be true or false");
        j->grid.toroid = json_is_true(v);
    }
    som_error err;
    som_error_clear(&err);
    if (som_grid_check(&j->grid, &err) != SOM_OK) BAD(400, "%s", err.message);

    /* Numbers. */
    struct {
        const char *key;
        double lo;
        bool open; /* lo itself excluded */
        double hi;
        double *out;
    } nums[] = {
        {"radius0", 0, true, 1e6, &o->radius0},
        {"radius1", 0, false, 1e6, &o->radius1},
        {"rate0", 0, true, 1e3, &o->rate0},
        {"rate1", 0, true, 1e3, &o->rate1},
        {"inverse_a", 0, true, 1e12, &o->inverse_a},
        {"inverse_b", 0, true, 1e12, &o->inverse_b},
        {"neighbor_rate", 0, false, 1e3, &o->neighbor_rate},
        {"pace", 0, false, 1000, &j->pace},
    };
    for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++) {
        v = json_object_get(s, nums[i].key);
        if (!v) continue;
        double x = json_number_value(v);
        if (!json_is_number(v) || !(nums[i].open ? x > nums[i].lo : x >= nums[i].lo) ||
            !(x <= nums[i].hi))
            BAD(400, "'%s' must be a number %s %g and <= %g", nums[i].key,
                nums[i].open ? ">" : ">=", nums[i].lo, nums[i].hi);
        *nums[i].out = x;
    }
    if (json_object_get(s, "iterations")) {
        if (json_object_get(s, "algorithm") && o->algorithm == SOM_BATCH)
            BAD(400, "'iterations' counts online steps; batch training counts 'epochs'");
        if (json_object_get(s, "epochs")) BAD(400, "give 'epochs' or 'iterations', not both");
        o->algorithm = SOM_ONLINE;
    }
    if (o->neighborhood == SOM_NEIGHBORHOOD_MEXICAN_HAT && o->algorithm == SOM_BATCH)
        BAD(400, "the mexican-hat neighbourhood goes with online training only");
    if (o->schedule == SOM_SCHEDULE_EXP && json_object_get(s, "radius1") && o->radius1 <= 0)
        BAD(400, "the exp schedule needs 'radius1' > 0");
    return 0;
}

unsigned parse_job_settings(const char *body, size_t len, job_settings *out, char *msg,
                            size_t size)
{
    memset(out, 0, sizeof *out);
    json_error_t jerr;
    json_t *s = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!s) return bad_json(&jerr, msg, size);
    unsigned st = 0;
    const char *ds = json_string_value(json_object_get(s, "dataset"));
    if (!json_is_object(s)) {
        /* Said plainly: an array is not "missing a data set". */
        snprintf(msg, size, "expected a JSON object of settings (doc/API.md lists them)");
        st = 400;
    } else if (!ds) {
        snprintf(msg, size, "'dataset' (a data set id, see GET /api/datasets) is required");
        st = 400;
    } else {
        out->has_dataset = true;
        snprintf(out->dataset, sizeof out->dataset, "%s", ds);
        st = settings_from(s, out, msg, size);
    }
    json_decref(s);
    return st;
}

/* ---- data sets and models ----------------------------------------------------------- */

void parse_clean_name(const char *in, const char *dflt, char *out, size_t size)
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

unsigned parse_csv_options(const serve_query *q, som_csv_opts *o, char *msg, size_t size)
{
    som_csv_opts_init(o);
    const char *h = arg(q, "header");
    if (h) {
        static const char *const names[] = {"no", "yes", "auto", NULL};
        int c = serve_choice(h, names);
        if (c < 0) BAD(400, "'header' must be auto, yes or no");
        o->header = c == 2 ? SOM_AUTO : c;
    }
    const char *d = arg(q, "delimiter");
    if (d) {
        static const char *const names[] = {"auto", "comma", "semicolon", "tab", NULL};
        static const char chars[] = {0, ',', ';', '\t'};
        int c = serve_choice(d, names);
        if (c < 0) BAD(400, "'delimiter' must be auto, comma, semicolon or tab");
        o->delimiter = chars[c];
    }
    const char *rn = arg(q, "row_names");
    if (rn) {
        static const char *const names[] = {"no", "auto", NULL};
        int c = serve_choice(rn, names);
        if (c < 0) BAD(400, "'row_names' must be auto or no");
        o->row_names = c == 1 ? SOM_AUTO : 0;
    }
    const char *l = arg(q, "label_column");
    if (l) {
        if (!*l || strlen(l) > 256) BAD(400, "'label_column' must be a column title");
        o->label_column = l;
    }
    return 0;
}

unsigned parse_dataset_upload(const char *body, size_t len, const serve_query *q,
                              som_data **out, char *name, size_t name_size, char *msg,
                              size_t size)
{
    if (len == 0) BAD(400, "empty body: send the CSV file as the request body");
    parse_clean_name(arg(q, "name"), "upload.csv", name, name_size);
    som_csv_opts o;
    unsigned st = parse_csv_options(q, &o, msg, size);
    if (st) return st;
    som_error err;
    som_error_clear(&err);
    if (som_data_read_buffer(body, len, name, "csv", &o, out, &err) != SOM_OK) {
        som_message(&err, msg, size);
        return parse_som_error_status(&err);
    }
    return 0;
}

unsigned parse_model_upload(const char *body, size_t len, const serve_query *q, som_map **out,
                            char *name, size_t name_size, char *msg, size_t size)
{
    if (len == 0) BAD(400, "empty body: send a .som or .somnet file");
    som_error err;
    som_error_clear(&err);
    int rc;
    /* The native format starts with its magic; anything else is taken for
     * a .somnet, whose reader checks every size against the length. */
    static const unsigned char magic[4] = {0x89, 'S', 'O', 'M'};
    if (len >= 4 && memcmp(body, magic, 4) == 0) {
        parse_clean_name(arg(q, "name"), "upload.som", name, name_size);
        rc = som_map_load_buffer(body, len, name, "som", out, &err);
    } else {
        parse_clean_name(arg(q, "name"), "upload.somnet", name, name_size);
        rc = som_map_load_buffer(body, len, name, "somnet", out, &err);
    }
    if (rc != SOM_OK) {
        som_message(&err, msg, size);
        return 400;
    }
    return 0;
}

unsigned parse_map_copy(const char *body, size_t len, char job_id[PARSE_ID_MAX + 1], char *msg,
                        size_t size)
{
    json_error_t jerr;
    json_t *v = json_loadb(body, len, 0, &jerr);
    if (!v) return bad_json(&jerr, msg, size);
    const char *id = json_string_value(json_object_get(v, "job"));
    unsigned st = 0;
    if (!id || json_object_size(v) != 1) {
        snprintf(msg, size, "expected {\"job\": ID}, or a .som or .somnet file as the body");
        st = 400;
    } else {
        snprintf(job_id, PARSE_ID_MAX + 1, "%s", id);
    }
    json_decref(v);
    return st;
}

/* Rows from {"rows": [[x, null, ...], ...], "labels": ["a", ...]}: numbers,
 * null for a blank field. Each row must have the map's field count. */
static unsigned rows_from_json(const som_map *map, const char *body, size_t len,
                               som_data **out, char *msg, size_t size)
{
    json_error_t jerr;
    json_t *v = json_loadb(body, len, 0, &jerr);
    if (!v) return bad_json(&jerr, msg, size);
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

unsigned parse_map_rows(const som_map *map, const char *body, size_t len, bool csv,
                        const serve_query *q, som_data **out, char *msg, size_t size)
{
    if (!csv) return rows_from_json(map, body, len, out, msg, size);
    /* A CSV file: its columns are matched to the map's fields by title
     * (som_map_align_data); fields it lacks are filled in. */
    som_csv_opts o;
    unsigned st = parse_csv_options(q, &o, msg, size);
    if (st) return st;
    som_error err;
    som_error_clear(&err);
    som_data *raw = NULL;
    if (som_data_read_buffer(body, len, "rows.csv", "csv", &o, &raw, &err) != SOM_OK) {
        snprintf(msg, size, "%s", err.message);
        st = 400;
    } else if (som_map_align_data(map, raw, out, &err) != SOM_OK) {
        snprintf(msg, size, "%s", err.message);
        st = err.code == SOM_EDIM ? 422 : 400;
    }
    som_data_free(raw);
    return st;
}

/* ---- art and avatars ------------------------------------------------------------------ */

/* A number argument: absent -> dflt; otherwise a finite number in [lo, hi]. */
static bool arg_double(const serve_query *q, const char *key, double lo, double hi, double dflt,
                       double *out)
{
    const char *s = arg(q, key);
    if (!s) {
        *out = dflt;
        return true;
    }
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (!*s || *end || errno || !isfinite(v) || v < lo || v > hi) return false;
    *out = v;
    return true;
}

/* A whole-number argument in [lo, hi]: digits only. */
static bool arg_size(const serve_query *q, const char *key, size_t lo, size_t hi, size_t dflt,
                     size_t *out)
{
    const char *s = arg(q, key);
    if (!s) {
        *out = dflt;
        return true;
    }
    if (!*s || strlen(s) > 12 || strspn(s, "0123456789") != strlen(s)) return false;
    unsigned long long v = strtoull(s, NULL, 10);
    if (v < lo || v > hi) return false;
    *out = (size_t)v;
    return true;
}

/* "#RRGGBB" or "RRGGBB" (the '#' must be sent as %23). */
static bool parse_color(const char *s, uint32_t *out)
{
    if (*s == '#') s++;
    if (strlen(s) != 6 || strspn(s, "0123456789abcdefABCDEF") != 6) return false;
    *out = (uint32_t)strtoul(s, NULL, 16);
    return true;
}

unsigned parse_avatar_query(const serve_query *q, size_t *px, char *msg, size_t size)
{
    if (!arg_size(q, "size", PARSE_AVATAR_MIN, PARSE_AVATAR_MAX, PARSE_AVATAR_DEFAULT, px))
        BAD(400, "size must be a whole number from %d to %d pixels", PARSE_AVATAR_MIN,
            PARSE_AVATAR_MAX);
    return 0;
}

unsigned parse_art_query(const serve_query *q, som_art_opts *o, som_art_style *st, size_t *px,
                         char *msg, size_t size)
{
    som_art_opts_init(o);
    som_art_style_init(st);
    size_t points;
    double show;
    if (!arg_double(q, "step", 1e-9, 1e3, o->step, &o->step))
        BAD(400, "step must be a number > 0 and <= 1000");
    if (!arg_double(q, "radius", 0, 1e3, o->radius, &o->radius))
        BAD(400, "radius must be a number from 0 to 1000");
    if (!arg_double(q, "std", 0, 1e3, o->std, &o->std))
        BAD(400, "std must be a number from 0 to 1000");
    if (!arg_size(q, "points", 1, 360, o->points, &points))
        BAD(400, "points must be a whole number from 1 to 360");
    o->points = points;
    if (!arg_double(q, "angle", -360, 360, o->angle, &o->angle))
        BAD(400, "angle must be a number of degrees from -360 to 360");
    if (!arg_double(q, "phase", -360, 360, o->phase, &o->phase))
        BAD(400, "phase must be a number of degrees from -360 to 360");
    if (!arg_size(q, "size", 16, 2048, 512, px))
        BAD(400, "size must be a whole number from 16 to 2048 pixels");
    if (!arg_double(q, "show_points", 0, 1, 0, &show) || (show != 0 && show != 1))
        BAD(400, "show_points must be 0 or 1");
    st->show_points = show == 1;
    if (st->show_points) st->view = SOM_ART_VIEW_POINTS;
    const char *view = arg(q, "view");
    if (view) {
        static const char *const names[] = {"fit", "crop", "points", NULL};
        int v = serve_choice(view, names);
        if (v < 0) BAD(400, "view must be fit, crop or points");
        st->view = (som_art_view)v;
    }
    const char *color = arg(q, "color");
    if (color && !parse_color(color, &st->color)) BAD(400, "color must be RRGGBB (hex)");
    const char *bg = arg(q, "background");
    if (bg) {
        if (strcmp(bg, "transparent") == 0)
            st->transparent = 1;
        else if (!parse_color(bg, &st->background))
            BAD(400, "background must be RRGGBB (hex) or transparent");
    }
    som_error err;
    som_error_clear(&err);
    if (som_art_opts_check(o, &err) != SOM_OK) {
        som_message(&err, msg, size);
        return 400;
    }
    return 0;
}

unsigned parse_gallery_query(const serve_query *q, size_t *n, uint32_t *seed, size_t *px,
                             char *msg, size_t size)
{
    size_t s;
    if (!arg_size(q, "n", 1, 64, SOM_ART_CLASSIC_COUNT, n))
        BAD(400, "n must be a whole number from 1 to 64");
    if (!arg_size(q, "seed", 0, 4294967295u, SOM_ART_CLASSIC_SEED, &s))
        BAD(400, "seed must be a whole number from 0 to 4294967295");
    if (!arg_size(q, "size", 64, 4096, 1024, px))
        BAD(400, "size must be a whole number from 64 to 4096 pixels");
    *seed = (uint32_t)s;
    return 0;
}

unsigned parse_guess_image_query(const serve_query *q, size_t *px, char *msg, size_t size)
{
    if (!arg_size(q, "size", 64, 2048, 512, px))
        BAD(400, "size must be a whole number from 64 to 2048 pixels");
    return 0;
}

unsigned parse_guess_answer(const char *body, size_t len, double guess[3], char *msg,
                            size_t size)
{
    json_error_t jerr;
    json_t *v = json_loadb(body, len, 0, &jerr);
    if (!v) return bad_json(&jerr, msg, size);
    static const char *const keys[] = {"step", "radius", "std"};
    double g[3];
    for (int k = 0; k < 3; k++) {
        json_t *x = json_object_get(v, keys[k]);
        if (!json_is_number(x) || !isfinite(json_number_value(x))) {
            json_decref(v);
            BAD(400, "'%s' must be a number", keys[k]);
        }
        g[k] = json_number_value(x);
    }
    json_decref(v);
    memcpy(guess, g, sizeof g);
    return 0;
}
