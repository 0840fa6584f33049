/* AdvSIMD copy (DUP, INS, UMOV, SMOV, scalar DUP), permute (UZP, TRN, ZIP), extract (EXT) and
 * table lookup (TBL, TBX). */
#include "a64/simd.h"

/* imm5 of the copy group: the lowest set bit gives the element size, the bits above it the index;
 * false if imm5<size:0> is all zero (reserved) or the size exceeds max_size. */
static bool copy_element(uint32_t insn, unsigned max_size, unsigned *size, unsigned *index) {
    unsigned imm5 = (insn >> 16) & 31;
    if (!(imm5 & 15)) return false;
    *size = (unsigned)__builtin_ctz(imm5);
    *index = imm5 >> (*size + 1);
    return *size <= max_size;
}

/* Replicates the element x of the given size over the register (a multiply spreads it). */
static void fill(vreg *d, unsigned size, uint64_t x) {
    static const uint64_t spread[4] = {0x0101010101010101ull, 0x0001000100010001ull,
                                       0x0000000100000001ull, 1};
    d->d[0] = d->d[1] = (x & emask(8u << size)) * spread[size];
}

/* DUP (element), vector and scalar (MOV Bd, Vn.B[i]). */
int a64_simd_dup_elem(arm_cpu *cpu, const a64_op *op) {
    uint32_t insn = op->insn;
    unsigned size, index;
    bool scalar = f_scalar(insn), q = f_q(insn) && !scalar;
    if (!copy_element(insn, 3, &size, &index) || (!scalar && size == 3 && !q))
        return a64_undef(cpu, op);
    SIMD_PROLOGUE();
    vreg n = vget(cpu, f_rn(insn)), d = {0};
    uint64_t x = lane(&n, size, index);
    if (scalar)
        set_lane(&d, size, 0, x);
    else
        fill(&d, size, x);
    vput(cpu, f_rd(insn), d, q);
    return A64_NEXT;
}

int a64_simd_dup_gen(arm_cpu *cpu, const a64_op *op) {
    uint32_t insn = op->insn;
    unsigned size, index;
    if (!copy_element(insn, 3, &size, &index) || (size == 3 && !f_q(insn)))
        return a64_undef(cpu, op);
    SIMD_PROLOGUE();
    vreg d;
    fill(&d, size, xreg(cpu, f_rn(insn)));
    vput(cpu, f_rd(insn), d, f_q(insn));
    return A64_NEXT;
}

/* SMOV: Q selects the 64-bit destination; the element must be narrower than it. */
int a64_simd_smov(arm_cpu *cpu, const a64_op *op) {
    uint32_t insn = op->insn;
    unsigned size, index;
    bool x64 = f_q(insn);
    if (!copy_element(insn, x64 ? 2 : 1, &size, &index)) return a64_undef(cpu, op);
    SIMD_PROLOGUE();
    vreg n = vget(cpu, f_rn(insn));
    uint64_t v = (uint64_t)sx(lane(&n, size, index), 8u << size);
    set_xreg(cpu, f_rd(insn), x64 ? v : (uint32_t)v);
    return A64_NEXT;
}

/* UMOV: Q=0 moves B/H/S to Wd, Q=1 moves D to Xd. */
int a64_simd_umov(arm_cpu *cpu, const a64_op *op) {
    uint32_t insn = op->insn;
    unsigned size, index;
    if (!copy_element(insn, 3, &size, &index) || (size == 3) != f_q(insn))
        return a64_undef(cpu, op);
    SIMD_PROLOGUE();
    vreg n = vget(cpu, f_rn(insn));
    set_xreg(cpu, f_rd(insn), lane(&n, size, index));
    return A64_NEXT;
}

int a64_simd_ins_gen(arm_cpu *cpu, const a64_op *op) {
    uint32_t insn = op->insn;
    unsigned size, index;
    if (!copy_element(insn, 3, &size, &index)) return a64_undef(cpu, op);
    SIMD_PROLOGUE();
    vreg d = vget(cpu, f_rd(insn));
    set_lane(&d, size, index, xreg(cpu, f_rn(insn)));
    cpu->v[f_rd(insn)] = d.q;
    return A64_NEXT;
}

int a64_simd_ins_elem(arm_cpu *cpu, const a64_op *op) {
    uint32_t insn = op->insn;
    unsigned size, dst_index;
    if (!copy_element(insn, 3, &size, &dst_index)) return a64_undef(cpu, op);
    SIMD_PROLOGUE();
    unsigned src_index = ((insn >> 11) & 15) >> size;
    vreg n = vget(cpu, f_rn(insn)), d = vget(cpu, f_rd(insn));
    set_lane(&d, size, dst_index, lane(&n, size, src_index));
    cpu->v[f_rd(insn)] = d.q;
    return A64_NEXT;
}

/* UZP1/UZP2, TRN1/TRN2, ZIP1/ZIP2: opcode bits 13:12 pick the kind, bit 14 the part. */
SIMD_INLINE void permute_lanes(vreg *d, const vreg *n, const vreg *m, unsigned size, bool q,
                               unsigned kind, unsigned part) {
    unsigned half = ((8u << q) >> size) / 2;
    for (unsigned i = 0; i < half; i++) {
        switch (kind) {
        case 1: /* UZP: even or odd elements of Vm:Vn */
            set_lane(d, size, i, lane(n, size, 2 * i + part));
            set_lane(d, size, half + i, lane(m, size, 2 * i + part));
            break;
        case 2: /* TRN */
            set_lane(d, size, 2 * i, lane(n, size, 2 * i + part));
            set_lane(d, size, 2 * i + 1, lane(m, size, 2 * i + part));
            break;
        default: /* ZIP */
            set_lane(d, size, 2 * i, lane(n, size, part * half + i));
            set_lane(d, size, 2 * i + 1, lane(m, size, part * half + i));
            break;
        }
    }
}
int a64_simd_permute(arm_cpu *cpu, const a64_op *op) {
    uint32_t insn = op->insn;
    unsigned size = f_size(insn), part = (insn >> 14) & 1, kind = (insn >> 12) & 3;
    bool q = f_q(insn);
    if (size == 3 && !q) return a64_undef(cpu, op);
    SIMD_PROLOGUE();
    vreg n = vget(cpu, f_rn(insn)), m = vget(cpu, f_rm(insn)), d = {0};
#define PERMUTE(sz) permute_lanes(&d, &n, &m, sz, q, kind, part)
    SIMD_BY_SIZE(size, PERMUTE);
#undef PERMUTE
    vput(cpu, f_rd(insn), d, q);
    return A64_NEXT;
}

int a64_simd_ext(arm_cpu *cpu, const a64_op *op) {
    uint32_t insn = op->insn;
    unsigned pos = (insn >> 11) & 15;
    bool q = f_q(insn);
    if (!q && pos >= 8) return a64_undef(cpu, op);
    SIMD_PROLOGUE();
    vreg n = vget(cpu, f_rn(insn)), m = vget(cpu, f_rm(insn)), d = {0};
    uint8_t cat[32];
    unsigned bytes = q ? 16 : 8;
    memcpy(cat, n.b, bytes);
    memcpy(cat + bytes, m.b, bytes);
    memcpy(d.b, cat + pos, bytes);
    vput(cpu, f_rd(insn), d, q);
    return A64_NEXT;
}

/* TBL (bit 12 clear: out-of-range indices give 0) and TBX (keep the destination byte). */
int a64_simd_tbl(arm_cpu *cpu, const a64_op *op) {
    SIMD_PROLOGUE();
    uint32_t insn = op->insn;
    unsigned regs = ((insn >> 13) & 3) + 1, rn = f_rn(insn);
    bool q = f_q(insn), tbx = (insn >> 12) & 1;
    uint8_t table[64];
    for (unsigned r = 0; r < regs; r++)
        memcpy(table + 16 * r, &cpu->v[(rn + r) & 31], 16);
    vreg idx = vget(cpu, f_rm(insn)), d = vget(cpu, f_rd(insn));
    unsigned bytes = q ? 16 : 8;
    for (unsigned i = 0; i < bytes; i++) {
        unsigned k = idx.b[i];
        if (k < 16 * regs)
            d.b[i] = table[k];
        else if (!tbx)
            d.b[i] = 0;
    }
    vput(cpu, f_rd(insn), d, q);
    return A64_NEXT;
}
