/*
 * provider.c: the constructors of the built-in data sources (include/mloda/io.h). They
 * check and copy their arguments into an io_provider (user_data) and never touch the
 * file: schema() and read() do, when the request is planned.
 */
#include "io/provider.h"

#include <stdio.h>
#include <string.h>

#include "util/abi.h"
#include "util/util.h"

enum { DEFAULT_INFER_ROWS = 1000, DEFAULT_BUSY_MS = 1000 };

static void provider_free(void *ud)
{
    io_provider *p = ud;
    if (p == NULL)
        return;
    for (int64_t i = 0; i < p->n_types; i++)
        mloda_free(p->type_names[i]);
    mloda_free(p->type_names);
    mloda_free(p->types);
    mloda_free(p->path);
    mloda_free(p->name);
    mloda_free(p->db_table);
    mloda_free(p->data_root);
    mloda_free(p);
}

void mloda_source_reset(mloda_source_provider *p)
{
    if (p == NULL)
        return;
    if (p->user_data != NULL && p->user_data_free != NULL)
        p->user_data_free(p->user_data);
    memset(p, 0, sizeof *p);
}

const io_coltype *mloda_io_provider_stated(const io_provider *p, const char *column)
{
    for (int64_t i = 0; i < p->n_types; i++)
        if (strcmp(p->type_names[i], column) == 0)
            return &p->types[i];
    return NULL;
}

/* "data/customers.csv" -> "customers" (the name without directory and last extension). */
char *mloda_io_file_stem(const char *path)
{
    const char *base = strrchr(path, '/');
    base = base != NULL ? base + 1 : path;
    const char *dot = strrchr(base, '.');
    const size_t len = dot != NULL && dot != base ? (size_t)(dot - base) : strlen(base);
    char *s = mloda_malloc(len + 1);
    if (s != NULL) {
        memcpy(s, base, len);
        s[len] = '\0';
    }
    return s;
}

static mloda_status copy_types(io_provider *p, const mloda_source_options *o, mloda_error *err)
{
    if (o->n_types < 0 || (o->n_types > 0 && o->types == NULL))
        return mloda_error_set(err, MLODA_ERR_INVALID_ARG, p->name,
                               "source '%s': n_types must be >= 0 with a types array", p->name);
    const size_t n = (size_t)(o->n_types > 0 ? o->n_types : 1);
    p->type_names = mloda_calloc(n, sizeof *p->type_names);
    p->types = mloda_calloc(n, sizeof *p->types);
    if (p->type_names == NULL || p->types == NULL)
        return MLODA_NOMEM(err, "column types");
    for (int64_t i = 0; i < o->n_types; i++) {
        const mloda_source_column_type *t = &o->types[i];
        const bool ok_type = t->type == MLODA_TYPE_INT64 || t->type == MLODA_TYPE_FLOAT64 ||
                             t->type == MLODA_TYPE_BOOL || t->type == MLODA_TYPE_UTF8 ||
                             t->type == MLODA_TYPE_TIMESTAMP ||
                             (t->type == MLODA_TYPE_FLOAT64_LIST && t->list_size >= 1);
        if (t->column == NULL || t->column[0] == '\0' || !ok_type)
            return mloda_error_set(err, MLODA_ERR_INVALID_ARG, t->column,
                                   "source '%s': stated type %lld needs a column name and a "
                                   "column type (a list needs list_size >= 1)",
                                   p->name, (long long)i);
        p->type_names[i] = mloda_strdup(t->column);
        if (p->type_names[i] == NULL)
            return MLODA_NOMEM(err, "a column name");
        p->n_types = i + 1;
        p->types[i] = (io_coltype){t->type, t->type == MLODA_TYPE_FLOAT64_LIST ? t->list_size : 0,
                                   MLODA_TIME_MICRO};
    }
    return MLODA_OK;
}

/* The options the caller's build knows (struct_size), the rest defaults (plugin.h's
 * versioning rule; every field is optional). */
static mloda_status read_options(const mloda_source_options *in, mloda_source_options *out,
                                 mloda_error *err)
{
    memset(out, 0, sizeof *out);
    if (in == NULL)
        return MLODA_OK;
    return mloda_abi_copy(out, sizeof *out, in, MLODA_SOURCE_OPTIONS_ABI,
                          sizeof(mloda_abi_head), MLODA_ERR_INVALID_ARG, "source options", err);
}

static mloda_status make(io_provider_kind kind, const char *path, const char *db_table,
                         const char *name, const mloda_source_options *opts,
                         mloda_source_provider *out, mloda_error *err)
{
    static mloda_status (*const schema_fn[])(void *, mloda_table **, mloda_error *) = {
        mloda_io_csv_provider_schema, mloda_io_ndjson_provider_schema, mloda_io_sqlite_provider_schema};
    static mloda_status (*const read_fn[])(void *, int64_t, const char *const *,
                                           mloda_table **, mloda_error *) = {
        mloda_io_csv_provider_read, mloda_io_ndjson_provider_read, mloda_io_sqlite_provider_read};
    mloda_error_enter(err);
    if (out == NULL)
        return mloda_error_set(err, MLODA_ERR_INVALID_ARG, NULL, "no provider to fill");
    memset(out, 0, sizeof *out);
    if (path == NULL || path[0] == '\0')
        return mloda_error_set(err, MLODA_ERR_INVALID_ARG, NULL, "a data source needs a path");
    if (kind == IO_PROVIDER_SQLITE && (db_table == NULL || db_table[0] == '\0'))
        return mloda_error_set(err, MLODA_ERR_INVALID_ARG, path,
                               "a SQLite source needs a table name (database %s)", path);
    if (name != NULL && name[0] == '\0')
        return mloda_error_set(err, MLODA_ERR_INVALID_ARG, path,
                               "the name of source %s is empty", path);
    mloda_source_options o;
    MLODA_TRY(read_options(opts, &o, err));
    if (o.data_root != NULL && o.data_root[0] == '\0')
        return mloda_error_set(err, MLODA_ERR_INVALID_ARG, path,
                               "source %s: data_root is empty (NULL means none)", path);
    io_provider *p = mloda_calloc(1, sizeof *p);
    if (p == NULL)
        return MLODA_NOMEM(err, "a data source");
    p->kind = kind;
    p->path = mloda_strdup(path);
    p->db_table = db_table != NULL ? mloda_strdup(db_table) : NULL;
    p->name = name != NULL ? mloda_strdup(name)
              : kind == IO_PROVIDER_SQLITE ? mloda_strdup(db_table)
                                           : mloda_io_file_stem(path);
    p->infer_rows = o.infer_rows == 0 ? DEFAULT_INFER_ROWS : o.infer_rows;
    p->busy_ms = o.busy_timeout_ms == 0 ? DEFAULT_BUSY_MS : o.busy_timeout_ms;
    p->data_root = o.data_root != NULL ? mloda_strdup(o.data_root) : NULL;
    p->limits.max_line_bytes = o.max_line_bytes;
    p->limits.max_field_bytes = o.max_field_bytes;
    p->limits.max_header_bytes = o.max_header_bytes;
    if (p->path == NULL || p->name == NULL || (db_table != NULL && p->db_table == NULL) ||
        (o.data_root != NULL && p->data_root == NULL)) {
        provider_free(p);
        return MLODA_NOMEM(err, "a data source");
    }
    mloda_status st = MLODA_OK;
    if (p->name[0] == '\0')
        st = mloda_error_set(err, MLODA_ERR_INVALID_ARG, path,
                             "source %s: its file name gives no table name; pass a name", path);
    if (st == MLODA_OK)
        st = copy_types(p, &o, err);
    if (st != MLODA_OK) {
        provider_free(p);
        return st;
    }
    if (kind == IO_PROVIDER_SQLITE)
        (void)snprintf(p->origin, sizeof p->origin, "the declared types of table '%s'",
                       p->db_table);
    else if (p->infer_rows < 0)
        (void)snprintf(p->origin, sizeof p->origin, "the types inferred from every row");
    else
        (void)snprintf(p->origin, sizeof p->origin, "the types inferred from the first %lld rows",
                       (long long)p->infer_rows);
    out->struct_size = sizeof *out;
    out->abi_version = MLODA_SOURCE_PROVIDER_ABI;
    out->name = p->name;
    out->schema = schema_fn[kind];
    out->read = read_fn[kind];
    out->user_data = p;
    out->user_data_free = provider_free;
    return MLODA_OK;
}

mloda_status mloda_source_init_csv(const char *path, const char *name,
                              const mloda_source_options *opts, mloda_source_provider *out,
                              mloda_error *err)
{
    mloda_error_enter(err);
    return make(IO_PROVIDER_CSV, path, NULL, name, opts, out, err);
}

mloda_status mloda_source_init_ndjson(const char *path, const char *name,
                                 const mloda_source_options *opts, mloda_source_provider *out,
                                 mloda_error *err)
{
    mloda_error_enter(err);
    return make(IO_PROVIDER_NDJSON, path, NULL, name, opts, out, err);
}

mloda_status mloda_source_init_sqlite(const char *db_path, const char *table, const char *name,
                                 const mloda_source_options *opts, mloda_source_provider *out,
                                 mloda_error *err)
{
    mloda_error_enter(err);
    return make(IO_PROVIDER_SQLITE, db_path, table, name, opts, out, err);
}

mloda_status mloda_io_empty_table(int64_t n, const char *const *names, const io_coltype *types,
                             mloda_table **out, mloda_error *err)
{
    mloda_column **cols = mloda_calloc((size_t)(n > 0 ? n : 1), sizeof *cols);
    if (cols == NULL)
        return MLODA_NOMEM(err, "a schema");
    mloda_status st = MLODA_OK;
    for (int64_t k = 0; k < n && st == MLODA_OK; k++) {
        mloda_column_builder *b = NULL;
        const int32_t list = types[k].type == MLODA_TYPE_FLOAT64_LIST ? types[k].list_size : 0;
        st = mloda_column_builder_new(types[k].type, list, MLODA_TIME_MICRO, &b, err);
        if (st == MLODA_OK)
            st = mloda_column_builder_finish(b, &cols[k], err);
    }
    if (st == MLODA_OK) {
        st = mloda_io_columns_table(0, n, names, cols, out, err);
    } else {
        for (int64_t k = 0; k < n; k++)
            mloda_column_release(cols[k]);
    }
    mloda_free(cols);
    return st;
}

mloda_status mloda_io_columns_table(int64_t n_rows, int64_t n, const char *const *names,
                              mloda_column **cols, mloda_table **out, mloda_error *err)
{
    const mloda_status st =
        mloda_table_new(n_rows, n, names, (const mloda_column *const *)cols, out, err);
    for (int64_t k = 0; k < n; k++)
        mloda_column_release(cols[k]);
    return st;
}
