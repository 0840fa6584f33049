/* The guest framebuffer as display code sees it: none on a headless rpi3; a buffer the guest
 * allocated through the firmware mailbox (16 bpp, 32 bpp in both pixel orders) read from guest
 * RAM and converted to 0xRRGGBB; a PNG written and read back with libpng. */
#include <png.h>

#include "check.h"
#include "peripherals/rpi_firmware.h"
#include "screenshot.h"

#define FB_BASE 0x3b400000ull /* the GPU carve-out above ARM RAM */

static machine *m;

static void wr(uint64_t addr, unsigned size, uint64_t v) {
    CHECK_EQ_U64(bus_write(machine_bus(m), addr, size, v), BUS_OK);
}

/* What the mailbox's allocate tag leaves, without going through the property channel. */
static void allocate(uint32_t w, uint32_t h, uint32_t depth, uint32_t pixel_order) {
    rpi_fb_state *fb = rpi_firmware_fb(machine_device_state(m, "mailbox"));
    fb->phys_width = fb->virt_width = w;
    fb->phys_height = fb->virt_height = h;
    fb->depth = depth, fb->pixel_order = pixel_order;
    fb->pitch = w * depth / 8;
    fb->size = fb->pitch * h;
    fb->base = FB_BASE, fb->bus_base = 0xC0000000u | (uint32_t)FB_BASE;
    fb->allocated = true;
}

static void test_headless(void) {
    machine_fb fb;
    CHECK(!machine_framebuffer(m, &fb));
    screenshot_image img = {0};
    CHECK(!screenshot_capture(m, &img));
}

static void test_r5g6b5(void) {
    allocate(4, 2, 16, 0);
    wr(FB_BASE + 0, 2, 0xF800);     /* red */
    wr(FB_BASE + 2, 2, 0x07E0);     /* green */
    wr(FB_BASE + 4, 2, 0x001F);     /* blue */
    wr(FB_BASE + 6, 2, 0xFFFF);     /* white */
    wr(FB_BASE + 8 + 6, 2, 0x8410); /* row 1, x 3: mid grey */
    machine_fb fb;
    CHECK(machine_framebuffer(m, &fb));
    CHECK_EQ_U64(fb.width, 4);
    CHECK_EQ_U64(fb.height, 2);
    CHECK_EQ_U64(fb.stride, 8);
    CHECK_EQ_U64(fb.format, MACHINE_FB_R5G6B5);
    screenshot_image img = {0};
    CHECK(screenshot_capture(m, &img));
    CHECK_EQ_U64(img.xrgb[0], 0xFF0000);
    CHECK_EQ_U64(img.xrgb[1], 0x00FF00);
    CHECK_EQ_U64(img.xrgb[2], 0x0000FF);
    CHECK_EQ_U64(img.xrgb[3], 0xFFFFFF);
    CHECK_EQ_U64(img.xrgb[4 + 3], 0x848284);
    screenshot_image_free(&img);
}

static void test_32bpp(void) {
    allocate(2, 1, 32, 0); /* BGR order: words 0xAARRGGBB */
    wr(FB_BASE, 4, 0xFF123456);
    screenshot_image img = {0};
    CHECK(screenshot_capture(m, &img));
    CHECK_EQ_U64(img.xrgb[0], 0x123456);
    allocate(2, 1, 32, 1); /* RGB order: words 0xAABBGGRR */
    CHECK(screenshot_capture(m, &img));
    CHECK_EQ_U64(img.xrgb[0], 0x563412);
    screenshot_image_free(&img);
}

static void test_png(const char *dir) {
    allocate(3, 2, 16, 0);
    for (unsigned i = 0; i < 12; i += 2)
        wr(FB_BASE + i, 2, 0);
    wr(FB_BASE + 2, 2, 0xF800);
    screenshot_image img = {0};
    CHECK(screenshot_capture(m, &img));
    char path[512], err[600];
    snprintf(path, sizeof path, "%s/test_framebuffer.png", dir);
    CHECK_EQ_U64(screenshot_write_png(&img, path, err, sizeof err), 0);
    png_image png = {.version = PNG_IMAGE_VERSION};
    CHECK(png_image_begin_read_from_file(&png, path));
    CHECK_EQ_U64(png.width, 3);
    CHECK_EQ_U64(png.height, 2);
    png.format = PNG_FORMAT_RGB;
    uint8_t px[3 * 3 * 2];
    CHECK(png_image_finish_read(&png, NULL, px, 0, NULL));
    CHECK_EQ_U64(px[3], 0xFF); /* pixel 1: red */
    CHECK_EQ_U64(px[4], 0);
    CHECK_EQ_U64(px[0], 0);
    /* An unwritable path is an error naming it. */
    CHECK(screenshot_write_png(&img, "/nonexistent-dir/x.png", err, sizeof err) < 0);
    CHECK_STR_CONTAINS(err, "/nonexistent-dir/x.png");
    screenshot_image_free(&img);
}

int main(int argc, char **argv) {
    const char *dir = argc > 1 ? argv[1] : ".";
    machine_options opts = {.board = "rpi3"};
    char err[256];
    m = machine_create(&opts, err, sizeof err);
    if (!m) {
        fprintf(stderr, "machine_create: %s\n", err);
        return 1;
    }
    test_headless();
    test_r5g6b5();
    test_32bpp();
    test_png(dir);
    machine_free(m);
    return check_report("display_framebuffer");
}
