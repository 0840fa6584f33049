/* Decoding of TCR_ELx for one VA: which translation table (TTBR0 or TTBR1), its granule, input and
 * output address sizes, and top-byte-ignore. Internal to cpu/mmu. */
#ifndef CPU_MMU_MMU_VA_RANGE_H
#define CPU_MMU_MMU_VA_RANGE_H

#include "mmu/mmu_walk.h"
#include "mmu_granule.h"

typedef struct mmu_va_range {
    const mmu_granule_geometry *geometry;
    unsigned input_bits;  /* 64 - TxSZ, clamped to 25..48 */
    unsigned output_bits; /* IPS/PS, at most MMU_PA_BITS */
    uint64_t ttbr;
    bool upper;    /* the TTBR1 range (EL1&0, VA bit 55 set) */
    bool disabled; /* TCR_EL1.EPDn: a TLB miss in this range is a translation fault */
    bool in_range; /* VA bits [top:input_bits] all equal to the range's fill (0s or 1s) */
} mmu_va_range;

/* Highest VA bit that takes part in translation: 55 when the range ignores the top byte
 * (AddrTop in the pseudocode), else 63. Also used with the MMU off. */
unsigned mmu_addr_top(const mmu_regime *regime, uint64_t va);

mmu_va_range mmu_select_va_range(const mmu_regime *regime, uint64_t va);

/* Output address size from a TCR IPS/PS encoding, capped at PARange. */
unsigned mmu_output_bits(unsigned ips);

/* The ASID translations of this regime are tagged with (0 outside EL1&0). */
uint16_t mmu_regime_asid(const mmu_regime *regime);

#endif
