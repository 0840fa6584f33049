/* Runtime of the bare-metal system tests (see systest.h). */
#include "systest.h"

#define AUX_ENABLES 0x3F215004ul
#define AUX_MU_IO   0x3F215040ul
#define AUX_MU_LSR  0x3F215054ul
#define PM_RSTC     0x3F10001Cul
#define PM_RSTS     0x3F100020ul
#define PM_WDOG     0x3F100024ul
#define PM_PASSWORD 0x5A000000u

struct exc_rec exc_last[NCORES];
exc_hook_fn exc_hook[NCORES];
static volatile int exc_armed[NCORES];
volatile uint64_t exc_resume_at[NCORES];
static volatile uint32_t print_lock;
static volatile uint32_t npass, nfail;
static uint64_t heap_next;
extern char __heap_start[];

/* ---- UART (mini UART, the rpi3 console) ---- */
void putc_raw(char c) {
    if (c == '\n') putc_raw('\r');
    while (!(MMIO32(AUX_MU_LSR) & 0x20))
        ;
    MMIO32(AUX_MU_IO) = (uint8_t)c;
}

void puts_raw(const char *s) {
    while (*s)
        putc_raw(*s++);
}

static void put_hex(uint64_t v) {
    puts_raw("0x");
    int started = 0;
    for (int i = 60; i >= 0; i -= 4) {
        int d = (v >> i) & 15;
        if (d || started || i == 0) {
            putc_raw("0123456789abcdef"[d]);
            started = 1;
        }
    }
}

static void put_dec(uint64_t v) {
    char buf[24];
    int n = 0;
    do {
        buf[n++] = '0' + v % 10;
        v /= 10;
    } while (v);
    while (n)
        putc_raw(buf[--n]);
}

static void vprint(const char *fmt, va_list ap) {
    for (; *fmt; fmt++) {
        if (*fmt != '%') {
            putc_raw(*fmt);
            continue;
        }
        switch (*++fmt) {
        case 's': puts_raw(va_arg(ap, const char *)); break;
        case 'c': putc_raw((char)va_arg(ap, int)); break;
        case 'd': {
            int64_t v = va_arg(ap, int64_t);
            if (v < 0) {
                putc_raw('-');
                v = -v;
            }
            put_dec((uint64_t)v);
            break;
        }
        case 'u': put_dec(va_arg(ap, uint64_t)); break;
        case 'x': put_hex(va_arg(ap, uint64_t)); break;
        case '%': putc_raw('%'); break;
        default: putc_raw('?'); break;
        }
    }
}

/* The lock is skipped while the MMU is off at EL1/EL0 only if needed; exclusives work on any
   memory type in socemu and on the A53 for Device/Normal-NC with the global monitor. */
void printf_(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    spin_lock(&print_lock);
    vprint(fmt, ap);
    spin_unlock(&print_lock);
    va_end(ap);
}

void spin_lock(volatile uint32_t *l) {
    uint32_t tmp, fail;
    __asm__ volatile("sevl\n"
                     "1: wfe\n"
                     "2: ldaxr %w0, [%2]\n"
                     "   cbnz %w0, 1b\n"
                     "   stxr %w1, %w3, [%2]\n"
                     "   cbnz %w1, 2b\n"
                     : "=&r"(tmp), "=&r"(fail)
                     : "r"(l), "r"(1)
                     : "memory");
}

void spin_unlock(volatile uint32_t *l) {
    __asm__ volatile("stlr wzr, [%0]" ::"r"(l) : "memory");
}

void check(const char *name, int ok) {
    if (ok) {
        printf_("PASS %s\n", name);
        __atomic_fetch_add(&npass, 1, __ATOMIC_RELAXED);
    } else {
        printf_("FAIL %s\n", name);
        __atomic_fetch_add(&nfail, 1, __ATOMIC_RELAXED);
    }
}

void check_eq(const char *name, uint64_t got, uint64_t want) {
    if (got == want) {
        printf_("PASS %s\n", name);
        __atomic_fetch_add(&npass, 1, __ATOMIC_RELAXED);
    } else {
        printf_("FAIL %s got %x want %x\n", name, got, want);
        __atomic_fetch_add(&nfail, 1, __ATOMIC_RELAXED);
    }
}

/* Power-off through the PM watchdog (rpi3-hardware.md §2.8): partition 63 = halt, 10 ticks. */
void power_off(void) {
    MMIO32(PM_RSTS) = PM_PASSWORD | (MMIO32(PM_RSTS) & ~0xfffff000u) | 0x555;
    MMIO32(PM_WDOG) = PM_PASSWORD | 10;
    MMIO32(PM_RSTC) = PM_PASSWORD | 0x20;
    for (;;)
        __asm__ volatile("" ::: "memory"); /* spin (not WFI): time must run for the watchdog */
}

void systest_finish(void) {
    printf_("END pass=%u fail=%u\n", (uint64_t)npass, (uint64_t)nfail);
    power_off();
}

void fatal(const char *what) {
    printf_("FAIL fatal %s\n", what);
    systest_finish();
}

__attribute__((weak)) void secondary_main(uint64_t core) {
    (void)core;
}

/* ---- exceptions ---- */
void exc_expect(void) {
    exc_armed[core_id()]++;
    DSB();
}

int exc_pending_expect(void) {
    int c = core_id(), r = exc_armed[c];
    exc_armed[c] = 0;
    return r;
}

extern void ctx_resume(int el, uint64_t value) __attribute__((noreturn));

void exc_dispatch(struct frame *f, uint64_t el, uint64_t vec) {
    uint64_t esr = 0, far = 0;
    switch (el) {
    case 1:
        esr = SYS_READ(esr_el1);
        far = SYS_READ(far_el1);
        break;
    case 2:
        esr = SYS_READ(esr_el2);
        far = SYS_READ(far_el2);
        break;
    case 3:
        esr = SYS_READ(esr_el3);
        far = SYS_READ(far_el3);
        break;
    }
    uint64_t ec = esr_ec(esr);
    int sync = (vec & 3) == 0;
    /* The call-back gate of run_lower: SVC/HVC/SMC #0xfff from a lower EL. */
    if (sync && vec >= 8 && (ec == 0x15 || ec == 0x16 || ec == 0x17) && (esr & 0xffff) == 0xfff)
        ctx_resume((int)el, f->x[0]);

    int c = core_id();
    struct exc_rec *r = &exc_last[c];
    r->el = el;
    r->vec = vec;
    r->esr = sync ? esr : 0;
    r->elr = f->elr;
    r->far = far;
    r->spsr = f->spsr;
    r->count++;
    if (exc_hook[c] && exc_hook[c](f, (int)el, (int)vec)) return;
    if (sync && exc_armed[c]) {
        exc_armed[c]--;
        if (exc_resume_at[c]) {
            f->elr = exc_resume_at[c];
            exc_resume_at[c] = 0;
        } else if (ec != 0x15 && ec != 0x16 && ec != 0x17)
            f->elr += 4;
        return;
    }
    spin_unlock(&print_lock); /* in case the exception hit inside printf_ */
    printf_("FAIL unexpected_exception core=%u el=%u vec=%u esr=%x elr=%x far=%x spsr=%x\n",
            (uint64_t)c, el, vec, esr, f->elr, far, f->spsr);
    __atomic_fetch_add(&nfail, 1, __ATOMIC_RELAXED);
    systest_finish();
}

void setup_lower_els(void) {
    /* SCR_EL3: RES1 bits 5:4, NS, HCE, RW; SMD = 0 (SMC enabled), IRQ/FIQ/EA stay below EL3. */
    SYS_WRITE(scr_el3, (3u << 4) | 1 | (1u << 8) | (1u << 10));
    SYS_WRITE(cptr_el3, 0);
    SYS_WRITE(hcr_el2, 1ull << 31); /* RW: EL1 is AArch64 */
    SYS_WRITE(cptr_el2, 0x33ff);    /* no FP traps to EL2 */
    SYS_WRITE(cnthctl_el2, 3);      /* EL1 physical counter/timer access */
    SYS_WRITE(cntvoff_el2, 0);
    SYS_WRITE(sctlr_el2, 0x30c50830); /* MMU off */
    SYS_WRITE(sctlr_el1, 0x30d00800); /* MMU off, nTWI = nTWE = 0 */
    SYS_WRITE(cpacr_el1, 3u << 20);   /* FPEN: no FP traps */
    SYS_WRITE(vpidr_el2, SYS_READ(midr_el1));
    SYS_WRITE(vmpidr_el2, SYS_READ(mpidr_el1));
    ISB();
}

/* ---- page tables ---- */
void *page_alloc(uint64_t size) {
    if (!heap_next) heap_next = (uint64_t)__heap_start;
    heap_next = (heap_next + size - 1) & ~(size - 1);
    uint64_t *p = (uint64_t *)heap_next;
    heap_next += size;
    for (uint64_t i = 0; i < size / 8; i++)
        p[i] = 0;
    return p;
}

uint64_t *pt_new(void) {
    return page_alloc(4096);
}

uint64_t *pt_slot(uint64_t *root, uint64_t va, int level) {
    uint64_t *t = root;
    for (int l = 1; l < level; l++) {
        uint64_t *e = &t[(va >> (39 - 9 * l)) & 511];
        if ((*e & 3) != 3) {
            uint64_t *n = pt_new();
            *e = (uint64_t)n | PTE_TABLE;
        }
        t = (uint64_t *)(*e & 0xfffffffff000ull);
    }
    return &t[(va >> (39 - 9 * level)) & 511];
}

void pt_map_4k(uint64_t *root, uint64_t va, uint64_t pa, uint64_t attrs) {
    *pt_slot(root, va, 3) = pa | attrs | PTE_TABLE;
}

uint64_t *pt_identity(void) {
    uint64_t *root = pt_new();
    for (uint64_t a = 0; a < 0x3f000000; a += 0x200000)
        *pt_slot(root, a, 2) = a | PTE_NORMAL | PTE_AP_RW_EL1 | PTE_BLOCK;
    for (uint64_t a = 0x3f000000; a < 0x40000000; a += 0x200000)
        *pt_slot(root, a, 2) = a | PTE_DEVICE | PTE_BLOCK;
    *pt_slot(root, 0x40000000, 2) = 0x40000000 | PTE_DEVICE | PTE_BLOCK;
    DSB();
    return root;
}

void tlbi_all_el1(void) {
    __asm__ volatile("dsb ishst\n tlbi vmalle1\n dsb ish\n isb" ::: "memory");
}

void mmu_on_el1(uint64_t *root) {
    SYS_WRITE(mair_el1, MAIR_VALUE);
    SYS_WRITE(tcr_el1, TCR_4K_39);
    SYS_WRITE(ttbr0_el1, (uint64_t)root);
    ISB();
    tlbi_all_el1();
    SYS_WRITE(sctlr_el1, SYS_READ(sctlr_el1) | 1 | (1 << 2) | (1 << 12));
    ISB();
}

void mmu_off_el1(void) {
    SYS_WRITE(sctlr_el1, SYS_READ(sctlr_el1) & ~(uint64_t)(1 | (1 << 2) | (1 << 12)));
    ISB();
}
