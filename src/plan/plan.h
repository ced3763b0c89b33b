/*
 * plan.h: the planning layer offered to the run layer (DESIGN.md §1–2): registry,
 * request, and the immutable plan that prepare builds.
 *
 * A plan holds nodes (one per distinct feature: name + options) and steps (feature sets:
 * the features of one group with equal group options and the same parent steps). Steps
 * are numbered in plan order, a topological order with inputs first; every parent of a
 * step has a smaller index. Result tables are the steps holding requested features.
 * Once built, a plan is never written: runs keep their state elsewhere.
 */
#ifndef MLODA_PLAN_PLAN_H
#define MLODA_PLAN_PLAN_H

#include <stdatomic.h>

#include "feature/feature.h"
#include "mloda/mloda.h"

/* ---------------------------------------------------------------- registry */

typedef struct mloda_registry_entry {
    mloda_feature_group group; /* copied; fields beyond the plugin's struct_size are NULL;
                                  its strings point into `strings` */
    char *strings;             /* owned copies of name, description, ... */
} mloda_registry_entry;

struct mloda_registry {
    atomic_long refs;
    mloda_registry_entry *entries; /* owned */
    int64_t n, cap;
};

/** Adds a reference (sessions keep their registry alive). */
mloda_registry *mloda_registry_retain_internal(const mloda_registry *r);
void mloda_registry_release_internal(const mloda_registry *r);

/* ---------------------------------------------------------------- request */

typedef struct mloda_request_item {
    char *name;             /* owned */
    mloda_options *options; /* owned; may be NULL */
} mloda_request_item;

typedef struct mloda_request_filter {
    char *column;          /* owned */
    char *type;            /* owned */
    mloda_options *params; /* owned; may be NULL */
} mloda_request_filter;

typedef struct mloda_request_link {
    char *type;            /* owned */
    char *left, *right;    /* owned table names */
    int64_t n_keys;
    char **left_on;        /* owned [n_keys] */
    char **right_on;       /* owned [n_keys] */
    mloda_options *params; /* owned; may be NULL */
} mloda_request_link;

/* mloda_limit values: their number, and each one's default and names for messages. */
#define MLODA_N_LIMITS 3
/** The default of limit l; -1 for an unknown one. */
int64_t mloda_limit_default(mloda_limit l);
/** How a message names limit l and its setting: "output cells", "--max-output-cells". */
const char *mloda_limit_name(mloda_limit l);
const char *mloda_limit_flag(mloda_limit l);
const char *mloda_limit_enum_name(mloda_limit l);
/** The MLODA_ERR_RANGE error of limit l (whose value is limit_value) exceeded by `value`
 *  while computing `what` ("feature 'F'"): names both numbers and how to raise the limit. */
mloda_status mloda_limit_exceeded(mloda_limit l, int64_t limit_value, int64_t value,
                                  const char *subject, const char *what, mloda_error *err);

struct mloda_request {
    mloda_request_item *items; /* owned */
    int64_t n, cap;
    mloda_request_filter *filters; /* owned */
    int64_t n_filters, filters_cap;
    char *row_id_column;       /* owned; NULL when not requested */
    mloda_request_link *links; /* owned */
    int64_t n_links, links_cap;
    mloda_source_provider *sources; /* owned copies; user_data owned */
    int64_t n_sources, sources_cap;
    int64_t threads;           /* most steps of one run at once; 0 = the pool's width */
    mloda_pool *pool;          /* borrowed; NULL = the process-wide pool */
    mloda_column_ordering ordering;
    mloda_on_error on_error;
    int64_t inline_rows;
    int64_t limits[MLODA_N_LIMITS]; /* 0 = the default (mloda_limit) */
    int64_t batch_timeout_ms;       /* 0 = none */
};

#define MLODA_MAX_THREADS 1024

/* ---------------------------------------------------------------- plan */

#define MLODA_NO_INDEX (-1)

/* The type a feature takes an input of the null type as (no type evidence at prepare: an
 * empty or all-null column), chosen at bind (bind.c); runs hand the feature an all-null
 * column of this type (calc.c). */
typedef struct plan_adopt {
    mloda_type type;           /* MLODA_TYPE_INVALID: the input keeps its own type */
    int32_t list_size;
    mloda_time_unit unit;
    int64_t slot;              /* the run's column for this input (run_ctx.adopted) */
} plan_adopt;

typedef struct plan_node {
    mloda_feature feature;     /* owned: name, options, chain parts */
    int64_t group;             /* registry index */
    int64_t n_inputs;
    int64_t *inputs;           /* owned: node indices */
    mloda_type out_type;
    int32_t out_list_size;
    mloda_time_unit out_unit;
    bool out_multi;            /* F~suffix columns, count known at run time */
    int64_t out_n_declared;    /* out_multi: columns declared at bind
                                  (mloda_bind_output_columns), or -1: known at run time */
    char **out_suffixes;       /* owned [out_n_declared]: their suffixes, in order */
    bool rows_change;          /* output has a row count of its own (mloda_bind_rows_change) */
    int64_t in_domain;         /* rows_change: the domain of its inputs */
    bool typed;                /* output declared */
    int64_t source;            /* data source read, or MLODA_NO_INDEX */
    char *source_column;       /* owned; column of that source */
    int64_t source_slot;       /* index into the run's bound source columns */
    void *state;               /* owned through state_free */
    void (*state_free)(void *);
    int64_t domain;            /* row domain: the data source whose rows this has */
    int64_t step;              /* step holding this node */
    int64_t slot;              /* position inside the step */
    int64_t request_pos;       /* position in the request, or MLODA_NO_INDEX */
    int64_t select_of;         /* a requested selection F~k of a multi-column feature F: F's
                                  node, whose result table returns the column; else
                                  MLODA_NO_INDEX (see mloda_planner_build_results) */
    const char *select_suffix; /* borrowed from feature.name: k, when select_of is set */
    int64_t *input_gather;     /* owned [n_inputs] or NULL: gather slot per input (inputs
                                  from a linked table, re-indexed to the joined rows), or
                                  MLODA_NO_INDEX */
    plan_adopt *adopt;         /* owned [n_inputs] or NULL: types taken by null-typed inputs */
} plan_node;

typedef struct plan_step {
    mloda_step_kind kind;
    int64_t group;             /* registry index; MLODA_NO_INDEX for FILTER steps */
    char *group_key;           /* owned: canonical group options */
    int64_t n_features;
    int64_t *features;         /* owned: node indices, in slot order */
    int64_t n_parents;
    int64_t *parents;          /* owned: step indices (all smaller) */
    int64_t n_children;
    int64_t *children;         /* owned: step indices (all larger) */
    int64_t domain;            /* the domain whose rows the step's inputs have */
    int64_t out_domain;        /* the domain of rows its outputs have, when they change the
                                  row count (mloda_bind_rows_change); else MLODA_NO_INDEX */
    int64_t result;            /* result index, or MLODA_NO_INDEX */
} plan_step;

typedef struct plan_result {
    int64_t step;
    int64_t n_columns;         /* requested nodes of the step, and requested selections of
                                  its multi-column features (node.select_of) */
    int64_t *nodes;            /* owned: those nodes in output order */
} plan_result;

typedef struct plan_source {
    char *name;                /* owned: api_data table name */
    mloda_table *schema;       /* owned reference: the example table (schema), plus the
                                  row-id column when the request asks for one */
    int64_t n_columns_used;
    int64_t filter_step;       /* FILTER step of this table, or MLODA_NO_INDEX */
    bool has_row_id;           /* the row-id column is synthesised for this table */
    int64_t n_link_cols;       /* link key/time columns read from this table */
    bool is_provider;          /* a provider's source (else an api_data table) */
    mloda_table *data;         /* owned: a provider's rows, read at prepare; runs use them
                                  instead of the batch */
} plan_source;

/* ---------------------------------------------------------------- filters and links */

/* Global filters, compiled at prepare (filter.c): every parameter is checked and converted
 * to the column's type there, so that evaluating a batch is only comparisons. */
typedef enum filter_kind {
    FILTER_MIN,
    FILTER_MAX,
    FILTER_RANGE,
    FILTER_EQUAL,
    FILTER_REGEX,
    FILTER_IN,
    FILTER_TIME_RANGE,
} filter_kind;

/* A parameter value converted to the column's type. */
typedef struct filter_value {
    bool is_int;     /* i holds it (INT64, TIMESTAMP in the column's unit) */
    int64_t i;
    double d;        /* FLOAT64 columns, or a float bound on an INT64 column */
    char *s;         /* owned: UTF8 columns */
    int64_t s_len;
    bool b;          /* BOOL columns */
} filter_value;

typedef struct filter_bound {
    bool set;
    bool exclusive;
    filter_value v;
} filter_bound;

typedef struct plan_filter {
    filter_kind kind;
    char *column;          /* owned */
    char *description;     /* owned: "v range {...}" for explain */
    int64_t source;        /* data source holding the column */
    mloda_type col_type;
    mloda_time_unit unit;
    filter_bound lo, hi;   /* min, max, range, time_range; equal: lo == hi, inclusive */
    void *regex;           /* owned pcre2_code *, FILTER_REGEX */
    char *pattern;         /* owned: its text, for messages */
    filter_value *values;  /* owned, FILTER_IN */
    int64_t n_values;
    int64_t *in_index;     /* owned, FILTER_IN with many values: open addressing over
                              in_cap slots of value + 1 (0 = empty), by mloda_filter_hash */
    size_t in_cap;
    bool none;             /* no value of the column can pass (filter.c, exact_bounds) */
} plan_filter;

/** Compares row value x of a column of the filter's type with v: <0, 0, >0. */
int mloda_filter_compare_f64(double x, const filter_value *v);
int mloda_filter_compare_i64(int64_t x, const filter_value *v);
int mloda_filter_compare_text(const char *x, int64_t len, const filter_value *v);
/** Hash of a value of the filter's column type as categorical_inclusion indexes it: the
 *  bytes of a text, the int64, or the float64 with -0.0 as 0.0. */
uint64_t mloda_filter_hash_text(const char *x, int64_t len);
uint64_t mloda_filter_hash_i64(int64_t x);
uint64_t mloda_filter_hash_f64(double x);

/* Links between two tables (link.c), executed as JOIN steps. */
typedef enum link_kind {
    LINK_INNER,
    LINK_LEFT,
    LINK_RIGHT,
    LINK_OUTER,
    LINK_APPEND,
    LINK_UNION,
    LINK_ASOF,
} link_kind;

typedef enum asof_direction {
    ASOF_BACKWARD,
    ASOF_FORWARD,
    ASOF_NEAREST,
} asof_direction;

typedef struct plan_link {
    link_kind kind;
    char *description;     /* owned: for explain */
    char *domain_name;     /* owned: "Orders x Customers" */
    int64_t left, right;   /* data sources */
    int64_t n_keys;
    int64_t first_col;     /* keys k: link_cols[first_col + 2k] (left), + 2k + 1 (right);
                              asof times follow the keys, left then right */
    int64_t first_row_col; /* union: every column of the left table, then of the right */
    int64_t n_row_cols[2]; /* union: column counts of the left and right tables */
    asof_direction direction;
    bool allow_exact;
    bool has_tolerance;
    double tolerance;      /* in the time column's unit */
    int64_t step;          /* JOIN step, or MLODA_NO_INDEX until a feature needs it */
} plan_link;


/* A column a link reads straight from a table (keys, asof times), bound per batch. */
typedef struct plan_link_col {
    int64_t source;
    char *column;              /* owned */
    mloda_type type;
    mloda_time_unit unit;
} plan_link_col;

/* A column a run binds from a batch's table (or a provider's rows) by name, checked
 * against its prepared type. */
typedef struct plan_bind {
    int64_t source;
    const char *column;        /* borrowed from its node, filter or link column */
    int64_t col_index;         /* its position in the prepared schema (lookup hint; -1) */
    mloda_type type;
    int32_t list_size;
    mloda_time_unit unit;
    bool from_null;            /* the prepared column had the null type (no type evidence):
                                  `type` is what its readers took it as */
    const char *role;          /* for messages: "", " (filtered on)", " (a link key)" */
} plan_bind;

/* An input of a joined feature, gathered from its table's rows to the joined rows. */
typedef struct plan_gather {
    int64_t link;
    int side;                  /* 0 = left table, 1 = right table */
    int64_t node;              /* the input node */
} plan_gather;

typedef struct mloda_plan {
    const mloda_registry *registry; /* owned reference: keeps the groups' user_data alive */
    mloda_feature_group *groups; /* owned copy of the registry's groups at prepare */
    int64_t n_groups;
    mloda_source_set source_set; /* what features see of the data sources (owned arrays) */
    mloda_strmap source_index;   /* table name -> source */
    mloda_strmap column_first;   /* column name -> the first source with it */
    mloda_strmap column_second;  /* column name -> the second source with it */
    const char **source_names;   /* owned array; strings owned by sources[] */
    const mloda_table **source_schemas; /* owned array; tables owned by sources[] */
    plan_node *nodes;          /* owned */
    int64_t n_nodes;
    plan_step *steps;          /* owned, plan order */
    int64_t n_steps;
    plan_result *results;      /* owned, plan order */
    int64_t n_results;
    plan_source *sources;      /* owned */
    int64_t n_sources;
    plan_filter *filters;      /* owned */
    int64_t n_filters;
    char *row_id_column;       /* owned; NULL when not requested */
    plan_link *links;          /* owned; link l's rows are domain n_sources + l */
    int64_t n_links;
    plan_link_col *link_cols;  /* owned */
    int64_t n_link_cols;
    plan_gather *gathers;      /* owned */
    int64_t n_gathers, gathers_cap;
    int64_t n_domains;         /* n_sources + n_links + row-changing steps */
    int64_t n_source_slots;    /* nodes that read a source column: binds [0, n_source_slots) */
    plan_bind *binds;          /* owned: what runs bind from each batch: the source slots,
                                  then one per filter, then one per link column */
    int64_t n_binds;
    int64_t n_adopts;          /* inputs that runs hand over as all-null columns of the type
                                  their feature took (plan_adopt.slot) */
    int64_t threads;           /* most steps of one run at once: 0 = no cap, 1 = inline */
    mloda_column_ordering ordering;
    mloda_on_error on_error;
    int64_t inline_rows;
    int64_t limits[MLODA_N_LIMITS]; /* resolved: defaults filled in */
    int64_t batch_timeout_ms;       /* 0 = none */
} mloda_plan;

/** The source named `name`, or MLODA_NO_INDEX (near O(1)). */
int64_t mloda_plan_find_source(const mloda_plan *plan, const char *name);

/** Builds the plan of request against the data sources of example (names, schemas).
 *  *out is NULL on failure. */
mloda_status mloda_plan_build(const mloda_registry *registry, const mloda_request *request,
                              const mloda_api_data *example, mloda_plan **out,
                              mloda_error *err);
void mloda_plan_free(mloda_plan *plan);
/** Text or JSON rendering of the plan (caller frees with mloda_free). */
mloda_status mloda_plan_render(const mloda_plan *plan, mloda_plan_format format, char **out,
                               mloda_error *err);
/** The registered group of step s; NULL for FILTER and JOIN steps. */
const mloda_feature_group *mloda_plan_step_group(const mloda_plan *plan, int64_t s);
/** true when domain d is the joined rows of a link. */
bool mloda_plan_is_link_domain(const mloda_plan *plan, int64_t d);
/** Name of a row domain: its table, "A x B" for a link, "(own rows)" otherwise. Borrowed. */
const char *mloda_plan_domain_name(const mloda_plan *plan, int64_t domain);
/** Display name of step s: its group's name, "GlobalFilter" or "Join". */
const char *mloda_plan_step_name(const mloda_plan *plan, int64_t s);

/* ---------------------------------------------------------------- plugin callbacks */

/**
 * Applies plugin.h's rules to a callback that failed (plugin_call.c). rc is what callback
 * ("match", "inputs", "bind", "calculate") of `group` returned for `feature` (not
 * MLODA_OK); e is the error object the callback was handed, never NULL. A status that is
 * not an MLODA_* code, returned or recorded in e, becomes MLODA_ERR_PLUGIN naming the raw
 * value (the plugin's message kept after it); a failure that recorded nothing gets rc and
 * a message naming the callback, group and feature; a recorded error without a subject
 * gets the feature. Returns e->code afterwards.
 */
mloda_status mloda_plugin_failure(mloda_error *e, mloda_status rc, const char *callback,
                                  const char *group, const char *feature);

#endif /* MLODA_PLAN_PLAN_H */
