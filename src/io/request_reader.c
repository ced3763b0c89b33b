/*
 * request_reader.c: request JSON text -> io_request (see io.h).
 *
 * The top level is read as events: "api_data" streams straight into column builders
 * (io_api_reader), the small metadata values ("features", "schema", "column_ordering")
 * become trees (io_jt) that are validated afterwards with their positions. When the text
 * mentions "schema", a first pass reads only that key, so the declared types steer the
 * column builders wherever the key appears in the object.
 */
#include "io/io.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "io/api_reader.h"
#include "io/json_tree.h"
#include "io/request_build.h"
#include "util/util.h"

typedef enum rq_key {
    RQ_FEATURES,
    RQ_API_DATA,
    RQ_SCHEMA,
    RQ_ORDERING,
    RQ_LINKS,
    RQ_FILTERS,
    RQ_ROW_ID,
    RQ_DATA_ACCESS,
    RQ_N_KEYS
} rq_key;

static const char *const rq_key_names[RQ_N_KEYS] = {
    "features", "api_data", "schema",      "column_ordering",
    "links",    "filters",  "row_id_column", "data_access"};

typedef enum rq_state { RQ_ROOT, RQ_KEYS, RQ_VALUE, RQ_DONE } rq_state;

typedef struct request_reader {
    bool schema_only; /* first pass: keep "schema", skip the rest */
    rq_state state;
    rq_key current;
    bool seen[RQ_N_KEYS];
    bool skipping;
    int64_t skip_depth;
    io_api_reader api;
    io_jt_builder tree;
    io_jt *trees[RQ_N_KEYS]; /* owned: every key's tree but api_data's */
    mloda_api_data *api_data; /* owned */
} request_reader;

static void reader_reset(request_reader *r)
{
    mloda_io_api_reader_reset(&r->api);
    mloda_io_jt_builder_reset(&r->tree);
    for (int k = 0; k < RQ_N_KEYS; k++)
        mloda_io_jt_free(r->trees[k]);
    mloda_api_data_free(r->api_data);
    memset(r, 0, sizeof *r);
}

/* Skips one value of any shape; true when it is complete. */
static bool skip_event(request_reader *r, const io_json_event *ev)
{
    switch (ev->kind) {
    case IO_JSON_MAP_START:
    case IO_JSON_ARRAY_START:
        r->skip_depth++;
        return false;
    case IO_JSON_MAP_END:
    case IO_JSON_ARRAY_END:
        return --r->skip_depth == 0;
    case IO_JSON_KEY:
        return false;
    default:
        return r->skip_depth == 0;
    }
}

static mloda_status begin_value(request_reader *r, const io_json_event *ev, mloda_error *err)
{
    char key[96];
    const size_t n = ev->len < sizeof key - 1 ? ev->len : sizeof key - 1;
    memcpy(key, ev->text, n);
    key[n] = '\0';
    int k = 0;
    while (k < RQ_N_KEYS && (strlen(rq_key_names[k]) != ev->len ||
                             memcmp(rq_key_names[k], ev->text, ev->len) != 0))
        k++;
    if (k == RQ_N_KEYS) {
        const char *near = mloda_io_closest(key, rq_key_names, RQ_N_KEYS);
        return mloda_error_set(err, MLODA_ERR_PARSE, key,
                               "unknown key '%s' in the request%s%s%s; the keys are features, "
                               "api_data, schema, column_ordering, links, filters, "
                               "row_id_column and data_access",
                               key, near ? " (did you mean '" : "", near ? near : "",
                               near ? "'?)" : "");
    }
    if (r->seen[k])
        return mloda_error_set(err, MLODA_ERR_PARSE, key, "key '%s' appears twice in the request",
                               key);
    r->seen[k] = true;
    r->current = (rq_key)k;
    r->state = RQ_VALUE;
    r->skipping = r->schema_only ? k != RQ_SCHEMA : false;
    r->skip_depth = 0;
    if (!r->skipping && k == RQ_API_DATA)
        return MLODA_OK; /* api reader was prepared by the caller */
    mloda_io_jt_builder_init(&r->tree);
    return MLODA_OK;
}

static mloda_status value_event(request_reader *r, const io_json_event *ev, mloda_error *err)
{
    bool complete = false;
    if (r->skipping) {
        complete = skip_event(r, ev);
    } else if (r->current == RQ_API_DATA) {
        MLODA_TRY(mloda_io_api_reader_event(&r->api, ev, err));
        complete = mloda_io_api_reader_done(&r->api);
        if (complete)
            r->api_data = mloda_io_api_reader_take(&r->api);
    } else {
        MLODA_TRY(mloda_io_jt_builder_event(&r->tree, ev, err));
        complete = r->tree.done;
        if (complete)
            r->trees[r->current] = mloda_io_jt_builder_take(&r->tree);
    }
    if (complete)
        r->state = RQ_KEYS;
    return MLODA_OK;
}

static mloda_status request_event(void *self, const io_json_event *ev, mloda_error *err)
{
    request_reader *r = self;
    switch (r->state) {
    case RQ_ROOT:
        if (ev->kind != IO_JSON_MAP_START)
            return mloda_error_set(err, MLODA_ERR_PARSE, NULL,
                                   "a request is a JSON object {\"features\": [...], "
                                   "\"api_data\": {...}}, found %s",
                                   mloda_io_json_kind_text(ev->kind));
        r->state = RQ_KEYS;
        return MLODA_OK;
    case RQ_KEYS:
        if (ev->kind == IO_JSON_MAP_END) {
            r->state = RQ_DONE;
            return MLODA_OK;
        }
        return begin_value(r, ev, err);
    case RQ_VALUE:
        return value_event(r, ev, err);
    case RQ_DONE:
        break;
    }
    return mloda_error_set(err, MLODA_ERR_PARSE, NULL, "unexpected text after the request");
}

static bool is_blank(const char *text, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (text[i] != ' ' && text[i] != '\t' && text[i] != '\n' && text[i] != '\r')
            return false;
    return true;
}

/* text starts at byte `skipped` of the source (after a byte-order mark). */
static mloda_status parse_pass(request_reader *r, const char *text, size_t len,
                               int64_t skipped, const char *source, mloda_error *err)
{
    io_json_parser p;
    MLODA_TRY(mloda_io_json_parser_init(&p, request_event, r, source, 1, skipped, err));
    mloda_status st = mloda_io_json_parser_feed(&p, text, len, err);
    if (st == MLODA_OK)
        st = mloda_io_json_parser_finish(&p, err);
    mloda_io_json_parser_reset(&p);
    return st;
}

/* Mentions of "schema" outside a string key are harmless: the first pass just finds
 * no such key. */
static bool mentions_schema(const char *text, size_t len)
{
    static const char needle[] = "\"schema\"";
    const size_t n = sizeof needle - 1;
    for (size_t i = 0; i + n <= len; i++)
        if (text[i] == '"' && memcmp(text + i, needle, n) == 0)
            return true;
    return false;
}

static mloda_status read_schema(const char *text, size_t len, int64_t skipped,
                                const char *source, io_schema *schema, mloda_error *err)
{
    if (!mentions_schema(text, len))
        return MLODA_OK;
    request_reader r;
    memset(&r, 0, sizeof r);
    r.schema_only = true;
    mloda_status st = parse_pass(&r, text, len, skipped, source, err);
    if (st == MLODA_OK && r.trees[RQ_SCHEMA] != NULL)
        st = mloda_io_build_schema(source, r.trees[RQ_SCHEMA], schema, err);
    reader_reset(&r);
    return st;
}

static mloda_status build_request(request_reader *r, const char *source, const char *base_dir,
                                  const io_request_options *opts, io_request *out,
                                  mloda_error *err)
{
    if (r->trees[RQ_FEATURES] == NULL)
        return mloda_error_set(err, MLODA_ERR_PARSE, "features",
                               "%s: the request has no \"features\" key: list the features "
                               "to compute",
                               source);
    out->request = mloda_request_new();
    if (out->request == NULL)
        return MLODA_NOMEM(err, "a request");
    MLODA_TRY(mloda_io_build_features(source, r->trees[RQ_FEATURES], out->request, err));
    if (r->trees[RQ_ORDERING] != NULL)
        MLODA_TRY(mloda_io_build_ordering(source, r->trees[RQ_ORDERING], out->request, err));
    if (r->trees[RQ_LINKS] != NULL)
        MLODA_TRY(mloda_io_build_links(source, r->trees[RQ_LINKS], out->request, err));
    if (r->trees[RQ_FILTERS] != NULL)
        MLODA_TRY(mloda_io_build_filters(source, r->trees[RQ_FILTERS], out->request, err));
    if (r->trees[RQ_ROW_ID] != NULL)
        MLODA_TRY(mloda_io_build_row_id(source, r->trees[RQ_ROW_ID], out->request, err));
    if (r->trees[RQ_DATA_ACCESS] != NULL) {
        const io_access_ctx ctx = {source, base_dir, out->schema, out, opts->data_root,
                                   &opts->limits};
        MLODA_TRY(mloda_io_build_data_access(&ctx, r->trees[RQ_DATA_ACCESS], out->request, err));
    }
    out->api_data = r->api_data != NULL ? r->api_data : mloda_api_data_new();
    r->api_data = NULL;
    if (out->api_data == NULL)
        return MLODA_NOMEM(err, "api_data");
    return mloda_io_schema_add_api_data(out->schema, out->api_data, err);
}

mloda_status mloda_io_request_parse(const char *text, size_t len, const char *source, io_request *out,
                              mloda_error *err)
{
    return mloda_io_request_parse_in(text, len, source, NULL, NULL, out, err);
}

mloda_status mloda_io_request_parse_in(const char *text, size_t len, const char *source,
                                 const char *base_dir, const io_request_options *opts,
                                 io_request *out, mloda_error *err)
{
    static const io_request_options defaults = {NULL, {0, 0, 0, 0}};
    memset(out, 0, sizeof *out);
    if (opts == NULL)
        opts = &defaults;
    if (source == NULL)
        source = "request";
    int64_t skipped = 0; /* a UTF-8 byte-order mark (editors on Windows write one) */
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) {
        text += 3;
        len -= 3;
        skipped = 3;
    }
    if (is_blank(text, len))
        return mloda_error_set(err, MLODA_ERR_PARSE, source,
                               "%s is empty: a request is a JSON object {\"features\": [...], "
                               "\"api_data\": {...}}",
                               source);
    out->schema = mloda_io_schema_new();
    if (out->schema == NULL)
        return MLODA_NOMEM(err, "a schema");
    mloda_status st = read_schema(text, len, skipped, source, out->schema, err);
    request_reader r;
    memset(&r, 0, sizeof r);
    mloda_io_api_reader_init(&r.api, out->schema, "the request's \"schema\"", "\"api_data\"");
    if (st == MLODA_OK)
        st = parse_pass(&r, text, len, skipped, source, err);
    if (st == MLODA_OK)
        st = build_request(&r, source, base_dir, opts, out, err);
    reader_reset(&r);
    if (st != MLODA_OK)
        mloda_io_request_reset(out);
    return st;
}

mloda_status mloda_io_request_note(io_request *r, const char *text, mloda_error *err)
{
    char **notes = mloda_realloc(r->notes, (size_t)(r->n_notes + 1) * sizeof *notes);
    if (notes == NULL)
        return MLODA_NOMEM(err, "a note");
    r->notes = notes;
    r->notes[r->n_notes] = mloda_strdup(text);
    if (r->notes[r->n_notes] == NULL)
        return MLODA_NOMEM(err, "a note");
    r->n_notes++;
    return MLODA_OK;
}

void mloda_io_request_reset(io_request *r)
{
    for (int64_t i = 0; i < r->n_notes; i++)
        mloda_free(r->notes[i]);
    mloda_free(r->notes);
    mloda_request_free(r->request);
    mloda_api_data_free(r->api_data);
    mloda_io_schema_free(r->schema);
    memset(r, 0, sizeof *r);
}

/* Reads all of fd into b, at most max bytes (/dev/zero, a runaway pipe: an error, not a
 * growing buffer). */
static mloda_status read_all(int fd, const char *path, int64_t max, mloda_buf *b,
                             mloda_error *err)
{
    for (;;) {
        MLODA_TRY(mloda_buf_reserve(b, 65536, err));
        size_t room = b->cap - b->len - 1;
        if ((int64_t)b->len + (int64_t)room > max) /* one byte past the cap tells */
            room = (size_t)(max - (int64_t)b->len) + 1;
        const ssize_t got = read(fd, b->data + b->len, room);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            char why[128];
            return mloda_error_set(err, MLODA_ERR_IO, path, "cannot read %s: %s", path,
                                   mloda_io_errno_text(errno, why, sizeof why));
        }
        if (got == 0)
            return MLODA_OK;
        b->len += (size_t)got;
        b->data[b->len] = '\0';
        if ((int64_t)b->len > max)
            return mloda_error_set(err, MLODA_ERR_IO, path,
                                   "request %s is larger than %lld bytes (the limit "
                                   "max_request_bytes; mloda --max-request-bytes)",
                                   path, (long long)max);
    }
}

mloda_status mloda_io_request_read_file(const char *path, const io_request_options *opts,
                                        io_request *out, mloda_error *err)
{
    static const io_request_options defaults = {NULL, {0, 0, 0, 0}};
    memset(out, 0, sizeof *out);
    if (opts == NULL)
        opts = &defaults;
    const bool is_stdin = strcmp(path, "-") == 0;
    const int fd = is_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return mloda_error_set(err, MLODA_ERR_IO, path, "cannot open request %s: %s", path,
                               strerror(errno));
    mloda_buf text = {0};
    mloda_status st = read_all(fd, is_stdin ? "stdin" : path,
                               mloda_io_cap(opts->limits.max_request_bytes,
                                            MLODA_IO_DEFAULT_MAX_REQUEST_BYTES),
                               &text, err);
    if (!is_stdin)
        (void)close(fd);
    char *dir = NULL; /* relative data_access paths start at the request's directory */
    const char *slash = is_stdin ? NULL : strrchr(path, '/');
    if (st == MLODA_OK && slash != NULL) {
        const size_t n = slash == path ? 1 : (size_t)(slash - path);
        dir = mloda_malloc(n + 1);
        if (dir == NULL) {
            st = MLODA_NOMEM(err, "a path");
        } else {
            memcpy(dir, path, n);
            dir[n] = '\0';
        }
    }
    if (st == MLODA_OK)
        st = mloda_io_request_parse_in(text.data != NULL ? text.data : "", text.len,
                                 is_stdin ? "stdin" : path, dir, opts, out, err);
    mloda_free(dir);
    mloda_buf_reset(&text);
    return st;
}
