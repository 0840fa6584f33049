/* A core that polls the generic counter in a tight loop (udelay, U-Boot's delays) is parked by
   socemu for a few virtual microseconds at a time instead of spinning instruction by instruction
   (cpu/timer/generic_timer.c, timer_note_counter_poll). The guest must see only a counter that
   moves on: a delay lasts at least what it asked for, not much more, in far fewer loop
   iterations than spinning at one instruction per virtual ns would take; an interrupt still ends
   a parked poll at once; a loop that polls memory as well as the counter sees another core's
   store. */
#include "systest.h"

static volatile uint64_t irq_count;
static volatile uint32_t flag_from_core1, core1_go;

static int isr(struct frame *f, int el, int vec) {
    if ((vec & 3) != 1) return 0;
    if (MMIO32(LOCAL_IRQ_SRC(0)) & (1u << 3)) SYS_WRITE(cntv_ctl_el0, 0);
    irq_count++;
    return 1;
}

static uint64_t counter(void) {
    uint64_t v;
    __asm__ volatile("isb\n mrs %0, cntvct_el0" : "=r"(v)::"memory");
    return v;
}

static uint64_t core1_el1(uint64_t core) {
    while (!core1_go)
        WFE();
    for (volatile int i = 0; i < 20000; i++) /* ~0.1 ms of work, then the store */
        ;
    flag_from_core1 = 1;
    return 0;
}

void secondary_main(uint64_t core) {
    if (core != 1) return;
    setup_lower_els();
    run_lower(1, core1_el1, core, 0);
}

static uint64_t el1_main(uint64_t arg) {
    exc_hook[0] = isr;

    /* 1. A 100 ms delay: 1 920 000 ticks at 19.2 MHz. Spinning at one instruction per ns would
       take ~20 M iterations of this ~5-instruction loop; parked polls take a few per park. */
    const uint64_t ticks = 1920000;
    uint64_t iterations = 0, start = counter(), now;
    do {
        now = counter();
        iterations++;
    } while (now - start < ticks);
    check("delay_long_enough", now - start >= ticks);
    check("delay_not_much_longer", now - start < ticks + ticks / 100); /* within 1 ms */
    check("delay_polled_few_times", iterations < 1000000);

    /* 2. A timer interrupt ends a parked poll at once: 1 ms timer, 50 ms poll timeout. */
    MMIO32(LOCAL_TIMER_CTL(0)) = 1u << 3;
    start = counter();
    SYS_WRITE(cntv_tval_el0, 19200);
    SYS_WRITE(cntv_ctl_el0, 1);
    __asm__ volatile("msr daifclr, #2\n isb" ::: "memory");
    while (!irq_count && counter() - start < 50 * 19200)
        ;
    now = counter();
    __asm__ volatile("msr daifset, #2" ::: "memory");
    check_eq("irq_taken_during_poll", irq_count, 1);
    check("irq_ends_poll_promptly", now - start >= 19200 && now - start < 19200 + 19200 / 10);
    MMIO32(LOCAL_TIMER_CTL(0)) = 0;

    /* 3. Polling memory and the counter: core 1's store is seen long before the timeout. */
    core1_go = 1;
    DSB();
    SEV();
    start = counter();
    while (!flag_from_core1 && counter() - start < 100 * 19200)
        ;
    now = counter();
    check("store_seen_while_polling", flag_from_core1 == 1);
    check("store_seen_before_timeout", now - start < 10 * 19200);
    exc_hook[0] = 0;
    return 0;
}

void systest_main(void) {
    setup_lower_els();
    run_lower(1, el1_main, 0, 0);
    systest_finish();
}
