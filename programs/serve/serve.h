/* SPDX-License-Identifier: MIT */
/* serve.h — the insides of `som serve` (programs/serve/), shared between its
 * files. Nothing here is library API: the server is a client of som.h,
 * som_render.h and som_art.h like any other program.
 *
 *   cmd_serve.c   the command line, start-up, signals and shutdown
 *   http.c        libmicrohttpd glue: request bodies, limits, Host/Origin
 *                 checks, responses, the dispatch to the handlers
 *   route.c       the URL -> route parser (pure: no I/O, no state)
 *   parse.c       request bodies and query strings -> checked values
 *                 (pure, see parse.h)
 *   store.c       data sets and uploaded models: refcounted, capped
 *   jobs.c        training jobs: the table, the worker pool (som_fitter),
 *                 snapshots, Stop/Continue, clusters (jobs.h)
 *   jobs_api.c    the handlers of /api/jobs
 *   jobs_events.c a job's events (Server-Sent Events)
 *   api.c         the handlers of /api/datasets, /api/maps
 *   plot.c        pictures (som render's) and reports (som report's) of a
 *                 job's or a stored map
 *   art.c         /avatar, /api/art*, /api/colormaps
 *   util.c        JSON helpers, ids, clocks, the private temporary files
 *   guard.c       connection limits: deadlines, eviction of slow clients
 *   auth.c        the access token of a server open to the network
 *
 * Threads. libmicrohttpd runs one thread per connection; every handler may
 * run on many at once. Training runs on a fixed pool of worker threads
 * (jobs.c). The two meet only through a job's mutex, held for copies of a
 * few numbers and pointers: an HTTP thread never waits for a pass, and a
 * worker never waits for a client. What a worker publishes is a snapshot, an
 * immutable clone of the map taken between steps, which readers hold by
 * reference for as long as they need it.
 *
 * Lock order: the job table's mutex (jobs.c) before a job's mutex; the
 * stores' mutexes, guard.c's and the large-body gate's (http.c) are never
 * held together with another lock. */
#ifndef SOM_SERVE_H
#define SOM_SERVE_H

#include <jansson.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "parse.h"
#include "som.h"

#if defined(__GNUC__)
#define SERVE_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define SERVE_PRINTF(fmt, args)
#endif

/* ---- embedded files (generated serve_assets.c) ------------------------- */

typedef struct serve_asset {
    const char *kind; /* "web" (a file of web/) or "data" (data/NAME.csv) */
    const char *name; /* the file name, e.g. "app.js" */
    const char *mime;
    const unsigned char *data; /* followed by a NUL, not counted in len */
    size_t len;
} serve_asset;

extern const serve_asset serve_assets[];
extern const size_t serve_n_assets;

/* ---- settings ---------------------------------------------------------- */

#define SERVE_DEFAULT_MAX_UPLOAD ((size_t)64 << 20)
#define SERVE_MAX_DATASETS 32    /* uploaded data sets kept (oldest go) */
#define SERVE_DEFAULT_MAX_DATA ((size_t)512 << 20) /* their bytes, in all */
#define SERVE_SPILL_BYTES ((size_t)1 << 20) /* bodies above go to a file */
#define SERVE_MAX_MODELS 32      /* uploaded or copied models kept */
#define SERVE_MAX_JOBS 64        /* jobs kept, running or not */
#define SERVE_MAX_UNITS 10000    /* rows x cols of a job's map */
#define SERVE_MAX_SIDE 200       /* rows, cols */

typedef struct serve_config {
    const char *host;      /* address to bind (default 127.0.0.1) */
    unsigned port;         /* 0: any free port */
    size_t max_upload;     /* bytes of one request body */
    size_t workers;        /* jobs training at once */
    int threads;           /* threads of one job (0: all cores) */
    unsigned max_connections;
    unsigned max_per_client; /* connections from one address; 0: none
                                (loopback) or max_connections / 8 */
    unsigned request_timeout; /* seconds a request may take to arrive,
                                 plus 1 s per 16 KiB of body (guard.c) */
    size_t max_data;       /* bytes of uploaded data sets kept, in all */
    const char *token;     /* required on every request when set (auth.c) */
    bool quiet;            /* no request log */
    bool verbose;          /* one line per request on stderr */
} serve_config;

/* The server's state, one per process. */
typedef struct serve_state {
    serve_config cfg;
    atomic_int shutdown;   /* set once, on SIGINT/SIGTERM */
    bool check_host;       /* bound to loopback: check Host headers */
    bool loopback;         /* bound to a loopback address */
    char token[80];        /* the access token ("" for none): --token, or
                              made at start for a non-loopback address */
    unsigned port;         /* the port actually bound */
    char tmpdir[4096];     /* private, for .somnet export; "" until made */
    pthread_mutex_t tmp_mu;
} serve_state;

extern serve_state serve;

/* ---- util.c ------------------------------------------------------------ */

/* Seconds on the monotonic clock. */
double serve_now(void);
/* Fills b with n bytes from getrandom; false when the system has none. */
bool serve_random_bytes(unsigned char *b, size_t n);
/* Lowercase hex of b into out (2n + 1 chars with the NUL). */
void serve_hex(const unsigned char *b, size_t n, char *out);
/* A fresh identifier: 16 lowercase hex digits from the system's random
 * source. */
void serve_new_id(char out[17]);
/* A JSON number, or null when v is NaN or infinite (JSON has neither). */
json_t *jnum(double v);
/* A float as the shortest decimal that reads back to it (at most 9
 * digits), or null. */
json_t *jfloat(float f);
json_t *jsize(size_t v);
/* v as compact JSON text on one line through som_json_write (the
 * project's one JSON writer), malloc'ed, *len (may be NULL) its length; NULL
 * when out of memory. */
char *serve_json_text(const json_t *v, size_t *len);
/* A time (seconds since 1970) as ISO 8601 UTC, "2026-12-03T14:07:15Z". */
json_t *jtime(double wall);
/* A JSON string of s; bytes that are not UTF-8 become U+FFFD (CSV titles
 * and labels come from uploads and need not be UTF-8). */
json_t *jstr(const char *s);
/* (json_get_size and serve_choice live in parse.c, which the fuzz target
 * links without the rest of the server.) */
/* Reads a whole number in [lo, hi] from a JSON value that is an integer
 * (or a real with no fraction). */
bool json_get_size(const json_t *v, size_t lo, size_t hi, size_t *out);
/* The name of enum value v in names[] (NULL-terminated), or -1. */
int serve_choice(const char *s, const char *const *names);
/* A new empty file in the private temporary directory, opened read-write
 * (mode 0600) and already unlinked: it goes away with the descriptor.
 * Returns the descriptor, or -1. */
int serve_tmp_fd(void);
/* Removes the private temporary directory (at exit). */
void serve_tmpdir_remove(void);
/* A path inside the private temporary directory (made on first use), for
 * writers that only write files. The name is the server's own, never one
 * from a request. */
bool serve_tmp_path(char *out, size_t size, const char *suffix);

/* ---- route.c ----------------------------------------------------------- */

typedef enum route_kind {
    ROUTE_NONE = 0,
    ROUTE_ASSET,          /* GET /, /NAME (a web/ file) */
    ROUTE_AVATAR,         /* GET /avatar/NAME.png|svg */
    ROUTE_HEALTH,         /* GET /api/health */
    ROUTE_COLORMAPS,      /* GET /api/colormaps */
    ROUTE_SETTINGS,       /* GET /api/settings */
    ROUTE_DATASETS,       /* GET, POST /api/datasets */
    ROUTE_DATASET,        /* GET, DELETE /api/datasets/ID */
    ROUTE_JOBS,           /* GET, POST /api/jobs */
    ROUTE_JOB,            /* GET, DELETE /api/jobs/ID */
    ROUTE_JOB_EVENTS,     /* GET /api/jobs/ID/events */
    ROUTE_JOB_STOP,       /* POST /api/jobs/ID/stop */
    ROUTE_JOB_CONTINUE,   /* POST /api/jobs/ID/continue */
    ROUTE_JOB_MODEL,      /* GET /api/jobs/ID/model.som|somnet */
    ROUTE_JOB_MAP,        /* GET /api/jobs/ID/map.json */
    ROUTE_JOB_CLUSTER,    /* POST /api/jobs/ID/cluster */
    ROUTE_JOB_PLOT,       /* GET /api/jobs/ID/plot.png|svg */
    ROUTE_JOB_REPORT,     /* GET /api/jobs/ID/report.html */
    ROUTE_MAPS,           /* GET, POST /api/maps */
    ROUTE_MAP,            /* GET, DELETE /api/maps/ID */
    ROUTE_MAP_JSON,       /* GET /api/maps/ID/map.json */
    ROUTE_MAP_RECOGNIZE,  /* POST /api/maps/ID/map */
    ROUTE_MAP_MODEL,      /* GET /api/maps/ID/model.som|somnet */
    ROUTE_MAP_PLOT,       /* GET /api/maps/ID/plot.png|svg */
    ROUTE_MAP_REPORT,     /* GET /api/maps/ID/report.html */
    ROUTE_ART,            /* GET /api/art.png|svg */
    ROUTE_ART_GALLERY,    /* GET /api/art/gallery.png|svg|json */
    ROUTE_GUESS_NEW,      /* GET /api/art/guess */
    ROUTE_GUESS_IMAGE,    /* GET /api/art/guess/SEED.png|svg */
    ROUTE_GUESS_ANSWER    /* POST /api/art/guess/SEED */
} route_kind;

#define ROUTE_ID_MAX 32    /* ids: [A-Za-z0-9_-], 1..32 characters */
#define ROUTE_NAME_MAX 256 /* avatar names and asset names, bytes */

typedef struct route {
    route_kind kind;
    char id[ROUTE_ID_MAX + 1];     /* ID in the patterns above */
    char ext[8];                   /* "png", "svg", "som", "json", ... */
    char name[ROUTE_NAME_MAX + 1]; /* avatar name, asset file name */
    bool has_body;                 /* the method sends a body (POST) */
    bool head;                     /* a HEAD request, answered as GET */
} route;

/* Parses a method and an already percent-decoded path. Returns 200 and
 * fills *r; 404 for a path that names nothing (or a malformed id, name or
 * extension); 405 for a known path with another method, with the methods
 * it allows in *allow. Pure: no I/O, safe on any input. */
unsigned route_parse(const char *method, const char *path, route *r,
                     const char **allow);

/* ---- http.c: requests and responses ------------------------------------ */

typedef struct request {
    struct MHD_Connection *conn;
    route rt;
    const char *method;
    const char *url;  /* the decoded path */
    char *body;       /* the whole request body: in memory (then with a
                         NUL after it), or above SERVE_SPILL_BYTES a
                         private temporary file mapped read-only (no NUL:
                         parsers take the length) */
    size_t body_len;
    int body_fd;      /* that file (unlinked), or -1 */
    size_t body_map;  /* bytes mapped at body, 0 when body is malloc'ed */
} request;

/* Releases the body early (a handler that has parsed it): the memory or
 * the mapping and file go at once instead of when the reply is sent.
 * body becomes NULL. */
void req_body_release(request *rq);

/* Query argument `key`, or NULL. */
const char *req_arg(const request *rq, const char *key);
/* The query arguments, for the parsers of parse.h. */
serve_query req_args(const request *rq);
/* A header of the request, or NULL. */
const char *req_header(const request *rq, const char *key);

/* Every reply goes through these; each queues the response and returns
 * what the access handler returns. The common headers (nosniff, no-store
 * unless cache headers were set) are added here. */
enum MHD_Result reply(request *rq, unsigned status, struct MHD_Response *r);
/* {"error": "..."} with the status (4xx for the client's mistakes, 5xx for
 * ours). */
enum MHD_Result reply_error(request *rq, unsigned status, const char *fmt,
                            ...) SERVE_PRINTF(3, 4);
/* {"error": "...", "field": FIELD}: FIELD names the form field at fault
 * (a setting's name, "file", "label_column", ...; NULL leaves it out). */
enum MHD_Result reply_error_field(request *rq, unsigned status, const char *field,
                                  const char *fmt, ...) SERVE_PRINTF(4, 5);
/* A size as a person reads it ("64 MB"). */
void serve_size_words(size_t bytes, char *out, size_t size);
/* A JSON body; steals the reference to `v`. */
enum MHD_Result reply_json(request *rq, unsigned status, json_t *v);
/* Bytes; free_fn (may be NULL for static data) releases buf later. */
struct MHD_Response *resp_bytes(void *buf, size_t len, const char *mime,
                                void (*free_fn)(void *));
/* A response for a som_error: 400 for data problems, 500 otherwise. */
enum MHD_Result reply_som_error(request *rq, const som_error *err);

/* Handlers, one per route kind; each replies exactly once. */
typedef enum MHD_Result (*handler_fn)(request *rq);
enum MHD_Result handle_asset(request *rq);
enum MHD_Result handle_health(request *rq);
enum MHD_Result handle_colormaps(request *rq);
enum MHD_Result handle_settings(request *rq);
enum MHD_Result handle_avatar(request *rq);
enum MHD_Result handle_art(request *rq);
enum MHD_Result handle_art_gallery(request *rq);
enum MHD_Result handle_guess_new(request *rq);
enum MHD_Result handle_guess_image(request *rq);
enum MHD_Result handle_guess_answer(request *rq);
enum MHD_Result handle_datasets(request *rq);
enum MHD_Result handle_dataset(request *rq);
enum MHD_Result handle_jobs(request *rq);
enum MHD_Result handle_job(request *rq);
enum MHD_Result handle_job_events(request *rq);
enum MHD_Result handle_job_stop(request *rq);
enum MHD_Result handle_job_continue(request *rq);
enum MHD_Result handle_job_model(request *rq);
enum MHD_Result handle_job_map(request *rq);
enum MHD_Result handle_job_cluster(request *rq);
enum MHD_Result handle_maps(request *rq);
enum MHD_Result handle_map(request *rq);
enum MHD_Result handle_map_json(request *rq);
enum MHD_Result handle_map_recognize(request *rq);
enum MHD_Result handle_map_model(request *rq);
enum MHD_Result handle_job_plot(request *rq);   /* plot.c */
enum MHD_Result handle_map_plot(request *rq);
enum MHD_Result handle_job_report(request *rq);
enum MHD_Result handle_map_report(request *rq);

/* Starts and stops the HTTP daemon. */
int http_start(struct MHD_Daemon **out, som_error *err);
void http_stop(struct MHD_Daemon *d);

/* ---- guard.c: connection limits and deadlines ------------------------- */

typedef struct guard_conn guard_conn;

int guard_start(som_error *err);  /* the watchdog thread */
void guard_stop(void);
/* libmicrohttpd's connection notifications: opened (may close another
 * connection to keep slots free) and closed. */
guard_conn *guard_open(struct MHD_Connection *conn);
void guard_close(guard_conn *g);
/* The entry of a connection (NULL when it could not be made). */
guard_conn *guard_of(struct MHD_Connection *conn);
/* A request's headers are in and n more body bytes came. */
void guard_body(guard_conn *g, size_t n);
/* The handler runs, then the reply is sent: no deadline. */
void guard_busy(guard_conn *g);
/* The connection becomes an event stream; false when too many are open. */
bool guard_stream(guard_conn *g);
/* The request is over; the next one's clock starts. */
void guard_request_end(guard_conn *g);
void guard_counts(size_t *open, size_t *streams, size_t *evicted, size_t *expired);

/* ---- auth.c: the access token ------------------------------------------ */

/* Makes serve.token from --token, or a random one when the server listens
 * on a non-loopback address. 0, or -1 when no random bytes came. */
int auth_init(void);
/* A token --token accepts: 8 to 64 of [A-Za-z0-9._~-] (it goes in a
 * cookie and an address unescaped). */
bool auth_token_valid(const char *t);
/* Whether the request carries the token (Authorization: Bearer, the
 * cookie, or ?token=); true when no token is set. *from_query is set when
 * it came as ?token= (the reply then sets the cookie). */
bool auth_ok(const request *rq, bool *from_query);
/* Adds the Set-Cookie header that lets the page work after a visit to the
 * printed address. */
void auth_set_cookie(struct MHD_Response *r);

/* ---- store.c: data sets and models -------------------------------------- */

typedef struct dataset {
    atomic_int refs;
    char id[ROUTE_ID_MAX + 1];
    char name[96];      /* for people: the upload's name or the file's */
    bool bundled;       /* embedded data/NAME.csv: never evicted or deleted */
    som_data *data;     /* immutable once stored */
    size_t bytes;       /* what data holds (memory, or disk and mapped) */
    char label_title[256]; /* the label column's title, when has_label */
    bool has_label;
    int row_names;         /* som_data_row_names of the data as read */
    double created;     /* serve_now() */
    double wall;        /* the same, seconds since 1970 (for people) */
} dataset;

typedef struct model {
    atomic_int refs;
    char id[ROUTE_ID_MAX + 1];
    char source[96];    /* "upload.som", "job 1f2e..." */
    som_map *map;       /* immutable once stored */
    size_t bytes;       /* what map holds, about (counts in --max-data) */
    double created;
    double wall;        /* seconds since 1970 */
} model;

int store_init(som_error *err); /* parses the bundled data sets */
void store_free(void);
/* Takes ownership of data; the new data set's id goes to id. 0; 413 when
 * the data set alone is larger than --max-data; 429 when the store is
 * full (by count, or by the bytes of data sets and models together) of
 * data sets in use. Unused uploads go, oldest first, to make room. */
unsigned dataset_add(som_data *data, const char *name, char id[ROUTE_ID_MAX + 1]);
dataset *dataset_get(const char *id); /* a new reference, or NULL */
void dataset_put(dataset *ds);
/* 0, 404 (unknown), 409 (bundled). */
unsigned dataset_delete(const char *id);
json_t *dataset_json(const dataset *ds);
json_t *datasets_json(void);

/* As dataset_add, for maps: 0, 413 or 429; unused models make room. */
unsigned model_add(som_map *map, const char *source, char id[ROUTE_ID_MAX + 1]);
model *model_get(const char *id);
void model_put(model *m);
unsigned model_delete(const char *id);
json_t *models_json(void);
/* MAPINFO of a stored map, with its id, source, name and created. */
json_t *model_json(const model *m);
/* [{"part", "loss"}, ...]: what saving `map` in `format` leaves out
 * (som_map_losses, in som_part_name's and som_part_loss's words). */
json_t *map_losses_json(const som_map *map, const char *format);

/* JSON of a map for drawing (doc/API.md "Map JSON"): grid, titles, field
 * ranges, unit weights in original units, U-matrix; with `data` (the rows
 * the map was trained on, same columns) also hits and majority labels. */
json_t *map_json(const som_map *map, const som_data *data, int threads,
                 som_error *err);
/* Grid and fields only. */
json_t *map_info_json(const som_map *map);
/* Serialises a map as .som or .somnet into a malloc'ed buffer. */
int map_serialize(const som_map *map, const char *ext, unsigned char **buf,
                  size_t *len, void (**free_fn)(void *), som_error *err);
/* Replies with `map` as a download in the route's format (rq->rt.ext) named
 * "PREFIX-ID.EXT", or with why it cannot be written (422: the format cannot
 * hold this map). api.c; the caller keeps its reference to the map until
 * this returns. */
enum MHD_Result reply_map_download(request *rq, const som_map *map, const char *prefix);

/* ---- jobs.c --------------------------------------------------------------- */

typedef struct job job;

int jobs_start(som_error *err);   /* the worker pool */
void jobs_shutdown(void);         /* stops training, joins, frees */
/* Wakes every waiting event stream (at shutdown). */
void jobs_wake_all(void);
/* Copies a job's latest map into the model store (POST /api/maps with
 * {"job": ID}). Returns 0 and the new model's id, or a status and why. */
unsigned job_copy_map(const char *id, char out_id[ROUTE_ID_MAX + 1], char *msg,
                      size_t size);

#endif /* SOM_SERVE_H */
