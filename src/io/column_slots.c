/* column_slots.c: wanted columns of a tabular source and their readers (see column_slots.h). */
#include "io/column_slots.h"

#include <string.h>

#include "util/util.h"

void mloda_io_slots_stop(io_column_slots *s)
{
    if (s->readers != NULL)
        for (int64_t k = 0; k < s->n_slots; k++)
            mloda_io_colreader_reset(&s->readers[k]);
    s->reading = false;
}

mloda_status mloda_io_slots_end_read(io_column_slots *s, const mloda_error *row_err,
                                     mloda_error *err)
{
    if (row_err->code == MLODA_OK)
        return MLODA_OK;
    mloda_io_slots_stop(s);
    if (err != NULL && err->code == MLODA_OK)
        *err = *row_err;
    return row_err->code;
}

void mloda_io_slots_reset(io_column_slots *s)
{
    mloda_io_slots_stop(s);
    mloda_free(s->slot);
    mloda_free((void *)s->columns);
    mloda_free(s->types);
    mloda_free(s->readers);
    const bool hide = s->hide_values; /* a setting of the reader, not of the choice */
    memset(s, 0, sizeof *s);
    s->hide_values = hide;
}

mloda_status mloda_io_slots_select(io_column_slots *s, int64_t n_source,
                                   const char *const *source, int64_t n,
                                   const char *const *names, const io_coltype *types,
                                   const char *what, int64_t *out_missing, mloda_error *err)
{
    *out_missing = -1;
    mloda_io_slots_reset(s);
    const size_t ns = (size_t)(n_source > 0 ? n_source : 1);
    const size_t nn = (size_t)(n > 0 ? n : 1);
    s->slot = mloda_malloc(ns * sizeof *s->slot);
    s->columns = mloda_calloc(nn, sizeof *s->columns);
    s->types = mloda_calloc(nn, sizeof *s->types);
    s->readers = mloda_calloc(nn, sizeof *s->readers);
    if (s->slot == NULL || s->columns == NULL || s->types == NULL || s->readers == NULL)
        return MLODA_NOMEM(err, what); /* freed by _reset */
    mloda_strmap index = {0}; /* source column name -> position (the first wins) */
    mloda_status st = MLODA_OK;
    for (int64_t i = 0; st == MLODA_OK && i < n_source; i++) {
        int64_t first = 0;
        s->slot[i] = -1;
        if (!mloda_strmap_get(&index, source[i], &first))
            st = mloda_strmap_put(&index, source[i], i, err);
    }
    for (int64_t k = 0; st == MLODA_OK && k < n; k++) {
        int64_t at = -1;
        if (mloda_strmap_get(&index, names[k], &at) && s->slot[at] < 0) {
            s->slot[at] = s->n_slots;
            s->columns[s->n_slots] = names[k];
            s->types[s->n_slots] = types[k];
            s->n_slots++;
        } else if (*out_missing < 0) {
            *out_missing = k;
        }
    }
    mloda_strmap_reset(&index);
    return st;
}

void mloda_io_slots_start(io_column_slots *s, const char *table, const char *origin)
{
    if (s->reading)
        return;
    for (int64_t k = 0; k < s->n_slots; k++) {
        mloda_io_colreader_init(&s->readers[k], table, s->columns[k], &s->types[k], origin);
        s->readers[k].hide_values = s->hide_values;
    }
    s->reading = true;
}

mloda_status mloda_io_slots_finish(io_column_slots *s, const char *table, const char *origin,
                                   mloda_column **out, mloda_error *err)
{
    mloda_status st = MLODA_OK;
    for (int64_t k = 0; k < s->n_slots; k++)
        out[k] = NULL;
    mloda_io_slots_start(s, table, origin); /* nothing read: empty columns of the types */
    for (int64_t k = 0; k < s->n_slots && st == MLODA_OK; k++)
        st = mloda_io_colreader_finish(&s->readers[k], &out[k], err);
    mloda_io_slots_stop(s);
    if (st != MLODA_OK)
        for (int64_t k = 0; k < s->n_slots; k++) {
            mloda_column_release(out[k]);
            out[k] = NULL;
        }
    return st;
}
