/* Host-FPU fast paths: the common case of an operation computed with the host's IEEE binary32 /
 * binary64 arithmetic, taken only when the host result is provably the bit pattern and the FPSR
 * flags the Arm pseudocode gives. Each fast_* function returns false (and touches nothing) when
 * it cannot prove that, and the caller then runs the software path, which stays the reference.
 *
 * Why the host result is the Arm result when the conditions below hold:
 *   - IEEE 754 arithmetic is correctly rounded, and FPCR.RMode = RN is the host's default mode
 *     (checked once at start-up together with no flush/denormals-are-zero, see fp_fast.c), so the
 *     rounded value of a finite operation is the same on both.
 *   - Operands are normal or zero: no NaN (propagation, default NaN, IOC), no infinity, and no
 *     denormal, so FPCR.FZ (input flushing, IDC) and FPCR.DN can not matter.
 *   - The result is zero only when it is an exact zero (its sign follows the same IEEE rules as
 *     the pseudocode), otherwise its biased exponent is 2 .. max-1: finite (no overflow: in RN an
 *     overflowing value rounds to infinity), and at least 2 * 2^emin, so even the exact value
 *     before rounding is not tiny (Arm detects tininess before rounding), no UFC and no output
 *     flushing with FZ.
 *   - The only remaining flag is IXC, and each operation decides exactly whether the rounded
 *     result equals the exact value with an error-free transformation (or an integer identity)
 *     described where it is used.
 * The file is compiled with -ffp-contract=off (no fused a*b+c that would change a rounding) and
 * needs FLT_EVAL_METHOD == 0 (no x87 excess precision); otherwise the fast paths are compiled
 * out. */
#ifndef SOCEMU_FPU_FAST_H
#define SOCEMU_FPU_FAST_H

#include <float.h>
#include <string.h>

#include "fp_internal.h"

#if FLT_EVAL_METHOD == 0
#define FP_FAST_COMPILED 1
#else
#define FP_FAST_COMPILED 0
#endif

/* Nonzero when the fast paths may be used (cleared by SOCEMU_NO_FP_FAST=1 or when the host FPU
 * is not in round-to-nearest without flush-to-zero). */
extern int fp_fast_flag;
/* Nonzero when the host has an FMA instruction (x86-64: used for f64 fused multiply-add). */
extern int fp_fast_host_fma;

#define FP_FAST_LIKELY(x) __builtin_expect(!!(x), 1)

static inline float f32_host(uint32_t bits) {
    float v;
    memcpy(&v, &bits, sizeof v);
    return v;
}
static inline uint32_t f32_raw(float v) {
    uint32_t bits;
    memcpy(&bits, &v, sizeof bits);
    return bits;
}
static inline double f64_host(uint64_t bits) {
    double v;
    memcpy(&v, &bits, sizeof v);
    return v;
}
static inline uint64_t f64_raw(double v) {
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    return bits;
}

/* Fast paths enabled and FPCR.RMode = round to nearest, ties to even. */
static inline bool fast_rn(const fp_status *st) {
    return FP_FAST_COMPILED && FP_FAST_LIKELY(fp_fast_flag) && !(st->fpcr & FPCR_RMODE_MASK);
}
static inline bool fast_any_rounding(void) {
    return FP_FAST_COMPILED && FP_FAST_LIKELY(fp_fast_flag);
}

/* Normal or zero encodings (biased exponent 1 .. max-1, or +-0). */
static inline bool f32_plain(uint32_t x) {
    return ((x >> 23) & 0xff) - 1u < 0xfeu || (x << 1) == 0;
}
static inline bool f64_plain(uint64_t x) {
    return ((x >> 52) & 0x7ff) - 1u < 0x7feu || (x << 1) == 0;
}
/* Neither a NaN nor a denormal (infinities and zeros allowed): orderable without FZ effects. */
static inline bool f32_orderable(uint32_t x) {
    uint32_t e = (x >> 23) & 0xff;
    return (e != 0 && e != 0xff) || (x & 0x7fffff) == 0;
}
static inline bool f64_orderable(uint64_t x) {
    uint64_t e = (x >> 52) & 0x7ff;
    return (e != 0 && e != 0x7ff) || (x & 0xfffffffffffffull) == 0;
}
/* Biased exponent 2 .. max-1: finite and at least twice the smallest normal (see above). */
static inline bool f32_safe_result(uint32_t r) {
    return ((r >> 23) & 0xff) - 2u < 0xfdu;
}
static inline bool f64_safe_result(uint64_t r) {
    return ((r >> 52) & 0x7ff) - 2u < 0x7fdu;
}
static inline bool f32_is_zero(uint32_t x) {
    return (x << 1) == 0;
}
static inline bool f64_is_zero(uint64_t x) {
    return (x << 1) == 0;
}

/* The odd part of a normal f64's significand (implicit bit included): the value is
 * odd * 2^k for some k, and a value is representable iff its odd part has at most 53 bits. */
static inline uint64_t f64_odd_sig(uint64_t x) {
    uint64_t sig = (x & 0xfffffffffffffull) | (1ull << 52);
    return sig >> __builtin_ctzll(sig);
}

/* ---- add / sub -------------------------------------------------------------------------- */

/* s = RN(x + y). A zero s is exact: a nonzero sum of normals/zeros is a multiple of the
 * smallest denormal, so it can not round to zero. Otherwise TwoSum (Knuth) gives the exact
 * error x + y - s in RN without overflow (s finite), and IXC iff it is nonzero. */
static inline bool fast_fp32_add(uint32_t a, uint32_t b, fp_status *st, uint32_t *out) {
    if (!fast_rn(st) || !f32_plain(a) || !f32_plain(b)) return false;
    float x = f32_host(a), y = f32_host(b), s = x + y;
    uint32_t r = f32_raw(s);
    if (!f32_safe_result(r)) {
        if (!f32_is_zero(r)) return false;
        *out = r;
        return true;
    }
    float bv = s - x, err = (x - (s - bv)) + (y - bv);
    if (err != 0) st->fpsr |= FPSR_IXC;
    *out = r;
    return true;
}
static inline bool fast_fp64_add(uint64_t a, uint64_t b, fp_status *st, uint64_t *out) {
    if (!fast_rn(st) || !f64_plain(a) || !f64_plain(b)) return false;
    double x = f64_host(a), y = f64_host(b), s = x + y;
    uint64_t r = f64_raw(s);
    if (!f64_safe_result(r)) {
        if (!f64_is_zero(r)) return false;
        *out = r;
        return true;
    }
    double bv = s - x, err = (x - (s - bv)) + (y - bv);
    if (err != 0) st->fpsr |= FPSR_IXC;
    *out = r;
    return true;
}
/* FPSub(a, b) is FPAdd(a, -b) for non-NaN operands, zero signs included. */
static inline bool fast_fp32_sub(uint32_t a, uint32_t b, fp_status *st, uint32_t *out) {
    return fast_fp32_add(a, b ^ 0x80000000u, st, out);
}
static inline bool fast_fp64_sub(uint64_t a, uint64_t b, fp_status *st, uint64_t *out) {
    return fast_fp64_add(a, b ^ (1ull << 63), st, out);
}

/* ---- mul (also FMULX: it differs only for infinity * zero) ------------------------------ */

/* The f64 product of two f32 values is exact (24 + 24 <= 53 significant bits, exponents far
 * inside f64 range), so r = RN32(p) is the correctly rounded product and IXC iff r != p. A zero
 * r is exact iff p is zero. */
static inline bool fast_fp32_mul(uint32_t a, uint32_t b, fp_status *st, uint32_t *out) {
    if (!fast_rn(st) || !f32_plain(a) || !f32_plain(b)) return false;
    double p = (double)f32_host(a) * (double)f32_host(b);
    float rv = (float)p;
    uint32_t r = f32_raw(rv);
    if (!f32_safe_result(r)) {
        if (!f32_is_zero(r) || p != 0) return false;
        *out = r;
        return true;
    }
    if ((double)rv != p) st->fpsr |= FPSR_IXC;
    *out = r;
    return true;
}
/* The exact product's odd part is the product of the operands' odd parts (odd * odd is odd); it
 * is representable (the result is in normal range) iff that has at most 53 bits. (One 64x64->128
 * multiply: cheaper than counting bit lengths, bsr is slow on some hosts.) */
static inline bool fast_fp64_mul(uint64_t a, uint64_t b, fp_status *st, uint64_t *out) {
    if (!fast_rn(st) || !f64_plain(a) || !f64_plain(b)) return false;
    double pv = f64_host(a) * f64_host(b);
    uint64_t r = f64_raw(pv);
    if (!f64_safe_result(r)) {
        if (!f64_is_zero(r) || !(f64_is_zero(a) || f64_is_zero(b))) return false;
        *out = r; /* an operand is zero: exact zero with the xor of the signs */
        return true;
    }
    if (((u128)f64_odd_sig(a) * f64_odd_sig(b)) >> 53) st->fpsr |= FPSR_IXC;
    *out = r;
    return true;
}

/* ---- div -------------------------------------------------------------------------------- */

/* Division by zero (DZC) is left to the software path; 0 / b is an exact signed zero. For f32,
 * q * b is exact in f64 (48 bits), so q is the exact quotient iff q * b == a. */
static inline bool fast_fp32_div(uint32_t a, uint32_t b, fp_status *st, uint32_t *out) {
    if (!fast_rn(st) || !f32_plain(a) || !f32_plain(b) || f32_is_zero(b)) return false;
    float x = f32_host(a), y = f32_host(b), q = x / y;
    uint32_t r = f32_raw(q);
    if (!f32_safe_result(r)) {
        if (!f32_is_zero(r) || !f32_is_zero(a)) return false;
        *out = r;
        return true;
    }
    if ((double)q * (double)y != (double)x) st->fpsr |= FPSR_IXC;
    *out = r;
    return true;
}
/* f64: with odd parts ma, mb, mq of a, b and q, the quotient is exact iff mq * mb == ma. If q is
 * exact, a = q * b gives that. Conversely mq * mb == ma makes a / b = mq * 2^k, a 53-bit value
 * in normal range, which RN returns unchanged, so q equals it. */
static inline bool fast_fp64_div(uint64_t a, uint64_t b, fp_status *st, uint64_t *out) {
    if (!fast_rn(st) || !f64_plain(a) || !f64_plain(b) || f64_is_zero(b)) return false;
    double qv = f64_host(a) / f64_host(b);
    uint64_t r = f64_raw(qv);
    if (!f64_safe_result(r)) {
        if (!f64_is_zero(r) || !f64_is_zero(a)) return false;
        *out = r;
        return true;
    }
    if ((u128)f64_odd_sig(r) * f64_odd_sig(b) != f64_odd_sig(a)) st->fpsr |= FPSR_IXC;
    *out = r;
    return true;
}

/* ---- sqrt ------------------------------------------------------------------------------- */

/* Negative operands (IOC) go to the software path; sqrt(+-0) = +-0 exactly. The root of a normal
 * value is normal. f32: r * r is exact in f64, so r is exact iff r * r == a. */
static inline bool fast_fp32_sqrt(uint32_t a, fp_status *st, uint32_t *out) {
    if (!fast_rn(st) || !f32_plain(a)) return false;
    if (f32_is_zero(a)) {
        *out = a;
        return true;
    }
    if (a >> 31) return false;
    float x = f32_host(a), rv = __builtin_sqrtf(x);
    if ((double)rv * (double)rv != (double)x) st->fpsr |= FPSR_IXC;
    *out = f32_raw(rv);
    return true;
}
/* f64: r is exact iff mr^2 == ma for the odd parts. If mr^2 == ma but the exponent of a had the
 * wrong parity, r / sqrt(a) would be a half-integer power of two (off by sqrt(2) or more),
 * impossible for a correctly rounded root. */
static inline bool fast_fp64_sqrt(uint64_t a, fp_status *st, uint64_t *out) {
    if (!fast_rn(st) || !f64_plain(a)) return false;
    if (f64_is_zero(a)) {
        *out = a;
        return true;
    }
    if (a >> 63) return false;
    uint64_t r = f64_raw(__builtin_sqrt(f64_host(a)));
    uint64_t mr = f64_odd_sig(r);
    if ((u128)mr * mr != f64_odd_sig(a)) st->fpsr |= FPSR_IXC;
    *out = r;
    return true;
}

/* ---- fused multiply-add: addend + n * m ------------------------------------------------- */

/* f32: p = n * m is exact in f64; TwoSum gives s = RN64(p + c) and its exact error e. The exact
 * value v = s + e with |e| <= half an f64 ulp of s. The f32 grid (and its midpoints) are f64
 * values, and RN is monotonic, so RN32(v) = RN32(s) unless s is itself an f32 midpoint with
 * e != 0 (the direction of the tie then depends on e: software path). IXC iff e != 0 or
 * RN32(s) != s. A zero result is exact iff s == 0 (an f64 sum never rounds to zero), and its sign
 * follows IEEE's rules for p + c, which are the pseudocode's in RN. */
static inline bool fast_fp32_muladd(uint32_t addend, uint32_t n, uint32_t m, fp_status *st,
                                    uint32_t *out) {
    if (!fast_rn(st) || !f32_plain(addend) || !f32_plain(n) || !f32_plain(m)) return false;
    double p = (double)f32_host(n) * (double)f32_host(m), c = (double)f32_host(addend);
    double s = p + c;
    float rv = (float)s;
    uint32_t r = f32_raw(rv);
    if (!f32_safe_result(r)) {
        if (!f32_is_zero(r) || s != 0) return false;
        *out = r;
        return true;
    }
    double bv = s - p, err = (p - (s - bv)) + (c - bv);
    if (err != 0) {
        /* The 29 f64 fraction bits below the f32 ones are 1000...0: s is an f32 midpoint. */
        if ((f64_raw(s) & 0x1fffffffull) == 0x10000000ull) return false;
        st->fpsr |= FPSR_IXC;
    } else if ((double)rv != s) {
        st->fpsr |= FPSR_IXC;
    }
    *out = r;
    return true;
}

#if defined(__x86_64__)
/* f64 on an x86-64 host with FMA: one vfmadd231sd between loading a known MXCSR (all exceptions
 * masked, flags clear, RN, no FTZ/DAZ) and reading the flags back. The host's fused
 * multiply-add is correctly rounded like FPMulAdd, and its precision flag (PE) is IEEE inexact.
 * Zero results are accepted only without any flag (an exact zero, not an underflow). */
static inline bool fast_fp64_muladd(uint64_t addend, uint64_t n, uint64_t m, fp_status *st,
                                    uint64_t *out) {
    if (!fast_rn(st) || !fp_fast_host_fma || !f64_plain(addend) || !f64_plain(n) || !f64_plain(m))
        return false;
    double acc = f64_host(addend), x = f64_host(n), y = f64_host(m);
    const uint32_t clean = 0x1f80;
    uint32_t flags;
    __asm__ volatile("ldmxcsr %[clean]\n\t"
                     "vfmadd231sd %[y], %[x], %[acc]\n\t"
                     "stmxcsr %[flags]"
                     : [acc] "+x"(acc), [flags] "=m"(flags)
                     : [x] "x"(x), [y] "x"(y), [clean] "m"(clean));
    uint64_t r = f64_raw(acc);
    bool inexact = flags & 0x20; /* PE */
    if (!f64_safe_result(r) && !(f64_is_zero(r) && !inexact)) return false;
    if (inexact) st->fpsr |= FPSR_IXC;
    *out = r;
    return true;
}
#else
static inline bool fast_fp64_muladd(uint64_t addend, uint64_t n, uint64_t m, fp_status *st,
                                    uint64_t *out) {
    (void)addend, (void)n, (void)m, (void)st, (void)out;
    return false;
}
#endif

/* ---- compare, min/max ------------------------------------------------------------------- */

/* The order of two values that are neither NaN nor denormal (so FZ can not flush them and no
 * flag is raised): the host compare, where +0 == -0 like the pseudocode. Any rounding mode. */
static inline bool fast_order(const fp_format *f, uint64_t a, uint64_t b, int *order) {
    if (!fast_any_rounding()) return false;
    if (f->width == 32) {
        if (!f32_orderable((uint32_t)a) || !f32_orderable((uint32_t)b)) return false;
        float x = f32_host((uint32_t)a), y = f32_host((uint32_t)b);
        *order = x < y ? -1 : x > y ? 1 : 0;
        return true;
    }
    if (f->width == 64) {
        if (!f64_orderable(a) || !f64_orderable(b)) return false;
        double x = f64_host(a), y = f64_host(b);
        *order = x < y ? -1 : x > y ? 1 : 0;
        return true;
    }
    return false;
}

/* ---- conversions ------------------------------------------------------------------------ */

/* Widening a normal or zero f32 is exact in any rounding mode, no flags. */
static inline bool fast_fp32_to_fp64(uint32_t a, uint64_t *out) {
    if (!fast_any_rounding() || !f32_plain(a)) return false;
    *out = f64_raw((double)f32_host(a));
    return true;
}
/* Narrowing in RN: the host conversion rounds correctly; IXC iff it changed the value. A zero
 * result is exact only from a zero operand (else it underflowed: software path). */
static inline bool fast_fp64_to_fp32(uint64_t a, fp_rounding rounding, fp_status *st,
                                     uint32_t *out) {
    if (rounding != FP_ROUND_TIEEVEN || !fast_any_rounding() || !f64_plain(a)) return false;
    double d = f64_host(a);
    float rv = (float)d;
    uint32_t r = f32_raw(rv);
    if (!f32_safe_result(r) && !(f32_is_zero(r) && d == 0)) return false;
    if ((double)rv != d) st->fpsr |= FPSR_IXC;
    *out = r;
    return true;
}

/* FixedToFP in RN: the host's integer conversion rounds the magnitude correctly (also for
 * unsigned 64-bit values), negation is exact, and scaling by 2^-fbits (fbits <= 64) is exact
 * because even 1 * 2^-64 is a normal number. Inexact iff the magnitude has more significant bits
 * (leading one to trailing one) than the precision. Zero converts to +0. */
static inline bool fast_from_fixed(const fp_format *f, bool negative, uint64_t mag, int fbits,
                                   fp_rounding rounding, fp_status *st, uint64_t *out) {
    if (rounding != FP_ROUND_TIEEVEN || !fast_any_rounding() || fbits < 0 || fbits > 64)
        return false;
    if (mag == 0) {
        *out = 0;
        return true;
    }
    uint64_t odd = mag >> __builtin_ctzll(mag); /* inexact iff more than F+1 bits */
    if (f->width == 32) {
        float v = (float)mag * f32_host((uint32_t)(127 - fbits) << 23);
        *out = f32_raw(negative ? -v : v);
    } else if (f->width == 64) {
        double v = (double)mag * f64_host((uint64_t)(1023 - fbits) << 52);
        *out = f64_raw(negative ? -v : v);
    } else {
        return false;
    }
    if (odd >> (f->frac_bits + 1)) st->fpsr |= FPSR_IXC;
    return true;
}

/* FPToFixed rounding towards zero (FCVTZS/FCVTZU, the C casts): the operand (exactly in f64)
 * times 2^fbits (exact, or infinity which fails the range check) is truncated by the host when
 * the truncation fits the destination, which is exactly when the pseudocode does not saturate.
 * IXC iff the truncation changed the value (a truncated value of 2^53 or more is the operand
 * itself, so converting it back is exact). */
static inline bool fast_to_fixed_rz(const fp_format *f, uint64_t a, int fbits, bool is_unsigned,
                                    int bits, fp_status *st, uint64_t *out) {
    if (!fast_any_rounding() || fbits < 0 || fbits > 64) return false;
    double x;
    if (f->width == 32 && f32_plain((uint32_t)a))
        x = (double)f32_host((uint32_t)a);
    else if (f->width == 64 && f64_plain(a))
        x = f64_host(a);
    else
        return false;
    double y = x * f64_host((uint64_t)(1023 + fbits) << 52);
    uint64_t result;
    double back;
    if (is_unsigned) {
        double limit = bits == 32 ? 4294967296.0 : 18446744073709551616.0;
        if (!(y > -1.0 && y < limit)) return false;
        result = (uint64_t)y;
        back = (double)result;
    } else if (bits == 32) {
        if (!(y > -2147483649.0 && y < 2147483648.0)) return false;
        int64_t v = (int64_t)y;
        result = (uint64_t)v;
        back = (double)v;
    } else {
        if (!(y >= -9223372036854775808.0 && y < 9223372036854775808.0)) return false;
        int64_t v = (int64_t)y;
        result = (uint64_t)v;
        back = (double)v;
    }
    if (back != y) st->fpsr |= FPSR_IXC;
    *out = result;
    return true;
}

#endif
