/*
 * test_linalg.c: the one-sided Jacobi rotations shared by PCA and least squares
 * (mloda_la_jacobi in src/groups/linalg.c): orthogonal columns afterwards, singular values
 * as their norms, and V with x_before * V = x_after.
 */
#include "groups/linalg.h"
#include "test.h"

enum { N = 5, P = 3 };

static void test_jacobi(void)
{
    /* column-major 5 x 3; case 1 has a column that is the sum of the others (rank 2) */
    static const double inputs[2][N * P] = {
        {1, 2, 3, 4, 5, 2, 0, 1, 3, -1, 0.5, 0.25, -2, 1, 4},
        {1, 2, 3, 4, 5, 2, 0, 1, 3, -1, 3, 2, 4, 7, 4},
    };
    for (int c = 0; c < 2; c++) {
        TEST_CASE("matrix %d", c);
        double x[N * P], v[P * P], sv[P];
        for (int k = 0; k < N * P; k++)
            x[k] = inputs[c][k];
        for (int i = 0; i < P; i++)
            for (int j = 0; j < P; j++)
                v[i * P + j] = i == j ? 1.0 : 0.0;
        mloda_la_jacobi(x, N, P, v, P, 80, sv);
        double frob = 0, sum_sv2 = 0;
        for (int k = 0; k < N * P; k++)
            frob += inputs[c][k] * inputs[c][k];
        for (int k = 0; k < P; k++)
            sum_sv2 += sv[k] * sv[k];
        CHECK_CLOSE(sum_sv2, frob); /* rotations keep the Frobenius norm */
        for (int i = 0; i < P; i++) {
            double norm2 = 0;
            for (int r = 0; r < N; r++)
                norm2 += x[i * N + r] * x[i * N + r];
            CHECK_CLOSE(sqrt(norm2), sv[i]);
            for (int j = i + 1; j < P; j++) { /* orthogonal columns */
                double dot = 0;
                for (int r = 0; r < N; r++)
                    dot += x[i * N + r] * x[j * N + r];
                CHECK(fabs(dot) <= 1e-12 * (frob + 1));
            }
        }
        for (int r = 0; r < N; r++) /* x_before * V = x_after */
            for (int k = 0; k < P; k++) {
                double y = 0;
                for (int j = 0; j < P; j++)
                    y += inputs[c][j * N + r] * v[k * P + j];
                CHECK(fabs(y - x[k * N + r]) <= 1e-12 * (frob + 1));
            }
        if (c == 1) { /* rank 2: one singular value is (numerically) zero */
            double smin = sv[0] < sv[1] ? (sv[0] < sv[2] ? sv[0] : sv[2])
                                        : (sv[1] < sv[2] ? sv[1] : sv[2]);
            CHECK(smin <= 1e-12 * sqrt(frob));
        }
    }
}

static void test_svd_order(void)
{
    /* without v: the same rotations; order lists columns by decreasing singular value */
    double x[N * P] = {0.1, 0.2, 0.0, -0.1, 0.1, 5, 4, 3, 2, 1, 1, -1, 1, -1, 1};
    la_matrix m = {N, P, x, NULL};
    double sv[P];
    int64_t order[P];
    mloda_la_svd_jacobi(&m, sv, order);
    CHECK(sv[order[0]] >= sv[order[1]] && sv[order[1]] >= sv[order[2]]);
}

int main(void)
{
    RUN(test_jacobi);
    RUN(test_svd_order);
    return TEST_SUMMARY();
}
