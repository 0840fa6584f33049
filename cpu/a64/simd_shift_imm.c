/* AdvSIMD shift by immediate, vector and scalar: right shifts (plain, rounding, accumulating,
 * inserting, narrowing, saturating), left shifts (SHL, SLI, SQSHL, UQSHL, SQSHLU), widening
 * (SSHLL/USHLL) and the fixed-point conversions (SCVTF/UCVTF, FCVTZS/FCVTZU). */
#include "a64/simd.h"

/* immh:immb: the highest set bit of immh gives the element size (0 for immh == 0, which belongs
 * to the modified-immediate group). */
typedef struct shift_imm {
    unsigned size, esize, immhb;
    bool scalar, q, u;
    bool ok; /* immh != 0: scalar encodings with immh == 0 are unallocated */
} shift_imm;

static shift_imm decode_shift(uint32_t insn) {
    unsigned immh = (insn >> 19) & 15;
    shift_imm s;
    s.size = 31u - (unsigned)__builtin_clz(immh | 1);
    s.esize = 8u << s.size;
    s.immhb = (insn >> 16) & 127;
    s.scalar = f_scalar(insn);
    s.q = f_q(insn) && !s.scalar;
    s.u = f_u(insn);
    s.ok = immh != 0;
    return s;
}
/* Same-size forms: the scalar ones exist for 64-bit elements only (except the saturating left
 * shifts, any size), the vector ones need Q for 64-bit elements. */
static bool same_size_ok(const shift_imm *s, bool scalar_any_size) {
    if (!s->ok) return false;
    if (s->scalar) return scalar_any_size || s->size == 3;
    return !(s->size == 3 && !s->q);
}
static unsigned shape_elems(const shift_imm *s) {
    return s->scalar ? 1 : (8u << s->q) >> s->size;
}

/* SSHR/USHR (00000), SSRA/USRA (00010), SRSHR/URSHR (00100), SRSRA/URSRA (00110): opcode bit 13
 * rounds, bit 12 accumulates. */
int a64_simd_shr(arm_cpu *cpu, const a64_op *op) {
    uint32_t insn = op->insn;
    shift_imm s = decode_shift(insn);
    if (!same_size_ok(&s, false)) return a64_undef(cpu, op);
    SIMD_PROLOGUE();
    int shift = (int)(2 * s.esize - s.immhb);
    bool round = (insn >> 13) & 1, acc = (insn >> 12) & 1, qc = false;
    vreg n = vget(cpu, f_rn(insn)), d = vget(cpu, f_rd(insn)), r = {0};
    for (unsigned i = 0; i < shape_elems(&s); i++) {
        uint64_t x = shift_by_reg(lane(&n, s.size, i), -shift, s.esize, s.u, round, false, &qc);
        if (acc) x += lane(&d, s.size, i);
        set_lane(&r, s.size, i, x);
    }
    vput(cpu, f_rd(insn), r, s.q);
    return A64_NEXT;
}

/* SHL (U=0) and SLI (U=1). */
int a64_simd_shl_sli(arm_cpu *cpu, const a64_op *op) {
    uint32_t insn = op->insn;
    shift_imm s = decode_shift(insn);
    if (!same_size_ok(&s, false)) return a64_undef(cpu, op);
    SIMD_PROLOGUE();
    unsigned shift = s.immhb - s.esize;
    uint64_t keep = s.u ? ~(emask(s.esize) << shift) : 0;
    vreg n = vget(cpu, f_rn(insn)), d = vget(cpu, f_rd(insn)), r = {0};
    for (unsigned i = 0; i < shape_elems(&s); i++)
        set_lane(&r, s.size, i, (lane(&n, s.size, i) << shift) | (lane(&d, s.size, i) & keep));
    vput(cpu, f_rd(insn), r, s.q);
    return A64_NEXT;
}

/* SRI: shift right and insert (a shift by the element size leaves the destination alone). */
int a64_simd_sri(arm_cpu *cpu, const a64_op *op) {
    uint32_t insn = op->insn;
    shift_imm s = decode_shift(insn);
    if (!same_size_ok(&s, false)) return a64_undef(cpu, op);
    SIMD_PROLOGUE();
    unsigned shift = 2 * s.esize - s.immhb;
    uint64_t ins = shift >= 64 ? 0 : emask(s.esize) >> shift;
    vreg n = vget(cpu, f_rn(insn)), d = vget(cpu, f_rd(insn)), r = {0};
    for (unsigned i = 0; i < shape_elems(&s); i++) {
        uint64_t x = shift >= 64 ? 0 : lane(&n, s.size, i) >> shift;
        set_lane(&r, s.size, i, (x & ins) | (lane(&d, s.size, i) & ~ins));
    }
    vput(cpu, f_rd(insn), r, s.q);
    return A64_NEXT;
}

/* SQSHL/UQSHL (immediate, opcode 01110) and SQSHLU (U=1, opcode 01100): signed source,
 * unsigned saturation. */
int a64_simd_qshl_imm(arm_cpu *cpu, const a64_op *op) {
    uint32_t insn = op->insn;
    shift_imm s = decode_shift(insn);
    if (!same_size_ok(&s, true)) return a64_undef(cpu, op);
    SIMD_PROLOGUE();
    bool shlu = !((insn >> 12) & 1), src_unsigned = s.u && !shlu, qc = false;
    unsigned shift = s.immhb - s.esize;
    vreg n = vget(cpu, f_rn(insn)), r = {0};
    for (unsigned i = 0; i < shape_elems(&s); i++) {
        __int128 x = as_int(lane(&n, s.size, i), s.esize, src_unsigned);
        x = (__int128)((unsigned __int128)x << shift);
        set_lane(&r, s.size, i, sat_su(x, s.esize, s.u, &qc));
    }
    set_qc(cpu, qc);
    vput(cpu, f_rd(insn), r, s.q);
    return A64_NEXT;
}

/* Narrowing right shifts, opcode 1000x/1001x: SHRN/RSHRN (U=0, 1000x), SQSHRUN/SQRSHRUN (U=1,
 * 1000x), SQSHRN/SQRSHRN and UQSHRN/UQRSHRN (1001x); bit 11 rounds. The size is that of the
 * result; the "2" forms fill the upper half. */
int a64_simd_shrn(arm_cpu *cpu, const a64_op *op) {
    uint32_t insn = op->insn;
    shift_imm s = decode_shift(insn);
    bool round = (insn >> 11) & 1, plain_or_un = !((insn >> 12) & 1), qc = false;
    if (!s.ok || s.size == 3 || (s.scalar && plain_or_un && !s.u)) return a64_undef(cpu, op);
    SIMD_PROLOGUE();
    int shift = (int)(2 * s.esize - s.immhb);
    unsigned elems = s.scalar ? 1 : 64 / s.esize, wide = 2 * s.esize;
    vreg n = vget(cpu, f_rn(insn)), r = {0};
    for (unsigned i = 0; i < elems; i++) {
        uint64_t x = lane(&n, s.size + 1, i), y;
        if (plain_or_un && !s.u) { /* SHRN, RSHRN: truncate */
            y = shift_by_reg(x, -shift, wide, true, round, false, &qc) & emask(s.esize);
        } else {
            bool src_unsigned = !plain_or_un && s.u; /* SQSHRUN: signed source, unsigned result */
            uint64_t w = shift_by_reg(x, -shift, wide, src_unsigned, round, false, &qc);
            /* A right shift by >= 1 of a 2*esize value fits 2*esize bits: re-extend it. */
            y = sat_su(as_int(w, wide, src_unsigned), s.esize, s.u, &qc);
        }
        set_lane(&r, s.size, i, y);
    }
    set_qc(cpu, qc);
    if (s.scalar || !f_q(insn)) {
        vput(cpu, f_rd(insn), r, false);
    } else {
        vreg d = vget(cpu, f_rd(insn));
        d.d[1] = r.d[0];
        cpu->v[f_rd(insn)] = d.q;
    }
    return A64_NEXT;
}

/* SSHLL/USHLL (and SXTL/UXTL): widen the lower or upper half and shift left. */
int a64_simd_shll_imm(arm_cpu *cpu, const a64_op *op) {
    uint32_t insn = op->insn;
    shift_imm s = decode_shift(insn);
    if (!s.ok || s.size == 3) return a64_undef(cpu, op);
    SIMD_PROLOGUE();
    unsigned shift = s.immhb - s.esize, elems = 64 / s.esize, base = f_q(insn) ? elems : 0;
    vreg n = vget(cpu, f_rn(insn)), r = {0};
    for (unsigned i = 0; i < elems; i++) {
        uint64_t x = (uint64_t)as_int(lane(&n, s.size, base + i), s.esize, s.u);
        set_lane(&r, s.size + 1, i, x << shift);
    }
    vput(cpu, f_rd(insn), r, true);
    return A64_NEXT;
}

/* SCVTF/UCVTF (opcode 11100) and FCVTZS/FCVTZU (11111) with fbits = 2*esize - immh:immb;
 * only 32- and 64-bit elements (immh 001x/0001 would be half precision: UNDEFINED). */
int a64_simd_fixed_cvt(arm_cpu *cpu, const a64_op *op) {
    uint32_t insn = op->insn;
    shift_imm s = decode_shift(insn);
    if (s.size < 2 || !same_size_ok(&s, true)) return a64_undef(cpu, op);
    SIMD_PROLOGUE();
    int fbits = (int)(2 * s.esize - s.immhb);
    bool to_int = (insn >> 11) & 1;
    fp_status st = {cpu->fpcr, 0};
    fp_rounding rm = fp_status_rounding(&st);
    vreg n = vget(cpu, f_rn(insn)), r = {0};
    for (unsigned i = 0; i < shape_elems(&s); i++) {
        if (s.size == 2) {
            f32 x = n.s[i];
            if (to_int)
                r.s[i] = s.u ? fp32_to_u32(x, fbits, FP_ROUND_ZERO, &st)
                             : (uint32_t)fp32_to_i32(x, fbits, FP_ROUND_ZERO, &st);
            else
                r.s[i] = s.u ? fp32_from_u32(x, fbits, rm, &st)
                             : fp32_from_i32((int32_t)x, fbits, rm, &st);
        } else {
            f64 x = n.d[i];
            if (to_int)
                r.d[i] = s.u ? fp64_to_u64(x, fbits, FP_ROUND_ZERO, &st)
                             : (uint64_t)fp64_to_i64(x, fbits, FP_ROUND_ZERO, &st);
            else
                r.d[i] = s.u ? fp64_from_u64(x, fbits, rm, &st)
                             : fp64_from_i64((int64_t)x, fbits, rm, &st);
        }
    }
    cpu->fpsr |= st.fpsr;
    vput(cpu, f_rd(insn), r, s.q);
    return A64_NEXT;
}
