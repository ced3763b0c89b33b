/*
 * test_filter.c: global filters (SPEC.md §7.3, §9.6, §10.14): every filter type with
 * mloda's observed values, filters that remove every row, chains after a filter, row ids,
 * timestamps, and the prepare-time errors mloda lacks.
 */
#include "support.h"

static mloda_registry *reg;

typedef struct fcase {
    const char *label, *column, *type;
    const char *params; /* "key=value;key=value" with i:, f:, s:, b:, l: (list of strings) */
    const char *feature;
    int64_t rows;   /* expected surviving rows (-1: expect an error) */
    double value;   /* expected row 0 of feature */
    mloda_status st;
    const char *msg;
} fcase;

/* Parses the tiny params syntax of the table below into options. */
static mloda_options *params_of(const char *spec)
{
    mloda_options *o = mloda_options_new();
    char buf[256];
    snprintf(buf, sizeof buf, "%s", spec);
    for (char *tok = strtok(buf, ";"); tok != NULL; tok = strtok(NULL, ";")) {
        char *eq = strchr(tok, '=');
        *eq = '\0';
        const char *key = tok, *val = eq + 3;
        switch (eq[1]) {
        case 'i':
            (void)mloda_options_set_int(o, MLODA_CONTEXT, key, atoll(val), NULL);
            break;
        case 'f':
            (void)mloda_options_set_float(o, MLODA_CONTEXT, key, atof(val), NULL);
            break;
        case 'b':
            (void)mloda_options_set_bool(o, MLODA_CONTEXT, key, val[0] == 't', NULL);
            break;
        case 'l': {
            (void)mloda_options_set_list(o, MLODA_CONTEXT, key, NULL);
            char inner[128];
            snprintf(inner, sizeof inner, "%s", val);
            for (char *it = inner, *comma; it != NULL; it = comma ? comma + 1 : NULL) {
                comma = strchr(it, ',');
                if (comma)
                    *comma = '\0';
                (void)mloda_options_list_append_string(o, key, it, NULL);
            }
            break;
        }
        default:
            (void)mloda_options_set_string(o, MLODA_CONTEXT, key, val, NULL);
        }
    }
    return o;
}

static mloda_api_data *sample(void)
{
    /* v=[1,2,3,4] as in SPEC §7.3, plus text, ints with a null, and timestamps */
    mloda_api_data *api = mloda_api_data_new();
    const double v[] = {1, 2, 3, 4};
    const char *s[] = {"a", "b", "a", "c"};
    const int64_t iv[] = {10, 20, 30, 40};
    const uint8_t ivalid[] = {1, 1, 0, 1};
    const int64_t ts[] = {1677650400000000, 1677736800000000, 1677823200000000,
                          1677909600000000}; /* 2023-03-01..04 06:00 UTC, microseconds */
    const char *names[] = {"v", "s", "i", "t"};
    mloda_column *cols[4] = {col_f64(v, 4), col_str(s, 4), col_i64(iv, ivalid, 4), NULL};
    (void)mloda_column_from_timestamp(MLODA_TIME_MICRO, 4, ts, NULL, &cols[3], NULL);
    api_add(api, "T", 4, names, cols);
    return api;
}

static const fcase CASES[] = {
    {"min 2 then sum", "v", "min", "value=i:2", "v__sum_aggr", 3, 9.0, MLODA_OK, NULL},
    {"range 2..4 exclusive", "v", "range", "min=i:2;max=i:4;max_exclusive=b:true", "v__sum_aggr",
     2, 5.0, MLODA_OK, NULL},
    {"range inclusive", "v", "range", "min=f:2;max=f:4", "v__sum_aggr", 3, 9.0, MLODA_OK, NULL},
    {"max value", "v", "max", "value=i:2", "v__sum_aggr", 2, 3.0, MLODA_OK, NULL},
    {"max exclusive", "v", "max", "max=i:2;max_exclusive=b:true", "v", 1, 1.0, MLODA_OK, NULL},
    {"equal number", "v", "equal", "value=i:3", "v", 1, 3.0, MLODA_OK, NULL},
    {"equal text", "s", "equal", "value=s:a", "v__count_aggr", 2, 2.0, MLODA_OK, NULL},
    {"regex search", "s", "regex", "value=s:^[ab]$", "v__sum_aggr", 3, 6.0, MLODA_OK, NULL},
    {"regex on numbers", "v", "regex", "value=s:^[34]\\.0$", "v__sum_aggr", 2, 7.0, MLODA_OK, NULL},
    {"categorical", "s", "categorical_inclusion", "values=l:b,c", "v__sum_aggr", 2, 6.0, MLODA_OK,
     NULL},
    {"null never passes", "i", "min", "value=i:0", "v__sum_aggr", 3, 7.0, MLODA_OK, NULL},
    {"int column float bound", "i", "max", "value=f:25.5", "i", 2, 10.0, MLODA_OK, NULL},
    {"removes every row", "v", "min", "value=i:100", "v__sum_aggr", 0, 0.0, MLODA_OK, NULL},
    {"time range iso", "t", "time_range", "from=s:2023-03-02T00:00:00;to=s:2023-03-04T06:00:00",
     "v__sum_aggr", 2, 5.0, MLODA_OK, NULL},
    {"time bound via min", "t", "min", "value=s:2023-03-03", "v", 2, 3.0, MLODA_OK, NULL},
    {"unknown column", "nope", "min", "value=i:1", "v", -1, 0, MLODA_ERR_SCHEMA, "'nope'"},
    {"unknown type", "v", "between", "value=i:1", "v", -1, 0, MLODA_ERR_OPTION, "'between'"},
    {"missing param", "v", "range", "min=i:1", "v", -1, 0, MLODA_ERR_OPTION, "'max'"},
    {"unknown param", "v", "min", "value=i:1;vlaue=i:2", "v", -1, 0, MLODA_ERR_OPTION, "'vlaue'"},
    {"wrong param type", "v", "min", "value=s:abc", "v", -1, 0, MLODA_ERR_TYPE, "'value'"},
    {"bad regex", "s", "regex", "value=s:([a", "v", -1, 0, MLODA_ERR_OPTION, "invalid"},
    {"bad time", "t", "time_range", "from=s:yesterday", "v", -1, 0, MLODA_ERR_OPTION, "ISO 8601"},
    {"time_range on numbers", "v", "time_range", "from=i:1", "v", -1, 0, MLODA_ERR_TYPE,
     "timestamp"},
    {"NaN bound", "v", "min", "value=f:nan", "v", -1, 0, MLODA_ERR_OPTION, "NaN"},
};

static void test_filter_table(void)
{
    mloda_api_data *api = sample();
    for (size_t k = 0; k < sizeof CASES / sizeof CASES[0]; k++) {
        const fcase *c = &CASES[k];
        TEST_CASE("%s", c->label);
        mloda_request *req = request_of(&c->feature, 1);
        mloda_options *o = params_of(c->params);
        mloda_error err = MLODA_ERROR_INIT;
        CHECK_OK(mloda_request_add_filter(req, c->type, c->column, o, &err), err);
        mloda_results *res = NULL;
        mloda_status st = mloda_run_all(reg, req, api, &res, &err);
        CHECK_EQ_INT(st, c->st);
        if (st == MLODA_OK) {
            const mloda_column *col = result_column(res, c->feature);
            CHECK(col != NULL && mloda_column_n_rows(col) == c->rows);
            if (c->rows > 0)
                CHECK_CLOSE(num_at(col, 0), c->value);
        } else if (c->msg != NULL) {
            CHECK_CONTAINS(err.message, c->msg);
        }
        mloda_results_free(res);
        mloda_options_free(o);
        mloda_request_free(req);
    }
    mloda_api_data_free(api);
}

/* Several filters AND together; the row-id column gives original positions; explain
 * shows the filter step; a prepared session filters every batch. */
static void test_combined_rowid_session(void)
{
    mloda_api_data *api = sample();
    const char *feats[] = {"v", "row", "v__sum_aggr"};
    mloda_request *req = request_of(feats, 3);
    mloda_error err = MLODA_ERROR_INIT;
    mloda_options *o1 = params_of("value=i:2"), *o2 = params_of("values=l:a,c");
    CHECK_OK(mloda_request_add_filter(req, "min", "v", o1, &err), err);
    CHECK_OK(mloda_request_add_filter(req, "categorical_inclusion", "s", o2, &err), err);
    CHECK_OK(mloda_request_set_row_id_column(req, "row", &err), err);
    mloda_session *s = NULL;
    CHECK_OK(mloda_prepare(reg, req, api, &s, &err), err);
    mloda_results *res = NULL;
    CHECK_OK(mloda_session_run(s, api, &res, &err), err);
    const mloda_column *v = result_column(res, "v"), *row = result_column(res, "row");
    CHECK(v != NULL && mloda_column_n_rows(v) == 2);
    CHECK_CLOSE(num_at(v, 0), 3.0);
    CHECK_CLOSE(num_at(v, 1), 4.0);
    CHECK_CLOSE(num_at(row, 0), 2.0);
    CHECK_CLOSE(num_at(row, 1), 3.0);
    CHECK_CLOSE(num_at(result_column(res, "v__sum_aggr"), 0), 7.0);
    mloda_results_free(res);
    char *text = NULL;
    CHECK_OK(mloda_session_plan(s, MLODA_PLAN_TEXT, &text, &err), err);
    CHECK_CONTAINS(text, "filter GlobalFilter [table T]");
    CHECK_CONTAINS(text, "keep s categorical_inclusion");
    mloda_string_free(text);
    /* a second batch without the filter column: a clear error naming it */
    const double w[] = {5, 6};
    mloda_api_data *bad = api_one_f64("T", "v", w, 2);
    mloda_error_reset(&err);
    CHECK_EQ_INT(mloda_session_run(s, bad, &res, &err), MLODA_ERR_SCHEMA);
    CHECK_CONTAINS(err.message, "'s'");
    mloda_api_data_free(bad);
    mloda_session_free(s);
    mloda_options_free(o1);
    mloda_options_free(o2);
    mloda_request_free(req);
    mloda_api_data_free(api);
}

/* Stream and run agree with a filter, in pool mode too. */
static void test_filter_pool(void)
{
    int64_t n = 50000;
    double *v = malloc((size_t)n * sizeof *v);
    for (int64_t i = 0; i < n; i++)
        v[i] = (double)(i % 100);
    mloda_api_data *api = api_one_f64("T", "v", v, n);
    free(v);
    const char *feats[] = {"v__count_aggr", "v__max_aggr"};
    mloda_request *req = request_of(feats, 2);
    mloda_error err = MLODA_ERROR_INIT;
    mloda_options *o = params_of("min=i:10;max=i:20;max_exclusive=b:true");
    CHECK_OK(mloda_request_add_filter(req, "range", "v", o, &err), err);
    CHECK_OK(mloda_request_set_inline_rows(req, 0, &err), err);
    CHECK_OK(mloda_request_set_threads(req, 2, &err), err);
    mloda_results *res = NULL;
    CHECK_OK(mloda_run_all(reg, req, api, &res, &err), err);
    CHECK_CLOSE(num_at(result_column(res, "v__count_aggr"), 0), 5000.0);
    CHECK_CLOSE(num_at(result_column(res, "v__max_aggr"), 0), 19.0);
    mloda_results_free(res);
    mloda_options_free(o);
    mloda_request_free(req);
    mloda_api_data_free(api);
}

/* Bounds between two ticks of a coarse timestamp unit keep exactly the rows they should;
 * a regex over timestamps far outside the calendar does not overflow. */
static void test_coarse_time_bounds(void)
{
    const int64_t secs[] = {0, 1, 10, 10000000000000};
    mloda_api_data *api = mloda_api_data_new();
    const char *nm[] = {"t"};
    mloda_column *c[1] = {NULL};
    (void)mloda_column_from_timestamp(MLODA_TIME_SECOND, 4, secs, NULL, &c[0], NULL);
    api_add(api, "T", 1, nm, c);
    static const struct {
        const char *type, *params;
        int64_t rows;
    } cases[] = {
        {"min", "value=s:1970-01-01T00:00:00.5", 3},
        {"time_range", "from=s:1970-01-01T00:00:00.5;to=s:1970-01-01T00:00:10.5", 2},
        {"range", "min=s:1970-01-01T00:00:00.5;max=s:1970-01-01T00:00:10.5", 2},
        {"max", "max=s:1970-01-01T00:00:00.5;max_exclusive=b:true", 1},
        {"regex", "value=s:^1970", 3},
    };
    const char *feat = "t";
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        TEST_CASE("%s %s", cases[k].type, cases[k].params);
        mloda_request *req = request_of(&feat, 1);
        mloda_options *o = params_of(cases[k].params);
        mloda_error err = MLODA_ERROR_INIT;
        CHECK_OK(mloda_request_add_filter(req, cases[k].type, "t", o, &err), err);
        mloda_results *res = NULL;
        CHECK_OK(mloda_run_all(reg, req, api, &res, &err), err);
        CHECK_EQ_INT(mloda_column_n_rows(result_column(res, "t")), cases[k].rows);
        mloda_results_free(res);
        mloda_options_free(o);
        mloda_request_free(req);
    }
    mloda_api_data_free(api);
}

/*
 * Issue 16, finding 8: int64 columns against float bounds (and float64 columns against
 * int64 bounds) compare exactly, never through a rounding conversion: 2^53 + 1 is not equal
 * to 9007199254740992.0, although (double)(2^53 + 1) is. Rows kept as a bit mask over the
 * column's rows, worked out by hand. Each filter runs alone and, with a null added, through
 * the general (non fast path) loop.
 */
static void test_exact_int_float(void)
{
    const int64_t iv[5] = {9007199254740992, 9007199254740993, 1, INT64_MAX, INT64_MIN};
    const double fv[5] = {9007199254740992.0, 9007199254740994.0, 1.0, 9223372036854775808.0,
                          -9223372036854775808.0};
    static const struct {
        const char *label, *column, *type, *key;
        bool is_float; /* the parameter: fp or ip */
        double fp;
        int64_t ip;
        bool exclusive;
        unsigned keep; /* bit r: row r kept */
    } cases[] = {
        {"int equal 2^53 (float)", "i", "equal", "value", true, 9007199254740992.0, 0, false, 1u},
        {"int min 2^53 (float)", "i", "min", "value", true, 9007199254740992.0, 0, false, 0xbu},
        {"int max 2^53 (float)", "i", "max", "value", true, 9007199254740992.0, 0, false, 0x15u},
        {"int max 2^53 exclusive", "i", "max", "max", true, 9007199254740992.0, 0, true, 0x14u},
        {"int min 1.5", "i", "min", "value", true, 1.5, 0, false, 0xbu},
        {"int max 1.5", "i", "max", "value", true, 1.5, 0, false, 0x14u},
        {"int equal 1.5", "i", "equal", "value", true, 1.5, 0, false, 0u},
        {"int min 2^63", "i", "min", "value", true, 9223372036854775808.0, 0, false, 0u},
        {"int max 2^63", "i", "max", "value", true, 9223372036854775808.0, 0, false, 0x1fu},
        {"int max -2^63 exclusive", "i", "max", "max", true, -9223372036854775808.0, 0, true, 0u},
        {"int max -1e300", "i", "max", "value", true, -1e300, 0, false, 0u},
        {"int min -1e300", "i", "min", "value", true, -1e300, 0, false, 0x1fu},
        {"float equal 2^53+1 (int)", "f", "equal", "value", false, 0, 9007199254740993, false, 0u},
        {"float min 2^53+1 (int)", "f", "min", "value", false, 0, 9007199254740993, false, 0xau},
        {"float max 2^53+1 (int)", "f", "max", "value", false, 0, 9007199254740993, false, 0x15u},
        {"float max INT64_MAX (int)", "f", "max", "value", false, 0, INT64_MAX, false, 0x17u},
        {"float equal INT64_MIN (int)", "f", "equal", "value", false, 0, INT64_MIN, false, 0x10u},
    };
    for (int with_null = 0; with_null < 2; with_null++) {
        const uint8_t ivalid[6] = {1, 1, 1, 1, 1, 0};
        mloda_api_data *api = mloda_api_data_new();
        const char *names[2] = {"i", "f"};
        int64_t iv6[6];
        double fv6[6];
        for (int r = 0; r < 5; r++) {
            iv6[r] = iv[r];
            fv6[r] = fv[r];
        }
        iv6[5] = 0;
        fv6[5] = NULL_SLOT;
        int64_t n = with_null ? 6 : 5;
        mloda_column *cols[2] = {col_i64(iv6, with_null ? ivalid : NULL, n),
                                 col_f64_valid(fv6, with_null ? ivalid : NULL, n)};
        api_add(api, "T", 2, names, cols);
        for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
            TEST_CASE("%s%s", cases[k].label, with_null ? " (with a null row)" : "");
            const char *feats[2] = {"i", "f"};
            mloda_request *req = request_of(feats, 2);
            mloda_options *o = mloda_options_new();
            if (cases[k].is_float)
                (void)mloda_options_set_float(o, MLODA_CONTEXT, cases[k].key, cases[k].fp, NULL);
            else
                (void)mloda_options_set_int(o, MLODA_CONTEXT, cases[k].key, cases[k].ip, NULL);
            if (cases[k].exclusive)
                (void)mloda_options_set_bool(o, MLODA_CONTEXT, "max_exclusive", true, NULL);
            mloda_error err = MLODA_ERROR_INIT;
            CHECK_OK(mloda_request_add_filter(req, cases[k].type, cases[k].column, o, &err), err);
            mloda_results *res = NULL;
            CHECK_OK(mloda_run_all(reg, req, api, &res, &err), err);
            const mloda_column *ci = result_column(res, "i");
            int64_t kept = 0;
            for (int r = 0; r < 5; r++)
                kept += (cases[k].keep >> r) & 1u;
            CHECK_EQ_INT(mloda_column_n_rows(ci), kept);
            for (int r = 0, at = 0; ci != NULL && r < 5; r++) {
                if (((cases[k].keep >> r) & 1u) == 0)
                    continue;
                CHECK_MSG(at < mloda_column_n_rows(ci) && mloda_column_int64(ci)[at] == iv[r],
                          "kept row %d missing", r);
                at++;
            }
            mloda_results_free(res);
            mloda_options_free(o);
            mloda_request_free(req);
        }
        mloda_api_data_free(api);
    }
}

/*
 * Issue 16, finding 4: an 8 KB request with (a+)+$ over 300 rows of 21 a's and a '!' took
 * 58 s (every row just under PCRE2's default match limit of 10^7 steps). Now a row gets
 * 10^4 + 100 steps per byte, then 10^6 more from a budget of 10^7 per filter: the 21 a's
 * exceed even that at row 0 (a clear error at once); 13 a's need between 10^4 and 10^6
 * steps, so the budget runs out after 10 rows; ordinary patterns over 40 KB texts pass.
 */
static void test_regex_limits(void)
{
    static const struct {
        int n_a, n_rows, text_bytes;
        mloda_status st;
        const char *msg;
        int64_t position;
    } cases[] = {
        {21, 300, 0, MLODA_ERR_COMPUTE, "at row 0: match limit exceeded", 0},
        {13, 300, 0, MLODA_ERR_COMPUTE, "backtracks too much: at row 10", 10},
        {4, 300, 0, MLODA_OK, NULL, -1},
        {0, 50, 40000, MLODA_OK, NULL, -1},
    };
    char *buf = malloc(40010);
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        TEST_CASE("%d a's, %d rows, %d bytes", cases[k].n_a, cases[k].n_rows, cases[k].text_bytes);
        const char **rows = calloc((size_t)cases[k].n_rows, sizeof *rows);
        const char *pattern = "(a+)+$";
        if (cases[k].text_bytes > 0) { /* abab...abxxxxx: an ordinary pattern, long text */
            for (int i = 0; i < cases[k].text_bytes; i++)
                buf[i] = i % 2 == 0 ? 'a' : 'b';
            memcpy(buf + cases[k].text_bytes, "xxxxx", 6);
            pattern = ".*x.*y|(ab)*x+$|b.*x";
        } else {
            memset(buf, 'a', (size_t)cases[k].n_a);
            memcpy(buf + cases[k].n_a, "!", 2);
        }
        for (int r = 0; r < cases[k].n_rows; r++)
            rows[r] = buf;
        mloda_api_data *api = mloda_api_data_new();
        const char *name = "s";
        mloda_column *col = col_str(rows, cases[k].n_rows);
        api_add(api, "T", 1, &name, &col);
        mloda_request *req = request_of(&name, 1);
        mloda_options *o = mloda_options_new();
        (void)mloda_options_set_string(o, MLODA_CONTEXT, "value", pattern, NULL);
        mloda_error err = MLODA_ERROR_INIT;
        CHECK_OK(mloda_request_add_filter(req, "regex", "s", o, &err), err);
        mloda_results *res = NULL;
        mloda_status st = mloda_run_all(reg, req, api, &res, &err);
        CHECK_EQ_INT(st, cases[k].st);
        if (cases[k].msg != NULL) {
            CHECK_CONTAINS(err.message, cases[k].msg);
            CHECK_CONTAINS(err.message, "regex filter on 's': pattern '(a+)+$'");
            CHECK_EQ_INT(err.position, cases[k].position);
        } else if (st == MLODA_OK) {
            /* (a+)+$ never matches "aaaa!"; the long texts all match b.*x */
            CHECK_EQ_INT(mloda_column_n_rows(result_column(res, "s")),
                         cases[k].text_bytes > 0 ? cases[k].n_rows : 0);
        }
        mloda_results_free(res);
        mloda_options_free(o);
        mloda_request_free(req);
        mloda_api_data_free(api);
        free(rows);
    }
    free(buf);
}

/*
 * categorical_inclusion with many values is hashed (issue 16: rows x values made 10^5 rows
 * against 5 x 10^4 values take a minute): the rows kept must be those a plain membership
 * test keeps, for text, int64 (float values that are whole numbers match, others never),
 * float64 (-0.0 matches 0.0, NaN and null never) and timestamps; duplicates in the list and
 * one value only (no index) too.
 */
static void test_categorical_index(void)
{
    enum { N = 200 };
    char text[N][8];
    const char *texts[N];
    int64_t ints[N], ts[N];
    double floats[N];
    uint8_t valid[N];
    for (int r = 0; r < N; r++) {
        snprintf(text[r], sizeof text[r], "v%d", (r * 7) % 50);
        texts[r] = r % 17 == 0 ? NULL : text[r];
        ints[r] = (r * 13) % 60 - 10;
        ts[r] = ((r * 3) % 40) * 1000000;
        floats[r] = r % 23 == 0 ? NAN : r % 19 == 0 ? -0.0 : (double)((r * 11) % 30) / 2;
        valid[r] = r % 31 != 0;
    }
    mloda_api_data *api = mloda_api_data_new();
    const char *names[4] = {"s", "i", "f", "t"};
    mloda_column *cols[4] = {col_str(texts, N), col_i64(ints, valid, N), col_f64(floats, N), NULL};
    (void)mloda_column_from_timestamp(MLODA_TIME_MICRO, N, ts, valid, &cols[3], NULL);
    api_add(api, "T", 4, names, cols);
    for (int which = 0; which < 4; which++) {
        for (int n_values = 1; n_values <= 40; n_values += 13) {
            TEST_CASE("column %s, %d values", names[which], n_values);
            mloda_options *o = mloda_options_new();
            (void)mloda_options_set_list(o, MLODA_CONTEXT, "values", NULL);
            bool want[N] = {false};
            for (int k = 0; k < n_values; k++) {
                char buf[16];
                int v = (k * 5) % 45 - 5; /* repeats after 9 values: duplicates in the list */
                if (which == 0) {
                    snprintf(buf, sizeof buf, "v%d", v);
                    (void)mloda_options_list_append_string(o, "values", buf, NULL);
                    for (int r = 0; r < N; r++)
                        want[r] |= texts[r] != NULL && strcmp(texts[r], buf) == 0;
                } else if (which == 1) { /* floats: whole ones match, halves never */
                    double d = k % 2 == 0 ? (double)v : (double)v + 0.5;
                    (void)mloda_options_list_append_float(o, "values", d, NULL);
                    for (int r = 0; r < N; r++)
                        want[r] |= valid[r] && (double)ints[r] == d;
                } else if (which == 2) { /* ints and halves; 0 matches -0.0 */
                    double d = (double)v / 2;
                    if (k % 3 == 0)
                        (void)mloda_options_list_append_int(o, "values", v / 2, NULL);
                    else
                        (void)mloda_options_list_append_float(o, "values", d, NULL);
                    double want_d = k % 3 == 0 ? (double)(v / 2) : d;
                    for (int r = 0; r < N; r++)
                        want[r] |= floats[r] == want_d; /* NaN never equal */
                } else {
                    (void)mloda_options_list_append_int(o, "values", (int64_t)(v + 5) * 1000000,
                                                        NULL);
                    for (int r = 0; r < N; r++)
                        want[r] |= valid[r] && ts[r] == (int64_t)(v + 5) * 1000000;
                }
            }
            const char *feat = "i";
            mloda_request *req = request_of(&feat, 1);
            mloda_error err = MLODA_ERROR_INIT;
            CHECK_OK(mloda_request_add_filter(req, "categorical_inclusion", names[which], o, &err),
                     err);
            mloda_results *res = NULL;
            CHECK_OK(mloda_run_all(reg, req, api, &res, &err), err);
            const mloda_column *c = result_column(res, "i");
            int64_t at = 0;
            for (int r = 0; r < N && c != NULL; r++) {
                if (!want[r])
                    continue;
                CHECK_MSG(at < mloda_column_n_rows(c) &&
                              mloda_column_is_valid(c, at) == (valid[r] != 0) &&
                              (!valid[r] || mloda_column_int64(c)[at] == ints[r]),
                          "row %d should be kept (as kept row %lld)", r, (long long)at);
                at++;
            }
            CHECK_EQ_INT(mloda_column_n_rows(c), at);
            mloda_results_free(res);
            mloda_request_free(req);
            mloda_options_free(o);
        }
    }
    mloda_api_data_free(api);
}

/* Issue 16, finding 9: a row_id_column without any filter said "no feature group matches";
 * now it says what is wrong and what to do. */
/* A time_range filter on a column that one bad date made text names that row. */
static void test_time_range_on_text(void)
{
    const char *t[3] = {"2024-01-01T00:00:00", "2024-13-02T00:00:00", NULL};
    mloda_api_data *api = mloda_api_data_new();
    const char *name = "t";
    mloda_column *col = col_str(t, 3);
    api_add(api, "T", 1, &name, &col);
    mloda_request *req = request_of(&name, 1);
    mloda_options *o = mloda_options_new();
    (void)mloda_options_set_string(o, MLODA_CONTEXT, "from", "2024-01-01", NULL);
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_OK(mloda_request_add_filter(req, "time_range", "t", o, &err), err);
    mloda_results *res = NULL;
    CHECK_EQ_INT(mloda_run_all(reg, req, api, &res, &err), MLODA_ERR_TYPE);
    CHECK_CONTAINS(err.message, "time_range filter on utf8 column 't' (a timestamp column is "
                                "needed); its row 1 ('2024-13-02T00:00:00') is not an ISO 8601 "
                                "date-time");
    mloda_options_free(o);
    mloda_request_free(req);
    mloda_api_data_free(api);
}

static void test_row_id_without_filter(void)
{
    mloda_api_data *api = sample();
    const char *feats[2] = {"v", "rid"};
    mloda_request *req = request_of(feats, 2);
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_OK(mloda_request_set_row_id_column(req, "rid", &err), err);
    mloda_results *res = NULL;
    CHECK_EQ_INT(mloda_run_all(reg, req, api, &res, &err), MLODA_ERR_RESOLVE);
    CHECK_STR(err.subject, "rid");
    CHECK_CONTAINS(err.message, "feature 'rid' is the request's row_id_column, which only a "
                                "table with a filter has, and no filter is set on table 'T'");
    CHECK_CONTAINS(err.message, "add a filter");
    mloda_request_free(req);
    mloda_api_data_free(api);
}

int main(void)
{
    reg = mloda_registry_default();
    RUN(test_filter_table);
    RUN(test_combined_rowid_session);
    RUN(test_filter_pool);
    RUN(test_coarse_time_bounds);
    RUN(test_exact_int_float);
    RUN(test_regex_limits);
    RUN(test_categorical_index);
    RUN(test_row_id_without_filter);
    RUN(test_time_range_on_text);
    mloda_registry_free(reg);
    return TEST_SUMMARY();
}
