/*
 * filter.h: global filters compiled at prepare (SPEC.md §7.3, §10.14). A filter names a
 * column of one data source; every parameter is checked and converted to the column's
 * type here, so that evaluating a batch is only comparisons. The compiled filter is
 * immutable and shared by concurrent runs (a PCRE2 code object is thread-safe to match).
 */
#ifndef MLODA_PLAN_FILTER_H
#define MLODA_PLAN_FILTER_H

#include "plan/plan.h"

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
    filter_value *values;  /* owned, FILTER_IN */
    int64_t n_values;
} plan_filter;

/** Compiles the request's filters into plan->filters (sources must be set up already). */
mloda_status mloda_filter_compile_all(mloda_plan *plan, const mloda_request *req, mloda_error *err);
void mloda_filter_free_all(mloda_plan *plan);

/** Compares row value x of a column of the filter's type with v: <0, 0, >0. */
int mloda_filter_compare_f64(double x, const filter_value *v);
int mloda_filter_compare_i64(int64_t x, const filter_value *v);
int mloda_filter_compare_text(const char *x, int64_t len, const filter_value *v);

#endif /* MLODA_PLAN_FILTER_H */
