/*
 * test_node_centrality.c: the node-centrality family (SPEC.md §6.8, §10.17).
 *
 * Values: SPEC's observed mloda values (path a-b-c PageRank, triangle, weighted degree),
 * and for a 7-node graph G1 (plain and weighted, undirected and directed) every centrality
 * in both modes: mloda_compat=true against a line-by-line transcription of mloda's pandas
 * code (Floyd-Warshall closeness, its Dijkstra path counting, its power iterations), the
 * default mode against networkx 3.6 (degree_centrality, betweenness_centrality,
 * closeness_centrality with distance = 1/weight, eigenvector_centrality and the pure-Python
 * pagerank at tol 1e-15). No conformance case covers this family.
 */
#include "support.h"

static mloda_registry *reg;

static const char *const TYPES[5] = {"degree", "betweenness", "closeness", "eigenvector",
                                     "pagerank"};

/* ---------------------------------------------------------------- helpers */

static mloda_api_data *edge_api_valid(const char *const *src, const char *const *dst,
                                      const double *w, const uint8_t *w_valid,
                                      const char *const *node, int64_t n)
{
    mloda_api_data *api = mloda_api_data_new();
    const char *names[4] = {"source", "target", "node", "w"};
    mloda_column *cols[4] = {col_str(src, n), col_str(dst, n), NULL, NULL};
    int64_t k = 2;
    if (node != NULL)
        cols[k++] = col_str(node, n);
    if (w != NULL) {
        names[k] = "w";
        cols[k++] = col_f64_valid(w, w_valid, n);
    }
    api_add(api, "E", k, names, cols);
    return api;
}

static mloda_api_data *edge_api(const char *const *src, const char *const *dst, const double *w,
                                const char *const *node, int64_t n)
{
    return edge_api_valid(src, dst, w, NULL, node, n);
}

static mloda_options *cent_opts(bool directed, bool weighted, bool compat)
{
    mloda_options *o = mloda_options_new();
    (void)mloda_options_set_string(o, MLODA_CONTEXT, "graph_type",
                                   directed ? "directed" : "undirected", NULL);
    if (weighted)
        (void)mloda_options_set_string(o, MLODA_CONTEXT, "weight_column", "w", NULL);
    if (compat)
        (void)mloda_options_set_bool(o, MLODA_CONTEXT, "mloda_compat", true, NULL);
    return o;
}

/* Runs one feature (with options, may be NULL); returns its column values (NaN = null) in
 * out[0..n) and the status. */
static mloda_status run_one(mloda_api_data *api, const char *feature, const mloda_options *o,
                            double *out, int64_t n, mloda_error *err)
{
    mloda_request *req = mloda_request_new();
    (void)mloda_request_add(req, feature, o, NULL);
    mloda_results *res = NULL;
    mloda_status st = mloda_run_all(reg, req, api, &res, err);
    if (st == MLODA_OK) {
        const mloda_column *c = result_column(res, feature);
        CHECK(c != NULL && mloda_column_n_rows(c) == n);
        CHECK(c != NULL && mloda_column_type(c) == MLODA_TYPE_FLOAT64);
        for (int64_t r = 0; r < n; r++)
            out[r] = num_at(c, r);
    }
    mloda_results_free(res);
    mloda_request_free(req);
    return st;
}

/* ---------------------------------------------------------------- G1 */

/* a-b, a-c, b-c, c-d, d-e, e-f, d-f, f-g; the node column lists a..g, then a null. */
enum { G1, G1W };
static const char *const G1_SRC[8] = {"a", "a", "b", "c", "d", "e", "d", "f"};
static const char *const G1_DST[8] = {"b", "c", "c", "d", "e", "f", "f", "g"};
static const double G1_W[8] = {2.0, 1.0, 0.5, 3.0, 1.0, 2.0, 4.0, 1.0};
static const char *const G1_NODE[8] = {"a", "b", "c", "d", "e", "f", "g", NULL};

typedef struct expect7 {
    bool ok; /* false: the computation must fail (no dominant eigenvector) */
    double v[7];
} expect7;

static const struct {
    const char *label;
    int graph;
    bool directed, weighted, compat;
    expect7 e[5]; /* in TYPES order */
} G1_CASES[] = {
    {"compat dir=0 w=0", G1, false, false, true,
     {
         {true, {0.3333333333333333, 0.3333333333333333, 0.5, 0.5, 0.3333333333333333, 0.5,
                 0.16666666666666666}},
         {true, {0.0, 0.0, 1.0666666666666667, 1.2, 0.0, 0.6666666666666666, 0.0}},
         {true, {0.6428571428571429, 0.6428571428571429, 0.9, 1.0, 0.75, 0.8181818181818181,
                 0.5625}},
         {true, {0.30578197883409014, 0.30578197883409014, 0.4514394949170332, 0.5063576184402881,
                 0.37649684871309963, 0.425979498501471, 0.17201946774330606}},
         {true, {0.12539618504078723, 0.12539618504078723, 0.1788505222481636, 0.17941921643590683,
                 0.1260212677487513, 0.18973073996033724, 0.07518588352526652}}}},
    {"default dir=0 w=0", G1, false, false, false,
     {
         {true, {0.3333333333333333, 0.3333333333333333, 0.5, 0.5, 0.3333333333333333, 0.5,
                 0.16666666666666666}},
         {true, {0.0, 0.0, 0.5333333333333333, 0.6, 0.0, 0.3333333333333333, 0.0}},
         {true, {0.42857142857142855, 0.42857142857142855, 0.6, 0.6666666666666666, 0.5,
                 0.5454545454545454, 0.375}},
         {true, {0.3057814598192076, 0.3057814598192076, 0.4514394110187202, 0.5063575198292644,
                 0.37649721930114444, 0.4259800798271454, 0.17201957272956048}},
         {true, {0.1253965581150548, 0.1253965581150548, 0.17885099819147948, 0.17941889070039635,
                 0.126020907773981, 0.18973053169516488, 0.07518555540886854}}}},
    {"compat dir=0 w=1", G1W, false, true, true,
     {
         {true, {0.5, 0.4166666666666667, 0.75, 1.3333333333333333, 0.5, 1.1666666666666667,
                 0.16666666666666666}},
         {true, {0.6666666666666666, 0.0, 1.0666666666666667, 1.2, 0.0, 1.2, 0.0}},
         {true, {0.6330275229357799, 0.49640287769784175, 0.9452054794520549, 1.0,
                 0.6764705882352942, 0.9583333333333336, 0.5227272727272727}},
         {true, {0.08357172711592668, 0.06041106117194421, 0.35808989767114957, 0.6460903246012566,
                 0.3146083798317168, 0.5783939497599274, 0.10093163021680553}},
         {true, {0.12112228376002136, 0.10441135594152502, 0.1519084553950317, 0.24599920059910796,
                 0.1023156793655119, 0.2254395679532246, 0.04880345698557752}}}},
    {"default dir=0 w=1", G1W, false, true, false,
     {
         {true, {0.5, 0.4166666666666667, 0.75, 1.3333333333333333, 0.5, 1.1666666666666667,
                 0.16666666666666666}},
         {true, {0.3333333333333333, 0.0, 0.5333333333333333, 0.6, 0.0, 0.6, 0.0}},
         {true, {0.6605504587155964, 0.5179856115107914, 0.9863013698630138, 1.0434782608695654,
                 0.7058823529411765, 1.0000000000000002, 0.5454545454545454}},
         {true, {0.08357176584191303, 0.060411066510428046, 0.35808968786683726,
                 0.6460906704047925, 0.31460842906607617, 0.5783936502778353, 0.10093168845962536}},
         {true, {0.12112216344185933, 0.10441138809870856, 0.1519086076208815, 0.24599891421804576,
                 0.10231563967859267, 0.22543987370616397, 0.04880341323574827}}}},
    {"compat dir=1 w=0", G1, true, false, true,
     {
         {true, {0.3333333333333333, 0.3333333333333333, 0.5, 0.5, 0.3333333333333333, 0.5,
                 0.16666666666666666}},
         {true, {0.0, 0.0, 0.5333333333333333, 0.6, 0.0, 0.3333333333333333, 0.0}},
         {true, {1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0}},
         {true, {0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0}},
         {true, {0.029321837188094724, 0.04637395997523279, 0.10031147312187583,
                 0.1459937488737833, 0.11422402304519569, 0.24707749882740837,
                 0.31669745896840934}}}},
    {"default dir=1 w=0", G1, true, false, false,
     {
         {true, {0.3333333333333333, 0.3333333333333333, 0.5, 0.5, 0.3333333333333333, 0.5,
                 0.16666666666666666}},
         {true, {0.0, 0.0, 0.26666666666666666, 0.3, 0.0, 0.16666666666666666, 0.0}},
         {true, {0.0, 0.16666666666666666, 0.3333333333333333, 0.3, 0.2962962962962963,
                 0.4166666666666667, 0.375}},
         {false, {0}},
         {true, {0.050464596900216346, 0.07191205058280838, 0.13303729357819588,
                 0.16354629644168384, 0.11997177288793232, 0.22194777984267453,
                 0.23912020976648873}}}},
    {"compat dir=1 w=1", G1W, true, true, true,
     {
         {true, {0.5, 0.4166666666666667, 0.75, 1.3333333333333333, 0.5, 1.1666666666666667,
                 0.16666666666666666}},
         {true, {0.0, 0.0, 0.5333333333333333, 0.6, 0.0, 0.3333333333333333, 0.0}},
         {true, {1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0}},
         {true, {0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0}},
         {true, {0.029912366650386418, 0.053573533473376345, 0.105309159461313, 0.1548638040308633,
                 0.06666213184534504, 0.2560075837733129, 0.3336714207654029}}}},
    {"default dir=1 w=1", G1W, true, true, false,
     {
         {true, {0.5, 0.4166666666666667, 0.75, 1.3333333333333333, 0.5, 1.1666666666666667,
                 0.16666666666666666}},
         {true, {0.0, 0.0, 0.26666666666666666, 0.3, 0.0, 0.16666666666666666, 0.0}},
         {true, {0.0, 0.3333333333333333, 0.2222222222222222, 0.375, 0.33333333333333337,
                 0.7575757575757576, 0.5217391304347826}},
         {false, {0}},
         {true, {0.051838920086847776, 0.08121430813606116, 0.13555877602710553,
                 0.16706387970988654, 0.08023977963752867, 0.23364617098147072,
                 0.2504381654210994}}}},
};

static void test_g1_all_modes(void)
{
    for (size_t k = 0; k < sizeof G1_CASES / sizeof G1_CASES[0]; k++) {
        mloda_api_data *api = edge_api(G1_SRC, G1_DST, G1_CASES[k].weighted ? G1_W : NULL,
                                       G1_NODE, 8);
        mloda_options *o = cent_opts(G1_CASES[k].directed, G1_CASES[k].weighted,
                                     G1_CASES[k].compat);
        for (int t = 0; t < 5; t++) {
            TEST_CASE("%s %s", G1_CASES[k].label, TYPES[t]);
            char name[64];
            snprintf(name, sizeof name, "node__%s_centrality", TYPES[t]);
            double got[8];
            mloda_error err = MLODA_ERROR_INIT;
            mloda_status st = run_one(api, name, o, got, 8, &err);
            const expect7 *e = &G1_CASES[k].e[t];
            if (!e->ok) {
                CHECK_EQ_INT(st, MLODA_ERR_COMPUTE);
                CHECK_CONTAINS(err.message, "did not converge");
                CHECK_STR(err.subject, name);
                continue;
            }
            CHECK_OK(st, err);
            for (int r = 0; st == MLODA_OK && r < 7; r++)
                CHECK_CLOSE(got[r], e->v[r]);
            CHECK(isnan(got[7])); /* null node -> null */
        }
        mloda_options_free(o);
        mloda_api_data_free(api);
    }
}

/* ---------------------------------------------------------------- SPEC values */

/* SPEC §6.8 (observed in mloda): path a-b-c, triangle, weighted path. Rows are edges, the
 * node column is `source`, so row r gets the score of edge r's source. */
static void test_spec_observed(void)
{
    static const struct {
        const char *label;
        const char *src[4], *dst[4];
        double w[4];
        int64_t n;
        bool weighted, directed, compat;
        const char *type;
        double want[4];
    } cases[] = {
        {"path pagerank", {"a", "b"}, {"b", "c"}, {0}, 2, false, false, true, "pagerank",
         {0.2567565534316176, 0.48648689313676485}},
        {"path pagerank directed", {"a", "b"}, {"b", "c"}, {0}, 2, false, true, true, "pagerank",
         {0.10375110597604825, 0.2867448829455802}},
        {"path betweenness doubled", {"a", "b"}, {"b", "c"}, {0}, 2, false, false, true,
         "betweenness", {0.0, 2.0}},
        {"path betweenness standard", {"a", "b"}, {"b", "c"}, {0}, 2, false, false, false,
         "betweenness", {0.0, 1.0}},
        {"path eigenvector oscillates", {"a", "b"}, {"b", "c"}, {0}, 2, false, false, true,
         "eigenvector", {0.5773502691896257, 0.5773502691896257}},
        {"path eigenvector converged", {"a", "b"}, {"b", "c"}, {0}, 2, false, false, false,
         "eigenvector", {0.5, 0.7071067811865476}},
        {"path pagerank fixed point", {"a", "b"}, {"b", "c"}, {0}, 2, false, false, false,
         "pagerank", {19.0 / 74.0, 36.0 / 74.0}},
        {"weighted degree", {"a", "b"}, {"b", "c"}, {2, 3}, 2, true, false, true, "degree",
         {1.0, 2.5}},
        {"weighted degree standard", {"a", "b"}, {"b", "c"}, {2, 3}, 2, true, false, false,
         "degree", {1.0, 2.5}},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        TEST_CASE("%s", cases[k].label);
        mloda_api_data *api = edge_api(cases[k].src, cases[k].dst,
                                       cases[k].weighted ? cases[k].w : NULL, NULL, cases[k].n);
        mloda_options *o = cent_opts(cases[k].directed, cases[k].weighted, cases[k].compat);
        char name[64];
        snprintf(name, sizeof name, "source__%s_centrality", cases[k].type);
        double got[4];
        mloda_error err = MLODA_ERROR_INIT;
        CHECK_OK(run_one(api, name, o, got, cases[k].n, &err), err);
        for (int64_t r = 0; r < cases[k].n; r++)
            CHECK_CLOSE(got[r], cases[k].want[r]);
        mloda_options_free(o);
        mloda_api_data_free(api);
    }
    /* triangle a->b, a->c, b->c, c->a (undirected): every type, every row, both modes */
    const char *src[4] = {"a", "a", "b", "c"}, *dst[4] = {"b", "c", "c", "a"};
    const double want[5] = {1.0, 0.0, 1.0, 0.5773502691896257, 1.0 / 3.0};
    mloda_api_data *api = edge_api(src, dst, NULL, NULL, 4);
    for (int compat = 0; compat < 2; compat++) {
        mloda_options *o = cent_opts(false, false, compat != 0);
        for (int t = 0; t < 5; t++) {
            TEST_CASE("triangle %s compat=%d", TYPES[t], compat);
            char name[64];
            snprintf(name, sizeof name, "target__%s_centrality", TYPES[t]);
            double got[4];
            mloda_error err = MLODA_ERROR_INIT;
            CHECK_OK(run_one(api, name, o, got, 4, &err), err);
            for (int r = 0; r < 4; r++)
                CHECK_CLOSE(got[r], want[t]);
        }
        mloda_options_free(o);
    }
    mloda_api_data_free(api);
}

/* ---------------------------------------------------------------- semantics */

/* Duplicate edges: the last row wins (mloda assigns A[s][t]); self-loops; int64 ids. */
static void test_duplicates_self_loops_int_ids(void)
{
    /* undirected (1,2,w=1) then (2,1,w=5): A[1][2] = A[2][1] = 5; directed keeps both */
    const int64_t s[3] = {1, 2, 3}, t[3] = {2, 1, 3};
    const double w[3] = {1.0, 5.0, 2.0};
    mloda_api_data *api = mloda_api_data_new();
    const char *names[3] = {"source", "target", "w"};
    mloda_column *cols[3] = {col_i64(s, NULL, 3), col_i64(t, NULL, 3), col_f64(w, 3)};
    api_add(api, "E", 3, names, cols);
    static const struct {
        bool directed, compat;
        double want[3];
    } cases[] = {
        /* nodes 1,2,3; n-1 = 2. Undirected: deg1 = 5, deg2 = 5, deg3 = self-loop 2 counted
         * twice by networkx (4), once by mloda (2). Directed: 1: out 1 + in 5 = 6;
         * 2: 6; 3: out 2 + in 2 = 4 both ways. */
        {false, false, {2.5, 2.5, 2.0}},
        {false, true, {2.5, 2.5, 1.0}},
        {true, false, {3.0, 3.0, 2.0}},
        {true, true, {3.0, 3.0, 2.0}},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        TEST_CASE("directed=%d compat=%d", cases[k].directed, cases[k].compat);
        mloda_options *o = cent_opts(cases[k].directed, true, cases[k].compat);
        double got[3];
        mloda_error err = MLODA_ERROR_INIT;
        CHECK_OK(run_one(api, "source__degree_centrality", o, got, 3, &err), err);
        for (int r = 0; r < 3; r++)
            CHECK_CLOSE(got[r], cases[k].want[r]);
        mloda_options_free(o);
    }
    mloda_api_data_free(api);
}

/* Null endpoints add no edge (the non-null end is still a node); a node value that is not
 * an endpoint gives null; weight 0 is no edge. */
static void test_nulls_and_unknown_nodes(void)
{
    const char *src[4] = {"a", "b", NULL, "c"}, *dst[4] = {"b", NULL, "x", "d"};
    const char *node[4] = {"a", "zz", "x", NULL};
    const double w[4] = {1.0, 1.0, 1.0, 0.0};
    mloda_api_data *api = edge_api(src, dst, w, node, 4);
    /* nodes a, b, c, x, d (5 nodes); edges: a-b only (c-d has weight 0) */
    mloda_options *o = cent_opts(false, true, false);
    double got[4];
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_OK(run_one(api, "node__degree_centrality", o, got, 4, &err), err);
    CHECK_CLOSE(got[0], 0.25);
    CHECK(isnan(got[1])); /* 'zz' is no node */
    CHECK_CLOSE(got[2], 0.0);
    CHECK(isnan(got[3]));
    mloda_options_free(o);
    mloda_api_data_free(api);

    /* null and negative weights are errors naming the feature and the row */
    const double bad_w[2][2] = {{1.0, NULL_SLOT}, {1.0, -2.0}};
    const uint8_t bad_w_valid[2][2] = {{1, 0}, {1, 1}};
    const char *bad_msg[2] = {"row 1 is null", "row 1 is -2"};
    for (int k = 0; k < 2; k++) {
        TEST_CASE("bad weight %d", k);
        const char *s2[2] = {"a", "b"}, *d2[2] = {"b", "c"};
        api = edge_api_valid(s2, d2, bad_w[k], bad_w_valid[k], NULL, 2);
        o = cent_opts(false, true, false);
        mloda_error e2 = MLODA_ERROR_INIT;
        CHECK_EQ_INT(run_one(api, "source__pagerank_centrality", o, got, 2, &e2),
                     MLODA_ERR_COMPUTE);
        CHECK_STR(e2.subject, "source__pagerank_centrality");
        CHECK_CONTAINS(e2.message, bad_msg[k]);
        mloda_options_free(o);
        mloda_api_data_free(api);
    }
}

/* Zero rows, one row, all-null endpoints. */
static void test_small_tables(void)
{
    for (int t = 0; t < 5; t++) {
        for (int compat = 0; compat < 2; compat++) {
            TEST_CASE("%s compat=%d", TYPES[t], compat);
            char name[64];
            snprintf(name, sizeof name, "source__%s_centrality", TYPES[t]);
            mloda_options *o = cent_opts(false, false, compat != 0);
            double got[2];
            mloda_error err = MLODA_ERROR_INIT;
            /* zero rows */
            mloda_api_data *api = edge_api(NULL, NULL, NULL, NULL, 0);
            CHECK_OK(run_one(api, name, o, got, 0, &err), err);
            mloda_api_data_free(api);
            /* one edge a-b: n = 2 */
            const char *s1[1] = {"a"}, *d1[1] = {"b"};
            static const double one_edge[2][5] = {{1.0, 0.0, 1.0, 0.7071067811865475, 0.5},
                                                  {1.0, 0.0, 1.0, 0.7071067811865475, 0.5}};
            api = edge_api(s1, d1, NULL, NULL, 1);
            CHECK_OK(run_one(api, name, o, got, 1, &err), err);
            CHECK_CLOSE(got[0], one_edge[compat][t]);
            mloda_api_data_free(api);
            /* only null endpoints: no nodes, null scores */
            const char *sn[2] = {NULL, NULL}, *dn[2] = {"a", NULL};
            api = edge_api(sn, dn, NULL, NULL, 2);
            CHECK_OK(run_one(api, name, o, got, 2, &err), err);
            CHECK(isnan(got[0]) && isnan(got[1]));
            mloda_api_data_free(api);
            mloda_options_free(o);
        }
    }
}

/* Option form == string form; edge columns named by options; chains across families. */
static void test_option_form_and_columns(void)
{
    mloda_api_data *api = edge_api(G1_SRC, G1_DST, NULL, G1_NODE, 8);
    double a[8], b[8];
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_OK(run_one(api, "node__pagerank_centrality", NULL, a, 8, &err), err);
    mloda_options *o = mloda_options_new();
    (void)mloda_options_set_string(o, MLODA_CONTEXT, "centrality_type", "pagerank", NULL);
    (void)mloda_options_set_string(o, MLODA_CONTEXT, "in_features", "node", NULL);
    CHECK_OK(run_one(api, "my_rank", o, b, 8, &err), err);
    for (int r = 0; r < 7; r++)
        CHECK(a[r] == b[r]);
    mloda_options_free(o);

    /* chain: the max over rows of a centrality */
    CHECK_OK(run_one(api, "node__degree_centrality__max_aggr", NULL, b, 8, &err), err);
    CHECK_CLOSE(b[0], 0.5);
    mloda_api_data_free(api);

    /* edge columns with other names */
    api = mloda_api_data_new();
    const char *names[2] = {"from", "to"};
    mloda_column *cols[2] = {col_str(G1_SRC, 8), col_str(G1_DST, 8)};
    api_add(api, "E", 2, names, cols);
    o = mloda_options_new();
    (void)mloda_options_set_string(o, MLODA_CONTEXT, "source_column", "from", NULL);
    (void)mloda_options_set_string(o, MLODA_CONTEXT, "target_column", "to", NULL);
    CHECK_OK(run_one(api, "from__betweenness_centrality", o, b, 8, &err), err);
    /* rows' sources a, a, b, c, d, e, d, f (default mode, networkx values) */
    const double want[8] = {0.0, 0.0, 0.0, 0.5333333333333333, 0.6, 0.0, 0.6, 0.3333333333333333};
    for (int r = 0; r < 8; r++)
        CHECK_CLOSE(b[r], want[r]);
    mloda_options_free(o);
    /* without the options the default 'source' column is missing: a resolution error */
    mloda_error e2 = MLODA_ERROR_INIT;
    CHECK_EQ_INT(run_one(api, "from__betweenness_centrality", NULL, b, 8, &e2), MLODA_ERR_RESOLVE);
    CHECK_CONTAINS(e2.message, "source");
    mloda_api_data_free(api);
}

/* Bad tokens and option values name the feature, the value and the allowed ones; a name
 * and an option that disagree are an error; wrong input types are type errors. */
static void test_errors(void)
{
    mloda_api_data *api = mloda_api_data_new();
    const char *s[2] = {"a", "b"}, *d[2] = {"b", "c"};
    const int64_t iv[2] = {1, 2};
    const double fv[2] = {1.5, 2.5};
    const char *names[5] = {"source", "target", "inode", "fnode", "label"};
    mloda_column *cols[5] = {col_str(s, 2), col_str(d, 2), col_i64(iv, NULL, 2), col_f64(fv, 2),
                             col_str(s, 2)};
    api_add(api, "E", 5, names, cols);
    static const struct {
        const char *name, *key, *value;
        bool boolean;
        mloda_status st;
        const char *msg;
    } cases[] = {
        {"source__foo_centrality", NULL, NULL, false, MLODA_ERR_RESOLVE,
         "unknown centrality type 'foo'"},
        {"source__Degree_centrality", NULL, NULL, false, MLODA_ERR_RESOLVE,
         "allowed: degree, betweenness, closeness, eigenvector, pagerank"},
        {"source__degree_centrality", "graph_type", "sideways", false, MLODA_ERR_RESOLVE,
         "'sideways'; allowed: undirected, directed"},
        {"source__degree_centrality", "centrality_type", "pagerank", false, MLODA_ERR_OPTION,
         "names centrality type 'degree' but option 'centrality_type' says 'pagerank'"},
        {"source__degree_centrality", "mloda_compat", "yes", false, MLODA_ERR_RESOLVE,
         "mloda_compat"},
        {"source__degree_centrality", "weight_column", "nope", false, MLODA_ERR_RESOLVE, "nope"},
        {"source__degree_centrality", "weight_column", "label", false, MLODA_ERR_TYPE,
         "weight column 'label' is utf8"},
        {"fnode__degree_centrality", NULL, NULL, false, MLODA_ERR_TYPE,
         "node column 'fnode' is float64"},
        {"inode__degree_centrality", NULL, NULL, false, MLODA_ERR_TYPE,
         "source column 'source' is utf8 but node column 'inode' is int64"},
        {"my_c", "centrality_type", "closeness", false, MLODA_ERR_RESOLVE, "in_features"},
        {"my_c", "centrality_type", "middle", false, MLODA_ERR_RESOLVE, "'middle'"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        TEST_CASE("%s %s=%s", cases[k].name, cases[k].key ? cases[k].key : "",
                  cases[k].value ? cases[k].value : "");
        mloda_options *o = mloda_options_new();
        if (cases[k].key != NULL)
            (void)mloda_options_set_string(o, MLODA_CONTEXT, cases[k].key, cases[k].value, NULL);
        double got[2];
        mloda_error err = MLODA_ERROR_INIT;
        CHECK_EQ_INT(run_one(api, cases[k].name, o, got, 2, &err), cases[k].st);
        CHECK_CONTAINS(err.message, cases[k].msg);
        CHECK_CONTAINS(err.message, cases[k].name);
        mloda_options_free(o);
    }
    mloda_api_data_free(api);
}

/* The same values with 1 and 8 worker threads and across repeated runs (bitwise). */
static void test_deterministic(void)
{
    mloda_api_data *api = edge_api(G1_SRC, G1_DST, G1_W, G1_NODE, 8);
    double first[5][8];
    for (int threads = 1; threads <= 8; threads += 7) {
        for (int rep = 0; rep < 3; rep++) {
            mloda_request *req = mloda_request_new();
            (void)mloda_request_set_threads(req, threads, NULL);
            (void)mloda_request_set_inline_rows(req, 0, NULL);
            mloda_options *o = cent_opts(false, true, false);
            for (int t = 0; t < 5; t++) {
                char name[64];
                snprintf(name, sizeof name, "node__%s_centrality", TYPES[t]);
                (void)mloda_request_add(req, name, o, NULL);
            }
            mloda_options_free(o);
            mloda_results *res = NULL;
            mloda_error err = MLODA_ERROR_INIT;
            CHECK_OK(mloda_run_all(reg, req, api, &res, &err), err);
            for (int t = 0; res != NULL && t < 5; t++) {
                char name[64];
                snprintf(name, sizeof name, "node__%s_centrality", TYPES[t]);
                const mloda_column *c = result_column(res, name);
                for (int r = 0; r < 7; r++) {
                    double v = num_at(c, r);
                    if (threads == 1 && rep == 0)
                        first[t][r] = v;
                    else
                        CHECK(memcmp(&v, &first[t][r], sizeof v) == 0);
                }
            }
            mloda_results_free(res);
            mloda_request_free(req);
        }
    }
    mloda_api_data_free(api);
}

/* Every allocation failure surfaces as MLODA_ERR_NOMEM, leaks nothing (ASan) and later
 * runs still work. */
static void test_alloc_failures(void)
{
    mloda_api_data *api = edge_api(G1_SRC, G1_DST, G1_W, G1_NODE, 8);
    mloda_request *req = mloda_request_new();
    (void)mloda_request_set_threads(req, 1, NULL);
    mloda_options *o = cent_opts(false, true, false);
    for (int t = 0; t < 5; t++) {
        char name[64];
        snprintf(name, sizeof name, "node__%s_centrality", TYPES[t]);
        (void)mloda_request_add(req, name, o, NULL);
    }
    mloda_options_free(o);
    const long n = walk_run_all_allocations(reg, req, api);
    CHECK_MSG(n >= 20, "%ld allocations walked", n);
    mloda_request_free(req);
    mloda_api_data_free(api);
}

int main(void)
{
    reg = mloda_registry_default();
    RUN(test_g1_all_modes);
    RUN(test_spec_observed);
    RUN(test_duplicates_self_loops_int_ids);
    RUN(test_nulls_and_unknown_nodes);
    RUN(test_small_tables);
    RUN(test_option_form_and_columns);
    RUN(test_errors);
    RUN(test_deterministic);
    RUN(test_alloc_failures);
    mloda_registry_free(reg);
    return TEST_SUMMARY();
}
