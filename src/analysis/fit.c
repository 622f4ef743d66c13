/* SPDX-License-Identifier: MIT */
/* fit.c — the whole fit: settings beyond training (som_fit_opts) and the
 * pipeline from data to a trained map that every front-end calls. */
#include "analysis/analysis.h"

#include <string.h>

void som_fit_opts_init(som_fit_opts *o)
{
    memset(o, 0, sizeof *o);
    som_train_opts_init(&o->train);
    o->grid.topology = SOM_RECT;
    o->scaling = SOM_SCALE_ZSCORE;
}

void som_fit_opts_clear(som_fit_opts *o)
{
    som__free(o->init_codebook);
    som__free(o->targets);
    som__free(o->weights);
    som__free(o->checkpoint);
    som_fit_opts_init(o);
}
