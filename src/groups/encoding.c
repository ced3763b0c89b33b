/*
 * encoding.c: the encoding family `{in}__{enc}_encoded[~k]` and its option form
 * (encoder_type + in_features), SPEC.md §6.5.
 *
 * Invariants:
 * - Categories are the distinct present values of the column (null, and NaN in float64,
 *   are missing), found with a hash table; only the distinct values are sorted: text
 *   bytewise (code point order, Python's str order), numbers numerically (-0.0 == 0.0),
 *   false < true.
 * - label: int64 rank of the row's value among the sorted categories; ordinal: the same
 *   rank as float64; onehot: columns F~0..F~(c-1), float64 1.0 where the row's value is
 *   category k, else 0.0.
 * - A missing input gives a null output, in every one-hot column too (SPEC.md §10.11:
 *   mloda turns nulls into "unknown" and label encoding then fails).
 * - Every batch is fitted on its own rows; a column without categories (all missing, or
 *   no rows) has no one-hot columns.
 * Features of one step that encode the same column share one categorisation.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "groups/colops.h"
#include "groups/family.h"
#include "groups/groups.h"
#include "groups/row_groups.h"
#include "util/util.h"

typedef enum encoder { E_ONEHOT, E_LABEL, E_ORDINAL } encoder;

static const char *const ENCODERS[] = {"onehot", "label", "ordinal"};
static const encoder ENCODER_OF[] = {E_ONEHOT, E_LABEL, E_ORDINAL};

static const mloda_family_param ENC_PARAMS[] = {
    {.option = "encoder_type", .what = "encoder type", .kind = MLODA_FAMILY_TOKEN, .tokens = ENCODERS,
     .n_tokens = 3, .n_usable = 3, .allowed = "onehot, label, ordinal"},
};
static const mloda_family_spec ENC = {.pattern = "{encoder_type}_encoded",
                                      .example = "category__onehot_encoded",
                                      .n_params = 1,
                                      .params = ENC_PARAMS,
                                      .inputs_hint = " to encode"};

static mloda_status enc_match(void *ud, const mloda_feature *f, bool *out_match, void **out_parsed, mloda_error *why)
{
    (void)ud;
    return mloda_family_match(&ENC, f, out_match, out_parsed, why);
}

static mloda_status enc_inputs(void *ud, const mloda_feature *f, mloda_inputs *in,
                               mloda_error *err)
{
    (void)ud;
    return mloda_inputs_add_chain(in, f, 1, 1, err);
}

static mloda_status enc_bind(void *ud, mloda_bind *ctx, mloda_error *err)
{
    (void)ud;
    const mloda_feature *f = mloda_bind_feature(ctx);
    const char *name = mloda_feature_name(f);
    int idx = (int)mloda_family_of(f)->num[0];
    mloda_type t = mloda_bind_input_type(ctx, 0);
    bool multi = mloda_bind_input_is_multi(ctx, 0);
    if (t == MLODA_TYPE_FLOAT64_LIST || multi)
        return mloda_error_set(err, MLODA_ERR_TYPE, name,
                               "feature '%s': cannot encode %s %s '%s' (categories are "
                               "single values: text, integers, floats, bools or timestamps)",
                               name, multi ? "multi-column" : mloda_type_name(t),
                               multi ? "feature" : "column", mloda_bind_input_name(ctx, 0));
    /* state: a pointer into the static encoder table, nothing to free */
    MLODA_TRY(mloda_bind_set_state(ctx, (void *)(uintptr_t)&ENCODER_OF[idx], NULL, err));
    switch (ENCODER_OF[idx]) {
    case E_ONEHOT:
        return mloda_bind_output_multi(ctx, MLODA_TYPE_FLOAT64, 0, MLODA_TIME_SECOND, err);
    case E_LABEL:
        return mloda_bind_output(ctx, MLODA_TYPE_INT64, 0, MLODA_TIME_SECOND, err);
    default:
        return mloda_bind_output(ctx, MLODA_TYPE_FLOAT64, 0, MLODA_TIME_SECOND, err);
    }
}

/* ---------------------------------------------------------------- categories */

/* The categorisation of one column: the code (category rank) of every row. */
typedef struct cats {
    const mloda_column *col; /* borrowed: the step's input */
    int64_t *code;           /* owned, n rows: rank of the row's category, -1 when missing */
    int64_t n_cats;
    bool any_missing;
} cats;

static mloda_status categorise(const mloda_column *col, int64_t n, cats *out, mloda_error *err)
{
    memset(out, 0, sizeof *out);
    out->col = col;
    row_groups g;
    MLODA_TRY(mloda_row_groups_build(&col, 1, n, true, &g, err));
    int64_t ng = g.n_groups;
    int64_t *rows = mloda_malloc((size_t)(ng > 0 ? ng : 1) * sizeof *rows);
    int64_t *rank = mloda_malloc((size_t)(ng > 0 ? ng : 1) * sizeof *rank);
    mloda_status st = rows == NULL || rank == NULL ? MLODA_NOMEM(err, "categories") : MLODA_OK;
    if (st == MLODA_OK) {
        memcpy(rows, g.first, (size_t)ng * sizeof *rows);
        st = mloda_rows_sort_by_value(col, rows, ng, err); /* the distinct values only */
    }
    if (st == MLODA_OK) {
        for (int64_t j = 0; j < ng; j++)
            rank[g.id[rows[j]]] = j;
        /* reuse the group-id array as the code array: code = rank of the group */
        int64_t *code = g.id;
        bool missing = false;
        for (int64_t r = 0; r < n; r++) {
            missing |= code[r] < 0;
            code[r] = code[r] < 0 ? -1 : rank[code[r]];
        }
        out->code = code;
        g.id = NULL; /* moved */
        out->n_cats = ng;
        out->any_missing = missing;
    }
    mloda_free(rows);
    mloda_free(rank);
    mloda_row_groups_reset(&g);
    return st;
}

/* ---------------------------------------------------------------- outputs */

static mloda_status clear_missing(mloda_column_builder *b, const cats *c, int64_t n,
                                  mloda_error *err)
{
    if (!c->any_missing)
        return MLODA_OK;
    uint8_t *bits = NULL;
    MLODA_TRY(mloda_column_builder_validity(b, &bits, err));
    for (int64_t r = 0; r < n; r++) {
        if (c->code[r] < 0)
            mloda_bitmap_set(bits, r, false);
    }
    return MLODA_OK;
}

static mloda_status emit_label(const cats *c, int64_t n, mloda_column **out, mloda_error *err)
{
    mloda_column_builder *b = NULL;
    MLODA_TRY(mloda_column_builder_new(MLODA_TYPE_INT64, 0, MLODA_TIME_SECOND, &b, err));
    void *buf = NULL;
    mloda_status st = mloda_column_builder_resize_uninit(b, n, &buf, err);
    if (st == MLODA_OK) {
        int64_t *restrict o = buf;
        const int64_t *restrict code = c->code;
        for (int64_t r = 0; r < n; r++)
            o[r] = code[r] < 0 ? 0 : code[r];
        st = clear_missing(b, c, n, err);
    }
    if (st != MLODA_OK) {
        mloda_column_builder_free(b);
        return st;
    }
    return mloda_column_builder_finish(b, out, err);
}

static mloda_status emit_ordinal(const cats *c, int64_t n, mloda_column **out, mloda_error *err)
{
    mloda_column_builder *b = NULL;
    double *o = NULL;
    MLODA_TRY(mloda_f64_out_start(n, &b, &o, err));
    const int64_t *restrict code = c->code;
    for (int64_t r = 0; r < n; r++)
        o[r] = code[r] < 0 ? NAN : (double)code[r];
    return mloda_f64_out_finish(b, o, n, out, err);
}

/* One-hot columns, written in blocks of rows so that the block's codes stay in cache
 * while every column's slice of the block is written (one write per value, vectorised). */
static mloda_status emit_onehot(mloda_calc *calc, int64_t i, const cats *c, int64_t n,
                                mloda_error *err)
{
    enum { BLOCK = 2048 };
    int64_t k_n = c->n_cats, cells = 0;
    /* before allocating: a column of n distinct values is n columns of n rows */
    MLODA_TRY(mloda_calc_check_limit(calc, i, MLODA_LIMIT_CATEGORIES, k_n, err));
    if (__builtin_mul_overflow(k_n, n, &cells))
        cells = INT64_MAX;
    MLODA_TRY(mloda_calc_check_limit(calc, i, MLODA_LIMIT_OUTPUT_CELLS, cells, err));
    size_t slots = (size_t)(k_n > 0 ? k_n : 1);
    mloda_column_builder **b = mloda_calloc(slots, sizeof *b);
    double **o = mloda_calloc(slots, sizeof *o);
    mloda_status st = b == NULL || o == NULL ? MLODA_NOMEM(err, "one-hot columns") : MLODA_OK;
    for (int64_t k = 0; st == MLODA_OK && k < k_n; k++)
        st = mloda_f64_out_start(n, &b[k], &o[k], err);
    if (st == MLODA_OK) {
        const int64_t *restrict code = c->code;
        for (int64_t lo = 0; lo < n; lo += BLOCK) {
            int64_t hi = lo + BLOCK < n ? lo + BLOCK : n;
            for (int64_t k = 0; k < k_n; k++) {
                double *restrict ok = o[k];
                for (int64_t r = lo; r < hi; r++)
                    ok[r] = code[r] == k ? 1.0 : 0.0; /* missing rows: 0, masked below */
            }
        }
    }
    /* after the values: a builder's value pointer is valid only until the next call */
    for (int64_t k = 0; st == MLODA_OK && k < k_n; k++)
        st = clear_missing(b[k], c, n, err);
    for (int64_t k = 0; k < k_n && b != NULL; k++) {
        if (st != MLODA_OK) {
            mloda_column_builder_free(b[k]);
            continue;
        }
        mloda_column *col = NULL;
        char suffix[24];
        (void)snprintf(suffix, sizeof suffix, "%lld", (long long)k);
        st = mloda_column_builder_finish(b[k], &col, err);
        if (st == MLODA_OK)
            st = mloda_calc_add_output(calc, i, suffix, col, err);
    }
    mloda_free(b);
    mloda_free(o);
    return st;
}

/* ---------------------------------------------------------------- calculate */

enum { CACHE_SLOTS = 4 };

static mloda_status cats_for(const mloda_column *col, int64_t n, cats *cache, int64_t *n_cache,
                             const cats **out, mloda_error *err)
{
    for (int64_t k = 0; k < *n_cache; k++) {
        if (cache[k].col == col) {
            *out = &cache[k];
            return MLODA_OK;
        }
    }
    if (*n_cache == CACHE_SLOTS) { /* full: drop the oldest */
        mloda_free(cache[0].code);
        memmove(cache, cache + 1, (CACHE_SLOTS - 1) * sizeof *cache);
        (*n_cache)--;
    }
    cats *slot = &cache[*n_cache];
    MLODA_TRY(categorise(col, n, slot, err));
    (*n_cache)++;
    *out = slot;
    return MLODA_OK;
}

static mloda_status enc_calculate(void *ud, mloda_calc *calc, mloda_error *err)
{
    (void)ud;
    cats cache[CACHE_SLOTS];
    int64_t n_cache = 0;
    int64_t n = mloda_calc_n_rows(calc);
    mloda_status st = MLODA_OK;
    for (int64_t i = 0; st == MLODA_OK && i < mloda_calc_n_features(calc); i++) {
        const encoder *e = mloda_calc_state(calc, i);
        const cats *c = NULL;
        st = cats_for(mloda_calc_input(calc, i, 0, 0), n, cache, &n_cache, &c, err);
        mloda_column *out = NULL;
        if (st == MLODA_OK && *e == E_ONEHOT) {
            st = emit_onehot(calc, i, c, n, err);
        } else if (st == MLODA_OK) {
            st = *e == E_LABEL ? emit_label(c, n, &out, err) : emit_ordinal(c, n, &out, err);
            if (st == MLODA_OK)
                st = mloda_calc_set_output(calc, i, out, err);
        }
        if (st != MLODA_OK)
            mloda_error_default_subject(err, mloda_feature_name(mloda_calc_feature(calc, i)));
    }
    for (int64_t k = 0; k < n_cache; k++)
        mloda_free(cache[k].code);
    return st;
}

const mloda_feature_group mloda_group_encoding = {
    .struct_size = sizeof(mloda_feature_group),
    .abi_version = MLODA_FEATURE_GROUP_ABI,
    .name = "EncodingFeatureGroup",
    .description =
        "Encodes the categories of a column (text, int64, float64, bool or timestamp), "
        "the distinct present values sorted ascending (text by code point, as Python "
        "sorts). onehot: columns F~0..F~(c-1), float64 0/1, column k for the k-th "
        "category; label: the category's rank as int64; ordinal: the same as float64. Each "
        "batch is fitted on its own rows. Differs from mloda: a null (or NaN) input gives a "
        "null output (in every one-hot column), where mloda replaces it by the category "
        "'unknown' (label encoding then fails); a column without categories has no one-hot "
        "columns. Select one one-hot column with F~k.",
    .version = "1",
    .patterns = "{in}__{enc}_encoded\n{in}__onehot_encoded~{k}",
    .options_doc = "encoder_type: onehot|label|ordinal\n"
                   "in_features: the column to encode (option form)",
    .example = "color__onehot_encoded",
    .match = enc_match,
    .inputs = enc_inputs,
    .bind = enc_bind,
    .calculate = enc_calculate,
    .parsed_free = mloda_family_parsed_free,
};
