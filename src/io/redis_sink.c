/*
 * redis_sink.c: a batch's result tables into a Redis stream, written by the input's source
 * in one script with the input entry's XACK (redis_source.c, COMMIT_SCRIPT): one output
 * entry per table, {input, group, table, tables, result}, exactly once per input entry.
 *
 * Each table is the JSON object `mloda stream` prints ({"group": ..., "columns": {...}},
 * without "batch"), so a reader of the output stream parses what a reader of stdout does.
 */
#include "io/redis.h"

#include <string.h>

#include "io/source.h"

typedef struct redis_sink {
    io_sink base;
    io_redis_source *src; /* borrowed: the source whose entries are settled */
    char *stream;         /* owned: the output stream's key */
    mloda_buf text;       /* owned scratch: the batch's tables as JSON, back to back */
    size_t *offsets;      /* owned, cap entries: where each table's text starts */
    const char **texts;   /* owned, cap entries */
    size_t *lens;         /* owned, cap entries */
    int64_t cap;
} redis_sink;

static mloda_status grow(redis_sink *k, int64_t n, mloda_error *err)
{
    if (n <= k->cap)
        return MLODA_OK;
    size_t *o = mloda_realloc(k->offsets, (size_t)n * sizeof *o);
    if (o != NULL)
        k->offsets = o;
    const char **t = mloda_realloc(k->texts, (size_t)n * sizeof *t);
    if (t != NULL)
        k->texts = t;
    size_t *l = mloda_realloc(k->lens, (size_t)n * sizeof *l);
    if (l != NULL)
        k->lens = l;
    if (o == NULL || t == NULL || l == NULL)
        return MLODA_NOMEM(err, "the results of a batch");
    k->cap = n;
    return MLODA_OK;
}

static mloda_status sink_write(io_sink *base, const io_batch_info *info, const mloda_results *res,
                               mloda_error *err)
{
    redis_sink *k = (redis_sink *)base;
    const int64_t n = mloda_results_n_tables(res);
    MLODA_TRY(grow(k, n > 0 ? n : 1, err));
    k->text.len = 0;
    for (int64_t t = 0; t < n; t++) {
        k->offsets[t] = k->text.len;
        MLODA_TRY(mloda_io_write_json_table(&k->text, mloda_results_table(res, t), -1, false, err));
        k->lens[t] = k->text.len - k->offsets[t];
    }
    for (int64_t t = 0; t < n; t++) /* the text is complete: it moves no more */
        k->texts[t] = k->text.data + k->offsets[t];
    return mloda_io_redis_source_commit_results(k->src, info, k->stream, n, k->texts, k->lens,
                                                err);
}

static void sink_free(io_sink *base)
{
    redis_sink *k = (redis_sink *)base;
    mloda_buf_reset(&k->text);
    mloda_free(k->offsets);
    mloda_free(k->texts);
    mloda_free(k->lens);
    mloda_free(k->stream);
    mloda_free(k);
}

mloda_status mloda_io_redis_sink_open(const char *url, io_source *src, io_sink **out,
                                      mloda_error *err)
{
    *out = NULL;
    io_redis_source *rs = mloda_io_redis_source_cast(src);
    if (rs == NULL)
        return mloda_error_set(err, MLODA_ERR_INVALID_ARG, "--output",
                               "--output redis://... needs a redis:// source for --batches (the "
                               "results are written with the input's acknowledgement)");
    io_redis_conn *conn = mloda_io_redis_source_conn(rs);
    io_redis_url u;
    MLODA_TRY(mloda_io_redis_same_server(conn, url, "--output", &u, err));
    if (strcmp(u.key, mloda_io_redis_source_stream(rs)) == 0)
        return mloda_error_set(err, MLODA_ERR_INVALID_ARG, "--output",
                               "--output must name another stream than --batches");
    char type[32];
    MLODA_TRY(mloda_io_redis_key_type(conn, u.key, type, sizeof type, err));
    if (strcmp(type, "none") != 0 && strcmp(type, "stream") != 0)
        return mloda_error_set(err, MLODA_ERR_INVALID_ARG, "--output",
                               "%s: the output key '%s' holds a %s, not a stream", conn->where,
                               u.key, type);
    redis_sink *k = mloda_calloc(1, sizeof *k);
    if (k == NULL || (k->stream = mloda_strdup(u.key)) == NULL) {
        mloda_free(k);
        return MLODA_NOMEM(err, "a Redis sink");
    }
    k->base.write = sink_write;
    k->base.free = sink_free;
    k->src = rs;
    *out = &k->base;
    return MLODA_OK;
}
