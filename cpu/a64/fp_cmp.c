/* Scalar floating-point compares: FCMP/FCMPE (register or #0.0) and FCCMP/FCCMPE. Both write
 * PSTATE.NZCV; the E forms signal Invalid Operation on quiet NaNs too. */
#include "a64/fp_scalar.h"

static uint32_t compare(arm_cpu *c, bool dbl, uint64_t a, uint64_t b, bool signal_nans) {
    fp_status st = {c->fpcr, 0};
    uint32_t nzcv =
        dbl ? fp64_compare(a, b, signal_nans, &st) : fp32_compare((f32)a, (f32)b, signal_nans, &st);
    c->fpsr |= st.fpsr;
    return nzcv << 28;
}

int a64_fp_cmp(arm_cpu *c, const a64_op *op) {
    uint32_t i = op->insn;
    unsigned type = fp_type_of(i), op_field = (i >> 14) & 3, opcode2 = i & 31;
    unsigned rm = (i >> 16) & 31, rn = (i >> 5) & 31;
    if (!fp_type_is_sd(type) || op_field != 0 || (opcode2 & 7) != 0) return a64_undef(c, op);
    if (unlikely(c->fp_trap_el)) return a64_fp_trap(c, op);
    bool dbl = type == FTYPE_D, with_zero = opcode2 & 8, signal_nans = opcode2 & 16;
    uint64_t b = with_zero ? 0 : fp_read(c, rm, dbl); /* Rm is ignored by the #0.0 forms */
    c->nzcv = compare(c, dbl, fp_read(c, rn, dbl), b, signal_nans);
    return A64_NEXT;
}

int a64_fp_ccmp(arm_cpu *c, const a64_op *op) {
    uint32_t i = op->insn;
    unsigned type = fp_type_of(i), cond = (i >> 12) & 15, rm = (i >> 16) & 31, rn = (i >> 5) & 31;
    if (!fp_type_is_sd(type)) return a64_undef(c, op);
    if (unlikely(c->fp_trap_el)) return a64_fp_trap(c, op);
    bool dbl = type == FTYPE_D, signal_nans = (i >> 4) & 1;
    if (cond_holds(c->nzcv, cond))
        c->nzcv = compare(c, dbl, fp_read(c, rn, dbl), fp_read(c, rm, dbl), signal_nans);
    else
        c->nzcv = (i & 15) << 28;
    return A64_NEXT;
}
