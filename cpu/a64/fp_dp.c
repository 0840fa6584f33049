/* Scalar floating-point data processing: 1 source (FMOV, FABS, FNEG, FSQRT, FCVT, FRINT*),
 * 2 sources (FMUL ... FNMUL), 3 sources (FMADD, FMSUB, FNMADD, FNMSUB), FMOV (immediate), FCSEL. */
#include "a64/fp_scalar.h"

/* FRINT{N,P,M,Z,A,-,X,I} by opcode<2:0>; -1: FPCR.RMode; -2: unallocated. */
static const int frint_rounding[8] = {FP_ROUND_TIEEVEN,
                                      FP_ROUND_POSINF,
                                      FP_ROUND_NEGINF,
                                      FP_ROUND_ZERO,
                                      FP_ROUND_TIEAWAY,
                                      -2,
                                      -1,
                                      -1};

/* FCVT between precisions: the only 1-source form that takes half precision. */
static int fcvt_precision(arm_cpu *c, const a64_op *op, unsigned from, unsigned to, unsigned rn,
                          unsigned rd) {
    if (from == to || from == FTYPE_RESERVED || to == FTYPE_RESERVED) return a64_undef(c, op);
    if (unlikely(c->fp_trap_el)) return a64_fp_trap(c, op);
    fp_status st = {c->fpcr, 0};
    uint64_t a = (uint64_t)c->v[rn], r;
    switch (from * 4 + to) {
    case FTYPE_S * 4 + FTYPE_D: r = fp32_to_fp64((f32)a, &st); break;
    case FTYPE_S * 4 + FTYPE_H: r = fp32_to_fp16((f32)a, &st); break;
    case FTYPE_D * 4 + FTYPE_S: r = fp64_to_fp32(a, &st); break;
    case FTYPE_D * 4 + FTYPE_H: r = fp64_to_fp16(a, &st); break;
    case FTYPE_H * 4 + FTYPE_S: r = fp16_to_fp32((f16)a, &st); break;
    default: r = fp16_to_fp64((f16)a, &st); break;
    }
    fp_write(c, rd, r);
    c->fpsr |= st.fpsr;
    return A64_NEXT;
}

int a64_fp_1src(arm_cpu *c, const a64_op *op) {
    uint32_t i = op->insn;
    unsigned type = fp_type_of(i), opcode = (i >> 15) & 63, rn = (i >> 5) & 31, rd = i & 31;
    if ((opcode & ~3u) == 4) return fcvt_precision(c, op, type, opcode & 3, rn, rd);
    if (!fp_type_is_sd(type) || opcode >= 16 || (opcode >= 8 && frint_rounding[opcode & 7] == -2) ||
        (opcode > 3 && opcode < 8))
        return a64_undef(c, op);
    if (unlikely(c->fp_trap_el)) return a64_fp_trap(c, op);
    bool dbl = type == FTYPE_D;
    fp_status st = {c->fpcr, 0};
    uint64_t a = fp_read(c, rn, dbl), r;
    switch (opcode) {
    case 0: r = a; break; /* FMOV (register) */
    case 1: r = dbl ? fp64_abs(a) : fp32_abs((f32)a); break;
    case 2: r = dbl ? fp64_neg(a) : fp32_neg((f32)a); break;
    case 3: r = dbl ? fp64_sqrt(a, &st) : fp32_sqrt((f32)a, &st); break;
    default: {
        int mode = frint_rounding[opcode & 7];
        fp_rounding rounding = mode < 0 ? fp_status_rounding(&st) : (fp_rounding)mode;
        bool exact = opcode == 14; /* FRINTX */
        r = dbl ? fp64_round_int(a, rounding, exact, &st)
                : fp32_round_int((f32)a, rounding, exact, &st);
        break;
    }
    }
    fp_write(c, rd, r);
    c->fpsr |= st.fpsr;
    return A64_NEXT;
}

/* FNMUL negates after rounding (FPNeg of the product). */
static f32 fp32_nmul(f32 a, f32 b, fp_status *st) {
    return fp32_neg(fp32_mul(a, b, st));
}
static f64 fp64_nmul(f64 a, f64 b, fp_status *st) {
    return fp64_neg(fp64_mul(a, b, st));
}

typedef f32 (*fp32_op2)(f32, f32, fp_status *);
typedef f64 (*fp64_op2)(f64, f64, fp_status *);
/* By opcode (bits 15:12); 9..15 are unallocated. */
static const struct {
    fp32_op2 s;
    fp64_op2 d;
} fp_op2[9] = {
    {fp32_mul, fp64_mul},     {fp32_div, fp64_div},     {fp32_add, fp64_add},
    {fp32_sub, fp64_sub},     {fp32_max, fp64_max},     {fp32_min, fp64_min},
    {fp32_maxnm, fp64_maxnm}, {fp32_minnm, fp64_minnm}, {fp32_nmul, fp64_nmul},
};

int a64_fp_2src(arm_cpu *c, const a64_op *op) {
    uint32_t i = op->insn;
    unsigned type = fp_type_of(i), opcode = (i >> 12) & 15;
    unsigned rm = (i >> 16) & 31, rn = (i >> 5) & 31, rd = i & 31;
    if (!fp_type_is_sd(type) || opcode > 8) return a64_undef(c, op);
    if (unlikely(c->fp_trap_el)) return a64_fp_trap(c, op);
    fp_status st = {c->fpcr, 0};
    uint64_t r;
    if (type == FTYPE_D)
        r = fp_op2[opcode].d(fp_read(c, rn, true), fp_read(c, rm, true), &st);
    else
        r = fp_op2[opcode].s((f32)c->v[rn], (f32)c->v[rm], &st);
    fp_write(c, rd, r);
    c->fpsr |= st.fpsr;
    return A64_NEXT;
}

typedef f32 (*fp32_op3)(f32, f32, f32, fp_status *);
typedef f64 (*fp64_op3)(f64, f64, f64, fp_status *);
/* By o1:o0 (bits 21 and 15). */
static const struct {
    fp32_op3 s;
    fp64_op3 d;
} fp_op3[4] = {
    {fp32_fmadd, fp64_fmadd},
    {fp32_fmsub, fp64_fmsub},
    {fp32_fnmadd, fp64_fnmadd},
    {fp32_fnmsub, fp64_fnmsub},
};

int a64_fp_3src(arm_cpu *c, const a64_op *op) {
    uint32_t i = op->insn;
    unsigned type = fp_type_of(i), which = ((i >> 20) & 2) | ((i >> 15) & 1);
    unsigned rm = (i >> 16) & 31, ra = (i >> 10) & 31, rn = (i >> 5) & 31, rd = i & 31;
    if (!fp_type_is_sd(type)) return a64_undef(c, op);
    if (unlikely(c->fp_trap_el)) return a64_fp_trap(c, op);
    fp_status st = {c->fpcr, 0};
    uint64_t r;
    if (type == FTYPE_D)
        r = fp_op3[which].d(fp_read(c, rn, true), fp_read(c, rm, true), fp_read(c, ra, true), &st);
    else
        r = fp_op3[which].s((f32)c->v[rn], (f32)c->v[rm], (f32)c->v[ra], &st);
    fp_write(c, rd, r);
    c->fpsr |= st.fpsr;
    return A64_NEXT;
}

/* VFPExpandImm: sign, NOT(b6):Replicate(b6, E-3):imm8<5:4> exponent, imm8<3:0> fraction top. */
static uint64_t vfp_expand_imm(unsigned imm8, bool dbl) {
    uint64_t sign = imm8 >> 7, b6 = (imm8 >> 6) & 1, e54 = (imm8 >> 4) & 3, frac = imm8 & 15;
    if (dbl) {
        uint64_t exp = ((b6 ^ 1) << 10) | (b6 ? 0xffu << 2 : 0) | e54;
        return (sign << 63) | (exp << 52) | (frac << 48);
    }
    uint64_t exp = ((b6 ^ 1) << 7) | (b6 ? 0x1fu << 2 : 0) | e54;
    return (sign << 31) | (exp << 23) | (frac << 19);
}

int a64_fp_imm(arm_cpu *c, const a64_op *op) {
    uint32_t i = op->insn;
    unsigned type = fp_type_of(i), imm5 = (i >> 5) & 31;
    if (!fp_type_is_sd(type) || imm5 != 0) return a64_undef(c, op);
    if (unlikely(c->fp_trap_el)) return a64_fp_trap(c, op);
    fp_write(c, i & 31, vfp_expand_imm((i >> 13) & 0xff, type == FTYPE_D));
    return A64_NEXT;
}

int a64_fp_csel(arm_cpu *c, const a64_op *op) {
    uint32_t i = op->insn;
    unsigned type = fp_type_of(i), cond = (i >> 12) & 15;
    unsigned rm = (i >> 16) & 31, rn = (i >> 5) & 31, rd = i & 31;
    if (!fp_type_is_sd(type)) return a64_undef(c, op);
    if (unlikely(c->fp_trap_el)) return a64_fp_trap(c, op);
    bool dbl = type == FTYPE_D;
    fp_write(c, rd, fp_read(c, cond_holds(c->nzcv, cond) ? rn : rm, dbl));
    return A64_NEXT;
}
