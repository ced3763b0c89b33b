/*
 * resolve_error.c: renders resolution failures into one mloda_error. Messages are built
 * in fixed stack buffers so that reporting never allocates.
 */
#include "plan/resolve_error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util/util.h"

enum { MSG = MLODA_ERROR_MESSAGE_MAX };
/* Names quoted in these messages are cut in the middle to at most NAME bytes, so that a
 * long name cannot push the reasons out of the message (issue 16). */
enum { NAME = 2 * MLODA_ELIDE_KEEP + 4 };

/* name, elided into a buffer of NAME bytes (the caller's). */
#define SHORT(name, buf) mloda_elide_name((name), (buf), sizeof(buf))

void mloda_resolve_reasons_init(resolve_reasons *r)
{
    r->n = 0;
}

void mloda_resolve_reasons_add(resolve_reasons *r, const char *group, const char *why)
{
    if (r->n >= RESOLVE_MAX_REASONS)
        return;
    char tmp[MLODA_ERROR_MESSAGE_MAX + 64];
    int n = snprintf(tmp, sizeof tmp, "%s: %s", group, why);
    size_t len = n < 0 ? 0 : (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1;
    len = mloda_elide_quoted(tmp, len, sizeof r->text[0] - 1); /* the reason after a name */
    if (len >= sizeof r->text[0]) /* no long name to shorten: cut (between characters) */
        len = sizeof r->text[0] - 1;
    while (len > 0 && ((unsigned char)tmp[len] & 0xC0) == 0x80)
        len--;
    memcpy(r->text[r->n], tmp, len);
    r->text[r->n++][len] = '\0';
}

/* Appends printf output to buf (cap bytes), truncating silently. */
static void appendf(char *buf, size_t cap, const char *fmt, ...) MLODA_PRINTF(3, 4);
static void appendf(char *buf, size_t cap, const char *fmt, ...)
{
    size_t len = strlen(buf);
    if (len + 1 >= cap)
        return;
    va_list ap;
    va_start(ap, fmt);
    (void)vsnprintf(buf + len, cap - len, fmt, ap);
    va_end(ap);
}

/* " (needed by 'a' <- needed by 'b')": the chain from the failing node up to the request. */
static void append_chain(char *buf, size_t cap, const mloda_plan *plan, const int64_t *stack,
                         int64_t depth, int64_t node)
{
    bool first = true;
    for (int64_t i = depth - 1; i >= 0; i--) {
        if (stack[i] == node)
            continue;
        char nb[NAME];
        appendf(buf, cap, first ? " (needed by '%s'" : ", needed by '%s'",
                SHORT(plan->nodes[stack[i]].feature.name, nb));
        first = false;
    }
    if (!first)
        appendf(buf, cap, ")");
}

/* Up to three data-source columns close to name ("did you mean"). */
static void append_suggestions(char *buf, size_t cap, const mloda_plan *plan, const char *name)
{
    size_t limit = strlen(name) / 3 + 1;
    if (limit < 2)
        limit = 2;
    int shown = 0;
    for (size_t d = 1; d <= limit && shown < 3; d++) {
        for (int64_t s = 0; s < plan->n_sources && shown < 3; s++) {
            const mloda_table *t = plan->sources[s].schema;
            for (int64_t c = 0; c < mloda_table_n_columns(t) && shown < 3; c++) {
                const char *col = mloda_table_column_name(t, c);
                if (mloda_name_distance(name, col, limit + 1) == d) {
                    appendf(buf, cap, shown == 0 ? "; did you mean '%s'" : " or '%s'", col);
                    shown++;
                }
            }
        }
    }
}

/* The fixed ending of a pattern line after its last placeholder: "_aggr" for
 * "{in}__{op}_aggr"; NULL when the line ends with a placeholder. */
static const char *pattern_ending(const char *line, size_t len, size_t *out_len)
{
    size_t i = len;
    while (i > 0 && line[i - 1] != '}')
        i--;
    if (i == 0 || i == len)
        return NULL;
    *out_len = len - i;
    return line + i;
}

/* For a chained name whose operation nobody recognised, the closest operation ending of a
 * group's name patterns: "value__mean_agr" -> "value__mean_aggr". */
static void append_suffix_suggestion(char *buf, size_t cap, const mloda_plan *plan,
                                     const mloda_feature *f)
{
    const char *suffix = f->chain_suffix, *tail = strrchr(suffix, '_');
    if (tail == NULL)
        tail = suffix;
    char best[MLODA_ERROR_SUBJECT_MAX] = "";
    size_t best_d = 3; /* at most two edits */
    for (int64_t g = 0; g < plan->n_groups; g++) {
        const char *pat = plan->groups[g].patterns;
        for (const char *line = pat; line != NULL && *line != '\0';) {
            const char *nl = strchr(line, '\n');
            size_t len = nl != NULL ? (size_t)(nl - line) : strlen(line);
            size_t elen = 0;
            const char *end = pattern_ending(line, len, &elen);
            if (end != NULL && elen < sizeof best && elen > 1) {
                char ending[MLODA_ERROR_SUBJECT_MAX];
                memcpy(ending, end, elen);
                ending[elen] = '\0';
                size_t d = mloda_name_distance(tail, ending, best_d);
                if (d > 0 && d < best_d) {
                    best_d = d;
                    if (snprintf(best, sizeof best, "%s__%.*s%s", f->chain_source,
                                 (int)(tail - suffix), suffix, ending) < 0)
                        best[0] = '\0'; /* a long name is cut short: still a hint */
                }
            }
            line = nl != NULL ? nl + 1 : NULL;
        }
    }
    char nb[NAME];
    if (best[0] != '\0')
        appendf(buf, cap, "; closest: %s", SHORT(best, nb));
}

static void append_known_columns(char *buf, size_t cap, const mloda_plan *plan)
{
    if (plan->n_sources == 0) {
        appendf(buf, cap, "; there are no tables (api_data is empty and no data source is set)");
        return;
    }
    for (int64_t s = 0; s < plan->n_sources; s++) {
        const mloda_table *t = plan->sources[s].schema;
        appendf(buf, cap, s == 0 ? "; columns of table '%s':" : "; of table '%s':",
                plan->sources[s].name);
        for (int64_t c = 0; c < mloda_table_n_columns(t); c++) {
            char nb[NAME];
            appendf(buf, cap, c == 0 ? " %s" : ", %s", SHORT(mloda_table_column_name(t, c), nb));
        }
    }
}

/* Whether some group documents option `key` (a line "key: ..." of its options_doc). */
static bool option_known(const mloda_plan *plan, const char *key, const char **closest,
                         size_t *closest_d)
{
    size_t klen = strlen(key);
    for (int64_t g = 0; g < plan->n_groups; g++) {
        const char *doc = plan->groups[g].options_doc;
        for (const char *line = doc; line != NULL && *line != '\0';) {
            const char *colon = strchr(line, ':'), *nl = strchr(line, '\n');
            if (colon != NULL && (nl == NULL || colon < nl)) {
                size_t n = (size_t)(colon - line);
                if (n == klen && strncmp(line, key, n) == 0)
                    return true;
                char cand[64];
                if (n < sizeof cand) {
                    memcpy(cand, line, n);
                    cand[n] = '\0';
                    size_t d = mloda_name_distance(key, cand, *closest_d);
                    if (d < *closest_d) {
                        *closest_d = d;
                        *closest = line; /* ends at its colon */
                    }
                }
            }
            line = nl != NULL ? nl + 1 : NULL;
        }
    }
    return false;
}

/* "; option 'aggregation_typ' is unknown to every feature group (closest:
 * aggregation_type)" for each
 * option key that no group documents: a misspelt key is why nothing matched. */
static void append_unknown_options(char *buf, size_t cap, const mloda_plan *plan,
                                   const mloda_feature *f)
{
    const mloda_options *o = f->options;
    for (int64_t k = 0; k < mloda_options_n_keys(o); k++) {
        const char *key = mloda_options_key(o, k), *closest = NULL;
        size_t closest_d = 4; /* at most three edits */
        if (option_known(plan, key, &closest, &closest_d))
            continue;
        char nb[NAME];
        appendf(buf, cap, "; option '%s' is unknown to every feature group", SHORT(key, nb));
        if (closest != NULL)
            appendf(buf, cap, " (closest: %.*s)", (int)(strchr(closest, ':') - closest), closest);
    }
}

mloda_status mloda_resolve_error_none(const mloda_plan *plan, int64_t node, const resolve_reasons *r,
                                const int64_t *stack, int64_t depth, mloda_error *err)
{
    const char *name = plan->nodes[node].feature.name;
    char msg[MSG] = "", nb[NAME];
    if (plan->row_id_column != NULL && strcmp(name, plan->row_id_column) == 0) {
        /* the row-id column exists only in filtered tables (sources.c) */
        appendf(msg, sizeof msg,
                "feature '%s' is the request's row_id_column, which only a table with a "
                "filter has, and no filter is set on ",
                SHORT(name, nb));
        appendf(msg, sizeof msg, plan->n_sources == 1 ? "table '%s'" : "any table",
                plan->n_sources == 1 ? plan->sources[0].name : "");
        appendf(msg, sizeof msg, "; add a filter on the table whose row numbers you want");
        append_chain(msg, sizeof msg, plan, stack, depth, node);
        return mloda_error_set(err, MLODA_ERR_RESOLVE, name, "%s", msg);
    }
    appendf(msg, sizeof msg, "no feature group matches feature '%s'", SHORT(name, nb));
    append_chain(msg, sizeof msg, plan, stack, depth, node);
    append_unknown_options(msg, sizeof msg, plan, &plan->nodes[node].feature);
    if (r->n > 0) {
        for (int64_t i = 0; i < r->n; i++)
            appendf(msg, sizeof msg, "; %s", r->text[i]);
    } else {
        append_suggestions(msg, sizeof msg, plan, name);
        if (plan->nodes[node].feature.chain_suffix == NULL)
            append_known_columns(msg, sizeof msg, plan);
        else
            append_suffix_suggestion(msg, sizeof msg, plan, &plan->nodes[node].feature);
    }
    const char *subject = depth > 0 ? plan->nodes[stack[0]].feature.name : name;
    return mloda_error_set(err, MLODA_ERR_RESOLVE, subject, "%s", msg);
}

mloda_status mloda_resolve_error_ambiguous(const mloda_plan *plan, int64_t node, const int64_t *groups,
                                     int64_t n_groups, const int64_t *stack, int64_t depth,
                                     mloda_error *err)
{
    const char *name = plan->nodes[node].feature.name;
    char msg[MSG] = "", nb[NAME];
    appendf(msg, sizeof msg, "several feature groups match feature '%s'", SHORT(name, nb));
    append_chain(msg, sizeof msg, plan, stack, depth, node);
    appendf(msg, sizeof msg, ": '%s' and '%s'", plan->groups[groups[0]].name,
            plan->groups[groups[1]].name);
    if (n_groups > 2)
        appendf(msg, sizeof msg, " and others");
    return mloda_error_set(err, MLODA_ERR_AMBIGUOUS, name, "%s", msg);
}

mloda_status mloda_resolve_error_cycle(const mloda_plan *plan, int64_t node, const int64_t *stack,
                                 int64_t depth, mloda_error *err)
{
    char msg[MSG] = "", nb[NAME];
    appendf(msg, sizeof msg, "dependency cycle: %s", SHORT(plan->nodes[node].feature.name, nb));
    int64_t start = depth;
    while (start > 0 && stack[start - 1] != node)
        start--;
    for (int64_t i = start; i < depth; i++)
        appendf(msg, sizeof msg, " -> %s", SHORT(plan->nodes[stack[i]].feature.name, nb));
    appendf(msg, sizeof msg, " -> %s", SHORT(plan->nodes[node].feature.name, nb));
    return mloda_error_set(err, MLODA_ERR_CYCLE, plan->nodes[node].feature.name, "%s", msg);
}
