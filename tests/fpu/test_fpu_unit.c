/* Unit tests for the fpu library: special cases with expectations worked out by hand from the
 * Arm ARM pseudocode (the differential test covers the bulk against unicorn). */
#include "check.h"
#include "fpu/softfloat.h"

#define RN (FP_ROUND_TIEEVEN << FPCR_RMODE_SHIFT)
#define RP (FP_ROUND_POSINF << FPCR_RMODE_SHIFT)
#define RM (FP_ROUND_NEGINF << FPCR_RMODE_SHIFT)
#define RZ (FP_ROUND_ZERO << FPCR_RMODE_SHIFT)

/* Evaluates `expr` with a fresh status of FPCR `fpcr`, checks the result and the FPSR flags. */
#define T(fpcr_value, expr, expected, flags)                                                       \
    do {                                                                                           \
        fp_status st = {(fpcr_value), 0};                                                          \
        CHECK_EQ_U64((expr), (expected));                                                          \
        CHECK_EQ_U64(st.fpsr, (flags));                                                            \
    } while (0)

/* Single-precision constants. */
#define ONE     0x3f800000u
#define TWO     0x40000000u
#define HALF    0x3f000000u
#define PZERO   0x00000000u
#define NZERO   0x80000000u
#define PINF    0x7f800000u
#define NINF    0xff800000u
#define MAXN    0x7f7fffffu
#define MINN    0x00800000u
#define DNAN    0x7fc00000u
#define QNAN1   0x7fc00001u
#define QNAN2   0x7fc00002u
#define SNAN1   0x7f800001u
#define SNAN2   0x7f800002u
#define DENORM1 0x00000001u

static void nan_rules(void) {
    /* Signalling before quiet, then operand order; quieting keeps sign and payload. */
    T(RN, fp32_add(QNAN1, SNAN2, &st), QNAN2, FPSR_IOC);
    T(RN, fp32_add(QNAN1, QNAN2, &st), QNAN1, 0);
    T(RN, fp32_add(ONE, QNAN2, &st), QNAN2, 0);
    T(RN, fp32_mul(0xff800005u, ONE, &st), 0xffc00005u, FPSR_IOC);
    T(RN | FPCR_DN, fp32_add(SNAN1, ONE, &st), DNAN, FPSR_IOC);
    T(RN | FPCR_DN, fp32_add(QNAN1, ONE, &st), DNAN, 0);
    T(RN, fp32_sqrt(SNAN1, &st), 0x7fc00001u, FPSR_IOC);
    /* FPMulAdd: the addend comes first (FPProcessNaNs3), sNaN of any operand beats qNaN. */
    T(RN, fp32_fmadd(QNAN1, ONE, 0x7fc00003u, &st), 0x7fc00003u, 0);
    T(RN, fp32_fmadd(SNAN1, ONE, 0x7fc00003u, &st), QNAN1, FPSR_IOC);
    T(RN, fp32_fmadd(QNAN1, QNAN2, ONE, &st), QNAN1, 0);
    /* A quiet-NaN addend with inf * 0 gives the default NaN and IOC, even without DN. */
    T(RN, fp32_fmadd(PINF, PZERO, QNAN1, &st), DNAN, FPSR_IOC);
    T(RN, fp32_fmadd(PINF, PZERO, ONE, &st), DNAN, FPSR_IOC);
    /* FMSUB/FNMADD negate operands before NaN selection: the NaN comes back sign-flipped. */
    T(RN, fp32_fmsub(QNAN1, ONE, ONE, &st), 0xffc00001u, 0);
    T(RN, fp32_fnmadd(ONE, ONE, QNAN1, &st), 0xffc00001u, 0);
    T(RN, fp32_recps(QNAN1, ONE, &st), 0xffc00001u, 0); /* FPRecipStepFused negates op1 */
    /* FSUB returns op2's NaN unchanged (not negated). */
    T(RN, fp32_sub(ONE, QNAN1, &st), QNAN1, 0);
    /* Invalid operations. */
    T(RN, fp32_add(PINF, NINF, &st), DNAN, FPSR_IOC);
    T(RN, fp32_sub(PINF, PINF, &st), DNAN, FPSR_IOC);
    T(RN, fp32_mul(PZERO, NINF, &st), DNAN, FPSR_IOC);
    T(RN, fp32_div(PZERO, NZERO, &st), DNAN, FPSR_IOC);
    T(RN, fp32_div(PINF, NINF, &st), DNAN, FPSR_IOC);
    T(RN, fp32_sqrt(0xbf800000u, &st), DNAN, FPSR_IOC);
    T(RN, fp32_mulx(PINF, NZERO, &st), 0xc0000000u, 0); /* FMULX: inf * 0 = +-2 */
    T(RN, fp32_recps(PINF, PZERO, &st), TWO, 0);
    T(RN, fp32_rsqrts(PZERO, NINF, &st), 0x3fc00000u, 0); /* 1.5 */
}

static void zeros_and_infinities(void) {
    T(RN, fp32_add(PZERO, NZERO, &st), PZERO, 0);
    T(RM, fp32_add(PZERO, NZERO, &st), NZERO, 0);
    T(RP, fp32_add(NZERO, NZERO, &st), NZERO, 0);
    T(RN, fp32_sub(ONE, ONE, &st), PZERO, 0);
    T(RM, fp32_sub(ONE, ONE, &st), NZERO, 0);
    T(RZ, fp32_fmadd(ONE, ONE, 0xbf800000u, &st), PZERO, 0);
    T(RM, fp32_fmadd(ONE, ONE, 0xbf800000u, &st), NZERO, 0);
    T(RN, fp32_fmadd(NZERO, ONE, NZERO, &st), NZERO, 0);
    T(RN, fp32_mul(NZERO, PINF, &st) == DNAN, 1, FPSR_IOC);
    T(RN, fp32_div(ONE, NZERO, &st), NINF, FPSR_DZC);
    T(RN, fp32_div(PINF, PZERO, &st), PINF, 0); /* no DZC for an infinite dividend */
    T(RN, fp32_sqrt(NZERO, &st), NZERO, 0);
    T(RN, fp32_sqrt(TWO, &st), 0x3fb504f3u, FPSR_IXC);
    T(RN, fp32_add(PINF, MAXN, &st), PINF, 0);
}

static void denormals_and_flush(void) {
    /* Inputs: FZ flushes (IDC) and the flushed value keeps its sign. */
    T(RN, fp32_add(DENORM1, PZERO, &st), DENORM1, 0);
    T(RN | FPCR_FZ, fp32_add(DENORM1, PZERO, &st), PZERO, FPSR_IDC);
    T(RN | FPCR_FZ, fp32_add(0x80000001u, NZERO, &st), NZERO, FPSR_IDC);
    T(RN | FPCR_FZ, fp32_div(ONE, DENORM1, &st), PINF, FPSR_IDC | FPSR_DZC);
    T(RN | FPCR_FZ, fp32_add(QNAN1, DENORM1, &st), QNAN1, FPSR_IDC); /* both unpacked first */
    /* Exact denormal output: no flags; with FZ flushed with UFC and without IXC. */
    T(RN, fp32_mul(MINN, HALF, &st), 0x00400000u, 0);
    T(RN | FPCR_FZ, fp32_mul(MINN, HALF, &st), PZERO, FPSR_UFC);
    /* Tiny and inexact: UFC + IXC (the tie rounds to even). */
    T(RN, fp32_mul(0x00800001u, HALF, &st), 0x00400000u, FPSR_UFC | FPSR_IXC);
    /* Tininess is detected before rounding: rounds up to the smallest normal, still UFC. */
    T(RN, fp32_mul(0x3f7fffffu, MINN, &st), MINN, FPSR_UFC | FPSR_IXC);
    T(RN | FPCR_FZ, fp32_mul(0x3f7fffffu, MINN, &st), PZERO, FPSR_UFC);
    /* Half precision is never flushed in ARMv8.0. */
    T(RN | FPCR_FZ, fp16_to_fp32(0x0001, &st), 0x33800000u, 0);
    T(RN | FPCR_FZ, fp32_to_fp16(0x33800000u, &st), 0x0001, 0);
    T(RN | FPCR_FZ, fp32_to_fp16(0x33000000u, &st), 0x0000, FPSR_UFC | FPSR_IXC); /* tie: even */
    T(RN | FPCR_FZ, fp32_to_fp64(DENORM1, &st), 0, FPSR_IDC);
    T(RN, fp32_to_fp64(DENORM1, &st), 0x36a0000000000000ull, 0);
    T(RN | FPCR_FZ, fp64_to_fp32(0x36a0000000000000ull, &st), PZERO, FPSR_UFC);
    /* FMAX with FZ: a flushed denormal compares as zero. */
    T(RN | FPCR_FZ, fp32_max(0x80000001u, PZERO, &st), PZERO, FPSR_IDC);
    T(RN, fp32_max(0x80000001u, PZERO, &st), PZERO, 0);
    T(RN, fp32_min(0x80000001u, PZERO, &st), 0x80000001u, 0);
}

static void overflow(void) {
    T(RN, fp32_mul(MAXN, TWO, &st), PINF, FPSR_OFC | FPSR_IXC);
    T(RZ, fp32_mul(MAXN, TWO, &st), MAXN, FPSR_OFC | FPSR_IXC);
    T(RM, fp32_mul(MAXN, TWO, &st), MAXN, FPSR_OFC | FPSR_IXC);
    T(RP, fp32_mul(MAXN, TWO, &st), PINF, FPSR_OFC | FPSR_IXC);
    T(RP, fp32_mul(0xff7fffffu, TWO, &st), 0xff7fffffu, FPSR_OFC | FPSR_IXC);
    T(RM, fp32_mul(0xff7fffffu, TWO, &st), NINF, FPSR_OFC | FPSR_IXC);
    T(RN, fp64_mul(0x7fefffffffffffffull, 0x4000000000000000ull, &st), 0x7ff0000000000000ull,
      FPSR_OFC | FPSR_IXC);
    /* Rounding up into overflow: max + half an ulp ties to even = infinity. */
    T(RN, fp32_add(MAXN, 0x73000000u, &st), PINF, FPSR_OFC | FPSR_IXC);
    T(RN, fp32_add(MAXN, 0x72800000u, &st), MAXN, FPSR_IXC);
}

static void max_min(void) {
    T(RN, fp32_max(QNAN1, ONE, &st), QNAN1, 0);
    T(RN, fp32_maxnm(QNAN1, ONE, &st), ONE, 0);
    T(RN, fp32_minnm(ONE, QNAN1, &st), ONE, 0);
    T(RN, fp32_maxnm(QNAN1, NINF, &st), NINF, 0);
    T(RN, fp32_maxnm(SNAN1, ONE, &st), QNAN1, FPSR_IOC);
    T(RN, fp32_maxnm(QNAN1, SNAN2, &st), QNAN2, FPSR_IOC);
    T(RN, fp32_maxnm(QNAN1, QNAN2, &st), QNAN1, 0);
    T(RN | FPCR_DN, fp32_maxnm(QNAN1, QNAN2, &st), DNAN, 0);
    T(RN, fp32_max(PZERO, NZERO, &st), PZERO, 0);
    T(RN, fp32_max(NZERO, PZERO, &st), PZERO, 0);
    T(RN, fp32_min(PZERO, NZERO, &st), NZERO, 0);
    T(RN, fp32_min(NINF, ONE, &st), NINF, 0);
    T(RN, fp64_max(0x4000000000000000ull, 0x3ff0000000000000ull, &st), 0x4000000000000000ull, 0);
}

static void compares(void) {
    T(RN, fp32_compare(ONE, TWO, false, &st), FP_NZCV_LESS, 0);
    T(RN, fp32_compare(TWO, ONE, false, &st), FP_NZCV_GREATER, 0);
    T(RN, fp32_compare(PZERO, NZERO, false, &st), FP_NZCV_EQUAL, 0);
    T(RN, fp32_compare(NINF, NINF, false, &st), FP_NZCV_EQUAL, 0);
    T(RN, fp32_compare(ONE, QNAN1, false, &st), FP_NZCV_UNORDERED, 0);
    T(RN, fp32_compare(ONE, QNAN1, true, &st), FP_NZCV_UNORDERED, FPSR_IOC); /* FCMPE */
    T(RN, fp32_compare(SNAN1, ONE, false, &st), FP_NZCV_UNORDERED, FPSR_IOC);
    T(RN | FPCR_FZ, fp32_compare(DENORM1, PZERO, false, &st), FP_NZCV_EQUAL, FPSR_IDC);
    T(RN, fp32_compare_eq(QNAN1, QNAN1, &st), 0, 0);
    T(RN, fp32_compare_eq(SNAN1, ONE, &st), 0, FPSR_IOC);
    T(RN, fp32_compare_ge(QNAN1, ONE, &st), 0, FPSR_IOC);
    T(RN, fp32_compare_ge(ONE, ONE, &st), 1, 0);
    T(RN, fp32_compare_gt(ONE, ONE, &st), 0, 0);
    T(RN, fp32_compare_abs_gt(0xc0000000u, ONE, &st), 1, 0);
    T(RN, fp32_compare_abs_ge(NINF, PINF, &st), 1, 0);
    CHECK_EQ_U64(fp32_abs(0xffc00001u), 0x7fc00001u);
    CHECK_EQ_U64(fp32_neg(SNAN1), 0xff800001u);
    CHECK_EQ_U64(fp64_neg(0), 0x8000000000000000ull);
}

static void round_to_integral(void) {
    T(RN, fp32_round_int(0x40200000u, FP_ROUND_TIEEVEN, false, &st), TWO, 0);       /* 2.5 */
    T(RN, fp32_round_int(0x40200000u, FP_ROUND_TIEEVEN, true, &st), TWO, FPSR_IXC); /* FRINTX */
    T(RN, fp32_round_int(0x40200000u, FP_ROUND_TIEAWAY, false, &st), 0x40400000u, 0);
    T(RN, fp32_round_int(0xc0200000u, FP_ROUND_TIEAWAY, false, &st), 0xc0400000u, 0);
    T(RN, fp32_round_int(0xbecccccdu, FP_ROUND_POSINF, false, &st), NZERO, 0); /* -0.4 -> -0 */
    T(RN, fp32_round_int(0x3ecccccdu, FP_ROUND_NEGINF, true, &st), PZERO, FPSR_IXC);
    T(RN, fp32_round_int(0x3ecccccdu, FP_ROUND_POSINF, false, &st), ONE, 0);
    T(RN, fp32_round_int(0xbfc00000u, FP_ROUND_ZERO, false, &st), 0xbf800000u, 0);
    T(RN, fp32_round_int(0xbfc00000u, FP_ROUND_NEGINF, false, &st), 0xc0000000u, 0);
    T(RN, fp32_round_int(0x4b800001u, FP_ROUND_TIEEVEN, true, &st), 0x4b800001u, 0);
    T(RN, fp32_round_int(SNAN1, FP_ROUND_ZERO, false, &st), QNAN1, FPSR_IOC);
    T(RN | FPCR_FZ, fp32_round_int(0x80000001u, FP_ROUND_POSINF, true, &st), NZERO, FPSR_IDC);
}

static void integer_conversions(void) {
    T(RN, (uint32_t)fp32_to_i32(0x4f32d05eu, 0, FP_ROUND_ZERO, &st), 0x7fffffffu, FPSR_IOC);
    T(RN, (uint32_t)fp32_to_i32(0xcf000000u, 0, FP_ROUND_ZERO, &st), 0x80000000u, 0);
    T(RN, fp32_to_u32(0xbf800000u, 0, FP_ROUND_ZERO, &st), 0, FPSR_IOC);
    T(RN, fp32_to_u32(0xbf000000u, 0, FP_ROUND_ZERO, &st), 0, FPSR_IXC); /* -0.5 -> 0 */
    T(RN, fp32_to_u32(QNAN1, 0, FP_ROUND_ZERO, &st), 0, FPSR_IOC);
    T(RN, (uint32_t)fp32_to_i32(0x40200000u, 0, FP_ROUND_TIEEVEN, &st), 2, FPSR_IXC);
    T(RN, (uint32_t)fp32_to_i32(0x40200000u, 0, FP_ROUND_TIEAWAY, &st), 3, FPSR_IXC);
    T(RN, (uint32_t)fp32_to_i32(0xc0200000u, 0, FP_ROUND_TIEAWAY, &st), (uint32_t)-3, FPSR_IXC);
    T(RN, (uint32_t)fp32_to_i32(0xc0200000u, 0, FP_ROUND_POSINF, &st), (uint32_t)-2, FPSR_IXC);
    T(RN, (uint64_t)fp64_to_i64(0xfff0000000000000ull, 0, FP_ROUND_ZERO, &st),
      0x8000000000000000ull, FPSR_IOC);
    T(RN, fp64_to_u64(0x43f0000000000000ull, 0, FP_ROUND_ZERO, &st), ~0ull, FPSR_IOC); /* 2^64 */
    T(RN, fp32_to_u32(0x3f400000u, 4, FP_ROUND_ZERO, &st), 12, 0); /* 0.75 * 16 */
    T(RN | FPCR_FZ, fp32_to_u32(DENORM1, 0, FP_ROUND_POSINF, &st), 0, FPSR_IDC);
    T(RN, fp32_to_u32(DENORM1, 0, FP_ROUND_POSINF, &st), 1, FPSR_IXC);
    T(RN, fp32_from_i32(INT32_MIN, 0, FP_ROUND_TIEEVEN, &st), 0xcf000000u, 0);
    T(RN, fp32_from_u64(~0ull, 0, FP_ROUND_TIEEVEN, &st), 0x5f800000u, FPSR_IXC);
    T(RN, fp32_from_u64(~0ull, 0, FP_ROUND_ZERO, &st), 0x5f7fffffu, FPSR_IXC);
    T(RN, fp32_from_i32(1, 32, FP_ROUND_TIEEVEN, &st), 0x2f800000u, 0); /* 2^-32 */
    T(RN, fp32_from_i32(0, 7, FP_ROUND_NEGINF, &st), PZERO, 0);
    T(RN, fp64_from_i64(-3, 1, FP_ROUND_TIEEVEN, &st), 0xbff8000000000000ull, 0);
}

static void precision_conversions(void) {
    T(RN, fp32_to_fp16(ONE, &st), 0x3c00, 0);
    T(RN, fp32_to_fp16(0x477ff000u, &st), 0x7c00, FPSR_OFC | FPSR_IXC); /* 65520 */
    T(RZ, fp32_to_fp16(0x477ff000u, &st), 0x7bff, FPSR_IXC); /* overflow is judged after rounding */
    T(RN | FPCR_AHP, fp32_to_fp16(0x477ff000u, &st), 0x7c00, FPSR_IXC); /* AHP: 65536 is normal */
    T(RN | FPCR_AHP, fp32_to_fp16(0x48000000u, &st), 0x7fff, FPSR_IOC); /* 131072 saturates */
    T(RN | FPCR_AHP, fp32_to_fp16(PINF, &st), 0x7fff, FPSR_IOC);
    T(RN | FPCR_AHP, fp32_to_fp16(0xffc00001u, &st), 0x8000, FPSR_IOC);
    T(RN | FPCR_AHP, fp16_to_fp32(0x7c00, &st), 0x47800000u, 0);
    T(RN, fp16_to_fp32(0x7c00, &st), PINF, 0);
    T(RN, fp16_to_fp64(0xfe01, &st), 0xfff8040000000000ull, 0); /* payload kept, top aligned */
    T(RN, fp32_to_fp16(0x7fc02000u, &st), 0x7e01, 0);
    T(RN, fp32_to_fp16(SNAN1, &st), 0x7e00, FPSR_IOC);
    T(RN | FPCR_DN, fp32_to_fp16(0x7fc02000u, &st), 0x7e00, 0);
    T(RN, fp64_to_fp32(0x7ff0000000000001ull, &st), 0x7fc00000u, FPSR_IOC);
    T(RN, fp32_to_fp64(0x7fa00000u, &st), 0x7ffc000000000000ull, FPSR_IOC);
    /* FCVTXN rounds to odd. */
    T(RN, fp64_to_fp32_round(0x3ff0000004000000ull, FP_ROUND_ODD, &st), 0x3f800001u, FPSR_IXC);
    T(RN, fp64_to_fp32_round(0x3ff0000000000000ull, FP_ROUND_ODD, &st), ONE, 0);
    T(RN, fp64_to_fp32_round(0x7fefffffffffffffull, FP_ROUND_ODD, &st), MAXN, FPSR_OFC | FPSR_IXC);
}

static void estimates(void) {
    T(RN, fp32_recpe(ONE, &st), 0x3f7f8000u, 0);
    T(RN, fp32_recpe(PZERO, &st), PINF, FPSR_DZC);
    T(RN, fp32_recpe(NINF, &st), NZERO, 0);
    T(RN, fp32_recpe(DENORM1, &st), PINF, FPSR_OFC | FPSR_IXC);
    T(RZ, fp32_recpe(DENORM1, &st), MAXN, FPSR_OFC | FPSR_IXC);
    T(RN | FPCR_FZ, fp32_recpe(0x7f000000u, &st), PZERO, FPSR_UFC); /* 2^127: result flushed */
    T(RN, fp32_recpe(0x7f000000u, &st), 0x003fe000u, 0);            /* 0.998 * 2^-127: denormal */
    T(RN, fp32_rsqrte(ONE, &st), 0x3f7f8000u, 0);
    T(RN, fp32_rsqrte(0x40800000u, &st), 0x3eff8000u, 0); /* 4 -> ~0.5 */
    T(RN, fp32_rsqrte(0xbf800000u, &st), DNAN, FPSR_IOC);
    T(RN, fp32_rsqrte(NZERO, &st), NINF, FPSR_DZC);
    T(RN, fp32_rsqrte(PINF, &st), PZERO, 0);
    T(RN, fp64_rsqrte(0x3ff0000000000000ull, &st), 0x3feff00000000000ull, 0);
    T(RN, fp32_recpx(TWO, &st), ONE, 0);
    T(RN, fp32_recpx(PZERO, &st), 0x7f000000u, 0);
    T(RN, fp32_recpx(NINF, &st), NZERO, 0);
    T(RN | FPCR_FZ, fp32_recpx(0x80000001u, &st), 0xff000000u, FPSR_IDC);
    CHECK_EQ_U64(fp_urecpe_u32(0x7fffffffu), 0xffffffffu);
    CHECK_EQ_U64(fp_urecpe_u32(0x80000000u), 0xff800000u);
    CHECK_EQ_U64(fp_ursqrte_u32(0x3fffffffu), 0xffffffffu);
    CHECK_EQ_U64(fp_ursqrte_u32(0x40000000u), 0xff800000u);
    CHECK_EQ_U64(fp_recip_estimate(256), 511);
    CHECK_EQ_U64(fp_recip_estimate(511), 256);
    CHECK_EQ_U64(fp_rsqrt_estimate(128), 511);
}

static void fused_and_double(void) {
    /* A fused multiply-add rounds once: (1 + 2^-52)(1 - 2^-53) - 1 is exact. */
    T(RN, fp64_fmadd(0x3ff0000000000001ull, 0x3fefffffffffffffull, 0xbff0000000000000ull, &st),
      0x3c9ffffffffffffeull, 0);
    /* f32: (2^30 + 2^7) + (1 + 2^-23) * 2^6 (1 - 2^-23) = 2^30 + 2^7 + 2^6 - 2^-40, just below
     * the midpoint 2^30 + 2^7 + 2^6: rounds down. An f64 intermediate rounds to the midpoint
     * itself and then ties to even upwards (2^30 + 2^8): the fast path must not do that. */
    T(RN, fp32_fmadd(0x3f800001u, 0x427ffffeu, 0x4e800001u, &st), 0x4e800001u, FPSR_IXC);
    T(RN, fp32_fmadd(0xbf800001u, 0x427ffffeu, 0xce800001u, &st), 0xce800001u, FPSR_IXC);
    /* Products and sums next to the underflow boundary leave the fast paths: 2^-125 * 0.5 is
     * exact and normal, 2^-126 * (1 - 2^-24) = 2^-126 - 2^-150 is tiny before rounding (ties to
     * even up to 2^-126 without FZ). */
    T(RN, fp32_mul(0x01000000u, HALF, &st), MINN, 0);
    T(RN | FPCR_FZ, fp32_mul(MINN, 0x3f7fffffu, &st), PZERO, FPSR_UFC);
    T(RN, fp32_mul(MINN, 0x3f7fffffu, &st), MINN, FPSR_UFC | FPSR_IXC);
    T(RN, fp64_add(0x3ff0000000000000ull, 0x3ca0000000000000ull, &st), 0x3ff0000000000000ull,
      FPSR_IXC); /* 1 + 2^-53 ties to even */
    T(RP, fp64_add(0x3ff0000000000000ull, 0x3ca0000000000000ull, &st), 0x3ff0000000000001ull,
      FPSR_IXC);
    T(RN, fp64_div(0x3ff0000000000000ull, 0x4008000000000000ull, &st), 0x3fd5555555555555ull,
      FPSR_IXC);
    T(RN, fp64_sqrt(0x4010000000000000ull, &st), 0x4000000000000000ull, 0);
    T(RN, fp32_recps(TWO, ONE, &st), PZERO, 0); /* 2 - 2*1 = +0 */
    T(RM, fp32_recps(TWO, ONE, &st), NZERO, 0);
    T(RN, fp32_rsqrts(ONE, ONE, &st), ONE, 0); /* (3 - 1) / 2 */
}

static void all_cases(void) {
    nan_rules();
    zeros_and_infinities();
    denormals_and_flush();
    overflow();
    max_min();
    compares();
    round_to_integral();
    integer_conversions();
    precision_conversions();
    estimates();
    fused_and_double();
}

int main(void) {
    /* Every hand-worked case with the host-FPU fast paths as configured (on unless
     * SOCEMU_NO_FP_FAST=1), then with the software path alone. */
    bool fast = fp_fast_path_enabled();
    all_cases();
    fp_set_fast_path(false);
    all_cases();
    fp_set_fast_path(fast);
    return check_report("fpu_unit");
}
