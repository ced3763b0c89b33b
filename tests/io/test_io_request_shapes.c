/*
 * test_io_request_shapes.c: every misshapen part of a request (links, filters,
 * row_id_column, data_access, options, schema, api_data) is an error naming what was
 * wrong and where (line and column of the request), never a crash or a silent default.
 * Complements test_io_request.c, which covers the top-level keys and features.
 */
#include <string.h>

#include "io/io.h"
#include "test.h"

typedef struct shape_case {
    const char *text;
    mloda_status st;
    const char *words;
} shape_case;

static void check_cases(const shape_case *cases, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        TEST_CASE("%s", cases[i].text);
        io_request r;
        mloda_error err = MLODA_ERROR_INIT;
        const mloda_status st = mloda_io_request_parse_in(cases[i].text, strlen(cases[i].text),
                                                          "req.json", "base", NULL, &r, &err);
        CHECK_MSG(st == cases[i].st, "status %s: %s", mloda_status_name(st), err.message);
        CHECK_CONTAINS(err.message, cases[i].words);
        if (st != MLODA_OK) {
            CHECK_CONTAINS(err.message, "req.json");
            CHECK(r.request == NULL && r.api_data == NULL && r.schema == NULL);
        }
        mloda_io_request_reset(&r);
    }
}

#define F "{\"features\": [\"v\"], "

static void test_links(void)
{
    static const shape_case cases[] = {
        {F "\"links\": {}}", MLODA_ERR_PARSE, "\"links\" must be an array of link objects, found an object"},
        {F "\"links\": [1]}", MLODA_ERR_PARSE, "link 0: a link is an object"},
        {F "\"links\": [{\"typ\": \"left\"}]}", MLODA_ERR_PARSE, "link 0: unknown key 'typ'"},
        {F "\"links\": [{\"left\": {}}]}", MLODA_ERR_PARSE, "link 0: \"type\" must be a non-empty string (it is missing)"},
        {F "\"links\": [{\"type\": 3}]}", MLODA_ERR_PARSE, "link 0: \"type\" must be a non-empty string"},
        {F "\"links\": [{\"type\": \"\"}]}", MLODA_ERR_PARSE, "\"type\" must be a non-empty string"},
        {F "\"links\": [{\"type\": \"left\"}]}", MLODA_ERR_PARSE, "\"left\" must be an object {\"table\": \"Name\", \"on\": [\"column\", ...]} (it is missing)"},
        {F "\"links\": [{\"type\": \"left\", \"left\": 1}]}", MLODA_ERR_PARSE, "link 0: \"left\" must be an object"},
        {F "\"links\": [{\"type\": \"left\", \"left\": {\"tabl\": \"A\"}}]}", MLODA_ERR_PARSE, "link 0, \"left\": unknown key 'tabl'"},
        {F "\"links\": [{\"type\": \"left\", \"left\": {\"on\": \"k\"}}]}", MLODA_ERR_PARSE, "link 0, \"left\": \"table\" must be a non-empty string (it is missing)"},
        {F "\"links\": [{\"type\": \"left\", \"left\": {\"table\": \"A\", \"on\": 5}}]}", MLODA_ERR_PARSE, "\"on\" must be a column name or an array of column names, found a number"},
        {F "\"links\": [{\"type\": \"left\", \"left\": {\"table\": \"A\", \"on\": [\"k\", null]}}]}", MLODA_ERR_PARSE, "found null"},
        {F "\"links\": [{\"type\": \"left\", \"left\": {\"table\": \"A\", \"on\": \"k\"}}]}", MLODA_ERR_PARSE, "\"right\" must be an object"},
        {F "\"links\": [{\"type\": \"left\", \"left\": {\"table\": \"A\", \"on\": \"k\"}, \"right\": {\"table\": \"B\", \"on\": [\"a\", \"b\"]}}]}", MLODA_ERR_PARSE, "\"left\" has 1 key columns and \"right\" 2"},
        {F "\"links\": [{\"type\": \"left\", \"left\": {\"table\": \"A\", \"on\": \"k\"}, \"right\": {\"table\": \"B\", \"on\": \"j\"}, \"params\": 3}]}", MLODA_ERR_OPTION, "link 0"},
        {F "\"links\": [{\"type\": \"sideways\", \"left\": {\"table\": \"A\", \"on\": \"k\"}, \"right\": {\"table\": \"B\", \"on\": \"j\"}}]}", MLODA_OK, ""}, /* checked when planned */
        {F "\"links\": [{\"type\": \"append\", \"left\": {\"table\": \"A\"}, \"right\": {\"table\": \"B\"}}]}", MLODA_OK, ""},
    };
    check_cases(cases, sizeof cases / sizeof cases[0]);
}

static void test_filters_and_row_id(void)
{
    static const shape_case cases[] = {
        {F "\"filters\": 1}", MLODA_ERR_PARSE, "\"filters\" must be an array of filter objects, found a number"},
        {F "\"filters\": [\"v\"]}", MLODA_ERR_PARSE, "filter 0: a filter is an object"},
        {F "\"filters\": [{\"col\": \"v\"}]}", MLODA_ERR_PARSE, "filter 0: unknown key 'col'; the keys are \"column\", \"type\" and \"params\""},
        {F "\"filters\": [{\"type\": \"min\"}]}", MLODA_ERR_PARSE, "filter 0: \"column\" must be a non-empty string (it is missing)"},
        {F "\"filters\": [{\"column\": \"v\"}]}", MLODA_ERR_PARSE, "\"type\" must be a non-empty string (it is missing)"},
        {F "\"filters\": [{\"column\": \"v\", \"type\": \"min\", \"params\": []}]}", MLODA_ERR_OPTION, "filter 0 (min on 'v')"},
        {F "\"filters\": [{\"column\": \"v\", \"type\": \"min\", \"params\": {\"value\": {\"a\": 1}}}]}", MLODA_ERR_OPTION, "filter 0 (min on 'v')"},
        {F "\"filters\": [{\"column\": \"v\", \"type\": \"nearby\", \"params\": {}}]}", MLODA_OK, ""}, /* checked when planned */
        {F "\"filters\": [{\"column\": \"v\", \"type\": \"min\", \"params\": {\"value\": 1}}]}", MLODA_OK, ""},
        {F "\"row_id_column\": 3}", MLODA_ERR_PARSE, "\"row_id_column\" must be a non-empty column name, found a number"},
        {F "\"row_id_column\": \"\"}", MLODA_ERR_PARSE, "\"row_id_column\" must be a non-empty column name, found a string"},
        {F "\"row_id_column\": \"rid\"}", MLODA_OK, ""},
    };
    check_cases(cases, sizeof cases / sizeof cases[0]);
}

static void test_data_access(void)
{
    static const shape_case cases[] = {
        {F "\"data_access\": []}", MLODA_ERR_PARSE, "\"data_access\" must be an object"},
        {F "\"data_access\": {\"filez\": []}}", MLODA_ERR_PARSE, "unknown key 'filez' in \"data_access\" (did you mean 'files'?)"},
        {F "\"data_access\": {\"zzzzzz\": []}}", MLODA_ERR_PARSE, "unknown key 'zzzzzz' in \"data_access\"; the keys are"},
        {F "\"data_access\": {\"files\": {}}}", MLODA_ERR_PARSE, "data_access \"files\" must be an array, found an object"},
        {F "\"data_access\": {\"files\": [1]}}", MLODA_ERR_PARSE, "data_access file 0: a file is a path string"},
        {F "\"data_access\": {\"files\": [\"\"]}}", MLODA_ERR_PARSE, "data_access file 0"},
        {F "\"data_access\": {\"files\": [{\"name\": \"x\"}]}}", MLODA_ERR_PARSE, "data_access file 0"},
        {F "\"data_access\": {\"files\": [{\"path\": \"a.csv\", \"name\": \"\"}]}}", MLODA_ERR_PARSE, "non-empty strings"},
        {F "\"data_access\": {\"files\": [{\"path\": \"a.csv\", \"format\": 1}]}}", MLODA_ERR_PARSE, "non-empty strings"},
        {F "\"data_access\": {\"files\": [{\"path\": \"a.csv\", \"pth\": 1}]}}", MLODA_ERR_PARSE, "data_access file 0: unknown key 'pth'"},
        {F "\"data_access\": {\"files\": [{\"path\": \"a.csv\", \"format\": \"xml\"}]}}", MLODA_ERR_PARSE, "\"format\" must be \"csv\" or \"ndjson\""},
        {F "\"data_access\": {\"files\": [\"notes.txt\"]}}", MLODA_ERR_PARSE, "unknown kind of file"},
        {F "\"data_access\": {\"files\": [\"dir.d/noext\"]}}", MLODA_ERR_PARSE, "unknown kind of file"},
        {F "\"data_access\": {\"files\": [{\"path\": \"notes.txt\", \"format\": \"ndjson\"}, \"x/A.CSV\", \"y.JSONL\"]}}", MLODA_OK, ""},
        {F "\"data_access\": {\"files\": [{\"path\": \"dir/\", \"format\": \"csv\"}]}}", MLODA_ERR_PARSE, "the file name base/dir/ gives no table name; add a \"name\""},
        {F "\"data_access\": {\"files\": [\"a.csv\", \"b/a.csv\"]}}", MLODA_ERR_DUPLICATE, "two data sources are named 'a': base/a.csv and base/b/a.csv"},
        {F "\"data_access\": {\"folders\": [1]}}", MLODA_ERR_PARSE, "data_access folder 0: a folder is a non-empty path string, found a number"},
        {F "\"data_access\": {\"folders\": [\"/nonexistent-mloda-folder\"]}}", MLODA_ERR_IO, "cannot list folder /nonexistent-mloda-folder"},
        {F "\"data_access\": {\"sqlite\": [1]}}", MLODA_ERR_PARSE, "data_access sqlite 0: a database table is an object"},
        {F "\"data_access\": {\"sqlite\": [{\"path\": \"d.db\"}]}}", MLODA_ERR_PARSE, "data_access sqlite 0: \"table\" must be a non-empty string (it is missing)"},
        {F "\"data_access\": {\"sqlite\": [{\"table\": \"t\"}]}}", MLODA_ERR_PARSE, "\"path\" must be a non-empty string (it is missing)"},
        {F "\"data_access\": {\"sqlite\": [{\"path\": \"d.db\", \"table\": 1}]}}", MLODA_ERR_PARSE, "\"table\" must be a non-empty string"},
        {F "\"data_access\": {\"sqlite\": [{\"path\": \"d.db\", \"table\": \"t\", \"name\": \"\"}]}}", MLODA_ERR_PARSE, "\"name\" must be a non-empty string"},
        {F "\"data_access\": {\"sqlite\": [{\"path\": \"d.db\", \"table\": \"t\", \"nme\": \"x\"}]}}", MLODA_ERR_PARSE, "unknown key 'nme'"},
        {F "\"data_access\": {\"sqlite\": [{\"path\": \"d.db\", \"table\": \"t\"}, {\"path\": \"e.db\", \"table\": \"t\"}]}}", MLODA_ERR_DUPLICATE, "two data sources are named 't'"},
        {F "\"data_access\": {\"infer_rows\": 0}}", MLODA_ERR_PARSE, "\"infer_rows\" must be a whole number of rows >= 1, or -1"},
        {F "\"data_access\": {\"infer_rows\": -2}}", MLODA_ERR_PARSE, "\"infer_rows\" must be"},
        {F "\"data_access\": {\"infer_rows\": 1.5}}", MLODA_ERR_PARSE, "\"infer_rows\" must be"},
        {F "\"data_access\": {\"infer_rows\": \"5\"}}", MLODA_ERR_PARSE, "\"infer_rows\" must be"},
        {F "\"data_access\": {\"infer_rows\": -1, \"files\": [\"a.csv\"]}}", MLODA_OK, ""},
        {F "\"data_access\": {\"files\": [\"t.csv\"]}, \"schema\": {\"t\": {\"p\": \"float64_list\"}}}", MLODA_ERR_PARSE, "\"schema\" of data source 't', column 'p': state the list size (float64_list[N])"},
        {F "\"data_access\": {\"files\": [\"t.csv\"]}, \"schema\": {\"t\": {\"p\": \"float64_list[2]\", \"q\": \"bool\"}}}", MLODA_OK, ""},
    };
    check_cases(cases, sizeof cases / sizeof cases[0]);
}

static void test_options_and_schema(void)
{
    static const shape_case cases[] = {
        {"{\"features\": [{\"name\": \"a\", \"options\": {}}]}", MLODA_OK, ""},
        {"{\"features\": [{\"name\": \"a\", \"options\": {\"k\": \"x\\u0000y\"}}]}", MLODA_ERR_OPTION, "NUL"},
        {"{\"features\": [{\"name\": \"a\", \"options\": {\"k\": [\"x\\u0000y\"]}}]}", MLODA_ERR_OPTION, "NUL"},
        {"{\"features\": [{\"name\": \"a\", \"options\": {\"k\": [1, 2.5, true, \"s\", 99999999999999999999]}}]}", MLODA_OK, ""},
        {"{\"features\": [{\"name\": \"a\", \"options\": {\"k\": [1, null]}}]}", MLODA_ERR_OPTION, "list items must be strings (without NUL), numbers or true/false, found null"},
        {"{\"features\": [{\"name\": \"a\", \"options\": {\"k\": [1e999]}}]}", MLODA_ERR_RANGE, "out of range"},
        {"{\"features\": [{\"name\": \"a\", \"options\": {\"k\": 99999999999999999999, \"f\": false}}]}", MLODA_OK, ""},
        {"{\"features\": [{\"name\": \"a\", \"options\": {\"group\": {\"k\": 1}}}]}", MLODA_OK, ""},
        {"{\"features\": [{\"name\": \"a\", \"options\": {\"group\": 1, \"context\": {}}}]}", MLODA_ERR_OPTION, "option 'context': a value is a string, number, true/false, null or a list of those, found an object"},
        {"{\"features\": [{\"name\": \"a\", \"options\": {\"\": 1}}]}", MLODA_ERR_OPTION, "empty"},
        {"{\"features\": [\"v\"], \"column_ordering\": \"alphabetical\"}", MLODA_OK, ""},
        {"{\"features\": [\"v\"], \"column_ordering\": \"random\"}", MLODA_ERR_PARSE, "column_ordering"},
        {"{\"features\": [\"v\"], \"schema\": {\"T\": {\"c\": 5}}}", MLODA_ERR_PARSE, "expected a type name"},
        {"{\"features\": [\"v\"], \"schema\": {\"T\": {\"c\": \"float64_list[0]\"}}}", MLODA_ERR_PARSE, "expected a type name"},
        {"{\"features\": [\"v\"], \"schema\": {\"T\": {\"c\": \"float64_list[2\"}}}", MLODA_ERR_PARSE, "expected a type name"},
        {"{\"features\": [\"v\"], \"schema\": {\"T\": {\"c\": \"string\", \"d\": \"timestamp\", \"e\": \"bool\"}}, \"api_data\": {\"T\": {\"c\": [\"x\"], \"d\": [\"2024-01-01\"], \"e\": [true]}}}", MLODA_OK, ""},
        {"{\"features\": [\"v\"], \"api_data\": []}", MLODA_ERR_PARSE, "api_data"},
        {"{\"features\": [\"v\"], \"api_data\": {\"T\": []}}", MLODA_ERR_PARSE, "table 'T' must be an object of columns"},
        {"{\"features\": [\"v\"], \"api_data\": {\"T\": {\"c\": 1}}}", MLODA_ERR_PARSE, "expected an array of values, found a number"},
        {"{\"features\": [\"v\"], \"api_data\": {\"T\": {\"c\": [{\"a\": 1}]}}}", MLODA_ERR_TYPE, "an object is not a column value"},
        {"{\"features\": [\"v\"], \"api_data\": {\"T\": {\"c\": [[1, [2]]]}}}", MLODA_ERR_TYPE, "a list inside a list"},
        {"{\"features\": [\"v\"], \"api_data\": {\"T\": {\"c\": [[1, \"x\"]]}}}", MLODA_ERR_TYPE, "inside a list"},
        {"{\"features\": [\"v\"], \"api_data\": {\"T\": {\"c\": [[1, {}]]}}}", MLODA_ERR_TYPE, "inside a list"},
        {"{\"features\": [\"v\"], \"api_data\": {\"T\": {\"c\": [[]]}}}", MLODA_ERR_TYPE, "an empty list"},
        {"{\"features\": [\"v\"], \"api_data\": {\"T\": {\"c\": [[1], [1, 2]]}}}", MLODA_ERR_TYPE, "a list of 2 values in a column of lists of 1 values"},
        {"{\"features\": [\"v\"], \"api_data\": {\"T\": {\"c\": [true, 1]}}}", MLODA_ERR_TYPE, "found the integer 1 in a column whose earlier values are bool"},
        {"{\"features\": [\"v\"], \"api_data\": {\"T\": {\"c\": [1, true]}}}", MLODA_ERR_TYPE, "found true in a column whose earlier values are int64"},
        {"{\"features\": [\"v\"], \"api_data\": {\"T\": {\"c\": [\"a\", false]}}}", MLODA_ERR_TYPE, "found false"},
        {"{\"features\": [\"v\"], \"api_data\": {\"T\": {\"c\": [\"a\", [1]]}}}", MLODA_ERR_TYPE, "found a list"},
        {"{\"features\": [\"v\"], \"api_data\": {\"T\": {\"c\": [[1], \"a\"]}}}", MLODA_ERR_TYPE, "found the string \"a\""},
        {"{\"features\": [\"v\"], \"api_data\": {\"T\": {\"c\": [1, \"a\"]}}}", MLODA_ERR_TYPE, "found the string \"a\" in a column whose earlier values are int64"},
        {"{\"features\": [\"v\"], \"api_data\": {\"T\": {\"c\": [\"a\", 1.5]}}}", MLODA_ERR_TYPE, "found the float 1.5"},
        {"{\"features\": [\"v\"], \"api_data\": {\"T\": {\"c\": [1e999]}}}", MLODA_ERR_RANGE, "the number 1e999 is out of range for float64"},
        {"{\"features\": [\"v\"], \"api_data\": {\"T\": {\"c\": [[1e999]]}}}", MLODA_ERR_RANGE, "a list value is out of range for float64"},
        {"{\"features\": [\"v\"], \"schema\": {\"T\": {\"c\": \"int64\"}}, \"api_data\": {\"T\": {\"c\": [99999999999999999999]}}}", MLODA_ERR_RANGE, "the integer 99999999999999999999 does not fit in the int64 column"},
        {"{\"features\": [\"v\"], \"schema\": {\"T\": {\"c\": \"bool\"}}, \"api_data\": {\"T\": {\"c\": [1]}}}", MLODA_ERR_TYPE, "expected bool (as in the request's \"schema\"), found the integer 1"},
        {"{\"features\": [\"v\"], \"schema\": {\"T\": {\"c\": \"utf8\"}}, \"api_data\": {\"T\": {\"c\": [true]}}}", MLODA_ERR_TYPE, "expected utf8 (as in the request's \"schema\"), found true"},
        {"{\"features\": [\"v\"], \"schema\": {\"T\": {\"c\": \"float64_list[2]\"}}, \"api_data\": {\"T\": {\"c\": [\"a\"]}}}", MLODA_ERR_TYPE, "expected float64_list[2]"},
        {"{\"features\": [\"v\"], \"schema\": {\"T\": {\"c\": \"float64\"}}, \"api_data\": {\"T\": {\"c\": [[1]]}}}", MLODA_ERR_TYPE, "expected float64 (as in the request's \"schema\"), found a list"},
        {"{\"features\": [\"v\"], \"schema\": {\"T\": {\"c\": \"float64_list[2]\"}}, \"api_data\": {\"T\": {\"c\": [[1, 2, 3]]}}}", MLODA_ERR_TYPE, "a list of 3 values in a column of lists of 2 values"},
        {"{\"features\": [\"v\"], \"schema\": {\"T\": {\"c\": \"utf8\", \"d\": \"float64_list[3]\", \"e\": \"timestamp\"}}, \"api_data\": {\"T\": {\"c\": [null], \"d\": [null], \"e\": [null]}}}", MLODA_OK, ""},
        {"{\"features\": [\"v\"], \"api_data\": {\"T\": {\"\": [1]}}}", MLODA_ERR_PARSE, "name must be non-empty"},
        {"{\"features\": [\"v\"], \"api_data\": {\"\": {\"c\": [1]}}}", MLODA_ERR_PARSE, "name must be non-empty"},
        {"{\"features\": [\"v\"], \"api_data\": {\"T\": {\"c\": [1]}, \"T\": {\"c\": [1]}}}", MLODA_ERR_DUPLICATE, "table 'T' appears twice"},
        {"{\"features\": [\"v\"], \"api_data\": {\"T\": {\"c\": [1], \"c\": [1]}}}", MLODA_ERR_DUPLICATE, "column 'c' appears twice"},
    };
    check_cases(cases, sizeof cases / sizeof cases[0]);
}

int main(void)
{
    RUN(test_links);
    RUN(test_filters_and_row_id);
    RUN(test_data_access);
    RUN(test_options_and_schema);
    return TEST_SUMMARY();
}
