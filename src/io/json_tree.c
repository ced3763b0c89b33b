/*
 * json_tree.c: events -> io_jt nodes (see json_tree.h). Containers nest at most
 * IO_JT_MAX_DEPTH deep, which bounds the recursion of mloda_io_jt_free as well.
 */
#include "io/json_tree.h"

#include <string.h>

#include "util/util.h"

void mloda_io_jt_builder_init(io_jt_builder *b)
{
    memset(b, 0, sizeof *b);
}

void mloda_io_jt_free(io_jt *node)
{
    if (node == NULL)
        return;
    for (int64_t i = 0; i < node->n; i++)
        mloda_io_jt_free(node->items[i]);
    mloda_free(node->items);
    mloda_free(node->text);
    mloda_free(node->key);
    mloda_free(node);
}

void mloda_io_jt_builder_reset(io_jt_builder *b)
{
    mloda_io_jt_free(b->root);
    mloda_free(b->pending_key);
    memset(b, 0, sizeof *b);
}

io_jt *mloda_io_jt_builder_take(io_jt_builder *b)
{
    if (!b->done)
        return NULL;
    io_jt *root = b->root;
    b->root = NULL;
    return root;
}

const char *mloda_io_jt_kind_text(io_jt_kind kind)
{
    switch (kind) {
    case IO_JT_NULL:
        return "null";
    case IO_JT_BOOL:
        return "true/false";
    case IO_JT_NUMBER:
        return "a number";
    case IO_JT_STRING:
        return "a string";
    case IO_JT_ARRAY:
        return "an array";
    case IO_JT_OBJECT:
        return "an object";
    }
    return "a value";
}

const io_jt *mloda_io_jt_get(const io_jt *obj, const char *key)
{
    if (obj == NULL || obj->kind != IO_JT_OBJECT)
        return NULL;
    for (int64_t i = 0; i < obj->n; i++)
        if (strcmp(obj->items[i]->key, key) == 0)
            return obj->items[i];
    return NULL;
}

static mloda_status add_child(io_jt *parent, io_jt *child, mloda_error *err)
{
    if (parent->n == parent->cap) {
        const int64_t cap = parent->cap == 0 ? 4 : parent->cap * 2;
        io_jt **items = mloda_realloc(parent->items, (size_t)cap * sizeof *items);
        if (items == NULL)
            return MLODA_NOMEM(err, "a JSON node");
        parent->items = items;
        parent->cap = cap;
    }
    parent->items[parent->n++] = child;
    return MLODA_OK;
}

/* Places a new node under the open container (or as the root). */
static mloda_status attach(io_jt_builder *b, io_jt *node, mloda_error *err)
{
    if (b->depth == 0) {
        b->root = node;
        return MLODA_OK;
    }
    io_jt *parent = b->stack[b->depth - 1];
    if (parent->kind == IO_JT_OBJECT) {
        node->key = b->pending_key;
        b->pending_key = NULL;
    }
    mloda_status st = add_child(parent, node, err);
    if (st != MLODA_OK)
        mloda_io_jt_free(node);
    return st;
}

static io_jt *new_node(const io_json_event *ev, io_jt_kind kind)
{
    io_jt *node = mloda_calloc(1, sizeof *node);
    if (node == NULL)
        return NULL;
    node->kind = kind;
    int64_t byte = 0;
    mloda_io_json_parser_where(ev->parser, &node->line, &node->column, &byte);
    return node;
}

static io_jt_kind kind_of(io_json_kind k)
{
    switch (k) {
    case IO_JSON_BOOL:
        return IO_JT_BOOL;
    case IO_JSON_NUMBER:
        return IO_JT_NUMBER;
    case IO_JSON_STRING:
        return IO_JT_STRING;
    case IO_JSON_MAP_START:
        return IO_JT_OBJECT;
    case IO_JSON_ARRAY_START:
        return IO_JT_ARRAY;
    default:
        return IO_JT_NULL;
    }
}

static mloda_status open_or_scalar(io_jt_builder *b, const io_json_event *ev, mloda_error *err)
{
    const io_jt_kind kind = kind_of(ev->kind);
    io_jt *node = new_node(ev, kind);
    if (node == NULL)
        return MLODA_NOMEM(err, "a JSON node");
    node->boolean = ev->boolean;
    if (kind == IO_JT_NUMBER || kind == IO_JT_STRING) {
        node->text = mloda_strndup(ev->text != NULL ? ev->text : "", ev->len);
        node->len = ev->len;
        if (node->text == NULL) {
            mloda_io_jt_free(node);
            return MLODA_NOMEM(err, "a JSON string");
        }
    }
    const bool container = kind == IO_JT_OBJECT || kind == IO_JT_ARRAY;
    if (container && b->depth == IO_JT_MAX_DEPTH) {
        mloda_io_jt_free(node);
        return mloda_error_set(err, MLODA_ERR_PARSE, NULL, "values nest deeper than %d levels",
                               IO_JT_MAX_DEPTH);
    }
    MLODA_TRY(attach(b, node, err));
    if (container)
        b->stack[b->depth++] = node;
    else if (b->depth == 0)
        b->done = true;
    return MLODA_OK;
}

mloda_status mloda_io_jt_builder_event(void *self, const io_json_event *ev, mloda_error *err)
{
    io_jt_builder *b = self;
    if (b->done)
        return mloda_error_set(err, MLODA_ERR_PARSE, NULL, "unexpected %s after the value",
                               ev->kind == IO_JSON_KEY ? "key" : "value");
    switch (ev->kind) {
    case IO_JSON_KEY:
        if (memchr(ev->text, '\0', ev->len) != NULL)
            return mloda_error_set(err, MLODA_ERR_PARSE, NULL,
                                   "a key must not contain NUL characters");
        mloda_free(b->pending_key);
        b->pending_key = mloda_strndup(ev->text, ev->len);
        return b->pending_key != NULL ? MLODA_OK : MLODA_NOMEM(err, "a JSON key");
    case IO_JSON_MAP_END:
    case IO_JSON_ARRAY_END:
        if (b->depth > 0 && --b->depth == 0)
            b->done = true;
        return MLODA_OK;
    default:
        return open_or_scalar(b, ev, err);
    }
}
