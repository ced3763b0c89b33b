/*
 * test_null_type.c: columns with no type evidence (issue 15). An input column of
 * MLODA_TYPE_NULL (an empty or all-null api_data column, Arrow's null type) takes the type
 * each feature reading it needs, and the results are what mloda gives for such columns:
 * zero rows for an empty table, nulls for null rows. Every family the issue names is run
 * with empty and all-null inputs: text cleaning, geo distance (two points and four
 * scalars), node centrality and link keys; plus aggregation, time windows, filters, the
 * typing rule of later batches (mloda_session_input_type), a plugin that must never see the
 * null type, a plugin that accepts no type, and Arrow's "n" format through a session.
 * Expected values are worked out by hand: a null in gives a null out, no rows give none.
 */
#include "support.h"
#include "util/alloc.h"

static mloda_registry *reg;

/* ---------------------------------------------------------------- helpers */

static mloda_column *col_nulls(mloda_type type, int32_t list_size, int64_t n)
{
    mloda_column *c = NULL;
    mloda_error err = MLODA_ERROR_INIT;
    if (mloda_column_new_nulls(type, list_size, MLODA_TIME_MICRO, n, &c, &err) != MLODA_OK)
        fprintf(stderr, "col_nulls: %s\n", err.message);
    return c;
}

static mloda_column *col_points(const double *xy, int64_t n)
{
    mloda_column *c = NULL;
    mloda_error err = MLODA_ERROR_INIT;
    if (mloda_column_from_float64_list(2, n, xy, NULL, &c, &err) != MLODA_OK)
        fprintf(stderr, "col_points: %s\n", err.message);
    return c;
}

static mloda_options *cleaning(void)
{
    const char *ops[] = {"normalize"};
    mloda_options *o = mloda_options_new();
    (void)mloda_options_set_string_list(o, MLODA_CONTEXT, "cleaning_operations", 1, ops, NULL);
    return o;
}

/* A request of plain names; "~clean" at the end of a name means: that name with the
 * cleaning_operations option (normalize). */
static mloda_request *request_with(const char *const *names, int64_t n)
{
    mloda_request *req = mloda_request_new();
    mloda_options *o = cleaning();
    for (int64_t i = 0; i < n; i++) {
        const size_t len = strlen(names[i]);
        if (len > 6 && strcmp(names[i] + len - 6, "~clean") == 0) {
            char name[128];
            (void)snprintf(name, sizeof name, "%.*s", (int)(len - 6), names[i]);
            (void)mloda_request_add(req, name, o, NULL);
        } else {
            (void)mloda_request_add(req, names[i], NULL, NULL);
        }
    }
    mloda_options_free(o);
    return req;
}

/* Column `name` exists with `type`, n rows, every one null. */
static void check_nulls(const mloda_results *res, const char *name, mloda_type type, int64_t n)
{
    const mloda_column *c = result_column(res, name);
    CHECK_MSG(c != NULL, "no column %s", name);
    if (c == NULL)
        return;
    CHECK_MSG(mloda_column_type(c) == type, "%s is %s, not %s", name,
              mloda_type_name(mloda_column_type(c)), mloda_type_name(type));
    CHECK_EQ_INT(mloda_column_n_rows(c), n);
    CHECK_EQ_INT(mloda_column_n_nulls(c), n);
}

static mloda_type input_type(const mloda_session *s, const char *table, const char *column)
{
    mloda_type t = MLODA_TYPE_INVALID;
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_OK(mloda_session_input_type(s, table, column, &t, NULL, NULL, &err), err);
    return t;
}

/* ---------------------------------------------------------------- families */

/* Text cleaning of a column with no rows / only nulls: zero rows / nulls, utf8. The
 * column itself comes back as utf8 too: its one reader took it as text. */
static void test_text_cleaning(void)
{
    for (int64_t n = 0; n <= 3; n += 3) {
        TEST_CASE("%lld rows", (long long)n);
        mloda_api_data *api = mloda_api_data_new();
        const char *names[] = {"txt"};
        mloda_column *cols[] = {col_nulls(MLODA_TYPE_NULL, 0, n)};
        api_add(api, "S", 1, names, cols);
        const char *features[] = {"txt__cleaned_text~clean", "txt"};
        mloda_request *req = request_with(features, 2);
        mloda_session *s = NULL;
        mloda_error err = MLODA_ERROR_INIT;
        CHECK_OK(mloda_prepare(reg, req, api, &s, &err), err);
        CHECK_EQ_INT(input_type(s, "S", "txt"), MLODA_TYPE_UTF8);
        mloda_results *res = NULL;
        CHECK_OK(mloda_session_run(s, api, &res, &err), err);
        check_nulls(res, "txt__cleaned_text", MLODA_TYPE_UTF8, n);
        check_nulls(res, "txt", MLODA_TYPE_UTF8, n);
        mloda_results_free(res);

        TEST_CASE("%lld rows, then a batch with text", (long long)n);
        const char *words[] = {"HeLLo", NULL};
        mloda_api_data *batch = mloda_api_data_new();
        mloda_column *bcols[] = {col_str(words, 2)};
        api_add(batch, "S", 1, names, bcols);
        CHECK_OK(mloda_session_run(s, batch, &res, &err), err);
        const mloda_column *c = result_column(res, "txt__cleaned_text");
        int64_t len = 0;
        const char *t0 = mloda_column_utf8_at(c, 0, &len);
        CHECK(t0 != NULL && len == 5 && memcmp(t0, "hello", 5) == 0);
        CHECK(!mloda_column_is_valid(c, 1));
        mloda_results_free(res);
        mloda_api_data_free(batch);
        mloda_session_free(s);
        mloda_request_free(req);
        mloda_api_data_free(api);
    }
}

/* Geo distances with a point column of no type: nulls (float64); no rows: none. */
static void test_geo_distance(void)
{
    static const char *const types[] = {"euclidean", "haversine", "manhattan"};
    const double pts[] = {0, 0, 3, 4};
    for (size_t t = 0; t < 3; t++) {
        for (int both = 0; both < 2; both++) {
            for (int64_t n = 0; n <= 2; n += 2) {
                TEST_CASE("%s, %s, %lld rows", types[t], both ? "both untyped" : "p1 untyped",
                          (long long)n);
                mloda_api_data *api = mloda_api_data_new();
                const char *names[] = {"p1", "p2"};
                mloda_column *cols[] = {col_nulls(MLODA_TYPE_NULL, 0, n),
                                        both ? col_nulls(MLODA_TYPE_NULL, 0, n)
                                             : col_points(pts, n)};
                api_add(api, "S", 2, names, cols);
                char f[64];
                (void)snprintf(f, sizeof f, "p1&p2__%s_distance", types[t]);
                const char *features[] = {f};
                mloda_request *req = request_with(features, 1);
                mloda_results *res = NULL;
                mloda_error err = MLODA_ERROR_INIT;
                CHECK_OK(mloda_run_all(reg, req, api, &res, &err), err);
                check_nulls(res, f, MLODA_TYPE_FLOAT64, n);
                mloda_results_free(res);
                mloda_request_free(req);
                mloda_api_data_free(api);
            }
        }
    }
    TEST_CASE("four scalar inputs, x1 untyped");
    const double ones[] = {1, 2};
    mloda_api_data *api = mloda_api_data_new();
    const char *names[] = {"x1", "y1", "x2", "y2"};
    mloda_column *cols[] = {col_nulls(MLODA_TYPE_NULL, 0, 2), col_f64(ones, 2),
                            col_f64(ones, 2), col_f64(ones, 2)};
    api_add(api, "S", 4, names, cols);
    const char *features[] = {"x1&y1&x2&y2__euclidean_distance"};
    mloda_request *req = request_with(features, 1);
    mloda_results *res = NULL;
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_OK(mloda_run_all(reg, req, api, &res, &err), err);
    check_nulls(res, features[0], MLODA_TYPE_FLOAT64, 2);
    mloda_results_free(res);
    mloda_request_free(req);
    mloda_api_data_free(api);
}

/* Centrality over an edge list whose columns have no type: no edges, so every row's node
 * (null) has a null score; no rows: none. */
static void test_node_centrality(void)
{
    static const char *const types[] = {"degree", "betweenness", "closeness", "eigenvector",
                                        "pagerank"};
    for (size_t t = 0; t < 5; t++) {
        for (int64_t n = 0; n <= 3; n += 3) {
            TEST_CASE("%s, %lld rows", types[t], (long long)n);
            mloda_api_data *api = mloda_api_data_new();
            const char *names[] = {"source", "target"};
            mloda_column *cols[] = {col_nulls(MLODA_TYPE_NULL, 0, n),
                                    col_nulls(MLODA_TYPE_NULL, 0, n)};
            api_add(api, "E", 2, names, cols);
            char f[64];
            (void)snprintf(f, sizeof f, "source__%s_centrality", types[t]);
            const char *features[] = {f};
            mloda_request *req = request_with(features, 1);
            mloda_results *res = NULL;
            mloda_error err = MLODA_ERROR_INIT;
            CHECK_OK(mloda_run_all(reg, req, api, &res, &err), err);
            check_nulls(res, f, MLODA_TYPE_FLOAT64, n);
            mloda_results_free(res);
            mloda_request_free(req);
            mloda_api_data_free(api);
        }
    }
    TEST_CASE("text targets, untyped sources: the rows' nodes are null");
    mloda_api_data *api = mloda_api_data_new();
    const char *names[] = {"source", "target"};
    const char *tg[] = {"a", "b"};
    mloda_column *cols[] = {col_nulls(MLODA_TYPE_NULL, 0, 2), col_str(tg, 2)};
    api_add(api, "E", 2, names, cols);
    const char *features[] = {"source__degree_centrality"};
    mloda_request *req = request_with(features, 1);
    mloda_results *res = NULL;
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_OK(mloda_run_all(reg, req, api, &res, &err), err);
    check_nulls(res, features[0], MLODA_TYPE_FLOAT64, 2);
    mloda_results_free(res);
    mloda_request_free(req);
    mloda_api_data_free(api);
}

/* Link keys of no type: null keys never match. Inner: no joined rows; left: the left rows
 * with nulls from the right. The untyped key takes the other key's type (int64); two
 * untyped keys are float64. */
static void test_link_keys(void)
{
    static const struct {
        const char *type;
        bool left_untyped, right_untyped;
        int64_t rows;
        mloda_type key_type;
    } cases[] = {
        {"inner", true, false, 0, MLODA_TYPE_INT64}, {"left", true, false, 2, MLODA_TYPE_INT64},
        {"inner", false, true, 0, MLODA_TYPE_INT64}, {"left", false, true, 2, MLODA_TYPE_INT64},
        {"inner", true, true, 0, MLODA_TYPE_FLOAT64}, {"left", true, true, 2, MLODA_TYPE_FLOAT64},
        {"outer", true, true, 4, MLODA_TYPE_FLOAT64},
    };
    const double pa[] = {0, 0, 1, 1}, pc[] = {3, 4, 5, 6};
    const int64_t ids[] = {1, 2};
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        TEST_CASE("%s, left key %s, right key %s", cases[k].type,
                  cases[k].left_untyped ? "untyped" : "int64",
                  cases[k].right_untyped ? "untyped" : "int64");
        mloda_api_data *api = mloda_api_data_new();
        const char *an[] = {"k", "v"}, *cn[] = {"id", "w"};
        mloda_column *ac[] = {cases[k].left_untyped ? col_nulls(MLODA_TYPE_NULL, 0, 2)
                                                    : col_i64(ids, NULL, 2),
                              col_points(pa, 2)};
        mloda_column *cc[] = {cases[k].right_untyped ? col_nulls(MLODA_TYPE_NULL, 0, 2)
                                                     : col_i64(ids, NULL, 2),
                              col_points(pc, 2)};
        api_add(api, "A", 2, an, ac);
        api_add(api, "C", 2, cn, cc);
        mloda_request *req = mloda_request_new();
        (void)mloda_request_add(req, "v&w__euclidean_distance", NULL, NULL);
        const char *lon = "k", *ron = "id";
        mloda_error err = MLODA_ERROR_INIT;
        CHECK_OK(mloda_request_add_link(req, cases[k].type, "A", "C", 1, &lon, &ron, NULL, &err),
                 err);
        mloda_session *s = NULL;
        CHECK_OK(mloda_prepare(reg, req, api, &s, &err), err);
        CHECK_EQ_INT(input_type(s, "A", "k"), cases[k].key_type);
        CHECK_EQ_INT(input_type(s, "C", "id"), cases[k].key_type);
        mloda_results *res = NULL;
        CHECK_OK(mloda_session_run(s, api, &res, &err), err);
        check_nulls(res, "v&w__euclidean_distance", MLODA_TYPE_FLOAT64, cases[k].rows);
        mloda_results_free(res);
        mloda_session_free(s);
        mloda_request_free(req);
        mloda_api_data_free(api);
    }
}

/* Aggregations of a column of only nulls (SPEC §6.1): sum and count 0, the others null;
 * float64 is the first type aggregation takes. */
static void test_aggregation(void)
{
    mloda_api_data *api = mloda_api_data_new();
    const char *names[] = {"x"};
    mloda_column *cols[] = {col_nulls(MLODA_TYPE_NULL, 0, 3)};
    api_add(api, "S", 1, names, cols);
    const char *features[] = {"x", "x__sum_aggr", "x__count_aggr", "x__mean_aggr",
                              "x__min_aggr"};
    mloda_request *req = request_with(features, 5);
    mloda_results *res = NULL;
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_OK(mloda_run_all(reg, req, api, &res, &err), err);
    check_nulls(res, "x", MLODA_TYPE_FLOAT64, 3);
    check_nulls(res, "x__mean_aggr", MLODA_TYPE_FLOAT64, 3);
    check_nulls(res, "x__min_aggr", MLODA_TYPE_FLOAT64, 3);
    const mloda_column *sum = result_column(res, "x__sum_aggr");
    const mloda_column *count = result_column(res, "x__count_aggr");
    for (int64_t i = 0; i < 3; i++) {
        CHECK_CLOSE(num_at(sum, i), 0.0);
        CHECK_CLOSE(num_at(count, i), 0.0);
    }
    mloda_results_free(res);
    mloda_request_free(req);
    mloda_api_data_free(api);
}

/* A time window over columns with no rows: no rows (the reference time is taken as a
 * timestamp); with rows, a null reference time is refused as for typed columns. */
static void test_time_window(void)
{
    for (int64_t n = 0; n <= 2; n += 2) {
        TEST_CASE("%lld rows", (long long)n);
        mloda_api_data *api = mloda_api_data_new();
        const char *names[] = {"v", "reference_time"};
        mloda_column *cols[] = {col_nulls(MLODA_TYPE_NULL, 0, n),
                                col_nulls(MLODA_TYPE_NULL, 0, n)};
        api_add(api, "S", 2, names, cols);
        const char *features[] = {"v__sum_2_day_window"};
        mloda_request *req = request_with(features, 1);
        mloda_session *s = NULL;
        mloda_error err = MLODA_ERROR_INIT;
        CHECK_OK(mloda_prepare(reg, req, api, &s, &err), err);
        CHECK_EQ_INT(input_type(s, "S", "reference_time"), MLODA_TYPE_TIMESTAMP);
        mloda_results *res = NULL;
        mloda_status st = mloda_session_run(s, api, &res, &err);
        if (n == 0) {
            CHECK_OK(st, err);
            check_nulls(res, features[0], MLODA_TYPE_FLOAT64, 0);
        } else {
            CHECK_EQ_INT(st, MLODA_ERR_COMPUTE);
            CHECK_CONTAINS(err.message, "null");
        }
        mloda_results_free(res);
        mloda_session_free(s);
        mloda_request_free(req);
        mloda_api_data_free(api);
    }
}

/* Filters on a column of no type take the first type their parameters fit; nulls never
 * pass, so no row survives; later batches bring values of that type. */
static void test_filters(void)
{
    static const struct {
        const char *type, *key, *text;
        double num;
        mloda_type want;
    } cases[] = {
        {"min", "value", NULL, 2, MLODA_TYPE_FLOAT64},
        {"equal", "value", "a", 0, MLODA_TYPE_UTF8},
        {"time_range", "from", "2024-01-01T00:00:00", 0, MLODA_TYPE_TIMESTAMP},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        TEST_CASE("%s", cases[k].type);
        mloda_api_data *api = mloda_api_data_new();
        const char *names[] = {"f", "v"};
        const double v[] = {1, 2, 3};
        mloda_column *cols[] = {col_nulls(MLODA_TYPE_NULL, 0, 3), col_f64(v, 3)};
        api_add(api, "S", 2, names, cols);
        mloda_request *req = mloda_request_new();
        (void)mloda_request_add(req, "v__sum_aggr", NULL, NULL);
        mloda_options *p = mloda_options_new();
        if (cases[k].text != NULL)
            (void)mloda_options_set_string(p, MLODA_CONTEXT, cases[k].key, cases[k].text, NULL);
        else
            (void)mloda_options_set_float(p, MLODA_CONTEXT, cases[k].key, cases[k].num, NULL);
        mloda_error err = MLODA_ERROR_INIT;
        CHECK_OK(mloda_request_add_filter(req, cases[k].type, "f", p, &err), err);
        mloda_session *s = NULL;
        CHECK_OK(mloda_prepare(reg, req, api, &s, &err), err);
        CHECK_EQ_INT(input_type(s, "S", "f"), cases[k].want);
        mloda_results *res = NULL;
        CHECK_OK(mloda_session_run(s, api, &res, &err), err);
        const mloda_column *sum = result_column(res, "v__sum_aggr");
        CHECK(sum != NULL && mloda_column_n_rows(sum) == 0);
        mloda_results_free(res);
        if (cases[k].want == MLODA_TYPE_FLOAT64) { /* f = [1, 5, 3]: rows 1, 2 pass min 2 */
            mloda_api_data *batch = mloda_api_data_new();
            const double f[] = {1, 5, 3};
            mloda_column *bc[] = {col_f64(f, 3), col_f64(v, 3)};
            api_add(batch, "S", 2, names, bc);
            CHECK_OK(mloda_session_run(s, batch, &res, &err), err);
            sum = result_column(res, "v__sum_aggr");
            CHECK_EQ_INT(mloda_column_n_rows(sum), 2);
            CHECK_CLOSE(num_at(sum, 0), 5.0);
            mloda_results_free(res);
            mloda_api_data_free(batch);
        }
        mloda_session_free(s);
        mloda_options_free(p);
        mloda_request_free(req);
        mloda_api_data_free(api);
    }
}

/* ---------------------------------------------------------------- batches */

/* The rule of README "Columns with no type": readers that agree make the column that type;
 * readers that differ leave it untyped, and batches must bring it null. */
static void test_batches(void)
{
    const char *names[] = {"x"};
    mloda_api_data *example = mloda_api_data_new();
    mloda_column *ec[] = {col_nulls(MLODA_TYPE_NULL, 0, 1)};
    api_add(example, "S", 1, names, ec);

    TEST_CASE("one reader: float64; int64 values widen, null-typed columns fit");
    const char *sum_only[] = {"x__sum_aggr"};
    mloda_request *req = request_with(sum_only, 1);
    mloda_session *s = NULL;
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_OK(mloda_prepare(reg, req, example, &s, &err), err);
    int32_t ls = -1;
    mloda_time_unit unit = MLODA_TIME_NANO;
    mloda_type t = MLODA_TYPE_INVALID;
    CHECK_OK(mloda_session_input_type(s, "S", "x", &t, &ls, &unit, &err), err);
    CHECK_EQ_INT(t, MLODA_TYPE_FLOAT64);
    CHECK_EQ_INT(ls, 0);
    const int64_t iv[] = {1, 2};
    mloda_api_data *ints = mloda_api_data_new();
    mloda_column *ic[] = {col_i64(iv, NULL, 2)};
    api_add(ints, "S", 1, names, ic);
    mloda_results *res = NULL;
    CHECK_OK(mloda_session_run(s, ints, &res, &err), err);
    const mloda_column *sum = result_column(res, "x__sum_aggr");
    CHECK(sum != NULL && mloda_column_type(sum) == MLODA_TYPE_FLOAT64);
    CHECK_CLOSE(num_at(sum, 1), 3.0);
    mloda_results_free(res);
    mloda_api_data *strs = mloda_api_data_new();
    const char *sv[] = {"a"};
    mloda_column *sc[] = {col_str(sv, 1)};
    api_add(strs, "S", 1, names, sc);
    CHECK_EQ_INT(mloda_session_run(s, strs, &res, &err), MLODA_ERR_TYPE);
    CHECK_CONTAINS(err.message, "'x' is utf8 but was float64");
    CHECK_CONTAINS(err.message, "had no type then");
    mloda_session_free(s);
    mloda_request_free(req);
    mloda_results_free(res);
    res = NULL;

    TEST_CASE("readers that differ: the column stays untyped");
    const char *both[] = {"x__sum_aggr", "x__cleaned_text~clean"};
    req = request_with(both, 2);
    CHECK_OK(mloda_prepare(reg, req, example, &s, &err), err);
    CHECK_EQ_INT(input_type(s, "S", "x"), MLODA_TYPE_NULL);
    CHECK_EQ_INT(mloda_session_run(s, strs, &res, &err), MLODA_ERR_TYPE);
    CHECK_CONTAINS(err.message, "must come empty or all null");
    CHECK(res == NULL);
    const char *nv[] = {NULL, NULL};
    mloda_api_data *null_strs = mloda_api_data_new();
    mloda_column *nc[] = {col_str(nv, 2)};
    api_add(null_strs, "S", 1, names, nc);
    CHECK_OK(mloda_session_run(s, null_strs, &res, &err), err); /* all null: fits */
    check_nulls(res, "x__cleaned_text", MLODA_TYPE_UTF8, 2);
    sum = result_column(res, "x__sum_aggr");
    CHECK(sum != NULL && mloda_column_n_rows(sum) == 2 && num_at(sum, 0) == 0.0);
    mloda_results_free(res);
    CHECK_EQ_INT(mloda_session_input_type(s, "S", "nope", &t, NULL, NULL, &err),
                 MLODA_ERR_SCHEMA);
    mloda_session_free(s);
    mloda_request_free(req);

    TEST_CASE("a typed column, then a null-typed batch column: nulls of the prepared type");
    const char *words[] = {"a", "b"};
    mloda_api_data *typed = mloda_api_data_new();
    mloda_column *tc[] = {col_str(words, 2)};
    api_add(typed, "S", 1, names, tc);
    const char *clean[] = {"x__cleaned_text~clean", "x"};
    req = request_with(clean, 2);
    CHECK_OK(mloda_prepare(reg, req, typed, &s, &err), err);
    mloda_api_data *untyped = mloda_api_data_new();
    mloda_column *uc[] = {col_nulls(MLODA_TYPE_NULL, 0, 4)};
    api_add(untyped, "S", 1, names, uc);
    CHECK_OK(mloda_session_run(s, untyped, &res, &err), err);
    check_nulls(res, "x__cleaned_text", MLODA_TYPE_UTF8, 4);
    check_nulls(res, "x", MLODA_TYPE_UTF8, 4);
    mloda_results_free(res);
    mloda_session_free(s);
    mloda_request_free(req);

    mloda_api_data_free(untyped);
    mloda_api_data_free(typed);
    mloda_api_data_free(null_strs);
    mloda_api_data_free(strs);
    mloda_api_data_free(ints);
    mloda_api_data_free(example);
}

/* ---------------------------------------------------------------- plugins */

/* A user group `{in}__picky`: its bind accepts only the type in *user_data (every type
 * offered is recorded); its calculate writes the input's type code in every row. */
typedef struct picky {
    mloda_type accept;
    mloda_status refuse; /* status of a refusal */
    mloda_type seen[8];
    int n_seen;
} picky;

static mloda_status picky_match(void *ud, const mloda_feature *f, bool *out, void **parsed,
                                mloda_error *why)
{
    (void)ud;
    (void)parsed;
    (void)why;
    const char *suffix = mloda_feature_chain_suffix(f);
    *out = suffix != NULL && strcmp(suffix, "picky") == 0;
    return MLODA_OK;
}

static mloda_status picky_inputs(void *ud, const mloda_feature *f, mloda_inputs *in,
                                 mloda_error *err)
{
    (void)ud;
    return mloda_inputs_add_chain(in, f, 1, 1, err);
}

static mloda_status picky_bind(void *ud, mloda_bind *ctx, mloda_error *err)
{
    picky *p = ud;
    mloda_type t = mloda_bind_input_type(ctx, 0);
    if (p->n_seen < 8)
        p->seen[p->n_seen++] = t;
    if (t != p->accept)
        return mloda_error_set(err, p->refuse, mloda_feature_name(mloda_bind_feature(ctx)),
                               "picky takes %s only", mloda_type_name(p->accept));
    return mloda_bind_output(ctx, MLODA_TYPE_INT64, 0, MLODA_TIME_SECOND, err);
}

static mloda_status picky_calculate(void *ud, mloda_calc *calc, mloda_error *err)
{
    (void)ud;
    const mloda_column *in = mloda_calc_input(calc, 0, 0, 0);
    const int64_t n = mloda_calc_n_rows(calc);
    int64_t codes[4] = {0};
    for (int64_t i = 0; i < n && i < 4; i++)
        codes[i] = (int64_t)mloda_column_type(in) * 10 + (mloda_column_is_valid(in, i) ? 1 : 0);
    mloda_column *out = NULL;
    mloda_status st = mloda_column_from_int64(n < 4 ? n : 4, codes, NULL, &out, err);
    return st != MLODA_OK ? st : mloda_calc_set_output(calc, 0, out, err);
}

static mloda_registry *picky_registry(picky *p)
{
    mloda_registry *r = mloda_registry_default();
    const mloda_feature_group g = {.struct_size = sizeof(mloda_feature_group),
                                   .abi_version = MLODA_FEATURE_GROUP_ABI,
                                   .name = "Picky",
                                   .match = picky_match,
                                   .inputs = picky_inputs,
                                   .bind = picky_bind,
                                   .calculate = picky_calculate,
                                   .user_data = p};
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_OK(mloda_registry_add(r, &g, &err), err);
    return r;
}

/* The group's bind is offered float64, utf8, float64_list, timestamp, int64, bool in turn
 * and never the null type; its calculate gets an all-null column of the type it took. */
static void test_plugin_offers(void)
{
    mloda_api_data *api = mloda_api_data_new();
    const char *names[] = {"x"};
    mloda_column *cols[] = {col_nulls(MLODA_TYPE_NULL, 0, 3)};
    api_add(api, "S", 1, names, cols);
    static const mloda_type order[] = {MLODA_TYPE_FLOAT64,   MLODA_TYPE_UTF8,
                                       MLODA_TYPE_FLOAT64_LIST, MLODA_TYPE_TIMESTAMP,
                                       MLODA_TYPE_INT64,     MLODA_TYPE_BOOL};
    for (int k = 0; k < 6; k++) {
        TEST_CASE("picky takes %s", mloda_type_name(order[k]));
        picky p = {.accept = order[k], .refuse = MLODA_ERR_TYPE};
        mloda_registry *r = picky_registry(&p);
        const char *features[] = {"x__picky"};
        mloda_request *req = request_with(features, 1);
        mloda_results *res = NULL;
        mloda_error err = MLODA_ERROR_INIT;
        CHECK_OK(mloda_run_all(r, req, api, &res, &err), err);
        CHECK_EQ_INT(p.n_seen, k + 1);
        for (int j = 0; j < p.n_seen; j++)
            CHECK_EQ_INT(p.seen[j], order[j]);
        const mloda_column *c = result_column(res, "x__picky");
        for (int64_t i = 0; i < 3; i++) /* type code * 10, row null */
            CHECK_CLOSE(num_at(c, i), (double)order[k] * 10.0);
        mloda_results_free(res);
        mloda_request_free(req);
        mloda_registry_free(r);
    }

    TEST_CASE("no type fits: an error naming the column and the group");
    picky none = {.accept = MLODA_TYPE_INVALID, .refuse = MLODA_ERR_TYPE};
    mloda_registry *r = picky_registry(&none);
    const char *features[] = {"x__picky"};
    mloda_request *req = request_with(features, 1);
    mloda_session *s = NULL;
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_EQ_INT(mloda_prepare(r, req, api, &s, &err), MLODA_ERR_TYPE);
    CHECK(s == NULL);
    CHECK_STR(err.subject, "x__picky");
    CHECK_CONTAINS(err.message, "column 'x' has no type (no rows, or only nulls)");
    CHECK_CONTAINS(err.message, "feature group 'Picky'");
    CHECK_CONTAINS(err.message, "as float64: picky takes invalid only");
    CHECK_EQ_INT(none.n_seen, 6);
    mloda_registry_free(r);

    TEST_CASE("a refusal that is not about types ends the search");
    picky opt = {.accept = MLODA_TYPE_INT64, .refuse = MLODA_ERR_OPTION};
    r = picky_registry(&opt);
    CHECK_EQ_INT(mloda_prepare(r, req, api, &s, &err), MLODA_ERR_OPTION);
    CHECK_EQ_INT(opt.n_seen, 1);
    CHECK_CONTAINS(err.message, "picky takes int64 only");
    mloda_registry_free(r);
    mloda_request_free(req);
    mloda_api_data_free(api);
}

/* ---------------------------------------------------------------- Arrow */

static void noop_schema_release(struct ArrowSchema *s)
{
    s->release = NULL;
}

static int released;
static void noop_array_release(struct ArrowArray *a)
{
    released++;
    a->release = NULL;
}

/* An Arrow producer's null array ("n", no buffers) as api_data: a session computes on it,
 * and the pass-through column exports as "n" again. */
static void test_arrow_null_input(void)
{
    struct ArrowSchema schema = {.format = "n", .name = "txt", .release = noop_schema_release};
    struct ArrowArray array = {.length = 2, .null_count = 2, .n_buffers = 0,
                               .release = noop_array_release};
    mloda_column *col = NULL;
    mloda_error err = MLODA_ERROR_INIT;
    released = 0;
    CHECK_OK(mloda_column_import(&array, &schema, &col, &err), err);
    CHECK_EQ_INT(mloda_column_type(col), MLODA_TYPE_NULL);
    mloda_api_data *api = mloda_api_data_new();
    const char *names[] = {"txt", "other"};
    mloda_column *cols[] = {col, col_nulls(MLODA_TYPE_NULL, 0, 2)};
    api_add(api, "S", 2, names, cols);
    const char *features[] = {"txt__cleaned_text~clean", "other"};
    mloda_request *req = request_with(features, 2);
    mloda_results *res = NULL;
    CHECK_OK(mloda_run_all(reg, req, api, &res, &err), err);
    check_nulls(res, "txt__cleaned_text", MLODA_TYPE_UTF8, 2);
    check_nulls(res, "other", MLODA_TYPE_NULL, 2); /* nothing reads it: no type */
    const mloda_table *t = NULL;
    for (int64_t i = 0; i < mloda_results_n_tables(res); i++)
        if (mloda_table_column_index(mloda_results_table(res, i), "other") >= 0)
            t = mloda_results_table(res, i);
    struct ArrowArray out = {0};
    struct ArrowSchema out_schema = {0};
    CHECK_OK(mloda_table_export(t, &out, &out_schema, &err), err);
    CHECK_STR(out_schema.children[0]->format, "n");
    CHECK_EQ_INT(out.children[0]->n_buffers, 0);
    CHECK_EQ_INT(out.children[0]->null_count, 2);
    CHECK_EQ_INT(out.children[0]->length, 2);
    out.release(&out);
    out_schema.release(&out_schema);
    mloda_results_free(res);
    mloda_request_free(req);
    mloda_api_data_free(api);
    CHECK_EQ_INT(released, 1); /* the producer's release ran once (nothing was borrowed) */
}

/* Allocation failure at every point of prepare and run of a request whose untyped columns
 * are taken as one type (x: utf8), as different types (y: float64 and utf8) and by a
 * filter (z): NOMEM or success, nothing leaks (ASan), the session then runs. */
static bool oom_results_ok(const mloda_results *res)
{
    const mloda_column *sum = result_column(res, "y__sum_aggr");
    return res != NULL && sum != NULL && mloda_column_n_rows(sum) == 0 &&
           result_column(res, "x__cleaned_text") != NULL &&
           result_column(res, "y__cleaned_text") != NULL;
}

static void test_out_of_memory(void)
{
    mloda_api_data *api = mloda_api_data_new();
    const char *names[] = {"x", "y", "z"};
    mloda_column *cols[] = {col_nulls(MLODA_TYPE_NULL, 0, 3), col_nulls(MLODA_TYPE_NULL, 0, 3),
                            col_nulls(MLODA_TYPE_NULL, 0, 3)};
    api_add(api, "S", 3, names, cols);
    const char *features[] = {"x__cleaned_text~clean", "y__sum_aggr", "y__cleaned_text~clean"};
    mloda_request *req = request_with(features, 3);
    mloda_options *p = mloda_options_new();
    (void)mloda_options_set_float(p, MLODA_CONTEXT, "value", 1.0, NULL);
    (void)mloda_request_add_filter(req, "min", "z", p, NULL);
    long n = 0;
    for (;; n++) {
        TEST_CASE("allocation %ld", n);
        mloda_test_fail_alloc_at(n);
        mloda_session *s = NULL;
        mloda_error err = MLODA_ERROR_INIT;
        mloda_results *res = NULL;
        mloda_status st = mloda_prepare(reg, req, api, &s, &err);
        if (st == MLODA_OK)
            st = mloda_session_run(s, api, &res, &err);
        bool injected = mloda_test_alloc_failed();
        mloda_test_fail_alloc_at(-1);
        if (st != MLODA_OK) {
            CHECK_EQ_INT(st, MLODA_ERR_NOMEM);
        } else {
            CHECK(oom_results_ok(res));
        }
        mloda_results_free(res);
        res = NULL;
        if (s != NULL) {
            CHECK_OK(mloda_session_run(s, api, &res, &err), err);
            CHECK(oom_results_ok(res));
            mloda_results_free(res);
        }
        mloda_session_free(s);
        if (!injected)
            break;
    }
    CHECK(n > 20);
    mloda_options_free(p);
    mloda_request_free(req);
    mloda_api_data_free(api);
}

int main(void)
{
    reg = mloda_registry_default();
    RUN(test_text_cleaning);
    RUN(test_geo_distance);
    RUN(test_node_centrality);
    RUN(test_link_keys);
    RUN(test_aggregation);
    RUN(test_time_window);
    RUN(test_filters);
    RUN(test_batches);
    RUN(test_plugin_offers);
    RUN(test_arrow_null_input);
    RUN(test_out_of_memory);
    mloda_registry_free(reg);
    return TEST_SUMMARY();
}
