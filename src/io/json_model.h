/* SPDX-License-Identifier: MIT */
/* json_model.h — what the .json model writer (json.c) and reader
 * (json_read.c) share: the names of the enums as the file spells them.
 * The layout is in doc/FORMAT.md, "JSON models". Never installed. */
#ifndef SOM_JSON_MODEL_H
#define SOM_JSON_MODEL_H

#include "core/core.h"

#define SOM__JSON_FORMAT "som-map"
#define SOM__JSON_VERSION 1

/* Indexed by the enum's value. */
extern const char *const som__json_topology_names[2];
extern const char *const som__json_scaling_names[3];
extern const char *const som__json_algorithm_names[2];
extern const char *const som__json_init_names[4];
extern const char *const som__json_schedule_names[4];
extern const char *const som__json_hood_names[5];

/* The reader (a som__mem_reader): a .json model in buf[0..len) into a new
 * map (*(som_map **)out). Errors (SOM_EFORMAT) name the file, line and
 * column: jansson's for text that is not JSON, the place of the offending
 * value for JSON that is not a model. */
int som__map_read_json_mem(const char *buf, size_t len, const char *name, void *out,
                           som_error *err);

#endif /* SOM_JSON_MODEL_H */
