#include "mmu_granule.h"

static const mmu_granule_geometry granule_table[] = {
    [MMU_GRANULE_4K] = {.page_shift = 12, .index_bits = 9, .first_block_level = 1},
    /* 16K level 1 and 64K level 1 blocks need 52-bit PA (v8.2 LPA): level 2 is the first here. */
    [MMU_GRANULE_16K] = {.page_shift = 14, .index_bits = 11, .first_block_level = 2},
    [MMU_GRANULE_64K] = {.page_shift = 16, .index_bits = 13, .first_block_level = 2},
};

const mmu_granule_geometry *mmu_granule_geometry_of(mmu_granule granule) {
    return &granule_table[granule];
}

mmu_granule mmu_granule_from_tg0(unsigned tg0, bool granule_16k_implemented) {
    switch (tg0 & 3) {
    case 1: return MMU_GRANULE_64K;
    case 2: return granule_16k_implemented ? MMU_GRANULE_16K : MMU_GRANULE_4K;
    default: return MMU_GRANULE_4K; /* 00, and reserved 11 */
    }
}

mmu_granule mmu_granule_from_tg1(unsigned tg1, bool granule_16k_implemented) {
    switch (tg1 & 3) {
    case 1: return granule_16k_implemented ? MMU_GRANULE_16K : MMU_GRANULE_4K;
    case 3: return MMU_GRANULE_64K;
    default: return MMU_GRANULE_4K; /* 10, and reserved 00 */
    }
}

unsigned mmu_start_level(const mmu_granule_geometry *g, unsigned input_bits) {
    /* Integer form of 4 - ceil((input_bits - page_shift) / index_bits). */
    return 3 - (input_bits - g->page_shift - 1) / g->index_bits;
}
