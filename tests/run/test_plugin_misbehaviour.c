/*
 * test_plugin_misbehaviour.c: a plugin that breaks the rules of plugin.h must get a clear
 * MLODA_ERR_PLUGIN error (or its own status, when it only forgot the message) naming the
 * feature and the group, leak nothing (ASan), and leave the engine usable.
 *
 * One user group, "Misbehave", matches x__bad and x__good; for x__bad it misbehaves in the
 * way the case selects (its user_data). Prepare-time misbehaviours (match, inputs, bind)
 * make mloda_prepare of x__bad fail, after which a session prepared before from the same
 * registry still runs a batch. Run-time misbehaviours (calculate) happen only on a
 * "poison" batch (x[0] < 0): the batch fails, by mloda_session_run and by a stream, and
 * the next, good batch on the same session gives the right result.
 */
#include <stdlib.h>

#include "support.h"

typedef enum phase { AT_PREPARE, AT_RUN } phase;

typedef enum mode {
    BEHAVE, /* no misbehaviour: the good path */
    /* match */
    MATCH_FAIL_SILENT,
    MATCH_UNKNOWN_999,
    MATCH_UNKNOWN_NEG,
    /* inputs */
    INPUTS_FAIL_SILENT,
    INPUTS_UNKNOWN_999,
    INPUTS_NONE,
    INPUTS_EMPTY_NAME_IGNORED,
    INPUTS_EMPTY_NAME_RETURNED,
    INPUTS_NULL_NAME_IGNORED,
    /* bind */
    BIND_NO_OUTPUT,
    BIND_TWICE_IGNORED,
    BIND_TWICE_RETURNED,
    BIND_BAD_TYPE_IGNORED,
    BIND_FAIL_SILENT,
    BIND_UNKNOWN_999,
    BIND_UNKNOWN_NEG,
    BIND_COLUMNS_NONE,
    BIND_COLUMNS_REPEATED,
    BIND_COLUMNS_NULL_SUFFIX,
    BIND_LIST_SIZE_0,
    BIND_PROBE_ARGUMENTS, /* not a misbehaviour: queries out of range get their sentinels */
    /* calculate */
    CALC_NO_OUTPUT,
    CALC_SET_TWICE_IGNORED,
    CALC_SET_TWICE_RETURNED,
    CALC_ADD_ON_SINGLE_IGNORED,
    CALC_ADD_ON_SINGLE_RETURNED,
    CALC_WRONG_TYPE,
    CALC_WRONG_LENGTH,
    CALC_NULL_OUTPUT,
    CALC_SET_INDEX_1,
    CALC_SET_INDEX_NEG,
    CALC_ADD_INDEX_1,
    CALC_INPUT_INDEX_NEG,
    CALC_INPUT_N_COLUMNS_INDEX_1,
    CALC_INPUT_SUFFIX_INDEX_1,
    CALC_STATE_INDEX_5,
    CALC_FEATURE_INDEX_1,
    CALC_N_INPUTS_INDEX_NEG,
    CALC_OUTPUT_TYPE_INDEX_1,
    CALC_SOURCE_COLUMN_INDEX_1,
    CALC_FAIL_SILENT,
    CALC_UNKNOWN_999,
    CALC_UNKNOWN_NEG,
    CALC_UNKNOWN_WITH_MESSAGE,
    CALC_RECORDED_UNKNOWN,
    CALC_STALE_ERROR_THEN_OK, /* not a misbehaviour: a success drops what err held */
    CALC_OTHER_COLUMNS,       /* adds columns other than those declared at bind */
} mode;

typedef struct bad_case {
    const char *label;
    mode mode;
    phase phase;
    mloda_status st;  /* status of the failing call (MLODA_OK: it must succeed) */
    const char *msg;  /* substring of the message */
    const char *msg2; /* a second one, or NULL */
} bad_case;

static const bad_case cases[] = {
    {"match fails without a message", MATCH_FAIL_SILENT, AT_PREPARE, MLODA_ERR_COMPUTE,
     "match returned MLODA_ERR_COMPUTE without a message", NULL},
    {"match returns 999", MATCH_UNKNOWN_999, AT_PREPARE, MLODA_ERR_PLUGIN,
     "match returned status 999", "not an MLODA_* status code"},
    {"match returns -3", MATCH_UNKNOWN_NEG, AT_PREPARE, MLODA_ERR_PLUGIN,
     "match returned status -3", NULL},
    {"inputs fails without a message", INPUTS_FAIL_SILENT, AT_PREPARE, MLODA_ERR_OPTION,
     "inputs returned MLODA_ERR_OPTION without a message", NULL},
    {"inputs returns 999", INPUTS_UNKNOWN_999, AT_PREPARE, MLODA_ERR_PLUGIN,
     "inputs returned status 999", NULL},
    {"inputs adds no inputs", INPUTS_NONE, AT_PREPARE, MLODA_ERR_PLUGIN,
     "listed no inputs for feature 'x__bad'", "no rows"},
    {"inputs adds an empty name, ignores the error", INPUTS_EMPTY_NAME_IGNORED, AT_PREPARE,
     MLODA_ERR_PLUGIN, "an input with an empty name", NULL},
    {"inputs adds an empty name, returns the error", INPUTS_EMPTY_NAME_RETURNED, AT_PREPARE,
     MLODA_ERR_PLUGIN, "an input with an empty name", NULL},
    {"inputs adds a NULL name", INPUTS_NULL_NAME_IGNORED, AT_PREPARE, MLODA_ERR_PLUGIN,
     "an input with an empty name", NULL},
    {"bind declares no output", BIND_NO_OUTPUT, AT_PREPARE, MLODA_ERR_PLUGIN,
     "declared no output for feature 'x__bad'", NULL},
    {"bind declares twice, ignores the error", BIND_TWICE_IGNORED, AT_PREPARE,
     MLODA_ERR_PLUGIN, "declared the output of feature 'x__bad' twice", NULL},
    {"bind declares twice, returns the error", BIND_TWICE_RETURNED, AT_PREPARE,
     MLODA_ERR_PLUGIN, "declared the output of feature 'x__bad' twice", NULL},
    {"bind declares type 99", BIND_BAD_TYPE_IGNORED, AT_PREPARE, MLODA_ERR_PLUGIN,
     "declared output type 99", "not a column type"},
    {"bind fails without a message", BIND_FAIL_SILENT, AT_PREPARE, MLODA_ERR_TYPE,
     "bind returned MLODA_ERR_TYPE without a message", NULL},
    {"bind returns 999", BIND_UNKNOWN_999, AT_PREPARE, MLODA_ERR_PLUGIN,
     "bind returned status 999", NULL},
    {"bind returns -3", BIND_UNKNOWN_NEG, AT_PREPARE, MLODA_ERR_PLUGIN,
     "bind returned status -3", NULL},
    {"bind declares no columns", BIND_COLUMNS_NONE, AT_PREPARE, MLODA_ERR_PLUGIN,
     "declared 0 columns for feature 'x__bad'", NULL},
    {"bind declares a column twice", BIND_COLUMNS_REPEATED, AT_PREPARE, MLODA_ERR_PLUGIN,
     "declared column ~a of feature 'x__bad' twice", NULL},
    {"bind declares a NULL suffix", BIND_COLUMNS_NULL_SUFFIX, AT_PREPARE, MLODA_ERR_PLUGIN,
     "declared a NULL suffix for column 1 of feature 'x__bad'", NULL},
    {"bind declares a list of size 0", BIND_LIST_SIZE_0, AT_PREPARE, MLODA_ERR_PLUGIN,
     "declared output type 6 (list size 0)", "not a column type"},
    {"bind asks out of range and for missing sources", BIND_PROBE_ARGUMENTS, AT_RUN,
     MLODA_OK, NULL, NULL},
    {"calculate sets no output", CALC_NO_OUTPUT, AT_RUN, MLODA_ERR_PLUGIN,
     "calculate returned MLODA_OK without setting the output of feature 'x__bad'", NULL},
    {"set_output twice, ignored", CALC_SET_TWICE_IGNORED, AT_RUN, MLODA_ERR_PLUGIN,
     "output of feature 'x__bad' was set twice", NULL},
    {"set_output twice, returned", CALC_SET_TWICE_RETURNED, AT_RUN, MLODA_ERR_PLUGIN,
     "output of feature 'x__bad' was set twice", NULL},
    {"add_output on a single column, ignored", CALC_ADD_ON_SINGLE_IGNORED, AT_RUN,
     MLODA_ERR_PLUGIN, "mloda_calc_add_output: feature 'x__bad' declared one column", NULL},
    {"add_output on a single column, returned", CALC_ADD_ON_SINGLE_RETURNED, AT_RUN,
     MLODA_ERR_PLUGIN, "mloda_calc_add_output: feature 'x__bad' declared one column", NULL},
    {"output of the wrong type", CALC_WRONG_TYPE, AT_RUN, MLODA_ERR_PLUGIN,
     "output of feature 'x__bad' is int64 but float64 was declared", NULL},
    {"output of the wrong length", CALC_WRONG_LENGTH, AT_RUN, MLODA_ERR_PLUGIN,
     "output of feature 'x__bad' has 4 rows, the step has 3", NULL},
    {"NULL output", CALC_NULL_OUTPUT, AT_RUN, MLODA_ERR_PLUGIN,
     "output column of feature 'x__bad' is NULL", NULL},
    {"set_output index 1", CALC_SET_INDEX_1, AT_RUN, MLODA_ERR_PLUGIN,
     "mloda_calc_set_output: feature index 1 is out of range", "has 1 feature(s)"},
    {"set_output index -1", CALC_SET_INDEX_NEG, AT_RUN, MLODA_ERR_PLUGIN,
     "mloda_calc_set_output: feature index -1 is out of range", NULL},
    {"add_output index 1", CALC_ADD_INDEX_1, AT_RUN, MLODA_ERR_PLUGIN,
     "mloda_calc_add_output: feature index 1 is out of range", NULL},
    {"input index -1", CALC_INPUT_INDEX_NEG, AT_RUN, MLODA_ERR_PLUGIN,
     "mloda_calc_input: feature index -1 is out of range", NULL},
    {"input_n_columns index 1", CALC_INPUT_N_COLUMNS_INDEX_1, AT_RUN, MLODA_ERR_PLUGIN,
     "mloda_calc_input_n_columns: feature index 1", NULL},
    {"input_suffix index 1", CALC_INPUT_SUFFIX_INDEX_1, AT_RUN, MLODA_ERR_PLUGIN,
     "mloda_calc_input_suffix: feature index 1", NULL},
    {"state index 5", CALC_STATE_INDEX_5, AT_RUN, MLODA_ERR_PLUGIN,
     "mloda_calc_state: feature index 5 is out of range", NULL},
    {"feature index 1", CALC_FEATURE_INDEX_1, AT_RUN, MLODA_ERR_PLUGIN,
     "mloda_calc_feature: feature index 1", NULL},
    {"n_inputs index -1", CALC_N_INPUTS_INDEX_NEG, AT_RUN, MLODA_ERR_PLUGIN,
     "mloda_calc_n_inputs: feature index -1", NULL},
    {"output_type index 1", CALC_OUTPUT_TYPE_INDEX_1, AT_RUN, MLODA_ERR_PLUGIN,
     "mloda_calc_output_type: feature index 1", NULL},
    {"source_column index 1", CALC_SOURCE_COLUMN_INDEX_1, AT_RUN, MLODA_ERR_PLUGIN,
     "mloda_calc_source_column: feature index 1", NULL},
    {"calculate fails without a message", CALC_FAIL_SILENT, AT_RUN, MLODA_ERR_COMPUTE,
     "calculate returned MLODA_ERR_COMPUTE without a message", NULL},
    {"calculate returns 999", CALC_UNKNOWN_999, AT_RUN, MLODA_ERR_PLUGIN,
     "calculate returned status 999", "not an MLODA_* status code"},
    {"calculate returns -3", CALC_UNKNOWN_NEG, AT_RUN, MLODA_ERR_PLUGIN,
     "calculate returned status -3", NULL},
    {"calculate returns 999 after a message", CALC_UNKNOWN_WITH_MESSAGE, AT_RUN,
     MLODA_ERR_PLUGIN, "calculate returned status 999",
     "its message: the plugin's own words"},
    {"calculate records status 77", CALC_RECORDED_UNKNOWN, AT_RUN, MLODA_ERR_PLUGIN,
     "calculate recorded status 77", NULL},
    {"calculate succeeds after recording an error", CALC_STALE_ERROR_THEN_OK, AT_RUN,
     MLODA_OK, NULL, NULL},
    {"calculate adds other columns than declared", CALC_OTHER_COLUMNS, AT_RUN,
     MLODA_ERR_PLUGIN, "feature 'x__bad' declared 2 columns at bind but calculate added 2 or "
                       "others", NULL},
};

/* ---------------------------------------------------------------- the group */

static bool is_bad(const mloda_feature *f)
{
    const char *sfx = mloda_feature_chain_suffix(f);
    return sfx != NULL && strcmp(sfx, "bad") == 0;
}

static void free_int(void *ud, void *parsed)
{
    (void)ud;
    free(parsed);
}

static mloda_status mb_match(void *ud, const mloda_feature *f, bool *out, void **out_parsed,
                             mloda_error *why)
{
    const bad_case *c = ud;
    (void)why;
    const char *sfx = mloda_feature_chain_suffix(f);
    *out = sfx != NULL && (strcmp(sfx, "bad") == 0 || strcmp(sfx, "good") == 0);
    if (!*out)
        return MLODA_OK;
    int *parsed = malloc(sizeof *parsed); /* freed by the engine, also when match fails */
    if (parsed != NULL)
        *parsed = 7;
    *out_parsed = parsed;
    if (!is_bad(f))
        return MLODA_OK;
    switch (c->mode) {
    case MATCH_FAIL_SILENT:
        return MLODA_ERR_COMPUTE;
    case MATCH_UNKNOWN_999:
        return (mloda_status)999;
    case MATCH_UNKNOWN_NEG:
        return (mloda_status)-3;
    default:
        return MLODA_OK;
    }
}

static mloda_status mb_inputs(void *ud, const mloda_feature *f, mloda_inputs *in,
                              mloda_error *err)
{
    const bad_case *c = ud;
    mloda_status st = MLODA_OK;
    if (is_bad(f)) {
        switch (c->mode) {
        case INPUTS_FAIL_SILENT:
            return MLODA_ERR_OPTION;
        case INPUTS_UNKNOWN_999:
            return (mloda_status)999;
        case INPUTS_NONE:
            return MLODA_OK;
        case INPUTS_EMPTY_NAME_IGNORED:
            (void)mloda_inputs_add(in, "", NULL, err);
            break;
        case INPUTS_EMPTY_NAME_RETURNED:
            st = mloda_inputs_add(in, "", NULL, err);
            CHECK_EQ_INT(st, MLODA_ERR_PLUGIN);
            return st;
        case INPUTS_NULL_NAME_IGNORED:
            (void)mloda_inputs_add(in, NULL, NULL, err);
            break;
        default:
            break;
        }
    }
    return mloda_inputs_add_chain(in, f, 1, 1, err);
}

static void free_state(void *state)
{
    free(state);
}

/* Queries with indexes out of range give their documented sentinels, and a source that
 * does not exist or a column it lacks is an error of the call only (the plugin may go on). */
static void probe_bind(mloda_bind *ctx)
{
    CHECK_EQ_INT(mloda_bind_n_inputs(ctx), 1);
    for (int64_t j = -1; j <= 1; j += 2) {
        TEST_CASE("input %lld", (long long)j);
        CHECK(mloda_bind_input_name(ctx, j) == NULL);
        CHECK_EQ_INT(mloda_bind_input_n_columns(ctx, j), -1);
        CHECK(mloda_bind_input_suffix(ctx, j, 0) == NULL);
        CHECK(!mloda_bind_input_is_multi(ctx, j));
    }
    CHECK_STR(mloda_bind_input_suffix(ctx, 0, 0), ""); /* a one-column input */
    CHECK(mloda_bind_input_suffix(ctx, 0, 1) == NULL);
    CHECK_EQ_INT(mloda_bind_input_n_columns(ctx, 0), 1);
    CHECK_EQ_INT(mloda_bind_limit(ctx, (mloda_limit)-1), -1);
    CHECK_EQ_INT(mloda_bind_limit(ctx, (mloda_limit)(MLODA_LIMIT_HORIZON + 1)), -1);
    mloda_error e = MLODA_ERROR_INIT;
    CHECK_EQ_INT(mloda_bind_use_source(ctx, 99, "x", &e), MLODA_ERR_PLUGIN);
    CHECK_CONTAINS(e.message, "data source 99 does not exist");
    CHECK_EQ_INT(mloda_bind_use_source(ctx, -1, "x", &e), MLODA_ERR_PLUGIN);
    CHECK_EQ_INT(mloda_bind_use_source(ctx, 0, "nope", &e), MLODA_ERR_SCHEMA);
    CHECK_CONTAINS(e.message, "has no column 'nope'");
    CHECK_EQ_INT(mloda_bind_use_source(ctx, 0, NULL, &e), MLODA_ERR_INVALID_ARG);
}

static mloda_status mb_bind(void *ud, mloda_bind *ctx, mloda_error *err)
{
    const bad_case *c = ud;
    /* state first, so that a failing bind must still have it freed */
    int *state = malloc(sizeof *state);
    if (state != NULL)
        *state = 11;
    mloda_status st = mloda_bind_set_state(ctx, state, free_state, err);
    if (st != MLODA_OK)
        return st;
    if (is_bad(mloda_bind_feature(ctx))) {
        switch (c->mode) {
        case BIND_NO_OUTPUT:
            return MLODA_OK;
        case BIND_TWICE_IGNORED:
            (void)mloda_bind_output(ctx, MLODA_TYPE_FLOAT64, 0, MLODA_TIME_SECOND, err);
            (void)mloda_bind_output(ctx, MLODA_TYPE_FLOAT64, 0, MLODA_TIME_SECOND, err);
            return MLODA_OK;
        case BIND_TWICE_RETURNED:
            (void)mloda_bind_output(ctx, MLODA_TYPE_FLOAT64, 0, MLODA_TIME_SECOND, err);
            return mloda_bind_output(ctx, MLODA_TYPE_FLOAT64, 0, MLODA_TIME_SECOND, err);
        case BIND_BAD_TYPE_IGNORED:
            (void)mloda_bind_output(ctx, (mloda_type)99, 0, MLODA_TIME_SECOND, err);
            return mloda_bind_output(ctx, MLODA_TYPE_FLOAT64, 0, MLODA_TIME_SECOND, err);
        case BIND_FAIL_SILENT:
            return MLODA_ERR_TYPE;
        case BIND_UNKNOWN_999:
            return (mloda_status)999;
        case BIND_UNKNOWN_NEG:
            return (mloda_status)-3;
        case BIND_COLUMNS_NONE:
            return mloda_bind_output_columns(ctx, MLODA_TYPE_FLOAT64, 0, MLODA_TIME_SECOND, 0,
                                             NULL, err);
        case BIND_COLUMNS_REPEATED: {
            const char *sfx[2] = {"a", "a"};
            return mloda_bind_output_columns(ctx, MLODA_TYPE_FLOAT64, 0, MLODA_TIME_SECOND, 2,
                                             sfx, err);
        }
        case BIND_COLUMNS_NULL_SUFFIX: {
            const char *sfx[2] = {"a", NULL};
            return mloda_bind_output_columns(ctx, MLODA_TYPE_FLOAT64, 0, MLODA_TIME_SECOND, 2,
                                             sfx, err);
        }
        case BIND_LIST_SIZE_0:
            return mloda_bind_output(ctx, MLODA_TYPE_FLOAT64_LIST, 0, MLODA_TIME_SECOND, err);
        case BIND_PROBE_ARGUMENTS:
            probe_bind(ctx);
            break;
        case CALC_OTHER_COLUMNS: {
            const char *sfx[2] = {"a", "b"};
            return mloda_bind_output_columns(ctx, MLODA_TYPE_FLOAT64, 0, MLODA_TIME_SECOND, 2,
                                             sfx, err);
        }
        default:
            break;
        }
    }
    return mloda_bind_output(ctx, MLODA_TYPE_FLOAT64, 0, MLODA_TIME_SECOND, err);
}

/* 2 * x as a new float64 column of n rows (n may differ from x's, for the length case). */
static mloda_column *doubled(const mloda_column *x, int64_t n)
{
    double v[8] = {0};
    for (int64_t r = 0; r < n && r < 8; r++)
        v[r] = 2.0 * num_at(x, r < mloda_column_n_rows(x) ? r : 0);
    mloda_column *c = NULL;
    (void)mloda_column_from_float64(n, v, NULL, &c, NULL);
    return c;
}

/* The run-time queries: columns and suffixes out of range are NULL, limits out of range
 * -1, a computed feature has no source column. */
static void probe_calc(mloda_calc *calc)
{
    CHECK(mloda_calc_input(calc, 0, 0, 1) == NULL);
    CHECK(mloda_calc_input(calc, 0, 0, -1) == NULL);
    CHECK_STR(mloda_calc_input_suffix(calc, 0, 0, 0), "");
    CHECK(mloda_calc_input_suffix(calc, 0, 0, 1) == NULL);
    CHECK_STR(mloda_calc_input_name(calc, 0, 0), "x");
    CHECK_EQ_INT(mloda_calc_input_n_columns(calc, 0, 0), 1);
    CHECK(mloda_calc_source_column(calc, 0) == NULL);
    CHECK_EQ_INT(mloda_calc_limit(calc, (mloda_limit)-1), -1);
    CHECK_EQ_INT(mloda_calc_limit(calc, (mloda_limit)(MLODA_LIMIT_HORIZON + 1)), -1);
    CHECK_EQ_INT(mloda_calc_limit(calc, MLODA_LIMIT_HORIZON), 10000000);
    CHECK(!mloda_calc_is_cancelled(calc));
    CHECK_EQ_INT(mloda_calc_output_type(calc, 0), MLODA_TYPE_FLOAT64);
}

static mloda_status mb_calculate(void *ud, mloda_calc *calc, mloda_error *err)
{
    const bad_case *c = ud;
    CHECK_EQ_INT(mloda_calc_n_features(calc), 1);
    const mloda_column *x = mloda_calc_input(calc, 0, 0, 0);
    const int *state = mloda_calc_state(calc, 0);
    CHECK(state != NULL && *state == 11);
    CHECK(*(const int *)mloda_feature_parsed(mloda_calc_feature(calc, 0)) == 7);
    const int64_t n = mloda_calc_n_rows(calc);
    const bool poison = is_bad(mloda_calc_feature(calc, 0)) && num_at(x, 0) < 0;
    mode m = poison ? c->mode : BEHAVE;
    mloda_status st = MLODA_OK;
    if (c->mode == CALC_OTHER_COLUMNS && is_bad(mloda_calc_feature(calc, 0))) {
        /* declared ~a and ~b: the good batch adds them, the poison one ~a and ~c */
        st = mloda_calc_add_output(calc, 0, "a", doubled(x, n), err);
        if (st == MLODA_OK)
            st = mloda_calc_add_output(calc, 0, poison ? "c" : "b", doubled(x, n), err);
        return st;
    }
    switch (m) {
    case BIND_PROBE_ARGUMENTS:
        probe_calc(calc);
        break;
    case CALC_NO_OUTPUT:
        return MLODA_OK;
    case CALC_SET_TWICE_IGNORED:
        (void)mloda_calc_set_output(calc, 0, doubled(x, n), err);
        (void)mloda_calc_set_output(calc, 0, doubled(x, n), err);
        return MLODA_OK;
    case CALC_SET_TWICE_RETURNED:
        (void)mloda_calc_set_output(calc, 0, doubled(x, n), err);
        return mloda_calc_set_output(calc, 0, doubled(x, n), err);
    case CALC_ADD_ON_SINGLE_IGNORED:
        (void)mloda_calc_add_output(calc, 0, "0", doubled(x, n), err);
        break; /* and then sets the output properly */
    case CALC_ADD_ON_SINGLE_RETURNED:
        return mloda_calc_add_output(calc, 0, "0", doubled(x, n), err);
    case CALC_WRONG_TYPE: {
        const int64_t iv[3] = {1, 2, 3};
        mloda_column *ic = NULL;
        (void)mloda_column_from_int64(n < 3 ? n : 3, iv, NULL, &ic, NULL);
        return mloda_calc_set_output(calc, 0, ic, err);
    }
    case CALC_WRONG_LENGTH:
        return mloda_calc_set_output(calc, 0, doubled(x, n + 1), err);
    case CALC_NULL_OUTPUT:
        return mloda_calc_set_output(calc, 0, NULL, err);
    case CALC_SET_INDEX_1:
        (void)mloda_calc_set_output(calc, 1, doubled(x, n), err);
        break;
    case CALC_SET_INDEX_NEG:
        return mloda_calc_set_output(calc, -1, doubled(x, n), err);
    case CALC_ADD_INDEX_1:
        (void)mloda_calc_add_output(calc, 1, "0", doubled(x, n), err);
        break;
    case CALC_INPUT_INDEX_NEG:
        CHECK(mloda_calc_input(calc, -1, 0, 0) == NULL);
        break;
    case CALC_INPUT_N_COLUMNS_INDEX_1:
        CHECK_EQ_INT(mloda_calc_input_n_columns(calc, 1, 0), 0);
        break;
    case CALC_INPUT_SUFFIX_INDEX_1:
        CHECK(mloda_calc_input_suffix(calc, 1, 0, 0) == NULL);
        break;
    case CALC_STATE_INDEX_5:
        CHECK(mloda_calc_state(calc, 5) == NULL);
        break;
    case CALC_FEATURE_INDEX_1:
        CHECK(mloda_calc_feature(calc, 1) == NULL);
        break;
    case CALC_N_INPUTS_INDEX_NEG:
        CHECK_EQ_INT(mloda_calc_n_inputs(calc, -1), 0);
        break;
    case CALC_OUTPUT_TYPE_INDEX_1:
        CHECK_EQ_INT(mloda_calc_output_type(calc, 1), MLODA_TYPE_INVALID);
        break;
    case CALC_SOURCE_COLUMN_INDEX_1:
        CHECK(mloda_calc_source_column(calc, 1) == NULL);
        break;
    case CALC_FAIL_SILENT:
        return MLODA_ERR_COMPUTE;
    case CALC_UNKNOWN_999:
        return (mloda_status)999;
    case CALC_UNKNOWN_NEG:
        return (mloda_status)-3;
    case CALC_UNKNOWN_WITH_MESSAGE:
        (void)mloda_error_set(err, MLODA_ERR_COMPUTE, "x__bad", "the plugin's own words");
        return (mloda_status)999;
    case CALC_RECORDED_UNKNOWN:
        (void)mloda_error_set(err, (mloda_status)77, "x__bad", "an odd code");
        return MLODA_ERR_COMPUTE;
    case CALC_STALE_ERROR_THEN_OK:
        (void)mloda_error_set(err, MLODA_ERR_COMPUTE, "x__bad", "recovered from this");
        break;
    default:
        break;
    }
    st = mloda_calc_set_output(calc, 0, doubled(x, n), err);
    if (m == CALC_STALE_ERROR_THEN_OK)
        CHECK_EQ_INT(err->code, MLODA_OK); /* set_output overwrote err at entry */
    return st;
}

static mloda_feature_group misbehave_group(const bad_case *c)
{
    mloda_feature_group g = {
        .struct_size = sizeof(mloda_feature_group),
        .abi_version = MLODA_FEATURE_GROUP_ABI,
        .name = "Misbehave",
        .match = mb_match,
        .inputs = mb_inputs,
        .bind = mb_bind,
        .calculate = mb_calculate,
        .parsed_free = free_int,
        .user_data = (void *)(uintptr_t)c,
    };
    return g;
}

/* ---------------------------------------------------------------- helpers */

static mloda_api_data *batch(double x0)
{
    const double x[] = {x0, 2.0, 3.0};
    return api_one_f64("T", "x", x, 3);
}

/* A good batch on session s computes `feature` = 2 * x. */
static void check_good_batch(const mloda_session *s, const char *feature)
{
    mloda_api_data *good = batch(1.0);
    mloda_results *res = NULL;
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_OK(mloda_session_run(s, good, &res, &err), err);
    const mloda_column *c = result_column(res, feature);
    char first[64]; /* a multi-column feature (CALC_OTHER_COLUMNS): its column ~a */
    snprintf(first, sizeof first, "%s~a", feature);
    if (c == NULL)
        c = result_column(res, first);
    CHECK(c != NULL);
    CHECK_CLOSE(num_at(c, 0), 2.0);
    CHECK_CLOSE(num_at(c, 2), 6.0);
    mloda_results_free(res);
    mloda_api_data_free(good);
}

static void check_error(mloda_status got, const mloda_error *err, const bad_case *c)
{
    CHECK_MSG(got == c->st, "status %s, want %s (%s)", mloda_status_name(got),
              mloda_status_name(c->st), err->message);
    CHECK_EQ_INT(err->code, got);
    if (c->st == MLODA_OK) {
        CHECK_STR(err->message, "");
        return;
    }
    CHECK_STR(err->subject, "x__bad");
    CHECK_CONTAINS(err->message, "Misbehave");
    CHECK_CONTAINS(err->message, c->msg);
    if (c->msg2 != NULL)
        CHECK_CONTAINS(err->message, c->msg2);
}

/* Runs the poison batch on s as a stream: the failure comes from mloda_stream_next. */
static void check_stream(const mloda_session *s, const bad_case *c)
{
    mloda_api_data *poison = batch(-1.0);
    mloda_stream *stream = NULL;
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_OK(mloda_session_stream_run(s, poison, &stream, &err), err);
    mloda_api_data_free(poison); /* the stream keeps what it needs */
    mloda_status got = MLODA_OK;
    for (;;) {
        mloda_table *t = NULL;
        got = mloda_stream_next(stream, &t, &err);
        if (got != MLODA_OK || t == NULL) {
            mloda_table_release(t);
            break;
        }
        mloda_table_release(t);
    }
    check_error(got, &err, c);
    mloda_stream_free(stream);
}

/* ---------------------------------------------------------------- the test */

static void run_case(const bad_case *c)
{
    mloda_registry *reg = mloda_registry_default();
    mloda_error err = MLODA_ERROR_INIT;
    mloda_feature_group g = misbehave_group(c);
    CHECK_OK(mloda_registry_add(reg, &g, &err), err);
    mloda_api_data *example = batch(1.0);
    const char *good_name = "x__good", *bad_name = "x__bad";
    mloda_request *good_req = request_of(&good_name, 1);
    mloda_request *bad_req = request_of(&bad_name, 1);
    mloda_session *good = NULL, *bad = NULL;
    CHECK_OK(mloda_prepare(reg, good_req, example, &good, &err), err);

    if (c->phase == AT_PREPARE) {
        mloda_status st = mloda_prepare(reg, bad_req, example, &bad, &err);
        CHECK(bad == NULL);
        check_error(st, &err, c);
        /* the same failure through the one-shot call, with no error object at all */
        mloda_results *res = NULL;
        CHECK_EQ_INT(mloda_run_all(reg, bad_req, example, &res, NULL), c->st);
        CHECK(res == NULL);
        check_good_batch(good, "x__good");
    } else {
        CHECK_OK(mloda_prepare(reg, bad_req, example, &bad, &err), err);
        mloda_api_data *poison = batch(-1.0);
        mloda_results *res = NULL;
        mloda_status st = mloda_session_run(bad, poison, &res, &err);
        check_error(st, &err, c);
        CHECK((st == MLODA_OK) == (res != NULL));
        mloda_results_free(res);
        mloda_api_data_free(poison);
        check_stream(bad, c);
        check_good_batch(bad, "x__bad");
        check_good_batch(bad, "x__bad");
    }
    mloda_session_free(bad);
    mloda_session_free(good);
    mloda_request_free(bad_req);
    mloda_request_free(good_req);
    mloda_api_data_free(example);
    mloda_registry_free(reg);
}

static void test_misbehaving_plugins(void)
{
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        TEST_CASE("%s", cases[k].label);
        run_case(&cases[k]);
    }
}

/* Several threads run poison and good batches on one session at once: each poison batch
 * fails with the plugin error, each good one succeeds (TSan checks the misuse slot). */
static void test_misuse_is_per_run(void)
{
    const bad_case *c = NULL;
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++)
        if (cases[k].mode == CALC_SET_TWICE_IGNORED)
            c = &cases[k];
    mloda_registry *reg = mloda_registry_default();
    mloda_error err = MLODA_ERROR_INIT;
    mloda_feature_group g = misbehave_group(c);
    CHECK_OK(mloda_registry_add(reg, &g, &err), err);
    const char *names[] = {"x__bad", "x__sum_aggr"};
    mloda_request *req = request_of(names, 2);
    (void)mloda_request_set_inline_rows(req, 0, NULL); /* use the pool even for 3 rows */
    mloda_api_data *poison = batch(-1.0);
    mloda_session *s = NULL;
    CHECK_OK(mloda_prepare(reg, req, poison, &s, &err), err);
    for (int k = 0; k < 20; k++) {
        TEST_CASE("round %d", k);
        mloda_results *res = NULL;
        mloda_error_reset(&err);
        CHECK_EQ_INT(mloda_session_run(s, poison, &res, &err), MLODA_ERR_PLUGIN);
        CHECK_CONTAINS(err.message, "set twice");
        mloda_results_free(res);
        check_good_batch(s, "x__bad");
    }
    mloda_session_free(s);
    mloda_api_data_free(poison);
    mloda_request_free(req);
    mloda_registry_free(reg);
}

/* An empty input name that comes from the user (in_features "") is the user's option
 * error, not the plugin's. */
static void test_empty_in_features_is_the_users(void)
{
    mloda_registry *reg = mloda_registry_default();
    mloda_api_data *api = batch(1.0);
    mloda_options *o = mloda_options_new();
    (void)mloda_options_set_string(o, MLODA_CONTEXT, "aggregation_type", "sum", NULL);
    (void)mloda_options_set_string(o, MLODA_CONTEXT, "in_features", "", NULL);
    mloda_request *req = mloda_request_new();
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_OK(mloda_request_add(req, "total", o, &err), err);
    mloda_session *s = NULL;
    CHECK_EQ_INT(mloda_prepare(reg, req, api, &s, &err), MLODA_ERR_OPTION);
    CHECK_EQ_INT(err.code, MLODA_ERR_OPTION);
    CHECK_STR(err.subject, "total");
    CHECK_CONTAINS(err.message, "in_features is empty");
    CHECK(s == NULL);
    mloda_request_free(req);
    mloda_options_free(o);
    mloda_api_data_free(api);
    mloda_registry_free(reg);
}

/* Every bind call with a NULL context: a sentinel or MLODA_ERR_INVALID_ARG, and a state
 * handed over is freed. */
static void test_bind_null_context(void)
{
    mloda_error e = MLODA_ERROR_INIT;
    CHECK(mloda_bind_feature(NULL) == NULL);
    CHECK_EQ_INT(mloda_bind_n_inputs(NULL), 0);
    CHECK_EQ_INT(mloda_bind_limit(NULL, MLODA_LIMIT_OUTPUT_CELLS), -1);
    CHECK_EQ_INT(mloda_bind_input_n_columns(NULL, 0), -1);
    CHECK(mloda_bind_input_suffix(NULL, 0, 0) == NULL);
    CHECK_EQ_INT(mloda_bind_output(NULL, MLODA_TYPE_FLOAT64, 0, MLODA_TIME_SECOND, &e),
                 MLODA_ERR_INVALID_ARG);
    const char *sfx[1] = {"a"};
    CHECK_EQ_INT(mloda_bind_output_columns(NULL, MLODA_TYPE_FLOAT64, 0, MLODA_TIME_SECOND, 1, sfx,
                                           &e),
                 MLODA_ERR_INVALID_ARG);
    CHECK_EQ_INT(mloda_bind_use_source(NULL, 0, "x", &e), MLODA_ERR_INVALID_ARG);
    CHECK_EQ_INT(mloda_bind_rows_change(NULL, &e), MLODA_ERR_INVALID_ARG);
    int *state = malloc(sizeof *state);
    CHECK_EQ_INT(mloda_bind_set_state(NULL, state, free, &e), MLODA_ERR_INVALID_ARG);
    /* and the run-time calls */
    CHECK_EQ_INT(mloda_calc_n_features(NULL), 0);
    CHECK_EQ_INT(mloda_calc_limit(NULL, MLODA_LIMIT_HORIZON), -1);
    CHECK(mloda_calc_input(NULL, 0, 0, 0) == NULL);
    CHECK(mloda_calc_input_suffix(NULL, 0, 0, 0) == NULL);
    CHECK(mloda_calc_source_column(NULL, 0) == NULL);
}

int main(void)
{
    RUN(test_misbehaving_plugins);
    RUN(test_misuse_is_per_run);
    RUN(test_empty_in_features_is_the_users);
    RUN(test_bind_null_context);
    return TEST_SUMMARY();
}
