/* Generic timer interrupts through the BCM2836 local interrupt controller, at EL1 on core 0:
   CNTV (enable bit 3 of 0x40) and CNTP non-secure (bit 1); the controller gates the level, the
   IRQ enters the "current EL SPx IRQ" vector, the ISR sees ISTATUS and the source register, and a
   10 s guest sleep costs (almost) no host time because guest time is virtual. */
#include "systest.h"

#define FREQ       19200000ull
#define SRC_CNTPNS (1u << 1)
#define SRC_CNTV   (1u << 3)

static volatile uint64_t irq_count, irq_vec, irq_src, irq_ctl, irq_at;
static volatile int irq_which; /* 0 virtual, 1 physical */

static int timer_isr(struct frame *f, int el, int vec) {
    if ((vec & 3) != 1) return 0; /* not an IRQ: default handling */
    irq_vec = vec;
    irq_src = MMIO32(LOCAL_IRQ_SRC(0));
    if (irq_which == 0) {
        irq_ctl = SYS_READ(cntv_ctl_el0);
        SYS_WRITE(cntv_ctl_el0, 0); /* disable: the level drops */
        irq_at = SYS_READ(cntvct_el0);
    } else {
        irq_ctl = SYS_READ(cntp_ctl_el0);
        SYS_WRITE(cntp_ctl_el0, 0);
        irq_at = SYS_READ(cntpct_el0);
    }
    ISB();
    irq_count++;
    return 1;
}

static void wait_irq(uint64_t count) {
    __asm__ volatile("msr daifclr, #2" ::: "memory");
    while (irq_count < count)
        WFI();
    __asm__ volatile("msr daifset, #2" ::: "memory");
}

static uint64_t el1_main(uint64_t arg) {
    exc_hook[0] = timer_isr;
    check_eq("cntfrq", SYS_READ(cntfrq_el0), FREQ);
    uint64_t c1 = SYS_READ(cntvct_el0);
    for (volatile int i = 0; i < 1000; i++)
        ;
    check("counter_advances", SYS_READ(cntvct_el0) > c1);

    /* Gate: a pending CNTV with the local enable bit clear interrupts nobody. */
    MMIO32(LOCAL_TIMER_CTL(0)) = 0;
    SYS_WRITE(cntv_cval_el0, SYS_READ(cntvct_el0) + 100);
    SYS_WRITE(cntv_ctl_el0, 1);
    ISB();
    __asm__ volatile("msr daifclr, #2" ::: "memory");
    uint64_t until = SYS_READ(cntvct_el0) + 2000;
    while (SYS_READ(cntvct_el0) < until)
        ;
    __asm__ volatile("msr daifset, #2" ::: "memory");
    check("intc_gate_blocks", irq_count == 0 && (SYS_READ(cntv_ctl_el0) & 4));
    check("intc_source_shows_nothing_when_disabled", !(MMIO32(LOCAL_IRQ_SRC(0)) & SRC_CNTV));
    MMIO32(LOCAL_TIMER_CTL(0)) = 1u << 3;
    wait_irq(1);
    check_eq("cntv_irq_after_enable", irq_count, 1);
    check_eq("cntv_irq_vector_cur_spx", irq_vec, 5);
    check("cntv_isr_source_bit3", irq_src & SRC_CNTV);
    check_eq("cntv_isr_ctl_istatus", irq_ctl, 5); /* ENABLE | ISTATUS */

    /* A 10 s guest sleep: CVAL = now + 10 s, WFI. */
    uint64_t start = SYS_READ(cntvct_el0);
    SYS_WRITE(cntv_cval_el0, start + 10 * FREQ);
    SYS_WRITE(cntv_ctl_el0, 1);
    ISB();
    wait_irq(2);
    uint64_t slept = irq_at - start;
    check("cntv_sleep_10s_elapsed", slept >= 10 * FREQ);
    check("cntv_sleep_not_too_late", slept < 10 * FREQ + FREQ / 10);
    printf_("  slept %u guest ticks (%u ms of guest time)\n", slept, slept / (FREQ / 1000));

    /* TVAL form and masking: IMASK holds the IRQ back; ISTATUS is still set. */
    SYS_WRITE(cntv_tval_el0, 1000);
    SYS_WRITE(cntv_ctl_el0, 3); /* ENABLE | IMASK */
    ISB();
    until = SYS_READ(cntvct_el0) + 3000;
    __asm__ volatile("msr daifclr, #2" ::: "memory");
    while (SYS_READ(cntvct_el0) < until)
        ;
    __asm__ volatile("msr daifset, #2" ::: "memory");
    uint64_t ctl = SYS_READ(cntv_ctl_el0);
    if (irq_count != 2 || ctl != 7) printf_("  imask: irq_count %u ctl %x\n", irq_count, ctl);
    check("cntv_imask_holds_irq", irq_count == 2 && ctl == 7);
    SYS_WRITE(cntv_ctl_el0, 1); /* unmask: fires at once */
    ISB();
    wait_irq(3);
    check_eq("cntv_unmask_fires", irq_count, 3);

    /* CNTP (non-secure physical) through enable bit 1. */
    irq_which = 1;
    MMIO32(LOCAL_TIMER_CTL(0)) = 1u << 1;
    start = SYS_READ(cntpct_el0);
    SYS_WRITE(cntp_tval_el0, FREQ / 100); /* 10 ms */
    SYS_WRITE(cntp_ctl_el0, 1);
    ISB();
    wait_irq(4);
    check("cntp_irq", irq_count == 4 && (irq_src & SRC_CNTPNS) && irq_ctl == 5);
    if (irq_at - start < FREQ / 100)
        printf_("  cntp: start %x irq at %x (cntvct %x)\n", start, irq_at, SYS_READ(cntvct_el0));
    check("cntp_elapsed", irq_at - start >= FREQ / 100);
    MMIO32(LOCAL_TIMER_CTL(0)) = 0;
    exc_hook[0] = 0;
    return 0;
}

void systest_main(void) {
    setup_lower_els();
    run_lower(1, el1_main, 0, 0);
    systest_finish();
}
