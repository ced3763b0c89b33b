/*
 * utf8.h: strict UTF-8 (RFC 3629) checking and text made safe to show on a terminal.
 *
 * Valid UTF-8 here means shortest forms only (no overlong "C0 AF"), no surrogate code
 * points (U+D800..U+DFFF, "ED A0 80") and nothing above U+10FFFF: what every reader of
 * the formats layer accepts (README, "Text"). The decoder is a byte-at-a-time state
 * machine so that input read in chunks is checked without holding it whole.
 */
#ifndef MLODA_UTIL_UTF8_H
#define MLODA_UTIL_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mloda/base.h"
#include "util/buf.h"

/** Decoder state between bytes. Zeroed memory is the state between characters. */
typedef struct mloda_utf8_state {
    uint8_t need; /* continuation bytes still expected */
    uint8_t lo;   /* allowed range of the next continuation byte */
    uint8_t hi;
} mloda_utf8_state;

/** Takes one byte: true when it may come here (a complete character or a step of one),
 *  false when it cannot (the state is then reset to "between characters"). */
static inline bool mloda_utf8_step(mloda_utf8_state *s, uint8_t c)
{
    if (s->need > 0) {
        if (c < s->lo || c > s->hi) {
            s->need = 0;
            return false;
        }
        s->need--;
        s->lo = 0x80;
        s->hi = 0xBF;
        return true;
    }
    if (c < 0x80)
        return true;
    s->lo = 0x80;
    s->hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
        s->need = 1;
    } else if (c >= 0xE0 && c <= 0xEF) {
        s->need = 2;
        if (c == 0xE0)
            s->lo = 0xA0; /* overlong below U+0800 */
        else if (c == 0xED)
            s->hi = 0x9F; /* surrogates */
    } else if (c >= 0xF0 && c <= 0xF4) {
        s->need = 3;
        if (c == 0xF0)
            s->lo = 0x90; /* overlong below U+10000 */
        else if (c == 0xF4)
            s->hi = 0x8F; /* above U+10FFFF */
    } else {
        return false; /* 80..C1: a stray continuation or an overlong lead; F5..FF */
    }
    return true;
}

/** Length of the longest prefix of s[0..len) made of whole valid characters: len when the
 *  text is valid UTF-8; otherwise the offset of the first byte of the first bad (or cut)
 *  sequence. */
size_t mloda_utf8_valid_prefix(const char *s, size_t len);

/** true when s[0..len) is valid UTF-8. */
static inline bool mloda_utf8_is_valid(const char *s, size_t len)
{
    return mloda_utf8_valid_prefix(s, len) == len;
}

/**
 * Appends s[0..len) so that a terminal shows it as text and nothing in it can move the
 * cursor or change the terminal's state: control characters (U+0000..U+001F, U+007F and
 * the C1 range U+0080..U+009F) become \n, \r, \t or \xHH / \u00HH; bytes that are not
 * valid UTF-8 become \xHH. Everything else is copied.
 */
mloda_status mloda_buf_put_visible(mloda_buf *b, const char *s, size_t len, mloda_error *err);

/** The same into a fixed buffer (NUL-terminated, cut at a character when it does not fit);
 *  returns dst. */
char *mloda_text_visible(char *dst, size_t cap, const char *src);

#endif /* MLODA_UTIL_UTF8_H */
