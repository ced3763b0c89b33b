/*
 * source.c: mloda_io_source_open picks the kind of batch source from the path and options;
 * mloda_io_source_next / _commit / _reject / _free and the sinks' calls dispatch through
 * the object's vtable.
 */
#include "io/source.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/util.h"

const char *mloda_io_errno_text(int errnum, char *buf, size_t cap)
{
    if (strerror_r(errnum, buf, cap) != 0)
        (void)snprintf(buf, cap, "error %d", errnum);
    return buf;
}

mloda_status mloda_io_schema_columns(const io_schema *schema, const char *table,
                                     const char ***out_names, io_coltype **out_types,
                                     int64_t *out_n, const char *what, mloda_error *err)
{
    const int64_t n = mloda_io_schema_n_columns(schema, table);
    *out_n = n;
    *out_names = mloda_calloc((size_t)(n > 0 ? n : 1), sizeof **out_names);
    *out_types = mloda_calloc((size_t)(n > 0 ? n : 1), sizeof **out_types);
    if (*out_names == NULL || *out_types == NULL)
        return MLODA_NOMEM(err, what);
    for (int64_t k = 0; k < n; k++)
        (*out_names)[k] = mloda_io_schema_column(schema, table, k, &(*out_types)[k]);
    return MLODA_OK;
}

mloda_status mloda_io_slots_batch(io_column_slots *slots, const char *table, const char *origin,
                                  const char *what, mloda_api_data **out, mloda_error *err)
{
    *out = NULL;
    const int64_t n = slots->n_slots;
    mloda_column **cols = mloda_calloc((size_t)(n > 0 ? n : 1), sizeof *cols);
    if (cols == NULL)
        return MLODA_NOMEM(err, what);
    mloda_status st = mloda_io_slots_finish(slots, table, origin, cols, err);
    if (st == MLODA_OK && (*out = mloda_api_data_new()) == NULL)
        st = MLODA_NOMEM(err, "api_data");
    if (st == MLODA_OK)
        st = mloda_api_data_add_columns(*out, table, n, slots->columns,
                                        (const mloda_column *const *)cols, err);
    for (int64_t k = 0; k < n; k++)
        mloda_column_release(cols[k]);
    mloda_free(cols);
    if (st != MLODA_OK) {
        mloda_api_data_free(*out);
        *out = NULL;
    }
    return st;
}

void mloda_io_info_set_file(io_batch_info *info, const char *name)
{
    (void)snprintf(info->file, sizeof info->file, "%s", name);
}

static bool ends_with(const char *s, const char *suffix)
{
    const size_t ls = strlen(s), lx = strlen(suffix);
    if (lx > ls)
        return false;
    for (size_t i = 0; i < lx; i++) {
        char c = s[ls - lx + i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c != suffix[i])
            return false;
    }
    return true;
}

static mloda_status open_json_file(const char *path, const io_schema *schema,
                                   const io_source_options *opts, io_source **out,
                                   mloda_error *err)
{
    const int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        char why[128];
        return mloda_error_set(err, MLODA_ERR_IO, path, "cannot open batches %s: %s", path,
                               mloda_io_errno_text(errno, why, sizeof why));
    }
    const mloda_status st =
        mloda_io_json_source_open(fd, true, path, ends_with(path, ".json"), schema, opts, out, err);
    if (st != MLODA_OK)
        (void)close(fd);
    return st;
}

static mloda_status open_arrow_file(const char *path, const io_schema *schema,
                                    const io_source_options *opts, io_source **out,
                                    mloda_error *err)
{
    const int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        char why[128];
        return mloda_error_set(err, MLODA_ERR_IO, path, "cannot open batches %s: %s", path,
                               mloda_io_errno_text(errno, why, sizeof why));
    }
    const mloda_status st = mloda_io_arrow_source_open(fd, true, path, schema, opts, out, err);
    if (st != MLODA_OK)
        (void)close(fd);
    return st;
}

mloda_status mloda_io_source_open(const char *path, const io_schema *schema,
                            const io_source_options *opts, io_source **out, mloda_error *err)
{
    static const io_source_options none = {0};
    *out = NULL;
    if (opts == NULL)
        opts = &none;
    if (opts->sql != NULL)
        return mloda_io_sqlite_source_open(path, schema, opts, out, err);
    if (strcmp(path, "-") == 0)
        return opts->arrow ? mloda_io_arrow_source_open(STDIN_FILENO, false, "stdin", schema,
                                                        opts, out, err)
                           : mloda_io_json_source_open(STDIN_FILENO, false, "stdin", false,
                                                       schema, opts, out, err);
    struct stat st;
    if (stat(path, &st) != 0) {
        char why[128];
        return mloda_error_set(err, MLODA_ERR_IO, path, "cannot open batches %s: %s", path,
                               mloda_io_errno_text(errno, why, sizeof why));
    }
    if (S_ISDIR(st.st_mode))
        return mloda_io_dir_source_open(path, schema, opts, out, err);
    if (opts->watch)
        return mloda_error_set(err, MLODA_ERR_INVALID_ARG, path,
                               "--watch needs a directory, and %s is not one", path);
    if (opts->arrow)
        return open_arrow_file(path, schema, opts, out, err);
    if (ends_with(path, ".csv"))
        return mloda_io_csv_source_open(path, schema, opts, out, err);
    return open_json_file(path, schema, opts, out, err);
}

mloda_status mloda_io_source_next(io_source *src, mloda_api_data **out, io_batch_info *info,
                            mloda_error *err)
{
    memset(info, 0, sizeof *info);
    info->index = -1;
    return src->next(src, out, info, err);
}

mloda_status mloda_io_source_commit(io_source *src, mloda_error *err)
{
    return src->commit != NULL ? src->commit(src, err) : MLODA_OK;
}

mloda_status mloda_io_source_reject(io_source *src, const io_batch_info *info,
                                    const mloda_error *why, mloda_error *err)
{
    return src->reject != NULL ? src->reject(src, info, why, err) : MLODA_OK;
}

mloda_status mloda_io_sink_write(io_sink *sink, const io_batch_info *info,
                                 const mloda_results *res, mloda_error *err)
{
    return sink->write(sink, info, res, err);
}

void mloda_io_sink_free(io_sink *sink)
{
    if (sink != NULL)
        sink->free(sink);
}

void mloda_io_source_free(io_source *src)
{
    if (src != NULL)
        src->free(src);
}
