/*
 * np_random.h: numpy's legacy generator (numpy.random.RandomState: MT19937 seeded with an
 * integer, random_sample, the polar-method standard_normal, masked-rejection randint), so
 * that algorithms whose sklearn result depends on random_state=42 draw the very numbers
 * sklearn draws (affinity propagation's tie-breaking noise, FastICA's initial unmixing
 * matrix, spectral clustering's discretisation start). Sequences are checked against numpy
 * in tests/groups/test_ml_kernels.c.
 */
#ifndef MLODA_GROUPS_NP_RANDOM_H
#define MLODA_GROUPS_NP_RANDOM_H

#include <stdbool.h>
#include <stdint.h>

typedef struct mloda_np_random {
    uint32_t key[624];
    int pos;
    bool has_gauss;
    double gauss;
} mloda_np_random;

/** numpy.random.RandomState(seed). */
void mloda_np_random_seed(mloda_np_random *r, uint32_t seed);
/** The next 32 random bits (MT19937 genrand_int32). */
uint32_t mloda_np_random_u32(mloda_np_random *r);
/** random_sample(): a double in [0, 1) from 53 random bits. */
double mloda_np_random_double(mloda_np_random *r);
/** standard_normal() (legacy polar Box-Muller, one cached value). */
double mloda_np_random_gauss(mloda_np_random *r);
/** randint(n) for 1 <= n <= 2^32: uniform in [0, n), by masked rejection. */
int64_t mloda_np_random_below(mloda_np_random *r, int64_t n);

#endif /* MLODA_GROUPS_NP_RANDOM_H */
