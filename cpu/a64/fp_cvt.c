/* Conversions between floating point and integers: FCVT{N,P,M,Z,A}{S,U} (to W/X, and FCVTZS/ZU
 * to fixed point), SCVTF/UCVTF (from W/X, integer or fixed point) and FMOV between general and
 * FP registers (including the top half of a D pair: FMOV Xd, Vn.D[1] / FMOV Vd.D[1], Xn). */
#include "a64/fp_scalar.h"

/* FPToFixed into a W (zero-extended) or X result. */
static uint64_t fp_to_int(uint64_t a, bool dbl, bool sf, bool is_unsigned, int fbits,
                          fp_rounding rounding, fp_status *st) {
    if (dbl) {
        if (sf)
            return is_unsigned ? fp64_to_u64(a, fbits, rounding, st)
                               : (uint64_t)fp64_to_i64(a, fbits, rounding, st);
        return is_unsigned ? fp64_to_u32(a, fbits, rounding, st)
                           : (uint32_t)fp64_to_i32(a, fbits, rounding, st);
    }
    f32 s = (f32)a;
    if (sf)
        return is_unsigned ? fp32_to_u64(s, fbits, rounding, st)
                           : (uint64_t)fp32_to_i64(s, fbits, rounding, st);
    return is_unsigned ? fp32_to_u32(s, fbits, rounding, st)
                       : (uint32_t)fp32_to_i32(s, fbits, rounding, st);
}

/* FixedToFP from a W or X source, rounding per FPCR. */
static uint64_t int_to_fp(uint64_t v, bool dbl, bool sf, bool is_unsigned, int fbits,
                          fp_status *st) {
    fp_rounding rounding = fp_status_rounding(st);
    if (dbl) {
        if (sf)
            return is_unsigned ? fp64_from_u64(v, fbits, rounding, st)
                               : fp64_from_i64((int64_t)v, fbits, rounding, st);
        return is_unsigned ? fp64_from_u32((uint32_t)v, fbits, rounding, st)
                           : fp64_from_i32((int32_t)v, fbits, rounding, st);
    }
    if (sf)
        return is_unsigned ? fp32_from_u64(v, fbits, rounding, st)
                           : fp32_from_i64((int64_t)v, fbits, rounding, st);
    return is_unsigned ? fp32_from_u32((uint32_t)v, fbits, rounding, st)
                       : fp32_from_i32((int32_t)v, fbits, rounding, st);
}

/* One conversion: FP -> integer (to_int) or integer -> FP, with fbits fraction bits. */
static int convert(arm_cpu *c, const a64_op *op, bool to_int, bool is_unsigned, int fbits,
                   fp_rounding rounding) {
    uint32_t i = op->insn;
    bool sf = i >> 31, dbl = fp_type_of(i) == FTYPE_D;
    unsigned rn = (i >> 5) & 31, rd = i & 31;
    if (unlikely(c->fp_trap_el)) return a64_fp_trap(c, op);
    fp_status st = {c->fpcr, 0};
    if (to_int)
        set_xreg(c, rd, fp_to_int(fp_read(c, rn, dbl), dbl, sf, is_unsigned, fbits, rounding, &st));
    else
        fp_write(c, rd, int_to_fp(xreg(c, rn), dbl, sf, is_unsigned, fbits, &st));
    c->fpsr |= st.fpsr;
    return A64_NEXT;
}

/* FMOV between general and FP registers: sf/type 0/S (W), 1/D (X) with rmode 0, or 1/reserved
 * with rmode 1 (the upper 64 bits of the vector). Half precision needs FEAT_FP16. */
static int fmov_general(arm_cpu *c, const a64_op *op, unsigned rmode, bool to_fp) {
    uint32_t i = op->insn;
    unsigned sf = i >> 31, type = fp_type_of(i), rn = (i >> 5) & 31, rd = i & 31;
    bool top = rmode == 1 && sf == 1 && type == FTYPE_RESERVED;
    bool plain = rmode == 0 && ((sf == 0 && type == FTYPE_S) || (sf == 1 && type == FTYPE_D));
    if (!top && !plain) return a64_undef(c, op);
    if (unlikely(c->fp_trap_el)) return a64_fp_trap(c, op);
    if (to_fp) {
        uint64_t v = sf_mask(sf, xreg(c, rn));
        if (top) /* the low half is kept */
            c->v[rd] = ((__uint128_t)v << 64) | (uint64_t)c->v[rd];
        else
            fp_write(c, rd, v);
    } else {
        set_xreg(c, rd, top ? (uint64_t)(c->v[rn] >> 64) : fp_read(c, rn, sf));
    }
    return A64_NEXT;
}

int a64_fp_int_cvt(arm_cpu *c, const a64_op *op) {
    uint32_t i = op->insn;
    unsigned type = fp_type_of(i), rmode = (i >> 19) & 3, opcode = (i >> 16) & 7;
    if (opcode >= 6) return fmov_general(c, op, rmode, opcode == 7);
    /* FCVT{N,P,M,Z}{S,U} take any rmode; SCVTF, UCVTF, FCVTAS, FCVTAU only rmode 00. */
    if (!fp_type_is_sd(type) || (opcode >= 2 && rmode != 0)) return a64_undef(c, op);
    bool is_unsigned = opcode & 1;
    if (opcode == 2 || opcode == 3) return convert(c, op, false, is_unsigned, 0, FP_ROUND_TIEEVEN);
    fp_rounding rounding = opcode >= 4 ? FP_ROUND_TIEAWAY : (fp_rounding)rmode;
    return convert(c, op, true, is_unsigned, 0, rounding);
}

/* SCVTF/UCVTF (rmode 00, opcode 01x) and FCVTZS/FCVTZU (rmode 11, opcode 00x), fbits = 64-scale. */
int a64_fp_fixed_cvt(arm_cpu *c, const a64_op *op) {
    uint32_t i = op->insn;
    unsigned sf = i >> 31, type = fp_type_of(i), rmode = (i >> 19) & 3, opcode = (i >> 16) & 7;
    unsigned scale = (i >> 10) & 63;
    bool to_int = rmode == 3 && opcode <= 1, from_int = rmode == 0 && (opcode & ~1u) == 2;
    if (!fp_type_is_sd(type) || !(to_int || from_int) || (!sf && scale < 32))
        return a64_undef(c, op);
    return convert(c, op, to_int, opcode & 1, 64 - (int)scale, FP_ROUND_ZERO);
}
