/* SPDX-License-Identifier: MIT */
/* core.h — the internal header of the core layer (src/core/): what the
 * core's files share. Never installed. */
#ifndef SOM_CORE_H
#define SOM_CORE_H

#include "som.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#if defined(__GNUC__)
#define SOM_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#define SOM_UNUSED __attribute__((unused))
#else
#define SOM_PRINTF(fmt, args)
#define SOM_UNUSED
#endif

#define SOM_ALIGN 64

/* ---- allocation (alloc.c): every allocation goes through the hook ------- */
void *som__malloc(size_t size);
void *som__calloc(size_t n, size_t size); /* checks n*size overflow */
void *som__realloc(void *ptr, size_t size);
void som__free(void *ptr);
/* 64-byte aligned; free with som__aligned_free. Zeroed. Checks overflow. */
void *som__aligned_calloc(size_t n, size_t size);
void som__aligned_free(void *ptr);
char *som__strdup(const char *s);
/* Grows *p (an array of *cap elements of `elem` bytes) by doubling, from 64,
 * until it holds `need`; false on overflow or out of memory (*p intact). */
bool som__grow(void **p, size_t *cap, size_t need, size_t elem);
/* n * size without overflow; false when it would overflow. */
bool som__mul_ok(size_t n, size_t size, size_t *out);
/* a + b without overflow; false when it would overflow. */
static inline bool som__add_ok(size_t a, size_t b, size_t *out)
{
    if (a > SIZE_MAX - b) return false;
    *out = a + b;
    return true;
}

/* ---- errors (error.c) --------------------------------------------------- */
/* Fills err (when not NULL) and returns code. */
int som__error(som_error *err, int code, const char *fmt, ...) SOM_PRINTF(3, 4);
/* The same with a place: message becomes "file:line:column: ..." (line or
 * column 0 are left out). */
int som__error_at(som_error *err, int code, const char *file, size_t line,
                  size_t column, const char *fmt, ...) SOM_PRINTF(6, 7);
int som__error_oom(som_error *err);

/* Report once, then propagate. */
#define SOM_RETURN_IF(cond, err, code, ...)               \
    do {                                                  \
        if (cond) return som__error((err), (code), __VA_ARGS__); \
    } while (0)

/* ---- cancellation (cancel.c; som_cancel in som.h) ----------------------- */
struct som_cancel {
    atomic_int flag;
};
/* The calling thread's token (NULL: none). Read it once before a parallel
 * region and poll it inside with som__cancel_hit: OpenMP threads have no
 * binding of their own. */
som_cancel *som__cancel_token(void);
/* One relaxed load: cheap enough for every block of rows. */
static inline bool som__cancel_hit(const som_cancel *c)
{
    return c && atomic_load_explicit(&((som_cancel *)c)->flag, memory_order_relaxed) != 0;
}
/* SOM_ECANCELED ("interrupted", through err) when the calling thread's token
 * is set, else SOM_OK. The poll of every long loop outside parallel regions. */
int som__cancel_check(som_error *err);
/* Runs fn(arg) — one long call that cannot poll, such as a LAPACK
 * eigensolver — on a thread of its own while the calling thread polls its
 * token every 10 ms. SOM_OK once fn has returned; on a cancellation,
 * SOM_ECANCELED at once: the thread finishes alone and then calls
 * release(arg), so arg (and everything fn writes) must belong to it from
 * then on. Without a bound token fn simply runs here. */
int som__run_cancellable(void (*fn)(void *), void (*release)(void *), void *arg,
                         som_error *err);
/* The status a parallel region that polled `c` ends with. */
#define SOM__CANCELLED(c, err) \
    (som__cancel_hit(c) ? som__error((err), SOM_ECANCELED, "interrupted") : SOM_OK)

/* ---- random numbers (rng.c): xoshiro256**, seeded by splitmix64 --------- */
typedef struct som_rng {
    uint64_t s[4];
} som_rng;

void som__rng_seed(som_rng *rng, uint64_t seed);
uint64_t som__rng_next(som_rng *rng);
/* Uniform in [0, 1) with 53 random bits. */
double som__rng_uniform(som_rng *rng);
/* Uniform integer in [0, n), n > 0, without modulo bias. */
uint64_t som__rng_below(som_rng *rng, uint64_t n);
/* perm[0..n) becomes a uniformly random permutation of its contents. */
void som__rng_shuffle(som_rng *rng, size_t *perm, size_t n);

/* ---- threads (threads.c) -------------------------------------------------- */
/* Number of OpenMP threads to use for a request (0 = all). */
int som__threads(int requested);

/* ---- grid (grid.c) ------------------------------------------------------ */
/* Squared distance between units a and b, exact in double (hex rows are
 * sqrt(3)/2 apart, so dy^2 = 3/4 dr^2 is computed without the root). */
double som__grid_dist2(const som_grid *grid, size_t a, size_t b);

/* Squared grid distances by offset, so that the distance from a winner to
 * every unit is a table look-up, never an n_units^2 matrix. Index with
 * som__dist_table_get. */
typedef struct som_dist_table {
    size_t rows, cols;
    size_t span_r, span_c; /* 2*rows-1, 2*cols-1 */
    double *d2;            /* [2 parities][span_r][span_c] */
    bool rect;             /* d2 = dr^2 + dc^2 (rect sheet or toroid) */
} som_dist_table;

int som__dist_table_init(som_dist_table *t, const som_grid *grid,
                         som_error *err);
void som__dist_table_free(som_dist_table *t);
static inline double som__dist_table_get(const som_dist_table *t,
                                         size_t from_r, size_t from_c,
                                         size_t to_r, size_t to_c)
{
    size_t dr = to_r + t->rows - 1 - from_r;
    size_t dc = to_c + t->cols - 1 - from_c;
    return t->d2[((from_r & 1) * t->span_r + dr) * t->span_c + dc];
}

/* ---- data (data.c; filled by the readers of the io layer) -------------- */
struct som_data {
    size_t n, dim;
    float *x;          /* n*dim, aligned; missing values are 0 */
    uint8_t *mask;     /* n*dim, 1 = present; NULL when nothing is missing */
    size_t n_missing;
    char **titles;     /* dim strings */
    char **labels;     /* n strings, or NULL */
    char *label_title; /* or NULL */
    size_t *lines;     /* n source lines, or NULL (then line = i + 1) */
    double *weight;    /* n training weights (SOM_PAK weight=), or NULL: all 1 */
    size_t *fixed;     /* 2n: (row, col) a sample's BMU is forced to during
                          training (SOM_PAK fixed=), row SIZE_MAX = not fixed;
                          NULL when no sample is fixed */
    int row_names;     /* SOM_ROW_NAMES_*: what csv.c made of a row-names
                          column */
    void *map_base;    /* a .npy mapped private (npy.c) that x points into,
                          unmapped by som_data_free; NULL when x is allocated */
    size_t map_len;
    int borrowed;      /* 1: x is the caller's (som_data_wrap), never freed */
};

/* An empty data set of n x dim (n may be 0 while it is being filled by a
 * reader); titles "1".."dim". */
int som__data_alloc(size_t n, size_t dim, som_data **out, som_error *err);
/* The unit sample i is fixed to on `grid`: SIZE_MAX when it is not fixed;
 * SOM_ERANGE (through err, returning SIZE_MAX - 1) when its fixed point lies
 * outside the grid. Training calls it per sample, so that a bad point is
 * reported by the step that meets it. */
size_t som__data_fixed_unit(const som_data *d, const som_grid *grid, size_t i,
                            som_error *err);
#define SOM__FIXED_BAD (SIZE_MAX - 1)

/* ---- titles by hashing (title_index.c) --------------------------------- */
/* An index over titles[0..] (kept alive by the caller) holding at most
 * `capacity` titles; find gives the first index added with that title, or
 * -1. Matching n titles against n costs O(n), not n^2 comparisons. */
typedef struct som_title_index {
    const char *const *titles;
    size_t *slot, mask;
} som_title_index;
int som__title_index_init(som_title_index *ix, const char *const *titles, size_t capacity,
                          som_error *err);
void som__title_index_add(som_title_index *ix, size_t j);
long som__title_index_find(const som_title_index *ix, const char *s, size_t len);
void som__title_index_free(som_title_index *ix);

/* ---- shards (shard.c): folds over rows split among processes ------------ */
/* state: the fold so far. receive replaces it with the previous shard's
 * (a no-op without a shard or on the first); pass_on sends it on and
 * replaces it with the final state. Both SOM_EIO on failure. */
int som__shard_receive(const som_shard *s, double *state, size_t len, som_error *err);
int som__shard_pass_on(const som_shard *s, double *state, size_t len, som_error *err);
/* Rows of all shards (n_local without a shard); index of the first. */
size_t som__shard_n_total(const som_shard *s, size_t n_local);
size_t som__shard_first(const som_shard *s);

/* ---- maps (map.c) ------------------------------------------------------- */
struct som_map {
    som_grid grid;
    size_t dim, n_units;
    float *codebook; /* n_units*dim, aligned, scaled space */
    char **titles;   /* dim */
    som_scaling scaling;
    double *offset;  /* dim: scaled = (x - offset) / factor */
    double *factor;  /* dim */
    double *fmin, *fmax; /* dim: data range in original units */
    bool have_range;
    bool trained;
    som_train_opts settings; /* callbacks NULL */
    som_history *history;
    size_t n_history, cap_history;
    /* optional: feature weights (weights.c) and clusters (map.c; made by
     * the analysis layer's cluster.c) */
    double *fweight;     /* dim feature weights, or NULL: every weight 1 */
    float *fsqrt;        /* dim: (float)sqrt(fweight[j]); NULL with fweight */
    uint32_t *cluster;   /* n_units: each unit's cluster, or NULL */
    size_t n_clusters;   /* 0 when cluster is NULL */
    som_distance distance; /* the winner search's distance (distance.c) */
};

/* The optional parts of a map (weights, clusters): copied by
 * som_map_clone, freed by som_map_free. */
int som__map_copy_analysis(som_map *dst, const som_map *src, som_error *err);
void som__map_free_analysis(som_map *m);

int som__map_history_push(som_map *map, const som_history *h, som_error *err);
void som__map_history_clear(som_map *map);

/* Scaled view of a data set: x points to the data's own values when the map
 * has no scaling, else to a scaled copy the view owns. Missing values are 0
 * in both. */
typedef struct som_scaled {
    const float *x;
    float *owned;
    const uint8_t *mask;
    size_t n, dim;
} som_scaled;

int som__scaled_init(som_scaled *s, const som_map *map, const som_data *data,
                     som_error *err);
/* The same view without a copy: the data's own values are scaled in place
 * (som_map_train_inplace). */
int som__scaled_init_inplace(som_scaled *s, const som_map *map, som_data *data,
                             som_error *err);
void som__scaled_free(som_scaled *s);
/* True when the map's scaling changes nothing (scaled = x). */
bool som__map_scaling_identity(const som_map *m);
/* n rows of x scaled into out (n x dim), missing values (mask 0) as 0;
 * rows in parallel. Recognition scales a block of rows at a time this way
 * instead of copying the whole data set. */
void som__scale_rows(const som_map *m, const float *x, const uint8_t *mask, size_t n, float *out,
                     int threads);
/* Rows per block when recognition streams a data set (scaled copy of one
 * block, per-row results of one block). */
#define SOM__STREAM_ROWS 16384

/* ---- BMU search (bmu.c; the public calls in recognise.c) ----------------- */
/* BMUs of n scaled rows x (row-major n x dim, missing = 0, mask may be NULL)
 * against the codebook: blocks of rows times all units through cblas_sgemm,
 * arg-min and second best, the winner's distance recomputed exactly.
 * dist2 (squared, may be NULL), second (may be NULL). Never allocates an
 * n x n_units matrix. */
int som__bmus_scaled(const float *codebook, size_t n_units, size_t dim,
                     const float *x, const uint8_t *mask, size_t n,
                     size_t *units, double *dist2, size_t *second,
                     int threads, som_error *err);
/* The fused product and arg-min of som__bmus_scaled (bmu_kernel.c): the
 * codebook packed once per search, then for each row the best and second
 * best unit by the float score |w|^2 - 2 x.w (ties to the lower unit;
 * n_units for no second); a row with missing values (mask 0, x 0 there)
 * takes the sum of the present fields' w^2 for |w|^2. Needs AVX-512F:
 * call only when som__bmu_kernel_available(); SOM_ENOMEM or SOM_OK. */
typedef struct som_bmu_pack som_bmu_pack;
int som__have_avx512f(void); /* the CPU has AVX-512F (checked once) */
int som__bmu_kernel_available(void);
void som__bmu_kernel_use(bool on); /* default on; off for benchmarks */
som_bmu_pack *som__bmu_pack(const float *codebook, const float *wnorm, size_t n_units,
                            size_t dim);
void som__bmu_pack_free(som_bmu_pack *p);
int som__bmu_kernel_top2(const som_bmu_pack *p, const float *x, const uint8_t *mask, size_t rows,
                         size_t *b1, size_t *b2);
/* The AVX-512 paths of bmu.c and online_update.c are compiled on x86-64
 * with GCC or Clang (target attributes) and chosen at run time, when
 * som__have_avx512_vl() (F, BW and VL; checked once) says the CPU has them;
 * each gives the same bits as its plain C twin. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang_analyzer__)
#define SOM_HAVE_AVX512_SCAN 1
#endif
int som__have_avx512_vl(void);
/* The float squared distance of w to x over the present fields (mask may
 * be NULL): the first sweep of som__bmu_fast (bmu.c gives the bound that
 * makes float enough), also taken by som__online_update for the next
 * sample. 16 independent lanes per row, so that the compiler can use one
 * vector register without reassociating a sum. */
#define SOM__FAST_LANES 16
static inline float som__float_dist2(const float *w, const float *x, const uint8_t *mask,
                                     size_t dim)
{
    float acc[SOM__FAST_LANES] = {0};
    size_t j = 0;
    if (mask) {
        for (; j + SOM__FAST_LANES <= dim; j += SOM__FAST_LANES)
            for (size_t l = 0; l < SOM__FAST_LANES; l++) {
                float d = mask[j + l] ? x[j + l] - w[j + l] : 0.0f;
                acc[l] += d * d;
            }
        for (size_t l = 0; j < dim; j++, l++) {
            float d = mask[j] ? x[j] - w[j] : 0.0f;
            acc[l] += d * d;
        }
    } else {
        for (; j + SOM__FAST_LANES <= dim; j += SOM__FAST_LANES)
            for (size_t l = 0; l < SOM__FAST_LANES; l++) {
                float d = x[j + l] - w[j + l];
                acc[l] += d * d;
            }
        for (size_t l = 0; j < dim; j++, l++) {
            float d = x[j] - w[j];
            acc[l] += d * d;
        }
    }
    float s = 0.0f;
    for (size_t l = 0; l < SOM__FAST_LANES; l++) s += acc[l];
    return s;
}
/* Scalar reference: the BMU of one scaled row, squared distance in double.
 * mask may be NULL. Returns n_units when no field is present. */
size_t som__bmu_scalar(const float *codebook, size_t n_units, size_t dim,
                       const float *x, const uint8_t *mask, double *dist2);
/* The same unit and distance as som__bmu_scalar, found with vectorised float
 * distances and an exact re-check of every unit within rounding of the
 * float minimum (bmu.c explains the bound). For one row at a time (online
 * training); many rows go through som__bmus_scaled. */
size_t som__bmu_fast(const float *codebook, size_t n_units, size_t dim,
                     const float *x, const uint8_t *mask, double *dist2);
/* som__bmu_fast with its first sweep already done: fd[i] is unit i's float
 * squared distance to x, summed in any order, fmin the smallest
 * (som__online_update). The same unit and distance as som__bmu_scalar. */
size_t som__bmu_fast_given(const float *codebook, size_t n_units, size_t dim,
                           const float *x, const uint8_t *mask, const float *fd,
                           float fmin, double *dist2);
/* Online moves with |alpha * h| below this are skipped (online_update.c
 * says why). */
#define SOM__MIN_STEP 0x1p-40
/* One online step's update: every unit u with |alpha * h[u]| >=
 * SOM__MIN_STEP moves by
 * (float)(alpha * h[u]) as som__online_move moves it; when next is not
 * NULL, fd[u] gets each unit's float distance to next (mask next_mask)
 * after the move, for som__bmu_fast_given, and the smallest is returned
 * (INFINITY otherwise). */
float som__online_update(float *codebook, size_t n_units, size_t dim, const float *x,
                         const uint8_t *mask, double alpha, const double *h,
                         const float *next, const uint8_t *next_mask, float *fd);
/* One online update of one unit: w += a * (x - w) on the present fields
 * (mask may be NULL), vectorised, the same bits as the plain loop. */
void som__online_move(float *w, const float *x, const uint8_t *mask, float a,
                      size_t dim);
/* h[u] for every unit u around winner b (n_units doubles): 1 for b, beta *
 * som__neighborhood(kind, strict, d2(u, b), sigma) for the others, with
 * fewer calls to exp(): the same bits as one call per unit, except gaussians
 * on rect grids, computed as a row factor times a column factor
 * (neighbourhood.c says how close). */
void som__online_weights(const som_dist_table *dist, size_t b,
                         som_neighborhood kind, bool strict, double sigma,
                         double beta, double *h);
/* som_map_bmus with exact squared distances in double (dist2 may be NULL). */
int som__map_bmus_d2(const som_map *map, const som_data *data, size_t *units,
                     double *dist2, size_t *second, int threads, som_error *err);
/* The same for rows [first, first + n) of data (results at units[0..n)),
 * without checking that rows have a present value. Scales a block of
 * SOM__STREAM_ROWS rows at a time (no copy of the data set). */
int som__map_bmus_range(const som_map *map, const som_data *data, size_t first, size_t n,
                        size_t *units, double *dist2, size_t *second, int threads,
                        som_error *err);
/* SOM_EINVAL naming the first row that has no present value. */
int som__check_rows_present(const som_data *data, som_error *err);
/* Frees data's mask once no value is missing (data.c). */
void som__data_drop_mask_if_complete(som_data *data);
/* Filling missing fields (som_map_predict here, som_map_fill in the
 * analysis layer) in four steps. som__fill_check: *searched says whether
 * rows search with only some of their fields (a mask, or a field flagged
 * unknown), and when they do every row must keep one to search with
 * (SOM_EINVAL naming the row). som__fill_search_mask: the search mask of
 * rows [r0, r0 + k): present and not flagged unknown. som__fill_row: the
 * cells of one row that its search mask leaves out take values[j] and
 * become present. Then som__data_drop_mask_if_complete. */
int som__fill_check(const som_data *d, const uint8_t *unknown, bool *searched, som_error *err);
void som__fill_search_mask(const som_data *d, const uint8_t *unknown, size_t r0, size_t k,
                           uint8_t *search);
void som__fill_row(som_data *d, size_t row, const uint8_t *search_row, const float *values);
/* The k best units of one scaled row x (mask may be NULL) by the map's
 * exact distance (som__bmu_scalar(_w), som__dist2_exact), nearest first
 * (ties: lower index), and their squared distances: min(k, n_units) of
 * each, which it returns. scratch: 2 dim floats (used by the distances
 * other than the Euclidean). The one ranking of all units (recognise.c);
 * callers that fill from several units use it. */
size_t som__best_units_scaled(const som_map *map, const float *x, const uint8_t *mask,
                              size_t k, size_t *units, double *dist2, float *scratch);

/* ---- the distances (distance.c; som.h, "the distance") ---------------------
 * Every internal dist2 is the square of the map's distance. */
/* The exact dist2 of w to x over the present fields (mask may be NULL), in
 * double: the reference of every search. */
double som__dist2_exact(som_distance kind, const float *w, const float *x, const uint8_t *mask,
                        size_t dim);
/* The plain search by som__dist2_exact; n_units when no field is present. */
size_t som__bmu_scalar_d(som_distance kind, const float *codebook, size_t n_units, size_t dim,
                         const float *x, const uint8_t *mask, double *dist2);
/* som__bmus_scaled for any distance: euclidean is som__bmus_scaled itself,
 * cosine its fused kernel on unit-length copies (rows with gaps apart),
 * manhattan and chebyshev the lane kernel. */
int som__bmus_dist(som_distance kind, const float *codebook, size_t n_units, size_t dim,
                   const float *x, const uint8_t *mask, size_t n, size_t *units, double *dist2,
                   size_t *second, int threads, som_error *err);
/* The fused search of bmu.c on complete rows and codebook scaled to unit
 * length (or 0), ranking by 1 - x.w; dist2 (1 - x.w)^2. */
int som__bmus_cosine(const float *codebook, size_t n_units, size_t dim, const float *x, size_t n,
                     size_t *units, double *dist2, size_t *second, int threads, som_error *err);
/* One row's winner by a distance other than the Euclidean one, for online
 * training, whose codebook moves every step: float distances unit by unit
 * into fd (n_units scratch), then an exact re-check of every unit within
 * rounding of the smallest: the unit som__bmu_scalar_d gives. The row must
 * have a present field. */
size_t som__bmu_rows(som_distance kind, const float *codebook, size_t n_units, size_t dim,
                     const float *x, const uint8_t *mask, float *fd);
/* out = each row scaled to unit length (a zero row stays zero). */
void som__normalise_rows(const float *x, size_t n, size_t dim, float *out);
/* The lane kernel's build: 2 AVX-512 (when the CPU has it), 1 AVX2, 0 the
 * plain build (benchmarks and tests compare them). */
void som__distance_kernel_limit(int level);

/* ---- feature weights (weights.c) ------------------------------------------
 * Weighted searches multiply both sides by s = map->fsqrt (som.h,
 * "per-feature weights", says why this is exact enough). */
/* out[i*dim+j] = s[j] * x[i*dim+j] for n rows, in float. */
void som__weight_rows(const float *s, const float *x, size_t n, size_t dim, float *out);
/* som__bmus_scaled against the map's codebook, with its feature weights
 * when it has them (weighted copies, a block of rows at a time). */
int som__map_bmus_scaled(const som_map *map, const float *x, const uint8_t *mask, size_t n,
                         size_t *units, double *dist2, size_t *second, int threads,
                         som_error *err);
/* som__bmu_scalar with weights s (the same arithmetic as the copies). */
size_t som__bmu_scalar_w(const float *codebook, size_t n_units, size_t dim, const float *s,
                         const float *x, const uint8_t *mask, double *dist2);

/* ---- training (schedule.c, neighbourhood.c, init.c, train_online.c,
 *      train_batch.c, trainer.c) ----------------------------------------- */
/* Resolves defaults that depend on the grid (negative radii/rates). */
void som__train_opts_resolve(som_train_opts *o, const som_grid *grid);

/* names.c: the names of som.h's enums, NULL-terminated, in value order
 * (som_enum_names hands them out; the settings table's choices point at
 * them). */
extern const char *const som__topology_names[];
extern const char *const som__scaling_names[];
extern const char *const som__algorithm_names[];
extern const char *const som__init_names[];
extern const char *const som__schedule_names[];
extern const char *const som__neighborhood_names[];
extern const char *const som__distance_names[];
extern const char *const som__radius_schedule_names[];
extern const char *const som__order_names[];
/* sigma and alpha at step k of N under o's schedule. */
void som__schedule(const som_train_opts *o, size_t k, size_t n_steps,
                   double *sigma, double *alpha);
/* h(d, sigma) from the squared distance; strict: d < sigma cut (MQL). */
double som__neighborhood(som_neighborhood kind, bool strict, double d2,
                         double sigma);

struct som_trainer {
    som_map *map;
    const som_data *data;
    som_train_opts opts;
    som_scaled sx;        /* samples in the scaled space */
    som_dist_table dist;  /* grid distances by offset */
    size_t step, n_steps; /* samples (online) or passes (batch) */
    size_t pass, n_passes;
    som_rng rng;
    size_t *perm;         /* online: this pass's order */
    size_t perm_pos;      /* online: next index into perm */
    double sigma, alpha;
    double *h;            /* n_units scratch: neighbourhood weights */
    size_t *bmu;          /* n: BMUs of the last sweep */
    size_t *second;       /* n: second-best units of the last sweep */
    double *dist2;        /* n: squared distances of the last sweep */
    bool bmu_valid;       /* bmu matches the current codebook */
    bool finished;        /* the map has been marked trained */
    bool end_pending;     /* a pass ran but its end (quality, history,
                             report) was cancelled: the next run does it */
    /* batch scratch */
    double *sum;          /* n_units*dim */
    double *cnt;          /* n_units (complete data) or n_units*dim (mask
                             in any shard); right after sum, so that both
                             travel along the shards as one array */
    size_t per_unit;      /* counts per unit: 1 or dim */
    double *htab;         /* neighbourhood weights by offset (dist layout) */
    size_t *hit;          /* units with samples this pass */
    /* online with feature weights (train_online.c): the codebook and the
     * current sample multiplied by map->fsqrt, for the winner search */
    float *wcb;           /* n_units*dim, or NULL */
    float *wrow;          /* dim, or NULL */
};

int som__online_steps(som_trainer *t, size_t n_steps, som_error *err);
int som__batch_pass(som_trainer *t, som_error *err);
/* Measures QE/TE of the map's current codebook on the trainer's data. */
/* som_trainer_new on data whose values may be scaled in place (fit.c,
 * som_map_train_inplace). */
int som__trainer_new_inplace(som_map *m, som_data *d, const som_train_opts *opts,
                             som_trainer **out, som_error *err);
int som__trainer_quality(som_trainer *t, double *qe, double *te,
                         som_error *err);
/* PCA/random/sample initialisation on scaled samples; with a shard, over
 * the rows of every shard, and every shard ends with the first shard's
 * codebook. */
int som__init_codebook(som_map *map, const som_scaled *sx, som_init method,
                       uint64_t seed, const som_shard *shard, som_error *err);
/* The two leading principal components of a wide table through the rows x
 * rows Gram matrix (pca_gram.c): mean (dim) of every shard's rows, lambda
 * the two largest eigenvalues of the covariance (largest first), v (2 x
 * dim, unit rows, or NULL for the eigenvalues alone) their directions.
 * Missing values: see pca_gram.c. som__pca_gram_wanted says whether PCA
 * and som_grid_auto take this path: n_total < dim, unless switched off
 * (tests and benchmarks compare it with the dim x dim covariance). */
int som__pca_gram(const som_scaled *sx, const som_shard *shard, double *mean, double lambda[2],
                  double *v, som_error *err);
bool som__pca_gram_wanted(size_t n_total, size_t dim);
void som__pca_gram_use(bool on); /* default on */

/* ---- quality (quality.c) ------------------------------------------------ */
/* The sums behind QE and TE, added to *sum (sqrt of each dist2, in row
 * order) and *breaks (rows whose two best units are not neighbours), so
 * that rows met a block at a time give the same QE as all at once. */
void som__quality_sums(const som_grid *grid, const double *dist2, const size_t *units,
                       const size_t *second, size_t n, double *sum, size_t *breaks);
/* QE and TE of scaled rows with precomputed BMUs (dist2 squared). */
void som__quality_from_bmus(const som_grid *grid, const double *dist2,
                            const size_t *units, const size_t *second,
                            size_t n, double *qe, double *te);

#endif /* SOM_CORE_H */
