/* SPDX-License-Identifier: MIT */
/* train_online.c — the seeds' rule, one sample at a time. Every pass takes
 * the samples in a fresh random permutation, so each one is presented
 * exactly once per pass (the guarantee of the MQL5 article's C_PRNG_UD),
 * or with order cyclic in their own order (SOM_PAK's vsom, MiniSom).
 * For sample x with winner b, every unit i moves
 *     w_i += alpha * beta_i * h(d(i,b), sigma) * (x - w_i)
 * on the present components only (beta_i = 1 for the winner); a step
 * below SOM__MIN_STEP (2^-40) is skipped as below float resolution
 * (online_update.c, "one online step's update"). A sample's
 * weight (SOM_PAK weight=W) multiplies alpha for that sample, and a fixed
 * sample (SOM_PAK fixed=X,Y) takes its fixed unit as winner, as SOM_PAK's
 * vsom does. */
#include "core/core.h"

#include <math.h>

int som__online_steps(som_trainer *t, size_t n_steps, som_error *err)
{
    som_map *m = t->map;
    const size_t dim = m->dim, n_units = m->n_units;
    const size_t n = t->sx.n;
    const bool mql = t->opts.schedule == SOM_SCHEDULE_MQL;
    const som_neighborhood kind = mql ? SOM_NEIGHBORHOOD_CUTGAUSS : t->opts.neighborhood;
    const double beta = t->opts.neighbor_rate;
    float *cb = m->codebook;
    const double *weight = t->data->weight;
    /* Feature weights: the winner is searched among weighted copies (som.h,
     * "per-feature weights"); the copy of a unit is renewed when it moves. */
    const float *fs = m->fsqrt;
    if (fs) {
        if (!t->wcb) t->wcb = som__aligned_calloc(n_units * dim, sizeof *t->wcb);
        if (!t->wrow) t->wrow = som__calloc(dim, sizeof *t->wrow);
        if (!t->wcb || !t->wrow) return som__error_oom(err);
        som__weight_rows(fs, cb, n_units, dim, t->wcb);
    }
    /* Without feature weights, each step's update also measures the units'
     * float distances to the next step's sample (when it is known: the
     * same pass, the same call), so that step's search skips its first
     * sweep. The winner is the same either way (som__bmu_fast_given). */
    const som_distance dkind = m->distance;
    const bool euclid = dkind == SOM_DISTANCE_EUCLIDEAN;
    float *fd = fs || !euclid ? NULL : som__malloc(n_units * sizeof *fd);
    /* Other distances: scratch for their float distances (distance.c). */
    float *lanes = euclid ? NULL : som__malloc(n_units * sizeof *lanes);
    if (!euclid && !lanes) return som__error_oom(err);
    bool have_fd = false;
    float fmin = INFINITY;

    /* Between two steps the run is consistent and resumable: a
     * cancellation stops there, every 64 steps (a step costs at least a
     * pass over the codebook, so the poll is free and the wait short). */
    som_cancel *cancel = som__cancel_token();
    int rc = SOM_OK;
    for (size_t s = 0; s < n_steps; s++) {
        if ((s & 63) == 0 && som__cancel_hit(cancel)) {
            rc = som__error(err, SOM_ECANCELED, "interrupted");
            break;
        }
        if (t->perm_pos == n) {
            /* Cyclic order keeps the identity permutation of the trainer. */
            if (t->opts.order != SOM_ORDER_CYCLIC) som__rng_shuffle(&t->rng, t->perm, n);
            t->perm_pos = 0;
        }
        size_t i = t->perm[t->perm_pos++];
        som__schedule(&t->opts, t->step, t->n_steps, &t->sigma, &t->alpha);
        const float *x = t->sx.x + i * dim;
        const uint8_t *mk = t->sx.mask ? t->sx.mask + i * dim : NULL;
        size_t b = som__data_fixed_unit(t->data, &m->grid, i, err);
        if (b == SOM__FIXED_BAD) {
            t->bmu_valid = false; /* earlier steps moved the codebook */
            som__free(fd);
            som__free(lanes);
            return SOM_ERANGE;
        }
        if (b == SIZE_MAX && !euclid) {
            /* Other distances: the plain search's unit, found with
             * vectorised float distances (distance.c), on the weighted
             * copies when there are weights. som_trainer_new refuses
             * rows without a present field. */
            if (fs) som__weight_rows(fs, x, 1, dim, t->wrow);
            b = som__bmu_rows(dkind, fs ? t->wcb : cb, n_units, dim, fs ? t->wrow : x, mk, lanes);
        } else if (b == SIZE_MAX && fs) {
            som__weight_rows(fs, x, 1, dim, t->wrow);
            b = som__bmu_fast(t->wcb, n_units, dim, t->wrow, mk, NULL);
        } else if (b == SIZE_MAX) {
            b = have_fd ? som__bmu_fast_given(cb, n_units, dim, x, mk, fd, fmin, NULL)
                        : som__bmu_fast(cb, n_units, dim, x, mk, NULL);
        }
        const double alpha = weight ? t->alpha * weight[i] : t->alpha;
        som__online_weights(&t->dist, b, kind, mql, t->sigma, beta, t->h);
        /* h < 0 (the Mexican hat beyond sigma) pushes a unit away. */
        if (fs) {
            for (size_t u = 0; u < n_units; u++)
                if (fabs(alpha * t->h[u]) >= SOM__MIN_STEP) {
                    som__online_move(cb + u * dim, x, mk, (float)(alpha * t->h[u]), dim);
                    som__weight_rows(fs, cb + u * dim, 1, dim, t->wcb + u * dim);
                }
        } else {
            const float *next = NULL;
            const uint8_t *next_mk = NULL;
            if (fd && s + 1 < n_steps && t->perm_pos < n) {
                size_t i2 = t->perm[t->perm_pos];
                next = t->sx.x + i2 * dim;
                next_mk = t->sx.mask ? t->sx.mask + i2 * dim : NULL;
            }
            fmin = som__online_update(cb, n_units, dim, x, mk, alpha, t->h, next, next_mk, fd);
            have_fd = next != NULL;
        }
        t->step++;
    }
    som__free(fd);
    som__free(lanes);
    t->bmu_valid = false;
    return rc;
}
