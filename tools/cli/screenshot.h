/* The guest's framebuffer as plain 0xRRGGBB pixels (whatever its format), and as a PNG file for
 * headless CI (--screenshot). The SDL window shows the same capture. */
#ifndef SOCEMU_CLI_SCREENSHOT_H
#define SOCEMU_CLI_SCREENSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "boards/machine.h"

typedef struct screenshot_image {
    uint32_t width, height;
    uint32_t *xrgb;  /* width * height words 0x00RRGGBB, row by row; owned */
    size_t capacity; /* words allocated */
} screenshot_image;

/* Converts a framebuffer into img (reusing its buffer). false: out of memory. */
bool screenshot_convert(const machine_fb *fb, screenshot_image *img);
/* machine_framebuffer + screenshot_convert; false when the guest has no framebuffer. */
bool screenshot_capture(machine *m, screenshot_image *img);
void screenshot_image_free(screenshot_image *img);

/* 8-bit RGB PNG. Returns 0, or -1 with "PATH: why" in err. */
int screenshot_write_png(const screenshot_image *img, const char *path, char *err, size_t errlen);

/* Binary PPM (P6), what QEMU's screendump writes by default. Same returns. */
int screenshot_write_ppm(const screenshot_image *img, const char *path, char *err, size_t errlen);

#endif
