/* Fault status codes (ESR_ELx.ISS DFSC/IFSC, PAR_EL1.FST) of the long-descriptor format. */
#include "mmu/mmu_walk.h"

uint8_t mmu_fault_status_code(mmu_fault fault) {
    unsigned level = fault.level & 3;
    switch (fault.type) {
    case MMU_FAULT_NONE: return 0;
    case MMU_FAULT_ADDRESS_SIZE: return (uint8_t)(0x00 | level);           /* 0b0000LL */
    case MMU_FAULT_TRANSLATION: return (uint8_t)(0x04 | level);            /* 0b0001LL */
    case MMU_FAULT_ACCESS_FLAG: return (uint8_t)(0x08 | level);            /* 0b0010LL */
    case MMU_FAULT_PERMISSION: return (uint8_t)(0x0c | level);             /* 0b0011LL */
    case MMU_FAULT_EXTERNAL_ABORT: return 0x10;                            /* 0b010000 */
    case MMU_FAULT_EXTERNAL_ABORT_ON_WALK: return (uint8_t)(0x14 | level); /* 0b0101LL */
    case MMU_FAULT_ALIGNMENT: return 0x21;                                 /* 0b100001 */
    }
    return 0;
}
