/* Thermal: the reading Linux converts (0x6AA = VALID | 682, about 45 °C), the sensor already
 * running at reset (RSTB set, so the driver keeps the firmware setup), STAT invalid while held
 * in reset, the adc property. */
#include "check.h"
#include "device_fixture.h"

#define BASE 0x3f212000ull

enum { TS_CTL = 0x00, TS_STAT = 0x04 };

/* bcm2835_thermal_get_temp for the bcm2837 compatible, in m°C. */
static int64_t temp_mc(uint64_t stat) {
    return 412000 - 538 * (int64_t)(stat & 0x3FF);
}

int main(void) {
    fixture *f = fixture_new("bcm2837-thermal", BASE, NULL);
    CHECK(rd32(f, TS_CTL) & 2); /* RSTB */
    CHECK_EQ_U64(rd32(f, TS_STAT), 0x6AA);
    int64_t t = temp_mc(rd32(f, TS_STAT));
    CHECK(t > 44000 && t < 46000);
    /* Held in reset: no valid reading (the driver would return -EIO). */
    wr32(f, TS_CTL, rd32(f, TS_CTL) & ~2ull);
    CHECK_EQ_U64(rd32(f, TS_STAT) & (1u << 10), 0);
    /* The driver's two-step setup brings it back. */
    wr32(f, TS_CTL, 0x07FA5604);
    wr32(f, TS_CTL, 0x07FA5606);
    CHECK_EQ_U64(rd32(f, TS_CTL), 0x07FA5606);
    CHECK_EQ_U64(rd32(f, TS_STAT), 0x6AA);
    wr32(f, TS_STAT, 0); /* read-only */
    CHECK_EQ_U64(rd32(f, TS_STAT), 0x6AA);
    fixture_free(f);

    const char *const hot[] = {"adc", "598", NULL}; /* 90.3 °C */
    f = fixture_new("bcm2837-thermal", BASE, hot);
    CHECK_EQ_U64(rd32(f, TS_STAT), 0x400 | 598);
    fixture_free(f);
    return check_report("devices_bcm2835_thermal");
}
