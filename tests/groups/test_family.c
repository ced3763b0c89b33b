/*
 * test_family.c: the family reader (src/groups/family.c) on a family of its own: the name
 * form, the option form, near misses (a reason, no match), hard errors (a name and an
 * option that disagree), counts with "auto", refused tokens, flags, columns with
 * defaults, null options as absent, column selectors, a family-specific check, and a
 * malformed family table (matches nothing).
 */
#include "feature/feature.h"
#include "groups/family.h"
#include "support.h"
#include "test.h"

static const char *const OPS[] = {"sum", "mean", "spectral"};
static const char *const UNITS[] = {"day", "week"};
enum { P_OP, P_N, P_UNIT, P_KEEP, P_REF, P_COUNT };
static const mloda_family_param PARAMS[P_COUNT] = {
    {.option = "op", .what = "op", .kind = MLODA_FAMILY_TOKEN, .tokens = OPS, .n_tokens = 3,
     .n_usable = 2, .allowed = "sum, mean"},
    {.option = "n", .what = "n", .kind = MLODA_FAMILY_COUNT, .max = 1000, .allow_auto = true},
    {.option = "unit", .what = "unit", .kind = MLODA_FAMILY_TOKEN, .tokens = UNITS,
     .n_tokens = 2, .n_usable = 2, .allowed = "day, week"},
    {.option = "keep", .what = "keep", .kind = MLODA_FAMILY_FLAG, .dflt = 0},
    {.option = "ref", .what = "reference column", .kind = MLODA_FAMILY_COLUMN,
     .dflt_text = "time"},
};

/* n above 100 is refused by the family itself (a near miss). */
static mloda_status small_n(const mloda_feature *f, const mloda_family_values *v,
                            mloda_error *why)
{
    if (v->num[P_N] > 100)
        return mloda_error_set(why, MLODA_ERR_RESOLVE, mloda_feature_name(f), "n too large");
    return MLODA_OK;
}

static const mloda_family_spec SPEC = {.pattern = "{op}_over_{n}{unit}",
                                       .example = "x__sum_over_3day",
                                       .n_params = P_COUNT,
                                       .params = PARAMS,
                                       .inputs_hint = " (the column)",
                                       .check = small_n};

/* Options from "key=value" items: value "null", "true"/"false", digits (an int), "'s'" (a
 * string of digits), else a string. */
static mloda_options *options_of(const char *const *items)
{
    mloda_options *o = mloda_options_new();
    for (; items != NULL && *items != NULL; items++) {
        char key[32];
        const char *eq = strchr(*items, '=');
        (void)snprintf(key, sizeof key, "%.*s", (int)(eq - *items), *items);
        const char *v = eq + 1;
        char *end = NULL;
        long long iv = strtoll(v, &end, 10);
        if (strcmp(v, "null") == 0)
            mloda_options_set_null(o, MLODA_GROUP, key, NULL);
        else if (strcmp(v, "true") == 0 || strcmp(v, "false") == 0)
            mloda_options_set_bool(o, MLODA_GROUP, key, v[0] == 't', NULL);
        else if (v[0] != '\0' && *end == '\0')
            mloda_options_set_int(o, MLODA_GROUP, key, iv, NULL);
        else if (v[0] == '\'') {
            char s[32];
            (void)snprintf(s, sizeof s, "%.*s", (int)strlen(v) - 2, v + 1);
            mloda_options_set_string(o, MLODA_GROUP, key, s, NULL);
        } else
            mloda_options_set_string(o, MLODA_GROUP, key, v, NULL);
    }
    return o;
}

enum outcome { FOUND, NOT_OURS, NEAR_MISS, HARD };

static void test_reader(void)
{
    static const struct {
        const char *name;
        const char *opts[6];
        enum outcome want;
        int64_t op, n, unit, keep; /* FOUND */
        const char *ref;           /* FOUND */
        const char *why;           /* NEAR_MISS / HARD: a substring of the message */
    } cases[] = {
        {"x__sum_over_3day", {NULL}, FOUND, 0, 3, 0, 0, "time", NULL},
        {"x__mean_over_autoweek", {NULL}, FOUND, 1, 0, 1, 0, "time", NULL},
        {"x__sum_over_1000week", {NULL}, NEAR_MISS, 0, 0, 0, 0, NULL, "n too large"},
        {"x__sum_over_3day", {"keep=true", "ref=t2"}, FOUND, 0, 3, 0, 1, "t2", NULL},
        {"x__sum_over_3day", {"op=sum", "n='3'", "unit=day"}, FOUND, 0, 3, 0, 0, "time", NULL},
        {"x__sum_over_3day", {"op=null"}, FOUND, 0, 3, 0, 0, "time", NULL},
        {"x__sum_over_3day", {"op=mean"}, HARD, 0, 0, 0, 0, NULL,
         "names op 'sum' but option 'op' says 'mean'"},
        {"x__sum_over_3day", {"n=4"}, HARD, 0, 0, 0, 0, NULL, "names n '3' but option 'n' says '4'"},
        {"x__sum_over_0day", {NULL}, NEAR_MISS, 0, 0, 0, 0, NULL,
         "n '0' in 'x__sum_over_0day' must be an integer from 1 to 1000 or auto"},
        {"x__sum_over_1001day", {NULL}, NEAR_MISS, 0, 0, 0, 0, NULL, "n '1001'"},
        {"x__sum_over_", {NULL}, NEAR_MISS, 0, 0, 0, 0, NULL,
         "does not read as {in}__{op}_over_{n}{unit} (e.g. x__sum_over_3day)"},
        {"x__max_over_3day", {NULL}, NEAR_MISS, 0, 0, 0, 0, NULL,
         "unknown op 'max' in 'x__max_over_3day'; allowed: sum, mean"},
        {"x__spectral_over_3day", {NULL}, NEAR_MISS, 0, 0, 0, 0, NULL,
         "op 'spectral' is not implemented in mloda-c; available: sum, mean"},
        {"x__sum_over_3dayz", {NULL}, NEAR_MISS, 0, 0, 0, 0, NULL, "unknown unit 'dayz'"},
        {"my", {"op=sum", "n=3", "unit=day", "in_features=x"}, FOUND, 0, 3, 0, 0, "time", NULL},
        {"my", {"op=mean", "n='auto'", "unit=week", "in_features=x"}, FOUND, 1, 0, 1, 0, "time",
         NULL},
        {"my", {"op=sum", "in_features=x"}, NEAR_MISS, 0, 0, 0, 0, NULL,
         "feature 'my' sets op but lacks option(s) n unit"},
        {"my", {"op=sum", "n=3", "unit=day"}, NEAR_MISS, 0, 0, 0, 0, NULL,
         "sets op but no in_features (the column)"},
        {"my", {"op=max", "n=3", "unit=day", "in_features=x"}, NEAR_MISS, 0, 0, 0, 0, NULL,
         "option op of 'my' is 'max'; allowed: sum, mean"},
        {"my", {"op=sum", "n=-2", "unit=day", "in_features=x"}, NEAR_MISS, 0, 0, 0, 0, NULL,
         "option n of 'my' is '-2'"},
        {"my", {"op=5"}, NEAR_MISS, 0, 0, 0, 0, NULL, "option op of 'my' must be a string"},
        {"x__sum_over_3day", {"keep=yes"}, NEAR_MISS, 0, 0, 0, 0, NULL,
         "option keep of 'x__sum_over_3day' must be true or false"},
        {"x__sum_over_3day", {"ref=''"}, NEAR_MISS, 0, 0, 0, 0, NULL,
         "must be a non-empty column name"},
        {"my~1", {"op=sum", "n=3", "unit=day", "in_features=x"}, NOT_OURS, 0, 0, 0, 0, NULL, NULL},
        {"x__sum_aggr", {NULL}, NOT_OURS, 0, 0, 0, 0, NULL, NULL},
        {"x", {"keep=true"}, NOT_OURS, 0, 0, 0, 0, NULL, NULL},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        TEST_CASE("%s %s %s", cases[c].name, cases[c].opts[0] ? cases[c].opts[0] : "",
                  cases[c].opts[1] ? cases[c].opts[1] : "");
        mloda_options *o = options_of(cases[c].opts);
        mloda_feature f;
        memset(&f, 0, sizeof f);
        mloda_error err = MLODA_ERROR_INIT;
        CHECK_OK(mloda_feature_init(&f, cases[c].name, o, NULL, &err), err);
        mloda_family_values v;
        bool found = false;
        mloda_error why = MLODA_ERROR_INIT;
        mloda_status st = mloda_family_read(&SPEC, &f, &v, &found, &why);
        switch (cases[c].want) {
        case FOUND:
            CHECK_OK(st, why);
            CHECK(found);
            CHECK_EQ_INT(v.num[P_OP], cases[c].op);
            CHECK_EQ_INT(v.num[P_N], cases[c].n);
            CHECK_EQ_INT(v.num[P_UNIT], cases[c].unit);
            CHECK_EQ_INT(v.num[P_KEEP], cases[c].keep);
            CHECK_STR(v.text[P_REF] != NULL ? v.text[P_REF] : "(null)", cases[c].ref);
            CHECK(v.from_name == (strchr(cases[c].name, '_') != NULL));
            break;
        case NOT_OURS:
            CHECK(st == MLODA_OK && !found && why.code == MLODA_OK);
            break;
        case NEAR_MISS:
            CHECK(st == MLODA_OK && !found && why.code != MLODA_OK);
            CHECK_CONTAINS(why.message, cases[c].why);
            break;
        case HARD:
            CHECK_EQ_INT(st, MLODA_ERR_OPTION);
            CHECK_CONTAINS(why.message, cases[c].why);
            break;
        }
        mloda_feature_reset(&f);
        mloda_options_free(o);
    }
}

/* match attaches a copy of the values that mloda_family_of reads back. */
static void test_match_attaches_values(void)
{
    mloda_feature f;
    memset(&f, 0, sizeof f);
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_OK(mloda_feature_init(&f, "x__mean_over_7week", NULL, NULL, &err), err);
    bool match = false;
    void *parsed = NULL;
    CHECK_OK(mloda_family_match(&SPEC, &f, &match, &parsed, &err), err);
    CHECK(match && parsed != NULL);
    mloda_feature_attach_parsed(&f, parsed, mloda_family_parsed_free, NULL);
    const mloda_family_values *v = mloda_family_of(&f);
    CHECK(v != NULL && v->num[P_OP] == 1 && v->num[P_N] == 7 && v->num[P_UNIT] == 1);
    mloda_feature_reset(&f); /* frees the parsed copy (ASan checks) */
}

/* A family table with a reference to an unknown parameter, an unclosed brace, or too many
 * parameters matches nothing (and never reads past its arrays). */
static void test_malformed_tables_match_nothing(void)
{
    static const char *const patterns[] = {"{op}_over_{nn}{unit}", "{op}_over_{n", "{}x"};
    for (size_t k = 0; k < sizeof patterns / sizeof patterns[0]; k++) {
        TEST_CASE("%s", patterns[k]);
        mloda_family_spec bad = SPEC;
        bad.pattern = patterns[k];
        mloda_feature f;
        memset(&f, 0, sizeof f);
        mloda_error err = MLODA_ERROR_INIT;
        CHECK_OK(mloda_feature_init(&f, "x__sum_over_3day", NULL, NULL, &err), err);
        mloda_family_values v;
        bool found = true;
        CHECK_OK(mloda_family_read(&bad, &f, &v, &found, &err), err);
        CHECK(!found && err.code == MLODA_OK);
        mloda_feature_reset(&f);
    }
}

int main(void)
{
    RUN(test_reader);
    RUN(test_match_attaches_values);
    RUN(test_malformed_tables_match_nothing);
    return TEST_SUMMARY();
}
