/*
 * strmap.h: an open-addressing hash map from strings to int64 values, used at prepare
 * time (names -> indices). Keys are copied. Zeroed memory is an empty map.
 */
#ifndef MLODA_UTIL_STRMAP_H
#define MLODA_UTIL_STRMAP_H

#include <stddef.h>
#include <stdint.h>

#include "mloda/base.h"

typedef struct mloda_strmap_slot {
    char *key; /* owned; NULL = empty slot */
    uint64_t hash;
    int64_t value;
} mloda_strmap_slot;

typedef struct mloda_strmap {
    mloda_strmap_slot *slots; /* owned */
    size_t cap;               /* power of two or 0 */
    size_t count;
} mloda_strmap;

/** Inserts or replaces key -> value. */
mloda_status mloda_strmap_put(mloda_strmap *m, const char *key, int64_t value, mloda_error *err);
/** Looks key up; returns true and fills *out when found. */
bool mloda_strmap_get(const mloda_strmap *m, const char *key, int64_t *out);
void mloda_strmap_reset(mloda_strmap *m);
/** FNV-1a 64-bit hash of len bytes. */
uint64_t mloda_hash_bytes(const void *data, size_t len);

#endif /* MLODA_UTIL_STRMAP_H */
