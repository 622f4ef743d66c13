/* SPDX-License-Identifier: MIT */
/* bmu_kernel.c — the batch BMU search's product with the arg-min fused in.
 *
 * som__bmus_scaled computes, for every complete row x, the best and second
 * best unit by the float score s_u = |w_u|^2 - 2 x.w_u (then re-measures
 * the two in double; bmu.c). Through cblas_sgemm that is: OpenBLAS packs
 * the block of rows, zeroes and writes a block x units score matrix, and a
 * scan reads it back — a quarter of a sweep on top of the product itself
 * (case A of bench/: 7 % packing, 4 % zeroing, 10 % scan). Here the
 * scores never leave registers: a tile of KR rows x KU*16 units is
 * accumulated in KR*KU AVX-512 registers, turned into scores and merged at
 * once into each row's 16-lane best / second best, exactly as the scan
 * (top2_avx512 in bmu.c) merges them.
 *
 * Determinism: each dot product x.w_u is one fused multiply-add chain over
 * the fields in order 0..dim-1, whatever the tile, block, thread count or
 * neighbours of the row; the lanes see their units in increasing order and
 * keep the first of equal scores, as the scan does. So a row's result
 * depends only on the row and the codebook.
 *
 * The codebook is packed once per search into panels of 16 units, field by
 * field (16 floats of field k for units 16p..16p+15), padded with units
 * of zero weights and infinite |w|^2 that never win. */
#include "core/core.h"

#include <math.h>

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang_analyzer__)
#include <immintrin.h>
#define SOM_HAVE_FUSED_KERNEL 1
#endif

/* Rows and 16-unit panels per tile: 8 x 3 = 24 accumulators, 3 registers
 * for the panels' fields, the rest for the broadcast row values. Each
 * field costs 24 FMAs for 3 loads and 8 broadcasts. */
#define KR 8
#define KU 3

struct som_bmu_pack {
    size_t n_units, dim, n_panels;
    float *w;     /* n_panels x dim x 16 */
    float *wnorm; /* n_panels x 16: |w|^2, +inf on padding */
};

void som__bmu_pack_free(som_bmu_pack *p)
{
    if (!p) return;
    som__aligned_free(p->w);
    som__aligned_free(p->wnorm);
    som__free(p);
}

/* Off: the GEMM path for every row (bench/ measures both in one run). */
static int switched_off;

void som__bmu_kernel_use(bool on)
{
    __atomic_store_n(&switched_off, !on, __ATOMIC_RELAXED);
}

int som__have_avx512f(void)
{
#if defined(__x86_64__) && defined(__GNUC__)
    static int have = -1;
    int h = __atomic_load_n(&have, __ATOMIC_RELAXED);
    if (h < 0) {
        __builtin_cpu_init();
        h = __builtin_cpu_supports("avx512f") ? 1 : 0;
        __atomic_store_n(&have, h, __ATOMIC_RELAXED);
    }
    return h;
#else
    return 0;
#endif
}

int som__bmu_kernel_available(void)
{
    if (__atomic_load_n(&switched_off, __ATOMIC_RELAXED)) return 0;
#ifdef SOM_HAVE_FUSED_KERNEL
    return som__have_avx512f();
#else
    return 0;
#endif
}

som_bmu_pack *som__bmu_pack(const float *codebook, const float *wnorm, size_t n_units,
                            size_t dim)
{
    som_bmu_pack *p = som__calloc(1, sizeof *p);
    if (!p) return NULL;
    p->n_units = n_units;
    p->dim = dim;
    p->n_panels = (n_units + 15) / 16;
    if (p->n_panels > SIZE_MAX / 16 / (dim ? dim : 1)) {
        som__free(p);
        return NULL;
    }
    p->w = som__aligned_calloc(p->n_panels * 16 * dim, sizeof *p->w);
    p->wnorm = som__aligned_calloc(p->n_panels * 16, sizeof *p->wnorm);
    if (!p->w || !p->wnorm) {
        som__bmu_pack_free(p);
        return NULL;
    }
    for (size_t u = 0; u < p->n_panels * 16; u++) {
        float *dst = p->w + (u / 16) * dim * 16 + u % 16;
        if (u < n_units)
            for (size_t k = 0; k < dim; k++) dst[k * 16] = codebook[u * dim + k];
        p->wnorm[u] = u < n_units ? wnorm[u] : INFINITY;
    }
    return p;
}

#ifdef SOM_HAVE_FUSED_KERNEL
/* Each lane's best and second best so far: values and unit numbers. */
typedef struct lanes {
    __m512 v1, v2;
    __m512i i1, i2;
} lanes;

#define KERNEL_ATTR __attribute__((target("avx512f"), always_inline)) static inline

/* The scan's merge of 16 scores of units idx into the lanes: a score below
 * the second becomes the second, unless it is below the best too, in which
 * case the old best moves down to second. */
KERNEL_ATTR void merge(lanes *s, __m512 x, __m512i idx)
{
    __mmask16 lt1 = _mm512_cmp_ps_mask(x, s->v1, _CMP_LT_OQ);
    __mmask16 lt2 = _mm512_cmp_ps_mask(x, s->v2, _CMP_LT_OQ);
    __m512 nv2 = _mm512_mask_blend_ps(lt2, s->v2, x);
    __m512i ni2 = _mm512_mask_blend_epi32(lt2, s->i2, idx);
    s->v2 = _mm512_mask_blend_ps(lt1, nv2, s->v1);
    s->i2 = _mm512_mask_blend_epi32(lt1, ni2, s->i1);
    s->v1 = _mm512_mask_blend_ps(lt1, s->v1, x);
    s->i1 = _mm512_mask_blend_epi32(lt1, s->i1, idx);
}

/* A row with missing values (0 in x there): its squared distance to w
 * over the present fields is sum_present x^2 - 2 x.w + sum_present w^2, so
 * its score takes sum_present w^2 in place of |w|^2: |w|^2 less the
 * squares of the missing fields when they are the fewer, else the sum of
 * the present ones — a handful of multiply-adds per row and unit instead
 * of the GEMM path's second product over every field. */
typedef struct row_gaps {
    const uint32_t *idx; /* the fields to take, in increasing order */
    uint32_t n;
    int mode; /* 0: complete row, 1: |w|^2 less idx's squares, 2: idx's squares */
} row_gaps;

__attribute__((target("avx512f"), noinline)) static __m512
masked_norm(const float *panel, const row_gaps *g, __m512 wn, __mmask16 real)
{
    __m512 v = g->mode == 1 ? wn : _mm512_setzero_ps();
    for (uint32_t t = 0; t < g->n; t++) {
        const __m512 wk = _mm512_load_ps(panel + (size_t)g->idx[t] * 16);
        v = g->mode == 1 ? _mm512_fnmadd_ps(wk, wk, v) : _mm512_fmadd_ps(wk, wk, v);
    }
    /* the padding stays out of reach */
    return _mm512_mask_blend_ps(real, _mm512_set1_ps(INFINITY), v);
}

/* KR rows against panels p0..p0+U-1; U is a constant at each call, so the
 * accumulators are registers. gaps: NULL, or each row's missing fields. */
KERNEL_ATTR void tile(const som_bmu_pack *p, const float *const *x, const row_gaps *gaps,
                      size_t p0, int U, lanes *st)
{
    const size_t dim = p->dim;
    const float *w = p->w + p0 * dim * 16;
    __m512 acc[KR][KU];
#pragma GCC unroll 8
    for (int r = 0; r < KR; r++)
#pragma GCC unroll 3
        for (int u = 0; u < KU; u++) acc[r][u] = _mm512_setzero_ps();
    for (size_t k = 0; k < dim; k++) {
        __m512 wk[KU];
#pragma GCC unroll 3
        for (int u = 0; u < KU; u++)
            if (u < U) wk[u] = _mm512_load_ps(w + (size_t)u * dim * 16 + k * 16);
#pragma GCC unroll 8
        for (int r = 0; r < KR; r++) {
            __m512 xr = _mm512_set1_ps(x[r][k]);
#pragma GCC unroll 3
            for (int u = 0; u < KU; u++)
                if (u < U) acc[r][u] = _mm512_fmadd_ps(xr, wk[u], acc[r][u]);
        }
    }
    const __m512 m2 = _mm512_set1_ps(-2.0f);
    const __m512i lane = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
#pragma GCC unroll 3
    for (int u = 0; u < KU; u++) {
        if (u >= U) continue;
        /* |w|^2 - 2 x.w: times -2 is exact, so one rounding, as the scan's
         * sum of sgemm's -2 x.w and |w|^2. */
        const __m512 wn = _mm512_load_ps(p->wnorm + (p0 + (size_t)u) * 16);
        const size_t first = (p0 + (size_t)u) * 16; /* the panel's units that exist */
        const __mmask16 real =
            (__mmask16)(p->n_units - first >= 16 ? 0xffffu : (1u << (p->n_units - first)) - 1u);
        const __m512i idx = _mm512_add_epi32(lane, _mm512_set1_epi32((int)((p0 + (size_t)u) * 16)));
#pragma GCC unroll 8
        for (int r = 0; r < KR; r++) {
            __m512 n2 = wn;
            if (gaps && gaps[r].mode)
                n2 = masked_norm(w + (size_t)u * dim * 16, &gaps[r], wn, real);
            merge(&st[r], _mm512_fmadd_ps(acc[r][u], m2, n2), idx);
        }
    }
}

/* The lanes' answer, as bmu.c's scan gives it: the smallest value, then the
 * smallest unit among the lanes holding it. A lane that never saw a value
 * below infinity holds (inf, 0), which is the answer when every score is
 * infinite. The second: the smallest (value, unit) among every other best
 * and every second below infinity. */
__attribute__((target("avx512f"))) static void finish(const lanes *s, size_t n_units,
                                                       size_t *b1_out, size_t *b2_out)
{
    const __m512i none = _mm512_set1_epi32(INT32_MAX);
    float v1 = _mm512_reduce_min_ps(s->v1);
    __mmask16 at1 = _mm512_cmp_ps_mask(s->v1, _mm512_set1_ps(v1), _CMP_EQ_OQ);
    int32_t b1 = _mm512_mask_reduce_min_epi32(at1, s->i1);
    /* Others: bests other than b1, and seconds, below infinity. */
    const __m512 inf = _mm512_set1_ps(INFINITY);
    __mmask16 o1 = _mm512_cmp_ps_mask(s->v1, inf, _CMP_LT_OQ) &
                   _mm512_cmpneq_epi32_mask(s->i1, _mm512_set1_epi32(b1));
    __mmask16 o2 = _mm512_cmp_ps_mask(s->v2, inf, _CMP_LT_OQ) &
                   _mm512_cmpge_epi32_mask(s->i2, _mm512_setzero_si512());
    __m512 c1 = _mm512_mask_blend_ps(o1, inf, s->v1), c2 = _mm512_mask_blend_ps(o2, inf, s->v2);
    float v2 = _mm512_reduce_min_ps(_mm512_min_ps(c1, c2));
    size_t b2 = n_units;
    if (v2 < INFINITY) {
        const __m512 vv = _mm512_set1_ps(v2);
        __m512i j1 = _mm512_mask_blend_epi32(o1 & _mm512_cmp_ps_mask(c1, vv, _CMP_EQ_OQ), none, s->i1);
        __m512i j2 = _mm512_mask_blend_epi32(o2 & _mm512_cmp_ps_mask(c2, vv, _CMP_EQ_OQ), none, s->i2);
        b2 = (size_t)_mm512_reduce_min_epi32(_mm512_min_epi32(j1, j2));
    }
    *b1_out = (size_t)b1;
    *b2_out = b2;
}

__attribute__((target("avx512f"))) static void
top2_rows(const som_bmu_pack *p, const float *x, const uint8_t *mask, size_t rows, size_t *b1,
          size_t *b2, uint32_t *scratch)
{
    const size_t dim = p->dim, full = p->n_panels / KU * KU, rest = p->n_panels - full;
    for (size_t r0 = 0; r0 < rows; r0 += KR) {
        /* The last group's missing rows repeat its last row; their answers
         * are dropped. */
        const size_t nr = rows - r0 < KR ? rows - r0 : KR;
        const float *xr[KR];
        row_gaps gaps[KR];
        bool any = false;
        for (size_t r = 0; r < KR; r++) {
            const size_t row = r0 + (r < nr ? r : nr - 1);
            xr[r] = x + row * dim;
            gaps[r].mode = 0;
            gaps[r].n = 0;
            gaps[r].idx = NULL;
            if (!mask) continue; /* no scratch either: it exists only with a mask */
            gaps[r].idx = scratch + r * dim;
            const uint8_t *m = mask + row * dim;
            uint32_t missing = 0;
            for (size_t j = 0; j < dim; j++) missing += m[j] == 0;
            if (!missing) continue;
            any = true;
            /* The fewer of the missing and the present fields. */
            const bool take_missing = (size_t)missing <= dim - missing;
            uint32_t *idx = scratch + r * dim;
            for (size_t j = 0; j < dim; j++)
                if ((m[j] == 0) == take_missing) idx[gaps[r].n++] = (uint32_t)j;
            gaps[r].mode = take_missing ? 1 : 2;
        }
        const row_gaps *g = any ? gaps : NULL;
        lanes st[KR];
        for (int r = 0; r < KR; r++) {
            st[r].v1 = st[r].v2 = _mm512_set1_ps(INFINITY);
            st[r].i1 = _mm512_setzero_si512();
            st[r].i2 = _mm512_set1_epi32(-1);
        }
        for (size_t q = 0; q < full; q += KU) tile(p, xr, g, q, KU, st);
        if (rest == 2) tile(p, xr, g, full, 2, st);
        else if (rest == 1) tile(p, xr, g, full, 1, st);
        for (size_t r = 0; r < nr; r++) finish(&st[r], p->n_units, b1 + r0 + r, b2 + r0 + r);
    }
}
#endif

/* The caller checks som__bmu_kernel_available() first. */
int som__bmu_kernel_top2(const som_bmu_pack *p, const float *x, const uint8_t *mask, size_t rows,
                         size_t *b1, size_t *b2)
{
#ifdef SOM_HAVE_FUSED_KERNEL
    uint32_t *scratch = mask ? som__calloc((size_t)KR * p->dim, sizeof *scratch) : NULL;
    if (mask && !scratch) return SOM_ENOMEM;
    top2_rows(p, x, mask, rows, b1, b2, scratch);
    som__free(scratch);
#else
    (void)p, (void)x, (void)mask, (void)rows, (void)b1, (void)b2;
#endif
    return SOM_OK;
}
