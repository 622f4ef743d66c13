/* SPDX-License-Identifier: MIT */
/* fit.c — the whole fit: the pipeline from data and settings (som_fit_opts,
 * whose table, defaults and rules are src/core/settings.c) to a trained map
 * that every front-end calls. */
#include "analysis/analysis.h"

#include <string.h>
