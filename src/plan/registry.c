/*
 * registry.c: the set of feature groups a plan resolves names against.
 * Reference counted so that sessions keep the groups (and their user_data) alive after
 * the caller frees the registry. Entries are copies of the plugin structs, truncated to
 * the plugin's struct_size so that fields it was built without read as NULL.
 */
#include <string.h>

#include "plan/plan.h"
#include "util/abi.h"
#include "util/util.h"

mloda_registry *mloda_registry_new(void)
{
    mloda_registry *r = mloda_calloc(1, sizeof *r);
    if (r != NULL)
        atomic_init(&r->refs, 1);
    return r;
}

mloda_registry *mloda_registry_retain_internal(const mloda_registry *r)
{
    mloda_registry *m = (mloda_registry *)(uintptr_t)r; /* refcount is the one mutable field */
    if (m != NULL)
        atomic_fetch_add_explicit(&m->refs, 1, memory_order_relaxed);
    return m;
}

void mloda_registry_release_internal(const mloda_registry *r)
{
    mloda_registry *m = (mloda_registry *)(uintptr_t)r;
    if (m == NULL || atomic_fetch_sub_explicit(&m->refs, 1, memory_order_acq_rel) != 1)
        return;
    for (int64_t i = 0; i < m->n; i++) {
        mloda_feature_group *g = &m->entries[i].group;
        if (g->user_data_free != NULL)
            g->user_data_free(g->user_data);
        mloda_free(m->entries[i].strings);
    }
    mloda_free(m->entries);
    mloda_free(m);
}

void mloda_registry_free(mloda_registry *r)
{
    mloda_registry_release_internal(r);
}

/* The end of the last required field: match, inputs and calculate. */
#define GROUP_REQUIRED_SIZE \
    (offsetof(mloda_feature_group, calculate) + sizeof(((mloda_feature_group *)0)->calculate))

static mloda_status check_group(const mloda_feature_group *g, mloda_error *err)
{
    if (g->name == NULL || g->name[0] == '\0')
        return mloda_error_set(err, MLODA_ERR_PLUGIN, "", "feature group has no name");
    if (g->match == NULL || g->inputs == NULL || g->calculate == NULL)
        return mloda_error_set(err, MLODA_ERR_PLUGIN, g->name,
                               "feature group '%s' lacks a match, inputs or calculate callback",
                               g->name);
    return MLODA_OK;
}

/* The group's strings, copied into one owned block so that the caller's may go away. */
static mloda_status copy_strings(mloda_feature_group *g, char **out, mloda_error *err)
{
    const char **fields[] = {&g->name, &g->description, &g->version,
                             &g->patterns, &g->options_doc, &g->example};
    enum { N_FIELDS = sizeof fields / sizeof fields[0] };
    size_t total = 0;
    for (size_t i = 0; i < N_FIELDS; i++)
        total += *fields[i] != NULL ? strlen(*fields[i]) + 1 : 0;
    char *block = mloda_malloc(total > 0 ? total : 1);
    if (block == NULL)
        return MLODA_NOMEM(err, "a feature group");
    char *p = block;
    for (size_t i = 0; i < N_FIELDS; i++) {
        if (*fields[i] == NULL)
            continue;
        size_t len = strlen(*fields[i]) + 1;
        memcpy(p, *fields[i], len);
        *fields[i] = p;
        p += len;
    }
    *out = block;
    return MLODA_OK;
}

mloda_status mloda_registry_add(mloda_registry *r, const mloda_feature_group *group,
                                mloda_error *err)
{
    mloda_error_enter(err);
    if (r == NULL || group == NULL)
        return mloda_error_set(err, MLODA_ERR_INVALID_ARG, NULL, "NULL registry or group");
    mloda_feature_group g;
    MLODA_TRY(mloda_abi_copy(&g, sizeof g, group, MLODA_FEATURE_GROUP_ABI, GROUP_REQUIRED_SIZE,
                             MLODA_ERR_PLUGIN, "feature group", err));
    MLODA_TRY(check_group(&g, err));
    for (int64_t i = 0; i < r->n; i++) {
        if (strcmp(r->entries[i].group.name, g.name) == 0)
            return mloda_error_set(err, MLODA_ERR_DUPLICATE, g.name,
                                   "a feature group named '%s' is already registered", g.name);
    }
    if (r->n == r->cap) {
        int64_t cap = r->cap == 0 ? 16 : r->cap * 2;
        mloda_registry_entry *e = mloda_realloc(r->entries, (size_t)cap * sizeof *e);
        if (e == NULL)
            return MLODA_NOMEM(err, "the registry");
        r->entries = e;
        r->cap = cap;
    }
    char *strings = NULL;
    MLODA_TRY(copy_strings(&g, &strings, err));
    r->entries[r->n].group = g;
    r->entries[r->n++].strings = strings;
    return MLODA_OK;
}

int64_t mloda_registry_n_groups(const mloda_registry *r)
{
    return r == NULL ? 0 : r->n;
}

const mloda_feature_group *mloda_registry_group(const mloda_registry *r, int64_t i)
{
    if (r == NULL || i < 0 || i >= r->n)
        return NULL;
    return &r->entries[i].group;
}
