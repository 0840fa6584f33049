/* System registers from one table (cpu/sysreg/a64_sysregs.c): encoding, name, access rules, reset
 * value, storage in arm_cpu or read/write hooks. */
#ifndef CPU_SYSREG_SYSREG_H
#define CPU_SYSREG_SYSREG_H

#include "arm_cpu.h"

/* op0:op1:CRn:CRm:op2 packed as in the MRS/MSR encoding bits [20:5] */
#define SYSREG_ENC(op0, op1, crn, crm, op2)                                                        \
    ((uint32_t)(((op0) << 14) | ((op1) << 11) | ((crn) << 7) | ((crm) << 3) | (op2)))

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
int sysreg_check(arm_cpu *c, const sysreg_def *r, bool is_read);
uint64_t sysreg_read(arm_cpu *c, const sysreg_def *r);
void sysreg_write(arm_cpu *c, const sysreg_def *r, uint64_t v);
void sysreg_reset(arm_cpu *c);

/* CNTPCT_EL0 / CNTVCT_EL0 (counter-poll detection). */
bool sysreg_is_counter(const sysreg_def *r);

#endif
