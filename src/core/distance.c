/* SPDX-License-Identifier: MIT */
/* distance.c — the distances other than the Euclidean one (som.h, "the
 * distance"): their exact values, the plain reference search, and the
 * batch winner search that recognition, batch training, quality and
 * clustering share (som__bmus_dist).
 *
 * Convention: every internal dist2 is the square of the map's distance, so
 * that sqrt(dist2) is the distance whatever the kind, QE (the mean of
 * sqrt(dist2)) and every reported distance need no case of their own, and
 * ranking by dist2 ranks by the distance.
 *
 * Cosine keeps the fused kernel of the Euclidean search: on rows and units
 * scaled to unit length, |x - w|^2 = 2 - 2 x.w, so the kernel's score
 * |w|^2 - 2 x.w with |w|^2 taken as 1 ranks by 1 - x.w (bmu.c,
 * som__bmus_cosine; a zero vector stays zero and scores distance 1). A row
 * with gaps needs the norms over its present fields, which no packed
 * codebook holds: such rows go through the lane kernel below, as manhattan
 * and chebyshev rows do.
 *
 * The lane kernel: the codebook packed in panels of 64 units, field by
 * field (as bmu_kernel.c packs 16), so that one field of a row is
 * broadcast against 64 units at a time and each lane accumulates one
 * unit's distance; the lanes keep a best and second best each (increasing
 * unit indices, strict comparisons: ties go to the lower unit), merged at
 * the end. It is written as plain loops over 64 lanes that the compiler
 * vectorises, built three times — the default target, AVX2 and AVX-512
 * (told to use 512-bit registers, which GCC otherwise avoids) — and chosen
 * at run time. 64 lanes rather than 16: four independent accumulator
 * registers per row instead of one chain of dependent adds, which made
 * manhattan 8 times slower than the Euclidean kernel, 1.4 times with 64
 * (bench/README.md). The two best are then re-measured exactly in
 * double (som__dist2_exact) and re-ranked, as the Euclidean search does. */
#include "core/core.h"

#include <math.h>
#include <string.h>

#define LANES 64

/* ---- exact values ----------------------------------------------------------- */

double som__dist2_exact(som_distance kind, const float *w, const float *x, const uint8_t *mask,
                        size_t dim)
{
    double s = 0.0;
    switch (kind) {
    case SOM_DISTANCE_EUCLIDEAN:
        for (size_t j = 0; j < dim; j++)
            if (!mask || mask[j]) {
                double d = (double)x[j] - (double)w[j];
                s += d * d;
            }
        return s;
    case SOM_DISTANCE_MANHATTAN:
        for (size_t j = 0; j < dim; j++)
            if (!mask || mask[j]) s += fabs((double)x[j] - (double)w[j]);
        return s * s;
    case SOM_DISTANCE_CHEBYSHEV:
        for (size_t j = 0; j < dim; j++)
            if (!mask || mask[j]) {
                double d = fabs((double)x[j] - (double)w[j]);
                if (d > s) s = d;
            }
        return s * s;
    case SOM_DISTANCE_COSINE: {
        double dot = 0.0, xx = 0.0, ww = 0.0;
        for (size_t j = 0; j < dim; j++)
            if (!mask || mask[j]) {
                dot += (double)x[j] * (double)w[j];
                xx += (double)x[j] * (double)x[j];
                ww += (double)w[j] * (double)w[j];
            }
        double d = xx > 0.0 && ww > 0.0 ? 1.0 - dot / sqrt(xx * ww) : 1.0;
        if (!(d > 0.0)) d = 0.0;
        return d * d;
    }
    }
    return NAN;
}

size_t som__bmu_scalar_d(som_distance kind, const float *codebook, size_t n_units, size_t dim,
                         const float *x, const uint8_t *mask, double *dist2)
{
    size_t present = dim;
    if (mask) {
        present = 0;
        for (size_t j = 0; j < dim; j++) present += mask[j] != 0;
    }
    if (present == 0) {
        if (dist2) *dist2 = NAN;
        return n_units;
    }
    size_t best = 0;
    double best_d = INFINITY;
    for (size_t i = 0; i < n_units; i++) {
        double d = som__dist2_exact(kind, codebook + i * dim, x, mask, dim);
        if (d < best_d) { /* strict: ties go to the lowest index */
            best_d = d;
            best = i;
        }
    }
    if (dist2) *dist2 = best_d;
    return best;
}

void som__normalise_rows(const float *x, size_t n, size_t dim, float *out)
{
    for (size_t i = 0; i < n; i++) {
        const float *r = x + i * dim;
        double ss = 0.0;
        for (size_t j = 0; j < dim; j++) ss += (double)r[j] * (double)r[j];
        float inv = ss > 0.0 ? (float)(1.0 / sqrt(ss)) : 0.0f;
        for (size_t j = 0; j < dim; j++) out[i * dim + j] = r[j] * inv;
    }
}

/* ---- the lane kernel ---------------------------------------------------------- */

/* n_panels x dim x LANES floats: field j of units LANES p.. together;
 * padding units are zeros and never win (their lanes are set to infinity). */
static void pack_into(const float *cb, size_t n_units, size_t dim, float *p)
{
    for (size_t u = 0; u < n_units; u++) {
        float *q = p + (u / LANES) * dim * LANES + u % LANES;
        const float *w = cb + u * dim;
        for (size_t j = 0; j < dim; j++) q[j * LANES] = w[j];
    }
}

static size_t lanes_floats(size_t n_units, size_t dim)
{
    return (n_units + LANES - 1) / LANES * dim * LANES;
}

static float *pack_panels(const float *cb, size_t n_units, size_t dim, size_t *n_panels)
{
    float *p = som__aligned_calloc(lanes_floats(n_units, dim), sizeof(float));
    if (!p) return NULL;
    pack_into(cb, n_units, dim, p);
    *n_panels = (n_units + LANES - 1) / LANES;
    return p;
}

/* The lanes' best and second best merged: the lexicographic minimum of
 * (value, unit), then the smallest other finite pair (as top2_avx512 in
 * bmu.c). */
static void merge_lanes(const float *s1, const int32_t *i1, const float *s2, const int32_t *i2,
                        size_t n_units, size_t *b1_out, size_t *b2_out)
{
    int k1 = 0;
    for (int k = 1; k < LANES; k++)
        if (s1[k] < s1[k1] || (s1[k] == s1[k1] && i1[k] < i1[k1])) k1 = k;
    size_t b1 = (size_t)i1[k1], b2 = n_units;
    float v2 = INFINITY;
    for (int k = 0; k < 2 * LANES; k++) {
        float v = k < LANES ? s1[k] : s2[k - LANES];
        int32_t i = k < LANES ? i1[k] : i2[k - LANES];
        if (i < 0 || (size_t)i == b1 || !(v < INFINITY)) continue;
        if (v < v2 || (v == v2 && (size_t)i < b2)) {
            v2 = v;
            b2 = (size_t)i;
        }
    }
    *b1_out = b1;
    *b2_out = b2;
}

/* One row against every panel: the float distance of each unit in its
 * lane, then each lane's best and second best. KIND is a constant in each
 * instance, so the compiler keeps one straight loop per kind. */
static inline __attribute__((always_inline)) void
lane_scan(som_distance kind, const float *P, size_t n_panels, size_t n_units, size_t dim,
          const float *x, const uint8_t *mask, size_t *b1, size_t *b2)
{
    float s1[LANES], s2[LANES];
    int32_t i1[LANES], i2[LANES];
    for (int l = 0; l < LANES; l++) {
        s1[l] = s2[l] = INFINITY;
        i1[l] = 0;
        i2[l] = -1;
    }
    float xx = 0.0f;
    if (kind == SOM_DISTANCE_COSINE)
        for (size_t j = 0; j < dim; j++)
            if (!mask || mask[j]) xx += x[j] * x[j];
    const float xn = sqrtf(xx);
    for (size_t pn = 0; pn < n_panels; pn++) {
        const float *pw = P + pn * dim * LANES;
        float acc[LANES] = {0}, ww[LANES] = {0};
        for (size_t j = 0; j < dim; j++) {
            if (mask && !mask[j]) continue;
            const float xj = x[j];
            const float *p = pw + j * LANES;
            if (kind == SOM_DISTANCE_MANHATTAN) {
                for (int l = 0; l < LANES; l++) acc[l] += fabsf(xj - p[l]);
            } else if (kind == SOM_DISTANCE_CHEBYSHEV) {
                for (int l = 0; l < LANES; l++) {
                    float d = fabsf(xj - p[l]);
                    acc[l] = d > acc[l] ? d : acc[l];
                }
            } else {
                for (int l = 0; l < LANES; l++) {
                    acc[l] += xj * p[l];
                    ww[l] += p[l] * p[l];
                }
            }
        }
        if (kind == SOM_DISTANCE_COSINE)
            for (int l = 0; l < LANES; l++) {
                float den = xn * sqrtf(ww[l]);
                acc[l] = den > 0.0f ? 1.0f - acc[l] / den : 1.0f;
            }
        const int32_t base = (int32_t)(pn * LANES);
        if (pn + 1 == n_panels)
            for (int l = 0; l < LANES; l++)
                if ((size_t)(base + l) >= n_units) acc[l] = INFINITY;
        for (int l = 0; l < LANES; l++) {
            float v = acc[l];
            int32_t u = base + l;
            int lt1 = v < s1[l], lt2 = v < s2[l];
            float ns2 = lt2 ? v : s2[l];
            int32_t ni2 = lt2 ? u : i2[l];
            s2[l] = lt1 ? s1[l] : ns2;
            i2[l] = lt1 ? i1[l] : ni2;
            s1[l] = lt1 ? v : s1[l];
            i1[l] = lt1 ? u : i1[l];
        }
    }
    merge_lanes(s1, i1, s2, i2, n_units, b1, b2);
}

typedef void (*scan_fn)(const float *P, size_t n_panels, size_t n_units, size_t dim,
                        const float *x, const uint8_t *mask, size_t *b1, size_t *b2);

#define DEFINE_SCANS(suffix, attr)                                                              \
    attr static void scan_manhattan##suffix(const float *P, size_t np, size_t nu, size_t dim,   \
                                            const float *x, const uint8_t *m, size_t *b1,       \
                                            size_t *b2)                                         \
    {                                                                                           \
        lane_scan(SOM_DISTANCE_MANHATTAN, P, np, nu, dim, x, m, b1, b2);                        \
    }                                                                                           \
    attr static void scan_chebyshev##suffix(const float *P, size_t np, size_t nu, size_t dim,   \
                                            const float *x, const uint8_t *m, size_t *b1,       \
                                            size_t *b2)                                         \
    {                                                                                           \
        lane_scan(SOM_DISTANCE_CHEBYSHEV, P, np, nu, dim, x, m, b1, b2);                        \
    }                                                                                           \
    attr static void scan_cosine##suffix(const float *P, size_t np, size_t nu, size_t dim,      \
                                         const float *x, const uint8_t *m, size_t *b1,          \
                                         size_t *b2)                                            \
    {                                                                                           \
        lane_scan(SOM_DISTANCE_COSINE, P, np, nu, dim, x, m, b1, b2);                           \
    }

DEFINE_SCANS(_plain, )
#ifdef SOM_HAVE_AVX512_SCAN
DEFINE_SCANS(_avx2, __attribute__((target("avx2,fma"))))
/* GCC prefers 256-bit vectors on AVX-512 unless told; Clang has no such
 * target option (and uses 512 bits for vectors this wide). */
#if defined(__clang__)
DEFINE_SCANS(_avx512, __attribute__((target("avx512f,avx512bw,avx512vl"))))
#else
DEFINE_SCANS(_avx512, __attribute__((target("avx512f,avx512bw,avx512vl,prefer-vector-width=512"))))
#endif
#endif

/* Which build of the kernels the CPU runs: 0 plain, 1 AVX2, 2 AVX-512
 * (lowered by som__distance_kernel_limit for benchmarks and tests). */
static int kernel_limit = 2;

void som__distance_kernel_limit(int level)
{
    __atomic_store_n(&kernel_limit, level, __ATOMIC_RELAXED);
}

static int kernel_level(void)
{
    int lim = __atomic_load_n(&kernel_limit, __ATOMIC_RELAXED);
#ifdef SOM_HAVE_AVX512_SCAN
    if (lim >= 2 && som__have_avx512_vl()) return 2;
    if (lim >= 1) {
        static int avx2 = -1;
        int h = __atomic_load_n(&avx2, __ATOMIC_RELAXED);
        if (h < 0) {
            __builtin_cpu_init();
            h = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
            __atomic_store_n(&avx2, h, __ATOMIC_RELAXED);
        }
        if (h) return 1;
    }
#endif
    (void)lim;
    return 0;
}

static scan_fn pick_scan(som_distance kind)
{
    int level = kernel_level();
#ifdef SOM_HAVE_AVX512_SCAN
    if (level == 2)
        return kind == SOM_DISTANCE_MANHATTAN   ? scan_manhattan_avx512
               : kind == SOM_DISTANCE_CHEBYSHEV ? scan_chebyshev_avx512
                                                : scan_cosine_avx512;
    if (level == 1)
        return kind == SOM_DISTANCE_MANHATTAN   ? scan_manhattan_avx2
               : kind == SOM_DISTANCE_CHEBYSHEV ? scan_chebyshev_avx2
                                                : scan_cosine_avx2;
#endif
    (void)level;
    return kind == SOM_DISTANCE_MANHATTAN   ? scan_manhattan_plain
           : kind == SOM_DISTANCE_CHEBYSHEV ? scan_chebyshev_plain
                                            : scan_cosine_plain;
}

/* Rows per parallel block. */
#define LANE_BLOCK 256

/* The winners of n rows by the lane kernel (manhattan, chebyshev, or
 * cosine rows with gaps), against a packed codebook; every row's result
 * depends on that row alone. A row without a present field gets unit 0
 * (distance 0, cosine 1), as the Euclidean search gives it a unit; callers
 * refuse such rows first (som__check_rows_present). */
static int bmus_lanes(som_distance kind, const float *codebook, const float *P, size_t n_panels,
                      size_t n_units, size_t dim, const float *x, const uint8_t *mask, size_t n,
                      size_t *units, double *dist2, size_t *second, int threads)
{
    const scan_fn scan = pick_scan(kind);
    const size_t n_blocks = (n + LANE_BLOCK - 1) / LANE_BLOCK;
    int n_threads = som__threads(threads);
    if ((size_t)n_threads > n_blocks) n_threads = (int)n_blocks;
    /* As bmu.c: a thread only for at least 2^25 operations. */
    double by_work = (double)n * (double)n_units * (double)dim / 33554432.0;
    if (by_work < 1.0) by_work = 1.0;
    if ((double)n_threads > by_work) n_threads = (int)by_work;
    som_cancel *cancel = som__cancel_token();
#pragma omp parallel for schedule(static) num_threads(n_threads)
    for (size_t blk = 0; blk < n_blocks; blk++) {
        if (som__cancel_hit(cancel)) continue;
        size_t r1 = (blk + 1) * LANE_BLOCK < n ? (blk + 1) * LANE_BLOCK : n;
        for (size_t r = blk * LANE_BLOCK; r < r1; r++) {
            const float *xr = x + r * dim;
            const uint8_t *mr = mask ? mask + r * dim : NULL;
            if (mr && !memchr(mr, 0, dim)) mr = NULL;
            size_t b1, b2;
            scan(P, n_panels, n_units, dim, xr, mr, &b1, &b2);
            double d1 = som__dist2_exact(kind, codebook + b1 * dim, xr, mr, dim);
            if (b2 < n_units) {
                double d2 = som__dist2_exact(kind, codebook + b2 * dim, xr, mr, dim);
                if (d2 < d1 || (d2 == d1 && b2 < b1)) {
                    size_t t = b1;
                    b1 = b2;
                    b2 = t;
                    d1 = d2;
                }
            }
            units[r] = b1;
            if (dist2) dist2[r] = d1;
            if (second) second[r] = b2;
        }
    }
    return SOM_OK;
}

/* ---- one row, unit by unit (online training) ------------------------------
 * Online training moves the codebook every step, so packing it for the lane
 * kernel would cost more than the search. Instead each unit's float
 * distance is measured along its own row (16 lanes over the fields, as
 * som__float_dist2 does for the Euclidean search), and every unit whose
 * float distance could be within rounding of the smallest is re-measured
 * exactly: the winner is the plain search's (som__bmu_scalar_d), ties
 * included. Bounds: manhattan and chebyshev are sums or maxima of
 * non-negative terms each rounded once, relatively within (dim + 2) 2^-24
 * (we allow twice that); the cosine's dot product and norms are within
 * dim 2^-24 |x| |w| absolutely, so 1 - cos is within 4 (dim + 4) 2^-24. */
#define ROW_LANES 16

/* One block of 16 fields into 16 lanes, in GCC's vector extensions (GCC and
 * Clang lower them to the target's registers: one AVX-512, two AVX2, four
 * SSE), because the compilers left the plain-loop form of the cosine in
 * scalar registers. */
typedef float v16f __attribute__((vector_size(64)));
typedef int32_t v16i __attribute__((vector_size(64)));
typedef uint8_t v16b __attribute__((vector_size(16)));

/* Unaligned 16-lane loads (macros: a function returning a vector would
 * change the ABI of the default build). */
#define LOAD16(dst, p) memcpy(&(dst), (p), sizeof(dst))

static inline __attribute__((always_inline)) void
row_chunk(som_distance kind, const float *xp, const float *wp, const uint8_t *mp, v16f *acc,
          v16f *ww)
{
    v16f x, w;
    LOAD16(x, xp);
    LOAD16(w, wp);
    v16i on = (v16i){0} == 0; /* -1: every lane present */
    if (mp) {
        v16b b;
        memcpy(&b, mp, sizeof b);
        on = __builtin_convertvector(b, v16i) != 0;
    }
    if (kind == SOM_DISTANCE_COSINE) {
        *acc += (v16f)((v16i)(x * w) & on);
        *ww += (v16f)((v16i)(w * w) & on);
        return;
    }
    const v16f d = (v16f)((v16i)(x - w) & 0x7fffffff & on); /* |x - w|, 0 where missing */
    if (kind == SOM_DISTANCE_MANHATTAN) {
        *acc += d;
    } else {
        v16i gt = d > *acc;
        *acc = (v16f)(((v16i)d & gt) | ((v16i)*acc & ~gt));
    }
}

static inline __attribute__((always_inline)) float
row_dist(som_distance kind, const float *w, const float *x, const uint8_t *mask, size_t dim,
         float xn)
{
    v16f acc = {0}, ww = {0};
    size_t j = 0;
    for (; j + ROW_LANES <= dim; j += ROW_LANES)
        row_chunk(kind, x + j, w + j, mask ? mask + j : NULL, &acc, &ww);
    if (j < dim) {
        /* The tail through the same body, zero-padded and masked. */
        float xt[ROW_LANES] = {0}, wt[ROW_LANES] = {0};
        uint8_t mt[ROW_LANES] = {0};
        for (size_t l = 0; j + l < dim; l++) {
            xt[l] = x[j + l];
            wt[l] = w[j + l];
            mt[l] = !mask || mask[j + l];
        }
        row_chunk(kind, xt, wt, mt, &acc, &ww);
    }
    /* A tree of halves (a fixed order; the bounds above hold for any). */
    float a[ROW_LANES], q[ROW_LANES];
    memcpy(a, &acc, sizeof a);
    memcpy(q, &ww, sizeof q);
    for (size_t h = ROW_LANES / 2; h >= 1; h /= 2)
        for (size_t l = 0; l < h; l++) {
            if (kind == SOM_DISTANCE_CHEBYSHEV) a[l] = a[l + h] > a[l] ? a[l + h] : a[l];
            else a[l] += a[l + h];
            q[l] += q[l + h];
        }
    if (kind != SOM_DISTANCE_COSINE) return a[0];
    float den = xn * sqrtf(q[0]);
    return den > 0.0f ? 1.0f - a[0] / den : 1.0f;
}

typedef void (*rows_fn)(const float *cb, size_t n_units, size_t dim, const float *x,
                        const uint8_t *mask, float xn, float *fd);

#define DEFINE_ROWS(suffix, attr)                                                              \
    attr static void rows_manhattan##suffix(const float *cb, size_t nu, size_t dim,            \
                                            const float *x, const uint8_t *m, float xn,        \
                                            float *fd)                                         \
    {                                                                                          \
        for (size_t u = 0; u < nu; u++)                                                        \
            fd[u] = row_dist(SOM_DISTANCE_MANHATTAN, cb + u * dim, x, m, dim, xn);             \
    }                                                                                          \
    attr static void rows_chebyshev##suffix(const float *cb, size_t nu, size_t dim,            \
                                            const float *x, const uint8_t *m, float xn,        \
                                            float *fd)                                         \
    {                                                                                          \
        for (size_t u = 0; u < nu; u++)                                                        \
            fd[u] = row_dist(SOM_DISTANCE_CHEBYSHEV, cb + u * dim, x, m, dim, xn);             \
    }                                                                                          \
    attr static void rows_cosine##suffix(const float *cb, size_t nu, size_t dim,               \
                                         const float *x, const uint8_t *m, float xn, float *fd) \
    {                                                                                          \
        for (size_t u = 0; u < nu; u++)                                                        \
            fd[u] = row_dist(SOM_DISTANCE_COSINE, cb + u * dim, x, m, dim, xn);                \
    }

DEFINE_ROWS(_plain, )
#ifdef SOM_HAVE_AVX512_SCAN
DEFINE_ROWS(_avx2, __attribute__((target("avx2,fma"))))
DEFINE_ROWS(_avx512, __attribute__((target("avx512f,avx512bw,avx512vl"))))
#endif

static rows_fn pick_rows(som_distance kind)
{
    int level = kernel_level();
#ifdef SOM_HAVE_AVX512_SCAN
    if (level == 2)
        return kind == SOM_DISTANCE_MANHATTAN   ? rows_manhattan_avx512
               : kind == SOM_DISTANCE_CHEBYSHEV ? rows_chebyshev_avx512
                                                : rows_cosine_avx512;
    if (level == 1)
        return kind == SOM_DISTANCE_MANHATTAN   ? rows_manhattan_avx2
               : kind == SOM_DISTANCE_CHEBYSHEV ? rows_chebyshev_avx2
                                                : rows_cosine_avx2;
#endif
    (void)level;
    return kind == SOM_DISTANCE_MANHATTAN   ? rows_manhattan_plain
           : kind == SOM_DISTANCE_CHEBYSHEV ? rows_chebyshev_plain
                                            : rows_cosine_plain;
}

size_t som__bmu_rows(som_distance kind, const float *codebook, size_t n_units, size_t dim,
                     const float *x, const uint8_t *mask, float *fd)
{
    if (mask && !memchr(mask, 0, dim)) mask = NULL;
    float xx = 0.0f;
    for (size_t j = 0; kind == SOM_DISTANCE_COSINE && j < dim; j++)
        if (!mask || mask[j]) xx += x[j] * x[j];
    pick_rows(kind)(codebook, n_units, dim, x, mask, sqrtf(xx), fd);
    float fmin = INFINITY;
    for (size_t u = 0; u < n_units; u++) fmin = fd[u] < fmin ? fd[u] : fmin;
    const double u24 = 0x1p-24;
    double upper;
    if (kind == SOM_DISTANCE_COSINE)
        upper = (double)fmin + 8.0 * (double)(dim + 4) * u24;
    else
        upper = (double)fmin * (1.0 + 2.0 * (double)(dim + 2) * u24) + 0x1p-126;
    const double shrink = kind == SOM_DISTANCE_COSINE ? 0.0 : 2.0 * (double)(dim + 2) * u24;
    size_t best = n_units;
    double best_d = INFINITY;
    for (size_t u = 0; u < n_units; u++) {
        if (!((double)fd[u] * (1.0 - shrink) <= upper)) continue;
        double d = som__dist2_exact(kind, codebook + u * dim, x, mask, dim);
        if (d < best_d) {
            best_d = d;
            best = u;
        }
    }
    /* NaN or infinite float distances: the plain search decides. */
    if (best == n_units) return som__bmu_scalar_d(kind, codebook, n_units, dim, x, mask, NULL);
    return best;
}

/* Rows per gathered block of the cosine search (complete rows normalised,
 * rows with gaps apart). */
#define COSINE_BLOCK 4096

static int bmus_cosine(const float *codebook, size_t n_units, size_t dim, const float *x,
                       const uint8_t *mask, size_t n, size_t *units, double *dist2,
                       size_t *second, int threads, som_error *err)
{
    size_t block = n < COSINE_BLOCK ? n : COSINE_BLOCK;
    float *wn = som__aligned_calloc(n_units * dim, sizeof(float));
    float *xb = som__aligned_calloc(block * dim, sizeof(float));
    uint8_t *mb = mask ? som__calloc(block * dim, 1) : NULL;
    size_t *idx = som__calloc(block, sizeof *idx);
    size_t *bu = som__calloc(block, sizeof *bu), *bs = som__calloc(block, sizeof *bs);
    double *bd = som__calloc(block, sizeof *bd);
    size_t n_panels = 0;
    float *P = mask ? pack_panels(codebook, n_units, dim, &n_panels) : NULL;
    int rc = SOM_OK;
    if (!wn || !xb || (mask && (!mb || !P)) || !idx || !bu || !bs || !bd) rc = som__error_oom(err);
    if (rc == SOM_OK) som__normalise_rows(codebook, n_units, dim, wn);
    for (size_t r0 = 0; rc == SOM_OK && r0 < n; r0 += block) {
        size_t k = n - r0 < block ? n - r0 : block;
        /* Complete rows, normalised, through the fused kernel. */
        size_t c = 0;
        for (size_t i = 0; i < k; i++) {
            if (mask && memchr(mask + (r0 + i) * dim, 0, dim)) continue;
            som__normalise_rows(x + (r0 + i) * dim, 1, dim, xb + c * dim);
            idx[c++] = r0 + i;
        }
        if (c) rc = som__bmus_cosine(wn, n_units, dim, xb, c, bu, bd, bs, threads, err);
        for (size_t i = 0; rc == SOM_OK && i < c; i++) {
            units[idx[i]] = bu[i];
            if (dist2) dist2[idx[i]] = bd[i];
            if (second) second[idx[i]] = bs[i];
        }
        if (rc != SOM_OK || !mask || c == k) continue;
        /* Rows with gaps: norms over their present fields. */
        size_t g = 0;
        for (size_t i = 0; i < k; i++) {
            const uint8_t *mr = mask + (r0 + i) * dim;
            if (!memchr(mr, 0, dim)) continue;
            memcpy(xb + g * dim, x + (r0 + i) * dim, dim * sizeof(float));
            memcpy(mb + g * dim, mr, dim);
            idx[g++] = r0 + i;
        }
        bmus_lanes(SOM_DISTANCE_COSINE, codebook, P, n_panels, n_units, dim, xb, mb, g, bu, bd,
                   bs, threads);
        for (size_t i = 0; i < g; i++) {
            units[idx[i]] = bu[i];
            if (dist2) dist2[idx[i]] = bd[i];
            if (second) second[idx[i]] = bs[i];
        }
        rc = som__cancel_check(err);
    }
    som__aligned_free(wn);
    som__aligned_free(xb);
    som__aligned_free(P);
    som__free(mb);
    som__free(idx);
    som__free(bu);
    som__free(bs);
    som__free(bd);
    return rc;
}

int som__bmus_dist(som_distance kind, const float *codebook, size_t n_units, size_t dim,
                   const float *x, const uint8_t *mask, size_t n, size_t *units, double *dist2,
                   size_t *second, int threads, som_error *err)
{
    if (kind == SOM_DISTANCE_EUCLIDEAN)
        return som__bmus_scaled(codebook, n_units, dim, x, mask, n, units, dist2, second, threads,
                                err);
    if (n == 0) return SOM_OK;
    if (n_units > (size_t)INT32_MAX - LANES)
        return som__error(err, SOM_EINVAL, "map too large for the winner search");
    if (kind == SOM_DISTANCE_COSINE)
        return bmus_cosine(codebook, n_units, dim, x, mask, n, units, dist2, second, threads, err);
    size_t n_panels;
    float *P = pack_panels(codebook, n_units, dim, &n_panels);
    if (!P) return som__error_oom(err);
    bmus_lanes(kind, codebook, P, n_panels, n_units, dim, x, mask, n, units, dist2, second,
               threads);
    som__aligned_free(P);
    return SOM__CANCELLED(som__cancel_token(), err);
}

/* ---- the map's distance ------------------------------------------------------- */

int som_map_set_distance(som_map *m, som_distance d, som_error *err)
{
    if (!m) return som__error(err, SOM_EINVAL, "som_map_set_distance: NULL map");
    if ((unsigned)d > SOM_DISTANCE_CHEBYSHEV)
        return som__error(err, SOM_EINVAL, "unknown distance %d", (int)d);
    m->distance = d;
    return SOM_OK;
}

som_distance som_map_distance(const som_map *m)
{
    return m ? m->distance : SOM_DISTANCE_EUCLIDEAN;
}
