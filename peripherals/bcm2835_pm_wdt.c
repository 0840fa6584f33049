/* BCM2835 power management block (watchdog@7e100000 = ARM 0x3F100000, 0x114 bytes) with the
 * watchdog, reset/power-off and power domains, and its AXI bridge (ASB, 0x3F00A000, 0x24 bytes):
 * one device, two register regions ("regs" and "asb").
 *
 * Linux 6.1 users:
 *   - drivers/watchdog/bcm2835_wdt.c (M): start = WDOG <- timeout << 16, RSTC |= FULL_RESET;
 *     ping rewrites WDOG; stop = RSTC <- 0x102; get_timeleft reads WDOG. Restart = WDOG 10 ticks
 *     + FULL_RESET; power-off (pm_power_off, "system-power-controller") = the same after
 *     RSTS |= 0x555 (partition 63, which the firmware treats as "halt").
 *   - drivers/mfd/bcm2835-pm.c and drivers/soc/bcm/bcm2835-power.c (B): check the ASB ID
 *     "BRDG" at +0x20, power domains via PM_IMAGE/PM_GRAFX (POWUP -> POWOK, MEMREP -> MRDONE)
 *     and ASB bridge stop requests (REQ_STOP -> ACK).
 * Every write carries the password 0x5A in bits 31:24 (PM_PASSWORD, also ASB_WRITE); writes
 * without it are dropped with a warning.
 *
 * The watchdog counts 65536 ticks per second in virtual time while RSTC selects a full reset
 * (WRCFG bits 5:4 = 2) and acts only on expiry, never on the RSTC write (systemd arms it for
 * shutdown and reboot long before). On expiry: partition 63 in RSTS = power off, anything else
 * = reset. Stop (WRCFG != 2) freezes the count; WDOG reads the remaining ticks.
 * Facts: /work/shared/notes/rpi3-hardware.md section 2.8. */
#include <stdint.h>
#include <string.h>

#include "soc/device.h"
#include "soc/log.h"

/* PM register offsets. */
enum {
    PM_SIZE = 0x114,
    PM_RSTC = 0x1C,   /* [5:4] WRCFG: 2 = full reset on watchdog expiry; reset 0x102 */
    PM_RSTS = 0x20,   /* reset status; partition number in bits 0, 2, 4, 6, 8, 10; reset 0x1000 */
    PM_WDOG = 0x24,   /* [19:0] countdown, 65536 ticks per second */
    PM_IMAGE = 0x108, /* power domain: bit 0 POWUP -> bit 1 POWOK, bit 3 MEMREP -> bit 4 MRDONE */
    PM_GRAFX = 0x10C,
};

/* ASB register offsets (bcm2835-power.c). */
enum {
    ASB_SIZE = 0x24,
    ASB_CTRL_FIRST = 0x08, /* V3D_S, V3D_M, ISP_S, ISP_M, H264_S, H264_M at 0x08-0x1C */
    ASB_CTRL_LAST = 0x1C,
    ASB_AXI_BRDG_ID = 0x20, /* RO "BRDG" */
    ASB_BRDG_ID_VALUE = 0x62726467,
    ASB_REQ_STOP = 1u << 0,
    ASB_ACK = 1u << 1,
};

enum {
    PM_PASSWORD = 0x5Au << 24,
    PM_PASSWORD_MASK = 0xFFu << 24,
    PM_RSTC_RESET = 0x102,
    PM_RSTC_WRCFG_MASK = 3u << 4,
    PM_RSTC_WRCFG_FULL_RESET = 2u << 4,
    PM_RSTS_RESET = 0x1000,
    PM_WDOG_TIME_MASK = 0xFFFFF,
    PM_POWUP = 1u << 0,
    PM_POWOK = 1u << 1,
    PM_MEMREP = 1u << 3,
    PM_MRDONE = 1u << 4,
    PM_PARTITION_HALT = 63,
};

#define WDOG_TICKS_PER_SEC 65536ull
#define NS_PER_SEC         1000000000ull

typedef struct bcm2835_pm {
    dev_ctx *ctx;
    uint32_t regs[PM_SIZE / 4]; /* PM storage without the password byte */
    uint32_t asb[ASB_SIZE / 4];
    uint32_t wdog_ticks; /* remaining ticks while stopped; the loaded value while running */
    uint64_t wdog_start; /* virtual ns when the running count was (re)loaded */
    vclock_event expiry; /* pending while the watchdog runs */
} bcm2835_pm;

static uint64_t ticks_to_ns(uint64_t ticks) {
    return (ticks * NS_PER_SEC + WDOG_TICKS_PER_SEC - 1) / WDOG_TICKS_PER_SEC;
}

static bool wdog_running(const bcm2835_pm *p) {
    return vclock_event_pending(&p->expiry);
}

/* Ticks left: the loaded count minus the whole ticks elapsed since it was loaded. */
static uint32_t wdog_remaining(const bcm2835_pm *p) {
    if (!wdog_running(p)) return p->wdog_ticks;
    uint64_t elapsed_ns = vclock_now(p->ctx->clock) - p->wdog_start;
    uint64_t elapsed = elapsed_ns * WDOG_TICKS_PER_SEC / NS_PER_SEC;
    return elapsed >= p->wdog_ticks ? 0 : p->wdog_ticks - (uint32_t)elapsed;
}

/* Runs iff RSTC asks for a full reset and the count is non-zero; (re)evaluated after each write
 * of WDOG or RSTC. A WDOG write reloads the count (the ping). */
static void wdog_update(bcm2835_pm *p, bool reload) {
    vclock *clk = p->ctx->clock;
    if (!clk) return;
    bool want = (p->regs[PM_RSTC / 4] & PM_RSTC_WRCFG_MASK) == PM_RSTC_WRCFG_FULL_RESET &&
                p->wdog_ticks != 0;
    if (wdog_running(p) && (!want || reload)) {
        if (!reload) p->wdog_ticks = wdog_remaining(p); /* stop: freeze the count */
        vclock_cancel(clk, &p->expiry);
    }
    if (want && !wdog_running(p)) {
        p->wdog_start = vclock_now(clk);
        vclock_schedule(clk, &p->expiry, p->wdog_start + ticks_to_ns(p->wdog_ticks));
    }
}

/* RSTS bits 0, 2, 4, 6, 8, 10 hold the partition the firmware boots next (63 = halt). */
static unsigned rsts_partition(uint32_t rsts) {
    unsigned part = 0;
    for (unsigned i = 0; i < 6; i++)
        if (rsts & (1u << (2 * i))) part |= 1u << i;
    return part;
}

static void wdog_expired(void *opaque, uint64_t now_ns) {
    bcm2835_pm *p = opaque;
    p->wdog_ticks = 0;
    unsigned part = rsts_partition(p->regs[PM_RSTS / 4]);
    if (part == PM_PARTITION_HALT)
        dev_request(p->ctx, MACHINE_REQ_POWEROFF, "watchdog expired with partition 63 (halt)");
    else
        dev_request(p->ctx, MACHINE_REQ_RESET, "watchdog expired (full reset)");
}

/* PM_IMAGE/PM_GRAFX: the domain switches at once, so the status bits follow their requests. */
static uint32_t power_domain_status(uint32_t v) {
    v &= ~(PM_POWOK | PM_MRDONE);
    if (v & PM_POWUP) v |= PM_POWOK;
    if (v & PM_MEMREP) v |= PM_MRDONE;
    return v;
}

static bool password_ok(bcm2835_pm *p, const char *what, uint64_t offset, uint64_t value) {
    if ((value & PM_PASSWORD_MASK) == PM_PASSWORD) return true;
    soc_warn("%s: %s write of 0x%08x to 0x%02x without the 0x5a password (ignored)", p->ctx->name,
             what, (unsigned)value, (unsigned)offset);
    return false;
}

static uint64_t pm_read(void *opaque, uint64_t offset, unsigned size) {
    bcm2835_pm *p = opaque;
    switch (offset) {
    case PM_WDOG: return wdog_remaining(p);
    case PM_IMAGE:
    case PM_GRAFX: return power_domain_status(p->regs[offset / 4]);
    default: return p->regs[offset / 4]; /* the other PM registers: storage */
    }
}

static void pm_write(void *opaque, uint64_t offset, uint64_t value, unsigned size) {
    bcm2835_pm *p = opaque;
    if (!password_ok(p, "PM", offset, value)) return;
    uint32_t v = (uint32_t)value & ~PM_PASSWORD_MASK;
    switch (offset) {
    case PM_WDOG:
        p->wdog_ticks = v & PM_WDOG_TIME_MASK;
        p->regs[offset / 4] = p->wdog_ticks;
        wdog_update(p, true);
        break;
    case PM_RSTC:
        p->regs[offset / 4] = v;
        wdog_update(p, false);
        break;
    default: p->regs[offset / 4] = v; break;
    }
}

static uint64_t asb_read(void *opaque, uint64_t offset, unsigned size) {
    bcm2835_pm *p = opaque;
    if (offset == ASB_AXI_BRDG_ID) return ASB_BRDG_ID_VALUE;
    uint32_t v = p->asb[offset / 4];
    if (offset >= ASB_CTRL_FIRST && offset <= ASB_CTRL_LAST) {
        /* The bridge stops (and restarts) at once: ACK follows REQ_STOP. */
        v &= ~ASB_ACK;
        if (v & ASB_REQ_STOP) v |= ASB_ACK;
    }
    return v;
}

static void asb_write(void *opaque, uint64_t offset, uint64_t value, unsigned size) {
    bcm2835_pm *p = opaque;
    if (offset == ASB_AXI_BRDG_ID) {
        soc_warn("%s: write of 0x%08x to the read-only ASB bridge ID (ignored)", p->ctx->name,
                 (unsigned)value);
        return;
    }
    if (!password_ok(p, "ASB", offset, value)) return;
    p->asb[offset / 4] = (uint32_t)value & ~PM_PASSWORD_MASK;
}

static int pm_realize(void *dev, dev_ctx *ctx, char *err, size_t errlen) {
    bcm2835_pm *p = dev;
    p->ctx = ctx;
    vclock_event_init(&p->expiry, "pm-watchdog", wdog_expired, p);
    return 0;
}

static void pm_reset(void *dev) {
    bcm2835_pm *p = dev;
    if (p->ctx->clock) vclock_cancel(p->ctx->clock, &p->expiry);
    memset(p->regs, 0, sizeof p->regs);
    memset(p->asb, 0, sizeof p->asb);
    p->regs[PM_RSTC / 4] = PM_RSTC_RESET;
    p->regs[PM_RSTS / 4] = PM_RSTS_RESET;
    p->wdog_ticks = 0;
    p->wdog_start = 0;
}

static void pm_unrealize(void *dev) {
    bcm2835_pm *p = dev;
    if (p->ctx->clock) vclock_cancel(p->ctx->clock, &p->expiry);
}

static const dev_region pm_regions[] = {
    /* 32-bit registers (readl/writel) in both blocks. */
    {.name = "regs",
     .size = PM_SIZE,
     .ops = {.read = pm_read,
             .write = pm_write,
             .valid_min = 4,
             .valid_max = 4,
             .impl_min = 4,
             .impl_max = 4}},
    {.name = "asb",
     .size = ASB_SIZE,
     .ops = {.read = asb_read,
             .write = asb_write,
             .valid_min = 4,
             .valid_max = 4,
             .impl_min = 4,
             .impl_max = 4}},
};

const dev_type bcm2835_pm_type = {
    .name = "bcm2835-pm",
    .description = "BCM2835 power management: watchdog, reset/power-off, power domains, ASB",
    .state_size = sizeof(bcm2835_pm),
    .regions = pm_regions,
    .n_regions = 2,
    .realize = pm_realize,
    .reset = pm_reset,
    .unrealize = pm_unrealize,
};
