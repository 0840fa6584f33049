/* The host side of an emulated SD card: the user's image file, opened READ-ONLY and never
 * written, with a copy-on-write overlay in memory that takes every guest write. The image that
 * passed CI is the image that gets flashed; the guest's changes vanish when the emulator exits.
 *
 * - Any file size works; bytes past the end of the file read as zero (the card rounds its
 *   capacity up, see sd_card.c) and may be written (they land in the overlay).
 * - The overlay is sparse: 4 KiB chunks allocated on first write, found through a hash map.
 * - Compressed images (.img.gz/.img.xz) are recognised by their magic bytes and refused with a
 *   message saying to decompress them; streaming decompression may come later.
 * - Default: no persistence. A `persist` option (write the overlay back, or to a separate
 *   file) may come later; it would be an explicit opt-in. */
#ifndef PERIPHERALS_SD_IMAGE_H
#define PERIPHERALS_SD_IMAGE_H

#include <stddef.h>
#include <stdint.h>

typedef struct sd_image sd_image;

/* NULL with a one-line reason naming the file in err. */
sd_image *sd_image_open(const char *path, char *err, size_t errlen);
void sd_image_close(sd_image *img);

const char *sd_image_path(const sd_image *img);
uint64_t sd_image_size(const sd_image *img); /* bytes in the file */

/* Reads len bytes at offset: overlay chunks where written, else the file, else zeros past its
 * end. Returns 0, or -1 with a reason naming the file (host I/O error). */
int sd_image_read(sd_image *img, uint64_t offset, void *buf, size_t len, char *err, size_t errlen);
/* Writes into the overlay only. Returns 0, or -1 with a reason (out of memory, I/O error while
 * filling a partially written chunk). */
int sd_image_write(sd_image *img, uint64_t offset, const void *buf, size_t len, char *err,
                   size_t errlen);
/* Bytes of host memory held by the overlay (chunks), for tests and diagnostics. */
uint64_t sd_image_overlay_bytes(const sd_image *img);

#endif
