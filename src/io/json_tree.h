/*
 * json_tree.h: a small JSON document tree for the request's metadata (features, options,
 * schema, settings), built from parser events. Every node remembers where it appeared,
 * so validation after parsing still names line and column. Data columns never go through
 * here (see api_reader.h). Internal to src/io.
 */
#ifndef MLODA_IO_JSON_TREE_H
#define MLODA_IO_JSON_TREE_H

#include "io/json_events.h"

#define IO_JT_MAX_DEPTH 64

typedef enum io_jt_kind {
    IO_JT_NULL,
    IO_JT_BOOL,
    IO_JT_NUMBER,
    IO_JT_STRING,
    IO_JT_ARRAY,
    IO_JT_OBJECT,
} io_jt_kind;

typedef struct io_jt io_jt;
struct io_jt {
    io_jt_kind kind;
    bool boolean;
    char *text;  /* owned, NUL-terminated: NUMBER as written, STRING decoded */
    size_t len;  /* bytes of text */
    char *key;   /* owned: the member name when inside an object */
    io_jt **items; /* owned: ARRAY elements / OBJECT members in order */
    int64_t n;
    int64_t cap;
    int64_t line;   /* where the value was read */
    int64_t column;
};

typedef struct io_jt_builder {
    io_jt *root;    /* owned until taken */
    io_jt *stack[IO_JT_MAX_DEPTH]; /* borrowed: open containers */
    int depth;
    char *pending_key; /* owned */
    bool done;
} io_jt_builder;

void mloda_io_jt_builder_init(io_jt_builder *b);
/** io_json_handler building a tree of one value. */
mloda_status mloda_io_jt_builder_event(void *self, const io_json_event *ev, mloda_error *err);
/** The finished tree (caller frees with mloda_io_jt_free), NULL unless done. */
io_jt *mloda_io_jt_builder_take(io_jt_builder *b);
void mloda_io_jt_builder_reset(io_jt_builder *b);
void mloda_io_jt_free(io_jt *node);

/** Member `key` of an object node, or NULL. */
const io_jt *mloda_io_jt_get(const io_jt *obj, const char *key);
/** "a string", "an object", ... */
const char *mloda_io_jt_kind_text(io_jt_kind kind);

#endif /* MLODA_IO_JSON_TREE_H */
