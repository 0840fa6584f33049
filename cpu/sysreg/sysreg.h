/* System registers from one table (cpu/sysreg/a64_sysregs.c): encoding, name, access rules, reset
 * value, storage in arm_cpu or read/write hooks, and the AArch32 encodings (CP15/CP14 MRC/MCR or
 * MRRC/MCRR) the architecture maps onto the same register. */
#ifndef CPU_SYSREG_SYSREG_H
#define CPU_SYSREG_SYSREG_H

#include "arm_cpu.h"

/* op0:op1:CRn:CRm:op2 packed as in the MRS/MSR encoding bits [20:5] */
#define SYSREG_ENC(op0, op1, crn, crm, op2)                                                        \
    ((uint32_t)(((op0) << 14) | ((op1) << 11) | ((crn) << 7) | ((crm) << 3) | (op2)))

/* An AArch32 coprocessor register encoding: MRC/MCR p<cp>, opc1, <Rt>, CRn, CRm, opc2 (32-bit), or
 * MRRC/MCRR p<cp>, opc1, <Rt>, <Rt2>, CRm (64-bit). Nonzero for every valid encoding. */
#define SYSREG_CP32(cp, opc1, crn, crm, op2)                                                       \
    ((uint32_t)(SYSREG_CP_VALID | ((cp) << 16) | ((opc1) << 12) | ((crn) << 8) | ((crm) << 4) |    \
                (op2)))
#define SYSREG_CP64(cp, opc1, crm)                                                                 \
    ((uint32_t)(SYSREG_CP_VALID | SYSREG_CP_WIDE | ((cp) << 16) | ((opc1) << 12) | ((crm) << 4)))
enum { SYSREG_CP_VALID = 1u << 31, SYSREG_CP_WIDE = 1u << 30 };

/* Which bits of the AArch64 register an AArch32 encoding reaches. */
enum {
    SR_AA32_LO = 0, /* bits [31:0] (a 32-bit register, or the low word: MAIR0, DFAR) */
    SR_AA32_HI = 1, /* bits [63:32] (MAIR1, IFAR) */
    SR_AA32_64 = 2  /* all 64 bits (MRRC/MCRR: TTBR0, CNTVCT) */
};

/* Result of an access check */
enum {
    SR_OK = 0,
    SR_UNDEF,    /* UNDEFINED at this EL: EC 0x00 */
    SR_TRAP_EL1, /* trapped to EL1 as EC 0x18 (EL0 accesses Linux emulates or refuses) */
    SR_TRAP_EL2, /* trapped to EL2 as EC 0x18 (CNTHCTL_EL2, ...) */
    SR_TRAP_FP   /* FP/SIMD disabled: EC 0x07 */
};

typedef struct sysreg_def sysreg_def;
struct sysreg_def {
    const char *name;
    uint32_t enc;
    uint8_t min_el; /* lowest EL that may access it without a check hook */
    uint8_t flags;  /* SRF_* */
    int32_t offset; /* storage in arm_cpu, or -1 */
    uint64_t reset; /* value stored at reset (storage registers) or the constant (SRF_CONST) */
    int (*check)(arm_cpu *c, const sysreg_def *r, bool is_read); /* NULL: min_el rule only */
    uint64_t (*read)(arm_cpu *c, const sysreg_def *r);
    void (*write)(arm_cpu *c, const sysreg_def *r, uint64_t v);
    unsigned arg; /* hook argument (timer number, counter index, ...) */
    /* AArch32 views (SYSREG_CP32/CP64 encodings; 0 = none), indexed by SR_AA32_*. The A53's
     * AArch32 EL0/EL1 reach these rows; an ARMv7 core's own CP15 registers come as rows of their
     * own. */
    uint32_t aa32[3];
};
enum {
    SRF_RO = 1,    /* writes UNDEFINED */
    SRF_WO = 2,    /* reads UNDEFINED */
    SRF_CONST = 4, /* reads return reset; writes ignored unless RO */
    SRF_RAZWI = 8, /* reads zero, writes ignored */
    SRF_TLB = 16,  /* a write changes translation: flush this core's TLBs */
    SRF_ASID = 32  /* a write may change the current ASID (TTBRn_EL1, CONTEXTIDR): no flush */
};

/* Finds the register for an encoding (NULL: unallocated, UNDEFINED). Unlisted registers of the
 * ID space (op0=3, op1=0, CRn=0, CRm=1..7) return a shared read-as-zero entry. */
const sysreg_def *sysreg_find(uint32_t enc);
const sysreg_def *sysreg_find_name(const char *name);
/* The row an AArch32 encoding (SYSREG_CP32/CP64) maps onto and which part (SR_AA32_*), or NULL. */
const sysreg_def *sysreg_find_aa32(uint32_t cp_enc, unsigned *part);
/* Reads/writes through an AArch32 view: the part's bits of the AArch64 register (a 32-bit view
 * writes only its half, the other half kept). Access checks are the caller's (sysreg_check). */
uint64_t sysreg_read_aa32(arm_cpu *c, const sysreg_def *r, unsigned part);
void sysreg_write_aa32(arm_cpu *c, const sysreg_def *r, unsigned part, uint64_t v);
int sysreg_check(arm_cpu *c, const sysreg_def *r, bool is_read);
uint64_t sysreg_read(arm_cpu *c, const sysreg_def *r);
void sysreg_write(arm_cpu *c, const sysreg_def *r, uint64_t v);
void sysreg_reset(arm_cpu *c);

/* CNTPCT_EL0 / CNTVCT_EL0 (counter-poll detection). */
bool sysreg_is_counter(const sysreg_def *r);

#endif
