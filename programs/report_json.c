/* SPDX-License-Identifier: MIT */
/* report_json.c — `som report --json`: the report's numbers as one JSON
 * object (doc/som.1.md lists the keys). NaN and infinities, which JSON
 * lacks, are null, as in the CLI's other JSON. */
#include "report.h"

#ifdef SOM_HAVE_REPORT
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>

/* Builders that remember a failed allocation instead of checking each
 * call: jansson's setters reject a NULL value, and `ok` records it. */
typedef struct jb {
    bool ok;
} jb;

static json_t *num(double v) { return isfinite(v) ? json_real(v) : json_null(); }
static json_t *whole(size_t v) { return json_integer((json_int_t)v); }
static json_t *str(const char *s) { return json_string(s ? s : ""); }

static void set(jb *b, json_t *obj, const char *key, json_t *v)
{
    if (!obj || json_object_set_new(obj, key, v) != 0) b->ok = false;
}

static void push(jb *b, json_t *arr, json_t *v)
{
    if (!arr || json_array_append_new(arr, v) != 0) b->ok = false;
}

static const char *source_name(report_cluster_source s)
{
    return s == CLUSTERS_MODEL ? "model" : s == CLUSTERS_COMPUTED ? "computed" : "none";
}

static json_t *model_json(jb *b, const report *r)
{
    const som_grid *g = som_map_grid(r->map);
    json_t *o = json_object();
    set(b, o, "path", str(r->model_path));
    json_t *grid = json_object();
    set(b, grid, "rows", whole(g->rows));
    set(b, grid, "cols", whole(g->cols));
    set(b, grid, "topology", str(som_enum_name(SOM_ENUM_TOPOLOGY, (int)g->topology)));
    set(b, grid, "toroid", json_boolean(g->toroid));
    set(b, o, "grid", grid);
    set(b, o, "units", whole(r->n_units));
    set(b, o, "dim", whole(r->dim));
    set(b, o, "scaling", str(som_enum_name(SOM_ENUM_SCALING, (int)som_map_scaling(r->map))));
    json_t *fields = json_array();
    const double *fw = som_map_feature_weights(r->map);
    for (size_t j = 0; j < r->dim; j++) {
        json_t *f = json_object();
        double lo, hi;
        som_map_field_range(r->map, j, &lo, &hi);
        set(b, f, "title", str(som_map_title(r->map, j)));
        set(b, f, "data_min", num(lo));
        set(b, f, "data_max", num(hi));
        set(b, f, "codebook_min", num(r->cb_min[j]));
        set(b, f, "codebook_max", num(r->cb_max[j]));
        set(b, f, "spread", num(r->spread[j]));
        set(b, f, "weight", num(fw ? fw[j] : 1.0));
        push(b, fields, f);
    }
    set(b, o, "fields", fields);
    const som_train_opts *s = som_map_train_settings(r->map);
    if (s) {
        json_t *t = json_object();
        set(b, t, "algorithm", str(som_enum_name(SOM_ENUM_ALGORITHM, (int)s->algorithm)));
        set(b, t, "epochs", whole(s->epochs));
        set(b, t, "iterations", whole(s->iterations));
        set(b, t, "init", str(som_enum_name(SOM_ENUM_INIT, (int)s->init)));
        set(b, t, "schedule", str(som_enum_name(SOM_ENUM_SCHEDULE, (int)s->schedule)));
        set(b, t, "neighborhood", str(som_enum_name(SOM_ENUM_NEIGHBORHOOD, (int)s->neighborhood)));
        set(b, t, "radius0", num(s->radius0));
        set(b, t, "radius1", num(s->radius1));
        if (s->algorithm == SOM_ONLINE) {
            set(b, t, "rate0", num(s->rate0));
            set(b, t, "rate1", num(s->rate1));
        }
        /* JSON integers here are signed 64-bit: a larger seed goes as text. */
        if (s->seed <= (uint64_t)INT64_MAX) {
            set(b, t, "seed", json_integer((json_int_t)s->seed));
        } else {
            char buf[24];
            snprintf(buf, sizeof buf, "%" PRIu64, s->seed);
            set(b, t, "seed", str(buf));
        }
        set(b, o, "training", t);
    } else {
        set(b, o, "training", json_null());
    }
    json_t *hist = json_array();
    const som_history *h = som_map_history(r->map);
    for (size_t i = 0; i < som_map_history_len(r->map); i++) {
        json_t *e = json_object();
        set(b, e, "pass", whole(h[i].pass));
        set(b, e, "qe", num(h[i].qe));
        set(b, e, "te", num(h[i].te));
        push(b, hist, e);
    }
    set(b, o, "history", hist);
    return o;
}

static json_t *data_json(jb *b, const report *r)
{
    if (!r->data) return json_null();
    json_t *o = json_object();
    set(b, o, "path", str(r->data_path));
    set(b, o, "rows", whole(som_data_n_samples(r->data)));
    set(b, o, "missing", whole(som_data_n_missing(r->data)));
    const char *lt = som_data_label_title(r->data);
    set(b, o, "label_column", lt ? str(lt) : json_null());
    set(b, o, "labels", whole(r->n_distinct));
    return o;
}

static json_t *quality_json(jb *b, const report *r)
{
    if (!r->data) return json_null();
    json_t *o = json_object();
    set(b, o, "qe", num(r->q.qe));
    set(b, o, "te", num(r->q.te));
    set(b, o, "samples", whole(r->q.n_samples));
    set(b, o, "units", whole(r->q.n_units));
    set(b, o, "units_hit", whole(r->q.units_hit));
    set(b, o, "dead_units", whole(r->q.n_units - r->q.units_hit));
    set(b, o, "max_hits", whole(r->q.max_hits));
    json_t *hits = json_array();
    for (size_t u = 0; u < r->n_units; u++) push(b, hits, whole(r->hits[u]));
    set(b, o, "hits", hits);
    return o;
}

static json_t *clusters_json(jb *b, const report *r)
{
    json_t *o = json_object();
    set(b, o, "source", str(source_name(r->cluster_source)));
    set(b, o, "k", whole(r->k));
    set(b, o, "k_chosen", json_boolean(r->cluster_source == CLUSTERS_COMPUTED && !r->k_asked));
    set(b, o, "rows_are", str(r->data ? "data" : "units"));
    json_t *unit = json_array();
    for (size_t u = 0; u < r->n_units; u++) push(b, unit, whole(r->clusters[u]));
    set(b, o, "unit_cluster", unit);
    json_t *overall = json_array();
    for (size_t j = 0; j < r->dim; j++) {
        json_t *f = json_object();
        set(b, f, "field", str(som_map_title(r->map, j)));
        set(b, f, "mean", num(r->all_mean[j]));
        set(b, f, "sd", num(r->all_sd[j]));
        push(b, overall, f);
    }
    set(b, o, "overall", overall);
    json_t *profiles = json_array();
    for (size_t c = 0; c < r->k; c++) {
        json_t *p = json_object();
        set(b, p, "cluster", whole(c));
        set(b, p, "units", whole(r->cl_units[c]));
        set(b, p, "rows", whole(r->cl_rows[c]));
        json_t *fields = json_array();
        for (size_t j = 0; j < r->dim; j++) {
            json_t *f = json_object();
            size_t a = c * r->dim + j;
            set(b, f, "field", str(som_map_title(r->map, j)));
            set(b, f, "mean", num(r->cl_mean[a]));
            set(b, f, "sd", num(r->cl_sd[a]));
            set(b, f, "z", num(r->cl_z[a]));
            push(b, fields, f);
        }
        set(b, p, "fields", fields);
        json_t *labels = json_array();
        for (size_t l = 0; l < r->n_labels; l++) {
            size_t n = r->cl_label_rows[c * r->n_labels + l];
            if (!n) continue;
            json_t *e = json_object();
            set(b, e, "label", str(r->labels[l]));
            set(b, e, "rows", whole(n));
            push(b, labels, e);
        }
        set(b, p, "labels", labels);
        push(b, profiles, p);
    }
    set(b, o, "profiles", profiles);
    return o;
}

static json_t *labels_json(jb *b, const report *r)
{
    json_t *arr = json_array();
    const som_grid *g = som_map_grid(r->map);
    for (size_t l = 0; l < r->n_labels; l++) {
        json_t *e = json_object();
        set(b, e, "label", str(r->labels[l]));
        set(b, e, "rows", whole(r->label_rows[l]));
        json_t *best = json_array();
        for (size_t t = 0; t < REPORT_TOP_UNITS; t++) {
            size_t u = r->best[l * REPORT_TOP_UNITS + t];
            if (u == SIZE_MAX) break;
            size_t n = r->label_counts[l * r->n_units + u];
            json_t *bu = json_object();
            set(b, bu, "unit", whole(u));
            set(b, bu, "row", whole(u / g->cols));
            set(b, bu, "col", whole(u % g->cols));
            set(b, bu, "rows", whole(n));
            set(b, bu, "hits", whole(r->hits[u]));
            set(b, bu, "purity", num(r->hits[u] ? (double)n / (double)r->hits[u] : (double)NAN));
            push(b, best, bu);
        }
        set(b, e, "best_units", best);
        push(b, arr, e);
    }
    return arr;
}

static json_t *similarity_json(jb *b, const report *r)
{
    json_t *o = json_object();
    json_t *fields = json_array();
    for (size_t i = 0; i < r->n_corr; i++)
        push(b, fields, str(som_map_title(r->map, r->corr_fields[i])));
    set(b, o, "fields", fields);
    json_t *m = json_array();
    for (size_t a = 0; a < r->n_corr; a++) {
        json_t *row = json_array();
        for (size_t c = 0; c < r->n_corr; c++) push(b, row, num(r->corr[a * r->n_corr + c]));
        push(b, m, row);
    }
    set(b, o, "correlation", m);
    json_t *planes = json_array();
    for (size_t i = 0; i < r->n_planes; i++)
        push(b, planes, str(som_map_title(r->map, r->plane_order[i])));
    set(b, o, "planes_drawn", planes);
    return o;
}

json_t *report_json(const report *r)
{
    jb b = {true};
    json_t *root = json_object();
    set(&b, root, "som_version", str(som_version_string()));
    set(&b, root, "model", model_json(&b, r));
    set(&b, root, "data", data_json(&b, r));
    set(&b, root, "quality", quality_json(&b, r));
    set(&b, root, "clusters", clusters_json(&b, r));
    set(&b, root, "labels", labels_json(&b, r));
    set(&b, root, "similarity", similarity_json(&b, r));
    if (!b.ok) {
        json_decref(root);
        return NULL;
    }
    return root;
}
#endif /* SOM_HAVE_REPORT */
