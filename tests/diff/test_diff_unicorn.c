/* Differential test: random instructions of one class, generated from the decoder's own
 * (mask, value) table, run in socemu and in unicorn from identical, random state (X0-X30 full
 * 64-bit values, NZCV, FPSR cumulative flags, FPCR for FP classes); X0-X30, SP, NZCV, FPSR,
 * V0-V31, PC and a data window of memory must agree. Fixed seeds; 1000 cases per encoding (20000
 * with SOCEMU_LONG_TESTS=1).
 * Faults are compared, not only "both faulted". unicorn never takes an exception (its
 * UC_HOOK_INTR hook gets QEMU's exception number instead of the vector being entered, and its
 * unmapped-memory hook gets the access address and direction); it cannot report ESR or FAR. So:
 *   - the exception kind from unicorn (UNDEF, SVC, BRK, HVC/SMC, data abort, unmapped read or
 *     write) must give our ESR_EL1's EC, and the syndrome where unicorn's kind fixes it (UNDEF:
 *     ESR 0x02000000; SVC/HVC/SMC/BRK: IL=1 and ISS the instruction's imm16; unmapped access:
 *     WnR);
 *   - FAR_EL1 must be unicorn's unmapped address, or for alignment faults (exclusives,
 *     acquire/release) the address the instruction used (from the base register);
 *   - ELR_EL1 must be unicorn's PC at the exception (the faulting instruction, the one after
 *     for SVC/HVC/SMC), SPSR_EL1 the state before it (EL1h, NZCV), and our PC the vector
 *     VBAR_EL1 + 0x200 (synchronous, current EL with SP_ELx): unicorn has no vector to compare,
 *     this is checked against the architecture.
 * Classes beyond the decode table: "excl" runs CLREX; load-exclusive; store-exclusive (all sizes,
 * pairs, acquire/release) on the same address; "system" runs barriers, hints, CLREX, MSR
 * immediates (DAIFSet/Clr, SPSel), DC ZVA/CVAC/CVAU/CIVAC and IC IVAU on the data window, and
 * MRS/MSR of NZCV, FPCR, FPSR, DAIF, SPSel, CurrentEL, SP_EL0, TPIDR_EL0/TPIDRRO_EL0/TPIDR_EL1
 * (those registers and the window compared too). Both sides run at EL1h; "system_el0" runs the
 * same at EL0t (reached by an ERET on both sides), where SCTLR_EL1 traps DAIF, DC and IC
 * (EC 0x18: unicorn reports it as UNDEF, so the ISS is checked against the instruction's fields).
 * Filtered: encodings whose result is UNPREDICTABLE (writeback into the transfer register, LDP of
 * one register twice) and behaviour that differs by design (see skip_unpredictable). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unicorn/unicorn.h>

#include "a64_decode.h"
#include "cpu/cpu.h"

enum { RAM_SIZE = 4 << 20, WINDOW = 0x20000, VBAR = 0x200000, CODE = 0x300000 };

static uint8_t *ram;
static uint8_t window_template[WINDOW];

static uint8_t *ram_ptr(void *o, uint64_t pa, bool w, uint64_t *avail) {
    if (pa >= RAM_SIZE) return NULL;
    *avail = RAM_SIZE - pa;
    return ram + pa;
}
static bool mmio_rd(void *o, uint64_t pa, unsigned s, uint64_t *v) {
    return false;
}
static bool mmio_wr(void *o, uint64_t pa, unsigned s, uint64_t v) {
    return false;
}
static uint64_t now(void *o) {
    return 0;
}
static void log_line(void *o, const char *l) {
    fprintf(stderr, "%s\n", l);
}

static uint64_t rng_state;
static uint64_t rnd(void) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static uint64_t interesting(void) {
    static const uint64_t pool[] = {0,
                                    1,
                                    2,
                                    0x7fffffff,
                                    0x80000000,
                                    0xffffffff,
                                    0x100000000,
                                    0x7fffffffffffffffull,
                                    0x8000000000000000ull,
                                    ~0ull,
                                    ~1ull,
                                    63,
                                    64,
                                    31,
                                    32};
    switch (rnd() % 4) {
    case 0: return pool[rnd() % (sizeof pool / sizeof pool[0])];
    case 1: return rnd() & 0xffffffff;
    case 2: return rnd() % 256;
    default: return rnd();
    }
}

/* An FP operand of `width` bits: zeros, denormals, infinities, NaNs, extremes, and values near
 * integers, ties and the integer-conversion limits (exponents up to 2^65). */
static uint64_t fp_bits(unsigned width) {
    unsigned ebits = width == 64 ? 11 : width == 32 ? 8 : 5, fbits = width - 1 - ebits;
    uint64_t emax = (1ull << ebits) - 1, bias = emax >> 1, exp;
    uint64_t frac = rnd() & ((1ull << fbits) - 1);
    switch (rnd() % 8) {
    case 0: exp = 0; break;
    case 1: exp = emax; break;
    case 2: exp = 1 + rnd() % 2; break;
    case 3: exp = emax - 1 - rnd() % 2; break;
    default: exp = bias - 3 + rnd() % (width == 16 ? 18 : 70); break;
    }
    if (exp > emax) exp = emax;
    if (rnd() % 2) frac &= ~((1ull << (fbits - rnd() % 6)) - 1); /* few fraction bits: ties */
    return ((rnd() & 1) << (width - 1)) | (exp << fbits) | frac;
}
/* A vector register for FP tests: a D, S or H operand in the low bits (over random bits). */
static uint64_t fp_operand(void) {
    uint64_t r = rnd();
    switch (rnd() % 3) {
    case 0: return fp_bits(64);
    case 1: return (r & ~0xffffffffull) | fp_bits(32);
    default: return (r & ~0xffffull) | fp_bits(16);
    }
}

/* 64 bits of AdvSIMD operand: FP values per lane, or integer lanes at saturation edges. */
static uint64_t simd_operand(void) {
    static const uint64_t edges[] = {0,      1,      0x7f,       0x80,       0xff,      0x7fff,
                                     0x8000, 0xffff, 0x7fffffff, 0x80000000, 0xffffffff};
    uint64_t r = 0;
    switch (rnd() % 5) {
    case 0: return fp_bits(64);
    case 1: return fp_bits(32) | fp_bits(32) << 32;
    case 2:
        for (unsigned i = 0; i < 64; i += 8 << (rnd() % 3))
            r |= edges[rnd() % (sizeof edges / sizeof edges[0])] << i;
        return r ^ (rnd() % 4 == 0 ? rnd() & 0x0101010101010101ull : 0);
    case 3: return rnd() & 0x8f8f8f8f8f8f8f8full; /* small shift counts, table indices */
    default: return rnd();
    }
}

typedef struct state {
    uint64_t x[31], sp, pc, nzcv, fpcr, fpsr;
    uint64_t v[32][2];
    uint64_t tpidr0, tpidrro, tpidr1, daif, sp_el0; /* "system": set and compared */
    bool faulted;
    int uc_err;
    /* socemu: the exception taken */
    uint64_t esr, far, elr, spsr;
    /* unicorn: what its hooks saw */
    int intno;           /* QEMU's EXCP_* from UC_HOOK_INTR, or -1 */
    int unmapped;        /* 0, or UC_MEM_READ_UNMAPPED / UC_MEM_WRITE_UNMAPPED */
    uint64_t fault_addr; /* the unmapped access's address */
    uint64_t fault_pc;   /* unicorn's PC when the exception or unmapped access happened */
} state;

/* A test case: up to 3 instructions run in order (then `b .`). */
typedef struct seq {
    uint32_t insn[3];
    unsigned n;
} seq;

static bool skip_unpredictable(int enc, uint32_t insn, const state *in) {
    unsigned rt = insn & 31, rn = (insn >> 5) & 31, rt2 = (insn >> 10) & 31;
    if (enc == A64_ENC_LDAR_STLR) {
        /* ARMv8.0 faults on misaligned acquire/release; unicorn's QEMU does not check. */
        uint64_t addr = rn == 31 ? in->sp : in->x[rn];
        if (addr & ((1u << (insn >> 30)) - 1)) return true;
    }
    /* unicorn's CPU has the crypto extension; the BCM2837's A53 does not (PMULL 1Q UNDEFs). */
    if (enc == A64_ENC_SIMD_PMULL && ((insn >> 22) & 3) == 3) return true;
    if (enc == A64_ENC_LDST_PAIR) {
        bool load = (insn >> 22) & 1, wb = ((insn >> 23) & 3) == 1 || ((insn >> 23) & 3) == 3;
        bool v = (insn >> 26) & 1;
        if (load && rt == rt2) return true;
        if (wb && !v && rn != 31 && (rn == rt || rn == rt2)) return true;
    }
    if (enc == A64_ENC_LDST_IMM9) {
        unsigned mode = (insn >> 10) & 3;
        bool v = (insn >> 26) & 1;
        if ((mode == 1 || mode == 3) && !v && rn != 31 && rn == rt) return true;
        if (mode == 2) return true; /* LDTR/STTR: unicorn runs at EL1 with different defaults */
    }
    return false;
}

/* QEMU's exception numbers as unicorn's UC_HOOK_INTR reports them (target/arm/cpu.h). */
enum {
    EXCP_UDEF = 1,
    EXCP_SWI = 2,
    EXCP_DATA_ABORT = 4,
    EXCP_BKPT = 7,
    EXCP_HVC = 11,
    EXCP_SMC = 13
};

/* "system_el0": the system cases at EL0 (socemu gets there by an ERET at CODE - 4, unicorn by
 * its PSTATE), SCTLR_EL1 the same on both sides (UMA, UCT, DZE, UCI clear: EL0 traps). */
static bool at_el0;
enum { SCTLR = 0x00c50830 }; /* MMU off, no SP alignment checks, WFI/WFE not trapped */

static void run_ours(cpu_cluster *cl, const seq *q, const state *in, state *out) {
    arm_cpu *c = cpu_cluster_core(cl, 0);
    cpu_set_el(c, 1);
    cpu_write_sysreg(c, "SCTLR_EL1", SCTLR);
    cpu_write_sysreg(c, "VBAR_EL1", VBAR);
    cpu_write_sysreg(c, "CPACR_EL1", 3u << 20);
    for (unsigned i = 0; i < q->n; i++)
        memcpy(ram + CODE + 4 * i, &q->insn[i], 4);
    uint32_t self_loop = 0x14000000; /* b . after the sequence */
    memcpy(ram + CODE + 4 * q->n, &self_loop, 4);
    cpu_cluster_invalidate_code(cl, CODE, 4 * q->n + 4);
    for (unsigned i = 0; i < 31; i++)
        cpu_set_xreg(c, i, in->x[i]);
    cpu_set_xreg(c, 31, in->sp);
    for (unsigned i = 0; i < 32; i++)
        cpu_set_vreg(c, i, in->v[i][0], in->v[i][1]);
    cpu_write_sysreg(c, "NZCV", in->nzcv);
    cpu_write_sysreg(c, "FPCR", in->fpcr);
    cpu_write_sysreg(c, "FPSR", in->fpsr);
    cpu_write_sysreg(c, "TPIDR_EL0", in->tpidr0);
    cpu_write_sysreg(c, "TPIDRRO_EL0", in->tpidrro);
    cpu_write_sysreg(c, "TPIDR_EL1", in->tpidr1);
    cpu_write_sysreg(c, "DAIF", in->daif);
    cpu_write_sysreg(c, "SP_EL0", in->sp_el0);
    cpu_set_pc(c, CODE);
    cpu_write_sysreg(c, "ELR_EL1", 1); /* changes only if an exception is taken */
    cpu_write_sysreg(c, "ESR_EL1", 0);
    cpu_write_sysreg(c, "FAR_EL1", 0);
    if (at_el0) {
        uint32_t eret = 0xd69f03e0;
        memcpy(ram + CODE - 4, &eret, 4);
        cpu_cluster_invalidate_code(cl, CODE - 4, 4);
        cpu_write_sysreg(c, "SPSR_EL1", in->nzcv | in->daif); /* EL0t */
        cpu_write_sysreg(c, "ELR_EL1", CODE);
        cpu_set_pc(c, CODE - 4);
        cpu_run(c, 1);
        if (cpu_get_el(c) != 0 || cpu_get_pc(c) != CODE) {
            fprintf(stderr, "ERET to EL0 failed\n");
            exit(2);
        }
        cpu_write_sysreg(c, "ELR_EL1", 1);
    }
    cpu_run(c, q->n);
    for (unsigned i = 0; i < 31; i++)
        out->x[i] = cpu_get_xreg(c, i);
    out->sp = cpu_get_xreg(c, 31);
    out->pc = cpu_get_pc(c);
    for (unsigned i = 0; i < 32; i++)
        cpu_get_vreg(c, i, &out->v[i][0], &out->v[i][1]);
    cpu_read_sysreg(c, "NZCV", &out->nzcv);
    cpu_read_sysreg(c, "FPSR", &out->fpsr);
    cpu_read_sysreg(c, "FPCR", &out->fpcr);
    cpu_read_sysreg(c, "TPIDR_EL0", &out->tpidr0);
    cpu_read_sysreg(c, "TPIDRRO_EL0", &out->tpidrro);
    cpu_read_sysreg(c, "TPIDR_EL1", &out->tpidr1);
    cpu_read_sysreg(c, "DAIF", &out->daif);
    cpu_read_sysreg(c, "SP_EL0", &out->sp_el0);
    uint64_t elr = 1;
    cpu_read_sysreg(c, "ELR_EL1", &elr);
    out->faulted = elr != 1;
    out->elr = elr;
    cpu_read_sysreg(c, "ESR_EL1", &out->esr);
    cpu_read_sysreg(c, "FAR_EL1", &out->far);
    cpu_read_sysreg(c, "SPSR_EL1", &out->spsr);
}

static state *uc_out;         /* where the hooks record, for the case being run */
static uc_context *uc_at_el1; /* unicorn as it started (EL1): restored before each EL0 case */

static void uc_on_intr(uc_engine *uc, uint32_t intno, void *user) {
    (void)user;
    if (uc_out->intno < 0) {
        uc_out->intno = (int)intno;
        uc_reg_read(uc, UC_ARM64_REG_PC, &uc_out->fault_pc);
    }
    uc_emu_stop(uc);
}

static bool uc_on_unmapped(uc_engine *uc, uc_mem_type type, uint64_t addr, int size, int64_t value,
                           void *user) {
    (void)size, (void)value, (void)user;
    if (!uc_out->unmapped && type != UC_MEM_FETCH_UNMAPPED) {
        uc_out->unmapped = type;
        uc_out->fault_addr = addr;
        uc_reg_read(uc, UC_ARM64_REG_PC, &uc_out->fault_pc);
    }
    return false; /* not handled: unicorn stops with an error */
}

static void run_unicorn(uc_engine *uc, uint8_t *uc_window, const seq *q, const state *in,
                        state *out) {
    for (unsigned i = 0; i < q->n; i++)
        uc_mem_write(uc, CODE + 4 * i, &q->insn[i], 4);
    uint32_t self_loop = 0x14000000;
    uc_mem_write(uc, CODE + 4 * q->n, &self_loop, 4);
    uc_ctl_remove_cache(uc, CODE, CODE + 4 * q->n + 4);
    /* EL1h like socemu (unicorn starts in EL1t), or EL0t; DAIF. First: it does not swap SPs */
    uint64_t pstate;
    uc_reg_read(uc, UC_ARM64_REG_PSTATE, &pstate);
    pstate = (pstate & ~0x3cfull) | (in->daif & 0x3c0) | 5;
    /* EL0: PSTATE writes do not switch unicorn's translation to EL0, so as for socemu an ERET
     * at CODE - 4 gets there, from the EL1 state saved at the start */
    if (at_el0) {
        uc_context_restore(uc, uc_at_el1);
        uint32_t eret = 0xd69f03e0;
        uc_mem_write(uc, CODE - 4, &eret, 4);
        uc_ctl_remove_cache(uc, CODE - 4, CODE);
        uint64_t elr = CODE;
        uc_arm64_cp_reg spsr = {4, 0, 3, 0, 0, in->nzcv | in->daif}; /* SPSR_EL1: EL0t */
        uc_reg_write(uc, UC_ARM64_REG_ELR_EL1, &elr);
        uc_reg_write(uc, UC_ARM64_REG_CP_REG, &spsr);
    } else {
        uc_reg_write(uc, UC_ARM64_REG_PSTATE, &pstate);
    }
    for (unsigned i = 0; i < 29; i++)
        uc_reg_write(uc, UC_ARM64_REG_X0 + i, &in->x[i]);
    uc_reg_write(uc, UC_ARM64_REG_X29, &in->x[29]);
    uc_reg_write(uc, UC_ARM64_REG_X30, &in->x[30]);
    uc_reg_write(uc, UC_ARM64_REG_SP, &in->sp);
    uc_reg_write(uc, UC_ARM64_REG_NZCV, &in->nzcv);
    uc_reg_write(uc, UC_ARM64_REG_FPCR, &in->fpcr);
    uc_reg_write(uc, UC_ARM64_REG_FPSR, &in->fpsr);
    uc_reg_write(uc, UC_ARM64_REG_TPIDR_EL0, &in->tpidr0);
    uc_reg_write(uc, UC_ARM64_REG_TPIDRRO_EL0, &in->tpidrro);
    uc_reg_write(uc, UC_ARM64_REG_TPIDR_EL1, &in->tpidr1);
    uc_reg_write(uc, UC_ARM64_REG_SP_EL0, &in->sp_el0);
    for (unsigned i = 0; i < 32; i++) {
        uint64_t qv[2] = {in->v[i][0], in->v[i][1]}; /* 16 bytes, little-endian */
        uc_reg_write(uc, UC_ARM64_REG_Q0 + i, qv);
    }
    out->intno = -1;
    out->unmapped = 0;
    uc_out = out;
    uc_err err = at_el0 ? uc_emu_start(uc, CODE - 4, 0xffffffffffffffffull, 0, q->n + 1)
                        : uc_emu_start(uc, CODE, 0xffffffffffffffffull, 0, q->n);
    out->uc_err = err;
    /* A branch out of the buffer: unicorn stops on fetching the target, after the branch. */
    out->faulted =
        out->intno >= 0 || out->unmapped || (err != UC_ERR_OK && err != UC_ERR_FETCH_UNMAPPED);
    for (unsigned i = 0; i < 29; i++)
        uc_reg_read(uc, UC_ARM64_REG_X0 + i, &out->x[i]);
    uc_reg_read(uc, UC_ARM64_REG_X29, &out->x[29]);
    uc_reg_read(uc, UC_ARM64_REG_X30, &out->x[30]);
    uc_reg_read(uc, UC_ARM64_REG_SP, &out->sp);
    uc_reg_read(uc, UC_ARM64_REG_PC, &out->pc);
    uc_reg_read(uc, UC_ARM64_REG_NZCV, &out->nzcv);
    uc_reg_read(uc, UC_ARM64_REG_FPSR, &out->fpsr);
    uc_reg_read(uc, UC_ARM64_REG_FPCR, &out->fpcr);
    uc_reg_read(uc, UC_ARM64_REG_TPIDR_EL0, &out->tpidr0);
    uc_reg_read(uc, UC_ARM64_REG_TPIDRRO_EL0, &out->tpidrro);
    uc_reg_read(uc, UC_ARM64_REG_TPIDR_EL1, &out->tpidr1);
    uc_reg_read(uc, UC_ARM64_REG_SP_EL0, &out->sp_el0);
    uc_reg_read(uc, UC_ARM64_REG_PSTATE, &pstate);
    out->daif = pstate & 0x3c0;
    for (unsigned i = 0; i < 32; i++) {
        uint64_t qv[2];
        uc_reg_read(uc, UC_ARM64_REG_Q0 + i, qv);
        out->v[i][0] = qv[0];
        out->v[i][1] = qv[1];
    }
    uc_mem_read(uc, 0, uc_window, WINDOW);
}

/* The address a load/store-exclusive or acquire/release at insn uses (its base register). */
static uint64_t base_address(uint32_t insn, const state *in) {
    unsigned rn = (insn >> 5) & 31;
    return rn == 31 ? in->sp : in->x[rn];
}

/* Our exception against unicorn's; NULL if they agree, else what differs. */
static const char *compare_fault(const seq *q, const state *in, const state *a, const state *b) {
    static char why[160];
    if (!a->faulted || !b->faulted)
        return a->faulted ? "only socemu faulted" : "only unicorn faulted";
    unsigned ec = (unsigned)(a->esr >> 26) & 0x3f, il = (unsigned)(a->esr >> 25) & 1;
    uint32_t iss = (uint32_t)a->esr & 0x1ffffff;
    /* the vector: synchronous, current EL with SP_ELx; the state before: EL1h, NZCV */
    /* current EL with SP_ELx (EL1h), or lower EL using AArch64 (EL0t) */
    if (a->pc != VBAR + (at_el0 ? 0x400 : 0x200)) return "socemu's PC is not the vector";
    if ((a->spsr & 0xf) != (at_el0 ? 0 : 5)) return "SPSR_EL1.M is not the EL before";
    if ((a->spsr & 0xf0000000u) != in->nzcv) return "SPSR_EL1.NZCV is not the NZCV before";
    if (b->intno < 0 && !b->unmapped) {
        /* an error without a hook (e.g. UC_ERR_INSN_INVALID for an encoding QEMU does not
           decode): nothing more to compare, but say it once per run */
        snprintf(why, sizeof why, "unicorn stopped with error %d and no exception", b->uc_err);
        return ec == 0 && a->esr == 0x02000000 && b->uc_err == UC_ERR_INSN_INVALID &&
                       a->elr == b->pc
                   ? NULL
                   : why;
    }
    if (a->elr != b->fault_pc) {
        snprintf(why, sizeof why, "ELR_EL1 0x%llx, unicorn's PC at the exception 0x%llx",
                 (unsigned long long)a->elr, (unsigned long long)b->fault_pc);
        return why;
    }
    uint32_t faulting = q->insn[(a->elr - CODE) / 4 < q->n ? (a->elr - CODE) / 4 : 0];
    if (b->unmapped) {
        /* unicorn: an access outside its mapped RAM; socemu: a data abort at the same address */
        bool write = b->unmapped == UC_MEM_WRITE_UNMAPPED;
        if (ec != 0x25) return "unmapped access: EC is not 0x25 (data abort, same EL)";
        if (((iss >> 6) & 1) != write) return "unmapped access: ESR.WnR differs";
        if (a->far != b->fault_addr) {
            snprintf(why, sizeof why, "unmapped access: FAR_EL1 0x%llx, unicorn's 0x%llx",
                     (unsigned long long)a->far, (unsigned long long)b->fault_addr);
            return why;
        }
        return NULL;
    }
    uint32_t imm16 = (faulting >> 5) & 0xffff;
    switch (b->intno) {
    case EXCP_UDEF:
        /* QEMU raises a trapped system instruction (EC 0x18) as UDEF too: there, the ISS must
           describe the instruction (Op0 Op2 Op1 CRn Rt CRm, direction) */
        if ((faulting & 0xffc00000u) == 0xd5000000u && ec == 0x18 && il &&
            iss == (((faulting >> 19) & 3) << 20 | ((faulting >> 5) & 7) << 17 |
                    ((faulting >> 16) & 7) << 14 | ((faulting >> 12) & 15) << 10 |
                    (faulting & 31) << 5 | ((faulting >> 8) & 15) << 1 | ((faulting >> 21) & 1)))
            return NULL;
        return a->esr == 0x02000000 ? NULL : "UNDEF: ESR_EL1 is not 0x02000000 (EC 0, IL 1)";
    case EXCP_SWI:
        return ec == 0x15 && il && iss == imm16 ? NULL : "SVC: ESR_EL1 is not EC 0x15, imm16";
    case EXCP_HVC:
        return ec == 0x16 && il && iss == imm16 ? NULL : "HVC: ESR_EL1 is not EC 0x16, imm16";
    case EXCP_SMC:
        return ec == 0x17 && il && iss == imm16 ? NULL : "SMC: ESR_EL1 is not EC 0x17, imm16";
    case EXCP_BKPT:
        return ec == 0x3c && il && iss == imm16 ? NULL : "BRK: ESR_EL1 is not EC 0x3c, imm16";
    case EXCP_DATA_ABORT:
        /* unicorn's only data aborts here are alignment faults (DFSC 0x21) of the address
           in the base register (exclusives, acquire/release) */
        if (ec != 0x25 || (iss & 0x3f) != 0x21)
            return "alignment: ESR_EL1 is not EC 0x25 DFSC 0x21";
        if (a->far != base_address(faulting, in)) {
            snprintf(why, sizeof why, "alignment: FAR_EL1 0x%llx, the base register 0x%llx",
                     (unsigned long long)a->far, (unsigned long long)base_address(faulting, in));
            return why;
        }
        return NULL;
    default: snprintf(why, sizeof why, "unicorn exception %d not compared", b->intno); return why;
    }
}

static int report_diff(const char *what, const seq *q, int enc, const state *in, const state *a,
                       const state *b) {
    fprintf(stderr, "MISMATCH %s: %s", what, enc > 0 ? a64_enc_names[enc] : "sequence");
    for (unsigned i = 0; i < q->n; i++)
        fprintf(stderr, " 0x%08x", q->insn[i]);
    fprintf(stderr,
            " (socemu faulted=%d pc=0x%llx esr=0x%llx far=0x%llx elr=0x%llx; unicorn "
            "faulted=%d pc=0x%llx err=%d exception=%d unmapped=%d addr=0x%llx at pc 0x%llx)\n",
            a->faulted, (unsigned long long)a->pc, (unsigned long long)a->esr,
            (unsigned long long)a->far, (unsigned long long)a->elr, b->faulted,
            (unsigned long long)b->pc, b->uc_err, b->intno, b->unmapped,
            (unsigned long long)b->fault_addr, (unsigned long long)b->fault_pc);
    for (unsigned i = 0; i < 31; i++)
        if (a->x[i] != b->x[i] || (a->faulted && b->faulted && i < 4))
            fprintf(stderr, "  x%u: in 0x%llx socemu 0x%llx unicorn 0x%llx\n", i,
                    (unsigned long long)in->x[i], (unsigned long long)a->x[i],
                    (unsigned long long)b->x[i]);
    if (a->sp != b->sp)
        fprintf(stderr, "  sp: socemu 0x%llx unicorn 0x%llx\n", (unsigned long long)a->sp,
                (unsigned long long)b->sp);
    if (a->nzcv != b->nzcv)
        fprintf(stderr, "  nzcv: in %llx socemu %llx unicorn %llx\n",
                (unsigned long long)in->nzcv >> 28, (unsigned long long)a->nzcv >> 28,
                (unsigned long long)b->nzcv >> 28);
    if (a->fpsr != b->fpsr)
        fprintf(stderr, "  fpsr: in %llx fpcr %llx socemu %llx unicorn %llx\n",
                (unsigned long long)in->fpsr, (unsigned long long)in->fpcr,
                (unsigned long long)a->fpsr, (unsigned long long)b->fpsr);
    if (a->fpcr != b->fpcr)
        fprintf(stderr, "  fpcr: in %llx socemu %llx unicorn %llx\n", (unsigned long long)in->fpcr,
                (unsigned long long)a->fpcr, (unsigned long long)b->fpcr);
    if (a->tpidr0 != b->tpidr0 || a->tpidrro != b->tpidrro || a->tpidr1 != b->tpidr1)
        fprintf(stderr, "  tpidr el0/ro/el1: socemu %llx %llx %llx unicorn %llx %llx %llx\n",
                (unsigned long long)a->tpidr0, (unsigned long long)a->tpidrro,
                (unsigned long long)a->tpidr1, (unsigned long long)b->tpidr0,
                (unsigned long long)b->tpidrro, (unsigned long long)b->tpidr1);
    if (a->sp_el0 != b->sp_el0)
        fprintf(stderr, "  sp_el0: in %llx socemu %llx unicorn %llx\n",
                (unsigned long long)in->sp_el0, (unsigned long long)a->sp_el0,
                (unsigned long long)b->sp_el0);
    if (a->daif != b->daif)
        fprintf(stderr, "  daif: in %llx socemu %llx unicorn %llx\n", (unsigned long long)in->daif,
                (unsigned long long)a->daif, (unsigned long long)b->daif);
    for (unsigned i = 0; i < 32; i++)
        if (a->v[i][0] != b->v[i][0] || a->v[i][1] != b->v[i][1])
            fprintf(stderr,
                    "  v%u: in %016llx:%016llx socemu %016llx:%016llx unicorn %016llx:%016llx\n", i,
                    (unsigned long long)in->v[i][1], (unsigned long long)in->v[i][0],
                    (unsigned long long)a->v[i][1], (unsigned long long)a->v[i][0],
                    (unsigned long long)b->v[i][1], (unsigned long long)b->v[i][0]);
    return 1;
}

/* Load/store classes: data registers get full 64-bit values (a store that drops upper bytes must
 * show), the base register an address in the data window, a register offset a small value (its
 * upper 32 bits random where UXTW/SXTW ignore them). One case in 32 keeps a wild base: the
 * access faults outside RAM on both sides (FAR, WnR compared). */
static void ldst_registers(int enc, uint32_t insn, state *in) {
    for (unsigned i = 0; i < 31; i++)
        in->x[i] = rnd();
    in->sp = 0x8000 + (rnd() % 0x100) * 16;
    if (enc == A64_ENC_LD_LITERAL) return; /* PC-relative: no base register */
    unsigned rn = (insn >> 5) & 31;
    if (rn != 31 && rnd() % 32 != 0) in->x[rn] = rnd() % 0x800;
    if (enc == A64_ENC_LDST_REG && ((insn >> 16) & 31) != 31) { /* Rm 31: XZR, offset 0 */
        unsigned rm = (insn >> 16) & 31, option = (insn >> 13) & 7;
        uint64_t off = rnd() % 0x800;
        in->x[rm] = (option & 3) == 2 ? (rnd() << 32) | off : off; /* UXTW/SXTW: low 32 bits */
        if (rm == rn) in->x[rn] = off;
    }
}

/* "excl": CLREX; a load-exclusive; the store-exclusive of the same size and base (a pair of
 * registers or one, acquire/release or not), or the store alone (must fail: monitor open). */
static void excl_case(seq *q, state *in) {
    unsigned size = rnd() % 4, pair = size >= 2 && rnd() % 3 == 0, acq = rnd() % 2, rel = rnd() % 2;
    unsigned rn = rnd() % 32, rt = rnd() % 31, rt2 = rnd() % 31, rs = rnd() % 31;
    unsigned rt_st = rnd() % 31, rt2_st = rnd() % 31;
    while (pair && rt2 == rt)
        rt2 = rnd() % 31;
    /* UNPREDICTABLE: status register = transfer or base register; base written by the load */
    while (rs == rt_st || (pair && rs == rt2_st) || (rn != 31 && rs == rn))
        rs = rnd() % 31;
    while (rn != 31 && (rn == rt || (pair && rn == rt2)))
        rt = rnd() % 31, rt2 = pair ? (rt + 1 + rnd() % 30) % 31 : rt2;
    uint32_t sz = (pair ? 2 | (size & 1) : size) << 30;
    if (pair) size = 2 + (size & 1); /* LDXP W: 2x4 bytes, X: 2x8 */
    uint32_t ld = sz | 0x08400000u | (pair ? 1u << 21 : 0) | 31u << 16 | acq << 15 | rn << 5 | rt |
                  (pair ? rt2 : 31) << 10;
    uint32_t st = sz | 0x08000000u | (pair ? 1u << 21 : 0) | rs << 16 | rel << 15 | rn << 5 |
                  rt_st | (pair ? rt2_st : 31) << 10;
    q->insn[0] = 0xd503305fu | (rnd() % 16) << 8; /* CLREX #imm */
    q->n = 1;
    if (rnd() % 8 != 0) q->insn[q->n++] = ld;
    q->insn[q->n++] = st;
    for (unsigned i = 0; i < 31; i++)
        in->x[i] = rnd();
    unsigned align = pair ? (size == 2 ? 8 : 16) : 1u << size;
    uint64_t addr = 0x100 + rnd() % 0x700;
    /* Mostly aligned, else an alignment fault. Not for a store-exclusive alone: the Arm ARM
     * checks alignment before the monitor (socemu faults); unicorn's QEMU compares the address
     * with its monitor first and fails the store without an access. */
    if (rnd() % 4 != 0 || q->n == 2) addr &= ~(uint64_t)(align - 1);
    in->sp = 0x8000 + (rnd() % 0x100) * 16;
    if (rn == 31)
        in->sp = addr & ~15ull;
    else
        in->x[rn] = addr;
}

/* "system": barriers, hints, CLREX, MSR (immediate) and MRS/MSR of the user-visible registers. */
static void system_case(seq *q, state *in) {
    static const struct {
        unsigned op0, op1, crn, crm, op2;
    } regs[] = {{3, 3, 4, 2, 0},  /* NZCV */
                {3, 3, 4, 4, 0},  /* FPCR */
                {3, 3, 4, 4, 1},  /* FPSR */
                {3, 3, 4, 2, 1},  /* DAIF */
                {3, 3, 13, 0, 2}, /* TPIDR_EL0 */
                {3, 3, 13, 0, 3}, /* TPIDRRO_EL0 */
                {3, 0, 13, 0, 4}, /* TPIDR_EL1 */
                {3, 0, 4, 2, 0},  /* SPSel */
                {3, 0, 4, 2, 2},  /* CurrentEL (read-only: MSR is UNDEF) */
                {3, 0, 4, 1, 0}}; /* SP_EL0 */
    unsigned rt = rnd() % 32, crm = rnd() % 16, hint;
    uint32_t insn;
    switch (rnd() % 6) {
    case 0: /* HINT: everything but WFE/WFI (they wait), YIELD (unicorn leaves its loop) */
        do
            hint = rnd() % 128;
        while (hint >= 1 && hint <= 3);
        insn = 0xd503201fu | hint << 5;
        break;
    case 1: /* CLREX, DSB, DMB, ISB (op2 2, 4, 5, 6) and op2 3, 7: unallocated (UNDEF) */
        insn = 0xd503301fu | crm << 8 | (2u + rnd() % 6) << 5;
        break;
    case 2: /* MSR DAIFSet / DAIFClr #imm, MSR SPSel #imm */
        insn = rnd() % 3 ? 0xd500401fu | 3u << 16 | crm << 8 | (6u + rnd() % 2) << 5
                         : 0xd500401fu | (crm & 1) << 8 | 5u << 5;
        break;
    case 3: { /* DC ZVA (64-byte block, memory compared), DC CVAC/CVAU/CIVAC, IC IVAU */
        static const uint32_t ops[] = {0xd50b7420, 0xd50b7a20, 0xd50b7b20, 0xd50b7e20, 0xd50b7520};
        insn = ops[rnd() % 5] | (rt == 31 ? 0 : rt);
        break;
    }
    default: {
        unsigned r = rnd() % (sizeof regs / sizeof regs[0]), read = rnd() % 2;
        insn = 0xd5100000u | read << 21 | (regs[r].op0 - 2) << 19 | regs[r].op1 << 16 |
               regs[r].crn << 12 | regs[r].crm << 8 | regs[r].op2 << 5 | rt;
        break;
    }
    }
    q->insn[0] = insn;
    q->n = 1;
    for (unsigned i = 0; i < 31; i++)
        in->x[i] = interesting();
    in->sp = interesting() & ~15ull;
    in->fpcr = (rnd() & 0x1f) << 22;
    in->tpidr0 = rnd(), in->tpidrro = rnd(), in->tpidr1 = rnd();
    in->daif = (rnd() & 0xf) << 6;
    in->sp_el0 = interesting() & ~15ull;
    if (at_el0) in->sp = in->sp_el0;         /* the SP at EL0 */
    if ((insn & 0xfff80000u) == 0xd5080000u) /* SYS (DC, IC): an address in the data window */
        in->x[insn & 31] = 0x100 + rnd() % 0x1e000;
}

int main(int argc, char **argv) {
    const char *cls = argc > 1 ? argv[1] : "dpimm";
    bool is_ldst = !strncmp(cls, "ldst", 4); /* ldst, ldst_simd: memory compared */
    bool is_fp = !strncmp(cls, "fp_", 3);    /* FP operands, random FPCR, FPSR compared */
    bool is_simd = !strncmp(cls, "simd", 4); /* AdvSIMD: lane operands, random FPCR, QC */
    bool is_excl = !strcmp(cls, "excl"), is_system = !strncmp(cls, "system", 6);
    at_el0 = !strcmp(cls, "system_el0");
    bool generated = is_excl || is_system; /* sequences built here, not from the table */
    unsigned per_enc = getenv("SOCEMU_LONG_TESTS") ? 20000 : 1000;
    if (getenv("DIFF_CASES")) per_enc = (unsigned)atoi(getenv("DIFF_CASES"));
    ram = calloc(1, RAM_SIZE);
    cpu_ports ports = {NULL, ram_ptr, mmio_rd, mmio_wr, now, NULL, log_line};
    cpu_config cfg = {"cortex-a53", 1, 1,
                      getenv("DIFF_TRACE") ? (unsigned)atoi(getenv("DIFF_TRACE")) : 0};
    char err[128];
    cpu_cluster *cl = cpu_cluster_new(&cfg, &ports, err, sizeof err);
    if (!cl) return fprintf(stderr, "%s\n", err), 2;
    uc_engine *uc;
    if (uc_open(UC_ARCH_ARM64, UC_MODE_ARM, &uc) != UC_ERR_OK)
        return fprintf(stderr, "uc_open\n"), 2;
    uc_mem_map(uc, 0, RAM_SIZE, UC_PROT_ALL);
    uc_arm64_cp_reg sctlr = {1, 0, 3, 0, 0, SCTLR}; /* CRn CRm Op0 Op1 Op2 */
    if (at_el0) {
        uc_reg_write(uc, UC_ARM64_REG_CP_REG, &sctlr);
        uc_context_alloc(uc, &uc_at_el1);
        uc_context_save(uc, uc_at_el1);
    }
    uc_hook h_intr, h_mem;
    uc_hook_add(uc, &h_intr, UC_HOOK_INTR, (void *)uc_on_intr, NULL, 1, 0);
    uc_hook_add(uc, &h_mem, UC_HOOK_MEM_READ_UNMAPPED | UC_HOOK_MEM_WRITE_UNMAPPED,
                (void *)uc_on_unmapped, NULL, 1, 0);
    for (unsigned k = 0; k < 16; k++) {
        uint32_t b = 0x14000000;
        memcpy(ram + VBAR + 0x80 * k, &b, 4);
        uc_mem_write(uc, VBAR + 0x80 * k, &b, 4);
    }
    static const char *const sysregs[] = {"NZCV",      "FPCR",      "FPSR",        "DAIF",
                                          "TPIDR_EL0", "TPIDR_EL1", "TPIDRRO_EL0", "ESR_EL1",
                                          "FAR_EL1",   "ELR_EL1",   "SPSR_EL1"};
    for (unsigned i = 0; i < sizeof sysregs / sizeof sysregs[0]; i++) {
        uint64_t v;
        if (!cpu_read_sysreg(cpu_cluster_core(cl, 0), sysregs[i], &v))
            return fprintf(stderr, "cpu_read_sysreg does not know %s\n", sysregs[i]), 2;
    }
    uint8_t *uc_window = malloc(WINDOW);
    rng_state = 0x9E3779B97F4A7C15ull ^ (uint64_t)strlen(cls) * 0x1234567;
    for (unsigned i = 0; i < WINDOW; i++)
        window_template[i] = (uint8_t)rnd();
    unsigned total = 0, skipped = 0, both_faulted = 0, mismatches = 0, encs = 0, unmapped = 0;
    for (int enc = generated ? 0 : 1; enc < (generated ? 1 : A64_ENC_COUNT); enc++) {
        if (!generated && strcmp(a64_enc_classes[enc], cls) != 0) continue;
        encs++;
        unsigned enc_cases = 0, enc_mismatch = 0, enc_faulted = 0;
        /* FP encodings are mostly unallocated field values: there, count the cases that ran
         * (bounded), so each encoding gets per_enc executed cases and still checks the UNDEFs. */
        unsigned ran = 0, cases = generated ? 10 * per_enc : per_enc;
        for (unsigned n = 0; (is_fp || is_simd ? ran : n) < cases && n < 50 * cases; n++) {
            seq q = {{0}, 1};
            state in = {0}, a = {0}, b = {0};
            if (is_excl) {
                excl_case(&q, &in);
            } else if (is_system) {
                system_case(&q, &in);
            } else {
                q.insn[0] = a64_enc_value[enc] | ((uint32_t)rnd() & ~a64_enc_mask[enc]);
                if (a64_decode(q.insn[0]) != enc) { /* an earlier line of a group owns it */
                    skipped++;
                    continue;
                }
                for (unsigned i = 0; i < 31; i++)
                    in.x[i] = interesting();
                in.sp = interesting() & ~15ull;
                if (is_ldst) ldst_registers(enc, q.insn[0], &in);
                for (unsigned i = 0; i < 32; i++)
                    in.v[i][0] = is_simd ? simd_operand()
                                 : is_fp ? fp_operand()
                                         : rnd(),
                    in.v[i][1] = is_simd ? simd_operand() : rnd();
                /* FPCR: RMode, FZ, DN, AHP (bits 26:22) */
                in.fpcr = is_fp || is_simd ? (rnd() & 0x1f) << 22 : 0;
                if (skip_unpredictable(enc, q.insn[0], &in)) {
                    skipped++;
                    continue;
                }
            }
            in.nzcv = (rnd() & 0xf) << 28;
            in.fpsr = rnd() & 0x0800009f; /* QC, IDC, IXC, UFC, OFC, DZC, IOC */
            if (is_ldst || is_excl || is_system) {
                memcpy(ram, window_template, WINDOW);
                uc_mem_write(uc, 0, window_template, WINDOW);
            }
            run_ours(cl, &q, &in, &a);
            run_unicorn(uc, uc_window, &q, &in, &b);
            total++;
            enc_cases++;
            ran++;
            if (a.faulted || b.faulted) {
                const char *why = compare_fault(&q, &in, &a, &b);
                if (!why) {
                    both_faulted++;
                    unmapped += b.unmapped != 0;
                    enc_faulted++;
                    ran--;
                    /* what ran before the fault must agree too (sequences) */
                    if (q.n == 1) continue;
                    a.pc = b.pc = 0;
                } else {
                    if (mismatches < 20) report_diff(why, &q, enc, &in, &a, &b);
                    mismatches++;
                    enc_mismatch++;
                    continue;
                }
            }
            bool same = a.pc == b.pc && a.sp == b.sp && a.nzcv == b.nzcv && a.fpsr == b.fpsr &&
                        !memcmp(a.x, b.x, sizeof a.x) && !memcmp(a.v, b.v, sizeof a.v);
            if (is_system)
                same = same && a.fpcr == b.fpcr && a.tpidr0 == b.tpidr0 && a.tpidrro == b.tpidrro &&
                       a.tpidr1 == b.tpidr1 && a.daif == b.daif && a.sp_el0 == b.sp_el0;
            if (same && (is_ldst || is_excl || is_system) && memcmp(ram, uc_window, WINDOW) != 0) {
                if (mismatches < 20) fprintf(stderr, "memory differs after 0x%08x\n", q.insn[0]);
                same = false;
            }
            if (!same) {
                if (mismatches < 20) report_diff("state", &q, enc, &in, &a, &b);
                mismatches++;
                enc_mismatch++;
            }
        }
        printf("  %-14s %5u cases (%u faulted, compared), %u mismatches\n",
               generated ? cls : a64_enc_names[enc], enc_cases, enc_faulted, enc_mismatch);
    }
    printf("diff_unicorn %s: %u encodings, %u cases (%u both faulted, %u of them outside RAM: "
           "EC, ESR, FAR, ELR, vector compared), %u skipped, %u mismatches\n",
           cls, encs, total, both_faulted, unmapped, skipped, mismatches);
    uc_close(uc);
    cpu_cluster_free(cl);
    free(uc_window);
    free(ram);
    return mismatches || encs == 0 ? 1 : 0;
}
