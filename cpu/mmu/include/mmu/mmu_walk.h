/* VMSAv8-64 stage-1 translation for the Cortex-A53 (ARMv8.0-A, PARange 40 bits, 16-bit ASIDs, no
 * hardware Access flag or dirty-state update, no 52-bit addresses).
 *
 * A pure module: the caller hands in a snapshot of the translation regime's registers and a
 * callback that reads one 64-bit descriptor from physical memory; nothing here knows about the
 * bus, the TLB or the CPU state. Typical use from the CPU's TLB-miss path:
 *
 *     mmu_translation tr;
 *     mmu_fault f = mmu_walk(&regime, va, &reader, &tr);        // translation, no permission check
 *     if (f.type == MMU_FAULT_NONE) f = mmu_check_permission(&tr, MMU_ACCESS_READ, el0);
 *     if (f.type != MMU_FAULT_NONE) raise abort with ESR.xFSC = mmu_fault_status_code(f);
 *     else cache tr (it holds the permissions of both EL0 and the privileged level).
 *
 * Faults are checked in the order of the Arm ARM pseudocode AArch64.TranslationTableWalk followed
 * by AArch64.CheckPermission: translation, address size, access flag, then permission.
 *
 * Choices where the architecture leaves freedom (documented once here):
 *  - TxSZ outside 16..39 is clamped into that range (the Constraint_FORCE option of
 *    Unpredictable_RESTnSZ), never a fault.
 *  - A reserved TGx encoding, or 16K when mmu_regime.granule_16k_implemented is false (the A53
 *    reports ID_AA64MMFR0_EL1.TGran16 = 0), walks as the 4K granule.
 *  - IPS/PS larger than PARange, or reserved, means 40 bits.
 *  - The contiguous hint (bit 52) is ignored; descriptor bits [51:48] (RES0 in v8.0, bit 51 is
 *    Linux's software DBM flag) never take part in addresses or checks.
 *  - SH = 0b01 (reserved) is reported as Outer Shareable.
 *  - HCR_EL2.DC/VM (stage 2, default cacheability) are not modelled: stage 1 only.
 */
#ifndef CPU_MMU_MMU_WALK_H
#define CPU_MMU_MMU_WALK_H

#include <stdbool.h>
#include <stdint.h>

/* ID_AA64MMFR0_EL1.PARange = 2 on the A53. */
enum { MMU_PA_BITS = 40 };

typedef enum mmu_regime_kind {
    MMU_REGIME_EL10, /* EL1&0: TTBR0_EL1/TTBR1_EL1 selected by VA bit 55 */
    MMU_REGIME_EL2,  /* non-VHE EL2: one range, TTBR0_EL2, TCR_EL2.PS */
    MMU_REGIME_EL3,  /* EL3 (Secure): one range, TTBR0_EL3, TCR_EL3.PS */
} mmu_regime_kind;

/* The registers of one stage-1 translation regime, as the CPU currently holds them. */
typedef struct mmu_regime {
    mmu_regime_kind kind;
    uint64_t sctlr; /* SCTLR_ELx: M (bit 0), WXN (bit 19), EE (bit 25) are used */
    uint64_t tcr;   /* TCR_EL1, TCR_EL2 or TCR_EL3 (layouts differ; kind says which) */
    uint64_t ttbr0;
    uint64_t ttbr1; /* EL1&0 only */
    uint64_t mair;
    /* EL1&0 running Secure (SCR_EL3.NS = 0): descriptor NS/NSTable bits then count. EL3 is
     * always Secure; EL2 and Non-secure EL1&0 always give NS = 1. */
    bool secure;
    /* false on the A53: a TGx value meaning 16K walks as 4K. true to exercise 16K anyway. */
    bool granule_16k_implemented;
} mmu_regime;

/* Reads the 64-bit descriptor at physical address pa (8-byte aligned) as a little-endian value
 * (the walk swaps it when SCTLR.EE = 1). false = synchronous external abort on the walk. */
typedef bool (*mmu_read_desc_fn)(void *opaque, uint64_t pa, uint64_t *desc);

typedef struct mmu_desc_reader {
    mmu_read_desc_fn read_desc;
    void *opaque;
} mmu_desc_reader;

typedef enum mmu_access_type {
    MMU_ACCESS_READ,
    MMU_ACCESS_WRITE,
    MMU_ACCESS_EXEC,       /* instruction fetch */
    MMU_ACCESS_READ_WRITE, /* atomic read-modify-write: needs both (AccType_ATOMICRW) */
} mmu_access_type;

typedef enum mmu_fault_type {
    MMU_FAULT_NONE = 0,
    MMU_FAULT_TRANSLATION,
    MMU_FAULT_ADDRESS_SIZE,
    MMU_FAULT_ACCESS_FLAG,
    MMU_FAULT_PERMISSION,
    MMU_FAULT_EXTERNAL_ABORT_ON_WALK, /* read_desc returned false */
    MMU_FAULT_EXTERNAL_ABORT,         /* for the CPU: bus error on the access itself */
    MMU_FAULT_ALIGNMENT,              /* for the CPU: never produced by the walk */
} mmu_fault_type;

typedef struct mmu_fault {
    mmu_fault_type type;
    uint8_t level; /* lookup level 0..3 (0 for TTBR/VA-range faults); unused for the CPU's types */
} mmu_fault;

/* Permissions of a translation, after table attributes, WXN and implicit PXN are applied. */
enum {
    MMU_PERM_PRIV_R = 1 << 0, /* EL1 (EL1&0) or the regime's own EL (EL2, EL3) */
    MMU_PERM_PRIV_W = 1 << 1,
    MMU_PERM_PRIV_X = 1 << 2,
    /* EL0, and EL1's LDTR/STTR. EL2/EL3 regimes have one privilege level: USER = PRIV there. */
    MMU_PERM_USER_R = 1 << 3,
    MMU_PERM_USER_W = 1 << 4,
    MMU_PERM_USER_X = 1 << 5,
};

/* Shareability as encoded in descriptors and PAR_EL1.SH. */
enum { MMU_SH_NON = 0, MMU_SH_OUTER = 2, MMU_SH_INNER = 3 };

/* MAIR byte meaning Device-nGnRnE: data accesses with the MMU off get it. */
enum { MMU_ATTR_DEVICE_NGNRNE = 0x00 };

/* A successful translation: one TLB entry's worth. */
typedef struct mmu_translation {
    uint64_t pa;       /* physical address of the VA that was translated (offset included) */
    uint8_t size_log2; /* the mapping is the naturally aligned 2^size_log2 block holding the VA */
    uint8_t level;     /* lookup level of the leaf descriptor (permission faults report it) */
    uint8_t perms;     /* MMU_PERM_* */
    uint8_t mair_attr; /* MAIR_ELx byte selected by AttrIndx (data-side attributes) */
    uint8_t shareability; /* MMU_SH_*; Device and Normal Non-cacheable read as Outer Shareable */
    bool ns;              /* output address space */
    bool not_global;      /* nG: match asid too (EL1&0 only) */
    bool stage1_enabled;  /* false: SCTLR.M = 0 flat mapping (instruction fetches are Normal) */
    uint16_t asid;        /* TTBR0/TTBR1 ASID per TCR_EL1.A1, 8 bits when TCR_EL1.AS = 0 */
} mmu_translation;

/* Translates va through the regime's stage 1 without checking permissions. On MMU_FAULT_NONE
 * *out is filled; otherwise it is left unspecified. */
mmu_fault mmu_walk(const mmu_regime *regime, uint64_t va, const mmu_desc_reader *reader,
                   mmu_translation *out);

/* Permission check of one access against a translation (AArch64.CheckPermission). unprivileged:
 * the access is made as EL0 (EL0 itself, or LDTR/STTR at EL1); no effect for EL2/EL3 regimes.
 * Returns MMU_FAULT_NONE or a permission fault at tr->level. */
mmu_fault mmu_check_permission(const mmu_translation *tr, mmu_access_type access,
                               bool unprivileged);

/* mmu_walk then mmu_check_permission. */
mmu_fault mmu_translate(const mmu_regime *regime, uint64_t va, mmu_access_type access,
                        bool unprivileged, const mmu_desc_reader *reader, mmu_translation *out);

/* The 6-bit ESR_ELx DFSC/IFSC (and PAR_EL1.FST) value of a fault; 0 for MMU_FAULT_NONE. */
uint8_t mmu_fault_status_code(mmu_fault fault);

/* AT S1E0R/S1E0W/S1E1R/S1E1W (EL1&0 regime), S1E2R/W (EL2), S1E3R/W (EL3); S12E1*, S12E0* are the
 * same while stage 2 is off. The caller passes the regime the instruction names; unprivileged
 * selects the S1E0 forms, is_write the W forms. Writes the 64-bit PAR_EL1 value and returns true,
 * or returns false with *abort set when the walk took a synchronous external abort, which AT
 * reports as a Data Abort exception rather than in PAR_EL1. */
bool mmu_translate_at(const mmu_regime *regime, uint64_t va, bool unprivileged, bool is_write,
                      const mmu_desc_reader *reader, uint64_t *par, mmu_fault *abort);

/* PAR_EL1 value for a successful translation / for a fault (F = 1, FST, PTW = 0, S = 0). */
uint64_t mmu_par_from_translation(const mmu_translation *tr);
uint64_t mmu_par_from_fault(mmu_fault fault);

#endif
