/* SPDX-License-Identifier: MIT */
/* parse.c — the request bodies and query strings of `som serve`, checked
 * field by field before anything reaches the library (which checks again).
 * Pure functions (see parse.h): fuzz/fuzz_http_body.c runs every one of
 * them on arbitrary bytes. */
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render_args.h"
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

void parse_data_message(const som_error *err, char *msg, size_t size, const char **field)
{
    const char *m = err->message[0] ? err->message : som_strerror(err->code);
    *field = "file";
    if (err->file[0] && err->line) {
        /* "FILE:LINE:COL: what" (som_error's prefix) -> "FILE, line LINE: what" */
        char prefix[300];
        if (err->column)
            snprintf(prefix, sizeof prefix, "%s:%zu:%zu: ", err->file, err->line, err->column);
        else
            snprintf(prefix, sizeof prefix, "%s:%zu: ", err->file, err->line);
        size_t k = strlen(prefix);
        if (strncmp(m, prefix, k) == 0) m += k;
        snprintf(msg, size, "%s, line %zu: %s", err->file, err->line, m);
    } else {
        snprintf(msg, size, "%s", m);
    }
    /* The reader's hint that a column of text may be the labels. */
    if (err->code == SOM_EFORMAT && strstr(msg, "the label column")) *field = "label_column";
}

/* ---- job settings ------------------------------------------------------------------ */

/* A JSON value as the text the settings table reads: a string as it is,
 * a number in the shortest form that reads back the same, true/false. */
static bool value_text(const json_t *v, char *buf, size_t size)
{
    if (json_is_string(v)) {
        snprintf(buf, size, "%s", json_string_value(v));
    } else if (json_is_integer(v)) {
        snprintf(buf, size, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
    } else if (json_is_real(v)) {
        double x = json_real_value(v);
        if (x == floor(x) && fabs(x) < 1e15) {
            snprintf(buf, size, "%.0f", x);
        } else {
            for (int prec = 6; prec <= 17; prec++) {
                snprintf(buf, size, "%.*g", prec, x);
                if (strtod(buf, NULL) == x) break;
            }
        }
    } else if (json_is_boolean(v)) {
        snprintf(buf, size, "%s", json_is_true(v) ? "true" : "false");
    } else {
        return false;
    }
    return true;
}

/* {"TITLE": W, ...} as "TITLE=W,...": titles without commas or '=', W a
 * number (the library checks the rest). */
static bool weights_text(const json_t *v, char *buf, size_t size)
{
    const char *key;
    json_t *w;
    size_t len = 0;
    buf[0] = '\0';
    json_object_foreach((json_t *)v, key, w) {
        char num[64];
        if (!*key || strpbrk(key, ",=") || !json_is_number(w) || !value_text(w, num, sizeof num))
            return false;
        int n = snprintf(buf + len, size - len, "%s%s=%s", len ? "," : "", key, num);
        if (n < 0 || (size_t)n >= size - len) return false;
        len += (size_t)n;
    }
    return len > 0;
}

/* The keys the page sent before the settings table named them (doc/API.md
 * keeps them): two numbers for one setting of the table. */
static const struct {
    const char *first, *second; /* "A" and "B" of "A:B" or "AxB" */
    const char *setting;
} split_keys[] = {
    {"rows", "cols", "grid"},
    {"radius0", "radius1", "radius"},
    {"rate0", "rate1", "rate"},
    {"inverse_a", "inverse_b", "inverse"},
};

/* Limits of this server beyond the library's bounds: a job must stay small
 * enough to share the machine, and a number must survive JSON. */
static const struct {
    const char *setting;
    double max;
} server_max[] = {
    {"epochs", 1e6}, {"iterations", 1e9}, {"quality-every", 1e6}, {"seed", 9007199254740992.0},
    {"neighbor-rate", 1e3}, {"target-weight", 1e6},
};

static unsigned settings_from(json_t *s, job_settings *j, char *msg, size_t size)
{
    som_fit_opts *o = &j->fit;
    som_error err;
    som_error_clear(&err);
    char text[1024];
    const char *key;
    json_t *v;
    j->pace = 0;

    json_object_foreach(s, key, v) {
        if (strcmp(key, "dataset") == 0) continue;
        if (strcmp(key, "pace") == 0) {
            double x = json_number_value(v);
            if (!json_is_number(v) || !(x >= 0 && x <= 1000))
                BAD(400, "'pace' must be a number >= 0 and <= 1000");
            j->pace = x;
            continue;
        }
        bool split = false;
        for (size_t k = 0; k < sizeof split_keys / sizeof split_keys[0]; k++)
            split |= strcmp(key, split_keys[k].first) == 0 ||
                     strcmp(key, split_keys[k].second) == 0;
        if (split) continue; /* below */
        const som_setting *e = som_settings_find(key);
        if (!e) BAD(400, "unknown setting '%.64s' (GET /api/settings lists them)", key);
        if (json_is_object(v) && strcmp(e->name, "weights") == 0) {
            /* {"TITLE": W, ...}: the command line's "TITLE=W,...". */
            if (!weights_text(v, text, sizeof text))
                BAD(400, "'weights' must map column titles to numbers (or be \"TITLE=W,...\")");
        } else if (!value_text(v, text, sizeof text)) {
            BAD(400, "'%.64s' must be a string, a number or true/false", key);
        }
        if (som_fit_opts_set(o, e->name, text, &err) != SOM_OK) {
            som_message(&err, msg, size);
            return parse_som_error_status(&err);
        }
    }

    /* rows/cols, radius0/radius1, ...: numbers, joined into the setting's
     * text ("10x12", "3:1"; ":1" keeps the start at its default). */
    for (size_t k = 0; k < sizeof split_keys / sizeof split_keys[0]; k++) {
        json_t *a = json_object_get(s, split_keys[k].first);
        json_t *b = json_object_get(s, split_keys[k].second);
        bool grid = k == 0;
        if (!a && !b) continue;
        if (json_object_get(s, split_keys[k].setting))
            BAD(400, "give '%s' or '%s' and '%s', not both", split_keys[k].setting,
                split_keys[k].first, split_keys[k].second);
        if (grid) {
            /* The page's rows and cols, with their words of old. */
            size_t side;
            if (a && !json_get_size(a, 1, SERVE_MAX_SIDE, &side))
                BAD(400, "'rows' must be a whole number from 1 to %d", SERVE_MAX_SIDE);
            if (b && !json_get_size(b, 1, SERVE_MAX_SIDE, &side))
                BAD(400, "'cols' must be a whole number from 1 to %d", SERVE_MAX_SIDE);
        }
        if ((a && !json_is_number(a)) || (b && !json_is_number(b)))
            BAD(400, "'%s' must be a number", a && !json_is_number(a) ? split_keys[k].first
                                                                      : split_keys[k].second);
        char ta[64] = "10", tb[64] = "10"; /* the server's default grid */
        if (!grid) ta[0] = tb[0] = '\0';
        if (a) value_text(a, ta, sizeof ta);
        if (b) value_text(b, tb, sizeof tb);
        snprintf(text, sizeof text, "%s%s%s", ta, grid ? "x" : (b ? ":" : ""), tb);
        if (som_fit_opts_set(o, split_keys[k].setting, text, &err) != SOM_OK) {
            som_message(&err, msg, size);
            return parse_som_error_status(&err);
        }
    }
    if (!o->grid.rows) o->grid.rows = o->grid.cols = 10; /* no automatic grid here */

    /* What the web API does not offer, though the library would take it
     * (api_refuses). */
    if (o->init_codebook)
        BAD(400, "'init-codebook' names a file on the server: the web API does not take it");
    if (json_object_get(s, "threads"))
        BAD(400, "'threads' is the server's to choose: it trains with the threads it was started with");
    if (som_fit_opts_check(o, &err) != SOM_OK) {
        som_message(&err, msg, size);
        return 400;
    }

    /* This server's own limits. */
    if (o->grid.rows > SERVE_MAX_SIDE || o->grid.cols > SERVE_MAX_SIDE)
        BAD(400, "grid: %zux%zu has a side over %d units, this server's limit", o->grid.rows,
            o->grid.cols, SERVE_MAX_SIDE);
    if (o->grid.rows * o->grid.cols > SERVE_MAX_UNITS)
        BAD(400, "the grid has %zu units; at most %d", o->grid.rows * o->grid.cols,
            SERVE_MAX_UNITS);
    const som_train_opts *t = &o->train;
    const double value[] = {(double)t->epochs,    (double)t->iterations, (double)t->quality_every,
                            (double)t->seed,      t->neighbor_rate,      o->target_weight};
    for (size_t k = 0; k < sizeof server_max / sizeof server_max[0]; k++)
        if (value[k] > server_max[k].max)
            BAD(400, "%s: at most %.16g on this server", server_max[k].setting, server_max[k].max);
    const struct {
        const char *setting;
        double a, b, max;
    } pairs[] = {{"radius", t->radius0, t->radius1, 1e6},
                 {"rate", t->rate0, t->rate1, 1e3},
                 {"inverse", t->inverse_a, t->inverse_b, 1e12}};
    for (size_t k = 0; k < sizeof pairs / sizeof pairs[0]; k++)
        if (pairs[k].a > pairs[k].max || pairs[k].b > pairs[k].max)
            BAD(400, "%s: at most %g on this server", pairs[k].setting, pairs[k].max);
    return 0;
}

/* Entries of the table that a job does not take through this API (see
 * settings_from). */
static bool api_refuses(const char *name)
{
    return strcmp(name, "init-codebook") == 0 || strcmp(name, "threads") == 0;
}

/* One bound: null where there is none. */
static json_t *bound_json(const som_setting *s, int part)
{
    bool whole = s->type == SOM_SETTING_SIZE;
    double max = s->max[part];
    return json_pack("{s:o, s:o, s:b}", "min", json_real(s->min[part]), "max",
                     max >= (whole ? 1.8e19 : DBL_MAX) ? json_null() : json_real(max),
                     "min_exclusive", s->min_open[part] != 0);
}

json_t *parse_settings_table_json(void)
{
    json_t *list = json_array();
    for (size_t i = 0; list && i < som_settings_count(); i++) {
        const som_setting *s = som_settings_at(i);
        json_t *choices = json_null(), *bounds = json_null(), *algorithms = json_array();
        if (s->choices) {
            choices = json_array();
            for (size_t k = 0; s->choices[k]; k++)
                json_array_append_new(choices, json_string(s->choices[k]));
        }
        if (s->type == SOM_SETTING_SIZE || s->type == SOM_SETTING_NUMBER)
            bounds = bound_json(s, 0);
        else if (s->type == SOM_SETTING_PAIR)
            bounds = json_pack("[o,o]", bound_json(s, 0), bound_json(s, 1));
        for (int a = SOM_ONLINE; a <= SOM_BATCH; a++)
            if (s->algorithms & (1u << a))
                json_array_append_new(algorithms,
                                      json_string(som_enum_name(SOM_ENUM_ALGORITHM, a)));
        char dflt[256];
        int has = som_setting_default(s, NULL, dflt, sizeof dflt);
        if (strcmp(s->name, "grid") == 0) {
            snprintf(dflt, sizeof dflt, "10x10"); /* this server's, not automatic */
            has = 1;
        }
        json_t *e = json_pack(
            "{s:s, s:s, s:s, s:s?, s:o, s:o, s:s, s:s?, s:s?, s:o, s:s, s:b}", "name", s->name,
            "type", som_enum_name(SOM_ENUM_SETTING_TYPE, (int)s->type), "group",
            som_enum_name(SOM_ENUM_SETTING_GROUP, (int)s->group), "value_name", s->value_name,
            "choices", choices, "bounds", bounds, "expects", s->expects, "default",
            has > 0 ? dflt : NULL, "default_words", s->default_words, "algorithms", algorithms,
            "help", s->help, "api", !api_refuses(s->name));
        if (!e) {
            json_decref(list);
            return NULL;
        }
        json_array_append_new(list, e);
    }
    return list ? json_pack("{s:o}", "settings", list) : NULL;
}

void job_settings_clear(job_settings *s)
{
    som_fit_opts_clear(&s->fit);
}

unsigned parse_job_settings(const char *body, size_t len, job_settings *out, char *msg,
                            size_t size)
{
    memset(out, 0, sizeof *out);
    som_fit_opts_init(&out->fit);
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
    if (st) som_fit_opts_clear(&out->fit);
    return st;
}

/* ---- clusters ------------------------------------------------------------------------ */

const char *const cluster_method_names[] = {"kmeans", "ward", NULL};

static unsigned cluster_from(json_t *s, som_cluster_opts *o, char *msg, size_t size)
{
    static const char *const keys[] = {"k", "method", "k_min", "k_max", "seed", NULL};
    const char *key;
    json_t *v;
    json_object_foreach(s, key, v) {
        if (serve_choice(key, keys) < 0)
            BAD(400, "unknown clustering option '%.64s' (k, method, k_min, k_max, seed)", key);
    }
    v = json_object_get(s, "k");
    bool k_auto = !v || (json_is_string(v) && strcmp(json_string_value(v), "auto") == 0);
    if (!k_auto && !json_get_size(v, 1, 10000, &o->k))
        BAD(400, "'k' must be a whole number from 1 to 10000, or \"auto\"");
    struct {
        const char *key;
        size_t *out;
    } range[] = {{"k_min", &o->k_min}, {"k_max", &o->k_max}};
    for (size_t i = 0; i < 2; i++) {
        v = json_object_get(s, range[i].key);
        if (!v) continue;
        if (!k_auto) BAD(400, "give 'k' or 'k_min'/'k_max', not both");
        if (!json_get_size(v, 1, 10000, range[i].out))
            BAD(400, "'%s' must be a whole number from 1 to 10000", range[i].key);
    }
    if (o->k_min > o->k_max) BAD(400, "'k_min' is above 'k_max'");
    v = json_object_get(s, "method");
    if (v) {
        int c = serve_choice(json_string_value(v), cluster_method_names);
        if (c < 0) BAD(400, "'method' must be kmeans or ward");
        o->method = (som_cluster_method)c;
    }
    v = json_object_get(s, "seed");
    if (v) {
        size_t seed;
        if (!json_get_size(v, 0, (size_t)1 << 53, &seed))
            BAD(400, "'seed' must be a whole number from 0 to 2^53");
        o->seed = seed;
    }
    return 0;
}

unsigned parse_cluster_opts(const char *body, size_t len, som_cluster_opts *out, char *msg,
                            size_t size)
{
    som_cluster_opts_init(out);
    if (len == 0) return 0;
    json_error_t jerr;
    json_t *s = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!s) return bad_json(&jerr, msg, size);
    unsigned st = json_is_object(s) ? cluster_from(s, out, msg, size) : 400;
    if (st == 400 && !json_is_object(s))
        snprintf(msg, size, "expected a JSON object of clustering options");
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
    if (len == 0) BAD(400, "The file is empty: choose a CSV file with a row of titles and rows of numbers");
    parse_clean_name(arg(q, "name"), "upload.csv", name, name_size);
    som_csv_opts o;
    unsigned st = parse_csv_options(q, &o, msg, size);
    if (st) return st;
    som_error err;
    som_error_clear(&err);
    if (som_data_read_buffer(body, len, name, "csv", &o, out, &err) != SOM_OK) {
        const char *field;
        parse_data_message(&err, msg, size, &field);
        return parse_som_error_status(&err);
    }
    return 0;
}

unsigned parse_model_upload(const char *body, size_t len, const serve_query *q, som_map **out,
                            char *name, size_t name_size, char *msg, size_t size)
{
    if (len == 0) BAD(400, "The file is empty: choose a map file (.som or .somnet)");
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
        /* The readers' words are about bytes and doubles; a person needs
         * to know the file is not a map (the version one is worth keeping). */
        if (rc == SOM_EVERSION || rc == SOM_ENOMEM)
            som_message(&err, msg, size);
        else
            snprintf(msg, size, "%s is not a map file that som reads (.som or .somnet), or it is "
                                "damaged", name);
        return rc == SOM_ENOMEM ? 503 : 400;
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
        const char *field;
        parse_data_message(&err, msg, size, &field);
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

/* ---- pictures of maps ------------------------------------------------------------- */

/* A query argument by its key with underscores, or with dashes as the
 * command line spells it ("per_row" or "per-row"). */
static const char *arg2(const serve_query *q, const char *key)
{
    const char *v = arg(q, key);
    if (v) return v;
    char dashed[32];
    snprintf(dashed, sizeof dashed, "%s", key);
    for (char *c = dashed; *c; c++)
        if (*c == '_') *c = '-';
    return strcmp(dashed, key) != 0 ? arg(q, dashed) : NULL;
}

/* "0|1|true|false|yes|no" -> 0/1, or -1. */
static int flag_value(const char *s)
{
    if (!strcmp(s, "1") || !strcmp(s, "true") || !strcmp(s, "yes")) return 1;
    if (!strcmp(s, "0") || !strcmp(s, "false") || !strcmp(s, "no")) return 0;
    return -1;
}

/* One named choice through the library's parser. */
#define CHOICE(key, parse, target, type, words)                                             \
    do {                                                                                \
        const char *v_ = arg2(q, key);                                                 \
        if (v_) {                                                                       \
            int c_ = parse(v_);                                                         \
            if (c_ < 0) {                                                               \
                snprintf(msg, size, "%s: expected %s, got '%.64s'", key, words, v_);    \
                *field = key;                                                           \
                return 400;                                                             \
            }                                                                           \
            target = (type)c_;                                                          \
        }                                                                               \
    } while (0)

unsigned parse_plot_query(const serve_query *q, plot_query *p, char *msg, size_t size,
                          const char **field)
{
    som_render_opts *o = &p->o;
    som_render_opts_init(o);
    o->threads = 1;
    p->dataset = arg(q, "dataset");
    CHOICE("plot", som_plot_parse, o->plot, som_plot,
           "planes, umatrix, hits, labels, error, dashboard, clusters or codes");
    CHOICE("colors", som_colors_parse, o->colors, som_colors,
           "viridis, magma, cividis, grey, coolwarm or mql");
    CHOICE("colours", som_colors_parse, o->colors, som_colors,
           "viridis, magma, cividis, grey, coolwarm or mql");
    CHOICE("cells", som_cells_parse, o->cells, som_cells, "auto, hex or square");
    CHOICE("hits_style", som_hits_style_parse, o->hits_style, som_hits_style,
           "colour or markers");
    CHOICE("labels", som_labels_style_parse, o->labels_style, som_labels_style,
           "majority or all");
    CHOICE("umatrix", som_umatrix_style_parse, o->umatrix, som_umatrix_style, "units or full");
    CHOICE("scale_colors", som_color_scale_parse, o->color_scale, som_color_scale,
           "linear, log or rank");
    CHOICE("scale_colours", som_color_scale_parse, o->color_scale, som_color_scale,
           "linear, log or rank");
    static const char *const flags[] = {"borders", "titles", "boundaries"};
    int *flag_of[] = {&o->borders, &o->titles, &o->boundaries};
    for (size_t k = 0; k < 3; k++) {
        const char *v = arg2(q, flags[k]);
        if (!v) continue;
        int f = flag_value(v);
        if (f < 0) {
            snprintf(msg, size, "%s: expected 0 or 1, got '%.64s'", flags[k], v);
            *field = flags[k];
            return 400;
        }
        *flag_of[k] = f;
    }
    const char *v;
    if ((v = arg2(q, "size")) &&
        (!render_parse_size(v, &o->width, &o->height) || o->width > PLOT_MAX_SIDE ||
         o->height > PLOT_MAX_SIDE)) {
        snprintf(msg, size, "size: expected WIDTHxHEIGHT in pixels, each 1 to %d, got '%.64s'",
                 PLOT_MAX_SIDE, v);
        *field = "size";
        return 400;
    }
    static const char *const counts[] = {"per_row", "max_fields"};
    size_t *count_of[] = {&o->per_row, &o->max_fields};
    for (size_t k = 0; k < 2; k++) {
        if (!(v = arg2(q, counts[k]))) continue;
        char *end;
        unsigned long long n = strtoull(v, &end, 10);
        if (end == v || *end || v[0] == '-' || n < 1 || n > 10000) {
            snprintf(msg, size, "%s: expected a whole number from 1 to 10000, got '%.64s'",
                     counts[k], v);
            *field = counts[k];
            return 400;
        }
        *count_of[k] = (size_t)n;
    }
    if ((v = arg2(q, "range")) &&
        !render_parse_range(v, &o->range, &o->range_min, &o->range_max)) {
        snprintf(msg, size, "range: expected %s, got '%.64s'", RENDER_RANGE_EXPECTS, v);
        *field = "range";
        return 400;
    }
    /* field=T (one plane) or fields=T1,T2,... (these planes, in order). */
    const char *one = arg(q, "field"), *list = arg(q, "fields");
    if (one || list) {
        const char *src = one ? one : list;
        if (strlen(src) >= sizeof p->buf) {
            snprintf(msg, size, "fields: too long");
            *field = one ? "field" : "fields";
            return 400;
        }
        strcpy(p->buf, src);
        size_t n = 0;
        if (one) {
            p->fields[n++] = p->buf;
        } else {
            char *save = NULL;
            for (char *t = strtok_r(p->buf, ",", &save); t && n < PLOT_MAX_FIELDS;
                 t = strtok_r(NULL, ",", &save))
                p->fields[n++] = t;
        }
        if (n == 0 || !p->fields[0][0]) {
            snprintf(msg, size, "%s: no field title given", one ? "field" : "fields");
            *field = one ? "field" : "fields";
            return 400;
        }
        o->fields = p->fields;
        o->n_fields = n;
    }
    return 0;
}
