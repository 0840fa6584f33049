/* BCM2837 thermal sensor (thermal@7e212000 = ARM 0x3F212000, 8 bytes).
 *
 * Linux 6.1 drivers/thermal/broadcom/bcm2835_thermal.c (M): probe programs TSENSCTL (two writes,
 * the second adding RSTB) only if RSTB (bit 1) reads 0; get_temp reads TSENSSTAT and returns
 * -EIO every poll while VALID (bit 10) is clear, else T = 412000 - 538 x ADC[9:0] m°C for the
 * bcm2837 compatible. ADC 0 would read 412 °C, above the DT's 90 °C critical trip: an orderly
 * shutdown. Probe registers the zone (which reads the temperature at once) *before* that check,
 * so the sensor must already run at reset, as the firmware leaves it. Model: CTL is storage,
 * reset to what the driver itself would program (RSTB set); STAT reads VALID | adc while RSTB is
 * set and 0 while the sensor is held in reset. adc defaults to 682, ~45 °C (STAT 0x6AA). Facts:
 * /work/shared/notes/rpi3-hardware.md section 2.9. */
#include <stdint.h>

#include "soc/device.h"
#include "soc/log.h"

/* Register offsets. */
enum {
    TS_TSENSCTL = 0x00,  /* bit 1 RSTB (sensor out of reset); other fields storage */
    TS_TSENSSTAT = 0x04, /* RO: [9:0] ADC, bit 10 VALID */
    TS_SIZE = 0x08,
};

enum {
    TS_CTL_RSTB = 1u << 1,
    /* The driver's own setup: REGULEN (26), reset delay 0xFE (25:18), trip threshold ADC 598
     * = 90 °C (17:8), bandgap CTRL 1 (4:2), RSTB. */
    TS_CTL_FIRMWARE = (1u << 26) | (0xFEu << 18) | (598u << 8) | (1u << 2) | (1u << 1),
    TS_STAT_VALID = 1u << 10,
    TS_STAT_ADC_MASK = 0x3FF,
};

typedef struct bcm2835_thermal {
    dev_ctx *ctx;
    uint32_t ctl;
    uint32_t adc;
} bcm2835_thermal;

static uint64_t thermal_read(void *opaque, uint64_t offset, unsigned size) {
    bcm2835_thermal *t = opaque;
    switch (offset) {
    case TS_TSENSCTL: return t->ctl;
    case TS_TSENSSTAT: return (t->ctl & TS_CTL_RSTB) ? TS_STAT_VALID | t->adc : 0;
    default: dev_warn_unimp(t->ctx, offset, false, 0); return 0;
    }
}

static void thermal_write(void *opaque, uint64_t offset, uint64_t value, unsigned size) {
    bcm2835_thermal *t = opaque;
    switch (offset) {
    case TS_TSENSCTL: t->ctl = (uint32_t)value; break;
    case TS_TSENSSTAT: break; /* read-only */
    default: dev_warn_unimp(t->ctx, offset, true, value); break;
    }
}

static int thermal_realize(void *dev, dev_ctx *ctx, char *err, size_t errlen) {
    bcm2835_thermal *t = dev;
    t->ctx = ctx;
    t->adc = (uint32_t)dev_prop_u64(ctx, "adc") & TS_STAT_ADC_MASK;
    return 0;
}

static void thermal_reset(void *dev) {
    bcm2835_thermal *t = dev;
    t->ctl = TS_CTL_FIRMWARE;
}

static const dev_region thermal_regions[] = {
    {.name = "regs",
     .size = TS_SIZE,
     .ops = {.read = thermal_read,
             .write = thermal_write,
             .valid_min = 4,
             .valid_max = 4,
             .impl_min = 4,
             .impl_max = 4}},
};

static const dev_prop thermal_props[] = {
    {.name = "adc",
     .kind = PROP_U64,
     .default_value = "682",
     .min = 0,
     .max = 0x3FF,
     .help = "the sensor's ADC reading: T = 412000 - 538 x adc m°C (682 = 45.1 °C)"},
};

const dev_type bcm2835_thermal_type = {
    .name = "bcm2837-thermal",
    .description = "BCM2837 thermal sensor: a constant reading (45 °C by default)",
    .state_size = sizeof(bcm2835_thermal),
    .regions = thermal_regions,
    .n_regions = 1,
    .props = thermal_props,
    .n_props = sizeof thermal_props / sizeof thermal_props[0],
    .realize = thermal_realize,
    .reset = thermal_reset,
};
