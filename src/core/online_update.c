/* SPDX-License-Identifier: MIT */
/* online_update.c — the kernels of one online step: moving one unit
 * towards a sample (som__online_move), and moving every unit by its
 * neighbourhood weight while measuring its float distance to the next
 * sample (som__online_update), in plain C and with AVX-512 (chosen at run
 * time; the same bits either way). */
#include "core/core.h"

#include <math.h>
#include <string.h>

#ifdef SOM_HAVE_AVX512_SCAN
#include <immintrin.h>
#endif

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
    if (som__have_avx512_vl()) {
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
            fd[u] = som__float_dist2(w, next, next_mask, dim);
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
    if (som__have_avx512_vl()) return update_avx512(cb, n_units, dim, x, mask, alpha, h, next, next_mask, fd);
#endif
    return update_generic(cb, n_units, dim, x, mask, alpha, h, next, next_mask, fd);
}
