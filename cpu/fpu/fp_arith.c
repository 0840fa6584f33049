/* Arithmetic: FPAdd, FPSub, FPMul, FPMulX, FPDiv, FPSqrt, FPMulAdd, FPRecipStepFused,
 * FPRSqrtStepFused and FPMax/FPMin/FPMaxNum/FPMinNum. Each computes the exact result as an
 * integer significand (128-bit) and rounds once. */
#include "fp_fast.h"

static uint64_t exact_zero_result(const fp_format *f, fp_status *st) {
    /* An exact zero sum of nonzero or opposite-signed operands is -0 only when rounding down. */
    return fp_zero(f, fp_status_rounding(st) == FP_ROUND_NEGINF);
}

static uint64_t round_sum(const fp_format *f, fp_exact sum, fp_status *st) {
    if (sum.sig == 0) return exact_zero_result(f, st);
    return fp_round(f, sum, fp_status_rounding(st), st);
}

static fp_exact exact_of(const fp_format *f, const fp_unpacked *u) {
    if (u->type == FP_ZERO) {
        fp_exact z = {u->sign, 0, 0};
        return z;
    }
    return fp_exact_from(f, u);
}

static fp_exact exact_product(const fp_format *f, const fp_unpacked *a, const fp_unpacked *b) {
    fp_exact x = fp_exact_from(f, a), y = fp_exact_from(f, b);
    fp_exact p = {a->sign ^ b->sign, x.exp + y.exp, x.sig * y.sig};
    return p;
}

static bool is_normal_encoding(const fp_format *f, uint64_t bits) {
    unsigned exp = (unsigned)fp_exp_field(f, bits);
    return exp - 1 < (1u << f->exp_bits) - 2; /* 1 .. max-1: no zero/denormal/inf/NaN */
}

/* The hot case of FPAdd/FPSub: two normal operands, so no NaN, infinity, zero or flushing can
 * occur. Significands sit with the leading one at bit 61; at least 8 guard bits below an f64
 * significand make the jamming right shift exact enough for subtraction (a 0/1 place
 * difference shifts nothing out). */
static uint64_t add_sub_normal(const fp_format *f, uint64_t a, uint64_t b, bool negate_b,
                               fp_status *st) {
    const int F = f->frac_bits, to_bit61 = 61 - F;
    bool sign_a = (a >> (f->width - 1)) & 1, sign_b = ((b >> (f->width - 1)) & 1) ^ negate_b;
    int exp_a = fp_exp_field(f, a), exp_b = fp_exp_field(f, b);
    uint64_t sig_a = ((a & fp_frac_mask(f)) | (1ull << F)) << to_bit61;
    uint64_t sig_b = ((b & fp_frac_mask(f)) | (1ull << F)) << to_bit61;
    if (exp_a < exp_b || (exp_a == exp_b && sig_a < sig_b)) {
        uint64_t t = sig_a;
        sig_a = sig_b;
        sig_b = t;
        int e = exp_a;
        exp_a = exp_b;
        exp_b = e;
        bool sg = sign_a;
        sign_a = sign_b;
        sign_b = sg;
    }
    int shift = exp_a - exp_b;
    if (shift >= 64)
        sig_b = sig_b != 0;
    else if (shift > 0)
        sig_b = (sig_b >> shift) | ((sig_b & ((1ull << shift) - 1)) != 0);
    uint64_t sum = sign_a == sign_b ? sig_a + sig_b : sig_a - sig_b;
    if (sum == 0) return exact_zero_result(f, st);
    /* sig_a's leading one (bit 61) weighs 2^(exp_a + min_exp - 1). */
    fp_exact v = {sign_a, exp_a + f->min_exp - 1 - 61, sum};
    return fp_round(f, v, fp_status_rounding(st), st);
}

/* FPAdd (negate_b = false) and FPSub (negate_b = true). */
static uint64_t add_sub(const fp_format *f, uint64_t a, uint64_t b, bool negate_b, fp_status *st) {
    if (is_normal_encoding(f, a) && is_normal_encoding(f, b))
        return add_sub_normal(f, a, b, negate_b, st);
    fp_unpacked ua = fp_unpack(f, a, st), ub = fp_unpack(f, b, st);
    uint64_t result;
    if (fp_process_nans(f, ua.type, ub.type, a, b, st, &result)) return result;
    bool sign_b = ub.sign ^ negate_b;
    bool inf_a = ua.type == FP_INFINITY, inf_b = ub.type == FP_INFINITY;
    if (inf_a && inf_b && ua.sign != sign_b) {
        fp_raise(st, FPSR_IOC);
        return fp_default_nan(f);
    }
    if (inf_a) return fp_infinity(f, ua.sign);
    if (inf_b) return fp_infinity(f, sign_b);
    if (ua.type == FP_ZERO && ub.type == FP_ZERO && ua.sign == sign_b) return fp_zero(f, ua.sign);
    fp_exact x = exact_of(f, &ua), y = exact_of(f, &ub);
    y.sign = sign_b;
    return round_sum(f, fp_exact_add(x, y), st);
}

/* FPMul (mulx = false) and FPMulX, where inf * 0 is 2.0 instead of Invalid Operation. */
static uint64_t mul(const fp_format *f, uint64_t a, uint64_t b, bool mulx, fp_status *st) {
    if (is_normal_encoding(f, a) && is_normal_encoding(f, b)) { /* hot case: no specials */
        const int F = f->frac_bits;
        uint64_t sig_a = (a & fp_frac_mask(f)) | (1ull << F);
        uint64_t sig_b = (b & fp_frac_mask(f)) | (1ull << F);
        int exp = fp_exp_field(f, a) + fp_exp_field(f, b) + 2 * (f->min_exp - 1 - F);
        fp_exact p = {((a ^ b) >> (f->width - 1)) & 1, exp, (u128)sig_a * sig_b};
        return fp_round(f, p, fp_status_rounding(st), st);
    }
    fp_unpacked ua = fp_unpack(f, a, st), ub = fp_unpack(f, b, st);
    uint64_t result;
    if (fp_process_nans(f, ua.type, ub.type, a, b, st, &result)) return result;
    bool sign = ua.sign ^ ub.sign;
    bool inf_a = ua.type == FP_INFINITY, inf_b = ub.type == FP_INFINITY;
    bool zero_a = ua.type == FP_ZERO, zero_b = ub.type == FP_ZERO;
    if ((inf_a && zero_b) || (zero_a && inf_b)) {
        if (mulx) return fp_power_of_two(f, sign, 1, 0);
        fp_raise(st, FPSR_IOC);
        return fp_default_nan(f);
    }
    if (inf_a || inf_b) return fp_infinity(f, sign);
    if (zero_a || zero_b) return fp_zero(f, sign);
    return fp_round(f, exact_product(f, &ua, &ub), fp_status_rounding(st), st);
}

static uint64_t divide(const fp_format *f, uint64_t a, uint64_t b, fp_status *st) {
    fp_unpacked ua = fp_unpack(f, a, st), ub = fp_unpack(f, b, st);
    uint64_t result;
    if (fp_process_nans(f, ua.type, ub.type, a, b, st, &result)) return result;
    bool sign = ua.sign ^ ub.sign;
    bool inf_a = ua.type == FP_INFINITY, inf_b = ub.type == FP_INFINITY;
    bool zero_a = ua.type == FP_ZERO, zero_b = ub.type == FP_ZERO;
    if ((inf_a && inf_b) || (zero_a && zero_b)) {
        fp_raise(st, FPSR_IOC);
        return fp_default_nan(f);
    }
    if (inf_a || zero_b) {
        if (!inf_a) fp_raise(st, FPSR_DZC);
        return fp_infinity(f, sign);
    }
    if (zero_a || inf_b) return fp_zero(f, sign);
    /* At most 53-bit significands: a 74-bit shift leaves a quotient of at least 74 bits, far
     * more than the 55 rounding needs; a nonzero remainder becomes the sticky bit. */
    fp_exact x = fp_exact_from(f, &ua), y = fp_exact_from(f, &ub);
    u128 num = x.sig << 74;
    u128 q = num / y.sig;
    if (num % y.sig) q |= 1;
    fp_exact quotient = {sign, x.exp - y.exp - 74, q};
    return fp_round(f, quotient, fp_status_rounding(st), st);
}

/* floor(sqrt(v)) for a 128-bit v, with *inexact telling whether the root was exact. */
static uint64_t isqrt128(u128 v, bool *inexact) {
    u128 root = 0, rem = v;
    u128 bit = (u128)1 << 126;
    while (bit > v)
        bit >>= 2;
    while (bit) {
        if (rem >= root + bit) {
            rem -= root + bit;
            root = (root >> 1) + bit;
        } else {
            root >>= 1;
        }
        bit >>= 2;
    }
    *inexact = rem != 0;
    return (uint64_t)root;
}

static uint64_t square_root(const fp_format *f, uint64_t a, fp_status *st) {
    fp_unpacked ua = fp_unpack(f, a, st);
    if (fp_is_nan_type(ua.type)) return fp_process_nan(f, ua.type, a, st);
    if (ua.type == FP_ZERO) return fp_zero(f, ua.sign);
    if (ua.type == FP_INFINITY && !ua.sign) return fp_infinity(f, false);
    if (ua.sign) {
        fp_raise(st, FPSR_IOC);
        return fp_default_nan(f);
    }
    /* value = sig * 2^exp with an even exp; scale sig to ~126 bits so the root has ~63. */
    fp_exact x = fp_exact_from(f, &ua);
    int shift = 126 - (127 - fp_clz128(x.sig));
    if ((x.exp - shift) & 1) shift--;
    bool inexact;
    uint64_t root = isqrt128(x.sig << shift, &inexact);
    fp_exact r = {false, (x.exp - shift) / 2, (u128)root | inexact};
    return fp_round(f, r, fp_status_rounding(st), st);
}

/* FPMulAdd: addend + op1 * op2 with a single rounding. */
static uint64_t muladd(const fp_format *f, uint64_t addend, uint64_t op1, uint64_t op2,
                       fp_status *st) {
    fp_unpacked ua = fp_unpack(f, addend, st);
    fp_unpacked u1 = fp_unpack(f, op1, st), u2 = fp_unpack(f, op2, st);
    bool inf1 = u1.type == FP_INFINITY, inf2 = u2.type == FP_INFINITY;
    bool zero1 = u1.type == FP_ZERO, zero2 = u2.type == FP_ZERO;
    bool invalid_product = (inf1 && zero2) || (zero1 && inf2);
    uint64_t result;
    bool done = fp_process_nans3(f, ua.type, u1.type, u2.type, addend, op1, op2, st, &result);
    /* ARM: a quiet-NaN addend does not hide an inf * 0 product. */
    if (ua.type == FP_QNAN && invalid_product) {
        fp_raise(st, FPSR_IOC);
        return fp_default_nan(f);
    }
    if (done) return result;

    bool inf_a = ua.type == FP_INFINITY, zero_a = ua.type == FP_ZERO;
    bool sign_p = u1.sign ^ u2.sign, inf_p = inf1 || inf2, zero_p = zero1 || zero2;
    if (invalid_product || (inf_a && inf_p && ua.sign != sign_p)) {
        fp_raise(st, FPSR_IOC);
        return fp_default_nan(f);
    }
    if ((inf_a && !ua.sign) || (inf_p && !sign_p)) return fp_infinity(f, false);
    if ((inf_a && ua.sign) || (inf_p && sign_p)) return fp_infinity(f, true);
    if (zero_a && zero_p && ua.sign == sign_p) return fp_zero(f, ua.sign);
    fp_exact product = {sign_p, 0, 0};
    if (!zero_p) product = exact_product(f, &u1, &u2);
    return round_sum(f, fp_exact_add(exact_of(f, &ua), product), st);
}

/* FPRecipStepFused (2 - a*b) and FPRSqrtStepFused ((3 - a*b) / 2), using the FPCR passed. */
static uint64_t step_fused(const fp_format *f, uint64_t a, uint64_t b, bool rsqrt, fp_status *st) {
    a ^= fp_sign_bit(f); /* op1 = FPNeg(op1), before NaN processing */
    fp_unpacked ua = fp_unpack(f, a, st), ub = fp_unpack(f, b, st);
    uint64_t result;
    if (fp_process_nans(f, ua.type, ub.type, a, b, st, &result)) return result;
    bool inf_a = ua.type == FP_INFINITY, inf_b = ub.type == FP_INFINITY;
    bool zero_a = ua.type == FP_ZERO, zero_b = ub.type == FP_ZERO;
    if ((inf_a && zero_b) || (zero_a && inf_b))
        return rsqrt ? fp_power_of_two(f, false, 0, 1ull << (f->frac_bits - 1)) /* 1.5 */
                     : fp_power_of_two(f, false, 1, 0);                         /* 2.0 */
    if (inf_a || inf_b) return fp_infinity(f, ua.sign ^ ub.sign);
    fp_exact constant = {false, 0, rsqrt ? 3 : 2};
    fp_exact product = {ua.sign ^ ub.sign, 0, 0};
    if (!zero_a && !zero_b) product = exact_product(f, &ua, &ub);
    fp_exact sum = fp_exact_add(constant, product);
    if (rsqrt) sum.exp--;
    return round_sum(f, sum, st);
}

/* FPMax (is_max) / FPMin. */
static uint64_t max_min(const fp_format *f, uint64_t a, uint64_t b, bool is_max, fp_status *st) {
    int fast_order_ab;
    if (fast_order(f, a, b, &fast_order_ab)) {
        /* No NaN, no denormal: the larger (smaller) encoding itself; equal values have the same
         * encoding except for zeros, where AND gives +0 for max and OR gives -0 for min. */
        if (fast_order_ab == 0) return is_max ? a & b : a | b;
        return (fast_order_ab > 0) == is_max ? a : b;
    }
    fp_unpacked ua = fp_unpack(f, a, st), ub = fp_unpack(f, b, st);
    uint64_t result;
    if (fp_process_nans(f, ua.type, ub.type, a, b, st, &result)) return result;
    /* Like the pseudocode: take op1 only when strictly greater (max) or smaller (min). */
    int order = fp_compare_values(&ua, &ub);
    bool pick_a = is_max ? order > 0 : order < 0;
    const fp_unpacked *u = pick_a ? &ua : &ub;
    if (u->type == FP_INFINITY) return fp_infinity(f, u->sign);
    if (u->type == FP_ZERO) /* max prefers +0, min prefers -0 */
        return fp_zero(f, is_max ? (ua.sign && ub.sign) : (ua.sign || ub.sign));
    /* FPRound of an exact value: only re-encodes (and would flush, but FZ already did). */
    return fp_round(f, fp_exact_from(f, u), fp_status_rounding(st), st);
}

/* FPMaxNum / FPMinNum: a single quiet NaN loses against any number. */
static uint64_t max_min_num(const fp_format *f, uint64_t a, uint64_t b, bool is_max,
                            fp_status *st) {
    int order;
    if (fast_order(f, a, b, &order)) return max_min(f, a, b, is_max, st); /* no NaN */
    fp_type ta = fp_unpack(f, a, st).type, tb = fp_unpack(f, b, st).type;
    if (ta == FP_QNAN && tb != FP_QNAN)
        a = fp_infinity(f, is_max);
    else if (ta != FP_QNAN && tb == FP_QNAN)
        b = fp_infinity(f, is_max);
    return max_min(f, a, b, is_max, st);
}

#define DEFINE_ARITH(T, P, FMT)                                                                    \
    T P##_add(T a, T b, fp_status *st) {                                                           \
        T fast_r;                                                                                  \
        if (fast_##P##_add(a, b, st, &fast_r)) return fast_r;                                      \
        return (T)add_sub(&FMT, a, b, false, st);                                                  \
    }                                                                                              \
    T P##_sub(T a, T b, fp_status *st) {                                                           \
        T fast_r;                                                                                  \
        if (fast_##P##_sub(a, b, st, &fast_r)) return fast_r;                                      \
        return (T)add_sub(&FMT, a, b, true, st);                                                   \
    }                                                                                              \
    T P##_mul(T a, T b, fp_status *st) {                                                           \
        T fast_r;                                                                                  \
        if (fast_##P##_mul(a, b, st, &fast_r)) return fast_r;                                      \
        return (T)mul(&FMT, a, b, false, st);                                                      \
    }                                                                                              \
    T P##_mulx(T a, T b, fp_status *st) {                                                          \
        T fast_r;                                                                                  \
        if (fast_##P##_mul(a, b, st, &fast_r)) return fast_r;                                      \
        return (T)mul(&FMT, a, b, true, st);                                                       \
    }                                                                                              \
    T P##_div(T a, T b, fp_status *st) {                                                           \
        T fast_r;                                                                                  \
        if (fast_##P##_div(a, b, st, &fast_r)) return fast_r;                                      \
        return (T)divide(&FMT, a, b, st);                                                          \
    }                                                                                              \
    T P##_sqrt(T a, fp_status *st) {                                                               \
        T fast_r;                                                                                  \
        if (fast_##P##_sqrt(a, st, &fast_r)) return fast_r;                                        \
        return (T)square_root(&FMT, a, st);                                                        \
    }                                                                                              \
    T P##_muladd(T addend, T n, T m, fp_status *st) {                                              \
        T fast_r;                                                                                  \
        if (fast_##P##_muladd(addend, n, m, st, &fast_r)) return fast_r;                           \
        return (T)muladd(&FMT, addend, n, m, st);                                                  \
    }                                                                                              \
    T P##_fmadd(T n, T m, T a, fp_status *st) {                                                    \
        return P##_muladd(a, n, m, st);                                                            \
    }                                                                                              \
    T P##_fmsub(T n, T m, T a, fp_status *st) {                                                    \
        return P##_muladd(a, P##_neg(n), m, st);                                                   \
    }                                                                                              \
    T P##_fnmadd(T n, T m, T a, fp_status *st) {                                                   \
        return P##_muladd(P##_neg(a), P##_neg(n), m, st);                                          \
    }                                                                                              \
    T P##_fnmsub(T n, T m, T a, fp_status *st) {                                                   \
        return P##_muladd(P##_neg(a), n, m, st);                                                   \
    }                                                                                              \
    T P##_recps(T a, T b, fp_status *st) {                                                         \
        return (T)step_fused(&FMT, a, b, false, st);                                               \
    }                                                                                              \
    T P##_rsqrts(T a, T b, fp_status *st) {                                                        \
        return (T)step_fused(&FMT, a, b, true, st);                                                \
    }                                                                                              \
    T P##_max(T a, T b, fp_status *st) {                                                           \
        return (T)max_min(&FMT, a, b, true, st);                                                   \
    }                                                                                              \
    T P##_min(T a, T b, fp_status *st) {                                                           \
        return (T)max_min(&FMT, a, b, false, st);                                                  \
    }                                                                                              \
    T P##_maxnm(T a, T b, fp_status *st) {                                                         \
        return (T)max_min_num(&FMT, a, b, true, st);                                               \
    }                                                                                              \
    T P##_minnm(T a, T b, fp_status *st) {                                                         \
        return (T)max_min_num(&FMT, a, b, false, st);                                              \
    }

DEFINE_ARITH(f32, fp32, fp_format32)
DEFINE_ARITH(f64, fp64, fp_format64)
