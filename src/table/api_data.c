/*
 * api_data.c: a single-owner set of named input tables. Names are unique and copied;
 * each table holds one reference. Look-ups are linear while there are a handful of tables;
 * from INDEX_MIN tables on a name index keeps adding and finding near O(1) (a batch of
 * 10^5 tables took minutes to build).
 */
#include "mloda/table.h"

#include <string.h>

#include "util/util.h"

typedef struct api_entry {
    char *name;         /* owned */
    mloda_table *table; /* one reference */
} api_entry;

struct mloda_api_data {
    api_entry *entries; /* owned */
    int64_t n;
    int64_t cap;
    mloda_strmap index; /* name -> entry, kept from INDEX_MIN tables on (empty before) */
};

enum { INDEX_MIN = 16 };

mloda_api_data *mloda_api_data_new(void)
{
    return mloda_calloc(1, sizeof(mloda_api_data));
}

void mloda_api_data_free(mloda_api_data *a)
{
    if (a == NULL)
        return;
    for (int64_t i = 0; i < a->n; i++) {
        mloda_free(a->entries[i].name);
        mloda_table_release(a->entries[i].table);
    }
    mloda_free(a->entries);
    mloda_strmap_reset(&a->index);
    mloda_free(a);
}

static mloda_status grow(mloda_api_data *a, mloda_error *err)
{
    if (a->n < a->cap)
        return MLODA_OK;
    const int64_t cap = a->cap == 0 ? 4 : a->cap * 2; /* table counts are small */
    size_t bytes = 0;
    if (cap <= a->cap || !mloda_mul_size((size_t)cap, sizeof(api_entry), &bytes))
        return mloda_error_set(err, MLODA_ERR_RANGE, NULL, "too many tables");
    api_entry *entries = mloda_realloc(a->entries, bytes);
    if (entries == NULL)
        return MLODA_NOMEM(err, "api_data tables");
    a->entries = entries;
    a->cap = cap;
    return MLODA_OK;
}

/* Puts table i's name into the index once there are INDEX_MIN tables; builds the index of
 * the earlier ones first when it lacks them (the first time, or after a failed build,
 * which empties it). Entries are checked against the names when read, so one left by an
 * add that failed later does no harm. */
static mloda_status index_add(mloda_api_data *a, const char *name, int64_t i, mloda_error *err)
{
    if (i + 1 < INDEX_MIN)
        return MLODA_OK;
    mloda_status st = MLODA_OK;
    for (int64_t j = 0; st == MLODA_OK && a->index.count < (size_t)i && j < i; j++)
        st = mloda_strmap_put(&a->index, a->entries[j].name, j, err);
    if (st == MLODA_OK)
        st = mloda_strmap_put(&a->index, name, i, err);
    if (st != MLODA_OK)
        mloda_strmap_reset(&a->index);
    return st;
}

mloda_status mloda_api_data_add(mloda_api_data *a, const char *table_name,
                                const mloda_table *table, mloda_error *err)
{
    mloda_error_enter(err);
    if (a == NULL || table == NULL || table_name == NULL || table_name[0] == '\0')
        return mloda_error_set(err, MLODA_ERR_INVALID_ARG, table_name,
                               "api_data_add needs api_data, a non-empty name and a table");
    if (mloda_api_data_table_index(a, table_name) >= 0)
        return mloda_error_set(err, MLODA_ERR_DUPLICATE, table_name,
                               "table '%s' is already in api_data", table_name);
    MLODA_TRY(grow(a, err));
    MLODA_TRY(index_add(a, table_name, a->n, err));
    char *name = mloda_strdup(table_name);
    if (name == NULL)
        return MLODA_NOMEM(err, "a table name"); /* its index entry is never trusted */
    a->entries[a->n].name = name;
    a->entries[a->n].table = mloda_table_retain(table);
    a->n++;
    return MLODA_OK;
}

mloda_status mloda_api_data_add_columns(mloda_api_data *a, const char *table_name,
                                        int64_t n_columns, const char *const *names,
                                        const mloda_column *const *columns, mloda_error *err)
{
    mloda_error_enter(err);
    if (a == NULL || table_name == NULL || table_name[0] == '\0')
        return mloda_error_set(err, MLODA_ERR_INVALID_ARG, table_name,
                               "api_data_add_columns needs api_data and a non-empty name");
    if (mloda_api_data_table_index(a, table_name) >= 0)
        return mloda_error_set(err, MLODA_ERR_DUPLICATE, table_name,
                               "table '%s' is already in api_data", table_name);
    const int64_t n_rows =
        n_columns > 0 && columns != NULL ? mloda_column_n_rows(columns[0]) : 0;
    mloda_error inner = MLODA_ERROR_INIT;
    mloda_table *t = NULL;
    mloda_status st = mloda_table_new(n_rows, n_columns, names, columns, &t, &inner);
    if (st != MLODA_OK)
        return mloda_error_set(err, st, table_name, "table '%s': %s", table_name, inner.message);
    st = mloda_api_data_add(a, table_name, t, err);
    mloda_table_release(t);
    return st;
}

int64_t mloda_api_data_n_tables(const mloda_api_data *a)
{
    return a == NULL ? 0 : a->n;
}

const char *mloda_api_data_table_name(const mloda_api_data *a, int64_t i)
{
    return a == NULL || i < 0 || i >= a->n ? NULL : a->entries[i].name;
}

const mloda_table *mloda_api_data_table(const mloda_api_data *a, int64_t i)
{
    return a == NULL || i < 0 || i >= a->n ? NULL : a->entries[i].table;
}

int64_t mloda_api_data_table_index(const mloda_api_data *a, const char *table_name)
{
    if (a == NULL || table_name == NULL)
        return -1;
    if (a->n >= INDEX_MIN && a->index.count >= (size_t)a->n) {
        int64_t i = -1;
        bool found = mloda_strmap_get(&a->index, table_name, &i) && i < a->n &&
                     strcmp(a->entries[i].name, table_name) == 0;
        return found ? i : -1;
    }
    for (int64_t i = 0; i < a->n; i++)
        if (strcmp(a->entries[i].name, table_name) == 0)
            return i;
    return -1;
}
