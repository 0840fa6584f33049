/* Reciprocal and reciprocal-square-root estimates (FRECPE, FRSQRTE, URECPE, URSQRTE) and FRECPX.
 * The 8-bit estimate tables are computed from the Arm ARM's RecipEstimate/RecipSqrtEstimate
 * definitions on first use rather than stored. */
#include "fp_internal.h"

#include <pthread.h>
#include <stdatomic.h>

int fp_recip_estimate(int a) {
    /* a in 256..511 is a 9-bit fixed-point value in [0.5, 1); round to nearest twice. */
    a = a * 2 + 1;
    int b = (1 << 19) / a;
    return (b + 1) / 2;
}

int fp_rsqrt_estimate(int a) {
    /* a in 128..511 is a value in [0.25, 1) in units of 1/512 (below 256) or 1/256. */
    if (a < 256) {
        a = a * 2 + 1;
    } else {
        a = (a >> 1) << 1;
        a = (a + 1) * 2;
    }
    int b = 512;
    while ((int64_t)a * (b + 1) * (b + 1) < (1ll << 28))
        b++; /* largest b < 2^14 / sqrt(a) */
    return (b + 1) / 2;
}

/* Estimates are 256..511, so only the low 8 bits are stored. Built once (vCPU threads may race). */
static uint8_t recip_table[256], rsqrt_table[384];
static pthread_once_t tables_once = PTHREAD_ONCE_INIT;
/* Set (release) once the tables are built: the per-call check is one acquire load instead of a
 * pthread_once call, which is a library call with its own barrier on every estimate. */
static atomic_bool tables_ready;

static void build_tables(void) {
    for (int i = 0; i < 256; i++)
        recip_table[i] = (uint8_t)fp_recip_estimate(256 + i);
    for (int i = 0; i < 384; i++)
        rsqrt_table[i] = (uint8_t)fp_rsqrt_estimate(128 + i);
    atomic_store_explicit(&tables_ready, true, memory_order_release);
}

static inline void ensure_tables(void) {
    if (!atomic_load_explicit(&tables_ready, memory_order_acquire))
        pthread_once(&tables_once, build_tables);
}

static int recip_lookup(int a) {
    ensure_tables();
    return 256 + recip_table[a - 256];
}

static int rsqrt_lookup(int a) {
    ensure_tables();
    return 256 + rsqrt_table[a - 128];
}

/* The operand's fraction left aligned to 52 bits and its biased exponent field. */
static void fraction_and_exp(const fp_format *f, uint64_t bits, uint64_t *fraction, int *exp) {
    *fraction = (bits & fp_frac_mask(f)) << (52 - f->frac_bits);
    *exp = fp_exp_field(f, bits);
}

static uint64_t pack(const fp_format *f, bool sign, int biased_exp, uint64_t fraction52) {
    return fp_zero(f, sign) | ((uint64_t)biased_exp << f->frac_bits) |
           (fraction52 >> (52 - f->frac_bits));
}

static uint64_t recip_estimate(const fp_format *f, uint64_t a, fp_status *st) {
    fp_unpacked u = fp_unpack(f, a, st);
    if (fp_is_nan_type(u.type)) return fp_process_nan(f, u.type, a, st);
    if (u.type == FP_INFINITY) return fp_zero(f, u.sign);
    if (u.type == FP_ZERO) {
        fp_raise(st, FPSR_DZC);
        return fp_infinity(f, u.sign);
    }
    /* |value| < 2^(min_exp - 2): the reciprocal overflows. */
    if (u.exp < f->min_exp - 2) {
        bool overflow_to_inf;
        switch (fp_status_rounding(st)) {
        case FP_ROUND_POSINF: overflow_to_inf = !u.sign; break;
        case FP_ROUND_NEGINF: overflow_to_inf = u.sign; break;
        case FP_ROUND_ZERO: overflow_to_inf = false; break;
        default: overflow_to_inf = true; break;
        }
        fp_raise(st, FPSR_OFC | FPSR_IXC);
        return overflow_to_inf ? fp_infinity(f, u.sign) : fp_max_normal(f, u.sign);
    }
    /* |value| >= 2^(-min_exp): the reciprocal is denormal, flushed when FZ. */
    if (fp_flush_enabled(f, st) && u.exp >= -f->min_exp) {
        fp_raise(st, FPSR_UFC);
        return fp_zero(f, u.sign);
    }
    uint64_t fraction;
    int exp;
    fraction_and_exp(f, a, &fraction, &exp);
    if (exp == 0) { /* denormal operand: normalize by at most two places */
        if (!((fraction >> 51) & 1)) {
            exp = -1;
            fraction = (fraction << 2) & ((1ull << 52) - 1);
        } else {
            fraction = (fraction << 1) & ((1ull << 52) - 1);
        }
    }
    int scaled = 256 | (int)(fraction >> 44);
    int bias2 = 2 * ((1 << (f->exp_bits - 1)) - 1); /* 2 * bias */
    int result_exp = bias2 - 1 - exp;
    uint64_t result_fraction = (uint64_t)(recip_lookup(scaled) & 0xff) << 44;
    if (result_exp == 0) {
        result_fraction = (1ull << 51) | (result_fraction >> 1);
    } else if (result_exp == -1) {
        result_fraction = (1ull << 50) | (result_fraction >> 2);
        result_exp = 0;
    }
    return pack(f, u.sign, result_exp, result_fraction);
}

static uint64_t rsqrt_estimate(const fp_format *f, uint64_t a, fp_status *st) {
    fp_unpacked u = fp_unpack(f, a, st);
    if (fp_is_nan_type(u.type)) return fp_process_nan(f, u.type, a, st);
    if (u.type == FP_ZERO) {
        fp_raise(st, FPSR_DZC);
        return fp_infinity(f, u.sign);
    }
    if (u.sign) {
        fp_raise(st, FPSR_IOC);
        return fp_default_nan(f);
    }
    if (u.type == FP_INFINITY) return fp_zero(f, false);
    uint64_t fraction;
    int exp;
    fraction_and_exp(f, a, &fraction, &exp);
    if (exp == 0) { /* denormal operand: normalize, keeping the exponent's parity meaningful */
        while (!((fraction >> 51) & 1)) {
            fraction <<= 1;
            exp--;
        }
        fraction = (fraction << 1) & ((1ull << 52) - 1);
    }
    /* An even biased exponent is an odd unbiased one: scale into [0.5, 1), else [0.25, 0.5),
     * so the remaining power of two has an even exponent. */
    int scaled = (exp & 1) ? 128 | (int)(fraction >> 45) : 256 | (int)(fraction >> 44);
    int bias = (1 << (f->exp_bits - 1)) - 1;
    /* (3 * bias - 1 - exp) DIV 2, with DIV rounding down. */
    int numerator = 3 * bias - 1 - exp;
    int result_exp = numerator >= 0 ? numerator / 2 : -((-numerator + 1) / 2);
    uint64_t result_fraction = (uint64_t)(rsqrt_lookup(scaled) & 0xff) << 44;
    return pack(f, false, result_exp, result_fraction);
}

static uint64_t recpx(const fp_format *f, uint64_t a, fp_status *st) {
    fp_unpacked u = fp_unpack(f, a, st);
    if (fp_is_nan_type(u.type)) return fp_process_nan(f, u.type, a, st);
    int exp = fp_exp_field(f, a);
    int max_exp = (1 << f->exp_bits) - 2;
    /* Zeros and denormals give the largest finite exponent, others the inverted exponent. */
    int result_exp = exp == 0 ? max_exp : (~exp & ((1 << f->exp_bits) - 1));
    return fp_zero(f, u.sign) | ((uint64_t)result_exp << f->frac_bits);
}

uint32_t fp_urecpe_u32(uint32_t a) {
    if (!(a >> 31)) return 0xffffffffu;
    return (uint32_t)recip_lookup((int)(a >> 23)) << 23;
}

uint32_t fp_ursqrte_u32(uint32_t a) {
    if (!(a >> 30)) return 0xffffffffu;
    return (uint32_t)rsqrt_lookup((int)(a >> 23)) << 23;
}

#define DEFINE_ESTIMATE(T, P, FMT)                                                                 \
    T P##_recpe(T a, fp_status *st) {                                                              \
        return (T)recip_estimate(&FMT, a, st);                                                     \
    }                                                                                              \
    T P##_rsqrte(T a, fp_status *st) {                                                             \
        return (T)rsqrt_estimate(&FMT, a, st);                                                     \
    }                                                                                              \
    T P##_recpx(T a, fp_status *st) {                                                              \
        return (T)recpx(&FMT, a, st);                                                              \
    }

DEFINE_ESTIMATE(f32, fp32, fp_format32)
DEFINE_ESTIMATE(f64, fp64, fp_format64)
