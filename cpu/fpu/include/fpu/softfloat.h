/* socemu floating-point library: bit-exact ARMv8.0-A (Cortex-A53) floating point.
 *
 * Every function follows the Arm ARM pseudocode of the same name (FPAdd, FPMulAdd, FPMax,
 * FPCompare, FPToFixed, FPRecipEstimate, ...) and is pure integer arithmetic: the result bits and
 * the cumulative FPSR flags are those a Cortex-A53 produces, independent of the host FPU.
 *
 * Values are raw IEEE bit patterns (f16/f32/f64). Each operation takes an fp_status: `fpcr` is the
 * architectural FPCR (or AArch32 FPSCR; the control fields sit at the same bit positions) and is
 * only read; `fpsr` receives the cumulative exception bits (IOC, DZC, OFC, UFC, IXC, IDC) by OR,
 * nothing else in it is touched. Floating-point exception trapping (FPCR.xxE) is not implemented
 * (the A53 does not support it, the enable bits are RES0 there).
 *
 * FPCR fields honoured: RMode, FZ (single/double only: ARMv8.0 never flushes half precision),
 * DN, AHP (half-precision conversions only). Half precision exists only for conversions
 * (no FEAT_FP16 arithmetic on the A53).
 *
 * Mapping to A64 instructions (scalar and per vector element alike):
 *   FADD/FSUB/FMUL/FDIV/FSQRT/FMULX         fpNN_add/sub/mul/div/sqrt/mulx
 *   FMADD/FMSUB/FNMADD/FNMSUB               fpNN_fmadd/fmsub/fnmadd/fnmsub
 *   FMLA/FMLS (vector)                      fpNN_muladd(acc, n, m) / fpNN_muladd(acc, neg(n), m)
 *   FNMUL                                   fpNN_neg(fpNN_mul(...))   (FPNeg after rounding)
 *   FABD                                    fpNN_abs(fpNN_sub(...))
 *   FMAX/FMIN/FMAXNM/FMINNM                 fpNN_max/min/maxnm/minnm
 *   FCMP/FCMPE/FCCMP/FCCMPE                 fpNN_compare(n, m, signal_nans) -> NZCV
 *   FCMEQ/FCMGE/FCMGT (#0.0: pass 0 as m;   fpNN_compare_eq/ge/gt; FCMLE x,#0 is ge(0, x),
 *   FCMLT x,#0 is gt(0, x)), FACGE/FACGT    fpNN_compare_abs_ge/gt
 *   FABS/FNEG                               fpNN_abs/neg (no flags, NaNs unchanged but sign)
 *   FRINTN/A/P/M/Z                          fpNN_round_int(x, FP_ROUND_xxx, false)
 *   FRINTX / FRINTI                         fpNN_round_int(x, fp_status_rounding(st), true/false)
 *   FCVT (between precisions)               fpAA_to_fpBB
 *   FCVTXN                                  fp64_to_fp32_round(x, FP_ROUND_ODD)
 *   FCVT{N,A,P,M,Z}{S,U} (+ fixed point)    fpNN_to_{i32,u32,i64,u64}(x, fbits, rounding)
 *   SCVTF/UCVTF (+ fixed point)             fpNN_from_{i32,u32,i64,u64}(v, fbits, rounding);
 *                                           pass fp_status_rounding(st) for the A64 forms
 *   FRECPE/FRSQRTE/FRECPS/FRSQRTS/FRECPX    fpNN_recpe/rsqrte/recps/rsqrts/recpx
 *   URECPE/URSQRTE                          fp_urecpe_u32/fp_ursqrte_u32 (no flags)
 */
#ifndef SOCEMU_FPU_SOFTFLOAT_H
#define SOCEMU_FPU_SOFTFLOAT_H

#include <stdbool.h>
#include <stdint.h>

typedef uint16_t f16; /* IEEE binary16 (or ARM alternative half precision when FPCR.AHP) */
typedef uint32_t f32; /* IEEE binary32 */
typedef uint64_t f64; /* IEEE binary64 */

/* FPCR / FPSCR control bits read by the library. */
#define FPCR_RMODE_SHIFT 22
#define FPCR_RMODE_MASK  (3u << FPCR_RMODE_SHIFT)
#define FPCR_FZ          (1u << 24)
#define FPCR_DN          (1u << 25)
#define FPCR_AHP         (1u << 26)

/* FPSR / FPSCR cumulative exception bits set by the library. */
#define FPSR_IOC             (1u << 0) /* invalid operation */
#define FPSR_DZC             (1u << 1) /* divide by zero */
#define FPSR_OFC             (1u << 2) /* overflow */
#define FPSR_UFC             (1u << 3) /* underflow (also set when an output is flushed to zero) */
#define FPSR_IXC             (1u << 4) /* inexact */
#define FPSR_IDC             (1u << 7) /* input denormal flushed to zero */
#define FPSR_CUMULATIVE_MASK (FPSR_IOC | FPSR_DZC | FPSR_OFC | FPSR_UFC | FPSR_IXC | FPSR_IDC)

/* Rounding modes: the first four equal the FPCR.RMode encoding. */
typedef enum fp_rounding {
    FP_ROUND_TIEEVEN = 0, /* RN: to nearest, ties to even */
    FP_ROUND_POSINF = 1,  /* RP: towards +infinity */
    FP_ROUND_NEGINF = 2,  /* RM: towards -infinity */
    FP_ROUND_ZERO = 3,    /* RZ: towards zero */
    FP_ROUND_TIEAWAY = 4, /* to nearest, ties away from zero (FRINTA, FCVTA*) */
    FP_ROUND_ODD = 5,     /* von Neumann rounding (FCVTXN only) */
} fp_rounding;

typedef struct fp_status {
    uint32_t fpcr; /* read only: RMode, FZ, DN, AHP */
    uint32_t fpsr; /* cumulative exception bits are ORed in */
} fp_status;

/* The rounding mode selected by FPCR.RMode. */
static inline fp_rounding fp_status_rounding(const fp_status *st) {
    return (fp_rounding)((st->fpcr & FPCR_RMODE_MASK) >> FPCR_RMODE_SHIFT);
}

/* NZCV results of fpNN_compare, as the 4-bit value that goes to PSTATE.NZCV (N is bit 3). */
#define FP_NZCV_UNORDERED 0x3u /* 0011 */
#define FP_NZCV_EQUAL     0x6u /* 0110 */
#define FP_NZCV_LESS      0x8u /* 1000 */
#define FP_NZCV_GREATER   0x2u /* 0010 */

/* Declares the operations that exist in both single and double precision. */
#define SOCEMU_FPU_DECLARE_OPS(T, P)                                                               \
    T P##_add(T a, T b, fp_status *st);                                                            \
    T P##_sub(T a, T b, fp_status *st);                                                            \
    T P##_mul(T a, T b, fp_status *st);                                                            \
    T P##_mulx(T a, T b, fp_status *st);                                                           \
    T P##_div(T a, T b, fp_status *st);                                                            \
    T P##_sqrt(T a, fp_status *st);                                                                \
    /* FPMulAdd: addend + n * m, one rounding; NaN priority addend, n, m (FPProcessNaNs3), and a   \
     */                                                                                            \
    /* quiet-NaN addend with an inf*0 product gives the default NaN with IOC. */                   \
    T P##_muladd(T addend, T n, T m, fp_status *st);                                               \
    T P##_fmadd(T n, T m, T a, fp_status *st);  /* a + n*m */                                      \
    T P##_fmsub(T n, T m, T a, fp_status *st);  /* a + (-n)*m */                                   \
    T P##_fnmadd(T n, T m, T a, fp_status *st); /* (-a) + (-n)*m */                                \
    T P##_fnmsub(T n, T m, T a, fp_status *st); /* (-a) + n*m */                                   \
    T P##_max(T a, T b, fp_status *st);                                                            \
    T P##_min(T a, T b, fp_status *st);                                                            \
    T P##_maxnm(T a, T b, fp_status *st); /* one quiet NaN is treated as -infinity */              \
    T P##_minnm(T a, T b, fp_status *st); /* one quiet NaN is treated as +infinity */              \
    uint32_t P##_compare(T a, T b, bool signal_nans, fp_status *st); /* FP_NZCV_* */               \
    bool P##_compare_eq(T a, T b, fp_status *st);                                                  \
    bool P##_compare_ge(T a, T b, fp_status *st);                                                  \
    bool P##_compare_gt(T a, T b, fp_status *st);                                                  \
    bool P##_compare_abs_ge(T a, T b, fp_status *st);                                              \
    bool P##_compare_abs_gt(T a, T b, fp_status *st);                                              \
    T P##_abs(T a);                                                                                \
    T P##_neg(T a);                                                                                \
    /* FPRoundInt; `exact` raises IXC when the value changed (FRINTX). */                          \
    T P##_round_int(T a, fp_rounding rounding, bool exact, fp_status *st);                         \
    /* FPToFixed: saturating, IOC on NaN/overflow, else IXC when inexact. fbits 0..64. */          \
    int32_t P##_to_i32(T a, int fbits, fp_rounding rounding, fp_status *st);                       \
    uint32_t P##_to_u32(T a, int fbits, fp_rounding rounding, fp_status *st);                      \
    int64_t P##_to_i64(T a, int fbits, fp_rounding rounding, fp_status *st);                       \
    uint64_t P##_to_u64(T a, int fbits, fp_rounding rounding, fp_status *st);                      \
    /* FixedToFP: value / 2^fbits rounded with `rounding`. */                                      \
    T P##_from_i32(int32_t v, int fbits, fp_rounding rounding, fp_status *st);                     \
    T P##_from_u32(uint32_t v, int fbits, fp_rounding rounding, fp_status *st);                    \
    T P##_from_i64(int64_t v, int fbits, fp_rounding rounding, fp_status *st);                     \
    T P##_from_u64(uint64_t v, int fbits, fp_rounding rounding, fp_status *st);                    \
    T P##_recpe(T a, fp_status *st);                                                               \
    T P##_rsqrte(T a, fp_status *st);                                                              \
    T P##_recps(T a, T b, fp_status *st);  /* 2 - a*b, fused */                                    \
    T P##_rsqrts(T a, T b, fp_status *st); /* (3 - a*b) / 2, fused */                              \
    T P##_recpx(T a, fp_status *st);

SOCEMU_FPU_DECLARE_OPS(f32, fp32)
SOCEMU_FPU_DECLARE_OPS(f64, fp64)

/* FPConvert between precisions, rounding per FPCR.RMode (FCVT). Half-precision operands and
 * results use the alternative format when FPCR.AHP is set. */
f32 fp16_to_fp32(f16 a, fp_status *st);
f64 fp16_to_fp64(f16 a, fp_status *st);
f16 fp32_to_fp16(f32 a, fp_status *st);
f16 fp64_to_fp16(f64 a, fp_status *st);
f64 fp32_to_fp64(f32 a, fp_status *st);
f32 fp64_to_fp32(f64 a, fp_status *st);
/* The same with an explicit rounding mode: FCVTXN is fp64_to_fp32_round(a, FP_ROUND_ODD, st). */
f16 fp32_to_fp16_round(f32 a, fp_rounding rounding, fp_status *st);
f16 fp64_to_fp16_round(f64 a, fp_rounding rounding, fp_status *st);
f32 fp64_to_fp32_round(f64 a, fp_rounding rounding, fp_status *st);

/* Host-FPU fast paths (fp_fast.h): the common cases (RN, normal or zero operands, normal results)
 * are computed with the host FPU when that provably gives the same bits and flags. On by default;
 * the environment variable SOCEMU_NO_FP_FAST=1 (read at start-up) or fp_set_fast_path(false)
 * forces the pure software path everywhere (bisection, differential tests). Not thread safe:
 * set it before vCPU threads start. */
void fp_set_fast_path(bool enable);
bool fp_fast_path_enabled(void);

/* URECPE / URSQRTE: unsigned fixed-point estimates (no FPCR, no flags). */
uint32_t fp_urecpe_u32(uint32_t a);
uint32_t fp_ursqrte_u32(uint32_t a);

/* The 8-bit estimate tables behind FRECPE/FRSQRTE (Arm ARM RecipEstimate/RecipSqrtEstimate):
 * recip takes 256..511, rsqrt takes 128..511; both return 256..511. */
int fp_recip_estimate(int a);
int fp_rsqrt_estimate(int a);

#endif
