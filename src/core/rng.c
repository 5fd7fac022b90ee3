/* rng.c — seeded pseudo-random numbers for synthetic data and model starts
 * (xoshiro256** seeded through splitmix64). Not for secrets: those come from
 * libsodium. See rng.h. */
#include "core/rng.h"

uint64_t sh_splitmix64(uint64_t *state) {
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

void sh_rng_seed(sh_rng *r, uint64_t seed) {
    uint64_t st = seed;
    for (int i = 0; i < 4; i++)
        r->s[i] = sh_splitmix64(&st);
}

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t sh_rng_next(sh_rng *r) {
    uint64_t *s = r->s;
    uint64_t out = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return out;
}

uint32_t sh_rng_below(sh_rng *r, uint32_t n) {
    if (!n)
        return 0;
    /* multiply the top 32 bits by n; reject the few values that would bias it */
    uint64_t m = (sh_rng_next(r) >> 32) * n;
    uint32_t low = (uint32_t)m;
    if (low < n) {
        uint32_t threshold = (uint32_t)(-n) % n;
        while (low < threshold) {
            m = (sh_rng_next(r) >> 32) * n;
            low = (uint32_t)m;
        }
    }
    return (uint32_t)(m >> 32);
}

int sh_rng_chance(sh_rng *r, uint32_t per_mille) { return sh_rng_below(r, 1000) < per_mille; }
