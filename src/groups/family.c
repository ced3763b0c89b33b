/*
 * family.c: reading a feature's name and options as a family member (see family.h).
 *
 * The pattern is read part by part: literal text, and {option} references to the
 * parameters. A TOKEN field runs to the next literal (or to the end); a COUNT field is a
 * run of digits (or "auto"). A name reads as the family when the whole suffix matches.
 * A name that does not match but carries the pattern's distinctive literals (one of at
 * least three characters, anchored where the pattern anchors it) "looks like" the family:
 * that is a near miss worth explaining rather than a different feature.
 */
#include "groups/family.h"

#include <stdio.h>
#include <string.h>

#include "util/util.h"

enum { MAX_PARTS = 2 * MLODA_FAMILY_MAX_PARAMS + 1, LONG_LITERAL = 3 };

typedef struct part {
    const char *text; /* literal: its text; field: NULL */
    size_t len;       /* literal length */
    int param;        /* field: index into spec->params */
} part;

typedef struct field_text {
    const char *s;
    size_t len;
} field_text;

/* ---------------------------------------------------------------- the pattern */

static int param_index(const mloda_family_spec *spec, const char *key, size_t len)
{
    for (int i = 0; i < spec->n_params; i++) {
        if (strlen(spec->params[i].option) == len && strncmp(spec->params[i].option, key, len) == 0)
            return i;
    }
    return -1;
}

/* Splits the pattern into parts; returns the count, or -1 for a malformed pattern (an
 * unclosed brace, a reference to an unknown parameter, too many parts: a programming error
 * in a family's table, which then matches nothing; tests/groups/test_family.c checks it). */
static int split_pattern(const mloda_family_spec *spec, part *parts)
{
    int n = 0;
    for (const char *p = spec->pattern; *p != '\0'; n++) {
        if (n == MAX_PARTS)
            return -1;
        if (*p == '{') {
            const char *close = strchr(p, '}');
            int param = close == NULL ? -1 : param_index(spec, p + 1, (size_t)(close - p - 1));
            if (param < 0)
                return -1;
            parts[n] = (part){NULL, 0, param};
            p = close + 1;
        } else {
            const char *brace = strchr(p, '{');
            size_t len = brace != NULL ? (size_t)(brace - p) : strlen(p);
            parts[n] = (part){p, len, -1};
            p += len;
        }
    }
    return n;
}

static bool in_pattern(const part *parts, int n_parts, int param)
{
    for (int k = 0; k < n_parts; k++) {
        if (parts[k].text == NULL && parts[k].param == param)
            return true;
    }
    return false;
}

/* First occurrence of the len bytes of lit in s (lit is a part of a pattern, not
 * NUL-terminated there); NULL when there is none. */
static const char *find_literal(const char *s, const char *lit, size_t len)
{
    for (; *s != '\0'; s++) {
        if (strncmp(s, lit, len) == 0)
            return s;
    }
    return NULL;
}

static size_t digits(const char *s)
{
    size_t n = 0;
    while (s[n] >= '0' && s[n] <= '9')
        n++;
    return n;
}

/* Reads suffix as the pattern: true with each field's text when the whole suffix matches.
 * lenient: COUNT fields run like tokens (to explain "k 'two' must be ..." precisely). */
static bool read_suffix(const mloda_family_spec *spec, const part *parts, int n_parts,
                        const char *suffix, bool lenient, field_text *fields)
{
    const char *p = suffix;
    for (int k = 0; k < n_parts; k++) {
        const part *pt = &parts[k];
        if (pt->text != NULL) {
            if (strncmp(p, pt->text, pt->len) != 0)
                return false;
            p += pt->len;
            continue;
        }
        const mloda_family_param *prm = &spec->params[pt->param];
        size_t len;
        if (prm->kind == MLODA_FAMILY_COUNT && !lenient) {
            len = prm->allow_auto && strncmp(p, "auto", 4) == 0 ? 4 : digits(p);
        } else if (k + 1 < n_parts && parts[k + 1].text != NULL) {
            /* a token runs to the next literal; it is never empty */
            const char *next =
                *p != '\0' ? find_literal(p + 1, parts[k + 1].text, parts[k + 1].len) : NULL;
            if (next == NULL)
                return false;
            len = (size_t)(next - p);
        } else {
            len = strlen(p);
        }
        if (len == 0)
            return false;
        fields[pt->param] = (field_text){p, len};
        p += len;
    }
    return *p == '\0';
}

/* The suffix carries the pattern's anchors (a leading and a trailing literal) where the
 * pattern has them, and its distinctive literals (LONG_LITERAL or more characters), at
 * least one of which exists: "sum_day_window" looks like a time window. */
static bool looks_like(const part *parts, int n_parts, const char *suffix)
{
    size_t slen = strlen(suffix);
    const char *from = suffix, *to = suffix + slen; /* where middle literals may lie */
    bool distinctive = false;
    if (n_parts > 0 && parts[0].text != NULL) {
        if (strncmp(suffix, parts[0].text, parts[0].len) != 0)
            return false;
        from += parts[0].len;
        distinctive = parts[0].len >= LONG_LITERAL;
    }
    const part *last = n_parts > 1 ? &parts[n_parts - 1] : NULL;
    if (last != NULL && last->text != NULL) {
        if ((size_t)(to - from) < last->len || strncmp(to - last->len, last->text, last->len) != 0)
            return false;
        to -= last->len;
        distinctive = distinctive || last->len >= LONG_LITERAL;
    }
    for (int k = 1; k < n_parts - 1; k++) {
        if (parts[k].text == NULL || parts[k].len < LONG_LITERAL)
            continue;
        const char *at = find_literal(from, parts[k].text, parts[k].len);
        if (at == NULL || at + parts[k].len > to)
            return false;
        from = at + parts[k].len;
        distinctive = true;
    }
    return distinctive;
}

/* true when the part after the last "__" holds a '~' (a column selector, F~k). */
static bool has_selector(const char *name)
{
    const char *from = name;
    for (const char *p = name; p[0] != '\0' && p[1] != '\0'; p++) {
        if (p[0] == '_' && p[1] == '_')
            from = p + 2;
    }
    return strchr(from, '~') != NULL;
}

static void pattern_form(const mloda_family_spec *spec, char *buf, size_t cap)
{
    (void)snprintf(buf, cap, "{in}__%s (e.g. %s)", spec->pattern, spec->example);
}

/* ---------------------------------------------------------------- values */

static int find_token(const mloda_family_param *prm, const char *s, size_t len)
{
    for (int i = 0; i < prm->n_tokens; i++) {
        if (strlen(prm->tokens[i]) == len && strncmp(prm->tokens[i], s, len) == 0)
            return i;
    }
    return -1;
}

/* A positive decimal of len digits within the parameter's range ("auto" = 0 if allowed). */
static bool parse_count(const mloda_family_param *prm, const char *s, size_t len, int64_t *out)
{
    if (prm->allow_auto && len == 4 && strncmp(s, "auto", 4) == 0) {
        *out = 0;
        return true;
    }
    const int64_t max = prm->max > 0 ? prm->max : INT64_MAX;
    int64_t v = 0;
    if (len == 0)
        return false;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        int d = s[i] - '0';
        if (v > (max - d) / 10)
            return false;
        v = v * 10 + d;
    }
    *out = v;
    return v > 0;
}

static void count_rule(const mloda_family_param *prm, char *buf, size_t cap)
{
    if (prm->max > 0)
        (void)snprintf(buf, cap, "an integer from 1 to %lld%s", (long long)prm->max,
                       prm->allow_auto ? " or auto" : "");
    else
        (void)snprintf(buf, cap, "a positive integer%s", prm->allow_auto ? " or auto" : "");
}

/* Checks a token read from the name or an option: known and usable. */
static mloda_status check_token(const mloda_family_param *prm, const char *name, const char *s,
                                size_t len, bool in_name, int *out, mloda_error *why)
{
    int k = find_token(prm, s, len);
    if (k < 0 && in_name)
        return mloda_error_set(why, MLODA_ERR_RESOLVE, name, "unknown %s '%.*s' in '%s'; allowed: %s",
                               prm->what, (int)(len < 64 ? len : 64), s, name, prm->allowed);
    if (k < 0)
        return mloda_error_set(why, MLODA_ERR_OPTION, name,
                               "option %s of '%s' is '%.*s'; allowed: %s", prm->option, name,
                               (int)(len < 64 ? len : 64), s, prm->allowed);
    if (k >= prm->n_usable)
        return mloda_error_set(why, MLODA_ERR_RESOLVE, name, "%s '%s' %s; available: %s",
                               prm->what, prm->tokens[k],
                               prm->refused_why != NULL ? prm->refused_why
                                                        : "is not implemented in mloda-c",
                               prm->allowed);
    *out = k;
    return MLODA_OK;
}

/* An option's value, read and typed: present/absent and its text form for messages. */
typedef struct opt_value {
    bool present;
    int64_t num;
    const char *text;  /* TOKEN / COLUMN / a COUNT given as a string */
    char shown[64];    /* the value as the user wrote it, for messages */
} opt_value;

static bool absent(const mloda_options *o, const char *key)
{
    mloda_value_kind k = mloda_options_kind(o, key);
    return k == MLODA_VALUE_NONE || k == MLODA_VALUE_NULL;
}

/* Reads and types the option of one parameter (values are checked later). */
static mloda_status read_option(const mloda_family_param *prm, const char *name,
                                const mloda_options *o, opt_value *v, mloda_error *why)
{
    memset(v, 0, sizeof *v);
    if (absent(o, prm->option))
        return MLODA_OK;
    v->present = true;
    bool b = false;
    switch (prm->kind) {
    case MLODA_FAMILY_TOKEN:
        if (!mloda_options_get_string(o, prm->option, &v->text))
            return mloda_error_set(why, MLODA_ERR_OPTION, name,
                                   "option %s of '%s' must be a string (one of %s)",
                                   prm->option, name, prm->allowed);
        (void)snprintf(v->shown, sizeof v->shown, "%s", v->text);
        return MLODA_OK;
    case MLODA_FAMILY_COUNT:
        if (mloda_options_get_int(o, prm->option, &v->num)) {
            (void)snprintf(v->shown, sizeof v->shown, "%lld", (long long)v->num);
        } else if (mloda_options_get_string(o, prm->option, &v->text)) {
            (void)snprintf(v->shown, sizeof v->shown, "%s", v->text);
        } else {
            char rule[64];
            count_rule(prm, rule, sizeof rule);
            return mloda_error_set(why, MLODA_ERR_OPTION, name,
                                   "option %s of '%s' must be %s", prm->option, name, rule);
        }
        return MLODA_OK;
    case MLODA_FAMILY_FLAG:
        if (!mloda_options_get_bool(o, prm->option, &b))
            return mloda_error_set(why, MLODA_ERR_OPTION, name,
                                   "option %s of '%s' must be true or false", prm->option, name);
        v->num = b;
        return MLODA_OK;
    case MLODA_FAMILY_COLUMN:
        if (!mloda_options_get_string(o, prm->option, &v->text) || v->text[0] == '\0')
            return mloda_error_set(why, MLODA_ERR_OPTION, name,
                                   "option %s of '%s' must be a non-empty column name",
                                   prm->option, name);
        return MLODA_OK;
    }
    return MLODA_OK;
}

/* The value of a pattern parameter given as an option (option form). */
static mloda_status option_param_value(const mloda_family_param *prm, const char *name,
                                       const opt_value *v, int64_t *out, mloda_error *why)
{
    if (prm->kind == MLODA_FAMILY_TOKEN) {
        int k = -1;
        MLODA_TRY(check_token(prm, name, v->text, strlen(v->text), false, &k, why));
        *out = k;
        return MLODA_OK;
    }
    bool ok = v->text != NULL ? parse_count(prm, v->text, strlen(v->text), out)
                              : (v->num > 0 && (prm->max <= 0 || v->num <= prm->max) &&
                                 (*out = v->num, true));
    if (ok)
        return MLODA_OK;
    char rule[64];
    count_rule(prm, rule, sizeof rule);
    return mloda_error_set(why, MLODA_ERR_OPTION, name, "option %s of '%s' is '%s'; it must be %s",
                           prm->option, name, v->shown, rule);
}

/* The value of a pattern parameter read from the name. */
static mloda_status name_param_value(const mloda_family_param *prm, const char *name,
                                     field_text t, int64_t *out, mloda_error *why)
{
    if (prm->kind == MLODA_FAMILY_TOKEN) {
        int k = -1;
        MLODA_TRY(check_token(prm, name, t.s, t.len, true, &k, why));
        *out = k;
        return MLODA_OK;
    }
    if (parse_count(prm, t.s, t.len, out))
        return MLODA_OK;
    char rule[64];
    count_rule(prm, rule, sizeof rule);
    return mloda_error_set(why, MLODA_ERR_RESOLVE, name, "%s '%.*s' in '%s' must be %s", prm->what,
                           (int)(t.len < 40 ? t.len : 40), t.s, name, rule);
}

/* Whether an option's value says the same as the name's value. */
static bool agrees(const mloda_family_param *prm, const opt_value *v, int64_t named)
{
    if (prm->kind == MLODA_FAMILY_TOKEN)
        return strcmp(v->text, prm->tokens[named]) == 0;
    int64_t n = 0;
    return v->text != NULL ? parse_count(prm, v->text, strlen(v->text), &n) && n == named
                           : v->num == named;
}

/* ---------------------------------------------------------------- reading a feature */

/* The option form: every pattern parameter from its option, and in_features. */
static mloda_status read_option_form(const mloda_family_spec *spec, const part *parts,
                                     int n_parts, const mloda_feature *f, const opt_value *opts,
                                     mloda_family_values *out, mloda_error *why)
{
    const char *name = mloda_feature_name(f);
    char missing[160] = "";
    const char *first = NULL;
    for (int i = 0; i < spec->n_params; i++) {
        if (!in_pattern(parts, n_parts, i))
            continue;
        if (opts[i].present) {
            first = first != NULL ? first : spec->params[i].option;
            continue;
        }
        size_t used = strlen(missing);
        (void)snprintf(missing + used, sizeof missing - used, " %s", spec->params[i].option);
    }
    if (missing[0] != '\0')
        return mloda_error_set(why, MLODA_ERR_OPTION, name,
                               "feature '%s' sets %s but lacks option(s)%s", name, first, missing);
    for (int i = 0; i < spec->n_params; i++) {
        if (in_pattern(parts, n_parts, i))
            MLODA_TRY(option_param_value(&spec->params[i], name, &opts[i], &out->num[i], why));
    }
    if (absent(mloda_feature_options(f), "in_features"))
        return mloda_error_set(why, MLODA_ERR_OPTION, name, "feature '%s' sets %s but no in_features%s",
                               name, first, spec->inputs_hint != NULL ? spec->inputs_hint : "");
    out->from_name = false;
    return MLODA_OK;
}

/* Whether the options set are meant for this family (family.h): its main choice is set
 * (for a shared key: to one of its tokens, or else half its other options are set), or at
 * least half its pattern's options are. */
static bool meant_for(const mloda_family_spec *spec, const part *parts, int n_parts,
                      const opt_value *opts)
{
    int key = -1, n_in = 0, n_present = 0;
    for (int i = 0; i < spec->n_params; i++) {
        if (!in_pattern(parts, n_parts, i))
            continue;
        n_in++;
        n_present += opts[i].present;
        if (key < 0 && spec->params[i].kind == MLODA_FAMILY_TOKEN)
            key = i;
    }
    if (key < 0 || !opts[key].present)
        return 2 * n_present >= n_in && n_present > 0;
    const mloda_family_param *prm = &spec->params[key];
    if (!prm->shared)
        return true;
    for (int t = 0; t < prm->n_tokens; t++) {
        if (strcmp(opts[key].text, prm->tokens[t]) == 0)
            return true;
    }
    /* another family's value of a shared key: ours only if our other options are there */
    return n_present > 1 && 2 * (n_present - 1) >= n_in - 1;
}

/* The name form: values from the name; options that say otherwise are a hard error. */
static mloda_status read_name_form(const mloda_family_spec *spec, const part *parts,
                                   int n_parts, const mloda_feature *f, const field_text *fields,
                                   const opt_value *opts, mloda_family_values *out,
                                   bool *hard, mloda_error *why)
{
    const char *name = mloda_feature_name(f);
    for (int i = 0; i < spec->n_params; i++) {
        if (in_pattern(parts, n_parts, i))
            MLODA_TRY(name_param_value(&spec->params[i], name, fields[i], &out->num[i], why));
    }
    for (int i = 0; i < spec->n_params; i++) {
        const mloda_family_param *prm = &spec->params[i];
        if (!in_pattern(parts, n_parts, i) || !opts[i].present || agrees(prm, &opts[i], out->num[i]))
            continue;
        *hard = true;
        return mloda_error_set(why, MLODA_ERR_OPTION, name,
                               "feature '%s' names %s '%.*s' but option '%s' says '%s'; give one",
                               name, prm->what, (int)(fields[i].len < 64 ? fields[i].len : 64),
                               fields[i].s, prm->option, opts[i].shown);
    }
    out->from_name = true;
    return MLODA_OK;
}

/* Option-only parameters: their options or their defaults. */
static mloda_status read_settings(const mloda_family_spec *spec, const part *parts, int n_parts,
                                  const opt_value *opts, const char *name,
                                  mloda_family_values *out, mloda_error *why)
{
    for (int i = 0; i < spec->n_params; i++) {
        const mloda_family_param *prm = &spec->params[i];
        if (in_pattern(parts, n_parts, i))
            continue;
        out->num[i] = prm->dflt;
        out->text[i] = prm->dflt_text;
        if (!opts[i].present)
            continue;
        if (prm->kind == MLODA_FAMILY_TOKEN)
            MLODA_TRY(option_param_value(prm, name, &opts[i], &out->num[i], why));
        else if (prm->kind == MLODA_FAMILY_COUNT)
            MLODA_TRY(option_param_value(prm, name, &opts[i], &out->num[i], why));
        else if (prm->kind == MLODA_FAMILY_FLAG)
            out->num[i] = opts[i].num;
        else
            out->text[i] = opts[i].text;
    }
    return MLODA_OK;
}

mloda_status mloda_family_read(const mloda_family_spec *spec, const mloda_feature *f,
                               mloda_family_values *out, bool *found, mloda_error *why)
{
    part parts[MAX_PARTS];
    int n_parts = spec->n_params <= MLODA_FAMILY_MAX_PARAMS ? split_pattern(spec, parts) : -1;
    const char *name = mloda_feature_name(f);
    const char *suffix = mloda_feature_chain_suffix(f);
    const mloda_options *o = mloda_feature_options(f);
    field_text fields[MLODA_FAMILY_MAX_PARAMS] = {{NULL, 0}};
    memset(out, 0, sizeof *out);
    *found = false;
    if (n_parts < 0)
        return MLODA_OK; /* a malformed family table matches nothing */

    bool reads = suffix != NULL && read_suffix(spec, parts, n_parts, suffix, false, fields);
    bool looks = !reads && suffix != NULL && looks_like(parts, n_parts, suffix);
    /* a name of the family's shape with a malformed count reads leniently, so that the
     * count's own check explains it */
    bool lenient = looks && read_suffix(spec, parts, n_parts, suffix, true, fields);
    bool any_option = false, all_options = true;
    for (int i = 0; i < spec->n_params; i++) {
        if (!in_pattern(parts, n_parts, i))
            continue;
        bool has = !absent(o, spec->params[i].option);
        any_option = any_option || has;
        all_options = all_options && has;
    }
    if (!reads && !looks && (!any_option || has_selector(name)))
        return MLODA_OK; /* not of this family */

    opt_value opts[MLODA_FAMILY_MAX_PARAMS];
    for (int i = 0; i < spec->n_params; i++) {
        if (read_option(&spec->params[i], name, o, &opts[i], why) != MLODA_OK)
            return MLODA_OK; /* a near miss */
    }
    if (!reads && !looks && !meant_for(spec, parts, n_parts, opts))
        return MLODA_OK; /* options of another family (see family.h) */
    bool hard = false;
    mloda_status st;
    if (reads || (lenient && !all_options)) {
        st = read_name_form(spec, parts, n_parts, f, fields, opts, out, &hard, why);
    } else if (looks && !all_options) { /* malformed, and the options do not say it all */
        char form[160];
        pattern_form(spec, form, sizeof form);
        st = mloda_error_set(why, MLODA_ERR_RESOLVE, name, "'%s' does not read as %s", name, form);
    } else {
        st = read_option_form(spec, parts, n_parts, f, opts, out, why);
    }
    if (hard)
        return st;
    if (st == MLODA_OK)
        st = read_settings(spec, parts, n_parts, opts, name, out, why);
    if (st == MLODA_OK && spec->check != NULL)
        st = spec->check(f, out, why);
    *found = st == MLODA_OK;
    return MLODA_OK;
}

mloda_status mloda_family_match(const mloda_family_spec *spec, const mloda_feature *f,
                                bool *out_match, void **out_parsed, mloda_error *why)
{
    mloda_family_values v;
    bool found = false;
    *out_match = false;
    MLODA_TRY(mloda_family_read(spec, f, &v, &found, why));
    if (!found)
        return MLODA_OK;
    mloda_family_values *copy = mloda_malloc(sizeof *copy);
    if (copy == NULL)
        return MLODA_NOMEM(why, "a parsed feature name");
    *copy = v;
    *out_parsed = copy;
    *out_match = true;
    return MLODA_OK;
}

void mloda_family_parsed_free(void *user_data, void *parsed)
{
    (void)user_data;
    mloda_free(parsed);
}

const mloda_family_values *mloda_family_of(const mloda_feature *f)
{
    return mloda_feature_parsed(f);
}
