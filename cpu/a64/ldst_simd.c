/* AdvSIMD structure loads and stores: LD1-LD4/ST1-ST4 multiple structures, single structure
 * (one lane) and LD1R-LD4R (replicate), with post-index by immediate or register.
 * Elements are transferred in architectural order with one access each, so a fault reports the
 * first faulting element's address; registers or memory already transferred stay updated (the
 * architecture makes them UNKNOWN) and the base register is not written back. */
#include "a64/a64.h"

/* Multiple structures by opcode (bits 15:12): registers per structure (selem) and repeats (rpt)
 * of the LD1/ST1 forms; rpt 0 = unallocated. */
static const struct {
    uint8_t rpt, selem;
} multiple_layout[16] = {
    [0] = {1, 4}, /* LD4/ST4 */
    [2] = {4, 1}, /* LD1/ST1, 4 registers */
    [4] = {1, 3}, /* LD3/ST3 */
    [6] = {3, 1}, /* LD1/ST1, 3 registers */
    [7] = {1, 1}, /* LD1/ST1, 1 register */
    [8] = {1, 2}, /* LD2/ST2 */
    [10] = {2, 1} /* LD1/ST1, 2 registers */
};

/* CheckSPAlignment for a base of SP. */
static bool sp_misaligned(const arm_cpu *c, unsigned rn) {
    if (rn != 31 || !(c->sp & 15)) return false;
    return c->el == 0 ? (c->sctlr[1] >> 4) & 1 : (c->sctlr[c->el] >> 3) & 1;
}

/* Element `index` (ebytes wide) of V[reg] from or to memory. clear_upper: a 64-bit vector load,
 * which zeroes bits 127:64 of the register. False when an exception was taken. */
static bool element(arm_cpu *c, const a64_op *op, bool load, uint64_t addr, unsigned ebytes,
                    unsigned reg, unsigned index, bool clear_upper) {
    unsigned shift = index * ebytes * 8;
    if (!load)
        return mem_write(c, op, addr, ebytes, (uint64_t)(c->v[reg] >> shift), c->mmu_idx,
                         MEM_NO_ISV, 0);
    uint64_t value;
    if (!mem_read(c, op, addr, ebytes, &value, c->mmu_idx, MEM_NO_ISV, 0)) return false;
    __uint128_t mask = (__uint128_t)(ebytes == 8 ? UINT64_MAX : (1ull << (8 * ebytes)) - 1);
    __uint128_t v = (c->v[reg] & ~(mask << shift)) | ((__uint128_t)value << shift);
    c->v[reg] = clear_upper ? (uint64_t)v : v;
    return true;
}

static void post_index(arm_cpu *c, uint32_t insn, uint64_t base, uint64_t transferred) {
    unsigned rm = (insn >> 16) & 31, rn = (insn >> 5) & 31;
    set_xreg_sp(c, rn, base + (rm == 31 ? transferred : xreg(c, rm)));
}

int a64_ldst_multiple(arm_cpu *c, const a64_op *op) {
    uint32_t i = op->insn;
    bool q = (i >> 30) & 1, load = (i >> 22) & 1, post = (i >> 23) & 1;
    unsigned opcode = (i >> 12) & 15, size = (i >> 10) & 3, rn = (i >> 5) & 31, rt = i & 31;
    unsigned rpt = multiple_layout[opcode].rpt, selem = multiple_layout[opcode].selem;
    if (!rpt || (size == 3 && !q && selem != 1)) return a64_undef(c, op);
    if (unlikely(c->fp_trap_el)) return a64_fp_trap(c, op);
    if (sp_misaligned(c, rn)) return a64_raise(c, op, EC_SP_ALIGN, 0);
    uint64_t base = xreg_sp(c, rn), addr = base;
    if (selem == 1 && !(base & 7)) {
        /* LD1/ST1: memory is the registers' bytes in order; aligned 8-byte chunks fault exactly
         * where the first faulting element would (a chunk never crosses a page). */
        for (unsigned r = 0; r < rpt; r++)
            for (unsigned half = 0; half < (q ? 2u : 1u); half++, addr += 8)
                if (!element(c, op, load, addr, 8, (rt + r) & 31, half, !q)) return A64_EXIT_FAULT;
    } else {
        unsigned ebytes = 1u << size, elements = (q ? 16u : 8u) >> size;
        for (unsigned r = 0; r < rpt; r++)
            for (unsigned e = 0; e < elements; e++)
                for (unsigned s = 0; s < selem; s++, addr += ebytes)
                    if (!element(c, op, load, addr, ebytes, (rt + r + s) & 31, e, !q))
                        return A64_EXIT_FAULT;
    }
    if (post) post_index(c, i, base, addr - base);
    return A64_NEXT;
}

/* The element replicated across 64 bits. */
static uint64_t replicate64(uint64_t value, unsigned ebytes) {
    static const uint64_t ones[9] = {[1] = 0x0101010101010101ull,
                                     [2] = 0x0001000100010001ull,
                                     [4] = 0x0000000100000001ull,
                                     [8] = 1};
    return value * ones[ebytes];
}

int a64_ldst_single(arm_cpu *c, const a64_op *op) {
    uint32_t i = op->insn;
    bool q = (i >> 30) & 1, load = (i >> 22) & 1, post = (i >> 23) & 1;
    unsigned r = (i >> 21) & 1, opcode = (i >> 13) & 7, s = (i >> 12) & 1, size = (i >> 10) & 3;
    unsigned rn = (i >> 5) & 31, rt = i & 31;
    unsigned scale = opcode >> 1, selem = (((opcode & 1) << 1) | r) + 1, index = 0;
    bool replicate = false;
    switch (scale) {
    case 3: /* LDnR */
        if (!load || s) return a64_undef(c, op);
        scale = size;
        replicate = true;
        break;
    case 0: index = (q << 3) | (s << 2) | size; break;
    case 1:
        if (size & 1) return a64_undef(c, op);
        index = (q << 2) | (s << 1) | (size >> 1);
        break;
    default:
        if (size & 2) return a64_undef(c, op);
        if (size & 1) { /* 64-bit lanes */
            if (s) return a64_undef(c, op);
            index = q;
            scale = 3;
        } else {
            index = (q << 1) | s;
        }
        break;
    }
    if (unlikely(c->fp_trap_el)) return a64_fp_trap(c, op);
    if (sp_misaligned(c, rn)) return a64_raise(c, op, EC_SP_ALIGN, 0);
    unsigned ebytes = 1u << scale;
    uint64_t base = xreg_sp(c, rn);
    for (unsigned k = 0; k < selem; k++) {
        unsigned reg = (rt + k) & 31;
        uint64_t addr = base + (uint64_t)k * ebytes;
        if (replicate) {
            uint64_t value;
            if (!mem_read(c, op, addr, ebytes, &value, c->mmu_idx, MEM_NO_ISV, 0))
                return A64_EXIT_FAULT;
            uint64_t lanes = replicate64(value, ebytes);
            c->v[reg] = q ? ((__uint128_t)lanes << 64) | lanes : lanes;
        } else if (!element(c, op, load, addr, ebytes, reg, index, false)) {
            return A64_EXIT_FAULT;
        }
    }
    if (post) post_index(c, i, base, (uint64_t)selem * ebytes);
    return A64_NEXT;
}
