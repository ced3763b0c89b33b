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
    /* one byte more than the message holds: a text longer than the message then reaches
     * copy_one_line still too long, so that it, not vsnprintf, truncates it (vsnprintf
     * would cut inside a UTF-8 sequence) */
    char tmp[MLODA_ERROR_MESSAGE_MAX + 1];
    if (fmt != NULL)
        (void)vsnprintf(tmp, sizeof tmp, fmt, ap);
    else
        (void)snprintf(tmp, sizeof tmp, "%s", mloda_status_description(code));
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
