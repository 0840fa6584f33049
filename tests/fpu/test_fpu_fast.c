/* The host-FPU fast paths against the software path: every case is evaluated with
 * fp_set_fast_path(true) and (false), and result bits and FPSR flags must be identical. The
 * operands concentrate where a fast path could go wrong: round to nearest with normal operands,
 * exponents next to the underflow and overflow boundaries, short significands (exact results,
 * exact quotients and roots), cancellation, f32 fused multiply-adds landing on midpoints, and
 * integers around the conversion limits. Special values and other FPCR settings are mixed in so
 * the fallback decisions are exercised too. SOCEMU_FPU_FAST_CASES sets the cases per operation
 * (default 100000). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "fpu/softfloat.h"

static uint64_t rng = 0x243f6a8885a308d3ull;
static uint64_t rnd(void) { /* splitmix64 */
    uint64_t z = (rng += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}
static uint64_t below(uint64_t n) {
    return rnd() % n;
}

typedef struct fmt {
    int width, frac, expmax; /* expmax: all-ones exponent field */
} fmt;
static const fmt F32 = {32, 23, 0xff}, F64 = {64, 52, 0x7ff};

static uint64_t make(fmt f, uint64_t sign, uint64_t e, uint64_t frac) {
    return (sign << (f.width - 1)) | (e << f.frac) | (frac & ((1ull << f.frac) - 1));
}
static uint64_t exp_of(fmt f, uint64_t v) {
    return (v >> f.frac) & (uint64_t)f.expmax;
}

/* A fraction: random, short (a few leading bits: exact results), or all-ones/midpoint-like. */
static uint64_t gen_frac(fmt f) {
    uint64_t mask = (1ull << f.frac) - 1;
    switch (below(5)) {
    case 0:
    case 1: return rnd() & mask;
    case 2: return (rnd() & mask) & ~(mask >> below(12)); /* up to 12 significant bits */
    case 3: return mask ^ (below(4));
    default: return (1ull << (f.frac - 1 - below(4))) | below(3);
    }
}

static uint64_t gen_exp(fmt f) {
    int bias = f.expmax >> 1;
    switch (below(6)) {
    case 0: return 1 + below(6);                      /* next to underflow */
    case 1: return (uint64_t)f.expmax - 1 - below(6); /* next to overflow */
    case 2: return 1 + below((uint64_t)f.expmax - 1);
    default: return (uint64_t)bias - 20 + below(40); /* ordinary magnitudes */
    }
}

static uint64_t gen_float(fmt f) {
    uint64_t sign = rnd() & 1;
    switch (below(40)) {
    case 0: return make(f, sign, 0, 0);                          /* zero */
    case 1: return make(f, sign, 0, rnd() | 1);                  /* denormal */
    case 2: return make(f, sign, (uint64_t)f.expmax, 0);         /* infinity */
    case 3: return make(f, sign, (uint64_t)f.expmax, rnd() | 1); /* NaN */
    default: return make(f, sign, gen_exp(f), gen_frac(f));
    }
}

/* An operand related to `a`: a few ulps away, negated, or scaled by a power of two. */
static uint64_t gen_related(fmt f, uint64_t a) {
    uint64_t sign_bit = 1ull << (f.width - 1);
    switch (below(5)) {
    case 0: return a ^ sign_bit;
    case 1: return (a ^ sign_bit) + below(5) - 2;
    case 2: return a + below(5) - 2;
    case 3: {
        int64_t e = (int64_t)exp_of(f, a) + (int64_t)below(60) - 30;
        if (e < 1 || e >= f.expmax) return gen_float(f);
        return make(f, a >> (f.width - 1), (uint64_t)e, gen_frac(f));
    }
    default: return gen_float(f);
    }
}

static uint32_t gen_fpcr(void) {
    uint32_t fpcr = below(4) ? 0 : (uint32_t)below(4) << FPCR_RMODE_SHIFT;
    if (rnd() & 1) fpcr |= FPCR_FZ;
    if (rnd() & 1) fpcr |= FPCR_DN;
    return fpcr;
}

static uint64_t gen_integer(void) {
    uint64_t v;
    switch (below(5)) {
    case 0: v = rnd() >> below(64); break;
    case 1: v = (1ull << below(64)) + below(5) - 2; break;
    case 2: v = (rnd() >> below(64)) << below(40); break;
    case 3: v = ((uint64_t)below(1u << 24)) << below(40); break;
    default: v = rnd() & 0xffff; break;
    }
    return (rnd() & 1) ? -v : v;
}

enum op {
    ADD,
    SUB,
    MUL,
    MULX,
    DIV,
    SQRT,
    MULADD,
    FMADD,
    FMSUB,
    FNMADD,
    FNMSUB,
    MAX,
    MIN,
    MAXNM,
    MINNM,
    CMP,
    CMPE,
    CMEQ,
    CMGE,
    CMGT,
    ACGE,
    ACGT,
    TO_I32,
    TO_U32,
    TO_I64,
    TO_U64,
    FROM_I32,
    FROM_U32,
    FROM_I64,
    FROM_U64,
    CVT,
    OP_COUNT
};
static const char *const op_names[OP_COUNT] = {"add",
                                               "sub",
                                               "mul",
                                               "mulx",
                                               "div",
                                               "sqrt",
                                               "muladd",
                                               "fmadd",
                                               "fmsub",
                                               "fnmadd",
                                               "fnmsub",
                                               "max",
                                               "min",
                                               "maxnm",
                                               "minnm",
                                               "compare",
                                               "compare(e)",
                                               "compare_eq",
                                               "compare_ge",
                                               "compare_gt",
                                               "compare_abs_ge",
                                               "compare_abs_gt",
                                               "to_i32",
                                               "to_u32",
                                               "to_i64",
                                               "to_u64",
                                               "from_i32",
                                               "from_u32",
                                               "from_i64",
                                               "from_u64",
                                               "fp32<->fp64"};

typedef struct operands {
    uint64_t n, m, a;
    uint32_t fpcr;
    int fbits;
    fp_rounding rounding;
} operands;

#define EVAL(P, T)                                                                                 \
    static uint64_t eval_##P(enum op op, const operands *o, fp_status *st) {                       \
        T n = (T)o->n, m = (T)o->m, a = (T)o->a;                                                   \
        switch (op) {                                                                              \
        case ADD: return P##_add(n, m, st);                                                        \
        case SUB: return P##_sub(n, m, st);                                                        \
        case MUL: return P##_mul(n, m, st);                                                        \
        case MULX: return P##_mulx(n, m, st);                                                      \
        case DIV: return P##_div(n, m, st);                                                        \
        case SQRT: return P##_sqrt(n, st);                                                         \
        case MULADD: return P##_muladd(a, n, m, st);                                               \
        case FMADD: return P##_fmadd(n, m, a, st);                                                 \
        case FMSUB: return P##_fmsub(n, m, a, st);                                                 \
        case FNMADD: return P##_fnmadd(n, m, a, st);                                               \
        case FNMSUB: return P##_fnmsub(n, m, a, st);                                               \
        case MAX: return P##_max(n, m, st);                                                        \
        case MIN: return P##_min(n, m, st);                                                        \
        case MAXNM: return P##_maxnm(n, m, st);                                                    \
        case MINNM: return P##_minnm(n, m, st);                                                    \
        case CMP: return P##_compare(n, m, false, st);                                             \
        case CMPE: return P##_compare(n, m, true, st);                                             \
        case CMEQ: return P##_compare_eq(n, m, st);                                                \
        case CMGE: return P##_compare_ge(n, m, st);                                                \
        case CMGT: return P##_compare_gt(n, m, st);                                                \
        case ACGE: return P##_compare_abs_ge(n, m, st);                                            \
        case ACGT: return P##_compare_abs_gt(n, m, st);                                            \
        case TO_I32: return (uint32_t)P##_to_i32(n, o->fbits, o->rounding, st);                    \
        case TO_U32: return P##_to_u32(n, o->fbits, o->rounding, st);                              \
        case TO_I64: return (uint64_t)P##_to_i64(n, o->fbits, o->rounding, st);                    \
        case TO_U64: return P##_to_u64(n, o->fbits, o->rounding, st);                              \
        case FROM_I32: return P##_from_i32((int32_t)o->n, o->fbits, o->rounding, st);              \
        case FROM_U32: return P##_from_u32((uint32_t)o->n, o->fbits, o->rounding, st);             \
        case FROM_I64: return P##_from_i64((int64_t)o->n, o->fbits, o->rounding, st);              \
        case FROM_U64: return P##_from_u64(o->n, o->fbits, o->rounding, st);                       \
        default: return 0;                                                                         \
        }                                                                                          \
    }
EVAL(fp32, f32)
EVAL(fp64, f64)

static uint64_t eval(fmt f, enum op op, const operands *o, uint32_t *fpsr) {
    fp_status st = {o->fpcr, 0};
    uint64_t r;
    if (op == CVT)
        r = f.width == 32 ? fp32_to_fp64((f32)o->n, &st)
                          : fp64_to_fp32_round(o->n, o->rounding, &st);
    else
        r = f.width == 32 ? eval_fp32(op, o, &st) : eval_fp64(op, o, &st);
    *fpsr = st.fpsr;
    return r;
}

static operands gen_operands(fmt f, enum op op) {
    operands o;
    o.fpcr = gen_fpcr();
    o.rounding = fp_status_rounding(&(fp_status){o.fpcr, 0});
    o.fbits = below(3) ? 0 : (int)below(65);
    o.n = gen_float(f);
    o.m = below(3) ? gen_related(f, o.n) : gen_float(f);
    o.a = gen_float(f);
    if (op >= TO_I32 && op <= TO_U64) {
        o.rounding = below(4) ? FP_ROUND_ZERO : (fp_rounding)below(5);
        if (op <= TO_U32) o.fbits = below(3) ? 0 : (int)below(33);
        if (below(2)) { /* integers and fractions around the destination limits */
            int bits = (op <= TO_U32 ? 32 : 64) - (int)below(3) - o.fbits;
            int bias = f.expmax >> 1;
            if (bits < 0) bits = 0;
            o.n = make(f, rnd() & 1, (uint64_t)(bias + bits), rnd() >> below(64));
        }
    } else if (op >= FROM_I32 && op <= FROM_U64) {
        o.rounding = below(4) ? FP_ROUND_TIEEVEN : (fp_rounding)below(4);
        o.n = gen_integer();
        if (op == FROM_I32 || op == FROM_U32) o.n = (uint32_t)o.n;
        if (op == FROM_I32 || op == FROM_U32) o.fbits = below(3) ? 0 : (int)below(33);
    } else if (op == CVT) {
        if (f.width == 64 && below(2)) /* f32-range exponents, next to the f32 boundaries */
            o.n = make(f, rnd() & 1, (uint64_t)(1023 - 127) + 1 + below(5) + (below(2) ? 0 : 248),
                       gen_frac(f));
    } else if (op >= MULADD && op <= FNMSUB && below(2)) {
        /* Addend near -(n*m): cancellation and results close to midpoints and boundaries. */
        fp_status st = {0, 0};
        uint64_t p = f.width == 32 ? fp32_mul((f32)o.n, (f32)o.m, &st) : fp64_mul(o.n, o.m, &st);
        uint64_t sign_bit = 1ull << (f.width - 1);
        bool negate = op == MULADD || op == FMADD || op == FNMSUB ? true : false;
        if (op == FNMADD || op == FNMSUB) negate = !negate;
        uint64_t a = negate ? p ^ sign_bit : p;
        switch (below(3)) {
        case 0: o.a = a + below(5) - 2; break;
        case 1: { /* the product about half an ulp of a much larger addend */
            int64_t e = (int64_t)exp_of(f, p) + (int64_t)(f.frac + below(8)) - 3;
            o.a = e > 0 && e < f.expmax ? make(f, rnd() & 1, (uint64_t)e, gen_frac(f)) : a;
            break;
        }
        default: o.a = a; break;
        }
    }
    return o;
}

int main(void) {
    const char *env = getenv("SOCEMU_FPU_FAST_CASES");
    long cases = env ? atol(env) : 100000;
    if (!fp_fast_path_enabled()) {
        fp_set_fast_path(true);
        if (!fp_fast_path_enabled()) {
            printf("fpu_fast: host FPU not usable for the fast paths, nothing to compare: skip\n");
            return 77; /* ctest: SKIPPED (SKIP_RETURN_CODE), not a pass */
        }
    }
    long failures = 0, total = 0;
    const fmt formats[2] = {F32, F64};
    for (int fi = 0; fi < 2; fi++) {
        fmt f = formats[fi];
        for (int op = 0; op < OP_COUNT; op++) {
            long bad = 0, inexact = 0;
            for (long c = 0; c < cases; c++) {
                operands o = gen_operands(f, (enum op)op);
                uint32_t fpsr_fast, fpsr_soft;
                fp_set_fast_path(true);
                uint64_t fast = eval(f, (enum op)op, &o, &fpsr_fast);
                fp_set_fast_path(false);
                uint64_t soft = eval(f, (enum op)op, &o, &fpsr_soft);
                if (fpsr_soft & FPSR_IXC) inexact++;
                if (fast == soft && fpsr_fast == fpsr_soft) continue;
                if (bad++ < 5)
                    fprintf(stderr,
                            "MISMATCH f%d %s: n=%#" PRIx64 " m=%#" PRIx64 " a=%#" PRIx64
                            " fpcr=%#x fbits=%d rounding=%d\n   fast %#" PRIx64
                            " fpsr %#x\n   soft %#" PRIx64 " fpsr %#x\n",
                            f.width, op_names[op], o.n, o.m, o.a, o.fpcr, o.fbits, o.rounding, fast,
                            fpsr_fast, soft, fpsr_soft);
            }
            printf("f%d %-16s %8ld cases %6ld inexact %4ld mismatches\n", f.width, op_names[op],
                   cases, inexact, bad);
            failures += bad;
            total += cases;
        }
    }
    fp_set_fast_path(true);
    printf("fpu_fast: %ld cases, %ld fast/software mismatches\n", total, failures);
    return failures ? 1 : 0;
}
