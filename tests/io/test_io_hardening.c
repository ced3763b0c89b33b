/*
 * test_io_hardening.c: the formats layer against hostile and extreme input (issue 16):
 * text that is not UTF-8, byte-order marks, oversized input, files a request must not
 * reach, CSV line ends and headers, SQL with several statements, watched directories.
 * Each test names the finding it guards and holds its reproducer.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/io.h"
#include "io/source.h"
#include "mloda/io.h"
#include "test.h"
#include "util/utf8.h"

/* ---------------------------------------------------------------- helpers */

static char scratch_dir[256];

static void make_scratch(void)
{
    (void)snprintf(scratch_dir, sizeof scratch_dir, "/tmp/mloda_hard_XXXXXX");
    if (mkdtemp(scratch_dir) == NULL) {
        perror("mkdtemp");
        exit(1);
    }
}

static void remove_scratch(void)
{
    char cmd[400];
    (void)snprintf(cmd, sizeof cmd, "rm -rf '%s'", scratch_dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", scratch_dir);
}

/* scratch_dir/name (a static buffer per call site is enough for these tests) */
static const char *path_of(char *buf, size_t cap, const char *name)
{
    (void)snprintf(buf, cap, "%s/%s", scratch_dir, name);
    return buf;
}

static void write_file(const char *name, const char *data, size_t len)
{
    char p[512];
    FILE *f = fopen(path_of(p, sizeof p, name), "wb");
    CHECK(f != NULL);
    if (f != NULL) {
        CHECK(fwrite(data, 1, len, f) == len);
        (void)fclose(f);
    }
}

/* Every text the formats layer produces must be valid UTF-8. */
static void check_utf8_message(const mloda_error *err)
{
    CHECK(mloda_utf8_is_valid(err->message, strlen(err->message)));
}

/* ---------------------------------------------------------------- UTF-8 in JSON */

/* issue 16 #7: yajl turned "\ud800" into '?' and "\udc00" into invalid UTF-8; overlong
 * forms and encoded surrogates passed its check. Now each is an error with a position. */
static void test_json_text_must_be_utf8(void)
{
    static const struct {
        const char *name, *value, *where, *why;
    } cases[] = {
        {"lone low surrogate", "\"\\udc00\"", "line 1, column 15", "low surrogate"},
        {"lone high surrogate", "\"\\ud800\"", "line 1, column 15", "high surrogate"},
        {"high then text", "\"\\ud800x\"", "line 1, column 15", "high surrogate"},
        {"high then a non-surrogate escape", "\"\\ud800\\u0041\"", "line 1, column 21",
         "must be followed"},
        {"high then another high", "\"\\ud800\\ud800\"", "line 1, column 21",
         "must be followed"},
        {"high then other escape", "\"\\ud800\\n\"", "line 1, column 15", "high surrogate"},
        {"high then raw UTF-8", "\"\\ud800\xC3\xA9\"", "line 1, column 15", "high surrogate"},
        {"overlong slash", "\"\xC0\xAF\"", "line 1, column 15", "invalid UTF-8"},
        {"encoded surrogate", "\"\xED\xA0\x80\"", "line 1, column 15", "invalid UTF-8"},
        {"above U+10FFFF", "\"\xF4\x90\x80\x80\"", "line 1, column 15", "invalid UTF-8"},
        {"stray continuation", "\"a\x80\"", "line 1, column 16", "invalid UTF-8"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        TEST_CASE("%s", cases[i].name);
        char text[128];
        (void)snprintf(text, sizeof text, "{\"T\": {\"s\": [%s]}}", cases[i].value);
        mloda_api_data *a = NULL;
        mloda_error err = MLODA_ERROR_INIT;
        CHECK_EQ_INT(mloda_io_api_data_parse(text, strlen(text), NULL, "b.ndjson", 1, 0, &a, &err),
                     MLODA_ERR_PARSE);
        CHECK(a == NULL);
        CHECK_CONTAINS(err.message, "b.ndjson");
        CHECK_CONTAINS(err.message, cases[i].where);
        CHECK_CONTAINS(err.message, cases[i].why);
        check_utf8_message(&err);
    }
}

/* Valid text still reads, escapes decode, and a check split over chunks holds its state. */
static void test_json_text_valid_and_chunked(void)
{
    const char *text = "{\"T\": {\"s\": [\"\\ud83d\\ude00\", \"caf\xC3\xA9\", \"\\\\ud800\","
                       " \"\xF0\x9F\x98\x80\"]}}";
    const size_t len = strlen(text);
    for (size_t chunk = 1; chunk <= len; chunk++) {
        TEST_CASE("chunks of %zu", chunk);
        io_batch_parser bp;
        mloda_error err = MLODA_ERROR_INIT;
        memset(&bp, 0, sizeof bp);
        mloda_status st = mloda_io_batch_parser_begin(&bp, NULL, "t", 1, 0, 0, &err);
        for (size_t at = 0; st == MLODA_OK && at < len; at += chunk)
            st = mloda_io_batch_parser_feed(&bp, text + at, at + chunk <= len ? chunk : len - at,
                                            &err);
        mloda_api_data *a = NULL;
        if (st == MLODA_OK)
            st = mloda_io_batch_parser_end(&bp, &a, &err);
        mloda_io_batch_parser_reset(&bp);
        CHECK_OK(st, err);
        if (a == NULL)
            continue;
        const mloda_column *c = mloda_table_column(mloda_api_data_table(a, 0), 0);
        int64_t n = 0;
        const char *v = mloda_column_utf8_at(c, 0, &n);
        CHECK(n == 4 && memcmp(v, "\xF0\x9F\x98\x80", 4) == 0);
        v = mloda_column_utf8_at(c, 2, &n);
        CHECK(n == 6 && memcmp(v, "\\ud800", 6) == 0); /* an escaped backslash, not an escape */
        mloda_api_data_free(a);
    }
    /* an invalid byte in a later chunk: the position counts every chunk before it */
    const char *bad = "{\"T\": {\"s\": [\"abc\",\n \"d\xFF\"]}}";
    io_batch_parser bp;
    memset(&bp, 0, sizeof bp);
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_OK(mloda_io_batch_parser_begin(&bp, NULL, "t", 1, 0, 0, &err), err);
    CHECK_OK(mloda_io_batch_parser_feed(&bp, bad, 10, &err), err);
    CHECK_EQ_INT(mloda_io_batch_parser_feed(&bp, bad + 10, strlen(bad) - 10, &err), MLODA_ERR_PARSE);
    CHECK_CONTAINS(err.message, "line 2, column 4 (byte 23)");
    mloda_io_batch_parser_reset(&bp);
}

/* A syntax error before an invalid byte is the one reported. */
static void test_json_syntax_error_first(void)
{
    const char *text = "{\"T\": {\"s\": [1,, \"\xFF\"]}}";
    mloda_api_data *a = NULL;
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_EQ_INT(mloda_io_api_data_parse(text, strlen(text), NULL, "t", 1, 0, &a, &err),
                 MLODA_ERR_PARSE);
    CHECK_CONTAINS(err.message, "malformed JSON");
}

/* ---------------------------------------------------------------- byte-order marks */

/* issue 16 #9: a request file starting with a BOM failed with "invalid char". */
static void test_request_bom(void)
{
    const char *text = "\xEF\xBB\xBF{\"features\": [\"a\"], \"api_data\": {\"T\": {\"a\": [1]}}}";
    io_request r;
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_OK(mloda_io_request_parse(text, strlen(text), "req.json", &r, &err), err);
    CHECK_EQ_INT(mloda_request_n_features(r.request), 1);
    mloda_io_request_reset(&r);
    /* positions after the mark: the mark is not a column */
    const char *bad = "\xEF\xBB\xBF{\"features\": [\"a\"], \"nope\": 1}";
    CHECK_EQ_INT(mloda_io_request_parse(bad, strlen(bad), "req.json", &r, &err), MLODA_ERR_PARSE);
    CHECK_CONTAINS(err.message, "unknown key 'nope'");
    /* only a BOM is an empty request */
    mloda_error_reset(&err);
    CHECK_EQ_INT(mloda_io_request_parse("\xEF\xBB\xBF", 3, "req.json", &r, &err), MLODA_ERR_PARSE);
    CHECK_CONTAINS(err.message, "is empty");
}

static void test_batches_and_rows_bom(void)
{
    char p[512];
    const char *bom_batches = "\xEF\xBB\xBF{\"T\": {\"a\": [1]}}\n{\"T\": {\"a\": [2]}}\n";
    write_file("bom.ndjson", bom_batches, strlen(bom_batches));
    io_source *src = NULL;
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_OK(mloda_io_source_open(path_of(p, sizeof p, "bom.ndjson"), NULL, NULL, &src, &err), err);
    int64_t n = 0;
    for (;;) {
        mloda_api_data *a = NULL;
        io_batch_info info;
        mloda_error_reset(&err);
        const mloda_status st = mloda_io_source_next(src, &a, &info, &err);
        CHECK_OK(st, err);
        if (st != MLODA_OK || a == NULL)
            break;
        n++;
        mloda_api_data_free(a);
    }
    CHECK_EQ_INT(n, 2);
    mloda_io_source_free(src);

    /* an NDJSON data source whose first row starts with a BOM */
    const char *bom_rows = "\xEF\xBB\xBF{\"x\": 1}\n{\"x\": 2}\n";
    write_file("rows.ndjson", bom_rows, strlen(bom_rows));
    mloda_source_provider prov;
    CHECK_OK(mloda_source_init_ndjson(path_of(p, sizeof p, "rows.ndjson"), NULL, NULL, &prov, &err),
             err);
    mloda_table *t = NULL;
    const char *cols[] = {"x"};
    CHECK_OK(prov.read(prov.user_data, 1, cols, &t, &err), err);
    CHECK(t != NULL && mloda_table_n_rows(t) == 2);
    mloda_table_release(t);
    mloda_source_reset(&prov);
}


/* ---------------------------------------------------------------- data root */

/* A provider's schema() result: status and message (the table is dropped). */
static mloda_status schema_of(mloda_source_provider *p, mloda_error *err)
{
    mloda_table *t = NULL;
    mloda_error_reset(err);
    const mloda_status st = p->schema(p->user_data, &t, err);
    mloda_table_release(t);
    return st;
}

typedef enum { CSV, NDJSON, SQLITE } kind_t;

static mloda_status init_source(kind_t kind, const char *path, const char *root,
                                const mloda_source_options *base, mloda_source_provider *p,
                                mloda_error *err)
{
    mloda_source_options o = {.struct_size = sizeof o, .abi_version = MLODA_SOURCE_OPTIONS_ABI};
    if (base != NULL)
        o = *base;
    o.data_root = root;
    return kind == CSV      ? mloda_source_init_csv(path, "t", &o, p, err)
           : kind == NDJSON ? mloda_source_init_ndjson(path, "t", &o, p, err)
                            : mloda_source_init_sqlite(path, "t", "t", &o, p, err);
}

/* issue 16 #3: data_access read absolute paths, "..", links out of the folder, /proc, /dev
 * and FIFOs. Under a root only files inside it are read; without one, only regular
 * files. */
static void test_data_root(void)
{
    char root[300], p[512];
    (void)snprintf(root, sizeof root, "%s/root", scratch_dir);
    CHECK(mkdir(root, 0755) == 0);
    write_file("root/in.csv", "v\n1\n", 4);
    write_file("secret.csv", "root:x:0:0\nsecret\n", 18);
    CHECK(mkdir(path_of(p, sizeof p, "root/sub"), 0755) == 0);
    write_file("root/sub/deep.csv", "v\n2\n", 4);
    CHECK(symlink("../secret.csv", path_of(p, sizeof p, "root/out.csv")) == 0);
    CHECK(symlink("in.csv", path_of(p, sizeof p, "root/alias.csv")) == 0);
    CHECK(mkfifo(path_of(p, sizeof p, "root/fifo.csv"), 0644) == 0);
    char abs_in[512], abs_secret[512];
    (void)snprintf(abs_in, sizeof abs_in, "%s/in.csv", root);
    (void)snprintf(abs_secret, sizeof abs_secret, "%s/secret.csv", scratch_dir);
    static const struct {
        const char *name;
        kind_t kind;
        const char *path; /* "@in"/"@secret": the absolute paths above */
        bool rooted;
        mloda_status st;
        const char *msg;
    } cases[] = {
        {"relative inside", CSV, "in.csv", true, MLODA_OK, NULL},
        {"sub folder", CSV, "sub/deep.csv", true, MLODA_OK, NULL},
        {"dot-dot that stays inside", CSV, "sub/../in.csv", true, MLODA_OK, NULL},
        {"link inside the root", CSV, "alias.csv", true, MLODA_OK, NULL},
        {"absolute inside", CSV, "@in", true, MLODA_OK, NULL},
        {"absolute outside", CSV, "@secret", true, MLODA_ERR_IO, "outside the data root"},
        {"etc passwd", CSV, "/etc/passwd", true, MLODA_ERR_IO, "outside the data root"},
        {"dot-dot out", CSV, "../secret.csv", true, MLODA_ERR_IO, "outside the data root"},
        {"dot-dot out and back", CSV, "sub/../../root/../secret.csv", true, MLODA_ERR_IO,
         "outside the data root"},
        {"missing outside says outside", CSV, "../nothing.csv", true, MLODA_ERR_IO,
         "outside the data root"},
        {"missing inside", CSV, "nothing.csv", true, MLODA_ERR_IO, "No such file"},
        {"link out of the root", CSV, "out.csv", true, MLODA_ERR_IO,
         "outside the data root (through a symbolic link)"},
        {"proc", NDJSON, "/proc/self/environ", true, MLODA_ERR_IO, "outside the data root"},
        {"fifo under a root", CSV, "fifo.csv", true, MLODA_ERR_IO, "it is a FIFO"},
        {"directory under a root", NDJSON, "sub", true, MLODA_ERR_IO, "it is a directory"},
        {"sqlite outside", SQLITE, "@secret", true, MLODA_ERR_IO, "outside the data root"},
        {"sqlite link out", SQLITE, "out.csv", true, MLODA_ERR_IO, "through a symbolic link"},
        {"sqlite fifo", SQLITE, "fifo.csv", true, MLODA_ERR_IO, "it is a FIFO"},
        /* without a root: any path, but only regular files */
        {"no root: absolute file", CSV, "@secret", false, MLODA_OK, NULL},
        {"no root: dev zero", CSV, "/dev/zero", false, MLODA_ERR_IO, "it is a device"},
        {"no root: dev null ndjson", NDJSON, "/dev/null", false, MLODA_ERR_IO, "it is a device"},
        {"no root: fifo", CSV, "root/fifo.csv", false, MLODA_ERR_IO, "it is a FIFO"},
        {"no root: sqlite device", SQLITE, "/dev/zero", false, MLODA_ERR_IO, "it is a device"},
        {"no root: directory", CSV, "root", false, MLODA_ERR_IO, "it is a directory"},
    };
    char cwd[512];
    CHECK(getcwd(cwd, sizeof cwd) != NULL);
    CHECK(chdir(scratch_dir) == 0); /* relative paths without a root: from here */
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        TEST_CASE("%s", cases[i].name);
        const char *path = strcmp(cases[i].path, "@in") == 0       ? abs_in
                           : strcmp(cases[i].path, "@secret") == 0 ? abs_secret
                                                                   : cases[i].path;
        mloda_source_provider prov;
        mloda_error err = MLODA_ERROR_INIT;
        CHECK_OK(init_source(cases[i].kind, path, cases[i].rooted ? root : NULL, NULL, &prov, &err),
                 err);
        const mloda_status st = schema_of(&prov, &err);
        CHECK_MSG(st == cases[i].st, "status %s: %s", mloda_status_name(st), err.message);
        if (cases[i].msg != NULL)
            CHECK_CONTAINS(err.message, cases[i].msg);
        CHECK(strstr(err.message, "root:x") == NULL); /* never the secret's text */
        if (cases[i].rooted && st != MLODA_OK)        /* never the root's location */
            CHECK(strstr(err.message, "/root") == NULL || strstr(path, "/root") != NULL ||
                  strstr(path, "root/") != NULL);
        mloda_source_reset(&prov);
    }
    CHECK(chdir(cwd) == 0);
    /* an empty root is a caller's mistake */
    mloda_source_provider prov;
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_EQ_INT(init_source(CSV, "in.csv", "", NULL, &prov, &err), MLODA_ERR_INVALID_ARG);
    /* a root that does not exist */
    CHECK_OK(init_source(CSV, "in.csv", "/nonexistent/root", NULL, &prov, &err), err);
    CHECK_EQ_INT(schema_of(&prov, &err), MLODA_ERR_IO);
    CHECK_CONTAINS(err.message, "data root cannot be used");
    mloda_source_reset(&prov);
}

/* The request's data_access under a root: relative paths start at the root, folders are
 * listed inside it and links in them are not followed (a note says so). */
static void test_request_data_root(void)
{
    char root[300], p[512];
    (void)snprintf(root, sizeof root, "%s/req_root", scratch_dir);
    CHECK(mkdir(root, 0755) == 0);
    CHECK(mkdir(path_of(p, sizeof p, "req_root/f"), 0755) == 0);
    write_file("req_root/f/a.csv", "a\n1\n", 4);
    write_file("outside.csv", "leak\n1\n", 7);
    CHECK(symlink("../../outside.csv", path_of(p, sizeof p, "req_root/f/link.csv")) == 0);
    const io_request_options opts = {root, {0, 0, 0, 0}};
    static const struct {
        const char *name, *access;
        mloda_status st;
        const char *msg;
        int64_t notes;
    } cases[] = {
        {"folder inside", "{\"folders\": [\"f\"]}", MLODA_OK, NULL, 1},
        {"folder outside", "{\"folders\": [\"..\"]}", MLODA_ERR_IO, "outside the data root", 0},
        {"absolute folder outside", "{\"folders\": [\"/etc\"]}", MLODA_ERR_IO,
         "outside the data root", 0},
        {"file is not a folder", "{\"folders\": [\"f/a.csv\"]}", MLODA_ERR_IO,
         "not a directory", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        TEST_CASE("%s", cases[i].name);
        char text[256];
        (void)snprintf(text, sizeof text, "{\"features\": [\"a\"], \"data_access\": %s}",
                       cases[i].access);
        io_request r;
        mloda_error err = MLODA_ERROR_INIT;
        const mloda_status st =
            mloda_io_request_parse_in(text, strlen(text), "req.json", "/elsewhere", &opts, &r, &err);
        CHECK_MSG(st == cases[i].st, "status %s: %s", mloda_status_name(st), err.message);
        if (cases[i].msg != NULL)
            CHECK_CONTAINS(err.message, cases[i].msg);
        if (st == MLODA_OK) {
            CHECK_EQ_INT(r.n_notes, cases[i].notes);
            if (r.n_notes > 0)
                CHECK_CONTAINS(r.notes[0], "link.csv: a symbolic link");
            /* the request plans: f/a.csv is read from under the root */
            mloda_registry *reg = mloda_registry_default();
            mloda_session *session = NULL;
            CHECK_OK(mloda_prepare(reg, r.request, r.api_data, &session, &err), err);
            mloda_session_free(session);
            mloda_registry_free(reg);
        }
        mloda_io_request_reset(&r);
    }
    /* a file named in "files": relative to the root, not to the request's directory */
    const char *text = "{\"features\": [\"a\"], \"data_access\": {\"files\": [\"f/a.csv\"]}}";
    io_request r;
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_OK(mloda_io_request_parse_in(text, strlen(text), "req.json", "/elsewhere", &opts, &r, &err),
             err);
    mloda_registry *reg = mloda_registry_default();
    mloda_results *res = NULL;
    CHECK_OK(mloda_run_all(reg, r.request, r.api_data, &res, &err), err);
    mloda_results_free(res);
    mloda_io_request_reset(&r);
    const char *out = "{\"features\": [\"leak\"], \"data_access\": {\"files\": [\"f/link.csv\"]}}";
    CHECK_OK(mloda_io_request_parse_in(out, strlen(out), "req.json", NULL, &opts, &r, &err), err);
    CHECK_EQ_INT(mloda_run_all(reg, r.request, r.api_data, &res, &err), MLODA_ERR_IO);
    CHECK_CONTAINS(err.message, "outside the data root");
    mloda_io_request_reset(&r);
    mloda_registry_free(reg);
}

/* The lexical check runs before any file is touched, so a request cannot learn whether a
 * file outside the root exists: both give the same message. */
static void test_data_root_no_existence_oracle(void)
{
    char root[300];
    (void)snprintf(root, sizeof root, "%s/oracle", scratch_dir);
    CHECK(mkdir(root, 0755) == 0);
    char a[512] = "", b[512] = "";
    const char *paths[] = {"/etc/hostname", "/etc/no-such-file-here"};
    char *msgs[] = {a, b};
    for (int i = 0; i < 2; i++) {
        int fd = -1;
        mloda_error err = MLODA_ERROR_INIT;
        CHECK_EQ_INT(mloda_io_open_data_file(root, paths[i], "file", &fd, &err), MLODA_ERR_IO);
        CHECK(fd == -1);
        const char *tail = strstr(err.message, " is outside");
        (void)snprintf(msgs[i], 512, "%s", tail != NULL ? tail : err.message);
    }
    CHECK_STR(a, b);
}

/* ---------------------------------------------------------------- values never quoted */

/* issue 16 #3: a value that does not fit its column was quoted in the message; for data
 * that a source read (a secret in a file) only its kind and size are named. */
static void test_source_values_not_quoted(void)
{
    char p[512];
    write_file("q.csv", "n,s\n1,a\n2,b\nsecret-value,c\n", 28);
    write_file("q.ndjson", "{\"n\": 1}\n{\"n\": \"secret-value\"}\n", 32);
    const kind_t kinds[] = {CSV, NDJSON};
    const char *files[] = {"q.csv", "q.ndjson"};
    for (int i = 0; i < 2; i++) {
        TEST_CASE("%s", files[i]);
        const mloda_source_options o = {.struct_size = sizeof o,
                                        .abi_version = MLODA_SOURCE_OPTIONS_ABI,
                                        .infer_rows = i == 0 ? 2 : 1};
        mloda_source_provider prov;
        mloda_error err = MLODA_ERROR_INIT;
        CHECK_OK(init_source(kinds[i], path_of(p, sizeof p, files[i]), NULL, &o, &prov, &err), err);
        mloda_table *t = NULL;
        const char *cols[] = {"n"};
        CHECK_EQ_INT(prov.read(prov.user_data, 1, cols, &t, &err), MLODA_ERR_TYPE);
        CHECK(strstr(err.message, "secret") == NULL);
        CHECK_CONTAINS(err.message, "a string of 12 bytes");
        CHECK_CONTAINS(err.message, "column 'n'"); /* names are fine */
        mloda_source_reset(&prov);
    }
    /* the caller's own data (api_data) is still quoted: it helps and leaks nothing */
    const char *text = "{\"T\": {\"n\": [1, \"mine\"]}}";
    mloda_api_data *a = NULL;
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_EQ_INT(mloda_io_api_data_parse(text, strlen(text), NULL, "b", 1, 0, &a, &err),
                 MLODA_ERR_TYPE);
    CHECK_CONTAINS(err.message, "\"mine\"");
}

/* ---------------------------------------------------------------- CSV */

/* Reads every batch of a source: *n_rows the rows of the good ones, the first error in
 * first_err, the number of failed batches returned. */
static int64_t drain_source(io_source *src, int64_t *n_rows, mloda_error *first_err)
{
    int64_t failed = 0;
    *n_rows = 0;
    for (long guard = 0; guard < 1000000; guard++) {
        mloda_api_data *a = NULL;
        io_batch_info info;
        mloda_error err = MLODA_ERROR_INIT;
        const mloda_status st = mloda_io_source_next(src, &a, &info, &err);
        if (st != MLODA_OK) {
            failed++;
            if (first_err->code == MLODA_OK)
                *first_err = err;
            if (st == MLODA_ERR_IO || st == MLODA_ERR_NOMEM || st == MLODA_ERR_CANCELLED)
                break;
            continue;
        }
        if (a == NULL)
            break;
        *n_rows += mloda_table_n_rows(mloda_api_data_table(a, 0));
        mloda_api_data_free(a);
    }
    return failed;
}

static io_schema *schema_ab(void)
{
    io_schema *sc = mloda_io_schema_new();
    const io_coltype i64 = {MLODA_TYPE_INT64, 0, MLODA_TIME_MICRO};
    const io_coltype str = {MLODA_TYPE_UTF8, 0, MLODA_TIME_MICRO};
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_OK(mloda_io_schema_set(sc, "T", "a", &i64, &err), err);
    CHECK_OK(mloda_io_schema_set(sc, "T", "b", &str, &err), err);
    return sc;
}

/* issue 16 #6: a CR-only CSV was one header line, 0 rows, exit 0. CR line ends are read as
 * Python's csv module reads them (LF, CRLF and CR alike; inside quotes they are text). */
static void test_csv_line_ends(void)
{
    static const struct {
        const char *name, *text;
        int64_t rows, failed;
        const char *b2; /* field b of the 2nd row */
    } cases[] = {
        {"LF", "a,b\n1,x\n2,y\n", 2, 0, "y"},
        {"CRLF", "a,b\r\n1,x\r\n2,y\r\n", 2, 0, "y"},
        {"CR only", "a,b\r1,x\r2,y\r", 2, 0, "y"},
        {"CR only, no final line end", "a,b\r1,x\r2,y", 2, 0, "y"},
        {"mixed", "a,b\r\n1,x\r2,y\n", 2, 0, "y"},
        {"blank CR lines", "a,b\r\r1,x\r\r2,y\r", 2, 0, "y"},
        {"quoted CR kept", "a,b\r1,x\r2,\"p\rq\"\r", 2, 0, "p\rq"},
        {"quoted CRLF kept", "a,b\n1,x\n2,\"p\r\nq\"\n", 2, 0, "p\r\nq"},
        {"quoted field then CR", "a,b\r1,\"x\"\r2,\"y\"\r", 2, 0, "y"},
    };
    io_schema *sc = schema_ab();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        TEST_CASE("%s", cases[i].name);
        char p[512];
        write_file("ends.csv", cases[i].text, strlen(cases[i].text));
        const io_source_options opts = {.batch_rows = 10};
        io_source *src = NULL;
        mloda_error err = MLODA_ERROR_INIT;
        CHECK_OK(mloda_io_source_open(path_of(p, sizeof p, "ends.csv"), sc, &opts, &src, &err),
                 err);
        mloda_api_data *a = NULL;
        io_batch_info info;
        CHECK_OK(mloda_io_source_next(src, &a, &info, &err), err);
        CHECK(a != NULL);
        if (a != NULL) {
            const mloda_table *t = mloda_api_data_table(a, 0);
            CHECK_EQ_INT(mloda_table_n_rows(t), cases[i].rows);
            const mloda_column *b = mloda_table_column(t, mloda_table_column_index(t, "b"));
            int64_t n = 0;
            const char *v = mloda_column_utf8_at(b, 1, &n);
            CHECK(n == (int64_t)strlen(cases[i].b2) && memcmp(v, cases[i].b2, (size_t)n) == 0);
            mloda_api_data_free(a);
        }
        mloda_io_source_free(src);
    }
    /* line numbers count CR line ends: a bad row on the 3rd line says line 3 */
    char p[512];
    write_file("ends.csv", "a,b\r1,x\rbad,y\r", 14);
    const io_source_options opts = {.batch_rows = 1};
    io_source *src = NULL;
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_OK(mloda_io_source_open(path_of(p, sizeof p, "ends.csv"), sc, &opts, &src, &err), err);
    int64_t rows = 0;
    mloda_error first = MLODA_ERROR_INIT;
    CHECK_EQ_INT(drain_source(src, &rows, &first), 1);
    CHECK_EQ_INT(rows, 1);
    CHECK_CONTAINS(first.message, "ends.csv: line 3:");
    mloda_io_source_free(src);
    mloda_io_schema_free(sc);
}

/* issue 16 #6: stream CSV headers with a repeated or an empty name were accepted. */
static void test_csv_stream_header_names(void)
{
    static const struct {
        const char *name, *text, *msg;
    } cases[] = {
        {"repeated", "a,a,b\n1,2,x\n", "column 'a' appears twice (columns 1 and 2)"},
        {"empty", "a,,b\n1,2,x\n", "column 2 has no name"},
        {"blank first line", "\na,b\n1,x\n", "column 1 has no name"},
    };
    io_schema *sc = schema_ab();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        TEST_CASE("%s", cases[i].name);
        char p[512];
        write_file("h.csv", cases[i].text, strlen(cases[i].text));
        const io_source_options opts = {.batch_rows = 10};
        io_source *src = NULL;
        mloda_error err = MLODA_ERROR_INIT;
        CHECK_OK(mloda_io_source_open(path_of(p, sizeof p, "h.csv"), sc, &opts, &src, &err), err);
        mloda_api_data *a = NULL;
        io_batch_info info;
        CHECK_EQ_INT(mloda_io_source_next(src, &a, &info, &err), MLODA_ERR_PARSE);
        CHECK(a == NULL);
        CHECK_CONTAINS(err.message, "h.csv: bad header (line 1)");
        CHECK_CONTAINS(err.message, cases[i].msg);
        mloda_io_source_free(src);
    }
    mloda_io_schema_free(sc);
}

/* issue 16 #7: CSV text was never checked for UTF-8. */
static void test_csv_utf8(void)
{
    static const struct {
        const char *name, *text, *msg;
    } cases[] = {
        {"overlong in a field", "a,b\n1,ok\n2,x\xC0\xAF\n", "line 3, field 2: invalid UTF-8 at byte 2"},
        {"surrogate in the header", "a,\xED\xA0\x80\n1,x\n", "line 1, field 2: invalid UTF-8 at byte 1"},
        {"stray byte after a quoted newline", "a,b\n1,\"x\ny\xFF\"\n",
         "line 3, field 2: invalid UTF-8 at byte 4"},
    };
    io_schema *sc = schema_ab();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        TEST_CASE("%s", cases[i].name);
        char p[512];
        write_file("u.csv", cases[i].text, strlen(cases[i].text));
        const io_source_options opts = {.batch_rows = 1};
        io_source *src = NULL;
        mloda_error err = MLODA_ERROR_INIT;
        CHECK_OK(mloda_io_source_open(path_of(p, sizeof p, "u.csv"), sc, &opts, &src, &err), err);
        int64_t rows = 0;
        mloda_error first = MLODA_ERROR_INIT;
        CHECK(drain_source(src, &rows, &first) >= 1);
        CHECK_EQ_INT(first.code, MLODA_ERR_PARSE);
        CHECK_CONTAINS(first.message, cases[i].msg);
        check_utf8_message(&first);
        mloda_io_source_free(src);
    }
    mloda_io_schema_free(sc);
    /* the CSV data source too */
    char p[512];
    write_file("u2.csv", "v\n1\n\xFE\n", 6);
    mloda_source_provider prov;
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_OK(init_source(CSV, path_of(p, sizeof p, "u2.csv"), NULL, NULL, &prov, &err), err);
    CHECK_EQ_INT(schema_of(&prov, &err), MLODA_ERR_PARSE);
    CHECK_CONTAINS(err.message, "u2.csv: line 3, field 1: invalid UTF-8");
    mloda_source_reset(&prov);
}

/* Writes a file of `n` bytes of `unit` repeated (no line end unless the unit has one). */
static void write_repeated(const char *name, const char *head, const char *unit, size_t n)
{
    char p[512];
    FILE *f = fopen(path_of(p, sizeof p, name), "wb");
    CHECK(f != NULL);
    if (f == NULL)
        return;
    (void)fputs(head, f);
    const size_t lu = strlen(unit);
    for (size_t w = 0; w < n; w += lu)
        (void)fwrite(unit, 1, lu, f);
    (void)fclose(f);
}

/* issue 16 #5: a CSV without a line end grew without limit. The header, each field and
 * the number of fields per row are capped, and the error comes before more is held. */
static void test_csv_caps(void)
{
    static const struct {
        const char *name, *head, *unit;
        size_t n;
        io_limits lim;
        mloda_status st;
        const char *msg;
    } cases[] = {
        {"header without a line end", "", "abcdefgh", 1 << 20, {0, 0, 0, 4096}, MLODA_ERR_PARSE,
         "line 1: the header line is longer than 4096 bytes"},
        {"header of only commas", "", ",,,,,,,,", 1 << 20, {0, 0, 0, 4096}, MLODA_ERR_PARSE,
         "the header line is longer than 4096 bytes"},
        {"a field without a line end", "a,b\n1,", "xxxxxxxx", 1 << 20, {0, 0, 1000, 0},
         MLODA_ERR_PARSE, "line 2, field 2: a field longer than 1000 bytes"},
        {"a quoted field without an end", "a,b\n1,\"", "xxxxxxxx", 1 << 20, {0, 0, 1000, 0},
         MLODA_ERR_PARSE, "line 2, field 2: a field longer than 1000 bytes"},
        {"a row of only commas", "a,b\n", ",,,,,,,,", 1 << 20, {0, 0, 0, 0}, MLODA_ERR_SCHEMA,
         "line 2: more fields than the header's 2"},
        {"within the caps", "a,b\n1,", "x", 999, {0, 0, 1000, 0}, MLODA_OK, NULL},
    };
    io_schema *sc = schema_ab();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        TEST_CASE("%s", cases[i].name);
        char p[512];
        write_repeated("big.csv", cases[i].head, cases[i].unit, cases[i].n);
        const io_source_options opts = {.batch_rows = 10, .limits = cases[i].lim};
        io_source *src = NULL;
        mloda_error err = MLODA_ERROR_INIT;
        CHECK_OK(mloda_io_source_open(path_of(p, sizeof p, "big.csv"), sc, &opts, &src, &err), err);
        int64_t rows = 0;
        mloda_error first = MLODA_ERROR_INIT;
        const int64_t failed = drain_source(src, &rows, &first);
        CHECK_EQ_INT(failed, cases[i].st == MLODA_OK ? 0 : 1);
        CHECK_EQ_INT(first.code, cases[i].st);
        if (cases[i].msg != NULL)
            CHECK_CONTAINS(first.message, cases[i].msg);
        mloda_io_source_free(src);
    }
    mloda_io_schema_free(sc);
    /* the CSV data source takes the caps from its options */
    char p[512];
    write_repeated("bigsrc.csv", "v\n", "yyyyyyyy", 1 << 16);
    const mloda_source_options o = {.struct_size = sizeof o, .abi_version = MLODA_SOURCE_OPTIONS_ABI,
                                    .max_field_bytes = 100};
    mloda_source_provider prov;
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_OK(init_source(CSV, path_of(p, sizeof p, "bigsrc.csv"), NULL, &o, &prov, &err), err);
    CHECK_EQ_INT(schema_of(&prov, &err), MLODA_ERR_PARSE);
    CHECK_CONTAINS(err.message, "a field longer than 100 bytes (the limit max_field_bytes");
    mloda_source_reset(&prov);
}

/* ---------------------------------------------------------------- NDJSON and requests */

/* issue 16 #5: NDJSON lines are capped (batches, .json batch files, data-source rows). */
static void test_line_caps(void)
{
    char p[512];
    write_repeated("long.ndjson", "{\"T\": {\"a\": [1]}}\n{\"T\": {\"a\": [\"", "zzzzzzzz", 1 << 16);
    FILE *f = fopen(path_of(p, sizeof p, "long.ndjson"), "ab");
    CHECK(f != NULL);
    if (f != NULL) {
        (void)fputs("\"]}}\n{\"T\": {\"a\": [3]}}\n", f);
        (void)fclose(f);
    }
    const io_source_options opts = {.limits = {0, 1000, 0, 0}};
    io_source *src = NULL;
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_OK(mloda_io_source_open(path_of(p, sizeof p, "long.ndjson"), NULL, &opts, &src, &err),
             err);
    int64_t rows = 0;
    mloda_error first = MLODA_ERROR_INIT;
    CHECK_EQ_INT(drain_source(src, &rows, &first), 1); /* the long line fails alone */
    CHECK_EQ_INT(rows, 2);
    CHECK_CONTAINS(first.message, "long.ndjson: line 2: a batch line longer than 1000 bytes");
    mloda_io_source_free(src);

    /* an NDJSON data source */
    write_repeated("rows_long.ndjson", "{\"v\": 1}\n{\"v\": \"", "zzzzzzzz", 1 << 16);
    const mloda_source_options o = {.struct_size = sizeof o, .abi_version = MLODA_SOURCE_OPTIONS_ABI,
                                    .max_line_bytes = 500};
    mloda_source_provider prov;
    CHECK_OK(init_source(NDJSON, path_of(p, sizeof p, "rows_long.ndjson"), NULL, &o, &prov, &err),
             err);
    CHECK_EQ_INT(schema_of(&prov, &err), MLODA_ERR_PARSE);
    CHECK_CONTAINS(err.message, "rows_long.ndjson: line 2: longer than 500 bytes");
    mloda_source_reset(&prov);
}

/* issue 16 #5: `mloda run --request /dev/zero` grew without limit. */
static void test_request_cap(void)
{
    io_request r;
    mloda_error err = MLODA_ERROR_INIT;
    const io_request_options small = {NULL, {4096, 0, 0, 0}};
    CHECK_EQ_INT(mloda_io_request_read_file("/dev/zero", &small, &r, &err), MLODA_ERR_IO);
    CHECK_CONTAINS(err.message, "request /dev/zero is larger than 4096 bytes");
    CHECK(r.request == NULL);
    /* exactly at the cap is fine */
    char p[512];
    const char *text = "{\"features\": [\"a\"]}";
    write_file("req.json", text, strlen(text));
    const io_request_options exact = {NULL, {(int64_t)strlen(text), 0, 0, 0}};
    mloda_error_reset(&err);
    CHECK_OK(mloda_io_request_read_file(path_of(p, sizeof p, "req.json"), &exact, &r, &err), err);
    mloda_io_request_reset(&r);
    const io_request_options under = {NULL, {(int64_t)strlen(text) - 1, 0, 0, 0}};
    CHECK_EQ_INT(mloda_io_request_read_file(path_of(p, sizeof p, "req.json"), &under, &r, &err),
                 MLODA_ERR_IO);
}

/* ---------------------------------------------------------------- SQLite */

/* issue 16 #6: --sql ignored every statement after the first; SQLite text was never
 * checked for UTF-8. */
static void test_sqlite_statements_and_text(void)
{
    char db[512], cmd[800];
    path_of(db, sizeof db, "s.db");
    (void)snprintf(cmd, sizeof cmd,
                   "sqlite3 '%s' \"create table t(a int, b text); insert into t values (1, 'x');"
                   " insert into t values (2, CAST(X'C0AF' AS TEXT));\"",
                   db);
    CHECK(system(cmd) == 0);
    io_schema *sc = schema_ab();
    static const struct {
        const char *name, *sql;
        mloda_status st;
        const char *msg;
    } cases[] = {
        {"one statement", "select a, b from t where a = 1", MLODA_OK, NULL},
        {"trailing semicolon and comment", "select a, b from t where a = 1; -- done\n", MLODA_OK,
         NULL},
        {"two statements", "select a, b from t; select 2", MLODA_ERR_INVALID_ARG,
         "found more after the first"},
        {"a write after a read", "select a, b from t; delete from t", MLODA_ERR_INVALID_ARG,
         "found more after the first"},
        {"only a comment", "-- nothing", MLODA_ERR_INVALID_ARG, "it has none"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        TEST_CASE("%s", cases[i].name);
        const io_source_options opts = {.sql = cases[i].sql, .batch_rows = 10};
        io_source *src = NULL;
        mloda_error err = MLODA_ERROR_INIT;
        const mloda_status st = mloda_io_source_open(db, sc, &opts, &src, &err);
        CHECK_MSG(st == cases[i].st, "%s: %s", mloda_status_name(st), err.message);
        if (cases[i].msg != NULL)
            CHECK_CONTAINS(err.message, cases[i].msg);
        mloda_io_source_free(src);
    }
    const io_source_options opts = {.sql = "select a, b from t", .batch_rows = 10};
    io_source *src = NULL;
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_OK(mloda_io_source_open(db, sc, &opts, &src, &err), err);
    int64_t rows = 0;
    mloda_error first = MLODA_ERROR_INIT;
    CHECK_EQ_INT(drain_source(src, &rows, &first), 1);
    CHECK_EQ_INT(first.code, MLODA_ERR_PARSE);
    CHECK_CONTAINS(first.message, "result row 2: table 'T', column 'b', row 1: invalid UTF-8");
    mloda_io_source_free(src);
    mloda_io_schema_free(sc);
    /* the SQLite data source: values not quoted, text checked */
    mloda_source_provider prov;
    CHECK_OK(init_source(SQLITE, db, NULL, NULL, &prov, &err), err);
    mloda_table *t = NULL;
    const char *cols[] = {"b"};
    CHECK_EQ_INT(prov.read(prov.user_data, 1, cols, &t, &err), MLODA_ERR_PARSE);
    CHECK_CONTAINS(err.message, "invalid UTF-8");
    mloda_source_reset(&prov);
}

/* ---------------------------------------------------------------- watched directories */

typedef struct warnings {
    int n;
    char last[600];
} warnings;

static void collect_warning(void *ctx, const char *message)
{
    warnings *w = ctx;
    w->n++;
    (void)snprintf(w->last, sizeof w->last, "%s", message);
}

/* issue 16 #6: a file that vanished before it was read ended the watcher (exit 4, even
 * with --on-error skip). It is skipped with a warning, and a new file of that name later
 * is read. */
static void test_dir_file_vanishes(void)
{
    char d[512], p[512];
    path_of(d, sizeof d, "vanish");
    CHECK(mkdir(d, 0755) == 0);
    write_file("vanish/a.json", "{\"T\": {\"a\": [1]}}", 17);
    write_file("vanish/b.json", "{\"T\": {\"a\": [2]}}", 17);
    warnings w = {0, ""};
    const io_source_options opts = {.warn = collect_warning, .warn_ctx = &w};
    io_source *src = NULL;
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_OK(mloda_io_source_open(d, NULL, &opts, &src, &err), err);
    CHECK(unlink(path_of(p, sizeof p, "vanish/a.json")) == 0); /* listed, then gone */
    int64_t rows = 0;
    mloda_error first = MLODA_ERROR_INIT;
    CHECK_EQ_INT(drain_source(src, &rows, &first), 0);
    CHECK_EQ_INT(rows, 1); /* b.json */
    CHECK_EQ_INT(w.n, 1);
    CHECK_CONTAINS(w.last, "vanish/a.json: it was removed before it could be read");
    mloda_io_source_free(src);
}

/* issue 16 #6: a deleted watched directory waited for ever; now the source ends with an
 * I/O error (exit 4 in the command). */
static void test_dir_deleted_while_watched(void)
{
    char d[512];
    path_of(d, sizeof d, "gone");
    CHECK(mkdir(d, 0755) == 0);
    char rec[512];
    path_of(rec, sizeof rec, "gone.record");
    const io_source_options opts = {.watch = true, .record = rec};
    io_source *src = NULL;
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_OK(mloda_io_source_open(d, NULL, &opts, &src, &err), err);
    CHECK(rmdir(d) == 0);
    mloda_api_data *a = NULL;
    io_batch_info info;
    CHECK_EQ_INT(mloda_io_source_next(src, &a, &info, &err), MLODA_ERR_IO);
    CHECK_CONTAINS(err.message, "was deleted or moved away");
    mloda_io_source_free(src);
}

/* issue 16 #6: `--record /dev/full` spun (reading zeros for ever); a record that is not a
 * regular file is refused when the source opens. */
static void test_dir_record_must_be_a_file(void)
{
    char d[512];
    path_of(d, sizeof d, "recdir");
    CHECK(mkdir(d, 0755) == 0);
    const char *records[] = {"/dev/full", "/dev/zero", scratch_dir};
    for (int i = 0; i < 3; i++) {
        TEST_CASE("%s", records[i]);
        const io_source_options opts = {.record = records[i]};
        io_source *src = NULL;
        mloda_error err = MLODA_ERROR_INIT;
        CHECK_EQ_INT(mloda_io_source_open(d, NULL, &opts, &src, &err), MLODA_ERR_IO);
        CHECK_CONTAINS(err.message, "is not a regular file");
        CHECK(src == NULL);
    }
    /* a record in a directory that does not exist: the first write fails clearly */
    write_file("recdir/a.json", "{\"T\": {\"a\": [1]}}", 17);
    const io_source_options opts = {.record = "/nonexistent/dir/record"};
    io_source *src = NULL;
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_OK(mloda_io_source_open(d, NULL, &opts, &src, &err), err);
    int64_t rows = 0;
    mloda_error first = MLODA_ERROR_INIT;
    CHECK_EQ_INT(drain_source(src, &rows, &first), 1);
    CHECK_EQ_INT(first.code, MLODA_ERR_IO);
    CHECK_CONTAINS(first.message, "cannot write the processed-files record");
    mloda_io_source_free(src);
}

/* mloda_io_source_commit (a command ending on a signal): a file whose last batch was
 * returned is recorded without asking for another batch; one with batches left is not. */
static void test_dir_commit(void)
{
    char d[512], rec[512];
    path_of(d, sizeof d, "commit");
    path_of(rec, sizeof rec, "commit.record");
    CHECK(mkdir(d, 0755) == 0);
    write_file("commit/a.ndjson", "{\"T\": {\"a\": [1]}}\n{\"T\": {\"a\": [2]}}\n\n  \n", 40);
    write_file("commit/b.ndjson", "{\"T\": {\"a\": [3]}}\n{\"T\": {\"a\": [4]}}\n", 36);
    const io_source_options opts = {.record = rec};
    io_source *src = NULL;
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_OK(mloda_io_source_open(d, NULL, &opts, &src, &err), err);
    for (int k = 0; k < 3; k++) { /* a.ndjson's two batches and b.ndjson's first */
        mloda_api_data *a = NULL;
        io_batch_info info;
        CHECK_OK(mloda_io_source_next(src, &a, &info, &err), err);
        CHECK(a != NULL);
        mloda_api_data_free(a);
        if (k == 1) { /* a.ndjson has only blanks left: commit records it */
            CHECK_OK(mloda_io_source_commit(src, &err), err);
        }
    }
    CHECK_OK(mloda_io_source_commit(src, &err), err); /* b.ndjson still has a batch */
    mloda_io_source_free(src);
    char text[256] = "";
    FILE *f = fopen(rec, "r");
    CHECK(f != NULL);
    if (f != NULL) {
        const size_t n = fread(text, 1, sizeof text - 1, f);
        text[n] = '\0';
        (void)fclose(f);
    }
    CHECK_STR(text, "a.ndjson\n");
    /* other sources have nothing to commit */
    write_file("plain.ndjson", "{\"T\": {\"a\": [1]}}\n", 18);
    char p[512];
    CHECK_OK(mloda_io_source_open(path_of(p, sizeof p, "plain.ndjson"), NULL, NULL, &src, &err), err);
    CHECK_OK(mloda_io_source_commit(src, &err), err);
    mloda_io_source_free(src);
}

/* issue 16 #6: 20,001 files moved into a watched directory, 8,193 processed, exit 0: the
 * kernel's event queue overflowed. Now the overflow lists the directory again (with a
 * warning) and every file is read. The files arrive while nobody reads the events. */
static void test_dir_watch_overflow(void)
{
    long queue = 16384;
    FILE *q = fopen("/proc/sys/fs/inotify/max_queued_events", "r");
    if (q != NULL) {
        if (fscanf(q, "%ld", &queue) != 1)
            queue = 16384;
        (void)fclose(q);
    }
    if (queue > 100000) {
        printf("  (skipped: max_queued_events %ld is too large to overflow quickly)\n", queue);
        return;
    }
    const long n = queue + 500;
    char d[512], stage[512];
    path_of(d, sizeof d, "flood");
    path_of(stage, sizeof stage, "flood_stage");
    CHECK(mkdir(d, 0755) == 0 && mkdir(stage, 0755) == 0);
    char rec[512];
    path_of(rec, sizeof rec, "flood.record");
    warnings w = {0, ""};
    const io_source_options opts = {.watch = true, .watch_timeout = 0.5, .record = rec,
                                    .warn = collect_warning, .warn_ctx = &w};
    io_source *src = NULL;
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_OK(mloda_io_source_open(d, NULL, &opts, &src, &err), err);
    write_file("flood_stage/one.json", "{\"T\": {\"a\": [1]}}", 17);
    char one[600], tmp[600];
    (void)snprintf(one, sizeof one, "%s/one.json", stage);
    (void)snprintf(tmp, sizeof tmp, "%s/tmp.json", stage);
    for (long i = 0; i < n; i++) { /* a hard link made elsewhere, moved in: IN_MOVED_TO */
        char to[600];
        (void)snprintf(to, sizeof to, "%s/f%06ld.json", d, i);
        CHECK(link(one, tmp) == 0);
        CHECK(rename(tmp, to) == 0);
    }
    int64_t rows = 0;
    mloda_error first = MLODA_ERROR_INIT;
    CHECK_EQ_INT(drain_source(src, &rows, &first), 0);
    CHECK_EQ_INT(rows, n);
    CHECK(w.n >= 1);
    CHECK_CONTAINS(w.last, "listed again so that none is missed");
    mloda_io_source_free(src);
}

/* ---------------------------------------------------------------- timestamps */

/* issue 16 #7: offsets pushed timestamps out of 0000-9999 and they were written as
 * "10000-..." / "-001-...". Such text is not read as a date-time; values a calculation
 * puts there are written in ISO 8601's expanded form (sign, six or more year digits). */
static void test_timestamp_years(void)
{
    static const struct {
        const char *text;
        bool ok;
        int64_t micros;
    } parse[] = {
        {"0000-01-01T00:00:00", true, -62167219200000000LL},
        {"9999-12-31T23:59:59.999999", true, 253402300799999999LL},
        {"9999-12-31T23:30:00-01:00", false, 0}, /* 10000-01-01T00:30:00 UTC */
        {"0000-01-01T00:30:00+01:00", false, 0}, /* -0001-12-31T23:30:00 UTC */
        {"9999-12-31T22:30:00-01:00", true, 253402299000000000LL}, /* 23:30 UTC */
    };
    for (size_t i = 0; i < sizeof parse / sizeof parse[0]; i++) {
        TEST_CASE("parse %s", parse[i].text);
        int64_t v = 0;
        CHECK(mloda_io_iso_parse(parse[i].text, strlen(parse[i].text), false, &v) == parse[i].ok);
        if (parse[i].ok)
            CHECK_EQ_INT(v, parse[i].micros);
    }
    static const struct {
        int64_t value;
        mloda_time_unit unit;
        const char *text;
    } fmt[] = {
        {253402300799999999LL, MLODA_TIME_MICRO, "9999-12-31T23:59:59.999999"},
        {253402302600000000LL, MLODA_TIME_MICRO, "+010000-01-01T00:30:00"},
        {-62167219200000000LL, MLODA_TIME_MICRO, "0000-01-01T00:00:00"},
        {-62167305600000000LL, MLODA_TIME_MICRO, "-000001-12-31T00:00:00"},
        /* numpy's datetime64[us] maximum: 294247-01-10T04:00:54.775807 */
        {INT64_MAX, MLODA_TIME_MICRO, "+294247-01-10T04:00:54.775807"},
        /* more digits where needed: numpy's datetime64[ms] maximum is
         * 292278994-08-17T07:12:55.807, so INT64_MAX / 1000 seconds is that second */
        {INT64_MAX / 1000, MLODA_TIME_SECOND, "+292278994-08-17T07:12:55"},
    };
    for (size_t i = 0; i < sizeof fmt / sizeof fmt[0]; i++) {
        TEST_CASE("format %s", fmt[i].text);
        char buf[64];
        const size_t n = mloda_io_iso_format(buf, sizeof buf, fmt[i].value, fmt[i].unit);
        CHECK_STR(buf, fmt[i].text);
        CHECK_EQ_INT(n, strlen(fmt[i].text));
    }
}

/* issue 16 #9: an unparsable date turned the column into text silently, and a later error
 * did not name the row. A string shaped like a date-time that is not one, in a column
 * whose other strings are date-times, is now an error naming table, column and row. */
static void test_inferred_bad_datetime(void)
{
    static const struct {
        const char *name, *values;
        mloda_status st;
        mloda_type type;
        const char *msg;
    } cases[] = {
        {"month 13 after a good one", "[\"2024-01-01T00:00:00\", \"2024-13-01T00:00:00\"]",
         MLODA_ERR_TYPE, MLODA_TYPE_INVALID, "column 'c', row 1: \"2024-13-01T00:00:00\""},
        {"bad one first", "[\"2024-02-30 10:00\", null, \"2024-01-01 10:00\"]", MLODA_ERR_TYPE,
         MLODA_TYPE_INVALID, "row 0: \"2024-02-30 10:00\" is not a valid date-time"},
        {"pushed past year 9999", "[\"2024-01-01T00:00:00\", \"9999-12-31T23:30:00-01:00\"]",
         MLODA_ERR_TYPE, MLODA_TYPE_INVALID, "row 1:"},
        {"all good", "[\"2024-01-01T00:00:00\", \"2024-01-02 00:00Z\"]", MLODA_OK,
         MLODA_TYPE_TIMESTAMP, NULL},
        {"text column", "[\"2024-01-01T00:00:00\", \"hello\", \"2024-13-01T00:00:00\"]", MLODA_OK,
         MLODA_TYPE_UTF8, NULL},
        {"bare dates stay text", "[\"2024-01-01\", \"2024-13-01\"]", MLODA_OK, MLODA_TYPE_UTF8,
         NULL},
        {"only bad date-times", "[\"2024-13-01T00:00:00\"]", MLODA_OK, MLODA_TYPE_UTF8, NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        TEST_CASE("%s", cases[i].name);
        char text[256];
        (void)snprintf(text, sizeof text, "{\"T\": {\"c\": %s}}", cases[i].values);
        mloda_api_data *a = NULL;
        mloda_error err = MLODA_ERROR_INIT;
        const mloda_status st = mloda_io_api_data_parse(text, strlen(text), NULL, "b", 1, 0, &a, &err);
        CHECK_MSG(st == cases[i].st, "%s: %s", mloda_status_name(st), err.message);
        if (cases[i].msg != NULL) {
            CHECK_CONTAINS(err.message, cases[i].msg);
            CHECK_CONTAINS(err.message, "table 'T'");
        }
        if (a != NULL)
            CHECK_EQ_INT(mloda_column_type(mloda_table_column(mloda_api_data_table(a, 0), 0)),
                         cases[i].type);
        mloda_api_data_free(a);
    }
    /* the request's api_data, the same rule */
    const char *req = "{\"features\": [\"t\"], \"api_data\": {\"T\": {\"t\": [\"2024-01-01T00:00:00\","
                      " \"2024-02-30T00:00:00\"]}}}";
    io_request r;
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_EQ_INT(mloda_io_request_parse(req, strlen(req), "req.json", &r, &err), MLODA_ERR_TYPE);
    CHECK_CONTAINS(err.message, "req.json: line 1");
    CHECK_CONTAINS(err.message, "column 't', row 1");
}

/* A directory's odd entries: a directory named like a batch file, hidden files, a record
 * with blank lines, and a file that became a directory after it was listed. */
static void test_dir_odd_entries(void)
{
    char d[512], p[512], rec[512];
    path_of(d, sizeof d, "odd");
    CHECK(mkdir(d, 0755) == 0);
    CHECK(mkdir(path_of(p, sizeof p, "odd/sub.json"), 0755) == 0); /* not a file: ignored */
    write_file("odd/.hidden.json", "{\"T\": {\"a\": [9]}}", 17);
    write_file("odd/a.json", "{\"T\": {\"a\": [1]}}", 17);
    write_file("odd/b.ndjson", "{\"T\": {\"a\": [2]}}\n", 18);
    write_file("odd/c.json", "{\"T\": {\"a\": [3]}}", 17);
    write_file("odd/json", "{}", 2); /* the suffix alone is not a batch file name */
    path_of(rec, sizeof rec, "odd.record");
    write_file("odd.record", "\n\nb.ndjson\r\n\n", 13); /* b is done already */
    warnings w = {0, ""};
    const io_source_options opts = {.record = rec, .warn = collect_warning, .warn_ctx = &w};
    io_source *src = NULL;
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_OK(mloda_io_source_open(d, NULL, &opts, &src, &err), err);
    /* c.json turns into a directory after the listing */
    CHECK(unlink(path_of(p, sizeof p, "odd/c.json")) == 0);
    CHECK(mkdir(p, 0755) == 0);
    int64_t rows = 0;
    mloda_error first = MLODA_ERROR_INIT;
    CHECK_EQ_INT(drain_source(src, &rows, &first), 1);
    CHECK_EQ_INT(rows, 1); /* a.json only */
    CHECK_EQ_INT(first.code, MLODA_ERR_IO);
    CHECK_CONTAINS(first.message, "c.json: not a regular file any more");
    CHECK_EQ_INT(w.n, 1);
    CHECK_CONTAINS(w.last, "odd/json: not a .json or .ndjson file");
    mloda_io_source_free(src);
}

int main(void)
{
    make_scratch();
    RUN(test_json_text_must_be_utf8);
    RUN(test_json_text_valid_and_chunked);
    RUN(test_json_syntax_error_first);
    RUN(test_request_bom);
    RUN(test_batches_and_rows_bom);
    RUN(test_data_root);
    RUN(test_request_data_root);
    RUN(test_data_root_no_existence_oracle);
    RUN(test_source_values_not_quoted);
    RUN(test_csv_line_ends);
    RUN(test_csv_stream_header_names);
    RUN(test_csv_utf8);
    RUN(test_csv_caps);
    RUN(test_line_caps);
    RUN(test_request_cap);
    RUN(test_sqlite_statements_and_text);
    RUN(test_dir_file_vanishes);
    RUN(test_dir_deleted_while_watched);
    RUN(test_dir_record_must_be_a_file);
    RUN(test_dir_commit);
    RUN(test_dir_odd_entries);
    RUN(test_dir_watch_overflow);
    RUN(test_timestamp_years);
    RUN(test_inferred_bad_datetime);
    remove_scratch();
    return TEST_SUMMARY();
}
