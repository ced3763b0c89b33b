/*
 * schema.c: column types by (table, column), the contract between the request's example
 * data and every later batch. Lookups go through one string map keyed "table\x1fcolumn";
 * tables and columns also keep their first-seen order for listing (CSV headers, SQL rows).
 */
#include "io/io.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"

typedef struct schema_entry {
    char *table;  /* owned */
    char *column; /* owned */
    io_coltype type;
} schema_entry;

struct io_schema {
    mloda_strmap index; /* "table\x1fcolumn" -> entry index */
    mloda_strmap tables; /* table -> first entry index (order of tables) */
    schema_entry *entries; /* owned */
    int64_t n;
    int64_t cap;
};

bool mloda_io_coltype_parse(const char *name, io_coltype *out)
{
    static const struct {
        const char *name;
        mloda_type type;
    } names[] = {
        {"int64", MLODA_TYPE_INT64},     {"float64", MLODA_TYPE_FLOAT64},
        {"bool", MLODA_TYPE_BOOL},       {"utf8", MLODA_TYPE_UTF8},
        {"string", MLODA_TYPE_UTF8},     {"timestamp", MLODA_TYPE_TIMESTAMP},
        {"float64_list", MLODA_TYPE_FLOAT64_LIST},
    };
    memset(out, 0, sizeof *out);
    out->unit = MLODA_TIME_MICRO;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (strcmp(name, names[i].name) == 0) {
            out->type = names[i].type;
            return true;
        }
    }
    /* float64_list[N] */
    const char *prefix = "float64_list[";
    const size_t plen = strlen(prefix);
    if (strncmp(name, prefix, plen) != 0)
        return false;
    char *end = NULL;
    const long n = strtol(name + plen, &end, 10);
    if (end == name + plen || strcmp(end, "]") != 0 || n < 1 || n > (1 << 24))
        return false;
    out->type = MLODA_TYPE_FLOAT64_LIST;
    out->list_size = (int32_t)n;
    return true;
}

void mloda_io_coltype_name(const io_coltype *t, char *buf, size_t cap)
{
    if (t->type == MLODA_TYPE_FLOAT64_LIST && t->list_size > 0)
        (void)snprintf(buf, cap, "float64_list[%d]", (int)t->list_size);
    else
        (void)snprintf(buf, cap, "%s", mloda_type_name(t->type));
}

io_schema *mloda_io_schema_new(void)
{
    return mloda_calloc(1, sizeof(io_schema));
}

void mloda_io_schema_free(io_schema *s)
{
    if (s == NULL)
        return;
    for (int64_t i = 0; i < s->n; i++) {
        mloda_free(s->entries[i].table);
        mloda_free(s->entries[i].column);
    }
    mloda_free(s->entries);
    mloda_strmap_reset(&s->index);
    mloda_strmap_reset(&s->tables);
    mloda_free(s);
}

static char *join_key(const char *table, const char *column)
{
    const size_t lt = strlen(table), lc = strlen(column);
    char *key = mloda_malloc(lt + lc + 2);
    if (key == NULL)
        return NULL;
    memcpy(key, table, lt);
    key[lt] = '\x1f';
    memcpy(key + lt + 1, column, lc + 1);
    return key;
}

static mloda_status append_entry(io_schema *s, const char *table, const char *column,
                                 const io_coltype *type, mloda_error *err)
{
    if (s->n == s->cap) {
        const int64_t cap = s->cap == 0 ? 16 : s->cap * 2;
        schema_entry *p = mloda_realloc(s->entries, (size_t)cap * sizeof *p);
        if (p == NULL)
            return MLODA_NOMEM(err, "a schema entry");
        s->entries = p;
        s->cap = cap;
    }
    schema_entry *e = &s->entries[s->n];
    e->table = mloda_strdup(table);
    e->column = mloda_strdup(column);
    e->type = *type;
    if (e->table == NULL || e->column == NULL) {
        mloda_free(e->table);
        mloda_free(e->column);
        return MLODA_NOMEM(err, "a schema entry");
    }
    s->n++;
    return MLODA_OK;
}

mloda_status mloda_io_schema_set(io_schema *s, const char *table, const char *column,
                           const io_coltype *type, mloda_error *err)
{
    char *key = join_key(table, column);
    if (key == NULL)
        return MLODA_NOMEM(err, "a schema key");
    int64_t at = -1;
    mloda_status st = MLODA_OK;
    if (mloda_strmap_get(&s->index, key, &at)) {
        s->entries[at].type = *type;
    } else {
        st = append_entry(s, table, column, type, err);
        if (st == MLODA_OK)
            st = mloda_strmap_put(&s->index, key, s->n - 1, err);
        int64_t first = 0;
        if (st == MLODA_OK && !mloda_strmap_get(&s->tables, table, &first))
            st = mloda_strmap_put(&s->tables, table, s->n - 1, err);
    }
    mloda_free(key);
    return st;
}

bool mloda_io_schema_get(const io_schema *s, const char *table, const char *column, io_coltype *out)
{
    if (s == NULL || s->n == 0)
        return false;
    char small[256];
    const size_t lt = strlen(table), lc = strlen(column);
    char *key = small;
    if (lt + lc + 2 > sizeof small)
        key = join_key(table, column);
    else {
        memcpy(small, table, lt);
        small[lt] = '\x1f';
        memcpy(small + lt + 1, column, lc + 1);
    }
    int64_t at = -1;
    const bool found = key != NULL && mloda_strmap_get(&s->index, key, &at);
    if (key != small)
        mloda_free(key);
    if (found)
        *out = s->entries[at].type;
    return found;
}

static io_coltype column_type(const mloda_column *c)
{
    io_coltype t = {mloda_column_type(c), mloda_column_list_size(c),
                    mloda_column_time_unit(c)};
    return t;
}

mloda_status mloda_io_schema_add_api_data(io_schema *s, const mloda_api_data *api, mloda_error *err)
{
    for (int64_t i = 0; i < mloda_api_data_n_tables(api); i++) {
        const char *tname = mloda_api_data_table_name(api, i);
        const mloda_table *t = mloda_api_data_table(api, i);
        for (int64_t k = 0; k < mloda_table_n_columns(t); k++) {
            const io_coltype type = column_type(mloda_table_column(t, k));
            MLODA_TRY(mloda_io_schema_set(s, tname, mloda_table_column_name(t, k), &type, err));
        }
    }
    return MLODA_OK;
}

int64_t mloda_io_schema_n_entries(const io_schema *s)
{
    return s == NULL ? 0 : s->n;
}

const char *mloda_io_schema_entry(const io_schema *s, int64_t i, const char **out_table,
                                  io_coltype *out_type)
{
    if (s == NULL || i < 0 || i >= s->n)
        return NULL;
    *out_table = s->entries[i].table;
    *out_type = s->entries[i].type;
    return s->entries[i].column;
}

int64_t mloda_io_schema_n_columns(const io_schema *s, const char *table)
{
    int64_t n = 0;
    for (int64_t i = 0; s != NULL && i < s->n; i++)
        n += strcmp(s->entries[i].table, table) == 0;
    return n;
}

const char *mloda_io_schema_column(const io_schema *s, const char *table, int64_t k,
                             io_coltype *out_type)
{
    for (int64_t i = 0; s != NULL && i < s->n; i++) {
        if (strcmp(s->entries[i].table, table) != 0)
            continue;
        if (k-- == 0) {
            if (out_type != NULL)
                *out_type = s->entries[i].type;
            return s->entries[i].column;
        }
    }
    return NULL;
}

int64_t mloda_io_schema_n_tables(const io_schema *s)
{
    return s != NULL ? (int64_t)s->tables.count : 0;
}

const char *mloda_io_schema_table(const io_schema *s, int64_t i)
{
    /* tables in first-seen order: walk entries, counting each table's first entry */
    for (int64_t e = 0; s != NULL && e < s->n; e++) {
        int64_t first = -1;
        if (mloda_strmap_get(&s->tables, s->entries[e].table, &first) && first == e &&
            i-- == 0)
            return s->entries[e].table;
    }
    return NULL;
}
