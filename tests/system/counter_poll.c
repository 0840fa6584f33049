/* A core that polls the generic counter in a tight loop (udelay, U-Boot's delays) is parked by
   socemu for a few virtual microseconds at a time instead of spinning instruction by instruction
   (cpu/timer/generic_timer.c, timer_note_counter_poll). The guest must see only a counter that
   moves on: a delay lasts at least what it asked for, not much more, retiring far fewer
   instructions than spinning would (plain, U-Boot's and Linux's delay loops); a loop that does
   work between its counter reads is never parked (its work per guest second is what it is with
   SOCEMU_NO_POLL_PARK=1: counter_poll_work_test.py); a loop that only re-reads a device
   register is parked as well, one with work inside is not; an interrupt still ends a parked
   poll at once; a loop that polls memory as well as the counter sees another core's store. */
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

/* The PMU cycle counter: retired instructions. */
static uint64_t retired(void) {
    uint64_t v;
    __asm__ volatile("isb\n mrs %0, pmccntr_el0" : "=r"(v)::"memory");
    return v;
}

/* The BCM2835 system timer (1 MHz): CS, CLO, ..., C1 (word offsets 0, 1, 4). */
#define ST(n) (*(volatile uint32_t *)(0x3F003000ul + 4 * (n)))

static volatile uint64_t gd_tbl; /* U-Boot's gd->arch.tbl */

static __attribute__((noinline)) uint64_t uboot_get_ticks(void) {
    uint64_t v;
    __asm__ volatile("isb\n mrs %0, cntpct_el0" : "=r"(v)::"memory");
    gd_tbl = v;
    return v;
}

static __attribute__((noinline)) uint64_t read_cntvct(void) {
    return counter();
}
static uint64_t (*volatile arch_timer_read_counter)(void) = read_cntvct;

static __attribute__((noinline)) void linux_delay(uint64_t cycles) {
    uint64_t (*read)(void) = arch_timer_read_counter;
    uint64_t start = read();
    while (read() - start < cycles)
        __asm__ volatile("yield" ::: "memory");
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

    /* 1. A 100 ms delay: 1 920 000 ticks at 19.2 MHz. Spinning would retire ~10 M instructions
       (every read of a tight loop moves the counter on by one tick: 1.92 M reads of this
       ~5-instruction loop); parked polls retire a few per park. The instruction count comes
       from the PMU cycle counter (one per retired instruction in socemu). */
    SYS_WRITE(pmcr_el0, 1);
    SYS_WRITE(pmcntenset_el0, 1ull << 31);
    ISB();
    const uint64_t ticks = 1920000;
    uint64_t insns = retired(), start = counter(), now;
    do {
        now = counter();
    } while (now - start < ticks);
    insns = retired() - insns;
    check("delay_long_enough", now - start >= ticks);
    check("delay_not_much_longer", now - start < ticks + ticks / 100); /* within 1 ms */
    check("delay_parked", insns < 1000000);

    /* 1b. U-Boot's __udelay: get_ticks() stores each reading (gd->arch.tbl) and returns it, the
       caller compares with a target in another register. Parked too. */
    insns = retired();
    uint64_t target = counter() + ticks / 10;
    while (uboot_get_ticks() < target)
        ;
    insns = retired() - insns;
    check("uboot_delay_parked", insns < 200000);

    /* 1c. Linux's __delay tail: an indirect call to the counter reader (isb; mrs), then
       (now - start) < cycles, and cpu_relax() (yield). */
    insns = retired();
    linux_delay(ticks / 10);
    insns = retired() - insns;
    check("linux_delay_parked", insns < 200000);

    /* 1d. A timed work loop (a clock_gettime-per-iteration benchmark): ~45 instructions of work
       and one counter read per iteration for 2 ms. Parking it would cut the work done per guest
       second; it must run exactly as with SOCEMU_NO_POLL_PARK=1 (counter_poll_work_test.py
       compares the WORK line of both runs). The work's result is printed, so it stays. */
    uint64_t work = 0, x = 1;
    start = counter();
    do {
        for (int j = 0; j < 8; j++)
            x = x * 6364136223846793005ull + 1442695040888963407ull;
        __asm__ volatile("" : "+r"(x));
        work++;
    } while (counter() - start < 2 * 19200);
    printf_("WORK %u %x\n", (unsigned)work, x);
    check("work_loop_ran", work > 100);

    /* 1e. Polling a device register that stays the same until a device event: the system
       timer's match bit for compare 1, 1 ms ahead (U-Boot's sdhost PIO loop waiting for the FIFO
       is this shape). Parked too: spinning would retire ~1 M instructions. */
    ST(0) = 2;
    uint32_t t0 = ST(1);
    ST(4) = t0 + 1000;
    insns = retired();
    while (!(ST(0) & 2))
        ;
    insns = retired() - insns;
    check("mmio_poll_waits", ST(1) - t0 >= 1000);
    check("mmio_poll_parked", insns < 200000);

    /* 1f. The same poll with work inside: never parked (WORK2 compared with and without). */
    ST(0) = 2;
    ST(4) = ST(1) + 1000;
    work = 0;
    do {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        __asm__ volatile("" : "+r"(x));
        work++;
    } while (!(ST(0) & 2));
    ST(0) = 2;
    printf_("WORK2 %u %x\n", (unsigned)work, x);
    check("mmio_work_loop_ran", work > 100);

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
