/*
 * test_time_window.c: the time-window family against SPEC.md §6.3's worked example and
 * the values mloda computed (conformance cases 026–033, 047, 050, 053), plus nulls, NaN,
 * all-null, one row, zero rows, ties, negatives, large magnitudes, integer/bool inputs,
 * timestamp units, a brute-force cross-check on random data, the option form, chains and
 * errors.
 */
#include <float.h>

#include "support.h"
#include "time_window_case033.h"
#include "util/alloc.h"

static mloda_registry *reg;

/* ---------------------------------------------------------------- helpers */

static int64_t days_from_civil(int64_t y, int64_t m, int64_t d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* "YYYY-MM-DDTHH:MM:SS" (UTC, no zone) -> microseconds since the epoch. */
static int64_t iso_us(const char *s)
{
    int y = 0, mo = 0, d = 0, h = 0, mi = 0, se = 0;
    if (sscanf(s, "%d-%d-%dT%d:%d:%d", &y, &mo, &d, &h, &mi, &se) < 3)
        fprintf(stderr, "bad time %s\n", s);
    int64_t days = days_from_civil(y, mo, d);
    return ((days * 86400) + h * 3600 + mi * 60 + se) * 1000000;
}

static mloda_column *col_ts(const char *const *iso, int64_t n, mloda_time_unit unit)
{
    int64_t *t = malloc((size_t)(n > 0 ? n : 1) * sizeof *t);
    uint8_t *valid = malloc((size_t)(n > 0 ? n : 1));
    int64_t div = unit == MLODA_TIME_SECOND ? 1000000 : unit == MLODA_TIME_MILLI ? 1000 : 1;
    for (int64_t i = 0; i < n; i++) {
        valid[i] = iso[i] != NULL;
        t[i] = iso[i] == NULL ? 0 : iso_us(iso[i]) / div * (unit == MLODA_TIME_NANO ? 1000 : 1);
    }
    mloda_column *c = NULL;
    mloda_error err = MLODA_ERROR_INIT;
    if (mloda_column_from_timestamp(unit, n, t, valid, &c, &err) != MLODA_OK)
        fprintf(stderr, "col_ts: %s\n", err.message);
    free(t);
    free(valid);
    return c;
}

/* Table T with a float64 value column (null where valid[i] == 0; valid NULL: no nulls) and
 * a timestamp column. */
static mloda_api_data *api_tw(const char *vname, const double *v, const uint8_t *valid,
                              const char *tname, const char *const *ts, int64_t n)
{
    mloda_api_data *api = mloda_api_data_new();
    const char *names[] = {vname, tname};
    mloda_column *cols[] = {col_f64_valid(v, valid, n), col_ts(ts, n, MLODA_TIME_MICRO)};
    api_add(api, "T", 2, names, cols);
    return api;
}

/* Checks column c against want[0..n) (NaN = null) and that nulls are nulls, not NaN. */
static void check_col(const mloda_column *c, const double *want, int64_t n)
{
    CHECK(c != NULL);
    if (c == NULL)
        return;
    CHECK_EQ_INT(mloda_column_type(c), MLODA_TYPE_FLOAT64);
    CHECK_EQ_INT(mloda_column_n_rows(c), n);
    for (int64_t i = 0; i < n && i < mloda_column_n_rows(c); i++) {
        CHECK_MSG(test_close_(num_at(c, i), want[i]), "row %lld: %.17g != %.17g", (long long)i,
                  num_at(c, i), want[i]);
        if (mloda_column_is_valid(c, i))
            CHECK(!isnan(mloda_column_float64(c)[i]));
    }
}

/* Runs one string feature and checks it. */
static void check_feature(mloda_api_data *api, const char *feature, const double *want, int64_t n)
{
    mloda_request *req = request_of(&feature, 1);
    mloda_results *res = NULL;
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_OK(mloda_run_all(reg, req, api, &res, &err), err);
    check_col(result_column(res, feature), want, n);
    mloda_results_free(res);
    mloda_request_free(req);
}

/* Runs a request and returns the status (err filled). */
static mloda_status run_status(mloda_api_data *api, const char *feature, mloda_options *o,
                               mloda_error *err)
{
    mloda_request *req = mloda_request_new();
    (void)mloda_request_add(req, feature, o, NULL);
    mloda_results *res = NULL;
    mloda_status st = mloda_run_all(reg, req, api, &res, err);
    mloda_results_free(res);
    mloda_request_free(req);
    return st;
}

static mloda_options *window_options(const char *fn, int64_t size, const char *unit,
                                     const char *in, const char *ref)
{
    mloda_options *o = mloda_options_new();
    if (fn != NULL)
        (void)mloda_options_set_string(o, MLODA_CONTEXT, "window_function", fn, NULL);
    if (size != 0)
        (void)mloda_options_set_int(o, MLODA_CONTEXT, "window_size", size, NULL);
    if (unit != NULL)
        (void)mloda_options_set_string(o, MLODA_CONTEXT, "time_unit", unit, NULL);
    if (in != NULL)
        (void)mloda_options_set_string(o, MLODA_CONTEXT, "in_features", in, NULL);
    if (ref != NULL)
        (void)mloda_options_set_string(o, MLODA_CONTEXT, "reference_time", ref, NULL);
    return o;
}

#define X NAN

/* ---------------------------------------------------------------- SPEC and conformance */

/* SPEC §6.3 worked example: times [01-03, 01-01, 01-02, 01-02, 01-06], v [10,1,2,null,5]. */
static void test_spec_worked_example(void)
{
    const char *ts[] = {"2023-01-03T00:00:00", "2023-01-01T00:00:00", "2023-01-02T00:00:00",
                        "2023-01-02T00:00:00", "2023-01-06T00:00:00"};
    const double v[] = {10, 1, 2, NULL_SLOT, 5};
    const uint8_t v_valid[] = {1, 1, 1, 0, 1};
    mloda_api_data *api = api_tw("v", v, v_valid, "reference_time", ts, 5);
    static const struct {
        const char *f;
        double want[5];
    } cases[] = {
        {"v__sum_2_day_window", {12, 1, 3, 3, 5}},
        {"v__min_2_day_window", {2, 1, 1, 1, 5}},
        {"v__max_2_day_window", {10, 1, 2, 2, 5}},
        {"v__mean_2_day_window", {6, 1, 1.5, 1.5, 5}},
        {"v__avg_2_day_window", {6, 1, 1.5, 1.5, 5}},
        {"v__count_2_day_window", {2, 1, 2, 2, 1}},
        {"v__std_2_day_window", {5.656854249492381, X, 0.7071067811865476, 0.7071067811865476, X}},
        {"v__var_2_day_window", {32, X, 0.5, 0.5, X}},
        {"v__median_2_day_window", {6, 1, 1.5, 1.5, 5}},
        {"v__first_2_day_window", {2, 1, 1, 1, 5}},
        {"v__last_2_day_window", {10, 1, 2, X, 5}},
        {"v__sum_1_week_window", {13, 1, 3, 3, 18}},
        {"v__sum_48_hour_window", {12, 1, 3, 3, 5}},
        {"v__sum_2880_minute_window", {12, 1, 3, 3, 5}},
        {"v__sum_172800_second_window", {12, 1, 3, 3, 5}},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        TEST_CASE("%s", cases[k].f);
        check_feature(api, cases[k].f, cases[k].want, 5);
    }
    /* all at once: one step, shared sort and bounds */
    mloda_request *req = mloda_request_new();
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++)
        (void)mloda_request_add(req, cases[k].f, NULL, NULL);
    mloda_results *res = NULL;
    mloda_error err = MLODA_ERROR_INIT;
    TEST_CASE("all in one request");
    CHECK_OK(mloda_run_all(reg, req, api, &res, &err), err);
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++)
        check_col(result_column(res, cases[k].f), cases[k].want, 5);
    mloda_results_free(res);
    mloda_request_free(req);
    mloda_api_data_free(api);
}

/* Conformance 027: every function, 2-day window, unsorted, a tie and a null. */
static void test_case027(void)
{
    const char *ts[] = {"2023-03-04T06:00:00", "2023-03-01T06:00:00", "2023-03-02T06:00:00",
                        "2023-03-02T06:00:00", "2023-03-07T06:00:00", "2023-03-04T06:00:00",
                        "2023-03-08T06:00:00"};
    const double v[] = {10.0, 1.0, 2.0, NULL_SLOT, 5.0, 7.5, 3.0};
    const uint8_t v_valid[] = {1, 1, 1, 0, 1, 1, 1};
    mloda_api_data *api = api_tw("load", v, v_valid, "reference_time", ts, 7);
    static const struct {
        const char *f;
        double want[7];
    } cases[] = {
        {"load__avg_2_day_window", {10.0, 1.0, 1.5, 1.5, 5.0, 8.75, 4.0}},
        {"load__count_2_day_window", {1.0, 1.0, 2.0, 2.0, 1.0, 2.0, 2.0}},
        {"load__first_2_day_window", {10.0, 1.0, 1.0, 1.0, 5.0, 10.0, 5.0}},
        {"load__last_2_day_window", {10.0, 1.0, 2.0, X, 5.0, 7.5, 3.0}},
        {"load__max_2_day_window", {10.0, 1.0, 2.0, 2.0, 5.0, 10.0, 5.0}},
        {"load__mean_2_day_window", {10.0, 1.0, 1.5, 1.5, 5.0, 8.75, 4.0}},
        {"load__median_2_day_window", {10.0, 1.0, 1.5, 1.5, 5.0, 8.75, 4.0}},
        {"load__min_2_day_window", {10.0, 1.0, 1.0, 1.0, 5.0, 7.5, 3.0}},
        {"load__std_2_day_window",
         {X, X, 0.7071067811865476, 0.7071067811865476, X, 1.7677669529663689,
          1.4142135623730951}},
        {"load__sum_2_day_window", {10.0, 1.0, 3.0, 3.0, 5.0, 17.5, 8.0}},
        {"load__var_2_day_window", {X, X, 0.5, 0.5, X, 3.125, 2.0}},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        TEST_CASE("027 %s", cases[k].f);
        check_feature(api, cases[k].f, cases[k].want, 7);
    }
    mloda_api_data_free(api);
}

/* Conformance 028–032: hours, minutes, seconds, weeks, months, years, a custom reference
 * column (option form), non-midnight times. */
static void test_cases028_032(void)
{
    {
        const char *ts[] = {"2023-05-01T00:00:00", "2023-05-01T00:10:00", "2023-05-01T00:20:00",
                            "2023-05-01T05:59:00", "2023-05-01T06:10:00", "2023-05-01T13:00:00"};
        const double v[] = {1.0, 2.0, 4.0, 8.0, 16.0, 32.0};
        mloda_api_data *api = api_tw("load", v, NULL, "reference_time", ts, 6);
        const double cnt[] = {1.0, 2.0, 2.0, 1.0, 2.0, 1.0};
        const double mx[] = {1.0, 2.0, 4.0, 8.0, 16.0, 32.0};
        const double sm[] = {1.0, 3.0, 7.0, 15.0, 28.0, 32.0};
        TEST_CASE("028 count 15 minute");
        check_feature(api, "load__count_15_minute_window", cnt, 6);
        TEST_CASE("028 max 6 hour");
        check_feature(api, "load__max_6_hour_window", mx, 6);
        TEST_CASE("028 sum 6 hour");
        check_feature(api, "load__sum_6_hour_window", sm, 6);
        mloda_api_data_free(api);
    }
    {
        const char *ts[] = {"2023-07-04T12:00:00", "2023-07-04T12:00:45", "2023-07-04T12:01:30",
                            "2023-07-04T12:01:31", "2023-07-04T12:03:00"};
        const double v[] = {1.0, 10.0, 100.0, 1000.0, 10000.0};
        mloda_api_data *api = api_tw("load", v, NULL, "reference_time", ts, 5);
        const double last[] = {1.0, 10.0, 100.0, 1000.0, 10000.0};
        const double sm[] = {1.0, 11.0, 110.0, 1110.0, 11000.0};
        TEST_CASE("029 last 90 second");
        check_feature(api, "load__last_90_second_window", last, 5);
        TEST_CASE("029 sum 90 second");
        check_feature(api, "load__sum_90_second_window", sm, 5);
        mloda_api_data_free(api);
    }
    {
        const char *ts[] = {"2023-01-01T00:00:00", "2023-01-10T00:00:00", "2023-01-20T00:00:00",
                            "2023-02-28T00:00:00", "2023-03-05T00:00:00", "2023-08-30T00:00:00",
                            "2023-12-31T23:59:00"};
        const double v[] = {3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0};
        mloda_api_data *api = api_tw("load", v, NULL, "reference_time", ts, 7);
        const double mx[] = {3.0, 3.0, 4.0, 4.0, 5.0, 9.0, 9.0};
        const double mean[] = {3.0, 2.0, 2.6666666666666665, 2.25, 2.75, 9.0, 2.0};
        const double sm[] = {3.0, 4.0, 5.0, 1.0, 6.0, 9.0, 2.0};
        TEST_CASE("030 max 1 year");
        check_feature(api, "load__max_1_year_window", mx, 7);
        TEST_CASE("030 mean 2 month");
        check_feature(api, "load__mean_2_month_window", mean, 7);
        TEST_CASE("030 sum 2 week");
        check_feature(api, "load__sum_2_week_window", sm, 7);
        mloda_api_data_free(api);
    }
    {
        const char *ts[] = {"2023-03-10T06:00:00", "2023-03-11T06:00:00", "2023-03-12T06:00:00",
                            "2023-03-14T06:00:00", "2023-03-20T06:00:00"};
        const double v[] = {4.0, 8.0, 1.0, 3.0, 6.0};
        mloda_api_data *api = api_tw("load", v, NULL, "event_ts", ts, 5);
        const double med[] = {4.0, 6.0, 4.0, 2.0, 6.0};
        mloda_options *o = window_options("median", 3, "day", "load", "event_ts");
        mloda_request *req = mloda_request_new();
        (void)mloda_request_add(req, "load_med_3d", o, NULL);
        mloda_results *res = NULL;
        mloda_error err = MLODA_ERROR_INIT;
        TEST_CASE("031 option form with event_ts");
        CHECK_OK(mloda_run_all(reg, req, api, &res, &err), err);
        check_col(result_column(res, "load_med_3d"), med, 5);
        mloda_results_free(res);
        mloda_request_free(req);
        mloda_options_free(o);
        /* the same in the string form with the reference_time option */
        o = window_options(NULL, 0, NULL, NULL, "event_ts");
        req = mloda_request_new();
        (void)mloda_request_add(req, "load__median_3_day_window", o, NULL);
        TEST_CASE("031 string form with reference_time option");
        CHECK_OK(mloda_run_all(reg, req, api, &res, &err), err);
        check_col(result_column(res, "load__median_3_day_window"), med, 5);
        mloda_results_free(res);
        mloda_request_free(req);
        mloda_options_free(o);
        mloda_api_data_free(api);
    }
    {
        const char *ts[] = {"2023-11-05T23:15:00", "2023-11-06T08:00:30", "2023-11-06T23:14:59",
                            "2023-11-07T23:15:00"};
        const double v[] = {2.0, 4.0, 8.0, 16.0};
        mloda_api_data *api = api_tw("load", v, NULL, "reference_time", ts, 4);
        const char *feats[] = {"reference_time", "load", "load__std_1_day_window"};
        mloda_request *req = request_of(feats, 3);
        mloda_results *res = NULL;
        mloda_error err = MLODA_ERROR_INIT;
        TEST_CASE("032 std 1 day with pass-through columns");
        CHECK_OK(mloda_run_all(reg, req, api, &res, &err), err);
        const double sd[] = {X, 1.4142135623730951, 3.055050463303893, X};
        check_col(result_column(res, "load__std_1_day_window"), sd, 4);
        const mloda_column *rt = result_column(res, "reference_time");
        CHECK(rt != NULL && mloda_column_type(rt) == MLODA_TYPE_TIMESTAMP);
        CHECK(rt != NULL && mloda_column_int64(rt)[1] == iso_us("2023-11-06T08:00:30"));
        mloda_results_free(res);
        mloda_request_free(req);
        mloda_api_data_free(api);
    }
}

/* Conformance 026: the windows over units ffill-imputed ([null,2,null,6,null,1] ->
 * [null,2,2,6,6,1]); the leading null stays, so count is 0 and mean null there. First over
 * the imputed values given directly, then through the imputation family. */
static void test_case026(void)
{
    const char *ts[] = {"2023-03-01T06:00:00", "2023-03-02T06:00:00", "2023-03-03T06:00:00",
                        "2023-03-05T06:00:00", "2023-03-06T06:00:00", "2023-03-09T06:00:00"};
    const double filled[] = {NULL_SLOT, 2.0, 2.0, 6.0, 6.0, 1.0};
    const uint8_t filled_valid[] = {0, 1, 1, 1, 1, 1};
    mloda_api_data *api = api_tw("units_filled", filled, filled_valid, "reference_time", ts, 6);
    const double cnt[] = {0.0, 1.0, 2.0, 2.0, 2.0, 1.0};
    const double mean[] = {X, 2.0, 2.0, 4.0, 6.0, 1.0};
    TEST_CASE("026 count");
    check_feature(api, "units_filled__count_3_day_window", cnt, 6);
    TEST_CASE("026 mean");
    check_feature(api, "units_filled__mean_3_day_window", mean, 6);
    mloda_api_data_free(api);
    /* the case itself: the imputation chained in front of the window */
    const double units[] = {NULL_SLOT, 2.0, NULL_SLOT, 6.0, NULL_SLOT, 1.0};
    const uint8_t units_valid[] = {0, 1, 0, 1, 0, 1};
    api = api_tw("units", units, units_valid, "reference_time", ts, 6);
    TEST_CASE("026 chain count");
    check_feature(api, "units__ffill_imputed__count_3_day_window", cnt, 6);
    TEST_CASE("026 chain mean");
    check_feature(api, "units__ffill_imputed__mean_3_day_window", mean, 6);
    mloda_api_data_free(api);
}

/* Conformance 033: 400 rows, random times with two ties, nulls. */
static void test_case033(void)
{
    mloda_api_data *api = api_tw("load", c033_load, c033_load_valid, "reference_time", c033_time,
                                 C033_N);
    double want[C033_N];
    for (int k = 0; k < 3; k++) {
        const double *src = k == 0 ? c033_mean_5_day : k == 1 ? c033_min_12_hour : c033_first_2_day;
        const uint8_t *valid = k == 2 ? c033_first_2_day_valid : NULL;
        for (int i = 0; i < C033_N; i++)
            want[i] = valid != NULL && !valid[i] ? NAN : src[i]; /* check_col: NaN = null */
        const char *f = k == 0   ? "load__mean_5_day_window"
                        : k == 1 ? "load__min_12_hour_window"
                                 : "load__first_2_day_window";
        TEST_CASE("033 %s", f);
        check_feature(api, f, want, C033_N);
    }
    mloda_api_data_free(api);
}

/* Conformance 047 (window part, option form with in_features as a list) and 050 (window
 * next to an aggregation of the same column). */
static void test_cases047_050(void)
{
    {
        const char *ts[] = {"2023-03-01T06:00:00", "2023-03-02T06:00:00", "2023-03-04T06:00:00"};
        const double v[] = {1.0, 2.0, 3.0};
        mloda_api_data *api = api_tw("load", v, NULL, "reference_time", ts, 3);
        mloda_options *o = window_options("sum", 36, "hour", NULL, NULL);
        const char *in = "load";
        (void)mloda_options_set_string_list(o, MLODA_CONTEXT, "in_features", 1, &in, NULL);
        mloda_request *req = mloda_request_new();
        (void)mloda_request_add(req, "load_sum_win", o, NULL);
        mloda_results *res = NULL;
        mloda_error err = MLODA_ERROR_INIT;
        TEST_CASE("047 load_sum_win");
        CHECK_OK(mloda_run_all(reg, req, api, &res, &err), err);
        const double want[] = {1.0, 3.0, 3.0};
        check_col(result_column(res, "load_sum_win"), want, 3);
        mloda_results_free(res);
        mloda_request_free(req);
        mloda_options_free(o);
        mloda_api_data_free(api);
    }
    {
        const char *ts[] = {"2023-03-03T06:00:00", "2023-03-01T06:00:00", "2023-03-02T06:00:00",
                            "2023-03-06T06:00:00"};
        const double v[] = {4.0, 1.0, 2.0, 8.0};
        mloda_api_data *api = api_tw("load", v, NULL, "reference_time", ts, 4);
        const char *feats[] = {"load__sum_3_day_window", "load__median_aggr"};
        mloda_request *req = request_of(feats, 2);
        mloda_results *res = NULL;
        mloda_error err = MLODA_ERROR_INIT;
        TEST_CASE("050 window and aggregation");
        CHECK_OK(mloda_run_all(reg, req, api, &res, &err), err);
        const double sm[] = {7.0, 1.0, 3.0, 8.0}, med[] = {3.0, 3.0, 3.0, 3.0};
        check_col(result_column(res, "load__sum_3_day_window"), sm, 4);
        check_col(result_column(res, "load__median_aggr"), med, 4);
        mloda_results_free(res);
        mloda_request_free(req);
        mloda_api_data_free(api);
    }
}

/* Conformance 053: one prepared session, three batches, each computed on its own. */
static void test_case053_stream(void)
{
    const char *ts0[] = {"2023-03-01T06:00:00"};
    const double v0[] = {1.0};
    mloda_api_data *example = api_tw("load", v0, NULL, "reference_time", ts0, 1);
    const char *feats[] = {"load__max_2_day_window", "load__count_2_day_window"};
    mloda_request *req = request_of(feats, 2);
    mloda_session *session = NULL;
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_OK(mloda_prepare(reg, req, example, &session, &err), err);
    static const uint8_t second_null[] = {1, 0};
    static const struct {
        int64_t n;
        const char *ts[4];
        double v[4], mx[4], cnt[4];
        const uint8_t *v_valid; /* NULL: no nulls */
    } batches[] = {
        {3,
         {"2023-03-03T06:00:00", "2023-03-01T06:00:00", "2023-03-02T06:00:00"},
         {5.0, 2.0, 7.0},
         {7.0, 2.0, 7.0},
         {2.0, 1.0, 2.0},
         NULL},
        {2,
         {"2023-03-10T06:00:00", "2023-03-11T06:00:00"},
         {1.0, NULL_SLOT},
         {1.0, 1.0},
         {1.0, 1.0},
         second_null},
        {4,
         {"2023-03-20T06:00:00", "2023-03-21T06:00:00", "2023-03-23T06:00:00",
          "2023-03-23T06:00:00"},
         {3.0, 9.0, 4.0, 4.0},
         {3.0, 9.0, 4.0, 4.0},
         {1.0, 2.0, 1.0, 2.0},
         NULL},
    };
    for (int b = 0; session != NULL && b < 3; b++) {
        TEST_CASE("053 batch %d", b);
        mloda_api_data *api = api_tw("load", batches[b].v, batches[b].v_valid, "reference_time",
                                     batches[b].ts, batches[b].n);
        mloda_results *res = NULL;
        mloda_error_reset(&err);
        CHECK_OK(mloda_session_run(session, api, &res, &err), err);
        check_col(result_column(res, feats[0]), batches[b].mx, batches[b].n);
        check_col(result_column(res, feats[1]), batches[b].cnt, batches[b].n);
        mloda_results_free(res);
        mloda_api_data_free(api);
    }
    mloda_session_free(session);
    mloda_request_free(req);
    mloda_api_data_free(example);
}

/* ---------------------------------------------------------------- own cases */

/* Nulls, NaN, all-null, one row, ties, negatives, large magnitudes (hand-checked). */
static void test_edges(void)
{
    static const uint8_t all_null[] = {0, 0, 0}, second_null[] = {1, 0, 1, 1},
                         third_null[] = {1, 1, 0};
    static const struct {
        const char *label, *f;
        int64_t n;
        double v[6];
        const char *ts[6];
        double want[6];
        const uint8_t *v_valid; /* NULL: no nulls */
    } cases[] = {
        {"all null sum",
         "x__sum_1_day_window",
         3,
         {NULL_SLOT, NULL_SLOT, NULL_SLOT},
         {"2023-01-01T00:00:00", "2023-01-01T01:00:00", "2023-01-01T02:00:00"},
         {X, X, X},
         all_null},
        {"all null count",
         "x__count_1_day_window",
         3,
         {NULL_SLOT, NULL_SLOT, NULL_SLOT},
         {"2023-01-01T00:00:00", "2023-01-01T01:00:00", "2023-01-01T02:00:00"},
         {0, 0, 0},
         all_null},
        {"all null first",
         "x__first_1_day_window",
         2,
         {NULL_SLOT, NULL_SLOT},
         {"2023-01-01T00:00:00", "2023-01-01T01:00:00"},
         {X, X},
         all_null},
        {"all null median",
         "x__median_1_day_window",
         2,
         {NULL_SLOT, NULL_SLOT},
         {"2023-01-01T00:00:00", "2023-01-01T01:00:00"},
         {X, X},
         all_null},
        {"one row sum", "x__sum_1_day_window", 1, {42}, {"2023-01-01T00:00:00"}, {42}, NULL},
        {"one row std", "x__std_1_day_window", 1, {42}, {"2023-01-01T00:00:00"}, {X}, NULL},
        {"one row median", "x__median_1_day_window", 1, {42}, {"2023-01-01T00:00:00"}, {42}, NULL},
        {"NaN is missing",
         "x__mean_1_day_window",
         3,
         {1, NAN, 3},
         {"2023-01-01T00:00:00", "2023-01-01T01:00:00", "2023-01-01T02:00:00"},
         {1, 1, 2}, NULL},
        {"NaN first",
         "x__first_1_day_window",
         3,
         {NAN, 2, 3},
         {"2023-01-01T00:00:00", "2023-01-01T01:00:00", "2023-01-01T02:00:00"},
         {X, X, X}, NULL},
        {"null in the middle min",
         "x__min_1_day_window",
         4,
         {5, NULL_SLOT, 7, 1},
         {"2023-01-01T00:00:00", "2023-01-01T01:00:00", "2023-01-01T02:00:00",
          "2023-01-03T00:00:00"},
         {5, 5, 5, 1},
         second_null},
        {"three ties sum",
         "x__sum_1_hour_window",
         4,
         {1, 2, 4, 8},
         {"2023-01-01T00:00:00", "2023-01-01T00:00:00", "2023-01-01T00:00:00",
          "2023-01-01T00:30:00"},
         {1, 3, 7, 15}, NULL},
        {"ties last",
         "x__last_1_hour_window",
         3,
         {1, 2, 4},
         {"2023-01-01T00:00:00", "2023-01-01T00:00:00", "2023-01-01T00:00:00"},
         {1, 2, 4}, NULL},
        {"ties first unsorted",
         "x__first_1_hour_window",
         4,
         {9, 1, 2, 4},
         {"2023-01-01T05:00:00", "2023-01-01T00:00:00", "2023-01-01T00:00:00",
          "2023-01-01T00:00:00"},
         {9, 1, 1, 1}, NULL},
        {"window edge excluded",
         "x__sum_1_hour_window",
         3,
         {1, 2, 4},
         {"2023-01-01T00:00:00", "2023-01-01T01:00:00", "2023-01-01T01:59:59"},
         {1, 2, 6}, NULL},
        {"negatives mean",
         "x__mean_1_day_window",
         3,
         {-1, -2, -6},
         {"2023-01-01T00:00:00", "2023-01-01T01:00:00", "2023-01-01T02:00:00"},
         {-1, -1.5, -3}, NULL},
        {"negatives median",
         "x__median_1_day_window",
         4,
         {-5, -1, -3, -10},
         {"2023-01-01T00:00:00", "2023-01-01T01:00:00", "2023-01-01T02:00:00",
          "2023-01-01T03:00:00"},
         {-5, -3, -3, -4}, NULL},
        {"negatives max",
         "x__max_1_day_window",
         3,
         {-5, -1, -3},
         {"2023-01-01T00:00:00", "2023-01-01T01:00:00", "2023-01-01T02:00:00"},
         {-5, -1, -1}, NULL},
        {"large magnitudes sum",
         "x__sum_1_day_window",
         3,
         {1e300, -1e300, 1},
         {"2023-01-01T00:00:00", "2023-01-01T01:00:00", "2023-01-01T02:00:00"},
         {1e300, 0, 1}, NULL},
        {"large magnitudes var",
         "x__var_1_day_window",
         2,
         {1e150, -1e150},
         {"2023-01-01T00:00:00", "2023-01-01T01:00:00"},
         {X, 2e300}, NULL},
        {"constant values var is exactly 0",
         "x__var_1_day_window",
         4,
         {0.1, 0.1, 0.1, 0.1},
         {"2023-01-01T00:00:00", "2023-01-01T01:00:00", "2023-01-01T02:00:00",
          "2023-01-01T03:00:00"},
         {X, 0, 0, 0}, NULL},
        {"constant values mean is exact",
         "x__mean_1_day_window",
         3,
         {0.1, 0.1, 0.1},
         {"2023-01-01T00:00:00", "2023-01-01T01:00:00", "2023-01-01T02:00:00"},
         {0.1, 0.1, 0.1}, NULL},
        {"sliding out then in",
         "x__std_2_hour_window",
         6,
         {1, 2, 3, 10, 20, 30},
         {"2023-01-01T00:00:00", "2023-01-01T01:00:00", "2023-01-01T02:00:00",
          "2023-01-02T00:00:00", "2023-01-02T01:00:00", "2023-01-02T02:00:00"},
         {X, 0.7071067811865476, 0.7071067811865476, X, 7.0710678118654755,
          7.0710678118654755}, NULL},
        {"even median slides",
         "x__median_2_hour_window",
         5,
         {4, 1, 3, 2, 100},
         {"2023-01-01T00:00:00", "2023-01-01T00:30:00", "2023-01-01T01:00:00",
          "2023-01-01T01:30:00", "2023-01-01T02:15:00"},
         {4, 2.5, 3, 2.5, 2.5}, NULL},
        /* pandas' rolling turns +-inf into NaN, except for count */
        {"infinite value max is skipped",
         "x__max_1_day_window",
         3,
         {1, INFINITY, 2},
         {"2023-01-01T00:00:00", "2023-01-01T01:00:00", "2023-01-01T02:00:00"},
         {1, 1, 2}, NULL},
        {"infinite value sum is skipped",
         "x__sum_1_day_window",
         3,
         {-INFINITY, INFINITY, 2},
         {"2023-01-01T00:00:00", "2023-01-01T01:00:00", "2023-01-01T02:00:00"},
         {X, X, 2}, NULL},
        {"infinite value last is null",
         "x__last_1_day_window",
         2,
         {1, INFINITY},
         {"2023-01-01T00:00:00", "2023-01-01T01:00:00"},
         {1, X}, NULL},
        {"infinite value is counted",
         "x__count_1_day_window",
         3,
         {1, INFINITY, NULL_SLOT},
         {"2023-01-01T00:00:00", "2023-01-01T01:00:00", "2023-01-01T02:00:00"},
         {1, 2, 2},
         third_null},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        TEST_CASE("%s", cases[k].label);
        mloda_api_data *api =
            api_tw("x", cases[k].v, cases[k].v_valid, "reference_time", cases[k].ts, cases[k].n);
        check_feature(api, cases[k].f, cases[k].want, cases[k].n);
        mloda_api_data_free(api);
    }
    /* zero rows */
    TEST_CASE("zero rows");
    mloda_api_data *api = api_tw("x", NULL, NULL, "reference_time", NULL, 0);
    const char *feats[] = {"x__sum_1_day_window", "x__median_1_day_window", "x__std_1_day_window"};
    mloda_request *req = request_of(feats, 3);
    mloda_results *res = NULL;
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_OK(mloda_run_all(reg, req, api, &res, &err), err);
    for (int i = 0; i < 3; i++)
        CHECK_EQ_INT(mloda_column_n_rows(result_column(res, feats[i])), 0);
    mloda_results_free(res);
    mloda_request_free(req);
    mloda_api_data_free(api);
}

/* Integer and bool values, second/nanosecond timestamps, a window too large for int64. */
/*
 * Issue 16, finding 8: running sums of huge values overflowed (then inf - inf made every
 * later window NaN, written as null). Values 1e308 on days 1..4 with a 2-day window: the
 * sums of two are beyond DBL_MAX (an error naming the feature and row 1); means, stds and
 * a window with one of them and smaller values are exact (by hand: mean of 1e308 and
 * -1e308 is 0; std of [1e308, 1e308] is 0; sum of 1e308 and -1e308 + 5 rows).
 */
static void test_huge_values(void)
{
    const char *ts[4] = {"2024-01-01T00:00:00", "2024-01-02T00:00:00", "2024-01-03T00:00:00",
                         "2024-01-04T00:00:00"};
    const double v[4] = {1e308, 1e308, -1e308, 5};
    mloda_api_data *api = api_tw("x", v, NULL, "reference_time", ts, 4);
    const double mean[4] = {1e308, 1e308, 0, -5e307 + 2.5};
    check_feature(api, "x__mean_2_day_window", mean, 4);
    const double std[4] = {NAN, 0, 1.4142135623730951e308, 7.0710678118654761e307};
    check_feature(api, "x__std_2_day_window", std, 4);
    const double mx[4] = {1e308, 1e308, 1e308, 5};
    check_feature(api, "x__max_2_day_window", mx, 4);
    const double med[4] = {1e308, 1e308, 0, -5e307 + 2.5};
    check_feature(api, "x__median_2_day_window", med, 4);
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_EQ_INT(run_status(api, "x__sum_2_day_window", NULL, &err), MLODA_ERR_RANGE);
    CHECK_STR(err.subject, "x__sum_2_day_window");
    CHECK_CONTAINS(err.message, "window sum of row 1 overflows");
    CHECK_EQ_INT(err.position, 1);
    CHECK_EQ_INT(run_status(api, "x__var_2_day_window", NULL, &err), MLODA_ERR_RANGE);
    CHECK_CONTAINS(err.message, "window var of row 2 overflows");
    mloda_api_data_free(api);
    /* later windows are exact again once the huge values left them */
    const double dm[4] = {DBL_MAX, DBL_MAX, DBL_MAX, DBL_MAX};
    api = api_tw("x", dm, NULL, "reference_time", ts, 4);
    check_feature(api, "x__median_2_day_window", dm, 4); /* (a + b) / 2 would be inf */
    mloda_api_data_free(api);
    const double w[4] = {1e308, -1e308, 1, 2};
    api = api_tw("x", w, NULL, "reference_time", ts, 4);
    const double sum[4] = {1e308, 0, -1e308 + 1, 3};
    check_feature(api, "x__sum_2_day_window", sum, 4);
    mloda_api_data_free(api);
}

/* Issue 16, finding 9: one unparsable date made the reference column text, and the error
 * said only "utf8, not a timestamp column"; it now names the row and the value (for the
 * forecasting family too), or says how to declare the type when every value reads as a
 * date-time. */
static void test_text_reference_time(void)
{
    const double v[3] = {1, 2, 3};
    static const struct {
        const char *t[3];
        const char *want;
    } cases[] = {
        {{"2024-01-01T00:00:00", "2024-13-02T00:00:00", "2024-01-03T00:00:00"},
         "; its row 1 ('2024-13-02T00:00:00') is not an ISO 8601 date-time, so the column "
         "was read as text"},
        {{"2024-01-01", NULL, "yesterday"}, "; its row 2 ('yesterday') is not"},
        {{"2024-01-01", "2024-01-02", "2024-01-03"}, "declare it \"timestamp\" in the request's "
                                                     "schema"},
    };
    static const char *const feats[2] = {"v__sum_2_day_window", "v__linear_forecast_2day"};
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        mloda_api_data *api = mloda_api_data_new();
        const char *names[2] = {"v", "reference_time"};
        mloda_column *cols[2] = {col_f64(v, 3), col_str(cases[k].t, 3)};
        api_add(api, "T", 2, names, cols);
        for (int f = 0; f < 2; f++) {
            TEST_CASE("%s, case %zu", feats[f], k);
            mloda_error err = MLODA_ERROR_INIT;
            CHECK_EQ_INT(run_status(api, feats[f], NULL, &err), MLODA_ERR_TYPE);
            CHECK_CONTAINS(err.message, "reference time column 'reference_time' is utf8, not a "
                                        "timestamp column");
            CHECK_CONTAINS(err.message, cases[k].want);
        }
        mloda_api_data_free(api);
    }
}

static void test_types_and_units(void)
{
    const char *ts[] = {"2023-01-02T00:00:00", "2023-01-01T00:00:00", "2023-01-03T00:00:00"};
    const int64_t iv[] = {10, 20, 40};
    const uint8_t ivalid[] = {1, 1, 0};
    const bool bv[] = {true, false, true};
    const mloda_time_unit units[] = {MLODA_TIME_SECOND, MLODA_TIME_MILLI, MLODA_TIME_NANO};
    for (int u = 0; u < 3; u++) {
        TEST_CASE("unit %d", u);
        mloda_api_data *api = mloda_api_data_new();
        const char *names[] = {"i", "b", "reference_time"};
        mloda_column *cols[3] = {col_i64(iv, ivalid, 3), NULL, col_ts(ts, 3, units[u])};
        mloda_error err = MLODA_ERROR_INIT;
        CHECK_OK(mloda_column_from_bool(3, bv, NULL, &cols[1], &err), err);
        api_add(api, "T", 3, names, cols);
        const double isum[] = {30, 20, 10}, bsum[] = {1, 0, 2}, icnt[] = {2, 1, 1};
        check_feature(api, "i__sum_2_day_window", isum, 3);
        check_feature(api, "i__count_2_day_window", icnt, 3);
        check_feature(api, "b__sum_2_day_window", bsum, 3);
        const double all[] = {30, 20, 30};
        check_feature(api, "i__sum_9223372036854775807_year_window", all, 3);
        mloda_api_data_free(api);
    }
}

/*
 * Reference sums/means/vars/medians/min/max by brute force over random data with ties,
 * nulls and a 1e6 offset on every third value; the kernels must agree to SPEC's tolerance.
 * Except var/std: like pandas, they update the variance online as values enter and leave
 * the window, which loses digits when values of 1e6 leave a window of values near 0. The
 * exact two-pass value is then only met to about 1e-7; the two rows where that happens are
 * pinned to what an independent transcription of pandas 1.5's roll_var (Python, written
 * from pandas' aggregations.pyx) gives on the same data, which is what mloda prints.
 */
static void test_brute_force(void)
{
    enum { N = 300 };
    static double v[N];
    static uint8_t valid[N];
    static int64_t t[N];
    uint64_t seed = 12345;
    for (int i = 0; i < N; i++) {
        seed = seed * 6364136223846793005u + 1442695040888963407u;
        int r = (int)(seed >> 33);
        valid[i] = r % 11 != 0;
        v[i] = valid[i] ? (double)(r % 2001 - 1000) / 7.0 + 1e6 * (i % 3 == 0) : NULL_SLOT;
        t[i] = (int64_t)((seed >> 20) % 200) * 3600 * 1000000; /* many ties */
    }
    mloda_api_data *api = mloda_api_data_new();
    const char *names[] = {"x", "reference_time"};
    mloda_column *cols[2] = {col_f64_valid(v, valid, N), NULL};
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_OK(mloda_column_from_timestamp(MLODA_TIME_MICRO, N, t, NULL, &cols[1], &err), err);
    api_add(api, "T", 2, names, cols);
    /* stable order by time */
    int order[N];
    for (int i = 0; i < N; i++)
        order[i] = i;
    for (int i = 1; i < N; i++) {
        for (int j = i; j > 0 && t[order[j - 1]] > t[order[j]]; j--) {
            int tmp = order[j];
            order[j] = order[j - 1];
            order[j - 1] = tmp;
        }
    }
    const char *fns[] = {"sum", "mean", "var", "std", "median", "min", "max", "count",
                         "first", "last"};
    for (int f = 0; f < 10; f++) {
        char name[64];
        snprintf(name, sizeof name, "x__%s_10_hour_window", fns[f]);
        TEST_CASE("%s", name);
        static double want[N];
        for (int k = 0; k < N; k++) {
            int row = order[k];
            double w[N];
            int m = 0, first = -1;
            for (int j = 0; j <= k; j++) {
                int rj = order[j];
                if (t[row] - t[rj] < (int64_t)10 * 3600 * 1000000) {
                    if (first < 0)
                        first = rj;
                    if (valid[rj])
                        w[m++] = v[rj];
                }
            }
            double sum = 0, mn = INFINITY, mx = -INFINITY;
            for (int j = 0; j < m; j++) {
                sum += w[j];
                mn = w[j] < mn ? w[j] : mn;
                mx = w[j] > mx ? w[j] : mx;
            }
            double mean = m > 0 ? sum / m : NAN, ss = 0;
            for (int j = 0; j < m; j++)
                ss += (w[j] - mean) * (w[j] - mean);
            /* insertion sort for the median */
            for (int a = 1; a < m; a++)
                for (int b = a; b > 0 && w[b - 1] > w[b]; b--) {
                    double tmp = w[b];
                    w[b] = w[b - 1];
                    w[b - 1] = tmp;
                }
            double med = m == 0 ? NAN : m % 2 ? w[m / 2] : (w[m / 2] + w[m / 2 - 1]) / 2;
            double r = NAN;
            switch (f) {
            case 0: r = m > 0 ? sum : NAN; break;
            case 1: r = mean; break;
            case 2: r = m > 1 ? ss / (m - 1) : NAN; break;
            case 3: r = m > 1 ? sqrt(ss / (m - 1)) : NAN; break;
            case 4: r = med; break;
            case 5: r = m > 0 ? mn : NAN; break;
            case 6: r = m > 0 ? mx : NAN; break;
            case 7: r = m; break;
            case 8: r = valid[first] ? v[first] : NAN; break;
            default: r = valid[row] ? v[row] : NAN; break;
            }
            want[row] = r;
        }
        if (f == 2 || f == 3) {
            const char *one[] = {name};
            mloda_request *req = request_of(one, 1);
            mloda_results *res = NULL;
            CHECK_OK(mloda_run_all(reg, req, api, &res, &err), err);
            const mloda_column *c = result_column(res, name);
            for (int k = 0; k < N; k++) {
                double got = num_at(c, k), tol = 1e-6 * (fabs(want[k]) > 1 ? fabs(want[k]) : 1);
                CHECK_MSG(isnan(got) ? isnan(want[k]) : fabs(got - want[k]) <= tol,
                          "row %d: %.17g vs exact %.17g", k, got, want[k]);
            }
            const double pandas_var[2] = {6121.22956276562, 6548.616531869203};
            const int rows[2] = {44, 143};
            for (int k = 0; k < 2; k++) {
                double p = f == 2 ? pandas_var[k] : sqrt(pandas_var[k]);
                CHECK_MSG(test_close_(num_at(c, rows[k]), p), "row %d: %.17g != %.17g", rows[k],
                          num_at(c, rows[k]), p);
            }
            mloda_results_free(res);
            mloda_request_free(req);
        } else {
            check_feature(api, name, want, N);
        }
    }
    mloda_api_data_free(api);
}

/* The option form gives what the string form gives; name and option must agree. */
static void test_option_form(void)
{
    const char *ts[] = {"2023-01-03T00:00:00", "2023-01-01T00:00:00", "2023-01-02T00:00:00",
                        "2023-01-02T00:00:00", "2023-01-06T00:00:00"};
    const double v[] = {10, 1, 2, NULL_SLOT, 5};
    const uint8_t v_valid[] = {1, 1, 1, 0, 1};
    mloda_api_data *api = api_tw("v", v, v_valid, "reference_time", ts, 5);
    static const struct {
        const char *name, *fn;
        int64_t size;
        const char *unit;
        bool with_in;
        mloda_status st;
        double want[5];
        const char *msg;
    } cases[] = {
        {"rolling_sum", "sum", 2, "day", true, MLODA_OK, {12, 1, 3, 3, 5}, NULL},
        {"rolling_std", "std", 48, "hour", true, MLODA_OK,
         {5.656854249492381, X, 0.7071067811865476, 0.7071067811865476, X}, NULL},
        {"rolling_last", "last", 1, "week", true, MLODA_OK, {10, 1, 2, X, 5}, NULL},
        {"v__sum_2_day_window", "sum", 2, "day", false, MLODA_OK, {12, 1, 3, 3, 5}, NULL},
        {"bad_fn", "total", 2, "day", true, MLODA_ERR_RESOLVE, {0}, "'total'"},
        {"bad_unit", "sum", 2, "days", true, MLODA_ERR_RESOLVE, {0}, "'days'"},
        {"bad_size", "sum", -3, "day", true, MLODA_ERR_RESOLVE, {0}, "'-3'"},
        {"no_input", "sum", 2, "day", false, MLODA_ERR_RESOLVE, {0}, "in_features"},
        {"no_unit", "sum", 2, NULL, true, MLODA_ERR_RESOLVE, {0}, "time_unit"},
        {"v__sum_2_day_window", "max", 2, "day", false, MLODA_ERR_OPTION, {0}, "window_function"},
        {"v__sum_2_day_window", "sum", 3, "day", false, MLODA_ERR_OPTION, {0}, "'3'"},
        {"v__sum_2_day_window", "sum", 2, "hour", false, MLODA_ERR_OPTION, {0}, "'hour'"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        TEST_CASE("%s %s %lld %s", cases[k].name, cases[k].fn, (long long)cases[k].size,
                  cases[k].unit ? cases[k].unit : "-");
        mloda_options *o = window_options(cases[k].fn, cases[k].size, cases[k].unit,
                                          cases[k].with_in ? "v" : NULL, NULL);
        mloda_request *req = mloda_request_new();
        (void)mloda_request_add(req, cases[k].name, o, NULL);
        mloda_results *res = NULL;
        mloda_error err = MLODA_ERROR_INIT;
        mloda_status st = mloda_run_all(reg, req, api, &res, &err);
        CHECK_EQ_INT(st, cases[k].st);
        if (st == MLODA_OK) {
            check_col(result_column(res, cases[k].name), cases[k].want, 5);
        } else {
            CHECK_CONTAINS(err.message, cases[k].msg);
            CHECK_CONTAINS(err.message, cases[k].name);
        }
        mloda_results_free(res);
        mloda_request_free(req);
        mloda_options_free(o);
    }
    /* window_size as a digit string is accepted */
    mloda_options *o = window_options("sum", 0, "day", "v", NULL);
    (void)mloda_options_set_string(o, MLODA_CONTEXT, "window_size", "2", NULL);
    mloda_request *req = mloda_request_new();
    (void)mloda_request_add(req, "s2", o, NULL);
    mloda_results *res = NULL;
    mloda_error err = MLODA_ERROR_INIT;
    TEST_CASE("window_size as string");
    CHECK_OK(mloda_run_all(reg, req, api, &res, &err), err);
    const double want[] = {12, 1, 3, 3, 5};
    check_col(result_column(res, "s2"), want, 5);
    mloda_results_free(res);
    mloda_request_free(req);
    mloda_options_free(o);
    mloda_api_data_free(api);
}

/* Bad names: near misses name the token and the allowed values (SPEC §10.6). */
static void test_bad_names(void)
{
    const char *ts[] = {"2023-03-01T06:00:00"};
    const double v[] = {1.0};
    mloda_api_data *api = api_tw("load", v, NULL, "reference_time", ts, 1);
    static const struct {
        const char *f, *msg1, *msg2;
    } cases[] = {
        {"load__sum_0_day_window", "'0'", "positive integer"},       /* conformance 058 */
        {"load__sum_-1_day_window", "'-1'", "positive integer"},
        {"load__sum_x_day_window", "'x'", "positive integer"},
        {"load__sum_2_days_window", "'days'", "second, minute, hour"},
        {"load__sum_2_Day_window", "'Day'", "singular"},
        {"load__total_2_day_window", "'total'", "sum, min, max"},
        {"load__SUM_2_day_window", "'SUM'", "first, last"},
        {"load__sum_day_window", "does not read as", "value__sum_3_day_window"},
        {"load__2_day_window", "does not read as", "{window_size}"},
        {"load__sum_99999999999999999999_day_window", "positive integer", "99999"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        TEST_CASE("%s", cases[k].f);
        mloda_error err = MLODA_ERROR_INIT;
        CHECK_EQ_INT(run_status(api, cases[k].f, NULL, &err), MLODA_ERR_RESOLVE);
        CHECK_CONTAINS(err.message, cases[k].f);
        CHECK_CONTAINS(err.message, cases[k].msg1);
        CHECK_CONTAINS(err.message, cases[k].msg2);
    }
    mloda_api_data_free(api);
}

/* Type errors at prepare; null reference times at run time, naming column and row. */
static void test_type_errors(void)
{
    mloda_api_data *api = mloda_api_data_new();
    const char *names[] = {"load", "note", "day_str", "day_int", "reference_time", "ts_null"};
    const double v[] = {1, 2, 3};
    const char *notes[] = {"a", "b", "c"};
    const char *days[] = {"2023-01-01", "2023-01-02", "2023-01-03"};
    const int64_t di[] = {1, 2, 3};
    const char *ts[] = {"2023-01-01T00:00:00", "2023-01-02T00:00:00", "2023-01-03T00:00:00"};
    const char *tsn[] = {"2023-01-01T00:00:00", NULL, "2023-01-03T00:00:00"};
    mloda_column *cols[] = {col_f64(v, 3),        col_str(notes, 3),
                            col_str(days, 3),     col_i64(di, NULL, 3),
                            col_ts(ts, 3, MLODA_TIME_MICRO), col_ts(tsn, 3, MLODA_TIME_MICRO)};
    api_add(api, "T", 6, names, cols);
    static const struct {
        const char *f, *ref;
        mloda_status st;
        const char *msg;
    } cases[] = {
        {"load__sum_1_day_window", "day_str", MLODA_ERR_TYPE, "'day_str'"},
        {"load__sum_1_day_window", "day_int", MLODA_ERR_TYPE, "'day_int'"},
        {"note__sum_1_day_window", NULL, MLODA_ERR_TYPE, "'note'"},
        {"note__count_1_day_window", NULL, MLODA_ERR_TYPE, "utf8"},
        {"load__sum_1_day_window", "ts_null", MLODA_ERR_COMPUTE, "'ts_null' is null at row 1"},
        {"load__sum_1_day_window", "no_such_column", MLODA_ERR_RESOLVE, "no_such_column"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        TEST_CASE("%s ref %s", cases[k].f, cases[k].ref ? cases[k].ref : "-");
        mloda_options *o = cases[k].ref ? window_options(NULL, 0, NULL, NULL, cases[k].ref) : NULL;
        mloda_error err = MLODA_ERROR_INIT;
        CHECK_EQ_INT(run_status(api, cases[k].f, o, &err), cases[k].st);
        CHECK_CONTAINS(err.message, cases[k].msg);
        CHECK_CONTAINS(err.message, cases[k].f);
        if (cases[k].st == MLODA_ERR_COMPUTE)
            CHECK_EQ_INT(err.position, 1);
        mloda_options_free(o);
    }
    /* the default reference column is missing */
    mloda_api_data *api2 = api_one_f64("T", "load", v, 3);
    mloda_error err = MLODA_ERROR_INIT;
    TEST_CASE("no reference_time column");
    CHECK_EQ_INT(run_status(api2, "load__sum_1_day_window", NULL, &err), MLODA_ERR_RESOLVE);
    CHECK_CONTAINS(err.message, "reference_time");
    mloda_api_data_free(api2);
    mloda_api_data_free(api);
}

/* Chains: a window of an aggregate-free source chain and an aggregate of a window. */
static void test_chains(void)
{
    const char *ts[] = {"2023-01-03T00:00:00", "2023-01-01T00:00:00", "2023-01-02T00:00:00",
                        "2023-01-02T00:00:00", "2023-01-06T00:00:00"};
    const double v[] = {10, 1, 2, NULL_SLOT, 5};
    const uint8_t v_valid[] = {1, 1, 1, 0, 1};
    mloda_api_data *api = api_tw("v", v, v_valid, "reference_time", ts, 5);
    const double mx[] = {12, 12, 12, 12, 12};
    TEST_CASE("v__sum_2_day_window__max_aggr");
    check_feature(api, "v__sum_2_day_window__max_aggr", mx, 5);
    /* window of a window: 2-day sums [12,1,3,3,5] in time order [1,3,3,12,5], 1-day max */
    const double ww[] = {12, 1, 3, 3, 5};
    TEST_CASE("v__sum_2_day_window__max_1_day_window");
    check_feature(api, "v__sum_2_day_window__max_1_day_window", ww, 5);
    /* window of a broadcast aggregate */
    const double cnt[] = {3, 1, 2, 3, 1};
    TEST_CASE("v__sum_aggr__count_2_day_window");
    check_feature(api, "v__sum_aggr__count_2_day_window", cnt, 5);
    /* the reference column itself as the value: a type error, clearly */
    mloda_error err = MLODA_ERROR_INIT;
    TEST_CASE("reference_time__count_1_day_window");
    CHECK_EQ_INT(run_status(api, "reference_time__count_1_day_window", NULL, &err),
                 MLODA_ERR_TYPE);
    CHECK_CONTAINS(err.message, "timestamp");
    mloda_api_data_free(api);
}

/* Allocation failures anywhere in prepare or run surface as MLODA_ERR_NOMEM, no leaks. */
static void test_oom(void)
{
    const char *ts[] = {"2023-01-03T00:00:00", "2023-01-01T00:00:00", "2023-01-02T00:00:00",
                        "2023-01-02T00:00:00", "2023-01-06T00:00:00"};
    const double v[] = {10, 1, 2, NULL_SLOT, 5};
    const uint8_t v_valid[] = {1, 1, 1, 0, 1};
    mloda_api_data *api = api_tw("v", v, v_valid, "reference_time", ts, 5);
    const char *feats[] = {"v__sum_2_day_window", "v__median_2_day_window",
                           "v__std_1_week_window", "v__first_2_day_window"};
    mloda_request *req = request_of(feats, 4);
    for (long n = 0;; n++) {
        mloda_test_fail_alloc_at(n);
        mloda_results *res = NULL;
        mloda_error err = MLODA_ERROR_INIT;
        mloda_status st = mloda_run_all(reg, req, api, &res, &err);
        bool injected = mloda_test_alloc_failed();
        mloda_test_fail_alloc_at(-1);
        if (st == MLODA_OK) {
            const double want[] = {6, 1, 1.5, 1.5, 5};
            check_col(result_column(res, feats[1]), want, 5);
        }
        mloda_results_free(res);
        if (!injected)
            break;
        TEST_CASE("fail allocation %ld", n);
        CHECK(st == MLODA_OK || (st == MLODA_ERR_NOMEM && err.code == st));
    }
    mloda_request_free(req);
    mloda_api_data_free(api);
}

int main(void)
{
    reg = mloda_registry_default();
    RUN(test_spec_worked_example);
    RUN(test_case027);
    RUN(test_cases028_032);
    RUN(test_case026);
    RUN(test_case033);
    RUN(test_cases047_050);
    RUN(test_case053_stream);
    RUN(test_edges);
    RUN(test_huge_values);
    RUN(test_text_reference_time);
    RUN(test_types_and_units);
    RUN(test_brute_force);
    RUN(test_option_form);
    RUN(test_bad_names);
    RUN(test_type_errors);
    RUN(test_chains);
    RUN(test_oom);
    mloda_registry_free(reg);
    return TEST_SUMMARY();
}
