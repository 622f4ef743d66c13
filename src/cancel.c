/* SPDX-License-Identifier: MIT */
/* cancel.c — the one way to stop long work: a flag the caller sets (from a
 * signal handler, another thread, a Stop button) and every long loop of the
 * library polls. The token is bound per thread, so that several jobs in one
 * process (the web server's workers) stop independently; a call reads its
 * thread's token once on entry and hands the pointer to the OpenMP threads
 * it starts, which have no binding of their own. */
#include "internal.h"

#include <stdlib.h>

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
