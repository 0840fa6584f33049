/* Cortex-A8 r3p2 as in the AM3358 (BeagleBone Black): ARMv7-A, VFPv3-D32 + NEON, ThumbEE,
 * Security Extensions; no virtualization, generic timer, LPAE, divide or VFPv4. Values:
 * shared/notes/cortex-a8.md sections 1 and 3. Data only until the A32/T32 front ends exist
 * (cpu_cluster_new refuses a model whose instruction sets socemu cannot run). */
#include "models/cpu_model.h"

const cpu_model cpu_model_cortex_a8 = {
    .name = "cortex-a8",
    .description = "Cortex-A8 r3p2 (AM335x)",
    .features = MF_AARCH32_EL0 | MF_AARCH32_EL1 | MF_AARCH32_EL3 | MF_EL3 | MF_THUMB2 | MF_THUMBEE |
                MF_VFPV3_D32 | MF_NEON,
    .isas = MI_A32 | MI_T32,
    .midr = 0x413FC082, /* Arm, r3p2, part 0xC08 */
    .revidr = 0,
    .mpidr_base = 0,     /* uniprocessor format: Linux patches SMP code to UP */
    .ctr = 0x82048004,   /* ARMv7 format, 64-byte D and I lines */
    .clidr = 0x0A000023, /* L1 split, L2 unified, LoC 2, LoUU 1 */
    .aidr = 0,
    /* L1D 32K 4-way, L1I 32K 4-way, L2 256K 8-way; the L2's policy nibble is unverified (the
     * notes'; Linux does not use it): L1D's is taken. */
    .ccsidr = {0xE00FE01A, 0x200FE01A, 0xE03FE03A},
    .dczid = 0,
    .id_pfr0 = 0x1031, /* ARM, Thumb-2, ThumbEE */
    .id_pfr1 = 0x11,   /* Security Extensions, programmers' model; no virt., no generic timer */
    .id_dfr0 = 0x400,  /* v7 memory-mapped debug */
    .id_afr0 = 0,
    .id_mmfr = {0x31100003, 0x20000000, 0x01202000, 0x11, 0}, /* VMSAv7 without LPAE */
    .id_isar = {0x00101111, 0x12112111, 0x21232031, 0x11112131, 0x00111142, 0, 0},
    .mvfr = {0x11110222, 0x00011111, 0}, /* VFPv3-D32; NEON without FMA or half precision */
    .fpsid = 0x410330C3,                 /* VFPv3, part 0x30, variant 0xC, rev 3 */
    .dbgdidr = 0x15141000,               /* debug architecture v7.0 (field 4) */
};
