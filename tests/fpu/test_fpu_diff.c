/* Differential test: every socemu fpu operation against the real A64 instruction executed by
 * unicorn (QEMU's ARM floating point), in f32 and f64 (and f16 conversions), with fixed-seed random
 * operands biased to special values, all rounding modes and FZ/DN/AHP on and off. Result bits and
 * the cumulative FPSR flags must match exactly.
 *
 * Default run: SOCEMU_FPU_DIFF_CASES cases per instruction (default 2000); SOCEMU_LONG_TESTS=1
 * runs 50x more. Where unicorn (QEMU 5) disagrees with the Arm ARM pseudocode, the case is
 * excluded in unicorn_deviates() with the reason. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unicorn/unicorn.h>

#include "fpu/softfloat.h"

enum op {
    OP_ADD,
    OP_SUB,
    OP_MUL,
    OP_DIV,
    OP_MULX,
    OP_MAX,
    OP_MIN,
    OP_MAXNM,
    OP_MINNM,
    OP_NMUL,
    OP_ABD,
    OP_RECPS,
    OP_RSQRTS,
    OP_CMEQ,
    OP_CMGE,
    OP_CMGT,
    OP_ACGE,
    OP_ACGT,
    OP_SQRT,
    OP_ABS,
    OP_NEG,
    OP_RINTN,
    OP_RINTA,
    OP_RINTP,
    OP_RINTM,
    OP_RINTZ,
    OP_RINTX,
    OP_RINTI,
    OP_RECPE,
    OP_RSQRTE,
    OP_RECPX,
    OP_MADD,
    OP_MSUB,
    OP_NMADD,
    OP_NMSUB,
    OP_CMP,
    OP_CMPE,
    OP_CMP0,
    OP_CMPE0,
    OP_CMEQ0,
    OP_CMGE0,
    OP_CMGT0,
    OP_CMLE0,
    OP_CMLT0,
    OP_TO_INT,
    OP_TO_FIXED,
    OP_FROM_INT,
    OP_FROM_FIXED,
    OP_FMLA,
    OP_FMLS,
    OP_FCVT,
    OP_FCVTXN,
    OP_URECPE,
    OP_URSQRTE,
};

/* Registers: operands n, m, a in v0, v1, v2 (integers in x0), result in v3 / x3 / NZCV.
 * Encodings assembled with aarch64-linux-gnu-as and read back with objdump. Fixed-point forms
 * are listed with #1; other fbits values patch the scale field (bits 15:10 = 64 - fbits). */
typedef struct insn {
    uint32_t encoding;
    const char *text;
    enum op op;
    int width;            /* operand precision (destination precision for SCVTF/UCVTF) */
    fp_rounding rounding; /* FCVT<r><s|u> */
    bool is_unsigned;     /* FCVT*U, UCVTF */
    int aux_bits;         /* integer width for conversions, destination width for FCVT */
} insn;

static const insn insns[] = {
    {0x1e212803, "fadd s3, s0, s1", OP_ADD, 32, 0, false, 0},
    {0x1e213803, "fsub s3, s0, s1", OP_SUB, 32, 0, false, 0},
    {0x1e210803, "fmul s3, s0, s1", OP_MUL, 32, 0, false, 0},
    {0x1e211803, "fdiv s3, s0, s1", OP_DIV, 32, 0, false, 0},
    {0x5e21dc03, "fmulx s3, s0, s1", OP_MULX, 32, 0, false, 0},
    {0x1e214803, "fmax s3, s0, s1", OP_MAX, 32, 0, false, 0},
    {0x1e215803, "fmin s3, s0, s1", OP_MIN, 32, 0, false, 0},
    {0x1e216803, "fmaxnm s3, s0, s1", OP_MAXNM, 32, 0, false, 0},
    {0x1e217803, "fminnm s3, s0, s1", OP_MINNM, 32, 0, false, 0},
    {0x1e218803, "fnmul s3, s0, s1", OP_NMUL, 32, 0, false, 0},
    {0x7ea1d403, "fabd s3, s0, s1", OP_ABD, 32, 0, false, 0},
    {0x5e21fc03, "frecps s3, s0, s1", OP_RECPS, 32, 0, false, 0},
    {0x5ea1fc03, "frsqrts s3, s0, s1", OP_RSQRTS, 32, 0, false, 0},
    {0x5e21e403, "fcmeq s3, s0, s1", OP_CMEQ, 32, 0, false, 0},
    {0x7e21e403, "fcmge s3, s0, s1", OP_CMGE, 32, 0, false, 0},
    {0x7ea1e403, "fcmgt s3, s0, s1", OP_CMGT, 32, 0, false, 0},
    {0x7e21ec03, "facge s3, s0, s1", OP_ACGE, 32, 0, false, 0},
    {0x7ea1ec03, "facgt s3, s0, s1", OP_ACGT, 32, 0, false, 0},
    {0x1e21c003, "fsqrt s3, s0", OP_SQRT, 32, 0, false, 0},
    {0x1e20c003, "fabs s3, s0", OP_ABS, 32, 0, false, 0},
    {0x1e214003, "fneg s3, s0", OP_NEG, 32, 0, false, 0},
    {0x1e244003, "frintn s3, s0", OP_RINTN, 32, 0, false, 0},
    {0x1e264003, "frinta s3, s0", OP_RINTA, 32, 0, false, 0},
    {0x1e24c003, "frintp s3, s0", OP_RINTP, 32, 0, false, 0},
    {0x1e254003, "frintm s3, s0", OP_RINTM, 32, 0, false, 0},
    {0x1e25c003, "frintz s3, s0", OP_RINTZ, 32, 0, false, 0},
    {0x1e274003, "frintx s3, s0", OP_RINTX, 32, 0, false, 0},
    {0x1e27c003, "frinti s3, s0", OP_RINTI, 32, 0, false, 0},
    {0x5ea1d803, "frecpe s3, s0", OP_RECPE, 32, 0, false, 0},
    {0x7ea1d803, "frsqrte s3, s0", OP_RSQRTE, 32, 0, false, 0},
    {0x5ea1f803, "frecpx s3, s0", OP_RECPX, 32, 0, false, 0},
    {0x1f010803, "fmadd s3, s0, s1, s2", OP_MADD, 32, 0, false, 0},
    {0x1f018803, "fmsub s3, s0, s1, s2", OP_MSUB, 32, 0, false, 0},
    {0x1f210803, "fnmadd s3, s0, s1, s2", OP_NMADD, 32, 0, false, 0},
    {0x1f218803, "fnmsub s3, s0, s1, s2", OP_NMSUB, 32, 0, false, 0},
    {0x1e212000, "fcmp s0, s1", OP_CMP, 32, 0, false, 0},
    {0x1e212010, "fcmpe s0, s1", OP_CMPE, 32, 0, false, 0},
    {0x1e202008, "fcmp s0, #0.0", OP_CMP0, 32, 0, false, 0},
    {0x1e202018, "fcmpe s0, #0.0", OP_CMPE0, 32, 0, false, 0},
    {0x5ea0d803, "fcmeq s3, s0, #0.0", OP_CMEQ0, 32, 0, false, 0},
    {0x7ea0c803, "fcmge s3, s0, #0.0", OP_CMGE0, 32, 0, false, 0},
    {0x5ea0c803, "fcmgt s3, s0, #0.0", OP_CMGT0, 32, 0, false, 0},
    {0x7ea0d803, "fcmle s3, s0, #0.0", OP_CMLE0, 32, 0, false, 0},
    {0x5ea0e803, "fcmlt s3, s0, #0.0", OP_CMLT0, 32, 0, false, 0},
    {0x1e200003, "fcvtns w3, s0", OP_TO_INT, 32, FP_ROUND_TIEEVEN, false, 32},
    {0x9e200003, "fcvtns x3, s0", OP_TO_INT, 32, FP_ROUND_TIEEVEN, false, 64},
    {0x1e210003, "fcvtnu w3, s0", OP_TO_INT, 32, FP_ROUND_TIEEVEN, true, 32},
    {0x9e210003, "fcvtnu x3, s0", OP_TO_INT, 32, FP_ROUND_TIEEVEN, true, 64},
    {0x1e240003, "fcvtas w3, s0", OP_TO_INT, 32, FP_ROUND_TIEAWAY, false, 32},
    {0x9e240003, "fcvtas x3, s0", OP_TO_INT, 32, FP_ROUND_TIEAWAY, false, 64},
    {0x1e250003, "fcvtau w3, s0", OP_TO_INT, 32, FP_ROUND_TIEAWAY, true, 32},
    {0x9e250003, "fcvtau x3, s0", OP_TO_INT, 32, FP_ROUND_TIEAWAY, true, 64},
    {0x1e280003, "fcvtps w3, s0", OP_TO_INT, 32, FP_ROUND_POSINF, false, 32},
    {0x9e280003, "fcvtps x3, s0", OP_TO_INT, 32, FP_ROUND_POSINF, false, 64},
    {0x1e290003, "fcvtpu w3, s0", OP_TO_INT, 32, FP_ROUND_POSINF, true, 32},
    {0x9e290003, "fcvtpu x3, s0", OP_TO_INT, 32, FP_ROUND_POSINF, true, 64},
    {0x1e300003, "fcvtms w3, s0", OP_TO_INT, 32, FP_ROUND_NEGINF, false, 32},
    {0x9e300003, "fcvtms x3, s0", OP_TO_INT, 32, FP_ROUND_NEGINF, false, 64},
    {0x1e310003, "fcvtmu w3, s0", OP_TO_INT, 32, FP_ROUND_NEGINF, true, 32},
    {0x9e310003, "fcvtmu x3, s0", OP_TO_INT, 32, FP_ROUND_NEGINF, true, 64},
    {0x1e380003, "fcvtzs w3, s0", OP_TO_INT, 32, FP_ROUND_ZERO, false, 32},
    {0x9e380003, "fcvtzs x3, s0", OP_TO_INT, 32, FP_ROUND_ZERO, false, 64},
    {0x1e390003, "fcvtzu w3, s0", OP_TO_INT, 32, FP_ROUND_ZERO, true, 32},
    {0x9e390003, "fcvtzu x3, s0", OP_TO_INT, 32, FP_ROUND_ZERO, true, 64},
    {0x1e18fc03, "fcvtzs w3, s0, #1", OP_TO_FIXED, 32, FP_ROUND_ZERO, false, 32},
    {0x1e220003, "scvtf s3, w0", OP_FROM_INT, 32, 0, false, 32},
    {0x1e02fc03, "scvtf s3, w0, #1", OP_FROM_FIXED, 32, 0, false, 32},
    {0x9e18fc03, "fcvtzs x3, s0, #1", OP_TO_FIXED, 32, FP_ROUND_ZERO, false, 64},
    {0x9e220003, "scvtf s3, x0", OP_FROM_INT, 32, 0, false, 64},
    {0x9e02fc03, "scvtf s3, x0, #1", OP_FROM_FIXED, 32, 0, false, 64},
    {0x1e19fc03, "fcvtzu w3, s0, #1", OP_TO_FIXED, 32, FP_ROUND_ZERO, true, 32},
    {0x1e230003, "ucvtf s3, w0", OP_FROM_INT, 32, 0, true, 32},
    {0x1e03fc03, "ucvtf s3, w0, #1", OP_FROM_FIXED, 32, 0, true, 32},
    {0x9e19fc03, "fcvtzu x3, s0, #1", OP_TO_FIXED, 32, FP_ROUND_ZERO, true, 64},
    {0x9e230003, "ucvtf s3, x0", OP_FROM_INT, 32, 0, true, 64},
    {0x9e03fc03, "ucvtf s3, x0, #1", OP_FROM_FIXED, 32, 0, true, 64},
    {0x1e612803, "fadd d3, d0, d1", OP_ADD, 64, 0, false, 0},
    {0x1e613803, "fsub d3, d0, d1", OP_SUB, 64, 0, false, 0},
    {0x1e610803, "fmul d3, d0, d1", OP_MUL, 64, 0, false, 0},
    {0x1e611803, "fdiv d3, d0, d1", OP_DIV, 64, 0, false, 0},
    {0x5e61dc03, "fmulx d3, d0, d1", OP_MULX, 64, 0, false, 0},
    {0x1e614803, "fmax d3, d0, d1", OP_MAX, 64, 0, false, 0},
    {0x1e615803, "fmin d3, d0, d1", OP_MIN, 64, 0, false, 0},
    {0x1e616803, "fmaxnm d3, d0, d1", OP_MAXNM, 64, 0, false, 0},
    {0x1e617803, "fminnm d3, d0, d1", OP_MINNM, 64, 0, false, 0},
    {0x1e618803, "fnmul d3, d0, d1", OP_NMUL, 64, 0, false, 0},
    {0x7ee1d403, "fabd d3, d0, d1", OP_ABD, 64, 0, false, 0},
    {0x5e61fc03, "frecps d3, d0, d1", OP_RECPS, 64, 0, false, 0},
    {0x5ee1fc03, "frsqrts d3, d0, d1", OP_RSQRTS, 64, 0, false, 0},
    {0x5e61e403, "fcmeq d3, d0, d1", OP_CMEQ, 64, 0, false, 0},
    {0x7e61e403, "fcmge d3, d0, d1", OP_CMGE, 64, 0, false, 0},
    {0x7ee1e403, "fcmgt d3, d0, d1", OP_CMGT, 64, 0, false, 0},
    {0x7e61ec03, "facge d3, d0, d1", OP_ACGE, 64, 0, false, 0},
    {0x7ee1ec03, "facgt d3, d0, d1", OP_ACGT, 64, 0, false, 0},
    {0x1e61c003, "fsqrt d3, d0", OP_SQRT, 64, 0, false, 0},
    {0x1e60c003, "fabs d3, d0", OP_ABS, 64, 0, false, 0},
    {0x1e614003, "fneg d3, d0", OP_NEG, 64, 0, false, 0},
    {0x1e644003, "frintn d3, d0", OP_RINTN, 64, 0, false, 0},
    {0x1e664003, "frinta d3, d0", OP_RINTA, 64, 0, false, 0},
    {0x1e64c003, "frintp d3, d0", OP_RINTP, 64, 0, false, 0},
    {0x1e654003, "frintm d3, d0", OP_RINTM, 64, 0, false, 0},
    {0x1e65c003, "frintz d3, d0", OP_RINTZ, 64, 0, false, 0},
    {0x1e674003, "frintx d3, d0", OP_RINTX, 64, 0, false, 0},
    {0x1e67c003, "frinti d3, d0", OP_RINTI, 64, 0, false, 0},
    {0x5ee1d803, "frecpe d3, d0", OP_RECPE, 64, 0, false, 0},
    {0x7ee1d803, "frsqrte d3, d0", OP_RSQRTE, 64, 0, false, 0},
    {0x5ee1f803, "frecpx d3, d0", OP_RECPX, 64, 0, false, 0},
    {0x1f410803, "fmadd d3, d0, d1, d2", OP_MADD, 64, 0, false, 0},
    {0x1f418803, "fmsub d3, d0, d1, d2", OP_MSUB, 64, 0, false, 0},
    {0x1f610803, "fnmadd d3, d0, d1, d2", OP_NMADD, 64, 0, false, 0},
    {0x1f618803, "fnmsub d3, d0, d1, d2", OP_NMSUB, 64, 0, false, 0},
    {0x1e612000, "fcmp d0, d1", OP_CMP, 64, 0, false, 0},
    {0x1e612010, "fcmpe d0, d1", OP_CMPE, 64, 0, false, 0},
    {0x1e602008, "fcmp d0, #0.0", OP_CMP0, 64, 0, false, 0},
    {0x1e602018, "fcmpe d0, #0.0", OP_CMPE0, 64, 0, false, 0},
    {0x5ee0d803, "fcmeq d3, d0, #0.0", OP_CMEQ0, 64, 0, false, 0},
    {0x7ee0c803, "fcmge d3, d0, #0.0", OP_CMGE0, 64, 0, false, 0},
    {0x5ee0c803, "fcmgt d3, d0, #0.0", OP_CMGT0, 64, 0, false, 0},
    {0x7ee0d803, "fcmle d3, d0, #0.0", OP_CMLE0, 64, 0, false, 0},
    {0x5ee0e803, "fcmlt d3, d0, #0.0", OP_CMLT0, 64, 0, false, 0},
    {0x1e600003, "fcvtns w3, d0", OP_TO_INT, 64, FP_ROUND_TIEEVEN, false, 32},
    {0x9e600003, "fcvtns x3, d0", OP_TO_INT, 64, FP_ROUND_TIEEVEN, false, 64},
    {0x1e610003, "fcvtnu w3, d0", OP_TO_INT, 64, FP_ROUND_TIEEVEN, true, 32},
    {0x9e610003, "fcvtnu x3, d0", OP_TO_INT, 64, FP_ROUND_TIEEVEN, true, 64},
    {0x1e640003, "fcvtas w3, d0", OP_TO_INT, 64, FP_ROUND_TIEAWAY, false, 32},
    {0x9e640003, "fcvtas x3, d0", OP_TO_INT, 64, FP_ROUND_TIEAWAY, false, 64},
    {0x1e650003, "fcvtau w3, d0", OP_TO_INT, 64, FP_ROUND_TIEAWAY, true, 32},
    {0x9e650003, "fcvtau x3, d0", OP_TO_INT, 64, FP_ROUND_TIEAWAY, true, 64},
    {0x1e680003, "fcvtps w3, d0", OP_TO_INT, 64, FP_ROUND_POSINF, false, 32},
    {0x9e680003, "fcvtps x3, d0", OP_TO_INT, 64, FP_ROUND_POSINF, false, 64},
    {0x1e690003, "fcvtpu w3, d0", OP_TO_INT, 64, FP_ROUND_POSINF, true, 32},
    {0x9e690003, "fcvtpu x3, d0", OP_TO_INT, 64, FP_ROUND_POSINF, true, 64},
    {0x1e700003, "fcvtms w3, d0", OP_TO_INT, 64, FP_ROUND_NEGINF, false, 32},
    {0x9e700003, "fcvtms x3, d0", OP_TO_INT, 64, FP_ROUND_NEGINF, false, 64},
    {0x1e710003, "fcvtmu w3, d0", OP_TO_INT, 64, FP_ROUND_NEGINF, true, 32},
    {0x9e710003, "fcvtmu x3, d0", OP_TO_INT, 64, FP_ROUND_NEGINF, true, 64},
    {0x1e780003, "fcvtzs w3, d0", OP_TO_INT, 64, FP_ROUND_ZERO, false, 32},
    {0x9e780003, "fcvtzs x3, d0", OP_TO_INT, 64, FP_ROUND_ZERO, false, 64},
    {0x1e790003, "fcvtzu w3, d0", OP_TO_INT, 64, FP_ROUND_ZERO, true, 32},
    {0x9e790003, "fcvtzu x3, d0", OP_TO_INT, 64, FP_ROUND_ZERO, true, 64},
    {0x1e58fc03, "fcvtzs w3, d0, #1", OP_TO_FIXED, 64, FP_ROUND_ZERO, false, 32},
    {0x1e620003, "scvtf d3, w0", OP_FROM_INT, 64, 0, false, 32},
    {0x1e42fc03, "scvtf d3, w0, #1", OP_FROM_FIXED, 64, 0, false, 32},
    {0x9e58fc03, "fcvtzs x3, d0, #1", OP_TO_FIXED, 64, FP_ROUND_ZERO, false, 64},
    {0x9e620003, "scvtf d3, x0", OP_FROM_INT, 64, 0, false, 64},
    {0x9e42fc03, "scvtf d3, x0, #1", OP_FROM_FIXED, 64, 0, false, 64},
    {0x1e59fc03, "fcvtzu w3, d0, #1", OP_TO_FIXED, 64, FP_ROUND_ZERO, true, 32},
    {0x1e630003, "ucvtf d3, w0", OP_FROM_INT, 64, 0, true, 32},
    {0x1e43fc03, "ucvtf d3, w0, #1", OP_FROM_FIXED, 64, 0, true, 32},
    {0x9e59fc03, "fcvtzu x3, d0, #1", OP_TO_FIXED, 64, FP_ROUND_ZERO, true, 64},
    {0x9e630003, "ucvtf d3, x0", OP_FROM_INT, 64, 0, true, 64},
    {0x9e43fc03, "ucvtf d3, x0, #1", OP_FROM_FIXED, 64, 0, true, 64},
    {0x4e21cc03, "fmla v3.4s, v0.4s, v1.4s", OP_FMLA, 32, 0, false, 0},
    {0x4ea1cc03, "fmls v3.4s, v0.4s, v1.4s", OP_FMLS, 32, 0, false, 0},
    {0x4e61cc03, "fmla v3.2d, v0.2d, v1.2d", OP_FMLA, 64, 0, false, 0},
    {0x4ee1cc03, "fmls v3.2d, v0.2d, v1.2d", OP_FMLS, 64, 0, false, 0},
    {0x1e22c003, "fcvt d3, s0", OP_FCVT, 32, 0, false, 64},
    {0x1e624003, "fcvt s3, d0", OP_FCVT, 64, 0, false, 32},
    {0x1e23c003, "fcvt h3, s0", OP_FCVT, 32, 0, false, 16},
    {0x1e63c003, "fcvt h3, d0", OP_FCVT, 64, 0, false, 16},
    {0x1ee24003, "fcvt s3, h0", OP_FCVT, 16, 0, false, 32},
    {0x1ee2c003, "fcvt d3, h0", OP_FCVT, 16, 0, false, 64},
    {0x7e616803, "fcvtxn s3, d0", OP_FCVTXN, 64, 0, false, 0},
    {0x0ea1c803, "urecpe v3.2s, v0.2s", OP_URECPE, 32, 0, false, 0},
    {0x2ea1c803, "ursqrte v3.2s, v0.2s", OP_URSQRTE, 32, 0, false, 0},
};

/* ---- random operands ---------------------------------------------------------------------- */

static uint64_t rng_state = 0x5eed5eed12345678ull;

static uint64_t rnd(void) { /* splitmix64 */
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static uint64_t rnd_below(uint64_t n) {
    return rnd() % n;
}

typedef struct format {
    int width, exp_bits, frac_bits;
} format;

static format format_of(int width) {
    switch (width) {
    case 16: return (format){16, 5, 10};
    case 32: return (format){32, 8, 23};
    default: return (format){64, 11, 52};
    }
}

static uint64_t frac_mask(format f) {
    return (1ull << f.frac_bits) - 1;
}
static int max_exp_field(format f) {
    return (1 << f.exp_bits) - 1;
}
static int bias(format f) {
    return (1 << (f.exp_bits - 1)) - 1;
}

static uint64_t make(format f, bool sign, int exp_field, uint64_t frac) {
    return ((uint64_t)sign << (f.width - 1)) | ((uint64_t)exp_field << f.frac_bits) |
           (frac & frac_mask(f));
}

static int exp_field_of(format f, uint64_t v) {
    return (int)(v >> f.frac_bits) & max_exp_field(f);
}

static int clamp_exp(format f, int e) {
    if (e < 0) return 0;
    if (e > max_exp_field(f) - 1) return max_exp_field(f) - 1;
    return e;
}

/* A fraction with only a few significant bits or a few ulps off a round boundary. */
static uint64_t special_frac(format f) {
    switch (rnd_below(4)) {
    case 0: return rnd() & ~(frac_mask(f) >> rnd_below(f.frac_bits + 1));
    case 1: return (rnd_below(2) ? frac_mask(f) : 0) ^ rnd_below(4);
    case 2: return (1ull << rnd_below(f.frac_bits)) ^ (rnd_below(2) ? rnd_below(3) : 0);
    default: return rnd();
    }
}

static uint64_t gen_float(format f) {
    bool sign = rnd() & 1;
    int maxe = max_exp_field(f);
    uint64_t quiet = 1ull << (f.frac_bits - 1);
    switch (rnd_below(18)) {
    case 0:
    case 1: return rnd() & (f.width == 64 ? ~0ull : (1ull << f.width) - 1);
    case 2: return make(f, sign, 0, 0);
    case 3: return make(f, sign, maxe, 0);
    case 4: return make(f, sign, maxe, quiet | rnd()); /* qNaN */
    case 5: {                                          /* sNaN: quiet bit clear, payload nonzero */
        uint64_t payload = rnd() & (quiet - 1);
        return make(f, sign, maxe, payload ? payload : 1);
    }
    case 6: return make(f, sign, 0, (rnd() >> rnd_below(64)) | 1); /* denormal */
    case 7: {
        static const int which[] = {0, 1, 2, 3};
        switch (which[rnd_below(4)]) {
        case 0: return make(f, sign, 1, 0);             /* min normal */
        case 1: return make(f, sign, maxe - 1, ~0ull);  /* max normal */
        case 2: return make(f, sign, 0, 1);             /* min denormal */
        default: return make(f, sign, 0, frac_mask(f)); /* max denormal */
        }
    }
    case 8:
    case 9: /* small integers and simple fractions */ {
        int e = bias(f) + (int)rnd_below(12) - 2;
        return make(f, sign, e, rnd() & ~(frac_mask(f) >> rnd_below(8)));
    }
    case 10:
    case 11: return make(f, sign, bias(f) + (int)rnd_below(61) - 30, special_frac(f));
    case 12: return make(f, sign, (int)rnd_below(4), special_frac(f));            /* tiny */
    case 13: return make(f, sign, maxe - 1 - (int)rnd_below(4), special_frac(f)); /* huge */
    case 14: { /* around integer conversion limits: 2^F, 2^31, 2^32, 2^63, 2^64 */
        static const int exps[] = {-1, 0, 30, 31, 32, 62, 63, 64};
        int e = exps[rnd_below(8)];
        if (e < 0) e = f.frac_bits;
        return make(f, sign, clamp_exp(f, bias(f) + e + (int)rnd_below(3) - 1), special_frac(f));
    }
    default: return make(f, sign, (int)rnd_below(maxe + 1), special_frac(f));
    }
}

/* A second operand related to the first: close in value (cancellation, ties), or with an
 * exponent that puts a product/quotient near underflow or overflow. */
static uint64_t gen_related(format f, uint64_t n) {
    bool sign = rnd() & 1;
    int e = exp_field_of(f, n);
    int b = bias(f);
    switch (rnd_below(6)) {
    case 0: return n ^ rnd_below(4) ^ ((uint64_t)sign << (f.width - 1));
    case 1:
        return make(f, sign,
                    clamp_exp(f, e + (int)rnd_below(2 * f.frac_bits + 7) - f.frac_bits - 3),
                    special_frac(f));
    case 2: /* product near the smallest normal (and below it) */
        return make(f, sign, clamp_exp(f, 1 - e + b - (int)rnd_below(f.frac_bits + 4) + 2),
                    special_frac(f));
    case 3: /* product near overflow */
        return make(f, sign, clamp_exp(f, max_exp_field(f) - 1 - e + b + (int)rnd_below(5) - 2),
                    special_frac(f));
    case 4: /* quotient near underflow or overflow */
        return make(f, sign,
                    clamp_exp(f, (rnd_below(2) ? e - 1 + b : e - max_exp_field(f) + 1 + b) +
                                     (int)rnd_below(5) - 2),
                    special_frac(f));
    default: return gen_float(f);
    }
}

static uint64_t gen_integer(int bits) {
    uint64_t v;
    switch (rnd_below(6)) {
    case 0: v = rnd(); break;
    case 1: v = rnd_below(64) - 32; break;
    case 2: v = (1ull << rnd_below(64)) + rnd_below(5) - 2; break;
    case 3: v = rnd() >> rnd_below(64); break;
    case 4: v = -(rnd() >> rnd_below(64)); break;
    default: v = (rnd() >> rnd_below(64)) & ~((1ull << rnd_below(40)) - 1); break; /* ties */
    }
    return bits == 32 ? (uint32_t)v : v;
}

/* Hand-picked special operands, used as a full cross product before the random cases. */
static uint64_t special_value(format f, int index) {
    int maxe = max_exp_field(f), b = bias(f);
    uint64_t quiet = 1ull << (f.frac_bits - 1);
    switch (index) {
    case 0: return make(f, 0, 0, 0);
    case 1: return make(f, 1, 0, 0);
    case 2: return make(f, 0, maxe, 0);
    case 3: return make(f, 1, maxe, 0);
    case 4: return make(f, 0, maxe, quiet | 0x15);      /* qNaN with payload */
    case 5: return make(f, 1, maxe, quiet | 0x2a);      /* negative qNaN */
    case 6: return make(f, 0, maxe, 0x33);              /* sNaN */
    case 7: return make(f, 1, maxe, quiet >> 1);        /* negative sNaN */
    case 8: return make(f, 0, 0, 1);                    /* smallest denormal */
    case 9: return make(f, 1, 0, frac_mask(f));         /* largest denormal */
    case 10: return make(f, 0, 1, 0);                   /* smallest normal */
    case 11: return make(f, 1, maxe - 1, frac_mask(f)); /* -max normal */
    case 12: return make(f, 0, b, 0);                   /* 1.0 */
    case 13: return make(f, 1, b, 0);                   /* -1.0 */
    case 14: return make(f, 0, b + 1, 0);               /* 2.0 */
    case 15: return make(f, 0, b, quiet);               /* 1.5 */
    case 16: return make(f, 0, maxe - 1, frac_mask(f)); /* max normal */
    case 17: return make(f, 1, 1, 1);                   /* -(smallest normal + ulp) */
    case 18: return make(f, 0, b - 1, 0);               /* 0.5 */
    case 19: return make(f, 1, b + 1, quiet >> 1);      /* -2.5 */
    case 20: return make(f, 0, b + f.frac_bits, 1);     /* 2^F + 1 */
    case 21: return make(f, 0, b, 1);                   /* 1 + ulp */
    case 22: return make(f, 1, 0, quiet);               /* denormal 0.5 * min normal */
    default: return make(f, 0, b + 31, 0);              /* 2^31 */
    }
}
#define SPECIAL_COUNT 24

/* ---- unicorn ------------------------------------------------------------------------------ */

#define CODE_BASE 0x10000u
#define CODE_SIZE 0x10000u

static uc_engine *uc;

static void uc_check(uc_err err, const char *what) {
    if (err != UC_ERR_OK) {
        fprintf(stderr, "unicorn: %s: %s\n", what, uc_strerror(err));
        exit(2);
    }
}

static void unicorn_setup(const uint32_t *code, size_t count) {
    uc_check(uc_open(UC_ARCH_ARM64, UC_MODE_ARM, &uc), "open");
    uc_check(uc_ctl_set_cpu_model(uc, UC_CPU_ARM64_A53), "cpu model");
    uc_check(uc_mem_map(uc, CODE_BASE, CODE_SIZE, UC_PROT_ALL), "map");
    uc_check(uc_mem_write(uc, CODE_BASE, code, count * 4), "write code");
    uint64_t cpacr = 3u << 20; /* FPEN: no FP/SIMD traps */
    uc_check(uc_reg_write(uc, UC_ARM64_REG_CPACR_EL1, &cpacr), "cpacr");
}

static void write_q(int reg, uint64_t low) {
    uint64_t q[2] = {low, 0};
    uc_check(uc_reg_write(uc, UC_ARM64_REG_Q0 + reg, q), "write q");
}

typedef struct outcome {
    uint64_t value; /* result bits, integer, mask or NZCV */
    uint32_t fpsr;  /* cumulative flags */
} outcome;

typedef struct operands {
    uint64_t n, m, a; /* a is also the FMLA/FMLS accumulator; n is the integer for *CVTF */
    uint32_t fpcr;
} operands;

static uint64_t width_mask(int width) {
    return width == 64 ? ~0ull : (1ull << width) - 1;
}

static bool writes_nzcv(enum op op) {
    return op == OP_CMP || op == OP_CMPE || op == OP_CMP0 || op == OP_CMPE0;
}

static int result_width(const insn *in) {
    switch (in->op) {
    case OP_TO_INT:
    case OP_TO_FIXED: return in->aux_bits;
    case OP_FCVT: return in->aux_bits;
    case OP_FCVTXN: return 32;
    default: return in->width;
    }
}

static outcome run_unicorn(const insn *in, uint64_t address, const operands *ops) {
    bool int_source = in->op == OP_FROM_INT || in->op == OP_FROM_FIXED;
    if (int_source) {
        uc_check(uc_reg_write(uc, UC_ARM64_REG_X0, &ops->n), "x0");
    } else {
        write_q(0, ops->n);
    }
    write_q(1, ops->m);
    write_q(2, ops->a);
    write_q(3, ops->a); /* FMLA/FMLS accumulate into v3 */
    uint64_t fpcr = ops->fpcr, fpsr = 0, nzcv = 0;
    uc_check(uc_reg_write(uc, UC_ARM64_REG_FPCR, &fpcr), "fpcr");
    uc_check(uc_reg_write(uc, UC_ARM64_REG_FPSR, &fpsr), "fpsr");
    uc_check(uc_reg_write(uc, UC_ARM64_REG_NZCV, &nzcv), "nzcv");
    uc_check(uc_emu_start(uc, address, address + 4, 0, 1), "run");
    outcome out = {0, 0};
    uc_check(uc_reg_read(uc, UC_ARM64_REG_FPSR, &fpsr), "read fpsr");
    out.fpsr = (uint32_t)fpsr & FPSR_CUMULATIVE_MASK;
    if (writes_nzcv(in->op)) {
        uc_check(uc_reg_read(uc, UC_ARM64_REG_NZCV, &nzcv), "read nzcv");
        out.value = (nzcv >> 28) & 0xf;
    } else if (in->op == OP_TO_INT || in->op == OP_TO_FIXED) {
        uc_check(uc_reg_read(uc, UC_ARM64_REG_X3, &out.value), "read x3");
        out.value &= width_mask(in->aux_bits);
    } else {
        uint64_t q[2];
        uc_check(uc_reg_read(uc, UC_ARM64_REG_Q3, q), "read q3");
        out.value = q[0] & width_mask(result_width(in));
    }
    return out;
}

/* ---- the model: socemu fpu -------------------------------------------------------------- */

#define BINARY(P, T, op) (uint64_t) P##_##op((T)o->n, (T)o->m, &st)
#define UNARY(P, T, op)  (uint64_t) P##_##op((T)o->n, &st)

static uint64_t model32(const insn *in, int fbits, const operands *o, fp_status *stp);
static uint64_t model64(const insn *in, int fbits, const operands *o, fp_status *stp);

static outcome run_model(const insn *in, int fbits, const operands *ops) {
    fp_status st = {ops->fpcr, 0};
    outcome out;
    if (in->op == OP_FCVT) {
        switch (in->width * 100 + in->aux_bits) {
        case 3264: out.value = fp32_to_fp64((f32)ops->n, &st); break;
        case 6432: out.value = fp64_to_fp32(ops->n, &st); break;
        case 3216: out.value = fp32_to_fp16((f32)ops->n, &st); break;
        case 6416: out.value = fp64_to_fp16(ops->n, &st); break;
        case 1632: out.value = fp16_to_fp32((f16)ops->n, &st); break;
        default: out.value = fp16_to_fp64((f16)ops->n, &st); break;
        }
    } else if (in->op == OP_FCVTXN) {
        out.value = fp64_to_fp32_round(ops->n, FP_ROUND_ODD, &st);
    } else if (in->op == OP_URECPE) {
        out.value = fp_urecpe_u32((uint32_t)ops->n);
    } else if (in->op == OP_URSQRTE) {
        out.value = fp_ursqrte_u32((uint32_t)ops->n);
    } else if (in->width == 32) {
        out.value = model32(in, fbits, ops, &st);
    } else {
        out.value = model64(in, fbits, ops, &st);
    }
    if (writes_nzcv(in->op)) {
        /* value already NZCV */
    } else if (in->op == OP_TO_INT || in->op == OP_TO_FIXED) {
        out.value &= width_mask(in->aux_bits);
    } else {
        out.value &= width_mask(result_width(in));
    }
    out.fpsr = st.fpsr;
    return out;
}

/* One model per precision, generated from the same text. */
#define DEFINE_MODEL(NAME, P, T)                                                                   \
    static uint64_t NAME(const insn *in, int fbits, const operands *o, fp_status *stp) {           \
        fp_status st = *stp;                                                                       \
        fp_rounding fpcr_rounding = fp_status_rounding(&st);                                       \
        uint64_t r = 0;                                                                            \
        T zero = 0, n = (T)o->n, m = (T)o->m, a = (T)o->a;                                         \
        uint64_t all_ones = ~(T)0;                                                                 \
        switch (in->op) {                                                                          \
        case OP_ADD: r = BINARY(P, T, add); break;                                                 \
        case OP_SUB: r = BINARY(P, T, sub); break;                                                 \
        case OP_MUL: r = BINARY(P, T, mul); break;                                                 \
        case OP_DIV: r = BINARY(P, T, div); break;                                                 \
        case OP_MULX: r = BINARY(P, T, mulx); break;                                               \
        case OP_MAX: r = BINARY(P, T, max); break;                                                 \
        case OP_MIN: r = BINARY(P, T, min); break;                                                 \
        case OP_MAXNM: r = BINARY(P, T, maxnm); break;                                             \
        case OP_MINNM: r = BINARY(P, T, minnm); break;                                             \
        case OP_NMUL: r = P##_neg(P##_mul(n, m, &st)); break;                                      \
        case OP_ABD: r = P##_abs(P##_sub(n, m, &st)); break;                                       \
        case OP_RECPS: r = BINARY(P, T, recps); break;                                             \
        case OP_RSQRTS: r = BINARY(P, T, rsqrts); break;                                           \
        case OP_CMEQ: r = P##_compare_eq(n, m, &st) ? all_ones : 0; break;                         \
        case OP_CMGE: r = P##_compare_ge(n, m, &st) ? all_ones : 0; break;                         \
        case OP_CMGT: r = P##_compare_gt(n, m, &st) ? all_ones : 0; break;                         \
        case OP_ACGE: r = P##_compare_abs_ge(n, m, &st) ? all_ones : 0; break;                     \
        case OP_ACGT: r = P##_compare_abs_gt(n, m, &st) ? all_ones : 0; break;                     \
        case OP_CMEQ0: r = P##_compare_eq(n, zero, &st) ? all_ones : 0; break;                     \
        case OP_CMGE0: r = P##_compare_ge(n, zero, &st) ? all_ones : 0; break;                     \
        case OP_CMGT0: r = P##_compare_gt(n, zero, &st) ? all_ones : 0; break;                     \
        case OP_CMLE0: r = P##_compare_ge(zero, n, &st) ? all_ones : 0; break;                     \
        case OP_CMLT0: r = P##_compare_gt(zero, n, &st) ? all_ones : 0; break;                     \
        case OP_SQRT: r = UNARY(P, T, sqrt); break;                                                \
        case OP_ABS: r = P##_abs(n); break;                                                        \
        case OP_NEG: r = P##_neg(n); break;                                                        \
        case OP_RINTN: r = P##_round_int(n, FP_ROUND_TIEEVEN, false, &st); break;                  \
        case OP_RINTA: r = P##_round_int(n, FP_ROUND_TIEAWAY, false, &st); break;                  \
        case OP_RINTP: r = P##_round_int(n, FP_ROUND_POSINF, false, &st); break;                   \
        case OP_RINTM: r = P##_round_int(n, FP_ROUND_NEGINF, false, &st); break;                   \
        case OP_RINTZ: r = P##_round_int(n, FP_ROUND_ZERO, false, &st); break;                     \
        case OP_RINTX: r = P##_round_int(n, fpcr_rounding, true, &st); break;                      \
        case OP_RINTI: r = P##_round_int(n, fpcr_rounding, false, &st); break;                     \
        case OP_RECPE: r = UNARY(P, T, recpe); break;                                              \
        case OP_RSQRTE: r = UNARY(P, T, rsqrte); break;                                            \
        case OP_RECPX: r = UNARY(P, T, recpx); break;                                              \
        case OP_MADD: r = P##_fmadd(n, m, a, &st); break;                                          \
        case OP_MSUB: r = P##_fmsub(n, m, a, &st); break;                                          \
        case OP_NMADD: r = P##_fnmadd(n, m, a, &st); break;                                        \
        case OP_NMSUB: r = P##_fnmsub(n, m, a, &st); break;                                        \
        case OP_FMLA: r = P##_muladd(a, n, m, &st); break;                                         \
        case OP_FMLS: r = P##_muladd(a, P##_neg(n), m, &st); break;                                \
        case OP_CMP: r = P##_compare(n, m, false, &st); break;                                     \
        case OP_CMPE: r = P##_compare(n, m, true, &st); break;                                     \
        case OP_CMP0: r = P##_compare(n, zero, false, &st); break;                                 \
        case OP_CMPE0: r = P##_compare(n, zero, true, &st); break;                                 \
        case OP_TO_INT:                                                                            \
        case OP_TO_FIXED:                                                                          \
            if (in->aux_bits == 32)                                                                \
                r = in->is_unsigned ? P##_to_u32(n, fbits, in->rounding, &st)                      \
                                    : (uint32_t)P##_to_i32(n, fbits, in->rounding, &st);           \
            else                                                                                   \
                r = in->is_unsigned ? P##_to_u64(n, fbits, in->rounding, &st)                      \
                                    : (uint64_t)P##_to_i64(n, fbits, in->rounding, &st);           \
            break;                                                                                 \
        case OP_FROM_INT:                                                                          \
        case OP_FROM_FIXED:                                                                        \
            if (in->aux_bits == 32)                                                                \
                r = in->is_unsigned ? P##_from_u32((uint32_t)o->n, fbits, fpcr_rounding, &st)      \
                                    : P##_from_i32((int32_t)o->n, fbits, fpcr_rounding, &st);      \
            else                                                                                   \
                r = in->is_unsigned ? P##_from_u64(o->n, fbits, fpcr_rounding, &st)                \
                                    : P##_from_i64((int64_t)o->n, fbits, fpcr_rounding, &st);      \
            break;                                                                                 \
        default: break;                                                                            \
        }                                                                                          \
        *stp = st;                                                                                 \
        return r;                                                                                  \
    }

DEFINE_MODEL(model32, fp32, f32)
DEFINE_MODEL(model64, fp64, f64)

/* ---- known unicorn deviations from the Arm ARM ------------------------------------------- */

/* Returns a reason when unicorn (QEMU 5.0 based) is known to disagree with the Arm ARM pseudocode
 * for this case; the case is then not compared. */
static const char *unicorn_deviates(const insn *in, const operands *o, outcome model,
                                    outcome emulator) {
    (void)in, (void)o, (void)model, (void)emulator;
    return NULL;
}

/* ---- driver ------------------------------------------------------------------------------- */

typedef struct slot {
    const insn *in;
    int fbits;
    uint64_t address;
} slot;

static uint32_t random_fpcr(bool half_involved) {
    uint32_t fpcr = (uint32_t)rnd_below(4) << FPCR_RMODE_SHIFT;
    if (rnd() & 1) fpcr |= FPCR_FZ;
    if (rnd() & 1) fpcr |= FPCR_DN;
    if (half_involved && (rnd() & 1)) fpcr |= FPCR_AHP;
    return fpcr;
}

static operands random_operands(const insn *in) {
    operands o;
    bool half = in->op == OP_FCVT && (in->width == 16 || in->aux_bits == 16);
    o.fpcr = random_fpcr(half);
    if (in->op == OP_FROM_INT || in->op == OP_FROM_FIXED) {
        o.n = gen_integer(in->aux_bits);
        o.m = o.a = 0;
        return o;
    }
    if (in->op == OP_URECPE || in->op == OP_URSQRTE) {
        o.n = (uint32_t)rnd() >> rnd_below(3);
        o.m = o.a = 0;
        return o;
    }
    format f = format_of(in->width);
    o.n = gen_float(f);
    o.m = rnd_below(3) ? gen_related(f, o.n) : gen_float(f);
    switch (rnd_below(4)) {
    case 0: { /* addend cancelling the product */
        fp_status st = {0, 0};
        uint64_t p = in->width == 32 ? fp32_mul((f32)o.n, (f32)o.m, &st) : fp64_mul(o.n, o.m, &st);
        o.a = (p ^ (1ull << (in->width - 1))) ^ rnd_below(3);
        break;
    }
    case 1: o.a = gen_related(f, o.n); break;
    default: o.a = gen_float(f); break;
    }
    return o;
}

static int float_operand_count(const insn *in) {
    switch (in->op) {
    case OP_MADD:
    case OP_MSUB:
    case OP_NMADD:
    case OP_NMSUB:
    case OP_FMLA:
    case OP_FMLS: return 3;
    case OP_ADD:
    case OP_SUB:
    case OP_MUL:
    case OP_DIV:
    case OP_MULX:
    case OP_MAX:
    case OP_MIN:
    case OP_MAXNM:
    case OP_MINNM:
    case OP_NMUL:
    case OP_ABD:
    case OP_RECPS:
    case OP_RSQRTS:
    case OP_CMEQ:
    case OP_CMGE:
    case OP_CMGT:
    case OP_ACGE:
    case OP_ACGT:
    case OP_CMP:
    case OP_CMPE: return 2;
    case OP_FROM_INT:
    case OP_FROM_FIXED:
    case OP_URECPE:
    case OP_URSQRTE: return 0;
    default: return 1;
    }
}

/* The index-th case of the special-value cross product, or false past its end. Rounding modes,
 * FZ and DN (and AHP for half conversions) cycle through all combinations. */
static bool special_operands(const insn *in, long index, operands *o) {
    int arity = float_operand_count(in);
    if (arity == 0) return false;
    bool half = in->op == OP_FCVT && (in->width == 16 || in->aux_bits == 16);
    int fpcr_combos = half ? 32 : 16;
    /* Unary: every value with every FPCR combination. Binary: every pair with four pseudo-random
     * FPCR combinations. Ternary: every triple of the first 16 values with one. */
    int values = arity == 3 ? 16 : SPECIAL_COUNT;
    long combos = arity == 1 ? fpcr_combos : arity == 2 ? 4 : 1;
    for (int i = 0; i < arity; i++)
        combos *= values;
    if (index >= combos) return false;
    format f = format_of(in->width);
    long k = index;
    int fpcr_index;
    if (arity == 1) {
        fpcr_index = (int)(k % fpcr_combos);
        k /= fpcr_combos;
    } else {
        fpcr_index = (int)(((uint64_t)k * 0x9e3779b97f4a7c15ull) >> 59) % fpcr_combos;
        if (arity == 2) k /= 4;
    }
    o->n = special_value(f, (int)(k % values));
    k /= values;
    o->m = arity >= 2 ? special_value(f, (int)(k % values)) : 0;
    k /= values;
    o->a = arity >= 3 ? special_value(f, (int)(k % values)) : 0;
    o->fpcr = (uint32_t)(fpcr_index & 3) << FPCR_RMODE_SHIFT;
    if (fpcr_index & 4) o->fpcr |= FPCR_FZ;
    if (fpcr_index & 8) o->fpcr |= FPCR_DN;
    if (fpcr_index & 16) o->fpcr |= FPCR_AHP;
    return true;
}

static void print_case(const slot *s, const operands *o, outcome model, outcome emulator) {
    fprintf(stderr,
            "MISMATCH %s (fbits %d): n=%#" PRIx64 " m=%#" PRIx64 " a=%#" PRIx64 " fpcr=%#x\n"
            "   socemu  %#" PRIx64 " fpsr %#x\n   unicorn %#" PRIx64 " fpsr %#x\n",
            s->in->text, s->fbits, o->n, o->m, o->a, o->fpcr, model.value, model.fpsr,
            emulator.value, emulator.fpsr);
}

int main(void) {
    const char *long_env = getenv("SOCEMU_LONG_TESTS");
    const char *cases_env = getenv("SOCEMU_FPU_DIFF_CASES");
    long cases = cases_env ? atol(cases_env) : 2000;
    if (long_env && atoi(long_env)) cases *= 50;

    /* One code slot per instruction, and per fbits value for the fixed-point forms. */
    static slot slots[CODE_SIZE / 4];
    static uint32_t code[CODE_SIZE / 4];
    size_t nslots = 0;
    for (size_t i = 0; i < sizeof insns / sizeof insns[0]; i++) {
        const insn *in = &insns[i];
        bool fixed = in->op == OP_TO_FIXED || in->op == OP_FROM_FIXED;
        int max_fbits = fixed ? in->aux_bits : 0;
        for (int fbits = fixed ? 1 : 0; fbits <= max_fbits; fbits++) {
            uint32_t enc = in->encoding;
            if (fixed) enc = (enc & ~(0x3fu << 10)) | ((uint32_t)(64 - fbits) << 10);
            code[nslots] = enc;
            slots[nslots] = (slot){in, fbits, CODE_BASE + 4 * nslots};
            nslots++;
        }
    }
    unicorn_setup(code, nslots);
    /* With the fast paths on (the default; SOCEMU_NO_FP_FAST=1 turns them off), every case is
     * also run on the software path alone, which must give the same bits and flags. */
    bool fast_enabled = fp_fast_path_enabled();
    printf("fpu_diff_unicorn: host-FPU fast paths %s\n",
           fast_enabled ? "on (and compared with the software path)" : "off");

    long total = 0, failures = 0, excluded = 0;
    for (size_t i = 0; i < sizeof insns / sizeof insns[0]; i++) {
        const insn *in = &insns[i];
        long op_failures = 0, op_cases = 0, op_excluded = 0;
        uint32_t flags_seen = 0;
        for (size_t s = 0; s < nslots; s++) {
            if (slots[s].in != in) continue;
            bool fixed = in->op == OP_TO_FIXED || in->op == OP_FROM_FIXED;
            /* Fixed-point forms share the per-instruction budget across their fbits values. */
            long n = fixed ? cases / in->aux_bits + 1 : cases;
            long specials = 0;
            operands o;
            while ((slots[s].fbits <= 1) && special_operands(in, specials, &o))
                specials++;
            for (long c = -specials; c < n; c++) {
                if (c < 0)
                    special_operands(in, c + specials, &o);
                else
                    o = random_operands(in);
                outcome model = run_model(in, slots[s].fbits, &o);
                outcome emulator = run_unicorn(in, slots[s].address, &o);
                op_cases++;
                if (fast_enabled) { /* the software path alone must agree as well */
                    fp_set_fast_path(false);
                    outcome soft = run_model(in, slots[s].fbits, &o);
                    fp_set_fast_path(true);
                    if (soft.value != model.value || soft.fpsr != model.fpsr) {
                        if (op_failures++ < 5) {
                            fprintf(stderr, "FAST/SOFTWARE MISMATCH (software path below as "
                                            "\"unicorn\")\n");
                            print_case(&slots[s], &o, model, soft);
                        }
                        continue;
                    }
                }
                flags_seen |= emulator.fpsr;
                if (model.value == emulator.value && model.fpsr == emulator.fpsr) continue;
                if (unicorn_deviates(in, &o, model, emulator)) {
                    op_excluded++;
                    continue;
                }
                if (op_failures++ < 5) print_case(&slots[s], &o, model, emulator);
            }
        }
        printf("%-24s %7ld cases %4ld mismatches %4ld excluded  flags seen:%s%s%s%s%s%s\n",
               in->text, op_cases, op_failures, op_excluded, flags_seen & FPSR_IOC ? " IOC" : "",
               flags_seen & FPSR_DZC ? " DZC" : "", flags_seen & FPSR_OFC ? " OFC" : "",
               flags_seen & FPSR_UFC ? " UFC" : "", flags_seen & FPSR_IXC ? " IXC" : "",
               flags_seen & FPSR_IDC ? " IDC" : "");
        total += op_cases;
        failures += op_failures;
        excluded += op_excluded;
    }
    printf("fpu_diff_unicorn: %ld cases, %ld mismatches, %ld excluded as unicorn deviations\n",
           total, failures, excluded);
    uc_close(uc);
    return failures ? 1 : 0;
}
