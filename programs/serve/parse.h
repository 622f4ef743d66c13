/* SPDX-License-Identifier: MIT */
/* parse.h — the parsers of som serve's request bodies and query strings,
 * as pure functions: bytes (or query arguments) in, a checked value or a
 * status and a message out. They touch no connection, store, lock or
 * global, so that fuzz/fuzz_http_body.c can feed them arbitrary input
 * without a server; the handlers call them and only reply.
 *
 * Every parser returns 0 with its outputs filled, or an HTTP status (4xx
 * for the client's mistakes, 503 when memory ran out) with a non-empty
 * message in msg, its outputs untouched or freed: nothing to release. */
#ifndef SOM_SERVE_PARSE_H
#define SOM_SERVE_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "som.h"
#include "som_art.h"
#include "som_render.h"

/* Query arguments, looked up by key: libmicrohttpd's for a request, a
 * table for the fuzz target. get returns NULL for an absent key. */
typedef struct serve_query {
    const char *(*get)(const void *ctx, const char *key);
    const void *ctx;
} serve_query;

/* Longest id kept from a body: longer than any id the server makes, and as
 * much as a message shows ("no data set '%.64s'"). */
#define PARSE_ID_MAX 64

/* ---- POST /api/jobs ------------------------------------------------------ */

typedef struct job_settings {
    bool has_dataset;                /* the body named a data set */
    char dataset[PARSE_ID_MAX + 1];  /* its id, cut at PARSE_ID_MAX bytes */
    som_fit_opts fit;                /* grid (never automatic), scaling,
                                        training; callbacks and threads not
                                        set; owns its strings */
    double pace;                     /* passes per second, 0: no pacing */
} job_settings;

/* Frees what parse_job_settings left in *s (nothing after a refusal). */
void job_settings_clear(job_settings *s);

/* GET /api/settings: {"settings": [ENTRY, ...]}, the library's settings
 * table (doc/API.md); "api" is false for the entries jobs do not take. */
json_t *parse_settings_table_json(void);

/* The settings of a job (doc/API.md "Jobs"), through the library's
 * settings table (som_fit_opts_set: the same checks and messages as `som
 * train`), defaults filled in. When the
 * body is an object with a "dataset" string, has_dataset and dataset are
 * set even if another setting is refused: an unknown data set is answered
 * first (404). What depends on the data set (epochs x rows) is the
 * handler's to check. */
unsigned parse_job_settings(const char *body, size_t len, job_settings *out, char *msg,
                            size_t size);

/* ---- POST /api/jobs/ID/cluster ----------------------------------------------- */

/* Clustering options from a JSON object (an empty body: the defaults):
 * "k" a whole number from 1 to SERVE_MAX_UNITS or "auto" (the default: the
 * k of lowest Davies-Bouldin index from k_min to k_max, default 2 to 10),
 * "method" "kmeans" (default) or "ward", "seed". The map's own limits
 * (k <= units) are the library's to check. */
unsigned parse_cluster_opts(const char *body, size_t len, som_cluster_opts *out, char *msg,
                            size_t size);
extern const char *const cluster_method_names[];

/* ---- data sets and models --------------------------------------------------- */

/* A name for people from ?name=: letters, digits and ". _ -" and spaces,
 * at most 64 bytes; anything else gives dflt. Never a file name. */
void parse_clean_name(const char *in, const char *dflt, char *out, size_t size);

/* CSV reading options from the query: header=auto|yes|no,
 * delimiter=auto|comma|semicolon|tab, label_column=TITLE (o->label_column
 * then points into the query's storage). */
unsigned parse_csv_options(const serve_query *q, som_csv_opts *o, char *msg, size_t size);

/* The status of a som_error: 503 out of memory, 500 I/O, 422 a dimension
 * mismatch, else 400. */
unsigned parse_som_error_status(const som_error *err);

/* A data reader's error (a CSV's) in words for a person: "FILE, line L:
 * what" instead of som_error's "FILE:L:C: what"; *field is the form field
 * at fault: "label_column" when the reader suggests a column of text may
 * be the labels, else "file". */
void parse_data_message(const som_error *err, char *msg, size_t size, const char **field);

/* POST /api/datasets: a CSV body read with the query's options into *out,
 * its label (?name=) in name. */
unsigned parse_dataset_upload(const char *body, size_t len, const serve_query *q,
                              som_data **out, char *name, size_t name_size, char *msg,
                              size_t size);

/* POST /api/maps with a file body: a .som (by its magic) or a .somnet. */
unsigned parse_model_upload(const char *body, size_t len, const serve_query *q, som_map **out,
                            char *name, size_t name_size, char *msg, size_t size);

/* POST /api/maps with a JSON body: {"job": ID}, the id cut at
 * PARSE_ID_MAX bytes. */
unsigned parse_map_copy(const char *body, size_t len, char job_id[PARSE_ID_MAX + 1], char *msg,
                        size_t size);

/* POST /api/maps/ID/map: rows for `map`, as CSV (csv: the query's options,
 * columns matched to the map's fields by title) or as JSON
 * {"rows": [[x, null, ...], ...], "labels": [...]}. */
unsigned parse_map_rows(const som_map *map, const char *body, size_t len, bool csv,
                        const serve_query *q, som_data **out, char *msg, size_t size);

/* ---- art and avatars ---------------------------------------------------------- */

#define PARSE_AVATAR_MIN 16
#define PARSE_AVATAR_MAX 1024
#define PARSE_AVATAR_DEFAULT 256

/* GET /avatar/NAME: ?size=. */
unsigned parse_avatar_query(const serve_query *q, size_t *px, char *msg, size_t size);
/* GET /api/art.png|svg: the knobs (checked by som_art_opts_check), the
 * style and the picture's size. */
unsigned parse_art_query(const serve_query *q, som_art_opts *o, som_art_style *st, size_t *px,
                         char *msg, size_t size);
/* GET /api/art/gallery: ?n=, ?seed=, ?size=. */
unsigned parse_gallery_query(const serve_query *q, size_t *n, uint32_t *seed, size_t *px,
                             char *msg, size_t size);
/* GET /api/art/guess/SEED.png|svg: ?size=. */
unsigned parse_guess_image_query(const serve_query *q, size_t *px, char *msg, size_t size);
/* POST /api/art/guess/SEED: {"step": x, "radius": x, "std": x}, finite. */
unsigned parse_guess_answer(const char *body, size_t len, double guess[3], char *msg,
                            size_t size);

/* ---- pictures of maps ------------------------------------------------------------ */

/* The largest picture the server draws, per side (a 4096x4096 PNG is 64
 * MiB of pixels while it is drawn). */
#define PLOT_MAX_SIDE 4096
#define PLOT_MAX_FIELDS 256

/* GET /api/jobs|maps/ID/plot.png|svg: the options of one picture, in the
 * words of `som render`'s options (doc/API.md, Pictures); fields point
 * into buf. */
typedef struct plot_query {
    som_render_opts o;
    char buf[2048];
    const char *fields[PLOT_MAX_FIELDS];
    const char *dataset; /* ?dataset= (maps), or NULL */
} plot_query;

/* The query -> render options (the library's own parsers for the names,
 * render_args.h for a size and a range); 0, or 400 with why and the key
 * at fault in *field. */
unsigned parse_plot_query(const serve_query *q, plot_query *p, char *msg, size_t size,
                          const char **field);

#endif /* SOM_SERVE_PARSE_H */
