/*
 * double_text.c: a double as the shortest decimal text that reads back as the same
 * double, laid out like Python's repr (and json.dumps): fixed notation with at least one
 * decimal ("100.0", "0.001") for decimal exponents -4..15, scientific otherwise ("1e+21",
 * "1.5e-07").
 *
 * Finding the digits: when any decimal of at most 15 significant digits reads back as v,
 * the 15-digit rounding of v is that decimal padded with zeros (a double's half-ulp is
 * below half a unit of the 15th digit), so "%.14e" with trailing zeros dropped is the
 * shortest; otherwise the 16- and then the 17-digit rounding (17 always reads back).
 * Subnormals have fewer bits, so for them every precision from 1 is tried. Whole numbers
 * below 2^53 skip all of this. The C locale is in force (setlocale is never called).
 */
#include "util/double_text.h"

#include <float.h>
#include <stdbool.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Significant digits of v (no dot, no trailing zeros) and the decimal exponent of the
 * first one, from "%.*e" at the smallest precision that reads back. */
static size_t shortest_digits(double v, char *digits, int *exponent)
{
    char tmp[40];
    int first = fabs(v) < DBL_MIN ? 1 : 15;
    for (int prec = first; prec <= 17; prec++) {
        (void)snprintf(tmp, sizeof tmp, "%.*e", prec - 1, v);
        if (prec == 17 || strtod(tmp, NULL) == v)
            break;
    }
    /* tmp is "[-]d[.ddd]e[+-]xx" */
    const char *p = tmp[0] == '-' ? tmp + 1 : tmp;
    size_t n = 0;
    for (; *p != 'e'; p++)
        if (*p != '.')
            digits[n++] = *p;
    *exponent = atoi(p + 1);
    while (n > 1 && digits[n - 1] == '0')
        n--;
    digits[n] = '\0';
    return n;
}

static size_t put_fixed(char *out, const char *digits, size_t n, int e)
{
    size_t k = 0;
    if (e < 0) {
        out[k++] = '0';
        out[k++] = '.';
        for (int z = -1; z > e; z--)
            out[k++] = '0';
        memcpy(out + k, digits, n);
        return k + n;
    }
    const size_t int_digits = (size_t)e + 1;
    for (size_t i = 0; i < int_digits; i++)
        out[k++] = i < n ? digits[i] : (char)'0';
    out[k++] = '.';
    if (n <= int_digits) {
        out[k++] = '0';
        return k;
    }
    memcpy(out + k, digits + int_digits, n - int_digits);
    return k + n - int_digits;
}

static size_t put_scientific(char *out, const char *digits, size_t n, int e)
{
    size_t k = 0;
    out[k++] = digits[0];
    if (n > 1) {
        out[k++] = '.';
        memcpy(out + k, digits + 1, n - 1);
        k += n - 1;
    }
    const int len = snprintf(out + k, 8, "e%c%02d", e < 0 ? '-' : '+', e < 0 ? -e : e);
    return k + (size_t)(len > 0 ? len : 0);
}

/* Whole numbers print exactly as integers plus ".0". */
static size_t put_whole(char *out, double v)
{
    char tmp[24];
    long long w = (long long)v;
    const bool neg = w < 0 || (w == 0 && signbit(v));
    if (w < 0)
        w = -w;
    size_t n = sizeof tmp;
    do {
        tmp[--n] = (char)('0' + w % 10);
        w /= 10;
    } while (w != 0);
    size_t k = 0;
    if (neg)
        out[k++] = '-';
    memcpy(out + k, tmp + n, sizeof tmp - n);
    k += sizeof tmp - n;
    memcpy(out + k, ".0", 2);
    return k + 2;
}

size_t mloda_double_text(double v, char *out)
{
    if (!isfinite(v)) {
        memcpy(out, "null", 5);
        return 4;
    }
    size_t k = 0;
    if (v == floor(v) && fabs(v) < 9007199254740992.0 && fabs(v) < 1e16)
        k = put_whole(out, v);
    else {
        char digits[24];
        int e = 0;
        const size_t n = shortest_digits(v, digits, &e);
        if (v < 0)
            out[k++] = '-';
        k += (e >= -4 && e < 16) ? put_fixed(out + k, digits, n, e)
                                 : put_scientific(out + k, digits, n, e);
    }
    out[k] = '\0';
    return k;
}
