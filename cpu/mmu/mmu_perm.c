#include "mmu_perm.h"

uint8_t mmu_perms_from_rights(mmu_regime_kind kind, bool wxn, mmu_leaf_rights rights) {
    uint8_t perms = MMU_PERM_PRIV_R;
    bool priv_w = !rights.read_only;
    if (priv_w) perms |= MMU_PERM_PRIV_W;

    if (kind != MMU_REGIME_EL10) {
        /* Single privilege level (EL2, EL3): AP[1] is RES1 and ignored, XN alone controls
         * execution, WXN turns writable into execute-never. */
        if (!rights.uxn && !(priv_w && wxn)) perms |= MMU_PERM_PRIV_X;
        /* No EL0 here: an "unprivileged" access (LDTR at EL2) is an ordinary one. */
        return (uint8_t)(perms | perms << 3);
    }

    bool user_r = rights.el0_access;
    bool user_w = rights.el0_access && !rights.read_only;
    if (user_r) perms |= MMU_PERM_USER_R;
    if (user_w) perms |= MMU_PERM_USER_W;
    /* EL0 execution depends on UXN only, not on EL0 read access (execute-only memory). */
    if (!rights.uxn && !(user_w && wxn)) perms |= MMU_PERM_USER_X;
    /* EL1 never executes memory EL0 can write ("implicit PXN"), nor writable memory with WXN. */
    if (!rights.pxn && !user_w && !(priv_w && wxn)) perms |= MMU_PERM_PRIV_X;
    return perms;
}

mmu_fault mmu_check_permission(const mmu_translation *tr, mmu_access_type access,
                               bool unprivileged) {
    unsigned r = unprivileged ? MMU_PERM_USER_R : MMU_PERM_PRIV_R;
    unsigned w = unprivileged ? MMU_PERM_USER_W : MMU_PERM_PRIV_W;
    unsigned x = unprivileged ? MMU_PERM_USER_X : MMU_PERM_PRIV_X;
    unsigned needed = 0;
    switch (access) {
    case MMU_ACCESS_READ: needed = r; break;
    case MMU_ACCESS_WRITE: needed = w; break;
    case MMU_ACCESS_EXEC: needed = x; break;
    case MMU_ACCESS_READ_WRITE: needed = r | w; break;
    }
    if ((tr->perms & needed) == needed) return (mmu_fault){MMU_FAULT_NONE, 0};
    return (mmu_fault){MMU_FAULT_PERMISSION, tr->level};
}

mmu_fault mmu_translate(const mmu_regime *regime, uint64_t va, mmu_access_type access,
                        bool unprivileged, const mmu_desc_reader *reader, mmu_translation *out) {
    mmu_fault fault = mmu_walk(regime, va, reader, out);
    if (fault.type != MMU_FAULT_NONE) return fault;
    return mmu_check_permission(out, access, unprivileged);
}
