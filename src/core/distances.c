/* SPDX-License-Identifier: MIT */
/* distances.c — som_map_distances: the distance of rows to every unit (the
 * Python package's transform), in the map's own metric: the scaled space,
 * its feature weights, each row's present fields; in double, so that the
 * BMU's entry is the distance som_map_bmus reports. */
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
    float *row = som__malloc(dim * sizeof *row);
    if (!row) return som__error_oom(err);
    int rc = SOM_OK;
    for (size_t r = 0; r < count; r++) {
        const size_t i = first + r;
        if ((r & 63) == 0 && (rc = som__cancel_check(err)) != SOM_OK) break;
        som_map_scale_row(m, d->x + i * dim, row);
        const uint8_t *mask = d->mask ? d->mask + i * dim : NULL;
        float *o = out + r * nu;
        for (size_t u = 0; u < nu; u++) {
            const float *w = m->codebook + u * dim;
            double s = 0.0;
            for (size_t j = 0; j < dim; j++) {
                if (mask && !mask[j]) continue;
                const double diff = (double)row[j] - (double)w[j];
                s += (m->fweight ? m->fweight[j] : 1.0) * diff * diff;
            }
            o[u] = (float)sqrt(s);
        }
    }
    som__free(row);
    return rc;
}
