/* The "kernel" side of the core: EL1 exists only as a vector page whose every entry is
 * `str xzr, [sp, #8*entry]; b .`, with SP_EL1 pointing at a device page that no RAM backs. The
 * store reaches our mmio_write port, which notes the entry and asks the core to stop; cpu_run
 * returns at the branch, still at EL1. We then read ESR/FAR, do the syscall or deliver the signal
 * by editing the saved EL0 state (ELR_EL1, SPSR_EL1, SP_EL0, the X registers) and resume at an
 * `eret`. The core needs no user-mode hooks at all. (Stopping at EL1 rather than after an eret
 * in the vector also keeps us independent of whether ERET preserves a pending exit request.) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "user.h"

enum {
    VECTOR_SYNC_LOWER_A64 = 8, /* VBAR + 0x400: synchronous, from EL0 in AArch64 */
    VECTOR_IRQ_LOWER_A64 = 9,  /* VBAR + 0x480: our preemption IRQ (enter_kernel) */
    EC_UNKNOWN = 0x00,
    EC_WFX = 0x01,
    EC_ILLEGAL_STATE = 0x0e,
    EC_SVC64 = 0x15,
    EC_SYSREG = 0x18,
    EC_IABT_LOWER = 0x20,
    EC_PC_ALIGN = 0x22,
    EC_DABT_LOWER = 0x24,
    EC_SP_ALIGN = 0x26,
    EC_FP_EXC64 = 0x2c,
    EC_BRK64 = 0x3c,
};

enum { SIGILL_ = 4, SIGTRAP_ = 5, SIGBUS_ = 7, SIGFPE_ = 8, SIGSEGV_ = 11 };
enum {
    SEGV_MAPERR = 1,
    SEGV_ACCERR = 2,
    BUS_ADRALN = 1,
    BUS_OBJERR = 3,
    ILL_ILLOPC = 1,
    TRAP_BRKPT = 1,
    FPE_FLTUNK = 14
};

/* SCTLR_EL1 as Linux sets it for user space: MMU, caches, SP alignment checks, EL0 may use
 * DC ZVA, CTR_EL0, cache maintenance and WFE; WFI traps (Linux skips it). */
#define SCTLR_M    (1ull << 0)
#define SCTLR_C    (1ull << 2)
#define SCTLR_SA   (1ull << 3)
#define SCTLR_SA0  (1ull << 4)
#define SCTLR_SED  (1ull << 8)
#define SCTLR_I    (1ull << 12)
#define SCTLR_DZE  (1ull << 14)
#define SCTLR_UCT  (1ull << 15)
#define SCTLR_NTWE (1ull << 18)
#define SCTLR_UCI  (1ull << 26)
#define SCTLR_RES1 0x30d00800ull
#define USER_SCTLR                                                                                 \
    (SCTLR_M | SCTLR_C | SCTLR_SA | SCTLR_SA0 | SCTLR_SED | SCTLR_I | SCTLR_DZE | SCTLR_UCT |      \
     SCTLR_NTWE | SCTLR_UCI | SCTLR_RES1)
/* TCR_EL1: 48-bit VAs both halves, 4 KiB granules, write-back walks, 40-bit PAs, TBI0 on (Linux
 * lets user pointers carry a tag byte). */
#define USER_TCR                                                                                   \
    (16ull | (1ull << 8) | (1ull << 10) | (3ull << 12) | (16ull << 16) | (1ull << 24) |            \
     (1ull << 26) | (3ull << 28) | (2ull << 30) | (2ull << 32) | (1ull << 37))
#define USER_MAIR   0x00ffull /* attr0 normal write-back, attr1 Device-nGnRnE */
#define CPACR_FPEN  (3ull << 20)
#define CNTKCTL_VCT (1ull << 1) /* EL0 may read CNTVCT_EL0 */

static const uint32_t INSN_ERET = 0xd69f03e0;
static const uint32_t INSN_B_SELF = 0x14000000;
static const uint32_t INSN_TLBI_VMALLE1 = 0xd508871f;
static const uint32_t INSN_DSB_ISH = 0xd5033b9f;
static const uint32_t INSN_ISB = 0xd5033fdf;
/* Ways back to EL0 in the vector page: a plain eret, or one after invalidating the TLB (changed
 * descriptors must not survive in the core's TLB; TLBI is the architectural way to say so). */
#define ERET_SLOT       0x800
#define FLUSH_ERET_SLOT 0x900
static const uint32_t INSN_STR_XZR_SP = 0xf90003ff; /* str xzr, [sp, #imm12*8] */

static uint8_t *port_ram_ptr(void *opaque, uint64_t pa, bool for_write, uint64_t *avail) {
    user_process *p = opaque;
    if (pa >= p->mem.phys_top) return NULL;
    *avail = p->mem.phys_top - pa;
    return phys_host(&p->mem, pa);
}

static bool port_mmio_read(void *opaque, uint64_t pa, unsigned size, uint64_t *value) {
    return false;
}

static bool port_mmio_write(void *opaque, uint64_t pa, unsigned size, uint64_t value) {
    user_process *p = opaque;
    if (pa < TRAP_PA || pa >= TRAP_PA + GUEST_PAGE) return false;
    p->trap_pending = true;
    p->trap_vector = (unsigned)((pa - TRAP_PA) / 8);
    cpu_request_exit(p->cpu);
    return true;
}

static uint64_t port_now_ns(void *opaque) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void port_timer_irq(void *opaque, unsigned cpu_index, unsigned timer, bool level) {}

static void port_log(void *opaque, const char *line) {
    fprintf(stderr, "socemu-user: %s\n", line);
}

uint64_t random_u64(user_process *p) { /* splitmix64: reproducible from --seed */
    uint64_t z = (p->rng_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

bool cpu_create(user_process *p, const char *model, char *err, size_t errlen) {
    const cpu_ports ports = {.opaque = p,
                             .ram_ptr = port_ram_ptr,
                             .mmio_read = port_mmio_read,
                             .mmio_write = port_mmio_write,
                             .now_ns = port_now_ns,
                             .timer_irq = port_timer_irq,
                             .log = port_log};
    const char *trace = getenv("SOCEMU_USER_TRACE"); /* the core's TRACE_* mask, for debugging */
    const cpu_config cfg = {.model = model,
                            .n_cores = 1,
                            .ns_per_insn = 1,
                            .trace_mask = trace ? (unsigned)strtoul(trace, NULL, 0) : 0};
    p->cluster = cpu_cluster_new(&cfg, &ports, err, errlen);
    if (!p->cluster) return false;
    p->cpu = cpu_cluster_core(p->cluster, 0);
    p->mem.cluster = p->cluster;
    return true;
}

typedef struct named_value {
    const char *name;
    uint64_t value;
} named_value;

bool cpu_setup(user_process *p, uint64_t entry, uint64_t sp, char *err, size_t errlen) {
    uint64_t vec_pa = phys_alloc_page(&p->mem);
    if (!vec_pa) {
        snprintf(err, errlen, "out of guest memory");
        return false;
    }
    uint32_t *vec = (uint32_t *)phys_host(&p->mem, vec_pa);
    for (unsigned entry_no = 0; entry_no < 16; entry_no++) {
        vec[entry_no * 32] = INSN_STR_XZR_SP | (entry_no << 10);
        vec[entry_no * 32 + 1] = INSN_B_SELF;
    }
    vec[ERET_SLOT / 4] = INSN_ERET;
    const uint32_t flush_eret[] = {INSN_TLBI_VMALLE1, INSN_DSB_ISH, INSN_ISB, INSN_ERET};
    memcpy(&vec[FLUSH_ERET_SLOT / 4], flush_eret, sizeof flush_eret);
    mem_map_kernel_page(&p->mem, KERNEL_VEC_VA, vec_pa, false, true);
    mem_map_kernel_page(&p->mem, KERNEL_TRAP_VA, TRAP_PA, true, false);
    if (!core_configure(p, err, errlen)) return false;
    cpu_write_sysreg(p->cpu, "SP_EL0", sp);
    cpu_write_sysreg(p->cpu, "ELR_EL1", entry);
    user_resume(p);
    return true;
}

bool core_configure(user_process *p, char *err, size_t errlen) {
    arm_cpu *cpu = p->cpu;
    cpu_set_el(cpu, 1);
    const named_value regs[] = {
        {"MAIR_EL1", USER_MAIR},
        {"TCR_EL1", USER_TCR},
        {"TTBR0_EL1", p->mem.ttbr0},
        {"TTBR1_EL1", p->mem.ttbr1},
        {"VBAR_EL1", KERNEL_VEC_VA},
        {"CPACR_EL1", CPACR_FPEN},
        {"CNTKCTL_EL1", CNTKCTL_VCT},
        {"SCTLR_EL1", USER_SCTLR},
        {"SP_EL0", 0},
        {"ELR_EL1", 0},
        {"SPSR_EL1", 0}, /* EL0t, interrupts unmasked (only enter_kernel's IRQ is wired) */
        {"FPCR", 0},
        {"FPSR", 0},
    };
    for (size_t i = 0; i < sizeof regs / sizeof regs[0]; i++)
        if (!cpu_write_sysreg(cpu, regs[i].name, regs[i].value)) {
            snprintf(err, errlen, "the core lacks system register %s", regs[i].name);
            return false;
        }
    cpu_set_xreg(cpu, 31, KERNEL_TRAP_VA); /* SP_EL1: the vector's stores land on the trap page */
    for (unsigned i = 0; i < 31; i++)
        cpu_set_xreg(cpu, i, 0);
    return true;
}

bool core_recreate(user_process *p, char *err, size_t errlen) {
    cpu_cluster_free(p->cluster);
    p->cluster = NULL;
    p->cpu = NULL;
    return cpu_create(p, p->model, err, errlen) && core_configure(p, err, errlen);
}

void thread_save(user_process *p, user_thread *t) {
    arm_cpu *cpu = p->cpu;
    for (unsigned i = 0; i < 31; i++)
        t->x[i] = cpu_get_xreg(cpu, i);
    for (unsigned i = 0; i < 32; i++)
        cpu_get_vreg(cpu, i, &t->vlo[i], &t->vhi[i]);
    cpu_read_sysreg(cpu, "SP_EL0", &t->sp);
    cpu_read_sysreg(cpu, "ELR_EL1", &t->pc);
    cpu_read_sysreg(cpu, "SPSR_EL1", &t->spsr);
    cpu_read_sysreg(cpu, "FPSR", &t->fpsr);
    cpu_read_sysreg(cpu, "FPCR", &t->fpcr);
    cpu_read_sysreg(cpu, "TPIDR_EL0", &t->tpidr);
    cpu_read_sysreg(cpu, "TPIDRRO_EL0", &t->tpidrro);
}

void thread_load(user_process *p, user_thread *t) {
    arm_cpu *cpu = p->cpu;
    for (unsigned i = 0; i < 31; i++)
        cpu_set_xreg(cpu, i, t->x[i]);
    for (unsigned i = 0; i < 32; i++)
        cpu_set_vreg(cpu, i, t->vlo[i], t->vhi[i]);
    cpu_write_sysreg(cpu, "SP_EL0", t->sp);
    cpu_write_sysreg(cpu, "ELR_EL1", t->pc);
    cpu_write_sysreg(cpu, "SPSR_EL1", t->spsr);
    cpu_write_sysreg(cpu, "FPSR", t->fpsr);
    cpu_write_sysreg(cpu, "FPCR", t->fpcr);
    cpu_write_sysreg(cpu, "TPIDR_EL0", t->tpidr);
    cpu_write_sysreg(cpu, "TPIDRRO_EL0", t->tpidrro);
}

void enter_kernel(user_process *p) {
    /* EL0 runs with interrupts unmasked: the IRQ is taken at the next instruction boundary (or
     * a synchronous exception comes first); either way the vector stores to the trap page. The
     * exception return later clears the exclusive monitor, as a context switch must. */
    cpu_set_irq(p->cpu, true);
    for (int tries = 0; !p->trap_pending && tries < 1000; tries++)
        cpu_run(p->cpu, 16);
    cpu_set_irq(p->cpu, false);
}

/* The interrupted EL0 state, as the exception saved it. */
uint64_t user_pc(user_process *p) {
    uint64_t v = 0;
    cpu_read_sysreg(p->cpu, "ELR_EL1", &v);
    return v;
}
void user_set_pc(user_process *p, uint64_t pc) {
    cpu_write_sysreg(p->cpu, "ELR_EL1", pc);
}
uint64_t user_sp(user_process *p) {
    uint64_t v = 0;
    cpu_read_sysreg(p->cpu, "SP_EL0", &v);
    return v;
}
void user_set_sp(user_process *p, uint64_t sp) {
    cpu_write_sysreg(p->cpu, "SP_EL0", sp);
}
uint64_t user_nzcv(user_process *p) {
    uint64_t v = 0;
    cpu_read_sysreg(p->cpu, "SPSR_EL1", &v);
    return v & 0xf0000000ull;
}
void user_set_nzcv(user_process *p, uint64_t nzcv) {
    cpu_write_sysreg(p->cpu, "SPSR_EL1", nzcv & 0xf0000000ull); /* EL0t, nothing masked */
}
void user_resume(user_process *p) {
    cpu_set_pc(p->cpu, KERNEL_VEC_VA + (p->mem.tlb_stale ? FLUSH_ERET_SLOT : ERET_SLOT));
    p->mem.tlb_stale = false;
}

/* Linux emulates EL0 reads of MIDR/MPIDR/REVIDR and the ID_AA64 registers (HWCAP_CPUID);
 * glibc reads MIDR_EL1 at start-up. Returns true if the instruction was such an MRS. */
static bool emulate_id_mrs(user_process *p, uint64_t pc) {
    uint32_t insn;
    if (!guest_read(&p->mem, &insn, pc, 4)) return false;
    if ((insn & 0xffff0000u) != 0xd5380000u || ((insn >> 12) & 15) != 0) return false;
    unsigned crm = (insn >> 8) & 15, op2 = (insn >> 5) & 7, rt = insn & 31;
    static const struct {
        unsigned crm, op2;
        const char *name;
    } id_regs[] = {
        {0, 0, "MIDR_EL1"},         {0, 6, "REVIDR_EL1"},       {4, 0, "ID_AA64PFR0_EL1"},
        {4, 1, "ID_AA64PFR1_EL1"},  {5, 0, "ID_AA64DFR0_EL1"},  {5, 1, "ID_AA64DFR1_EL1"},
        {6, 0, "ID_AA64ISAR0_EL1"}, {6, 1, "ID_AA64ISAR1_EL1"}, {7, 0, "ID_AA64MMFR0_EL1"},
        {7, 1, "ID_AA64MMFR1_EL1"},
    };
    uint64_t value = 0;
    if (crm == 0 && op2 == 5) value = 0x80000000ull; /* MPIDR: user space sees a fixed value */
    for (size_t i = 0; i < sizeof id_regs / sizeof id_regs[0]; i++)
        if (id_regs[i].crm == crm && id_regs[i].op2 == op2)
            cpu_read_sysreg(p->cpu, id_regs[i].name, &value);
    if (rt != 31) cpu_set_xreg(p->cpu, rt, value);
    user_set_pc(p, pc + 4);
    return true;
}

static void fault_signal(user_process *p, int signo, int code, uint64_t addr, uint64_t esr) {
    user_siginfo info = {.signo = signo, .code = code, .addr = addr, .esr = esr, .is_fault = true};
    signal_force(p, &info);
}

static void memory_abort(user_process *p, unsigned ec, uint64_t esr, uint64_t far) {
    unsigned fsc = esr & 0x3f;
    bool write = ec == EC_DABT_LOWER && (esr & (1u << 6)) && !(esr & (1u << 8)); /* WnR, !CM */
    unsigned access = ec == EC_IABT_LOWER ? PROT_X : write ? PROT_W : PROT_R;
    uint64_t va = far & 0x00ffffffffffffffull; /* drop the TBI tag */
    if ((fsc & 0x3c) == 0x04 && mem_demand_page(&p->mem, va, access)) return;
    if (fsc == 0x21)
        fault_signal(p, SIGBUS_, BUS_ADRALN, va, esr);
    else if ((fsc & 0x3c) == 0x04)
        fault_signal(p, SIGSEGV_, vma_find(&p->mem, va) ? SEGV_ACCERR : SEGV_MAPERR, va, esr);
    else if ((fsc & 0x3c) == 0x0c || (fsc & 0x3c) == 0x08)
        fault_signal(p, SIGSEGV_, SEGV_ACCERR, va, esr);
    else
        fault_signal(p, SIGBUS_, BUS_OBJERR, va, esr);
}

void handle_exception(user_process *p) {
    arm_cpu *cpu = p->cpu;
    if (p->trap_vector == VECTOR_IRQ_LOWER_A64) return; /* enter_kernel: nothing to do here */
    if (p->trap_vector != VECTOR_SYNC_LOWER_A64) {
        uint64_t elr = 0;
        cpu_read_sysreg(cpu, "ELR_EL1", &elr);
        fprintf(stderr, "socemu-user: unexpected exception vector %u at pc %#llx\n", p->trap_vector,
                (unsigned long long)elr);
        process_exit(p, 128 + SIGSEGV_);
        return;
    }
    uint64_t esr = 0, far = 0;
    cpu_read_sysreg(cpu, "ESR_EL1", &esr);
    cpu_read_sysreg(cpu, "FAR_EL1", &far);
    uint64_t pc = user_pc(p);
    unsigned ec = (unsigned)(esr >> 26) & 0x3f;
    if (p->debug)
        fprintf(stderr, "socemu-user: exception ec=%#x iss=%#llx pc=%#llx far=%#llx x8=%llu\n", ec,
                (unsigned long long)(esr & 0x1ffffff), (unsigned long long)pc,
                (unsigned long long)far, (unsigned long long)cpu_get_xreg(cpu, 8));
    switch (ec) {
    case EC_SVC64:
        /* a host signal that came while the thread ran: taken before the call, which runs
         * again when the handler returns (as if the signal had come just before the svc) */
        host_signals_poll(p);
        if (signal_deliverable(p, p->cur)) {
            user_set_pc(p, pc - 4);
            break;
        }
        syscall_dispatch(p);
        break;
    case EC_IABT_LOWER:
    case EC_DABT_LOWER: memory_abort(p, ec, esr, far); break;
    case EC_PC_ALIGN: fault_signal(p, SIGBUS_, BUS_ADRALN, far, esr); break;
    case EC_SP_ALIGN: fault_signal(p, SIGBUS_, BUS_ADRALN, user_sp(p), esr); break;
    case EC_WFX: user_set_pc(p, pc + 4); break; /* WFI from EL0: Linux skips it */
    case EC_BRK64: fault_signal(p, SIGTRAP_, TRAP_BRKPT, pc, esr); break;
    case EC_FP_EXC64: fault_signal(p, SIGFPE_, FPE_FLTUNK, pc, esr); break;
    case EC_UNKNOWN:
    case EC_SYSREG:
        if (!emulate_id_mrs(p, pc)) fault_signal(p, SIGILL_, ILL_ILLOPC, pc, 0);
        break;
    default: fault_signal(p, SIGILL_, ILL_ILLOPC, pc, 0); break;
    }
}
