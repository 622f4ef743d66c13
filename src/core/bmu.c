/* SPDX-License-Identifier: MIT */
/* bmu.c — best-matching-unit search.
 *
 * For many rows the search is a matrix product (DESIGN.md):
 *     |x - w|^2 = |x|^2 - 2 x.w + |w|^2,
 * and |x|^2 does not change the arg-min, so each block of rows scores every
 * unit by |w|^2 - 2 x.w and keeps the smallest and second-smallest. On CPUs
 * with AVX-512 that is one kernel with the scores in registers
 * (bmu_kernel.c); otherwise cblas_sgemm computes S = -2 X W^T and a scan
 * adds |w|^2 and reads each row. Rows with missing values use
 *     sum_j m_j (x_j - w_j)^2 = sum m x^2 - 2 x.w + m.(w*w)
 * (x is 0 where missing): the kernel takes the present fields' w^2, the
 * GEMM path a second product of the block's 0/1 mask with the squared
 * codebook. The float scores lose digits to cancellation, so the two best
 * candidates are then re-measured exactly in double and re-ranked; the
 * reported distance is the exact one.
 *
 * Blocks are independent and each is computed by one thread (with a
 * single-threaded GEMM), so results do not depend on the thread count. */
#include "core/core.h"

#include <cblas.h>
#include <math.h>
#include <omp.h>
#include <string.h>

int som__threads(int requested)
{
    if (requested > 0) return requested;
    int n = omp_get_max_threads();
    return n > 0 ? n : 1;
}

static double exact_dist2(const float *w, const float *x, const uint8_t *mask, size_t dim)
{
    double s = 0.0;
    if (mask) {
        for (size_t j = 0; j < dim; j++)
            if (mask[j]) {
                double d = (double)x[j] - (double)w[j];
                s += d * d;
            }
    } else {
        for (size_t j = 0; j < dim; j++) {
            double d = (double)x[j] - (double)w[j];
            s += d * d;
        }
    }
    return s;
}

/* exact_dist2 of k (unit, row) pairs of complete rows, 8 at a time in
 * lockstep: each sum in the same order as exact_dist2 (the same bits), but
 * 8 independent chains of additions instead of one at a time — the
 * re-measuring of the batch search's two best was a tenth of a sweep. */
static void exact_dist2_pairs(const float *const *w, const float *const *x, size_t k, size_t dim,
                              double *out)
{
    size_t i = 0;
    for (; i + 8 <= k; i += 8) {
        double s[8] = {0};
        for (size_t j = 0; j < dim; j++)
            for (size_t c = 0; c < 8; c++) {
                double d = (double)x[i + c][j] - (double)w[i + c][j];
                s[c] += d * d;
            }
        memcpy(out + i, s, sizeof s);
    }
    for (; i < k; i++) out[i] = exact_dist2(w[i], x[i], NULL, dim);
}

size_t som__bmu_scalar(const float *codebook, size_t n_units, size_t dim, const float *x,
                       const uint8_t *mask, double *dist2)
{
    if (mask) {
        size_t present = 0;
        for (size_t j = 0; j < dim; j++) present += mask[j] != 0;
        if (present == 0) {
            if (dist2) *dist2 = NAN;
            return n_units;
        }
    }
    size_t best = 0;
    double best_d = INFINITY;
    for (size_t i = 0; i < n_units; i++) {
        double d = exact_dist2(codebook + i * dim, x, mask, dim);
        if (d < best_d) { /* strict: ties go to the lowest index */
            best_d = d;
            best = i;
        }
    }
    if (dist2) *dist2 = best_d;
    return best;
}


/* ---- the arg-min scan ----------------------------------------------------
 * Each row of scores (plus |w|^2) is scanned for its smallest and second
 * smallest value; ties go to the lower unit index, exactly as a plain loop
 * with strict comparisons would give (lexicographic order on (value, unit)).
 * The scan reads n_units floats per row and would cost as much as the GEMM
 * if done one branchy compare at a time, so on CPUs with AVX-512 it keeps a
 * best and second best per lane and merges the 16 lanes at the end. The
 * lanes see increasing unit indices, so each lane's pair is already in
 * lexicographic order and the global pair is among the lanes' pairs. */

static void top2_scalar(const float *s, const float *add, size_t n_units, size_t *b1_out,
                        size_t *b2_out)
{
    size_t b1 = 0, b2 = n_units;
    float s1 = s[0] + add[0], s2 = INFINITY;
    for (size_t i = 1; i < n_units; i++) {
        float v = s[i] + add[i];
        if (v < s1) {
            s2 = s1;
            b2 = b1;
            s1 = v;
            b1 = i;
        } else if (v < s2) {
            s2 = v;
            b2 = i;
        }
    }
    *b1_out = b1;
    *b2_out = b2;
}

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang_analyzer__)
#include <immintrin.h>
#define SOM_HAVE_AVX512_SCAN 1

__attribute__((target("avx512f"))) static void top2_avx512(const float *s, const float *add,
                                                          size_t n_units, size_t *b1_out,
                                                          size_t *b2_out)
{
    const __m512 inf = _mm512_set1_ps(INFINITY);
    __m512 v1 = inf, v2 = inf;
    __m512i i1 = _mm512_setzero_si512(), i2 = _mm512_set1_epi32(-1);
    __m512i idx = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    const __m512i step = _mm512_set1_epi32(16);
    size_t i = 0;
    for (; i < n_units; i += 16) {
        __m512 x;
        if (n_units - i >= 16) {
            x = _mm512_add_ps(_mm512_loadu_ps(s + i), _mm512_loadu_ps(add + i));
        } else {
            __mmask16 tail = (__mmask16)((1u << (n_units - i)) - 1u);
            x = _mm512_add_ps(_mm512_mask_loadu_ps(inf, tail, s + i),
                              _mm512_maskz_loadu_ps(tail, add + i));
        }
        __mmask16 lt1 = _mm512_cmp_ps_mask(x, v1, _CMP_LT_OQ);
        __mmask16 lt2 = _mm512_cmp_ps_mask(x, v2, _CMP_LT_OQ);
        /* x below the second: it becomes the second, unless it is below the
         * best too, in which case the old best moves down to second. */
        __m512 nv2 = _mm512_mask_blend_ps(lt2, v2, x);
        __m512i ni2 = _mm512_mask_blend_epi32(lt2, i2, idx);
        v2 = _mm512_mask_blend_ps(lt1, nv2, v1);
        i2 = _mm512_mask_blend_epi32(lt1, ni2, i1);
        v1 = _mm512_mask_blend_ps(lt1, v1, x);
        i1 = _mm512_mask_blend_epi32(lt1, i1, idx);
        idx = _mm512_add_epi32(idx, step);
    }
    float fv[32];
    int32_t fi[32];
    _mm512_storeu_ps(fv, v1);
    _mm512_storeu_ps(fv + 16, v2);
    _mm512_storeu_si512((void *)fi, i1);
    _mm512_storeu_si512((void *)(fi + 16), i2);
    /* Best: lexicographic minimum; a lane that never saw a value below
     * infinity offers (inf, 0), which is what the plain loop returns when
     * every score is infinite. */
    int k1 = 0;
    for (int k = 1; k < 16; k++)
        if (fv[k] < fv[k1] || (fv[k] == fv[k1] && fi[k] < fi[k1])) k1 = k;
    size_t b1 = (size_t)fi[k1], b2 = n_units;
    float s2 = INFINITY;
    for (int k = 0; k < 32; k++) {
        if (fi[k] < 0 || (size_t)fi[k] == b1 || !(fv[k] < INFINITY)) continue;
        if (fv[k] < s2 || (fv[k] == s2 && (size_t)fi[k] < b2)) {
            s2 = fv[k];
            b2 = (size_t)fi[k];
        }
    }
    *b1_out = b1;
    *b2_out = b2;
}
#endif

static void top2(const float *s, const float *add, size_t n_units, size_t *b1, size_t *b2)
{
#ifdef SOM_HAVE_AVX512_SCAN
    /* n_units fits in int32 (checked by the caller); the lane indices do. */
    if (som__have_avx512f() && n_units >= 16) {
        top2_avx512(s, add, n_units, b1, b2);
        return;
    }
#endif
    top2_scalar(s, add, n_units, b1, b2);
}


/* ---- one row against a contiguous codebook (online training) -------------
 * The plain search above works in double, one unit at a time, and is half
 * of an online step. som__bmu_fast finds the same unit with float
 * arithmetic that vectorises: a first sweep measures every unit in float
 * (16 independent lanes per row, so the compiler can use one vector
 * register without reassociating a sum), and a second sweep re-measures in
 * double, with the plain search's own function, every unit whose float
 * distance could be within rounding of the float minimum. The plain search's
 * winner is always among those, so the result is the same unit and the
 * same double distance.
 *
 * Bound: a float sum of dim squares of float differences is within
 * (dim + 2) * 2^-24 of the true value, relatively, plus 2^-126 per term for
 * squares that underflow. We allow twice that (and the double search's own
 * rounding is far smaller). */

#define FAST_LANES 16

#define DEFINE_FLOAT_DIST2(name, attr)                                                   \
    attr static float name(const float *w, const float *x, const uint8_t *mask,         \
                           size_t dim)                                                   \
    {                                                                                    \
        float acc[FAST_LANES] = {0};                                                     \
        size_t j = 0;                                                                    \
        if (mask) {                                                                      \
            for (; j + FAST_LANES <= dim; j += FAST_LANES)                               \
                for (size_t l = 0; l < FAST_LANES; l++) {                                \
                    float d = mask[j + l] ? x[j + l] - w[j + l] : 0.0f;                  \
                    acc[l] += d * d;                                                     \
                }                                                                        \
            for (size_t l = 0; j < dim; j++, l++) {                                      \
                float d = mask[j] ? x[j] - w[j] : 0.0f;                                  \
                acc[l] += d * d;                                                         \
            }                                                                            \
        } else {                                                                         \
            for (; j + FAST_LANES <= dim; j += FAST_LANES)                               \
                for (size_t l = 0; l < FAST_LANES; l++) {                                \
                    float d = x[j + l] - w[j + l];                                       \
                    acc[l] += d * d;                                                     \
                }                                                                        \
            for (size_t l = 0; j < dim; j++, l++) {                                      \
                float d = x[j] - w[j];                                                   \
                acc[l] += d * d;                                                         \
            }                                                                            \
        }                                                                                \
        float s = 0.0f;                                                                  \
        for (size_t l = 0; l < FAST_LANES; l++) s += acc[l];                             \
        return s;                                                                        \
    }

/* Units are measured in chunks whose float distances stay on the stack; a
 * map of at most FAST_CHUNK units (the usual online map) is measured once,
 * a larger one has its float distances recomputed in the second sweep. */
#define FAST_CHUNK 1024

/* The second sweep: every unit whose float distance fd[i] could be within
 * rounding of the float minimum fmin is re-measured exactly; the smallest
 * exact distance wins (ties to the lower index, as in the plain search).
 * n_units when no distance is finite. */
static size_t recheck(const float *codebook, size_t n_units, size_t dim, const float *x,
                      const uint8_t *mask, const float *fd, float fmin, double *dist2)
{
    const double tol = 2.0 * (double)(dim + 2) * 0x1p-24;
    const double tiny = 2.0 * (double)dim * 0x1p-126;
    const double upper = (double)fmin * (1.0 + tol) + tiny;
    if (!dist2) {
        /* Only the unit is asked for: a single candidate with a finite
         * float distance is the winner without its exact distance (all its
         * terms are finite, so that distance is finite and below the
         * starting infinity, and no other unit is compared with it). */
        size_t first = n_units, count = 0;
        for (size_t i = 0; i < n_units; i++)
            if (!((double)fd[i] * (1.0 - tol) - tiny > upper)) {
                if (first == n_units) first = i;
                count++;
            }
        if (count == 1 && isfinite(fd[first])) return first;
    }
    size_t best = n_units;
    double best_d = INFINITY;
    for (size_t i = 0; i < n_units; i++) {
        if ((double)fd[i] * (1.0 - tol) - tiny > upper) continue;
        double d = exact_dist2(codebook + i * dim, x, mask, dim);
        if (d < best_d) {
            best_d = d;
            best = i;
        }
    }
    if (best == n_units) return n_units; /* NaN or infinite distances */
    if (dist2) *dist2 = best_d;
    return best;
}

#define DEFINE_BMU_FAST(name, dist_fn, attr)                                             \
    attr static size_t name(const float *codebook, size_t n_units, size_t dim,           \
                            const float *x, const uint8_t *mask, double *dist2)          \
    {                                                                                    \
        float fd[FAST_CHUNK];                                                            \
        const int kept = n_units <= FAST_CHUNK;                                          \
        float fmin = INFINITY;                                                           \
        for (size_t i = 0; i < n_units; i++) {                                           \
            float d = dist_fn(codebook + i * dim, x, mask, dim);                         \
            if (kept) fd[i] = d;                                                         \
            if (d < fmin) fmin = d;                                                      \
        }                                                                                \
        if (kept) return recheck(codebook, n_units, dim, x, mask, fd, fmin, dist2);      \
        const double tol = 2.0 * (double)(dim + 2) * 0x1p-24;                            \
        const double tiny = 2.0 * (double)dim * 0x1p-126;                                \
        const double upper = (double)fmin * (1.0 + tol) + tiny;                          \
        size_t best = n_units;                                                           \
        double best_d = INFINITY;                                                        \
        for (size_t i = 0; i < n_units; i++) {                                           \
            const float *w = codebook + i * dim;                                         \
            float f = dist_fn(w, x, mask, dim);                                          \
            if ((double)f * (1.0 - tol) - tiny > upper) continue;                        \
            double d = exact_dist2(w, x, mask, dim);                                     \
            if (d < best_d) {                                                            \
                best_d = d;                                                              \
                best = i;                                                                \
            }                                                                            \
        }                                                                                \
        if (best == n_units) return n_units; /* NaN or infinite distances */             \
        if (dist2) *dist2 = best_d;                                                      \
        return best;                                                                     \
    }

DEFINE_FLOAT_DIST2(float_dist2, )
DEFINE_BMU_FAST(bmu_fast_generic, float_dist2, )
#ifdef SOM_HAVE_AVX512_SCAN
/* Compilers do not turn the lane loop above into one AVX-512 register
 * without -ffast-math, so this version says it outright: 16 lanes, fused
 * multiply-add (only more accurate; the bound holds), masked tail. */
__attribute__((target("avx512f,avx512bw,avx512vl"))) static inline float
float_dist2_avx512(const float *w, const float *x, const uint8_t *mask, size_t dim)
{
    __m512 acc = _mm512_setzero_ps();
    const __m128i zero = _mm_setzero_si128();
    for (size_t j = 0; j < dim; j += 16) {
        __mmask16 live = (__mmask16)(dim - j >= 16 ? 0xffffu : (1u << (dim - j)) - 1u);
        if (mask) {
            __m128i mb = _mm_maskz_loadu_epi8(live, mask + j);
            live = (__mmask16)(live & _mm_cmpneq_epi8_mask(mb, zero));
        }
        __m512 d = _mm512_sub_ps(_mm512_maskz_loadu_ps(live, x + j),
                                 _mm512_maskz_loadu_ps(live, w + j));
        acc = _mm512_fmadd_ps(d, d, acc);
    }
    return _mm512_reduce_add_ps(acc);
}
DEFINE_BMU_FAST(bmu_fast_avx512, float_dist2_avx512,
                __attribute__((target("avx512f,avx512bw,avx512vl"))))
#endif

static int have_avx512(void)
{
#ifdef SOM_HAVE_AVX512_SCAN
    static int have = -1;
    int h = __atomic_load_n(&have, __ATOMIC_RELAXED);
    if (h < 0) {
        __builtin_cpu_init();
        h = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
            __builtin_cpu_supports("avx512vl");
        __atomic_store_n(&have, h, __ATOMIC_RELAXED);
    }
    return h;
#else
    return 0;
#endif
}

size_t som__bmu_fast(const float *codebook, size_t n_units, size_t dim, const float *x,
                     const uint8_t *mask, double *dist2)
{
    size_t b, present = dim;
    if (mask) {
        present = 0;
        for (size_t j = 0; j < dim; j++) present += mask[j] != 0;
    }
    if (present == 0) return som__bmu_scalar(codebook, n_units, dim, x, mask, dist2);
#ifdef SOM_HAVE_AVX512_SCAN
    if (have_avx512())
        b = bmu_fast_avx512(codebook, n_units, dim, x, mask, dist2);
    else
#endif
        b = bmu_fast_generic(codebook, n_units, dim, x, mask, dist2);
    /* Distances that are not finite: the plain search decides, so that even
     * this case gives its answer. */
    if (b == n_units) return som__bmu_scalar(codebook, n_units, dim, x, mask, dist2);
    return b;
}


#ifdef SOM_HAVE_AVX512_SCAN
/* recheck with the candidate test on 8 doubles at a time: the same
 * candidates (the same test, NaN included), in the same order. */
__attribute__((target("avx512f,avx512bw,avx512vl"))) static size_t
recheck_avx512(const float *codebook, size_t n_units, size_t dim, const float *x,
               const uint8_t *mask, const float *fd, float fmin, double *dist2)
{
    const double tol = 2.0 * (double)(dim + 2) * 0x1p-24;
    const double tiny = 2.0 * (double)dim * 0x1p-126;
    const double upper = (double)fmin * (1.0 + tol) + tiny;
    const __m512d vk = _mm512_set1_pd(1.0 - tol), vt = _mm512_set1_pd(tiny),
                  vu = _mm512_set1_pd(upper);
    if (!dist2) {
        /* Only the unit is asked for: a single candidate with a finite
         * float distance is the winner without its exact distance (all its
         * terms are finite, so that distance is finite and below the
         * starting infinity, and no other unit is compared with it). */
        size_t first = n_units, count = 0;
        for (size_t i0 = 0; i0 < n_units; i0 += 8) {
            __mmask8 live = (__mmask8)(n_units - i0 >= 8 ? 0xffu : (1u << (n_units - i0)) - 1u);
            __m512d f = _mm512_cvtps_pd(_mm256_maskz_loadu_ps(live, fd + i0));
            __m512d t = _mm512_sub_pd(_mm512_mul_pd(f, vk), vt);
            unsigned cand = (unsigned)_mm512_mask_cmp_pd_mask(live, t, vu, _CMP_NGT_UQ);
            if (cand && first == n_units) first = i0 + (size_t)__builtin_ctz(cand);
            count += (size_t)__builtin_popcount(cand);
        }
        if (count == 1 && isfinite(fd[first])) return first;
    }
    size_t best = n_units;
    double best_d = INFINITY;
    for (size_t i0 = 0; i0 < n_units; i0 += 8) {
        __mmask8 live = (__mmask8)(n_units - i0 >= 8 ? 0xffu : (1u << (n_units - i0)) - 1u);
        __m512d f = _mm512_cvtps_pd(_mm256_maskz_loadu_ps(live, fd + i0));
        __m512d t = _mm512_sub_pd(_mm512_mul_pd(f, vk), vt);
        unsigned cand = (unsigned)_mm512_mask_cmp_pd_mask(live, t, vu, _CMP_NGT_UQ);
        while (cand) {
            size_t i = i0 + (size_t)__builtin_ctz(cand);
            cand &= cand - 1;
            double d = exact_dist2(codebook + i * dim, x, mask, dim);
            if (d < best_d) {
                best_d = d;
                best = i;
            }
        }
    }
    if (best == n_units) return n_units;
    if (dist2) *dist2 = best_d;
    return best;
}
#endif

size_t som__bmu_fast_given(const float *codebook, size_t n_units, size_t dim, const float *x,
                           const uint8_t *mask, const float *fd, float fmin, double *dist2)
{
    size_t present = dim;
    if (mask) {
        present = 0;
        for (size_t j = 0; j < dim; j++) present += mask[j] != 0;
    }
    if (present == 0) return som__bmu_scalar(codebook, n_units, dim, x, mask, dist2);
    size_t b;
#ifdef SOM_HAVE_AVX512_SCAN
    if (have_avx512())
        b = recheck_avx512(codebook, n_units, dim, x, mask, fd, fmin, dist2);
    else
#endif
        b = recheck(codebook, n_units, dim, x, mask, fd, fmin, dist2);
    if (b == n_units) return som__bmu_scalar(codebook, n_units, dim, x, mask, dist2);
    return b;
}


/* ---- the online update of one unit ---------------------------------------
 * w += a * (x - w) on the present fields: a subtraction, a multiplication
 * and an addition per field in float, never fused, so that every CPU and
 * every path (vector or not) gives the same bits. */

static void move_generic(float *w, const float *x, const uint8_t *mask, float a, size_t dim)
{
    if (mask) {
        for (size_t j = 0; j < dim; j++)
            if (mask[j]) w[j] += a * (x[j] - w[j]);
    } else {
        for (size_t j = 0; j < dim; j++) w[j] += a * (x[j] - w[j]);
    }
}

#ifdef SOM_HAVE_AVX512_SCAN
__attribute__((target("avx512f,avx512bw,avx512vl"))) static void
move_avx512(float *w, const float *x, const uint8_t *mask, float a, size_t dim)
{
    const __m512 va = _mm512_set1_ps(a);
    const __m128i zero = _mm_setzero_si128();
    for (size_t j = 0; j < dim; j += 16) {
        __mmask16 live = (__mmask16)(dim - j >= 16 ? 0xffffu : (1u << (dim - j)) - 1u);
        if (mask)
            live = (__mmask16)(live & _mm_cmpneq_epi8_mask(_mm_maskz_loadu_epi8(live, mask + j), zero));
        __m512 vw = _mm512_maskz_loadu_ps(live, w + j);
        __m512 d = _mm512_sub_ps(_mm512_maskz_loadu_ps(live, x + j), vw);
        _mm512_mask_storeu_ps(w + j, live, _mm512_add_ps(vw, _mm512_mul_ps(va, d)));
    }
}
#endif

void som__online_move(float *w, const float *x, const uint8_t *mask, float a, size_t dim)
{
#ifdef SOM_HAVE_AVX512_SCAN
    if (have_avx512()) {
        move_avx512(w, x, mask, a, dim);
        return;
    }
#endif
    move_generic(w, x, mask, a, dim);
}


/* ---- one online step's update of every unit -----------------------------
 * Each unit with |alpha * h[u]| >= SOM__MIN_STEP moves by
 * a = (float)(alpha * h[u]) exactly as som__online_move moves it. A smaller
 * step is skipped: w + a (x - w) rounds back to w unless |w| is below
 * 2^-16 |x - w| (a weight within ~1e-4 of zero on z-scored data), and even
 * then changes w by less than 2^-40 |x - w|. It spares the stores of most
 * units late in training, when sigma is small (gaussian h never reaches
 * 0); measured: 8 % more updates per second on case B, its QE and that of
 * test_perf_quality's online cases unchanged to every digit. When `next` is given (the sample of the
 * following step), the same sweep also measures every unit's float
 * distance to it, after the move, into fd — the first sweep of
 * som__bmu_fast, done while the unit is in registers, so the next step's
 * search reads the codebook once instead of twice. */
static float update_generic(float *cb, size_t n_units, size_t dim, const float *x,
                            const uint8_t *mask, double alpha, const double *h,
                            const float *next, const uint8_t *next_mask, float *fd)
{
    float fmin = INFINITY;
    for (size_t u = 0; u < n_units; u++) {
        float *w = cb + u * dim;
        if (fabs(alpha * h[u]) >= SOM__MIN_STEP) move_generic(w, x, mask, (float)(alpha * h[u]), dim);
        if (next) {
            fd[u] = float_dist2(w, next, next_mask, dim);
            if (fd[u] < fmin) fmin = fd[u];
        }
    }
    return fmin;
}

#ifdef SOM_HAVE_AVX512_SCAN
/* The 16 lane sums of 16 vectors, in order, by a transpose-and-add tree:
 * 45 instructions for 16 units instead of a dependent chain of ~8 per
 * unit. The float summation order differs from _mm512_reduce_add_ps;
 * the search's bound holds for any order. */
__attribute__((target("avx512f"))) static inline __m512 sum16x16(const __m512 *v)
{
    __m512 w[8], x[4], y[2];
    for (int k = 0; k < 8; k++)
        w[k] = _mm512_add_ps(_mm512_unpacklo_ps(v[2 * k], v[2 * k + 1]),
                             _mm512_unpackhi_ps(v[2 * k], v[2 * k + 1]));
    for (int k = 0; k < 4; k++)
        x[k] = _mm512_add_ps(_mm512_shuffle_ps(w[2 * k], w[2 * k + 1], _MM_SHUFFLE(1, 0, 1, 0)),
                             _mm512_shuffle_ps(w[2 * k], w[2 * k + 1], _MM_SHUFFLE(3, 2, 3, 2)));
    for (int k = 0; k < 2; k++)
        y[k] = _mm512_add_ps(_mm512_shuffle_f32x4(x[2 * k], x[2 * k + 1], _MM_SHUFFLE(2, 0, 2, 0)),
                             _mm512_shuffle_f32x4(x[2 * k], x[2 * k + 1], _MM_SHUFFLE(3, 1, 3, 1)));
    return _mm512_add_ps(_mm512_shuffle_f32x4(y[0], y[1], _MM_SHUFFLE(2, 0, 2, 0)),
                         _mm512_shuffle_f32x4(y[0], y[1], _MM_SHUFFLE(3, 1, 3, 1)));
}

/* With missing values (masked, a constant at each call): a field missing
 * in x keeps its weight (the move is computed, then the old value blended
 * back, and the whole vector stored: the same bits as a masked store), a
 * field missing in next counts 0 in its distance. */
#define MOVED(vw, nw, k) (masked ? _mm512_mask_blend_ps(mx[k], vw, nw) : (nw))
#define NEXT_DIFF(vw, k) (masked ? _mm512_maskz_sub_ps(mn[k], vn[k], vw) : _mm512_sub_ps(vn[k], vw))

/* One unit of update_full: moved by a when it moves, measured. */
__attribute__((target("avx512f,avx512bw,avx512vl"), always_inline)) static inline __m512
update_one(float *w, unsigned moves, float a, const __m512 *vx, const __m512 *vn,
           const __mmask16 *mx, const __mmask16 *mn, const size_t nc, const bool masked)
{
    __m512 acc = _mm512_setzero_ps();
    if (moves) {
        const __m512 va = _mm512_set1_ps(a);
        for (size_t k = 0; k < nc; k++) {
            __m512 vw = _mm512_loadu_ps(w + 16 * k);
            /* sub, mul, add: never fused, the bits of move_generic */
            vw = MOVED(vw, _mm512_add_ps(vw, _mm512_mul_ps(va, _mm512_sub_ps(vx[k], vw))), k);
            _mm512_storeu_ps(w + 16 * k, vw);
            __m512 d = NEXT_DIFF(vw, k);
            acc = _mm512_fmadd_ps(d, d, acc);
        }
    } else {
        for (size_t k = 0; k < nc; k++) {
            __m512 d = NEXT_DIFF(_mm512_loadu_ps(w + 16 * k), k);
            acc = _mm512_fmadd_ps(d, d, acc);
        }
    }
    return acc;
}

/* Rows of nc whole vectors (dim = 16 nc <= 128) with a next sample: x and
 * next stay in registers (and with missing values their masks, mx and
 * mn), the steps of 16 units are computed 8 doubles at a time, and a unit
 * that does not move is only measured. The same moves (sub, mul, add) and
 * the same distance sums as the general loop below, in the same order. nc
 * and masked are constants in each caller, so the loops over nc unroll
 * and complete rows pay nothing for the masks. */
__attribute__((target("avx512f,avx512bw,avx512vl"), always_inline)) static inline float
update_full(float *cb, size_t n_units, const float *x, double alpha, const double *h,
            const float *next, float *fd, const __mmask16 *mx, const __mmask16 *mn,
            const size_t nc, const bool masked)
{
    const size_t dim = nc * 16;
    __m512 vx[8], vn[8];
    for (size_t k = 0; k < nc; k++) {
        vx[k] = _mm512_loadu_ps(x + 16 * k);
        vn[k] = _mm512_loadu_ps(next + 16 * k);
    }
    const __m512d valpha = _mm512_set1_pd(alpha), vstep = _mm512_set1_pd(SOM__MIN_STEP);
    const __m512 one = _mm512_set1_ps(1.0f);
    __m512 vmin = _mm512_set1_ps(INFINITY);
    __m512 accs[16];
    float af[16];
    for (size_t u0 = 0; u0 < n_units; u0 += 16) {
        const size_t group = n_units - u0 < 16 ? n_units - u0 : 16;
        const __mmask8 l0 = (__mmask8)(group >= 8 ? 0xffu : (1u << group) - 1u);
        const __mmask8 l1 = (__mmask8)(group >= 16 ? 0xffu : group > 8 ? (1u << (group - 8)) - 1u : 0u);
        /* alpha * h[u] in double, |.| >= SOM__MIN_STEP (false for NaN, as
         * fabs(...) >= in C), (float) rounded to nearest as the C cast. */
        __m512d a0 = _mm512_mul_pd(valpha, _mm512_maskz_loadu_pd(l0, h + u0));
        __m512d a1 = _mm512_mul_pd(valpha, _mm512_maskz_loadu_pd(l1, h + u0 + 8));
        unsigned moves = (unsigned)_mm512_mask_cmp_pd_mask(l0, _mm512_abs_pd(a0), vstep, _CMP_GE_OQ) |
                         (unsigned)_mm512_mask_cmp_pd_mask(l1, _mm512_abs_pd(a1), vstep, _CMP_GE_OQ) << 8;
        _mm256_storeu_ps(af, _mm512_cvtpd_ps(a0));
        _mm256_storeu_ps(af + 8, _mm512_cvtpd_ps(a1));
        float *w = cb + u0 * dim;
        size_t g = 0;
        /* Two units at a time where both move or both stay: two
         * independent chains for the out-of-order core. */
        for (; g + 2 <= group; g += 2, w += 2 * dim) {
            const unsigned both = moves >> g & 3u;
            if (both == 3u) {
                const __m512 va = _mm512_set1_ps(af[g]), vb = _mm512_set1_ps(af[g + 1]);
                __m512 acc = _mm512_setzero_ps(), acc2 = _mm512_setzero_ps();
                for (size_t k = 0; k < nc; k++) {
                    __m512 vw = _mm512_loadu_ps(w + 16 * k);
                    __m512 vw2 = _mm512_loadu_ps(w + dim + 16 * k);
                    /* sub, mul, add: never fused, the bits of move_generic */
                    vw = MOVED(vw, _mm512_add_ps(vw, _mm512_mul_ps(va, _mm512_sub_ps(vx[k], vw))), k);
                    vw2 = MOVED(vw2, _mm512_add_ps(vw2, _mm512_mul_ps(vb, _mm512_sub_ps(vx[k], vw2))),
                                k);
                    _mm512_storeu_ps(w + 16 * k, vw);
                    _mm512_storeu_ps(w + dim + 16 * k, vw2);
                    /* next - w, for one of the two units on the multiply-add
                     * units: -(w * 1) + next rounds once, as the subtraction
                     * does; the moves keep two additions per vector on the
                     * adders. */
                    __m512 d = NEXT_DIFF(vw, k);
                    __m512 d2 = masked ? _mm512_maskz_fnmadd_ps(mn[k], vw2, one, vn[k])
                                       : _mm512_fnmadd_ps(vw2, one, vn[k]);
                    acc = _mm512_fmadd_ps(d, d, acc);
                    acc2 = _mm512_fmadd_ps(d2, d2, acc2);
                }
                accs[g] = acc;
                accs[g + 1] = acc2;
            } else if (both == 0u) {
                __m512 acc = _mm512_setzero_ps(), acc2 = _mm512_setzero_ps();
                for (size_t k = 0; k < nc; k++) {
                    __m512 d = NEXT_DIFF(_mm512_loadu_ps(w + 16 * k), k);
                    __m512 d2 = NEXT_DIFF(_mm512_loadu_ps(w + dim + 16 * k), k);
                    acc = _mm512_fmadd_ps(d, d, acc);
                    acc2 = _mm512_fmadd_ps(d2, d2, acc2);
                }
                accs[g] = acc;
                accs[g + 1] = acc2;
            } else {
                accs[g] = update_one(w, moves >> g & 1u, af[g], vx, vn, mx, mn, nc, masked);
                accs[g + 1] =
                    update_one(w + dim, moves >> (g + 1) & 1u, af[g + 1], vx, vn, mx, mn, nc, masked);
            }
        }
        if (g < group) accs[g] = update_one(w, moves >> g & 1u, af[g], vx, vn, mx, mn, nc, masked);
        for (g = group; g < 16; g++) accs[g] = _mm512_setzero_ps();
        __m512 sums = sum16x16(accs);
        __mmask16 valid = (__mmask16)(group == 16 ? 0xffffu : (1u << group) - 1u);
        _mm512_mask_storeu_ps(fd + u0, valid, sums);
        vmin = _mm512_mask_min_ps(vmin, valid, vmin, sums);
    }
    return _mm512_reduce_min_ps(vmin);
}

#undef MOVED
#undef NEXT_DIFF

#define UPDATE_FULL(nc)                                                                  \
    __attribute__((target("avx512f,avx512bw,avx512vl"))) static float update_full##nc(  \
        float *cb, size_t n_units, const float *x, double alpha, const double *h,       \
        const float *next, float *fd, const __mmask16 *mx, const __mmask16 *mn)         \
    {                                                                                    \
        if (mx) return update_full(cb, n_units, x, alpha, h, next, fd, mx, mn, nc, true); \
        return update_full(cb, n_units, x, alpha, h, next, fd, NULL, NULL, nc, false);   \
    }
UPDATE_FULL(1)
UPDATE_FULL(2)
UPDATE_FULL(3)
UPDATE_FULL(4)
UPDATE_FULL(5)
UPDATE_FULL(6)
UPDATE_FULL(7)
UPDATE_FULL(8)

__attribute__((target("avx512f,avx512bw,avx512vl"))) static float
update_avx512(float *cb, size_t n_units, size_t dim, const float *x, const uint8_t *mask,
              double alpha, const double *h, const float *next, const uint8_t *next_mask,
              float *fd)
{
    if (next && dim % 16 == 0 && dim <= 128) {
        /* The masks of x and next, 16 fields per register (all present
         * where a row has no mask); NULL for complete rows. */
        __mmask16 mx[8], mn[8];
        const bool masked = mask || next_mask;
        const __m128i nil = _mm_setzero_si128();
        for (size_t k = 0; masked && k < dim / 16; k++) {
            mx[k] = mask ? _mm_cmpneq_epi8_mask(_mm_loadu_si128((const void *)(mask + 16 * k)), nil)
                         : (__mmask16)0xffffu;
            mn[k] = next_mask
                        ? _mm_cmpneq_epi8_mask(_mm_loadu_si128((const void *)(next_mask + 16 * k)), nil)
                        : (__mmask16)0xffffu;
        }
        const __mmask16 *px = masked ? mx : NULL, *pn = masked ? mn : NULL;
        switch (dim / 16) {
        case 1: return update_full1(cb, n_units, x, alpha, h, next, fd, px, pn);
        case 2: return update_full2(cb, n_units, x, alpha, h, next, fd, px, pn);
        case 3: return update_full3(cb, n_units, x, alpha, h, next, fd, px, pn);
        case 4: return update_full4(cb, n_units, x, alpha, h, next, fd, px, pn);
        case 5: return update_full5(cb, n_units, x, alpha, h, next, fd, px, pn);
        case 6: return update_full6(cb, n_units, x, alpha, h, next, fd, px, pn);
        case 7: return update_full7(cb, n_units, x, alpha, h, next, fd, px, pn);
        case 8: return update_full8(cb, n_units, x, alpha, h, next, fd, px, pn);
        default: break;
        }
    }
    const __m128i zero = _mm_setzero_si128();
    __m512 accs[16];
    __m512 vmin = _mm512_set1_ps(INFINITY);
    for (size_t u0 = 0; u0 < n_units; u0 += 16) {
        const size_t group = n_units - u0 < 16 ? n_units - u0 : 16;
        for (size_t g = 0; g < group; g++) {
            const size_t u = u0 + g;
            float *w = cb + u * dim;
            const bool moves = fabs(alpha * h[u]) >= SOM__MIN_STEP;
            const __m512 va = _mm512_set1_ps(moves ? (float)(alpha * h[u]) : 0.0f);
            __m512 acc = _mm512_setzero_ps();
            if (!mask && !next_mask && dim % 16 == 0) {
                /* Complete rows in whole vectors: no masked loads or
                 * stores, which cost more on some CPUs (Zen 4). */
                for (size_t j = 0; j < dim; j += 16) {
                    __m512 vw = _mm512_loadu_ps(w + j);
                    if (moves) {
                        __m512 d = _mm512_sub_ps(_mm512_loadu_ps(x + j), vw);
                        vw = _mm512_add_ps(vw, _mm512_mul_ps(va, d));
                        _mm512_storeu_ps(w + j, vw);
                    }
                    if (next) {
                        __m512 d = _mm512_sub_ps(_mm512_loadu_ps(next + j), vw);
                        acc = _mm512_fmadd_ps(d, d, acc);
                    }
                }
                accs[g] = acc;
                continue;
            }
            for (size_t j = 0; j < dim; j += 16) {
                __mmask16 live = (__mmask16)(dim - j >= 16 ? 0xffffu : (1u << (dim - j)) - 1u);
                __m512 vw = _mm512_maskz_loadu_ps(live, w + j);
                if (moves) {
                    __mmask16 m = live;
                    if (mask)
                        m = (__mmask16)(m & _mm_cmpneq_epi8_mask(_mm_maskz_loadu_epi8(live, mask + j), zero));
                    /* sub, mul, add: never fused, the bits of move_generic */
                    __m512 d = _mm512_sub_ps(_mm512_maskz_loadu_ps(m, x + j), vw);
                    __m512 nw = _mm512_add_ps(vw, _mm512_mul_ps(va, d));
                    _mm512_mask_storeu_ps(w + j, m, nw);
                    vw = _mm512_mask_blend_ps(m, vw, nw);
                }
                if (next) {
                    __mmask16 m = live;
                    if (next_mask)
                        m = (__mmask16)(m & _mm_cmpneq_epi8_mask(_mm_maskz_loadu_epi8(live, next_mask + j), zero));
                    __m512 d = _mm512_sub_ps(_mm512_maskz_loadu_ps(m, next + j), _mm512_maskz_mov_ps(m, vw));
                    acc = _mm512_fmadd_ps(d, d, acc);
                }
            }
            accs[g] = acc;
        }
        if (next) {
            for (size_t g = group; g < 16; g++) accs[g] = _mm512_setzero_ps();
            __m512 sums = sum16x16(accs);
            __mmask16 valid = (__mmask16)(group == 16 ? 0xffffu : (1u << group) - 1u);
            _mm512_mask_storeu_ps(fd + u0, valid, sums);
            vmin = _mm512_mask_min_ps(vmin, valid, vmin, sums);
        }
    }
    return _mm512_reduce_min_ps(vmin);
}
#endif

float som__online_update(float *cb, size_t n_units, size_t dim, const float *x,
                         const uint8_t *mask, double alpha, const double *h, const float *next,
                         const uint8_t *next_mask, float *fd)
{
#ifdef SOM_HAVE_AVX512_SCAN
    if (have_avx512()) return update_avx512(cb, n_units, dim, x, mask, alpha, h, next, next_mask, fd);
#endif
    return update_generic(cb, n_units, dim, x, mask, alpha, h, next, next_mask, fd);
}


/* ---- the online neighbourhood weights --------------------------------------
 * h for every unit around winner b: 1 for the winner, beta * h(d2, sigma)
 * otherwise. The exp() behind h was a quarter of an online step, so values
 * are reused where the distance is provably the same: a row of the offset
 * table that equals the row mirrored through the winner's row (true on rect
 * and hex grids, sheets and toroids, but checked, not assumed) copies that
 * row's weights, and within a row a unit at the same squared distance as
 * its mirror through the winner's column reuses its weight. Equal inputs to
 * the same function: the weights are bit for bit those of one call per
 * unit. Gaussians on rect grids go further (below): rows + cols calls. */
void som__online_weights(const som_dist_table *dt, size_t b, som_neighborhood kind,
                         bool strict, double sigma, double beta, double *h)
{
    const size_t rows = dt->rows, cols = dt->cols;
    const size_t br = b / cols, bc = b % cols;
    const double *base = dt->d2 + (br & 1) * dt->span_r * dt->span_c;
    if (dt->rect && sigma > 0.0 && rows <= 1024 && cols <= 1024 &&
        (kind == SOM_NEIGHBORHOOD_GAUSSIAN || kind == SOM_NEIGHBORHOOD_CUTGAUSS)) {
        /* Rect grids: d^2 = dr^2 + dc^2, so exp(-d^2 / 2 s^2) is the product
         * of a row factor and a column factor: rows + cols calls to exp()
         * instead of one per distinct distance. The product rounds
         * differently from exp of the sum: relatively about (3 + |ln h|)
         * units in the last place of double (the exponent's own rounding,
         * scaled). That changes the float step (float)(alpha * h) only
         * when alpha * h lies that close to a float rounding boundary —
         * around once in 10^7 unit updates, and then by one float ulp; the
         * QE of cases A and B is unchanged to every printed digit. The cut
         * gaussian cuts on the exact d^2 from the table. */
        double er[1024], ec[1024];
        const double s2 = sigma * sigma;
        const double *col_b = base + (rows - 1) * dt->span_c + (cols - 1 - bc);
        /* Equal squared distances give equal factors: a column copies its
         * mirror through the winner's column, a row the column at the same
         * offset (or its mirror row) when the table says the distance is
         * the same, so a 20 x 20 map needs at most 20 calls, not 40. */
        for (size_t c = 0; c < cols; c++) {
            size_t mc = 2 * bc - c; /* wraps to a huge value when c > 2 bc */
            ec[c] = mc < c && col_b[mc] == col_b[c] ? ec[mc] : exp(-col_b[c] / (2.0 * s2));
        }
        for (size_t r = 0; r < rows; r++) {
            double d2r = base[(r + rows - 1 - br) * dt->span_c + (cols - 1)];
            size_t k = r > br ? r - br : br - r, mr = 2 * br - r;
            if (bc + k < cols && col_b[bc + k] == d2r)
                er[r] = ec[bc + k];
            else if (k <= bc && col_b[bc - k] == d2r)
                er[r] = ec[bc - k];
            else if (mr < r && base[(mr + rows - 1 - br) * dt->span_c + (cols - 1)] == d2r)
                er[r] = er[mr];
            else
                er[r] = exp(-d2r / (2.0 * s2));
        }
        const bool cut = kind == SOM_NEIGHBORHOOD_CUTGAUSS;
        for (size_t r = 0; r < rows; r++) {
            const double *d2row = base + (r + rows - 1 - br) * dt->span_c + (cols - 1 - bc);
            double *hr = h + r * cols;
            for (size_t c = 0; c < cols; c++) {
                double d2 = d2row[c];
                hr[c] = cut && (strict ? d2 >= s2 : d2 > s2) ? 0.0 : beta * (er[r] * ec[c]);
            }
        }
        h[b] = 1.0;
        return;
    }
    for (size_t r = 0; r < rows; r++) {
        const double *d2row = base + (r + rows - 1 - br) * dt->span_c + (cols - 1 - bc);
        double *hr = h + r * cols;
        size_t m = 2 * br - r; /* the mirror row; wraps to a huge value when r > 2 br */
        if (r != br && m < r) {
            const double *d2m = base + (m + rows - 1 - br) * dt->span_c + (cols - 1 - bc);
            if (memcmp(d2row, d2m, cols * sizeof *d2row) == 0) {
                memcpy(hr, h + m * cols, cols * sizeof *hr);
                continue;
            }
        }
        for (size_t c = 0; c < cols; c++) {
            size_t mc = 2 * bc - c;
            if (mc < c && d2row[mc] == d2row[c] && !(r == br && mc == bc))
                hr[c] = hr[mc];
            else
                hr[c] = beta * som__neighborhood(kind, strict, d2row[c], sigma);
        }
    }
    h[b] = 1.0;
}

/* Rows per block: the block x n_units score matrix stays around 1 MB, so it
 * lives in L2 while the arg-min scans it. */
static size_t block_rows(size_t n_units)
{
    size_t b = (size_t)262144 / (n_units ? n_units : 1);
    if (b < 16) b = 16;
    if (b > 1024) b = 1024;
    return b;
}

int som__bmus_scaled(const float *codebook, size_t n_units, size_t dim, const float *x,
                     const uint8_t *mask, size_t n, size_t *units, double *dist2,
                     size_t *second, int threads, som_error *err)
{
    if (n == 0) return SOM_OK;
    if (n_units > (size_t)INT32_MAX || dim > (size_t)INT32_MAX)
        return som__error(err, SOM_EINVAL, "map too large for the BLAS interface");
    const size_t B = block_rows(n_units);
    const size_t n_blocks = (n + B - 1) / B;
    int n_threads = som__threads(threads);
    if ((size_t)n_threads > n_blocks) n_threads = (int)n_blocks;
    /* At least 2^25 multiply-adds (a few ms) per thread: a small search,
     * such as the quality sweep of online training on a few thousand rows,
     * runs faster alone than it pays for waking a second thread and leaving
     * it spinning afterwards, while the next pass needs the core. The
     * result does not depend on the thread count. */
    double by_work = (double)n * (double)n_units * (double)dim / 33554432.0;
    if (by_work < 1.0) by_work = 1.0;
    if ((double)n_threads > by_work) n_threads = (int)by_work;

    /* Every row goes through the fused kernel when the CPU has it
     * (bmu_kernel.c), else through cblas_sgemm and the scan, which alone
     * need the squared codebook (rows with gaps). */
    const bool use_kernel = som__bmu_kernel_available();
    float *wnorm = som__aligned_calloc(n_units, sizeof(float));
    float *wsq = mask && !use_kernel ? som__aligned_calloc(n_units * dim, sizeof(float)) : NULL;
    if (!wnorm || (mask && !use_kernel && !wsq)) {
        som__aligned_free(wnorm);
        som__aligned_free(wsq);
        return som__error_oom(err);
    }
    for (size_t i = 0; i < n_units; i++) {
        double s = 0.0;
        for (size_t j = 0; j < dim; j++) {
            float w = codebook[i * dim + j];
            s += (double)w * (double)w;
            if (wsq) wsq[i * dim + j] = w * w;
        }
        wnorm[i] = (float)s;
    }
    som_bmu_pack *pack = NULL;
    if (use_kernel && !(pack = som__bmu_pack(codebook, wnorm, n_units, dim))) {
        som__aligned_free(wnorm);
        som__aligned_free(wsq);
        return som__error_oom(err);
    }

    /* Our blocks are the parallelism; OpenBLAS's own threads would only
     * oversubscribe the cores. */
    int blas_threads = openblas_get_num_threads();
    openblas_set_num_threads(1);
    int rc = SOM_OK;
    som_cancel *cancel = som__cancel_token(); /* polled per block of rows */

#pragma omp parallel num_threads(n_threads)
    {
        /* The score matrices only for the GEMM path. */
        const bool gemm = !pack;
        float *scores = gemm ? som__aligned_calloc(B * n_units, sizeof(float)) : NULL;
        float *mblock = gemm && mask ? som__aligned_calloc(B * dim, sizeof(float)) : NULL;
        float *mscores = gemm && mask ? som__aligned_calloc(B * n_units, sizeof(float)) : NULL;
        uint8_t *row_missing = mask ? som__calloc(B, 1) : NULL;
        size_t *kb = som__calloc(2 * B, sizeof *kb); /* each row's b1, then b2 */
        const float **pw = som__calloc(2 * B, sizeof *pw), **px = som__calloc(2 * B, sizeof *px);
        double *pd = som__calloc(2 * B, sizeof *pd);
        int ok = (!gemm || scores) && (!gemm || !mask || (mblock && mscores)) &&
                 (!mask || row_missing) && kb && pw && px && pd;
        if (!ok) {
#pragma omp atomic write
            rc = SOM_ENOMEM;
        }
#pragma omp for schedule(static)
        for (size_t blk = 0; blk < n_blocks; blk++) {
            if (!ok || som__cancel_hit(cancel)) continue;
            size_t r0 = blk * B;
            size_t rows = n - r0 < B ? n - r0 : B;
            const float *xb = x + r0 * dim;
            const uint8_t *mb = mask ? mask + r0 * dim : NULL;
            bool block_missing = false;
            for (size_t r = 0; mb && r < rows; r++) {
                row_missing[r] = memchr(mb + r * dim, 0, dim) != NULL;
                block_missing |= row_missing[r] != 0;
            }
            if (pack) {
                /* Every row through the kernel, rows with gaps included. */
                if (som__bmu_kernel_top2(pack, xb, block_missing ? mb : NULL, rows, kb, kb + B)) {
                    ok = 0;
#pragma omp atomic write
                    rc = SOM_ENOMEM;
                    continue;
                }
            } else {
                /* m.(w*w) into its own scores, used only by the rows that
                 * miss a value: a row's scores do not depend on which rows
                 * share its block (shards of distributed training, blocks
                 * of streamed recognition). */
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)rows, (int)n_units,
                            (int)dim, -2.0f, xb, (int)dim, codebook, (int)dim, 0.0f, scores,
                            (int)n_units);
                if (block_missing) {
                    for (size_t k = 0; k < rows * dim; k++) mblock[k] = mb[k] ? 1.0f : 0.0f;
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)rows,
                                (int)n_units, (int)dim, 1.0f, mblock, (int)dim, wsq, (int)dim,
                                0.0f, mscores, (int)n_units);
                }
                for (size_t r = 0; r < rows; r++) {
                    bool missing = block_missing && row_missing[r];
                    /* |w|^2 (or m.(w*w)) is added inside the scan, so the
                     * scores are read once. */
                    top2(scores + r * n_units, missing ? mscores + r * n_units : wnorm, n_units,
                         &kb[r], &kb[B + r]);
                }
            }
            /* The two best re-measured exactly: complete rows' pairs in
             * lockstep, rows with gaps one by one. */
            size_t np = 0;
            for (size_t r = 0; r < rows; r++) {
                if (block_missing && row_missing[r]) continue;
                for (int k = 0; k < 2; k++) {
                    size_t u = kb[(size_t)k * B + r];
                    if (u >= n_units) continue;
                    pw[np] = codebook + u * dim;
                    px[np++] = xb + r * dim;
                }
            }
            exact_dist2_pairs(pw, px, np, dim, pd);
            np = 0;
            for (size_t r = 0; r < rows; r++) {
                size_t b1 = kb[r], b2 = kb[B + r];
                bool missing = block_missing && row_missing[r];
                const uint8_t *mr = missing ? mask + (r0 + r) * dim : NULL;
                double d1 = missing ? exact_dist2(codebook + b1 * dim, xb + r * dim, mr, dim)
                                    : pd[np++];
                if (b2 < n_units) {
                    double d2 = missing ? exact_dist2(codebook + b2 * dim, xb + r * dim, mr, dim)
                                        : pd[np++];
                    if (d2 < d1 || (d2 == d1 && b2 < b1)) {
                        size_t tb = b1;
                        b1 = b2;
                        b2 = tb;
                        d1 = d2;
                    }
                }
                units[r0 + r] = b1;
                if (dist2) dist2[r0 + r] = d1;
                if (second) second[r0 + r] = b2;
            }
        }
        som__aligned_free(scores);
        som__aligned_free(mblock);
        som__aligned_free(mscores);
        som__free(row_missing);
        som__free(kb);
        som__free(pw);
        som__free(px);
        som__free(pd);
    }
    openblas_set_num_threads(blas_threads);
    som__bmu_pack_free(pack);
    som__aligned_free(wnorm);
    som__aligned_free(wsq);
    if (rc) return som__error_oom(err);
    return SOM__CANCELLED(cancel, err);
}

/* ---- public recognition API -------------------------------------------- */

/* Scales x into buf and builds the effective mask (given mask and NaNs). */
static int prepare_row(const som_map *m, const float *x, const uint8_t *mask, float *buf,
                       uint8_t *mbuf, bool *any_missing)
{
    som_map_scale_row(m, x, buf);
    size_t present = 0;
    *any_missing = false;
    for (size_t j = 0; j < m->dim; j++) {
        uint8_t p = (!mask || mask[j]) && !isnan(x[j]);
        mbuf[j] = p;
        if (!p) {
            buf[j] = 0.0f;
            *any_missing = true;
        }
        present += p;
    }
    return present ? SOM_OK : SOM_EINVAL;
}

int som_map_bmu(const som_map *m, const float *x, const uint8_t *mask, size_t *unit,
                double *dist)
{
    if (!m || !x || !unit) return SOM_EINVAL;
    float *buf = som__malloc(m->dim * sizeof(float));
    uint8_t *mbuf = som__malloc(m->dim);
    if (!buf || !mbuf) {
        som__free(buf);
        som__free(mbuf);
        return SOM_ENOMEM;
    }
    bool any_missing;
    int rc = prepare_row(m, x, mask, buf, mbuf, &any_missing);
    if (rc == SOM_OK) {
        double d2;
        const uint8_t *mk = any_missing ? mbuf : NULL;
        *unit = m->fsqrt ? som__bmu_scalar_w(m->codebook, m->n_units, m->dim, m->fsqrt, buf, mk, &d2)
                         : som__bmu_scalar(m->codebook, m->n_units, m->dim, buf, mk, &d2);
        if (dist) *dist = sqrt(d2);
    }
    som__free(buf);
    som__free(mbuf);
    return rc;
}

int som_map_bmu_first(const som_map *m, const float *x, size_t n_fields, size_t *unit,
                      double *dist)
{
    if (!m || n_fields == 0) return SOM_EINVAL;
    if (n_fields >= m->dim) return som_map_bmu(m, x, NULL, unit, dist);
    uint8_t *mask = som__calloc(m->dim, 1);
    if (!mask) return SOM_ENOMEM;
    memset(mask, 1, n_fields);
    int rc = som_map_bmu(m, x, mask, unit, dist);
    som__free(mask);
    return rc;
}

int som__check_rows_present(const som_data *d, som_error *err)
{
    const uint8_t *mask = som_data_mask(d);
    if (!mask) return SOM_OK;
    size_t n = som_data_n_samples(d), dim = som_data_dim(d);
    for (size_t i = 0; i < n; i++) {
        size_t present = 0;
        for (size_t j = 0; j < dim; j++) present += mask[i * dim + j] != 0;
        if (!present)
            return som__error(err, SOM_EINVAL,
                              "row %zu (line %zu) has no value in any of the map's fields", i + 1,
                              som_data_line(d, i));
    }
    return SOM_OK;
}

int som__map_bmus_range(const som_map *m, const som_data *d, size_t first, size_t n,
                        size_t *units, double *dist2, size_t *second, int threads,
                        som_error *err)
{
    const size_t dim = m->dim;
    if (som_data_dim(d) != dim)
        return som__error(err, SOM_EDIM, "the data has %zu fields, the map %zu", som_data_dim(d), dim);
    if (n == 0) return SOM_OK;
    const float *x = som_data_values(d) + first * dim;
    const uint8_t *mask = som_data_mask(d) ? som_data_mask(d) + first * dim : NULL;
    if (som__map_scaling_identity(m))
        return som__map_bmus_scaled(m, x, mask, n, units, dist2, second, threads, err);
    /* One block of rows scaled at a time, never a scaled copy of the whole
     * data set; every row's result depends on that row alone, so blocks
     * give the same answers as one call. */
    size_t block = n < SOM__STREAM_ROWS ? n : SOM__STREAM_ROWS;
    float *buf = som__aligned_calloc(block * dim, sizeof(float));
    if (!buf) return som__error_oom(err);
    int rc = SOM_OK;
    for (size_t r0 = 0; rc == SOM_OK && r0 < n; r0 += block) {
        size_t k = n - r0 < block ? n - r0 : block;
        const uint8_t *mk = mask ? mask + r0 * dim : NULL;
        som__scale_rows(m, x + r0 * dim, mk, k, buf, threads);
        rc = som__map_bmus_scaled(m, buf, mk, k, units + r0, dist2 ? dist2 + r0 : NULL,
                                  second ? second + r0 : NULL, threads, err);
    }
    som__aligned_free(buf);
    return rc;
}

int som__map_bmus_d2(const som_map *m, const som_data *d, size_t *units, double *dist2,
                     size_t *second, int threads, som_error *err)
{
    int rc = som__check_rows_present(d, err);
    if (rc) return rc;
    return som__map_bmus_range(m, d, 0, som_data_n_samples(d), units, dist2, second, threads,
                               err);
}

int som_map_bmus(const som_map *m, const som_data *d, size_t *units, float *dist,
                 size_t *second, int threads, som_error *err)
{
    size_t n = som_data_n_samples(d);
    int rc = som__check_rows_present(d, err);
    if (rc) return rc;
    if (!dist) return som__map_bmus_range(m, d, 0, n, units, NULL, second, threads, err);
    /* The exact squared distances a block at a time, not n doubles. */
    size_t block = n < SOM__STREAM_ROWS ? n : SOM__STREAM_ROWS;
    double *d2 = som__calloc(block ? block : 1, sizeof *d2);
    if (!d2) return som__error_oom(err);
    for (size_t r0 = 0; rc == SOM_OK && r0 < n; r0 += block) {
        size_t k = n - r0 < block ? n - r0 : block;
        rc = som__map_bmus_range(m, d, r0, k, units + r0, d2, second ? second + r0 : NULL,
                                 threads, err);
        for (size_t i = 0; rc == SOM_OK && i < k; i++) dist[r0 + i] = (float)sqrt(d2[i]);
    }
    som__free(d2);
    return rc;
}

/* A block of rows at a time (SOM__STREAM_ROWS): the search mask, the scaled
 * rows and their BMUs exist for one block only, so predicting costs the
 * data set and a few MB whatever its size. Every row is checked before any
 * is filled, so a failed call leaves the data as it was. */
int som_map_predict(const som_map *m, som_data *d, const uint8_t *unknown, size_t *units,
                    int threads, som_error *err)
{
    size_t n = d->n, dim = d->dim;
    if (dim != m->dim)
        return som__error(err, SOM_EDIM, "the data has %zu fields, the map %zu", dim, m->dim);
    bool any_unknown = false;
    for (size_t j = 0; unknown && j < dim; j++) any_unknown |= unknown[j] != 0;
    const bool searched = d->mask || any_unknown; /* some field is left out */
    for (size_t i = 0; searched && i < n; i++) {
        size_t present = 0;
        for (size_t j = 0; j < dim; j++)
            present += (!d->mask || d->mask[i * dim + j]) && !(unknown && unknown[j]);
        if (!present)
            return som__error(err, SOM_EINVAL,
                              "row %zu (line %zu) has no known field to search with", i + 1,
                              som_data_line(d, i));
    }
    size_t block = n < SOM__STREAM_ROWS ? n : SOM__STREAM_ROWS;
    if (block == 0) return SOM_OK;
    /* The search mask: present and not flagged unknown. */
    uint8_t *search = searched ? som__calloc(block * dim, 1) : NULL;
    float *sx = som__aligned_calloc(block * dim, sizeof(float));
    size_t *bmu = som__calloc(block, sizeof *bmu);
    float *w = som__malloc(dim * sizeof(float));
    int rc = SOM_OK;
    if ((searched && !search) || !sx || !bmu || !w) rc = som__error_oom(err);
    for (size_t r0 = 0; rc == SOM_OK && r0 < n; r0 += block) {
        size_t k = n - r0 < block ? n - r0 : block;
        const float *x = d->x + r0 * dim;
        if (search)
            for (size_t c = 0; c < k * dim; c++)
                search[c] = (!d->mask || d->mask[r0 * dim + c]) && !(unknown && unknown[c % dim]);
        /* The scaled rows with the left-out fields at 0 (the caller's
         * values are never touched for that). */
        som__scale_rows(m, x, search, k, sx, threads);
        rc = som__map_bmus_scaled(m, sx, search, k, bmu, NULL, NULL, threads, err);
        if (rc != SOM_OK) break;
        if (units) memcpy(units + r0, bmu, k * sizeof *bmu);
        for (size_t i = 0; search && i < k; i++) {
            som_map_unit_weights(m, bmu[i], w);
            for (size_t j = 0; j < dim; j++) {
                size_t c = (r0 + i) * dim + j;
                if (search[i * dim + j]) continue;
                d->x[c] = w[j];
                if (d->mask && !d->mask[c]) {
                    d->mask[c] = 1;
                    d->n_missing--;
                }
            }
        }
    }
    if (rc == SOM_OK && d->mask && d->n_missing == 0) {
        som__free(d->mask);
        d->mask = NULL;
    }
    som__free(search);
    som__aligned_free(sx);
    som__free(bmu);
    som__free(w);
    return rc;
}
