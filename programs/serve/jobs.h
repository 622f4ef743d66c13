/* SPDX-License-Identifier: MIT */
/* jobs.h — the training jobs of `som serve`, shared by their three files:
 *   jobs.c         the engine: the job table and queue, the worker threads
 *                  that fit (libsom's som_fitter), the snapshots they
 *                  publish, Stop, Continue, clustering a finished map
 *   jobs_api.c     the HTTP handlers of /api/jobs and the JSON of a job
 *   jobs_events.c  the event stream (Server-Sent Events) of a job
 *
 * A job moves through
 *     queued -> running -> done | stopped | failed,   stopped -> queued
 * (Continue). A worker takes the oldest queued job and runs its fitter
 * (created with the job, so that a setting that does not fit the data is
 * refused at once); Stop sets the job's libsom cancellation token
 * (som_cancel), bound to the worker while it runs the job, so that training
 * stops within milliseconds, inside a pass or during initialisation, with
 * the fitter resumable — and Continue runs the same fitter again, to the
 * same result as an uninterrupted run.
 *
 * The worker owns the map while it trains. Everything else reads snapshots:
 * at most every 50 ms (or every pass when paced) the callback clones the
 * map, between two steps, and swaps the clone in under the job's mutex.
 * Readers take a reference to the current snapshot under the mutex and use
 * it without any lock: an HTTP thread never waits for training, and never
 * sees a map mid-update. */
#ifndef SOM_SERVE_JOBS_H
#define SOM_SERVE_JOBS_H

#include "serve.h"

typedef enum job_state {
    JOB_QUEUED = 0,
    JOB_RUNNING,
    JOB_STOPPED,
    JOB_DONE,
    JOB_FAILED
} job_state;

extern const char *const job_state_names[];

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
    som_fit_opts fit;     /* the whole fit: grid, scaling, opts and the
                             targets and weights (owns those strings) */
    double pace;          /* passes per second, 0 = as fast as possible */
    double created;       /* wall clock, seconds since 1970 */
    som_cancel *stop;     /* Stop (or shutdown, or delete) asked */
    /* Only the worker that runs the job touches these (and the creator,
     * before the job is queued). */
    som_fitter *fitter;
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
    size_t run_step0;     /* the step it began at (0, or where it stopped) */
    double elapsed;       /* seconds of training in finished runs */
};

/* ---- jobs.c ---------------------------------------------------------------- */

void snap_put(snapshot *s);
/* A job by id with a reference (job_put), or NULL. */
job *job_get(const char *id);
void job_put(job *j);
/* The job rq's route names and its latest snapshot, each with a reference
 * (job_put, snap_put); or NULL with *ret the reply: 404 no such job, 409 no
 * map yet. */
snapshot *job_snapshot(request *rq, job **jp, enum MHD_Result *ret);
/* Call with j->mu held: readers and event streams see a change. */
void job_bump(job *j);

/* A new job on `ds` (its reference is the job's now, also on failure)
 * with `fit` (taken over: its strings are the job's) and its fitter,
 * not yet queued. Returns 0, or a status and why (400: a setting that
 * does not fit the data, 503: out of memory). */
unsigned job_new(dataset *ds, som_fit_opts *fit, double pace, job **out, char *msg,
                 size_t size);
void job_discard(job *j); /* a job job_new made that was never queued */
/* Adds the job to the table (job_new's reference is the table's) and the
 * queue, evicting the oldest job that is not training when the table is
 * full. 0, and the caller holds one more reference (job_put), or 429 (the
 * job untouched: job_discard). */
unsigned jobs_enqueue(job *j);
/* References to every job, oldest first; returns the count. */
size_t jobs_list(job *out[SERVE_MAX_JOBS]);
/* Out of the table and the queue; a run stops at its next report. False
 * when it was no longer in the table. */
bool jobs_remove(job *j);
/* Stop: 200 (stopped now, or already), 202 (a running job stops within
 * milliseconds) or 409 (done or failed); *st the state it was in. */
unsigned job_stop(job *j, job_state *st);
/* Continue a stopped job: back in the queue. Returns the state it was
 * in: only JOB_STOPPED continued. */
job_state job_continue(job *j);

/* What a reader copies under the job's mutex. */
typedef struct job_view {
    job_state state;
    bool stopping;
    uint64_t version;
    snapshot *snap; /* a reference, or NULL */
    double elapsed;
    double run_s;      /* seconds of the current run (0: not running) */
    size_t run_step0;  /* the step the current run began at */
    char error[768];
} job_view;

void view_take(job *j, job_view *v);

/* Clusters the units of a finished job's map (som_map_cluster) and
 * publishes the clustered map as the job's snapshot, so that its model
 * carries them. Returns 0 with *out a reference to that snapshot (and db
 * the Davies-Bouldin index of each k tried when k was chosen), 409 when the
 * job has not finished, or a status and why. */
unsigned job_cluster(job *j, const som_cluster_opts *co, snapshot **out, double *db,
                     char *msg, size_t size);

/* The plan of a job: its steps and passes, and the seconds it should take
 * (the work of a step times this server's measured speed, and no less
 * than its passes at the job's pace). */
typedef struct job_plan {
    size_t n_steps, n_passes;
    double estimate_s;  /* at this server's speed (or a cautious guess) */
    double paced_s;     /* n_passes / pace (0: not paced) */
} job_plan;
void job_plan_of(const job *j, job_plan *p);

/* ---- jobs_api.c ----------------------------------------------------------- */

/* The status of a job; history entries from history_from on (SIZE_MAX:
 * none); with full, also its settings and data set. */
json_t *job_json(const job *j, const job_view *v, size_t history_from, bool full);

#endif
