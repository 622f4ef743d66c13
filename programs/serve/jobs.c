/* SPDX-License-Identifier: MIT */
/* jobs.c — the engine of som serve's training jobs (jobs.h): the job table
 * and queue, the worker threads that run each job's som_fitter, the
 * snapshots they publish, Stop and Continue, and clustering a finished
 * map. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "jobs.h"

const char *const job_state_names[] = {"queued", "running", "stopped", "done", "failed"};

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

void snap_put(snapshot *s)
{
    if (s && atomic_fetch_sub(&s->refs, 1) == 1) {
        som_map_free(s->map);
        free(s);
    }
}

static void job_free(job *j)
{
    som_cancel_free(j->stop);
    som_fitter_free(j->fitter);
    som_fit_opts_clear(&j->fit);
    snap_put(j->snap);
    dataset_put(j->ds);
    free(j->settings);
    pthread_mutex_destroy(&j->mu);
    pthread_cond_destroy(&j->cond);
    free(j);
}

void job_put(job *j)
{
    if (j && atomic_fetch_sub(&j->refs, 1) == 1) job_free(j);
}

job *job_get(const char *id)
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

void job_bump(job *j)
{
    j->version++;
    pthread_cond_broadcast(&j->cond);
}

/* ---- the plan and the speed ----------------------------------------------------- */

/* Unit-field operations per second that training reached on this server
 * (the latest unpaced run of at least a tenth of a second); until one
 * has, about what one core of a 2020s machine reaches (measured on iris,
 * colours and optim: online 2.7e7, batch 1.8e9 a second; the guess keeps
 * under both, so a first estimate errs long). Online and batch differ: a
 * batch pass is a matrix product. */
static struct {
    pthread_mutex_t mu;
    double online, batch;
} speed = {PTHREAD_MUTEX_INITIALIZER, 2.5e7, 1e9};

/* Unit-field operations of one step. */
static double step_work(const job *j, size_t n_samples)
{
    double units = (double)j->grid.rows * (double)j->grid.cols;
    double dim = (double)som_data_dim(j->ds->data) + 1;
    return j->opts.algorithm == SOM_BATCH ? units * dim * (double)n_samples : units * dim;
}

void job_plan_of(const job *j, job_plan *p)
{
    size_t n = som_data_n_samples(j->ds->data);
    const som_train_opts *o = &j->opts;
    if (o->algorithm == SOM_BATCH) {
        p->n_steps = p->n_passes = o->epochs;
    } else if (o->iterations) {
        p->n_steps = o->iterations;
        p->n_passes = (o->iterations + n - 1) / (n ? n : 1);
    } else {
        p->n_steps = o->epochs * n;
        p->n_passes = o->epochs;
    }
    pthread_mutex_lock(&speed.mu);
    double ops = o->algorithm == SOM_BATCH ? speed.batch : speed.online;
    pthread_mutex_unlock(&speed.mu);
    p->estimate_s = (double)p->n_steps * step_work(j, n) / ops;
    p->paced_s = j->pace > 0 ? (double)p->n_passes / j->pace : 0;
    if (p->paced_s > p->estimate_s) p->estimate_s = p->paced_s;
}

/* After an unpaced run: the speed it reached, for the next estimates. */
static void note_speed(const job *j, size_t steps, double seconds)
{
    if (j->pace > 0 || seconds < 0.1 || steps == 0) return;
    double ops = (double)steps * step_work(j, som_data_n_samples(j->ds->data)) / seconds;
    pthread_mutex_lock(&speed.mu);
    if (j->opts.algorithm == SOM_BATCH) speed.batch = ops;
    else speed.online = ops;
    pthread_mutex_unlock(&speed.mu);
}

/* ---- training (worker threads) ----------------------------------------------- */

static bool stop_now(job *j)
{
    return som_cancel_is_set(j->stop) || atomic_load(&serve.shutdown);
}

/* Makes s the job's latest snapshot (s's reference passes to the job) and
 * wakes those waiting for news; readers of the old one keep theirs. */
static void swap_snapshot(job *j, snapshot *s)
{
    pthread_mutex_lock(&j->mu);
    snapshot *old = j->snap;
    j->snap = s;
    job_bump(j);
    pthread_mutex_unlock(&j->mu);
    snap_put(old);
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
    swap_snapshot(j, s);
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
static size_t online_report_every(size_t n_units, size_t dim)
{
    double work = (double)n_units * (double)dim;
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
    job_bump(j);
    pthread_mutex_unlock(&j->mu);
}

static void run_job(job *j)
{
    som_error err;
    som_error_clear(&err);
    int rc = SOM_OK;
    if (!som_fitter_map(j->fitter)) {
        rc = som_fitter_start(j->fitter, &err);
        if (rc == SOM_ECANCELED) { /* stopped during initialisation */
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
        p0.n_steps = som_fitter_info(j->fitter)->n_steps;
        size_t n = som_fitter_info(j->fitter)->n_samples;
        p0.n_passes = j->opts.algorithm == SOM_BATCH ? p0.n_steps : (p0.n_steps + n - 1) / n;
        p0.sigma = p0.alpha = (double)NAN;
        p0.map = som_fitter_map(j->fitter);
        j->last = p0;
        j->last.map = NULL;
        publish(j, &p0, NULL);
    }
    j->pace_next = serve_now() + (j->pace > 0 ? 1 / j->pace : 0);
    if (stop_now(j))
        rc = SOM_ESTOPPED;
    else
        rc = som_fitter_run(j->fitter, &err);

    som_progress last = j->last;
    last.map = som_fitter_map(j->fitter);
    if (rc == SOM_OK && som_fitter_done(j->fitter) && j->run_step0 == 0)
        note_speed(j, last.n_steps, serve_now() - j->run_since);
    if (rc == SOM_OK && som_fitter_done(j->fitter)) {
        last.step = last.n_steps;
        last.pass = last.n_passes;
        som_map *final = som_fitter_take_map(j->fitter);
        som_fitter_free(j->fitter);
        j->fitter = NULL;
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
        j->run_step0 = j->snap ? j->snap->step : 0;
        job_bump(j);
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

/* ---- the table: create, queue, list, remove, stop, continue ------------------ */

unsigned job_new(dataset *ds, som_fit_opts *fit, double pace, job **out, char *msg, size_t size)
{
    *out = NULL;
    job *j = calloc(1, sizeof *j);
    som_cancel *stop = j ? som_cancel_new() : NULL;
    if (!stop) {
        free(j);
        dataset_put(ds);
        som_fit_opts_clear(fit);
        snprintf(msg, size, "out of memory");
        return 503;
    }
    atomic_init(&j->refs, 1);
    j->stop = stop;
    pthread_mutex_init(&j->mu, NULL);
    pthread_cond_init(&j->cond, NULL);
    j->ds = ds;
    j->fit = *fit; /* the strings are the job's now */
    som_fit_opts_init(fit);
    j->grid = j->fit.grid;
    j->scaling = j->fit.scaling;
    j->opts = j->fit.train;
    j->pace = pace;
    serve_new_id(j->id);
    j->created = (double)time(NULL);
    j->state = JOB_QUEUED;
    j->version = 1;

    /* The fitter now: a target or weight naming a column the data set
     * lacks is the client's mistake, answered at once. */
    som_fit_opts o = j->fit;
    o.train.progress = on_progress;
    o.train.progress_ctx = j;
    o.train.threads = serve.cfg.threads;
    if (o.train.algorithm == SOM_ONLINE)
        o.train.progress_every =
            online_report_every(o.grid.rows * o.grid.cols, som_data_dim(ds->data));
    som_fit_info info;
    som_error err;
    som_error_clear(&err);
    int rc = som_fitter_new(ds->data, &o, 0, ds->name, &j->fitter, &info, &err);
    if (rc != SOM_OK) {
        if (info.setting)
            snprintf(msg, size, "%s: %s", info.setting, err.message); /* as som train */
        else
            snprintf(msg, size, "%s", err.message[0] ? err.message : som_strerror(rc));
        unsigned st = rc == SOM_ENOMEM ? 503 : 400;
        job_free(j);
        return st;
    }
    *out = j;
    return 0;
}

void job_discard(job *j) { job_free(j); }

unsigned jobs_enqueue(job *j)
{
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
        return 429;
    }
    T.jobs[T.n++] = j;
    atomic_fetch_add(&j->refs, 1); /* the queue's */
    T.queue[T.qlen++] = j;
    atomic_fetch_add(&j->refs, 1); /* the caller's, for the reply */
    pthread_cond_signal(&T.wake);
    pthread_mutex_unlock(&T.mu);
    if (evicted) {
        pthread_mutex_lock(&evicted->mu);
        evicted->deleted = true;
        job_bump(evicted);
        pthread_mutex_unlock(&evicted->mu);
        job_put(evicted);
    }
    return 0;
}

size_t jobs_list(job *out[SERVE_MAX_JOBS])
{
    pthread_mutex_lock(&T.mu);
    size_t n = T.n;
    for (size_t i = 0; i < n; i++) {
        out[i] = T.jobs[i];
        atomic_fetch_add(&out[i]->refs, 1);
    }
    pthread_mutex_unlock(&T.mu);
    return n;
}

/* Takes j out of a[0..*n), the others keeping their order: its first place
 * only, or every place it holds (`all`). Returns how many places it left.
 * Call with T.mu held. */
static size_t take_out(job **a, size_t *n, const job *j, bool all)
{
    size_t gone = 0;
    for (size_t i = 0; i < *n;) {
        if (a[i] == j && (all || gone == 0)) {
            memmove(a + i, a + i + 1, (*n - i - 1) * sizeof *a);
            (*n)--;
            gone++;
        } else {
            i++;
        }
    }
    return gone;
}

bool jobs_remove(job *j)
{
    bool found = false;
    size_t queued = 0;
    pthread_mutex_lock(&T.mu);
    found = take_out(T.jobs, &T.n, j, false) > 0;
    queued = take_out(T.queue, &T.qlen, j, true);
    som_cancel_set(j->stop);
    pthread_mutex_lock(&j->mu);
    j->deleted = true;
    job_bump(j);
    pthread_mutex_unlock(&j->mu);
    pthread_mutex_unlock(&T.mu);
    for (size_t i = 0; i < queued; i++) job_put(j);
    if (found) job_put(j); /* the table's */
    return found;
}

unsigned job_stop(job *j, job_state *st)
{
    unsigned status = 200;
    bool unqueued = false;
    pthread_mutex_lock(&T.mu);
    pthread_mutex_lock(&j->mu);
    switch (j->state) {
    case JOB_QUEUED:
        unqueued = take_out(T.queue, &T.qlen, j, false) > 0;
        j->state = JOB_STOPPED;
        job_bump(j);
        break;
    case JOB_RUNNING:
        /* Takes effect at the library's next poll: within milliseconds. */
        som_cancel_set(j->stop);
        job_bump(j);
        status = 202;
        break;
    case JOB_STOPPED: break; /* already */
    case JOB_DONE:
    case JOB_FAILED: status = 409; break;
    }
    *st = j->state;
    pthread_mutex_unlock(&j->mu);
    pthread_mutex_unlock(&T.mu);
    if (unqueued) job_put(j);
    return status;
}

job_state job_continue(job *j)
{
    pthread_mutex_lock(&T.mu);
    pthread_mutex_lock(&j->mu);
    job_state st = j->state;
    if (st == JOB_STOPPED && !j->deleted && !T.quit) {
        som_cancel_reset(j->stop);
        j->state = JOB_QUEUED;
        job_bump(j);
        atomic_fetch_add(&j->refs, 1);
        T.queue[T.qlen++] = j;
        pthread_cond_signal(&T.wake);
    }
    pthread_mutex_unlock(&j->mu);
    pthread_mutex_unlock(&T.mu);
    return st;
}

void view_take(job *j, job_view *v)
{
    pthread_mutex_lock(&j->mu);
    v->state = j->state;
    v->stopping = j->state == JOB_RUNNING && som_cancel_is_set(j->stop);
    v->version = j->version;
    v->snap = j->snap;
    if (v->snap) atomic_fetch_add(&v->snap->refs, 1);
    v->elapsed = j->elapsed + (j->state == JOB_RUNNING ? serve_now() - j->run_since : 0);
    v->run_s = j->state == JOB_RUNNING ? serve_now() - j->run_since : 0;
    v->run_step0 = j->run_step0;
    memcpy(v->error, j->error, sizeof v->error);
    pthread_mutex_unlock(&j->mu);
}

/* ---- clusters of a finished map ------------------------------------------------ */

unsigned job_cluster(job *j, const som_cluster_opts *co, snapshot **out, double *db, char *msg,
                     size_t size)
{
    *out = NULL;
    job_view v;
    view_take(j, &v);
    if (v.state != JOB_DONE || !v.snap) {
        snap_put(v.snap);
        snprintf(msg, size, "job '%s' is %s: clusters are of a finished map", j->id,
                 job_state_names[v.state]);
        return 409;
    }
    /* A new snapshot: readers of the old one keep theirs unchanged. */
    snapshot *s = calloc(1, sizeof *s);
    som_error err;
    som_error_clear(&err);
    int rc = s ? som_map_clone(v.snap->map, &s->map, &err) : SOM_ENOMEM;
    /* The default method weighs units by the rows they hold, as
     * `som cluster --data` does: the job's own data give them (matched by
     * title for a supervised map, whose class fields the data lack). */
    som_cluster_opts with = *co;
    size_t *hits = NULL;
    som_data *aligned = NULL;
    if (rc == SOM_OK && co->method == SOM_CLUSTER_AUTO && !co->hits) {
        const som_data *data = j->ds->data;
        if (som_data_dim(data) != som_map_dim(s->map) &&
            som_map_align_data(s->map, data, &aligned, NULL) == SOM_OK)
            data = aligned;
        hits = calloc(som_map_n_units(s->map), sizeof *hits);
        som_quality q;
        if (!hits) rc = SOM_ENOMEM;
        else rc = som_map_quality(s->map, data, &q, hits, 0, &err);
        with.hits = hits;
    }
    if (rc == SOM_OK) rc = som_map_cluster(s->map, &with, db, &err);
    free(hits);
    som_data_free(aligned);
    if (rc != SOM_OK) {
        if (s) som_map_free(s->map);
        free(s);
        snap_put(v.snap);
        snprintf(msg, size, "%s", err.message[0] ? err.message : som_strerror(rc));
        return rc == SOM_ENOMEM ? 503 : 400;
    }
    atomic_init(&s->refs, 2); /* the job's and the caller's */
    s->step = v.snap->step;
    s->n_steps = v.snap->n_steps;
    s->pass = v.snap->pass;
    s->n_passes = v.snap->n_passes;
    s->sigma = v.snap->sigma;
    s->alpha = v.snap->alpha;
    snap_put(v.snap);
    swap_snapshot(j, s);
    *out = s;
    return 0;
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

