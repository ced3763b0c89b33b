/*
 * json_events.c: yajl's callback parser turned into io_json_event calls, with positions.
 * A document's common subset is read by the fast reader (json_fast.c) until the first
 * thing it leaves to yajl (hand_over).
 *
 * yajl reports numbers as text (the yajl_number callback), so integers and floats are told
 * apart by how they are written and big numbers reach the handler instead of failing in
 * yajl. String validation (UTF-8) stays on. Line numbers are counted lazily: only the
 * bytes up to the position asked for are scanned, once, so a parse that asks nothing
 * costs nothing extra.
 *
 * yajl's own UTF-8 check lets overlong forms and encoded surrogates through, and its
 * decoder turns "\ud800" into '?' and "\udc00" into invalid UTF-8. So every chunk is
 * checked first (check_text): strict UTF-8 and surrogate escapes in pairs. Only the bytes
 * before a bad one reach yajl, so a syntax error earlier in the text is still the one
 * reported.
 */
#include "io/json_events.h"

#include <stdio.h>
#include <string.h>
#include <yajl/yajl_parse.h>

#include "util/util.h"

/* After the handler returned st: 1 to go on, 0 when it failed (p->failed, with a message). */
static int handled(io_json_parser *p, mloda_status st)
{
    if (st == MLODA_OK)
        return 1;
    p->failed = st;
    if (p->err != NULL && p->err->code == MLODA_OK)
        mloda_error_set(p->err, st, NULL, "%s", mloda_status_description(st));
    return 0;
}

int mloda_io_json_emit(io_json_parser *p, io_json_kind kind, const char *text, size_t len,
                       bool b, const io_number *number)
{
    if (p->failed != MLODA_OK)
        return 0;
    if (p->muted)
        return 1;
    const io_json_event ev = {kind, text, len, b, p, number};
    return handled(p, p->handler(p->self, &ev, p->err));
}

int mloda_io_json_emit_run(io_json_parser *p, const void *values, size_t n)
{
    if (p->failed != MLODA_OK)
        return 0;
    const io_json_runs *r = &p->runs;
    return handled(p, r->ints != NULL ? r->ints(r->self, values, n, p->err)
                                      : r->floats(r->self, values, n, p->err));
}

static int on_null(void *ctx)
{
    return mloda_io_json_emit(ctx, IO_JSON_NULL, NULL, 0, false, NULL);
}

static int on_bool(void *ctx, int v)
{
    return mloda_io_json_emit(ctx, IO_JSON_BOOL, NULL, 0, v != 0, NULL);
}

static int on_number(void *ctx, const char *s, size_t len)
{
    return mloda_io_json_emit(ctx, IO_JSON_NUMBER, s, len, false, NULL);
}

static int on_string(void *ctx, const unsigned char *s, size_t len)
{
    return mloda_io_json_emit(ctx, IO_JSON_STRING, (const char *)s, len, false, NULL);
}

static int on_map_start(void *ctx)
{
    return mloda_io_json_emit(ctx, IO_JSON_MAP_START, NULL, 0, false, NULL);
}

static int on_key(void *ctx, const unsigned char *s, size_t len)
{
    return mloda_io_json_emit(ctx, IO_JSON_KEY, (const char *)s, len, false, NULL);
}

static int on_map_end(void *ctx)
{
    return mloda_io_json_emit(ctx, IO_JSON_MAP_END, NULL, 0, false, NULL);
}

static int on_array_start(void *ctx)
{
    return mloda_io_json_emit(ctx, IO_JSON_ARRAY_START, NULL, 0, false, NULL);
}

static int on_array_end(void *ctx)
{
    return mloda_io_json_emit(ctx, IO_JSON_ARRAY_END, NULL, 0, false, NULL);
}

static const yajl_callbacks callbacks = {
    on_null,     on_bool, NULL,         NULL,       on_number,      on_string,
    on_map_start, on_key, on_map_end, on_array_start, on_array_end,
};

mloda_status mloda_io_json_parser_init(io_json_parser *p, io_json_handler handler, void *self,
                                 const char *source, int64_t first_line, int64_t first_byte,
                                 mloda_error *err)
{
    memset(p, 0, sizeof *p);
    p->handler = handler;
    p->self = self;
    p->source = source != NULL ? source : "input";
    p->line = first_line;
    p->chunk_byte = first_byte;
    p->line_start_byte = first_byte;
    yajl_handle h = yajl_alloc(&callbacks, NULL, p);
    if (h == NULL)
        return MLODA_NOMEM(err, "a JSON parser");
    p->yajl = h;
    return MLODA_OK;
}

void mloda_io_json_parser_allow_many(io_json_parser *p)
{
    if (p->yajl != NULL)
        (void)yajl_config(p->yajl, yajl_allow_multiple_values, 1);
    p->fast.many = true;
}

void mloda_io_json_parser_yajl_only(io_json_parser *p)
{
    p->fast.off = true;
}

void mloda_io_json_parser_take_runs(io_json_parser *p, const io_json_runs *runs)
{
    p->runs = *runs;
    p->run_depth = p->fast.depth;
}

/* yajl takes the document over from the fast reader: the muted prefix puts it into the
 * fast reader's state. */
static mloda_status hand_over(io_json_parser *p, mloda_error *err)
{
    char prefix[IO_JSON_FAST_PREFIX];
    const size_t n = mloda_io_json_fast_prefix(&p->fast, prefix);
    p->fast.off = true;
    if (n == 0)
        return MLODA_OK;
    p->muted = true;
    const yajl_status ys = yajl_parse(p->yajl, (const unsigned char *)prefix, n);
    p->muted = false;
    if (ys != yajl_status_ok) /* the prefix is valid JSON text by construction */
        return mloda_error_set(err, MLODA_ERR_INTERNAL, NULL,
                               "the JSON reader could not hand over to yajl");
    return MLODA_OK;
}

void mloda_io_json_parser_skip(io_json_parser *p, size_t n)
{
    if (p->line_start_byte == p->chunk_byte) /* columns count from after the skipped bytes */
        p->line_start_byte += (int64_t)n;
    p->chunk_byte += (int64_t)n;
}

bool mloda_io_has_bom(const char *data, size_t len)
{
    return len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0;
}

void mloda_io_json_parser_reset(io_json_parser *p)
{
    if (p->yajl != NULL)
        yajl_free(p->yajl);
    p->yajl = NULL;
}

/* Counts lines in chunk[scanned, upto). */
static void scan_lines(io_json_parser *p, size_t upto)
{
    while (p->chunk != NULL && p->scanned < upto) {
        const char *nl = memchr(p->chunk + p->scanned, '\n', upto - p->scanned);
        if (nl == NULL) {
            p->scanned = upto;
            break;
        }
        const size_t at = (size_t)(nl - p->chunk);
        p->line++;
        p->line_start_byte = p->chunk_byte + (int64_t)at + 1;
        p->scanned = at + 1;
    }
}

void mloda_io_json_parser_where(io_json_parser *p, int64_t *line, int64_t *column, int64_t *byte)
{
    size_t off = 0;
    if (p->chunk != NULL && !p->fast.off)
        off = p->fast.at;
    else if (p->chunk != NULL && p->yajl != NULL)
        off = p->yajl_from + yajl_get_bytes_consumed(p->yajl);
    if (off < p->scanned)
        off = p->scanned; /* positions only move forward */
    scan_lines(p, off);
    const int64_t abs = p->chunk_byte + (int64_t)off;
    *line = p->line;
    *column = abs - p->line_start_byte + 1;
    *byte = abs;
}

void mloda_io_error_prefix(mloda_error *err, const char *text)
{
    if (err == NULL || err->code == MLODA_OK)
        return;
    const size_t cap = sizeof err->message;
    size_t lt = strlen(text);
    if (lt > cap - 1)
        lt = cap - 1;
    size_t lm = strnlen(err->message, cap - 1);
    if (lt + lm > cap - 1)
        lm = cap - 1 - lt;
    memmove(err->message + lt, err->message, lm);
    memcpy(err->message, text, lt);
    err->message[lt + lm] = '\0';
}

/* A complete \uXXXX escape: surrogates must pair up. Returns NULL or why not, with *at the
 * absolute offset of the escape to blame. */
static const char *escape_done(io_json_parser *p, int64_t *at)
{
    const uint32_t v = p->hex;
    if (p->high != 0) {
        p->high = 0;
        *at = p->char_at;
        if (v < 0xDC00 || v > 0xDFFF)
            return "a \\u escape of a high surrogate (\\uD800..\\uDBFF) must be followed by "
                   "one of a low surrogate (\\uDC00..\\uDFFF)";
        return NULL;
    }
    if (v >= 0xD800 && v <= 0xDBFF) {
        p->high = v;
        p->high_at = p->char_at;
    } else if (v >= 0xDC00 && v <= 0xDFFF) {
        *at = p->char_at;
        return "a \\u escape of a low surrogate (\\uDC00..\\uDFFF) without the high one "
               "before it";
    }
    return NULL;
}

static const char *const lone_high =
    "a \\u escape of a high surrogate (\\uD800..\\uDBFF) without the low one after it";

/* Checks data[0..len) as text (see the file comment), carrying state over chunks.
 * Returns len, or the offset of the byte where the text went wrong with *why set and *at
 * the absolute offset of the character or escape to blame (maybe in an earlier chunk, and
 * then on the same line: neither holds a line end). Backslashes are only valid inside
 * strings, so escapes are followed without tracking quotes (yajl rejects a backslash
 * anywhere else). */
/* Whether none of the 8 bytes of w is >= 0x80 or a backslash (word-at-a-time test). */
static inline bool plain_word(uint64_t w)
{
    const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
    const uint64_t bs = w ^ (0x5CULL * ones); /* a zero byte where w holds '\\' */
    return ((w | ((bs - ones) & ~bs)) & highs) == 0;
}

static size_t check_text(io_json_parser *p, const char *data, size_t len, const char **why,
                         int64_t *at)
{
    for (size_t i = 0; i < len; i++) {
        /* ASCII without backslashes needs no state: skip it 8 bytes at a time */
        if (p->high == 0 && p->esc == 0 && p->utf8.need == 0) {
            while (i + 8 <= len) {
                uint64_t w;
                memcpy(&w, data + i, sizeof w);
                if (!plain_word(w))
                    break;
                i += 8;
            }
            if (i == len)
                break;
        }
        const uint8_t c = (uint8_t)data[i];
        const int64_t here = p->chunk_byte + (int64_t)i;
        if (p->high != 0 && (p->esc == 0 ? c != '\\' : p->esc == 1 && c != 'u')) {
            *why = lone_high;
            *at = p->high_at;
            return i;
        }
        if (p->utf8.need > 0 || c >= 0x80) {
            if (p->utf8.need == 0)
                p->char_at = here;
            if (!mloda_utf8_step(&p->utf8, c)) {
                *why = "invalid UTF-8 (an overlong form, a surrogate, a code point above "
                       "U+10FFFF or a stray byte); text must be UTF-8";
                *at = p->char_at;
                return i;
            }
            continue;
        }
        if (p->esc == 0) {
            if (c == '\\') {
                p->esc = 1;
                p->char_at = here;
            }
        } else if (p->esc == 1) {
            p->esc = c == 'u' ? 2 : 0;
            p->hex = 0;
        } else {
            const int h = mloda_hex_value(c);
            if (h < 0) { /* not an escape yajl accepts: its error will say so */
                p->esc = 0;
                continue;
            }
            p->hex = p->hex * 16 + (uint32_t)h;
            if (++p->esc == 6) {
                p->esc = 0;
                if ((*why = escape_done(p, at)) != NULL)
                    return i;
            }
        }
    }
    return len;
}

/* An error about the text at absolute offset `at` (lines are counted up to it when it lies
 * in the chunk being fed). */
static mloda_status fail_at_offset(io_json_parser *p, int64_t at, const char *why,
                                   mloda_error *err)
{
    if (at > p->chunk_byte)
        scan_lines(p, (size_t)(at - p->chunk_byte));
    return mloda_error_set_at(err, MLODA_ERR_PARSE, NULL, at,
                              "%s: line %lld, column %lld (byte %lld): %s", p->source,
                              (long long)p->line, (long long)(at - p->line_start_byte + 1),
                              (long long)at, why);
}

/* yajl's own message ("parse error: premature EOF") in friendlier words. */
static void describe_syntax_error(const char *yajl_msg, char *buf, size_t cap)
{
    if (strstr(yajl_msg, "premature EOF") != NULL)
        (void)snprintf(buf, cap, "unexpected end of input (truncated JSON?)");
    else if (strstr(yajl_msg, "trailing garbage") != NULL)
        (void)snprintf(buf, cap, "unexpected text after the end of the JSON value");
    else
        (void)snprintf(buf, cap, "malformed JSON: %s", yajl_msg);
    size_t n = strlen(buf);
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' ' || buf[n - 1] == '.'))
        buf[--n] = '\0';
}

/* True when the text at the error spells NaN or Infinity, which JSON writers such as
 * Python's json.dumps produce but JSON does not allow. */
static bool at_non_finite(const char *data, size_t len, size_t off)
{
    static const char *const words[] = {"NaN", "Infinity"};
    for (size_t w = 0; w < 2; w++) {
        const size_t n = strlen(words[w]);
        for (size_t start = off > 0 ? off - 1 : 0; start <= off; start++)
            if (start + n <= len && memcmp(data + start, words[w], n) == 0)
                return true;
    }
    return false;
}

/* Turns a failed yajl call into an error with a position. */
static mloda_status fail_at_position(io_json_parser *p, yajl_status ys, const char *data,
                                     size_t len, mloda_error *err)
{
    int64_t line = 0, column = 0, byte = 0;
    mloda_io_json_parser_where(p, &line, &column, &byte);
    char where[256];
    (void)snprintf(where, sizeof where, "%s: line %lld, column %lld (byte %lld): ", p->source,
                   (long long)line, (long long)column, (long long)byte);
    mloda_status st = p->failed;
    if (ys == yajl_status_error) {
        unsigned char *msg = yajl_get_error(p->yajl, 0, (const unsigned char *)data, len);
        char text[256];
        describe_syntax_error(msg != NULL ? (const char *)msg : "syntax error", text,
                              sizeof text);
        if (msg != NULL)
            yajl_free_error(p->yajl, msg);
        const size_t off = (size_t)(byte - p->chunk_byte);
        if (at_non_finite(data, len, off)) {
            const size_t n = strlen(text);
            (void)snprintf(text + n, sizeof text - n, " (NaN and Infinity are not JSON: write "
                                                      "null for a missing value)");
        }
        st = mloda_error_set_at(err, MLODA_ERR_PARSE, NULL, byte, "%s", text);
    }
    if (err != NULL) {
        err->position = byte;
        mloda_io_error_prefix(err, where);
    }
    return st != MLODA_OK ? st : MLODA_ERR_PARSE;
}

/* A feed or finish after a handler failure: the text after it is not read. */
static mloda_status after_failure(const io_json_parser *p, mloda_error *err)
{
    return mloda_error_set(err, p->failed, NULL,
                           "%s: the JSON text after an earlier error is not read", p->source);
}

/* Reads the good part of a chunk: the fast reader as far as it goes, then yajl. */
static yajl_status read_text(io_json_parser *p, const char *data, size_t good, mloda_status *st,
                             mloda_error *err)
{
    p->yajl_from = 0;
    if (!p->fast.off) {
        const io_json_fast_result r = mloda_io_json_fast_read(p, data, good, &p->yajl_from);
        if (r == IO_JSON_FAST_ALL)
            return yajl_status_ok;
        if (r == IO_JSON_FAST_FAILED)
            return yajl_status_client_canceled;
        if ((*st = hand_over(p, err)) != MLODA_OK)
            return yajl_status_ok;
    }
    if (p->yajl_from == good)
        return yajl_status_ok;
    return yajl_parse(p->yajl, (const unsigned char *)data + p->yajl_from, good - p->yajl_from);
}

mloda_status mloda_io_json_parser_feed(io_json_parser *p, const char *data, size_t len,
                                 mloda_error *err)
{
    if (p->yajl == NULL)
        return mloda_error_set(err, MLODA_ERR_INVALID_ARG, NULL, "JSON parser not initialised");
    if (p->failed != MLODA_OK)
        return after_failure(p, err);
    p->err = err;
    p->chunk = data;
    p->scanned = 0;
    const char *why = NULL;
    int64_t at = 0;
    const size_t good = check_text(p, data, len, &why, &at);
    mloda_status st = MLODA_OK;
    const yajl_status ys = read_text(p, data, good, &st, err);
    if (st == MLODA_OK && ys != yajl_status_ok)
        st = fail_at_position(p, ys, data, good, err);
    else if (st == MLODA_OK && good < len)
        st = fail_at_offset(p, at, why, err);
    else if (st == MLODA_OK)
        scan_lines(p, len);
    p->chunk_byte += (int64_t)len;
    p->chunk = NULL;
    p->scanned = 0;
    p->err = NULL;
    return st;
}

mloda_status mloda_io_json_parser_finish(io_json_parser *p, mloda_error *err)
{
    if (p->yajl == NULL)
        return mloda_error_set(err, MLODA_ERR_INVALID_ARG, NULL, "JSON parser not initialised");
    if (p->failed != MLODA_OK)
        return after_failure(p, err);
    if (!p->fast.off && mloda_io_json_fast_complete(&p->fast))
        return MLODA_OK; /* the fast reader read the whole document */
    p->err = err;
    mloda_status st = p->fast.off ? MLODA_OK : hand_over(p, err);
    const yajl_status ys = st == MLODA_OK ? yajl_complete_parse(p->yajl) : yajl_status_ok;
    if (ys != yajl_status_ok)
        st = fail_at_position(p, ys, "", 0, err);
    /* a character or surrogate pair cut at the end is inside an unclosed string, which
     * yajl has just reported */
    p->err = NULL;
    return st;
}
