/*
 * provider_sqlite.c: the SQLite data source (mloda_source_init_sqlite). schema() maps the
 * declared column types of PRAGMA table_info to column types (SQLite's affinity rules;
 * columns without a declared type are typed by the values of their first infer_rows rows;
 * stated types win; BLOB columns are left out); read() runs SELECT "a", "b" FROM "table"
 * with just the requested columns and streams the rows through io_sql_reader (the reader
 * of the `--batches DB --sql` source too).
 */
#include "io/provider.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "io/request_build.h"
#include "io/sql_reader.h"
#include "util/util.h"

/* A column of the table: its name and type, or skip (BLOB). */
typedef struct sql_col {
    char *name; /* owned */
    io_coltype type;
    bool skip;
} sql_col;

typedef struct sql_schema {
    sql_col *cols; /* owned */
    int64_t n;
    int64_t cap;
} sql_schema;

static void schema_reset(sql_schema *s)
{
    for (int64_t i = 0; i < s->n; i++)
        mloda_free(s->cols[i].name);
    mloda_free(s->cols);
    memset(s, 0, sizeof *s);
}

static bool has(const char *declared, const char *word)
{
    const size_t n = strlen(word);
    for (const char *p = declared; *p != '\0'; p++)
        if (strncasecmp(p, word, n) == 0)
            return true;
    return false;
}

/* Declared type -> column type; *sample when the values must tell (no declared type). */
static io_coltype declared_type(const char *declared, bool *skip, bool *sample)
{
    io_coltype t = {MLODA_TYPE_FLOAT64, 0, MLODA_TIME_MICRO};
    *skip = *sample = false;
    if (declared == NULL || declared[0] == '\0')
        *sample = true;
    else if (has(declared, "BOOL"))
        t.type = MLODA_TYPE_BOOL;
    else if (has(declared, "INT"))
        t.type = MLODA_TYPE_INT64;
    else if (has(declared, "CHAR") || has(declared, "CLOB") || has(declared, "TEXT"))
        t.type = MLODA_TYPE_UTF8;
    else if (has(declared, "BLOB"))
        *skip = true;
    else if (has(declared, "REAL") || has(declared, "FLOA") || has(declared, "DOUB"))
        t.type = MLODA_TYPE_FLOAT64;
    else if (has(declared, "DATE") || has(declared, "TIME"))
        t.type = MLODA_TYPE_TIMESTAMP;
    return t; /* NUMERIC, DECIMAL, ...: float64 */
}

static mloda_status push_col(sql_schema *s, const char *name, io_coltype type, bool skip,
                             bool sample, mloda_error *err)
{
    if (s->n == s->cap) {
        const int64_t cap = s->cap == 0 ? 8 : s->cap * 2;
        sql_col *c = mloda_realloc(s->cols, (size_t)cap * sizeof *c);
        if (c == NULL)
            return MLODA_NOMEM(err, "SQL columns");
        s->cols = c;
        s->cap = cap;
    }
    char *copy = mloda_strdup(name);
    if (copy == NULL)
        return MLODA_NOMEM(err, "a column name");
    if (sample)
        type.type = MLODA_TYPE_INVALID; /* typed by sample_type() */
    s->cols[s->n++] = (sql_col){copy, type, skip};
    return MLODA_OK;
}

/* "has no table 'x'": with the closest existing table and the list of tables. */
static mloda_status no_table(const io_provider *p, io_sql_reader *r, mloda_error *err)
{
    const char *names[64];
    char *copies[64];
    int n = 0;
    char list[300] = "";
    if (mloda_io_sql_prepare(r, "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') "
                          "AND name NOT LIKE 'sqlite_%' ORDER BY name",
                       NULL) == MLODA_OK) {
        while (n < 64 && sqlite3_step(r->stmt) == SQLITE_ROW) {
            const char *name = (const char *)sqlite3_column_text(r->stmt, 0);
            copies[n] = name != NULL ? mloda_strdup(name) : NULL;
            if (copies[n] == NULL)
                break;
            names[n] = copies[n];
            const size_t len = strlen(list);
            (void)snprintf(list + len, sizeof list - len, "%s%s", n > 0 ? ", " : "", names[n]);
            n++;
        }
    }
    const char *near = mloda_io_closest(p->db_table, names, (size_t)n);
    mloda_error_set(err, MLODA_ERR_SCHEMA, p->db_table,
                    "SQLite database %s has no table '%s'%s%s%s (tables: %s)", p->path,
                    p->db_table, near != NULL ? "; did you mean '" : "",
                    near != NULL ? near : "", near != NULL ? "'?" : "", n > 0 ? list : "none");
    for (int i = 0; i < n; i++)
        mloda_free(copies[i]);
    return MLODA_ERR_SCHEMA;
}

/* The type of a column without a declared type, from the values of its first rows. */
static mloda_status sample_type(const io_provider *p, io_sql_reader *r, sql_col *c,
                                mloda_error *err)
{
    mloda_buf q = {0};
    mloda_status st = mloda_buf_puts(&q, "SELECT typeof(v) FROM (SELECT ", err);
    if (st == MLODA_OK)
        st = mloda_io_sql_quote(&q, c->name, err);
    if (st == MLODA_OK)
        st = mloda_buf_puts(&q, " AS v FROM ", err);
    if (st == MLODA_OK)
        st = mloda_io_sql_quote(&q, p->db_table, err);
    if (st == MLODA_OK && p->infer_rows >= 0)
        st = mloda_buf_printf(&q, err, " LIMIT %lld", (long long)p->infer_rows);
    if (st == MLODA_OK)
        st = mloda_buf_puts(&q, ") GROUP BY 1", err);
    if (st == MLODA_OK)
        st = mloda_io_sql_prepare(r, q.data, err);
    bool integer = false, real = false, text = false, blob = false;
    int rc = SQLITE_DONE;
    while (st == MLODA_OK && (rc = sqlite3_step(r->stmt)) == SQLITE_ROW) {
        const char *kind = (const char *)sqlite3_column_text(r->stmt, 0);
        integer = integer || (kind != NULL && strcmp(kind, "integer") == 0);
        real = real || (kind != NULL && strcmp(kind, "real") == 0);
        text = text || (kind != NULL && strcmp(kind, "text") == 0);
        blob = blob || (kind != NULL && strcmp(kind, "blob") == 0);
    }
    if (st == MLODA_OK && rc != SQLITE_DONE)
        st = mloda_error_set(err, MLODA_ERR_IO, p->path, "%s: reading table '%s' failed: %s",
                             p->path, p->db_table, sqlite3_errmsg(r->db));
    mloda_buf_reset(&q);
    c->skip = blob && !integer && !real && !text;
    c->type.type = text ? MLODA_TYPE_UTF8 : integer && !real ? MLODA_TYPE_INT64
                                                              : MLODA_TYPE_FLOAT64;
    return st;
}

/* Every column of the table with its type (declared, sampled or stated). */
static mloda_status table_schema(const io_provider *p, io_sql_reader *r, sql_schema *s,
                                 mloda_error *err)
{
    memset(s, 0, sizeof *s);
    MLODA_TRY(mloda_io_sql_open_data(r, p->data_root, p->path, p->busy_ms, p->name, p->origin,
                                      err));
    mloda_buf q = {0};
    mloda_status st = mloda_buf_puts(&q, "PRAGMA table_info(", err);
    if (st == MLODA_OK)
        st = mloda_io_sql_quote(&q, p->db_table, err);
    if (st == MLODA_OK)
        st = mloda_buf_putc(&q, ')', err);
    if (st == MLODA_OK)
        st = mloda_io_sql_prepare(r, q.data, err);
    mloda_buf_reset(&q);
    int rc = SQLITE_DONE;
    while (st == MLODA_OK && (rc = sqlite3_step(r->stmt)) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(r->stmt, 1);
        const char *declared = (const char *)sqlite3_column_text(r->stmt, 2);
        bool skip = false, sample = false;
        const io_coltype t = declared_type(declared, &skip, &sample);
        st = name != NULL ? push_col(s, name, t, skip, sample, err)
                          : MLODA_NOMEM(err, "a column name");
    }
    if (st == MLODA_OK && rc != SQLITE_DONE)
        st = mloda_io_sql_is_locked(r)
                 ? mloda_error_set(err, MLODA_ERR_IO, p->path,
                                   "%s: the database is locked by another connection (%s)",
                                   p->path, sqlite3_errmsg(r->db))
                 : mloda_error_set(err, MLODA_ERR_IO, p->path, "%s: reading the columns of "
                                                               "table '%s' failed: %s",
                                   p->path, p->db_table, sqlite3_errmsg(r->db));
    if (st == MLODA_OK && s->n == 0)
        st = no_table(p, r, err);
    for (int64_t i = 0; i < s->n && st == MLODA_OK; i++) {
        const io_coltype *stated = mloda_io_provider_stated(p, s->cols[i].name);
        if (stated != NULL) {
            s->cols[i].type = *stated;
            s->cols[i].skip = false;
        } else if (s->cols[i].type.type == MLODA_TYPE_INVALID) {
            st = sample_type(p, r, &s->cols[i], err);
        }
    }
    for (int64_t i = 0; i < p->n_types && st == MLODA_OK; i++) {
        int64_t k = 0;
        while (k < s->n && strcmp(s->cols[k].name, p->type_names[i]) != 0)
            k++;
        if (k == s->n)
            st = mloda_error_set(err, MLODA_ERR_SCHEMA, p->type_names[i],
                                 "%s: a type is stated for column '%s', but table '%s' has no "
                                 "such column",
                                 p->path, p->type_names[i], p->db_table);
    }
    return st;
}

mloda_status mloda_io_sqlite_provider_schema(void *ud, mloda_table **out, mloda_error *err)
{
    const io_provider *p = ud;
    io_sql_reader r;
    sql_schema s;
    *out = NULL;
    mloda_status st = table_schema(p, &r, &s, err);
    const char **names = mloda_calloc((size_t)(s.n > 0 ? s.n : 1), sizeof *names);
    io_coltype *types = mloda_calloc((size_t)(s.n > 0 ? s.n : 1), sizeof *types);
    if (st == MLODA_OK && (names == NULL || types == NULL))
        st = MLODA_NOMEM(err, "a schema");
    int64_t n = 0;
    for (int64_t i = 0; names != NULL && types != NULL && i < s.n && st == MLODA_OK; i++) {
        if (s.cols[i].skip)
            continue;
        names[n] = s.cols[i].name;
        types[n] = s.cols[i].type;
        n++;
    }
    if (st == MLODA_OK)
        st = mloda_io_empty_table(n, names, types, out, err);
    mloda_free((void *)names);
    mloda_free(types);
    schema_reset(&s);
    mloda_io_sql_reset(&r);
    return st;
}

static mloda_status select_text(const io_provider *p, int64_t n, const char *const *columns,
                                mloda_buf *q, mloda_error *err)
{
    MLODA_TRY(mloda_buf_puts(q, "SELECT ", err));
    for (int64_t k = 0; k < n; k++) {
        if (k > 0)
            MLODA_TRY(mloda_buf_puts(q, ", ", err));
        MLODA_TRY(mloda_io_sql_quote(q, columns[k], err));
    }
    MLODA_TRY(mloda_buf_puts(q, " FROM ", err));
    return mloda_io_sql_quote(q, p->db_table, err);
}

/* The types of the requested columns; a BLOB or unknown column is an error. */
static mloda_status wanted_types(const io_provider *p, const sql_schema *s, int64_t n,
                                 const char *const *columns, io_coltype *want, mloda_error *err)
{
    for (int64_t k = 0; k < n; k++) {
        int64_t i = 0;
        while (i < s->n && strcmp(s->cols[i].name, columns[k]) != 0)
            i++;
        if (i == s->n || s->cols[i].skip)
            return mloda_error_set(err, MLODA_ERR_SCHEMA, columns[k],
                                   "%s: table '%s' has no readable column '%s'", p->path,
                                   p->db_table, columns[k]);
        want[k] = s->cols[i].type;
    }
    return MLODA_OK;
}

mloda_status mloda_io_sqlite_provider_read(void *ud, int64_t n, const char *const *columns,
                                     mloda_table **out, mloda_error *err)
{
    const io_provider *p = ud;
    io_sql_reader r;
    sql_schema s;
    mloda_buf q = {0};
    *out = NULL;
    io_coltype *want = mloda_calloc((size_t)(n > 0 ? n : 1), sizeof *want);
    mloda_column **cols = mloda_calloc((size_t)(n > 0 ? n : 1), sizeof *cols);
    mloda_status st = table_schema(p, &r, &s, err);
    if (st == MLODA_OK && (want == NULL || cols == NULL))
        st = MLODA_NOMEM(err, "SQL columns");
    if (st == MLODA_OK)
        st = wanted_types(p, &s, n, columns, want, err);
    if (st == MLODA_OK)
        st = select_text(p, n, columns, &q, err);
    if (st == MLODA_OK)
        st = mloda_io_sql_prepare(&r, q.data, err);
    if (st == MLODA_OK)
        st = mloda_io_sql_select(&r, n, columns, want, true, err);
    int64_t rows = 0, first = 0;
    if (st == MLODA_OK)
        st = mloda_io_sql_read(&r, INT64_MAX, false, &rows, &first, err);
    if (st == MLODA_OK)
        st = mloda_io_sql_finish(&r, cols, err);
    if (st == MLODA_OK)
        st = mloda_io_columns_table(rows, n, columns, cols, out, err);
    mloda_buf_reset(&q);
    mloda_free(cols);
    mloda_free(want);
    schema_reset(&s);
    mloda_io_sql_reset(&r);
    return st;
}
