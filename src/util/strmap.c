/* strmap.c: linear-probing string -> int64 map (load factor <= 1/2). */
#include "util/strmap.h"

#include <string.h>

#include "util/alloc.h"

uint64_t mloda_hash_bytes(const void *data, size_t len)
{
    const unsigned char *p = data;
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 1099511628211ULL;
    }
    return h;
}

static mloda_strmap_slot *find_slot(mloda_strmap_slot *slots, size_t cap, const char *key,
                                    uint64_t h)
{
    size_t i = (size_t)h & (cap - 1);
    while (slots[i].key != NULL && (slots[i].hash != h || strcmp(slots[i].key, key) != 0))
        i = (i + 1) & (cap - 1);
    return &slots[i];
}

static mloda_status grow(mloda_strmap *m, mloda_error *err)
{
    size_t cap = m->cap == 0 ? 16 : m->cap * 2;
    mloda_strmap_slot *slots = mloda_calloc(cap, sizeof *slots);
    if (slots == NULL)
        return mloda_error_set(err, MLODA_ERR_NOMEM, NULL, "out of memory growing a name map");
    for (size_t i = 0; i < m->cap; i++) {
        if (m->slots[i].key != NULL)
            *find_slot(slots, cap, m->slots[i].key, m->slots[i].hash) = m->slots[i];
    }
    mloda_free(m->slots);
    m->slots = slots;
    m->cap = cap;
    return MLODA_OK;
}

mloda_status mloda_strmap_put(mloda_strmap *m, const char *key, int64_t value, mloda_error *err)
{
    if ((m->count + 1) * 2 > m->cap) {
        mloda_status st = grow(m, err);
        if (st != MLODA_OK)
            return st;
    }
    uint64_t h = mloda_hash_bytes(key, strlen(key));
    mloda_strmap_slot *s = find_slot(m->slots, m->cap, key, h);
    if (s->key == NULL) {
        s->key = mloda_strdup(key);
        if (s->key == NULL)
            return mloda_error_set(err, MLODA_ERR_NOMEM, NULL, "out of memory copying a name");
        s->hash = h;
        m->count++;
    }
    s->value = value;
    return MLODA_OK;
}

bool mloda_strmap_get(const mloda_strmap *m, const char *key, int64_t *out)
{
    if (m->cap == 0)
        return false;
    uint64_t h = mloda_hash_bytes(key, strlen(key));
    const mloda_strmap_slot *s = find_slot(m->slots, m->cap, key, h);
    if (s->key == NULL)
        return false;
    *out = s->value;
    return true;
}

void mloda_strmap_reset(mloda_strmap *m)
{
    for (size_t i = 0; i < m->cap; i++)
        mloda_free(m->slots[i].key);
    mloda_free(m->slots);
    m->slots = NULL;
    m->cap = m->count = 0;
}
