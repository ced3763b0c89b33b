/*
 * user_groups.h: feature groups defined the way a user would (public plugin API only),
 * for tests of the registry, resolver and executor:
 *   {in}__checked      copy of a float64 column; fails (MLODA_ERR_COMPUTE) on a negative value
 *   {in}__slow         copy after sleeping (user_data: milliseconds), cancellable
 *   loop_a / loop_b    depend on each other (a cycle)
 *   {in}__sum_aggr     a second group claiming aggregation names (ambiguity)
 */
#ifndef MLODA_TEST_USER_GROUPS_H
#define MLODA_TEST_USER_GROUPS_H

#include <string.h>
#include <time.h>

#include "mloda/mloda.h"

static mloda_status ug_suffix_match(const mloda_feature *f, const char *suffix, bool *out)
{
    const char *s = mloda_feature_chain_suffix(f);
    *out = s != NULL && strcmp(s, suffix) == 0;
    return MLODA_OK;
}

static mloda_status ug_match_checked(void *ud, const mloda_feature *f, bool *out, void **parsed,
                          mloda_error *why)
{
    (void)parsed;
    (void)ud;
    (void)why;
    return ug_suffix_match(f, "checked", out);
}

static mloda_status ug_match_slow(void *ud, const mloda_feature *f, bool *out, void **parsed,
                          mloda_error *why)
{
    (void)parsed;
    (void)ud;
    (void)why;
    return ug_suffix_match(f, "slow", out);
}

static mloda_status ug_inputs_chain(void *ud, const mloda_feature *f, mloda_inputs *in,
                                    mloda_error *err)
{
    (void)ud;
    return mloda_inputs_add_chain(in, f, 1, 1, err);
}

static mloda_status ug_copy_all(mloda_calc *calc, bool fail_negative, mloda_error *err)
{
    for (int64_t i = 0; i < mloda_calc_n_features(calc); i++) {
        const mloda_column *in = mloda_calc_input(calc, i, 0, 0);
        const double *x = mloda_column_float64(in);
        int64_t n = mloda_column_n_rows(in);
        const char *name = mloda_feature_name(mloda_calc_feature(calc, i));
        for (int64_t r = 0; fail_negative && r < n; r++) {
            if (x[r] < 0)
                return mloda_error_set_at(err, MLODA_ERR_COMPUTE, name, r,
                                          "negative value %g at row %lld", x[r], (long long)r);
        }
        mloda_status st = mloda_calc_set_output(calc, i, mloda_column_retain(in), err);
        if (st != MLODA_OK)
            return st;
    }
    return MLODA_OK;
}

static mloda_status ug_calc_checked(void *ud, mloda_calc *calc, mloda_error *err)
{
    (void)ud;
    return ug_copy_all(calc, true, err);
}

static mloda_status ug_calc_slow(void *ud, mloda_calc *calc, mloda_error *err)
{
    long ms = (long)(intptr_t)ud;
    for (long k = 0; k < ms && !mloda_calc_is_cancelled(calc); k++) {
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
    }
    return ug_copy_all(calc, false, err);
}

static const mloda_feature_group ug_checked = {
    .struct_size = sizeof(mloda_feature_group),
    .abi_version = MLODA_FEATURE_GROUP_ABI,
    .name = "CheckedCopy",
    .description = "copy; fails on negative values",
    .match = ug_match_checked,
    .inputs = ug_inputs_chain,
    .calculate = ug_calc_checked,
};

static mloda_feature_group ug_slow_group(long ms)
{
    mloda_feature_group g = {
        .struct_size = sizeof(mloda_feature_group),
        .abi_version = MLODA_FEATURE_GROUP_ABI,
        .name = "SlowCopy",
        .description = "copy after a pause",
        .match = ug_match_slow,
        .inputs = ug_inputs_chain,
        .calculate = ug_calc_slow,
        .user_data = (void *)(intptr_t)ms,
    };
    return g;
}

static mloda_status ug_match_loop(void *ud, const mloda_feature *f, bool *out, void **parsed,
                          mloda_error *why)
{
    (void)parsed;
    (void)ud;
    (void)why;
    const char *n = mloda_feature_name(f);
    *out = strcmp(n, "loop_a") == 0 || strcmp(n, "loop_b") == 0 || strcmp(n, "loop_c") == 0;
    return MLODA_OK;
}

static mloda_status ug_inputs_loop(void *ud, const mloda_feature *f, mloda_inputs *in,
                                   mloda_error *err)
{
    (void)ud;
    const char *n = mloda_feature_name(f);
    const char *next = strcmp(n, "loop_a") == 0 ? "loop_b" : strcmp(n, "loop_b") == 0 ? "loop_c"
                                                                                       : "loop_a";
    return mloda_inputs_add(in, next, NULL, err);
}

static const mloda_feature_group ug_loop = {
    .struct_size = sizeof(mloda_feature_group),
    .abi_version = MLODA_FEATURE_GROUP_ABI,
    .name = "Loop",
    .match = ug_match_loop,
    .inputs = ug_inputs_loop,
    .calculate = ug_calc_checked,
};

static mloda_status ug_match_rival(void *ud, const mloda_feature *f, bool *out, void **parsed,
                          mloda_error *why)
{
    (void)parsed;
    (void)ud;
    (void)why;
    return ug_suffix_match(f, "sum_aggr", out);
}

static const mloda_feature_group ug_rival = {
    .struct_size = sizeof(mloda_feature_group),
    .abi_version = MLODA_FEATURE_GROUP_ABI,
    .name = "RivalSum",
    .match = ug_match_rival,
    .inputs = ug_inputs_chain,
    .calculate = ug_calc_checked,
};

#endif /* MLODA_TEST_USER_GROUPS_H */
