/* Conversions: FPConvert between precisions (with FPCR.AHP for half), FPRoundInt (FRINT*),
 * FPToFixed (FCVT*S/U, with fbits) and FixedToFP (SCVTF/UCVTF). */
#include "fp_fast.h"

/* FPConvertNaN: keep the sign and the top payload bits, force the quiet bit. */
static uint64_t convert_nan(const fp_format *from, const fp_format *to, uint64_t bits) {
    bool sign = (bits >> (from->width - 1)) & 1;
    /* The 51 payload bits below the quiet bit, left aligned as in a double. */
    uint64_t payload = (bits & (fp_frac_mask(from) >> 1)) << (52 - from->frac_bits);
    return fp_default_nan(to) | fp_zero(to, sign) | (payload >> (52 - to->frac_bits));
}

static uint64_t convert(const fp_format *from, const fp_format *to, uint64_t a,
                        fp_rounding rounding, fp_status *st) {
    fp_unpacked u = fp_unpack(from, a, st);
    bool alt_hp = to->width == 16 && (st->fpcr & FPCR_AHP);
    if (fp_is_nan_type(u.type)) {
        uint64_t result;
        if (alt_hp)
            result = fp_zero(to, u.sign); /* no NaN in the alternative format */
        else if (st->fpcr & FPCR_DN)
            result = fp_default_nan(to);
        else
            result = convert_nan(from, to, a);
        if (u.type == FP_SNAN || alt_hp) fp_raise(st, FPSR_IOC);
        return result;
    }
    if (u.type == FP_INFINITY) {
        if (alt_hp) {
            fp_raise(st, FPSR_IOC);
            return fp_zero(to, u.sign) | 0x7fff;
        }
        return fp_infinity(to, u.sign);
    }
    if (u.type == FP_ZERO) return fp_zero(to, u.sign);
    return fp_round(to, fp_exact_from(from, &u), rounding, st);
}

/* Splits |value| * 2^fbits of a nonzero unpacked value into an integer part and a 64-bit binary
 * fraction (sticky in bit 0). Returns false when the integer part is 2^64 or more. */
static bool split_integer(const fp_format *f, const fp_unpacked *u, int fbits, uint64_t *int_part,
                          uint64_t *fraction) {
    fp_exact x = fp_exact_from(f, u); /* value = sig * 2^exp, sig < 2^53 */
    int exp = x.exp + fbits;
    if (u->exp + fbits >= 64) return false;
    if (exp >= 0) {
        *int_part = (uint64_t)(x.sig << exp);
        *fraction = 0;
        return true;
    }
    /* Fixed point with 64 fraction bits, then drop -exp bits. */
    u128 fixed = fp_shift_right_jam128(x.sig << 64, -exp);
    *int_part = (uint64_t)(fixed >> 64);
    *fraction = (uint64_t)fixed;
    return true;
}

/* RoundDown(value) and its error, as the pseudocode uses them: for a negative value the integer
 * is -(int_part) - 1 and the error 1 - fraction when the fraction is nonzero. */
static bool round_to_integer(bool sign, uint64_t int_part, uint64_t fraction, fp_rounding rounding,
                             __int128 *result) {
    __int128 int_result = sign ? -(__int128)int_part : (__int128)int_part;
    uint64_t error = fraction;
    if (sign && fraction) {
        int_result -= 1;
        error = -fraction; /* 2^64 - fraction */
    }
    const uint64_t half = 1ull << 63;
    bool round_up;
    switch (rounding) {
    case FP_ROUND_TIEEVEN: round_up = error > half || (error == half && (int_result & 1)); break;
    case FP_ROUND_POSINF: round_up = error != 0; break;
    case FP_ROUND_NEGINF: round_up = false; break;
    case FP_ROUND_ZERO: round_up = error != 0 && int_result < 0; break;
    default: /* FP_ROUND_TIEAWAY */ round_up = error > half || (error == half && int_result >= 0);
    }
    *result = int_result + round_up;
    return error != 0;
}

static uint64_t round_int(const fp_format *f, uint64_t a, fp_rounding rounding, bool exact,
                          fp_status *st) {
    fp_unpacked u = fp_unpack(f, a, st);
    if (fp_is_nan_type(u.type)) return fp_process_nan(f, u.type, a, st);
    if (u.type == FP_INFINITY) return fp_infinity(f, u.sign);
    if (u.type == FP_ZERO) return fp_zero(f, u.sign);
    if (u.exp >= f->frac_bits) return a; /* already an integer */
    uint64_t int_part = 0, fraction = 0;
    split_integer(f, &u, 0, &int_part, &fraction);
    __int128 int_result;
    bool inexact = round_to_integer(u.sign, int_part, fraction, rounding, &int_result);
    uint64_t result;
    if (int_result == 0) {
        result = fp_zero(f, u.sign); /* a zero result keeps the operand's sign */
    } else {
        fp_exact v = {int_result < 0, 0, int_result < 0 ? -int_result : int_result};
        result = fp_round(f, v, FP_ROUND_ZERO, st); /* exact */
    }
    if (inexact && exact) fp_raise(st, FPSR_IXC);
    return result;
}

/* FPToFixed into a `bits`-wide signed or unsigned integer, saturating. */
static uint64_t to_fixed(const fp_format *f, uint64_t a, int fbits, bool is_unsigned, int bits,
                         fp_rounding rounding, fp_status *st) {
    uint64_t fast_result;
    if (rounding == FP_ROUND_ZERO &&
        fast_to_fixed_rz(f, a, fbits, is_unsigned, bits, st, &fast_result))
        return fast_result;
    fp_unpacked u = fp_unpack(f, a, st);
    const __int128 max = is_unsigned ? ((__int128)1 << bits) - 1 : ((__int128)1 << (bits - 1)) - 1;
    const __int128 min = is_unsigned ? 0 : -((__int128)1 << (bits - 1));
    __int128 int_result = 0;
    bool inexact = false, overflow = false;
    if (fp_is_nan_type(u.type)) {
        fp_raise(st, FPSR_IOC); /* the value is taken as 0 */
    } else if (u.type == FP_INFINITY) {
        overflow = true;
        int_result = u.sign ? min : max;
    } else if (u.type == FP_NONZERO) {
        uint64_t int_part = 0, fraction = 0;
        if (split_integer(f, &u, fbits, &int_part, &fraction)) {
            inexact = round_to_integer(u.sign, int_part, fraction, rounding, &int_result);
        } else {
            int_result = u.sign ? min - 1 : max + 1; /* |value| >= 2^64: saturates */
        }
    }
    if (int_result > max) {
        int_result = max;
        overflow = true;
    } else if (int_result < min) {
        int_result = min;
        overflow = true;
    }
    if (overflow)
        fp_raise(st, FPSR_IOC);
    else if (inexact)
        fp_raise(st, FPSR_IXC);
    return (uint64_t)int_result;
}

static uint64_t from_fixed(const fp_format *f, bool negative, uint64_t magnitude, int fbits,
                           fp_rounding rounding, fp_status *st) {
    uint64_t fast_result;
    if (fast_from_fixed(f, negative, magnitude, fbits, rounding, st, &fast_result))
        return fast_result;
    if (magnitude == 0) return fp_zero(f, false);
    fp_exact v = {negative, -fbits, magnitude};
    return fp_round(f, v, rounding, st);
}

static uint64_t magnitude_of(int64_t v) {
    return v < 0 ? -(uint64_t)v : (uint64_t)v;
}

#define DEFINE_CONVERT(T, P, FMT)                                                                  \
    T P##_round_int(T a, fp_rounding rounding, bool exact, fp_status *st) {                        \
        return (T)round_int(&FMT, a, rounding, exact, st);                                         \
    }                                                                                              \
    int32_t P##_to_i32(T a, int fbits, fp_rounding rounding, fp_status *st) {                      \
        return (int32_t)to_fixed(&FMT, a, fbits, false, 32, rounding, st);                         \
    }                                                                                              \
    uint32_t P##_to_u32(T a, int fbits, fp_rounding rounding, fp_status *st) {                     \
        return (uint32_t)to_fixed(&FMT, a, fbits, true, 32, rounding, st);                         \
    }                                                                                              \
    int64_t P##_to_i64(T a, int fbits, fp_rounding rounding, fp_status *st) {                      \
        return (int64_t)to_fixed(&FMT, a, fbits, false, 64, rounding, st);                         \
    }                                                                                              \
    uint64_t P##_to_u64(T a, int fbits, fp_rounding rounding, fp_status *st) {                     \
        return to_fixed(&FMT, a, fbits, true, 64, rounding, st);                                   \
    }                                                                                              \
    T P##_from_i32(int32_t v, int fbits, fp_rounding rounding, fp_status *st) {                    \
        return (T)from_fixed(&FMT, v < 0, magnitude_of(v), fbits, rounding, st);                   \
    }                                                                                              \
    T P##_from_u32(uint32_t v, int fbits, fp_rounding rounding, fp_status *st) {                   \
        return (T)from_fixed(&FMT, false, v, fbits, rounding, st);                                 \
    }                                                                                              \
    T P##_from_i64(int64_t v, int fbits, fp_rounding rounding, fp_status *st) {                    \
        return (T)from_fixed(&FMT, v < 0, magnitude_of(v), fbits, rounding, st);                   \
    }                                                                                              \
    T P##_from_u64(uint64_t v, int fbits, fp_rounding rounding, fp_status *st) {                   \
        return (T)from_fixed(&FMT, false, v, fbits, rounding, st);                                 \
    }

DEFINE_CONVERT(f32, fp32, fp_format32)
DEFINE_CONVERT(f64, fp64, fp_format64)

f32 fp16_to_fp32(f16 a, fp_status *st) {
    return (f32)convert(&fp_format16, &fp_format32, a, fp_status_rounding(st), st);
}
f64 fp16_to_fp64(f16 a, fp_status *st) {
    return convert(&fp_format16, &fp_format64, a, fp_status_rounding(st), st);
}
f16 fp32_to_fp16(f32 a, fp_status *st) {
    return fp32_to_fp16_round(a, fp_status_rounding(st), st);
}
f16 fp64_to_fp16(f64 a, fp_status *st) {
    return fp64_to_fp16_round(a, fp_status_rounding(st), st);
}
f64 fp32_to_fp64(f32 a, fp_status *st) {
    f64 fast_result;
    if (fast_fp32_to_fp64(a, &fast_result)) return fast_result;
    return convert(&fp_format32, &fp_format64, a, fp_status_rounding(st), st);
}
f32 fp64_to_fp32(f64 a, fp_status *st) {
    return fp64_to_fp32_round(a, fp_status_rounding(st), st);
}
f16 fp32_to_fp16_round(f32 a, fp_rounding rounding, fp_status *st) {
    return (f16)convert(&fp_format32, &fp_format16, a, rounding, st);
}
f16 fp64_to_fp16_round(f64 a, fp_rounding rounding, fp_status *st) {
    return (f16)convert(&fp_format64, &fp_format16, a, rounding, st);
}
f32 fp64_to_fp32_round(f64 a, fp_rounding rounding, fp_status *st) {
    f32 fast_result;
    if (fast_fp64_to_fp32(a, rounding, st, &fast_result)) return fast_result;
    return (f32)convert(&fp_format64, &fp_format32, a, rounding, st);
}
