/* The watchdog's power-off and reset requests through a real rpi3 machine: the PM registers are
 * written through the machine's bus exactly as Linux's bcm2835_wdt does it (power-off =
 * partition 63 + 10 ticks + full reset), every core idles in WFI, and machine_run must end with
 * MACHINE_RUN_POWEROFF (or REBOOT under no_reboot) once the 10 ticks have passed in virtual
 * time — not at the register write, and never after a stop. */
#include "check.h"
#include "boards/machine.h"

enum { PM_RSTC = 0x3f10001c, PM_RSTS = 0x3f100020, PM_WDOG = 0x3f100024 };
#define PW 0x5a000000u

static machine *m;

static uint64_t rd32(uint64_t addr) {
    uint64_t v = 0;
    CHECK_EQ_U64(bus_read(machine_bus(m), addr, 4, &v), BUS_OK);
    return v;
}
static void wr32(uint64_t addr, uint64_t v) {
    CHECK_EQ_U64(bus_write(machine_bus(m), addr, 4, v), BUS_OK);
}

static uint64_t ticks_ns(uint64_t ticks) {
    return (ticks * 1000000000ull + 65535) / 65536;
}

/* A guard so a broken model cannot hang the test: stop after 20 s of guest time. */
static void poll(void *opaque) {
    (void)opaque;
    if (machine_guest_ns(m) > 20000000000ull) machine_stop(m);
}

static machine *create(bool no_reboot) {
    machine_options opts = {.board = "rpi3", .no_reboot = no_reboot};
    char err[300] = "";
    machine *mm = machine_create(&opts, err, sizeof err);
    CHECK(mm != NULL);
    if (!mm) {
        fprintf(stderr, "machine_create: %s\n", err);
        return NULL;
    }
    /* No boot image: every core starts at 0; park them all in "wfi; b .-4". */
    CHECK_EQ_U64(bus_write(machine_bus(mm), 0, 4, 0xd503207f), BUS_OK);
    CHECK_EQ_U64(bus_write(machine_bus(mm), 4, 4, 0x17ffffff), BUS_OK);
    return mm;
}

/* bcm2835_wdt's __bcm2835_restart(partition). */
static void restart(unsigned partition) {
    uint32_t rsts = 0;
    for (unsigned i = 0; i < 6; i++)
        if (partition & (1u << i)) rsts |= 1u << (2 * i);
    wr32(PM_RSTS, PW | ((uint32_t)rd32(PM_RSTS) & 0xfffffaaa) | rsts);
    wr32(PM_WDOG, PW | 10);
    wr32(PM_RSTC, PW | ((uint32_t)rd32(PM_RSTC) & 0xffffffcf) | 0x20);
}

static void test_poweroff(void) {
    if (!(m = create(false))) return;
    uint64_t t0 = machine_guest_ns(m);
    restart(63);
    CHECK_EQ_U64(rd32(PM_RSTS) & 0xFFF, 0x555);
    machine_run_result r = machine_run(m, poll, NULL);
    CHECK_EQ_U64(r, MACHINE_RUN_POWEROFF);
    uint64_t t = machine_guest_ns(m) - t0;
    CHECK(t >= ticks_ns(10));          /* not before 10 ticks (152.6 us) */
    CHECK(t < ticks_ns(10) + 1000000); /* and promptly after */
    CHECK_STR_CONTAINS(machine_fault_reason(m), "partition 63");
    machine_free(m);
}

static void test_reset(void) {
    if (!(m = create(true))) return;
    uint64_t t0 = machine_guest_ns(m);
    restart(0);
    CHECK_EQ_U64(machine_run(m, poll, NULL), MACHINE_RUN_REBOOT);
    CHECK(machine_guest_ns(m) - t0 >= ticks_ns(10));
    machine_free(m);
}

static void test_stop_cancels(void) {
    if (!(m = create(false))) return;
    /* systemd-style: 1 s timeout, then stopped before it expires. */
    wr32(PM_WDOG, PW | (1u << 16));
    wr32(PM_RSTC, PW | 0x20);
    wr32(PM_RSTC, PW | 0x102);
    machine_run_result r = machine_run(m, poll, NULL);
    CHECK_EQ_U64(r, MACHINE_RUN_HUNG); /* every core in WFI and no watchdog event left */
    machine_free(m);
}

int main(void) {
    test_poweroff();
    test_reset();
    test_stop_cancels();
    return check_report("devices_rpi3_watchdog");
}
