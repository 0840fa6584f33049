/* Idle time with and without a host input source (soc/scheduler.c): the core sleeps in WFI on
   the virtual timer for 300 one-second periods, 300 s of guest time. With stdin at end of file
   (/dev/null, as here) socemu jumps over the idle time, so the run takes a moment of host time.
   idle_pacing_test.py runs it again with a pipe on stdin that stays open (a harness or a person
   that may type): then idle time runs no faster than the wall clock. */
#include "systest.h"

static uint64_t el1_main(uint64_t arg) {
    const uint64_t second = 19200000; /* ticks at 19.2 MHz */
    MMIO32(LOCAL_TIMER_CTL(0)) = 1u << 3;
    uint64_t start = SYS_READ(cntvct_el0);
    for (unsigned i = 0; i < 300; i++) {
        SYS_WRITE(cntv_tval_el0, second);
        SYS_WRITE(cntv_ctl_el0, 1);
        ISB();
        while (!(SYS_READ(cntv_ctl_el0) & 4)) /* IRQs masked: WFI wakes, no exception */
            WFI();
        SYS_WRITE(cntv_ctl_el0, 0);
    }
    check("slept_300_guest_seconds", SYS_READ(cntvct_el0) - start >= 300 * second);
    MMIO32(LOCAL_TIMER_CTL(0)) = 0;
    return 0;
}

void systest_main(void) {
    setup_lower_els();
    run_lower(1, el1_main, 0, 0);
    systest_finish();
}
