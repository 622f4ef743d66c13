/* SPDX-License-Identifier: MIT */
/* deprecated.c — the io layer's calls of the previous release under their
 * old names, each now one call of its replacement (som.h, "Deprecated
 * names"). Kept for one release. */
#include "io/io.h"

int som_npy_shape(const char *path, size_t *n_rows, size_t *dim, som_error *err)
{
    return som_data_npy_shape(path, n_rows, dim, err);
}

void som_set_input_limit(size_t bytes) { som_input_limit_set(bytes); }
