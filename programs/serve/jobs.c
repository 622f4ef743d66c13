/* SPDX-License-Identifier: MIT */
/* jobs.c — training jobs of `som serve`: the settings a client sends, the
 * pool of worker threads that train, the snapshots they publish, and the
 * event stream (Server-Sent Events) that carries the progress to browsers.
 *
 * A job moves through
 *     queued -> running -> done | stopped | failed,   stopped -> queued
 * (Continue). A worker takes the oldest queued job, builds its map and a
 * som_trainer on the first run, and calls som_trainer_run; Stop sets the
 * job's libsom cancellation token (som_cancel), bound to the worker while
 * it runs the job, so that training stops within milliseconds, inside a
 * pass or during initialisation, with the trainer resumable — and Continue
 * runs the same trainer again, to the same result as an uninterrupted run.
 *
 * The worker owns the map while it trains. Everything else reads snapshots:
 * at most every 50 ms (or every pass when paced) the callback clones the
 * map, between two steps, and swaps the clone in under the job's mutex.
 * Readers take a reference to the current snapshot under the mutex and use
 * it without any lock: an HTTP thread never waits for training, and never
 * sees a map mid-update. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "serve.h"

typedef enum job_state {
    JOB_QUEUED = 0,
    JOB_RUNNING,
    JOB_STOPPED,
    JOB_DONE,
    JOB_FAILED
} job_state;

static const char *const state_names[] = {"queued", "running", "stopped", "done",
                                          "failed"};

/* An immutable picture of a job's map and progress. */
typedef struct snapshot {
    atomic_int refs;
    som_map *map;
    size_t step, n_steps, pass, n_passes;
    double sigma, alpha;
} snapshot;

struct job {
    atomic_int refs;
    char id[ROUTE_ID_MAX + 1];
    /* Set at creation, then only read. */
    dataset *ds;
    char *settings;       /* the settings as JSON text, defaults filled in
                             (text, not a json_t: a json_t shared between
                             threads would need jansson to be thread-safe
                             for readers, which it does not promise) */
    som_grid grid;
    som_scaling scaling;
    som_train_opts opts;
    double pace;          /* passes per second, 0 = as fast as possible */
    double created;       /* wall clock, seconds since 1970 */
    som_cancel *stop;     /* Stop (or shutdown, or delete) asked */
    /* Only the worker that runs the job touches these. */
    som_map *map;
    som_trainer *trainer;
    double next_publish, publish_every, pace_next;
    som_progress last;
    /* Under mu. */
    pthread_mutex_t mu;
    pthread_cond_t cond;  /* broadcast on every change of version */
    job_state state;
    bool deleted;
    char error[768];
    uint64_t version;     /* bumped on every change readers may show */
    snapshot *snap;
    double run_since;     /* serve_now() when the current run began */
    double elapsed;       /* seconds of training in finished runs */
};

/* The job table, the queue and the workers. */
static struct {
    pthread_mutex_t mu;
    pthread_cond_t wake;  /* a job was queued, or quit */
    job *jobs[SERVE_MAX_JOBS];
    size_t n;
    job *queue[SERVE_MAX_JOBS]; /* each holds a reference */
    size_t qlen;
    pthread_t *workers;
    size_t n_workers;
    bool quit;
} T = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, {0}, 0, {0}, 0, NULL, 0, false};

/* ---- references ---------------------------------------------------------------- */

static void snap_put(snapshot *s)
{
    if (s && atomic_fetch_sub(&s->refs, 1) == 1) {
        som_map_free(s->map);
        free(s);
    }
}

static void job_free(job *j)
{
    som_cancel_free(j->stop);
    som_trainer_free(j->trainer);
    som_map_free(j->map);
    snap_put(j->snap);
    dataset_put(j->ds);
    free(j->settings);
    pthread_mutex_destroy(&j->mu);
    pthread_cond_destroy(&j->cond);
    free(j);
}

static void job_put(job *j)
{
    if (j && atomic_fetch_sub(&j->refs, 1) == 1) job_free(j);
}

static job *job_get(const char *id)
{
    job *found = NULL;
    pthread_mutex_lock(&T.mu);
    for (size_t i = 0; i < T.n; i++)
        if (strcmp(T.jobs[i]->id, id) == 0) {
            found = T.jobs[i];
            atomic_fetch_add(&found->refs, 1);
            break;
        }
    pthread_mutex_unlock(&T.mu);
    return found;
}

/* Call with j->mu held. */
static void bump(job *j)
{
    j->version++;
    pthread_cond_broadcast(&j->cond);
}

/* ---- training (worker threads) ----------------------------------------------- */

static bool stop_now(job *j)
{
    return som_cancel_is_set(j->stop) || atomic_load(&serve.shutdown);
}

/* Clones the map into a new snapshot and swaps it in. `own` hands the map
 * itself over instead (the end of training). */
static void publish(job *j, const som_progress *p, som_map *own)
{
    double t0 = serve_now();
    snapshot *s = calloc(1, sizeof *s);
    if (!s) return;
    atomic_init(&s->refs, 1);
    if (own) {
        s->map = own;
    } else if (som_map_clone(p->map, &s->map, NULL) != SOM_OK) {
        free(s); /* out of memory: readers keep the previous snapshot */
        return;
    }
    s->step = p->step;
    s->n_steps = p->n_steps;
    s->pass = p->pass;
    s->n_passes = p->n_passes;
    s->sigma = p->sigma;
    s->alpha = p->alpha;
    double now = serve_now();
    /* Cloning a big map is not free: never spend more than ~5% of the
     * training time on it. */
    j->publish_every = fmax(0.05, 20 * (now - t0));
    j->next_publish = now + j->publish_every;
    pthread_mutex_lock(&j->mu);
    snapshot *old = j->snap;
    j->snap = s;
    bump(j);
    pthread_mutex_unlock(&j->mu);
    snap_put(old);
}

/* Sleeps until `until` (monotonic seconds) in short slices, so that a Stop
 * still takes effect within ~10 ms. Returns false when stopped. */
static bool pace_wait(job *j, double until)
{
    for (;;) {
        if (stop_now(j)) return false;
        double left = until - serve_now();
        if (left <= 0) return true;
        if (left > 0.01) left = 0.01;
        struct timespec ts = {0, (long)(left * 1e9)};
        nanosleep(&ts, NULL);
    }
}

static int on_progress(const som_progress *p, void *ctx)
{
    job *j = ctx;
    if (stop_now(j)) return 1;
    j->last = *p;
    j->last.map = NULL;
    if (p->step >= p->n_steps) return 0; /* the end: run_job publishes */
    if (j->pace > 0 && p->end_of_pass) {
        /* A paced run is for watching: every pass is shown, then the
         * worker waits for the pass's time slot to end. */
        publish(j, p, NULL);
        if (!pace_wait(j, j->pace_next)) return 1;
        j->pace_next = fmax(j->pace_next, serve_now()) + 1 / j->pace;
        return 0;
    }
    if (serve_now() >= j->next_publish) publish(j, p, NULL);
    return 0;
}

/* How many online steps between two reports, so that one comes at least
 * every ~100 ms: an online step costs a few flops per unit and field, and
 * this machine-independent bound keeps well under that even for slow
 * machines (units x dim = 10^4: 512 steps, a few ms). */
static size_t online_report_every(const som_map *map)
{
    double work = (double)som_map_n_units(map) * (double)som_map_dim(map);
    double every = 5e6 / (work > 1 ? work : 1);
    if (every > 1024) every = 1024;
    if (every < 1) every = 1;
    return (size_t)every;
}

static void set_state(job *j, job_state st, const som_error *err)
{
    pthread_mutex_lock(&j->mu);
    j->state = st;
    j->elapsed += serve_now() - j->run_since;
    if (err && st == JOB_FAILED)
        snprintf(j->error, sizeof j->error, "%s",
                 err->message[0] ? err->message : som_strerror(err->code));
    bump(j);
    pthread_mutex_unlock(&j->mu);
}

static void run_job(job *j)
{
    som_error err;
    som_error_clear(&err);
    const som_data *data = j->ds->data;
    int rc = SOM_OK;
    if (!j->trainer) {
        rc = som_map_new(&j->grid, som_data_dim(data), &j->map, &err);
        if (rc == SOM_OK) rc = som_map_set_titles_from(j->map, data);
        if (rc == SOM_OK) rc = som_map_fit_scaling(j->map, data, j->scaling, &err);
        if (rc == SOM_OK) {
            som_train_opts o = j->opts;
            o.progress = on_progress;
            o.progress_ctx = j;
            o.threads = serve.cfg.threads;
            if (o.algorithm == SOM_ONLINE) o.progress_every = online_report_every(j->map);
            rc = som_trainer_new(j->map, data, &o, &j->trainer, &err);
        }
        if (rc == SOM_ECANCELED) { /* stopped during initialisation */
            som_map_free(j->map);
            j->map = NULL;
            set_state(j, JOB_STOPPED, NULL);
            return;
        }
        if (rc != SOM_OK) {
            set_state(j, JOB_FAILED, &err);
            return;
        }
        /* The starting map, before the first pass. */
        som_progress p0;
        memset(&p0, 0, sizeof p0);
        p0.n_steps = som_trainer_n_steps(j->trainer);
        size_t n = som_data_n_samples(data);
        p0.n_passes = j->opts.algorithm == SOM_BATCH ? p0.n_steps : (p0.n_steps + n - 1) / n;
        p0.sigma = p0.alpha = (double)NAN;
        p0.map = j->map;
        j->last = p0;
        j->last.map = NULL;
        publish(j, &p0, NULL);
    }
    j->pace_next = serve_now() + (j->pace > 0 ? 1 / j->pace : 0);
    if (stop_now(j))
        rc = SOM_ESTOPPED;
    else
        rc = som_trainer_run(j->trainer, 0, &err);

    som_progress last = j->last;
    last.map = j->map;
    if (rc == SOM_OK && som_trainer_done(j->trainer)) {
        som_trainer_free(j->trainer);
        j->trainer = NULL;
        last.step = last.n_steps;
        last.pass = last.n_passes;
        som_map *final = j->map;
        j->map = NULL;
        publish(j, &last, final);
        set_state(j, JOB_DONE, NULL);
    } else if (rc == SOM_OK || rc == SOM_ESTOPPED || rc == SOM_ECANCELED) {
        publish(j, &last, NULL);
        set_state(j, JOB_STOPPED, NULL);
    } else {
        set_state(j, JOB_FAILED, &err);
    }
}

static void *worker_main(void *arg)
{
    (void)arg;
    for (;;) {
        pthread_mutex_lock(&T.mu);
        while (!T.quit && T.qlen == 0) pthread_cond_wait(&T.wake, &T.mu);
        if (T.quit) {
            pthread_mutex_unlock(&T.mu);
            break;
        }
        job *j = T.queue[0]; /* the queue's reference is now ours */
        memmove(T.queue, T.queue + 1, --T.qlen * sizeof *T.queue);
        pthread_mutex_lock(&j->mu);
        j->state = JOB_RUNNING;
        j->run_since = serve_now();
        bump(j);
        pthread_mutex_unlock(&j->mu);
        pthread_mutex_unlock(&T.mu);
        som_cancel *before = som_cancel_bind(j->stop);
        run_job(j);
        som_cancel_bind(before);
        job_put(j);
    }
    return NULL;
}

int jobs_start(som_error *err)
{
    T.workers = calloc(serve.cfg.workers, sizeof *T.workers);
    if (!T.workers) return som_error_set(err, SOM_ENOMEM, "out of memory");
    for (size_t i = 0; i < serve.cfg.workers; i++) {
        if (pthread_create(&T.workers[i], NULL, worker_main, NULL) != 0) {
            jobs_shutdown();
            return som_error_set(err, SOM_ENOMEM, "cannot start the training threads");
        }
        T.n_workers++;
    }
    return SOM_OK;
}

void jobs_wake_all(void)
{
    pthread_mutex_lock(&T.mu);
    for (size_t i = 0; i < T.n; i++) {
        job *j = T.jobs[i];
        som_cancel_set(j->stop);
        pthread_mutex_lock(&j->mu);
        pthread_cond_broadcast(&j->cond);
        pthread_mutex_unlock(&j->mu);
    }
    pthread_mutex_unlock(&T.mu);
}

void jobs_shutdown(void)
{
    pthread_mutex_lock(&T.mu);
    T.quit = true;
    for (size_t i = 0; i < T.n; i++) som_cancel_set(T.jobs[i]->stop);
    pthread_cond_broadcast(&T.wake);
    pthread_mutex_unlock(&T.mu);
    for (size_t i = 0; i < T.n_workers; i++) pthread_join(T.workers[i], NULL);
    free(T.workers);
    T.workers = NULL;
    T.n_workers = 0;
    for (size_t i = 0; i < T.qlen; i++) job_put(T.queue[i]);
    for (size_t i = 0; i < T.n; i++) job_put(T.jobs[i]);
    T.qlen = T.n = 0;
}

/* ---- settings ------------------------------------------------------------------------ */

/* The settings as the job uses them, for clients to show: every entry of
 * the settings table by its name, and by its name with underscores
 * (numbers as numbers, flags as booleans, null for one left to its
 * automatic default), and the keys the page has always read (rows, cols,
 * radius0, ...; doc/API.md). */
static json_t *settings_json(const job *j)
{
    som_fit_opts f;
    som_fit_opts_init(&f);
    f.grid = j->grid;
    f.scaling = j->scaling;
    f.train = j->opts;
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

/* ---- JSON of a job ------------------------------------------------------------------- */

/* What a reader copies under the job's mutex. */
typedef struct job_view {
    job_state state;
    bool stopping;
    uint64_t version;
    snapshot *snap; /* a reference, or NULL */
    double elapsed;
    char error[768];
} job_view;

static void view_take(job *j, job_view *v)
{
    pthread_mutex_lock(&j->mu);
    v->state = j->state;
    v->stopping = j->state == JOB_RUNNING && som_cancel_is_set(j->stop);
    v->version = j->version;
    v->snap = j->snap;
    if (v->snap) atomic_fetch_add(&v->snap->refs, 1);
    v->elapsed = j->elapsed + (j->state == JOB_RUNNING ? serve_now() - j->run_since : 0);
    memcpy(v->error, j->error, sizeof v->error);
    pthread_mutex_unlock(&j->mu);
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

/* The status of a job; with full, also its settings and dataset. */
static json_t *job_json(const job *j, const job_view *v, size_t history_from, bool full)
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
        "state", state_names[v->state], "stopping", v->stopping, "version",
        (json_int_t)v->version, "step", jsize(s ? s->step : 0), "n_steps",
        jsize(s ? s->n_steps : 0), "pass", jsize(s ? s->pass : 0), "n_passes",
        jsize(s ? s->n_passes : 0), "sigma", jnum(s ? s->sigma : (double)NAN), "alpha",
        jnum(s ? s->alpha : (double)NAN), "qe", jnum(qe), "te", jnum(te), "elapsed",
        jnum(v->elapsed));
    if (!o) return NULL;
    if (history_from != SIZE_MAX) {
        json_object_set_new(o, "history_from", jsize(history_from));
        json_object_set_new(o, "history", history_json(s, history_from));
    }
    if (v->state == JOB_FAILED) json_object_set_new(o, "error", jstr(v->error));
    if (full) {
        json_object_set_new(o, "settings", json_loads(j->settings, 0, NULL));
        json_object_set_new(o, "dataset_name", jstr(j->ds->name));
        json_object_set_new(o, "created", jnum(j->created));
        json_object_set_new(o, "has_model", json_boolean(s != NULL));
    }
    return o;
}

/* ---- handlers ----------------------------------------------------------------------- */

enum MHD_Result handle_jobs(request *rq)
{
    if (strcmp(rq->method, "POST") != 0) {
        /* The list, newest first. */
        json_t *list = json_array();
        job *js[SERVE_MAX_JOBS];
        size_t n = 0;
        pthread_mutex_lock(&T.mu);
        for (size_t i = 0; i < T.n; i++) {
            js[n] = T.jobs[i];
            atomic_fetch_add(&js[n]->refs, 1);
            n++;
        }
        pthread_mutex_unlock(&T.mu);
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
    if (st && !set.has_dataset) return reply_error(rq, st, "%s", msg);
    dataset *ds = dataset_get(set.dataset);
    if (!ds) {
        job_settings_clear(&set);
        return reply_error(rq, 404, "no data set '%.64s'", set.dataset);
    }
    if (st) {
        dataset_put(ds);
        return reply_error(rq, st, "%s", msg);
    }
    job *j = calloc(1, sizeof *j);
    som_cancel *stop = j ? som_cancel_new() : NULL;
    if (!stop) {
        free(j);
        dataset_put(ds);
        job_settings_clear(&set);
        return reply_error(rq, 503, "out of memory");
    }
    atomic_init(&j->refs, 1);
    j->stop = stop;
    pthread_mutex_init(&j->mu, NULL);
    pthread_cond_init(&j->cond, NULL);
    j->ds = ds;
    j->grid = set.fit.grid;
    j->scaling = set.fit.scaling;
    j->opts = set.fit.train;
    j->pace = set.pace;
    job_settings_clear(&set);
    if (j->opts.iterations == 0 && j->opts.algorithm == SOM_ONLINE &&
        (double)j->opts.epochs * (double)som_data_n_samples(ds->data) > 1e12) {
        job_free(j);
        return reply_error(rq, 400, "epochs x rows is over 10^12 steps");
    }
    serve_new_id(j->id);
    j->created = (double)time(NULL);
    json_t *settings = settings_json(j);
    j->settings = settings ? json_dumps(settings, JSON_COMPACT | JSON_REAL_PRECISION(9)) : NULL;
    json_decref(settings);
    if (!j->settings) {
        job_free(j);
        return reply_error(rq, 503, "out of memory");
    }
    j->state = JOB_QUEUED;
    j->version = 1;

    /* Room in the table: the oldest job that is not training goes. */
    job *evicted = NULL;
    pthread_mutex_lock(&T.mu);
    if (T.n >= SERVE_MAX_JOBS) {
        size_t best = SIZE_MAX;
        for (size_t i = 0; i < T.n; i++) {
            job *o = T.jobs[i];
            pthread_mutex_lock(&o->mu);
            bool idle = o->state != JOB_RUNNING && o->state != JOB_QUEUED;
            pthread_mutex_unlock(&o->mu);
            if (idle && (best == SIZE_MAX || o->created < T.jobs[best]->created)) best = i;
        }
        if (best != SIZE_MAX) {
            evicted = T.jobs[best];
            memmove(T.jobs + best, T.jobs + best + 1, (T.n - best - 1) * sizeof *T.jobs);
            T.n--;
        }
    }
    if (T.n >= SERVE_MAX_JOBS) {
        pthread_mutex_unlock(&T.mu);
        job_free(j);
        return reply_error(rq, 429, "too many jobs training or queued (%d)", SERVE_MAX_JOBS);
    }
    T.jobs[T.n++] = j;
    atomic_fetch_add(&j->refs, 1); /* the queue's */
    T.queue[T.qlen++] = j;
    atomic_fetch_add(&j->refs, 1); /* ours, for the reply */
    pthread_cond_signal(&T.wake);
    pthread_mutex_unlock(&T.mu);
    if (evicted) {
        pthread_mutex_lock(&evicted->mu);
        evicted->deleted = true;
        bump(evicted);
        pthread_mutex_unlock(&evicted->mu);
        job_put(evicted);
    }
    job_view v;
    view_take(j, &v);
    json_t *o = job_json(j, &v, 0, true);
    snap_put(v.snap);
    job_put(j);
    return reply_json(rq, 201, o);
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
        bool found = false;
        size_t queued = 0;
        pthread_mutex_lock(&T.mu);
        for (size_t i = 0; i < T.n; i++)
            if (T.jobs[i] == j) {
                memmove(T.jobs + i, T.jobs + i + 1, (T.n - i - 1) * sizeof *T.jobs);
                T.n--;
                found = true;
                break;
            }
        for (size_t i = 0; i < T.qlen;)
            if (T.queue[i] == j) {
                memmove(T.queue + i, T.queue + i + 1, (T.qlen - i - 1) * sizeof *T.queue);
                T.qlen--;
                queued++;
            } else {
                i++;
            }
        som_cancel_set(j->stop);
        pthread_mutex_lock(&j->mu);
        j->deleted = true;
        bump(j);
        pthread_mutex_unlock(&j->mu);
        pthread_mutex_unlock(&T.mu);
        for (size_t i = 0; i < queued; i++) job_put(j);
        if (found) job_put(j); /* the table's */
        job_put(j);
        if (!found) return no_job(rq);
        return reply_json(rq, 200, json_pack("{s:s, s:b}", "id", rq->rt.id, "deleted", 1));
    }
    job_view v;
    view_take(j, &v);
    size_t from = 0;
    const char *arg = req_arg(rq, "history_from");
    if (arg) from = (size_t)strtoull(arg, NULL, 10);
    json_t *o = job_json(j, &v, from, true);
    snap_put(v.snap);
    job_put(j);
    return reply_json(rq, 200, o);
}

enum MHD_Result handle_job_stop(request *rq)
{
    job *j = job_get(rq->rt.id);
    if (!j) return no_job(rq);
    unsigned status = 200;
    bool unqueued = false;
    pthread_mutex_lock(&T.mu);
    pthread_mutex_lock(&j->mu);
    switch (j->state) {
    case JOB_QUEUED:
        for (size_t i = 0; i < T.qlen; i++)
            if (T.queue[i] == j) {
                memmove(T.queue + i, T.queue + i + 1, (T.qlen - i - 1) * sizeof *T.queue);
                T.qlen--;
                unqueued = true;
                break;
            }
        j->state = JOB_STOPPED;
        bump(j);
        break;
    case JOB_RUNNING:
        /* Takes effect at the library's next poll: within milliseconds. */
        som_cancel_set(j->stop);
        bump(j);
        status = 202;
        break;
    case JOB_STOPPED: break; /* already */
    case JOB_DONE:
    case JOB_FAILED: status = 409; break;
    }
    job_state st = j->state;
    pthread_mutex_unlock(&j->mu);
    pthread_mutex_unlock(&T.mu);
    if (unqueued) job_put(j);
    if (status == 409) {
        job_put(j);
        return reply_error(rq, 409, "job '%s' is %s: nothing to stop", rq->rt.id,
                           state_names[st]);
    }
    job_view v;
    view_take(j, &v);
    json_t *o = job_json(j, &v, SIZE_MAX, false);
    snap_put(v.snap);
    job_put(j);
    return reply_json(rq, status, o);
}

enum MHD_Result handle_job_continue(request *rq)
{
    job *j = job_get(rq->rt.id);
    if (!j) return no_job(rq);
    pthread_mutex_lock(&T.mu);
    pthread_mutex_lock(&j->mu);
    job_state st = j->state;
    if (st == JOB_STOPPED && !j->deleted && !T.quit) {
        som_cancel_reset(j->stop);
        j->state = JOB_QUEUED;
        bump(j);
        atomic_fetch_add(&j->refs, 1);
        T.queue[T.qlen++] = j;
        pthread_cond_signal(&T.wake);
    }
    pthread_mutex_unlock(&j->mu);
    pthread_mutex_unlock(&T.mu);
    if (st != JOB_STOPPED) {
        job_put(j);
        return reply_error(rq, 409, "job '%s' is %s: only a stopped job continues", rq->rt.id,
                           state_names[st]);
    }
    job_view v;
    view_take(j, &v);
    json_t *o = job_json(j, &v, SIZE_MAX, false);
    snap_put(v.snap);
    job_put(j);
    return reply_json(rq, 202, o);
}

/* The latest snapshot of a job, or a reply saying there is none. */
static snapshot *job_snapshot(request *rq, job **jp, enum MHD_Result *ret)
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
                           state_names[v.state]);
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
    unsigned char *buf = NULL;
    size_t len = 0;
    void (*free_fn)(void *) = free;
    som_error err;
    som_error_clear(&err);
    int rc = map_serialize(s->map, rq->rt.ext, &buf, &len, &free_fn, &err);
    snap_put(s);
    job_put(j);
    if (rc != SOM_OK) {
        if (rc == SOM_EINVAL) return reply_error(rq, 422, "%s", err.message);
        return reply_som_error(rq, &err);
    }
    struct MHD_Response *r = resp_bytes(buf, len, "application/octet-stream", free_fn);
    if (r) {
        char cd[128];
        snprintf(cd, sizeof cd, "attachment; filename=\"som-%s.%s\"", rq->rt.id, rq->rt.ext);
        MHD_add_response_header(r, "Content-Disposition", cd);
    }
    return reply(rq, 200, r);
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
    json_t *o = map_json(s->map, with_data ? j->ds->data : NULL, 1, &err);
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

/* Copies a job's latest map into the model store (POST /api/maps
 * {"job": ID}). */
unsigned job_copy_map(const char *id, char out_id[ROUTE_ID_MAX + 1], char *msg, size_t size)
{
    job *j = job_get(id);
    if (!j) {
        snprintf(msg, size, "no job '%.64s'", id);
        return 404;
    }
    job_view v;
    view_take(j, &v);
    if (!v.snap) {
        job_put(j);
        snprintf(msg, size, "job '%.64s' has no map yet", id);
        return 409;
    }
    som_map *copy = NULL;
    int rc = som_map_clone(v.snap->map, &copy, NULL);
    snap_put(v.snap);
    job_put(j);
    if (rc != SOM_OK) {
        snprintf(msg, size, "out of memory");
        return 503;
    }
    char source[96];
    snprintf(source, sizeof source, "job %.32s", id);
    unsigned st = model_add(copy, source, out_id);
    if (st == 413)
        snprintf(msg, size, "this map is larger than the server keeps");
    else if (st)
        snprintf(msg, size, "too many models kept; delete some (DELETE /api/maps/ID)");
    return st;
}

/* ---- events (Server-Sent Events) ---------------------------------------------------- */

#define SSE_KEEPALIVE 15.0 /* seconds between comments on a quiet stream */

typedef struct sse {
    job *j;
    uint64_t sent_version;
    size_t sent_history;  /* history entries already sent */
    char *buf;            /* pending output */
    size_t len, off;
    bool end;             /* end the stream once buf is out */
} sse;

static void sse_free(void *cls)
{
    sse *s = cls;
    job_put(s->j);
    free(s->buf);
    free(s);
}

static bool sse_set(sse *s, const char *text)
{
    free(s->buf);
    s->buf = strdup(text);
    s->len = s->buf ? strlen(s->buf) : 0;
    s->off = 0;
    return s->buf != NULL;
}

/* Called by libmicrohttpd on the connection's own thread whenever it can
 * send: waits (on the job's condition variable, never on training) until
 * the job changes, then writes one event. */
static ssize_t sse_read(void *cls, uint64_t pos, char *out, size_t max)
{
    (void)pos;
    sse *s = cls;
    if (s->off == s->len) {
        if (s->end || atomic_load(&serve.shutdown)) return MHD_CONTENT_READER_END_OF_STREAM;
        job *j = s->j;
        double deadline = serve_now() + SSE_KEEPALIVE;
        pthread_mutex_lock(&j->mu);
        while (j->version == s->sent_version && !j->deleted &&
               !atomic_load(&serve.shutdown)) {
            double now = serve_now();
            if (now >= deadline) break;
            /* Wake at least every second: a shutdown flag set between two
             * broadcasts is still seen. */
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            double wait = fmin(deadline - now, 1.0);
            ts.tv_sec += (time_t)wait;
            ts.tv_nsec += (long)((wait - floor(wait)) * 1e9);
            if (ts.tv_nsec >= 1000000000L) {
                ts.tv_sec++;
                ts.tv_nsec -= 1000000000L;
            }
            pthread_cond_timedwait(&j->cond, &j->mu, &ts);
        }
        bool deleted = j->deleted, changed = j->version != s->sent_version;
        pthread_mutex_unlock(&j->mu);
        if (atomic_load(&serve.shutdown)) return MHD_CONTENT_READER_END_OF_STREAM;
        if (deleted) {
            s->end = true;
            if (!sse_set(s, "event: deleted\ndata: {}\n\n"))
                return MHD_CONTENT_READER_END_WITH_ERROR;
        } else if (!changed) {
            if (!sse_set(s, ": keep-alive\n\n")) return MHD_CONTENT_READER_END_WITH_ERROR;
        } else {
            job_view v;
            view_take(j, &v);
            json_t *o = job_json(j, &v, s->sent_history, false);
            s->sent_version = v.version;
            if (v.snap) s->sent_history = som_map_history_len(v.snap->map);
            snap_put(v.snap);
            char *text = o ? json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(9)) : NULL;
            json_decref(o);
            if (!text) return MHD_CONTENT_READER_END_WITH_ERROR;
            size_t n = strlen(text);
            free(s->buf);
            s->buf = malloc(n + 32);
            if (!s->buf) {
                free(text);
                return MHD_CONTENT_READER_END_WITH_ERROR;
            }
            s->len = (size_t)sprintf(s->buf, "event: progress\ndata: %s\n\n", text);
            s->off = 0;
            free(text);
            /* A finished job has nothing more to say; a stopped one may
             * continue, so its stream stays open. */
            if (v.state == JOB_DONE || v.state == JOB_FAILED) s->end = true;
        }
    }
    size_t n = s->len - s->off;
    if (n > max) n = max;
    memcpy(out, s->buf + s->off, n);
    s->off += n;
    return (ssize_t)n;
}

enum MHD_Result handle_job_events(request *rq)
{
    job *j = job_get(rq->rt.id);
    if (!j) return no_job(rq);
    sse *s = calloc(1, sizeof *s);
    if (!s) {
        job_put(j);
        return reply_error(rq, 503, "out of memory");
    }
    s->j = j;
    /* The first event tells the client how soon to reconnect. */
    if (!sse_set(s, "retry: 1000\n\n")) {
        sse_free(s);
        return reply_error(rq, 503, "out of memory");
    }
    struct MHD_Response *r =
        MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16384, sse_read, s, sse_free);
    if (!r) {
        sse_free(s);
        return MHD_NO;
    }
    MHD_add_response_header(r, "Content-Type", "text/event-stream");
    MHD_add_response_header(r, "Cache-Control", "no-store");
    return reply(rq, 200, r);
}
