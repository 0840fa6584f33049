/* The stage-1 translation table walk, after the Arm ARM pseudocode AArch64.TranslationTableWalk
 * (v8.0: no hardware AF/dirty update, no 52-bit PA) and AArch64.TranslateAddressS1Off. */
#include "mmu/mmu_walk.h"

#include "mmu_bits.h"
#include "mmu_perm.h"
#include "mmu_va_range.h"

static mmu_fault fault_at(mmu_fault_type type, unsigned level) {
    return (mmu_fault){type, (uint8_t)level};
}

static const mmu_fault no_fault = {MMU_FAULT_NONE, 0};

static bool is_el10(const mmu_regime *regime) {
    return regime->kind == MMU_REGIME_EL10;
}

static bool regime_is_secure(const mmu_regime *regime) {
    return regime->kind == MMU_REGIME_EL3 || (is_el10(regime) && regime->secure);
}

/* Device memory and Normal Inner+Outer Non-cacheable are always Outer Shareable
 * (AArch64.S1AttrDecode / MemAttrDefaults); otherwise the descriptor's SH. */
static uint8_t effective_shareability(uint8_t mair_attr, unsigned sh) {
    bool device = (mair_attr & 0xf0) == 0;
    bool normal_non_cacheable = mair_attr == 0x44;
    if (device || normal_non_cacheable || sh == 1) return MMU_SH_OUTER;
    return (uint8_t)sh;
}

/* SCTLR.M = 0 (AArch64.TranslateAddressS1Off): flat, data Device-nGnRnE, all accesses allowed, but
 * an address beyond PARange is an address size fault at level 0. */
static mmu_fault translate_flat(const mmu_regime *regime, uint64_t va, mmu_translation *out) {
    unsigned top = mmu_addr_top(regime, va);
    if (mmu_bits(va, top, MMU_PA_BITS) != 0) return fault_at(MMU_FAULT_ADDRESS_SIZE, 0);
    *out = (mmu_translation){
        .pa = mmu_bits(va, MMU_PA_BITS - 1, 0),
        .size_log2 = 12,
        .level = 0,
        .perms = MMU_PERM_PRIV_R | MMU_PERM_PRIV_W | MMU_PERM_PRIV_X | MMU_PERM_USER_R |
                 MMU_PERM_USER_W | MMU_PERM_USER_X,
        .mair_attr = MMU_ATTR_DEVICE_NGNRNE,
        .shareability = MMU_SH_OUTER,
        .ns = !regime_is_secure(regime),
        .not_global = false,
        .stage1_enabled = false,
        .asid = mmu_regime_asid(regime),
    };
    return no_fault;
}

/* What the table descriptors passed on the way down take away from the leaf. */
typedef struct table_attrs {
    bool no_write, no_el0, xn, pxn, ns;
} table_attrs;

static void accumulate_table_attrs(const mmu_regime *regime, uint64_t desc, table_attrs *acc) {
    acc->no_write |= mmu_bit(desc, DESC_AP_TABLE1);
    acc->xn |= mmu_bit(desc, DESC_XN_TABLE);
    if (is_el10(regime)) {
        /* APTable[0] and PXNTable are RES0 in the single-privilege regimes. */
        acc->no_el0 |= mmu_bit(desc, DESC_AP_TABLE0);
        acc->pxn |= mmu_bit(desc, DESC_PXN_TABLE);
    }
    acc->ns |= mmu_bit(desc, DESC_NS_TABLE);
}

static uint64_t bswap64(uint64_t v) {
    return __builtin_bswap64(v);
}

static void describe_leaf(const mmu_regime *regime, uint64_t desc, table_attrs tables,
                          mmu_translation *out) {
    unsigned attr_index = (unsigned)mmu_bits(desc, DESC_ATTRINDX_LO + 2, DESC_ATTRINDX_LO);
    out->mair_attr = (uint8_t)(regime->mair >> (8 * attr_index));
    out->shareability = effective_shareability(
        out->mair_attr, (unsigned)mmu_bits(desc, DESC_SH_LO + 1, DESC_SH_LO));
    /* A Secure lookup stays Secure until an NSTable or the leaf's NS bit says otherwise. */
    out->ns = !regime_is_secure(regime) || tables.ns || mmu_bit(desc, DESC_NS);
    out->not_global = is_el10(regime) && mmu_bit(desc, DESC_NG);
    out->asid = mmu_regime_asid(regime);
    out->stage1_enabled = true;

    mmu_leaf_rights rights = {
        .read_only = mmu_bit(desc, DESC_AP2) || tables.no_write,
        .el0_access = mmu_bit(desc, DESC_AP1) && !tables.no_el0,
        .uxn = mmu_bit(desc, DESC_UXN) || tables.xn,
        .pxn = mmu_bit(desc, DESC_PXN) || tables.pxn,
    };
    out->perms = mmu_perms_from_rights(regime->kind, mmu_bit(regime->sctlr, SCTLR_WXN), rights);
}

mmu_fault mmu_walk(const mmu_regime *regime, uint64_t va, const mmu_desc_reader *reader,
                   mmu_translation *out) {
    if (!mmu_bit(regime->sctlr, SCTLR_M)) return translate_flat(regime, va, out);

    mmu_va_range range = mmu_select_va_range(regime, va);
    /* VA outside both ranges, or walks disabled by EPDn: translation fault, reported at level 0. */
    if (!range.in_range || range.disabled) return fault_at(MMU_FAULT_TRANSLATION, 0);

    const mmu_granule_geometry *g = range.geometry;
    unsigned level = mmu_start_level(g, range.input_bits);
    uint64_t ttbr_address = mmu_bits(range.ttbr, MMU_DESC_ADDR_TOP, 1) << 1;
    if (mmu_bits(ttbr_address, MMU_DESC_ADDR_TOP, range.output_bits) != 0)
        return fault_at(MMU_FAULT_ADDRESS_SIZE, 0);

    /* The first table is aligned to its own size: TTBR bits below that are treated as zero. */
    unsigned first_table_align = 3 + range.input_bits - mmu_level_shift(g, level);
    uint64_t table = ttbr_address & ~mmu_mask(first_table_align - 1, 0);
    unsigned index_top = range.input_bits - 1;
    table_attrs tables = {0};
    bool big_endian = mmu_bit(regime->sctlr, SCTLR_EE);
    uint64_t desc;

    for (;;) {
        unsigned index_lsb = mmu_level_shift(g, level);
        uint64_t desc_pa = table | (mmu_bits(va, index_top, index_lsb) << 3);
        if (!reader->read_desc(reader->opaque, desc_pa, &desc))
            return fault_at(MMU_FAULT_EXTERNAL_ABORT_ON_WALK, level);
        if (big_endian) desc = bswap64(desc);

        bool valid = mmu_bit(desc, DESC_VALID);
        bool table_or_page = mmu_bit(desc, DESC_TABLE_OR_PAGE);
        /* Invalid (x0), or the reserved encoding 01 at level 3. */
        if (!valid || (!table_or_page && level == 3)) return fault_at(MMU_FAULT_TRANSLATION, level);
        if (!table_or_page || level == 3) break; /* block or page */

        uint64_t next = desc & mmu_mask(MMU_DESC_ADDR_TOP, g->page_shift);
        if (mmu_bits(next, MMU_DESC_ADDR_TOP, range.output_bits) != 0)
            return fault_at(MMU_FAULT_ADDRESS_SIZE, level);
        accumulate_table_attrs(regime, desc, &tables);
        table = next;
        index_top = index_lsb - 1;
        level++;
    }

    /* A block where the granule allows none (4K level 0, 16K/64K level 1). */
    if (level < g->first_block_level) return fault_at(MMU_FAULT_TRANSLATION, level);

    unsigned block_shift = mmu_level_shift(g, level);
    uint64_t pa =
        (desc & mmu_mask(MMU_DESC_ADDR_TOP, block_shift)) | mmu_bits(va, block_shift - 1, 0);
    if (mmu_bits(pa, MMU_DESC_ADDR_TOP, range.output_bits) != 0)
        return fault_at(MMU_FAULT_ADDRESS_SIZE, level);
    /* No hardware Access flag update on the A53: software gets the fault and sets AF. */
    if (!mmu_bit(desc, DESC_AF)) return fault_at(MMU_FAULT_ACCESS_FLAG, level);

    out->pa = pa;
    out->size_log2 = (uint8_t)block_shift;
    out->level = (uint8_t)level;
    describe_leaf(regime, desc, tables, out);
    return no_fault;
}
