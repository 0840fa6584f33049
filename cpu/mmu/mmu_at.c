/* Address translation instructions (AT S1Ex{R,W}) and the 64-bit PAR_EL1 format of v8.0. */
#include "mmu/mmu_walk.h"

#include "mmu_bits.h"

enum {
    PAR_F = 0,
    PAR_FST_LO = 1,
    PAR_SH_LO = 7,
    PAR_PTW = 8,
    PAR_NS = 9,
    PAR_RES1 = 11,
    PAR_ATTR_LO = 56,
};

uint64_t mmu_par_from_translation(const mmu_translation *tr) {
    return (uint64_t)tr->mair_attr << PAR_ATTR_LO | (tr->pa & mmu_mask(MMU_DESC_ADDR_TOP, 12)) |
           1ull << PAR_RES1 | (uint64_t)tr->ns << PAR_NS |
           (uint64_t)(tr->shareability & 3) << PAR_SH_LO;
}

uint64_t mmu_par_from_fault(mmu_fault fault) {
    /* Stage 1 only: S = 0 and PTW = 0. */
    return 1ull << PAR_RES1 | (uint64_t)mmu_fault_status_code(fault) << PAR_FST_LO | 1ull << PAR_F;
}

bool mmu_translate_at(const mmu_regime *regime, uint64_t va, bool unprivileged, bool is_write,
                      const mmu_desc_reader *reader, uint64_t *par, mmu_fault *abort) {
    mmu_translation tr;
    mmu_fault fault = mmu_translate(regime, va, is_write ? MMU_ACCESS_WRITE : MMU_ACCESS_READ,
                                    unprivileged, reader, &tr);
    /* An external abort on the walk is taken as a Data Abort, not recorded in PAR_EL1. */
    if (fault.type == MMU_FAULT_EXTERNAL_ABORT_ON_WALK) {
        *abort = fault;
        return false;
    }
    *par = fault.type == MMU_FAULT_NONE ? mmu_par_from_translation(&tr) : mmu_par_from_fault(fault);
    return true;
}
