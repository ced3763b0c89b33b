/* sqlite_source.c: batches of rows from a SQLite query (not yet implemented). */
#include "io/source.h"

mloda_status io_sqlite_source_open(const char *path, const io_schema *schema,
                                   const io_source_options *opts, io_source **out,
                                   mloda_error *err)
{
    (void)schema;
    (void)opts;
    *out = NULL;
    return mloda_error_set(err, MLODA_ERR_INVALID_ARG, path,
                           "SQLite batches are not supported yet");
}
