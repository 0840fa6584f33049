/* Guest memory access for the handlers: an inline soft-TLB fast path (one compare, one add) and
 * the out-of-line slow path (misses, MMIO, page-crossing accesses, misaligned ones that must or
 * may fault, code pages, faults). A false return means an exception has been entered: the
 * handler returns A64_EXIT_FAULT at once. */
#ifndef CPU_MEM_MEM_H
#define CPU_MEM_MEM_H

#include <string.h>

#include "arm_cpu.h"
#include "mmu/mmu_walk.h"

/* flags for the slow path and the abort syndrome */
enum {
    MEM_ALIGNED = 1 << 0,  /* must be aligned to the access size (exclusives, acquire/release) */
    MEM_EXCL = 1 << 1,     /* exclusive access (no ISV in the syndrome) */
    MEM_NO_ISV = 1 << 2,   /* pair, writeback, SIMD: ESR.ISV = 0 */
    MEM_ATOMIC_RW = 1 << 3 /* DC ZVA and friends: checked as a write */
};
/* Instruction-specific syndrome (ESR ISS[24:14]: ISV, SAS, SSE, SRT, SF, AR) for single-register
 * accesses; the slow path adds WnR, CM and the fault status. */
static inline uint32_t mem_iss(unsigned size_log2, bool sign_extend, unsigned rt, bool sf,
                               bool acq_rel) {
    return (1u << 24) | (size_log2 << 22) | ((uint32_t)sign_extend << 21) | (rt << 16) |
           ((uint32_t)sf << 15) | ((uint32_t)acq_rel << 14);
}

bool mem_read_slow(arm_cpu *c, const a64_op *op, uint64_t va, unsigned size, uint64_t *out,
                   unsigned midx, uint32_t flags, uint32_t iss);
bool mem_write_slow(arm_cpu *c, const a64_op *op, uint64_t va, unsigned size, uint64_t value,
                    unsigned midx, uint32_t flags, uint32_t iss);
/* Raises a Data Abort (alignment fault) for the access at va. */
void mem_alignment_fault(arm_cpu *c, const a64_op *op, uint64_t va, bool write, uint32_t flags);
/* The global exclusive monitor: a store to pa clears other cores' reservations of its granule. */
void excl_store_seen(arm_cpu *c, uint64_t pa);

static inline tlb_entry *tlb_entry_for(arm_cpu *c, unsigned midx, uint64_t va) {
    return &c->tlb[midx][tlb_index(va)];
}

/* The fast path's compare value (see TLB_FLAG_ALIGN): flags is a constant at nearly every call. */
static inline uint64_t mem_probe_key(uint64_t va, unsigned size, uint32_t flags) {
    return flags & MEM_ALIGNED ? va & (PAGE_MASK | (size - 1)) : tlb_probe_key(va, size);
}

/* size is 1, 2, 4 or 8. Little-endian guest data on a little-endian host. */
static inline bool mem_read(arm_cpu *c, const a64_op *op, uint64_t va, unsigned size, uint64_t *out,
                            unsigned midx, uint32_t flags, uint32_t iss) {
    tlb_entry *e = tlb_entry_for(c, midx, va);
    if (likely(e->tag_read == mem_probe_key(va, size, flags))) {
        const uint8_t *h = (const uint8_t *)(uintptr_t)(va + e->addend);
        switch (size) {
        case 1: *out = *h; break;
        case 2: {
            uint16_t v;
            memcpy(&v, h, 2);
            *out = v;
            break;
        }
        case 4: {
            uint32_t v;
            memcpy(&v, h, 4);
            *out = v;
            break;
        }
        default: memcpy(out, h, 8); break;
        }
        return true;
    }
    return mem_read_slow(c, op, va, size, out, midx, flags, iss);
}

static inline bool mem_write(arm_cpu *c, const a64_op *op, uint64_t va, unsigned size,
                             uint64_t value, unsigned midx, uint32_t flags, uint32_t iss) {
    tlb_entry *e = tlb_entry_for(c, midx, va);
    if (likely(e->tag_write == mem_probe_key(va, size, flags))) {
        uint8_t *h = (uint8_t *)(uintptr_t)(va + e->addend);
        if (unlikely(c->cluster->excl_holders)) excl_store_seen(c, e->pa_page | (va & ~PAGE_MASK));
        switch (size) {
        case 1: *h = (uint8_t)value; break;
        case 2: {
            uint16_t v = (uint16_t)value;
            memcpy(h, &v, 2);
            break;
        }
        case 4: {
            uint32_t v = (uint32_t)value;
            memcpy(h, &v, 4);
            break;
        }
        default: memcpy(h, &value, 8); break;
        }
        return true;
    }
    return mem_write_slow(c, op, va, size, value, midx, flags, iss);
}

/* Translates va for an access without performing it (exclusives, DC ZVA, AT, IC IVAU).
 * access: 0 read, 1 write, 2 exec. False: the fault has been taken (when take_fault). */
bool mem_translate(arm_cpu *c, const a64_op *op, uint64_t va, unsigned access, unsigned midx,
                   uint64_t *pa, bool take_fault, uint32_t flags);
/* The registers of translation regime el (1 = EL1&0, 2, 3) as the stage-1 walk wants them, and
 * the walk's descriptor reader (tables live in RAM; anything else is an external abort). The one
 * place the CPU builds these: the TLB refill, AT and the debugger all use them. */
void mem_regime_snapshot(const arm_cpu *c, unsigned el, mmu_regime *r);
bool mem_read_desc(void *opaque, uint64_t pa, uint64_t *desc);
/* Instruction fetch translation for the block cache; false: a Prefetch Abort has been taken. */
bool mem_translate_fetch(arm_cpu *c, uint64_t va, uint64_t *pa);

/* TLB maintenance. Entries of the EL1&0 regime are ASID-tagged: global ones match every ASID,
 * nG ones only the ASID current when they were walked (other ASIDs' entries stay, parked). */
void tlb_flush_all(arm_cpu *c);
void tlb_flush_idx(arm_cpu *c, unsigned midx);
/* Entries of midx translating va (any page of a block mapping holding it); VA bits 55:12 compare.
 * all_asids false: only global entries and nG entries of asid. */
void tlb_flush_va(arm_cpu *c, unsigned midx, uint64_t va, bool all_asids, uint16_t asid);
/* nG entries of asid (TLBI ASIDE1). */
void tlb_flush_asid(arm_cpu *c, unsigned midx, uint16_t asid);
/* The current ASID is now asid: park other ASIDs' nG entries, revive asid's. */
void tlb_set_asid(arm_cpu *c, uint16_t asid);
/* After a write of TTBR0/1_EL1, TCR_EL1 or CONTEXTIDR_EL1: recomputes the current ASID (TCR.A1
 * selects the TTBR, TCR.AS = 0 keeps 8 bits); with SOCEMU_NO_ASID_TLB flushes as before. */
void tlb_asid_update(arm_cpu *c);
/* The ASID field of a TLBI argument (bits 63:48), 8 bits when TCR_EL1.AS = 0. */
uint16_t tlb_asid_of_arg(const arm_cpu *c, uint64_t arg);
/* A page now holds decoded code: writes through any core's TLB must take the slow path. */
void tlb_protect_code_page(cpu_cluster *cl, uint64_t pa_page);
void tlb_unprotect_code_page(cpu_cluster *cl, uint64_t pa_page);

#endif
