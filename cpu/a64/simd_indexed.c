/* AdvSIMD vector and scalar x indexed element: MUL, MLA, MLS, SQDMULH, SQRDMULH, the widening
 * SMLAL ... SQDMULL, and FMUL, FMULX, FMLA, FMLS by element. The element is broadcast into a
 * register-shaped operand and the same-size, widening and FP engines do the rest. */
#include "a64/simd.h"

/* The indexed element of Vm, broadcast: H (size 1) index H:L:M with Rm<3:0>, S (size 2) index
 * H:L with M:Rm, D (size 3, FP only) index H with L = 0. False if reserved. */
static bool broadcast_element(const arm_cpu *cpu, uint32_t insn, unsigned size, vreg *out) {
    unsigned h = (insn >> 11) & 1, l = (insn >> 21) & 1, mbit = (insn >> 20) & 1, rm = f_rm(insn);
    unsigned index;
    switch (size) {
    case 1:
        index = (h << 2) | (l << 1) | mbit;
        rm &= 15;
        break;
    case 2: index = (h << 1) | l; break;
    case 3:
        if (l) return false;
        index = h;
        break;
    default: return false;
    }
    vreg m = vget(cpu, rm);
    uint64_t x = lane(&m, size, index);
    for (unsigned i = 0; i < 16u >> size; i++)
        set_lane(out, size, i, x);
    return true;
}

/* ---- Same-size integer ------------------------------------------------------------------- */
SIMD_INLINE uint64_t lane_mla(uint64_t n, uint64_t m, uint64_t d, unsigned esize, bool u,
                              bool *qc) {
    (void)u, (void)qc;
    return (d + n * m) & emask(esize);
}
SIMD_INLINE uint64_t lane_mls(uint64_t n, uint64_t m, uint64_t d, unsigned esize, bool u,
                              bool *qc) {
    (void)u, (void)qc;
    return (d - n * m) & emask(esize);
}
SIMD_INLINE uint64_t lane_mul(uint64_t n, uint64_t m, uint64_t d, unsigned esize, bool u,
                              bool *qc) {
    (void)d, (void)u, (void)qc;
    return (n * m) & emask(esize);
}
SIMD_INLINE uint64_t lane_qdmulh(uint64_t n, uint64_t m, uint64_t d, unsigned esize, bool u,
                                 bool *qc) {
    (void)d, (void)u;
    return sat_s((2 * (__int128)sx(n, esize) * sx(m, esize)) >> esize, esize, qc);
}
SIMD_INLINE uint64_t lane_qrdmulh(uint64_t n, uint64_t m, uint64_t d, unsigned esize, bool u,
                                  bool *qc) {
    (void)d, (void)u;
    __int128 p = 2 * (__int128)sx(n, esize) * sx(m, esize) + ((__int128)1 << (esize - 1));
    return sat_s(p >> esize, esize, qc);
}

SIMD_INLINE int indexed_same(arm_cpu *cpu, const a64_op *op, lane_fn3 *fn) {
    vreg m;
    unsigned size = f_size(op->insn);
    if (size == 3 || !broadcast_element(cpu, op->insn, size, &m)) return a64_undef(cpu, op);
    return simd_three_m(cpu, op, SZ_HS, fn, &m);
}
/* MLA (U=1, opcode 0000), MLS (U=1, 0100): vector only. */
int a64_simd_mla_mls_elem(arm_cpu *cpu, const a64_op *op) {
    return (op->insn >> 14) & 1 ? indexed_same(cpu, op, lane_mls) : indexed_same(cpu, op, lane_mla);
}
int a64_simd_mul_elem(arm_cpu *cpu, const a64_op *op) {
    return indexed_same(cpu, op, lane_mul);
}
int a64_simd_qdmulh_elem(arm_cpu *cpu, const a64_op *op) {
    return indexed_same(cpu, op, lane_qdmulh);
}
int a64_simd_qrdmulh_elem(arm_cpu *cpu, const a64_op *op) {
    return indexed_same(cpu, op, lane_qrdmulh);
}

/* ---- Widening ---------------------------------------------------------------------------- */
/* By-element opcode -> three-different kind: 0010 MLAL, 0011 QDMLAL, 0110 MLSL, 0111 QDMLSL,
 * 1010 MULL, 1011 QDMULL. */
int a64_simd_long_elem(arm_cpu *cpu, const a64_op *op) {
    static const uint8_t kind_of[16] = {
        [0x2] = LONG_MLAL,   [0x3] = LONG_QDMLAL, [0x6] = LONG_MLSL,
        [0x7] = LONG_QDMLSL, [0xa] = LONG_MULL,   [0xb] = LONG_QDMULL};
    uint32_t insn = op->insn;
    unsigned opcode = (insn >> 12) & 15, kind = kind_of[opcode], size = f_size(insn);
    bool saturating = opcode & 1;
    if ((saturating && f_u(insn)) || (f_scalar(insn) && !saturating)) return a64_undef(cpu, op);
    vreg m;
    if (size == 3 || !broadcast_element(cpu, insn, size, &m)) return a64_undef(cpu, op);
    return simd_long_op(cpu, op, kind, &m);
}

/* ---- Floating point ---------------------------------------------------------------------- */
static f32 f32_fmla(f32 n, f32 m, f32 d, fp_status *st) {
    return fp32_muladd(d, n, m, st);
}
static f64 f64_fmla(f64 n, f64 m, f64 d, fp_status *st) {
    return fp64_muladd(d, n, m, st);
}
static f32 f32_fmls(f32 n, f32 m, f32 d, fp_status *st) {
    return fp32_muladd(d, fp32_neg(n), m, st);
}
static f64 f64_fmls(f64 n, f64 m, f64 d, fp_status *st) {
    return fp64_muladd(d, fp64_neg(n), m, st);
}
static f32 f32_fmul(f32 n, f32 m, f32 d, fp_status *st) {
    (void)d;
    return fp32_mul(n, m, st);
}
static f64 f64_fmul(f64 n, f64 m, f64 d, fp_status *st) {
    (void)d;
    return fp64_mul(n, m, st);
}
static f32 f32_fmulx(f32 n, f32 m, f32 d, fp_status *st) {
    (void)d;
    return fp32_mulx(n, m, st);
}
static f64 f64_fmulx(f64 n, f64 m, f64 d, fp_status *st) {
    (void)d;
    return fp64_mulx(n, m, st);
}

/* size 10 single, 11 double; 00 would be FP16 (not on the A53), 01 is reserved. */
SIMD_INLINE int indexed_fp(arm_cpu *cpu, const a64_op *op, fp32_fn2 *f32fn, fp64_fn2 *f64fn) {
    unsigned size = f_size(op->insn);
    vreg m;
    if (size < 2 || !broadcast_element(cpu, op->insn, size, &m)) return a64_undef(cpu, op);
    return simd_fp3_m(cpu, op, f32fn, f64fn, &m);
}
int a64_simd_fmla_elem(arm_cpu *cpu, const a64_op *op) {
    return indexed_fp(cpu, op, f32_fmla, f64_fmla);
}
int a64_simd_fmls_elem(arm_cpu *cpu, const a64_op *op) {
    return indexed_fp(cpu, op, f32_fmls, f64_fmls);
}
/* FMUL (U=0) and FMULX (U=1), opcode 1001. */
int a64_simd_fmul_elem(arm_cpu *cpu, const a64_op *op) {
    return f_u(op->insn) ? indexed_fp(cpu, op, f32_fmulx, f64_fmulx)
                         : indexed_fp(cpu, op, f32_fmul, f64_fmul);
}
