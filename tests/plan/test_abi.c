/*
 * test_abi.c: the versioning rule of plugin.h for mloda_feature_group, mloda_simple_group
 * and mloda_source_provider (mloda_source_options: tests/io/test_io_abi.c).
 *
 * Every case hands the library a caller's block of exactly `alloc` bytes (malloc'd, and
 * freed right after the call), so that under ASan any read beyond it, or any later read of
 * it, is reported:
 *   an unknown abi_version is refused without reading past abi_version (a block of 12 or
 *     16 bytes);
 *   an older caller's smaller struct_size covering the required fields is accepted, the
 *     missing optional fields (user_data, user_data_free, parsed_free) acting as absent;
 *   a struct_size short of the required fields is refused;
 *   a newer caller's larger struct (extra trailing fields) is accepted and works.
 * Accepted structs are then used: a request computes with the group or source, callbacks
 * see user_data only when the caller's struct had it, and user_data_free runs (once) only
 * when it had that.
 */
#include <stdlib.h>

#include "support.h"

#define HEAD_SIZE (offsetof(mloda_feature_group, abi_version) + sizeof(uint32_t))
#define END_OF(T, field) (offsetof(T, field) + sizeof(((T *)0)->field))

_Static_assert(offsetof(mloda_feature_group, abi_version) ==
                       offsetof(mloda_simple_group, abi_version) &&
                   offsetof(mloda_feature_group, abi_version) ==
                       offsetof(mloda_source_provider, abi_version),
               "every versioned struct starts with struct_size and abi_version");

typedef struct abi_case {
    const char *label;
    size_t struct_size;   /* written into the caller's struct */
    uint32_t abi_version; /* 0: the right one */
    size_t alloc;         /* bytes of the caller's block; 0: struct_size */
    mloda_status st;
    const char *msg;      /* substring of the refusal */
} abi_case;

/* The caller's block: `alloc` bytes, the first of them from full (its other bytes, a newer
 * caller's fields this library does not know, are 0xA5), with struct_size and abi_version
 * written as far as the block reaches. Free with free(). */
static void *caller_block(const void *full, size_t full_size, const abi_case *c,
                          uint32_t good_abi)
{
    const size_t alloc = c->alloc != 0 ? c->alloc : c->struct_size;
    unsigned char *b = malloc(alloc);
    memset(b, 0xA5, alloc);
    memcpy(b, full, alloc < full_size ? alloc : full_size);
    memcpy(b, &c->struct_size, sizeof c->struct_size);
    const uint32_t abi = c->abi_version != 0 ? c->abi_version : good_abi;
    if (alloc >= HEAD_SIZE)
        memcpy(b + offsetof(mloda_feature_group, abi_version), &abi, sizeof abi);
    return b;
}

static void check_status(mloda_status st, const mloda_error *err, const abi_case *c)
{
    CHECK_MSG(st == c->st, "status %s, want %s (%s)", mloda_status_name(st),
              mloda_status_name(c->st), err->message);
    CHECK_EQ_INT(err->code, st);
    if (c->msg != NULL)
        CHECK_CONTAINS(err->message, c->msg);
}

/* Refusals every struct shares. */
#define REFUSALS(T, first_required)                                                         \
    {"unknown abi_version, block of 16 bytes", 16, 99, 16, MLODA_ERR_PLUGIN,                \
     "abi_version 99"},                                                                     \
    {"unknown abi_version, block ends at abi_version", 16, 2, HEAD_SIZE, MLODA_ERR_PLUGIN, \
     "abi_version 2"},                                                                      \
    {"unknown abi_version, huge struct_size", (size_t)-1, 7, 16, MLODA_ERR_PLUGIN,         \
     "abi_version 7"},                                                                      \
    {"struct_size too small for abi_version", 8, 0, 8, MLODA_ERR_PLUGIN,                   \
     "too small for struct_size and abi_version"},                                          \
    {"struct_size 0", 0, 0, 16, MLODA_ERR_PLUGIN, "struct_size 0"},                        \
    {"struct_size without the required fields", offsetof(T, first_required), 0, 0,         \
     MLODA_ERR_PLUGIN, "required fields"},                                                  \
    {"struct_size one byte short of the required fields", END_OF(T, first_required) - 1,   \
     0, 0, MLODA_ERR_PLUGIN, "required fields"}

/* ---------------------------------------------------------------- shared plumbing */

static int marker;                 /* what user_data points to */
static const void *seen_user_data; /* user_data of the last callback */
static int n_user_data_free;

static void count_free(void *ud)
{
    CHECK(ud == &marker);
    n_user_data_free++;
}

static void parsed_free_never(void *ud, void *parsed)
{
    (void)ud;
    (void)parsed;
    CHECK(!"parsed_free is called only for a parsed value, and match attaches none");
}

/* Runs `feature` over T.x = {1, 2, 3} (or no api_data when source is set) and returns
 * its value in row 2 (NaN on failure). */
static double run_feature(const mloda_registry *reg, mloda_request *req, const char *feature,
                          bool with_api)
{
    const double x[] = {1, 2, 3};
    mloda_api_data *api = with_api ? api_one_f64("T", "x", x, 3) : NULL;
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_OK(mloda_request_add(req, feature, NULL, &err), err);
    mloda_results *res = NULL;
    CHECK_OK(mloda_run_all(reg, req, api, &res, &err), err);
    double v = num_at(result_column(res, feature), 2);
    mloda_results_free(res);
    mloda_api_data_free(api);
    return v;
}

/* ---------------------------------------------------------------- feature groups */

static mloda_status fg_match(void *ud, const mloda_feature *f, bool *out, void **parsed,
                             mloda_error *why)
{
    (void)parsed;
    (void)why;
    seen_user_data = ud;
    const char *sfx = mloda_feature_chain_suffix(f);
    *out = sfx != NULL && strcmp(sfx, "abi") == 0;
    return MLODA_OK;
}

static mloda_status fg_inputs(void *ud, const mloda_feature *f, mloda_inputs *in,
                              mloda_error *err)
{
    seen_user_data = ud;
    return mloda_inputs_add_chain(in, f, 1, 1, err);
}

static mloda_status fg_bind(void *ud, mloda_bind *ctx, mloda_error *err)
{
    seen_user_data = ud;
    return mloda_bind_output(ctx, MLODA_TYPE_FLOAT64, 0, MLODA_TIME_SECOND, err);
}

static mloda_status fg_calculate(void *ud, mloda_calc *calc, mloda_error *err)
{
    seen_user_data = ud;
    const mloda_column *x = mloda_calc_input(calc, 0, 0, 0);
    double v[3] = {0};
    for (int64_t r = 0; r < 3 && r < mloda_column_n_rows(x); r++)
        v[r] = 10.0 * num_at(x, r);
    mloda_column *c = NULL;
    mloda_status st = mloda_column_from_float64(mloda_column_n_rows(x), v, NULL, &c, err);
    return st != MLODA_OK ? st : mloda_calc_set_output(calc, 0, c, err);
}

/* A caller built against a newer header: two fields this library does not know. */
typedef struct newer_feature_group {
    mloda_feature_group base;
    void (*future_callback)(void);
    uint64_t future_flags;
} newer_feature_group;

static void test_feature_group(void)
{
    static const abi_case cases[] = {
        REFUSALS(mloda_feature_group, calculate),
        {"older: without parsed_free, user_data, user_data_free",
         offsetof(mloda_feature_group, parsed_free), 0, 0, MLODA_OK, NULL},
        {"older: without user_data, user_data_free", offsetof(mloda_feature_group, user_data),
         0, 0, MLODA_OK, NULL},
        {"older: without user_data_free", offsetof(mloda_feature_group, user_data_free), 0, 0,
         MLODA_OK, NULL},
        {"this library's size", sizeof(mloda_feature_group), 0, 0, MLODA_OK, NULL},
        {"newer: two more fields", sizeof(newer_feature_group), 0, 0, MLODA_OK, NULL},
    };
    const newer_feature_group full = {
        .base = {.name = "AbiGroup", .description = "times ten", .match = fg_match,
                 .inputs = fg_inputs, .bind = fg_bind, .calculate = fg_calculate,
                 .parsed_free = parsed_free_never, .user_data = &marker,
                 .user_data_free = count_free},
        .future_callback = NULL,
        .future_flags = ~(uint64_t)0,
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        const abi_case *c = &cases[k];
        TEST_CASE("feature group: %s", c->label);
        mloda_registry *reg = mloda_registry_default();
        const int64_t n_before = mloda_registry_n_groups(reg);
        void *block = caller_block(&full, sizeof full, c, MLODA_FEATURE_GROUP_ABI);
        mloda_error err = MLODA_ERROR_INIT;
        mloda_status st = mloda_registry_add(reg, block, &err);
        free(block); /* the registry keeps a copy, never the caller's struct */
        check_status(st, &err, c);
        n_user_data_free = 0;
        if (st == MLODA_OK) {
            const bool has_ud = c->struct_size >= END_OF(mloda_feature_group, user_data);
            const bool has_free = c->struct_size >= END_OF(mloda_feature_group, user_data_free);
            const mloda_feature_group *g = mloda_registry_group(reg, n_before);
            CHECK(g != NULL && strcmp(g->name, "AbiGroup") == 0);
            /* the copy's struct_size is what it holds: at most this library's size */
            CHECK_EQ_INT(g->struct_size, c->struct_size < sizeof(mloda_feature_group)
                                             ? c->struct_size
                                             : sizeof(mloda_feature_group));
            CHECK((g->parsed_free != NULL) ==
                  (c->struct_size >= END_OF(mloda_feature_group, parsed_free)));
            CHECK(g->user_data == (has_ud ? &marker : NULL));
            CHECK((g->user_data_free != NULL) == has_free);
            mloda_request *req = mloda_request_new();
            seen_user_data = &seen_user_data;
            CHECK_CLOSE(run_feature(reg, req, "x__abi", true), 30.0);
            CHECK(seen_user_data == (has_ud ? &marker : NULL));
            mloda_request_free(req);
            mloda_registry_free(reg);
            CHECK_EQ_INT(n_user_data_free, has_free ? 1 : 0);
        } else {
            CHECK_EQ_INT(mloda_registry_n_groups(reg), n_before);
            mloda_registry_free(reg);
            CHECK_EQ_INT(n_user_data_free, 0); /* a refused add leaves user_data the caller's */
        }
    }
}

/* ---------------------------------------------------------------- simple groups */

static mloda_status sg_compute(void *ud, int64_t n_rows, int64_t n_inputs,
                               const mloda_column *const *inputs, int64_t n_captures,
                               const char *const *captures, const mloda_options *options,
                               mloda_column **out, mloda_error *err)
{
    (void)n_inputs;
    (void)options;
    seen_user_data = ud;
    CHECK_EQ_INT(n_captures, 1);
    const double factor = n_captures == 1 ? atof(captures[0]) : 0;
    double v[3] = {0};
    for (int64_t r = 0; r < 3 && r < n_rows; r++)
        v[r] = factor * num_at(inputs[0], r);
    return mloda_column_from_float64(n_rows, v, NULL, out, err);
}

typedef struct newer_simple_group {
    mloda_simple_group base;
    const char *future_doc;
    double future_weight;
} newer_simple_group;

static void test_simple_group(void)
{
    static const abi_case cases[] = {
        REFUSALS(mloda_simple_group, compute),
        {"older: without user_data, user_data_free", offsetof(mloda_simple_group, user_data),
         0, 0, MLODA_OK, NULL},
        {"older: without user_data_free", offsetof(mloda_simple_group, user_data_free), 0, 0,
         MLODA_OK, NULL},
        {"this library's size", sizeof(mloda_simple_group), 0, 0, MLODA_OK, NULL},
        {"newer: two more fields", sizeof(newer_simple_group), 0, 0, MLODA_OK, NULL},
    };
    const newer_simple_group full = {
        .base = {.name = "AbiSimple", .description = "times n",
                 .suffix_pattern = "times_([0-9]+)", .min_inputs = 1, .max_inputs = 1,
                 .output_type = MLODA_TYPE_FLOAT64, .compute = sg_compute,
                 .user_data = &marker, .user_data_free = count_free},
        .future_doc = "a field from the future",
        .future_weight = 2.5,
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        const abi_case *c = &cases[k];
        TEST_CASE("simple group: %s", c->label);
        mloda_registry *reg = mloda_registry_default();
        const int64_t n_before = mloda_registry_n_groups(reg);
        void *block = caller_block(&full, sizeof full, c, MLODA_SIMPLE_GROUP_ABI);
        mloda_error err = MLODA_ERROR_INIT;
        mloda_status st = mloda_registry_add_simple(reg, block, &err);
        free(block);
        check_status(st, &err, c);
        n_user_data_free = 0;
        if (st == MLODA_OK) {
            const bool has_ud = c->struct_size >= END_OF(mloda_simple_group, user_data);
            const bool has_free = c->struct_size >= END_OF(mloda_simple_group, user_data_free);
            CHECK_EQ_INT(mloda_registry_n_groups(reg), n_before + 1);
            mloda_request *req = mloda_request_new();
            seen_user_data = &seen_user_data;
            CHECK_CLOSE(run_feature(reg, req, "x__times_4", true), 12.0);
            CHECK(seen_user_data == (has_ud ? &marker : NULL));
            mloda_request_free(req);
            mloda_registry_free(reg);
            CHECK_EQ_INT(n_user_data_free, has_free ? 1 : 0);
        } else {
            CHECK_EQ_INT(mloda_registry_n_groups(reg), n_before);
            mloda_registry_free(reg);
            CHECK_EQ_INT(n_user_data_free, 0);
        }
    }
}

/* ---------------------------------------------------------------- source providers */

static mloda_status src_schema(void *ud, mloda_table **out, mloda_error *err)
{
    seen_user_data = ud;
    const double v[] = {0};
    mloda_column *c = NULL;
    mloda_status st = mloda_column_from_float64(1, v, NULL, &c, err);
    if (st != MLODA_OK)
        return st;
    const char *name = "reading";
    const mloda_column *cols[] = {c};
    st = mloda_table_new(1, 1, &name, cols, out, err);
    mloda_column_release(c);
    return st;
}

static mloda_status src_read(void *ud, int64_t n_columns, const char *const *columns,
                             mloda_table **out, mloda_error *err)
{
    seen_user_data = ud;
    CHECK_EQ_INT(n_columns, 1);
    CHECK_STR(columns[0], "reading");
    const double v[] = {5, 6, 7};
    mloda_column *c = NULL;
    mloda_status st = mloda_column_from_float64(3, v, NULL, &c, err);
    if (st != MLODA_OK)
        return st;
    const char *name = "reading";
    const mloda_column *cols[] = {c};
    st = mloda_table_new(3, 1, &name, cols, out, err);
    mloda_column_release(c);
    return st;
}

typedef struct newer_source_provider {
    mloda_source_provider base;
    mloda_status (*future_close)(void *user_data);
    int64_t future_limit;
} newer_source_provider;

static void test_source_provider(void)
{
    static const abi_case cases[] = {
        REFUSALS(mloda_source_provider, read),
        {"older: without user_data, user_data_free", offsetof(mloda_source_provider, user_data),
         0, 0, MLODA_OK, NULL},
        {"older: without user_data_free", offsetof(mloda_source_provider, user_data_free), 0,
         0, MLODA_OK, NULL},
        {"this library's size", sizeof(mloda_source_provider), 0, 0, MLODA_OK, NULL},
        {"newer: two more fields", sizeof(newer_source_provider), 0, 0, MLODA_OK, NULL},
    };
    const newer_source_provider full = {
        .base = {.name = "Meter", .schema = src_schema, .read = src_read,
                 .user_data = &marker, .user_data_free = count_free},
        .future_close = NULL,
        .future_limit = 99,
    };
    mloda_registry *reg = mloda_registry_default();
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        const abi_case *c = &cases[k];
        TEST_CASE("source provider: %s", c->label);
        mloda_request *req = mloda_request_new();
        void *block = caller_block(&full, sizeof full, c, MLODA_SOURCE_PROVIDER_ABI);
        mloda_error err = MLODA_ERROR_INIT;
        mloda_status st = mloda_request_add_source(req, block, &err);
        free(block);
        check_status(st, &err, c);
        n_user_data_free = 0;
        if (st == MLODA_OK) {
            const bool has_ud = c->struct_size >= END_OF(mloda_source_provider, user_data);
            const bool has_free =
                c->struct_size >= END_OF(mloda_source_provider, user_data_free);
            seen_user_data = &seen_user_data;
            CHECK_CLOSE(run_feature(reg, req, "reading", false), 7.0);
            CHECK(seen_user_data == (has_ud ? &marker : NULL));
            mloda_request_free(req);
            CHECK_EQ_INT(n_user_data_free, has_free ? 1 : 0);
        } else {
            mloda_request_free(req);
            CHECK_EQ_INT(n_user_data_free, 0);
        }
    }
    mloda_registry_free(reg);
}

int main(void)
{
    RUN(test_feature_group);
    RUN(test_simple_group);
    RUN(test_source_provider);
    return TEST_SUMMARY();
}
