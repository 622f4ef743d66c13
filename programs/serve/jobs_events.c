/* SPDX-License-Identifier: MIT */
/* jobs_events.c — GET /api/jobs/ID/events: a job's progress as
 * Server-Sent Events, one event per change of the job (jobs.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "jobs.h"

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
            char *text = o ? serve_json_text(o, NULL) : NULL;
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
    if (!j) return reply_error(rq, 404, "no job '%s'", rq->rt.id);
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
