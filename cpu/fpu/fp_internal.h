/* Internals shared by the fpu/ sources: format descriptors, the unpacked value (FPUnpack), the
 * exact intermediate value every arithmetic operation produces, and FPRound. Not a public API. */
#ifndef SOCEMU_FPU_INTERNAL_H
#define SOCEMU_FPU_INTERNAL_H

#include "fpu/softfloat.h"

typedef unsigned __int128 u128;

/* One IEEE interchange format. */
typedef struct fp_format {
    int width;     /* N: 16, 32 or 64 */
    int exp_bits;  /* E */
    int frac_bits; /* F */
    int min_exp;   /* exponent of the smallest normal: 1 - bias */
} fp_format;

extern const fp_format fp_format16, fp_format32, fp_format64;

/* FPType of the pseudocode (denormals are FP_NONZERO unless flushed). */
typedef enum fp_type { FP_ZERO, FP_NONZERO, FP_INFINITY, FP_QNAN, FP_SNAN } fp_type;

/* FPUnpack result. For FP_NONZERO the value is sig * 2^(exp - 63) with bit 63 of sig set, i.e.
 * `exp` is the unbiased exponent of a mantissa in [1, 2). */
typedef struct fp_unpacked {
    fp_type type;
    bool sign;
    int exp;
    uint64_t sig;
} fp_unpacked;

/* An exact real value (-1)^sign * sig * 2^exp; sig == 0 is an exact zero. Bits shifted out when
 * aligning are ORed into bit 0 ("sticky") far below the rounding position. */
typedef struct fp_exact {
    bool sign;
    int exp;
    u128 sig;
} fp_exact;

static inline bool fp_is_nan_type(fp_type t) {
    return t == FP_QNAN || t == FP_SNAN;
}
static inline uint64_t fp_sign_bit(const fp_format *f) {
    return 1ull << (f->width - 1);
}
static inline uint64_t fp_frac_mask(const fp_format *f) {
    return (1ull << f->frac_bits) - 1;
}
static inline int fp_exp_field(const fp_format *f, uint64_t bits) {
    return (int)((bits >> f->frac_bits) & ((1u << f->exp_bits) - 1));
}

static inline void fp_raise(fp_status *st, uint32_t flags) {
    st->fpsr |= flags;
}
static inline bool fp_flush_enabled(const fp_format *f, const fp_status *st) {
    return f->width != 16 && (st->fpcr & FPCR_FZ); /* ARMv8.0: FZ never applies to half */
}

uint64_t fp_zero(const fp_format *f, bool sign);
uint64_t fp_infinity(const fp_format *f, bool sign);
uint64_t fp_max_normal(const fp_format *f, bool sign);
uint64_t fp_default_nan(const fp_format *f);
/* sign : exponent of 2^e : zero fraction, for the small constants 1.5 and 2.0. */
uint64_t fp_power_of_two(const fp_format *f, bool sign, int e, uint64_t frac);

/* FPUnpack with FPCR (flushes single/double denormals when FZ, raising IDC). */
fp_unpacked fp_unpack(const fp_format *f, uint64_t bits, fp_status *st);

/* Orders two non-NaN unpacked values: -1, 0 or 1 as a < b, a == b, a > b (+0 == -0). */
int fp_compare_values(const fp_unpacked *a, const fp_unpacked *b);

/* FPProcessNaN / FPProcessNaNs / FPProcessNaNs3: return true and set *out when a NaN decides. */
uint64_t fp_process_nan(const fp_format *f, fp_type t, uint64_t bits, fp_status *st);
bool fp_process_nans(const fp_format *f, fp_type t1, fp_type t2, uint64_t a, uint64_t b,
                     fp_status *st, uint64_t *out);
bool fp_process_nans3(const fp_format *f, fp_type t1, fp_type t2, fp_type t3, uint64_t a,
                      uint64_t b, uint64_t c, fp_status *st, uint64_t *out);

/* FPRound of a nonzero exact value (FPRoundBase: flush-to-zero, tininess before rounding,
 * overflow, AHP, inexact). */
uint64_t fp_round(const fp_format *f, fp_exact v, fp_rounding rounding, fp_status *st);

/* Exact sum of two exact values (sticky-correct when bits fall off the bottom). */
fp_exact fp_exact_add(fp_exact a, fp_exact b);

/* The unpacked nonzero value as an exact value with the F+1 significant bits as integer. */
static inline fp_exact fp_exact_from(const fp_format *f, const fp_unpacked *u) {
    fp_exact e = {u->sign, u->exp - f->frac_bits, u->sig >> (63 - f->frac_bits)};
    return e;
}

static inline int fp_clz128(u128 v) {
    uint64_t hi = (uint64_t)(v >> 64);
    return hi ? __builtin_clzll(hi) : 64 + __builtin_clzll((uint64_t)v);
}

/* v >> n, ORing any bits shifted out into bit 0. */
static inline u128 fp_shift_right_jam128(u128 v, int n) {
    if (n <= 0) return v;
    if (n >= 128) return v != 0;
    return (v >> n) | ((v & (((u128)1 << n) - 1)) != 0);
}

#endif
