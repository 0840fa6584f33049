#include "mmu_va_range.h"

#include "mmu_bits.h"

/* v8.0 without TTST or LVA: TxSZ 16..39, i.e. 48..25 input bits. */
enum { MIN_INPUT_BITS = 25, MAX_INPUT_BITS = 48 };

static bool is_el10(const mmu_regime *regime) {
    return regime->kind == MMU_REGIME_EL10;
}

static bool top_byte_ignored(const mmu_regime *regime, uint64_t va) {
    if (!is_el10(regime)) return mmu_bit(regime->tcr, TCR_ELX_TBI);
    /* EL1&0: bit 55 picks the range, and with it TBI0 or TBI1, even when the top byte is a tag. */
    return mmu_bit(regime->tcr, mmu_bit(va, 55) ? TCR_TBI1 : TCR_TBI0);
}

unsigned mmu_addr_top(const mmu_regime *regime, uint64_t va) {
    return top_byte_ignored(regime, va) ? 55 : 63;
}

unsigned mmu_output_bits(unsigned ips) {
    static const uint8_t bits_by_encoding[] = {32, 36, 40, 42, 44, 48};
    /* Encodings above PARange (and the reserved ones) mean PARange (AArch64.TranslationTableWalk:
     * "if UInt(IPS) > UInt(PARange) then outputsize = PAMax()"). */
    if (ips >= sizeof bits_by_encoding || bits_by_encoding[ips] > MMU_PA_BITS) return MMU_PA_BITS;
    return bits_by_encoding[ips];
}

static unsigned clamp_input_bits(unsigned txsz) {
    unsigned input_bits = 64 - txsz;
    /* Out-of-range TxSZ: we take the Constraint_FORCE choice of Unpredictable_RESTnSZ. */
    if (input_bits > MAX_INPUT_BITS) return MAX_INPUT_BITS;
    if (input_bits < MIN_INPUT_BITS) return MIN_INPUT_BITS;
    return input_bits;
}

mmu_va_range mmu_select_va_range(const mmu_regime *regime, uint64_t va) {
    mmu_va_range range = {0};
    uint64_t tcr = regime->tcr;
    mmu_granule granule;
    unsigned txsz;

    range.upper = is_el10(regime) && mmu_bit(va, 55);
    if (range.upper) {
        txsz = (unsigned)mmu_bits(tcr, TCR_T1SZ_LO + 5, TCR_T1SZ_LO);
        granule = mmu_granule_from_tg1((unsigned)mmu_bits(tcr, TCR_TG1_LO + 1, TCR_TG1_LO),
                                       regime->granule_16k_implemented);
        range.ttbr = regime->ttbr1;
        range.disabled = mmu_bit(tcr, TCR_EPD1);
    } else {
        txsz = (unsigned)mmu_bits(tcr, TCR_T0SZ_LO + 5, TCR_T0SZ_LO);
        granule = mmu_granule_from_tg0((unsigned)mmu_bits(tcr, TCR_TG0_LO + 1, TCR_TG0_LO),
                                       regime->granule_16k_implemented);
        range.ttbr = regime->ttbr0;
        range.disabled = is_el10(regime) && mmu_bit(tcr, TCR_EPD0);
    }
    range.geometry = mmu_granule_geometry_of(granule);
    range.input_bits = clamp_input_bits(txsz);
    range.output_bits =
        is_el10(regime)
            ? mmu_output_bits((unsigned)mmu_bits(tcr, TCR_IPS_LO + 2, TCR_IPS_LO))
            : mmu_output_bits((unsigned)mmu_bits(tcr, TCR_ELX_PS_LO + 2, TCR_ELX_PS_LO));

    unsigned top = mmu_addr_top(regime, va);
    uint64_t checked = mmu_bits(va, top, range.input_bits);
    uint64_t all_ones = mmu_bits(~0ull, top, range.input_bits);
    range.in_range = checked == (range.upper ? all_ones : 0);
    return range;
}

uint16_t mmu_regime_asid(const mmu_regime *regime) {
    if (!is_el10(regime)) return 0;
    uint64_t ttbr = mmu_bit(regime->tcr, TCR_A1) ? regime->ttbr1 : regime->ttbr0;
    uint16_t asid = (uint16_t)(ttbr >> TTBR_ASID_LO);
    /* TCR_EL1.AS = 0: 8-bit ASIDs, the upper TTBR bits are ignored. */
    return mmu_bit(regime->tcr, TCR_AS) ? asid : (uint16_t)(asid & 0xff);
}
