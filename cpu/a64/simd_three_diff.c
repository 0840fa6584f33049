/* AdvSIMD three different (widening, wide and narrowing-high operations: SADDL ... SQDMULL,
 * PMULL, SADDW/SSUBW, ADDHN/RADDHN/SUBHN/RSUBHN) and its scalar group (SQDMLAL, SQDMLSL,
 * SQDMULL). The widening worker is shared with the by-element group. */
#include "a64/simd.h"

static uint64_t poly_mul8_16(uint64_t a, uint64_t b) {
    uint64_t r = 0;
    for (unsigned i = 0; i < 8; i++)
        if ((b >> i) & 1) r ^= a << i;
    return r;
}

/* One double-width result element from two elements n, m (raw, esize bits) and the old
 * double-width destination element d. */
static inline uint64_t long_element(unsigned kind, bool u, unsigned esize, uint64_t n, uint64_t m,
                                    uint64_t d, bool *qc) {
    __int128 a = as_int(n, esize, u), b = as_int(m, esize, u);
    unsigned wide = 2 * esize;
    switch (kind) {
    case LONG_ADDL: return (uint64_t)(a + b);
    case LONG_SUBL: return (uint64_t)(a - b);
    case LONG_ABAL: return d + (uint64_t)(a > b ? a - b : b - a);
    case LONG_ABDL: return (uint64_t)(a > b ? a - b : b - a);
    case LONG_MLAL: return d + (uint64_t)(a * b);
    case LONG_MLSL: return d - (uint64_t)(a * b);
    case LONG_MULL: return (uint64_t)(a * b);
    case LONG_PMULL: return poly_mul8_16(n, m);
    default: break;
    }
    /* SQDMULL, SQDMLAL, SQDMLSL: the doubled product saturates first, then the accumulation. */
    uint64_t p = sat_s(2 * a * b, wide, qc);
    if (kind == LONG_QDMULL) return p;
    __int128 acc = sx(d, wide), prod = sx(p, wide);
    return sat_s(kind == LONG_QDMLAL ? acc + prod : acc - prod, wide, qc);
}

/* Size rules: PMULL only with bytes (size 3 would be the crypto PMULL 1Q: UNDEFINED), the
 * saturating doubling forms with H and S, the rest B/H/S; scalar forms are saturating only. */
int simd_long_op(arm_cpu *cpu, const a64_op *op, unsigned kind, const vreg *m) {
    uint32_t insn = op->insn;
    unsigned size = f_size(insn), esize = 8u << size;
    bool scalar = f_scalar(insn), u = f_u(insn), qc = false;
    bool doubling = kind == LONG_QDMULL || kind == LONG_QDMLAL || kind == LONG_QDMLSL;
    if (size == 3 || (kind == LONG_PMULL && size != 0) || (doubling && size == 0))
        return a64_undef(cpu, op);
    SIMD_PROLOGUE();
    unsigned elems = scalar ? 1 : 64 / esize, base = !scalar && f_q(insn) ? elems : 0;
    vreg n = vget(cpu, f_rn(insn)), d = vget(cpu, f_rd(insn)), r = {0};
    for (unsigned i = 0; i < elems; i++)
        set_lane(&r, size + 1, i,
                 long_element(kind, u, esize, lane(&n, size, base + i), lane(m, size, base + i),
                              lane(&d, size + 1, i), &qc));
    set_qc(cpu, qc);
    vput(cpu, f_rd(insn), r, !scalar);
    return A64_NEXT;
}

/* The widening forms: the opcode is the kind; U=1 has no saturating/polynomial forms. */
int a64_simd_long3(arm_cpu *cpu, const a64_op *op) {
    unsigned kind = (op->insn >> 12) & 15;
    bool only_signed =
        kind == LONG_QDMLAL || kind == LONG_QDMLSL || kind == LONG_QDMULL || kind == LONG_PMULL;
    if (only_signed && f_u(op->insn)) return a64_undef(cpu, op);
    vreg m = vget(cpu, f_rm(op->insn));
    return simd_long_op(cpu, op, kind, &m);
}

/* SADDW/UADDW (opcode 0001), SSUBW/USUBW (0011): wide Vn plus the widened half of Vm. */
int a64_simd_wide3(arm_cpu *cpu, const a64_op *op) {
    uint32_t insn = op->insn;
    unsigned size = f_size(insn), esize = 8u << size;
    bool u = f_u(insn), sub = (insn >> 13) & 1;
    if (size == 3) return a64_undef(cpu, op);
    SIMD_PROLOGUE();
    unsigned elems = 64 / esize, base = f_q(insn) ? elems : 0;
    vreg n = vget(cpu, f_rn(insn)), m = vget(cpu, f_rm(insn)), r = {0};
    for (unsigned i = 0; i < elems; i++) {
        uint64_t b = (uint64_t)as_int(lane(&m, size, base + i), esize, u);
        uint64_t a = lane(&n, size + 1, i);
        set_lane(&r, size + 1, i, sub ? a - b : a + b);
    }
    vput(cpu, f_rd(insn), r, true);
    return A64_NEXT;
}

/* ADDHN/RADDHN (opcode 0100), SUBHN/RSUBHN (0110), U rounds: high half of the wide sum or
 * difference; the "2" forms write the upper half of Vd. */
int a64_simd_addhn(arm_cpu *cpu, const a64_op *op) {
    uint32_t insn = op->insn;
    unsigned size = f_size(insn), esize = 8u << size;
    bool round = f_u(insn), sub = (insn >> 13) & 1;
    if (size == 3) return a64_undef(cpu, op);
    SIMD_PROLOGUE();
    unsigned elems = 64 / esize;
    vreg n = vget(cpu, f_rn(insn)), m = vget(cpu, f_rm(insn)), r = {0};
    for (unsigned i = 0; i < elems; i++) {
        unsigned __int128 a = lane(&n, size + 1, i), b = lane(&m, size + 1, i);
        unsigned __int128 x =
            (sub ? a - b : a + b) + (round ? (unsigned __int128)1 << (esize - 1) : 0);
        set_lane(&r, size, i, (uint64_t)(x >> esize));
    }
    if (!f_q(insn)) {
        vput(cpu, f_rd(insn), r, false);
    } else {
        vreg d = vget(cpu, f_rd(insn));
        d.d[1] = r.d[0];
        cpu->v[f_rd(insn)] = d.q;
    }
    return A64_NEXT;
}
