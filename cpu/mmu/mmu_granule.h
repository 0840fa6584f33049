/* Translation granule geometry (Arm ARM D5.2 "The VMSAv8-64 translation table format"): the
 * levels and index widths follow from the granule size alone. Internal to cpu/mmu. */
#ifndef CPU_MMU_MMU_GRANULE_H
#define CPU_MMU_MMU_GRANULE_H

#include <stdbool.h>
#include <stdint.h>

typedef enum mmu_granule { MMU_GRANULE_4K, MMU_GRANULE_16K, MMU_GRANULE_64K } mmu_granule;

typedef struct mmu_granule_geometry {
    uint8_t page_shift;        /* log2 of the granule (page) size */
    uint8_t index_bits;        /* VA bits resolved per level: page_shift - 3 */
    uint8_t first_block_level; /* lowest level allowed to hold a block (v8.0, no 52-bit PA) */
} mmu_granule_geometry;

const mmu_granule_geometry *mmu_granule_geometry_of(mmu_granule granule);

/* TG0 and TG1 encode the same sizes differently (TCR_EL1.TG0: 00 4K, 01 64K, 10 16K;
 * TCR_EL1.TG1: 01 16K, 10 4K, 11 64K). Reserved or unimplemented encodings give 4K. */
mmu_granule mmu_granule_from_tg0(unsigned tg0, bool granule_16k_implemented);
mmu_granule mmu_granule_from_tg1(unsigned tg1, bool granule_16k_implemented);

/* Level the walk starts at for an input address size (AArch64.TranslationTableWalk:
 * level = 4 - RoundUp((inputsize - grainsize) / stride)). */
unsigned mmu_start_level(const mmu_granule_geometry *g, unsigned input_bits);

/* Lowest VA bit indexed at level: the size of one entry's region at that level is 2^this. */
static inline unsigned mmu_level_shift(const mmu_granule_geometry *g, unsigned level) {
    return (3 - level) * g->index_bits + g->page_shift;
}

#endif
