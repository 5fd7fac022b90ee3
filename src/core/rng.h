/* rng.h — seeded pseudo-random numbers: the same seed gives the same sequence on
 * every machine, for the demo city, synthetic benchmark data and the random
 * starts of model fitting. Not for secrets (use libsodium's randombytes). */
#ifndef SH_CORE_RNG_H
#define SH_CORE_RNG_H

#include <stdint.h>

/* One step of splitmix64 over *state (also used to seed xoshiro256**). */
uint64_t sh_splitmix64(uint64_t *state);

/* xoshiro256**: small, fast, good enough for synthetic data (not for secrets). */
typedef struct sh_rng {
    uint64_t s[4];
} sh_rng;
void sh_rng_seed(sh_rng *r, uint64_t seed);
uint64_t sh_rng_next(sh_rng *r);
/* Uniform in [0, n) without modulo bias; 0 when n is 0. */
uint32_t sh_rng_below(sh_rng *r, uint32_t n);
/* 1 with probability per_mille / 1000. */
int sh_rng_chance(sh_rng *r, uint32_t per_mille);

#endif
