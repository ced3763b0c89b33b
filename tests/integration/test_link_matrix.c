/*
 * test_link_matrix.c: links (SPEC.md §7.2) on keys of every type (int64, float64 with
 * -0.0, utf8 with the empty string, bool, timestamp), null keys, two-column keys, every
 * join type, asof in each direction with tolerance and exact matches, float and timestamp
 * times, and union's removal of duplicate rows. The feature a&c__manhattan_distance names
 * the pair each joined row came from: A's row r has a = [r, 0], C's row q has
 * c = [0, 100 * (q + 1)], so the distance is r + 100 * (q + 1), null without a partner.
 * The expected values were worked out by hand from the tables below.
 */
#include <stdio.h>
#include <string.h>

#include "io/io.h"
#include "test.h"

static const char KEYS[] =
    "{\"A\": {\"ki\": [1, 2, 2, null, 5], \"kf\": [1.0, -0.0, 7.5, 2.5, null],"
    " \"ks\": [\"x\", \"yy\", \"\", null, \"x\"], \"kb\": [true, false, null, true, false],"
    " \"kt\": [\"2024-01-01T00:00:10\", \"2024-01-01T00:00:20\", \"2024-01-01T00:00:30\", null,"
    " \"2024-01-01T00:00:50\"], \"a\": [[0, 0], [1, 0], [2, 0], [3, 0], [4, 0]]},"
    " \"C\": {\"ki2\": [2, 5, null, 1], \"kf2\": [0.0, 1.0, 9.5, 2.5],"
    " \"ks2\": [\"yy\", \"x\", null, \"\"], \"kb2\": [false, true, null, false],"
    " \"kt2\": [\"2024-01-01T00:00:20\", \"2024-01-01T00:00:50\", null, \"2024-01-01T00:00:10\"],"
    " \"c\": [[0, 100], [0, 200], [0, 300], [0, 400]]}}";
static const char ASOF[] =
    "{\"A\": {\"k\": [1, 1, 2, 1], \"t\": [1, 5, 10, 4], \"a\": [[0, 0], [1, 0], [2, 0], [3, 0]]},"
    " \"C\": {\"k2\": [1, 1, 2], \"u\": [0, 4, 11], \"c\": [[0, 100], [0, 200], [0, 300]]}}";
static const char ASOF_FLOAT[] =
    "{\"A\": {\"k\": [1, 1], \"t\": [1.5, 4.5], \"a\": [[0, 0], [1, 0]]},"
    " \"C\": {\"k2\": [1, 1], \"u\": [1.0, 4.0], \"c\": [[0, 100], [0, 200]]}}";
static const char ASOF_TIME[] =
    "{\"A\": {\"t\": [\"2024-01-01T00:00:05\", \"2024-01-01T00:00:01\"], \"a\": [[0, 0], [1, 0]]},"
    " \"C\": {\"u\": [\"2024-01-01T00:00:00\", \"2024-01-01T00:00:04\"], \"c\": [[0, 100], [0, 200]]}}";
static const char MIXED[] =
    "{\"A\": {\"k\": [1, 1, 2, 1], \"t\": [1, 5, 10, 4], \"ts\": [\"2024-01-01T00:00:00\","
    " \"2024-01-01T00:00:05\", \"2024-01-01T00:00:10\", \"2024-01-01T00:00:04\"],"
    " \"s\": [\"a\", \"b\", \"c\", \"d\"], \"a\": [[0, 0], [1, 0], [2, 0], [3, 0]]},"
    " \"C\": {\"k2\": [1, 1, 2], \"u\": [0, 4, 11], \"us\": [\"2024-01-01T00:00:00\","
    " \"2024-01-01T00:00:04\", \"2024-01-01T00:00:11\"], \"s2\": [\"a\", \"b\", \"c\"],"
    " \"c\": [[0, 100], [0, 200], [0, 300]]}}";
static const char DUPS[] =
    "{\"A\": {\"k\": [1, 1, 2], \"a\": [[1, 0], [1, 0], [2, 0]]}, \"C\": {\"k\": [1], \"c\": [[0, 1]]}}";

#define SIDES(l, r) "\"left\": {\"table\": \"A\", \"on\": " l "}, \"right\": {\"table\": \"C\", \"on\": " r "}"
#define ASOF_LINK(params) \
    "{\"type\": \"asof\", " SIDES("\"k\"", "\"k2\"") ", \"params\": {\"left_time_column\": \"t\"," \
    " \"right_time_column\": \"u\", " params "}}"

static const struct {
    const char *data, *link;
    const char *want; /* the distances, "null" for none; or NULL: an error containing msg */
    const char *msg;
} cases[] = {
    {KEYS, "{\"type\": \"left\", " SIDES("[\"ki\"]", "[\"ki2\"]") "}", "400,101,102,null,204", NULL},
    {KEYS, "{\"type\": \"left\", " SIDES("\"kf\"", "\"kf2\"") "}", "200,101,null,403,null", NULL},
    {KEYS, "{\"type\": \"left\", " SIDES("\"ks\"", "\"ks2\"") "}", "200,101,402,null,204", NULL},
    {KEYS, "{\"type\": \"left\", " SIDES("\"kb\"", "\"kb2\"") "}", "200,101,401,null,203,104,404", NULL},
    {KEYS, "{\"type\": \"left\", " SIDES("\"kt\"", "\"kt2\"") "}", "400,101,null,null,204", NULL},
    {KEYS, "{\"type\": \"left\", " SIDES("[\"ki\", \"ks\"]", "[\"ki2\", \"ks2\"]") "}", "null,101,null,null,204", NULL},
    {KEYS, "{\"type\": \"inner\", " SIDES("\"ki\"", "\"ki2\"") "}", "400,101,102,204", NULL},
    {KEYS, "{\"type\": \"inner\", " SIDES("\"ks\"", "\"ks2\"") "}", "200,101,402,204", NULL},
    {KEYS, "{\"type\": \"right\", " SIDES("\"ki\"", "\"ki2\"") "}", "101,102,204,null,400", NULL},
    {KEYS, "{\"type\": \"right\", " SIDES("\"kf\"", "\"kf2\"") "}", "101,200,null,403", NULL},
    {KEYS, "{\"type\": \"outer\", " SIDES("\"ki\"", "\"ki2\"") "}", "400,101,102,null,204,null", NULL},
    {KEYS, "{\"type\": \"outer\", " SIDES("\"kb\"", "\"kb2\"") "}", "200,101,401,null,203,104,404,null", NULL},
    {KEYS, "{\"type\": \"left\", " SIDES("\"ki\"", "\"kf2\"") "}", NULL, "key 'ki' of 'A' is int64 but 'kf2' of 'C' is float64"},
    {KEYS, "{\"type\": \"left\", " SIDES("\"ks\"", "\"ki2\"") "}", NULL, "key 'ks' of 'A' is utf8 but 'ki2' of 'C' is int64"},
    {ASOF, ASOF_LINK("\"direction\": \"backward\""), "100,201,null,203", NULL},
    {ASOF, ASOF_LINK("\"direction\": \"backward\", \"allow_exact_matches\": false"), "100,201,null,103", NULL},
    {ASOF, ASOF_LINK("\"direction\": \"backward\", \"tolerance\": 0.5"), "null,null,null,203", NULL},
    {ASOF, ASOF_LINK("\"direction\": \"backward\", \"tolerance\": 2"), "100,201,null,203", NULL},
    {ASOF, ASOF_LINK("\"direction\": \"forward\""), "200,null,302,203", NULL},
    {ASOF, ASOF_LINK("\"direction\": \"forward\", \"allow_exact_matches\": false"), "200,null,302,null", NULL},
    {ASOF, ASOF_LINK("\"direction\": \"forward\", \"tolerance\": 0.5"), "null,null,null,203", NULL},
    {ASOF, ASOF_LINK("\"direction\": \"forward\", \"tolerance\": 2"), "null,null,302,203", NULL},
    {ASOF, ASOF_LINK("\"direction\": \"nearest\""), "100,201,302,203", NULL},
    {ASOF, ASOF_LINK("\"direction\": \"nearest\", \"allow_exact_matches\": false"), "100,201,302,103", NULL},
    {ASOF, ASOF_LINK("\"direction\": \"nearest\", \"tolerance\": 0.5"), "null,null,null,203", NULL},
    {ASOF, ASOF_LINK("\"direction\": \"nearest\", \"tolerance\": 2"), "100,201,302,203", NULL},
    {ASOF_FLOAT, ASOF_LINK("\"direction\": \"backward\""), "100,201", NULL},
    {ASOF_TIME, "{\"type\": \"asof\", \"left\": {\"table\": \"A\"}, \"right\": {\"table\": \"C\"},"
                " \"params\": {\"left_time_column\": \"t\", \"right_time_column\": \"u\"}}", "200,101", NULL},
    /* timestamp times with a tolerance in seconds (5 s): as the integer times above */
    {MIXED, "{\"type\": \"asof\", " SIDES("\"k\"", "\"k2\"") ", \"params\": {\"left_time_column\": \"ts\","
            " \"right_time_column\": \"us\", \"tolerance\": 5}}", "100,201,null,203", NULL},
    /* refusals at planning, each naming what is wrong */
    {MIXED, "{\"type\": \"asof\", " SIDES("\"k\"", "\"k2\"") ", \"params\": {\"left_time_column\": \"t\"}}",
     NULL, "asof link needs parameters left_time_column and right_time_column"},
    {MIXED, ASOF_LINK("\"direction\": \"sideways\""), NULL, "asof direction 'sideways' is not backward, forward or nearest"},
    {MIXED, ASOF_LINK("\"direction\": 3"), NULL, "asof direction must be a string: backward, forward or nearest"},
    {MIXED, ASOF_LINK("\"tolerance\": -1"), NULL, "asof tolerance must be a number >= 0"},
    {MIXED, ASOF_LINK("\"tolerance\": \"x\""), NULL, "asof tolerance must be a number >= 0"},
    {MIXED, ASOF_LINK("\"allow_exact_matches\": 1"), NULL, "asof allow_exact_matches must be true or false"},
    {MIXED, ASOF_LINK("\"bogus\": 1"), NULL, "asof link has unknown parameter 'bogus'"},
    {MIXED, "{\"type\": \"asof\", " SIDES("\"k\"", "\"k2\"") ", \"params\": {\"left_time_column\": \"t\","
            " \"right_time_column\": \"us\"}}", NULL, "key 't' of 'A' is int64 but 'us' of 'C' is timestamp"},
    {MIXED, "{\"type\": \"asof\", " SIDES("\"k\"", "\"k2\"") ", \"params\": {\"left_time_column\": \"s\","
            " \"right_time_column\": \"s2\"}}", NULL, "asof time column 's' is utf8"},
    {MIXED, "{\"type\": \"asof\", " SIDES("\"k\"", "\"k2\"") ", \"params\": {\"left_time_column\": \"nope\","
            " \"right_time_column\": \"u\"}}", NULL, "table 'A' has no column 'nope'"},
    {MIXED, "{\"type\": \"left\", " SIDES("\"k\"", "\"k2\"") ", \"params\": {\"direction\": \"backward\"}}",
     NULL, "left link takes no parameters (only asof does)"},
    {MIXED, "{\"type\": \"left\", \"left\": {\"table\": \"A\"}, \"right\": {\"table\": \"C\"}}", NULL,
     "left link of 'A' and 'C' needs key columns"},
    {MIXED, "{\"type\": \"left\", \"left\": {\"table\": \"A\", \"on\": \"k\"}, \"right\": {\"table\": \"Nope\","
            " \"on\": \"k2\"}}", NULL, "names table 'Nope', which neither api_data nor a data source has"},
    {MIXED, "{\"type\": \"left\", " SIDES("\"a\"", "\"c\"") "}", NULL, "list column 'a' cannot be a key"},
    {MIXED, "{\"type\": \"left\", " SIDES("\"zz\"", "\"k2\"") "}", NULL, "table 'A' has no column 'zz'"},
    {MIXED, "{\"type\": \"left\", \"left\": {\"table\": \"A\", \"on\": \"k\"}, \"right\": {\"table\": \"A\","
            " \"on\": \"k\"}}", NULL, "left link joins table 'A' with itself"},
    {DUPS, "{\"type\": \"append\", \"left\": {\"table\": \"A\"}, \"right\": {\"table\": \"C\"}}", "null,null,null,null", NULL},
    {DUPS, "{\"type\": \"union\", \"left\": {\"table\": \"A\"}, \"right\": {\"table\": \"C\"}}", "null,null,null", NULL},
};

static void test_links(void)
{
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        TEST_CASE("%s", cases[i].link);
        char text[3000];
        (void)snprintf(text, sizeof text,
                       "{\"features\": [\"a&c__manhattan_distance\"], \"api_data\": %s, \"links\": [%s]}",
                       cases[i].data, cases[i].link);
        io_request r;
        mloda_error err = MLODA_ERROR_INIT;
        CHECK_OK(mloda_io_request_parse(text, strlen(text), "req", &r, &err), err);
        CHECK_OK(mloda_request_set_threads(r.request, 1, &err), err);
        mloda_registry *reg = mloda_registry_default();
        mloda_results *res = NULL;
        const mloda_status st = mloda_run_all(reg, r.request, r.api_data, &res, &err);
        if (cases[i].want == NULL) {
            CHECK(st != MLODA_OK);
            CHECK_CONTAINS(err.message, cases[i].msg);
        } else {
            CHECK_OK(st, err);
            char got[256] = "";
            const mloda_column *c =
                res != NULL ? mloda_table_column(mloda_results_table(res, 0), 0) : NULL;
            size_t len = 0;
            for (int64_t k = 0; c != NULL && k < mloda_column_n_rows(c); k++) {
                if (mloda_column_is_valid(c, k))
                    len += (size_t)snprintf(got + len, sizeof got - len, "%s%.0f", k > 0 ? "," : "",
                                            mloda_column_float64(c)[k]);
                else
                    len += (size_t)snprintf(got + len, sizeof got - len, "%snull", k > 0 ? "," : "");
            }
            CHECK_STR(got, cases[i].want);
        }
        mloda_results_free(res);
        mloda_registry_free(reg);
        mloda_io_request_reset(&r);
    }
}

int main(void)
{
    RUN(test_links);
    return TEST_SUMMARY();
}
