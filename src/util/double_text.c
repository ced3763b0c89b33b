/*
 * double_text.c: doubles to text and back without printf or strtod in the common path.
 *
 * Printing: the shortest decimal that reads back as the same double (when several are
 * that short, the closest to it), found with Schubfach (R. Giulietti, "The Schubfach way to
 * render doubles", 2020): v = c 2^q is scaled by one 128-bit power of ten g(-k) chosen so
 * that the scaled value has 16 or 17 digits; the rounding interval's ends, scaled the same
 * way with round-to-odd, tell whether one digit fewer still lies inside. Trailing zeros are
 * then dropped. Laid out like Python's repr (and json.dumps): fixed notation with at least
 * one decimal ("100.0", "0.001") for decimal exponents -4..15, scientific otherwise
 * ("1e+21", "1.5e-07"); "-0.0" keeps its sign.
 *
 * Parsing: Clinger's fast path (at most 15 digits, |exponent| <= 22: one exact IEEE
 * operation), then Eisel-Lemire (D. Lemire, "Number parsing at a gigabyte per second",
 * 2021) for up to 19 significant digits: w 10^q ~ w * 5^q-significand * 2^..., the
 * 128-bit product always decides the rounding (N. Mushtak and D. Lemire, "Fast number
 * parsing without fallback", 2023). Longer mantissas (20+ significant digits) go through
 * strtod, which follows the C locale; the program never calls setlocale.
 *
 * The tables come from scripts/gen_pow10.py (src/util/pow10_tables.c).
 */
#include "util/double_text.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"
#include "util/pow10_tables.h"

__extension__ typedef unsigned __int128 u128;

static const char DIGITS2[200] = {
    '0', '0', '0', '1', '0', '2', '0', '3', '0', '4', '0', '5', '0', '6', '0', '7', '0', '8',
    '0', '9', '1', '0', '1', '1', '1', '2', '1', '3', '1', '4', '1', '5', '1', '6', '1', '7',
    '1', '8', '1', '9', '2', '0', '2', '1', '2', '2', '2', '3', '2', '4', '2', '5', '2', '6',
    '2', '7', '2', '8', '2', '9', '3', '0', '3', '1', '3', '2', '3', '3', '3', '4', '3', '5',
    '3', '6', '3', '7', '3', '8', '3', '9', '4', '0', '4', '1', '4', '2', '4', '3', '4', '4',
    '4', '5', '4', '6', '4', '7', '4', '8', '4', '9', '5', '0', '5', '1', '5', '2', '5', '3',
    '5', '4', '5', '5', '5', '6', '5', '7', '5', '8', '5', '9', '6', '0', '6', '1', '6', '2',
    '6', '3', '6', '4', '6', '5', '6', '6', '6', '7', '6', '8', '6', '9', '7', '0', '7', '1',
    '7', '2', '7', '3', '7', '4', '7', '5', '7', '6', '7', '7', '7', '8', '7', '9', '8', '0',
    '8', '1', '8', '2', '8', '3', '8', '4', '8', '5', '8', '6', '8', '7', '8', '8', '8', '9',
    '9', '0', '9', '1', '9', '2', '9', '3', '9', '4', '9', '5', '9', '6', '9', '7', '9', '8',
    '9', '9'};

/* ---------------------------------------------------------------- printing */

/* floor(log10(2^e)) and floor(log10(3/4 2^e)) for |e| <= 1500; floor(log2(10^e)) for
 * |e| <= 1233 (the multipliers are those of the Schubfach paper; >> of a negative int is
 * arithmetic on every compiler this builds with). */
static inline int32_t floor_log10_pow2(int32_t e, bool three_quarters)
{
    return (e * 1262611 - (three_quarters ? 524031 : 0)) >> 22;
}

static inline int32_t floor_log2_pow10(int32_t e)
{
    return (e * 1741647) >> 19;
}

/* cp * g / 2^127, rounded to odd (a sticky bit for what the shift drops, in part). */
static inline uint64_t round_to_odd(const uint64_t g[2], uint64_t cp)
{
    const u128 x = (u128)cp * g[1];
    const u128 y = (u128)cp * g[0] + (uint64_t)(x >> 64);
    return (uint64_t)(y >> 63) | (uint64_t)((uint64_t)y != 0);
}

/* d * 10^e with d's trailing zeros moved into e (big steps first). */
static inline void strip_zeros(uint64_t d, int32_t e, uint64_t *out_digits,
                               int32_t *out_exponent)
{
    if (d % 100000000 == 0) {
        d /= 100000000;
        e += 8;
    }
    if (d % 10000 == 0) {
        d /= 10000;
        e += 4;
    }
    if (d % 100 == 0) {
        d /= 100;
        e += 2;
    }
    while (d % 10 == 0) { /* at most twice: a 17-digit d has at most 16 zeros */
        d /= 10;
        e += 1;
    }
    *out_digits = d;
    *out_exponent = e;
}

/* The shortest decimal of a positive finite double: v = *digits * 10^*exponent, *digits
 * without trailing zeros. */
static void shortest(uint64_t bits, uint64_t *out_digits, int32_t *out_exponent)
{
    const uint64_t fraction = bits & ((1ULL << 52) - 1);
    const int32_t biased = (int32_t)(bits >> 52);
    uint64_t c;
    int32_t q;
    if (biased != 0) {
        c = fraction | (1ULL << 52);
        q = biased - 1075;
        if (q <= 0 && q > -53 && ((c >> -q) << -q) == c) { /* a whole number: exact */
            strip_zeros(c >> -q, 0, out_digits, out_exponent);
            return;
        }
    } else {
        c = fraction;
        q = -1074;
    }
    const bool even = (c & 1) == 0;
    const bool closer_below = fraction == 0 && biased > 1;
    const uint64_t cbl = 4 * c - 2 + (closer_below ? 1 : 0);
    const uint64_t cb = 4 * c;
    const uint64_t cbr = 4 * c + 2;
    const int32_t k = floor_log10_pow2(q, closer_below);
    const int32_t h = q + floor_log2_pow10(-k); /* 0..3 */
    const uint64_t *g = mloda_pow10_print[-k - MLODA_POW10_PRINT_MIN];
    const uint64_t vbl = round_to_odd(g, cbl << h);
    const uint64_t vb = round_to_odd(g, cb << h);
    const uint64_t vbr = round_to_odd(g, cbr << h);
    const uint64_t lower = vbl + (even ? 0 : 1);
    const uint64_t upper = vbr - (even ? 0 : 1);
    uint64_t d;
    int32_t e;
    const uint64_t s = vb / 4;
    bool done = false;
    if (s >= 10) { /* one digit fewer: u' = 10 s' or w' = u' + 10, at most one inside */
        const uint64_t sp = s / 10;
        const bool up_in = lower <= 40 * sp;
        const bool wp_in = 40 * sp + 40 <= upper;
        if (up_in != wp_in) {
            d = sp + (wp_in ? 1 : 0);
            e = k + 1;
            done = true;
        }
    }
    if (!done) {
        const bool u_in = lower <= 4 * s;
        const bool w_in = 4 * s + 4 <= upper;
        if (u_in != w_in) {
            d = s + (w_in ? 1 : 0);
        } else { /* both inside: the closer, ties to even */
            const uint64_t mid = 4 * s + 2;
            d = s + ((vb > mid || (vb == mid && (s & 1) != 0)) ? 1 : 0);
        }
        e = k;
    }
    strip_zeros(d, e, out_digits, out_exponent);
}

static inline int decimal_length(uint64_t v)
{
    static const uint64_t pow10[20] = {
        1ULL, 10ULL, 100ULL, 1000ULL, 10000ULL, 100000ULL, 1000000ULL, 10000000ULL,
        100000000ULL, 1000000000ULL, 10000000000ULL, 100000000000ULL, 1000000000000ULL,
        10000000000000ULL, 100000000000000ULL, 1000000000000000ULL, 10000000000000000ULL,
        100000000000000000ULL, 1000000000000000000ULL, 10000000000000000000ULL};
    /* bit length * 1233 / 4096 is log10 from log2, one short at most */
    const int t = ((64 - __builtin_clzll(v | 1)) * 1233) >> 12;
    return t + (v >= pow10[t] || v == 0 ? 1 : 0);
}

/* Writes the n digits of v ending just before end. */
static inline void put_digits(char *end, uint64_t v)
{
    while (v >= 100000000) {
        const uint32_t r = (uint32_t)(v % 100000000);
        v /= 100000000;
        const uint32_t hi = r / 10000, lo = r % 10000;
        memcpy(end - 2, DIGITS2 + 2 * (lo % 100), 2);
        memcpy(end - 4, DIGITS2 + 2 * (lo / 100), 2);
        memcpy(end - 6, DIGITS2 + 2 * (hi % 100), 2);
        memcpy(end - 8, DIGITS2 + 2 * (hi / 100), 2);
        end -= 8;
    }
    uint32_t w = (uint32_t)v;
    while (w >= 100) {
        memcpy(end - 2, DIGITS2 + 2 * (w % 100), 2);
        w /= 100;
        end -= 2;
    }
    if (w >= 10)
        memcpy(end - 2, DIGITS2 + 2 * w, 2);
    else
        end[-1] = (char)('0' + w);
}

/* Python's layout of digits * 10^exponent (no trailing zeros) at out; returns the end.
 * Copies are of fixed sizes (inlined, no length-dependent calls), so up to
 * MLODA_DOUBLE_WRITE_ROOM - 1 bytes from out may be written. */
static inline char *layout(char *p, uint64_t digits, int32_t exponent)
{
    const int n = decimal_length(digits);
    const int e = exponent + n - 1; /* decimal exponent of the first digit */
    if (e >= 0 && e < 16) {
        put_digits(p + n, digits);
        if (e + 1 >= n) { /* a whole number: digits, zeros, ".0" */
            memset(p + n, '0', 16);
            memcpy(p + e + 1, ".0", 2);
            return p + e + 3;
        }
        /* ddd.ddd: the digits after the first e + 1 move right by one (at most 16) */
        memmove(p + e + 2, p + e + 1, 16);
        p[e + 1] = '.';
        return p + n + 1;
    }
    if (e < 0 && e >= -4) { /* 0.000ddd */
        memcpy(p, "0.000000", 8);
        p += 1 - e; /* past "0." and -e - 1 zeros */
        put_digits(p + n, digits);
        return p + n;
    }
    /* d[.ddd]e+XX */
    put_digits(p + 1 + n, digits);
    p[0] = p[1];
    if (n > 1) {
        p[1] = '.';
        p += n + 1;
    } else {
        p += 1;
    }
    const uint32_t a = (uint32_t)(e < 0 ? -e : e);
    p[0] = 'e';
    p[1] = e < 0 ? '-' : '+';
    if (a >= 100) {
        p[2] = (char)('0' + a / 100);
        memcpy(p + 3, DIGITS2 + 2 * (a % 100), 2);
        return p + 5;
    }
    memcpy(p + 2, DIGITS2 + 2 * a, 2);
    return p + 4;
}

/* The common case of data read from text: a value of at most 6 decimals below 10^9
 * (m * 10^-6 with m < 10^15). Such a decimal has at most 15 significant digits, and
 * decimals that short map to distinct doubles, so when m / 10^6 (one correctly rounded
 * IEEE division) gives a back, m * 10^-6 is the one shortest decimal of a, what Schubfach
 * finds, at the cost of a multiply and a divide. a is positive (bits without the sign). */
static inline bool few_decimals(uint64_t bits, uint64_t *digits, int32_t *exponent)
{
    /* a in [2^-20, 2^30) (an integer test first: most doubles of other data end here) */
    if ((uint32_t)(bits >> 52) - (1023u - 20u) >= 50u)
        return false;
    double a;
    memcpy(&a, &bits, sizeof a);
    const double s = a * 1e6;
    const double m = (s + 0x1p52) - 0x1p52; /* s rounded to an integer when s < 2^52 */
    /* one branch, predictable whichever kind of data: & rather than && */
    const bool whole = (s < 1e15) & (fabs(s - m) <= s * 0x1p-50);
    if (!whole || m / 1e6 != a)
        return false;
    strip_zeros((uint64_t)m, -6, digits, exponent);
    return true;
}

char *mloda_double_write(double v, char *out)
{
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    if (((bits >> 52) & 0x7FF) == 0x7FF) {
        memcpy(out, "null", 4);
        return out + 4;
    }
    if (bits >> 63) {
        *out++ = '-';
        bits &= ~(1ULL << 63);
    }
    if (bits == 0) {
        memcpy(out, "0.0", 3);
        return out + 3;
    }
    uint64_t digits;
    int32_t exponent;
    if (!few_decimals(bits, &digits, &exponent))
        shortest(bits, &digits, &exponent);
    return layout(out, digits, exponent);
}

char *mloda_int64_write(int64_t v, char *out)
{
    uint64_t u = (uint64_t)v;
    if (v < 0) {
        *out++ = '-';
        u = 0 - u; /* INT64_MIN too: unsigned negation is exact */
    }
    const int n = decimal_length(u);
    put_digits(out + n, u);
    return out + n;
}

size_t mloda_double_text(double v, char *out)
{
    char tmp[MLODA_DOUBLE_WRITE_ROOM];
    const size_t n = (size_t)(mloda_double_write(v, tmp) - tmp);
    memcpy(out, tmp, n);
    out[n] = '\0';
    return n;
}

/* ---------------------------------------------------------------- parsing */

/* w * 10^q correctly rounded (w != 0, at most 19 digits), as bits; false when the result
 * is out of the range (caller: infinity or zero handled by the bounds checks below). */
static uint64_t eisel_lemire(uint64_t w, int32_t q)
{
    if (q < MLODA_POW5_PARSE_MIN)
        return 0; /* below the smallest subnormal: zero */
    if (q > MLODA_POW5_PARSE_MAX)
        return 0x7FFULL << 52;
    const int lz = __builtin_clzll(w);
    w <<= lz;
    const uint64_t *t = mloda_pow5_parse[q - MLODA_POW5_PARSE_MIN];
    u128 first = (u128)w * t[0];
    uint64_t hi = (uint64_t)(first >> 64), lo = (uint64_t)first;
    if ((hi & 0x1FF) == 0x1FF) { /* 55 bits of precision may be short: use the low word */
        const uint64_t second_hi = (uint64_t)(((u128)w * t[1]) >> 64);
        lo += second_hi;
        if (second_hi > lo)
            hi++;
    }
    const int upper = (int)(hi >> 63);
    const int shift = upper + 64 - 52 - 3;
    uint64_t m = hi >> shift;
    int32_t p2 = ((((152170 + 65536) * q) >> 16) + 63) + upper - lz + 1023;
    if (p2 <= 0) { /* subnormal */
        if (-p2 + 1 >= 64)
            return 0;
        m >>= -p2 + 1;
        m += m & 1;
        m >>= 1;
        p2 = m < (1ULL << 52) ? 0 : 1;
        return ((uint64_t)p2 << 52) | (m & ((1ULL << 52) - 1));
    }
    /* exactly halfway: round to even instead of up (only where 5^q is exact) */
    if (lo <= 1 && q >= -4 && q <= 23 && (m & 3) == 1 && (m << shift) == hi)
        m &= ~1ULL;
    m += m & 1;
    m >>= 1;
    if (m >= (2ULL << 52)) {
        m = 1ULL << 52;
        p2++;
    }
    if (p2 >= 0x7FF)
        return 0x7FFULL << 52;
    return ((uint64_t)p2 << 52) | (m & ((1ULL << 52) - 1));
}

/* strtod on a NUL-terminated copy; false when a long one cannot be allocated. */
static bool parse_slow(const char *text, size_t len, double *out)
{
    char small[128];
    char *buf = small;
    if (len >= sizeof small) {
        buf = mloda_malloc(len + 1);
        if (buf == NULL)
            return false;
    }
    memcpy(buf, text, len);
    buf[len] = '\0';
    *out = strtod(buf, NULL);
    if (buf != small)
        mloda_free(buf);
    return true;
}

const double mloda_pow10_exact[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                      1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                      1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

mloda_double_parse_result mloda_double_parse(const char *text, size_t len, double *out)
{
    size_t i = 0;
    const bool neg = len > 0 && text[0] == '-';
    if (neg || (len > 0 && text[0] == '+'))
        i = 1;
    uint64_t w = 0;
    int n_digits = 0;        /* significant digits taken into w (leading zeros skipped) */
    int64_t exponent = 0;    /* decimal exponent of w's last digit */
    bool truncated = false;  /* more than 19 significant digits */
    size_t n_mantissa = 0;   /* digits of the mantissa, significant or not */
    for (; i < len && (unsigned)(text[i] - '0') < 10; i++, n_mantissa++) {
        const uint64_t digit = (uint64_t)(text[i] - '0');
        if (n_digits < 19) {
            w = w * 10 + digit;
            n_digits += w != 0;
        } else {
            exponent++;
            truncated |= digit != 0;
        }
    }
    if (i < len && text[i] == '.') {
        for (i++; i < len && (unsigned)(text[i] - '0') < 10; i++, n_mantissa++) {
            const uint64_t digit = (uint64_t)(text[i] - '0');
            if (n_digits < 19) {
                w = w * 10 + digit;
                n_digits += w != 0;
                exponent--;
            } else {
                truncated |= digit != 0;
            }
        }
    }
    if (n_mantissa == 0)
        return MLODA_DOUBLE_PARSE_SYNTAX;
    if (i < len && (text[i] == 'e' || text[i] == 'E')) {
        i++;
        const bool eneg = i < len && text[i] == '-';
        if (i < len && (text[i] == '-' || text[i] == '+'))
            i++;
        if (i == len || (unsigned)(text[i] - '0') >= 10)
            return MLODA_DOUBLE_PARSE_SYNTAX;
        int64_t e = 0;
        for (; i < len && (unsigned)(text[i] - '0') < 10; i++)
            if (e < 100000)
                e = e * 10 + (text[i] - '0');
        exponent += eneg ? -e : e;
    }
    if (i != len)
        return MLODA_DOUBLE_PARSE_SYNTAX;
    double d;
    if (truncated) {
        if (!parse_slow(text, len, &d))
            return MLODA_DOUBLE_PARSE_NOMEM;
        *out = d;
        return MLODA_DOUBLE_PARSE_OK;
    }
    if (w == 0) {
        d = 0.0;
    } else if (!mloda_double_from_decimal(w, exponent, &d)) {
        const int32_t q = exponent < -400 ? -400 : exponent > 400 ? 400 : (int32_t)exponent;
        const uint64_t bits = eisel_lemire(w, q);
        memcpy(&d, &bits, sizeof d);
    }
    *out = neg ? -d : d;
    return MLODA_DOUBLE_PARSE_OK;
}
