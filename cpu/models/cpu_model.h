/* CPU models as data: identification registers for both execution states and the features the
 * hardware has. One file per model (cortex_a53.c, cortex_a8.c), listed in models.c. The engine
 * (exec/cluster.c, sysreg/) reads the values from here; what the engine itself can run (the
 * instruction sets with a front end, AArch32 ELs) is decided there, not here. Values and their
 * sources: shared/notes/cortex-a53.md, cortex-a8.md. */
#ifndef CPU_MODELS_CPU_MODEL_H
#define CPU_MODELS_CPU_MODEL_H

#include <stdint.h>

/* Features of the hardware (cpu_model.features). */
enum {
    MF_AARCH64 = 1u << 0,        /* AArch64 execution state (ARMv8-A) */
    MF_AARCH32_EL0 = 1u << 1,    /* AArch32 at EL0 (an ARMv7 core: user mode) */
    MF_AARCH32_EL1 = 1u << 2,    /* AArch32 at EL1 (ARMv7: the PL1 modes) */
    MF_AARCH32_EL2 = 1u << 3,    /* AArch32 Hyp */
    MF_AARCH32_EL3 = 1u << 4,    /* AArch32 Monitor */
    MF_EL2 = 1u << 5,            /* EL2 / Virtualization Extensions */
    MF_EL3 = 1u << 6,            /* EL3 / Security Extensions */
    MF_THUMB2 = 1u << 7,         /* T32 (Thumb-2) */
    MF_THUMBEE = 1u << 8,        /* ThumbEE (ARMv7 A8) */
    MF_VFPV3_D32 = 1u << 9,      /* VFPv3 with 32 D registers */
    MF_VFPV4 = 1u << 10,         /* fused multiply-add, half-precision conversion */
    MF_NEON = 1u << 11,          /* Advanced SIMD (AArch32) / AdvSIMD (AArch64) */
    MF_IDIV = 1u << 12,          /* SDIV/UDIV in A32 and T32 */
    MF_LPAE = 1u << 13,          /* long-descriptor translation in AArch32 */
    MF_GENERIC_TIMER = 1u << 14, /* the Generic Timer system registers */
    MF_CRC32 = 1u << 15,         /* CRC32 instructions (both states) */
    MF_V8_AARCH32 = 1u << 16,    /* ARMv8 AArch32 additions: VRINT, VSEL, LDA/STL, SEVL... */
    MF_PMUV3 = 1u << 17,         /* PMUv3 system registers */
};

/* ISA bits for cpu_model.isas (bit n = ISA_* n of arm_cpu.h). */
enum { MI_A64 = 1u << 0, MI_A32 = 1u << 1, MI_T32 = 1u << 2 };

typedef struct cpu_model {
    const char *name;        /* "cortex-a53": the board's `cpu =` and --cpu */
    const char *description; /* "Cortex-A53 r0p4 (BCM2837)" */
    uint32_t features;       /* MF_* */
    uint32_t isas;           /* MI_*: instruction sets the hardware executes */
    /* identification, both states (the AArch32 views of MIDR, MPIDR, REVIDR, CTR, CLIDR, CCSIDR
     * are the same values) */
    uint32_t midr, revidr, mpidr_base;
    uint32_t ctr, clidr, aidr;
    uint32_t ccsidr[3]; /* by CSSELR: 0 L1D, 1 L1I, 2 L2 */
    uint32_t dczid;     /* AArch64 DCZID_EL0 */
    /* AArch64 ID registers (0 on an ARMv7 core) */
    uint64_t id_aa64pfr0, id_aa64pfr1, id_aa64dfr0, id_aa64dfr1, id_aa64afr0, id_aa64afr1;
    uint64_t id_aa64isar0, id_aa64isar1, id_aa64mmfr0, id_aa64mmfr1, id_aa64mmfr2;
    /* AArch32 ID registers (ID_*_EL1 in AArch64; CP15 c0 in AArch32) */
    uint32_t id_pfr0, id_pfr1, id_dfr0, id_afr0;
    uint32_t id_mmfr[5]; /* ID_MMFR0..4 */
    uint32_t id_isar[7]; /* ID_ISAR0..6 */
    uint32_t mvfr[3];    /* MVFR0..2 */
    uint32_t fpsid;
    uint32_t dbgdidr; /* CP14 debug ID (AArch32 view) */
} cpu_model;

/* The models socemu knows, NULL-terminated. */
extern const cpu_model *const cpu_models[];
/* The model called name, or NULL. */
const cpu_model *cpu_model_find(const char *name);

#endif
