/* AdvSIMD floating-point element-wise operations, vector and scalar: three same (FADD ... FDIV,
 * FMLA/FMLS, FMULX, compares, FRECPS/FRSQRTS) and two-register miscellaneous (FABS, FNEG,
 * FSQRT, FRINT*, FCVT* to integer, SCVTF/UCVTF, estimates, compares with zero, FCVTN/FCVTL/
 * FCVTXN). Pairwise and across-lanes forms live in simd_across.c. */
#include "a64/simd.h"

#define MASK32(b) ((b) ? 0xffffffffu : 0u)
#define MASK64(b) ((b) ? ~0ull : 0ull)

/* ---- Three same ------------------------------------------------------------------------- */
SIMD_FP3(simd_fmaxnm, fp32_maxnm(n, m, st), fp64_maxnm(n, m, st))
SIMD_FP3(simd_fminnm, fp32_minnm(n, m, st), fp64_minnm(n, m, st))
SIMD_FP3(simd_fmla, fp32_muladd(d, n, m, st), fp64_muladd(d, n, m, st))
SIMD_FP3(simd_fmls, fp32_muladd(d, fp32_neg(n), m, st), fp64_muladd(d, fp64_neg(n), m, st))
SIMD_FP3(simd_fadd, fp32_add(n, m, st), fp64_add(n, m, st))
SIMD_FP3(simd_fsub, fp32_sub(n, m, st), fp64_sub(n, m, st))
SIMD_FP3(simd_fmulx, fp32_mulx(n, m, st), fp64_mulx(n, m, st))
SIMD_FP3(simd_fmul, fp32_mul(n, m, st), fp64_mul(n, m, st))
SIMD_FP3(simd_fdiv, fp32_div(n, m, st), fp64_div(n, m, st))
SIMD_FP3(simd_fmax, fp32_max(n, m, st), fp64_max(n, m, st))
SIMD_FP3(simd_fmin, fp32_min(n, m, st), fp64_min(n, m, st))
SIMD_FP3(simd_fabd, fp32_abs(fp32_sub(n, m, st)), fp64_abs(fp64_sub(n, m, st)))
SIMD_FP3(simd_frecps, fp32_recps(n, m, st), fp64_recps(n, m, st))
SIMD_FP3(simd_frsqrts, fp32_rsqrts(n, m, st), fp64_rsqrts(n, m, st))
SIMD_FP3(simd_fcmeq, MASK32(fp32_compare_eq(n, m, st)), MASK64(fp64_compare_eq(n, m, st)))
SIMD_FP3(simd_fcmge, MASK32(fp32_compare_ge(n, m, st)), MASK64(fp64_compare_ge(n, m, st)))
SIMD_FP3(simd_fcmgt, MASK32(fp32_compare_gt(n, m, st)), MASK64(fp64_compare_gt(n, m, st)))
SIMD_FP3(simd_facge, MASK32(fp32_compare_abs_ge(n, m, st)), MASK64(fp64_compare_abs_ge(n, m, st)))
SIMD_FP3(simd_facgt, MASK32(fp32_compare_abs_gt(n, m, st)), MASK64(fp64_compare_abs_gt(n, m, st)))

/* ---- Two-register miscellaneous ---------------------------------------------------------- */
/* A unary FP operation; vector_only rejects the scalar encodings that do not exist. */
SIMD_INLINE int simd_fp1(arm_cpu *cpu, const a64_op *op, bool vector_only, fp32_fn2 *f32fn,
                         fp64_fn2 *f64fn) {
    uint32_t insn = op->insn;
    if (vector_only && f_scalar(insn)) return a64_undef(cpu, op);
    return simd_fp3(cpu, op, f32fn, f64fn);
}
/* The m operand of simd_fp3 is ignored by unary operations (Rm bits hold the opcode). */
#define SIMD_FP1(name, vector_only, expr32, expr64)                                                \
    static f32 f32_##name(f32 n, f32 m, f32 d, fp_status *st) {                                    \
        (void)m, (void)d, (void)st;                                                                \
        return (expr32);                                                                           \
    }                                                                                              \
    static f64 f64_##name(f64 n, f64 m, f64 d, fp_status *st) {                                    \
        (void)m, (void)d, (void)st;                                                                \
        return (expr64);                                                                           \
    }                                                                                              \
    int a64_##name(arm_cpu *cpu, const a64_op *op) {                                               \
        return simd_fp1(cpu, op, vector_only, f32_##name, f64_##name);                             \
    }

#define RMODE fp_status_rounding(st)
SIMD_FP1(simd_fabs, true, fp32_abs(n), fp64_abs(n))
SIMD_FP1(simd_fneg, true, fp32_neg(n), fp64_neg(n))
SIMD_FP1(simd_fsqrt, true, fp32_sqrt(n, st), fp64_sqrt(n, st))
SIMD_FP1(simd_frintn, true, fp32_round_int(n, FP_ROUND_TIEEVEN, false, st),
         fp64_round_int(n, FP_ROUND_TIEEVEN, false, st))
SIMD_FP1(simd_frintm, true, fp32_round_int(n, FP_ROUND_NEGINF, false, st),
         fp64_round_int(n, FP_ROUND_NEGINF, false, st))
SIMD_FP1(simd_frintp, true, fp32_round_int(n, FP_ROUND_POSINF, false, st),
         fp64_round_int(n, FP_ROUND_POSINF, false, st))
SIMD_FP1(simd_frintz, true, fp32_round_int(n, FP_ROUND_ZERO, false, st),
         fp64_round_int(n, FP_ROUND_ZERO, false, st))
SIMD_FP1(simd_frinta, true, fp32_round_int(n, FP_ROUND_TIEAWAY, false, st),
         fp64_round_int(n, FP_ROUND_TIEAWAY, false, st))
SIMD_FP1(simd_frintx, true, fp32_round_int(n, RMODE, true, st), fp64_round_int(n, RMODE, true, st))
SIMD_FP1(simd_frinti, true, fp32_round_int(n, RMODE, false, st),
         fp64_round_int(n, RMODE, false, st))
SIMD_FP1(simd_frecpe, false, fp32_recpe(n, st), fp64_recpe(n, st))
SIMD_FP1(simd_frsqrte, false, fp32_rsqrte(n, st), fp64_rsqrte(n, st))
SIMD_FP1(simd_frecpx, false, fp32_recpx(n, st), fp64_recpx(n, st))
SIMD_FP1(simd_fcmgt_zero, false, MASK32(fp32_compare_gt(n, 0, st)),
         MASK64(fp64_compare_gt(n, 0, st)))
SIMD_FP1(simd_fcmge_zero, false, MASK32(fp32_compare_ge(n, 0, st)),
         MASK64(fp64_compare_ge(n, 0, st)))
SIMD_FP1(simd_fcmeq_zero, false, MASK32(fp32_compare_eq(n, 0, st)),
         MASK64(fp64_compare_eq(n, 0, st)))
SIMD_FP1(simd_fcmle_zero, false, MASK32(fp32_compare_ge(0, n, st)),
         MASK64(fp64_compare_ge(0, n, st)))
SIMD_FP1(simd_fcmlt_zero, false, MASK32(fp32_compare_gt(0, n, st)),
         MASK64(fp64_compare_gt(0, n, st)))

/* FCVT{N,M,P,Z,A}{S,U} (vector and scalar): U selects unsigned. */
#define SIMD_FCVT_INT(name, rounding)                                                              \
    SIMD_FP1(name##s, false, (f32)fp32_to_i32(n, 0, rounding, st),                                 \
             (f64)fp64_to_i64(n, 0, rounding, st))                                                 \
    SIMD_FP1(name##u, false, fp32_to_u32(n, 0, rounding, st), fp64_to_u64(n, 0, rounding, st))
SIMD_FCVT_INT(simd_fcvtn, FP_ROUND_TIEEVEN)
SIMD_FCVT_INT(simd_fcvtm, FP_ROUND_NEGINF)
SIMD_FCVT_INT(simd_fcvtp, FP_ROUND_POSINF)
SIMD_FCVT_INT(simd_fcvtz, FP_ROUND_ZERO)
SIMD_FCVT_INT(simd_fcvta, FP_ROUND_TIEAWAY)
SIMD_FP1(simd_scvtf, false, fp32_from_i32((int32_t)n, 0, RMODE, st),
         fp64_from_i64((int64_t)n, 0, RMODE, st))
SIMD_FP1(simd_ucvtf, false, fp32_from_u32(n, 0, RMODE, st), fp64_from_u64(n, 0, RMODE, st))

/* FCVTN/FCVTN2 (U=0): narrow f32->f16 (sz=0) or f64->f32 (sz=1); FCVTXN/FCVTXN2 (U=1, sz=1
 * only, also scalar) rounds to odd. The "2" forms write the upper half. */
int a64_simd_fcvtn(arm_cpu *cpu, const a64_op *op) {
    uint32_t insn = op->insn;
    bool dbl = (insn >> 22) & 1, xn = f_u(insn), scalar = f_scalar(insn);
    if ((xn && !dbl) || (scalar && !xn)) return a64_undef(cpu, op);
    SIMD_PROLOGUE();
    fp_status st = {cpu->fpcr, 0};
    vreg n = vget(cpu, f_rn(insn)), r = {0};
    if (scalar) {
        r.s[0] = fp64_to_fp32_round(n.d[0], FP_ROUND_ODD, &st);
    } else if (dbl) {
        for (unsigned i = 0; i < 2; i++)
            r.s[i] = xn ? fp64_to_fp32_round(n.d[i], FP_ROUND_ODD, &st) : fp64_to_fp32(n.d[i], &st);
    } else {
        for (unsigned i = 0; i < 4; i++)
            r.h[i] = fp32_to_fp16(n.s[i], &st);
    }
    cpu->fpsr |= st.fpsr;
    if (scalar || !f_q(insn)) {
        vput(cpu, f_rd(insn), r, false);
    } else {
        vreg d = vget(cpu, f_rd(insn));
        d.d[1] = r.d[0];
        cpu->v[f_rd(insn)] = d.q;
    }
    return A64_NEXT;
}

/* FCVTL/FCVTL2: widen the lower (upper for Q=1) half: f16->f32 (sz=0) or f32->f64 (sz=1). */
int a64_simd_fcvtl(arm_cpu *cpu, const a64_op *op) {
    SIMD_PROLOGUE();
    uint32_t insn = op->insn;
    bool dbl = (insn >> 22) & 1;
    fp_status st = {cpu->fpcr, 0};
    vreg n = vget(cpu, f_rn(insn)), r = {0};
    unsigned base = f_q(insn) ? (dbl ? 2 : 4) : 0;
    if (dbl)
        for (unsigned i = 0; i < 2; i++)
            r.d[i] = fp32_to_fp64(n.s[base + i], &st);
    else
        for (unsigned i = 0; i < 4; i++)
            r.s[i] = fp16_to_fp32(n.h[base + i], &st);
    cpu->fpsr |= st.fpsr;
    vput(cpu, f_rd(insn), r, true);
    return A64_NEXT;
}
