/* Debugger support (cpu.h "Debugger support"): breakpoints planted at decode time, a one-
 * instruction step outside the block cache, and memory access through the current translation
 * regime that neither faults the guest nor touches the soft TLB. */
#include <string.h>

#include "arch/exception.h"
#include "exec/block_build.h"
#include "exec/debug.h"
#include "exec/trace.h"
#include "mem/mem.h"
#include "mmu/mmu_walk.h"
#include "timer/generic_timer.h"

/* ---- breakpoints ---- */

bool debug_breakpoint_at(const cpu_cluster *cl, uint64_t va) {
    for (unsigned i = 0; i < cl->n_breakpoints; i++)
        if (cl->breakpoints[i] == va) return true;
    return false;
}

int debug_breakpoint_op(arm_cpu *c, const a64_op *op) {
    (void)op; /* index 0: c->pc is already the breakpointed PC, nothing retired */
    c->exit_request |= EXIT_STOP;
    cpu_cluster *cl = c->cluster;
    if (cl->debug_stop) cl->debug_stop(cl->debug_stop_opaque, c->index);
    return A64_EXIT_FAULT;
}

bool cpu_has_breakpoint(const cpu_cluster *cl, uint64_t va) {
    return debug_breakpoint_at(cl, va);
}

/* Blocks already decoded across the address must be decoded again, by every core: a full flush is
 * the simple way, and setting breakpoints is rare. */
bool cpu_set_breakpoint(cpu_cluster *cl, uint64_t va) {
    if (debug_breakpoint_at(cl, va)) return true;
    if (cl->n_breakpoints >= CPU_MAX_BREAKPOINTS) return false;
    cl->breakpoints[cl->n_breakpoints++] = va;
    block_cache_flush(cl);
    return true;
}

bool cpu_clear_breakpoint(cpu_cluster *cl, uint64_t va) {
    for (unsigned i = 0; i < cl->n_breakpoints; i++) {
        if (cl->breakpoints[i] != va) continue;
        cl->breakpoints[i] = cl->breakpoints[--cl->n_breakpoints];
        block_cache_flush(cl);
        return true;
    }
    return false;
}

void cpu_set_debug_stop_handler(cpu_cluster *cl, void (*fn)(void *opaque, unsigned core),
                                void *opaque) {
    cl->debug_stop = fn;
    cl->debug_stop_opaque = opaque;
}

/* ---- single step ---- */

static int step_end(arm_cpu *c, const a64_op *op) {
    c->pc += (uint64_t)op->pc_half << 1;
    return A64_EXIT_RETIRED;
}

static bool fetch_unit(arm_cpu *c, uint64_t pa, unsigned unit, uint32_t *out) {
    const cpu_ports *p = &c->cluster->ports;
    uint64_t avail = 0;
    const uint8_t *host = p->ram_ptr(p->opaque, pa, false, &avail);
    if (host && avail >= unit) {
        uint32_t v = 0;
        memcpy(&v, host, unit); /* little-endian host */
        *out = v;
        return true;
    }
    uint64_t v = 0;
    if (!p->mmio_read(p->opaque, pa, unit, &v)) return false;
    *out = (uint32_t)v;
    return true;
}

/* One instruction through the front end (a wide T32 one from two units; the second unit on the
 * same page, as the block builder requires). */
static bool fetch_insn(arm_cpu *c, const isa_frontend *fe, uint64_t pa, uint32_t *insn,
                       unsigned *len) {
    if (!fetch_unit(c, pa, fe->fetch_bytes, insn)) return false;
    *len = fe->insn_bytes ? fe->insn_bytes(*insn) : fe->fetch_bytes;
    for (unsigned k = fe->fetch_bytes; k < *len; k += fe->fetch_bytes) {
        uint32_t more;
        if (!fetch_unit(c, pa + k, fe->fetch_bytes, &more)) return false;
        *insn = (*insn << (8 * fe->fetch_bytes)) | more;
    }
    return true;
}

/* The instruction is decoded into a private two-op block (instruction + end), so breakpoints and
 * the block cache play no part and exactly one instruction runs. Interrupts are not taken during a
 * step (as QEMU's gdbstub does by default). */
bool cpu_debug_step(arm_cpu *c) {
    const cpu_ports *p = &c->cluster->ports;
    c->total_insns += c->insns_slice;
    c->insns_slice = 0;
    c->slice_start_ns = p->now_ns ? p->now_ns(p->opaque) : 0;
    timer_update(c);
    if (c->halted) return false;
    const isa_frontend *fe = isa_frontend_of(xs_isa(c->xstate));
    if (!fe) return false; /* an execution state socemu cannot run: nothing to step */
    uint64_t pc = c->pc, pa;
    if (!mem_translate_fetch(c, pc, &pa)) return true; /* the abort is the step */
    uint32_t insn;
    unsigned len;
    if (!fetch_insn(c, fe, pa, &insn, &len)) {
        arch_take_exception(c, AX_IABT, 0x10, true, pc, pc); /* external abort */
        return true;
    }
    a64_op ops[2] = {
        {.insn = insn, .index = 0, .pc_half = 0},
        {.fn = step_end, .insn = 0, .index = 1, .pc_half = (uint8_t)(len >> 1), .enc = 0},
    };
    /* The plain handlers: the step stays the reference behaviour. */
    fe->decode(&ops[0], insn, c->cluster->perf_off | PERF_NO_SPECIALIZE);
    if (cpu_tracing(c, TRACE_EXEC)) trace_exec(c, &ops[0]);
    int r = ops[0].fn(c, &ops[0]);
    if (r == A64_NEXT) r = ops[1].fn(c, &ops[1]);
    c->insns_slice += r == A64_EXIT_RETIRED;
    return true;
}

/* ---- memory ---- */

bool cpu_debug_translate(arm_cpu *c, uint64_t va, uint64_t *pa) {
    mmu_regime r;
    mem_regime_snapshot(c, c->el ? c->el : 1, &r); /* the regime the current EL translates with */
    mmu_desc_reader reader = {mem_read_desc, c};
    mmu_translation tr;
    /* No permission check: a debugger may look at (and patch) what the guest cannot. */
    if (mmu_walk(&r, va, &reader, &tr).type != MMU_FAULT_NONE) return false;
    *pa = tr.pa;
    return true;
}

/* Page by page, RAM (and ROM for reads) only: device registers have read side effects. */
static bool access_virt(arm_cpu *c, uint64_t va, uint8_t *buf, size_t len, bool write) {
    const cpu_ports *p = &c->cluster->ports;
    while (len) {
        size_t chunk = PAGE_SIZE - (va & (PAGE_SIZE - 1));
        if (chunk > len) chunk = len;
        uint64_t pa, avail = 0;
        if (!cpu_debug_translate(c, va, &pa)) return false;
        uint8_t *host = p->ram_ptr(p->opaque, pa, write, &avail);
        if (!host || avail < chunk) return false;
        if (write) {
            memcpy(host, buf, chunk);
            cpu_cluster_invalidate_code(c->cluster, pa, chunk);
        } else {
            memcpy(buf, host, chunk);
        }
        va += chunk;
        buf += chunk;
        len -= chunk;
    }
    return true;
}

bool cpu_debug_read_virt(arm_cpu *c, uint64_t va, void *buf, size_t len) {
    return access_virt(c, va, buf, len, false);
}

bool cpu_debug_write_virt(arm_cpu *c, uint64_t va, const void *buf, size_t len) {
    return access_virt(c, va, (uint8_t *)(uintptr_t)buf, len, true);
}

/* ---- registers a debugger sees beyond X0-X30, PC and V0-V31 ---- */

uint64_t cpu_get_sp(const arm_cpu *c) {
    return c->sp;
}

void cpu_set_sp(arm_cpu *c, uint64_t value) {
    c->sp = value;
}

uint32_t cpu_get_pstate(const arm_cpu *c) {
    return c->nzcv | c->daif | ((uint32_t)c->pstate_ss << 21) | ((uint32_t)c->pstate_il << 20) |
           (c->el << 2) | c->spsel;
}

/* EL and SPSel changes would need the banked-SP swap: a debugger edits flags and masks only. */
void cpu_set_pstate_flags(arm_cpu *c, uint32_t pstate) {
    c->nzcv = pstate & 0xf0000000u;
    c->daif = pstate & 0x3c0u;
    cpu_check_interrupts(c);
}

void cpu_get_fp_status(const arm_cpu *c, uint32_t *fpsr, uint32_t *fpcr) {
    *fpsr = c->fpsr;
    *fpcr = c->fpcr;
}

void cpu_set_fp_status(arm_cpu *c, uint32_t fpsr, uint32_t fpcr) {
    c->fpsr = fpsr;
    c->fpcr = fpcr;
}
