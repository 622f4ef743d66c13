/* SPDX-License-Identifier: MIT */
/* rng.c — the library's random numbers: xoshiro256** (Blackman & Vigna),
 * seeded through splitmix64. Small state (32 bytes) that checkpoints store,
 * and the same stream on every platform. */
#include "core/core.h"

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

void som__rng_seed(som_rng *rng, uint64_t seed)
{
    uint64_t x = seed;
    for (int i = 0; i < 4; i++) rng->s[i] = splitmix64(&x);
}

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t som__rng_next(som_rng *rng)
{
    uint64_t *s = rng->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

double som__rng_uniform(som_rng *rng)
{
    return (double)(som__rng_next(rng) >> 11) * 0x1.0p-53;
}

/* Lemire's nearly-divisionless method: exact, unbiased. */
uint64_t som__rng_below(som_rng *rng, uint64_t n)
{
    uint64_t x = som__rng_next(rng);
    __uint128_t m = (__uint128_t)x * n;
    uint64_t l = (uint64_t)m;
    if (l < n) {
        uint64_t t = (0 - n) % n;
        while (l < t) {
            x = som__rng_next(rng);
            m = (__uint128_t)x * n;
            l = (uint64_t)m;
        }
    }
    return (uint64_t)(m >> 64);
}

void som__rng_shuffle(som_rng *rng, size_t *perm, size_t n)
{
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)som__rng_below(rng, i);
        size_t tmp = perm[i - 1];
        perm[i - 1] = perm[j];
        perm[j] = tmp;
    }
}
