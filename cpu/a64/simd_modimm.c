/* AdvSIMD modified immediate: MOVI, MVNI, ORR, BIC (vector, immediate) and FMOV (vector,
 * immediate), through AdvSIMDExpandImm. */
#include "a64/simd.h"

static uint64_t replicate(uint64_t x, unsigned bits) {
    for (unsigned w = bits; w < 64; w *= 2)
        x |= x << w;
    return x;
}

/* AdvSIMDExpandImm(op, cmode, imm8). */
static uint64_t expand_imm(unsigned op, unsigned cmode, uint64_t imm8) {
    switch (cmode >> 1) {
    case 0: return replicate(imm8, 32);
    case 1: return replicate(imm8 << 8, 32);
    case 2: return replicate(imm8 << 16, 32);
    case 3: return replicate(imm8 << 24, 32);
    case 4: return replicate(imm8, 16);
    case 5: return replicate(imm8 << 8, 16);
    case 6: /* shifting ones (MSL) */
        return replicate(cmode & 1 ? (imm8 << 16) | 0xffff : (imm8 << 8) | 0xff, 32);
    default: break;
    }
    uint64_t a = (imm8 >> 7) & 1, b = (imm8 >> 6) & 1, low6 = imm8 & 63;
    if (!(cmode & 1)) {
        if (!op) return replicate(imm8, 8);
        uint64_t r = 0; /* each bit of imm8 becomes a byte */
        for (unsigned i = 0; i < 8; i++)
            if ((imm8 >> i) & 1) r |= 0xffull << (8 * i);
        return r;
    }
    if (!op) { /* single precision: a:NOT(b):b*5:cdefgh:0*19 */
        uint64_t f = (a << 31) | ((b ^ 1) << 30) | ((b ? 0x1full : 0) << 25) | (low6 << 19);
        return replicate(f, 32);
    }
    /* double precision: a:NOT(b):b*8:cdefgh:0*48 */
    return (a << 63) | ((b ^ 1) << 62) | ((b ? 0xffull : 0) << 54) | (low6 << 48);
}

int a64_simd_modimm(arm_cpu *cpu, const a64_op *op) {
    uint32_t insn = op->insn;
    unsigned cmode = (insn >> 12) & 15, opbit = (insn >> 29) & 1;
    bool q = f_q(insn);
    uint64_t imm8 = (((insn >> 16) & 7) << 5) | ((insn >> 5) & 31);
    if (cmode == 15 && opbit && !q) return a64_undef(cpu, op);
    SIMD_PROLOGUE();
    uint64_t imm = expand_imm(opbit, cmode, imm8);
    vreg d = vget(cpu, f_rd(insn));
    /* ORR/BIC: cmode 0xx1 and 10x1; the rest are moves (inverted for MVNI). */
    bool logical = (cmode & 1) && cmode < 12;
    bool invert = opbit && cmode < 14;
    for (unsigned i = 0; i < 2; i++) {
        if (logical)
            d.d[i] = opbit ? d.d[i] & ~imm : d.d[i] | imm;
        else
            d.d[i] = invert ? ~imm : imm;
    }
    vput(cpu, f_rd(insn), d, q);
    return A64_NEXT;
}
