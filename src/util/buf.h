/*
 * buf.h: a growable byte buffer that is always NUL-terminated (text building, JSON
 * output, canonical keys). Zeroed memory is an empty buffer; mloda_buf_reset frees it.
 */
#ifndef MLODA_UTIL_BUF_H
#define MLODA_UTIL_BUF_H

#include <stdarg.h>
#include <stddef.h>

#include "mloda/base.h"

typedef struct mloda_buf {
    char *data; /* owned; NUL-terminated when non-NULL */
    size_t len;
    size_t cap;
} mloda_buf;

mloda_status mloda_buf_reserve(mloda_buf *b, size_t additional, mloda_error *err);
mloda_status mloda_buf_append(mloda_buf *b, const char *s, size_t len, mloda_error *err);
mloda_status mloda_buf_puts(mloda_buf *b, const char *s, mloda_error *err);
mloda_status mloda_buf_putc(mloda_buf *b, char c, mloda_error *err);
mloda_status mloda_buf_printf(mloda_buf *b, mloda_error *err, const char *fmt, ...)
    MLODA_PRINTF(3, 4);
/** Appends s as a JSON string literal (quotes and escapes). */
mloda_status mloda_buf_json_string(mloda_buf *b, const char *s, size_t len, mloda_error *err);
/** Appends a double in the shortest form that round-trips ("null" for NaN/inf). */
mloda_status mloda_buf_double(mloda_buf *b, double v, mloda_error *err);
/** Moves the text out (caller frees with mloda_free); the buffer becomes empty. */
char *mloda_buf_take(mloda_buf *b);
void mloda_buf_reset(mloda_buf *b);

#endif /* MLODA_UTIL_BUF_H */
