/* SPDX-License-Identifier: MIT */
/* names.c — the names of the enums of som.h, one list each, as the model
 * files, the JSON exports and every front-end write and read them. */
#include "core/core.h"

#include <string.h>

/* Indexed by the enum values, which run 0, 1, 2, ... (the settings table
 * points at some of them: core.h). */
const char *const som__topology_names[] = {"rect", "hex", NULL};
const char *const som__scaling_names[] = {"none", "zscore", "minmax", NULL};
const char *const som__algorithm_names[] = {"online", "batch", NULL};
const char *const som__init_names[] = {"random", "pca", "sample", "keep", NULL};
const char *const som__schedule_names[] = {"linear", "exp", "inverse", "mql", NULL};
const char *const som__neighborhood_names[] = {"gaussian",     "cutgauss",    "bubble",
                                               "epanechnikov", "mexican-hat", NULL};
const char *const som__distance_names[] = {"euclidean", "cosine", "manhattan", "chebyshev",
                                           NULL};
const char *const som__radius_schedule_names[] = {"same", "linear", "exp", "inverse", NULL};
const char *const som__order_names[] = {"shuffled", "cyclic", NULL};
static const char *const cluster_method[] = {"kmeans", "ward", NULL};
static const char *const setting_type[] = {"choice", "size", "number", "pair",
                                           "grid",   "flag", "text",   NULL};
static const char *const setting_group[] = {"map", "training", "supervised", NULL};

static const char *const *const lists[] = {
    [SOM_ENUM_TOPOLOGY] = som__topology_names,
    [SOM_ENUM_SCALING] = som__scaling_names,
    [SOM_ENUM_ALGORITHM] = som__algorithm_names,
    [SOM_ENUM_INIT] = som__init_names,
    [SOM_ENUM_SCHEDULE] = som__schedule_names,
    [SOM_ENUM_NEIGHBORHOOD] = som__neighborhood_names,
    [SOM_ENUM_CLUSTER_METHOD] = cluster_method,
    [SOM_ENUM_SETTING_TYPE] = setting_type,
    [SOM_ENUM_SETTING_GROUP] = setting_group,
    [SOM_ENUM_DISTANCE] = som__distance_names,
    [SOM_ENUM_RADIUS_SCHEDULE] = som__radius_schedule_names,
    [SOM_ENUM_ORDER] = som__order_names,
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
