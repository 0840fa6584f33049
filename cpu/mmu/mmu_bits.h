/* Field positions of the registers and descriptors the stage-1 walk reads (Arm ARM D13 register
 * descriptions and D5.3 "VMSAv8-64 translation table format descriptors"). Internal to cpu/mmu. */
#ifndef CPU_MMU_MMU_BITS_H
#define CPU_MMU_MMU_BITS_H

#include <stdint.h>

static inline uint64_t mmu_bits(uint64_t value, unsigned hi, unsigned lo) {
    return (value >> lo) & (~0ull >> (63 - (hi - lo)));
}

static inline uint64_t mmu_bit(uint64_t value, unsigned pos) {
    return (value >> pos) & 1;
}

/* Mask of bits [hi:lo]. */
static inline uint64_t mmu_mask(unsigned hi, unsigned lo) {
    return (~0ull >> (63 - (hi - lo))) << lo;
}

/* SCTLR_ELx */
enum { SCTLR_M = 0, SCTLR_WXN = 19, SCTLR_EE = 25 };

/* TCR_EL1 */
enum {
    TCR_T0SZ_LO = 0,
    TCR_EPD0 = 7,
    TCR_TG0_LO = 14,
    TCR_T1SZ_LO = 16,
    TCR_A1 = 22,
    TCR_EPD1 = 23,
    TCR_TG1_LO = 30,
    TCR_IPS_LO = 32,
    TCR_AS = 36,
    TCR_TBI0 = 37,
    TCR_TBI1 = 38,
};

/* TCR_EL2 (non-VHE) and TCR_EL3: T0SZ and TG0 as in TCR_EL1. */
enum { TCR_ELX_PS_LO = 16, TCR_ELX_TBI = 20 };

/* TTBRn_ELx: BADDR in [47:1] (bit 0 is CnP from v8.2, RES0 here), ASID in [63:48]. */
enum { TTBR_ASID_LO = 48 };

/* Descriptor fields. Lower attributes of blocks/pages. */
enum {
    DESC_VALID = 0,
    DESC_TABLE_OR_PAGE = 1,
    DESC_ATTRINDX_LO = 2,
    DESC_NS = 5,
    DESC_AP1 = 6, /* EL0 access (EL1&0); RES1 in single-privilege regimes */
    DESC_AP2 = 7, /* read-only */
    DESC_SH_LO = 8,
    DESC_AF = 10,
    DESC_NG = 11,
    DESC_PXN = 53,
    DESC_UXN = 54, /* XN in single-privilege regimes */
};

/* Table descriptor attributes (hierarchical, they only ever remove rights). */
enum {
    DESC_PXN_TABLE = 59,
    DESC_XN_TABLE = 60,  /* UXNTable in EL1&0 */
    DESC_AP_TABLE0 = 61, /* no EL0 access below; RES0 in single-privilege regimes */
    DESC_AP_TABLE1 = 62, /* no write access below */
    DESC_NS_TABLE = 63,
};

/* Highest descriptor/TTBR address bit in v8.0 (no 52-bit PA). */
enum { MMU_DESC_ADDR_TOP = 47 };

#endif
