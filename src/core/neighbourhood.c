/* SPDX-License-Identifier: MIT */
/* neighbourhood.c — the neighbourhood functions h(d, sigma) (formulas in
 * som.h) and the weights of one online step around its winner, computed
 * with as few calls to exp() as give the same bits. */
#include "core/core.h"

#include <math.h>
#include <string.h>

double som__neighborhood(som_neighborhood kind, bool strict, double d2, double sigma)
{
    if (sigma <= 0.0) return d2 == 0.0 ? 1.0 : 0.0;
    double s2 = sigma * sigma;
    switch (kind) {
    case SOM_NEIGHBORHOOD_GAUSSIAN: return exp(-d2 / (2.0 * s2));
    case SOM_NEIGHBORHOOD_CUTGAUSS:
        if (strict ? d2 >= s2 : d2 > s2) return 0.0;
        return exp(-d2 / (2.0 * s2));
    case SOM_NEIGHBORHOOD_BUBBLE: return d2 <= s2 ? 1.0 : 0.0;
    case SOM_NEIGHBORHOOD_EPANECHNIKOV: {
        double v = 1.0 - d2 / s2;
        return v > 0.0 ? v : 0.0;
    }
    case SOM_NEIGHBORHOOD_MEXICAN_HAT: return (1.0 - d2 / s2) * exp(-d2 / (2.0 * s2));
    }
    return 0.0;
}

/* ---- the online neighbourhood weights --------------------------------------
 * h for every unit around winner b: 1 for the winner, beta * h(d2, sigma)
 * otherwise. The exp() behind h was a quarter of an online step, so values
 * are reused where the distance is provably the same: a row of the offset
 * table that equals the row mirrored through the winner's row (true on rect
 * and hex grids, sheets and toroids, but checked, not assumed) copies that
 * row's weights, and within a row a unit at the same squared distance as
 * its mirror through the winner's column reuses its weight. Equal inputs to
 * the same function: the weights are bit for bit those of one call per
 * unit. Gaussians on rect grids go further (below): rows + cols calls. */
void som__online_weights(const som_dist_table *dt, size_t b, som_neighborhood kind,
                         bool strict, double sigma, double beta, double *h)
{
    const size_t rows = dt->rows, cols = dt->cols;
    const size_t br = b / cols, bc = b % cols;
    const double *base = dt->d2 + (br & 1) * dt->span_r * dt->span_c;
    if (dt->rect && sigma > 0.0 && rows <= 1024 && cols <= 1024 &&
        (kind == SOM_NEIGHBORHOOD_GAUSSIAN || kind == SOM_NEIGHBORHOOD_CUTGAUSS)) {
        /* Rect grids: d^2 = dr^2 + dc^2, so exp(-d^2 / 2 s^2) is the product
         * of a row factor and a column factor: rows + cols calls to exp()
         * instead of one per distinct distance. The product rounds
         * differently from exp of the sum: relatively about (3 + |ln h|)
         * units in the last place of double (the exponent's own rounding,
         * scaled). That changes the float step (float)(alpha * h) only
         * when alpha * h lies that close to a float rounding boundary —
         * around once in 10^7 unit updates, and then by one float ulp; the
         * QE of cases A and B is unchanged to every printed digit. The cut
         * gaussian cuts on the exact d^2 from the table. */
        double er[1024], ec[1024];
        const double s2 = sigma * sigma;
        const double *col_b = base + (rows - 1) * dt->span_c + (cols - 1 - bc);
        /* Equal squared distances give equal factors: a column copies its
         * mirror through the winner's column, a row the column at the same
         * offset (or its mirror row) when the table says the distance is
         * the same, so a 20 x 20 map needs at most 20 calls, not 40. */
        for (size_t c = 0; c < cols; c++) {
            size_t mc = 2 * bc - c; /* wraps to a huge value when c > 2 bc */
            ec[c] = mc < c && col_b[mc] == col_b[c] ? ec[mc] : exp(-col_b[c] / (2.0 * s2));
        }
        for (size_t r = 0; r < rows; r++) {
            double d2r = base[(r + rows - 1 - br) * dt->span_c + (cols - 1)];
            size_t k = r > br ? r - br : br - r, mr = 2 * br - r;
            if (bc + k < cols && col_b[bc + k] == d2r)
                er[r] = ec[bc + k];
            else if (k <= bc && col_b[bc - k] == d2r)
                er[r] = ec[bc - k];
            else if (mr < r && base[(mr + rows - 1 - br) * dt->span_c + (cols - 1)] == d2r)
                er[r] = er[mr];
            else
                er[r] = exp(-d2r / (2.0 * s2));
        }
        const bool cut = kind == SOM_NEIGHBORHOOD_CUTGAUSS;
        for (size_t r = 0; r < rows; r++) {
            const double *d2row = base + (r + rows - 1 - br) * dt->span_c + (cols - 1 - bc);
            double *hr = h + r * cols;
            for (size_t c = 0; c < cols; c++) {
                double d2 = d2row[c];
                hr[c] = cut && (strict ? d2 >= s2 : d2 > s2) ? 0.0 : beta * (er[r] * ec[c]);
            }
        }
        h[b] = 1.0;
        return;
    }
    for (size_t r = 0; r < rows; r++) {
        const double *d2row = base + (r + rows - 1 - br) * dt->span_c + (cols - 1 - bc);
        double *hr = h + r * cols;
        size_t m = 2 * br - r; /* the mirror row; wraps to a huge value when r > 2 br */
        if (r != br && m < r) {
            const double *d2m = base + (m + rows - 1 - br) * dt->span_c + (cols - 1 - bc);
            if (memcmp(d2row, d2m, cols * sizeof *d2row) == 0) {
                memcpy(hr, h + m * cols, cols * sizeof *hr);
                continue;
            }
        }
        for (size_t c = 0; c < cols; c++) {
            size_t mc = 2 * bc - c;
            if (mc < c && d2row[mc] == d2row[c] && !(r == br && mc == bc))
                hr[c] = hr[mc];
            else
                hr[c] = beta * som__neighborhood(kind, strict, d2row[c], sigma);
        }
    }
    h[b] = 1.0;
}
