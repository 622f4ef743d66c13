/* SPDX-License-Identifier: MIT */
/* deprecated.c — the core's calls of the previous release under their old
 * names, each now one call of its noun-first replacement that takes a
 * som_error (som.h, "Deprecated names"). Kept for one release. */
#include "core/core.h"

int som_map_bmu(const som_map *map, const float *x, const uint8_t *mask, size_t *unit,
                double *dist)
{
    return som_map_bmu_vector(map, x, mask, unit, dist, NULL);
}

int som_map_bmu_first(const som_map *map, const float *x, size_t n_fields, size_t *unit,
                      double *dist)
{
    return som_map_bmu_vector_first(map, x, n_fields, unit, dist, NULL);
}

int som_map_set_titles_from(som_map *map, const som_data *data)
{
    return som_map_set_titles_from_data(map, data, NULL);
}

int som_set_allocator(void *(*malloc_fn)(size_t), void *(*realloc_fn)(void *, size_t),
                      void (*free_fn)(void *))
{
    return som_allocator_set(malloc_fn, realloc_fn, free_fn, NULL);
}
