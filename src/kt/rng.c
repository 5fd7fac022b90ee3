/* rng.c — uniform numbers in [0, 1) from the project's xoshiro256** (sh_rng,
 * core/rng.h), for the random starts of EM and synthetic data. */
#include "kt/kt.h"

double kt_uniform(sh_rng *r) { return (double)(sh_rng_next(r) >> 11) * 0x1.0p-53; }
