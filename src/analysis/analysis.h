/* SPDX-License-Identifier: MIT */
/* analysis.h — the internal header of the analysis layer (src/analysis/),
 * over io.h (and so core.h): what the analysis files share. Never
 * installed. */
#ifndef SOM_ANALYSIS_H
#define SOM_ANALYSIS_H

#include "io/io.h"

#endif /* SOM_ANALYSIS_H */
