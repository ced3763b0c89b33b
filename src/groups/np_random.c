/*
 * np_random.c: numpy's legacy RandomState (see np_random.h): the MT19937 of Matsumoto and
 * Nishimura with numpy's integer seeding, and numpy's legacy distributions over it.
 */
#include "groups/np_random.h"

#include <math.h>

enum { MT_N = 624, MT_M = 397 };

void mloda_np_random_seed(mloda_np_random *r, uint32_t seed)
{
    for (int i = 0; i < MT_N; i++) {
        r->key[i] = seed;
        seed = 1812433253u * (seed ^ (seed >> 30)) + (uint32_t)i + 1u;
    }
    r->pos = MT_N;
    r->has_gauss = false;
    r->gauss = 0.0;
}

static void mt_generate(mloda_np_random *r)
{
    const uint32_t upper = 0x80000000u, lower = 0x7fffffffu, matrix = 0x9908b0dfu;
    for (int i = 0; i < MT_N; i++) {
        uint32_t y = (r->key[i] & upper) | (r->key[(i + 1) % MT_N] & lower);
        r->key[i] = r->key[(i + MT_M) % MT_N] ^ (y >> 1) ^ ((y & 1u) ? matrix : 0u);
    }
    r->pos = 0;
}

uint32_t mloda_np_random_u32(mloda_np_random *r)
{
    if (r->pos >= MT_N)
        mt_generate(r);
    uint32_t y = r->key[r->pos++];
    y ^= y >> 11;
    y ^= (y << 7) & 0x9d2c5680u;
    y ^= (y << 15) & 0xefc60000u;
    y ^= y >> 18;
    return y;
}

double mloda_np_random_double(mloda_np_random *r)
{
    uint32_t a = mloda_np_random_u32(r) >> 5, b = mloda_np_random_u32(r) >> 6;
    return ((double)a * 67108864.0 + (double)b) / 9007199254740992.0;
}

double mloda_np_random_gauss(mloda_np_random *r)
{
    if (r->has_gauss) {
        r->has_gauss = false;
        return r->gauss;
    }
    double x1, x2, r2;
    do {
        x1 = 2.0 * mloda_np_random_double(r) - 1.0;
        x2 = 2.0 * mloda_np_random_double(r) - 1.0;
        r2 = x1 * x1 + x2 * x2;
    } while (r2 >= 1.0 || r2 == 0.0);
    double f = sqrt(-2.0 * log(r2) / r2);
    r->gauss = f * x1;
    r->has_gauss = true;
    return f * x2;
}

int64_t mloda_np_random_below(mloda_np_random *r, int64_t n)
{
    if (n <= 1)
        return 0;
    uint32_t rng = (uint32_t)(n - 1), mask = rng;
    mask |= mask >> 1;
    mask |= mask >> 2;
    mask |= mask >> 4;
    mask |= mask >> 8;
    mask |= mask >> 16;
    uint32_t v;
    while ((v = (mloda_np_random_u32(r) & mask)) > rng)
        ;
    return (int64_t)v;
}
