/* Scalar FP: +, -, *, /, sqrt, fma in every rounding mode with the FPSR flags they raise,
 * conversions, and printf of doubles (glibc's printf does its own integer arithmetic on them). */
#include <fenv.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const int modes[] = {FE_TONEAREST, FE_UPWARD, FE_DOWNWARD, FE_TOWARDZERO};
static const char *const mode_names[] = {"near", "up", "down", "zero"};

static volatile double dv[] = {1.0,
                               -1.0,
                               3.0,
                               0.1,
                               1e308,
                               -1e308,
                               5e-324,
                               2.2250738585072014e-308,
                               0.0,
                               -0.0,
                               INFINITY,
                               -INFINITY,
                               NAN,
                               1.0 / 3.0,
                               123456789.987654321};
static volatile float fv[] = {1.0f, -3.0f, 0.1f,     3.4e38f, 1e-45f,      1.17549435e-38f,
                              0.0f, -0.0f, INFINITY, NAN,     16777217.0f, 1.0f / 3.0f};
#define ND (sizeof dv / sizeof dv[0])
#define NF (sizeof fv / sizeof fv[0])

static unsigned flags(void) {
    unsigned f = 0;
    f |= fetestexcept(FE_INVALID) ? 1 : 0;
    f |= fetestexcept(FE_DIVBYZERO) ? 2 : 0;
    f |= fetestexcept(FE_OVERFLOW) ? 4 : 0;
    f |= fetestexcept(FE_UNDERFLOW) ? 8 : 0;
    f |= fetestexcept(FE_INEXACT) ? 16 : 0;
    return f;
}

static uint64_t bits(double d) {
    uint64_t u;
    memcpy(&u, &d, 8);
    return u;
}
static uint32_t fbits(float f) {
    uint32_t u;
    memcpy(&u, &f, 4);
    return u;
}

static uint64_t h = 0;
static void mix(uint64_t v) {
    h = (h ^ v) * 0x100000001b3ull;
}

#define OP2(name, expr)                                                                            \
    do {                                                                                           \
        uint64_t hh = h;                                                                           \
        for (unsigned i = 0; i < ND; i++)                                                          \
            for (unsigned j = 0; j < ND; j++) {                                                    \
                double a = dv[i], b = dv[j];                                                       \
                feclearexcept(FE_ALL_EXCEPT);                                                      \
                volatile double r = (expr);                                                        \
                mix(bits(r));                                                                      \
                mix(flags());                                                                      \
            }                                                                                      \
        printf("  %-5s %016llx\n", name, (unsigned long long)(h ^ hh));                            \
    } while (0)

#define OP2F(name, expr)                                                                           \
    do {                                                                                           \
        uint64_t hh = h;                                                                           \
        for (unsigned i = 0; i < NF; i++)                                                          \
            for (unsigned j = 0; j < NF; j++) {                                                    \
                float a = fv[i], b = fv[j];                                                        \
                feclearexcept(FE_ALL_EXCEPT);                                                      \
                volatile float r = (expr);                                                         \
                mix(fbits(r));                                                                     \
                mix(flags());                                                                      \
            }                                                                                      \
        printf("  %-5s %016llx\n", name, (unsigned long long)(h ^ hh));                            \
    } while (0)

int main(void) {
    for (unsigned m = 0; m < 4; m++) {
        fesetround(modes[m]);
        printf("mode %s (fegetround ok: %d)\n", mode_names[m], fegetround() == modes[m]);
        OP2("add", a + b);
        OP2("sub", a - b);
        OP2("mul", a * b);
        OP2("div", a / b);
        OP2("fma", fma(a, b, 0.1));
        OP2("sqrt", sqrt(a) + 0 * b);
        OP2("min", fmin(a, b));
        OP2F("fadd", a + b);
        OP2F("fmul", a * b);
        OP2F("fdiv", a / b);
        OP2F("fsqrt", sqrtf(a) + 0 * b);
        OP2F("ffma", fmaf(a, b, 0.1f));
        uint64_t hh = h;
        for (unsigned i = 0; i < ND; i++) {
            double a = dv[i];
            feclearexcept(FE_ALL_EXCEPT);
            volatile float f = (float)a;
            volatile int64_t l = (int64_t)a;
            volatile uint32_t u = (uint32_t)a;
            volatile double ri = rint(a);
            volatile long lr = lrint(a);
            mix(fbits(f) ^ (uint64_t)l ^ u);
            mix(bits(ri) ^ (uint64_t)lr);
            mix(flags());
        }
        for (unsigned i = 0; i < NF; i++) {
            feclearexcept(FE_ALL_EXCEPT);
            volatile double d = fv[i];
            volatile int32_t w = (int32_t)fv[i];
            mix(bits(d) ^ (uint32_t)w);
            mix(flags());
        }
        for (int64_t k = -5; k < 5; k++) {
            volatile double d = (double)(k * 0x1234567890123ll);
            volatile float f = (float)(uint64_t)(k * 0x1234567890123ll);
            mix(bits(d) ^ fbits(f));
        }
        printf("  conv  %016llx\n", (unsigned long long)(h ^ hh));
    }
    fesetround(FE_TONEAREST);
    printf("%.17g %.17g %g %e %a\n", 0.1, 1.0 / 3.0, 1e300 * 10, 123456.789, 1.5);
    printf("%f %.3f %10.4f %g %g\n", 3.14159265358979, -2.5, 1e-5, 1e-320, -0.0);
    printf("%.20f %.0f %.30e\n", 2.0 / 3.0, 1e22, 6.02214076e23);
    printf("%g %g %g %g\n", strtod("1e-400", NULL), atof("2.5e+10"), sin(1.0), exp(2.0));
    printf("%.10f %.10f %.10f\n", log(10.0), pow(2.0, 0.5), atan2(1.0, 2.0));
    return 0;
}
