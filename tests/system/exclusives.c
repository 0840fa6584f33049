/* Exclusives across cores at EL1 with the MMU on (Normal memory): 4 x 10000 LDAXR/STLXR
   increments give exactly 40000; another core's store into the reserved granule makes STXR fail;
   CLREX and an exception return clear the local monitor. */
#include "systest.h"

#define ITER 10000

static uint64_t *root;
static volatile uint32_t start_flag, done_count;
static volatile uint64_t counter __attribute__((aligned(64)));
static volatile uint64_t counter2 __attribute__((aligned(64)));
static volatile uint64_t retries2[NCORES];
static volatile uint64_t granule[8] __attribute__((aligned(64)));
static volatile uint32_t step;            /* handshake for the interference test */
static volatile uint64_t retries[NCORES]; /* failed STLXRs: shows the cores really contended */

static uint32_t stxr_after_ldxr(volatile uint64_t *p, uint64_t v, void (*between)(void)) {
    uint64_t old;
    uint32_t status;
    __asm__ volatile("ldxr %0, [%1]" : "=r"(old) : "r"(p) : "memory");
    between();
    __asm__ volatile("stxr %w0, %2, [%1]" : "=&r"(status) : "r"(p), "r"(v) : "memory");
    return status;
}

static void nothing(void) {}
static void do_clrex(void) {
    __asm__ volatile("clrex" ::: "memory");
}
static void do_svc(void) {
    exc_expect();
    __asm__ volatile("svc #0x1" ::: "memory");
}
/* Core 1 stores into granule[5] (same 64-byte granule as granule[0]) while we hold the monitor. */
static void other_core_stores(void) {
    step = 1;
    DSB();
    SEV();
    while (step != 2)
        WFE();
}

static uint64_t worker(uint64_t core) {
    mmu_on_el1(root);
    while (!start_flag)
        WFE();
    uint64_t tries = 0;
    for (int i = 0; i < ITER; i++) {
        uint64_t v;
        uint32_t fail;
        do {
            tries++;
            __asm__ volatile("ldaxr %0, [%2]\n add %0, %0, #1\n stlxr %w1, %0, [%2]"
                             : "=&r"(v), "=&r"(fail)
                             : "r"(&counter)
                             : "memory");
        } while (fail);
    }
    retries[core] = tries - ITER;
    /* Phase 2: a 100-iteration delay inside each LDAXR..STLXR window, so the cores' windows
       overlap (socemu switches cores between time slices) and stores really break
       reservations: the total must stay exact while some STLXRs fail. */
    tries = 0;
    for (int i = 0; i < ITER / 10; i++) {
        uint64_t v;
        uint32_t fail;
        do {
            tries++;
            __asm__ volatile("ldaxr %0, [%2]\n mov x3, #100\n2: subs x3, x3, #1\n b.ne 2b\n"
                             "add %0, %0, #1\n stlxr %w1, %0, [%2]"
                             : "=&r"(v), "=&r"(fail)
                             : "r"(&counter2)
                             : "x3", "memory", "cc");
        } while (fail);
    }
    retries2[core] = tries - ITER / 10;
    uint32_t n, fail;
    __asm__ volatile("1: ldaxr %w0, [%2]\n add %w0, %w0, #1\n stlxr %w1, %w0, [%2]\n cbnz %w1, 1b"
                     : "=&r"(n), "=&r"(fail)
                     : "r"(&done_count)
                     : "memory");
    SEV();
    if (core == 1) {
        while (step != 1)
            WFE();
        granule[5] = 0x55;
        DSB();
        step = 2;
        DSB();
        SEV();
    }
    return 0;
}

void secondary_main(uint64_t core) {
    while (!root)
        WFE();
    setup_lower_els();
    run_lower(1, worker, core, 0);
}

static uint64_t el1_main(uint64_t arg) {
    uint64_t t0 = SYS_READ(cntvct_el0);
    start_flag = 1;
    DSB();
    SEV();
    worker(0);
    while (done_count < NCORES)
        WFE();
    printf_("  counter = %u (%u guest ticks); failed STLXRs per core: %u %u %u %u\n", counter,
            SYS_READ(cntvct_el0) - t0, retries[0], retries[1], retries[2], retries[3]);
    check_eq("four_cores_40000_increments", counter, 4 * ITER);
    printf_("  counter2 = %u; failed STLXRs per core: %u %u %u %u\n", counter2, retries2[0],
            retries2[1], retries2[2], retries2[3]);
    check_eq("contended_4000_increments", counter2, 4 * ITER / 10);
    check("contention_breaks_reservations",
          retries2[0] + retries2[1] + retries2[2] + retries2[3] > 0);

    check_eq("stxr_succeeds_undisturbed", stxr_after_ldxr(&granule[0], 1, nothing), 0);
    check_eq("stxr_stored", granule[0], 1);
    check_eq("clrex_makes_stxr_fail", stxr_after_ldxr(&granule[0], 2, do_clrex), 1);
    check_eq("eret_makes_stxr_fail", stxr_after_ldxr(&granule[0], 3, do_svc), 1);
    check_eq("other_core_store_makes_stxr_fail", stxr_after_ldxr(&granule[0], 4, other_core_stores),
             1);
    check("failed_stxr_stores_nothing", granule[0] == 1 && granule[5] == 0x55);
    return 0;
}

void systest_main(void) {
    setup_lower_els();
    uint64_t *r = pt_identity();
    DSB();
    root = r;
    DSB();
    SEV();
    run_lower(1, el1_main, 0, 0);
    systest_finish();
}
