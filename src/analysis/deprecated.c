/* SPDX-License-Identifier: MIT */
/* deprecated.c — the analysis layer's calls of the previous release under
 * their old, verb-first names, each now one call of its noun-first
 * replacement (som.h, "Deprecated names"). Kept for one release. */
#include "analysis/analysis.h"

#include <math.h>

int som_kmeans(const float *x, size_t n, size_t dim, size_t k, uint64_t seed, size_t restarts,
               size_t max_iter, uint32_t *labels, double *inertia, som_error *err)
{
    return som_vectors_kmeans(x, n, dim, k, seed, restarts, max_iter, labels, inertia, err);
}

int som_ward_grid(const float *x, const som_grid *grid, size_t dim, size_t k, uint32_t *labels,
                  som_error *err)
{
    return som_grid_ward(x, grid, dim, k, labels, err);
}

/* The old call had no way to report a failure: NaN for every one. */
double som_davies_bouldin(const float *x, size_t n, size_t dim, const uint32_t *labels, size_t k)
{
    double index = NAN;
    if (som_vectors_davies_bouldin(x, n, dim, labels, k, &index, NULL) != SOM_OK) return NAN;
    return index;
}

int som_label_best_units(const size_t *counts, size_t n_labels, size_t n_units, size_t top,
                         size_t *best, som_error *err)
{
    return som_label_counts_best_units(counts, n_labels, n_units, top, best, err);
}
