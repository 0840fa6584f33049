/* FP kernel: double-precision 120x120 matrix multiply, repeated. */
#include <stdio.h>
#define N 120
static double a[N][N], b[N][N], c[N][N];
int main(void) {
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++)
            a[i][j] = (i + j) * 0.5, b[i][j] = (i - j) * 0.25;
    for (int rep = 0; rep < 3; rep++)
        for (int i = 0; i < N; i++)
            for (int j = 0; j < N; j++) {
                double s = 0;
                for (int k = 0; k < N; k++)
                    s += a[i][k] * b[k][j];
                c[i][j] = s + rep;
            }
    printf("c[7][9]=%.6f\n", c[7][9]);
    return 0;
}
