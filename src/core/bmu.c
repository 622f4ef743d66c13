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
#include <string.h>

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

#ifdef SOM_HAVE_AVX512_SCAN
#include <immintrin.h>

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

DEFINE_BMU_FAST(bmu_fast_generic, som__float_dist2, )
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

int som__have_avx512_vl(void)
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
    if (som__have_avx512_vl())
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
    if (som__have_avx512_vl())
        b = recheck_avx512(codebook, n_units, dim, x, mask, fd, fmin, dist2);
    else
#endif
        b = recheck(codebook, n_units, dim, x, mask, fd, fmin, dist2);
    if (b == n_units) return som__bmu_scalar(codebook, n_units, dim, x, mask, dist2);
    return b;
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

/* The cosine distance 1 - x.w of k (unit, row) pairs of unit-length
 * vectors (a zero vector stays zero: distance 1), squared as dist2 is;
 * rounding may leave 1 - x.w a hair below 0, taken as 0. */
static void cosine_pairs(const float *const *w, const float *const *x, size_t k, size_t dim,
                         double *out)
{
    for (size_t i = 0; i < k; i++) {
        double dot = 0.0;
        for (size_t j = 0; j < dim; j++) dot += (double)x[i][j] * (double)w[i][j];
        double d = 1.0 - dot;
        if (!(d > 0.0)) d = 0.0;
        out[i] = d * d;
    }
}

static int bmus_fused(const float *codebook, size_t n_units, size_t dim, const float *x,
                      const uint8_t *mask, size_t n, size_t *units, double *dist2,
                      size_t *second, int threads, bool cosine, som_error *err);

int som__bmus_scaled(const float *codebook, size_t n_units, size_t dim, const float *x,
                     const uint8_t *mask, size_t n, size_t *units, double *dist2,
                     size_t *second, int threads, som_error *err)
{
    return bmus_fused(codebook, n_units, dim, x, mask, n, units, dist2, second, threads, false,
                      err);
}

int som__bmus_cosine(const float *codebook, size_t n_units, size_t dim, const float *x, size_t n,
                     size_t *units, double *dist2, size_t *second, int threads, som_error *err)
{
    return bmus_fused(codebook, n_units, dim, x, NULL, n, units, dist2, second, threads, true,
                      err);
}

/* cosine: codebook and rows have unit length (or are 0), mask is NULL;
 * every unit's |w|^2 is taken as 1, so that the score 1 - 2 x.w ranks by
 * 1 - x.w, a zero unit included (distance 1), and the two best are
 * re-measured as 1 - x.w in double. */
static int bmus_fused(const float *codebook, size_t n_units, size_t dim, const float *x,
                      const uint8_t *mask, size_t n, size_t *units, double *dist2,
                      size_t *second, int threads, bool cosine, som_error *err)
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
        wnorm[i] = cosine ? 1.0f : (float)s;
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
            if (cosine) cosine_pairs(pw, px, np, dim, pd);
            else exact_dist2_pairs(pw, px, np, dim, pd);
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
