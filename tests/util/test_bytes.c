/* test_bytes.c: byte-string order (mloda_bytes_cmp): bytewise, a prefix first. */
#include "test.h"
#include "util/bytes.h"

static int sign(int x)
{
    return (x > 0) - (x < 0);
}

static void test_bytes_cmp(void)
{
    static const struct {
        const char *a, *b;
        int want;
    } cases[] = {
        {"", "", 0},          {"a", "", 1},        {"", "a", -1},       {"abc", "abc", 0},
        {"abc", "abd", -1},   {"abc", "ab", 1},    {"ab", "abc", -1},   {"b", "abc", 1},
        {"Z", "a", -1},       /* bytes, not letters */
        {"\xc3\xa9", "z", 1}, /* U+00E9 after 'z': code point order */
        {"a\0b", "a\0c", -1}, /* embedded NUL compared as a byte (lengths given) */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        TEST_CASE("%zu", i);
        int64_t la = (int64_t)strlen(cases[i].a), lb = (int64_t)strlen(cases[i].b);
        if (i == sizeof cases / sizeof cases[0] - 1)
            la = lb = 3;
        CHECK_EQ_INT(sign(mloda_bytes_cmp(cases[i].a, la, cases[i].b, lb)), cases[i].want);
        CHECK_EQ_INT(sign(mloda_bytes_cmp(cases[i].b, lb, cases[i].a, la)), -cases[i].want);
    }
}

int main(void)
{
    RUN(test_bytes_cmp);
    return TEST_SUMMARY();
}
