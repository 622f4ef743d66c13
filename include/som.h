/* SPDX-License-Identifier: MIT */
/*
 * som.h — libsom, self-organizing maps (Kohonen maps) in C.
 *
 * This header is the manual. What is not in this file is not API.
 *
 * ---------------------------------------------------------------------------
 * Introduction
 * ---------------------------------------------------------------------------
 * A self-organizing map is a grid of units, each holding a weight vector (a
 * "codebook" row) of the same length as the data. Training pulls the unit that
 * best matches a sample (its best-matching unit, BMU) and the units around it
 * on the grid towards the sample, so that nearby units come to describe
 * similar data. libsom trains maps from tables of samples, saves and loads
 * them, finds the BMU of complete or incomplete vectors, fills missing fields
 * from the map, and measures the map's quality.
 *
 * The library is organised in one object per concept:
 *
 *   som_data    a table of samples: n_samples x dim floats, an optional mask of
 *               present values, column titles and optional row labels.
 *   som_grid    the shape of the map: rows x cols, rectangular or hexagonal,
 *               flat sheet or toroid. A plain struct.
 *   som_map     a map: grid, codebook, column titles, per-column scaling and
 *               the training history. What `som_map_save` writes.
 *   som_trainer one training run over a map and a data set; it can stop and
 *               continue, and reports progress through one callback.
 *
 * A worked example — train a 10x10 hexagonal map and find a BMU:
 *
 *     som_error err; som_error_clear(&err);
 *     som_data *data = NULL; som_map *map = NULL;
 *     if (som_data_read_as("iris.csv", NULL, NULL, &data, &err) != SOM_OK) goto fail;
 *     som_grid grid = { 10, 10, SOM_HEX, 0 };
 *     if (som_map_new(&grid, som_data_dim(data), &map, &err) != SOM_OK) goto fail;
 *     if (som_map_set_titles_from_data(map, data, &err) != SOM_OK) goto fail;
 *     som_map_fit_scaling(map, data, SOM_SCALE_ZSCORE, &err);
 *     som_train_opts opts; som_train_opts_init(&opts);
 *     opts.algorithm = SOM_BATCH; opts.epochs = 20; opts.seed = 42;
 *     if (som_map_train(map, data, &opts, &err) != SOM_OK) goto fail;
 *     size_t unit; double dist;
 *     som_map_bmu_vector(map, som_data_row(data, 0), NULL, &unit, &dist, &err);
 *     som_map_save(map, "iris.som", &err);
 *   fail:
 *     if (err.code) fprintf(stderr, "%s\n", err.message);
 *     som_map_free(map); som_data_free(data);
 *
 * ---------------------------------------------------------------------------
 * Conventions
 * ---------------------------------------------------------------------------
 * Status.   Functions that can fail return an int: SOM_OK (0) on success, a
 *           negative SOM_E* code on failure (see SOM_ERROR_MAP). Functions
 *           that count return the count, or a negative code.
 * Errors.   Every function that can fail takes an optional `som_error *`
 *           owned by the caller (NULL is allowed), as its last argument. On
 *           failure it receives the code, a full message, and where it
 *           applies the file, line and column (1-based; 0 when not
 *           applicable). There is no global "last error". Calls without one
 *           cannot fail: getters, predicates (1 or 0), and look-ups that
 *           answer "not there" with -1, NULL or SOM_EINVAL (som_enum_value,
 *           som_data_find_title) and have nothing more to say.
 * Units.    Vectors passed in and out are in the data's original units. The
 *           map keeps its codebook in a scaled space (see som_map_fit_scaling)
 *           and converts at the boundary. Distances reported (BMU distance,
 *           quantization error) are in the scaled space, over present fields.
 * Missing.  A mask is a `const uint8_t *` of length dim, 1 = present, and
 *           NULL means every field is present. In a som_data, missing values
 *           are stored as 0 and flagged in the mask; a data set with nothing
 *           missing has no mask at all. NaN given to som_data_set_row means
 *           missing.
 * Sizes.    Every size and count is size_t (picture sizes in pixels too).
 *           Samples and codebooks are float, row-major, contiguous, 64-byte
 *           aligned; long sums run in double. (`threads` arguments stay int:
 *           a thread count, 0 meaning all cores, not a size.)
 * Names.    som_NOUN_VERB or som_NOUN_PROPERTY: the thing acted on comes
 *           first, then what is done to it or asked of it, so that the calls
 *           on one thing sort together and complete from its prefix:
 *             som_data_*    a data set, and reading data files
 *                           (som_data_read, som_data_npy_shape)
 *             som_map_*     a map: training, recognition, quality, analysis,
 *                           saving (som_map_bmu_vector, som_map_cluster)
 *             som_grid_*    a grid, and what works on the units of one
 *                           (som_grid_auto, som_grid_ward)
 *             som_vectors_* plain row-major n x dim float arrays, any set of
 *                           vectors (som_vectors_kmeans,
 *                           som_vectors_davies_bouldin)
 *             som_label_counts_*  the table of som_map_label_counts
 *             som_trainer_*, som_fitter_*, som_fit_*, som_settings_*,
 *             som_enum_*, som_cancel_*, som_outfile_*, som_allocator_*,
 *             som_input_limit_*, som_version_*  one object or concern each.
 *           Options structs are som_THING_opts with som_THING_opts_init.
 *           som_strerror and som_err_name keep libuv's familiar names; the
 *           enum names are the core's (som_enum_name, som_enum_value), one
 *           list per enum. A renamed call keeps its old name for one
 *           release, declared under "Deprecated names" at the end.
 *
 * Ownership. The library never keeps or frees a caller's buffer: it copies
 * what it needs. An object returned by som_*_new, som_*_read or som_*_load is
 * owned by the caller and freed by the matching som_*_free; every som_*_free
 * accepts NULL. Every buffer of bytes that any libsom layer hands over — a
 * model in memory (som_map_save_mem), a picture in memory (som_render.h,
 * som_art.h) — is freed with som_free, whichever layer made it. Pointers returned by getters (titles, rows, the codebook) are
 * borrowed: valid until the next call that changes or frees the object.
 *
 * Thread safety. libsom has no mutable global state apart from the allocator
 * hook (set it once, before any other call). Calls that only read a map —
 * BMU search, quality measures, saving, the rendering layer — may run
 * concurrently on the same map. Training, loading into, or changing a map
 * needs exclusive access to it. Different objects may be used from different
 * threads freely. The library itself may run OpenMP threads inside one call
 * (the `threads` arguments and options); results do not depend on how many.
 *
 * Stable and experimental. Everything in this header is stable — it
 * changes only with the major version — except its "Experimental" section
 * near the end (distributed training, the fit in steps, the process-wide
 * hooks), which is declared only when SOM_EXPERIMENTAL is defined before
 * including som.h and may change in a minor version; that section says
 * why each group is there.
 *
 * ABI. The ABI is stable within a major version. Check at start-up that the
 * header you compiled against and the library you run with agree:
 *     if (som_version_number() / 10000 != SOM_VERSION_MAJOR) ...
 */
#ifndef SOM_H
#define SOM_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(SOM_BUILDING) && defined(__GNUC__)
#define SOM_API __attribute__((visibility("default")))
#else
#define SOM_API
#endif

/* libsom's own layers see the experimental calls (see "Experimental"). */
#if defined(SOM_BUILDING) && !defined(SOM_EXPERIMENTAL)
#define SOM_EXPERIMENTAL 1
#endif

/* Calls kept for one release under an old name, each with its replacement.
 * Define SOM_WARN_DEPRECATED before including som.h to have the compiler
 * point at every use (the som program is built so). */
#if defined(SOM_WARN_DEPRECATED) && defined(__GNUC__)
#define SOM_DEPRECATED(use) __attribute__((deprecated("use " use)))
#else
#define SOM_DEPRECATED(use)
#endif

/* ------------------------------------------------------------------------- */
/* Version                                                                    */
/* ------------------------------------------------------------------------- */

#define SOM_VERSION_MAJOR 0
#define SOM_VERSION_MINOR 1
#define SOM_VERSION_PATCH 0
#define SOM_VERSION_NUMBER \
    (SOM_VERSION_MAJOR * 10000 + SOM_VERSION_MINOR * 100 + SOM_VERSION_PATCH)
#define SOM_STRINGIFY_(x) #x
#define SOM_STRINGIFY(x) SOM_STRINGIFY_(x)
#define SOM_VERSION_STRING                                                    \
    SOM_STRINGIFY(SOM_VERSION_MAJOR) "." SOM_STRINGIFY(SOM_VERSION_MINOR) "." \
    SOM_STRINGIFY(SOM_VERSION_PATCH)

/* The version of the library actually linked: SOM_VERSION_NUMBER's formula. */
SOM_API unsigned som_version_number(void);
/* The same as a string, "MAJOR.MINOR.PATCH". Static storage. */
SOM_API const char *som_version_string(void);

/* ------------------------------------------------------------------------- */
/* Status codes and errors                                                    */
/* ------------------------------------------------------------------------- */

/* XX(NAME, value, description). The one table of every status code. */
#define SOM_ERROR_MAP(XX)                                               \
    XX(OK, 0, "success")                                                \
    XX(EINVAL, -1, "invalid argument")                                  \
    XX(ENOMEM, -2, "out of memory")                                     \
    XX(EIO, -3, "input/output error")                                   \
    XX(EFORMAT, -4, "malformed input")                                  \
    XX(EDIM, -5, "dimensions do not match")                             \
    XX(ECORRUPT, -6, "file is damaged (checksum or size mismatch)")     \
    XX(EVERSION, -7, "unsupported format version")                      \
    XX(ESTOPPED, -8, "stopped by the progress callback")                \
    XX(ENOTSUP, -9, "not supported")                                    \
    XX(ERANGE, -10, "value out of range")                               \
    XX(EEMPTY, -11, "no data")                                          \
    XX(ECANCELED, -12, "interrupted")

typedef enum som_status {
#define SOM_STATUS_ENUM_(name, value, text) SOM_##name = value,
    SOM_ERROR_MAP(SOM_STATUS_ENUM_)
#undef SOM_STATUS_ENUM_
} som_status;

/* Static description of a status code ("out of memory"); never NULL. */
SOM_API const char *som_strerror(int code);
/* Static name of a status code ("SOM_ENOMEM"); never NULL. */
SOM_API const char *som_err_name(int code);

/* Where and why something failed. Owned by the caller; may live on the stack.
 * `message` is a complete sentence fragment ready to print, and already
 * starts with "file:line:column: " when those are known. */
typedef struct som_error {
    int code;          /* SOM_OK or a negative SOM_E* code */
    size_t line;       /* 1-based line in `file`, 0 when not applicable */
    size_t column;     /* 1-based column (CSV: field number), 0 when n/a */
    char file[256];    /* the file involved, "" when none */
    char message[768]; /* human-readable, NUL-terminated */
} som_error;

/* Resets an error to SOM_OK with empty strings. NULL is a no-op. */
SOM_API void som_error_clear(som_error *err);

#if defined(__GNUC__)
#define SOM_FORMAT_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define SOM_FORMAT_PRINTF(fmt, args)
#endif
/* Fills err (when not NULL) with `code` and a printf-style message, no file
 * or position; returns `code`. For layers built on libsom (pictures, art,
 * programs) that report errors the same way the core does. */
SOM_API int som_error_set(som_error *err, int code, const char *fmt, ...)
    SOM_FORMAT_PRINTF(3, 4);

/* ------------------------------------------------------------------------- */
/* Cancellation                                                               */
/* ------------------------------------------------------------------------- */

/* One way to stop any long libsom call from outside it: a Ctrl-C handler, a
 * Stop button, a language binding's KeyboardInterrupt.
 *
 * A som_cancel is a flag. The caller binds it to a thread with
 * som_cancel_bind; from then on every long call made on that thread —
 * reading CSV and .npy files, scaling, initialisation and PCA, training
 * (inside every batch pass, every few hundred online steps), mapping,
 * prediction, evaluation, clustering, the pictures of som_render.h,
 * converting and saving — looks at the flag every few milliseconds of work
 * (including from the OpenMP threads it starts), and once the flag is set
 * it stops, frees what it allocated, removes any temporary file and returns
 * SOM_ECANCELED with the message "interrupted". A file being saved is then
 * not written, and an older file of that name is left as it was.
 *
 * som_cancel_set may be called from any thread and from a signal handler
 * (it is one lock-free atomic store). A cancelled som_trainer_run leaves
 * the trainer as it was at the last completed step (a batch pass is
 * discarded whole): clear the flag and call som_trainer_run again to go on,
 * to the same result as a run never cancelled. The flag stays set until
 * som_cancel_reset; while it is set, every long call on a bound thread
 * returns SOM_ECANCELED at once.
 *
 * The progress callback's own way to stop training (return non-zero:
 * SOM_ESTOPPED) remains for callers that stop at a pass boundary on their
 * own terms; a token is the way to stop promptly, in any phase. */
typedef struct som_cancel som_cancel;
/* A new token, not set; NULL when out of memory. */
SOM_API som_cancel *som_cancel_new(void);
/* Frees a token (NULL is a no-op); unbind it first from every thread. */
SOM_API void som_cancel_free(som_cancel *cancel);
/* Sets the flag. Async-signal-safe; NULL is a no-op. */
SOM_API void som_cancel_set(som_cancel *cancel);
/* Clears the flag. NULL is a no-op. */
SOM_API void som_cancel_reset(som_cancel *cancel);
/* 1 when the flag is set, else 0 (also for NULL). */
SOM_API int som_cancel_is_set(const som_cancel *cancel);
/* Makes `cancel` the token of the calling thread's libsom calls (NULL: none)
 * and returns the one bound before, so that a caller can restore it. */
SOM_API som_cancel *som_cancel_bind(som_cancel *cancel);
/* The poll, for layers built on libsom (pictures, programs) that have long
 * loops of their own: SOM_ECANCELED, with err filled ("interrupted"), when
 * the calling thread's token is set; else SOM_OK. One thread-local read
 * and one atomic load. */
SOM_API int som_cancel_poll(som_error *err);

/* ------------------------------------------------------------------------- */
/* Data sets                                                                  */
/* ------------------------------------------------------------------------- */

typedef struct som_data som_data;

#define SOM_AUTO (-1)

/* CSV reading options. Initialise with som_csv_opts_init. */
typedef struct som_csv_opts {
    char delimiter;           /* ',' ';' '\t', or 0 to detect among them */
    int header;               /* 1 first row is titles, 0 it is data, SOM_AUTO:
                                 titles unless every cell is a number */
    const char *label_column; /* title of the label column; NULL: the first
                                 column whose first value is not a number */
    int row_names;            /* SOM_AUTO (default): a first column with an
                                 empty title holding distinct whole numbers
                                 is row names, not a field (see
                                 som_data_row_names); 0: it is a field */
} som_csv_opts;

SOM_API void som_csv_opts_init(som_csv_opts *opts);
/* The delimiter the CSV reader takes for the text at buf when opts leave it
 * to detection: the most frequent of ',' ';' and tab outside quotes on the
 * first non-blank line (',' on a tie or when none occurs). For a preview
 * that tells a person what was detected. */
SOM_API char som_csv_delimiter(const char *buf, size_t len);

/* CSV, as som_data_read_as reads it (format "csv"; also any name without
 * another data format's extension) and som_data_read_csv, its old name
 * with the format named, did. Rules:
 *  - the delimiter is detected among ',' ';' and tab from the first line,
 *    unless opts->delimiter says; fields may be quoted ("a,b", "" escapes);
 *    CRLF and LF line ends; UTF-8 with or without a byte-order mark;
 *  - the first row holds the column titles (see opts->header);
 *  - one column may hold labels (see opts->label_column); without one, a
 *    row's label is its line number in the file (som_data_line);
 *  - row names: a first column whose title is empty and whose cells are
 *    all present, distinct whole numbers (below 2^24 in size) — R's
 *    write.csv writes 1..n there, pandas' to_csv 0..n-1 — is not a field:
 *    its cells become the row labels (label title "") when no other column
 *    holds labels, and it is dropped when one does (som_data_row_names
 *    says which; opts->row_names = 0 keeps it as a field);
 *  - empty cells and NA, NaN, ? (any case) are missing values;
 *  - numbers are parsed in the C locale whatever the process locale;
 *    infinities, text in a numeric column, ragged rows, a row with no value
 *    at all, and a file with no data row are errors;
 *  - blank lines are skipped.
 * Errors: SOM_EIO (cannot open/read), SOM_EFORMAT and SOM_EEMPTY with
 * file:line:column, SOM_ENOMEM. On success *out owns a new data set. */
SOM_DEPRECATED("som_data_read_as")
SOM_API int som_data_read_csv(const char *path, const som_csv_opts *opts,
                              som_data **out, som_error *err);
/* The same from memory; `name` is used in messages only. */
SOM_DEPRECATED("som_data_read_buffer")
SOM_API int som_data_read_csv_mem(const char *buf, size_t len,
                                  const char *name, const som_csv_opts *opts,
                                  som_data **out, som_error *err);

/* Reads a NumPy .npy file: dtype float32 or float64 (little-endian), C order,
 * 1-D (one column) or 2-D shape. NaN values are missing; infinities are an
 * error. Column titles are "1".."dim". Errors: SOM_EIO, SOM_EFORMAT,
 * SOM_ENOTSUP (Fortran order, other dtypes), SOM_ENOMEM.
 *
 * Large inputs: a regular file is memory-mapped (private: the file never
 * changes), and float32 values are used where they lie in the mapping —
 * no copy: pages are read from the file as they are first touched, so the
 * data set costs the file's size in memory once, and a mask (n x dim
 * bytes) only when some value is NaN. Pages that the data set's user
 * writes to (a NaN stored as 0, som_map_train_inplace scaling the values)
 * become the process's own. float64 files are converted to float32 into
 * memory as they are read (half the file's size), the file's pages
 * released behind the conversion; for the smallest footprint convert them
 * once (numpy: a.astype('<f4'), or `som convert`). Standard input and
 * pipes are read into memory. */
SOM_DEPRECATED("som_data_read_as")
SOM_API int som_data_read_npy(const char *path, som_data **out,
                              som_error *err);
SOM_DEPRECATED("som_data_read_buffer")
SOM_API int som_data_read_npy_mem(const void *buf, size_t len,
                                  const char *name, som_data **out,
                                  som_error *err);
/* The shape of a .npy file (rows, and columns: 1 for a 1-D array) from its
 * header alone, without reading the values. Errors as som_data_read_npy. */
SOM_API int som_data_npy_shape(const char *path, size_t *n_rows, size_t *dim,
                               som_error *err);
/* Writes a data set as a .npy: float32, little-endian, C order, shape
 * (n, dim), NaN where a value is missing; atomically. Titles and labels
 * have no place in a .npy and are not written. */
SOM_DEPRECATED("som_data_write_as")
SOM_API int som_data_write_npy(const som_data *data, const char *path,
                               som_error *err);
/* Converts a CSV file (read as som_data_read_csv reads it, same rules and
 * messages; "-" is standard input) to a .npy file written as
 * som_data_write_npy writes one, in bounded memory: rows are parsed and
 * written a block at a time and the CSV's pages released as they are
 * read, so a CSV larger than memory converts. The shape goes into the
 * header when the last row has been written; the file appears atomically
 * (not "-"). The column titles and the label column cannot be kept in a
 * .npy and are dropped: *n_rows, *dim and *had_labels (each may be NULL)
 * say what was written and whether labels were dropped. A row-names column
 * (see som_data_read_csv) stays a field here: it is told only after the
 * last row, when the rows have been written. */
SOM_API int som_data_convert_csv_npy(const char *csv_path,
                                     const char *npy_path,
                                     const som_csv_opts *opts, size_t *n_rows,
                                     size_t *dim, int *had_labels,
                                     som_error *err);

/* som_data_read_as(path, NULL, opts, ...): by the name's extension, CSV
 * when no data format has it. */
SOM_DEPRECATED("som_data_read_as")
SOM_API int som_data_read(const char *path, const som_csv_opts *opts,
                          som_data **out, som_error *err);

/* Writes a data set as CSV (titles row; label column first when the data has
 * labels; missing values as empty cells; each float in the shortest form
 * that reads back to the same float, at most 9 digits), atomically. */
SOM_DEPRECATED("som_data_write_as")
SOM_API int som_data_write_csv(const som_data *data, const char *path,
                               som_error *err);

/* A new data set of n_samples x dim zeros, all present, titles "1".."dim",
 * no labels. n_samples and dim must be > 0. */
SOM_API int som_data_new(size_t n_samples, size_t dim, som_data **out,
                         som_error *err);
SOM_API void som_data_free(som_data *data);

SOM_API size_t som_data_n_samples(const som_data *data);
SOM_API size_t som_data_dim(const som_data *data);
/* All values, row-major n_samples x dim; missing values read as 0. */
SOM_API const float *som_data_values(const som_data *data);
/* Row i (dim floats); NULL when i is out of range. */
SOM_API const float *som_data_row(const som_data *data, size_t i);
/* The presence mask, n_samples x dim bytes (1 = present), or NULL when no
 * value is missing. */
SOM_API const uint8_t *som_data_mask(const som_data *data);
/* Row i's mask (dim bytes), or NULL when the data set has no mask. */
SOM_API const uint8_t *som_data_row_mask(const som_data *data, size_t i);
/* Number of missing values in the whole data set. */
SOM_API size_t som_data_n_missing(const som_data *data);
/* Replaces row i. `mask` may be NULL (all present); a NaN in x also marks a
 * value missing. Creates or drops the mask as needed. Errors: SOM_EINVAL
 * (i out of range, infinite value), SOM_ENOMEM. */
SOM_API int som_data_set_row(som_data *data, size_t i, const float *x,
                             const uint8_t *mask, som_error *err);

/* Column title j; never NULL ("" when j is out of range). */
SOM_API const char *som_data_title(const som_data *data, size_t j);
SOM_API int som_data_set_title(som_data *data, size_t j, const char *title,
                               som_error *err);
/* Index of the column titled `title`, or -1. */
SOM_API long som_data_find_title(const som_data *data, const char *title);
/* Label of row i, or NULL when the data set has no label column. Setting a
 * label on a data set without labels creates the column, titled "label",
 * and gives every other row its line number as its label. */
SOM_API const char *som_data_label(const som_data *data, size_t i);
SOM_API int som_data_set_label(som_data *data, size_t i, const char *label,
                               som_error *err);
/* Title of the label column, or NULL. */
SOM_API const char *som_data_label_title(const som_data *data);
/* What the CSV reader made of a row-names column (see som_data_read_csv):
 * SOM_ROW_NAMES_NONE there was none (or the data did not come from a CSV
 * file), SOM_ROW_NAMES_LABELS its cells are the labels, SOM_ROW_NAMES_DROPPED
 * it was left out because another column holds the labels. The library
 * prints nothing: a program tells its user. */
enum { SOM_ROW_NAMES_NONE = 0, SOM_ROW_NAMES_LABELS = 1, SOM_ROW_NAMES_DROPPED = 2 };
SOM_API int som_data_row_names(const som_data *data);
/* The source line of row i (1-based), or i + 1 for data made in memory. */
SOM_API size_t som_data_line(const som_data *data, size_t i);

/* ------------------------------------------------------------------------- */
/* Grid                                                                       */
/* ------------------------------------------------------------------------- */

typedef enum som_topology { SOM_RECT = 0, SOM_HEX = 1 } som_topology;

/* Unit i sits at grid row i / cols, column i % cols. A rect unit (r,c) is at
 * (c, r); a hex unit at (c + 0.5*(r odd), r*sqrt(3)/2): odd rows are shifted
 * right by half a unit, so every inner unit has exactly 6 neighbours at
 * distance exactly 1. A toroid wraps both axes (shortest distance); a
 * hexagonal toroid needs an even number of rows. */
typedef struct som_grid {
    size_t rows, cols;
    som_topology topology;
    int toroid; /* 0 flat sheet, 1 toroid */
} som_grid;

/* SOM_OK when the grid is usable: rows, cols >= 1, rows*cols <= 2^31, even
 * rows for a hex toroid. Otherwise SOM_EINVAL with a message. */
SOM_API int som_grid_check(const som_grid *grid, som_error *err);
SOM_API size_t som_grid_n_units(const som_grid *grid);
/* Plane coordinates of a unit (see som_grid). */
SOM_API void som_grid_coords(const som_grid *grid, size_t unit, double *x,
                             double *y);
/* Euclidean distance between two units' coordinates (wrapped on a toroid). */
SOM_API double som_grid_distance(const som_grid *grid, size_t a, size_t b);
/* Writes the units at grid distance 1 from `unit` (4 or fewer for rect, 6 or
 * fewer for hex; toroids have all of them) into out[], in increasing unit
 * order without duplicates; returns how many. */
SOM_API size_t som_grid_neighbors(const som_grid *grid, size_t unit,
                                  size_t out[6]);
/* Parses "ROWSxCOLS" (e.g. "10x12"). SOM_EINVAL when malformed. */
SOM_API int som_grid_parse(const char *text, som_grid *grid, som_error *err);

/* ------------------------------------------------------------------------- */
/* Maps                                                                       */
/* ------------------------------------------------------------------------- */

typedef struct som_map som_map;

typedef enum som_scaling {
    SOM_SCALE_NONE = 0,
    SOM_SCALE_ZSCORE = 1, /* (x - mean) / standard deviation */
    SOM_SCALE_MINMAX = 2  /* (x - min) / (max - min) */
} som_scaling;

/* A new map with a zero codebook, titles "1".."dim", no scaling and an empty
 * history. Errors: SOM_EINVAL (bad grid, dim 0), SOM_ENOMEM. */
SOM_API int som_map_new(const som_grid *grid, size_t dim, som_map **out,
                        som_error *err);
/* A deep copy. */
SOM_API int som_map_clone(const som_map *map, som_map **out, som_error *err);
SOM_API void som_map_free(som_map *map);

SOM_API const som_grid *som_map_grid(const som_map *map);
SOM_API size_t som_map_dim(const som_map *map);
SOM_API size_t som_map_n_units(const som_map *map);
/* The codebook, n_units x dim floats, in the map's scaled space. */
SOM_API const float *som_map_codebook(const som_map *map);
/* Replaces the codebook (n_units x dim floats, in the scaled space). */
SOM_API void som_map_set_codebook(som_map *map, const float *codebook);
/* Unit `unit`'s weights in original units (dim floats written to out). */
SOM_API void som_map_unit_weights(const som_map *map, size_t unit, float *out);

SOM_API const char *som_map_title(const som_map *map, size_t j);
SOM_API int som_map_set_title(som_map *map, size_t j, const char *title,
                              som_error *err);
/* Copies every column title of `data` (dims must agree: SOM_EDIM). */
SOM_API int som_map_set_titles_from_data(som_map *map, const som_data *data,
                                         som_error *err);
/* Index of the column titled `title`, or -1. */
SOM_API long som_map_find_title(const som_map *map, const char *title);

/* Arranges `data`'s columns as the map's fields, for recognition and
 * prediction on files whose columns differ from the training file's:
 *  - when every map title that appears among the data's titles is matched
 *    by name (at least one must be), the result has the map's fields in the
 *    map's order; a field the data lacks is missing in every row (so
 *    som_map_predict fills it), and data columns the map lacks are dropped;
 *  - when no title matches and the column counts are equal, columns are
 *    taken by position (titles are then the map's);
 *  - otherwise SOM_EDIM, naming both column counts.
 * Labels and source lines are kept. *out is a new data set. */
SOM_API int som_map_align_data(const som_map *map, const som_data *data,
                               som_data **out, som_error *err);
/* 1 when `data`'s columns already are the map's fields in the map's order
 * (each matched by title in place, or none matched and the counts agree),
 * so that som_map_align_data would only copy it: large inputs can then be
 * used as they are. 0 otherwise. */
SOM_API int som_map_data_in_order(const som_map *map, const som_data *data);

/* Fits per-column scaling to `data` (present values only) and stores it in
 * the map; it also records each column's min and max (som_map_field_range).
 * A constant column gets scale 1. Must be called before training: it does
 * not convert an existing codebook. Errors: SOM_EDIM, SOM_EEMPTY (a column
 * with no value), SOM_ENOMEM. */
SOM_API int som_map_fit_scaling(som_map *map, const som_data *data,
                                som_scaling kind, som_error *err);
typedef struct som_shard som_shard; /* distributed training: experimental */
SOM_API som_scaling som_map_scaling(const som_map *map);
/* scaled = (x - offset[j]) / factor[j]. Both arrays have dim entries. */
SOM_API const double *som_map_scale_offset(const som_map *map);
SOM_API const double *som_map_scale_factor(const som_map *map);
/* Converts one row between original units and the scaled space. In-place
 * (in == out) is allowed. NaN stays NaN. */
SOM_API void som_map_scale_row(const som_map *map, const float *in, float *out);
SOM_API void som_map_unscale_row(const som_map *map, const float *in,
                                 float *out);
/* The min and max of column j over the data the map was fitted or trained
 * on, in original units. Before any fit, the codebook's own range. */
SOM_API void som_map_field_range(const som_map *map, size_t j, double *min,
                                 double *max);

/* ------------------------------------------------------------------------- */
/* Training                                                                   */
/* ------------------------------------------------------------------------- */

typedef enum som_algorithm {
    SOM_ONLINE = 0, /* one sample at a time (the seeds' rule) */
    SOM_BATCH = 1   /* Kohonen's batch map */
} som_algorithm;

typedef enum som_init {
    SOM_INIT_RANDOM = 0, /* uniform inside each column's min..max (MQL5) */
    SOM_INIT_PCA = 1,    /* the plane of the first two principal components */
    SOM_INIT_SAMPLE = 2, /* random rows of the data */
    SOM_INIT_KEEP = 3    /* keep the codebook the map already has */
} som_init;

/* How the radius sigma and the rate alpha change with the step k = 0..N-1
 * (samples for online training, passes for batch), t = k / max(N-1, 1):
 *   LINEAR   sigma = R0 + (R1-R0) t            alpha = A0 + (A1-A0) t
 *   EXP      sigma = R0 (R1/R0)^t              alpha = A0 (A1/A0)^t
 *   INVERSE  sigma = R0 + (R1-R0) t            alpha = A / (k + B)
 *            with A = inverse_a, B = inverse_b; when either is 0, B = N/100
 *            (at least 1) and A = A0 B, so that alpha starts at A0
 *   MQL      the MQL5 lineage: sigma = R0 exp(-k/lambda), lambda = N/ln R0
 *            (sigma = R0 when R0 <= 1); alpha = A0 for k = 0 and
 *            A0 exp(-(k-1)/N) after; the neighbourhood is a gaussian cut at
 *            sigma (units with d < sigma), whatever `neighborhood` says. */
typedef enum som_schedule {
    SOM_SCHEDULE_LINEAR = 0,
    SOM_SCHEDULE_EXP = 1,
    SOM_SCHEDULE_INVERSE = 2,
    SOM_SCHEDULE_MQL = 3
} som_schedule;

/* The curve of the radius alone (radius_schedule), for rules whose radius
 * and rate decay differently (MiniSom's sigma_decay_function):
 *   SAME     sigma as `schedule` says (the table above; the default)
 *   LINEAR   sigma = R0 + (R1-R0) t      EXP  sigma = R0 (R1/R0)^t
 *   INVERSE  sigma = R0 B / (k + B) with B = N R1 / (R0 - R1): the
 *            hyperbola that would reach R1 at k = N (MiniSom's
 *            asymptotic_decay is R1 = R0/3, its inverse_decay_to_one
 *            R1 = 1); sigma = R0 when R1 >= R0. Needs R1 > 0.
 * The rate keeps following `schedule`. */
typedef enum som_radius_schedule {
    SOM_RADIUS_SAME = 0,
    SOM_RADIUS_LINEAR = 1,
    SOM_RADIUS_EXP = 2,
    SOM_RADIUS_INVERSE = 3
} som_radius_schedule;

/* The order of the samples in online training:
 *   SHUFFLED  a fresh random permutation every pass (the default)
 *   CYCLIC    the rows in their order, over and over (SOM_PAK's vsom,
 *             MiniSom's train_batch); the seed then only initialises. */
typedef enum som_order {
    SOM_ORDER_SHUFFLED = 0,
    SOM_ORDER_CYCLIC = 1
} som_order;

/* h(d, sigma) for a unit at grid distance d from the winner:
 *   GAUSSIAN      exp(-d^2 / (2 sigma^2))
 *   CUTGAUSS      the gaussian where d <= sigma, else 0
 *   BUBBLE        1 where d <= sigma, else 0
 *   EPANECHNIKOV  max(0, 1 - d^2 / sigma^2)
 *   MEXICAN_HAT   (1 - d^2 / sigma^2) exp(-d^2 / (2 sigma^2)), MiniSom's
 *                 mexican_hat: 1 at the winner, 0 at d = sigma, negative
 *                 beyond (least, -2 exp(-3/2) = -0.446, at d = sqrt(3)
 *                 sigma), so units there are pushed away from the sample.
 *                 Online training only: a batch map's weighted mean
 *                 sum h S / sum h n has no meaning when h < 0 (the sum can
 *                 vanish or turn negative), so batch training refuses it
 *                 with SOM_EINVAL.
 * With sigma = 0 only the winner (d = 0) has h = 1. */
typedef enum som_neighborhood {
    SOM_NEIGHBORHOOD_GAUSSIAN = 0,
    SOM_NEIGHBORHOOD_CUTGAUSS = 1,
    SOM_NEIGHBORHOOD_BUBBLE = 2,
    SOM_NEIGHBORHOOD_EPANECHNIKOV = 3,
    SOM_NEIGHBORHOOD_MEXICAN_HAT = 4
} som_neighborhood;

/* What the progress callback receives. */
typedef struct som_progress {
    size_t step, n_steps;   /* training steps done and planned: samples for
                               online training, passes for batch */
    size_t pass, n_passes;  /* whole passes done and planned */
    double sigma, alpha;    /* radius and rate of the last step (alpha NaN
                               for batch training) */
    double qe, te;          /* quality after the last completed pass when
                               measured (quality_every), else NaN */
    int end_of_pass;        /* 1 when this report closes a pass */
    const som_map *map;     /* the map in training; read-only in the callback */
} som_progress;

/* Return 0 to go on, non-zero to stop training cleanly. */
typedef int (*som_progress_fn)(const som_progress *progress, void *ctx);

typedef struct som_train_opts {
    som_algorithm algorithm;        /* default SOM_BATCH */
    size_t epochs;                  /* passes over the data (default 10) */
    size_t iterations;              /* online only: single-sample steps; when
                                       non-zero it overrides epochs (MQL5) */
    som_init init;                  /* default SOM_INIT_PCA */
    double radius0, radius1;        /* sigma start/end in grid units; a
                                       negative radius0 means max(rows,cols)/4
                                       after PCA or a kept codebook (already
                                       ordered), /2 after random or sample
                                       initialisation, and at least 1;
                                       a negative radius1 means 1 (MQL ends
                                       at 1 by construction and ignores it) */
    double rate0, rate1;            /* alpha start/end (online); default 0.5
                                       and 0.01; MQL uses rate0 (0.1 default
                                       when rate0 < 0) */
    double inverse_a, inverse_b;    /* A and B of SOM_SCHEDULE_INVERSE */
    som_schedule schedule;          /* default SOM_SCHEDULE_EXP */
    som_neighborhood neighborhood;  /* default gaussian */
    double neighbor_rate;           /* beta: the winner moves by alpha, every
                                       other unit by alpha*beta*h (default 1) */
    uint64_t seed;                  /* every random choice (default 1) */
    int threads;                    /* 0: all cores */
    size_t quality_every;           /* measure QE/TE every this many passes
                                       into the history (default 1, 0 = only
                                       before and after training) */
    som_progress_fn progress;       /* may be NULL */
    void *progress_ctx;
    size_t progress_every;          /* online: also report every this many
                                       steps (0 = only at pass ends) */
    const som_shard *shard;         /* distributed training (som_shard);
                                       NULL: every row is here (default) */
    som_radius_schedule radius_schedule; /* default SOM_RADIUS_SAME */
    som_order order;                /* online: default SOM_ORDER_SHUFFLED */
} som_train_opts;

/* Fills opts with the defaults above. */
SOM_API void som_train_opts_init(som_train_opts *opts);

/* Initialises the map's codebook from `data` (original units; scaled with
 * the map's scaling). SOM_INIT_PCA falls back to SOM_INIT_RANDOM when the
 * data has fewer than 2 columns or samples. With fewer rows than columns
 * (a wide table: genes x samples), PCA never builds the dim x dim
 * covariance: the components come from the rows x rows Gram matrix of the
 * centred rows (O(n^2 dim) time, O(n dim) memory). On a complete table
 * that is the same plane; with missing values, the covariance entry of two
 * fields divides by sqrt((n_a - 1)(n_b - 1)), their own counts less one,
 * instead of the pairwise-complete count less one (the variances on the
 * diagonal are the same). Errors: SOM_EDIM, SOM_EEMPTY, SOM_EINVAL,
 * SOM_ENOMEM. */
SOM_API int som_map_init(som_map *map, const som_data *data, som_init method,
                         uint64_t seed, som_error *err);

/* One training run. Created from a map (borrowed, must outlive the trainer
 * and not be used elsewhere while training) and data (borrowed likewise).
 * som_trainer_new initialises the codebook (opts->init) and measures the
 * starting quality. */
typedef struct som_trainer som_trainer;

SOM_API int som_trainer_new(som_map *map, const som_data *data,
                            const som_train_opts *opts, som_trainer **out,
                            som_error *err);
/* Trains until the end, or until the callback asks to stop (SOM_ESTOPPED,
 * the map consistent and training resumable by calling run again), or until
 * max_steps more steps have run (0 = no limit; returns SOM_OK, check
 * som_trainer_done). */
SOM_API int som_trainer_run(som_trainer *trainer, size_t max_steps,
                            som_error *err);
/* 1 when every planned step has run. */
SOM_API int som_trainer_done(const som_trainer *trainer);
/* Steps done so far and planned (samples for online, passes for batch). */
SOM_API size_t som_trainer_step(const som_trainer *trainer);
SOM_API size_t som_trainer_n_steps(const som_trainer *trainer);
SOM_API void som_trainer_free(som_trainer *trainer);

/* Convenience: som_trainer_new + som_trainer_run + som_trainer_free. */
SOM_API int som_map_train(som_map *map, const som_data *data,
                          const som_train_opts *opts, som_error *err);

/* som_map_train for a caller that is done with the data's values, as
 * `som train` is. The trainer works on scaled samples; som_map_train makes
 * a scaled copy of the data (as large as the data itself) whenever the map
 * has a scaling, while this function scales `data`'s values in place.
 * The trained map is the same. Afterwards — also after an error — the
 * values may be in the map's scaled space, so give the data to nothing
 * that expects original units; its titles, labels, masks, weights and
 * fixed points are unchanged. */
SOM_API int som_map_train_inplace(som_map *map, som_data *data,
                                  const som_train_opts *opts, som_error *err);

/* Checkpoints: a run saved between two steps and continued later to the
 * same bytes as a run that never stopped.
 *
 * som_trainer_save_state writes the trainer's map (codebook, scaling,
 * titles, history) as a .som model with one more, optional chunk 'trst'
 * (doc/FORMAT.md) holding the rest of the run: the resolved settings, step
 * and pass, the random generator's state, the online sample order and the
 * position in it, and a fingerprint of the data (sample count, dim and a
 * 64-bit hash of the values, mask, weights and fixed points). The file is a
 * model that som_map_load and `som info` read (they skip the chunk), and it
 * is written atomically (som_outfile): a crash mid-save leaves the previous
 * checkpoint intact. Call it between som_trainer_run calls, or from the
 * progress callback when progress->end_of_pass is 1 (the trainer is then
 * between two passes). Errors: SOM_EIO, SOM_EINVAL, SOM_ENOMEM. */
SOM_API int som_trainer_save_state(const som_trainer *trainer,
                                   const char *path, som_error *err);
/* Continues the run saved in `path`. Set up `map`, `data` and `opts` as for
 * the interrupted run's som_trainer_new (same grid, dim, scaling kind,
 * feature weights, data and settings); the map's codebook, scaling values and history are then
 * replaced by the checkpoint's, and *out is a trainer at the checkpoint's
 * step: running it to the end gives a map that saves to the same bytes as
 * the uninterrupted run. opts->threads and the progress fields may differ
 * from the first run's. Nothing is changed when the checkpoint does not
 * match: SOM_EDIM (grid, dim, sample count), SOM_EINVAL naming the setting
 * that differs, or "other data" when the values' hash differs; SOM_EFORMAT
 * for a model without training state, SOM_EIO, SOM_ECORRUPT, SOM_EVERSION
 * as for som_map_load. On SOM_ENOMEM the map's scaling may already be the
 * checkpoint's. */
SOM_API int som_trainer_resume(som_map *map, const som_data *data,
                               const som_train_opts *opts, const char *path,
                               som_trainer **out, som_error *err);

/* The settings of the map's last training (its callback fields are NULL),
 * or NULL for a map never trained. */
SOM_API const som_train_opts *som_map_train_settings(const som_map *map);

/* One entry of the training history: the map's quality after `pass` passes
 * (pass 0 = after initialisation). */
typedef struct som_history {
    size_t pass;
    double sigma, alpha; /* at the end of that pass (NaN for pass 0; alpha
                            NaN for batch training, which has no rate) */
    double qe, te;
} som_history;

SOM_API size_t som_map_history_len(const som_map *map);
SOM_API const som_history *som_map_history(const som_map *map);

/* ------------------------------------------------------------------------- */
/* Recognition                                                                */
/* ------------------------------------------------------------------------- */

/* The best-matching unit of one vector x (dim floats, original units): the
 * unit with the smallest squared Euclidean distance over the fields present
 * in `mask` (NULL: all fields; this is the MQL5 BestMatchingNode with a byte
 * map). Ties go to the lowest unit index. *dist (may be NULL) receives the
 * Euclidean distance in the scaled space. Errors: SOM_EINVAL (no field
 * present, NULL pointers), SOM_ENOMEM. */
SOM_API int som_map_bmu_vector(const som_map *map, const float *x,
                               const uint8_t *mask, size_t *unit, double *dist,
                               som_error *err);
/* The same comparing only fields 0..n_fields-1 (the MQL5 BestMatchingNode
 * with a dimension cut-off); equal to a mask of the first n_fields fields. */
SOM_API int som_map_bmu_vector_first(const som_map *map, const float *x,
                                     size_t n_fields, size_t *unit,
                                     double *dist, som_error *err);

/* BMUs of every row of `data` (original units) through the blocked
 * matrix-product path. units[n_samples] receives the BMU; dist (may be
 * NULL) the Euclidean distance in the scaled space; second (may be NULL)
 * the second-best unit. `threads` 0 = all cores. Precision: units are
 * ranked by float scores |w|^2 - 2 x.w and the two best re-measured in
 * double, so where units lie within float rounding of each other
 * (near-ties, a few rows in a hundred on a smooth trained map) the unit
 * may be one som_map_bmu_vector would not pick, at a distance within that
 * rounding of the best; dist is always the exact distance of the unit
 * given. The result does not depend on `threads` or on the other rows.
 * Errors: SOM_EDIM, SOM_EINVAL (a row with no present field), SOM_ENOMEM. */
SOM_API int som_map_bmus(const som_map *map, const som_data *data,
                         size_t *units, float *dist, size_t *second,
                         int threads, som_error *err);

/* Fills each row's missing fields (and the fields flagged in `unknown`, dim
 * bytes, 1 = treat as missing, may be NULL) from its BMU, found over the
 * other fields, in original units. The data's mask is cleared for filled
 * fields. If units is not NULL it receives each row's BMU. Errors as
 * som_map_bmus. */
SOM_API int som_map_predict(const som_map *map, som_data *data,
                            const uint8_t *unknown, size_t *units, int threads,
                            som_error *err);

/* ------------------------------------------------------------------------- */
/* Quality                                                                    */
/* ------------------------------------------------------------------------- */

typedef struct som_quality {
    double qe;        /* quantization error: mean distance (the map's,
                         som_map_distance) from each sample to its BMU,
                         scaled space, present fields */
    double te;        /* topographic error: share of samples whose best and
                         second-best units are not grid neighbours (d <= 1) */
    size_t n_samples;
    size_t n_units;
    size_t units_hit; /* units that are the BMU of at least one sample */
    size_t max_hits;  /* the most samples any one unit holds */
} som_quality;

/* Measures quality; hits (may be NULL) receives n_units counts. */
SOM_API int som_map_quality(const som_map *map, const som_data *data,
                            som_quality *quality, size_t *hits, int threads,
                            som_error *err);
/* U-matrix: for each unit the mean distance (scaled space) from its weights
 * to those of its grid neighbours; out has n_units entries. The distance is
 * the map's own (som_map_distance): euclidean sqrt(sum_j w_j (a_j - b_j)^2)
 * with its feature weights (som_map_set_feature_weights; computed in double
 * from the exact w_j), so that a field of weight 0 does not show; the other
 * distances on the coordinates times sqrt(w_j) (som.h, "the distance"). */
SOM_API void som_map_umatrix(const som_map *map, double *out);
/* The distance between the codebook vectors of units a and b in that
 * metric (scaled space); NaN for a unit out of range. */
SOM_API double som_map_unit_distance(const som_map *map, size_t a, size_t b);
/* Majority label of each unit's samples (ties: the label that sorts first);
 * out[n_units] receives borrowed pointers into data's labels, or NULL for a
 * unit with no sample. `units` are the rows' BMUs (from som_map_bmus). Data
 * without labels: SOM_EINVAL. */
SOM_API int som_map_unit_labels(const som_map *map, const som_data *data,
                                const size_t *units, const char **out,
                                som_error *err);

/* ------------------------------------------------------------------------- */
/* Analysis                                                                   */
/* ------------------------------------------------------------------------- */
/* What a trained map found: clusters of units, a map size chosen from the
 * data, per-feature weights in the distance, supervised maps that predict a
 * target column, and the distortion measure. */

/* ---- automatic map size ------------------------------------------------ */

/* Chooses a grid for `data` by the SOM Toolbox rule (som_topol_struct):
 * about 5 sqrt(n_samples) units, and sides in the ratio
 * sqrt(lambda1 / lambda2) of the two largest eigenvalues of the data's
 * covariance, computed in the space `scaling` gives (pairwise-complete
 * over missing values). The longer side is the columns, so that the map is
 * as wide, relative to its height, as the data's spread along its first
 * principal component is to its spread along the second; hexagonal rows
 * are sqrt(3)/2 apart and count for that much height. Data with one field
 * or a second eigenvalue of 0 gets a single row. A hexagonal toroid gets an
 * even row count. *ratio (may be NULL) receives sqrt(lambda1 / lambda2) (or
 * infinity). A table with fewer rows than columns takes the eigenvalues
 * from the rows x rows Gram matrix, as the PCA initialisation does
 * (som_map_init): seconds for 20,000 columns. Errors: SOM_EEMPTY (no
 * samples, a column with no value), SOM_EINVAL, SOM_ENOMEM. */
SOM_API int som_grid_auto(const som_data *data, som_scaling scaling,
                          som_topology topology, int toroid, som_grid *grid,
                          double *ratio, som_error *err);

/* ---- per-feature weights ------------------------------------------------- */

/* Per-feature weights w_j >= 0 make the distance sum_j w_j (x_j - m_j)^2
 * in the scaled space, in training (the winner search) and in recognition
 * (som_map_bmu_vector, som_map_bmus, som_map_predict, som_map_quality and
 * its QE, clustering). A weight of 0 keeps the field in the map, trained like any
 * other, without letting it steer the winner: that is how a supervised map
 * carries its targets. Weights are stored in the model.
 *
 * Exactness. The search multiplies both sides by s_j = (float)sqrt(w_j):
 * it ranks units by sum_j (fl(s_j x_j) - fl(s_j m_j))^2, which equals the
 * weighted distance up to float rounding of the two products (a relative
 * 2^-24 each); the ranking and the reported distances are therefore those
 * of the weighted distance except for near-ties closer than that. Weights
 * of 0 and 1 (and powers of 4) are exact: a field of weight 0 never changes
 * any winner, whatever its values; all-1 weights give the unweighted
 * results bit for bit. The U-matrix (som_map_umatrix) uses the weighted
 * distance too. */
/* Sets dim weights (finite, >= 0, at least one > 0); NULL (or all 1)
 * removes them. Errors: SOM_EINVAL naming the field, SOM_ENOMEM. */
SOM_API int som_map_set_feature_weights(som_map *map, const double *weights,
                                        som_error *err);
/* The dim weights, or NULL when every weight is 1. */
SOM_API const double *som_map_feature_weights(const som_map *map);

/* ---- the distance --------------------------------------------------------- */

/* The distance a map finds winners by, in training and in recognition
 * (som_map_bmu_vector, som_map_bmus, som_map_predict, som_map_quality's QE
 * and TE, the U-matrix, som_map_unit_distance, clustering), always in the
 * scaled space and over the present fields of a row with gaps (no
 * rescaling for the missing ones, as the Euclidean distance has none):
 *   euclidean  sqrt(sum_j (x_j - m_j)^2)                      (the default)
 *   cosine     1 - x.m / (|x| |m|)   (1 when either vector is 0)
 *   manhattan  sum_j |x_j - m_j|
 *   chebyshev  max_j |x_j - m_j|
 * Feature weights act on the coordinates, for every distance: both sides
 * are multiplied by sqrt(w_j) before the distance is taken, which is
 * sum_j w_j (x_j - m_j)^2 under the Euclidean distance, sum_j sqrt(w_j)
 * |x_j - m_j| under manhattan and the cosine of the weighted vectors.
 * Training keeps its update rules, with winners by the map's distance:
 * online w += alpha h (x - w), batch the neighbourhood-weighted mean (the
 * Euclidean minimiser; MiniSom and kohonen do the same). The codebook stays
 * in the data's (scaled) units under cosine, so component planes, predict
 * and fill keep their meaning. Stored in the model (.som chunk DIST, .json
 * "distance"); the other formats lose it (SOM_PART_DISTANCE). */
typedef enum som_distance {
    SOM_DISTANCE_EUCLIDEAN = 0,
    SOM_DISTANCE_COSINE = 1,
    SOM_DISTANCE_MANHATTAN = 2,
    SOM_DISTANCE_CHEBYSHEV = 3
} som_distance;
/* Sets the map's distance. Errors: SOM_EINVAL (NULL map, unknown value). */
SOM_API int som_map_set_distance(som_map *map, som_distance distance, som_error *err);
SOM_API som_distance som_map_distance(const som_map *map);

/* ---- supervised maps ------------------------------------------------------ */

/* A supervised map is trained on features plus targets, the targets
 * weighted 0 (or lightly) so that the features alone choose the winner;
 * afterwards the winner's target fields are the prediction (the SOM
 * Toolbox's som_supervised and kohonen's supersom work the same way).
 * A numeric target is a field like any other. A class target (text, the
 * data's label column) is one-hot encoded: one field per class, titled
 * "TARGET=CLASS" (e.g. "species=setosa"), 1 for the rows of that class and
 * 0 for the others; a row without a class (empty label) has those fields
 * missing, so it trains on its features only. The predicted class of a
 * unit is the class whose field is largest in the unit's weights (original
 * units): the class that holds the largest share of the rows the unit and
 * its neighbourhood represent. */

/* Appends the one-hot fields of `data`'s labels: one per distinct non-empty
 * label, in strcmp order, titled "<title>=<label>" where title is the
 * label column's title (som_data_label_title, or "label"). Rows, labels and
 * the other columns are kept. n_classes (may be NULL) receives the number
 * of classes. Errors: SOM_EINVAL (no label column, a title already taken),
 * SOM_ENOMEM. *out is a new data set. */
SOM_API int som_data_one_hot_labels(const som_data *data, som_data **out,
                                    size_t *n_classes, som_error *err);

/* The fields of target `name` in the map: a field titled `name` (numeric
 * target, returns 1) or the fields titled "name=CLASS" (class target,
 * returns their count, and *is_class = 1). fields (may be NULL) receives up
 * to max_fields field indices. Returns 0 when the map has no such target. */
SOM_API size_t som_map_target_fields(const som_map *map, const char *name,
                                     size_t *fields, size_t max_fields,
                                     int *is_class);

/* Predicts target `name` for every row of `data` (columns matched to the
 * map as som_map_align_data does): the BMU is found over the fields that
 * are not the target's (and present), and its target value is taken.
 * values (may be NULL; numeric targets) receives n_samples values in
 * original units; classes (may be NULL; class targets) receives n_samples
 * borrowed pointers to the class names (valid while the map lives); units
 * (may be NULL) the BMUs. Errors: SOM_EINVAL (no such target, a row with no
 * feature to search with), SOM_EDIM, SOM_ENOMEM. */
SOM_API int som_map_predict_target(const som_map *map, const som_data *data,
                                   const char *name, float *values,
                                   const char **classes, size_t *units,
                                   int threads, som_error *err);

/* How well the map predicts target `name` on `data`, whose rows carry the
 * true values (a numeric column titled `name`; for a class target the
 * label column). Rows without a true value are not counted. */
typedef struct som_target_eval {
    int is_class;       /* 1: classes (accuracy), 0: numbers (rmse) */
    size_t n_rows;      /* rows with a true value */
    size_t n_correct;   /* classes: rows predicted right */
    double accuracy;    /* classes: n_correct / n_rows (NaN when 0 rows) */
    double rmse;        /* numbers: root mean squared error, original units */
    double mae;         /* numbers: mean absolute error, original units */
} som_target_eval;

SOM_API int som_map_eval_target(const som_map *map, const som_data *data,
                                const char *name, som_target_eval *out,
                                int threads, som_error *err);

/* ---- clusters of units ---------------------------------------------------- */

typedef enum som_cluster_method {
    SOM_CLUSTER_KMEANS = 0, /* k-means on the codebook, k-means++ seeding */
    SOM_CLUSTER_WARD = 1    /* agglomerative Ward linkage between grid
                               neighbours only: contiguous clusters */
} som_cluster_method;

typedef struct som_cluster_opts {
    som_cluster_method method; /* default SOM_CLUSTER_KMEANS */
    size_t k;                  /* clusters; 0 = choose by the Davies-Bouldin
                                  index over k_min..k_max (default 0) */
    size_t k_min, k_max;       /* default 2 and 10, capped at n_units - 1 */
    uint64_t seed;             /* k-means++ seeding (default 1) */
    size_t restarts;           /* k-means runs from different seedings; the
                                  one with the least inertia wins
                                  (default 10) */
    size_t max_iter;           /* k-means iterations per run (default 100) */
} som_cluster_opts;

SOM_API void som_cluster_opts_init(som_cluster_opts *opts);

/* Clusters the map's units by their weights (the scaled space, multiplied
 * by the square roots of the feature weights; for a cosine map each unit's
 * vector scaled to unit length, so that the sums of squares of k-means and
 * Ward group by angle; manhattan and chebyshev maps keep the sums of
 * squares, which have no such counterpart) and stores the result in the
 * map (som_map_clusters; saved in the model). Clusters are numbered
 * 0..k-1 in the order of their first unit. With opts->k = 0 each k of
 * k_min..k_max is tried and the k with the smallest Davies-Bouldin index
 * is kept (ties: the smaller k); db (may be NULL) receives the index of
 * each k tried, db[k - k_min], k_max - k_min + 1 values (NaN where k could
 * not be tried). Deterministic for a given seed. Errors: SOM_EINVAL (bad
 * options, k > n_units), SOM_ENOMEM. */
SOM_API int som_map_cluster(som_map *map, const som_cluster_opts *opts,
                            double *db, som_error *err);
/* Number of clusters (0: the map has none) and each unit's cluster
 * (n_units values below that number, or NULL). */
SOM_API size_t som_map_n_clusters(const som_map *map);
SOM_API const uint32_t *som_map_clusters(const som_map *map);
/* Sets the clusters from n_units values (each < k); NULL removes them.
 * Errors: SOM_EINVAL (a value >= k, k = 0), SOM_ENOMEM. */
SOM_API int som_map_set_clusters(som_map *map, const uint32_t *clusters,
                                 size_t k, som_error *err);

/* The building blocks, on plain row-major n x dim float arrays (they take
 * no map, so they work on any set of vectors).
 * som_vectors_kmeans: Lloyd's k-means from k-means++ seeding (the library's
 * random generator, seeded with `seed`), `restarts` runs (>= 1) of at most
 * max_iter iterations; labels[n] receives clusters numbered in order of
 * first appearance, *inertia (may be NULL) the sum of squared distances to
 * the centroids. Errors: SOM_EINVAL (k = 0 or k > n), SOM_ENOMEM. */
SOM_API int som_vectors_kmeans(const float *x, size_t n, size_t dim, size_t k,
                               uint64_t seed, size_t restarts, size_t max_iter,
                               uint32_t *labels, double *inertia,
                               som_error *err);
/* Ward's agglomerative clustering of the units of `grid` (x holds one row
 * per unit) where only clusters that touch on the grid (som_grid_neighbors)
 * may merge: every cluster is a connected set of units. The pair whose
 * merge adds the least within-cluster sum of squares,
 * n_a n_b / (n_a + n_b) |c_a - c_b|^2, merges first (ties: the pair with
 * the smallest cluster numbers). */
SOM_API int som_grid_ward(const float *x, const som_grid *grid, size_t dim,
                          size_t k, uint32_t *labels, som_error *err);
/* The Davies-Bouldin index of a partition: the mean over clusters of the
 * largest (s_a + s_b) / |c_a - c_b| over the other clusters, with s the
 * mean Euclidean distance of a cluster's members to its centroid. Lower is
 * better. *index receives it, or NaN when k < 2 or a cluster is empty.
 * Errors: SOM_EINVAL (a label >= k, NULL pointers), SOM_ENOMEM. */
SOM_API int som_vectors_davies_bouldin(const float *x, size_t n, size_t dim,
                                       const uint32_t *labels, size_t k,
                                       double *index, som_error *err);

/* ---- distortion ----------------------------------------------------------- */

/* The distortion measure of the SOM Toolbox (som_distortion): the mean over
 * the rows of sum_j h(b, j) |x - m_j|^2, b the row's BMU and h the map's
 * neighbourhood function (its training setting; the MQL schedule's cut
 * gaussian) at radius `radius`; a negative radius means the map's final
 * training radius (radius1), or 1 for an untrained map. It is the energy
 * that training lowers (approximately); with radius 0 it is the mean
 * squared quantization error. Scaled space, present fields, feature
 * weights applied. Errors as som_map_bmus. */
SOM_API int som_map_distortion(const som_map *map, const som_data *data,
                               double radius, double *distortion, int threads,
                               som_error *err);

/* ---- summaries: what the map says about its data --------------------------- */
/* The numbers `som report` shows, for any client: labels per unit, the
 * units that hold each label best, per-cluster profiles of the rows, and how
 * alike the component planes are. `units` arguments are the rows' BMUs
 * (som_map_bmus on data aligned to the map, som_map_align_data). */

/* The distinct non-empty labels of `data`, in strcmp order: the first `max`
 * go to out[] (borrowed pointers into data's labels; out may be NULL when
 * max is 0) and *n receives how many there are in all. Errors: SOM_EINVAL
 * (no label column), SOM_ENOMEM. */
SOM_API int som_data_distinct_labels(const som_data *data, const char **out,
                                     size_t max, size_t *n, som_error *err);
/* Rows per label and unit: counts[l * n_units + u] receives the number of
 * rows labelled labels[l] whose BMU units[i] is u (n_labels x n_units
 * values). Rows whose label is not in the list are not counted; a label
 * listed twice is counted at its first place. Errors: SOM_EINVAL (no label
 * column, a unit not on the map), SOM_ENOMEM. */
SOM_API int som_map_label_counts(const som_map *map, const som_data *data,
                                 const size_t *units,
                                 const char *const *labels, size_t n_labels,
                                 size_t *counts, som_error *err);
/* The units that hold each label best, from som_map_label_counts' table:
 * best[l * top + r] is label l's r-th unit, ranked by its rows of that
 * label (more first), then by purity — that count over all the rows the
 * unit holds in the table — (higher first), then by unit index; SIZE_MAX
 * where fewer than r + 1 units hold the label. Errors: SOM_EINVAL,
 * SOM_ENOMEM. */
SOM_API int som_label_counts_best_units(const size_t *counts, size_t n_labels,
                                        size_t n_units, size_t top,
                                        size_t *best, som_error *err);
/* Profiles of k clusters of units (clusters[n_units], each < k; e.g.
 * som_map_clusters) by the rows of `data` (the map's fields, original
 * units) whose BMU units[i] lies in them. Each output may be NULL:
 *   n_units[k]      units in the cluster
 *   n_rows[k]       rows in the cluster
 *   mean[k * dim]   the mean of each field over the cluster's rows
 *   sd[k * dim]     their population standard deviation (divided by n)
 *   z[k * dim]      (mean - overall mean) / overall sd: how many of the
 *                   field's standard deviations over all rows the
 *                   cluster's mean lies from the overall mean
 * Missing values are left out of each field's sums. NaN where a cluster
 * has no value of a field, and z NaN where the field is constant. With
 * k = 1 and every unit in cluster 0 the profile is the whole data's.
 * Errors: SOM_EDIM, SOM_EINVAL (k = 0, a cluster >= k, a unit not on the
 * map), SOM_ENOMEM. */
SOM_API int som_map_cluster_profiles(const som_map *map, const som_data *data,
                                     const size_t *units,
                                     const uint32_t *clusters, size_t k,
                                     size_t *n_units, size_t *n_rows,
                                     double *mean, double *sd, double *z,
                                     som_error *err);
/* How alike the component planes are: out[a * dim + b] receives Pearson's
 * correlation of fields a and b across the units' weights (dim x dim,
 * symmetric; the scaling is a positive affine map per field, so this is
 * the correlation in original units too). 1 on the diagonal; NaN in the
 * row and column of a constant plane. Errors: SOM_EINVAL, SOM_ENOMEM. */
SOM_API int som_map_plane_correlations(const som_map *map, double *out,
                                       som_error *err);
/* How much each plane varies across the map: out[dim] receives the
 * population standard deviation of each field's weights across the units,
 * in the scaled space (comparable between fields under zscore and minmax
 * scaling; in the fields' own units without scaling). */
SOM_API void som_map_plane_spread(const som_map *map, double *out);

/* ------------------------------------------------------------------------- */
/* Settings and the whole fit                                                 */
/* ------------------------------------------------------------------------- */

/* Everything a training run needs beyond the data: the map's shape and
 * scaling, the training settings, and the steps around training that every
 * front-end wants (the automatic grid, supervised targets, feature weights
 * by title, a starting codebook from a file, checkpoints). `som train`, the
 * web app's jobs and the Python binding fill one of these (by name through
 * the settings table: som_fit_opts_set) and call som_fit.
 *
 * Strings are owned by the struct: set them with som_fit_opts_set (which
 * copies) and release them with som_fit_opts_clear. */
typedef struct som_fit_opts {
    som_train_opts train;   /* the training itself (som_train_opts_init);
                               its progress, shard and threads fields are
                               the caller's */
    som_grid grid;          /* rows = cols = 0: automatic (som_grid_auto);
                               topology and toroid always apply */
    som_scaling scaling;    /* default SOM_SCALE_ZSCORE */
    som_distance distance;  /* default SOM_DISTANCE_EUCLIDEAN */
    char *init_codebook;    /* a model file whose weights start the map
                               (train.init becomes SOM_INIT_KEEP); NULL */
    char *targets;          /* comma-separated titles trained as fields but
                               weighted target_weight in the winner search;
                               the label column's title one-hot encodes the
                               classes (som_data_one_hot_labels); NULL */
    double target_weight;   /* default 0 */
    char *weights;          /* "TITLE=W,...": feature weights by title; NULL */
    char *checkpoint;       /* path of the checkpoint file; NULL = none */
    size_t checkpoint_every;/* save it every this many passes (0 = never) */
    int resume;             /* continue from `checkpoint` when it exists */
    uint64_t set_;          /* private: bit i = entry i of the settings
                               table was set by som_fit_opts_set */
} som_fit_opts;

/* Fills opts with the defaults (no strings). */
SOM_API void som_fit_opts_init(som_fit_opts *opts);
/* Frees the strings and sets opts back to the defaults. */
SOM_API void som_fit_opts_clear(som_fit_opts *opts);

/* The names of the enums, as every file format, JSON export and front-end
 * writes them ("rect", "zscore", "mexican-hat", ...): one list per enum, in
 * value order. */
typedef enum som_enum {
    SOM_ENUM_TOPOLOGY = 0,     /* rect hex */
    SOM_ENUM_SCALING = 1,      /* none zscore minmax */
    SOM_ENUM_ALGORITHM = 2,    /* online batch */
    SOM_ENUM_INIT = 3,         /* random pca sample keep */
    SOM_ENUM_SCHEDULE = 4,     /* linear exp inverse mql */
    SOM_ENUM_NEIGHBORHOOD = 5, /* gaussian cutgauss bubble epanechnikov mexican-hat */
    SOM_ENUM_CLUSTER_METHOD = 6, /* kmeans ward */
    SOM_ENUM_SETTING_TYPE = 7, /* som_setting_type: choice size number pair grid flag text */
    SOM_ENUM_SETTING_GROUP = 8, /* som_setting_group: map training supervised */
    SOM_ENUM_DISTANCE = 9,     /* euclidean cosine manhattan chebyshev */
    SOM_ENUM_RADIUS_SCHEDULE = 10, /* same linear exp inverse */
    SOM_ENUM_ORDER = 11        /* shuffled cyclic */
} som_enum;

/* The name of `value` in enum `e` (static); "?" for a value outside it. */
SOM_API const char *som_enum_name(som_enum e, int value);
/* The value named `name` in enum `e` (>= 0), or SOM_EINVAL. */
SOM_API int som_enum_value(som_enum e, const char *name);
/* Every name of enum `e`, NULL-terminated, in value order (static); NULL
 * for an unknown e. */
SOM_API const char *const *som_enum_names(som_enum e);

/* The settings table (the idea of zstd's parameters and libvips' argument
 * descriptions): one entry per setting of a fit, with everything a
 * front-end needs to offer it, parse it and explain it. `som train`'s
 * options and help, the web API's settings (GET /api/settings) and `som
 * info` are built from it; every front-end sets values through
 * som_fit_opts_set, so that a value is checked, and refused with the same
 * words, in one place. */
typedef enum som_setting_type {
    SOM_SETTING_CHOICE = 0, /* one of `choices` */
    SOM_SETTING_SIZE = 1,   /* a whole number in [min[0], max[0]] */
    SOM_SETTING_NUMBER = 2, /* a finite number in its bounds */
    SOM_SETTING_PAIR = 3,   /* "A" or "A:B", each in its bounds; ":B" keeps
                               A at its default (when it has one) */
    SOM_SETTING_GRID = 4,   /* "ROWSxCOLS" */
    SOM_SETTING_FLAG = 5,   /* "true" or "false"; on the command line the
                               option alone means true */
    SOM_SETTING_TEXT = 6    /* non-empty text */
} som_setting_type;

typedef enum som_setting_group {
    SOM_SETTING_GROUP_MAP = 0,       /* the map's shape and scaling */
    SOM_SETTING_GROUP_TRAINING = 1,  /* how it is trained */
    SOM_SETTING_GROUP_SUPERVISED = 2 /* targets and feature weights */
} som_setting_group;

/* The algorithms an entry applies to, as bits: 1 << SOM_ONLINE and
 * 1 << SOM_BATCH. */
#define SOM_SETTING_ONLINE (1u << SOM_ONLINE)
#define SOM_SETTING_BATCH (1u << SOM_BATCH)

typedef struct som_setting {
    const char *name;           /* as the command line spells it, without
                                   the dashes: "epochs", "init-codebook" */
    som_setting_type type;
    som_setting_group group;
    const char *value_name;     /* the value in help: "E", "R0[:R1]";
                                   NULL for a flag */
    const char *const *choices; /* CHOICE: the names accepted, NULL-ended
                                   (a prefix of som_enum_names) */
    double min[2], max[2];      /* SIZE, NUMBER, PAIR: bounds of the value
                                   (of each part of a pair) */
    int min_open[2];            /* 1: min itself is refused (> rather
                                   than >=) */
    const char *expects;        /* what a good value is, in words: "a whole
                                   number >= 1" (the error says "expected
                                   <expects>, got '<value>'") */
    const char *default_words;  /* the default in words, as help states
                                   it ("R0 = max(rows,cols)/4 after
                                   ..."); NULL: none to state. As text:
                                   som_setting_default */
    unsigned algorithms;        /* SOM_SETTING_ONLINE | SOM_SETTING_BATCH */
    const char *help;           /* what it does, one sentence */
} som_setting;

/* The entries, in the order help lists them (static, never freed). */
SOM_API size_t som_settings_count(void);
/* Entry i (< som_settings_count()), or NULL. */
SOM_API const som_setting *som_settings_at(size_t i);
/* The entry named `name` ("neighbor_rate" finds "neighbor-rate"), or NULL. */
SOM_API const som_setting *som_settings_find(const char *name);

/* Sets the setting `name` (an entry of the table, or "checkpoint": the
 * checkpoint file's path, which front-ends choose rather than offer) from
 * its text form, and remembers that it was set (the implied rules of
 * som_fit_opts_check need it). Errors: SOM_EINVAL with a message
 * "NAME: expected EXPECTS, got 'VALUE'" (or the grid's own words), or
 * "unknown setting 'NAME'"; SOM_ENOMEM. */
SOM_API int som_fit_opts_set(som_fit_opts *opts, const char *name, const char *value,
                             som_error *err);
/* Writes the value of `name` as text that som_fit_opts_set accepts into
 * buf (size bytes, cut short if too small); "" for a setting left to its
 * automatic default (grid, radius, a file not given). (One exception: init
 * reads "keep" once som_fit_opts_check has applied init-codebook.) Errors:
 * SOM_EINVAL (unknown name). */
SOM_API int som_fit_opts_get(const som_fit_opts *opts, const char *name, char *buf,
                             size_t size, som_error *err);
/* The rules between settings, in one place: applies what a setting implies
 * where the other was not set (mexican-hat and iterations select online
 * training, inverse selects the inverse schedule, init-codebook selects
 * SOM_INIT_KEEP) and refuses what contradicts (mexican-hat or iterations
 * with batch training set, epochs with iterations, inverse with another
 * schedule, target-weight without target, init with init-codebook, a grid
 * its topology cannot wrap, a zero end radius or rate with the exp
 * schedule). Call it once after the last som_fit_opts_set. Errors:
 * SOM_EINVAL, naming the settings. */
SOM_API int som_fit_opts_check(som_fit_opts *opts, som_error *err);
/* The default of entry `s` given the other settings in opts (radius after
 * pca or random, rate with mql, ...), as text for som_fit_opts_set, into
 * buf. Returns 1 when written, 0 when it depends on the data (an automatic
 * grid, the steps of the inverse schedule) or there is none (buf gets "";
 * default_words says it), or SOM_EINVAL. */
SOM_API int som_setting_default(const som_setting *s, const som_fit_opts *opts, char *buf,
                                size_t size);

/* What a fit chose and did, for a front-end's summary. */
typedef struct som_fit_info {
    som_grid grid;          /* the map's grid */
    int auto_grid;          /* 1: chosen from the data (som_grid_auto) */
    double grid_ratio;      /* som_grid_auto's sqrt(lambda1 / lambda2):
                               infinity when the units lie in one line (one
                               row, one field, points on a line); NaN when
                               the grid was given */
    size_t n_samples, dim;  /* rows and fields trained on (dim counts the
                               one-hot fields of a class target) */
    size_t n_classes;       /* classes one-hot encoded (0: none) */
    int resumed;            /* 1: continued from opts->checkpoint */
    size_t resumed_step;    /* the step it continued at */
    size_t n_steps;         /* steps planned (once training has started) */
    const char *setting;    /* after a failure that a setting's value caused
                               (a title the data lacks, a malformed weight):
                               the setting's name ("target", "weights"),
                               static; NULL otherwise. A command line shows
                               these as usage errors (exit 2). */
} som_fit_info;

/* The whole fit, from data and settings to a trained map:
 *   1. targets: each title in opts->targets must be a column of the data
 *      or its label column; the label column is one-hot encoded
 *      (som_data_one_hot_labels) and every class field is a target;
 *   2. feature weights: 1 for every field, target_weight for the targets,
 *      then opts->weights ("TITLE=W,...", W >= 0) by title;
 *   3. the grid: opts->grid, or with rows = cols = 0 som_grid_auto;
 *   4. a map with the data's titles, its scaling fitted (over every shard:
 *      opts->train.shard), the weights set;
 *   5. the starting codebook: the weights of the model opts->init_codebook
 *      (any format som_map_load_any reads; same grid and field count), in
 *      original units, so that either model's scaling does not matter; the
 *      training's init is then SOM_INIT_KEEP;
 *   6. training (opts->train, its progress callback included), with the
 *      whole state saved to opts->checkpoint every opts->checkpoint_every
 *      passes (not after the last), or continued from it when opts->resume
 *      is set and the file exists (to the same bytes as a run never
 *      stopped; without the file it starts from the beginning).
 *
 * `data_name` names the data in messages ("iris.csv has no column 'x'");
 * NULL says "the data". Errors name the setting and the title or file in
 * words; those a setting's value causes set info->setting. */
SOM_API int som_fit(som_data *data, const som_fit_opts *opts, unsigned flags,
                    const char *data_name, som_map **out, som_fit_info *info,
                    som_error *err);

/* flags of som_fit and som_fitter_new. */
#define SOM_FIT_TAKE_DATA 1u /* the fit owns `data` from the call on (also
                                when it fails) and frees it: the original
                                goes as soon as its one-hot form exists, and
                                without a checkpoint file training scales
                                the values in place (som_map_train_inplace:
                                no scaled copy, the lower peak memory).
                                Without it `data` is only read, and must
                                outlive the fitter. */

/* ------------------------------------------------------------------------- */
/* Files                                                                      */
/* ------------------------------------------------------------------------- */

/* Saves the map in libsom's native format (doc/FORMAT.md): little-endian,
 * magic and version, every setting, titles, scaling, history and the float32
 * codebook, CRC-32 at the end. Atomic: the file appears complete or not at
 * all, and an existing file survives a failed save. Errors: SOM_EIO,
 * SOM_EINVAL (NULL arguments, a title longer than 4 GiB), SOM_ENOMEM. */
SOM_API int som_map_save(const som_map *map, const char *path, som_error *err);
/* The same bytes into a buffer allocated with the libsom allocator; free it
 * with som_free. */
SOM_API int som_map_save_mem(const som_map *map, void **buf, size_t *len,
                             som_error *err);
/* Loads a native map ("-" reads standard input), checking every size
 * against the file length before allocating and the CRC-32; every defect is
 * named. Errors: SOM_EIO, SOM_EFORMAT, SOM_ECORRUPT, SOM_EVERSION,
 * SOM_ENOTSUP (an unknown critical chunk: a newer writer), SOM_ENOMEM. */
SOM_API int som_map_load(const char *path, som_map **out, som_error *err);
SOM_API int som_map_load_mem(const void *buf, size_t len, const char *name,
                             som_map **out, som_error *err);
/* Frees memory that any libsom layer allocated for the caller: the bytes of
 * som_map_save_mem, of the pictures of som_render.h and som_art.h in memory
 * (som_render_mem, som_canvas_finish, som_art_render_mem, ...). The one
 * free for every buffer libsom hands over; objects have their own
 * som_*_free. NULL is a no-op. */
SOM_API void som_free(void *ptr);

/* FNV-1a 64 of n bytes: h = 14695981039346656037, then for each byte b
 * h = (h ^ b) * 1099511628211 (mod 2^64). libsom's one non-cryptographic
 * hash, for whatever needs one (field titles in lookups, avatars' names in
 * som_art.h, the server's ETags); the same bytes give the same value in
 * every version. Not for adversaries. */
SOM_API uint64_t som_hash(const void *bytes, size_t n);

/* Atomic output files, for every writer in and on top of libsom: write to a
 * temporary file beside `path`, then som_outfile_commit flushes, fsyncs and
 * renames it into place; som_outfile_abort (or a failed commit) removes the
 * temporary and leaves any old file untouched. A replaced file keeps its
 * mode (and its owner where the process may set it); a new one gets 0666
 * less the umask; a symbolic link is replaced, its target left alone. What
 * is not a regular file is never replaced: a FIFO or a character device
 * (/dev/null) is written in place, "-" and /dev/stdout mean standard output,
 * /dev/stderr and /dev/fd/N that descriptor (no atomicity for any of
 * these); a directory, a socket or a block device is refused (SOM_EIO). A
 * failed write is reported by the commit with its reason ("No space left on
 * device"). */
typedef struct som_outfile som_outfile;
SOM_API int som_outfile_open(const char *path, som_outfile **out,
                             som_error *err);
/* The stream to write to; owned by the outfile. */
SOM_API FILE *som_outfile_stream(som_outfile *f);
SOM_API int som_outfile_commit(som_outfile *f, som_error *err);
SOM_API void som_outfile_abort(som_outfile *f);
/* Removes the temporary file of every outfile open now (up to 16 at once
 * are tracked), for a signal handler about to end the process: it only
 * calls unlink and is async-signal-safe. The outfiles themselves stay
 * open; the process is expected to end. */
SOM_API void som_outfile_remove_temporaries(void);

/* ------------------------------------------------------------------------- */
/* Formats: one registry                                                      */
/* ------------------------------------------------------------------------- */
/* Every file format libsom reads or writes has one entry in a table: its
 * name, its file name extensions, how its first bytes are told, what it can
 * be used for (loading or saving a map, reading or writing data) and which
 * parts of a map or a data set it holds. The calls below choose a format by
 * an explicit name, else by the file name's extension, else (loading a map)
 * by the content. The formats (doc/FORMAT.md):
 *
 *   name     extensions         use               holds
 *   som      .som               map in and out    everything
 *   json     .json              map in and out    everything (as text)
 *   somnet   .somnet            map in and out    codebook, titles
 *   cod      .cod .cod.gz       map in and out    codebook, hex topology,
 *                                                 titles
 *   wts      .wts               map in and out    codebook
 *   umx      .umx               map out           the U-matrix only
 *   csv      .csv               data in and out   titles, labels
 *   npy      .npy               data in and out   the values only
 *   dat      .dat .dat.gz       data in and out   titles, labels, sample
 *                                                 weights, fixed points
 *   lrn      .lrn               data in and out   titles, labels (keys)
 *
 * Every data format keeps missing values. Saving a map in a format that
 * cannot hold a part of it leaves that part out: som_map_losses says which
 * parts, so that a front-end can say so (som convert prints each). */

/* The parts of a map or a data set a format may hold (bits). */
typedef enum som_part {
    SOM_PART_CODEBOOK = 1u << 0,        /* the units' weights */
    SOM_PART_HEX = 1u << 1,             /* a hexagonal grid */
    SOM_PART_TOROID = 1u << 2,          /* a toroid's wrap */
    SOM_PART_SCALING = 1u << 3,         /* per-column scaling */
    SOM_PART_TITLES = 1u << 4,          /* column titles */
    SOM_PART_CLUSTERS = 1u << 5,        /* clusters of units */
    SOM_PART_FEATURE_WEIGHTS = 1u << 6, /* per-feature weights */
    SOM_PART_SETTINGS = 1u << 7,        /* training settings */
    SOM_PART_HISTORY = 1u << 8,         /* training history */
    SOM_PART_LABELS = 1u << 9,          /* row labels (data) */
    SOM_PART_SAMPLE_WEIGHTS = 1u << 10, /* per-sample weights (data) */
    SOM_PART_FIXED = 1u << 11,          /* fixed points (data) */
    SOM_PART_DISTANCE = 1u << 12        /* a distance other than euclidean */
} som_part;
#define SOM_PART_COUNT 13

/* What a format can be used for (bits). */
typedef enum som_format_use {
    SOM_FORMAT_LOAD_MAP = 1u << 0,
    SOM_FORMAT_SAVE_MAP = 1u << 1,
    SOM_FORMAT_READ_DATA = 1u << 2,
    SOM_FORMAT_WRITE_DATA = 1u << 3
} som_format_use;

/* One format, as the registry describes it. Borrowed: valid for the life of
 * the process. */
typedef struct som_format_info {
    const char *name;               /* "som", "somnet", "cod", ... */
    const char *description;        /* one line, e.g. "SOM_PAK codebook" */
    const char *const *extensions;  /* NULL-terminated, e.g. ".cod", ".cod.gz";
                                       matched ignoring case */
    unsigned uses;                  /* som_format_use bits */
    unsigned holds;                 /* som_part bits it keeps */
} som_format_info;

/* The formats, in a fixed order: som_format_at(i) for i < som_format_count(),
 * NULL past the end. */
SOM_API size_t som_format_count(void);
SOM_API const som_format_info *som_format_at(size_t i);
/* The format called `name` (ignoring case), or NULL. */
SOM_API const som_format_info *som_format_named(const char *name);
/* The format a file name's extension says (".cod.gz" before ".gz"), or
 * NULL when no format has that extension. */
SOM_API const som_format_info *som_format_of_path(const char *path);
/* The map format `buf` (the whole file or its first bytes) is in, told by
 * its content: the .som magic, an ESOM '%' header (.wts), a SOM_PAK
 * codebook header ("dim rect|hexa ..."), else a .somnet when the first
 * double is a plausible header; NULL when none fits. */
SOM_API const som_format_info *som_format_sniff(const void *buf, size_t len);

/* The name of a part ("hexagonal topology") and what leaving it out means
 * for the file read back ("the map is read back as rectangular"); "" for
 * a value that is not one som_part bit. */
SOM_API const char *som_part_name(som_part part);
SOM_API const char *som_part_loss(som_part part);

/* The parts of `map` that saving it in `format` (a name; NULL: the format
 * of `path`'s extension) leaves out: the som_part bits of what the map has
 * (a hexagonal grid, a toroid, scaling, titles other than 1..dim,
 * clusters, feature weights, settings, history) that the format cannot
 * hold, in *lost (0: nothing is lost). When the format holds no codebook
 * (.umx) *lost is just SOM_PART_CODEBOOK. Errors: SOM_EINVAL (NULL
 * arguments, a format that does not save maps, an unknown name). */
SOM_API int som_map_losses(const som_map *map, const char *format,
                           const char *path, unsigned *lost, som_error *err);
/* The same for a data set: titles other than 1..dim, labels, sample
 * weights and fixed points that `format` cannot hold. */
SOM_API int som_data_losses(const som_data *data, const char *format,
                            const char *path, unsigned *lost, som_error *err);

/* Loads a map from `path` ("-": standard input) in `format` (a name), or,
 * when format is NULL, in the format of the name's extension; a name
 * without extension that does not exist is tried with ".somnet" (MQL5's
 * DownloadNet); any other name is told by its content (som_format_sniff).
 * Text formats and .somnet may be gzip-compressed. Errors: those of the
 * format's reader (SOM_EIO, SOM_EFORMAT with file:line:column,
 * SOM_ECORRUPT, SOM_EVERSION, SOM_ENOMEM), SOM_ENOTSUP for a format that
 * loads no maps (.umx: an export), SOM_EINVAL for an unknown name. */
SOM_API int som_map_load_as(const char *path, const char *format,
                            som_map **out, som_error *err);
/* The same from memory; `name` (may be NULL) is used in messages and,
 * when format is NULL, for its extension before the content. */
SOM_API int som_map_load_buffer(const void *buf, size_t len, const char *name,
                                const char *format, som_map **out,
                                som_error *err);
/* Saves a map in `format` (NULL: by the extension of `path`), atomically.
 * What the format cannot hold is left out (som_map_losses). Errors: the
 * writer's, SOM_EINVAL for a name whose format says nothing ("cannot tell
 * the format from the name") or a format that saves no maps. */
SOM_API int som_map_save_as(const som_map *map, const char *path,
                            const char *format, som_error *err);
/* Reads a data set from `path` ("-": standard input) in `format` (NULL: by
 * the extension; a name without a data format's extension is CSV). `opts`
 * (may be NULL) applies to CSV. Errors: the format's reader's. */
SOM_API int som_data_read_as(const char *path, const char *format,
                             const som_csv_opts *opts, som_data **out,
                             som_error *err);
/* The same from memory (NULL format: by `name`'s extension, else a .npy by
 * its magic, else CSV). */
SOM_API int som_data_read_buffer(const void *buf, size_t len, const char *name,
                                 const char *format, const som_csv_opts *opts,
                                 som_data **out, som_error *err);
/* Writes a data set in `format` (NULL: by the extension; any other name is
 * CSV), atomically. What the format cannot hold is left out
 * (som_data_losses). */
SOM_API int som_data_write_as(const som_data *data, const char *path,
                              const char *format, som_error *err);

/* ------------------------------------------------------------------------- */
/* Interchange formats                                                        */
/* ------------------------------------------------------------------------- */
/* Files of other SOM tools, read and written beside libsom's own (the
 * layouts and what libsom chose where a format leaves room are specified in
 * doc/FORMAT.md, "Interchange formats"). Read and write them through the
 * registry's calls above (som_map_load_as, som_data_read_as, ...); the
 * per-format calls below marked SOM_DEPRECATED are those calls with the
 * format named, kept for one release. The others have no generic form:
 * som_map_save_somnet's picture size, .cls classes, .bm best matches, the
 * .npy row ranges and shape, and CSV to .npy in bounded memory.
 *   .somnet          the MQL5 article's network (flat little-endian doubles)
 *   .dat, .cod       SOM_PAK data and codebook files (also .dat.gz, .cod.gz)
 *   .lrn .wts .umx   Databionic ESOM / Somoclu data, weights, U-matrix,
 *   .bm  .cls        best matches and classes
 *   .json            a whole map as JSON: a model format (.som -> .json ->
 *                    .som gives the same bytes) and an export for scripts
 * Every reader names the file, line and column of the first defect it finds
 * (SOM_EFORMAT); every writer is atomic (som_outfile_*) and prints floats
 * with %.9g in the C locale, so that they read back as the same floats
 * (JSON: som_json.h's rules, which also keep doubles exact). */

/* Per-sample training weights (SOM_PAK's `weight=W`): online training
 * multiplies the learning rate by the sample's weight, batch training the
 * sample's share of each unit's sums. NULL when every weight is 1. */
SOM_API const double *som_data_weights(const som_data *data);
/* Sets sample i's weight (finite, >= 0). Errors: SOM_EINVAL, SOM_ENOMEM. */
SOM_API int som_data_set_weight(som_data *data, size_t i, double weight,
                                som_error *err);
/* Fixed points (SOM_PAK's `fixed=X,Y`): during training, sample i's
 * best-matching unit is forced to grid row `row`, column `col` (SOM_PAK's
 * x is our column, its y our row). som_data_fixed returns 1 and fills row
 * and col (either may be NULL) when sample i is fixed, else 0. Training
 * fails with SOM_ERANGE, naming the sample, when a fixed point lies outside
 * the map's grid. */
SOM_API int som_data_fixed(const som_data *data, size_t i, size_t *row,
                           size_t *col);
/* Fixes sample i to (row, col); row = SIZE_MAX unfixes it. Errors:
 * SOM_EINVAL (i out of range), SOM_ENOMEM. */
SOM_API int som_data_set_fixed(som_data *data, size_t i, size_t row,
                               size_t col, som_error *err);

/* .somnet, the MQL5 article's network. A map of rows x cols is a net of
 * xcells = cols by ycells = rows nodes; node i*ycells + j is our unit
 * j*cols + i. Weights are stored in original units; a loaded net is a
 * rectangular sheet without scaling (the format has neither topology nor
 * scaling: a hex map's cells are hexagonal only in MQL5's drawing). As the
 * MQL5 DownloadNet, a name without extension gets ".somnet". Errors:
 * SOM_EIO, SOM_EFORMAT and SOM_ECORRUPT naming the byte offset, SOM_ENOMEM. */
#define SOM_SOMNET_SIZE 500 /* default picture width and height, pixels */
SOM_DEPRECATED("som_map_load_as")
SOM_API int som_map_load_somnet(const char *path, som_map **out,
                                som_error *err);
SOM_DEPRECATED("som_map_load_buffer")
SOM_API int som_map_load_somnet_mem(const void *buf, size_t len,
                                    const char *name, som_map **out,
                                    som_error *err);
/* Writes the node rectangles for a picture of width x height pixels (0:
 * SOM_SOMNET_SIZE), cell = size / cells (integer division), centre = cell
 * start + half a cell. Titles must not hold a tab (the separator):
 * SOM_EINVAL. */
SOM_API int som_map_save_somnet(const som_map *map, const char *path,
                                size_t width, size_t height, som_error *err);

/* SOM_PAK data files (".dat"; ".gz" compressed ones too). `x` marks a
 * missing component; labels after the components become the row's label
 * (several joined with one space; rows without get ""); `weight=W` and
 * `fixed=X,Y` set som_data_set_weight and som_data_set_fixed (X column, Y
 * row); `#n NAME...` gives the titles. Errors: SOM_EIO, SOM_EFORMAT and
 * SOM_EEMPTY with file:line:column, SOM_ENOMEM. */
SOM_DEPRECATED("som_data_read_as")
SOM_API int som_data_read_sompak(const char *path, som_data **out,
                                 som_error *err);
SOM_DEPRECATED("som_data_read_buffer")
SOM_API int som_data_read_sompak_mem(const char *buf, size_t len,
                                     const char *name, som_data **out,
                                     som_error *err);
/* Writes data as SOM_PAK: blanks in titles become '_'; labels keep their
 * words (read back joined with single spaces). */
SOM_DEPRECATED("som_data_write_as")
SOM_API int som_data_write_sompak(const som_data *data, const char *path,
                                  som_error *err);
/* SOM_PAK codebooks (".cod"): header "dim rect|hexa xdim ydim
 * bubble|gaussian", then unit (x, y) on line y*xdim + x — our unit order
 * with x the column. A loaded codebook is a sheet without scaling; unit
 * labels are ignored. Saving writes the weights in original units (%.9g:
 * a .cod read back gives the same floats), a `#n` titles line, and loses a
 * toroid's wrap (SOM_PAK has none). */
SOM_DEPRECATED("som_map_load_as")
SOM_API int som_map_load_sompak(const char *path, som_map **out,
                                som_error *err);
SOM_DEPRECATED("som_map_load_buffer")
SOM_API int som_map_load_sompak_mem(const char *buf, size_t len,
                                    const char *name, som_map **out,
                                    som_error *err);
SOM_DEPRECATED("som_map_save_as")
SOM_API int som_map_save_sompak(const som_map *map, const char *path,
                                som_error *err);

/* ESOM / Somoclu. .lrn data: the key column (type 9) gives the labels,
 * data columns (type 1) the values ("NaN", "NA", "?" or empty: missing),
 * the rest is ignored. .cls classes replace the labels of `data`, matched
 * by key (the labels when they are all whole numbers, else row number
 * i + 1); a row without a class gets "0". .wts weights load into a
 * rectangular sheet without scaling. Errors as for SOM_PAK. */
SOM_DEPRECATED("som_data_read_as")
SOM_API int som_data_read_lrn(const char *path, som_data **out,
                              som_error *err);
SOM_DEPRECATED("som_data_read_buffer")
SOM_API int som_data_read_lrn_mem(const char *buf, size_t len,
                                  const char *name, som_data **out,
                                  som_error *err);
SOM_DEPRECATED("som_data_write_as")
SOM_API int som_data_write_lrn(const som_data *data, const char *path,
                               som_error *err);
SOM_API int som_data_read_cls(som_data *data, const char *path,
                              som_error *err);
SOM_API int som_data_read_cls_mem(som_data *data, const char *buf, size_t len,
                                  const char *name, som_error *err);
SOM_DEPRECATED("som_map_load_as")
SOM_API int som_map_load_wts(const char *path, som_map **out, som_error *err);
SOM_DEPRECATED("som_map_load_buffer")
SOM_API int som_map_load_wts_mem(const char *buf, size_t len,
                                 const char *name, som_map **out,
                                 som_error *err);
SOM_DEPRECATED("som_map_save_as")
SOM_API int som_map_save_wts(const som_map *map, const char *path,
                             som_error *err);
/* The U-matrix of som_map_umatrix, one grid row per line (%.17g: the same
 * doubles read back). */
SOM_DEPRECATED("som_map_save_as")
SOM_API int som_map_write_umx(const som_map *map, const char *path,
                              som_error *err);
/* Every row's best-matching unit: "key<tab>row<tab>col", 0-based grid
 * positions. Errors as som_map_bmus, and SOM_EIO. */
SOM_API int som_map_write_bm(const som_map *map, const som_data *data,
                             const char *path, int threads, som_error *err);

/* The map as one JSON object (doc/FORMAT.md, "JSON models"): grid, titles,
 * scaling, feature weights, clusters, the codebook (scaled, and in original
 * units), every training setting and the history, numbers that read back
 * exactly; plus, for scripts, the units' coordinates, the U-matrix and a
 * training summary. som_map_load_as reads it back as the same map. A
 * title that is not valid UTF-8 is written with U+FFFD for each byte that
 * is not (and then reads back changed). Errors: SOM_EIO, SOM_ENOMEM. */
SOM_DEPRECATED("som_map_save_as")
SOM_API int som_map_write_json(const som_map *map, const char *path,
                               som_error *err);

/* som_map_load_as(path, NULL, ...) and som_map_save_as(map, path, NULL, ...). */
SOM_DEPRECATED("som_map_load_as")
SOM_API int som_map_load_any(const char *path, som_map **out, som_error *err);
SOM_DEPRECATED("som_map_save_as")
SOM_API int som_map_save_any(const som_map *map, const char *path,
                             som_error *err);

/* ========================================================================= */
/* Experimental                                                               */
/* ========================================================================= */
/* Calls whose shape may still change between minor versions, declared only
 * when a program defines SOM_EXPERIMENTAL before including som.h (the idea
 * of zstd's ZSTD_STATIC_LINKING_ONLY): using one is a decision to follow
 * libsom's changes. Everything above this section is stable: it changes
 * only with the major version, and a renamed call keeps its old name for
 * one release ("Deprecated names"). Each group is here for a reason:
 *  - distributed training (struct som_shard and the calls that take one,
 *    som_data_read_npy_rows): the fold passed along the chain of shards
 *    was made for one front-end (`som train` over MPI) and will change as
 *    other transports use it. som_train_opts.shard stays in the stable
 *    struct, as a pointer: NULL (the default) is all a stable program sets;
 *  - the fit in steps (som_fit_prepare, som_fitter_*): its cuts follow what
 *    MPI training and the web app's jobs need today, and another front-end
 *    may need them elsewhere. som_fit, one call, is the stable way;
 *  - the process-wide hooks (the allocator, the input limit) and the
 *    allocation calls for layers built on libsom (som_calloc, som_realloc):
 *    global state, which the stable API otherwise avoids; a per-call or
 *    per-object form may replace them;
 *  - borrowed data (som_data_wrap), the label column's title
 *    (som_data_set_label_title) and every row's distance to every unit
 *    (som_map_distances), made for the Python package; their rules may
 *    change once another front-end uses them;
 *  - several best units, fill methods, class shares and target reports:
 *    new in this release; the distance functions (--distance) will
 *    generalise som_map_best_units, and the web app and the Python
 *    package have yet to use the rest;
 *  - kernel toggles would go here too (there are none public: the BMU and
 *    training kernels are chosen inside the library).
 * libsom's own layers, the som program, the tests, fuzzers and benchmarks
 * define SOM_EXPERIMENTAL; the examples (examples/) do not, and `ctest -R
 * api` checks that these declarations stay hidden without it. The macro
 * hides declarations only: the symbols are exported either way. */
#ifdef SOM_EXPERIMENTAL

/* ---- process-wide hooks ------------------------------------------------- */

/* Replaces the allocator used by every libsom allocation (tests use it to
 * inject out-of-memory). Pass NULLs to restore malloc/realloc/free. Call it
 * before any other libsom call and never while objects from the previous
 * allocator are alive. Not thread-safe. Errors: SOM_EINVAL when only some
 * of the three are NULL. */
SOM_API int som_allocator_set(void *(*malloc_fn)(size_t),
                              void *(*realloc_fn)(void *, size_t),
                              void (*free_fn)(void *), som_error *err);

/* The most bytes libsom reads into memory from one input given by its path:
 * standard input ("-"), a pipe, a compressed file, a model, a text format.
 * Reading stops there with SOM_ERANGE and a message naming the limit; a
 * stream is also checked as it arrives (the magic and header of a model or
 * .npy, no NUL byte in a text format), so a wrong one stops after its first
 * bytes. Regular CSV and .npy files, which are memory-mapped, are not
 * counted. 0 restores the default, 4 GiB.
 * Process-wide, like som_allocator_set: set it before reading; reading it
 * from any thread is safe. */
SOM_API void som_input_limit_set(size_t bytes);
SOM_API size_t som_input_limit(void);

/* n * size zeroed bytes from libsom's allocator (som_allocator_set), NULL
 * when out of memory or when n * size overflows; free with som_free. For
 * layers built on libsom (Art) that allocate the way it does. */
SOM_API void *som_calloc(size_t n, size_t size);
/* Resizes a block from som_calloc or som_realloc (ptr NULL: a new block)
 * through libsom's allocator; NULL when out of memory, the old block then
 * left as it was. For layers that grow a buffer they hand to the caller,
 * who frees it with som_free. */
SOM_API void *som_realloc(void *ptr, size_t size);

/* ---- distributed training ------------------------------------------------ */

/* Distributed training: rows split among processes.
 *
 * A data set too large for one machine is split by rows into contiguous
 * shards, one per process (an MPI rank, say), and every process trains the
 * same map on its own shard with opts->shard describing it. libsom does
 * no message passing itself: the caller gives it two functions that move
 * an array of doubles along the chain of shards in row order.
 *
 * Every quantity that training sums over the rows — the scaling's
 * statistics (som_map_fit_scaling_ex), the column ranges, means and
 * covariance of the initialisation, the batch map's per-unit sums and
 * counts, the quality measures — is a fold over the rows in order. With a
 * shard, the process receives the fold's state as the shards before it
 * left it (`receive`), continues it over its own rows exactly as one
 * process would, and passes it on (`pass_on`), which also hands back the
 * final state that the last shard reached. The result is the same model,
 * byte for byte, as one process training on all the rows, whatever the
 * number of shards. A pass costs one trip of the per-unit sums and counts
 * (n_units x (dim + 1) doubles; x (2 dim) with missing values) along the
 * chain and back; each shard waits only for the previous one's adding of
 * its rows' sums (the cheap part: the BMU search runs in parallel).
 * A wide table's PCA (fewer rows than columns, som_map_init) passes its
 * centred rows along instead of a covariance: n_total x dim doubles.
 * Initialisation ends with the first shard's codebook given to every
 * shard, so that machines whose LAPACK rounds differently still start
 * from the same codebook.
 *
 * Every process must call the same functions with the same settings (the
 * same map, grid, scaling, options and seed) and its own shard; a process
 * holds at least one row. Batch training only: online training is a
 * sequence of single-sample steps (SOM_ENOTSUP). Checkpoints do not
 * support shards (SOM_ENOTSUP). */
struct som_shard {
    size_t first;   /* index, among all rows, of this process's first row */
    size_t n_total; /* rows of all shards together */
    /* Replaces state[0..len) with the state the previous shard passed on.
     * The first shard's does nothing (state then holds the fold's start). */
    int (*receive)(double *state, size_t len, void *ctx);
    /* Passes state[0..len) on to the next shard (the last shard has none),
     * then replaces it with the last shard's final state. */
    int (*pass_on)(double *state, size_t len, void *ctx);
    void *ctx;      /* given to both */
};

/* The same over the rows of every shard (see som_shard): each process
 * passes its own rows and the same shard description as training; the
 * fitted scaling is the same, bit for bit, as over all rows at once.
 * shard NULL is som_map_fit_scaling. Errors as som_map_fit_scaling, and
 * SOM_EIO when a shard function fails. */
SOM_API int som_map_fit_scaling_ex(som_map *map, const som_data *data,
                                   som_scaling kind, const som_shard *shard,
                                   som_error *err);

/* Rows [first, first + count) of a .npy file (a regular file), mapped as
 * som_data_read_npy maps the whole: only those rows' pages are ever read,
 * and only those bytes need to be in the file — one process's share of
 * the rows in distributed training. Row i of the result is row first + i
 * of the file; messages count rows in the file. count >= 1. Errors as
 * som_data_read_npy, and SOM_ERANGE (rows outside the shape), SOM_EFORMAT
 * naming the rows when the file ends before them. */
SOM_API int som_data_read_npy_rows(const char *path, size_t first,
                                   size_t count, som_data **out,
                                   som_error *err);

/* ---- borrowed data ---------------------------------------------------------- */

/* A data set over the caller's values (n_samples x dim floats, row-major,
 * 4-byte aligned), without copying them: for language bindings (numpy
 * arrays) and programs that already hold a table. The values are borrowed:
 * they must outlive the data set, which never frees them. They must all be
 * finite (a missing value needs a mask, and the values are not rewritten
 * to make one): a NaN or an infinity is refused with SOM_EINVAL naming its
 * row and column — copy such a table with som_data_new and
 * som_data_set_row instead. Only the calls that change values write into
 * them: som_data_set_row, som_map_train_inplace and som_fit with
 * SOM_FIT_TAKE_DATA (which scale them in place); everything else reads.
 * Titles "1".."dim", no labels (set them as on any data set). Errors:
 * SOM_EINVAL, SOM_ECANCELED, SOM_ENOMEM. Experimental: one user so far (the
 * Python package's numpy arrays). */
SOM_API int som_data_wrap(float *values, size_t n_samples, size_t dim,
                          som_data **out, som_error *err);

/* Titles the label column (som_data_label_title; "label" when labels are
 * made by som_data_set_label), so that a front-end holding a named column
 * of classes (a pandas column) targets it by its name, as `som train
 * --target species` does a CSV's. Errors: SOM_EINVAL (no label column, an
 * empty title), SOM_ENOMEM. Experimental: made for the Python package. */
SOM_API int som_data_set_label_title(som_data *data, const char *title, som_error *err);

/* The distance of rows first .. first+count-1 of `data` (original units,
 * the map's fields) to every unit: out[count x n_units], row-major. The
 * distance is the map's own (som_map_distance), as for som_map_bmus: the
 * scaled space, the feature weights, the row's present fields, exact in
 * double, so that a row's entry at its BMU is the distance som_map_bmus
 * reports for it.
 * Callers take large tables a block of rows at a time. Errors: SOM_EINVAL,
 * SOM_EDIM, SOM_ERANGE, SOM_ECANCELED, SOM_ENOMEM. Experimental: made for
 * the Python package's transform. */
SOM_API int som_map_distances(const som_map *map, const som_data *data, size_t first,
                              size_t count, float *out, som_error *err);

/* ---- the fit in steps ------------------------------------------------------ */

#define SOM_FIT_PREPARED 2u  /* `data` already went through
                                som_fit_prepare: no one-hot encoding again */

/* Step 1 alone, for a caller that splits the rows afterwards (distributed
 * training: every process must see the same classes, so the label column
 * is encoded over all the rows before each keeps its share). *data may be
 * replaced by its one-hot form (the old one freed). Checks the titles of
 * opts->targets and opts->weights. info (may be NULL) gets n_classes and,
 * on failure, setting. Pass the result to som_fit or som_fitter_new with
 * SOM_FIT_PREPARED. */
SOM_API int som_fit_prepare(som_data **data, const som_fit_opts *opts,
                            const char *data_name, som_fit_info *info,
                            som_error *err);

/* The same fit in steps, for front-ends that stop and continue training
 * (the web app's jobs), show the starting map, or must agree between
 * processes between the steps that are local and those that are not
 * (distributed training):
 *   som_fitter_new    steps 1-3 and the reading of the starting codebook;
 *                     only local work (the automatic grid is refused with
 *                     a shard: it needs every row);
 *   som_fitter_start  steps 4-5 and the trainer (initialisation, or the
 *                     checkpoint resumed); with a shard every process
 *                     takes part; may be interrupted (som_cancel):
 *                     SOM_ECANCELED, free the fitter and begin again;
 *   som_fitter_run    trains (starting first when needed) until the end,
 *                     or until the progress callback or a som_cancel stops
 *                     it: SOM_ESTOPPED or SOM_ECANCELED, and another call
 *                     trains on, to the same map as a run never stopped;
 *                     a checkpoint that cannot be written stops it with
 *                     the writer's error (SOM_EIO naming the file).
 * info (may be NULL) is filled as far as the fitter got, also on failure;
 * som_fitter_info gives it afterwards. The fitter owns the map until
 * som_fitter_take_map. */
typedef struct som_fitter som_fitter;
SOM_API int som_fitter_new(som_data *data, const som_fit_opts *opts, unsigned flags,
                           const char *data_name, som_fitter **out,
                           som_fit_info *info, som_error *err);
SOM_API int som_fitter_start(som_fitter *fitter, som_error *err);
SOM_API int som_fitter_run(som_fitter *fitter, som_error *err);
/* 1 when every planned step has run. */
SOM_API int som_fitter_done(const som_fitter *fitter);
SOM_API const som_fit_info *som_fitter_info(const som_fitter *fitter);
/* The map (NULL before som_fitter_start); borrowed; changes while the
 * fitter runs. */
SOM_API som_map *som_fitter_map(const som_fitter *fitter);
/* Hands the map over (the caller frees it); the fitter can then no longer
 * run. */
SOM_API som_map *som_fitter_take_map(som_fitter *fitter);
SOM_API void som_fitter_free(som_fitter *fitter);

/* ---- several best units, fill methods, class shares, target reports ----- */

/* The k best units of one vector x (dim floats, original units) over the
 * fields present in `mask` (NULL: all) and not NaN, nearest first, ties to
 * the lower unit index: the first is som_map_bmu_vector's unit. units
 * receives min(k, n_units) indices, dist (may be NULL) as many distances in
 * the scaled space (the map's metric, with its feature weights). Returns
 * that count, or a negative error: SOM_EINVAL (no field present, k = 0,
 * NULL pointers), SOM_ENOMEM. Exact (double) distances for every unit:
 * n_units x dim work per call. */
SOM_API int som_map_best_units(const som_map *map, const float *x,
                               const uint8_t *mask, size_t k, size_t *units,
                               double *dist, som_error *err);

/* How a map estimates the fields a row lacks (filling, and the targets of
 * a supervised map):
 *   SOM_FILL_BMU     the best unit's value (som_map_predict);
 *   SOM_FILL_UNITS   the mean of the k best units' values, unit i
 *                    weighted exp(-p (d_i^2 - d_0^2) / (2 d_0^2)): d_i its
 *                    distance to the row, d_0 the best unit's, p the
 *                    fields searched (a gaussian mixture's weights, the
 *                    variance per field taken as d_0^2 / p; a unit at
 *                    distance 0 alone); k = 1 is SOM_FILL_BMU up to
 *                    near-ties;
 *   SOM_FILL_SMOOTH  the best unit's neighbourhood: the mean of every
 *                    unit's value weighted by exp(-d^2 / (2 radius^2)) of
 *                    its grid distance d to the best unit; radius <= 0:
 *                    the training's final radius (1 for an untrained map).
 * som_fill_opts_init gives the default, chosen by measurement
 * (bench/fill.py; bench/README.md has the table): SOM_FILL_UNITS with
 * k = SOM_FILL_DEFAULT_K, which filled held-out cells of six public tables
 * with less error than the best unit alone. As text (som_fill_opts_parse; the command line's
 * --fill-from): "bmu", "units", "units:K", "smooth", "smooth:RADIUS". */
typedef enum som_fill_method {
    SOM_FILL_BMU = 0,
    SOM_FILL_UNITS = 1,
    SOM_FILL_SMOOTH = 2
} som_fill_method;

#define SOM_FILL_DEFAULT_K 16

typedef struct som_fill_opts {
    som_fill_method method;
    size_t k;      /* SOM_FILL_UNITS: units averaged (default 16) */
    double radius; /* SOM_FILL_SMOOTH: grid radius (default -1: the map's) */
} som_fill_opts;

SOM_API void som_fill_opts_init(som_fill_opts *opts);
/* Reads a method from text (above) into *opts, the rest at their defaults;
 * *opts is unchanged on failure. Errors: SOM_EINVAL naming the text and
 * what was expected. */
SOM_API int som_fill_opts_parse(som_fill_opts *opts, const char *text,
                                som_error *err);

/* som_map_predict by a fill method: each row's missing fields (and those
 * flagged in `unknown`) estimated by `opts` (NULL: the default), found over
 * the other fields; units (may be NULL) receives each row's best unit.
 * SOM_FILL_BMU is som_map_predict itself. Errors as som_map_predict. */
SOM_API int som_map_fill(const som_map *map, som_data *data,
                         const uint8_t *unknown, const som_fill_opts *opts,
                         size_t *units, int threads, som_error *err);

/* som_map_predict_target with the target estimated by a fill method
 * (opts NULL: SOM_FILL_BMU, som_map_predict_target's answer), and for a
 * class target `proba` (may be NULL): n_samples x n_classes class shares,
 * row by row, classes in the order of som_map_target_fields — the
 * estimate of each class field clipped at 0 and divided by their sum
 * (equal shares when every one is 0). Each row sums to 1 (within float
 * rounding); the predicted class is the one with the largest estimate. */
SOM_API int som_map_predict_target_ex(const som_map *map, const som_data *data,
                                      const char *name,
                                      const som_fill_opts *opts, float *values,
                                      const char **classes, float *proba,
                                      size_t *units, int threads,
                                      som_error *err);

/* Everything `som eval --target` reports, from som_map_target_report; free
 * with som_target_report_free. */
typedef struct som_target_report {
    som_target_eval eval; /* as som_map_eval_target (same estimate) */
    double r2;            /* numbers: 1 - SSE / sum (y - mean y)^2 over the
                             rows counted; NaN when that sum is 0 */
    /* Classes: the map's classes (som_map_target_fields order), then any
     * true class of the data the map lacks (never predicted), in order of
     * first appearance. names are borrowed from the map and the data. */
    size_t n_classes;
    const char **classes;
    size_t *confusion;  /* n_classes x n_classes: [truth][predicted] rows */
    double *precision;  /* n_classes: right / predicted (NaN: none predicted) */
    double *recall;     /* n_classes: right / true (NaN: no true row) */
} som_target_report;

/* The report on target `name` of `data` (true values as in
 * som_map_eval_target), predicted by fill method opts (NULL:
 * SOM_FILL_BMU). Errors as som_map_eval_target. */
SOM_API int som_map_target_report(const som_map *map, const som_data *data,
                                  const char *name, const som_fill_opts *opts,
                                  som_target_report **out, int threads,
                                  som_error *err);
SOM_API void som_target_report_free(som_target_report *report);

#endif /* SOM_EXPERIMENTAL */

/* ------------------------------------------------------------------------- */
/* Deprecated names                                                           */
/* ------------------------------------------------------------------------- */
/* The previous release's names of calls that were renamed noun-first or
 * gained a som_error (see "Names" at the top). Each behaves as before and
 * is one call of its replacement; they go in the next release. Define
 * SOM_WARN_DEPRECATED to have the compiler point at every use. */
SOM_DEPRECATED("som_map_bmu_vector")
SOM_API int som_map_bmu(const som_map *map, const float *x,
                        const uint8_t *mask, size_t *unit, double *dist);
SOM_DEPRECATED("som_map_bmu_vector_first")
SOM_API int som_map_bmu_first(const som_map *map, const float *x,
                              size_t n_fields, size_t *unit, double *dist);
SOM_DEPRECATED("som_map_set_titles_from_data")
SOM_API int som_map_set_titles_from(som_map *map, const som_data *data);
SOM_DEPRECATED("som_allocator_set")
SOM_API int som_set_allocator(void *(*malloc_fn)(size_t),
                              void *(*realloc_fn)(void *, size_t),
                              void (*free_fn)(void *));
SOM_DEPRECATED("som_input_limit_set")
SOM_API void som_set_input_limit(size_t bytes);
SOM_DEPRECATED("som_data_npy_shape")
SOM_API int som_npy_shape(const char *path, size_t *n_rows, size_t *dim,
                          som_error *err);
SOM_DEPRECATED("som_vectors_kmeans")
SOM_API int som_kmeans(const float *x, size_t n, size_t dim, size_t k,
                       uint64_t seed, size_t restarts, size_t max_iter,
                       uint32_t *labels, double *inertia, som_error *err);
SOM_DEPRECATED("som_grid_ward")
SOM_API int som_ward_grid(const float *x, const som_grid *grid, size_t dim,
                          size_t k, uint32_t *labels, som_error *err);
/* NaN also for every failure: the old call could not report one. */
SOM_DEPRECATED("som_vectors_davies_bouldin")
SOM_API double som_davies_bouldin(const float *x, size_t n, size_t dim,
                                  const uint32_t *labels, size_t k);
SOM_DEPRECATED("som_label_counts_best_units")
SOM_API int som_label_best_units(const size_t *counts, size_t n_labels,
                                 size_t n_units, size_t top, size_t *best,
                                 som_error *err);

#ifdef __cplusplus
}
#endif
#endif /* SOM_H */
