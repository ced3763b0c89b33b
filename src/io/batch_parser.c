/*
 * batch_parser.c: one api_data document fed in chunks -> mloda_api_data, typed by the
 * prepared schema. Shared by the NDJSON/JSON sources and mloda_io_api_data_parse.
 */
#include "io/source.h"

#include <string.h>

#include "util/util.h"

mloda_status mloda_io_batch_parser_begin(io_batch_parser *bp, const io_schema *schema,
                                   const char *source, int64_t line, int64_t byte,
                                   int64_t line_start_byte, mloda_error *err)
{
    memset(bp, 0, sizeof *bp);
    mloda_io_api_reader_init(&bp->api, schema, "the prepared request", "a batch");
    MLODA_TRY(mloda_io_json_parser_init(&bp->parser, mloda_io_api_reader_event, &bp->api, source, line, byte,
                                  err));
    bp->parser.line_start_byte = line_start_byte;
    bp->active = true;
    return MLODA_OK;
}

mloda_status mloda_io_batch_parser_feed(io_batch_parser *bp, const char *data, size_t len,
                                  mloda_error *err)
{
    return mloda_io_json_parser_feed(&bp->parser, data, len, err);
}

mloda_status mloda_io_batch_parser_end(io_batch_parser *bp, mloda_api_data **out, mloda_error *err)
{
    *out = NULL;
    mloda_status st = mloda_io_json_parser_finish(&bp->parser, err);
    if (st == MLODA_OK) {
        *out = mloda_io_api_reader_take(&bp->api);
        if (*out == NULL)
            st = mloda_error_set(err, MLODA_ERR_PARSE, bp->parser.source,
                                 "%s: the batch ended early", bp->parser.source);
    }
    mloda_io_batch_parser_reset(bp);
    return st;
}

void mloda_io_batch_parser_reset(io_batch_parser *bp)
{
    if (!bp->active)
        return;
    mloda_io_json_parser_reset(&bp->parser);
    mloda_io_api_reader_reset(&bp->api);
    bp->active = false;
}

mloda_status mloda_io_api_data_parse(const char *text, size_t len, const io_schema *schema,
                               const char *source, int64_t first_line, int64_t first_byte,
                               mloda_api_data **out, mloda_error *err)
{
    io_batch_parser bp;
    *out = NULL;
    MLODA_TRY(mloda_io_batch_parser_begin(&bp, schema, source != NULL ? source : "batch", first_line,
                                    first_byte, first_byte, err));
    mloda_status st = mloda_io_batch_parser_feed(&bp, text, len, err);
    if (st == MLODA_OK)
        return mloda_io_batch_parser_end(&bp, out, err);
    mloda_io_batch_parser_reset(&bp);
    return st;
}
