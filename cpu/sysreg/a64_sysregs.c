/* The AArch64 system registers of the Cortex-A53, one table. Each line: name, encoding, lowest EL,
 * flags, storage (offset in arm_cpu) or hooks, reset value. Values: shared/notes/cortex-a53.md. */
#include <string.h>

#include "a64/a64.h"
#include "exec/block_cache.h"
#include "sysreg/sysreg.h"
#include "timer/generic_timer.h"

#define OFF(field)                 ((int32_t)offsetof(arm_cpu, field))
#define E(op0, op1, crn, crm, op2) SYSREG_ENC(op0, op1, crn, crm, op2)

/* ---- access checks ------------------------------------------------------------------------ */
static uint64_t sctlr_el1(const arm_cpu *c) {
    return c->sctlr[1];
}

/* EL0 reads of the ID space trap to EL1 as EC 0x18 (Linux emulates MRS of MIDR_EL1 & co). */
static int chk_id(arm_cpu *c, const sysreg_def *r, bool rd) {
    if (c->el == 0) return SR_TRAP_EL1;
    return rd || !(r->flags & SRF_RO) ? SR_OK : SR_UNDEF;
}
static int chk_ctr(arm_cpu *c, const sysreg_def *r, bool rd) {
    if (c->el == 0 && !(sctlr_el1(c) & (1u << 15))) return SR_TRAP_EL1; /* SCTLR_EL1.UCT */
    return SR_OK;
}
static int chk_el0_rw(arm_cpu *c, const sysreg_def *r, bool rd) {
    return SR_OK;
}
static int chk_tpidrro(arm_cpu *c, const sysreg_def *r, bool rd) {
    return c->el == 0 && !rd ? SR_UNDEF : SR_OK;
}
static int chk_fp(arm_cpu *c, const sysreg_def *r, bool rd) {
    return c->fp_trap_el ? SR_TRAP_FP : SR_OK;
}
static int chk_daif(arm_cpu *c, const sysreg_def *r, bool rd) {
    return c->el == 0 && !(sctlr_el1(c) & (1u << 9)) ? SR_TRAP_EL1 : SR_OK; /* UMA */
}
static int chk_sp_el0(arm_cpu *c, const sysreg_def *r, bool rd) {
    if (c->el == 0) return SR_UNDEF;
    return c->spsel == 0 ? SR_UNDEF : SR_OK;
}
/* Counter and timers: CNTKCTL_EL1 gates EL0, CNTHCTL_EL2 gates EL1 physical access. */
static int chk_cnt(arm_cpu *c, const sysreg_def *r, bool rd) {
    unsigned kind = r->arg; /* 0 frq, 1 pct, 2 vct, 3 phys timer, 4 virt timer */
    uint64_t k = c->cntkctl_el1;
    if (c->el == 0) {
        bool ok = kind == 0   ? (k & 3) != 0
                  : kind == 1 ? (k & 1)
                  : kind == 2 ? (k & 2) != 0
                  : kind == 3 ? (k & (1u << 9)) != 0
                              : (k & (1u << 8)) != 0;
        if (kind == 0 && !rd) return SR_UNDEF;
        if (!ok) return SR_TRAP_EL1;
    }
    if (kind == 0 && !rd && c->el < 3) return SR_UNDEF; /* only the highest EL sets CNTFRQ */
    if (c->el <= 1 && (c->scr_el3 & 1)) {
        if (kind == 1 && !(c->cnthctl_el2 & 1)) return SR_TRAP_EL2;
        if (kind == 3 && !(c->cnthctl_el2 & 2)) return SR_TRAP_EL2;
    }
    return SR_OK;
}
static int chk_pmu(arm_cpu *c, const sysreg_def *r, bool rd) {
    return c->el == 0 && !(c->pmuserenr_el0 & 1) ? SR_TRAP_EL1 : SR_OK;
}
static int chk_dczid(arm_cpu *c, const sysreg_def *r, bool rd) {
    return SR_OK;
}

/* ---- hooks ---------------------------------------------------------------------------------- */
static uint64_t rd_midr(arm_cpu *c, const sysreg_def *r) {
    return c->el == 1 && (c->scr_el3 & 1) ? c->vpidr_el2 : c->midr;
}
static uint64_t rd_mpidr(arm_cpu *c, const sysreg_def *r) {
    return c->el == 1 && (c->scr_el3 & 1) ? c->vmpidr_el2 : c->mpidr;
}
static uint64_t rd_ccsidr(arm_cpu *c, const sysreg_def *r) {
    switch (c->csselr_el1 & 0xf) {
    case 0: return 0x700FE01A; /* L1D 32 KiB 4-way */
    case 1: return 0x201FE00A; /* L1I 32 KiB 2-way */
    case 2: return 0x703FE07A; /* L2 512 KiB 16-way */
    default: return 0;
    }
}
static uint64_t rd_dczid(arm_cpu *c, const sysreg_def *r) {
    bool prohibited = c->el == 0 && !(sctlr_el1(c) & (1u << 14)); /* SCTLR_EL1.DZE */
    return 4 | (prohibited ? 16 : 0);
}
static uint64_t rd_l2ctlr(arm_cpu *c, const sysreg_def *r) {
    return (c->l2ctlr_el1 & ~(3ull << 24)) | ((uint64_t)(c->cluster->n - 1) << 24);
}
static uint64_t rd_nzcv(arm_cpu *c, const sysreg_def *r) {
    return c->nzcv;
}
static void wr_nzcv(arm_cpu *c, const sysreg_def *r, uint64_t v) {
    c->nzcv = v & 0xf0000000u;
}
static uint64_t rd_daif(arm_cpu *c, const sysreg_def *r) {
    return c->daif;
}
static void wr_daif(arm_cpu *c, const sysreg_def *r, uint64_t v) {
    c->daif = v & 0x3c0;
    cpu_check_interrupts(c);
}
static uint64_t rd_current_el(arm_cpu *c, const sysreg_def *r) {
    return c->el << 2;
}
static uint64_t rd_spsel(arm_cpu *c, const sysreg_def *r) {
    return c->spsel;
}
static void wr_spsel(arm_cpu *c, const sysreg_def *r, uint64_t v) {
    cpu_set_pstate_el(c, c->el, v & 1);
}
static uint64_t rd_sp_elx(arm_cpu *c, const sysreg_def *r) {
    unsigned n = r->arg;
    return (c->spsel ? c->el : 0) == n ? c->sp : c->sp_el[n];
}
static void wr_sp_elx(arm_cpu *c, const sysreg_def *r, uint64_t v) {
    unsigned n = r->arg;
    if ((c->spsel ? c->el : 0) == n)
        c->sp = v;
    else
        c->sp_el[n] = v;
}
static uint64_t rd_fpcr(arm_cpu *c, const sysreg_def *r) {
    return c->fpcr;
}
static void wr_fpcr(arm_cpu *c, const sysreg_def *r, uint64_t v) {
    /* AHP DN FZ RMode Stride Len. RES0 on the A53: FZ16 (no FP16 arithmetic), the trap enables
     * IDE IXE UFE OFE DZE IOE (no FP exception trapping; they read as zero). */
    c->fpcr = v & 0x07f70000u;
}
static uint64_t rd_fpsr(arm_cpu *c, const sysreg_def *r) {
    return c->fpsr;
}
static void wr_fpsr(arm_cpu *c, const sysreg_def *r, uint64_t v) {
    c->fpsr = v & 0xf800009fu;
}
static uint64_t rd_cntpct(arm_cpu *c, const sysreg_def *r) {
    uint64_t v = timer_read_cntpct(c);
    return r->arg == 2 ? v - c->cntvoff_el2 : v;
}
bool sysreg_is_counter(const sysreg_def *r) {
    return r->read == rd_cntpct;
}
static uint64_t rd_timer(arm_cpu *c, const sysreg_def *r) {
    return timer_reg_read(c, r->arg >> 2, r->arg & 3);
}
static void wr_timer(arm_cpu *c, const sysreg_def *r, uint64_t v) {
    timer_reg_write(c, r->arg >> 2, r->arg & 3, v);
}
static void wr_cntkctl(arm_cpu *c, const sysreg_def *r, uint64_t v) {
    c->cntkctl_el1 = v & 0x3ff;
    timer_update(c);
}
static void wr_cntvoff(arm_cpu *c, const sysreg_def *r, uint64_t v) {
    c->cntvoff_el2 = v;
    timer_update(c);
}
static void wr_isr_none(arm_cpu *c, const sysreg_def *r, uint64_t v) {}
static uint64_t rd_isr(arm_cpu *c, const sysreg_def *r) {
    return (c->irq_line ? 1u << 7 : 0) | (c->fiq_line ? 1u << 6 : 0) |
           (c->serror_line ? 1u << 8 : 0);
}
/* PMU */
static uint64_t insns_now(const arm_cpu *c) {
    return c->total_insns + c->insns_slice;
}
static uint64_t rd_pmccntr(arm_cpu *c, const sysreg_def *r) {
    return c->pmccntr_base + insns_now(c);
}
static void wr_pmccntr(arm_cpu *c, const sysreg_def *r, uint64_t v) {
    c->pmccntr_base = v - insns_now(c);
}
static uint64_t rd_pmcr(arm_cpu *c, const sysreg_def *r) {
    return 0x41033000u | (c->pmcr_el0 & 0xff);
}
static void wr_pmcr(arm_cpu *c, const sysreg_def *r, uint64_t v) {
    if (v & 4) c->pmccntr_base = -insns_now(c);
    if (v & 2) memset(c->pmevcntr, 0, sizeof c->pmevcntr);
    c->pmcr_el0 = v & 0xe9; /* LC, DP, X, D, E (C and P are write-only actions) */
}
static uint64_t *set_clr_field(arm_cpu *c, unsigned which) {
    return which == 0 ? &c->pmcnten : which == 1 ? &c->pminten : &c->pmovs;
}
static uint64_t rd_setclr(arm_cpu *c, const sysreg_def *r) {
    return *set_clr_field(c, r->arg >> 1);
}
static void wr_setclr(arm_cpu *c, const sysreg_def *r, uint64_t v) {
    uint64_t *f = set_clr_field(c, r->arg >> 1);
    v &= 0x8000003fu;
    if (r->arg & 1)
        *f &= ~v;
    else
        *f |= v;
}
static uint64_t *pmev(arm_cpu *c, unsigned n, bool type) {
    static uint64_t sink;
    if (n >= 6) return (sink = 0, &sink);
    return type ? &c->pmevtyper[n] : &c->pmevcntr[n];
}
static uint64_t rd_pmev(arm_cpu *c, const sysreg_def *r) {
    unsigned n = r->arg & 31;
    if (n == 31) return r->arg & 32 ? c->pmccfiltr_el0 : rd_pmccntr(c, r);
    return *pmev(c, n, r->arg & 32);
}
static void wr_pmev(arm_cpu *c, const sysreg_def *r, uint64_t v) {
    unsigned n = r->arg & 31;
    if (n == 31) {
        if (r->arg & 32)
            c->pmccfiltr_el0 = v;
        else
            wr_pmccntr(c, r, v);
        return;
    }
    *pmev(c, n, r->arg & 32) = r->arg & 32 ? v : (uint32_t)v;
}
static uint64_t rd_pmxev(arm_cpu *c, const sysreg_def *r) {
    sysreg_def t = *r;
    t.arg = (r->arg & 32) | (c->pmselr_el0 & 31);
    return rd_pmev(c, &t);
}
static void wr_pmxev(arm_cpu *c, const sysreg_def *r, uint64_t v) {
    sysreg_def t = *r;
    t.arg = (r->arg & 32) | (c->pmselr_el0 & 31);
    wr_pmev(c, &t, v);
}

/* ---- the table ------------------------------------------------------------------------------ */
#define STORE(n, enc, el, field, rst)                                                              \
    { #n, enc, el, 0, OFF(field), rst, NULL, NULL, NULL, 0 }
#define STORE_TLB(n, enc, el, field, rst)                                                          \
    { #n, enc, el, SRF_TLB, OFF(field), rst, NULL, NULL, NULL, 0 }
#define STORE_ASID(n, enc, el, field, rst)                                                         \
    { #n, enc, el, SRF_ASID, OFF(field), rst, NULL, NULL, NULL, 0 }
#define CONST(n, enc, el, val)                                                                     \
    { #n, enc, el, SRF_RO | SRF_CONST, -1, val, NULL, NULL, NULL, 0 }
#define ID(n, enc, val)                                                                            \
    { #n, enc, 1, SRF_RO | SRF_CONST, -1, val, chk_id, NULL, NULL, 0 }
#define RAZWI(n, enc, el)                                                                          \
    { #n, enc, el, SRF_RAZWI, -1, 0, NULL, NULL, NULL, 0 }
#define HOOK(n, enc, el, fl, chk, rd, wr, a)                                                       \
    { #n, enc, el, fl, -1, 0, chk, rd, wr, a }
#define HOOK_STORE(n, enc, el, field, rst, chk, rd, wr, a)                                         \
    { #n, enc, el, 0, OFF(field), rst, chk, rd, wr, a }

static const sysreg_def table[] = {
    /* identification */
    HOOK(MIDR_EL1, E(3, 0, 0, 0, 0), 1, SRF_RO, chk_id, rd_midr, NULL, 0),
    HOOK(MPIDR_EL1, E(3, 0, 0, 0, 5), 1, SRF_RO, chk_id, rd_mpidr, NULL, 0),
    ID(REVIDR_EL1, E(3, 0, 0, 0, 6), 0),
    ID(ID_PFR0_EL1, E(3, 0, 0, 1, 0), 0x00000131),
    ID(ID_PFR1_EL1, E(3, 0, 0, 1, 1), 0x00011011),
    ID(ID_DFR0_EL1, E(3, 0, 0, 1, 2), 0x03010066),
    ID(ID_AFR0_EL1, E(3, 0, 0, 1, 3), 0),
    ID(ID_MMFR0_EL1, E(3, 0, 0, 1, 4), 0x10101105),
    ID(ID_MMFR1_EL1, E(3, 0, 0, 1, 5), 0x40000000),
    ID(ID_MMFR2_EL1, E(3, 0, 0, 1, 6), 0x01260000),
    ID(ID_MMFR3_EL1, E(3, 0, 0, 1, 7), 0x02102211),
    ID(ID_ISAR0_EL1, E(3, 0, 0, 2, 0), 0x02101110),
    ID(ID_ISAR1_EL1, E(3, 0, 0, 2, 1), 0x13112111),
    ID(ID_ISAR2_EL1, E(3, 0, 0, 2, 2), 0x21232042),
    ID(ID_ISAR3_EL1, E(3, 0, 0, 2, 3), 0x01112131),
    ID(ID_ISAR4_EL1, E(3, 0, 0, 2, 4), 0x00011142),
    ID(ID_ISAR5_EL1, E(3, 0, 0, 2, 5), 0x00010001),
    ID(MVFR0_EL1, E(3, 0, 0, 3, 0), 0x10110222),
    ID(MVFR1_EL1, E(3, 0, 0, 3, 1), 0x12111111),
    ID(MVFR2_EL1, E(3, 0, 0, 3, 2), 0x00000043),
    ID(ID_AA64PFR0_EL1, E(3, 0, 0, 4, 0), 0x2222),
    ID(ID_AA64PFR1_EL1, E(3, 0, 0, 4, 1), 0),
    ID(ID_AA64DFR0_EL1, E(3, 0, 0, 5, 0), 0x10305106),
    ID(ID_AA64DFR1_EL1, E(3, 0, 0, 5, 1), 0),
    ID(ID_AA64AFR0_EL1, E(3, 0, 0, 5, 4), 0),
    ID(ID_AA64AFR1_EL1, E(3, 0, 0, 5, 5), 0),
    ID(ID_AA64ISAR0_EL1, E(3, 0, 0, 6, 0), 0x10000),
    ID(ID_AA64ISAR1_EL1, E(3, 0, 0, 6, 1), 0),
    ID(ID_AA64MMFR0_EL1, E(3, 0, 0, 7, 0), 0x1122),
    ID(ID_AA64MMFR1_EL1, E(3, 0, 0, 7, 1), 0),
    ID(ID_AA64MMFR2_EL1, E(3, 0, 0, 7, 2), 0),
    HOOK(CCSIDR_EL1, E(3, 1, 0, 0, 0), 1, SRF_RO, NULL, rd_ccsidr, NULL, 0),
    CONST(CLIDR_EL1, E(3, 1, 0, 0, 1), 1, 0x0A200023),
    CONST(AIDR_EL1, E(3, 1, 0, 0, 7), 1, 0),
    STORE(CSSELR_EL1, E(3, 2, 0, 0, 0), 1, csselr_el1, 0),
    {"CTR_EL0", E(3, 3, 0, 0, 1), 0, SRF_RO | SRF_CONST, -1, 0x84448004, chk_ctr, NULL, NULL, 0},
    HOOK(DCZID_EL0, E(3, 3, 0, 0, 7), 0, SRF_RO, chk_dczid, rd_dczid, NULL, 0),
    STORE(VPIDR_EL2, E(3, 4, 0, 0, 0), 2, vpidr_el2, 0x410FD034),
    STORE(VMPIDR_EL2, E(3, 4, 0, 0, 5), 2, vmpidr_el2, 0x80000000),
    /* system control */
    STORE_TLB(SCTLR_EL1, E(3, 0, 1, 0, 0), 1, sctlr[1], 0x00C50838),
    STORE(ACTLR_EL1, E(3, 0, 1, 0, 1), 1, actlr[1], 0),
    STORE(CPACR_EL1, E(3, 0, 1, 0, 2), 1, cpacr_el1, 0),
    STORE_TLB(SCTLR_EL2, E(3, 4, 1, 0, 0), 2, sctlr[2], 0x30C50838),
    STORE(ACTLR_EL2, E(3, 4, 1, 0, 1), 2, actlr[2], 0),
    STORE_TLB(HCR_EL2, E(3, 4, 1, 1, 0), 2, hcr_el2, 0),
    STORE(MDCR_EL2, E(3, 4, 1, 1, 1), 2, mdcr_el2, 6),
    STORE(CPTR_EL2, E(3, 4, 1, 1, 2), 2, cptr_el2, 0x33ff),
    STORE(HSTR_EL2, E(3, 4, 1, 1, 3), 2, hstr_el2, 0),
    STORE(HACR_EL2, E(3, 4, 1, 1, 7), 2, hacr_el2, 0),
    STORE_TLB(SCTLR_EL3, E(3, 6, 1, 0, 0), 3, sctlr[3], 0x30C50838),
    STORE(ACTLR_EL3, E(3, 6, 1, 0, 1), 3, actlr[3], 0),
    STORE_TLB(SCR_EL3, E(3, 6, 1, 1, 0), 3, scr_el3, 0),
    STORE(SDER32_EL3, E(3, 6, 1, 1, 1), 3, sder32_el3, 0),
    STORE(CPTR_EL3, E(3, 6, 1, 1, 2), 3, cptr_el3, 0),
    STORE(MDCR_EL3, E(3, 6, 1, 3, 1), 3, mdcr_el3, 0),
    /* translation */
    STORE_ASID(TTBR0_EL1, E(3, 0, 2, 0, 0), 1, ttbr0[1], 0),
    STORE_ASID(TTBR1_EL1, E(3, 0, 2, 0, 1), 1, ttbr1[1], 0),
    STORE_TLB(TCR_EL1, E(3, 0, 2, 0, 2), 1, tcr[1], 0),
    STORE_TLB(TTBR0_EL2, E(3, 4, 2, 0, 0), 2, ttbr0[2], 0),
    STORE_TLB(TCR_EL2, E(3, 4, 2, 0, 2), 2, tcr[2], 0),
    STORE(VTTBR_EL2, E(3, 4, 2, 1, 0), 2, vttbr_el2, 0),
    STORE(VTCR_EL2, E(3, 4, 2, 1, 2), 2, vtcr_el2, 0),
    STORE_TLB(TTBR0_EL3, E(3, 6, 2, 0, 0), 3, ttbr0[3], 0),
    STORE_TLB(TCR_EL3, E(3, 6, 2, 0, 2), 3, tcr[3], 0),
    STORE(DACR32_EL2, E(3, 4, 3, 0, 0), 2, dacr32_el2, 0),
    STORE_TLB(MAIR_EL1, E(3, 0, 10, 2, 0), 1, mair[1], 0),
    STORE(AMAIR_EL1, E(3, 0, 10, 3, 0), 1, amair[1], 0),
    STORE_TLB(MAIR_EL2, E(3, 4, 10, 2, 0), 2, mair[2], 0),
    STORE(AMAIR_EL2, E(3, 4, 10, 3, 0), 2, amair[2], 0),
    STORE_TLB(MAIR_EL3, E(3, 6, 10, 2, 0), 3, mair[3], 0),
    STORE(AMAIR_EL3, E(3, 6, 10, 3, 0), 3, amair[3], 0),
    STORE(PAR_EL1, E(3, 0, 7, 4, 0), 1, par_el1, 0),
    STORE_ASID(CONTEXTIDR_EL1, E(3, 0, 13, 0, 1), 1, contextidr_el1, 0),
    /* exception handling */
    STORE(SPSR_EL1, E(3, 0, 4, 0, 0), 1, spsr[1], 0),
    STORE(ELR_EL1, E(3, 0, 4, 0, 1), 1, elr[1], 0),
    HOOK(SP_EL0, E(3, 0, 4, 1, 0), 1, 0, chk_sp_el0, rd_sp_elx, wr_sp_elx, 0),
    HOOK(SPSel, E(3, 0, 4, 2, 0), 1, 0, NULL, rd_spsel, wr_spsel, 0),
    HOOK(CurrentEL, E(3, 0, 4, 2, 2), 1, SRF_RO, NULL, rd_current_el, NULL, 0),
    HOOK(DAIF, E(3, 3, 4, 2, 1), 0, 0, chk_daif, rd_daif, wr_daif, 0),
    HOOK(NZCV, E(3, 3, 4, 2, 0), 0, 0, chk_el0_rw, rd_nzcv, wr_nzcv, 0),
    HOOK(FPCR, E(3, 3, 4, 4, 0), 0, 0, chk_fp, rd_fpcr, wr_fpcr, 0),
    HOOK(FPSR, E(3, 3, 4, 4, 1), 0, 0, chk_fp, rd_fpsr, wr_fpsr, 0),
    RAZWI(DSPSR_EL0, E(3, 3, 4, 5, 0), 1),
    RAZWI(DLR_EL0, E(3, 3, 4, 5, 1), 1),
    STORE(SPSR_EL2, E(3, 4, 4, 0, 0), 2, spsr[2], 0),
    STORE(ELR_EL2, E(3, 4, 4, 0, 1), 2, elr[2], 0),
    HOOK(SP_EL1, E(3, 4, 4, 1, 0), 2, 0, NULL, rd_sp_elx, wr_sp_elx, 1),
    STORE(SPSR_irq, E(3, 4, 4, 3, 0), 2, spsr_irq, 0),
    STORE(SPSR_abt, E(3, 4, 4, 3, 1), 2, spsr_abt, 0),
    STORE(SPSR_und, E(3, 4, 4, 3, 2), 2, spsr_und, 0),
    STORE(SPSR_fiq, E(3, 4, 4, 3, 3), 2, spsr_fiq, 0),
    STORE(SPSR_EL3, E(3, 6, 4, 0, 0), 3, spsr[3], 0),
    STORE(ELR_EL3, E(3, 6, 4, 0, 1), 3, elr[3], 0),
    HOOK(SP_EL2, E(3, 6, 4, 1, 0), 3, 0, NULL, rd_sp_elx, wr_sp_elx, 2),
    STORE(AFSR0_EL1, E(3, 0, 5, 1, 0), 1, afsr0[1], 0),
    STORE(AFSR1_EL1, E(3, 0, 5, 1, 1), 1, afsr1[1], 0),
    STORE(ESR_EL1, E(3, 0, 5, 2, 0), 1, esr[1], 0),
    STORE(IFSR32_EL2, E(3, 4, 5, 0, 1), 2, ifsr32_el2, 0),
    STORE(AFSR0_EL2, E(3, 4, 5, 1, 0), 2, afsr0[2], 0),
    STORE(AFSR1_EL2, E(3, 4, 5, 1, 1), 2, afsr1[2], 0),
    STORE(ESR_EL2, E(3, 4, 5, 2, 0), 2, esr[2], 0),
    STORE(FPEXC32_EL2, E(3, 4, 5, 3, 0), 2, fpexc32_el2, 0x700),
    STORE(AFSR0_EL3, E(3, 6, 5, 1, 0), 3, afsr0[3], 0),
    STORE(AFSR1_EL3, E(3, 6, 5, 1, 1), 3, afsr1[3], 0),
    STORE(ESR_EL3, E(3, 6, 5, 2, 0), 3, esr[3], 0),
    STORE(FAR_EL1, E(3, 0, 6, 0, 0), 1, far[1], 0),
    STORE(FAR_EL2, E(3, 4, 6, 0, 0), 2, far[2], 0),
    STORE(HPFAR_EL2, E(3, 4, 6, 0, 4), 2, hpfar_el2, 0),
    STORE(FAR_EL3, E(3, 6, 6, 0, 0), 3, far[3], 0),
    STORE(VBAR_EL1, E(3, 0, 12, 0, 0), 1, vbar[1], 0),
    HOOK(ISR_EL1, E(3, 0, 12, 1, 0), 1, SRF_RO, NULL, rd_isr, wr_isr_none, 0),
    STORE(VBAR_EL2, E(3, 4, 12, 0, 0), 2, vbar[2], 0),
    STORE(VBAR_EL3, E(3, 6, 12, 0, 0), 3, vbar[3], 0),
    STORE(RVBAR_EL3, E(3, 6, 12, 0, 1), 3, rvbar_el3, 0),
    STORE(RMR_EL3, E(3, 6, 12, 0, 2), 3, rmr_el3, 1),
    /* thread ID */
    STORE(TPIDR_EL1, E(3, 0, 13, 0, 4), 1, tpidr[1], 0),
    HOOK_STORE(TPIDR_EL0, E(3, 3, 13, 0, 2), 0, tpidr_el0, 0, chk_el0_rw, NULL, NULL, 0),
    HOOK_STORE(TPIDRRO_EL0, E(3, 3, 13, 0, 3), 0, tpidrro_el0, 0, chk_tpidrro, NULL, NULL, 0),
    STORE(TPIDR_EL2, E(3, 4, 13, 0, 2), 2, tpidr[2], 0),
    STORE(TPIDR_EL3, E(3, 6, 13, 0, 2), 3, tpidr[3], 0),
    /* generic timer: arg = timer << 2 | reg (0 CTL, 1 CVAL, 2 TVAL); chk arg = kind */
    {"CNTFRQ_EL0", E(3, 3, 14, 0, 0), 0, 0, OFF(cntfrq_el0), CNT_FREQ_HZ, chk_cnt, NULL, NULL, 0},
    HOOK(CNTPCT_EL0, E(3, 3, 14, 0, 1), 0, SRF_RO, chk_cnt, rd_cntpct, NULL, 1),
    HOOK(CNTVCT_EL0, E(3, 3, 14, 0, 2), 0, SRF_RO, chk_cnt, rd_cntpct, NULL, 2),
    {"CNTP_TVAL_EL0", E(3, 3, 14, 2, 0), 0, 0, -1, 0, chk_cnt, rd_timer, wr_timer,
     (CPU_TIMER_PHYS_NS << 2) | 2},
    {"CNTP_CTL_EL0", E(3, 3, 14, 2, 1), 0, 0, -1, 0, chk_cnt, rd_timer, wr_timer,
     (CPU_TIMER_PHYS_NS << 2) | 0},
    {"CNTP_CVAL_EL0", E(3, 3, 14, 2, 2), 0, 0, -1, 0, chk_cnt, rd_timer, wr_timer,
     (CPU_TIMER_PHYS_NS << 2) | 1},
    {"CNTV_TVAL_EL0", E(3, 3, 14, 3, 0), 0, 0, -1, 0, chk_cnt, rd_timer, wr_timer,
     (CPU_TIMER_VIRT << 2) | 2},
    {"CNTV_CTL_EL0", E(3, 3, 14, 3, 1), 0, 0, -1, 0, chk_cnt, rd_timer, wr_timer,
     (CPU_TIMER_VIRT << 2) | 0},
    {"CNTV_CVAL_EL0", E(3, 3, 14, 3, 2), 0, 0, -1, 0, chk_cnt, rd_timer, wr_timer,
     (CPU_TIMER_VIRT << 2) | 1},
    HOOK(CNTHP_TVAL_EL2, E(3, 4, 14, 2, 0), 2, 0, NULL, rd_timer, wr_timer,
         (CPU_TIMER_HYP << 2) | 2),
    HOOK(CNTHP_CTL_EL2, E(3, 4, 14, 2, 1), 2, 0, NULL, rd_timer, wr_timer,
         (CPU_TIMER_HYP << 2) | 0),
    HOOK(CNTHP_CVAL_EL2, E(3, 4, 14, 2, 2), 2, 0, NULL, rd_timer, wr_timer,
         (CPU_TIMER_HYP << 2) | 1),
    HOOK(CNTPS_TVAL_EL1, E(3, 7, 14, 2, 0), 1, 0, NULL, rd_timer, wr_timer,
         (CPU_TIMER_PHYS_S << 2) | 2),
    HOOK(CNTPS_CTL_EL1, E(3, 7, 14, 2, 1), 1, 0, NULL, rd_timer, wr_timer,
         (CPU_TIMER_PHYS_S << 2) | 0),
    HOOK(CNTPS_CVAL_EL1, E(3, 7, 14, 2, 2), 1, 0, NULL, rd_timer, wr_timer,
         (CPU_TIMER_PHYS_S << 2) | 1),
    HOOK_STORE(CNTKCTL_EL1, E(3, 0, 14, 1, 0), 1, cntkctl_el1, 0, NULL, NULL, wr_cntkctl, 0),
    STORE(CNTHCTL_EL2, E(3, 4, 14, 1, 0), 2, cnthctl_el2, 3),
    HOOK_STORE(CNTVOFF_EL2, E(3, 4, 14, 0, 3), 2, cntvoff_el2, 0, NULL, NULL, wr_cntvoff, 0),
    /* PMU (arg for set/clr: which << 1 | clear) */
    HOOK(PMCR_EL0, E(3, 3, 9, 12, 0), 0, 0, chk_pmu, rd_pmcr, wr_pmcr, 0),
    HOOK(PMCNTENSET_EL0, E(3, 3, 9, 12, 1), 0, 0, chk_pmu, rd_setclr, wr_setclr, 0),
    HOOK(PMCNTENCLR_EL0, E(3, 3, 9, 12, 2), 0, 0, chk_pmu, rd_setclr, wr_setclr, 1),
    HOOK(PMOVSCLR_EL0, E(3, 3, 9, 12, 3), 0, 0, chk_pmu, rd_setclr, wr_setclr, 5),
    RAZWI(PMSWINC_EL0, E(3, 3, 9, 12, 4), 0),
    HOOK_STORE(PMSELR_EL0, E(3, 3, 9, 12, 5), 0, pmselr_el0, 0, chk_pmu, NULL, NULL, 0),
    {"PMCEID0_EL0", E(3, 3, 9, 12, 6), 0, SRF_RO | SRF_CONST, -1, 0x6E1FFFDB, chk_pmu, NULL, NULL,
     0},
    {"PMCEID1_EL0", E(3, 3, 9, 12, 7), 0, SRF_RO | SRF_CONST, -1, 0, chk_pmu, NULL, NULL, 0},
    HOOK(PMCCNTR_EL0, E(3, 3, 9, 13, 0), 0, 0, chk_pmu, rd_pmccntr, wr_pmccntr, 0),
    HOOK(PMXEVTYPER_EL0, E(3, 3, 9, 13, 1), 0, 0, chk_pmu, rd_pmxev, wr_pmxev, 32),
    HOOK(PMXEVCNTR_EL0, E(3, 3, 9, 13, 2), 0, 0, chk_pmu, rd_pmxev, wr_pmxev, 0),
    {"PMUSERENR_EL0", E(3, 3, 9, 14, 0), 1, 0, OFF(pmuserenr_el0), 0, NULL, NULL, NULL, 0},
    HOOK(PMOVSSET_EL0, E(3, 3, 9, 14, 3), 0, 0, chk_pmu, rd_setclr, wr_setclr, 4),
    HOOK(PMINTENSET_EL1, E(3, 0, 9, 14, 1), 1, 0, NULL, rd_setclr, wr_setclr, 2),
    HOOK(PMINTENCLR_EL1, E(3, 0, 9, 14, 2), 1, 0, NULL, rd_setclr, wr_setclr, 3),
    HOOK(PMEVCNTR0_EL0, E(3, 3, 14, 8, 0), 0, 0, chk_pmu, rd_pmev, wr_pmev, 0),
    HOOK(PMEVCNTR1_EL0, E(3, 3, 14, 8, 1), 0, 0, chk_pmu, rd_pmev, wr_pmev, 1),
    HOOK(PMEVCNTR2_EL0, E(3, 3, 14, 8, 2), 0, 0, chk_pmu, rd_pmev, wr_pmev, 2),
    HOOK(PMEVCNTR3_EL0, E(3, 3, 14, 8, 3), 0, 0, chk_pmu, rd_pmev, wr_pmev, 3),
    HOOK(PMEVCNTR4_EL0, E(3, 3, 14, 8, 4), 0, 0, chk_pmu, rd_pmev, wr_pmev, 4),
    HOOK(PMEVCNTR5_EL0, E(3, 3, 14, 8, 5), 0, 0, chk_pmu, rd_pmev, wr_pmev, 5),
    HOOK(PMEVTYPER0_EL0, E(3, 3, 14, 12, 0), 0, 0, chk_pmu, rd_pmev, wr_pmev, 32 | 0),
    HOOK(PMEVTYPER1_EL0, E(3, 3, 14, 12, 1), 0, 0, chk_pmu, rd_pmev, wr_pmev, 32 | 1),
    HOOK(PMEVTYPER2_EL0, E(3, 3, 14, 12, 2), 0, 0, chk_pmu, rd_pmev, wr_pmev, 32 | 2),
    HOOK(PMEVTYPER3_EL0, E(3, 3, 14, 12, 3), 0, 0, chk_pmu, rd_pmev, wr_pmev, 32 | 3),
    HOOK(PMEVTYPER4_EL0, E(3, 3, 14, 12, 4), 0, 0, chk_pmu, rd_pmev, wr_pmev, 32 | 4),
    HOOK(PMEVTYPER5_EL0, E(3, 3, 14, 12, 5), 0, 0, chk_pmu, rd_pmev, wr_pmev, 32 | 5),
    HOOK(PMCCFILTR_EL0, E(3, 3, 14, 15, 7), 0, 0, chk_pmu, rd_pmev, wr_pmev, 32 | 31),
    /* debug: storage for what Linux programs, the rest read-as-zero (no guest debugging) */
    STORE(MDSCR_EL1, E(2, 0, 0, 2, 2), 1, mdscr_el1, 0),
    RAZWI(MDCCINT_EL1, E(2, 0, 0, 2, 0), 1),
    RAZWI(OSDTRRX_EL1, E(2, 0, 0, 0, 2), 1),
    RAZWI(OSDTRTX_EL1, E(2, 0, 0, 3, 2), 1),
    RAZWI(OSECCR_EL1, E(2, 0, 0, 6, 2), 1),
    CONST(MDRAR_EL1, E(2, 0, 1, 0, 0), 1, 0),
    RAZWI(OSLAR_EL1, E(2, 0, 1, 0, 4), 1),
    CONST(OSLSR_EL1, E(2, 0, 1, 1, 4), 1, 0x8),
    STORE(OSDLR_EL1, E(2, 0, 1, 3, 4), 1, osdlr_el1, 0),
    RAZWI(DBGPRCR_EL1, E(2, 0, 1, 4, 4), 1),
    RAZWI(DBGCLAIMSET_EL1, E(2, 0, 7, 8, 6), 1),
    RAZWI(DBGCLAIMCLR_EL1, E(2, 0, 7, 9, 6), 1),
    CONST(DBGAUTHSTATUS_EL1, E(2, 0, 7, 14, 6), 1, 0xaa),
    RAZWI(DBGVCR32_EL2, E(2, 4, 0, 7, 0), 2),
#define DBG_PAIR(n)                                                                                \
    RAZWI(DBGBVR##n##_EL1, E(2, 0, 0, n, 4), 1), RAZWI(DBGBCR##n##_EL1, E(2, 0, 0, n, 5), 1)
#define DBG_WPAIR(n)                                                                               \
    RAZWI(DBGWVR##n##_EL1, E(2, 0, 0, n, 6), 1), RAZWI(DBGWCR##n##_EL1, E(2, 0, 0, n, 7), 1)
    DBG_PAIR(0),
    DBG_PAIR(1),
    DBG_PAIR(2),
    DBG_PAIR(3),
    DBG_PAIR(4),
    DBG_PAIR(5),
    DBG_WPAIR(0),
    DBG_WPAIR(1),
    DBG_WPAIR(2),
    DBG_WPAIR(3),
    /* implementation defined (reachable: ACTLR_EL3 = 0x73) */
    STORE(CPUACTLR_EL1, E(3, 1, 15, 2, 0), 1, cpuactlr_el1, 0x90ca000),
    STORE(CPUECTLR_EL1, E(3, 1, 15, 2, 1), 1, cpuectlr_el1, 0),
    STORE(CPUMERRSR_EL1, E(3, 1, 15, 2, 2), 1, cpumerrsr_el1, 0),
    STORE(L2MERRSR_EL1, E(3, 1, 15, 2, 3), 1, l2merrsr_el1, 0),
    HOOK_STORE(L2CTLR_EL1, E(3, 1, 11, 0, 2), 1, l2ctlr_el1, 0, NULL, rd_l2ctlr, NULL, 0),
    STORE(L2ECTLR_EL1, E(3, 1, 11, 0, 3), 1, l2ectlr_el1, 0),
    STORE(L2ACTLR_EL1, E(3, 1, 15, 0, 0), 1, l2actlr_el1, 0x80000000),
    CONST(CBAR_EL1, E(3, 1, 15, 3, 0), 1, 0x3f000000),
};

static const sysreg_def id_space_raz = {"ID_RAZ", 0,    1, SRF_RO | SRF_CONST, -1, 0, chk_id,
                                        NULL,     NULL, 0};
static uint16_t enc_index[1 << 16];
static bool index_built;

static void build_index(void) {
    for (unsigned i = 0; i < sizeof table / sizeof table[0]; i++)
        enc_index[table[i].enc] = (uint16_t)(i + 1);
    index_built = true;
}

const sysreg_def *sysreg_find(uint32_t enc) {
    if (!index_built) build_index();
    unsigned i = enc_index[enc & 0xffff];
    if (i) return &table[i - 1];
    unsigned op0 = enc >> 14, op1 = (enc >> 11) & 7, crn = (enc >> 7) & 15, crm = (enc >> 3) & 15;
    if (op0 == 3 && op1 == 0 && crn == 0 && crm >= 1 && crm <= 7) return &id_space_raz;
    return NULL;
}

const sysreg_def *sysreg_find_name(const char *name) {
    for (unsigned i = 0; i < sizeof table / sizeof table[0]; i++)
        if (!strcasecmp(table[i].name, name)) return &table[i];
    return NULL;
}

int sysreg_check(arm_cpu *c, const sysreg_def *r, bool is_read) {
    if (c->el < r->min_el) {
        /* EL0 may not touch EL1 registers: UNDEFINED, except the ID space which traps. */
        if (r->check == chk_id && c->el == 0) return SR_TRAP_EL1;
        return SR_UNDEF;
    }
    if (is_read && (r->flags & SRF_WO)) return SR_UNDEF;
    if (!is_read && (r->flags & SRF_RO)) return SR_UNDEF;
    return r->check ? r->check(c, r, is_read) : SR_OK;
}

static uint64_t *storage(arm_cpu *c, const sysreg_def *r) {
    return (uint64_t *)((char *)c + r->offset);
}

uint64_t sysreg_read(arm_cpu *c, const sysreg_def *r) {
    if (r->read) return r->read(c, r);
    if (r->flags & SRF_RAZWI) return 0;
    if (r->flags & SRF_CONST) return r->reset;
    if (r->offset >= 0) return *storage(c, r);
    return 0;
}

void sysreg_write(arm_cpu *c, const sysreg_def *r, uint64_t v) {
    if (r->write)
        r->write(c, r, v);
    else if (r->offset >= 0 && !(r->flags & (SRF_RAZWI | SRF_CONST)))
        *storage(c, r) = v;
    if (r->flags & SRF_TLB) tlb_flush_all(c);
    if (r->flags & (SRF_TLB | SRF_ASID)) tlb_asid_update(c);
    cpu_update_mmu_idx(c);
    cpu_check_interrupts(c);
}

void sysreg_reset(arm_cpu *c) {
    for (unsigned i = 0; i < sizeof table / sizeof table[0]; i++)
        if (table[i].offset >= 0) *storage(c, &table[i]) = table[i].reset;
}
