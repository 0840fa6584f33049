/* The Raspberry Pi GPU firmware's property interface (mailbox channel 8), as the ARM sees it.
 *
 * Buffer (notes 3.2): u32 size, u32 code (0 request; 0x80000000 success, 0x80000001 parse error),
 * tags, u32 0 end tag. Tag: u32 id, u32 value-buffer size, u32 request/response length (reply:
 * bit 31 | response length), value buffer padded to 4 bytes. We write at most the value-buffer
 * size but report the full response length (Linux checks only the buffer code; U-Boot also
 * checks bit 31 of each tag it asked for). Unknown tags are logged once, left untouched with
 * bit 31 clear, and do not fail the buffer (Linux would fail the whole list with -EINVAL, notes
 * 3.4).
 *
 * Tag facts: notes 3.3 and linux include/soc/bcm2835/raspberrypi-firmware.h with its callers
 * (drivers/firmware/raspberrypi.c, drivers/clk/bcm/clk-raspberrypi.c, drivers/soc/bcm/
 * raspberrypi-power.c, drivers/gpio/gpio-raspberrypi-exp.c, drivers/hwmon/raspberrypi-hwmon.c,
 * drivers/gpu/drm/vc4/vc4_drv.c, vchiq); U-Boot's arch/arm/mach-bcm283x/msg.c for the board and
 * framebuffer tags. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rpi_firmware_props.h"
#include "soc/log.h"

enum {
    CODE_REQUEST = 0,
    CODE_SUCCESS = 0x80000000u,
    CODE_ERROR = 0x80000001u,
    TAG_RESPONSE = 0x80000000u,
    MAX_BUFFER = 1u << 20, /* far above any real caller (Linux: one page) */
    BUS_RAM_ALIAS = 0xC0000000u,
    PERIPH_PHYS = 0x3F000000u, /* the carve-out ends where the peripherals shadow RAM */
    FB_DEFAULT_WIDTH = 1024,
    FB_DEFAULT_HEIGHT = 768,
    FB_DEFAULT_DEPTH = 16, /* the firmware's framebuffer_depth default (notes 4.1) */
    EXP_GPIO_BASE = 128,   /* firmware numbering of the expander lines */
    DMA_CHANNEL_MASK = 0x7f35,
    TEMPERATURE_MC = 45000, /* matches the thermal model's ADC 0x2AA (notes 2.9) */
    MAX_TEMPERATURE_MC = 85000,
    CORE_VOLTAGE_UV = 1200000,
};

/* ---- value-buffer access: reads past the buffer give 0, writes past it are dropped ---- */

static uint32_t in32(const uint8_t *v, uint32_t size, unsigned i) {
    uint32_t off = 4 * i;
    if (off + 4 > size) return 0;
    return (uint32_t)v[off] | (uint32_t)v[off + 1] << 8 | (uint32_t)v[off + 2] << 16 |
           (uint32_t)v[off + 3] << 24;
}

static void out_bytes(uint8_t *v, uint32_t size, uint32_t off, const void *src, uint32_t n) {
    if (off >= size) return;
    if (n > size - off) n = size - off;
    memcpy(v + off, src, n);
}

static void out32(uint8_t *v, uint32_t size, unsigned i, uint32_t x) {
    uint8_t b[4] = {(uint8_t)x, (uint8_t)(x >> 8), (uint8_t)(x >> 16), (uint8_t)(x >> 24)};
    out_bytes(v, size, 4 * i, b, 4);
}

static bool warn_once(rpi_fw *fw, uint32_t key) {
    for (unsigned i = 0; i < fw->n_warned; i++)
        if (fw->warned[i] == key) return false;
    if (fw->n_warned < RPI_FW_MAX_WARNED) fw->warned[fw->n_warned++] = key;
    return true;
}

/* ---- clocks (linux: drivers/clk/bcm/clk-raspberrypi.c; ids as RPI_FIRMWARE_*_CLK_ID) ---- */

#define MHZ(x) ((uint32_t)(x)*1000000u)

/* A Pi 3's firmware clocks. GET_CLOCKS lists ids 1-10 (fw#1969); ids 11-15 do not exist here.
 * CORE = VPU 250 MHz (enable_uart=1 fixes it), UART = CM_UART 48 MHz, EMMC = CM_EMMC 250 MHz;
 * ARM idles at 600 and turbos to 1200 (B+ 1400). The other ranges are typical vcgencmd values,
 * unverified; nothing in Linux 6.1 depends on them beyond "non-zero". */
static const struct clock_info {
    const char *name;
    uint32_t rate, min, max;
} clock_table[RPI_FW_N_CLOCKS] = {
    [1] = {"EMMC", MHZ(250), MHZ(250), MHZ(250)}, [2] = {"UART", MHZ(48), MHZ(48), MHZ(48)},
    [3] = {"ARM", MHZ(600), MHZ(600), MHZ(1200)}, [4] = {"CORE", MHZ(250), MHZ(250), MHZ(400)},
    [5] = {"V3D", MHZ(250), MHZ(250), MHZ(300)},  [6] = {"H264", MHZ(250), MHZ(250), MHZ(300)},
    [7] = {"ISP", MHZ(250), MHZ(250), MHZ(300)},  [8] = {"SDRAM", MHZ(400), MHZ(400), MHZ(450)},
    [9] = {"PIXEL", MHZ(25), MHZ(25), MHZ(200)},  [10] = {"PWM", MHZ(100), MHZ(100), MHZ(100)},
};
#define N_LISTED_CLOCKS 10

static bool clock_exists(uint32_t id) {
    return id < RPI_FW_N_CLOCKS && clock_table[id].name;
}

static bool is_b_plus(const rpi_fw *fw) {
    return ((fw->revision >> 4) & 0xFF) == 0x0D; /* revision type field: 0x08 3B, 0x0D 3B+ */
}

static uint32_t clock_min(const rpi_fw *fw, uint32_t id) {
    (void)fw;
    return clock_exists(id) ? clock_table[id].min : 0;
}

static uint32_t clock_max(const rpi_fw *fw, uint32_t id) {
    if (!clock_exists(id)) return 0;
    if (id == 3 && is_b_plus(fw)) return MHZ(1400);
    return clock_table[id].max;
}

/* ---- tag handlers: return the response length in bytes, or -1 to leave the tag unanswered ---- */

typedef int (*tag_handler)(rpi_fw *fw, uint32_t tag, uint8_t *v, uint32_t size);

/* 0x1: Linux prints it as a build date ("Attached to firmware from ..."). */
static int h_fw_revision(rpi_fw *fw, uint32_t tag, uint8_t *v, uint32_t size) {
    (void)tag;
    out32(v, size, 0, fw->firmware_revision);
    return 4;
}

/* 0x3: 20-byte git hash; ours is all zeros (deterministic). */
static int h_fw_hash(rpi_fw *fw, uint32_t tag, uint8_t *v, uint32_t size) {
    (void)fw, (void)tag;
    for (unsigned i = 0; i < 5; i++)
        out32(v, size, i, 0);
    return 20;
}

static int h_board_model(rpi_fw *fw, uint32_t tag, uint8_t *v, uint32_t size) {
    (void)fw, (void)tag;
    out32(v, size, 0, 0); /* the firmware answers 0 on every Pi */
    return 4;
}

static int h_board_revision(rpi_fw *fw, uint32_t tag, uint8_t *v, uint32_t size) {
    (void)tag;
    out32(v, size, 0, fw->revision);
    return 4;
}

static int h_board_mac(rpi_fw *fw, uint32_t tag, uint8_t *v, uint32_t size) {
    (void)tag;
    out_bytes(v, size, 0, fw->mac, 6);
    return 6;
}

static int h_board_serial(rpi_fw *fw, uint32_t tag, uint8_t *v, uint32_t size) {
    (void)tag;
    out32(v, size, 0, (uint32_t)fw->serial);
    out32(v, size, 1, (uint32_t)(fw->serial >> 32));
    return 8;
}

/* 0x10005 / 0x10006: {base, size} of the ARM's RAM and of the GPU carve-out above it. */
static int h_memory(rpi_fw *fw, uint32_t tag, uint8_t *v, uint32_t size) {
    bool vc = tag == 0x00010006;
    out32(v, size, 0, vc ? (uint32_t)fw->arm_ram_size : 0);
    out32(v, size, 1, (uint32_t)(vc ? fw->sdram_size - fw->arm_ram_size : fw->arm_ram_size));
    return 8;
}

/* 0x10007: (parent, id) pairs, zero-padded to the end of the buffer; clk-raspberrypi walks them
 * until id 0 and aborts on an id >= 16. */
static int h_get_clocks(rpi_fw *fw, uint32_t tag, uint8_t *v, uint32_t size) {
    (void)fw, (void)tag;
    for (unsigned i = 0; 4 * i < size; i++)
        out32(v, size, i, 0);
    for (unsigned id = 1; id <= N_LISTED_CLOCKS; id++) {
        out32(v, size, 2 * (id - 1), 0); /* parent: none */
        out32(v, size, 2 * (id - 1) + 1, id);
    }
    return 8 * N_LISTED_CLOCKS;
}

/* 0x30001 / 0x38001 {id, state}: bit 0 on, bit 1 "no such clock". */
static int h_clock_state(rpi_fw *fw, uint32_t tag, uint8_t *v, uint32_t size) {
    uint32_t id = in32(v, size, 0);
    if (!clock_exists(id)) {
        out32(v, size, 1, 2);
        return 8;
    }
    if (tag == 0x00038001) fw->clock_on[id] = in32(v, size, 1) & 1;
    out32(v, size, 1, fw->clock_on[id] ? 1 : 0);
    return 8;
}

/* 0x30002 / 0x30047 get (measured = set rate), 0x30004 max, 0x30007 min: {id, rate}; an absent
 * clock answers rate 0. */
static int h_clock_rate(rpi_fw *fw, uint32_t tag, uint8_t *v, uint32_t size) {
    uint32_t id = in32(v, size, 0), rate;
    switch (tag) {
    case 0x00030004: rate = clock_max(fw, id); break;
    case 0x00030007: rate = clock_min(fw, id); break;
    default: rate = clock_exists(id) ? fw->clock_rate[id] : 0; break;
    }
    out32(v, size, 1, rate);
    return 8;
}

/* 0x38002 {id, rate, skip_turbo}: clamped to the clock's range; the reply is the new rate
 * (clk-raspberrypi and cpufreq read it back with GET_CLOCK_RATE). */
static int h_set_clock_rate(rpi_fw *fw, uint32_t tag, uint8_t *v, uint32_t size) {
    (void)tag;
    uint32_t id = in32(v, size, 0), rate = in32(v, size, 1);
    if (clock_exists(id)) {
        if (rate < clock_min(fw, id)) rate = clock_min(fw, id);
        if (rate > clock_max(fw, id)) rate = clock_max(fw, id);
        fw->clock_rate[id] = rate;
    } else {
        rate = 0;
    }
    out32(v, size, 1, rate);
    return 8;
}

/* 0x30003/5/8, 0x38003 {id, microvolts}: a fixed 1.2 V for ids 1-4 (core, sdram c/p/i). */
static int h_voltage(rpi_fw *fw, uint32_t tag, uint8_t *v, uint32_t size) {
    (void)fw, (void)tag;
    uint32_t id = in32(v, size, 0);
    out32(v, size, 1, id >= 1 && id <= 4 ? CORE_VOLTAGE_UV : 0);
    return 8;
}

/* 0x30006 / 0x3000a {id, millidegrees C}. */
static int h_temperature(rpi_fw *fw, uint32_t tag, uint8_t *v, uint32_t size) {
    (void)fw;
    out32(v, size, 1, tag == 0x0003000a ? MAX_TEMPERATURE_MC : TEMPERATURE_MC);
    return 8;
}

/* 0x30009 / 0x38009 {id, level}. */
static int h_turbo(rpi_fw *fw, uint32_t tag, uint8_t *v, uint32_t size) {
    if (tag == 0x00038009) fw->turbo = in32(v, size, 1) & 1;
    out32(v, size, 1, fw->turbo);
    return 8;
}

/* 0x30046: raspberrypi-hwmon polls it (bits 0-3 now, 16-19 sticky): never throttled. */
static int h_throttled(rpi_fw *fw, uint32_t tag, uint8_t *v, uint32_t size) {
    (void)fw, (void)tag;
    out32(v, size, 0, 0);
    return 4;
}

/* 0x30030 / 0x38030 {domain, on}. raspberrypi-power detects the new interface by asking for
 * domain 22 with on = ~0: the answer must overwrite `on` (notes 3.3). */
static int h_domain_state(rpi_fw *fw, uint32_t tag, uint8_t *v, uint32_t size) {
    uint32_t dom = in32(v, size, 0);
    bool on = false;
    if (dom < RPI_FW_N_DOMAINS) {
        if (tag == 0x00038030) fw->domain_on[dom] = in32(v, size, 1) & 1;
        on = fw->domain_on[dom];
    }
    out32(v, size, 1, on);
    return 8;
}

/* 0x20001 / 0x28001 {device, state}: bit 0 on, bit 1 "no such device" (request bit 1 = wait). */
static int h_power_state(rpi_fw *fw, uint32_t tag, uint8_t *v, uint32_t size) {
    uint32_t dev = in32(v, size, 0);
    if (dev >= RPI_FW_N_POWER_DEVS) {
        out32(v, size, 1, 2);
        return 8;
    }
    if (tag == 0x00028001) fw->power_on[dev] = in32(v, size, 1) & 1;
    out32(v, size, 1, fw->power_on[dev] ? 1 : 0);
    return 8;
}

/* 0x20002 {device, microseconds to power up}. */
static int h_power_timing(rpi_fw *fw, uint32_t tag, uint8_t *v, uint32_t size) {
    (void)fw, (void)tag;
    out32(v, size, 1, 0);
    return 8;
}

/* The GPIO expander (linux: drivers/gpio/gpio-raspberrypi-exp.c): requests name gpio 128+n, and
 * the reply's first word is a status that must be 0 or the driver fails ("Failed to get GPIO n
 * config"). Other numbers get status 1. */
static rpi_fw_gpio *exp_gpio(rpi_fw *fw, uint32_t tag, uint8_t *v, uint32_t size) {
    uint32_t n = in32(v, size, 0);
    if (n >= EXP_GPIO_BASE && n < EXP_GPIO_BASE + RPI_FW_N_EXP_GPIOS) {
        out32(v, size, 0, 0);
        return &fw->gpio[n - EXP_GPIO_BASE];
    }
    if (warn_once(fw, tag ^ 0x40000000u))
        soc_warn("%s: firmware GPIO %" PRIu32 " is not an expander line (128-135): refused",
                 fw->name, n);
    out32(v, size, 0, 1);
    return NULL;
}

/* 0x30043 {gpio, direction, polarity, term_en, term_pull_up}. */
static int h_gpio_get_config(rpi_fw *fw, uint32_t tag, uint8_t *v, uint32_t size) {
    rpi_fw_gpio *g = exp_gpio(fw, tag, v, size);
    if (!g) return 4;
    out32(v, size, 1, g->direction);
    out32(v, size, 2, g->polarity);
    out32(v, size, 3, g->term_en);
    out32(v, size, 4, g->term_pull_up);
    return 20;
}

/* 0x38043 {gpio, direction, polarity, term_en, term_pull_up, state}. */
static int h_gpio_set_config(rpi_fw *fw, uint32_t tag, uint8_t *v, uint32_t size) {
    rpi_fw_gpio *g = exp_gpio(fw, tag, v, size);
    if (!g) return 4;
    g->direction = in32(v, size, 1) & 1;
    g->polarity = in32(v, size, 2) & 1;
    g->term_en = in32(v, size, 3) & 1;
    g->term_pull_up = in32(v, size, 4) & 1;
    if (g->direction) g->state = in32(v, size, 5) & 1;
    return 24;
}

/* 0x30041 / 0x38041 {gpio, state}: the ACT LED heartbeat sets it a few times a second. */
static int h_gpio_state(rpi_fw *fw, uint32_t tag, uint8_t *v, uint32_t size) {
    rpi_fw_gpio *g = exp_gpio(fw, tag, v, size);
    if (!g) return 4;
    if (tag == 0x00038041) g->state = in32(v, size, 1) & 1;
    out32(v, size, 1, g->state);
    return 8;
}

/* 0x30048 (firmware .shutdown) and 0x30066 (vc4 bind): nothing to answer. */
static int h_notify(rpi_fw *fw, uint32_t tag, uint8_t *v, uint32_t size) {
    (void)fw, (void)tag, (void)v, (void)size;
    return 0;
}

/* 0x48010 {channelbase}: the value must stay non-zero so vchiq gives up cleanly ("failed to set
 * channelbase"); VCHIQ is not modelled. */
static int h_vchiq_init(rpi_fw *fw, uint32_t tag, uint8_t *v, uint32_t size) {
    (void)v, (void)size;
    if (warn_once(fw, tag)) soc_warn("%s: VCHIQ_INIT refused (VCHIQ is not modelled)", fw->name);
    return 4;
}

/* 0x50001: the kernel command line, NUL-terminated (length includes the NUL; unverified). */
static int h_cmdline(rpi_fw *fw, uint32_t tag, uint8_t *v, uint32_t size) {
    (void)tag;
    const char *s = fw->cmdline ? fw->cmdline : "";
    uint32_t len = (uint32_t)strlen(s) + 1;
    out_bytes(v, size, 0, s, len);
    return (int)len;
}

/* 0x60001: DMA channels the ARM may use (the DT's brcm,dma-channel-mask). */
static int h_dma_channels(rpi_fw *fw, uint32_t tag, uint8_t *v, uint32_t size) {
    (void)fw, (void)tag;
    out32(v, size, 0, DMA_CHANNEL_MASK);
    return 4;
}

/* 0x30020 {block, status, 128 bytes}: no display attached, status 1 = failure. */
static int h_edid(rpi_fw *fw, uint32_t tag, uint8_t *v, uint32_t size) {
    (void)fw, (void)tag;
    out32(v, size, 1, 1);
    return 8;
}

/* ---- framebuffer (u-boot: arch/arm/mach-bcm283x/msg.c; notes 6) ---- */

static void fb_changed(rpi_fw *fw) {
    rpi_fb_state *fb = &fw->fb;
    fb->pitch = fb->virt_width * ((fb->depth + 7) / 8);
    uint64_t size = (uint64_t)fb->pitch * fb->virt_height;
    fb->size = size > UINT32_MAX ? UINT32_MAX : (uint32_t)size;
    /* A resized buffer that no longer fits the carve-out is lost, as a failed reallocation. */
    uint64_t end = fw->sdram_size < PERIPH_PHYS ? fw->sdram_size : PERIPH_PHYS;
    if (fb->allocated && fb->base + fb->size > end) fb->allocated = false;
    fb->generation++;
}

static bool fb_allocate(rpi_fw *fw, uint32_t align) {
    rpi_fb_state *fb = &fw->fb;
    if (align < 4096 || align > (16u << 20) || (align & (align - 1))) align = 4096;
    uint64_t base = (fw->arm_ram_size + align - 1) & ~(uint64_t)(align - 1);
    uint64_t end = fw->sdram_size < PERIPH_PHYS ? fw->sdram_size : PERIPH_PHYS;
    fb->allocated = fb->size && base + fb->size <= end;
    fb->base = fb->allocated ? base : 0;
    fb->bus_base = fb->allocated ? BUS_RAM_ALIAS | (uint32_t)base : 0;
    fb->generation++;
    if (!fb->allocated && warn_once(fw, 0x00040001))
        soc_warn("%s: framebuffer %" PRIu32 "x%" PRIu32 "x%" PRIu32
                 " does not fit the GPU memory at 0x%" PRIx64 ": allocation refused",
                 fw->name, fb->virt_width, fb->virt_height, fb->depth, fw->arm_ram_size);
    return fb->allocated;
}

/* 0x40001 {alignment} -> {bus base, size}. */
static int h_fb_allocate(rpi_fw *fw, uint32_t tag, uint8_t *v, uint32_t size) {
    (void)tag;
    bool ok = fb_allocate(fw, in32(v, size, 0));
    out32(v, size, 0, ok ? fw->fb.bus_base : 0);
    out32(v, size, 1, ok ? fw->fb.size : 0);
    return 8;
}

static int h_fb_release(rpi_fw *fw, uint32_t tag, uint8_t *v, uint32_t size) {
    (void)tag, (void)v, (void)size;
    fw->fb.allocated = false;
    fw->fb.generation++;
    return 0;
}

static int h_fb_blank(rpi_fw *fw, uint32_t tag, uint8_t *v, uint32_t size) {
    (void)tag;
    fw->fb.blank = in32(v, size, 0) & 1;
    fw->fb.generation++;
    out32(v, size, 0, fw->fb.blank);
    return 4;
}

/* Geometry tags come in three flavours: 0x4000x get, 0x4400x test (answer the request as
 * acceptable, change nothing), 0x4800x set. */
enum { FB_GET, FB_TEST, FB_SET };
static unsigned fb_op(uint32_t tag) {
    return (tag & 0xF000) == 0x8000 ? FB_SET : (tag & 0xF000) == 0x4000 ? FB_TEST : FB_GET;
}

/* {width, height}: physical (0x...3) or virtual (0x...4). */
static int h_fb_size(rpi_fw *fw, uint32_t tag, uint8_t *v, uint32_t size) {
    bool virt = (tag & 0xFF) == 0x04;
    uint32_t *w = virt ? &fw->fb.virt_width : &fw->fb.phys_width;
    uint32_t *h = virt ? &fw->fb.virt_height : &fw->fb.phys_height;
    unsigned op = fb_op(tag);
    if (op == FB_TEST) return 8; /* the request values stand */
    if (op == FB_SET) {
        uint32_t nw = in32(v, size, 0), nh = in32(v, size, 1);
        if (nw && nh && nw <= 4096 && nh <= 4096) {
            *w = nw, *h = nh;
            fb_changed(fw);
        }
    }
    out32(v, size, 0, *w);
    out32(v, size, 1, *h);
    return 8;
}

static int h_fb_depth(rpi_fw *fw, uint32_t tag, uint8_t *v, uint32_t size) {
    unsigned op = fb_op(tag);
    if (op == FB_TEST) return 4;
    if (op == FB_SET) {
        uint32_t d = in32(v, size, 0);
        if (d == 8 || d == 16 || d == 24 || d == 32) {
            fw->fb.depth = d;
            fb_changed(fw);
        }
    }
    out32(v, size, 0, fw->fb.depth);
    return 4;
}

/* One-word settings: pixel order (0x...6) and alpha mode (0x...7). */
static int h_fb_word(rpi_fw *fw, uint32_t tag, uint8_t *v, uint32_t size) {
    bool alpha = (tag & 0xFF) == 0x07;
    uint32_t *field = alpha ? &fw->fb.alpha_mode : &fw->fb.pixel_order;
    uint32_t max = alpha ? 2 : 1;
    unsigned op = fb_op(tag);
    if (op == FB_TEST) return 4;
    if (op == FB_SET && in32(v, size, 0) <= max) {
        *field = in32(v, size, 0);
        fw->fb.generation++;
    }
    out32(v, size, 0, *field);
    return 4;
}

static int h_fb_pitch(rpi_fw *fw, uint32_t tag, uint8_t *v, uint32_t size) {
    (void)tag;
    out32(v, size, 0, fw->fb.pitch);
    return 4;
}

static int h_fb_offset(rpi_fw *fw, uint32_t tag, uint8_t *v, uint32_t size) {
    unsigned op = fb_op(tag);
    if (op == FB_TEST) return 8;
    if (op == FB_SET) {
        fw->fb.x_offset = in32(v, size, 0);
        fw->fb.y_offset = in32(v, size, 1);
        fw->fb.generation++;
    }
    out32(v, size, 0, fw->fb.x_offset);
    out32(v, size, 1, fw->fb.y_offset);
    return 8;
}

/* {top, bottom, left, right}. */
static int h_fb_overscan(rpi_fw *fw, uint32_t tag, uint8_t *v, uint32_t size) {
    unsigned op = fb_op(tag);
    if (op == FB_TEST) return 16;
    for (unsigned i = 0; i < 4; i++) {
        if (op == FB_SET) fw->fb.overscan[i] = in32(v, size, i);
        out32(v, size, i, fw->fb.overscan[i]);
    }
    if (op == FB_SET) fw->fb.generation++;
    return 16;
}

/* Palette: get = 256 entries (we keep none: zeros); set/test {offset, length, ...} -> {0 valid}. */
static int h_fb_palette(rpi_fw *fw, uint32_t tag, uint8_t *v, uint32_t size) {
    (void)fw;
    if (fb_op(tag) == FB_GET) {
        for (unsigned i = 0; i < 256; i++)
            out32(v, size, i, 0);
        return 1024;
    }
    uint32_t off = in32(v, size, 0), len = in32(v, size, 1);
    out32(v, size, 0, off < 256 && len >= 1 && off + len <= 256 ? 0 : 1);
    return 4;
}

/* ---- the tag table ---- */

static const struct tag_info {
    uint32_t id;
    const char *name;
    tag_handler handler;
} tag_table[] = {
    {0x00000001, "GET_FIRMWARE_REVISION", h_fw_revision},
    {0x00000003, "GET_FIRMWARE_HASH", h_fw_hash},
    {0x00010001, "GET_BOARD_MODEL", h_board_model},
    {0x00010002, "GET_BOARD_REVISION", h_board_revision},
    {0x00010003, "GET_BOARD_MAC_ADDRESS", h_board_mac},
    {0x00010004, "GET_BOARD_SERIAL", h_board_serial},
    {0x00010005, "GET_ARM_MEMORY", h_memory},
    {0x00010006, "GET_VC_MEMORY", h_memory},
    {0x00010007, "GET_CLOCKS", h_get_clocks},
    {0x00020001, "GET_POWER_STATE", h_power_state},
    {0x00020002, "GET_TIMING", h_power_timing},
    {0x00028001, "SET_POWER_STATE", h_power_state},
    {0x00030001, "GET_CLOCK_STATE", h_clock_state},
    {0x00038001, "SET_CLOCK_STATE", h_clock_state},
    {0x00030002, "GET_CLOCK_RATE", h_clock_rate},
    {0x00030047, "GET_CLOCK_MEASURED", h_clock_rate},
    {0x00030004, "GET_MAX_CLOCK_RATE", h_clock_rate},
    {0x00030007, "GET_MIN_CLOCK_RATE", h_clock_rate},
    {0x00038002, "SET_CLOCK_RATE", h_set_clock_rate},
    {0x00030003, "GET_VOLTAGE", h_voltage},
    {0x00030005, "GET_MAX_VOLTAGE", h_voltage},
    {0x00030008, "GET_MIN_VOLTAGE", h_voltage},
    {0x00038003, "SET_VOLTAGE", h_voltage},
    {0x00030006, "GET_TEMPERATURE", h_temperature},
    {0x0003000a, "GET_MAX_TEMPERATURE", h_temperature},
    {0x00030009, "GET_TURBO", h_turbo},
    {0x00038009, "SET_TURBO", h_turbo},
    {0x00030020, "GET_EDID_BLOCK", h_edid},
    {0x00030030, "GET_DOMAIN_STATE", h_domain_state},
    {0x00038030, "SET_DOMAIN_STATE", h_domain_state},
    {0x00030041, "GET_GPIO_STATE", h_gpio_state},
    {0x00038041, "SET_GPIO_STATE", h_gpio_state},
    {0x00030043, "GET_GPIO_CONFIG", h_gpio_get_config},
    {0x00038043, "SET_GPIO_CONFIG", h_gpio_set_config},
    {0x00030046, "GET_THROTTLED", h_throttled},
    {0x00030048, "NOTIFY_REBOOT", h_notify},
    {0x00030066, "NOTIFY_DISPLAY_DONE", h_notify},
    {0x00040001, "FRAMEBUFFER_ALLOCATE", h_fb_allocate},
    {0x00048001, "FRAMEBUFFER_RELEASE", h_fb_release},
    {0x00040002, "FRAMEBUFFER_BLANK", h_fb_blank},
    {0x00040003, "FRAMEBUFFER_GET_PHYSICAL_WIDTH_HEIGHT", h_fb_size},
    {0x00044003, "FRAMEBUFFER_TEST_PHYSICAL_WIDTH_HEIGHT", h_fb_size},
    {0x00048003, "FRAMEBUFFER_SET_PHYSICAL_WIDTH_HEIGHT", h_fb_size},
    {0x00040004, "FRAMEBUFFER_GET_VIRTUAL_WIDTH_HEIGHT", h_fb_size},
    {0x00044004, "FRAMEBUFFER_TEST_VIRTUAL_WIDTH_HEIGHT", h_fb_size},
    {0x00048004, "FRAMEBUFFER_SET_VIRTUAL_WIDTH_HEIGHT", h_fb_size},
    {0x00040005, "FRAMEBUFFER_GET_DEPTH", h_fb_depth},
    {0x00044005, "FRAMEBUFFER_TEST_DEPTH", h_fb_depth},
    {0x00048005, "FRAMEBUFFER_SET_DEPTH", h_fb_depth},
    {0x00040006, "FRAMEBUFFER_GET_PIXEL_ORDER", h_fb_word},
    {0x00044006, "FRAMEBUFFER_TEST_PIXEL_ORDER", h_fb_word},
    {0x00048006, "FRAMEBUFFER_SET_PIXEL_ORDER", h_fb_word},
    {0x00040007, "FRAMEBUFFER_GET_ALPHA_MODE", h_fb_word},
    {0x00044007, "FRAMEBUFFER_TEST_ALPHA_MODE", h_fb_word},
    {0x00048007, "FRAMEBUFFER_SET_ALPHA_MODE", h_fb_word},
    {0x00040008, "FRAMEBUFFER_GET_PITCH", h_fb_pitch},
    {0x00040009, "FRAMEBUFFER_GET_VIRTUAL_OFFSET", h_fb_offset},
    {0x00044009, "FRAMEBUFFER_TEST_VIRTUAL_OFFSET", h_fb_offset},
    {0x00048009, "FRAMEBUFFER_SET_VIRTUAL_OFFSET", h_fb_offset},
    {0x0004000a, "FRAMEBUFFER_GET_OVERSCAN", h_fb_overscan},
    {0x0004400a, "FRAMEBUFFER_TEST_OVERSCAN", h_fb_overscan},
    {0x0004800a, "FRAMEBUFFER_SET_OVERSCAN", h_fb_overscan},
    {0x0004000b, "FRAMEBUFFER_GET_PALETTE", h_fb_palette},
    {0x0004400b, "FRAMEBUFFER_TEST_PALETTE", h_fb_palette},
    {0x0004800b, "FRAMEBUFFER_SET_PALETTE", h_fb_palette},
    {0x00048010, "VCHIQ_INIT", h_vchiq_init},
    {0x00050001, "GET_COMMAND_LINE", h_cmdline},
    {0x00060001, "GET_DMA_CHANNELS", h_dma_channels},
};

static const struct tag_info *find_tag(uint32_t id) {
    for (size_t i = 0; i < sizeof tag_table / sizeof tag_table[0]; i++)
        if (tag_table[i].id == id) return &tag_table[i];
    return NULL;
}

/* ---- buffer walk ---- */

static uint32_t rd_le32(const uint8_t *p) {
    return in32(p, 4, 0);
}
static void wr_le32(uint8_t *p, uint32_t x) {
    out32(p, 4, 0, x);
}

/* Writes the buffer code alone (for buffers too broken to copy). */
static uint32_t write_code(bus *b, uint64_t phys, uint32_t code) {
    uint8_t w[4];
    wr_le32(w, code);
    char err[160];
    return bus_write_block(b, phys + 4, w, 4, err, sizeof err) == 0 ? code : 0;
}

uint32_t rpi_fw_property_call(rpi_fw *fw, bus *b, uint32_t bus_addr) {
    uint64_t phys = rpi_fw_bus_to_phys(bus_addr);
    char err[200];
    uint8_t hdr[8];
    if (bus_read_block(b, phys, hdr, sizeof hdr, err, sizeof err) < 0) {
        soc_warn("%s: property buffer at bus 0x%08" PRIx32 " is not in RAM (%s): ignored", fw->name,
                 bus_addr, err);
        return 0;
    }
    uint32_t size = rd_le32(hdr);
    if (size < 12 || size > MAX_BUFFER || (size & 3)) {
        soc_warn("%s: property buffer at bus 0x%08" PRIx32 " has a bad size %" PRIu32
                 " (12..%u, a multiple of 4): code 0x80000001",
                 fw->name, bus_addr, size, MAX_BUFFER);
        return write_code(b, phys, CODE_ERROR);
    }
    uint8_t *buf = malloc(size);
    if (!buf) return write_code(b, phys, CODE_ERROR);
    if (bus_read_block(b, phys, buf, size, err, sizeof err) < 0) {
        soc_warn("%s: property buffer at bus 0x%08" PRIx32 " of %" PRIu32
                 " bytes runs out of RAM (%s): code 0x80000001",
                 fw->name, bus_addr, size, err);
        free(buf);
        return write_code(b, phys, CODE_ERROR);
    }
    uint32_t code = CODE_SUCCESS;
    uint32_t off = 8;
    while (off + 4 <= size) {
        uint32_t id = rd_le32(buf + off);
        if (id == 0) break; /* end tag */
        if (size - off < 12) {
            soc_warn("%s: property tag 0x%08" PRIx32 " at +%" PRIu32
                     " has no room for its header: code 0x80000001",
                     fw->name, id, off);
            code = CODE_ERROR;
            break;
        }
        uint32_t vsize = rd_le32(buf + off + 4);
        if (vsize > size - off - 12) {
            soc_warn("%s: property tag 0x%08" PRIx32 " value buffer (%" PRIu32
                     " bytes) overruns the %" PRIu32 "-byte buffer: code 0x80000001",
                     fw->name, id, vsize, size);
            code = CODE_ERROR;
            break;
        }
        uint8_t *val = buf + off + 12;
        const struct tag_info *t = find_tag(id);
        int len = t ? t->handler(fw, id, val, vsize) : -1;
        if (len >= 0) {
            wr_le32(buf + off + 8, TAG_RESPONSE | (uint32_t)len);
        } else if (!t && warn_once(fw, id)) {
            soc_warn("%s: property tag 0x%08" PRIx32 " not modelled (left unanswered)", fw->name,
                     id);
        }
        off += 12 + ((vsize + 3) & ~3u); /* value buffers are padded to 32 bits */
    }
    wr_le32(buf + 4, code);
    if (bus_write_block(b, phys, buf, size, err, sizeof err) < 0) code = 0; /* checked above */
    free(buf);
    return code;
}

/* ---- legacy framebuffer channel 1: {phys w, h, virt w, h, pitch, depth, x, y, base, size} ---- */

uint32_t rpi_fw_legacy_fb_call(rpi_fw *fw, bus *b, uint32_t bus_addr) {
    uint64_t phys = rpi_fw_bus_to_phys(bus_addr);
    uint8_t d[40];
    char err[200];
    if (bus_read_block(b, phys, d, sizeof d, err, sizeof err) < 0) {
        soc_warn("%s: framebuffer descriptor at bus 0x%08" PRIx32 " is not in RAM: ignored",
                 fw->name, bus_addr);
        return 1;
    }
    rpi_fb_state *fb = &fw->fb;
    uint32_t pw = in32(d, 40, 0), ph = in32(d, 40, 1), vw = in32(d, 40, 2), vh = in32(d, 40, 3);
    uint32_t depth = in32(d, 40, 5);
    if (pw && ph && pw <= 4096 && ph <= 4096) fb->phys_width = pw, fb->phys_height = ph;
    if (vw && vh && vw <= 4096 && vh <= 4096) fb->virt_width = vw, fb->virt_height = vh;
    if (depth == 8 || depth == 16 || depth == 24 || depth == 32) fb->depth = depth;
    fb->x_offset = in32(d, 40, 6), fb->y_offset = in32(d, 40, 7);
    fb_changed(fw);
    bool ok = fb_allocate(fw, 4096);
    out32(d, 40, 4, fb->pitch);
    out32(d, 40, 8, ok ? fb->bus_base : 0);
    out32(d, 40, 9, ok ? fb->size : 0);
    bus_write_block(b, phys, d, sizeof d, err, sizeof err);
    return ok ? 0 : 1;
}

/* ---- state ---- */

static bool parse_mac(const char *s, uint8_t mac[6]) {
    unsigned m[6];
    char tail;
    if (sscanf(s, "%x:%x:%x:%x:%x:%x%c", &m[0], &m[1], &m[2], &m[3], &m[4], &m[5], &tail) != 6)
        return false;
    for (unsigned i = 0; i < 6; i++) {
        if (m[i] > 0xFF) return false;
        mac[i] = (uint8_t)m[i];
    }
    return true;
}

/* B8:27:EB (the Raspberry Pi Foundation OUI) + the low 24 bits of the serial. */
static void mac_from_serial(uint64_t serial, uint8_t mac[6]) {
    const uint8_t m[6] = {
        0xB8, 0x27, 0xEB, (uint8_t)(serial >> 16), (uint8_t)(serial >> 8), (uint8_t)serial};
    memcpy(mac, m, 6);
}

static void set_cmdline(rpi_fw *fw, const char *s) {
    free(fw->cmdline);
    fw->cmdline = s ? strdup(s) : NULL;
}

int rpi_fw_init(rpi_fw *fw, const dev_ctx *ctx, char *err, size_t errlen) {
    fw->name = ctx->name;
    fw->arm_ram_size = dev_prop_u64(ctx, "arm-ram-size");
    fw->sdram_size = dev_prop_u64(ctx, "sdram-size");
    fw->revision = (uint32_t)dev_prop_u64(ctx, "board-revision");
    fw->serial = dev_prop_u64(ctx, "serial");
    fw->firmware_revision = (uint32_t)dev_prop_u64(ctx, "firmware-revision");
    if (!fw->arm_ram_size || fw->arm_ram_size > fw->sdram_size || fw->sdram_size > (1ull << 32)) {
        snprintf(err, errlen,
                 "%s: arm-ram-size 0x%" PRIx64 " must be non-zero and at most sdram-size 0x%" PRIx64
                 " (at most 4G)",
                 ctx->name, fw->arm_ram_size, fw->sdram_size);
        return -1;
    }
    const char *mac = dev_prop_str(ctx, "mac");
    if (*mac) {
        if (!parse_mac(mac, fw->mac)) {
            snprintf(err, errlen, "%s: mac '%s' is not six hex bytes like b8:27:eb:12:34:56",
                     ctx->name, mac);
            return -1;
        }
    } else {
        mac_from_serial(fw->serial, fw->mac);
    }
    const char *cmdline = dev_prop_str(ctx, "cmdline");
    set_cmdline(fw, cmdline);
    return 0;
}

void rpi_fw_set_boot_facts(rpi_fw *fw, const rpi_firmware_boot_facts *f) {
    if (f->cmdline) set_cmdline(fw, f->cmdline);
    if (f->have_serial) {
        fw->serial = f->serial;
        if (!f->have_mac) mac_from_serial(f->serial, fw->mac);
    }
    if (f->have_mac) memcpy(fw->mac, f->mac, 6);
    if (f->revision) fw->revision = f->revision;
    if (f->arm_ram_size && f->arm_ram_size <= fw->sdram_size) fw->arm_ram_size = f->arm_ram_size;
}

/* What the firmware leaves at kernel entry. Expander lines (Pi 3 B): 0 BT_ON, 1 WL_ON, 2 ACT LED,
 * 3 LAN_RUN, 5/6 camera outputs; 4 HDMI HPD_N and 7 PWR_LOW_N are inputs reading 1 (no display,
 * power good). Power devices on: SD, UART0/1, USB (the firmware powers the LAN9514). Domains:
 * only ARM (22) reports on. */
void rpi_fw_reset(rpi_fw *fw) {
    for (unsigned id = 0; id < RPI_FW_N_CLOCKS; id++) {
        fw->clock_rate[id] = clock_table[id].rate;
        fw->clock_on[id] = clock_exists(id);
    }
    fw->turbo = 0;
    memset(fw->domain_on, 0, sizeof fw->domain_on);
    fw->domain_on[22] = true;
    for (unsigned i = 0; i < RPI_FW_N_POWER_DEVS; i++)
        fw->power_on[i] = i <= 3;
    for (unsigned n = 0; n < RPI_FW_N_EXP_GPIOS; n++) {
        bool input = n == 4 || n == 7;
        fw->gpio[n] = (rpi_fw_gpio){.direction = input ? 0 : 1, .state = input ? 1 : 0};
    }
    uint32_t gen = fw->fb.generation;
    fw->fb = (rpi_fb_state){
        .phys_width = FB_DEFAULT_WIDTH,
        .phys_height = FB_DEFAULT_HEIGHT,
        .virt_width = FB_DEFAULT_WIDTH,
        .virt_height = FB_DEFAULT_HEIGHT,
        .depth = FB_DEFAULT_DEPTH,
        .pixel_order = 1,
        .alpha_mode = 2,
        .generation = gen,
    };
    fb_changed(fw);
    fw->n_warned = 0;
}

void rpi_fw_destroy(rpi_fw *fw) {
    free(fw->cmdline);
    fw->cmdline = NULL;
}
