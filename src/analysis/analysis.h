/* SPDX-License-Identifier: MIT */
/* analysis.h — the internal header of the analysis layer (src/analysis/),
 * over io.h (and so core.h): what the analysis files share. Never
 * installed. */
#ifndef SOM_ANALYSIS_H
#define SOM_ANALYSIS_H

#include "io/io.h"

/* ---- clusters of units (cluster.c, cluster_ward.c, cluster_auto.c) ------- */

/* Renumbers labels[n] (each < n_ids) 0..k-1 in order of first appearance;
 * map: scratch of n_ids. */
void som__cluster_relabel(uint32_t *labels, size_t n, size_t n_ids, uint32_t *map);

/* Ward's agglomeration of a grid's units where only clusters that touch on
 * the grid may merge. x: n_units x dim vectors. Start: region[u] (< n_regions)
 * groups the units into the first clusters (NULL: each unit its own, and
 * n_regions = n_units); a region's centre is the w-weighted mean of its
 * units (w NULL: weight 1 each) and its size the sum of their weights, so
 * a unit of weight 0 is carried along by its region without pulling on its
 * centre (every region needs some weight). Merges down to k_min clusters;
 * whenever the count is within k_min..k_max, out[(count - k_min) * n_units
 * ...] receives each unit's cluster (renumbered in order of first unit).
 * height (may be NULL; n_regions + 1 values) receives at [c] the cost of
 * the merge that took c clusters to c - 1, for c = k_min + 1 .. n_regions
 * (others untouched). Once free_below or fewer clusters are left, any two
 * may merge (0: never; every cluster stays contiguous). Errors:
 * SOM_ENOMEM, SOM_ECANCELED. */
int som__ward_grid(const float *x, const double *w, const uint32_t *region, size_t n_regions,
                   const som_grid *grid, size_t dim, size_t k_min, size_t k_max,
                   size_t free_below, uint32_t *out, double *height, som_error *err);

/* The default clustering (SOM_CLUSTER_AUTO, cluster_auto.c) of the map's
 * units x (n_units x dim, the scaled and weighted codebook) weighted by
 * hits (NULL: one each): labels[n_units] and the result's k, scores and
 * flags. */
int som__cluster_auto(const som_map *m, const float *x, const som_cluster_opts *o,
                      size_t k_min, size_t k_max, uint32_t *labels, som_cluster_result *res,
                      som_error *err);

/* ---- fill.c: estimating fields from a map by a fill method ---------------- */
/* A map and a fill method ready to estimate rows (SOM_FILL_SMOOTH smooths
 * the codebook once here). opts NULL: the default method. */
typedef struct som__filler som__filler;
int som__filler_new(const som_map *map, const som_fill_opts *opts, int threads,
                    som__filler **out, som_error *err);
void som__filler_free(som__filler *f);
/* For n rows x (original units, n x dim) searched over the fields in
 * `search` (n x dim, NULL: all; every row must have one): est (n x dim)
 * receives the estimate of every field in original units, bmu[n] each
 * row's best unit. Allocates nothing but what the best unit's search
 * (SOM_FILL_BMU) does. */
int som__filler_rows(const som__filler *f, const float *x, const uint8_t *search, size_t n,
                     float *est, size_t *bmu, int threads, som_error *err);

#endif /* SOM_ANALYSIS_H */
