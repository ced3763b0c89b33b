/* error.c: the public error object and status names (see mloda/base.h), and the internal
 * error helpers of util.h. */
#include "mloda/base.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util/util.h"

const char *mloda_status_name(mloda_status status)
{
    switch (status) {
#define NAME_CASE_(name, num, desc) \
    case name:                      \
        return #name;
        MLODA_STATUS_LIST(NAME_CASE_)
#undef NAME_CASE_
    }
    return "MLODA_UNKNOWN";
}

const char *mloda_status_description(mloda_status status)
{
    switch (status) {
#define DESC_CASE_(name, num, desc) \
    case name:                      \
        return desc;
        MLODA_STATUS_LIST(DESC_CASE_)
#undef DESC_CASE_
    }
    return "unknown status";
}

bool mloda_status_is_known(mloda_status status)
{
    switch (status) {
#define KNOWN_CASE_(name, num, desc) \
    case name:                       \
        return true;
        MLODA_STATUS_LIST(KNOWN_CASE_)
#undef KNOWN_CASE_
    }
    return false;
}

const char *mloda_version(void)
{
    return MLODA_VERSION_STRING;
}

void mloda_error_reset(mloda_error *err)
{
    if (err == NULL)
        return;
    err->code = MLODA_OK;
    err->position = -1;
    err->subject[0] = '\0';
    err->message[0] = '\0';
}

/* Copies src into a fixed buffer, truncating, with control characters (newlines, escape
 * sequences) turned into spaces so that a message stays one line and cannot drive a
 * terminal. */
static void copy_one_line(char *dst, size_t cap, const char *src)
{
    size_t i = 0;
    for (; src != NULL && src[i] != '\0' && i + 1 < cap; i++) {
        unsigned char c = (unsigned char)src[i];
        dst[i] = (c < 0x20 || c == 0x7f) ? ' ' : src[i];
    }
    if (src != NULL && src[i] != '\0') { /* truncated: never end inside a UTF-8 sequence */
        size_t k = i;
        while (k > 0 && ((unsigned char)dst[k - 1] & 0xC0) == 0x80)
            k--;
        if (k > 0 && (unsigned char)dst[k - 1] >= 0xC0) {
            unsigned char lead = (unsigned char)dst[k - 1];
            size_t need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;
            if (i - (k - 1) < need)
                i = k - 1; /* drop the sequence that was cut */
        }
    }
    dst[i] = '\0';
}

/* ---------------------------------------------------------------- long names */

/* The start of the UTF-8 character holding byte i (a continuation byte moves back). */
static size_t char_start(const char *s, size_t i)
{
    while (i > 0 && ((unsigned char)s[i] & 0xC0) == 0x80)
        i--;
    return i;
}

/* Cuts s[a..b) (b - a > 2 * KEEP + 3) to s[a..a+KEEP) "..." s[b-KEEP..b) at character
 * boundaries, moving the rest of the text (up to len) down; returns the new length. */
static size_t elide_span(char *s, size_t len, size_t a, size_t b)
{
    size_t head = char_start(s, a + MLODA_ELIDE_KEEP), tail = char_start(s, b - MLODA_ELIDE_KEEP);
    if (tail <= head + 3)
        return len;
    memcpy(s + head, "...", 3);
    memmove(s + head + 3, s + tail, len - tail);
    len -= tail - head - 3;
    s[len] = '\0';
    return len;
}

const char *mloda_elide_name(const char *name, char *buf, size_t cap)
{
    if (cap == 0)
        return "";
    size_t len = name == NULL ? 0 : strlen(name);
    if (len < cap) {
        memcpy(buf, name != NULL ? name : "", len + 1);
        return buf;
    }
    if (cap < 8) { /* no room for head ... tail: the head alone */
        size_t k = char_start(name, cap - 1);
        memcpy(buf, name, k);
        buf[k] = '\0';
        return buf;
    }
    size_t keep = (cap - 4) / 2; /* head + "..." + tail + NUL fit in cap */
    size_t head = char_start(name, keep), tail = len - keep;
    while (tail < len && ((unsigned char)name[tail] & 0xC0) == 0x80)
        tail++;
    memcpy(buf, name, head);
    memcpy(buf + head, "...", 3);
    memcpy(buf + head + 3, name + tail, len - tail);
    buf[head + 3 + len - tail] = '\0';
    return buf;
}

size_t mloda_elide_quoted(char *text, size_t len, size_t max)
{
    while (len > max) {
        /* the longest quoted span: between a quote and the next one */
        size_t best_a = 0, best_b = 0;
        for (size_t i = 0; i < len; i++) {
            if (text[i] != '\'')
                continue;
            size_t j = i + 1;
            while (j < len && text[j] != '\'')
                j++; /* a quote left open (a text cut at 16 KB) spans to the end */
            if (j - (i + 1) > best_b - best_a) {
                best_a = i + 1;
                best_b = j;
            }
            i = j;
        }
        if (best_b - best_a <= 2 * MLODA_ELIDE_KEEP + 3 + 8)
            break; /* nothing long left to shorten */
        size_t shorter = elide_span(text, len, best_a, best_b);
        if (shorter >= len)
            break;
        len = shorter;
    }
    text[len] = '\0';
    return len;
}

/* ---------------------------------------------------------------- setting errors */

static mloda_status error_vset(mloda_error *err, mloda_status code, const char *subject,
                               int64_t position, const char *fmt, va_list ap)
    MLODA_PRINTF(5, 0);
static mloda_status error_vset(mloda_error *err, mloda_status code, const char *subject,
                               int64_t position, const char *fmt, va_list ap)
{
    if (err == NULL || code == MLODA_OK || err->code != MLODA_OK)
        return code;
    err->code = code;
    err->position = position;
    copy_one_line(err->subject, sizeof err->subject, subject);
    /* formatted in full (up to 16 KB, on the stack: reporting never allocates), then the
     * names it quotes are shortened in the middle until it fits, so that the reason after
     * a long name survives; a text still too long reaches copy_one_line, which truncates
     * it between UTF-8 characters (vsnprintf would cut inside one) */
    char tmp[16384];
    int n = fmt != NULL ? vsnprintf(tmp, sizeof tmp, fmt, ap)
                        : snprintf(tmp, sizeof tmp, "%s", mloda_status_description(code));
    size_t len = n < 0 ? 0 : (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1;
    tmp[len] = '\0';
    (void)mloda_elide_quoted(tmp, len, MLODA_ERROR_MESSAGE_MAX - 1);
    copy_one_line(err->message, sizeof err->message, tmp);
    return code;
}

mloda_status mloda_error_set(mloda_error *err, mloda_status code, const char *subject,
                             const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    mloda_status st = error_vset(err, code, subject, -1, fmt, ap);
    va_end(ap);
    return st;
}

mloda_status mloda_error_set_at(mloda_error *err, mloda_status code, const char *subject,
                                int64_t position, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    mloda_status st = error_vset(err, code, subject, position, fmt, ap);
    va_end(ap);
    return st;
}

void mloda_error_default_subject(mloda_error *err, const char *subject)
{
    if (err != NULL && err->subject[0] == '\0')
        (void)snprintf(err->subject, sizeof err->subject, "%s", subject);
}
