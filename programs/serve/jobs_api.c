/* SPDX-License-Identifier: MIT */
/* jobs_api.c — the HTTP handlers of /api/jobs (doc/API.md "Jobs"): create,
 * list, show, delete, stop, continue, cluster, and the map and model of a
 * job; and the JSON of a job and its settings. The engine is jobs.c. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jobs.h"

/* ---- settings ------------------------------------------------------------------------ */

/* The settings as the job uses them, for clients to show: every entry of
 * the settings table by its name, and by its name with underscores
 * (numbers as numbers, flags as booleans, null for one left to its
 * automatic default), and the keys the page has always read (rows, cols,
 * radius0, ...; doc/API.md). */
static json_t *settings_json(const job *j)
{
    som_fit_opts f = j->fit; /* its strings borrowed, for som_fit_opts_get */
    json_t *v = json_object();
    for (size_t i = 0; v && i < som_settings_count(); i++) {
        const som_setting *s = som_settings_at(i);
        char text[256];
        som_fit_opts_get(&f, s->name, text, sizeof text, NULL);
        json_t *x;
        if (!text[0]) x = json_null();
        else if (s->type == SOM_SETTING_FLAG) x = json_boolean(strcmp(text, "true") == 0);
        else if (s->type == SOM_SETTING_SIZE)
            x = json_integer((json_int_t)strtoll(text, NULL, 10));
        else if (s->type == SOM_SETTING_NUMBER)
            x = jnum(strtod(text, NULL));
        else x = json_string(text);
        /* Dashed names also with underscores, as JSON keys usually are
         * ("neighbor_rate"), which is how the page has always read them. */
        char alias[64];
        snprintf(alias, sizeof alias, "%s", s->name);
        for (char *c = alias; *c; c++)
            if (*c == '-') *c = '_';
        if (strcmp(alias, s->name) != 0) json_object_set(v, alias, x);
        json_object_set_new(v, s->name, x);
    }
    const som_train_opts *o = &j->opts;
    json_t *old = json_pack(
        "{s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "dataset",
        j->ds->id, "rows", jsize(j->grid.rows), "cols", jsize(j->grid.cols), "iterations",
        jsize(o->iterations), "radius0", o->radius0 < 0 ? json_null() : jnum(o->radius0),
        "radius1", o->radius1 < 0 ? json_null() : jnum(o->radius1), "rate0",
        o->rate0 < 0 ? json_null() : jnum(o->rate0), "rate1",
        o->rate1 < 0 ? json_null() : jnum(o->rate1), "inverse_a", jnum(o->inverse_a),
        "inverse_b", jnum(o->inverse_b), "neighbor_rate", jnum(o->neighbor_rate), "seed",
        json_integer((json_int_t)o->seed), "quality_every", jsize(o->quality_every), "pace",
        jnum(j->pace));
    if (!v || !old || json_object_update(v, old) != 0) {
        json_decref(v);
        v = NULL;
    }
    json_decref(old);
    return v;
}

/* History entries from `from` on, as [pass, qe, te] triples. */
static json_t *history_json(const snapshot *s, size_t from)
{
    json_t *a = json_array();
    if (!s) return a;
    const som_history *h = som_map_history(s->map);
    size_t n = som_map_history_len(s->map);
    for (size_t k = from; k < n; k++)
        json_array_append_new(a, json_pack("[o,o,o]", jsize(h[k].pass), jnum(h[k].qe),
                                           jnum(h[k].te)));
    return a;
}

json_t *job_json(const job *j, const job_view *v, size_t history_from, bool full)
{
    const snapshot *s = v->snap;
    double qe = (double)NAN, te = (double)NAN;
    size_t hl = s ? som_map_history_len(s->map) : 0;
    if (hl) {
        /* The latest measured errors. */
        const som_history *h = som_map_history(s->map);
        for (size_t k = hl; k > 0; k--)
            if (isfinite(h[k - 1].qe)) {
                qe = h[k - 1].qe;
                te = h[k - 1].te;
                break;
            }
    }
    json_t *o = json_pack(
        "{s:s, s:s, s:b, s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "id", j->id,
        "state", job_state_names[v->state], "stopping", v->stopping, "version",
        (json_int_t)v->version, "step", jsize(s ? s->step : 0), "n_steps",
        jsize(s ? s->n_steps : 0), "pass", jsize(s ? s->pass : 0), "n_passes",
        jsize(s ? s->n_passes : 0), "sigma", jnum(s ? s->sigma : (double)NAN), "alpha",
        jnum(s ? s->alpha : (double)NAN), "qe", jnum(qe), "te", jnum(te), "elapsed",
        jnum(v->elapsed));
    if (!o) return NULL;
    /* Speed and time left: steps per second of the current run (of the
     * whole training once it is over), in passes for batch training and
     * samples for online; the time left at that rate, or the plan's
     * estimate before the first measurable step. */
    job_plan plan;
    job_plan_of(j, &plan);
    bool batch = j->opts.algorithm == SOM_BATCH;
    double rate = (double)NAN, eta = (double)NAN;
    if (v->state == JOB_RUNNING && s && v->run_s >= 0.2 && s->step > v->run_step0)
        rate = (double)(s->step - v->run_step0) / v->run_s;
    else if (v->state != JOB_RUNNING && s && s->step > 0 && v->elapsed > 0)
        rate = (double)s->step / v->elapsed;
    if (v->state == JOB_DONE) eta = 0;
    else if ((v->state == JOB_RUNNING || v->state == JOB_QUEUED) && isfinite(rate) && rate > 0)
        eta = (double)(plan.n_steps - (s ? s->step : 0)) / rate;
    else if (v->state == JOB_RUNNING || v->state == JOB_QUEUED)
        eta = plan.estimate_s * (1 - (s && plan.n_steps ? (double)s->step / (double)plan.n_steps : 0));
    json_object_set_new(o, "rate", jnum(rate));
    json_object_set_new(o, "rate_unit", json_string(batch ? "passes" : "samples"));
    json_object_set_new(o, "eta_s", jnum(eta));
    json_object_set_new(o, "estimate_s", jnum(plan.estimate_s));
    /* "Watch it learn": a pace holds training to that many passes a
     * second, so the page can say the job is slowed on purpose. */
    json_object_set_new(o, "paced", json_boolean(j->pace > 0));
    json_object_set_new(o, "pace", jnum(j->pace));
    if (history_from != SIZE_MAX) {
        json_object_set_new(o, "history_from", jsize(history_from));
        json_object_set_new(o, "history", history_json(s, history_from));
    }
    if (v->state == JOB_FAILED) json_object_set_new(o, "error", jstr(v->error));
    if (full) {
        json_object_set_new(o, "settings", json_loads(j->settings, 0, NULL));
        json_object_set_new(o, "dataset_name", jstr(j->ds->name));
        json_object_set_new(o, "name", jstr(j->ds->name));
        json_object_set_new(o, "created", jtime(j->created));
        json_object_set_new(o, "has_model", json_boolean(s != NULL));
    }
    return o;
}

/* The setting a job's error names: its messages start with "NAME: " (the
 * settings table's, as `som train` words them) or "'NAME'" (the server's
 * own); NULL when neither names a setting. Returned names are static. */
static const char *settings_field(const char *msg)
{
    static const char *const own[] = {"dataset", "rows", "cols", "radius0", "radius1", "rate0",
                                      "rate1", "inverse_a", "inverse_b", "pace", "weights",
                                      "grid"};
    char name[64];
    size_t k = 0;
    const char *p = msg + (msg[0] == '\'');
    while (k + 1 < sizeof name && p[k] && p[k] != ':' && p[k] != '\'' && p[k] != ' ') {
        name[k] = p[k];
        k++;
    }
    name[k] = '\0';
    if (!k || (msg[0] == '\'' ? p[k] != '\'' : p[k] != ':')) return NULL;
    for (size_t i = 0; i < sizeof own / sizeof *own; i++)
        if (strcmp(name, own[i]) == 0) return own[i];
    for (size_t i = 0; i < som_settings_count(); i++) {
        const som_setting *s = som_settings_at(i);
        char alias[64];
        snprintf(alias, sizeof alias, "%s", s->name);
        for (char *c = alias; *c; c++)
            if (*c == '-') *c = '_';
        if (strcmp(name, s->name) == 0 || strcmp(name, alias) == 0) return s->name;
    }
    return NULL;
}

/* ---- handlers ----------------------------------------------------------------------- */

/* Replies with job j's JSON (job_json's history_from and full) and drops
 * the caller's reference to j. */
static enum MHD_Result reply_job(request *rq, unsigned status, job *j, size_t history_from,
                                 bool full)
{
    job_view v;
    view_take(j, &v);
    json_t *o = job_json(j, &v, history_from, full);
    snap_put(v.snap);
    job_put(j);
    return reply_json(rq, status, o);
}

enum MHD_Result handle_jobs(request *rq)
{
    if (strcmp(rq->method, "POST") != 0) {
        /* The list, newest first. */
        json_t *list = json_array();
        job *js[SERVE_MAX_JOBS];
        size_t n = jobs_list(js);
        for (size_t i = n; i > 0; i--) {
            job_view v;
            view_take(js[i - 1], &v);
            json_t *o = job_json(js[i - 1], &v, SIZE_MAX, true);
            json_array_append_new(list, o);
            snap_put(v.snap);
            job_put(js[i - 1]);
        }
        return reply_json(rq, 200, json_pack("{s:o}", "jobs", list));
    }

    job_settings set;
    char msg[1024];
    unsigned st = parse_job_settings(rq->body, rq->body_len, &set, msg, sizeof msg);
    /* An unknown data set is answered before a bad setting. */
    if (st && !set.has_dataset) return reply_error_field(rq, st, settings_field(msg), "%s", msg);
    dataset *ds = dataset_get(set.dataset);
    if (!ds) {
        job_settings_clear(&set);
        return reply_error_field(rq, 404, "dataset", "no data set '%.64s'", set.dataset);
    }
    if (st) {
        dataset_put(ds);
        return reply_error_field(rq, st, settings_field(msg), "%s", msg);
    }
    const som_train_opts *t = &set.fit.train;
    if (t->iterations == 0 && t->algorithm == SOM_ONLINE &&
        (double)t->epochs * (double)som_data_n_samples(ds->data) > 1e12) {
        dataset_put(ds);
        job_settings_clear(&set);
        return reply_error_field(rq, 400, "epochs",
                                 "epochs: so many passes over so many rows would take days; "
                                 "at most 10^12 steps (epochs x rows)");
    }
    job *j = NULL;
    /* The job takes the settings over, their strings too. */
    st = job_new(ds, &set.fit, set.pace, &j, msg, sizeof msg);
    if (st) return reply_error_field(rq, st, settings_field(msg), "%s", msg);
    const char *dry = req_arg(rq, "dry_run");
    if (dry && strcmp(dry, "0") != 0) {
        /* Checked, planned and estimated; nothing trains. */
        job_plan plan;
        job_plan_of(j, &plan);
        json_t *o = json_pack("{s:b, s:o, s:o, s:o, s:o, s:b, s:o}", "dry_run", 1, "n_steps",
                              jsize(plan.n_steps), "n_passes", jsize(plan.n_passes),
                              "estimate_s", jnum(plan.estimate_s), "paced_s",
                              jnum(plan.paced_s), "paced", j->pace > 0, "pace", jnum(j->pace));
        job_discard(j);
        return reply_json(rq, 200, o);
    }
    json_t *settings = settings_json(j);
    j->settings = settings ? serve_json_text(settings, NULL) : NULL;
    json_decref(settings);
    if (!j->settings) {
        job_discard(j);
        return reply_error(rq, 503, "out of memory");
    }
    if (jobs_enqueue(j)) {
        job_discard(j);
        return reply_error(rq, 429, "too many jobs training or queued (%d)", SERVE_MAX_JOBS);
    }
    return reply_job(rq, 201, j, 0, true);
}

static enum MHD_Result no_job(request *rq)
{
    return reply_error(rq, 404, "no job '%s'", rq->rt.id);
}

enum MHD_Result handle_job(request *rq)
{
    job *j = job_get(rq->rt.id);
    if (!j) return no_job(rq);
    if (strcmp(rq->method, "DELETE") == 0) {
        /* Out of the table and the queue; a run in progress stops at its
         * next report and the worker drops its reference. */
        bool found = jobs_remove(j);
        job_put(j);
        if (!found) return no_job(rq);
        return reply_json(rq, 200, json_pack("{s:s, s:b}", "id", rq->rt.id, "deleted", 1));
    }
    size_t from = 0;
    const char *arg = req_arg(rq, "history_from");
    if (arg) from = (size_t)strtoull(arg, NULL, 10);
    return reply_job(rq, 200, j, from, true);
}

enum MHD_Result handle_job_stop(request *rq)
{
    job *j = job_get(rq->rt.id);
    if (!j) return no_job(rq);
    job_state st;
    unsigned status = job_stop(j, &st);
    if (status == 409) {
        job_put(j);
        return reply_error(rq, 409, "job '%s' is %s: nothing to stop", rq->rt.id,
                           job_state_names[st]);
    }
    return reply_job(rq, status, j, SIZE_MAX, false);
}

enum MHD_Result handle_job_continue(request *rq)
{
    job *j = job_get(rq->rt.id);
    if (!j) return no_job(rq);
    job_state st = job_continue(j);
    if (st != JOB_STOPPED) {
        job_put(j);
        return reply_error(rq, 409, "job '%s' is %s: only a stopped job continues", rq->rt.id,
                           job_state_names[st]);
    }
    return reply_job(rq, 202, j, SIZE_MAX, false);
}

/* The latest snapshot of a job, or a reply saying there is none. */
snapshot *job_snapshot(request *rq, job **jp, enum MHD_Result *ret)
{
    job *j = job_get(rq->rt.id);
    if (!j) {
        *ret = no_job(rq);
        return NULL;
    }
    job_view v;
    view_take(j, &v);
    if (!v.snap) {
        *ret = reply_error(rq, 409, "job '%s' has no map yet (%s)", rq->rt.id,
                           job_state_names[v.state]);
        job_put(j);
        return NULL;
    }
    *jp = j;
    return v.snap;
}

enum MHD_Result handle_job_model(request *rq)
{
    job *j = NULL;
    enum MHD_Result ret;
    snapshot *s = job_snapshot(rq, &j, &ret);
    if (!s) return ret;
    ret = reply_map_download(rq, s->map, "som");
    snap_put(s);
    job_put(j);
    return ret;
}

enum MHD_Result handle_job_map(request *rq)
{
    job *j = NULL;
    enum MHD_Result ret;
    snapshot *s = job_snapshot(rq, &j, &ret);
    if (!s) return ret;
    som_error err;
    som_error_clear(&err);
    const char *hits = req_arg(rq, "hits");
    bool with_data = !hits || strcmp(hits, "0") != 0;
    const som_data *data = with_data ? j->ds->data : NULL;
    som_data *aligned = NULL;
    /* A supervised map has fields the data set lacks (species=setosa, ...):
     * its rows, matched to the map's fields by title, with those missing. */
    if (data && som_data_dim(data) != som_map_dim(s->map) &&
        som_map_align_data(s->map, data, &aligned, NULL) == SOM_OK)
        data = aligned;
    json_t *o = map_json(s->map, data, 1, &err);
    som_data_free(aligned);
    if (o) {
        json_object_set_new(o, "job", json_string(j->id));
        json_object_set_new(o, "pass", jsize(s->pass));
        json_object_set_new(o, "n_passes", jsize(s->n_passes));
    }
    snap_put(s);
    job_put(j);
    if (!o) return reply_som_error(rq, &err);
    return reply_json(rq, 200, o);
}

/* POST /api/jobs/ID/cluster: the units of a finished map in clusters
 * (som_map_cluster), kept on the job's map: its model and map.json carry
 * them from then on. */
enum MHD_Result handle_job_cluster(request *rq)
{
    som_cluster_opts co;
    char msg[1024];
    unsigned st = parse_cluster_opts(rq->body, rq->body_len, &co, msg, sizeof msg);
    if (st) {
        /* Its messages start with the option at fault: 'k', 'method', ... */
        static const char *const keys[] = {"k_min", "k_max", "k", "method", "seed"};
        const char *field = NULL;
        for (size_t i = 0; !field && i < sizeof keys / sizeof *keys; i++) {
            char quoted[16];
            snprintf(quoted, sizeof quoted, "'%s'", keys[i]);
            if (strncmp(msg, quoted, strlen(quoted)) == 0) field = keys[i];
        }
        return reply_error_field(rq, st, field, "%s", msg);
    }
    job *j = job_get(rq->rt.id);
    if (!j) return no_job(rq);
    double *db = co.k ? NULL : calloc(co.k_max - co.k_min + 1, sizeof *db);
    if (!co.k && !db) {
        job_put(j);
        return reply_error(rq, 503, "out of memory");
    }
    snapshot *s = NULL;
    st = job_cluster(j, &co, &s, db, msg, sizeof msg);
    job_put(j);
    if (st) {
        free(db);
        return reply_error(rq, st, "%s", msg);
    }
    size_t n_units = som_map_n_units(s->map), k = som_map_n_clusters(s->map);
    const uint32_t *cl = som_map_clusters(s->map);
    json_t *clusters = json_array(), *sizes = json_array();
    size_t *count = calloc(k, sizeof *count);
    for (size_t u = 0; u < n_units; u++) {
        json_array_append_new(clusters, jsize(cl[u]));
        if (count) count[cl[u]]++;
    }
    for (size_t t = 0; count && t < k; t++) json_array_append_new(sizes, jsize(count[t]));
    free(count);
    json_t *o = json_pack("{s:s, s:o, s:s, s:b, s:o, s:o}", "id", rq->rt.id, "k", jsize(k),
                          "method", cluster_method_names[co.method], "auto", co.k == 0,
                          "clusters", clusters, "sizes", sizes);
    if (o && co.k == 0) {
        /* The Davies-Bouldin index of each k tried (null where it could
         * not be: the library caps k_max at the units less one). */
        json_t *tried = json_array();
        for (size_t t = co.k_min; t <= co.k_max; t++)
            json_array_append_new(tried, json_pack("{s:o, s:o}", "k", jsize(t), "db",
                                                   jnum(db[t - co.k_min])));
        json_object_set_new(o, "davies_bouldin", tried);
    }
    free(db);
    snap_put(s);
    return reply_json(rq, 200, o);
}
