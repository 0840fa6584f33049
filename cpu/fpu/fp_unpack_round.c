/* FPUnpack, NaN processing and FPRound: the pieces every operation shares. */
#include "fp_internal.h"

const fp_format fp_format16 = {16, 5, 10, -14};
const fp_format fp_format32 = {32, 8, 23, -126};
const fp_format fp_format64 = {64, 11, 52, -1022};

uint64_t fp_zero(const fp_format *f, bool sign) {
    return sign ? fp_sign_bit(f) : 0;
}

uint64_t fp_infinity(const fp_format *f, bool sign) {
    return fp_zero(f, sign) | ((((uint64_t)1 << f->exp_bits) - 1) << f->frac_bits);
}

uint64_t fp_max_normal(const fp_format *f, bool sign) {
    return fp_zero(f, sign) | ((((uint64_t)1 << f->exp_bits) - 2) << f->frac_bits) |
           fp_frac_mask(f);
}

uint64_t fp_default_nan(const fp_format *f) {
    return fp_infinity(f, false) | (1ull << (f->frac_bits - 1));
}

uint64_t fp_power_of_two(const fp_format *f, bool sign, int e, uint64_t frac) {
    int bias = 1 - f->min_exp;
    return fp_zero(f, sign) | ((uint64_t)(e + bias) << f->frac_bits) | frac;
}

fp_unpacked fp_unpack(const fp_format *f, uint64_t bits, fp_status *st) {
    fp_unpacked u = {FP_ZERO, (bits >> (f->width - 1)) & 1, 0, 0};
    int exp = fp_exp_field(f, bits);
    uint64_t frac = bits & fp_frac_mask(f);
    int max_exp_field = (1 << f->exp_bits) - 1;
    bool ieee_special = f->width != 16 || !(st->fpcr & FPCR_AHP); /* AHP has no inf/NaN */

    if (exp == 0) {
        if (frac == 0) return u;
        if (fp_flush_enabled(f, st)) {
            fp_raise(st, FPSR_IDC);
            return u;
        }
        /* Denormal: normalize so bit 63 is the leading one. */
        int shift = __builtin_clzll(frac);
        u.type = FP_NONZERO;
        u.sig = frac << shift;
        u.exp = f->min_exp - f->frac_bits + (63 - shift);
        return u;
    }
    if (exp == max_exp_field && ieee_special) {
        if (frac == 0)
            u.type = FP_INFINITY;
        else
            u.type = (frac >> (f->frac_bits - 1)) & 1 ? FP_QNAN : FP_SNAN;
        return u;
    }
    u.type = FP_NONZERO;
    u.exp = exp + f->min_exp - 1;
    u.sig = ((1ull << f->frac_bits) | frac) << (63 - f->frac_bits);
    return u;
}

int fp_compare_values(const fp_unpacked *a, const fp_unpacked *b) {
    /* Sign class first (zeros are unsigned here), then magnitude within a sign. */
    int class_a = a->type == FP_ZERO ? 0 : a->sign ? -1 : 1;
    int class_b = b->type == FP_ZERO ? 0 : b->sign ? -1 : 1;
    if (class_a != class_b) return class_a > class_b ? 1 : -1;
    if (class_a == 0) return 0;
    int magnitude;
    if (a->type == FP_INFINITY || b->type == FP_INFINITY)
        magnitude = (a->type == FP_INFINITY) - (b->type == FP_INFINITY);
    else if (a->exp != b->exp)
        magnitude = a->exp > b->exp ? 1 : -1;
    else
        magnitude = (a->sig > b->sig) - (a->sig < b->sig);
    return class_a < 0 ? -magnitude : magnitude;
}

uint64_t fp_process_nan(const fp_format *f, fp_type t, uint64_t bits, fp_status *st) {
    uint64_t result = bits;
    if (t == FP_SNAN) {
        result |= 1ull << (f->frac_bits - 1);
        fp_raise(st, FPSR_IOC);
    }
    if (st->fpcr & FPCR_DN) result = fp_default_nan(f);
    return result;
}

bool fp_process_nans(const fp_format *f, fp_type t1, fp_type t2, uint64_t a, uint64_t b,
                     fp_status *st, uint64_t *out) {
    /* Signalling NaNs take priority over quiet ones, then operand order. */
    if (t1 == FP_SNAN)
        *out = fp_process_nan(f, t1, a, st);
    else if (t2 == FP_SNAN)
        *out = fp_process_nan(f, t2, b, st);
    else if (t1 == FP_QNAN)
        *out = fp_process_nan(f, t1, a, st);
    else if (t2 == FP_QNAN)
        *out = fp_process_nan(f, t2, b, st);
    else
        return false;
    return true;
}

bool fp_process_nans3(const fp_format *f, fp_type t1, fp_type t2, fp_type t3, uint64_t a,
                      uint64_t b, uint64_t c, fp_status *st, uint64_t *out) {
    if (t1 == FP_SNAN)
        *out = fp_process_nan(f, t1, a, st);
    else if (t2 == FP_SNAN)
        *out = fp_process_nan(f, t2, b, st);
    else if (t3 == FP_SNAN)
        *out = fp_process_nan(f, t3, c, st);
    else if (t1 == FP_QNAN)
        *out = fp_process_nan(f, t1, a, st);
    else if (t2 == FP_QNAN)
        *out = fp_process_nan(f, t2, b, st);
    else if (t3 == FP_QNAN)
        *out = fp_process_nan(f, t3, c, st);
    else
        return false;
    return true;
}

uint64_t fp_round(const fp_format *f, fp_exact v, fp_rounding rounding, fp_status *st) {
    const int F = f->frac_bits;
    bool sign = v.sign;

    /* Normalize to a 64-bit significand with the leading one at bit 63, sticky in bit 0. */
    int top;
    uint64_t sig;
    if ((uint64_t)(v.sig >> 64) == 0) { /* the common narrow case, without 128-bit shifts */
        top = 63 - __builtin_clzll((uint64_t)v.sig);
        sig = (uint64_t)v.sig << (63 - top);
    } else {
        top = 127 - fp_clz128(v.sig);
        sig = (uint64_t)fp_shift_right_jam128(v.sig, top - 63);
    }
    int exponent = v.exp + top; /* value = 1.xxx * 2^exponent */

    /* Flush-to-zero decides on the unrounded exponent; it raises UFC but never IXC. */
    if (fp_flush_enabled(f, st) && exponent < f->min_exp) {
        fp_raise(st, FPSR_UFC);
        return fp_zero(f, sign);
    }

    /* biased_exp 0 marks a (possibly) denormal result: shift so the exponent is min_exp. */
    int biased_exp = exponent - f->min_exp + 1;
    if (biased_exp <= 0) {
        sig = (uint64_t)fp_shift_right_jam128(sig, 1 - biased_exp);
        biased_exp = 0;
    }
    /* int_mant is the top F+1 bits (the leading one included for normals); the rest is the
     * rounding error in units of 2^(63-F) of an ulp. */
    const int rest_bits = 63 - F;
    uint64_t int_mant = sig >> rest_bits;
    uint64_t error = sig & ((1ull << rest_bits) - 1);
    uint64_t half = 1ull << (rest_bits - 1);

    /* Tininess is detected before rounding (ARM): underflow when tiny and inexact. */
    if (biased_exp == 0 && error != 0) fp_raise(st, FPSR_UFC);

    bool round_up, overflow_to_inf;
    switch (rounding) {
    case FP_ROUND_TIEEVEN:
        round_up = error > half || (error == half && (int_mant & 1));
        overflow_to_inf = true;
        break;
    case FP_ROUND_TIEAWAY:
        round_up = error >= half;
        overflow_to_inf = true;
        break;
    case FP_ROUND_POSINF:
        round_up = error != 0 && !sign;
        overflow_to_inf = !sign;
        break;
    case FP_ROUND_NEGINF:
        round_up = error != 0 && sign;
        overflow_to_inf = sign;
        break;
    default: /* FP_ROUND_ZERO, FP_ROUND_ODD */
        round_up = false;
        overflow_to_inf = false;
        break;
    }
    if (round_up) {
        int_mant++;
        if (int_mant == (1ull << F)) biased_exp = 1; /* denormal rounded up to normal */
        if (int_mant == (2ull << F)) {               /* carried into the next binade */
            biased_exp++;
            int_mant >>= 1;
        }
    }
    if (error != 0 && rounding == FP_ROUND_ODD) int_mant |= 1;

    uint64_t result;
    bool inexact = error != 0;
    if (f->width != 16 || !(st->fpcr & FPCR_AHP)) {
        if (biased_exp >= (1 << f->exp_bits) - 1) {
            result = overflow_to_inf ? fp_infinity(f, sign) : fp_max_normal(f, sign);
            fp_raise(st, FPSR_OFC);
            inexact = true;
        } else {
            result = fp_zero(f, sign) | ((uint64_t)biased_exp << F) | (int_mant & fp_frac_mask(f));
        }
    } else {
        /* Alternative half precision: no infinity, saturate with Invalid Operation. */
        if (biased_exp >= (1 << f->exp_bits)) {
            result = fp_zero(f, sign) | 0x7fff;
            fp_raise(st, FPSR_IOC);
            inexact = false;
        } else {
            result = fp_zero(f, sign) | ((uint64_t)biased_exp << F) | (int_mant & fp_frac_mask(f));
        }
    }
    if (inexact) fp_raise(st, FPSR_IXC);
    return result;
}

/* Moves the leading one (at bit `top`) of a nonzero value to bit 125 (right shifts keep a sticky
 * bit). */
static fp_exact fp_exact_normalize125(fp_exact v, int top) {
    int shift = 125 - top;
    if (shift >= 0) {
        v.sig <<= shift;
    } else {
        v.sig = fp_shift_right_jam128(v.sig, -shift);
    }
    v.exp -= shift;
    return v;
}

fp_exact fp_exact_add(fp_exact a, fp_exact b) {
    if (a.sig == 0) return b;
    if (b.sig == 0) return a;
    /* Let a have the higher leading one, put it at bit 125 (room for a carry) and b at a's
     * scale: b's leading one then stays at or below bit 125. */
    int top_a = 127 - fp_clz128(a.sig), top_b = 127 - fp_clz128(b.sig);
    if (a.exp + top_a < b.exp + top_b) {
        fp_exact t = a;
        a = b;
        b = t;
        top_a = top_b;
    }
    a = fp_exact_normalize125(a, top_a);
    int shift = a.exp - b.exp;
    if (shift >= 0)
        b.sig = fp_shift_right_jam128(b.sig, shift);
    else
        b.sig <<= -shift;
    fp_exact r = {a.sign, a.exp, 0};
    if (a.sign == b.sign) {
        r.sig = a.sig + b.sig;
    } else if (a.sig >= b.sig) {
        r.sig = a.sig - b.sig;
    } else {
        r.sig = b.sig - a.sig;
        r.sign = b.sign;
    }
    return r;
}
