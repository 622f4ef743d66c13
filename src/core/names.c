/* SPDX-License-Identifier: MIT */
/* names.c — the names of the enums of som.h, one list each, as the model
 * files, the JSON exports and every front-end write and read them. */
#include "core/core.h"

#include <string.h>

/* Indexed by the enum values, which run 0, 1, 2, ... */
static const char *const topology[] = {"rect", "hex", NULL};
static const char *const scaling[] = {"none", "zscore", "minmax", NULL};
static const char *const algorithm[] = {"online", "batch", NULL};
static const char *const init[] = {"random", "pca", "sample", "keep", NULL};
static const char *const schedule[] = {"linear", "exp", "inverse", "mql", NULL};
static const char *const neighborhood[] = {"gaussian",     "cutgauss",    "bubble",
                                           "epanechnikov", "mexican-hat", NULL};
static const char *const cluster_method[] = {"kmeans", "ward", NULL};
static const char *const setting_type[] = {"choice", "size", "number", "pair",
                                           "grid",   "flag", "text",   NULL};
static const char *const setting_group[] = {"map", "training", "supervised", NULL};

static const char *const *const lists[] = {
    [SOM_ENUM_TOPOLOGY] = topology,
    [SOM_ENUM_SCALING] = scaling,
    [SOM_ENUM_ALGORITHM] = algorithm,
    [SOM_ENUM_INIT] = init,
    [SOM_ENUM_SCHEDULE] = schedule,
    [SOM_ENUM_NEIGHBORHOOD] = neighborhood,
    [SOM_ENUM_CLUSTER_METHOD] = cluster_method,
    [SOM_ENUM_SETTING_TYPE] = setting_type,
    [SOM_ENUM_SETTING_GROUP] = setting_group,
};

const char *const *som_enum_names(som_enum e)
{
    return (unsigned)e < sizeof lists / sizeof lists[0] ? lists[e] : NULL;
}

const char *som_enum_name(som_enum e, int value)
{
    const char *const *names = som_enum_names(e);
    if (!names || value < 0) return "?";
    for (int i = 0; names[i]; i++)
        if (i == value) return names[i];
    return "?";
}

int som_enum_value(som_enum e, const char *name)
{
    const char *const *names = som_enum_names(e);
    if (!names || !name) return SOM_EINVAL;
    for (int i = 0; names[i]; i++)
        if (strcmp(name, names[i]) == 0) return i;
    return SOM_EINVAL;
}
