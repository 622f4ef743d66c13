/* SPDX-License-Identifier: MIT */
/* schedule.c — training defaults and the radius/rate schedules (formulas in
 * som.h); the neighbourhood functions are in neighbourhood.c. */
#include "core/core.h"

#include <math.h>
#include <string.h>

void som_train_opts_init(som_train_opts *o)
{
    memset(o, 0, sizeof *o);
    o->algorithm = SOM_BATCH;
    o->epochs = 10;
    o->iterations = 0;
    o->init = SOM_INIT_PCA;
    o->radius0 = -1.0;
    o->radius1 = -1.0;
    o->rate0 = -1.0;
    o->rate1 = -1.0;
    o->schedule = SOM_SCHEDULE_EXP;
    o->neighborhood = SOM_NEIGHBORHOOD_GAUSSIAN;
    o->neighbor_rate = 1.0;
    o->seed = 1;
    o->threads = 0;
    o->quality_every = 1;
}

void som__train_opts_resolve(som_train_opts *o, const som_grid *g)
{
    if (o->radius0 < 0.0) {
        /* A PCA (or given) codebook is already ordered, so the rough
         * ordering phase of a wide radius only undoes it: start at a quarter
         * of the longer side, as the SOM Toolbox does after linear
         * initialisation, and at half of it after a random start. */
        double side = (double)(g->rows > g->cols ? g->rows : g->cols);
        bool ordered = o->init == SOM_INIT_PCA || o->init == SOM_INIT_KEEP;
        o->radius0 = ordered ? side / 4.0 : side / 2.0;
        if (o->radius0 < 1.0) o->radius0 = 1.0;
    }
    if (o->radius1 < 0.0) o->radius1 = 1.0;
    if (o->rate0 < 0.0) o->rate0 = o->schedule == SOM_SCHEDULE_MQL ? 0.1 : 0.5;
    if (o->rate1 < 0.0) o->rate1 = 0.01;
}

void som__schedule(const som_train_opts *o, size_t k, size_t n_steps, double *sigma,
                   double *alpha)
{
    double t = n_steps > 1 ? (double)k / (double)(n_steps - 1) : 0.0;
    double R0 = o->radius0, R1 = o->radius1, A0 = o->rate0, A1 = o->rate1;
    switch (o->schedule) {
    case SOM_SCHEDULE_LINEAR:
        *sigma = R0 + (R1 - R0) * t;
        *alpha = A0 + (A1 - A0) * t;
        break;
    case SOM_SCHEDULE_EXP:
        *sigma = R0 * pow(R1 / R0, t);
        *alpha = A0 * pow(A1 / A0, t);
        break;
    case SOM_SCHEDULE_INVERSE: {
        double A = o->inverse_a, B = o->inverse_b;
        if (A <= 0.0 || B <= 0.0) {
            B = (double)n_steps / 100.0;
            if (B < 1.0) B = 1.0;
            A = A0 * B;
        }
        *sigma = R0 + (R1 - R0) * t;
        *alpha = A / ((double)k + B);
        break;
    }
    case SOM_SCHEDULE_MQL:
    default:
        /* The MQL5 lineage (SPEC-seeds B3): lambda = N / ln R0, so sigma
         * reaches 1 at k = N; the rate of iteration 0 is A0, and iteration
         * k >= 1 uses the value computed after iteration k-1. */
        if (R0 > 1.0) {
            double lambda = (double)n_steps / log(R0);
            *sigma = R0 * exp(-(double)k / lambda);
        } else {
            *sigma = R0;
        }
        *alpha = k == 0 ? A0 : A0 * exp(-(double)(k - 1) / (double)n_steps);
        break;
    }
    switch (o->radius_schedule) {
    case SOM_RADIUS_LINEAR: *sigma = R0 + (R1 - R0) * t; break;
    case SOM_RADIUS_EXP: *sigma = R0 * pow(R1 / R0, t); break;
    case SOM_RADIUS_INVERSE:
        if (R1 < R0) {
            double B = (double)n_steps * R1 / (R0 - R1);
            *sigma = R0 * B / ((double)k + B);
        } else {
            *sigma = R0;
        }
        break;
    case SOM_RADIUS_SAME:
    default: break;
    }
}
