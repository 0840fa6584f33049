/* Bare-metal runtime of the system tests: UART output, result protocol, exceptions, EL changes,
   page tables. Programs define `void systest_main(void)` (core 0, EL3) and may define
   `void secondary_main(uint64_t core)` (cores 1-3, EL3; default parks them in WFE). */
#ifndef SYSTEST_H
#define SYSTEST_H
#include <stdint.h>
#include <stdarg.h>

#define NCORES    4
#define MMIO32(a) (*(volatile uint32_t *)(uintptr_t)(a))

/* ---- registers ---- */
#define SYS_READ(reg)                                                                              \
    ({                                                                                             \
        uint64_t v_;                                                                               \
        __asm__ volatile("mrs %0, " #reg : "=r"(v_));                                              \
        v_;                                                                                        \
    })
#define SYS_WRITE(reg, v) __asm__ volatile("msr " #reg ", %0" ::"r"((uint64_t)(v)) : "memory")
#define ISB()             __asm__ volatile("isb" ::: "memory")
#define DSB()             __asm__ volatile("dsb sy" ::: "memory")
#define SEV()             __asm__ volatile("sev" ::: "memory")
#define WFE()             __asm__ volatile("wfe" ::: "memory")
#define WFI()             __asm__ volatile("wfi" ::: "memory")

static inline uint64_t current_el(void) {
    return (SYS_READ(CurrentEL) >> 2) & 3;
}
static inline uint64_t core_id(void) {
    return SYS_READ(mpidr_el1) & 0xff;
}

/* ---- output and results ---- */
void putc_raw(char c);
void puts_raw(const char *s);
void printf_(const char *fmt, ...); /* %s %c %d %u %x (64-bit hex, 0x prefix) %%; locked */
/* Result lines the driver checks: "PASS <name>" / "FAIL <name> <details>". Names are literals
   so run_system_test.py can list every check of the program from its source. */
void check(const char *name, int ok);
void check_eq(const char *name, uint64_t got, uint64_t want);
void systest_finish(void) __attribute__((noreturn));    /* "END pass=N fail=M", power off */
void fatal(const char *what) __attribute__((noreturn)); /* FAIL fatal <what>, power off */
void power_off(void) __attribute__((noreturn));

/* ---- spinlock (LDAXR/STXR) ---- */
void spin_lock(volatile uint32_t *l);
void spin_unlock(volatile uint32_t *l);

/* ---- exceptions ----
   Vector index: 0-3 current EL SP0 (sync, irq, fiq, serror), 4-7 current EL SPx, 8-11 lower EL
   AArch64, 12-15 lower EL AArch32. A synchronous exception is fatal unless armed with
   exc_expect() (once per expected exception; callable at EL1-3 only, EL0 cannot read MPIDR,
   so arm before run_lower(0, ...)); the default handling then resumes after the instruction (ELR +=
   4, except SVC/HVC/SMC whose ELR already points past it). IRQ/FIQ need a hook. */
struct frame {
    uint64_t x[31];
    uint64_t elr, spsr, pad;
};
struct exc_rec {
    volatile uint64_t count;
    uint64_t el, vec, esr, elr, far, spsr, sp_sel;
};
extern struct exc_rec exc_last[NCORES];
typedef int (*exc_hook_fn)(struct frame *f, int el, int vec); /* nonzero: handled */
extern exc_hook_fn exc_hook[NCORES];
void exc_expect(void);
/* If set when an armed exception arrives: resume there instead (one shot). */
extern volatile uint64_t exc_resume_at[NCORES];
int exc_pending_expect(void); /* still armed: no exception was taken */
static inline uint64_t esr_ec(uint64_t esr) {
    return (esr >> 26) & 0x3f;
}
static inline uint64_t esr_iss(uint64_t esr) {
    return esr & 0x1ffffff;
}

/* Run fn(arg) at a lower EL (0..2) and return its result; see start.S. spsr_extra is ORed into
   the SPSR (bit 63: leave DAIF unmasked). */
uint64_t run_lower(int el, uint64_t (*fn)(uint64_t), uint64_t arg, uint64_t spsr_extra);
#define RUN_UNMASKED (1ull << 63)

/* EL3 setup that lets EL2/EL1/EL0 run AArch64, non-secure, with SMC/HVC enabled, no FP traps,
   EL1 physical timer access, and IRQ/FIQ to EL1. */
void setup_lower_els(void);

/* ---- page tables (4 KiB granule, 39-bit VA: levels 1-3) ---- */
#define PTE_VALID     1ull
#define PTE_TABLE     3ull /* table (levels 1-2) or page (level 3) */
#define PTE_BLOCK     1ull
#define PTE_ATTR(i)   ((uint64_t)(i) << 2) /* MAIR index: 0 device, 1 normal */
#define PTE_AP_RW_EL1 (0ull << 6)
#define PTE_AP_RW_ALL (1ull << 6)
#define PTE_AP_RO_EL1 (2ull << 6)
#define PTE_AP_RO_ALL (3ull << 6)
#define PTE_SH_INNER  (3ull << 8)
#define PTE_AF        (1ull << 10)
#define PTE_PXN       (1ull << 53)
#define PTE_UXN       (1ull << 54)
#define PTE_NORMAL    (PTE_ATTR(1) | PTE_SH_INNER | PTE_AF)
#define PTE_DEVICE    (PTE_ATTR(0) | PTE_AF | PTE_PXN | PTE_UXN)
#define MAIR_VALUE    0xff00ull /* attr0 Device-nGnRnE, attr1 Normal WB */
#define TCR_4K_39     (25ull | (1ull << 8) | (1ull << 10) | (3ull << 12) | (1ull << 23) | (2ull << 32))

void *page_alloc(uint64_t size); /* zeroed, size-aligned, from the heap after the image */
uint64_t *pt_new(void);
/* Descriptor slot for va at `level` in a 4K/39-bit tree, creating tables on the way. */
uint64_t *pt_slot(uint64_t *root, uint64_t va, int level);
void pt_map_4k(uint64_t *root, uint64_t va, uint64_t pa, uint64_t attrs);
/* Identity map: RAM 0..0x3f000000 normal RW EL1-only (2 MiB blocks), peripherals and the local
   block as device. */
uint64_t *pt_identity(void);
void mmu_on_el1(uint64_t *root); /* MAIR/TCR/TTBR0_EL1, TLBI, SCTLR_EL1.M|C|I */
void mmu_off_el1(void);
void tlbi_all_el1(void);

/* ---- local interrupt controller (BCM2836) ---- */
#define LOCAL_BASE           0x40000000ul
#define LOCAL_TIMER_CTL(n)   (LOCAL_BASE + 0x40 + 4 * (n))
#define LOCAL_MBOX_CTL(n)    (LOCAL_BASE + 0x50 + 4 * (n))
#define LOCAL_IRQ_SRC(n)     (LOCAL_BASE + 0x60 + 4 * (n))
#define LOCAL_FIQ_SRC(n)     (LOCAL_BASE + 0x70 + 4 * (n))
#define LOCAL_MBOX_SET(n, m) (LOCAL_BASE + 0x80 + 16 * (n) + 4 * (m))
#define LOCAL_MBOX_CLR(n, m) (LOCAL_BASE + 0xC0 + 16 * (n) + 4 * (m))

void systest_main(void);
void secondary_main(uint64_t core);
#endif
