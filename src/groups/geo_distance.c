/*
 * geo_distance.c: the geo-distance family `{p1}&{p2}__{type}_distance` (',' also separates
 * the inputs) and its option form (distance_type + in_features), SPEC.md §6.7.
 *
 * Inputs are two point columns of 2-element float64 lists: (lat, lon) in degrees for
 * haversine, (x, y) otherwise. Extension (SPEC.md §6.7): four scalar numeric columns
 * x1, y1, x2, y2 (lat1, lon1, lat2, lon2 for haversine) stand for the two points. Any
 * other input count is refused at resolution, naming the count as mloda does.
 *
 * Formulas follow mloda's pandas implementation operation by operation (numpy radians is
 * x * (pi / 180); squares are products), so values agree to the last bits up to libm:
 *   haversine  a = sin²(Δlat/2) + cos(lat1)cos(lat2)sin²(Δlon/2), d = 2R·asin(√a), R = 6371;
 *   euclidean  √((x2−x1)² + (y2−y1)²);  manhattan  |x2−x1| + |y2−y1|.
 * A null point (or a null coordinate column) gives a null distance (mloda raises on a
 * missing point); a NaN result is written as null.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "groups/colops.h"
#include "groups/family.h"
#include "groups/groups.h"
#include "util/util.h"

typedef enum geo_type { GEO_HAVERSINE, GEO_EUCLIDEAN, GEO_MANHATTAN, GEO_N } geo_type;

static const char *const GEO_NAMES[GEO_N] = {"haversine", "euclidean", "manhattan"};

#define EARTH_RADIUS_KM 6371.0

/* Number of inputs the feature names: in_features wins (as in mloda_inputs_add_chain),
 * else the '&'/','-separated parts before the last "__"; -1 when neither is given. */
static int64_t count_inputs(const mloda_feature *f)
{
    const mloda_options *o = mloda_feature_options(f);
    const char *one = NULL;
    if (mloda_options_get_string(o, "in_features", &one))
        return 1;
    if (mloda_options_kind(o, "in_features") == MLODA_VALUE_LIST)
        return mloda_options_list_n_items(o, "in_features");
    const char *src = mloda_feature_chain_source(f);
    if (src == NULL)
        return -1;
    int64_t n = 1;
    for (const char *p = src; *p != '\0'; p++)
        n += *p == '&' || *p == ',';
    return n;
}

/* Two point columns, or four scalar columns x1, y1, x2, y2. */
static mloda_status check_inputs(const mloda_feature *f, const mloda_family_values *v,
                                 mloda_error *why)
{
    (void)v;
    const char *name = mloda_feature_name(f);
    int64_t n = count_inputs(f);
    if (n > 2 && n != 4)
        return mloda_error_set(why, MLODA_ERR_RESOLVE, name,
                               "feature '%s' allows at most 2 in_feature(s), but found %lld "
                               "(two point columns, or four scalar columns x1, y1, x2, y2)",
                               name, (long long)n);
    if (n < 2)
        return mloda_error_set(why, MLODA_ERR_RESOLVE, name,
                               "feature '%s' needs 2 in_feature(s) (two point columns), but "
                               "found %lld",
                               name, (long long)(n < 0 ? 0 : n));
    return MLODA_OK;
}

static const mloda_family_param GEO_PARAMS[] = {
    {.option = "distance_type", .what = "distance type", .kind = MLODA_FAMILY_TOKEN,
     .tokens = GEO_NAMES, .n_tokens = GEO_N, .n_usable = GEO_N,
     .allowed = "haversine, euclidean, manhattan"},
};
static const mloda_family_spec GEO = {.pattern = "{distance_type}_distance",
                                      .example = "from&to__haversine_distance",
                                      .n_params = 1,
                                      .params = GEO_PARAMS,
                                      .inputs_hint = " (two point columns)",
                                      .check = check_inputs};

static mloda_status geo_match(void *ud, const mloda_feature *f, bool *out_match,
                              void **out_parsed, mloda_error *why)
{
    (void)ud;
    return mloda_family_match(&GEO, f, out_match, out_parsed, why);
}

static mloda_status geo_inputs(void *ud, const mloda_feature *f, mloda_inputs *in,
                               mloda_error *err)
{
    (void)ud;
    return mloda_inputs_add_chain(in, f, 2, 4, err);
}

static bool is_scalar_number(const mloda_bind *ctx, int64_t j)
{
    mloda_type t = mloda_bind_input_type(ctx, j);
    return !mloda_bind_input_is_multi(ctx, j) && (t == MLODA_TYPE_FLOAT64 || t == MLODA_TYPE_INT64);
}

static mloda_status geo_bind(void *ud, mloda_bind *ctx, mloda_error *err)
{
    (void)ud;
    const mloda_feature *f = mloda_bind_feature(ctx);
    const char *name = mloda_feature_name(f);
    int t = (int)mloda_family_of(f)->num[0];
    int64_t n = mloda_bind_n_inputs(ctx);
    for (int64_t j = 0; j < n; j++) {
        mloda_type it = mloda_bind_input_type(ctx, j);
        bool ok = n == 2 ? it == MLODA_TYPE_FLOAT64_LIST && !mloda_bind_input_is_multi(ctx, j) &&
                               mloda_bind_input_list_size(ctx, j) == 2
                         : is_scalar_number(ctx, j);
        if (!ok && n == 2)
            return mloda_error_set(err, MLODA_ERR_TYPE, name,
                                   "feature '%s': input '%s' is %s%s, not a column of "
                                   "2-element points (%s)",
                                   name, mloda_bind_input_name(ctx, j), mloda_type_name(it),
                                   it == MLODA_TYPE_FLOAT64_LIST ? " of another size" : "",
                                   t == GEO_HAVERSINE ? "lat, lon in degrees" : "x, y");
        if (!ok)
            return mloda_error_set(err, MLODA_ERR_TYPE, name,
                                   "feature '%s': input '%s' is %s; four inputs must be numeric "
                                   "scalar columns x1, y1, x2, y2",
                                   name, mloda_bind_input_name(ctx, j), mloda_type_name(it));
    }
    MLODA_TRY(mloda_bind_output(ctx, MLODA_TYPE_FLOAT64, 0, MLODA_TIME_SECOND, err));
    /* state: the type's index, encoded in the pointer (static data, nothing to free) */
    return mloda_bind_set_state(ctx, (void *)(uintptr_t)(t + 1), NULL, err);
}

/* ---------------------------------------------------------------- kernels */

static double haversine(double lat1, double lon1, double lat2, double lon2)
{
    const double rad = 3.14159265358979323846 / 180.0; /* numpy's radians factor */
    double lat1r = lat1 * rad, lon1r = lon1 * rad, lat2r = lat2 * rad, lon2r = lon2 * rad;
    double dlon = lon2r - lon1r, dlat = lat2r - lat1r;
    double sa = sin(dlat / 2), so = sin(dlon / 2);
    double a = sa * sa + cos(lat1r) * cos(lat2r) * (so * so);
    return EARTH_RADIUS_KM * (2 * asin(sqrt(a)));
}

static double distance(geo_type t, double x1, double y1, double x2, double y2)
{
    switch (t) {
    case GEO_HAVERSINE:
        return haversine(x1, y1, x2, y2);
    case GEO_EUCLIDEAN:
        return sqrt((x2 - x1) * (x2 - x1) + (y2 - y1) * (y2 - y1));
    default:
        return fabs(x2 - x1) + fabs(y2 - y1);
    }
}

/* One feature's inputs: two point columns, or four scalar columns x1, y1, x2, y2. */
typedef struct geo_inputs_view {
    const double *pts[2];        /* point columns, row-major pairs */
    const mloda_column *cols[4]; /* the columns, for validity */
    const double *f[4];          /* scalar float64 columns */
    const int64_t *x[4];         /* scalar int64 columns */
    int n_cols;
    bool points;
} geo_inputs_view;

/* x1, y1, x2, y2 of row r; false when a point or coordinate is null. */
static bool coords_at(const geo_inputs_view *v, int64_t r, double out[4])
{
    for (int k = 0; k < v->n_cols; k++) {
        if (!mloda_column_is_valid(v->cols[k], r))
            return false;
    }
    if (v->points) {
        out[0] = v->pts[0][2 * r];
        out[1] = v->pts[0][2 * r + 1];
        out[2] = v->pts[1][2 * r];
        out[3] = v->pts[1][2 * r + 1];
    } else {
        for (int k = 0; k < 4; k++)
            out[k] = v->f[k] != NULL ? v->f[k][r] : (double)v->x[k][r];
    }
    return true;
}

static mloda_status one_feature(const mloda_calc *calc, int64_t i, mloda_column **out,
                                mloda_error *err)
{
    geo_type t = (geo_type)((int)(uintptr_t)mloda_calc_state(calc, i) - 1);
    int64_t n = mloda_calc_n_rows(calc);
    geo_inputs_view v;
    memset(&v, 0, sizeof v);
    v.n_cols = (int)mloda_calc_n_inputs(calc, i);
    v.points = v.n_cols == 2;
    for (int k = 0; k < v.n_cols; k++) {
        v.cols[k] = mloda_calc_input(calc, i, k, 0);
        if (v.points)
            v.pts[k] = mloda_column_float64(v.cols[k]);
        v.f[k] = mloda_column_float64(v.cols[k]);
        v.x[k] = mloda_column_int64(v.cols[k]);
    }
    mloda_column_builder *b = NULL;
    double *d = NULL;
    MLODA_TRY(mloda_f64_out_start(n, &b, &d, err));
    for (int64_t r = 0; r < n; r++) {
        double c[4];
        d[r] = coords_at(&v, r, c) ? distance(t, c[0], c[1], c[2], c[3]) : NAN;
    }
    return mloda_f64_out_finish(b, d, n, out, err); /* NaN (a missing coordinate) -> null */
}

static mloda_status geo_feature(mloda_calc *calc, int64_t i, mloda_error *err)
{
    mloda_column *out = NULL;
    MLODA_TRY(one_feature(calc, i, &out, err));
    return mloda_calc_set_output(calc, i, out, err);
}

static mloda_status geo_calculate(void *ud, mloda_calc *calc, mloda_error *err)
{
    (void)ud;
    return mloda_each_feature(calc, geo_feature, err);
}

const mloda_feature_group mloda_group_geo_distance = {
    .struct_size = sizeof(mloda_feature_group),
    .abi_version = MLODA_FEATURE_GROUP_ABI,
    .name = "GeoDistanceFeatureGroup",
    .description =
        "Distance between two points per row: haversine (great circle, km, R = 6371, points "
        "(lat, lon) in degrees), euclidean or manhattan (points (x, y)). Inputs are two "
        "columns of 2-element float64 lists, separated by '&' or ','. Extensions over mloda: "
        "four scalar numeric columns x1, y1, x2, y2 may stand for the two points; a null "
        "point gives a null distance (mloda fails on it). Otherwise the same operations as "
        "mloda, in the same order.",
    .version = "1",
    .patterns = "{p1}&{p2}__{type}_distance\n{p1},{p2}__{type}_distance\n"
                "{x1}&{y1}&{x2}&{y2}__{type}_distance",
    .options_doc = "distance_type: haversine|euclidean|manhattan\n"
                   "in_features: two point columns, or four scalar columns x1, y1, x2, y2 "
                   "(option form)",
    .example = "origin&dest__haversine_distance",
    .match = geo_match,
    .inputs = geo_inputs,
    .bind = geo_bind,
    .calculate = geo_calculate,
    .parsed_free = mloda_family_parsed_free,
};
