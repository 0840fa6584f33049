/* Streaming decompression of a whole gzip, xz or zstd file into a sparse output file
 * (host_image.c's helper). */
#ifndef SOC_HOST_IMAGE_INFLATE_H
#define SOC_HOST_IMAGE_INFLATE_H

#include <stddef.h>
#include <stdint.h>

/* Decompresses in_fd (from its start; format "gzip", "xz" or "zstd") into out_fd from offset 0;
 * blocks of zeros are not written, so they stay holes. *size = the decompressed size (out_fd is
 * truncated to it). Returns 0, or -1 with "<path>: ..." in err (corrupt or truncated stream,
 * I/O error, no space for the copy in tmp_dir). */
int host_image_inflate(int in_fd, const char *format, const char *path, int out_fd,
                       const char *tmp_dir, uint64_t *size, char *err, size_t errlen);

#endif
