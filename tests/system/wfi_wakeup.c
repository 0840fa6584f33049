/* WFI and WFE wake-ups across cores, at EL1: a timer interrupt wakes a WFI even with PSTATE.I
   masked; a local-intc mailbox IPI from core 1 wakes core 0's WFI and is acknowledged; SEV wakes
   a WFE on another core. A wake-up that never comes makes socemu report "guest hung" (exit 1). */
#include "systest.h"

static volatile uint64_t irq_count, irq_src, mbox_val, mbox_after;
static volatile uint32_t core0_ready, core1_flag, core1_ack, core1_done;

static int isr(struct frame *f, int el, int vec) {
    if ((vec & 3) != 1) return 0;
    irq_src = MMIO32(LOCAL_IRQ_SRC(0));
    if (irq_src & (1u << 4)) { /* mailbox 0 */
        mbox_val = MMIO32(LOCAL_MBOX_CLR(0, 0));
        MMIO32(LOCAL_MBOX_CLR(0, 0)) = (uint32_t)mbox_val; /* write-1-to-clear: ack */
        mbox_after = MMIO32(LOCAL_MBOX_CLR(0, 0));
    }
    if (irq_src & (1u << 3)) SYS_WRITE(cntv_ctl_el0, 0);
    irq_count++;
    return 1;
}

static uint64_t core1_el1(uint64_t core) {
    /* Wait for core 0 to sleep, then send mailbox 0 bit 5. */
    while (!core0_ready)
        WFE();
    for (volatile int i = 0; i < 2000; i++) /* let core 0 reach its WFI */
        ;
    MMIO32(LOCAL_MBOX_SET(0, 0)) = 1u << 5;

    /* WFE until core 0 raises the flag and sends SEV. */
    while (!core1_flag)
        WFE();
    core1_ack = 1;
    DSB();
    SEV();
    core1_done = 1;
    return 0;
}

void secondary_main(uint64_t core) {
    if (core != 1) return;
    setup_lower_els();
    run_lower(1, core1_el1, core, 0);
}

static uint64_t el1_main(uint64_t arg) {
    exc_hook[0] = isr;

    /* 1. Timer wakes WFI with IRQs masked: no exception, WFI just returns. */
    MMIO32(LOCAL_TIMER_CTL(0)) = 1u << 3;
    uint64_t start = SYS_READ(cntvct_el0);
    SYS_WRITE(cntv_tval_el0, 19200); /* 1 ms */
    SYS_WRITE(cntv_ctl_el0, 1);
    ISB();
    while (!(SYS_READ(cntv_ctl_el0) & 4))
        WFI();
    check("wfi_masked_wakes_on_timer", irq_count == 0 && SYS_READ(cntvct_el0) - start >= 19200);
    __asm__ volatile("msr daifclr, #2\n isb" ::: "memory"); /* now taken */
    __asm__ volatile("msr daifset, #2" ::: "memory");
    check_eq("masked_irq_taken_after_unmask", irq_count, 1);
    MMIO32(LOCAL_TIMER_CTL(0)) = 0;

    /* 2. Mailbox IPI from core 1 wakes WFI. */
    MMIO32(LOCAL_MBOX_CTL(0)) = 1; /* mailbox 0 IRQ enable */
    __asm__ volatile("msr daifclr, #2" ::: "memory");
    core0_ready = 1;
    DSB();
    SEV();
    while (irq_count < 2)
        WFI();
    __asm__ volatile("msr daifset, #2" ::: "memory");
    check("ipi_source_mailbox0", irq_src & (1u << 4));
    check_eq("ipi_mailbox_value", mbox_val, 1u << 5);
    check_eq("ipi_acked_mailbox_clear", mbox_after, 0);
    check("ipi_line_dropped", !(MMIO32(LOCAL_IRQ_SRC(0)) & (1u << 4)));

    /* 3. SEV wakes core 1's WFE; core 1's SEV wakes ours. */
    core1_flag = 1;
    DSB();
    SEV();
    while (!core1_ack)
        WFE();
    check("sev_wakes_other_core_wfe", core1_ack == 1);
    while (!core1_done)
        ;
    check("core1_finished", core1_done == 1);
    exc_hook[0] = 0;
    return 0;
}

void systest_main(void) {
    setup_lower_els();
    run_lower(1, el1_main, 0, 0);
    systest_finish();
}
