/* AdvSIMD across lanes (ADDV, SADDLV/UADDLV, SMAXV/UMAXV, SMINV/UMINV, FMAXV/FMINV,
 * FMAXNMV/FMINNMV) and scalar pairwise (ADDP, FADDP, FMAXP, FMINP, FMAXNMP, FMINNMP). */
#include "a64/simd.h"

enum { ACROSS_ADDLV = 0x03, ACROSS_MAXV = 0x0a, ACROSS_MINV = 0x1a, ACROSS_ADDV = 0x1b };

/* Integer reductions over elems elements of a constant size (64-bit arithmetic suffices:
 * at most 16 elements of at most 32 bits). */
SIMD_INLINE int64_t reduce_lanes(const vreg *n, unsigned size, unsigned elems, unsigned opcode,
                                 bool u) {
    unsigned esize = 8u << size;
    int64_t acc = u ? (int64_t)lane(n, size, 0) : sx(lane(n, size, 0), esize);
    for (unsigned i = 1; i < elems; i++) {
        int64_t x = u ? (int64_t)lane(n, size, i) : sx(lane(n, size, i), esize);
        switch (opcode) {
        case ACROSS_MAXV: acc = x > acc ? x : acc; break;
        case ACROSS_MINV: acc = x < acc ? x : acc; break;
        default: acc += x; break;
        }
    }
    return acc;
}

/* Integer reductions; the opcode (bits 16:12) selects the operation. */
int a64_simd_across(arm_cpu *cpu, const a64_op *op) {
    uint32_t insn = op->insn;
    unsigned size = f_size(insn), opcode = (insn >> 12) & 31;
    bool q = f_q(insn), u = f_u(insn);
    if (size == 3 || (size == 2 && !q)) return a64_undef(cpu, op);
    SIMD_PROLOGUE();
    unsigned elems = (8u << q) >> size;
    vreg n = vget(cpu, f_rn(insn)), d = {0};
    int64_t acc;
#define REDUCE(sz) acc = reduce_lanes(&n, sz, elems, opcode, u)
    SIMD_BY_SIZE(size, REDUCE);
#undef REDUCE
    set_lane(&d, opcode == ACROSS_ADDLV ? size + 1 : size, 0, (uint64_t)acc);
    vput(cpu, f_rd(insn), d, false);
    return A64_NEXT;
}

/* The FP reduction/pairwise operation: bits 13:12 of the opcode and bit 23 (o1). */
static f32 fp32_pair_op(uint32_t insn, f32 a, f32 b, fp_status *st) {
    bool o1 = (insn >> 23) & 1;
    switch ((insn >> 12) & 3) {
    case 0: return o1 ? fp32_minnm(a, b, st) : fp32_maxnm(a, b, st);
    case 1: return fp32_add(a, b, st);
    default: return o1 ? fp32_min(a, b, st) : fp32_max(a, b, st);
    }
}
static f64 fp64_pair_op(uint32_t insn, f64 a, f64 b, fp_status *st) {
    bool o1 = (insn >> 23) & 1;
    switch ((insn >> 12) & 3) {
    case 0: return o1 ? fp64_minnm(a, b, st) : fp64_maxnm(a, b, st);
    case 1: return fp64_add(a, b, st);
    default: return o1 ? fp64_min(a, b, st) : fp64_max(a, b, st);
    }
}

/* FMAXV, FMINV, FMAXNMV, FMINNMV: 4S only; Reduce() pairs (0,1) and (2,3) first. */
int a64_simd_fp_across(arm_cpu *cpu, const a64_op *op) {
    uint32_t insn = op->insn;
    if (!f_q(insn) || ((insn >> 22) & 1)) return a64_undef(cpu, op);
    SIMD_PROLOGUE();
    vreg n = vget(cpu, f_rn(insn)), d = {0};
    fp_status st = {cpu->fpcr, 0};
    f32 lo = fp32_pair_op(insn, n.s[0], n.s[1], &st);
    f32 hi = fp32_pair_op(insn, n.s[2], n.s[3], &st);
    d.s[0] = fp32_pair_op(insn, lo, hi, &st);
    cpu->fpsr |= st.fpsr;
    vput(cpu, f_rd(insn), d, false);
    return A64_NEXT;
}

/* Scalar ADDP: D[0] + D[1]. */
int a64_simd_addp_scalar(arm_cpu *cpu, const a64_op *op) {
    uint32_t insn = op->insn;
    if (f_size(insn) != 3) return a64_undef(cpu, op);
    SIMD_PROLOGUE();
    vreg n = vget(cpu, f_rn(insn)), d = {0};
    d.d[0] = n.d[0] + n.d[1];
    vput(cpu, f_rd(insn), d, false);
    return A64_NEXT;
}

/* Scalar FP pairwise over the two low elements (sz at bit 22). */
int a64_simd_fp_pair_scalar(arm_cpu *cpu, const a64_op *op) {
    SIMD_PROLOGUE();
    uint32_t insn = op->insn;
    vreg n = vget(cpu, f_rn(insn)), d = {0};
    fp_status st = {cpu->fpcr, 0};
    if ((insn >> 22) & 1)
        d.d[0] = fp64_pair_op(insn, n.d[0], n.d[1], &st);
    else
        d.s[0] = fp32_pair_op(insn, n.s[0], n.s[1], &st);
    cpu->fpsr |= st.fpsr;
    vput(cpu, f_rd(insn), d, false);
    return A64_NEXT;
}

/* Vector FP pairwise (FADDP, FMAXP, FMINP, FMAXNMP, FMINNMP): over Vm:Vn like ADDP. The opcode
 * bits 13:12 of the three-same encodings match the scalar pairwise ones (00 maxnm, 10 add,
 * 11 max), so the shared operation above applies after remapping 10 -> 01. */
int a64_simd_fp_pairwise(arm_cpu *cpu, const a64_op *op) {
    uint32_t insn = op->insn;
    bool q = f_q(insn), dbl = (insn >> 22) & 1;
    if (dbl && !q) return a64_undef(cpu, op);
    SIMD_PROLOGUE();
    uint32_t sel = insn & ~(3u << 12);
    switch ((insn >> 11) & 7) { /* opcode bits 13:11: 000 maxnm, 010 add, 110 max */
    case 0: break;
    case 2: sel |= 1u << 12; break;
    default: sel |= 3u << 12; break;
    }
    vreg n = vget(cpu, f_rn(insn)), m = vget(cpu, f_rm(insn)), d = {0};
    fp_status st = {cpu->fpcr, 0};
    if (dbl) {
        d.d[0] = fp64_pair_op(sel, n.d[0], n.d[1], &st);
        d.d[1] = fp64_pair_op(sel, m.d[0], m.d[1], &st);
    } else {
        unsigned half = q ? 2 : 1;
        for (unsigned i = 0; i < half; i++) {
            d.s[i] = fp32_pair_op(sel, n.s[2 * i], n.s[2 * i + 1], &st);
            d.s[half + i] = fp32_pair_op(sel, m.s[2 * i], m.s[2 * i + 1], &st);
        }
    }
    cpu->fpsr |= st.fpsr;
    vput(cpu, f_rd(insn), d, q);
    return A64_NEXT;
}
