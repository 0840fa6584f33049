/* The host side of an emulated SD card: the user's image file.
 *
 * - Copy-on-write (the default): the file is opened READ-ONLY and never written; a sparse overlay
 *   takes every guest write and is dropped at exit. The overlay is an unnamed temporary file
 *   (soc/host_image.h host_tempfile: $TMPDIR, else /var/tmp, else /tmp; created at open, so a
 *   directory with no room is a startup error) holding written chunks at their card offsets, so
 *   host memory stays bounded (one bit per 4 KiB chunk) however much the guest writes; it lives
 *   as long as the sd_image, i.e. across guest reboots. The image that passed CI is the
 *   image that gets flashed, and killing the emulator (even kill -9) cannot change it.
 * - Write-through (--sd-write): the file is opened read-write, guest writes go straight to it
 *   (pwrite) and sd_image_flush/close fsync it. Refused for read-only files (no write
 *   permission bit, read-only mount). An exclusive advisory lock keeps two emulators (or a
 *   copy-on-write reader, which takes a shared lock) off the same image.
 * - Any file size works; bytes past the end of the file read as zero (the card rounds its
 *   capacity up, see sd_card.c). Writes there land in the overlay in both modes (write-through
 *   creates its overlay file on the first such write): the file never grows, and that padding
 *   is not saved.
 * - The overlay is sparse: a 4 KiB chunk is copied in on its first write.
 * - The file is a soc/host_image: .img.gz/.img.xz/.img.zst images are read through a
 *   decompressed copy (copy-on-write only), and the firmware loader shares the same open image. */
#ifndef PERIPHERALS_SD_IMAGE_H
#define PERIPHERALS_SD_IMAGE_H

#include <stddef.h>
#include <stdint.h>

typedef struct sd_image sd_image;

typedef enum { SD_IMAGE_COPY_ON_WRITE, SD_IMAGE_WRITE_THROUGH } sd_image_mode;

/* NULL with a one-line reason naming the file in err. */
sd_image *sd_image_open(const char *path, sd_image_mode mode, char *err, size_t errlen);
/* Closes the image; write-through: fsyncs it first. */
void sd_image_close(sd_image *img);

const char *sd_image_path(const sd_image *img);
uint64_t sd_image_size(const sd_image *img); /* bytes in the file */

/* Reads len bytes at offset: overlay chunks where written, else the file, else zeros past its
 * end. Returns 0, or -1 with a reason naming the file (host I/O error). */
int sd_image_read(sd_image *img, uint64_t offset, void *buf, size_t len, char *err, size_t errlen);
/* Copy-on-write: into the overlay. Write-through: into the file (the overlay past its end).
 * Returns 0, or -1 with a reason (out of memory, host I/O error). */
int sd_image_write(sd_image *img, uint64_t offset, const void *buf, size_t len, char *err,
                   size_t errlen);
/* Write-through: fsync the file (at guest reboot and power-off). Returns 0, or -1 with a
 * reason. Copy-on-write: nothing to do. */
int sd_image_flush(sd_image *img, char *err, size_t errlen);
/* Bytes held by the overlay (written chunks, in its temporary file), for tests and diagnostics. */
uint64_t sd_image_overlay_bytes(const sd_image *img);

#endif
