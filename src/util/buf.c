/* buf.c: growable NUL-terminated byte buffer. */
#include "util/buf.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"
#include "util/double_text.h"

mloda_status mloda_buf_reserve(mloda_buf *b, size_t additional, mloda_error *err)
{
    size_t need = 0;
    if (!mloda_add_size(b->len, additional, &need) || !mloda_add_size(need, 1, &need))
        return mloda_error_set(err, MLODA_ERR_RANGE, NULL, "text buffer size overflows");
    if (need <= b->cap)
        return MLODA_OK;
    size_t cap = b->cap < 64 ? 64 : b->cap;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    char *p = mloda_realloc(b->data, cap);
    if (p == NULL)
        return mloda_error_set(err, MLODA_ERR_NOMEM, NULL, "out of memory growing a text buffer");
    b->data = p;
    b->cap = cap;
    return MLODA_OK;
}

mloda_status mloda_buf_append(mloda_buf *b, const char *s, size_t len, mloda_error *err)
{
    mloda_status st = mloda_buf_reserve(b, len, err);
    if (st != MLODA_OK)
        return st;
    if (len > 0)
        memcpy(b->data + b->len, s, len);
    b->len += len;
    b->data[b->len] = '\0';
    return MLODA_OK;
}

mloda_status mloda_buf_puts(mloda_buf *b, const char *s, mloda_error *err)
{
    return mloda_buf_append(b, s, strlen(s), err);
}

mloda_status mloda_buf_putc(mloda_buf *b, char c, mloda_error *err)
{
    return mloda_buf_append(b, &c, 1, err);
}

mloda_status mloda_buf_printf(mloda_buf *b, mloda_error *err, const char *fmt, ...)
{
    char small[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0)
        return mloda_error_set(err, MLODA_ERR_INTERNAL, NULL, "formatting failed");
    if ((size_t)n < sizeof small)
        return mloda_buf_append(b, small, (size_t)n, err);
    mloda_status st = mloda_buf_reserve(b, (size_t)n, err);
    if (st != MLODA_OK)
        return st;
    va_start(ap, fmt);
    (void)vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return MLODA_OK;
}

mloda_status mloda_buf_json_string(mloda_buf *b, const char *s, size_t len, mloda_error *err)
{
    static const char hex[] = "0123456789abcdef";
    mloda_status st = mloda_buf_putc(b, '"', err);
    for (size_t i = 0; st == MLODA_OK && i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            char esc[2] = {'\\', (char)c};
            st = mloda_buf_append(b, esc, 2, err);
        } else if (c == '\n') {
            st = mloda_buf_append(b, "\\n", 2, err);
        } else if (c == '\t') {
            st = mloda_buf_append(b, "\\t", 2, err);
        } else if (c == '\r') {
            st = mloda_buf_append(b, "\\r", 2, err);
        } else if (c < 0x20) {
            char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            st = mloda_buf_append(b, esc, 6, err);
        } else {
            st = mloda_buf_putc(b, (char)c, err);
        }
    }
    return st == MLODA_OK ? mloda_buf_putc(b, '"', err) : st;
}

/* Python's repr layout (util/double_text.c); "null" for NaN and infinities. */
mloda_status mloda_buf_double(mloda_buf *b, double v, mloda_error *err)
{
    char tmp[MLODA_DOUBLE_TEXT_MAX];
    size_t n = mloda_double_text(v, tmp);
    return mloda_buf_append(b, tmp, n, err);
}

char *mloda_buf_take(mloda_buf *b)
{
    char *d = b->data;
    if (d == NULL)
        d = mloda_strdup("");
    b->data = NULL;
    b->len = b->cap = 0;
    return d;
}

void mloda_buf_reset(mloda_buf *b)
{
    mloda_free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}
