/*
 * test_utf8.c: strict UTF-8 checking and terminal-safe text (src/util/utf8.c). The valid
 * and invalid forms are RFC 3629's (Table 3-7 of the Unicode standard): overlong forms,
 * surrogates and code points above U+10FFFF are invalid.
 */
#include <string.h>

#include "test.h"
#include "util/alloc.h"
#include "util/utf8.h"

static void test_valid_prefix(void)
{
    static const struct {
        const char *name, *text;
        size_t len, prefix;
    } cases[] = {
        {"empty", "", 0, 0},
        {"ascii", "abc", 3, 3},
        {"two-byte e-acute", "caf\xC3\xA9", 5, 5},
        {"three-byte euro", "\xE2\x82\xAC", 3, 3},
        {"four-byte emoji", "x\xF0\x9F\x98\x80", 5, 5},
        {"largest U+10FFFF", "\xF4\x8F\xBF\xBF", 4, 4},
        {"U+D7FF below surrogates", "\xED\x9F\xBF", 3, 3},
        {"U+E000 above surrogates", "\xEE\x80\x80", 3, 3},
        {"overlong slash C0 AF", "a\xC0\xAF", 3, 1},
        {"overlong C1 BF", "\xC1\xBF", 2, 0},
        {"overlong three-byte E0 80 AF", "ab\xE0\x80\xAF", 5, 2},
        {"overlong four-byte F0 80 80 AF", "\xF0\x80\x80\xAF", 4, 0},
        {"surrogate U+D800 ED A0 80", "x\xED\xA0\x80y", 5, 1},
        {"surrogate U+DC00 ED B0 80", "\xED\xB0\x80", 3, 0},
        {"above U+10FFFF F4 90 80 80", "\xF4\x90\x80\x80", 4, 0},
        {"F5 lead", "\xF5\x80\x80\x80", 4, 0},
        {"FF byte", "ok\xFF", 3, 2},
        {"stray continuation", "a\x80", 2, 1},
        {"cut at the end", "ab\xE2\x82", 4, 2},
        {"lead then ASCII", "\xC3(", 2, 0},
        {"NUL is valid", "a\0b", 3, 3},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        TEST_CASE("%s", cases[i].name);
        CHECK_EQ_INT(mloda_utf8_valid_prefix(cases[i].text, cases[i].len), cases[i].prefix);
        CHECK(mloda_utf8_is_valid(cases[i].text, cases[i].len) ==
              (cases[i].prefix == cases[i].len));
    }
}

/* The streaming step agrees with the whole-text check when bytes come one at a time. */
static void test_step_streaming(void)
{
    const char *text = "a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80z";
    mloda_utf8_state st = {0, 0, 0};
    for (size_t i = 0; i < strlen(text); i++)
        CHECK(mloda_utf8_step(&st, (uint8_t)text[i]));
    CHECK_EQ_INT(st.need, 0);
    mloda_utf8_state bad = {0, 0, 0};
    CHECK(mloda_utf8_step(&bad, 0xE0));
    CHECK(!mloda_utf8_step(&bad, 0x80)); /* overlong: E0 needs A0..BF */
    CHECK_EQ_INT(bad.need, 0);            /* reset after a failure */
}

static void test_visible(void)
{
    static const struct {
        const char *name, *in, *out;
    } cases[] = {
        {"plain", "value__sum_aggr", "value__sum_aggr"},
        {"utf8 kept", "caf\xC3\xA9 \xE2\x82\xAC", "caf\xC3\xA9 \xE2\x82\xAC"},
        {"newline tab cr", "a\nb\tc\rd", "a\\nb\\tc\\rd"},
        {"escape sequence", "\x1B[2J\x1B]0;owned\x07", "\\x1B[2J\\x1B]0;owned\\x07"},
        {"DEL", "a\x7F", "a\\x7F"},
        {"C1 CSI U+009B", "x\xC2\x9B" "31m", "x\\u009B31m"},
        {"U+00A0 is not C1", "\xC2\xA0", "\xC2\xA0"},
        {"invalid byte", "a\xFF" "b", "a\\xFFb"},
        {"cut sequence", "a\xE2\x82", "a\\xE2\\x82"},
        {"overlong", "\xC0\xAF", "\\xC0\\xAF"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        TEST_CASE("%s", cases[i].name);
        mloda_buf b = {0};
        mloda_error err = MLODA_ERROR_INIT;
        CHECK_OK(mloda_buf_put_visible(&b, cases[i].in, strlen(cases[i].in), &err), err);
        CHECK_STR(b.data != NULL ? b.data : "", cases[i].out);
        mloda_buf_reset(&b);
        char fixed[64];
        CHECK_STR(mloda_text_visible(fixed, sizeof fixed, cases[i].in), cases[i].out);
    }
}

/* A fixed buffer that is too small keeps whole escapes and characters only. */
static void test_visible_truncates_whole_pieces(void)
{
    char small[6];
    CHECK_STR(mloda_text_visible(small, sizeof small, "ab\x1B[c"), "ab");
    CHECK_STR(mloda_text_visible(small, sizeof small, "abc\xE2\x82\xAC"), "abc");
    CHECK_STR(mloda_text_visible(small, sizeof small, NULL), "");
    char one[1];
    CHECK_STR(mloda_text_visible(one, sizeof one, "abc"), "");
}

static void test_visible_nomem(void)
{
    for (long n = 0;; n++) {
        mloda_test_fail_alloc_at(n);
        mloda_buf b = {0};
        mloda_error err = MLODA_ERROR_INIT;
        const mloda_status st = mloda_buf_put_visible(&b, "a\x1B" "b", 3, &err);
        const bool injected = mloda_test_alloc_failed();
        mloda_buf_reset(&b);
        if (!injected) {
            CHECK_OK(st, err);
            break;
        }
        CHECK(st == MLODA_ERR_NOMEM && err.code == MLODA_ERR_NOMEM);
    }
    mloda_test_fail_alloc_at(-1);
}

int main(void)
{
    RUN(test_valid_prefix);
    RUN(test_step_streaming);
    RUN(test_visible);
    RUN(test_visible_truncates_whole_pieces);
    RUN(test_visible_nomem);
    return TEST_SUMMARY();
}
