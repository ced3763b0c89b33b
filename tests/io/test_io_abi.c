/*
 * test_io_abi.c: the versioning rule of plugin.h for mloda_source_options (the other
 * versioned structs: tests/plan/test_abi.c). The options reach the constructors of the
 * built-in sources in a caller's block of exactly `alloc` bytes (malloc'd, freed right after
 * the call), so that ASan reports any read beyond it:
 *   an unknown abi_version is refused with MLODA_ERR_INVALID_ARG without reading past
 *     abi_version;
 *   an older caller's smaller struct_size (down to struct_size and abi_version alone) is
 *     accepted, the fields it lacks reading as defaults;
 *   a struct_size that does not even hold abi_version is refused;
 *   a newer caller's larger struct is accepted and its known fields work.
 * Whether the stated types were read shows in the source's schema: column a is int64 when
 * inferred, float64 when stated.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mloda/io.h"
#include "test.h"

#define HEAD_SIZE (offsetof(mloda_source_options, abi_version) + sizeof(uint32_t))

static char dir[64];
static char csv_path[128];

/* A caller built against a newer header: fields this library does not know. */
typedef struct newer_options {
    mloda_source_options base;
    const char *future_encoding;
    int64_t future_skip_rows;
} newer_options;

/* The source's schema as "name:type,...". */
static void schema_text(const mloda_source_provider *p, char *buf, size_t cap)
{
    mloda_table *t = NULL;
    mloda_error err = MLODA_ERROR_INIT;
    buf[0] = '\0';
    CHECK_OK(p->schema(p->user_data, &t, &err), err);
    for (int64_t i = 0; t != NULL && i < mloda_table_n_columns(t); i++) {
        size_t len = strlen(buf);
        (void)snprintf(buf + len, cap - len, "%s%s:%s", i > 0 ? "," : "",
                       mloda_table_column_name(t, i),
                       mloda_type_name(mloda_column_type(mloda_table_column(t, i))));
    }
    mloda_table_release(t);
}

static void test_source_options(void)
{
    static const struct {
        const char *label;
        size_t struct_size;   /* written into the caller's struct */
        uint32_t abi_version; /* 0: MLODA_SOURCE_OPTIONS_ABI */
        size_t alloc;         /* bytes of the caller's block; 0: struct_size */
        mloda_status st;
        const char *want;     /* schema when accepted, message substring when refused */
    } cases[] = {
        {"unknown abi_version, block of 16 bytes", 16, 99, 16, MLODA_ERR_INVALID_ARG,
         "abi_version 99"},
        {"unknown abi_version, block ends at abi_version", 16, 2, HEAD_SIZE,
         MLODA_ERR_INVALID_ARG, "abi_version 2"},
        {"unknown abi_version, huge struct_size", (size_t)-1, 5, 16, MLODA_ERR_INVALID_ARG,
         "abi_version 5"},
        {"struct_size too small for abi_version", 8, 0, 8, MLODA_ERR_INVALID_ARG,
         "too small for struct_size and abi_version"},
        {"struct_size 0", 0, 0, 16, MLODA_ERR_INVALID_ARG, "struct_size 0"},
        {"older: struct_size and abi_version only", offsetof(mloda_source_options, types), 0,
         0, MLODA_OK, "a:int64,b:utf8"},
        {"older: without infer_rows and busy_timeout_ms",
         offsetof(mloda_source_options, infer_rows), 0, 0, MLODA_OK, "a:float64,b:utf8"},
        {"older: without busy_timeout_ms", offsetof(mloda_source_options, busy_timeout_ms), 0,
         0, MLODA_OK, "a:float64,b:utf8"},
        {"this library's size", sizeof(mloda_source_options), 0, 0, MLODA_OK,
         "a:float64,b:utf8"},
        {"newer: two more fields", sizeof(newer_options), 0, 0, MLODA_OK, "a:float64,b:utf8"},
    };
    static const mloda_source_column_type stated[] = {{"a", MLODA_TYPE_FLOAT64, 0}};
    const newer_options full = {
        .base = {.types = stated, .n_types = 1, .infer_rows = 0, .busy_timeout_ms = 0},
        .future_encoding = "latin-1",
        .future_skip_rows = 3,
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        TEST_CASE("source options: %s", cases[k].label);
        const size_t alloc = cases[k].alloc != 0 ? cases[k].alloc : cases[k].struct_size;
        unsigned char *block = malloc(alloc);
        memset(block, 0xA5, alloc);
        memcpy(block, &full, alloc < sizeof full ? alloc : sizeof full);
        memcpy(block, &cases[k].struct_size, sizeof(size_t));
        const uint32_t abi = cases[k].abi_version != 0 ? cases[k].abi_version
                                                       : MLODA_SOURCE_OPTIONS_ABI;
        if (alloc >= HEAD_SIZE)
            memcpy(block + offsetof(mloda_source_options, abi_version), &abi, sizeof abi);

        for (int kind = 0; kind < 2; kind++) { /* CSV and SQLite read the options alike */
            mloda_source_provider p;
            mloda_error err = MLODA_ERROR_INIT;
            mloda_status st =
                kind == 0 ? mloda_source_init_csv(csv_path, NULL, (const void *)block, &p, &err)
                          : mloda_source_init_sqlite("x.db", "t", NULL, (const void *)block, &p,
                                                     &err);
            CHECK_MSG(st == cases[k].st, "kind %d: status %s (%s)", kind, mloda_status_name(st),
                      err.message);
            CHECK_EQ_INT(err.code, st);
            if (st != MLODA_OK) {
                CHECK_CONTAINS(err.message, cases[k].want);
                CHECK(p.user_data == NULL); /* *out zeroed on failure */
            } else if (kind == 0) {
                char text[256];
                schema_text(&p, text, sizeof text);
                CHECK_STR(text, cases[k].want);
            }
            mloda_source_reset(&p);
        }
        free(block);
    }
}

int main(void)
{
    (void)snprintf(dir, sizeof dir, "/tmp/mloda_io_abi_XXXXXX");
    if (mkdtemp(dir) == NULL)
        return 1;
    (void)snprintf(csv_path, sizeof csv_path, "%s/t.csv", dir);
    FILE *f = fopen(csv_path, "wb");
    if (f == NULL)
        return 1;
    (void)fputs("a,b\n1,x\n2,y\n", f);
    (void)fclose(f);
    RUN(test_source_options);
    (void)unlink(csv_path);
    (void)rmdir(dir);
    return TEST_SUMMARY();
}
