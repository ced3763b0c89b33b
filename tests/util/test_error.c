/*
 * test_error.c: the error object of mloda/base.h. First error wins inside mloda_error_set
 * and _set_at; every public entry point overwrites the caller's error (one object serves a
 * loop of calls); subjects and messages are truncated to their buffers without cutting a
 * UTF-8 sequence, kept on one line, and a NULL format records the status description;
 * status names, descriptions and is_known for known and unknown values.
 */
#include "support.h"
#include "util/util.h"

static bool valid_utf8(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p != '\0') {
        size_t need = *p < 0x80 ? 1 : *p >= 0xF0 ? 4 : *p >= 0xE0 ? 3 : *p >= 0xC0 ? 2 : 0;
        if (need == 0)
            return false;
        for (size_t k = 1; k < need; k++) {
            if ((p[k] & 0xC0) != 0x80)
                return false;
        }
        p += need;
    }
    return true;
}

static bool is_cleared(const mloda_error *e)
{
    return e->code == MLODA_OK && e->position == -1 && e->subject[0] == '\0' &&
           e->message[0] == '\0';
}

static void test_init_and_reset(void)
{
    mloda_error err = MLODA_ERROR_INIT;
    CHECK(is_cleared(&err));
    (void)mloda_error_set_at(&err, MLODA_ERR_PARSE, "subject", 42, "message %d", 1);
    CHECK(!is_cleared(&err));
    mloda_error_reset(&err);
    CHECK(is_cleared(&err));
    mloda_error_reset(NULL); /* fine */
}

static void test_first_error_wins(void)
{
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_EQ_INT(mloda_error_set(&err, MLODA_ERR_TYPE, "a", "first %s", "one"), MLODA_ERR_TYPE);
    CHECK_EQ_INT(err.position, -1);
    /* later ones return their own code but write nothing */
    CHECK_EQ_INT(mloda_error_set(&err, MLODA_ERR_PARSE, "b", "second"), MLODA_ERR_PARSE);
    CHECK_EQ_INT(mloda_error_set_at(&err, MLODA_ERR_RANGE, "c", 9, "third"), MLODA_ERR_RANGE);
    CHECK_EQ_INT(err.code, MLODA_ERR_TYPE);
    CHECK_STR(err.subject, "a");
    CHECK_STR(err.message, "first one");
    CHECK_EQ_INT(err.position, -1);

    mloda_error_reset(&err);
    CHECK_EQ_INT(mloda_error_set_at(&err, MLODA_ERR_PARSE, "line", 17, "bad %s", "quote"),
                 MLODA_ERR_PARSE);
    CHECK_EQ_INT(mloda_error_set(&err, MLODA_ERR_IO, "file", "later"), MLODA_ERR_IO);
    CHECK_EQ_INT(err.code, MLODA_ERR_PARSE);
    CHECK_EQ_INT(err.position, 17);
    CHECK_STR(err.subject, "line");
    CHECK_STR(err.message, "bad quote");

    /* MLODA_OK records nothing; NULL err and NULL subject are fine */
    mloda_error_reset(&err);
    CHECK_EQ_INT(mloda_error_set(&err, MLODA_OK, "s", "nothing"), MLODA_OK);
    CHECK(is_cleared(&err));
    CHECK_EQ_INT(mloda_error_set(NULL, MLODA_ERR_IO, "s", "x"), MLODA_ERR_IO);
    CHECK_EQ_INT(mloda_error_set_at(NULL, MLODA_ERR_IO, "s", 3, "x"), MLODA_ERR_IO);
    CHECK_EQ_INT(mloda_error_set(&err, MLODA_ERR_IO, NULL, "no subject"), MLODA_ERR_IO);
    CHECK_STR(err.subject, "");
    CHECK_STR(err.message, "no subject");
}

static void test_null_format(void)
{
    static const mloda_status codes[] = {MLODA_ERR_NOMEM, MLODA_ERR_TYPE, MLODA_ERR_PLUGIN,
                                         MLODA_ERR_INTERNAL};
    for (size_t k = 0; k < sizeof codes / sizeof codes[0]; k++) {
        TEST_CASE("%s", mloda_status_name(codes[k]));
        mloda_error err = MLODA_ERROR_INIT;
        CHECK_EQ_INT(mloda_error_set(&err, codes[k], "s", NULL), codes[k]);
        CHECK_STR(err.message, mloda_status_description(codes[k]));
        mloda_error_reset(&err);
        CHECK_EQ_INT(mloda_error_set_at(&err, codes[k], NULL, 5, NULL), codes[k]);
        CHECK_STR(err.message, mloda_status_description(codes[k]));
        CHECK_EQ_INT(err.position, 5);
    }
}

static void test_one_line(void)
{
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"two\nlines", "two lines"},
        {"crlf\r\nend", "crlf  end"},
        {"tab\there", "tab here"},
        {"\x1b[31mred\x1b[0m", " [31mred [0m"},
        {"bell\x07 del\x7f", "bell  del "},
        {"caf\xc3\xa9 \xe2\x82\xac ok", "caf\xc3\xa9 \xe2\x82\xac ok"}, /* UTF-8 is kept */
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        TEST_CASE("case %zu", k);
        mloda_error err = MLODA_ERROR_INIT;
        (void)mloda_error_set(&err, MLODA_ERR_PARSE, cases[k].in, "%s", cases[k].in);
        CHECK_STR(err.subject, cases[k].out);
        CHECK_STR(err.message, cases[k].out);
    }
}

/* A text of `prefix` ASCII bytes and then the multi-byte character `ch` repeated, recorded
 * as subject and as message: each keeps the longest prefix that fits (127 / 511 bytes)
 * without a partial character at its end. */
static void test_truncation(void)
{
    static const struct {
        const char *ch; /* one UTF-8 character */
        size_t prefix;  /* ASCII bytes before the first one */
    } cases[] = {
        {"a", 0},     {"\xc3\xa9", 125},        {"\xc3\xa9", 126},         {"\xc3\xa9", 127},
        {"\xe2\x82\xac", 124}, {"\xe2\x82\xac", 125}, {"\xe2\x82\xac", 126},
        {"\xf0\x9f\x98\x80", 123}, {"\xf0\x9f\x98\x80", 124}, {"\xf0\x9f\x98\x80", 125},
        {"\xf0\x9f\x98\x80", 126}, {"\xc3\xa9", 509}, {"\xc3\xa9", 510},
        {"\xe2\x82\xac", 508}, {"\xe2\x82\xac", 509}, {"\xe2\x82\xac", 510},
        {"\xf0\x9f\x98\x80", 507}, {"\xf0\x9f\x98\x80", 508}, {"\xf0\x9f\x98\x80", 509},
        {"\xf0\x9f\x98\x80", 510},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        const size_t w = strlen(cases[k].ch);
        TEST_CASE("%zu ASCII bytes, then %zu-byte characters", cases[k].prefix, w);
        char text[1200];
        size_t len = 0;
        for (; len < cases[k].prefix; len++)
            text[len] = 'x';
        while (len + w < sizeof text - 1) {
            memcpy(text + len, cases[k].ch, w);
            len += w;
        }
        text[len] = '\0';
        static const struct {
            size_t cap;
            bool subject;
        } fields[] = {{MLODA_ERROR_SUBJECT_MAX, true}, {MLODA_ERROR_MESSAGE_MAX, false}};
        for (size_t f = 0; f < 2; f++) {
            mloda_error err = MLODA_ERROR_INIT;
            (void)mloda_error_set(&err, MLODA_ERR_PARSE, text, "%s", text);
            const char *got = fields[f].subject ? err.subject : err.message;
            const size_t cap = fields[f].cap;
            /* the longest whole-character prefix of at most cap - 1 bytes */
            size_t want = cap - 1;
            if (want > cases[k].prefix)
                want = cases[k].prefix + (want - cases[k].prefix) / w * w;
            CHECK_EQ_INT(strlen(got), want);
            CHECK(memcmp(got, text, strlen(got)) == 0);
            CHECK(valid_utf8(got));
        }
    }
    /* a message built from several arguments is truncated the same way */
    char word[600];
    memset(word, 'y', sizeof word - 1);
    word[sizeof word - 1] = '\0';
    mloda_error err = MLODA_ERROR_INIT;
    (void)mloda_error_set(&err, MLODA_ERR_PARSE, "s", "%.509s\xe2\x82\xac%s", word, word);
    CHECK_EQ_INT(strlen(err.message), 509);
    CHECK(valid_utf8(err.message));
}

/*
 * Issue 16, finding 9: a message naming a long feature kept the name and lost the reason
 * after it (cut at 512 bytes). Quoted names are now shortened in the middle until the
 * message fits; names of multi-byte characters stay valid UTF-8; a message without quotes
 * is truncated as before.
 */
static void test_long_names(void)
{
    static const char *const chars[] = {"a", "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80"};
    for (size_t k = 0; k < sizeof chars / sizeof chars[0]; k++) {
        for (size_t n_chars = 100; n_chars <= 1900; n_chars += 450) { /* within 16 KB */
            TEST_CASE("%zu characters of %zu bytes", n_chars, strlen(chars[k]));
            char name[12100] = "";
            for (size_t i = 0; i < n_chars; i++)
                strcat(name, chars[k]);
            mloda_error err = MLODA_ERROR_INIT;
            (void)mloda_error_set(&err, MLODA_ERR_RESOLVE, "s",
                                  "feature 'x__%s': the reason comes last; input 'y%s' too",
                                  name, name);
            CHECK(valid_utf8(err.message));
            CHECK(strlen(err.message) <= MLODA_ERROR_MESSAGE_MAX - 1);
            CHECK_CONTAINS(err.message, "': the reason comes last; input 'y");
            CHECK_CONTAINS(err.message, "' too");
            CHECK(strncmp(err.message, "feature 'x__", 12) == 0);
            if (strlen(name) + 70 > MLODA_ERROR_MESSAGE_MAX) /* elided: head ... tail */
                CHECK_CONTAINS(err.message, "...");
            else
                CHECK_CONTAINS(err.message, name); /* short enough: whole */
            /* the helper for messages built elsewhere */
            char buf[40];
            const char *e = mloda_elide_name(name, buf, sizeof buf);
            CHECK(strlen(e) <= sizeof buf - 1);
            CHECK(valid_utf8(e));
            CHECK(strlen(name) < sizeof buf ? strcmp(e, name) == 0
                                            : strstr(e, "...") != NULL &&
                                                  strncmp(e, name, 4) == 0);
        }
    }
    /* nothing quoted: truncated, as before */
    char plain[1000];
    memset(plain, 'z', sizeof plain - 1);
    plain[sizeof plain - 1] = '\0';
    mloda_error err = MLODA_ERROR_INIT;
    (void)mloda_error_set(&err, MLODA_ERR_PARSE, NULL, "%s and the end", plain);
    CHECK_EQ_INT(strlen(err.message), MLODA_ERROR_MESSAGE_MAX - 1);
    char small[6], eight[8];
    CHECK_STR(mloda_elide_name("abcdefghijkl", small, sizeof small), "abcde");
    CHECK_STR(mloda_elide_name("abcdefghijkl", eight, sizeof eight), "ab...kl");
    CHECK_STR(mloda_elide_name(NULL, small, sizeof small), "");
}

static void test_status_names(void)
{
    static const struct {
        mloda_status st;
        const char *name, *desc;
    } known[] = {
        {MLODA_OK, "MLODA_OK", "ok"},
        {MLODA_ERR_INVALID_ARG, "MLODA_ERR_INVALID_ARG", "invalid argument"},
        {MLODA_ERR_NOMEM, "MLODA_ERR_NOMEM", "out of memory"},
        {MLODA_ERR_PARSE, "MLODA_ERR_PARSE", "malformed input"},
        {MLODA_ERR_RESOLVE, "MLODA_ERR_RESOLVE", "no feature group matches"},
        {MLODA_ERR_AMBIGUOUS, "MLODA_ERR_AMBIGUOUS", "several feature groups match"},
        {MLODA_ERR_CYCLE, "MLODA_ERR_CYCLE", "dependency cycle"},
        {MLODA_ERR_OPTION, "MLODA_ERR_OPTION", "invalid option"},
        {MLODA_ERR_DUPLICATE, "MLODA_ERR_DUPLICATE", "duplicate name"},
        {MLODA_ERR_SCHEMA, "MLODA_ERR_SCHEMA", "data does not fit the schema"},
        {MLODA_ERR_TYPE, "MLODA_ERR_TYPE", "wrong type"},
        {MLODA_ERR_COMPUTE, "MLODA_ERR_COMPUTE", "calculation failed"},
        {MLODA_ERR_PLUGIN, "MLODA_ERR_PLUGIN", "feature group plugin error"},
        {MLODA_ERR_CANCELLED, "MLODA_ERR_CANCELLED", "cancelled"},
        {MLODA_ERR_IO, "MLODA_ERR_IO", "input/output error"},
        {MLODA_ERR_RANGE, "MLODA_ERR_RANGE", "value out of range"},
        {MLODA_ERR_INTERNAL, "MLODA_ERR_INTERNAL", "internal error"},
    };
    for (size_t k = 0; k < sizeof known / sizeof known[0]; k++) {
        TEST_CASE("%s", known[k].name);
        CHECK_EQ_INT(known[k].st, (int)k); /* the numbers are part of the ABI */
        CHECK_STR(mloda_status_name(known[k].st), known[k].name);
        CHECK_STR(mloda_status_description(known[k].st), known[k].desc);
        CHECK(mloda_status_is_known(known[k].st));
    }
    static const int unknown[] = {17, 18, 77, 999, -1, -3, 0x7fffffff};
    for (size_t k = 0; k < sizeof unknown / sizeof unknown[0]; k++) {
        TEST_CASE("%d", unknown[k]);
        const mloda_status st = (mloda_status)unknown[k];
        CHECK_STR(mloda_status_name(st), "MLODA_UNKNOWN");
        CHECK_STR(mloda_status_description(st), "unknown status");
        CHECK(!mloda_status_is_known(st));
    }
}

/* ---------------------------------------------------------------- entry points */

/* One error object through a loop of calls: after each call err.code is what it returned
 * and the message is that call's; a success leaves it cleared. */
static void test_one_error_across_calls(void)
{
    mloda_registry *reg = mloda_registry_default();
    const double x[] = {1, 2, 3};
    mloda_api_data *example = api_one_f64("T", "x", x, 3);
    const int64_t xi[] = {1, 2, 3};
    mloda_api_data *wrong = mloda_api_data_new();
    const char *col = "x";
    mloda_column *ci = col_i64(xi, NULL, 3);
    api_add(wrong, "T", 1, &col, &ci);
    const char *good_names[] = {"x", "x__sum_aggr"};
    const char *bad_names[] = {"x", "nosuchcolumn"};
    mloda_request *good_req = request_of(good_names, 2);
    mloda_request *bad_req = request_of(bad_names, 2);

    mloda_error err = MLODA_ERROR_INIT;
    mloda_session *s = NULL, *none = NULL;
    mloda_results *res = NULL;
    for (int round = 0; round < 2; round++) {
        TEST_CASE("round %d", round);
        mloda_status st = mloda_prepare(reg, good_req, example, &s, &err);
        CHECK_EQ_INT(st, MLODA_OK);
        CHECK(is_cleared(&err));

        st = mloda_prepare(reg, bad_req, example, &none, &err);
        CHECK_EQ_INT(st, MLODA_ERR_RESOLVE);
        CHECK_EQ_INT(err.code, st);
        CHECK_STR(err.subject, "nosuchcolumn");
        CHECK_CONTAINS(err.message, "nosuchcolumn");

        st = mloda_session_run(s, wrong, &res, &err);
        CHECK_EQ_INT(st, MLODA_ERR_TYPE);
        CHECK_EQ_INT(err.code, st);
        CHECK_CONTAINS(err.message, "batch does not fit the prepared schema");
        CHECK(strstr(err.message, "nosuchcolumn") == NULL);
        CHECK(res == NULL);

        st = mloda_session_run(s, example, &res, &err);
        CHECK_EQ_INT(st, MLODA_OK);
        CHECK(is_cleared(&err));
        CHECK_CLOSE(num_at(result_column(res, "x__sum_aggr"), 0), 6.0);
        mloda_results_free(res);
        res = NULL;

        /* a failure of the argument checks overwrites too */
        st = mloda_request_set_threads(good_req, -1, &err);
        CHECK_EQ_INT(st, MLODA_ERR_INVALID_ARG);
        CHECK_EQ_INT(err.code, st);
        CHECK(mloda_session_plan(s, MLODA_PLAN_TEXT, NULL, &err) != MLODA_OK);
        CHECK_EQ_INT(err.code, MLODA_ERR_INVALID_ARG);
        char *text = NULL;
        CHECK_OK(mloda_session_plan(s, MLODA_PLAN_TEXT, &text, &err), err);
        CHECK(is_cleared(&err));
        mloda_string_free(text);
        mloda_session_free(s);
        s = NULL;
    }
    mloda_request_free(bad_req);
    mloda_request_free(good_req);
    mloda_api_data_free(wrong);
    mloda_api_data_free(example);
    mloda_registry_free(reg);
}

/* A stale error going in: successful calls of every kind of entry point clear it. */
static void test_success_clears_a_stale_error(void)
{
    mloda_registry *reg = mloda_registry_default();
    const double x[] = {1, 2, 3};
    mloda_api_data *api = api_one_f64("T", "x", x, 3);
    mloda_request *req = mloda_request_new();
    mloda_options *opts = mloda_options_new();
    mloda_session *s = NULL;
    mloda_stream *stream = NULL;
    mloda_results *res = NULL;
    mloda_column *c = NULL;
    mloda_table *t = NULL;
    char *text = NULL;
    const char *cname = "x";
    for (int k = 0;; k++) {
        mloda_error err;
        mloda_error_reset(&err);
        (void)mloda_error_set_at(&err, MLODA_ERR_INTERNAL, "stale", 3, "left over");
        mloda_status st = MLODA_OK;
        const char *what = NULL;
        switch (k) {
        case 0: what = "mloda_request_add";
            st = mloda_request_add(req, "x__sum_aggr", NULL, &err); break;
        case 1: what = "mloda_request_set_threads";
            st = mloda_request_set_threads(req, 1, &err); break;
        case 2: what = "mloda_options_set_string";
            st = mloda_options_set_string(opts, MLODA_CONTEXT, "k", "v", &err); break;
        case 3: what = "mloda_prepare";
            st = mloda_prepare(reg, req, api, &s, &err); break;
        case 4: what = "mloda_session_run";
            st = mloda_session_run(s, api, &res, &err); break;
        case 5: what = "mloda_session_stream_run";
            st = mloda_session_stream_run(s, api, &stream, &err); break;
        case 6: what = "mloda_stream_next";
            st = mloda_stream_next(stream, &t, &err); break;
        case 7: what = "mloda_session_plan";
            st = mloda_session_plan(s, MLODA_PLAN_JSON, &text, &err); break;
        case 8: what = "mloda_column_from_float64";
            st = mloda_column_from_float64(3, x, NULL, &c, &err); break;
        case 9: what = "mloda_api_data_add_columns";
            st = mloda_api_data_add_columns(api, "U", 1, &cname, (const mloda_column *const *)&c,
                                            &err);
            break;
        case 10: what = "mloda_request_set_column_ordering";
            st = mloda_request_set_column_ordering(req, MLODA_ORDER_ALPHABETICAL, &err); break;
        default: break;
        }
        if (what == NULL)
            break;
        TEST_CASE("%s", what);
        CHECK_EQ_INT(st, MLODA_OK);
        CHECK(is_cleared(&err));
    }
    mloda_table_release(t);
    mloda_stream_free(stream);
    mloda_string_free(text);
    mloda_column_release(c);
    mloda_results_free(res);
    mloda_session_free(s);
    mloda_options_free(opts);
    mloda_request_free(req);
    mloda_api_data_free(api);
    mloda_registry_free(reg);
}

static void test_default_subject(void)
{
    static const struct {
        const char *set_subject; /* NULL: no error recorded before */
        const char *fill, *want;
    } cases[] = {
        {"", "value__sum_aggr", "value__sum_aggr"},        /* failure without a subject */
        {"inner_column", "value__sum_aggr", "inner_column"}, /* the inner subject stays */
        {NULL, "value__sum_aggr", "value__sum_aggr"},      /* nothing recorded yet */
        {"", "", ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        TEST_CASE("%zu", i);
        mloda_error err = MLODA_ERROR_INIT;
        if (cases[i].set_subject != NULL)
            (void)mloda_error_set(&err, MLODA_ERR_COMPUTE, cases[i].set_subject, "boom");
        mloda_error_default_subject(&err, cases[i].fill);
        CHECK_STR(err.subject, cases[i].want);
        if (cases[i].set_subject != NULL) {
            CHECK(err.code == MLODA_ERR_COMPUTE);
            CHECK_STR(err.message, "boom");
        }
    }
    mloda_error_default_subject(NULL, "x"); /* NULL err: nothing happens */

    /* a subject longer than the buffer is cut, NUL-terminated */
    char longname[300];
    memset(longname, 'a', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    mloda_error err = MLODA_ERROR_INIT;
    (void)mloda_error_set(&err, MLODA_ERR_COMPUTE, NULL, "boom");
    mloda_error_default_subject(&err, longname);
    CHECK_EQ_INT(strlen(err.subject), sizeof err.subject - 1);
}

int main(void)
{
    RUN(test_init_and_reset);
    RUN(test_first_error_wins);
    RUN(test_null_format);
    RUN(test_one_line);
    RUN(test_truncation);
    RUN(test_long_names);
    RUN(test_status_names);
    RUN(test_one_error_across_calls);
    RUN(test_success_clears_a_stale_error);
    RUN(test_default_subject);
    return TEST_SUMMARY();
}
