/* SPDX-License-Identifier: MIT */
/* demo/rng.h - the demo's random numbers: splitmix64 (Steele, Lea and Flood 2014), seeded, so
 * that a seed always makes the same city. One stream per part of the demo; each part draws
 * from it in its own way (rng_below and friends, in its file). */
#ifndef YZ_DEMO_RNG_H
#define YZ_DEMO_RNG_H

#include <stdint.h>

typedef struct rng {
    uint64_t s;
} rng;

static inline uint64_t rng_next(rng *r)
{
    uint64_t z = (r->s += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

/* Uniform in [0, 1). */
static inline double rng_unit(rng *r)
{
    return (double)(rng_next(r) >> 11) * 0x1.0p-53;
}

#endif
