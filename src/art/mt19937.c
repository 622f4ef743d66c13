/* SPDX-License-Identifier: MIT */
/* mt19937.c — the Mersenne Twister as numpy's legacy RandomState uses it.
 * The art needs it for one reason: the article's gallery was drawn with
 * np.random.seed(33), and reproducing it means drawing the very same
 * doubles. The library's own random numbers (rng.c) are xoshiro256**. */
#include "som_art.h"

#define MT_N 624u
#define MT_M 397u
#define MT_UPPER 0x80000000u
#define MT_LOWER 0x7fffffffu

void som_mt19937_seed(som_mt19937 *g, uint32_t seed)
{
    /* init_genrand: Knuth's multiplier spreads the one seed word over the
     * state; numpy uses this (not init_by_array) for an integer seed. */
    g->mt[0] = seed;
    for (uint32_t i = 1; i < MT_N; i++) {
        uint32_t prev = g->mt[i - 1];
        g->mt[i] = 1812433253u * (prev ^ (prev >> 30)) + i;
    }
    g->index = MT_N;
}

static void regenerate(som_mt19937 *g)
{
    uint32_t *mt = g->mt;
    for (unsigned k = 0; k < MT_N; k++) {
        uint32_t y = (mt[k] & MT_UPPER) | (mt[(k + 1) % MT_N] & MT_LOWER);
        uint32_t v = mt[(k + MT_M) % MT_N] ^ (y >> 1);
        if (y & 1u) v ^= 0x9908b0dfu;
        mt[k] = v;
    }
    g->index = 0;
}

uint32_t som_mt19937_u32(som_mt19937 *g)
{
    if (g->index >= MT_N) regenerate(g);
    uint32_t y = g->mt[g->index++];
    y ^= y >> 11;
    y ^= (y << 7) & 0x9d2c5680u;
    y ^= (y << 15) & 0xefc60000u;
    y ^= y >> 18;
    return y;
}

double som_mt19937_double(som_mt19937 *g)
{
    uint32_t a = som_mt19937_u32(g) >> 5; /* 27 bits */
    uint32_t b = som_mt19937_u32(g) >> 6; /* 26 bits */
    return ((double)a * 67108864.0 + (double)b) * (1.0 / 9007199254740992.0);
}

double som_mt19937_uniform(som_mt19937 *g, double low, double high)
{
    return low + (high - low) * som_mt19937_double(g);
}

uint32_t som_mt19937_below(som_mt19937 *g, uint64_t n)
{
    if (n <= 1) return 0;
    uint32_t max = (uint32_t)(n - 1);
    /* The smallest all-ones mask covering max: numpy's masked rejection. For
     * a power-of-two range (randint(0, 4)) nothing is ever rejected. */
    uint32_t mask = max;
    mask |= mask >> 1;
    mask |= mask >> 2;
    mask |= mask >> 4;
    mask |= mask >> 8;
    mask |= mask >> 16;
    uint32_t v;
    do {
        v = som_mt19937_u32(g) & mask;
    } while (v > max);
    return v;
}
