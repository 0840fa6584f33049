/* A host disk image (an SD card file) as its plain bytes, for everything that reads the card: the
 * firmware loader (FAT, config.txt) and the card model. It sits on this floor so both share one
 * open file and one decompressed copy.
 *
 * - Plain images: the file itself, O_RDONLY, or O_RDWR when writable (--sd-write). A file with
 *   no write permission bit is refused as writable even for root: chmod a-w means "keep this".
 * - gzip, xz and zstd images (recognised by their magic bytes, not their names) are decompressed
 * once, streaming, into an unlinked temporary file (host_tempfile); all-zero blocks are
 *   skipped, so a mostly empty card costs only its data on disk. The file has no name (O_TMPFILE,
 *   or unlinked at once), so nothing is left behind even after kill -9. A corrupt or truncated
 *   stream fails the open. Compressed images cannot be opened writable.
 * - Opening the same file again (same device and inode) while it is open returns the same image
 *   with one more reference (a read-only open may share a writable image; a writable open of an
 *   image already open read-only fails). An advisory lock keeps writers exclusive: a writable open
 * takes an exclusive flock, a read-only one a shared flock. Errors are one line naming the path.
 * Not thread-safe: images are opened while the machine is built. */
#ifndef SOC_HOST_IMAGE_H
#define SOC_HOST_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct host_image host_image;

host_image *host_image_open(const char *path, bool writable, char *err, size_t errlen);
/* Drops one reference; the last one closes the file (fsync first when writable). */
void host_image_close(host_image *h);

int host_image_fd(const host_image *h); /* pread/pwrite on it: the plain bytes */
uint64_t host_image_size(const host_image *h);
bool host_image_writable(const host_image *h);
/* "gzip", "xz" or "zstd" when the file was decompressed; NULL for a plain image. */
const char *host_image_compression(const host_image *h);

/* The compression format a file starting with these bytes is in ("gzip", "xz", "zstd"), or
 * NULL. */
const char *host_image_sniff(const uint8_t *head, size_t len);

/* An unnamed read-write temporary file (O_TMPFILE, or created and unlinked at once, so nothing is
 * left behind even after kill -9) in $TMPDIR, else /var/tmp, else /tmp: the first directory that
 * works. Returns the fd (and the directory in dir_used, if given), or -1 with one line in err
 * naming every directory tried and why it failed ("cannot create a temporary file for <purpose>:
 * tried TMPDIR=/proc (Permission denied), /var/tmp (...), /tmp (...)"). */
int host_tempfile(const char *purpose, char *dir_used, size_t dir_len, char *err, size_t errlen);

#endif
