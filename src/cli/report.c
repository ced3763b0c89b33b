/*
 * report.c: errors on stderr, one line each ("mloda: <where>: <message>"), and the
 * mapping from status codes to the documented exit codes. Every line is made safe for a
 * terminal first (cli_eprintf): file names, feature names and values can hold control
 * characters or bytes that are not UTF-8, and those are shown escaped, never sent raw.
 */
#include "cli/cli.h"

#include <stdarg.h>
#include <string.h>

#include "util/utf8.h"

void cli_eprintf(const char *fmt, ...)
{
    char text[2048];
    char shown[4 * sizeof text]; /* an escape is at most 4 bytes per byte */
    va_list ap;
    va_start(ap, fmt);
    (void)vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    size_t n = strlen(text);
    const bool newline = n > 0 && text[n - 1] == '\n';
    if (newline) /* the line's own end stays a line end */
        text[--n] = '\0';
    (void)fputs(mloda_text_visible(shown, sizeof shown, text), stderr);
    if (newline)
        (void)fputc('\n', stderr);
    (void)fflush(stderr);
}

void cli_report(const char *prefix, const mloda_error *e)
{
    const bool has_prefix = prefix != NULL && prefix[0] != '\0';
    const bool name_subject = e->subject[0] != '\0' && strstr(e->message, e->subject) == NULL;
    cli_eprintf("mloda: %s%s%s%s%s%s\n", has_prefix ? prefix : "", has_prefix ? ": " : "",
                e->message[0] != '\0' ? e->message : mloda_status_description(e->code),
                name_subject ? " (" : "", name_subject ? e->subject : "", name_subject ? ")" : "");
}

int cli_exit_code(mloda_status st, int fallback)
{
    switch (st) {
    case MLODA_OK:
        return CLI_EXIT_OK;
    case MLODA_ERR_IO:
        return CLI_EXIT_IO;
    case MLODA_ERR_NOMEM:
    case MLODA_ERR_INTERNAL:
        return CLI_EXIT_INTERNAL;
    default:
        return fallback;
    }
}
