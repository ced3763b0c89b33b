/*
 * request_access.c: the request's "data_access" -> data-source providers (mloda/io.h)
 * added to the request (SPEC.md §8):
 *
 *   "data_access": {"files":   ["customers.csv", {"path": "e.log", "name": "Events",
 *                                                 "format": "ndjson"}],
 *                   "folders": ["data/"],
 *                   "sqlite":  [{"path": "shop.db", "table": "orders", "name": "Orders"}],
 *                   "infer_rows": 1000}
 *
 * A file's kind comes from its extension (.csv: CSV; .json, .ndjson, .jsonl: NDJSON rows;
 * any case) or "format"; its table name is "name" or the file name without directory and
 * extension. Folders are listed at once, their files taken in byte order of their names;
 * hidden files are ignored and other files or subdirectories skipped with a note. Relative
 * paths start at the request file's directory. Column types stated in the request's
 * "schema" under a source's table name are passed to that source. Two sources with one
 * table name are an error naming both. Files are only opened when the request is planned.
 */
#include "io/request_build.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "io/provider.h"
#include "util/util.h"

typedef enum file_kind { KIND_UNKNOWN, KIND_CSV, KIND_NDJSON } file_kind;

typedef struct access {
    const io_access_ctx *ctx;
    mloda_request *req;
    int64_t infer_rows;
    mloda_strmap names; /* table name -> index into where */
    char **where;       /* owned: the path that gave each table name */
    int64_t n_where;
    int64_t cap_where;
} access;

static void access_reset(access *a)
{
    for (int64_t i = 0; i < a->n_where; i++)
        mloda_free(a->where[i]);
    mloda_free(a->where);
    mloda_strmap_reset(&a->names);
}

static file_kind kind_of(const char *path)
{
    const char *dot = strrchr(path, '.');
    const char *slash = strrchr(path, '/');
    if (dot == NULL || (slash != NULL && dot < slash))
        return KIND_UNKNOWN;
    if (strcasecmp(dot, ".csv") == 0)
        return KIND_CSV;
    if (strcasecmp(dot, ".json") == 0 || strcasecmp(dot, ".ndjson") == 0 ||
        strcasecmp(dot, ".jsonl") == 0)
        return KIND_NDJSON;
    return KIND_UNKNOWN;
}

/* path relative to the request's directory (absolute paths and no directory: as given).
 * Under a data root paths stay as written: the sources resolve them against the root. */
static char *resolve(const access *a, const char *path)
{
    const char *base = a->ctx->base_dir;
    if (path[0] == '/' || a->ctx->data_root != NULL || base == NULL || base[0] == '\0' ||
        strcmp(base, ".") == 0)
        return mloda_strdup(path);
    const size_t n = strlen(base) + strlen(path) + 2;
    char *s = mloda_malloc(n);
    if (s != NULL)
        (void)snprintf(s, n, "%s/%s", base, path);
    return s;
}

/* The types the request's "schema" states for table `name`; *out owned (may be NULL). */
static mloda_status stated_types(const access *a, const char *name,
                                 mloda_source_column_type **out, int64_t *n, mloda_error *err)
{
    *out = NULL;
    *n = mloda_io_schema_n_columns(a->ctx->schema, name);
    if (*n == 0)
        return MLODA_OK;
    mloda_source_column_type *t = mloda_calloc((size_t)*n, sizeof *t);
    if (t == NULL)
        return MLODA_NOMEM(err, "column types");
    for (int64_t k = 0; k < *n; k++) {
        io_coltype c;
        t[k].column = mloda_io_schema_column(a->ctx->schema, name, k, &c);
        t[k].type = c.type;
        t[k].list_size = c.list_size;
        if (c.type == MLODA_TYPE_FLOAT64_LIST && c.list_size < 1) {
            const char *column = t[k].column;
            mloda_free(t);
            return mloda_error_set(err, MLODA_ERR_PARSE, column,
                                   "%s: \"schema\" of data source '%s', column '%s': state the "
                                   "list size (float64_list[N])",
                                   a->ctx->source, name, column);
        }
    }
    *out = t;
    return MLODA_OK;
}

/* Remembers that `path` gives table `name`; a second source of that name is an error. */
static mloda_status claim_name(access *a, const io_jt *node, const char *name, const char *path,
                               mloda_error *err)
{
    int64_t at = 0;
    if (mloda_strmap_get(&a->names, name, &at))
        return mloda_io_jt_error(a->ctx->source, node, MLODA_ERR_DUPLICATE, name, err,
                           "two data sources are named '%s': %s and %s (give one a \"name\")",
                           name, a->where != NULL && at < a->n_where ? a->where[at] : "?", path);
    if (a->n_where == a->cap_where) {
        const int64_t cap = a->cap_where == 0 ? 8 : a->cap_where * 2;
        char **w = mloda_realloc(a->where, (size_t)cap * sizeof *w);
        if (w == NULL)
            return MLODA_NOMEM(err, "a source list");
        a->where = w;
        a->cap_where = cap;
    }
    char *copy = mloda_strdup(path);
    if (copy == NULL)
        return MLODA_NOMEM(err, "a path");
    a->where[a->n_where++] = copy;
    return mloda_strmap_put(&a->names, name, a->n_where - 1, err);
}

/* One source: the provider built with the stated types and added to the request. */
static mloda_status add_source(access *a, const io_jt *node, io_provider_kind kind,
                               const char *path, const char *db_table, const char *name,
                               mloda_error *err)
{
    char *stem = name == NULL && kind != IO_PROVIDER_SQLITE ? mloda_io_file_stem(path) : NULL;
    const char *table_name = name != NULL ? name : kind == IO_PROVIDER_SQLITE ? db_table : stem;
    mloda_source_column_type *types = NULL;
    int64_t n_types = 0;
    if (table_name == NULL)
        return MLODA_NOMEM(err, "a name");
    mloda_status st = MLODA_OK;
    if (table_name[0] == '\0')
        st = mloda_io_jt_error(a->ctx->source, node, MLODA_ERR_PARSE, path, err,
                         "the file name %s gives no table name; add a \"name\"", path);
    if (st == MLODA_OK)
        st = claim_name(a, node, table_name, path, err);
    if (st == MLODA_OK)
        st = stated_types(a, table_name, &types, &n_types, err);
    const io_limits *lim = a->ctx->limits;
    mloda_source_options opts = {sizeof opts,
                                 MLODA_SOURCE_OPTIONS_ABI,
                                 types,
                                 n_types,
                                 a->infer_rows,
                                 0,
                                 a->ctx->data_root,
                                 lim != NULL ? lim->max_line_bytes : 0,
                                 lim != NULL ? lim->max_field_bytes : 0,
                                 lim != NULL ? lim->max_header_bytes : 0};
    mloda_source_provider p = {0};
    if (st == MLODA_OK)
        st = kind == IO_PROVIDER_CSV      ? mloda_source_init_csv(path, table_name, &opts, &p, err)
             : kind == IO_PROVIDER_NDJSON ? mloda_source_init_ndjson(path, table_name, &opts, &p, err)
                                          : mloda_source_init_sqlite(path, db_table, table_name, &opts,
                                                                &p, err);
    if (st == MLODA_OK)
        st = mloda_request_add_source(a->req, &p, err);
    if (st != MLODA_OK)
        mloda_source_reset(&p);
    mloda_free(types);
    mloda_free(stem);
    return st;
}

static const char *const file_keys[] = {"path", "name", "format"};
static const char *const kind_text =
    ".csv (CSV) or .json, .ndjson, .jsonl (NDJSON: one JSON object per line)";

static mloda_status add_file(access *a, const io_jt *f, int64_t index, mloda_error *err)
{
    const char *src = a->ctx->source;
    const io_jt *path = f, *name = NULL, *format = NULL;
    if (f->kind == IO_JT_OBJECT) {
        char what[64];
        (void)snprintf(what, sizeof what, "data_access file %lld", (long long)index);
        MLODA_TRY(mloda_io_jt_check_keys(src, f, what, file_keys, 3, err));
        path = mloda_io_jt_get(f, "path");
        name = mloda_io_jt_get(f, "name");
        format = mloda_io_jt_get(f, "format");
    }
    const io_jt *bad = path == NULL || path->kind != IO_JT_STRING || path->len == 0 ? path
                       : name != NULL && (name->kind != IO_JT_STRING || name->len == 0) ? name
                       : format != NULL && format->kind != IO_JT_STRING                 ? format
                                                                                        : NULL;
    if (path == NULL || bad != NULL)
        return mloda_io_jt_error(src, bad != NULL ? bad : f, MLODA_ERR_PARSE, "files", err,
                           "data_access file %lld: a file is a path string or {\"path\": ..., "
                           "\"name\": ..., \"format\": \"csv\" | \"ndjson\"} with non-empty "
                           "strings",
                           (long long)index);
    file_kind kind = kind_of(path->text);
    if (format != NULL)
        kind = strcmp(format->text, "csv") == 0      ? KIND_CSV
               : strcmp(format->text, "ndjson") == 0 ? KIND_NDJSON
                                                     : KIND_UNKNOWN;
    if (kind == KIND_UNKNOWN && format != NULL)
        return mloda_io_jt_error(src, format, MLODA_ERR_PARSE, path->text, err,
                           "data_access file %s: \"format\" must be \"csv\" or \"ndjson\"",
                           path->text);
    if (kind == KIND_UNKNOWN)
        return mloda_io_jt_error(src, path, MLODA_ERR_PARSE, path->text, err,
                           "data_access file %s: unknown kind of file; files are %s (or say "
                           "\"format\")",
                           path->text, kind_text);
    char *full = resolve(a, path->text);
    if (full == NULL)
        return MLODA_NOMEM(err, "a path");
    const mloda_status st =
        add_source(a, path, kind == KIND_CSV ? IO_PROVIDER_CSV : IO_PROVIDER_NDJSON, full, NULL,
                   name != NULL ? name->text : NULL, err);
    mloda_free(full);
    return st;
}

static int compare_names(const void *x, const void *y)
{
    return strcmp(*(char *const *)x, *(char *const *)y);
}

/* "skipping DIR/FILE: why" for the command to show. */
static mloda_status note(access *a, const char *dir, const char *file, const char *why,
                         mloda_error *err)
{
    char text[600];
    (void)snprintf(text, sizeof text, "skipping %s/%s: %s", dir, file, why);
    return mloda_io_request_note(a->ctx->out, text, err);
}

/* The folder's files in name order: sources for the known kinds, notes for the rest.
 * listed: the directory to look in (its real path under a data root); dir: the folder as
 * the sources name it. Under a data root an entry that is a symbolic link is never
 * followed (the sources open their files with O_NOFOLLOW too). */
static mloda_status scan_folder(access *a, const io_jt *node, const char *listed,
                                const char *dir, char **names, int64_t n, mloda_error *err)
{
    if (n > 1)
        qsort(names, (size_t)n, sizeof *names, compare_names);
    mloda_status st = MLODA_OK;
    const bool rooted = a->ctx->data_root != NULL;
    for (int64_t i = 0; i < n && st == MLODA_OK; i++) {
        char seen[4096], full[4096];
        struct stat sb;
        (void)snprintf(seen, sizeof seen, "%s/%s", listed, names[i]);
        (void)snprintf(full, sizeof full, "%s/%s", dir, names[i]);
        if ((rooted ? lstat(seen, &sb) : stat(seen, &sb)) != 0)
            continue; /* gone since the listing */
        if (S_ISLNK(sb.st_mode))
            st = note(a, dir, names[i], "a symbolic link (not followed under a data root)",
                      err);
        else if (S_ISDIR(sb.st_mode))
            st = note(a, dir, names[i], "a directory (folders are not searched recursively)",
                      err);
        else if (kind_of(names[i]) == KIND_UNKNOWN || !S_ISREG(sb.st_mode))
            st = note(a, dir, names[i], "not a .csv, .json, .ndjson or .jsonl file", err);
        else
            st = add_source(a, node,
                            kind_of(names[i]) == KIND_CSV ? IO_PROVIDER_CSV : IO_PROVIDER_NDJSON,
                            full, NULL, NULL, err);
    }
    return st;
}

static mloda_status add_folder(access *a, const io_jt *f, int64_t index, mloda_error *err)
{
    if (f->kind != IO_JT_STRING || f->len == 0 || strlen(f->text) != f->len)
        return mloda_io_jt_error(a->ctx->source, f, MLODA_ERR_PARSE, "folders", err,
                           "data_access folder %lld: a folder is a non-empty path string, "
                           "found %s",
                           (long long)index, mloda_io_jt_kind_text(f->kind));
    char *dir = resolve(a, f->text);
    if (dir == NULL)
        return MLODA_NOMEM(err, "a path");
    size_t len = strlen(dir);
    while (len > 1 && dir[len - 1] == '/')
        dir[--len] = '\0';
    char *listed = NULL; /* under a data root: the folder's real path, checked */
    mloda_status st = MLODA_OK;
    if (a->ctx->data_root != NULL)
        st = mloda_io_data_path(a->ctx->data_root, dir, "data_access folder", true, &listed,
                                err);
    DIR *d = st == MLODA_OK ? opendir(listed != NULL ? listed : dir) : NULL;
    if (d == NULL) {
        char why[128];
        if (st == MLODA_OK)
            st = mloda_io_jt_error(a->ctx->source, f, MLODA_ERR_IO, dir, err,
                                   "cannot list folder %s: %s", dir,
                                   mloda_io_errno_text(errno, why, sizeof why));
        mloda_free(listed);
        mloda_free(dir);
        return st;
    }
    char **names = NULL;
    int64_t n = 0, cap = 0;
    for (struct dirent *e = readdir(d); e != NULL && st == MLODA_OK; e = readdir(d)) {
        if (e->d_name[0] == '.')
            continue; /* hidden files, "." and ".." */
        if (n == cap) {
            cap = cap == 0 ? 16 : cap * 2;
            char **grown = mloda_realloc(names, (size_t)cap * sizeof *grown);
            if (grown == NULL) {
                st = MLODA_NOMEM(err, "a file list");
                break;
            }
            names = grown;
        }
        names[n] = mloda_strdup(e->d_name);
        st = names[n] != NULL ? MLODA_OK : MLODA_NOMEM(err, "a file name");
        n += names[n] != NULL;
    }
    (void)closedir(d);
    if (st == MLODA_OK)
        st = scan_folder(a, f, listed != NULL ? listed : dir, dir, names, n, err);
    for (int64_t i = 0; i < n; i++)
        mloda_free(names[i]);
    mloda_free(names);
    mloda_free(listed);
    mloda_free(dir);
    return st;
}

static const char *const sqlite_keys[] = {"path", "table", "name"};

static mloda_status add_sqlite(access *a, const io_jt *s, int64_t index, mloda_error *err)
{
    const char *src = a->ctx->source;
    if (s->kind != IO_JT_OBJECT)
        return mloda_io_jt_error(src, s, MLODA_ERR_PARSE, "sqlite", err,
                           "data_access sqlite %lld: a database table is an object {\"path\": "
                           "..., \"table\": ..., \"name\": ...}, found %s",
                           (long long)index, mloda_io_jt_kind_text(s->kind));
    char what[64];
    (void)snprintf(what, sizeof what, "data_access sqlite %lld", (long long)index);
    MLODA_TRY(mloda_io_jt_check_keys(src, s, what, sqlite_keys, 3, err));
    for (size_t k = 0; k < 3; k++) {
        const io_jt *v = mloda_io_jt_get(s, sqlite_keys[k]);
        if ((v == NULL && k < 2) ||
            (v != NULL && (v->kind != IO_JT_STRING || v->len == 0 || strlen(v->text) != v->len)))
            return mloda_io_jt_error(src, v != NULL ? v : s, MLODA_ERR_PARSE, sqlite_keys[k], err,
                               "data_access sqlite %lld: \"%s\" must be a non-empty string%s",
                               (long long)index, sqlite_keys[k],
                               v == NULL ? " (it is missing)" : "");
    }
    const io_jt *name = mloda_io_jt_get(s, "name");
    char *full = resolve(a, mloda_io_jt_get(s, "path")->text);
    if (full == NULL)
        return MLODA_NOMEM(err, "a path");
    const mloda_status st = add_source(a, s, IO_PROVIDER_SQLITE, full, mloda_io_jt_get(s, "table")->text,
                                       name != NULL ? name->text : NULL, err);
    mloda_free(full);
    return st;
}

static mloda_status each(access *a, const io_jt *tree, const char *key,
                         mloda_status (*fn)(access *, const io_jt *, int64_t, mloda_error *),
                         mloda_error *err)
{
    const io_jt *list = mloda_io_jt_get(tree, key);
    if (list == NULL)
        return MLODA_OK;
    if (list->kind != IO_JT_ARRAY)
        return mloda_io_jt_error(a->ctx->source, list, MLODA_ERR_PARSE, key, err,
                           "data_access \"%s\" must be an array, found %s", key,
                           mloda_io_jt_kind_text(list->kind));
    for (int64_t i = 0; i < list->n; i++)
        MLODA_TRY(fn(a, list->items[i], i, err));
    return MLODA_OK;
}

static const char *const access_keys[] = {"files", "folders", "sqlite", "infer_rows"};

static mloda_status check_access_keys(const io_access_ctx *ctx, const io_jt *tree,
                                      mloda_error *err)
{
    if (tree->kind != IO_JT_OBJECT)
        return mloda_io_jt_error(ctx->source, tree, MLODA_ERR_PARSE, "data_access", err,
                           "\"data_access\" must be an object {\"files\": [...], \"folders\": "
                           "[...], \"sqlite\": [...]}, found %s",
                           mloda_io_jt_kind_text(tree->kind));
    for (int64_t i = 0; i < tree->n; i++) {
        const char *key = tree->items[i]->key;
        size_t k = 0;
        while (k < 4 && strcmp(key, access_keys[k]) != 0)
            k++;
        if (k < 4)
            continue;
        const char *near = mloda_io_closest(key, access_keys, 4);
        return mloda_io_jt_error(ctx->source, tree->items[i], MLODA_ERR_PARSE, key, err,
                           "unknown key '%s' in \"data_access\"%s%s%s; the keys are files, "
                           "folders, sqlite and infer_rows",
                           key, near ? " (did you mean '" : "", near ? near : "",
                           near ? "'?)" : "");
    }
    return MLODA_OK;
}

mloda_status mloda_io_build_data_access(const io_access_ctx *ctx, const io_jt *tree,
                                  mloda_request *req, mloda_error *err)
{
    MLODA_TRY(check_access_keys(ctx, tree, err));
    access a;
    memset(&a, 0, sizeof a);
    a.ctx = ctx;
    a.req = req;
    const io_jt *infer = mloda_io_jt_get(tree, "infer_rows");
    if (infer != NULL) {
        char *end = NULL;
        const long long v = infer->kind == IO_JT_NUMBER ? strtoll(infer->text, &end, 10) : 0;
        if (infer->kind != IO_JT_NUMBER || *end != '\0' || v < -1 || v == 0)
            return mloda_io_jt_error(ctx->source, infer, MLODA_ERR_PARSE, "infer_rows", err,
                               "\"infer_rows\" must be a whole number of rows >= 1, or -1 for "
                               "every row");
        a.infer_rows = v;
    }
    mloda_status st = each(&a, tree, "files", add_file, err);
    if (st == MLODA_OK)
        st = each(&a, tree, "folders", add_folder, err);
    if (st == MLODA_OK)
        st = each(&a, tree, "sqlite", add_sqlite, err);
    access_reset(&a);
    return st;
}
