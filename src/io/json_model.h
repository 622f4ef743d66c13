/* SPDX-License-Identifier: MIT */
/* json_model.h — what the .json model writer (json.c) and reader
 * (json_read.c) share: the names of the enums as the file spells them.
 * The layout is in doc/FORMAT.md, "JSON models". Never installed. */
#ifndef SOM_JSON_MODEL_H
#define SOM_JSON_MODEL_H

#include "core/core.h"
#include "som_json.h"

#include <locale.h>
#include <stdio.h>

#define SOM__JSON_FORMAT "som-map"
#define SOM__JSON_VERSION 1

/* Indexed by the enum's value. */
extern const char *const som__json_topology_names[2];
extern const char *const som__json_scaling_names[3];
extern const char *const som__json_algorithm_names[2];
extern const char *const som__json_init_names[4];
extern const char *const som__json_schedule_names[4];
extern const char *const som__json_hood_names[5];

/* The JSON writer one member at a time (json_write.c), so that a large
 * codebook is written a row at a time instead of built as one tree:
 * som_json_write is begin, a member or a run of rows per key, end. Every
 * call consumes v (steals its reference; NULL: out of memory, which end
 * reports). */
typedef struct som__jw {
    FILE *f;
    som_json_layout layout;
    bool in_string, escaped; /* where the text dumped so far ends */
    bool failed, oom;        /* a write failed; an allocation failed */
    size_t members, rows;    /* written so far: the object's, the array's */
    locale_t loc, old;       /* the C locale while writing, the caller's */
} som__jw;
void som__jw_begin(som__jw *w, FILE *f, som_json_layout layout);
void som__jw_member(som__jw *w, const char *key, json_t *v);
void som__jw_rows_begin(som__jw *w, const char *key); /* "key":[ */
void som__jw_row(som__jw *w, json_t *v);
/* A row of floats, each %.9g (which reads back as the same float). */
void som__jw_row_floats(som__jw *w, const float *v, size_t n);
void som__jw_rows_end(som__jw *w);
/* Closes the object, restores the locale: SOM_OK, SOM_EIO or SOM_ENOMEM. */
int som__jw_end(som__jw *w, som_error *err);

/* The reader: a .json model in buf[0..len) into a new map *out (NULL on
 * failure). Errors (SOM_EFORMAT) name the file, line and
 * column: jansson's for text that is not JSON, the place of the offending
 * value for JSON that is not a model. */
int som__map_read_json_mem(const char *buf, size_t len, const char *name, som_map **out,
                           som_error *err);

#endif /* SOM_JSON_MODEL_H */
