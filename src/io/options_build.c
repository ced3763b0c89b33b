/*
 * options_build.c: a feature's JSON "options" -> mloda_options.
 *
 * Values are JSON scalars or lists of scalars (SPEC.md §1.5). Integers stay int64 and
 * floats float64, so an option reads back exactly as written. Two shapes:
 *   {"aggregation_type": "sum", "in_features": "x"}            every key in the context bucket
 *   {"group": {"k": v}, "context": {"k": v}}                   buckets chosen explicitly
 * The explicit shape is recognised when the object has only "group" and/or "context" keys
 * and their values are objects (option values are never objects, so nothing is ambiguous).
 */
#include "io/request_build.h"

#include <stdio.h>
#include <string.h>

#include "io/column_reader.h"
#include "util/util.h"

/* Who the values belong to, for messages: "feature 'x'" / "link 0" and "option" /
 * "parameter"; subject is the error's subject. */
typedef struct opt_ctx {
    const char *source;
    const char *subject;
    char owner[400];
    const char *noun;
} opt_ctx;

static bool is_bucket_shape(const io_jt *tree)
{
    if (tree->n == 0)
        return false;
    for (int64_t i = 0; i < tree->n; i++) {
        const io_jt *m = tree->items[i];
        if (m->kind != IO_JT_OBJECT ||
            (strcmp(m->key, "group") != 0 && strcmp(m->key, "context") != 0))
            return false;
    }
    return true;
}

/* A number option value: int64 when written as an integer that fits, else float64. */
static mloda_status option_number(const opt_ctx *c, const char *key, const io_jt *node,
                                  io_number *num, mloda_error *err)
{
    if (mloda_io_number_parse(node->text, node->len, num))
        return MLODA_OK;
    if (num->nomem)
        return MLODA_NOMEM(err, "a number");
    return mloda_io_jt_error(c->source, node, MLODA_ERR_RANGE, c->subject, err,
                       "%s, %s '%s': the number %s is out of range", c->owner, c->noun, key,
                       node->text);
}

static mloda_status append_list_item(const opt_ctx *c, const char *key, const io_jt *item,
                                     mloda_options *o, mloda_error *err)
{
    io_number num;
    switch (item->kind) {
    case IO_JT_STRING:
        if (strlen(item->text) != item->len)
            break;
        return mloda_options_list_append_string(o, key, item->text, err);
    case IO_JT_BOOL:
        return mloda_options_list_append_bool(o, key, item->boolean, err);
    case IO_JT_NUMBER:
        MLODA_TRY(option_number(c, key, item, &num, err));
        if (num.is_int && !num.int_overflow)
            return mloda_options_list_append_int(o, key, num.i, err);
        return mloda_options_list_append_float(o, key, num.d, err);
    default:
        break;
    }
    return mloda_io_jt_error(c->source, item, MLODA_ERR_OPTION, c->subject, err,
                       "%s, %s '%s': list items must be strings (without NUL), "
                       "numbers or true/false, found %s",
                       c->owner, c->noun, key, mloda_io_jt_kind_text(item->kind));
}

static mloda_status set_value(const opt_ctx *c, const io_jt *v, mloda_option_bucket bucket,
                              mloda_options *o, mloda_error *err)
{
    const char *key = v->key;
    io_number num;
    switch (v->kind) {
    case IO_JT_NULL:
        return mloda_options_set_null(o, bucket, key, err);
    case IO_JT_BOOL:
        return mloda_options_set_bool(o, bucket, key, v->boolean, err);
    case IO_JT_STRING:
        if (strlen(v->text) != v->len)
            break;
        return mloda_options_set_string(o, bucket, key, v->text, err);
    case IO_JT_NUMBER:
        MLODA_TRY(option_number(c, key, v, &num, err));
        if (num.is_int && !num.int_overflow)
            return mloda_options_set_int(o, bucket, key, num.i, err);
        return mloda_options_set_float(o, bucket, key, num.d, err);
    case IO_JT_ARRAY:
        MLODA_TRY(mloda_options_set_list(o, bucket, key, err));
        for (int64_t i = 0; i < v->n; i++)
            MLODA_TRY(append_list_item(c, key, v->items[i], o, err));
        return MLODA_OK;
    case IO_JT_OBJECT:
        break;
    }
    return mloda_io_jt_error(c->source, v, MLODA_ERR_OPTION, c->subject, err,
                       "%s, %s '%s': a value is a string, number, true/false, "
                       "null or a list of those, found %s",
                       c->owner, c->noun, key,
                       v->kind == IO_JT_STRING ? "a string with a NUL character"
                                               : mloda_io_jt_kind_text(v->kind));
}

static mloda_status set_bucket(const opt_ctx *c, const io_jt *obj, mloda_option_bucket bucket,
                               mloda_options *o, mloda_error *err)
{
    for (int64_t i = 0; i < obj->n; i++) {
        const io_jt *v = obj->items[i];
        if (v->key[0] == '\0')
            return mloda_io_jt_error(c->source, v, MLODA_ERR_OPTION, c->subject, err,
                               "%s: %s %s name is empty", c->owner,
                               c->noun[0] == 'o' ? "an" : "a", c->noun);
        if (mloda_options_has(o, v->key))
            return mloda_io_jt_error(c->source, v, MLODA_ERR_OPTION, c->subject, err,
                               "%s: %s '%s' is given twice", c->owner, c->noun, v->key);
        MLODA_TRY(set_value(c, v, bucket, o, err));
    }
    return MLODA_OK;
}

mloda_status mloda_io_build_options(const char *source, const char *feature, const io_jt *tree,
                              mloda_options **out, mloda_error *err)
{
    opt_ctx c = {source, feature, "", "option"};
    (void)snprintf(c.owner, sizeof c.owner, "feature '%s'", feature);
    *out = NULL;
    if (tree->kind != IO_JT_OBJECT)
        return mloda_io_jt_error(source, tree, MLODA_ERR_OPTION, feature, err,
                           "feature '%s': \"options\" must be an object of option values, "
                           "found %s",
                           feature, mloda_io_jt_kind_text(tree->kind));
    mloda_options *o = mloda_options_new();
    if (o == NULL)
        return MLODA_NOMEM(err, "options");
    mloda_status st = MLODA_OK;
    if (is_bucket_shape(tree)) {
        for (int64_t i = 0; st == MLODA_OK && i < tree->n; i++) {
            const io_jt *b = tree->items[i];
            const mloda_option_bucket bucket =
                strcmp(b->key, "group") == 0 ? MLODA_GROUP : MLODA_CONTEXT;
            st = set_bucket(&c, b, bucket, o, err);
        }
    } else {
        st = set_bucket(&c, tree, MLODA_CONTEXT, o, err);
    }
    if (st != MLODA_OK) {
        mloda_options_free(o);
        return st;
    }
    *out = o;
    return MLODA_OK;
}

mloda_status mloda_io_build_params(const char *source, const char *owner, const char *subject,
                             const io_jt *tree, mloda_options **out, mloda_error *err)
{
    opt_ctx c = {source, subject, "", "parameter"};
    (void)snprintf(c.owner, sizeof c.owner, "%s", owner);
    *out = NULL;
    if (tree->kind != IO_JT_OBJECT)
        return mloda_io_jt_error(source, tree, MLODA_ERR_OPTION, subject, err,
                           "%s: \"params\" must be an object of parameter values, found %s", owner,
                           mloda_io_jt_kind_text(tree->kind));
    mloda_options *o = mloda_options_new();
    if (o == NULL)
        return MLODA_NOMEM(err, "parameters");
    const mloda_status st = set_bucket(&c, tree, MLODA_CONTEXT, o, err);
    if (st != MLODA_OK) {
        mloda_options_free(o);
        return st;
    }
    *out = o;
    return MLODA_OK;
}
