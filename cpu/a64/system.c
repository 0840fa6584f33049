/* System instructions: exception generation (SVC/HVC/SMC/BRK), ERET, hints (WFI/WFE/SEV/...),
 * barriers, CLREX, MSR (immediate), MRS/MSR through the system register table, SYS (DC/IC/AT/TLBI).
 */
#include "a64/a64.h"
#include "exec/block_cache.h"
#include "mmu/mmu_walk.h"
#include "sysreg/sysreg.h"
#include "timer/generic_timer.h"

int a64_exc_gen(arm_cpu *c, const a64_op *op) {
    uint32_t i = op->insn, imm16 = (i >> 5) & 0xffff;
    uint64_t next = op_pc(c, op) + 4;
    switch (((i >> 21) & 7) << 2 | (i & 3)) {
    case 1: /* SVC */
        if (c->el == 0 && c->hcr_el2 & (1ull << 27)) {
            a64_take_exception(c, 2, EXC_SYNC, esr_value(EC_SVC64, imm16), false, 0, next);
            return A64_EXIT_RETIRED;
        }
        a64_take_exception(c, c->el ? c->el : 1, EXC_SYNC, esr_value(EC_SVC64, imm16), false, 0,
                           next);
        return A64_EXIT_RETIRED;
    case 2: /* HVC: UNDEFINED at EL0, when SCR_EL3.HCE = 0, or (EL1) when HCR_EL2.HCD = 1 */
        if (c->el == 0 || !(c->scr_el3 & (1u << 8)) ||
            (c->el == 1 && (c->hcr_el2 & (1ull << 29))) || !(c->scr_el3 & 1 || c->el == 3))
            return a64_undef(c, op);
        a64_take_exception(c, c->el == 3 ? 3 : 2, EXC_SYNC, esr_value(EC_HVC64, imm16), false, 0,
                           next);
        return A64_EXIT_RETIRED;
    case 3: /* SMC: UNDEFINED at EL0 or with SCR_EL3.SMD; trapped to EL2 by HCR_EL2.TSC */
        if (c->el == 0) return a64_undef(c, op);
        if (c->el == 1 && (c->scr_el3 & 1) && (c->hcr_el2 & (1ull << 19)))
            return a64_raise_to(c, op, 2, EC_SMC64, imm16); /* preferred return: the SMC */
        if (c->scr_el3 & (1u << 7)) return a64_undef(c, op);
        a64_take_exception(c, 3, EXC_SYNC, esr_value(EC_SMC64, imm16), false, 0, next);
        return A64_EXIT_RETIRED;
    case 4: /* BRK */ return a64_raise(c, op, EC_BRK64, imm16);
    default: return a64_undef(c, op);
    }
}

int a64_eret(arm_cpu *c, const a64_op *op) {
    if (c->el == 0) return a64_undef(c, op);
    a64_exception_return(c);
    return A64_EXIT_RETIRED;
}

/* WFI/WFE trap checks: SCTLR_EL1.nTWI/nTWE at EL0, HCR_EL2.TWI/TWE, SCR_EL3.TWI/TWE. */
static int wfx_trap_el(const arm_cpu *c, bool wfe) {
    if (c->el == 0 && !(c->sctlr[1] & (wfe ? 1u << 18 : 1u << 16))) return 1;
    if (c->el <= 1 && (c->scr_el3 & 1) && (c->hcr_el2 & (wfe ? 1u << 14 : 1u << 13))) return 2;
    if (c->el <= 2 && (c->scr_el3 & (wfe ? 1u << 13 : 1u << 12))) return 3;
    return 0;
}

int a64_hint(arm_cpu *c, const a64_op *op) {
    unsigned hint = (op->insn >> 5) & 0x7f;
    uint64_t next = op_pc(c, op) + 4;
    switch (hint) {
    case 2:   /* WFE */
    case 3: { /* WFI */
        bool wfe = hint == 2;
        int trap = wfx_trap_el(c, wfe);
        if (trap) {
            uint32_t iss = (1u << 24) | (0xeu << 20) | (wfe ? 1 : 0);
            return a64_raise_to(c, op, (unsigned)trap, EC_WFX, iss);
        }
        if (wfe && c->event_register) {
            c->event_register = false;
            break;
        }
        if (c->irq_line || c->fiq_line || c->serror_line) break;
        c->halted = wfe ? HALT_WFE : HALT_WFI;
        c->exit_request |= EXIT_STOP;
        break;
    }
    case 1: /* YIELD: let the scheduler run another core */ c->exit_request |= EXIT_STOP; break;
    case 4: /* SEV: every core, this one included */
        for (unsigned k = 0; k < c->cluster->n; k++) {
            arm_cpu *o = c->cluster->cores[k];
            o->event_register = true;
            if (o->halted == HALT_WFE) o->halted = HALT_NONE;
        }
        break;
    case 5: c->event_register = true; break; /* SEVL */
    default: break; /* NOP, ESB, PSB, CSDB and the rest of the hint space */
    }
    return a64_branch(c, next);
}

static void clear_local_monitor(arm_cpu *c) {
    if (c->excl.valid) {
        c->excl.valid = false;
        c->cluster->excl_holders--;
    }
}

int a64_clrex(arm_cpu *c, const a64_op *op) {
    clear_local_monitor(c);
    return A64_NEXT;
}

/* One thread runs all cores in turn and TLB maintenance completes at once: barriers are no-ops. */
int a64_barrier(arm_cpu *c, const a64_op *op) {
    return A64_NEXT;
}

/* ISB: later instructions are fetched again (the block ends here, unless a64_specialize keeps it
 * inside: every instruction that changes translation or code ends its block itself). */
int a64_isb(arm_cpu *c, const a64_op *op) {
    return a64_next_and_exit(c, op);
}

static int sysreg_trap(arm_cpu *c, const a64_op *op, int why) {
    uint32_t i = op->insn;
    /* ISS for EC 0x18: Op0[21:20] Op2[19:17] Op1[16:14] CRn[13:10] Rt[9:5] CRm[4:1] dir[0] */
    uint32_t iss = ((((i >> 19) & 3)) << 20) | (((i >> 5) & 7) << 17) | (((i >> 16) & 7) << 14) |
                   (((i >> 12) & 15) << 10) | ((i & 31) << 5) | (((i >> 8) & 15) << 1) |
                   ((i >> 21) & 1);
    switch (why) {
    case SR_TRAP_EL1:
        return a64_raise_to(c, op, c->el == 0 ? a64_sync_target_el(c) : 1, EC_SYSREG, iss);
    case SR_TRAP_EL2: return a64_raise_to(c, op, 2, EC_SYSREG, iss);
    case SR_TRAP_FP: return a64_fp_trap(c, op);
    default: return a64_undef(c, op);
    }
}

int a64_msr_mrs(arm_cpu *c, const a64_op *op) {
    uint32_t i = op->insn;
    bool is_read = (i >> 21) & 1;
    const sysreg_def *r = sysreg_find((i >> 5) & 0xffff);
    if (!r) {
        if (cpu_tracing(c, TRACE_UNIMP))
            cpu_log(c, TRACE_UNIMP, "unknown system register S%u_%u_C%u_C%u_%u (%s) at 0x%016llx",
                    (i >> 19) & 3, (i >> 16) & 7, (i >> 12) & 15, (i >> 8) & 15, (i >> 5) & 7,
                    is_read ? "read" : "write", (unsigned long long)op_pc(c, op));
        return a64_undef(c, op);
    }
    int chk = sysreg_check(c, r, is_read);
    if (chk != SR_OK) return sysreg_trap(c, op, chk);
    if (is_read) {
        uint64_t v = sysreg_read(c, r);
        set_xreg(c, i & 31, v);
        if (sysreg_is_counter(r))
            timer_note_counter_poll(c, op_pc(c, op), c->total_insns + c->insns_slice + op->index,
                                    v);
    } else {
        sysreg_write(c, r, xreg(c, i & 31));
    }
    return a64_next_and_exit(c, op);
}

int a64_msr_imm(arm_cpu *c, const a64_op *op) {
    uint32_t i = op->insn;
    unsigned op1 = (i >> 16) & 7, op2 = (i >> 5) & 7, crm = (i >> 8) & 15;
    if (op1 == 0 && op2 == 5) { /* SPSel */
        if (c->el == 0) return a64_undef(c, op);
        cpu_set_pstate_el(c, c->el, crm & 1);
    } else if (op1 == 3 && (op2 == 6 || op2 == 7)) { /* DAIFSet / DAIFClr */
        if (c->el == 0 && !(c->sctlr[1] & (1u << 9))) return sysreg_trap(c, op, SR_TRAP_EL1);
        if (op2 == 6)
            c->daif |= crm << 6;
        else
            c->daif &= ~(crm << 6);
        cpu_check_interrupts(c);
    } else {
        return a64_undef(c, op); /* PAN, UAO, DIT, SSBS...: not in ARMv8.0 */
    }
    return a64_next_and_exit(c, op);
}

/* ---- SYS: cache maintenance, address translation, TLB maintenance ----------------------- */

static int do_at(arm_cpu *c, const a64_op *op, unsigned op1, unsigned op2, uint64_t va) {
    unsigned el = op1 == 0 ? 1 : op1 == 4 ? ((op2 >= 4) ? 1 : 2) : 3;
    bool unpriv = (op1 == 0 && (op2 == 2 || op2 == 3)) || (op1 == 4 && (op2 == 6 || op2 == 7));
    bool write = op2 & 1;
    if (el > c->el && !(op1 == 4 && c->el >= 2)) return a64_undef(c, op);
    mmu_regime r;
    mem_regime_snapshot(c, el, &r);
    mmu_desc_reader rd = {mem_read_desc, c};
    mmu_fault abort;
    uint64_t par;
    if (!mmu_translate_at(&r, va, unpriv, write, &rd, &par, &abort)) {
        unsigned target = a64_sync_target_el(c);
        a64_take_exception(c, target, EXC_SYNC,
                           esr_value(EC_DABT_SAME, (1u << 8) | (write ? 1u << 6 : 0) |
                                                       mmu_fault_status_code(abort)),
                           true, va, op_pc(c, op));
        return A64_EXIT_FAULT;
    }
    c->par_el1 = par;
    return a64_next_and_exit(c, op);
}

/* TLBI: op1 selects the regime (0 EL1&0, 4 EL2 or EL1&0 for ALLE1/VMALLS12E1, 6 EL3); CRm 3 (and 0
 * for IPAS2E1IS) are the Inner Shareable forms, applied to every core. EL1&0 by op2 (op1 = 0):
 * 0 VMALLE1 (all ASIDs), 1 VAE1 and 5 VALE1 (VA + ASID, globals too), 2 ASIDE1 (nG entries of
 * the ASID), 3 VAAE1 and 7 VAALE1 (VA, every ASID). */
static int do_tlbi(arm_cpu *c, const a64_op *op, unsigned op1, unsigned crm, unsigned op2,
                   uint64_t arg) {
    unsigned min_el = op1 == 0 ? 1 : op1 == 4 ? 2 : 3;
    if (c->el < min_el) return a64_undef(c, op);
    bool broadcast = crm == 3 || crm == 0;
    bool el10 = op1 == 0 || (op1 == 4 && (op2 == 4 || op2 == 6 || crm == 0 || crm == 4));
    bool by_va = (op1 == 0 && (op2 & 1)) || (op1 != 0 && !el10 && (op2 == 1 || op2 == 5));
    bool ipas2 = el10 && op1 == 4 && (crm == 0 || crm == 4);
    if (ipas2) return a64_next_and_exit(c, op); /* no stage 2 here: nothing cached by IPA */
    bool by_asid = op1 == 0 && (op2 == 1 || op2 == 2 || op2 == 5);
    uint16_t asid = by_asid ? tlb_asid_of_arg(c, arg) : 0;
    uint64_t va = (arg & 0xfffffffffffull) << 12;
    if (cpu_tracing(c, TRACE_MMU)) {
        const char *regime = el10 ? "EL1&0" : op1 == 4 ? "EL2" : "EL3";
        cpu_log(c, TRACE_MMU, "tlbi %s%s %s%s va=0x%016llx asid=%u", regime,
                broadcast ? " broadcast" : "", by_va ? "va" : "all", by_asid ? " asid" : "",
                by_va ? (unsigned long long)va : 0ull, asid);
    }
    cpu_cluster *cl = c->cluster;
    for (unsigned k = 0; k < cl->n; k++) {
        arm_cpu *t = cl->cores[k];
        if (!broadcast && t != c) continue;
        if (el10) {
            for (unsigned m = MMU_IDX_EL0; m <= MMU_IDX_EL1; m++) {
                if (by_va)
                    tlb_flush_va(t, m, va, !by_asid, asid);
                else if (by_asid)
                    tlb_flush_asid(t, m, asid);
                else
                    tlb_flush_idx(t, m);
            }
        } else {
            unsigned idx = op1 == 4 ? MMU_IDX_EL2 : MMU_IDX_EL3;
            if (by_va)
                tlb_flush_va(t, idx, va, true, 0);
            else
                tlb_flush_idx(t, idx);
        }
    }
    return a64_next_and_exit(c, op);
}

/* A64_NEXT once the 64 bytes are zero. */
static int dc_zva(arm_cpu *c, const a64_op *op, uint64_t va) {
    if (c->el == 0 && !(c->sctlr[1] & (1u << 14))) return sysreg_trap(c, op, SR_TRAP_EL1);
    va &= ~(uint64_t)63;
    /* Translate first (a fault reports the block address with WnR and CM = 0), then write. */
    uint64_t pa;
    if (!mem_translate(c, op, va, 1, c->mmu_idx, &pa, true, 0)) return A64_EXIT_FAULT;
    for (unsigned k = 0; k < 64; k += 8)
        if (!mem_write(c, op, va + k, 8, 0, c->mmu_idx, 0, 0)) return A64_EXIT_FAULT;
    return A64_NEXT;
}

/* DC by VA to the point of coherency/unification (CVAC, CVAU, CIVAC): no caches modelled. */
static bool dc_clean_va(unsigned op1, unsigned crm, unsigned op2) {
    return op1 == 3 && op2 == 1 && (crm == 10 || crm == 11 || crm == 14);
}
/* DC IVAC, ISW, CSW, CISW: EL1 and up. */
static bool dc_el1_only(unsigned op1, unsigned crm, unsigned op2) {
    return op1 == 0 && ((crm == 6 && (op2 == 1 || op2 == 2)) || (crm == 10 && op2 == 2) ||
                        (crm == 14 && op2 == 2));
}

/* DC ZVA and the cache-maintenance DCs as one op inside a block (a64_specialize picks it): they
 * change neither translation nor code, so the block need not end after them. A trap or fault
 * ends it as usual. */
bool a64_dc_stays_in_block(uint32_t insn) {
    unsigned op1 = (insn >> 16) & 7, crn = (insn >> 12) & 15, crm = (insn >> 8) & 15,
             op2 = (insn >> 5) & 7;
    if ((insn >> 21) & 1 || crn != 7) return false;
    return (op1 == 3 && crm == 4 && op2 == 1) || dc_clean_va(op1, crm, op2) ||
           dc_el1_only(op1, crm, op2);
}

int a64_dc_in_block(arm_cpu *c, const a64_op *op) {
    uint32_t i = op->insn;
    unsigned op1 = (i >> 16) & 7, crm = (i >> 8) & 15, op2 = (i >> 5) & 7;
    if (crm == 4) return dc_zva(c, op, xreg(c, i & 31));
    if (dc_clean_va(op1, crm, op2)) {
        if (c->el == 0 && !(c->sctlr[1] & (1u << 26))) return sysreg_trap(c, op, SR_TRAP_EL1);
        return A64_NEXT;
    }
    if (c->el == 0) return a64_undef(c, op);
    return A64_NEXT;
}

int a64_sys(arm_cpu *c, const a64_op *op) {
    uint32_t i = op->insn;
    unsigned op1 = (i >> 16) & 7, crn = (i >> 12) & 15, crm = (i >> 8) & 15, op2 = (i >> 5) & 7;
    unsigned rt = i & 31;
    bool is_sysl = (i >> 21) & 1;
    uint64_t arg = xreg(c, rt);
    if (is_sysl) return a64_undef(c, op); /* no SYSL operations in ARMv8.0 */
    if (crn == 7) {
        /* IC IALLUIS / IALLU */
        if (op1 == 0 && op2 == 0 && (crm == 1 || crm == 5)) {
            if (c->el == 0) return a64_undef(c, op);
            block_cache_ic_iallu(c->cluster);
            return a64_next_and_exit(c, op);
        }
        if (op1 == 3 && crm == 5 && op2 == 1) { /* IC IVAU */
            if (c->el == 0 && !(c->sctlr[1] & (1u << 26))) return sysreg_trap(c, op, SR_TRAP_EL1);
            uint64_t pa;
            if (mem_translate(c, op, arg, 0, c->mmu_idx, &pa, false, 0))
                code_page_invalidate(c->cluster, pa & PAGE_MASK);
            return a64_next_and_exit(c, op);
        }
        /* DC ZVA, DC CVAC/CVAU/CIVAC (EL0 with SCTLR_EL1.UCI), DC IVAC/ISW/CSW/CISW (EL1+) */
        if (a64_dc_stays_in_block(i)) {
            int r = a64_dc_in_block(c, op);
            return r == A64_NEXT ? a64_next_and_exit(c, op) : r;
        }
        if (crm == 8 && (op1 == 0 || op1 == 4 || op1 == 6) && op2 <= 7) {
            if (c->el == 0) return a64_undef(c, op);
            if (op1 == 0 && op2 > 3) return a64_undef(c, op);
            if (op1 == 6 && op2 > 1) return a64_undef(c, op);
            return do_at(c, op, op1, op2, arg);
        }
    }
    if (crn == 8) return do_tlbi(c, op, op1, crm, op2, arg);
    if (cpu_tracing(c, TRACE_UNIMP))
        cpu_log(c, TRACE_UNIMP, "unknown SYS op1=%u C%u C%u op2=%u", op1, crn, crm, op2);
    return a64_undef(c, op);
}
