/*
 * report.c: errors on stderr, one line each ("mloda: <where>: <message>"), and the
 * mapping from status codes to the documented exit codes.
 */
#include "cli/cli.h"

#include <string.h>

void cli_report(const char *prefix, const mloda_error *e)
{
    const bool has_prefix = prefix != NULL && prefix[0] != '\0';
    (void)fprintf(stderr, "mloda: %s%s%s", has_prefix ? prefix : "", has_prefix ? ": " : "",
                  e->message[0] != '\0' ? e->message : mloda_status_description(e->code));
    if (e->subject[0] != '\0' && strstr(e->message, e->subject) == NULL)
        (void)fprintf(stderr, " (%s)", e->subject);
    (void)fputc('\n', stderr);
    (void)fflush(stderr);
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
