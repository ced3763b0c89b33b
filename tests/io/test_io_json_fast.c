/*
 * test_io_json_fast.c: the fast JSON reader (src/io/json_fast.c) against yajl alone. Every
 * text is read twice, by the parser as it is and by one told to use yajl only, and the two
 * must agree on everything a handler can see: the events with their text and position
 * (line, column, byte), the final status and the error message. Texts: hand-written
 * valid and malformed ones, and thousands of random mutations of batch lines; each read
 * whole, cut in two at every offset, and in three at random offsets; one or many
 * top-level values; with a handler that fails at its k-th event.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_reading_log.h"
#include "test.h"

static int64_t n_known; /* numbers the fast reader converted itself */

/* Reads text (json_reading_log.h); every number the fast reader converted must be right. */
static char *read_log(const char *text, size_t len, const size_t *cuts, int n_cuts, bool many,
                      bool yajl_only, int64_t fail_at, bool *fast_all)
{
    json_reading_result res;
    char *log = json_reading_log(text, len, cuts, n_cuts, many, yajl_only, fail_at, &res);
    CHECK(log != NULL);
    CHECK_MSG(res.n_wrong == 0, "%lld numbers converted wrong in '%.*s'", (long long)res.n_wrong,
              (int)(len < 200 ? len : 200), text);
    n_known += res.n_converted;
    if (fast_all != NULL)
        *fast_all = res.fast_all;
    return log;
}

static int n_compared;

/* One reading both ways; reports the text and the cuts when they differ. */
static void compare(const char *text, size_t len, const size_t *cuts, int n_cuts, bool many,
                    int64_t fail_at)
{
    char *fast = read_log(text, len, cuts, n_cuts, many, false, fail_at, NULL);
    char *yajl = read_log(text, len, cuts, n_cuts, many, true, fail_at, NULL);
    n_compared++;
    if (strcmp(fast, yajl) != 0) {
        TEST_CASE("'%.*s' cut at %zu %zu, many %d, fail at %lld", (int)len, text,
                  n_cuts > 0 ? cuts[0] : 0, n_cuts > 1 ? cuts[1] : 0, (int)many,
                  (long long)fail_at);
        CHECK_STR(fast, yajl);
    }
    free(fast);
    free(yajl);
}

/* Whole, cut in two everywhere, cut in three at a few random places, many or not, with
 * the handler failing at a few events. */
static void compare_every_way(const char *text, size_t len, unsigned *seed)
{
    for (int many = 0; many < 2; many++) {
        for (int64_t fail_at = -1; fail_at < 4; fail_at += (fail_at < 1 ? 1 : 3)) {
            compare(text, len, NULL, 0, many, fail_at);
            for (size_t c = 0; c <= len && len <= 160; c++)
                compare(text, len, &c, 1, many, fail_at);
            for (int k = 0; k < 4 && len > 0; k++) {
                size_t cuts[2] = {(size_t)rand_r(seed) % (len + 1),
                                  (size_t)rand_r(seed) % (len + 1)};
                if (cuts[0] > cuts[1]) {
                    const size_t t = cuts[0];
                    cuts[0] = cuts[1];
                    cuts[1] = t;
                }
                compare(text, len, cuts, 2, many, fail_at);
            }
        }
    }
}

static const char *const written[] = {
    "{\"T\": {\"value\": [1.5, 2.25, -3, 0, -0.0, 1e5, 2E-3, 12.5e+7]}}",
    "{\"T\": {\"a\": [1, null, 3], \"b\": [true, false, null], \"s\": [\"x\", \"\", \"é\"]}}",
    "{\"T\": {\"s\": [\"a\\\"b\", \"\\u00e9\", \"tab\\t\"]}}",
    "  \n\r\t{ \"T\" :\n { \"v\" : [ 1 ,\n 2 ] } }  \n",
    "{\"T\": {\"v\": [[1, 2], [3, 4]], \"w\": [{}, [], {\"x\": {}}]}}",
    "{}", "[]", "[[[[[]]]]]", "1", "-0", "\"s\"", "true", "null", "false", "",
    "   ", "{} {}", "[1] [2]", "1 2", "{}[]", "\"a\"\"b\"", "{}x", "[1]]",
    /* malformed */
    "{\"T\": {\"v\": [1,]}}", "{\"T\": {\"v\": [1 2]}}", "{\"T\": {\"v\": [01]}}",
    "{\"T\": {\"v\": [1.]}}", "{\"T\": {\"v\": [1e]}}", "{\"T\": {\"v\": [-]}}",
    "{\"T\": {\"v\": [.5]}}", "{\"T\": {\"v\": [+1]}}", "{\"T\": {\"v\": [NaN]}}",
    "{\"T\": {\"v\": [Infinity]}}", "{\"T\": {\"v\": [tru]}}", "{\"T\": {\"v\": [nulls]}}",
    "{\"T\": {\"v\": [1x]}}", "{\"T\" {\"v\": [1]}}", "{\"T\": {\"v\": [1]}",
    "{\"T\": {\"v\": [1]}}}", "{,}", "{\"a\":1,}", "{\"a\"}", "{1: 2}", "[:]", "[,1]",
    "{\"a\":1 \"b\":2}", "]", "}", ",", ":", "{\"T\": {\"v\": [1]}} x", "{\"a\":\v1}",
    "{\"a\":\f1}", "{\"a\": \"ctl\x01\"}", "{\"a\": /* c */ 1}", "[\"\\x\"]",
    "{\"T\": {\"v\": [1e400, -1e400, 123456789012345678901234567890]}}",
};

static void test_written_texts(void)
{
    unsigned seed = 7;
    for (size_t i = 0; i < sizeof written / sizeof written[0]; i++)
        compare_every_way(written[i], strlen(written[i]), &seed);
}

/* Deep nesting: past the fast reader's depth, yajl takes over. */
static void test_deep_nesting(void)
{
    unsigned seed = 11;
    char text[2 * 80 + 8];
    for (int depth = IO_JSON_FAST_DEPTH - 2; depth <= IO_JSON_FAST_DEPTH + 2; depth++) {
        size_t n = 0; /* arrays, then objects */
        for (int k = 0; k < depth; k++)
            text[n++] = '[';
        text[n++] = '1';
        for (int k = 0; k < depth; k++)
            text[n++] = ']';
        compare_every_way(text, n, &seed);
        char obj[8 * 80];
        size_t m = 0;
        for (int k = 0; k < depth; k++)
            m += (size_t)sprintf(obj + m, "{\"k\":");
        obj[m++] = '1';
        for (int k = 0; k < depth; k++)
            obj[m++] = '}';
        compare_every_way(obj, m, &seed);
    }
}

/* Random batch lines with a few bytes changed, inserted or removed. */
static void test_random_mutations(void)
{
    static const char alphabet[] = "{}[]:,\"\\ -0123456789.eE+tfnulrsax\t\n\r\v";
    unsigned seed = 2026;
    for (int round = 0; round < 1500; round++) {
        char text[256];
        size_t n = (size_t)snprintf(text, sizeof text, "{\"T\": {\"v\": [");
        const int values = rand_r(&seed) % 6;
        for (int k = 0; k < values; k++) {
            static const char *const vals[] = {"1.5", "-2", "null", "true", "\"s\"", "3e2",
                                               "[1]", "{\"a\": 0}", "0.125", "\"\\u00e9\""};
            n += (size_t)snprintf(text + n, sizeof text - n, "%s%s", k > 0 ? ", " : "",
                                  vals[rand_r(&seed) % 10]);
        }
        n += (size_t)snprintf(text + n, sizeof text - n, "]}, \"U\": {\"w\": [false]}}");
        const int edits = rand_r(&seed) % 3;
        for (int e = 0; e < edits && n > 0 && n < sizeof text - 2; e++) {
            const size_t at = (size_t)rand_r(&seed) % n;
            const char c = alphabet[(size_t)rand_r(&seed) % (sizeof alphabet - 1)];
            switch (rand_r(&seed) % 3) {
            case 0:
                text[at] = c;
                break;
            case 1:
                memmove(text + at + 1, text + at, n - at);
                text[at] = c;
                n++;
                break;
            default:
                memmove(text + at, text + at + 1, n - at - 1);
                n--;
                break;
            }
        }
        compare(text, n, NULL, 0, round % 2 == 1, -1);
        const size_t cut = (size_t)rand_r(&seed) % (n + 1);
        compare(text, n, &cut, 1, round % 2 == 1, rand_r(&seed) % 4 == 0 ? 2 : -1);
    }
}

/* Random numbers of every form JSON allows, in one array: each value the fast reader
 * converts is checked by the recorder against mloda_io_number_parse. */
static void test_random_numbers(void)
{
    unsigned seed = 99;
    mloda_buf text = {0};
    mloda_error err = MLODA_ERROR_INIT;
    (void)mloda_buf_putc(&text, '[', &err);
    for (int k = 0; k < 200000; k++) {
        char num[96];
        size_t n = 0;
        if (rand_r(&seed) % 2)
            num[n++] = '-';
        const int int_digits = rand_r(&seed) % 21;
        if (int_digits == 0)
            num[n++] = '0';
        for (int d = 0; d < int_digits; d++)
            num[n++] = (char)('0' + (d == 0 ? 1 + rand_r(&seed) % 9 : rand_r(&seed) % 10));
        if (rand_r(&seed) % 3 != 0) {
            num[n++] = '.';
            const int frac = 1 + rand_r(&seed) % 20;
            const bool zeros = rand_r(&seed) % 4 == 0; /* 0.000012 */
            for (int d = 0; d < frac; d++)
                num[n++] = (char)('0' + (zeros && d < frac - 2 ? 0 : rand_r(&seed) % 10));
        }
        if (rand_r(&seed) % 4 == 0)
            n += (size_t)snprintf(num + n, sizeof num - n, "%c%s%d", rand_r(&seed) % 2 ? 'e' : 'E',
                                  rand_r(&seed) % 2 ? "-" : rand_r(&seed) % 2 ? "+" : "",
                                  rand_r(&seed) % 30);
        if (k > 0)
            (void)mloda_buf_puts(&text, ", ", &err);
        (void)mloda_buf_append(&text, num, n, &err);
    }
    (void)mloda_buf_putc(&text, ']', &err);
    const int64_t before = n_known;
    bool fast = false;
    char *log = read_log(text.data, text.len, NULL, 0, false, false, -1, &fast);
    CHECK(fast);
    CHECK_CONTAINS(log, "status 0");
    CHECK(n_known - before > 40000); /* the short ones are converted */
    free(log);
    mloda_buf_reset(&text);
}

/* Columns typed float64 and int64 take their numbers in runs (mloda_io_json_parser_take_runs):
 * the batches read that way are the batches yajl alone reads, values, nulls, errors and their
 * positions, for runs longer than the reader's buffer, numbers left to the column reader (20
 * digits, 1e400, a float or int64's minimum in the int64 column) in between, and cuts
 * anywhere. */
static void test_number_runs_against_yajl(void)
{
    io_schema *schema = mloda_io_schema_new();
    static const char *const cols[][2] = {{"v", "float64"}, {"i", "int64"}, {"s", "utf8"}};
    for (size_t k = 0; k < 3; k++) {
        io_coltype type;
        CHECK(mloda_io_coltype_parse(cols[k][1], &type));
        CHECK_OK(mloda_io_schema_set(schema, "T", cols[k][0], &type, NULL), (mloda_error){0});
    }
    static const char *const vals[] = {"1.5",  "-2",   "null", "0.000001", "-0.0", "3e2",
                                       "12345678901234567890", "1e400", "\"x\"", "[1]",
                                       "true", "7",    "-123456.654321"};
    unsigned seed = 5;
    mloda_buf text = {0};
    mloda_error err = MLODA_ERROR_INIT;
    for (int round = 0; round < 400; round++) {
        text.len = 0;
        const int rows = round % 4 == 0 ? 300 + rand_r(&seed) % 600 : rand_r(&seed) % 12;
        const bool odd = round % 3 == 0; /* strings, lists, 1e400 ... among the numbers */
        (void)mloda_buf_puts(&text, "{\"T\": {\"v\": [", &err);
        for (int r = 0; r < rows; r++) {
            const size_t pick = odd ? (size_t)rand_r(&seed) % 13 : (size_t)rand_r(&seed) % 7;
            (void)mloda_buf_printf(&text, &err, "%s%s", r > 0 ? ", " : "",
                                   odd || pick < 6 ? vals[pick] : vals[12]);
        }
        (void)mloda_buf_puts(&text, "], \"i\": [", &err);
        static const char *const ints[] = {"null", "-0", "1.5", "12345678901234567890",
                                           "7e0", "-9223372036854775808", "123456789012345678"};
        for (int r = 0; r < rows; r++) {
            const int pick = odd && round % 2 == 0 ? rand_r(&seed) % 12 : 99;
            if (pick < 7)
                (void)mloda_buf_printf(&text, &err, "%s%s", r > 0 ? "," : "", ints[pick]);
            else
                (void)mloda_buf_printf(&text, &err, "%s%d", r > 0 ? "," : "", r - rows / 2);
        }
        (void)mloda_buf_puts(&text, "], \"s\": [", &err);
        for (int r = 0; r < rows; r++)
            (void)mloda_buf_printf(&text, &err, "%s\"r%d\"", r > 0 ? "," : "", r);
        (void)mloda_buf_puts(&text, "]}}", &err);
        const size_t cut = (size_t)rand_r(&seed) % (text.len + 1);
        for (int with_cut = 0; with_cut < 2; with_cut++) {
            char *fast =
                json_reading_batch(text.data, text.len, with_cut ? cut : 0, schema, false);
            char *yajl =
                json_reading_batch(text.data, text.len, with_cut ? cut : 0, schema, true);
            CHECK(fast != NULL && yajl != NULL);
            TEST_CASE("round %d, cut %zu: %.120s", round, with_cut ? cut : 0, text.data);
            CHECK_STR(fast, yajl);
            free(fast);
            free(yajl);
        }
    }
    mloda_buf_reset(&text);
    mloda_io_schema_free(schema);
}

/* The reader's point: a batch line of numbers never reaches yajl; a cut number, an escape
 * or an error hands the rest over. */
static void test_fast_reader_reads_batch_lines(void)
{
    static const struct {
        const char *text;
        size_t cut; /* 0: whole */
        bool fast;
    } cases[] = {
        {"{\"T\": {\"v\": [1.5, -2, 3e4, null], \"b\": [true]}}", 0, true},
        {"{\"T\": {\"v\": [1.5, -2, 3e4, null], \"b\": [true]}}", 17, true}, /* after "1.5," */
        {"{\"T\": {\"v\": [1.5, -2, 3e4, null], \"b\": [true]}}", 16, false}, /* right after 1.5 */
        {"{\"T\": {\"s\": [\"a\\nb\"]}}", 0, false},
        {"{\"T\": {\"v\": [1,]}}", 0, false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        TEST_CASE("%s cut at %zu", cases[i].text, cases[i].cut);
        bool fast = false;
        const size_t len = strlen(cases[i].text);
        char *log = read_log(cases[i].text, len, &cases[i].cut, cases[i].cut > 0 ? 1 : 0, false,
                             false, -1, &fast);
        CHECK(fast == cases[i].fast);
        free(log);
    }
}

int main(void)
{
    RUN(test_written_texts);
    RUN(test_deep_nesting);
    RUN(test_random_mutations);
    RUN(test_random_numbers);
    RUN(test_number_runs_against_yajl);
    RUN(test_fast_reader_reads_batch_lines);
    printf("%d readings compared, %lld numbers converted by the fast reader checked\n",
           n_compared, (long long)n_known);
    return TEST_SUMMARY();
}
