/* Micro-benchmark of the fpu library: ns per operation with the host-FPU fast paths and with the
 * software path only, measured in one process (the machine is shared: compare the two columns,
 * not runs). Operands are random normal values of moderate magnitude, FPCR = round to nearest.
 * Usage: fpu_bench [ITERATIONS] (default 2000000 per operation and mode; best of 3). */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "fpu/softfloat.h"

#define N 1024 /* operand ring: stays in L1 */

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint64_t rnd(void) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static f32 a32[N], b32[N], c32[N];
static f64 a64[N], b64[N], c64[N];
static int32_t ints[N];
static volatile uint64_t sink;

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

enum op { ADD, SUB, MUL, DIV, SQRT, FMA, CMP, MAX, TO_INT, FROM_INT, CVT, OPS };
static const char *const names[OPS] = {
    "add",  "sub",  "mul",          "div",         "sqrt",           "fmadd",
    "fcmp", "fmax", "fcvtzs (i32)", "scvtf (i32)", "fcvt (to other)"};

static double run(int width, enum op op, long iters) {
    fp_status st = {0, 0};
    uint64_t acc = 0;
    double t0 = now();
    for (long i = 0; i < iters; i++) {
        unsigned k = (unsigned)i & (N - 1);
        if (width == 32) {
            f32 a = a32[k], b = b32[k], c = c32[k];
            switch (op) {
            case ADD: acc += fp32_add(a, b, &st); break;
            case SUB: acc += fp32_sub(a, b, &st); break;
            case MUL: acc += fp32_mul(a, b, &st); break;
            case DIV: acc += fp32_div(a, b, &st); break;
            case SQRT: acc += fp32_sqrt(fp32_abs(a), &st); break;
            case FMA: acc += fp32_fmadd(a, b, c, &st); break;
            case CMP: acc += fp32_compare(a, b, false, &st); break;
            case MAX: acc += fp32_max(a, b, &st); break;
            case TO_INT: acc += (uint32_t)fp32_to_i32(a, 0, FP_ROUND_ZERO, &st); break;
            case FROM_INT: acc += fp32_from_i32(ints[k], 0, FP_ROUND_TIEEVEN, &st); break;
            default: acc += fp32_to_fp64(a, &st); break;
            }
        } else {
            f64 a = a64[k], b = b64[k], c = c64[k];
            switch (op) {
            case ADD: acc += fp64_add(a, b, &st); break;
            case SUB: acc += fp64_sub(a, b, &st); break;
            case MUL: acc += fp64_mul(a, b, &st); break;
            case DIV: acc += fp64_div(a, b, &st); break;
            case SQRT: acc += fp64_sqrt(fp64_abs(a), &st); break;
            case FMA: acc += fp64_fmadd(a, b, c, &st); break;
            case CMP: acc += fp64_compare(a, b, false, &st); break;
            case MAX: acc += fp64_max(a, b, &st); break;
            case TO_INT: acc += (uint32_t)fp64_to_i32(a, 0, FP_ROUND_ZERO, &st); break;
            case FROM_INT: acc += fp64_from_i32(ints[k], 0, FP_ROUND_TIEEVEN, &st); break;
            default: acc += fp64_to_fp32(a, &st); break;
            }
        }
    }
    double t = now() - t0;
    sink = acc + st.fpsr;
    return t * 1e9 / (double)iters;
}

static double best(int width, enum op op, long iters, bool fast) {
    fp_set_fast_path(fast);
    double b = 1e30;
    for (int r = 0; r < 3; r++) {
        double t = run(width, op, iters);
        if (t < b) b = t;
    }
    return b;
}

int main(int argc, char **argv) {
    long iters = argc > 1 ? atol(argv[1]) : 2000000;
    for (int i = 0; i < N; i++) {
        /* Sign random, magnitude 2^-8 .. 2^8 (|x| < 2^31 for the integer conversions). */
        a32[i] = (f32)((rnd() & 0x807fffffu) | (uint32_t)(127 - 8 + rnd() % 17) << 23);
        b32[i] = (f32)((rnd() & 0x807fffffu) | (uint32_t)(127 - 8 + rnd() % 17) << 23);
        c32[i] = (f32)((rnd() & 0x807fffffu) | (uint32_t)(127 - 8 + rnd() % 17) << 23);
        a64[i] = (rnd() & 0x800fffffffffffffull) | (uint64_t)(1023 - 8 + rnd() % 17) << 52;
        b64[i] = (rnd() & 0x800fffffffffffffull) | (uint64_t)(1023 - 8 + rnd() % 17) << 52;
        c64[i] = (rnd() & 0x800fffffffffffffull) | (uint64_t)(1023 - 8 + rnd() % 17) << 52;
        ints[i] = (int32_t)rnd();
    }
    bool available = fp_fast_path_enabled();
    fp_set_fast_path(true);
    if (!fp_fast_path_enabled()) printf("(host FPU fast paths unavailable on this host)\n");
    printf("%-16s %10s %10s %10s %10s %8s %8s\n", "op", "f32 soft", "f32 fast", "f64 soft",
           "f64 fast", "f32 x", "f64 x");
    for (int op = 0; op < OPS; op++) {
        double s32 = best(32, (enum op)op, iters, false), f32t = best(32, (enum op)op, iters, true);
        double s64 = best(64, (enum op)op, iters, false), f64t = best(64, (enum op)op, iters, true);
        printf("%-16s %10.1f %10.1f %10.1f %10.1f %7.1fx %7.1fx\n", names[op], s32, f32t, s64, f64t,
               s32 / f32t, s64 / f64t);
    }
    fp_set_fast_path(available);
    return 0;
}
