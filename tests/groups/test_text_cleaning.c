/*
 * test_text_cleaning.c: the text-cleaning family against SPEC.md §6.6's observed example
 * and the values mloda computed (conformance cases 039–041, 050, 055), plus each
 * operation's corner cases (Python's whitespace set, the regular expressions' leftmost
 * greedy matches, stopwords, Unicode folding of every script), nulls, zero rows, the option form, errors
 * and a chain.
 */
#include "groups/groups.h"
#include "support.h"
#include "util/alloc.h"

static mloda_registry *reg;

/* Runs feature (name + cleaning_operations + optional in_features) over column `note`
 * and checks the texts (NULL = null). */
static void check_clean(mloda_api_data *api, const char *name, const char *const *ops,
                        int64_t n_ops, const char *in, const char *const *want, int64_t n)
{
    mloda_options *o = mloda_options_new();
    (void)mloda_options_set_string_list(o, MLODA_CONTEXT, "cleaning_operations", n_ops, ops,
                                        NULL);
    if (in != NULL)
        (void)mloda_options_set_string(o, MLODA_CONTEXT, "in_features", in, NULL);
    mloda_request *req = mloda_request_new();
    (void)mloda_request_add(req, name, o, NULL);
    mloda_results *res = NULL;
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_OK(mloda_run_all(reg, req, api, &res, &err), err);
    const mloda_column *c = result_column(res, name);
    CHECK(c != NULL && mloda_column_type(c) == MLODA_TYPE_UTF8);
    CHECK(c != NULL && mloda_column_n_rows(c) == n);
    for (int64_t i = 0; c != NULL && i < n && i < mloda_column_n_rows(c); i++) {
        int64_t len = 0;
        const char *s = mloda_column_utf8_at(c, i, &len);
        if (want[i] == NULL) {
            CHECK_MSG(s == NULL, "row %lld: want null, got \"%.*s\"", (long long)i, (int)len,
                      s ? s : "");
        } else {
            CHECK_MSG(s != NULL && (size_t)len == strlen(want[i]) &&
                          memcmp(s, want[i], (size_t)len) == 0,
                      "row %lld: \"%.*s\" != \"%s\"", (long long)i, (int)len, s ? s : "(null)",
                      want[i]);
        }
    }
    mloda_results_free(res);
    mloda_request_free(req);
    mloda_options_free(o);
}

static mloda_api_data *api_notes(const char *const *notes, int64_t n)
{
    mloda_api_data *api = mloda_api_data_new();
    const char *name = "note";
    mloda_column *c = col_str(notes, n);
    api_add(api, "T", 1, &name, &c);
    return api;
}

/* The texts of conformance cases 039–041 (041 adds the seventh). */
static const char *const NOTES[] = {
    "Visit WWW.Example.org/path today!",
    "Mail: Jane.Doe@Mail.co.uk, or http://x.io?q=1",
    "Cr\xC3\xA8me Br\xC3\xBBl\xC3\xA9" "e \xE2\x80\x94 100% \xC3\x9Cn\xC3\xAF" "code",
    "tabs\tand\nnewlines   here",
    "",
    "!!!",
    "\xC3\x85ngstr\xC3\xB6m \xEF\xAC\x81le \xE2\x84\x96" "5",
};

/* SPEC §6.6's observed example. */
static void test_spec_example(void)
{
    const char *notes[] = {"  H\xC3\xA9llo, World!  Visit https://x.com or a@b.com  "};
    mloda_api_data *api = api_notes(notes, 1);
    const char *ops[] = {"remove_urls", "normalize", "remove_punctuation",
                         "normalize_whitespace"};
    const char *want[] = {"hello world visit or"};
    TEST_CASE("string form");
    check_clean(api, "note__cleaned_text", ops, 4, NULL, want, 1);
    TEST_CASE("option form");
    check_clean(api, "tidy", ops, 4, "note", want, 1);
    mloda_api_data_free(api);
}

/* Conformance 039: each operation alone. */
static void test_case039(void)
{
    mloda_api_data *api = api_notes(NOTES, 6);
    static const struct {
        const char *op;
        const char *want[6];
    } cases[] = {
        {"normalize",
         {"visit www.example.org/path today!", "mail: jane.doe@mail.co.uk, or http://x.io?q=1",
          "creme brulee \xE2\x80\x94 100% unicode", "tabs\tand\nnewlines   here", "", "!!!"}},
        {"normalize_whitespace",
         {"Visit WWW.Example.org/path today!", "Mail: Jane.Doe@Mail.co.uk, or http://x.io?q=1",
          "Cr\xC3\xA8me Br\xC3\xBBl\xC3\xA9" "e \xE2\x80\x94 100% \xC3\x9Cn\xC3\xAF" "code",
          "tabs and newlines here", "", "!!!"}},
        {"remove_punctuation",
         {"Visit WWWExampleorgpath today", "Mail JaneDoeMailcouk or httpxioq1",
          "Cr\xC3\xA8me Br\xC3\xBBl\xC3\xA9" "e \xE2\x80\x94 100 \xC3\x9Cn\xC3\xAF" "code",
          "tabs\tand\nnewlines   here", "", ""}},
        {"remove_special_chars",
         {"Visit WWWExampleorgpath today", "Mail JaneDoeMailcouk or httpxioq1",
          "Crme Brle  100 ncode", "tabs\tand\nnewlines   here", "", ""}},
        {"remove_urls",
         {"Visit WWW.Example.org/path today!", "Mail:  or ",
          "Cr\xC3\xA8me Br\xC3\xBBl\xC3\xA9" "e \xE2\x80\x94 100% \xC3\x9Cn\xC3\xAF" "code",
          "tabs\tand\nnewlines   here", "", "!!!"}},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        TEST_CASE("039 %s", cases[k].op);
        char name[64];
        snprintf(name, sizeof name, "note_%s", cases[k].op);
        check_clean(api, name, &cases[k].op, 1, "note", cases[k].want, 6);
    }
    mloda_api_data_free(api);
}

/* Conformance 040 (order matters) and 041 (normalize + special chars + whitespace). */
static void test_cases040_041(void)
{
    mloda_api_data *api = api_notes(NOTES, 6);
    const char *p_then_u[] = {"remove_punctuation", "remove_urls", "normalize_whitespace"};
    const char *u_then_p[] = {"remove_urls", "remove_punctuation", "normalize_whitespace"};
    const char *want_pu[] = {"Visit WWWExampleorgpath today", "Mail JaneDoeMailcouk or httpxioq1",
                             "Cr\xC3\xA8me Br\xC3\xBBl\xC3\xA9" "e \xE2\x80\x94 100 "
                             "\xC3\x9Cn\xC3\xAF" "code",
                             "tabs and newlines here", "", ""};
    const char *want_up[] = {"Visit WWWExampleorgpath today", "Mail or",
                             "Cr\xC3\xA8me Br\xC3\xBBl\xC3\xA9" "e \xE2\x80\x94 100 "
                             "\xC3\x9Cn\xC3\xAF" "code",
                             "tabs and newlines here", "", ""};
    TEST_CASE("040 punctuation then urls");
    check_clean(api, "note_p_then_u", p_then_u, 3, "note", want_pu, 6);
    TEST_CASE("040 urls then punctuation");
    check_clean(api, "note_u_then_p", u_then_p, 3, "note", want_up, 6);
    mloda_api_data_free(api);

    api = api_notes(NOTES, 7);
    const char *ops[] = {"normalize", "remove_special_chars", "normalize_whitespace"};
    const char *want[] = {"visit wwwexampleorgpath today", "mail janedoemailcouk or httpxioq1",
                          "creme brulee 100 unicode", "tabs and newlines here", "", "",
                          "angstrom file No5"};
    TEST_CASE("041");
    check_clean(api, "note_clean", ops, 3, "note", want, 7);
    mloda_api_data_free(api);
}

/* Conformance 050 (text part) and 055 (stream, text part). */
static void test_cases050_055(void)
{
    const char *notes[] = {"\xC3\x89T\xC3\x89", "No\xC3\xABl", "ok", "\xC3\x80\xC3\x87\xC3\x9C"};
    mloda_api_data *api = api_notes(notes, 4);
    const char *ops[] = {"normalize"};
    const char *want[] = {"ete", "noel", "ok", "acu"};
    TEST_CASE("050");
    check_clean(api, "note_n", ops, 1, "note", want, 4);
    mloda_api_data_free(api);

    const char *ex[] = {"x"};
    mloda_api_data *example = api_notes(ex, 1);
    mloda_options *o = mloda_options_new();
    const char *ws_p[] = {"normalize_whitespace", "remove_punctuation"};
    (void)mloda_options_set_string_list(o, MLODA_CONTEXT, "cleaning_operations", 2, ws_p, NULL);
    (void)mloda_options_set_string(o, MLODA_CONTEXT, "in_features", "note", NULL);
    mloda_request *req = mloda_request_new();
    (void)mloda_request_add(req, "note_ws", o, NULL);
    mloda_session *session = NULL;
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_OK(mloda_prepare(reg, req, example, &session, &err), err);
    static const struct {
        int64_t n;
        const char *in[3], *want[3];
    } batches[] = {
        {2, {"  a,  b ", "c."}, {"a b", "c"}},
        {1, {"d!  e"}, {"d e"}},
        {3, {"", " f ", "g?h"}, {"", "f", "gh"}},
        {2, {"i", "j"}, {"i", "j"}},
    };
    for (int b = 0; session != NULL && b < 4; b++) {
        TEST_CASE("055 batch %d", b);
        mloda_api_data *api_b = api_notes(batches[b].in, batches[b].n);
        mloda_results *res = NULL;
        mloda_error_reset(&err);
        CHECK_OK(mloda_session_run(session, api_b, &res, &err), err);
        const mloda_column *c = result_column(res, "note_ws");
        for (int64_t i = 0; c != NULL && i < batches[b].n; i++) {
            int64_t len = 0;
            const char *s = mloda_column_utf8_at(c, i, &len);
            CHECK(s != NULL && (size_t)len == strlen(batches[b].want[i]) &&
                  memcmp(s, batches[b].want[i], (size_t)len) == 0);
        }
        mloda_results_free(res);
        mloda_api_data_free(api_b);
    }
    mloda_session_free(session);
    mloda_request_free(req);
    mloda_options_free(o);
    mloda_api_data_free(example);
}

/* One op at a time on hand-checked inputs (expected values follow Python's semantics). */
static void test_operations(void)
{
    static const struct {
        const char *op, *in, *want;
    } cases[] = {
        /* normalize */
        {"normalize", "ABC xyz 123", "abc xyz 123"},
        {"normalize", "\xC3\x86sop \xC3\x98re \xC3\x9F \xC3\xB0", "\xC3\xA6sop \xC3\xB8re \xC3\x9F \xC3\xB0"},
        {"normalize", "\xC4\xB0stanbul \xC4\xB1", "istanbul \xC4\xB1"},       /* İ -> i, ı stays */
        {"normalize", "\xC5\x81\xC3\xB3" "d\xC5\xBA", "\xC5\x82odz"},               /* Łódź */
        {"normalize", "\xC2\xBD \xC2\xB2 \xC2\xAA", "1\xE2\x81\x84" "2 2 a"}, /* ½ ² ª */
        {"normalize", "a\xC2\xA0" "b", "a b"},                            /* NBSP -> space */
        {"normalize", "\xC5\x92uvre \xC4\xB2", "\xC5\x93uvre ij"},          /* Œ -> œ, Ĳ -> ij */
        {"normalize", "e\xCC\x81", "e"},                                  /* e + combining acute */
        {"normalize", "Ti\xE1\xBA\xBFng Vi\xE1\xBB\x87t", "tieng viet"},  /* Vietnamese */
        {"normalize", "\xCE\x9F\xCE\x94\xCE\x9F\xCE\xA3 \xCE\xA3", "\xCE\xBF\xCE\xB4\xCE\xBF\xCF\x82 \xCF\x83"},
        {"normalize", "\xD0\x9F\xD0\xA0\xD0\x98\xD0\x92\xD0\x95\xD0\xA2 \xD0\x81",
         "\xD0\xBF\xD1\x80\xD0\xB8\xD0\xB2\xD0\xB5\xD1\x82 \xD0\xB5"},    /* ПРИВЕТ Ё */
        {"normalize", "\xEF\xBC\xA1\xEF\xBD\x82\xEF\xBC\x91", "ab1"},     /* fullwidth Ａｂ１ */
        {"normalize", "\xE2\x84\xA2 \xE2\x80\xA6 \xE2\x91\xA0", "TM ... 1"}, /* lower, then NFKD */
        {"normalize", "\xE4\xB8\xAD\xE6\x96\x87", "\xE4\xB8\xAD\xE6\x96\x87"}, /* CJK kept */
        {"normalize", "bad \xFF\xC3 byte", "bad \xFF\xC3 byte"},          /* invalid UTF-8 kept */
        /* every script (values from Python 3.11: str.lower, NFKD, combining dropped) */
        {"normalize", "\xD4\xB2\xD5\xA1\xD6\x80\xD5\xA5\xD6\x82 \xD5\x81\xD5\xA5\xD5\xA6", "\xD5\xA2\xD5\xA1\xD6\x80\xD5\xA5\xD6\x82 \xD5\xB1\xD5\xA5\xD5\xA6"}, /* Armenian */
        {"normalize", "\xED\x95\x9C\xEA\xB5\xAD\xEC\x96\xB4", "\xE1\x84\x92\xE1\x85\xA1\xE1\x86\xAB\xE1\x84\x80\xE1\x85\xAE\xE1\x86\xA8\xE1\x84\x8B\xE1\x85\xA5"}, /* Hangul syllables -> jamo */
        {"normalize", "\xE1\xB2\x90\xE1\xB2\x91\xE1\xB2\x92 \xE1\xB2\x93\xE1\xB2\x94", "\xE1\x83\x90\xE1\x83\x91\xE1\x83\x92 \xE1\x83\x93\xE1\x83\x94"}, /* Georgian Mtavruli */
        {"normalize", "\xE1\x8E\xA0\xE1\x8E\xA1", "\xEA\xAD\xB0\xEA\xAD\xB1"}, /* Cherokee */
        {"normalize", "\xF0\x90\x90\x80\xF0\x90\x90\x81", "\xF0\x90\x90\xA8\xF0\x90\x90\xA9"}, /* Deseret, 4-byte */
        {"normalize", "\xCE\xA3\xCE\x91\xCE\xA3. \xCE\x9F\xCE\x94\xCE\x9F\xCE\xA3'\xCE\xA3", "\xCF\x83\xCE\xB1\xCF\x82. \xCE\xBF\xCE\xB4\xCE\xBF\xCF\x83'\xCF\x82"}, /* final sigma past case-ignorables */
        {"normalize", "\xE1\xB4\xB4\xE1\xB5\x89\xCB\xA1\xCB\xA1\xE1\xB5\x92", "Hello"}, /* modifier letters decompose to capitals after lowering */
        {"normalize", "\xC7\x84 \xEF\xAC\x81 \xE2\x91\xA0 \xE2\x85\xAB \xE3\x8E\x8F", "dz fi 1 xii kg"}, /* compatibility forms */
        {"normalize", "\xEF\xBD\xB6\xEF\xBE\x9E\xEF\xBD\xB7\xEF\xBE\x9E", "\xE3\x82\xAB\xE3\x82\xAD"}, /* halfwidth katakana, voiced mark dropped */
        {"normalize", "\xEF\xB7\xBA", "\xD8\xB5\xD9\x84\xD9\x89 \xD8\xA7\xD9\x84\xD9\x84\xD9\x87 \xD8\xB9\xD9\x84\xD9\x8A\xD9\x87 \xD9\x88\xD8\xB3\xD9\x84\xD9\x85"}, /* U+FDFA: 18 code points */
        {"normalize", "\xC4\xB0", "i"}, /* SpecialCasing */
        /* remove_stopwords */
        {"remove_stopwords", "The cat and THE hat", "cat hat"},
        {"remove_stopwords", "  I don't know  what's\tthis ", "know what's"},
        {"remove_stopwords", "a an the", ""},
        {"remove_stopwords", "Caf\xC3\xA9 is open", "Caf\xC3\xA9 open"},
        {"remove_stopwords", "", ""},
        /* remove_punctuation */
        {"remove_punctuation", "a!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~b", "ab"},
        {"remove_punctuation", "\xE2\x80\x94\xC2\xBF\xC2\xA1 ok", "\xE2\x80\x94\xC2\xBF\xC2\xA1 ok"},
        /* remove_special_chars */
        {"remove_special_chars", "a_b-c \xC3\xA9\t1\xC2\xA0" "2", "abc \t1\xC2\xA0" "2"},
        {"remove_special_chars", "\xE2\x80\x83x\xE3\x80\x80", "\xE2\x80\x83x\xE3\x80\x80"},
        /* normalize_whitespace */
        {"normalize_whitespace", " \t a \r\n\x0b\x0c b \x1f", "a b"},
        {"normalize_whitespace", "x\xC2\xA0\xE2\x80\x83y\xC2\x85z", "x y z"},
        {"normalize_whitespace", "   ", ""},
        /* remove_urls */
        {"remove_urls", "see https://a.b/c?d=1, now", "see  now"},
        {"remove_urls", "xhttp://a y", "x y"},
        {"remove_urls", "http:// x", "http:// x"},
        {"remove_urls", "https:/a www. wwwx.com", "https:/a www. wwwx.com"},
        {"remove_urls", "go www.x.org", "go "},
        {"remove_urls", "HTTP://X.COM", "HTTP://X.COM"},
        {"remove_urls", "mail me@x.co or @x.co or me@.co or me@x. or a@b.c", "mail  or @x.co or me@.co or me@x. or "},
        {"remove_urls", "x@y@z.w @a@b.c", " "},
        {"remove_urls", "(me@x.org)", ""},
        {"remove_urls", "url:http://x.y/z\xC2\xA0tail", "url:\xC2\xA0tail"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        TEST_CASE("%s on \"%s\"", cases[k].op, cases[k].in);
        mloda_api_data *api = api_notes(&cases[k].in, 1);
        check_clean(api, "note__cleaned_text", &cases[k].op, 1, NULL, &cases[k].want, 1);
        mloda_api_data_free(api);
    }
}

/* Null stays null; empty list of operations is the identity; zero rows; all-null. */
static void test_nulls_and_sizes(void)
{
    const char *notes[] = {"A b", NULL, "", NULL};
    mloda_api_data *api = api_notes(notes, 4);
    const char *all[] = {"remove_urls", "normalize", "remove_stopwords", "remove_punctuation",
                         "remove_special_chars", "normalize_whitespace"};
    const char *want[] = {"b", NULL, "", NULL};
    TEST_CASE("nulls, every op");
    check_clean(api, "note__cleaned_text", all, 6, NULL, want, 4);
    const char *same[] = {"A b", NULL, "", NULL};
    TEST_CASE("no operations");
    check_clean(api, "note__cleaned_text", NULL, 0, NULL, same, 4);
    mloda_api_data_free(api);

    const char *nulls[] = {NULL, NULL};
    api = api_notes(nulls, 2);
    TEST_CASE("all null");
    check_clean(api, "note__cleaned_text", all, 6, NULL, nulls, 2);
    mloda_api_data_free(api);

    api = api_notes(NULL, 0);
    TEST_CASE("zero rows");
    check_clean(api, "note__cleaned_text", all, 6, NULL, NULL, 0);
    mloda_api_data_free(api);

    /* a long text through every op (buffers grow) */
    enum { LONG = 100000 };
    char *big = malloc(LONG + 1);
    for (int i = 0; i < LONG; i++)
        big[i] = "Ab, \xC2\xBD"[i % 6] == '\0' ? 'x' : "Ab, \xC3\xA9 "[i % 7];
    big[LONG] = '\0';
    const char *bigs[] = {big};
    api = api_notes(bigs, 1);
    mloda_options *o = mloda_options_new();
    (void)mloda_options_set_string_list(o, MLODA_CONTEXT, "cleaning_operations", 6, all, NULL);
    mloda_request *req = mloda_request_new();
    (void)mloda_request_add(req, "note__cleaned_text", o, NULL);
    mloda_results *res = NULL;
    mloda_error err = MLODA_ERROR_INIT;
    TEST_CASE("long text");
    CHECK_OK(mloda_run_all(reg, req, api, &res, &err), err);
    int64_t len = 0;
    const char *s = mloda_column_utf8_at(result_column(res, "note__cleaned_text"), 0, &len);
    CHECK(s != NULL && len > 0 && len < LONG);
    mloda_results_free(res);
    mloda_request_free(req);
    mloda_options_free(o);
    mloda_api_data_free(api);
    free(big);
}

/* No code point folds to more than 11 bytes per byte of its UTF-8 (the bound the operation
 * reserves); U+FDFA reaches it. Every code point of Unicode, surrogates aside. */
static void test_fold_growth(void)
{
    char buf[128];
    size_t widest = 0;
    for (uint32_t cp = 0x80; cp <= 0x10FFFF; cp++) {
        if (cp >= 0xD800 && cp <= 0xDFFF)
            continue;
        size_t in_len = cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
        size_t n = mloda_text_fold_char(cp, false, buf);
        CHECK_MSG(n <= 11 * in_len, "U+%04X folds to %zu bytes", (unsigned)cp, n);
        if (n > widest * in_len)
            widest = n / in_len;
    }
    CHECK(widest == 11);
    CHECK(mloda_text_fold_char(0xFDFA, false, buf) == 33);
    CHECK(mloda_text_fold_char(0x0301, false, buf) == 0); /* a combining mark: dropped */
    CHECK(mloda_text_fold_char(0x3A3, true, buf) == 2 && memcmp(buf, "\xCF\x82", 2) == 0);
    CHECK(mloda_text_fold_char(0x3A3, false, buf) == 2 && memcmp(buf, "\xCF\x83", 2) == 0);
}

/* Option errors name the feature, the option and the allowed values; type errors. */
static void test_errors(void)
{
    const char *notes[] = {"x"};
    mloda_api_data *api = mloda_api_data_new();
    const char *names[] = {"note", "num"};
    const double nums[] = {1.0};
    mloda_column *cols[] = {col_str(notes, 1), col_f64(nums, 1)};
    api_add(api, "T", 2, names, cols);
    static const struct {
        const char *name, *op, *in;
        bool has_ops;
        mloda_status st;
        const char *msg1, *msg2;
    } cases[] = {
        /* conformance 060 */
        {"note__cleaned_text", NULL, NULL, false, MLODA_ERR_RESOLVE,
         "required option cleaning_operations is absent", "normalize_whitespace"},
        {"note__cleaned_text", "lowercase", NULL, true, MLODA_ERR_RESOLVE, "'lowercase'",
         "allowed: normalize, remove_stopwords"},
        {"tidy", "normalize", NULL, true, MLODA_ERR_RESOLVE, "in_features", "cleaning_operations"},
        {"num__cleaned_text", "normalize", NULL, true, MLODA_ERR_TYPE, "'num'", "float64"},
        {"tidy", "normalize", "num", true, MLODA_ERR_TYPE, "'num'", "utf8"},
        {"nowhere__cleaned_text", "normalize", NULL, true, MLODA_ERR_RESOLVE, "nowhere", ""},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        TEST_CASE("%s %s", cases[k].name, cases[k].op ? cases[k].op : "-");
        mloda_options *o = mloda_options_new();
        if (cases[k].has_ops)
            (void)mloda_options_set_string_list(o, MLODA_CONTEXT, "cleaning_operations", 1,
                                                &cases[k].op, NULL);
        if (cases[k].in != NULL)
            (void)mloda_options_set_string(o, MLODA_CONTEXT, "in_features", cases[k].in, NULL);
        mloda_request *req = mloda_request_new();
        (void)mloda_request_add(req, cases[k].name, o, NULL);
        mloda_results *res = NULL;
        mloda_error err = MLODA_ERROR_INIT;
        CHECK_EQ_INT(mloda_run_all(reg, req, api, &res, &err), cases[k].st);
        CHECK_CONTAINS(err.message, cases[k].name);
        CHECK_CONTAINS(err.message, cases[k].msg1);
        CHECK_CONTAINS(err.message, cases[k].msg2);
        mloda_results_free(res);
        mloda_request_free(req);
        mloda_options_free(o);
    }
    /* cleaning_operations as one string is one operation; a non-list is an error */
    mloda_options *o = mloda_options_new();
    (void)mloda_options_set_string(o, MLODA_CONTEXT, "cleaning_operations", "normalize", NULL);
    mloda_request *req = mloda_request_new();
    (void)mloda_request_add(req, "note__cleaned_text", o, NULL);
    mloda_results *res = NULL;
    mloda_error err = MLODA_ERROR_INIT;
    TEST_CASE("one op as a string");
    CHECK_OK(mloda_run_all(reg, req, api, &res, &err), err);
    mloda_results_free(res);
    mloda_request_free(req);
    (void)mloda_options_set_int(o, MLODA_CONTEXT, "cleaning_operations", 3, NULL);
    req = mloda_request_new();
    (void)mloda_request_add(req, "note__cleaned_text", o, NULL);
    mloda_error_reset(&err);
    TEST_CASE("ops as a number");
    CHECK_EQ_INT(mloda_run_all(reg, req, api, &res, &err), MLODA_ERR_RESOLVE);
    CHECK_CONTAINS(err.message, "must be a list");
    mloda_request_free(req);
    mloda_options_free(o);
    mloda_api_data_free(api);
}

/* A chain into text cleaning: the mode-imputed text, then cleaned. */
static void test_chain(void)
{
    const char *notes[] = {"Big  Apple", NULL, "Big  Apple", "pear"};
    mloda_api_data *api = api_notes(notes, 4);
    const char *ops[] = {"normalize", "normalize_whitespace"};
    const char *want[] = {"big apple", "big apple", "big apple", "pear"};
    TEST_CASE("note__mode_imputed__cleaned_text");
    check_clean(api, "note__mode_imputed__cleaned_text", ops, 2, NULL, want, 4);
    mloda_api_data_free(api);
}

/* Allocation failures anywhere surface as MLODA_ERR_NOMEM, with nothing leaked. */
static void test_oom(void)
{
    const char *notes[] = {"  Caf\xC3\xA9 at www.x.org, the END  ", NULL, "a@b.co"};
    mloda_api_data *api = api_notes(notes, 3);
    const char *all[] = {"remove_urls", "normalize", "remove_stopwords", "remove_punctuation",
                         "remove_special_chars", "normalize_whitespace"};
    mloda_options *o = mloda_options_new();
    (void)mloda_options_set_string_list(o, MLODA_CONTEXT, "cleaning_operations", 6, all, NULL);
    mloda_request *req = mloda_request_new();
    (void)mloda_request_add(req, "note__cleaned_text", o, NULL);
    for (long n = 0;; n++) {
        mloda_test_fail_alloc_at(n);
        mloda_results *res = NULL;
        mloda_error err = MLODA_ERROR_INIT;
        mloda_status st = mloda_run_all(reg, req, api, &res, &err);
        bool injected = mloda_test_alloc_failed();
        mloda_test_fail_alloc_at(-1);
        mloda_results_free(res);
        if (!injected)
            break;
        TEST_CASE("fail allocation %ld", n);
        CHECK(st == MLODA_OK || (st == MLODA_ERR_NOMEM && err.code == st));
    }
    mloda_request_free(req);
    mloda_options_free(o);
    mloda_api_data_free(api);
}

int main(void)
{
    reg = mloda_registry_default();
    RUN(test_spec_example);
    RUN(test_case039);
    RUN(test_cases040_041);
    RUN(test_cases050_055);
    RUN(test_operations);
    RUN(test_nulls_and_sizes);
    RUN(test_fold_growth);
    RUN(test_errors);
    RUN(test_chain);
    RUN(test_oom);
    mloda_registry_free(reg);
    return TEST_SUMMARY();
}
