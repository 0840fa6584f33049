/* PM + watchdog + ASB: the password, the watchdog counting in virtual time and acting only on
 * expiry (power off for partition 63, reset otherwise), stop and ping, WDOG reading the ticks
 * left, power-domain status bits and the ASB bridge ID/ACK. */
#include "check.h"
#include "device_fixture.h"

#define BASE     0x3f100000ull
#define ASB_BASE 0x3f00a000ull
#define PW       0x5a000000u

enum { PM_RSTC = 0x1C, PM_RSTS = 0x20, PM_WDOG = 0x24, PM_IMAGE = 0x108, PM_GRAFX = 0x10C };
enum { ASB_V3D_S_CTRL = 0x08, ASB_H264_M_CTRL = 0x1C, ASB_AXI_BRDG_ID = 0x20 };

/* 1e9 / 65536 ns per tick, rounded up. */
static uint64_t ticks_ns(uint64_t ticks) {
    return (ticks * 1000000000ull + 65535) / 65536;
}

typedef struct requests {
    unsigned n;
    machine_request last;
    char why[160];
} requests;

static void record_request(void *opaque, machine_request req, const char *why) {
    requests *r = opaque;
    r->n++;
    r->last = req;
    snprintf(r->why, sizeof r->why, "%s", why);
}

static requests reqs;

static fixture *new_pm(void) {
    fixture *f = fixture_new("bcm2835-pm", BASE, NULL);
    char err[200];
    const dev_type *t = f->ctx.type;
    CHECK_EQ_U64(t->n_regions, 2);
    CHECK(bus_add_mmio(&f->bus, "asb", ASB_BASE, t->regions[1].size, &t->regions[1].ops, f->state,
                       err, sizeof err) == 0);
    memset(&reqs, 0, sizeof reqs);
    f->ctx.request = record_request;
    f->ctx.machine = &reqs;
    return f;
}

static uint64_t asb_rd(fixture *f, uint64_t off) {
    uint64_t v = 0;
    bus_read(&f->bus, ASB_BASE + off, 4, &v);
    return v;
}
static void asb_wr(fixture *f, uint64_t off, uint64_t v) {
    bus_write(&f->bus, ASB_BASE + off, 4, v);
}

static void test_reset_values_and_password(fixture *f) {
    CHECK_EQ_U64(rd32(f, PM_RSTC), 0x102);
    CHECK_EQ_U64(rd32(f, PM_RSTS), 0x1000);
    CHECK_EQ_U64(rd32(f, PM_WDOG), 0);
    /* No password: dropped, nothing armed. */
    wr32(f, PM_WDOG, 10);
    wr32(f, PM_RSTC, 0x20);
    CHECK_EQ_U64(rd32(f, PM_RSTC), 0x102);
    CHECK_EQ_U64(rd32(f, PM_WDOG), 0);
    CHECK_EQ_U64(vclock_next_deadline(&f->clock), VCLOCK_NEVER);
    /* The storage registers keep the value without the password byte. */
    wr32(f, 0x74, PW | 0x1234);
    CHECK_EQ_U64(rd32(f, 0x74), 0x1234);
}

/* Linux's __bcm2835_restart(partition): RSTS partition bits, WDOG = 10 ticks, RSTC full reset. */
static void restart_sequence(fixture *f, unsigned partition) {
    uint32_t rsts = 0;
    for (unsigned i = 0; i < 6; i++)
        if (partition & (1u << i)) rsts |= 1u << (2 * i);
    uint32_t v = (uint32_t)rd32(f, PM_RSTS) & 0xfffffaaa;
    wr32(f, PM_RSTS, PW | v | rsts);
    wr32(f, PM_WDOG, PW | 10);
    v = (uint32_t)rd32(f, PM_RSTC) & 0xffffffcf;
    wr32(f, PM_RSTC, PW | v | 0x20);
}

static void test_poweroff_on_expiry(void) {
    fixture *f = new_pm();
    uint64_t t0 = 5000000; /* 5 ms into the run */
    vclock_advance(&f->clock, t0);
    restart_sequence(f, 63);
    CHECK_EQ_U64(rd32(f, PM_RSTS) & 0xFFF, 0x555);
    /* Nothing happens on the RSTC write itself. */
    CHECK_EQ_U64(reqs.n, 0);
    CHECK_EQ_U64(vclock_next_deadline(&f->clock), t0 + ticks_ns(10));
    vclock_advance(&f->clock, t0 + ticks_ns(5));
    CHECK_EQ_U64(rd32(f, PM_WDOG), 5);
    vclock_advance(&f->clock, t0 + ticks_ns(10) - 1);
    CHECK_EQ_U64(reqs.n, 0);
    CHECK_EQ_U64(rd32(f, PM_WDOG), 1);
    vclock_advance(&f->clock, t0 + ticks_ns(10));
    CHECK_EQ_U64(reqs.n, 1);
    CHECK_EQ_U64(reqs.last, MACHINE_REQ_POWEROFF);
    CHECK_STR_CONTAINS(reqs.why, "partition 63");
    CHECK_EQ_U64(rd32(f, PM_WDOG), 0);
    /* It acts once. */
    vclock_advance(&f->clock, t0 + 1000000000ull);
    CHECK_EQ_U64(reqs.n, 1);
    fixture_free(f);
}

static void test_reset_on_expiry(void) {
    fixture *f = new_pm();
    restart_sequence(f, 0);
    vclock_advance(&f->clock, ticks_ns(10));
    CHECK_EQ_U64(reqs.n, 1);
    CHECK_EQ_U64(reqs.last, MACHINE_REQ_RESET);
    /* Another partition (the firmware boots partition n next) is a reset too. */
    f->ctx.type->reset(f->state);
    reqs.n = 0;
    restart_sequence(f, 2);
    vclock_advance(&f->clock, vclock_now(&f->clock) + ticks_ns(10));
    CHECK_EQ_U64(reqs.n, 1);
    CHECK_EQ_U64(reqs.last, MACHINE_REQ_RESET);
    fixture_free(f);
}

/* bcm2835_wdt start/ping/stop with a 15 s timeout, as systemd uses it. */
static void test_start_ping_stop(void) {
    fixture *f = new_pm();
    const uint64_t sec = 1000000000ull;
    wr32(f, PM_WDOG, PW | (15u << 16));
    /* Loaded but not running while RSTC is 0x102. */
    vclock_advance(&f->clock, 3 * sec);
    CHECK_EQ_U64(rd32(f, PM_WDOG), 15u << 16);
    wr32(f, PM_RSTC, PW | ((uint32_t)rd32(f, PM_RSTC) & 0xffffffcf) | 0x20);
    vclock_advance(&f->clock, 13 * sec);
    CHECK_EQ_U64(rd32(f, PM_WDOG), 5u << 16); /* get_timeleft: 5 s */
    /* Ping: reload 15 s at t = 13 s; the old deadline (18 s) passes quietly. */
    wr32(f, PM_WDOG, PW | (15u << 16));
    vclock_advance(&f->clock, 27 * sec);
    CHECK_EQ_U64(reqs.n, 0);
    CHECK_EQ_U64(rd32(f, PM_WDOG), 1u << 16);
    /* Stop cancels: the count freezes and nothing fires. */
    wr32(f, PM_RSTC, PW | 0x102);
    CHECK_EQ_U64(vclock_next_deadline(&f->clock), VCLOCK_NEVER);
    vclock_advance(&f->clock, 100 * sec);
    CHECK_EQ_U64(reqs.n, 0);
    CHECK_EQ_U64(rd32(f, PM_WDOG), 1u << 16);
    /* Restarting resumes the frozen count: one second left. */
    wr32(f, PM_RSTC, PW | 0x20);
    vclock_advance(&f->clock, 101 * sec - 1000);
    CHECK_EQ_U64(reqs.n, 0);
    vclock_advance(&f->clock, 101 * sec);
    CHECK_EQ_U64(reqs.n, 1);
    CHECK_EQ_U64(reqs.last, MACHINE_REQ_RESET);
    fixture_free(f);
}

static void test_domains_and_asb(void) {
    fixture *f = new_pm();
    /* PM_GRAFX/PM_IMAGE: POWOK follows POWUP, MRDONE follows MEMREP. */
    CHECK_EQ_U64(rd32(f, PM_GRAFX), 0);
    wr32(f, PM_GRAFX, PW | 0x1);
    CHECK_EQ_U64(rd32(f, PM_GRAFX), 0x3);
    wr32(f, PM_GRAFX, PW | 0x9);
    CHECK_EQ_U64(rd32(f, PM_GRAFX), 0x1B);
    wr32(f, PM_GRAFX, PW | 0x0);
    CHECK_EQ_U64(rd32(f, PM_GRAFX), 0);
    wr32(f, PM_IMAGE, PW | 0x8);
    CHECK_EQ_U64(rd32(f, PM_IMAGE), 0x18);
    wr32(f, PM_IMAGE, 0x1); /* no password */
    CHECK_EQ_U64(rd32(f, PM_IMAGE), 0x18);
    /* ASB: the ID bcm2835-power checks, ACK following REQ_STOP. */
    CHECK_EQ_U64(asb_rd(f, ASB_AXI_BRDG_ID), 0x62726467);
    asb_wr(f, ASB_AXI_BRDG_ID, PW | 0);
    CHECK_EQ_U64(asb_rd(f, ASB_AXI_BRDG_ID), 0x62726467);
    for (uint64_t off = ASB_V3D_S_CTRL; off <= ASB_H264_M_CTRL; off += 4) {
        CHECK_EQ_U64(asb_rd(f, off), 0);
        asb_wr(f, off, PW | 1);
        CHECK_EQ_U64(asb_rd(f, off), 3);
        asb_wr(f, off, PW | 0);
        CHECK_EQ_U64(asb_rd(f, off), 0);
    }
    asb_wr(f, ASB_V3D_S_CTRL, 1); /* no password */
    CHECK_EQ_U64(asb_rd(f, ASB_V3D_S_CTRL), 0);
    fixture_free(f);
}

int main(void) {
    fixture *f = new_pm();
    test_reset_values_and_password(f);
    fixture_free(f);
    test_poweroff_on_expiry();
    test_reset_on_expiry();
    test_start_ping_stop();
    test_domains_and_asb();
    return check_report("devices_bcm2835_pm_wdt");
}
