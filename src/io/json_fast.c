/*
 * json_fast.c: the fast reader of json_events.c. A batch line is mostly structure and
 * numbers ({"T": {"value": [1.5, 2.25, ...]}}); yajl spends a callback frame, a lexer state
 * machine and a buffer check on each of them. This reader takes the common subset of JSON
 * itself and emits the same events at the same positions:
 *   - structure ({ } [ ] : ,) and the blanks space, tab, CR, LF;
 *   - strings without a backslash or a control character (the text is UTF-8 already:
 *     json_events.c checked it);
 *   - numbers of JSON's grammar and the literals true, false and null, all ending inside
 *     the chunk (yajl reports a number only once it sees the character after it; a token
 *     cut by the chunk's end waits in yajl's buffer, so it is left to yajl).
 * Anything else (escapes, \v or \f, a syntax error, nesting deeper than
 * IO_JSON_FAST_DEPTH) stops it before that token: json_events.c feeds a fresh yajl parser,
 * muted, the text of mloda_io_json_fast_prefix, which puts it into the same state ("{\"\":"
 * for being inside an object's value, "[\"\"" for after an array's element, ...), and yajl
 * reads the document from that token on, with its own error messages.
 *
 * Numbers it converts itself carry their value in the event; in an array whose handler took
 * runs (mloda_io_json_parser_take_runs) they are passed on RUN_MAX at a time instead, each
 * run before whatever event follows it.
 */
#include "io/json_events.h"

#include <string.h>

#include "util/double_text.h"

/* What may come next. */
enum {
    F_START,        /* a top-level value */
    F_DONE,         /* after the top-level value */
    F_ARRAY_FIRST,  /* an element or ']' */
    F_ARRAY_NEXT,   /* an element (after ',') */
    F_OBJECT_FIRST, /* a key or '}' */
    F_OBJECT_NEXT,  /* a key (after ',') */
    F_COLON,        /* ':' after a key */
    F_MEMBER,       /* a member's value (after ':') */
    F_AFTER,        /* ',' or the container's end, after a value */
};

static bool expects_value(const io_json_fast *f)
{
    return f->state == F_START || f->state == F_ARRAY_FIRST || f->state == F_ARRAY_NEXT ||
           f->state == F_MEMBER || (f->state == F_DONE && f->many);
}

static void value_done(io_json_fast *f)
{
    f->state = f->depth == 0 ? F_DONE : F_AFTER;
}

static bool is_digit(char c)
{
    return (unsigned)(c - '0') < 10;
}

/* Digits from d[i] on into *w (as long as it has room: *n_digits counts them all). */
static size_t take_digits(const char *d, size_t i, size_t n, uint64_t *w, int64_t *n_digits)
{
    for (; i < n && is_digit(d[i]); i++) {
        *w = *w * 10 + (uint64_t)(d[i] - '0'); /* wraps past 19 digits: then unused */
        ++*n_digits;
    }
    return i;
}

/* The end of the number at d[i] (JSON's grammar) when the character after it is in the
 * chunk, else 0 (left to yajl: malformed, or cut by the chunk's end). *num gets its value
 * and *known is true when it has at most 18 digits and, with a fraction or exponent, is
 * exact by one IEEE operation (mloda_double_from_decimal); otherwise the handler reads
 * the text. Either way the value is the one mloda_io_number_parse reads. */
static size_t scan_number(const char *d, size_t i, size_t n, io_number *num, bool *known)
{
    const bool neg = d[i] == '-';
    if (neg)
        i++;
    if (i == n || !is_digit(d[i]))
        return 0;
    uint64_t w = 0;
    int64_t n_digits = 0;
    int64_t exponent = 0;
    bool is_int = true;
    if (d[i] == '0') {
        i++;
        n_digits = 1;
    } else {
        i = take_digits(d, i, n, &w, &n_digits);
    }
    if (i < n && d[i] == '.') {
        const int64_t before = n_digits;
        i = take_digits(d, i + 1, n, &w, &n_digits);
        if (n_digits == before)
            return 0;
        exponent = before - n_digits;
        is_int = false;
    }
    if (i < n && (d[i] == 'e' || d[i] == 'E')) {
        i++;
        const bool eneg = i < n && d[i] == '-';
        if (i < n && (d[i] == '+' || d[i] == '-'))
            i++;
        uint64_t e = 0;
        int64_t e_digits = 0;
        i = take_digits(d, i, n, &e, &e_digits);
        if (e_digits == 0)
            return 0;
        exponent += e_digits > 4 ? 100000 : eneg ? -(int64_t)e : (int64_t)e;
        is_int = false;
    }
    if (i == n)
        return 0;
    *known = n_digits <= 18;
    if (!*known)
        return i;
    *num = (io_number){.is_int = is_int};
    if (is_int) {
        num->i = neg ? -(int64_t)w : (int64_t)w;
        num->d = (double)num->i;
    } else if (w == 0) {
        num->d = neg ? -0.0 : 0.0;
    } else {
        *known = mloda_double_from_decimal(w, exponent, &num->d);
        num->d = neg ? -num->d : num->d;
    }
    return i;
}

/* The closing quote of the string opening at d[i], or 0 when it holds a backslash or a
 * control character or does not close in the chunk. */
static size_t string_end(const char *d, size_t i, size_t n)
{
    for (i++; i < n; i++) {
        const unsigned char c = (unsigned char)d[i];
        if (c == '"')
            return i;
        if (c == '\\' || c < 0x20)
            return 0;
    }
    return 0;
}

/* The literal at d[i] (true, false, null): its length, or 0. */
static size_t literal_len(const char *d, size_t i, size_t n, io_json_kind *kind, bool *b)
{
    static const struct {
        const char *text;
        size_t len;
        io_json_kind kind;
        bool b;
    } words[] = {{"true", 4, IO_JSON_BOOL, true},
                 {"false", 5, IO_JSON_BOOL, false},
                 {"null", 4, IO_JSON_NULL, false}};
    for (size_t w = 0; w < sizeof words / sizeof words[0]; w++) {
        if (n - i >= words[w].len && memcmp(d + i, words[w].text, words[w].len) == 0) {
            *kind = words[w].kind;
            *b = words[w].b;
            return words[w].len;
        }
    }
    return 0;
}

/* Numbers of an array whose handler takes them in runs (mloda_io_json_parser_take_runs),
 * waiting to be passed on. */
enum { RUN_MAX = 256 };
typedef struct run_buf {
    union {
        double d[RUN_MAX];
        int64_t i[RUN_MAX];
    } v;
    size_t n;
} run_buf;

/* Passes the waiting numbers on (their position: just after the last); false when the
 * handler failed. */
static bool flush_run(io_json_parser *p, run_buf *run)
{
    if (run->n == 0)
        return true;
    const size_t n = run->n;
    run->n = 0;
    return mloda_io_json_emit_run(p, &run->v, n) != 0;
}

/* Puts a number the reader converted into the run, when the handler asked for the numbers
 * of the array it is in and takes this one in its run; false otherwise. */
static bool into_run(const io_json_parser *p, run_buf *run, const io_number *num)
{
    const io_json_fast *f = &p->fast;
    if (f->depth != p->run_depth || (f->state != F_ARRAY_FIRST && f->state != F_ARRAY_NEXT))
        return false;
    if (p->runs.floats != NULL) {
        run->v.d[run->n++] = num->d;
        return true;
    }
    if (p->runs.ints != NULL && num->is_int) {
        run->v.i[run->n++] = num->i;
        return true;
    }
    return false;
}

/* Reports an event ending at chunk offset `at`, after the run before it; false when the
 * handler failed. */
static bool emit_at(io_json_parser *p, run_buf *run, size_t at, io_json_kind kind,
                    const char *text, size_t len, bool b, const io_number *number)
{
    if (!flush_run(p, run))
        return false;
    p->fast.at = at;
    return mloda_io_json_emit(p, kind, text, len, b, number) != 0;
}

io_json_fast_result mloda_io_json_fast_read(io_json_parser *p, const char *d, size_t n,
                                            size_t *stop)
{
    io_json_fast *f = &p->fast;
    run_buf run;
    run.n = 0;
    size_t i = 0;
    for (;;) {
        while (i < n && (d[i] == ' ' || d[i] == '\n' || d[i] == '\r' || d[i] == '\t'))
            i++;
        if (i == n)
            return flush_run(p, &run) ? IO_JSON_FAST_ALL : IO_JSON_FAST_FAILED;
        const char c = d[i];
        bool ok = true;
        if (c == '"') {
            const size_t end = string_end(d, i, n);
            const bool key = f->state == F_OBJECT_FIRST || f->state == F_OBJECT_NEXT;
            if (end == 0 || (!key && !expects_value(f)))
                break;
            ok = emit_at(p, &run, end + 1, key ? IO_JSON_KEY : IO_JSON_STRING, d + i + 1,
                         end - i - 1, false, NULL);
            if (key)
                f->state = F_COLON;
            else
                value_done(f);
            i = end + 1;
        } else if (c == '-' || is_digit(c)) {
            io_number num;
            bool known = false;
            const size_t end = scan_number(d, i, n, &num, &known);
            if (end == 0 || !expects_value(f))
                break;
            if (known && into_run(p, &run, &num)) {
                f->at = end;
                ok = run.n < RUN_MAX || flush_run(p, &run);
            } else {
                ok = emit_at(p, &run, end, IO_JSON_NUMBER, d + i, end - i, false,
                             known ? &num : NULL);
            }
            value_done(f);
            i = end;
        } else if (c == ',') {
            if (f->state != F_AFTER)
                break;
            f->state = f->stack[f->depth - 1] == '{' ? F_OBJECT_NEXT : F_ARRAY_NEXT;
            i++;
        } else if (c == ':') {
            if (f->state != F_COLON)
                break;
            f->state = F_MEMBER;
            i++;
        } else if (c == '{' || c == '[') {
            if (!expects_value(f) || f->depth == IO_JSON_FAST_DEPTH)
                break;
            f->stack[f->depth++] = c;
            f->state = c == '{' ? F_OBJECT_FIRST : F_ARRAY_FIRST;
            ok = emit_at(p, &run, i + 1, c == '{' ? IO_JSON_MAP_START : IO_JSON_ARRAY_START,
                         NULL, 0, false, NULL);
            i++;
        } else if (c == '}' || c == ']') {
            const char open = c == '}' ? '{' : '[';
            const uint8_t first = c == '}' ? F_OBJECT_FIRST : F_ARRAY_FIRST;
            if (f->depth == 0 || f->stack[f->depth - 1] != open ||
                (f->state != first && f->state != F_AFTER))
                break;
            if (!flush_run(p, &run))
                return IO_JSON_FAST_FAILED;
            if (f->depth == p->run_depth) /* the offer ends with its array */
                p->runs = (io_json_runs){NULL, NULL, NULL};
            f->depth--;
            value_done(f);
            ok = emit_at(p, &run, i + 1, c == '}' ? IO_JSON_MAP_END : IO_JSON_ARRAY_END,
                         NULL, 0, false, NULL);
            i++;
        } else {
            io_json_kind kind = IO_JSON_NULL;
            bool b = false;
            const size_t len = literal_len(d, i, n, &kind, &b);
            if (len == 0 || !expects_value(f))
                break;
            ok = emit_at(p, &run, i + len, kind, NULL, 0, b, NULL);
            value_done(f);
            i += len;
        }
        if (!ok)
            return IO_JSON_FAST_FAILED;
    }
    *stop = i;
    return flush_run(p, &run) ? IO_JSON_FAST_HAND : IO_JSON_FAST_FAILED;
}

bool mloda_io_json_fast_complete(const io_json_fast *f)
{
    return f->state == F_DONE;
}

size_t mloda_io_json_fast_prefix(const io_json_fast *f, char *out)
{
    char *o = out;
    for (int k = 0; k + 1 < f->depth; k++) { /* inside a value of each outer container */
        *o++ = f->stack[k];
        if (f->stack[k] == '{') {
            memcpy(o, "\"\":", 3);
            o += 3;
        }
    }
    static const char *const inner[] = { /* after the innermost container's opening */
        [F_START] = "",        [F_DONE] = "\"\"",       [F_ARRAY_FIRST] = "",
        [F_ARRAY_NEXT] = "\"\",", [F_OBJECT_FIRST] = "", [F_OBJECT_NEXT] = "\"\":\"\",",
        [F_COLON] = "\"\"",    [F_MEMBER] = "\"\":", /* F_AFTER depends on the container */
    };
    const char open = f->depth > 0 ? f->stack[f->depth - 1] : '\0'; /* '\0': top level */
    if (open != '\0')
        *o++ = open;
    const char *rest = f->state != F_AFTER ? inner[f->state]
                       : open == '{'       ? "\"\":\"\""
                                           : "\"\"";
    const size_t len = strlen(rest);
    memcpy(o, rest, len);
    o += len;
    return (size_t)(o - out);
}
