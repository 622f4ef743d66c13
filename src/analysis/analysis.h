/* SPDX-License-Identifier: MIT */
/* analysis.h — the internal header of the analysis layer (src/analysis/),
 * over io.h (and so core.h): what the analysis files share. Never
 * installed. */
#ifndef SOM_ANALYSIS_H
#define SOM_ANALYSIS_H

#include "io/io.h"

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
