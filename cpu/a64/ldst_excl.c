/* Exclusives: LDXR/LDAXR/STXR/STLXR and the pair forms. The local monitor records the address
 * and size; the global monitor (cluster) is the reserved 64-byte granule, cleared by any other
 * core's store to it (mem.h: excl_store_seen). */
#include "a64/a64.h"

static void monitor_set(arm_cpu *c, uint64_t va, unsigned size, uint64_t pa) {
    if (!c->excl.valid) c->cluster->excl_holders++;
    c->excl.valid = true;
    c->excl.va = va;
    c->excl.size = size;
    c->excl.pa_granule = pa >> 6;
}

static void monitor_clear(arm_cpu *c) {
    if (c->excl.valid) {
        c->excl.valid = false;
        c->cluster->excl_holders--;
    }
}

int a64_ldst_excl(arm_cpu *c, const a64_op *op) {
    uint32_t i = op->insn;
    bool pair = (i >> 21) & 1, load = (i >> 22) & 1;
    unsigned rs = (i >> 16) & 31, rt2 = (i >> 10) & 31, rn = (i >> 5) & 31, rt = i & 31;
    unsigned esize = 1u << (i >> 30), total = pair ? esize * 2 : esize;
    if (rn == 31 && (c->sp & 15) &&
        (c->el == 0 ? (c->sctlr[1] >> 4) & 1 : (c->sctlr[c->el] >> 3) & 1))
        return a64_raise(c, op, EC_SP_ALIGN, 0);
    uint64_t addr = xreg_sp(c, rn), pa;
    unsigned midx = c->mmu_idx;
    if (addr & (total - 1)) {
        /* Exclusives must be aligned to their total size. */
        mem_alignment_fault(c, op, addr, !load, MEM_EXCL);
        return A64_EXIT_FAULT;
    }
    if (load) {
        uint64_t a, b = 0;
        if (pair && esize == 8) {
            if (!mem_read(c, op, addr, 8, &a, midx, MEM_EXCL, 0) ||
                !mem_read(c, op, addr + 8, 8, &b, midx, MEM_EXCL, 0))
                return A64_EXIT_FAULT;
        } else {
            uint64_t v;
            if (!mem_read(c, op, addr, total, &v, midx, MEM_EXCL, 0)) return A64_EXIT_FAULT;
            a = pair ? (uint32_t)v : v;
            b = pair ? v >> 32 : 0;
        }
        if (!mem_translate(c, op, addr, 0, midx, &pa, true, MEM_EXCL)) return A64_EXIT_FAULT;
        monitor_set(c, addr, total, pa);
        set_xreg(c, rt, a);
        if (pair) set_xreg(c, rt2, b);
        return A64_NEXT;
    }
    /* Store: translate (and fault) first, then succeed only if this core still holds the
     * reservation for exactly this address and size. */
    if (!mem_translate(c, op, addr, 1, midx, &pa, true, MEM_EXCL)) return A64_EXIT_FAULT;
    bool ok = c->excl.valid && c->excl.va == addr && c->excl.size == total;
    monitor_clear(c);
    if (ok) {
        bool done;
        if (pair && esize == 8) {
            done = mem_write(c, op, addr, 8, xreg(c, rt), midx, MEM_EXCL, 0) &&
                   mem_write(c, op, addr + 8, 8, xreg(c, rt2), midx, MEM_EXCL, 0);
        } else {
            uint64_t v = pair ? ((uint64_t)(uint32_t)xreg(c, rt2) << 32) | (uint32_t)xreg(c, rt)
                              : xreg(c, rt);
            done = mem_write(c, op, addr, total, v, midx, MEM_EXCL, 0);
        }
        if (!done) return A64_EXIT_FAULT;
    }
    set_xreg(c, rs, ok ? 0 : 1);
    return A64_NEXT;
}
