/* SPDX-License-Identifier: MIT */
/* blobs.h — gaussian blobs with a fixed seed, shared by the benchmark and
 * the "no loss of quality" test, so both train on the same kind of data
 * without downloads. Header-only (static functions) because it is used by
 * two programs that link nothing else in common but libsom. */
#ifndef SOM_BENCH_BLOBS_H
#define SOM_BENCH_BLOBS_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

/* splitmix64: tiny, fast, and the same sequence everywhere. */
static inline uint64_t blobs_next(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* Uniform in (0, 1): never 0, so log() below is finite. */
static inline double blobs_uniform(uint64_t *s)
{
    return ((double)(blobs_next(s) >> 11) + 0.5) * (1.0 / 9007199254740992.0);
}

/* Fills x (n x dim, row-major) with points around `k` centres drawn
 * uniformly in [-10, 10]^dim, each point the centre of a random blob plus
 * N(0, 1) noise (Box-Muller). centres: scratch of k*dim doubles. */
static inline void blobs_fill(float *x, size_t n, size_t dim, size_t k, double *centres,
                              uint64_t seed)
{
    uint64_t s = seed;
    for (size_t i = 0; i < k * dim; i++) centres[i] = 20.0 * blobs_uniform(&s) - 10.0;
    for (size_t i = 0; i < n; i++) {
        const double *c = centres + (blobs_next(&s) % k) * dim;
        for (size_t j = 0; j < dim; j += 2) {
            double r = sqrt(-2.0 * log(blobs_uniform(&s)));
            double a = 6.283185307179586 * blobs_uniform(&s);
            x[i * dim + j] = (float)(c[j] + r * cos(a));
            if (j + 1 < dim) x[i * dim + j + 1] = (float)(c[j + 1] + r * sin(a));
        }
    }
}

#endif /* SOM_BENCH_BLOBS_H */
