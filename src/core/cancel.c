/* SPDX-License-Identifier: MIT */
/* cancel.c — the one way to stop long work: a flag the caller sets (from a
 * signal handler, another thread, a Stop button) and every long loop of the
 * library polls. The token is bound per thread, so that several jobs in one
 * process (the web server's workers) stop independently; a call reads its
 * thread's token once on entry and hands the pointer to the OpenMP threads
 * it starts, which have no binding of their own. */
#include "core/core.h"

#include <pthread.h>
#include <stdlib.h>
#include <time.h>

static _Thread_local som_cancel *bound;

som_cancel *som_cancel_new(void)
{
    /* Plain calloc, not the allocator hook: a token may outlive a change of
     * allocator, and tests that inject out-of-memory should not lose it. */
    som_cancel *c = calloc(1, sizeof *c);
    if (c) atomic_init(&c->flag, 0);
    return c;
}

void som_cancel_free(som_cancel *c) { free(c); }

void som_cancel_set(som_cancel *c)
{
    if (c) atomic_store_explicit(&c->flag, 1, memory_order_relaxed);
}

void som_cancel_reset(som_cancel *c)
{
    if (c) atomic_store_explicit(&c->flag, 0, memory_order_relaxed);
}

int som_cancel_is_set(const som_cancel *c) { return som__cancel_hit(c) ? 1 : 0; }

som_cancel *som_cancel_bind(som_cancel *c)
{
    som_cancel *old = bound;
    bound = c;
    return old;
}

som_cancel *som__cancel_token(void) { return bound; }

int som_cancel_poll(som_error *err) { return som__cancel_check(err); }

int som__cancel_check(som_error *err)
{
    if (!som__cancel_hit(bound)) return SOM_OK;
    return som__error(err, SOM_ECANCELED, "interrupted");
}

/* ---- calls that cannot poll --------------------------------------------- */

typedef struct runner {
    void (*fn)(void *);
    void (*release)(void *);
    void *arg;
    pthread_mutex_t mu;
    pthread_cond_t cond;
    int state; /* 0 running, 1 done, 2 abandoned (under mu) */
} runner;

static void runner_free(runner *r)
{
    pthread_mutex_destroy(&r->mu);
    pthread_cond_destroy(&r->cond);
    som__free(r);
}

static void *runner_main(void *p)
{
    runner *r = p;
    r->fn(r->arg);
    pthread_mutex_lock(&r->mu);
    bool abandoned = r->state == 2;
    r->state = 1;
    pthread_cond_signal(&r->cond);
    pthread_mutex_unlock(&r->mu);
    if (abandoned) { /* nobody waits: the results and the runner are ours */
        r->release(r->arg);
        runner_free(r);
    }
    return NULL;
}

int som__run_cancellable(void (*fn)(void *), void (*release)(void *), void *arg, som_error *err)
{
    som_cancel *cancel = bound;
    if (!cancel) {
        fn(arg);
        return SOM_OK;
    }
    int rc = som__cancel_check(err);
    if (rc) return rc;
    runner *r = som__calloc(1, sizeof *r);
    if (!r) return som__error_oom(err);
    r->fn = fn;
    r->release = release;
    r->arg = arg;
    pthread_mutex_init(&r->mu, NULL);
    pthread_cond_init(&r->cond, NULL);
    pthread_t th;
    if (pthread_create(&th, NULL, runner_main, r) != 0) {
        runner_free(r);
        fn(arg); /* no thread to spare: run it here, unpolled */
        return SOM_OK;
    }
    pthread_mutex_lock(&r->mu);
    while (r->state == 0 && !som__cancel_hit(cancel)) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += 10 * 1000 * 1000; /* the poll: every 10 ms */
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&r->cond, &r->mu, &until);
    }
    bool done = r->state == 1;
    if (!done) r->state = 2;
    pthread_mutex_unlock(&r->mu);
    if (!done) {
        pthread_detach(th);
        return som__error(err, SOM_ECANCELED, "interrupted");
    }
    pthread_join(th, NULL);
    runner_free(r);
    return SOM_OK;
}
