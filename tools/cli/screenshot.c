/* Framebuffer capture and PNG output (libpng). */
#include "screenshot.h"

#include <errno.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Widens 5/6-bit channels by repeating their top bits, so white stays 0xFF. */
static uint32_t from_r5g6b5(uint16_t p) {
    uint32_t r = (p >> 11) & 0x1F, g = (p >> 5) & 0x3F, b = p & 0x1F;
    r = (r << 3) | (r >> 2), g = (g << 2) | (g >> 4), b = (b << 3) | (b >> 2);
    return (r << 16) | (g << 8) | b;
}

bool screenshot_convert(const machine_fb *fb, screenshot_image *img) {
    size_t words = (size_t)fb->width * fb->height;
    if (words > img->capacity) {
        uint32_t *bigger = realloc(img->xrgb, words * sizeof *bigger);
        if (!bigger) return false;
        img->xrgb = bigger, img->capacity = words;
    }
    img->width = fb->width, img->height = fb->height;
    for (uint32_t y = 0; y < fb->height; y++) {
        const uint8_t *row = fb->pixels + (size_t)y * fb->stride;
        uint32_t *out = img->xrgb + (size_t)y * fb->width;
        for (uint32_t x = 0; x < fb->width; x++) {
            switch (fb->format) {
            case MACHINE_FB_R5G6B5:
                out[x] = from_r5g6b5((uint16_t)(row[2 * x] | row[2 * x + 1] << 8));
                break;
            case MACHINE_FB_R8G8B8: {
                const uint8_t *p = row + 3 * x; /* B, G, R in memory */
                out[x] = (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
                break;
            }
            case MACHINE_FB_X8R8G8B8: {
                const uint8_t *p = row + 4 * x;
                out[x] = (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
                break;
            }
            case MACHINE_FB_X8B8G8R8: {
                const uint8_t *p = row + 4 * x;
                out[x] = (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
                break;
            }
            }
        }
    }
    return true;
}

bool screenshot_capture(machine *m, screenshot_image *img) {
    machine_fb fb;
    return machine_framebuffer(m, &fb) && screenshot_convert(&fb, img);
}

void screenshot_image_free(screenshot_image *img) {
    free(img->xrgb);
    memset(img, 0, sizeof *img);
}

int screenshot_write_png(const screenshot_image *img, const char *path, char *err, size_t errlen) {
    FILE *f = fopen(path, "wb");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    uint8_t *row = malloc((size_t)img->width * 3 + 1);
    if (!png || !info || !row) {
        snprintf(err, errlen, "%s: out of memory", path);
        goto fail;
    }
    if (setjmp(png_jmpbuf(png))) {
        snprintf(err, errlen, "%s: cannot write the PNG", path);
        goto fail;
    }
    png_init_io(png, f);
    png_set_IHDR(png, info, img->width, img->height, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    for (uint32_t y = 0; y < img->height; y++) {
        const uint32_t *in = img->xrgb + (size_t)y * img->width;
        for (uint32_t x = 0; x < img->width; x++) {
            row[3 * x] = (uint8_t)(in[x] >> 16);
            row[3 * x + 1] = (uint8_t)(in[x] >> 8);
            row[3 * x + 2] = (uint8_t)in[x];
        }
        png_write_row(png, row);
    }
    png_write_end(png, info);
    png_destroy_write_struct(&png, &info);
    free(row);
    if (fclose(f) != 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
fail:
    png_destroy_write_struct(&png, &info);
    free(row);
    fclose(f);
    remove(path);
    return -1;
}

int screenshot_write_ppm(const screenshot_image *img, const char *path, char *err, size_t errlen) {
    FILE *f = fopen(path, "wb");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    bool ok = fprintf(f, "P6\n%u %u\n255\n", img->width, img->height) > 0;
    uint8_t row[3 * 4096];
    for (uint32_t y = 0; ok && y < img->height; y++) {
        const uint32_t *in = img->xrgb + (size_t)y * img->width;
        for (uint32_t x0 = 0; ok && x0 < img->width; x0 += 4096) {
            uint32_t n = img->width - x0 < 4096 ? img->width - x0 : 4096;
            for (uint32_t x = 0; x < n; x++) {
                row[3 * x] = (uint8_t)(in[x0 + x] >> 16);
                row[3 * x + 1] = (uint8_t)(in[x0 + x] >> 8);
                row[3 * x + 2] = (uint8_t)in[x0 + x];
            }
            ok = fwrite(row, 3, n, f) == n;
        }
    }
    if (fclose(f) != 0) ok = false;
    if (!ok) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno ? errno : EIO));
        return -1;
    }
    return 0;
}
