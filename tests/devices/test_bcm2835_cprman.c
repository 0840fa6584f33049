/* CPRMAN: the password on writes, the firmware-like reset image (rates Linux recomputes from the
 * registers), CM_LOCK, BUSY following ENABLE and storage elsewhere in the window. */
#include "check.h"
#include "device_fixture.h"

#define BASE 0x3f101000ull
#define PW   0x5a000000u

enum {
    CM_VPUCTL = 0x008,
    CM_VPUDIV = 0x00C,
    CM_GP0CTL = 0x070,
    CM_TSENSCTL = 0x0E0,
    CM_TSENSDIV = 0x0E4,
    CM_UARTCTL = 0x0F0,
    CM_UARTDIV = 0x0F4,
    CM_LOCK = 0x114,
    CM_EMMCCTL = 0x1C0,
    CM_EMMCDIV = 0x1C4,
    A2W_PLLC_CTRL = 0x1120,
    A2W_PLLD_CTRL = 0x1140,
    A2W_PLLC_ANA1 = 0x1034,
    A2W_PLLC_FRAC = 0x1220,
    A2W_PLLD_FRAC = 0x1240,
    A2W_PLLC_PER = 0x1520,
    A2W_PLLD_PER = 0x1540,
    A2W_PLLC_CORE0 = 0x1620,
};

/* clk-bcm2835.c's arithmetic, in Hz: PLL = 19.2 MHz x (NDIV + FRAC/2^20) / PDIV. */
static uint64_t pll_hz(fixture *f, uint64_t ctrl, uint64_t frac) {
    uint64_t c = rd32(f, ctrl), fr = rd32(f, frac);
    CHECK(c & (1u << 17)); /* PRST_DISABLE: the PLL is on */
    uint64_t ndiv = c & 0x3FF, pdiv = (c >> 12) & 7;
    return ((19200000ull * ((ndiv << 20) + fr)) / pdiv) >> 20;
}

static uint64_t clock_hz(fixture *f, uint64_t parent_hz, uint64_t div_reg) {
    uint64_t div = rd32(f, div_reg); /* 12.12 fixed point */
    return (parent_hz << 12) / div;
}

static void test_reset_image(fixture *f) {
    uint64_t pllc = pll_hz(f, A2W_PLLC_CTRL, A2W_PLLC_FRAC);
    uint64_t plld = pll_hz(f, A2W_PLLD_CTRL, A2W_PLLD_FRAC);
    CHECK(pllc > 999990000 && pllc < 1000010000);
    CHECK(plld > 1999990000 && plld < 2000010000);
    CHECK_EQ_U64(rd32(f, A2W_PLLC_CORE0) & 0x1FF, 4); /* div 4, enabled */
    CHECK_EQ_U64(rd32(f, A2W_PLLC_PER) & 0x1FF, 4);
    CHECK_EQ_U64(rd32(f, A2W_PLLD_PER) & 0x1FF, 4);
    /* VPU: source 5 (PLLC_CORE0), enabled and busy, /1 = 250 MHz. */
    CHECK_EQ_U64(rd32(f, CM_VPUCTL), 0x95);
    uint64_t vpu = clock_hz(f, pllc / 4, CM_VPUDIV);
    CHECK(vpu > 249990000 && vpu < 250010000);
    /* UART: PLLD_PER (500 MHz) / 10.4165 = 48 MHz. */
    CHECK_EQ_U64(rd32(f, CM_UARTCTL) & 0x1F, 0x16);
    uint64_t uart = clock_hz(f, plld / 4, CM_UARTDIV);
    CHECK(uart > 47990000 && uart < 48010000);
    /* EMMC 250 MHz, TSENS from the oscillator: 1.92 MHz. */
    CHECK_EQ_U64(rd32(f, CM_EMMCCTL) & 0x1F, 0x16);
    uint64_t emmc = clock_hz(f, plld / 4, CM_EMMCDIV);
    CHECK(emmc > 249990000 && emmc < 250010000);
    CHECK_EQ_U64(rd32(f, CM_TSENSCTL) & 0x1F, 0x11);
    CHECK_EQ_U64(clock_hz(f, 19200000, CM_TSENSDIV), 1920000);
    /* No password byte is ever read back. */
    CHECK_EQ_U64(rd32(f, CM_VPUCTL) >> 24, 0);
}

static void test_password(fixture *f) {
    /* Without 0x5A in bits 31:24 the write is dropped. */
    wr32(f, CM_VPUDIV, 0x2000);
    CHECK_EQ_U64(rd32(f, CM_VPUDIV), 0x1000);
    wr32(f, CM_VPUDIV, 0xA5002000); /* wrong password */
    CHECK_EQ_U64(rd32(f, CM_VPUDIV), 0x1000);
    wr32(f, A2W_PLLC_CTRL, 0x21000);
    CHECK_EQ_U64(rd32(f, A2W_PLLC_CTRL), 0x21034);
    /* With it the value is stored, minus the password byte. */
    wr32(f, CM_VPUDIV, PW | 0x2000);
    CHECK_EQ_U64(rd32(f, CM_VPUDIV), 0x2000);
    wr32(f, CM_VPUDIV, PW | 0x1000);
}

static void test_lock_and_busy(fixture *f) {
    /* CM_LOCK bits 8-12 (PLLA/B/C/D/H locked) read 1 whatever was written. */
    CHECK_EQ_U64(rd32(f, CM_LOCK) & 0x1F00, 0x1F00);
    wr32(f, CM_LOCK, PW | 0);
    CHECK_EQ_U64(rd32(f, CM_LOCK) & 0x1F00, 0x1F00);
    /* GP0 starts off; ENABLE brings BUSY with it, clearing it drops BUSY (clock_off's poll). */
    CHECK_EQ_U64(rd32(f, CM_GP0CTL), 0);
    wr32(f, CM_GP0CTL, PW | 0x11);
    CHECK_EQ_U64(rd32(f, CM_GP0CTL), 0x91);
    wr32(f, CM_GP0CTL, PW | 0x01);
    CHECK_EQ_U64(rd32(f, CM_GP0CTL), 0x01);
    /* A BUSY written by the guest does not stick on a disabled clock. */
    wr32(f, CM_GP0CTL, PW | 0x81);
    CHECK_EQ_U64(rd32(f, CM_GP0CTL), 0x01);
    /* The VPU clock is enabled, hence busy, from reset. */
    CHECK_EQ_U64(rd32(f, CM_VPUCTL) & 0x90, 0x90);
}

static void test_storage(fixture *f) {
    /* PLL ANA registers and the rest of the window keep what was written. */
    wr32(f, A2W_PLLC_ANA1, PW | 0x4000);
    CHECK_EQ_U64(rd32(f, A2W_PLLC_ANA1), 0x4000);
    wr32(f, 0x1FFC, PW | 0xABCDEF);
    CHECK_EQ_U64(rd32(f, 0x1FFC), 0xABCDEF);
    /* Reset restores the image. */
    f->ctx.type->reset(f->state);
    CHECK_EQ_U64(rd32(f, A2W_PLLC_ANA1), 0);
    CHECK_EQ_U64(rd32(f, 0x1FFC), 0);
    CHECK_EQ_U64(rd32(f, CM_VPUDIV), 0x1000);
}

int main(void) {
    fixture *f = fixture_new("bcm2835-cprman", BASE, NULL);
    test_reset_image(f);
    test_password(f);
    test_lock_and_busy(f);
    test_storage(f);
    fixture_free(f);
    return check_report("devices_bcm2835_cprman");
}
