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

/* Interim: the string settings only, until the settings table takes over
 * every entry (issue 15). */
int som_fit_opts_set(som_fit_opts *o, const char *name, const char *value, som_error *err)
{
    char **slot = NULL;
    if (strcmp(name, "init-codebook") == 0) slot = &o->init_codebook;
    else if (strcmp(name, "target") == 0) slot = &o->targets;
    else if (strcmp(name, "weights") == 0) slot = &o->weights;
    else if (strcmp(name, "checkpoint") == 0) slot = &o->checkpoint;
    if (!slot) return som__error(err, SOM_EINVAL, "unknown setting '%s'", name);
    char *copy = value ? som__strdup(value) : NULL;
    if (value && !copy) return som__error_oom(err);
    som__free(*slot);
    *slot = copy;
    return SOM_OK;
}
