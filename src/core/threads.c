/* SPDX-License-Identifier: MIT */
/* threads.c — how many OpenMP threads a call uses: the number asked for, or
 * all when 0. Every parallel region of every layer sizes itself here, so it
 * sits at the bottom of the core. */
#include "core/core.h"

#include <omp.h>

int som__threads(int requested)
{
    if (requested > 0) return requested;
    int n = omp_get_max_threads();
    return n > 0 ? n : 1;
}
