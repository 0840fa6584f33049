/* FPCompare (FCMP/FCMPE), the SIMD compares FPCompareEQ/GE/GT (and absolute forms), FPAbs and
 * FPNeg. */
#include "fp_fast.h"

/* Unpacks both operands (so FZ raises IDC for each) and tells whether either is a NaN. */
static bool unpack_pair(const fp_format *f, uint64_t a, uint64_t b, fp_unpacked *ua,
                        fp_unpacked *ub, fp_status *st) {
    *ua = fp_unpack(f, a, st);
    *ub = fp_unpack(f, b, st);
    return fp_is_nan_type(ua->type) || fp_is_nan_type(ub->type);
}

static uint32_t compare(const fp_format *f, uint64_t a, uint64_t b, bool signal_nans,
                        fp_status *st) {
    int order;
    if (fast_order(f, a, b, &order))
        return order == 0 ? FP_NZCV_EQUAL : order < 0 ? FP_NZCV_LESS : FP_NZCV_GREATER;
    fp_unpacked ua, ub;
    if (unpack_pair(f, a, b, &ua, &ub, st)) {
        if (ua.type == FP_SNAN || ub.type == FP_SNAN || signal_nans) fp_raise(st, FPSR_IOC);
        return FP_NZCV_UNORDERED;
    }
    order = fp_compare_values(&ua, &ub);
    return order == 0 ? FP_NZCV_EQUAL : order < 0 ? FP_NZCV_LESS : FP_NZCV_GREATER;
}

/* FPCompareEQ: quiet (IOC only for signalling NaNs). */
static bool compare_eq(const fp_format *f, uint64_t a, uint64_t b, fp_status *st) {
    int order;
    if (fast_order(f, a, b, &order)) return order == 0;
    fp_unpacked ua, ub;
    if (unpack_pair(f, a, b, &ua, &ub, st)) {
        if (ua.type == FP_SNAN || ub.type == FP_SNAN) fp_raise(st, FPSR_IOC);
        return false;
    }
    return fp_compare_values(&ua, &ub) == 0;
}

/* FPCompareGE / FPCompareGT: signalling (IOC for any NaN). */
static bool compare_ordered(const fp_format *f, uint64_t a, uint64_t b, bool or_equal,
                            fp_status *st) {
    int order;
    if (fast_order(f, a, b, &order)) return or_equal ? order >= 0 : order > 0;
    fp_unpacked ua, ub;
    if (unpack_pair(f, a, b, &ua, &ub, st)) {
        fp_raise(st, FPSR_IOC);
        return false;
    }
    order = fp_compare_values(&ua, &ub);
    return or_equal ? order >= 0 : order > 0;
}

#define DEFINE_COMPARE(T, P, FMT)                                                                  \
    T P##_abs(T a) {                                                                               \
        return a & (T) ~(T)fp_sign_bit(&FMT);                                                      \
    }                                                                                              \
    T P##_neg(T a) {                                                                               \
        return a ^ (T)fp_sign_bit(&FMT);                                                           \
    }                                                                                              \
    uint32_t P##_compare(T a, T b, bool signal_nans, fp_status *st) {                              \
        return compare(&FMT, a, b, signal_nans, st);                                               \
    }                                                                                              \
    bool P##_compare_eq(T a, T b, fp_status *st) {                                                 \
        return compare_eq(&FMT, a, b, st);                                                         \
    }                                                                                              \
    bool P##_compare_ge(T a, T b, fp_status *st) {                                                 \
        return compare_ordered(&FMT, a, b, true, st);                                              \
    }                                                                                              \
    bool P##_compare_gt(T a, T b, fp_status *st) {                                                 \
        return compare_ordered(&FMT, a, b, false, st);                                             \
    }                                                                                              \
    bool P##_compare_abs_ge(T a, T b, fp_status *st) {                                             \
        return compare_ordered(&FMT, P##_abs(a), P##_abs(b), true, st);                            \
    }                                                                                              \
    bool P##_compare_abs_gt(T a, T b, fp_status *st) {                                             \
        return compare_ordered(&FMT, P##_abs(a), P##_abs(b), false, st);                           \
    }

DEFINE_COMPARE(f32, fp32, fp_format32)
DEFINE_COMPARE(f64, fp64, fp_format64)
