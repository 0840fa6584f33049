/* Data processing, immediate: ADR/ADRP, ADD/SUB, logical, MOVZ/MOVN/MOVK, SBFM/BFM/UBFM, EXTR. */
#include "a64/a64.h"

int a64_adr(arm_cpu *c, const a64_op *op) {
    uint32_t i = op->insn;
    uint64_t imm = sign_extend((a64_f_ADR_h(i) << 2) | a64_f_ADR_l(i), 21), pc = op_pc(c, op);
    if (i >> 31) /* ADRP */
        set_xreg(c, i & 31, (pc & ~(uint64_t)0xfff) + (imm << 12));
    else
        set_xreg(c, i & 31, pc + imm);
    return A64_NEXT;
}

int a64_addsub_imm(arm_cpu *c, const a64_op *op) {
    uint32_t i = op->insn;
    unsigned sf = i >> 31, sub = (i >> 30) & 1, setflags = (i >> 29) & 1;
    unsigned rn = (i >> 5) & 31, rd = i & 31;
    uint64_t imm = (uint64_t)a64_f_ADDSUB_IMM_i(i) << (a64_f_ADDSUB_IMM_h(i) ? 12 : 0);
    uint64_t a = xreg_sp(c, rn), r;
    if (setflags) {
        r = add_with_carry(sf, a, sub ? ~imm : imm, sub, &c->nzcv);
        set_xreg(c, rd, sf_mask(sf, r));
    } else {
        r = sub ? a - imm : a + imm;
        set_xreg_sp(c, rd, sf_mask(sf, r));
    }
    return A64_NEXT;
}

static uint64_t ones(unsigned n) {
    return n >= 64 ? ~0ull : (1ull << n) - 1;
}
static uint64_t replicate(uint64_t v, unsigned esize) {
    for (unsigned s = esize; s < 64; s *= 2)
        v |= v << s;
    return v;
}

bool decode_bit_masks(unsigned n, unsigned imms, unsigned immr, bool immediate, unsigned width,
                      uint64_t *wmask, uint64_t *tmask) {
    unsigned combined = (n << 6) | (~imms & 0x3f);
    if (!combined) return false;
    int len = 31 - __builtin_clz(combined);
    if (len < 1) return false;
    unsigned levels = (1u << len) - 1;
    if (immediate && (imms & levels) == levels) return false;
    unsigned s = imms & levels, r = immr & levels, diff = (s - r) & levels, esize = 1u << len;
    if (esize > width) return false;
    uint64_t welem = ones(s + 1), telem = ones(diff + 1);
    if (r) welem = ((welem >> r) | (welem << (esize - r))) & ones(esize);
    *wmask = replicate(welem, esize) & ones(width);
    *tmask = replicate(telem, esize) & ones(width);
    return true;
}

int a64_logic_imm(arm_cpu *c, const a64_op *op) {
    uint32_t i = op->insn;
    unsigned sf = i >> 31, opc = (i >> 29) & 3, n = (i >> 22) & 1;
    unsigned rn = (i >> 5) & 31, rd = i & 31;
    uint64_t imm, t;
    if ((!sf && n) ||
        !decode_bit_masks(n, (i >> 10) & 63, (i >> 16) & 63, true, sf ? 64 : 32, &imm, &t))
        return a64_undef(c, op);
    uint64_t r = logic_op(c, sf, opc, xreg(c, rn), imm);
    if (opc == 3)
        set_xreg(c, rd, r); /* ANDS writes XZR at 31, the others SP */
    else
        set_xreg_sp(c, rd, r);
    return A64_NEXT;
}

int a64_move_wide(arm_cpu *c, const a64_op *op) {
    uint32_t i = op->insn;
    unsigned sf = i >> 31, opc = (i >> 29) & 3, hw = (i >> 21) & 3, rd = i & 31;
    if (opc == 1 || (!sf && hw >= 2)) return a64_undef(c, op);
    unsigned shift = hw * 16;
    uint64_t imm = (uint64_t)((i >> 5) & 0xffff) << shift, r;
    if (opc == 0)
        r = ~imm; /* MOVN */
    else if (opc == 2)
        r = imm; /* MOVZ */
    else
        r = (xreg(c, rd) & ~((uint64_t)0xffff << shift)) | imm; /* MOVK */
    set_xreg(c, rd, sf_mask(sf, r));
    return A64_NEXT;
}

int a64_bitfield(arm_cpu *c, const a64_op *op) {
    uint32_t i = op->insn;
    unsigned sf = i >> 31, opc = (i >> 29) & 3, n = (i >> 22) & 1;
    unsigned immr = (i >> 16) & 63, imms = (i >> 10) & 63, rn = (i >> 5) & 31, rd = i & 31;
    unsigned width = sf ? 64 : 32;
    uint64_t wmask, tmask;
    if (opc == 3 || n != sf || (!sf && (immr >= 32 || imms >= 32)) ||
        !decode_bit_masks(n, imms, immr, false, width, &wmask, &tmask))
        return a64_undef(c, op);
    uint64_t src = xreg(c, rn), dst = opc == 1 ? xreg(c, rd) : 0;
    uint64_t bot = (dst & ~wmask) | (ror64(src, immr, width) & wmask), top, r;
    if (opc == 0) { /* SBFM: fill above with the sign bit */
        top = ((src >> imms) & 1) ? ~0ull : 0;
    } else {
        top = dst;
    }
    r = (top & ~tmask) | (bot & tmask);
    set_xreg(c, rd, sf_mask(sf, r));
    return A64_NEXT;
}

int a64_extr(arm_cpu *c, const a64_op *op) {
    uint32_t i = op->insn;
    unsigned sf = i >> 31, n = (i >> 22) & 1, lsb = (i >> 10) & 63;
    unsigned rm = (i >> 16) & 31, rn = (i >> 5) & 31, rd = i & 31;
    if (n != sf || (!sf && lsb >= 32)) return a64_undef(c, op);
    uint64_t hi = xreg(c, rn), lo = xreg(c, rm), r;
    if (sf)
        r = lsb ? (lo >> lsb) | (hi << (64 - lsb)) : lo;
    else
        r = (uint32_t)((((uint64_t)(uint32_t)hi << 32) | (uint32_t)lo) >> lsb);
    set_xreg(c, rd, r);
    return A64_NEXT;
}
