/* SPDX-License-Identifier: MIT */
/* distances.c — som_map_distances: the distance of rows to every unit (the
 * Python package's transform), in the map's own distance (som.h, "the
 * distance"): the scaled space, the feature weights on the coordinates (the
 * float sqrt(w_j) copies the winner search uses), each row's present
 * fields, exact in double (som__dist2_exact), so that a row's entry at its
 * BMU is the distance som_map_bmus reports. */
#include "core/core.h"

#include <math.h>

int som_map_distances(const som_map *m, const som_data *d, size_t first, size_t count, float *out,
                      som_error *err)
{
    if (!m || !d || !out) return som__error(err, SOM_EINVAL, "som_map_distances: NULL argument");
    if (d->dim != m->dim)
        return som__error(err, SOM_EDIM, "the data has %zu fields, the map %zu", d->dim, m->dim);
    if (first > d->n || count > d->n - first)
        return som__error(err, SOM_ERANGE, "rows %zu to %zu (counted from 1) are outside the data's %zu rows",
                          first + 1, first + count, d->n);
    const size_t dim = m->dim, nu = m->n_units;
    float *row = som__malloc(dim * sizeof *row), *wrow = NULL, *wcb = NULL;
    if (m->fsqrt) {
        wrow = som__malloc(dim * sizeof *wrow);
        wcb = som__malloc(nu * dim * sizeof *wcb);
    }
    if (!row || (m->fsqrt && (!wrow || !wcb))) {
        som__free(row);
        som__free(wrow);
        som__free(wcb);
        return som__error_oom(err);
    }
    const float *cb = m->codebook;
    if (m->fsqrt) {
        som__weight_rows(m->fsqrt, m->codebook, nu, dim, wcb);
        cb = wcb;
    }
    int rc = SOM_OK;
    for (size_t r = 0; r < count; r++) {
        const size_t i = first + r;
        if ((r & 63) == 0 && (rc = som__cancel_check(err)) != SOM_OK) break;
        som_map_scale_row(m, d->x + i * dim, row);
        const uint8_t *mask = d->mask ? d->mask + i * dim : NULL;
        if (mask)
            for (size_t j = 0; j < dim; j++)
                if (!mask[j]) row[j] = 0.0f;
        const float *x = row;
        if (m->fsqrt) {
            som__weight_rows(m->fsqrt, row, 1, dim, wrow);
            x = wrow;
        }
        float *o = out + r * nu;
        for (size_t u = 0; u < nu; u++) o[u] = (float)sqrt(som__dist2_exact(m->distance, cb + u * dim, x, mask, dim));
    }
    som__free(row);
    som__free(wrow);
    som__free(wcb);
    return rc;
}
