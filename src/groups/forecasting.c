/*
 * forecasting.c: the forecasting family `{in}__{algorithm}_forecast_{horizon}{unit}` and
 * its option form (algorithm, horizon, time_unit, in_features, reference_time,
 * output_confidence_intervals), SPEC.md §6.14. Only `linear` (ordinary least squares) is
 * implemented; the other algorithms mloda offers are refused at resolution.
 *
 * What mloda does (pandas implementation, source-read, and reproduced here step by step):
 *   1. sort the rows by reference time (here: stably);
 *   2. lags 1, 2, 3, plus 7 for hour/day units when there are more than 10 rows, 12 for
 *      month with more than 15, 52 for week with more than 55; lags above max(1, n - 5)
 *      are dropped (lag 1 always stays);
 *   3. one design row per time-sorted row: hour, dayofweek (Monday 0), quarter, month,
 *      year, dayofyear, dayofmonth, ISO week, sin/cos of hour/24, dayofweek/7,
 *      month/12 and quarter/4, is_weekend, then the lags (the value k rows earlier);
 *      rows with a missing target or lag are dropped (pandas' dropna);
 *   4. StandardScaler (population std; a constant column is divided by 1), then
 *      LinearRegression: centre the scaled columns on their computed means (X_offset) and
 *      the targets, minimum-norm least squares (ols.h), intercept ybar - X_offset . coef.
 *      A column whose training values differ only by rounding (cos of Tuesday and of
 *      Sunday, sin of quarters 2 and 4) is not constant by sklearn's rule, so it is scaled
 *      to unit spread from that rounding; what it adds then hangs on the last bits of the
 *      sums, and there the forecast can differ from mloda's in the last digits or more;
 *   5. the forecast rows are last time + k units (month = 30 days, year = 365 days). Their
 *      time features advance, but their lags do NOT: every forecast row uses the last
 *      observed values (lag l = the value l rows before the end), as mloda's
 *      _create_future_features does. There is no recursive feeding of forecasts back in.
 *      SPEC's observation (12 daily rows 0..11 from a Monday, 2 days: 12.0 and
 *      12.428571428571429) comes out of exactly this: the second row's day features move
 *      on while its lags stay, so it gets 3 of the 7 equal shares of the trend;
 *   6. confidence bounds: forecast -+ 1.96 * population std of the training residuals.
 * The output column holds the input values (in input row order) and then `horizon`
 * forecast rows; F~lower and F~upper hold the same input values and the bounds.
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "groups/colops.h"
#include "groups/family.h"
#include "groups/groups.h"
#include "groups/linalg.h"
#include "groups/ols.h"
#include "groups/time_units.h"
#include "plan/plan.h"
#include "util/calendar.h"
#include "util/sort.h"
#include "util/util.h"

enum { ALGO_LINEAR = 0, ALGO_N = 7 };
static const char *const ALGO_NAMES[ALGO_N] = {"linear", "ridge", "lasso", "randomforest",
                                               "gbr",    "svr",   "knn"};

enum { U_SECOND, U_MINUTE, U_HOUR, U_DAY, U_WEEK, U_MONTH, U_YEAR, UNIT_N = SPAN_UNIT_N };
#define UNIT_NAMES mloda_span_unit_names
#define UNIT_SECONDS mloda_span_unit_seconds

#define MAX_HORIZON 100000000 /* rows appended; a bound so a typo cannot ask for 10^15 */

enum { N_TIME = 17, MAX_LAGS = 4, MAX_P = N_TIME + MAX_LAGS, BLK = 256 };

static const double PI = 3.141592653589793; /* numpy.pi */
static const double Z95 = 1.96;             /* mloda's 95% margin factor */

/* Parameters in this order: index into mloda_family_values. */
enum { P_ALGO, P_HORIZON, P_UNIT, P_REF, P_CI, P_COUNT };

static const mloda_family_param FC_PARAMS[P_COUNT] = {
    {.option = "algorithm", .what = "forecasting algorithm", .kind = MLODA_FAMILY_TOKEN,
     .shared = true,
     .tokens = ALGO_NAMES, .n_tokens = ALGO_N, .n_usable = 1, .allowed = "linear",
     .refused_why = "is not implemented: only linear (ordinary least squares); ridge, lasso, "
                    "randomforest, gbr, svr and knn are refused"},
    {.option = "horizon", .what = "forecast horizon", .kind = MLODA_FAMILY_COUNT,
     .max = MAX_HORIZON},
    {.option = "time_unit", .what = "time unit", .kind = MLODA_FAMILY_TOKEN,
     .tokens = UNIT_NAMES, .n_tokens = UNIT_N, .n_usable = UNIT_N,
     .allowed = SPAN_UNITS_ALLOWED " (singular)"},
    {.option = "reference_time", .what = "reference time column", .kind = MLODA_FAMILY_COLUMN,
     .dflt_text = "reference_time"},
    {.option = "output_confidence_intervals", .what = "confidence intervals",
     .kind = MLODA_FAMILY_FLAG},
};
static const mloda_family_spec FC = {.pattern = "{algorithm}_forecast_{horizon}{time_unit}",
                                     .example = "sales__linear_forecast_7day",
                                     .n_params = P_COUNT,
                                     .params = FC_PARAMS,
                                     .inputs_hint = " to forecast"};

/* Per-feature state, built at bind. */
typedef struct fc_state {
    int unit;
    int64_t horizon;
    int64_t step; /* one time unit in the reference column's unit */
    bool ci;
} fc_state;

static mloda_status fc_match(void *ud, const mloda_feature *f, bool *out_match,
                             void **out_parsed, mloda_error *why)
{
    (void)ud;
    return mloda_family_match(&FC, f, out_match, out_parsed, why);
}

static mloda_status fc_inputs(void *ud, const mloda_feature *f, mloda_inputs *in,
                              mloda_error *err)
{
    (void)ud;
    MLODA_TRY(mloda_inputs_add_chain(in, f, 1, 1, err));
    return mloda_inputs_add(in, mloda_family_of(f)->text[P_REF], NULL, err);
}

static mloda_status fc_bind(void *ud, mloda_bind *ctx, mloda_error *err)
{
    (void)ud;
    const mloda_feature *f = mloda_bind_feature(ctx);
    const char *name = mloda_feature_name(f);
    const mloda_family_values *v = mloda_family_of(f);
    if (mloda_bind_n_inputs(ctx) != 2)
        return mloda_error_set(err, MLODA_ERR_INTERNAL, name, "forecast bound without 2 inputs");
    mloda_type vt = mloda_bind_input_type(ctx, 0), rt = mloda_bind_input_type(ctx, 1);
    if (mloda_bind_input_is_multi(ctx, 0))
        return mloda_error_set(err, MLODA_ERR_TYPE, name,
                               "feature '%s': '%s' has several columns; a forecast takes one "
                               "(select it with %s~k)",
                               name, mloda_bind_input_name(ctx, 0), mloda_bind_input_name(ctx, 0));
    if (!mloda_la_type_is_numeric(vt))
        return mloda_error_set(err, MLODA_ERR_TYPE, name,
                               "feature '%s': cannot forecast %s column '%s' (numeric columns "
                               "only)",
                               name, mloda_type_name(vt), mloda_bind_input_name(ctx, 0));
    if (rt != MLODA_TYPE_TIMESTAMP || mloda_bind_input_is_multi(ctx, 1)) {
        char hint[200] = "";
        mloda_text_time_hint(ctx, 1, hint, sizeof hint);
        return mloda_error_set(err, MLODA_ERR_TYPE, name,
                               "feature '%s': reference time column '%s' is %s, not a "
                               "timestamp column%s",
                               name, mloda_bind_input_name(ctx, 1), mloda_type_name(rt), hint);
    }
    static const char *const ci_columns[3] = {"", "lower", "upper"}; /* F, F~lower, F~upper */
    if (v->num[P_CI])
        MLODA_TRY(mloda_bind_output_columns(ctx, MLODA_TYPE_FLOAT64, 0, MLODA_TIME_SECOND, 3,
                                            ci_columns, err));
    else
        MLODA_TRY(mloda_bind_output(ctx, MLODA_TYPE_FLOAT64, 0, MLODA_TIME_SECOND, err));
    MLODA_TRY(mloda_bind_rows_change(ctx, err));
    int64_t max_h = mloda_bind_limit(ctx, MLODA_LIMIT_HORIZON);
    if (v->num[P_HORIZON] > max_h) {
        char what[MLODA_ERROR_SUBJECT_MAX + 16];
        (void)snprintf(what, sizeof what, "feature '%s'", name);
        return mloda_limit_exceeded(MLODA_LIMIT_HORIZON, max_h, v->num[P_HORIZON], name, what,
                                    err);
    }
    fc_state *s = mloda_malloc(sizeof *s);
    if (s == NULL)
        return MLODA_NOMEM(err, "forecast state");
    s->unit = (int)v->num[P_UNIT];
    s->horizon = v->num[P_HORIZON];
    s->ci = v->num[P_CI] != 0;
    /* at most 31,536,000 s * 10^9: fits in int64 */
    s->step = UNIT_SECONDS[s->unit] * mloda_ticks_per_second(mloda_bind_input_time_unit(ctx, 1));
    return mloda_bind_set_state(ctx, s, mloda_free, err);
}

/* ---------------------------------------------------------------- calendar */

/* sin/cos of 2*pi*k/period for the small periods, computed as numpy does:
 * ((2 * pi) * k) / period. */
typedef struct trig_tables {
    double hour_sin[24], hour_cos[24], dow_sin[7], dow_cos[7];
    double month_sin[13], month_cos[13], quarter_sin[5], quarter_cos[5];
} trig_tables;

static void trig_init(trig_tables *t)
{
    for (int k = 0; k < 24; k++) {
        t->hour_sin[k] = sin(2.0 * PI * (double)k / 24.0);
        t->hour_cos[k] = cos(2.0 * PI * (double)k / 24.0);
    }
    for (int k = 0; k < 7; k++) {
        t->dow_sin[k] = sin(2.0 * PI * (double)k / 7.0);
        t->dow_cos[k] = cos(2.0 * PI * (double)k / 7.0);
    }
    for (int k = 0; k < 13; k++) {
        t->month_sin[k] = sin(2.0 * PI * (double)k / 12.0);
        t->month_cos[k] = cos(2.0 * PI * (double)k / 12.0);
    }
    for (int k = 0; k < 5; k++) {
        t->quarter_sin[k] = sin(2.0 * PI * (double)k / 4.0);
        t->quarter_cos[k] = cos(2.0 * PI * (double)k / 4.0);
    }
}

/* The day-level features of one day, cached: consecutive rows mostly share a day or
 * follow each other. */
typedef struct day_cache {
    bool valid;
    int64_t day;
    double f[N_TIME]; /* hour-independent entries of the 17 time features */
} day_cache;

typedef struct fc_clock {
    int64_t per_day, per_hour;
    trig_tables trig;
} fc_clock;

static void fill_day(day_cache *dc, const trig_tables *tt, int64_t day)
{
    int64_t y = 0, m = 0, d = 0;
    mloda_civil_from_days(day, &y, &m, &d);
    int64_t dow = mloda_weekday(day); /* Monday 0 */
    int64_t quarter = (m - 1) / 3 + 1;
    int64_t doy = day - mloda_days_from_civil(y, 1, 1) + 1;
    int64_t week = mloda_iso_week(day);
    dc->valid = true;
    dc->day = day;
    dc->f[1] = (double)dow;
    dc->f[2] = (double)quarter;
    dc->f[3] = (double)m;
    dc->f[4] = (double)y;
    dc->f[5] = (double)doy;
    dc->f[6] = (double)d;
    dc->f[7] = (double)week;
    dc->f[10] = tt->dow_sin[dow];
    dc->f[11] = tt->dow_cos[dow];
    dc->f[12] = tt->month_sin[m];
    dc->f[13] = tt->month_cos[m];
    dc->f[14] = tt->quarter_sin[quarter];
    dc->f[15] = tt->quarter_cos[quarter];
    dc->f[16] = dow >= 5 ? 1.0 : 0.0;
}

/* The 17 time features of time t in mloda's column order. */
static void time_features(const fc_clock *ck, day_cache *dc, int64_t t, double *x)
{
    int64_t day = mloda_floor_div(t, ck->per_day);
    int64_t rem = t % ck->per_day; /* t - day * per_day, which overflows near INT64_MIN */
    int64_t hour = (rem < 0 ? rem + ck->per_day : rem) / ck->per_hour;
    if (!dc->valid || dc->day != day)
        fill_day(dc, &ck->trig, day);
    memcpy(x, dc->f, sizeof dc->f);
    x[0] = (double)hour;
    x[8] = ck->trig.hour_sin[hour];
    x[9] = ck->trig.hour_cos[hour];
}

/* ---------------------------------------------------------------- the model */

/* One series in time order and the design it gives. */
typedef struct fc_series {
    int64_t n;
    const int64_t *t; /* times, sorted */
    const double *v;  /* values in time order, NaN = missing */
    int64_t lags[MAX_LAGS], n_lags, max_lag;
    int64_t p; /* N_TIME + n_lags */
    fc_clock clock;
} fc_series;

/* mloda's _determine_lag_features. */
static void choose_lags(fc_series *s, int unit)
{
    int64_t all[MAX_LAGS] = {1, 2, 3, 0}, k = 3;
    if ((unit == U_HOUR || unit == U_DAY) && s->n > 10)
        all[k++] = 7;
    else if (unit == U_WEEK && s->n > 55)
        all[k++] = 52;
    else if (unit == U_MONTH && s->n > 15)
        all[k++] = 12;
    int64_t cap = s->n - 5 > 1 ? s->n - 5 : 1;
    s->n_lags = 0;
    for (int64_t i = 0; i < k; i++) {
        if (all[i] <= cap)
            s->lags[s->n_lags++] = all[i];
    }
    s->max_lag = s->lags[s->n_lags - 1];
    s->p = N_TIME + s->n_lags;
}

/* Row k trains the model when its target and every lag are present (pandas' dropna). */
static bool usable(const fc_series *s, int64_t k)
{
    if (k < s->max_lag || isnan(s->v[k]))
        return false;
    for (int64_t j = 0; j < s->n_lags; j++) {
        if (isnan(s->v[k - s->lags[j]]))
            return false;
    }
    return true;
}

/* The next up to BLK training rows from *cursor: design rows into x (row-major), targets
 * into y. Returns how many. */
static int64_t next_block(const fc_series *s, day_cache *dc, int64_t *cursor, double *x,
                          double *y)
{
    int64_t b = 0;
    for (; *cursor < s->n && b < BLK; (*cursor)++) {
        int64_t k = *cursor;
        if (!usable(s, k))
            continue;
        double *row = x + b * s->p;
        time_features(&s->clock, dc, s->t[k], row);
        for (int64_t j = 0; j < s->n_lags; j++)
            row[N_TIME + j] = s->v[k - s->lags[j]];
        y[b++] = s->v[k];
    }
    return b;
}

/* The fitted model: scaled = (x - mean) / scale, prediction = scaled . coef + intercept. */
typedef struct fc_model {
    int64_t m, rank;
    double mean[MAX_P], scale[MAX_P], coef[MAX_P];
    double ybar, intercept, resid_std;
} fc_model;

static void scale_row(const fc_model *md, int64_t p, double *row)
{
    for (int64_t j = 0; j < p; j++)
        row[j] = (row[j] - md->mean[j]) / md->scale[j];
}

static double predict(const fc_model *md, int64_t p, const double *scaled)
{
    double r = 0.0;
    for (int64_t j = 0; j < p; j++)
        r += scaled[j] * md->coef[j];
    return r + md->intercept;
}

/*
 * Fits the model on the training rows: StandardScaler statistics, LinearRegression's
 * centring, minimum-norm least squares, and the residual std when bounds are wanted. The
 * design rows are regenerated in blocks for each pass (three passes, four with bounds), so
 * the design matrix is never held whole. The statistics pass shifts every column by the
 * first training row and applies sklearn's corrected formula, var = (S2 - S1^2/m) / m over
 * the shifted values: a constant column stays exactly constant (scale 1), and the shift
 * keeps the sums small. The scaled columns have mean 0 only up to the rounding of
 * (x - mean) / scale, which is large where the mean is large against the spread (a year
 * column, close lag values): LinearRegression subtracts their computed means (X_offset)
 * before solving, and so does the second pass here. Without it a few training rows are
 * not exactly rank-deficient after centring, and the rounding left in them passes the
 * rank cut as a spurious direction (two training rows gave a rank of 2, not 1).
 */
static mloda_status fit(const fc_series *s, bool want_resid, double *x, double *y, fc_model *md,
                        mloda_error *err)
{
    const int64_t p = s->p;
    double shift[MAX_P] = {0}, s1[MAX_P] = {0}, s2[MAX_P] = {0};
    double ysum = 0.0;
    day_cache dc = {0};
    int64_t cur = 0, b = 0, m = 0;
    memset(md, 0, sizeof *md);
    while ((b = next_block(s, &dc, &cur, x, y)) > 0) {
        if (m == 0)
            memcpy(shift, x, (size_t)p * sizeof *shift);
        for (int64_t r = 0; r < b; r++) {
            for (int64_t j = 0; j < p; j++) {
                double d = x[r * p + j] - shift[j];
                s1[j] += d;
                s2[j] += d * d;
            }
            ysum += y[r];
        }
        m += b;
    }
    md->m = m;
    if (m == 0)
        return MLODA_OK;
    for (int64_t j = 0; j < p; j++) {
        md->mean[j] = shift[j] + s1[j] / (double)m;
        double var = (s2[j] - s1[j] * s1[j] / (double)m) / (double)m;
        md->scale[j] = mloda_la_scale_of(md->mean[j], var < 0.0 ? 0.0 : var, m);
    }
    md->ybar = ysum / (double)m;
    /* A column whose training values are all equal scales to exact zeros: it adds nothing
     * to the least-squares problem and its minimum-norm coefficient is 0 (sklearn's is 0
     * up to rounding), so the QR works on the other columns only (hour, month, year and
     * their cycles are constant in many series). */
    int64_t active[MAX_P], pa = 0;
    for (int64_t j = 0; j < p; j++) {
        if (s2[j] != 0.0)
            active[pa++] = j;
    }
    /* X_offset: the means of the scaled active columns, as computed */
    double xoff[MAX_P] = {0};
    cur = 0;
    while (pa > 0 && (b = next_block(s, &dc, &cur, x, y)) > 0) {
        for (int64_t r = 0; r < b; r++) {
            const double *row = x + r * p;
            for (int64_t a = 0; a < pa; a++) {
                int64_t j = active[a];
                xoff[a] += (row[j] - md->mean[j]) / md->scale[j];
            }
        }
    }
    for (int64_t a = 0; a < pa; a++)
        xoff[a] /= (double)m;
    md->intercept = md->ybar;
    mloda_status st = MLODA_OK;
    if (pa > 0) {
        ols_acc *acc = NULL;
        double coef[MAX_P];
        MLODA_TRY(mloda_ols_new(pa, &acc, err));
        cur = 0;
        while ((b = next_block(s, &dc, &cur, x, y)) > 0) {
            for (int64_t r = 0; r < b; r++) {
                const double *row = x + r * p;
                double *dst = x + r * pa; /* compacted in place: dst never passes row */
                for (int64_t a = 0; a < pa; a++) {
                    int64_t j = active[a];
                    dst[a] = (row[j] - md->mean[j]) / md->scale[j] - xoff[a];
                }
                y[r] -= md->ybar;
            }
            mloda_ols_add_rows(acc, x, y, b);
        }
        st = mloda_ols_solve(acc, coef, &md->rank, err);
        mloda_ols_free(acc);
        for (int64_t a = 0; a < pa; a++) {
            md->coef[active[a]] = coef[a];
            md->intercept -= xoff[a] * coef[a];
        }
    }
    if (st != MLODA_OK || !want_resid)
        return st;
    /* np.std of the residuals in one pass: their mean is 0 up to rounding (the model has
     * an intercept), so sum(e^2) - sum(e)^2 / m loses nothing */
    double rsum = 0.0, rsq = 0.0;
    cur = 0;
    while ((b = next_block(s, &dc, &cur, x, y)) > 0) {
        for (int64_t r = 0; r < b; r++) {
            scale_row(md, p, x + r * p);
            double e = y[r] - predict(md, p, x + r * p);
            rsum += e;
            rsq += e * e;
        }
    }
    rsq -= rsum * rsum / (double)m;
    rsq = rsq < 0.0 ? 0.0 : rsq;
    md->resid_std = sqrt(rsq / (double)m);
    return MLODA_OK;
}

/* ---------------------------------------------------------------- calculate */

/* Row r of a numeric column as a double; NaN for null. */
static double value_at(const mloda_column *c, const double *f, const int64_t *iv, int64_t r)
{
    if (!mloda_column_is_valid(c, r))
        return NAN;
    return f != NULL ? f[r] : iv != NULL ? (double)iv[r] : (mloda_column_bool_at(c, r) ? 1 : 0);
}

/* A float64 column of n values, NaN written as null. */
static mloda_status column_of(const double *v, int64_t n, mloda_column **out, mloda_error *err)
{
    mloda_column_builder *b = NULL;
    double *dst = NULL;
    *out = NULL;
    MLODA_TRY(mloda_f64_out_start(n, &b, &dst, err));
    for (int64_t i = 0; i < n; i++)
        dst[i] = v[i];
    return mloda_f64_out_finish(b, dst, n, out, err);
}

/* Scratch of one calculate call. */
typedef struct fc_scratch {
    mloda_i64_pair *pairs; /* (time, row) */
    int64_t *times;
    double *vals, *out, *lo, *hi;
    double x[BLK * MAX_P], y[BLK];
} fc_scratch;

static mloda_status forecast_one(mloda_calc *calc, int64_t i, fc_scratch *sc, mloda_error *err)
{
    const mloda_feature *f = mloda_calc_feature(calc, i);
    const char *name = mloda_feature_name(f);
    const fc_state *state = mloda_calc_state(calc, i);
    const mloda_column *vc = mloda_calc_input(calc, i, 0, 0);
    const mloda_column *rc = mloda_calc_input(calc, i, 1, 0);
    const int64_t n = mloda_calc_n_rows(calc), h = state->horizon;
    if (mloda_column_n_nulls(rc) > 0) {
        int64_t row = 0;
        while (row < n && mloda_column_is_valid(rc, row))
            row++;
        return mloda_error_set_at(err, MLODA_ERR_COMPUTE, name, row,
                                  "feature '%s': reference time is null at row %lld; every "
                                  "row needs a time",
                                  name, (long long)row);
    }
    if (n == 0)
        return mloda_error_set(err, MLODA_ERR_COMPUTE, name,
                               "feature '%s': no rows to learn a forecast from", name);
    const int64_t *t = mloda_column_int64(rc);
    const double *fv = mloda_column_float64(vc);
    const int64_t *iv = mloda_column_int64(vc);
    bool sorted = true;
    for (int64_t r = 1; r < n && sorted; r++)
        sorted = t[r - 1] <= t[r];
    for (int64_t r = 0; r < n; r++)
        sc->pairs[r] = (mloda_i64_pair){t[r], r};
    if (!sorted) { /* stable: ties in time keep row order */
        mloda_i64_pair *tmp = mloda_malloc((size_t)n * sizeof *tmp);
        if (tmp == NULL)
            return MLODA_NOMEM(err, "forecast scratch");
        mloda_sort_i64_pairs(sc->pairs, tmp, n);
        mloda_free(tmp);
    }
    for (int64_t k = 0; k < n; k++) {
        sc->times[k] = sc->pairs[k].key;
        sc->vals[k] = value_at(vc, fv, iv, sc->pairs[k].row);
    }

    fc_series s = {.n = n, .t = sc->times, .v = sc->vals};
    int64_t ps = mloda_ticks_per_second(mloda_column_time_unit(rc));
    s.clock.per_day = 86400 * ps;
    s.clock.per_hour = 3600 * ps;
    trig_init(&s.clock.trig);
    choose_lags(&s, state->unit);
    fc_model md;
    MLODA_TRY(fit(&s, state->ci, sc->x, sc->y, &md, err));
    if (md.m == 0) {
        char lags[64] = "";
        for (int64_t j = 0, used = 0; j < s.n_lags; j++)
            used += snprintf(lags + used, sizeof lags - (size_t)used, "%s%lld", j ? ", " : "",
                             (long long)s.lags[j]);
        return mloda_error_set(err, MLODA_ERR_COMPUTE, name,
                               "feature '%s': no training rows: %lld row(s) with lags %s leave "
                               "none with a value and all its lags; a forecast needs more "
                               "history",
                               name, (long long)n, lags);
    }

    /* history in input row order, then the forecasts */
    for (int64_t r = 0; r < n; r++)
        sc->out[r] = value_at(vc, fv, iv, r);
    bool lags_present = true; /* frozen lags: the last observed values */
    for (int64_t j = 0; j < s.n_lags; j++)
        lags_present = lags_present && !isnan(s.v[n - s.lags[j]]);
    day_cache dc = {0};
    const int64_t last = s.t[n - 1];
    for (int64_t k = 1; k <= h; k++) {
        if (state->step > INT64_MAX / k ||
            (last > 0 && k * state->step > INT64_MAX - last))
            return mloda_error_set(err, MLODA_ERR_RANGE, name,
                                   "feature '%s': forecast row %lld lies beyond the timestamp "
                                   "range",
                                   name, (long long)k);
        double row[MAX_P];
        time_features(&s.clock, &dc, last + k * state->step, row);
        for (int64_t j = 0; j < s.n_lags; j++)
            row[N_TIME + j] = s.v[n - s.lags[j]];
        scale_row(&md, s.p, row);
        sc->out[n + k - 1] = lags_present ? predict(&md, s.p, row) : NAN;
    }
    mloda_column *col = NULL;
    MLODA_TRY(column_of(sc->out, n + h, &col, err));
    if (!state->ci)
        return mloda_calc_set_output(calc, i, col, err);
    MLODA_TRY(mloda_calc_add_output(calc, i, NULL, col, err));
    double margin = Z95 * md.resid_std;
    for (int64_t r = 0; r < n + h; r++) {
        sc->lo[r] = r < n ? sc->out[r] : sc->out[r] - margin;
        sc->hi[r] = r < n ? sc->out[r] : sc->out[r] + margin;
    }
    MLODA_TRY(column_of(sc->lo, n + h, &col, err));
    MLODA_TRY(mloda_calc_add_output(calc, i, "lower", col, err));
    MLODA_TRY(column_of(sc->hi, n + h, &col, err));
    return mloda_calc_add_output(calc, i, "upper", col, err);
}

static mloda_status fc_calculate(void *ud, mloda_calc *calc, mloda_error *err)
{
    (void)ud;
    const int64_t n = mloda_calc_n_rows(calc), nf = mloda_calc_n_features(calc);
    const fc_state *s0 = nf > 0 ? mloda_calc_state(calc, 0) : NULL;
    for (int64_t i = 1; i < nf; i++) {
        const fc_state *si = mloda_calc_state(calc, i);
        if (si->horizon != s0->horizon)
            return mloda_error_set(err, MLODA_ERR_COMPUTE,
                                   mloda_feature_name(mloda_calc_feature(calc, i)),
                                   "forecasts '%s' (%lld rows ahead) and '%s' (%lld) would give "
                                   "one result table two row counts; request them with "
                                   "different group options",
                                   mloda_feature_name(mloda_calc_feature(calc, 0)),
                                   (long long)s0->horizon,
                                   mloda_feature_name(mloda_calc_feature(calc, i)),
                                   (long long)si->horizon);
    }
    if (nf == 0)
        return MLODA_OK;
    /* n + horizon rows per output column, every feature: checked before allocating */
    int64_t cells = 0;
    if (__builtin_mul_overflow(n + s0->horizon, nf * (s0->ci ? 3 : 1), &cells))
        cells = INT64_MAX;
    MLODA_TRY(mloda_calc_check_limit(calc, 0, MLODA_LIMIT_OUTPUT_CELLS, cells, err));
    size_t rows = (size_t)(n > 0 ? n : 1), outs = 0;
    if (!mloda_mul_size(rows + (size_t)s0->horizon, sizeof(double), &outs))
        return mloda_error_set(err, MLODA_ERR_RANGE, NULL, "forecast output too large");
    fc_scratch *sc = mloda_calloc(1, sizeof *sc);
    if (sc != NULL) {
        sc->pairs = mloda_malloc(rows * sizeof *sc->pairs);
        sc->times = mloda_malloc(rows * sizeof *sc->times);
        sc->vals = mloda_malloc(rows * sizeof *sc->vals);
        sc->out = mloda_malloc(outs);
        sc->lo = mloda_malloc(outs);
        sc->hi = mloda_malloc(outs);
    }
    mloda_status st = MLODA_OK;
    if (sc == NULL || sc->pairs == NULL || sc->times == NULL || sc->vals == NULL ||
        sc->out == NULL || sc->lo == NULL || sc->hi == NULL)
        st = MLODA_NOMEM(err, "forecast scratch");
    for (int64_t i = 0; st == MLODA_OK && i < nf; i++)
        st = forecast_one(calc, i, sc, err);
    if (sc != NULL) {
        mloda_free(sc->pairs);
        mloda_free(sc->times);
        mloda_free(sc->vals);
        mloda_free(sc->out);
        mloda_free(sc->lo);
        mloda_free(sc->hi);
        mloda_free(sc);
    }
    return st;
}

const mloda_feature_group mloda_group_forecasting = {
    .struct_size = sizeof(mloda_feature_group),
    .abi_version = MLODA_FEATURE_GROUP_ABI,
    .name = "ForecastingFeatureGroup",
    .description =
        "Forecasts `horizon` time units past the last reference time with mloda's linear "
        "model: rows sorted by time; lags 1,2,3 (+7 for hour/day with >10 rows, +12 for "
        "month with >15, +52 for week with >55; lags above max(1, n-5) dropped); hour, "
        "day of week (Monday 0), quarter, month, year, day of year, day of month, ISO week, "
        "sin/cos of hour, day of week, month and quarter, weekend flag; rows with a missing "
        "value or lag left out of training; StandardScaler, then minimum-norm ordinary least "
        "squares with an intercept (scikit-learn's LinearRegression). Forecast rows are the "
        "last time + k units (month = 30 days, year = 365 days); their lags are the last "
        "observed values for every k, as in mloda (not fed back recursively). The output "
        "APPENDS `horizon` rows: the input values in input row order, then the forecasts; "
        "with output_confidence_intervals F~lower/F~upper hold the same values and "
        "forecast -+ 1.96 * population std of the training residuals. Reproduces SPEC's "
        "observation (12 daily rows 0..11 starting on a Monday, 2 days: 12.0, "
        "12.428571428571429) and scikit-learn's values to about 1e-12 relative where the "
        "fit is well conditioned. Differences from mloda: only `linear` is implemented "
        "(ridge, lasso, randomforest, gbr, svr, knn are refused at resolution); "
        "singular values below "
        "max(rows, columns) * eps * largest are cut (scipy's lstsq cuts below eps * "
        "largest), so exactly collinear designs give the clean minimum-norm answer; "
        "mloda orders the history by time, here it keeps input row order (the same for "
        "sorted input); ties in time keep input order; a null value whose lag a forecast "
        "needs gives null forecasts (mloda fails: 'Input X contains NaN'); null reference "
        "times are an error; a multi-column source is refused (mloda silently takes its "
        "first column); the horizon is at most 100,000,000; forecasts of one step must "
        "share one horizon (one result table, one row count).",
    .version = "1",
    .patterns = "{in}__{algorithm}_forecast_{horizon}{unit}",
    .options_doc = "algorithm: linear (ridge|lasso|randomforest|gbr|svr|knn are refused)\n"
                   "horizon: integer 1..100000000 (rows appended)\n"
                   "time_unit: second|minute|hour|day|week|month|year (month = 30 days, "
                   "year = 365 days)\n"
                   "output_confidence_intervals: true|false (default false): adds F~lower, "
                   "F~upper\n"
                   "in_features: the value column (option form)\n"
                   "reference_time: the timestamp column (default reference_time)",
    .example = "sales__linear_forecast_7day",
    .match = fc_match,
    .inputs = fc_inputs,
    .bind = fc_bind,
    .calculate = fc_calculate,
    .parsed_free = mloda_family_parsed_free,
};
