/* SMP start-up: all four cores enter at the ELF entry in EL3; each reads MPIDR_EL1 and counts
   itself in with LDXR/STXR; core 0 WFEs until all four arrived. Then a spin-table release: each
   secondary waits (WFE) on its own slot and jumps to the address core 0 writes there, one core
   at a time, so only the released core may move. */
#include "systest.h"

static volatile uint32_t arrived;
static volatile uint64_t mpidr_seen[NCORES], el_seen[NCORES], sp_seen[NCORES];
static volatile uint64_t release_slot[NCORES];
static volatile uint32_t released[NCORES], released_order[NCORES], released_n;

static void atomic_inc(volatile uint32_t *p) {
    uint32_t v, fail;
    __asm__ volatile("1: ldxr %w0, [%2]\n add %w0, %w0, #1\n stxr %w1, %w0, [%2]\n cbnz %w1, 1b"
                     : "=&r"(v), "=&r"(fail)
                     : "r"(p)
                     : "memory");
}

static void count_in(uint64_t core) {
    uint64_t sp;
    __asm__ volatile("mov %0, sp" : "=r"(sp));
    mpidr_seen[core] = SYS_READ(mpidr_el1);
    el_seen[core] = current_el();
    sp_seen[core] = sp;
    atomic_inc(&arrived);
    DSB();
    SEV();
}

static void released_entry(uint64_t core) {
    released[core] = 1;
    uint32_t n;
    __asm__ volatile("1: ldxr %w0, [%1]\n add %w0, %w0, #1\n stxr w9, %w0, [%1]\n cbnz w9, 1b"
                     : "=&r"(n)
                     : "r"(&released_n)
                     : "x9", "memory");
    released_order[n - 1] = core;
    DSB();
    SEV();
}

void secondary_main(uint64_t core) {
    count_in(core);
    while (!release_slot[core])
        WFE();
    ((void (*)(uint64_t))release_slot[core])(core);
}

void systest_main(void) {
    count_in(0);
    while (arrived < NCORES)
        WFE();
    printf_("  cores arrived: %u\n", (uint64_t)arrived);
    check_eq("all_cores_counted", arrived, 4);
    int mp_ok = 1, el_ok = 1, sp_ok = 1;
    for (int i = 0; i < NCORES; i++) {
        mp_ok &= mpidr_seen[i] == (0x80000000ull | i);
        el_ok &= el_seen[i] == 3;
        for (int j = 0; j < i; j++)
            sp_ok &= (sp_seen[i] >> 16) != (sp_seen[j] >> 16);
    }
    check("mpidr_per_core", mp_ok);
    check("every_core_starts_el3", el_ok);
    check("own_stack_per_core", sp_ok);

    /* Release 3, then 1, then 2: the others must stay parked. */
    static const int order[3] = {3, 1, 2};
    int order_ok = 1;
    for (int k = 0; k < 3; k++) {
        int c = order[k];
        release_slot[c] = (uint64_t)released_entry;
        DSB();
        SEV();
        while (released_n < (uint32_t)k + 1)
            WFE();
        for (volatile int i = 0; i < 5000; i++) /* give a wrongly woken core time to run */
            ;
        order_ok &= released_n == (uint32_t)k + 1 && released_order[k] == (uint32_t)c;
    }
    check("spin_table_release_in_order", order_ok);
    check("spin_table_all_released", released[1] && released[2] && released[3] && !released[0]);
    systest_finish();
}
