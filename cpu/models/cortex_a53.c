/* Cortex-A53 r0p4 as in the BCM2837 (Raspberry Pi 3): ARMv8.0-A + CRC32, no crypto, no LSE.
 * AArch64 values: shared/notes/cortex-a53.md section 1; AArch32 values section 2 (the crypto
 * fields of ID_ISAR5 cleared: the BCM2837 has no Cryptography Extension). */
#include "models/cpu_model.h"

const cpu_model cpu_model_cortex_a53 = {
    .name = "cortex-a53",
    .description = "Cortex-A53 r0p4 (BCM2837)",
    .features = MF_AARCH64 | MF_AARCH32_EL0 | MF_AARCH32_EL1 | MF_AARCH32_EL2 | MF_AARCH32_EL3 |
                MF_EL2 | MF_EL3 | MF_THUMB2 | MF_VFPV3_D32 | MF_VFPV4 | MF_NEON | MF_IDIV |
                MF_LPAE | MF_GENERIC_TIMER | MF_CRC32 | MF_V8_AARCH32 | MF_PMUV3,
    .isas = MI_A64 | MI_A32 | MI_T32,
    .midr = 0x410FD034, /* Arm, r0p4, part 0xD03 */
    .revidr = 0,        /* erratum 843419 not marked fixed */
    .mpidr_base = 0x80000000u,
    .ctr = 0x84448004,   /* 64-byte lines, VIPT L1I */
    .clidr = 0x0A200023, /* L1 split, L2 unified; LoUIS 1, LoC 2, LoUU 1 */
    .aidr = 0,
    .ccsidr = {0x700FE01A, 0x201FE00A, 0x703FE07A}, /* L1D 32K 4-way, L1I 32K 2-way, L2 512K */
    .dczid = 4,                                     /* DC ZVA: 64 bytes */
    .id_aa64pfr0 = 0x2222, /* EL0-EL3 AArch64 + AArch32, FP and AdvSIMD, no GICv3 sysregs */
    .id_aa64pfr1 = 0,
    .id_aa64dfr0 = 0x10305106, /* v8.0 debug, PMUv3, 6 BRPs, 4 WRPs */
    .id_aa64isar0 = 0x10000,   /* CRC32 only */
    .id_aa64mmfr0 = 0x1122,    /* 40-bit PA, 16-bit ASID, 4K and 64K granules */
    .id_pfr0 = 0x00000131,
    .id_pfr1 = 0x00011011,
    .id_dfr0 = 0x03010066,
    .id_afr0 = 0,
    .id_mmfr = {0x10101105, 0x40000000, 0x01260000, 0x02102211, 0},
    .id_isar = {0x02101110, 0x13112111, 0x21232042, 0x01112131, 0x00011142, 0x00010001, 0},
    .mvfr = {0x10110222, 0x12111111, 0x00000043},
    .fpsid = 0x41034070,
    .dbgdidr = 0, /* not in the notes; AArch32 debug registers are not modelled */
};
