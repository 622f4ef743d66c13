/* SPDX-License-Identifier: MIT */
/* json_read.c — a .json model (doc/FORMAT.md, "JSON models") back into a
 * map. jansson parses the text and names the line and column of what is
 * not JSON; what is JSON but not a model is named by the key path of the
 * offending value, and its line and column are found again in the text
 * (jansson keeps no positions), by a scan that only runs once there is an
 * error to report. Every value is checked as the .som reader checks it, so
 * a map read from either is one libsom can use. The keys the writer derives
 * from the others (units, coords, codebook, umatrix, the clusters' sizes,
 * training) are not read. */
#include "io/io.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* ---- where a value is -------------------------------------------------------- */

typedef struct step {
    const char *key; /* a member, or NULL for element `index` of an array */
    size_t index;
} step;

#define MAX_DEPTH 6

typedef struct jr {
    const char *buf;
    size_t len;
    const char *name;
    som_error *err;
    step path[MAX_DEPTH];
    int depth;
} jr;

/* The model is at most four levels deep; a deeper path is never pushed. */
static void push_key(jr *r, const char *key)
{
    if (r->depth < MAX_DEPTH) r->path[r->depth++] = (step){key, 0};
}

static void push_index(jr *r, size_t i)
{
    if (r->depth < MAX_DEPTH) r->path[r->depth++] = (step){NULL, i};
}

static void pop(jr *r) { r->depth--; }

/* A cursor over text that jansson has already accepted as JSON. */
typedef struct scan {
    const char *p, *end;
} scan;

static void skip_ws(scan *s)
{
    while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
        s->p++;
}

/* Past a string (s->p at its quote); its raw contents in [*a, *b). */
static void skip_string(scan *s, const char **a, const char **b)
{
    s->p++;
    *a = s->p;
    while (s->p < s->end && *s->p != '"') s->p += *s->p == '\\' ? 2 : 1;
    *b = s->p < s->end ? s->p : s->end;
    if (s->p < s->end) s->p++;
}

static void skip_value(scan *s)
{
    skip_ws(s);
    if (s->p >= s->end) return;
    const char *a, *b;
    if (*s->p == '"') {
        skip_string(s, &a, &b);
        return;
    }
    if (*s->p != '{' && *s->p != '[') {
        while (s->p < s->end && !strchr(",]} \t\r\n", *s->p)) s->p++;
        return;
    }
    /* Strings may hold brackets: count depth outside them only. */
    int depth = 0;
    while (s->p < s->end) {
        char c = *s->p;
        if (c == '"') {
            skip_string(s, &a, &b);
            continue;
        }
        s->p++;
        if (c == '{' || c == '[') depth++;
        else if ((c == '}' || c == ']') && --depth == 0) return;
    }
}

/* Moves s from the start of a container to the start of the value at
 * `st`; false (s unchanged) when it is not there. */
static bool enter(scan *s, const step *st)
{
    scan t = *s;
    skip_ws(&t);
    if (t.p >= t.end || *t.p != (st->key ? '{' : '[')) return false;
    t.p++;
    for (size_t i = 0;; i++) {
        skip_ws(&t);
        if (t.p >= t.end || *t.p == '}' || *t.p == ']') return false;
        if (st->key) {
            const char *a, *b;
            skip_string(&t, &a, &b);
            skip_ws(&t);
            if (t.p < t.end && *t.p == ':') t.p++;
            skip_ws(&t);
            if ((size_t)(b - a) == strlen(st->key) && memcmp(a, st->key, (size_t)(b - a)) == 0) {
                *s = t;
                return true;
            }
        } else if (i == st->index) {
            *s = t;
            return true;
        }
        skip_value(&t);
        skip_ws(&t);
        if (t.p < t.end && *t.p == ',') t.p++;
    }
}

/* 1-based line and column of the value at r's path (or of the deepest
 * part of it found), columns in characters as jansson counts them. */
static void position(const jr *r, size_t *line, size_t *col)
{
    scan s = {r->buf, r->buf + r->len};
    skip_ws(&s);
    for (int d = 0; d < r->depth && enter(&s, &r->path[d]); d++) skip_ws(&s);
    *line = 1;
    *col = 1;
    for (const char *p = r->buf; p < s.p; p++) {
        if (*p == '\n') {
            (*line)++;
            *col = 1;
        } else if (((unsigned char)*p & 0xc0) != 0x80) {
            (*col)++;
        }
    }
}

/* SOM_EFORMAT at the value r's path names, the path in front of the
 * message: "m.json:12:5: codebook_scaled[3][1]: expected a number". */
SOM_PRINTF(2, 3) static int fail(jr *r, const char *fmt, ...)
{
    char where[160] = "", msg[400];
    size_t k = 0;
    for (int d = 0; d < r->depth && k < sizeof where - 32; d++) {
        if (r->path[d].key)
            k += (size_t)snprintf(where + k, sizeof where - k, "%s%s", d ? "." : "",
                                  r->path[d].key);
        else
            k += (size_t)snprintf(where + k, sizeof where - k, "[%zu]", r->path[d].index);
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    size_t line, col;
    position(r, &line, &col);
    return som__error_at(r->err, SOM_EFORMAT, r->name, line, col, "%s%s%s", where,
                         k ? ": " : "", msg);
}

/* ---- values ------------------------------------------------------------------ */

static const char *type_name(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: return "an object";
    case JSON_ARRAY: return "an array";
    case JSON_STRING: return "a string";
    case JSON_INTEGER: return "a whole number";
    case JSON_REAL: return "a number";
    case JSON_TRUE:
    case JSON_FALSE: return "true or false";
    default: return "null";
    }
}

/* The member `key` of obj, with the path pointing at it (pop when done). */
static int member(jr *r, const json_t *obj, const char *key, json_t **out)
{
    *out = json_object_get(obj, key);
    if (!*out) return fail(r, "the key \"%s\" is missing", key);
    push_key(r, key);
    return SOM_OK;
}

/* A whole number >= 0 up to max: an integer, or a string of digits (what
 * the writer gives a value above 2^63 - 1). */
static int as_u64(jr *r, const json_t *v, uint64_t max, uint64_t *out)
{
    if (json_is_integer(v) && json_integer_value(v) >= 0 &&
        (uint64_t)json_integer_value(v) <= max) {
        *out = (uint64_t)json_integer_value(v);
        return SOM_OK;
    }
    if (json_is_string(v)) {
        const char *s = json_string_value(v);
        char *end;
        if (s[0] >= '0' && s[0] <= '9') {
            errno = 0;
            unsigned long long u = strtoull(s, &end, 10);
            if (*end == '\0' && errno == 0 && u <= max) {
                *out = u;
                return SOM_OK;
            }
        }
    }
    return fail(r, "expected a whole number from 0 to %llu, got %s", (unsigned long long)max,
                type_name(v));
}

static int get_size(jr *r, const json_t *obj, const char *key, size_t *out)
{
    json_t *v;
    uint64_t u = 0;
    int rc = member(r, obj, key, &v);
    if (rc) return rc;
    rc = as_u64(r, v, SIZE_MAX, &u);
    *out = (size_t)u;
    pop(r);
    return rc;
}

/* A finite number; null is NaN where nan_ok. */
static int as_double(jr *r, const json_t *v, bool nan_ok, double *out)
{
    if (json_is_number(v)) {
        *out = json_number_value(v);
        return SOM_OK;
    }
    if (nan_ok && json_is_null(v)) {
        *out = NAN;
        return SOM_OK;
    }
    return fail(r, "expected a number%s, got %s", nan_ok ? " or null" : "", type_name(v));
}

static int get_double(jr *r, const json_t *obj, const char *key, bool nan_ok, double *out)
{
    json_t *v;
    int rc = member(r, obj, key, &v);
    if (rc) return rc;
    rc = as_double(r, v, nan_ok, out);
    pop(r);
    return rc;
}

static int get_bool(jr *r, const json_t *obj, const char *key, bool *out)
{
    json_t *v;
    int rc = member(r, obj, key, &v);
    if (rc) return rc;
    if (json_is_boolean(v)) *out = json_is_true(v);
    else rc = fail(r, "expected true or false, got %s", type_name(v));
    pop(r);
    return rc;
}

/* One of enum e's names (som_enum_names), as its value. */
static int get_name(jr *r, const json_t *obj, const char *key, som_enum e, int *out)
{
    json_t *v;
    int rc = member(r, obj, key, &v);
    if (rc) return rc;
    const char *s = json_is_string(v) ? json_string_value(v) : NULL;
    int value = s ? som_enum_value(e, s) : SOM_EINVAL;
    if (value >= 0) {
        *out = value;
        pop(r);
        return SOM_OK;
    }
    const char *const *names = som_enum_names(e);
    size_t n = 0;
    while (names[n]) n++;
    char list[160] = "";
    size_t k = 0;
    for (size_t i = 0; i < n && k < sizeof list; i++)
        k += (size_t)snprintf(list + k, sizeof list - k, "%s\"%s\"",
                              i ? (i + 1 < n ? ", " : " or ") : "", names[i]);
    if (s) return fail(r, "unknown value \"%s\", expected %s", s, list);
    return fail(r, "expected %s, got %s", list, type_name(v));
}

/* An array of exactly n elements (the path pointing at it). */
static int as_array(jr *r, const json_t *v, size_t n, const char *what)
{
    if (!json_is_array(v)) return fail(r, "expected an array of %s, got %s", what, type_name(v));
    if (json_array_size(v) != n)
        return fail(r, "expected %zu %s, got %zu", n, what, json_array_size(v));
    return SOM_OK;
}

/* n numbers (null = NaN where nan_ok) into out. */
static int get_doubles(jr *r, const json_t *obj, const char *key, size_t n, double *out)
{
    json_t *a;
    int rc = member(r, obj, key, &a);
    if (rc) return rc;
    rc = as_array(r, a, n, n == 1 ? "number" : "numbers");
    for (size_t i = 0; rc == SOM_OK && i < n; i++) {
        push_index(r, i);
        rc = as_double(r, json_array_get(a, i), false, &out[i]);
        pop(r);
    }
    pop(r);
    return rc;
}

/* ---- the model ---------------------------------------------------------------- */

static int read_grid(jr *r, const json_t *root, som_grid *g, size_t *dim)
{
    int topo = 0;
    bool toroid = false;
    int rc = get_size(r, root, "rows", &g->rows);
    if (!rc) rc = get_size(r, root, "cols", &g->cols);
    if (!rc) rc = get_name(r, root, "topology", SOM_ENUM_TOPOLOGY, &topo);
    if (!rc) rc = get_bool(r, root, "toroid", &toroid);
    if (!rc) rc = get_size(r, root, "dim", dim);
    if (rc) return rc;
    g->topology = (som_topology)topo;
    g->toroid = toroid;
    som_error ge;
    som_error_clear(&ge);
    if (som_grid_check(g, &ge) != SOM_OK) {
        push_key(r, "rows");
        return fail(r, "%s", ge.message);
    }
    if (*dim == 0) {
        push_key(r, "dim");
        return fail(r, "dim is 0, expected at least 1");
    }
    return SOM_OK;
}

/* The arrays the map's size comes from hold that many elements, checked
 * before the map is allocated: no allocation is larger than the text
 * justifies. */
static int check_sizes(jr *r, const json_t *root, const som_grid *g, size_t dim)
{
    json_t *a;
    int rc = member(r, root, "titles", &a);
    if (!rc) rc = as_array(r, a, dim, "titles (one per field, dim)");
    if (rc) return rc;
    pop(r);
    const size_t n_units = som_grid_n_units(g);
    rc = member(r, root, "codebook_scaled", &a);
    if (!rc) rc = as_array(r, a, n_units, "rows (one per unit)");
    for (size_t i = 0; !rc && i < n_units; i++) {
        push_index(r, i);
        rc = as_array(r, json_array_get(a, i), dim, "numbers (one per field, dim)");
        pop(r);
    }
    if (!rc) pop(r);
    return rc;
}

static int read_titles(jr *r, const json_t *root, som_map *map)
{
    json_t *a;
    int rc = member(r, root, "titles", &a);
    if (!rc) rc = as_array(r, a, map->dim, "titles (one per field, dim)");
    for (size_t j = 0; rc == SOM_OK && j < map->dim; j++) {
        push_index(r, j);
        json_t *t = json_array_get(a, j);
        if (!json_is_string(t)) rc = fail(r, "expected a string, got %s", type_name(t));
        else rc = som_map_set_title(map, j, json_string_value(t), r->err);
        pop(r);
    }
    if (!rc) pop(r);
    return rc;
}

static int read_scaling(jr *r, const json_t *root, som_map *map)
{
    const size_t dim = map->dim;
    json_t *s, *lo, *hi;
    int kind = 0;
    int rc = member(r, root, "scaling", &s);
    if (rc) return rc;
    if (!json_is_object(s)) return fail(r, "expected an object, got %s", type_name(s));
    rc = get_name(r, s, "kind", SOM_ENUM_SCALING, &kind);
    if (!rc) rc = get_doubles(r, s, "offset", dim, map->offset);
    if (!rc) rc = get_doubles(r, s, "factor", dim, map->factor);
    if (!rc) rc = member(r, s, "min", &lo);
    if (rc) return rc;
    pop(r);
    if (!rc) rc = member(r, s, "max", &hi);
    if (rc) return rc;
    pop(r);
    map->scaling = (som_scaling)kind;
    map->have_range = !json_is_null(lo);
    if (map->have_range != !json_is_null(hi)) {
        push_key(r, json_is_null(lo) ? "min" : "max");
        return fail(r, "expected min and max both null (no range recorded) or both numbers");
    }
    if (map->have_range) {
        rc = get_doubles(r, s, "min", dim, map->fmin);
        if (!rc) rc = get_doubles(r, s, "max", dim, map->fmax);
        if (rc) return rc;
    }
    for (size_t j = 0; j < dim; j++) {
        if (!(map->factor[j] > 0)) {
            push_key(r, "factor");
            push_index(r, j);
            return fail(r, "the factor is %g, expected above 0", map->factor[j]);
        }
        if (map->have_range && !(map->fmin[j] <= map->fmax[j])) {
            push_key(r, "min");
            push_index(r, j);
            return fail(r, "min %g is above max %g", map->fmin[j], map->fmax[j]);
        }
        if (!map->have_range) map->fmin[j] = map->fmax[j] = 0;
    }
    pop(r);
    return SOM_OK;
}

/* Every setting the model records (settings_json in json.c). */
static int read_settings(jr *r, const json_t *root, som_map *map)
{
    json_t *s;
    int rc = member(r, root, "settings", &s);
    if (rc) return rc;
    if (!json_is_object(s)) return fail(r, "expected an object, got %s", type_name(s));
    som_train_opts o;
    memset(&o, 0, sizeof o); /* the callback and its context stay NULL */
    int alg = 0, init = 0, sched = 0, hood = 0;
    rc = get_name(r, s, "algorithm", SOM_ENUM_ALGORITHM, &alg);
    if (!rc) rc = get_size(r, s, "epochs", &o.epochs);
    if (!rc) rc = get_size(r, s, "iterations", &o.iterations);
    if (!rc) rc = get_name(r, s, "init", SOM_ENUM_INIT, &init);
    if (!rc) rc = get_name(r, s, "schedule", SOM_ENUM_SCHEDULE, &sched);
    if (!rc) rc = get_name(r, s, "neighborhood", SOM_ENUM_NEIGHBORHOOD, &hood);
    json_t *t = NULL;
    if (!rc) rc = member(r, s, "threads", &t);
    if (rc) return rc;
    if (!json_is_integer(t) || json_integer_value(t) < INT32_MIN ||
        json_integer_value(t) > INT32_MAX)
        return fail(r, "expected a whole number from %d to %d, got %s", INT32_MIN, INT32_MAX,
                    type_name(t));
    o.threads = (int)json_integer_value(t);
    pop(r);
    struct { const char *key; double *v; } d[] = {
        {"radius0", &o.radius0}, {"radius1", &o.radius1}, {"rate0", &o.rate0},
        {"rate1", &o.rate1}, {"inverse_a", &o.inverse_a}, {"inverse_b", &o.inverse_b},
        {"neighbor_rate", &o.neighbor_rate}};
    for (size_t k = 0; !rc && k < sizeof d / sizeof d[0]; k++)
        rc = get_double(r, s, d[k].key, false, d[k].v);
    json_t *seed = NULL;
    if (!rc) rc = member(r, s, "seed", &seed);
    if (!rc) {
        uint64_t u = 0;
        rc = as_u64(r, seed, UINT64_MAX, &u);
        o.seed = u;
        if (!rc) pop(r);
    }
    if (!rc) rc = get_size(r, s, "quality_every", &o.quality_every);
    if (!rc) rc = get_size(r, s, "progress_every", &o.progress_every);
    int rs = SOM_RADIUS_SAME, order = SOM_ORDER_SHUFFLED; /* optional (chunk trex) */
    if (!rc && json_object_get(s, "radius_schedule"))
        rc = get_name(r, s, "radius_schedule", SOM_ENUM_RADIUS_SCHEDULE, &rs);
    if (!rc && json_object_get(s, "order")) rc = get_name(r, s, "order", SOM_ENUM_ORDER, &order);
    if (rc) return rc;
    o.radius_schedule = (som_radius_schedule)rs;
    o.order = (som_order)order;
    o.algorithm = (som_algorithm)alg;
    o.init = (som_init)init;
    o.schedule = (som_schedule)sched;
    o.neighborhood = (som_neighborhood)hood;
    map->settings = o;
    pop(r);
    bool trained = false;
    rc = get_bool(r, root, "trained", &trained);
    map->trained = trained;
    return rc;
}

static int read_history(jr *r, const json_t *root, som_map *map)
{
    json_t *a;
    int rc = member(r, root, "history", &a);
    if (rc) return rc;
    if (!json_is_array(a)) return fail(r, "expected an array, got %s", type_name(a));
    for (size_t i = 0; !rc && i < json_array_size(a); i++) {
        push_index(r, i);
        json_t *e = json_array_get(a, i);
        som_history h;
        if (!json_is_object(e)) return fail(r, "expected an object, got %s", type_name(e));
        rc = get_size(r, e, "pass", &h.pass);
        if (!rc) rc = get_double(r, e, "sigma", true, &h.sigma);
        if (!rc) rc = get_double(r, e, "alpha", true, &h.alpha);
        if (!rc) rc = get_double(r, e, "qe", true, &h.qe);
        if (!rc) rc = get_double(r, e, "te", true, &h.te);
        if (!rc && (h.qe < 0 || h.te < 0 || h.te > 1))
            rc = fail(r, "qe %g, te %g: expected qe >= 0 and te in 0..1", h.qe, h.te);
        if (!rc) rc = som__map_history_push(map, &h, r->err);
        pop(r);
    }
    if (!rc) pop(r);
    return rc;
}

static int read_codebook(jr *r, const json_t *root, som_map *map)
{
    json_t *a;
    int rc = member(r, root, "codebook_scaled", &a);
    if (!rc) rc = as_array(r, a, map->n_units, "rows (one per unit)");
    for (size_t i = 0; !rc && i < map->n_units; i++) {
        push_index(r, i);
        json_t *row = json_array_get(a, i);
        rc = as_array(r, row, map->dim, "numbers (one per field, dim)");
        for (size_t j = 0; !rc && j < map->dim; j++) {
            push_index(r, j);
            double v = 0;
            rc = as_double(r, json_array_get(row, j), false, &v);
            float f = (float)v;
            if (!rc && !isfinite(f)) rc = fail(r, "%g is beyond the range of a float", v);
            map->codebook[i * map->dim + j] = f;
            pop(r);
        }
        pop(r);
    }
    if (!rc) pop(r);
    return rc;
}

/* The optional parts: feature weights and clusters. */
static int read_analysis(jr *r, const json_t *root, som_map *map)
{
    int rc = SOM_OK;
    som_error e;
    som_error_clear(&e);
    if (json_object_get(root, "distance")) {
        int d = 0;
        if ((rc = get_name(r, root, "distance", SOM_ENUM_DISTANCE, &d))) return rc;
        map->distance = (som_distance)d;
    }
    if (json_object_get(root, "feature_weights")) {
        double *w = som__calloc(map->dim, sizeof *w);
        if (!w) return som__error_oom(r->err);
        rc = get_doubles(r, root, "feature_weights", map->dim, w);
        if (!rc && (rc = som_map_set_feature_weights(map, w, &e)) != SOM_OK) {
            push_key(r, "feature_weights");
            rc = rc == SOM_ENOMEM ? som__error_oom(r->err) : fail(r, "%s", e.message);
        }
        som__free(w);
        if (rc) return rc;
    }
    json_t *c = json_object_get(root, "clusters");
    if (!c) return SOM_OK;
    push_key(r, "clusters");
    if (!json_is_object(c)) return fail(r, "expected an object, got %s", type_name(c));
    size_t k = 0;
    json_t *unit;
    rc = get_size(r, c, "k", &k);
    if (!rc && (k == 0 || k > map->n_units)) {
        push_key(r, "k");
        return fail(r, "%zu clusters, expected 1..%zu (the number of units)", k, map->n_units);
    }
    if (!rc) rc = member(r, c, "unit", &unit);
    if (!rc) rc = as_array(r, unit, map->n_units, "clusters (one per unit)");
    if (rc) return rc;
    uint32_t *v = som__calloc(map->n_units, sizeof *v);
    if (!v) return som__error_oom(r->err);
    for (size_t u = 0; !rc && u < map->n_units; u++) {
        push_index(r, u);
        uint64_t x = 0;
        rc = as_u64(r, json_array_get(unit, u), k - 1, &x);
        v[u] = (uint32_t)x;
        pop(r);
    }
    if (!rc) rc = som_map_set_clusters(map, v, k, r->err);
    som__free(v);
    return rc;
}

int som__map_read_json_mem(const char *buf, size_t len, const char *name, som_map **out,
                           som_error *err)
{
    *out = NULL;
    json_error_t je;
    json_t *root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
    /* jansson counts columns from 0 before a line's first character (an
     * empty file is at line 1, column 0); the messages count from 1. */
    if (!root)
        return som__error_at(err, SOM_EFORMAT, name, je.line > 0 ? (size_t)je.line : 1,
                             je.column > 0 ? (size_t)je.column : 1, "not a JSON model: %s",
                             je.text);
    jr r = {buf, len, name, err, {{0}}, 0};
    som_map *map = NULL;
    int rc = SOM_OK;
    json_t *fmt = json_object_get(root, "format"), *ver = json_object_get(root, "version");
    if (!json_is_object(root)) {
        rc = fail(&r, "expected an object (a som-map model), got %s", type_name(root));
    } else if (!json_is_string(fmt) || strcmp(json_string_value(fmt), SOM__JSON_FORMAT) != 0) {
        if (fmt) push_key(&r, "format");
        rc = fail(&r, "not a som model: expected \"format\": \"%s\"", SOM__JSON_FORMAT);
    } else if (!json_is_integer(ver) || json_integer_value(ver) != SOM__JSON_VERSION) {
        if (!json_is_integer(ver)) {
            rc = ver ? (push_key(&r, "version"), fail(&r, "expected a whole number, got %s",
                                                      type_name(ver)))
                     : fail(&r, "the key \"version\" is missing");
        } else {
            push_key(&r, "version");
            rc = fail(&r, "JSON model version %lld; this libsom (%s) reads version %d",
                      (long long)json_integer_value(ver), SOM_VERSION_STRING, SOM__JSON_VERSION);
        }
    }
    som_grid g;
    size_t dim = 0;
    if (!rc) rc = read_grid(&r, root, &g, &dim);
    if (!rc) rc = check_sizes(&r, root, &g, dim);
    if (!rc) rc = som_map_new(&g, dim, &map, err);
    if (!rc) rc = read_titles(&r, root, map);
    if (!rc) rc = read_scaling(&r, root, map);
    if (!rc) rc = read_settings(&r, root, map);
    if (!rc) rc = read_history(&r, root, map);
    if (!rc) rc = read_codebook(&r, root, map);
    if (!rc) rc = read_analysis(&r, root, map);
    json_decref(root);
    if (rc) {
        som_map_free(map);
        return rc;
    }
    *out = map;
    return SOM_OK;
}
