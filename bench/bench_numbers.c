/*
 * bench_numbers.c: number text at memory speed (issue 13).
 *
 * Check (not timed): util/double_text.c against glibc's printf/strtod on 10^7 doubles
 * (random bit patterns, subnormals, 6-decimal values, whole numbers, powers of two) for
 * printing and on 10^7 texts (shortest, %.17g, %.15g, 20-digit, random digit strings with
 * random exponents, near-halfway points) for parsing (tests/util/double_ref.h); a mismatch
 * fails the program. --quick: 10^6 each.
 *
 * Figures, each the median of 5 passes, with baselines measured in the same run:
 *   format_random_6dec   mloda_double_write over 1M random 6-decimal values (what NDJSON
 *                        batches carry), values/s        vs  snprintf "%.17g" (values/s)
 *   format_random_bits   the same over random finite bit patterns   vs  snprintf "%.17g"
 *   json_column_broadcast  the NDJSON writer on a 1M-row column holding one value
 *                        (a broadcast aggregate), values/s  vs  memcpy of the same bytes
 *   json_column_values   the NDJSON writer on a 1M-row column of 6-decimal values, values/s
 *                                                        vs  format_random_6dec
 *   parse_ndjson_numbers mloda_double_parse over the numbers of an NDJSON array text
 *                        (", "-separated 6-decimal values), MB/s of text  vs  strtod
 *   read_ndjson_array    the JSON reader (src/io/json_events.c: its fast reader) on that
 *                        array as one document, each number's value taken as a batch's
 *                        column reader takes it, MB/s  vs  the same with yajl alone
 *                        (mloda_io_json_parser_yajl_only: the reader before issue 13's
 *                        fast path)
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_util.h"
#include "../tests/util/double_ref.h"
#include "io/column_reader.h"
#include "io/io.h"
#include "io/json_events.h"
#include "mloda/mloda.h"
#include "util/double_text.h"

enum { N = 1000000, PASSES = 5 };

static volatile size_t sink;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void result_line(const char *name, double value, const char *unit, const char *baseline,
                        double base)
{
    printf("RESULT\t%s\t%.6g\t%s\t%s\t%.6g\n", name, value, unit, baseline, base);
}

static void check(long n)
{
    uint64_t seed = 0x9E3779B97F4A7C15ULL;
    int lopsided = 0;
    long bad = 0;
    for (long i = 0; i < n; i++) {
        const char *why = double_ref_check(ref_sample(&seed, (uint64_t)i), &lopsided);
        if (why != NULL && bad++ < 10)
            fprintf(stderr, "bench_numbers: print mismatch: %s\n", why);
    }
    char text[64];
    seed = 0xD1B54A32D192ED03ULL;
    for (long i = 0; i < n; i++) {
        ref_parse_sample(&seed, (uint64_t)i, text, sizeof text);
        const char *why = double_ref_parse_check(text);
        if (why != NULL && bad++ < 10)
            fprintf(stderr, "bench_numbers: parse mismatch: %s\n", why);
    }
    fprintf(stderr, "bench_numbers: checked %ld printed and %ld parsed values against "
                    "printf/strtod: %ld mismatches (%d shorter where the interval is lopsided)\n",
            n, n, bad, lopsided);
    printf("CHECK\tdouble_text\t%ld\t%ld\n", 2 * n, bad);
    if (bad != 0)
        exit(1);
}

typedef size_t (*format_fn)(const double *v, int64_t n, char *out);

static size_t format_ours(const double *v, int64_t n, char *out)
{
    char *p = out;
    for (int64_t i = 0; i < n; i++) {
        p = mloda_double_write(v[i], p);
        *p++ = ',';
    }
    return (size_t)(p - out);
}

/* A handler that takes each number's value as a batch's column reader does. */
static mloda_status sum_numbers(void *self, const io_json_event *ev, mloda_error *err)
{
    (void)err;
    double *acc = self;
    if (ev->kind != IO_JSON_NUMBER)
        return MLODA_OK;
    io_number num;
    if (ev->number != NULL)
        num = *ev->number;
    else
        (void)mloda_io_number_parse(ev->text, ev->len, &num);
    *acc += num.d;
    return MLODA_OK;
}

/* Seconds for the JSON reader to read text[0..len) as one document. */
static double read_json(const char *text, size_t len, bool yajl_only)
{
    double acc = 0;
    io_json_parser p;
    mloda_error err = MLODA_ERROR_INIT;
    const double t0 = now_s();
    if (mloda_io_json_parser_init(&p, sum_numbers, &acc, "bench", 1, 0, &err) != MLODA_OK)
        exit(1);
    if (yajl_only)
        mloda_io_json_parser_yajl_only(&p);
    if (mloda_io_json_parser_feed(&p, text, len, &err) != MLODA_OK ||
        mloda_io_json_parser_finish(&p, &err) != MLODA_OK) {
        fprintf(stderr, "bench_numbers: reading the array: %s\n", err.message);
        exit(1);
    }
    mloda_io_json_parser_reset(&p);
    const double secs = now_s() - t0;
    sink += (size_t)acc;
    return secs;
}

/* The numbers formatted by format_ours (text[0..len), ','-terminated) as one JSON array. */
static void time_json_reader(const char *text, size_t len)
{
    char *arr = malloc(len + 2);
    if (arr == NULL)
        exit(1);
    arr[0] = '[';
    memcpy(arr + 1, text, len - 1); /* without the last ',' */
    arr[len] = ']';
    double tf[PASSES], ty[PASSES];
    for (int r = 0; r < PASSES; r++) {
        tf[r] = read_json(arr, len + 1, false);
        ty[r] = read_json(arr, len + 1, true);
    }
    const double mb = (double)(len + 1) / 1e6;
    result_line("numbers: JSON reader on an NDJSON array of numbers",
                mb / bench_median(tf, PASSES), "MB/s", "yajl alone (the reader before)",
                mb / bench_median(ty, PASSES));
    free(arr);
}

static size_t format_printf(const double *v, int64_t n, char *out)
{
    char *p = out;
    for (int64_t i = 0; i < n; i++) {
        p += snprintf(p, 32, "%.17g", v[i]);
        *p++ = ',';
    }
    return (size_t)(p - out);
}

static double time_format(format_fn f, const double *v, char *out)
{
    double t[PASSES];
    for (int r = 0; r < PASSES; r++) {
        const double t0 = now_s();
        sink = f(v, N, out);
        t[r] = now_s() - t0;
    }
    return (double)N / bench_median(t, PASSES);
}

static mloda_table *one_column_table(const double *v)
{
    mloda_error err = MLODA_ERROR_INIT;
    mloda_column *col = NULL;
    if (mloda_column_from_float64(N, v, NULL, &col, &err) != MLODA_OK)
        exit(1);
    const char *names[] = {"x"};
    mloda_table *t = NULL;
    const mloda_column *cols[] = {col};
    if (mloda_table_new(N, 1, names, cols, &t, &err) != MLODA_OK)
        exit(1);
    mloda_column_release(col);
    return t;
}

static double time_json_column(const mloda_table *t, size_t *out_bytes)
{
    double tm[PASSES];
    mloda_buf buf = {0};
    mloda_error err = MLODA_ERROR_INIT;
    for (int r = 0; r < PASSES; r++) {
        buf.len = 0;
        const double t0 = now_s();
        if (mloda_io_write_json_table(&buf, t, 0, false, &err) != MLODA_OK)
            exit(1);
        tm[r] = now_s() - t0;
    }
    *out_bytes = buf.len;
    mloda_buf_reset(&buf);
    return (double)N / bench_median(tm, PASSES);
}

int main(int argc, char **argv)
{
    const int quick = argc > 1 && strcmp(argv[1], "--quick") == 0;
    check(quick ? 1000000 : 10000000);

    double *dec = malloc(N * sizeof *dec), *bits = malloc(N * sizeof *bits);
    char *out = malloc((size_t)N * 40);
    uint64_t seed = 12345;
    for (int64_t i = 0; i < N; i++) {
        dec[i] = (double)(ref_rand(&seed) % 1000000000ULL) / 1e6; /* 0..1000, 6 decimals */
        double b;
        do
            b = ref_bits(ref_rand(&seed));
        while (!isfinite(b));
        bits[i] = b;
    }
    const double ours_dec = time_format(format_ours, dec, out);
    const double printf_dec = time_format(format_printf, dec, out);
    const double ours_bits = time_format(format_ours, bits, out);
    const double printf_bits = time_format(format_printf, bits, out);
    result_line("numbers: format 6-decimal doubles", ours_dec / 1e6, "M values/s",
                "snprintf %.17g", printf_dec / 1e6);
    result_line("numbers: format random doubles", ours_bits / 1e6, "M values/s",
                "snprintf %.17g", printf_bits / 1e6);

    /* the NDJSON writer: a broadcast column against memcpy of its text, a varying one */
    double *same = malloc(N * sizeof *same);
    for (int64_t i = 0; i < N; i++)
        same[i] = 499.8765432101;
    mloda_table *t_same = one_column_table(same), *t_dec = one_column_table(dec);
    size_t bytes = 0;
    const double json_same = time_json_column(t_same, &bytes);
    double tm[PASSES];
    char *copy = malloc(bytes + 1);
    for (int r = 0; r < PASSES; r++) {
        const double t0 = now_s();
        memcpy(copy, out, bytes < (size_t)N * 40 ? bytes : (size_t)N * 40);
        tm[r] = now_s() - t0;
        sink += (size_t)copy[bytes / 2];
    }
    result_line("numbers: NDJSON writer, broadcast float64 column", json_same / 1e6,
                "M values/s", "memcpy of the same text", (double)N / bench_median(tm, PASSES) / 1e6);
    const double json_dec = time_json_column(t_dec, &bytes);
    result_line("numbers: NDJSON writer, 6-decimal float64 column", json_dec / 1e6,
                "M values/s", "mloda_double_write alone", ours_dec / 1e6);

    /* parsing the numbers of an NDJSON array */
    const size_t len = format_ours(dec, N, out);
    time_json_reader(out, len);
    for (size_t i = 0; i < len; i++)
        if (out[i] == ',')
            out[i] = ' ';
    double tp[PASSES], ts[PASSES];
    for (int r = 0; r < PASSES; r++) {
        double acc = 0;
        double t0 = now_s();
        for (size_t i = 0; i < len;) {
            size_t j = i;
            while (out[j] != ' ')
                j++;
            double d = 0;
            (void)mloda_double_parse(out + i, j - i, &d);
            acc += d;
            i = j + 1;
        }
        tp[r] = now_s() - t0;
        t0 = now_s();
        for (size_t i = 0; i < len;) {
            char *end = NULL;
            acc += strtod(out + i, &end);
            i = (size_t)(end - out) + 1;
        }
        ts[r] = now_s() - t0;
        sink += (size_t)acc;
    }
    result_line("numbers: parse NDJSON numbers", (double)len / bench_median(tp, PASSES) / 1e6, "MB/s",
                "strtod", (double)len / bench_median(ts, PASSES) / 1e6);
    mloda_table_release(t_same);
    mloda_table_release(t_dec);
    free(dec);
    free(bits);
    free(same);
    free(out);
    free(copy);
    return 0;
}
