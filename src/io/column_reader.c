/*
 * column_reader.c: one JSON column array -> one typed mloda_column (see column_reader.h).
 *
 * Invariants: n_rows counts every row taken; while kind is INVALID every row so far was
 * null and no builder exists; otherwise b holds n_rows rows of type kind. In inference
 * mode a utf8 column also feeds ts (a timestamp builder) until one string fails to parse.
 */
#include "io/column_reader.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util/util.h"

void mloda_io_colreader_init(io_column_reader *r, const char *table, const char *column,
                       const io_coltype *want, const char *want_origin)
{
    memset(r, 0, sizeof *r);
    r->table = table;
    r->column = column;
    if (want != NULL && want->type != MLODA_TYPE_NULL) /* no type known: infer */
        r->want = *want;
    r->want_origin = want_origin != NULL ? want_origin : "the schema";
    r->ts_bad_row = -1;
}

void mloda_io_colreader_reset(io_column_reader *r)
{
    mloda_column_builder_free(r->b);
    mloda_column_builder_free(r->ts);
    mloda_free(r->list_vals);
    r->b = NULL;
    r->ts = NULL;
    r->list_vals = NULL;
    r->list_cap = 0;
}

int64_t mloda_io_colreader_rows(const io_column_reader *r)
{
    return r->n_rows;
}

/* "table 'T', column 'c', row 3: <message>" with the column as subject. */
static mloda_status col_error(const io_column_reader *r, mloda_status code, mloda_error *err,
                              const char *fmt, ...) MLODA_PRINTF(4, 5);
static mloda_status col_error(const io_column_reader *r, mloda_status code, mloda_error *err,
                              const char *fmt, ...)
{
    char msg[MLODA_ERROR_MESSAGE_MAX];
    va_list ap;
    va_start(ap, fmt);
    (void)vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return mloda_error_set(err, code, r->column, "table '%s', column '%s', row %lld: %s",
                           r->table, r->column, (long long)r->n_rows, msg);
}

/* Up to 40 bytes of text, cut at a UTF-8 character boundary, for messages. */
static void excerpt(char *buf, size_t cap, const char *text, size_t len)
{
    size_t n = len < 40 ? len : 40;
    if (n + 1 > cap)
        n = cap - 1;
    while (n > 0 && n < len && ((unsigned char)text[n] & 0xC0) == 0x80)
        n--;
    memcpy(buf, text, n);
    buf[n] = '\0';
    if (n < len && n + 4 < cap)
        memcpy(buf + n, "...", 4);
}

typedef enum value_kind { VK_INTEGER, VK_FLOAT, VK_NUMBER, VK_STRING, VK_QUOTED } value_kind;

/* How a value shows in a message: "the float 2.5", "the string \"abc\"", or (VK_QUOTED)
 * "\"abc\"". Data that a source read (hide_values) never shows: only its kind and size
 * ("a float", "a string of 3 bytes"), so that an error cannot leak a file's contents. */
static void value_text(const io_column_reader *r, value_kind kind, const char *text,
                       size_t len, char *buf, size_t cap)
{
    static const char *const kinds[] = {"the integer", "the float", "the number", "the string"};
    static const char *const hidden[] = {"an integer", "a float", "a number"};
    if (r->hide_values) {
        if (kind == VK_STRING || kind == VK_QUOTED)
            (void)snprintf(buf, cap, "a string of %zu byte%s", len, len == 1 ? "" : "s");
        else
            (void)snprintf(buf, cap, "%s", hidden[kind]);
        return;
    }
    char shown[48];
    excerpt(shown, sizeof shown, text, len);
    if (kind == VK_QUOTED)
        (void)snprintf(buf, cap, "\"%s\"", shown);
    else if (kind == VK_STRING)
        (void)snprintf(buf, cap, "%s \"%s\"", kinds[kind], shown);
    else
        (void)snprintf(buf, cap, "%s %s", kinds[kind], shown);
}

static void type_text(mloda_type type, int32_t list_size, char *buf, size_t cap)
{
    const io_coltype t = {type, list_size, MLODA_TIME_MICRO};
    mloda_io_coltype_name(&t, buf, cap);
}

/* "expected int64 (as in the prepared request), found a string ("abc")". */
static mloda_status mismatch(const io_column_reader *r, const char *found, mloda_error *err)
{
    char want[48];
    if (r->want.type != MLODA_TYPE_INVALID) {
        type_text(r->want.type, r->want.list_size, want, sizeof want);
        /* the common surprise: an example column of whole numbers, then a batch of floats */
        const bool int_got_float = r->want.type == MLODA_TYPE_INT64 &&
                                   (strncmp(found, "the float", 9) == 0 ||
                                    strcmp(found, "a float") == 0);
        return col_error(r, MLODA_ERR_TYPE, err, "expected %s (as in %s), found %s%s", want,
                         r->want_origin, found,
                         int_got_float ? "; to read floats, declare the column float64 in the "
                                         "request's \"schema\" or write the example values as "
                                         "floats (1.0)"
                                       : "");
    }
    type_text(r->kind, r->list_size, want, sizeof want);
    return col_error(r, MLODA_ERR_TYPE, err,
                     "found %s in a column whose earlier values are %s; one column holds one "
                     "kind of value",
                     found, want);
}

/* Starts the builder of `type` once the first non-null value shows the column's type,
 * with the nulls seen so far. */
static mloda_status start_builder(io_column_reader *r, mloda_type type, int32_t list_size,
                                  mloda_error *err)
{
    MLODA_TRY(mloda_column_builder_new(type, list_size, MLODA_TIME_MICRO, &r->b, err));
    r->kind = type;
    r->list_size = list_size;
    for (int64_t i = 0; i < r->n_rows; i++)
        MLODA_TRY(mloda_column_builder_append_null(r->b, err));
    return MLODA_OK;
}

/* int64 rows so far become float64 rows (a float arrived in an inferred int column). */
static mloda_status widen_to_float(io_column_reader *r, mloda_error *err)
{
    const int64_t n = mloda_column_builder_n_rows(r->b);
    void *ivals = NULL, *fvals = NULL;
    mloda_column_builder *f = NULL;
    MLODA_TRY(mloda_column_builder_resize(r->b, n, &ivals, err));
    mloda_status st = mloda_column_builder_new(MLODA_TYPE_FLOAT64, 0, MLODA_TIME_MICRO, &f, err);
    if (st == MLODA_OK)
        st = mloda_column_builder_resize(f, n, &fvals, err);
    if (st == MLODA_OK) {
        const int64_t *src = ivals;
        double *dst = fvals;
        for (int64_t i = 0; i < n; i++)
            dst[i] = (double)src[i];
    }
    if (st == MLODA_OK && r->n_nulls > 0) {
        uint8_t *old_bits = NULL, *new_bits = NULL;
        st = mloda_column_builder_validity(r->b, &old_bits, err);
        if (st == MLODA_OK)
            st = mloda_column_builder_validity(f, &new_bits, err);
        if (st == MLODA_OK)
            mloda_bitmap_and(new_bits, new_bits, old_bits, n);
    }
    if (st != MLODA_OK) {
        mloda_column_builder_free(f);
        return st;
    }
    mloda_column_builder_free(r->b);
    r->b = f;
    r->kind = MLODA_TYPE_FLOAT64;
    return MLODA_OK;
}

mloda_status mloda_io_colreader_null(io_column_reader *r, mloda_error *err)
{
    if (r->b != NULL)
        MLODA_TRY(mloda_column_builder_append_null(r->b, err));
    if (r->ts != NULL)
        MLODA_TRY(mloda_column_builder_append_null(r->ts, err));
    r->n_rows++;
    r->n_nulls++;
    return MLODA_OK;
}

mloda_status mloda_io_colreader_bool(io_column_reader *r, bool v, mloda_error *err)
{
    const mloda_type want = r->want.type;
    if (want != MLODA_TYPE_INVALID && want != MLODA_TYPE_BOOL)
        return mismatch(r, v ? "true" : "false", err);
    if (r->kind == MLODA_TYPE_INVALID)
        MLODA_TRY(start_builder(r, MLODA_TYPE_BOOL, 0, err));
    else if (r->kind != MLODA_TYPE_BOOL)
        return mismatch(r, v ? "true" : "false", err);
    MLODA_TRY(mloda_column_builder_append_bool(r->b, v, err));
    r->n_rows++;
    return MLODA_OK;
}

/* "the integer 12" / "the float 1.5" for messages. */
static void number_found(const io_column_reader *r, const io_number *num, const char *text,
                         size_t len, char *found, size_t cap)
{
    value_text(r, num->is_int ? VK_INTEGER : VK_FLOAT, text, len, found, cap);
}

/* The column type a number goes into: the wanted type, or the inferred one (int64 until
 * a float appears). Message text is only built on failure: this runs for every number. */
static mloda_status number_target(io_column_reader *r, const io_number *num, const char *text,
                                  size_t len, mloda_error *err)
{
    char found[64];
    mloda_type want = r->want.type;
    bool bad = false;
    if (want == MLODA_TYPE_INVALID) { /* inference */
        want = (r->kind == MLODA_TYPE_FLOAT64 || !num->is_int || num->int_overflow)
                   ? MLODA_TYPE_FLOAT64
                   : MLODA_TYPE_INT64;
        bad = r->kind != MLODA_TYPE_INVALID && r->kind != MLODA_TYPE_INT64 &&
              r->kind != MLODA_TYPE_FLOAT64;
    } else {
        bad = (want != MLODA_TYPE_INT64 && want != MLODA_TYPE_FLOAT64) ||
              (want == MLODA_TYPE_INT64 && !num->is_int);
    }
    if (bad) {
        number_found(r, num, text, len, found, sizeof found);
        return mismatch(r, found, err);
    }
    if (want == MLODA_TYPE_INT64 && num->int_overflow) {
        char shown[64];
        value_text(r, VK_INTEGER, text, len, shown, sizeof shown);
        return col_error(r, MLODA_ERR_RANGE, err,
                         "%s does not fit in the int64 column (declare the column float64 in "
                         "the request's \"schema\" to read such numbers)",
                         shown);
    }
    if (r->kind == MLODA_TYPE_INVALID)
        return start_builder(r, want, 0, err);
    if (r->kind == MLODA_TYPE_INT64 && want == MLODA_TYPE_FLOAT64)
        return widen_to_float(r, err);
    return MLODA_OK;
}

/* A number, read: into the column's type (number_target). */
static mloda_status number_read(io_column_reader *r, const char *text, size_t len,
                                const io_number *num, mloda_error *err)
{
    MLODA_TRY(number_target(r, num, text, len, err));
    if (r->kind == MLODA_TYPE_INT64)
        MLODA_TRY(mloda_column_builder_append_int64(r->b, num->i, err));
    else
        MLODA_TRY(mloda_column_builder_append_float64(r->b, num->d, err));
    r->n_rows++;
    return MLODA_OK;
}

mloda_status mloda_io_colreader_number(io_column_reader *r, const char *text, size_t len,
                                       const io_number *known, mloda_error *err)
{
    if (known != NULL)
        return number_read(r, text, len, known, err);
    io_number num;
    if (!mloda_io_number_parse(text, len, &num)) {
        if (num.nomem)
            return MLODA_NOMEM(err, "a number");
        char shown[64];
        value_text(r, VK_NUMBER, text, len, shown, sizeof shown);
        return col_error(r, MLODA_ERR_RANGE, err, "%s is out of range for float64", shown);
    }
    return number_read(r, text, len, &num, err);
}

/* n values of the column's own type (8 bytes each) appended in one step. */
static mloda_status append_run(io_column_reader *r, mloda_type type, const void *values,
                               size_t n, mloda_error *err)
{
    if (r->want.type != type)
        return mloda_error_set(err, MLODA_ERR_INTERNAL, r->column,
                               "numbers in runs for a column of another type");
    if (r->kind == MLODA_TYPE_INVALID)
        MLODA_TRY(start_builder(r, type, 0, err));
    void *vals = NULL;
    MLODA_TRY(mloda_column_builder_resize_uninit(r->b, r->n_rows + (int64_t)n, &vals, err));
    memcpy((char *)vals + (size_t)r->n_rows * 8, values, n * 8);
    r->n_rows += (int64_t)n;
    return MLODA_OK;
}

mloda_status mloda_io_colreader_float64_run(io_column_reader *r, const double *values,
                                            size_t n, mloda_error *err)
{
    return append_run(r, MLODA_TYPE_FLOAT64, values, n, err);
}

mloda_status mloda_io_colreader_int64_run(io_column_reader *r, const int64_t *values, size_t n,
                                          mloda_error *err)
{
    return append_run(r, MLODA_TYPE_INT64, values, n, err);
}


/* First string of an inferred column: a utf8 builder plus a timestamp builder that
 * follows along while every string is a date-time. */
static mloda_status start_inferred_strings(io_column_reader *r, mloda_error *err)
{
    MLODA_TRY(start_builder(r, MLODA_TYPE_UTF8, 0, err));
    MLODA_TRY(mloda_column_builder_new(MLODA_TYPE_TIMESTAMP, 0, MLODA_TIME_MICRO, &r->ts, err));
    for (int64_t i = 0; i < r->n_rows; i++)
        MLODA_TRY(mloda_column_builder_append_null(r->ts, err));
    return MLODA_OK;
}

static mloda_status string_as_timestamp(io_column_reader *r, const char *text, size_t len,
                                        mloda_error *err)
{
    int64_t micros = 0;
    if (!mloda_io_iso_parse(text, len, true, &micros)) {
        char shown[64];
        value_text(r, VK_QUOTED, text, len, shown, sizeof shown);
        return col_error(r, MLODA_ERR_TYPE, err,
                         "%s is not an ISO 8601 date-time (YYYY-MM-DDTHH:MM:SS[.f][Z|+HH:MM], "
                         "years 0000-9999 in UTC); the column is timestamp as in %s",
                         shown, r->want_origin);
    }
    if (r->kind == MLODA_TYPE_INVALID)
        MLODA_TRY(start_builder(r, MLODA_TYPE_TIMESTAMP, 0, err));
    MLODA_TRY(mloda_column_builder_append_int64(r->b, micros, err));
    r->n_rows++;
    return MLODA_OK;
}

/* "YYYY-MM-DD HH:MM" or "YYYY-MM-DDTHH:MM" at the start: meant as a date-time. */
static bool shaped_like_datetime(const char *s, size_t len)
{
    static const char shape[] = "dddd-dd-ddTdd:dd";
    if (len < sizeof shape - 1)
        return false;
    for (size_t i = 0; i < sizeof shape - 1; i++) {
        const char want = shape[i];
        const bool ok = want == 'd'   ? s[i] >= '0' && s[i] <= '9'
                        : want == 'T' ? s[i] == 'T' || s[i] == ' '
                                      : s[i] == want;
        if (!ok)
            return false;
    }
    return true;
}

/* Inference: the date-time rule (see column_reader.h's ts_* fields) for one string. */
static mloda_status check_datetime_rule(io_column_reader *r, const char *text, size_t len,
                                        mloda_error *err)
{
    int64_t micros = 0;
    if (r->ts_plain)
        return MLODA_OK;
    const bool ok = mloda_io_iso_parse(text, len, false, &micros);
    if (!ok && !shaped_like_datetime(text, len)) {
        r->ts_plain = true; /* genuinely text: no complaint */
        return MLODA_OK;
    }
    if (!ok && r->ts_bad_row < 0) {
        r->ts_bad_row = r->n_rows;
        r->ts_bad_len = len;
        excerpt(r->ts_bad_text, sizeof r->ts_bad_text, text, len);
    }
    r->ts_ok += ok;
    if (r->ts_ok == 0 || r->ts_bad_row < 0)
        return MLODA_OK;
    char shown[64];
    if (r->hide_values)
        (void)snprintf(shown, sizeof shown, "a string of %zu bytes", r->ts_bad_len);
    else
        (void)snprintf(shown, sizeof shown, "\"%s\"", r->ts_bad_text);
    return mloda_error_set(err, MLODA_ERR_TYPE, r->column,
                           "table '%s', column '%s', row %lld: %s is not a valid date-time "
                           "(YYYY-MM-DDTHH:MM:SS[.f][Z|+HH:MM], years 0000-9999 in UTC), but "
                           "other rows of the column are date-times; fix the value, or declare "
                           "the column \"utf8\" in the request's \"schema\" to read it as text",
                           r->table, r->column, (long long)r->ts_bad_row, shown);
}

mloda_status mloda_io_colreader_string(io_column_reader *r, const char *text, size_t len,
                                 mloda_error *err)
{
    if (len > INT32_MAX)
        return col_error(r, MLODA_ERR_RANGE, err, "a string of %zu bytes is too long", len);
    const mloda_type want = r->want.type;
    if (want == MLODA_TYPE_TIMESTAMP)
        return string_as_timestamp(r, text, len, err);
    if ((want != MLODA_TYPE_INVALID && want != MLODA_TYPE_UTF8) ||
        (r->kind != MLODA_TYPE_INVALID && r->kind != MLODA_TYPE_UTF8)) {
        char found[72];
        value_text(r, VK_STRING, text, len, found, sizeof found);
        return mismatch(r, found, err);
    }
    if (want == MLODA_TYPE_INVALID)
        MLODA_TRY(check_datetime_rule(r, text, len, err));
    if (r->kind == MLODA_TYPE_INVALID) {
        if (want == MLODA_TYPE_UTF8)
            MLODA_TRY(start_builder(r, MLODA_TYPE_UTF8, 0, err));
        else
            MLODA_TRY(start_inferred_strings(r, err));
    }
    MLODA_TRY(mloda_column_builder_append_utf8(r->b, text, (int64_t)len, err));
    if (r->ts != NULL) {
        int64_t micros = 0;
        if (mloda_io_iso_parse(text, len, false, &micros)) {
            MLODA_TRY(mloda_column_builder_append_int64(r->ts, micros, err));
        } else {
            mloda_column_builder_free(r->ts);
            r->ts = NULL;
            r->ts_failed = true;
        }
    }
    r->n_rows++;
    return MLODA_OK;
}

mloda_status mloda_io_colreader_list_begin(io_column_reader *r, mloda_error *err)
{
    if (r->in_list)
        return mloda_io_colreader_reject(r, "a list inside a list", err);
    const mloda_type want = r->want.type;
    if (want != MLODA_TYPE_INVALID && want != MLODA_TYPE_FLOAT64_LIST)
        return mismatch(r, "a list", err);
    if (r->kind != MLODA_TYPE_INVALID && r->kind != MLODA_TYPE_FLOAT64_LIST)
        return mismatch(r, "a list", err);
    r->in_list = true;
    r->list_len = 0;
    return MLODA_OK;
}

mloda_status mloda_io_colreader_list_number(io_column_reader *r, const char *text, size_t len,
                                            const io_number *known, mloda_error *err)
{
    io_number num;
    if (known != NULL)
        num = *known;
    else if (!mloda_io_number_parse(text, len, &num))
        return num.nomem ? MLODA_NOMEM(err, "a number")
                         : col_error(r, MLODA_ERR_RANGE, err,
                                     "a list value is out of range for float64");
    if (r->list_len == r->list_cap) {
        if (r->list_cap >= (1 << 24))
            return col_error(r, MLODA_ERR_RANGE, err, "a list of more than %d values",
                             1 << 24);
        const int32_t cap = r->list_cap == 0 ? 4 : r->list_cap * 2;
        double *p = mloda_realloc(r->list_vals, (size_t)cap * sizeof *p);
        if (p == NULL)
            return MLODA_NOMEM(err, "a list value");
        r->list_vals = p;
        r->list_cap = cap;
    }
    r->list_vals[r->list_len++] = num.d;
    return MLODA_OK;
}

mloda_status mloda_io_colreader_list_end(io_column_reader *r, mloda_error *err)
{
    r->in_list = false;
    if (r->list_len == 0)
        return col_error(r, MLODA_ERR_TYPE, err,
                         "an empty list (a list column needs the same number of values, at "
                         "least one, in every row; write null for a missing one)");
    int32_t size = r->kind == MLODA_TYPE_FLOAT64_LIST ? r->list_size : r->want.list_size;
    if (size == 0)
        size = r->list_len;
    if (r->list_len != size)
        return col_error(r, MLODA_ERR_TYPE, err,
                         "a list of %d values in a column of lists of %d values", r->list_len,
                         size);
    if (r->kind == MLODA_TYPE_INVALID)
        MLODA_TRY(start_builder(r, MLODA_TYPE_FLOAT64_LIST, size, err));
    MLODA_TRY(mloda_column_builder_append_list(r->b, r->list_vals, err));
    r->n_rows++;
    return MLODA_OK;
}

mloda_status mloda_io_colreader_bad_text(io_column_reader *r, size_t bad, mloda_error *err)
{
    return col_error(r, MLODA_ERR_PARSE, err,
                     "invalid UTF-8 at byte %zu of the text (an overlong form, a surrogate, a "
                     "code point above U+10FFFF or a stray byte); text must be UTF-8",
                     bad + 1);
}

mloda_status mloda_io_colreader_reject(io_column_reader *r, const char *what, mloda_error *err)
{
    return col_error(r, MLODA_ERR_TYPE, err,
                     "%s is not a column value (values are numbers, strings, true/false, null "
                     "or lists of numbers)",
                     what);
}

/* A column of nulls only: the wanted type, else the null type (no type evidence; each
 * feature that reads it takes it as the type it needs, as Arrow's null type). */
static mloda_status finish_all_null(io_column_reader *r, mloda_column **out, mloda_error *err)
{
    const mloda_type type = r->want.type != MLODA_TYPE_INVALID ? r->want.type : MLODA_TYPE_NULL;
    const int32_t list_size = r->want.list_size > 0 ? r->want.list_size : 1;
    return mloda_column_new_nulls(type, list_size, MLODA_TIME_MICRO, r->n_rows, out, err);
}

mloda_status mloda_io_colreader_finish(io_column_reader *r, mloda_column **out, mloda_error *err)
{
    *out = NULL;
    mloda_status st = MLODA_OK;
    if (r->kind == MLODA_TYPE_INVALID) {
        st = finish_all_null(r, out, err);
    } else {
        mloda_column_builder *b = r->b;
        if (r->ts != NULL) { /* every string was a date-time */
            b = r->ts;
            r->ts = NULL;
        } else {
            r->b = NULL;
        }
        st = mloda_column_builder_finish(b, out, err);
    }
    mloda_io_colreader_reset(r);
    return st;
}
