/* utf8.c: strict UTF-8 checks and terminal-safe text (see utf8.h). */
#include "util/utf8.h"

#include <stdio.h>
#include <string.h>

size_t mloda_utf8_valid_prefix(const char *s, size_t len)
{
    mloda_utf8_state st = {0, 0, 0};
    size_t start = 0; /* first byte of the character being read */
    for (size_t i = 0; i < len; i++) {
        const uint8_t c = (uint8_t)s[i];
        if (st.need == 0 && c < 0x80)
            continue; /* ASCII, the common case */
        if (st.need == 0)
            start = i;
        if (!mloda_utf8_step(&st, c))
            return start;
    }
    return st.need == 0 ? len : start;
}

/* The escape for a character or a bad byte; "" when it is copied as it is. */
static void escape_for(const uint8_t *p, size_t n, char out[8])
{
    out[0] = '\0';
    if (n == 1 && p[0] < 0x80) {
        const uint8_t c = p[0];
        if (c == '\n')
            memcpy(out, "\\n", 3);
        else if (c == '\r')
            memcpy(out, "\\r", 3);
        else if (c == '\t')
            memcpy(out, "\\t", 3);
        else if (c < 0x20 || c == 0x7F)
            (void)snprintf(out, 8, "\\x%02X", (unsigned)c);
    } else if (n == 2 && p[0] == 0xC2 && p[1] <= 0x9F) { /* C1 controls U+0080..U+009F */
        (void)snprintf(out, 8, "\\u%04X", (unsigned)p[1]);
    }
}

/* Walks s, calling put(ctx, bytes, n) for each piece of output. */
typedef bool (*put_fn)(void *ctx, const char *bytes, size_t n);

static bool walk_visible(const char *s, size_t len, put_fn put, void *ctx)
{
    size_t i = 0;
    while (i < len) {
        const uint8_t *p = (const uint8_t *)s + i;
        size_t n = 1;
        if (p[0] >= 0x80) {
            mloda_utf8_state st = {0, 0, 0};
            bool ok = mloda_utf8_step(&st, p[0]);
            while (ok && st.need > 0 && i + n < len)
                ok = mloda_utf8_step(&st, p[n++]);
            if (!ok || st.need > 0) { /* a bad byte: show it, go on after it */
                char hex[8];
                (void)snprintf(hex, sizeof hex, "\\x%02X", (unsigned)p[0]);
                if (!put(ctx, hex, 4))
                    return false;
                i++;
                continue;
            }
        }
        char esc[8];
        escape_for(p, n, esc);
        if (!(esc[0] != '\0' ? put(ctx, esc, strlen(esc)) : put(ctx, (const char *)p, n)))
            return false;
        i += n;
    }
    return true;
}

typedef struct buf_ctx {
    mloda_buf *b;
    mloda_error *err;
    mloda_status st;
} buf_ctx;

static bool put_buf(void *ctx, const char *bytes, size_t n)
{
    buf_ctx *c = ctx;
    c->st = mloda_buf_append(c->b, bytes, n, c->err);
    return c->st == MLODA_OK;
}

mloda_status mloda_buf_put_visible(mloda_buf *b, const char *s, size_t len, mloda_error *err)
{
    buf_ctx c = {b, err, MLODA_OK};
    (void)walk_visible(s, len, put_buf, &c);
    return c.st;
}

typedef struct fixed_ctx {
    char *dst;
    size_t cap;
    size_t len;
} fixed_ctx;

static bool put_fixed(void *ctx, const char *bytes, size_t n)
{
    fixed_ctx *c = ctx;
    if (c->len + n + 1 > c->cap)
        return false; /* whole pieces only: never a cut character or escape */
    memcpy(c->dst + c->len, bytes, n);
    c->len += n;
    return true;
}

char *mloda_text_visible(char *dst, size_t cap, const char *src)
{
    if (cap == 0)
        return dst;
    fixed_ctx c = {dst, cap, 0};
    if (src != NULL)
        (void)walk_visible(src, strlen(src), put_fixed, &c);
    dst[c.len] = '\0';
    return dst;
}
