/* AdvSIMD two-register miscellaneous, integer part (vector and scalar): REV*, CLS/CLZ, CNT,
 * NOT/RBIT, ABS/NEG, compares with zero, SUQADD/USQADD, SQABS/SQNEG, the narrowing moves
 * (XTN, SQXTN, UQXTN, SQXTUN), SHLL, the long pairwise adds and URECPE/URSQRTE. */
#include "a64/simd.h"

#define N_   as_int(n, esize, u)
#define S_   sx(n, esize)
#define ONES emask(esize)

static inline uint64_t count_leading_zeros(uint64_t v, unsigned bits) {
    return v ? bits - (64u - (unsigned)__builtin_clzll(v)) : bits;
}

SIMD_INT2(simd_cls_clz, SZ_NO_D | SZ_NO_SCALAR,
          u ? count_leading_zeros(n, esize)
            : count_leading_zeros((n ^ (n >> 1)) & emask(esize - 1), esize - 1))
SIMD_INT2(simd_cnt, SZ_B | SZ_NO_SCALAR, (uint64_t)__builtin_popcountll(n))
/* U=0: CMGT #0, U=1: CMGE #0. */
SIMD_INT2(simd_cmgt_cmge_zero, SZ_SCALAR_D, (u ? S_ >= 0 : S_ > 0) ? ONES : 0)
/* U=0: CMEQ #0, U=1: CMLE #0. */
SIMD_INT2(simd_cmeq_cmle_zero, SZ_SCALAR_D, (u ? S_ <= 0 : S_ == 0) ? ONES : 0)
SIMD_INT2(simd_cmlt_zero, SZ_SCALAR_D, S_ < 0 ? ONES : 0)
/* U=0: ABS, U=1: NEG (both wrap). */
SIMD_INT2(simd_abs_neg, SZ_SCALAR_D, (u || S_ < 0 ? 0 - n : n) & ONES)
/* U=0: SQABS, U=1: SQNEG. */
SIMD_INT2(simd_qabs_qneg, SZ_ANY, sat_s(u || S_ < 0 ? -(__int128)S_ : (__int128)S_, esize, qc))
/* SUQADD (U=0): signed accumulator plus unsigned source; USQADD (U=1): the reverse. */
SIMD_INT2(simd_sqadd_acc, SZ_ANY,
          u ? sat_u((__int128)d + S_, esize, qc) : sat_s((__int128)sx(d, esize) + n, esize, qc))

/* REV16, REV32, REV64: reverse the elements inside each container of 2^c bytes. */
int a64_simd_rev(arm_cpu *cpu, const a64_op *op) {
    uint32_t insn = op->insn;
    unsigned size = f_size(insn), opbits = ((insn >> 12) & 1) | (f_u(insn) << 1);
    /* U:o0 = 00 REV64, 01 REV16, 10 REV32 */
    unsigned container_log2 = opbits == 0 ? 3 : opbits == 1 ? 1 : 2;
    if (opbits == 3 || size >= container_log2) return a64_undef(cpu, op);
    SIMD_PROLOGUE();
    unsigned per = (1u << container_log2) >> size, elems = (8u << f_q(insn)) >> size;
    vreg n = vget(cpu, f_rn(insn)), d = {0};
    for (unsigned i = 0; i < elems; i++)
        set_lane(&d, size, i, lane(&n, size, i ^ (per - 1)));
    vput(cpu, f_rd(insn), d, f_q(insn));
    return A64_NEXT;
}

/* NOT (size 0) and RBIT (size 1). */
int a64_simd_not_rbit(arm_cpu *cpu, const a64_op *op) {
    uint32_t insn = op->insn;
    unsigned size = f_size(insn);
    if (size > 1) return a64_undef(cpu, op);
    SIMD_PROLOGUE();
    vreg n = vget(cpu, f_rn(insn)), d;
    if (size == 0) {
        d.q = ~n.q;
    } else {
        for (unsigned i = 0; i < 16; i++) {
            uint8_t b = n.b[i], r = 0;
            for (unsigned k = 0; k < 8; k++)
                r |= (uint8_t)(((b >> k) & 1) << (7 - k));
            d.b[i] = r;
        }
    }
    vput(cpu, f_rd(insn), d, f_q(insn));
    return A64_NEXT;
}

/* Narrowing: XTN (U=0, opcode 10010), SQXTUN (U=1, 10010), SQXTN (U=0, 10100), UQXTN (U=1,
 * 10100). The vector "2" forms (Q=1) write the upper half and keep the lower one. */
int a64_simd_narrow(arm_cpu *cpu, const a64_op *op) {
    uint32_t insn = op->insn;
    unsigned size = f_size(insn), esize = 8u << size;
    bool scalar = f_scalar(insn), u = f_u(insn), sat_op = (insn >> 14) & 1, q = f_q(insn);
    if (size == 3 || (scalar && !u && !sat_op)) return a64_undef(cpu, op);
    SIMD_PROLOGUE();
    unsigned elems = scalar ? 1 : 64 / esize;
    vreg n = vget(cpu, f_rn(insn)), r = {0};
    bool qc = false;
    for (unsigned i = 0; i < elems; i++) {
        uint64_t x = lane(&n, size + 1, i), y;
        if (!sat_op)
            y = u ? sat_u(sx(x, 2 * esize), esize, &qc) : x;
        else
            y = u ? sat_u(x, esize, &qc) : sat_s(sx(x, 2 * esize), esize, &qc);
        set_lane(&r, size, i, y);
    }
    set_qc(cpu, qc);
    vreg d = vget(cpu, f_rd(insn));
    if (scalar || !q) {
        vput(cpu, f_rd(insn), r, false);
    } else {
        d.d[1] = r.d[0];
        cpu->v[f_rd(insn)] = d.q;
    }
    return A64_NEXT;
}

/* SHLL/SHLL2: widen and shift left by the element size. */
int a64_simd_shll(arm_cpu *cpu, const a64_op *op) {
    uint32_t insn = op->insn;
    unsigned size = f_size(insn), esize = 8u << size, elems = 64 / esize;
    if (size == 3) return a64_undef(cpu, op);
    SIMD_PROLOGUE();
    vreg n = vget(cpu, f_rn(insn)), d = {0};
    unsigned base = f_q(insn) ? elems : 0;
    for (unsigned i = 0; i < elems; i++)
        set_lane(&d, size + 1, i, lane(&n, size, base + i) << esize);
    vput(cpu, f_rd(insn), d, true);
    return A64_NEXT;
}

/* SADDLP/UADDLP (opcode 00010) and SADALP/UADALP (00110): add adjacent pairs into double-width
 * elements, accumulating for the latter. */
int a64_simd_addlp(arm_cpu *cpu, const a64_op *op) {
    uint32_t insn = op->insn;
    unsigned size = f_size(insn), esize = 8u << size;
    bool u = f_u(insn), acc = (insn >> 14) & 1, q = f_q(insn);
    if (size == 3) return a64_undef(cpu, op);
    SIMD_PROLOGUE();
    unsigned pairs = (64u << q) / (2 * esize);
    vreg n = vget(cpu, f_rn(insn)), d = vget(cpu, f_rd(insn)), r = {0};
    for (unsigned i = 0; i < pairs; i++) {
        uint64_t s = (uint64_t)(as_int(lane(&n, size, 2 * i), esize, u) +
                                as_int(lane(&n, size, 2 * i + 1), esize, u));
        if (acc) s += lane(&d, size + 1, i);
        set_lane(&r, size + 1, i, s);
    }
    vput(cpu, f_rd(insn), r, q);
    return A64_NEXT;
}

/* URECPE (U=0) and URSQRTE (U=1): 32-bit elements only. */
int a64_simd_urecpe_ursqrte(arm_cpu *cpu, const a64_op *op) {
    uint32_t insn = op->insn;
    bool q = f_q(insn);
    if ((insn >> 22) & 1) return a64_undef(cpu, op);
    SIMD_PROLOGUE();
    vreg n = vget(cpu, f_rn(insn)), d = {0};
    for (unsigned i = 0; i < (q ? 4u : 2u); i++)
        d.s[i] = f_u(insn) ? fp_ursqrte_u32(n.s[i]) : fp_urecpe_u32(n.s[i]);
    vput(cpu, f_rd(insn), d, q);
    return A64_NEXT;
}
