/* SPDX-License-Identifier: MIT */
/* failing_alloc.h — an allocator for som_allocator_set that refuses the
 * allocation after `failing_countdown` more and counts what is still live,
 * for the tests that fail each allocation of a call in turn (test_oom,
 * test_csv, test_summary). Included once per test program. */
#ifndef SOM_TEST_FAILING_ALLOC_H
#define SOM_TEST_FAILING_ALLOC_H

#include <stdlib.h>

static long failing_countdown = -1; /* allocations left before failing; < 0: never */
static long failing_live;           /* blocks handed out and not yet freed */
static long failing_refused;        /* allocations refused since last reset */

static void *failing_malloc(size_t n)
{
    if (failing_countdown == 0) {
        failing_refused++;
        return NULL;
    }
    if (failing_countdown > 0) failing_countdown--;
    void *p = malloc(n);
    if (p) failing_live++;
    return p;
}

static void *failing_realloc(void *p, size_t n)
{
    if (failing_countdown == 0) {
        failing_refused++;
        return NULL;
    }
    if (failing_countdown > 0) failing_countdown--;
    void *q = realloc(p, n);
    if (q && !p) failing_live++;
    return q;
}

static void failing_free(void *p)
{
    if (p) failing_live--;
    free(p);
}

#endif
