/*
 * explain.c: renders a plan as text or JSON (like mloda's resolved plan, SPEC.md §5.2):
 * one entry per step with its kind, group, features (requested or dependency-only),
 * parent steps, data source and group options.
 */
#include <string.h>

#include "plan/filter.h"
#include "plan/link.h"
#include "plan/plan.h"
#include "util/util.h"

static const char *kind_name(mloda_step_kind k)
{
    switch (k) {
    case MLODA_STEP_COMPUTE:
        return "compute";
    case MLODA_STEP_JOIN:
        return "join";
    case MLODA_STEP_FILTER:
        return "filter";
    }
    return "compute";
}

static mloda_status render_text(const mloda_plan *p, mloda_buf *b, mloda_error *err)
{
    for (int64_t s = 0; s < p->n_steps; s++) {
        const plan_step *st = &p->steps[s];
        MLODA_TRY(mloda_buf_printf(b, err, "step %lld: %s %s", (long long)s, kind_name(st->kind),
                                   mloda_plan_step_name(p, s)));
        if (st->domain != MLODA_NO_INDEX)
            MLODA_TRY(mloda_buf_printf(b, err, " [table %s]", mloda_plan_domain_name(p, st->domain)));
        if (strcmp(st->group_key, "{}") != 0)
            MLODA_TRY(mloda_buf_printf(b, err, " group options %s", st->group_key));
        if (st->n_parents > 0) {
            MLODA_TRY(mloda_buf_puts(b, " after", err));
            for (int64_t k = 0; k < st->n_parents; k++)
                MLODA_TRY(mloda_buf_printf(b, err, "%s %lld", k ? "," : "",
                                           (long long)st->parents[k]));
        }
        MLODA_TRY(mloda_buf_putc(b, '\n', err));
        for (int64_t f = 0; st->kind == MLODA_STEP_FILTER && f < p->n_filters; f++) {
            if (p->filters[f].source == st->domain)
                MLODA_TRY(mloda_buf_printf(b, err, "  keep %s\n", p->filters[f].description));
        }
        if (st->kind == MLODA_STEP_JOIN)
            MLODA_TRY(mloda_buf_printf(b, err, "  link %s\n",
                                       p->links[st->domain - p->n_sources].description));
        for (int64_t k = 0; k < st->n_features; k++) {
            const plan_node *n = &p->nodes[st->features[k]];
            MLODA_TRY(mloda_buf_printf(b, err, "  %s %s\n",
                                       n->request_pos != MLODA_NO_INDEX ? "requested " : "dependency",
                                       n->feature.name));
        }
    }
    return MLODA_OK;
}

static mloda_status json_names(const mloda_plan *p, const plan_step *st, bool requested,
                               mloda_buf *b, mloda_error *err)
{
    MLODA_TRY(mloda_buf_putc(b, '[', err));
    bool first = true;
    for (int64_t k = 0; k < st->n_features; k++) {
        const plan_node *n = &p->nodes[st->features[k]];
        if ((n->request_pos != MLODA_NO_INDEX) != requested)
            continue;
        if (!first)
            MLODA_TRY(mloda_buf_putc(b, ',', err));
        first = false;
        MLODA_TRY(mloda_buf_json_string(b, n->feature.name, strlen(n->feature.name), err));
    }
    return mloda_buf_putc(b, ']', err);
}

static mloda_status render_json(const mloda_plan *p, mloda_buf *b, mloda_error *err)
{
    MLODA_TRY(mloda_buf_puts(b, "{\"steps\":[", err));
    for (int64_t s = 0; s < p->n_steps; s++) {
        const plan_step *st = &p->steps[s];
        const char *group = mloda_plan_step_name(p, s);
        MLODA_TRY(mloda_buf_printf(b, err, "%s{\"step\":%lld,\"kind\":\"%s\",\"group\":",
                                   s ? "," : "", (long long)s, kind_name(st->kind)));
        MLODA_TRY(mloda_buf_json_string(b, group, strlen(group), err));
        MLODA_TRY(mloda_buf_puts(b, ",\"table\":", err));
        if (st->domain != MLODA_NO_INDEX) {
            const char *t = mloda_plan_domain_name(p, st->domain);
            MLODA_TRY(mloda_buf_json_string(b, t, strlen(t), err));
        } else {
            MLODA_TRY(mloda_buf_puts(b, "null", err));
        }
        MLODA_TRY(mloda_buf_puts(b, ",\"filters\":[", err));
        bool first = true;
        for (int64_t f = 0; st->kind == MLODA_STEP_FILTER && f < p->n_filters; f++) {
            if (p->filters[f].source != st->domain)
                continue;
            if (!first)
                MLODA_TRY(mloda_buf_putc(b, ',', err));
            first = false;
            const char *d = p->filters[f].description;
            MLODA_TRY(mloda_buf_json_string(b, d, strlen(d), err));
        }
        MLODA_TRY(mloda_buf_puts(b, "],\"link\":", err));
        if (st->kind == MLODA_STEP_JOIN) {
            const char *d = p->links[st->domain - p->n_sources].description;
            MLODA_TRY(mloda_buf_json_string(b, d, strlen(d), err));
        } else {
            MLODA_TRY(mloda_buf_puts(b, "null", err));
        }
        MLODA_TRY(mloda_buf_puts(b, ",\"requested\":", err));
        MLODA_TRY(json_names(p, st, true, b, err));
        MLODA_TRY(mloda_buf_puts(b, ",\"dependencies\":", err));
        MLODA_TRY(json_names(p, st, false, b, err));
        MLODA_TRY(mloda_buf_puts(b, ",\"after\":[", err));
        for (int64_t k = 0; k < st->n_parents; k++)
            MLODA_TRY(mloda_buf_printf(b, err, "%s%lld", k ? "," : "", (long long)st->parents[k]));
        MLODA_TRY(mloda_buf_printf(b, err, "],\"group_options\":%s,\"result\":", st->group_key));
        if (st->result != MLODA_NO_INDEX)
            MLODA_TRY(mloda_buf_printf(b, err, "%lld}", (long long)st->result));
        else
            MLODA_TRY(mloda_buf_puts(b, "null}", err));
    }
    return mloda_buf_puts(b, "]}", err);
}

mloda_status mloda_plan_render(const mloda_plan *plan, mloda_plan_format format, char **out,
                               mloda_error *err)
{
    *out = NULL;
    mloda_buf b = {0};
    mloda_status st = format == MLODA_PLAN_JSON ? render_json(plan, &b, err)
                                                : render_text(plan, &b, err);
    if (st == MLODA_OK) {
        *out = mloda_buf_take(&b);
        if (*out == NULL)
            st = MLODA_NOMEM(err, "the plan text");
    }
    mloda_buf_reset(&b);
    return st;
}
