/*
 * double_ref.h: the reference that util/double_text.c is checked against, built on
 * glibc's printf and strtod only (shared by tests/util/test_double_text.c and
 * bench/bench_numbers.c, which runs the 10^7-value check).
 *
 * ref_shortest: the fewest significant digits p (1..17) whose correctly rounded "%.*e"
 * reads back as v, and that text's digits and decimal exponent. ref_layout: Python's
 * repr layout of those digits (float_repr_style 'short': fixed for exponents -4..15).
 * double_ref_check: one value through mloda_double_text, compared with the reference;
 * returns NULL when they agree, else a static description. When the correctly rounded
 * p-digit text does not read back but another p-digit decimal does (possible only where
 * the rounding interval is lopsided: a power of two), the reference needs p + 1 digits
 * and ours may be shorter: accepted when ours reads back and is shorter.
 */
#ifndef MLODA_TESTS_DOUBLE_REF_H
#define MLODA_TESTS_DOUBLE_REF_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/double_text.h"

static int ref_shortest(double v, char *digits, int *exponent)
{
    char tmp[40];
    for (int prec = 1; prec <= 17; prec++) {
        (void)snprintf(tmp, sizeof tmp, "%.*e", prec - 1, v);
        if (prec == 17 || strtod(tmp, NULL) == v)
            break;
    }
    const char *p = tmp[0] == '-' ? tmp + 1 : tmp;
    int n = 0;
    for (; *p != 'e'; p++)
        if (*p != '.')
            digits[n++] = *p;
    *exponent = atoi(p + 1);
    while (n > 1 && digits[n - 1] == '0')
        n--;
    digits[n] = '\0';
    return n;
}

static size_t ref_layout(double v, char *out)
{
    if (!isfinite(v))
        return (size_t)sprintf(out, "null");
    if (v == 0)
        return (size_t)sprintf(out, signbit(v) ? "-0.0" : "0.0");
    char d[24];
    int e = 0;
    const int n = ref_shortest(v, d, &e);
    char *o = out;
    if (v < 0)
        *o++ = '-';
    if (e >= 16 || e < -4) {
        *o++ = d[0];
        if (n > 1)
            o += sprintf(o, ".%s", d + 1);
        o += sprintf(o, "e%c%02d", e < 0 ? '-' : '+', abs(e));
    } else if (e < 0) {
        o += sprintf(o, "0.");
        for (int z = -1; z > e; z--)
            *o++ = '0';
        o += sprintf(o, "%s", d);
    } else {
        for (int i = 0; i <= e; i++)
            *o++ = i < n ? d[i] : '0';
        *o++ = '.';
        o += sprintf(o, "%s", n > e + 1 ? d + e + 1 : "0");
    }
    *o = '\0';
    return (size_t)(o - out);
}

/* Significant digits of a text from mloda_double_text (for the lopsided case). */
static int ref_count_digits(const char *s)
{
    int n = 0, first = -1, last = -1;
    for (int i = 0; s[i] != '\0' && s[i] != 'e'; i++) {
        if (s[i] >= '1' && s[i] <= '9') {
            if (first < 0)
                first = n;
            last = n;
        }
        if (s[i] >= '0' && s[i] <= '9')
            n++;
    }
    return first < 0 ? 1 : last - first + 1;
}

static const char *double_ref_check(double v, int *lopsided)
{
    static char why[160];
    char ours[MLODA_DOUBLE_TEXT_MAX], ref[64];
    const size_t n = mloda_double_text(v, ours);
    const size_t rn = ref_layout(v, ref);
    if (n == rn && memcmp(ours, ref, n) == 0 && ours[n] == '\0')
        return NULL;
    if (isfinite(v) && strtod(ours, NULL) == v && ref_count_digits(ours) < ref_count_digits(ref)) {
        (*lopsided)++;
        return NULL;
    }
    (void)snprintf(why, sizeof why, "%a: ours \"%s\", printf/strtod \"%s\"", v, ours, ref);
    return why;
}

/* Parses text with mloda_double_parse and strtod; NULL when they agree (bit for bit). */
static const char *double_ref_parse_check(const char *text)
{
    static char why[200];
    double ours = 0;
    if (mloda_double_parse(text, strlen(text), &ours) != MLODA_DOUBLE_PARSE_OK) {
        (void)snprintf(why, sizeof why, "\"%s\" refused", text);
        return why;
    }
    const double ref = strtod(text, NULL);
    if (memcmp(&ours, &ref, sizeof ref) == 0)
        return NULL;
    (void)snprintf(why, sizeof why, "\"%s\": ours %a, strtod %a", text, ours, ref);
    return why;
}

static uint64_t ref_rand(uint64_t *s)
{
    /* xorshift64* */
    uint64_t x = *s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * 2685821657736338717ULL;
}

static double ref_bits(uint64_t b)
{
    double d;
    memcpy(&d, &b, sizeof d);
    return d;
}

/* Value number i of the mixed sample: random bit patterns, subnormals, "human" decimals
 * (what NDJSON batches hold: up to 6 decimals), whole numbers, and powers of two. */
static double ref_sample(uint64_t *s, uint64_t i)
{
    const uint64_t r = ref_rand(s);
    switch (i % 6) {
    case 0:
    case 1:
        return ref_bits(r); /* any: NaN and infinities too */
    case 2:
        return ref_bits(r & ((1ULL << 52) - 1)); /* subnormal (or zero) */
    case 3:
        return (double)(int64_t)(r % 2000000000ULL) / 1e6 - 1000.0;
    case 4:
        return (double)(int64_t)(r >> (r & 63));
    default:
        return ldexp(1.0, (int)(r % 2098) - 1074);
    }
}

/* Text number i of the parse sample: shortest, %.17g, %.15g, %.19e (20 digits: the slow
 * path) of a random double, random digit strings with random exponents, and near-halfway
 * points between adjacent doubles (long double midpoints cut to 17-19 digits). */
static void ref_parse_sample(uint64_t *s, uint64_t i, char *out, size_t cap)
{
    const uint64_t r = ref_rand(s);
    double v = ref_bits(r & ~(1ULL << 63));
    if (!isfinite(v))
        v = 1.5;
    switch (i % 7) {
    case 0:
        (void)mloda_double_text(v, out);
        break;
    case 1:
        (void)snprintf(out, cap, "%.17g", v);
        break;
    case 2:
        (void)snprintf(out, cap, "%.15g", v);
        break;
    case 3:
        (void)snprintf(out, cap, "%.19e", v);
        break;
    case 4: {
        const int nd = 1 + (int)(r % 19);
        char d[24];
        uint64_t x = ref_rand(s);
        for (int k = 0; k < nd; k++) {
            d[k] = (char)('0' + x % 10);
            x /= 10;
        }
        d[nd] = '\0';
        (void)snprintf(out, cap, "%s%se%d", (r >> 40) & 1 ? "-" : "", d, (int)(ref_rand(s) % 700) - 360);
        break;
    }
    default: {
        const double next = nextafter(v, INFINITY);
        const long double mid = ((long double)v + (long double)next) / 2;
        (void)snprintf(out, cap, "%.*Le", 16 + (int)(r % 3), mid);
        break;
    }
    }
}

#endif /* MLODA_TESTS_DOUBLE_REF_H */
