/* Stage-1 access permissions (Arm ARM D5.4 "Memory access control", pseudocode
 * AArch64.CheckPermission). Internal to cpu/mmu. */
#ifndef CPU_MMU_MMU_PERM_H
#define CPU_MMU_MMU_PERM_H

#include "mmu/mmu_walk.h"

/* Leaf rights after the table attributes (APTable, XNTable/UXNTable, PXNTable) were folded in. */
typedef struct mmu_leaf_rights {
    bool read_only;  /* AP[2] | APTable[1] */
    bool el0_access; /* AP[1] & !APTable[0] (EL1&0 only) */
    bool uxn;        /* UXN (XN for EL2/EL3) | UXNTable */
    bool pxn;        /* PXN | PXNTable (EL1&0 only) */
} mmu_leaf_rights;

/* MMU_PERM_* for both privilege levels, with SCTLR.WXN and implicit PXN applied. */
uint8_t mmu_perms_from_rights(mmu_regime_kind kind, bool wxn, mmu_leaf_rights rights);

#endif
